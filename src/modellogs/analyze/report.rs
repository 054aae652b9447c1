//! What the analysis answers: the report, its groups, signals, templates, clusters and overlap.
//! Apart from the code that computes them, so that each signal, pattern and cluster module can
//! name the types without importing the analysis itself.

use std::fmt;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::features::masked_tokens;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, TS)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    #[default]
    Account,
    Key,
    User,
    Ip,
}

impl GroupBy {
    pub const ALL: [GroupBy; 4] = [GroupBy::Account, GroupBy::Key, GroupBy::User, GroupBy::Ip];

    /// The group that holds the calls whose log names no value for this grouping: they are
    /// analyzed and reported under it, never dropped.
    pub fn missing_label(self) -> &'static str {
        match self {
            GroupBy::Account => "(no account)",
            GroupBy::Key => "(no key)",
            GroupBy::User => "(no user)",
            GroupBy::Ip => "(no ip)",
        }
    }
}

/// How many calls a grouping can place: the calls whose log names a value for it, and those
/// that it leaves without one (reported together as its "(no …)" group).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct GroupCoverage {
    pub group_by: GroupBy,
    pub with_value: u64,
    pub without_value: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AnalyzeOptions {
    pub group_by: GroupBy,
    /// Score at or above which a group is flagged.
    pub flag_threshold: f64,
    /// `max_tokens` at or above this counts as a ceiling request.
    pub max_tokens_ceiling: u32,
    /// Groups with fewer calls are reported but never flagged on their own.
    pub min_calls: usize,
    /// Example call ids per signal.
    pub examples: usize,
}

