//! Facet counts over any result set: kind, custodian, tag, year-month, extension, sender domain.

use super::engine::SearchIndex;
use super::search::IdSet;
use crate::error::Result;
use rusqlite::Connection;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::StrColumn;
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};
use ts_rs::TS;

/// Counts per value, most frequent first (months in calendar order).
#[derive(Debug, Clone, Default, Serialize, TS)]
pub struct Facets {
    pub total: u64,
    pub kind: Vec<(String, u64)>,
    pub custodian: Vec<(String, u64)>,
    pub tag: Vec<(String, u64)>,
    pub month: Vec<(String, u64)>,
    pub ext: Vec<(String, u64)>,
    pub sender_domain: Vec<(String, u64)>,
    /// Whether the text was had: `ok`, `no_text` (nothing to extract: scans, images, empty
    /// files), `error` (encrypted, damaged, stopped); `is:notext` and `is:error` find them.
    pub status: Vec<(String, u64)>,
}

const STR_FIELDS: [&str; 4] = ["kind", "custodian_raw", "ext", "sender_domain"];

/// Counts facets in one pass; with `ids`, also gathers the matching item ids (for the tag
/// facet, which lives in SQLite) without a second search.
struct FacetCollector {
    ids: bool,
}

struct SegmentCounts {
    cols: Vec<Option<StrColumn>>,
    counts: Vec<HashMap<u64, u64>>,
    date: Option<tantivy::columnar::Column<tantivy::DateTime>>,
    id: Option<tantivy::columnar::Column<u64>>,
    months: HashMap<i64, u64>,
    ids: Vec<u64>,
    total: u64,
}

type Fruit = (Vec<HashMap<String, u64>>, HashMap<i64, u64>, u64, Vec<u64>);

impl Collector for FacetCollector {
    type Fruit = Fruit;
    type Child = SegmentCounts;

