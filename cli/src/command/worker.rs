//! `exhibit __worker BLOB_DIR`: an ingest's extraction worker, started by the library itself
//! (`ingest::worker`), which talks to it over stdin/stdout.

use super::Outcome;
use crate::args::WorkerArgs;
use crate::failure::Failure;

pub fn run(a: WorkerArgs) -> Result<Outcome, Failure> {
    exhibit::ingest::worker::serve(&a.blob_dir)?;
    Ok(Outcome::Done)
}
