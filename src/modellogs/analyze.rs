//! Distillation signals per account (or key, user, IP), coordination clusters, and output
//! overlap with a suspect model. Everything is explained in plain words with numbers and the
//! ids of example calls, so a reviewer (or a court) can follow each flag back to the evidence.
//!
//! Analysis works on [`CallSummary`] (about 150 bytes a call, features precomputed at import)
//! so a million calls fit comfortably in memory.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::call::ModelCall;
use super::util::{hash64, mix64, ts_to_unix};

// ---------------------------------------------------------------------------------------------
// Features

/// Subject areas for topic breadth. A prompt's topic is the area whose words it uses most.
pub const DOMAINS: &[(&str, &[&str])] = &[
    (
        "medicine",
        &[
            "patient",
            "diagnosis",
            "symptoms",
            "disease",
            "treatment",
            "clinical",
            "dosage",
            "medical",
            "infection",
            "surgery",
            "vaccine",
            "therapy",
        ],
    ),
    (
        "law",
        &[
            "contract",
            "court",
            "statute",
            "liability",
            "plaintiff",
            "defendant",
            "legal",
            "jurisdiction",
            "tort",
            "lawsuit",
            "attorney",
            "clause",
        ],
    ),
    (
        "finance",
        &[
            "invoice",
            "revenue",
            "interest",
            "portfolio",
            "stock",
            "accounting",
            "tax",
            "budget",
            "loan",
            "dividend",
            "inflation",
            "balance",
        ],
    ),
    (
        "programming",
        &["python", "function", "code", "compile", "algorithm", "javascript", "database", "api", "bug", "rust", "recursion", "sql"],
    ),
    (
        "mathematics",
        &[
            "equation",
            "integral",
            "derivative",
            "prime",
            "theorem",
            "polynomial",
            "matrix",
            "probability",
            "geometry",
            "fraction",
            "algebra",
            "solve",
        ],
    ),
    (
        "physics",
        &[
            "velocity",
            "momentum",
            "quantum",
            "gravity",
            "energy",
            "force",
            "particle",
            "relativity",
            "thermodynamics",
            "friction",
            "acceleration",
            "wave",
        ],
    ),
    (
        "chemistry",
        &["molecule", "reaction", "acid", "compound", "electron", "bond", "catalyst", "oxidation", "molar", "ph", "isotope", "solution"],
    ),
    (
        "biology",
        &[
            "cell",
            "gene",
            "protein",
            "evolution",
            "species",
            "dna",
            "enzyme",
            "organism",
            "ecosystem",
            "mitosis",
            "photosynthesis",
            "bacteria",
        ],
    ),
    (
        "history",
        &[
            "empire",
            "war",
            "revolution",
            "century",
            "dynasty",
            "treaty",
            "medieval",
            "ancient",
            "colonial",
            "monarchy",
            "civilization",
            "historical",
        ],
    ),
    (
        "geography",
        &[
            "river",
            "mountain",
            "climate",
            "continent",
            "population",
            "capital",
            "desert",
            "ocean",
            "region",
            "country",
            "latitude",
            "border",
        ],
    ),
    ("cooking", &["recipe", "bake", "oven", "flour", "sauce", "ingredients", "cook", "garlic", "dough", "roast", "spice", "dessert"]),
    (
        "sports",
        &["football", "basketball", "tennis", "team", "coach", "tournament", "score", "athlete", "training", "league", "marathon", "match"],
    ),
    ("music", &["chord", "melody", "guitar", "piano", "rhythm", "song", "composer", "harmony", "tempo", "album", "orchestra", "lyrics"]),
    (
        "literature",
        &["novel", "poem", "author", "character", "plot", "metaphor", "shakespeare", "narrative", "essay", "fiction", "poetry", "theme"],
    ),
    (
        "travel",
        &[
            "flight",
            "hotel",
            "itinerary",
            "visa",
            "luggage",
            "tourist",
            "destination",
            "airport",
            "passport",
            "trip",
            "booking",
            "sightseeing",
        ],
    ),
    (
        "philosophy",
        &[
            "ethics",
            "morality",
            "existence",
            "kant",
            "consciousness",
            "epistemology",
            "virtue",
            "utilitarian",
            "metaphysics",
            "free will",
            "socrates",
            "logic",
        ],
    ),
];

const REASONING_CUES: &[&str] = &[
    "step by step",
    "step-by-step",
    "chain of thought",
    "chain-of-thought",
    "show your reasoning",
    "explain your reasoning",
    "reasoning behind",
    "reconstruct the reasoning",
    "think through",
    "show all work",
    "show your work",
    "walk me through",
    "justify each step",
    "grading rubric",
    "scoring rubric",
    "rubric",
    "<thinking>",
    "reason carefully",
    "explain how you arrived",
    "derive the answer",
    "intermediate steps",
];

