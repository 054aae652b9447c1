//! Production throughput: prints figures, never passes or fails on time.
//!
//! `cargo bench -p exhibit-cli --bench produce` (release build). Two productions from real
//! material in ../shared/corpus, each with its verification gate:
//! * rendered emails: the Enron mail of beck-s and williams-w3 (about 4,700 messages), with the
//!   built-in PII rule stored so that redaction boxes are drawn in the flow of the text;
//! * rasterized PDFs: the corpus PDFs (pdf.js, qpdf, py-pdf), their own pages drawn at 150 dpi,
//!   with a term rule so that boxes are burned into some of them.
//!
//! Prints documents, pages, pages/s with the gate included, the gate's share of the time, and
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

fn run(m: &mut Matter, what: &str, query: &str, prefix: &str, out: &Path) {
    let opts = ProduceOptions::new(Selection::Query(query.into()), prefix, out);
    let t = Instant::now();
    let r = m.produce(&opts, &|_| {}, &AtomicBool::new(false)).expect("production");
    let secs = t.elapsed().as_secs_f64();
    let gate = r.verification.as_ref().map(|v| v.ok).unwrap_or(false);
    println!(
        "{what}: {} documents, {} pages ({} redacted, {} withheld) in {secs:.1} s = {:.0} pages/s with the gate; gate {:.1} s ({:.0}% of the time), passed: {gate}",
        r.documents,
        r.pages,
        r.redacted,
        r.withheld,
        r.pages as f64 / secs,
        r.gate_seconds,
        100.0 * r.gate_seconds / secs,
    );
    if !gate {
        for p in r.verification.iter().flat_map(|v| v.problems.iter()).take(10) {
            println!("  gate problem: {} {}", p.code, p.detail);
        }
    }
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
    run(&mut m, "rendered emails", &mail_query, "MAIL", &out);
    run(&mut m, "rasterized PDFs", "kind:pdf", "PDFS", &out);
    println!("peak memory: {:.0} MiB", peak_rss_mib());
}
