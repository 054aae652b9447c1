//! Extraction in worker processes, so a hostile or broken file can only kill a worker.
//!
//! Parsers for PDF, Office and mail formats panic, loop and allocate without bound on real
//! files. In-process `catch_unwind` covers panics only; a separate process covers all three:
//! the parent gives each job a deadline and kills a worker that overruns it, and each worker
//! caps its own address space (`RLIMIT_AS`) so runaway allocation fails inside the worker. The
//! parent then records the file as an error with a plain reason and starts a fresh worker.
//!
//! Protocol: the parent writes one JSON [`Job`] per line to the worker's stdin; the worker
//! answers each with one JSON [`Reply`] line on stdout. The worker stores every original it
//! finds (the file and anything inside it) in the blob store itself, so only text and metadata
//! cross the pipe.

use crate::extract::detect::Kind;
use crate::extract::{self, Budget, Meta, Node, Problem, Relation};
use crate::index::IndexDoc;
use crate::store::blobs::BlobStore;
use serde::{Deserialize, Serialize};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Address-space cap for one worker. Generous for real documents, fatal for bombs.
pub const WORKER_MEMORY_BYTES: u64 = 1 << 30;

/// One file to extract.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Job {
    pub id: u64,
    /// Carried as its exact bytes: a file name need not be UTF-8.
    #[serde(with = "crate::extract::names::path_serde")]
    pub path: PathBuf,
    /// The name the extractors see (used for tie-breaking type detection), as shown
    /// (`extract::names::display_file_name`).
    pub name: String,
}

/// A worker's answer: every item found in the file, parents before children.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Reply {
    pub id: u64,
    pub result: Result<Vec<NodeOut>, Problem>,
}

/// One extracted item, flattened out of the tree, with its original already stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NodeOut {
    /// Index (in the reply) of the item this one is attached to: a member of its family.
    pub parent: Option<usize>,
    /// Index of the archive or mailbox this one was found in: a family of its own.
    pub container: Option<usize>,
    pub name: String,
    /// The exact bytes of `name` where they differ from it (a CP437 zip member name, a
    /// non-UTF-8 file name): provenance, kept in `item.name_raw`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw_name: Option<Vec<u8>>,
    pub sha256: String,
    pub size: u64,
    pub kind: Kind,
    pub mime: String,
    pub meta: Meta,
    pub text: Option<String>,
    pub pages: Vec<usize>,
    pub layout: Option<String>,
    pub extractor: String,
    pub dedupe_key: Option<String>,
    /// Extraction failed: the original is kept, but there is no text.
    pub failed: bool,
    pub problem: Option<Problem>,
}

impl NodeOut {
    /// The document of a family root that [`Committer::commit_root`] has just stored as a new
    /// item `id` (control number `control`) with its one location under `custodian`: the same
    /// document [`IndexDoc::read`] would give once the transaction commits.
    ///
    /// [`Committer::commit_root`]: crate::ingest::commit::Committer::commit_root
    pub fn index_doc(self, id: i64, control: String, custodian: &str) -> IndexDoc {
        let NodeOut { name, kind, meta, text, .. } = self;
        let Meta { title, author, to, cc, bcc, date, modified, mut extra, .. } = meta;
        IndexDoc {
            id,
            control,
            kind: kind.as_str().to_string(),
            name,
            title,
            author,
            recipients: [to, cc, bcc],
            date: date.or(modified),
            // Only non-empty text is kept (see `crate::store::texts`).
            text: text.filter(|t| !t.is_empty()),
            model: extra.remove("model"),
            account: extra.remove("account"),
            custodians: vec![custodian.to_string()],
        }
    }
}

