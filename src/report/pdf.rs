//! The exposure report as a PDF counsel can send: US letter pages, text set by the production's
//! page renderer ([`Fonts::set_lines`]: the same line breaking, right-to-left ordering, kerning
//! and font fallback that draw production pages) and drawn as real text in the embedded DejaVu
//! faces (Type0 fonts, Identity-H, with a ToUnicode map, so it is sharp, searchable and
//! `pdftotext` reads it), charts drawn as vector paths from the same shapes the HTML's SVG
//! shows, and a footer on every page with the page number and "not legal advice".
//!
//! Each face is embedded as a subset of the glyphs the report draws ([`subsetter`], glyphs
//! renumbered in the order first drawn): tens of kilobytes where the whole faces took 0.73 MB
//! deflated, and the CJK fallback (DroidSansFallbackFull, 2.1 MB deflated) only for the
//! characters used. A face from a collection (`.ttc`: Noto Sans CJK, WenQuanYi, which the
//! fallback chain tries before Droid) is cut out of it; TrueType outlines go in as CIDFontType2
//! (`FontFile2`), PostScript (CFF) outlines, Noto CJK's, as CIDFontType0 in an OpenType
//! `FontFile3`. Only a face the subsetter cannot take (variable CFF2 outlines) is left out, and
//! its glyphs are drawn as .notdef.

use super::chart::{Anchor, Chart, Color, Shape};
use super::layout::{blocks, section_blocks, Block, Side, FOOTER};
use crate::assess::exposure::ExposureReport;
use crate::error::{Error, Result};
use crate::produce::typeset::{Fonts, SetLine, TextWeight};
use pdf_writer::types::{CidFontType, FontFlags, SystemInfo};
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use std::collections::BTreeMap;
use std::io::Write as _;
use subsetter::GlyphRemapper;

const PAGE_W: f32 = 612.0;
const PAGE_H: f32 = 792.0;
const MARGIN: f32 = 54.0;
const FOOTER_H: f32 = 36.0;
const BODY_W: f32 = PAGE_W - 2.0 * MARGIN;
const BODY_BOTTOM: f32 = PAGE_H - MARGIN - FOOTER_H;

const BODY_PT: f32 = 9.5;
const NOTE_PT: f32 = 7.5;
const TABLE_PT: f32 = 8.0;
const CELL_PAD: f32 = 4.0;

/// The report as PDF bytes.
pub fn render(report: &ExposureReport) -> Result<Vec<u8>> {
    let fonts = Fonts::load().map_err(|e| Error::Missing(format!("the report's PDF needs its fonts: {e}")))?;
    let mut w = Writer::new(&fonts);
    for b in blocks(report) {
        w.block(&b);
    }
    w.finish(&format!("Exposure assessment — {}", report.matter))
}

/// Lays blocks down pages, top to bottom (y grows downwards from the page's top edge).
struct Writer<'f> {
    fonts: &'f Fonts,
    pages: Vec<Content>,
    /// The page drawn on: the last, except while footers are added.
    current: usize,
    y: f32,
    /// Per face, the glyphs drawn: their number in the subset, then their number in the face and
    /// the character each shows.
    used: BTreeMap<u16, BTreeMap<u16, (u16, char)>>,
    /// Per face, the renumbering of its glyphs in the embedded subset.
    subsets: BTreeMap<u16, GlyphRemapper>,
    /// Per face, its outlines, which decide how it is embedded; `None` for a face that cannot be
    /// (variable CFF2): its glyphs are drawn as .notdef of face 0.
    outlines: Vec<Option<Outlines>>,
}

/// A glyph placed on a line: its number in the embedded subset, its number in the face, and
/// its x from the line's origin.
type Placed = (u16, u16, f32);

fn rgb(c: Color) -> (f32, f32, f32) {
    (c.0 as f32 / 255.0, c.1 as f32 / 255.0, c.2 as f32 / 255.0)
}

