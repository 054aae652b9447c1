//! Email deduplication never loses a header: copies that differ in recipients stay separate
//! items (grouped as near-duplicates), true duplicates collapse with every location kept, a
//! re-ingest adds nothing, and a matter ingested before the key existed is brought forward.

use crate::common;

use common::*;
use exhibit::index::Sort;
use exhibit::Matter;
use std::fs;
use std::path::Path;

const BASE: &str = "Message-ID: <plan-1@enron.com>\r
Date: Mon, 4 Dec 2000 09:15:00 -0800 (PST)\r
From: sally.beck@enron.com\r
To: john.lavorato@enron.com\r
Cc: louise.kitchen@enron.com\r
Subject: 2001 plan\r
X-Folder: \\Sally_Beck_Dec2000\\Notes Folders\\Sent\r
\r
The 2001 plan is attached to the calendar invite.\r
";

fn variant(from: &str, to: &str) -> String {
    BASE.replace(from, to)
}

fn ids(m: &Matter, q: &str) -> Vec<i64> {
    let mut v: Vec<i64> = m.search(q, 100, 0, Sort::Relevance).unwrap().hits.iter().map(|h| h.id).collect();
    v.sort();
    v
}

fn roots(dir: &Path) -> i64 {
    count(dir, "SELECT COUNT(*) FROM item WHERE parent_id IS NULL AND kind = 'email'")
}

#[test]
fn copies_that_differ_in_recipients_stay_apart_and_true_duplicates_collapse() {
    let tmp = tempfile::tempdir().unwrap();
    let (beck, kitchen) = (tmp.path().join("beck"), tmp.path().join("kitchen"));
    fs::create_dir_all(&beck).unwrap();
    fs::create_dir_all(&kitchen).unwrap();
    // The sent copy; a resend of the same Message-ID and body with one more Cc; the sender's
    // copy carrying a Bcc.
    fs::write(beck.join("1."), BASE).unwrap();
    fs::write(beck.join("2."), variant("Cc: louise.kitchen@enron.com", "Cc: louise.kitchen@enron.com, greg.whalley@enron.com")).unwrap();
    fs::write(
        beck.join("3."),
        variant("Cc: louise.kitchen@enron.com\r\n", "Cc: louise.kitchen@enron.com\r\nBcc: mark.frevert@enron.com\r\n"),
    )
    .unwrap();
    // In Kitchen's mailbox: an exact copy of 1., and a copy of 1. that differs only in
    // transport headers (another folder, a Received line): both the same item as 1.
    fs::write(kitchen.join("a."), BASE).unwrap();
    fs::write(
        kitchen.join("b."),
        format!(
            "Received: from mail.enron.com by kitchen.enron.com; Mon, 4 Dec 2000 09:16:00 -0800\r\n{}",
            variant("\\Sally_Beck_Dec2000\\Notes Folders\\Sent", "\\Louise_Kitchen\\Inbox")
        ),
    )
    .unwrap();

    let mdir = tmp.path().join("m");
    let mut m = Matter::create(&mdir, "dedupe").unwrap();
    let s = ingest(&mut m, &beck, "Beck, Sally");
    assert_eq!((s.items_added, s.duplicates), (3, 0), "three messages that differ in recipients are three items");
    let s = ingest(&mut m, &kitchen, "Kitchen, Louise");
    assert_eq!((s.items_added, s.duplicates), (0, 2), "an exact copy and a transport-header copy add no item");
    assert_eq!(roots(&mdir), 3);

    // Each copy keeps its recipients, and a field search finds exactly the copies holding them.
    let db = rusqlite::Connection::open(mdir.join("exhibit.db")).unwrap();
    let at = |p: &Path| -> i64 {
        db.query_row("SELECT item_id FROM item_location WHERE path = ?1", [fs::canonicalize(p).unwrap().to_str().unwrap()], |r| r.get(0))
            .unwrap()
    };
    let (one, two, three) = (at(&beck.join("1.")), at(&beck.join("2.")), at(&beck.join("3.")));
    assert_eq!(at(&kitchen.join("a.")), one);
    assert_eq!(at(&kitchen.join("b.")), one);
    assert_eq!(ids(&m, "cc:\"greg.whalley@enron.com\""), vec![two]);
    assert_eq!(ids(&m, "bcc:\"mark.frevert@enron.com\""), vec![three]);
    let mut all = vec![one, two, three];
    all.sort();
    assert_eq!(ids(&m, "cc:\"louise.kitchen@enron.com\""), all);

    // The true duplicate carries both custodians and all three locations.
    let item = m.item(&one.to_string()).unwrap();
    assert_eq!(item.custodians, vec!["Beck, Sally", "Kitchen, Louise"]);
    assert_eq!(item.locations.len(), 3);
    assert_eq!(m.item(&two.to_string()).unwrap().metadata.cc, vec!["louise.kitchen@enron.com", "greg.whalley@enron.com"]);

    // The three copies are one near-duplicate group: read back with each, found by is:neardup.
    let sorted = |mut v: Vec<i64>| {
        v.sort();
        v
    };
    let near: Vec<i64> = item.near_dups.iter().map(|r| r.id).collect();
    assert_eq!(near, sorted(vec![two, three]));
    assert_eq!(m.item(&three.to_string()).unwrap().near_dups.iter().map(|r| r.id).collect::<Vec<_>>(), sorted(vec![one, two]));
    assert_eq!(ids(&m, "is:neardup"), all);
    assert_eq!(ids(&m, "-is:neardup AND kind:email"), Vec::<i64>::new());

    // Ingesting the same folders again adds nothing.
    let s = ingest(&mut m, &beck, "Beck, Sally");
    assert_eq!(s.items_added, 0);
    let s = ingest(&mut m, &kitchen, "Kitchen, Louise");
    assert_eq!(s.items_added, 0);
    // Nor does the same folder under another custodian: only the locations grow.
    let s = ingest(&mut m, &beck, "Legal hold copy");
    assert_eq!((s.items_added, s.duplicates), (0, 3));
    assert_eq!(roots(&mdir), 3);
    assert!(m.item(&two.to_string()).unwrap().custodians.contains(&"Legal hold copy".to_string()));
    assert!(m.verify().unwrap().ok);
}

