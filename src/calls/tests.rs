//! Tests of model-log import and analysis (they reach into every part of `calls`).

use crate::index::IndexDoc;
use crate::ingest::commit::Committer;
use crate::modellogs::{Format, GroupBy};
use crate::store::call_record::{Packer, StoredRecord, Unpacker};
use crate::Matter;
use rusqlite::params;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use super::import::*;
use super::prepare::*;
use crate::ingest::pipeline::IngestOptions;
use crate::modellogs::generate::{generate, to_line, GenConfig, OutFormat};

/// A small generated log in `fmt`, one call per line, with one malformed line.
fn write_log(dir: &Path, fmt: OutFormat) -> PathBuf {
    let mut lines = Vec::new();
    let cfg = GenConfig { seed: 7, days: 2, scale: 0.01, ..Default::default() };
    generate(&cfg, &mut |c| lines.push(to_line(&c, fmt)));
    lines.insert(3, "{not json".into());
    let path = dir.join("api.jsonl");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    path
}

/// A new matter under `dir` with one generated log in `fmt` ingested for `custodian`.
fn count(m: &Matter, sql: &str) -> i64 {
    m.store.db.query_row(sql, [], |r| r.get(0)).unwrap()
}

fn matter_with_log(dir: &Path, fmt: OutFormat, custodian: &str) -> (Matter, crate::ingest::IngestSummary) {
    let src = dir.join("src");
    std::fs::create_dir_all(&src).unwrap();
    write_log(&src, fmt);
    let mut m = Matter::create(dir.join("m"), "t").unwrap();
    let opts = IngestOptions { custodian: custodian.into(), ..Default::default() };
    let s = m.ingest(&[src], &opts, &mut |_| {}).unwrap();
    (m, s)
}

#[test]
fn call_json_is_the_whole_call_serialized() {
    let dir = tempfile::tempdir().unwrap();
    for fmt in [OutFormat::Canonical, OutFormat::OpenAiChat, OutFormat::LiteLlm] {
        let path = write_log(dir.path(), fmt);
        let mut n = 0;
        crate::modellogs::import_path(&path, &mut |r| {
            let Ok(mut call) = r else { return };
            let whole = serde_json::to_string(&call).unwrap();
            let raw = serde_json::to_vec(&std::mem::take(&mut call.raw)).unwrap();
            assert_eq!(call_json(&call, &raw).unwrap(), whole);
            n += 1;
        })
        .unwrap();
        assert!(n > 100, "{n}");
    }
}

/// The documents an import builds from memory are the ones the database gives back, so
/// search sees a call the same whether it was just imported or re-indexed later.
#[test]
fn index_documents_from_memory_match_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let (m, s) = matter_with_log(dir.path(), OutFormat::LiteLlm, "Logs");
    assert_eq!(s.errors, 1);
    let rows: Vec<(i64, Vec<u8>)> = {
        let mut stmt = m.store.db.prepare("SELECT item_id, call_json FROM model_call ORDER BY item_id").unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(|r| r.unwrap()).collect()
    };
    assert!(rows.len() > 100);
    let prefix_id = rows[0].0;
    let tx = m.store.db.unchecked_transaction().unwrap();
    let c = Committer::new(&tx, 1, "Logs").unwrap();
    let (mut packer, mut unpacker) = (Packer::default(), Unpacker::new());
    for (id, packed) in rows {
        let call = unpacker.call(StoredRecord::Packed(packed.clone())).unwrap();
        let p = prepare(call, &mut packer, false).unwrap();
        assert_eq!(p.call_json, packed);
        let from_memory = p.node.index_doc(id, c.control(id), "Logs");
        assert_eq!(from_memory, IndexDoc::read(&tx, id).unwrap(), "item {id} (first call {prefix_id})");
    }
    drop(c);
    drop(tx);
    // Everything is indexed once, and flagged so.
    let unindexed: i64 = m.store.db.query_row("SELECT COUNT(*) FROM item WHERE indexed = 0", [], |r| r.get(0)).unwrap();
    assert_eq!(unindexed, 0);
    assert!(m.verify().unwrap().ok);
}

