//! Importing one model-log file: the writer that stores prepared calls in audited
//! transactions, feeds the search index from what it wrote and checkpoints the WAL; what a log
//! is (`may_be_log`, `detect`, `pair_batches`).

use super::known_roots::KnownRoots;
use super::prepare::{parse_log, Parsed, Prepared, StopReader, CHUNKS_IN_FLIGHT};
use crate::error::{Error, Result};
use crate::extract::detect::Kind;
use crate::extract::{Meta, Problem};
use crate::index::IndexDoc;
use crate::ingest::commit::{Committer, FileCommit};
use crate::ingest::pipeline::{IngestRun, SourceFile};
use crate::ingest::worker::NodeOut;
use crate::ingest::IngestProgress;
use crate::modellogs::{self, Format};
use crate::store::audit;
use crate::store::blobs::sha256_hex;
use crate::store::call_record::{StoredRecord, Unpacker};
use crate::Matter;
use rusqlite::params;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, SyncSender};

/// Calls written per transaction while streaming a log. Each transaction rewrites, whole, every
/// page its scattered index inserts touch, so larger ones write less per call (10,000 instead
/// of 2,000 wrote 18% less on 195k calls), but much larger ones made the writer and the index
/// take turns instead of overlapping: at a million calls 5,000 ran at 13.4k calls/s, 10,000 at
/// 11.0k, 2,000 at 11.5k.
pub(super) const CALLS_PER_TX: usize = 5_000;

/// Extensions worth sniffing for a model-log format.
pub fn may_be_log(path: &Path) -> bool {
    let ext = crate::extract::detect::extension(&path.to_string_lossy());
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
#[derive(Debug, Default, Clone)]
pub struct LogImport {
    /// New items: the log (unless it was already in the matter) and its new calls.
    pub added: u64,
    /// Family roots that were already in the matter (they gained a location).
    pub duplicates: u64,
    /// Error records (malformed lines, an importer failure).
    pub errors: u64,
    /// Calls read from the log, new or not.
    pub calls: u64,
}

/// New items after which the search index commits and their `index_pending` ranges are
/// cleared, so a crash costs at most this many items re-indexed (by the next ingest's
/// catch-up).
pub(super) const INDEX_COMMIT_EVERY: usize = 250_000;

/// Pages the write-ahead log may reach during an import before the writer checkpoints it
/// itself (256 MiB): the checkpointing thread normally keeps it far smaller, and a limit close
/// to one transaction's size made the writer stall in checkpoints of its own.
pub(super) const WAL_SAFETY_PAGES: i64 = 65_536;

/// The checkpointing thread: after each transaction of an import, copies the write-ahead log
/// into the database from a connection of its own (a passive checkpoint never blocks the
/// writer), work SQLite would otherwise do inside the writer's commit. Failures are left to
/// the writer's own automatic checkpoint.
pub(super) fn checkpoint_on_wake(db: &Path, wakes: Receiver<()>) {
    let Ok(conn) = rusqlite::Connection::open(db) else { return };
    let _ = conn.busy_timeout(std::time::Duration::from_secs(5));
    for () in wakes {
        let _ = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
    }
}

/// The log being written: where its calls go and what has been done so far.
pub(super) struct LogWriter<'a> {
    batch: i64,
    custodian: &'a str,
    display: String,
    format: &'static str,
    container: i64,
    /// The resume marker's fields.
    size: u64,
    mtime_ns: i64,
    sha256: String,
    done: LogImport,
    /// Items queued in the index since its last commit: marked indexed after the next one.
    unmarked: Vec<i64>,
    /// New calls queued since the last index commit: stored flagged, their ranges pending.
    pending: usize,
    /// A large log's deduplication, in memory while `item_sha_root` is dropped.
    roots: Option<KnownRoots>,
}

/// Logs from this size on are deduplicated in memory, without the hash index (see
/// [`known_roots`]); smaller ones, whose few random index writes cost less than reading every
/// hash and sorting the index again, use the index.
pub(super) const BULK_LOG_BYTES: u64 = 64 << 20;

