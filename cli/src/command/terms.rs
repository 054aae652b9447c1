//! `exhibit str FILE`: the API's `terms_report` over the lines of FILE, optionally as CSV too.

use super::{Context, Outcome};
use crate::args::StrArgs;
use crate::failure::Failure;
use exhibit::Error;

pub fn run(cx: &Context, a: StrArgs) -> Result<Outcome, Failure> {
    let m = cx.open()?;
    let text = std::fs::read_to_string(&a.file).map_err(|e| Error::Read { path: a.file.clone(), source: e })?;
    let lines: Vec<String> = text.lines().map(str::to_string).collect();
    let report = m.terms_report(&lines)?;
    if let Some(path) = &a.csv {
        std::fs::write(path, report.to_csv()).map_err(|e| Error::Write { path: path.clone(), source: e })?;
    }
    cx.out.answer(&report)?;
    if report.term_errors > 0 {
        // The report is printed (and written) with the bad rows marked; the exit status tells
        // a script that it is not complete.
        eprintln!(
            "exhibit: {} term(s) could not be searched and have no counts: correct them and run the report again",
            report.term_errors
        );
        return Ok(Outcome::Failed);
    }
    Ok(Outcome::Done)
}
