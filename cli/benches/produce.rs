//! Production throughput: prints figures, never passes or fails on time.
//!
//! `cargo bench -p exhibit-cli --bench produce` (release build). Two productions from real
//! material in ../shared/corpus, each with its verification gate:
//! * rendered emails: the Enron mail of beck-s and williams-w3 (about 4,700 messages), with the
//!   built-in PII rule stored so that redaction boxes are drawn in the flow of the text;
//! * rasterized PDFs: the corpus PDFs (pdf.js, qpdf, py-pdf), their own pages drawn at 150 dpi,
//!   with a term rule so that boxes are burned into some of them.
//!
//! Each is produced again until at least 5,000 pages have been produced. Prints documents,
//! pages, pages/s with the gate included, the gate's share of the time, and
//! the process's peak memory. `EXHIBIT_BENCH_MAILS` caps the number of messages.

use exhibit::produce::{ProduceOptions, Selection};
use exhibit::redact::{RuleSpec, Treatment};
use exhibit::Matter;
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

/// Produces `query` as many times as it takes to reach `min_pages` (each run a production of
/// its own, numbers continuing), and prints the totals.
fn run(m: &mut Matter, what: &str, query: &str, prefix: &str, out: &Path, min_pages: u64) {
    let opts = ProduceOptions::new(Selection::Query(query.into()), prefix, out);
    let (mut docs, mut pages, mut redacted, mut gate_secs, mut runs) = (0, 0, 0, 0.0, 0);
    let mut all_passed = true;
    let t = Instant::now();
    while pages < min_pages.max(1) {
        let r = m.produce(&opts, &|_| {}, &AtomicBool::new(false)).expect("production");
        runs += 1;
        docs += r.documents;
        pages += r.pages;
        redacted += r.redacted;
        gate_secs += r.gate_seconds;
        let passed = r.verification.as_ref().map(|v| v.ok).unwrap_or(false);
        all_passed &= passed;
        if !passed {
            for p in r.verification.iter().flat_map(|v| v.problems.iter()).take(10) {
                println!("  gate problem: {} {}", p.code, p.detail);
            }
        }
        if r.pages == 0 {
            break;
        }
    }
    let secs = t.elapsed().as_secs_f64();
    println!(
        "{what}: {runs} production(s), {docs} documents, {pages} pages ({redacted} redacted) in {secs:.1} s = {:.0} pages/s with the gate; gate {gate_secs:.1} s ({:.0}% of the time); every gate passed: {all_passed}",
        pages as f64 / secs,
        100.0 * gate_secs / secs,
    );
}

fn main() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus");
    if !corpus.is_dir() {
        println!("produce bench SKIPPED: {} is absent", corpus.display());
        return;
    }
    let tmp = tempfile::tempdir().expect("temp dir");
    let mut m = Matter::create(tmp.path().join("m"), "produce bench").expect("matter");
    let cap: Option<usize> = std::env::var("EXHIBIT_BENCH_MAILS").ok().and_then(|v| v.parse().ok());
    let t = Instant::now();
    let mut mails: Vec<std::path::PathBuf> = Vec::new();
    for custodian in ["beck-s", "williams-w3"] {
        mails.push(corpus.join("email/enron").join(custodian));
    }
    let opts = exhibit::ingest::IngestOptions { custodian: "Beck, Sally".into(), ..Default::default() };
    m.ingest(&mails, &opts, &mut |_| {}).expect("ingest mail");
    let pdfs: Vec<std::path::PathBuf> = ["pdfjs", "qpdf", "py-pdf"].iter().map(|d| corpus.join("pdf").join(d)).collect();
    m.ingest(&pdfs, &exhibit::ingest::IngestOptions { custodian: "Records".into(), ..Default::default() }, &mut |_| {})
        .expect("ingest pdfs");
    println!("setup: ingested in {:.1} s", t.elapsed().as_secs_f64());
    m.redact_rule(
        RuleSpec::Builtin { names: vec!["ssn".into(), "credit_card".into(), "phone".into()] },
        "PII",
        Treatment::Redact,
        None,
        false,
    )
    .expect("PII rule");
    m.redact_rule(
        RuleSpec::Terms { terms: vec!["confidential".into(), "agreement".into()], whole_word: true, case_sensitive: false },
        "TS",
        Treatment::Redact,
        Some("kind:pdf"),
        false,
    )
    .expect("terms rule");
    let out = tmp.path().join("out");
    let mail_query = match cap {
        Some(n) => format!("kind:email AND id:[1 TO {n}]"),
        None => "kind:email".to_string(),
    };
    run(&mut m, "rendered emails", &mail_query, "MAIL", &out, 5000);
    run(&mut m, "rasterized PDFs", "kind:pdf", "PDFS", &out, 5000);
    println!("peak memory: {:.0} MiB", peak_rss_mib());
}
