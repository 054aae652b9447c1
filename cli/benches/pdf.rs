//! PDF ingest benchmark on long real documents: prints figures, never passes or fails on time.
//!
//! `cargo bench -p exhibit-cli --bench pdf` (release build). The PDFs are the manuals of Debian
//! documentation packages, fetched once by `cli/benches/fetch-debian-docs.sh` into
//! target/debian-docs (run here when that folder is missing; `EXHIBIT_PDF_BENCH_DIR=dir`
//! measures another folder of PDFs). In one run it prints:
//! 1. peak memory (RSS) of an Exhibit ingest of the largest PDF alone (the ingest process or a
//!    worker, whichever is larger);
//! 2. `exhibit ingest` of every PDF with two extraction workers, wall and CPU time;
//! 3. `pdftotext` over the same files, two processes at a time (equal parallelism), wall and
//!    CPU time;
//! 4. text quality: per file, the word-set Jaccard of Exhibit's text against pdftotext's
//!    (lower-cased runs of letters and digits, ligatures expanded), median and worst, over the
//!    files where pdftotext finds at least 20 words.
//!
//! CPU time is the figure to compare on a shared machine: wall time includes waiting for cores.
//! Results are printed as Markdown and written to target/bench-pdf.md.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Instant;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const WORKERS: usize = 2;

fn exe() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_exhibit"))
}

/// Resource use of every child waited for so far: (max RSS MiB, user + system CPU seconds).
fn children_usage() -> (f64, f64) {
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: getrusage writes into the struct we own.
    unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut ru) };
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    (ru.ru_maxrss as f64 / 1024.0, secs(ru.ru_utime) + secs(ru.ru_stime))
}

fn pdf_dir() -> PathBuf {
    if let Ok(d) = std::env::var("EXHIBIT_PDF_BENCH_DIR") {
        return PathBuf::from(d);
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let dir = root.join("target/debian-docs/pdfs");
    if !dir.exists() {
        let st = Command::new("bash").arg(root.join("cli/benches/fetch-debian-docs.sh")).stdout(Stdio::null()).status();
        if !st.is_ok_and(|s| s.success()) {
            println!("SKIPPED PDF benchmark: cli/benches/fetch-debian-docs.sh could not fetch the Debian manuals");
            std::process::exit(0);
        }
    }
    dir
}

/// Ingests `src` into a fresh matter; returns the wall seconds and the matter folder.
/// `reader` names the PDF reader (`EXHIBIT_PDF_READER`; empty: the default).
fn ingest(tmp: &Path, label: &str, src: &Path, reader: &str) -> (f64, PathBuf) {
    let matter = tmp.join(format!("matter-{label}"));
    let st = Command::new(exe()).args(["init", matter.to_str().unwrap()]).stdout(Stdio::null()).status().unwrap();
    assert!(st.success());
    let t = Instant::now();
    let o = Command::new(exe())
        .args(["--matter", matter.to_str().unwrap(), "ingest", src.to_str().unwrap(), "--workers", &WORKERS.to_string(), "--json"])
        .env("EXHIBIT_PDF_READER", reader)
        .output()
        .unwrap();
    let secs = t.elapsed().as_secs_f64();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    (secs, matter)
}

/// Every item's file name and text.
fn texts(matter: &Path, items: usize) -> Vec<(String, String, String)> {
    (1..=items)
        .filter_map(|id| {
            let o = Command::new(exe()).args(["--matter", matter.to_str().unwrap(), "show", &id.to_string(), "--json"]).output().ok()?;
            let v: serde_json::Value = serde_json::from_slice(&o.stdout).ok()?;
            let name = v["metadata"]["name"].as_str()?.to_string();
            let status = v["metadata"]["status_reason"].as_str().unwrap_or("").to_string();
            Some((name, v["text"].as_str().unwrap_or("").to_string(), status))
        })
        .collect()
}

/// `pdftotext FILE OUT` for every file, `WORKERS` processes at a time; returns the wall seconds.
fn pdftotext_all(files: &[PathBuf], out: &Path) -> Option<f64> {
    Command::new("pdftotext").arg("-v").stdout(Stdio::null()).stderr(Stdio::null()).status().ok()?;
    let queue = Arc::new(Mutex::new(files.to_vec()));
    let t = Instant::now();
    let threads: Vec<_> = (0..WORKERS)
        .map(|_| {
            let (queue, out) = (queue.clone(), out.to_path_buf());
            std::thread::spawn(move || loop {
                let Some(f) = queue.lock().unwrap().pop() else { break };
                let txt = out.join(f.file_name().unwrap()).with_extension("txt");
                let _ = Command::new("pdftotext").arg(&f).arg(&txt).stdout(Stdio::null()).stderr(Stdio::null()).status();
            })
        })
        .collect();
    for th in threads {
        th.join().unwrap();
    }
    Some(t.elapsed().as_secs_f64())
}

fn tokens(s: &str) -> HashSet<String> {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut out = String::with_capacity(w.len());
            exhibit::extract::pdf::expand_ligatures(w, &mut out);
            out.to_lowercase()
        })
        .collect()
}

fn jaccard(a: &HashSet<String>, b: &HashSet<String>) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    let inter = a.intersection(b).count();
    inter as f64 / (a.len() + b.len() - inter) as f64
}

