//! Coding items: tags and notes.

use clap::{Args, Subcommand};

/// Which items a tag goes on or comes off, and how far it spreads.
#[derive(Args)]
pub struct Coding {
    /// The tag's name (any case; see `exhibit tag list`).
    pub tag: String,
    /// Items (ids or control numbers).
    pub items: Vec<String>,
    /// Every item matching this query instead (query language: `exhibit help query`).
    #[arg(long, conflicts_with = "items")]
    pub query: Option<String>,
    /// Spread to the whole family of each item.
    #[arg(long)]
    pub family: bool,
    /// Spread to items with the same SHA-256.
    #[arg(long)]
    pub duplicates: bool,
    /// Create the tag if the matter has none of that name (without it, a mistyped tag is refused).
    #[arg(long)]
    pub create: bool,
}

#[derive(Subcommand)]
pub enum TagCommand {
    /// Apply a tag (a tag that does not exist yet needs --create).
    Add(Coding),
    /// Remove a tag (also how a bulk coding is undone).
    Remove(Coding),
    /// Every tag with its count.
    List,
}

#[derive(Subcommand)]
pub enum NoteCommand {
    /// Add a note to an item.
    Add {
        /// Item id or control number.
        item: String,
        /// The note (the words may be given unquoted).
        #[arg(required = true)]
        text: Vec<String>,
    },
    /// An item's notes, oldest first.
    List {
        /// Item id or control number.
        item: String,
    },
}
