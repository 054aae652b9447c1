//! The ingest pipeline: walk the sources, extract in worker processes on all cores, and write
//! results from this one thread (the single database writer) in batched transactions.
//!
//! Resumability comes from one rule: a source file's items, locations, errors and its
//! `source_file` marker are written in the same transaction. A run killed at any moment leaves
//! each file either wholly recorded or not at all; the next run skips the recorded ones
//! (same custodian, path, size and mtime) and redoes the rest. Originals stored by a killed
//! run are content-addressed, so storing them again is a no-op.

use super::commit::{Committer, FileCommit};
use super::worker::{Job, Next, NodeOut, Outcome, Pool, PoolConfig};
use crate::error::{Error, Result};
use crate::extract::detect;
use crate::extract::names;
use crate::extract::{Meta, Problem};
use crate::store::lock::IngestLock;
use crate::store::{audit, now};
use crate::Matter;
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
/// Files handed to the pool or finished but not yet committed, at most (per worker): the
/// reorder buffer that commits files in walk order stays this small however slow one file is.
const IN_FLIGHT_PER_WORKER: usize = 128;

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
    /// Earlier batches of the same custodian and sources that a killed process left
    /// unfinished, which this one completed (their recorded files were skipped).
    pub resumed_batches: Vec<i64>,
}

pub(crate) struct SourceFile {
    pub(crate) path: PathBuf,
    /// The path as shown and stored (`extract::names::display_path`).
    pub(crate) display: String,
    /// The path's exact bytes when they are not valid UTF-8.
    pub(crate) raw: Option<Vec<u8>>,
    pub(crate) size: u64,
    pub(crate) mtime_ns: i64,
}

/// Something in an evidence folder that is not ingested as a file: an error record.
struct WalkError {
    display: String,
    raw: Option<Vec<u8>>,
    code: &'static str,
    reason: String,
}

impl WalkError {
    /// What the walk could not ingest at `path`, with its name carried losslessly.
    fn at(path: &Path, code: &'static str, reason: String) -> WalkError {
        WalkError { display: names::display_path(path), raw: names::raw_path(path), code, reason }
    }
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

/// One ingest run in progress: its batch, the ingest lock, running totals and progress, handed
/// from phase to phase by the dispatcher ([`crate::intake`]), which decides what is a document
/// and what a model log.
pub(crate) struct IngestRun {
    pub(crate) batch: i64,
    pub(crate) custodian: String,
    pub(crate) summary: IngestSummary,
    pub(crate) progress: IngestProgress,
    started: Instant,
    writer: Writer,
    /// Held until the run ends: one ingest per matter at a time.
    lock: IngestLock,
}

impl Matter {
    /// Starts an ingest for one custodian: takes the ingest lock, opens a batch (marking
    /// interrupted runs of the same sources resumed), walks the sources (sorted; what cannot be
    /// read becomes an error record) and skips files already recorded. Returns the run and the
    /// files still to read, in walk order.
    pub(crate) fn begin_ingest(
        &mut self,
        sources: &[PathBuf],
        opts: &IngestOptions,
        progress: &mut dyn FnMut(&IngestProgress),
    ) -> Result<(IngestRun, Vec<SourceFile>)> {
        let started = Instant::now();
        let custodian = opts.custodian.trim().to_string();
        let mut roots = Vec::new();
        for s in sources {
            let abs = std::fs::canonicalize(s).map_err(|e| Error::Read { path: s.clone(), source: e })?;
            roots.push(abs);
        }
        let matter_dir = std::fs::canonicalize(self.dir()).unwrap_or_else(|_| self.dir().to_path_buf());
        // One ingest per matter at a time; a batch still `running` now was left by a process
        // that died (or by an ingest of this one that failed), and is marked interrupted.
        let lock = IngestLock::acquire(self.dir())?;
        crate::store::mark_interrupted(&self.store.db)?;

        let shown_roots: Vec<String> = roots.iter().map(|r| names::display_path(r)).collect();
        let (batch, resumed_batches) = {
            let tx = self.store.db.unchecked_transaction()?;
            let sources_json = serde_json::to_string(&shown_roots)?;
            let resumes = resumable_batches(&tx, &custodian, &shown_roots)?;
            tx.execute(
                "INSERT INTO batch (started, custodian, sources, status) VALUES (?1, ?2, ?3, 'running')",
                params![now(), custodian, sources_json],
            )?;
            let batch = tx.last_insert_rowid();
            for id in &resumes {
                tx.execute("UPDATE batch SET status = 'resumed' WHERE id = ?1", [id])?;
            }
            audit::append(
                &tx,
                "ingest.start",
                &serde_json::json!({ "batch": batch, "custodian": custodian, "sources": sources_json, "resumes": resumes }),
            )?;
            tx.commit()?;
            audit::publish_head(&self.store.db);
            (batch, resumes)
        };
        // Items an earlier, interrupted run stored but did not get into the index.
        self.index.catch_up(&self.store.db)?;

        let mut walk_errors = Vec::new();
        let files = walk(&roots, &matter_dir, &mut walk_errors);
        let mut p =
            IngestProgress { files_total: files.len() as u64, bytes_total: files.iter().map(|f| f.size).sum(), ..Default::default() };
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
            resumed_batches,
        };
        if !walk_errors.is_empty() {
            let tx = self.store.db.unchecked_transaction()?;
            for e in &walk_errors {
                tx.execute(
                    "INSERT INTO ingest_error (batch_id, path, stage, code, reason, path_raw) VALUES (?1, ?2, 'read', ?3, ?4, ?5)",
                    params![batch, e.display, e.code, e.reason, e.raw],
                )?;
            }
            audit::append(&tx, "ingest.walk_errors", &serde_json::json!({ "batch": batch, "count": walk_errors.len() }))?;
            tx.commit()?;
            audit::publish_head(&self.store.db);
            summary.errors += walk_errors.len() as u64;
        }

