//! Exhibit: a local-first evidence and discovery-review library.
//!
//! [`Matter`] is the one entry point: the CLI and the HTTP server (`cli/`) and the desktop
//! shell are thin transports over it. See ARCHITECTURE.md for the map.

pub mod api;
pub mod assess;
pub mod calls;
pub mod error;
pub mod index;
pub mod ingest;
pub mod matter;
pub mod modellogs;
pub mod redact;
pub mod review;
pub mod verify;
pub mod view;

pub use error::{Error, Result};
pub use matter::Matter;
