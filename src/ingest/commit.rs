//! Writing one source file's extracted items into the matter, inside the caller's transaction.
//!
//! Deduplication happens here, at the family level: a family root (a loose file, an archive
//! member, a message) whose SHA-256 or email dedupe key is already in the matter is not stored
//! again (an email's key covers every recipient and attachment: `email_key`); it gains a location instead (custodian + path), so provenance is never lost.
//! Attachments stay with their family and are never deduplicated on their own.

use super::worker::NodeOut;
use crate::error::Result;
use crate::extract::email_key::EmailKeys;
use crate::extract::Problem;
use rusqlite::{params, Connection, OptionalExtension};

/// What committing one source file did.
#[derive(Debug, Default)]
pub struct FileCommit {
    /// New item ids, in insertion order.
    pub added: Vec<i64>,
    /// Existing items that gained a location (their custodians changed: re-index them).
    pub relocated: Vec<i64>,
    /// Family roots that were already in the matter.
    pub duplicates: u64,
    pub errors: u64,
    /// The source file's SHA-256, when it was read.
    pub sha256: Option<String>,
}

/// The duplicate key a node is stored and looked up under: an email's key without its
/// near-duplicate group (which goes to `near_dup`), any other key as it is.
fn stored_key(n: &NodeOut) -> Option<String> {
    let k = n.dedupe_key.as_deref()?;
    Some(EmailKeys::decode(k).map(|e| e.stored()).unwrap_or_else(|| k.to_string()))
}

/// Codes that describe a type we do not read rather than a failure; kept on the item, not
/// listed as errors.
const NOT_ERRORS: &[&str] = &["unsupported_type"];

pub struct Committer<'a> {
    tx: &'a Connection,
    batch: i64,
    custodian: &'a str,
    prefix: String,
    next_id: i64,
    /// New items are stored flagged `indexed` (the caller lists them in `index_pending`).
    indexed: bool,
    /// New items' text is not written to `item_text`: the caller keeps it (see
    /// [`Self::texts_elsewhere`]).
    texts_elsewhere: bool,
    /// The exact bytes of the source path of the next [`Self::commit_file`], when they are not
    /// the UTF-8 path it is given (see [`Self::set_raw_path`]).
    raw_path: Option<Vec<u8>>,
    /// The exact bytes of the location the next family root is recorded at, when they differ
    /// from its display path (set by `commit_file` for [`Self::commit_root_known`]).
    loc_raw: Option<Vec<u8>>,
}

impl<'a> Committer<'a> {
    pub fn new(tx: &'a Connection, batch: i64, custodian: &'a str) -> Result<Self> {
        let prefix: String = tx
            .query_row("SELECT value FROM meta WHERE key = 'control_prefix'", [], |r| r.get(0))
            .optional()?
            .unwrap_or_else(|| "EXH".into());
        let next_id: i64 = tx.query_row("SELECT COALESCE(MAX(id), 0) + 1 FROM item", [], |r| r.get(0))?;
        Ok(Committer { tx, batch, custodian, prefix, next_id, indexed: false, texts_elsewhere: false, raw_path: None, loc_raw: None })
    }

    /// Stores new items already flagged `indexed`, for a caller that records their range in
    /// `index_pending` in the same transaction (see [`crate::index::SearchIndex::catch_up`]).
    pub fn store_indexed(mut self) -> Self {
        self.indexed = true;
        self
    }

    /// Leaves new items' text out of `item_text`, for a caller that stores it where
    /// [`crate::store::texts`] finds it (model calls keep it in their record).
    pub fn texts_elsewhere(mut self) -> Self {
        self.texts_elsewhere = true;
        self
    }

    /// The control number of item `id` (`EXH-0000042`), as [`Self::commit_root`] stores it.
    pub fn control(&self, id: i64) -> String {
        format!("{}-{:07}", self.prefix, id)
    }

    /// The exact bytes of the next committed file's path, when it is not valid UTF-8 (its
    /// display path then shows the undecodable bytes as `\xHH`; see `extract::names`).
    pub fn set_raw_path(&mut self, raw: Option<Vec<u8>>) {
        self.raw_path = raw;
    }

    /// Records a file that could not be extracted at all (worker timeout, crash): the original
    /// was stored by the caller; the item carries the problem.
    pub fn commit_failed(&mut self, path: &str, node: NodeOut) -> Result<FileCommit> {
        self.commit_file(path, vec![node])
    }

