//! Reading items back: one item with its family, provenance and text.

use super::spans::RedactionSpan;
use crate::error::{Error, Result};
use rusqlite::{Connection, OptionalExtension, Row};
use serde::Serialize;
use ts_rs::TS;

/// A short reference to another item.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ItemRef {
    pub id: i64,
    pub control: String,
    pub kind: String,
    pub name: String,
    pub title: Option<String>,
}

/// Where a copy of an item was found.
#[derive(Debug, Clone, Serialize, TS)]
pub struct Location {
    pub custodian: String,
    /// The path as shown: bytes that are not UTF-8 appear as `\xHH` (see `extract::names`).
    pub path: String,
    pub sha256: String,
    pub batch: i64,
    /// The path's exact bytes in upper-case hex, present only when they are not `path` in
    /// UTF-8 (a non-UTF-8 file name, a CP437 zip member name).
    pub path_bytes: Option<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct Family {
    /// The family's top item (the email, or the loose document).
    pub root: ItemRef,
    pub parent: Option<ItemRef>,
    pub children: Vec<ItemRef>,
    /// All members of the family, root first.
    pub members: Vec<ItemRef>,
    /// The archive or mailbox this family was found in.
    pub container: Option<ItemRef>,
}

/// Descriptive metadata, as `exhibit show` prints it.
#[derive(Debug, Clone, Serialize, TS)]
pub struct Metadata {
    pub name: String,
    pub mime: String,
    pub size: i64,
    pub from: Option<String>,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub bcc: Vec<String>,
    pub date: Option<String>,
    pub modified: Option<String>,
    pub message_id: Option<String>,
    pub in_reply_to: Option<String>,
    pub references: Vec<String>,
    pub page_count: Option<i64>,
    pub extractor: String,
    pub status: String,
    pub status_reason: Option<String>,
    pub extra: serde_json::Value,
}

/// Why an item's text is missing or incomplete, sorted for the reviewer: what the viewer's
/// notice says and what would get the text (a password, OCR, a better copy).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    /// Encrypted: the text needs the password.
    Encrypted,
    /// No words to extract: scanned pages or images (OCR is needed), or an empty file.
    NoText,
    /// Some text was had, some was not (pages that could not be read, text cut at the limit).
    Partial,
    /// The file is damaged beyond what the reader could repair.
    Damaged,
    /// Reading it was stopped: too large, too slow, or the reader crashed on it.
    Failed,
}

/// An item's text problem: its kind, the ingest's stable code and its reason in plain words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct TextProblem {
    pub kind: ProblemKind,
    /// The ingest error record's code (`pdf_encrypted`, `pdf_no_text_layer`, …), when one was kept.
    pub code: Option<String>,
    pub reason: String,
}

impl TextProblem {
    /// Sorts what ingest recorded: the item's `status` (`ok`, `no_text`, `error`), the code of
    /// its error record if any, and the reason. `None` for an item whose text was had whole.
    pub fn classify(status: &str, code: Option<&str>, reason: Option<&str>) -> Option<TextProblem> {
        const STOPPED: &[&str] = &[
            "timeout",
            "too_large",
            "memory_limit",
            "oom",
            "extractor_crashed",
            "crash",
            "worker_failed",
            "worker_protocol",
            "pool_failed",
        ];
        let kind = match (status, code) {
            (_, Some(c)) if c.ends_with("_encrypted") => ProblemKind::Encrypted,
            (_, Some(c)) if STOPPED.contains(&c) || c.ends_with("_limit") => ProblemKind::Failed,
            ("no_text", _) | (_, Some("pdf_no_text_layer")) => ProblemKind::NoText,
            ("error", _) => ProblemKind::Damaged,
            (_, Some(_)) => ProblemKind::Partial,
            _ => return None,
        };
        Some(TextProblem { kind, code: code.map(str::to_string), reason: reason.unwrap_or_default().to_string() })
    }
}

/// One item, whole.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ItemView {
    pub id: i64,
    pub control: String,
    pub kind: String,
    pub sha256: String,
    pub title: Option<String>,
    pub text: String,
    /// Character offsets where each page starts.
    pub pages: Vec<usize>,
    pub family: Family,
    pub custodians: Vec<String>,
    pub locations: Vec<Location>,
    /// Other copies of the same email that differ in recipients or attachments (same
    /// Message-ID and body): separate items, grouped for review (`is:neardup` finds them).
    pub near_dups: Vec<ItemRef>,
    /// Other items with the same content (SHA-256) that ingest kept apart, because they belong
    /// to other families (the same PDF loose and attached to an email) or are attachments:
    /// each stays in its own family; this only says they are the same file.
    pub duplicates: Vec<ItemRef>,
    /// Why its text is missing or incomplete, when it is.
    pub problem: Option<TextProblem>,
    pub tags: Vec<String>,
    pub redactions: Vec<RedactionSpan>,
    pub metadata: Metadata,
}

