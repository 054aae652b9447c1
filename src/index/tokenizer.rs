//! The "exact" tokenizer: words that keep their inner punctuation.
//!
//! `sk-proj-Ab3…`, `vince.kaminski@enron.com`, `10.1.2.3` and `o'neil` stay one token, so
//! wildcards, fuzzy terms and `/regex/` searches see them as a reviewer types them. A token is
//! a run of letters, digits and `_`, with single `- . @ / + = : '` allowed between two such
//! characters. Written as a small state machine rather than a regex: it runs on every
//! document's whole text at ingest.

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

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

impl Tokenizer for ExactTokenizer {
    type TokenStream<'a> = ExactTokenStream<'a>;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> ExactTokenStream<'a> {
        self.token.reset();
        ExactTokenStream { text, pos: 0, token: &mut self.token }
    }
}

impl TokenStream for ExactTokenStream<'_> {
    fn advance(&mut self) -> bool {
        self.token.text.clear();
        self.token.position = self.token.position.wrapping_add(1);
        let rest = &self.text[self.pos..];
        let Some((skip, _)) = rest.char_indices().find(|(_, c)| word_char(*c)) else {
            self.pos = self.text.len();
            return false;
        };
        let start = self.pos + skip;
        let mut end = start;
        let mut chars = self.text[start..].char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            if word_char(c) {
                end = start + i + c.len_utf8();
            } else if joiner(c) && chars.peek().is_some_and(|(_, n)| word_char(*n)) {
                continue;
            } else {
                break;
            }
        }
        self.pos = end;
        self.token.offset_from = start;
        self.token.offset_to = end;
        self.token.text.push_str(&self.text[start..end]);
        true
    }

    fn token(&self) -> &Token {
        self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        self.token
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<String> {
        let mut t = ExactTokenizer::default();
        let mut st = t.token_stream(s);
        let mut out = vec![];
        while st.advance() {
            out.push(st.token().text.clone());
        }
        out
    }

    #[test]
    fn keeps_inner_punctuation_only() {
        assert_eq!(toks("key sk-proj-Ab3_x. Mail: vince.kaminski@enron.com, ip 10.1.2.3!"), ["key", "sk-proj-Ab3_x", "Mail", "vince.kaminski@enron.com", "ip", "10.1.2.3"]);
        assert_eq!(toks("-- well-known -x- o'neil's"), ["well-known", "x", "o'neil's"]);
        assert_eq!(toks("Grüße, naïve café"), ["Grüße", "naïve", "café"]);
        assert!(toks("... --- ").is_empty());
    }
}
