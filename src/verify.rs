//! `exhibit verify`: proves the matter is intact, or says exactly what is not.
//!
//! Independent checks: the audit chain links and hashes, its entries authenticate under the
//! matter's key, and it still reaches every head recorded outside the database and the anchor
//! given; replaying the log gives the review state and the items the tables hold
//! ([`crate::store::replay`]); every original still hashes to its name; the search index holds
//! exactly one document per indexed item and nothing else.

use crate::error::Result;
use crate::store::call_record::{StoredRecord, Unpacker};
use crate::store::{audit, audit_head, replay};
use crate::Matter;
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};
use ts_rs::TS;

#[derive(Debug, Clone, Serialize, TS)]
pub struct VerifyProblem {
    /// `audit_chain`, `audit_auth`, `audit_truncated`, `audit_rewritten`, `audit_head`,
    /// `anchor_missing`, `audit_detail`, replay differences (`tag_missing`, `redaction_missing`,
    /// `item_text_changed`, `item_repointed`, … see [`replay::Finding`]), `blob_missing`,
    /// `blob_modified`, `call_modified`, `index_missing`, `index_orphan`, `index_duplicate`.
    pub code: String,
    pub detail: String,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct VerifyReport {
    pub ok: bool,
    pub audit_entries: u64,
    pub blobs_checked: u64,
    pub items_checked: u64,
    /// The audit log's head now: keep it (it is an anchor for `verify --anchor` later).
    pub head: Option<audit_head::Head>,
    pub problems: Vec<VerifyProblem>,
    /// What could not be checked, and why; never a failure.
    pub notes: Vec<String>,
}

/// What `verify` checks beyond the matter itself.
#[derive(Debug, Clone, Default)]
pub struct VerifyOptions {
    /// An entry hash taken earlier (a head printed by `verify`, in a report or a manifest):
    /// it must still be an entry of the log.
    pub anchor: Option<String>,
}

impl Matter {
    pub fn verify(&self) -> Result<VerifyReport> {
        self.verify_with(&VerifyOptions::default())
    }

    pub fn verify_with(&self, opts: &VerifyOptions) -> Result<VerifyReport> {
        let mut problems = Vec::new();
        let mut notes = Vec::new();
        let mut push = |code: &str, detail: String| problems.push(VerifyProblem { code: code.into(), detail });

        for p in audit::verify_chain(&self.store.db)? {
            push("audit_chain", p.detail);
        }
        let (auth, auth_notes) = audit::verify_auth(&self.store.db)?;
        for p in auth {
            push("audit_auth", p.detail);
        }
        notes.extend(auth_notes);
        let heads = audit_head::check(&self.store.db, opts.anchor.as_deref())?;
        for (code, detail) in heads.problems {
            push(code, detail);
        }
        notes.extend(heads.notes);
        let replayed = replay::check(&self.store.db)?;
        for f in replayed.problems {
            push(f.code, f.detail);
        }
        notes.extend(replayed.notes);
        let audit_entries = self.store.db.query_row("SELECT COUNT(*) FROM audit", [], |r| r.get::<_, i64>(0))? as u64;

        // Every blob any item or location names.
        let mut stmt = self.store.db.prepare(
            "SELECT sha256, MIN(control) FROM (SELECT sha256, control FROM item WHERE kind != 'model_call'
               UNION ALL SELECT l.sha256, i.control FROM item_location l JOIN item i ON i.id = l.item_id WHERE i.kind != 'model_call')
             GROUP BY sha256",
        )?;
        let blobs: Vec<(String, String)> = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?;
        for (sha, control) in &blobs {
            if !self.store.blobs.contains(sha) {
                push("blob_missing", format!("the original of {control} ({sha}) is missing from the blob store"));
            } else if !self.store.blobs.check(sha)? {
                push("blob_modified", format!("the original of {control} ({sha}) was modified: its bytes no longer match its hash"));
            }
        }

        // Model calls: the record as logged lives in the database; it must still hash to the item.
        let mut stmt =
            self.store.db.prepare("SELECT i.control, i.sha256, c.call_json FROM model_call c JOIN item i ON i.id = c.item_id")?;
        let mut unpacker = Unpacker::new();
        // One record at a time: a million of them would not fit in memory together.
        for row in stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, StoredRecord>(2)?)))? {
            let (control, sha, stored) = row?;
            let ok = unpacker.call(stored).ok().is_some_and(|c| crate::store::call_identity::matches_item_hash(&c, &sha));
            if !ok {
                push("call_modified", format!("the logged record of {control} was modified: it no longer matches its hash"));
            }
        }

        // Index against database.
        let mut in_index: HashMap<u64, u32> = HashMap::new();
        for id in self.index.all_ids()? {
            *in_index.entry(id).or_default() += 1;
        }
        let mut stmt = self.store.db.prepare("SELECT id, control, indexed FROM item")?;
        let items: Vec<(i64, String, bool)> = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<Result<_, _>>()?;
        let known: BTreeSet<u64> = items.iter().map(|i| i.0 as u64).collect();
        for (id, control, indexed) in &items {
            match in_index.get(&(*id as u64)) {
                None if *indexed => {
                    push("index_missing", format!("{control} is in the database but missing from the search index (run `exhibit reindex`)"))
                }
                None => push("index_missing", format!("{control} has not been indexed yet (run `exhibit reindex`)")),
                Some(n) if *n > 1 => push("index_duplicate", format!("{control} is in the search index {n} times (run `exhibit reindex`)")),
                _ => {}
            }
        }
        for id in in_index.keys().filter(|id| !known.contains(id)) {
            push(
                "index_orphan",
                format!("the search index holds a document for item {id}, which the database does not have (run `exhibit reindex`)"),
            );
        }
        Ok(VerifyReport {
            ok: problems.is_empty(),
            audit_entries,
            blobs_checked: blobs.len() as u64,
            items_checked: items.len() as u64,
            head: self.audit_head()?,
            problems,
            notes,
        })
    }
}
