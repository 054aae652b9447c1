//! Exhibit desktop shell: a Tauri 2 window over the `exhibit` library.
//!
//! The webview talks to Rust through exactly one command, `rpc`, which takes a generic
//! `{ "method": ..., "params": ... }` request and answers JSON or an `{ code, message }` error.
//! For now only `ping` exists; the library's request/response API is wired in later.

// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use tauri::{Url, WebviewWindowBuilder};

/// Error shape returned to the frontend: a stable machine code plus a human message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ErrorDto {
    pub code: String,
    pub message: String,
}

impl ErrorDto {
    fn new(code: &str, message: impl Into<String>) -> Self {
        Self { code: code.to_string(), message: message.into() }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Request {
    method: String,
    #[serde(default)]
    params: Value,
}

/// Transport-independent dispatch, kept free of Tauri types so it can be unit-tested.
fn dispatch(request: Value) -> Result<Value, ErrorDto> {
    let Request { method, params: _params } = serde_json::from_value(request)
        .map_err(|e| ErrorDto::new("bad_request", format!("invalid request: {e}")))?;
    match method.as_str() {
        "ping" => Ok(json!({ "ok": true, "version": env!("CARGO_PKG_VERSION") })),
        other => Err(ErrorDto::new("unknown_method", format!("unknown method: {other}"))),
    }
}

/// The single IPC entry point exposed to the webview.
#[tauri::command]
fn rpc(request: Value) -> Result<Value, ErrorDto> {
    dispatch(request)
}

/// The only origins the main webview may show: the app's own bundled assets
/// (`tauri://localhost` on Linux/macOS, `http(s)://tauri.localhost` on Windows).
fn is_app_url(url: &Url) -> bool {
    match url.scheme() {
        "tauri" => url.host_str() == Some("localhost"),
        "http" | "https" => url.host_str() == Some("tauri.localhost"),
        _ => false,
    }
}

fn main() {
    tauri::Builder::default()
        .invoke_handler(tauri::generate_handler![rpc])
        .setup(|app| {
            // The window is declared in tauri.conf.json with `create: false` so that it can be
            // built here with a navigation lock: anything outside the app's origin is refused.
            let config = app
                .config()
                .app
                .windows
                .iter()
                .find(|w| w.label == "main")
                .cloned()
                .ok_or("tauri.conf.json declares no `main` window")?;
            WebviewWindowBuilder::from_config(app.handle(), &config)?
                .on_navigation(is_app_url)
                .build()?;
            Ok(())
        })
        .run(tauri::generate_context!())
        .expect("error while running the Exhibit desktop shell");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ping_returns_version() {
        let v = dispatch(json!({ "method": "ping" })).unwrap();
        assert_eq!(v, json!({ "ok": true, "version": env!("CARGO_PKG_VERSION") }));
    }

    #[test]
    fn unknown_method_is_an_error() {
        let e = dispatch(json!({ "method": "nope", "params": {} })).unwrap_err();
        assert_eq!(e.code, "unknown_method");
    }

    #[test]
    fn malformed_request_is_bad_request() {
        assert_eq!(dispatch(json!({ "params": 1 })).unwrap_err().code, "bad_request");
        assert_eq!(dispatch(json!("ping")).unwrap_err().code, "bad_request");
    }

    #[test]
    fn navigation_is_locked_to_the_app() {
        let ok = |s: &str| is_app_url(&Url::parse(s).unwrap());
        assert!(ok("tauri://localhost/index.html"));
        assert!(ok("http://tauri.localhost/"));
        assert!(ok("https://tauri.localhost/"));
        assert!(!ok("https://example.com/"));
        assert!(!ok("http://tauri.localhost.evil.com/"));
        assert!(!ok("file:///etc/passwd"));
        assert!(!ok("tauri://evil/"));
    }
}
