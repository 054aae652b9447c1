//! `exhibit show` is a transport over the API's `item`: the built binary's `--json` answer is
//! the API's answer, whole, for the plain and the redacted view; and `--hits` in the redacted
//! view is refused the same way by both.

use exhibit::api::{Request, Session};
use exhibit::Matter;
use serde_json::{json, Value};
use std::process::Command;

fn exhibit(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_exhibit")).args(args).output().expect("run exhibit");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

fn json_of(args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.push("--json");
    let (code, out, err) = exhibit(&all);
    assert_eq!(code, 0, "exhibit {args:?}: {err}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("exhibit {args:?} printed no JSON ({e}): {out}"))
}

fn api_item(matter: &std::path::Path, params: Value) -> Result<Value, exhibit::api::ApiError> {
    let mut s = Session::with_matter(Matter::open(matter).unwrap());
    let req = Request::from_json(json!({"method": "item", "params": params})).unwrap();
    s.handle(req)
}

#[test]
fn show_prints_the_api_item_answer_plain_and_redacted() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    std::fs::create_dir(&src).unwrap();
    std::fs::write(src.join("memo.txt"), "Call Dana at dana.reyes@example.com about the price cap on Friday.\n").unwrap();
    let m = tmp.path().join("m");
    let ms = m.to_str().unwrap();
    json_of(&["init", ms]);
    json_of(&["--matter", ms, "ingest", src.to_str().unwrap(), "--custodian", "Reyes, Dana", "--workers", "1"]);
    let found = json_of(&["--matter", ms, "search", "price"]);
    let id = found["hits"][0]["id"].to_string();

    let shown = json_of(&["--matter", ms, "show", &id, "--hits", "price"]);
    assert_eq!(shown, api_item(&m, json!({"id": id, "hits": "price"})).unwrap(), "plain view");
    assert!(shown["hits"].as_array().is_some_and(|h| h.len() == 1), "{shown:#}");

    let rule = json_of(&["--matter", ms, "redact", "rule", "add", "--builtin", "email", "--reason", "PII"]);
    assert_eq!(rule["matches"], 1, "{rule}");
    let shown = json_of(&["--matter", ms, "show", &id, "--redacted"]);
    assert_eq!(shown, api_item(&m, json!({"id": id, "redacted": true})).unwrap(), "redacted view");
    assert!(!shown["text"].as_str().unwrap().contains("dana.reyes@example.com"), "{shown:#}");

    // The refusal of hit offsets in the redacted view: one message, and the CLI's exit 1; with
    // --json the API's error is the JSON document on stdout.
    let refused = api_item(&m, json!({"id": id, "redacted": true, "hits": "dana"})).unwrap_err();
    let (code, out, err) = exhibit(&["--matter", ms, "show", &id, "--redacted", "--hits", "dana", "--json"]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(serde_json::from_str::<Value>(&out).unwrap(), json!({ "error": refused }), "{out}");
    assert_eq!(err.trim(), format!("exhibit: {}", refused.message));
}

#[test]
fn a_missing_matter_says_how_to_name_one_and_exits_1() {
    let (code, out, err) = Command::new(env!("CARGO_BIN_EXE_exhibit"))
        .args(["status", "--json"])
        .env_remove("EXHIBIT_MATTER")
        .output()
        .map(|o| (o.status.code(), String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned()))
        .unwrap();
    assert_eq!(code, Some(1));
    assert_eq!(serde_json::from_str::<Value>(&out).unwrap()["error"]["code"], "no_matter", "{out}");
    assert!(err.contains("give --matter with the matter's folder, or set EXHIBIT_MATTER"), "{err}");
}

#[test]
fn an_unreadable_query_is_bad_usage() {
    let tmp = tempfile::tempdir().unwrap();
    let m = tmp.path().join("m");
    let ms = m.to_str().unwrap();
    json_of(&["init", ms]);
    let (code, out, err) = exhibit(&["--matter", ms, "search", "(unclosed", "--json"]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(serde_json::from_str::<Value>(&out).unwrap()["error"]["code"], "bad_query", "{out}");
    assert!(err.starts_with("exhibit: "), "{err}");
}
