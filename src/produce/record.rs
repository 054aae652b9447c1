//! Productions as the matter records them: one row per run (settings, Bates range, counts, the
//! gate's result), the documents with their Bates ranges, and the boxes burned — all written in
//! one audited transaction when a run ends, so the matter never says "complete" for a bundle
//! whose gate did not pass.

use super::gate::{BurnedBoxes, GateReport};
use super::typeset::PxRect;
use crate::error::{Error, Result};
use crate::store::{audit, now};
use crate::Matter;
use rusqlite::{params, OptionalExtension};
use serde::Serialize;
use ts_rs::TS;

/// A production's state. `building` left behind by a killed run reads as incomplete.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ProductionStatus {
    Building,
    Complete,
    Incomplete,
}

impl ProductionStatus {
    fn as_str(self) -> &'static str {
        match self {
            ProductionStatus::Building => "building",
            ProductionStatus::Complete => "complete",
            ProductionStatus::Incomplete => "incomplete",
        }
    }
    fn parse(s: &str) -> ProductionStatus {
        match s {
            "complete" => ProductionStatus::Complete,
            "building" => ProductionStatus::Building,
            _ => ProductionStatus::Incomplete,
        }
    }
}

/// One production, as `exhibit productions` lists it.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ProductionRow {
    pub id: i64,
    pub name: String,
    pub prefix: String,
    pub out: String,
    pub created: String,
    pub finished: Option<String>,
    pub status: ProductionStatus,
    pub first_bates: Option<String>,
    pub last_bates: Option<String>,
    pub documents: u64,
    pub pages: u64,
    /// The selection and options it was run with.
    pub settings: serde_json::Value,
}

/// `productions`: every production of the matter, newest first.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ProductionList {
    pub productions: Vec<ProductionRow>,
}

/// A produced document's place in its production.
#[derive(Debug, Clone)]
pub struct ProducedDoc {
    pub item: i64,
    pub first: u64,
    pub last: u64,
    pub treatment: &'static str,
}

/// The Bates prefix as numbers carry it: a separator is added unless the prefix ends in one.
pub fn bates_prefix(prefix: &str) -> String {
    let p = prefix.trim();
    if p.ends_with(['-', '_', '.', ' ']) {
        p.to_string()
    } else {
        format!("{p}-")
    }
}

fn format_bates(prefix: &str, n: Option<i64>, digits: Option<i64>) -> Option<String> {
    Some(format!("{prefix}{:0width$}", n?, width = digits? as usize))
}

impl Matter {
    /// The number after the last complete production with this prefix (1 if none).
    pub fn next_bates_number(&self, prefix: &str) -> Result<u64> {
        let last: Option<i64> = self.store.db.query_row(
            "SELECT MAX(last_number) FROM production WHERE prefix = ?1 AND status = 'complete'",
            [prefix],
            |r| r.get(0),
        )?;
        Ok(last.map(|n| n as u64 + 1).unwrap_or(1))
    }

    /// The next production's name: the prefix's letters and digits, and its sequence number
    /// among complete productions with that prefix (`ACME-` → `ACME001`).
    pub fn next_production_name(&self, prefix: &str) -> Result<String> {
        let done: i64 =
            self.store.db.query_row("SELECT COUNT(*) FROM production WHERE prefix = ?1 AND status = 'complete'", [prefix], |r| r.get(0))?;
        let stem: String = prefix.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
        let stem = if stem.is_empty() { "PROD".to_string() } else { stem.to_uppercase() };
        Ok(format!("{stem}{:03}", done + 1))
    }

    /// Records a run as started (audited): a killed run stays `building`, never complete.
    pub(crate) fn production_begin(&mut self, name: &str, prefix: &str, out: &str, settings: &serde_json::Value) -> Result<i64> {
        let tx = self.store.db.unchecked_transaction()?;
        tx.execute(
            "INSERT INTO production (prefix, created, status, name, out, settings_json) VALUES (?1, ?2, 'building', ?3, ?4, ?5)",
            params![prefix, now(), name, out, serde_json::to_string(settings)?],
        )?;
        let id = tx.last_insert_rowid();
        audit::append(&tx, "production.start", &serde_json::json!({ "production": id, "name": name, "out": out, "settings": settings }))?;
        tx.commit()?;
        audit::publish_head(&self.store.db);
        Ok(id)
    }

