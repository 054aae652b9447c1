//! The request/response surface every transport speaks.
//!
//! The desktop shell's one `rpc` command and the HTTP server's `POST /api/rpc` both decode a
//! [`Request`], call [`Session::handle`], and encode the JSON answer or an [`ApiError`]
//! (`{code, message}`). Nothing here knows which transport it is behind.

use crate::error::Error;
use crate::index::Sort;
use crate::ingest::{IngestOptions, IngestProgress};
use crate::redact::{RuleSpec, Treatment};
use crate::review::{Propagate, Target};
use crate::Matter;
use responses::*;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use ts_rs::TS;

pub mod bindings;
pub mod paths;
pub mod responses;

/// One call. Serialized as `{"method": "...", "params": {...}}`.
///
/// `#[ts(optional)]` marks the parameters a caller may leave out (serde fills in the default),
/// so the UI's generated `Request` type does not demand them.
#[derive(Debug, Clone, Deserialize, Serialize, TS)]
#[serde(tag = "method", content = "params", rename_all = "snake_case")]
pub enum Request {
    Ping,
    CreateMatter {
        dir: PathBuf,
        name: String,
    },
    OpenMatter {
        dir: PathBuf,
    },
    Status,
    /// The open matter's name and item count, without [`Request::Status`]'s per-kind counts.
    Summary,
    Errors,
    Ingest {
        paths: Vec<PathBuf>,
        custodian: String,
    },
    Search {
        query: String,
        #[serde(default = "default_limit")]
        #[ts(as = "Option<_>", optional)]
        limit: usize,
        #[serde(default)]
        #[ts(as = "Option<_>", optional)]
        offset: usize,
        #[serde(default)]
        #[ts(as = "Option<_>", optional)]
        sort: Sort,
        /// Redacted mode: no result, count, title or snippet depends on a redacted value, and
        /// no hit offsets.
        #[serde(default)]
        #[ts(as = "Option<_>", optional)]
        redacted: bool,
    },
    /// One item; with `hits`, the character offsets of that query's hits in its text.
    Item {
        id: String,
        #[serde(default)]
        #[ts(optional = nullable)]
        hits: Option<String>,
        /// The redacted view: text and every metadata string with redactions applied.
        #[serde(default)]
        #[ts(as = "Option<_>", optional)]
        redacted: bool,
    },
    /// Distillation analysis of the matter's model calls.
    LogsAnalyze {
        #[serde(default)]
        #[ts(as = "Option<_>", optional)]
        group_by: crate::modellogs::GroupBy,
        #[serde(default)]
        #[ts(optional = nullable)]
        suspect_outputs: Option<PathBuf>,
        /// Tag the calls of every flagged account.
        #[serde(default)]
        #[ts(optional = nullable)]
        tag: Option<String>,
    },
    /// The exposure report's model-log section: `{section, text}` (`text` rendered in `format`).
    LogsSection {
        #[serde(default)]
        #[ts(as = "Option<_>", optional)]
        group_by: crate::modellogs::GroupBy,
        #[serde(default)]
        #[ts(optional = nullable)]
        suspect_outputs: Option<PathBuf>,
        #[serde(default)]
        #[ts(as = "Option<_>", optional)]
        format: crate::assess::ReportFormat,
    },
    /// The calls of one analyzed group (an account, key, user or ip), oldest first: `{calls: [{id, ts}]}`.
    LogsCalls {
        #[serde(default)]
        #[ts(as = "Option<_>", optional)]
        group_by: crate::modellogs::GroupBy,
        account: String,
    },
    Facets {
        #[serde(default)]
        #[ts(as = "Option<_>", optional)]
        query: String,
    },
    Tags,
    TagAdd(Coding),
    TagRemove(Coding),
    NoteAdd {
        item: String,
        text: String,
    },
    Notes {
        item: String,
    },
    SaveSearch {
        name: String,
        query: String,
    },
    SavedSearches,
    DeleteSavedSearch {
        name: String,
    },
    TermsReport {
        terms: Vec<String>,
    },
    /// Redact characters `start..end` of an item's text.
    RedactAdd {
        item: String,
        start: usize,
        end: usize,
        reason: String,
        #[serde(default)]
        #[ts(as = "Option<_>", optional)]
        treatment: Treatment,
    },
    RedactRemove {
        redaction: i64,
    },
    /// Redact a box drawn on page `page` (1-based) of a PDF: `rect` is `[x0, y0, x1, y1]` in
    /// page-space points (origin top-left of the rendered page, y down). The box is blacked
    /// out whole and the words inside it are redacted in the text.
    RedactBox {
        item: String,
        page: u32,
        rect: [f64; 4],
        reason: String,
        #[serde(default)]
        #[ts(as = "Option<_>", optional)]
        treatment: Treatment,
    },
    /// Remove a region redaction and the text redactions it made.
    RedactBoxRemove {
        region: i64,
    },
    /// A PDF item's page sizes and, in page space, the boxes of a query's hits and of its
    /// redactions: what the page viewer draws over the page images.
    PageBoxes {
        item: String,
        #[serde(default)]
        #[ts(optional = nullable)]
        hits: Option<String>,
    },
    Redactions {
        #[serde(default)]
        #[ts(optional = nullable)]
        item: Option<String>,
        #[serde(default)]
        #[ts(optional = nullable)]
        reason: Option<String>,
    },
    /// The item's text with its redactions applied.
    RedactedText {
        item: String,
    },
    RedactRule {
        spec: RuleSpec,
        reason: String,
        #[serde(default)]
        #[ts(as = "Option<_>", optional)]
        treatment: Treatment,
        #[serde(default)]
        #[ts(optional = nullable)]
        query: Option<String>,
        #[serde(default)]
        #[ts(as = "Option<_>", optional)]
        dry_run: bool,
    },
    Verify,
    Audit {
        #[serde(default = "default_limit")]
        #[ts(as = "Option<_>", optional)]
        limit: usize,
    },
}

