//! Turning the bytes of one file into text, metadata and embedded children.
//!
//! Every format has its own module with one entry point of the same shape:
//! `fn extract(bytes: &[u8], name: &str) -> Result<Extracted, Problem>`. An extractor never
//! touches the matter: it only reads the bytes it is given and reports what it found. The
//! [`extract_tree`] dispatcher detects the type, calls the right extractor, and recurses into
//! the children it reports (email attachments, archive entries) under one [`Budget`], so a
//! zip bomb or a mail nested a thousand deep becomes a [`Problem`], not an outage.
//!
//! Extractors run inside a worker process (see `ingest::worker`): a panic, a hang or runaway
//! memory in any of them kills only that worker, and the file becomes an error record.

pub mod archive;
pub mod email;
pub mod html;
pub mod office;
pub mod pdf;
pub mod text;

use crate::ingest::detect::{self, Kind};
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
    /// For emails: the duplicate key and near-duplicate group (`ingest::email_key`), so the
    /// same message found in two mailboxes (with different transport headers) is one item.
    pub dedupe_key: Option<String>,
    /// A non-fatal problem: the text is partial, or some children could not be read.
    pub warning: Option<Problem>,
    /// Glyph boxes for PDFs (page, char offset, box), kept for placing redactions on page
    /// images later. Serialized as JSON by the PDF extractor; opaque to everyone else.
    pub layout: Option<String>,
    /// The exact bytes of a child's name (by index in `children`) where they differ from its
    /// readable `name`: a zip member named in CP437 (see `ingest::names`).
    pub raw_names: BTreeMap<usize, Vec<u8>>,
}

/// Limits on how much one top-level file may expand into.
#[derive(Debug, Clone)]
pub struct Budget {
    /// Bytes of children still allowed across the whole tree.
    pub bytes_left: u64,
    /// Children still allowed across the whole tree.
    pub items_left: u64,
    /// Deepest nesting allowed (zip in zip in mail ...).
    pub max_depth: u32,
}

impl Default for Budget {
    fn default() -> Self {
        Budget { bytes_left: 2 << 30, items_left: 100_000, max_depth: 12 }
    }
}

/// One node of an extracted tree: the file itself and, recursively, what it contained.
#[derive(Debug, Clone)]
pub struct Node {
    pub name: String,
    /// The exact bytes of the name, where they differ from `name` (see `ingest::names`).
    pub raw_name: Option<Vec<u8>>,
    pub bytes: Vec<u8>,
    pub kind: Kind,
    pub mime: String,
    pub relation: Option<Relation>,
    /// `Ok` with the extraction, or the problem that stopped it. A failed node is still kept
    /// (its original is stored), so bad input never loses data.
    pub result: Result<Extracted, Problem>,
    pub children: Vec<Node>,
}

/// Detects the type of `bytes`, extracts it, and recurses into its children.
pub fn extract_tree(bytes: Vec<u8>, name: &str, budget: &mut Budget) -> Node {
    extract_node(bytes, name, None, None, budget, 0)
}

fn extract_node(
    bytes: Vec<u8>,
    name: &str,
    raw_name: Option<Vec<u8>>,
    relation: Option<Relation>,
    budget: &mut Budget,
    depth: u32,
) -> Node {
    let (kind, mime) = detect::detect(&bytes, name);
    let mut result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| extract_kind(kind, &bytes, name))).unwrap_or_else(|_| {
        Err(Problem::extract(
            "extractor_panic",
            format!("the {} could not be read: the extractor failed on its structure", detect::describe(kind, name)),
        ))
    });
    let mut children = Vec::new();
    if let Ok(ex) = &mut result {
        let mut raw_names = std::mem::take(&mut ex.raw_names);
        for (i, child) in std::mem::take(&mut ex.children).into_iter().enumerate() {
            if depth + 1 > budget.max_depth {
                ex.warning = Some(Problem::new(
                    "expand",
                    "too_deep",
                    format!("nested more than {} levels deep: inner items were not expanded", budget.max_depth),
                ));
                break;
            }
            let size = child.bytes.len() as u64;
            if size > budget.bytes_left || budget.items_left == 0 {
                ex.warning = Some(Problem::new(
                    "expand",
                    "expansion_limit",
                    "expands to more data than allowed (possible zip bomb): the remaining contents were not expanded",
                ));
                break;
            }
            budget.bytes_left -= size;
            budget.items_left -= 1;
            children.push(extract_node(child.bytes, &child.name, raw_names.remove(&i), Some(child.relation), budget, depth + 1));
        }
    }
    Node { name: name.to_string(), raw_name, bytes, kind, mime: mime.to_string(), relation, result, children }
}

/// Calls the extractor for `kind`. Types we keep but cannot read yield an `Extracted` with no
/// text and a `warning` saying why (status "no text").
pub fn extract_kind(kind: Kind, bytes: &[u8], name: &str) -> Result<Extracted, Problem> {
    match kind {
        Kind::Pdf => pdf::extract(bytes, name),
        Kind::Email => email::extract(bytes, name),
        Kind::Mbox => email::extract_mbox(bytes, name),
        Kind::Msg => email::extract_msg(bytes, name),
        Kind::Docx => office::extract_docx(bytes, name),
        Kind::Spreadsheet => office::extract_spreadsheet(bytes, name),
        Kind::Odt => office::extract_odt(bytes, name),
        Kind::Rtf => office::extract_rtf(bytes, name),
        Kind::Html => html::extract(bytes, name),
        Kind::Text => text::extract(bytes, name),
        Kind::Archive => archive::extract_zip(bytes, name),
        Kind::Other | Kind::ModelLog | Kind::ModelCall => Ok(no_text(kind, name)),
    }
}

/// An `Extracted` for a type we keep as an original but cannot read.
pub fn no_text(kind: Kind, name: &str) -> Extracted {
    let what = detect::describe(kind, name);
    Extracted {
        extractor: "none".into(),
        warning: Some(Problem::new(
            "extract",
            "unsupported_type",
            format!("{what}: no text can be extracted from this type; the original is kept"),
        )),
        ..Default::default()
    }
}
