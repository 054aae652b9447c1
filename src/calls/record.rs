//! How a call is kept in `model_call.call_json`: the whole call as JSON (its normalized fields
//! and, last, the record as logged), compressed with zstd and stored as a BLOB.
//!
//! Why compressed: the normalized messages and completion repeat the text of the record as
//! logged, so the JSON is about twice the call. Compressed, the second copy costs almost
//! nothing and a call takes about a fifth of the bytes. An import's time goes largely into
//! bytes (its commits write them to the write-ahead log, its checkpoints copy them again), so
//! this is where the bytes were worth saving. Reads decompress, a few microseconds a call.
//!
//! Matters written before the records were compressed hold the JSON as TEXT; both are read,
//! so no migration rewrites a matter's calls.

use crate::error::{Error, Result};
use crate::modellogs::ModelCall;
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ValueRef};

/// zstd level 1: the fastest of the ordinary levels, and the one that already folds the
/// duplicated text away (higher levels gain a few percent for several times the CPU).
const LEVEL: i32 = 1;

/// No call record decompresses to more than this: a larger size can only be a damaged frame,
/// and must not become an allocation.
const MAX_RECORD: u64 = 256 << 20;

/// Compresses call records, reusing one zstd context (one per thread).
pub(crate) struct Packer(zstd::bulk::Compressor<'static>);

impl Packer {
    pub(crate) fn new() -> Result<Packer> {
        Ok(Packer(zstd::bulk::Compressor::new(LEVEL)?))
    }

    /// The stored form of a call's JSON.
    pub(crate) fn pack(&mut self, json: &str) -> Result<Vec<u8>> {
        Ok(self.0.compress(json.as_bytes())?)
    }
}

/// A `call_json` value as stored: compressed (BLOB) or, in older matters, plain JSON (TEXT).
pub(crate) enum StoredRecord {
    Packed(Vec<u8>),
    Plain(String),
}

impl FromSql for StoredRecord {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        match value {
            ValueRef::Blob(b) => Ok(StoredRecord::Packed(b.to_vec())),
            ValueRef::Text(t) => String::from_utf8(t.to_vec()).map(StoredRecord::Plain).map_err(|e| FromSqlError::Other(Box::new(e))),
            _ => Err(FromSqlError::InvalidType),
        }
    }
}

/// Decompresses call records, reusing one zstd context across a scan of many calls.
pub(crate) struct Unpacker(zstd::bulk::Decompressor<'static>);

impl Unpacker {
    pub(crate) fn new() -> Result<Unpacker> {
        Ok(Unpacker(zstd::bulk::Decompressor::new()?))
    }

    /// The call's JSON text.
    pub(crate) fn json(&mut self, stored: StoredRecord) -> Result<String> {
        let packed = match stored {
            StoredRecord::Plain(json) => return Ok(json),
            StoredRecord::Packed(b) => b,
        };
        let damaged = |why: &str| Error::Invalid(format!("a stored model call is damaged ({why}); run `exhibit verify`"));
        let size = match zstd::zstd_safe::get_frame_content_size(&packed) {
            Ok(Some(n)) if n <= MAX_RECORD => n as usize,
            Ok(_) => return Err(damaged("its size is missing or impossible")),
            Err(_) => return Err(damaged("it is not a compressed record")),
        };
        let bytes = self.0.decompress(&packed, size).map_err(|e| damaged(&e.to_string()))?;
        String::from_utf8(bytes).map_err(|_| damaged("it is not UTF-8 text"))
    }

    /// The call itself.
    pub(crate) fn call(&mut self, stored: StoredRecord) -> Result<ModelCall> {
        Ok(serde_json::from_str(&self.json(stored)?)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_and_plain_records_read_the_same() {
        let json = r#"{"ts":null,"messages":[{"role":"user","content":"hello hello hello hello"}],"raw":{"x":"hello hello hello hello"}}"#;
        let packed = Packer::new().unwrap().pack(json).unwrap();
        assert!(packed.len() < json.len(), "{} >= {}", packed.len(), json.len());
        let mut u = Unpacker::new().unwrap();
        assert_eq!(u.json(StoredRecord::Packed(packed)).unwrap(), json);
        assert_eq!(u.json(StoredRecord::Plain(json.into())).unwrap(), json);
    }

    #[test]
    fn a_damaged_record_is_an_error_not_a_panic_or_an_allocation() {
        let mut u = Unpacker::new().unwrap();
        for bad in [vec![], vec![1, 2, 3], b"\x28\xb5\x2f\xfd\xff\xff\xff\xff\xff\xff\xff\xff\x00".to_vec()] {
            let err = u.json(StoredRecord::Packed(bad)).unwrap_err();
            assert!(err.to_string().contains("damaged"), "{err}");
        }
        let mut packed = Packer::new().unwrap().pack(&"abc ".repeat(100)).unwrap();
        let n = packed.len();
        packed[n / 2] ^= 0xff;
        packed.truncate(n - 1);
        assert!(u.json(StoredRecord::Packed(packed)).is_err());
    }
}
