//! Model calls in the matter: AI-model API logs imported as `model_call` items, analyzed for
//! distillation, and turned into evidence.
//!
//! A log file is kept as an original (a `model_log` item); each call in it becomes an item of
//! its own whose text is the prompt and the completion (searchable, taggable, redactable), with
//! account, key, user, ip, model and token fields queryable (`account:`, `model:`, `date:`).
//! The call's record as logged is kept verbatim in `model_call.call_json` (compressed: see
//! [`crate::store::call_record`]); its SHA-256 is the item's hash, so `verify` can prove it unchanged. Logs are
//! streamed, never loaded whole.

mod known_roots;

use crate::error::{Error, Result};
use crate::extract::detect::Kind;
use crate::extract::{Meta, Problem};
use crate::index::IndexDoc;
use crate::ingest::commit::{Committer, FileCommit};
use crate::ingest::worker::NodeOut;
use crate::modellogs::{self, AnalyzeOptions, CallSummary, Format, GroupBy, ModelCall, Report};
use crate::store::audit;
use crate::store::blobs::sha256_hex;
use crate::Matter;
use rusqlite::params;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, SyncSender};

use crate::store::call_identity as identity;
use crate::store::call_record::{Packer, StoredRecord, Unpacker};
use known_roots::KnownRoots;

/// Calls written per transaction while streaming a log. Each transaction rewrites, whole, every
/// page its scattered index inserts touch, so larger ones write less per call (10,000 instead
/// of 2,000 wrote 18% less on 195k calls), but much larger ones made the writer and the index
/// take turns instead of overlapping: at a million calls 5,000 ran at 13.4k calls/s, 10,000 at
/// 11.0k, 2,000 at 11.5k.
const CALLS_PER_TX: usize = 5_000;

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

/// A call made ready for the database on the parsing thread: its item, the record as stored in
/// `model_call.call_json` (compressed), and the call's fields (its `raw` record already moved
/// into both).
struct Prepared {
    node: NodeOut,
    call: ModelCall,
    call_json: Vec<u8>,
    /// The text half of the item's audit fingerprint ([`audit::Fingerprints`]), hashed here
    /// rather than on the writer thread.
    text_fp: String,
    /// The hash a matter imported before whole-call identities gave this call (its record as
    /// logged), looked for when the identity finds nothing; only while importing into such a
    /// matter.
    legacy_sha: Option<String>,
}

/// What the parsing thread hands the writer, in file order.
enum Parsed {
    Call(Box<Prepared>),
    /// A record that could not be read (or the importer's failure): an error record.
    Bad(modellogs::LineError),
    /// Preparing a call failed in a way that must stop the import.
    Failed(Error),
}

/// Calls sent from the parsing thread to the writer at a time.
const CHUNK: usize = 256;
/// Chunks that may wait between the threads: enough to keep the writer busy, small enough that
/// memory does not depend on the log's size.
const CHUNKS_IN_FLIGHT: usize = 8;
/// New items after which the search index commits and their `index_pending` ranges are
/// cleared, so a crash costs at most this many items re-indexed (by the next ingest's
/// catch-up).
const INDEX_COMMIT_EVERY: usize = 250_000;

/// The item of one call. `raw` is the call's record as logged, serialized once; the item's hash
/// is the call's identity ([`identity`]), which covers it and the whole call.
fn call_node(c: &ModelCall, raw: &[u8]) -> NodeOut {
    let prompt = c.prompt_text();
    let text = match c.completion.as_deref() {
        None | Some("") => prompt,
        Some(completion) => format!("{prompt}\n\n[completion]\n{completion}"),
    };
    let title: String = c.last_user_text().split_whitespace().collect::<Vec<_>>().join(" ").chars().take(120).collect();
    // The identifying fields (account, key, user, ip, model, request and conversation ids) as
    // the canonical record names them; `ts` is the item's date already.
    let mut extra: std::collections::BTreeMap<String, String> =
        c.identity().into_iter().filter(|(k, _)| *k != "ts").filter_map(|(k, v)| v.map(|v| (k.to_string(), v.to_string()))).collect();
    if let Some(f) = c.source_format() {
        extra.insert("source_format".into(), f.to_string());
    }
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
    if let Some(cost) = c.cost {
        extra.insert("cost_usd".into(), cost.to_string());
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
        raw_name: None,
        sha256: identity::call_sha256(c, raw),
        size: raw.len() as u64,
        kind: Kind::ModelCall,
        mime: "application/json".into(),
        meta: Meta {
            title: (!title.is_empty()).then_some(title),
            author: c.account.clone(),
            date: c.ts.clone(),
            extra,
            ..Default::default()
        },
        text: Some(text),
        pages: vec![],
        layout: None,
        extractor: format!("modellogs:{}", c.format),
        dedupe_key: None,
        failed: false,
        problem: None,
    }
}

