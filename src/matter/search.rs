//! Search over the open matter: the index's queries answered against the matter's database,
//! and the index rebuilt from it (audited).

use super::Matter;
use crate::error::Result;
use crate::index::facets::Facets;
use crate::index::{SearchResult, Sort};
use crate::store::{audit, items, texts};

impl Matter {
    /// Rebuilds the search index from the database.
    pub fn reindex(&mut self) -> Result<usize> {
        let n = self.index.rebuild(&self.store.db)?;
        let tx = self.store.db.unchecked_transaction()?;
        audit::append(&tx, "index.rebuild", &serde_json::json!({ "items": n }))?;
        tx.commit()?;
        audit::publish_head(&self.store.db);
        Ok(n)
    }

    /// Full-text search.
    pub fn search(&self, query: &str, limit: usize, offset: usize, sort: Sort) -> Result<SearchResult> {
        self.index.search(&self.store.db, query, limit, offset, sort)
    }

    /// Test hook: drops one item's index document, as a damaged index would.
    #[doc(hidden)]
    pub fn drop_from_index(&mut self, id: i64) -> Result<()> {
        self.index.delete_item(id)
    }

    /// Facet counts over the items matching `query` (`*` for all).
    pub fn facets(&self, query: &str) -> Result<Facets> {
        self.index.facets(&self.store.db, query)
    }

    /// Character offsets of every hit of `query` in one item's text.
    pub fn hit_offsets(&self, item: &str, query: &str) -> Result<Vec<[usize; 2]>> {
        let id = items::resolve(&self.store.db, item)?;
        let text = texts::text(&self.store.db, id)?.unwrap_or_default();
        self.index.hit_offsets(&self.store.db, query, &text)
    }
}
