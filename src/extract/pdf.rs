//! PDF text extraction with glyph positions.
//!
//! `pdf-extract` parses the content streams and reports every glyph it draws through its
//! [`OutputDev`] callbacks, with the text rendering matrix, the glyph's advance width and the
//! font size. Its own plain-text writer runs pages together and splits kerned words
//! ("Exa mp le"), so we collect the glyphs ourselves and rebuild the text geometrically:
//!
//! * **Lines**: glyphs are grouped by writing direction (0/90/180/270 degrees, so rotated
//!   pages and vertical labels come out readable) and by baseline; lines run top to bottom,
//!   glyphs within a line left to right. A glyph drawn twice at the same spot (fake bold,
//!   drop shadows) is kept once.
//! * **Words**: within a line, a word ends at a space character or where the gap between
//!   glyphs exceeds a fraction of the font size ([`WORD_GAP`]); kerning (small shifts inside
//!   `TJ` arrays) therefore never splits a word. Typographic ligatures (U+FB00..U+FB06) are
//!   expanded so that "ﬁnd" is searchable as "find".
//! * **Pages**: pages are separated by [`PAGE_SEPARATOR`] (`"\n\f\n"`: newline, form feed,
//!   newline). `Extracted.pages[i]` is the char offset (counted in `char`s) where page `i + 1`
//!   starts, so `pages.len()` is the page count even when pages are empty.
//!
//! `Extracted.layout` holds the [`Layout`] as compact JSON, for placing redactions later:
//!
//! ```json
//! {"v":1,"units":"pt","pages":[
//!   {"page":1,"box":[0,0,612,792],"rotate":0,
//!    "words":[[0,7,72.0,700.2,118.5,712.9], ...]}]}
//! ```
//!
//! `box` is the page's MediaBox; each word is `[start, end, x0, y0, x1, y1]`: its char range
//! `start..end` in the final text (end exclusive, counted in `char`s) and its bounding box in
//! PDF user-space points (origin bottom-left, y up, before the page's `/Rotate` is applied).
//! Glyph boxes span from 0.25 em below the baseline to 0.95 em above it: generous, because
//! they are used to hide text.
//!
//! Failures: a PDF that needs a password is `pdf_encrypted`; one that cannot be parsed, or on
//! which the extractor fails for every page, is `pdf_damaged`. Panics inside `pdf-extract`
//! (it asserts freely on odd fonts and colour spaces) are caught per page: the remaining
//! pages are still read and the item gets a `pdf_partial_text` warning. A PDF without any
//! text (scanned images) is `Ok` with empty text and a `pdf_no_text_layer` warning.

use super::pdf_glyphs::{DrawnGlyph, GlyphSink};
use super::{Extracted, Meta, Problem};
use chrono::{FixedOffset, NaiveDate, SecondsFormat, TimeZone, Utc};
use pdf_extract::{Dictionary, Document, MediaBox, Object, ObjectId, OutputDev, OutputError, Transform};
use serde::{Deserialize, Serialize};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// The name recorded in `Extracted.extractor` when pdf-extract read the file.
pub const EXTRACTOR: &str = "pdf-extract+layout";
/// The name recorded when hayro read it (the usual case).
pub const EXTRACTOR_HAYRO: &str = "hayro+layout";
/// What separates the text of two consecutive pages.
pub const PAGE_SEPARATOR: &str = "\n\u{c}\n";
/// A gap wider than this fraction of the font size separates two words.
pub const WORD_GAP: f64 = 0.12;
/// Text beyond this many bytes is dropped (with a warning).
const MAX_TEXT_BYTES: usize = super::text::MAX_TEXT_BYTES;
/// Glyphs beyond this many on one page are ignored (pathological generated pages).
const MAX_GLYPHS_PER_PAGE: usize = 1_000_000;
/// Box below and above the baseline, as fractions of the font size.
const DESCENT: f64 = 0.25;
const ASCENT: f64 = 0.95;

/// Extracts the text, page offsets, glyph layout and Info metadata of one PDF.
///
/// hayro reads it first ([`super::pdf_glyphs`]: lazy parsing, fonts decoded once per
/// document). pdf-extract (on lopdf, which loads the whole file and repairs more) gets its turn
/// when hayro cannot open the file, fails on a page, or finds no text at all; its answer is
/// taken when it reads more.
///
/// `EXHIBIT_PDF_READER=pdf-extract` in the environment skips hayro: the PDF benchmark measures
/// the previous reader with it, in the same run.
pub fn extract(bytes: &[u8], name: &str) -> Result<Extracted, Problem> {
    if std::env::var_os("EXHIBIT_PDF_READER").is_some_and(|v| v == "pdf-extract") {
        return extract_pdf_extract(bytes, name);
    }
    let first = catch_unwind(AssertUnwindSafe(|| extract_hayro(bytes))).ok().flatten();
    match first {
        Some(ex) if ex.warning.is_none() => Ok(ex),
        Some(ex) => {
            // A page failed, or no text was found: see whether pdf-extract reads more.
            let hayro_text = ex.warning.as_ref().is_some_and(|w| w.code != "pdf_no_text_layer");
            match extract_pdf_extract(bytes, name) {
                Ok(other) if other.warning.is_none() && other.text.as_deref().is_some_and(|t| !t.trim().is_empty()) => Ok(other),
                Ok(other) if !hayro_text && other.text.as_deref().is_some_and(|t| !t.trim().is_empty()) => Ok(other),
                _ => Ok(ex),
            }
        }
        None => extract_pdf_extract(bytes, name),
    }
}

/// Reads the PDF with hayro. `None` when hayro cannot open it or read any of its pages (the
/// caller then asks pdf-extract); a page hayro failed on is a `pdf_partial_text` warning.
fn extract_hayro(bytes: &[u8]) -> Option<Extracted> {
    let pdf = super::pdf_glyphs::open(bytes).ok()?;
    let n = pdf.pages().len();
    if n == 0 {
        return None;
    }
    let mut dev = Collector::new((1..=n as u32).collect());
    super::pdf_glyphs::read(&pdf, &mut dev);
    dev.abandon_page();
    let failed = std::mem::take(&mut dev.failed);
    if failed.len() == n {
        return None;
    }
    let meta = meta_from_info(&super::pdf_glyphs::info(&pdf));
    drop(pdf);
    let rotations = std::mem::take(&mut dev.rotations);
    let mut ex = finish(dev, &rotations, &failed, meta).ok()?;
    ex.extractor = EXTRACTOR_HAYRO.into();
    Some(ex)
}

/// Reads the PDF with pdf-extract, on lopdf.
fn extract_pdf_extract(bytes: &[u8], _name: &str) -> Result<Extracted, Problem> {
    let doc = load(bytes)?;
    let meta = catch_unwind(AssertUnwindSafe(|| read_meta(&doc))).unwrap_or_default();
    let page_ids: Vec<(u32, ObjectId)> = catch_unwind(AssertUnwindSafe(|| doc.get_pages().into_iter().collect()))
        .map_err(|_| damaged("the PDF is damaged: its page tree could not be read"))?;
    if page_ids.is_empty() {
        return Err(damaged("the PDF is damaged: no pages could be found in it"));
    }
    let mut dev = Collector::new(page_ids.iter().map(|&(num, _)| num).collect());

    // One pass over the whole document; if the extractor fails on a page, note it and go on
    // page by page after it.
    let mut failed: Vec<u32> = Vec::new();
    let first = catch_unwind(AssertUnwindSafe(|| pdf_extract::output_doc(&doc, &mut dev)));
    if !matches!(first, Ok(Ok(()))) && !dev.truncated {
        let bad = dev.failing_page();
        dev.abandon_page();
        failed.push(bad);
        for &(num, _) in page_ids.iter().filter(|&&(num, _)| num > bad) {
            if dev.truncated {
                break;
            }
            let r = catch_unwind(AssertUnwindSafe(|| pdf_extract::output_doc_page(&doc, &mut dev, num)));
            if !matches!(r, Ok(Ok(()))) && !dev.truncated {
                dev.abandon_page();
                failed.push(num);
            }
        }
    }
    dev.abandon_page();

    let rotations: Vec<i64> = page_ids.iter().map(|&(_, id)| page_rotation(&doc, id)).collect();
    finish(dev, &rotations, &failed, meta)
}

