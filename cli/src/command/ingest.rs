//! `exhibit ingest PATH…`: the API's `ingest` (the same `Matter::ingest`), with the worker
//! count and timeout the API leaves at their defaults, a progress bar on a terminal, and
//! Ctrl-C as the cancel flag.

use super::{Context, Outcome};
use crate::args::IngestArgs;
use crate::failure::Failure;
use exhibit::ingest::{IngestOptions, IngestProgress};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

pub fn run(cx: &Context, a: IngestArgs) -> Result<Outcome, Failure> {
    let mut m = cx.open()?;
    let mut opts = IngestOptions { custodian: a.custodian, timeout: Duration::from_secs(a.timeout), ..Default::default() };
    if let Some(w) = a.workers {
        opts.workers = w;
    }
    cancel_on_ctrl_c(opts.cancel.clone());
    let bar = progress_bar();
    let summary = m.ingest(&a.paths, &opts, &mut |p| show_progress(bar.as_ref(), p))?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    cx.out.answer(&summary)?;
    // Everything is committed and searchable; the index may still be merging the segments this
    // import wrote. Exiting would abandon those merges, and a matter fed by many short runs
    // would pile segments up, so the command sees them through.
    if !summary.cancelled {
        m.wait_for_index_merges()?;
    }
    Ok(Outcome::Done)
}

/// A byte-based progress bar on stderr, only when stderr is a terminal (cli.md).
fn progress_bar() -> Option<indicatif::ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:30} {bytes}/{total_bytes} {bytes_per_sec} ETA {eta} {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar.enable_steady_tick(Duration::from_millis(200));
    Some(bar)
}

fn show_progress(bar: Option<&indicatif::ProgressBar>, p: &IngestProgress) {
    if let Some(bar) = bar {
        bar.set_length(p.bytes_total);
        bar.set_position(p.bytes_done);
        bar.set_message(format!(
            "{}/{} files · {} items · {} dup · {} errors",
            p.files_done, p.files_total, p.items_added, p.duplicates, p.errors
        ));
    }
}

/// Ctrl-C asks the ingest to stop after the files in flight; what finished is kept.
pub(super) fn cancel_on_ctrl_c(flag: Arc<AtomicBool>) {
    static FLAG: OnceLock<Arc<AtomicBool>> = OnceLock::new();
    let _ = FLAG.set(flag);
    extern "C" fn on_sigint(_: libc::c_int) {
        if let Some(f) = FLAG.get() {
            f.store(true, Ordering::Relaxed);
        }
    }
    // SAFETY: the handler only stores to an atomic.
    unsafe {
        libc::signal(libc::SIGINT, on_sigint as *const () as libc::sighandler_t);
    }
}
