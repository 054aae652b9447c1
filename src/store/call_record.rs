//! How a call is kept in `model_call.call_json`: its text (what the item's text is, prompt and
//! completion), then the whole call as JSON (its normalized fields and, last, the record as
//! logged), compressed together and stored as a BLOB.
//!
//! Why the text lives here and not in an `item_text` row: the call's JSON repeats that text
//! twice already (normalized and as logged), so compressed with it the text costs almost no
//! bytes, where a row of its own was half of a call's share of the database. An import's time
//! goes largely into bytes (its commits write them to the write-ahead log, its checkpoints
//! copy them again), so this is where bytes were worth saving. The text is stored as it was
//! extracted, never re-derived from the call, so redaction offsets into it stay valid.
//! [`crate::store::texts`] reads an item's text from either place.
//!
//! Why lz4: at import it costs a quarter of zstd's CPU for a third more bytes, and measured
//! faster overall; reading is cheaper too. Three forms are read, so no migration rewrites a
//! matter's calls:
//! - `0x01`, the 4-byte little-endian size of what follows, then an lz4 block of: the text's
//!   length (4 bytes, little-endian), the text, the call's JSON (written now);
//! - a zstd frame of the call's JSON (written before the text moved here; the text is in
//!   `item_text`);
//! - plain JSON TEXT (older still).

use crate::error::{Error, Result};
use crate::modellogs::ModelCall;
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ValueRef};

/// The first byte of a record holding its text and call as one lz4 block. A zstd frame starts
/// with 0x28, so the forms cannot be mistaken for each other.
const TEXT_AND_CALL: u8 = 0x01;

/// No call record decompresses to more than this: a larger size can only be a damaged record,
/// and must not become an allocation.
const MAX_RECORD: u64 = 256 << 20;

/// Compresses call records. Holds the buffers each record is built and compressed in (so one
/// per thread): a fresh zeroed buffer per call was measurable at a million calls.
#[derive(Default)]
pub(crate) struct Packer {
    plain: Vec<u8>,
    packed: Vec<u8>,
}

