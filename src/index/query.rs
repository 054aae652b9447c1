//! The Exhibit query language (../shared/design/query-language.md), parsed into an AST.
//!
//! Reviewers arrive from dtSearch, Relativity and Lucene; the syntax is the union they know:
//! terms, "phrases", `"a b"~5`, `a w/5 b`, `a pre/5 b`, AND/OR/NOT/-, parentheses, implicit AND,
//! `trad*` and `te?t`, `enron~1`, `/regex/`, `field:value`, date ranges, and review-state
//! filters (`tag:`, `has:`, `is:`) that are resolved from SQLite at search time.
//!
//! Words follow dtSearch's rule, the one search terms are negotiated in: a word or phrase
//! matches exactly (any case, no stemming), and `word~` asks for its stemmed forms
//! (docs/query-language.md says why). A query is never guessed at: every incomplete or
//! malformed operator (`w/` without a number, a dangling AND, an unclosed quote, parenthesis or
//! range) is a [`SyntaxError`] carrying the 1-based character position and what was expected.

use serde::Serialize;

/// A parsed query.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Node {
    /// A single word, matched exactly (any case, no stemming); `field` None means the default
    /// text fields (text, title).
    Term {
        field: Option<String>,
        text: String,
    },
    /// `word~`: the word and every word with the same English stem (dtSearch's stemming mark).
    Stem {
        field: Option<String>,
        text: String,
    },
    Phrase {
        field: Option<String>,
        words: Vec<String>,
        slop: Option<u32>,
    },
    /// `trad*`, `te?t`.
    Wildcard {
        field: Option<String>,
        pattern: String,
    },
    Fuzzy {
        field: Option<String>,
        text: String,
        distance: u8,
    },
    Regex {
        field: Option<String>,
        pattern: String,
    },
    /// `a w/5 b` (unordered) or `a pre/5 b` (ordered): at most `distance` words between.
    Near {
        left: Box<Node>,
        right: Box<Node>,
        distance: u32,
        ordered: bool,
    },
    And(Vec<Node>),
    Or(Vec<Node>),
    Not(Box<Node>),
    /// Inclusive date bounds (`YYYY-MM-DD`; open ends are None).
    Date {
        from: Option<String>,
        to: Option<String>,
    },
    Tag(String),
    Has(String),
    Is(String),
    Family(Box<Node>),
    /// Documents whose Bates range reaches `from..=to` (`bates:ACME-0000012`, or
    /// `bates:[ACME-0000010 TO ACME-0000020]`): in the matter's complete productions, and
    /// received productions' documents.
    Bates {
        from: String,
        to: String,
    },
    /// Items whose control number is `from..=to` (`control:EXH-0001990`, or
    /// `control:[EXH-0000100 TO EXH-0000200]`), resolved exactly from the database, never
    /// through the text index.
    Control {
        from: String,
        to: String,
    },
    /// A bare, unquoted word shaped like a control or Bates number (letters, then at least four
    /// digits: `EXH-0001990` pasted from a list): the item with that control number; else the
    /// documents with that Bates number; else, when it names neither, the word itself. Quoting
    /// it (`"EXH-0001990"`) searches for the word only.
    Number(String),
}

/// Kept in the error module (the bottom layer) so `Error::Syntax` needs nothing above it.
pub use crate::error::SyntaxError;

/// Field names the language accepts (besides `tag`, `has`, `is`, `date`, `family`).
pub const FIELDS: &[&str] =
    &["from", "to", "cc", "bcc", "subject", "title", "filename", "custodian", "kind", "ext", "model", "account", "text", "id", "control"];

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Quoted(String),
    Regex(String),
    LParen,
    RParen,
    Colon,
    Minus,
    Plus,
    /// `~` followed by an optional number.
    Tilde(Option<u32>),
    Cmp(&'static str),
    LBracket,
    RBracket,
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    pos: usize,
    /// Whitespace came right before this token.
    spaced: bool,
}

fn err(position: usize, message: impl Into<String>) -> SyntaxError {
    SyntaxError { position, message: message.into() }
}

