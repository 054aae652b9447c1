//! Per-call features, computed once at import: subject area, reasoning cues, template frames
//! and MinHash bands of the masked prompt.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::modellogs::call::ModelCall;
use crate::modellogs::util::{hash64, mix64, ts_to_unix};

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

pub(super) fn hash_tokens(t: &[String]) -> u64 {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masking_topics_and_reasoning() {
        assert_eq!(masked_tokens("Invoice 123 for Acme Corp. Total due"), vec!["invoice", "#", "for", "E", "E", "total", "due"]);
        assert_eq!(DOMAINS[topic_of("what is the derivative of this polynomial") as usize].0, "mathematics");
        assert!(is_reasoning_prompt("please think step by step"));
    }
}
