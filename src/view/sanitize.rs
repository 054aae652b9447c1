//! Untrusted HTML made safe to show: [`sanitize_html`] cleans an HTML email body or HTML file
//! with ammonia so that nothing in it can run (no scripts, event handlers, `javascript:` URLs,
//! styles) or fetch anything (every `src` and link target is removed and counted). The UI then
//! shows it in a sandboxed iframe.

use serde::Serialize;
use std::borrow::Cow;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use ts_rs::TS;

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
}
