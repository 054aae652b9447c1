//! Ingest fidelity on awkward evidence: names that are not UTF-8 (on disk and inside zip
//! archives) kept byte for byte, a failing pool thread contained, control numbers that depend
//! only on the evidence, interrupted batches resumed, symbolic links recorded.

use crate::common;

use common::*;
use exhibit::Matter;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

#[cfg(unix)]
fn os_path(dir: &Path, name: &[u8]) -> PathBuf {
    use std::os::unix::ffi::OsStrExt;
    dir.join(std::ffi::OsStr::from_bytes(name))
}

#[cfg(unix)]
fn bytes_of(p: &Path) -> Vec<u8> {
    use std::os::unix::ffi::OsStrExt;
    p.as_os_str().as_bytes().to_vec()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|b| format!("{b:02X}")).collect()
}

/// A zip whose member names are the given raw bytes with the UTF-8 flag unset (CP437, as old
/// Windows archivers wrote them). The zip crate flags any non-ASCII name as UTF-8, so the
/// members are written under ASCII stand-ins of the same length and the bytes patched after.
fn cp437_zip(entries: &[(&[u8], &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let mut stand_ins = Vec::new();
    for (i, (raw, data)) in entries.iter().enumerate() {
        // Same length, unique, ASCII: "@@<i>" padded with '#'.
        let mut s = format!("@@{i}");
        while s.len() < raw.len() {
            s.push('#');
        }
        assert_eq!(s.len(), raw.len(), "stand-in fits");
        w.start_file(s.clone(), zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored)).unwrap();
        w.write_all(data).unwrap();
        stand_ins.push(s);
    }
    let mut z = w.finish().unwrap().into_inner();
    for (s, (raw, _)) in stand_ins.iter().zip(entries) {
        let mut found = 0;
        let mut at = 0;
        while let Some(pos) = z[at..].windows(s.len()).position(|win| win == s.as_bytes()) {
            let start = at + pos;
            z[start..start + s.len()].copy_from_slice(raw);
            at = start + s.len();
            found += 1;
        }
        assert_eq!(found, 2, "the name is in the local header and the central directory");
    }
    z
}

/// Runs `f` on a thread and fails the test if it has not returned within `secs`: the ingest
/// must end (a deadline, not a performance assertion).
fn within<T: Send + 'static>(secs: u64, what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(Duration::from_secs(secs)).unwrap_or_else(|_| panic!("{what} did not finish within {secs} s"))
}

