//! Reading back JSON the store wrote (recipient lists, page lists, extra metadata, batch
//! sources). A value that does not parse means the matter was damaged or written by something
//! else: it is reported as such, never read as an empty list or default, which would silently
//! drop evidence from views, the index and duplicate keys.

use rusqlite::types::Type;
use rusqlite::Row;
use serde::de::DeserializeOwned;

/// Stored JSON that does not parse, as a column-conversion failure rusqlite carries out of a
/// row closure; its message says what was damaged and what to do.
#[derive(Debug)]
pub struct DamagedJson {
    pub what: &'static str,
    pub detail: String,
}

impl std::fmt::Display for DamagedJson {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "stored {} is damaged ({}): run `exhibit verify`", self.what, self.detail)
    }
}

impl std::error::Error for DamagedJson {}

/// Parses stored JSON `s` (from column `idx`), or fails naming `what` was damaged.
pub fn parse<T: DeserializeOwned>(s: &str, idx: usize, what: &'static str) -> rusqlite::Result<T> {
    serde_json::from_str(s)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(idx, Type::Text, Box::new(DamagedJson { what, detail: e.to_string() })))
}

/// Column `idx` of `r`, stored as JSON text.
pub fn column<T: DeserializeOwned>(r: &Row, idx: usize, what: &'static str) -> rusqlite::Result<T> {
    parse(&r.get::<_, String>(idx)?, idx, what)
}

/// Column `idx` of `r`, stored as JSON text or NULL (NULL: the default, e.g. no pages).
pub fn nullable_column<T: DeserializeOwned + Default>(r: &Row, idx: usize, what: &'static str) -> rusqlite::Result<T> {
    match r.get::<_, Option<String>>(idx)? {
        Some(s) => parse(&s, idx, what),
        None => Ok(T::default()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn damaged_json_is_an_error_that_says_so() {
        let db = rusqlite::Connection::open_in_memory().unwrap();
        let got: rusqlite::Result<Vec<String>> = db.query_row("SELECT '[\"a\", '", [], |r| column(r, 0, "recipient list"));
        let e = got.unwrap_err().to_string();
        assert!(e.contains("stored recipient list is damaged") && e.contains("exhibit verify"), "{e}");
        let ok: Vec<String> = db.query_row("SELECT '[\"a\",\"b\"]'", [], |r| column(r, 0, "recipient list")).unwrap();
        assert_eq!(ok, ["a", "b"]);
        let none: Vec<u32> = db.query_row("SELECT NULL", [], |r| nullable_column(r, 0, "page list")).unwrap();
        assert!(none.is_empty());
    }
}
