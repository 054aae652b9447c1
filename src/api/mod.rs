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
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::path::PathBuf;

/// One call. Serialized as `{"method": "...", "params": {...}}`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(tag = "method", content = "params", rename_all = "snake_case")]
pub enum Request {
    Ping,
    CreateMatter { dir: PathBuf, name: String },
    OpenMatter { dir: PathBuf },
    Status,
    /// The open matter's name and item count, without [`Request::Status`]'s per-kind counts.
    Summary,
    Errors,
    Ingest { paths: Vec<PathBuf>, custodian: String },
    Search {
        query: String,
        #[serde(default = "default_limit")]
        limit: usize,
        #[serde(default)]
        offset: usize,
        #[serde(default)]
        sort: Sort,
    },
    /// One item; with `hits`, the character offsets of that query's hits in its text.
    Item {
        id: String,
        #[serde(default)]
        hits: Option<String>,
        /// The redacted view: text and every metadata string with redactions applied.
        #[serde(default)]
        redacted: bool,
    },
    /// Distillation analysis of the matter's model calls.
    LogsAnalyze {
        #[serde(default)]
        group_by: crate::modellogs::GroupBy,
        #[serde(default)]
        suspect_outputs: Option<PathBuf>,
        /// Tag the calls of every flagged account.
        #[serde(default)]
        tag: Option<String>,
    },
    /// The calls of one analyzed group (an account, key, user or ip), oldest first: `{calls: [{id, ts}]}`.
    LogsCalls {
        #[serde(default)]
        group_by: crate::modellogs::GroupBy,
        account: String,
    },
    Facets {
        #[serde(default)]
        query: String,
    },
    Tags,
    TagAdd(Coding),
    TagRemove(Coding),
    NoteAdd { item: String, text: String },
    Notes { item: String },
    SaveSearch { name: String, query: String },
    SavedSearches,
    DeleteSavedSearch { name: String },
    TermsReport { terms: Vec<String> },
    /// Redact characters `start..end` of an item's text.
    RedactAdd {
        item: String,
        start: usize,
        end: usize,
        reason: String,
        #[serde(default)]
        treatment: Treatment,
    },
    RedactRemove { redaction: i64 },
    Redactions {
        #[serde(default)]
        item: Option<String>,
        #[serde(default)]
        reason: Option<String>,
    },
    /// The item's text with its redactions applied.
    RedactedText { item: String },
    RedactRule {
        spec: RuleSpec,
        reason: String,
        #[serde(default)]
        treatment: Treatment,
        #[serde(default)]
        query: Option<String>,
        #[serde(default)]
        dry_run: bool,
    },
    Verify,
    Audit {
        #[serde(default = "default_limit")]
        limit: usize,
    },
}

