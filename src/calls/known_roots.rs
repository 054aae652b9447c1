//! The matter's family roots by SHA-256, held in memory while a large log imports.
//!
//! Why: deduplication looks every new item up by its hash, and the database's index of hashes
//! (`item_sha_root`) takes each new hash at a random place. A transaction of a few thousand
//! calls therefore rewrites thousands of that index's pages, whole, into the write-ahead log
//! and again at the checkpoint: at a million calls, about two fifths of everything an import
//! wrote. A large log is instead checked against this map, the index is dropped while it
//! imports and built again, sorted, at its end (see `Matter::import_log`).

use crate::error::{Error, Result};
use rusqlite::Connection;

pub(crate) struct KnownRoots(foldhash::HashMap<[u8; 32], i64>);

/// The raw hash of a hex SHA-256 as stored in `item.sha256`.
fn key(sha256: &str) -> Result<[u8; 32]> {
    let mut k = [0u8; 32];
    hex::decode_to_slice(sha256, &mut k).map_err(|e| Error::Corrupt { what: "hash", detail: format!("{sha256} is not a SHA-256: {e}") })?;
    Ok(k)
}

impl KnownRoots {
    /// Every family root's hash, with the first item that has it (what deduplication by the
    /// index finds). Read from the index itself, so it must still exist.
    pub(crate) fn load(db: &Connection) -> Result<KnownRoots> {
        let mut map = foldhash::HashMap::default();
        let mut stmt = db.prepare("SELECT sha256, id FROM item INDEXED BY item_sha_root WHERE parent_id IS NULL ORDER BY id")?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let sha: String = row.get(0)?;
            map.entry(key(&sha)?).or_insert(row.get(1)?);
        }
        Ok(KnownRoots(map))
    }

    /// The root that already has this hash, if any.
    pub(crate) fn get(&self, sha256: &str) -> Result<Option<i64>> {
        Ok(self.0.get(&key(sha256)?).copied())
    }

    /// A root just stored (an earlier one with the same hash stays the answer).
    pub(crate) fn insert(&mut self, sha256: &str, id: i64) -> Result<()> {
        self.0.entry(key(sha256)?).or_insert(id);
        Ok(())
    }
}
