//! HTML to text: the visible words of a page or an HTML mail body.
//!
//! We run the HTML5 tokenizer of `html5ever` (the parser browsers' rules are written for) and
//! keep only what a reader would see: no `<script>`, `<style>`, `<noscript>`, `<template>`,
//! comments or elements hidden with `hidden` / `display:none`; `<title>` goes to the metadata.
//! Block elements become line breaks, table cells tabs, entities are decoded. Nothing is ever
//! fetched: links and images are just tags to us. Tokenizing without building a tree keeps it
//! linear in the input and robust on the broken markup real mail is full of.

use super::{Extracted, Problem};
use html5ever::tendril::StrTendril;
use html5ever::tokenizer::states::RawKind;
use html5ever::tokenizer::{BufferQueue, Tag, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts};
use html5ever::TokenizerResult;
use std::cell::RefCell;

/// Text beyond this many bytes of HTML is not read (the original is still kept whole).
const MAX_HTML_BYTES: usize = 64 << 20;

pub fn extract(bytes: &[u8], _name: &str) -> Result<Extracted, Problem> {
    let mut ex = Extracted { extractor: "html".into(), ..Default::default() };
    let slice = if bytes.len() > MAX_HTML_BYTES {
        ex.warning = Some(Problem::extract(
            "text_truncated",
            format!("HTML longer than {} MB: only the first {} MB is searchable", MAX_HTML_BYTES >> 20, MAX_HTML_BYTES >> 20),
        ));
        &bytes[..MAX_HTML_BYTES]
    } else {
        bytes
    };
    let html = decode_html(slice);
    let (text, title) = render(&html);
    ex.meta.title = title;
    ex.text = Some(text);
    Ok(ex)
}

/// Visible text of an HTML fragment or document: no script, style or hidden content; links
/// and images never fetched. Used for HTML email bodies too.
pub fn html_to_text(html: &str) -> String {
    render(html).0
}

/// Decodes HTML bytes: a BOM wins, then a `<meta charset>` / `http-equiv` declaration in the
/// first 4 KB, then strict UTF-8, then a statistical guess.
pub fn decode_html(bytes: &[u8]) -> String {
    if let Some((enc, bom_len)) = encoding_rs::Encoding::for_bom(bytes) {
        return enc.decode_without_bom_handling(&bytes[bom_len..]).0.into_owned();
    }
    if let Some(enc) = meta_charset(&bytes[..bytes.len().min(4096)]) {
        // A page that claims UTF-16 without a BOM is really ASCII-compatible (HTML spec).
        let enc = if enc == encoding_rs::UTF_16LE || enc == encoding_rs::UTF_16BE { encoding_rs::UTF_8 } else { enc };
        if enc != encoding_rs::UTF_8 || std::str::from_utf8(bytes).is_ok() {
            return enc.decode_without_bom_handling(bytes).0.into_owned();
        }
        // Declared UTF-8 but is not: guess instead of filling the text with U+FFFD.
    }
    super::text::decode(bytes)
}

/// The charset named by a `<meta charset=...>` or `<meta http-equiv=Content-Type content=...>`.
fn meta_charset(head: &[u8]) -> Option<&'static encoding_rs::Encoding> {
    let lower: Vec<u8> = head.iter().map(|b| b.to_ascii_lowercase()).collect();
    let mut from = 0;
    while let Some(i) = find(&lower[from..], b"<meta") {
        let start = from + i + 5;
        let end = lower[start..].iter().position(|&b| b == b'>').map_or(lower.len(), |e| start + e);
        let tag = &lower[start..end];
        if let Some(c) = find(tag, b"charset") {
            let mut rest = &tag[c + 7..];
            while let [b' ' | b'\t' | b'\n' | b'\r', r @ ..] = rest {
                rest = r;
            }
            if let [b'=', r @ ..] = rest {
                let r = trim_start(r);
                let r = r.strip_prefix(b"\"").or_else(|| r.strip_prefix(b"'")).unwrap_or(r);
                let label: Vec<u8> = r.iter().copied().take_while(|b| !matches!(b, b'"' | b'\'' | b';' | b' ' | b'/' | b'>')).collect();
                if let Some(enc) = encoding_rs::Encoding::for_label(&label) {
                    return Some(enc);
                }
            }
        }
        from = end.min(lower.len());
        if from >= lower.len() {
            break;
        }
    }
    None
}

