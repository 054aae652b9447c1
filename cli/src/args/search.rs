//! Finding items: search, facets, the search-term report and saved searches.

use clap::{Args, Subcommand, ValueEnum};
use std::path::PathBuf;

/// The query language, in short, for `search --help` and the other commands that take a query.
pub const QUERY_HELP: &str = "\
The query language (all of it: `exhibit help query`):
  fraud  \"gas trading desk\"   a word or a phrase, exactly, any case; trade~ adds its stemmed forms
  price w/5 cap  pre/5  \"price cap\"~5   words near each other
  a AND b  a OR b  NOT a  -a  (a OR b) c   booleans; terms side by side must all match
  trad*  te?t  enron~1  /sk-[a-z0-9]{20}/   wildcards, near spellings, regular expressions
  from:  to:  cc:  bcc:  subject:  filename:  custodian:\"Beck, Sally\"  kind:email  ext:pdf   fields
  date:2001-03  date:[2000-01-01 TO 2000-06-30]  date>=2001-01-01   dates
  tag:Hot  -tag:Reviewed  has:redactions  is:duplicate  family:(...)   review state
  control:EXH-0001990  control:[EXH-0000100 TO EXH-0000200]  EXH-0001990   control numbers
  bates:ACME-0000012  bates:[ACME-0000010 TO ACME-0000020]   Bates numbers";

#[derive(Args)]
#[command(after_help = QUERY_HELP)]
pub struct SearchArgs {
    /// What to find, in the query language (below); the words may be given unquoted.
    #[arg(required = true, value_name = "QUERY")]
    pub query: Vec<String>,
    /// How many hits to print (0: only the count).
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
    /// Hits to skip first (for paging: --offset 20 is the second page of 20).
    #[arg(long, default_value_t = 0)]
    pub offset: usize,
    /// Best matches first, or oldest first (sent date for email, else created/modified).
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
#[command(after_help = QUERY_HELP)]
pub struct FacetsArgs {
    /// Count over what this query finds (default: every item).
    #[arg(value_name = "QUERY")]
    pub query: Vec<String>,
}

#[derive(Args)]
pub struct StrArgs {
    /// A text file with one query per line (lines starting with # are skipped).
    pub file: PathBuf,
    /// Also write the report as CSV here.
    #[arg(long, value_name = "CSV")]
    pub csv: Option<PathBuf>,
}

#[derive(Subcommand)]
pub enum SavedCommand {
    /// Save a query under a name.
    #[command(after_help = QUERY_HELP)]
    Add {
        /// The name to save it under.
        name: String,
        /// The query, in the query language.
        #[arg(required = true)]
        query: Vec<String>,
    },
    /// Every saved search.
    List,
    /// Delete a saved search.
    Remove {
        /// The saved search's name.
        name: String,
    },
}
