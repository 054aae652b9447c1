//! Pattern recognizers: find candidate redaction spans in extracted text.
//!
//! Pure: text in, [`Match`]es out (character offsets, counted in `char`s, end exclusive).
//! Each built-in recognizer pairs a cheap candidate search (a DFA-backed `regex`, or `memchr`
//! for a literal anchor such as `@` or `-----BEGIN `) with validation in Rust: checksums
//! (Luhn, IBAN mod-97), number ranges (SSN areas, IPv4 octets, NANP area codes), boundaries
//! (a match never starts or ends inside a longer token) and, for the ambiguous kinds (dates of
//! birth, SSNs without dashes, AWS secret keys), a context word nearby.
//!
//! The patterns avoid Unicode `\b` and `\d` on purpose: both keep the regex crate off its lazy
//! DFA on non-ASCII text. Boundaries are checked in Rust instead.
//!
//! Names are a contract (stored in redaction rules): see [`names`] and [`builtin`].

use std::net::Ipv6Addr;
use std::sync::LazyLock;

use regex::Regex;

/// One candidate span.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Match {
    /// Character (Unicode scalar value) offset of the first character.
    pub start: usize,
    /// Character offset one past the last character.
    pub end: usize,
    /// The recognizer's name, or `"regex"` / `"terms"` for user rules.
    pub recognizer: &'static str,
    /// The matched text.
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Group {
    Pii,
    Secrets,
}

impl Group {
    pub fn as_str(self) -> &'static str {
        match self {
            Group::Pii => "pii",
            Group::Secrets => "secrets",
        }
    }
}

/// A built-in recognizer.
pub struct Recognizer {
    pub name: &'static str,
    pub group: Group,
    pub description: &'static str,
    find: fn(&str, &mut Vec<Raw>),
}

impl std::fmt::Debug for Recognizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recognizer").field("name", &self.name).field("group", &self.group).finish()
    }
}

/// Why a rule could not be built.
#[derive(Debug, thiserror::Error)]
pub enum RuleError {
    #[error("invalid regular expression at character {position}: {message}")]
    BadRegex { position: usize, message: String },
    #[error("the regular expression is too large once compiled: {0}. Split it into several rules")]
    RegexTooLarge(String),
    #[error("the regular expression can match empty text, which would redact nothing: make it match at least one character")]
    RegexMatchesEmpty,
    #[error("unknown recognizer '{name}': known ones are {known}")]
    UnknownRecognizer { name: String, known: String },
    #[error("the term list has no terms (blank lines are ignored)")]
    NoTerms,
}

impl RuleError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            RuleError::BadRegex { .. } => "bad_regex",
            RuleError::RegexTooLarge(_) => "regex_too_large",
            RuleError::RegexMatchesEmpty => "regex_matches_empty",
            RuleError::UnknownRecognizer { .. } => "unknown_recognizer",
            RuleError::NoTerms => "no_terms",
        }
    }
}

/// A match in byte offsets, before merging and conversion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Raw {
    start: usize,
    end: usize,
    rec: &'static str,
}

// ---------------------------------------------------------------------------------------------
// Registry

static RECOGNIZERS: &[Recognizer] = &[
    Recognizer { name: "email", group: Group::Pii, description: "e-mail addresses (local@domain.tld)", find: find_email },
    Recognizer {
        name: "phone",
        group: Group::Pii,
        description: "telephone numbers: North American with separators, international with +",
        find: find_phone,
    },
    Recognizer {
        name: "ssn",
        group: Group::Pii,
        description: "US social security numbers (AAA-GG-SSSS; undashed only after 'SSN' or 'social security')",
        find: find_ssn,
    },
    Recognizer {
        name: "credit_card",
        group: Group::Pii,
        description: "payment card numbers with a known issuer prefix and a valid Luhn check digit",
        find: find_credit_card,
    },
    Recognizer { name: "ip", group: Group::Pii, description: "IPv4 and IPv6 addresses", find: find_ip },
    Recognizer {
        name: "dob",
        group: Group::Pii,
        description: "dates of birth (a date after 'DOB', 'date of birth', 'born', ...)",
        find: find_dob,
    },
    Recognizer {
        name: "iban",
        group: Group::Pii,
        description: "international bank account numbers with a valid mod-97 check and country length",
        find: find_iban,
    },
    Recognizer { name: "openai_key", group: Group::Secrets, description: "OpenAI API keys (sk-, sk-proj-)", find: find_openai },
    Recognizer { name: "anthropic_key", group: Group::Secrets, description: "Anthropic API keys (sk-ant-...)", find: find_anthropic },
    Recognizer { name: "aws_key", group: Group::Secrets, description: "AWS access key ids (AKIA..., ASIA...)", find: find_aws_key },
    Recognizer {
        name: "aws_secret_key",
        group: Group::Secrets,
        description: "AWS secret access keys, when labelled (aws_secret_access_key = ...)",
        find: find_aws_secret,
    },
    Recognizer {
        name: "github_token",
        group: Group::Secrets,
        description: "GitHub tokens (ghp_, gho_, ghu_, ghs_, ghr_, github_pat_)",
        find: find_github,
    },
    Recognizer { name: "google_api_key", group: Group::Secrets, description: "Google API keys (AIza...)", find: find_google },
    Recognizer {
        name: "slack_token",
        group: Group::Secrets,
        description: "Slack tokens (xoxb-, xoxp-, ...) and incoming-webhook URLs",
        find: find_slack,
    },
    Recognizer {
        name: "stripe_key",
        group: Group::Secrets,
        description: "Stripe secret and restricted keys (sk_live_, rk_live_, sk_test_, rk_test_)",
        find: find_stripe,
    },
    Recognizer { name: "jwt", group: Group::Secrets, description: "JSON Web Tokens (header decodes to JSON with \"alg\")", find: find_jwt },
    Recognizer {
        name: "private_key",
        group: Group::Secrets,
        description: "PEM/PGP private key blocks, BEGIN line to END line",
        find: find_private_key,
    },
];

