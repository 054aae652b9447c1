//! Sets of item ids: a bitset, the Tantivy predicates and collectors over it, and the review-state
//! filters (`tag:`, `has:`, `is:`) that resolve to one from SQLite at query time.

use crate::error::{Error, Result};
use rusqlite::Connection;
use std::sync::Arc;
use tantivy::collector::DocSetCollector;
use tantivy::query::doc_predicate_query::{DocPredicateQuery, FunctionPredicate};
use tantivy::query::Query;
use tantivy::{Searcher, SegmentReader};

#[derive(Debug, Clone, Default)]
pub struct IdSet(Vec<u64>);

impl IdSet {
    pub fn insert(&mut self, id: u64) {
        let w = (id / 64) as usize;
        if w >= self.0.len() {
            self.0.resize(w + 1, 0);
        }
        self.0[w] |= 1 << (id % 64);
    }
    pub fn contains(&self, id: u64) -> bool {
        self.0.get((id / 64) as usize).is_some_and(|w| w & (1 << (id % 64)) != 0)
    }
    pub fn len(&self) -> usize {
        self.0.iter().map(|w| w.count_ones() as usize).sum()
    }
    pub fn is_empty(&self) -> bool {
        self.0.iter().all(|w| *w == 0)
    }
    pub fn iter(&self) -> impl Iterator<Item = u64> + '_ {
        self.0.iter().enumerate().flat_map(|(i, &w)| (0..64).filter(move |b| w & (1 << b) != 0).map(move |b| i as u64 * 64 + b))
    }
}

impl FromIterator<u64> for IdSet {
    fn from_iter<I: IntoIterator<Item = u64>>(it: I) -> Self {
        let mut s = IdSet::default();
        for id in it {
            s.insert(id);
        }
        s
    }
}

/// What to highlight: the positive leaves of a query, as the text analyzers see them.
/// A query matching documents whose `id` is in `set`.
pub fn id_predicate(set: Arc<IdSet>) -> Box<dyn Query> {
    let pred = FunctionPredicate::from(move |seg: &SegmentReader| {
        let col = seg.fast_fields().u64("id")?;
        let set = set.clone();
        Ok(move |doc: tantivy::DocId| col.first(doc).is_some_and(|id| set.contains(id)))
    });
    Box::new(DocPredicateQuery::from(pred))
}

/// A query matching documents whose `id` is NOT in `set`.
pub fn id_predicate_not(set: Arc<IdSet>) -> Box<dyn Query> {
    let pred = FunctionPredicate::from(move |seg: &SegmentReader| {
        let col = seg.fast_fields().u64("id")?;
        let set = set.clone();
        Ok(move |doc: tantivy::DocId| col.first(doc).is_some_and(|id| !set.contains(id)))
    });
    Box::new(DocPredicateQuery::from(pred))
}

/// Item ids matching a query, all of them.
pub fn collect_ids(searcher: &Searcher, q: &dyn Query) -> Result<IdSet> {
    let docs = searcher.search(q, &DocSetCollector)?;
    let mut set = IdSet::default();
    let mut cols = std::collections::HashMap::new();
    for addr in docs {
        let col = match cols.get(&addr.segment_ord) {
            Some(c) => c,
            None => {
                let c = searcher.segment_reader(addr.segment_ord).fast_fields().u64("id")?;
                cols.entry(addr.segment_ord).or_insert(c)
            }
        };
        if let Some(id) = col.first(addr.doc_id) {
            set.insert(id);
        }
    }
    Ok(set)
}

/// Every member of the families of `ids`.
pub(super) fn family_members(db: &Connection, ids: &IdSet) -> Result<IdSet> {
    let mut stmt = db.prepare_cached("SELECT id, family_id FROM item")?;
    let rows: Vec<(i64, i64)> = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?;
    let families: IdSet = rows.iter().filter(|(id, _)| ids.contains(*id as u64)).map(|(_, f)| *f as u64).collect();
    Ok(rows.iter().filter(|(_, f)| families.contains(*f as u64)).map(|(id, _)| *id as u64).collect())
}

