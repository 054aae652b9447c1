//! Redaction rules a team can live with (issue 17, item 3): built-in recognizers scoped by field
//! (by default bodies and attachment names, headers only when asked), allow-lists, a dry run
//! whose per-field counts are what the real run does, and `redact rule remove` withdrawing a
//! rule whole, after which `verify` passes.

use crate::common;

use common::*;
use exhibit::redact::{AllowList, Field, RuleScope, RuleSpec, Treatment};
use exhibit::Matter;
use serde_json::Value;
use std::fs;

const EMAIL: &str = "From: Sally Beck <sally.beck@acme.example>\r\nTo: Bob Roe <bob.roe@acme.example>\r\n\
Cc: counsel <jane@counsel.example>\r\nBcc: <audit@acme.example>\r\nSubject: call me at 713-853-5555\r\n\
Date: Mon, 2 Mar 2026 10:00:00 +0000\r\nMessage-ID: <m1@acme.example>\r\n\r\n\
Write to pat.private@home.example or to bob.roe@acme.example, or call 713-853-5555.\r\n\
Jane (jane@counsel.example) agrees.\r\n";

fn matter_with_mail(tmp: &std::path::Path) -> (Matter, String) {
    let src = tmp.join("src");
    fs::create_dir_all(&src).unwrap();
    fs::write(src.join("m1.eml"), EMAIL).unwrap();
    fs::write(src.join("note.txt"), "Loose note: reach pat.private@home.example today.").unwrap();
    let mut m = Matter::create(tmp.join("m"), "rules").unwrap();
    ingest(&mut m, &src, "Beck, Sally");
    let mail = m.search("kind:email", 1, 0, Default::default()).unwrap().hits[0].control.clone();
    (m, mail)
}

fn pii() -> RuleSpec {
    RuleSpec::Builtin { names: vec!["email".into(), "phone".into()] }
}

/// The redacted view's text and metadata of one item.
fn view(m: &Matter, item: &str) -> (String, Value) {
    let v = m.redacted_item(item).unwrap();
    (v.text, v.answer["metadata"].clone())
}

#[test]
fn the_default_scope_hides_bodies_not_headers() {
    let tmp = tempfile::tempdir().unwrap();
    let (mut m, mail) = matter_with_mail(tmp.path());
    let dry = m.redact_rule(pii(), "PII", Treatment::Redact, None, true).unwrap();
    assert_eq!(dry.scope.fields, [Field::Body, Field::Attachments]);
    assert!(!dry.by_field.contains_key(&Field::Headers), "{dry:#?}");
    // From, To, Cc, Subject (in the text's header block), Bcc and Message-ID: left visible.
    assert!(dry.out_of_scope[&Field::Headers] >= 5, "{dry:#?}");
    let run = m.redact_rule(pii(), "PII", Treatment::Redact, None, false).unwrap();
    assert_eq!((run.by_field.clone(), run.matches, run.items), (dry.by_field.clone(), dry.matches, dry.items), "the dry run said so");
    // Body: two addresses and a phone number in the mail, one address in the note.
    assert_eq!(run.by_field[&Field::Body], 5);
    assert_eq!(run.spans, 5, "every body match is a stored span, nothing else is");

    let (text, meta) = view(&m, &mail);
    let original = m.item(&mail).unwrap();
    let header_block = &original.text[..original.text.find("\n\n").unwrap()];
    assert!(text.starts_with(header_block), "the header block is untouched:\n{text}");
    for field in ["from", "to", "cc", "bcc", "message_id"] {
        assert_eq!(meta[field], serde_json::to_value(&original.metadata).unwrap()[field], "{field} untouched");
    }
    let body = &text[header_block.len()..];
    for hidden in ["pat.private@home.example", "bob.roe@acme.example", "713-853-5555", "jane@counsel.example"] {
        assert!(!body.contains(hidden), "{hidden} is hidden in the body:\n{body}");
    }
    // A production built from this view may show what the rule left in the headers; what it
    // hid everywhere stays a value the gate checks for.
    let v = m.redacted_item(&mail).unwrap();
    assert!(!v.hidden.contains("bob.roe@acme.example"), "shown in To, so not a value the production must lack");
    assert!(v.hidden.contains("pat.private@home.example"));
    // And the production's gate, which looks for hidden values in every file, passes.
    let out = tmp.path().join("out");
    let o = exhibit::produce::ProduceOptions::new(exhibit::produce::Selection::Query("*".into()), "ACME", &out);
    let r = m.produce(&o, &|_| {}, &std::sync::atomic::AtomicBool::new(false)).unwrap();
    let gate = r.verification.as_ref().unwrap();
    assert!(gate.ok, "{:#?}", gate.problems);
    assert!(r.redacted >= 2, "{r:#?}");
}

