//! A redaction span as an item view lists it, and how it is shown ([`Treatment`]). Kept in the
//! store because the item view ([`super::items::ItemView`]) carries them; redaction (`redact`)
//! stores and applies them.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// What replaces a span in the redacted view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Treatment {
    /// `[REDACTED – CODE]`.
    #[default]
    Redact,
    /// A stable token per value (same value → same token, keyed per matter), so patterns
    /// across accounts survive redaction.
    Pseudonymize,
}

impl Treatment {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Treatment::Redact => "redact",
            Treatment::Pseudonymize => "pseudonymize",
        }
    }
    pub(crate) fn parse(s: &str) -> Treatment {
        if s == "pseudonymize" {
            Treatment::Pseudonymize
        } else {
            Treatment::Redact
        }
    }
}

/// A redaction as an item view lists it: the span and how it is shown, without the item,
/// actor and time the item view already has or the viewer does not need.
#[derive(Debug, Clone, Serialize, TS)]
pub struct RedactionSpan {
    pub id: i64,
    /// Character offsets in the item's extracted text, end exclusive.
    pub start: usize,
    pub end: usize,
    pub reason: String,
    pub source: String,
    pub treatment: Treatment,
}
