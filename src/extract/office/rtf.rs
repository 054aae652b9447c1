//! RTF: a group/control-word reader with code pages, \u escapes, \info metadata and annotations.

use super::common::*;
use crate::extract::{html, Extracted, Problem};
use std::collections::BTreeMap;

pub fn extract_rtf(bytes: &[u8], _name: &str) -> Result<Extracted, Problem> {
    let trimmed = trim_ascii_start(bytes);
    if !trimmed.starts_with(b"{\\rtf") {
        return Err(damaged("RTF document", "it does not start with the RTF signature {\\rtf"));
    }
    let mut ex = Extracted { extractor: "rtf".into(), ..Default::default() };
    let mut r = Rtf::new();
    r.run(trimmed);
    let Rtf { mut out, info, annotations, .. } = r;
    if !annotations.is_empty() {
        out = html::tidy(&out);
        out.push_str("\n\n[Comments]\n");
        out.push_str(&annotations.join("\n"));
    }
    for (k, v) in info {
        let v = v.trim().to_string();
        if v.is_empty() {
            continue;
        }
        match k.as_str() {
            "title" => ex.meta.title = Some(v),
            "author" => ex.meta.author = Some(v),
            "creatim" => set_date(&mut ex.meta, "date", &v),
            "revtim" => set_date(&mut ex.meta, "modified", &v),
            "printim" => set_date(&mut ex.meta, "last_printed", &v),
            "operator" => _ = ex.meta.extra.insert("last_modified_by".into(), v),
            "doccomm" => _ = ex.meta.extra.insert("description".into(), v),
            k => _ = ex.meta.extra.insert(k.to_string(), v),
        }
    }
    finish(&mut ex, html::tidy(&out), false, Vec::new(), "RTF document");
    Ok(ex)
}

fn trim_ascii_start(b: &[u8]) -> &[u8] {
    let n = b.iter().take_while(|c| c.is_ascii_whitespace()).count();
    &b[n..]
}

#[derive(Clone, PartialEq)]
enum Dest {
    Text,
    /// Dropped (font table text, pictures, styles, ...).
    Skip,
    FontTable,
    Info,
    /// An \info field: \title, \author, \creatim, ...
    InfoField(&'static str),
    /// A comment (`\annotation`): collected apart, shown after the body.
    Annotation,
}

#[derive(Clone)]
struct Group {
    dest: Dest,
    uc: usize,
    font: Option<i32>,
    /// This group opened the current destination (so its end closes it).
    root: bool,
    /// Inside `\upr`: the destination to go back to for its `\ud` (Unicode) half.
    upr: Option<Box<Dest>>,
}

struct Rtf {
    out: String,
    info: BTreeMap<String, String>,
    stack: Vec<Group>,
    g: Group,
    /// The document code page (\ansicpg), and each font's (from \fcharset).
    ansi: &'static encoding_rs::Encoding,
    fonts: BTreeMap<i32, &'static encoding_rs::Encoding>,
    table_font: Option<i32>,
    bytes: Vec<u8>,
    skip_chars: usize,
    high_surrogate: Option<u16>,
    star: bool,
    date: [i32; 5],
    overflow: usize,
    annotations: Vec<String>,
    annot: String,
    /// Info fields already read (a repeated `{\author ...}` does not append).
    info_done: Vec<&'static str>,
    /// `\deff`: the font of text that names none.
    deff: Option<i32>,
}

const SKIP_DESTS: &[&str] = &[
    "colortbl",
    "stylesheet",
    "pict",
    "objdata",
    "themedata",
    "colorschememapping",
    "datastore",
    "latentstyles",
    "listtable",
    "listoverridetable",
    "rsidtbl",
    "generator",
    "xmlnstbl",
    "mmathPr",
    "fldinst",
    "filetbl",
    "revtbl",
    "pgdsctbl",
    "private",
    "userprops",
    "docvar",
    "xe",
    "tc",
    "bkmkstart",
    "bkmkend",
    "atnid",
    "atnauthor",
    "atntime",
    "atnref",
    "atndate",
    "nonshppict",
    "blipuid",
    "fchars",
    "lchars",
    "header_ignore",
    "wgrffmtfilter",
    "passwordhash",
    "protusertbl",
    "pnseclvl",
    "listpicture",
    "ftnsep",
    "ftnsepc",
    "aftnsep",
    "aftnsepc",
    "sp",
    "sn",
    "sv",
    "template",
    "falt",
    "panose",
    "fname",
    "objclass",
    "objname",
];
/// `\*` destinations whose text we keep.
const KEEP_STAR: &[&str] = &["annotation", "ud", "shptxt", "fldrslt"];
const INFO_FIELDS: &[&str] = &[
    "title",
    "author",
    "subject",
    "keywords",
    "doccomm",
    "operator",
    "company",
    "manager",
    "category",
    "comment",
    "creatim",
    "revtim",
    "printim",
    "hlinkbase",
];

impl Rtf {
    fn new() -> Self {
        Rtf {
            out: String::new(),
            info: BTreeMap::new(),
            stack: Vec::new(),
            g: Group { dest: Dest::Text, uc: 1, font: None, root: false, upr: None },
            annotations: Vec::new(),
            info_done: Vec::new(),
            annot: String::new(),
            ansi: encoding_rs::WINDOWS_1252,
            fonts: BTreeMap::new(),
            table_font: None,
            bytes: Vec::new(),
            skip_chars: 0,
            high_surrogate: None,
            star: false,
            date: [0; 5],
            overflow: 0,
            deff: None,
        }
    }

