//! Page geometry of a PDF: how its default user space (where extraction stored the word boxes,
//! and where region redactions are stored) maps onto the page image the viewer shows.
//!
//! Two coordinate systems, both in PDF points (1/72 inch):
//!
//! * **User space** — the PDF's own: origin at the bottom-left of the MediaBox's coordinate
//!   system, y up, before the page's `/Rotate`. The layout JSON's word boxes, stored region
//!   redactions and [`crate::Matter::redaction_boxes`] use it.
//! * **Page space** — the page as rendered: origin at the top-left corner of the visible page
//!   (CropBox ∩ MediaBox, after `/Rotate`), y down, `width × height` points. A page image
//!   rendered at `scale` is `floor(width·scale) × floor(height·scale)` pixels, and a point
//!   `(x, y)` lands on pixel `(x·scale, y·scale)`. The review API, the viewer's overlay and the
//!   production burn-in use it.
//!
//! The mapping is hayro's own `initial_transform` — the transform the renderer draws the page
//! with — so boxes and pixels cannot drift apart (tests render a page and check a word's box
//! lands on its ink).

use crate::error::{Error, Result};
use serde::Serialize;
use ts_rs::TS;

/// One page's frame: its size in page space and the map from user space onto it.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, TS)]
pub struct PageFrame {
    /// 1-based page number.
    pub page: u32,
    /// Page-space size in points (after CropBox and `/Rotate`).
    pub width: f64,
    pub height: f64,
    /// `/Rotate` in degrees clockwise (0, 90, 180, 270).
    pub rotate: u32,
    /// Affine `[a, b, c, d, e, f]`: user `(x, y)` → page `(a·x + c·y + e, b·x + d·y + f)`.
    #[serde(skip)]
    pub transform: [f64; 6],
}

/// The page frames of the last PDFs parsed (first in, first out), by SHA-256 of the original. Parsing a PDF for its
/// frames takes as long as the PDF is large, and the viewer asks for them on every page turn and
/// every search; an original never changes, so an answer never goes stale.
#[derive(Default)]
pub(crate) struct FrameCache {
    frames: std::collections::HashMap<String, Vec<PageFrame>>,
    /// Oldest first.
    order: std::collections::VecDeque<String>,
}

impl FrameCache {
    /// PDFs remembered (a few KiB each even for long documents).
    const PDFS: usize = 64;

    pub(crate) fn get(&self, sha256: &str) -> Option<Vec<PageFrame>> {
        self.frames.get(sha256).cloned()
    }

    pub(crate) fn put(&mut self, sha256: &str, frames: Vec<PageFrame>) {
        if self.frames.insert(sha256.to_string(), frames).is_none() {
            self.order.push_back(sha256.to_string());
        }
        while self.order.len() > Self::PDFS {
            if let Some(old) = self.order.pop_front() {
                self.frames.remove(&old);
            }
        }
    }
}

/// An axis-aligned rectangle `[x0, y0, x1, y1]` with `x0 <= x1` and `y0 <= y1`.
pub type Rect = [f64; 4];

impl PageFrame {
    /// A user-space rectangle in page space. Rotations are multiples of 90°, so an axis-aligned
    /// rectangle stays axis-aligned.
    pub fn to_page(&self, r: Rect) -> Rect {
        map_rect(&self.transform, r)
    }

    /// A page-space rectangle in user space (the inverse of [`PageFrame::to_page`]).
    pub fn to_user(&self, r: Rect) -> Rect {
        map_rect(&invert(&self.transform), r)
    }
}

fn apply(t: &[f64; 6], x: f64, y: f64) -> (f64, f64) {
    (t[0] * x + t[2] * y + t[4], t[1] * x + t[3] * y + t[5])
}

fn map_rect(t: &[f64; 6], r: Rect) -> Rect {
    let (ax, ay) = apply(t, r[0], r[1]);
    let (bx, by) = apply(t, r[2], r[3]);
    [ax.min(bx), ay.min(by), ax.max(bx), ay.max(by)]
}