const GROUPS: &[Group] = &[Group::Pii, Group::Secrets];

/// Every built-in recognizer.
pub fn all() -> Vec<&'static Recognizer> {
    RECOGNIZERS.iter().collect()
}

/// Names of the built-in recognizers (groups not included: see [`group_names`]).
pub fn names() -> Vec<&'static str> {
    RECOGNIZERS.iter().map(|r| r.name).collect()
}

/// Names of the groups: `pii`, `secrets`.
pub fn group_names() -> Vec<&'static str> {
    GROUPS.iter().map(|g| g.as_str()).collect()
}

/// The recognizers a name stands for: a group (`pii`, `secrets`) or one recognizer.
pub fn builtin(name: &str) -> Option<Vec<&'static Recognizer>> {
    let name = name.trim();
    if let Some(g) = GROUPS.iter().find(|g| g.as_str().eq_ignore_ascii_case(name)) {
        return Some(RECOGNIZERS.iter().filter(|r| r.group == *g).collect());
    }
    RECOGNIZERS.iter().find(|r| r.name.eq_ignore_ascii_case(name)).map(|r| vec![r])
}

// ---------------------------------------------------------------------------------------------
// Rule sets

struct UserRegex {
    re: Regex,
    rec: &'static str,
    whole_word: bool,
}

/// A compiled set of recognizers, user regular expressions and term lists.
#[derive(Default)]
pub struct RuleSet {
    recognizers: Vec<&'static Recognizer>,
    user: Vec<UserRegex>,
}

impl std::fmt::Debug for RuleSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RuleSet")
            .field("recognizers", &self.recognizers.iter().map(|r| r.name).collect::<Vec<_>>())
            .field("user_rules", &self.user.len())
            .finish()
    }
}

impl RuleSet {
    /// An empty set: add rules with [`RuleSet::with_regex`] and [`RuleSet::with_terms`].
    pub fn new() -> Self {
        Self::default()
    }

    /// Built-in recognizers by name or group; duplicates are dropped.
    pub fn builtin(names: &[&str]) -> Result<Self, RuleError> {
        let mut recognizers: Vec<&'static Recognizer> = Vec::new();
        for n in names {
            let Some(rs) = builtin(n) else {
                let mut known = group_names();
                known.extend(self::names());
                return Err(RuleError::UnknownRecognizer { name: n.to_string(), known: known.join(", ") });
            };
            for r in rs {
                if !recognizers.iter().any(|x| std::ptr::eq(*x, r)) {
                    recognizers.push(r);
                }
            }
        }
        Ok(RuleSet { recognizers, user: Vec::new() })
    }

    /// The built-in recognizers in this set.
    pub fn recognizers(&self) -> &[&'static Recognizer] {
        &self.recognizers
    }

    /// Adds a user regular expression (regex crate syntax; matches reported as `"regex"`).
    pub fn with_regex(mut self, re: &str) -> Result<Self, RuleError> {
        let hir = regex_syntax::ParserBuilder::new().build().parse(re).map_err(|e| {
            let (span, message) = match &e {
                regex_syntax::Error::Parse(e) => (*e.span(), e.kind().to_string()),
                regex_syntax::Error::Translate(e) => (*e.span(), e.kind().to_string()),
                _ => (regex_syntax::ast::Span::splat(regex_syntax::ast::Position::new(0, 1, 1)), e.to_string()),
            };
            RuleError::BadRegex { position: re[..span.start.offset.min(re.len())].chars().count(), message }
        })?;
        if hir.properties().minimum_len() == Some(0) {
            return Err(RuleError::RegexMatchesEmpty);
        }
        let compiled = Regex::new(re).map_err(|e| match e {
            regex::Error::CompiledTooBig(n) => RuleError::RegexTooLarge(format!("over the {n}-byte limit")),
            other => RuleError::BadRegex { position: 0, message: other.to_string() },
        })?;
        self.user.push(UserRegex { re: compiled, rec: "regex", whole_word: false });
        Ok(self)
    }

    /// Adds a term list (matches reported as `"terms"`). Runs of whitespace inside a term match
    /// any run of whitespace in the text (extracted text breaks lines anywhere).
    pub fn with_terms(mut self, terms: &[String], whole_word: bool, case_sensitive: bool) -> Result<Self, RuleError> {
        let mut parts: Vec<String> = terms
            .iter()
            .map(|t| t.split_whitespace().map(regex::escape).collect::<Vec<_>>().join(r"\s+"))
            .filter(|t| !t.is_empty())
            .collect();
        if parts.is_empty() {
            return Err(RuleError::NoTerms);
        }
        // Longest first, so that at one start position the longest term wins.
        parts.sort_by_key(|p| std::cmp::Reverse(p.len()));
        parts.dedup();
        let pattern = format!("{}(?:{})", if case_sensitive { "" } else { "(?i)" }, parts.join("|"));
        let re = regex::RegexBuilder::new(&pattern).size_limit(256 << 20).build().map_err(|e| RuleError::RegexTooLarge(e.to_string()))?;
        self.user.push(UserRegex { re, rec: "terms", whole_word });
        Ok(self)
    }

