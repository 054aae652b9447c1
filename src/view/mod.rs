//! What the review UI needs beyond the core API: safe views of untrusted content.
//!
//! * [`sanitize_html`]: an HTML email body or HTML file, cleaned with ammonia so that nothing in it
//!   can run (no scripts, event handlers, `javascript:` URLs, styles) or fetch anything (every
//!   `src` and link target is removed and counted). The UI then shows it in a sandboxed iframe.
//! * [`Viewer::original`] and [`Viewer::page_png`]: an item's original bytes and its PDF pages as
//!   PNG images, looked up by item id or control number, never by path. Transports serve them
//!   with `Content-Security-Policy: sandbox` and `nosniff`.
//! * [`Router`]: the one dispatch every transport calls — the core [`api::Request`] first, then
//!   [`api::ViewRequest`], so the HTTP server and the desktop shell stay decode/call/encode only.
//!
//! The viewer opens its own read-only SQLite connection per call, so it can serve page images
//! while a long request (an ingest) holds the session.

pub mod api;

use crate::api::{ApiError, Request, Session};
use crate::error::{Error, Result};
use crate::ingest::IngestProgress;
use crate::store::blobs::BlobStore;
use rusqlite::{Connection, OpenFlags};
use serde::Serialize;
use serde_json::{json, Value};
use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use ts_rs::TS;

pub use api::ViewRequest;

/// Sanitized HTML and what was taken out of it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, TS)]
pub struct SafeHtml {
    /// Clean HTML: no scripts, handlers, styles, forms, frames, or remote references.
    pub html: String,
    /// How many `src` references (images, media) were removed so that nothing loads.
    pub blocked_loads: usize,
    /// Link targets removed from `<a href>`; the UI lists them so a reviewer can copy one.
    pub links: Vec<String>,
}

/// Cleans untrusted HTML for display. Nothing in the result can execute or load a resource.
pub fn sanitize_html(src: &str) -> SafeHtml {
    let blocked = Arc::new(AtomicUsize::new(0));
    let links = Arc::new(Mutex::new(Vec::new()));
    let (b2, l2) = (blocked.clone(), links.clone());
    let html = {
        let mut b = ammonia::Builder::default();
        b.rm_tags(["img"]) // re-added below without its src
            .add_tags(["img"])
            .url_relative(ammonia::UrlRelative::Deny)
            .link_rel(None)
            .strip_comments(true)
            .attribute_filter(move |el, attr, value| match (el, attr) {
                // Anything that names a resource to fetch goes; links keep their text only.
                (_, "src" | "srcset" | "background" | "poster" | "cite" | "longdesc" | "usemap") => {
                    b2.fetch_add(1, Ordering::Relaxed);
                    None
                }
                ("a", "href") => {
                    l2.lock().unwrap_or_else(|e| e.into_inner()).push(value.to_string());
                    None
                }
                _ => Some(Cow::Borrowed(value)),
            });
        b.clean(src).to_string()
    };
    let links = std::mem::take(&mut *links.lock().unwrap_or_else(|e| e.into_inner()));
    SafeHtml { html, blocked_loads: blocked.load(Ordering::Relaxed), links }
}

/// The rendered form of an item for the viewer.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ItemBody {
    pub id: i64,
    pub kind: String,
    pub mime: String,
    /// Sanitized HTML body, when the item has one (an HTML email or an HTML file).
    pub html: Option<SafeHtml>,
    /// Number of pages that [`Viewer::page_png`] can render (PDFs), else 0.
    pub page_count: usize,
}

/// Read-only access to a matter's items and originals, for viewing.
#[derive(Debug, Clone)]
pub struct Viewer {
    dir: PathBuf,
    blobs: BlobStore,
}

/// The row the viewer needs about an item.
struct Row {
    id: i64,
    kind: String,
    mime: String,
    sha256: String,
}

