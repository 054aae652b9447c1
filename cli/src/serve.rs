//! `exhibit serve`: the review UI and the API over HTTP, on 127.0.0.1 only, for browser use and
//! end-to-end tests. A transport: it decodes a [`exhibit::api::Request`], routes it as its
//! method's declaration says ([`exhibit::api::router`]), and encodes.
//!
//! The per-run access token is printed in the URL's fragment (`/#token=…`), which browsers
//! never send to a server; the page keeps it in memory and sends it as the `x-exhibit-token`
//! header. There is no cookie: browsers send cookies to every port of a host, so any other
//! local server would receive it. `<img>` and download links, which cannot send a header, use
//! capability URLs ([`capability`]) that open one item's pages or original for a while.
//!
//! Guards, in order, on every request:
//! 1. `Host` must be this loopback address (a DNS-rebinding page cannot borrow the server);
//! 2. an `Origin` header, when present, must be this server's own origin, and a
//!    `Sec-Fetch-Site: cross-site` request is refused (another page cannot drive the API); API
//!    requests must also not come from another port (`same-site`);
//! 3. API routes need the token header; item bytes need the token header or a capability.
//!
//! What the API can reach is limited to the folders named at start (`--allow DIR`, and the
//! `--matter` folder for reopening it): [`exhibit::api::paths::PathPolicy`] checks every path a
//! request names. Connections that do not send their request headers in time are dropped.
//!
//! Every answer carries a strict CSP and `nosniff`; item bytes (originals, page images) are
//! looked up by item id in the open matter and served with `Content-Security-Policy: sandbox`.

mod capability;

use axum::body::Body;
use axum::extract::{Path as UrlPath, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, Request, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router as Http};
use capability::{CapRefused, Capabilities, Resource};
use exhibit::api::paths::PathPolicy;
use exhibit::api::{methods, ApiError, ErrorCode, Place, Request as ApiRequest, Router};
use exhibit::view::{ProgressSlot, Viewer, ViewerHandle};
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
/// Connections served at once; more wait to be accepted (a client hogging them is dropped by
/// the header timeout).
const MAX_CONNECTIONS: usize = 128;
/// How long a request body may take to arrive, and how large it may be.
const BODY_TIMEOUT: Duration = Duration::from_secs(30);
const BODY_LIMIT: usize = 16 << 20;

/// What `exhibit serve` was started with.
pub struct Options {
    /// The matter to open at start (`--matter`); it may also be reopened from the UI.
    pub matter: Option<PathBuf>,
    /// Who acts (`--actor`, `EXHIBIT_ACTOR`); `None`: the account running the server.
    pub actor: Option<String>,
    pub port: u16,
    /// The built UI (`--ui`), else [`default_ui_dir`].
    pub ui_dir: Option<PathBuf>,
    /// The folders under which the API may create or open matters and read evidence (`--allow`).
    pub allow: Vec<PathBuf>,
    /// A client that has not sent a request's headers within this is disconnected.
    pub header_timeout: Duration,
}

struct AppState {
    token: String,
    port: u16,
    router: Arc<Mutex<Router>>,
    viewer: ViewerHandle,
    progress: ProgressSlot,
    ui_dir: PathBuf,
    caps: Capabilities,
    policy: PathPolicy,
}

type Shared = Arc<AppState>;

/// Where the built UI is, unless `--ui` says otherwise.
pub fn default_ui_dir() -> PathBuf {
    if let Some(p) = std::env::var_os("EXHIBIT_UI_DIR") {
        return PathBuf::from(p);
    }
    // This crate is cli/ of the source tree; the UI is ui/dist beside it.
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join("ui").join("dist")
}

fn random_bytes() -> Result<[u8; 32], Error> {
    let mut buf = [0u8; 32];
    getrandom::fill(&mut buf).map_err(|e| Error::Internal(format!("no randomness for the access token: {e}")))?;
    Ok(buf)
}