impl<'f> Writer<'f> {
    fn new(fonts: &'f Fonts) -> Writer<'f> {
        let outlines = (0..u16::MAX).map_while(|f| Some(outlines(fonts.face_data(f)?, fonts.face_index(f)))).collect();
        Writer { fonts, pages: vec![Content::new()], current: 0, y: MARGIN, used: BTreeMap::new(), subsets: BTreeMap::new(), outlines }
    }

    fn page(&mut self) -> &mut Content {
        &mut self.pages[self.current]
    }

    fn new_page(&mut self) {
        self.pages.push(Content::new());
        self.current = self.pages.len() - 1;
        self.y = MARGIN;
    }

    fn at_top(&self) -> bool {
        self.y <= MARGIN + 0.5
    }

    /// Starts a new page unless `h` points fit below the cursor.
    fn need(&mut self, h: f32) {
        if self.y + h > BODY_BOTTOM && !self.at_top() {
            self.new_page();
        }
    }

    fn lines(&self, text: &str, weight: TextWeight, size: f32, width: f32) -> Vec<SetLine> {
        self.fonts.set_lines(text, weight, size, width).0
    }

    /// Draws one set line with its origin at `x` and its baseline at `baseline` (from the top).
    fn draw_line(&mut self, line: &SetLine, x: f32, baseline: f32, size: f32, color: Color) {
        if line.glyphs.is_empty() {
            return;
        }
        let (r, g, b) = rgb(color);
        let mut runs: Vec<(u16, Vec<Placed>)> = Vec::new();
        for gl in &line.glyphs {
            let embeddable = self.outlines.get(gl.face as usize).is_some_and(Option::is_some);
            let (face, glyph) = if embeddable { (gl.face, gl.glyph) } else { (0, 0) };
            let cid = self.subsets.entry(face).or_default().remap(glyph);
            self.used.entry(face).or_default().entry(cid).or_insert((glyph, gl.ch));
            match runs.last_mut() {
                Some((f, gs)) if *f == face => gs.push((cid, glyph, gl.x)),
                _ => runs.push((face, vec![(cid, glyph, gl.x)])),
            }
        }
        let fonts = self.fonts;
        let c = self.page();
        c.begin_text();
        c.set_fill_rgb(r, g, b);
        for (face, glyphs) in runs {
            let name = format!("F{face}");
            c.set_font(Name(name.as_bytes()), size);
            let x0 = glyphs[0].2;
            c.set_text_matrix([1.0, 0.0, 0.0, 1.0, x + x0, PAGE_H - baseline]);
            let mut pen = x0;
            let mut tj = c.show_positioned();
            let mut items = tj.items();
            for (cid, glyph, gx) in glyphs {
                let delta = gx - pen;
                if delta.abs() > 0.001 {
                    items.adjust(-delta * 1000.0 / size);
                }
                items.show(Str(&cid.to_be_bytes()));
                pen = gx + fonts.advance(face, glyph) * size;
            }
        }
        c.end_text();
    }

    /// Draws `text` wrapped to `width` at (`x`, cursor), moving the cursor down.
    #[allow(clippy::too_many_arguments)]
    fn text(&mut self, text: &str, weight: TextWeight, size: f32, x: f32, width: f32, leading: f32, color: Color) {
        for line in self.lines(text, weight, size, width) {
            self.need(size * leading);
            let baseline = self.y + size * 0.95;
            self.draw_line(&line, x, baseline, size, color);
            self.y += size * leading;
        }
    }

    fn fill_rect(&mut self, x: f32, y: f32, w: f32, h: f32, color: Color) {
        let (r, g, b) = rgb(color);
        let c = self.page();
        c.set_fill_rgb(r, g, b);
        c.rect(x, PAGE_H - y - h, w, h);
        c.fill_nonzero();
    }

    fn hline(&mut self, x0: f32, x1: f32, y: f32, width: f32, color: Color) {
        let (r, g, b) = rgb(color);
        let c = self.page();
        c.set_stroke_rgb(r, g, b);
        c.set_line_width(width);
        c.move_to(x0, PAGE_H - y);
        c.line_to(x1, PAGE_H - y);
        c.stroke();
    }

    fn block(&mut self, b: &Block) {
        match b {
            Block::Title { text, subtitle } => {
                self.y += 40.0;
                self.fill_rect(MARGIN, self.y - 14.0, 60.0, 5.0, Color::BLUE);
                self.text(text, TextWeight::Bold, 26.0, MARGIN, BODY_W, 1.25, Color::INK);
                self.y += 4.0;
                self.text(subtitle, TextWeight::Regular, 10.0, MARGIN, BODY_W, 1.4, Color::MUTED);
                self.y += 14.0;
            }
            Block::Heading { text, level } => {
                if *level <= 1 {
                    if !self.at_top() {
                        self.new_page();
                    }
                    self.text(text, TextWeight::Bold, 16.0, MARGIN, BODY_W, 1.3, Color::INK);
                    let y = self.y + 2.0;
                    self.hline(MARGIN, MARGIN + BODY_W, y, 1.2, Color::INK);
                    self.y += 12.0;
                } else {
                    self.need(90.0);
                    if !self.at_top() {
                        self.y += 8.0;
                    }
                    self.text(text, TextWeight::Bold, 11.5, MARGIN, BODY_W, 1.35, Color::INK);
                    self.y += 3.0;
                }
            }
            Block::Paragraph(t) => {
                self.text(t, TextWeight::Regular, BODY_PT, MARGIN, BODY_W, 1.45, Color::INK);
                self.y += 6.0;
            }
            Block::Note(t) => {
                self.text(t, TextWeight::Regular, NOTE_PT, MARGIN, BODY_W, 1.4, Color::MUTED);
                self.y += 6.0;
            }
            Block::List(items) => {
                for i in items {
                    self.need(BODY_PT * 1.45);
                    let line = self.lines("•", TextWeight::Regular, BODY_PT, 20.0);
                    let baseline = self.y + BODY_PT * 0.95;
                    if let Some(l) = line.first() {
                        self.draw_line(l, MARGIN + 2.0, baseline, BODY_PT, Color::MUTED);
                    }
                    self.text(i, TextWeight::Regular, BODY_PT, MARGIN + 14.0, BODY_W - 14.0, 1.45, Color::INK);
                    self.y += 3.0;
                }
                self.y += 4.0;
            }
            Block::Sides(a, b) => self.sides(a, b),
            Block::Table { columns, numeric, rows } => self.table(columns, numeric, rows),
            Block::Chart(c) => self.chart(c),
            Block::Section(s) => {
                for b in section_blocks(s) {
                    self.block(&b);
                }
            }
        }
    }

    /// The decision's two sides as two boxed columns of label–value lines.
    fn sides(&mut self, a: &Side, b: &Side) {
        let gap = 16.0;
        let col_w = (BODY_W - gap) / 2.0;
        let size = 9.0;
        let lh = size * 1.6;
        let rows = a.lines.len().max(b.lines.len()) as f32;
        let height = 30.0 + rows * lh + 8.0;
        self.need(height + 10.0);
        let top = self.y + 6.0;
        for (i, (side, color)) in [(a, Color::BLUE), (b, Color(0xb3, 0x26, 0x1e))].into_iter().enumerate() {
            let x = MARGIN + i as f32 * (col_w + gap);
            self.fill_rect(x, top, col_w, height, Color(0xf5, 0xf7, 0xfa));
            self.fill_rect(x, top, col_w, 3.5, color);
            let title = self.lines(&side.title, TextWeight::Bold, 10.5, col_w - 20.0);
            if let Some(l) = title.first() {
                self.draw_line(l, x + 10.0, top + 20.0, 10.5, Color::INK);
            }
            for (k, (label, value)) in side.lines.iter().enumerate() {
                let baseline = top + 30.0 + k as f32 * lh + size;
                let value_line = self.lines(value, TextWeight::Bold, size, col_w - 20.0);
                let vw = value_line.first().map_or(0.0, |l| l.width);
                if let Some(l) = self.lines(label, TextWeight::Regular, size, (col_w - 26.0 - vw).max(40.0)).first() {
                    self.draw_line(l, x + 10.0, baseline, size, Color::MUTED);
                }
                if let Some(l) = value_line.first() {
                    self.draw_line(l, x + col_w - 10.0 - l.width, baseline, size, Color::INK);
                }
                if k + 1 < side.lines.len() {
                    self.hline(x + 10.0, x + col_w - 10.0, baseline + lh * 0.38, 0.4, Color::GRID);
                }
            }
        }
        self.y = top + height + 12.0;
    }

    /// Column widths: numeric columns as wide as their widest figure (headers wrap), text columns
    /// sharing the rest in proportion to their content; the table spans the body.
    fn widths(&self, columns: &[String], numeric: &[bool], rows: &[Vec<String>]) -> Vec<f32> {
        let one = |t: &str, w: TextWeight| self.lines(t, w, TABLE_PT, f32::MAX / 4.0).iter().map(|l| l.width).fold(0.0, f32::max);
        let words = |t: &str| t.split_whitespace().map(|w| one(w, TextWeight::Bold)).fold(0.0, f32::max);
        let n = columns.len();
        let natural: Vec<f32> = columns
            .iter()
            .enumerate()
            .map(|(i, column)| {
                // Measured bold: a total row is set bold.
                let cells = rows.iter().filter_map(|r| r.get(i)).map(|c| one(c, TextWeight::Bold)).fold(0.0, f32::max);
                let head =
                    if numeric[i] { words(column).max(one(column, TextWeight::Bold).min(70.0)) } else { one(column, TextWeight::Bold) };
                cells.max(head) + 2.0 * CELL_PAD + 1.0
            })
            .collect();
        let fixed: f32 = (0..n).filter(|&i| numeric[i]).map(|i| natural[i]).sum();
        let text: Vec<usize> = (0..n).filter(|&i| !numeric[i]).collect();
        let text_natural: f32 = text.iter().map(|&i| natural[i]).sum();
        let room = BODY_W - fixed;
        let mut widths = natural.clone();
        if text.is_empty() || room < 40.0 * text.len() as f32 {
            let total: f32 = natural.iter().sum();
            return natural.iter().map(|w| w * BODY_W / total).collect();
        }
        if text_natural <= room {
            // Spare room goes to the first text column (the label), so the table spans the body.
            widths[text[0]] += room - text_natural;
        } else {
            // Share the room, each text column at least 40 pt.
            let mut left = room;
            let mut pending: Vec<usize> = text.clone();
            loop {
                let sum: f32 = pending.iter().map(|&i| natural[i]).sum();
                let small: Vec<usize> = pending.iter().copied().filter(|&i| natural[i] * left / sum < 40.0).collect();
                if small.is_empty() {
                    for &i in &pending {
                        widths[i] = natural[i] * left / sum;
                    }
                    break;
                }
                for i in small {
                    widths[i] = 40.0;
                    left -= 40.0;
                    pending.retain(|&p| p != i);
                }
                if pending.is_empty() {
                    break;
                }
            }
        }
        widths
    }

    fn table(&mut self, columns: &[String], numeric: &[bool], rows: &[Vec<String>]) {
        let widths = self.widths(columns, numeric, rows);
        let lh = TABLE_PT * 1.35;
        let set = |w: &Writer, cells: &[String], weight: TextWeight| -> Vec<Vec<SetLine>> {
            cells.iter().enumerate().map(|(i, c)| w.lines(c, weight, TABLE_PT, widths[i] - 2.0 * CELL_PAD)).collect()
        };
        let head = set(self, columns, TextWeight::Bold);
        let head_h = head.iter().map(|l| l.len()).max().unwrap_or(1) as f32 * lh + 2.0 * CELL_PAD;
        let draw_head = |w: &mut Writer| {
            let y = w.y;
            w.fill_rect(MARGIN, y, BODY_W, head_h, Color(0xee, 0xf2, 0xf7));
            w.cells(&head, &widths, numeric, y, lh);
            w.hline(MARGIN, MARGIN + BODY_W, y + head_h, 0.8, Color(0x9a, 0xa6, 0xb5));
            w.y = y + head_h;
        };
        self.need(head_h + lh + 2.0 * CELL_PAD);
        draw_head(self);
        for (k, row) in rows.iter().enumerate() {
            let total = row.first().is_some_and(|c| c == "Overall");
            let weight = if total { TextWeight::Bold } else { TextWeight::Regular };
            let cells = set(self, row, weight);
            let h = cells.iter().map(|l| l.len()).max().unwrap_or(1) as f32 * lh + 2.0 * CELL_PAD;
            if self.y + h > BODY_BOTTOM {
                self.new_page();
                draw_head(self);
            }
            let y = self.y;
            let last = k + 1 == rows.len();
            self.cells(&cells, &widths, numeric, y, lh);
            self.hline(
                MARGIN,
                MARGIN + BODY_W,
                y + h,
                if last { 0.8 } else { 0.4 },
                if last { Color(0x9a, 0xa6, 0xb5) } else { Color::GRID },
            );
            self.y = y + h;
        }
        self.y += 10.0;
    }

    fn cells(&mut self, cells: &[Vec<SetLine>], widths: &[f32], numeric: &[bool], y: f32, lh: f32) {
        let mut x = MARGIN;
        for (i, lines) in cells.iter().enumerate() {
            let w = widths.get(i).copied().unwrap_or(0.0);
            for (k, l) in lines.iter().enumerate() {
                let lx = if numeric.get(i).copied().unwrap_or(false) { x + w - CELL_PAD - l.width } else { x + CELL_PAD };
                self.draw_line(l, lx, y + CELL_PAD + k as f32 * lh + TABLE_PT * 0.95, TABLE_PT, Color::INK);
            }
            x += w;
        }
    }

    /// A chart, its title above it, drawn as vector shapes.
    fn chart(&mut self, chart: &Chart) {
        self.need(chart.height + 24.0);
        self.y += 4.0;
        self.text(&chart.title, TextWeight::Bold, 9.5, MARGIN, BODY_W, 1.4, Color::INK);
        let ox = MARGIN + (BODY_W - chart.width).max(0.0) / 2.0;
        let oy = self.y + 2.0;
        for s in &chart.shapes {
            match s {
                Shape::Rect { x, y, w, h, fill } => self.fill_rect(ox + x, oy + y, *w, *h, *fill),
                Shape::Line { x1, y1, x2, y2, stroke, width } => {
                    let (r, g, b) = rgb(*stroke);
                    let c = self.page();
                    c.set_stroke_rgb(r, g, b);
                    c.set_line_width(*width);
                    c.move_to(ox + x1, PAGE_H - oy - y1);
                    c.line_to(ox + x2, PAGE_H - oy - y2);
                    c.stroke();
                }
                Shape::Text { x, y, size, anchor, bold, fill, text } => {
                    let weight = if *bold { TextWeight::Bold } else { TextWeight::Regular };
                    if let Some(l) = self.lines(text, weight, *size, f32::MAX / 4.0).first() {
                        let dx = match anchor {
                            Anchor::Start => 0.0,
                            Anchor::Middle => l.width / 2.0,
                            Anchor::End => l.width,
                        };
                        self.draw_line(l, ox + x - dx, oy + y, *size, *fill);
                    }
                }
            }
        }
        self.y = oy + chart.height + 10.0;
    }

    /// Footers, fonts and the file.
    fn finish(mut self, title: &str) -> Result<Vec<u8>> {
        let n = self.pages.len();
        for i in 0..n {
            let left = self.lines(FOOTER, TextWeight::Regular, NOTE_PT, BODY_W);
            let right = self.lines(&format!("Page {} of {n}", i + 1), TextWeight::Regular, NOTE_PT, BODY_W);
            let baseline = BODY_BOTTOM + FOOTER_H - 10.0;
            self.current = i;
            self.hline(MARGIN, MARGIN + BODY_W, BODY_BOTTOM + 12.0, 0.5, Color::GRID);
            if let Some(l) = left.first() {
                self.draw_line(l, MARGIN, baseline, NOTE_PT, Color::MUTED);
            }
            if let Some(l) = right.first() {
                self.draw_line(l, MARGIN + BODY_W - l.width, baseline, NOTE_PT, Color::MUTED);
            }
        }

        let mut pdf = Pdf::new();
        let mut next = 1;
        let mut alloc = || {
            let r = Ref::new(next);
            next += 1;
            r
        };
        let catalog = alloc();
        let tree = alloc();
        let info = alloc();
        let page_ids: Vec<(Ref, Ref)> = (0..n).map(|_| (alloc(), alloc())).collect();
        let font_ids: Vec<(u16, [Ref; 5])> = self.used.keys().map(|&f| (f, [alloc(), alloc(), alloc(), alloc(), alloc()])).collect();

        pdf.catalog(catalog).pages(tree);
        pdf.pages(tree).kids(page_ids.iter().map(|p| p.0)).count(n as i32);
        pdf.document_info(info).title(TextStr(title)).producer(TextStr("Exhibit")).creator(TextStr("Exhibit exposure report"));
        for (content, &(page_id, content_id)) in self.pages.into_iter().zip(&page_ids) {
            let mut page = pdf.page(page_id);
            page.media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H));
            page.parent(tree);
            page.contents(content_id);
            {
                let mut res = page.resources();
                let mut fonts = res.fonts();
                for (face, ids) in &font_ids {
                    fonts.pair(Name(format!("F{face}").as_bytes()), ids[0]);
                }
            }
            page.finish();
            let data = deflate(&content.finish())?;
            pdf.stream(content_id, &data).filter(Filter::FlateDecode);
        }
        for (face, [type0, cid, descriptor, file, cmap]) in font_ids {
            let glyphs = &self.used[&face];
            let data = self.fonts.face_data(face).ok_or_else(|| Error::Internal(format!("font face {face} is missing")))?;
            let metrics = self.fonts.face_metrics(face).ok_or_else(|| Error::Internal(format!("font face {face} is missing")))?;
            // A subset's name starts with a six-letter tag (PDF 32000-1, 9.6.4).
            let tag: String = (0..6).map(|i| char::from(b'A' + ((face as u32 / 26u32.pow(i)) % 26) as u8)).collect();
            let base = format!("{tag}+ExhibitFace{face}");
            let system = SystemInfo { registry: Str(b"Adobe"), ordering: Str(b"Identity"), supplement: 0 };
            pdf.type0_font(type0)
                .base_font(Name(base.as_bytes()))
                .encoding_predefined(Name(b"Identity-H"))
                .descendant_font(cid)
                .to_unicode(cmap);
            let kind = self
                .outlines
                .get(face as usize)
                .copied()
                .flatten()
                .ok_or_else(|| Error::Internal(format!("font face {face} has no outlines a PDF can embed")))?;
            let mut c = pdf.cid_font(cid);
            c.base_font(Name(base.as_bytes()));
            c.system_info(system);
            c.font_descriptor(descriptor);
            match kind {
                Outlines::TrueType => {
                    c.subtype(CidFontType::Type2);
                    c.cid_to_gid_map_predefined(Name(b"Identity"));
                }
                // The subset is CID-keyed with CID = glyph number, whatever the face was.
                Outlines::Cff => {
                    c.subtype(CidFontType::Type0);
                }
            }
            c.default_width(1000.0 * self.fonts.advance(face, 0));
            {
                let mut w = c.widths();
                for (&cid, &(g, _)) in glyphs {
                    w.consecutive(cid, [1000.0 * self.fonts.advance(face, g)]);
                }
            }
            c.finish();
            let (asc, desc) = (metrics.ascent * 1000.0, -metrics.descent * 1000.0);
            let mut d = pdf.font_descriptor(descriptor);
            d.name(Name(base.as_bytes()))
                .flags(FontFlags::NON_SYMBOLIC)
                .bbox(Rect::new(-1000.0, desc, 2000.0, asc))
                .italic_angle(0.0)
                .ascent(asc)
                .descent(desc)
                .cap_height(asc * 0.75)
                .stem_v(80.0);
            match kind {
                Outlines::TrueType => d.font_file2(file),
                Outlines::Cff => d.font_file3(file),
            };
            d.finish();
            let subset = subsetter::subset(data, self.fonts.face_index(face), &self.subsets[&face])
                .map_err(|e| Error::Internal(format!("the report's font {face} could not be subset: {e}")))?;
            let packed = deflate(&subset)?;
            let mut stream = pdf.stream(file, &packed);
            stream.filter(Filter::FlateDecode);
            match kind {
                Outlines::TrueType => stream.pair(Name(b"Length1"), subset.len() as i32),
                Outlines::Cff => stream.pair(Name(b"Subtype"), Name(b"OpenType")),
            };
            stream.finish();
            let mut map = pdf_writer::types::UnicodeCmap::new(Name(b"Exhibit-UTF16"), system);
            for (&cid, &(g, ch)) in glyphs {
                if g != 0 {
                    map.pair(cid, ch);
                }
            }
            pdf.cmap(cmap, &map.finish());
        }
        Ok(pdf.finish())
    }
}

