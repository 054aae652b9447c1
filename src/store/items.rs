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
    view.custodians = custodians(db, id)?;
    let mut stmt = db.prepare("SELECT t.name FROM item_tag it JOIN tag t ON t.id = it.tag_id WHERE it.item_id = ?1 ORDER BY t.name")?;
    view.tags = stmt.query_map([id], |r| r.get(0))?.collect::<Result<_, _>>()?;
    Ok(view)
}
