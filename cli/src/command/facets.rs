//! `exhibit facets [QUERY]`: the API's `facets`.

use super::{Context, Outcome};
use crate::args::FacetsArgs;
use crate::failure::Failure;

pub fn run(cx: &Context, a: FacetsArgs) -> Result<Outcome, Failure> {
    cx.out.answer(&cx.open()?.facets(&a.query.join(" "))?)?;
    Ok(Outcome::Done)
}
