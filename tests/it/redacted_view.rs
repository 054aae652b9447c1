//! One redacted view on every surface (issue 13, item 1): values planted in a Bcc, a custom
//! header, an attachment's name, a document property, an upper-case and a line-broken copy, a
//! later-ingested identical copy and a later-ingested item matching a stored rule must not
//! appear in the CLI's `show --redacted` (the built binary), in the API's redacted item, or in
//! any answer of a redacted-mode query.

use crate::common;

use common::*;
use exhibit::api::{Request, Session};
use exhibit::redact::fold::fold_str;
use exhibit::redact::{RuleSpec, Treatment};
use exhibit::Matter;
use std::fs;
use std::io::Write;
use std::path::Path;

const SSN: &str = "078-05-1120";
const CODENAME: &str = "Project Nightjar";
const BCC: &str = "jane.hidden@secret.example";
const LATE_BCC: &str = "ops@secret.example";
const API_KEY: &str = "sk-live-4f9a8b7c6d5e4f3a2b1c";
const CARD: &str = "4111111111111111";
const LATE_CARD: &str = "4111 1111 1111 1111";

/// Every planted value, as the redacted view must never show it (compared folded: case,
/// width, whitespace and line breaks ignored).
const PLANTED: &[&str] = &[SSN, CODENAME, BCC, LATE_BCC, API_KEY, CARD, LATE_CARD];

fn mail1() -> String {
    format!(
        "From: Alice Sender <alice@corp.example>\r
To: Bob <bob@corp.example>\r
Bcc: <{BCC}>\r
Subject: {CODENAME} budget\r
X-Api-Key: {API_KEY}\r
Date: Mon, 2 Mar 2026 10:00:00 +0000\r
Message-ID: <m1@corp.example>\r
MIME-Version: 1.0\r
Content-Type: multipart/mixed; boundary=\"XX\"\r
\r
--XX\r
Content-Type: text/plain\r
\r
Codename {CODENAME}. The SSN on file is {SSN}.\r
Repeat: PROJECT NIGHTJAR, and project\r
nightjar, and 078-05-\r
1120 again.\r
--XX\r
Content-Type: text/plain; name=\"card {CARD}.txt\"\r
Content-Disposition: attachment; filename=\"card {CARD}.txt\"\r
\r
Attachment notes for the budget: SSN {SSN}.\r
--XX--\r
"
    )
}

