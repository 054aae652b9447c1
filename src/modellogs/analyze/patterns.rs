//! Harvesting patterns and the combined score, from the signals' strengths; and the benign
//! explanations that fit a group, with the numbers for and against them.

use super::report::{AnalyzeOptions, Pattern, PatternKind, Signal, SignalName};
use super::signals::Baselines;
use super::stats::GroupStats;

/// A pattern is named when its score reaches this.
const PATTERN_FLOOR: f64 = 0.3;

/// The patterns (at or above [`PATTERN_FLOOR`]) and the combined score of one group: the
/// chance that at least one pattern holds, capped below the flag threshold for a small group
/// that is not part of a cluster.
pub(super) fn score(signals: &[Signal], calls: usize, coordinated: bool, opts: &AnalyzeOptions) -> (Vec<Pattern>, f64) {
    let s = |n: SignalName| signals.iter().find(|x| x.name == n).map(|x| x.strength).unwrap_or(0.0);
    let cadence = s(SignalName::InterarrivalCv).max(s(SignalName::HourEntropy));
    let volume = s(SignalName::CallsPerDay).max(s(SignalName::OutputTokensPerDay));
    let harvesting = s(SignalName::TemplatedHarvesting).max(s(SignalName::HarvestParameters));
    let topics = s(SignalName::TopicBreadth);
    let bulk = volume * harvesting.max(topics * cadence);
    let extraction = s(SignalName::ReasoningExtraction) * topics;
    let hydra = s(SignalName::Coordination) * harvesting.max(0.8);
    let mut score = 1.0 - (1.0 - bulk) * (1.0 - extraction) * (1.0 - hydra);
    if calls < opts.min_calls && !coordinated {
        score = score.min(opts.flag_threshold * 0.99);
    }
    let patterns = [
        (PatternKind::BulkHarvesting, bulk, "high volume with broad templates, harvest parameters or machine cadence over many subjects"),
        (PatternKind::ReasoningExtraction, extraction, "asks for reasoning across many unrelated subjects"),
        (PatternKind::CoordinatedNetwork, hydra, "one campaign spread over linked accounts"),
    ]
    .into_iter()
    .filter(|(_, score, _)| *score >= PATTERN_FLOOR)
    .map(|(kind, score, detail)| Pattern { kind, score, detail: detail.into() })
    .collect();
    (patterns, score)
}

/// Benign explanations that fit the group, each with the numbers for and against it.
pub(super) fn benign_explanations(g: &GroupStats, base: &Baselines, coordinated: bool) -> Vec<String> {
    let mut benign = vec![];
    if g.top3_share >= 0.3 {
        benign.push(format!("batch ETL / application template: {:.0}% of calls share templates — but the top template spans {} subject areas, where an application's slot is usually one domain", g.top3_share * 100.0, g.top_frame_topics));
    }
    if g.harvest_share >= 0.1 || g.temps >= 3 || g.dup_share >= 0.3 {
        benign.push(format!("evaluation harness: log-probabilities, fixed parameters or repeated prompt sets ({:.0}% near-duplicate prompts; evals re-run the same questions, harvesting needs new ones)", g.dup_share * 100.0));
    }
    if g.reasoning_share >= 0.2 {
        benign.push(format!("education platform asking for step-by-step answers: {:.0}% reasoning prompts — but over {} subject areas (tutoring products usually cover a few)", g.reasoning_share * 100.0, g.domains));
    }
    if coordinated || g.ips.len() <= 3 {
        benign.push(format!(
            "corporate NAT / shared egress: {} IP(s) in {} /24 network(s) — shared addresses alone link offices, not campaigns; {}",
            g.ips.len(),
            g.nets.len(),
            if coordinated { "here the accounts also share prompt templates" } else { "no shared templates were found" }
        ));
    }
    if g.calls_per_day / base.calls_per_day >= 5.0 {
        benign.push(format!("large chat application with many end users: volume {:.0}× the median — a chat app shows a daily rhythm (hour entropy {:.2}) and varied, untemplated prompts", g.calls_per_day / base.calls_per_day, g.entropy));
    }
    benign
}
