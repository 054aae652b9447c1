//! Redaction engine: manual spans on identical content, rules over the real Enron mail checked
//! against an independent scan, redacted views that never carry the original, audit.

use crate::common;

use common::*;
use exhibit::redact::{RuleSpec, Treatment};
use exhibit::Matter;
use std::fs;

const MAIL_WITH_ATTACHMENT: &str = "From: a@example.com\r
To: b@example.com\r
Subject: {SUBJECT}\r
Message-ID: <{ID}@example.com>\r
Content-Type: multipart/mixed; boundary=\"B\"\r
\r
--B\r
Content-Type: text/plain\r
\r
See the attached terms.\r
--B\r
Content-Type: text/plain; name=\"terms.txt\"\r
Content-Disposition: attachment; filename=\"terms.txt\"\r
\r
Secret project KESTREL pricing: 41 dollars per unit.\r
--B--\r
";

#[test]
fn a_manual_redaction_applies_to_every_copy_of_the_same_content() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    fs::create_dir_all(src.join("sub")).unwrap();
    // Two identical loose files (one item, two locations) ...
    fs::write(src.join("memo.txt"), "Call Jane at 555-0199 about KESTREL.").unwrap();
    fs::write(src.join("sub/memo-copy.txt"), "Call Jane at 555-0199 about KESTREL.").unwrap();
    // ... and the same attachment in two different emails (two items, same SHA-256).
    fs::write(src.join("one.eml"), MAIL_WITH_ATTACHMENT.replace("{SUBJECT}", "first").replace("{ID}", "1")).unwrap();
    fs::write(src.join("two.eml"), MAIL_WITH_ATTACHMENT.replace("{SUBJECT}", "second").replace("{ID}", "2")).unwrap();
    let mut m = Matter::create(tmp.path().join("m"), "r").unwrap();
    ingest(&mut m, &src, "C");

    let memo = m.search("jane", 5, 0, Default::default()).unwrap();
    assert_eq!(memo.total, 1);
    let memo = m.item(&memo.hits[0].control).unwrap();
    assert_eq!(memo.locations.len(), 2, "identical files are one item with both locations");
    let chars: Vec<char> = memo.text.chars().collect();
    let start = memo.text.find("555").unwrap();
    let start = memo.text[..start].chars().count();
    m.redact_add(&memo.control, start, start + 8, "PII", Treatment::Redact).unwrap();
    let view = m.redacted_text(&memo.control).unwrap();
    assert_eq!(view, "Call Jane at [REDACTED – PII] about KESTREL.");
    assert_eq!(chars.len(), 36);

    let atts = m.search("pricing", 5, 0, Default::default()).unwrap();
    assert_eq!(atts.total, 2, "the attachment is in two families");
    let first = &atts.hits[0].control;
    let text = m.item(first).unwrap().text;
    let s = text[..text.find("KESTREL").unwrap()].chars().count();
    m.redact_add(first, s, s + 7, "TS", Treatment::Redact).unwrap();
    for h in &atts.hits {
        let v = m.redacted_text(&h.control).unwrap();
        assert!(v.contains("[REDACTED – TS]") && !v.contains("KESTREL"), "{}: {v}", h.control);
    }
    let list = m.redactions(None, Some("TS")).unwrap();
    assert_eq!(list.len(), 2);
    assert!(list.iter().any(|r| r.source.starts_with("copy:")));
    // The body of the other email mentions KESTREL nowhere else; offers list no stray copies.
    let offers = m.redaction_offers(&memo.control).unwrap();
    assert!(offers.is_empty(), "{offers:?}");

    // Removing the original removes its copies, and both are audited.
    let rid = list.iter().find(|r| r.source == "manual").unwrap().id;
    assert_eq!(m.redact_remove(rid).unwrap(), 2);
    assert!(m.redactions(None, Some("TS")).unwrap().is_empty());
    let actions: Vec<String> = m.audit_log(10).unwrap().into_iter().map(|e| e.action).collect();
    assert!(actions.contains(&"redaction.add".to_string()) && actions.contains(&"redaction.remove".to_string()));
    assert!(m.verify().unwrap().ok);
}