    fn encoding(&self) -> &'static encoding_rs::Encoding {
        self.g.font.or(self.deff).and_then(|f| self.fonts.get(&f).copied()).unwrap_or(self.ansi)
    }

    /// Decodes pending code-page bytes.
    fn flush(&mut self) {
        if self.bytes.is_empty() {
            return;
        }
        let bytes = std::mem::take(&mut self.bytes);
        let (s, _, _) = self.encoding().decode(&bytes);
        let s = s.into_owned();
        self.put(&s);
    }

    fn put(&mut self, s: &str) {
        match &self.g.dest {
            Dest::Text => self.out.push_str(s),
            Dest::InfoField(k) if !self.info_done.contains(k) => self.info.entry(k.to_string()).or_default().push_str(s),
            Dest::Annotation => self.annot.push_str(s),
            _ => {}
        }
    }

    fn text_byte(&mut self, b: u8) {
        if self.skip_chars > 0 {
            self.skip_chars -= 1;
            return;
        }
        if matches!(self.g.dest, Dest::Text | Dest::InfoField(_) | Dest::Annotation) {
            self.bytes.push(b);
        }
    }

    fn run(&mut self, data: &[u8]) {
        let mut i = 0;
        let n = data.len();
        let mut group_start = false;
        while i < n && self.out.len() <= MAX_TEXT_BYTES {
            let c = data[i];
            let was_group_start = std::mem::replace(&mut group_start, c == b'{');
            if c == b'\\' && data.get(i + 1) == Some(&b'*') {
                group_start = was_group_start;
            }
            match c {
                b'{' => {
                    self.flush();
                    self.skip_chars = 0;
                    if self.stack.len() >= 10_000 {
                        // Absurd nesting: stop growing, keep reading text flat.
                        self.overflow += 1;
                    } else {
                        self.stack.push(self.g.clone());
                        self.g.root = false;
                    }
                    i += 1;
                }
                b'}' => {
                    self.flush();
                    self.skip_chars = 0;
                    if self.overflow > 0 {
                        self.overflow -= 1;
                    } else {
                        self.end_group();
                        if let Some(g) = self.stack.pop() {
                            self.g = g;
                        }
                    }
                    i += 1;
                }
                b'\\' => {
                    i += 1;
                    if i >= n {
                        break;
                    }
                    let c = data[i];
                    if c.is_ascii_alphabetic() {
                        let s = i;
                        while i < n && data[i].is_ascii_alphabetic() && i - s < 32 {
                            i += 1;
                        }
                        let word = std::str::from_utf8(&data[s..i]).unwrap_or("").to_string();
                        let ns = i;
                        if i < n && data[i] == b'-' {
                            i += 1;
                        }
                        while i < n && data[i].is_ascii_digit() && i - ns < 11 {
                            i += 1;
                        }
                        let param = if i > ns { std::str::from_utf8(&data[ns..i]).ok().and_then(|p| p.parse::<i64>().ok()) } else { None };
                        if i < n && data[i] == b' ' {
                            i += 1;
                        }
                        if word == "bin" {
                            self.flush();
                            let len = param.unwrap_or(0).max(0) as usize;
                            i = i.saturating_add(len).min(n);
                            continue;
                        }
                        self.control(&word, param);
                    } else if c == b'\'' {
                        let hex =
                            data.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok()).and_then(|h| u8::from_str_radix(h, 16).ok());
                        match hex {
                            Some(b) => {
                                self.text_byte(b);
                                i += 3;
                            }
                            None => i += 1,
                        }
                    } else {
                        i += 1;
                        match c {
                            b'\\' | b'{' | b'}' => self.text_byte(c),
                            // `{\*\dest ...}`: an optional destination. A `\*` elsewhere (some
                            // writers put one before an ordinary control word) means nothing.
                            b'*' => self.star = group_start,
                            b'~' => self.literal(" "),
                            b'_' => self.literal("-"),
                            b'\n' | b'\r' => self.literal("\n"),
                            _ => {} // \- optional hyphen, \: index subentry, ...
                        }
                    }
                }
                b'\r' | b'\n' => i += 1,
                _ => {
                    self.text_byte(c);
                    i += 1;
                }
            }
        }
        self.flush();
    }

    fn literal(&mut self, s: &str) {
        self.flush();
        if self.skip_chars > 0 {
            self.skip_chars -= 1;
            return;
        }
        self.put(s);
    }

    fn end_group(&mut self) {
        if let Dest::InfoField(k) = self.g.dest {
            if self.g.root && self.info.contains_key(k) && !self.info_done.contains(&k) {
                self.info_done.push(k);
            }
            if matches!(k, "creatim" | "revtim" | "printim") {
                let [y, mo, d, h, mi] = self.date;
                if y > 0 {
                    let v = format!("{y:04}-{:02}-{:02}T{:02}:{:02}:00", mo.max(1), d.max(1), h, mi);
                    self.info.insert(k.to_string(), v);
                }
                self.date = [0; 5];
            }
        }
        if self.g.dest == Dest::FontTable {
            self.table_font = None;
        }
        if self.g.dest == Dest::Annotation && self.g.root {
            let a = std::mem::take(&mut self.annot);
            let a = a.split_whitespace().collect::<Vec<_>>().join(" ");
            if !a.is_empty() {
                self.annotations.push(a);
            }
        }
    }

    fn control(&mut self, word: &str, param: Option<i64>) {
        self.flush();
        let star = std::mem::take(&mut self.star);
        // Font table: remember each font's charset, drop its text.
        if word == "fonttbl" {
            self.g.dest = Dest::FontTable;
            return;
        }
        if self.g.dest == Dest::FontTable {
            match (word, param) {
                ("f", Some(f)) => self.table_font = Some(f as i32),
                ("fcharset", Some(cs)) => {
                    if let (Some(f), Some(enc)) = (self.table_font, charset_encoding(cs)) {
                        self.fonts.insert(f, enc);
                    }
                }
                ("cpg", Some(cp)) => {
                    if let (Some(f), Some(enc)) = (self.table_font, codepage_encoding(cp)) {
                        self.fonts.insert(f, enc);
                    }
                }
                _ => {}
            }
            return;
        }
        if word == "upr" {
            // {\upr{ANSI version}{\*\ud{Unicode version}}}: keep only the Unicode half.
            self.g.upr = Some(Box::new(self.g.dest.clone()));
            self.g.dest = Dest::Skip;
            return;
        }
        if word == "ud" {
            self.g.dest = self.g.upr.take().map(|d| *d).unwrap_or(Dest::Text);
            return;
        }
        if star && !KEEP_STAR.contains(&word) {
            self.g.dest = Dest::Skip;
            return;
        }
        match word {
            // Unicode characters count in every destination (info fields too).
            "uc" => {
                self.g.uc = param.unwrap_or(1).clamp(0, 10) as usize;
                return;
            }
            "u" => {
                let v = param.unwrap_or(0);
                let unit = if v < 0 { (v + 65536) as u16 } else { v as u16 };
                self.unicode(unit);
                self.skip_chars = self.g.uc;
                return;
            }
            _ => {}
        }
        if word == "annotation" && self.g.dest == Dest::Text {
            self.g.dest = Dest::Annotation;
            self.g.root = true;
            return;
        }
        if word == "info" {
            self.g.dest = Dest::Info;
            return;
        }
        if self.g.dest == Dest::Info || matches!(self.g.dest, Dest::InfoField(_)) {
            if let Some(f) = INFO_FIELDS.iter().find(|f| **f == word) {
                self.g.dest = Dest::InfoField(f);
                self.g.root = true;
                return;
            }
            if let Dest::InfoField(_) = self.g.dest {
                let v = param.unwrap_or(0) as i32;
                match word {
                    "yr" => self.date[0] = v,
                    "mo" => self.date[1] = v,
                    "dy" => self.date[2] = v,
                    "hr" => self.date[3] = v,
                    "min" => self.date[4] = v,
                    _ => {}
                }
            }
            return;
        }
        if SKIP_DESTS.contains(&word) {
            self.g.dest = Dest::Skip;
            return;
        }
        if self.g.dest == Dest::Skip {
            return;
        }
        match word {
            "ansicpg" => {
                if let Some(enc) = param.and_then(codepage_encoding) {
                    self.ansi = enc;
                }
            }
            "mac" => self.ansi = encoding_rs::MACINTOSH,
            "deff" => self.deff = param.map(|f| f as i32),
            "f" => self.g.font = param.map(|f| f as i32),
            "par" | "line" | "sect" | "page" | "row" | "lbr" => self.literal("\n"),
            "cell" | "nestcell" | "tab" => self.literal("\t"),
            "emdash" => self.literal("\u{2014}"),
            "endash" => self.literal("\u{2013}"),
            "bullet" => self.literal("\u{2022}"),
            "lquote" => self.literal("\u{2018}"),
            "rquote" => self.literal("\u{2019}"),
            "ldblquote" => self.literal("\u{201c}"),
            "rdblquote" => self.literal("\u{201d}"),
            "emspace" | "enspace" | "qmspace" => self.literal(" "),
            // A new table row begins on its own line.
            "trowd" if !self.out.is_empty() && !self.out.ends_with('\n') => self.out.push('\n'),
            _ => {}
        }
    }

    fn unicode(&mut self, unit: u16) {
        if (0xD800..0xDC00).contains(&unit) {
            self.high_surrogate = Some(unit);
            return;
        }
        let c = if (0xDC00..0xE000).contains(&unit) {
            match self.high_surrogate.take() {
                Some(h) => char::decode_utf16([h, unit]).next().and_then(|r| r.ok()),
                None => None,
            }
        } else {
            self.high_surrogate = None;
            char::from_u32(unit as u32)
        };
        if let Some(c) = c {
            if c != '\0' {
                let mut b = [0u8; 4];
                self.put(c.encode_utf8(&mut b));
            }
        }
    }
}