fn trim_start(mut b: &[u8]) -> &[u8] {
    while let [x, r @ ..] = b {
        if x.is_ascii_whitespace() {
            b = r;
        } else {
            break;
        }
    }
    b
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Renders HTML to (text, title).
fn render(html: &str) -> (String, Option<String>) {
    let sink = Sink { st: RefCell::new(State::default()) };
    let tok = Tokenizer::new(sink, TokenizerOpts::default());
    let input = BufferQueue::default();
    input.push_back(StrTendril::from_slice(html));
    // We never ask the tokenizer to pause for scripts, but loop in case it does.
    while let TokenizerResult::Script(_) = tok.feed(&input) {}
    tok.end();
    let st = tok.sink.st.into_inner();
    st.finish()
}

/// What is being dropped or diverted at the moment.
#[derive(Debug, Clone, PartialEq)]
enum Raw {
    /// Characters until the matching end tag are dropped (script, style, ...).
    Drop(&'static str),
    /// Characters until `</title>` are the title.
    Title,
}

/// An element whose whole content is skipped: `<template>`, or a hidden element.
#[derive(Debug)]
struct Skip {
    name: String,
    depth: usize,
    /// Hidden elements: the text we skipped, given back if the element never closes (then
    /// our guess about where it ends was wrong, and losing text would be worse).
    held: Option<String>,
}

#[derive(Default)]
struct State {
    out: String,
    pending_space: bool,
    pre: usize,
    raw: Option<Raw>,
    skip: Option<Skip>,
    svg: usize,
    title: Option<String>,
    title_buf: String,
}

struct Sink {
    st: RefCell<State>,
}

impl TokenSink for Sink {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        let mut st = self.st.borrow_mut();
        match token {
            Token::CharacterTokens(t) => st.chars(&t),
            Token::TagToken(tag) => return st.tag(tag),
            _ => {}
        }
        TokenSinkResult::Continue
    }
}

const BLOCK: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "center",
    "dd",
    "details",
    "dialog",
    "dir",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "header",
    "hgroup",
    "hr",
    "li",
    "main",
    "menu",
    "nav",
    "ol",
    "section",
    "summary",
    "table",
    "tbody",
    "thead",
    "tfoot",
    "tr",
    "ul",
    "caption",
    "option",
    "legend",
    "body",
    "html",
    "frameset",
    "frame",
];
const PARA: &[&str] = &["p", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "listing", "xmp", "plaintext"];
/// Elements whose end tag is required, so a hidden one can be skipped to its end safely.
const SKIPPABLE: &[&str] = &[
    "div",
    "span",
    "table",
    "section",
    "article",
    "aside",
    "header",
    "footer",
    "nav",
    "center",
    "font",
    "a",
    "b",
    "i",
    "u",
    "em",
    "strong",
    "small",
    "blockquote",
    "ul",
    "ol",
    "form",
    "label",
    "main",
    "figure",
    "sup",
    "sub",
    "code",
];

impl State {
    fn chars(&mut self, t: &str) {
        match &self.raw {
            Some(Raw::Drop(_)) => return,
            Some(Raw::Title) => {
                self.title_buf.push_str(t);
                return;
            }
            None => {}
        }
        if let Some(skip) = &mut self.skip {
            if let Some(held) = &mut skip.held {
                held.push_str(t);
            }
            return;
        }
        if self.pre > 0 {
            self.flush_space();
            for c in t.chars() {
                match c {
                    '\r' => {}
                    '\u{a0}' => self.out.push(' '),
                    c => self.out.push(c),
                }
            }
            return;
        }
        for c in t.chars() {
            if c.is_whitespace() {
                self.pending_space = true;
            } else {
                self.flush_space();
                self.out.push(c);
            }
        }
    }

    fn flush_space(&mut self) {
        if self.pending_space {
            self.pending_space = false;
            if !self.out.is_empty() && !self.out.ends_with(['\n', '\t', ' ']) {
                self.out.push(' ');
            }
        }
    }

    fn at_line_start(&self) -> bool {
        self.out.is_empty() || self.out.ends_with('\n')
    }

    fn line_break(&mut self) {
        self.pending_space = false;
        if !self.at_line_start() {
            self.out.push('\n');
        }
    }

    fn blank_line(&mut self) {
        self.line_break();
        if !self.out.is_empty() && !self.out.ends_with("\n\n") {
            self.out.push('\n');
        }
    }

