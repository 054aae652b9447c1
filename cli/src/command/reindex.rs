//! `exhibit reindex`: rebuild the search index from the database (no API method).

use super::{Context, Outcome};
use crate::failure::Failure;
use serde::Serialize;

/// How many items the rebuilt index holds.
#[derive(Serialize)]
pub struct Reindexed {
    pub indexed: usize,
}

pub fn run(cx: &Context) -> Result<Outcome, Failure> {
    let indexed = cx.open()?.reindex()?;
    cx.out.answer(&Reindexed { indexed })?;
    Ok(Outcome::Done)
}
