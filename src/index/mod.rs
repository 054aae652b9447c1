//! The Tantivy full-text index over item text and metadata.
//!
//! The database is the source of truth; the index is derived from it and can always be
//! rebuilt. Each item row carries an `indexed` flag that is set only after the Tantivy commit
//! that holds its document, so a crash at any point leaves `indexed = 0` rows that the next
//! [`SearchIndex::catch_up`] re-indexes (deleting any earlier copy by id first, so nothing is
//! ever indexed twice). Bulk imports store their items already flagged and list the id ranges
//! in `index_pending` in the same transaction instead, cleared after the index commit: the
//! catch-up takes those ranges too.

mod engine;
pub mod facets;
pub mod highlight;
pub mod idset;
pub mod query;
pub mod search;
pub mod tokenizer;

pub use engine::*;
pub use search::{Hit, SearchResult, Sort};
