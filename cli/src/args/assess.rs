//! `exhibit assess`: the exposure report.

use clap::Args;
use std::path::PathBuf;

#[derive(Args)]
#[command(group(clap::ArgGroup::new("what_if").args(["request"]).requires("query")))]
pub struct AssessArgs {
    /// The inputs: review rates, tags, the other side's requests, our evidence queries, the
    /// privilege screen (TOML; see docs/exposure.md). Default: the inputs saved in the matter
    /// from the app's Exposure screen.
    #[arg(long, value_name = "FILE")]
    pub requests: Option<PathBuf>,
    /// Write the report: .pdf, .html (self-contained), .csv or .json, by the file's extension.
    /// The searches behind every figure are saved in the matter.
    #[arg(long, value_name = "REPORT")]
    pub out: Option<PathBuf>,
    /// Draw a random sample of N responsive items no reviewer has coded, and tag it
    /// "Exposure sample SEED" for review; once coded, the report projects its rates.
    #[arg(long, value_name = "N")]
    pub sample: Option<usize>,
    /// The sample's seed (the same seed over the same items draws the same sample; default: random, printed).
    #[arg(long, value_name = "SEED", requires = "sample")]
    pub seed: Option<u64>,
    /// What-if: the request (by name) whose query --query replaces, for this run only.
    #[arg(long, value_name = "NAME")]
    pub request: Option<String>,
    /// What-if: the narrowed query for --request.
    #[arg(long, value_name = "QUERY", requires = "request")]
    pub query: Option<String>,
    /// Keep these inputs in the matter, where the app's Exposure screen opens them.
    #[arg(long)]
    pub save_inputs: bool,
}