/// Runs the server until the process is stopped.
pub fn run(opts: Options) -> Result<(), Error> {
    let mut router = match &opts.matter {
        Some(dir) => Router::open(dir)?,
        None => Router::default(),
    };
    // Whatever the browser does is recorded as done by the person who started the server.
    router.session().set_actor(opts.actor.as_deref());
    let policy = PathPolicy::new(&opts.allow, opts.matter.as_deref()).map_err(|e| Error::BadInput(e.to_string()))?;
    let (port, header_timeout) = (opts.port, opts.header_timeout);
    let ui_dir = opts.ui_dir.unwrap_or_else(default_ui_dir);
    if !ui_dir.join("index.html").exists() {
        eprintln!("exhibit: no built UI in {} (run `make ui`); the API still works", ui_dir.display());
    }
    if policy.roots().is_empty() {
        eprintln!("exhibit: no --allow folder: the browser can work only in the --matter folder and cannot ingest (add --allow DIR)");
    }
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
        let port = listener.local_addr()?.port();
        let token = hex::encode(random_bytes()?);
        let state = Arc::new(AppState {
            token: token.clone(),
            port,
            viewer: router.viewer_handle(),
            router: Arc::new(Mutex::new(router)),
            progress: ProgressSlot::default(),
            ui_dir,
            caps: Capabilities::new(random_bytes()?),
            policy,
        });
        let app = app(state);
        // The token goes in the fragment: the browser keeps it and never sends it anywhere.
        println!("Exhibit is serving on http://127.0.0.1:{port}/#token={token}");
        let _ = std::io::stdout().flush();
        accept(listener, app, header_timeout).await;
        Ok(())
    })
}