/// Joins the collected pages into the item's text, page offsets and layout, with the warning
/// that says what is missing.
fn finish(dev: Collector, rotations: &[i64], failed: &[u32], meta: Meta) -> Result<Extracted, Problem> {
    let n = dev.pages.len();
    let has_text = dev.pages.iter().any(|p| p.text.chars().any(|c| !c.is_whitespace()));
    if failed.len() == n || (!failed.is_empty() && !has_text) {
        return Err(damaged("the PDF could not be read: the extractor failed on its fonts or structure"));
    }

    let mut ex = Extracted { extractor: EXTRACTOR.into(), meta, ..Default::default() };
    let (text, pages, layout) = assemble(&dev.pages, rotations, has_text);
    ex.text = Some(text);
    ex.pages = pages;
    // Serializing numbers and strings into a String cannot fail.
    ex.layout = serde_json::to_string(&layout).ok();
    if !failed.is_empty() {
        let list: Vec<String> = failed.iter().take(20).map(|p| p.to_string()).collect();
        let more = if failed.len() > 20 { ", ..." } else { "" };
        ex.warning = Some(Problem::extract(
            "pdf_partial_text",
            format!("{} of {} pages could not be read (page {}{}): their text is missing", failed.len(), n, list.join(", "), more),
        ));
    } else if dev.truncated {
        ex.warning = Some(Problem::extract(
            "text_truncated",
            format!("text longer than {} MB: only the first {} MB is searchable", MAX_TEXT_BYTES >> 20, MAX_TEXT_BYTES >> 20),
        ));
    } else if !has_text {
        ex.warning = Some(Problem::extract("pdf_no_text_layer", "no text layer: this PDF is scanned images; OCR is needed"));
    }
    Ok(ex)
}

/// The Info dictionary as hayro read it, decoded as [`read_meta`] decodes lopdf's.
fn meta_from_info(info: &super::pdf_glyphs::InfoStrings) -> Meta {
    let text = |b: &Option<Vec<u8>>| -> Option<String> {
        let b = b.as_ref()?;
        let s = pdf_extract::decode_text_string(&Object::String(b.clone(), pdf_extract::StringFormat::Literal)).ok()?;
        let s = s.trim_matches(|c: char| c.is_whitespace() || c.is_control()).to_string();
        (!s.is_empty()).then_some(s)
    };
    let mut meta = Meta { title: text(&info.title), author: text(&info.author), ..Default::default() };
    meta.date = info.created.as_deref().and_then(parse_pdf_date);
    meta.modified = info.modified.as_deref().and_then(parse_pdf_date);
    for (key, v) in [("Producer", &info.producer), ("Creator", &info.creator), ("Subject", &info.subject), ("Keywords", &info.keywords)] {
        if let Some(s) = text(v) {
            meta.extra.insert(key.into(), s);
        }
    }
    meta
}

fn damaged(reason: &str) -> Problem {
    Problem::extract("pdf_damaged", reason)
}

fn encrypted() -> Problem {
    Problem::extract("pdf_encrypted", "encrypted PDF: a password is required")
}

/// Parses the file and removes encryption with the empty user password when that is enough.
fn load(bytes: &[u8]) -> Result<Document, Problem> {
    use pdf_extract::encryption::DecryptionError as D;
    use pdf_extract::Error as E;
    let loaded = catch_unwind(AssertUnwindSafe(|| Document::load_mem(bytes)))
        .map_err(|_| damaged("the PDF is damaged: its structure could not be parsed"))?;
    let mut doc = match loaded {
        Ok(doc) => doc,
        Err(E::Decryption(D::UnsupportedEncryption | D::UnsupportedVersion | D::UnsupportedRevision)) => {
            return Err(Problem::extract("pdf_encrypted", "encrypted PDF: it uses an encryption method that cannot be opened"))
        }
        Err(E::Decryption(_) | E::InvalidPassword) => return Err(encrypted()),
        Err(e) => return Err(damaged(&load_reason(&e))),
    };
    if doc.trailer.get(b"Encrypt").is_ok() || doc.is_encrypted() {
        // lopdf already tries the empty user password while loading (and then drops /Encrypt);
        // a document that is still encrypted needs a real password or failed to decrypt.
        let r = catch_unwind(AssertUnwindSafe(|| doc.decrypt("")));
        match r {
            Ok(Ok(())) => {}
            Ok(Err(E::Decryption(D::UnsupportedEncryption | D::UnsupportedVersion | D::UnsupportedRevision))) => {
                return Err(Problem::extract("pdf_encrypted", "encrypted PDF: it uses an encryption method that cannot be opened"))
            }
            _ => return Err(encrypted()),
        }
    }
    Ok(doc)
}

fn load_reason(e: &pdf_extract::Error) -> String {
    use pdf_extract::Error as E;
    match e {
        E::Parse(_) | E::Xref(_) | E::InvalidOffset(_) => "the PDF is damaged: its structure could not be parsed".into(),
        E::IO(_) => "the PDF is truncated or unreadable".into(),
        other => {
            let mut s = other.to_string();
            s.truncate(160);
            format!("the PDF is damaged and could not be opened ({s})")
        }
    }
}

// ----- metadata -------------------------------------------------------------------------

fn deref<'a>(doc: &'a Document, obj: &'a Object) -> Option<&'a Object> {
    let mut obj = obj;
    for _ in 0..8 {
        match obj {
            Object::Reference(id) => obj = doc.get_object(*id).ok()?,
            _ => return Some(obj),
        }
    }
    None
}

fn read_meta(doc: &Document) -> Meta {
    let mut meta = Meta::default();
    let Some(info) = doc.trailer.get(b"Info").ok().and_then(|o| deref(doc, o)).and_then(|o| o.as_dict().ok()) else {
        return meta;
    };
    for (key, value) in info.iter() {
        let Some(value) = deref(doc, value) else { continue };
        let Ok(s) = pdf_extract::decode_text_string(value) else { continue };
        let s = s.trim_matches(|c: char| c.is_whitespace() || c.is_control()).to_string();
        if s.is_empty() {
            continue;
        }
        match key.as_slice() {
            b"Title" => meta.title = Some(s),
            b"Author" => meta.author = Some(s),
            b"CreationDate" => {
                meta.date = parse_pdf_date(&s);
                if meta.date.is_none() {
                    meta.extra.insert("CreationDate".into(), s);
                }
            }
            b"ModDate" => {
                meta.modified = parse_pdf_date(&s);
                if meta.modified.is_none() {
                    meta.extra.insert("ModDate".into(), s);
                }
            }
            b"Producer" | b"Creator" | b"Subject" | b"Keywords" => {
                meta.extra.insert(String::from_utf8_lossy(key).into_owned(), s);
            }
            _ => {}
        }
    }
    meta
}

