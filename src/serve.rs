//! `exhibit serve`: the review UI and the API over HTTP, on 127.0.0.1 only, for browser use and
//! end-to-end tests. A transport: it decodes, calls [`exhibit::view::Router`], and encodes.
//!
//! Guards, in order, on every request:
//! 1. `Host` must be this loopback address (a DNS-rebinding page cannot borrow the server);
//! 2. an `Origin` header, when present, must be this server's own origin, and a
//!    `Sec-Fetch-Site: cross-site` request is refused (another page cannot drive the API);
//! 3. API and item routes need the per-run token, as the `x-exhibit-token` header or the
//!    `exhibit_token` cookie that opening `/?token=…` sets (HttpOnly, SameSite=Strict).
//!
//! Every answer carries a strict CSP and `nosniff`; item bytes (originals, page images) are
//! looked up by item id and served with `Content-Security-Policy: sandbox`.

use axum::body::Body;
use axum::extract::{Path as UrlPath, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, Request, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router as Http};
use exhibit::view::{ProgressSlot, Router, ViewerHandle};
use exhibit::Error;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::io::Write;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The CSP of the app's own pages: nothing from anywhere but this server, no inline script.
pub const UI_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
img-src 'self' data:; font-src 'self'; connect-src 'self'; frame-src 'self'; object-src 'none'; \
base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
/// The CSP of untrusted bytes: a unique origin, no script, no loads.
pub const ITEM_CSP: &str = "sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'";
const COOKIE: &str = "exhibit_token";

struct AppState {
    token: String,
    port: u16,
    router: Arc<Mutex<Router>>,
    viewer: ViewerHandle,
    progress: ProgressSlot,
    ui_dir: PathBuf,
}

type Shared = Arc<AppState>;

/// Where the built UI is, unless `--ui` says otherwise.
pub fn default_ui_dir() -> PathBuf {
    if let Some(p) = std::env::var_os("EXHIBIT_UI_DIR") {
        return PathBuf::from(p);
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("ui").join("dist")
}

fn random_token() -> Result<String, Error> {
    let mut buf = [0u8; 32];
    getrandom::fill(&mut buf).map_err(|e| Error::Invalid(format!("no randomness for the access token: {e}")))?;
    Ok(hex::encode(buf))
}

/// Runs the server until the process is stopped.
pub fn run(matter: Option<PathBuf>, port: u16, ui_dir: Option<PathBuf>) -> Result<(), Error> {
    let router = match &matter {
        Some(dir) => Router::open(dir).map_err(|e| Error::Invalid(e.message))?,
        None => Router::default(),
    };
    let ui_dir = ui_dir.unwrap_or_else(default_ui_dir);
    if !ui_dir.join("index.html").exists() {
        eprintln!("exhibit: no built UI in {} (run `make ui`); the API still works", ui_dir.display());
    }
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
        let port = listener.local_addr()?.port();
        let token = random_token()?;
        let state = Arc::new(AppState {
            token: token.clone(),
            port,
            viewer: router.viewer_handle(),
            router: Arc::new(Mutex::new(router)),
            progress: ProgressSlot::default(),
            ui_dir,
        });
        let app = app(state);
        println!("Exhibit is serving on http://127.0.0.1:{port}/?token={token}");
        let _ = std::io::stdout().flush();
        axum::serve(listener, app).await?;
        Ok(())
    })
}

fn app(state: Shared) -> Http {
    let api = Http::new()
        .route("/api/rpc", post(rpc))
        .route("/api/progress", get(progress))
        .route("/api/item/{id}/original", get(original))
        .route("/api/item/{id}/page/{page}", get(page))
        .route_layer(middleware::from_fn_with_state(state.clone(), require_token));
    Http::new()
        .merge(api)
        .fallback(get(static_file))
        .layer(middleware::from_fn_with_state(state.clone(), guard))
        .with_state(state)
}

fn refuse(status: StatusCode, code: &str, message: &str) -> Response {
    (status, Json(json!({ "code": code, "message": message }))).into_response()
}

fn header_str(h: &HeaderMap, name: impl header::AsHeaderName) -> Option<&str> {
    h.get(name).and_then(|v| v.to_str().ok())
}