fn invert(t: &[f64; 6]) -> [f64; 6] {
    let det = t[0] * t[3] - t[1] * t[2];
    if det.abs() < 1e-12 {
        return [1.0, 0.0, 0.0, 1.0, 0.0, 0.0];
    }
    let (a, b, c, d) = (t[3] / det, -t[1] / det, -t[2] / det, t[0] / det);
    [a, b, c, d, -(a * t[4] + c * t[5]), -(b * t[4] + d * t[5])]
}

/// The frame of every page of a PDF, in document order.
pub fn page_frames(pdf: &[u8]) -> Result<Vec<PageFrame>> {
    use hayro::hayro_syntax::page::Rotation;
    let doc = hayro::hayro_syntax::Pdf::new(pdf.to_vec())
        .map_err(|e| Error::BadPdf { doing: "reading the PDF for page geometry".into(), detail: format!("{e:?}") })?;
    let frames = doc
        .pages()
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let (w, h) = p.render_dimensions();
            let rotate = match p.rotation() {
                Rotation::None => 0,
                Rotation::Horizontal => 90,
                Rotation::Flipped => 180,
                Rotation::FlippedHorizontal => 270,
            };
            PageFrame { page: i as u32 + 1, width: w as f64, height: h as f64, rotate, transform: p.initial_transform(true).as_coeffs() }
        })
        .collect();
    Ok(frames)
}

/// How much of `word` lies inside `region`, as a fraction of the word's area.
pub fn covered(word: Rect, region: Rect) -> f64 {
    let ix = (word[2].min(region[2]) - word[0].max(region[0])).max(0.0);
    let iy = (word[3].min(region[3]) - word[1].max(region[1])).max(0.0);
    let area = (word[2] - word[0]) * (word[3] - word[1]);
    if area <= 0.0 {
        0.0
    } else {
        ix * iy / area
    }
}

/// Characters of extracted text per rendered page: a letter page of 10-point text holds about
/// 3,000.
const CHARS_PER_PAGE: u64 = 3000;
/// Lines per rendered page (short lines fill pages long before their characters do).
const LINES_PER_PAGE: u64 = 50;

/// The pages a document without its own pages (an email, a text file) fills when rendered:
/// the estimate a production's dry run and the exposure report both give (at least one).
pub fn estimated_pages(chars: u64, lines: u64) -> u64 {
    chars.div_ceil(CHARS_PER_PAGE).max((lines + 1).div_ceil(LINES_PER_PAGE)).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotated_frames_round_trip() {
        // A 612×792 page rotated 90° clockwise: page space is 792 wide, 612 high.
        let f = PageFrame { page: 1, width: 792.0, height: 612.0, rotate: 90, transform: [0.0, 1.0, 1.0, 0.0, 0.0, 0.0] };
        let r = [72.0, 700.0, 120.0, 712.0];
        let p = f.to_page(r);
        assert_eq!(p, [700.0, 72.0, 712.0, 120.0]);
        assert_eq!(f.to_user(p), r);
    }

    #[test]
    fn the_frame_cache_keeps_the_most_recent_pdfs() {
        let frame = |page| PageFrame { page, width: 612.0, height: 792.0, rotate: 0, transform: [1.0, 0.0, 0.0, -1.0, 0.0, 792.0] };
        let mut c = FrameCache::default();
        for i in 0..FrameCache::PDFS as u32 {
            c.put(&format!("sha{i}"), vec![frame(i)]);
        }
        // Storing a known PDF again does not make it count twice.
        c.put("sha0", vec![frame(0)]);
        assert_eq!(c.get("sha0"), Some(vec![frame(0)]));
        c.put("one more", vec![frame(99)]);
        assert_eq!(c.get("sha0"), None, "the oldest went");
        assert_eq!(c.get("sha1"), Some(vec![frame(1)]));
        assert_eq!(c.get("one more"), Some(vec![frame(99)]));
        assert_eq!(c.frames.len(), FrameCache::PDFS);
    }

    #[test]
    fn coverage() {
        assert_eq!(covered([0.0, 0.0, 10.0, 10.0], [0.0, 0.0, 5.0, 10.0]), 0.5);
        assert_eq!(covered([0.0, 0.0, 10.0, 10.0], [20.0, 20.0, 30.0, 30.0]), 0.0);
    }
}
