//! Where a query hits an item's text: byte spans, character offsets, and the snippet around the
//! first hit.

use super::engine::{analyzer, EXACT, STEM, WORDS};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use ts_rs::TS;

#[derive(Debug, Default)]
pub struct Highlights {
    /// Words as the `WORDS` analyzer gives them (bare words, proximity operands).
    pub(super) words: HashSet<String>,
    /// Stems as the `STEM` analyzer gives them (`word~`).
    pub(super) stems: HashSet<String>,
    /// Exact phrases, in `WORDS` tokens.
    pub(super) phrases: Vec<Vec<String>>,
    pub(super) patterns: Vec<regex::Regex>,
    pub(super) fuzzy: Vec<(String, u8)>,
}

/// Byte spans of every hit, sorted and merged.
pub fn find_hits(text: &str, hl: &Highlights) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    if !hl.stems.is_empty() {
        let mut a = analyzer(STEM);
        let mut ts = a.token_stream(text);
        while ts.advance() {
            let t = ts.token();
            if hl.stems.contains(&t.text) {
                spans.push((t.offset_from, t.offset_to));
            }
        }
    }
    if !hl.words.is_empty() || !hl.phrases.is_empty() {
        let mut a = analyzer(WORDS);
        let mut ts = a.token_stream(text);
        let mut toks: Vec<(usize, usize, String)> = Vec::new();
        while ts.advance() {
            let t = ts.token();
            toks.push((t.offset_from, t.offset_to, t.text.clone()));
        }
        for (from, to, word) in &toks {
            if hl.words.contains(word) {
                spans.push((*from, *to));
            }
        }
        for phrase in &hl.phrases {
            let n = phrase.len();
            if n == 0 || toks.len() < n {
                continue;
            }
            for i in 0..=toks.len() - n {
                if (0..n).all(|k| toks[i + k].2 == phrase[k]) {
                    spans.push((toks[i].0, toks[i + n - 1].1));
                }
            }
        }
    }
    if !hl.patterns.is_empty() || !hl.fuzzy.is_empty() {
        let mut a = analyzer(EXACT);
        let mut ts = a.token_stream(text);
        while ts.advance() {
            let t = ts.token();
            if hl.patterns.iter().any(|re| re.is_match(&t.text)) || hl.fuzzy.iter().any(|(w, d)| levenshtein(w, &t.text) <= *d as usize) {
                spans.push((t.offset_from, t.offset_to));
            }
        }
    }
    spans.sort();
    let mut merged: Vec<(usize, usize)> = Vec::with_capacity(spans.len());
    for (s, e) in spans {
        match merged.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    merged
}

/// Optimal-string-alignment distance (adjacent transpositions cost one), as Tantivy's fuzzy
/// query counts with transpositions on.
pub(super) fn levenshtein(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > 2 {
        return 3;
    }
    let w = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * w];
    for i in 0..=a.len() {
        d[i * w] = i;
    }
    for (j, cell) in d.iter_mut().enumerate().take(b.len() + 1) {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[(i - 1) * w + j] + 1).min(d[i * w + j - 1] + 1).min(d[(i - 1) * w + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[(i - 2) * w + j - 2] + 1);
            }
            d[i * w + j] = v;
        }
    }
    d[a.len() * w + b.len()]
}

/// Converts sorted byte spans to char offsets in one pass.
pub fn to_char_offsets(text: &str, spans: &[(usize, usize)]) -> Vec<[usize; 2]> {
    let mut out = Vec::with_capacity(spans.len());
    let mut chars = 0usize;
    let mut byte = 0usize;
    let mut it = text.char_indices().peekable();
    let mut pos = |target: usize, chars: &mut usize, byte: &mut usize| {
        while *byte < target {
            match it.next() {
                Some((_, c)) => {
                    *byte += c.len_utf8();
                    *chars += 1;
                }
                None => break,
            }
        }
        *chars
    };
    for &(s, e) in spans {
        let cs = pos(s, &mut chars, &mut byte);
        let ce = pos(e, &mut chars, &mut byte);
        out.push([cs, ce]);
    }
    out
}

/// One piece of a snippet: plain text (never markup) and whether it is a hit. A snippet is a
/// list of these, so the CLI and the UI show hits their own way without parsing anything.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Segment {
    pub text: String,
    pub hit: bool,
}

impl Segment {
    /// The segments' text run together: the snippet as plain text.
    pub fn plain(segments: &[Segment]) -> String {
        segments.iter().map(|s| s.text.as_str()).collect()
    }

    /// Appends `text` as a hit or not, merging with the last segment when it is of the same kind.
    pub fn push(segments: &mut Vec<Segment>, text: &str, hit: bool) {
        if text.is_empty() {
            return;
        }
        match segments.last_mut() {
            Some(last) if last.hit == hit => last.text.push_str(text),
            _ => segments.push(Segment { text: text.to_string(), hit }),
        }
    }

    /// Trims whitespace at both ends of the whole snippet, dropping segments left empty.
    pub fn trim(segments: &mut Vec<Segment>) {
        while let Some(first) = segments.first_mut() {
            first.text = first.text.trim_start().to_string();
            if !first.text.is_empty() {
                break;
            }
            segments.remove(0);
        }
        while let Some(last) = segments.last_mut() {
            last.text.truncate(last.text.trim_end().len());
            if !last.text.is_empty() {
                break;
            }
            segments.pop();
        }
    }
}

