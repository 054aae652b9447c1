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
mod report;
mod signals;
mod stats;

pub use features::{is_reasoning_prompt, masked_tokens, minhash, topic_of, CallSummary, DOMAINS};
pub use overlap::{overlap, overlap_with_ids, self_identifies, wilson};
pub use report::*;

use std::collections::HashMap;

use clusters::Coordination;
use signals::{Baselines, Context};
use stats::{group_key, group_word, median, stats, GroupStats};

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