/// The worker's main loop (`exhibit __worker MATTER_BLOBS_DIR`). Returns when stdin closes.
pub fn serve(blob_dir: &Path) -> std::io::Result<()> {
    limit_memory(WORKER_MEMORY_BYTES);
    // A panic inside an extractor is caught and reported per file; keep stderr quiet about it.
    std::panic::set_hook(Box::new(|_| {}));
    let store = BlobStore::new(blob_dir);
    let stdin = std::io::stdin().lock();
    let mut stdout = std::io::stdout().lock();
    for line in stdin.lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let job: Job = serde_json::from_str(&line).map_err(std::io::Error::other)?;
        inject_fault(&job.name);
        let reply = Reply { id: job.id, result: process(&store, &job) };
        serde_json::to_writer(&mut stdout, &reply).map_err(std::io::Error::other)?;
        stdout.write_all(b"\n")?;
        stdout.flush()?;
    }
    Ok(())
}

/// Failpoints for the containment tests: `EXHIBIT_FAULTS="hang:NAME,crash:NAME,oom:NAME"` makes
/// the worker hang, abort or allocate without bound on a file whose name contains NAME. The
/// parent's deadline, crash handling and the memory cap are what the tests then observe.
/// `slow:NAME` delays the answer by three seconds. `pool_panic:NAME` panics in the parent's
/// pool thread instead, while it hands the job over
/// (where a job that could not be serialized once hung the whole batch).
fn inject_fault(name: &str) {
    for what in faults_for(name) {
        match what.as_str() {
            "hang" => loop {
                std::thread::sleep(Duration::from_secs(3600));
            },
            "crash" => std::process::abort(),
            // Finishes, but late: for tests of the order files are committed in.
            "slow" => std::thread::sleep(Duration::from_secs(3)),
            "oom" => {
                let mut hog: Vec<Vec<u8>> = Vec::new();
                loop {
                    hog.push(vec![1u8; 64 << 20]);
                }
            }
            _ => {}
        }
    }
}

/// The failpoints of `EXHIBIT_FAULTS` that apply to a file named `name`.
fn faults_for(name: &str) -> Vec<String> {
    let Ok(spec) = std::env::var("EXHIBIT_FAULTS") else { return Vec::new() };
    spec.split(',')
        .filter_map(|rule| rule.split_once(':'))
        .filter(|(_, pat)| !pat.is_empty() && name.contains(pat))
        .map(|(what, _)| what.to_string())
        .collect()
}

/// Reads, extracts and stores one file. Also used in-process by tests.
pub fn process(store: &BlobStore, job: &Job) -> Result<Vec<NodeOut>, Problem> {
    let bytes = std::fs::read(&job.path).map_err(|e| read_problem(&job.path, &e))?;
    let tree = extract::extract_tree(bytes, &job.name, &mut Budget::default());
    let mut out = Vec::new();
    flatten(store, tree, None, &mut out)?;
    Ok(out)
}

fn flatten(store: &BlobStore, node: Node, up: Option<(usize, Relation)>, out: &mut Vec<NodeOut>) -> Result<(), Problem> {
    let sha256 =
        store.put(&node.bytes).map_err(|e| Problem::new("store", "store_failed", format!("the original could not be stored: {e}")))?;
    let (parent, container) = match up {
        Some((i, Relation::Attachment)) => (Some(i), None),
        Some((i, Relation::Entry)) => (None, Some(i)),
        None => (None, None),
    };
    let mut n = NodeOut {
        parent,
        container,
        name: node.name,
        raw_name: node.raw_name,
        sha256,
        size: node.bytes.len() as u64,
        kind: node.kind,
        mime: node.mime,
        meta: Meta::default(),
        text: None,
        pages: Vec::new(),
        layout: None,
        extractor: "none".into(),
        dedupe_key: None,
        failed: false,
        problem: None,
    };
    match node.result {
        Ok(ex) => {
            n.meta = ex.meta;
            n.text = ex.text;
            n.pages = ex.pages;
            n.layout = ex.layout;
            n.extractor = ex.extractor;
            n.dedupe_key = ex.dedupe_key;
            n.problem = ex.warning;
        }
        Err(p) => {
            n.failed = true;
            n.problem = Some(p);
        }
    }
    drop(node.bytes);
    let me = out.len();
    out.push(n);
    for child in node.children {
        let rel = child.relation.unwrap_or(Relation::Entry);
        flatten(store, child, Some((me, rel)), out)?;
    }
    Ok(())
}

