//! Exhibit desktop shell: a Tauri 2 window over the `exhibit` library.
//!
//! The webview talks to Rust through three commands:
//! * `rpc` takes a generic `{ "method": ..., "params": ... }` request and answers JSON or an
//!   `{ code, message }` error. It decodes an [`exhibit::api::Request`] and routes it as its
//!   method's declaration says ([`exhibit::api::router::route`]): methods answered beside the
//!   session (`ingest_progress`, `cancel_ingest`) from the shared [`ProgressSlot`], because a
//!   running ingest holds the router until it ends; the rest through the [`Router`].
//! * `pick` shows a native file or folder dialog ([`paths`]) and returns the chosen paths.
//! * `open_external` opens a reviewer-confirmed http/https/mailto link in the system browser
//!   ([`links`]).
//! * `open_production_folder` opens a production's folder in the file manager, named by the
//!   production's id and looked up in the open matter (never a path the webview gives).
//!
//! Files dropped onto the window arrive as the `exhibit:drop` event ([`drop`]). Item bytes
//! (PDF page images, originals) reach the webview only through the `exhibit:` protocol, by item
//! id, with a `sandbox` CSP and `nosniff`.

// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod drop;
mod links;
mod paths;

use exhibit::api::{ApiError, ErrorCode, Request, Router, SessionMethods};
use exhibit::view::{ProgressSlot, ViewerHandle};
use serde_json::Value;
use std::sync::{Arc, Mutex};
use tauri::http::{header, Response, StatusCode};
use tauri::{AppHandle, Emitter, Manager, State, Url, WebviewWindow, WebviewWindowBuilder, WindowEvent};
use tauri_plugin_dialog::DialogExt;

/// mimalloc, as in the `exhibit` binary: an ingest started from the window hands records between
/// threads, where glibc's allocator spent a tenth of the import's CPU on cross-thread frees.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Error shape returned to the frontend: the API's `{code, message}`.
pub type ErrorDto = ApiError;

/// The shell's state: the router (one request at a time), and what may be read beside it.
struct Shell {
    router: Mutex<Router>,
    viewer: ViewerHandle,
    progress: ProgressSlot,
}

impl Shell {
    fn new(router: Router) -> Self {
        Shell { viewer: router.viewer_handle(), router: Mutex::new(router), progress: ProgressSlot::default() }
    }
}

/// Transport-independent dispatch, kept free of Tauri types so it can be unit-tested.
fn dispatch(shell: &Shell, request: Request) -> Result<Value, ErrorDto> {
    exhibit::api::router::route(request, &shell.progress, || shell.router.lock().unwrap_or_else(|e| e.into_inner()))
}

/// The event that carries a long request's progress ([`exhibit::view::ProgressState`]).
const PROGRESS_EVENT: &str = "exhibit:progress";
/// How often a long request's progress is pushed to the window.
const PROGRESS_EVERY: std::time::Duration = std::time::Duration::from_millis(200);

/// The single IPC entry point exposed to the webview. Async, so that a long request runs on a
/// blocking worker and never on the UI thread. While a long request (ingest) runs, its
/// progress is pushed to the window as `exhibit:progress` events, and once more when it ends.
#[tauri::command]
async fn rpc(app: AppHandle, shell: State<'_, Arc<Shell>>, request: Value) -> Result<Value, ErrorDto> {
    let shell = Arc::clone(&shell);
    let request = Request::from_json(request)?;
    let long = request.method().is_long();
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    if long {
        let (shell, done) = (Arc::clone(&shell), Arc::clone(&done));
        std::thread::spawn(move || {
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                std::thread::sleep(PROGRESS_EVERY);
                let _ = app.emit_to("main", PROGRESS_EVENT, shell.progress.snapshot());
            }
            let _ = app.emit_to("main", PROGRESS_EVENT, shell.progress.snapshot());
        });
    }
    let answer = tauri::async_runtime::spawn_blocking(move || dispatch(&shell, request)).await.unwrap_or_else(|_| Err(failed()));
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    answer
}

fn failed() -> ErrorDto {
    ErrorDto::new(ErrorCode::Internal, "the request failed unexpectedly; try again")
}