        // Skip what this custodian already has from an earlier run.
        let mut todo = Vec::new();
        {
            let _read = self.store.db.unchecked_transaction()?;
            let mut seen = self.store.db.prepare("SELECT size, mtime_ns, path_raw FROM source_file WHERE custodian = ?1 AND path = ?2")?;
            for f in files {
                // The raw bytes take part: two names that differ only in undecodable bytes
                // are two files even if their shown paths were ever to coincide.
                let prev: Option<(i64, i64, Option<Vec<u8>>)> =
                    seen.query_row(params![custodian, f.display], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).optional()?;
                if prev == Some((f.size as i64, f.mtime_ns, f.raw.clone())) {
                    summary.files_skipped += 1;
                    p.files_done += 1;
                    p.bytes_done += f.size;
                } else {
                    todo.push(f);
                }
            }
        }
        progress(&p);

        let writer = Writer { unindexed: Vec::new(), last_index_commit: Instant::now() };
        Ok((IngestRun { batch, custodian, summary, progress: p, started, writer, lock }, todo))
    }

    /// Reads documents (every file the dispatcher did not take for a model log): extraction in
    /// the worker pool, commits in walk order in batched transactions.
    pub(crate) fn ingest_documents(
        &mut self,
        run: &mut IngestRun,
        todo: Vec<SourceFile>,
        opts: &IngestOptions,
        progress: &mut dyn FnMut(&IngestProgress),
    ) -> Result<()> {
        let IngestRun { batch, started, ref custodian, ref mut summary, progress: ref mut p, ref mut writer, .. } = *run;
        let mut pending: Vec<(SourceFile, Outcome)> = Vec::new();
        if !todo.is_empty() {
            // Files are committed in walk order, whatever order the workers finish them in:
            // item ids, and so control numbers, depend on the evidence alone. Finished files
            // wait in `done` until every file before them is in; at most `window` files are
            // handed out or waiting at a time.
            let needs_pool = todo.iter().any(|f| f.size <= MAX_EXTRACT_BYTES);
            let pool = if needs_pool {
                Some(Pool::start(PoolConfig {
                    exe: opts.worker_exe.clone().unwrap_or_else(default_worker_exe),
                    blob_dir: self.store.blobs.root().to_path_buf(),
                    workers: opts.workers.max(1),
                    timeout: opts.timeout,
                })?)
            } else {
                None
            };
            let window = opts.workers.max(1) * IN_FLIGHT_PER_WORKER;
            let mut queue = todo.into_iter().enumerate().map(|(i, f)| (i as u64, f)).peekable();
            let mut in_flight: std::collections::HashMap<u64, SourceFile> = std::collections::HashMap::new();
            let mut done: std::collections::BTreeMap<u64, (SourceFile, Outcome)> = std::collections::BTreeMap::new();
            let mut next_commit = 0u64;
            let mut last_flush = Instant::now();
            loop {
                while in_flight.len() + done.len() < window {
                    let Some((i, f)) = queue.next() else { break };
                    if f.size > MAX_EXTRACT_BYTES {
                        let reason = format!(
                            "file too large for text extraction ({} MB; the limit is {} MB): the original is kept",
                            f.size >> 20,
                            MAX_EXTRACT_BYTES >> 20
                        );
                        done.insert(i, (f, Outcome::Failed(Problem::new("extract", "too_large", reason))));
                        continue;
                    }
                    let job = Job { id: i, path: f.path.clone(), name: names::display_file_name(&f.path) };
                    if pool.as_ref().is_some_and(|pool| pool.submit(job)) {
                        in_flight.insert(i, f);
                    } else {
                        done.insert(i, (f, Outcome::Failed(pool_stopped())));
                    }
                }
                if in_flight.is_empty() && done.is_empty() && queue.peek().is_none() {
                    break;
                }
                if opts.cancel.load(Ordering::Relaxed) {
                    summary.cancelled = true;
                    break;
                }
                if !in_flight.is_empty() {
                    match pool.as_ref().map(|pool| pool.next(Duration::from_millis(50))) {
                        Some(Next::Finished(job, outcome)) => {
                            if let Some(f) = in_flight.remove(&job.id) {
                                done.insert(job.id, (f, outcome));
                            }
                        }
                        Some(Next::Waiting) => {}
                        // No pool thread is left to answer: what it held is recorded, not
                        // waited for.
                        Some(Next::Closed) | None => {
                            for (i, f) in in_flight.drain() {
                                done.insert(i, (f, Outcome::Failed(pool_stopped())));
                            }
                        }
                    }
                }
                while let Some(entry) = done.remove(&next_commit) {
                    pending.push(entry);
                    next_commit += 1;
                }
                if pending.len() >= FILES_PER_TX || (!pending.is_empty() && last_flush.elapsed() >= TX_INTERVAL) {
                    self.flush(batch, custodian, &mut pending, summary, p, writer)?;
                    last_flush = Instant::now();
                    p.elapsed_ms = started.elapsed().as_millis() as u64;
                    progress(p);
                }
            }
            if let Some(mut pool) = pool {
                if summary.cancelled {
                    // Workers finish only the file in hand; what was not recorded (including
                    // finished files behind an unfinished one) is picked up by the next run.
                    pool.cancel();
                } else {
                    pool.close();
                }
            }
        }
        self.flush(batch, custodian, &mut pending, summary, p, writer)?;
        Ok(())
    }

