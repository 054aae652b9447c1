//! The whole pipeline over the real corpus (../shared/corpus): Enron maildirs, mail fixtures
//! with attachments, every PDF, every Office file. Skips, saying so, when the corpus is absent.

use crate::common;

use common::*;
use exhibit::Matter;
use rusqlite::Connection;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_file())
        .map(|e| std::fs::canonicalize(e.path()).unwrap())
        .collect();
    v.sort();
    v
}

#[test]
fn every_enron_message_becomes_an_email_item_with_its_custodian_and_headers() {
    let Some(enron) = corpus("email/enron", "enron") else { return };
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("m");
    let mut m = Matter::create(&dir, "enron").unwrap();
    let custodians = [("williams-w3", "Williams, W3"), ("beck-s", "Beck, Sally")];
    for (folder, who) in custodians {
        let s = ingest(&mut m, &enron.join(folder), who);
        assert_eq!(s.errors, 0, "{folder}: {:?}", m.errors().unwrap().iter().take(5).collect::<Vec<_>>());
    }
    let db = Connection::open(dir.join("exhibit.db")).unwrap();
    let mut q = db
        .prepare(
            "SELECT i.kind, i.author, i.to_json, i.title, i.date FROM item_location l JOIN item i ON i.id = l.item_id
             WHERE l.custodian = ?1 AND l.path = ?2",
        )
        .unwrap();
    let mut checked = 0;
    let mut mismatches = Vec::new();
    for (folder, who) in custodians {
        for f in files(&enron.join(folder)) {
            type Row = (String, Option<String>, String, Option<String>, Option<String>);
            let row: Option<Row> =
                q.query_row([who, f.to_str().unwrap()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))).ok();
            let Some((kind, author, to_json, title, date)) = row else {
                mismatches.push(format!("{}: no item located at this path for {who}", f.display()));
                continue;
            };
            checked += 1;
            let h = headers(&std::fs::read(&f).unwrap());
            if kind != "email" {
                mismatches.push(format!("{}: kind {kind}", f.display()));
                continue;
            }
            let from = addresses(h.get("from").map(String::as_str).unwrap_or(""));
            if addresses(author.as_deref().unwrap_or("")) != from {
                mismatches.push(format!("{}: sender {author:?} vs {from:?}", f.display()));
            }
            let to: Vec<String> = serde_json::from_str(&to_json).unwrap();
            let want_to = addresses(h.get("to").map(String::as_str).unwrap_or(""));
            if addresses(&to.join(", ")) != want_to {
                mismatches.push(format!("{}: to {to:?} vs {want_to:?}", f.display()));
            }
            let subject = h.get("subject").cloned().unwrap_or_default();
            if !subject.contains("=?") && title.as_deref().unwrap_or("").trim() != subject.trim() {
                mismatches.push(format!("{}: subject {title:?} vs {subject:?}", f.display()));
            }
            if let Some(raw_date) = h.get("date") {
                let cleaned = raw_date.split(" (").next().unwrap();
                let want = chrono::DateTime::parse_from_rfc2822(cleaned).unwrap().timestamp();
                let got = date.as_deref().and_then(|d| chrono::DateTime::parse_from_rfc3339(d).ok()).map(|d| d.timestamp());
                if got != Some(want) {
                    mismatches.push(format!("{}: date {date:?} vs {raw_date}", f.display()));
                }
            }
        }
    }
    eprintln!("Enron: {checked} message files checked, {} mismatches", mismatches.len());
    assert!(checked > 4000, "only {checked} files checked");
    assert!(mismatches.is_empty(), "{} mismatches, first: {:#?}", mismatches.len(), &mismatches[..mismatches.len().min(10)]);
    assert!(m.verify().unwrap().ok);
}

