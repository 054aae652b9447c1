//! Model-log benchmark: generate N calls (default 1,000,000, ≈2.3 GB canonical JSONL) to a temp
//! dir, then
//!
//! 1. import them end to end into a fresh matter (`Matter::ingest`: items, text, `model_call`
//!    rows, audit, search index) and analyze the stored calls (`Matter::analyze_calls`);
//! 2. stream-parse the same file into CallSummary (parse only: no database, no index) and
//!    analyze in memory.
//!
//! Each phase prints wall time, CPU time (user + system; the machine is shared, so wall time
//! alone can mislead) and its own peak RSS. Benchmarks print figures; they never fail on time.
//!
//!   cargo bench --bench modellogs                      # 1,000,000 calls
//!   MODELLOGS_BENCH_CALLS=200000 cargo bench --bench modellogs
//!   MODELLOGS_BENCH_MATTER=0 cargo bench --bench modellogs   # parse-only phase
//!   MODELLOGS_BENCH_LOG=dir cargo bench --bench modellogs      # import dir's .jsonl instead
//!
//! The matter needs about 6 KB of disk per call (≈11 GB with the log and its original for
//! 1,000,000 calls); it is deleted at the end.

use std::io::{BufReader, BufWriter, Write};
use std::time::Instant;

use exhibit::ingest::pipeline::IngestOptions;
use exhibit::modellogs::analyze::{analyze, AnalyzeOptions, CallSummary};
use exhibit::modellogs::generate::{generate, to_line, GenConfig, OutFormat};
use exhibit::modellogs::{import_stream, Format, GroupBy};
use exhibit::Matter;

/// mimalloc, as in the `exhibit` binary, so the figures stay comparable with BENCHMARKS.md (the
/// library used to set it for every program).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The process's peak resident set since the last [`reset_peak_rss`], in MiB (`VmHWM`).
fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb = status.lines().find_map(|l| l.strip_prefix("VmHWM:")).and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok());
    match kb {
        Some(kb) => kb / 1024.0,
        None => {
            let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
            unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) };
            ru.ru_maxrss as f64 / 1024.0
        }
    }
}

/// Starts a new peak-RSS measurement (Linux: writing 5 to clear_refs resets `VmHWM`), so each
/// phase reports its own peak rather than the largest so far.
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// User + system CPU seconds of this process so far (all threads).
fn cpu_secs() -> f64 {
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) };
    let t = |tv: libc::timeval| tv.tv_sec as f64 + tv.tv_usec as f64 / 1e6;
    t(ru.ru_utime) + t(ru.ru_stime)
}

fn met(ok: bool) -> &'static str {
    if ok {
        "met"
    } else {
        "MISSED"
    }
}

/// Phase 1: the whole store + index path into a fresh matter, then the analysis over it.
fn matter_phase(src: &std::path::Path, dir: &std::path::Path, calls: u64) {
    let matter_dir = dir.join("matter");
    let mut m = Matter::create(&matter_dir, "modellogs bench").expect("matter");
    reset_peak_rss();
    let (t, cpu) = (Instant::now(), cpu_secs());
    let opts = IngestOptions { custodian: "API logs".into(), ..Default::default() };
    let s = m.ingest(&[src.to_path_buf()], &opts, &mut |_| {}).expect("ingest");
    let (secs, cpu) = (t.elapsed().as_secs_f64(), cpu_secs() - cpu);
    let rss = peak_rss_mib();
    let rate = calls as f64 / secs;
    println!(
        "matter import: {} items ({calls} calls + the log), {} errors, in {secs:.1}s = {rate:.0} calls/s; CPU {cpu:.1}s ({:.0} calls per CPU-second); peak RSS {rss:.0} MiB",
        s.items_added,
        s.errors,
        calls as f64 / cpu
    );
    // The index merges the import's segments in the background (searches see every call
    // already); waited for here so that the analysis below is timed alone.
    let (t, mcpu) = (Instant::now(), cpu_secs());
    m.wait_for_index_merges().expect("merges");
    let merge_rss = peak_rss_mib();
    println!(
        "index merges still running after the import: {:.1}s, CPU {:.1}s; peak RSS {merge_rss:.0} MiB",
        t.elapsed().as_secs_f64(),
        cpu_secs() - mcpu
    );
    let size = |p: &std::path::Path| {
        walkdir::WalkDir::new(p).into_iter().filter_map(|e| e.ok()).filter_map(|e| e.metadata().ok()).map(|m| m.len()).sum::<u64>()
    };
    println!(
        "matter on disk: database {:.2} GB, index {:.2} GB, originals {:.2} GB",
        size(&matter_dir.join("exhibit.db")) as f64 / 1e9 + size(&matter_dir.join("exhibit.db-wal")) as f64 / 1e9,
        size(&matter_dir.join("index")) as f64 / 1e9,
        size(&matter_dir.join("blobs")) as f64 / 1e9
    );

    reset_peak_rss();
    let (t, acpu) = (Instant::now(), cpu_secs());
    let report = m.analyze_calls(GroupBy::Account, None).expect("analyze");
    let (asecs, acpu) = (t.elapsed().as_secs_f64(), cpu_secs() - acpu);
    let arss = peak_rss_mib();
    println!(
        "matter analysis (Matter::analyze_calls): {asecs:.1}s, CPU {acpu:.1}s, peak RSS {arss:.0} MiB; {} accounts, {} flagged, {} clusters",
        report.accounts.len(),
        report.flagged().count(),
        report.clusters.len()
    );
    println!(
        "targets (matter): import ≥20000 calls/s: {}; memory <2048 MiB: {}; analysis <120 s: {}",
        met(rate >= 20000.0),
        met(rss.max(merge_rss).max(arss) < 2048.0),
        met(asecs < 120.0)
    );
    drop(m);
    let _ = std::fs::remove_dir_all(&matter_dir);
}

