//! The library's error type: a stable `code` for scripts and transports, and a message that
//! tells the user what happened and what to do about it.

use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use ts_rs::TS;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("no matter at {0}: create one with `exhibit init {0}` or point --matter at an existing one")]
    NoMatter(PathBuf),
    #[error("{0} already holds a matter: open it with --matter {0}, or choose an empty folder")]
    MatterExists(PathBuf),
    /// A matter is created only in a new or empty folder, so its files never mix with others.
    #[error(
        "{0} is not empty and holds no matter: a matter needs a folder of its own. Give a new folder (it is created) or an empty one, e.g. {example}",
        example = .0.join("matter").display()
    )]
    FolderNotEmpty(PathBuf),
    #[error("this matter was written by a newer Exhibit (schema {found}, this build knows {known}): upgrade Exhibit")]
    SchemaTooNew { found: i64, known: i64 },
    #[error("no item {0}: give an item id (e.g. 12) or a control number (e.g. EXH-0000012)")]
    NoItem(String),
    #[error("cannot read {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("cannot write {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
    #[error("the ingest worker could not be started ({path}): {source}. Is the `exhibit` binary next to this program?")]
    Worker { path: PathBuf, source: std::io::Error },
    /// Another process holds what this operation needs (an ingest, the index writer).
    #[error("{0}")]
    Busy(String),
    /// Something larger than Exhibit keeps (a model call's record).
    #[error("{0}")]
    TooLarge(String),
    /// An input file that is not what the operation needs (e.g. suspect outputs that are not JSON).
    #[error("{0}")]
    BadInput(String),
    /// A PDF-only operation asked of an item that is not a PDF.
    #[error("item {item} is not a PDF, so {consequence}")]
    NotPdf { item: i64, consequence: &'static str },
    /// A page number the document does not have.
    #[error("item {item} has no page {page}: pages are numbered 1 to {pages}")]
    NoPage { item: i64, page: i64, pages: usize },
    /// A PDF that cannot be read or drawn.
    #[error("{doing} failed ({detail}); view the item's extracted text instead")]
    BadPdf { doing: String, detail: String },
    /// A character span or a drawn rectangle that does not fit what it is applied to.
    #[error("{0}")]
    BadRange(String),
    /// A redaction reason code that is not known, or cannot be one; or a rule that cannot be used.
    #[error("{0}")]
    BadReason(String),
    /// A redaction rule that does not compile.
    #[error("{0}")]
    BadRule(String),
    /// Something named that does not exist: a redaction, a region, a tag, a saved search.
    #[error("{0}")]
    NotFound(String),
    /// A value that is required but missing or empty.
    #[error("{0}")]
    Missing(String),
    /// A request the redacted view refuses (it would confirm a redacted value).
    #[error("{0}")]
    Refused(&'static str),
    /// A broken invariant: a bug in Exhibit, not something the user did.
    #[error("internal error: {0}. This is a bug in Exhibit; please report it")]
    Internal(String),
    /// Stored data that does not parse: the matter was damaged or written by something else.
    #[error("stored {what} is damaged ({detail}): run `exhibit verify`")]
    Corrupt { what: &'static str, detail: String },
    #[error("the search query is not valid: {0}")]
    Query(String),
    /// A query that cannot be read: where (1-based character) and what was expected there.
    #[error("the search query is not valid: {0}")]
    Syntax(SyntaxError),
    #[error("the operation was cancelled")]
    Cancelled,
    #[error("matter database: {0}")]
    Db(#[from] rusqlite::Error),
    #[error("search index: {0}. The index can be rebuilt from the database with `exhibit reindex`")]
    Index(#[from] tantivy::TantivyError),
    #[error("{0}")]
    Json(#[from] serde_json::Error),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// Where and why a search query could not be read (made by `index::query::parse`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, thiserror::Error, TS)]
#[error("at character {position}: {message}")]
pub struct SyntaxError {
    /// 1-based character position in the query.
    pub position: usize,
    pub message: String,
}

impl Error {
    /// Stable machine-readable code, sent across every transport as `{code, message}`.
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::NoMatter(_) => ErrorCode::NoMatter,
            Error::MatterExists(_) => ErrorCode::MatterExists,
            Error::FolderNotEmpty(_) => ErrorCode::Invalid,
            Error::SchemaTooNew { .. } => ErrorCode::SchemaTooNew,
            Error::NoItem(_) => ErrorCode::NoItem,
            Error::Read { .. } => ErrorCode::ReadFailed,
            Error::Write { .. } => ErrorCode::WriteFailed,
            Error::Worker { .. } => ErrorCode::WorkerFailed,
            Error::TooLarge(_)
            | Error::BadInput(_)
            | Error::NotPdf { .. }
            | Error::NoPage { .. }
            | Error::BadRange(_)
            | Error::BadReason(_)
            | Error::BadRule(_)
            | Error::Missing(_)
            | Error::Refused(_) => ErrorCode::Invalid,
            Error::BadPdf { .. } => ErrorCode::BadPdf,
            Error::Busy(_) => ErrorCode::Busy,
            Error::NotFound(_) => ErrorCode::NotFound,
            Error::Internal(_) => ErrorCode::Internal,
            Error::Corrupt { .. } => ErrorCode::Corrupt,
            Error::Query(_) | Error::Syntax(_) => ErrorCode::BadQuery,
            Error::Cancelled => ErrorCode::Cancelled,
            Error::Db(_) => ErrorCode::Database,
            Error::Index(_) => ErrorCode::Index,
            Error::Json(_) => ErrorCode::Json,
            Error::Io(_) => ErrorCode::Io,
        }
    }
}

/// Every error code a transport can send, library and transport alike. The wire name is the
/// snake_case variant name (`no_matter_open`); scripts and the UI branch on it, never on the
/// message. Exported to TypeScript with the API types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    // The library's (see [`Error::code`]).
    NoMatter,
    MatterExists,
    SchemaTooNew,
    NoItem,
    ReadFailed,
    WriteFailed,
    WorkerFailed,
    Invalid,
    BadQuery,
    Cancelled,
    Database,
    Index,
    Json,
    Io,
    /// A broken invariant: a bug in Exhibit, not something the caller did.
    Internal,
    /// A PDF that cannot be read or drawn.
    BadPdf,
    /// Stored data that does not parse.
    Corrupt,
    // The API's: a request that cannot be run as sent.
    Busy,
    NoMatterOpen,
    BadRequest,
    UnknownMethod,
    PathRefused,
    // The HTTP transport's guards (src/serve.rs).
    BadHost,
    BadOrigin,
    NoToken,
    CapabilityExpired,
    CapabilityRefused,
    NotFound,
    // The desktop shell's (src-tauri).
    OpenFailed,
    LinkRefused,
}

impl ErrorCode {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::NoMatter => "no_matter",
            ErrorCode::MatterExists => "matter_exists",
            ErrorCode::SchemaTooNew => "schema_too_new",
            ErrorCode::NoItem => "no_item",
            ErrorCode::ReadFailed => "read_failed",
            ErrorCode::WriteFailed => "write_failed",
            ErrorCode::WorkerFailed => "worker_failed",
            ErrorCode::Invalid => "invalid",
            ErrorCode::BadQuery => "bad_query",
            ErrorCode::Cancelled => "cancelled",
            ErrorCode::Database => "database",
            ErrorCode::Index => "index",
            ErrorCode::Json => "json",
            ErrorCode::Io => "io",
            ErrorCode::Internal => "internal",
            ErrorCode::BadPdf => "bad_pdf",
            ErrorCode::Corrupt => "corrupt",
            ErrorCode::Busy => "busy",
            ErrorCode::NoMatterOpen => "no_matter_open",
            ErrorCode::BadRequest => "bad_request",
            ErrorCode::UnknownMethod => "unknown_method",
            ErrorCode::PathRefused => "path_refused",
            ErrorCode::BadHost => "bad_host",
            ErrorCode::BadOrigin => "bad_origin",
            ErrorCode::NoToken => "no_token",
            ErrorCode::CapabilityExpired => "capability_expired",
            ErrorCode::CapabilityRefused => "capability_refused",
            ErrorCode::NotFound => "not_found",
            ErrorCode::OpenFailed => "open_failed",
            ErrorCode::LinkRefused => "link_refused",
        }
    }

    /// The HTTP status `exhibit serve` answers this error with.
    pub fn http_status(self) -> u16 {
        match self {
            ErrorCode::NoItem | ErrorCode::NoMatter | ErrorCode::NotFound => 404,
            ErrorCode::UnknownMethod => 501,
            ErrorCode::NoMatterOpen | ErrorCode::MatterExists | ErrorCode::Busy => 409,
            ErrorCode::PathRefused | ErrorCode::BadHost | ErrorCode::BadOrigin => 403,
            ErrorCode::CapabilityExpired | ErrorCode::CapabilityRefused => 403,
            ErrorCode::NoToken => 401,
            ErrorCode::BadRequest => 400,
            ErrorCode::Database
            | ErrorCode::Index
            | ErrorCode::Io
            | ErrorCode::WriteFailed
            | ErrorCode::WorkerFailed
            | ErrorCode::Internal
            | ErrorCode::Corrupt
            | ErrorCode::OpenFailed => 500,
            ErrorCode::SchemaTooNew
            | ErrorCode::ReadFailed
            | ErrorCode::Invalid
            | ErrorCode::BadQuery
            | ErrorCode::Cancelled
            | ErrorCode::Json
            | ErrorCode::BadPdf
            | ErrorCode::LinkRefused => 422,
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<&str> for ErrorCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl From<tantivy::directory::error::OpenDirectoryError> for Error {
    fn from(e: tantivy::directory::error::OpenDirectoryError) -> Self {
        Error::Index(e.into())
    }
}

impl From<tantivy::query::QueryParserError> for Error {
    fn from(e: tantivy::query::QueryParserError) -> Self {
        Error::Query(e.to_string())
    }
}
