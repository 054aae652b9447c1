//! `exhibit audit`: the API's `audit`.

use super::{Context, Outcome};
use crate::args::AuditArgs;
use crate::failure::Failure;
use exhibit::api::responses::AuditLog;

pub fn run(cx: &Context, a: AuditArgs) -> Result<Outcome, Failure> {
    let entries = cx.open()?.audit_log(a.limit)?;
    cx.out.answer(&AuditLog { entries })?;
    Ok(Outcome::Done)
}
