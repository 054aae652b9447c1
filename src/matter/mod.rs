//! A matter: one folder holding everything about one case, and the roof of the library.
//!
//! ```text
//! MATTER/
//!   exhibit.db      SQLite (WAL): items, provenance, errors, review state, audit chain
//!   blobs/ab/…   originals, named by SHA-256, read-only
//!   index/          Tantivy index; rebuildable from exhibit.db at any time
//! ```
//!
//! [`Matter`] owns the [`Store`] (database, blobs, folder) and the [`SearchIndex`]. It is the
//! one entry point of the library: the layers above (ingest, calls, review, redact, assess,
//! verify, api) each add their methods in an `impl Matter` block of their own, which they may
//! because they import downward. This module itself imports only the layers below it.

mod search;

use crate::error::Result;
use crate::extract::pages::FrameCache;
use crate::index::SearchIndex;
use crate::store::audit_head::Head;
use crate::store::blobs::BlobStore;
use crate::store::{audit, ErrorRecord, Status, Store, Summary};
use std::path::{Path, PathBuf};

/// An open matter. The one entry point of the library.
pub struct Matter {
    /// Database, blobs and folder. Declared first, so it is dropped (and publishes the audit
    /// head) before the index.
    pub(crate) store: Store,
    pub(crate) index: SearchIndex,
    /// Page geometry of recently viewed PDFs ([`FrameCache`]).
    pub(crate) frames: std::sync::Mutex<FrameCache>,
    /// The items stored rules would hide something in that no run has recorded
    /// ([`Matter::rule_hits`]), with the matter's state they were found in (last audit entry,
    /// last item): the Exposure screen recomputes on every edit, and finding them reads each
    /// late item's text.
    pub(crate) rule_hits_cache: std::sync::Mutex<Option<((i64, i64), crate::index::idset::IdSet)>>,
}

impl Matter {
    /// Creates an empty matter in `dir` (which may exist but must not hold a matter).
    pub fn create(dir: impl AsRef<Path>, name: &str) -> Result<Matter> {
        Matter::with_index(Store::create(dir, name)?)
    }

    /// Opens an existing matter, migrating its schema forward if needed.
    pub fn open(dir: impl AsRef<Path>) -> Result<Matter> {
        Matter::with_index(Store::open(dir)?)
    }

    /// Opens the store's search index; one written with another schema is recreated and filled
    /// from the database.
    fn with_index(store: Store) -> Result<Matter> {
        let mut index = SearchIndex::open(&store.dir().join("index"))?;
        if index.rebuilt {
            store.db.execute("UPDATE item SET indexed = 0", [])?;
            index.catch_up(&store.db)?;
            // Release the writer: a session that stays open (serve, desktop) must not keep
            // other processes' ingests off the index.
            index.wait_for_merges()?;
            index.rebuilt = false;
        }
        Ok(Matter { store, index, frames: Default::default(), rule_hits_cache: Default::default() })
    }

    pub fn dir(&self) -> &Path {
        self.store.dir()
    }

    /// The matter's database file (for a second connection, e.g. a background checkpointer).
    pub(crate) fn db_path(&self) -> PathBuf {
        self.store.db_path()
    }

    pub fn name(&self) -> Result<String> {
        self.store.name()
    }

    pub(crate) fn meta(&self, key: &str) -> Result<Option<String>> {
        self.store.meta(key)
    }

    /// Waits until the search index has finished merging the segments recent imports wrote
    /// (merges run in the background; everything committed is searchable meanwhile).
    pub fn wait_for_index_merges(&mut self) -> Result<()> {
        self.index.wait_for_merges()
    }

    pub fn blobs(&self) -> &BlobStore {
        self.store.blobs()
    }

    /// The matter's name and item count: cheap at any size (see [`Store::summary`]).
    pub fn summary(&self) -> Result<Summary> {
        self.store.summary()
    }

    /// Every count `exhibit status` shows (see [`Store::status`]).
    pub fn status(&self) -> Result<Status> {
        self.store.status()
    }

    /// The control number of an item named by id or control number (`12` → `EXH-0000012`),
    /// for messages that name items as reviewers do.
    pub fn control_number(&self, key: &str) -> Result<String> {
        let id = crate::store::items::resolve(&self.store.db, key)?;
        Ok(self.store.db.query_row("SELECT control FROM item WHERE id = ?1", [id], |r| r.get(0))?)
    }

    /// Every ingest error, oldest first.
    pub fn errors(&self) -> Result<Vec<ErrorRecord>> {
        self.store.errors()
    }

    /// The most recent audit entries, newest first.
    pub fn audit_log(&self, limit: usize) -> Result<Vec<audit::Entry>> {
        self.store.audit_log(limit)
    }

    /// The audit log's head (its newest entry's number and hash): the anchor that production
    /// manifests and reports carry, for `exhibit verify --anchor` later.
    pub fn audit_head(&self) -> Result<Option<Head>> {
        self.store.audit_head()
    }
}
