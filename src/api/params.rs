//! Each method's parameters, one struct per method (methods without any take `()`).
//!
//! These are the wire shape of `params` in `{"method": ..., "params": {...}}`: field names,
//! defaults and optionality are the contract the UI, the HTTP API and the end-to-end suites use,
//! so change them only together with those. `#[ts(optional)]` marks the fields a caller may
//! leave out (serde fills in the default), so the UI's generated types do not demand them.

use crate::index::Sort;
use crate::produce::{ImageProfile, Natives, Privileged};
use crate::redact::{RuleSpec, Treatment};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use ts_rs::TS;

fn default_limit() -> usize {
    50
}

/// `create_matter`: a new matter in `dir`, called `name`.
#[derive(Debug, Clone, Deserialize, Serialize, TS)]
pub struct CreateMatterParams {
    pub dir: PathBuf,
    pub name: String,
}

/// `open_matter`: the matter in `dir`.
#[derive(Debug, Clone, Deserialize, Serialize, TS)]
pub struct OpenMatterParams {
    pub dir: PathBuf,
}

/// `ingest`: files and folders to add, and whose they are.
#[derive(Debug, Clone, Deserialize, Serialize, TS)]
pub struct IngestParams {
    pub paths: Vec<PathBuf>,
    pub custodian: String,
}

/// `search`: a page of the items matching `query`.
#[derive(Debug, Clone, Deserialize, Serialize, TS)]
pub struct SearchParams {
    pub query: String,
    #[serde(default = "default_limit")]
    #[ts(as = "Option<_>", optional)]
    pub limit: usize,
    #[serde(default)]
    #[ts(as = "Option<_>", optional)]
    pub offset: usize,
    #[serde(default)]
    #[ts(as = "Option<_>", optional)]
    pub sort: Sort,
    /// Redacted mode: no result, count, title or snippet depends on a redacted value, and no
    /// hit offsets.
    #[serde(default)]
    #[ts(as = "Option<_>", optional)]
    pub redacted: bool,
}

/// `item`: one item; with `hits`, the character offsets of that query's hits in its text.
#[derive(Debug, Clone, Default, Deserialize, Serialize, TS)]
pub struct ItemParams {
    /// An item id (e.g. `12`) or a control number (e.g. `EXH-0000012`).
    pub id: String,
    #[serde(default)]
    #[ts(optional = nullable)]
    pub hits: Option<String>,
    /// The redacted view: text and every metadata string with redactions applied.
    #[serde(default)]
    #[ts(as = "Option<_>", optional)]
    pub redacted: bool,
}

/// `logs_analyze`: distillation analysis of the matter's model calls.
#[derive(Debug, Clone, Default, Deserialize, Serialize, TS)]
pub struct LogsAnalyzeParams {
    #[serde(default)]
    #[ts(as = "Option<_>", optional)]
    pub group_by: crate::modellogs::GroupBy,
    #[serde(default)]
    #[ts(optional = nullable)]
    pub suspect_outputs: Option<PathBuf>,
    /// Tag the calls of every flagged account.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub tag: Option<String>,
}

/// `logs_section`: the exposure report's model-log section, rendered in `format`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, TS)]
pub struct LogsSectionParams {
    #[serde(default)]
    #[ts(as = "Option<_>", optional)]
    pub group_by: crate::modellogs::GroupBy,
    #[serde(default)]
    #[ts(optional = nullable)]
    pub suspect_outputs: Option<PathBuf>,
    #[serde(default)]
    #[ts(as = "Option<_>", optional)]
    pub format: crate::assess::ReportFormat,
}

/// `logs_calls`: the calls of one analyzed group (an account, key, user or ip).
#[derive(Debug, Clone, Deserialize, Serialize, TS)]
pub struct LogsCallsParams {
    #[serde(default)]
    #[ts(as = "Option<_>", optional)]
    pub group_by: crate::modellogs::GroupBy,
    pub account: String,
}

/// `facets`: counts by facet over the items matching `query` (all items when empty).
#[derive(Debug, Clone, Default, Deserialize, Serialize, TS)]
pub struct FacetsParams {
    #[serde(default)]
    #[ts(as = "Option<_>", optional)]
    pub query: String,
}

/// `tag_add`, `tag_remove`: a tag, the items (ids/controls) or a query, and propagation.
#[derive(Debug, Clone, Default, Deserialize, Serialize, TS)]
pub struct Coding {
    pub tag: String,
    #[serde(default)]
    #[ts(as = "Option<_>", optional)]
    pub items: Vec<String>,
    #[serde(default)]
    #[ts(optional = nullable)]
    pub query: Option<String>,
    #[serde(default)]
    #[ts(as = "Option<_>", optional)]
    pub family: bool,
    #[serde(default)]
    #[ts(as = "Option<_>", optional)]
    pub duplicates: bool,
    /// `tag_add` only: create the tag if the matter has none of that name. Without it an
    /// unknown tag is refused (`not_found`), so a mistyped name never becomes a new tag.
    #[serde(default)]
    #[ts(as = "Option<_>", optional)]
    pub create: bool,
}

