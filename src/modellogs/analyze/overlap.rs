//! Output overlap: how often a suspect model's outputs copy the logged completions for the same
//! prompts, against a null rate from mismatched pairs.

use std::collections::{HashMap, HashSet};

use super::features::hash_tokens;
use super::features::minhash;
use super::report::{Overlap, OverlapExample};
use crate::modellogs::util::hash64;

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
    use crate::modellogs::util::mix64;

    #[test]
    fn wilson_and_self_identification() {
        let (lo, hi) = wilson(50, 100);
        assert!((lo - 0.404).abs() < 0.01 && (hi - 0.596).abs() < 0.01);
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
