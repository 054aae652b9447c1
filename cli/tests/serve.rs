//! `exhibit serve`: the token and Origin guards, capability URLs, the folders the API may reach,
//! the header timeout, the security headers, and the RPC round trip. Drives the real binary over
//! raw HTTP/1.1 on a loopback socket.

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

fn start(matter: &std::path::Path, ui: &std::path::Path, extra: &[&str]) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_exhibit"))
        .args(["--matter", matter.to_str().unwrap(), "serve", "--port", "0", "--ui", ui.to_str().unwrap()])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start exhibit serve");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    // "Exhibit is serving on http://127.0.0.1:PORT/#token=TOKEN": the token only in the fragment,
    // which a browser never sends.
    let url = line.trim().rsplit(' ').next().unwrap().to_string();
    let rest = url.strip_prefix("http://127.0.0.1:").expect(&line);
    let (port, token) = rest.split_once("/#token=").expect(&line);
    assert_eq!(token.len(), 64, "{line}");
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

/// A matter in a fresh folder, served with that folder allowed (plus `extra` arguments).
fn setup_with(extra: &[&str]) -> (tempfile::TempDir, Server) {
    let dir = tempfile::tempdir().unwrap();
    let matter = dir.path().join("matter");
    let ui = dir.path().join("ui");
    std::fs::create_dir_all(&ui).unwrap();
    std::fs::write(ui.join("index.html"), "<!doctype html><title>Exhibit</title>").unwrap();
    exhibit::Matter::create(&matter, "Serve test").unwrap();
    let mut args = vec!["--allow", dir.path().to_str().unwrap()];
    args.extend_from_slice(extra);
    let server = start(&matter, &ui, &args);
    (dir, server)
}

