//! Distillation signals per account (or key, user, IP), coordination clusters, and output
//! overlap with a suspect model. Everything is explained in plain words with numbers and the
//! ids of example calls, so a reviewer (or a court) can follow each flag back to the evidence.
//!
//! Analysis works on [`CallSummary`] (about 150 bytes a call, features precomputed at import)
//! so a million calls fit comfortably in memory.
//!
//! Layout: [`features`] are computed per call at import and [`stats`] per group; from those,
//! [`clusters`] links coordinated groups, [`signals`] judges each group (one function per
//! signal) and [`patterns`] combines the signals into patterns and a score. [`overlap`]
//! compares a suspect model's outputs with the logged completions.

mod clusters;
mod features;
mod overlap;
mod patterns;
mod signals;
mod stats;

pub use features::{is_reasoning_prompt, masked_tokens, minhash, topic_of, CallSummary, DOMAINS};
pub use overlap::{overlap, overlap_with_ids, self_identifies, wilson};
pub use patterns::{Pattern, PatternKind};
pub use signals::SignalName;

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use clusters::Coordination;
use signals::{Baselines, Context};
use stats::{group_key, group_word, median, stats, GroupStats};

// ---------------------------------------------------------------------------------------------
// Report types

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

// ---------------------------------------------------------------------------------------------
// Analysis

/// Compute every signal per group, the coordination clusters and a combined score.
pub fn analyze(calls: &[CallSummary], opts: &AnalyzeOptions) -> Report {
    // Near-duplicate prompt buckets (MinHash LSH bands) across all traffic.
    let mut dup_buckets: HashMap<u64, u32> = HashMap::with_capacity(calls.len() * 2);
    for c in calls {
        for b in c.lsh {
            *dup_buckets.entry(b).or_insert(0) += 1;
        }
    }
    let mut groups: HashMap<&str, Vec<u32>> = HashMap::new();
    let mut unattributed: Vec<u32> = Vec::new();
    for (i, c) in calls.iter().enumerate() {
        match group_key(c, opts.group_by) {
            Some(k) => groups.entry(k).or_default().push(i as u32),
            None => unattributed.push(i as u32),
        }
    }
    let coverage = GroupBy::ALL
        .iter()
        .map(|&g| {
            let with_value = calls.iter().filter(|c| group_key(c, g).is_some()).count() as u64;
            GroupCoverage { group_by: g, with_value, without_value: calls.len() as u64 - with_value }
        })
        .collect();
    let mut keys: Vec<&str> = groups.keys().copied().collect();
    keys.sort_unstable();
    let mut gs: Vec<GroupStats> = keys.iter().map(|k| stats(k.to_string(), groups.remove(k).unwrap(), calls, &dup_buckets, opts)).collect();
    // The calls with no value form one more group, last, so its index says what it is.
    let missing = (!unattributed.is_empty()).then_some(gs.len());
    if !unattributed.is_empty() {
        gs.push(stats(opts.group_by.missing_label().to_string(), unattributed, calls, &dup_buckets, opts));
    }
    let log_start = calls.iter().filter_map(|c| c.ts).min().unwrap_or(0);
    let base_cpd = median(gs.iter().map(|g| g.calls_per_day).collect()).max(1.0);
    let base_opd = median(gs.iter().map(|g| g.out_per_day).collect()).max(1.0);
    let base_ratio = median(gs.iter().map(|g| g.ratio).collect());

    let base = Baselines { calls_per_day: base_cpd, out_per_day: base_opd, ratio: base_ratio };
    let Coordination { clusters, cluster_of } = clusters::coordinate(&gs, missing, log_start);

    // Signals, patterns and score per group.
    let mut accounts = Vec::with_capacity(gs.len());
    for (gi, g) in gs.iter().enumerate() {
        let cx = Context { g, calls, opts, base: &base, dup_buckets: &dup_buckets };
        let coord = cluster_of[gi].map(|ci| (ci, &clusters[ci]));
        let signals = signals::all(&cx, coord);
        let (patterns, score) = patterns::score(&signals, g.idx.len(), coord.is_some(), opts);
        let mut benign = patterns::benign_explanations(g, &base, coord.is_some());
        let is_missing = Some(gi) == missing;
        if is_missing {
            benign.insert(0, format!("these {} calls name no {} in their logs: they may come from many callers, so their signals describe the logs, not one customer, and they are never flagged", g.idx.len(), group_word(opts.group_by)));
        }
        accounts.push(AccountReport {
            account: g.key.clone(),
            calls: g.idx.len() as u64,
            score: (score * 1000.0).round() / 1000.0,
            flagged: score >= opts.flag_threshold && !is_missing,
            patterns,
            signals,
            benign_explanations: benign,
            cluster: cluster_of[gi],
            templates: templates(&cx),
            unattributed: is_missing,
        });
    }
    accounts.sort_by(|a, b| b.score.partial_cmp(&a.score).unwrap_or(std::cmp::Ordering::Equal).then(a.account.cmp(&b.account)));
    Report { group_by: opts.group_by, calls: calls.len() as u64, coverage, accounts, clusters, overlap: None }
}

/// The group's largest prompt templates (from its top frames), largest first, each listed once.
fn templates(cx: &Context) -> Vec<Template> {
    let g = cx.g;
    let mut templates: Vec<Template> = Vec::new();
    for &(frame, count, topics) in &g.top_frames {
        let examples = cx.examples(|c| c.frame_head == frame || c.frame_tail == frame);
        // A template's head and tail frames hold the same calls: list it once.
        if count < 2 || templates.iter().any(|t| t.calls == count as u64 && t.examples.first() == examples.first()) {
            continue;
        }
        let part = match examples.first().and_then(|id| g.idx.iter().map(|&i| &cx.calls[i as usize]).find(|c| c.id == *id)) {
            Some(c) if c.frame_head != frame => TemplatePart::End,
            _ => TemplatePart::Start,
        };
        templates.push(Template {
            part,
            calls: count as u64,
            share: count as f64 / g.idx.len().max(1) as f64,
            subject_areas: topics,
            examples,
            pattern: String::new(),
        });
    }
    templates
}
