//! The query language against a small hand-built matter with known answers, a property test
//! of random boolean queries against direct evaluation, coding, and search-term reports.

use crate::common;

use common::*;
use exhibit::review::{Propagate, Target};
use exhibit::Matter;
use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

const A_EML: &str = "From: Vince Kaminski <vince.kaminski@enron.com>\r
To: Sally Beck <sally.beck@enron.com>\r
Subject: Price cap analysis\r
Date: Thu, 15 Mar 2001 10:00:00 -0800\r
Message-ID: <a-1@enron.com>\r
MIME-Version: 1.0\r
Content-Type: multipart/mixed; boundary=\"XX\"\r
\r
--XX\r
Content-Type: text/plain\r
\r
The price cap on gas trading desk positions was discussed. Fraud risk is low.\r
--XX\r
Content-Type: text/plain; name=\"notes.txt\"\r
Content-Disposition: attachment; filename=\"notes.txt\"\r
\r
Attachment body about widgets.\r
--XX--\r
";

const B_EML: &str = "From: sally.beck@enron.com\r
To: vince.kaminski@enron.com\r
Cc: jeff.skilling@enron.com\r
Subject: Re: trading limits\r
Date: Sat, 10 Jun 2000 09:30:00 -0700\r
Message-ID: <b-2@enron.com>\r
\r
Trading limits for the desk: the cap on prices is under review. Call Enron legal.\r
";

/// Builds the matter; returns it and a map from item id to short name.
fn fixture(dir: &Path) -> (Matter, std::collections::HashMap<i64, &'static str>) {
    let src = dir.join("src");
    let other = dir.join("other");
    fs::create_dir_all(&src).unwrap();
    fs::create_dir_all(&other).unwrap();
    fs::write(src.join("a.eml"), A_EML).unwrap();
    fs::write(src.join("b.eml"), B_EML).unwrap();
    fs::write(src.join("c.txt"), "Testing the tester with a test. API key sk-abcdefghijklmnopqrst0123 leaked.").unwrap();
    fs::write(src.join("d.txt"), "Enorn misspelled company name; gas pipeline capacity report.").unwrap();
    fs::write(other.join("e.md"), "Quarterly report: nothing about trading at all, only pipeline maintenance.").unwrap();
    fs::write(other.join("c-copy.txt"), fs::read(src.join("c.txt")).unwrap()).unwrap();
    let mut m = Matter::create(dir.join("m"), "search").unwrap();
    ingest(&mut m, &src, "Farmer, Daren");
    ingest(&mut m, &other, "Beck, Sally");
    let db = rusqlite::Connection::open(dir.join("m/exhibit.db")).unwrap();
    let mut names = std::collections::HashMap::new();
    let mut stmt = db.prepare("SELECT id, name FROM item").unwrap();
    for row in stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))).unwrap() {
        let (id, name) = row.unwrap();
        let short: &'static str = match name.as_str() {
            "a.eml" => "a",
            "b.eml" => "b",
            "c.txt" => "c",
            "d.txt" => "d",
            "e.md" => "e",
            "notes.txt" => "att",
            other => panic!("unexpected item {other}"),
        };
        names.insert(id, short);
    }
    (m, names)
}

