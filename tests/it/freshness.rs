//! Freshness: a running `exhibit serve` (or desktop session) sees what another process commits
//! to the same matter — search results, counts and `verify` — and an ingest through the API
//! leaves the index free for the next process.

use crate::common;

use common::*;
use exhibit::api::params::{IngestParams, SearchParams};
use exhibit::api::{Session, SessionMethods};
use exhibit::Matter;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running `exhibit serve`, and the one place that knows how a client reaches it: the URL
/// it prints on its first line (port and token) and the `x-exhibit-token` header. If the way
/// the token travels changes, only this helper changes.
struct Served {
    child: Child,
    port: u16,
    token: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Served {
    fn start(matter: &Path, ui: &Path) -> Served {
        let mut child = Command::new(exe())
            .args(["--matter", matter.to_str().unwrap(), "serve", "--port", "0", "--ui", ui.to_str().unwrap()])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start exhibit serve");
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        out.read_line(&mut line).unwrap();
        // Keep reading whatever else it prints, so it never writes into a closed pipe.
        std::thread::spawn(move || {
            let _ = std::io::copy(&mut out, &mut std::io::sink());
        });
        // "… http://127.0.0.1:PORT/?token=TOKEN" (or `#token=`).
        let after = line.split("127.0.0.1:").nth(1).unwrap_or_else(|| panic!("no address in {line:?}"));
        let port = after.chars().take_while(char::is_ascii_digit).collect::<String>().parse().unwrap();
        let token = line.split("token=").nth(1).unwrap_or_else(|| panic!("no token in {line:?}"));
        let token = token.split(|c: char| c.is_whitespace() || c == '&').next().unwrap().to_string();
        Served { child, port, token }
    }

    /// One RPC; the answer's JSON (an error answer too).
    fn rpc(&self, method: &str, params: Value) -> Value {
        let body = json!({ "method": method, "params": params }).to_string();
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        let req = format!(
            "POST /api/rpc HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\nContent-Type: application/json\r\nx-exhibit-token: {}\r\nContent-Length: {}\r\n\r\n{body}",
            self.port,
            self.token,
            body.len()
        );
        s.write_all(req.as_bytes()).unwrap();
        let mut raw = Vec::new();
        s.read_to_end(&mut raw).unwrap();
        let raw = String::from_utf8_lossy(&raw);
        let (head, body) = raw.split_once("\r\n\r\n").unwrap_or_else(|| panic!("no HTTP answer: {raw}"));
        // The body may come chunked; the JSON is between the first '{' and the last '}'.
        let json = &body[body.find('{').unwrap_or_else(|| panic!("{head}\n{body}"))..=body.rfind('}').unwrap()];
        serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}: {head}\n{body}"))
    }
}

fn write_docs(dir: &Path, word: &str, n: usize) {
    std::fs::create_dir_all(dir).unwrap();
    for i in 0..n {
        std::fs::write(dir.join(format!("{word}-{i}.txt")), format!("Memo {i} about the {word} pipeline, written for the freshness test."))
            .unwrap();
    }
}

#[test]
fn served_search_counts_and_verify_see_a_cli_ingest() {
    let tmp = tempfile::tempdir().unwrap();
    let matter = tmp.path().join("m");
    let ui = tmp.path().join("ui");
    std::fs::create_dir_all(&ui).unwrap();
    std::fs::write(ui.join("index.html"), "<!doctype html><title>Exhibit</title>").unwrap();
    let mut m = Matter::create(&matter, "fresh").unwrap();
    write_docs(&tmp.path().join("first"), "zanzibar", 2);
    ingest(&mut m, &tmp.path().join("first"), "First");
    drop(m);

    let served = Served::start(&matter, &ui);
    let total = |q: &str| served.rpc("search", json!({ "query": q }))["total"].as_u64().unwrap_or_else(|| panic!("search {q}"));
    assert_eq!(total("zanzibar"), 2);
    assert_eq!(total("quixotic"), 0);

    // Another process ingests while the server has the matter open.
    write_docs(&tmp.path().join("second"), "quixotic", 3);
    let out =
        cli_json(&["--matter", matter.to_str().unwrap(), "ingest", tmp.path().join("second").to_str().unwrap(), "--custodian", "Second"]);
    assert_eq!(out["items_added"], 3, "{out}");

    // Found within a second: a deadline to give up by, not a timing measurement (the reader
    // reloads on the first request after the commit).
    let deadline = Instant::now() + Duration::from_secs(1);
    let mut seen = total("quixotic");
    while seen != 3 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
        seen = total("quixotic");
    }
    assert_eq!(seen, 3, "the served search did not see the CLI's ingest within a second");
    assert_eq!(total("pipeline"), 5);

    // Counts are read afresh too.
    let status = served.rpc("status", json!({}));
    assert_eq!(status["items"], 5, "{status}");
    assert_eq!(status["custodians"]["Second"], 3, "{status}");
    let facets = served.rpc("facets", json!({ "query": "pipeline" }));
    assert_eq!(facets["total"], 5, "{facets}");

    // The served verify compares the database with the index as it is now.
    let v = served.rpc("verify", json!({}));
    assert_eq!(v["ok"], true, "{v}");
    assert!(!v.to_string().contains("index_missing"), "{v}");
}

#[test]
fn an_api_ingest_leaves_the_index_to_the_next_process() {
    let tmp = tempfile::tempdir().unwrap();
    let matter = tmp.path().join("m");
    Matter::create(&matter, "handover").unwrap();
    let mut session = Session::with_matter(Matter::open(&matter).unwrap());
    write_docs(&tmp.path().join("a"), "alpha", 2);
    session.ingest(IngestParams { paths: vec![tmp.path().join("a")], custodian: "A".into() }).unwrap();
    // The desktop app keeps its session open; a CLI ingest must still get the index writer.
    write_docs(&tmp.path().join("b"), "bravo", 2);
    let out = cli_json(&["--matter", matter.to_str().unwrap(), "ingest", tmp.path().join("b").to_str().unwrap(), "--custodian", "B"]);
    assert_eq!(out["items_added"], 2, "{out}");
    let found =
        session.search(SearchParams { query: "bravo".into(), limit: 10, offset: 0, sort: Default::default(), redacted: false }).unwrap();
    assert_eq!(found.total, 2);
}
