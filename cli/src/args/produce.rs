//! `exhibit produce` and `exhibit productions`.

use clap::{Args, ValueEnum};
use std::path::PathBuf;

#[derive(Args)]
#[command(group(clap::ArgGroup::new("set").required(true).args(["query", "tag"])))]
pub struct ProduceArgs {
    /// Produce what this query matches (the search language of `exhibit search`), with whole families.
    #[arg(long, value_name = "QUERY")]
    pub query: Option<String>,
    /// Produce every item with this tag, with whole families.
    #[arg(long, value_name = "TAG")]
    pub tag: Option<String>,
    /// Bates prefix, e.g. ACME (numbers read ACME-0000001; end it in `-`, `_` or `.` to choose the separator).
    #[arg(long, value_name = "P")]
    pub prefix: String,
    /// The folder the production's own folder (e.g. ACME001) is created in.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// First Bates number (default: one after the matter's last production with this prefix).
    #[arg(long, value_name = "N")]
    pub start: Option<u64>,
    /// Digits of the Bates number.
    #[arg(long, default_value_t = 7)]
    pub digits: usize,
    /// Volume name.
    #[arg(long, default_value = "VOL001")]
    pub volume: String,
    /// Endorsement stamped at the bottom left of every page, e.g. "CONFIDENTIAL – SUBJECT TO PROTECTIVE ORDER".
    #[arg(long, value_name = "TEXT", default_value = "")]
    pub endorse: String,
    /// Page images: one image-only PDF per document (150 dpi), or one 300-dpi Group IV TIFF per page (JPEG for colour pages).
    #[arg(long, value_enum, default_value_t = ImagesArg::Pdf)]
    pub images: ImagesArg,
    /// Natives: none; the original of every document produced without redactions; or spreadsheets only.
    #[arg(long, value_enum, default_value_t = NativesArg::None)]
    pub natives: NativesArg,
    /// Documents tagged privileged: withheld with a slip sheet and a privilege-log row, or produced redacted.
    #[arg(long, value_enum, default_value_t = PrivilegedArg::Withhold)]
    pub privileged: PrivilegedArg,
    /// Print what would be produced (documents, estimated pages, Bates range, treatments) without writing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum ImagesArg {
    Pdf,
    Tiff,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum NativesArg {
    None,
    Unredacted,
    AllSpreadsheets,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum PrivilegedArg {
    Withhold,
    Redact,
}
