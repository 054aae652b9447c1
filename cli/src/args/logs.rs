//! AI-model API logs.

use clap::{Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum LogsCommand {
    /// Every distillation signal per account, clusters of coordinated accounts, and (with
    /// --suspect-outputs) overlap between a suspect model's answers and the logged completions.
    Analyze {
        /// What a group of calls is: calls of one account, API key, end user or IP address.
        #[arg(long, value_enum, default_value_t = GroupArg::Account)]
        group_by: GroupArg,
        /// JSONL of {"prompt", "output"} from the suspect model.
        #[arg(long, value_name = "FILE")]
        suspect_outputs: Option<PathBuf>,
        /// Tag the calls of every flagged account with this tag (evidence).
        #[arg(long, value_name = "TAG")]
        tag: Option<String>,
        /// Also write the signals as CSV.
        #[arg(long, value_name = "FILE")]
        csv: Option<PathBuf>,
        /// Also write the exposure report's model-log section: Markdown, or HTML / JSON when
        /// FILE ends in .html / .json.
        #[arg(long, value_name = "FILE")]
        section: Option<PathBuf>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
pub enum GroupArg {
    Account,
    Key,
    User,
    Ip,
}