/// Shows a native file or folder dialog over the window and returns what the user chose
/// (checked by [`paths::accept`]); nothing chosen is an empty list. The webview gets no dialog
/// permission of its own: this command is the only way to a picker, and it only returns paths.
#[tauri::command]
async fn pick(window: WebviewWindow, kind: paths::PickKind) -> Result<paths::Picked, ErrorDto> {
    tauri::async_runtime::spawn_blocking(move || {
        // The blocking calls hand the dialog to the main thread and wait here, off it.
        let dialog = window.dialog().file().set_parent(&window).set_title(kind.title());
        let chosen: Vec<_> = match kind {
            paths::PickKind::Files => dialog.blocking_pick_files().unwrap_or_default(),
            paths::PickKind::Folders => dialog.blocking_pick_folders().unwrap_or_default(),
            paths::PickKind::Matter => dialog.blocking_pick_folder().into_iter().collect(),
        };
        let (ok, bad): (Vec<_>, Vec<_>) = chosen.into_iter().map(|p| p.into_path()).partition(Result::is_ok);
        let mut picked = paths::accept(ok.into_iter().flatten(), Some(kind));
        if !bad.is_empty() {
            picked
                .rejected
                .push(paths::Rejected { path: String::new(), reason: "the dialog returned something that is not a local path".into() });
        }
        picked
    })
    .await
    .map_err(|_| failed())
}

/// Opens a link in the system browser (or mail program) after the reviewer confirmed it in
/// the UI. Only http, https and mailto are opened ([`links::checked`]); nothing is loaded in
/// the app's own window.
#[tauri::command]
async fn open_external(url: String) -> Result<(), ErrorDto> {
    let url = links::checked(&url)?;
    tauri::async_runtime::spawn_blocking(move || tauri_plugin_opener::open_url(url.as_str(), None::<&str>))
        .await
        .map_err(|_| failed())?
        .map_err(|e| {
            ErrorDto::new(ErrorCode::OpenFailed, format!("the system could not open the link ({e}); copy it into a browser instead"))
        })
}

/// Opens a production's folder in the system's file manager. The window names the production by
/// id and the folder comes from the open matter's record of it, so this opens only folders the
/// matter wrote a production into, never a path the webview chose.
#[tauri::command]
async fn open_production_folder(shell: State<'_, Arc<Shell>>, production: i64) -> Result<(), ErrorDto> {
    let shell = Arc::clone(&shell);
    tauri::async_runtime::spawn_blocking(move || {
        let dir = production_folder(&shell, production)?;
        tauri_plugin_opener::open_path(&dir, None::<&str>).map_err(|e| {
            ErrorDto::new(ErrorCode::OpenFailed, format!("the system could not open {} ({e}); open it from a file manager", dir.display()))
        })
    })
    .await
    .map_err(|_| failed())?
}

/// The folder of production `id` of the open matter, if it is still there. Waits for a long
/// request in flight (it holds the router), as any other request does.
fn production_folder(shell: &Shell, id: i64) -> Result<std::path::PathBuf, ErrorDto> {
    let list = shell.router.lock().unwrap_or_else(|e| e.into_inner()).session().productions(())?;
    let row = list
        .productions
        .into_iter()
        .find(|p| p.id == id)
        .ok_or_else(|| ErrorDto::new(ErrorCode::Invalid, format!("the open matter has no production {id}")))?;
    let dir = std::path::PathBuf::from(row.out);
    if !dir.is_dir() {
        return Err(ErrorDto::new(ErrorCode::Invalid, format!("{} is no longer there: was the production moved?", dir.display())));
    }
    Ok(dir)
}

/// Passes the window's native drag-drop events to the main webview (see [`drop`]).
fn on_window_event(app: &AppHandle, event: &WindowEvent) {
    if let WindowEvent::DragDrop(ev) = event {
        if let Some(dto) = drop::to_dto(ev) {
            let _ = app.emit_to("main", drop::EVENT, dto);
        }
    }
}

/// What an `exhibit:` URL asks for. Items are named by id or control number, never by path.
#[derive(Debug, PartialEq)]
enum ItemAsk {
    Original(String),
    Page(String, usize, f32),
}

