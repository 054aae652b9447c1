//! `exhibit help [TOPIC]`: the query language (`exhibit help query`, docs/query-language.md as
//! built into the program), or a command's `--help` (`exhibit help tag add`).

use super::Outcome;
use crate::args::{Cli, HelpArgs};
use crate::failure::Failure;
use clap::CommandFactory;
use std::io::Write;

/// docs/query-language.md, the one description of the language, carried in the program so that
/// `exhibit help query` and the documentation cannot differ.
const QUERY_LANGUAGE: &str = include_str!("../../../docs/query-language.md");

pub fn run(a: HelpArgs) -> Result<Outcome, Failure> {
    let topic: Vec<String> = a.topic.iter().map(|t| t.to_ascii_lowercase()).collect();
    let mut out = std::io::stdout().lock();
    match topic.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["query" | "queries" | "query-language" | "search-syntax" | "syntax"] => out.write_all(QUERY_LANGUAGE.as_bytes())?,
        path => {
            let mut cmd = Cli::command();
            cmd.build();
            let mut at = &mut cmd;
            for name in path {
                at = match at.find_subcommand_mut(name) {
                    Some(sub) if !sub.is_hide_set() => sub,
                    _ => return Err(Failure::NoHelp(a.topic.join(" "))),
                };
            }
            write!(out, "{}", at.render_long_help())?;
        }
    }
    out.flush()?;
    Ok(Outcome::Done)
}
