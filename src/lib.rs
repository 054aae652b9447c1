//! Exhibit: a local-first evidence and discovery-review library.
//!
//! [`Matter`] is the one entry point: the CLI (`src/main.rs`), the HTTP server and the desktop
//! shell are thin transports over it. The modules form layers, each importing only those below
//! it (ARCHITECTURE.md, "Layers"; checked by tests/layering.rs). See ARCHITECTURE.md for the map.

pub mod api;
pub mod assess;
pub mod calls;
pub mod error;
pub mod extract;
pub mod index;
pub mod ingest;
pub mod intake;
pub mod matter;
pub mod modellogs;
pub mod recognizers;
pub mod redact;
pub mod review;
pub mod store;
pub mod verify;
pub mod view;

pub use error::{Error, Result};
pub use matter::Matter;

/// mimalloc for every program built on the library (the CLI, the server, the desktop app, the
/// benchmarks): imports hand records from a parsing thread to the writer and to the index's
/// threads, and glibc's allocator spent a tenth of an import's CPU on those cross-thread
/// frees; with mimalloc, model-call import ran 12% faster.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