/// Parses `exhibit://localhost/item%2F12%2Fpage%2F0?scale=1.5` (what `convertFileSrc` makes),
/// `exhibit://item/12/original` or `http://exhibit.localhost/item/12/page/3` (Windows).
fn parse_item_url(url: &Url) -> Option<ItemAsk> {
    let decoded = percent_decode(url.path());
    let mut path: Vec<&str> = decoded.split('/').filter(|s| !s.is_empty()).collect();
    if url.host_str() == Some("item") {
        path.insert(0, "item");
    }
    let scale = url.query_pairs().find(|(k, _)| k == "scale").and_then(|(_, v)| v.parse().ok()).unwrap_or(1.5);
    let ok_id = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    match path.as_slice() {
        ["item", id, "original"] if ok_id(id) => Some(ItemAsk::Original(id.to_string())),
        ["item", id, "page", n] if ok_id(id) => Some(ItemAsk::Page(id.to_string(), n.parse().ok()?, scale)),
        _ => None,
    }
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

const ITEM_CSP: &str = "sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'";

/// Answers one `exhibit:` request.
fn item_response(viewer: &ViewerHandle, url: &Url) -> Response<Vec<u8>> {
    let fail = |status: StatusCode, msg: String| {
        Response::builder()
            .status(status)
            .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
            .header(header::CONTENT_SECURITY_POLICY, ITEM_CSP)
            .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
            .body(msg.into_bytes())
            .unwrap_or_default()
    };
    let Some(ask) = parse_item_url(url) else {
        return fail(StatusCode::NOT_FOUND, "no such item resource".into());
    };
    let Some(v) = viewer.read().unwrap_or_else(|e| e.into_inner()).clone() else {
        return fail(StatusCode::CONFLICT, "no matter is open".into());
    };
    let result = match &ask {
        ItemAsk::Original(id) => v.original(id).map(|(_, bytes)| ("application/octet-stream", bytes)),
        ItemAsk::Page(id, n, scale) => v.page_png(id, *n, *scale).map(|png| ("image/png", png)),
    };
    match result {
        Ok((ct, bytes)) => {
            let mut b = Response::builder()
                .header(header::CONTENT_TYPE, ct)
                .header(header::CONTENT_SECURITY_POLICY, ITEM_CSP)
                .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
                .header(header::CACHE_CONTROL, "no-store");
            if matches!(ask, ItemAsk::Original(_)) {
                b = b.header(header::CONTENT_DISPOSITION, "attachment");
            }
            b.body(bytes).unwrap_or_default()
        }
        Err(e) => {
            let e = ApiError::from(e);
            let status = if e.code == ErrorCode::NoItem { StatusCode::NOT_FOUND } else { StatusCode::UNPROCESSABLE_ENTITY };
            fail(status, e.message)
        }
    }
}

/// The only origins the main webview may show: the app's own bundled assets
/// (`tauri://localhost` on Linux/macOS, `http(s)://tauri.localhost` on Windows), and the
/// `about:srcdoc` documents of the sandboxed message-body iframe (content given inline, no load).
fn is_app_url(url: &Url) -> bool {
    match url.scheme() {
        "tauri" => url.host_str() == Some("localhost"),
        "http" | "https" => url.host_str() == Some("tauri.localhost"),
        "about" => matches!(url.path(), "srcdoc" | "blank"),
        _ => false,
    }
}

fn initial_router() -> Router {
    let mut router = match std::env::var_os("EXHIBIT_MATTER") {
        Some(dir) => Router::open(&dir).unwrap_or_else(|e| {
            eprintln!("exhibit-desktop: could not open the matter in EXHIBIT_MATTER: {e}");
            Router::default()
        }),
        None => Router::default(),
    };
    // Who acts: EXHIBIT_ACTOR if set, else the account running the app.
    router.session().set_actor(std::env::var("EXHIBIT_ACTOR").ok().as_deref());
    router
}

fn main() {
    let shell = Arc::new(Shell::new(initial_router()));
    let viewer = shell.viewer.clone();
    tauri::Builder::default()
        // Registered for its Rust API only (`pick`); no capability grants the webview any of
        // its own commands. Its init script swaps window.alert/confirm for those commands, so
        // they do nothing here; the UI uses its own dialogs. The opener plugin is not
        // registered at all: `open_external` and `open_production_folder` call its plain
        // functions.
        .plugin(tauri_plugin_dialog::init())
        .manage(shell)
        .invoke_handler(tauri::generate_handler![rpc, pick, open_external, open_production_folder])
        .on_window_event(|window, event| on_window_event(window.app_handle(), event))
        .register_asynchronous_uri_scheme_protocol("exhibit", move |_ctx, request, responder| {
            let viewer = viewer.clone();
            let url = Url::parse(&request.uri().to_string());
            std::thread::spawn(move || {
                let resp = match url {
                    Ok(url) => item_response(&viewer, &url),
                    Err(_) => Response::builder().status(StatusCode::BAD_REQUEST).body(Vec::new()).unwrap_or_default(),
                };
                responder.respond(resp);
            });
        })
        .setup(|app| {
            // The window is declared in tauri.conf.json with `create: false` so that it can be
            // built here with a navigation lock: anything outside the app's origin is refused.
            let config =
                app.config().app.windows.iter().find(|w| w.label == "main").cloned().ok_or("tauri.conf.json declares no `main` window")?;
            WebviewWindowBuilder::from_config(app.handle(), &config)?.on_navigation(is_app_url).build()?;
            Ok(())
        })
        .run(tauri::generate_context!())
        .expect("error while running the Exhibit desktop shell");
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn empty() -> Shell {
        Shell::new(Router::default())
    }

    /// The `rpc` command's path without Tauri: decode, then dispatch.
    fn call(shell: &Shell, request: Value) -> Result<Value, ErrorDto> {
        dispatch(shell, Request::from_json(request)?)
    }

    #[test]
    fn ping_returns_version() {
        let v = call(&empty(), json!({ "method": "ping" })).unwrap();
        assert_eq!(v["ok"], true);
    }

    #[test]
    fn unknown_method_is_an_error() {
        let e = call(&empty(), json!({ "method": "nope", "params": {} })).unwrap_err();
        assert_eq!(e.code, ErrorCode::UnknownMethod);
    }

    #[test]
    fn malformed_request_is_bad_request() {
        assert_eq!(call(&empty(), json!({ "params": 1 })).unwrap_err().code, ErrorCode::BadRequest);
        assert_eq!(call(&empty(), json!("ping")).unwrap_err().code, ErrorCode::BadRequest);
    }

    #[test]
    fn the_library_api_is_reachable() {
        let s = empty();
        assert_eq!(call(&s, json!({ "method": "status" })).unwrap_err().code, ErrorCode::NoMatterOpen);
        let dir = tempfile_dir();
        let v = call(&s, json!({ "method": "create_matter", "params": { "dir": dir, "name": "Desk" } })).unwrap();
        assert_eq!(v["name"], "Desk");
        let v = call(&s, json!({ "method": "ingest_progress" })).unwrap();
        assert_eq!(v["running"], false);
        let v = call(&s, json!({ "method": "cancel_ingest" })).unwrap();
        assert_eq!(v["cancelling"], false);
        let _ = std::fs::remove_dir_all(&dir);
    }

    fn tempfile_dir() -> String {
        let d = std::env::temp_dir().join(format!("exhibit-desktop-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d.display().to_string()
    }

    #[test]
    fn item_urls_name_items_by_id_only() {
        let p = |s: &str| parse_item_url(&Url::parse(s).unwrap());
        assert_eq!(p("exhibit://localhost/item%2F12%2Fpage%2F0?scale=2"), Some(ItemAsk::Page("12".into(), 0, 2.0)));
        assert_eq!(p("exhibit://item/EXH-0000012/original"), Some(ItemAsk::Original("EXH-0000012".into())));
        assert_eq!(p("http://exhibit.localhost/item/3/page/1"), Some(ItemAsk::Page("3".into(), 1, 1.5)));
        assert_eq!(p("exhibit://localhost/%2Fetc%2Fpasswd"), None);
        assert_eq!(p("exhibit://localhost/item%2F..%2F..%2Fetc%2Foriginal"), None);
        assert_eq!(p("exhibit://localhost/item/1/page/x"), None);
    }

    #[test]
    fn navigation_is_locked_to_the_app() {
        let ok = |s: &str| is_app_url(&Url::parse(s).unwrap());
        assert!(ok("tauri://localhost/index.html"));
        assert!(ok("http://tauri.localhost/"));
        assert!(ok("https://tauri.localhost/"));
        assert!(ok("about:srcdoc"));
        assert!(!ok("https://example.com/"));
        assert!(!ok("http://tauri.localhost.evil.com/"));
        assert!(!ok("file:///etc/passwd"));
        assert!(!ok("tauri://evil/"));
        assert!(!ok("javascript:alert(1)"));
        assert!(!ok("exhibit://localhost/item%2F1%2Foriginal"));
    }
}
