//! Redaction: spans over an item's extracted text (character offsets), the rules that propose
//! them and the redacted views built from them.
//!
//! [`recognizers`] is the pure part: text in, candidate spans out. [`engine`] stores spans,
//! applies them to identical copies, and renders redacted views.

pub mod recognizers;

pub use recognizers::{Group, Match, Recognizer, RuleError, RuleSet};
pub mod engine;

pub use engine::{Redaction, RedactionSpan, RuleRun, RuleSpec, Treatment};
