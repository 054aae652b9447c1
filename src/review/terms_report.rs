//! Search-term reports: the table litigators negotiate search terms with.
//!
//! For each term (any query) in a list: documents it hits, documents only it hits among the
//! listed terms (unique hits), and documents hit once families are added; plus the totals for
//! the whole list. The numbers are computed from the same searches `exhibit search` runs.

use crate::error::Result;
use crate::index::search::IdSet;
use crate::matter::Matter;
use serde::Serialize;
use ts_rs::TS;

#[derive(Debug, Clone, Serialize, TS)]
pub struct TermRow {
    pub term: String,
    /// Documents the term hits.
    pub hits: u64,
    /// Documents hit by this term and by no other term of the list.
    pub unique_hits: u64,
    /// Documents hit, plus every member of their families.
    pub hits_with_families: u64,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct TermsReport {
    pub rows: Vec<TermRow>,
    /// Documents hit by any term.
    pub total_hits: u64,
    /// Those, plus every member of their families.
    pub total_with_families: u64,
    pub items_in_matter: u64,
}

impl TermsReport {
    /// CSV with a header row; the totals as a last row.
    pub fn to_csv(&self) -> String {
        let mut out = String::from("term,hits,unique_hits,hits_with_families\r\n");
        let q = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
        for r in &self.rows {
            out.push_str(&format!("{},{},{},{}\r\n", q(&r.term), r.hits, r.unique_hits, r.hits_with_families));
        }
        out.push_str(&format!("{},{},,{}\r\n", q("TOTAL (any term)"), self.total_hits, self.total_with_families));
        out
    }
}

impl Matter {
    /// Builds a search-term report for `terms` (one query each; blank lines and lines starting
    /// with `#` are skipped).
    pub fn terms_report(&self, terms: &[String]) -> Result<TermsReport> {
        let terms: Vec<&String> = terms.iter().filter(|t| !t.trim().is_empty() && !t.trim_start().starts_with('#')).collect();
        let mut sets = Vec::with_capacity(terms.len());
        for t in &terms {
            sets.push(self.index.matching_ids(&self.db, t.trim())?);
        }
        // family id of every item, indexed by item id.
        let mut stmt = self.db.prepare("SELECT id, family_id FROM item")?;
        let fam: Vec<(u64, u64)> = stmt.query_map([], |r| Ok((r.get::<_, i64>(0)? as u64, r.get::<_, i64>(1)? as u64)))?.collect::<Result<_, _>>()?;
        let with_families = |s: &IdSet| -> u64 {
            let fams: IdSet = fam.iter().filter(|(id, _)| s.contains(*id)).map(|(_, f)| *f).collect();
            fam.iter().filter(|(_, f)| fams.contains(*f)).count() as u64
        };
        // How many listed terms hit each document.
        let mut hit_count: std::collections::HashMap<u64, u32> = std::collections::HashMap::new();
        for s in &sets {
            for id in s.iter() {
                *hit_count.entry(id).or_default() += 1;
            }
        }
        let union: IdSet = hit_count.keys().copied().collect();
        let rows = terms
            .iter()
            .zip(&sets)
            .map(|(t, s)| TermRow {
                term: t.trim().to_string(),
                hits: s.len() as u64,
                unique_hits: s.iter().filter(|id| hit_count.get(id) == Some(&1)).count() as u64,
                hits_with_families: with_families(s),
            })
            .collect();
        Ok(TermsReport { rows, total_hits: union.len() as u64, total_with_families: with_families(&union), items_in_matter: fam.len() as u64 })
    }
}