#[cfg(test)]
thread_local! {
    /// Tests take the large-log path on small logs.
    pub(super) static FORCE_BULK: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

pub(super) fn bulk(log_bytes: u64) -> bool {
    #[cfg(test)]
    if FORCE_BULK.with(|f| f.get()) {
        return true;
    }
    log_bytes >= BULK_LOG_BYTES
}

impl Matter {
    /// Imports one model-log file (already recognized as `format`) for `custodian`. The file's
    /// resume marker is written with the last batch of its calls, and every item it adds is
    /// indexed (and marked so) before it returns. `on_batch` sees the running totals after each
    /// transaction.
    ///
    /// Two threads: one parses the log and prepares each call (serializing and hashing its
    /// record, building its text and metadata); this one, the matter's single writer, stores
    /// them in transactions of `CALLS_PER_TX` and feeds the search index from the values it
    /// wrote. A bounded channel between them keeps memory flat however large the log.
    ///
    /// A log of `BULK_LOG_BYTES` or more is deduplicated against hashes held in memory, with
    /// the database's hash index dropped while it imports and built again at the end
    /// ([`known_roots`]).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn import_log(
        &mut self,
        batch: i64,
        custodian: &str,
        path: &Path,
        format: &Format,
        mtime_ns: i64,
        paired_output: Option<&Path>,
        on_batch: &mut dyn FnMut(&LogImport),
    ) -> Result<LogImport> {
        let display = crate::extract::names::display_path(path);
        let (sha, size) = self.store.blobs.put_file(path)?;
        if let Some(out) = paired_output {
            self.store.blobs.put_file(out)?;
        }
        self.store.blobs.sync()?;
        let mut w = LogWriter {
            batch,
            custodian,
            display,
            format: format.name(),
            container: 0,
            size,
            mtime_ns,
            sha256: sha,
            done: LogImport::default(),
            unmarked: Vec::new(),
            pending: 0,
            roots: None,
        };
        self.store_log_item(&mut w, path)?;
        let legacy = self.has_legacy_calls()?;
        let open = |p: &Path| std::fs::File::open(p).map_err(|e| Error::Read { path: p.to_path_buf(), source: e });
        let file = open(path)?;
        let out_file = paired_output.map(open).transpose()?;
        let stop = AtomicBool::new(false);
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Parsed>>(CHUNKS_IN_FLIGHT);
        let (wake, wakes) = std::sync::mpsc::sync_channel::<()>(1);
        let db_path = self.db_path();
        let autocheckpoint: i64 = self.store.db.query_row("PRAGMA wal_autocheckpoint", [], |r| r.get(0))?;
        self.store.db.pragma_update(None, "wal_autocheckpoint", WAL_SAFETY_PAGES)?;
        if bulk(size) {
            // (Re-created first should an earlier large import in this session have failed
            // to rebuild it.)
            self.store.db.execute_batch(crate::store::schema::SHA_ROOT_INDEX)?;
            w.roots = Some(KnownRoots::load(&self.store.db)?);
            self.store.db.execute_batch("DROP INDEX IF EXISTS item_sha_root")?;
        }
        let written = std::thread::scope(|s| {
            let stop = &stop;
            let parser = std::thread::Builder::new().name("exhibit-parse".into()).spawn_scoped(s, move || {
                let reader = std::io::BufReader::with_capacity(1 << 20, StopReader { inner: file, stop });
                let out_reader = out_file.map(|f| std::io::BufReader::new(StopReader { inner: f, stop }));
                parse_log(reader, out_reader, format, legacy, stop, tx)
            })?;
            std::thread::Builder::new().name("exhibit-ckpt".into()).spawn_scoped(s, move || checkpoint_on_wake(&db_path, wakes))?;
            let written = self.write_calls(&mut w, rx.into_iter().flatten(), &wake, on_batch);
            stop.store(true, Ordering::Relaxed);
            drop(wake);
            // The parser contains the importers' panics; this would be one outside them.
            let joined = parser.join().map_err(|_| Error::Internal("the model-log reader thread failed".into()));
            written.and(joined)
        });
        self.store.db.pragma_update(None, "wal_autocheckpoint", autocheckpoint)?;
        if w.roots.is_some() {
            // Built again, sorted, whether or not the import got to the end.
            self.store.db.execute_batch(crate::store::schema::SHA_ROOT_INDEX)?;
        }
        written?;
        Ok(w.done)
    }

    /// Stores the log itself as a `model_log` item (the container of its calls).
    pub(super) fn store_log_item(&mut self, w: &mut LogWriter, path: &Path) -> Result<()> {
        let tx = self.store.db.unchecked_transaction()?;
        let mut c = Committer::new(&tx, w.batch, w.custodian)?;
        let node = NodeOut {
            parent: None,
            container: None,
            name: crate::extract::names::display_file_name(path),
            raw_name: path.file_name().and_then(|n| crate::extract::names::raw_path(Path::new(n))),
            sha256: w.sha256.clone(),
            size: w.size,
            kind: Kind::ModelLog,
            mime: "application/json".into(),
            meta: Meta { extra: [("format".to_string(), w.format.to_string())].into_iter().collect(), ..Default::default() },
            text: None,
            pages: vec![],
            layout: None,
            extractor: format!("modellogs:{}", w.format),
            dedupe_key: None,
            failed: false,
            problem: None,
        };
        let mut fc = FileCommit::default();
        let (id, existed) = c.commit_root(&node, &w.display, None, &mut fc)?;
        drop(c);
        let items_fp = audit::Fingerprints::read(&tx, if existed { &[][..] } else { std::slice::from_ref(&id) })?.to_json();
        audit::append(
            &tx,
            "ingest.log",
            &serde_json::json!({ "batch": w.batch, "log": w.display, "format": w.format, "item": id, "new": !existed, "sha256": w.sha256,
                                 "items_fp": items_fp }),
        )?;
        tx.commit()?;
        audit::publish_head(&self.store.db);
        if existed {
            w.done.duplicates += 1;
        } else {
            w.done.added += 1;
        }
        w.container = id;
        // One document: read back from the database like any re-indexed item.
        self.index.add_items(&self.store.db, &[id])?;
        w.unmarked.push(id);
        Ok(())
    }

    /// The writer's side: stores what the parsing thread sends, `CALLS_PER_TX` records per
    /// transaction, the last one with the resume marker. Returns at the end of the log.
    pub(super) fn write_calls(
        &mut self,
        w: &mut LogWriter,
        mut items: impl Iterator<Item = Parsed>,
        checkpointer: &SyncSender<()>,
        on_batch: &mut dyn FnMut(&LogImport),
    ) -> Result<()> {
        loop {
            let last = self.write_call_batch(w, &mut items)?;
            // Copy the log into the database off this thread (a full wake-up queue means a
            // checkpoint is due anyway).
            let _ = checkpointer.try_send(());
            on_batch(&w.done);
            if last {
                return Ok(());
            }
        }
    }

    /// One transaction of up to `CALLS_PER_TX` records, written as they arrive: items,
    /// locations, text, `model_call` rows and error records, audited together, with the resume
    /// marker when the log ends in it (then returns true). After the commit, the calls' index
    /// documents are queued from the values just written; the index commits (and the items
    /// are marked indexed) every `INDEX_COMMIT_EVERY` items and at the end of the log.
    pub(super) fn write_call_batch(&mut self, w: &mut LogWriter, items: &mut impl Iterator<Item = Parsed>) -> Result<bool> {
        let tx = self.store.db.unchecked_transaction()?;
        let mut c = Committer::new(&tx, w.batch, w.custodian)?.store_indexed().texts_elsewhere();
        let mut fc = FileCommit::default();
        let mut docs: Vec<IndexDoc> = Vec::with_capacity(CALLS_PER_TX);
        let mut fps = audit::Fingerprints::default();
        let mut last = true;
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO model_call (item_id, log_id, line, ts, account, api_key_id, user, ip, model,
                   prompt_tokens, completion_tokens, call_json) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            )?;
            let mut n = 0;
            for p in items.by_ref() {
                n += 1;
                match p {
                    Parsed::Call(p) => {
                        let Prepared { node, call, call_json, text_fp, legacy_sha } = *p;
                        w.done.calls += 1;
                        let at = format!("{}#{}", w.display, node.name);
                        let (id, existed) = match &mut w.roots {
                            None => {
                                let existing = match root_by_sha(&tx, &node.sha256)? {
                                    Some(id) => Some(id),
                                    None => legacy_sha.as_deref().map(|s| legacy_call(&tx, s)).transpose()?.flatten(),
                                };
                                c.commit_root_known(&node, &at, Some(w.container), existing, &mut fc)?
                            }
                            Some(roots) => {
                                let existing = match roots.get(&node.sha256)? {
                                    Some(id) => Some(id),
                                    None => legacy_sha.as_deref().map(|s| roots.get(s)).transpose()?.flatten(),
                                };
                                let (id, existed) = c.commit_root_known(&node, &at, Some(w.container), existing, &mut fc)?;
                                roots.insert(&node.sha256, id)?;
                                (id, existed)
                            }
                        };
                        if !existed {
                            fps.push(id, &node.sha256, &text_fp);
                            insert.execute(params![
                                id,
                                w.container,
                                call.source_line.map(|l| l as i64),
                                call.ts,
                                call.account,
                                call.api_key_id,
                                call.user,
                                call.ip,
                                call.model,
                                call.prompt_tokens.map(|t| t as i64),
                                call.completion_tokens.map(|t| t as i64),
                                call_json,
                            ])?;
                            docs.push(node.index_doc(id, c.control(id), w.custodian));
                        }
                    }
                    Parsed::Bad(e) => {
                        let p = Problem::new("import", "model_log_line", format!("line {}: {}", e.line, e.reason));
                        c.record_item_problem(&p, w.container, &w.display, &mut fc)?;
                    }
                    Parsed::Failed(e) => return Err(e),
                }
                if n >= CALLS_PER_TX {
                    last = false;
                    break;
                }
            }
        }
        if last {
            tx.execute(
                "INSERT OR REPLACE INTO source_file (custodian, path, size, mtime_ns, sha256, batch_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![w.custodian, w.display, w.size as i64, w.mtime_ns, w.sha256, w.batch],
            )?;
        }
        let added: Vec<i64> = docs.iter().map(|d| d.id).collect();
        crate::index::mark_pending(&tx, &added)?;
        audit::append(
            &tx,
            "ingest.calls",
            &serde_json::json!({ "batch": w.batch, "log": w.display, "format": w.format, "added": crate::store::audit::id_ranges(&added),
                                 "items_fp": fps.to_json() }),
        )?;
        drop(c);
        tx.commit()?;
        audit::publish_head(&self.store.db);
        w.done.added += added.len() as u64;
        w.done.duplicates += fc.duplicates;
        w.done.errors += fc.errors;
        // Only now that the rows are committed may their documents reach the index.
        self.index.add_new(&docs)?;
        drop(docs);
        // Items that gained a location have other custodians now: rebuilt from the database.
        self.index.add_items(&self.store.db, &fc.relocated)?;
        w.pending += added.len();
        w.unmarked.extend(fc.relocated);
        if last || w.pending + w.unmarked.len() >= INDEX_COMMIT_EVERY {
            self.index.commit()?;
            crate::index::mark_indexed(&self.store.db, &w.unmarked)?;
            crate::index::clear_pending(&self.store.db)?;
            w.unmarked.clear();
            w.pending = 0;
        }
        Ok(last)
    }

    /// Whether the matter holds calls imported before whole-call identities, whose item hash is
    /// that of their record as logged ([`identity`]). Such calls all come before any other, so
    /// the first one tells.
    pub(super) fn has_legacy_calls(&self) -> Result<bool> {
        use rusqlite::OptionalExtension;
        let first: Option<(String, StoredRecord)> = self
            .store
            .db
            .query_row(
                "SELECT i.sha256, c.call_json FROM model_call c JOIN item i ON i.id = c.item_id ORDER BY c.item_id LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let Some((sha, stored)) = first else { return Ok(false) };
        let call = Unpacker::new().call(stored)?;
        Ok(sha256_hex(&serde_json::to_vec(&call.raw)?) == sha)
    }
}

