//! The audit log anchors and replays: each tamper with a real matter — cutting the log short,
//! rewriting an entry and re-hashing every later one, deleting a redaction, rewriting an
//! item's text, deleting a tag, repointing an item's original — makes `exhibit verify
//! --anchor` (the built binary) exit 1 naming what changed; an untouched matter verifies.

use crate::common;

use common::*;
use exhibit::redact::{RuleSpec, Treatment};
use exhibit::review::{Propagate, Target};
use exhibit::Matter;
use rusqlite::{params, Connection};
use sha2::{Digest, Sha256};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Once;

/// Audit keys of this test binary's matters go to a directory of their own, never the user's.
/// `make test` sets `EXHIBIT_KEY_DIR` for the whole test binary; run alone, the first test here
/// sets it (other modules' tests may be reading the environment by then, so prefer `make test`).
fn key_dir() -> PathBuf {
    static SET: Once = Once::new();
    if let Some(dir) = std::env::var_os("EXHIBIT_KEY_DIR") {
        return PathBuf::from(dir);
    }
    let dir = std::env::temp_dir().join(format!("exhibit-test-keys-{}", std::process::id()));
    SET.call_once(|| std::env::set_var("EXHIBIT_KEY_DIR", &dir));
    dir
}

struct Built {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    /// The head when the matter was left untouched: the anchor.
    anchor: String,
    memo: String,
    plan: String,
}

/// A small real matter: three files ingested, tags, a note, a saved search, a manual
/// redaction and a rule run.
fn build() -> Built {
    key_dir();
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    fs::create_dir_all(&src).unwrap();
    fs::write(src.join("memo.txt"), "Payroll memo: employee SSN 078-05-1120, project KESTREL starts Monday.").unwrap();
    fs::write(src.join("plan.txt"), "Plan for KESTREL: ship the prototype to the Denver office.").unwrap();
    fs::write(src.join("notes.txt"), "Meeting notes, nothing sensitive here at all.").unwrap();
    let dir = tmp.path().join("m");
    let mut m = Matter::create(&dir, "tamper").unwrap();
    ingest(&mut m, &src, "Custodian A");
    let control = |m: &Matter, q: &str| m.search(q, 5, 0, Default::default()).unwrap().hits[0].control.clone();
    let memo = control(&m, "payroll");
    let plan = control(&m, "denver");
    m.tag_add("Hot", &Target::Items(vec![memo.clone()]), Propagate::default()).unwrap();
    m.tag_add("Responsive", &Target::Items(vec![memo.clone(), plan.clone()]), Propagate::default()).unwrap();
    m.note_add(&memo, "SSN on page one; redact before production").unwrap();
    m.save_search("kestrel", "KESTREL").unwrap();
    let text = m.item(&memo).unwrap().text;
    let s = text[..text.find("078").unwrap()].chars().count();
    m.redact_add(&memo, s, s + 11, "PII", Treatment::Redact).unwrap();
    m.redact_rule(
        RuleSpec::Terms { terms: vec!["Denver".into()], whole_word: true, case_sensitive: false },
        "3P",
        Treatment::Redact,
        None,
        false,
    )
    .unwrap();
    let r = m.verify().unwrap();
    assert!(r.ok, "the untouched matter verifies: {:?}", r.problems);
    let head = m.audit_head().unwrap().expect("a head");
    assert_eq!(r.head.as_ref(), Some(&head));
    drop(m);
    // The head is recorded beside the database and beside the key, outside the matter.
    let beside: serde_json::Value = serde_json::from_str(&fs::read_to_string(dir.join("audit-head.json")).unwrap()).unwrap();
    assert_eq!(beside["hash"], head.hash.as_str());
    assert!(key_dir().join(format!("{}.key", head.matter_id)).exists());
    let witness = fs::read_dir(key_dir()).unwrap().filter_map(|e| e.ok()).any(|e| {
        let name = e.file_name().to_string_lossy().into_owned();
        name.starts_with(&head.matter_id) && name.ends_with(".head") && fs::read_to_string(e.path()).unwrap().contains(&head.hash)
    });
    assert!(witness, "the head is kept beside the key too");
    Built { _tmp: tmp, dir, anchor: head.hash, memo, plan }
}

