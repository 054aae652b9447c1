//! The exposure report (early case assessment): what a case would expose against what the
//! evidence proves, assembled from sections that each carry their own assessment.
//!
//! Today it holds the report's building blocks ([`section`]) and the model-log evidence
//! section ([`model_logs`]); the full report (requests against the matter, privilege and
//! review cost) is assembled from sections like it.

pub mod model_logs;
pub mod section;

pub use section::{Block, Rating, ReportFormat, Section};
