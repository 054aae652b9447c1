//! Helpers shared by the integration tests.
#![allow(dead_code)]

use exhibit::ingest::{IngestOptions, IngestSummary};
use exhibit::Matter;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The built `exhibit` binary (also the worker executable).
pub fn exe() -> PathBuf {
    program("exhibit")
}

/// A program of the exhibit-cli package (`exhibit`, `exhibit-loggen`), built beside this test
/// (target/<profile>/). Cargo gives a package's tests only its own programs (`CARGO_BIN_EXE_*`),
/// so these are found by path: `cargo test --workspace` (or a bare `cargo test`) builds them
/// with the cli's own tests; a filtered run (`--test NAME`) drives what the last build left.
pub fn program(name: &str) -> PathBuf {
    let test = std::env::current_exe().expect("the test's own path");
    // target/<profile>/deps/<test> → target/<profile>/<name>
    let dir = test.parent().and_then(Path::parent).expect("a test binary lives in target/<profile>/deps");
    let path = dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(path.exists(), "{} is not built: run `cargo build --workspace` first (it is a program of cli/)", path.display());
    path
}

/// ../shared/corpus, or `None` (and a message saying the test is skipped).
pub fn corpus(sub: &str, test: &str) -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus").join(sub);
    if p.exists() {
        Some(p)
    } else {
        skipped(&format!("{test}: {} is absent (the shared corpus is not beside this checkout)", p.display()));
        None
    }
}

/// Says that the running test (or a part of it) did not run, and why: on stderr, and as a line
/// of the skip log (`EXHIBIT_SKIP_LOG`, else target/test-skips.log), which `make test` prints in
/// its summary — the test harness itself reports a test that returned early as `ok` and
/// swallows what it printed.
pub fn skipped(reason: &str) {
    eprintln!("SKIPPED: {reason}");
    // libtest names each test's thread after the test: `suite::test_name`.
    let thread = std::thread::current();
    let test = thread.name().filter(|n| *n != "main").unwrap_or("(unnamed test)");
    let suite = test.split("::").next().unwrap_or(test);
    let log = std::env::var_os("EXHIBIT_SKIP_LOG").map(PathBuf::from).unwrap_or_else(|| {
        // target/<profile>/deps/<test binary> → target/test-skips.log
        let exe = std::env::current_exe().unwrap_or_default();
        exe.ancestors().nth(3).unwrap_or(Path::new(".")).join("test-skips.log")
    });
    let line = format!("rust it::{suite}\t{test}\t{}\n", reason.replace(['\t', '\n'], " "));
    use std::io::Write;
    if let Ok(mut f) = std::fs::OpenOptions::new().create(true).append(true).open(&log) {
        let _ = f.write_all(line.as_bytes());
    }
}

pub fn opts(custodian: &str) -> IngestOptions {
    IngestOptions { custodian: custodian.into(), worker_exe: Some(exe()), workers: 2, ..Default::default() }
}

pub fn ingest(m: &mut Matter, src: &Path, custodian: &str) -> IngestSummary {
    m.ingest(&[src.to_path_buf()], &opts(custodian), &mut |_| {}).expect("ingest")
}

/// Runs the CLI; returns (exit code, stdout, stderr).
pub fn cli(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(exe()).args(args).output().expect("run exhibit");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

pub fn cli_json(args: &[&str]) -> serde_json::Value {
    let mut all: Vec<&str> = args.to_vec();
    all.push("--json");
    let (code, out, err) = cli(&all);
    assert_eq!(code, 0, "exhibit {args:?} failed: {err}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("exhibit {args:?}: not JSON ({e}): {out}"))
}

/// Counts rows of a query against the matter database (read-only use by tests).
pub fn count(matter: &Path, sql: &str) -> i64 {
    let db = rusqlite::Connection::open(matter.join("exhibit.db")).unwrap();
    db.query_row(sql, [], |r| r.get(0)).unwrap()
}

/// The header block of a raw message, unfolded, as (lower-case name, value); the first
/// occurrence of a repeated header wins. A deliberately naive reading, independent of the
/// mail parser under test.
pub fn headers(raw: &[u8]) -> std::collections::HashMap<String, String> {
    let text = String::from_utf8_lossy(raw);
    let mut out = std::collections::HashMap::new();
    let mut last: Option<String> = None;
    for line in text.lines() {
        if line.is_empty() {
            break;
        }
        if line.starts_with([' ', '\t']) {
            if let Some(k) = &last {
                let v: &mut String = out.get_mut(k).unwrap();
                v.push(' ');
                v.push_str(line.trim());
            }
            continue;
        }
        if let Some((k, v)) = line.split_once(':') {
            let k = k.trim().to_ascii_lowercase();
            if out.contains_key(&k) {
                last = None;
            } else {
                out.insert(k.clone(), v.trim().to_string());
                last = Some(k);
            }
        }
    }
    out
}

/// Lower-case addresses in a header value ("Name <a@b>, c@d" → {a@b, c@d}).
pub fn addresses(v: &str) -> std::collections::BTreeSet<String> {
    v.split([',', ' ', '<', '>', '"', '\t'])
        .filter(|t| t.contains('@'))
        .map(|t| t.trim_matches(|c: char| c == '\'' || c == '.' || c == ';').to_ascii_lowercase())
        .collect()
}

/// A PDF string literal (for PDFs the tests build with lopdf, through pdf_extract).
pub fn lit(s: &str) -> pdf_extract::Object {
    pdf_extract::Object::String(s.as_bytes().to_vec(), pdf_extract::StringFormat::Literal)
}

/// Content-stream operations that show `s` in font `F1` at `size` points, at (`x`, `y`).
pub fn pdf_text(x: f64, y: f64, size: i64, s: &str) -> Vec<pdf_extract::content::Operation> {
    use pdf_extract::content::Operation;
    vec![
        Operation::new("BT", vec![]),
        Operation::new("Tf", vec!["F1".into(), size.into()]),
        Operation::new("Tm", vec![1.into(), 0.into(), 0.into(), 1.into(), x.into(), y.into()]),
        Operation::new("Tj", vec![lit(s)]),
        Operation::new("ET", vec![]),
    ]
}