fn db(dir: &Path) -> Connection {
    Connection::open(dir.join("exhibit.db")).unwrap()
}

/// `exhibit verify --anchor` on the matter: (exit code, problems as (code, detail)).
fn verify(b: &Built) -> (i32, Vec<(String, String)>) {
    let (code, out, err) = cli(&["--matter", b.dir.to_str().unwrap(), "verify", "--anchor", &b.anchor, "--json"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}): {out} {err}"));
    assert_eq!(v["ok"], code == 0);
    let problems = v["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["code"].as_str().unwrap().to_string(), p["detail"].as_str().unwrap().to_string()))
        .collect();
    (code, problems)
}

fn has(problems: &[(String, String)], code: &str, words: &[&str]) -> bool {
    problems.iter().any(|(c, d)| c == code && words.iter().all(|w| d.contains(w)))
}

#[test]
fn an_untouched_matter_verifies_against_its_anchor() {
    let b = build();
    let (code, problems) = verify(&b);
    assert_eq!(code, 0, "{problems:?}");
    // The human form prints the head, to keep as a later anchor.
    let (code, out, _) = cli(&["--matter", b.dir.to_str().unwrap(), "verify", "--anchor", &b.anchor]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains(&"audit head: entry".to_string()) && out.contains(&b.anchor), "{out}");
    // An anchor that was never an entry fails.
    let (code, out, _) = cli(&["--matter", b.dir.to_str().unwrap(), "verify", "--anchor", &"ab".repeat(32)]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("anchor_missing"), "{out}");
}

#[test]
fn truncating_the_log_is_detected() {
    let b = build();
    let db = db(&b.dir);
    let last: i64 = db.query_row("SELECT MAX(seq) FROM audit", [], |r| r.get(0)).unwrap();
    db.execute("DELETE FROM audit WHERE seq > ?1", [last - 2]).unwrap();
    drop(db);
    let (code, problems) = verify(&b);
    assert_eq!(code, 1);
    assert!(has(&problems, "anchor_missing", &["not an entry of this audit log"]), "{problems:?}");
    let deleted = format!("entries {}–{last} were deleted", last - 1);
    assert!(has(&problems, "audit_truncated", &[&deleted]), "{problems:?}");
    // The rule run was in the deleted entries: its redactions are now unaccounted for.
    assert!(has(&problems, "redaction_unlogged", &[&b.plan, "in the table but not in the log"]), "{problems:?}");
    assert!(has(&problems, "rule_unlogged", &["redaction rule 1"]), "{problems:?}");
}

/// The entry hash as `store::audit` computes it (re-implemented, as a forger would).
fn entry_hash(prev: &str, seq: i64, time: &str, actor: &str, action: &str, payload: &str) -> String {
    let mut h = Sha256::new();
    for part in [prev, &seq.to_string(), time, actor, action] {
        h.update(part.as_bytes());
        h.update(b"\n");
    }
    h.update(payload.as_bytes());
    hex::encode(h.finalize())
}

#[test]
fn rewriting_an_entry_and_rehashing_every_later_one_is_detected() {
    let b = build();
    let db = db(&b.dir);
    // Take the memo out of the "Hot" tagging, in the log and the table alike, and re-hash.
    let (seq, payload): (i64, String) = db
        .query_row("SELECT seq, payload FROM audit WHERE action = 'tag.add' ORDER BY seq LIMIT 1", [], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap();
    let mut p: serde_json::Value = serde_json::from_str(&payload).unwrap();
    p["items"] = "".into();
    p["count"] = 0.into();
    db.execute("UPDATE audit SET payload = ?2 WHERE seq = ?1", params![seq, p.to_string()]).unwrap();
    db.execute("DELETE FROM item_tag WHERE tag_id = (SELECT id FROM tag WHERE name = 'Hot')", []).unwrap();
    let rows: Vec<(i64, String, String, String, String)> = db
        .prepare("SELECT seq, time, actor, action, payload FROM audit WHERE seq >= ?1 ORDER BY seq")
        .unwrap()
        .query_map([seq], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut prev: String = db.query_row("SELECT hash FROM audit WHERE seq = ?1", [seq - 1], |r| r.get(0)).unwrap();
    for (s, time, actor, action, payload) in rows {
        let hash = entry_hash(&prev, s, &time, &actor, &action, &payload);
        db.execute("UPDATE audit SET prev_hash = ?2, hash = ?3 WHERE seq = ?1", params![s, prev, hash]).unwrap();
        prev = hash;
    }
    assert!(exhibit::store::audit::verify_chain(&db).unwrap().is_empty(), "the forged chain links and hashes");
    drop(db);
    let (code, problems) = verify(&b);
    assert_eq!(code, 1);
    assert!(has(&problems, "audit_auth", &[&format!("entries {seq}–"), "not authenticated"]), "{problems:?}");
    assert!(has(&problems, "audit_rewritten", &["rewritten"]), "{problems:?}");
    assert!(has(&problems, "anchor_missing", &[]), "{problems:?}");
    assert!(!problems.iter().any(|(c, _)| c == "audit_chain"), "{problems:?}");
}

#[test]
fn deleting_a_redaction_is_detected() {
    let b = build();
    let db = db(&b.dir);
    let id: i64 = db.query_row("SELECT id FROM redaction WHERE source = 'manual'", [], |r| r.get(0)).unwrap();
    db.execute("DELETE FROM redaction WHERE id = ?1", [id]).unwrap();
    drop(db);
    let (code, problems) = verify(&b);
    assert_eq!(code, 1);
    let named = format!("redaction {id} on {}", b.memo);
    assert!(has(&problems, "redaction_missing", &[&named, "PII", "in the log but not in the table"]), "{problems:?}");
    assert_eq!(problems.len(), 1, "{problems:?}");
}

#[test]
fn rewriting_item_text_is_detected() {
    let b = build();
    let db = db(&b.dir);
    let n = db
        .execute(
            "UPDATE item_text SET text = replace(text, 'Monday', 'Friday') WHERE item_id = (SELECT id FROM item WHERE control = ?1)",
            [&b.memo],
        )
        .unwrap();
    assert_eq!(n, 1);
    drop(db);
    let (code, problems) = verify(&b);
    assert_eq!(code, 1);
    let named = format!("the text of {} is not the text ingest extracted", b.memo);
    assert!(has(&problems, "item_text_changed", &[&named]), "{problems:?}");
}

#[test]
fn deleting_a_tag_is_detected() {
    let b = build();
    let db = db(&b.dir);
    db.execute(
        "DELETE FROM item_tag WHERE tag_id = (SELECT id FROM tag WHERE name = 'Responsive') AND item_id = (SELECT id FROM item WHERE control = ?1)",
        [&b.plan],
    )
    .unwrap();
    drop(db);
    let (code, problems) = verify(&b);
    assert_eq!(code, 1);
    let named = format!("tag 'Responsive' on {} is in the log but not in the table", b.plan);
    assert!(has(&problems, "tag_missing", &[&named]), "{problems:?}");
    assert_eq!(problems.len(), 1, "{problems:?}");
}

#[test]
fn repointing_an_items_original_is_detected() {
    let b = build();
    let db = db(&b.dir);
    // The memo now claims the plan's original (a blob that exists and hashes correctly).
    db.execute("UPDATE item SET sha256 = (SELECT sha256 FROM item WHERE control = ?2) WHERE control = ?1", [&b.memo, &b.plan]).unwrap();
    drop(db);
    let (code, problems) = verify(&b);
    assert_eq!(code, 1);
    let named = format!("{} points at another original", b.memo);
    assert!(has(&problems, "item_repointed", &[&named, "than ingest recorded"]), "{problems:?}");
}