impl Viewer {
    pub fn open(dir: impl AsRef<Path>) -> Result<Viewer> {
        let dir = dir.as_ref().to_path_buf();
        if !dir.join("exhibit.db").exists() {
            return Err(Error::NoMatter(dir));
        }
        Ok(Viewer { blobs: BlobStore::new(dir.join("blobs")), dir })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn db(&self) -> Result<Connection> {
        let db =
            Connection::open_with_flags(self.dir.join("exhibit.db"), OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
        db.busy_timeout(std::time::Duration::from_secs(10))?;
        crate::store::keep_temp_in_memory(&db)?;
        Ok(db)
    }

    fn row(&self, key: &str) -> Result<Row> {
        let db = self.db()?;
        let id = crate::store::items::resolve(&db, key)?;
        Ok(db.query_row("SELECT id, kind, mime, sha256 FROM item WHERE id = ?1", [id], |r| {
            Ok(Row { id: r.get(0)?, kind: r.get(1)?, mime: r.get(2)?, sha256: r.get(3)? })
        })?)
    }

    /// The id of the item `key` (an id or a control number) names in this matter.
    pub fn item_id(&self, key: &str) -> Result<i64> {
        crate::store::items::resolve(&self.db()?, key)
    }

    /// The original bytes of an item and its MIME type.
    pub fn original(&self, key: &str) -> Result<(String, Vec<u8>)> {
        let row = self.row(key)?;
        let bytes = self.blobs.read(&row.sha256)?;
        Ok((row.mime, bytes))
    }

    /// What the viewer shows besides the extracted text: a sanitized HTML body, a page count.
    pub fn body(&self, key: &str) -> Result<ItemBody> {
        let row = self.row(key)?;
        let bytes = self.blobs.read(&row.sha256)?;
        let html = if row.kind == "email" || row.mime == "message/rfc822" {
            mail_parser::MessageParser::default()
                .parse(&bytes[..])
                .and_then(|m| {
                    // Only a real text/html part, not mail-parser's conversion of a plain body.
                    let has_html = m
                        .html_body
                        .iter()
                        .any(|&i| m.parts.get(i as usize).is_some_and(|p| matches!(p.body, mail_parser::PartType::Html(_))));
                    if has_html {
                        m.body_html(0).map(|h| h.into_owned())
                    } else {
                        None
                    }
                })
                .map(|h| sanitize_html(&h))
        } else if row.mime == "text/html" || row.kind == "html" {
            Some(sanitize_html(&String::from_utf8_lossy(&bytes)))
        } else {
            None
        };
        let page_count = if is_pdf(&row.mime, &bytes) { pdf_page_count(&bytes) } else { 0 };
        Ok(ItemBody { id: row.id, kind: row.kind, mime: row.mime, html, page_count })
    }

    /// Renders page `page` (0-based) of a PDF item as PNG at `scale` (1.0 = 72 dpi).
    pub fn page_png(&self, key: &str, page: usize, scale: f32) -> Result<Vec<u8>> {
        let row = self.row(key)?;
        let bytes = self.blobs.read(&row.sha256)?;
        if !is_pdf(&row.mime, &bytes) {
            return Err(Error::Invalid(format!("item {} is not a PDF, so it has no page images", row.id)));
        }
        render_pdf_page(bytes, page, scale)
    }
}

fn is_pdf(mime: &str, bytes: &[u8]) -> bool {
    mime == "application/pdf" || bytes.starts_with(b"%PDF")
}

fn pdf_page_count(bytes: &[u8]) -> usize {
    hayro::hayro_syntax::Pdf::new(bytes.to_vec()).map(|p| p.pages().len()).unwrap_or(0)
}

/// Rasterizes one page with hayro (pure Rust; nothing in the PDF is executed).
pub fn render_pdf_page(bytes: Vec<u8>, page: usize, scale: f32) -> Result<Vec<u8>> {
    use hayro::hayro_interpret::InterpreterSettings;
    use hayro::vello_cpu::color::palette::css::WHITE;
    use hayro::{PixmapSettings, RenderCache, RenderSettings};
    let scale = scale.clamp(0.25, 4.0);
    let pdf = hayro::hayro_syntax::Pdf::new(bytes).map_err(|e| Error::Invalid(format!("this PDF cannot be rendered: {e:?}")))?;
    let pages = pdf.pages();
    let p = pages.get(page).ok_or_else(|| Error::Invalid(format!("no page {} (the PDF has {} pages)", page + 1, pages.len())))?;
    // A page can be malformed in ways that make the renderer panic: contain that to this call.
    let png = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let cache = RenderCache::new();
        let pixmap = hayro::render(
            p,
            &cache,
            &InterpreterSettings::default(),
            &RenderSettings::default(),
            &PixmapSettings { x_scale: scale, y_scale: scale, bg_color: WHITE },
        );
        pixmap.into_png()
    }))
    .map_err(|_| Error::Invalid(format!("page {} could not be rendered", page + 1)))?;
    png.map_err(|e| Error::Invalid(format!("page {} could not be encoded: {e:?}", page + 1)))
}

