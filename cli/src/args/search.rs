//! Finding items: search, facets, the search-term report and saved searches.

use clap::{Args, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Args)]
pub struct SearchArgs {
    #[arg(required = true)]
    pub query: Vec<String>,
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
    #[arg(long, default_value_t = 0)]
    pub offset: usize,
    #[arg(long, value_enum, default_value_t = SortArg::Relevance)]
    pub sort: SortArg,
    /// Also count the results by kind, custodian, tag, month, extension and sender domain.
    #[arg(long)]
    pub facets: bool,
    /// Search the redacted set: nothing answered depends on a redacted value (no facets).
    #[arg(long, conflicts_with = "facets")]
    pub redacted: bool,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum SortArg {
    Relevance,
    Date,
}

#[derive(Args)]
pub struct FacetsArgs {
    pub query: Vec<String>,
}

#[derive(Args)]
pub struct StrArgs {
    pub file: PathBuf,
    /// Also write the report as CSV here.
    #[arg(long, value_name = "CSV")]
    pub csv: Option<PathBuf>,
}

#[derive(Subcommand)]
pub enum SavedCommand {
    Add { name: String, query: Vec<String> },
    List,
    Remove { name: String },
}
