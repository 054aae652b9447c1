//! The matter as a whole: create it, feed it, check it, read its audit log.

use clap::Args;
use std::path::PathBuf;

#[derive(Args)]
pub struct InitArgs {
    /// A new or empty folder to create the matter in.
    pub dir: PathBuf,
    /// The matter's name (default: the folder's name).
    #[arg(long)]
    pub name: Option<String>,
}

#[derive(Args)]
pub struct IngestArgs {
    /// Files and folders to ingest: documents, mailboxes, archives, model-call logs, received productions.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Whose documents these are.
    #[arg(long, default_value = "Unassigned")]
    pub custodian: String,
    /// Extraction worker processes (default: one per core).
    #[arg(long)]
    pub workers: Option<usize>,
    /// Seconds one file may take to extract before it is set aside as an error.
    #[arg(long, default_value_t = 30)]
    pub timeout: u64,
}

#[derive(Args)]
pub struct VerifyArgs {
    /// Re-verify a production bundle on disk instead.
    #[arg(long, value_name = "DIR")]
    pub production: Option<PathBuf>,
    /// An audit head taken earlier (printed by `verify`, in a report or a production
    /// manifest): the log must still hold that entry, unchanged.
    #[arg(long, value_name = "HASH")]
    pub anchor: Option<String>,
}

#[derive(Args)]
pub struct AuditArgs {
    /// How many entries to print, newest first.
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
}