    /// Every match in `text`, sorted by start; overlapping matches are merged by keeping the
    /// longest (the first one on a tie).
    pub fn find(&self, text: &str) -> Vec<Match> {
        let mut raw = Vec::new();
        for r in &self.recognizers {
            (r.find)(text, &mut raw);
        }
        for u in &self.user {
            find_user(u, text, &mut raw);
        }
        let raw = merge(raw);
        to_matches(text, &raw)
    }

    /// Number of matches only (after merging): no per-match allocation.
    pub fn count(&self, text: &str) -> usize {
        let mut raw = Vec::new();
        for r in &self.recognizers {
            (r.find)(text, &mut raw);
        }
        for u in &self.user {
            find_user(u, text, &mut raw);
        }
        merge(raw).len()
    }
}

fn find_user(u: &UserRegex, text: &str, out: &mut Vec<Raw>) {
    let mut pos = 0;
    while pos <= text.len() {
        let Some(m) = u.re.find_at(text, pos) else { break };
        if m.is_empty() {
            pos = m.end() + next_len(text, m.end());
            continue;
        }
        if u.whole_word && !(clear_before(text, m.start(), is_word) && clear_after(text, m.end(), is_word)) {
            // Retry one character further: a shorter term may start inside this one.
            pos = m.start() + next_len(text, m.start());
            continue;
        }
        out.push(Raw { start: m.start(), end: m.end(), rec: u.rec });
        pos = m.end();
    }
}

fn next_len(text: &str, i: usize) -> usize {
    text[i..].chars().next().map_or(1, char::len_utf8)
}

/// Sorts and merges overlapping spans, keeping the longest of each overlapping run.
fn merge(mut raw: Vec<Raw>) -> Vec<Raw> {
    raw.sort_by(|a, b| a.start.cmp(&b.start).then(b.end.cmp(&a.end)));
    let mut out: Vec<Raw> = Vec::with_capacity(raw.len());
    for r in raw {
        match out.last_mut() {
            Some(last) if r.start < last.end => {
                if r.end - r.start > last.end - last.start {
                    *last = r;
                }
            }
            _ => out.push(r),
        }
    }
    out
}

/// Byte spans (sorted, non-overlapping) to char spans, in one pass over the text.
fn to_matches(text: &str, raw: &[Raw]) -> Vec<Match> {
    let bytes = text.as_bytes();
    let mut byte_pos = 0;
    let mut char_pos = 0;
    let mut advance = |to: usize| {
        char_pos += count_chars(&bytes[byte_pos..to]);
        byte_pos = to;
        char_pos
    };
    raw.iter()
        .map(|r| {
            let start = advance(r.start);
            let end = advance(r.end);
            Match { start, end, recognizer: r.rec, text: text[r.start..r.end].to_string() }
        })
        .collect()
}

fn count_chars(b: &[u8]) -> usize {
    // Every byte but UTF-8 continuation bytes (0b10xx_xxxx) starts a char.
    b.iter().filter(|&&x| (x as i8) >= -0x40).count()
}

// ---------------------------------------------------------------------------------------------
// Helpers

fn re(p: &str) -> Regex {
    Regex::new(p).unwrap_or_else(|e| panic!("built-in pattern {p}: {e}"))
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn is_key_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

fn clear_before(text: &str, i: usize, bad: impl Fn(char) -> bool) -> bool {
    text[..i].chars().next_back().is_none_or(|c| !bad(c))
}

fn clear_after(text: &str, j: usize, bad: impl Fn(char) -> bool) -> bool {
    text[j..].chars().next().is_none_or(|c| !bad(c))
}

/// After `j`: not `[0-9A-Za-z]`, and not a `.`/`-`/`,` joining another digit or letter.
fn number_ends(text: &str, j: usize) -> bool {
    let b = &text.as_bytes()[j..];
    match b.first() {
        None => true,
        Some(c) if c.is_ascii_alphanumeric() => false,
        Some(b'.' | b'-' | b',' | b'/') => !b.get(1).is_some_and(|c| c.is_ascii_digit()),
        _ => !text[j..].chars().next().is_some_and(char::is_alphanumeric),
    }
}

/// Before `i`: not a letter or digit, and not a `.`/`-`/`/` joined to one.
fn number_starts(text: &str, i: usize) -> bool {
    let b = &text.as_bytes()[..i];
    match b.last() {
        None => true,
        Some(c) if c.is_ascii_alphanumeric() || *c == b'_' => false,
        Some(b'.' | b'-' | b'/' | b',') => !(b.len() >= 2 && b[b.len() - 2].is_ascii_alphanumeric()),
        _ => !text[..i].chars().next_back().is_some_and(char::is_alphanumeric),
    }
}

/// The word just before `i`, skipping a few separators (`"version: 1.2.3.4"` → `"version"`).
fn word_before(text: &str, i: usize) -> &str {
    let head = &text[..i];
    let trimmed = head.trim_end_matches(|c: char| c.is_whitespace() || matches!(c, ':' | '#' | '=' | '.'));
    if head.len() - trimmed.len() > 8 {
        return "";
    }
    let start = trimmed.rfind(|c: char| !c.is_alphanumeric()).map_or(0, |p| p + trimmed[p..].chars().next().unwrap().len_utf8());
    &trimmed[start..]
}

fn digits(s: &str) -> impl Iterator<Item = u32> + '_ {
    s.bytes().filter(u8::is_ascii_digit).map(|b| (b - b'0') as u32)
}