const REF_COLS: &str = "id, control, kind, name, title";

fn item_ref(r: &Row) -> rusqlite::Result<ItemRef> {
    Ok(ItemRef { id: r.get(0)?, control: r.get(1)?, kind: r.get(2)?, name: r.get(3)?, title: r.get(4)? })
}

/// Resolves an item id ("12") or control number ("EXH-0000012", any case).
pub fn resolve(db: &Connection, key: &str) -> Result<i64> {
    let key = key.trim();
    let found = if let Ok(id) = key.parse::<i64>() {
        db.query_row("SELECT id FROM item WHERE id = ?1", [id], |r| r.get(0)).optional()?
    } else {
        db.query_row("SELECT id FROM item WHERE control = ?1 COLLATE NOCASE", [key], |r| r.get(0)).optional()?
    };
    found.ok_or_else(|| Error::NoItem(key.to_string()))
}

/// Custodians of an item: those of its family root's locations.
pub fn custodians(db: &Connection, id: i64) -> Result<Vec<String>> {
    let mut stmt = db.prepare_cached(
        "SELECT DISTINCT l.custodian FROM item i JOIN item_location l ON l.item_id = i.family_id WHERE i.id = ?1 ORDER BY l.custodian",
    )?;
    let rows = stmt.query_map([id], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// One item by id or control number, as the database has it: everything but its redaction
/// spans (left empty; `Matter::item` in `redact` adds them).
pub fn read(db: &Connection, key: &str) -> Result<ItemView> {
    let id = resolve(db, key)?;
    let (view, parent_id, family_id, container_id) = db.query_row(
        "SELECT i.id, control, kind, sha256, title, name, mime, size, author, to_json, cc_json, bcc_json, date, modified,
                    message_id, in_reply_to, refs_json, page_count, extractor, status, status_reason, extra_json,
                    parent_id, family_id, container_id, t.pages_json
             FROM item i LEFT JOIN item_text t ON t.item_id = i.id WHERE i.id = ?1",
        [id],
        |r| {
            let placeholder = ItemRef { id: 0, control: String::new(), kind: String::new(), name: String::new(), title: None };
            let v = ItemView {
                id: r.get(0)?,
                control: r.get(1)?,
                kind: r.get(2)?,
                sha256: r.get(3)?,
                title: r.get(4)?,
                text: String::new(),
                pages: super::json::nullable_column(r, 25, "page list")?,
                family: Family { root: placeholder, parent: None, children: vec![], members: vec![], container: None },
                custodians: vec![],
                locations: vec![],
                near_dups: vec![],
                duplicates: vec![],
                problem: None,
                tags: vec![],
                redactions: vec![],
                metadata: Metadata {
                    name: r.get(5)?,
                    mime: r.get(6)?,
                    size: r.get(7)?,
                    from: r.get(8)?,
                    to: super::json::column(r, 9, "recipient list")?,
                    cc: super::json::column(r, 10, "recipient list")?,
                    bcc: super::json::column(r, 11, "recipient list")?,
                    date: r.get(12)?,
                    modified: r.get(13)?,
                    message_id: r.get(14)?,
                    in_reply_to: r.get(15)?,
                    references: super::json::column(r, 16, "reference list")?,
                    page_count: r.get(17)?,
                    extractor: r.get(18)?,
                    status: r.get(19)?,
                    status_reason: r.get(20)?,
                    extra: super::json::column(r, 21, "item metadata")?,
                },
            };
            Ok((v, r.get::<_, Option<i64>>(22)?, r.get::<_, i64>(23)?, r.get::<_, Option<i64>>(24)?))
        },
    )?;
    let one = |id: i64| -> Result<ItemRef> { Ok(db.query_row(&format!("SELECT {REF_COLS} FROM item WHERE id = ?1"), [id], item_ref)?) };
    let many = |sql: &str, id: i64| -> Result<Vec<ItemRef>> {
        let mut stmt = db.prepare(sql)?;
        let rows = stmt.query_map([id], item_ref)?;
        Ok(rows.collect::<Result<_, _>>()?)
    };
    let mut view = view;
    view.text = super::texts::text(db, id)?.unwrap_or_default();
    view.family = Family {
        root: one(family_id)?,
        parent: parent_id.map(one).transpose()?,
        children: many(&format!("SELECT {REF_COLS} FROM item WHERE parent_id = ?1 ORDER BY id"), id)?,
        members: many(&format!("SELECT {REF_COLS} FROM item WHERE family_id = ?1 ORDER BY id"), family_id)?,
        container: container_id.map(one).transpose()?,
    };
    let mut stmt =
        db.prepare("SELECT custodian, path, sha256, batch_id, path_raw FROM item_location WHERE item_id = ?1 ORDER BY custodian, path")?;
    view.locations = stmt
        .query_map([family_id], |r| {
            Ok(Location {
                custodian: r.get(0)?,
                path: r.get(1)?,
                sha256: r.get(2)?,
                batch: r.get(3)?,
                path_bytes: r.get::<_, Option<Vec<u8>>>(4)?.map(|b| crate::extract::names::hex(&b)),
            })
        })?
        .collect::<Result<_, _>>()?;
    view.near_dups = many(
        &format!("SELECT {REF_COLS} FROM item WHERE near_dup = (SELECT near_dup FROM item WHERE id = ?1) AND id <> ?1 ORDER BY id"),
        id,
    )?;
    // Two lookups, each on its own partial index (roots: `item_sha_root`; attachments: the
    // rows of `item_parent`), not one scan of every item: the item view is read for every
    // document opened, on matters of a million model calls too (a scan of 15,000 items took
    // 25 ms; these take microseconds there).
    let mut dups = Vec::new();
    for part in ["parent_id IS NULL", "parent_id IS NOT NULL"] {
        let mut stmt = db.prepare_cached(&format!("SELECT {REF_COLS} FROM item WHERE {part} AND sha256 = ?2 AND id <> ?1"))?;
        dups.extend(stmt.query_map(rusqlite::params![id, view.sha256], item_ref)?.collect::<rusqlite::Result<Vec<_>>>()?);
    }
    dups.sort_by_key(|r| r.id);
    view.duplicates = dups;
    let md = &view.metadata;
    if md.status != "ok" || md.status_reason.is_some() {
        let code: Option<String> = db
            .prepare_cached("SELECT code FROM ingest_error WHERE item_id = ?1 ORDER BY id DESC LIMIT 1")?
            .query_row([id], |r| r.get(0))
            .optional()?;
        view.problem = TextProblem::classify(&md.status, code.as_deref(), md.status_reason.as_deref());
    }
    view.custodians = custodians(db, id)?;
    let mut stmt = db.prepare("SELECT t.name FROM item_tag it JOIN tag t ON t.id = it.tag_id WHERE it.item_id = ?1 ORDER BY t.name")?;
    view.tags = stmt.query_map([id], |r| r.get(0))?.collect::<Result<_, _>>()?;
    Ok(view)
}

#[cfg(test)]
mod tests {
    use super::{ProblemKind, TextProblem};

    #[test]
    fn text_problems_are_sorted_by_what_would_get_the_text() {
        let kind = |status, code, reason| TextProblem::classify(status, code, reason).map(|p| p.kind);
        assert_eq!(kind("ok", None, None), None);
        assert_eq!(kind("error", Some("pdf_encrypted"), Some("encrypted PDF: a password is required")), Some(ProblemKind::Encrypted));
        assert_eq!(kind("error", Some("office_encrypted"), Some("x")), Some(ProblemKind::Encrypted));
        assert_eq!(kind("no_text", Some("pdf_no_text_layer"), Some("no text layer")), Some(ProblemKind::NoText));
        assert_eq!(kind("no_text", None, Some("no text: the file holds no words")), Some(ProblemKind::NoText));
        assert_eq!(kind("error", Some("pdf_damaged"), Some("damaged PDF")), Some(ProblemKind::Damaged));
        assert_eq!(kind("error", Some("timeout"), Some("took too long")), Some(ProblemKind::Failed));
        assert_eq!(kind("error", Some("expansion_limit"), Some("too many members")), Some(ProblemKind::Failed));
        assert_eq!(kind("ok", Some("pdf_partial_text"), Some("1 of 20 pages could not be read")), Some(ProblemKind::Partial));
        let p = TextProblem::classify("error", Some("pdf_damaged"), Some("damaged PDF: no page tree")).unwrap();
        assert_eq!((p.code.as_deref(), p.reason.as_str()), (Some("pdf_damaged"), "damaged PDF: no page tree"));
    }
}
