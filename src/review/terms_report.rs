//! Search-term reports: the table litigators negotiate search terms with.
//!
//! For each term (any query) in a list: documents it hits, documents only it hits among the
//! listed terms (unique hits), and documents hit once families are added; plus the totals for
//! the whole list. The numbers are computed from the same searches `exhibit search` runs.
//!
//! The figures go to opposing counsel, so a report says which matching rule produced them
//! ([`TERM_RULE`]), and a term Exhibit cannot read is a row carrying its error, never a count:
//! a malformed term must not be quietly read as something else and counted.

use crate::error::{Error, Result};
use crate::index::search::IdSet;
use crate::matter::Matter;
use serde::Serialize;
use ts_rs::TS;

/// The rule the counts follow, by a stable name (see docs/query-language.md).
pub const TERM_RULE: &str = "dtsearch-exact";

/// The same rule, in words for the people who read the report.
pub const TERM_RULE_TEXT: &str = "words and phrases match exactly (any case, no stemming); word~ adds its stemmed forms, \
     word~1 near spellings, trad* word beginnings (dtSearch's rule)";

#[derive(Debug, Clone, Serialize, TS)]
pub struct TermRow {
    pub term: String,
    /// Documents the term hits; `None` when the term could not be searched (see `error`).
    pub hits: Option<u64>,
    /// Documents hit by this term and by no other term of the list.
    pub unique_hits: Option<u64>,
    /// Documents hit, plus every member of their families.
    pub hits_with_families: Option<u64>,
    /// Why the term could not be searched (a syntax error says where: "at character N: ...").
    pub error: Option<String>,
    /// The 1-based character of the term where a syntax error is.
    pub error_position: Option<u64>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct TermsReport {
    /// The matching rule behind the counts ([`TERM_RULE`]).
    pub term_rule: String,
    /// That rule in words.
    pub term_rule_text: String,
    pub rows: Vec<TermRow>,
    /// Documents hit by any term that could be searched.
    pub total_hits: u64,
    /// Those, plus every member of their families.
    pub total_with_families: u64,
    pub items_in_matter: u64,
    /// Terms that could not be searched (rows with an `error`).
    pub term_errors: u64,
}

impl TermsReport {
    /// CSV with a header row; the totals as a last row. Every row names the matching rule, so
    /// a figure copied out of the file still says how it was counted.
    pub fn to_csv(&self) -> String {
        let mut out = String::from("term,hits,unique_hits,hits_with_families,error,term_rule\r\n");
        let q = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
        let n = |v: Option<u64>| v.map(|v| v.to_string()).unwrap_or_default();
        for r in &self.rows {
            out.push_str(&format!(
                "{},{},{},{},{},{}\r\n",
                q(&r.term),
                n(r.hits),
                n(r.unique_hits),
                n(r.hits_with_families),
                r.error.as_deref().map(q).unwrap_or_default(),
                self.term_rule
            ));
        }
        out.push_str(&format!("{},{},,{},,{}\r\n", q("TOTAL (any term)"), self.total_hits, self.total_with_families, self.term_rule));
        out
    }
}

impl Matter {
    /// Builds a search-term report for `terms` (one query each; blank lines and lines starting
    /// with `#` are skipped). A term that is not a valid query becomes a row with its error;
    /// failures of the matter itself (database, index) are still errors of the whole report.
    pub fn terms_report(&self, terms: &[String]) -> Result<TermsReport> {
        let terms: Vec<&String> = terms.iter().filter(|t| !t.trim().is_empty() && !t.trim_start().starts_with('#')).collect();
        let mut sets: Vec<std::result::Result<IdSet, Error>> = Vec::with_capacity(terms.len());
        for t in &terms {
            match self.index.matching_ids(&self.store.db, t.trim()) {
                Ok(s) => sets.push(Ok(s)),
                Err(e @ (Error::Syntax(_) | Error::Query(_))) => sets.push(Err(e)),
                Err(e) => return Err(e),
            }
        }
        // family id of every item, indexed by item id.
        let mut stmt = self.store.db.prepare("SELECT id, family_id FROM item")?;
        let fam: Vec<(u64, u64)> =
            stmt.query_map([], |r| Ok((r.get::<_, i64>(0)? as u64, r.get::<_, i64>(1)? as u64)))?.collect::<Result<_, _>>()?;
        let with_families = |s: &IdSet| -> u64 {
            let fams: IdSet = fam.iter().filter(|(id, _)| s.contains(*id)).map(|(_, f)| *f).collect();
            fam.iter().filter(|(_, f)| fams.contains(*f)).count() as u64
        };
        // How many listed terms hit each document.
        let mut hit_count: std::collections::HashMap<u64, u32> = std::collections::HashMap::new();
        for s in sets.iter().flatten() {
            for id in s.iter() {
                *hit_count.entry(id).or_default() += 1;
            }
        }
        let union: IdSet = hit_count.keys().copied().collect();
        let rows: Vec<TermRow> = terms
            .iter()
            .zip(&sets)
            .map(|(t, s)| match s {
                Ok(s) => TermRow {
                    term: t.trim().to_string(),
                    hits: Some(s.len() as u64),
                    unique_hits: Some(s.iter().filter(|id| hit_count.get(id) == Some(&1)).count() as u64),
                    hits_with_families: Some(with_families(s)),
                    error: None,
                    error_position: None,
                },
                Err(e) => TermRow {
                    term: t.trim().to_string(),
                    hits: None,
                    unique_hits: None,
                    hits_with_families: None,
                    error: Some(match e {
                        Error::Syntax(se) => se.to_string(),
                        Error::Query(m) => m.clone(),
                        other => other.to_string(),
                    }),
                    error_position: match e {
                        Error::Syntax(se) => Some(se.position as u64),
                        _ => None,
                    },
                },
            })
            .collect();
        Ok(TermsReport {
            term_rule: TERM_RULE.into(),
            term_rule_text: TERM_RULE_TEXT.into(),
            term_errors: rows.iter().filter(|r| r.error.is_some()).count() as u64,
            rows,
            total_hits: union.len() as u64,
            total_with_families: with_families(&union),
            items_in_matter: fam.len() as u64,
        })
    }
}
