//! What a production carries: the chosen items, their whole families, in the order a receiving
//! party reads them, and how each is treated.
//!
//! Families stay together (an attachment brings its parent and siblings; a privileged sibling is
//! withheld in place, so BEGATTACH/ENDATTACH still span the whole family). Families are ordered
//! by the date of their top item (undated ones last), then by control number; a family's members by control number,
//! which is the order ingest found them in (the message, then its attachments).

use super::options::{Privileged, ProduceOptions, Selection, Treatment};
use crate::error::{Error, Result};
use crate::store::items;
use crate::Matter;
use std::collections::{BTreeMap, BTreeSet};

/// One document of the plan.
#[derive(Debug, Clone)]
pub struct PlannedDoc {
    pub id: i64,
    pub control: String,
    pub family: i64,
    /// The family's top item.
    pub root: i64,
    pub kind: String,
    pub mime: String,
    pub treatment: Treatment,
    /// The privilege tags that made it privileged (empty when it is not).
    pub privilege: Vec<String>,
    /// Known (PDF) or estimated page count, for the dry run and the progress bar.
    pub pages_estimated: u64,
    /// Whether `pages_estimated` is a count (PDF) rather than an estimate from text length.
    pub pages_known: bool,
}

/// The documents of a production, in production order.
#[derive(Debug, Clone)]
pub struct Plan {
    pub docs: Vec<PlannedDoc>,
    /// Items the selection matched (before families were completed).
    pub selected: u64,
    /// Family members added so that no family is split.
    pub added_for_families: u64,
}