/// `note_add`: a note on an item.
#[derive(Debug, Clone, Deserialize, Serialize, TS)]
pub struct NoteAddParams {
    pub item: String,
    pub text: String,
}

/// `notes`: an item's notes.
#[derive(Debug, Clone, Deserialize, Serialize, TS)]
pub struct NotesParams {
    pub item: String,
}

/// `redacted_text`: the item whose text to show with its redactions applied.
#[derive(Debug, Clone, Deserialize, Serialize, TS)]
pub struct RedactedTextParams {
    pub item: String,
}

/// `save_search`: a query kept under a name.
#[derive(Debug, Clone, Deserialize, Serialize, TS)]
pub struct SaveSearchParams {
    pub name: String,
    pub query: String,
}

/// `delete_saved_search`.
#[derive(Debug, Clone, Deserialize, Serialize, TS)]
pub struct DeleteSavedSearchParams {
    pub name: String,
}

/// `terms_report`: hit counts per term.
#[derive(Debug, Clone, Deserialize, Serialize, TS)]
pub struct TermsReportParams {
    pub terms: Vec<String>,
}

/// `redact_add`: redact characters `start..end` of an item's text.
#[derive(Debug, Clone, Deserialize, Serialize, TS)]
pub struct RedactAddParams {
    pub item: String,
    pub start: usize,
    pub end: usize,
    pub reason: String,
    #[serde(default)]
    #[ts(as = "Option<_>", optional)]
    pub treatment: Treatment,
}

/// `redact_remove`: a text redaction by id.
#[derive(Debug, Clone, Deserialize, Serialize, TS)]
pub struct RedactRemoveParams {
    pub redaction: i64,
}

/// `redact_box`: redact a box drawn on page `page` (1-based) of a PDF. `rect` is `[x0, y0, x1,
/// y1]` in page-space points (origin top-left of the rendered page, y down).
#[derive(Debug, Clone, Deserialize, Serialize, TS)]
pub struct RedactBoxParams {
    pub item: String,
    pub page: u32,
    pub rect: [f64; 4],
    pub reason: String,
    #[serde(default)]
    #[ts(as = "Option<_>", optional)]
    pub treatment: Treatment,
}

/// `redact_box_remove`: a region redaction by id.
#[derive(Debug, Clone, Deserialize, Serialize, TS)]
pub struct RedactBoxRemoveParams {
    pub region: i64,
}

/// `page_boxes`: a PDF item, and optionally a query whose hits to box.
#[derive(Debug, Clone, Deserialize, Serialize, TS)]
pub struct PageBoxesParams {
    pub item: String,
    #[serde(default)]
    #[ts(optional = nullable)]
    pub hits: Option<String>,
}

/// `redactions`: filtered by item and/or reason.
#[derive(Debug, Clone, Default, Deserialize, Serialize, TS)]
pub struct RedactionsParams {
    #[serde(default)]
    #[ts(optional = nullable)]
    pub item: Option<String>,
    #[serde(default)]
    #[ts(optional = nullable)]
    pub reason: Option<String>,
}

/// `redact_rule`: pattern redaction over a set (default: all items).
#[derive(Debug, Clone, Deserialize, Serialize, TS)]
pub struct RedactRuleParams {
    pub spec: RuleSpec,
    pub reason: String,
    #[serde(default)]
    #[ts(as = "Option<_>", optional)]
    pub treatment: Treatment,
    #[serde(default)]
    #[ts(optional = nullable)]
    pub query: Option<String>,
    #[serde(default)]
    #[ts(as = "Option<_>", optional)]
    pub dry_run: bool,
    /// The fields the rule covers; absent: the default for its kind (a built-in recognizer:
    /// body and attachments; a pattern or terms: every field).
    #[serde(default)]
    #[ts(optional = nullable)]
    pub fields: Option<Vec<crate::redact::Field>>,
    /// Values the rule never hides.
    #[serde(default)]
    #[ts(as = "Option<_>", optional)]
    pub allow: crate::redact::AllowList,
}

/// `redact_rule_remove`: a stored rule by id.
#[derive(Debug, Clone, Deserialize, Serialize, TS)]
pub struct RedactRuleRemoveParams {
    pub rule: i64,
}

/// `audit`: how many of the newest entries.
#[derive(Debug, Clone, Deserialize, Serialize, TS)]
pub struct AuditParams {
    #[serde(default = "default_limit")]
    #[ts(as = "Option<_>", optional)]
    pub limit: usize,
}

impl Default for AuditParams {
    fn default() -> Self {
        AuditParams { limit: default_limit() }
    }
}

