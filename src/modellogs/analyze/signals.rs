//! The signals: one function each, every one judging one group against a threshold or the
//! population's median, with a strength from 0 to 1 and the example calls behind it.

use std::collections::HashMap;

use super::features::{CallSummary, DOMAINS};
use super::report::{AnalyzeOptions, Cluster, Signal, SignalName};
use super::stats::{clamp01, GroupStats};

/// The medians of all groups, which the volume signals are judged against.
pub(super) struct Baselines {
    pub(super) calls_per_day: f64,
    pub(super) out_per_day: f64,
    pub(super) ratio: f64,
}

/// Everything a signal of one group is computed from.
pub(super) struct Context<'a> {
    pub(super) g: &'a GroupStats,
    pub(super) calls: &'a [CallSummary],
    pub(super) opts: &'a AnalyzeOptions,
    pub(super) base: &'a Baselines,
    /// Calls per MinHash LSH bucket, over all traffic.
    pub(super) dup_buckets: &'a HashMap<u64, u32>,
}

impl Context<'_> {
    /// Ids of the group's first calls (up to `opts.examples`) that `pred` accepts.
    pub(super) fn examples(&self, pred: impl Fn(&CallSummary) -> bool) -> Vec<u64> {
        self.g.idx.iter().map(|&i| &self.calls[i as usize]).filter(|c| pred(c)).take(self.opts.examples).map(|c| c.id).collect()
    }

    /// The frame hash of the group's largest template (0 when it has none).
    pub(super) fn top_frame(&self) -> u64 {
        self.g.top_frames.first().map(|f| f.0).unwrap_or(0)
    }

    fn is_duplicate(&self, c: &CallSummary) -> bool {
        c.lsh.iter().any(|b| self.dup_buckets.get(b).copied().unwrap_or(0) > 1)
    }

    fn asks_to_harvest(&self, c: &CallSummary) -> bool {
        c.n > 1 || c.logprobs || c.max_tokens.map(|m| m >= self.opts.max_tokens_ceiling).unwrap_or(false)
    }
}

/// Every signal of one group, in [`SignalName::ALL`] order. `coord` is the cluster the group
/// belongs to, with its index.
pub(super) fn all(cx: &Context, coord: Option<(usize, &Cluster)>) -> Vec<Signal> {
    SignalName::ALL
        .iter()
        .map(|&name| match name {
            SignalName::CallsPerDay => calls_per_day(cx),
            SignalName::OutputTokensPerDay => output_tokens_per_day(cx),
            SignalName::OutputInputRatio => output_input_ratio(cx),
            SignalName::InterarrivalCv => interarrival_cv(cx),
            SignalName::HourEntropy => hour_entropy(cx),
            SignalName::TemplatedHarvesting => templated_harvesting(cx),
            SignalName::ReasoningExtraction => reasoning_extraction(cx),
            SignalName::HarvestParameters => harvest_parameters(cx),
            SignalName::TopicBreadth => topic_breadth(cx),
            SignalName::NearDuplicatePrompts => near_duplicate_prompts(cx),
            SignalName::Coordination => coordination(cx, coord),
        })
        .collect()
}

/// Call volume against the median group.
fn calls_per_day(cx: &Context) -> Signal {
    let (g, base) = (cx.g, cx.base.calls_per_day);
    Signal {
        name: SignalName::CallsPerDay,
        value: g.calls_per_day,
        threshold: base,
        strength: clamp01((g.calls_per_day / base).log10() - 0.7),
        detail: format!(
            "{:.0} calls a day over {:.1} days, {:.1}× the median group ({:.0}/day)",
            g.calls_per_day,
            g.days,
            g.calls_per_day / base,
            base
        ),
        examples: cx.examples(|_| true),
    }
}

/// Output tokens a day against the median group.
fn output_tokens_per_day(cx: &Context) -> Signal {
    let (g, base) = (cx.g, cx.base.out_per_day);
    Signal {
        name: SignalName::OutputTokensPerDay,
        value: g.out_per_day,
        threshold: base,
        strength: clamp01((g.out_per_day / base).log10() - 0.7),
        detail: format!("{:.0} output tokens a day, {:.1}× the median group", g.out_per_day, g.out_per_day / base),
        examples: cx.examples(|_| true),
    }
}

/// Long answers to short prompts.
fn output_input_ratio(cx: &Context) -> Signal {
    let (g, base) = (cx.g, cx.base.ratio);
    Signal {
        name: SignalName::OutputInputRatio,
        value: g.ratio,
        threshold: base.max(0.01),
        strength: clamp01((g.ratio / base.max(0.01) - 2.0) / 4.0),
        detail: format!(
            "{:.2} output tokens per input token (median group {:.2}); harvesting asks for long answers to short prompts",
            g.ratio, base
        ),
        examples: cx.examples(|c| c.completion_tokens > 2 * c.prompt_tokens.max(1)),
    }
}

/// Machine-regular gaps between calls.
fn interarrival_cv(cx: &Context) -> Signal {
    let g = cx.g;
    Signal {
        name: SignalName::InterarrivalCv,
        value: if g.cv.is_nan() { -1.0 } else { g.cv },
        threshold: 0.6,
        strength: if g.cv.is_nan() { 0.0 } else { clamp01((0.6 - g.cv) / 0.4) },
        detail: if g.cv.is_nan() {
            "too few calls to judge timing".into()
        } else {
            format!(
                "coefficient of variation of the gaps between calls is {:.2} (below 0.6 is machine-regular; human traffic is usually above 1)",
                g.cv
            )
        },
        examples: cx.examples(|_| true),
    }
}

