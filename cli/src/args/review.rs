//! Coding items: tags and notes.

use clap::{Args, Subcommand};

/// Which items a tag goes on or comes off, and how far it spreads.
#[derive(Args)]
pub struct Coding {
    pub tag: String,
    /// Items (ids or control numbers).
    pub items: Vec<String>,
    /// Every item matching this query instead.
    #[arg(long, conflicts_with = "items")]
    pub query: Option<String>,
    /// Spread to the whole family of each item.
    #[arg(long)]
    pub family: bool,
    /// Spread to items with the same SHA-256.
    #[arg(long)]
    pub duplicates: bool,
}

#[derive(Subcommand)]
pub enum TagCommand {
    /// Apply a tag (a new name creates a user tag).
    Add(Coding),
    /// Remove a tag (also how a bulk coding is undone).
    Remove(Coding),
    /// Every tag with its count.
    List,
}

#[derive(Subcommand)]
pub enum NoteCommand {
    Add { item: String, text: Vec<String> },
    List { item: String },
}