#[test]
fn mail_fixtures_with_attachments_become_families() {
    let Some(mail) = corpus("email", "mail fixtures") else { return };
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("m");
    let mut m = Matter::create(&dir, "mail").unwrap();
    for sub in ["mimekit", "mail-parser", "gmime"] {
        ingest(&mut m, &mail.join(sub), sub);
    }
    let children = count(&dir, "SELECT COUNT(*) FROM item WHERE parent_id IS NOT NULL");
    let families = count(&dir, "SELECT COUNT(DISTINCT parent_id) FROM item WHERE parent_id IS NOT NULL");
    let emails = count(&dir, "SELECT COUNT(*) FROM item WHERE kind = 'email'");
    eprintln!("mail fixtures: {emails} emails, {families} with attachments, {children} attachments");
    assert!(families >= 10 && children >= 20, "{families} families, {children} attachments");
    // Every attachment belongs to the family of the message that carried it.
    let stray = count(&dir, "SELECT COUNT(*) FROM item c JOIN item p ON p.id = c.parent_id WHERE c.family_id != p.family_id");
    assert_eq!(stray, 0);
    // A known message: simple-multipart.eml carries an attachment.
    let db = Connection::open(dir.join("exhibit.db")).unwrap();
    let kids: i64 = db
        .query_row(
            "SELECT COUNT(*) FROM item c JOIN item_location l ON l.item_id = c.parent_id WHERE l.path LIKE '%/mimekit/simple-multipart.eml'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(kids >= 1, "simple-multipart.eml has no attachment children");
}

/// Every file is either an item with text, or carries a plain-words reason (item status or
/// error record). Nothing is silently dropped.
fn every_file_accounted_for(sub: &str, custodian: &str) {
    let Some(root) = corpus(sub, sub) else { return };
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("m");
    let mut m = Matter::create(&dir, "t").unwrap();
    let mut o = opts(custodian);
    o.timeout = std::time::Duration::from_secs(20);
    let s = m.ingest(std::slice::from_ref(&root), &o, &mut |_| {}).unwrap();
    let db = Connection::open(dir.join("exhibit.db")).unwrap();
    let mut q = db
        .prepare(
            "SELECT i.status, i.status_reason, (SELECT COUNT(*) FROM ingest_error e WHERE e.item_id = i.id)
             FROM item_location l JOIN item i ON i.id = l.item_id WHERE l.path = ?1",
        )
        .unwrap();
    let mut by_status: HashMap<String, usize> = HashMap::new();
    let mut unaccounted = Vec::new();
    let all = files(&root);
    for f in &all {
        match q.query_row([f.to_str().unwrap()], |r| Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?, r.get::<_, i64>(2)?))) {
            Ok((status, reason, _errs)) => {
                if status != "ok" && reason.as_deref().unwrap_or("").trim().is_empty() {
                    unaccounted.push(format!("{}: status {status} without a reason", f.display()));
                }
                *by_status.entry(status).or_default() += 1;
            }
            Err(_) => unaccounted.push(format!("{}: no item", f.display())),
        }
    }
    let mut codes: HashMap<String, usize> = HashMap::new();
    for e in m.errors().unwrap() {
        *codes.entry(e.code).or_default() += 1;
    }
    eprintln!(
        "{sub}: {} files, {} items, statuses {by_status:?}, error codes {codes:?}, {:.1} s",
        all.len(),
        s.items_total,
        s.elapsed_ms as f64 / 1000.0
    );
    assert!(unaccounted.is_empty(), "{:#?}", &unaccounted[..unaccounted.len().min(10)]);
    assert!(by_status.get("ok").copied().unwrap_or(0) * 2 > all.len(), "fewer than half the files gave text: {by_status:?}");
    assert!(m.verify().unwrap().ok);
}

#[test]
fn every_pdf_is_extracted_or_an_error_with_a_reason() {
    every_file_accounted_for("pdf", "PDF, Corpus");
}

#[test]
fn every_office_file_is_extracted_or_an_error_with_a_reason() {
    every_file_accounted_for("office", "Office, Corpus");
}
