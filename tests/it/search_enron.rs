//! Field filters on the real Enron mail agree with a direct scan of the raw headers.

use crate::common;

use common::*;
use exhibit::Matter;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;

#[test]
fn enron_field_filters_match_a_direct_header_scan() {
    let Some(enron) = corpus("email/enron", "enron field filters") else { return };
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("m");
    let mut m = Matter::create(&dir, "enron").unwrap();
    let custodians = [("williams-w3", "Williams, W3"), ("beck-s", "Beck, Sally")];
    for (folder, who) in custodians {
        ingest(&mut m, &enron.join(folder), who);
    }
    let db = rusqlite::Connection::open(dir.join("exhibit.db")).unwrap();
    // Every file, its item and its headers.
    let mut files: Vec<(PathBuf, &str, i64, HashMap<String, String>)> = Vec::new();
    for (folder, who) in custodians {
        for e in walkdir::WalkDir::new(enron.join(folder)).into_iter().filter_map(|e| e.ok()).filter(|e| e.file_type().is_file()) {
            let p = std::fs::canonicalize(e.path()).unwrap();
            let id: i64 = db
                .query_row("SELECT item_id FROM item_location WHERE path = ?1 AND custodian = ?2", [p.to_str().unwrap(), who], |r| r.get(0))
                .unwrap();
            let h = headers(&std::fs::read(&p).unwrap());
            files.push((p, who, id, h));
        }
    }
    let ids_of = |q: &str| -> BTreeSet<i64> {
        let r = m.search(q, 100_000, 0, Default::default()).unwrap();
        assert_eq!(r.total, r.hits.len());
        r.hits.iter().map(|h| h.id).collect()
    };
    // The most frequent senders and recipients.
    let mut from_count: BTreeMap<String, usize> = BTreeMap::new();
    let mut to_count: BTreeMap<String, usize> = BTreeMap::new();
    for (_, _, _, h) in &files {
        for a in addresses(h.get("from").map(String::as_str).unwrap_or("")) {
            *from_count.entry(a).or_default() += 1;
        }
        for a in addresses(h.get("to").map(String::as_str).unwrap_or("")) {
            *to_count.entry(a).or_default() += 1;
        }
    }
    let top = |m: &BTreeMap<String, usize>| {
        let mut v: Vec<_> = m.iter().collect();
        v.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        v.into_iter().take(6).map(|(k, _)| k.clone()).collect::<Vec<_>>()
    };
    let mut checked = 0;
    for (field, list) in [("from", top(&from_count)), ("to", top(&to_count))] {
        for addr in list {
            let want: BTreeSet<i64> =
                files.iter().filter(|f| addresses(f.3.get(field).map(String::as_str).unwrap_or("")).contains(&addr)).map(|f| f.2).collect();
            let got = ids_of(&format!("{field}:\"{addr}\""));
            assert_eq!(got, want, "{field}:{addr}");
            checked += 1;
        }
    }
    for month in ["2000-06", "2000-12", "2001-03", "2001-05"] {
        let want: BTreeSet<i64> = files
            .iter()
            .filter(|f| {
                let raw = f.3.get("date").unwrap();
                let d = chrono::DateTime::parse_from_rfc2822(raw.split(" (").next().unwrap()).unwrap().with_timezone(&chrono::Utc);
                d.format("%Y-%m").to_string() == month
            })
            .map(|f| f.2)
            .collect();
        assert_eq!(ids_of(&format!("date:{month}")), want, "date:{month}");
        checked += 1;
    }
    for (_, who) in custodians {
        let want: BTreeSet<i64> = files.iter().filter(|f| f.1 == who).map(|f| f.2).collect();
        assert_eq!(ids_of(&format!("custodian:\"{who}\"")), want, "custodian:{who}");
        checked += 1;
    }
    eprintln!("Enron: {checked} field filters agree with the header scan");
}