impl Default for AnalyzeOptions {
    fn default() -> Self {
        AnalyzeOptions { group_by: GroupBy::Account, flag_threshold: 0.5, max_tokens_ceiling: 4000, min_calls: 20, examples: 5 }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[ts(rename = "LogSignal")]
pub struct Signal {
    pub name: SignalName,
    pub value: f64,
    /// The threshold or population baseline the value is judged against.
    pub threshold: f64,
    /// How strongly this signal points at harvesting, 0..1.
    pub strength: f64,
    pub detail: String,
    pub examples: Vec<u64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct AccountReport {
    /// The value grouped by (account, key, user or ip as logged).
    pub account: String,
    pub calls: u64,
    pub score: f64,
    pub flagged: bool,
    /// Which harvesting patterns drive the score, strongest reasons first.
    pub patterns: Vec<Pattern>,
    pub signals: Vec<Signal>,
    /// Benign explanations that fit, each with the numbers for and against it.
    pub benign_explanations: Vec<String>,
    /// Index into `Report::clusters`, when coordinated.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub cluster: Option<usize>,
    /// Its largest prompt templates, largest first (the clusters the templated-harvesting and
    /// coordination signals are computed from).
    #[serde(default)]
    pub templates: Vec<Template>,
    /// The calls whose log names no value for the grouping ("(no account)"): reported so that
    /// every call is accounted for, but never flagged or clustered as if they were one customer.
    #[serde(default)]
    pub unattributed: bool,
}

/// Which end of the prompt a template's calls share.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum TemplatePart {
    /// The first six words (numbers and names masked) are the same.
    Start,
    /// The last six words are the same.
    End,
}

/// One prompt template of a group: the calls whose masked prompt starts (or ends) with the
/// same six words.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[ts(rename = "LogTemplate")]
pub struct Template {
    pub part: TemplatePart,
    pub calls: u64,
    /// Share of the group's calls.
    pub share: f64,
    /// How many subject areas the calls in this template cover (broad slots are the suspicious kind).
    pub subject_areas: usize,
    pub examples: Vec<u64>,
    /// The shared words as a reader sees them (`#` for numbers, `[name]` for names), taken from
    /// an example's prompt by whoever holds the text; empty from the pure analysis.
    #[serde(default)]
    pub pattern: String,
}

/// The shared words of a template as a reader sees them, from one of its prompts.
pub fn template_pattern(prompt: &str, part: TemplatePart) -> String {
    let toks = masked_tokens(prompt);
    let shown = |t: &[String]| t.iter().map(|w| if w == "E" { "[name]" } else { w.as_str() }).collect::<Vec<_>>().join(" ");
    match part {
        TemplatePart::Start if toks.len() > 6 => format!("{} …", shown(&toks[..6])),
        TemplatePart::End if toks.len() > 6 => format!("… {}", shown(&toks[toks.len() - 6..])),
        _ => shown(&toks),
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[ts(rename = "LogLink")]
pub struct Link {
    pub a: String,
    pub b: String,
    pub kinds: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[ts(rename = "LogCluster")]
pub struct Cluster {
    pub accounts: Vec<String>,
    pub reason: String,
    pub links: Vec<Link>,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct OverlapExample {
    pub prompt: String,
    pub suspect_output: String,
    pub logged_completion: String,
    /// Id of the logged call (or its index in the logged list).
    pub logged_id: u64,
    pub containment: f64,
    pub jaccard: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct Overlap {
    pub pairs: usize,
    pub matched: usize,
    pub rate: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    pub null_rate: f64,
    pub null_ci_high: f64,
    pub self_identification_rate: f64,
    pub unmatched_prompts: usize,
    pub detail: String,
    pub examples: Vec<OverlapExample>,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[ts(rename = "AnalysisReport")]
pub struct Report {
    pub group_by: GroupBy,
    /// Every call analyzed (the groups' calls add up to it).
    #[serde(default)]
    pub calls: u64,
    /// For each way of grouping, how many calls name a value and how many it leaves out.
    #[serde(default)]
    pub coverage: Vec<GroupCoverage>,
    pub accounts: Vec<AccountReport>,
    pub clusters: Vec<Cluster>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub overlap: Option<Overlap>,
}

impl Report {
    pub fn flagged(&self) -> impl Iterator<Item = &AccountReport> {
        self.accounts.iter().filter(|a| a.flagged)
    }
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }
}

/// Every signal, by the name it carries in stored and served JSON. The one list of signals:
/// the analysis computes them in this order, and the UI gets this type through the bindings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(rename = "LogSignalName")]
pub enum SignalName {
    CallsPerDay,
    OutputTokensPerDay,
    OutputInputRatio,
    InterarrivalCv,
    HourEntropy,
    TemplatedHarvesting,
    ReasoningExtraction,
    HarvestParameters,
    TopicBreadth,
    NearDuplicatePrompts,
    Coordination,
}

impl SignalName {
    pub const ALL: [SignalName; 11] = [
        SignalName::CallsPerDay,
        SignalName::OutputTokensPerDay,
        SignalName::OutputInputRatio,
        SignalName::InterarrivalCv,
        SignalName::HourEntropy,
        SignalName::TemplatedHarvesting,
        SignalName::ReasoningExtraction,
        SignalName::HarvestParameters,
        SignalName::TopicBreadth,
        SignalName::NearDuplicatePrompts,
        SignalName::Coordination,
    ];

    /// The wire name, e.g. `calls_per_day`.
    pub fn as_str(self) -> &'static str {
        match self {
            SignalName::CallsPerDay => "calls_per_day",
            SignalName::OutputTokensPerDay => "output_tokens_per_day",
            SignalName::OutputInputRatio => "output_input_ratio",
            SignalName::InterarrivalCv => "interarrival_cv",
            SignalName::HourEntropy => "hour_entropy",
            SignalName::TemplatedHarvesting => "templated_harvesting",
            SignalName::ReasoningExtraction => "reasoning_extraction",
            SignalName::HarvestParameters => "harvest_parameters",
            SignalName::TopicBreadth => "topic_breadth",
            SignalName::NearDuplicatePrompts => "near_duplicate_prompts",
            SignalName::Coordination => "coordination",
        }
    }
}

impl fmt::Display for SignalName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A way of harvesting a model that the signals, taken together, point at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(rename = "LogPatternKind")]
pub enum PatternKind {
    /// High volume with broad templates, harvest parameters or machine cadence.
    BulkHarvesting,
    /// Reasoning asked for across many unrelated subjects.
    ReasoningExtraction,
    /// One campaign spread over linked accounts.
    CoordinatedNetwork,
}

impl PatternKind {
    /// The pattern's name in the report's sentences.
    pub fn label(self) -> &'static str {
        match self {
            PatternKind::BulkHarvesting => "bulk harvesting",
            PatternKind::ReasoningExtraction => "reasoning extraction",
            PatternKind::CoordinatedNetwork => "coordinated network",
        }
    }
}

/// One pattern that drives a group's score: which, how strongly (0..1) and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(rename = "LogPattern")]
pub struct Pattern {
    pub kind: PatternKind,
    pub score: f64,
    pub detail: String,
}

/// "bulk harvesting (0.82): high volume with …", as the report section writes it.
impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({:.2}): {}", self.kind.label(), self.score, self.detail)
    }
}
