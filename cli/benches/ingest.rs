//! Ingest benchmark: prints figures, never passes or fails on time.
//!
//! `cargo bench --bench ingest` (release build). Over ../shared/corpus:
//! 1. Enron maildir (both custodians): messages/s end to end (parse, hash, store, index), side
//!    by side with Debian's `recollindex` on the same folders when it is installed.
//! 2. Real PDFs: the whole Exhibit ingest against `pdftotext` run over the same files one after
//!    another.
//! 3. Peak memory (largest resident set of the ingest process and its workers).
//!
//! Results are printed as a Markdown table and written to target/bench-ingest.md; copy the
//! latest into BENCHMARKS.md.

use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

/// mimalloc, as in the `exhibit` binary, so the figures stay comparable with BENCHMARKS.md (the
/// library used to set it for every program).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn corpus() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus");
    p.exists().then_some(p)
}

fn exe() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_exhibit"))
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    walkdir::WalkDir::new(dir).into_iter().filter_map(|e| e.ok()).filter(|e| e.file_type().is_file()).map(|e| e.into_path()).collect()
}

/// Peak RSS (MiB) of any process this one has waited for so far.
fn children_max_rss_mib() -> f64 {
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: getrusage writes into the struct we own.
    unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut ru) };
    ru.ru_maxrss as f64 / 1024.0
}

/// Runs an Exhibit ingest of `sources` into a fresh matter; returns (seconds, summary JSON).
fn exhibit_ingest(tmp: &Path, label: &str, sources: &[(&Path, &str)]) -> (f64, Vec<serde_json::Value>) {
    let matter = tmp.join(format!("matter-{label}"));
    let st = Command::new(exe()).args(["init", matter.to_str().unwrap()]).stdout(Stdio::null()).status().unwrap();
    assert!(st.success());
    let t = Instant::now();
    let mut out = Vec::new();
    for (src, custodian) in sources {
        let o = Command::new(exe())
            .args(["--matter", matter.to_str().unwrap(), "ingest", src.to_str().unwrap(), "--custodian", custodian, "--json"])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        out.push(serde_json::from_slice(&o.stdout).unwrap());
    }
    (t.elapsed().as_secs_f64(), out)
}

fn recoll(tmp: &Path, dirs: &[&Path]) -> Option<f64> {
    if Command::new("recollindex").arg("-h").stdout(Stdio::null()).stderr(Stdio::null()).status().is_err() {
        return None;
    }
    let conf = tmp.join("recoll-conf");
    std::fs::create_dir_all(&conf).unwrap();
    let top: Vec<String> = dirs.iter().map(|d| format!("\"{}\"", d.display())).collect();
    std::fs::write(conf.join("recoll.conf"), format!("topdirs = {}\nloglevel = 1\n", top.join(" "))).unwrap();
    let t = Instant::now();
    let st =
        Command::new("recollindex").args(["-c", conf.to_str().unwrap(), "-z"]).stdout(Stdio::null()).stderr(Stdio::null()).status().ok()?;
    st.success().then(|| t.elapsed().as_secs_f64())
}

/// pdftotext over `files` one after another, each given the time Exhibit's ingest gives a file
/// (by default 30 s, plus a second per 4 MB): without a limit it spins for many minutes on the corpus's
/// decompression bomb (`pdfjs/bomb_giant.pdf`). Seconds in all, and how many files hit the limit.
fn pdftotext_all(files: &[PathBuf]) -> Option<(f64, usize)> {
    Command::new("pdftotext").arg("-v").stdout(Stdio::null()).stderr(Stdio::null()).status().ok()?;
    let t = Instant::now();
    let mut stopped = 0;
    for f in files {
        let size = std::fs::metadata(f).map(|m| m.len()).unwrap_or(0);
        let limit = exhibit::ingest::worker::deadline_for(exhibit::ingest::IngestOptions::default().timeout, size).as_secs();
        let st = Command::new("timeout")
            .args(["-s", "KILL", &limit.to_string(), "pdftotext"])
            .arg(f)
            .arg("-")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        // timeout(1) exits 124 when the limit passed, or, having killed with KILL, dies of
        // the same signal itself.
        stopped += usize::from(st.is_ok_and(|s| s.code() == Some(124) || s.signal() == Some(9)));
    }
    Some((t.elapsed().as_secs_f64(), stopped))
}