/// Parses a PDF date string (`D:YYYYMMDDHHmmSSOHH'mm'`, every part after the year optional)
/// into RFC 3339 UTC. A date without a time zone is taken as UTC.
pub fn parse_pdf_date(s: &str) -> Option<String> {
    let s = s.trim();
    let s = s.strip_prefix("D:").unwrap_or(s);
    let digits: String = s.chars().take_while(|c| c.is_ascii_digit()).collect();
    if digits.len() < 4 {
        return None;
    }
    let part = |from: usize, len: usize, default: u32| -> Option<u32> {
        match digits.get(from..from + len) {
            Some(p) => p.parse().ok(),
            None if digits.len() <= from => Some(default),
            None => None,
        }
    };
    let year: i32 = digits[..4].parse().ok()?;
    let (month, day) = (part(4, 2, 1)?, part(6, 2, 1)?);
    let (hour, minute, second) = (part(8, 2, 0)?, part(10, 2, 0)?, part(12, 2, 0)?);
    let naive = NaiveDate::from_ymd_opt(year, month, day)?.and_hms_opt(hour, minute, second)?;
    let rest = &s[digits.len()..];
    let mut chars = rest.chars();
    let offset_secs = match chars.next() {
        Some(sign @ ('+' | '-')) => {
            let tz: String = chars.filter(|c| c.is_ascii_digit()).collect();
            let hh: i32 = tz.get(0..2).and_then(|p| p.parse().ok()).unwrap_or(0);
            let mm: i32 = tz.get(2..4).and_then(|p| p.parse().ok()).unwrap_or(0);
            if hh > 23 || mm > 59 {
                return None;
            }
            let secs = hh * 3600 + mm * 60;
            if sign == '-' {
                -secs
            } else {
                secs
            }
        }
        _ => 0,
    };
    let dt = FixedOffset::east_opt(offset_secs)?.from_local_datetime(&naive).single()?;
    Some(dt.with_timezone(&Utc).to_rfc3339_opts(SecondsFormat::Secs, true))
}

/// The page's `/Rotate`, inherited from its ancestors, normalised to 0, 90, 180 or 270.
fn page_rotation(doc: &Document, id: ObjectId) -> i64 {
    let mut dict: Option<&Dictionary> = doc.get_dictionary(id).ok();
    for _ in 0..32 {
        let Some(d) = dict else { break };
        if let Some(r) = d.get(b"Rotate").ok().and_then(|o| deref(doc, o)).and_then(|o| o.as_i64().ok()) {
            return r.rem_euclid(360) / 90 * 90;
        }
        dict = d.get(b"Parent").ok().and_then(|o| deref(doc, o)).and_then(|o| o.as_dict().ok());
    }
    0
}

// ----- glyph collection -----------------------------------------------------------------

/// One glyph as drawn, in PDF user space.
#[derive(Debug, Clone)]
struct Glyph {
    /// Range of its text in the page's text buffer.
    start: u32,
    end: u32,
    /// Origin (on the baseline).
    ox: f64,
    oy: f64,
    /// Advance vector (glyph width along the baseline).
    ax: f64,
    ay: f64,
    /// "Up" vector: one em perpendicular to the baseline.
    ux: f64,
    uy: f64,
    space: bool,
}

struct OpenPage {
    num: u32,
    media: [f64; 4],
    buf: String,
    glyphs: Vec<Glyph>,
}

/// The text of one finished page, with its words' char ranges (relative to the page text).
#[derive(Debug, Default, Clone)]
struct PageOut {
    media: [f64; 4],
    text: String,
    words: Vec<WordBox>,
}

#[derive(Debug, Clone)]
struct WordBox {
    start: usize,
    end: usize,
    bbox: [f64; 4],
}

/// Our `OutputDev`: gathers the glyphs of a page and lays them out when the page ends.
struct Collector {
    /// Page numbers in document order.
    order: Vec<u32>,
    pages: Vec<PageOut>,
    open: Option<OpenPage>,
    last_begun: Option<u32>,
    bytes: usize,
    truncated: bool,
    /// Pages the reader failed on (hayro's; pdf-extract's are counted by its caller).
    failed: Vec<u32>,
    /// Each page's `/Rotate`, by index, as hayro reported it.
    rotations: Vec<i64>,
}

impl Collector {
    fn new(order: Vec<u32>) -> Self {
        let pages = vec![PageOut::default(); order.len()];
        let rotations = vec![0; order.len()];
        Collector { order, pages, open: None, last_begun: None, bytes: 0, truncated: false, failed: Vec::new(), rotations }
    }

    fn index_of(&self, num: u32) -> Option<usize> {
        self.order.binary_search(&num).ok()
    }

    /// The page the extractor was working on when it failed.
    fn failing_page(&self) -> u32 {
        if let Some(p) = &self.open {
            return p.num;
        }
        match self.last_begun {
            None => self.order.first().copied().unwrap_or(1),
            Some(last) => self.order.iter().copied().find(|&n| n > last).unwrap_or(last + 1),
        }
    }

    /// Lays out whatever was collected on an unfinished page (kept: it is real text).
    fn abandon_page(&mut self) {
        let _ = self.finish_page();
    }

    fn finish_page(&mut self) -> Result<(), OutputError> {
        let Some(open) = self.open.take() else { return Ok(()) };
        let (text, words) = layout_page(&open.buf, &open.glyphs);
        self.bytes += text.len();
        if let Some(i) = self.index_of(open.num) {
            self.pages[i] = PageOut { media: open.media, text, words };
        }
        if self.bytes > MAX_TEXT_BYTES {
            self.truncated = true;
            return Err(OutputError::FormatError(std::fmt::Error));
        }
        Ok(())
    }
}

/// Appends `s` to `out` with typographic ligatures (ﬁ, ﬂ, …) spelled out and control
/// characters dropped. Also used by the corpus test to normalize pdftotext's output the same way.
pub fn expand_ligatures(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '\u{FB00}' => out.push_str("ff"),
            '\u{FB01}' => out.push_str("fi"),
            '\u{FB02}' => out.push_str("fl"),
            '\u{FB03}' => out.push_str("ffi"),
            '\u{FB04}' => out.push_str("ffl"),
            '\u{FB05}' | '\u{FB06}' => out.push_str("st"),
            '\u{0}'..='\u{8}' | '\u{B}' | '\u{C}' | '\u{E}'..='\u{1F}' | '\u{7F}' | '\u{FFFD}' => {}
            c => out.push(c),
        }
    }
}

impl Collector {
    /// Adds one glyph to the open page (a glyph outside any page, or with a degenerate matrix,
    /// is dropped).
    fn push_glyph(&mut self, g: DrawnGlyph, text: &str) {
        let Some(page) = self.open.as_mut() else { return };
        if page.glyphs.len() >= MAX_GLYPHS_PER_PAGE {
            return;
        }
        let ((ox, oy), (ax, ay), (ux, uy)) = (g.origin, g.advance, g.up);
        if ![ox, oy, ax, ay, ux, uy].iter().all(|v| v.is_finite()) {
            return;
        }
        let space = !text.is_empty() && text.chars().all(|c| c.is_whitespace());
        let start = page.buf.len() as u32;
        if !space {
            expand_ligatures(text, &mut page.buf);
        }
        let end = page.buf.len() as u32;
        page.glyphs.push(Glyph { start, end, ox, oy, ax, ay, ux, uy, space });
    }
}

