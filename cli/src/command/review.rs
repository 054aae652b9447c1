//! `exhibit tag …` and `exhibit note …`: the API's `tags`, `tag_add`, `tag_remove`,
//! `note_add` and `notes`.

use super::{Context, Outcome};
use crate::args::{Coding, NoteCommand, TagCommand};
use crate::failure::Failure;
use crate::printer::{NoteAdded, Tagged, Untagged};
use exhibit::api::responses::{NoteList, TagList};
use exhibit::review::{Propagate, Target};

pub fn tag(cx: &Context, action: TagCommand) -> Result<Outcome, Failure> {
    let mut m = cx.open()?;
    match action {
        TagCommand::List => cx.out.answer(&TagList { tags: m.tags()? })?,
        TagCommand::Add(c) => {
            let (target, spread) = target(&c)?;
            if !c.create {
                m.require_tag(&c.tag)?;
            }
            let change = m.tag_add(&c.tag, &target, spread)?;
            cx.out.either(&change, &Tagged(&change))?;
        }
        TagCommand::Remove(c) => {
            let (target, spread) = target(&c)?;
            let change = m.tag_remove(&c.tag, &target, spread)?;
            cx.out.either(&change, &Untagged(&change))?;
        }
    }
    Ok(Outcome::Done)
}

/// The items a coding names, or its query, and how far it spreads.
fn target(c: &Coding) -> Result<(Target, Propagate), Failure> {
    let target = match &c.query {
        Some(q) => Target::Query(q.clone()),
        None if c.items.is_empty() => return Err(Failure::Missing("name the items to code, or give --query")),
        None => Target::Items(c.items.clone()),
    };
    Ok((target, Propagate { families: c.family, duplicates: c.duplicates }))
}

pub fn note(cx: &Context, action: NoteCommand) -> Result<Outcome, Failure> {
    let mut m = cx.open()?;
    match action {
        NoteCommand::Add { item, text } => {
            let note = m.note_add(&item, &text.join(" "))?;
            let control = m.control_number(&note.item.to_string())?;
            cx.out.either(&note, &NoteAdded { note: &note, control: &control })?;
        }
        NoteCommand::List { item } => cx.out.answer(&NoteList { notes: m.notes(&item)? })?,
    }
    Ok(Outcome::Done)
}
