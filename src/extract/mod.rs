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
pub mod detect;
pub mod email;
pub mod email_key;
pub mod extracted;
pub mod html;
pub mod loadfile;
pub mod names;
pub mod office;
pub mod pages;
pub mod pdf;
mod pdf_glyphs;
pub mod text;

use detect::Kind;

pub use extracted::{Embedded, Extracted, Meta, Problem, Relation};

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
    /// The exact bytes of the name, where they differ from `name` (see `extract::names`).
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