impl GlyphSink for Collector {
    fn begin_page(&mut self, num: u32, media: [f64; 4], rotate: i64) {
        // The previous page was finished by `end_page`.
        self.last_begun = Some(num);
        if let Some(r) = self.index_of(num).and_then(|i| self.rotations.get_mut(i)) {
            *r = rotate;
        }
        self.open = Some(OpenPage { num, media, buf: String::new(), glyphs: Vec::new() });
    }

    fn glyph(&mut self, g: DrawnGlyph, text: &str) {
        self.push_glyph(g, text);
    }

    fn end_page(&mut self) -> bool {
        self.finish_page().is_ok()
    }

    fn page_failed(&mut self) {
        if let Some(num) = self.last_begun {
            self.failed.push(num);
        }
    }
}

impl OutputDev for Collector {
    fn begin_page(&mut self, page_num: u32, media_box: &MediaBox, _art_box: Option<(f64, f64, f64, f64)>) -> Result<(), OutputError> {
        self.finish_page()?;
        self.last_begun = Some(page_num);
        self.open = Some(OpenPage {
            num: page_num,
            media: [media_box.llx, media_box.lly, media_box.urx, media_box.ury],
            buf: String::new(),
            glyphs: Vec::new(),
        });
        Ok(())
    }

    fn end_page(&mut self) -> Result<(), OutputError> {
        self.finish_page()
    }

    fn output_character(&mut self, trm: &Transform, width: f64, _spacing: f64, font_size: f64, text: &str) -> Result<(), OutputError> {
        let w = width * font_size;
        let g =
            DrawnGlyph { origin: (trm.m31, trm.m32), advance: (w * trm.m11, w * trm.m12), up: (font_size * trm.m21, font_size * trm.m22) };
        self.push_glyph(g, text);
        Ok(())
    }

    fn begin_word(&mut self) -> Result<(), OutputError> {
        Ok(())
    }
    fn end_word(&mut self) -> Result<(), OutputError> {
        Ok(())
    }
    fn end_line(&mut self) -> Result<(), OutputError> {
        Ok(())
    }
}

// ----- layout -----------------------------------------------------------------------------

/// A glyph in its line's frame: rotated so that its baseline runs left to right.
#[derive(Debug, Clone, Copy)]
struct Placed {
    idx: usize,
    dir: u8,
    /// Start and end along the baseline.
    x0: f64,
    x1: f64,
    /// Baseline position (larger is higher up the page in that frame).
    base: f64,
    /// Font size (em) in user space.
    size: f64,
}

fn place(i: usize, g: &Glyph) -> Option<Placed> {
    let size = g.ux.hypot(g.uy);
    // Also refuses NaN (a degenerate glyph matrix), which no comparison orders.
    if size.is_nan() || size <= 1e-3 {
        return None;
    }
    let adv = g.ax.hypot(g.ay);
    let angle = if adv > 1e-6 * size { g.ay.atan2(g.ax) } else { g.uy.atan2(g.ux) - std::f64::consts::FRAC_PI_2 };
    let dir = ((angle / std::f64::consts::FRAC_PI_2).round() as i64).rem_euclid(4) as u8;
    let (x, y) = rotate_into(dir, g.ox, g.oy);
    // Width along the frame's baseline; fonts without widths get an estimate.
    let (adx, _) = rotate_into(dir, g.ax, g.ay);
    let w = if adx.abs() < 0.01 * size { 0.5 * size } else { adx.abs() };
    Some(Placed { idx: i, dir, x0: x, x1: x + w, base: y, size })
}

/// Rotates a point by `-dir * 90°`, so text written in direction `dir` runs along +x.
fn rotate_into(dir: u8, x: f64, y: f64) -> (f64, f64) {
    match dir {
        0 => (x, y),
        1 => (y, -x),
        2 => (-x, -y),
        _ => (-y, x),
    }
}

/// The glyph's box in user space: origin + t·advance + s·up for t in [0,1], s in [-D, A].
fn glyph_box(g: &Glyph, p: &Placed) -> [f64; 4] {
    let (mut ax, mut ay) = (g.ax, g.ay);
    if ax.hypot(ay) < 0.01 * p.size {
        // No width known: half an em along the baseline direction.
        let (dx, dy) = match p.dir {
            0 => (1.0, 0.0),
            1 => (0.0, 1.0),
            2 => (-1.0, 0.0),
            _ => (0.0, -1.0),
        };
        ax = dx * 0.5 * p.size;
        ay = dy * 0.5 * p.size;
    }
    let mut b = [f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY];
    for t in [0.0, 1.0] {
        for s in [-DESCENT, ASCENT] {
            let x = g.ox + t * ax + s * g.ux;
            let y = g.oy + t * ay + s * g.uy;
            b[0] = b[0].min(x);
            b[1] = b[1].min(y);
            b[2] = b[2].max(x);
            b[3] = b[3].max(y);
        }
    }
    b
}

/// A word rebuilt from glyphs: its text, its box in user space and its extent in the line's
/// frame.
#[derive(Debug, Clone)]
struct Word {
    text: String,
    bbox: [f64; 4],
    x0: f64,
    x1: f64,
    size: f64,
}

/// Words of one line that sit close together; a wide gap (column gutter, table cell) starts
/// a new fragment, so that columns can be read one after the other.
#[derive(Debug, Clone)]
struct Frag {
    words: Vec<Word>,
    x0: f64,
    x1: f64,
    base: f64,
    size: f64,
}

impl Frag {
    /// Vertical extent used for ordering (roughly x-height band, so that ordinary leading
    /// leaves a small gap between lines and paragraph breaks a larger one).
    fn y0(&self) -> f64 {
        self.base - 0.2 * self.size
    }
    fn y1(&self) -> f64 {
        self.base + 0.7 * self.size
    }
}

/// A gap wider than this many ems inside a line starts a new fragment.
const FRAG_GAP: f64 = 0.6;
/// A vertical band at least this many ems wide, free of text, separates columns.
const COLUMN_GAP: f64 = 0.6;
/// A horizontal band at least this many ems high, free of text, separates blocks.
const BLOCK_GAP: f64 = 0.5;
/// Pages with more fragments than this are read top to bottom without column detection.
const MAX_FRAGS_FOR_COLUMNS: usize = 20_000;