fn mail(id: &str, bcc: &str, subject: &str, attachment: Option<(&str, &[u8])>) -> Vec<u8> {
    let mut m = format!(
        "From: Carol <carol@corp.example>\r\nTo: Dan <dan@corp.example>\r\nBcc: {bcc}\r\nSubject: {subject}\r\n\
         Date: Tue, 3 Mar 2026 09:00:00 +0000\r\nMessage-ID: <{id}@corp.example>\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"YY\"\r\n\r\n--YY\r\nContent-Type: text/plain\r\n\r\nForwarding the budget plan.\r\n"
    )
    .into_bytes();
    if let Some((name, bytes)) = attachment {
        use base64::Engine;
        let b64 = base64::engine::general_purpose::STANDARD.encode(bytes);
        m.extend_from_slice(
            format!(
                "--YY\r\nContent-Type: application/vnd.openxmlformats-officedocument.wordprocessingml.document; name=\"{name}\"\r\n\
                 Content-Disposition: attachment; filename=\"{name}\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            )
            .as_bytes(),
        );
        for line in b64.as_bytes().chunks(76) {
            m.extend_from_slice(line);
            m.extend_from_slice(b"\r\n");
        }
    }
    m.extend_from_slice(b"--YY--\r\n");
    m
}

/// A minimal Word document whose keywords property repeats the codename in upper case.
fn docx() -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let o: zip::write::SimpleFileOptions = Default::default();
    let parts: [(&str, String); 4] = [
        ("[Content_Types].xml", r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/></Types>"#.into()),
        ("_rels/.rels", r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/></Relationships>"#.into()),
        ("word/document.xml", format!(r#"<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Plan for {CODENAME}, phase two.</w:t></w:r></w:p></w:body></w:document>"#)),
        ("docProps/core.xml", r#"<?xml version="1.0" encoding="UTF-8"?><cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>Phase two plan</dc:title><cp:keywords>PROJECT NIGHTJAR; budget</cp:keywords></cp:coreProperties>"#.into()),
    ];
    for (name, body) in parts {
        w.start_file(name, o).unwrap();
        w.write_all(body.as_bytes()).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// Every string in a JSON answer (keys too), joined and folded.
fn folded_strings(v: &serde_json::Value) -> String {
    fn walk(v: &serde_json::Value, out: &mut String) {
        match v {
            serde_json::Value::String(s) => {
                out.push_str(s);
                out.push('\u{1}');
            }
            serde_json::Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            serde_json::Value::Object(o) => o.iter().for_each(|(k, x)| {
                out.push_str(k);
                out.push('\u{1}');
                walk(x, out)
            }),
            _ => {}
        }
    }
    let mut s = String::new();
    walk(v, &mut s);
    fold_str(&s)
}

fn assert_no_planted(what: &str, v: &serde_json::Value) {
    let all = folded_strings(v);
    for p in PLANTED {
        assert!(!all.contains(&fold_str(p)), "{what} shows the planted value {p:?}: {v:#}");
    }
}

/// Char offset of `needle` in `text`.
fn char_at(text: &str, needle: &str) -> usize {
    text[..text.find(needle).unwrap_or_else(|| panic!("{needle:?} not in {text:?}"))].chars().count()
}

fn build(root: &Path) -> std::path::PathBuf {
    let b1 = root.join("b1");
    let b2 = root.join("b2");
    fs::create_dir_all(&b1).unwrap();
    fs::create_dir_all(&b2).unwrap();
    fs::write(b1.join("mail1.eml"), mail1()).unwrap();
    let plan = docx();
    fs::write(b1.join("plan.docx"), &plan).unwrap();
    // Arriving later: the same document attached to another mail (same SHA-256), a text that
    // a stored rule matches, and a mail whose Bcc a stored rule matches.
    fs::write(b2.join("mail2.eml"), mail("m2", "<dan@corp.example>", "Fwd: plan", Some(("plan.docx", &plan)))).unwrap();
    fs::write(b2.join("later.txt"), format!("Please charge card {LATE_CARD} tomorrow.")).unwrap();
    fs::write(b2.join("mail3.eml"), mail("m3", &format!("<{LATE_BCC}>"), "Schedule", None)).unwrap();

    let dir = root.join("m");
    let mut m = Matter::create(&dir, "redacted view").unwrap();
    ingest(&mut m, &b1, "alice");
    let hit = |m: &Matter, q: &str| m.search(q, 10, 0, Default::default()).unwrap().hits;
    // Manual spans on the first occurrence only: the copies must be found by the view.
    let body = hit(&m, "\"codename\"");
    assert_eq!(body.len(), 1);
    let mail = m.item(&body[0].control).unwrap();
    m.redact_add(
        &mail.control,
        char_at(&mail.text, CODENAME),
        char_at(&mail.text, CODENAME) + CODENAME.chars().count(),
        "TS",
        Treatment::Redact,
    )
    .unwrap();
    m.redact_add(&mail.control, char_at(&mail.text, SSN), char_at(&mail.text, SSN) + SSN.len(), "PII", Treatment::Redact).unwrap();
    let doc = hit(&m, "phase").into_iter().find(|h| h.kind != "email").unwrap();
    let doc = m.item(&doc.control).unwrap();
    m.redact_add(
        &doc.control,
        char_at(&doc.text, CODENAME),
        char_at(&doc.text, CODENAME) + CODENAME.chars().count(),
        "TS",
        Treatment::Redact,
    )
    .unwrap();
    // Stored rules: cards, the secret.example domain, the API-key shape.
    m.redact_rule(RuleSpec::Builtin { names: vec!["credit_card".into()] }, "PII", Treatment::Redact, None, false).unwrap();
    m.redact_rule(RuleSpec::Regex { pattern: r"[a-z0-9.]+@secret\.example".into() }, "PII", Treatment::Redact, None, false).unwrap();
    m.redact_rule(RuleSpec::Regex { pattern: r"sk-live-[a-z0-9]+".into() }, "SECRET", Treatment::Redact, None, false).unwrap();

    ingest(&mut m, &b2, "bob");
    // The late identical copy got the span as a stored copy; the late text got the rule's span.
    let copies = m.redactions(None, None).unwrap();
    let twin = hit(&m, "phase").into_iter().find(|h| h.id != doc.id).expect("the attached copy of the plan");
    assert!(
        copies.iter().any(|r| r.item == twin.id && r.source.starts_with("copy:")),
        "the identical copy ingested later carries a copy of the span: {copies:?}"
    );
    let late = hit(&m, "tomorrow");
    assert!(copies.iter().any(|r| r.item == late[0].id && r.source.starts_with("rule:")), "the stored card rule ran on the late text");
    // Sanity: the values really are in the matter, unredacted.
    assert!(m.search("nightjar", 10, 0, Default::default()).unwrap().total >= 3);
    assert_eq!(m.search(&format!("\"{SSN}\""), 10, 0, Default::default()).unwrap().total, 2, "the mail and its attachment");
    dir
}

#[test]
fn no_surface_shows_a_planted_value_and_no_redacted_query_confirms_one() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = build(tmp.path());
    let d = dir.to_str().unwrap();
    let n = count(&dir, "SELECT COUNT(*) FROM item");
    assert!(n >= 7, "two mails with attachments, a document, a forwarded copy, a text, a mail: {n}");

    // The CLI, as the built binary.
    for id in 1..=n {
        let id = id.to_string();
        let v = cli_json(&["--matter", d, "show", &id, "--redacted"]);
        assert_no_planted(&format!("`show {id} --redacted --json`"), &v);
        assert_eq!(v["redactions"], serde_json::json!([]), "span offsets would give lengths away");
        let (code, human, err) = cli(&["--matter", d, "show", &id, "--redacted"]);
        assert_eq!(code, 0, "{err}");
        let folded = fold_str(&human);
        for p in PLANTED {
            assert!(!folded.contains(&fold_str(p)), "`show {id} --redacted` prints {p:?}:\n{human}");
        }
    }
    // The mail's view hides the subject, the Bcc, the header and the attachment's name, and
    // keeps what is not secret.
    let found = cli_json(&["--matter", d, "search", "codename"]);
    let mail_id = found["hits"][0]["id"].to_string();
    let mail = cli_json(&["--matter", d, "show", &mail_id, "--redacted"]);
    assert_eq!(mail["title"], "[REDACTED – TS] budget");
    assert!(mail["metadata"]["bcc"][0].as_str().unwrap().contains("[REDACTED – PII]"), "{mail:#}");
    assert_eq!(mail["metadata"]["extra"]["X-Api-Key"], "[REDACTED – SECRET]");
    assert!(mail["family"]["children"][0]["name"].as_str().unwrap().starts_with("card [REDACTED – PII]"), "{mail:#}");
    assert!(mail["text"].as_str().unwrap().contains("Alice Sender"), "the rest of the text stays");

    // Hit offsets: refused the same way whether the guess is right or wrong.
    let (code, out, right) = cli(&["--matter", d, "show", &mail_id, "--redacted", "--hits", SSN]);
    assert_ne!(code, 0);
    assert!(out.is_empty(), "{out}");
    let (code2, _, wrong) = cli(&["--matter", d, "show", &mail_id, "--redacted", "--hits", "219-09-9999"]);
    assert_eq!((code, &right), (code2, &wrong), "the refusal must not depend on the guess");

    // Redacted-mode search: nothing depends on a hidden value.
    for q in
        PLANTED.iter().map(|p| format!("\"{p}\"")).chain(["nightjar".into(), "NIGHTJAR".into(), "nightj*".into(), "secret.example".into()])
    {
        let mut r = cli_json(&["--matter", d, "search", "--redacted", &q]);
        assert_eq!(r["total"], 0, "`search --redacted {q}` confirms a hidden value: {r:#}");
        // The answer echoes the asker's own query; nothing else may hold the value.
        r["query"] = serde_json::Value::Null;
        assert_no_planted(&format!("`search --redacted {q}`"), &r);
    }
    let r = cli_json(&["--matter", d, "search", "--redacted", "budget"]);
    assert!(r["total"].as_u64().unwrap() >= 1, "a query for what is not hidden still finds: {r:#}");
    assert_no_planted("`search --redacted budget`", &r);
    for h in r["hits"].as_array().unwrap() {
        assert_eq!(h["offsets"], serde_json::json!([]));
    }

    // The API's redacted item: the same view.
    let mut s = Session::with_matter(Matter::open(&dir).unwrap());
    for id in 1..=n {
        let req = Request::from_json(serde_json::json!({"method": "item", "params": {"id": id.to_string(), "redacted": true}})).unwrap();
        let v = s.handle(req).unwrap();
        assert_no_planted(&format!("the API's redacted item {id}"), &v);
        let shown = cli_json(&["--matter", d, "show", &id.to_string(), "--redacted"]);
        assert_eq!(v["text"], shown["text"], "the CLI and the API show one view");
        assert_eq!(v["metadata"], shown["metadata"]);
        assert_eq!(v["title"], shown["title"]);
    }
    let req = Request::from_json(serde_json::json!({"method": "item", "params": {"id": mail_id, "redacted": true, "hits": SSN}})).unwrap();
    assert!(s.handle(req).is_err());
    let req =
        Request::from_json(serde_json::json!({"method": "search", "params": {"query": format!("\"{SSN}\""), "redacted": true}})).unwrap();
    assert_eq!(s.handle(req).unwrap()["total"], 0);
}
