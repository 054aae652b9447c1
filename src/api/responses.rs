//! Named answers for the methods whose answer is not a library type as is (a list wrapped in an
//! object, an item with its call record, a report with what was tagged), so that every method
//! has a type the UI's declarations are generated from.
//!
//! These serialize to exactly the JSON `Session::handle` built by hand before; the field order
//! is the key order (builds with the desktop shell turn on serde_json's `preserve_order`).

use crate::assess::Section;
pub use crate::calls::GroupCall;
use crate::modellogs::{ModelCall, Report};
use crate::redact::{Redaction, Region};
use crate::review::{Note, SavedSearch, TagCount};
use crate::store::audit::Entry;
use crate::store::items::ItemView;
use crate::store::ErrorRecord;
use serde::Serialize;
use ts_rs::TS;

/// `ping`: the library answers, and which version it is.
#[derive(Debug, Clone, Serialize, TS)]
pub struct Ping {
    pub ok: bool,
    pub version: String,
}

/// `errors`: every ingest error record.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ErrorList {
    pub errors: Vec<ErrorRecord>,
}

/// `item`: the item, its model-call record when it is a model call, and where a query hits it.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ItemAnswer {
    #[serde(flatten)]
    pub item: ItemView,
    /// The call as logged, for `model_call` items.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub model_call: Option<ModelCall>,
    /// Character offsets `[start, end)` of the `hits` query's hits in the text (not in the
    /// redacted view).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub hits: Option<Vec<[usize; 2]>>,
}

/// `item`'s answer: the item as stored, or its redacted view (`redacted: true`), which the
/// redaction engine builds in [`ItemAnswer`]'s shape with every string redacted
/// (src/redact/view.rs).
#[derive(Debug, Clone, Serialize, TS)]
#[serde(untagged)]
pub enum ItemReply {
    Item(Box<ItemAnswer>),
    Redacted(#[ts(as = "ItemAnswer")] serde_json::Value),
}

/// `logs_analyze`: the analysis, and the calls tagged when a tag was asked for.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(rename = "LogsReport")]
pub struct LogsAnswer {
    #[serde(flatten)]
    pub report: Report,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub tagged: Option<TaggedCalls>,
}

/// The calls of flagged accounts given a tag by `logs_analyze`.
#[derive(Debug, Clone, Serialize, TS)]
pub struct TaggedCalls {
    pub tag: String,
    /// Calls whose coding changed.
    pub changed: u64,
}

/// `logs_calls`: one group's calls, oldest first.
#[derive(Debug, Clone, Serialize, TS)]
pub struct GroupCalls {
    pub calls: Vec<GroupCall>,
}

/// `tags`: every tag with its item count.
#[derive(Debug, Clone, Serialize, TS)]
pub struct TagList {
    pub tags: Vec<TagCount>,
}

/// `notes`: an item's notes.
#[derive(Debug, Clone, Serialize, TS)]
pub struct NoteList {
    pub notes: Vec<Note>,
}

/// `saved_searches`.
#[derive(Debug, Clone, Serialize, TS)]
pub struct SavedSearchList {
    pub saved_searches: Vec<SavedSearch>,
}

/// `delete_saved_search`: the name removed.
#[derive(Debug, Clone, Serialize, TS)]
pub struct SavedSearchRemoved {
    pub removed: String,
}

/// `redact_add`: the new redaction's id.
#[derive(Debug, Clone, Serialize, TS)]
pub struct RedactionAdded {
    pub redaction: i64,
}

/// `redact_remove`: how many redactions went (the one named and its copies on identical content).
#[derive(Debug, Clone, Serialize, TS)]
pub struct RedactionsRemoved {
    pub removed: u64,
}

/// `redactions`: the text redactions and, when one item is asked for, its region (box)
/// redactions.
#[derive(Debug, Clone, Serialize, TS)]
pub struct RedactionList {
    pub redactions: Vec<Redaction>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub regions: Option<Vec<Region>>,
}

/// `logs_section`: the exposure report's model-log section, and `text` rendered in the asked format.
#[derive(Debug, Clone, Serialize, TS)]
pub struct LogsSection {
    pub text: String,
    pub section: Section,
}

/// `redacted_text`: the item's text with its redactions applied.
#[derive(Debug, Clone, Serialize, TS)]
pub struct RedactedText {
    pub text: String,
}

/// `audit`: the newest entries of the audit log.
#[derive(Debug, Clone, Serialize, TS)]
pub struct AuditLog {
    pub entries: Vec<Entry>,
}

/// `cancel_ingest`: whether there was a long request (an ingest or a production) to stop.
#[derive(Debug, Clone, Serialize, TS)]
pub struct CancelAnswer {
    pub cancelling: bool,
}

/// `reasons`: the redaction reasons, built-in first, then those users added.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ReasonList {
    pub reasons: Vec<crate::redact::Reason>,
}

/// `exposure_sample`: the tag holding the sample and how many items it drew.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ExposureSampleDrawn {
    pub tag: String,
    pub items: u64,
}

/// `export_exposure`: where the report was written, in which format, and the searches saved.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ExposureExported {
    pub path: std::path::PathBuf,
    pub format: crate::report::ReportFile,
    pub saved_searches: u64,
}

/// `check_query`: whether the query can be read, and if not, where the parser stopped (a
/// 1-based character position) and what it expected there. Reading is all it does: filters
/// that name review state (`tag:`, `has:`) are checked when the query runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct QueryCheck {
    /// The parser's objection; absent when the query reads.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub error: Option<crate::error::SyntaxError>,
}

impl QueryCheck {
    /// Reads `query` with the search parser (`index::query::parse`), runs nothing.
    pub fn of(query: &str) -> QueryCheck {
        QueryCheck { error: crate::index::query::parse(query).err() }
    }
}

/// `redaction_rules`: the stored pattern rules, oldest first.
#[derive(Debug, Clone, Serialize, TS)]
pub struct RuleList {
    pub rules: Vec<crate::redact::RuleInfo>,
}