    /// Ends a run: commits the index, gives late arrivals their redactions, records the batch's
    /// totals (audited) and releases the ingest lock.
    pub(crate) fn finish_ingest(&mut self, run: IngestRun, progress: &mut dyn FnMut(&IngestProgress)) -> Result<IngestSummary> {
        let IngestRun { batch, mut summary, progress: mut p, started, writer, lock, .. } = run;
        self.index.commit()?;
        crate::index::mark_indexed(&self.store.db, &writer.unindexed)?;

        // Redactions follow content: late arrivals get copies and stored rules' matches.
        self.redact_arrivals(batch)?;
        summary.items_total = self.store.db.query_row("SELECT COUNT(*) FROM item", [], |r| r.get::<_, i64>(0))? as u64;
        summary.elapsed_ms = started.elapsed().as_millis() as u64;
        let tx = self.store.db.unchecked_transaction()?;
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
        audit::publish_head(&self.store.db);
        p.elapsed_ms = summary.elapsed_ms;
        progress(&p);
        drop(lock);
        Ok(summary)
    }

    /// Writes items a received production's load file describes (see [`super::received`]).
    pub(crate) fn flush_received(
        &mut self,
        run: &mut IngestRun,
        pending: &mut Vec<(SourceFile, Outcome)>,
        progress: &mut dyn FnMut(&IngestProgress),
    ) -> Result<()> {
        let IngestRun { batch, started, ref custodian, ref mut summary, progress: ref mut p, ref mut writer, .. } = *run;
        p.files_total += pending.len() as u64;
        summary.files_seen += pending.len() as u64;
        self.flush(batch, custodian, pending, summary, p, writer)?;
        p.elapsed_ms = started.elapsed().as_millis() as u64;
        progress(p);
        Ok(())
    }

