//! The answers that take more than one library call to build, built once here: the API's
//! [`Session`](super::Session) and the `exhibit` command line both call these, so `exhibit show`
//! and the `item` request (and `redact list` / `redactions`, `logs analyze` / `logs_analyze`)
//! cannot drift apart again.

use super::responses::{ItemAnswer, ItemReply, LogsAnswer, RedactionList, TaggedCalls};
use crate::error::{Error, Result};
use crate::modellogs::GroupBy;
use crate::Matter;
use std::path::Path;

/// Why a redacted view answers no hit offsets (the same whatever the query, so the refusal
/// itself confirms nothing).
pub const REDACTED_NO_HITS: &str =
    "hit offsets are not given in the redacted view (they could confirm a redacted value): search the redacted set with `search --redacted`, or look at the unredacted item";

/// `item`: one item as [`ItemAnswer`] — its call record when it is a model call, and with
/// `hits` the character offsets of that query's hits. `redacted`: the one redacted view
/// (src/redact/view.rs), the same shape with every string redacted, which refuses `hits`.
pub fn item(m: &Matter, id: &str, hits: Option<&str>, redacted: bool) -> Result<ItemReply> {
    if redacted {
        if hits.is_some() {
            return Err(Error::Refused(REDACTED_NO_HITS));
        }
        return Ok(ItemReply::Redacted(m.redacted_item(id)?.answer));
    }
    let item = m.item(id)?;
    let model_call = m.call_record(item.id)?;
    let hits = match hits {
        Some(q) => Some(m.hit_offsets(id, q)?),
        None => None,
    };
    Ok(ItemReply::Item(Box::new(ItemAnswer { item, model_call, hits })))
}

/// `redactions`: the text redactions (of one item or all, optionally of one reason) and, when
/// one item is asked for, its region (box) redactions.
pub fn redactions(m: &Matter, item: Option<&str>, reason: Option<&str>) -> Result<RedactionList> {
    let redactions = m.redactions(item, reason)?;
    let regions = match item {
        Some(item) => {
            let id = crate::store::items::resolve(&m.store.db, item)?;
            let reason = reason.map(str::to_uppercase);
            Some(m.redaction_regions(id)?.into_iter().filter(|g| reason.as_ref().is_none_or(|r| &g.reason == r)).collect())
        }
        None => None,
    };
    Ok(RedactionList { redactions, regions })
}

/// `logs_analyze`: the distillation analysis, and with `tag` the calls of every flagged
/// account tagged (evidence).
pub fn logs_analyze(m: &mut Matter, group_by: GroupBy, suspect_outputs: Option<&Path>, tag: Option<String>) -> Result<LogsAnswer> {
    let report = m.analyze_calls(group_by, suspect_outputs)?;
    let tagged = match tag {
        Some(tag) => Some(TaggedCalls { changed: m.tag_flagged_calls(&report, &tag)?, tag }),
        None => None,
    };
    Ok(LogsAnswer { report, tagged })
}