fn main() {
    let dir = pdf_dir();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e.eq_ignore_ascii_case("pdf")))
        .collect();
    files.sort();
    if files.is_empty() {
        println!("SKIPPED PDF benchmark: no PDFs in {}", dir.display());
        return;
    }
    let bytes: u64 = files.iter().map(|f| f.metadata().map(|m| m.len()).unwrap_or(0)).sum();
    let largest = files.iter().max_by_key(|f| f.metadata().map(|m| m.len()).unwrap_or(0)).unwrap().clone();
    let tmp = tempfile::tempdir().unwrap();
    let mut rows = Vec::new();

    // 1. Peak memory on the largest, first: the RSS high-water mark of children only grows.
    let one = tmp.path().join("largest");
    std::fs::create_dir_all(&one).unwrap();
    std::fs::copy(&largest, one.join(largest.file_name().unwrap())).unwrap();
    let (cpu0, t_large) = (children_usage().1, ingest(tmp.path(), "largest", &one, "").0);
    let (rss, cpu1) = children_usage();
    let pages = |f: &Path| -> String {
        let o = Command::new("pdfinfo").arg(f).output().ok();
        o.and_then(|o| String::from_utf8_lossy(&o.stdout).lines().find_map(|l| l.strip_prefix("Pages:").map(|p| p.trim().to_string())))
            .unwrap_or_else(|| "?".into())
    };
    rows.push(format!(
        "| largest PDF alone ({}, {:.1} MB, {} pages) | Exhibit ingest | {t_large:.2} s wall, {:.2} s CPU | **peak RSS {rss:.0} MiB** |",
        largest.file_name().unwrap().to_string_lossy(),
        largest.metadata().unwrap().len() as f64 / 1e6,
        pages(&largest),
        cpu1 - cpu0,
    ));

    // 2. Exhibit, all files, two workers: the previous reader (pdf-extract alone), then the
    //    default (hayro first).
    let cpu0 = children_usage().1;
    let (old_secs, old_matter) = ingest(tmp.path(), "pdf-extract", &dir, "pdf-extract");
    let old_cpu = children_usage().1 - cpu0;
    rows.push(format!(
        "| {} PDFs, {:.1} MB | Exhibit ingest, before: pdf-extract only ({WORKERS} workers) | {old_secs:.2} s wall | {old_cpu:.2} s CPU |",
        files.len(),
        bytes as f64 / 1e6
    ));
    let cpu0 = children_usage().1;
    let (secs, matter) = ingest(tmp.path(), "all", &dir, "");
    let ex_cpu = children_usage().1 - cpu0;
    rows.push(format!(
        "| same PDFs | Exhibit ingest, now: hayro first ({WORKERS} workers: parse, text, layout, hash, store, index) | {secs:.2} s wall | {ex_cpu:.2} s CPU |"
    ));

    // 3. pdftotext, two processes.
    let out = tmp.path().join("pdftotext");
    std::fs::create_dir_all(&out).unwrap();
    let cpu0 = children_usage().1;
    match pdftotext_all(&files, &out) {
        Some(t) => {
            let cpu = children_usage().1 - cpu0;
            rows.push(format!("| same PDFs | pdftotext ({WORKERS} processes) | {t:.2} s wall | {cpu:.2} s CPU |"));
            rows.push(format!("| Exhibit / pdftotext | | **{:.2}× wall** | **{:.2}× CPU** |", secs / t, ex_cpu / cpu.max(1e-9)));
        }
        None => rows.push("| same PDFs | pdftotext | not installed | — |".into()),
    }

    // 4. Text quality, of both readers.
    let mut notes = Vec::new();
    for (label, m) in [("before (pdf-extract)", &old_matter), ("now (hayro first)", &matter)] {
        let mut scores: Vec<(f64, String)> = Vec::new();
        for (name, text, status) in texts(m, files.len()) {
            if !status.is_empty() {
                notes.push(format!("{label}: {name}: {status}"));
            }
            let Ok(reference) = std::fs::read_to_string(out.join(&name).with_extension("txt")) else { continue };
            let theirs = tokens(&reference);
            if theirs.len() < 20 {
                continue;
            }
            scores.push((jaccard(&tokens(&text), &theirs), name));
        }
        scores.sort_by(|a, b| a.0.total_cmp(&b.0));
        if !scores.is_empty() {
            let median = scores[scores.len() / 2].0;
            let worst: Vec<String> = scores.iter().take(3).map(|(s, n)| format!("{n} {s:.3}")).collect();
            rows.push(format!(
                "| word-set Jaccard vs pdftotext, {} files | {label} | **median {median:.4}** | worst: {} |",
                scores.len(),
                worst.join(", ")
            ));
        }
    }

    let mut report = format!(
        "PDF ingest benchmark, {} cores, release build, {}\n\n| what | tool | time | figure |\n|---|---|---|---|\n{}\n",
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        chrono::Utc::now().format("%Y-%m-%d %H:%M UTC"),
        rows.join("\n")
    );
    if !notes.is_empty() {
        report.push_str("\nItems with a warning or error:\n");
        for n in notes {
            report.push_str(&format!("- {n}\n"));
        }
    }
    println!("{report}");
    let _ = std::fs::write(Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench-pdf.md"), &report);
}