impl Packer {
    /// The stored form of a call: its item's text and its JSON.
    pub(crate) fn pack(&mut self, text: &str, json: &str) -> Result<Vec<u8>> {
        let whole = 4 + text.len() + json.len();
        let too_large = || Error::TooLarge(format!("a model call of {whole} bytes is larger than Exhibit stores ({MAX_RECORD} bytes)"));
        let text_len = u32::try_from(text.len()).map_err(|_| too_large())?;
        let size = u32::try_from(whole).ok().filter(|&n| u64::from(n) <= MAX_RECORD).ok_or_else(too_large)?;
        let Packer { plain, packed } = self;
        plain.clear();
        plain.extend_from_slice(&text_len.to_le_bytes());
        plain.extend_from_slice(text.as_bytes());
        plain.extend_from_slice(json.as_bytes());
        let bound = 5 + lz4_flex::block::get_maximum_output_size(plain.len());
        if packed.len() < bound {
            packed.resize(bound, 0);
        }
        packed[0] = TEXT_AND_CALL;
        packed[1..5].copy_from_slice(&size.to_le_bytes());
        let n = lz4_flex::block::compress_into(plain, &mut packed[5..])
            .map_err(|e| Error::Internal(format!("lz4 could not compress a call: {e}")))?;
        Ok(packed[..5 + n].to_vec())
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

/// A record unpacked: the item's text when the record holds it, and the call's JSON.
pub(crate) struct Unpacked {
    pub text: Option<String>,
    pub json: String,
}

/// Decompresses call records, reusing one zstd context (made when first needed) across a scan
/// of many calls.
#[derive(Default)]
pub(crate) struct Unpacker(Option<zstd::bulk::Decompressor<'static>>);

fn damaged(why: &str) -> Error {
    Error::Corrupt { what: "model call", detail: why.to_string() }
}

fn utf8(bytes: Vec<u8>) -> Result<String> {
    String::from_utf8(bytes).map_err(|_| damaged("it is not UTF-8 text"))
}

impl Unpacker {
    pub(crate) fn new() -> Unpacker {
        Unpacker::default()
    }

    /// The record's text (when it holds it) and JSON.
    pub(crate) fn unpack(&mut self, stored: StoredRecord) -> Result<Unpacked> {
        let packed = match stored {
            StoredRecord::Plain(json) => return Ok(Unpacked { text: None, json }),
            StoredRecord::Packed(b) => b,
        };
        if packed.first() == Some(&TEXT_AND_CALL) {
            return unpack_text_and_call(&packed);
        }
        let size = match zstd::zstd_safe::get_frame_content_size(&packed) {
            Ok(Some(n)) if n <= MAX_RECORD => n as usize,
            Ok(_) => return Err(damaged("its size is missing or impossible")),
            Err(_) => return Err(damaged("it is not a compressed record")),
        };
        let zstd = match &mut self.0 {
            Some(d) => d,
            none => none.insert(zstd::bulk::Decompressor::new()?),
        };
        let bytes = zstd.decompress(&packed, size).map_err(|e| damaged(&e.to_string()))?;
        Ok(Unpacked { text: None, json: utf8(bytes)? })
    }

    /// The call's JSON text.
    pub(crate) fn json(&mut self, stored: StoredRecord) -> Result<String> {
        Ok(self.unpack(stored)?.json)
    }

    /// The call itself.
    pub(crate) fn call(&mut self, stored: StoredRecord) -> Result<ModelCall> {
        Ok(serde_json::from_str(&self.json(stored)?)?)
    }
}

fn unpack_text_and_call(packed: &[u8]) -> Result<Unpacked> {
    let Some((size, block)) = packed.get(1..5).map(|s| (u32::from_le_bytes(s.try_into().expect("4 bytes")), &packed[5..])) else {
        return Err(damaged("it is cut short"));
    };
    if u64::from(size) > MAX_RECORD {
        return Err(damaged("its size is impossible"));
    }
    let mut plain = lz4_flex::block::decompress(block, size as usize).map_err(|e| damaged(&e.to_string()))?;
    if plain.len() != size as usize {
        return Err(damaged("it is not the size it says"));
    }
    let text_len = plain.get(..4).map(|s| u32::from_le_bytes(s.try_into().expect("4 bytes")) as usize);
    let Some(text_len) = text_len.filter(|&n| n <= plain.len() - 4) else {
        return Err(damaged("its text's length is impossible"));
    };
    let json = utf8(plain.split_off(4 + text_len))?;
    plain.drain(..4);
    Ok(Unpacked { text: Some(utf8(plain)?), json })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_stored_form_reads() {
        let json = r#"{"ts":null,"messages":[{"role":"user","content":"hello hello hello hello"}],"raw":{"x":"hello hello hello hello"}}"#;
        let text = "hello hello hello hello";
        let packed = Packer::default().pack(text, json).unwrap();
        assert!(packed.len() < json.len(), "{} >= {}", packed.len(), json.len());
        let mut u = Unpacker::new();
        let got = u.unpack(StoredRecord::Packed(packed)).unwrap();
        assert_eq!((got.text.as_deref(), got.json.as_str()), (Some(text), json));
        // Written before the text moved into the record: zstd, and before that plain JSON.
        let zstd = zstd::bulk::compress(json.as_bytes(), 1).unwrap();
        let got = u.unpack(StoredRecord::Packed(zstd)).unwrap();
        assert_eq!((got.text, got.json.as_str()), (None, json));
        assert_eq!(u.json(StoredRecord::Plain(json.into())).unwrap(), json);
        // An empty text is kept as empty, distinct from a record without one.
        let got = u.unpack(StoredRecord::Packed(Packer::default().pack("", json).unwrap())).unwrap();
        assert_eq!((got.text.as_deref(), got.json.as_str()), (Some(""), json));
    }

    #[test]
    fn a_damaged_record_is_an_error_not_a_panic_or_an_allocation() {
        let mut u = Unpacker::new();
        let mut bad = vec![vec![], vec![1, 2, 3], b"\x28\xb5\x2f\xfd\xff\xff\xff\xff\xff\xff\xff\xff\x00".to_vec()];
        // lz4 records: an impossible size, a size larger than the block holds, a text longer than the record.
        bad.push([&[TEXT_AND_CALL][..], &u32::MAX.to_le_bytes(), &[0; 8]].concat());
        let good = Packer::default().pack("some text", "{}").unwrap();
        let mut oversized = good.clone();
        oversized[1..5].copy_from_slice(&1000u32.to_le_bytes());
        bad.push(oversized);
        let plain = [&100u32.to_le_bytes()[..], b"abc"].concat();
        bad.push([&[TEXT_AND_CALL][..], &(plain.len() as u32).to_le_bytes(), &lz4_flex::block::compress(&plain)].concat());
        for b in bad {
            let err = u.unpack(StoredRecord::Packed(b)).err().expect("a damaged record is an error");
            assert!(err.to_string().contains("damaged"), "{err}");
        }
        for (at, cut) in [(0.5, 1), (0.3, 3), (0.9, 0)] {
            let mut packed = Packer::default().pack(&"abc ".repeat(100), &"{} ".repeat(100)).unwrap();
            let n = packed.len();
            packed[(n as f64 * at) as usize] ^= 0xff;
            packed.truncate(n - cut);
            // Flipped bytes may still decode to something; what matters is no panic, and a
            // cut block is an error.
            let r = u.unpack(StoredRecord::Packed(packed));
            if cut > 0 {
                assert!(r.is_err());
            }
        }
    }
}