#[cfg(unix)]
#[test]
fn non_utf8_file_names_and_cp437_zip_members_ingest_completely_with_their_bytes_kept() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    fs::create_dir_all(&src).unwrap();
    // Latin-1 names (two that differ only in an undecodable byte), invalid UTF-8, a folder
    // with a Latin-1 name, and an ordinary file.
    let files: Vec<(Vec<u8>, &str)> = vec![
        (b"caf\xE9.txt".to_vec(), "espresso menu for the trading floor"),
        (b"caf\xE8.txt".to_vec(), "second latin name differing by one byte"),
        (b"\xFF\xFEbroken.txt".to_vec(), "bytes that are no encoding at all"),
        (b"r\xE9sum\xE9s/bewerbung.txt".to_vec(), "a folder named in latin one"),
        (b"plain.txt".to_vec(), "an ordinary ascii name"),
    ];
    for (name, body) in &files {
        let p = os_path(&src, name);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(&p, body).unwrap();
    }
    // A zip with CP437 names: "café.txt" (é = 0x82) and "naïve/Übersicht.txt" (ï = 0x8B, Ü = 0x9A).
    let members: [(&[u8], &[u8]); 2] =
        [(b"caf\x82.txt", b"member named in code page four three seven"), (b"na\x8Bve/\x9Abersicht.txt", b"overview of the nested member")];
    fs::write(src.join("dos-archive.zip"), cp437_zip(&members)).unwrap();

    let dir = tmp.path().join("m");
    Matter::create(&dir, "t").unwrap();
    let (dir2, src2) = (dir.clone(), src.clone());
    let s = within(120, "the ingest", move || {
        let mut m = Matter::open(&dir2).unwrap();
        ingest(&mut m, &src2, "Names, Test")
    });
    assert_eq!(s.files_seen, 6, "{s:?}");
    // Five loose files, the zip and its two members: all items, none an error.
    assert_eq!(s.items_added, 8, "{s:?}");
    assert_eq!(s.errors, 0, "{s:?}");
    let m = Matter::open(&dir).unwrap();

    // Every loose file: found by its words, its location carrying the path's exact bytes.
    for (name, body) in &files {
        let full = bytes_of(&os_path(&src, name));
        let q = format!("\"{body}\"");
        let hits = m.search(&q, 5, 0, Default::default()).unwrap();
        assert_eq!(hits.total, 1, "{q}");
        let item = m.item(&hits.hits[0].control).unwrap();
        assert_eq!(item.locations.len(), 1, "{:?}", item.locations);
        let loc = &item.locations[0];
        match std::str::from_utf8(&full) {
            Ok(utf8) => {
                assert_eq!(loc.path, utf8);
                assert_eq!(loc.path_bytes, None);
            }
            Err(_) => {
                assert_eq!(loc.path_bytes.as_deref(), Some(hex(&full).as_str()), "{loc:?}");
                assert!(loc.path.contains("\\x"), "undecodable bytes are shown escaped: {}", loc.path);
            }
        }
    }
    let cafe = m.item(&m.search("espresso", 1, 0, Default::default()).unwrap().hits[0].control).unwrap();
    assert!(cafe.locations[0].path.ends_with("/caf\\xE9.txt"), "{}", cafe.locations[0].path);
    assert_eq!(cafe.metadata.name, "caf\\xE9.txt");
    // Searchable by the readable part of the name: both Latin-1 files, and no other.
    let by_name = m.search("filename:caf AND filename:txt AND kind:text", 10, 0, Default::default()).unwrap();
    assert_eq!(by_name.total, 2, "{:?}", by_name.hits.iter().map(|h| &h.control).collect::<Vec<_>>());

    // Zip members: shown decoded from CP437, raw bytes kept.
    let zip_path = bytes_of(&src.join("dos-archive.zip"));
    for ((raw, body), shown) in members.iter().zip(["café.txt", "naïve/Übersicht.txt"]) {
        let body = std::str::from_utf8(body).unwrap();
        let hits = m.search(&format!("\"{body}\""), 5, 0, Default::default()).unwrap();
        assert_eq!(hits.total, 1, "{body}");
        let item = m.item(&hits.hits[0].control).unwrap();
        let loc = &item.locations[0];
        assert!(loc.path.ends_with(&format!("dos-archive.zip/{shown}")), "{}", loc.path);
        let want = [&zip_path[..], b"/", raw].concat();
        assert_eq!(loc.path_bytes.as_deref(), Some(hex(&want).as_str()), "{loc:?}");
        assert_eq!(item.metadata.name, shown);
    }

    // Read back through the CLI, too.
    let cafe_json = cli_json(&["--matter", dir.to_str().unwrap(), "show", &cafe.control]);
    let full = bytes_of(&os_path(&src, b"caf\xE9.txt"));
    assert_eq!(cafe_json["locations"][0]["path_bytes"], hex(&full), "{cafe_json}");

    // A second run reads nothing again: every name, raw bytes and all, is recognised.
    let again = within(120, "the second ingest", move || {
        let mut m = Matter::open(&dir).unwrap();
        ingest(&mut m, &src, "Names, Test")
    });
    assert_eq!((again.files_skipped, again.items_added), (6, 0), "{again:?}");
}

