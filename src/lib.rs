//! Exhibit: a local-first evidence and discovery-review library.
//!
//! [`Matter`] is the one entry point: the CLI and the HTTP server (`cli/`) and the
//! desktop shell are thin transports over it. The modules form layers, each importing only those below
//! it (ARCHITECTURE.md, "Layers"; checked by tests/it/layering.rs). See ARCHITECTURE.md for the map.

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
pub mod produce;
pub mod recognizers;
pub mod redact;
pub mod report;
pub mod review;
pub mod store;
pub mod verify;
pub mod view;

pub use error::{Error, Result};
pub use matter::Matter;
