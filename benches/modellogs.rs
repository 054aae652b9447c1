//! Model-log benchmark: generate N calls (default 1,000,000, ≈2 GB canonical JSONL) to a temp
//! dir, stream-import them into CallSummary (parse only: no database, no index), analyze, and
//! print calls/s, analysis seconds and peak RSS.
//!
//!   cargo bench --bench modellogs                      # 1,000,000 calls
//!   MODELLOGS_BENCH_CALLS=200000 cargo bench --bench modellogs

use std::io::{BufReader, BufWriter, Write};
use std::time::Instant;

use exhibit::modellogs::analyze::{analyze, AnalyzeOptions, CallSummary};
use exhibit::modellogs::generate::{generate, to_line, GenConfig, OutFormat};
use exhibit::modellogs::{import_stream, Format};

fn peak_rss_mib() -> f64 {
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) };
    ru.ru_maxrss as f64 / 1024.0
}

fn main() {
    let target: f64 = std::env::var("MODELLOGS_BENCH_CALLS").ok().and_then(|s| s.parse().ok()).unwrap_or(1_000_000.0);
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("calls.jsonl");
    // Scale 1.0 is about 99.5k calls over 14 days; 40 extra words bring lines to about 2 KB.
    let cfg = GenConfig { seed: 42, scale: target / 99_500.0, extra_completion_words: 40, ..Default::default() };
    let t = Instant::now();
    let mut w = BufWriter::with_capacity(1 << 22, std::fs::File::create(&path).unwrap());
    let mut n = 0u64;
    generate(&cfg, &mut |c| {
        n += 1;
        w.write_all(to_line(&c, OutFormat::Canonical).as_bytes()).unwrap();
        w.write_all(b"\n").unwrap();
    });
    w.flush().unwrap();
    drop(w);
    let bytes = std::fs::metadata(&path).unwrap().len();
    println!("generated {n} calls, {:.2} GB, in {:.1}s", bytes as f64 / 1e9, t.elapsed().as_secs_f64());

    let t = Instant::now();
    let mut sums: Vec<CallSummary> = Vec::with_capacity(n as usize);
    let mut errors = 0u64;
    let f = std::fs::File::open(&path).unwrap();
    import_stream(BufReader::with_capacity(1 << 20, f), &Format::Canonical, &mut |r| match r {
        Ok(c) => {
            let id = sums.len() as u64 + 1;
            sums.push(CallSummary::from_call(&c, id));
        }
        Err(_) => errors += 1,
    });
    let secs = t.elapsed().as_secs_f64();
    println!(
        "import: {} calls in {:.1}s = {:.0} calls/s ({:.0} MB/s), {errors} errors; peak RSS so far {:.0} MiB",
        sums.len(), secs, sums.len() as f64 / secs, bytes as f64 / 1e6 / secs, peak_rss_mib()
    );

    let t = Instant::now();
    let report = analyze(&sums, &AnalyzeOptions::default());
    let asecs = t.elapsed().as_secs_f64();
    println!(
        "analysis: {:.1}s for {} accounts, {} flagged, {} clusters",
        asecs, report.accounts.len(), report.flagged().count(), report.clusters.len()
    );
    println!("peak RSS {:.0} MiB", peak_rss_mib());
    println!(
        "targets: import ≥20000 calls/s: {}; analysis <120 s: {}; memory <2048 MiB: {}",
        if sums.len() as f64 / secs >= 20000.0 { "met" } else { "MISSED" },
        if asecs < 120.0 { "met" } else { "MISSED" },
        if peak_rss_mib() < 2048.0 { "met" } else { "MISSED" }
    );
}