/// A coding action: a tag, the items (ids/controls) or a query, and propagation.
#[derive(Debug, Clone, Deserialize, Serialize, TS)]
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
}

impl Coding {
    fn target(&self) -> Result<(Target, Propagate), ApiError> {
        let t = match (&self.query, self.items.is_empty()) {
            (Some(q), _) => Target::Query(q.clone()),
            (None, false) => Target::Items(self.items.clone()),
            (None, true) => return Err(ApiError { code: "invalid".into(), message: "name the items to code, or give a query".into() }),
        };
        Ok((t, Propagate { families: self.family, duplicates: self.duplicates }))
    }
}

fn default_limit() -> usize {
    50
}

/// An error as it crosses a transport.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, TS)]
pub struct ApiError {
    pub code: String,
    pub message: String,
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        ApiError { code: e.code().to_string(), message: e.to_string() }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.message, self.code)
    }
}

impl std::error::Error for ApiError {}

/// A transport's state: the matter it has open, if any.
#[derive(Default)]
pub struct Session {
    matter: Option<Matter>,
}

impl Session {
    pub fn with_matter(matter: Matter) -> Self {
        Session { matter: Some(matter) }
    }

    fn matter(&mut self) -> Result<&mut Matter, ApiError> {
        self.matter
            .as_mut()
            .ok_or_else(|| ApiError { code: "no_matter_open".into(), message: "no matter is open: create or open one first".into() })
    }

    /// Handles one request; long work reports through `progress`.
    pub fn handle(&mut self, req: Request, progress: &mut dyn FnMut(&IngestProgress)) -> Result<Value, ApiError> {
        self.handle_cancellable(req, progress, Arc::default())
    }