    /// Stores the nodes of one source file found at `path`.
    pub fn commit_file(&mut self, path: &str, nodes: Vec<NodeOut>) -> Result<FileCommit> {
        let mut out = FileCommit { sha256: nodes.first().map(|n| n.sha256.clone()), ..Default::default() };
        // Per node: its item id (new or existing), family id, display path, and whether it
        // belongs to a family that was already stored (then its attachments are skipped).
        let mut ids: Vec<i64> = Vec::with_capacity(nodes.len());
        let mut families: Vec<i64> = Vec::with_capacity(nodes.len());
        let mut paths: Vec<String> = Vec::with_capacity(nodes.len());
        let mut known: Vec<bool> = Vec::with_capacity(nodes.len());
        // The exact bytes of each display path: the source path's own, then every member's
        // raw name (a CP437 zip member) joined the same way.
        let mut raws: Vec<Vec<u8>> = Vec::with_capacity(nodes.len());
        let root_raw = self.raw_path.take();
        for node in nodes {
            let name_raw = node.raw_name.as_deref().unwrap_or(node.name.as_bytes());
            let (display, parent, raw) = match (node.parent, node.container) {
                (Some(p), _) => (format!("{} » {}", paths[p], node.name), Some(p), [&raws[p][..], " » ".as_bytes(), name_raw].concat()),
                (None, Some(c)) => (format!("{}/{}", paths[c], node.name), None, [&raws[c][..], b"/", name_raw].concat()),
                (None, None) => (path.to_string(), None, root_raw.clone().unwrap_or_else(|| path.as_bytes().to_vec())),
            };
            let loc_raw = crate::extract::names::raw_if_different(&raw, &display);
            raws.push(raw);
            if let Some(p) = parent {
                if known[p] {
                    ids.push(0);
                    families.push(0);
                    paths.push(display);
                    known.push(true);
                    continue;
                }
                let id = self.insert_item(&node, Some(ids[p]), families[p], None)?;
                self.record_problem(&node.problem, id, &display, loc_raw.as_deref(), &mut out)?;
                out.added.push(id);
                ids.push(id);
                families.push(families[p]);
                paths.push(display);
                known.push(false);
                continue;
            }
            // A family root: deduplicate.
            let container = node.container.map(|c| ids[c]).filter(|&id| id != 0);
            self.loc_raw = loc_raw;
            let (id, known_root) = self.commit_root(&node, &display, container, &mut out)?;
            ids.push(id);
            families.push(id);
            paths.push(display);
            known.push(known_root);
        }
        Ok(out)
    }

    /// Stores one family root found at `display` (inside `container`, if any), or records a
    /// new location for the item it duplicates. Returns its id and whether it already existed.
    pub fn commit_root(&mut self, node: &NodeOut, display: &str, container: Option<i64>, out: &mut FileCommit) -> Result<(i64, bool)> {
        let existing = self.find_duplicate(node)?;
        self.commit_root_known(node, display, container, existing, out)
    }

    /// [`Self::commit_root`] for a caller that has already looked the node's duplicate up
    /// (`existing`) by other means: a large model-log import keeps the matter's hashes in
    /// memory instead of in the database's index.
    pub fn commit_root_known(
        &mut self,
        node: &NodeOut,
        display: &str,
        container: Option<i64>,
        existing: Option<i64>,
        out: &mut FileCommit,
    ) -> Result<(i64, bool)> {
        let raw = self.loc_raw.take();
        if let Some(existing) = existing {
            out.duplicates += 1;
            if self.add_location(existing, display, &node.sha256, raw.as_deref())? {
                // Its custodians changed: the index must take it again.
                self.tx.prepare_cached("UPDATE item SET indexed = 0 WHERE id = ?1")?.execute([existing])?;
                out.relocated.push(existing);
            }
            return Ok((existing, true));
        }
        let id = self.insert_item(node, None, 0, container)?;
        self.set_near_dup(id, node)?;
        self.add_location(id, display, &node.sha256, raw.as_deref())?;
        self.record_problem(&node.problem, id, display, raw.as_deref(), out)?;
        out.added.push(id);
        Ok((id, false))
    }

    /// Records a problem that belongs to an item (e.g. a malformed line in a log file).
    pub fn record_item_problem(&self, problem: &Problem, item: i64, path: &str, out: &mut FileCommit) -> Result<()> {
        self.record_problem(&Some(problem.clone()), item, path, None, out)
    }