fn main() {
    let Some(corpus) = corpus() else {
        println!("SKIPPED ingest benchmark: ../shared/corpus is absent");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let mut rows: Vec<String> = Vec::new();

    // 1. Enron mail.
    let w3 = corpus.join("email/enron/williams-w3");
    let beck = corpus.join("email/enron/beck-s");
    let messages = files_under(&w3).len() + files_under(&beck).len();
    let (secs, sums) = exhibit_ingest(tmp.path(), "enron", &[(&w3, "Williams, W3"), (&beck, "Beck, Sally")]);
    let rate = messages as f64 / secs;
    let items: u64 = sums.iter().map(|s| s["items_added"].as_u64().unwrap_or(0)).sum();
    rows.push(format!("| Enron maildir, {messages} messages → {items} items | Exhibit | {secs:.2} s | {rate:.0} messages/s |"));
    let enron_row = rows.len();

    // 2. PDFs.
    let pdfs: Vec<PathBuf> = ["pdf/pdfjs", "pdf/qpdf", "pdf/py-pdf"]
        .iter()
        .flat_map(|d| files_under(&corpus.join(d)))
        .filter(|p| p.extension().is_some_and(|e| e.eq_ignore_ascii_case("pdf")))
        .collect();
    // The walker does not follow symlinks, so the three corpus folders are ingested directly.
    let pdf_dirs: Vec<PathBuf> = ["pdf/pdfjs", "pdf/qpdf", "pdf/py-pdf"].iter().map(|d| corpus.join(d)).collect();
    let srcs: Vec<(&Path, &str)> = pdf_dirs.iter().map(|d| (d.as_path(), "PDF, Bench")).collect();
    let (psecs, psums) = exhibit_ingest(tmp.path(), "pdf", &srcs);
    let perrs: u64 = psums.iter().map(|s| s["errors"].as_u64().unwrap_or(0)).sum();
    rows.push(format!(
        "| {} PDFs ({} error records) | Exhibit ingest | {psecs:.2} s | {:.0} files/s |",
        pdfs.len(),
        perrs,
        pdfs.len() as f64 / psecs
    ));
    // Only Exhibit's processes have run so far: their peak is what the memory limit is about.
    let exhibit_rss = children_max_rss_mib();
    match recoll(tmp.path(), &[&w3, &beck]) {
        Some(rs) => {
            let rrate = messages as f64 / rs;
            rows.insert(
                enron_row,
                format!("| same folders | recollindex | {rs:.2} s | {rrate:.0} messages/s (Exhibit is {:.1}×) |", rate / rrate),
            );
        }
        None => rows.insert(enron_row, "| same folders | recollindex | not installed | — |".into()),
    }
    match pdftotext_all(&pdfs) {
        Some((t, stopped)) => rows.push(format!(
            "| same PDFs, one after another, each with Exhibit's time limit ({stopped} reached it) | pdftotext | {t:.2} s | Exhibit takes {:.2}× pdftotext's time |",
            psecs / t
        )),
        None => rows.push("| same PDFs | pdftotext | not installed | — |".into()),
    }
    rows.push(format!("| peak memory, largest process (ingest or worker) | Exhibit | {exhibit_rss:.0} MiB | |"));

    let table = format!(
        "Ingest benchmark, {cores} cores, release build, {}\n\n| input | tool | time | rate |\n|---|---|---|---|\n{}\n",
        chrono::Utc::now().format("%Y-%m-%d"),
        rows.join("\n")
    );
    println!("{table}");
    let _ = std::fs::write(Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench-ingest.md"), &table);
}