/// What a long request (an ingest) has done so far, for a progress panel that polls.
#[derive(Debug, Clone, Default, Serialize, TS)]
pub struct ProgressState {
    /// Whether a long request is running now.
    pub running: bool,
    pub method: Option<String>,
    pub progress: Option<IngestProgress>,
}

/// A shared progress slot: the transport's request thread writes it, a poll reads it.
///
/// It also holds the stop flag of the long request in flight, so that a `cancel_ingest`
/// request can reach a running ingest without the session lock that the ingest holds. Every
/// long request gets a fresh flag, so a cancel that arrives late never stops the next one.
#[derive(Debug, Clone, Default)]
pub struct ProgressSlot(Arc<Mutex<Slot>>);

#[derive(Debug, Default)]
struct Slot {
    state: ProgressState,
    cancel: Option<Arc<AtomicBool>>,
}

impl ProgressSlot {
    pub fn snapshot(&self) -> ProgressState {
        self.lock().state.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Slot> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn set(&self, f: impl FnOnce(&mut ProgressState)) {
        f(&mut self.lock().state)
    }

    /// Marks a long request as started and hands out its stop flag.
    fn begin(&self, method: String) -> Arc<AtomicBool> {
        let flag = Arc::new(AtomicBool::new(false));
        let mut slot = self.lock();
        slot.state = ProgressState { running: true, method: Some(method), progress: None };
        slot.cancel = Some(flag.clone());
        flag
    }

    fn end(&self) {
        let mut slot = self.lock();
        slot.state.running = false;
        slot.cancel = None;
    }

    /// Asks the long request in flight to stop. True when one was running; false when there
    /// was nothing to cancel (it had already finished, or had not yet started).
    pub fn request_cancel(&self) -> bool {
        match &self.lock().cancel {
            Some(flag) => {
                flag.store(true, Ordering::Relaxed);
                true
            }
            None => false,
        }
    }

    /// Answers the requests that must not wait for the session: `ingest_progress` and
    /// `cancel_ingest`. `None` for everything else, which goes to [`Router::handle_tracked`].
    /// Transports call this before they take the router's lock, because a running ingest holds
    /// that lock until it ends.
    pub fn answer_beside(&self, request: &Value) -> Option<Value> {
        match request.get("method").and_then(Value::as_str)? {
            "ingest_progress" => Some(serde_json::to_value(self.snapshot()).unwrap_or_default()),
            "cancel_ingest" => Some(serde_json::to_value(api::CancelAnswer { cancelling: self.request_cancel() }).unwrap_or_default()),
            _ => None,
        }
    }
}

/// Requests that report progress while they run (a transport may push their progress to the
/// UI as events while they do).
pub fn is_long(method: &str) -> bool {
    method == "ingest"
}

/// A shared handle to the viewer of the open matter, for routes that serve bytes (page images,
/// originals) without waiting for the session.
pub type ViewerHandle = Arc<RwLock<Option<Viewer>>>;

/// The one dispatch every transport calls: decode, run, encode.
pub struct Router {
    session: Session,
    viewer: ViewerHandle,
}

impl Default for Router {
    fn default() -> Self {
        Router { session: Session::default(), viewer: Arc::new(RwLock::new(None)) }
    }
}

fn api_err(code: &str, message: impl Into<String>) -> ApiError {
    ApiError { code: code.into(), message: message.into() }
}

impl Router {
    /// A router with this matter open. Unlike the `open_matter` request it computes no status,
    /// so a transport started on a large matter is ready as soon as the matter is open.
    pub fn open(dir: impl AsRef<Path>) -> std::result::Result<Router, ApiError> {
        let matter = crate::Matter::open(dir.as_ref())?;
        let viewer = Viewer::open(matter.dir())?;
        Ok(Router { session: Session::with_matter(matter), viewer: Arc::new(RwLock::new(Some(viewer))) })
    }

