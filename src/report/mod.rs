//! The exposure report written out: PDF (laid out by the production's page renderer, so the
//! house has one), self-contained HTML (no script, no remote resource), CSV and JSON of every
//! figure. The figures come computed ([`ExposureReport`]); this layer only lays them out.

pub mod chart;
mod csv;
mod html;
pub mod layout;
mod pdf;

use crate::assess::exposure::ExposureReport;
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::path::Path;
use ts_rs::TS;

/// The formats the report is written in, chosen by the file's extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ReportFile {
    Pdf,
    Html,
    Csv,
    Json,
}

impl ReportFile {
    /// The format `path`'s extension names.
    pub fn for_path(path: &Path) -> Result<ReportFile> {
        match path.extension().and_then(|e| e.to_str()).map(|e| e.to_ascii_lowercase()).as_deref() {
            Some("pdf") => Ok(ReportFile::Pdf),
            Some("html" | "htm") => Ok(ReportFile::Html),
            Some("csv") => Ok(ReportFile::Csv),
            Some("json") => Ok(ReportFile::Json),
            _ => Err(Error::BadInput(format!(
                "{} does not name a report format: end the file name in .pdf, .html, .csv or .json",
                path.display()
            ))),
        }
    }
}

/// The report in `format`.
pub fn render(report: &ExposureReport, format: ReportFile) -> Result<Vec<u8>> {
    match format {
        ReportFile::Json => Ok(serde_json::to_vec_pretty(report)?),
        ReportFile::Html => Ok(html::render(report).into_bytes()),
        ReportFile::Csv => csv::render(report),
        ReportFile::Pdf => pdf::render(report),
    }
}

/// Writes the report to `path` in the format its extension names.
pub fn write(report: &ExposureReport, path: &Path) -> Result<ReportFile> {
    let format = ReportFile::for_path(path)?;
    let bytes = render(report, format)?;
    std::fs::write(path, bytes).map_err(|e| Error::Write { path: path.to_path_buf(), source: e })?;
    Ok(format)
}