/// Records are stored compressed; a matter whose records are plain JSON (written before)
/// reads the same, and `verify` sees a changed record in either form.
#[test]
fn stored_records_read_packed_or_plain_and_verify_sees_changes() {
    let dir = tempfile::tempdir().unwrap();
    let (m, _) = matter_with_log(dir.path(), OutFormat::Canonical, &IngestOptions::default().custodian);
    let (id, kind): (i64, String) = m
        .store
        .db
        .query_row("SELECT item_id, typeof(call_json) FROM model_call ORDER BY item_id LIMIT 1", [], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap();
    assert_eq!(kind, "blob");
    let call = m.call_record(id).unwrap().unwrap();
    let before = m.analyze_calls(GroupBy::Account, None).unwrap();
    // The item's text is in the record, not in a row of its own, and reads as extracted.
    assert_eq!(count(&m, "SELECT COUNT(*) FROM item_text"), 0);
    let text = m.item(&id.to_string()).unwrap().text;
    assert_eq!(Some(&text), call_node(&call, &serde_json::to_vec(&call.raw).unwrap()).text.as_ref());
    let word = text.split_whitespace().find(|w| w.len() > 6 && w.chars().all(|c| c.is_alphabetic())).unwrap();
    let found = m.search(&format!("id:{id} AND {word}"), 10, 0, Default::default()).unwrap();
    assert_eq!(found.total, 1);
    assert!(!found.hits[0].snippet.is_empty(), "the snippet comes from the record's text");

    // As older matters held it: the text in a row of its own, the JSON zstd-compressed, or
    // plain; all read the same.
    let json = serde_json::to_string(&call).unwrap();
    m.store.db.execute("INSERT INTO item_text (item_id, text) VALUES (?1, ?2)", params![id, text]).unwrap();
    for older in
        [rusqlite::types::Value::Blob(zstd::bulk::compress(json.as_bytes(), 1).unwrap()), rusqlite::types::Value::Text(json.clone())]
    {
        m.store.db.execute("UPDATE model_call SET call_json = ?1 WHERE item_id = ?2", params![older, id]).unwrap();
        assert_eq!(m.call_record(id).unwrap().unwrap(), call);
        assert_eq!(m.item(&id.to_string()).unwrap().text, text);
        assert_eq!(IndexDoc::read(&m.store.db, id).unwrap().text.as_ref(), Some(&text));
        let after = m.analyze_calls(GroupBy::Account, None).unwrap();
        assert_eq!(serde_json::to_value(after).unwrap(), serde_json::to_value(&before).unwrap());
        assert!(m.verify().unwrap().ok);
    }

    // The record as logged changed (compressed again, so only the hash can tell).
    let mut changed = call.clone();
    changed.raw["request"]["messages"][0]["content"] = "something else".into();
    let text = m.item(&id.to_string()).unwrap().text;
    let packed = Packer::default().pack(&text, &serde_json::to_string(&changed).unwrap()).unwrap();
    m.store.db.execute("UPDATE model_call SET call_json = ?1 WHERE item_id = ?2", params![packed, id]).unwrap();
    let codes: Vec<String> = m.verify().unwrap().problems.into_iter().map(|p| p.code).collect();
    assert_eq!(codes, ["call_modified"]);
    // A damaged frame is reported the same way, and reading it says what to do.
    m.store.db.execute("UPDATE model_call SET call_json = x'28b52ffd00' WHERE item_id = ?1", [id]).unwrap();
    let codes: Vec<String> = m.verify().unwrap().problems.into_iter().map(|p| p.code).collect();
    assert_eq!(codes, ["call_modified"]);
    assert!(m.call_record(id).unwrap_err().to_string().contains("exhibit verify"));
}

/// The large-log path (hashes in memory, the index dropped and rebuilt) stores and
/// deduplicates exactly as the index does: against items already in the matter, and
/// within the log itself.
#[test]
fn a_large_log_deduplicates_in_memory_like_the_index() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir_all(&src).unwrap();
    let log = write_log(&src, OutFormat::Canonical);
    // The log holds one call twice.
    let text = std::fs::read_to_string(&log).unwrap();
    let first_call = text.lines().next().unwrap().to_string();
    std::fs::write(&log, format!("{text}{first_call}\n")).unwrap();
    let other = dir.path().join("other");
    std::fs::create_dir_all(&other).unwrap();
    std::fs::copy(&log, other.join("copy.jsonl")).unwrap();

    let index_exists = |db: &rusqlite::Connection| -> bool {
        db.query_row("SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = 'item_sha_root'", [], |r| r.get::<_, i64>(0))
            .unwrap()
            == 1
    };
    let has_index = |m: &Matter| index_exists(&m.store.db);
    // Whether the index was ever missing while calls were written, seen from outside.
    let import = |m: &mut Matter, from: &Path, custodian: &str, bulk: bool| {
        FORCE_BULK.with(|f| f.set(bulk));
        let probe = rusqlite::Connection::open(m.db_path()).unwrap();
        let mut dropped = false;
        let opts = IngestOptions { custodian: custodian.into(), ..Default::default() };
        let s = m.ingest(&[from.to_path_buf()], &opts, &mut |_| dropped |= !index_exists(&probe)).unwrap();
        FORCE_BULK.with(|f| f.set(false));
        assert_eq!(dropped, bulk, "the large-log path and only it imports without the index");
        s
    };
    let mut by_index = Matter::create(dir.path().join("a"), "t").unwrap();
    let mut in_memory = Matter::create(dir.path().join("b"), "t").unwrap();
    for (from, custodian) in [(&src, "Logs"), (&other, "Copy")] {
        let a = import(&mut by_index, from, custodian, false);
        let b = import(&mut in_memory, from, custodian, true);
        assert_eq!((a.items_added, a.duplicates), (b.items_added, b.duplicates), "{custodian}");
        assert!(has_index(&in_memory));
    }
    let summary = |m: &Matter| -> (i64, i64, i64) {
        m.store
            .db
            .query_row(
                "SELECT (SELECT COUNT(*) FROM item), (SELECT COUNT(*) FROM item_location), (SELECT COUNT(*) FROM model_call)",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap()
    };
    let (items, locations, calls) = summary(&in_memory);
    assert_eq!((items, locations, calls), summary(&by_index));
    // The repeated call is one item; the copy added only locations (and its log item).
    assert_eq!(calls as usize, text.lines().filter(|l| l.starts_with('{') && l.ends_with('}')).count());
    assert!(locations > items, "the copy's calls gained locations");
    assert!(in_memory.verify().unwrap().ok);

    // An import interrupted while the index was dropped: opening the matter rebuilds it.
    in_memory.store.db.execute_batch("DROP INDEX item_sha_root").unwrap();
    drop(in_memory);
    let reopened = Matter::open(dir.path().join("b")).unwrap();
    assert!(has_index(&reopened));
}

/// Calls are stored flagged as indexed with their range pending until the index commit;
/// if that commit never came (the process died), the next catch-up indexes the range.
#[test]
fn calls_stored_ahead_of_their_index_commit_are_caught_up() {
    let dir = tempfile::tempdir().unwrap();
    let (mut m, _) = matter_with_log(dir.path(), OutFormat::OpenAiChat, &IngestOptions::default().custodian);
    assert_eq!(count(&m, "SELECT COUNT(*) FROM index_pending"), 0, "cleared by the import's index commit");
    assert_eq!(count(&m, "SELECT COUNT(*) FROM item WHERE indexed = 0"), 0);
    let lo = count(&m, "SELECT MIN(item_id) FROM model_call");
    let hi = lo + 9;
    for id in lo..=hi {
        m.index.delete_item(id).unwrap();
    }
    m.store.db.execute("INSERT INTO index_pending (lo, hi) VALUES (?1, ?2)", [lo, hi]).unwrap();
    let codes: Vec<String> = m.verify().unwrap().problems.into_iter().map(|p| p.code).collect();
    assert_eq!(codes, vec!["index_missing".to_string(); 10]);
    assert_eq!(m.index.catch_up(&m.store.db).unwrap(), 10);
    assert_eq!(count(&m, "SELECT COUNT(*) FROM index_pending"), 0);
    assert!(m.verify().unwrap().ok);
}

/// A reader that serves its bytes, then panics instead of reporting the end.
struct PanicsAtEnd(std::io::Cursor<Vec<u8>>);

impl std::io::Read for PanicsAtEnd {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self.0.read(buf)? {
            0 => panic!("importer blew up"),
            n => Ok(n),
        }
    }
}

#[test]
fn a_panic_while_importing_keeps_the_calls_before_it_and_says_so() {
    let line = r#"{"ts":"2025-03-01T10:00:00Z","account":"a1","model":"m","request":{"messages":[{"role":"user","content":"hi"}]},"response":{"text":"hello"}}"#;
    let bytes = format!("{line}\n{line}\n{line}\n").into_bytes();
    let (tx, rx) = std::sync::mpsc::sync_channel(CHUNKS_IN_FLIGHT);
    let stop = AtomicBool::new(false);
    std::thread::scope(|s| {
        s.spawn(|| {
            parse_log(
                std::io::BufReader::with_capacity(64, PanicsAtEnd(std::io::Cursor::new(bytes))),
                None::<&[u8]>,
                &Format::Canonical,
                false,
                &stop,
                tx,
            )
        });
    });
    let got: Vec<Parsed> = rx.into_iter().flatten().collect();
    assert_eq!(got.len(), 4);
    assert!(got[..3].iter().all(|p| matches!(p, Parsed::Call(_))));
    assert!(matches!(&got[3], Parsed::Bad(e) if e.line == 0 && e.reason.contains("importer failed")));
}