    pub fn viewer_handle(&self) -> ViewerHandle {
        self.viewer.clone()
    }

    /// Handles a JSON request `{method, params}`: a core request, else a view request.
    pub fn handle(&mut self, request: Value, progress: &mut dyn FnMut(&IngestProgress)) -> std::result::Result<Value, ApiError> {
        self.handle_cancellable(request, progress, Arc::default())
    }

    /// [`Router::handle`] with a stop flag that a long request (an ingest) checks as it goes.
    pub fn handle_cancellable(
        &mut self,
        request: Value,
        progress: &mut dyn FnMut(&IngestProgress),
        cancel: Arc<AtomicBool>,
    ) -> std::result::Result<Value, ApiError> {
        let method = match request.get("method").and_then(Value::as_str) {
            Some(m) => m.to_string(),
            None => return Err(api_err("bad_request", "a request is {\"method\": \"...\", \"params\": {...}}")),
        };
        // `{"method": "status", "params": {}}` and `{"method": "status"}` mean the same; serde
        // wants no content for a variant without fields, so empty params are dropped.
        let mut request = request;
        if request.get("params").is_some_and(|p| p.is_null() || p.as_object().is_some_and(|o| o.is_empty())) {
            let without: Value = json!({ "method": method });
            if serde_json::from_value::<Request>(without.clone()).is_ok() || serde_json::from_value::<ViewRequest>(without.clone()).is_ok()
            {
                request = without;
            }
        }
        let core_err = match serde_json::from_value::<Request>(request.clone()) {
            Ok(req) => return self.run(req, progress, cancel),
            Err(e) => e,
        };
        match serde_json::from_value::<ViewRequest>(request) {
            Ok(req) => self.handle_view(req),
            Err(view_err) => {
                let unknown = |e: &serde_json::Error| e.to_string().starts_with("unknown variant");
                if unknown(&core_err) && unknown(&view_err) {
                    Err(api_err("unknown_method", format!("unknown method: {method} (not available in this version)")))
                } else if unknown(&core_err) {
                    Err(api_err("bad_request", format!("invalid parameters for {method}: {view_err}")))
                } else {
                    Err(api_err("bad_request", format!("invalid parameters for {method}: {core_err}")))
                }
            }
        }
    }

    /// [`Router::handle`], recording a long request's progress in `slot` for pollers.
    pub fn handle_tracked(&mut self, request: Value, slot: &ProgressSlot) -> std::result::Result<Value, ApiError> {
        let method = request.get("method").and_then(Value::as_str).unwrap_or("").to_string();
        if !is_long(&method) {
            return self.handle(request, &mut |_| {});
        }
        let cancel = slot.begin(method);
        let out = self.handle_cancellable(request, &mut |p| slot.set(|s| s.progress = Some(p.clone())), cancel);
        slot.end();
        out
    }

    /// Handles a decoded core request, tracking which matter is open for the viewer.
    pub fn handle_request(&mut self, req: Request, progress: &mut dyn FnMut(&IngestProgress)) -> std::result::Result<Value, ApiError> {
        self.run(req, progress, Arc::default())
    }