fn num(s: &str) -> u32 {
    s.bytes().filter(u8::is_ascii_digit).fold(0u32, |n, b| n.saturating_mul(10).saturating_add((b - b'0') as u32))
}

/// At least two of digits, upper- and lowercase letters: a cheap guard against words and
/// slugs (`sk-proj-my-demo-app-...`) that a random base62 key of 20+ chars practically never
/// fails (a digit alone would be missing from ~1.5% of 24-char keys).
fn looks_random(s: &str) -> bool {
    let (mut d, mut u, mut l) = (false, false, false);
    for b in s.bytes() {
        d |= b.is_ascii_digit();
        u |= b.is_ascii_uppercase();
        l |= b.is_ascii_lowercase();
    }
    (d as u8 + u as u8 + l as u8) >= 2
}

/// Candidates of `re`, kept when `check` accepts them (possibly narrowed). A rejected candidate
/// is retried one character further on, so that a valid match starting inside it (leftmost-first
/// search hides those) is still found.
fn scan(re: &Regex, text: &str, rec: &'static str, out: &mut Vec<Raw>, mut check: impl FnMut(usize, usize) -> Option<(usize, usize)>) {
    let mut pos = 0;
    while let Some(m) = re.find_at(text, pos) {
        match check(m.start(), m.end()) {
            Some((s, e)) => {
                out.push(Raw { start: s, end: e, rec });
                pos = e.max(m.start() + 1);
            }
            None => {
                pos = m.start() + next_len(text, m.start());
                // No candidate may start right after a digit (every check demands a boundary
                // there), so skip the rest of a digit run instead of retrying at each digit.
                let b = text.as_bytes();
                if b[pos - 1].is_ascii_digit() {
                    pos += b[pos..].iter().take_while(|c| c.is_ascii_digit()).count();
                }
            }
        }
        if pos >= text.len() {
            break;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// PII

fn is_local_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '.' | '_' | '%' | '+' | '-')
}

fn is_domain_char(c: char) -> bool {
    c.is_alphanumeric() || c == '-' || c == '.'
}

fn find_email(text: &str, out: &mut Vec<Raw>) {
    let mut last_end = 0;
    for at in memchr::memchr_iter(b'@', text.as_bytes()) {
        if at < last_end {
            continue;
        }
        // Local part, backwards (at most 64 chars).
        let mut start = at;
        let mut n = 0;
        for (i, c) in text[last_end..at].char_indices().rev() {
            if !is_local_char(c) || n == 65 {
                break;
            }
            start = last_end + i;
            n += 1;
        }
        if n > 64 {
            continue;
        }
        let local = text[start..at].trim_start_matches('.');
        let start = at - local.len();
        if local.is_empty() || local.ends_with('.') || local.contains("..") {
            continue;
        }
        // Domain, forwards.
        let rest = &text[at + 1..];
        let dlen = rest.find(|c: char| !is_domain_char(c)).unwrap_or(rest.len());
        let domain = rest[..dlen.min(255)].trim_end_matches(['.', '-']);
        let labels: Vec<&str> = domain.split('.').collect();
        if labels.len() < 2 || labels.iter().any(|l| l.is_empty() || l.len() > 63 || l.starts_with('-') || l.ends_with('-')) {
            continue;
        }
        let tld = labels[labels.len() - 1];
        let tld_ok = (tld.chars().count() >= 2 && tld.chars().all(char::is_alphabetic)) || tld.starts_with("xn--");
        if !tld_ok {
            continue;
        }
        let end = at + 1 + domain.len();
        out.push(Raw { start, end, rec: "email" });
        last_end = end;
    }
}

static PHONE_NA: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?:\+?1[ .\-]?)?(?:\(([0-9]{3})\)[ ]?|([0-9]{3})([ .\-]))([0-9]{3})([ .\-])([0-9]{4})"));
static PHONE_INTL: LazyLock<Regex> = LazyLock::new(|| re(r"\+[1-9][0-9]{0,3}(?:[ .\-]?(?:\([0-9]{1,4}\)|[0-9]{1,6})){1,7}"));

fn nanp_ok(area: &str, exchange: &str) -> bool {
    let a = area.as_bytes();
    let x = exchange.as_bytes();
    a[0] >= b'2' && !(a[1] == b'1' && a[2] == b'1') && x[0] >= b'2'
}

