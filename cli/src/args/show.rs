//! One item.

use clap::Args;

#[derive(Args)]
pub struct ShowArgs {
    /// Item id or control number.
    pub id: String,
    /// Show the redacted view.
    #[arg(long)]
    pub redacted: bool,
    /// Also give the character offsets of this query's hits in the text.
    #[arg(long, value_name = "QUERY")]
    pub hits: Option<String>,
}