pub(super) fn table_exists(db: &Connection, name: &str) -> Result<bool> {
    Ok(db.query_row("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?1", [name], |r| r.get::<_, i64>(0))? > 0)
}

/// Items whose Bates range meets `from..=to`: documents of the matter's complete productions
/// (`production_doc`), and documents loaded from a received production (their `bates_prefix`,
/// `bates_first` and `bates_last` metadata).
pub fn bates_set(db: &Connection, from: &str, to: &str) -> Result<IdSet> {
    use crate::extract::loadfile::Bates;
    let (Some(a), Some(b)) = (Bates::parse(from), Bates::parse(to)) else {
        return Err(crate::error::Error::Query(format!("'{from}' is not a Bates number")));
    };
    if !a.prefix.eq_ignore_ascii_case(&b.prefix) || a.number > b.number {
        return Err(crate::error::Error::Query(format!(
            "bates:[{from} TO {to}] is not a range: both ends need the same prefix, the first the lower number"
        )));
    }
    let mut set = IdSet::default();
    if table_exists(db, "production_doc")? {
        let mut stmt = db.prepare_cached(
            "SELECT d.item_id FROM production_doc d JOIN production p ON p.id = d.production_id
             WHERE p.prefix = ?1 COLLATE NOCASE AND p.status = 'complete' AND d.last_number >= ?2 AND d.first_number <= ?3",
        )?;
        for id in stmt.query_map(rusqlite::params![a.prefix, a.number as i64, b.number as i64], |r| r.get::<_, i64>(0))? {
            set.insert(id? as u64);
        }
    }
    let mut stmt = db.prepare_cached(
        "SELECT id FROM item WHERE json_extract(extra_json, '$.bates_prefix') = ?1 COLLATE NOCASE
           AND CAST(json_extract(extra_json, '$.bates_last') AS INTEGER) >= ?2 AND CAST(json_extract(extra_json, '$.bates_first') AS INTEGER) <= ?3",
    )?;
    for id in stmt.query_map(rusqlite::params![a.prefix, a.number as i64, b.number as i64], |r| r.get::<_, i64>(0))? {
        set.insert(id? as u64);
    }
    Ok(set)
}

/// Items whose control number is `from..=to` (`EXH-0000100` … `EXH-0000200`; any case, any
/// number of leading zeros). A control number is its item's id under the matter's prefix
/// (`ingest::commit::Committer::control`), so the range is read off the primary key and each
/// candidate's stored control number is checked against the prefix: exact, and as quick for a
/// million items as for ten.
pub fn control_set(db: &Connection, from: &str, to: &str) -> Result<IdSet> {
    use crate::extract::loadfile::Bates;
    let (Some(a), Some(b)) = (Bates::parse(from), Bates::parse(to)) else {
        return Err(Error::Query(format!("'{from}' is not a control number: a prefix and digits, e.g. EXH-0000012")));
    };
    if !a.prefix.eq_ignore_ascii_case(&b.prefix) || a.number > b.number {
        return Err(Error::Query(format!(
            "control:[{from} TO {to}] is not a range: both ends need the same prefix, the first the lower number"
        )));
    }
    let (Ok(lo), Ok(hi)) = (i64::try_from(a.number), i64::try_from(b.number)) else {
        return Ok(IdSet::default());
    };
    let mut stmt = db.prepare_cached("SELECT id, control FROM item WHERE id BETWEEN ?1 AND ?2")?;
    let mut set = IdSet::default();
    for row in stmt.query_map([lo, hi], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))? {
        let (id, control) = row?;
        if Bates::parse(&control).is_some_and(|c| c.prefix.eq_ignore_ascii_case(&a.prefix) && (a.number..=b.number).contains(&c.number)) {
            set.insert(id as u64);
        }
    }
    Ok(set)
}

