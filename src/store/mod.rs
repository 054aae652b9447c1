//! The store: the ground floor of a matter — its database (schema, migrations, item rows,
//! texts, the audit chain), its blob store of originals, its ingest lock, and the codec of
//! model-call records. It imports nothing above it; [`crate::Matter`] owns a [`Store`].
//!
//! ```text
//! MATTER/
//!   exhibit.db      SQLite (WAL): items, provenance, errors, review state, audit chain
//!   blobs/ab/…   originals, named by SHA-256, read-only
//!   index/          Tantivy index; rebuildable from exhibit.db at any time
//! ```

pub mod actor;
pub mod audit;
pub mod audit_head;
pub mod audit_key;
pub mod blobs;
pub mod call_identity;
pub mod call_record;
pub mod email_upgrade;
pub mod items;
pub mod json;
pub mod lock;
pub mod replay;
pub mod schema;
pub mod spans;
pub mod texts;

use crate::error::{Error, Result};
use blobs::BlobStore;
use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use ts_rs::TS;

const DB_FILE: &str = "exhibit.db";
/// SQLite page cache of the matter's connection, in KiB: room for one model-call import
/// transaction's pages (see `calls::CALLS_PER_TX`), so they are not spilled to the log twice.
const DB_CACHE_KIB: i64 = 128 * 1024;

/// A matter's database, blobs and folder: everything [`crate::Matter`] holds but the search
/// index. Dropping it records a head not yet published (see [`audit::publish_head`]).
pub struct Store {
    dir: PathBuf,
    pub(crate) db: Connection,
    pub(crate) blobs: BlobStore,
}

/// What `exhibit status` reports.
#[derive(Debug, Clone, Serialize, TS)]
pub struct Status {
    pub matter: String,
    pub name: String,
    pub items: u64,
    pub by_kind: BTreeMap<String, u64>,
    pub by_status: BTreeMap<String, u64>,
    pub custodians: BTreeMap<String, u64>,
    pub errors: u64,
    pub tags: BTreeMap<String, u64>,
    pub productions: u64,
    pub audit_entries: u64,
}

/// What a workspace needs on opening a matter: its name and size, and nothing that is counted
/// per kind, status or custodian (on a million items those counts take seconds; see
/// [`Store::status`]).
#[derive(Debug, Clone, Serialize, TS)]
pub struct Summary {
    pub matter: String,
    pub name: String,
    pub items: u64,
}

/// One ingest error record.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ErrorRecord {
    pub id: i64,
    pub batch: i64,
    pub item: Option<i64>,
    pub control: Option<String>,
    /// The path as shown: bytes that are not UTF-8 appear as `\xHH` (see `extract::names`).
    pub path: String,
    pub stage: String,
    pub code: String,
    pub reason: String,
    /// The path's exact bytes in upper-case hex, present only when they are not `path` in UTF-8.
    pub path_bytes: Option<String>,
}

impl Store {
    /// Creates an empty matter in `dir`, a new folder or an empty one (hidden files aside).
    pub fn create(dir: impl AsRef<Path>, name: &str) -> Result<Store> {
        let dir = dir.as_ref().to_path_buf();
        if dir.join(DB_FILE).exists() {
            return Err(Error::MatterExists(dir));
        }
        // Hidden files (a file manager's `.DS_Store`, `.directory`) do not count.
        if let Ok(entries) = std::fs::read_dir(&dir) {
            if entries.flatten().any(|e| !e.file_name().to_string_lossy().starts_with('.')) {
                return Err(Error::FolderNotEmpty(dir));
            }
        }
        std::fs::create_dir_all(&dir).map_err(|e| Error::Write { path: dir.clone(), source: e })?;
        let m = Store::open_unchecked(dir)?;
        let tx = m.db.unchecked_transaction()?;
        tx.execute("INSERT INTO meta (key, value) VALUES ('name', ?1)", [name])?;
        tx.execute("INSERT INTO meta (key, value) VALUES ('control_prefix', 'EXH')", [])?;
        tx.execute("INSERT INTO meta (key, value) VALUES ('created', ?1)", [now()])?;
        audit::append(&tx, "matter.create", &serde_json::json!({ "name": name, "schema": schema::VERSION }))?;
        tx.commit()?;
        audit::publish_head(&m.db);
        Ok(m)
    }

    /// Opens an existing matter, migrating its schema forward if needed.
    pub fn open(dir: impl AsRef<Path>) -> Result<Store> {
        let dir = dir.as_ref().to_path_buf();
        if !dir.join(DB_FILE).exists() {
            return Err(Error::NoMatter(dir));
        }
        Store::open_unchecked(dir)
    }

