//! Ingestion: walk → detect → extract (isolated, bounded) → dedupe → store → index.

pub mod detect;
pub mod extract;