fn find_phone(text: &str, out: &mut Vec<Raw>) {
    for c in PHONE_NA.captures_iter(text) {
        let m = c.get(0).unwrap();
        let (area, exch) = (c.get(1).or(c.get(2)).unwrap().as_str(), &c[4]);
        if let (Some(s1), s2) = (c.get(3), &c[5]) {
            if s1.as_str() != s2 {
                continue; // 555-123.4567: mixed separators
            }
        }
        let first = m.as_str().as_bytes()[0];
        let before_ok = if first == b'+' || first == b'(' {
            clear_before(text, m.start(), |c| c.is_alphanumeric())
        } else {
            number_starts(text, m.start()) && !text[..m.start()].ends_with('+')
        };
        if before_ok && number_ends(text, m.end()) && nanp_ok(area, exch) {
            out.push(Raw { start: m.start(), end: m.end(), rec: "phone" });
        }
    }
    scan(&PHONE_INTL, text, "phone", out, |s, mut e| {
        if !clear_before(text, s, |c| c.is_alphanumeric() || c == '+') {
            return None;
        }
        // Greedy groups can swallow a following number: drop trailing groups past 15 digits.
        while digits(&text[s..e]).count() > 15 {
            let cut = text[s..e].rfind([' ', '.', '-', '('])?;
            e = s + cut;
        }
        let cand = &text[s..e];
        let n = digits(cand).count();
        if n < 8 || !number_ends(text, e) {
            return None;
        }
        // +1: must be a valid NANP number.
        if cand.starts_with("+1") && n == 11 {
            let d: String = cand.bytes().filter(u8::is_ascii_digit).map(char::from).collect();
            if !nanp_ok(&d[1..4], &d[4..7]) {
                return None;
            }
        }
        Some((s, e))
    });
}

static SSN: LazyLock<Regex> = LazyLock::new(|| re(r"[0-9]{3}-[0-9]{2}-[0-9]{4}"));
static SSN_CONTEXT: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?i)(?:(?-u:\b)(?:ssns?|social[\s\-]+security|soc\.?[\s]*sec\.?|ss\#)[\s\S]{0,30}?)([0-9]{3}[ .\-]?[0-9]{2}[ .\-]?[0-9]{4})")
});

fn ssn_ok(s: &str) -> bool {
    let d: Vec<u32> = digits(s).collect();
    if d.len() != 9 || d.iter().all(|&x| x == d[0]) {
        return false;
    }
    let area = d[0] * 100 + d[1] * 10 + d[2];
    let group = d[3] * 10 + d[4];
    let serial = d[5] * 1000 + d[6] * 100 + d[7] * 10 + d[8];
    area != 0 && area != 666 && area < 900 && group != 0 && serial != 0
}

fn find_ssn(text: &str, out: &mut Vec<Raw>) {
    scan(&SSN, text, "ssn", out, |s, e| (number_starts(text, s) && number_ends(text, e) && ssn_ok(&text[s..e])).then_some((s, e)));
    for c in SSN_CONTEXT.captures_iter(text) {
        let m = c.get(1).unwrap();
        let seps: Vec<u8> = m.as_str().bytes().filter(|b| !b.is_ascii_digit()).collect();
        let consistent = seps.is_empty() || (seps.len() == 2 && seps[0] == seps[1]);
        if consistent && number_starts(text, m.start()) && number_ends(text, m.end()) && ssn_ok(m.as_str()) {
            out.push(Raw { start: m.start(), end: m.end(), rec: "ssn" });
        }
    }
}

static CARD: LazyLock<Regex> = LazyLock::new(|| re(r"[0-9]{13,19}|[0-9]{4}(?:[ \-][0-9]{1,6}){2,4}"));

