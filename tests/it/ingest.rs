//! Ingest behaviour on small hand-made material: deduplication with provenance, idempotence,
//! archives, containment of hanging/crashing/ballooning extractors, and `verify`.

use crate::common;

use common::*;
use exhibit::Matter;
use std::fs;
use std::io::Write;
use std::path::Path;

fn write(dir: &Path, name: &str, body: &[u8]) {
    let p = dir.join(name);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, body).unwrap();
}

fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, data) in entries {
        w.start_file(*name, zip::write::SimpleFileOptions::default()).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

#[test]
fn ingesting_twice_adds_nothing_and_a_second_custodian_is_a_location() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    write(&src, "memo.txt", b"the gas trading desk closes at five");
    write(&src, "sub/plan.md", b"# Plan\nprice cap strategy");
    write(&src, "sub/copy-of-memo.txt", b"the gas trading desk closes at five");
    let mut m = Matter::create(tmp.path().join("m"), "t").unwrap();

    let first = ingest(&mut m, &src, "Farmer, Daren");
    assert_eq!(first.files_seen, 3);
    assert_eq!(first.items_added, 2, "the copy is a duplicate, not a new item");
    assert_eq!(first.duplicates, 1);

    let again = ingest(&mut m, &src, "Farmer, Daren");
    assert_eq!(again.items_added, 0);
    assert_eq!(again.files_skipped, 3);
    assert_eq!(again.items_total, 2);

    // The same file under another custodian: still one item, now carrying both.
    let other = tmp.path().join("other");
    write(&other, "memo-from-beck.txt", b"the gas trading desk closes at five");
    let third = ingest(&mut m, &other, "Beck, Sally");
    assert_eq!(third.items_added, 0);
    assert_eq!(third.duplicates, 1);
    let memo = m.search("\"trading desk\"", 10, 0, Default::default()).unwrap();
    assert_eq!(memo.total, 1);
    let item = m.item(&memo.hits[0].control).unwrap();
    assert_eq!(item.custodians, ["Beck, Sally", "Farmer, Daren"]);
    assert_eq!(item.locations.len(), 3, "all three paths are kept: {:?}", item.locations);
    // The index follows the new custodian too.
    assert_eq!(memo.hits[0].custodians, ["Beck, Sally", "Farmer, Daren"]);
    assert!(m.verify().unwrap().ok);
}

#[test]
fn archives_expand_into_items_and_bad_archives_become_error_records() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    let inner = zip_of(&[("deep/note.txt", b"inner secret note")]);
    let outer = zip_of(&[("a.txt", b"alpha document"), ("../../escape.txt", b"escapee text"), ("nested.zip", &inner)]);
    write(&src, "bundle.zip", &outer);
    write(&src, "broken.zip", &outer[..outer.len() / 2]);
    let mut m = Matter::create(tmp.path().join("m"), "t").unwrap();
    let s = ingest(&mut m, &src, "C");
    // bundle.zip, a.txt, escape.txt, nested.zip, note.txt + broken.zip kept as an original.
    assert_eq!(s.items_added, 6, "{s:?}");
    let hit = m.search("secret", 10, 0, Default::default()).unwrap();
    assert_eq!(hit.total, 1);
    let note = m.item(&hit.hits[0].control).unwrap();
    let path = &note.locations[0].path;
    assert!(path.ends_with("bundle.zip/nested.zip/deep/note.txt"), "{path}");
    let esc = m.item(&m.search("escapee", 1, 0, Default::default()).unwrap().hits[0].control).unwrap();
    assert!(esc.locations[0].path.ends_with("bundle.zip/escape.txt"), "{:?}", esc.locations);
    assert!(!tmp.path().join("escape.txt").exists());

    let errors = m.errors().unwrap();
    let broken: Vec<_> = errors.iter().filter(|e| e.path.ends_with("broken.zip")).collect();
    assert_eq!(broken.len(), 1, "{errors:?}");
    assert_eq!(broken[0].code, "zip_truncated");
    assert!(broken[0].reason.contains("truncated zip archive"));
    assert!(broken[0].item.is_some(), "the broken original is kept as an item");
}

#[test]
fn a_zip_bomb_is_an_error_record_not_an_outage() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    let zeros = vec![0u8; 600 << 20];
    write(&src, "bomb.zip", &zip_of(&[("zeros.bin", &zeros)]));
    drop(zeros);
    write(&src, "fine.txt", b"ordinary words");
    let mut m = Matter::create(tmp.path().join("m"), "t").unwrap();
    let s = ingest(&mut m, &src, "C");
    assert_eq!(s.items_added, 2, "{s:?}");
    let e = m.errors().unwrap();
    assert!(e.iter().any(|e| e.path.ends_with("bomb.zip") && e.code == "expansion_limit"), "{e:?}");
    assert_eq!(m.search("ordinary", 5, 0, Default::default()).unwrap().total, 1);
}

