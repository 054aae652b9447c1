//! `exhibit`, the command line: a thin transport over the library (contract: cli.md).
//!
//! `args/` says what is accepted, `command/` makes one library call per command (the same the
//! API's handler makes), `printer` shows the answer. `serve` is the HTTP transport.
//!
//! Exit status: 0 success, 1 the operation failed (the library's message on stderr, saying what
//! to do), 2 bad usage (clap, or a query that cannot be read). `--json` prints exactly one JSON
//! document on stdout — the answer, or `{"error": {"code", "message"}}` when there is none (the
//! message also goes to stderr); progress goes to stderr, and only when stderr is a terminal.

use clap::Parser;
use command::Outcome;
use exhibit::api::{ApiError, ErrorCode};
use std::io::Write;
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
    let json = std::env::args_os().skip(1).take_while(|a| a != "--").any(|a| a == "--json");
    let cli = match args::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // `--help` and `--version` are answers (stdout, exit 0); the rest is bad usage.
            if json && e.use_stderr() {
                let message = e.render().to_string();
                let message = message.trim().trim_start_matches("error: ");
                print_json_error(&ApiError::new(ErrorCode::BadRequest, message));
            }
            e.exit()
        }
    };
    match command::run(cli) {
        Ok(Outcome::Done) => ExitCode::SUCCESS,
        Ok(Outcome::Failed) => ExitCode::from(1),
        Err(e) => {
            eprintln!("exhibit: {e}");
            if json {
                print_json_error(&e.api_error());
            }
            ExitCode::from(e.exit_code())
        }
    }
}

/// With `--json`, a failure is the one JSON document on stdout: `{"error": {"code", "message"}}`,
/// the API's error (code as the API names it), so a script reads stdout whatever happened.
fn print_json_error(e: &ApiError) {
    let doc = serde_json::json!({ "error": e });
    let _ = writeln!(std::io::stdout().lock(), "{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
}