/// Rebuilds lines and words from the glyphs of one page. Returns the page text and its
/// words (char ranges relative to the page text).
fn layout_page(buf: &str, glyphs: &[Glyph]) -> (String, Vec<WordBox>) {
    let mut placed: Vec<Placed> = glyphs.iter().enumerate().filter_map(|(i, g)| place(i, g)).collect();
    // Direction first, then top to bottom.
    placed.sort_by(|a, b| a.dir.cmp(&b.dir).then(b.base.total_cmp(&a.base)).then(a.x0.total_cmp(&b.x0)));

    // Group into lines by baseline, then split lines into words and fragments.
    let mut by_dir: [Vec<Frag>; 4] = Default::default();
    let mut start = 0;
    while start < placed.len() {
        let (base, size, dir) = (placed[start].base, placed[start].size, placed[start].dir);
        let mut end = start + 1;
        while end < placed.len() && placed[end].dir == dir && base - placed[end].base <= 0.5 * f64::max(size, placed[end].size) {
            end += 1;
        }
        let line = &mut placed[start..end];
        line.sort_by(|a, b| a.x0.total_cmp(&b.x0));
        let words = split_words(buf, glyphs, line);
        // The line's baseline: the median of its glyphs' (superscripts do not move it).
        let mut bases: Vec<f64> = line.iter().map(|p| p.base).collect();
        bases.sort_by(|a, b| a.total_cmp(b));
        let line_base = bases[bases.len() / 2];
        let mut frag: Option<Frag> = None;
        for w in words {
            if let Some(f) = frag.as_mut() {
                if w.x0 - f.x1 <= FRAG_GAP * f64::max(f.size, w.size) {
                    f.x1 = f.x1.max(w.x1);
                    f.size = f.size.max(w.size);
                    f.words.push(w);
                    continue;
                }
                by_dir[dir as usize].push(frag.take().unwrap());
            }
            frag = Some(Frag { x0: w.x0, x1: w.x1, base: line_base, size: w.size, words: vec![w] });
        }
        if let Some(f) = frag {
            by_dir[dir as usize].push(f);
        }
        start = end;
    }

    // Reading order: columns and blocks within each direction.
    // (words, x0, x1, baseline, size, direction) of each output line.
    let mut out_lines: Vec<(Vec<Word>, f64, f64, f64, f64, usize)> = Vec::new();
    for (dir, frags) in by_dir.iter_mut().enumerate() {
        if frags.is_empty() {
            continue;
        }
        let all: Vec<usize> = (0..frags.len()).collect();
        let mut lines: Vec<Vec<usize>> = Vec::new();
        if frags.len() <= MAX_FRAGS_FOR_COLUMNS {
            xy_cut(frags, all, 0, &mut lines);
        } else {
            leaf_lines(frags, all, &mut lines);
        }
        for line in lines {
            let mut words = Vec::new();
            let (mut x0, mut x1, mut size) = (f64::INFINITY, f64::NEG_INFINITY, 0.0f64);
            let base = frags[line[0]].base;
            for i in line {
                x0 = x0.min(frags[i].x0);
                x1 = x1.max(frags[i].x1);
                size = size.max(frags[i].size);
                words.append(&mut frags[i].words);
            }
            if !words.is_empty() {
                out_lines.push((words, x0, x1, base, size, dir));
            }
        }
    }

    // Emit text, joining words hyphenated across lines ("exam-" + "ple").
    let mut text = String::new();
    let mut chars = 0usize;
    let mut boxes: Vec<WordBox> = Vec::new();
    for (li, (line, x0, _, base, size, dir)) in out_lines.iter().enumerate() {
        if li > 0 {
            // Only across a line break within one column: the next line is just below and
            // starts left of where the hyphenated line ends.
            let (_, _, px1, pbase, psize, pdir) = &out_lines[li - 1];
            let below = dir == pdir && base < pbase && pbase - base < 2.5 * psize.max(*size) && x0 < px1;
            let joined = below && hyphen_join(&text, &line[0].text);
            if joined {
                let h = text.pop();
                debug_assert!(h.is_some());
                chars -= 1;
                if let Some(last) = boxes.last_mut() {
                    last.end -= 1;
                }
            } else {
                text.push('\n');
                chars += 1;
            }
        }
        for (k, w) in line.iter().enumerate() {
            if k > 0 {
                text.push(' ');
                chars += 1;
            }
            let n = w.text.chars().count();
            boxes.push(WordBox { start: chars, end: chars + n, bbox: w.bbox });
            text.push_str(&w.text);
            chars += n;
        }
    }
    (text, boxes)
}

/// Whether a line ending like `text` and a line starting with `next` form one hyphenated
/// word: a hyphen after a letter, then a lowercase letter.
fn hyphen_join(text: &str, next: &str) -> bool {
    let mut rev = text.chars().rev();
    let (Some(h), Some(before)) = (rev.next(), rev.next()) else { return false };
    matches!(h, '-' | '\u{AD}' | '\u{2010}') && before.is_alphabetic() && next.chars().next().is_some_and(|c| c.is_lowercase())
}

/// Orders fragments by recursive XY-cut: split at vertical gutters (columns, left to right)
/// first, else at horizontal gaps (blocks, top to bottom); the leaves are read line by line.
fn xy_cut(frags: &[Frag], mut idx: Vec<usize>, depth: u32, out: &mut Vec<Vec<usize>>) {
    if idx.len() <= 1 || depth > 40 {
        leaf_lines(frags, idx, out);
        return;
    }
    let mut sizes: Vec<f64> = idx.iter().map(|&i| frags[i].size).collect();
    sizes.sort_by(|a, b| a.total_cmp(b));
    let em = sizes[sizes.len() / 2];

    // Columns.
    idx.sort_by(|&a, &b| frags[a].x0.total_cmp(&frags[b].x0));
    let mut groups: Vec<Vec<usize>> = vec![Vec::new()];
    let mut reach = f64::NEG_INFINITY;
    for &i in &idx {
        let f = &frags[i];
        if !groups.last().unwrap().is_empty() && f.x0 - reach >= COLUMN_GAP * em {
            groups.push(Vec::new());
        }
        groups.last_mut().unwrap().push(i);
        reach = reach.max(f.x1);
    }
    if groups.len() > 1 {
        for g in groups {
            xy_cut(frags, g, depth + 1, out);
        }
        return;
    }

    // Blocks.
    idx.sort_by(|&a, &b| frags[b].y1().total_cmp(&frags[a].y1()));
    let mut groups: Vec<Vec<usize>> = vec![Vec::new()];
    let mut floor = f64::INFINITY;
    for &i in &idx {
        let f = &frags[i];
        if !groups.last().unwrap().is_empty() && floor - f.y1() >= BLOCK_GAP * em {
            groups.push(Vec::new());
        }
        groups.last_mut().unwrap().push(i);
        floor = floor.min(f.y0());
    }
    if groups.len() > 1 {
        for g in groups {
            xy_cut(frags, g, depth + 1, out);
        }
        return;
    }
    leaf_lines(frags, idx, out);
}

/// Reads fragments line by line: top to bottom by baseline, left to right within a line.
fn leaf_lines(frags: &[Frag], mut idx: Vec<usize>, out: &mut Vec<Vec<usize>>) {
    idx.sort_by(|&a, &b| frags[b].base.total_cmp(&frags[a].base).then(frags[a].x0.total_cmp(&frags[b].x0)));
    let mut start = 0;
    while start < idx.len() {
        let first = &frags[idx[start]];
        let mut end = start + 1;
        while end < idx.len() && first.base - frags[idx[end]].base <= 0.5 * f64::max(first.size, frags[idx[end]].size) {
            end += 1;
        }
        let mut line = idx[start..end].to_vec();
        line.sort_by(|&a, &b| frags[a].x0.total_cmp(&frags[b].x0));
        out.push(line);
        start = end;
    }
}

/// Splits one line (glyphs sorted left to right) into words.
fn split_words(buf: &str, glyphs: &[Glyph], line: &[Placed]) -> Vec<Word> {
    let mut out: Vec<Word> = Vec::new();
    let mut cur: Option<Word> = None;
    let mut kept: Vec<Placed> = Vec::new(); // recent glyphs, for duplicate detection

    for p in line {
        let g = &glyphs[p.idx];
        if g.space {
            out.extend(cur.take());
            continue;
        }
        let s = &buf[g.start as usize..g.end as usize];
        // The same glyph drawn again at (nearly) the same spot: fake bold or a shadow.
        let dup = kept.iter().rev().take(4).any(|k| {
            let kg = &glyphs[k.idx];
            (k.x0 - p.x0).abs() < f64::min(0.2 * p.size, 0.3 * (p.x1 - p.x0))
                && (k.base - p.base).abs() < 0.2 * p.size
                && &buf[kg.start as usize..kg.end as usize] == s
        });
        if dup {
            continue;
        }
        kept.push(*p);
        let b = glyph_box(g, p);
        if let Some(w) = cur.as_mut() {
            let em = f64::max(w.size, p.size).min(2.0 * f64::min(w.size, p.size));
            if p.x0 - w.x1 <= WORD_GAP * em {
                w.text.push_str(s);
                w.bbox = [w.bbox[0].min(b[0]), w.bbox[1].min(b[1]), w.bbox[2].max(b[2]), w.bbox[3].max(b[3])];
                w.x1 = w.x1.max(p.x1);
                w.size = p.size;
                continue;
            }
            out.extend(cur.take());
        }
        cur = Some(Word { text: s.to_string(), bbox: b, x0: p.x0, x1: p.x1, size: p.size });
    }
    out.extend(cur);
    out.retain(|w| !w.text.is_empty());
    out
}