#[test]
fn headers_when_asked_allow_lists_and_ingest_after_the_rule() {
    let tmp = tempfile::tempdir().unwrap();
    let (mut m, mail) = matter_with_mail(tmp.path());
    let allow = AllowList::new(["acme.example".to_string()], ["@counsel.example".to_string()]).unwrap();
    let scope = RuleScope { fields: Field::parse_list("body,headers,attachments").unwrap(), allow };
    let dry = m.redact_rule_scoped(pii(), "PII", Treatment::Redact, None, scope.clone(), true).unwrap();
    let run = m.redact_rule_scoped(pii(), "PII", Treatment::Redact, None, scope, false).unwrap();
    assert_eq!(run.by_field, dry.by_field);
    assert_eq!(run.allowed, dry.allowed);
    // Allowed: sally, bob and jane in the header block, audit@ (Bcc), the Message-ID, bob and
    // jane in the body.
    assert!(run.allowed >= 6, "{run:#?}");
    // Hidden: the subject's phone number (header), the private address and the phone (body).
    assert_eq!(run.by_field.get(&Field::Headers), Some(&1), "{run:#?}");
    let (text, meta) = view(&m, &mail);
    assert!(text.contains("Subject: call me at [REDACTED – PII]"), "{text}");
    assert_eq!(meta["from"], serde_json::to_value(m.item(&mail).unwrap().metadata).unwrap()["from"]);
    assert!(meta["from"].as_str().unwrap().contains("sally.beck@acme.example"));
    for kept in ["bob.roe@acme.example", "jane@counsel.example"] {
        assert_eq!(text.matches(kept).count(), 2, "{kept} kept in header and body:\n{text}");
    }
    assert!(!text.contains("pat.private@home.example") && !text.contains("713-853-5555"), "{text}");
    // The rule as stored says so, and applies to a file ingested after it.
    let rules = m.redaction_rules().unwrap();
    assert_eq!(rules.len(), 1);
    assert_eq!(rules[0].scope.fields, [Field::Body, Field::Headers, Field::Attachments]);
    assert_eq!(rules[0].scope.allow.domains, ["acme.example"]);
    let later = tmp.path().join("later");
    fs::create_dir_all(&later).unwrap();
    fs::write(later.join("late.txt"), "Late: pat.private@home.example and ops@acme.example").unwrap();
    ingest(&mut m, &later, "Beck, Sally");
    let late = m.search("late", 1, 0, Default::default()).unwrap().hits[0].control.clone();
    assert_eq!(m.redacted_text(&late).unwrap().trim(), "Late: [REDACTED – PII] and ops@acme.example");
    assert!(m.verify().unwrap().ok);
}

