//! Ingestion: walk → detect → extract (isolated, bounded) → dedupe → store → index.

pub mod commit;
pub mod pipeline;
pub mod received;
pub mod worker;

pub use pipeline::{IngestOptions, IngestProgress, IngestSummary};