fn lex(q: &str) -> Result<Vec<Token>, SyntaxError> {
    let chars: Vec<char> = q.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let mut spaced = true;
    while i < chars.len() {
        let c = chars[i];
        let pos = i + 1;
        if c.is_whitespace() {
            spaced = true;
            i += 1;
            continue;
        }
        let push = |tok: Tok, out: &mut Vec<Token>| {
            out.push(Token { tok, pos, spaced });
        };
        match c {
            '(' => {
                push(Tok::LParen, &mut out);
                i += 1;
            }
            ')' => {
                push(Tok::RParen, &mut out);
                i += 1;
            }
            '[' => {
                push(Tok::LBracket, &mut out);
                i += 1;
            }
            ']' => {
                push(Tok::RBracket, &mut out);
                i += 1;
            }
            ':' => {
                push(Tok::Colon, &mut out);
                i += 1;
            }
            '-' if spaced || out.is_empty() => {
                push(Tok::Minus, &mut out);
                i += 1;
            }
            '+' if spaced || out.is_empty() => {
                push(Tok::Plus, &mut out);
                i += 1;
            }
            '>' | '<' => {
                let op = match (c, chars.get(i + 1)) {
                    ('>', Some('=')) => ">=",
                    ('<', Some('=')) => "<=",
                    ('>', _) => ">",
                    _ => "<",
                };
                push(Tok::Cmp(op), &mut out);
                i += op.len();
            }
            '~' => {
                let mut j = i + 1;
                while j < chars.len() && chars[j].is_ascii_digit() {
                    j += 1;
                }
                let n = if j > i + 1 {
                    Some(chars[i + 1..j].iter().collect::<String>().parse().map_err(|_| err(pos, "the number after ~ is too large"))?)
                } else {
                    None
                };
                push(Tok::Tilde(n), &mut out);
                i = j;
            }
            '"' | '“' | '”' => {
                let mut j = i + 1;
                let mut s = String::new();
                while j < chars.len() && !matches!(chars[j], '"' | '“' | '”') {
                    s.push(chars[j]);
                    j += 1;
                }
                if j >= chars.len() {
                    return Err(err(pos, "this quotation mark is never closed: add a closing \""));
                }
                push(Tok::Quoted(s), &mut out);
                i = j + 1;
            }
            '/' if spaced || out.is_empty() || matches!(out.last().map(|t| &t.tok), Some(Tok::Colon)) => {
                let mut j = i + 1;
                let mut s = String::new();
                while j < chars.len() && chars[j] != '/' {
                    if chars[j] == '\\' && j + 1 < chars.len() && chars[j + 1] == '/' {
                        s.push('/');
                        j += 2;
                        continue;
                    }
                    s.push(chars[j]);
                    j += 1;
                }
                if j >= chars.len() {
                    return Err(err(pos, "this regular expression is never closed: add a closing /"));
                }
                push(Tok::Regex(s), &mut out);
                i = j + 1;
            }
            _ => {
                let mut j = i;
                let mut s = String::new();
                while j < chars.len() {
                    let d = chars[j];
                    if d.is_whitespace() || matches!(d, '(' | ')' | '"' | '“' | '”' | ':' | '~' | '[' | ']' | '<' | '>') {
                        break;
                    }
                    // `w/5` and `pre/5` keep their slash; elsewhere a slash is a word character.
                    s.push(d);
                    j += 1;
                }
                push(Tok::Word(s), &mut out);
                i = j;
            }
        }
        spaced = false;
    }
    Ok(out)
}

/// Parses a query. An empty query is an error ("type something to search for").
pub fn parse(q: &str) -> Result<Node, SyntaxError> {
    let toks = lex(q)?;
    if toks.is_empty() {
        return Err(err(1, "the query is empty: type words to search for"));
    }
    let mut p = Parser { toks, i: 0, end: q.chars().count() + 1 };
    let node = p.or_expr()?;
    if let Some(t) = p.peek() {
        let what = match &t.tok {
            Tok::RParen => "a ')' with no '(' before it".to_string(),
            other => format!("unexpected {}", describe(other)),
        };
        return Err(err(t.pos, what));
    }
    Ok(node)
}

fn describe(t: &Tok) -> String {
    match t {
        Tok::Word(w) => format!("'{w}'"),
        Tok::Quoted(s) => format!("\"{s}\""),
        Tok::Regex(r) => format!("/{r}/"),
        Tok::LParen => "'('".into(),
        Tok::RParen => "')'".into(),
        Tok::Colon => "':'".into(),
        Tok::Minus => "'-'".into(),
        Tok::Plus => "'+'".into(),
        Tok::Tilde(_) => "'~'".into(),
        Tok::Cmp(c) => format!("'{c}'"),
        Tok::LBracket => "'['".into(),
        Tok::RBracket => "']'".into(),
    }
}

struct Parser {
    toks: Vec<Token>,
    i: usize,
    end: usize,
}

/// What a word is as a proximity operator.
#[derive(Debug, PartialEq)]
enum Prox {
    /// Not one (`price`, `and/or`).
    No,
    /// `w/5`, `pre/3`, `near/2`: the distance and whether the order counts.
    Op(u32, bool),
    /// `w/`, `w/x`, `pre/`: an operator without a usable distance.
    Malformed(String),
}

/// Whether `w` is a proximity operator. Anything that starts like one (`w/`, `pre/`, `near/`,
/// any case) is one: a query that reads `price w/ cap` must not quietly search for the word w.
fn proximity_op(w: &str) -> Prox {
    let lower = w.to_ascii_lowercase();
    let Some((op, num)) = ["w/", "pre/", "near/"].iter().find_map(|op| lower.strip_prefix(op).map(|n| (*op, n))) else {
        return Prox::No;
    };
    let ordered = op == "pre/";
    if num.is_empty() {
        return Prox::Malformed(format!("'{w}' needs a number of words after the slash (e.g. price {op}5 cap)"));
    }
    match num.parse::<u32>() {
        Ok(n) if num.bytes().all(|b| b.is_ascii_digit()) => Prox::Op(n, ordered),
        _ if num.bytes().all(|b| b.is_ascii_digit()) => Prox::Malformed(format!("the distance in '{w}' is too large")),
        _ => Prox::Malformed(format!(
            "'{w}': the distance after {op} must be a whole number of words (e.g. price {op}5 cap); to search for the text {w}, put it in quotes"
        )),
    }
}