/// The accept loop: HTTP/1 connections with a header read timeout, at most
/// [`MAX_CONNECTIONS`] at once.
async fn accept(listener: tokio::net::TcpListener, app: Http, header_timeout: Duration) {
    use hyper_util::rt::{TokioIo, TokioTimer};
    let slots = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    loop {
        let Ok(permit) = slots.clone().acquire_owned().await else { return };
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(e) => {
                // Out of file descriptors and the like: wait rather than spin.
                eprintln!("exhibit: could not accept a connection: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let service = hyper_util::service::TowerToHyperService::new(app.clone());
        let mut http = hyper::server::conn::http1::Builder::new();
        http.timer(TokioTimer::new()).header_read_timeout(header_timeout);
        tokio::spawn(async move {
            // A dropped or timed-out client ends its connection; nothing to report.
            let _ = http.serve_connection(TokioIo::new(stream), service).await;
            drop(permit);
        });
    }
}

fn app(state: Shared) -> Http {
    let api = Http::new()
        .route("/api/rpc", post(rpc))
        .route("/api/progress", get(progress))
        .route("/api/grant", post(grant))
        .route_layer(middleware::from_fn_with_state(state.clone(), require_token));
    // Item bytes check the token or a capability themselves (see `authorize_item`).
    let items = Http::new().route("/api/item/{id}/original", get(original)).route("/api/item/{id}/page/{page}", get(page));
    Http::new()
        .merge(api)
        .merge(items)
        .fallback(get(static_file))
        .layer(middleware::from_fn_with_state(state.clone(), guard))
        .with_state(state)
}

fn refuse(status: StatusCode, code: ErrorCode, message: &str) -> Response {
    (status, Json(ApiError::new(code, message))).into_response()
}

/// An error answered with its code's HTTP status.
fn error_response(e: ApiError) -> Response {
    (StatusCode::from_u16(e.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR), Json(e)).into_response()
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
    // Another port of this host is `same-site` to the browser, yet another server: it may link
    // to the app's page, but never call the API or load item bytes.
    let site_ok = match header_str(h, "sec-fetch-site") {
        None | Some("same-origin") | Some("none") => true,
        Some("same-site") => !req.uri().path().starts_with("/api/"),
        Some(_) => false,
    };
    let mut resp = if !host_ok {
        refuse(StatusCode::FORBIDDEN, ErrorCode::BadHost, "this server answers only to its own loopback address")
    } else if !origin_ok || !site_ok {
        refuse(StatusCode::FORBIDDEN, ErrorCode::BadOrigin, "requests from other origins are refused")
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

/// Constant-time comparison, so the token cannot be guessed byte by byte from timings.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

async fn require_token(State(s): State<Shared>, req: Request<Body>, next: Next) -> Response {
    if !has_token(&s, req.headers()) {
        return refuse(StatusCode::UNAUTHORIZED, ErrorCode::NoToken, NO_TOKEN);
    }
    let mut resp = next.run(req).await;
    resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

const NO_TOKEN: &str = "this request needs the access key: open the address `exhibit serve` printed (it ends in #token=…). \
The key is kept only in the open tab, so a reloaded or new tab needs that address again";

fn has_token(s: &AppState, h: &HeaderMap) -> bool {
    header_str(h, "x-exhibit-token").is_some_and(|t| same(t, &s.token))
}

async fn rpc(State(s): State<Shared>, body: Body) -> Response {
    let body = match tokio::time::timeout(BODY_TIMEOUT, axum::body::to_bytes(body, BODY_LIMIT)).await {
        Ok(Ok(b)) => b,
        Ok(Err(_)) => return refuse(StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::BadRequest, "the request is too large or was cut off"),
        Err(_) => return refuse(StatusCode::REQUEST_TIMEOUT, ErrorCode::BadRequest, "the request body did not arrive in time"),
    };
    let request: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => return refuse(StatusCode::BAD_REQUEST, ErrorCode::BadRequest, &format!("the body is not JSON: {e}")),
    };
    let mut request = match ApiRequest::from_json(request) {
        Ok(r) => r,
        Err(e) => return error_response(e),
    };
    if let Err(e) = s.policy.apply(&mut request) {
        return error_response(e.into());
    }
    // Methods answered beside the session (`ingest_progress`, `cancel_ingest`) are answered
    // here, without the router's lock: a running ingest holds it until it ends.
    if request.method().place() == Place::Beside {
        return match methods::answer_beside(&s.progress, request) {
            Ok(v) => Json(v).into_response(),
            Err(e) => error_response(e),
        };
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
        Ok((Err(e), waited, took)) => (error_response(e), waited, took),
        Err(_) => return refuse(StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::Internal, "the request failed unexpectedly"),
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
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Some(d) = disposition.and_then(|d| HeaderValue::from_str(&d).ok()) {
        h.insert(header::CONTENT_DISPOSITION, d);
    }
    resp
}

fn viewer_error(e: Error) -> Response {
    error_response(ApiError::from(e))
}

// The error side is the response itself (a refusal answered as is), as axum handlers return it;
// boxing it would only add a move per refused request.
#[allow(clippy::result_large_err)]
fn open_viewer(s: &AppState) -> Result<Viewer, Response> {
    s.viewer
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .clone()
        .ok_or_else(|| refuse(StatusCode::CONFLICT, ErrorCode::NoMatterOpen, "no matter is open"))
}

/// The open matter's viewer, if this request may read `resource` of item `id`: it carries the
/// token header, or a capability (`?c=`) granted for exactly that item and resource in the
/// matter open now.
#[allow(clippy::result_large_err)]
fn authorize_item(
    s: &AppState,
    headers: &HeaderMap,
    q: &HashMap<String, String>,
    id: &str,
    resource: Resource,
) -> Result<Viewer, Response> {
    let viewer = open_viewer(s)?;
    if has_token(s, headers) {
        return Ok(viewer);
    }
    let Some(cap) = q.get("c") else {
        return Err(refuse(StatusCode::UNAUTHORIZED, ErrorCode::NoToken, NO_TOKEN));
    };
    match s.caps.check(viewer.dir(), id, resource, cap, capability::now()) {
        Ok(()) => Ok(viewer),
        Err(e @ CapRefused::Expired) => Err(refuse(StatusCode::FORBIDDEN, ErrorCode::CapabilityExpired, &e.to_string())),
        Err(e) => Err(refuse(StatusCode::FORBIDDEN, ErrorCode::CapabilityRefused, &e.to_string())),
    }
}

/// `POST /api/grant {"id": ITEM}`: capabilities for the item's page images and its original,
/// for an `<img>` or a download link, which cannot send the token header.
async fn grant(State(s): State<Shared>, Json(body): Json<Value>) -> Response {
    let key = match body.get("id") {
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::String(k)) => k.clone(),
        _ => return refuse(StatusCode::BAD_REQUEST, ErrorCode::BadRequest, "name the item: {\"id\": 12}"),
    };
    let viewer = match open_viewer(&s) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let id = match tokio::task::spawn_blocking(move || viewer.item_id(&key).map(|id| (viewer, id))).await {
        Ok(Ok(found)) => found,
        Ok(Err(e)) => return viewer_error(e),
        Err(_) => return refuse(StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::Internal, "the request failed unexpectedly"),
    };
    let (viewer, id) = id;
    let expires = capability::now() + capability::TTL.as_secs();
    Json(json!({
        "id": id,
        "pages": s.caps.grant(viewer.dir(), id, Resource::Pages, expires),
        "original": s.caps.grant(viewer.dir(), id, Resource::Original, expires),
        "expires_ms": expires * 1000,
    }))
    .into_response()
}

async fn original(
    State(s): State<Shared>,
    headers: HeaderMap,
    UrlPath(id): UrlPath<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let v = match authorize_item(&s, &headers, &q, &id, Resource::Original) {
        Ok(v) => v,
        Err(r) => return r,
    };
    match tokio::task::spawn_blocking(move || v.original(&id).map(|o| (id, o))).await {
        // Always a download, never rendered by the browser: the bytes are untrusted.
        Ok(Ok((id, (_mime, bytes)))) => {
            item_response("application/octet-stream", bytes, Some(format!("attachment; filename=\"item-{}\"", id.replace('"', ""))))
        }
        Ok(Err(e)) => viewer_error(e),
        Err(_) => refuse(StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::Internal, "the request failed unexpectedly"),
    }
}

async fn page(
    State(s): State<Shared>,
    headers: HeaderMap,
    UrlPath((id, page)): UrlPath<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let v = match authorize_item(&s, &headers, &q, &id, Resource::Pages) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let Ok(page) = page.trim_end_matches(".png").parse::<usize>() else {
        return refuse(StatusCode::BAD_REQUEST, ErrorCode::BadRequest, "the page is a number counted from 0");
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
        Err(_) => refuse(StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::Internal, "the request failed unexpectedly"),
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

/// The built UI. It needs no token: the page holds none until it reads its own fragment.
async fn static_file(State(s): State<Shared>, method: Method, uri: Uri) -> Response {
    if method != Method::GET {
        return refuse(StatusCode::METHOD_NOT_ALLOWED, ErrorCode::BadRequest, "only GET here");
    }
    let rel = uri.path().trim_start_matches('/');
    let rel = if rel.is_empty() { "index.html" } else { rel };
    let rel_path = Path::new(rel);
    if rel_path.components().any(|c| !matches!(c, Component::Normal(_))) {
        return refuse(StatusCode::NOT_FOUND, ErrorCode::NotFound, "no such file");
    }
    let mut path = s.ui_dir.join(rel_path);
    if !path.is_file() {
        // Client-side routes fall back to the app page; missing assets are 404s.
        if rel_path.extension().is_some() {
            return refuse(StatusCode::NOT_FOUND, ErrorCode::NotFound, "no such file");
        }
        path = s.ui_dir.join("index.html");
    }
    let Ok(bytes) = tokio::fs::read(&path).await else {
        return refuse(StatusCode::NOT_FOUND, ErrorCode::NotFound, "the UI is not built: run `make ui`");
    };
    let mut resp = Response::new(Body::from(bytes));
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type(&path)));
    resp
}