fn run(m: &Matter, names: &std::collections::HashMap<i64, &'static str>, q: &str) -> BTreeSet<&'static str> {
    let r = m.search(q, 100, 0, Default::default()).unwrap_or_else(|e| panic!("query {q}: {e}"));
    assert_eq!(r.total, r.hits.len(), "{q}: total must be exact");
    r.hits.iter().map(|h| names[&h.id]).collect()
}

#[test]
fn every_query_form_finds_exactly_the_known_items() {
    let tmp = tempfile::tempdir().unwrap();
    let (mut m, names) = fixture(tmp.path());
    let cases: &[(&str, &[&str])] = &[
        ("fraud", &["a"]),
        ("Fraud", &["a"]),
        // dtSearch's rule: a bare word is exact (any case); `~` stems.
        ("trading", &["a", "b", "e"]),
        ("trade", &[]),
        ("trade~", &["a", "b", "e"]),
        ("TRADES~", &["a", "b", "e"]),
        ("price", &["a"]),
        ("prices", &["b"]),
        ("price~", &["a", "b"]),
        ("test", &["c"]),
        ("testing~", &["c"]),
        ("subject:trade~", &["b"]),
        ("subject:trade", &[]),
        ("\"gas trading desk\"", &["a"]),
        ("\"Gas Trading Desk\"", &["a"]),
        ("\"gas trade desk\"", &[]),
        ("\"trading limit\"", &[]),
        ("\"trading limits\"", &["b"]),
        ("\"price cap\"~5", &["a"]),
        ("\"cap price\"~5", &["a"]),
        ("\"cap prices\"~5", &["b"]),
        ("price w/3 cap", &["a"]),
        ("price~ w/3 cap", &["a", "b"]),
        ("cap w/3 prices", &["b"]),
        ("price pre/3 cap", &["a"]),
        ("price~ pre/3 cap", &["a"]),
        ("cap pre/3 price~", &["b"]),
        ("cap pre/3 pric*", &["b"]),
        ("trad*", &["a", "b", "e"]),
        ("te?t", &["c"]),
        ("enron~1", &["b", "d"]),
        ("enron~1 w/1 legal", &["b"]),
        ("/sk-[a-z0-9]{20,}/", &["c"]),
        ("from:kaminski", &["a"]),
        ("to:\"sally beck\"", &["a"]),
        ("cc:skilling", &["b"]),
        ("subject:price", &["a"]),
        ("title:trading", &["b"]),
        ("filename:\"d.txt\"", &["d"]),
        ("kind:email", &["a", "b"]),
        ("ext:md", &["e"]),
        ("custodian:farmer", &["a", "att", "b", "c", "d"]),
        ("custodian:\"Beck, Sally\"", &["c", "e"]),
        ("date:2001-03", &["a"]),
        ("date:[2000-01-01 TO 2000-06-30]", &["b"]),
        ("date>=2001-01-01", &["a"]),
        ("trading AND NOT fraud", &["b", "e"]),
        ("trading -fraud", &["b", "e"]),
        ("(fraud OR pipeline) AND report", &["d", "e"]),
        ("fraud OR widgets", &["a", "att"]),
        ("has:attachments", &["a"]),
        ("is:attachment", &["att"]),
        ("is:duplicate", &["c"]),
        ("family:(fraud)", &["a", "att"]),
        ("family:(widgets) -widgets", &["a"]),
    ];
    let mut failures = Vec::new();
    for (q, want) in cases {
        let got = run(&m, &names, q);
        let want: BTreeSet<&str> = want.iter().copied().collect();
        if got != want {
            failures.push(format!("{q}: got {got:?}, want {want:?}"));
        }
    }
    // Review state: tags apply without re-indexing.
    let a_id = names.iter().find(|(_, n)| **n == "a").unwrap().0.to_string();
    m.tag_add("Hot", &Target::Items(vec![a_id]), Propagate::default()).unwrap();
    for (q, want) in [("tag:Hot", vec!["a"]), ("tag:hot trading", vec!["a"]), ("-tag:Hot trading", vec!["b", "e"])] {
        let got = run(&m, &names, q);
        if got != want.iter().copied().collect() {
            failures.push(format!("{q}: got {got:?}, want {want:?}"));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn hits_are_highlighted_with_character_offsets() {
    let tmp = tempfile::tempdir().unwrap();
    let (m, names) = fixture(tmp.path());
    let r = m.search("\"gas trading desk\" OR fraud", 10, 0, Default::default()).unwrap();
    let hit = &r.hits[0];
    assert_eq!(names[&hit.id], "a");
    let marked: Vec<&str> = hit.segments.iter().filter(|s| s.hit).map(|s| s.text.as_str()).collect();
    assert_eq!(marked, ["gas trading desk", "Fraud"], "{:?}", hit.segments);
    assert!(hit.snippet.contains("gas trading desk"), "{}", hit.snippet);
    // No markup added: the snippet is a passage of the item's text as it is (line breaks as
    // spaces), `<` of an address included.
    let stored = m.item(&hit.control).unwrap().text;
    let flat: String = stored.chars().map(|c| if matches!(c, '\n' | '\r' | '\t') { ' ' } else { c }).collect();
    assert!(flat.contains(&hit.snippet), "{} not in {flat}", hit.snippet);
    let text: Vec<char> = stored.chars().collect();
    let words: Vec<String> = hit.offsets.iter().map(|[s, e]| text[*s..*e].iter().collect()).collect();
    assert_eq!(words, ["gas trading desk", "Fraud"]);
    assert_eq!(m.hit_offsets(&hit.control, "fraud").unwrap().len(), 1);
}

#[test]
fn syntax_errors_say_where_and_what() {
    let tmp = tempfile::tempdir().unwrap();
    let (m, _) = fixture(tmp.path());
    let e = m.search("(gas OR desk", 10, 0, Default::default()).unwrap_err();
    assert_eq!(e.code(), "bad_query");
    assert!(e.to_string().contains("at character 1") && e.to_string().contains("never closed"), "{e}");
    let e = m.search("colour:red", 10, 0, Default::default()).unwrap_err();
    assert!(e.to_string().contains("unknown field 'colour'"), "{e}");
    for (q, pos) in [("price w/", 7), ("price w/x cap", 7), ("price pre/ cap", 7), ("gas AND", 5), ("\"open", 1), ("date:[2000 TO", 6)] {
        let e = m.search(q, 10, 0, Default::default()).unwrap_err();
        assert_eq!(e.code(), "bad_query", "{q}");
        assert!(e.to_string().contains(&format!("at character {pos}: ")), "{q}: {e}");
        assert_eq!(m.facets(q).unwrap_err().code(), "bad_query", "{q}");
    }
}

#[test]
fn paging_is_stable_and_date_order_is_newest_first() {
    let tmp = tempfile::tempdir().unwrap();
    let (m, names) = fixture(tmp.path());
    let all = m.search("trading OR pipeline OR fraud OR test", 100, 0, Default::default()).unwrap();
    let mut paged = Vec::new();
    for off in (0..all.total).step_by(2) {
        paged.extend(m.search("trading OR pipeline OR fraud OR test", 2, off, Default::default()).unwrap().hits.into_iter().map(|h| h.id));
    }
    assert_eq!(paged, all.hits.iter().map(|h| h.id).collect::<Vec<_>>());
    let by_date = m.search("kind:email", 10, 0, exhibit::index::Sort::Date).unwrap();
    let order: Vec<&str> = by_date.hits.iter().map(|h| names[&h.id]).collect();
    assert_eq!(order, ["a", "b"]);
    // Control-number order: every match, lowest control number first, and stable across pages.
    let q = "trading OR pipeline OR fraud OR test";
    let by_control: Vec<String> = m.search(q, 100, 0, exhibit::index::Sort::Control).unwrap().hits.into_iter().map(|h| h.control).collect();
    let mut expected: Vec<String> = all.hits.iter().map(|h| h.control.clone()).collect();
    expected.sort();
    assert_eq!(by_control, expected);
    assert!(by_control.len() > 2, "the fixture has several matches: {by_control:?}");
    let second_page: Vec<String> = m.search(q, 2, 2, exhibit::index::Sort::Control).unwrap().hits.into_iter().map(|h| h.control).collect();
    assert_eq!(second_page, by_control[2..4.min(by_control.len())]);
}

/// A tiny deterministic generator (no external randomness in tests).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const VOCAB: &[&str] = &["alpha", "bravo", "delta", "kilo", "lima", "oscar", "tango", "zulu", "hotel", "india"];

#[derive(Debug)]
enum Q {
    T(&'static str),
    And(Box<Q>, Box<Q>),
    Or(Box<Q>, Box<Q>),
    Not(Box<Q>),
}

impl Q {
    fn random(r: &mut Lcg, depth: u32) -> Q {
        if depth == 0 || r.below(3) == 0 {
            return Q::T(VOCAB[r.below(VOCAB.len() as u64) as usize]);
        }
        match r.below(3) {
            0 => Q::And(Box::new(Q::random(r, depth - 1)), Box::new(Q::random(r, depth - 1))),
            1 => Q::Or(Box::new(Q::random(r, depth - 1)), Box::new(Q::random(r, depth - 1))),
            _ => Q::Not(Box::new(Q::random(r, depth - 1))),
        }
    }
    fn text(&self) -> String {
        match self {
            Q::T(t) => t.to_string(),
            Q::And(a, b) => format!("({} AND {})", a.text(), b.text()),
            Q::Or(a, b) => format!("({} OR {})", a.text(), b.text()),
            Q::Not(a) => format!("(NOT {})", a.text()),
        }
    }
    fn eval(&self, doc: &BTreeSet<&str>) -> bool {
        match self {
            Q::T(t) => doc.contains(t),
            Q::And(a, b) => a.eval(doc) && b.eval(doc),
            Q::Or(a, b) => a.eval(doc) || b.eval(doc),
            Q::Not(a) => !a.eval(doc),
        }
    }
}

#[test]
fn random_boolean_queries_match_direct_evaluation() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    fs::create_dir_all(&src).unwrap();
    let mut r = Lcg(20261128);
    let mut docs: Vec<BTreeSet<&str>> = Vec::new();
    for i in 0..300 {
        let n = 1 + r.below(6);
        let words: Vec<&str> = (0..n).map(|_| VOCAB[r.below(VOCAB.len() as u64) as usize]).collect();
        fs::write(src.join(format!("doc-{i:03}.txt")), format!("doc {i}: {}", words.join(" "))).unwrap();
        docs.push(words.into_iter().collect());
    }
    let mut m = Matter::create(tmp.path().join("m"), "prop").unwrap();
    ingest(&mut m, &src, "P");
    let db = rusqlite::Connection::open(tmp.path().join("m/exhibit.db")).unwrap();
    let doc_of = |id: i64| -> usize {
        let name: String = db.query_row("SELECT name FROM item WHERE id = ?1", [id], |r| r.get(0)).unwrap();
        name[4..7].parse().unwrap()
    };
    for round in 0..250 {
        let q = Q::random(&mut r, 3);
        let want: BTreeSet<usize> = (0..docs.len()).filter(|&i| q.eval(&docs[i])).collect();
        let res = m.search(&q.text(), 1000, 0, Default::default()).unwrap();
        let got: BTreeSet<usize> = res.hits.iter().map(|h| doc_of(h.id)).collect();
        assert_eq!(res.total, want.len(), "round {round}: {} (count)", q.text());
        assert_eq!(got, want, "round {round}: {}", q.text());
    }
}

#[test]
fn bulk_tagging_is_one_audited_transaction_and_undoable() {
    let tmp = tempfile::tempdir().unwrap();
    let (mut m, _) = fixture(tmp.path());
    let before = m.audit_log(1).unwrap()[0].seq;
    let r = m.tag_add("Responsive", &Target::Query("trading OR pipeline".into()), Propagate { families: true, duplicates: false }).unwrap();
    assert_eq!(r.changed, 5, "a + its attachment, b, d, e");
    let log = m.audit_log(5).unwrap();
    assert_eq!(log[0].seq, before + 1, "one audit entry for the whole coding action");
    assert_eq!(log[0].action, "tag.add");
    assert_eq!(log[0].payload["count"], 5);
    let tags = m.tags().unwrap();
    assert_eq!(tags.iter().find(|t| t.name == "Responsive").unwrap().count, 5);
    assert!(tags.iter().any(|t| t.name == "Privileged – attorney-client" && t.builtin));
    let undo = m.tag_remove("Responsive", &Target::Query("tag:Responsive".into()), Propagate::default()).unwrap();
    assert_eq!(undo.changed, 5);
    assert_eq!(m.search("tag:Responsive", 10, 0, Default::default()).unwrap().total, 0);
    assert!(m.verify().unwrap().ok);
}

#[test]
fn search_term_report_agrees_with_individual_searches() {
    let tmp = tempfile::tempdir().unwrap();
    let (m, _) = fixture(tmp.path());
    let terms: Vec<String> =
        ["trading", "pipeline", "fraud OR widgets", "# a comment", "", "nonexistentword", "price w/", "(gas OR oil", "price~ w/3 cap"]
            .iter()
            .map(|s| s.to_string())
            .collect();
    let rep = m.terms_report(&terms).unwrap();
    assert_eq!(rep.rows.len(), 7);
    assert_eq!(rep.term_rule, "dtsearch-exact");
    let mut union = BTreeSet::new();
    for row in rep.rows.iter().filter(|r| r.error.is_none()) {
        let r = m.search(&row.term, 1000, 0, Default::default()).unwrap();
        assert_eq!(row.hits, Some(r.total as u64), "{}", row.term);
        union.extend(r.hits.iter().map(|h| h.id));
    }
    assert_eq!(rep.total_hits as usize, union.len());
    let row = |t: &str| rep.rows.iter().find(|r| r.term == t).unwrap();
    assert_eq!(row("trading").hits, Some(3));
    assert_eq!(row("trading").unique_hits, Some(0), "a is also hit by fraud, b by price~ w/3 cap, e by pipeline");
    assert_eq!(row("pipeline").unique_hits, Some(1), "d");
    assert_eq!(row("fraud OR widgets").hits_with_families, Some(2));
    assert_eq!(row("nonexistentword").hits, Some(0));
    assert_eq!(row("price~ w/3 cap").hits, Some(2));
    // A malformed term is a row with its error and no count — never a count of what it
    // might have meant (`price w/` once ran as `price AND w`).
    for (t, pos) in [("price w/", 7), ("(gas OR oil", 1)] {
        let r = row(t);
        assert_eq!((r.hits, r.unique_hits, r.hits_with_families), (None, None, None), "{t}");
        assert_eq!(r.error_position, Some(pos), "{t}");
        assert!(r.error.as_deref().unwrap().starts_with(&format!("at character {pos}: ")), "{t}: {:?}", r.error);
    }
    assert_eq!(rep.term_errors, 2);
    let csv = rep.to_csv();
    assert!(csv.starts_with("term,hits,unique_hits,hits_with_families,error,term_rule\r\n\"trading\",3,0,"), "{csv}");
    assert!(csv.contains("\"price w/\",,,,\"at character 7: "), "{csv}");
    assert!(csv.lines().all(|l| l.ends_with(",dtsearch-exact") || l.ends_with("term_rule")), "{csv}");
}

#[test]
fn malformed_queries_fail_in_the_cli_and_code_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let (m, _) = fixture(tmp.path());
    drop(m);
    let matter = tmp.path().join("m");
    let mp = matter.to_str().unwrap();
    // `exhibit search` exits 2 (bad usage) naming the position.
    let (code, out, err) = cli(&["--matter", mp, "search", "price w/", "--json"]);
    assert_eq!(code, 2, "{out}{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("--json: the error as JSON ({e}): {out}"));
    assert_eq!(doc["error"]["code"], "bad_query", "{doc}");
    assert!(err.contains("at character 7:") && err.contains("'w/'"), "{err}");
    // `tag add --query` with a bad query refuses and tags nothing.
    let (code, _, err) = cli(&["--matter", mp, "tag", "add", "Hot", "--query", "price AND"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("at character 7:"), "{err}");
    assert_eq!(count(&matter, "SELECT COUNT(*) FROM item_tag"), 0);
    // The search-term report prints every row, the bad one with its error, and exits 1.
    let terms = tmp.path().join("terms.txt");
    fs::write(&terms, "trading\nprice w/x cap\n").unwrap();
    let csv = tmp.path().join("terms.csv");
    let (code, out, err) = cli(&["--matter", mp, "str", terms.to_str().unwrap(), "--csv", csv.to_str().unwrap(), "--json"]);
    assert_eq!(code, 1, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["term_rule"], "dtsearch-exact");
    assert_eq!(v["rows"][0]["hits"], 3);
    assert!(v["rows"][1]["hits"].is_null());
    assert_eq!(v["rows"][1]["error_position"], 7);
    assert!(fs::read_to_string(&csv).unwrap().contains("\"price w/x cap\",,,,\"at character 7: "));
    let (code, out, _) = cli(&["--matter", mp, "str", terms.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(out.lines().next().unwrap().contains("dtsearch-exact"), "{out}");
    assert!(out.contains("NOT COUNTED: at character 7:"), "{out}");
}

#[test]
fn facets_count_the_result_set() {
    let tmp = tempfile::tempdir().unwrap();
    let (mut m, names) = fixture(tmp.path());
    let a_id = names.iter().find(|(_, n)| **n == "a").unwrap().0.to_string();
    m.tag_add("Hot", &Target::Items(vec![a_id]), Propagate::default()).unwrap();
    let get = |v: &[(String, u64)], k: &str| v.iter().find(|(x, _)| x == k).map(|(_, n)| *n).unwrap_or(0);
    let all = m.facets("*").unwrap();
    assert_eq!(all.total, 6);
    assert_eq!(get(&all.kind, "email"), 2);
    assert_eq!(get(&all.kind, "text"), 4, "c, d, e and the attachment");
    assert_eq!(get(&all.custodian, "Farmer, Daren"), 5);
    assert_eq!(get(&all.custodian, "Beck, Sally"), 2);
    assert_eq!(get(&all.tag, "Hot"), 1);
    assert_eq!(get(&all.sender_domain, "enron.com"), 2);
    assert_eq!(all.month, vec![("2000-06".to_string(), 1), ("2001-03".to_string(), 1)]);
    let some = m.facets("trading").unwrap();
    assert_eq!(some.total, 3);
    assert_eq!(get(&some.tag, "Hot"), 1);
    assert_eq!(get(&some.ext, "md"), 1);
    let none = m.facets("pipeline -trading").unwrap();
    assert_eq!(get(&none.tag, "Hot"), 0);
}

/// The same file loose and attached to an email is two items in two families, each flagged as
/// the other's duplicate (`duplicates`, `is:duplicate`); items whose text could not be had say
/// why (`problem`) and are counted by the status facet.
#[test]
fn duplicates_across_families_and_text_problems_are_visible() {
    use exhibit::store::items::ProblemKind;
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    fs::create_dir_all(&src).unwrap();
    let same = b"Quarterly storage figures, the same file twice.\n";
    fs::write(src.join("storage.txt"), same).unwrap();
    let b64 = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, same);
    let mail = format!(
        "From: a@example.com\r\nTo: b@example.com\r\nBcc: hidden@example.com\r\nSubject: figures\r\nMessage-ID: <dup-1@example.com>\r\n\
         MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"XX\"\r\n\r\n--XX\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n\
         --XX\r\nContent-Type: text/plain; name=\"storage.txt\"\r\nContent-Disposition: attachment; filename=\"storage.txt\"\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n{b64}\r\n--XX--\r\n"
    );
    fs::write(src.join("figures.eml"), mail).unwrap();
    fs::write(src.join("empty.txt"), b"").unwrap();
    fs::write(src.join("broken.pdf"), b"%PDF-1.4\n1 0 obj << /Type /Catalog >> nonsense, no xref, no trailer\n").unwrap();
    let mut m = Matter::create(tmp.path().join("m"), "dups").unwrap();
    ingest(&mut m, &src, "Okafor, Sam");
    let db = rusqlite::Connection::open(tmp.path().join("m/exhibit.db")).unwrap();
    let id_of = |sql: &str| -> String { db.query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap().to_string() };
    let loose = m.item(&id_of("SELECT id FROM item WHERE name = 'storage.txt' AND parent_id IS NULL")).unwrap();
    let attached = m.item(&id_of("SELECT id FROM item WHERE name = 'storage.txt' AND parent_id IS NOT NULL")).unwrap();
    assert_eq!(loose.sha256, attached.sha256);
    assert_eq!(loose.duplicates.iter().map(|r| r.control.as_str()).collect::<Vec<_>>(), [attached.control.as_str()]);
    assert_eq!(attached.duplicates.iter().map(|r| r.control.as_str()).collect::<Vec<_>>(), [loose.control.as_str()]);
    assert_eq!(attached.family.root.kind, "email", "the attachment stays in its email's family");
    let email = m.item(&attached.family.root.id.to_string()).unwrap();
    assert_eq!(email.metadata.bcc, ["hidden@example.com"]);
    assert!(email.duplicates.is_empty() && loose.problem.is_none());
    let dup_ids: BTreeSet<i64> = m.search("is:duplicate", 50, 0, Default::default()).unwrap().hits.iter().map(|h| h.id).collect();
    assert_eq!(dup_ids, BTreeSet::from([loose.id, attached.id]));

    let empty = m.item(&id_of("SELECT id FROM item WHERE name = 'empty.txt'")).unwrap();
    assert_eq!(empty.problem.as_ref().map(|p| p.kind), Some(ProblemKind::NoText), "{:?}", empty.problem);
    let broken = m.item(&id_of("SELECT id FROM item WHERE name = 'broken.pdf'")).unwrap();
    let p = broken.problem.as_ref().expect("a damaged PDF says why it has no text");
    assert_eq!((p.kind, broken.metadata.status.as_str()), (ProblemKind::Damaged, "error"), "{p:?}");
    assert!(!p.reason.is_empty() && p.code.is_some(), "{p:?}");

    let get = |v: &[(String, u64)], k: &str| v.iter().find(|(x, _)| x == k).map(|(_, n)| *n).unwrap_or(0);
    let all = m.facets("*").unwrap();
    assert_eq!((get(&all.status, "error"), get(&all.status, "no_text")), (1, 1), "{:?}", all.status);
    assert_eq!(get(&all.status, "ok"), all.total - 2, "{:?}", all.status);
    let some = m.facets("is:error OR storage").unwrap();
    assert_eq!(some.status, [("ok".to_string(), 2), ("error".to_string(), 1)], "the loose file, the attachment and the PDF");
}
