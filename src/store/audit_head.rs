//! The audit chain's head, written outside the database: `MATTER/audit-head.json`, and a copy
//! beside the matter's key (`<key dir>/<matter id>-<place>.head`, outside the matter folder;
//! `place` names the matter's folder, so each copy of a matter has its own).
//!
//! After each audited commit the newest entry's sequence number and hash are written there
//! (atomically: a temporary file and a rename). A head only moves forward, and only along the
//! chain it named (its old entry must still be in the log, unchanged): so deleting the last
//! entries, or rewriting the log and recomputing every hash, leaves a head the log no longer
//! reaches, which `verify` reports. Any head printed earlier (by `verify`, in a report or a
//! production manifest) is an anchor: `exhibit verify --anchor HASH`.

use super::audit_key;
use crate::error::Result;
use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use ts_rs::TS;

/// The head file's name, beside the matter's database.
pub const HEAD_FILE: &str = "audit-head.json";

/// The newest entry of a matter's audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(rename = "AuditHead")]
pub struct Head {
    /// The matter's id (its key and head copy are named by it).
    pub matter_id: String,
    pub seq: i64,
    pub hash: String,
    /// When the entry was written.
    pub time: String,
}

/// The head of the log as the database holds it now.
pub fn current(conn: &Connection) -> Result<Option<Head>> {
    let id = audit_key::matter_id(conn)?.unwrap_or_default();
    Ok(conn
        .query_row("SELECT seq, hash, time FROM audit ORDER BY seq DESC LIMIT 1", [], |r| {
            Ok(Head { matter_id: id.clone(), seq: r.get(0)?, hash: r.get(1)?, time: r.get(2)? })
        })
        .optional()?)
}

/// Where the head is recorded for the matter of `conn`: beside the database, then in the key
/// directory. Empty for an in-memory database.
pub fn places(conn: &Connection) -> Result<Vec<PathBuf>> {
    let Some(db) = conn.path().filter(|p| !p.is_empty()) else { return Ok(vec![]) };
    let db = Path::new(db);
    let mut out = vec![db.with_file_name(HEAD_FILE)];
    if let (Some(dir), Some(id)) = (audit_key::key_dir(), audit_key::matter_id(conn)?) {
        // Named by the matter's id and where it is: a copy of the matter made elsewhere (which
        // shares the id and key) keeps a head of its own rather than looking like a rewrite.
        let at = std::fs::canonicalize(db).unwrap_or_else(|_| db.to_path_buf());
        let place = crate::store::blobs::sha256_hex(at.to_string_lossy().as_bytes());
        out.push(dir.join(format!("{id}-{}.head", &place[..12])));
    }
    Ok(out)
}

/// A recorded head, or why it cannot be read.
pub fn read(path: &Path) -> std::result::Result<Option<Head>, String> {
    match std::fs::read_to_string(path) {
        Ok(t) => serde_json::from_str(&t).map(Some).map_err(|_| format!("the head file {} is damaged", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("the head file {} cannot be read ({e})", path.display())),
    }
}

/// Records the current head in every place, after a commit. Best effort: the change is already
/// committed, and a head left behind is caught up by the next commit (`verify` says when the
/// log runs past its head). Never moves a head backwards or off the chain it named.
pub fn publish(conn: &Connection) {
    let _ = try_publish(conn);
}

fn try_publish(conn: &Connection) -> Result<()> {
    let Some(head) = current(conn)? else { return Ok(()) };
    for place in places(conn)? {
        if let Ok(Some(old)) = read(&place) {
            if old.seq >= head.seq {
                continue;
            }
            let still: Option<String> = conn.query_row("SELECT hash FROM audit WHERE seq = ?1", [old.seq], |r| r.get(0)).optional()?;
            if still.as_deref() != Some(old.hash.as_str()) || !authenticated_after(conn, old.seq)? {
                // The log no longer holds the entry this head named, or what follows it is not
                // authenticated: keep the head as evidence.
                continue;
            }
        }
        let _ = write_atomic(&place, &serde_json::to_vec_pretty(&head)?);
    }
    Ok(())
}

/// Whether every entry after `seq` carries a valid MAC (true when this machine has no key to
/// tell).
fn authenticated_after(conn: &Connection, seq: i64) -> Result<bool> {
    let Some(key) = audit_key::for_conn(conn, None)?.and_then(|k| k.key) else { return Ok(true) };
    let mut stmt = conn.prepare("SELECT hash, mac FROM audit WHERE seq > ?1")?;
    let mut rows = stmt.query([seq])?;
    while let Some(r) = rows.next()? {
        let (hash, mac): (String, Option<String>) = (r.get(0)?, r.get(1)?);
        if mac.as_deref() != Some(audit_key::entry_mac(&key, &hash).as_str()) {
            return Ok(false);
        }
    }
    Ok(true)
}

fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    {
        use std::io::Write;
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)
}

