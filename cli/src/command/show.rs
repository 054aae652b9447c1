//! `exhibit show ID`: the API's `item`, built by the same library function
//! ([`exhibit::api::answers::item`]), so the command line and the API show one view.

use super::{Context, Outcome};
use crate::args::ShowArgs;
use crate::failure::Failure;
use crate::printer::Item;

pub fn run(cx: &Context, a: ShowArgs) -> Result<Outcome, Failure> {
    let m = cx.open()?;
    // Both views have one shape (the redacted one with every string redacted): print it as such.
    let answer = serde_json::to_value(exhibit::api::answers::item(&m, &a.id, a.hits.as_deref(), a.redacted)?)?;
    cx.out.either(&answer, &Item(&answer))?;
    Ok(Outcome::Done)
}
