//! Redaction: spans over an item's extracted text (character offsets), the rules that propose
//! them and the redacted views built from them.
//!
//! [`recognizers`] is the pure part: text in, candidate spans out. [`engine`] stores spans,
//! applies them to identical copies, and renders redacted views. [`rules`] runs, lists and withdraws pattern rules; [`scope`] says which fields of an item a rule covers and what it must leave alone. [`regions`] redacts a box
//! drawn on a PDF page and gives the viewer page-space boxes; [`pages`] maps PDF user space
//! onto the rendered page. [`view`] builds the one redacted view every surface shows, with
//! [`fold`] finding redacted values again however they are written.

pub mod engine;
pub mod fold;
pub mod item;
pub mod regions;
pub mod rules;
pub mod scope;
pub mod view;

/// The pure recognizers and the PDF page geometry live in layer 1 (`crate::recognizers`,
/// `crate::extract::pages`); these names keep the paths redaction's callers use.
pub use crate::extract::pages::{self, PageFrame};
pub use crate::recognizers::{self, Group, Match, Recognizer, RuleError, RuleSet};
pub use engine::{Reason, Redaction, RedactionBox, RedactionSpan, RuleSpec, Treatment};
pub use regions::{PageBox, PageBoxes, Region, RegionAdded};
pub use rules::{RuleExample, RuleInfo, RuleRemoved, RuleRun};
pub use scope::{AllowList, Field, RuleScope};
pub use view::RedactedItem;
