//! One module per command: gather the arguments, make one call into the library (the same call
//! the API's handler makes for that method), hand the answer to the [`Printer`].

use crate::args::{Cli, Command};
use crate::failure::Failure;
use crate::printer::Printer;
use exhibit::Matter;
use std::path::PathBuf;

mod assess;
mod audit;
mod errors;
mod facets;
mod help;
mod ingest;
mod init;
mod logs;
mod produce;
pub mod redact;
pub mod reindex;
mod review;
mod saved;
pub mod search;
mod serve;
mod show;
mod status;
mod terms;
mod verify;
mod worker;

/// How a command that printed its answer ended.
pub enum Outcome {
    Done,
    /// The answer is printed and says what is wrong (a failed verification, terms that could
    /// not be counted): exit 1, so a script knows.
    Failed,
}

/// What every command may need: the matter folder, if one was named, and the printer.
pub struct Context {
    matter: Option<PathBuf>,
    pub out: Printer,
}

impl Context {
    /// The matter named by `--matter` or `EXHIBIT_MATTER`.
    pub fn open(&self) -> Result<Matter, Failure> {
        match &self.matter {
            Some(dir) => Ok(Matter::open(dir)?),
            None => Err(Failure::NoMatterNamed),
        }
    }
}

pub fn run(cli: Cli) -> Result<Outcome, Failure> {
    // Who acts, for every audit entry, tag and note this process writes (`serve` hands it to
    // its API session instead).
    exhibit::store::actor::set_actor(cli.actor.as_deref());
    let cx = Context { matter: cli.matter, out: Printer::new(cli.json) };
    match cli.command {
        Command::Init(a) => init::run(&cx, a),
        Command::Ingest(a) => ingest::run(&cx, a),
        Command::Status => status::run(&cx),
        Command::Errors => errors::run(&cx),
        Command::Search(a) => search::run(&cx, a),
        Command::Logs { action } => logs::run(&cx, action),
        Command::Facets(a) => facets::run(&cx, a),
        Command::Str(a) => terms::run(&cx, a),
        Command::Tag { action } => review::tag(&cx, action),
        Command::Note { action } => review::note(&cx, action),
        Command::Saved { action } => saved::run(&cx, action),
        Command::Redact { action } => redact::run(&cx, action),
        Command::Show(a) => show::run(&cx, a),
        Command::Verify(a) => verify::run(&cx, a),
        Command::Produce(a) => produce::run(&cx, a),
        Command::Productions => produce::list(&cx),
        Command::Assess(a) => assess::run(&cx, a),
        Command::Reindex => reindex::run(&cx),
        Command::Audit(a) => audit::run(&cx, a),
        Command::Worker(a) => worker::run(a),
        Command::Serve(a) => serve::run(cx.matter, cli.actor, a),
        Command::Help(a) => help::run(a),
    }
}
