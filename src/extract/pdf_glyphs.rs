//! The glyphs a PDF draws, read page by page through hayro's interpreter — the one the viewer and
//! the production renderer draw pages with, so extracted word boxes and rendered ink come from
//! the same reading of the content streams.
//!
//! Why hayro first (measured in BENCHMARKS.md, "PDF text extraction"): it parses objects lazily
//! from the file's bytes (a page's objects are read when the page is, so memory follows the page,
//! not the file), caches each font once for the whole document (pdf-extract decodes every font,
//! ToUnicode CMap and width table again on every page, which was most of its time on long
//! books), and it is what turns pages into pixels, so a box placed from these glyphs lands on the
//! glyph's ink. `pdf.rs` keeps pdf-extract as the second reader for files hayro cannot open.
//!
//! This module only reports glyphs to a [`GlyphSink`]; `pdf.rs` builds lines and words from them.

use hayro::hayro_interpret::font::{Glyph, GlyphRun};
use hayro::hayro_interpret::kurbo::{Affine, BezPath, Point, Rect};
use hayro::hayro_interpret::{
    interpret_page, BlendMode, ClipPath, Context, Device, DrawMode, DrawProps, Image, ImageDrawProps, InterpreterCache,
    InterpreterSettings, RenderContent, SoftMask,
};
use hayro::hayro_syntax::page::Rotation;
use hayro::hayro_syntax::{LoadPdfError, Pdf};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// One glyph in PDF user space (origin bottom-left, y up, before `/Rotate`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct DrawnGlyph {
    /// Origin on the baseline.
    pub origin: (f64, f64),
    /// Advance vector: the glyph's width along its baseline.
    pub advance: (f64, f64),
    /// One em perpendicular to the baseline ("up").
    pub up: (f64, f64),
}

/// Receives a document's pages and their glyphs, in drawing order.
pub(crate) trait GlyphSink {
    /// A page begins: its 1-based number, MediaBox `[x0, y0, x1, y1]` and `/Rotate` in degrees.
    fn begin_page(&mut self, num: u32, media: [f64; 4], rotate: i64);
    /// A glyph and its text (empty when the font does not say which character it is).
    fn glyph(&mut self, g: DrawnGlyph, text: &str);
    /// The page ended. False stops the document (enough text has been collected).
    fn end_page(&mut self) -> bool;
    /// The interpreter failed on the page that began last; what it drew so far was reported.
    fn page_failed(&mut self);
}

/// Opens a PDF (the empty user password is tried, as readers do).
pub(crate) fn open(bytes: &[u8]) -> Result<Pdf, LoadPdfError> {
    Pdf::new(bytes.to_vec())
}

/// Reports every page of `pdf` to `sink`. A page on which the interpreter panics is reported as
/// failed and the next page is read.
pub(crate) fn read(pdf: &Pdf, sink: &mut dyn GlyphSink) {
    let cache = InterpreterCache::new();
    let settings = InterpreterSettings { render_content: RenderContent::PAGE, ..InterpreterSettings::default() };
    for (i, page) in pdf.pages().iter().enumerate() {
        let m = page.media_box();
        let rotate = match page.rotation() {
            Rotation::None => 0,
            Rotation::Horizontal => 90,
            Rotation::Flipped => 180,
            Rotation::FlippedHorizontal => 270,
        };
        sink.begin_page(i as u32 + 1, [m.x0, m.y0, m.x1, m.y1], rotate);
        let ok = catch_unwind(AssertUnwindSafe(|| {
            // Identity: the device sees user space, where the layout's word boxes live.
            let bbox = Rect::new(m.x0, m.y0, m.x1, m.y1);
            let mut ctx = Context::new(Affine::IDENTITY, bbox, &cache, pdf.xref(), settings.clone());
            let mut dev = TextDevice { sink: &mut *sink, text: String::new() };
            interpret_page(page, &mut ctx, &mut dev);
        }))
        .is_ok();
        if !ok {
            sink.page_failed();
        }
        if !sink.end_page() {
            break;
        }
    }
}

