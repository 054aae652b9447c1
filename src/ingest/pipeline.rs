//! The ingest pipeline: walk the sources, extract in worker processes on all cores, and write
//! results from this one thread (the single database writer) in batched transactions.
//!
//! Resumability comes from one rule: a source file's items, locations, errors and its
//! `source_file` marker are written in the same transaction. A run killed at any moment leaves
//! each file either wholly recorded or not at all; the next run skips the recorded ones
//! (same custodian, path, size and mtime) and redoes the rest. Originals stored by a killed
//! run are content-addressed, so storing them again is a no-op.

use super::commit::{Committer, FileCommit};
use super::detect;
use super::worker::{Job, NodeOut, Outcome, Pool, PoolConfig};
use crate::error::{Error, Result};
use crate::ingest::extract::{Meta, Problem};
use crate::matter::{audit, now, Matter};
use rusqlite::{params, OptionalExtension};
use serde::Serialize;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use ts_rs::TS;

/// Files larger than this are stored and hashed but not sent for extraction.
pub const MAX_EXTRACT_BYTES: u64 = 256 << 20;
/// Files written per database transaction (at most).
const FILES_PER_TX: usize = 256;
/// Longest a finished file waits before its transaction commits.
const TX_INTERVAL: Duration = Duration::from_millis(250);
/// How often the search index commits during an ingest.
const INDEX_INTERVAL: Duration = Duration::from_secs(4);

#[derive(Debug, Clone)]
pub struct IngestOptions {
    pub custodian: String,
    /// Worker processes; defaults to the number of cores.
    pub workers: usize,
    /// Base time allowed per file (large files get more).
    pub timeout: Duration,
    /// The `exhibit` binary that serves `__worker`; found automatically when `None`.
    pub worker_exe: Option<PathBuf>,
    pub cancel: Arc<AtomicBool>,
}

impl Default for IngestOptions {
    fn default() -> Self {
        IngestOptions {
            custodian: "Unassigned".into(),
            workers: std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2),
            timeout: Duration::from_secs(30),
            worker_exe: None,
            cancel: Arc::new(AtomicBool::new(false)),
        }
    }
}

/// Live figures for a progress bar.
#[derive(Debug, Clone, Default, Serialize, TS)]
pub struct IngestProgress {
    pub files_total: u64,
    pub files_done: u64,
    pub bytes_total: u64,
    pub bytes_done: u64,
    pub items_added: u64,
    pub duplicates: u64,
    pub errors: u64,
    pub elapsed_ms: u64,
}

/// What `exhibit ingest --json` prints.
#[derive(Debug, Clone, Serialize, TS)]
pub struct IngestSummary {
    pub batch: i64,
    pub custodian: String,
    pub files_seen: u64,
    /// Files already ingested for this custodian (same path, size and mtime): not re-read.
    pub files_skipped: u64,
    pub items_added: u64,
    pub duplicates: u64,
    pub errors: u64,
    pub items_total: u64,
    pub bytes: u64,
    pub elapsed_ms: u64,
    pub cancelled: bool,
}

struct SourceFile {
    path: PathBuf,
    size: u64,
    mtime_ns: i64,
}

/// The `exhibit` binary to run workers from: `EXHIBIT_WORKER`, this program if it is
/// `exhibit`, else an `exhibit` beside it or one folder up (test binaries live in `deps/`).
pub fn default_worker_exe() -> PathBuf {
    if let Some(p) = std::env::var_os("EXHIBIT_WORKER") {
        return PathBuf::from(p);
    }
    let exe = std::env::current_exe().unwrap_or_else(|_| PathBuf::from("exhibit"));
    let name = format!("exhibit{}", std::env::consts::EXE_SUFFIX);
    if exe.file_name().is_some_and(|n| n == name.as_str()) {
        return exe;
    }
    let dir = exe.parent().map(Path::to_path_buf).unwrap_or_default();
    for cand in [dir.join(&name), dir.join("..").join(&name)] {
        if cand.exists() {
            return cand;
        }
    }
    PathBuf::from(name)
}