    /// [`Session::handle`] with a stop flag for long work: an ingest checks `cancel` between
    /// files and ends with `cancelled: true`, keeping what it committed. The flag is shared
    /// so a transport can set it from another thread while this call holds the session.
    pub fn handle_cancellable(
        &mut self,
        req: Request,
        progress: &mut dyn FnMut(&IngestProgress),
        cancel: Arc<AtomicBool>,
    ) -> Result<Value, ApiError> {
        let v = match req {
            Request::Ping => to_value(Ok(Ping { ok: true, version: env!("CARGO_PKG_VERSION").into() }))?,
            // Answered with the cheap summary: the full status counts every item (seconds on a
            // million), and the workspace needs only the name and size to start.
            Request::CreateMatter { dir, name } => {
                let m = Matter::create(&dir, &name)?;
                let out = serde_json::to_value(m.summary()?).map_err(Error::from)?;
                self.matter = Some(m);
                out
            }
            Request::OpenMatter { dir } => {
                let m = Matter::open(&dir)?;
                let out = serde_json::to_value(m.summary()?).map_err(Error::from)?;
                self.matter = Some(m);
                out
            }
            Request::Status => to_value(self.matter()?.status())?,
            Request::Summary => to_value(self.matter()?.summary())?,
            Request::Errors => to_value(self.matter()?.errors().map(|errors| ErrorList { errors }))?,
            Request::Ingest { paths, custodian } => {
                let opts = IngestOptions { custodian, cancel, ..Default::default() };
                let m = self.matter()?;
                let summary = m.ingest(&paths, &opts, progress);
                // Let go of the index writer (and its lock) once the merges finish, so a CLI
                // ingest into the same matter can run while this session stays open.
                let released = m.wait_for_index_merges();
                let summary = summary?;
                released?;
                to_value(Ok(summary))?
            }
            Request::Search { query, limit, offset, sort, redacted: false } => {
                to_value(self.matter()?.search(&query, limit, offset, sort))?
            }
            Request::Search { query, limit, offset, sort, redacted: true } => {
                to_value(self.matter()?.search_redacted(&query, limit, offset, sort))?
            }
            Request::Item { id, hits, redacted: true } => {
                if hits.is_some() {
                    return Err(Error::Invalid(REDACTED_NO_HITS.into()).into());
                }
                // The one redacted view (src/redact/view.rs), as every surface shows it.
                to_value(self.matter()?.redacted_item(&id).map(|v| v.answer))?
            }
            Request::Item { id, hits, redacted: false } => {
                let m = self.matter()?;
                let item = m.item(&id)?;
                let model_call = m.call_record(item.id)?;
                let hits = match hits {
                    Some(q) => Some(m.hit_offsets(&id, &q)?),
                    None => None,
                };
                to_value(Ok(ItemAnswer { item, model_call, hits }))?
            }
            Request::LogsAnalyze { group_by, suspect_outputs, tag } => {
                let m = self.matter()?;
                let report = m.analyze_calls(group_by, suspect_outputs.as_deref())?;
                let tagged = match tag {
                    Some(tag) => Some(TaggedCalls { changed: m.tag_flagged_calls(&report, &tag)?, tag }),
                    None => None,
                };
                to_value(Ok(LogsAnswer { report, tagged }))?
            }
            Request::LogsSection { group_by, suspect_outputs, format } => {
                let m = self.matter()?;
                let section = m.model_log_section(&m.analyze_calls(group_by, suspect_outputs.as_deref())?)?;
                to_value(Ok(LogsSection { text: section.render(format), section }))?
            }
            Request::LogsCalls { group_by, account } => {
                to_value(self.matter()?.group_calls(group_by, &account).map(|calls| GroupCalls { calls }))?
            }
            Request::Facets { query } => to_value(self.matter()?.facets(&query))?,
            Request::Tags => to_value(self.matter()?.tags().map(|tags| TagList { tags }))?,
            Request::TagAdd(c) => {
                let (target, prop) = c.target()?;
                to_value(self.matter()?.tag_add(&c.tag, &target, prop))?
            }
            Request::TagRemove(c) => {
                let (target, prop) = c.target()?;
                to_value(self.matter()?.tag_remove(&c.tag, &target, prop))?
            }
            Request::NoteAdd { item, text } => to_value(self.matter()?.note_add(&item, &text))?,
            Request::Notes { item } => to_value(self.matter()?.notes(&item).map(|notes| NoteList { notes }))?,
            Request::SaveSearch { name, query } => to_value(self.matter()?.save_search(&name, &query))?,
            Request::SavedSearches => to_value(self.matter()?.saved_searches().map(|saved_searches| SavedSearchList { saved_searches }))?,
            Request::DeleteSavedSearch { name } => {
                self.matter()?.delete_saved_search(&name)?;
                to_value(Ok(SavedSearchRemoved { removed: name }))?
            }
            Request::TermsReport { terms } => to_value(self.matter()?.terms_report(&terms))?,
            Request::RedactAdd { item, start, end, reason, treatment } => {
                to_value(self.matter()?.redact_add(&item, start, end, &reason, treatment).map(|redaction| RedactionAdded { redaction }))?
            }
            Request::RedactRemove { redaction } => {
                to_value(self.matter()?.redact_remove(redaction).map(|removed| RedactionsRemoved { removed }))?
            }
            Request::Redactions { item, reason } => {
                let m = self.matter()?;
                let redactions = m.redactions(item.as_deref(), reason.as_deref())?;
                let regions = match item {
                    Some(item) => {
                        let id = crate::store::items::resolve(&m.store.db, &item)?;
                        Some(
                            m.redaction_regions(id)?
                                .into_iter()
                                .filter(|g| reason.as_ref().is_none_or(|r| g.reason == r.to_uppercase()))
                                .collect(),
                        )
                    }
                    None => None,
                };
                to_value(Ok(RedactionList { redactions, regions }))?
            }
            Request::RedactBox { item, page, rect, reason, treatment } => {
                to_value(self.matter()?.redact_box(&item, page, rect, &reason, treatment))?
            }
            Request::RedactBoxRemove { region } => {
                to_value(self.matter()?.redact_box_remove(region).map(|removed| RedactionsRemoved { removed }))?
            }
            Request::PageBoxes { item, hits } => to_value(self.matter()?.page_boxes(&item, hits.as_deref()))?,
            Request::RedactedText { item } => to_value(self.matter()?.redacted_text(&item).map(|text| RedactedText { text }))?,
            Request::RedactRule { spec, reason, treatment, query, dry_run } => {
                to_value(self.matter()?.redact_rule(spec, &reason, treatment, query.as_deref(), dry_run))?
            }
            Request::Verify => to_value(self.matter()?.verify())?,
            Request::Audit { limit } => to_value(self.matter()?.audit_log(limit).map(|entries| AuditLog { entries }))?,
        };
        Ok(v)
    }
}

