//! Review state: tags (coding), notes and saved searches. All of it lives in SQLite only, so
//! coding a hundred thousand documents is one transaction and never touches the index.

pub mod flagged_calls;
pub mod terms_report;

use crate::error::{Error, Result};
use crate::index::search::IdSet;
use crate::store::{audit, items, now};
use crate::Matter;
use rusqlite::{params, OptionalExtension};
use serde::Serialize;
use ts_rs::TS;

/// Which items a coding action applies to.
#[derive(Debug, Clone)]
pub enum Target {
    /// Item ids or control numbers.
    Items(Vec<String>),
    /// Every item matching a query.
    Query(String),
}

/// Whether coding spreads beyond the items named.
#[derive(Debug, Clone, Copy, Default)]
pub struct Propagate {
    /// To every member of each item's family (the email and its attachments).
    pub families: bool,
    /// To every item with the same SHA-256 (attachments identical to ones elsewhere).
    pub duplicates: bool,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct TagChange {
    pub tag: String,
    /// Items whose coding changed.
    pub changed: u64,
    /// Items the action covered (some may already have had the tag).
    pub items: u64,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct TagCount {
    pub name: String,
    pub count: u64,
    pub builtin: bool,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct Note {
    pub id: i64,
    pub item: i64,
    pub actor: String,
    pub time: String,
    pub text: String,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct SavedSearch {
    pub name: String,
    pub query: String,
    pub actor: String,
    pub created: String,
}

pub use crate::store::audit::id_ranges;

impl Matter {
    /// Resolves a target to sorted item ids, applying propagation.
    pub fn resolve_target(&self, target: &Target, propagate: Propagate) -> Result<Vec<i64>> {
        let mut set: IdSet = match target {
            Target::Items(keys) => {
                let mut s = IdSet::default();
                for k in keys {
                    s.insert(items::resolve(&self.store.db, k)? as u64);
                }
                s
            }
            Target::Query(q) => self.index.matching_ids(&self.store.db, q)?,
        };
        if propagate.families || propagate.duplicates {
            let mut stmt = self.store.db.prepare("SELECT id, family_id, sha256 FROM item")?;
            let rows: Vec<(i64, i64, String)> = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<Result<_, _>>()?;
            if propagate.duplicates {
                let hashes: std::collections::HashSet<&str> =
                    rows.iter().filter(|r| set.contains(r.0 as u64)).map(|r| r.2.as_str()).collect();
                for r in &rows {
                    if hashes.contains(r.2.as_str()) {
                        set.insert(r.0 as u64);
                    }
                }
            }
            if propagate.families {
                let fams: IdSet = rows.iter().filter(|r| set.contains(r.0 as u64)).map(|r| r.1 as u64).collect();
                for r in &rows {
                    if fams.contains(r.1 as u64) {
                        set.insert(r.0 as u64);
                    }
                }
            }
        }
        Ok(set.iter().map(|i| i as i64).collect())
    }

    /// Refuses a tag the matter does not have, so a mistyped name is not made a new tag: a
    /// transport calls this before [`Matter::tag_add`] unless the person asked for the tag to
    /// be created (`exhibit tag add --create`, `create` in the API, the UI's "Create tag?").
    pub fn require_tag(&self, tag: &str) -> Result<()> {
        let tag = tag.trim();
        let known: bool = self.store.db.query_row("SELECT COUNT(*) > 0 FROM tag WHERE name = ?1 COLLATE NOCASE", [tag], |r| r.get(0))?;
        if known || tag.is_empty() {
            return Ok(());
        }
        let names: Vec<String> = self.tags()?.into_iter().map(|t| t.name).collect();
        Err(Error::NotFound(format!(
            "there is no tag named '{tag}' (the matter's tags: {}): check the spelling, or ask for a new tag \
             (`exhibit tag add --create`, or Create in the app)",
            names.join(", ")
        )))
    }

    /// Applies a tag (creating it as a user tag if new), in one audited transaction.
    pub fn tag_add(&mut self, tag: &str, target: &Target, propagate: Propagate) -> Result<TagChange> {
        let tag = tag.trim();
        if tag.is_empty() {
            return Err(Error::Missing("a tag needs a name".into()));
        }
        let ids = self.resolve_target(target, propagate)?;
        let tx = self.store.db.unchecked_transaction()?;
        let tag_id: i64 = match tx.query_row("SELECT id FROM tag WHERE name = ?1 COLLATE NOCASE", [tag], |r| r.get(0)).optional()? {
            Some(id) => id,
            None => {
                tx.execute("INSERT INTO tag (name, builtin) VALUES (?1, 0)", [tag])?;
                let id = tx.last_insert_rowid();
                audit::append(&tx, "tag.create", &serde_json::json!({ "tag": tag }))?;
                id
            }
        };
        let name: String = tx.query_row("SELECT name FROM tag WHERE id = ?1", [tag_id], |r| r.get(0))?;
        let actor = audit::actor();
        let time = now();
        let mut changed = Vec::new();
        {
            let mut ins = tx.prepare("INSERT OR IGNORE INTO item_tag (item_id, tag_id, actor, time) VALUES (?1, ?2, ?3, ?4)")?;
            for &id in &ids {
                if ins.execute(params![id, tag_id, actor, time])? > 0 {
                    changed.push(id);
                }
            }
        }
        audit::append(
            &tx,
            "tag.add",
            &serde_json::json!({ "tag": name, "items": id_ranges(&changed), "count": changed.len(), "target": target_json(target) }),
        )?;
        tx.commit()?;
        audit::publish_head(&self.store.db);
        Ok(TagChange { tag: name, changed: changed.len() as u64, items: ids.len() as u64 })
    }

    /// Removes a tag from items, in one audited transaction (this is also how a bulk tagging is undone).
    pub fn tag_remove(&mut self, tag: &str, target: &Target, propagate: Propagate) -> Result<TagChange> {
        let tag_id: i64 = self
            .store
            .db
            .query_row("SELECT id FROM tag WHERE name = ?1 COLLATE NOCASE", [tag.trim()], |r| r.get(0))
            .optional()?
            .ok_or_else(|| Error::NotFound(format!("there is no tag '{tag}': see `exhibit tag list`")))?;
        let ids = self.resolve_target(target, propagate)?;
        let tx = self.store.db.unchecked_transaction()?;
        let name: String = tx.query_row("SELECT name FROM tag WHERE id = ?1", [tag_id], |r| r.get(0))?;
        let mut changed = Vec::new();
        {
            let mut del = tx.prepare("DELETE FROM item_tag WHERE item_id = ?1 AND tag_id = ?2")?;
            for &id in &ids {
                if del.execute(params![id, tag_id])? > 0 {
                    changed.push(id);
                }
            }
        }
        audit::append(
            &tx,
            "tag.remove",
            &serde_json::json!({ "tag": name, "items": id_ranges(&changed), "count": changed.len(), "target": target_json(target) }),
        )?;
        tx.commit()?;
        audit::publish_head(&self.store.db);
        Ok(TagChange { tag: name, changed: changed.len() as u64, items: ids.len() as u64 })
    }

    /// Every tag with how many items carry it.
    pub fn tags(&self) -> Result<Vec<TagCount>> {
        let mut stmt = self.store.db.prepare(
            "SELECT t.name, COUNT(it.item_id), t.builtin FROM tag t LEFT JOIN item_tag it ON it.tag_id = t.id
             GROUP BY t.id ORDER BY t.builtin DESC, t.id",
        )?;
        let rows = stmt.query_map([], |r| Ok(TagCount { name: r.get(0)?, count: r.get::<_, i64>(1)? as u64, builtin: r.get(2)? }))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn note_add(&mut self, item: &str, text: &str) -> Result<Note> {
        let id = items::resolve(&self.store.db, item)?;
        if text.trim().is_empty() {
            return Err(Error::Missing("the note is empty".into()));
        }
        let tx = self.store.db.unchecked_transaction()?;
        let (actor, time) = (audit::actor(), now());
        tx.execute("INSERT INTO note (item_id, actor, time, text) VALUES (?1, ?2, ?3, ?4)", params![id, actor, time, text])?;
        let note_id = tx.last_insert_rowid();
        audit::append(&tx, "note.add", &serde_json::json!({ "item": id, "note": note_id, "text": text }))?;
        tx.commit()?;
        audit::publish_head(&self.store.db);
        Ok(Note { id: note_id, item: id, actor, time, text: text.to_string() })
    }

    pub fn notes(&self, item: &str) -> Result<Vec<Note>> {
        let id = items::resolve(&self.store.db, item)?;
        let mut stmt = self.store.db.prepare("SELECT id, item_id, actor, time, text FROM note WHERE item_id = ?1 ORDER BY id")?;
        let rows =
            stmt.query_map([id], |r| Ok(Note { id: r.get(0)?, item: r.get(1)?, actor: r.get(2)?, time: r.get(3)?, text: r.get(4)? }))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Saves (or replaces) a named search after checking that it parses.
    pub fn save_search(&mut self, name: &str, query: &str) -> Result<SavedSearch> {
        crate::index::query::parse(query).map_err(Error::Syntax)?;
        let tx = self.store.db.unchecked_transaction()?;
        let (actor, created) = (audit::actor(), now());
        tx.execute(
            "INSERT INTO saved_search (name, query, actor, created) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(name) DO UPDATE SET query = excluded.query, actor = excluded.actor, created = excluded.created",
            params![name, query, actor, created],
        )?;
        audit::append(&tx, "search.save", &serde_json::json!({ "name": name, "query": query }))?;
        tx.commit()?;
        audit::publish_head(&self.store.db);
        Ok(SavedSearch { name: name.into(), query: query.into(), actor, created })
    }

    pub fn saved_searches(&self) -> Result<Vec<SavedSearch>> {
        let mut stmt = self.store.db.prepare("SELECT name, query, actor, created FROM saved_search ORDER BY name")?;
        let rows = stmt.query_map([], |r| Ok(SavedSearch { name: r.get(0)?, query: r.get(1)?, actor: r.get(2)?, created: r.get(3)? }))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn delete_saved_search(&mut self, name: &str) -> Result<()> {
        let tx = self.store.db.unchecked_transaction()?;
        if tx.execute("DELETE FROM saved_search WHERE name = ?1", [name])? == 0 {
            return Err(Error::NotFound(format!("there is no saved search '{name}'")));
        }
        audit::append(&tx, "search.delete", &serde_json::json!({ "name": name }))?;
        tx.commit()?;
        audit::publish_head(&self.store.db);
        Ok(())
    }
}

fn target_json(t: &Target) -> serde_json::Value {
    match t {
        Target::Items(keys) => serde_json::json!({ "items": keys.len() }),
        Target::Query(q) => serde_json::json!({ "query": q }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_compress_runs() {
        assert_eq!(id_ranges(&[1, 2, 3, 5, 7, 8]), "1-3,5,7-8");
        assert_eq!(id_ranges(&[]), "");
    }
}