impl Matter {
    /// Ingests files, folders (recursively), archives and mailboxes for one custodian.
    pub fn ingest(
        &mut self,
        sources: &[PathBuf],
        opts: &IngestOptions,
        progress: &mut dyn FnMut(&IngestProgress),
    ) -> Result<IngestSummary> {
        let started = Instant::now();
        let custodian = opts.custodian.trim().to_string();
        let mut roots = Vec::new();
        for s in sources {
            let abs = std::fs::canonicalize(s).map_err(|e| Error::Read { path: s.clone(), source: e })?;
            roots.push(abs);
        }
        let matter_dir = std::fs::canonicalize(self.dir()).unwrap_or_else(|_| self.dir().to_path_buf());

        let batch = {
            let tx = self.db.unchecked_transaction()?;
            let sources_json = serde_json::to_string(&roots.iter().map(|r| r.display().to_string()).collect::<Vec<_>>())?;
            tx.execute(
                "INSERT INTO batch (started, custodian, sources, status) VALUES (?1, ?2, ?3, 'running')",
                params![now(), custodian, sources_json],
            )?;
            let batch = tx.last_insert_rowid();
            audit::append(&tx, "ingest.start", &serde_json::json!({ "batch": batch, "custodian": custodian, "sources": sources_json }))?;
            tx.commit()?;
            audit::publish_head(&self.db);
            batch
        };
        // Items an earlier, interrupted run stored but did not get into the index.
        self.index.catch_up(&self.db)?;

        let mut walk_errors = Vec::new();
        let files = walk(&roots, &matter_dir, &mut walk_errors);
        let mut p = IngestProgress {
            files_total: files.len() as u64,
            bytes_total: files.iter().map(|f| f.size).sum(),
            ..Default::default()
        };
        let mut summary = IngestSummary {
            batch,
            custodian: custodian.clone(),
            files_seen: files.len() as u64,
            files_skipped: 0,
            items_added: 0,
            duplicates: 0,
            errors: 0,
            items_total: 0,
            bytes: p.bytes_total,
            elapsed_ms: 0,
            cancelled: false,
        };
        if !walk_errors.is_empty() {
            let tx = self.db.unchecked_transaction()?;
            for (path, reason) in &walk_errors {
                tx.execute(
                    "INSERT INTO ingest_error (batch_id, path, stage, code, reason) VALUES (?1, ?2, 'read', 'walk_failed', ?3)",
                    params![batch, path, reason],
                )?;
            }
            audit::append(&tx, "ingest.walk_errors", &serde_json::json!({ "batch": batch, "count": walk_errors.len() }))?;
            tx.commit()?;
            audit::publish_head(&self.db);
            summary.errors += walk_errors.len() as u64;
        }

        // Skip what this custodian already has from an earlier run.
        let mut todo = Vec::new();
        {
            let _read = self.db.unchecked_transaction()?;
            let mut seen = self.db.prepare("SELECT size, mtime_ns FROM source_file WHERE custodian = ?1 AND path = ?2")?;
            for f in files {
                let key = f.path.display().to_string();
                let prev: Option<(i64, i64)> = seen.query_row(params![custodian, key], |r| Ok((r.get(0)?, r.get(1)?))).optional()?;
                if prev == Some((f.size as i64, f.mtime_ns)) {
                    summary.files_skipped += 1;
                    p.files_done += 1;
                    p.bytes_done += f.size;
                } else {
                    todo.push(f);
                }
            }
        }
        progress(&p);

        // Model-call logs are streamed by the log importers (any size), not extracted.
        let (logs, todo): (Vec<_>, Vec<_>) = todo.into_iter().partition(|f| crate::calls::may_be_log(&f.path) && crate::calls::detect(&f.path).is_some());
        let (small, large): (Vec<_>, Vec<_>) = todo.into_iter().partition(|f| f.size <= MAX_EXTRACT_BYTES);
        let mut pending: Vec<(SourceFile, Outcome)> = Vec::new();
        for f in large {
            let reason = format!(
                "file too large for text extraction ({} MB; the limit is {} MB): the original is kept",
                f.size >> 20,
                MAX_EXTRACT_BYTES >> 20
            );
            pending.push((f, Outcome::Failed(Problem::new("extract", "too_large", reason))));
        }

        let mut writer = Writer { unindexed: Vec::new(), last_index_commit: Instant::now() };
        if !small.is_empty() {
            let mut pool = Pool::start(PoolConfig {
                exe: opts.worker_exe.clone().unwrap_or_else(default_worker_exe),
                blob_dir: self.blobs.root().to_path_buf(),
                workers: opts.workers.max(1),
                timeout: opts.timeout,
            })?;
            let mut outstanding = std::collections::HashMap::new();
            for (i, f) in small.into_iter().enumerate() {
                let name = f.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                pool.submit(Job { id: i as u64, path: f.path.clone(), name });
                outstanding.insert(i as u64, f);
            }
            pool.close();
            let mut last_flush = Instant::now();
            while !outstanding.is_empty() {
                if opts.cancel.load(Ordering::Relaxed) {
                    summary.cancelled = true;
                    break;
                }
                if let Some((job, outcome)) = pool.next(Duration::from_millis(50)) {
                    if let Some(f) = outstanding.remove(&job.id) {
                        pending.push((f, outcome));
                    }
                }
                if pending.len() >= FILES_PER_TX || (!pending.is_empty() && last_flush.elapsed() >= TX_INTERVAL) {
                    self.flush(batch, &custodian, &mut pending, &mut summary, &mut p, &mut writer)?;
                    last_flush = Instant::now();
                    p.elapsed_ms = started.elapsed().as_millis() as u64;
                    progress(&p);
                }
            }
            if summary.cancelled {
                // Workers finish only the file in hand; what was not recorded is picked up by
                // the next run.
                pool.cancel();
            }
        }
        self.flush(batch, &custodian, &mut pending, &mut summary, &mut p, &mut writer)?;
        self.ingest_logs(batch, &custodian, logs, &opts.cancel, &mut summary, &mut p, progress)?;
        self.index.commit()?;
        crate::index::mark_indexed(&self.db, &writer.unindexed)?;

        summary.items_total = self.db.query_row("SELECT COUNT(*) FROM item", [], |r| r.get::<_, i64>(0))? as u64;
        summary.elapsed_ms = started.elapsed().as_millis() as u64;
        let tx = self.db.unchecked_transaction()?;
        tx.execute(
            "UPDATE batch SET finished = ?2, status = ?3, files_seen = ?4, items_added = ?5, duplicates = ?6, errors = ?7 WHERE id = ?1",
            params![
                batch,
                now(),
                if summary.cancelled { "cancelled" } else { "complete" },
                summary.files_seen as i64,
                summary.items_added as i64,
                summary.duplicates as i64,
                summary.errors as i64
            ],
        )?;
        audit::append(&tx, "ingest.finish", &serde_json::to_value(&summary)?)?;
        tx.commit()?;
        audit::publish_head(&self.db);
        p.elapsed_ms = summary.elapsed_ms;
        progress(&p);
        Ok(summary)
    }