/// A matter written before this key existed (email items keyed by Message-ID and body, no
/// near-duplicate group) is given the new keys, from its database, when it is opened; after
/// that a copy that differs only in transport headers still collapses into the old item, and
/// one with more recipients does not.
#[test]
fn a_matter_ingested_before_gets_the_new_keys() {
    let tmp = tempfile::tempdir().unwrap();
    let (src, later) = (tmp.path().join("src"), tmp.path().join("later"));
    fs::create_dir_all(&src).unwrap();
    fs::create_dir_all(&later).unwrap();
    fs::write(src.join("1."), BASE).unwrap();
    // With an attachment, so its hash must be read back from the attachment's item.
    fs::write(
        src.join("2."),
        "Message-ID: <att-1@enron.com>\r\nDate: Tue, 5 Dec 2000 10:00:00 -0800\r\nFrom: Sally Beck <sally.beck@enron.com>\r\n\
To: \"Kitchen, Louise\" <louise.kitchen@enron.com>\r\nSubject: =?iso-8859-1?q?Caf=E9?= numbers\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"B\"\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nNumbers attached.\r\n\
--B\r\nContent-Type: text/csv; name=\"n.csv\"\r\nContent-Disposition: attachment; filename=\"n.csv\"\r\n\r\na,b\r\n1,2\r\n--B--\r\n",
    )
    .unwrap();
    fs::write(src.join("3."), "From: a@x.com\nTo: b@x.com\nSubject: no id\nDate: Wed, 6 Dec 2000 10:00:00 -0800\n\nNo Message-ID here.\n")
        .unwrap();
    let mdir = tmp.path().join("m");
    let mut m = Matter::create(&mdir, "old").unwrap();
    assert_eq!(ingest(&mut m, &src, "Beck, Sally").items_added, 4);
    drop(m);

    // Turn it into a matter of the former kind.
    let db = rusqlite::Connection::open(mdir.join("exhibit.db")).unwrap();
    let keys = |db: &rusqlite::Connection| -> Vec<(i64, Option<String>, Option<String>)> {
        let mut q = db.prepare("SELECT id, dedupe_key, near_dup FROM item WHERE parent_id IS NULL ORDER BY id").unwrap();
        q.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap().map(Result::unwrap).collect()
    };
    let fresh = keys(&db);
    assert!(fresh.iter().all(|(_, k, n)| k.as_deref().is_some_and(|k| k.starts_with("email2:")) && n.is_some()), "{fresh:?}");
    db.execute_batch(
        "UPDATE item SET dedupe_key = CASE WHEN message_id IS NULL THEN NULL ELSE message_id || ':' || substr(sha256, 1, 64) END,
                         near_dup = NULL;
         INSERT OR REPLACE INTO meta (key, value) VALUES ('email_keys_pending', '1');",
    )
    .unwrap();
    drop(db);

    let mut m = Matter::open(&mdir).unwrap();
    let db = rusqlite::Connection::open(mdir.join("exhibit.db")).unwrap();
    assert_eq!(keys(&db), fresh, "the keys computed from the database equal the ones extraction gives");
    let pending: i64 = db.query_row("SELECT COUNT(*) FROM meta WHERE key = 'email_keys_pending'", [], |r| r.get(0)).unwrap();
    assert_eq!(pending, 0);
    let audit = m.audit_log(100).unwrap();
    assert!(audit.iter().any(|e| e.action == "email.rekey"), "the upgrade is audited");
    assert!(m.verify().unwrap().ok);

    fs::write(later.join("transport."), format!("Received: from x by y; Mon, 4 Dec 2000 09:16:00 -0800\r\n{BASE}")).unwrap();
    fs::write(later.join("more-cc."), variant("Cc: louise.kitchen@enron.com", "Cc: louise.kitchen@enron.com, greg.whalley@enron.com"))
        .unwrap();
    let s = ingest(&mut m, &later, "Kitchen, Louise");
    assert_eq!((s.items_added, s.duplicates), (1, 1));
    assert_eq!(ids(&m, "is:neardup").len(), 2);
}