    fn for_segment(&self, _ord: SegmentOrdinal, seg: &SegmentReader) -> tantivy::Result<SegmentCounts> {
        let ff = seg.fast_fields();
        let cols = STR_FIELDS.iter().map(|f| ff.str(f).ok().flatten()).collect();
        let id = if self.ids { ff.u64("id").ok() } else { None };
        Ok(SegmentCounts {
            cols,
            counts: vec![HashMap::new(); STR_FIELDS.len()],
            date: ff.date("date").ok(),
            id,
            months: HashMap::new(),
            ids: Vec::new(),
            total: 0,
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Fruit>) -> tantivy::Result<Fruit> {
        let mut out: Fruit = (vec![HashMap::new(); STR_FIELDS.len()], HashMap::new(), 0, Vec::new());
        for (maps, months, total, ids) in fruits {
            for (i, m) in maps.into_iter().enumerate() {
                for (k, v) in m {
                    *out.0[i].entry(k).or_default() += v;
                }
            }
            for (k, v) in months {
                *out.1.entry(k).or_default() += v;
            }
            out.2 += total;
            out.3.extend(ids);
        }
        Ok(out)
    }
}

impl SegmentCollector for SegmentCounts {
    type Fruit = Fruit;

    fn collect(&mut self, doc: DocId, _score: Score) {
        self.total += 1;
        if let Some(id) = self.id.as_ref().and_then(|c| c.first(doc)) {
            self.ids.push(id);
        }
        for (i, col) in self.cols.iter().enumerate() {
            if let Some(col) = col {
                for ord in col.term_ords(doc) {
                    *self.counts[i].entry(ord).or_default() += 1;
                }
            }
        }
        if let Some(d) = self.date.as_ref().and_then(|c| c.first(doc)) {
            let secs = d.into_timestamp_secs();
            // Month key: year * 12 + month index.
            if let Some(dt) = chrono::DateTime::from_timestamp(secs, 0) {
                use chrono::Datelike;
                *self.months.entry(dt.year() as i64 * 12 + dt.month0() as i64).or_default() += 1;
            }
        }
    }

    fn harvest(self) -> Fruit {
        let mut maps = Vec::with_capacity(self.cols.len());
        for (col, counts) in self.cols.iter().zip(self.counts) {
            let mut m = HashMap::new();
            if let Some(col) = col {
                let mut s = String::new();
                for (ord, n) in counts {
                    if col.ord_to_str(ord, &mut s).unwrap_or(false) {
                        m.insert(s.clone(), n);
                    }
                }
            }
            maps.push(m);
        }
        (maps, self.months, self.total, self.ids)
    }
}

fn ranked(m: HashMap<String, u64>) -> Vec<(String, u64)> {
    let mut v: Vec<_> = m.into_iter().filter(|(k, _)| !k.is_empty()).collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v
}

impl SearchIndex {
    /// Facet counts over the items matching `query` (`*` or empty for the whole matter).
    pub fn facets(&self, db: &Connection, query: &str) -> Result<Facets> {
        let searcher = self.searcher()?;
        let q: Box<dyn tantivy::query::Query> = if query.trim().is_empty() || query.trim() == "*" {
            Box::new(tantivy::query::AllQuery)
        } else {
            self.compile_on(db, query, &searcher)?.query
        };
        let tagged: i64 = db.query_row("SELECT COUNT(*) FROM item_tag", [], |r| r.get(0))?;
        let not_ok = not_ok_items(db)?;
        let whole_matter = query.trim().is_empty() || query.trim() == "*";
        let wants_ids = (tagged > 0 || !not_ok.is_empty()) && !whole_matter;
        let (mut maps, months, total, ids) = searcher.search(&*q, &FacetCollector { ids: wants_ids })?;
        let ids: IdSet = ids.into_iter().collect();
        let status = status_counts(&not_ok, (!whole_matter).then_some(&ids), total);
        let sender = ranked(maps.pop().unwrap_or_default());
        let ext = ranked(maps.pop().unwrap_or_default());
        let custodian = ranked(maps.pop().unwrap_or_default());
        let kind = ranked(maps.pop().unwrap_or_default());
        let month: Vec<(String, u64)> = months
            .into_iter()
            .collect::<BTreeMap<_, _>>()
            .into_iter()
            .map(|(k, n)| (format!("{:04}-{:02}", k.div_euclid(12), k.rem_euclid(12) + 1), n))
            .collect();
        // Tags live in SQLite: count the assignments of matching items (of every item, for the
        // whole matter, straight in SQL).
        let mut tags: HashMap<String, u64> = HashMap::new();
        if tagged > 0 && whole_matter {
            let mut stmt = db.prepare_cached("SELECT t.name, COUNT(*) FROM item_tag it JOIN tag t ON t.id = it.tag_id GROUP BY t.id")?;
            for row in stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64)))? {
                let (name, n) = row?;
                tags.insert(name, n);
            }
        } else if tagged > 0 {
            let mut stmt = db.prepare_cached("SELECT it.item_id, t.name FROM item_tag it JOIN tag t ON t.id = it.tag_id")?;
            let rows = stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?;
            for row in rows {
                let (id, name) = row?;
                if ids.contains(id as u64) {
                    *tags.entry(name).or_default() += 1;
                }
            }
        }
        Ok(Facets { total, kind, custodian, tag: ranked(tags), month, ext, sender_domain: sender, status })
    }
}

/// Every item whose text was not had whole, with its status (few: the partial index
/// `item_not_ok` answers this without reading the other items).
fn not_ok_items(db: &Connection) -> Result<Vec<(u64, String)>> {
    let mut stmt = db.prepare_cached("SELECT id, status FROM item WHERE status <> 'ok'")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, i64>(0)? as u64, r.get::<_, String>(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The status facet: the not-ok items among the matches (`matches`; `None` for the whole
/// matter) by status, and the rest of the `total` matches as `ok`.
fn status_counts(not_ok: &[(u64, String)], matches: Option<&IdSet>, total: u64) -> Vec<(String, u64)> {
    let mut counts: HashMap<String, u64> = HashMap::new();
    for (id, status) in not_ok {
        if matches.is_none_or(|m| m.contains(*id)) {
            *counts.entry(status.clone()).or_default() += 1;
        }
    }
    let others: u64 = counts.values().sum();
    if total > others {
        counts.insert("ok".into(), total - others);
    }
    ranked(counts)
}
