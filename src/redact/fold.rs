//! Folding for redaction matching: a redacted value must be found again however it is written
//! — upper-case, full-width, accented or not, broken across lines, split by markup or by
//! invisible characters. Pure: strings in, char ranges of the original out.
//!
//! Folding is deliberately wider than Unicode's NFKC + case folding: compatibility
//! decomposition (NFKD), combining marks dropped, lower-cased (with `ß` → `ss`, final sigma →
//! sigma), and whitespace, default-ignorable characters and HTML-tag-like runs (`<b>`, `</p>`,
//! `<span class=x>`) skipped. A wider fold can only redact more, never less, which is the side a
//! redacted view must err on.

use aho_corasick::{AhoCorasick, MatchKind};
use unicode_normalization::char::{decompose_compatible, is_combining_mark};

/// Secrets shorter than this (folded) are not searched for outside their own span: two
/// characters would blank out half a document.
pub const MIN_FOLDED: usize = 3;

/// A string folded for matching, with the original char index of every folded byte.
pub struct Folded {
    pub folded: String,
    /// For each byte of `folded`, the index of the original char it came from.
    orig: Vec<u32>,
}

fn is_ignorable(c: char) -> bool {
    c.is_whitespace()
        || matches!(c, '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}' | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{206F}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}')
}

/// If an HTML tag starts at `chars[i]` (`<` then a letter or `/letter`, a name, and either `>`
/// or whitespace, attributes and `>` on the same 200 chars), its length in chars.
fn tag_len(chars: &[char], i: usize) -> Option<usize> {
    let mut j = i + 1;
    if chars.get(j) == Some(&'/') {
        j += 1;
    }
    if !chars.get(j).is_some_and(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    while chars.get(j).is_some_and(|c| c.is_ascii_alphanumeric()) {
        j += 1;
    }
    match chars.get(j)? {
        '>' => Some(j + 1 - i),
        '/' if chars.get(j + 1) == Some(&'>') => Some(j + 2 - i),
        c if c.is_whitespace() => {
            let limit = (i + 200).min(chars.len());
            (j..limit).take_while(|&k| chars[k] != '<').find(|&k| chars[k] == '>').map(|k| k + 1 - i)
        }
        _ => None,
    }
}

fn push_folded(c: char, out: &mut String) {
    let mut lowered = |d: char| {
        if is_combining_mark(d) || is_ignorable(d) {
            return;
        }
        for l in d.to_lowercase() {
            match l {
                'ß' => out.push_str("ss"),
                'ς' => out.push('σ'),
                'ſ' => out.push('s'),
                other => out.push(other),
            }
        }
    };
    decompose_compatible(c, &mut lowered);
}

/// Folds `s` (see the module doc).
pub fn fold(s: &str) -> Folded {
    let chars: Vec<char> = s.chars().collect();
    let mut folded = String::with_capacity(s.len());
    let mut orig = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '<' {
            if let Some(n) = tag_len(&chars, i) {
                i += n;
                continue;
            }
        }
        if !is_ignorable(c) {
            let before = folded.len();
            push_folded(c, &mut folded);
            orig.resize(orig.len() + folded.len() - before, i as u32);
        }
        i += 1;
    }
    Folded { folded, orig }
}

/// The folded form alone.
pub fn fold_str(s: &str) -> String {
    fold(s).folded
}

/// Folded words (letter/digit runs) of `s`: what a query or a hidden value is made of.
pub fn folded_words(s: &str) -> Vec<String> {
    // Whitespace separates words here, so fold each piece on its own.
    s.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(fold_str).filter(|w| !w.is_empty()).collect()
}

/// Finds folded needles in text: one automaton for a set of secrets.
pub struct Finder {
    ac: Option<AhoCorasick>,
    /// Index into the caller's secrets for every pattern.
    which: Vec<usize>,
}

impl Finder {
    /// Builds a finder for `secrets` (original strings); those folding to fewer than
    /// [`MIN_FOLDED`] chars are left out.
    pub fn new<'a>(secrets: impl IntoIterator<Item = &'a str>) -> Finder {
        let mut pats = Vec::new();
        let mut which = Vec::new();
        for (i, s) in secrets.into_iter().enumerate() {
            let f = fold_str(s);
            if f.chars().count() >= MIN_FOLDED {
                pats.push(f);
                which.push(i);
            }
        }
        let ac = if pats.is_empty() { None } else { AhoCorasick::builder().match_kind(MatchKind::Standard).build(&pats).ok() };
        Finder { ac, which }
    }

    pub fn is_empty(&self) -> bool {
        self.ac.is_none()
    }

    /// Every occurrence (overlapping ones included) as `(secret index, start, end)` in chars of
    /// the original `text`; the range covers whatever the fold skipped inside the match.
    pub fn find(&self, text: &str) -> Vec<(usize, usize, usize)> {
        let Some(ac) = &self.ac else { return vec![] };
        let f = fold(text);
        let mut out = Vec::new();
        for m in ac.find_overlapping_iter(&f.folded) {
            let s = f.orig[m.start()] as usize;
            let e = f.orig[m.end() - 1] as usize + 1;
            out.push((self.which[m.pattern().as_usize()], s, e));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spans(secret: &str, text: &str) -> Vec<String> {
        let chars: Vec<char> = text.chars().collect();
        Finder::new([secret]).find(text).into_iter().map(|(_, s, e)| chars[s..e].iter().collect()).collect()
    }

    #[test]
    fn case_width_accents_breaks_and_markup_are_seen_through() {
        assert_eq!(spans("Project Nightjar", "the PROJECT NIGHTJAR plan"), ["PROJECT NIGHTJAR"]);
        assert_eq!(spans("078-05-1120", "ssn 078-05-\n1120 ok"), ["078-05-\n1120"]);
        assert_eq!(spans("078-05-1120", "ｓｓｎ ０７８－０５－１１２０"), ["０７８－０５－１１２０"]);
        assert_eq!(spans("José Müller", "jose\u{301} <b>MU\u{308}LLER</b>"), ["jose\u{301} <b>MU\u{308}LLER"]);
        assert_eq!(spans("Straße", "STRASSE"), ["STRASSE"]);
        assert_eq!(spans("secret", "se\u{200B}cr\u{00AD}et"), ["se\u{200B}cr\u{00AD}et"]);
        // An address in angle brackets is text, not markup.
        assert_eq!(spans("jane@example.com", "Jane <jane@example.com>"), ["jane@example.com"]);
        assert!(spans("ab", "ab ab").is_empty(), "too short to search for");
    }

    #[test]
    fn words_fold_too() {
        assert_eq!(folded_words("\"078-05-1120\" AND Nïghtjar"), ["078", "05", "1120", "and", "nightjar"]);
    }
}