    fn tag(&mut self, tag: Tag) -> TokenSinkResult<()> {
        let name: &str = &tag.name;
        let start = tag.kind == TagKind::StartTag;
        // Inside raw text only its own end tag matters (the tokenizer sees to that too).
        match &self.raw {
            Some(Raw::Drop(n)) => {
                if !start && name == *n {
                    self.raw = None;
                }
                return TokenSinkResult::Continue;
            }
            Some(Raw::Title) => {
                if !start && name == "title" {
                    self.raw = None;
                    let t = collapse(&self.title_buf);
                    if self.title.is_none() && !t.is_empty() && self.svg == 0 {
                        self.title = Some(t);
                    }
                    self.title_buf.clear();
                }
                return TokenSinkResult::Continue;
            }
            None => {}
        }
        if let Some(skip) = &mut self.skip {
            if name == skip.name {
                if start && !tag.self_closing {
                    skip.depth += 1;
                } else if !start {
                    skip.depth -= 1;
                    if skip.depth == 0 {
                        self.skip = None;
                    }
                }
            }
            // Raw-text elements inside a skipped element must still be tokenized as such.
            return match (start, name) {
                (true, "script") => TokenSinkResult::RawData(RawKind::ScriptData),
                (true, "style" | "noscript" | "xmp" | "iframe" | "noembed" | "noframes") => TokenSinkResult::RawData(RawKind::Rawtext),
                (true, "title" | "textarea") => TokenSinkResult::RawData(RawKind::Rcdata),
                _ => TokenSinkResult::Continue,
            };
        }
        if start {
            match name {
                "script" => {
                    self.raw = Some(Raw::Drop("script"));
                    return TokenSinkResult::RawData(RawKind::ScriptData);
                }
                "style" | "noscript" | "iframe" | "noembed" | "noframes" => {
                    self.raw = Some(Raw::Drop(match name {
                        "style" => "style",
                        "noscript" => "noscript",
                        "iframe" => "iframe",
                        "noembed" => "noembed",
                        _ => "noframes",
                    }));
                    return TokenSinkResult::RawData(RawKind::Rawtext);
                }
                "title" => {
                    self.raw = Some(Raw::Title);
                    return TokenSinkResult::RawData(RawKind::Rcdata);
                }
                "template" => {
                    if !tag.self_closing {
                        self.skip = Some(Skip { name: "template".into(), depth: 1, held: None });
                    }
                    return TokenSinkResult::Continue;
                }
                "svg" => self.svg += 1,
                _ => {}
            }
            if !tag.self_closing && SKIPPABLE.contains(&name) && is_hidden(&tag) {
                self.skip = Some(Skip { name: name.to_string(), depth: 1, held: Some(String::new()) });
                return TokenSinkResult::Continue;
            }
            match name {
                "br" => {
                    self.pending_space = false;
                    self.out.push('\n');
                }
                "td" | "th" => {
                    self.pending_space = false;
                    if !self.at_line_start() {
                        self.out.push('\t');
                    }
                }
                "pre" | "listing" => {
                    self.blank_line();
                    self.pre += 1;
                }
                "xmp" => {
                    self.blank_line();
                    self.pre += 1;
                    return TokenSinkResult::RawData(RawKind::Rawtext);
                }
                "textarea" => {
                    self.line_break();
                    return TokenSinkResult::RawData(RawKind::Rcdata);
                }
                "plaintext" => {
                    self.blank_line();
                    self.pre += 1;
                    return TokenSinkResult::Plaintext;
                }
                _ if PARA.contains(&name) => self.blank_line(),
                _ if BLOCK.contains(&name) => self.line_break(),
                _ => {}
            }
        } else {
            match name {
                "svg" => self.svg = self.svg.saturating_sub(1),
                "pre" | "listing" | "xmp" => {
                    self.pre = self.pre.saturating_sub(1);
                    self.blank_line();
                }
                "textarea" => self.line_break(),
                "br" => {
                    // `</br>` is treated as `<br>` by browsers.
                    self.pending_space = false;
                    self.out.push('\n');
                }
                _ if PARA.contains(&name) => self.blank_line(),
                _ if BLOCK.contains(&name) => self.line_break(),
                _ => {}
            }
        }
        TokenSinkResult::Continue
    }

    fn finish(mut self) -> (String, Option<String>) {
        if let Some(Raw::Title) = self.raw {
            // An unclosed <title> swallowed the rest: better show it than lose it.
            let t = std::mem::take(&mut self.title_buf);
            self.raw = None;
            self.chars(&t);
        }
        if let Some(Skip { held: Some(held), .. }) = self.skip.take() {
            self.chars(&held);
        }
        (tidy(&self.out), self.title)
    }
}