/// Round-the-clock activity.
fn hour_entropy(cx: &Context) -> Signal {
    let g = cx.g;
    Signal {
        name: SignalName::HourEntropy,
        value: g.entropy,
        threshold: 4.25,
        strength: if g.idx.len() >= 50 { clamp01((g.entropy - 4.25) / 0.25) } else { 0.0 },
        detail: format!(
            "hour-of-day entropy {:.2} bits of a possible 4.58 (a flat round-the-clock profile is above 4.25; people sleep)",
            g.entropy
        ),
        examples: cx.examples(|_| true),
    }
}

/// Prompts built from a few templates whose slots span many subjects.
fn templated_harvesting(cx: &Context) -> Signal {
    let g = cx.g;
    let breadth = clamp01((g.top_frame_topics as f64 - 2.0) / 3.0);
    let top_frame = cx.top_frame();
    Signal {
        name: SignalName::TemplatedHarvesting,
        value: g.top3_share,
        threshold: 0.4,
        strength: clamp01((g.top3_share - 0.2) / 0.4) * breadth,
        detail: format!(
            "{:.0}% of calls use its top 3 prompt templates (numbers and names masked); the top template's slot spans {} subject areas ({})",
            g.top3_share * 100.0,
            g.top_frame_topics,
            if breadth >= 0.99 {
                "broad, task-agnostic content: the suspicious kind"
            } else if breadth > 0.0 {
                "fairly broad"
            } else {
                "narrow, like an application template"
            }
        ),
        examples: cx.examples(|c| c.frame_head == top_frame || c.frame_tail == top_frame),
    }
}

/// Prompts asking for step-by-step reasoning, chain of thought or rubrics.
fn reasoning_extraction(cx: &Context) -> Signal {
    let g = cx.g;
    Signal {
        name: SignalName::ReasoningExtraction,
        value: g.reasoning_share,
        threshold: 0.2,
        strength: clamp01((g.reasoning_share - 0.2) / 0.4),
        detail: format!(
            "{:.0}% of prompts ask for step-by-step reasoning, chain of thought, reconstructions of reasoning or grading rubrics",
            g.reasoning_share * 100.0
        ),
        examples: cx.examples(|c| c.reasoning),
    }
}

/// Several completions, log-probabilities, token ceilings or a temperature sweep; discounted
/// by repeated prompts (evaluation harnesses re-run the same questions).
fn harvest_parameters(cx: &Context) -> Signal {
    let g = cx.g;
    let sweep = g.temps >= 4;
    Signal {
        name: SignalName::HarvestParameters,
        value: g.harvest_share,
        threshold: 0.1,
        strength: clamp01(clamp01((g.harvest_share - 0.1) / 0.4).max(if sweep { 0.6 } else { 0.0 }) * (1.0 - g.dup_share)),
        detail: format!(
            "{:.0}% of calls ask for several completions (n>1), log-probabilities or a max-token ceiling (≥{}); {} distinct temperatures{}",
            g.harvest_share * 100.0,
            cx.opts.max_tokens_ceiling,
            g.temps,
            if sweep { " (a temperature sweep)" } else { "" }
        ),
        examples: cx.examples(|c| cx.asks_to_harvest(c)),
    }
}

/// Coverage of many unrelated subject areas.
fn topic_breadth(cx: &Context) -> Signal {
    let g = cx.g;
    Signal {
        name: SignalName::TopicBreadth,
        value: g.domains as f64,
        threshold: 5.0,
        strength: clamp01((g.domains as f64 - 4.0) / 5.0),
        detail: format!("prompts cover {} of {} unrelated subject areas", g.domains, DOMAINS.len()),
        examples: cx.examples(|c| (c.topic as usize) < DOMAINS.len()),
    }
}

/// Repeated prompt sets: reported for the reader, never counted towards the score.
fn near_duplicate_prompts(cx: &Context) -> Signal {
    let g = cx.g;
    Signal {
        name: SignalName::NearDuplicatePrompts,
        value: g.dup_share,
        threshold: 0.5,
        strength: 0.0,
        detail: format!(
            "{:.0}% of prompts are near-duplicates of other logged prompts (MinHash LSH); repeated fixed prompt sets are typical of evaluation harnesses",
            g.dup_share * 100.0
        ),
        examples: cx.examples(|c| cx.is_duplicate(c)),
    }
}

/// Membership of a cluster of linked accounts.
fn coordination(cx: &Context, coord: Option<(usize, &Cluster)>) -> Signal {
    let top_frame = cx.top_frame();
    Signal {
        name: SignalName::Coordination,
        value: coord.map(|(_, c)| c.accounts.len() as f64).unwrap_or(0.0),
        threshold: 3.0,
        strength: if coord.is_some() { 1.0 } else { 0.0 },
        detail: match coord {
            Some((ci, c)) => format!("member of cluster {} of {} accounts: {}", ci + 1, c.accounts.len(), c.reason),
            None => "not linked to other accounts by shared templates plus shared networks or timing".into(),
        },
        examples: cx.examples(|c| c.frame_head == top_frame || c.frame_tail == top_frame),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signal_names_are_their_wire_names() {
        for name in SignalName::ALL {
            assert_eq!(serde_json::to_string(&name).unwrap(), format!("\"{}\"", name.as_str()));
            assert_eq!(serde_json::from_str::<SignalName>(&format!("\"{name}\"")).unwrap(), name);
        }
        let unique: std::collections::HashSet<_> = SignalName::ALL.iter().collect();
        assert_eq!(unique.len(), SignalName::ALL.len());
    }
}
