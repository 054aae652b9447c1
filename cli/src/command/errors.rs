//! `exhibit errors`: the API's `errors`.

use super::{Context, Outcome};
use crate::failure::Failure;
use exhibit::api::responses::ErrorList;

pub fn run(cx: &Context) -> Result<Outcome, Failure> {
    let errors = cx.open()?.errors()?;
    cx.out.answer(&ErrorList { errors })?;
    Ok(Outcome::Done)
}
