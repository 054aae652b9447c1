//! Exhibit's own tokenizer and token filter.
//!
//! The "exact" tokenizer: lower-cased words that keep their inner punctuation.
//!
//! `sk-proj-Ab3…`, `vince.kaminski@enron.com`, `10.1.2.3` and `o'neil` stay one token, so
//! wildcards, fuzzy terms and `/regex/` searches see them as a reviewer types them. A token is
//! a run of letters, digits and `_`, with single `- . @ / + = : '` allowed between two such
//! characters. Written as a small state machine over bytes, with ASCII decided without
//! decoding, and lower-casing done as the token is copied out: it runs on every document's
//! whole text at ingest, and was a tenth of the indexing threads' time as a char iterator
//! followed by Tantivy's [`LowerCaser`].

use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RawTokenizer, Stemmer, TextAnalyzer, Token, TokenFilter, TokenStream, Tokenizer,
};

/// Words of this many bytes or more are not indexed (as Tantivy's `RemoveLongFilter` would
/// drop them: such "words" are encoded blobs, not anything a reviewer types).
pub const EXACT_MAX_BYTES: usize = 255;

#[derive(Clone, Default)]
pub struct ExactTokenizer {
    token: Token,
}

pub struct ExactTokenStream<'a> {
    text: &'a str,
    pos: usize,
    token: &'a mut Token,
}

fn word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn joiner(c: char) -> bool {
    matches!(c, '-' | '.' | '@' | '/' | '+' | '=' | ':' | '\'')
}

/// The char at byte `i` of `text` (a char boundary) and its length, ASCII without decoding.
fn char_at(text: &str, i: usize) -> Option<(char, usize)> {
    match *text.as_bytes().get(i)? {
        b if b < 0x80 => Some((b as char, 1)),
        _ => text[i..].chars().next().map(|c| (c, c.len_utf8())),
    }
}

/// The byte range of the next word at or after byte `from`.
fn next_word(text: &str, from: usize) -> Option<(usize, usize)> {
    let mut i = from;
    let start = loop {
        let (c, w) = char_at(text, i)?;
        if word_char(c) {
            break i;
        }
        i += w;
    };
    let mut end = start;
    while let Some((c, w)) = char_at(text, i) {
        if word_char(c) {
            i += w;
            end = i;
        } else if joiner(c) && char_at(text, i + w).is_some_and(|(n, _)| word_char(n)) {
            i += w;
        } else {
            break;
        }
    }
    Some((start, end))
}

impl Tokenizer for ExactTokenizer {
    type TokenStream<'a> = ExactTokenStream<'a>;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> ExactTokenStream<'a> {
        self.token.reset();
        ExactTokenStream { text, pos: 0, token: &mut self.token }
    }
}

impl TokenStream for ExactTokenStream<'_> {
    fn advance(&mut self) -> bool {
        loop {
            self.token.text.clear();
            // Every word counts a position, kept or not (as when a filter dropped long ones).
            self.token.position = self.token.position.wrapping_add(1);
            let Some((start, end)) = next_word(self.text, self.pos) else {
                self.pos = self.text.len();
                return false;
            };
            self.pos = end;
            if end - start >= EXACT_MAX_BYTES {
                continue;
            }
            self.token.offset_from = start;
            self.token.offset_to = end;
            let word = &self.text[start..end];
            // Lower-cased as Tantivy's `LowerCaser` does it: char by char, so the tokens (and
            // every index built before) stay the same.
            if word.is_ascii() {
                self.token.text.push_str(word);
                self.token.text.make_ascii_lowercase();
            } else {
                self.token.text.extend(word.chars().flat_map(char::to_lowercase));
            }
            return true;
        }
    }

    fn token(&self) -> &Token {
        self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        self.token
    }
}

/// Lower-casing, folding to ASCII and English stemming of each word, with a memo of the
/// words it has seen.
///
/// Stemming was the largest single cost of indexing prose (a sixth of an import's CPU): the
/// Snowball algorithm runs on every token, yet text repeats a small vocabulary. The memo is
/// keyed on the word as the tokenizer cut it, so a word seen before also skips lower-casing and
/// folding. All three are per-word transformations, so the memo gives exactly what Tantivy's
/// [`LowerCaser`], [`AsciiFoldingFilter`] and [`Stemmer`] give in a chain. Each analyzer
/// instance (one per field per indexing thread) keeps its own memo, emptied when it reaches
/// [`CachedStemmer::MEMO_WORDS`].
#[derive(Clone, Copy, Default)]
pub struct CachedStemmer;

impl CachedStemmer {
    /// Words remembered per analyzer instance before the memo starts afresh (tokens are at most
    /// 80 bytes: a few MiB at most).
    pub const MEMO_WORDS: usize = 50_000;
}

impl TokenFilter for CachedStemmer {
    type Tokenizer<T: Tokenizer> = CachedStemFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> CachedStemFilter<T> {
        CachedStemFilter { inner: tokenizer, stemmer: one_word_stemmer(), memo: Memo::default() }
    }
}

/// Word to its indexed form. foldhash, seeded per process: the lookup is on every token, and
/// SipHash was a tenth of the indexing threads' time.
type Memo = foldhash::HashMap<String, String>;

/// The transformations themselves, applied to one word at a time.
fn one_word_stemmer() -> TextAnalyzer {
    TextAnalyzer::builder(RawTokenizer::default())
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(Stemmer::new(Language::English))
        .build()
}

pub struct CachedStemFilter<T> {
    inner: T,
    stemmer: TextAnalyzer,
    memo: Memo,
}