    /// Records how a run ended, with its documents and boxes (audited, one transaction).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn production_end(
        &mut self,
        id: i64,
        first: u64,
        last: u64,
        digits: usize,
        docs: &[ProducedDoc],
        boxes: &BurnedBoxes,
        gate: &GateReport,
    ) -> Result<ProductionStatus> {
        let status = if gate.ok { ProductionStatus::Complete } else { ProductionStatus::Incomplete };
        let pages: u64 = docs.iter().map(|d| d.last - d.first + 1).sum();
        let tx = self.store.db.unchecked_transaction()?;
        tx.execute(
            "UPDATE production SET status = ?2, finished = ?3, first_number = ?4, last_number = ?5, digits = ?6, documents = ?7,
                    pages = ?8, report_json = ?9 WHERE id = ?1",
            params![
                id,
                status.as_str(),
                now(),
                first as i64,
                last as i64,
                digits as i64,
                docs.len() as i64,
                pages as i64,
                serde_json::to_string(gate)?
            ],
        )?;
        tx.execute("DELETE FROM production_doc WHERE production_id = ?1", [id])?;
        tx.execute("DELETE FROM production_box WHERE production_id = ?1", [id])?;
        {
            let mut ins = tx.prepare(
                "INSERT INTO production_doc (production_id, item_id, first_number, last_number, treatment) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for d in docs {
                ins.execute(params![id, d.item, d.first as i64, d.last as i64, d.treatment])?;
            }
            let mut ins = tx
                .prepare("INSERT INTO production_box (production_id, number, x0, y0, x1, y1, label) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")?;
            for (n, bs) in boxes {
                for (r, label) in bs {
                    ins.execute(params![id, *n as i64, r.x0, r.y0, r.x1, r.y1, label])?;
                }
            }
        }
        let failed: Vec<&str> = gate.checks.iter().filter(|c| !c.ok).map(|c| c.name.as_str()).collect();
        audit::append(
            &tx,
            "production.finish",
            &serde_json::json!({ "production": id, "status": status.as_str(), "first": first, "last": last, "documents": docs.len(),
                                 "pages": pages, "failed_checks": failed }),
        )?;
        tx.commit()?;
        audit::publish_head(&self.store.db);
        Ok(status)
    }

    /// Every production, newest first.
    pub fn productions(&self) -> Result<Vec<ProductionRow>> {
        let mut stmt = self.store.db.prepare(
            "SELECT id, COALESCE(name, ''), prefix, COALESCE(out, ''), created, finished, status, first_number, last_number, digits,
                    documents, pages, settings_json FROM production ORDER BY id DESC",
        )?;
        let rows = stmt.query_map([], |r| {
            let prefix: String = r.get(2)?;
            let digits: Option<i64> = r.get(9)?;
            Ok(ProductionRow {
                id: r.get(0)?,
                name: r.get(1)?,
                out: r.get(3)?,
                created: r.get(4)?,
                finished: r.get(5)?,
                status: ProductionStatus::parse(&r.get::<_, String>(6)?),
                first_bates: format_bates(&prefix, r.get(7)?, digits),
                last_bates: format_bates(&prefix, r.get(8)?, digits),
                documents: r.get::<_, i64>(10)? as u64,
                pages: r.get::<_, i64>(11)? as u64,
                settings: serde_json::from_str(&r.get::<_, String>(12)?).unwrap_or_default(),
                prefix,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The production a bundle folder belongs to (by the id its manifest names).
    pub(crate) fn production_row(&self, id: i64) -> Result<ProductionRow> {
        self.productions()?
            .into_iter()
            .find(|p| p.id == id)
            .ok_or_else(|| Error::NotFound(format!("this matter has no production {id}: was the bundle produced from another matter?")))
    }

    /// The documents and burned boxes a production recorded.
    pub(crate) fn production_contents(&self, id: i64) -> Result<(Vec<ProducedDoc>, BurnedBoxes)> {
        let mut stmt = self.store.db.prepare(
            "SELECT item_id, first_number, last_number, treatment FROM production_doc WHERE production_id = ?1 ORDER BY first_number",
        )?;
        let docs = stmt
            .query_map([id], |r| {
                let t: String = r.get(3)?;
                Ok(ProducedDoc {
                    item: r.get(0)?,
                    first: r.get::<_, i64>(1)? as u64,
                    last: r.get::<_, i64>(2)? as u64,
                    treatment: match t.as_str() {
                        "withheld" => "withheld",
                        "redacted" => "redacted",
                        _ => "produced",
                    },
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut boxes = BurnedBoxes::new();
        let mut stmt = self.store.db.prepare("SELECT number, x0, y0, x1, y1, label FROM production_box WHERE production_id = ?1")?;
        for row in stmt.query_map([id], |r| {
            Ok((r.get::<_, i64>(0)? as u64, PxRect { x0: r.get(1)?, y0: r.get(2)?, x1: r.get(3)?, y1: r.get(4)? }, r.get::<_, String>(5)?))
        })? {
            let (n, rect, label) = row?;
            boxes.entry(n).or_default().push((rect, label));
        }
        Ok((docs, boxes))
    }

    /// Marks a production's recorded state after a re-verification.
    pub(crate) fn production_set_status(&mut self, id: i64, ok: bool) -> Result<()> {
        let status = if ok { "complete" } else { "incomplete" };
        let tx = self.store.db.unchecked_transaction()?;
        let before: Option<String> = tx.query_row("SELECT status FROM production WHERE id = ?1", [id], |r| r.get(0)).optional()?;
        if before.as_deref() != Some(status) {
            tx.execute("UPDATE production SET status = ?2 WHERE id = ?1", params![id, status])?;
            audit::append(&tx, "production.verify", &serde_json::json!({ "production": id, "status": status }))?;
        }
        tx.commit()?;
        audit::publish_head(&self.store.db);
        Ok(())
    }
}