fn luhn(d: &[u32]) -> bool {
    let sum: u32 = d
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &x)| {
            if i % 2 == 1 {
                if x * 2 > 9 {
                    x * 2 - 9
                } else {
                    x * 2
                }
            } else {
                x
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

fn iin_ok(d: &[u32]) -> bool {
    let p = |n: usize| d[..n].iter().fold(0u32, |a, &x| a * 10 + x);
    let len = d.len();
    match d[0] {
        4 => matches!(len, 13 | 16 | 19),
        5 => ((51..=55).contains(&p(2)) && len == 16) || (matches!(p(2), 50 | 56..=58) && len >= 12),
        2 => (2221..=2720).contains(&p(4)) && len == 16,
        3 => {
            (matches!(p(2), 34 | 37) && len == 15)
                || (((300..=305).contains(&p(3)) || matches!(p(2), 36 | 38 | 39)) && (14..=19).contains(&len))
                || ((3528..=3589).contains(&p(4)) && (16..=19).contains(&len))
        }
        6 => {
            (p(4) == 6011 || (644..=649).contains(&p(3)) || p(2) == 65 || p(2) == 62) && (16..=19).contains(&len)
                || (matches!(p(4), 6304 | 6759 | 6761..=6763) && len >= 12)
        }
        _ => false,
    }
}

fn card_shape_ok(groups: &[usize]) -> bool {
    let total: usize = groups.iter().sum();
    if !(13..=19).contains(&total) {
        return false;
    }
    match groups {
        [_] => true,
        [4, 6, 4 | 5] => true,
        [init @ .., last] => init.iter().all(|&g| g == 4) && (1..=4).contains(last),
        [] => false,
    }
}

fn find_credit_card(text: &str, out: &mut Vec<Raw>) {
    scan(&CARD, text, "credit_card", out, |s, e| {
        if !number_starts(text, s) {
            return None;
        }
        let cand = &text.as_bytes()[s..e];
        // Digits and group ends, on the stack (the pattern allows at most 28 digits, 5 groups).
        let mut d = [0u32; 32];
        let mut nd = 0;
        let mut ends = [(0usize, 0usize); 5]; // (byte end within cand, digits so far)
        let mut ng = 0;
        let mut sep = 0u8;
        for (i, &b) in cand.iter().enumerate() {
            if b.is_ascii_digit() {
                d[nd] = (b - b'0') as u32;
                nd += 1;
            } else {
                if sep != 0 && b != sep {
                    return None; // mixed separators
                }
                sep = b;
                ends[ng] = (i, nd);
                ng += 1;
            }
        }
        ends[ng] = (cand.len(), nd);
        ng += 1;
        // The longest prefix of groups that is a valid card ("4111 1111 1111 1111 2027").
        for k in (1..=ng).rev() {
            let mut groups = [0usize; 5];
            let mut prev = 0;
            for (g, &(_, n)) in groups.iter_mut().zip(&ends[..k]) {
                *g = n - prev;
                prev = n;
            }
            let (end, n) = ends[k - 1];
            if !card_shape_ok(&groups[..k]) || (k == ng && !number_ends(text, s + end)) {
                continue;
            }
            let d = &d[..n];
            if iin_ok(d) && luhn(d) && !d.iter().all(|&x| x == d[0]) {
                return Some((s, s + end));
            }
        }
        None
    });
}

static IPV4: LazyLock<Regex> = LazyLock::new(|| re(r"[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}"));
static IPV6: LazyLock<Regex> =
    LazyLock::new(|| re(r"[0-9A-Fa-f]{0,4}(?::(?:[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}|[0-9A-Fa-f]{0,4})){2,8}"));

const NOT_IP_WORDS: &[&str] =
    &["version", "ver", "v", "build", "release", "rel", "rev", "revision", "section", "sec", "firmware", "fw", "oid", "§"];

fn find_ip(text: &str, out: &mut Vec<Raw>) {
    scan(&IPV4, text, "ip", out, |s, e| {
        let before_ok = clear_before(text, s, |c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '/'));
        let after = &text.as_bytes()[e..];
        let after_ok = match after.first() {
            None => true,
            Some(c) if c.is_ascii_alphanumeric() || *c == b'_' => false,
            Some(b'.') => !after.get(1).is_some_and(u8::is_ascii_alphanumeric),
            _ => true,
        };
        if !(before_ok && after_ok) {
            return None;
        }
        let octets_ok = text[s..e].split('.').all(|o| o.parse::<u32>().is_ok_and(|n| n <= 255));
        let w = word_before(text, s).to_lowercase();
        (octets_ok && !NOT_IP_WORDS.contains(&w.as_str())).then_some((s, e))
    });
    scan(&IPV6, text, "ip", out, |s, mut e| {
        if !clear_before(text, s, |c| c.is_alphanumeric() || matches!(c, ':' | '.' | '_')) {
            return None;
        }
        if text[s..e].ends_with(':') && !text[s..e].ends_with("::") {
            e -= 1;
        }
        let cand = &text[s..e];
        let after_ok = match text.as_bytes().get(e) {
            None => true,
            Some(c) if c.is_ascii_alphanumeric() || *c == b'_' => false,
            Some(b'.') => !text.as_bytes().get(e + 1).is_some_and(u8::is_ascii_alphanumeric),
            Some(b':') => cand.ends_with(':') || !text.as_bytes().get(e + 1).is_some_and(u8::is_ascii_hexdigit),
            _ => true,
        };
        // Hex groups written out (an embedded IPv4 address counts for two).
        let groups: usize = cand.split(':').filter(|g| !g.is_empty()).map(|g| if g.contains('.') { 2 } else { 1 }).sum();
        (after_ok && groups >= 3 && cand.parse::<Ipv6Addr>().is_ok()).then_some((s, e))
    });
}

const MONTHS: &str = r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?";

static DOB: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        r"(?i)(?:(?-u:\b)(?:dob|date\s+of\s+birth|birth\s*date|birthdate|birthday|born)(?-u:\b)|d\.o\.b\.?)[\s\S]{{0,40}}?(?-u:\b)(?P<date>(?P<a>[0-9]{{1,2}})[/.\-](?P<b>[0-9]{{1,2}})[/.\-](?P<y>[0-9]{{4}}|[0-9]{{2}})|(?P<iy>[0-9]{{4}})-(?P<im>[0-9]{{1,2}})-(?P<id>[0-9]{{1,2}})|(?P<m1>{MONTHS})\.?\s+(?P<d1>[0-9]{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y1>[0-9]{{4}})|(?P<d2>[0-9]{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<m2>{MONTHS})\.?,?\s+(?P<y2>[0-9]{{4}}))(?-u:\b)"
    ))
});

fn month_num(s: &str) -> u32 {
    let s = s.to_ascii_lowercase();
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
        .iter()
        .position(|m| s.starts_with(m))
        .map_or(0, |i| i as u32 + 1)
}

fn date_ok(y: u32, m: u32, d: u32, two_digit_year: bool) -> bool {
    let year_ok = two_digit_year || (1870..=2100).contains(&y);
    let dim = match m {
        2 => 29,
        4 | 6 | 9 | 11 => 30,
        1..=12 => 31,
        _ => 0,
    };
    year_ok && d >= 1 && d <= dim
}