#[test]
fn hanging_crashing_and_ballooning_extractors_are_contained() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    for name in ["hangs.txt", "crashes.txt", "balloons.txt"] {
        write(&src, name, format!("content that a broken extractor chokes on: {name}").as_bytes());
    }
    for i in 0..20 {
        write(&src, &format!("ok-{i:02}.txt"), format!("healthy document number {i}").as_bytes());
    }
    let m = tmp.path().join("m");
    Matter::create(&m, "t").unwrap();
    let out = std::process::Command::new(exe())
        .args(["--matter", m.to_str().unwrap(), "ingest", src.to_str().unwrap(), "--custodian", "C", "--timeout", "3", "--json"])
        .env("EXHIBIT_FAULTS", "hang:hangs,crash:crashes,oom:balloons")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let s: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(s["items_added"], 23, "{s}");
    assert_eq!(s["errors"], 3);
    let m = Matter::open(&m).unwrap();
    let errors = m.errors().unwrap();
    let code_of = |n: &str| errors.iter().find(|e| e.path.ends_with(n)).map(|e| (e.code.clone(), e.reason.clone())).unwrap();
    let (code, reason) = code_of("hangs.txt");
    assert_eq!(code, "timeout");
    assert!(reason.contains("extraction gave up after 3 s"), "{reason}");
    assert_eq!(code_of("crashes.txt").0, "extractor_crashed");
    assert_eq!(code_of("balloons.txt").0, "memory_limit");
    assert_eq!(m.search("healthy", 50, 0, Default::default()).unwrap().total, 20);
    assert_eq!(m.status().unwrap().by_status.get("error"), Some(&3));
}

#[test]
fn verify_detects_tampered_audit_modified_original_and_missing_index_entry() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    write(&src, "one.txt", b"first document");
    write(&src, "two.txt", b"second document");
    let dir = tmp.path().join("m");
    let mut m = Matter::create(&dir, "t").unwrap();
    ingest(&mut m, &src, "C");
    assert!(m.verify().unwrap().ok);
    drop(m);

    // 1. An audit entry edited after the fact.
    let db = rusqlite::Connection::open(dir.join("exhibit.db")).unwrap();
    db.execute("UPDATE audit SET actor = 'mallory' WHERE seq = 2", []).unwrap();
    // 2. An original modified in the blob store.
    let sha: String = db.query_row("SELECT sha256 FROM item WHERE name = 'one.txt'", [], |r| r.get(0)).unwrap();
    let blob = exhibit::store::blobs::BlobStore::new(dir.join("blobs")).path(&sha);
    let mut perm = fs::metadata(&blob).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perm.set_readonly(false);
    fs::set_permissions(&blob, perm).unwrap();
    fs::write(&blob, b"first document, altered").unwrap();
    // 3. An item dropped from the index.
    let two: i64 = db.query_row("SELECT id FROM item WHERE name = 'two.txt'", [], |r| r.get(0)).unwrap();
    drop(db);
    let mut m = Matter::open(&dir).unwrap();
    m.drop_from_index(two).unwrap();

    let r = m.verify().unwrap();
    assert!(!r.ok);
    let codes: Vec<&str> = r.problems.iter().map(|p| p.code.as_str()).collect();
    assert!(codes.contains(&"audit_chain"), "{:?}", r.problems);
    assert!(codes.contains(&"blob_modified"), "{:?}", r.problems);
    assert!(codes.contains(&"index_missing"), "{:?}", r.problems);

    // The CLI exits 1 and still prints the JSON.
    let (code, out, _) = cli(&["--matter", dir.to_str().unwrap(), "verify", "--json"]);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["ok"], false);
    assert_eq!(v["problems"].as_array().unwrap().len(), 3);

    // Reindex repairs the index problem (and only that).
    m.reindex().unwrap();
    let codes: Vec<String> = m.verify().unwrap().problems.into_iter().map(|p| p.code).collect();
    assert!(!codes.contains(&"index_missing".to_string()));
}

#[test]
fn unknown_types_are_kept_with_a_reason() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    write(&src, "picture.txt", &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, b'I', b'H', b'D', b'R']);
    let mut m = Matter::create(tmp.path().join("m"), "t").unwrap();
    ingest(&mut m, &src, "C");
    let item = m.item("EXH-0000001").unwrap();
    assert_eq!(item.kind, "other", "detected by content despite the .txt name");
    assert_eq!(item.metadata.status, "no_text");
    assert!(item.metadata.status_reason.unwrap().contains("no text can be extracted"));
    assert!(m.blobs().check(&item.sha256).unwrap());
}