    fn run(
        &mut self,
        req: Request,
        progress: &mut dyn FnMut(&IngestProgress),
        cancel: Arc<AtomicBool>,
    ) -> std::result::Result<Value, ApiError> {
        let opens = matches!(req, Request::OpenMatter { .. } | Request::CreateMatter { .. });
        let out = self.session.handle_cancellable(req, progress, cancel)?;
        if opens {
            if let Some(dir) = out.get("matter").and_then(Value::as_str) {
                let v = Viewer::open(dir).map_err(ApiError::from)?;
                *self.viewer.write().unwrap_or_else(|e| e.into_inner()) = Some(v);
            }
        }
        Ok(out)
    }

    fn viewer(&self) -> std::result::Result<Viewer, ApiError> {
        self.viewer
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
            .ok_or_else(|| api_err("no_matter_open", "no matter is open: create or open one first"))
    }

    fn handle_view(&mut self, req: ViewRequest) -> std::result::Result<Value, ApiError> {
        api::handle(&self.viewer()?, req)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_html_is_defanged() {
        let s = sanitize_html(
            r#"<p onclick="x()">Hello <b>there</b></p><script>alert(1)</script>
            <img src="http://tracker.example/p.gif" onerror="alert(2)" alt="px">
            <a href="javascript:alert(3)">click</a> <a href="https://example.com/">site</a>
            <style>body{background:url(http://evil.example/leak)}</style>
            <div style="background:url(http://evil.example/x)">styled</div>
            <iframe src="http://evil.example"></iframe><form action="http://evil.example"><input></form>"#,
        );
        let h = &s.html;
        for bad in ["script", "onerror", "onclick", "javascript:", "http://", "https://", "url(", "style=", "<style", "iframe", "form"] {
            assert!(!h.contains(bad), "{bad} survived: {h}");
        }
        assert!(h.contains("Hello <b>there</b>") && h.contains("styled") && h.contains(">click</a>"));
        assert!(s.blocked_loads >= 1);
        // ammonia drops the javascript: URL before the filter sees it.
        assert_eq!(s.links, vec!["https://example.com/".to_string()]);
    }

    #[test]
    fn unknown_methods_and_bad_params_are_told_apart() {
        let mut r = Router::default();
        let e = r.handle(serde_json::json!({"method": "frobnicate", "params": {}}), &mut |_| {}).unwrap_err();
        assert_eq!(e.code, "unknown_method");
        let e = r.handle(serde_json::json!({"method": "search", "params": {"limit": 3}}), &mut |_| {}).unwrap_err();
        assert_eq!(e.code, "bad_request");
        let e = r.handle(serde_json::json!({"method": "item_body", "params": {}}), &mut |_| {}).unwrap_err();
        assert_eq!(e.code, "bad_request");
        let e = r.handle(serde_json::json!({"method": "item_body", "params": {"id": "1"}}), &mut |_| {}).unwrap_err();
        assert_eq!(e.code, "no_matter_open");
        let v = r.handle(serde_json::json!({"method": "ping"}), &mut |_| {}).unwrap();
        assert_eq!(v["ok"], true);
        let v = r.handle(serde_json::json!({"method": "ping", "params": {}}), &mut |_| {}).unwrap();
        assert_eq!(v["ok"], true);
    }

    #[test]
    fn a_cancel_reaches_only_the_long_request_in_flight() {
        let slot = ProgressSlot::default();
        let ask = |m: &str| slot.answer_beside(&serde_json::json!({ "method": m }));
        // Nothing running: nothing to cancel, and no flag is left set for the next ingest.
        assert_eq!(ask("cancel_ingest").unwrap()["cancelling"], false);
        let flag = slot.begin("ingest".into());
        assert!(!flag.load(Ordering::Relaxed));
        assert_eq!(ask("ingest_progress").unwrap()["running"], true);
        assert_eq!(ask("cancel_ingest").unwrap()["cancelling"], true);
        assert!(flag.load(Ordering::Relaxed));
        slot.end();
        assert_eq!(ask("cancel_ingest").unwrap()["cancelling"], false);
        assert!(!slot.begin("ingest".into()).load(Ordering::Relaxed), "a new request starts un-cancelled");
        assert!(ask("status").is_none() && ask("ingest").is_none());
    }
}
