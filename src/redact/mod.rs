//! Redaction: spans over an item's extracted text (character offsets), the rules that propose
//! them and the redacted views built from them.
//!
//! [`recognizers`] is the pure part: text in, candidate spans out. [`engine`] stores spans,
//! applies them to identical copies, and renders redacted views. [`regions`] redacts a box
//! drawn on a PDF page and gives the viewer page-space boxes; [`pages`] maps PDF user space
//! onto the rendered page. [`view`] builds the one redacted view every surface shows, with
//! [`fold`] finding redacted values again however they are written.

pub mod recognizers;

pub use recognizers::{Group, Match, Recognizer, RuleError, RuleSet};
pub mod engine;
pub mod fold;
pub mod pages;
pub mod regions;
pub mod view;

pub use engine::{Reason, Redaction, RedactionBox, RedactionSpan, RuleRun, RuleSpec, Treatment};
pub use pages::PageFrame;
pub use regions::{PageBox, PageBoxes, Region, RegionAdded};
pub use view::RedactedItem;
