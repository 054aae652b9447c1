//! `exhibit`, the command line: a thin transport over the library (contract: cli.md).
//!
//! `args/` says what is accepted, `command/` makes one library call per command (the same the
//! API's handler makes), `printer` shows the answer. `serve` is the HTTP transport.
//!
//! Exit status: 0 success, 1 the operation failed (the library's message on stderr, saying what
//! to do), 2 bad usage (clap, or a query that cannot be read). `--json` prints exactly one JSON
//! document on stdout; progress goes to stderr, and only when stderr is a terminal.

use clap::Parser;
use command::Outcome;
use std::process::ExitCode;

mod args;
mod command;
mod failure;
mod printer;
mod serve;

/// mimalloc for this program and the extraction workers it runs: imports hand records from a
/// parsing thread to the writer and to the index's threads, and glibc's allocator spent a
/// tenth of an import's CPU on those cross-thread frees; with mimalloc, model-call import ran
/// 12% faster. Set here, not in the library, so that what links the library chooses its own.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // Behave like other Unix tools when the reader goes away (`exhibit search x | head`).
    #[cfg(unix)]
    // SAFETY: restoring the default disposition of SIGPIPE before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    match command::run(args::Cli::parse()) {
        Ok(Outcome::Done) => ExitCode::SUCCESS,
        Ok(Outcome::Failed) => ExitCode::from(1),
        Err(e) => {
            eprintln!("exhibit: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}