fn read_problem(path: &Path, e: &std::io::Error) -> Problem {
    let what = match e.kind() {
        std::io::ErrorKind::NotFound => "the file disappeared before it could be read".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied: Exhibit may not read this file".to_string(),
        _ => format!("the file could not be read: {e}"),
    };
    Problem::new("read", "read_failed", format!("{what} ({})", path.display()))
}

#[cfg(unix)]
fn limit_memory(bytes: u64) {
    let lim = libc::rlimit { rlim_cur: bytes as libc::rlim_t, rlim_max: bytes as libc::rlim_t };
    // SAFETY: setrlimit only reads the struct we pass.
    unsafe {
        libc::setrlimit(libc::RLIMIT_AS, &lim);
    }
}

#[cfg(not(unix))]
fn limit_memory(_bytes: u64) {}

/// How a job ended, seen from the parent.
#[derive(Debug)]
pub enum Outcome {
    Done(Result<Vec<NodeOut>, Problem>),
    /// The worker overran the deadline, crashed or ran out of memory, or the pool itself
    /// failed while handling the job.
    Failed(Problem),
}

/// What [`Pool::next`] saw.
#[derive(Debug)]
pub enum Next {
    /// A job finished (well or not).
    Finished(Job, Outcome),
    /// Nothing finished within the wait.
    Waiting,
    /// Every pool thread has ended: no job still outstanding will ever be answered.
    Closed,
}

/// A set of worker processes fed from one job queue.
///
/// Every job a pool thread takes is answered exactly once, whatever happens to the thread: an
/// [`InHand`] guard answers for it if the thread unwinds, and when every thread has gone
/// [`Pool::next`] says so instead of waiting, so the caller never waits on a job nobody holds.
pub struct Pool {
    jobs: Option<Sender<Job>>,
    stop: Arc<std::sync::atomic::AtomicBool>,
    results: Receiver<(Job, Outcome)>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

/// How to start and bound workers.
#[derive(Debug, Clone)]
pub struct PoolConfig {
    pub exe: PathBuf,
    pub blob_dir: PathBuf,
    pub workers: usize,
    /// Base time allowed per file; large files get more (see [`deadline_for`]).
    pub timeout: Duration,
}

impl Pool {
    pub fn start(cfg: PoolConfig) -> crate::error::Result<Pool> {
        // Fail early, with a clear message, when the worker binary cannot run at all.
        drop(Worker::spawn(&cfg)?);
        let (job_tx, job_rx) = mpsc::channel::<Job>();
        let job_rx = Arc::new(Mutex::new(job_rx));
        let (res_tx, res_rx) = mpsc::channel();
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let threads = (0..cfg.workers.max(1))
            .map(|_| {
                let (cfg, job_rx, res_tx, stop) = (cfg.clone(), job_rx.clone(), res_tx.clone(), stop.clone());
                std::thread::spawn(move || slot(cfg, job_rx, res_tx, stop))
            })
            .collect();
        // `res_tx` is dropped here: the results channel closes when the last thread ends.
        Ok(Pool { jobs: Some(job_tx), stop, results: res_rx, threads })
    }

    /// Queues a job. False when no pool thread is left to take it (the caller records the
    /// file as failed instead of waiting for it).
    pub fn submit(&self, job: Job) -> bool {
        match &self.jobs {
            Some(tx) => tx.send(job).is_ok(),
            None => false,
        }
    }

    /// Waits up to `wait` for the next finished job.
    pub fn next(&self, wait: Duration) -> Next {
        match self.results.recv_timeout(wait) {
            Ok((job, outcome)) => Next::Finished(job, outcome),
            Err(RecvTimeoutError::Timeout) => Next::Waiting,
            Err(RecvTimeoutError::Disconnected) => Next::Closed,
        }
    }

    /// Stops taking jobs; workers finish what they hold and exit.
    pub fn close(&mut self) {
        self.jobs.take();
    }

