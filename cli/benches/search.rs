//! Search benchmark: prints figures, never passes or fails on time.
//!
//! `cargo bench --bench search` builds (once, cached under target/) a matter of
//! `EXHIBIT_BENCH_ITEMS` generated items (default 1,000,000, from `exhibit-gen`), then measures:
//! a fixed mix of 20 queries (first page + exact count; median and p95 over repeated runs),
//! facet counts over the whole matter, tagging 100,000 items from a query, and the same
//! queries on SQLite FTS5 over the same text, side by side.

use exhibit::index::Sort;
use exhibit::review::{Propagate, Target};
use exhibit::Matter;

mod common;
use std::path::Path;
use std::time::{Duration, Instant};

/// mimalloc, as in the `exhibit` binary, so the figures stay comparable with BENCHMARKS.md (the
/// library used to set it for every program).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const QUERIES: &[(&str, &str)] = &[
    ("term", "pipeline"),
    ("term, rare", "tariff"),
    ("two terms", "gas contract"),
    ("boolean OR", "settlement OR collateral"),
    ("boolean NOT", "trading -gas"),
    ("nested", "(price OR curve) AND (hedge OR swap)"),
    ("phrase", "\"trading desk\""),
    ("phrase, 3 words", "\"price cap deal\""),
    ("proximity w/5", "price w/5 cap"),
    ("proximity ordered", "credit pre/3 limit"),
    ("phrase slop", "\"risk limit\"~4"),
    ("prefix", "trad*"),
    ("wildcard", "s?ap"),
    ("fuzzy", "pipelne~1"),
    ("field from", "from:kaminski"),
    ("field to", "to:\"sally beck\""),
    ("subject", "subject:schedule"),
    ("date range", "date:[2000-01-01 TO 2000-06-30]"),
    ("date + term", "date:2001-03 AND energy"),
    ("tag filter", "tag:Responsive AND gas"),
];

/// Rough FTS5 equivalents (FTS5 has no fields/dates/tags/fuzzy here: those rows say n/a).
fn fts(q: &str) -> Option<&'static str> {
    Some(match q {
        "pipeline" => "pipeline",
        "tariff" => "tariff",
        "gas contract" => "gas AND contract",
        "settlement OR collateral" => "settlement OR collateral",
        "trading -gas" => "trading NOT gas",
        "(price OR curve) AND (hedge OR swap)" => "(price OR curve) AND (hedge OR swap)",
        "\"trading desk\"" => "\"trading desk\"",
        "\"price cap deal\"" => "\"price cap deal\"",
        "price w/5 cap" => "NEAR(price cap, 5)",
        "\"risk limit\"~4" => "NEAR(risk limit, 4)",
        "trad*" => "trad*",
        _ => return None,
    })
}