/// Per-call features for analysis. Fill `id` with the item id; the report's examples are ids.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CallSummary {
    pub id: u64,
    /// Unix seconds.
    pub ts: Option<i64>,
    pub account: Option<String>,
    pub api_key_id: Option<String>,
    pub user: Option<String>,
    pub ip: Option<String>,
    pub prompt_tokens: u32,
    pub completion_tokens: u32,
    pub n: u8,
    pub logprobs: bool,
    pub temperature: Option<f32>,
    pub max_tokens: Option<u32>,
    /// The prompt asks for chain-of-thought, step-by-step reasoning, reconstructions of
    /// reasoning, or grading rubrics.
    pub reasoning: bool,
    /// Index into [`DOMAINS`], 255 when no subject words.
    pub topic: u8,
    /// Template frames: hash of the first / last six masked words of the user prompt.
    pub frame_head: u64,
    pub frame_tail: u64,
    /// LSH band keys of the masked prompt's MinHash signature (near-duplicate detection).
    pub lsh: [u64; 2],
}

fn mask_token(w: &str, first: bool) -> String {
    if w.chars().any(|c| c.is_ascii_digit()) {
        return "#".into();
    }
    if !first && w.chars().next().map(|c| c.is_uppercase()).unwrap_or(false) {
        return "E".into();
    }
    w.to_lowercase()
}

/// Words of a text with numbers and (capitalized) entities masked.
pub fn masked_tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut first = true;
    for raw in text.split(|c: char| c.is_whitespace()) {
        let w = raw.trim_matches(|c: char| !c.is_alphanumeric());
        if w.is_empty() {
            continue;
        }
        out.push(mask_token(w, first));
        first = raw.ends_with(['.', '?', '!', ':']);
    }
    out
}

pub fn topic_of(text_lower: &str) -> u8 {
    let mut best = (0usize, 255u8);
    let words: HashSet<&str> = text_lower.split(|c: char| !c.is_alphanumeric()).filter(|w| w.len() > 1).collect();
    for (i, (_, kws)) in DOMAINS.iter().enumerate() {
        let hits = kws.iter().filter(|k| if k.contains(' ') { text_lower.contains(*k) } else { words.contains(*k) }).count();
        if hits > best.0 {
            best = (hits, i as u8);
        }
    }
    best.1
}

pub fn is_reasoning_prompt(text_lower: &str) -> bool {
    REASONING_CUES.iter().any(|c| text_lower.contains(c))
}

fn hash_tokens(t: &[String]) -> u64 {
    let mut h = 0x9e3779b97f4a7c15u64;
    for w in t {
        h = mix64(h ^ hash64(w.as_bytes()));
    }
    h
}

/// MinHash signature of the word-shingles of a token sequence.
pub fn minhash(tokens: &[String], k: usize, perms: usize) -> Vec<u64> {
    let mut sig = vec![u64::MAX; perms];
    if tokens.is_empty() {
        return sig;
    }
    let k = k.min(tokens.len()).max(1);
    for win in tokens.windows(k) {
        let h = hash_tokens(win);
        for (j, s) in sig.iter_mut().enumerate() {
            let v = mix64(h ^ (0x51_7c_c1_b7_27_22_0a_95u64.wrapping_mul(j as u64 + 1)));
            if v < *s {
                *s = v;
            }
        }
    }
    sig
}

impl CallSummary {
    pub fn from_call(c: &ModelCall, id: u64) -> CallSummary {
        let prompt = c.last_user_text();
        let lower = prompt.to_lowercase();
        let toks = masked_tokens(prompt);
        let head = &toks[..toks.len().min(6)];
        let tail = &toks[toks.len().saturating_sub(6)..];
        let sig = minhash(&toks, 3, 16);
        let band = |r: std::ops::Range<usize>| sig[r].iter().fold(0xabcdefu64, |h, x| mix64(h ^ x));
        CallSummary {
            id,
            ts: c.ts.as_deref().and_then(ts_to_unix),
            account: c.account.clone(),
            api_key_id: c.api_key_id.clone(),
            user: c.user.clone(),
            ip: c.ip.clone(),
            prompt_tokens: c.prompt_tokens.unwrap_or(0).min(u32::MAX as u64) as u32,
            completion_tokens: c.completion_tokens.unwrap_or(0).min(u32::MAX as u64) as u32,
            n: c.params.n.unwrap_or(1).min(255) as u8,
            logprobs: c.params.logprobs.unwrap_or(false) || c.params.top_logprobs.unwrap_or(0) > 0,
            temperature: c.params.temperature.map(|t| t as f32),
            max_tokens: c.params.max_tokens.map(|m| m.min(u32::MAX as u64) as u32),
            reasoning: is_reasoning_prompt(&lower) || c.system.as_deref().map(|s| is_reasoning_prompt(&s.to_lowercase())).unwrap_or(false),
            topic: topic_of(&lower),
            frame_head: hash_tokens(head),
            frame_tail: hash_tokens(tail) ^ 0x7a11,
            lsh: [band(0..8), band(8..16)],
        }
    }
}

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
    pub name: String,
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
    /// Which harvesting patterns drive the score (bulk, reasoning_extraction, coordinated).
    pub patterns: Vec<String>,
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
// Per-group statistics