/// A passage of about `width` characters centred on the first hit (up to half of it before the
/// hit, from a word boundary; the rest after), as segments with every hit in it marked; line
/// breaks and tabs become spaces. Without hits, the start of the text.
pub fn snippet(text: &str, spans: &[(usize, usize)], width: usize) -> Vec<Segment> {
    let ceil = |mut i: usize| {
        while i < text.len() && !text.is_char_boundary(i) {
            i += 1;
        }
        i.min(text.len())
    };
    let (start, end) = match spans.first() {
        Some(&(s, _)) => {
            // Half the width before the hit, counted in characters (not bytes, which would give
            // accented or CJK text less context before its hit than after).
            let start = text[..s].char_indices().rev().nth(width / 2).map_or(0, |(i, _)| i);
            // Begin at a word boundary unless the passage starts the text.
            let start = if start == 0 {
                0
            } else {
                text[start..s].find(char::is_whitespace).map(|i| start + i + 1).filter(|&i| i <= s).unwrap_or(start)
            };
            // Enough bytes after the hit for the rest of the width in any script (the budget,
            // in characters, cuts it).
            (start, ceil(s + width * 4))
        }
        None => (0, ceil(width * 2)),
    };
    let mut chars_budget = width;
    let mut out = Vec::new();
    let mut cursor = start;
    // Hits are shown whole; the text between them spends the budget.
    let push = |out: &mut Vec<Segment>, s: &str, hit: bool, budget: &mut usize| {
        let mut piece = String::with_capacity(s.len());
        for c in s.chars() {
            if *budget == 0 {
                break;
            }
            *budget -= 1;
            piece.push(if matches!(c, '\n' | '\r' | '\t' | '\u{c}') { ' ' } else { c });
        }
        Segment::push(out, &piece, hit);
    };
    for &(s, e) in spans.iter().filter(|(s, e)| *s >= start && *e <= end) {
        push(&mut out, &text[cursor..s], false, &mut chars_budget);
        if chars_budget == 0 {
            break;
        }
        push(&mut out, &text[s..e], true, &mut usize::MAX.clone());
        cursor = e;
    }
    push(&mut out, &text[cursor..end], false, &mut chars_budget);
    Segment::trim(&mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hits_and_snippets_use_char_offsets() {
        let mut hl = Highlights::default();
        hl.stems.insert("trade".into());
        hl.phrases.push(vec!["gas".into(), "desk".into()]);
        hl.words.insert("grusse".into());
        let text = "Grüße — the Gas desk is trading";
        let spans = find_hits(text, &hl);
        let offs = to_char_offsets(text, &spans);
        let chars: Vec<char> = text.chars().collect();
        let got: Vec<String> = offs.iter().map(|[s, e]| chars[*s..*e].iter().collect()).collect();
        assert_eq!(got, ["Grüße", "Gas desk", "trading"]);
        let snip = snippet(text, &spans, 240);
        let seg = |text: &str, hit| Segment { text: text.into(), hit };
        assert_eq!(snip, [seg("Grüße", true), seg(" — the ", false), seg("Gas desk", true), seg(" is ", false), seg("trading", true)]);
        assert_eq!(Segment::plain(&snip), text);
        // Markup in the text stays text; line breaks become spaces; the ends are trimmed.
        let text = "\n a <b> & b\tgas\n";
        let snip = snippet(text, &[(12, 15)], 240);
        assert_eq!(snip, [seg("a <b> & b ", false), seg("gas", true)]);
    }

    #[test]
    fn snippets_are_centred_on_the_first_hit() {
        let before: String = (0..60).map(|i| format!("w{i:02} ")).collect();
        let after: String = (0..60).map(|i| format!("z{i:02} ")).collect();
        let text = format!("{before}célèbre fraud {after}");
        let s = text.find("fraud").unwrap();
        let snip = snippet(&text, &[(s, s + 5)], 120);
        let plain = Segment::plain(&snip);
        let (lead, tail) = plain.split_once("fraud").expect("the hit is in the snippet");
        let (lead, tail) = (lead.chars().count(), tail.chars().count());
        assert!((50..=60).contains(&lead), "about half the width before the hit, from a word boundary: {lead} in {plain:?}");
        assert!((50..=65).contains(&tail), "the rest after it: {tail} in {plain:?}");
        assert!(plain.starts_with('w'), "starts at a word: {plain:?}");
        // A hit near the start: the passage starts the text, and the width goes after it.
        let snip = snippet(&text, &[(0, 3)], 120);
        assert_eq!(snip[0], Segment { text: "w00".into(), hit: true });
        assert!(Segment::plain(&snip).chars().count() >= 118);
    }

    #[test]
    fn levenshtein_counts_edits() {
        assert_eq!(levenshtein("enron", "enron"), 0);
        assert_eq!(levenshtein("enron", "enrn"), 1);
        assert_eq!(levenshtein("enron", "neron"), 1);
        assert!(levenshtein("enron", "texas") > 2);
    }
}
