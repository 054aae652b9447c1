//! Redactions: spans, boxes, pattern rules, reasons.

use clap::Subcommand;
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum RedactCommand {
    /// Redact characters START:END of an item's extracted text.
    Add {
        id: String,
        #[arg(long, value_name = "START:END")]
        span: String,
        #[arg(long)]
        reason: String,
        /// Replace with a stable pseudonym instead of a black box.
        #[arg(long)]
        pseudonymize: bool,
    },
    /// Black out a rectangle of a PDF page, and redact the words inside it.
    Box {
        id: String,
        /// 1-based page number.
        #[arg(long)]
        page: u32,
        /// Corners in points from the top-left of the page as displayed: X0,Y0,X1,Y1.
        #[arg(long, value_name = "X0,Y0,X1,Y1")]
        rect: String,
        #[arg(long)]
        reason: String,
        /// Pseudonymize the words inside instead of blacking them out (the box stays black).
        #[arg(long)]
        pseudonymize: bool,
    },
    /// Remove a box redaction and the text redactions it made.
    RemoveBox { region: i64 },
    /// Pattern rules over a set of items (default: all).
    Rule {
        #[command(subcommand)]
        action: RuleCommand,
    },
    /// Redactions, of one item or all.
    List {
        id: Option<String>,
        #[arg(long)]
        reason: Option<String>,
    },
    /// Remove a redaction (and its copies on identical content).
    Remove { redaction: i64 },
    /// Items containing text redacted on ID where it is not redacted.
    Offers { id: String },
    /// Reason codes: add one of your own, or list them.
    Reason {
        #[command(subcommand)]
        action: ReasonCommand,
    },
    /// The built-in recognizers.
    Builtins,
}

#[derive(Subcommand)]
pub enum RuleCommand {
    Add {
        /// A built-in recognizer or group (see `exhibit redact builtins`).
        #[arg(long, group = "pattern")]
        builtin: Vec<String>,
        /// A regular expression.
        #[arg(long, group = "pattern")]
        regex: Option<String>,
        /// A file of terms, one per line.
        #[arg(long, group = "pattern", value_name = "FILE")]
        terms: Option<PathBuf>,
        /// Match terms only as whole words.
        #[arg(long)]
        whole_word: bool,
        /// Match terms with case.
        #[arg(long)]
        case_sensitive: bool,
        #[arg(long)]
        reason: String,
        /// Only items matching this query.
        #[arg(long)]
        query: Option<String>,
        #[arg(long)]
        pseudonymize: bool,
        /// The fields the rule covers, comma-separated: body, headers (From/To/Cc/Bcc/Subject
        /// and other header values), attachments (attachment and file names), metadata
        /// (document properties and the rest), or all. Default for a built-in PII recognizer:
        /// body,attachments; for built-in secrets alone, --regex and --terms: all.
        #[arg(long, value_name = "FIELDS")]
        scope: Option<String>,
        /// Never redact addresses or links at this domain or its subdomains (repeatable).
        #[arg(long, value_name = "DOMAIN")]
        allow_domain: Vec<String>,
        /// Never redact a match containing this value, e.g. "@counsel.com" or "Jane Roe"
        /// (repeatable; case-insensitive).
        #[arg(long, value_name = "VALUE")]
        allow: Vec<String>,
        /// Count matches per field and show a few; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// The stored rules, with their fields and allow-lists.
    List,
    /// Withdraw a rule and every redaction it made (one audited change).
    Remove {
        /// The rule's number (see `exhibit redact rule list`).
        rule: i64,
    },
}

#[derive(Subcommand)]
pub enum ReasonCommand {
    /// Add a reason code, e.g. `exhibit redact reason add EXPORT-CTRL Export controlled`.
    Add {
        /// Letters, digits, '-' or '_'; stored in upper case.
        code: String,
        /// What the code means, for people.
        label: Vec<String>,
    },
    /// The reason codes, built in and added.
    List,
}