/// The outlines of a face, which decide how a PDF embeds it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outlines {
    /// `glyf`: a CIDFontType2 with the subset as `FontFile2`.
    TrueType,
    /// `CFF `: a CIDFontType0 with the subset, still an OpenType file, as `FontFile3`.
    Cff,
}

/// The outlines of face `index` of `data` (a font file or a collection), read from its table
/// directory; `None` for what the subsetter cannot take (variable `CFF2` outlines) or a
/// directory that does not parse.
fn outlines(data: &[u8], index: u32) -> Option<Outlines> {
    let u32_at = |at: usize| data.get(at..at + 4).map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]));
    let start = if data.starts_with(b"ttcf") {
        if index >= u32_at(8)? {
            return None;
        }
        u32_at(12 + 4 * index as usize)? as usize
    } else {
        0
    };
    let tables = u16::from_be_bytes(data.get(start + 4..start + 6)?.try_into().ok()?) as usize;
    let tags: Vec<&[u8]> = (0..tables).map(|t| data.get(start + 12 + 16 * t..start + 16 + 16 * t)).collect::<Option<_>>()?;
    if tags.contains(&&b"glyf"[..]) {
        Some(Outlines::TrueType)
    } else if tags.contains(&&b"CFF "[..]) {
        Some(Outlines::Cff)
    } else {
        None
    }
}

