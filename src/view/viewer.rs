//! Read-only access to a matter's items for viewing: an item's original bytes, its PDF pages as
//! PNG images, and its sanitized HTML body, looked up by item id or control number, never by
//! path. Transports serve the bytes with `Content-Security-Policy: sandbox` and `nosniff`.
//!
//! The viewer opens its own read-only SQLite connection per call, so it can serve page images
//! while a long request (an ingest) holds the session.

use super::render::render_pdf_page;
use super::sanitize::{sanitize_html, SafeHtml};
use crate::error::{Error, Result};
use crate::store::blobs::BlobStore;
use rusqlite::{Connection, OpenFlags};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use ts_rs::TS;

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
            return Err(Error::NotPdf { item: row.id, consequence: "it has no page images" });
        }
        render_pdf_page(row.id, bytes, page, scale)
    }
}

fn is_pdf(mime: &str, bytes: &[u8]) -> bool {
    mime == "application/pdf" || bytes.starts_with(b"%PDF")
}

fn pdf_page_count(bytes: &[u8]) -> usize {
    hayro::hayro_syntax::Pdf::new(bytes.to_vec()).map(|p| p.pages().len()).unwrap_or(0)
}

/// A shared handle to the viewer of the open matter, for routes that serve bytes (page images,
/// originals) without waiting for the session.
pub type ViewerHandle = Arc<RwLock<Option<Viewer>>>;
