//! What a user asks of a production, and what it answers.

use super::gate::GateReport;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use ts_rs::TS;

/// How one document is produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
// Named apart in TypeScript from the redaction `Treatment` (what replaces a span), which the UI
// already imports under that name.
#[ts(rename = "ProductionTreatment")]
pub enum Treatment {
    /// Pages and text as they are.
    Produced,
    /// Pages with opaque boxes burned in, text with `[REDACTED – CODE]` markers, no native.
    Redacted,
    /// One slip sheet and a privilege-log row; nothing of its content.
    Withheld,
}

/// Which items to produce (their families come with them).
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Selection {
    /// A query in the search language.
    Query(String),
    /// Every item with this tag.
    Tag(String),
}

/// What to do with documents tagged privileged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Privileged {
    /// A slip sheet in its place and a privilege-log row (the default).
    #[default]
    Withhold,
    /// Produce it with its privileged passages redacted (they must be redacted already), and
    /// log it as redacted for privilege.
    Redact,
}

/// How pages are imaged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ImageProfile {
    /// One image-only PDF per document.
    #[default]
    Pdf,
    /// One file per page: a 300-dpi Group IV TIFF, or a JPEG for a page with colour.
    Tiff,
}

/// Which natives go with the images.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Natives {
    #[default]
    None,
    /// The original file of every document produced without redactions.
    Unredacted,
    /// Spreadsheets as natives (with a slip sheet), when they carry no redactions.
    AllSpreadsheets,
}

/// A deliberately broken writer, for the tests that prove the gate catches one. Not reachable
/// from the CLI or the API.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sabotage {
    /// Leave the first burned box of the production unburned.
    SkipOneBox,
    /// Write the unredacted text into the first redacted document's text file.
    LeakText,
}

#[derive(Debug, Clone)]
pub struct ProduceOptions {
    pub selection: Selection,
    /// Bates prefix, e.g. `ACME` (a `-` is added unless it ends in `-`, `_`, `.` or a space).
    pub prefix: String,
    /// The folder the production's own folder is created in.
    pub out: PathBuf,
    /// First Bates number; default: one after the matter's last production with this prefix.
    pub start: Option<u64>,
    pub digits: usize,
    pub volume: String,
    /// Endorsement stamped bottom left, e.g. "CONFIDENTIAL – SUBJECT TO PROTECTIVE ORDER".
    pub endorse: String,
    pub images: ImageProfile,
    pub natives: Natives,
    pub privileged: Privileged,
    pub dry_run: bool,
    #[doc(hidden)]
    pub sabotage: Option<Sabotage>,
}

impl ProduceOptions {
    pub fn new(selection: Selection, prefix: &str, out: impl Into<PathBuf>) -> ProduceOptions {
        ProduceOptions {
            selection,
            prefix: prefix.to_string(),
            out: out.into(),
            start: None,
            digits: 7,
            volume: "VOL001".into(),
            endorse: String::new(),
            images: ImageProfile::Pdf,
            natives: Natives::None,
            privileged: Privileged::Withhold,
            dry_run: false,
            sabotage: None,
        }
    }
}

/// One document as a dry run lists it.
#[derive(Debug, Clone, Serialize, TS)]
pub struct DryRunDoc {
    pub control: String,
    pub treatment: Treatment,
    pub pages: u64,
}

/// What `produce` answers (cli.md's fields, and the rest).
#[derive(Debug, Clone, Serialize, TS)]
pub struct ProductionReport {
    /// The production's name, e.g. `ACME001`.
    pub production: String,
    /// The production's folder.
    pub out: String,
    pub documents: u64,
    pub pages: u64,
    pub first_bates: String,
    pub last_bates: String,
    pub produced: u64,
    pub redacted: u64,
    pub withheld: u64,
    /// Items the selection matched, and family members added to keep families whole.
    pub selected: u64,
    pub added_for_families: u64,
    pub dry_run: bool,
    /// On a dry run: pages are estimated where the document is not a PDF (said per document).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub preview: Vec<DryRunDoc>,
    /// The verification gate's report (absent on a dry run).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub verification: Option<GateReport>,
    /// Seconds spent building, and in the gate.
    pub seconds: f64,
    pub gate_seconds: f64,
    /// Things a reader of the bundle should know (pages drawn from text because the PDF could
    /// not be drawn, characters no installed font has).
    pub notes: Vec<String>,
}