fn clamp01(x: f64) -> f64 {
    if x.is_nan() {
        0.0
    } else {
        x.clamp(0.0, 1.0)
    }
}

struct GroupStats {
    key: String,
    idx: Vec<u32>,
    days: f64,
    calls_per_day: f64,
    out_per_day: f64,
    ratio: f64,
    cv: f64,
    entropy: f64,
    hours: [f64; 24],
    first_ts: i64,
    /// (share of the top frame, frame hash, calls in it, topics in it)
    top_frames: Vec<(u64, usize, usize)>,
    top3_share: f64,
    top_frame_topics: usize,
    reasoning_share: f64,
    harvest_share: f64,
    temps: usize,
    domains: usize,
    dup_share: f64,
    ips: HashSet<String>,
    nets: HashSet<String>,
    /// Frames holding at least 10% of this group's calls.
    big_frames: Vec<u64>,
}

fn net24(ip: &str) -> String {
    match ip.rsplit_once('.') {
        Some((n, _)) if ip.contains('.') => format!("{n}.0/24"),
        _ => ip.split(':').take(3).collect::<Vec<_>>().join(":") + "::/48",
    }
}

fn group_word(g: GroupBy) -> &'static str {
    match g {
        GroupBy::Account => "account",
        GroupBy::Key => "API key",
        GroupBy::User => "user",
        GroupBy::Ip => "IP address",
    }
}

fn group_key(c: &CallSummary, g: GroupBy) -> Option<&str> {
    match g {
        GroupBy::Account => c.account.as_deref(),
        GroupBy::Key => c.api_key_id.as_deref(),
        GroupBy::User => c.user.as_deref(),
        GroupBy::Ip => c.ip.as_deref(),
    }
    .filter(|k| !k.trim().is_empty())
}

