//! What the command line accepts: the clap definitions, one file per group of commands. Nothing
//! here does anything; `command/` turns each into one library call.

use clap::{Parser, Subcommand};
use std::path::PathBuf;

mod assess;
mod logs;
mod matter;
mod produce;
mod redact;
mod review;
mod search;
mod serve;
mod show;

pub use assess::AssessArgs;
pub use logs::{GroupArg, LogsCommand};
pub use matter::{AuditArgs, IngestArgs, InitArgs, VerifyArgs};
pub use produce::{ImagesArg, NativesArg, PrivilegedArg, ProduceArgs};
pub use redact::{ReasonCommand, RedactCommand, RuleCommand};
pub use review::{Coding, NoteCommand, TagCommand};
pub use search::{FacetsArgs, SavedCommand, SearchArgs, SortArg, StrArgs};
pub use serve::{ServeArgs, WorkerArgs};
pub use show::ShowArgs;

#[derive(Parser)]
#[command(name = "exhibit", version, about = "Local-first evidence and discovery review")]
pub struct Cli {
    /// The matter folder (or set EXHIBIT_MATTER).
    #[arg(long, global = true, env = "EXHIBIT_MATTER", value_name = "DIR")]
    pub matter: Option<PathBuf>,
    /// Print one JSON document on stdout instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Create an empty matter.
    Init(InitArgs),
    /// Ingest files, folders, archives and mailboxes.
    Ingest(IngestArgs),
    /// What the matter holds.
    Status,
    /// Ingest errors, with reasons.
    Errors,
    /// Search the matter.
    Search(SearchArgs),
    /// AI-model API logs: distillation analysis.
    Logs {
        #[command(subcommand)]
        action: LogsCommand,
    },
    /// Facet counts over a query's results (default: the whole matter).
    Facets(FacetsArgs),
    /// Search-term report: one query per line of FILE.
    Str(StrArgs),
    /// Code items: add, remove or list tags.
    Tag {
        #[command(subcommand)]
        action: TagCommand,
    },
    /// Notes on items.
    Note {
        #[command(subcommand)]
        action: NoteCommand,
    },
    /// Saved searches.
    Saved {
        #[command(subcommand)]
        action: SavedCommand,
    },
    /// Redactions: manual spans, pattern rules, listing and removal.
    Redact {
        #[command(subcommand)]
        action: RedactCommand,
    },
    /// One item: metadata, text, family, tags.
    Show(ShowArgs),
    /// Check the audit chain, every original and the index (exit 1 on any problem).
    Verify(VerifyArgs),
    /// Build a Bates-numbered production bundle (images, text, load files, privilege log) and
    /// run its verification gate (exit 1 if the gate fails; the bundle is then marked INCOMPLETE).
    Produce(ProduceArgs),
    /// The matter's productions, newest first.
    Productions,
    /// Exposure report: what the other side's requests would reach (privileged, confidential,
    /// trade-secret, needing redaction), what review would cost, beside the evidence.
    Assess(AssessArgs),
    /// Rebuild the search index from the database.
    Reindex,
    /// The audit log, newest first.
    Audit(AuditArgs),
    /// Internal: an extraction worker (started by `ingest`).
    #[command(name = "__worker", hide = true)]
    Worker(WorkerArgs),
    /// Serve the review UI and API on 127.0.0.1 (prints the URL with its access token).
    Serve(ServeArgs),
}

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::CommandFactory;

    #[test]
    fn the_definitions_are_consistent() {
        Cli::command().debug_assert();
    }
}
