//! The library's error type: a stable `code` for scripts and transports, and a message that
//! tells the user what happened and what to do about it.

use std::path::PathBuf;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("no matter at {0}: create one with `exhibit init {0}` or point --matter at an existing one")]
    NoMatter(PathBuf),
    #[error("{0} already holds a matter: open it with --matter {0}, or choose an empty folder")]
    MatterExists(PathBuf),
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
    #[error("{0}")]
    Invalid(String),
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
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, thiserror::Error)]
#[error("at character {position}: {message}")]
pub struct SyntaxError {
    /// 1-based character position in the query.
    pub position: usize,
    pub message: String,
}

impl Error {
    /// Stable machine-readable code, sent across IPC as `{code, message}`.
    pub fn code(&self) -> &'static str {
        match self {
            Error::NoMatter(_) => "no_matter",
            Error::MatterExists(_) => "matter_exists",
            Error::SchemaTooNew { .. } => "schema_too_new",
            Error::NoItem(_) => "no_item",
            Error::Read { .. } => "read_failed",
            Error::Write { .. } => "write_failed",
            Error::Worker { .. } => "worker_failed",
            Error::Invalid(_) => "invalid",
            Error::Query(_) | Error::Syntax(_) => "bad_query",
            Error::Cancelled => "cancelled",
            Error::Db(_) => "database",
            Error::Index(_) => "index",
            Error::Json(_) => "json",
            Error::Io(_) => "io",
        }
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