/// Where every word of a PDF's text layer sits on its page: stored as JSON with the item's text
/// (`item_text.layout_json`) when the PDF is extracted, and read back by redaction to place
/// boxes over the words a redaction covers. One type for both sides, so the writer and the
/// reader cannot drift apart; the field names are the stored ones (see the module docs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Layout {
    /// Format version (1).
    #[serde(default = "Layout::version")]
    pub v: u32,
    /// Unit of every coordinate: PDF points (`pt`).
    #[serde(default = "Layout::points")]
    pub units: String,
    pub pages: Vec<PageLayout>,
}

impl Layout {
    fn version() -> u32 {
        1
    }
    fn points() -> String {
        "pt".into()
    }

    /// Parses stored layout JSON; an error names what does not fit, so a damaged row is
    /// reported rather than read as a PDF without words.
    pub fn from_json(json: &str) -> serde_json::Result<Layout> {
        serde_json::from_str(json)
    }
}

/// One page: its number (from 1), MediaBox, `/Rotate` and words.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PageLayout {
    pub page: u32,
    /// The MediaBox `[x0, y0, x1, y1]` in user space.
    #[serde(rename = "box", default, serialize_with = "coords")]
    pub media: [f64; 4],
    #[serde(default)]
    pub rotate: i64,
    #[serde(default)]
    pub words: Vec<WordLayout>,
}

/// One word: its char range `start..end` in the item's text and its box `[x0, y0, x1, y1]` in
/// user-space points (origin bottom-left, y up, before `/Rotate`). Stored as the array
/// `[start, end, x0, y0, x1, y1]`, since a long PDF has hundreds of thousands of words.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WordLayout {
    pub start: usize,
    pub end: usize,
    pub rect: [f64; 4],
}

impl Serialize for WordLayout {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeTuple;
        let mut t = s.serialize_tuple(6)?;
        t.serialize_element(&self.start)?;
        t.serialize_element(&self.end)?;
        for v in self.rect {
            t.serialize_element(&Coord(v))?;
        }
        t.end()
    }
}

impl<'de> Deserialize<'de> for WordLayout {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // Char offsets were always written as integers; read them as numbers all the same.
        let [start, end, x0, y0, x1, y1] = <[f64; 6]>::deserialize(d)?;
        Ok(WordLayout { start: start as usize, end: end as usize, rect: [x0, y0, x1, y1] })
    }
}

/// A coordinate with one decimal, written without a trailing ".0" (the layout is a large
/// share of a PDF's stored text).
struct Coord(f64);

impl Serialize for Coord {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let r = if self.0.is_finite() { (self.0 * 10.0).round() / 10.0 } else { 0.0 };
        if r == r.trunc() && r.abs() < 1e15 {
            s.serialize_i64(r as i64)
        } else {
            s.serialize_f64(r)
        }
    }
}

fn coords<S: serde::Serializer>(v: &[f64; 4], s: S) -> Result<S::Ok, S::Error> {
    v.map(Coord).serialize(s)
}

/// Joins the pages and builds their layout.
fn assemble(pages: &[PageOut], rotations: &[i64], has_text: bool) -> (String, Vec<usize>, Layout) {
    let mut text = String::new();
    let mut offsets = Vec::with_capacity(pages.len());
    let mut chars = 0usize;
    let sep_chars = PAGE_SEPARATOR.chars().count();
    let mut layout = Layout { v: Layout::version(), units: Layout::points(), pages: Vec::with_capacity(pages.len()) };
    for (i, page) in pages.iter().enumerate() {
        if i > 0 && has_text {
            text.push_str(PAGE_SEPARATOR);
            chars += sep_chars;
        }
        offsets.push(chars);
        let mut words = Vec::new();
        if has_text {
            words = page
                .words
                .iter()
                .filter(|w| w.bbox.iter().all(|v| v.is_finite()))
                .map(|w| WordLayout { start: chars + w.start, end: chars + w.end, rect: w.bbox })
                .collect();
            text.push_str(&page.text);
            chars += page.text.chars().count();
        }
        let media = page.media.map(|v| if v.is_finite() { v } else { 0.0 });
        layout.pages.push(PageLayout { page: i as u32 + 1, media, rotate: rotations.get(i).copied().unwrap_or(0), words });
    }
    (text, offsets, layout)
}

#[cfg(test)]
mod tests {
    use super::*;
    use pdf_extract::content::{Content, Operation};
    use pdf_extract::{dictionary, Stream, StringFormat};

    fn lit(s: &str) -> Object {
        Object::String(s.as_bytes().to_vec(), StringFormat::Literal)
    }

    /// Builds a PDF whose pages each run the given content operations, with Helvetica as F1
    /// (a standard font: pdf-extract knows its widths).
    fn make_pdf(pages_ops: Vec<Vec<Operation>>, info: Option<Dictionary>, encrypt_with: Option<&str>) -> Vec<u8> {
        let mut doc = Document::with_version("1.5");
        let pages_id = doc.new_object_id();
        let font_id = doc.add_object(dictionary! {
            "Type" => "Font",
            "Subtype" => "Type1",
            "BaseFont" => "Helvetica",
            "Encoding" => "WinAnsiEncoding",
        });
        let resources_id = doc.add_object(dictionary! {
            "Font" => dictionary! { "F1" => font_id },
        });
        let mut kids = Vec::new();
        for ops in pages_ops {
            let content = Content { operations: ops };
            let content_id = doc.add_object(Stream::new(dictionary! {}, content.encode().unwrap()));
            let page_id = doc.add_object(dictionary! {
                "Type" => "Page",
                "Parent" => pages_id,
                "Contents" => content_id,
            });
            kids.push(page_id.into());
        }
        let count = kids.len() as i64;
        doc.objects.insert(
            pages_id,
            Object::Dictionary(dictionary! {
                "Type" => "Pages",
                "Kids" => kids,
                "Count" => count,
                "Resources" => resources_id,
                "MediaBox" => vec![0.into(), 0.into(), 612.into(), 792.into()],
            }),
        );
        let catalog_id = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
        doc.trailer.set("Root", catalog_id);
        if let Some(info) = info {
            let info_id = doc.add_object(info);
            doc.trailer.set("Info", info_id);
        }
        doc.trailer.set(
            "ID",
            Object::Array(vec![
                Object::String(b"0123456789abcdef".to_vec(), StringFormat::Hexadecimal),
                Object::String(b"0123456789abcdef".to_vec(), StringFormat::Hexadecimal),
            ]),
        );
        if let Some(pw) = encrypt_with {
            use pdf_extract::{EncryptionState, EncryptionVersion, Permissions};
            let version = EncryptionVersion::V2 {
                document: &doc,
                owner_password: "owner-secret",
                user_password: pw,
                key_length: 128,
                permissions: Permissions::all(),
            };
            let state = EncryptionState::try_from(version).unwrap();
            doc.encrypt(&state).unwrap();
        }
        let mut out = Vec::new();
        doc.save_to(&mut out).unwrap();
        out
    }