fn deflate(data: &[u8]) -> Result<Vec<u8>> {
    let mut z = flate2::write::ZlibEncoder::new(Vec::with_capacity(data.len() / 2), flate2::Compression::default());
    z.write_all(data)?;
    Ok(z.finish()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    const DEJAVU: &str = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
    const DEJAVU_BOLD: &str = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf";

    fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fonts").join(name)).expect("fixture")
    }

    #[test]
    fn outlines_are_read_from_a_file_and_from_each_face_of_a_collection() {
        let ttc = fixture("cjk-cff.ttc");
        assert_eq!(outlines(&ttc, 0), Some(Outlines::Cff));
        assert_eq!(outlines(&ttc, 1), Some(Outlines::Cff));
        assert_eq!(outlines(&ttc, 2), Some(Outlines::Cff));
        assert_eq!(outlines(&ttc, 3), None, "no fourth face");
        assert_eq!(outlines(&ttc[..40], 1), None, "a cut directory does not parse");
        if let Ok(dejavu) = std::fs::read(DEJAVU) {
            assert_eq!(outlines(&dejavu, 0), Some(Outlines::TrueType));
        }
    }

    /// Noto Sans CJK, the first fallback the chain tries, is a collection of CID-keyed CFF faces:
    /// the report must embed the face it drew with (here the fixture's second, name-keyed, and
    /// third, CID-keyed), so that a reader both shows the glyphs and extracts the text.
    #[test]
    fn a_cff_face_from_a_collection_is_embedded_and_its_text_reads_back() {
        let (Ok(regular), Ok(bold)) = (std::fs::read(DEJAVU), std::fs::read(DEJAVU_BOLD)) else {
            eprintln!("skipped: DejaVu Sans is not installed (make deps installs fonts-dejavu-core)");
            return;
        };
        for face in [1, 2] {
            embeds_face(&regular, &bold, face);
        }
    }

    fn embeds_face(regular: &[u8], bold: &[u8], face: u32) {
        let fonts = Fonts::from_bytes(regular.to_vec(), bold.to_vec(), vec![(fixture("cjk-cff.ttc"), face)]).unwrap();
        let page = |embed_cff: bool| {
            let mut w = Writer::new(&fonts);
            assert_eq!(w.outlines.iter().map(Option::is_some).collect::<Vec<_>>(), vec![true, true, true]);
            if !embed_cff {
                w.outlines[2] = None;
            }
            w.block(&Block::Heading { text: "Evidence 证据".into(), level: 1 });
            w.block(&Block::Paragraph("Delay 延误 and price 价格".into()));
            w.finish("fonts").unwrap()
        };
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fonts.pdf");
        std::fs::write(&path, page(true)).unwrap();
        let notdef = dir.path().join("notdef.pdf");
        std::fs::write(&notdef, page(false)).unwrap();
        let Ok(fonts_out) = Command::new("pdffonts").arg(&path).output() else {
            eprintln!("skipped: poppler-utils is not installed (make deps installs it)");
            return;
        };
        let listing = String::from_utf8_lossy(&fonts_out.stdout);
        let cff: Vec<&str> = listing.lines().filter(|l| l.contains("CID Type 0C")).collect();
        assert_eq!(cff.len(), 1, "face {face}: one CFF face, embedded:\n{listing}");
        assert!(cff[0].contains("yes yes yes"), "embedded, subset, with a ToUnicode map:\n{listing}");
        assert_eq!(listing.lines().filter(|l| l.contains("CID TrueType")).count(), 2, "DejaVu regular and bold:\n{listing}");
        let text = Command::new("pdftotext").arg(&path).arg("-").output().unwrap();
        let text = String::from_utf8_lossy(&text.stdout);
        assert!(text.contains("Evidence 证据") && text.contains("Delay 延误 and price 价格"), "{text}");
        // Drawn, not merely extractable: poppler renders the page without complaint, and not
        // as it renders the same page with the CJK drawn as .notdef boxes.
        let render = |pdf: &std::path::Path| {
            let out = Command::new("pdftoppm").args(["-r", "72", "-gray", "-singlefile"]).arg(pdf).output().unwrap();
            assert!(out.status.success() && out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
            out.stdout
        };
        let (drawn, boxes) = (render(&path), render(&notdef));
        assert_eq!(drawn.len(), boxes.len());
        assert_ne!(drawn, boxes, "face {face}: the CFF glyphs drew as .notdef");
    }
}