    /// An error record without an item, for a file that cannot be taken at all.
    pub(crate) fn record_walk_error(&mut self, run: &mut IngestRun, path: &Path, code: &str, reason: String) -> Result<()> {
        self.store.db.execute(
            "INSERT INTO ingest_error (batch_id, path, stage, code, reason) VALUES (?1, ?2, 'read', ?3, ?4)",
            params![run.batch, names::display_path(path), code, reason],
        )?;
        run.summary.errors += 1;
        run.progress.errors += 1;
        Ok(())
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
        std::fs::create_dir_all(self.store.blobs.root())?;
        self.store.blobs.sync()?;
        let tx = self.store.db.unchecked_transaction()?;
        let mut committer = Committer::new(&tx, batch, custodian)?;
        let mut touched = Vec::new();
        let mut added_log = Vec::new();
        let mut dup_log = Vec::new();
        let mut added_ids: Vec<i64> = Vec::new();
        for (f, outcome) in pending.drain(..) {
            let path = f.display.clone();
            committer.set_raw_path(f.raw.clone());
            let fc: FileCommit = match outcome {
                Outcome::Done(Ok(mut nodes)) => {
                    if let Some(root) = nodes.first_mut() {
                        root.raw_name = raw_file_name(&f.path);
                    }
                    committer.commit_file(&path, nodes)?
                }
                Outcome::Done(Err(problem)) | Outcome::Failed(problem) => match self.failed_node(&f.path, problem.clone()) {
                    Some(node) => committer.commit_failed(&path, node)?,
                    None => {
                        // Not even readable: an error record without an item.
                        tx.execute(
                            "INSERT INTO ingest_error (batch_id, path, stage, code, reason, path_raw) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                            params![batch, path, problem.stage, problem.code, problem.reason, f.raw],
                        )?;
                        FileCommit { errors: 1, ..Default::default() }
                    }
                },
            };
            tx.prepare_cached(
                "INSERT OR REPLACE INTO source_file (custodian, path, size, mtime_ns, sha256, batch_id, path_raw) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![custodian, path, f.size as i64, f.mtime_ns, fc.sha256, batch, f.raw])?;
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
        audit::publish_head(&self.store.db);
        self.index.add_items(&self.store.db, &touched)?;
        w.unindexed.extend(touched);
        if w.last_index_commit.elapsed() >= INDEX_INTERVAL {
            self.index.commit()?;
            crate::index::mark_indexed(&self.store.db, &w.unindexed)?;
            w.unindexed.clear();
            w.last_index_commit = Instant::now();
        }
        Ok(())
    }

    /// For a file no extractor could finish: store the original (streaming, so size does not
    /// matter) and describe it from its first bytes. `None` when the file cannot be read.
    fn failed_node(&self, path: &Path, problem: Problem) -> Option<NodeOut> {
        let (sha256, size) = self.store.blobs.put_file(path).ok()?;
        let mut head = vec![0u8; 4096];
        let n = std::fs::File::open(path).and_then(|mut f| f.read(&mut head)).unwrap_or(0);
        head.truncate(n);
        let name = names::display_file_name(path);
        let (kind, mime) = detect::detect(&head, &name);
        Some(NodeOut {
            parent: None,
            container: None,
            name,
            raw_name: raw_file_name(path),
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

/// The exact bytes of a path's file name, when they are not valid UTF-8.
fn raw_file_name(path: &Path) -> Option<Vec<u8>> {
    path.file_name().and_then(|n| names::raw_path(Path::new(n)))
}

/// The problem recorded for a file no pool thread was left to read.
fn pool_stopped() -> Problem {
    Problem::new(
        "extract",
        "pool_failed",
        "Exhibit's extraction pool stopped before this file was read; the original is kept. Re-run the ingest to try it again",
    )
}

/// Interrupted batches of `custodian` whose every source lies within this run's `roots`: this
/// run completes them (their recorded files are skipped as already ingested).
fn resumable_batches(db: &rusqlite::Connection, custodian: &str, roots: &[String]) -> Result<Vec<i64>> {
    let mut stmt = db.prepare("SELECT id, sources FROM batch WHERE status = 'interrupted' AND custodian = ?1 ORDER BY id")?;
    let rows: Vec<(i64, Vec<String>)> = stmt
        .query_map([custodian], |r| Ok((r.get(0)?, crate::store::json::column(r, 1, "batch source list")?)))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows
        .into_iter()
        .filter(|(_, sources)| !sources.is_empty() && sources.iter().all(|s| roots.iter().any(|r| Path::new(s).starts_with(r))))
        .map(|(id, _)| id)
        .collect())
}

/// Lists regular files under the roots (not following symlinks, skipping the matter itself),
/// sorted so runs are reproducible. Whatever is not ingested as a file is an error record,
/// never skipped in silence: unreadable folders, symbolic links (not followed: a link can lead
/// out of the evidence folder, and its target, if inside, is ingested under its own path),
/// devices, sockets and pipes (reading a pipe would wait forever).
fn walk(roots: &[PathBuf], skip: &Path, errors: &mut Vec<WalkError>) -> Vec<SourceFile> {
    let mut out = Vec::new();
    for root in roots {
        for entry in walkdir::WalkDir::new(root).follow_links(false).sort_by_file_name() {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    let path = e.path().unwrap_or(root);
                    errors.push(WalkError::at(path, "walk_failed", format!("this folder or file could not be read: {e}")));
                    continue;
                }
            };
            let path = entry.path();
            if path.starts_with(skip) {
                continue;
            }
            let ft = entry.file_type();
            if ft.is_dir() {
                continue;
            }
            if ft.is_symlink() {
                errors.push(WalkError::at(path, "symlink_not_followed", symlink_reason(path, roots)));
                continue;
            }
            if !ft.is_file() {
                errors.push(WalkError::at(
                    path,
                    "not_a_file",
                    "not a regular file (a device, socket or pipe): it holds no document and was not read".into(),
                ));
                continue;
            }
            let md = match entry.metadata() {
                Ok(md) => md,
                Err(e) => {
                    errors.push(WalkError::at(path, "walk_failed", format!("this file could not be examined: {e}")));
                    continue;
                }
            };
            let mtime_ns =
                md.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok()).map(|d| d.as_nanos() as i64).unwrap_or(0);
            out.push(SourceFile {
                path: path.to_path_buf(),
                display: names::display_path(path),
                raw: names::raw_path(path),
                size: md.len(),
                mtime_ns,
            });
        }
    }
    out
}

/// Why a symbolic link was not followed, naming its target.
fn symlink_reason(link: &Path, roots: &[PathBuf]) -> String {
    let target = std::fs::read_link(link).map(|t| names::display_path(&t)).unwrap_or_else(|_| "an unreadable target".into());
    match std::fs::canonicalize(link) {
        Ok(real) if roots.iter().any(|r| real.starts_with(r)) => format!(
            "symbolic link to {target}, not followed: the file it points to is inside the evidence folder and is ingested under its own path"
        ),
        Ok(_) => format!(
            "symbolic link to {target}, not followed: it points outside the evidence folder; ingest its target itself if that is evidence"
        ),
        Err(_) => format!("symbolic link to {target}, not followed: its target does not exist"),
    }
}