/// Runs the CLI with a deadline: kills it and fails if it has not ended in `secs`.
fn cli_within(secs: u64, args: &[&str], envs: &[(&str, &str)]) -> std::process::Output {
    let mut cmd = std::process::Command::new(exe());
    cmd.args(args).stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped());
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(secs);
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("exhibit {args:?} did not finish within {secs} s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_panic_in_the_pool_is_an_error_record_and_the_batch_goes_on() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    fs::create_dir_all(&src).unwrap();
    fs::write(src.join("explodes.txt"), "the pool thread handling this file panics").unwrap();
    fs::write(src.join("dies.txt"), "the worker process handling this file aborts").unwrap();
    for i in 0..8 {
        fs::write(src.join(format!("fine-{i}.txt")), format!("unremarkable memo number {i}")).unwrap();
    }
    let m = tmp.path().join("m");
    Matter::create(&m, "t").unwrap();
    // One worker, so the pool thread that panics is the only one: the batch must neither wait
    // for the job it dropped nor lose the files after it.
    let out = cli_within(
        120,
        &["--matter", m.to_str().unwrap(), "ingest", src.to_str().unwrap(), "--custodian", "C", "--workers", "1", "--json"],
        &[("EXHIBIT_FAULTS", "pool_panic:explodes,crash:dies")],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let s: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(s["files_seen"], 10, "{s}");
    assert_eq!(s["items_added"], 10, "every file is an item, the failed ones kept as originals: {s}");
    assert_eq!(s["errors"], 2, "{s}");
    let m = Matter::open(&m).unwrap();
    let errors = m.errors().unwrap();
    let code_of = |n: &str| errors.iter().find(|e| e.path.ends_with(n)).map(|e| e.code.clone());
    assert_eq!(code_of("explodes.txt").as_deref(), Some("pool_failed"), "{errors:?}");
    assert_eq!(code_of("dies.txt").as_deref(), Some("extractor_crashed"), "{errors:?}");
    assert_eq!(m.search("unremarkable", 20, 0, Default::default()).unwrap().total, 8);
}

#[cfg(unix)]
fn control_list(m: &Matter) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    let mut id = 1;
    while let Ok(item) = m.item(&id.to_string()) {
        let loc = item.locations.iter().map(|l| l.path.clone()).collect::<Vec<_>>().join("|");
        out.push((item.control, format!("{} {}", item.metadata.name, loc), item.sha256));
        id += 1;
    }
    out
}

/// Paths relative to the evidence folder, so two copies compare equal.
#[cfg(unix)]
fn relative(list: Vec<(String, String, String)>, root: &Path) -> Vec<(String, String, String)> {
    let root = std::fs::canonicalize(root).unwrap().display().to_string();
    list.into_iter().map(|(c, p, s)| (c, p.replace(&root, "<src>"), s)).collect()
}

#[cfg(unix)]
#[test]
fn control_numbers_follow_walk_order_whatever_the_workers_do() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    fs::create_dir_all(&src).unwrap();
    // The first file in walk order is slow to extract: every other file finishes before it.
    fs::write(src.join("a-slow.txt"), "first in walk order, last to finish").unwrap();
    for i in 0..12 {
        fs::write(src.join(format!("b-{i:02}.txt")), format!("quick file {i}")).unwrap();
    }
    let zip = cp437_zip(&[(b"x.txt", b"member one"), (b"y.txt", b"member two")]);
    fs::write(src.join("c-bundle.zip"), zip).unwrap();
    let m = tmp.path().join("m");
    Matter::create(&m, "t").unwrap();
    let out = cli_within(
        120,
        &["--matter", m.to_str().unwrap(), "ingest", src.to_str().unwrap(), "--custodian", "C", "--workers", "2", "--json"],
        &[("EXHIBIT_FAULTS", "slow:a-slow")],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let m = Matter::open(&m).unwrap();
    let names: Vec<String> = control_list(&m).into_iter().map(|(c, n, _)| format!("{c} {}", n.split(' ').next().unwrap())).collect();
    let mut want = vec!["EXH-0000001 a-slow.txt".to_string()];
    for i in 0..12 {
        want.push(format!("EXH-{:07} b-{i:02}.txt", i + 2));
    }
    // The archive, then its members (parent first).
    want.extend(["EXH-0000014 c-bundle.zip".into(), "EXH-0000015 x.txt".into(), "EXH-0000016 y.txt".into()]);
    assert_eq!(names, want);
}

#[cfg(unix)]
#[test]
fn two_ingests_of_beck_s_give_identical_control_numbers() {
    let Some(beck) = corpus("email/enron/beck-s", "two_ingests_of_beck_s_give_identical_control_numbers") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let mut lists = Vec::new();
    // Different worker counts make the finishing order differ as much as it can here.
    for workers in [1usize, 3] {
        let mut m = Matter::create(tmp.path().join(format!("m{workers}")), "t").unwrap();
        let o = exhibit::ingest::IngestOptions { workers, ..opts("Beck, Sally") };
        let s = m.ingest(std::slice::from_ref(&beck), &o, &mut |_| {}).unwrap();
        assert!(s.items_added > 1000, "{s:?}");
        lists.push(relative(control_list(&m), &beck));
    }
    assert_eq!(lists[0].len(), lists[1].len());
    for (a, b) in lists[0].iter().zip(&lists[1]) {
        assert_eq!(a, b, "the same evidence got different control numbers");
    }
}

