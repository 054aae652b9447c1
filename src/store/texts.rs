//! An item's extracted text, wherever it is kept. Most items have an `item_text` row; model
//! calls keep theirs inside the call record (see [`crate::store::call_record`] for why), except
//! calls imported before that, which have a row like any item. Whatever reads an item's text
//! reads it here, so no reader misses either place.

use super::call_record::{StoredRecord, Unpacker};
use crate::error::Result;
use rusqlite::{CachedStatement, Connection, OptionalExtension};

/// Every item that may have text, in id order (an id whose text turns out empty reads `None`).
pub const ITEMS_WITH_TEXT: &str = "SELECT item_id FROM item_text UNION SELECT item_id FROM model_call ORDER BY 1";

/// Reads many items' texts with one set of prepared statements and one decompressor.
pub struct Texts<'c> {
    row: CachedStatement<'c>,
    call: CachedStatement<'c>,
    unpacker: Unpacker,
}

impl<'c> Texts<'c> {
    pub fn new(db: &'c Connection) -> Result<Texts<'c>> {
        Ok(Texts {
            row: db.prepare_cached("SELECT text FROM item_text WHERE item_id = ?1")?,
            call: db.prepare_cached("SELECT call_json FROM model_call WHERE item_id = ?1")?,
            unpacker: Unpacker::new(),
        })
    }

    /// Item `id`'s text; `None` when it has none (or there is no such item).
    pub fn get(&mut self, id: i64) -> Result<Option<String>> {
        if let Some(text) = self.row.query_row([id], |r| r.get::<_, String>(0)).optional()? {
            return Ok(Some(text));
        }
        let Some(stored) = self.call.query_row([id], |r| r.get::<_, StoredRecord>(0)).optional()? else {
            return Ok(None);
        };
        // An empty text is stored in the record but, like any item's, has no row: `None`.
        Ok(self.unpacker.unpack(stored)?.text.filter(|t| !t.is_empty()))
    }
}

/// Item `id`'s text; `None` when it has none.
pub fn text(db: &Connection, id: i64) -> Result<Option<String>> {
    Texts::new(db)?.get(id)
}