/// `check_query`: a query as typed, to be read without being run.
#[derive(Debug, Clone, Deserialize, Serialize, TS)]
pub struct CheckQueryParams {
    pub query: String,
}

/// `item_body`: one item, named `id` (an id or a control number).
#[derive(Debug, Clone, Deserialize, Serialize, TS)]
pub struct ItemBodyParams {
    pub id: String,
}

/// `produce`: which items to produce (families come with them), and how.
#[derive(Debug, Clone, Deserialize, Serialize, TS)]
pub struct ProduceParams {
    pub set: ProduceSet,
    /// Bates prefix, e.g. `ACME` (a `-` is added unless it ends in `-`, `_`, `.` or a space).
    pub prefix: String,
    /// The folder the production's own folder (e.g. `ACME001`) is created in.
    pub out: PathBuf,
    /// First Bates number; left out, one after the matter's last production with this prefix.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub start: Option<u64>,
    #[serde(default = "default_digits")]
    #[ts(as = "Option<_>", optional)]
    pub digits: usize,
    #[serde(default = "default_volume")]
    #[ts(as = "Option<_>", optional)]
    pub volume: String,
    /// Stamped bottom left of every page, e.g. "CONFIDENTIAL – SUBJECT TO PROTECTIVE ORDER".
    #[serde(default)]
    #[ts(as = "Option<_>", optional)]
    pub endorse: String,
    #[serde(default)]
    #[ts(as = "Option<_>", optional)]
    pub images: ImageProfile,
    #[serde(default)]
    #[ts(as = "Option<_>", optional)]
    pub natives: Natives,
    #[serde(default)]
    #[ts(as = "Option<_>", optional)]
    pub privileged: Privileged,
    /// Count and list what would be produced, write nothing.
    #[serde(default)]
    #[ts(as = "Option<_>", optional)]
    pub dry_run: bool,
}

fn default_digits() -> usize {
    7
}

fn default_volume() -> String {
    "VOL001".into()
}

/// The set a production starts from: `{"query": "…"}`, `{"tag": "…"}` or `{"saved_search":
/// "name"}` (resolved to its query when the production starts).
#[derive(Debug, Clone, Deserialize, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ProduceSet {
    Query(String),
    Tag(String),
    SavedSearch(String),
}

/// `production_preview`: an item, and how the production would treat it.
#[derive(Debug, Clone, Deserialize, Serialize, TS)]
pub struct ProductionPreviewParams {
    pub item: String,
    /// How privileged documents are handled (default: withheld).
    #[serde(default)]
    #[ts(optional = nullable)]
    pub privileged: Option<crate::produce::Privileged>,
    #[serde(default)]
    #[ts(optional = nullable)]
    pub endorse: Option<String>,
    /// Pages to return (default 2, at most 10).
    #[serde(default)]
    #[ts(optional = nullable)]
    pub pages: Option<u32>,
}

/// `verify_production`: the production's folder (the one holding `manifest.json`).
#[derive(Debug, Clone, Deserialize, Serialize, TS)]
pub struct VerifyProductionParams {
    pub dir: PathBuf,
}

/// `exposure`: the assessment of `inputs` (the matter's saved inputs when left out).
#[derive(Debug, Clone, Default, Deserialize, Serialize, TS)]
pub struct ExposureParams {
    #[serde(default)]
    #[ts(optional = nullable)]
    pub inputs: Option<crate::assess::exposure::ExposureInputs>,
    /// The whole report (overview with languages, term hits, hot documents, model-log section);
    /// without it, what a live what-if needs.
    #[serde(default)]
    #[ts(as = "Option<_>", optional)]
    pub full: bool,
    /// The sample tag to estimate from (default: the newest `Exposure sample …` tag).
    #[serde(default)]
    #[ts(optional = nullable)]
    pub sample_tag: Option<String>,
}

/// `save_exposure_inputs`: keep these inputs in the matter.
#[derive(Debug, Clone, Deserialize, Serialize, TS)]
pub struct SaveExposureInputsParams {
    pub inputs: crate::assess::exposure::ExposureInputs,
}

/// `exposure_sample`: draw `size` uncoded responsive items with `seed` and tag them.
#[derive(Debug, Clone, Deserialize, Serialize, TS)]
pub struct ExposureSampleParams {
    #[serde(default)]
    #[ts(optional = nullable)]
    pub inputs: Option<crate::assess::exposure::ExposureInputs>,
    pub size: usize,
    #[serde(default)]
    #[ts(as = "Option<_>", optional)]
    pub seed: u64,
}

/// `export_exposure`: write the full report to `out` (.pdf, .html, .csv or .json) and save the
/// searches behind its figures.
#[derive(Debug, Clone, Deserialize, Serialize, TS)]
pub struct ExportExposureParams {
    #[serde(default)]
    #[ts(optional = nullable)]
    pub inputs: Option<crate::assess::exposure::ExposureInputs>,
    pub out: PathBuf,
}