    fn text_ops(lines: &[(f64, f64, Vec<Object>)]) -> Vec<Operation> {
        let mut ops = vec![Operation::new("BT", vec![]), Operation::new("Tf", vec!["F1".into(), 12.into()])];
        for (x, y, tj) in lines {
            ops.push(Operation::new("Tm", vec![1.into(), 0.into(), 0.into(), 1.into(), (*x).into(), (*y).into()]));
            ops.push(Operation::new("TJ", vec![Object::Array(tj.clone())]));
        }
        ops.push(Operation::new("ET", vec![]));
        ops
    }

    fn sample() -> Vec<u8> {
        let page1 = text_ops(&[
            (72.0, 700.0, vec![lit("Exa"), Object::Integer(-20), lit("mple"), lit(" kerned text")]),
            (72.0, 680.0, vec![lit("Second"), Object::Integer(-300), lit("line")]),
        ]);
        let page2 = text_ops(&[
            // Drawn out of order: the lower line first, then the upper one.
            (72.0, 600.0, vec![lit("bottom words")]),
            (72.0, 650.0, vec![lit("top ")]),
        ]);
        let info = dictionary! {
            "Title" => Object::string_literal("Quarterly report"),
            "Author" => Object::String(
                b"\xFE\xFF\x00J\x00o\x00s\x00\xE9".to_vec(), StringFormat::Hexadecimal),
            "CreationDate" => Object::string_literal("D:20230415103000+02'00'"),
            "ModDate" => Object::string_literal("D:20240101"),
            "Producer" => Object::string_literal("unit test"),
            "Keywords" => Object::string_literal("alpha, beta"),
        };
        make_pdf(vec![page1, page2], Some(info), None)
    }

    #[test]
    fn kerned_words_pages_and_metadata() {
        let ex = extract(&sample(), "sample.pdf").expect("extracts");
        let text = ex.text.clone().unwrap();
        assert_eq!(text, "Example kerned text\nSecond line\n\u{c}\ntop\nbottom words");
        assert_eq!(ex.pages.len(), 2);
        assert_eq!(ex.pages[0], 0);
        let chars: Vec<char> = text.chars().collect();
        let p2: String = chars[ex.pages[1]..].iter().collect();
        assert!(p2.starts_with("top"), "{p2:?}");
        let sep: String = chars[ex.pages[1] - 3..ex.pages[1]].iter().collect();
        assert_eq!(sep, PAGE_SEPARATOR);
        assert_eq!(ex.extractor, EXTRACTOR_HAYRO);
        assert!(ex.warning.is_none(), "{:?}", ex.warning);

        let m = &ex.meta;
        assert_eq!(m.title.as_deref(), Some("Quarterly report"));
        assert_eq!(m.author.as_deref(), Some("José"));
        assert_eq!(m.date.as_deref(), Some("2023-04-15T08:30:00Z"));
        assert_eq!(m.modified.as_deref(), Some("2024-01-01T00:00:00Z"));
        assert_eq!(m.extra.get("Producer").map(String::as_str), Some("unit test"));
        assert_eq!(m.extra.get("Keywords").map(String::as_str), Some("alpha, beta"));
    }

