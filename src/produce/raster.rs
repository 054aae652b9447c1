//! A PDF's own pages as production images: rasterized with hayro (pure Rust; nothing in the PDF
//! runs), a footer band added below for the stamp (so it never covers content), every redaction
//! burned into the pixels.
//!
//! Boxes are the page-space word boxes of what the redacted view hides, and drawn regions
//! ([`crate::Matter::page_boxes`]), padded: a box is widened to a multiple of [`BOX_STEP`] points
//! (at least [`BOX_MIN`]) around its centre, so its width does not give away a short word.

use super::typeset::{burn_box, Canvas, Fonts, PxRect};
use crate::error::{Error, Result};
use crate::extract::pages::Rect;

/// Widths of burned boxes are rounded up to a multiple of this, in points.
pub const BOX_STEP: f64 = 24.0;
/// The narrowest burned box, in points.
pub const BOX_MIN: f64 = 36.0;
/// Vertical padding of a burned box, in points.
pub const BOX_PAD_Y: f64 = 1.5;

/// One box to burn, in page-space points, with its label ("REDACTED – AC").
#[derive(Debug, Clone)]
pub struct BurnBox {
    pub rect: Rect,
    pub label: String,
}

/// A rasterized page: pixels (gray or RGB), the page size in points (footer band included),
/// and the boxes burned, in pixels.
pub struct RasterPage {
    pub canvas: Canvas,
    /// Height of the footer band added below the page, in pixels.
    pub footer_px: u32,
    pub width_pt: f32,
    pub height_pt: f32,
    pub boxes: Vec<(PxRect, String)>,
}

/// The padded pixel rectangle a page-space box is burned at.
pub fn padded_px(r: Rect, scale: f64, width_px: u32, height_px: u32) -> Option<PxRect> {
    let w = r[2] - r[0];
    let padded = (w.max(1.0) / BOX_STEP).ceil() * BOX_STEP;
    let padded = padded.max(BOX_MIN);
    let cx = (r[0] + r[2]) / 2.0;
    let (x0, x1) = (cx - padded / 2.0, cx + padded / 2.0);
    let (y0, y1) = (r[1] - BOX_PAD_Y, r[3] + BOX_PAD_Y);
    let lo = |v: f64, max: u32| ((v * scale).floor().max(0.0) as u32).min(max);
    let hi = |v: f64, max: u32| ((v * scale).ceil().max(0.0) as u32).min(max);
    let rect = PxRect { x0: lo(x0, width_px), y0: lo(y0, height_px), x1: hi(x1, width_px), y1: hi(y1, height_px) };
    (rect.x1 > rect.x0 && rect.y1 > rect.y0).then_some(rect)
}

