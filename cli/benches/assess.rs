//! Exposure-assessment benchmark: prints figures, never passes or fails on time.
//!
//! `cargo bench -p exhibit-cli --bench assess` builds (once, cached under target/) a matter of
//! `EXHIBIT_BENCH_ITEMS` generated items (default 100,000, from `exhibit-gen`), codes part of it
//! by query (privileged, confidential, trade secret, hot, a redaction rule's worth of items), and
//! measures: the live what-if (three requests, `full: false`, as the app's Exposure screen asks
//! while a request is edited), the same after narrowing one request, and the full report (overview
//! with languages, term hits, hot documents). Then, on a copy of the matter, the what-if once a
//! redaction rule has run over every item (its matches are recorded), and once 10,000 items have
//! been ingested after it ran (the what-if checks those against the rule, live).

use exhibit::assess::exposure::{AssessOptions, ExposureInputs, ExposureReport};
use exhibit::redact::{RuleSpec, Treatment};
use exhibit::review::{Propagate, Target};
use exhibit::Matter;

mod common;
use std::path::PathBuf;
use std::time::{Duration, Instant};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const INPUTS: &str = r#"
[review]
first_pass_docs_per_hour = [45, 60]
privilege_docs_per_hour = 20
hourly_rate = [65, 95]
privilege_hourly_rate = 350
cost_per_page = 0.12

[[request]]
name = "RFP 1: trading"
query = "trading OR trader OR trade~"

[[request]]
name = "RFP 2: pricing"
query = "price OR prices OR pricing OR curve"

[[request]]
name = "RFP 3: contracts in 2001"
query = "contract AND date:[2001-01-01 TO 2001-12-31]"

[[evidence]]
name = "pipeline"
query = "pipeline"

[privilege]
terms = ["privileged", "legal"]
"#;

/// The cached 100,000-item matter, coded by query the first time it is built.
fn build_matter(items: usize) -> PathBuf {
    let (matter, fresh) = common::generated_matter("assess", items);
    if !fresh {
        return matter;
    }
    let mut m = Matter::open(&matter).unwrap();
    for (tag, q) in [
        ("Privileged – attorney-client", "legal AND (advice OR counsel)"),
        ("Confidential", "confidential"),
        ("Trade secret", "proprietary OR model"),
        ("Hot", "\"price cap\" OR settlement"),
    ] {
        let r = m.tag_add(tag, &Target::Query(q.into()), Propagate::default()).unwrap();
        println!("tagged {} items {tag}", r.changed);
    }
    matter
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// The median time of `runs` assessments, and the last one's report.
fn time(m: &mut Matter, inputs: &ExposureInputs, opts: &AssessOptions, runs: usize) -> (Duration, ExposureReport) {
    let mut times = Vec::new();
    let mut report = None;
    for _ in 0..runs {
        let t = Instant::now();
        report = Some(m.assess_exposure(inputs, opts).unwrap());
        times.push(t.elapsed());
    }
    (median(times), report.unwrap())
}

fn main() {
    let items: usize = std::env::var("EXHIBIT_BENCH_ITEMS").ok().and_then(|v| v.replace('_', "").parse().ok()).unwrap_or(100_000);
    let dir = build_matter(items);
    let mut m = Matter::open(&dir).unwrap();
    let total = m.status().unwrap().items;
    let inputs = ExposureInputs::from_toml(INPUTS, "bench").unwrap();
    let live = AssessOptions::default();
    let (what_if, report) = time(&mut m, &inputs, &live, 7);
    let narrowed_inputs = inputs.clone().with_query("RFP 1: trading", "(trading OR trader) AND date:[2001-01-01 TO 2001-06-30]").unwrap();
    let (narrowed, narrowed_report) = time(&mut m, &narrowed_inputs, &live, 7);
    let (full, _) = time(&mut m, &inputs, &AssessOptions { full: true, ..Default::default() }, 3);
    println!("\n## Exposure assessment — {total} items, 3 requests, 1 evidence query, release build\n");
    println!("| run | median |");
    println!("|---|---|");
    println!("| what-if (live figures, `full: false`) | {:.0} ms |", what_if.as_secs_f64() * 1e3);
    println!("| what-if after narrowing RFP 1 | {:.0} ms |", narrowed.as_secs_f64() * 1e3);
    println!("| full report data (overview with languages, term hits, hot documents) | {:.0} ms |", full.as_secs_f64() * 1e3);
    println!();
    for r in &report.requests {
        println!(
            "{}: {} documents, {} families, {} privileged, {} potentially privileged",
            r.name, r.exposure.documents, r.exposure.families, r.exposure.privileged, r.exposure.potentially_privileged
        );
    }
    println!(
        "overall: {} documents, {} families; narrowed RFP 1: {} → {} documents",
        report.overall.documents,
        report.overall.families,
        report.requests[0].exposure.documents,
        narrowed_report.requests[0].exposure.documents
    );
    drop(m);
    with_a_rule(&dir, &inputs, &live);
}

/// The what-if with a redaction rule, on a copy of the matter (the cached one stays as built).
fn with_a_rule(dir: &std::path::Path, inputs: &ExposureInputs, live: &AssessOptions) {
    let root = dir.parent().unwrap();
    let copy = root.join("with-rule");
    let _ = std::fs::remove_dir_all(&copy);
    assert!(std::process::Command::new("cp").arg("-r").arg(dir).arg(&copy).status().unwrap().success());
    let mut m = Matter::open(&copy).unwrap();
    let t = Instant::now();
    let run = m
        .redact_rule(
            RuleSpec::Terms { terms: vec!["pipeline capacity".into()], whole_word: true, case_sensitive: false },
            "PII",
            Treatment::Redact,
            None,
            false,
        )
        .unwrap();
    let rule_secs = t.elapsed().as_secs_f64();
    let (recorded, report) = time(&mut m, inputs, live, 7);
    drop(m);
    let src = root.join("later");
    let _ = std::fs::remove_dir_all(&src);
    let gen = std::process::Command::new(env!("CARGO_BIN_EXE_exhibit-gen")).arg(&src).args(["--items", "10000", "--seed", "8"]).status();
    assert!(gen.unwrap().success());
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_exhibit"))
        .args(["--matter", copy.to_str().unwrap(), "ingest", src.to_str().unwrap(), "--custodian", "Later"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut m = Matter::open(&copy).unwrap();
    // The first recompute reads the later items; the next ones find the same matter state.
    let (first, _) = time(&mut m, inputs, live, 1);
    let (late, late_report) = time(&mut m, inputs, live, 7);
    println!("\n## With a redaction rule (the term \"pipeline capacity\", every item), on a copy\n");
    println!("| run | median |");
    println!("|---|---|");
    println!("| the rule's run: {} matches in {} items | {rule_secs:.1} s |", run.matches, run.items);
    println!("| what-if, the rule's matches recorded | {:.0} ms |", recorded.as_secs_f64() * 1e3);
    println!(
        "| first what-if after 10,000 more items were ingested (checks them against the rule) | {:.0} ms |",
        first.as_secs_f64() * 1e3
    );
    println!("| the next what-ifs (the matter unchanged since) | {:.0} ms |", late.as_secs_f64() * 1e3);
    println!(
        "\nneeds_redaction overall: {} after the run, {} with the 10,000 later items ({} → {} documents)",
        report.overall.needs_redaction, late_report.overall.needs_redaction, report.overall.documents, late_report.overall.documents
    );
    drop(m);
    let _ = std::fs::remove_dir_all(&copy);
    let _ = std::fs::remove_dir_all(&src);
}