/// True for `hidden`, `style="display:none"` and `style="visibility:hidden"`.
fn is_hidden(tag: &Tag) -> bool {
    tag.attrs.iter().any(|a| match &*a.name.local {
        "hidden" => true,
        "style" => {
            let s: String = a.value.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_lowercase();
            s.contains("display:none") || s.contains("visibility:hidden")
        }
        _ => false,
    })
}

/// Collapses whitespace runs to one space and trims.
fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Trims trailing blanks on each line, keeps at most one empty line in a row, trims the ends.
pub(crate) fn tidy(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut blank = 0;
    for line in s.split('\n') {
        let line = line.trim_end_matches([' ', '\t', '\r']);
        if line.trim().is_empty() {
            blank += 1;
            if blank > 1 {
                continue;
            }
            out.push('\n');
        } else {
            blank = 0;
            out.push_str(line);
            out.push('\n');
        }
    }
    out.trim_matches('\n').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_visible_text_only() {
        let html = r#"<!DOCTYPE html><html><head><title>Q3 &amp; Q4 plan</title>
            <style>body { color: red } p::before { content: "STYLE" }</style>
            <script>var x = "<p>SCRIPT</p>"; if (a < b) { document.write("SCRIPT2") }</script>
            <meta charset="utf-8"></head>
            <body><h1>Heading</h1><p>First   paragraph with <b>bold</b> and&nbsp;an entity: &eacute;&#233;&#x263a;</p>
            <noscript>NOSCRIPT</noscript><template><p>TEMPLATE</p></template>
            <div style="display: none">HIDDEN preview</div><span hidden>HIDDEN2</span>
            <!-- COMMENT -->
            <ul><li>one<li>two</ul>line<br>break
            <table><tr><td>a1</td><td>b1</td></tr><tr><th>a2<th>b2</table>
            <pre>  keep
   spacing</pre><img src="http://example.com/x.png" alt="img"></body></html>"#;
        let mut ex = extract(html.as_bytes(), "page.html").unwrap();
        let text = ex.text.take().unwrap();
        assert_eq!(ex.meta.title.as_deref(), Some("Q3 & Q4 plan"));
        for bad in ["STYLE", "SCRIPT", "NOSCRIPT", "TEMPLATE", "HIDDEN", "COMMENT", "Q3", "color", "http"] {
            assert!(!text.contains(bad), "{bad} leaked into {text:?}");
        }
        assert!(text.contains("Heading\n\nFirst paragraph with bold and an entity: éé☺"), "{text:?}");
        assert!(text.contains("one\ntwo\nline\nbreak"), "{text:?}");
        assert!(text.contains("a1\tb1\na2\tb2"), "{text:?}");
        assert!(text.contains("  keep\n   spacing"), "{text:?}");
    }

    #[test]
    fn survives_malformed_html() {
        assert_eq!(html_to_text("<p>unclosed <b>bold <i>it"), "unclosed bold it");
        assert_eq!(html_to_text("text < 5 and > 3 & done"), "text < 5 and > 3 & done");
        assert_eq!(html_to_text("<div hidden>never closed"), "never closed");
        assert_eq!(html_to_text("<script>never closed"), "");
        assert_eq!(html_to_text("<<<>>></div></p></td>x"), "<<<>>>\n\nx");
        assert_eq!(html_to_text(""), "");
        // Deep nesting must not recurse.
        let deep = "<div>".repeat(100_000) + "deep" + &"</div>".repeat(100_000);
        assert_eq!(html_to_text(&deep), "deep");
    }

    #[test]
    fn respects_meta_charset() {
        let html = b"<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=windows-1252\"></head><body>caf\xe9 \x93quoted\x94</body></html>";
        let ex = extract(html, "x.htm").unwrap();
        assert_eq!(ex.text.as_deref(), Some("café \u{201c}quoted\u{201d}"));
        let html = b"<meta charset='iso-8859-2'><p>\xb1\xe6</p>";
        assert_eq!(extract(html, "x.htm").unwrap().text.as_deref(), Some("ąć"));
        // A BOM wins over the declaration.
        let mut html = b"\xEF\xBB\xBF<meta charset=latin1><p>".to_vec();
        html.extend_from_slice("é</p>".as_bytes());
        assert_eq!(extract(&html, "x.htm").unwrap().text.as_deref(), Some("é"));
    }
}