fn setup() -> (tempfile::TempDir, Server) {
    setup_with(&[])
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
    let r = http(s.port, "GET", "/api/progress", &[("x-exhibit-token", t)], "");
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains(r#""running":false"#));
}

#[test]
fn there_is_no_cookie_to_steal() {
    let (_d, s) = setup();
    let t = s.token.as_str();
    // Browsers send a host's cookies to all its ports, so the server never sets one, and a
    // cookie carrying the token is not accepted in place of the header.
    for path in ["/".to_string(), format!("/?token={t}"), "/index.html".into()] {
        let page = http(s.port, "GET", &path, &[], "");
        assert_eq!(page.status, 200, "{path}");
        assert!(page.body.contains("Exhibit"));
        assert!(!page.headers.contains("set-cookie"), "{path}: {}", page.headers);
    }
    for cookie in [format!("exhibit_token={t}"), format!("token={t}")] {
        let r = http(s.port, "GET", "/api/progress", &[("Cookie", &cookie)], "");
        assert_eq!(r.status, 401, "{}", r.body);
        let r = http(s.port, "POST", "/api/rpc", &[("Cookie", &cookie)], PING);
        assert_eq!(r.status, 401, "{}", r.body);
        assert!(r.body.contains("#token="), "the refusal says how to get in: {}", r.body);
    }
}

#[test]
fn another_port_of_this_host_cannot_call_the_api() {
    let (_d, s) = setup();
    let t = s.token.as_str();
    // A page on 127.0.0.1:OTHER is `same-site` to the browser: even holding a token it may not
    // call the API, though it may link to the app's page.
    let r = http(s.port, "POST", "/api/rpc", &[("x-exhibit-token", t), ("Sec-Fetch-Site", "same-site")], PING);
    assert_eq!(r.status, 403, "{}", r.body);
    let r = http(s.port, "GET", "/api/item/1/original", &[("x-exhibit-token", t), ("Sec-Fetch-Site", "same-site")], "");
    assert_eq!(r.status, 403, "{}", r.body);
    let r = http(s.port, "GET", "/", &[("Sec-Fetch-Site", "same-site")], "");
    assert_eq!(r.status, 200, "{}", r.body);
    let r = http(s.port, "POST", "/api/rpc", &[("x-exhibit-token", t), ("Sec-Fetch-Site", "same-origin")], PING);
    assert_eq!(r.status, 200, "{}", r.body);
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
        std::fs::write(sub.join(format!("memo-{i:05}.txt")), format!("memo {i}: shipment {} of contract {}", i * 7919 % 10007, i % 113))
            .unwrap();
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

fn rpc(s: &Server, body: &str) -> Resp {
    http(s.port, "POST", "/api/rpc", &[("x-exhibit-token", &s.token)], body)
}

fn ingest_body(path: &std::path::Path) -> String {
    serde_json::json!({"method": "ingest", "params": {"paths": [path], "custodian": "T"}}).to_string()
}

#[test]
fn capability_urls_open_one_resource_of_one_item() {
    let (d, s) = setup();
    let src = d.path().join("in");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::write(src.join("a.txt"), "first memo").unwrap();
    std::fs::write(src.join("b.txt"), "second memo").unwrap();
    let r = rpc(&s, &ingest_body(&src));
    assert_eq!(r.status, 200, "{}", r.body);
    let id_of = |name: &str| {
        let r = rpc(&s, &serde_json::json!({"method": "search", "params": {"query": name}}).to_string());
        json(&r)["hits"][0]["id"].as_i64().unwrap_or_else(|| panic!("{}", r.body))
    };
    let (a, b) = (id_of("first"), id_of("second"));

    // Granting needs the token; the grant names the item it was asked for.
    let ask = format!(r#"{{"id":{a}}}"#);
    let r = http(s.port, "POST", "/api/grant", &[("Content-Type", "application/json")], &ask);
    assert_eq!(r.status, 401, "{}", r.body);
    let r = http(s.port, "POST", "/api/grant", &[("x-exhibit-token", &s.token), ("Content-Type", "application/json")], &ask);
    assert_eq!(r.status, 200, "{}", r.body);
    let g = json(&r);
    assert_eq!(g["id"].as_i64(), Some(a));
    let (orig, pages) = (g["original"].as_str().unwrap().to_string(), g["pages"].as_str().unwrap().to_string());
    assert!(!orig.contains(&s.token) && !pages.contains(&s.token));
    let expires_ms = g["expires_ms"].as_u64().unwrap();
    let now_ms = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as u64;
    assert!(expires_ms > now_ms && expires_ms <= now_ms + 16 * 60 * 1000, "expires within the quarter hour: {g}");

    // The capability alone (no token, as an <a download> sends it) fetches that original.
    let r = http(s.port, "GET", &format!("/api/item/{a}/original?c={orig}"), &[], "");
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body, "first memo");
    assert!(r.headers.contains("content-security-policy: sandbox") && r.headers.contains("cache-control: no-store"), "{}", r.headers);
    // Stolen and pointed at another item, another spelling of the item, or another resource: refused.
    for path in [
        format!("/api/item/{b}/original?c={orig}"),
        format!("/api/item/EXH-{a:07}/original?c={orig}"),
        format!("/api/item/{a}/original?c={pages}"),
        format!("/api/item/{b}/page/0?c={pages}"),
        format!("/api/item/{a}/original?c={}", orig.replacen('.', "0.", 1)),
    ] {
        let r = http(s.port, "GET", &path, &[], "");
        assert_eq!(r.status, 403, "{path}: {}", r.body);
        assert!(r.body.contains("capability_refused") && !r.body.contains("memo"), "{path}: {}", r.body);
    }
    let r = http(s.port, "GET", &format!("/api/item/{b}/original"), &[], "");
    assert_eq!(r.status, 401, "{}", r.body);
    // An item that is not in the open matter gets no capability.
    let r = http(s.port, "POST", "/api/grant", &[("x-exhibit-token", &s.token), ("Content-Type", "application/json")], r#"{"id":999}"#);
    assert_eq!(r.status, 404, "{}", r.body);
}

#[test]
fn the_api_reaches_only_the_folders_allowed_at_start() {
    let (d, s) = setup();
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.txt"), "not for the browser").unwrap();
    let allowed = std::fs::canonicalize(d.path()).unwrap();

    let refused = |body: String| {
        let r = rpc(&s, &body);
        assert_eq!(r.status, 403, "{body}: {}", r.body);
        let e = json(&r);
        assert_eq!(e["code"], "path_refused", "{e}");
        let msg = e["message"].as_str().unwrap().to_string();
        assert!(
            msg.contains("--allow") && msg.contains(&allowed.display().to_string()),
            "says what is allowed and how to allow more: {msg}"
        );
        msg
    };
    let msg = refused(ingest_body(&outside.path().join("secret.txt")));
    assert!(msg.contains("secret.txt"), "{msg}");
    refused(ingest_body(&d.path().join("..").join(outside.path().file_name().unwrap())));
    refused(serde_json::json!({"method": "create_matter", "params": {"dir": outside.path().join("m"), "name": "M"}}).to_string());
    refused(serde_json::json!({"method": "open_matter", "params": {"dir": outside.path()}}).to_string());
    refused(serde_json::json!({"method": "logs_analyze", "params": {"suspect_outputs": outside.path().join("secret.txt")}}).to_string());
    #[cfg(unix)]
    {
        // A link planted inside an allowed folder does not lead out of it.
        std::os::unix::fs::symlink(outside.path(), d.path().join("link")).unwrap();
        let msg = refused(ingest_body(&d.path().join("link")));
        assert!(msg.contains("resolves to"), "{msg}");
    }
    // Nothing was read: the matter is still empty, and nothing was created outside.
    assert_eq!(json(&rpc(&s, r#"{"method":"status"}"#))["items"], 0);
    assert!(!outside.path().join("m").exists());

    // Inside the allowed folder all of it works, `..` that stays inside included.
    let src = d.path().join("in");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::write(src.join("memo.txt"), "allowed memo").unwrap();
    let r = rpc(&s, &ingest_body(&d.path().join("ui/../in")));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(json(&r)["items_added"], 1, "{}", r.body);
    let second = d.path().join("second");
    let r = rpc(&s, &serde_json::json!({"method": "create_matter", "params": {"dir": second, "name": "Second"}}).to_string());
    assert_eq!(r.status, 200, "{}", r.body);
    let r = rpc(&s, &serde_json::json!({"method": "open_matter", "params": {"dir": d.path().join("matter")}}).to_string());
    assert_eq!(r.status, 200, "{}", r.body);
}

#[test]
fn without_allow_only_the_started_matter_is_reachable() {
    let dir = tempfile::tempdir().unwrap();
    let matter = dir.path().join("matter");
    exhibit::Matter::create(&matter, "Only").unwrap();
    std::fs::write(dir.path().join("memo.txt"), "x").unwrap();
    let s = start(&matter, dir.path(), &[]);
    let r = rpc(&s, &ingest_body(&dir.path().join("memo.txt")));
    assert_eq!(r.status, 403, "{}", r.body);
    assert!(r.body.contains("started without --allow"), "{}", r.body);
    let r = rpc(&s, &serde_json::json!({"method": "open_matter", "params": {"dir": matter}}).to_string());
    assert_eq!(r.status, 200, "{}", r.body);
}

/// Reads until the server closes the connection; what it sent, or None if it kept it open
/// past `limit` (a generous bound, not a timing measurement).
fn read_until_closed(s: &mut TcpStream, limit: std::time::Duration) -> Option<Vec<u8>> {
    s.set_read_timeout(Some(limit)).unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return Some(got),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return Some(got),
            Err(_) => return None,
        }
    }
}

#[test]
fn a_client_slow_to_send_its_headers_is_dropped() {
    let (_d, s) = setup_with(&["--header-timeout-ms", "300"]);
    let limit = std::time::Duration::from_secs(30);
    // Half a request, then nothing: the server hangs up instead of waiting for the rest.
    let mut slow = TcpStream::connect(("127.0.0.1", s.port)).unwrap();
    slow.write_all(format!("GET / HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nX-Slow: ", s.port).as_bytes()).unwrap();
    let got = read_until_closed(&mut slow, limit).expect("a client that never finishes its headers is disconnected");
    assert!(got.is_empty() || String::from_utf8_lossy(&got).starts_with("HTTP/1.1 408"), "{}", String::from_utf8_lossy(&got));
    // Headers trickled a byte at a time are no better than none.
    let mut trickle = TcpStream::connect(("127.0.0.1", s.port)).unwrap();
    trickle.set_write_timeout(Some(limit)).unwrap();
    let closed = (0..200).any(|_| {
        std::thread::sleep(std::time::Duration::from_millis(20));
        trickle.write_all(b"X").is_err()
    });
    assert!(closed || read_until_closed(&mut trickle, limit).is_some(), "a trickling client is disconnected");
    // Whoever sends a whole request promptly is served as before.
    let r = http(s.port, "POST", "/api/rpc", &[("x-exhibit-token", &s.token)], PING);
    assert_eq!(r.status, 200, "{}", r.body);
}

/// `produce` over HTTP: its `out` is held to the `--allow` folders; a dry run writes nothing; a
/// running production reports its progress to `ingest_progress` (as a `produce` kind) and is
/// stopped by `cancel_ingest`, leaving the bundle marked incomplete; the re-run starts over,
/// passes its gate, and `productions` and `verify_production` agree.
#[test]
fn a_production_reports_progress_is_cancelled_beside_the_lock_and_a_rerun_passes() {
    const FILES: u32 = 600;
    let (d, s) = setup();
    let outside = tempfile::tempdir().unwrap();
    let src = d.path().join("in");
    make_files(&src, FILES);
    let r = rpc(&s, &ingest_body(&src));
    assert_eq!(r.status, 200, "{}", r.body);
    let out = d.path().join("out");
    let produce = |out: &std::path::Path, dry_run: bool| {
        serde_json::json!({"method": "produce", "params": {"set": {"query": "*"}, "prefix": "SRV", "out": out, "dry_run": dry_run}})
            .to_string()
    };

    // Paths: a bundle is written only under the allowed folders, and re-verified only there.
    for body in [
        produce(&outside.path().join("out"), false),
        serde_json::json!({"method": "verify_production", "params": {"dir": outside.path()}}).to_string(),
    ] {
        let r = rpc(&s, &body);
        assert_eq!(r.status, 403, "{body}: {}", r.body);
        assert_eq!(json(&r)["code"], "path_refused");
    }
    assert!(!outside.path().join("out").exists());

    let dry = json(&rpc(&s, &produce(&out, true)));
    assert_eq!(dry["dry_run"], true, "{dry}");
    assert_eq!(dry["documents"].as_u64(), Some(FILES as u64), "{dry}");
    assert_eq!(dry["first_bates"], "SRV-0000001", "{dry}");
    assert!(!out.exists(), "a dry run writes nothing");

    // A production in flight: progress beside the lock, then a cancel.
    let (port, t, body) = (s.port, s.token.clone(), produce(&out, false));
    let first = std::thread::spawn(move || http(port, "POST", "/api/rpc", &[("x-exhibit-token", &t)], &body));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    loop {
        let p = json(&rpc(&s, r#"{"method":"ingest_progress"}"#));
        if p["running"] == true && p["progress"]["kind"] == "produce" && p["progress"]["documents_done"].as_u64().unwrap_or(0) >= 16 {
            assert_eq!(p["method"], "produce", "{p}");
            assert!(p["progress"]["pages_per_second"].as_f64().is_some(), "{p}");
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the production never got going: {p}");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let r = rpc(&s, r#"{"method":"cancel_ingest"}"#);
    assert_eq!(json(&r)["cancelling"], true, "{}", r.body);
    let r = first.join().unwrap();
    assert_eq!(r.status, 200, "{}", r.body);
    let cancelled = json(&r);
    assert_eq!(cancelled["verification"]["ok"], false, "a cancelled production does not pass: {cancelled}");
    assert!(cancelled["documents"].as_u64().unwrap() < FILES as u64, "it stopped early: {}", cancelled["documents"]);
    let bundle = out.join("SRV001");
    assert!(bundle.join("INCOMPLETE").exists(), "a cancelled bundle is marked incomplete");
    let list = json(&rpc(&s, r#"{"method":"productions"}"#));
    assert_eq!(list["productions"][0]["status"], "incomplete", "{list}");

    // The re-run replaces it and passes; re-verifying agrees.
    let r = rpc(&s, &produce(&out, false));
    assert_eq!(r.status, 200, "{}", r.body);
    let done = json(&r);
    assert_eq!(done["verification"]["ok"], true, "{}", done["verification"]);
    assert_eq!(done["documents"].as_u64(), Some(FILES as u64));
    assert_eq!(done["production"], "SRV001", "a cancelled run does not use up a name");
    assert!(!bundle.join("INCOMPLETE").exists());
    let after = json(&rpc(&s, r#"{"method":"ingest_progress"}"#));
    assert_eq!(after["running"], false, "{after}");
    let list = json(&rpc(&s, r#"{"method":"productions"}"#));
    assert_eq!(list["productions"][0]["status"], "complete", "{list}");
    let body = serde_json::json!({"method": "verify_production", "params": {"dir": bundle}}).to_string();
    let gate = json(&rpc(&s, &body));
    assert_eq!(gate["ok"], true, "{gate}");
}
