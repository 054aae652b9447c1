//! Model calls in the matter: AI-model API logs imported as `model_call` items, analyzed for
//! distillation, and turned into evidence.
//!
//! A log file is kept as an original (a `model_log` item); each call in it becomes an item of
//! its own whose text is the prompt and the completion (searchable, taggable, redactable), with
//! account, key, user, ip, model and token fields queryable (`account:`, `model:`, `date:`).
//! The call's record as logged is kept verbatim in `model_call.call_json`; its SHA-256 is the
//! item's hash, so `verify` can prove it unchanged. Logs are streamed, never loaded whole.

use crate::error::{Error, Result};
use crate::ingest::commit::{Committer, FileCommit};
use crate::ingest::detect::Kind;
use crate::ingest::extract::{Meta, Problem};
use crate::ingest::worker::NodeOut;
use crate::matter::blobs::sha256_hex;
use crate::matter::{audit, Matter};
use crate::modellogs::{self, AnalyzeOptions, CallSummary, Format, GroupBy, ModelCall, Report};
use crate::review::{Propagate, Target};
use rusqlite::params;
use std::path::{Path, PathBuf};

/// Calls written per transaction while streaming a log.
const CALLS_PER_TX: usize = 2000;

/// Extensions worth sniffing for a model-log format.
pub fn may_be_log(path: &Path) -> bool {
    let ext = crate::ingest::detect::extension(&path.to_string_lossy());
    matches!(ext.as_str(), "json" | "jsonl" | "ndjson" | "yaml" | "yml" | "csv" | "log")
}

/// The model-log format of a file, if it is one.
pub fn detect(path: &Path) -> Option<Format> {
    match modellogs::detect::sniff_path(path) {
        Ok(d) => d.format().cloned(),
        Err(_) => None,
    }
}

/// What importing one log file did.
#[derive(Debug, Default)]
pub struct LogImport {
    pub commit: FileCommit,
    pub calls: u64,
}

fn call_node(c: &ModelCall, raw: &[u8]) -> NodeOut {
    let prompt = c.prompt_text();
    let completion = c.completion.clone().unwrap_or_default();
    let text = if completion.is_empty() { prompt } else { format!("{prompt}\n\n[completion]\n{completion}") };
    let title: String = c.last_user_text().split_whitespace().collect::<Vec<_>>().join(" ").chars().take(120).collect();
    // The identifying fields (account, key, user, ip, model, request and conversation ids) as
    // the canonical record names them; `ts` is the item's date already.
    let mut extra: std::collections::BTreeMap<String, String> = match c.to_canonical_json() {
        serde_json::Value::Object(o) => o
            .into_iter()
            .filter(|(k, _)| k != "ts")
            .filter_map(|(k, v)| v.as_str().map(|s| (k, s.to_string())))
            .collect(),
        _ => Default::default(),
    };
    extra.insert("format".into(), c.format.clone());
    if let Some(l) = c.source_line {
        extra.insert("line".into(), l.to_string());
    }
    if let Some(t) = c.prompt_tokens {
        extra.insert("prompt_tokens".into(), t.to_string());
    }
    if let Some(t) = c.completion_tokens {
        extra.insert("completion_tokens".into(), t.to_string());
    }
    if let Ok(p) = serde_json::to_string(&c.params) {
        extra.insert("params".into(), p);
    }
    let name = match (&c.request_id, c.source_line) {
        (Some(r), _) => r.clone(),
        (None, Some(l)) => format!("line-{l:07}"),
        (None, None) => "call".into(),
    };
    NodeOut {
        parent: None,
        container: None,
        name,
        sha256: sha256_hex(raw),
        size: raw.len() as u64,
        kind: Kind::ModelCall,
        mime: "application/json".into(),
        meta: Meta { title: (!title.is_empty()).then_some(title), author: c.account.clone(), date: c.ts.clone(), extra, ..Default::default() },
        text: Some(text),
        pages: vec![],
        layout: None,
        extractor: format!("modellogs:{}", c.format),
        dedupe_key: None,
        failed: false,
        problem: None,
    }
}