    /// Writes finished files in one transaction and queues their items for indexing.
    fn flush(
        &mut self,
        batch: i64,
        custodian: &str,
        pending: &mut Vec<(SourceFile, Outcome)>,
        summary: &mut IngestSummary,
        p: &mut IngestProgress,
        w: &mut Writer,
    ) -> Result<()> {
        if pending.is_empty() {
            return Ok(());
        }
        std::fs::create_dir_all(self.blobs.root())?;
        self.blobs.sync()?;
        let tx = self.db.unchecked_transaction()?;
        let mut committer = Committer::new(&tx, batch, custodian)?;
        let mut touched = Vec::new();
        let mut added_log = Vec::new();
        let mut dup_log = Vec::new();
        let mut added_ids: Vec<i64> = Vec::new();
        for (f, outcome) in pending.drain(..) {
            let path = f.path.display().to_string();
            let fc: FileCommit = match outcome {
                Outcome::Done(Ok(nodes)) => committer.commit_file(&path, nodes)?,
                Outcome::Done(Err(problem)) | Outcome::Failed(problem) => match self.failed_node(&f.path, problem.clone()) {
                    Some(node) => committer.commit_failed(&path, node)?,
                    None => {
                        // Not even readable: an error record without an item.
                        tx.execute(
                            "INSERT INTO ingest_error (batch_id, path, stage, code, reason) VALUES (?1, ?2, ?3, ?4, ?5)",
                            params![batch, path, problem.stage, problem.code, problem.reason],
                        )?;
                        FileCommit { errors: 1, ..Default::default() }
                    }
                },
            };
            tx.prepare_cached(
                "INSERT OR REPLACE INTO source_file (custodian, path, size, mtime_ns, sha256, batch_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![custodian, path, f.size as i64, f.mtime_ns, fc.sha256, batch])?;
            summary.items_added += fc.added.len() as u64;
            summary.duplicates += fc.duplicates;
            summary.errors += fc.errors;
            p.items_added += fc.added.len() as u64;
            p.duplicates += fc.duplicates;
            p.errors += fc.errors;
            p.files_done += 1;
            p.bytes_done += f.size;
            if !fc.added.is_empty() {
                added_log.push(serde_json::json!({ "path": path, "first": fc.added[0], "count": fc.added.len(), "sha256": fc.sha256 }));
            }
            if fc.duplicates > 0 {
                dup_log.push(serde_json::json!({ "path": path, "items": fc.relocated }));
            }
            added_ids.extend_from_slice(&fc.added);
            touched.extend(fc.added);
            touched.extend(fc.relocated);
        }
        let items_fp = audit::Fingerprints::read(&tx, &added_ids)?.to_json();
        audit::append(
            &tx,
            "ingest.add",
            &serde_json::json!({ "batch": batch, "custodian": custodian, "added": added_log, "duplicates": dup_log, "items_fp": items_fp }),
        )?;
        tx.commit()?;
        audit::publish_head(&self.db);
        self.index.add_items(&self.db, &touched)?;
        w.unindexed.extend(touched);
        if w.last_index_commit.elapsed() >= INDEX_INTERVAL {
            self.index.commit()?;
            crate::index::mark_indexed(&self.db, &w.unindexed)?;
            w.unindexed.clear();
            w.last_index_commit = Instant::now();
        }
        Ok(())
    }

    /// Streams model-call logs into the matter (OpenAI batch input/output files are joined).
    #[allow(clippy::too_many_arguments)]
    fn ingest_logs(
        &mut self,
        batch: i64,
        custodian: &str,
        logs: Vec<SourceFile>,
        cancel: &AtomicBool,
        summary: &mut IngestSummary,
        p: &mut IngestProgress,
        progress: &mut dyn FnMut(&IngestProgress),
    ) -> Result<()> {
        if logs.is_empty() {
            return Ok(());
        }
        let paths: Vec<PathBuf> = logs.iter().map(|f| f.path.clone()).collect();
        let pairs = crate::calls::pair_batches(&paths);
        let outputs: std::collections::HashSet<&PathBuf> = pairs.iter().map(|(_, o)| o).collect();
        for f in &logs {
            if cancel.load(Ordering::Relaxed) {
                summary.cancelled = true;
                break;
            }
            let Some(format) = crate::calls::detect(&f.path) else { continue };
            let paired = pairs.iter().find(|(i, _)| *i == f.path).map(|(_, o)| o.as_path());
            // Progress inside a long log: the running totals after each transaction.
            let before = p.clone();
            let mut on_batch = |r: &crate::calls::LogImport| {
                p.items_added = before.items_added + r.added;
                p.duplicates = before.duplicates + r.duplicates;
                p.errors = before.errors + r.errors;
                progress(p);
            };
            let r = self.import_log(batch, custodian, &f.path, &format, f.mtime_ns, paired, &mut on_batch)?;
            if outputs.contains(&f.path) {
                // Joined into its input's calls; keep the output file itself as an original.
                let tx = self.db.unchecked_transaction()?;
                tx.execute(
                    "INSERT OR REPLACE INTO source_file (custodian, path, size, mtime_ns, sha256, batch_id) VALUES (?1, ?2, ?3, ?4, NULL, ?5)",
                    params![custodian, f.path.display().to_string(), f.size as i64, f.mtime_ns, batch],
                )?;
                tx.commit()?;
            }
            // import_log has indexed (and marked) everything it added or relocated.
            summary.items_added += r.added;
            summary.duplicates += r.duplicates;
            summary.errors += r.errors;
            p.items_added = before.items_added + r.added;
            p.duplicates = before.duplicates + r.duplicates;
            p.errors = before.errors + r.errors;
            p.files_done += 1;
            p.bytes_done += f.size;
            progress(p);
        }
        Ok(())
    }

    /// For a file no extractor could finish: store the original (streaming, so size does not
    /// matter) and describe it from its first bytes. `None` when the file cannot be read.
    fn failed_node(&self, path: &Path, problem: Problem) -> Option<NodeOut> {
        let (sha256, size) = self.blobs.put_file(path).ok()?;
        let mut head = vec![0u8; 4096];
        let n = std::fs::File::open(path).and_then(|mut f| f.read(&mut head)).unwrap_or(0);
        head.truncate(n);
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let (kind, mime) = detect::detect(&head, &name);
        Some(NodeOut {
            parent: None,
            container: None,
            name,
            sha256,
            size,
            kind,
            mime: mime.into(),
            meta: Meta::default(),
            text: None,
            pages: vec![],
            layout: None,
            extractor: "none".into(),
            dedupe_key: None,
            failed: true,
            problem: Some(problem),
        })
    }
}

struct Writer {
    unindexed: Vec<i64>,
    last_index_commit: Instant,
}

/// Lists regular files under the roots (not following symlinks, skipping the matter itself),
/// sorted so runs are reproducible. Unreadable folders become error entries.
fn walk(roots: &[PathBuf], skip: &Path, errors: &mut Vec<(String, String)>) -> Vec<SourceFile> {
    let mut out = Vec::new();
    for root in roots {
        for entry in walkdir::WalkDir::new(root).follow_links(false).sort_by_file_name() {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    let path = e.path().map(|p| p.display().to_string()).unwrap_or_else(|| root.display().to_string());
                    errors.push((path, format!("this folder or file could not be read: {e}")));
                    continue;
                }
            };
            if entry.path().starts_with(skip) {
                continue;
            }
            if !entry.file_type().is_file() {
                continue;
            }
            let Ok(md) = entry.metadata() else { continue };
            let mtime_ns = md
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map(|d| d.as_nanos() as i64)
                .unwrap_or(0);
            out.push(SourceFile { path: entry.path().to_path_buf(), size: md.len(), mtime_ns });
        }
    }
    out
}
