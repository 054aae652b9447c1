//! Opening a link from a reviewed document in the system browser, never inside the app.
//!
//! The UI asks only after the reviewer confirmed a dialog that shows the full URL. This side
//! checks again, whatever the webview says: only `http`, `https` and `mailto` leave the app
//! (no `file:`, no custom schemes that would start another program, no `javascript:`).

use crate::ErrorDto;
use tauri::Url;

/// The longest URL handed to the system; longer ones are almost certainly not for a person.
const MAX_URL: usize = 8 * 1024;

/// Parses and checks a URL the reviewer asked to open; the URL to open, or why not.
pub fn checked(raw: &str) -> Result<Url, ErrorDto> {
    let refuse = |message: String| ErrorDto::new(exhibit::api::ErrorCode::LinkRefused, message);
    if raw.len() > MAX_URL {
        return Err(refuse("this link is too long to open safely; copy it instead".into()));
    }
    let url = Url::parse(raw.trim()).map_err(|e| refuse(format!("this is not a complete web address ({e}); copy it instead")))?;
    match url.scheme() {
        "http" | "https" if url.host_str().is_some_and(|h| !h.is_empty()) => Ok(url),
        "mailto" => Ok(url),
        "http" | "https" => Err(refuse("this web address names no site; copy it instead".into())),
        other => Err(refuse(format!(
            "Exhibit opens only web (http, https) and mail (mailto) links, not `{other}:` links; copy it if you need it"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_web_and_mail_links_leave_the_app() {
        for ok in ["https://example.com/a?b=c#d", "http://example.com", "mailto:someone@example.com?subject=hi", "  https://example.com/  "]
        {
            assert!(checked(ok).is_ok(), "{ok}");
        }
        for bad in [
            "javascript:alert(1)",
            "file:///etc/passwd",
            "data:text/html,<script>alert(1)</script>",
            "ftp://example.com/x",
            "vbscript:x",
            "smb://host/share",
            "tauri://localhost/",
            "exhibit://localhost/item%2F1%2Foriginal",
            "/relative/path",
            "example.com",
            "https://",
            "",
        ] {
            let e = checked(bad).unwrap_err();
            assert_eq!(e.code, "link_refused", "{bad}");
            assert!(e.message.contains("copy"), "{bad}: {}", e.message);
        }
        assert!(checked(&format!("https://example.com/{}", "a".repeat(MAX_URL))).is_err());
    }
}