/// Encoding for a Windows code page number.
fn codepage_encoding(cp: i64) -> Option<&'static encoding_rs::Encoding> {
    let label = match cp {
        932 => "shift_jis",
        936 => "gbk",
        949 => "euc-kr",
        950 => "big5",
        874 => "windows-874",
        1250..=1258 => return encoding_rs::Encoding::for_label(format!("windows-{cp}").as_bytes()),
        10000 => "macintosh",
        20866 => "koi8-r",
        28591 => "iso-8859-1",
        65001 => "utf-8",
        866 => "ibm866",
        _ => return None,
    };
    encoding_rs::Encoding::for_label(label.as_bytes())
}

/// Encoding for an RTF `\fcharset` number (None: use the document code page).
fn charset_encoding(cs: i64) -> Option<&'static encoding_rs::Encoding> {
    let cp = match cs {
        77 => 10000,
        128 => 932,
        129 => 949,
        134 => 936,
        136 => 950,
        161 => 1253,
        162 => 1254,
        163 => 1258,
        177 => 1255,
        178 => 1256,
        186 => 1257,
        204 => 1251,
        222 => 874,
        238 => 1250,
        _ => return None,
    };
    codepage_encoding(cp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rtf_text_codepages_unicode_and_info() {
        let rtf = br#"{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0\fswiss Arial;}{\f1\fcharset204 Times Cyr;}}{\colortbl;\red0\green0\blue0;}{\stylesheet{\s0 Normal;}}
{\info{\upr{\title Deal ???}{\*\ud{\title Deal \u8212\'3f memo}}}{\author Ken Lay}{\author Ken Lay}{\operator Jeff}{\creatim\yr2001\mo10\dy2\hr9\min30}}
{\*\generator Riched20;}\pard Caf\'e9 na\u239?ve \{braces\}\par
{\f1 \'cf\'f0\'e8\'e2\'e5\'f2}\par
{\pict\wmetafile8 0123456789abcdef}\uc2\u8364\'80\'80 euro\par
{\field{\*\fldinst HYPERLINK "http://x"}{\fldrslt link}}\tab end\line last\par
{\*\annotation note text}\trowd\cell a\cell b\row
smile \u-10179?\u-8704?\par}"#;
        let ex = extract_rtf(rtf, "x.rtf").unwrap();
        let text = ex.text.unwrap();
        assert_eq!(text, "Café naïve {braces}\nПривет\n€ euro\nlink\tend\nlast\n\ta\tb\nsmile 😀\n\n[Comments]\nnote text");
        assert_eq!(ex.meta.title.as_deref(), Some("Deal — memo"));
        assert_eq!(ex.meta.author.as_deref(), Some("Ken Lay"));
        assert_eq!(ex.meta.date.as_deref(), Some("2001-10-02T09:30:00Z"));
        assert_eq!(ex.meta.extra.get("last_modified_by").map(String::as_str), Some("Jeff"));
        // Shift-JIS through \ansicpg932.
        let sj = b"{\\rtf1\\ansi\\ansicpg932 \\'93\\'fa\\'96\\'7b\\par}";
        assert_eq!(extract_rtf(sj, "j.rtf").unwrap().text.as_deref(), Some("日本"));
        assert_eq!(extract_rtf(b"not rtf", "x.rtf").unwrap_err().code, "office_damaged");
        // Binary data with braces is skipped by length.
        let bin = b"{\\rtf1 a{\\pict\\bin4 }}{{}b\\par}";
        assert_eq!(extract_rtf(bin, "x.rtf").unwrap().text.as_deref(), Some("ab"));
    }
}