impl Matter {
    /// Streams the model-call logs the dispatcher ([`crate::intake`]) found, each with the
    /// format it detected, into the run's batch (OpenAI batch input/output files are joined).
    pub(crate) fn import_logs(
        &mut self,
        run: &mut IngestRun,
        logs: Vec<(SourceFile, Format)>,
        cancel: &AtomicBool,
        progress: &mut dyn FnMut(&IngestProgress),
    ) -> Result<()> {
        let IngestRun { batch, ref custodian, ref mut summary, progress: ref mut p, .. } = *run;
        if logs.is_empty() {
            return Ok(());
        }
        let paths: Vec<PathBuf> = logs.iter().map(|(f, _)| f.path.clone()).collect();
        let pairs = pair_batches(&paths);
        let outputs: std::collections::HashSet<&PathBuf> = pairs.iter().map(|(_, o)| o).collect();
        for (f, format) in &logs {
            if cancel.load(Ordering::Relaxed) {
                summary.cancelled = true;
                break;
            }
            let paired = pairs.iter().find(|(i, _)| *i == f.path).map(|(_, o)| o.as_path());
            // Progress inside a long log: the running totals after each transaction.
            let before = p.clone();
            let mut on_batch = |r: &LogImport| {
                p.items_added = before.items_added + r.added;
                p.duplicates = before.duplicates + r.duplicates;
                p.errors = before.errors + r.errors;
                progress(p);
            };
            let r = self.import_log(batch, custodian, &f.path, format, f.mtime_ns, paired, &mut on_batch)?;
            if outputs.contains(&f.path) {
                // Joined into its input's calls; keep the output file itself as an original.
                let tx = self.store.db.unchecked_transaction()?;
                tx.execute(
                    "INSERT OR REPLACE INTO source_file (custodian, path, size, mtime_ns, sha256, batch_id, path_raw) VALUES (?1, ?2, ?3, ?4, NULL, ?5, ?6)",
                    params![custodian, f.display, f.size as i64, f.mtime_ns, batch, f.raw],
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
}

/// The family root with this hash, if any (what `Committer::commit_root` finds for an item with
/// no other duplicate key, which calls do not have).
pub(super) fn root_by_sha(tx: &rusqlite::Transaction, sha256: &str) -> Result<Option<i64>> {
    use rusqlite::OptionalExtension;
    Ok(tx
        .prepare_cached("SELECT id FROM item WHERE sha256 = ?1 AND parent_id IS NULL ORDER BY id LIMIT 1")?
        .query_row([sha256], |r| r.get(0))
        .optional()?)
}

/// The call imported before whole-call identities whose record as logged hashes to `sha256`.
pub(super) fn legacy_call(tx: &rusqlite::Transaction, sha256: &str) -> Result<Option<i64>> {
    use rusqlite::OptionalExtension;
    Ok(tx
        .prepare_cached("SELECT id FROM item WHERE sha256 = ?1 AND parent_id IS NULL AND kind = 'model_call' ORDER BY id LIMIT 1")?
        .query_row([sha256], |r| r.get(0))
        .optional()?)
}

/// OpenAI batch input/output files among `paths`, paired on the custom_ids they share.
pub fn pair_batches(paths: &[PathBuf]) -> Vec<(PathBuf, PathBuf)> {
    modellogs::detect::pair_batch_files(paths)
}