/// Renders page `page` (0-based) of `pdf` at `dpi`, with a white footer band of `footer_pt`
/// below it, and burns `boxes` in. Gray when the page has no colour.
pub fn render_page(
    pdf: &hayro::hayro_syntax::Pdf,
    page: usize,
    dpi: f32,
    footer_pt: f32,
    boxes: &[BurnBox],
    fonts: &Fonts,
    skip_first_box: bool,
) -> Result<RasterPage> {
    use hayro::hayro_interpret::InterpreterSettings;
    use hayro::vello_cpu::color::palette::css::WHITE;
    use hayro::{PixmapSettings, RenderCache, RenderSettings};
    let pages = pdf.pages();
    let p = pages.get(page).ok_or_else(|| Error::Internal(format!("page {} of a PDF with {} pages", page + 1, pages.len())))?;
    // A hair over dpi/72, so that a page whose size is a whole number of pixels (612 pt at 150
    // dpi is 1,275 px) is not floored to one pixel less by float error: a viewer would then
    // stretch the image by a pixel and every box would land a pixel off.
    let scale = dpi / 72.0 * (1.0 + 1e-6);
    let (w_pt, h_pt) = p.render_dimensions();
    let pix = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let cache = RenderCache::new();
        hayro::render(
            p,
            &cache,
            &InterpreterSettings::default(),
            &RenderSettings::default(),
            &PixmapSettings { x_scale: scale, y_scale: scale, bg_color: WHITE },
        )
    }))
    .map_err(|_| Error::BadPdf {
        doing: format!("drawing page {} for production", page + 1),
        detail: "the renderer stopped on it".into(),
    })?;
    let (w, h) = (pix.width() as u32, pix.height() as u32);
    let footer_px = (footer_pt * scale).round() as u32;
    let rgba = pix.data_as_u8_slice();
    let colour = rgba.chunks_exact(4).any(|c| c[0].abs_diff(c[1]) > 8 || c[1].abs_diff(c[2]) > 8);
    let channels: u8 = if colour { 3 } else { 1 };
    let total_h = h + footer_px;
    let mut canvas = Canvas::blank(w, total_h, channels);
    for (i, c) in rgba.chunks_exact(4).enumerate() {
        // Premultiplied over an opaque white background: already opaque.
        if colour {
            canvas.px[i * 3..i * 3 + 3].copy_from_slice(&c[..3]);
        } else {
            canvas.px[i] = c[1];
        }
    }
    let rects: Vec<(PxRect, String)> =
        boxes.iter().filter_map(|b| padded_px(b.rect, scale as f64, w, h).map(|r| (r, b.label.clone()))).collect();
    let burned = merge_overlapping(rects);
    for (n, (rect, label)) in burned.iter().enumerate() {
        if !(skip_first_box && n == 0) {
            burn_box(&mut canvas, *rect, label, fonts);
        }
    }
    Ok(RasterPage { canvas, footer_px, width_pt: w_pt, height_pt: h_pt + footer_pt, boxes: burned })
}

/// Boxes that overlap or touch become one box (their union), labelled with every reason once
/// ("REDACTED – PII/TS"): a box burned over part of another would cut into its label, and
/// padded boxes of neighbouring words overlap all the time.
pub fn merge_overlapping(mut boxes: Vec<(PxRect, String)>) -> Vec<(PxRect, String)> {
    let touch = |a: &PxRect, b: &PxRect| a.x0 <= b.x1 && b.x0 <= a.x1 && a.y0 <= b.y1 && b.y0 <= a.y1;
    let codes = |label: &str| -> Vec<String> { label.trim_start_matches("REDACTED – ").split('/').map(str::to_string).collect() };
    loop {
        let mut merged = false;
        let mut i = 0;
        while i < boxes.len() {
            let mut j = i + 1;
            while j < boxes.len() {
                if touch(&boxes[i].0, &boxes[j].0) {
                    let (b, lb) = boxes.swap_remove(j);
                    let (a, la) = &mut boxes[i];
                    *a = PxRect { x0: a.x0.min(b.x0), y0: a.y0.min(b.y0), x1: a.x1.max(b.x1), y1: a.y1.max(b.y1) };
                    let mut all = codes(la);
                    for c in codes(&lb) {
                        if !all.contains(&c) {
                            all.push(c);
                        }
                    }
                    *la = format!("REDACTED – {}", all.join("/"));
                    merged = true;
                } else {
                    j += 1;
                }
            }
            i += 1;
        }
        if !merged {
            return boxes;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlapping_boxes_merge_into_one_with_every_reason() {
        let r = |x0, x1| PxRect { x0, y0: 10, x1, y1: 20 };
        let out = merge_overlapping(vec![
            (r(0, 50), "REDACTED – PII".into()),
            (r(40, 90), "REDACTED – TS".into()),
            (r(90, 100), "REDACTED – PII".into()),
            (r(200, 250), "REDACTED – AC".into()),
        ]);
        assert_eq!(out.len(), 2);
        assert_eq!(out[0], (r(0, 100), "REDACTED – PII/TS".to_string()));
        assert_eq!(out[1], (r(200, 250), "REDACTED – AC".to_string()));
    }
}