fn stats(key: String, idx: Vec<u32>, calls: &[CallSummary], dup_buckets: &HashMap<u64, u32>, opts: &AnalyzeOptions) -> GroupStats {
    let n = idx.len().max(1) as f64;
    let mut ts: Vec<i64> = idx.iter().filter_map(|&i| calls[i as usize].ts).collect();
    ts.sort_unstable();
    let span = if ts.len() >= 2 { (ts[ts.len() - 1] - ts[0]) as f64 } else { 0.0 };
    let days = (span / 86400.0).max(1.0);
    let (mut pt, mut ct) = (0u64, 0u64);
    let mut hours = [0f64; 24];
    let mut reasoning = 0usize;
    let mut harvest = 0usize;
    let mut temps: HashSet<i32> = HashSet::new();
    let mut topic_counts = [0usize; 256];
    let mut frames: HashMap<u64, (usize, [u16; 17])> = HashMap::new();
    let mut dups = 0usize;
    let mut ips = HashSet::new();
    let mut nets = HashSet::new();
    for &i in &idx {
        let c = &calls[i as usize];
        pt += c.prompt_tokens as u64;
        ct += c.completion_tokens as u64;
        if let Some(t) = c.ts {
            hours[(t.rem_euclid(86400) / 3600) as usize] += 1.0;
        }
        reasoning += c.reasoning as usize;
        if c.n > 1 || c.logprobs || c.max_tokens.map(|m| m >= opts.max_tokens_ceiling).unwrap_or(false) {
            harvest += 1;
        }
        if let Some(t) = c.temperature {
            temps.insert((t * 100.0).round() as i32);
        }
        topic_counts[c.topic as usize] += 1;
        for f in [c.frame_head, c.frame_tail] {
            let e = frames.entry(f).or_insert((0, [0; 17]));
            e.0 += 1;
            let t = if (c.topic as usize) < DOMAINS.len() { c.topic as usize } else { 16 };
            e.1[t.min(16)] = e.1[t.min(16)].saturating_add(1);
        }
        if c.lsh.iter().any(|b| dup_buckets.get(b).copied().unwrap_or(0) > 1) {
            dups += 1;
        }
        if let Some(ip) = &c.ip {
            if ips.len() < 10_000 {
                nets.insert(net24(ip));
                ips.insert(ip.clone());
            }
        }
    }
    let gaps: Vec<f64> = ts.windows(2).map(|w| (w[1] - w[0]) as f64).collect();
    let cv = if gaps.len() >= 5 {
        let m = gaps.iter().sum::<f64>() / gaps.len() as f64;
        let v = gaps.iter().map(|g| (g - m) * (g - m)).sum::<f64>() / gaps.len() as f64;
        if m > 0.0 {
            v.sqrt() / m
        } else {
            0.0
        }
    } else {
        f64::NAN
    };
    let ht: f64 = hours.iter().sum();
    let entropy = if ht > 0.0 { -hours.iter().filter(|h| **h > 0.0).map(|h| (h / ht) * (h / ht).log2()).sum::<f64>() } else { 0.0 };
    let classified: usize = topic_counts[..DOMAINS.len()].iter().sum();
    let domains = topic_counts[..DOMAINS.len()].iter().filter(|&&c| c >= 2 && c as f64 >= 0.03 * classified as f64).count();
    let mut fv: Vec<(u64, usize, [u16; 17])> = frames.into_iter().map(|(k, (c, t))| (k, c, t)).collect();
    fv.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let big_frames: Vec<u64> = fv.iter().filter(|f| f.1 as f64 >= 0.1 * n && f.1 >= 5).map(|f| f.0).collect();
    let top: Vec<_> = fv.iter().take(3).collect();
    // Head and tail frames of one call both count, so shares are taken over the top frame kind.
    let top3_share = (top.iter().map(|f| f.1).sum::<usize>() as f64 / n).min(1.0);
    let topics_in = |t: &[u16; 17], total: usize| t[..16].iter().filter(|&&c| c >= 2 && c as f64 >= 0.05 * total as f64).count();
    let top_frame_topics = top.first().map(|f| topics_in(&f.2, f.1)).unwrap_or(0);
    GroupStats {
        key,
        days,
        calls_per_day: idx.len() as f64 / days,
        out_per_day: ct as f64 / days,
        ratio: if pt > 0 { ct as f64 / pt as f64 } else { 0.0 },
        cv,
        entropy,
        hours,
        first_ts: ts.first().copied().unwrap_or(0),
        top_frames: top.iter().map(|f| (f.0, f.1, topics_in(&f.2, f.1))).collect(),
        top3_share,
        top_frame_topics,
        reasoning_share: reasoning as f64 / n,
        harvest_share: harvest as f64 / n,
        temps: temps.len(),
        domains,
        dup_share: dups as f64 / n,
        ips,
        nets,
        big_frames,
        idx,
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    v[v.len() / 2]
}

fn cosine(a: &[f64; 24], b: &[f64; 24]) -> f64 {
    let d: f64 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let na: f64 = a.iter().map(|x| x * x).sum::<f64>().sqrt();
    let nb: f64 = b.iter().map(|x| x * x).sum::<f64>().sqrt();
    if na > 0.0 && nb > 0.0 {
        d / (na * nb)
    } else {
        0.0
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

    // Coordination: links between groups that share a template frame AND a network or timing.
    let mut frame_owners: HashMap<u64, Vec<usize>> = HashMap::new();
    for (gi, g) in gs.iter().enumerate().filter(|(gi, _)| Some(*gi) != missing) {
        for f in &g.big_frames {
            frame_owners.entry(*f).or_default().push(gi);
        }
    }
    let mut shared_frames: HashMap<(usize, usize), usize> = HashMap::new();
    for owners in frame_owners.values() {
        if owners.len() < 2 || owners.len() > 2000 {
            continue;
        }
        for i in 0..owners.len() {
            for j in i + 1..owners.len() {
                *shared_frames.entry((owners[i], owners[j])).or_insert(0) += 1;
            }
        }
    }
    let mut parent: Vec<usize> = (0..gs.len()).collect();
    fn find(p: &mut [usize], x: usize) -> usize {
        let mut r = x;
        while p[r] != r {
            r = p[r];
        }
        let mut y = x;
        while p[y] != r {
            let n = p[y];
            p[y] = r;
            y = n;
        }
        r
    }
    let mut links: Vec<(usize, usize, Vec<String>)> = Vec::new();
    let mut pairs: Vec<_> = shared_frames.into_iter().collect();
    pairs.sort();
    for ((a, b), nf) in pairs {
        let (ga, gb) = (&gs[a], &gs[b]);
        let mut kinds = vec![format!("{nf} shared template(s)")];
        let shared_ips = ga.ips.intersection(&gb.ips).count();
        let shared_nets = ga.nets.intersection(&gb.nets).count();
        let sync = cosine(&ga.hours, &gb.hours);
        // A creation burst only means something for accounts that appear after the log begins.
        let born_together = (ga.first_ts - gb.first_ts).abs() <= 2 * 86400 && ga.first_ts.min(gb.first_ts) > log_start + 86400;
        let mut strong = false;
        if shared_ips > 0 {
            kinds.push(format!("{shared_ips} shared IP(s)"));
            strong = true;
        }
        if shared_nets > 0 {
            kinds.push(format!("{shared_nets} shared /24 network(s)"));
            strong = true;
        }
        if sync > 0.95 && born_together {
            kinds.push(format!("synchronized hours (cosine {sync:.2}) and first seen within 48h"));
            strong = true;
        }
        if strong {
            let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
            parent[ra] = rb;
            links.push((a, b, kinds));
        }
    }
    let mut comps: HashMap<usize, Vec<usize>> = HashMap::new();
    for i in 0..gs.len() {
        let r = find(&mut parent, i);
        comps.entry(r).or_default().push(i);
    }
    let mut comp_list: Vec<Vec<usize>> = comps.into_values().filter(|c| c.len() >= 3).collect();
    comp_list.sort_by(|a, b| b.len().cmp(&a.len()).then(a[0].cmp(&b[0])));
    let mut cluster_of: Vec<Option<usize>> = vec![None; gs.len()];
    let mut clusters = Vec::new();
    for (ci, comp) in comp_list.iter().enumerate() {
        let set: HashSet<usize> = comp.iter().copied().collect();
        let cl: Vec<&(usize, usize, Vec<String>)> = links.iter().filter(|l| set.contains(&l.0)).collect();
        let nets: HashSet<&String> = comp.iter().flat_map(|&g| gs[g].nets.iter()).collect();
        let calls_total: usize = comp.iter().map(|&g| gs[g].idx.len()).sum();
        let first = comp.iter().map(|&g| gs[g].first_ts).min().unwrap_or(0);
        let last = comp.iter().map(|&g| gs[g].first_ts).max().unwrap_or(0);
        let reason = format!(
            "{} accounts ({} calls) joined by {} links: they send the same prompt templates and share IPs or /24 networks ({} networks in all) or synchronized timing; first seen within {:.1} days of each other",
            comp.len(), calls_total, cl.len(), nets.len(), (last - first) as f64 / 86400.0
        );
        for &g in comp {
            cluster_of[g] = Some(ci);
        }
        clusters.push(Cluster {
            accounts: comp.iter().map(|&g| gs[g].key.clone()).collect(),
            reason,
            links: cl.iter().take(200).map(|l| Link { a: gs[l.0].key.clone(), b: gs[l.1].key.clone(), kinds: l.2.clone() }).collect(),
        });
    }

    // Signals and score per group.
    let mut accounts = Vec::with_capacity(gs.len());
    for (gi, g) in gs.iter().enumerate() {
        let ex = |pred: &dyn Fn(&CallSummary) -> bool| -> Vec<u64> {
            g.idx.iter().map(|&i| &calls[i as usize]).filter(|c| pred(c)).take(opts.examples).map(|c| c.id).collect()
        };
        let first_ex = ex(&|_| true);
        let mut signals = Vec::new();
        let vol = clamp01((g.calls_per_day / base_cpd).log10() - 0.7);
        signals.push(Signal {
            name: "calls_per_day".into(),
            value: g.calls_per_day,
            threshold: base_cpd,
            strength: vol,
            detail: format!(
                "{:.0} calls a day over {:.1} days, {:.1}× the median group ({:.0}/day)",
                g.calls_per_day,
                g.days,
                g.calls_per_day / base_cpd,
                base_cpd
            ),
            examples: first_ex.clone(),
        });
        let volo = clamp01((g.out_per_day / base_opd).log10() - 0.7);
        signals.push(Signal {
            name: "output_tokens_per_day".into(),
            value: g.out_per_day,
            threshold: base_opd,
            strength: volo,
            detail: format!("{:.0} output tokens a day, {:.1}× the median group", g.out_per_day, g.out_per_day / base_opd),
            examples: first_ex.clone(),
        });
        signals.push(Signal {
            name: "output_input_ratio".into(),
            value: g.ratio,
            threshold: base_ratio.max(0.01),
            strength: clamp01((g.ratio / base_ratio.max(0.01) - 2.0) / 4.0),
            detail: format!(
                "{:.2} output tokens per input token (median group {:.2}); harvesting asks for long answers to short prompts",
                g.ratio, base_ratio
            ),
            examples: ex(&|c| c.completion_tokens > 2 * c.prompt_tokens.max(1)),
        });
        let cv_s = if g.cv.is_nan() { 0.0 } else { clamp01((0.6 - g.cv) / 0.4) };
        signals.push(Signal {
            name: "interarrival_cv".into(), value: if g.cv.is_nan() { -1.0 } else { g.cv }, threshold: 0.6, strength: cv_s,
            detail: if g.cv.is_nan() { "too few calls to judge timing".into() } else { format!("coefficient of variation of the gaps between calls is {:.2} (below 0.6 is machine-regular; human traffic is usually above 1)", g.cv) },
            examples: first_ex.clone(),
        });
        let ent_s = if g.idx.len() >= 50 { clamp01((g.entropy - 4.25) / 0.25) } else { 0.0 };
        signals.push(Signal {
            name: "hour_entropy".into(),
            value: g.entropy,
            threshold: 4.25,
            strength: ent_s,
            detail: format!(
                "hour-of-day entropy {:.2} bits of a possible 4.58 (a flat round-the-clock profile is above 4.25; people sleep)",
                g.entropy
            ),
            examples: first_ex.clone(),
        });
        let breadth = clamp01((g.top_frame_topics as f64 - 2.0) / 3.0);
        let tmpl_s = clamp01((g.top3_share - 0.2) / 0.4) * breadth;
        let top_frame = g.top_frames.first().map(|f| f.0).unwrap_or(0);
        signals.push(Signal {
            name: "templated_harvesting".into(), value: g.top3_share, threshold: 0.4, strength: tmpl_s,
            detail: format!(
                "{:.0}% of calls use its top 3 prompt templates (numbers and names masked); the top template's slot spans {} subject areas ({})",
                g.top3_share * 100.0, g.top_frame_topics,
                if breadth >= 0.99 { "broad, task-agnostic content: the suspicious kind" } else if breadth > 0.0 { "fairly broad" } else { "narrow, like an application template" }
            ),
            examples: ex(&|c| c.frame_head == top_frame || c.frame_tail == top_frame),
        });
        let reas_s = clamp01((g.reasoning_share - 0.2) / 0.4);
        signals.push(Signal {
            name: "reasoning_extraction".into(),
            value: g.reasoning_share,
            threshold: 0.2,
            strength: reas_s,
            detail: format!(
                "{:.0}% of prompts ask for step-by-step reasoning, chain of thought, reconstructions of reasoning or grading rubrics",
                g.reasoning_share * 100.0
            ),
            examples: ex(&|c| c.reasoning),
        });
        let sweep = g.temps >= 4;
        let harv_s = clamp01(clamp01((g.harvest_share - 0.1) / 0.4).max(if sweep { 0.6 } else { 0.0 }) * (1.0 - g.dup_share));
        signals.push(Signal {
            name: "harvest_parameters".into(), value: g.harvest_share, threshold: 0.1, strength: harv_s,
            detail: format!(
                "{:.0}% of calls ask for several completions (n>1), log-probabilities or a max-token ceiling (≥{}); {} distinct temperatures{}",
                g.harvest_share * 100.0, opts.max_tokens_ceiling, g.temps, if sweep { " (a temperature sweep)" } else { "" }
            ),
            examples: ex(&|c| c.n > 1 || c.logprobs || c.max_tokens.map(|m| m >= opts.max_tokens_ceiling).unwrap_or(false)),
        });
        let topic_s = clamp01((g.domains as f64 - 4.0) / 5.0);
        signals.push(Signal {
            name: "topic_breadth".into(),
            value: g.domains as f64,
            threshold: 5.0,
            strength: topic_s,
            detail: format!("prompts cover {} of {} unrelated subject areas", g.domains, DOMAINS.len()),
            examples: ex(&|c| (c.topic as usize) < DOMAINS.len()),
        });
        signals.push(Signal {
            name: "near_duplicate_prompts".into(), value: g.dup_share, threshold: 0.5, strength: 0.0,
            detail: format!("{:.0}% of prompts are near-duplicates of other logged prompts (MinHash LSH); repeated fixed prompt sets are typical of evaluation harnesses", g.dup_share * 100.0),
            examples: ex(&|c| c.lsh.iter().any(|b| dup_buckets.get(b).copied().unwrap_or(0) > 1)),
        });
        let coord = cluster_of[gi].map(|ci| (ci, clusters[ci].accounts.len()));
        let coord_s = if coord.is_some() { 1.0 } else { 0.0 };
        signals.push(Signal {
            name: "coordination".into(),
            value: coord.map(|c| c.1 as f64).unwrap_or(0.0),
            threshold: 3.0,
            strength: coord_s,
            detail: match coord {
                Some((ci, n)) => format!("member of cluster {} of {n} accounts: {}", ci + 1, clusters[ci].reason),
                None => "not linked to other accounts by shared templates plus shared networks or timing".into(),
            },
            examples: ex(&|c| c.frame_head == top_frame || c.frame_tail == top_frame),
        });
        // Patterns.
        let cadence = cv_s.max(ent_s);
        let bulk = vol.max(volo) * tmpl_s.max(harv_s).max(topic_s * cadence);
        let extraction = reas_s * topic_s;
        let hydra = coord_s * tmpl_s.max(harv_s).max(0.8);
        let mut score = 1.0 - (1.0 - bulk) * (1.0 - extraction) * (1.0 - hydra);
        if g.idx.len() < opts.min_calls && coord.is_none() {
            score = score.min(opts.flag_threshold * 0.99);
        }
        let is_missing = Some(gi) == missing;
        let mut patterns = vec![];
        if bulk >= 0.3 {
            patterns.push(format!(
                "bulk harvesting ({bulk:.2}): high volume with broad templates, harvest parameters or machine cadence over many subjects"
            ));
        }
        if extraction >= 0.3 {
            patterns.push(format!("reasoning extraction ({extraction:.2}): asks for reasoning across many unrelated subjects"));
        }
        if hydra >= 0.3 {
            patterns.push(format!("coordinated network ({hydra:.2}): one campaign spread over linked accounts"));
        }
        // Benign explanations that fit, with the numbers for and against.
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
        if coord.is_some() || g.ips.len() <= 3 {
            benign.push(format!(
                "corporate NAT / shared egress: {} IP(s) in {} /24 network(s) — shared addresses alone link offices, not campaigns; {}",
                g.ips.len(),
                g.nets.len(),
                if coord.is_some() { "here the accounts also share prompt templates" } else { "no shared templates were found" }
            ));
        }
        if g.calls_per_day / base_cpd >= 5.0 {
            benign.push(format!("large chat application with many end users: volume {:.0}× the median — a chat app shows a daily rhythm (hour entropy {:.2}) and varied, untemplated prompts", g.calls_per_day / base_cpd, g.entropy));
        }
        let mut templates: Vec<Template> = Vec::new();
        for &(frame, count, topics) in &g.top_frames {
            let examples = ex(&|c| c.frame_head == frame || c.frame_tail == frame);
            // A template's head and tail frames hold the same calls: list it once.
            if count < 2 || templates.iter().any(|t| t.calls == count as u64 && t.examples.first() == examples.first()) {
                continue;
            }
            let part = match examples.first().and_then(|id| g.idx.iter().map(|&i| &calls[i as usize]).find(|c| c.id == *id)) {
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
            templates,
            unattributed: is_missing,
        });
    }
    accounts.sort_by(|a, b| b.score.partial_cmp(&a.score).unwrap_or(std::cmp::Ordering::Equal).then(a.account.cmp(&b.account)));
    Report { group_by: opts.group_by, calls: calls.len() as u64, coverage, accounts, clusters, overlap: None }
}

// ---------------------------------------------------------------------------------------------
// Output overlap

fn words_lower(s: &str) -> Vec<String> {
    s.split(|c: char| !c.is_alphanumeric() && c != '\'').filter(|w| !w.is_empty()).map(|w| w.to_lowercase()).collect()
}

fn ngram_set(w: &[String], k: usize) -> HashSet<u64> {
    if w.len() < k {
        return if w.is_empty() { HashSet::new() } else { [hash_tokens(w)].into_iter().collect() };
    }
    w.windows(k).map(hash_tokens).collect()
}

fn norm_prompt(s: &str) -> u64 {
    hash64(words_lower(s).join(" ").as_bytes())
}

const SELF_ID: &[&str] = &[
    "i am chatgpt",
    "i'm chatgpt",
    "trained by openai",
    "developed by openai",
    "created by openai",
    "an openai model",
    "i am claude",
    "i'm claude",
    "made by anthropic",
    "trained by anthropic",
    "developed by anthropic",
    "i am gemini",
    "trained by google",
    "i am gpt-4",
    "i'm gpt-4",
    "as an openai",
];

pub fn self_identifies(text: &str) -> bool {
    let l = text.to_lowercase();
    SELF_ID.iter().any(|p| l.contains(p))
}

/// Wilson score interval for k successes out of n at 95%.
pub fn wilson(k: usize, n: usize) -> (f64, f64) {
    if n == 0 {
        return (0.0, 0.0);
    }
    let (z, nf) = (1.96f64, n as f64);
    let p = k as f64 / nf;
    let den = 1.0 + z * z / nf;
    let c = (p + z * z / (2.0 * nf)) / den;
    let h = z * ((p * (1.0 - p) / nf) + z * z / (4.0 * nf * nf)).sqrt() / den;
    ((c - h).max(0.0), (c + h).min(1.0))
}

fn similarity(a: &[String], b_set: &HashSet<u64>, b_sig: &[u64]) -> (f64, f64) {
    let a8 = ngram_set(a, 8);
    let containment = if a8.is_empty() { 0.0 } else { a8.iter().filter(|h| b_set.contains(h)).count() as f64 / a8.len() as f64 };
    let sa = minhash(a, 5, 64);
    let jacc = sa.iter().zip(b_sig).filter(|(x, y)| x == y && **x != u64::MAX).count() as f64 / sa.len() as f64;
    (containment, jacc)
}

/// Compare a suspect model's answers with the logged completions for the same prompts.
/// `suspect`: (prompt, suspect output); `logged`: (call id, prompt, completion). A pair
/// matches when ≥30% of the suspect answer's 8-word sequences appear in the logged completion
/// or their 5-word-shingle MinHash similarity is ≥0.5. The null rate is the same test against
/// the completion of a different prompt.
pub fn overlap_with_ids(suspect: &[(String, String)], logged: &[(u64, String, String)]) -> Overlap {
    let mut by_prompt: HashMap<u64, usize> = HashMap::new();
    for (i, l) in logged.iter().enumerate() {
        by_prompt.entry(norm_prompt(&l.1)).or_insert(i);
    }
    struct P {
        s: usize,
        l: usize,
    }
    let mut pairs = vec![];
    let mut unmatched = 0;
    for (i, (p, _)) in suspect.iter().enumerate() {
        match by_prompt.get(&norm_prompt(p)) {
            Some(&l) => pairs.push(P { s: i, l }),
            None => unmatched += 1,
        }
    }
    let logged_feats: HashMap<usize, (HashSet<u64>, Vec<u64>)> = pairs
        .iter()
        .map(|p| {
            let w = words_lower(&logged[p.l].2);
            (p.l, (ngram_set(&w, 8), minhash(&w, 5, 64)))
        })
        .collect();
    let is_match = |c: f64, j: f64| c >= 0.3 || j >= 0.5;
    let mut matched = 0;
    let mut null_matched = 0;
    let mut null_n = 0;
    let mut scored = vec![];
    let mut selfid = 0;
    for (k, p) in pairs.iter().enumerate() {
        let w = words_lower(&suspect[p.s].1);
        let (set, sig) = &logged_feats[&p.l];
        let (c, j) = similarity(&w, set, sig);
        if is_match(c, j) {
            matched += 1;
        }
        scored.push((c.max(j), k, c, j));
        if self_identifies(&suspect[p.s].1) {
            selfid += 1;
        }
        // Null: a different prompt's completion.
        if pairs.len() > 1 {
            let other = &pairs[(k + pairs.len() / 2).max(k + 1) % pairs.len()];
            if logged[other.l].1 != logged[p.l].1 {
                let (set, sig) = &logged_feats[&other.l];
                let (c, j) = similarity(&w, set, sig);
                null_n += 1;
                if is_match(c, j) {
                    null_matched += 1;
                }
            }
        }
    }
    scored.sort_by(|a, b| b.0.partial_cmp(&a.0).unwrap_or(std::cmp::Ordering::Equal));
    let n = pairs.len();
    let rate = if n > 0 { matched as f64 / n as f64 } else { 0.0 };
    let (lo, hi) = wilson(matched, n);
    let null_rate = if null_n > 0 { null_matched as f64 / null_n as f64 } else { 0.0 };
    let (_, null_hi) = wilson(null_matched, null_n);
    let selfr = if n > 0 { selfid as f64 / n as f64 } else { 0.0 };
    Overlap {
        pairs: n,
        matched,
        rate,
        ci_low: lo,
        ci_high: hi,
        null_rate,
        null_ci_high: null_hi,
        self_identification_rate: selfr,
        unmatched_prompts: unmatched,
        detail: format!(
            "{matched} of {n} suspect answers ({:.1}%, 95% CI {:.1}–{:.1}%) reproduce the logged completion for the same prompt (long 8-word overlap or MinHash similarity); against another prompt's completion the rate is {:.1}% (null baseline). {:.1}% of suspect answers name another provider's model as themselves.",
            rate * 100.0, lo * 100.0, hi * 100.0, null_rate * 100.0, selfr * 100.0
        ),
        examples: scored
            .iter()
            .take(5)
            .filter(|s| s.0 > 0.0)
            .map(|&(_, k, c, j)| {
                let p = &pairs[k];
                OverlapExample {
                    prompt: suspect[p.s].0.clone(),
                    suspect_output: suspect[p.s].1.clone(),
                    logged_completion: logged[p.l].2.clone(),
                    logged_id: logged[p.l].0,
                    containment: (c * 1000.0).round() / 1000.0,
                    jaccard: (j * 1000.0).round() / 1000.0,
                }
            })
            .collect(),
    }
}

/// [`overlap_with_ids`] with (prompt, completion) pairs; example ids are indexes into `logged`.
pub fn overlap(suspect: &[(String, String)], logged: &[(String, String)]) -> Overlap {
    let l: Vec<(u64, String, String)> = logged.iter().enumerate().map(|(i, (p, c))| (i as u64, p.clone(), c.clone())).collect();
    overlap_with_ids(suspect, &l)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn wilson_and_masking() {
        let (lo, hi) = wilson(50, 100);
        assert!((lo - 0.404).abs() < 0.01 && (hi - 0.596).abs() < 0.01);
        assert_eq!(masked_tokens("Invoice 123 for Acme Corp. Total due"), vec!["invoice", "#", "for", "E", "E", "total", "due"]);
        assert_eq!(DOMAINS[topic_of("what is the derivative of this polynomial") as usize].0, "mathematics");
        assert!(is_reasoning_prompt("please think step by step"));
        assert!(self_identifies("Sure! I am ChatGPT, a model trained by OpenAI."));
    }
    #[test]
    fn overlap_detects_copies() {
        let vocab = [
            "river", "gravity", "water", "sea", "erosion", "valley", "years", "rock", "rain", "flow", "downhill", "because", "many", "the",
            "and", "shapes", "pulls", "toward", "slowly", "over",
        ];
        let text = |i: u64| (0..30u64).map(|k| vocab[(mix64(i * 1000 + k) % vocab.len() as u64) as usize]).collect::<Vec<_>>().join(" ");
        let logged: Vec<(String, String)> = (0..40).map(|i| (format!("question {i} about topic {}", i * 7), text(i))).collect();
        let suspect: Vec<(String, String)> = logged
            .iter()
            .enumerate()
            .map(|(i, (p, c))| {
                (
                    p.clone(),
                    if i % 2 == 0 {
                        c.replacen(" ", " truly ", 1)
                    } else {
                        format!("a completely different reply {i} about cooking pasta with garlic and olive oil until golden")
                    },
                )
            })
            .collect();
        let o = overlap(&suspect, &logged);
        assert_eq!(o.pairs, 40);
        assert_eq!(o.matched, 20);
        assert!(o.null_rate < 0.5);
    }
}
