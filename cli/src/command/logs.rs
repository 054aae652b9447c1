//! `exhibit logs analyze`: the API's `logs_analyze` (the same library function), and
//! optionally the signals as CSV and the exposure report's model-log section as files.

use super::{Context, Outcome};
use crate::args::{GroupArg, LogsCommand};
use crate::failure::Failure;
use exhibit::assess::ReportFormat;
use exhibit::modellogs::GroupBy;
use exhibit::Error;

pub fn run(cx: &Context, action: LogsCommand) -> Result<Outcome, Failure> {
    let LogsCommand::Analyze { group_by, suspect_outputs, tag, csv, section } = action;
    let mut m = cx.open()?;
    let group_by = match group_by {
        GroupArg::Account => GroupBy::Account,
        GroupArg::Key => GroupBy::Key,
        GroupArg::User => GroupBy::User,
        GroupArg::Ip => GroupBy::Ip,
    };
    let answer = exhibit::api::answers::logs_analyze(&mut m, group_by, suspect_outputs.as_deref(), tag)?;
    if let Some(path) = &csv {
        std::fs::write(path, exhibit::calls::report_csv(&answer.report)).map_err(|e| Error::Write { path: path.clone(), source: e })?;
    }
    if let Some(path) = &section {
        let text = m.model_log_section(&answer.report)?.render(ReportFormat::for_path(path));
        std::fs::write(path, text).map_err(|e| Error::Write { path: path.clone(), source: e })?;
    }
    cx.out.answer(&answer)?;
    Ok(Outcome::Done)
}
