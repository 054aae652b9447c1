//! Ingestion: walk → detect → extract (isolated, bounded) → dedupe → store → index.

pub mod commit;
pub mod detect;
pub mod email_key;
pub mod names;
pub mod pipeline;
pub mod worker;

pub use pipeline::{IngestOptions, IngestProgress, IngestSummary};
