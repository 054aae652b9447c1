//! Stored calls read back for analysis: summaries, the distillation report, the calls of one
//! group, the record as logged, and the report as CSV.

use crate::error::{Error, Result};
use crate::modellogs::{self, AnalyzeOptions, CallSummary, GroupBy, ModelCall, Report};
use crate::store::call_record::{StoredRecord, Unpacker};
use crate::Matter;
use std::path::Path;

impl Matter {
    /// Every model call as an analysis summary (id = item id).
    pub fn call_summaries(&self) -> Result<Vec<CallSummary>> {
        self.map_calls(|id, call| CallSummary::from_call(call, id))
    }

    /// `f` over every stored call (with its item id), in item order. Rows are read here a
    /// chunk at a time; decompressing and parsing them, most of an analysis's time, runs on
    /// every core.
    pub(super) fn map_calls<T: Send>(&self, f: impl Fn(u64, &ModelCall) -> T + Sync) -> Result<Vec<T>> {
        use rayon::prelude::*;
        const ROWS: usize = 8192;
        let mut stmt = self.store.db.prepare("SELECT item_id, call_json FROM model_call ORDER BY item_id")?;
        let mut rows = stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, StoredRecord>(1)?)))?;
        let mut out = Vec::new();
        loop {
            let chunk: Vec<(i64, StoredRecord)> = rows.by_ref().take(ROWS).collect::<rusqlite::Result<_>>()?;
            if chunk.is_empty() {
                return Ok(out);
            }
            let done: Vec<T> = chunk
                .into_par_iter()
                .map_init(Unpacker::new, |unpacker, (id, stored)| {
                    let call = unpacker.call(stored)?;
                    Ok(f(id as u64, &call))
                })
                .collect::<Result<_>>()?;
            out.extend(done);
        }
    }

    /// The distillation analysis over the matter's model calls, optionally with suspect-model
    /// outputs (JSONL of `{"prompt", "output"}`) compared against the logged completions.
    pub fn analyze_calls(&self, group_by: GroupBy, suspect_outputs: Option<&Path>) -> Result<Report> {
        let calls = self.call_summaries()?;
        let opts = AnalyzeOptions { group_by, ..Default::default() };
        let mut report = modellogs::analyze(&calls, &opts);
        drop(calls);
        self.fill_template_patterns(&mut report)?;
        if let Some(path) = suspect_outputs {
            let text = std::fs::read_to_string(path).map_err(|e| Error::Read { path: path.to_path_buf(), source: e })?;
            let mut suspect = Vec::new();
            for (n, line) in text.lines().enumerate() {
                if line.trim().is_empty() {
                    continue;
                }
                let v: serde_json::Value = serde_json::from_str(line).map_err(|e| {
                    Error::BadInput(format!("{} line {}: not JSON ({e}); expected {{\"prompt\", \"output\"}}", path.display(), n + 1))
                })?;
                let get = |k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or("").to_string();
                suspect.push((get("prompt"), get("output")));
            }
            let logged = self.map_calls(|id, call| (id, call.last_user_text().to_string(), call.completion.clone().unwrap_or_default()))?;
            report.overlap = Some(modellogs::analyze::overlap_with_ids(&suspect, &logged));
        }
        Ok(report)
    }

    /// Spells out each template's shared words from its first example's prompt (the pure
    /// analysis keeps hashes, not text).
    pub(super) fn fill_template_patterns(&self, report: &mut Report) -> Result<()> {
        for t in report.accounts.iter_mut().flat_map(|a| a.templates.iter_mut()) {
            if let Some(call) = match t.examples.first() {
                Some(&id) => self.call_record(id as i64)?,
                None => None,
            } {
                t.pattern = modellogs::analyze::template_pattern(call.last_user_text(), t.part);
            }
        }
        Ok(())
    }

    /// The calls of one analyzed group (an account, key, user or ip as logged, or the calls
    /// that name none: `GroupBy::missing_label`), oldest first.
    pub fn group_calls(&self, group_by: GroupBy, group: &str) -> Result<Vec<GroupCall>> {
        let col = group_column(group_by);
        let unnamed = if group == group_by.missing_label() { format!(" OR {col} IS NULL OR {col} = ''") } else { String::new() };
        let mut stmt =
            self.store.db.prepare(&format!("SELECT item_id, ts FROM model_call WHERE {col} = ?1{unnamed} ORDER BY ts, item_id"))?;
        let rows = stmt.query_map([group], |r| Ok(GroupCall { id: r.get(0)?, ts: r.get(1)? }))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The call record as logged, for the viewer and for producing a model call.
    pub fn call_record(&self, id: i64) -> Result<Option<ModelCall>> {
        use rusqlite::OptionalExtension;
        let stored: Option<StoredRecord> =
            self.store.db.query_row("SELECT call_json FROM model_call WHERE item_id = ?1", [id], |r| r.get(0)).optional()?;
        stored.map(|s| Unpacker::new().call(s)).transpose()
    }
}

/// A call of a group: its item id and time as logged.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
pub struct GroupCall {
    pub id: i64,
    pub ts: Option<String>,
}

/// The `model_call` column holding what the analysis grouped by.
pub(crate) fn group_column(g: GroupBy) -> &'static str {
    match g {
        GroupBy::Account => "account",
        GroupBy::Key => "api_key_id",
        GroupBy::User => "user",
        GroupBy::Ip => "ip",
    }
}

/// A flat CSV of the analysis: one row per account and signal.
pub fn report_csv(report: &Report) -> String {
    let q = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let mut out = String::from("account,calls,score,flagged,signal,value,detail,examples\r\n");
    for a in &report.accounts {
        for s in &a.signals {
            let ex: Vec<String> = s.examples.iter().map(|e| e.to_string()).collect();
            out.push_str(&format!(
                "{},{},{:.3},{},{},{},{},{}\r\n",
                q(&a.account),
                a.calls,
                a.score,
                a.flagged,
                q(s.name.as_str()),
                s.value,
                q(&s.detail),
                q(&ex.join(" "))
            ));
        }
    }
    out
}