/// `serde_json::to_string` of a call whose `raw` has been taken out (is `Null`), with `raw`
/// (that record, serialized) put back: the same text as serializing the whole call, without
/// serializing the record twice.
fn call_json(call: &ModelCall, raw: &[u8]) -> Result<String> {
    let head = serde_json::to_string(call)?;
    // `raw` is the struct's last field; anything else means the struct changed under us.
    let Some(head) = head.strip_suffix("null}").filter(|h| h.ends_with("\"raw\":")) else {
        return Err(Error::Invalid("internal: a model call no longer serializes with `raw` last".into()));
    };
    let raw = std::str::from_utf8(raw).map_err(|e| Error::Invalid(format!("internal: a serialized record is not UTF-8: {e}")))?;
    let mut out = String::with_capacity(head.len() + raw.len() + 1);
    out.push_str(head);
    out.push_str(raw);
    out.push('}');
    Ok(out)
}

/// Everything the database needs for one call, computed off the writer thread: the record is
/// serialized once, hashed for the item and spliced into `call_json`, which is compressed
/// with the item's text (see [`crate::store::call_record`]).
fn prepare(mut call: ModelCall, packer: &mut Packer, legacy: bool) -> Result<Prepared> {
    let raw = std::mem::take(&mut call.raw);
    let raw = serde_json::to_vec(&raw)?;
    let node = call_node(&call, &raw);
    let call_json = packer.pack(node.text.as_deref().unwrap_or(""), &call_json(&call, &raw)?)?;
    let text_fp = audit::text_fp(node.text.as_deref());
    let legacy_sha = legacy.then(|| sha256_hex(&raw));
    Ok(Prepared { node, call, call_json, text_fp, legacy_sha })
}

/// A reader that reports the end of the file once `stop` is set, so the parsing thread stops
/// reading soon after the writer gave up.
struct StopReader<'a, R> {
    inner: R,
    stop: &'a AtomicBool,
}

impl<R: std::io::Read> std::io::Read for StopReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.stop.load(Ordering::Relaxed) {
            return Ok(0);
        }
        self.inner.read(buf)
    }
}

/// The parsing thread: runs the importer over the log and sends prepared calls in chunks, in
/// file order. Importers parse untrusted input: a panic is contained and reported as an error
/// record after the calls read before it.
fn parse_log(
    reader: impl std::io::BufRead,
    paired_output: Option<impl std::io::BufRead>,
    format: &Format,
    legacy: bool,
    stop: &AtomicBool,
    out: SyncSender<Vec<Parsed>>,
) {
    let mut chunk: Vec<Parsed> = Vec::with_capacity(CHUNK);
    let mut packer = Packer::default();
    let panicked = {
        let mut cb = |r: std::result::Result<ModelCall, modellogs::LineError>| {
            if stop.load(Ordering::Relaxed) {
                return;
            }
            chunk.push(match r.map(|c| prepare(c, &mut packer, legacy)) {
                Ok(Ok(p)) => Parsed::Call(Box::new(p)),
                Ok(Err(e)) => Parsed::Failed(e),
                Err(e) => Parsed::Bad(e),
            });
            if chunk.len() >= CHUNK && out.send(std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK))).is_err() {
                // The writer has stopped.
                stop.store(true, Ordering::Relaxed);
            }
        };
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match paired_output {
            Some(o) => modellogs::import_batch(reader, o, &mut cb),
            None => modellogs::import_stream(reader, format, &mut cb),
        }))
        .is_err()
    };
    if panicked {
        chunk.push(Parsed::Bad(modellogs::LineError {
            line: 0,
            reason: "the importer failed on this file's structure; the calls read before that point were kept".into(),
        }));
    }
    let _ = out.send(chunk);
}

