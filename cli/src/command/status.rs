//! `exhibit status`: the API's `status`.

use super::{Context, Outcome};
use crate::failure::Failure;

pub fn run(cx: &Context) -> Result<Outcome, Failure> {
    cx.out.answer(&cx.open()?.status()?)?;
    Ok(Outcome::Done)
}