/// Quoted phrases count exactly the items whose text or title holds those words in that order,
/// any case — an independent scan of the extracted texts read back through the matter (not
/// through the index). Several phrases have stemmed relatives in the mail ("Global Marketing",
/// "risk manager", "trading limits") that an exact phrase must not count, and some are typed
/// capitalised. Words separated by whitespace are always found; as documented
/// (docs/query-language.md, dtSearch's default), punctuation separates words too, so
/// `information.risk.management@enron.com` holds "risk management": the scan allows that, and
/// checks that such items are the only difference from a whitespace-only scan.
#[test]
fn enron_phrase_counts_match_an_exact_scan() {
    let Some(enron) = corpus("email/enron", "enron phrase counts") else { return };
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("m");
    let mut m = Matter::create(&dir, "enron").unwrap();
    ingest(&mut m, &enron.join("beck-s"), "Beck, Sally");
    let db = rusqlite::Connection::open(dir.join("exhibit.db")).unwrap();
    let ids: Vec<i64> =
        db.prepare("SELECT id FROM item ORDER BY id").unwrap().query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
    // Title and text of every item, as the matter gives them back.
    let docs: Vec<(i64, String, String)> = ids
        .iter()
        .map(|&id| {
            let item = m.item(&id.to_string()).unwrap();
            (id, item.title.unwrap_or_default(), item.text)
        })
        .collect();
    let phrases = [
        "\"Enron Global Markets\"",
        "\"Global Markets\"",
        "\"global marketing\"",
        "\"risk management\"",
        "\"Risk Manager\"",
        "\"risk managers\"",
        "\"trading limit\"",
        "\"trading limits\"",
        "\"Natural Gas\"",
        "\"trading desk\"",
        "\"energy services\"",
    ];
    let mut report = Vec::new();
    let mut wrong = Vec::new();
    for q in phrases {
        let words: Vec<&str> = q.trim_matches('"').split_whitespace().collect();
        let quoted = format!("\"{}\"", words.join(" "));
        let scan = |sep: &str| -> BTreeSet<i64> {
            let edge = r"(?:^|$|[^\p{L}\p{N}])";
            let body = words.iter().map(|w| regex::escape(w)).collect::<Vec<_>>().join(sep);
            let re = regex::Regex::new(&format!(r"(?i){edge}{body}{edge}")).unwrap();
            docs.iter().filter(|(_, title, text)| re.is_match(title) || re.is_match(text)).map(|d| d.0).collect()
        };
        let by_whitespace = scan(r"\s+");
        let want = scan(r"[^\p{L}\p{N}]+");
        let r = m.search(&quoted, 100_000, 0, Default::default()).unwrap();
        assert_eq!(r.total, r.hits.len());
        let got: BTreeSet<i64> = r.hits.iter().map(|h| h.id).collect();
        report.push(format!("{quoted}: {} ({} by whitespace alone)", want.len(), by_whitespace.len()));
        if !by_whitespace.is_subset(&got) {
            wrong.push(format!("{quoted}: misses {:?}", by_whitespace.difference(&got).take(5).collect::<Vec<_>>()));
        }
        if got != want {
            wrong.push(format!(
                "{quoted}: search {} items, scan {} (only search: {:?}; only scan: {:?})",
                got.len(),
                want.len(),
                got.difference(&want).take(5).collect::<Vec<_>>(),
                want.difference(&got).take(5).collect::<Vec<_>>()
            ));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
    // The phrases are not vacuous: the common ones occur, and the stemmed relatives differ.
    let n = |q: &str| m.search(q, 1, 0, Default::default()).unwrap().total;
    assert!(n("\"global markets\"") > 10 && n("\"risk management\"") > 10, "{report:?}");
    assert_ne!(n("\"risk manager\""), n("\"risk management\""));
    eprintln!("Enron beck-s phrase counts equal the exact scan: {}", report.join(", "));
}