/// Item ids for a review-state filter (`tag:X`, `has:X`, `is:X`).
pub fn review_set(db: &Connection, kind: &str, value: &str) -> Result<IdSet> {
    let sql: String = match (kind, value.to_ascii_lowercase().as_str()) {
        ("tag", _) => {
            let mut stmt =
                db.prepare_cached("SELECT it.item_id FROM item_tag it JOIN tag t ON t.id = it.tag_id WHERE t.name = ?1 COLLATE NOCASE")?;
            let ids = stmt.query_map([value], |r| r.get::<_, i64>(0))?;
            let mut set = IdSet::default();
            for id in ids {
                set.insert(id? as u64);
            }
            return Ok(set);
        }
        ("has", "redactions") | ("has", "redaction") => {
            if !table_exists(db, "redaction")? {
                return Ok(IdSet::default());
            }
            // A drawn box over an image redacts no text, but the item has a redaction all the
            // same; so does an item in which a rule hid a value outside its text when it ran.
            let mut sql = String::from("SELECT item_id FROM redaction");
            for extra in ["redaction_region", "redaction_rule_item"] {
                if table_exists(db, extra)? {
                    sql.push_str(&format!(" UNION SELECT item_id FROM {extra}"));
                }
            }
            sql
        }
        ("has", "notes") | ("has", "note") => {
            if !table_exists(db, "note")? {
                return Ok(IdSet::default());
            }
            "SELECT DISTINCT item_id FROM note".into()
        }
        ("has", "attachments") | ("has", "attachment") => "SELECT DISTINCT parent_id FROM item WHERE parent_id IS NOT NULL".into(),
        ("has", "tags") => "SELECT DISTINCT item_id FROM item_tag".into(),
        // Found more than once (a family root with several locations), or the same content as
        // another item kept in its own family (the same PDF loose and attached to an email).
        ("is", "duplicate") => "SELECT item_id FROM item_location GROUP BY item_id HAVING COUNT(*) > 1
                UNION SELECT id FROM item WHERE sha256 IN (SELECT sha256 FROM item GROUP BY sha256 HAVING COUNT(*) > 1)"
            .into(),
        // Emails with another copy that differs in recipients or attachments (ingest::email_key).
        ("is", "neardup") => "SELECT id FROM item WHERE near_dup IN
                (SELECT near_dup FROM item WHERE near_dup IS NOT NULL GROUP BY near_dup HAVING COUNT(*) > 1)"
            .into(),
        // `status <> 'ok'` lets SQLite use the partial index item_not_ok instead of a scan.
        ("is", "error") => "SELECT id FROM item WHERE status <> 'ok' AND status = 'error'".into(),
        ("is", "notext") | ("is", "no_text") => "SELECT id FROM item WHERE status <> 'ok' AND status = 'no_text'".into(),
        ("is", "attachment") => "SELECT id FROM item WHERE parent_id IS NOT NULL".into(),
        ("is", "parent") => "SELECT DISTINCT parent_id FROM item WHERE parent_id IS NOT NULL".into(),
        ("is", "tagged") => "SELECT DISTINCT item_id FROM item_tag".into(),
        ("is", "untagged") => "SELECT id FROM item WHERE id NOT IN (SELECT item_id FROM item_tag)".into(),
        (k, v) => {
            let known = if k == "has" {
                "redactions, notes, attachments, tags"
            } else {
                "duplicate, neardup, error, notext, attachment, parent, tagged, untagged"
            };
            return Err(Error::Query(format!("{k}:{v} is not something Exhibit knows: try {k}: with {known}")));
        }
    };
    let mut stmt = db.prepare(&sql)?;
    let ids = stmt.query_map([], |r| r.get::<_, i64>(0))?;
    let mut set = IdSet::default();
    for id in ids {
        set.insert(id? as u64);
    }
    Ok(set)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idset_roundtrip() {
        let s: IdSet = [1u64, 64, 65, 1000].into_iter().collect();
        assert!(s.contains(64) && s.contains(1000) && !s.contains(2));
        assert_eq!(s.iter().collect::<Vec<_>>(), [1, 64, 65, 1000]);
        assert_eq!(s.len(), 4);
    }
}