/// What comparing the log with its recorded heads and an anchor found.
#[derive(Debug, Default)]
pub struct HeadCheck {
    /// `(code, detail)`: `audit_truncated`, `audit_rewritten`, `audit_head`, `anchor_missing`.
    pub problems: Vec<(&'static str, String)>,
    pub notes: Vec<String>,
}

/// Checks every recorded head, and `anchor` (an entry hash taken earlier: a head printed by
/// `verify`, a report, a production manifest), against the log.
pub fn check(conn: &Connection, anchor: Option<&str>) -> Result<HeadCheck> {
    let mut out = HeadCheck::default();
    let now = current(conn)?;
    let last = now.as_ref().map(|h| h.seq).unwrap_or(0);
    let id = audit_key::matter_id(conn)?.unwrap_or_default();
    let hash_at = |seq: i64| -> Result<Option<String>> {
        Ok(conn.query_row("SELECT hash FROM audit WHERE seq = ?1", [seq], |r| r.get(0)).optional()?)
    };
    for place in places(conn)? {
        let shown = place.display();
        let head = match read(&place) {
            Ok(Some(h)) => h,
            Ok(None) => {
                out.notes.push(format!("no head is recorded in {shown} yet"));
                continue;
            }
            Err(why) => {
                out.problems.push(("audit_head", why));
                continue;
            }
        };
        if head.matter_id != id {
            out.problems.push(("audit_head", format!("the head in {shown} belongs to another matter ({})", head.matter_id)));
            continue;
        }
        match hash_at(head.seq)? {
            None if head.seq > last => out.problems.push((
                "audit_truncated",
                format!(
                    "the log ends at entry {last}, but entry {} ({}) was recorded as its head in {shown}: entries {}–{} were deleted",
                    head.seq,
                    short(&head.hash),
                    last + 1,
                    head.seq
                ),
            )),
            None => out
                .problems
                .push(("audit_truncated", format!("entry {}, recorded as the head in {shown}, is missing from the log", head.seq))),
            Some(h) if h != head.hash => out.problems.push((
                "audit_rewritten",
                format!(
                    "entry {} is not the entry recorded as the head in {shown} ({} there, {} in the log): the log was rewritten up to it",
                    head.seq,
                    short(&head.hash),
                    short(&h)
                ),
            )),
            Some(_) if head.seq < last => out.notes.push(format!(
                "the log runs {} entries past the head recorded in {shown} (written after it was last updated)",
                last - head.seq
            )),
            Some(_) => {}
        }
    }
    if let Some(a) = anchor.map(|a| a.trim().to_ascii_lowercase()) {
        let found: Vec<i64> = if a.len() >= 12 && a.chars().all(|c| c.is_ascii_hexdigit()) {
            conn.prepare("SELECT seq FROM audit WHERE hash LIKE ?1 || '%' ORDER BY seq LIMIT 2")?
                .query_map([&a], |r| r.get(0))?
                .collect::<std::result::Result<_, _>>()?
        } else {
            out.problems
                .push(("anchor_missing", format!("the anchor '{a}' is not an entry hash (64 hex digits, or at least their first 12)")));
            vec![]
        };
        match found.as_slice() {
            [seq] => out.notes.push(format!("anchor {} is entry {seq} of the log", short(&a))),
            [] if a.len() >= 12 => out.problems.push((
                "anchor_missing",
                format!(
                    "the anchor {} is not an entry of this audit log: the log was cut short before it or rewritten since it was taken",
                    short(&a)
                ),
            )),
            _ if found.len() > 1 => {
                out.problems.push(("anchor_missing", format!("the anchor {a} matches several entries: give more of its digits")))
            }
            _ => {}
        }
    }
    Ok(out)
}

fn short(h: &str) -> String {
    h.chars().take(16).collect()
}