impl Matter {
    /// Builds the plan: the selection, completed to whole families, ordered, each member's
    /// treatment decided.
    pub fn production_plan(&self, opts: &ProduceOptions) -> Result<Plan> {
        let selected: BTreeSet<i64> = match &opts.selection {
            // `*` (or nothing) is the whole matter, as for facets.
            Selection::Query(q) if q.trim().is_empty() || q.trim() == "*" => {
                let mut stmt = self.store.db.prepare("SELECT id FROM item")?;
                let rows = stmt.query_map([], |r| r.get::<_, i64>(0))?;
                rows.collect::<rusqlite::Result<_>>()?
            }
            Selection::Query(q) => self.index.matching_ids(&self.store.db, q)?.iter().map(|id| id as i64).collect(),
            Selection::Tag(tag) => {
                let exists: bool =
                    self.store.db.query_row("SELECT EXISTS(SELECT 1 FROM tag WHERE name = ?1 COLLATE NOCASE)", [tag], |r| r.get(0))?;
                if !exists {
                    return Err(Error::NotFound(format!("no tag named {tag:?}: `exhibit tag list` shows the matter's tags")));
                }
                let mut stmt = self
                    .store
                    .db
                    .prepare("SELECT it.item_id FROM item_tag it JOIN tag t ON t.id = it.tag_id WHERE t.name = ?1 COLLATE NOCASE")?;
                let rows = stmt.query_map([tag], |r| r.get::<_, i64>(0))?;
                rows.collect::<rusqlite::Result<_>>()?
            }
        };
        if selected.is_empty() {
            return Err(Error::NotFound(match &opts.selection {
                Selection::Query(q) => format!("the query {q:?} matches no item, so there is nothing to produce"),
                Selection::Tag(t) => format!("no item is tagged {t:?}, so there is nothing to produce"),
            }));
        }
        let families: BTreeSet<i64> = {
            let mut stmt = self.store.db.prepare_cached("SELECT family_id FROM item WHERE id = ?1")?;
            let mut out = BTreeSet::new();
            for id in &selected {
                out.insert(stmt.query_row([id], |r| r.get::<_, i64>(0))?);
            }
            out
        };
        let privileged = self.privilege_tags()?;
        // (family date, family root control, member control) orders the production.
        let mut rows: Vec<(Option<String>, String, String, PlannedDoc)> = Vec::new();
        let mut stmt = self.store.db.prepare_cached(
            "SELECT i.id, i.control, i.kind, i.mime, i.page_count,
                    COALESCE(length(t.text), 0), COALESCE(length(t.text) - length(replace(t.text, char(10), '')), 0),
                    r.id, r.control, COALESCE(r.date, r.modified)
             FROM item i JOIN item r ON r.id = i.family_id LEFT JOIN item_text t ON t.item_id = i.id
             WHERE i.family_id = ?1",
        )?;
        for fam in &families {
            let members = stmt.query_map([fam], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, Option<i64>>(4)?,
                    r.get::<_, i64>(5)?,
                    r.get::<_, i64>(6)?,
                    r.get::<_, i64>(7)?,
                    r.get::<_, String>(8)?,
                    r.get::<_, Option<String>>(9)?,
                ))
            })?;
            for m in members {
                let (id, control, kind, mime, page_count, text_len, lines, root, root_control, date) = m?;
                let privilege: Vec<String> = privileged.get(&id).cloned().unwrap_or_default();
                let treatment = if !privilege.is_empty() && opts.privileged == Privileged::Withhold {
                    Treatment::Withheld
                } else {
                    // Decided for real when the document is built (whether anything is hidden).
                    Treatment::Produced
                };
                let is_pdf = mime == "application/pdf";
                let (pages_estimated, pages_known) = match (treatment, is_pdf, page_count) {
                    (Treatment::Withheld, ..) => (1, true),
                    (_, true, Some(n)) if n > 0 => (n as u64, true),
                    _ => (crate::extract::pages::estimated_pages(text_len as u64, lines as u64), false),
                };
                let doc = PlannedDoc {
                    id,
                    control: control.clone(),
                    family: *fam,
                    root,
                    kind,
                    mime,
                    treatment,
                    privilege,
                    pages_estimated,
                    pages_known,
                };
                rows.push((date, root_control, control, doc));
            }
        }
        // Control numbers are zero-padded, so their text order is their number order.
        // Undated families last.
        rows.sort_by(|a, b| {
            (a.0.is_none(), &a.0, &a.1, a.3.id != a.3.root, &a.2).cmp(&(b.0.is_none(), &b.0, &b.1, b.3.id != b.3.root, &b.2))
        });
        let docs: Vec<PlannedDoc> = rows.into_iter().map(|r| r.3).collect();
        let added = docs.len() as u64 - selected.len() as u64;
        Ok(Plan { docs, selected: selected.len() as u64, added_for_families: added })
    }

    /// Items tagged with a privilege tag (a tag whose name starts with "Privileged"), with those
    /// tags' names.
    fn privilege_tags(&self) -> Result<BTreeMap<i64, Vec<String>>> {
        let mut stmt = self.store.db.prepare(
            "SELECT it.item_id, t.name FROM item_tag it JOIN tag t ON t.id = it.tag_id
             WHERE t.name LIKE 'Privileged%' ORDER BY it.item_id, t.name",
        )?;
        let mut out: BTreeMap<i64, Vec<String>> = BTreeMap::new();
        for row in stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))? {
            let (id, name) = row?;
            out.entry(id).or_default().push(name);
        }
        Ok(out)
    }

    /// The item's control number (for messages about it).
    pub(crate) fn control_of(&self, id: i64) -> Result<String> {
        items::resolve(&self.store.db, &id.to_string())?;
        Ok(self.store.db.query_row("SELECT control FROM item WHERE id = ?1", [id], |r| r.get(0))?)
    }
}

/// The privilege basis a privilege log states for a tag ("Privileged – attorney-client" →
/// "Attorney-client privilege").
pub fn privilege_basis(tags: &[String]) -> String {
    let mut out: Vec<String> = Vec::new();
    for t in tags {
        let lower = t.to_lowercase();
        let basis = if lower.contains("work product") || lower.contains("work-product") {
            "Attorney work product"
        } else if lower.contains("common interest") {
            "Common-interest privilege"
        } else {
            "Attorney-client privilege"
        };
        if !out.iter().any(|b| b == basis) {
            out.push(basis.to_string());
        }
    }
    out.join("; ")
}

#[cfg(test)]
mod tests {
    use super::privilege_basis;

    #[test]
    fn privilege_basis_names_each_basis_once() {
        let tags = vec!["Privileged – attorney-client".to_string(), "Privileged – work product".to_string(), "Privileged".to_string()];
        assert_eq!(privilege_basis(&tags), "Attorney-client privilege; Attorney work product");
    }
}