fn find_dob(text: &str, out: &mut Vec<Raw>) {
    for c in DOB.captures_iter(text) {
        let date = c.name("date").unwrap();
        let ok = if let (Some(a), Some(b), Some(y)) = (c.name("a"), c.name("b"), c.name("y")) {
            let (a, b, y) = (num(a.as_str()), num(b.as_str()), y.as_str());
            let two = y.len() == 2;
            let y = num(y);
            date_ok(y, a, b, two) || date_ok(y, b, a, two)
        } else if let Some(y) = c.name("iy") {
            date_ok(num(y.as_str()), num(&c["im"]), num(&c["id"]), false)
        } else if let Some(m) = c.name("m1") {
            date_ok(num(&c["y1"]), month_num(m.as_str()), num(&c["d1"]), false)
        } else {
            date_ok(num(&c["y2"]), month_num(&c["m2"]), num(&c["d2"]), false)
        };
        if ok && number_ends(text, date.end()) {
            out.push(Raw { start: date.start(), end: date.end(), rec: "dob" });
        }
    }
}

static IBAN: LazyLock<Regex> = LazyLock::new(|| re(r"[A-Z]{2}[0-9]{2}[ ]?[A-Z0-9]{4}(?:[ ]?[A-Z0-9]{1,4}){1,8}"));

/// IBAN lengths by country (SWIFT IBAN registry).
const IBAN_LEN: &[(&str, usize)] = &[
    ("AD", 24),
    ("AE", 23),
    ("AL", 28),
    ("AT", 20),
    ("AZ", 28),
    ("BA", 20),
    ("BE", 16),
    ("BG", 22),
    ("BH", 22),
    ("BR", 29),
    ("BY", 28),
    ("CH", 21),
    ("CR", 22),
    ("CY", 28),
    ("CZ", 24),
    ("DE", 22),
    ("DK", 18),
    ("DO", 28),
    ("EE", 20),
    ("EG", 29),
    ("ES", 24),
    ("FI", 18),
    ("FO", 18),
    ("FR", 27),
    ("GB", 22),
    ("GE", 22),
    ("GI", 23),
    ("GL", 18),
    ("GR", 27),
    ("GT", 28),
    ("HR", 21),
    ("HU", 28),
    ("IE", 22),
    ("IL", 23),
    ("IQ", 23),
    ("IS", 26),
    ("IT", 27),
    ("JO", 30),
    ("KW", 30),
    ("KZ", 20),
    ("LB", 28),
    ("LC", 32),
    ("LI", 21),
    ("LT", 20),
    ("LU", 20),
    ("LV", 21),
    ("MC", 27),
    ("MD", 24),
    ("ME", 22),
    ("MK", 19),
    ("MR", 27),
    ("MT", 31),
    ("MU", 30),
    ("NL", 18),
    ("NO", 15),
    ("PK", 24),
    ("PL", 28),
    ("PS", 29),
    ("PT", 25),
    ("QA", 29),
    ("RO", 24),
    ("RS", 22),
    ("SA", 24),
    ("SC", 31),
    ("SE", 24),
    ("SI", 19),
    ("SK", 24),
    ("SM", 27),
    ("TL", 23),
    ("TN", 24),
    ("TR", 26),
    ("UA", 29),
    ("VA", 22),
    ("VG", 24),
    ("XK", 20),
];

fn iban_mod97(iban: &[u8]) -> bool {
    let mut rem: u32 = 0;
    for &b in iban[4..].iter().chain(&iban[..4]) {
        let v = if b.is_ascii_digit() { (b - b'0') as u32 } else { (b - b'A') as u32 + 10 };
        rem = if v >= 10 { (rem * 100 + v) % 97 } else { (rem * 10 + v) % 97 };
    }
    rem == 1
}

fn find_iban(text: &str, out: &mut Vec<Raw>) {
    scan(&IBAN, text, "iban", out, |s, e| {
        if !clear_before(text, s, |c| c.is_alphanumeric()) {
            return None;
        }
        let cand = &text.as_bytes()[s..e];
        let want = IBAN_LEN.iter().find(|(cc, _)| cc.as_bytes() == &cand[..2])?.1;
        let mut compact = Vec::with_capacity(34);
        let mut end = s;
        for (i, &b) in cand.iter().enumerate() {
            if b != b' ' {
                compact.push(b);
                if compact.len() == want {
                    end = s + i + 1;
                    break;
                }
            }
        }
        (compact.len() == want && clear_after(text, end, |c| c.is_alphanumeric()) && iban_mod97(&compact)).then_some((s, end))
    });
}

// ---------------------------------------------------------------------------------------------
// Secrets

/// A token found by `re` that neither starts nor ends inside a longer token.
fn scan_token(re: &Regex, text: &str, rec: &'static str, out: &mut Vec<Raw>, random: bool) {
    scan(re, text, rec, out, |s, e| {
        (clear_before(text, s, is_key_char) && clear_after(text, e, is_key_char) && (!random || looks_random(&text[s..e])))
            .then_some((s, e))
    });
}

static OPENAI: LazyLock<Regex> = LazyLock::new(|| {
    re(r"sk-(?:(?:proj|svcacct|admin)-[A-Za-z0-9_\-]{40,250}|[A-Za-z0-9]{48}|[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9_\-]{20,100})")
});
fn find_openai(text: &str, out: &mut Vec<Raw>) {
    scan_token(&OPENAI, text, "openai_key", out, true);
}