#[test]
fn removing_a_rule_withdraws_its_redactions_in_one_audited_change() {
    let tmp = tempfile::tempdir().unwrap();
    let (mut m, mail) = matter_with_mail(tmp.path());
    let original = m.item(&mail).unwrap().text;
    // A manual redaction stays; the rule's spans and their copies go.
    let at = original.find("Jane (").map(|b| original[..b].chars().count()).unwrap();
    m.redact_add(&mail, at, at + 4, "PII", Treatment::Redact).unwrap();
    let run = m.redact_rule(pii(), "PII", Treatment::Redact, None, false).unwrap();
    let rule = run.rule.unwrap();
    assert_eq!(m.redactions(None, None).unwrap().len() as u64, run.spans + 1);
    let entries = m.audit_log(1000).unwrap().len();
    let removed = m.redact_rule_remove(rule).unwrap();
    assert_eq!(removed.removed, run.spans);
    let left = m.redactions(None, None).unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].source, "manual");
    assert!(m.redaction_rules().unwrap().is_empty());
    assert_eq!(m.audit_log(1000).unwrap().len(), entries + 1, "one audit entry");
    let text = m.redacted_text(&mail).unwrap();
    assert!(text.contains("pat.private@home.example") && text.contains("[REDACTED – PII] ("), "{text}");
    let r = m.verify().unwrap();
    assert!(r.ok, "{:#?}", r.problems);
    assert!(m.redact_rule_remove(rule).is_err(), "a rule removed is gone");
}

/// A rule stored before rules had fields keeps doing what it did: every field.
#[test]
fn a_rule_from_before_scopes_covers_every_field() {
    let tmp = tempfile::tempdir().unwrap();
    let (mut m, mail) = matter_with_mail(tmp.path());
    m.redact_rule_scoped(pii(), "PII", Treatment::Redact, None, RuleScope::everywhere(), false).unwrap();
    drop(m);
    // The matter as a build before migration 12 left it.
    let db = rusqlite::Connection::open(tmp.path().join("m/exhibit.db")).unwrap();
    db.execute_batch(
        "DROP TABLE redaction_rule_item; ALTER TABLE redaction_rule DROP COLUMN last_item;
         ALTER TABLE redaction_rule DROP COLUMN fields; ALTER TABLE redaction_rule DROP COLUMN allow; PRAGMA user_version = 11;",
    )
    .unwrap();
    drop(db);
    let m = Matter::open(tmp.path().join("m")).unwrap();
    assert_eq!(m.redaction_rules().unwrap()[0].scope, RuleScope::everywhere());
    let (text, meta) = view(&m, &mail);
    assert!(!text.contains("bob.roe@acme.example") && !meta["to"].to_string().contains("bob.roe@acme.example"), "{text}");
    let r = m.verify().unwrap();
    assert!(r.ok, "{:#?}", r.problems);
}

