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
#[command(
    name = "exhibit",
    version,
    about = "Local-first evidence and discovery review",
    disable_help_subcommand = true,
    after_help = "Searches use Exhibit's query language: `exhibit help query` prints it."
)]
pub struct Cli {
    /// The matter folder (or set EXHIBIT_MATTER).
    #[arg(long, global = true, env = "EXHIBIT_MATTER", value_name = "DIR")]
    pub matter: Option<PathBuf>,
    /// Print one JSON document on stdout instead of text (an error too: {"error": {"code", "message"}}).
    #[arg(long, global = true)]
    pub json: bool,
    /// Who is acting, as the audit log, tags and notes record it (default: your login name).
    #[arg(long, global = true, env = "EXHIBIT_ACTOR", value_name = "NAME")]
    pub actor: Option<String>,
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
    /// Help on a command (`exhibit help search`) or on the query language (`exhibit help query`).
    Help(HelpArgs),
}

#[derive(clap::Args)]
pub struct HelpArgs {
    /// `query` for the query language, or a command (e.g. `search`, `tag add`).
    #[arg(value_name = "TOPIC")]
    pub topic: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::CommandFactory;

    #[test]
    fn the_definitions_are_consistent() {
        Cli::command().debug_assert();
    }

    /// Every argument a person can give says what it does in `--help`. `redact` is left out
    /// while its options are reworked on another branch (issue 17, item 3).
    #[test]
    fn every_option_has_help() {
        fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
            for a in cmd.get_arguments() {
                let builtin = matches!(a.get_id().as_str(), "help" | "version");
                if !builtin && !a.is_hide_set() && a.get_help().is_none() && a.get_long_help().is_none() {
                    missing.push(format!("{path} {}", a.get_id()));
                }
            }
            for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set() && s.get_name() != "redact") {
                if sub.get_about().is_none() {
                    missing.push(format!("{path} {} (the command itself)", sub.get_name()));
                }
                walk(sub, &format!("{path} {}", sub.get_name()), missing);
            }
        }
        let mut missing = Vec::new();
        walk(&Cli::command(), "exhibit", &mut missing);
        assert!(missing.is_empty(), "arguments without help: {missing:#?}");
    }
}