/// A coding action: a tag, the items (ids/controls) or a query, and propagation.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Coding {
    pub tag: String,
    #[serde(default)]
    pub items: Vec<String>,
    #[serde(default)]
    pub query: Option<String>,
    #[serde(default)]
    pub family: bool,
    #[serde(default)]
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
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
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
        self.matter.as_mut().ok_or_else(|| ApiError {
            code: "no_matter_open".into(),
            message: "no matter is open: create or open one first".into(),
        })
    }

    /// Handles one request; long work reports through `progress`.
    pub fn handle(&mut self, req: Request, progress: &mut dyn FnMut(&IngestProgress)) -> Result<Value, ApiError> {
        let v = match req {
            Request::Ping => serde_json::json!({ "ok": true, "version": env!("CARGO_PKG_VERSION") }),
            Request::CreateMatter { dir, name } => {
                let m = Matter::create(&dir, &name)?;
                let out = serde_json::to_value(m.status()?).map_err(Error::from)?;
                self.matter = Some(m);
                out
            }
            Request::OpenMatter { dir } => {
                let m = Matter::open(&dir)?;
                let out = serde_json::to_value(m.status()?).map_err(Error::from)?;
                self.matter = Some(m);
                out
            }
            Request::Status => to_value(self.matter()?.status())?,
            Request::Summary => to_value(self.matter()?.summary())?,
            Request::Errors => serde_json::json!({ "errors": self.matter()?.errors()? }),
            Request::Ingest { paths, custodian } => {
                let opts = IngestOptions { custodian, ..Default::default() };
                to_value(self.matter()?.ingest(&paths, &opts, progress))?
            }
            Request::Search { query, limit, offset, sort } => to_value(self.matter()?.search(&query, limit, offset, sort))?,
            Request::Item { id, hits, redacted } => {
                let m = self.matter()?;
                let mut item = m.item(&id)?;
                if redacted {
                    item.text = m.redacted_text(&id)?;
                }
                let item_id = item.id;
                let mut v = to_value(Ok(item))?;
                if let Some(call) = m.call_record(item_id)? {
                    v["model_call"] = serde_json::to_value(call).map_err(Error::from)?;
                }
                if let Some(q) = hits.filter(|_| !redacted) {
                    v["hits"] = serde_json::to_value(m.hit_offsets(&id, &q)?).map_err(Error::from)?;
                }
                if redacted {
                    v = m.redacted_json(item_id, &v)?;
                }
                v
            }
            Request::LogsAnalyze { group_by, suspect_outputs, tag } => {
                let m = self.matter()?;
                let report = m.analyze_calls(group_by, suspect_outputs.as_deref())?;
                let mut v = report.to_json();
                if let Some(t) = tag {
                    v["tagged"] = serde_json::json!({ "tag": t, "changed": m.tag_flagged_calls(&report, &t)? });
                }
                v
            }
            Request::LogsCalls { group_by, account } => {
                use crate::modellogs::GroupBy;
                let col = match group_by {
                    GroupBy::Account => "account",
                    GroupBy::Key => "api_key_id",
                    GroupBy::User => "user",
                    GroupBy::Ip => "ip",
                };
                let m = self.matter()?;
                let sql = format!("SELECT item_id, ts FROM model_call WHERE {col} = ?1 ORDER BY ts, item_id");
                let mut stmt = m.db.prepare(&sql).map_err(Error::from)?;
                let rows = stmt
                    .query_map([&account], |r| Ok(serde_json::json!({ "id": r.get::<_, i64>(0)?, "ts": r.get::<_, Option<String>>(1)? })))
                    .map_err(Error::from)?;
                let calls = rows.collect::<Result<Vec<_>, _>>().map_err(Error::from)?;
                serde_json::json!({ "calls": calls })
            }
            Request::Facets { query } => to_value(self.matter()?.facets(&query))?,
            Request::Tags => serde_json::json!({ "tags": self.matter()?.tags()? }),
            Request::TagAdd(c) => {
                let (target, prop) = c.target()?;
                to_value(self.matter()?.tag_add(&c.tag, &target, prop))?
            }
            Request::TagRemove(c) => {
                let (target, prop) = c.target()?;
                to_value(self.matter()?.tag_remove(&c.tag, &target, prop))?
            }
            Request::NoteAdd { item, text } => to_value(self.matter()?.note_add(&item, &text))?,
            Request::Notes { item } => serde_json::json!({ "notes": self.matter()?.notes(&item)? }),
            Request::SaveSearch { name, query } => to_value(self.matter()?.save_search(&name, &query))?,
            Request::SavedSearches => serde_json::json!({ "saved_searches": self.matter()?.saved_searches()? }),
            Request::DeleteSavedSearch { name } => {
                self.matter()?.delete_saved_search(&name)?;
                serde_json::json!({ "removed": name })
            }
            Request::TermsReport { terms } => to_value(self.matter()?.terms_report(&terms))?,
            Request::RedactAdd { item, start, end, reason, treatment } => {
                serde_json::json!({ "redaction": self.matter()?.redact_add(&item, start, end, &reason, treatment)? })
            }
            Request::RedactRemove { redaction } => serde_json::json!({ "removed": self.matter()?.redact_remove(redaction)? }),
            Request::Redactions { item, reason } => {
                serde_json::json!({ "redactions": self.matter()?.redactions(item.as_deref(), reason.as_deref())? })
            }
            Request::RedactedText { item } => serde_json::json!({ "text": self.matter()?.redacted_text(&item)? }),
            Request::RedactRule { spec, reason, treatment, query, dry_run } => {
                to_value(self.matter()?.redact_rule(spec, &reason, treatment, query.as_deref(), dry_run))?
            }
            Request::Verify => to_value(self.matter()?.verify())?,
            Request::Audit { limit } => serde_json::json!({ "entries": self.matter()?.audit_log(limit)? }),
        };
        Ok(v)
    }
}

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
