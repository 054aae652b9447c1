//! The exposure report as data: every figure the PDF, HTML, CSV, JSON and the app's Exposure
//! screen show, computed once (`Matter::assess_exposure`) and rendered by format elsewhere.
//!
//! Every figure names the saved search that reproduces it ([`Figure::search`]), so counsel can
//! open the documents behind a number. Nothing here quotes a privileged, confidential or
//! redacted text: items are cited by control number, and their titles only when the item is
//! none of those ([`CitedItem::title`] is `None` otherwise).

use super::inputs::{ExposureInputs, Range};
use crate::assess::section::Section;
use serde::Serialize;
use ts_rs::TS;

/// What a set of documents would expose and cost. The same fields serve each request, the
/// union of all requests (`overall`), and the evidence queries.
#[derive(Debug, Clone, Default, PartialEq, Serialize, TS)]
pub struct Exposure {
    /// Items the query matches: exactly `exhibit search`'s total for it.
    pub documents: u64,
    /// Those items plus every member of their families (what a production carries).
    pub families: u64,
    /// Pages of the family items: known page counts, else estimated from text length.
    pub pages: u64,
    /// How many of the family items' page counts are estimates.
    pub pages_estimated: u64,
    /// Bytes of the family items' originals.
    pub bytes: u64,
    /// Distinct custodians holding any family item.
    pub custodians: u64,
    /// Earliest and latest dated family item (`YYYY-MM-DD`).
    pub date_first: Option<String>,
    pub date_last: Option<String>,
    /// Family items tagged privileged.
    pub privileged: u64,
    /// Family items the privilege screen flags that are not tagged privileged.
    pub potentially_privileged: u64,
    pub confidential: u64,
    pub trade_secret: u64,
    /// Family items carrying redactions (text or regions) or tagged as needing them.
    pub needs_redaction: u64,
    pub hot: u64,
    /// First-pass review hours over the families.
    pub first_pass_hours: Range,
    /// Privilege review hours over the privileged and potentially privileged items.
    pub privilege_hours: Range,
    pub review_hours: Range,
    /// Production cost (pages × cost per page).
    pub production_cost: Range,
    /// First-pass cost + privilege review cost + production cost.
    pub review_cost: Range,
}

/// One request for production and what it reaches.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct RequestExposure {
    pub name: String,
    pub query: String,
    #[serde(flatten)]
    #[ts(flatten)]
    pub exposure: Exposure,
    /// Family items this request reaches that no other request does (what it adds alone).
    pub adds_alone: u64,
    /// The saved searches reproducing this request's figures.
    pub searches: FigureSearches,
}

/// For each figure of an [`Exposure`], the saved search that reproduces it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, TS)]
pub struct FigureSearches {
    pub documents: Figure,
    pub families: Figure,
    pub privileged: Figure,
    pub potentially_privileged: Option<Figure>,
    pub confidential: Figure,
    pub trade_secret: Figure,
    pub needs_redaction: Figure,
    pub hot: Figure,
}

/// A saved search: its name in the matter and its query.
#[derive(Debug, Clone, Default, PartialEq, Serialize, TS)]
pub struct Figure {
    pub search: String,
    pub query: String,
}

/// Family items two requests both reach.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct RequestOverlap {
    pub a: String,
    pub b: String,
    pub shared: u64,
}

/// An evidence query's hits.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct EvidenceHits {
    pub name: String,
    pub query: String,
    pub documents: u64,
    pub families: u64,
    pub hot: u64,
    pub date_first: Option<String>,
    pub date_last: Option<String>,
    pub search: Figure,
}

/// A count for a label (a month, a custodian, a file type, a domain, a language).
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct Count {
    pub label: String,
    pub count: u64,
}

/// An item cited by the report. Its title is withheld (`None`) when the item is privileged,
/// confidential, a trade secret or carries a redaction.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct CitedItem {
    pub control: String,
    pub date: Option<String>,
    pub kind: String,
    pub title: Option<String>,
}

/// The projection of review rates onto the unreviewed remainder, from a coded sample.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct SampleEstimate {
    /// The tag holding the sample.
    pub tag: String,
    /// Items drawn, and how many of them reviewers have coded so far.
    pub drawn: u64,
    pub coded: u64,
    /// Responsive family items not yet coded: what the rates are projected onto.
    pub remainder: u64,
    pub privileged: Proportion,
    pub confidential: Proportion,
    pub trade_secret: Proportion,
}

/// A proportion seen in the coded sample, its 95% Wilson interval, and the projected count
/// in the remainder.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct Proportion {
    pub hits: u64,
    pub rate: f64,
    pub low: f64,
    pub high: f64,
    /// `rate`, `low` and `high` applied to the remainder, rounded to whole items.
    pub projected: u64,
    pub projected_low: u64,
    pub projected_high: u64,
}

/// What the whole matter holds, the way early-case-assessment tools open their reports.
#[derive(Debug, Clone, Default, PartialEq, Serialize, TS)]
pub struct Overview {
    /// Items and bytes as found (every place a family was found counts) and after
    /// deduplication (each distinct item once).
    pub items_found: u64,
    pub bytes_found: u64,
    pub items: u64,
    pub bytes: u64,
    pub families: u64,
    pub custodians: Vec<Count>,
    pub file_types: Vec<Count>,
    pub sender_domains: Vec<Count>,
    /// Items by month of their date (`YYYY-MM`), oldest first; undated items are not listed.
    pub months: Vec<Count>,
    pub undated: u64,
    /// Items whose text could not be had: errors, and documents with no text layer (needs OCR).
    pub errors: u64,
    pub needs_ocr: u64,
    /// Languages of the items' text, as detected from its opening, over `languages_sampled` of
    /// the `languages_of` items with text (every k-th item when there are many).
    pub languages: Vec<Count>,
    pub languages_sampled: u64,
    pub languages_of: u64,
}

/// Search-term hits, as the search-term report counts them (unique: this term alone).
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct TermHits {
    pub name: String,
    pub query: String,
    pub documents: u64,
    pub unique: u64,
    pub with_families: u64,
}

/// The whole assessment.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct ExposureReport {
    pub matter: String,
    /// When it was computed (UTC, RFC 3339).
    pub generated: String,
    pub inputs: ExposureInputs,
    pub requests: Vec<RequestExposure>,
    /// The union of all requests, each item counted once.
    pub overall: Exposure,
    pub overall_searches: FigureSearches,
    pub overlap: Vec<RequestOverlap>,
    pub sample: Option<SampleEstimate>,
    /// The privilege screen's saved search, when the inputs have one.
    pub privilege_screen: Option<Figure>,
    pub evidence: Vec<EvidenceHits>,
    /// Hot items by month (the evidence timeline).
    pub hot_timeline: Vec<Count>,
    /// Hot items, oldest first (at most [`super::HOT_CITED`]).
    pub hot_documents: Vec<CitedItem>,
    /// The model-log analysis section, when the matter holds model calls.
    pub model_logs: Option<Section>,
    pub overview: Overview,
    pub terms: Vec<TermHits>,
    /// Method and assumptions, one sentence each, as the report prints them.
    pub method: Vec<String>,
}
