//! `exhibit saved …`: the API's `save_search`, `saved_searches` and `delete_saved_search`.

use super::{Context, Outcome};
use crate::args::SavedCommand;
use crate::failure::Failure;
use exhibit::api::responses::{SavedSearchList, SavedSearchRemoved};

pub fn run(cx: &Context, action: SavedCommand) -> Result<Outcome, Failure> {
    let mut m = cx.open()?;
    match action {
        SavedCommand::Add { name, query } => cx.out.answer(&m.save_search(&name, &query.join(" "))?)?,
        SavedCommand::List => cx.out.answer(&SavedSearchList { saved_searches: m.saved_searches()? })?,
        SavedCommand::Remove { name } => {
            m.delete_saved_search(&name)?;
            cx.out.answer(&SavedSearchRemoved { removed: name })?;
        }
    }
    Ok(Outcome::Done)
}