/// The CLI over real mail: a PII rule with the default scope over beck-s hides no header
/// address, the dry run's per-field counts are the real run's, allow-listed values stay, and
/// `redact rule remove` withdraws the rule whole, after which `verify` passes.
#[test]
fn a_pii_rule_over_enron_mail() {
    let Some(enron) = corpus("email/enron/beck-s", "PII rule over Enron mail") else { return };
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("m");
    let mut m = Matter::create(&dir, "enron rules").unwrap();
    ingest(&mut m, &enron, "Beck, Sally");
    drop(m);
    let ms = dir.to_str().unwrap();
    let keep = "sally.beck@enron.com";
    let add = |extra: &[&str]| {
        let mut a = vec!["--matter", ms, "redact", "rule", "add", "--builtin", "pii", "--reason", "PII", "--allow", keep];
        a.extend_from_slice(extra);
        cli_json(&a)
    };
    let dry = add(&["--dry-run"]);
    let run = add(&[]);
    eprintln!("dry run: {}", serde_json::to_string(&dry["by_field"]).unwrap());
    eprintln!("left visible: {} (allowed {})", serde_json::to_string(&dry["out_of_scope"]).unwrap(), dry["allowed"]);
    assert_eq!(dry["by_field"], run["by_field"], "the dry run's counts are the real run's");
    assert_eq!(dry["matches"], run["matches"]);
    assert!(dry["by_field"].get("headers").is_none(), "{dry}");
    assert!(dry["out_of_scope"]["headers"].as_u64().unwrap() > 1000, "most addresses are in headers: {dry}");
    assert!(dry["allowed"].as_u64().unwrap() > 0, "{dry}");
    let body = run["by_field"]["body"].as_u64().unwrap();
    assert!(body > 100, "{run}");
    assert_eq!(run["spans"].as_u64().unwrap(), body, "only body matches are stored spans");
    let rule = run["rule"].as_i64().unwrap();
    let listed = cli_json(&["--matter", ms, "redact", "rule", "list"]);
    assert_eq!(listed["rules"][0]["scope"]["fields"], serde_json::json!(["body", "attachments"]));
    assert_eq!(listed["rules"][0]["scope"]["allow"]["values"], serde_json::json!([keep]));

    // The view of messages with addresses in their bodies: headers untouched, the body's
    // addresses hidden (but the allowed one).
    let m = Matter::open(&dir).unwrap();
    let email = exhibit::redact::RuleSet::builtin(&["email"]).unwrap();
    let mut checked = 0;
    let mut seen = std::collections::BTreeSet::new();
    for r in m.redactions(None, None).unwrap().iter().filter(|r| r.source == format!("rule:{rule}")) {
        if checked >= 12 {
            break;
        }
        if !seen.insert(r.item) {
            continue;
        }
        let item = m.item(&r.control).unwrap();
        let Some(split) = item.text.find("\n\n").filter(|_| item.kind == "email" && item.text.starts_with("From: ")) else { continue };
        let v = m.redacted_item(&r.control).unwrap();
        let (head, body) = item.text.split_at(split);
        assert!(v.text.starts_with(head), "{}: the header block is untouched:\n{}", r.control, &v.text[..split.min(v.text.len())]);
        for f in ["from", "to", "cc", "bcc"] {
            assert_eq!(v.answer["metadata"][f], serde_json::to_value(&item.metadata).unwrap()[f], "{} {f}", r.control);
        }
        let shown_body = &v.text[head.len()..];
        for a in email.find(body).into_iter().filter(|a| !a.text.eq_ignore_ascii_case(keep)) {
            assert!(!shown_body.contains(&a.text), "{}: {} shows in the body", r.control, a.text);
        }
        checked += 1;
    }
    assert!(checked >= 5, "views checked: {checked}");
    drop(m);

    let removed = cli_json(&["--matter", ms, "redact", "rule", "remove", &rule.to_string()]);
    assert!(removed["removed"].as_u64().unwrap() >= body, "{removed}");
    assert_eq!(cli_json(&["--matter", ms, "redact", "list"])["redactions"], serde_json::json!([]));
    assert_eq!(cli_json(&["--matter", ms, "redact", "rule", "list"])["rules"], serde_json::json!([]));
    let (code, out, err) = cli(&["--matter", ms, "verify", "--json"]);
    assert_eq!(code, 0, "verify after removing the rule: {out}{err}");
    assert_eq!(serde_json::from_str::<Value>(&out).unwrap()["ok"], true, "{out}");
}

/// The hint an unknown reason gives is a command that works as typed.
#[test]
fn the_reason_hint_works_as_typed() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("m");
    let src = tmp.path().join("src");
    fs::create_dir_all(&src).unwrap();
    fs::write(src.join("a.txt"), "export controlled text").unwrap();
    let mut m = Matter::create(&dir, "reasons").unwrap();
    ingest(&mut m, &src, "C");
    let err = m.redact_add("1", 0, 6, "EXPORT-CTRL", Treatment::Redact).unwrap_err().to_string();
    assert!(err.contains("`exhibit redact reason add CODE LABEL`"), "{err}");
    drop(m);
    let ms = dir.to_str().unwrap();
    let added = cli_json(&["--matter", ms, "redact", "reason", "add", "EXPORT-CTRL", "Export", "controlled"]);
    assert_eq!(added["reason"], "EXPORT-CTRL");
    let reasons = cli_json(&["--matter", ms, "redact", "reason", "list"]);
    let codes: Vec<&str> = reasons["reasons"].as_array().unwrap().iter().map(|r| r["code"].as_str().unwrap()).collect();
    assert!(codes.contains(&"EXPORT-CTRL") && !codes.contains(&"ADD"), "{codes:?}");
    cli_json(&["--matter", ms, "redact", "add", "1", "--span", "0:6", "--reason", "export-ctrl"]);
}
