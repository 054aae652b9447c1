//! The email-key upgrade run at the end of migration: older matters' email items get the
//! duplicate key and near-duplicate group of [`crate::extract::email_key`] from the values
//! their database holds.

use crate::error::Result;
use crate::extract::email_key::{body_of_text, EmailKeys, PENDING};
use crate::extract::Meta;
use rusqlite::{params, Connection, OptionalExtension};

/// Gives the email items of a matter ingested before these keys existed their duplicate key
/// and near-duplicate group, computed from what the database holds. Runs once, when a
/// migration has left the [`PENDING`] mark; audited. Items already merged by the former key
/// (Message-ID and body only) stay merged — the originals of the copies merged into them are
/// kept (their locations name them) — and the audit entry counts them.
pub fn upgrade_matter(db: &mut Connection) -> Result<()> {
    let pending = db.query_row("SELECT value FROM meta WHERE key = ?1", [PENDING], |r| r.get::<_, String>(0)).optional()?;
    if pending.is_none() {
        return Ok(());
    }
    let tx = db.transaction()?;
    let mut rekeyed = 0u64;
    {
        let mut rows = tx.prepare(
            "SELECT i.id, i.author, i.to_json, i.cc_json, i.bcc_json, i.title, i.date, i.message_id, i.extra_json, t.text
             FROM item i LEFT JOIN item_text t ON t.item_id = i.id
             WHERE i.kind = 'email' AND i.parent_id IS NULL AND (i.dedupe_key IS NULL OR i.dedupe_key NOT LIKE 'email2:%')",
        )?;
        let mut attachments = tx.prepare("SELECT sha256 FROM item WHERE parent_id = ?1")?;
        let mut update = tx.prepare("UPDATE item SET dedupe_key = ?2, near_dup = ?3 WHERE id = ?1")?;
        let found = rows.query_map([], |r| {
            let meta = Meta {
                author: r.get(1)?,
                to: super::json::column(r, 2, "recipient list")?,
                cc: super::json::column(r, 3, "recipient list")?,
                bcc: super::json::column(r, 4, "recipient list")?,
                title: r.get(5)?,
                date: r.get(6)?,
                message_id: r.get(7)?,
                extra: super::json::column(r, 8, "item metadata")?,
                ..Default::default()
            };
            Ok((r.get::<_, i64>(0)?, meta, r.get::<_, Option<String>>(9)?.unwrap_or_default()))
        })?;
        for row in found {
            let (id, meta, text) = row?;
            let shas: Vec<String> = attachments.query_map([id], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
            let Some(keys) = EmailKeys::of(&meta, body_of_text(&text, &meta), &shas) else {
                continue;
            };
            update.execute(params![id, keys.stored(), keys.near])?;
            rekeyed += 1;
        }
    }
    if rekeyed > 0 {
        let merged: i64 = tx.query_row(
            "SELECT COUNT(*) FROM item_location l JOIN item i ON i.id = l.item_id WHERE i.kind = 'email' AND l.sha256 <> i.sha256",
            [],
            |r| r.get(0),
        )?;
        super::audit::append(
            &tx,
            "email.rekey",
            &serde_json::json!({
                "items": rekeyed,
                "key": "Message-ID, sender, To, Cc, Bcc, subject, sent date, body, attachment hashes",
                "copies_merged_by_former_key": merged,
            }),
        )?;
    }
    tx.execute("DELETE FROM meta WHERE key = ?1", [PENDING])?;
    tx.commit()?;
    Ok(())
}