#[test]
fn a_batch_left_running_is_marked_interrupted_on_open_and_resumed_by_the_next_ingest() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    fs::create_dir_all(&src).unwrap();
    for i in 0..3 {
        fs::write(src.join(format!("early-{i}.txt")), format!("recorded before the kill {i}")).unwrap();
    }
    let dir = tmp.path().join("m");
    let mut m = Matter::create(&dir, "t").unwrap();
    let first = ingest(&mut m, &src, "C");
    assert_eq!(first.items_added, 3);
    drop(m);
    // What a SIGKILL after three files leaves: the batch row still `running`, and files the
    // killed run never reached.
    let db = rusqlite::Connection::open(dir.join("exhibit.db")).unwrap();
    db.execute("UPDATE batch SET status = 'running', finished = NULL WHERE id = ?1", [first.batch]).unwrap();
    drop(db);
    for i in 0..2 {
        fs::write(src.join(format!("late-{i}.txt")), format!("never reached by the killed run {i}")).unwrap();
    }
    let status = |dir: &Path, id: i64| count(dir, &format!("SELECT status = 'interrupted' FROM batch WHERE id = {id}"));

    // While an ingest holds the matter, opening it touches nothing.
    let held = exhibit::store::lock::IngestLock::acquire(&dir).unwrap();
    drop(Matter::open(&dir).unwrap());
    assert_eq!(count(&dir, &format!("SELECT status = 'running' FROM batch WHERE id = {}", first.batch)), 1);
    drop(held);

    let mut m = Matter::open(&dir).unwrap();
    assert_eq!(status(&dir, first.batch), 1, "a batch left running is interrupted once no ingest holds the matter");
    assert_eq!(count(&dir, "SELECT COUNT(*) FROM audit WHERE action = 'ingest.interrupted'"), 1);

    let next = ingest(&mut m, &src, "C");
    assert_eq!(next.files_skipped, 3, "files the killed run recorded are not read again: {next:?}");
    assert_eq!(next.items_added, 2, "{next:?}");
    assert_eq!(next.resumed_batches, [first.batch]);
    assert_eq!(count(&dir, &format!("SELECT status = 'resumed' FROM batch WHERE id = {}", first.batch)), 1);
    assert_eq!(count(&dir, &format!("SELECT status = 'complete' FROM batch WHERE id = {}", next.batch)), 1);
    assert!(m.verify().unwrap().ok);
}

#[cfg(unix)]
#[test]
fn symlinks_and_pipes_in_evidence_are_error_records_not_silence() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    fs::create_dir_all(&src).unwrap();
    let outside = tmp.path().join("outside-secret.txt");
    fs::write(&outside, "privileged text that lives outside the evidence folder").unwrap();
    fs::write(src.join("real.txt"), "the real document").unwrap();
    std::os::unix::fs::symlink(src.join("real.txt"), src.join("link-inside")).unwrap();
    std::os::unix::fs::symlink(&outside, src.join("link-outside")).unwrap();
    std::os::unix::fs::symlink(tmp.path().join("gone"), src.join("link-dangling")).unwrap();
    let fifo = std::ffi::CString::new(src.join("a-pipe").to_str().unwrap()).unwrap();
    // SAFETY: mkfifo reads the NUL-terminated path only.
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);

    let dir = tmp.path().join("m");
    Matter::create(&dir, "t").unwrap();
    let (d, s2) = (dir.clone(), src.clone());
    let s = within(120, "the ingest", move || ingest(&mut Matter::open(&d).unwrap(), &s2, "C"));
    assert_eq!(s.items_added, 1, "{s:?}");
    assert_eq!(s.errors, 4, "{s:?}");
    let m = Matter::open(&dir).unwrap();
    assert_eq!(m.search("privileged", 5, 0, Default::default()).unwrap().total, 0, "a link out is not followed");
    let errors = m.errors().unwrap();
    let by = |n: &str| errors.iter().find(|e| e.path.ends_with(n)).unwrap_or_else(|| panic!("no record for {n}: {errors:?}"));
    for link in ["link-inside", "link-outside", "link-dangling"] {
        assert_eq!(by(link).code, "symlink_not_followed");
        assert!(by(link).item.is_none());
    }
    assert!(by("link-inside").reason.contains("ingested under its own path"), "{}", by("link-inside").reason);
    assert!(by("link-outside").reason.contains("outside the evidence folder"), "{}", by("link-outside").reason);
    assert!(by("link-outside").reason.contains("outside-secret.txt"));
    assert!(by("link-dangling").reason.contains("does not exist"));
    assert_eq!(by("a-pipe").code, "not_a_file");
}
