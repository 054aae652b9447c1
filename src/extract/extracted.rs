//! What an extractor reports: the text and metadata of one file ([`Extracted`], [`Meta`]),
//! the children it found ([`Embedded`]), or the [`Problem`] that stopped it. Every format
//! module and the dispatcher share these types; they live apart from the dispatcher so the
//! formats do not import the file that imports them.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What went wrong with one file, in words a lawyer understands.
///
/// `code` is stable (scripts and tests match on it); `reason` is for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// Pipeline stage: `read`, `detect`, `extract`, `expand`, `store`.
    pub stage: String,
    /// Stable machine code, e.g. `pdf_encrypted`, `zip_truncated`, `timeout`.
    pub code: String,
    /// Plain words, e.g. "encrypted PDF: a password is required".
    pub reason: String,
}

impl Problem {
    pub fn new(stage: &str, code: &str, reason: impl Into<String>) -> Self {
        Problem { stage: stage.into(), code: code.into(), reason: reason.into() }
    }
    /// A failure while extracting text.
    pub fn extract(code: &str, reason: impl Into<String>) -> Self {
        Problem::new("extract", code, reason)
    }
}

/// Descriptive metadata of an item, as far as its format tells.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Meta {
    /// Document title, or an email's subject.
    pub title: Option<String>,
    /// Author (documents) or sender (`From`, as written: `Name <addr>`).
    pub author: Option<String>,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub bcc: Vec<String>,
    /// Sent date for email; creation date for documents. RFC 3339, UTC.
    pub date: Option<String>,
    /// Last modification date for documents. RFC 3339, UTC.
    pub modified: Option<String>,
    pub message_id: Option<String>,
    pub in_reply_to: Option<String>,
    pub references: Vec<String>,
    /// Everything else worth keeping (PDF Info keys, producer, sheet names, ...).
    pub extra: BTreeMap<String, String>,
}

/// How a child relates to the item that contained it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    /// An email attachment (or an embedded message): a member of the parent's family.
    Attachment,
    /// A file inside an archive or a message in an mbox: a family of its own, whose
    /// provenance path runs through the container.
    Entry,
}

/// A child found inside a file: attachment bytes, archive member, mbox message.
#[derive(Debug, Clone)]
pub struct Embedded {
    /// File name (attachments) or path inside the container (archive entries).
    pub name: String,
    pub bytes: Vec<u8>,
    pub relation: Relation,
}

/// What an extractor found in one file.
#[derive(Debug, Clone, Default)]
pub struct Extracted {
    /// The extracted text; `None` when the format carries none (a container, an image).
    pub text: Option<String>,
    /// Character offsets (in `text`, counted in `char`s) where each page starts. Empty for
    /// formats without pages. `pages.len()` is the page count.
    pub pages: Vec<usize>,
    pub meta: Meta,
    /// Which extractor produced the text, e.g. `pdf-extract+layout`, `mail-parser`.
    pub extractor: String,
    pub children: Vec<Embedded>,
    /// For emails: the duplicate key and near-duplicate group (`extract::email_key`), so the
    /// same message found in two mailboxes (with different transport headers) is one item.
    pub dedupe_key: Option<String>,
    /// A non-fatal problem: the text is partial, or some children could not be read.
    pub warning: Option<Problem>,
    /// Glyph boxes for PDFs (page, char offset, box), kept for placing redactions on page
    /// images later. Serialized as JSON by the PDF extractor; opaque to everyone else.
    pub layout: Option<String>,
    /// The exact bytes of a child's name (by index in `children`) where they differ from its
    /// readable `name`: a zip member named in CP437 (see `extract::names`).
    pub raw_names: BTreeMap<usize, Vec<u8>>,
}