/// Host and Origin checks for every request, and the security headers on every answer.
async fn guard(State(s): State<Shared>, req: Request<Body>, next: Next) -> Response {
    let ours = [format!("127.0.0.1:{}", s.port), format!("localhost:{}", s.port)];
    let h = req.headers();
    let host_ok = header_str(h, header::HOST).is_some_and(|v| ours.iter().any(|o| o == v));
    let origin_ok = match header_str(h, header::ORIGIN) {
        None => true,
        Some(o) => ours.iter().any(|ours| o == format!("http://{ours}")),
    };
    let site_ok = header_str(h, "sec-fetch-site") != Some("cross-site");
    let mut resp = if !host_ok {
        refuse(StatusCode::FORBIDDEN, "bad_host", "this server answers only to its own loopback address")
    } else if !origin_ok || !site_ok {
        refuse(StatusCode::FORBIDDEN, "bad_origin", "requests from other origins are refused")
    } else {
        next.run(req).await
    };
    let hs = resp.headers_mut();
    if !hs.contains_key(header::CONTENT_SECURITY_POLICY) {
        hs.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(UI_CSP));
    }
    hs.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    hs.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    hs.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("SAMEORIGIN"));
    hs.insert("cross-origin-resource-policy", HeaderValue::from_static("same-origin"));
    resp
}

fn cookie_token(h: &HeaderMap) -> Option<String> {
    h.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(|kv| {
        let (k, v) = kv.trim().split_once('=')?;
        (k == COOKIE).then(|| v.to_string())
    })
}

/// Constant-time comparison, so the token cannot be guessed byte by byte from timings.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

async fn require_token(State(s): State<Shared>, req: Request<Body>, next: Next) -> Response {
    let h = req.headers();
    let given = header_str(h, "x-exhibit-token").map(str::to_string).or_else(|| cookie_token(h));
    match given {
        Some(t) if same(&t, &s.token) => {
            let mut resp = next.run(req).await;
            resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            resp
        }
        _ => refuse(StatusCode::UNAUTHORIZED, "no_token", "this request needs the access token printed by `exhibit serve`"),
    }
}

fn status_for(code: &str) -> StatusCode {
    match code {
        "no_item" | "no_matter" => StatusCode::NOT_FOUND,
        "unknown_method" => StatusCode::NOT_IMPLEMENTED,
        "no_matter_open" | "matter_exists" => StatusCode::CONFLICT,
        "database" | "index" | "io" | "write_failed" | "worker_failed" => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    }
}

async fn rpc(State(s): State<Shared>, body: axum::body::Bytes) -> Response {
    let request: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => return refuse(StatusCode::BAD_REQUEST, "bad_request", &format!("the body is not JSON: {e}")),
    };
    // `ingest_progress` and `cancel_ingest` are answered here, without the router's lock: a
    // running ingest holds it until it ends.
    if let Some(v) = s.progress.answer_beside(&request) {
        return Json(v).into_response();
    }
    let (router, progress) = (s.router.clone(), s.progress.clone());
    let result = tokio::task::spawn_blocking(move || {
        let t = Instant::now();
        let mut router = router.lock().unwrap_or_else(|e| e.into_inner());
        let waited = t.elapsed();
        let t = Instant::now();
        let out = router.handle_tracked(request, &progress);
        (out, waited, t.elapsed())
    })
    .await;
    let (mut resp, waited, took) = match result {
        Ok((Ok(v), waited, took)) => (Json(v).into_response(), waited, took),
        Ok((Err(e), waited, took)) => ((status_for(&e.code), Json(e)).into_response(), waited, took),
        Err(_) => return refuse(StatusCode::INTERNAL_SERVER_ERROR, "internal", "the request failed unexpectedly"),
    };
    server_timing(&mut resp, &[("wait", waited), ("app", took)]);
    resp
}

/// `Server-Timing` on an answer, so the browser (and the desktop benchmark) can tell backend time
/// from transport and UI time: `wait` is time queued behind another request for the matter,
/// `app` the library's own work, `render` a page rasterization.
fn server_timing(resp: &mut Response, parts: &[(&str, Duration)]) {
    let v = parts.iter().map(|(name, d)| format!("{name};dur={:.1}", d.as_secs_f64() * 1e3)).collect::<Vec<_>>().join(", ");
    if let Ok(v) = HeaderValue::from_str(&v) {
        resp.headers_mut().insert("server-timing", v);
    }
}

async fn progress(State(s): State<Shared>) -> Response {
    Json(s.progress.snapshot()).into_response()
}