    fn open_unchecked(dir: PathBuf) -> Result<Store> {
        let mut db = Connection::open(dir.join(DB_FILE))?;
        db.pragma_update(None, "journal_mode", "WAL")?;
        db.pragma_update(None, "synchronous", "NORMAL")?;
        db.pragma_update(None, "foreign_keys", "ON")?;
        // A page cache large enough for the indexes an ingest updates at random (SHA-256):
        // with SQLite's 2 MiB default, large imports re-read and spill pages constantly.
        db.pragma_update(None, "cache_size", -DB_CACHE_KIB)?;
        // Large sorts (building an index over a million items after a bulk import) may use
        // helper threads: the hash index's rebuild took 2.2 s alone, 1.6 s with two.
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).min(4);
        db.pragma_update(None, "threads", cores as i64)?;
        db.busy_timeout(std::time::Duration::from_secs(30))?;
        keep_temp_in_memory(&db)?;
        schema::migrate(&mut db)?;
        audit::attach(&db)?;
        mark_interrupted_if_idle(&dir, &db)?;
        let blobs = BlobStore::new(dir.join("blobs"));
        Ok(Store { dir, db, blobs })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The matter's database file (for a second connection, e.g. a background checkpointer).
    pub(crate) fn db_path(&self) -> PathBuf {
        self.dir.join(DB_FILE)
    }

    pub fn name(&self) -> Result<String> {
        Ok(self.meta("name")?.unwrap_or_default())
    }

