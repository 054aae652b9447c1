//! `exhibit serve`: the HTTP transport ([`crate::serve`]) until it is stopped.

use super::Outcome;
use crate::args::ServeArgs;
use crate::failure::Failure;
use std::path::PathBuf;
use std::time::Duration;

pub fn run(matter: Option<PathBuf>, actor: Option<String>, a: ServeArgs) -> Result<Outcome, Failure> {
    crate::serve::run(crate::serve::Options {
        matter,
        actor,
        port: a.port,
        ui_dir: a.ui,
        allow: a.allow,
        header_timeout: Duration::from_millis(a.header_timeout_ms),
    })?;
    Ok(Outcome::Done)
}