    #[test]
    fn layout_reads_what_earlier_versions_stored() {
        // As written by the hand-built serializer before the typed layout.
        let stored = r#"{"v":1,"units":"pt","pages":[{"page":1,"box":[0,0,612,792],"rotate":90,"words":[[0,7,72,695.1,118.5,711.4],[8,10,120,695.1,131.3,711.4]]},{"page":2,"box":[0,0,612,792],"rotate":0,"words":[]}]}"#;
        let layout = Layout::from_json(stored).unwrap();
        assert_eq!(layout.pages.len(), 2);
        assert_eq!(layout.pages[0].rotate, 90);
        assert_eq!(layout.pages[0].media, [0.0, 0.0, 612.0, 792.0]);
        assert_eq!(layout.pages[0].words[1], WordLayout { start: 8, end: 10, rect: [120.0, 695.1, 131.3, 711.4] });
        // And writes it back the same way: whole coordinates without ".0".
        assert_eq!(serde_json::to_string(&layout).unwrap(), stored);
        assert!(Layout::from_json(r#"{"pages":[{"page":1,"words":[[0,"x"]]}]}"#).is_err());
    }

    #[test]
    fn layout_has_word_boxes() {
        let ex = extract(&sample(), "sample.pdf").unwrap();
        let text: Vec<char> = ex.text.unwrap().chars().collect();
        let v: serde_json::Value = serde_json::from_str(ex.layout.as_deref().unwrap()).unwrap();
        let pages = v["pages"].as_array().unwrap();
        assert_eq!(pages.len(), 2);
        assert_eq!(pages[0]["box"], serde_json::json!([0, 0, 612, 792]));
        let words = pages[0]["words"].as_array().unwrap();
        let w0: Vec<f64> = words[0].as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect();
        let s: String = text[w0[0] as usize..w0[1] as usize].iter().collect();
        assert_eq!(s, "Example");
        // Starts at x=72 on the baseline y=700, 12 pt Helvetica.
        assert!((w0[2] - 72.0).abs() < 0.2, "{w0:?}");
        assert!(w0[3] < 700.0 && w0[3] > 695.0, "{w0:?}");
        assert!(w0[4] > 110.0 && w0[4] < 125.0, "{w0:?}");
        assert!(w0[5] > 708.0 && w0[5] < 713.0, "{w0:?}");
        // Every word's range maps back onto a word of the text.
        for p in pages {
            for w in p["words"].as_array().unwrap() {
                let (a, b) = (w[0].as_u64().unwrap() as usize, w[1].as_u64().unwrap() as usize);
                let s: String = text[a..b].iter().collect();
                assert!(!s.is_empty() && !s.contains(char::is_whitespace), "{s:?}");
            }
        }
        let p2 = pages[1]["words"].as_array().unwrap();
        assert_eq!(p2.len(), 3);
        assert_eq!(p2[0][0].as_u64().unwrap() as usize, ex.pages[1]);
    }

    #[test]
    fn parses_pdf_dates() {
        assert_eq!(parse_pdf_date("D:20230415103000+02'00'").as_deref(), Some("2023-04-15T08:30:00Z"));
        assert_eq!(parse_pdf_date("D:20230415103000-05'30").as_deref(), Some("2023-04-15T16:00:00Z"));
        assert_eq!(parse_pdf_date("D:20230415103000Z").as_deref(), Some("2023-04-15T10:30:00Z"));
        assert_eq!(parse_pdf_date("D:2023").as_deref(), Some("2023-01-01T00:00:00Z"));
        assert_eq!(parse_pdf_date("20230415").as_deref(), Some("2023-04-15T00:00:00Z"));
        assert_eq!(parse_pdf_date("D:20231345"), None);
        assert_eq!(parse_pdf_date("yesterday"), None);
    }

    #[test]
    fn scanned_pdf_warns_no_text_layer() {
        let ops = vec![Operation::new("re", vec![10.into(), 10.into(), 100.into(), 100.into()]), Operation::new("f", vec![])];
        let pdf = make_pdf(vec![ops.clone(), ops], None, None);
        let ex = extract(&pdf, "scan.pdf").unwrap();
        assert_eq!(ex.text.as_deref(), Some(""));
        assert_eq!(ex.pages, vec![0, 0]);
        assert_eq!(ex.warning.unwrap().code, "pdf_no_text_layer");
    }

    #[test]
    fn damaged_and_encrypted() {
        let e = extract(b"%PDF-1.4\ngarbage that is not a pdf", "bad.pdf").unwrap_err();
        assert_eq!(e.code, "pdf_damaged");
        let mut truncated = sample();
        truncated.truncate(truncated.len() / 3);
        match extract(&truncated, "cut.pdf") {
            Ok(_) => {}
            Err(e) => assert_eq!(e.code, "pdf_damaged"),
        }

        let page = text_ops(&[(72.0, 700.0, vec![lit("secret words")])]);
        let locked = make_pdf(vec![page.clone()], None, Some("hunter2"));
        let e = extract(&locked, "locked.pdf").unwrap_err();
        assert_eq!(e.code, "pdf_encrypted");
        assert_eq!(e.reason, "encrypted PDF: a password is required");

        let open = make_pdf(vec![page], None, Some(""));
        let ex = extract(&open, "open.pdf").expect("empty user password opens");
        assert_eq!(ex.text.as_deref(), Some("secret words"));
    }

    #[test]
    fn unreadable_font_is_a_problem_not_a_panic() {
        // Tf names a font that does not exist: pdf-extract panics inside; we report it.
        let ops = vec![
            Operation::new("BT", vec![]),
            Operation::new("Tf", vec!["F9".into(), 12.into()]),
            Operation::new("Tj", vec![lit("boom")]),
            Operation::new("ET", vec![]),
        ];
        let good = text_ops(&[(72.0, 700.0, vec![lit("fine page")])]);
        let pdf = make_pdf(vec![ops.clone()], None, None);
        let e = extract_pdf_extract(&pdf, "broken.pdf").unwrap_err();
        assert_eq!(e.code, "pdf_damaged");
        let half = make_pdf(vec![good, ops], None, None);
        let ex = extract_pdf_extract(&half, "half.pdf").unwrap();
        assert!(ex.text.unwrap().starts_with("fine page"));
        assert_eq!(ex.pages.len(), 2);
        assert_eq!(ex.warning.unwrap().code, "pdf_partial_text");
        // hayro draws such text in a standard font, as viewers do: it is read, not lost.
        let ex = extract(&pdf, "broken.pdf").unwrap();
        assert_eq!(ex.text.as_deref(), Some("boom"));
        assert!(ex.warning.is_none(), "{:?}", ex.warning);
    }

    #[test]
    fn both_readers_agree_on_text_and_boxes() {
        let pdf = sample();
        let a = extract(&pdf, "sample.pdf").unwrap();
        let b = extract_pdf_extract(&pdf, "sample.pdf").unwrap();
        assert_eq!(a.text, b.text);
        assert_eq!(a.pages, b.pages);
        let (la, lb) = (Layout::from_json(a.layout.as_deref().unwrap()).unwrap(), Layout::from_json(b.layout.as_deref().unwrap()).unwrap());
        for (pa, pb) in la.pages.iter().zip(&lb.pages) {
            assert_eq!(pa.media, pb.media);
            assert_eq!(pa.words.len(), pb.words.len());
            for (wa, wb) in pa.words.iter().zip(&pb.words) {
                assert_eq!((wa.start, wa.end), (wb.start, wb.end));
                for k in 0..4 {
                    assert!((wa.rect[k] - wb.rect[k]).abs() < 1.0, "{wa:?} vs {wb:?}");
                }
            }
        }
    }

    #[test]
    fn two_thousand_pages_each_with_its_number() {
        let pages: Vec<Vec<Operation>> =
            (1..=2000).map(|n| text_ops(&[(72.0, 700.0, vec![lit(&format!("marker{n} on this page"))])])).collect();
        let pdf = make_pdf(pages, None, None);
        let ex = extract(&pdf, "long.pdf").unwrap();
        assert_eq!(ex.pages.len(), 2000);
        let text: Vec<char> = ex.text.unwrap().chars().collect();
        for n in [1usize, 2, 1500, 2000] {
            let end = ex.pages.get(n).map(|e| e - PAGE_SEPARATOR.chars().count()).unwrap_or(text.len());
            let page: String = text[ex.pages[n - 1]..end].iter().collect();
            assert_eq!(page, format!("marker{n} on this page"));
        }
        let layout = Layout::from_json(ex.layout.as_deref().unwrap()).unwrap();
        assert_eq!(layout.pages[1499].page, 1500);
        assert_eq!(layout.pages[1499].words[0].start, ex.pages[1499]);
    }

    fn put(buf: &mut String, gs: &mut Vec<Glyph>, s: &str, x: f64, y: f64) {
        for (i, c) in s.chars().enumerate() {
            let start = buf.len() as u32;
            buf.push(c);
            let (ox, oy) = (x + 6.0 * i as f64, y);
            gs.push(Glyph { start, end: buf.len() as u32, ox, oy, ax: 6.0, ay: 0.0, ux: 0.0, uy: 12.0, space: false });
        }
    }

    #[test]
    fn columns_then_hyphenated_words() {
        let (mut buf, mut gs) = (String::new(), Vec::new());
        put(&mut buf, &mut gs, "right", 300.0, 700.0);
        put(&mut buf, &mut gs, "left", 72.0, 700.0);
        put(&mut buf, &mut gs, "exam-", 102.0, 700.0);
        put(&mut buf, &mut gs, "top", 336.0, 700.0);
        put(&mut buf, &mut gs, "ple", 72.0, 686.0);
        put(&mut buf, &mut gs, "more", 300.0, 686.0);
        put(&mut buf, &mut gs, "Self-", 72.0, 672.0);
        put(&mut buf, &mut gs, "Made", 72.0, 658.0);
        let (text, words) = layout_page(&buf, &gs);
        assert_eq!(text, "left example\nSelf-\nMade\nright top\nmore");
        let chars: Vec<char> = text.chars().collect();
        let parts: Vec<String> = words.iter().map(|w| chars[w.start..w.end].iter().collect()).collect();
        assert_eq!(parts, ["left", "exam", "ple", "Self-", "Made", "right", "top", "more"]);
    }

    #[test]
    fn rotated_and_duplicated_glyphs() {
        let glyph = |s: &str, ox: f64, oy: f64, ax: f64, ay: f64, ux: f64, uy: f64, buf: &mut String| {
            let start = buf.len() as u32;
            buf.push_str(s);
            Glyph { start, end: buf.len() as u32, ox, oy, ax, ay, ux, uy, space: false }
        };
        let mut buf = String::new();
        // "ab" written upwards (90°), then "ab" drawn twice horizontally (fake bold).
        let gs = vec![
            glyph("a", 100.0, 100.0, 0.0, 6.0, -12.0, 0.0, &mut buf),
            glyph("b", 100.0, 106.0, 0.0, 6.0, -12.0, 0.0, &mut buf),
            glyph("c", 10.0, 500.0, 6.0, 0.0, 0.0, 12.0, &mut buf),
            glyph("c", 10.3, 500.0, 6.0, 0.0, 0.0, 12.0, &mut buf),
            glyph("d", 16.0, 500.0, 6.0, 0.0, 0.0, 12.0, &mut buf),
        ];
        let (text, words) = layout_page(&buf, &gs);
        assert_eq!(text, "cd\nab");
        assert_eq!(words.len(), 2);
    }
}