    /// Drops every queued job: workers finish only the file in hand.
    pub fn cancel(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        self.close();
    }
}

impl Drop for Pool {
    /// Nobody will read what queued jobs would produce: threads finish the file in hand only.
    fn drop(&mut self) {
        self.cancel();
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

/// Time allowed for a file of `size` bytes: the base, plus a second per 4 MB.
pub fn deadline_for(base: Duration, size: u64) -> Duration {
    base + Duration::from_secs(size / (4 << 20))
}

/// The problem recorded for a job the pool itself failed on (not the extractor).
fn pool_problem() -> Problem {
    Problem::new(
        "extract",
        "pool_failed",
        "Exhibit's extraction pool failed while handling this file; the original is kept. Re-run the ingest to try it again",
    )
}

/// The job a pool thread holds. If the thread unwinds before answering, dropping the guard
/// answers for it, so the batch records the file and goes on.
struct InHand<'a> {
    job: Option<Job>,
    results: &'a Sender<(Job, Outcome)>,
}

impl InHand<'_> {
    /// Answers the job; false when nobody listens any more.
    fn answer(&mut self, outcome: Outcome) -> bool {
        match self.job.take() {
            Some(job) => self.results.send((job, outcome)).is_ok(),
            None => true,
        }
    }
}

impl Drop for InHand<'_> {
    fn drop(&mut self) {
        if self.job.is_some() {
            self.answer(Outcome::Failed(pool_problem()));
        }
    }
}

/// One worker process. Dropping it kills and reaps the process.
struct Worker {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<std::io::Result<String>>,
    stderr_tail: Arc<Mutex<Vec<u8>>>,
    /// Set when the worker's stderr has closed: its last words are all in `stderr_tail`.
    stderr_done: Arc<std::sync::atomic::AtomicBool>,
}

