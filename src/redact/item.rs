//! The item view with its redaction spans: [`Matter::item`], the one item answer every surface
//! shows (the store reads the item, redaction adds the spans it holds for it).

use crate::error::Result;
use crate::store::items::{self, ItemView};
use crate::store::spans::RedactionSpan;
use crate::Matter;

impl Matter {
    /// One item by id or control number.
    pub fn item(&self, key: &str) -> Result<ItemView> {
        let mut view = items::read(&self.store.db, key)?;
        view.redactions = self.redactions(Some(&view.id.to_string()), None)?.into_iter().map(RedactionSpan::from).collect();
        Ok(view)
    }
}
