//! CPython's own email test messages (Lib/test/test_email/data, from Debian's
//! `libpython3.11-testsuite`) ingested through the whole pipeline, checked against Python's
//! email package: `python3` parses every message and reports sender, recipients, subject, date,
//! body and defects; the matter must agree.
//!
//! * every message whose header fields Python reads without a defect: From/To/Cc addresses
//!   (every occurrence of a repeated field: `get_all`), decoded subject and the instant of
//!   Date equal Python's;
//! * every message Python reads headers from is an email item (malformed ones included: no
//!   blank line after the headers, a bare MIME entity);
//! * no recipient is lost: every To/Cc address Python sees is found by a `to:`/`cc:` search
//!   through `Matter::search`, the search behind the API;
//! * a plain-text message's body, as Python reads it, is in the item's text.
//!
//! Skips, saying so on stderr, when the folder or `python3` is absent.

use crate::common;

use common::*;
use exhibit::index::Sort;
use exhibit::Matter;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

const PY: &str = r#"
import email, json, os, sys
from email import policy
from email.utils import parsedate_to_datetime
d = sys.argv[1]
for f in sorted(os.listdir(d)):
    if not (f.startswith('msg_') and f.endswith('.txt')):
        continue
    m = email.message_from_bytes(open(os.path.join(d, f), 'rb').read(), policy=policy.default)
    out = {'file': f, 'defects': [type(x).__name__ for x in m.defects], 'header_defects': [], 'headers': 0}
    out['headers'] = len(m.keys())
    for h in ('From', 'To', 'Cc'):
        vs = m.get_all(h)
        if not vs:
            out[h] = None
            continue
        out[h] = []
        for v in vs:
            out['header_defects'] += [type(x).__name__ for x in v.defects]
            out[h] += [a.addr_spec for a in v.addresses]
    s = m['Subject']
    out['Subject'] = None if s is None else str(s)
    if s is not None:
        out['header_defects'] += [type(x).__name__ for x in s.defects]
    dt = m['Date']
    out['Date'] = None
    if dt is not None:
        out['header_defects'] += [type(x).__name__ for x in dt.defects]
        try:
            out['Date'] = parsedate_to_datetime(str(dt)).timestamp()
        except Exception:
            out['header_defects'].append('UnparsableDate')
    out['body'] = None
    if not m.is_multipart() and m.get_content_type() == 'text/plain':
        try:
            out['body'] = m.get_content()
        except Exception:
            pass
    print(json.dumps(out))
"#;

/// Python's reading of one message.
#[derive(serde::Deserialize, Debug)]
struct Py {
    file: String,
    /// Defects of the message as a whole (MIME structure, a missing blank line): reported,
    /// not a reason to skip the header comparison.
    #[allow(dead_code)]
    defects: Vec<String>,
    header_defects: Vec<String>,
    headers: usize,
    #[serde(rename = "From")]
    from: Option<Vec<String>>,
    #[serde(rename = "To")]
    to: Option<Vec<String>>,
    #[serde(rename = "Cc")]
    cc: Option<Vec<String>>,
    #[serde(rename = "Subject")]
    subject: Option<String>,
    #[serde(rename = "Date")]
    date: Option<f64>,
    body: Option<String>,
}

fn data_dir() -> Option<PathBuf> {
    let fixed = PathBuf::from("/usr/lib/python3.11/test/test_email/data");
    let found = if fixed.is_dir() {
        Some(fixed)
    } else {
        // Python's own copy, when its test suite is installed with it.
        Command::new("python3")
            .args(["-c", "import os, test; print(os.path.join(os.path.dirname(test.__file__), 'test_email', 'data'))"])
            .output()
            .ok()
            .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()))
            .filter(|p| p.is_dir())
    };
    if found.is_none() {
        crate::common::skipped("CPython's email test messages are absent (install libpython3.11-testsuite)");
    }
    found
}

fn python(dir: &Path) -> Option<Vec<Py>> {
    let out = match Command::new("python3").arg("-c").arg(PY).arg(dir).output() {
        Ok(o) if o.status.success() => o,
        Ok(o) => {
            crate::common::skipped(&format!("python3 could not parse the messages: {}", String::from_utf8_lossy(&o.stderr)));
            return None;
        }
        Err(e) => {
            crate::common::skipped(&format!("python3 is absent ({e})"));
            return None;
        }
    };
    Some(String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect())
}

/// The address of each "Name <addr>" or bare "addr", lower-cased.
fn addrs(entries: &[String]) -> BTreeSet<String> {
    entries.iter().map(|e| addr_of(e)).collect()
}

fn addr_of(e: &str) -> String {
    let e = e.trim();
    let a = match (e.rfind('<'), e.rfind('>')) {
        (Some(i), Some(j)) if i < j => &e[i + 1..j],
        _ => e,
    };
    a.trim().to_ascii_lowercase()
}

/// The addresses in a stored `From` (entries joined with ", ", each "Name <addr>" or "addr").
fn sender_addrs(author: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = author;
    while let (Some(i), Some(j)) = (rest.find('<'), rest.find('>')) {
        if j < i {
            break;
        }
        out.insert(rest[i + 1..j].trim().to_ascii_lowercase());
        rest = &rest[j + 1..];
    }
    for bare in rest.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        out.insert(bare.to_ascii_lowercase());
    }
    out
}