impl<T: Clone> Clone for CachedStemFilter<T> {
    /// A copy starts with an empty memo (copies go to other threads and fields).
    fn clone(&self) -> Self {
        CachedStemFilter { inner: self.inner.clone(), stemmer: self.stemmer.clone(), memo: Memo::default() }
    }
}

impl<T: Tokenizer> Tokenizer for CachedStemFilter<T> {
    type TokenStream<'a> = CachedStemStream<'a, T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        CachedStemStream { tail: self.inner.token_stream(text), stemmer: &mut self.stemmer, memo: &mut self.memo }
    }
}

pub struct CachedStemStream<'a, S> {
    tail: S,
    stemmer: &'a mut TextAnalyzer,
    memo: &'a mut Memo,
}

impl<S: TokenStream> TokenStream for CachedStemStream<'_, S> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        let token = self.tail.token_mut();
        if let Some(stem) = self.memo.get(&token.text) {
            token.text.clear();
            token.text.push_str(stem);
            return true;
        }
        let stem = {
            let mut one = self.stemmer.token_stream(&token.text);
            if one.advance() {
                one.token().text.clone()
            } else {
                token.text.clone()
            }
        };
        if self.memo.len() >= CachedStemmer::MEMO_WORDS {
            self.memo.clear();
        }
        self.memo.insert(std::mem::replace(&mut token.text, stem.clone()), stem);
        true
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The texts of a stream's tokens.
    fn texts(mut st: impl TokenStream) -> Vec<String> {
        let mut out = vec![];
        while st.advance() {
            out.push(st.token().text.clone());
        }
        out
    }

    fn toks(s: &str) -> Vec<String> {
        texts(ExactTokenizer::default().token_stream(s))
    }

    #[test]
    fn keeps_inner_punctuation_only_lower_cased() {
        assert_eq!(
            toks("key sk-proj-Ab3_x. Mail: vince.kaminski@enron.com, ip 10.1.2.3!"),
            ["key", "sk-proj-ab3_x", "mail", "vince.kaminski@enron.com", "ip", "10.1.2.3"]
        );
        assert_eq!(toks("-- well-known -x- o'neil's"), ["well-known", "x", "o'neil's"]);
        assert_eq!(toks("Grüße, NAÏVE Café ΣΊΣΥΦΟΣ İstanbul"), ["grüße", "naïve", "café", "σίσυφοσ", "i̇stanbul"]);
        assert!(toks("... --- ").is_empty());
    }

    /// The same words, offsets and positions as the char-by-char tokenizer this replaced,
    /// followed by Tantivy's `RemoveLongFilter` and `LowerCaser`: indexes built before read
    /// the same.
    #[test]
    fn matches_the_chain_it_replaced() {
        let long = "x".repeat(EXACT_MAX_BYTES);
        let text = format!("a {long} b-{long} ÄbC_1 --z-- a.b. émigré's x/y=z {}ü end", "y".repeat(EXACT_MAX_BYTES - 2));
        // The chain's words, by the rule written out plainly: runs of word chars, joined by
        // single joiners between word chars.
        let chars: Vec<(usize, char)> = text.char_indices().collect();
        let mut words = vec![];
        let mut k = 0;
        while k < chars.len() {
            if !word_char(chars[k].1) {
                k += 1;
                continue;
            }
            let start = chars[k].0;
            let mut j = k;
            while j + 1 < chars.len()
                && (word_char(chars[j + 1].1) || (joiner(chars[j + 1].1) && chars.get(j + 2).is_some_and(|c| word_char(c.1))))
            {
                j += 1;
            }
            let end = chars[j].0 + chars[j].1.len_utf8();
            words.push((start, end));
            k = j + 1;
        }
        let want: Vec<(String, usize, usize)> = words
            .iter()
            .enumerate()
            .filter(|(_, (s, e))| e - s < EXACT_MAX_BYTES)
            .map(|(p, &(s, e))| (text[s..e].chars().flat_map(char::to_lowercase).collect(), s, p))
            .collect();
        let mut tok = ExactTokenizer::default();
        let mut st = tok.token_stream(&text);
        let mut got = vec![];
        while st.advance() {
            let t = st.token();
            assert_eq!(t.offset_to - t.offset_from, text[t.offset_from..t.offset_to].len());
            got.push((t.text.clone(), t.offset_from, t.position));
        }
        assert_eq!(got, want);
        assert_eq!(got.len(), 7, "two words are too long: {got:?}");
    }

    fn stems(mut a: TextAnalyzer, s: &str) -> Vec<String> {
        texts(a.token_stream(s))
    }

    #[test]
    fn the_memo_gives_the_chains_own_tokens() {
        use tantivy::tokenizer::{RemoveLongFilter, SimpleTokenizer};
        let text = "Running runners ran; the runner's RUNNING generously, Generously — Café CAFÉ naïve Naïve Straße caresses ponies ties a";
        let plain = TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(RemoveLongFilter::limit(80))
            .filter(LowerCaser)
            .filter(AsciiFoldingFilter)
            .filter(Stemmer::new(Language::English))
            .build();
        let cached = crate::index::analyzer(crate::index::STEM);
        // Twice through the same instance: the second pass is answered from the memo.
        let mut c = cached.clone();
        let want = stems(plain, text);
        assert!(want.contains(&"cafe".to_string()) && want.contains(&"run".to_string()), "{want:?}");
        assert_eq!(stems(c.clone(), text), want);
        let mut pass = || {
            let mut st = c.token_stream(text);
            let mut out = vec![];
            while st.advance() {
                out.push((st.token().text.clone(), st.token().position, st.token().offset_from));
            }
            out
        };
        let got = pass();
        let again = pass();
        assert_eq!(got, again);
        assert_eq!(got.iter().map(|t| t.0.clone()).collect::<Vec<_>>(), want);
    }
}