#[test]
fn unknown_reasons_and_bad_spans_are_refused_in_words() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    fs::create_dir_all(&src).unwrap();
    fs::write(src.join("a.txt"), "short text").unwrap();
    let mut m = Matter::create(tmp.path().join("m"), "r").unwrap();
    ingest(&mut m, &src, "C");
    let e = m.redact_add("1", 0, 5, "NOPE", Treatment::Redact).unwrap_err();
    assert!(e.to_string().contains("unknown redaction reason 'NOPE'"), "{e}");
    let e = m.redact_add("1", 5, 500, "PII", Treatment::Redact).unwrap_err();
    assert!(e.to_string().contains("not inside the item's text"), "{e}");
    m.add_reason("export-ctrl", "Export-controlled").unwrap();
    m.redact_add("1", 0, 5, "EXPORT-CTRL", Treatment::Redact).unwrap();
    assert_eq!(m.redacted_text("1").unwrap(), "[REDACTED – EXPORT-CTRL] text");
}

#[test]
fn pseudonyms_keep_patterns_across_items() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    fs::create_dir_all(&src).unwrap();
    fs::write(src.join("a.txt"), "account owner alice@example.com logged in").unwrap();
    fs::write(src.join("b.txt"), "later alice@example.com and bob@example.com traded").unwrap();
    let mut m = Matter::create(tmp.path().join("m"), "r").unwrap();
    ingest(&mut m, &src, "C");
    let run = m.redact_rule(RuleSpec::Builtin { names: vec!["email".into()] }, "PII", Treatment::Pseudonymize, None, false).unwrap();
    assert_eq!(run.matches, 3);
    // Items are numbered as workers finish, so find them by content.
    let id_of = |q: &str| m.search(q, 1, 0, Default::default()).unwrap().hits[0].control.clone();
    let a = m.redacted_text(&id_of("owner")).unwrap();
    let b = m.redacted_text(&id_of("traded")).unwrap();
    let token = |s: &str| s.split_whitespace().find(|w| w.starts_with("[PII-")).unwrap().to_string();
    assert_eq!(token(&a), token(&b), "same address, same token: {a} / {b}");
    assert!(!a.contains("alice") && !b.contains("bob"));
    assert_eq!(b.matches("[PII-").count(), 2);
}

#[test]
fn a_rule_over_enron_redacts_every_match_an_independent_scan_finds() {
    let Some(enron) = corpus("email/enron/williams-w3", "rule over Enron") else { return };
    let tmp = tempfile::tempdir().unwrap();
    let mut m = Matter::create(tmp.path().join("m"), "enron").unwrap();
    ingest(&mut m, &enron, "Williams, W3");
    // Phone numbers in the North American style the mail uses, as a user regex.
    let pattern = r"\(?\b[2-9][0-9]{2}\)?[-. ][0-9]{3}[-.][0-9]{4}\b";
    let dry = m.redact_rule(RuleSpec::Regex { pattern: pattern.into() }, "PII", Treatment::Redact, None, true).unwrap();
    assert!(dry.matches > 100, "{dry:?}");
    assert!(m.redactions(None, None).unwrap().is_empty(), "a dry run writes nothing");
    let run = m.redact_rule(RuleSpec::Regex { pattern: pattern.into() }, "PII", Treatment::Redact, None, false).unwrap();
    assert_eq!(run.matches, dry.matches);

    let re = regex::Regex::new(pattern).unwrap();
    let db = rusqlite::Connection::open(tmp.path().join("m/exhibit.db")).unwrap();
    let mut stmt = db.prepare("SELECT item_id, text FROM item_text").unwrap();
    let rows: Vec<(i64, String)> = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(|r| r.unwrap()).collect();
    let mut scanned = 0;
    let mut items_with = 0;
    for (id, text) in rows {
        let found: Vec<(usize, usize, String)> = re
            .find_iter(&text)
            .map(|mt| (text[..mt.start()].chars().count(), text[..mt.end()].chars().count(), mt.as_str().to_string()))
            .collect();
        if found.is_empty() {
            continue;
        }
        items_with += 1;
        let reds = m.redactions(Some(&id.to_string()), None).unwrap();
        for (s, e, t) in &found {
            scanned += 1;
            assert!(reds.iter().any(|r| r.start <= *s && r.end >= *e), "item {id}: '{t}' at {s}:{e} is not redacted");
        }
        let view = m.redacted_text(&id.to_string()).unwrap();
        for (_, _, t) in &found {
            assert!(!view.contains(t.as_str()), "item {id}: redacted view still contains '{t}'");
        }
        assert!(re.find(&view).is_none(), "item {id}: the pattern still matches the redacted view");
    }
    eprintln!("Enron rule: {scanned} matches in {items_with} items, all redacted; rule reported {}", run.matches);
    assert_eq!(scanned as u64, run.matches);
}

