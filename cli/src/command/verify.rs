//! `exhibit verify`: the API's `verify`, with an optional anchor.

use super::{Context, Outcome};
use crate::args::VerifyArgs;
use crate::failure::Failure;
use exhibit::verify::VerifyOptions;

pub fn run(cx: &Context, a: VerifyArgs) -> Result<Outcome, Failure> {
    if let Some(dir) = a.production {
        let report = cx.open()?.verify_production(&dir)?;
        cx.out.answer(&report)?;
        return Ok(if report.ok { Outcome::Done } else { Outcome::Failed });
    }
    let report = cx.open()?.verify_with(&VerifyOptions { anchor: a.anchor })?;
    cx.out.answer(&report)?;
    // cli.md: a failed verification exits 1, and still prints its answer.
    Ok(if report.ok { Outcome::Done } else { Outcome::Failed })
}