fn words(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The item a message file became: the file's own item, or, for a file read as a one-message
/// mailbox (a leading envelope line), the message inside it.
fn item_of(db: &rusqlite::Connection, path: &Path) -> Option<(i64, String)> {
    let path = path.to_str().unwrap();
    db.query_row(
        "SELECT i.id, i.kind FROM item_location l JOIN item i ON i.id = l.item_id WHERE l.path = ?1
         UNION ALL
         SELECT i.id, i.kind FROM item_location l JOIN item i ON i.id = l.item_id WHERE l.path = ?1 || '/message-00001.eml'
         ORDER BY 2 DESC LIMIT 1",
        [path],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .ok()
    .map(|(id, kind): (i64, String)| {
        if kind == "mailbox" {
            db.query_row("SELECT id, kind FROM item WHERE container_id = ?1 ORDER BY id LIMIT 1", [id], |r| Ok((r.get(0)?, r.get(1)?)))
                .unwrap()
        } else {
            (id, kind)
        }
    })
}

#[test]
fn cpython_email_messages_agree_with_python() {
    let Some(dir) = data_dir() else { return };
    let Some(expected) = python(&dir) else { return };
    assert!(expected.len() >= 40, "only {} messages", expected.len());
    let tmp = tempfile::tempdir().unwrap();
    let mdir = tmp.path().join("m");
    let mut m = Matter::create(&mdir, "cpython").unwrap();
    let s = ingest(&mut m, &dir, "Python");
    eprintln!("ingested {} items, {} duplicates, {} errors", s.items_added, s.duplicates, s.errors);
    let db = rusqlite::Connection::open(mdir.join("exhibit.db")).unwrap();
    let canonical = std::fs::canonicalize(&dir).unwrap();

    let mut problems: Vec<String> = Vec::new();
    let (mut compared, mut searched) = (0, 0);
    for py in &expected {
        let path = canonical.join(&py.file);
        let Some((id, kind)) = item_of(&db, &path) else {
            problems.push(format!("{}: no item", py.file));
            continue;
        };
        let reads_headers = py.from.is_some() || py.to.is_some() || py.subject.is_some() || py.date.is_some() || py.headers > 0;
        if reads_headers && kind != "email" {
            problems.push(format!("{}: Python reads {} header(s) but it became a {kind} item", py.file, py.headers));
            continue;
        }
        let item = m.item(&id.to_string()).unwrap();
        let md = &item.metadata;

        // No recipient lost: every address Python sees is found by a field search.
        for (field, list) in [("to", &py.to), ("cc", &py.cc)] {
            for a in list.iter().flatten().filter(|a| !a.is_empty() && *a != "<>") {
                searched += 1;
                let q = format!("{field}:\"{a}\"");
                let hits = m.search(&q, 1000, 0, Sort::Relevance).unwrap();
                if !hits.hits.iter().any(|h| h.id == id) {
                    problems.push(format!("{}: {q} does not find it ({} hits)", py.file, hits.total));
                }
            }
        }

        if !py.header_defects.is_empty() {
            continue;
        }
        compared += 1;
        let from = md.from.as_deref().map(sender_addrs).unwrap_or_default();
        let want_from: BTreeSet<String> = py.from.iter().flatten().map(|a| a.to_ascii_lowercase()).collect();
        if from != want_from {
            problems.push(format!("{}: From {:?}, Python {:?}", py.file, md.from, py.from));
        }
        for (name, got, want) in [("To", &md.to, &py.to), ("Cc", &md.cc, &py.cc)] {
            let want: BTreeSet<String> = want.iter().flatten().map(|a| a.to_ascii_lowercase()).collect();
            if addrs(got) != want {
                problems.push(format!("{}: {name} {got:?}, Python {want:?}", py.file));
            }
        }
        let subject = py.subject.as_deref().map(words).filter(|s| !s.is_empty());
        if item.title.as_deref().map(words) != subject {
            problems.push(format!("{}: Subject {:?}, Python {:?}", py.file, item.title, py.subject));
        }
        let date = md.date.as_deref().map(|d| chrono::DateTime::parse_from_rfc3339(d).unwrap().timestamp());
        if date != py.date.map(|t| t as i64) {
            problems.push(format!("{}: Date {:?}, Python {:?}", py.file, md.date, py.date));
        }
        if let Some(body) = py.body.as_deref().map(words).filter(|b| !b.is_empty()) {
            if !words(&item.text).contains(&body) {
                problems.push(format!("{}: Python's body is not in the text:\n{}\n---\n{}", py.file, body, item.text));
            }
        }
    }
    eprintln!(
        "CPython email data: {} messages, {compared} compared header by header, {searched} recipient searches, {} problems",
        expected.len(),
        problems.len()
    );
    assert!(compared >= 40 && searched >= 30, "{compared} compared, {searched} searched");
    assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems.join("\n"));
    assert!(m.verify().unwrap().ok);
}