#[test]
fn a_redaction_on_a_pdf_maps_to_boxes_where_poppler_sees_the_word() {
    let Some(pdf) = corpus("pdf/py-pdf/002-trivial-libre-office-writer.pdf", "pdf redaction boxes") else { return };
    let Ok(out) = std::process::Command::new("pdftotext").arg("-bbox").arg(&pdf).arg("-").output() else {
        crate::common::skipped("pdf redaction boxes: pdftotext (poppler-utils) is not installed");
        return;
    };
    let html = String::from_utf8_lossy(&out.stdout).to_string();
    // Poppler's box for "consetetur" (y measured from the top of the page).
    let attr = |tag: &str, name: &str| -> f64 {
        let i = tag.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
        tag[i..].split('"').next().unwrap().parse().unwrap()
    };
    let page_tag = html.split("<page ").nth(1).unwrap();
    let height = attr(page_tag, "height");
    let word_tag = html.split("<word ").find(|w| w.contains(">consetetur<")).unwrap();
    let (px0, py0, px1, py1) =
        (attr(word_tag, "xMin"), height - attr(word_tag, "yMax"), attr(word_tag, "xMax"), height - attr(word_tag, "yMin"));

    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    fs::create_dir_all(&src).unwrap();
    fs::copy(&pdf, src.join("doc.pdf")).unwrap();
    let mut m = Matter::create(tmp.path().join("m"), "pdf").unwrap();
    ingest(&mut m, &src, "C");
    let item = m.item("1").unwrap();
    let byte = item.text.find("consetetur").expect("word extracted");
    let start = item.text[..byte].chars().count();
    let rid = m.redact_add("1", start, start + "consetetur".len(), "TS", Treatment::Redact).unwrap();
    // The span's own box (the view also hides the word's other occurrences, with boxes of
    // their own).
    let boxes: Vec<_> = m.redaction_boxes("1").unwrap().into_iter().filter(|b| b.redaction == Some(rid)).collect();
    assert_eq!(boxes.len(), 1, "{boxes:?}");
    let b = &boxes[0];
    assert_eq!(b.page, 1);
    // Our box covers poppler's (ours is deliberately generous vertically, never narrower).
    let ix = (b.x1.min(px1) - b.x0.max(px0)).max(0.0);
    let iy = (b.y1.min(py1) - b.y0.max(py0)).max(0.0);
    let coverage = ix * iy / ((px1 - px0) * (py1 - py0));
    assert!(coverage > 0.9, "our box {b:?} covers {coverage:.2} of poppler's ({px0},{py0},{px1},{py1})");
    assert!((b.x0 - px0).abs() < 3.0 && (b.x1 - px1).abs() < 3.0, "{b:?} vs {px0}..{px1}");
}