/// Words that join two operands (and so cannot start or end one).
fn is_connector(w: &str) -> bool {
    matches!(w, "AND" | "OR" | "&&" | "||")
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.toks.get(self.i)
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.toks.get(self.i).cloned();
        self.i += 1;
        t
    }

    fn pos(&self) -> usize {
        self.peek().map(|t| t.pos).unwrap_or(self.end)
    }

    fn is_word(&self, w: &str) -> bool {
        matches!(self.peek(), Some(Token { tok: Tok::Word(x), .. }) if x == w)
    }

    /// After the operator `op` at `pos`, something it can apply to must follow: not the end
    /// of the query, a `)`, or another connector.
    fn expect_operand(&self, op: &str, pos: usize) -> Result<(), SyntaxError> {
        match self.peek() {
            None => Err(err(pos, format!("'{op}' needs a word, a \"phrase\" or '(' after it"))),
            Some(Token { tok: Tok::RParen, .. }) => {
                Err(err(pos, format!("'{op}' needs a word, a \"phrase\" or '(' after it, before the ')'")))
            }
            Some(Token { tok: Tok::Word(w), pos: wpos, .. }) if is_connector(w) || w == "NOT" && op == "NOT" => {
                Err(err(*wpos, format!("expected a word, a \"phrase\" or '(' after '{op}', found '{w}'")))
            }
            _ => Ok(()),
        }
    }

    fn or_expr(&mut self) -> Result<Node, SyntaxError> {
        let mut parts = vec![self.and_expr()?];
        while self.is_word("OR") || self.is_word("||") {
            let t = self.next().expect("peeked");
            let Tok::Word(op) = &t.tok else { unreachable!() };
            self.expect_operand(op, t.pos)?;
            parts.push(self.and_expr()?);
        }
        Ok(if parts.len() == 1 { parts.pop().unwrap() } else { Node::Or(parts) })
    }

    fn and_expr(&mut self) -> Result<Node, SyntaxError> {
        let mut parts = vec![self.near_expr()?];
        loop {
            match self.peek() {
                None => break,
                Some(Token { tok: Tok::RParen, .. }) => break,
                Some(Token { tok: Tok::Word(w), .. }) if w == "OR" || w == "||" => break,
                Some(Token { tok: Tok::Word(w), pos, .. }) if w == "AND" || w == "&&" => {
                    let (op, pos) = (w.clone(), *pos);
                    self.next();
                    self.expect_operand(&op, pos)?;
                    parts.push(self.near_expr()?);
                }
                _ => parts.push(self.near_expr()?),
            }
        }
        Ok(if parts.len() == 1 { parts.pop().unwrap() } else { Node::And(parts) })
    }

    fn near_expr(&mut self) -> Result<Node, SyntaxError> {
        let mut left = self.unary()?;
        while let Some(Token { tok: Tok::Word(w), pos, .. }) = self.peek().cloned() {
            let (distance, ordered) = match proximity_op(&w) {
                Prox::No => break,
                Prox::Malformed(why) => return Err(err(pos, why)),
                Prox::Op(d, o) => (d, o),
            };
            self.next();
            match self.peek() {
                None => return Err(err(pos, format!("'{w}' needs a word or phrase after it"))),
                Some(Token { tok: Tok::Word(x), pos: xpos, .. }) if is_connector(x) || x == "NOT" || proximity_op(x) != Prox::No => {
                    return Err(err(*xpos, format!("expected a word or phrase after '{w}', found '{x}'")))
                }
                Some(Token { tok: Tok::RParen, .. }) => {
                    return Err(err(pos, format!("'{w}' needs a word or phrase after it, before the ')'")))
                }
                _ => {}
            }
            let right = self.unary()?;
            for side in [&left, &right] {
                if !proximity_operand(side) {
                    return Err(err(pos, format!("'{w}' joins words, phrases, wildcards or (a OR b) groups of them")));
                }
            }
            left = Node::Near { left: Box::new(as_word(left)), right: Box::new(as_word(right)), distance, ordered };
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Node, SyntaxError> {
        match self.peek() {
            Some(Token { tok: Tok::Word(w), .. }) if w == "NOT" => {
                let pos = self.pos();
                self.next();
                self.expect_operand("NOT", pos)?;
                Ok(Node::Not(Box::new(self.unary()?)))
            }
            Some(Token { tok: Tok::Minus, .. }) => {
                let pos = self.pos();
                self.next();
                self.expect_operand("-", pos)?;
                Ok(Node::Not(Box::new(self.unary()?)))
            }
            Some(Token { tok: Tok::Plus, .. }) => {
                self.next();
                self.unary()
            }
            _ => self.primary(),
        }
    }

    fn primary(&mut self) -> Result<Node, SyntaxError> {
        let pos = self.pos();
        let Some(t) = self.next() else {
            return Err(err(pos, "expected a word, a \"phrase\" or '(' here"));
        };
        match t.tok {
            Tok::LParen => {
                let inner = self.or_expr()?;
                match self.next() {
                    Some(Token { tok: Tok::RParen, .. }) => Ok(inner),
                    _ => Err(err(t.pos, "this '(' is never closed: add a ')'")),
                }
            }
            Tok::Quoted(s) => self.phrase(None, &s, t.pos),
            Tok::Regex(r) => Ok(Node::Regex { field: None, pattern: r }),
            Tok::Word(w) => {
                if is_connector(&w) {
                    return Err(err(t.pos, format!("'{w}' needs a word, a \"phrase\" or '(' on its left")));
                }
                match proximity_op(&w) {
                    Prox::No => {}
                    Prox::Malformed(why) => return Err(err(t.pos, why)),
                    Prox::Op(..) => return Err(err(t.pos, format!("'{w}' needs a word or phrase on its left"))),
                }
                // `field:` and `date>=` forms.
                match self.peek().map(|t| t.tok.clone()) {
                    Some(Tok::Colon) if !self.peek().unwrap().spaced => {
                        self.next();
                        self.field_value(&w, t.pos)
                    }
                    Some(Tok::Cmp(op)) if w.eq_ignore_ascii_case("date") => {
                        self.next();
                        let vpos = self.pos();
                        let v = match self.next() {
                            Some(Token { tok: Tok::Word(v), .. }) => v,
                            _ => return Err(err(vpos, "expected a date (YYYY, YYYY-MM or YYYY-MM-DD) here")),
                        };
                        let (lo, hi) =
                            date_bounds(&v).ok_or_else(|| err(vpos, format!("'{v}' is not a date: use YYYY, YYYY-MM or YYYY-MM-DD")))?;
                        Ok(match op {
                            ">=" => Node::Date { from: Some(lo), to: None },
                            ">" => Node::Date { from: Some(next_day(&hi)), to: None },
                            "<=" => Node::Date { from: None, to: Some(hi) },
                            _ => Node::Date { from: None, to: Some(prev_day(&lo)) },
                        })
                    }
                    _ => self.word(None, w, t.pos),
                }
            }
            Tok::LBracket => Err(err(t.pos, "a range [A TO B] goes after date: (e.g. date:[2000-01-01 TO 2000-06-30])")),
            Tok::RBracket => Err(err(t.pos, "a ']' with no '[' before it")),
            other => Err(err(t.pos, format!("expected a word, a \"phrase\" or '(' here, found {}", describe(&other)))),
        }
    }

    /// A bare word: exact, or `word~` (stemmed), `word~1`/`word~2` (fuzzy); wildcards become
    /// `Wildcard`.
    fn word(&mut self, field: Option<String>, w: String, pos: usize) -> Result<Node, SyntaxError> {
        if let Some(Token { tok: Tok::Tilde(n), spaced: false, pos: tpos }) = self.peek().cloned() {
            self.next();
            let Some(distance) = n else {
                if w.contains('*') || w.contains('?') {
                    return Err(err(tpos, "a wildcard cannot also be stemmed: use trad* or trade~, not both"));
                }
                if !matches!(field.as_deref(), None | Some("text" | "title" | "subject")) {
                    return Err(err(
                        tpos,
                        format!(
                            "stemming (word~) applies to the text, title and subject, not to {}: for a near spelling give a distance (e.g. {w}~1)",
                            field.as_deref().unwrap_or_default()
                        ),
                    ));
                }
                return Ok(Node::Stem { field, text: w });
            };
            if distance == 0 || distance > 2 {
                return Err(err(tpos, "fuzzy matching takes an edit distance of 1 or 2 (e.g. enron~1); a bare ~ stems the word"));
            }
            return Ok(Node::Fuzzy { field, text: w, distance: distance as u8 });
        }
        if w.contains('*') || w.contains('?') {
            if w.chars().all(|c| c == '*' || c == '?') {
                return Err(err(pos, "a wildcard needs at least one letter or digit"));
            }
            return Ok(Node::Wildcard { field, pattern: w });
        }
        if field.is_none() && looks_like_number(&w) {
            return Ok(Node::Number(w));
        }
        Ok(Node::Term { field, text: w })
    }

    fn phrase(&mut self, field: Option<String>, s: &str, pos: usize) -> Result<Node, SyntaxError> {
        let words: Vec<String> = s.split_whitespace().map(str::to_string).collect();
        if words.is_empty() {
            return Err(err(pos, "the phrase is empty"));
        }
        let mut slop = None;
        if let Some(Token { tok: Tok::Tilde(n), spaced: false, pos: tpos }) = self.peek().cloned() {
            self.next();
            slop = Some(n.ok_or_else(|| err(tpos, "expected a number after ~ (e.g. \"price cap\"~5)"))?);
        }
        // A quoted single word is that word exactly (never a wildcard or a stem).
        if words.len() == 1 && slop.is_none() {
            let w = words.into_iter().next().unwrap();
            return Ok(Node::Term { field, text: w });
        }
        Ok(Node::Phrase { field, words, slop })
    }

    fn field_value(&mut self, name: &str, pos: usize) -> Result<Node, SyntaxError> {
        let field = name.to_ascii_lowercase();
        let vpos = self.pos();
        match field.as_str() {
            "tag" | "has" | "is" => {
                let v = match self.next() {
                    Some(Token { tok: Tok::Word(v), .. }) | Some(Token { tok: Tok::Quoted(v), .. }) => v,
                    _ => return Err(err(vpos, format!("expected a value after {field}:"))),
                };
                return Ok(match field.as_str() {
                    "tag" => Node::Tag(v),
                    "has" => Node::Has(v.to_ascii_lowercase()),
                    _ => Node::Is(v.to_ascii_lowercase()),
                });
            }
            "family" => {
                match self.next() {
                    Some(Token { tok: Tok::LParen, .. }) => {}
                    _ => return Err(err(vpos, "expected '(' after family: (e.g. family:(fraud AND tag:Hot))")),
                }
                let inner = self.or_expr()?;
                match self.next() {
                    Some(Token { tok: Tok::RParen, .. }) => return Ok(Node::Family(Box::new(inner))),
                    _ => return Err(err(vpos, "this '(' is never closed: add a ')'")),
                }
            }
            "date" => return self.date_value(vpos),
            "bates" => return self.numbered_value(Numbered::Bates, vpos),
            "control" if !matches!(self.peek(), Some(Token { tok: Tok::Word(w), .. }) if w.contains(['*', '?'])) => {
                return self.numbered_value(Numbered::Control, vpos)
            }
            f if FIELDS.contains(&f) => {}
            _ => {
                return Err(err(
                    pos,
                    format!("unknown field '{name}': known fields are {}, tag, has, is, date, bates, family", FIELDS.join(", ")),
                ))
            }
        }
        let field = Some(field);
        match self.next() {
            Some(Token { tok: Tok::Word(v), pos, .. }) => self.word(field, v, pos),
            Some(Token { tok: Tok::Quoted(v), pos, .. }) => self.phrase(field, &v, pos),
            Some(Token { tok: Tok::Regex(r), .. }) => Ok(Node::Regex { field, pattern: r }),
            Some(Token { tok: Tok::LParen, .. }) => {
                // field:(a OR b): apply the field to every term inside.
                let inner = self.or_expr()?;
                match self.next() {
                    Some(Token { tok: Tok::RParen, .. }) => Ok(with_field(inner, field.as_deref().unwrap())),
                    _ => Err(err(vpos, "this '(' is never closed: add a ')'")),
                }
            }
            _ => Err(err(vpos, format!("expected a value after {name}:"))),
        }
    }

    /// `bates:` or `control:` followed by one number or a `[FROM TO UNTIL]` range of them.
    fn numbered_value(&mut self, kind: Numbered, vpos: usize) -> Result<Node, SyntaxError> {
        let (what, field, eg, eg_range) = match kind {
            Numbered::Bates => ("Bates number", "bates", "ACME-0000012", "bates:[ACME-0000010 TO ACME-0000020]"),
            Numbered::Control => ("control number", "control", "EXH-0000012", "control:[EXH-0000100 TO EXH-0000200]"),
        };
        let node = |from: String, to: String| match kind {
            Numbered::Bates => Node::Bates { from, to },
            Numbered::Control => Node::Control { from, to },
        };
        let number = |w: &str, p: usize| -> Result<String, SyntaxError> {
            match crate::extract::loadfile::Bates::parse(w) {
                Some(b) if !b.prefix.is_empty() => Ok(w.to_string()),
                _ => Err(err(p, format!("'{w}' is not a {what}: a prefix and digits, e.g. {eg}"))),
            }
        };
        match self.next() {
            Some(Token { tok: Tok::Word(v), .. }) | Some(Token { tok: Tok::Quoted(v), .. }) => {
                let v = number(&v, vpos)?;
                Ok(node(v.clone(), v))
            }
            Some(Token { tok: Tok::LBracket, pos: open, .. }) => {
                let word = |this: &mut Self| -> Result<String, SyntaxError> {
                    let p = this.pos();
                    match this.next() {
                        Some(Token { tok: Tok::Word(w), .. }) => number(&w, p),
                        None => Err(err(open, format!("this {what} range is never closed: {eg_range}"))),
                        _ => Err(err(p, format!("expected a {what} here"))),
                    }
                };
                let from = word(self)?;
                let p = self.pos();
                match self.next() {
                    Some(Token { tok: Tok::Word(w), .. }) if w.eq_ignore_ascii_case("TO") => {}
                    _ => return Err(err(p, format!("expected TO between the two {what}s ({eg_range})"))),
                }
                let to = word(self)?;
                let p = self.pos();
                match self.next() {
                    Some(Token { tok: Tok::RBracket, .. }) => Ok(node(from, to)),
                    _ => Err(err(p, format!("expected ']' to close the {what} range"))),
                }
            }
            _ => Err(err(vpos, format!("expected a {what} after {field}: (e.g. {field}:{eg})"))),
        }
    }

    fn date_value(&mut self, vpos: usize) -> Result<Node, SyntaxError> {
        match self.next() {
            Some(Token { tok: Tok::Word(v), .. }) => {
                let (lo, hi) = date_bounds(&v).ok_or_else(|| err(vpos, format!("'{v}' is not a date: use YYYY, YYYY-MM or YYYY-MM-DD")))?;
                Ok(Node::Date { from: Some(lo), to: Some(hi) })
            }
            Some(Token { tok: Tok::LBracket, pos: open, .. }) => {
                let unclosed = |this: &Self| -> Option<SyntaxError> {
                    this.peek().is_none().then(|| {
                        err(open, "this date range is never closed: expected [FROM TO UNTIL] (e.g. date:[2000-01-01 TO 2000-06-30])")
                    })
                };
                let bound = |this: &mut Self, low: bool| -> Result<Option<String>, SyntaxError> {
                    if let Some(e) = unclosed(this) {
                        return Err(e);
                    }
                    let p = this.pos();
                    match this.next() {
                        Some(Token { tok: Tok::Word(w), .. }) if w == "*" => Ok(None),
                        Some(Token { tok: Tok::Word(w), .. }) => {
                            let (lo, hi) =
                                date_bounds(&w).ok_or_else(|| err(p, format!("'{w}' is not a date: use YYYY, YYYY-MM or YYYY-MM-DD")))?;
                            Ok(Some(if low { lo } else { hi }))
                        }
                        _ => Err(err(p, "expected a date or * here")),
                    }
                };
                let from = bound(self, true)?;
                if let Some(e) = unclosed(self) {
                    return Err(e);
                }
                let p = self.pos();
                match self.next() {
                    Some(Token { tok: Tok::Word(w), .. }) if w.eq_ignore_ascii_case("TO") => {}
                    _ => return Err(err(p, "expected TO between the two dates (date:[2000-01-01 TO 2000-06-30])")),
                }
                let to = bound(self, false)?;
                if let Some(e) = unclosed(self) {
                    return Err(e);
                }
                let p = self.pos();
                match self.next() {
                    Some(Token { tok: Tok::RBracket, .. }) => Ok(Node::Date { from, to }),
                    _ => Err(err(p, "expected ']' to close the date range")),
                }
            }
            _ => Err(err(vpos, "expected a date (YYYY, YYYY-MM, YYYY-MM-DD) or a range [A TO B] after date:")),
        }
    }
}

fn proximity_operand(n: &Node) -> bool {
    match n {
        Node::Term { .. } | Node::Stem { .. } | Node::Phrase { .. } | Node::Wildcard { .. } | Node::Fuzzy { .. } | Node::Number(_) => true,
        Node::Or(parts) => parts.iter().all(proximity_operand),
        _ => false,
    }
}

/// A proximity operand as words: a number-shaped word beside `w/5` is a word of the text.
fn as_word(n: Node) -> Node {
    match n {
        Node::Number(text) => Node::Term { field: None, text },
        Node::Or(parts) => Node::Or(parts.into_iter().map(as_word).collect()),
        other => other,
    }
}

/// The two numbering schemes a field can take a number or a range of: `bates:` and `control:`.
#[derive(Clone, Copy)]
enum Numbered {
    Bates,
    Control,
}

/// Whether a bare word looks like a pasted control or Bates number: a prefix that starts with a
/// letter and holds only letters, digits and `-_.`, then at least four digits (`EXH-0001990`,
/// `ACME000123`). Short tails (`gpt-4`, `covid19`) stay words.
pub fn looks_like_number(w: &str) -> bool {
    match crate::extract::loadfile::Bates::parse(w) {
        Some(b) => {
            b.digits >= 4
                && b.prefix.starts_with(|c: char| c.is_ascii_alphabetic())
                && b.prefix.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        }
        None => false,
    }
}

fn with_field(n: Node, f: &str) -> Node {
    let fld = Some(f.to_string());
    match n {
        Node::Term { text, .. } | Node::Number(text) => Node::Term { field: fld, text },
        Node::Stem { text, .. } => Node::Stem { field: fld, text },
        Node::Phrase { words, slop, .. } => Node::Phrase { field: fld, words, slop },
        Node::Wildcard { pattern, .. } => Node::Wildcard { field: fld, pattern },
        Node::Fuzzy { text, distance, .. } => Node::Fuzzy { field: fld, text, distance },
        Node::Regex { pattern, .. } => Node::Regex { field: fld, pattern },
        Node::And(v) => Node::And(v.into_iter().map(|c| with_field(c, f)).collect()),
        Node::Or(v) => Node::Or(v.into_iter().map(|c| with_field(c, f)).collect()),
        Node::Not(c) => Node::Not(Box::new(with_field(*c, f))),
        Node::Near { left, right, distance, ordered } => {
            Node::Near { left: Box::new(with_field(*left, f)), right: Box::new(with_field(*right, f)), distance, ordered }
        }
        other => other,
    }
}

/// First and last day covered by `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
pub fn date_bounds(v: &str) -> Option<(String, String)> {
    use chrono::NaiveDate;
    let parts: Vec<&str> = v.split('-').collect();
    let y: i32 = parts.first()?.parse().ok().filter(|_| parts[0].len() == 4)?;
    match parts.len() {
        1 => Some((format!("{y:04}-01-01"), format!("{y:04}-12-31"))),
        2 => {
            let m: u32 = parts[1].parse().ok()?;
            let first = NaiveDate::from_ymd_opt(y, m, 1)?;
            let next = if m == 12 { NaiveDate::from_ymd_opt(y + 1, 1, 1)? } else { NaiveDate::from_ymd_opt(y, m + 1, 1)? };
            let last = next.pred_opt()?;
            Some((first.to_string(), last.to_string()))
        }
        3 => {
            let d = NaiveDate::from_ymd_opt(y, parts[1].parse().ok()?, parts[2].parse().ok()?)?;
            Some((d.to_string(), d.to_string()))
        }
        _ => None,
    }
}

fn next_day(d: &str) -> String {
    chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok().and_then(|d| d.succ_opt()).map(|d| d.to_string()).unwrap_or_else(|| d.into())
}

fn prev_day(d: &str) -> String {
    chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok().and_then(|d| d.pred_opt()).map(|d| d.to_string()).unwrap_or_else(|| d.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Node {
        Node::Term { field: None, text: s.into() }
    }

    #[test]
    fn booleans_and_implicit_and() {
        assert_eq!(parse("gas desk").unwrap(), Node::And(vec![t("gas"), t("desk")]));
        assert_eq!(parse("a OR b c").unwrap(), Node::Or(vec![t("a"), Node::And(vec![t("b"), t("c")])]));
        assert_eq!(parse("(a OR b) AND c").unwrap(), Node::And(vec![Node::Or(vec![t("a"), t("b")]), t("c")]));
        assert_eq!(parse("a -b").unwrap(), Node::And(vec![t("a"), Node::Not(Box::new(t("b")))]));
        assert_eq!(parse("NOT a").unwrap(), Node::Not(Box::new(t("a"))));
        assert_eq!(parse("well-known").unwrap(), t("well-known"));
    }

    #[test]
    fn phrases_proximity_wildcards_fuzzy_regex() {
        assert_eq!(
            parse("\"price cap\"~5").unwrap(),
            Node::Phrase { field: None, words: vec!["price".into(), "cap".into()], slop: Some(5) }
        );
        assert_eq!(
            parse("price w/5 cap").unwrap(),
            Node::Near { left: Box::new(t("price")), right: Box::new(t("cap")), distance: 5, ordered: false }
        );
        assert!(matches!(parse("price pre/3 cap").unwrap(), Node::Near { ordered: true, distance: 3, .. }));
        assert_eq!(parse("trad*").unwrap(), Node::Wildcard { field: None, pattern: "trad*".into() });
        assert_eq!(parse("enron~1").unwrap(), Node::Fuzzy { field: None, text: "enron".into(), distance: 1 });
        assert_eq!(parse("/sk-[a-z0-9]{20}/").unwrap(), Node::Regex { field: None, pattern: "sk-[a-z0-9]{20}".into() });
    }

    #[test]
    fn fields_dates_and_review_state() {
        assert_eq!(parse("from:kaminski").unwrap(), Node::Term { field: Some("from".into()), text: "kaminski".into() });
        assert_eq!(
            parse("custodian:\"Farmer, Daren\"").unwrap(),
            Node::Phrase { field: Some("custodian".into()), words: vec!["Farmer,".into(), "Daren".into()], slop: None }
        );
        assert_eq!(parse("date:2001-02").unwrap(), Node::Date { from: Some("2001-02-01".into()), to: Some("2001-02-28".into()) });
        assert_eq!(
            parse("date:[2000-01-01 TO 2000-06-30]").unwrap(),
            Node::Date { from: Some("2000-01-01".into()), to: Some("2000-06-30".into()) }
        );
        assert_eq!(parse("date>=2001-01-01").unwrap(), Node::Date { from: Some("2001-01-01".into()), to: None });
        assert_eq!(parse("date<2001").unwrap(), Node::Date { from: None, to: Some("2000-12-31".into()) });
        assert_eq!(parse("-tag:Reviewed").unwrap(), Node::Not(Box::new(Node::Tag("Reviewed".into()))));
        assert_eq!(parse("has:redactions").unwrap(), Node::Has("redactions".into()));
        assert!(matches!(parse("family:(fraud AND tag:Hot)").unwrap(), Node::Family(_)));
    }

    #[test]
    fn control_numbers_single_ranges_and_pasted() {
        let c = |from: &str, to: &str| Node::Control { from: from.into(), to: to.into() };
        assert_eq!(parse("control:EXH-0001990").unwrap(), c("EXH-0001990", "EXH-0001990"));
        assert_eq!(parse("control:[EXH-0000100 TO EXH-0000200]").unwrap(), c("EXH-0000100", "EXH-0000200"));
        assert_eq!(parse("CONTROL:\"exh-12\"").unwrap(), c("exh-12", "exh-12"));
        // A wildcard keeps matching the stored control numbers as before.
        assert_eq!(parse("control:EXH-00019*").unwrap(), Node::Wildcard { field: Some("control".into()), pattern: "EXH-00019*".into() });
        let e = parse("control:[EXH-0000100 TO").unwrap_err();
        assert!(e.message.contains("control number"), "{e:?}");
        let e = parse("control:fraud").unwrap_err();
        assert!(e.message.contains("is not a control number"), "{e:?}");
        // Pasted bare: a number-shaped word; quoted, or too short, or a field's value, it is a word.
        assert_eq!(parse("EXH-0001990").unwrap(), Node::Number("EXH-0001990".into()));
        assert_eq!(parse("ACME000123 OR gas").unwrap(), Node::Or(vec![Node::Number("ACME000123".into()), t("gas")]));
        assert_eq!(parse("\"EXH-0001990\"").unwrap(), t("EXH-0001990"));
        for word in ["gpt-4", "covid19", "2001", "-0001990x", "EXH-00019*"] {
            assert!(!matches!(parse(word).unwrap(), Node::Number(_)), "{word}");
        }
        assert_eq!(parse("subject:EXH-0001990").unwrap(), Node::Term { field: Some("subject".into()), text: "EXH-0001990".into() });
        // Beside a proximity operator it is a word of the text.
        assert_eq!(
            parse("EXH-0001990 w/3 memo").unwrap(),
            Node::Near { left: Box::new(t("EXH-0001990")), right: Box::new(t("memo")), distance: 3, ordered: false }
        );
    }

    #[test]
    fn errors_say_where_and_what() {
        let e = parse("(gas OR desk").unwrap_err();
        assert_eq!(e.position, 1);
        assert!(e.message.contains("never closed"));
        let e = parse("gas AND").unwrap_err();
        assert_eq!(e.position, 5, "the AND that has nothing after it");
        let e = parse("\"open phrase").unwrap_err();
        assert!(e.message.contains("quotation"));
        let e = parse("colour:red").unwrap_err();
        assert!(e.message.contains("unknown field 'colour'"));
        let e = parse("date:2001-13").unwrap_err();
        assert_eq!(e.position, 6);
        let e = parse("a ) b").unwrap_err();
        assert_eq!(e.position, 3);
        assert!(parse("").is_err());
        assert!(parse("OR b").is_err());
    }

    /// Position and the gist of the message of the error `q` gives.
    fn fails(q: &str) -> (usize, String) {
        match parse(q) {
            Ok(n) => panic!("{q:?} parsed as {n:?}; it must be a syntax error"),
            Err(e) => (e.position, e.message),
        }
    }

    #[test]
    fn bare_words_are_exact_and_tilde_stems() {
        assert_eq!(parse("Trading").unwrap(), t("Trading"));
        assert_eq!(parse("trade~").unwrap(), Node::Stem { field: None, text: "trade".into() });
        assert_eq!(parse("subject:trade~").unwrap(), Node::Stem { field: Some("subject".into()), text: "trade".into() });
        assert_eq!(parse("enron~2").unwrap(), Node::Fuzzy { field: None, text: "enron".into(), distance: 2 });
        assert!(matches!(parse("trade~ w/3 cap").unwrap(), Node::Near { left, .. } if matches!(*left, Node::Stem { .. })));
        // A quoted word is exact even if it looks like an operator or a wildcard.
        assert_eq!(parse("\"w/o\"").unwrap(), t("w/o"));
        assert_eq!(parse("and/or").unwrap(), t("and/or"));
        let (pos, msg) = fails("from:smith~");
        assert_eq!(pos, 11);
        assert!(msg.contains("stemming") && msg.contains("smith~1"), "{msg}");
        let (pos, msg) = fails("enron~3");
        assert_eq!(pos, 6);
        assert!(msg.contains("1 or 2"), "{msg}");
        assert_eq!(fails("trad*~").0, 6);
    }

    #[test]
    fn every_malformed_operator_is_an_error_with_its_position() {
        // (query, 1-based position, words the message must contain)
        let cases: &[(&str, usize, &[&str])] = &[
            ("price w/", 7, &["'w/'", "number"]),
            ("price W/", 7, &["number"]),
            ("price w/ cap", 7, &["'w/'", "number"]),
            ("price w/x cap", 7, &["'w/x'", "whole number"]),
            ("price w/5x cap", 7, &["whole number"]),
            ("price pre/ cap", 7, &["'pre/'", "number"]),
            ("price pre/", 7, &["'pre/'"]),
            ("price near/ cap", 7, &["'near/'"]),
            ("price w/99999999999 cap", 7, &["too large"]),
            ("price w/5", 7, &["'w/5'", "after it"]),
            ("price w/5 )", 7, &["'w/5'", "after it"]),
            ("price w/5 AND cap", 11, &["after 'w/5'", "'AND'"]),
            ("w/5 cap", 1, &["on its left"]),
            ("w/ cap", 1, &["number"]),
            ("gas AND", 5, &["'AND'", "after it"]),
            ("gas and AND", 9, &["'AND'"]),
            ("gas OR", 5, &["'OR'", "after it"]),
            ("gas NOT", 5, &["'NOT'", "after it"]),
            ("gas -", 5, &["'-'", "after it"]),
            ("gas &&", 5, &["'&&'"]),
            ("gas ||", 5, &["'||'"]),
            ("AND gas", 1, &["on its left"]),
            ("OR gas", 1, &["on its left"]),
            ("gas AND OR oil", 9, &["after 'AND'", "'OR'"]),
            ("gas OR AND oil", 8, &["after 'OR'", "'AND'"]),
            ("NOT NOT", 5, &["after 'NOT'"]),
            ("(gas AND) oil", 6, &["'AND'", "before the ')'"]),
            ("(gas OR)", 6, &["'OR'"]),
            ("NOT", 1, &["'NOT'", "after it"]),
            ("\"open phrase", 1, &["quotation mark", "never closed"]),
            ("gas \"open", 5, &["never closed"]),
            ("(gas OR oil", 1, &["'('", "never closed"]),
            ("((gas) OR oil", 1, &["never closed"]),
            ("gas)", 4, &["')'"]),
            ("date:[2000-01-01 TO 2000-06-30", 6, &["range", "never closed"]),
            ("date:[2000-01-01 TO", 6, &["range", "never closed"]),
            ("date:[2000-01-01", 6, &["range", "never closed"]),
            ("date:[", 6, &["range", "never closed"]),
            ("date:[2000 2001]", 12, &["TO"]),
            ("[a TO b]", 1, &["range", "date:"]),
            ("gas ]", 5, &["']'"]),
            ("/sk-[a-z", 1, &["regular expression", "never closed"]),
            ("family:(gas", 8, &["never closed"]),
            ("from:", 6, &["value after from:"]),
            ("\"price cap\"~", 12, &["number after ~"]),
            ("()", 2, &["')'"]),
        ];
        let mut wrong = Vec::new();
        for (q, pos, words) in cases {
            match parse(q) {
                Ok(n) => wrong.push(format!("{q:?}: parsed as {n:?}")),
                Err(e) => {
                    if e.position != *pos || !words.iter().all(|w| e.message.contains(w)) {
                        wrong.push(format!("{q:?}: at {} {:?}; want at {pos} with {words:?}", e.position, e.message));
                    }
                    assert!(e.to_string().starts_with(&format!("at character {}: ", e.position)));
                }
            }
        }
        assert!(wrong.is_empty(), "{wrong:#?}");
    }
}