fn item_response(content_type: &str, bytes: Vec<u8>, disposition: Option<String>) -> Response {
    let mut resp = Response::new(Body::from(bytes));
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_str(content_type).unwrap_or(HeaderValue::from_static("application/octet-stream")));
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(ITEM_CSP));
    if let Some(d) = disposition.and_then(|d| HeaderValue::from_str(&d).ok()) {
        h.insert(header::CONTENT_DISPOSITION, d);
    }
    resp
}

fn viewer_error(e: Error) -> Response {
    let e = exhibit::api::ApiError::from(e);
    (status_for(&e.code), Json(e)).into_response()
}

async fn original(State(s): State<Shared>, UrlPath(id): UrlPath<String>) -> Response {
    let Some(v) = s.viewer.read().unwrap_or_else(|e| e.into_inner()).clone() else {
        return refuse(StatusCode::CONFLICT, "no_matter_open", "no matter is open");
    };
    match tokio::task::spawn_blocking(move || v.original(&id).map(|o| (id, o))).await {
        // Always a download, never rendered by the browser: the bytes are untrusted.
        Ok(Ok((id, (_mime, bytes)))) => {
            item_response("application/octet-stream", bytes, Some(format!("attachment; filename=\"item-{}\"", id.replace('"', ""))))
        }
        Ok(Err(e)) => viewer_error(e),
        Err(_) => refuse(StatusCode::INTERNAL_SERVER_ERROR, "internal", "the request failed unexpectedly"),
    }
}

async fn page(State(s): State<Shared>, UrlPath((id, page)): UrlPath<(String, String)>, Query(q): Query<HashMap<String, String>>) -> Response {
    let Some(v) = s.viewer.read().unwrap_or_else(|e| e.into_inner()).clone() else {
        return refuse(StatusCode::CONFLICT, "no_matter_open", "no matter is open");
    };
    let Ok(page) = page.trim_end_matches(".png").parse::<usize>() else {
        return refuse(StatusCode::BAD_REQUEST, "bad_request", "the page is a number counted from 0");
    };
    let scale = q.get("scale").and_then(|s| s.parse::<f32>().ok()).unwrap_or(1.5);
    match tokio::task::spawn_blocking(move || {
        let t = Instant::now();
        v.page_png(&id, page, scale).map(|png| (png, t.elapsed()))
    })
    .await
    {
        Ok(Ok((png, took))) => {
            let mut resp = item_response("image/png", png, None);
            server_timing(&mut resp, &[("render", took)]);
            resp
        }
        Ok(Err(e)) => viewer_error(e),
        Err(_) => refuse(StatusCode::INTERNAL_SERVER_ERROR, "internal", "the request failed unexpectedly"),
    }
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "json" => "application/json",
        "woff2" => "font/woff2",
        _ => "application/octet-stream",
    }
}

/// The built UI. Opening `/?token=…` with the right token sets the token cookie.
async fn static_file(State(s): State<Shared>, method: Method, uri: Uri) -> Response {
    if method != Method::GET {
        return refuse(StatusCode::METHOD_NOT_ALLOWED, "bad_request", "only GET here");
    }
    let rel = uri.path().trim_start_matches('/');
    let rel = if rel.is_empty() { "index.html" } else { rel };
    let rel_path = Path::new(rel);
    if rel_path.components().any(|c| !matches!(c, Component::Normal(_))) {
        return refuse(StatusCode::NOT_FOUND, "not_found", "no such file");
    }
    let mut path = s.ui_dir.join(rel_path);
    if !path.is_file() {
        // Client-side routes fall back to the app page; missing assets are 404s.
        if rel_path.extension().is_some() {
            return refuse(StatusCode::NOT_FOUND, "not_found", "no such file");
        }
        path = s.ui_dir.join("index.html");
    }
    let Ok(bytes) = tokio::fs::read(&path).await else {
        return refuse(StatusCode::NOT_FOUND, "not_found", "the UI is not built: run `make ui`");
    };
    let mut resp = Response::new(Body::from(bytes));
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type(&path)));
    let query_token = uri.query().and_then(|q| {
        q.split('&').find_map(|kv| kv.strip_prefix("token=").map(str::to_string))
    });
    if let Some(t) = query_token.filter(|t| same(t, &s.token)) {
        let cookie = format!("{COOKIE}={t}; Path=/; HttpOnly; SameSite=Strict");
        if let Ok(v) = HeaderValue::from_str(&cookie) {
            resp.headers_mut().insert(header::SET_COOKIE, v);
        }
    }
    resp
}
