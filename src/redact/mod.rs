//! Redaction: spans over an item's extracted text (character offsets), the rules that propose
//! them and the redacted views built from them.
//!
//! [`recognizers`] is the pure part: text in, candidate spans out. [`engine`] stores spans,
//! applies them to identical copies, and renders redacted views. [`regions`] redacts a box
//! drawn on a PDF page and gives the viewer page-space boxes; [`pages`] maps PDF user space
//! onto the rendered page.

pub mod recognizers;

pub use recognizers::{Group, Match, Recognizer, RuleError, RuleSet};
pub mod engine;
pub mod pages;
pub mod regions;

pub use engine::{Redaction, RedactionBox, RedactionSpan, RuleRun, RuleSpec, Treatment};
pub use pages::PageFrame;
pub use regions::{PageBox, PageBoxes, Region, RegionAdded};
