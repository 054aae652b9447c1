//! `exhibit search QUERY`: the API's `search` (with `--redacted`, its redacted mode), and with
//! `--facets` the `facets` answer beside it.

use super::{Context, Outcome};
use crate::args::{SearchArgs, SortArg};
use crate::failure::Failure;
use exhibit::index::facets::Facets;
use exhibit::index::{SearchResult, Sort};
use serde::Serialize;

/// The `search` answer, and the facet counts when asked for.
#[derive(Serialize)]
pub struct SearchAnswer {
    #[serde(flatten)]
    pub result: SearchResult,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub facets: Option<Facets>,
}

pub fn run(cx: &Context, a: SearchArgs) -> Result<Outcome, Failure> {
    let m = cx.open()?;
    let sort = match a.sort {
        SortArg::Relevance => Sort::Relevance,
        SortArg::Date => Sort::Date,
    };
    let query = a.query.join(" ");
    let mut result =
        if a.redacted { m.search_redacted(&query, a.limit, a.offset, sort)? } else { m.search(&query, a.limit, a.offset, sort)? };
    // `--limit 0` asks for the count alone (a search always finds at least one hit to rank).
    result.hits.truncate(a.limit);
    let facets = if a.facets { Some(m.facets(&query)?) } else { None };
    cx.out.answer(&SearchAnswer { result, facets })?;
    Ok(Outcome::Done)
}