/// The document's Info strings (raw PDF text strings: PDFDocEncoding, UTF-16BE or UTF-8) and
/// dates (as `D:` strings for `pdf::parse_pdf_date`).
#[derive(Debug, Default)]
pub(crate) struct InfoStrings {
    pub title: Option<Vec<u8>>,
    pub author: Option<Vec<u8>>,
    pub subject: Option<Vec<u8>>,
    pub keywords: Option<Vec<u8>>,
    pub creator: Option<Vec<u8>>,
    pub producer: Option<Vec<u8>>,
    pub created: Option<String>,
    pub modified: Option<String>,
}

pub(crate) fn info(pdf: &Pdf) -> InfoStrings {
    let m = pdf.metadata();
    let date = |d: &Option<hayro::hayro_syntax::object::DateTime>| {
        d.as_ref().map(|d| {
            let sign = if d.utc_offset_hour < 0 { '-' } else { '+' };
            format!(
                "D:{:04}{:02}{:02}{:02}{:02}{:02}{sign}{:02}'{:02}'",
                d.year,
                d.month,
                d.day,
                d.hour,
                d.minute,
                d.second,
                d.utc_offset_hour.unsigned_abs(),
                d.utc_offset_minute
            )
        })
    };
    let s = |v: &Option<Box<[u8]>>| v.as_ref().map(|b| b.to_vec());
    InfoStrings {
        title: s(&m.title),
        author: s(&m.author),
        subject: s(&m.subject),
        keywords: s(&m.keywords),
        creator: s(&m.creator),
        producer: s(&m.producer),
        created: date(&m.creation_date),
        modified: date(&m.modification_date),
    }
}

/// A hayro device that draws nothing and reports glyphs.
struct TextDevice<'s> {
    sink: &'s mut dyn GlyphSink,
    /// Scratch for one glyph's text.
    text: String,
}

impl<'a> Device<'a> for TextDevice<'_> {
    fn draw_path(&mut self, _: &BezPath, _: DrawProps<'a>, _: &DrawMode) {}
    fn push_clip_path(&mut self, _: &ClipPath) {}
    fn push_transparency_group(&mut self, _: f32, _: Option<SoftMask<'a>>, _: BlendMode) {}
    fn draw_image(&mut self, _: Image<'a, '_>, _: ImageDrawProps<'a>) {}
    fn pop_clip(&mut self) {}
    fn pop_transparency_group(&mut self) {}

    /// Every mode is text to read, invisible text (an OCR layer) included. Fill-and-stroke text
    /// comes twice, once per mode; the layout drops a glyph drawn twice at the same spot.
    fn draw_glyph_run(&mut self, run: &GlyphRun<'_, 'a>, props: DrawProps<'a>, _: &DrawMode) {
        for pg in run.glyphs() {
            // Glyph space is 1000 units per em (hayro scales every font to it).
            let t = props.transform * pg.transform();
            let o = t * Point::ORIGIN;
            let width = match &**pg {
                Glyph::Outline(g) => g.advance_width(),
                Glyph::Type3(g) => g.advance_width(),
            }
            .map(f64::from)
            .filter(|w| w.is_finite())
            .unwrap_or(0.0);
            let a = t * Point::new(width, 0.0);
            let u = t * Point::new(0.0, 1000.0);
            let g = DrawnGlyph { origin: (o.x, o.y), advance: (a.x - o.x, a.y - o.y), up: (u.x - o.x, u.y - o.y) };
            self.text.clear();
            match pg.as_unicode() {
                Some(hayro::hayro_interpret::hayro_cmap::BfString::Char(c)) => self.text.push(c),
                Some(hayro::hayro_interpret::hayro_cmap::BfString::String(s)) => self.text.push_str(&s),
                None => {
                    // No ToUnicode and no glyph name: a one-byte code in the printable ASCII
                    // range is taken at its face value (what simple fonts nearly always mean).
                    let code = pg.char_code();
                    if (0x21..0x7f).contains(&code) {
                        self.text.push(code as u8 as char);
                    }
                }
            }
            self.sink.glyph(g, &self.text);
        }
    }
}