/// Why a redacted view answers no hit offsets (the same whatever the query, so the refusal
/// itself confirms nothing).
pub const REDACTED_NO_HITS: &str =
    "hit offsets are not given in the redacted view (they could confirm a redacted value): search the redacted set with `search --redacted`, or look at the unredacted item";

fn to_value<T: Serialize>(r: crate::Result<T>) -> Result<Value, ApiError> {
    let v = r?;
    Ok(serde_json::to_value(v).map_err(Error::from)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_decode_from_method_and_params() {
        let r: Request = serde_json::from_str(r#"{"method":"search","params":{"query":"gas"}}"#).unwrap();
        assert!(matches!(r, Request::Search { ref query, limit: 50, offset: 0, .. } if query == "gas"));
        let r: Request = serde_json::from_str(r#"{"method":"ping"}"#).unwrap();
        assert!(matches!(r, Request::Ping));
    }

    #[test]
    fn errors_cross_as_code_and_message() {
        let mut s = Session::default();
        let e = s.handle(Request::Status, &mut |_| {}).unwrap_err();
        assert_eq!(e.code, "no_matter_open");
        let dir = tempfile::tempdir().unwrap();
        let e = s.handle(Request::OpenMatter { dir: dir.path().to_path_buf() }, &mut |_| {}).unwrap_err();
        assert_eq!(e.code, "no_matter");
        assert!(e.message.contains("exhibit init"));
    }
}
