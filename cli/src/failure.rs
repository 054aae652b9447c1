//! Why a command failed, and the exit status that says so (cli.md: 1 the operation failed,
//! 2 bad usage). Every message says what to do next; `main` prints it as `exhibit: MESSAGE` on
//! stderr and, with `--json`, also as `{"error": {"code", "message"}}` on stdout, so a script
//! reading stdout gets one JSON document whatever happened.

use exhibit::api::ApiError;
use exhibit::api::ErrorCode;
use std::io;

#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// The library refused or failed; its message names the cause and the remedy.
    #[error(transparent)]
    Library(#[from] exhibit::Error),
    /// A flag's value that clap took as text and the command could not read.
    #[error("{flag} takes {expected} (got '{got}')")]
    Argument { flag: &'static str, expected: &'static str, got: String },
    /// A command that works on a matter, and none named.
    #[error("no matter named: give --matter with the matter's folder, or set EXHIBIT_MATTER (create a matter with `exhibit init FOLDER`)")]
    NoMatterNamed,
    /// The command needs one of several arguments and was given none: what to give.
    #[error("{0}")]
    Missing(&'static str),
    /// A help topic that does not exist.
    #[error("no help on '{0}': try `exhibit help query`, or `exhibit help COMMAND` for any command `exhibit --help` lists")]
    NoHelp(String),
    /// Standard output went away or could not be written.
    #[error("could not write the answer to standard output: {0}")]
    Output(#[from] io::Error),
}

impl Failure {
    /// A query that cannot be read is bad usage (exit 2), like a bad flag; anything else that
    /// stops a command is a failed operation (exit 1).
    pub fn exit_code(&self) -> u8 {
        match self {
            Failure::Library(e) if e.code() == ErrorCode::BadQuery => 2,
            Failure::NoHelp(_) => 2,
            _ => 1,
        }
    }

    /// The failure as the API would answer it: a stable code and the message.
    pub fn api_error(&self) -> ApiError {
        let code = match self {
            Failure::Library(e) => e.code(),
            Failure::Argument { .. } | Failure::Missing(_) | Failure::NoHelp(_) => ErrorCode::BadRequest,
            Failure::NoMatterNamed => ErrorCode::NoMatter,
            Failure::Output(_) => ErrorCode::Io,
        };
        ApiError::new(code, self.to_string())
    }
}

impl From<serde_json::Error> for Failure {
    fn from(e: serde_json::Error) -> Self {
        Failure::Library(e.into())
    }
}
