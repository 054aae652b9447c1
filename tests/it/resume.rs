//! An ingest SIGKILLed at several points, resumed each time, ends exactly as a clean run.

use crate::common;

use common::*;
use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

fn make_source(dir: &Path) {
    // Deterministic material: unique memos, repeated boilerplate (duplicates), archives.
    for i in 0..3000u32 {
        let sub = dir.join(format!("folder-{:02}", i % 37));
        fs::create_dir_all(&sub).unwrap();
        let body = if i % 10 == 0 {
            "standard disclaimer: this message is confidential".to_string()
        } else {
            format!("memo {i}: shipment {} of contract {} due {}", i * 7919 % 10007, i % 113, 1990 + i % 30)
        };
        fs::write(sub.join(format!("memo-{i:05}.txt")), body).unwrap();
    }
    for z in 0..20u32 {
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for e in 0..25u32 {
            w.start_file(format!("docs/{e}.txt"), zip::write::SimpleFileOptions::default()).unwrap();
            write!(w, "archived record {z}-{e} about pipeline capacity").unwrap();
        }
        fs::write(dir.join(format!("archive-{z:02}.zip")), w.finish().unwrap().into_inner()).unwrap();
    }
}

/// What must be equal between an interrupted-and-resumed matter and a clean one.
fn fingerprint(matter: &Path) -> (i64, i64, i64, i64, i64, i64) {
    (
        count(matter, "SELECT COUNT(*) FROM item"),
        count(matter, "SELECT COUNT(DISTINCT sha256 || kind) FROM item"),
        count(matter, "SELECT COUNT(*) FROM item_location"),
        count(matter, "SELECT COUNT(*) FROM ingest_error"),
        count(matter, "SELECT COUNT(*) FROM item WHERE parent_id IS NULL AND container_id IS NOT NULL"),
        count(matter, "SELECT COUNT(*) FROM item_text"),
    )
}

#[test]
fn sigkilled_ingest_resumes_to_the_same_matter_as_a_clean_run() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    make_source(&src);
    let src_s = src.to_str().unwrap();

    let clean = tmp.path().join("clean");
    cli_json(&["init", clean.to_str().unwrap()]);
    let clean_run = cli_json(&["--matter", clean.to_str().unwrap(), "ingest", src_s, "--custodian", "Kill, Test"]);
    let expected = fingerprint(&clean);
    assert_eq!(clean_run["items_total"].as_i64().unwrap(), expected.0);

    let resumed = tmp.path().join("resumed");
    cli_json(&["init", resumed.to_str().unwrap()]);
    let mut partial_counts = Vec::new();
    // Kill when the resumed matter has reached given shares of the clean run's items, watching
    // its database from here (WAL lets a reader look while the ingest writes), and once right
    // at the start. Timed kills would depend on this machine's speed.
    let items_of = |m: &std::path::Path| -> i64 {
        rusqlite::Connection::open(m.join("exhibit.db"))
            .and_then(|db| db.query_row("SELECT COUNT(*) FROM item", [], |r| r.get(0)))
            .unwrap_or(0)
    };
    for share in [0.0f64, 0.15, 0.4, 0.65, 0.85] {
        let target = (expected.0 as f64 * share) as i64;
        let mut child = Command::new(exe())
            .args(["--matter", resumed.to_str().unwrap(), "ingest", src_s, "--custodian", "Kill, Test", "--json"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = std::time::Instant::now() + Duration::from_secs(120);
        if share == 0.0 {
            std::thread::sleep(Duration::from_millis(30));
        } else {
            while items_of(&resumed) < target && child.try_wait().unwrap().is_none() && std::time::Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(3));
            }
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        partial_counts.push(items_of(&resumed));
    }
    eprintln!("items after each kill: {partial_counts:?} (clean run: {})", expected.0);
    assert!(
        partial_counts.iter().any(|&n| n > 0 && n < expected.0),
        "no kill landed in the middle of an ingest ({partial_counts:?}); the test proved nothing"
    );

    let last = cli_json(&["--matter", resumed.to_str().unwrap(), "ingest", src_s, "--custodian", "Kill, Test"]);
    assert_eq!(fingerprint(&resumed), expected, "resumed matter differs from the clean one");
    assert_eq!(last["items_total"], clean_run["items_total"]);

    let v = cli_json(&["--matter", resumed.to_str().unwrap(), "verify"]);
    assert_eq!(v["ok"], true, "{v}");
    // And one more run adds nothing.
    let again = cli_json(&["--matter", resumed.to_str().unwrap(), "ingest", src_s, "--custodian", "Kill, Test"]);
    assert_eq!(again["items_added"], 0);
    // Search agrees with the clean matter.
    for q in ["pipeline", "disclaimer", "\"contract 7\""] {
        let a = cli_json(&["--matter", clean.to_str().unwrap(), "search", q]);
        let b = cli_json(&["--matter", resumed.to_str().unwrap(), "search", q]);
        assert_eq!(a["total"], b["total"], "query {q}");
    }
}