fn percentile(v: &mut [Duration], p: f64) -> Duration {
    v.sort();
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

fn main() {
    let items: usize = std::env::var("EXHIBIT_BENCH_ITEMS").ok().and_then(|v| v.replace('_', "").parse().ok()).unwrap_or(1_000_000);
    let (matter_dir, _) = common::generated_matter("search", items);
    let mut m = Matter::open(&matter_dir).unwrap();
    let total_items = m.status().unwrap().items;
    let mut rows = Vec::new();

    // Tagging 100,000 items from a query (and undoing it), before the tag-filter query runs.
    let tag_n = 100_000.min(total_items as usize);
    let t = Instant::now();
    let ids = m.resolve_target(&Target::Query("the OR a OR of".into()), Propagate::default()).unwrap();
    let chosen: Vec<String> = ids.iter().take(tag_n).map(|i| i.to_string()).collect();
    let resolve_time = t.elapsed();
    let t = Instant::now();
    let r = m.tag_add("Responsive", &Target::Items(chosen.clone()), Propagate::default()).unwrap();
    let tag_time = t.elapsed();
    rows.push(format!(
        "| tag {} items (one transaction, audited) | {:.0} ms | (resolving the items took {:.0} ms) |",
        r.changed,
        tag_time.as_secs_f64() * 1e3,
        resolve_time.as_secs_f64() * 1e3
    ));

    // Queries.
    let fts_db = rusqlite::Connection::open(matter_dir.join("exhibit.db")).unwrap();
    let has_fts: bool =
        fts_db.query_row("SELECT COUNT(*) FROM sqlite_master WHERE name = 'bench_fts'", [], |r| r.get::<_, i64>(0)).unwrap() > 0;
    if !has_fts {
        let t = Instant::now();
        fts_db.execute_batch("CREATE VIRTUAL TABLE bench_fts USING fts5(text, content='item_text', content_rowid='item_id'); INSERT INTO bench_fts(bench_fts) VALUES('rebuild');").unwrap();
        println!("built the FTS5 comparison index in {:.1} s", t.elapsed().as_secs_f64());
    }
    let mut all = Vec::new();
    for (label, q) in QUERIES {
        let mut times = Vec::new();
        let mut total = 0;
        for _ in 0..7 {
            let t = Instant::now();
            let r = m.search(q, 25, 0, Sort::Relevance).unwrap();
            times.push(t.elapsed());
            total = r.total;
        }
        all.extend(times.iter().copied());
        let med = percentile(&mut times.clone(), 0.5);
        let p95 = percentile(&mut times, 0.95);
        let fts_cell = match fts(q) {
            Some(fq) => {
                let mut ft = Vec::new();
                let mut n = 0i64;
                for _ in 0..3 {
                    let t = Instant::now();
                    n = fts_db.query_row("SELECT COUNT(*) FROM bench_fts WHERE bench_fts MATCH ?1", [fq], |r| r.get(0)).unwrap();
                    let mut stmt =
                        fts_db.prepare_cached("SELECT rowid FROM bench_fts WHERE bench_fts MATCH ?1 ORDER BY rank LIMIT 25").unwrap();
                    let _: Vec<i64> = stmt.query_map([fq], |r| r.get(0)).unwrap().map(|r| r.unwrap()).collect();
                    ft.push(t.elapsed());
                }
                format!("{:.1} ms ({n} hits)", percentile(&mut ft, 0.5).as_secs_f64() * 1e3)
            }
            None => "n/a".into(),
        };
        rows.push(format!(
            "| `{q}` ({label}) | {:.1} ms | {:.1} ms | {total} | {fts_cell} |",
            med.as_secs_f64() * 1e3,
            p95.as_secs_f64() * 1e3
        ));
    }
    let p50_all = percentile(&mut all.clone(), 0.5);
    let p95_all = percentile(&mut all, 0.95);

    // Facets over the whole matter.
    let mut ft = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        m.facets("*").unwrap();
        ft.push(t.elapsed());
    }
    let facet_med = percentile(&mut ft, 0.5);

    let t = Instant::now();
    m.tag_remove("Responsive", &Target::Items(chosen), Propagate::default()).unwrap();
    let untag = t.elapsed();

    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let mut table = format!(
        "Search benchmark, {total_items} items, {cores} cores, release build, {}\n\n\
         All 20 queries (first page of 25 + exact count): median {:.1} ms, p95 {:.1} ms.\n\
         Facets over the whole matter (kind, custodian, tag, month, extension, sender domain): median {:.0} ms.\n\
         Un-tagging the same items: {:.0} ms.\n\n\
         | query | median | p95 | total | SQLite FTS5 (median, count + first page) |\n|---|---|---|---|---|\n",
        chrono::Utc::now().format("%Y-%m-%d"),
        p50_all.as_secs_f64() * 1e3,
        p95_all.as_secs_f64() * 1e3,
        facet_med.as_secs_f64() * 1e3,
        untag.as_secs_f64() * 1e3
    );
    for r in rows.iter().skip(1) {
        table.push_str(r);
        table.push('\n');
    }
    table.push('\n');
    table.push_str(&rows[0]);
    table.push('\n');
    println!("{table}");
    let _ = std::fs::write(Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench-search.md"), &table);
}