    pub(crate) fn meta(&self, key: &str) -> Result<Option<String>> {
        Ok(self.db.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0)).optional()?)
    }

    pub fn blobs(&self) -> &BlobStore {
        &self.blobs
    }

    /// The matter's name and item count: cheap at any size (the count reads the smallest index).
    pub fn summary(&self) -> Result<Summary> {
        Ok(Summary {
            matter: self.dir.display().to_string(),
            name: self.name()?,
            items: self.db.query_row("SELECT COUNT(*) FROM item", [], |r| r.get::<_, i64>(0))? as u64,
        })
    }

    /// Every count `exhibit status` shows. Scans the item table: use [`Store::summary`] where
    /// only the name and size are needed.
    pub fn status(&self) -> Result<Status> {
        let count = |sql: &str| -> Result<u64> { Ok(self.db.query_row(sql, [], |r| r.get::<_, i64>(0))? as u64) };
        let group = |sql: &str| -> Result<BTreeMap<String, u64>> {
            let mut stmt = self.db.prepare(sql)?;
            let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64)))?;
            Ok(rows.collect::<Result<_, _>>()?)
        };
        Ok(Status {
            matter: self.dir.display().to_string(),
            name: self.name()?,
            items: count("SELECT COUNT(*) FROM item")?,
            by_kind: group("SELECT kind, COUNT(*) FROM item GROUP BY kind")?,
            by_status: group("SELECT status, COUNT(*) FROM item GROUP BY status")?,
            // Items per custodian, counting each family member under its root's custodians.
            custodians: group(
                "SELECT l.custodian, COUNT(DISTINCT i.id) FROM item i JOIN item_location l ON l.item_id = i.family_id GROUP BY l.custodian",
            )?,
            errors: count("SELECT COUNT(*) FROM ingest_error")?,
            tags: group("SELECT t.name, COUNT(it.item_id) FROM tag t LEFT JOIN item_tag it ON it.tag_id = t.id GROUP BY t.id")?,
            productions: count("SELECT COUNT(*) FROM production")?,
            audit_entries: count("SELECT COUNT(*) FROM audit")?,
        })
    }

    /// Every ingest error, oldest first.
    pub fn errors(&self) -> Result<Vec<ErrorRecord>> {
        let mut stmt = self.db.prepare(
            "SELECT e.id, e.batch_id, e.item_id, i.control, e.path, e.stage, e.code, e.reason, e.path_raw
             FROM ingest_error e LEFT JOIN item i ON i.id = e.item_id ORDER BY e.id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(ErrorRecord {
                id: r.get(0)?,
                batch: r.get(1)?,
                item: r.get(2)?,
                control: r.get(3)?,
                path: r.get(4)?,
                stage: r.get(5)?,
                code: r.get(6)?,
                reason: r.get(7)?,
                path_bytes: r.get::<_, Option<Vec<u8>>>(8)?.map(|b| crate::extract::names::hex(&b)),
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The most recent audit entries, newest first.
    pub fn audit_log(&self, limit: usize) -> Result<Vec<audit::Entry>> {
        audit::recent(&self.db, limit)
    }

    /// The audit log's head (its newest entry's number and hash): the anchor that production
    /// manifests and reports carry, for `exhibit verify --anchor` later.
    pub fn audit_head(&self) -> Result<Option<audit_head::Head>> {
        audit_head::current(&self.db)
    }
}

impl Drop for Store {
    /// A head not yet recorded (a commit whose caller did not publish it) is recorded on close.
    fn drop(&mut self) {
        audit::publish_head(&self.db);
    }
}

/// Keeps SQLite's temporary files (sorts, temporary b-trees, statement journals) in memory.
/// By default SQLite writes them to /var/tmp or /tmp, outside the matter folder — extracted
/// text of privileged documents included — where they outlive neither a crash's cleanup nor
/// the matter's access controls. Every connection to a matter database calls this.
pub(crate) fn keep_temp_in_memory(db: &Connection) -> Result<()> {
    db.pragma_update(None, "temp_store", "MEMORY")?;
    Ok(())
}

/// Marks batches left `running` by a process that died as `interrupted` — only when no
/// ingest holds the matter's lock (see [`lock`]), so a live ingest in another process is
/// never touched. A read-only matter is left as it is.
fn mark_interrupted_if_idle(dir: &Path, db: &Connection) -> Result<()> {
    let running: i64 = db.query_row("SELECT COUNT(*) FROM batch WHERE status = 'running'", [], |r| r.get(0))?;
    if running == 0 {
        return Ok(());
    }
    let Ok(Some(_lock)) = lock::IngestLock::try_acquire(dir) else { return Ok(()) };
    mark_interrupted(db)?;
    Ok(())
}

/// Marks every `running` batch `interrupted`, audited; the caller holds the ingest lock.
/// Returns the batches marked.
pub(crate) fn mark_interrupted(db: &Connection) -> Result<Vec<i64>> {
    let tx = db.unchecked_transaction()?;
    let ids: Vec<i64> = tx
        .prepare("SELECT id FROM batch WHERE status = 'running' ORDER BY id")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    if ids.is_empty() {
        return Ok(ids);
    }
    tx.execute("UPDATE batch SET status = 'interrupted', finished = ?1 WHERE status = 'running'", [now()])?;
    audit::append(
        &tx,
        "ingest.interrupted",
        &serde_json::json!({
            "batches": ids,
            "reason": "the process running these ingests ended before they finished; files they recorded are kept, and the next ingest of the same sources skips them and reads the rest",
        }),
    )?;
    tx.commit()?;
    audit::publish_head(db);
    Ok(ids)
}

/// Now, as stored everywhere in the matter.
pub(crate) fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

#[cfg(all(test, target_os = "linux"))]
mod temp_file_tests {
    use super::*;

    /// Names of this process's open files that SQLite created as temporary files
    /// (`etilqs_…`; unlinked at once, so only visible while open).
    fn open_sqlite_temp_files() -> Vec<String> {
        std::fs::read_dir("/proc/self/fd")
            .map(|d| {
                d.filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
                    .map(|p| p.display().to_string())
                    .filter(|p| p.contains("etilqs_"))
                    .collect()
            })
            .unwrap_or_default()
    }

    #[test]
    fn a_sort_larger_than_the_cache_writes_no_temporary_file() {
        let tmp = tempfile::tempdir().unwrap();
        let m = Store::create(tmp.path().join("m"), "t").unwrap();
        // A small cache makes SQLite's sorter spill after about a megabyte, as a large sort
        // would on a big matter; with the default temp store that spill is a file in /var/tmp.
        m.db.pragma_update(None, "cache_size", -256).unwrap();
        let mut stmt =
            m.db.prepare(
                "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 20000)
                 SELECT x, randomblob(400) AS b FROM n ORDER BY b",
            )
            .unwrap();
        let mut rows = stmt.query([]).unwrap();
        // The first row comes after the whole sort; the statement (and any spill) is still open.
        assert!(rows.next().unwrap().is_some());
        let files = open_sqlite_temp_files();
        assert!(files.is_empty(), "SQLite wrote temporary files outside the matter: {files:?}");
        drop(rows);
        drop(stmt);
        let temp_store: i64 = m.db.query_row("PRAGMA temp_store", [], |r| r.get(0)).unwrap();
        assert_eq!(temp_store, 2, "MEMORY");
    }
}