/// Pages the write-ahead log may reach during an import before the writer checkpoints it
/// itself (256 MiB): the checkpointing thread normally keeps it far smaller, and a limit close
/// to one transaction's size made the writer stall in checkpoints of its own.
const WAL_SAFETY_PAGES: i64 = 65_536;

/// The checkpointing thread: after each transaction of an import, copies the write-ahead log
/// into the database from a connection of its own (a passive checkpoint never blocks the
/// writer), work SQLite would otherwise do inside the writer's commit. Failures are left to
/// the writer's own automatic checkpoint.
fn checkpoint_on_wake(db: &Path, wakes: Receiver<()>) {
    let Ok(conn) = rusqlite::Connection::open(db) else { return };
    let _ = conn.busy_timeout(std::time::Duration::from_secs(5));
    for () in wakes {
        let _ = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
    }
}

/// The log being written: where its calls go and what has been done so far.
struct LogWriter<'a> {
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
const BULK_LOG_BYTES: u64 = 64 << 20;

#[cfg(test)]
thread_local! {
    /// Tests take the large-log path on small logs.
    static FORCE_BULK: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

fn bulk(log_bytes: u64) -> bool {
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
            let joined = parser.join().map_err(|_| Error::Invalid("the model-log reader thread failed".into()));
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
    fn store_log_item(&mut self, w: &mut LogWriter, path: &Path) -> Result<()> {
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
    fn write_calls(
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
    fn write_call_batch(&mut self, w: &mut LogWriter, items: &mut impl Iterator<Item = Parsed>) -> Result<bool> {
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
    fn has_legacy_calls(&self) -> Result<bool> {
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

    /// Every model call as an analysis summary (id = item id).
    pub fn call_summaries(&self) -> Result<Vec<CallSummary>> {
        self.map_calls(|id, call| CallSummary::from_call(call, id))
    }

    /// `f` over every stored call (with its item id), in item order. Rows are read here a
    /// chunk at a time; decompressing and parsing them, most of an analysis's time, runs on
    /// every core.
    fn map_calls<T: Send>(&self, f: impl Fn(u64, &ModelCall) -> T + Sync) -> Result<Vec<T>> {
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
                    Error::Invalid(format!("{} line {}: not JSON ({e}); expected {{\"prompt\", \"output\"}}", path.display(), n + 1))
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

/// The family root with this hash, if any (what `Committer::commit_root` finds for an item with
/// no other duplicate key, which calls do not have).
fn root_by_sha(tx: &rusqlite::Transaction, sha256: &str) -> Result<Option<i64>> {
    use rusqlite::OptionalExtension;
    Ok(tx
        .prepare_cached("SELECT id FROM item WHERE sha256 = ?1 AND parent_id IS NULL ORDER BY id LIMIT 1")?
        .query_row([sha256], |r| r.get(0))
        .optional()?)
}

/// The call imported before whole-call identities whose record as logged hashes to `sha256`.
fn legacy_call(tx: &rusqlite::Transaction, sha256: &str) -> Result<Option<i64>> {
    use rusqlite::OptionalExtension;
    Ok(tx
        .prepare_cached("SELECT id FROM item WHERE sha256 = ?1 AND parent_id IS NULL AND kind = 'model_call' ORDER BY id LIMIT 1")?
        .query_row([sha256], |r| r.get(0))
        .optional()?)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::pipeline::IngestOptions;
    use crate::modellogs::generate::{generate, to_line, GenConfig, OutFormat};

    /// A small generated log in `fmt`, one call per line, with one malformed line.
    fn write_log(dir: &Path, fmt: OutFormat) -> PathBuf {
        let mut lines = Vec::new();
        let cfg = GenConfig { seed: 7, days: 2, scale: 0.01, ..Default::default() };
        generate(&cfg, &mut |c| lines.push(to_line(&c, fmt)));
        lines.insert(3, "{not json".into());
        let path = dir.join("api.jsonl");
        std::fs::write(&path, lines.join("\n") + "\n").unwrap();
        path
    }

    /// A new matter under `dir` with one generated log in `fmt` ingested for `custodian`.
    fn count(m: &Matter, sql: &str) -> i64 {
        m.store.db.query_row(sql, [], |r| r.get(0)).unwrap()
    }

    fn matter_with_log(dir: &Path, fmt: OutFormat, custodian: &str) -> (Matter, crate::ingest::IngestSummary) {
        let src = dir.join("src");
        std::fs::create_dir_all(&src).unwrap();
        write_log(&src, fmt);
        let mut m = Matter::create(dir.join("m"), "t").unwrap();
        let opts = IngestOptions { custodian: custodian.into(), ..Default::default() };
        let s = m.ingest(&[src], &opts, &mut |_| {}).unwrap();
        (m, s)
    }

    #[test]
    fn call_json_is_the_whole_call_serialized() {
        let dir = tempfile::tempdir().unwrap();
        for fmt in [OutFormat::Canonical, OutFormat::OpenAiChat, OutFormat::LiteLlm] {
            let path = write_log(dir.path(), fmt);
            let mut n = 0;
            crate::modellogs::import_path(&path, &mut |r| {
                let Ok(mut call) = r else { return };
                let whole = serde_json::to_string(&call).unwrap();
                let raw = serde_json::to_vec(&std::mem::take(&mut call.raw)).unwrap();
                assert_eq!(call_json(&call, &raw).unwrap(), whole);
                n += 1;
            })
            .unwrap();
            assert!(n > 100, "{n}");
        }
    }

    /// The documents an import builds from memory are the ones the database gives back, so
    /// search sees a call the same whether it was just imported or re-indexed later.
    #[test]
    fn index_documents_from_memory_match_the_database() {
        let dir = tempfile::tempdir().unwrap();
        let (m, s) = matter_with_log(dir.path(), OutFormat::LiteLlm, "Logs");
        assert_eq!(s.errors, 1);
        let rows: Vec<(i64, Vec<u8>)> = {
            let mut stmt = m.store.db.prepare("SELECT item_id, call_json FROM model_call ORDER BY item_id").unwrap();
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(|r| r.unwrap()).collect()
        };
        assert!(rows.len() > 100);
        let prefix_id = rows[0].0;
        let tx = m.store.db.unchecked_transaction().unwrap();
        let c = Committer::new(&tx, 1, "Logs").unwrap();
        let (mut packer, mut unpacker) = (Packer::default(), Unpacker::new());
        for (id, packed) in rows {
            let call = unpacker.call(StoredRecord::Packed(packed.clone())).unwrap();
            let p = prepare(call, &mut packer, false).unwrap();
            assert_eq!(p.call_json, packed);
            let from_memory = p.node.index_doc(id, c.control(id), "Logs");
            assert_eq!(from_memory, IndexDoc::read(&tx, id).unwrap(), "item {id} (first call {prefix_id})");
        }
        drop(c);
        drop(tx);
        // Everything is indexed once, and flagged so.
        let unindexed: i64 = m.store.db.query_row("SELECT COUNT(*) FROM item WHERE indexed = 0", [], |r| r.get(0)).unwrap();
        assert_eq!(unindexed, 0);
        assert!(m.verify().unwrap().ok);
    }

    /// Records are stored compressed; a matter whose records are plain JSON (written before)
    /// reads the same, and `verify` sees a changed record in either form.
    #[test]
    fn stored_records_read_packed_or_plain_and_verify_sees_changes() {
        let dir = tempfile::tempdir().unwrap();
        let (m, _) = matter_with_log(dir.path(), OutFormat::Canonical, &IngestOptions::default().custodian);
        let (id, kind): (i64, String) = m
            .store
            .db
            .query_row("SELECT item_id, typeof(call_json) FROM model_call ORDER BY item_id LIMIT 1", [], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap();
        assert_eq!(kind, "blob");
        let call = m.call_record(id).unwrap().unwrap();
        let before = m.analyze_calls(GroupBy::Account, None).unwrap();
        // The item's text is in the record, not in a row of its own, and reads as extracted.
        assert_eq!(count(&m, "SELECT COUNT(*) FROM item_text"), 0);
        let text = m.item(&id.to_string()).unwrap().text;
        assert_eq!(Some(&text), call_node(&call, &serde_json::to_vec(&call.raw).unwrap()).text.as_ref());
        let word = text.split_whitespace().find(|w| w.len() > 6 && w.chars().all(|c| c.is_alphabetic())).unwrap();
        let found = m.search(&format!("id:{id} AND {word}"), 10, 0, Default::default()).unwrap();
        assert_eq!(found.total, 1);
        assert!(!found.hits[0].snippet.is_empty(), "the snippet comes from the record's text");

        // As older matters held it: the text in a row of its own, the JSON zstd-compressed, or
        // plain; all read the same.
        let json = serde_json::to_string(&call).unwrap();
        m.store.db.execute("INSERT INTO item_text (item_id, text) VALUES (?1, ?2)", params![id, text]).unwrap();
        for older in
            [rusqlite::types::Value::Blob(zstd::bulk::compress(json.as_bytes(), 1).unwrap()), rusqlite::types::Value::Text(json.clone())]
        {
            m.store.db.execute("UPDATE model_call SET call_json = ?1 WHERE item_id = ?2", params![older, id]).unwrap();
            assert_eq!(m.call_record(id).unwrap().unwrap(), call);
            assert_eq!(m.item(&id.to_string()).unwrap().text, text);
            assert_eq!(IndexDoc::read(&m.store.db, id).unwrap().text.as_ref(), Some(&text));
            let after = m.analyze_calls(GroupBy::Account, None).unwrap();
            assert_eq!(serde_json::to_value(after).unwrap(), serde_json::to_value(&before).unwrap());
            assert!(m.verify().unwrap().ok);
        }

        // The record as logged changed (compressed again, so only the hash can tell).
        let mut changed = call.clone();
        changed.raw["request"]["messages"][0]["content"] = "something else".into();
        let text = m.item(&id.to_string()).unwrap().text;
        let packed = Packer::default().pack(&text, &serde_json::to_string(&changed).unwrap()).unwrap();
        m.store.db.execute("UPDATE model_call SET call_json = ?1 WHERE item_id = ?2", params![packed, id]).unwrap();
        let codes: Vec<String> = m.verify().unwrap().problems.into_iter().map(|p| p.code).collect();
        assert_eq!(codes, ["call_modified"]);
        // A damaged frame is reported the same way, and reading it says what to do.
        m.store.db.execute("UPDATE model_call SET call_json = x'28b52ffd00' WHERE item_id = ?1", [id]).unwrap();
        let codes: Vec<String> = m.verify().unwrap().problems.into_iter().map(|p| p.code).collect();
        assert_eq!(codes, ["call_modified"]);
        assert!(m.call_record(id).unwrap_err().to_string().contains("exhibit verify"));
    }

    /// The large-log path (hashes in memory, the index dropped and rebuilt) stores and
    /// deduplicates exactly as the index does: against items already in the matter, and
    /// within the log itself.
    #[test]
    fn a_large_log_deduplicates_in_memory_like_the_index() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("src");
        std::fs::create_dir_all(&src).unwrap();
        let log = write_log(&src, OutFormat::Canonical);
        // The log holds one call twice.
        let text = std::fs::read_to_string(&log).unwrap();
        let first_call = text.lines().next().unwrap().to_string();
        std::fs::write(&log, format!("{text}{first_call}\n")).unwrap();
        let other = dir.path().join("other");
        std::fs::create_dir_all(&other).unwrap();
        std::fs::copy(&log, other.join("copy.jsonl")).unwrap();

        let index_exists = |db: &rusqlite::Connection| -> bool {
            db.query_row("SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = 'item_sha_root'", [], |r| r.get::<_, i64>(0))
                .unwrap()
                == 1
        };
        let has_index = |m: &Matter| index_exists(&m.store.db);
        // Whether the index was ever missing while calls were written, seen from outside.
        let import = |m: &mut Matter, from: &Path, custodian: &str, bulk: bool| {
            FORCE_BULK.with(|f| f.set(bulk));
            let probe = rusqlite::Connection::open(m.db_path()).unwrap();
            let mut dropped = false;
            let opts = IngestOptions { custodian: custodian.into(), ..Default::default() };
            let s = m.ingest(&[from.to_path_buf()], &opts, &mut |_| dropped |= !index_exists(&probe)).unwrap();
            FORCE_BULK.with(|f| f.set(false));
            assert_eq!(dropped, bulk, "the large-log path and only it imports without the index");
            s
        };
        let mut by_index = Matter::create(dir.path().join("a"), "t").unwrap();
        let mut in_memory = Matter::create(dir.path().join("b"), "t").unwrap();
        for (from, custodian) in [(&src, "Logs"), (&other, "Copy")] {
            let a = import(&mut by_index, from, custodian, false);
            let b = import(&mut in_memory, from, custodian, true);
            assert_eq!((a.items_added, a.duplicates), (b.items_added, b.duplicates), "{custodian}");
            assert!(has_index(&in_memory));
        }
        let summary = |m: &Matter| -> (i64, i64, i64) {
            m.store
                .db
                .query_row(
                    "SELECT (SELECT COUNT(*) FROM item), (SELECT COUNT(*) FROM item_location), (SELECT COUNT(*) FROM model_call)",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .unwrap()
        };
        let (items, locations, calls) = summary(&in_memory);
        assert_eq!((items, locations, calls), summary(&by_index));
        // The repeated call is one item; the copy added only locations (and its log item).
        assert_eq!(calls as usize, text.lines().filter(|l| l.starts_with('{') && l.ends_with('}')).count());
        assert!(locations > items, "the copy's calls gained locations");
        assert!(in_memory.verify().unwrap().ok);

        // An import interrupted while the index was dropped: opening the matter rebuilds it.
        in_memory.store.db.execute_batch("DROP INDEX item_sha_root").unwrap();
        drop(in_memory);
        let reopened = Matter::open(dir.path().join("b")).unwrap();
        assert!(has_index(&reopened));
    }

    /// Calls are stored flagged as indexed with their range pending until the index commit;
    /// if that commit never came (the process died), the next catch-up indexes the range.
    #[test]
    fn calls_stored_ahead_of_their_index_commit_are_caught_up() {
        let dir = tempfile::tempdir().unwrap();
        let (mut m, _) = matter_with_log(dir.path(), OutFormat::OpenAiChat, &IngestOptions::default().custodian);
        assert_eq!(count(&m, "SELECT COUNT(*) FROM index_pending"), 0, "cleared by the import's index commit");
        assert_eq!(count(&m, "SELECT COUNT(*) FROM item WHERE indexed = 0"), 0);
        let lo = count(&m, "SELECT MIN(item_id) FROM model_call");
        let hi = lo + 9;
        for id in lo..=hi {
            m.index.delete_item(id).unwrap();
        }
        m.store.db.execute("INSERT INTO index_pending (lo, hi) VALUES (?1, ?2)", [lo, hi]).unwrap();
        let codes: Vec<String> = m.verify().unwrap().problems.into_iter().map(|p| p.code).collect();
        assert_eq!(codes, vec!["index_missing".to_string(); 10]);
        assert_eq!(m.index.catch_up(&m.store.db).unwrap(), 10);
        assert_eq!(count(&m, "SELECT COUNT(*) FROM index_pending"), 0);
        assert!(m.verify().unwrap().ok);
    }

    /// A reader that serves its bytes, then panics instead of reporting the end.
    struct PanicsAtEnd(std::io::Cursor<Vec<u8>>);

    impl std::io::Read for PanicsAtEnd {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            match self.0.read(buf)? {
                0 => panic!("importer blew up"),
                n => Ok(n),
            }
        }
    }

    #[test]
    fn a_panic_while_importing_keeps_the_calls_before_it_and_says_so() {
        let line = r#"{"ts":"2025-03-01T10:00:00Z","account":"a1","model":"m","request":{"messages":[{"role":"user","content":"hi"}]},"response":{"text":"hello"}}"#;
        let bytes = format!("{line}\n{line}\n{line}\n").into_bytes();
        let (tx, rx) = std::sync::mpsc::sync_channel(CHUNKS_IN_FLIGHT);
        let stop = AtomicBool::new(false);
        std::thread::scope(|s| {
            s.spawn(|| {
                parse_log(
                    std::io::BufReader::with_capacity(64, PanicsAtEnd(std::io::Cursor::new(bytes))),
                    None::<&[u8]>,
                    &Format::Canonical,
                    false,
                    &stop,
                    tx,
                )
            });
        });
        let got: Vec<Parsed> = rx.into_iter().flatten().collect();
        assert_eq!(got.len(), 4);
        assert!(got[..3].iter().all(|p| matches!(p, Parsed::Call(_))));
        assert!(matches!(&got[3], Parsed::Bad(e) if e.line == 0 && e.reason.contains("importer failed")));
    }
}