/// Phase 2: parsing alone, into analysis summaries, and the analysis in memory.
fn parse_phase(path: &std::path::Path, bytes: u64) {
    reset_peak_rss();
    let t = Instant::now();
    let mut sums: Vec<CallSummary> = Vec::new();
    let mut errors = 0u64;
    let f = std::fs::File::open(path).unwrap();
    import_stream(BufReader::with_capacity(1 << 20, f), &Format::Canonical, &mut |r| match r {
        Ok(c) => {
            let id = sums.len() as u64 + 1;
            sums.push(CallSummary::from_call(&c, id));
        }
        Err(_) => errors += 1,
    });
    let secs = t.elapsed().as_secs_f64();
    println!(
        "parse only: {} calls in {:.1}s = {:.0} calls/s ({:.0} MB/s), {errors} errors; peak RSS so far {:.0} MiB",
        sums.len(),
        secs,
        sums.len() as f64 / secs,
        bytes as f64 / 1e6 / secs,
        peak_rss_mib()
    );

    let t = Instant::now();
    let report = analyze(&sums, &AnalyzeOptions::default());
    let asecs = t.elapsed().as_secs_f64();
    println!(
        "analysis in memory: {:.1}s for {} accounts, {} flagged, {} clusters",
        asecs,
        report.accounts.len(),
        report.flagged().count(),
        report.clusters.len()
    );
    println!("peak RSS {:.0} MiB", peak_rss_mib());
    println!(
        "targets (parse only): ≥20000 calls/s: {}; analysis <120 s: {}; memory <2048 MiB: {}",
        met(sums.len() as f64 / secs >= 20000.0),
        met(asecs < 120.0),
        met(peak_rss_mib() < 2048.0)
    );
}

/// Lines in a file, read a chunk at a time (a log may be larger than memory).
fn count_lines(path: &std::path::Path) -> u64 {
    use std::io::Read;
    let mut f = std::fs::File::open(path).unwrap();
    let mut buf = vec![0u8; 1 << 20];
    let mut n = 0;
    loop {
        match f.read(&mut buf).unwrap() {
            0 => return n,
            k => n += buf[..k].iter().filter(|&&b| b == b'\n').count() as u64,
        }
    }
}

fn main() {
    let target: f64 = std::env::var("MODELLOGS_BENCH_CALLS").ok().and_then(|s| s.parse().ok()).unwrap_or(1_000_000.0);
    let with_matter = std::env::var("MODELLOGS_BENCH_MATTER").map(|v| v != "0").unwrap_or(true);
    let dir = tempfile::tempdir().expect("tempdir");
    // An existing log (a folder holding one canonical JSONL file) instead of a generated one:
    // repeated runs then import the very same calls.
    if let Some(src) = std::env::var_os("MODELLOGS_BENCH_LOG").map(std::path::PathBuf::from) {
        let path = std::fs::read_dir(&src)
            .expect("MODELLOGS_BENCH_LOG is a folder")
            .flatten()
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|e| e == "jsonl"))
            .expect("a .jsonl file in MODELLOGS_BENCH_LOG");
        let bytes = std::fs::metadata(&path).unwrap().len();
        let n = count_lines(&path);
        println!("existing log: {n} calls, {:.2} GB", bytes as f64 / 1e9);
        if with_matter {
            matter_phase(&src, dir.path(), n);
        }
        return parse_phase(&path, bytes);
    }
    let src = dir.path().join("src");
    std::fs::create_dir_all(&src).unwrap();
    let path = src.join("calls.jsonl");
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
    // On disk before the import starts, as a log to be imported is: the import should not pay
    // for writing back what the generator just wrote.
    w.into_inner().unwrap().sync_all().unwrap();
    let bytes = std::fs::metadata(&path).unwrap().len();
    println!("generated {n} calls, {:.2} GB, in {:.1}s", bytes as f64 / 1e9, t.elapsed().as_secs_f64());

    if with_matter {
        matter_phase(&src, dir.path(), n);
    }
    parse_phase(&path, bytes);
}