impl Worker {
    fn spawn(cfg: &PoolConfig) -> crate::error::Result<Worker> {
        let mut child = Command::new(&cfg.exe)
            .arg("__worker")
            .arg(&cfg.blob_dir)
            // mimalloc (the `exhibit` binary's allocator) reserves address space 1 GiB at a time,
            // which alone would exhaust the worker's address-space cap: reserve in small steps.
            .env("MIMALLOC_ARENA_RESERVE", "16MiB")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| crate::error::Error::Worker { path: cfg.exe.clone(), source: e })?;
        let (Some(stdin), Some(stdout), Some(mut stderr)) = (child.stdin.take(), child.stdout.take(), child.stderr.take()) else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(crate::error::Error::Worker { path: cfg.exe.clone(), source: std::io::Error::other("no pipe to the worker") });
        };
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let stderr_tail = Arc::new(Mutex::new(Vec::new()));
        let tail = stderr_tail.clone();
        let stderr_done = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let done = stderr_done.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = stderr.read(&mut buf) {
                if n == 0 {
                    break;
                }
                let mut t = tail.lock().unwrap_or_else(|e| e.into_inner());
                t.extend_from_slice(&buf[..n]);
                let len = t.len();
                if len > 8192 {
                    t.drain(..len - 8192);
                }
            }
            done.store(true, std::sync::atomic::Ordering::Release);
        });
        Ok(Worker { child, stdin: Some(stdin), lines, stderr_tail, stderr_done })
    }

    /// Why the worker died, in plain words, once it has. Waits a bounded time for the
    /// process to end (its output may close before it exits), then kills it.
    fn death_problem(&mut self) -> Problem {
        self.stdin.take();
        let mut status = None;
        for _ in 0..500 {
            match self.child.try_wait() {
                Ok(Some(s)) => {
                    status = Some(s);
                    break;
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(10)),
                Err(_) => break,
            }
        }
        // Let the stderr reader drain the last words (its pipe closes with the process), for
        // at most a second.
        for _ in 0..100 {
            if self.stderr_done.load(std::sync::atomic::Ordering::Acquire) {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let tail = String::from_utf8_lossy(&self.stderr_tail.lock().unwrap_or_else(|e| e.into_inner())).to_string();
        if tail.contains("memory allocation") || tail.contains("out of memory") {
            return Problem::new(
                "extract",
                "memory_limit",
                format!("extraction gave up: the file needed more than {} MB of memory", WORKER_MEMORY_BYTES >> 20),
            );
        }
        let how = match status {
            #[cfg(unix)]
            Some(s) if std::os::unix::process::ExitStatusExt::signal(&s).is_some() => {
                format!("signal {}", std::os::unix::process::ExitStatusExt::signal(&s).unwrap_or_default())
            }
            Some(s) => format!("{s}"),
            None => "it stopped answering".into(),
        };
        Problem::new("extract", "extractor_crashed", format!("the extractor crashed on this file ({how}); the original is kept"))
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.stdin.take();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn slot(cfg: PoolConfig, jobs: Arc<Mutex<Receiver<Job>>>, results: Sender<(Job, Outcome)>, stop: Arc<std::sync::atomic::AtomicBool>) {
    let mut worker: Option<Worker> = None;
    loop {
        // A poisoned lock only means another thread panicked while waiting: the queue is fine.
        let job = match jobs.lock().unwrap_or_else(|e| e.into_inner()).recv() {
            Ok(j) => j,
            Err(_) => break,
        };
        if stop.load(std::sync::atomic::Ordering::Relaxed) {
            continue; // drain the queue without extracting (the caller stopped listening)
        }
        let mut hand = InHand { job: Some(job), results: &results };
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let job = hand.job.as_ref().expect("the job is in hand until answered");
            let w = match worker.take() {
                Some(w) => w,
                None => match Worker::spawn(&cfg) {
                    Ok(w) => w,
                    Err(e) => {
                        let p = Problem::new("extract", "worker_failed", format!("the extraction worker could not start: {e}"));
                        return Outcome::Failed(p);
                    }
                },
            };
            let size = std::fs::metadata(&job.path).map(|m| m.len()).unwrap_or(0);
            let deadline = deadline_for(cfg.timeout, size);
            let (outcome, keep) = run_job(w, job, deadline);
            worker = keep;
            outcome
        }))
        .unwrap_or_else(|_| Outcome::Failed(pool_problem()));
        if !hand.answer(outcome) {
            break;
        }
    }
    // Dropping the idle worker ends it.
    drop(worker);
}

/// Sends one job and waits for its reply; returns the worker if it is still usable. Every
/// wait here is bounded by `deadline`.
fn run_job(mut w: Worker, job: &Job, deadline: Duration) -> (Outcome, Option<Worker>) {
    if faults_for(&job.name).iter().any(|f| f == "pool_panic") {
        panic!("injected pool fault");
    }
    let line = match serde_json::to_string(job) {
        Ok(line) => line,
        Err(e) => {
            let p = Problem::new(
                "extract",
                "pool_failed",
                format!("this file could not be handed to an extraction worker ({e}); the original is kept"),
            );
            return (Outcome::Failed(p), Some(w));
        }
    };
    let sent = match w.stdin.as_mut() {
        Some(stdin) => writeln!(stdin, "{line}").and_then(|_| stdin.flush()),
        None => Err(std::io::Error::other("worker input closed")),
    };
    if sent.is_err() {
        return (Outcome::Failed(w.death_problem()), None);
    }
    match w.lines.recv_timeout(deadline) {
        Ok(Ok(line)) => match serde_json::from_str::<Reply>(&line) {
            Ok(reply) if reply.id == job.id => (Outcome::Done(reply.result), Some(w)),
            _ => {
                let p = Problem::new("extract", "worker_protocol", "the extraction worker answered out of turn; the file was set aside");
                (Outcome::Failed(p), None)
            }
        },
        Ok(Err(_)) | Err(RecvTimeoutError::Disconnected) => (Outcome::Failed(w.death_problem()), None),
        Err(RecvTimeoutError::Timeout) => {
            let p = Problem::new("extract", "timeout", format!("extraction gave up after {} s; the original is kept", deadline.as_secs()));
            (Outcome::Failed(p), None)
        }
    }
}
