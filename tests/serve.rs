//! `exhibit serve`: the token and Origin guards, the security headers, and the RPC round trip.
//! Drives the real binary over raw HTTP/1.1 on a loopback socket.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

struct Server {
    child: Child,
    port: u16,
    token: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(matter: &std::path::Path, ui: &std::path::Path) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_exhibit"))
        .args(["--matter", matter.to_str().unwrap(), "serve", "--port", "0", "--ui", ui.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start exhibit serve");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    // "Exhibit is serving on http://127.0.0.1:PORT/?token=TOKEN"
    let url = line.trim().rsplit(' ').next().unwrap().to_string();
    let rest = url.strip_prefix("http://127.0.0.1:").expect(&line);
    let (port, token) = rest.split_once("/?token=").unwrap();
    Server { child, port: port.parse().unwrap(), token: token.to_string() }
}

struct Resp {
    status: u16,
    headers: String,
    body: String,
}

fn http(port: u16, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Resp {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut req = format!("{method} {path} HTTP/1.1\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
    if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) {
        req.push_str(&format!("Host: 127.0.0.1:{port}\r\n"));
    }
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(body);
    s.write_all(req.as_bytes()).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let raw = String::from_utf8_lossy(&raw).to_string();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    Resp { status, headers: head.to_ascii_lowercase(), body: body.to_string() }
}

fn setup() -> (tempfile::TempDir, Server) {
    let dir = tempfile::tempdir().unwrap();
    let matter = dir.path().join("matter");
    let ui = dir.path().join("ui");
    std::fs::create_dir_all(&ui).unwrap();
    std::fs::write(ui.join("index.html"), "<!doctype html><title>Exhibit</title>").unwrap();
    exhibit::Matter::create(&matter, "Serve test").unwrap();
    let server = start(&matter, &ui);
    (dir, server)
}

const PING: &str = r#"{"method":"ping"}"#;

#[test]
fn refuses_without_the_token() {
    let (_d, s) = setup();
    let origin = format!("http://127.0.0.1:{}", s.port);
    let r = http(s.port, "POST", "/api/rpc", &[("Origin", &origin), ("Content-Type", "application/json")], PING);
    assert_eq!(r.status, 401, "{}", r.body);
    assert!(r.body.contains("no_token"));
    let r = http(s.port, "POST", "/api/rpc", &[("x-exhibit-token", "0000"), ("Content-Type", "application/json")], PING);
    assert_eq!(r.status, 401);
    let r = http(s.port, "GET", "/api/progress", &[], "");
    assert_eq!(r.status, 401);
    let r = http(s.port, "GET", "/api/item/1/original", &[("Cookie", "exhibit_token=nope")], "");
    assert_eq!(r.status, 401);
}

#[test]
fn refuses_foreign_origins_and_hosts() {
    let (_d, s) = setup();
    let t = s.token.as_str();
    for origin in ["http://evil.example", "null", "http://127.0.0.1:1", "https://127.0.0.1"] {
        let r = http(s.port, "POST", "/api/rpc", &[("x-exhibit-token", t), ("Origin", origin)], PING);
        assert_eq!(r.status, 403, "origin {origin}: {}", r.body);
        assert!(r.body.contains("bad_origin"));
    }
    let r = http(s.port, "POST", "/api/rpc", &[("x-exhibit-token", t), ("Sec-Fetch-Site", "cross-site")], PING);
    assert_eq!(r.status, 403);
    // DNS rebinding: the right token but someone else's host name.
    let r = http(s.port, "POST", "/api/rpc", &[("x-exhibit-token", t), ("Host", "evil.example")], PING);
    assert_eq!(r.status, 403);
    assert!(r.body.contains("bad_host"));
}

#[test]
fn accepts_the_token_from_the_same_origin() {
    let (_d, s) = setup();
    let t = s.token.as_str();
    let origin = format!("http://127.0.0.1:{}", s.port);
    let r = http(s.port, "POST", "/api/rpc", &[("x-exhibit-token", t), ("Origin", &origin)], PING);
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains(r#""ok":true"#));
    assert!(r.headers.contains("x-content-type-options: nosniff"));
    assert!(r.headers.contains("content-security-policy: default-src 'self'"));
    // No Origin header (same-origin GETs, curl) is fine with the token.
    let r = http(s.port, "POST", "/api/rpc", &[("x-exhibit-token", t)], r#"{"method":"status"}"#);
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("Serve test"));
    // The cookie set by opening the page with ?token= works too.
    let page = http(s.port, "GET", &format!("/?token={t}"), &[], "");
    assert_eq!(page.status, 200);
    assert!(page.headers.contains(&format!("set-cookie: exhibit_token={t}; path=/; httponly; samesite=strict")));
    assert!(page.body.contains("Exhibit"));
    let r = http(s.port, "GET", "/api/progress", &[("Cookie", &format!("exhibit_token={t}"))], "");
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains(r#""running":false"#));
    // A wrong token in the URL sets no cookie.
    let page = http(s.port, "GET", "/?token=wrong", &[], "");
    assert!(!page.headers.contains("set-cookie"));
}

#[test]
fn errors_cross_as_code_and_message() {
    let (_d, s) = setup();
    let t = s.token.as_str();
    let r = http(s.port, "POST", "/api/rpc", &[("x-exhibit-token", t)], r#"{"method":"search","params":{"query":"a AND ("}}"#);
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains(r#""code":"bad_query""#), "{}", r.body);
    let r = http(s.port, "POST", "/api/rpc", &[("x-exhibit-token", t)], r#"{"method":"frobnicate","params":{}}"#);
    assert_eq!(r.status, 501);
    assert!(r.body.contains("unknown_method"));
    let r = http(s.port, "POST", "/api/rpc", &[("x-exhibit-token", t)], "not json");
    assert_eq!(r.status, 400);
    let r = http(s.port, "GET", "/api/item/999/original", &[("x-exhibit-token", t)], "");
    assert_eq!(r.status, 404, "{}", r.body);
    // Paths outside the UI folder are never served.
    let r = http(s.port, "GET", "/../Cargo.toml", &[], "");
    assert_ne!(r.status, 200);
}

#[test]
fn originals_are_downloads_under_a_sandbox_csp() {
    let (d, s) = setup();
    let t = s.token.as_str();
    let src = d.path().join("in");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::write(src.join("page.html"), "<script>alert(1)</script><p>hello</p>").unwrap();
    let body = format!(r#"{{"method":"ingest","params":{{"paths":["{}"],"custodian":"T"}}}}"#, src.display());
    let r = http(s.port, "POST", "/api/rpc", &[("x-exhibit-token", t)], &body);
    assert_eq!(r.status, 200, "{}", r.body);
    let r = http(s.port, "GET", "/api/item/1/original", &[("x-exhibit-token", t)], "");
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.headers.contains("content-security-policy: sandbox"), "{}", r.headers);
    assert!(r.headers.contains("content-type: application/octet-stream"));
    assert!(r.headers.contains("content-disposition: attachment"));
    assert!(r.headers.contains("x-content-type-options: nosniff"));
    let r = http(s.port, "POST", "/api/rpc", &[("x-exhibit-token", t)], r#"{"method":"item_body","params":{"id":"1"}}"#);
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("hello") && !r.body.contains("script"), "{}", r.body);
}

/// Many small unique files: enough that an ingest is still running when the cancel lands.
fn make_files(dir: &std::path::Path, n: u32) {
    for i in 0..n {
        let sub = dir.join(format!("folder-{:02}", i % 20));
        std::fs::create_dir_all(&sub).unwrap();
        std::fs::write(sub.join(format!("memo-{i:05}.txt")), format!("memo {i}: shipment {} of contract {}", i * 7919 % 10007, i % 113)).unwrap();
    }
}

fn json(r: &Resp) -> serde_json::Value {
    serde_json::from_str(&r.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", r.body))
}

#[test]
fn a_running_ingest_is_cancelled_beside_the_session_lock_and_a_rerun_resumes() {
    const FILES: u32 = 6000;
    let (d, s) = setup();
    let src = d.path().join("in");
    make_files(&src, FILES);
    let t = s.token.clone();
    let port = s.port;
    // Nothing running yet: nothing to cancel (and no flag is left for the ingest below).
    let r = http(port, "POST", "/api/rpc", &[("x-exhibit-token", &t)], r#"{"method":"cancel_ingest"}"#);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(json(&r)["cancelling"], false);

    let body = format!(r#"{{"method":"ingest","params":{{"paths":["{}"],"custodian":"C"}}}}"#, src.display());
    let (t2, b2) = (t.clone(), body.clone());
    let first = std::thread::spawn(move || http(port, "POST", "/api/rpc", &[("x-exhibit-token", &t2)], &b2));

    // Wait until files are being committed, then cancel through the same RPC endpoint.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    loop {
        let p = json(&http(port, "POST", "/api/rpc", &[("x-exhibit-token", &t)], r#"{"method":"ingest_progress"}"#));
        let done = p["progress"]["files_done"].as_u64().unwrap_or(0);
        if p["running"] == true && done >= 50 {
            assert!(done < FILES as u64, "the ingest finished before the cancel could land; make the folder bigger");
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the ingest never got going: {p}");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let asked = std::time::Instant::now();
    let r = http(port, "POST", "/api/rpc", &[("x-exhibit-token", &t)], r#"{"method":"cancel_ingest"}"#);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(json(&r)["cancelling"], true, "{}", r.body);

    let r = first.join().unwrap();
    assert_eq!(r.status, 200, "{}", r.body);
    let cancelled = json(&r);
    eprintln!("cancelled run: {cancelled} ({} ms after the cancel)", asked.elapsed().as_millis());
    assert_eq!(cancelled["cancelled"], true, "{cancelled}");
    let kept = cancelled["items_total"].as_u64().unwrap();
    assert!(kept < FILES as u64, "a cancelled run stops early: {cancelled}");
    // What was committed stays.
    let status = json(&http(port, "POST", "/api/rpc", &[("x-exhibit-token", &t)], r#"{"method":"status"}"#));
    assert_eq!(status["items"].as_u64(), Some(kept));
    let p = json(&http(port, "POST", "/api/rpc", &[("x-exhibit-token", &t)], r#"{"method":"ingest_progress"}"#));
    assert_eq!(p["running"], false);

    // A second run resumes: it skips what the first committed and ends with every file.
    let r = http(port, "POST", "/api/rpc", &[("x-exhibit-token", &t)], &body);
    assert_eq!(r.status, 200, "{}", r.body);
    let resumed = json(&r);
    assert_eq!(resumed["cancelled"], false, "{resumed}");
    assert_eq!(resumed["items_total"].as_u64(), Some(FILES as u64), "{resumed}");
    assert_eq!(resumed["files_skipped"].as_u64(), Some(kept), "{resumed}");
    assert_eq!(resumed["items_added"].as_u64(), Some(FILES as u64 - kept), "{resumed}");
}
