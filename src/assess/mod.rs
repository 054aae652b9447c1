//! The exposure report (early case assessment): what a case would expose against what the
//! evidence proves, assembled from sections that each carry their own assessment.
//!
//! [`exposure`] computes the report's figures (requests against the matter, privilege, review
//! cost, the sampling estimate, the evidence side); [`section`] holds the blocks a section is
//! written in and [`model_logs`] the model-log evidence section. Rendering the report to PDF,
//! HTML and CSV is above this layer (it shares the production's page renderer).

pub mod exposure;
pub mod model_logs;
pub mod section;

pub use section::{Block, Rating, ReportFormat, Section};
