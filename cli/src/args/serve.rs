//! The long-running programs: the HTTP server and the ingest's extraction worker.

use clap::Args;
use std::path::PathBuf;

#[derive(Args)]
pub struct ServeArgs {
    /// Port to listen on (0: any free port).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// The built UI folder (default: ui/dist of this source tree, or EXHIBIT_UI_DIR).
    #[arg(long, value_name = "DIR")]
    pub ui: Option<PathBuf>,
    /// A folder under which the browser may create and open matters and ingest files
    /// (repeatable). Without it, only the --matter folder can be used, and nothing ingested.
    #[arg(long, value_name = "DIR")]
    pub allow: Vec<PathBuf>,
    /// Milliseconds a client may take to send a request's headers before it is disconnected.
    #[arg(long, value_name = "MS", default_value_t = 10_000, hide = true)]
    pub header_timeout_ms: u64,
}

/// `exhibit __worker BLOB_DIR`, started by the library's ingest (`ingest::worker`), which finds
/// this program by its name `exhibit`.
#[derive(Args)]
pub struct WorkerArgs {
    /// The matter's blob folder the worker stores originals in.
    pub blob_dir: PathBuf,
}