static ANTHROPIC: LazyLock<Regex> = LazyLock::new(|| re(r"sk-ant-(?:[a-z]{3,8}[0-9]{2}-)?[A-Za-z0-9_\-]{32,120}"));
fn find_anthropic(text: &str, out: &mut Vec<Raw>) {
    scan_token(&ANTHROPIC, text, "anthropic_key", out, true);
}

static AWS_KEY: LazyLock<Regex> = LazyLock::new(|| re(r"(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}"));
fn find_aws_key(text: &str, out: &mut Vec<Raw>) {
    scan(&AWS_KEY, text, "aws_key", out, |s, e| {
        let an = |c: char| c.is_ascii_alphanumeric();
        (clear_before(text, s, an) && clear_after(text, e, an)).then_some((s, e))
    });
}

static AWS_SECRET: LazyLock<Regex> = LazyLock::new(|| {
    re(r#"(?i)aws[_\-\s.]?(?:secret[_\-\s.]?(?:access[_\-\s.]?)?key|sk)(?:[_\-\s]?id)?["']?\s*(?:[:=]|=>|:=)\s*["']?([A-Za-z0-9/+]{40})"#)
});
fn find_aws_secret(text: &str, out: &mut Vec<Raw>) {
    for c in AWS_SECRET.captures_iter(text) {
        let m = c.get(1).unwrap();
        let bad = |c: char| c.is_ascii_alphanumeric() || c == '/' || c == '+' || c == '=';
        if clear_after(text, m.end(), bad) && looks_random(m.as_str()) {
            out.push(Raw { start: m.start(), end: m.end(), rec: "aws_secret_key" });
        }
    }
}

static GITHUB: LazyLock<Regex> = LazyLock::new(|| re(r"gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}"));
fn find_github(text: &str, out: &mut Vec<Raw>) {
    scan_token(&GITHUB, text, "github_token", out, false);
}

static GOOGLE: LazyLock<Regex> = LazyLock::new(|| re(r"AIza[0-9A-Za-z_\-]{35}"));
fn find_google(text: &str, out: &mut Vec<Raw>) {
    scan_token(&GOOGLE, text, "google_api_key", out, false);
}

static SLACK: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"xox[baprse]-[0-9]{8,13}-[0-9A-Za-z\-]{10,100}|https://hooks\.slack\.com/(?:services|workflows)/T[A-Z0-9]{6,12}/[A-Z0-9]{6,12}/[A-Za-z0-9]{20,32}",
    )
});
fn find_slack(text: &str, out: &mut Vec<Raw>) {
    // Legacy tokens end in lowercase hex: the digit groups are structure enough.
    scan_token(&SLACK, text, "slack_token", out, false);
}

static STRIPE: LazyLock<Regex> = LazyLock::new(|| re(r"(?:sk|rk)_(?:live|test)_[0-9A-Za-z]{24,99}"));
fn find_stripe(text: &str, out: &mut Vec<Raw>) {
    scan_token(&STRIPE, text, "stripe_key", out, true);
}

static JWT: LazyLock<Regex> = LazyLock::new(|| re(r"eyJ[A-Za-z0-9_\-]{5,}\.[A-Za-z0-9_\-]{5,}\.[A-Za-z0-9_\-]*"));

fn b64url_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for b in s.bytes() {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'-' | b'+' => 62,
            b'_' | b'/' => 63,
            _ => return None,
        } as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

fn find_jwt(text: &str, out: &mut Vec<Raw>) {
    scan(&JWT, text, "jwt", out, |s, e| {
        if !clear_before(text, s, |c| is_key_char(c) || c == '.') || !clear_after(text, e, is_key_char) {
            return None;
        }
        let header = text[s..e].split('.').next()?;
        let json: serde_json::Value = serde_json::from_slice(&b64url_decode(header)?).ok()?;
        json.get("alg").is_some_and(|a| a.is_string()).then_some((s, e))
    });
}

fn find_private_key(text: &str, out: &mut Vec<Raw>) {
    const BEGIN: &[u8] = b"-----BEGIN ";
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(p) = memchr::memmem::find(&bytes[from..], BEGIN) {
        let s = from + p;
        from = s + BEGIN.len();
        let label_end = match memchr::memmem::find(&bytes[from..(from + 64).min(bytes.len())], b"-----") {
            Some(n) => from + n,
            None => continue,
        };
        let label = &text[from..label_end];
        if !(label.ends_with("PRIVATE KEY") || label.ends_with("PRIVATE KEY BLOCK"))
            || !label.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b' ')
        {
            continue;
        }
        let body = label_end + 5;
        let end_marker = format!("-----END {label}-----");
        let window = &bytes[body..(body + (256 << 10)).min(bytes.len())];
        let e = match memchr::memmem::find(window, end_marker.as_bytes()) {
            Some(n) => body + n + end_marker.len(),
            None => {
                // Truncated block: take the header lines and base64 lines that follow.
                let mut e = body;
                for line in text[body..].split_inclusive('\n').take(1000) {
                    let t = line.trim();
                    let b64 = !t.is_empty() && t.bytes().all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(&b));
                    let header = t.find(':').is_some_and(|i| i < 20 && t[..i].bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'));
                    if !(b64 || header || (t.is_empty() && e == body)) {
                        break;
                    }
                    e += line.len();
                }
                body + text[body..e].trim_end().len()
            }
        };
        out.push(Raw { start: s, end: e, rec: "private_key" });
        from = e;
    }
}

#[cfg(test)]
mod tests;
