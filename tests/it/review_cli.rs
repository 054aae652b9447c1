//! A day of review from the command line (issue 17): control numbers find their items, facets
//! count every value, and the CLI's text, errors and audit trail say what a reviewer needs.
//! The Enron part reads ../shared/corpus in place and skips, saying so, without it.

use crate::common;

use common::*;
use exhibit::Matter;
use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::Command;

/// Runs the CLI with extra environment; returns (exit code, stdout, stderr).
fn cli_env(args: &[&str], env: &[(&str, &str)], remove: &[&str]) -> (i32, String, String) {
    let mut cmd = Command::new(exe());
    cmd.args(args).env_remove("EXHIBIT_ACTOR");
    for k in remove {
        cmd.env_remove(k);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run exhibit");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn enron_control_numbers_and_every_month() {
    let Some(enron) = corpus("email/enron/beck-s", "control numbers and months on beck-s") else { return };
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("m");
    let mut m = Matter::create(&dir, "beck").unwrap();
    ingest(&mut m, &enron, "Beck, Sally");

    // Months: what a naive reading of every message's Date header says, month by month (UTC).
    let mut want: BTreeMap<String, u64> = BTreeMap::new();
    for e in walkdir::WalkDir::new(&enron).into_iter().filter_map(|e| e.ok()).filter(|e| e.file_type().is_file()) {
        let h = headers(&fs::read(e.path()).unwrap());
        let raw = h.get("date").expect("every Enron message has a Date");
        let d = chrono::DateTime::parse_from_rfc2822(raw.split(" (").next().unwrap()).unwrap().with_timezone(&chrono::Utc);
        *want.entry(d.format("%Y-%m").to_string()).or_default() += 1;
    }
    let facets = m.facets("kind:email").unwrap();
    let got: BTreeMap<String, u64> = facets.month.iter().cloned().collect();
    // Duplicates are one item: compare the months, and counts no larger than the files'.
    assert_eq!(got.keys().collect::<Vec<_>>(), want.keys().collect::<Vec<_>>(), "every month the mail spans");
    assert!(facets.month.len() > 12, "beck-s's mail spans {} months, more than the panel once showed", facets.month.len());
    let everything = m.facets("*").unwrap();
    assert!(everything.month.len() >= facets.month.len(), "attachments' own dates add months");
    for (month, n) in &got {
        assert!(*n > 0 && n <= &want[month], "{month}: {n} items, {} files", want[month]);
    }

    // Control numbers, resolved from the database.
    let db = rusqlite::Connection::open(dir.join("exhibit.db")).unwrap();
    let controls: Vec<(i64, String)> = db
        .prepare("SELECT id, control FROM item ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let total = controls.len();
    assert!(total > 1900, "{total} items");
    let ids = |q: &str| -> Vec<i64> {
        let r = m.search(q, 100_000, 0, Default::default()).unwrap_or_else(|e| panic!("{q}: {e}"));
        assert_eq!(r.total, r.hits.len(), "{q}");
        let mut v: Vec<i64> = r.hits.iter().map(|h| h.id).collect();
        v.sort();
        v
    };
    let (id, control) = controls[total / 2].clone();
    assert_eq!(ids(&format!("control:{control}")), [id]);
    assert_eq!(ids(&format!("control:{}", control.to_lowercase())), [id], "any case");
    assert_eq!(ids(&format!("control:EXH-{id}")), [id], "leading zeros optional");
    assert_eq!(ids(&control), [id], "a control number pasted bare");
    assert_eq!(ids(&format!("{control} OR {}", controls[1].1)), [controls[1].0, id]);
    assert_eq!(ids(&format!("\"{control}\"")), Vec::<i64>::new(), "quoted, it is only a word of the text");
    assert_eq!(ids(&format!("NOT control:{control}")).len(), total - 1);
    let (lo, hi) = (&controls[100], &controls[200]);
    let range = ids(&format!("control:[{} TO {}]", lo.1, hi.1));
    assert_eq!(range, (lo.0..=hi.0).collect::<Vec<_>>());
    assert_eq!(ids(&format!("control:[{} TO {}] -control:{}", lo.1, hi.1, lo.1)), (lo.0 + 1..=hi.0).collect::<Vec<_>>());
    // A number-shaped word that names no item is searched as a word, not refused.
    assert_eq!(ids("EXH-9999999"), Vec::<i64>::new());
    assert_eq!(ids("control:EXH-9999999"), Vec::<i64>::new());
    let e = m.search("control:[EXH-0000200 TO EXH-0000100]", 10, 0, Default::default()).unwrap_err();
    assert_eq!(e.code(), exhibit::api::ErrorCode::BadQuery, "{e}");

    // The CLI names every month in its facet table, and finds the pasted control number.
    let mp = dir.to_str().unwrap();
    let (code, out, err) = cli(&["--matter", mp, "facets", "kind:email"]);
    assert_eq!(code, 0, "{err}");
    for month in want.keys() {
        assert!(out.lines().any(|l| l.split_whitespace().next() == Some(month.as_str())), "{month} missing from:\n{out}");
    }
    let found = cli_json(&["--matter", mp, "search", &control]);
    assert_eq!(found["total"], 1);
    assert_eq!(found["hits"][0]["control"], control.as_str());
    // `show` keeps the custodian "Beck, Sally" whole.
    let (code, out, _) = cli(&["--matter", mp, "show", &control]);
    assert_eq!(code, 0);
    assert!(out.lines().any(|l| l == "custodians: Beck, Sally"), "{out}");
}

#[test]
fn the_cli_speaks_json_on_failure_and_names_items_by_control_number() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    fs::create_dir_all(&src).unwrap();
    fs::write(src.join("pricing.txt"), "Pricing memo: AT&amp;T pays &gt; 5 units &#8212; see Beck, Sally.").unwrap();
    fs::write(src.join("second.txt"), "Another pricing note for the desk.").unwrap();
    // A zip cut in half: an ingest error whose original is kept as an item.
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    w.start_file("inside.txt", zip::write::SimpleFileOptions::default()).unwrap();
    std::io::Write::write_all(&mut w, "text inside the archive ".repeat(50).as_bytes()).unwrap();
    let zip = w.finish().unwrap().into_inner();
    fs::write(src.join("broken.zip"), &zip[..zip.len() / 2]).unwrap();
    let dir = tmp.path().join("m");
    let mp = dir.to_str().unwrap();

    // `init` refuses a folder holding other files, and says what to do; --json says it as JSON.
    let (code, out, err) = cli(&["init", src.to_str().unwrap(), "--json"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("is not empty and holds no matter") && err.contains("new folder"), "{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}"));
    assert_eq!(doc["error"]["code"], "invalid", "{doc}");
    assert!(!src.join("exhibit.db").exists());

    cli_json(&["init", mp]);
    cli_json(&["--matter", mp, "ingest", src.to_str().unwrap(), "--custodian", "Beck, Sally"]);

    // Snippets show the characters, not HTML references.
    let (code, out, err) = cli(&["--matter", mp, "search", "memo"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("AT&T pays > 5 units — see Beck, Sally"), "{out}");
    assert!(!out.contains("&amp;") && !out.contains("&gt;"), "{out}");
    // --limit 0: the count, no hit.
    let (code, out, _) = cli(&["--matter", mp, "search", "pricing", "--limit", "0"]);
    assert_eq!(code, 0);
    assert_eq!(out.trim(), "2 items match", "{out}");
    let v = cli_json(&["--matter", mp, "search", "pricing", "--limit", "0"]);
    assert_eq!((v["total"].as_u64(), v["hits"].as_array().map(Vec::len)), (Some(2), Some(0)), "{v}");
    // --facets without --json: tables.
    let (_, out, _) = cli(&["--matter", mp, "search", "pricing", "--facets"]);
    assert!(out.lines().any(|l| l.starts_with("Custodian") && l.trim_end().ends_with("items")), "{out}");
    assert!(out.lines().any(|l| l.starts_with("Beck, Sally") && l.trim_end().ends_with(" 2")), "{out}");

    // `errors` names the item by control number.
    let errors = cli_json(&["--matter", mp, "errors"]);
    let broken = errors["errors"].as_array().unwrap().iter().find(|e| e["path"].as_str().unwrap().ends_with("broken.zip")).cloned();
    let broken = broken.unwrap_or_else(|| panic!("the broken zip is an error: {errors}"));
    let (_, out, _) = cli(&["--matter", mp, "errors"]);
    let line = out.lines().find(|l| l.contains("broken.zip")).unwrap_or_else(|| panic!("{out}"));
    assert!(line.starts_with(broken["control"].as_str().expect("the broken original is an item")), "{line}");

    // Failures with --json: one JSON document on stdout, the exit status of cli.md.
    let (code, out, err) = cli(&["--matter", mp, "show", "EXH-0099999", "--json"]);
    assert_eq!(code, 1, "{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}"));
    assert_eq!(doc["error"]["code"], "no_item");
    assert!(err.contains("no item EXH-0099999"), "the message still goes to stderr: {err}");
    let (code, out, _) = cli(&["--matter", mp, "search", "price w/", "--json"]);
    assert_eq!(code, 2);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["error"]["code"], "bad_query");
    assert!(doc["error"]["message"].as_str().unwrap().contains("at character 7"), "{doc}");
    let (code, out, err) = cli(&["--matter", mp, "search", "--json"]);
    assert_eq!(code, 2, "{err}");
    let doc: serde_json::Value =
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("a usage error with --json is JSON too ({e}): {out}"));
    assert_eq!(doc["error"]["code"], "bad_request");
    // No matter named: the message says what to give, with its placeholder once.
    let (code, _, err) = cli_env(&["status"], &[], &["EXHIBIT_MATTER"]);
    assert_eq!(code, 1);
    assert!(err.contains("--matter") && err.contains("EXHIBIT_MATTER"), "{err}");
    assert!(err.matches("FOLDER").count() == 1 && !err.contains("DIR"), "{err}");

    // A mistyped tag is refused, naming the tags there are; --create makes a new one.
    let hit = cli_json(&["--matter", mp, "search", "memo"])["hits"][0]["control"].as_str().unwrap().to_string();
    let (code, out, err) = cli(&["--matter", mp, "tag", "add", "Hott", &hit, "--json"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("no tag named 'Hott'") && err.contains("Hot") && err.contains("--create"), "{err}");
    assert_eq!(serde_json::from_str::<serde_json::Value>(&out).unwrap()["error"]["code"], "not_found");
    assert_eq!(count(&dir, "SELECT COUNT(*) FROM tag WHERE name = 'Hott'"), 0);
    assert_eq!(cli_json(&["--matter", mp, "tag", "add", "hot", &hit])["changed"], 1, "an existing tag, any case");
    assert_eq!(cli_json(&["--matter", mp, "tag", "add", "Pricing", &hit, "--create"])["changed"], 1);

    // Who acted: --actor, else EXHIBIT_ACTOR, else the operating-system account (with $USER unset).
    let (code, out, err) = cli_env(&["--matter", mp, "--actor", "Jane Reviewer", "note", "add", &hit, "check", "the", "price"], &[], &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.trim(), format!("note 1 added to {hit}"));
    cli_env(&["--matter", mp, "note", "add", &hit, "second"], &[("EXHIBIT_ACTOR", "Sam Counsel")], &[]);
    cli_env(&["--matter", mp, "note", "add", &hit, "third"], &[], &["USER", "LOGNAME"]);
    let notes = cli_json(&["--matter", mp, "note", "list", &hit]);
    let actors: Vec<&str> = notes["notes"].as_array().unwrap().iter().map(|n| n["actor"].as_str().unwrap()).collect();
    let me = exhibit::store::actor::os_user();
    assert_eq!(actors, ["Jane Reviewer", "Sam Counsel", me.as_str()]);
    assert_ne!(me, "unknown");
    let audit = cli_json(&["--matter", mp, "audit", "--limit", "3"]);
    let audit_actors: Vec<&str> = audit["entries"].as_array().unwrap().iter().map(|e| e["actor"].as_str().unwrap()).collect();
    assert_eq!(audit_actors, [me.as_str(), "Sam Counsel", "Jane Reviewer"], "newest first: {audit}");
    assert_eq!(count(&dir, "SELECT COUNT(*) FROM audit WHERE actor = 'unknown'"), 0);
}

#[test]
fn help_covers_the_query_language_and_every_command() {
    let (code, out, _) = cli(&["help", "query"]);
    assert_eq!(code, 0);
    let doc = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/query-language.md")).unwrap();
    assert_eq!(out, doc, "`exhibit help query` prints docs/query-language.md");
    let (code, out, _) = cli(&["search", "--help"]);
    assert_eq!(code, 0);
    assert!(out.contains("exhibit help query") && out.contains("w/5") && out.contains("control:EXH-0001990"), "{out}");
    let (code, out, _) = cli(&["help", "tag", "add"]);
    assert_eq!(code, 0);
    assert!(out.contains("--create") && out.contains("Usage: exhibit tag add"), "{out}");
    let (code, _, err) = cli(&["help", "nonsense"]);
    assert_eq!(code, 2);
    assert!(err.contains("exhibit help query"), "{err}");
}