impl Matter {
    /// Imports one model-log file (already recognized as `format`) for `custodian`. The file's
    /// resume marker is written with the last batch of its calls.
    pub(crate) fn import_log(
        &mut self,
        batch: i64,
        custodian: &str,
        path: &Path,
        format: &Format,
        mtime_ns: i64,
        paired_output: Option<&Path>,
    ) -> Result<LogImport> {
        let display = path.display().to_string();
        let (sha, size) = self.blobs.put_file(path)?;
        if let Some(out) = paired_output {
            self.blobs.put_file(out)?;
        }
        self.blobs.sync()?;
        let mut result = LogImport::default();
        // The log itself.
        let container = {
            let tx = self.db.unchecked_transaction()?;
            let mut c = Committer::new(&tx, batch, custodian)?;
            let node = NodeOut {
                parent: None,
                container: None,
                name: path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
                sha256: sha.clone(),
                size,
                kind: Kind::ModelLog,
                mime: "application/json".into(),
                meta: Meta { extra: [("format".to_string(), format.name().to_string())].into_iter().collect(), ..Default::default() },
                text: None,
                pages: vec![],
                layout: None,
                extractor: format!("modellogs:{}", format.name()),
                dedupe_key: None,
                failed: false,
                problem: None,
            };
            let (id, _) = c.commit_root(&node, &display, None, &mut result.commit)?;
            tx.commit()?;
            self.index.add_items(&self.db, &[id])?;
            id
        };
        // Stream the calls, a transaction per CALLS_PER_TX.
        let mut pending: Vec<std::result::Result<ModelCall, modellogs::LineError>> = Vec::new();
        let mut failure: Option<Error> = None;
        let flush = |m: &mut Matter, pending: &mut Vec<std::result::Result<ModelCall, modellogs::LineError>>, last: bool, result: &mut LogImport| -> Result<()> {
            let tx = m.db.unchecked_transaction()?;
            let mut c = Committer::new(&tx, batch, custodian)?;
            let mut added = Vec::new();
            for item in pending.drain(..) {
                match item {
                    Ok(call) => {
                        let raw: Vec<u8> = serde_json::to_vec(&call.raw)?;
                        let node = call_node(&call, &raw);
                        let at = format!("{display}#{}", node.name);
                        let before = result.commit.added.len();
                        let (id, existed) = c.commit_root(&node, &at, Some(container), &mut result.commit)?;
                        if !existed && result.commit.added.len() > before {
                            tx.prepare_cached(
                                "INSERT INTO model_call (item_id, log_id, line, ts, account, api_key_id, user, ip, model,
                                   prompt_tokens, completion_tokens, call_json) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                            )?
                            .execute(params![
                                id,
                                container,
                                call.source_line.map(|l| l as i64),
                                call.ts,
                                call.account,
                                call.api_key_id,
                                call.user,
                                call.ip,
                                call.model,
                                call.prompt_tokens.map(|t| t as i64),
                                call.completion_tokens.map(|t| t as i64),
                                serde_json::to_string(&call)?,
                            ])?;
                            added.push(id);
                        }
                        result.calls += 1;
                    }
                    Err(e) => {
                        let p = Problem::new("import", "model_log_line", format!("line {}: {}", e.line, e.reason));
                        c.record_item_problem(&p, container, &display, &mut result.commit)?;
                    }
                }
            }
            if last {
                tx.execute(
                    "INSERT OR REPLACE INTO source_file (custodian, path, size, mtime_ns, sha256, batch_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![custodian, display, size as i64, mtime_ns, sha, batch],
                )?;
            }
            audit::append(
                &tx,
                "ingest.calls",
                &serde_json::json!({ "batch": batch, "log": display, "format": format.name(), "added": crate::review::id_ranges(&added) }),
            )?;
            tx.commit()?;
            m.index.add_items(&m.db, &added)?;
            Ok(())
        };
        let file = std::fs::File::open(path).map_err(|e| Error::Read { path: path.to_path_buf(), source: e })?;
        let reader = std::io::BufReader::with_capacity(1 << 20, file);
        let out_reader = match paired_output {
            Some(p) => Some(std::io::BufReader::new(std::fs::File::open(p).map_err(|e| Error::Read { path: p.to_path_buf(), source: e })?)),
            None => None,
        };
        // Stream: the importer hands calls one by one; every CALLS_PER_TX they are written in
        // one transaction, so memory stays flat however large the log. Importers parse
        // untrusted input: a panic is contained and reported, and the calls before it are kept.
        let panicked = {
            let this: &mut Matter = self;
            let mut cb = |r: std::result::Result<ModelCall, modellogs::LineError>| {
                if failure.is_some() {
                    return;
                }
                pending.push(r);
                if pending.len() >= CALLS_PER_TX {
                    if let Err(e) = flush(this, &mut pending, false, &mut result) {
                        failure = Some(e);
                    }
                }
            };
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match out_reader {
                Some(o) => modellogs::import_batch(reader, o, &mut cb),
                None => modellogs::import_stream(reader, format, &mut cb),
            }))
            .is_err()
        };
        if panicked {
            pending.push(Err(modellogs::LineError {
                line: 0,
                reason: "the importer failed on this file's structure; the calls read before that point were kept".into(),
            }));
        }
        if failure.is_none() {
            flush(self, &mut pending, true, &mut result)?;
        }
        if let Some(e) = failure {
            return Err(e);
        }
        Ok(result)
    }

    /// Every model call as an analysis summary (id = item id).
    pub fn call_summaries(&self) -> Result<Vec<CallSummary>> {
        let mut stmt = self.db.prepare("SELECT item_id, call_json FROM model_call ORDER BY item_id")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (id, json) = row?;
            let call: ModelCall = serde_json::from_str(&json)?;
            out.push(CallSummary::from_call(&call, id as u64));
        }
        Ok(out)
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
                let v: serde_json::Value = serde_json::from_str(line)
                    .map_err(|e| Error::Invalid(format!("{} line {}: not JSON ({e}); expected {{\"prompt\", \"output\"}}", path.display(), n + 1)))?;
                let get = |k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or("").to_string();
                suspect.push((get("prompt"), get("output")));
            }
            let mut logged = Vec::new();
            let mut stmt = self.db.prepare("SELECT item_id, call_json FROM model_call")?;
            for row in stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))? {
                let (id, json) = row?;
                let call: ModelCall = serde_json::from_str(&json)?;
                logged.push((id as u64, call.last_user_text().to_string(), call.completion.clone().unwrap_or_default()));
            }
            report.overlap = Some(modellogs::analyze::overlap_with_ids(&suspect, &logged));
        }
        Ok(report)
    }

    /// Spells out each template's shared words from its first example's prompt (the pure
    /// analysis keeps hashes, not text).
    fn fill_template_patterns(&self, report: &mut Report) -> Result<()> {
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

    /// Tags the calls of every flagged account (the evidence behind the flags), in one audited
    /// transaction. Returns how many calls changed.
    pub fn tag_flagged_calls(&mut self, report: &Report, tag: &str) -> Result<u64> {
        let field = match report.group_by {
            GroupBy::Account => "account",
            GroupBy::Key => "api_key_id",
            GroupBy::User => "user",
            GroupBy::Ip => "ip",
        };
        let mut ids = Vec::new();
        for acc in report.accounts.iter().filter(|a| a.flagged) {
            let mut stmt = self.db.prepare(&format!("SELECT item_id FROM model_call WHERE {field} = ?1"))?;
            for id in stmt.query_map([&acc.account], |r| r.get::<_, i64>(0))? {
                ids.push(id?.to_string());
            }
        }
        if ids.is_empty() {
            return Ok(0);
        }
        Ok(self.tag_add(tag, &Target::Items(ids), Propagate::default())?.changed)
    }

    /// The call record as logged, for the viewer and for producing a model call.
    pub fn call_record(&self, id: i64) -> Result<Option<ModelCall>> {
        use rusqlite::OptionalExtension;
        let json: Option<String> = self.db.query_row("SELECT call_json FROM model_call WHERE item_id = ?1", [id], |r| r.get(0)).optional()?;
        Ok(json.map(|j| serde_json::from_str(&j)).transpose()?)
    }
}

/// OpenAI batch input/output files among `paths`, paired on the custom_ids they share.
pub fn pair_batches(paths: &[PathBuf]) -> Vec<(PathBuf, PathBuf)> {
    modellogs::detect::pair_batch_files(paths)
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
                q(&s.name),
                s.value,
                q(&s.detail),
                q(&ex.join(" "))
            ));
        }
    }
    out
}