    fn find_duplicate(&self, n: &NodeOut) -> Result<Option<i64>> {
        let by_hash = self
            .tx
            .prepare_cached("SELECT id FROM item WHERE sha256 = ?1 AND parent_id IS NULL ORDER BY id LIMIT 1")?
            .query_row([&n.sha256], |r| r.get(0))
            .optional()?;
        if by_hash.is_some() {
            return Ok(by_hash);
        }
        match stored_key(n) {
            Some(k) => Ok(self
                .tx
                .prepare_cached("SELECT id FROM item WHERE dedupe_key = ?1 AND parent_id IS NULL ORDER BY id LIMIT 1")?
                .query_row([k], |r| r.get(0))
                .optional()?),
            None => Ok(None),
        }
    }

    /// Files a new email root in its near-duplicate group (copies of the same message that
    /// differ in recipients or attachments; see [`crate::extract::email_key`]).
    fn set_near_dup(&self, id: i64, n: &NodeOut) -> Result<()> {
        if let Some(keys) = n.dedupe_key.as_deref().and_then(EmailKeys::decode) {
            self.tx.prepare_cached("UPDATE item SET near_dup = ?2 WHERE id = ?1")?.execute(params![id, keys.near])?;
        }
        Ok(())
    }

    /// Adds a location (with the exact bytes of its path, when they are not `path`); false
    /// when this custodian and path were already recorded.
    fn add_location(&self, item: i64, path: &str, sha256: &str, raw: Option<&[u8]>) -> Result<bool> {
        let n = self
            .tx
            .prepare_cached(
                "INSERT OR IGNORE INTO item_location (item_id, custodian, path, sha256, batch_id, path_raw) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![item, self.custodian, path, sha256, self.batch, raw])?;
        Ok(n > 0)
    }

    fn record_problem(&self, p: &Option<Problem>, item: i64, path: &str, raw: Option<&[u8]>, out: &mut FileCommit) -> Result<()> {
        if let Some(p) = p {
            if !NOT_ERRORS.contains(&p.code.as_str()) {
                self.tx
                    .prepare_cached(
                        "INSERT INTO ingest_error (batch_id, item_id, path, stage, code, reason, path_raw) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    )?
                    .execute(params![self.batch, item, path, p.stage, p.code, p.reason, raw])?;
                out.errors += 1;
            }
        }
        Ok(())
    }

    fn insert_item(&mut self, n: &NodeOut, parent: Option<i64>, family: i64, container: Option<i64>) -> Result<i64> {
        let id = self.next_id;
        self.next_id += 1;
        let family = if parent.is_some() { family } else { id };
        let text = n.text.as_deref().unwrap_or("");
        let status = if n.failed {
            "error"
        } else if text.trim().is_empty() {
            "no_text"
        } else {
            "ok"
        };
        let m = &n.meta;
        let page_count = if n.pages.is_empty() { None } else { Some(n.pages.len() as i64) };
        self.tx
            .prepare_cached(
                "INSERT INTO item (id, control, kind, mime, sha256, size, parent_id, family_id, container_id, name, title,
                   author, to_json, cc_json, bcc_json, date, modified, message_id, in_reply_to, refs_json, extra_json,
                   page_count, extractor, status, status_reason, dedupe_key, batch_id, indexed)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21,
                   ?22, ?23, ?24, ?25, ?26, ?27, ?28)",
            )?
            .execute(params![
                id,
                self.control(id),
                n.kind.as_str(),
                n.mime,
                n.sha256,
                n.size as i64,
                parent,
                family,
                container,
                n.name,
                m.title,
                m.author,
                serde_json::to_string(&m.to)?,
                serde_json::to_string(&m.cc)?,
                serde_json::to_string(&m.bcc)?,
                m.date,
                m.modified,
                m.message_id,
                m.in_reply_to,
                serde_json::to_string(&m.references)?,
                serde_json::to_string(&m.extra)?,
                page_count,
                n.extractor,
                status,
                match (&n.problem, status) {
                    (Some(p), _) => Some(p.reason.as_str()),
                    (None, "no_text") => Some("no text: the file holds no words to extract (empty, or only images or structure)"),
                    _ => None,
                },
                if parent.is_none() { stored_key(n) } else { None },
                self.batch,
                self.indexed,
            ])?;
        if let Some(raw) = &n.raw_name {
            // The name's exact bytes (provenance), kept apart from the readable name.
            self.tx.prepare_cached("UPDATE item SET name_raw = ?2 WHERE id = ?1")?.execute(params![id, raw])?;
        }
        if !text.is_empty() && !self.texts_elsewhere {
            self.tx
                .prepare_cached("INSERT INTO item_text (item_id, text, pages_json, layout_json) VALUES (?1, ?2, ?3, ?4)")?
                .execute(params![id, text, serde_json::to_string(&n.pages)?, n.layout])?;
        }
        Ok(id)
    }
}
