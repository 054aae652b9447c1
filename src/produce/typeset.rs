//! Page images from text, for productions: a document's (already redacted) headers and text laid
//! out on letter pages, redaction boxes with their labels, and Bates stamps.
//!
//! Pages are 8-bit rasters, gray (one channel) or RGB (three), 255 = white. Everything here is
//! deterministic: the same input gives the same pixels, whatever was drawn before and on whatever
//! thread, so a produced redaction box can be checked pixel for pixel against [`expected_box`].
//!
//! Text is drawn glyph by glyph with the fonts' advances and kerning, without an OpenType shaper:
//! no ligatures, combining marks where their own metrics put them (DejaVu's precomposed glyphs
//! cover the Latin, Greek and Cyrillic of most documents). Right-to-left runs are put in reading
//! order by a simplified bidi pass and Arabic letters take their joining forms, so Hebrew and
//! Arabic read right; Indic scripts, which need a shaper, do not. A character that no font has is
//! drawn as DejaVu's .notdef box and counted in [`Typeset::missing_glyphs`], never skipped
//! silently.

use ab_glyph::{point, Font, FontVec, Glyph, GlyphId, PxScale};
use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasherDefault, Hasher};
use std::path::Path;
use std::sync::{Arc, Mutex};

/// Why fonts could not be loaded, or why a page geometry was changed to be usable.
#[derive(Debug, thiserror::Error)]
pub enum TypesetError {
    #[error("the font {path} is missing; install the Debian package {package}")]
    FontMissing { path: String, package: &'static str },
    #[error("the font {path} could not be read: {source}")]
    FontUnreadable {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{what} is not a font that can be read")]
    FontInvalid { what: String },
    #[error("the page geometry cannot be used as given: {0}")]
    Geometry(String),
}

// ---------------------------------------------------------------------------------------------
// Pixels
// ---------------------------------------------------------------------------------------------

/// A rectangle in pixels, half-open: `x0..x1` by `y0..y1`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PxRect {
    pub x0: u32,
    pub y0: u32,
    pub x1: u32,
    pub y1: u32,
}

impl PxRect {
    pub fn width(&self) -> u32 {
        self.x1.saturating_sub(self.x0)
    }
    pub fn height(&self) -> u32 {
        self.y1.saturating_sub(self.y0)
    }
    pub fn is_empty(&self) -> bool {
        self.width() == 0 || self.height() == 0
    }
    /// The part of `self` inside `other` (empty, at `self`'s corner, when they do not meet).
    pub fn intersect(&self, other: PxRect) -> PxRect {
        let x0 = self.x0.max(other.x0);
        let y0 = self.y0.max(other.y0);
        PxRect { x0, y0, x1: self.x1.min(other.x1).max(x0), y1: self.y1.min(other.y1).max(y0) }
    }
    pub fn contains(&self, x: u32, y: u32) -> bool {
        x >= self.x0 && x < self.x1 && y >= self.y0 && y < self.y1
    }
}

/// A page image: gray (`channels` 1) or RGB (`channels` 3), row-major, 255 = white.
///
/// One type for both so that [`burn_box`] and [`stamp`] treat a text page and a PDF page alike;
/// gray pages are a third of the bytes, which matters for a production of thousands of pages.
/// (Drawing on a canvas built with 4 channels treats the fourth as alpha and makes what it
/// draws opaque; any channel count is safe, and so is a `px` shorter than its sizes say.)
#[derive(Clone, PartialEq, Eq)]
pub struct Canvas {
    pub width: u32,
    pub height: u32,
    pub channels: u8,
    pub px: Vec<u8>,
}

/// Sizes only: a page's pixels are millions of numbers.
impl std::fmt::Debug for Canvas {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Canvas")
            .field("width", &self.width)
            .field("height", &self.height)
            .field("channels", &self.channels)
            .finish_non_exhaustive()
    }
}

impl Canvas {
    /// A white gray page.
    pub fn white(width: u32, height: u32) -> Canvas {
        Canvas::blank(width, height, 1)
    }

    /// A white page with 1 (gray) or 3 (RGB) channels; any other count is taken as 3 when above
    /// 1, since nothing here draws alpha.
    pub fn blank(width: u32, height: u32, channels: u8) -> Canvas {
        let channels = if channels > 1 { 3 } else { 1 };
        let n = (width as usize).saturating_mul(height as usize).saturating_mul(channels as usize);
        Canvas { width, height, channels, px: vec![255; n] }
    }

    /// Paints `r` (clipped to the canvas) with gray `value` (every channel of an RGB canvas).
    pub fn fill(&mut self, r: PxRect, value: u8) {
        self.surface().fill(r, value);
    }

    /// The gray value at (x, y): the first channel (a box or stamp writes all channels alike);
    /// `None` outside the canvas.
    pub fn get(&self, x: u32, y: u32) -> Option<u8> {
        if x >= self.width || y >= self.height {
            return None;
        }
        let i = (y as usize * self.width as usize + x as usize) * self.channels.max(1) as usize;
        self.px.get(i).copied()
    }

    /// Whether the pixels at `rect` are exactly `expected` (as made by [`expected_box`]): on an
    /// RGB canvas every channel of a pixel must equal the expected gray value, since
    /// [`burn_box`] writes a box in gray. Only the part of `rect` inside the canvas is compared
    /// (that is all [`burn_box`] can write), and `expected` must be `rect`'s size.
    pub fn region_matches(&self, rect: PxRect, expected: &Canvas) -> bool {
        region_matches(&self.px, self.width, self.height, self.channels, rect, expected)
    }

    fn surface(&mut self) -> Surface<'_> {
        Surface::new(&mut self.px, self.width, self.height, self.channels as usize)
    }
}

/// [`Canvas::region_matches`] for pixels held elsewhere (e.g. an RGB buffer from a PDF renderer).
pub fn region_matches(px: &[u8], width: u32, height: u32, channels: u8, rect: PxRect, expected: &Canvas) -> bool {
    if expected.width != rect.width() || expected.height != rect.height() || expected.channels != 1 {
        return false;
    }
    let ch = channels.max(1) as usize;
    let colour = ch.min(3);
    let rows = px.len().checked_div(width as usize * ch).map_or(0, |r| r.min(height as usize) as u32);
    let clip = rect.intersect(PxRect { x0: 0, y0: 0, x1: width, y1: rows });
    for y in clip.y0..clip.y1 {
        for x in clip.x0..clip.x1 {
            let want = expected.px[((y - rect.y0) as usize) * expected.width as usize + (x - rect.x0) as usize];
            let i = (y as usize * width as usize + x as usize) * ch;
            if px[i..i + colour].iter().any(|&v| v != want) {
                return false;
            }
        }
    }
    true
}

/// A mutable view of pixels with 1 or 3 channels (or more: the first three are colour, the rest
/// alpha), so that drawing code is written once.
struct Surface<'a> {
    px: &'a mut [u8],
    w: u32,
    h: u32,
    ch: usize,
}

impl<'a> Surface<'a> {
    /// Rows beyond the end of `px` are not there: a short buffer is drawn as far as it goes
    /// instead of panicking.
    fn new(px: &'a mut [u8], w: u32, h: u32, ch: usize) -> Surface<'a> {
        let ch = ch.max(1);
        let row = w as usize * ch;
        let h = px.len().checked_div(row).map_or(0, |rows| rows.min(h as usize) as u32);
        Surface { px, w, h, ch }
    }

    fn bounds(&self) -> PxRect {
        PxRect { x0: 0, y0: 0, x1: self.w, y1: self.h }
    }

    fn fill(&mut self, r: PxRect, v: u8) {
        let r = r.intersect(self.bounds());
        if r.is_empty() {
            return;
        }
        for y in r.y0..r.y1 {
            let a = (y as usize * self.w as usize + r.x0 as usize) * self.ch;
            let b = (y as usize * self.w as usize + r.x1 as usize) * self.ch;
            if self.ch <= 3 {
                self.px[a..b].fill(v);
            } else {
                for p in self.px[a..b].chunks_exact_mut(self.ch) {
                    p[..3].fill(v);
                    p[3..].fill(255);
                }
            }
        }
    }

    /// Lays `ink` over the pixels with the glyph's coverage, clipped to `clip`.
    fn blit(&mut self, cov: &Coverage, x: i64, y: i64, ink: u8, clip: PxRect) {
        let clip = clip.intersect(self.bounds());
        let gx0 = x.max(clip.x0 as i64);
        let gx1 = (x + cov.w as i64).min(clip.x1 as i64);
        let gy0 = y.max(clip.y0 as i64);
        let gy1 = (y + cov.h as i64).min(clip.y1 as i64);
        if gx0 >= gx1 || gy0 >= gy1 {
            return;
        }
        let n = (gx1 - gx0) as usize;
        let ink = ink as u32;
        for gy in gy0..gy1 {
            let s = (gy - y) as usize * cov.w as usize + (gx0 - x) as usize;
            let src = &cov.data[s..s + n];
            let d = (gy as usize * self.w as usize + gx0 as usize) * self.ch;
            if self.ch == 1 {
                for (p, &c) in self.px[d..d + n].iter_mut().zip(src) {
                    if c != 0 {
                        *p = blend(*p, ink, c);
                    }
                }
            } else {
                let colour = self.ch.min(3);
                for (p, &c) in self.px[d..d + n * self.ch].chunks_exact_mut(self.ch).zip(src) {
                    if c != 0 {
                        for v in &mut p[..colour] {
                            *v = blend(*v, ink, c);
                        }
                        p[colour..].fill(255);
                    }
                }
            }
        }
    }
}

/// `ink` over `p` at coverage `c` (0–255), rounded: integer so every platform gives the same bytes.
#[inline]
fn blend(p: u8, ink: u32, c: u8) -> u8 {
    let c = c as u32;
    ((p as u32 * (255 - c) + ink * c + 127) / 255) as u8
}

// ---------------------------------------------------------------------------------------------
// Page geometry
// ---------------------------------------------------------------------------------------------

/// A page's size and the areas on it, in points (1/72 inch), and the resolution of its image.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PageGeometry {
    pub width_pt: f32,
    pub height_pt: f32,
    pub dpi: f32,
    /// On all four sides; nothing is drawn in it.
    pub margin_pt: f32,
    /// A band between the body and the bottom margin, kept empty by [`typeset`] for [`stamp`].
    pub footer_pt: f32,
}

/// Pixel sizes and areas of a page, from a usable geometry.
#[derive(Clone, Copy, Debug)]
struct Frame {
    scale: f32,
    body: PxRect,
    band: PxRect,
}

/// Bounds that keep any geometry drawable in bounded memory: a page at most this many pixels on
/// a side (reached by lowering the resolution), a body at least an inch each way.
const MAX_SIDE_PX: f32 = 20_000.0;
const MIN_BODY_PT: f32 = 72.0;

impl PageGeometry {
    /// US letter, 612 × 792 pt, with 54 pt (¾ inch) margins and a 36 pt footer band for the Bates
    /// number and endorsement above the bottom margin.
    pub fn letter(dpi: f32) -> Self {
        PageGeometry { width_pt: 612.0, height_pt: 792.0, dpi, margin_pt: 54.0, footer_pt: 36.0 }
    }

    /// Says what [`typeset`] and [`stamp`] would change to use this geometry (a resolution out of
    /// range, margins that leave no body, a value that is not a number); they never fail on it,
    /// so a caller that wants to refuse instead checks here first.
    pub fn check(&self) -> Result<(), TypesetError> {
        let s = self.usable();
        // Bitwise, so NaN counts as changed.
        let same = |a: f32, b: f32| a.to_bits() == b.to_bits();
        let changed: Vec<&str> = [
            ("page width", same(s.width_pt, self.width_pt)),
            ("page height", same(s.height_pt, self.height_pt)),
            ("resolution", same(s.dpi, self.dpi)),
            ("margin", same(s.margin_pt, self.margin_pt)),
            ("footer band", same(s.footer_pt, self.footer_pt)),
        ]
        .into_iter()
        .filter(|(_, ok)| !ok)
        .map(|(n, _)| n)
        .collect();
        if changed.is_empty() {
            Ok(())
        } else {
            Err(TypesetError::Geometry(format!(
                "the {} would be changed (pages from 1 to 200 inches a side, 18 to 1200 dpi, at most {} pixels a side, a body of at least an inch)",
                changed.join(", "),
                MAX_SIDE_PX
            )))
        }
    }

    /// The nearest geometry that can be drawn.
    fn usable(&self) -> PageGeometry {
        let num = |v: f32, default: f32| if v.is_finite() { v } else { default };
        let width_pt = num(self.width_pt, 612.0).clamp(72.0, 14_400.0);
        let height_pt = num(self.height_pt, 792.0).clamp(72.0, 14_400.0);
        let dpi = num(self.dpi, 150.0).clamp(18.0, 1200.0).min(MAX_SIDE_PX * 72.0 / width_pt).min(MAX_SIDE_PX * 72.0 / height_pt);
        let mut margin_pt = num(self.margin_pt, 54.0).max(0.0);
        let mut footer_pt = num(self.footer_pt, 36.0).max(0.0);
        if width_pt - 2.0 * margin_pt < MIN_BODY_PT {
            margin_pt = (width_pt - MIN_BODY_PT) / 2.0;
        }
        let need = 2.0 * margin_pt + footer_pt;
        if height_pt - need < MIN_BODY_PT && need > 0.0 {
            let k = (height_pt - MIN_BODY_PT) / need;
            margin_pt *= k;
            footer_pt *= k;
        }
        PageGeometry { width_pt, height_pt, dpi, margin_pt, footer_pt }
    }

    /// Size of the page image in pixels.
    pub fn size_px(&self) -> (u32, u32) {
        let g = self.usable();
        let s = g.dpi / 72.0;
        ((g.width_pt * s).round() as u32, (g.height_pt * s).round() as u32)
    }

    /// Where [`typeset`] puts text on its pages, in pixels: everything else stays white.
    pub fn body_px(&self) -> PxRect {
        let (w, h) = self.size_px();
        self.frame(w, h).body
    }

    /// Where [`stamp`] draws on an image `width` × `height` at this geometry's resolution.
    pub fn footer_band_px(&self, width: u32, height: u32) -> PxRect {
        self.frame(width, height).band
    }

    /// Body and footer band of an image `w` × `h` drawn at this geometry's resolution (the image
    /// may be a PDF page of another size: the areas are measured from its own edges).
    fn frame(&self, w: u32, h: u32) -> Frame {
        let g = self.usable();
        let scale = g.dpi / 72.0;
        let m = (g.margin_pt * scale).round() as u32;
        let f = (g.footer_pt * scale).round() as u32;
        let x0 = m.min(w);
        let x1 = w.saturating_sub(m).max(x0);
        let bottom = h.saturating_sub(m);
        let y0 = m.min(bottom);
        let y1 = bottom.saturating_sub(f).max(y0);
        Frame { scale, body: PxRect { x0, y0, x1, y1 }, band: PxRect { x0, y0: y1, x1, y1: bottom } }
    }
}

// ---------------------------------------------------------------------------------------------
// Fonts and glyph cache
// ---------------------------------------------------------------------------------------------

const DEJAVU_PACKAGE: &str = "fonts-dejavu-core";
const DEJAVU_REGULAR: &str = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
const DEJAVU_BOLD: &str = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf";
const DEJAVU_MONO: &str = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf";
/// Tried in order for what DejaVu lacks (CJK above all), with the index in a collection.
const FALLBACKS: [(&str, u32); 3] = [
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", 0),
];

/// The glyph cache is emptied when it holds this many glyphs, so memory stays bounded on a
/// production that draws every CJK character at every size.
const CACHE_LIMIT: usize = 60_000;

/// One font face with the metrics layout needs, in em units (font units / units per em).
struct Face {
    font: FontVec,
    /// Which face of a collection (`.ttc`) `font` is; 0 for a single-face file.
    index: u32,
    /// `PxScale` per pixel of em: ab_glyph's scale is the ascent-to-descent height, not the em.
    px_scale_per_em: f32,
    units_per_em: f32,
    ascent: f32,
    /// Positive, below the baseline.
    descent: f32,
}

impl Face {
    fn parse(bytes: Vec<u8>, index: u32, what: &str) -> Result<Face, TypesetError> {
        let invalid = || TypesetError::FontInvalid { what: what.to_string() };
        let font = FontVec::try_from_vec_and_index(bytes, index).map_err(|_| invalid())?;
        let upem = font.units_per_em().filter(|u| *u > 0.0).ok_or_else(invalid)?;
        let height = font.height_unscaled();
        let (ascent, descent) = (font.ascent_unscaled() / upem, -font.descent_unscaled() / upem);
        if !(height.is_finite() && height > 0.0 && ascent.is_finite() && descent.is_finite()) {
            return Err(invalid());
        }
        Ok(Face { px_scale_per_em: height / upem, units_per_em: upem, ascent, descent, font, index })
    }
}

/// Which of the faces a piece of text asks for first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Weight {
    Regular = 0,
    Bold = 1,
    Mono = 2,
}

/// Rasterized coverage of one glyph at one size and subpixel offset, placed relative to its
/// origin on the baseline.
struct Coverage {
    left: i32,
    top: i32,
    w: u32,
    h: u32,
    data: Box<[u8]>,
}

/// The fonts pages are drawn with, and a cache of rasterized glyphs shared by every page and
/// thread (a dense page draws ~4,000 glyphs, but only a few hundred distinct ones).
pub struct Fonts {
    /// 0 regular, 1 bold, then the fallbacks, then the monospace face if any.
    faces: Vec<Face>,
    /// For each [`Weight`], the faces tried in order.
    chains: [Vec<u16>; 3],
    cache: Mutex<HashMap<u64, Arc<Coverage>, Fx>>,
}

impl std::fmt::Debug for Fonts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fonts").field("faces", &self.faces.len()).field("fallbacks", &self.fallback_count()).finish()
    }
}

impl Fonts {
    /// DejaVu Sans (regular, bold, and mono when there) from Debian's `fonts-dejavu-core`, and
    /// whichever CJK fallbacks are installed. Only DejaVu Sans is required: without a fallback,
    /// CJK text draws as counted .notdef boxes.
    pub fn load() -> Result<Fonts, TypesetError> {
        let fallbacks: Vec<(&Path, u32)> = FALLBACKS.iter().map(|(p, i)| (Path::new(*p), *i)).collect();
        Fonts::load_paths(Path::new(DEJAVU_REGULAR), Path::new(DEJAVU_BOLD), Some(Path::new(DEJAVU_MONO)), &fallbacks)
    }

    fn load_paths(regular: &Path, bold: &Path, mono: Option<&Path>, fallbacks: &[(&Path, u32)]) -> Result<Fonts, TypesetError> {
        let required = |p: &Path| -> Result<Face, TypesetError> {
            let path = p.display().to_string();
            match std::fs::read(p) {
                Ok(b) => Face::parse(b, 0, &path),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(TypesetError::FontMissing { path, package: DEJAVU_PACKAGE }),
                Err(source) => Err(TypesetError::FontUnreadable { path, source }),
            }
        };
        // Optional faces that are absent or damaged are left out: the text still draws, and
        // what they would have covered is counted as missing.
        let optional = |p: &Path, index: u32| std::fs::read(p).ok().and_then(|b| Face::parse(b, index, &p.display().to_string()).ok());
        let regular = required(regular)?;
        let bold = required(bold)?;
        let fallbacks = fallbacks.iter().filter_map(|(p, i)| optional(p, *i)).collect();
        Ok(Fonts::assemble(regular, bold, fallbacks, mono.and_then(|p| optional(p, 0))))
    }

    /// Fonts from bytes (TrueType or OpenType; the first face of a collection for regular and
    /// bold, the numbered one for each fallback), for tests and for callers that ship their own.
    pub fn from_bytes(regular: Vec<u8>, bold: Vec<u8>, fallbacks: Vec<(Vec<u8>, u32)>) -> Result<Fonts, TypesetError> {
        let regular = Face::parse(regular, 0, "the regular font")?;
        let bold = Face::parse(bold, 0, "the bold font")?;
        let fallbacks = fallbacks
            .into_iter()
            .enumerate()
            .map(|(n, (b, index))| Face::parse(b, index, &format!("fallback font {}", n + 1)))
            .collect::<Result<_, _>>()?;
        Ok(Fonts::assemble(regular, bold, fallbacks, None))
    }

    /// Adds (or replaces) the face for [`Style::Monospace`]; without one it uses the regular face.
    pub fn with_monospace(self, bytes: Vec<u8>) -> Result<Fonts, TypesetError> {
        let mono = Face::parse(bytes, 0, "the monospace font")?;
        let mut faces = self.faces;
        let had_mono = self.chains[Weight::Mono as usize][0] != 0;
        if had_mono {
            faces.pop();
        }
        let bold = faces.remove(1);
        let regular = faces.remove(0);
        Ok(Fonts::assemble(regular, bold, faces, Some(mono)))
    }

    fn assemble(regular: Face, bold: Face, mut fallbacks: Vec<Face>, mono: Option<Face>) -> Fonts {
        // Face indices live in 8 bits of a cache key.
        fallbacks.truncate(200);
        let n_fb = fallbacks.len() as u16;
        let mut faces = vec![regular, bold];
        faces.extend(fallbacks);
        let fb: Vec<u16> = (2..2 + n_fb).collect();
        let chain = |first: &[u16]| -> Vec<u16> { first.iter().copied().chain(fb.iter().copied()).collect() };
        let regular_chain = chain(&[0]);
        let bold_chain = chain(&[1, 0]);
        let mono_chain = match mono {
            Some(m) => {
                faces.push(m);
                chain(&[2 + n_fb, 0])
            }
            None => regular_chain.clone(),
        };
        Fonts { faces, chains: [regular_chain, bold_chain, mono_chain], cache: Mutex::new(HashMap::default()) }
    }

    /// How many fallback faces were found (0 when no CJK font is installed).
    pub fn fallback_count(&self) -> usize {
        let mono = usize::from(self.chains[Weight::Mono as usize][0] != 0);
        self.faces.len() - 2 - mono
    }

    fn primary(&self, w: Weight) -> &Face {
        &self.faces[self.chains[w as usize][0] as usize]
    }
}

/// A small fast hasher for the caches' integer keys (std's SipHash costs more than the lookups
/// it guards on a page of thousands of glyphs).
#[derive(Default, Clone, Copy)]
struct FxHasher(u64);

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(b as u64);
        }
    }
    fn write_u32(&mut self, v: u32) {
        self.write_u64(v as u64);
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = (self.0.rotate_left(5) ^ v).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

type Fx = BuildHasherDefault<FxHasher>;

/// A character resolved to the face that draws it.
#[derive(Clone, Copy, Debug)]
struct Res {
    face: u16,
    id: GlyphId,
    /// Advance in em.
    adv: f32,
    /// No face has it: `id` is the regular face's .notdef.
    missing: bool,
}

/// Per-call drawing state: local caches in front of the shared one (no lock per glyph), and the
/// count of characters drawn as .notdef.
struct Ctx<'f> {
    fonts: &'f Fonts,
    ascii: [[Option<Res>; 128]; 3],
    chars: HashMap<(u8, char), Res, Fx>,
    kerns: HashMap<u64, f32, Fx>,
    glyphs: HashMap<u64, Arc<Coverage>, Fx>,
    missing: usize,
}

impl<'f> Ctx<'f> {
    fn new(fonts: &'f Fonts) -> Ctx<'f> {
        Ctx { fonts, ascii: [[None; 128]; 3], chars: HashMap::default(), kerns: HashMap::default(), glyphs: HashMap::default(), missing: 0 }
    }

    fn resolve(&mut self, w: Weight, c: char) -> Res {
        if (c as u32) < 128 {
            if let Some(r) = self.ascii[w as usize][c as usize] {
                return r;
            }
            let r = self.lookup(w, c);
            self.ascii[w as usize][c as usize] = Some(r);
            return r;
        }
        if let Some(r) = self.chars.get(&(w as u8, c)) {
            return *r;
        }
        let r = self.lookup(w, c);
        self.chars.insert((w as u8, c), r);
        r
    }

    fn lookup(&self, w: Weight, c: char) -> Res {
        for &f in &self.fonts.chains[w as usize] {
            let face = &self.fonts.faces[f as usize];
            let id = face.font.glyph_id(c);
            if id.0 != 0 {
                return Res { face: f, id, adv: face.font.h_advance_unscaled(id) / face.units_per_em, missing: false };
            }
        }
        let face = &self.fonts.faces[0];
        Res { face: 0, id: GlyphId(0), adv: face.font.h_advance_unscaled(GlyphId(0)) / face.units_per_em, missing: true }
    }

    /// Kerning between two glyphs of one face, in em.
    fn kern(&mut self, face: u16, a: GlyphId, b: GlyphId) -> f32 {
        let key = face as u64 | (a.0 as u64) << 16 | (b.0 as u64) << 32;
        if let Some(k) = self.kerns.get(&key) {
            return *k;
        }
        let f = &self.fonts.faces[face as usize];
        let k = f.font.kern_unscaled(a, b) / f.units_per_em;
        let k = if k.is_finite() { k } else { 0.0 };
        self.kerns.insert(key, k);
        k
    }

    /// Draws a glyph with its origin at (`x`, `baseline`), `em` pixels to the em. The x position
    /// is kept to a quarter pixel (four cached rasterizations per glyph) so spacing stays even.
    #[allow(clippy::too_many_arguments)]
    fn draw_glyph(&mut self, surf: &mut Surface, face: u16, id: GlyphId, em: f32, x: f32, baseline: i64, ink: u8, clip: PxRect) {
        let x = if x.is_finite() { x } else { 0.0 };
        let xf = x.floor();
        let mut xi = xf as i64;
        let mut sub = ((x - xf) * 4.0).round() as u64;
        if sub >= 4 {
            sub = 0;
            xi += 1;
        }
        let em64 = (em * 64.0).round().clamp(1.0, 65_535.0) as u64;
        let key = face as u64 | (id.0 as u64) << 8 | em64 << 24 | sub << 40;
        let cov = match self.glyphs.get(&key) {
            Some(c) => c.clone(),
            None => {
                let c = self.shared_coverage(key, face, id, em64, sub);
                self.glyphs.insert(key, c.clone());
                c
            }
        };
        surf.blit(&cov, xi + cov.left as i64, baseline + cov.top as i64, ink, clip);
    }

    fn shared_coverage(&self, key: u64, face: u16, id: GlyphId, em64: u64, sub: u64) -> Arc<Coverage> {
        let lock = || self.fonts.cache.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(c) = lock().get(&key) {
            return c.clone();
        }
        // Rasterized outside the lock; two threads may both do it, with identical results.
        let c = Arc::new(rasterize(&self.fonts.faces[face as usize], id, em64 as f32 / 64.0, sub as f32 / 4.0));
        let mut cache = lock();
        if cache.len() >= CACHE_LIMIT {
            cache.clear();
        }
        cache.entry(key).or_insert(c).clone()
    }
}

/// Coverage of glyph `id` at `em` pixels to the em, its origin `dx` pixels right of a pixel edge.
/// A glyph with no outline (a space), or absurdly large, is empty — except .notdef, which must
/// show, so a face whose .notdef has no outline gets a drawn box.
fn rasterize(face: &Face, id: GlyphId, em: f32, dx: f32) -> Coverage {
    let empty = Coverage { left: 0, top: 0, w: 0, h: 0, data: Box::new([]) };
    let g = Glyph { id, scale: PxScale::from(em * face.px_scale_per_em), position: point(dx, 0.0) };
    let Some(og) = face.font.outline_glyph(g) else {
        return if id.0 == 0 { notdef_box(face, em) } else { empty };
    };
    let b = og.px_bounds();
    let (w, h) = (b.width().max(0.0) as u32, b.height().max(0.0) as u32);
    if w == 0 || h == 0 || w as u64 * h as u64 > 4_000_000 {
        return empty;
    }
    let mut data = vec![0u8; (w * h) as usize];
    og.draw(|x, y, c| {
        if let Some(p) = data.get_mut((y * w + x) as usize) {
            *p = (c.clamp(0.0, 1.0) * 255.0 + 0.5) as u8;
        }
    });
    Coverage { left: b.min.x as i32, top: b.min.y as i32, w, h, data: data.into_boxed_slice() }
}

/// A hollow box the size of a capital, for a face whose .notdef is blank.
fn notdef_box(face: &Face, em: f32) -> Coverage {
    let w = ((face.font.h_advance_unscaled(GlyphId(0)) / face.units_per_em * em * 0.8).round() as u32).clamp(3, 1000);
    let h = ((face.ascent * em * 0.75).round() as u32).clamp(3, 1000);
    let t = ((em / 14.0).round() as u32).max(1);
    let mut data = vec![0u8; (w * h) as usize];
    for y in 0..h {
        for x in 0..w {
            if x < t || y < t || x + t >= w || y + t >= h {
                data[(y * w + x) as usize] = 255;
            }
        }
    }
    Coverage { left: ((em * 0.06).round() as i32).max(0), top: -(h as i32), w, h, data: data.into_boxed_slice() }
}

/// Characters that take no room and show nothing (Unicode's default-ignorables: zero-width and
/// directional controls, variation selectors, soft hyphen, tags): not drawn and not counted as
/// missing, since no font is expected to show them.
fn ignorable(c: char) -> bool {
    matches!(c as u32,
        0x00AD | 0x034F | 0x061C | 0x115F..=0x1160 | 0x17B4..=0x17B5 | 0x180B..=0x180F | 0x200B..=0x200F
        | 0x202A..=0x202E | 0x2060..=0x206F | 0x3164 | 0xFE00..=0xFE0F | 0xFEFF | 0xFFA0 | 0xFFF0..=0xFFF8
        | 0x1BCA0..=0x1BCA3 | 0x1D173..=0x1D17A | 0xE0000..=0xE0FFF)
}

/// Spaces that do not break a line.
fn no_break_space(c: char) -> bool {
    matches!(c, '\u{00A0}' | '\u{2007}' | '\u{202F}')
}

// ---------------------------------------------------------------------------------------------
// Single lines: box labels and stamps
// ---------------------------------------------------------------------------------------------

/// A line of text set without wrapping, in em units.
struct Shaped {
    /// Face, glyph, x of origin, advance.
    glyphs: Vec<(u16, GlyphId, f32, f32)>,
    width: f32,
}

/// Sets `text` on one line (line breaks become spaces), in memory order: labels and stamps are
/// the production's own words.
fn shape_line(ctx: &mut Ctx, w: Weight, text: &str) -> Shaped {
    let mut glyphs = Vec::new();
    let mut x = 0.0f32;
    let mut prev: Option<(u16, GlyphId)> = None;
    for c in text.chars() {
        let c = if c.is_whitespace() && !no_break_space(c) { ' ' } else { c };
        if c.is_control() || ignorable(c) {
            continue;
        }
        let r = ctx.resolve(w, c);
        if let Some((f, p)) = prev {
            if f == r.face {
                x += ctx.kern(f, p, r.id);
            }
        }
        glyphs.push((r.face, r.id, x, r.adv));
        x += r.adv;
        prev = Some((r.face, r.id));
    }
    Shaped { glyphs, width: x }
}

/// The largest label size used in a box, in pixels to the em: a big box (a redacted picture or
/// paragraph) keeps a readable label rather than a shouting one. In pixels because a box is
/// described only by its pixel size, so that [`expected_box`] needs nothing else.
pub const MAX_LABEL_EM_PX: f32 = 32.0;
/// Below this a label is a smudge, not text, and is left out.
pub const MIN_LABEL_EM_PX: f32 = 4.0;

/// A box label's glyphs placed in a `w` × `h` box: pixel x of each origin and the baseline row.
struct BoxLabel {
    glyphs: Vec<(u16, GlyphId, f32)>,
    em: f32,
    baseline: i64,
}

/// Where a label goes in a box: bold, centred, as large as fits with padding (a third of the
/// height each side, a tenth above and below), capped at [`MAX_LABEL_EM_PX`]; `None` when that
/// is under [`MIN_LABEL_EM_PX`] or the label is empty.
fn box_label(ctx: &mut Ctx, w: u32, h: u32, label: &str) -> Option<BoxLabel> {
    let shaped = shape_line(ctx, Weight::Bold, label.trim());
    if shaped.glyphs.is_empty() || shaped.width <= 0.0 {
        return None;
    }
    let face = ctx.fonts.primary(Weight::Bold);
    let tall = face.ascent + face.descent;
    let (wf, hf) = (w as f32, h as f32);
    let pad_x = (hf * 0.35).max(2.0);
    let pad_y = (hf * 0.1).max(1.0);
    let em = ((wf - 2.0 * pad_x) / shaped.width).min((hf - 2.0 * pad_y) / tall).min(MAX_LABEL_EM_PX);
    // On the cache's 1/64 px grid, so the positions here are those the glyphs are drawn at.
    let em = (em * 64.0).floor() / 64.0;
    // NaN (a zero-size box) fails too.
    if em.is_nan() || em < MIN_LABEL_EM_PX {
        return None;
    }
    let x0 = (wf - shaped.width * em) / 2.0;
    let baseline = ((hf - tall * em) / 2.0 + face.ascent * em).round() as i64;
    Some(BoxLabel { glyphs: shaped.glyphs.iter().map(|&(f, id, x, _)| (f, id, x0 + x * em)).collect(), em, baseline })
}

/// A black box with its label in white, into `surf` at `rect` (clipped to the surface). The
/// label is placed from the rect's own corner, so the pixels are the same wherever it lands.
fn draw_box(surf: &mut Surface, ctx: &mut Ctx, rect: PxRect, label: &str) {
    let clip = rect.intersect(surf.bounds());
    surf.fill(clip, 0);
    if let Some(l) = box_label(ctx, rect.width(), rect.height(), label) {
        for (f, id, x) in l.glyphs {
            ctx.draw_glyph(surf, f, id, l.em, rect.x0 as f32 + x, rect.y0 as i64 + l.baseline, 255, clip);
        }
    }
}

/// Burns an opaque black box with its label (white, centred, shrunk to fit, left out when it
/// cannot be at least [`MIN_LABEL_EM_PX`]) into `canvas` at `rect`. Gray or RGB; on RGB every
/// channel gets the same value, so [`Canvas::region_matches`] compares it with [`expected_box`].
pub fn burn_box(canvas: &mut Canvas, rect: PxRect, label: &str, fonts: &Fonts) {
    draw_box(&mut canvas.surface(), &mut Ctx::new(fonts), rect, label);
}

/// [`burn_box`] on RGB8 pixels held elsewhere (e.g. a PDF page from a renderer).
pub fn burn_box_rgb(px: &mut [u8], width: u32, height: u32, rect: PxRect, label: &str, fonts: &Fonts) {
    draw_box(&mut Surface::new(px, width, height, 3), &mut Ctx::new(fonts), rect, label);
}

/// What [`burn_box`] draws at a `width` × `height` rect, alone, as a gray canvas: the production's
/// verification gate compares a produced box with it pixel for pixel (on an RGB page each
/// channel equals the gray value; see [`Canvas::region_matches`]). Both go through the same
/// code from the box's own corner, so they agree exactly.
pub fn expected_box(width: u32, height: u32, label: &str, fonts: &Fonts) -> Canvas {
    let mut c = Canvas::white(width, height);
    burn_box(&mut c, PxRect { x0: 0, y0: 0, x1: width, y1: height }, label, fonts);
    c
}

/// Stamp text size in points.
const STAMP_PT: f32 = 10.0;
/// Smallest a stamp is shrunk to before it is cut short with an ellipsis.
const STAMP_MIN_PT: f32 = 6.0;
/// White around stamp text, in points.
const STAMP_PAD_PT: f32 = 3.0;
/// Least room between the endorsement and the Bates number, in points.
const STAMP_GAP_PT: f32 = 18.0;

/// Pixels per point for stamp text at `dpi`, and the white padding around it in pixels.
fn stamp_scale(dpi: f32) -> (f32, u32) {
    let s = if dpi.is_finite() { dpi.clamp(18.0, 1200.0) / 72.0 } else { 150.0 / 72.0 };
    (s, (STAMP_PAD_PT * s).round() as u32)
}

/// Stamps in `band`: the text inset by the padding, on white patches that stay inside the band.
fn draw_stamp(surf: &mut Surface, band: PxRect, dpi: f32, left: &str, right: &str, fonts: &Fonts) -> Vec<PxRect> {
    let mut ctx = Ctx::new(fonts);
    let band = band.intersect(surf.bounds());
    if band.is_empty() {
        return Vec::new();
    }
    let (s, pad) = stamp_scale(dpi);
    let face = fonts.primary(Weight::Bold);
    let (asc, desc) = (face.ascent, face.descent);
    let nominal = STAMP_PT * s;
    let floor_em = STAMP_MIN_PT * s;
    let gap = STAMP_GAP_PT * s;
    let (text_x0, text_x1) = ((band.x0 + pad) as f32, band.x1.saturating_sub(pad) as f32);
    let width = text_x1 - text_x0;
    if width <= 0.0 {
        return Vec::new();
    }
    let pad = pad as i64;
    let mut out = Vec::new();

    // The Bates number first: it must be there whole, and the endorsement takes what is left.
    let right = fit_shaped(&mut ctx, right, width, nominal, floor_em);
    let right_w = right.as_ref().map_or(0.0, |(sh, em)| sh.width * em);
    let left_room = if right.is_some() { width - right_w - gap } else { width };
    let left = if left_room > 0.0 { fit_shaped(&mut ctx, left, left_room, nominal, floor_em) } else { None };

    for (sh, em, x0) in [left.map(|(sh, em)| (sh, em, text_x0)), right.map(|(sh, em)| (sh, em, text_x1 - right_w))].into_iter().flatten() {
        // Centred in the band on the text's ascent-to-descent height.
        let baseline = (band.y0 as f32 + (band.height() as f32 - (asc + desc) * em) / 2.0 + asc * em).round() as i64;
        let top = baseline - (asc * em).round() as i64 - pad;
        let bottom = baseline + (desc * em).round() as i64 + pad;
        let xa = x0.floor() as i64 - pad;
        let xb = (x0 + sh.width * em).ceil() as i64 + pad;
        let clampx = |v: i64| v.clamp(band.x0 as i64, band.x1 as i64) as u32;
        let clampy = |v: i64| v.clamp(band.y0 as i64, band.y1 as i64) as u32;
        let rect = PxRect { x0: clampx(xa), y0: clampy(top), x1: clampx(xb), y1: clampy(bottom) }.intersect(surf.bounds());
        if rect.is_empty() {
            continue;
        }
        surf.fill(rect, 255);
        for &(f, id, x, _) in &sh.glyphs {
            ctx.draw_glyph(surf, f, id, em, x0 + x * em, baseline, 0, rect);
        }
        out.push(rect);
    }
    out
}

/// `text` set at `nominal` px to the em, shrunk to fit `room` px down to `floor_em`, and below that
/// cut short with an ellipsis. `None` for empty text.
fn fit_shaped(ctx: &mut Ctx, text: &str, room: f32, nominal: f32, floor_em: f32) -> Option<(Shaped, f32)> {
    let mut sh = shape_line(ctx, Weight::Bold, text.trim());
    if sh.glyphs.is_empty() {
        return None;
    }
    if sh.width * nominal <= room {
        return Some((sh, nominal));
    }
    let em = (room / sh.width).max(floor_em).min(nominal);
    if sh.width * em <= room {
        return Some((sh, em));
    }
    let ell = shape_line(ctx, Weight::Bold, "…");
    let keep = room / em - ell.width;
    sh.glyphs.retain(|&(_, _, x, adv)| x + adv <= keep);
    let end = sh.glyphs.last().map_or(0.0, |&(_, _, x, adv)| x + adv);
    sh.glyphs.extend(ell.glyphs.iter().map(|&(f, id, x, adv)| (f, id, end + x, adv)));
    sh.width = end + ell.width;
    Some((sh, em))
}

/// Stamps `right` (the Bates number) at the bottom right and `left` (an endorsement, may be empty)
/// at the bottom left of the footer band, each on a white patch so it reads over any page (a PDF
/// page may have ink there). The band is measured from the canvas's own edges at `geom`'s
/// resolution and margins. Returns the rects drawn in (white patch included), none above the
/// band: the stamp never covers the body.
pub fn stamp(canvas: &mut Canvas, geom: &PageGeometry, left: &str, right: &str, fonts: &Fonts) -> Vec<PxRect> {
    let (band, dpi) = stamp_band(geom, canvas.width, canvas.height);
    draw_stamp(&mut canvas.surface(), band, dpi, left, right, fonts)
}

/// [`stamp`] on RGB8 pixels held elsewhere.
pub fn stamp_rgb(px: &mut [u8], width: u32, height: u32, geom: &PageGeometry, left: &str, right: &str, fonts: &Fonts) -> Vec<PxRect> {
    let (band, dpi) = stamp_band(geom, width, height);
    draw_stamp(&mut Surface::new(px, width, height, 3), band, dpi, left, right, fonts)
}

/// The footer band widened by the stamp padding into the side margins, so the text lines up
/// with the body's edges and its white patch still has padding.
fn stamp_band(geom: &PageGeometry, width: u32, height: u32) -> (PxRect, f32) {
    let dpi = geom.usable().dpi;
    let band = geom.footer_band_px(width, height);
    let (_, pad) = stamp_scale(dpi);
    (PxRect { x0: band.x0.saturating_sub(pad), x1: band.x1.saturating_add(pad).min(width), ..band }, dpi)
}

/// [`stamp`] into any band of `canvas` (text sized for `dpi`): for a stamp drawn as an image of
/// its own (the band alone, `PxRect` of the whole canvas, with its own side insets), or a page
/// laid out some other way. Draws nothing outside `band`.
pub fn stamp_in(canvas: &mut Canvas, band: PxRect, dpi: f32, left: &str, right: &str, fonts: &Fonts) -> Vec<PxRect> {
    draw_stamp(&mut canvas.surface(), band, dpi, left, right, fonts)
}

// ---------------------------------------------------------------------------------------------
// Flow: paragraphs laid out on pages
// ---------------------------------------------------------------------------------------------

/// One piece of a paragraph: plain text, or a redaction drawn in the flow as a black box with
/// its label.
#[derive(Clone, Debug, PartialEq)]
pub enum Run {
    Text(String),
    /// `label` e.g. "REDACTED – AC". The box's width comes from the label, never from the hidden
    /// text, so it reveals nothing about what it hides.
    Redacted {
        label: String,
    },
}

/// How a paragraph is set.
#[derive(Clone, Debug, PartialEq)]
pub enum Style {
    /// 14 pt bold.
    Title,
    /// `name` ("From:") bold in a label column, the runs wrapping in the value column beside it.
    HeaderField { name: String },
    /// 10 pt.
    Body,
    /// 9 pt DejaVu Sans Mono (regular face when no monospace font is loaded), for text whose
    /// columns matter.
    Monospace,
    /// 8 pt, for notes such as an attachment list.
    Small,
    /// A horizontal line across the body; its runs are ignored.
    Rule,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Paragraph {
    pub runs: Vec<Run>,
    pub style: Style,
}

impl Paragraph {
    /// A paragraph from text with inline `[REDACTED – …]` markers (see [`runs_from_marked`]).
    pub fn marked(style: Style, text: &str) -> Paragraph {
        Paragraph { runs: runs_from_marked(text), style }
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Flow {
    pub paragraphs: Vec<Paragraph>,
}

/// A redaction box as drawn on a page.
#[derive(Clone, Debug, PartialEq)]
pub struct DrawnBox {
    pub rect: PxRect,
    pub label: String,
}

/// One page image and the redaction boxes on it.
#[derive(Debug)]
pub struct TypesetPage {
    pub canvas: Canvas,
    pub redactions: Vec<DrawnBox>,
}

#[derive(Debug)]
pub struct Typeset {
    pub pages: Vec<TypesetPage>,
    /// Characters drawn as .notdef because no font has them; the caller says so in its notes.
    pub missing_glyphs: usize,
}

/// Body text size, points.
const BODY_PT: f32 = 10.0;
const TITLE_PT: f32 = 14.0;
const MONO_PT: f32 = 9.0;
const SMALL_PT: f32 = 8.0;
const LINE_HEIGHT: f32 = 1.3;
/// The narrowest header label column; wider when a label of the block needs it.
const LABEL_COLUMN_PT: f32 = 70.0;
/// Room between a header label and its value.
const LABEL_GAP_PT: f32 = 8.0;
/// A flow box is its label's width at this size, plus padding each side, and at least the minimum.
const BOX_LABEL_PT: f32 = 8.0;
const BOX_PAD_PT: f32 = 4.0;
const BOX_MIN_PT: f32 = 40.0;
const RULE_PT: f32 = 0.75;
const RULE_BEFORE_PT: f32 = 6.0;
const RULE_AFTER_PT: f32 = 9.0;

/// Size, weight and spacing after, for a text style.
fn style_of(style: &Style) -> (f32, Weight, f32) {
    match style {
        Style::Title => (TITLE_PT, Weight::Bold, 0.6),
        Style::HeaderField { .. } => (BODY_PT, Weight::Regular, 0.0),
        Style::Body => (BODY_PT, Weight::Regular, 0.5),
        Style::Monospace => (MONO_PT, Weight::Mono, 0.5),
        Style::Small => (SMALL_PT, Weight::Regular, 0.5),
        Style::Rule => (BODY_PT, Weight::Regular, 0.0),
    }
}

/// A glyph placed on a line, x (of its origin) relative to the line's start in pixels.
#[derive(Clone, Copy, Debug)]
struct Placed {
    face: u16,
    id: GlyphId,
    x: f32,
    adv: f32,
    dir: Dir,
    /// The mirrored glyph ("(" for ")") drawn when the glyph ends up in a right-to-left run;
    /// .notdef (0) when there is none.
    mirrored: GlyphId,
    /// The character shown (for writers that keep text as text, see [`Fonts::set_lines`]).
    ch: char,
}

/// A placed piece of a line.
#[derive(Clone, Debug)]
enum Item {
    Glyph(Placed),
    Box { x: f32, w: f32, label: String },
}

/// Direction class of a character, enough to put right-to-left runs in reading order on an
/// otherwise left-to-right page: Hebrew or Arabic drawn in memory order would read backwards.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Dir {
    Ltr,
    Rtl,
    Digit,
    /// Separators that join digits into one number ("1,234.56", "12:30", "3/4").
    Sep,
    /// Paired brackets, which go with the run they enclose.
    Open,
    Close,
    Neutral,
}

fn dir_of(c: char) -> Dir {
    match c as u32 {
        0x0660..=0x0669 | 0x06F0..=0x06F9 => Dir::Digit,
        0x0590..=0x08FF | 0xFB1D..=0xFDFF | 0xFE70..=0xFEFF | 0x10800..=0x10FFF | 0x1E800..=0x1EFFF => Dir::Rtl,
        _ if c.is_ascii_digit() => Dir::Digit,
        _ if matches!(c, ',' | '.' | ':' | '/' | '-' | '+') => Dir::Sep,
        _ if matches!(c, '(' | '[' | '{') => Dir::Open,
        _ if matches!(c, ')' | ']' | '}') => Dir::Close,
        _ if c.is_alphabetic() => Dir::Ltr,
        _ => Dir::Neutral,
    }
}

/// The glyph shown for `c` inside right-to-left text (Unicode's common mirrored pairs).
fn mirror_of(c: char) -> Option<char> {
    Some(match c {
        '(' => ')',
        ')' => '(',
        '[' => ']',
        ']' => '[',
        '{' => '}',
        '}' => '{',
        '<' => '>',
        '>' => '<',
        '«' => '»',
        '»' => '«',
        '‹' => '›',
        '›' => '‹',
        _ => return None,
    })
}

/// Presentation forms of an Arabic letter: (isolated form, forms in Unicode's order isolated,
/// final, initial, medial: 2 for a letter that joins only the one before it, 4 for one that
/// joins both sides).
fn arabic_forms(c: char) -> Option<(u32, u8)> {
    let (iso, n) = match c as u32 {
        0x0621 => (0xFE80, 1),
        0x0622 => (0xFE81, 2),
        0x0623 => (0xFE83, 2),
        0x0624 => (0xFE85, 2),
        0x0625 => (0xFE87, 2),
        0x0626 => (0xFE89, 4),
        0x0627 => (0xFE8D, 2),
        0x0628 => (0xFE8F, 4),
        0x0629 => (0xFE93, 2),
        0x062A => (0xFE95, 4),
        0x062B => (0xFE99, 4),
        0x062C => (0xFE9D, 4),
        0x062D => (0xFEA1, 4),
        0x062E => (0xFEA5, 4),
        0x062F => (0xFEA9, 2),
        0x0630 => (0xFEAB, 2),
        0x0631 => (0xFEAD, 2),
        0x0632 => (0xFEAF, 2),
        0x0633 => (0xFEB1, 4),
        0x0634 => (0xFEB5, 4),
        0x0635 => (0xFEB9, 4),
        0x0636 => (0xFEBD, 4),
        0x0637 => (0xFEC1, 4),
        0x0638 => (0xFEC5, 4),
        0x0639 => (0xFEC9, 4),
        0x063A => (0xFECD, 4),
        0x0641 => (0xFED1, 4),
        0x0642 => (0xFED5, 4),
        0x0643 => (0xFED9, 4),
        0x0644 => (0xFEDD, 4),
        0x0645 => (0xFEE1, 4),
        0x0646 => (0xFEE5, 4),
        0x0647 => (0xFEE9, 4),
        0x0648 => (0xFEED, 2),
        0x0649 => (0xFEEF, 2),
        0x064A => (0xFEF1, 4),
        0x067E => (0xFB56, 4),
        0x0686 => (0xFB7A, 4),
        0x0698 => (0xFB8A, 2),
        0x06A9 => (0xFB8E, 4),
        0x06AF => (0xFB92, 4),
        0x06CC => (0xFBFC, 4),
        _ => return None,
    };
    Some((iso, n))
}

/// Marks an Arabic letter joins across (harakat, superscript alef).
fn arabic_transparent(c: char) -> bool {
    matches!(c as u32, 0x0610..=0x061A | 0x064B..=0x065F | 0x0670 | 0x06D6..=0x06DC | 0x06DF..=0x06E4 | 0x06E7..=0x06E8 | 0x06EA..=0x06ED)
}

/// Arabic letters in the contextual forms that join them (Unicode's presentation forms, which
/// DejaVu Sans has), with the lam-alef ligatures, so words read as written rather than as a row
/// of isolated letters. Text without Arabic letters is returned as is.
fn join_arabic(t: &str) -> std::borrow::Cow<'_, str> {
    if !t.chars().any(|c| arabic_forms(c).is_some()) {
        return std::borrow::Cow::Borrowed(t);
    }
    let chars: Vec<char> = t.chars().collect();
    // Whether the letter at i joins the one after it / the one before it.
    let joins_next = |c: char| c == '\u{0640}' || arabic_forms(c).is_some_and(|(_, n)| n == 4);
    let joins_prev = |c: char| c == '\u{0640}' || arabic_forms(c).is_some_and(|(_, n)| n >= 2);
    let neighbour = |from: usize, step: isize| -> Option<char> {
        let mut i = from as isize + step;
        while i >= 0 && (i as usize) < chars.len() {
            let c = chars[i as usize];
            if !arabic_transparent(c) {
                return Some(c);
            }
            i += step;
        }
        None
    };
    let mut out = String::with_capacity(t.len() + 8);
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let Some((iso, n)) = arabic_forms(c) else {
            out.push(c);
            i += 1;
            continue;
        };
        let after_joins = neighbour(i, -1).is_some_and(joins_next) && n >= 2;
        // Lam then alef (nothing between): one ligature, isolated or final.
        let lam_alef = match (c, chars.get(i + 1)) {
            ('\u{0644}', Some('\u{0622}')) => Some(0xFEF5),
            ('\u{0644}', Some('\u{0623}')) => Some(0xFEF7),
            ('\u{0644}', Some('\u{0625}')) => Some(0xFEF9),
            ('\u{0644}', Some('\u{0627}')) => Some(0xFEFB),
            _ => None,
        };
        if let Some(lig) = lam_alef {
            out.push(char::from_u32(lig + u32::from(after_joins)).unwrap_or(c));
            i += 2;
            continue;
        }
        let before_joins = n == 4 && neighbour(i, 1).is_some_and(joins_prev);
        let form = match (after_joins, before_joins) {
            (false, false) => 0,
            (true, false) => 1,
            (false, true) => 2,
            (true, true) => 3,
        };
        out.push(char::from_u32(iso + form).unwrap_or(c));
        i += 1;
    }
    std::borrow::Cow::Owned(out)
}

/// One unit moved by [`visual_order`]: a glyph with the zero-width marks that follow it.
struct Cluster {
    start: usize,
    end: usize,
    left: f32,
    right: f32,
    dir: Dir,
}

/// Puts the right-to-left runs of a laid-out line in reading order, in place: a run (from a
/// right-to-left letter, through neutrals and numbers, to the last right-to-left letter or
/// number) is mirrored within the space it takes, numbers inside it keep their own order, and
/// brackets in it are mirrored. A simplified Unicode bidi algorithm for left-to-right paragraphs,
/// with no Arabic joining (letters show in their isolated forms).
fn visual_order(line: &mut [Item]) {
    let mut cl: Vec<Cluster> = Vec::new();
    for (i, item) in line.iter().enumerate() {
        match item {
            Item::Glyph(p) if p.adv == 0.0 && cl.last().is_some_and(|c| c.end == i && c.dir != Dir::Ltr) => {
                if let Some(c) = cl.last_mut() {
                    c.end = i + 1;
                    c.right = c.right.max(p.x);
                }
            }
            Item::Glyph(p) => cl.push(Cluster { start: i, end: i + 1, left: p.x, right: p.x + p.adv, dir: p.dir }),
            Item::Box { x, w, .. } => cl.push(Cluster { start: i, end: i + 1, left: *x, right: x + w, dir: Dir::Ltr }),
        }
    }
    let weak = |d: Dir| !matches!(d, Dir::Ltr | Dir::Rtl);
    // Touching, not across a space (spaces are gaps between clusters, not clusters).
    let touch = |a: &Cluster, b: &Cluster| b.left - a.right < 0.3 * (b.right - b.left).max(1.0);
    let mut i = 0;
    while i < cl.len() {
        if cl[i].dir != Dir::Rtl {
            i += 1;
            continue;
        }
        // The run: numbers just before join it, then everything up to the last right-to-left
        // letter or number before a left-to-right letter; neutrals at its edges stay outside.
        let mut a = i;
        while a > 0 && weak(cl[a - 1].dir) {
            a -= 1;
        }
        while a < i && cl[a].dir != Dir::Digit {
            a += 1;
        }
        let mut j = i;
        let mut b = i;
        while j < cl.len() && cl[j].dir != Dir::Ltr {
            if matches!(cl[j].dir, Dir::Rtl | Dir::Digit) {
                b = j;
            }
            j += 1;
        }
        // A bracket pair opened inside the run and closed just after it (or the reverse) goes
        // with it, as Unicode's bracket-pair rule does.
        let depth: i32 = cl[a..=b].iter().map(|c| i32::from(c.dir == Dir::Open) - i32::from(c.dir == Dir::Close)).sum();
        if depth > 0 {
            let mut d = depth;
            if let Some(e) = (b + 1..j).find(|&e| {
                d -= i32::from(cl[e].dir == Dir::Close);
                d == 0
            }) {
                b = e;
            }
        } else if depth < 0 {
            let mut d = depth;
            if let Some(s) = (0..a).rev().take_while(|&s| weak(cl[s].dir)).find(|&s| {
                d += i32::from(cl[s].dir == Dir::Open);
                d == 0
            }) {
                a = s;
            }
        }
        // Numbers, found before anything moves: digits, touching, joined by single separators.
        let mut numbers = Vec::new();
        let mut k = a;
        while k <= b {
            if cl[k].dir != Dir::Digit {
                k += 1;
                continue;
            }
            let mut e = k;
            loop {
                if e < b && cl[e + 1].dir == Dir::Digit && touch(&cl[e], &cl[e + 1]) {
                    e += 1;
                } else if e + 1 < b
                    && cl[e + 1].dir == Dir::Sep
                    && cl[e + 2].dir == Dir::Digit
                    && touch(&cl[e], &cl[e + 1])
                    && touch(&cl[e + 1], &cl[e + 2])
                {
                    e += 2;
                } else {
                    break;
                }
            }
            numbers.push((k, e));
            k = e + 1;
        }
        mirror(line, &mut cl[a..=b], true);
        // Numbers read left to right inside the run: each is mirrored back within its new place.
        for (k, e) in numbers {
            mirror(line, &mut cl[k..=e], false);
        }
        i = j.max(b + 1);
    }
}

/// Mirrors clusters within the span they take together; with `brackets`, shows the mirrored
/// form of glyphs that have one.
fn mirror(line: &mut [Item], cl: &mut [Cluster], brackets: bool) {
    let s = cl.iter().map(|c| c.left).fold(f32::INFINITY, f32::min);
    let e = cl.iter().map(|c| c.right).fold(f32::NEG_INFINITY, f32::max);
    for c in cl.iter_mut() {
        let delta = s + e - c.right - c.left;
        for (n, item) in line[c.start..c.end].iter_mut().enumerate() {
            match item {
                // Right-to-left fonts draw a mark to the right of its origin, over the letter to
                // its right: its origin is the letter's left edge, where the letter now starts.
                Item::Glyph(p) if n > 0 && brackets && c.dir == Dir::Rtl => p.x = c.left + delta,
                Item::Glyph(p) => {
                    p.x += delta;
                    if brackets && p.mirrored.0 != 0 {
                        p.id = p.mirrored;
                        p.ch = mirror_of(p.ch).unwrap_or(p.ch);
                    }
                }
                Item::Box { x, .. } => *x += delta,
            }
        }
        c.left += delta;
        c.right += delta;
    }
}

/// Breaks a stream of characters and boxes into lines of at most `avail` pixels, one line at a
/// time, so memory stays at about a line whatever the paragraph's length. Finished lines wait in
/// `out` for the caller.
struct Breaker {
    avail: f32,
    em: f32,
    weight: Weight,
    line: Vec<Item>,
    has_content: bool,
    /// End of the last word or box on the line.
    line_w: f32,
    /// Spaces after it: drawn only if something follows on the same line.
    pending: f32,
    /// The word being read, x within the word.
    word: Vec<Placed>,
    word_w: f32,
    prev: Option<(u16, GlyphId)>,
    emitted: usize,
    out: VecDeque<Vec<Item>>,
}

/// Slack for float comparisons of widths, in pixels.
const EPS: f32 = 0.01;

impl Breaker {
    fn new(avail: f32, em: f32, weight: Weight) -> Breaker {
        Breaker {
            avail: avail.max(1.0),
            em,
            weight,
            line: Vec::new(),
            has_content: false,
            line_w: 0.0,
            pending: 0.0,
            word: Vec::new(),
            word_w: 0.0,
            prev: None,
            emitted: 0,
            out: VecDeque::new(),
        }
    }

    fn start(&self) -> f32 {
        if self.has_content {
            self.line_w + self.pending
        } else {
            self.pending
        }
    }

    fn emit(&mut self) {
        if self.line.iter().any(|i| matches!(i, Item::Glyph(p) if p.dir == Dir::Rtl)) {
            visual_order(&mut self.line);
        }
        self.out.push_back(std::mem::take(&mut self.line));
        self.has_content = false;
        self.line_w = 0.0;
        self.pending = 0.0;
        self.emitted += 1;
    }

    fn commit_word(&mut self) {
        if self.word.is_empty() {
            return;
        }
        let base = self.start();
        self.line.extend(self.word.drain(..).map(|p| Item::Glyph(Placed { x: base + p.x, ..p })));
        self.line_w = base + self.word_w;
        self.has_content = true;
        self.pending = 0.0;
        self.word_w = 0.0;
    }

    fn push_char(&mut self, ctx: &mut Ctx, c: char) {
        let r = ctx.resolve(self.weight, c);
        if r.missing {
            ctx.missing += 1;
        }
        let kern = match self.prev {
            Some((f, p)) if f == r.face => ctx.kern(f, p, r.id) * self.em,
            _ => 0.0,
        };
        let x = self.word_w + kern;
        let mirrored = match mirror_of(c).map(|m| ctx.resolve(self.weight, m)) {
            Some(m) if m.face == r.face && !m.missing => m.id,
            _ => GlyphId(0),
        };
        let adv = r.adv * self.em;
        self.word.push(Placed { face: r.face, id: r.id, x, adv, dir: dir_of(c), mirrored, ch: c });
        self.word_w = x + adv;
        self.prev = Some((r.face, r.id));
        self.fit();
    }

    /// Keeps the word being read within the line: moves it to a new line when it does not fit
    /// after what is there, and breaks it hard when it is longer than a whole line.
    fn fit(&mut self) {
        loop {
            if self.start() + self.word_w <= self.avail + EPS {
                return;
            }
            if self.has_content {
                self.emit();
                continue;
            }
            if self.pending > 0.0 {
                // Indentation gives way before a word is broken.
                self.pending = 0.0;
                continue;
            }
            // Alone on the line and too long: all but the glyph just added fitted.
            if self.word.len() < 2 {
                return;
            }
            let Some(last) = self.word.pop() else { return };
            self.line.extend(self.word.drain(..).map(Item::Glyph));
            self.has_content = true;
            self.emit();
            self.word.push(Placed { x: 0.0, ..last });
            self.word_w -= last.x;
            return;
        }
    }

    fn push_space(&mut self, ctx: &mut Ctx, c: char) {
        self.commit_word();
        self.prev = None;
        let r = ctx.resolve(self.weight, c);
        let adv = if r.missing { ctx.resolve(self.weight, ' ').adv } else { r.adv };
        self.pending += adv * self.em;
    }

    fn push_box(&mut self, w: f32, label: &str) {
        self.commit_word();
        self.prev = None;
        let w = w.min(self.avail);
        if self.start() + w > self.avail + EPS {
            if self.has_content {
                self.emit();
            }
            self.pending = 0.0;
        }
        let x = self.start();
        self.line.push(Item::Box { x, w, label: label.to_string() });
        self.line_w = x + w;
        self.has_content = true;
        self.pending = 0.0;
    }

    fn newline(&mut self) {
        self.commit_word();
        self.prev = None;
        self.emit();
    }

    /// Ends the paragraph: an empty paragraph is one blank line, and a final `\n` adds none.
    fn finish(&mut self) {
        self.commit_word();
        if self.has_content || self.emitted == 0 {
            self.emit();
        }
    }
}

/// Feeds runs to a breaker, handing each finished line to `on_line`.
fn feed(
    ctx: &mut Ctx,
    br: &mut Breaker,
    runs: &[Run],
    box_w: &mut dyn FnMut(&mut Ctx, &str) -> f32,
    on_line: &mut dyn FnMut(&mut Ctx, Vec<Item>),
) {
    for run in runs {
        match run {
            Run::Text(t) => {
                let mut prev_cr = false;
                let t = join_arabic(t);
                for c in t.chars() {
                    match c {
                        '\n' if prev_cr => {}
                        '\r' | '\n' | '\u{0B}' | '\u{0C}' | '\u{85}' | '\u{2028}' | '\u{2029}' => br.newline(),
                        '\t' => {
                            for _ in 0..4 {
                                br.push_space(ctx, ' ');
                            }
                        }
                        c if c.is_whitespace() && !no_break_space(c) => br.push_space(ctx, c),
                        c if c.is_control() || ignorable(c) => {}
                        c => br.push_char(ctx, c),
                    }
                    prev_cr = c == '\r';
                    while let Some(l) = br.out.pop_front() {
                        on_line(ctx, l);
                    }
                }
            }
            Run::Redacted { label } => {
                let w = box_w(ctx, label);
                br.push_box(w, label);
                while let Some(l) = br.out.pop_front() {
                    on_line(ctx, l);
                }
            }
        }
    }
    br.finish();
    while let Some(l) = br.out.pop_front() {
        on_line(ctx, l);
    }
}

/// One column of a row: a line, where it starts, its size and weight.
struct Cell {
    items: Vec<Item>,
    x0: f32,
    em: f32,
    weight: Weight,
}

/// Places lines down pages, starting a page when one is full and handing finished pages on, so
/// only one page is held at a time.
struct Pager<'s> {
    width: u32,
    height: u32,
    frame: Frame,
    canvas: Option<Canvas>,
    redactions: Vec<DrawnBox>,
    /// Top of the next line, in pixels.
    y: f32,
    /// Nothing placed on the current page yet (no space before the first line of a page).
    fresh: bool,
    pages: usize,
    sink: &'s mut dyn FnMut(TypesetPage),
}

impl Pager<'_> {
    fn flush(&mut self) {
        if let Some(canvas) = self.canvas.take() {
            (self.sink)(TypesetPage { canvas, redactions: std::mem::take(&mut self.redactions) });
            self.pages += 1;
        }
    }

    /// Makes room for `h` pixels, on a new page if needed; a page always takes at least one line,
    /// so layout moves on even when a line is taller than the body.
    fn room(&mut self, h: f32) -> &mut Canvas {
        if self.canvas.is_some() && !self.fresh && self.y + h > self.frame.body.y1 as f32 + EPS {
            self.flush();
        }
        if self.canvas.is_none() {
            self.y = self.frame.body.y0 as f32;
            self.fresh = true;
        }
        let (w, h) = (self.width, self.height);
        self.canvas.get_or_insert_with(|| Canvas::white(w, h))
    }

    fn space(&mut self, h: f32) {
        if !self.fresh {
            self.y += h;
        }
    }

    /// Draws one row of cells (a line, or a header label beside its value) at the same baseline.
    fn row(&mut self, ctx: &mut Ctx, cells: &[Cell], line_h: f32) {
        let body = self.frame.body;
        self.room(line_h);
        let y = self.y;
        let Some(canvas) = self.canvas.as_mut() else { return };
        let mut surf = canvas.surface();
        for cell in cells {
            let face = ctx.fonts.primary(cell.weight);
            let (asc, desc) = (face.ascent * cell.em, face.descent * cell.em);
            let baseline_f = y + (line_h - (asc + desc)) / 2.0 + asc;
            let baseline = baseline_f.round() as i64;
            for item in &cell.items {
                match item {
                    Item::Glyph(p) => ctx.draw_glyph(&mut surf, p.face, p.id, cell.em, cell.x0 + p.x, baseline, 0, body),
                    Item::Box { x, w, label } => {
                        let x0 = (cell.x0 + x).round().max(0.0) as u32;
                        let x1 = (cell.x0 + x + w).round().max(0.0) as u32;
                        let y0 = (baseline as f32 - asc).round().max(0.0) as u32;
                        let y1 = (baseline as f32 + desc).round().max(0.0) as u32;
                        let rect = PxRect { x0, y0, x1, y1 }.intersect(body);
                        if !rect.is_empty() {
                            draw_box(&mut surf, ctx, rect, label);
                            self.redactions.push(DrawnBox { rect, label: label.clone() });
                        }
                    }
                }
            }
        }
        self.y += line_h;
        self.fresh = false;
    }

    fn rule(&mut self) {
        let s = self.frame.scale;
        let thick = (RULE_PT * s).round().max(1.0);
        self.space(RULE_BEFORE_PT * s);
        let body = self.frame.body;
        let y0 = self.y.round().max(0.0) as u32;
        let rect = PxRect { x0: body.x0, y0, x1: body.x1, y1: y0 + thick as u32 }.intersect(body);
        self.room(thick).fill(rect, 0);
        self.y += thick;
        self.fresh = false;
        self.space(RULE_AFTER_PT * s);
    }
}

/// Lays `flow` out on pages of `geom` and returns them all. For very long documents prefer
/// [`typeset_each`], which hands each page on as soon as it is full.
pub fn typeset(flow: &Flow, geom: &PageGeometry, fonts: &Fonts) -> Typeset {
    let mut pages = Vec::new();
    let missing_glyphs = typeset_each(flow, geom, fonts, &mut |p| pages.push(p));
    Typeset { pages, missing_glyphs }
}

/// Lays `flow` out, handing each page to `sink` as soon as it is full (memory: one page, plus
/// whatever `sink` keeps); returns the count of characters drawn as .notdef. Always at least one
/// page, blank for an empty flow.
pub fn typeset_each(flow: &Flow, geom: &PageGeometry, fonts: &Fonts, sink: &mut dyn FnMut(TypesetPage)) -> usize {
    let (width, height) = geom.size_px();
    let frame = geom.frame(width, height);
    let s = frame.scale;
    let body = frame.body;
    let mut ctx = Ctx::new(fonts);
    let mut pager = Pager { width, height, frame, canvas: None, redactions: Vec::new(), y: 0.0, fresh: true, pages: 0, sink };
    let body_w = body.width() as f32;

    // A flow box: as wide as its label at 8 pt with padding, at least 40 pt, whatever it hides.
    let mut box_w = |ctx: &mut Ctx, label: &str| {
        let sh = shape_line(ctx, Weight::Bold, label.trim());
        (sh.width * BOX_LABEL_PT * s + 2.0 * BOX_PAD_PT * s).max(BOX_MIN_PT * s).round()
    };

    let paras = &flow.paragraphs;
    let mut label_col = LABEL_COLUMN_PT * s;
    for (i, p) in paras.iter().enumerate() {
        let (pt, weight, after) = style_of(&p.style);
        let em = pt * s;
        let line_h = em * LINE_HEIGHT;
        match &p.style {
            Style::Rule => pager.rule(),
            Style::HeaderField { name } => {
                let starts_block = i == 0 || !matches!(paras[i - 1].style, Style::HeaderField { .. });
                if starts_block {
                    label_col = header_column(&mut ctx, &paras[i..], em, s, body_w);
                }
                // The label, a line or two, is set first; the value's lines then stream beside it.
                let mut labels = VecDeque::new();
                let mut lb = Breaker::new(label_col - LABEL_GAP_PT * s, em, Weight::Bold);
                feed(&mut ctx, &mut lb, &[Run::Text(name.clone())], &mut box_w, &mut |_, l| labels.push_back(l));
                let x_label = body.x0 as f32;
                let x_value = x_label + label_col;
                let mut vb = Breaker::new(body.x1 as f32 - x_value, em, weight);
                let mut on_line = |ctx: &mut Ctx, l: Vec<Item>| {
                    let mut cells = vec![Cell { items: l, x0: x_value, em, weight }];
                    if let Some(lab) = labels.pop_front() {
                        cells.push(Cell { items: lab, x0: x_label, em, weight: Weight::Bold });
                    }
                    pager.row(ctx, &cells, line_h);
                };
                feed(&mut ctx, &mut vb, &p.runs, &mut box_w, &mut on_line);
                for lab in labels {
                    pager.row(&mut ctx, &[Cell { items: lab, x0: x_label, em, weight: Weight::Bold }], line_h);
                }
            }
            _ => {
                let x0 = body.x0 as f32;
                let mut br = Breaker::new(body_w, em, weight);
                feed(&mut ctx, &mut br, &p.runs, &mut box_w, &mut |ctx, l| pager.row(ctx, &[Cell { items: l, x0, em, weight }], line_h));
            }
        }
        pager.space(after * em);
    }
    if pager.pages == 0 && pager.canvas.is_none() {
        pager.room(0.0);
    }
    pager.flush();
    ctx.missing
}

// ---------------------------------------------------------------------------------------------
// Text set as text: for writers that draw glyphs themselves
// ---------------------------------------------------------------------------------------------

/// Which face a piece of text set by [`Fonts::set_lines`] asks for first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextWeight {
    Regular,
    Bold,
    Mono,
}

/// A glyph placed on a line by [`Fonts::set_lines`]: the face that draws it (an index for
/// [`Fonts::face_data`]), its glyph id in that face, the x of its origin from the line's start in
/// points, and the character it shows (so a PDF can map the glyph back to text).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SetGlyph {
    pub face: u16,
    pub glyph: u16,
    pub x: f32,
    pub ch: char,
}

/// One line of set text; `width` in points.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SetLine {
    pub glyphs: Vec<SetGlyph>,
    pub width: f32,
}

/// A face's vertical metrics and size, in em, as a PDF font descriptor needs them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FaceMetrics {
    pub units_per_em: f32,
    pub ascent: f32,
    /// Positive, below the baseline.
    pub descent: f32,
}

impl Fonts {
    /// `text` at `size_pt`, broken into lines at most `width_pt` wide by the same line breaker,
    /// right-to-left ordering, Arabic joining, kerning and font fallback that draw page images, so
    /// a writer that keeps text as text (the exposure report's PDF) lays out exactly as production
    /// pages do. Positions are in points. Line breaks in `text` start new lines; an empty text is
    /// one empty line. Also returns how many characters no font has (set as .notdef).
    pub fn set_lines(&self, text: &str, weight: TextWeight, size_pt: f32, width_pt: f32) -> (Vec<SetLine>, usize) {
        let weight = match weight {
            TextWeight::Regular => Weight::Regular,
            TextWeight::Bold => Weight::Bold,
            TextWeight::Mono => Weight::Mono,
        };
        let size = if size_pt.is_finite() { size_pt.clamp(1.0, 1000.0) } else { 10.0 };
        let mut ctx = Ctx::new(self);
        let mut br = Breaker::new(width_pt, size, weight);
        let mut lines = Vec::new();
        let mut no_box = |_: &mut Ctx, _: &str| 0.0f32;
        feed(&mut ctx, &mut br, &[Run::Text(text.to_string())], &mut no_box, &mut |_, items| {
            let mut line = SetLine::default();
            for item in items {
                if let Item::Glyph(p) = item {
                    line.width = line.width.max(p.x + p.adv);
                    line.glyphs.push(SetGlyph { face: p.face, glyph: p.id.0, x: p.x, ch: p.ch });
                }
            }
            lines.push(line);
        });
        (lines, ctx.missing)
    }

    /// The bytes of face `face` (a TrueType or OpenType file, or a collection), for embedding.
    pub fn face_data(&self, face: u16) -> Option<&[u8]> {
        self.faces.get(face as usize).map(|f| f.font.as_slice())
    }

    /// Which face of the collection [`Fonts::face_data`] returns `face` is (0 for a single-face
    /// file).
    pub fn face_index(&self, face: u16) -> u32 {
        self.faces.get(face as usize).map_or(0, |f| f.index)
    }

    /// The metrics of face `face`.
    pub fn face_metrics(&self, face: u16) -> Option<FaceMetrics> {
        self.faces.get(face as usize).map(|f| FaceMetrics { units_per_em: f.units_per_em, ascent: f.ascent, descent: f.descent })
    }

    /// The advance of `glyph` in face `face`, in em.
    pub fn advance(&self, face: u16, glyph: u16) -> f32 {
        self.faces.get(face as usize).map_or(0.0, |f| f.font.h_advance_unscaled(GlyphId(glyph)) / f.units_per_em)
    }
}

/// The label column of the block of header fields starting `paras`: 70 pt, or wider to fit the
/// block's longest label (up to a third of the body), so that every value of a block lines up.
fn header_column(ctx: &mut Ctx, paras: &[Paragraph], em: f32, s: f32, body_w: f32) -> f32 {
    let widest = paras
        .iter()
        .map_while(|p| match &p.style {
            Style::HeaderField { name } => Some(shape_line(ctx, Weight::Bold, name).width * em),
            _ => None,
        })
        .fold(0.0f32, f32::max);
    (widest + LABEL_GAP_PT * s).ceil().clamp(LABEL_COLUMN_PT * s, (body_w / 3.0).max(LABEL_COLUMN_PT * s))
}

/// The text of a redaction marker after "REDACTED" may be at most this long (a reason code list).
const MARKER_MAX: usize = 120;

/// Splits text carrying inline markers like `[REDACTED – AC]`, `[REDACTED – AC/WP]` or
/// `[REDACTED]` into runs: each marker becomes [`Run::Redacted`] with the text inside the
/// brackets as its label ("REDACTED – AC"). A bracket that is not such a marker stays text.
pub fn runs_from_marked(text: &str) -> Vec<Run> {
    const OPEN: &str = "[REDACTED";
    let mut runs = Vec::new();
    let mut plain = 0;
    let mut from = 0;
    while let Some(off) = text[from..].find(OPEN) {
        let start = from + off;
        let after = start + OPEN.len();
        from = after;
        let rest = &text[after..];
        // Right after "REDACTED": "]" or a separator, then the reasons, then "]" on the same line.
        let ok_start = rest.starts_with(']') || rest.starts_with([' ', '-', '–', '—', ':']);
        if !ok_start {
            continue;
        }
        let close =
            rest.char_indices().take_while(|&(i, c)| i <= MARKER_MAX && c != '[' && c != '\n').find(|&(_, c)| c == ']').map(|(i, _)| i);
        let Some(close) = close else { continue };
        if start > plain {
            runs.push(Run::Text(text[plain..start].to_string()));
        }
        let label = text[start + 1..after + close].split_whitespace().collect::<Vec<_>>().join(" ");
        runs.push(Run::Redacted { label });
        plain = after + close + 1;
        from = plain;
    }
    if plain < text.len() {
        runs.push(Run::Text(text[plain..].to_string()));
    }
    runs
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::OnceLock;

    fn fonts() -> &'static Fonts {
        static F: OnceLock<Fonts> = OnceLock::new();
        F.get_or_init(|| Fonts::load().expect("DejaVu Sans (Debian package fonts-dejavu-core) is needed for these tests"))
    }

    /// DejaVu only: no fallback, so CJK is missing whatever is installed.
    fn dejavu_only() -> &'static Fonts {
        static F: OnceLock<Fonts> = OnceLock::new();
        F.get_or_init(|| {
            let r = std::fs::read(DEJAVU_REGULAR).expect("fonts-dejavu-core");
            let b = std::fs::read(DEJAVU_BOLD).expect("fonts-dejavu-core");
            Fonts::from_bytes(r, b, vec![]).expect("DejaVu parses")
        })
    }

    fn geom() -> PageGeometry {
        PageGeometry::letter(150.0)
    }

    fn body(text: &str) -> Paragraph {
        Paragraph::marked(Style::Body, text)
    }

    fn header(name: &str, value: &str) -> Paragraph {
        Paragraph::marked(Style::HeaderField { name: name.into() }, value)
    }

    fn ink_in(c: &Canvas, r: PxRect) -> usize {
        let r = r.intersect(PxRect { x0: 0, y0: 0, x1: c.width, y1: c.height });
        (r.y0..r.y1).flat_map(|y| (r.x0..r.x1).map(move |x| (x, y))).filter(|&(x, y)| c.get(x, y) != Some(255)).count()
    }

    /// Pixels outside `inside` that are not white.
    fn ink_outside(c: &Canvas, inside: PxRect) -> usize {
        (0..c.height)
            .flat_map(|y| (0..c.width).map(move |x| (x, y)))
            .filter(|&(x, y)| !inside.contains(x, y) && c.get(x, y) != Some(255))
            .count()
    }

    fn crop(c: &Canvas, r: PxRect) -> Canvas {
        let mut out = Canvas::white(r.width(), r.height());
        for y in 0..r.height() {
            for x in 0..r.width() {
                out.px[(y * r.width() + x) as usize] = c.get(r.x0 + x, r.y0 + y).unwrap_or(255);
            }
        }
        out
    }

    fn lorem(words: usize) -> String {
        const W: [&str; 12] =
            ["privileged", "counsel", "the", "agreement", "of", "memorandum", "regarding", "settlement", "draft", "and", "review", "a"];
        (0..words).map(|i| W[(i * 7 + i / 3) % W.len()]).collect::<Vec<_>>().join(" ")
    }

    fn email() -> Flow {
        let mut paragraphs = vec![
            header("From:", "Jane Smith <jane.smith@example.com>"),
            header("To:", "Robert Jones <rjones@example.com>; Legal Department <legal@example.com>; [REDACTED – PII]; Maria García <maria.garcia@example.org>"),
            header("Cc:", "Outside Counsel <counsel@lawfirm.example>"),
            header("Date:", "Tue, 14 Mar 2023 09:41:07 -0500"),
            header("Subject:", "RE: Draft settlement agreement – comments"),
            Paragraph { runs: vec![], style: Style::Rule },
            body("Robert,\n\nThanks for sending the draft. Before we circulate it, counsel advised that [REDACTED – AC] and that we should hold off until the review is complete."),
            body(&format!("Our position on the indemnity clause is unchanged. {} [REDACTED – AC/WP] {}", lorem(60), lorem(40))),
            body("Греческий и кириллица: Αθήνα, Москва. Numbers 1,234.56 — «quotes» “curly” ‘single’."),
            body("Best regards,\nJane"),
            Paragraph { runs: vec![], style: Style::Rule },
            Paragraph::marked(Style::Small, "Attachments: Settlement_Agreement_v3.docx; Redline.pdf"),
        ];
        paragraphs.insert(0, Paragraph::marked(Style::Title, "RE: Draft settlement agreement – comments"));
        Flow { paragraphs }
    }

    #[test]
    fn redacted_run_is_a_black_box_equal_to_expected_box() {
        let f = fonts();
        let g = geom();
        let flow = Flow { paragraphs: vec![body("The advice was [REDACTED – AC] as discussed.")] };
        let t = typeset(&flow, &g, f);
        assert_eq!(t.pages.len(), 1);
        let page = &t.pages[0];
        assert_eq!(page.redactions.len(), 1);
        let b = &page.redactions[0];
        assert_eq!(b.label, "REDACTED – AC");
        let s = g.dpi / 72.0;
        // As tall as 10 pt DejaVu's ascent + descent; at least 40 pt wide.
        let face = f.primary(Weight::Regular);
        let tall = (face.ascent + face.descent) * BODY_PT * s;
        assert!((b.rect.height() as f32 - tall).abs() <= 1.0, "height {} vs {tall}", b.rect.height());
        assert!(b.rect.width() as f32 >= BOX_MIN_PT * s - 0.5);
        let want = expected_box(b.rect.width(), b.rect.height(), &b.label, f);
        assert!(page.canvas.region_matches(b.rect, &want));
        assert_eq!(crop(&page.canvas, b.rect), want);
        // Mostly black, with a white label inside.
        let n = (b.rect.width() * b.rect.height()) as usize;
        let black = want.px.iter().filter(|&&v| v == 0).count();
        let white = want.px.iter().filter(|&&v| v > 200).count();
        assert!(black * 10 > n * 6, "{black} of {n} black");
        assert!(white > 20, "label drawn: {white} light pixels");
        // The box's border rows and columns are solid black (the label never touches them).
        assert!((0..want.width).all(|x| want.px[x as usize] == 0));
        assert!((0..want.height).all(|y| want.px[(y * want.width) as usize] == 0));
        // And its width says nothing about what it hides.
        let long = typeset(&Flow { paragraphs: vec![body("x [REDACTED – AC] y")] }, &g, f);
        assert_eq!(long.pages[0].redactions[0].rect.width(), b.rect.width());
    }

    #[test]
    fn burn_box_is_position_independent_and_same_on_rgb() {
        let f = fonts();
        let want = expected_box(150, 30, "REDACTED – WP", f);
        assert!(want.px.contains(&255), "label drawn");
        let mut gray = Canvas::white(400, 300);
        let r = PxRect { x0: 37, y0: 101, x1: 187, y1: 131 };
        burn_box(&mut gray, r, "REDACTED – WP", f);
        assert!(gray.region_matches(r, &want));
        assert_eq!(ink_outside(&gray, r), 0);
        let mut rgb = vec![200u8; 400 * 300 * 3];
        burn_box_rgb(&mut rgb, 400, 300, r, "REDACTED – WP", f);
        assert!(region_matches(&rgb, 400, 300, 3, r, &want));
        let mut rgbc = Canvas::blank(400, 300, 3);
        burn_box(&mut rgbc, r, "REDACTED – WP", f);
        assert!(rgbc.region_matches(r, &want));
        // A different label does not match: the comparison can fail.
        assert!(!gray.region_matches(r, &expected_box(150, 30, "REDACTED – AC", f)));
        // Too small for a label: a plain black box.
        let tiny = expected_box(30, 4, "REDACTED – AC", f);
        assert!(tiny.px.iter().all(|&v| v == 0));
        // Partly off the canvas: no panic, the visible part matches.
        let off = PxRect { x0: 350, y0: 280, x1: 500, y1: 310 };
        burn_box(&mut gray, off, "REDACTED – WP", f);
        assert!(gray.region_matches(off, &want));
        // A big box keeps a capped label.
        let big = expected_box(1200, 600, "REDACTED – AC", f);
        let rows_with_white = (0..600).filter(|y| (0..1200).any(|x| big.px[y * 1200 + x] > 128)).count();
        assert!(rows_with_white > 10 && (rows_with_white as f32) < MAX_LABEL_EM_PX * 1.3, "{rows_with_white}");
    }

    #[test]
    fn text_never_inks_margins_or_footer() {
        let f = fonts();
        let g = geom();
        let mut paragraphs = email().paragraphs;
        paragraphs.push(body(&"W".repeat(3000)));
        paragraphs
            .push(body("Vietnamese ỗ ậ ử, combining e\u{301}\u{302}\u{303}\u{304} stacked, and j\u{328}\u{328} below; ÅÉÎ ÿ ǅ; ‱ ⸻ ﷽"));
        paragraphs.push(body(&"漢字かな交じり文 ".repeat(200)));
        paragraphs.push(Paragraph::marked(Style::Monospace, &"|  col  |".repeat(100)));
        paragraphs.push(Paragraph::marked(Style::Title, &"TITLE ".repeat(100)));
        paragraphs.push(header("A very long header label that wraps:", &"value ".repeat(300)));
        let t = typeset(&Flow { paragraphs }, &g, f);
        assert!(t.pages.len() >= 3);
        let (w, h) = g.size_px();
        let frame = g.frame(w, h);
        for (n, p) in t.pages.iter().enumerate() {
            assert_eq!((p.canvas.width, p.canvas.height), (w, h));
            assert_eq!(ink_outside(&p.canvas, frame.body), 0, "page {}", n + 1);
            assert!(ink_in(&p.canvas, frame.body) > 1000, "page {} has text", n + 1);
        }
    }

    #[test]
    fn long_text_paginates_with_boxes_on_their_pages() {
        let f = fonts();
        let g = geom();
        let doc = |paras: usize| Flow {
            paragraphs: (0..paras).map(|i| body(&format!("Paragraph {i}. {} [REDACTED – AC] {}", lorem(50), lorem(30)))).collect(),
        };
        let short = typeset(&doc(10), &g, f);
        let long = typeset(&doc(60), &g, f);
        assert!(short.pages.len() >= 2, "{}", short.pages.len());
        assert!(long.pages.len() > short.pages.len() * 4, "{} vs {}", long.pages.len(), short.pages.len());
        for (t, boxes) in [(&short, 10), (&long, 60)] {
            let total: usize = t.pages.iter().map(|p| p.redactions.len()).sum();
            assert_eq!(total, boxes);
            for p in &t.pages {
                for b in &p.redactions {
                    assert!(p.canvas.region_matches(b.rect, &expected_box(b.rect.width(), b.rect.height(), &b.label, f)));
                }
            }
        }
        // Every page but the last is full: its last text is near the bottom of the body.
        let (w, h) = g.size_px();
        let body = g.frame(w, h).body;
        for p in &long.pages[..long.pages.len() - 1] {
            let low = PxRect { x0: body.x0, y0: body.y1 - 60, x1: body.x1, y1: body.y1 };
            assert!(ink_in(&p.canvas, low) > 0);
        }
    }

    #[test]
    fn streaming_gives_the_same_pages() {
        let f = fonts();
        let flow = Flow { paragraphs: (0..30).map(|_| body(&lorem(80))).collect() };
        let all = typeset(&flow, &geom(), f);
        let mut n = 0;
        typeset_each(&flow, &geom(), f, &mut |p| {
            assert!(p.canvas == all.pages[n].canvas);
            n += 1;
        });
        assert_eq!(n, all.pages.len());
    }

    #[test]
    fn greek_and_cyrillic_draw_without_missing_glyphs() {
        let f = dejavu_only();
        for text in ["Καλημέρα κόσμε, ΑΒΓΔ ω", "Съешь же ещё этих мягких французских булок, да выпей чаю"]
        {
            let t = typeset(&Flow { paragraphs: vec![body(text)] }, &geom(), f);
            assert_eq!(t.missing_glyphs, 0, "{text}");
            assert!(ink_in(&t.pages[0].canvas, PxRect { x0: 0, y0: 0, x1: 2000, y1: 2000 }) > 300, "{text}");
        }
    }

    #[test]
    fn cjk_without_fallback_counts_missing_and_draws_notdef() {
        let f = dejavu_only();
        let t = typeset(&Flow { paragraphs: vec![body("契約 ok")] }, &geom(), f);
        assert_eq!(t.missing_glyphs, 2);
        let only = typeset(&Flow { paragraphs: vec![body("契")] }, &geom(), f);
        assert!(ink_in(&only.pages[0].canvas, PxRect { x0: 0, y0: 0, x1: 2000, y1: 2000 }) > 20, ".notdef box drawn");
        // Ignorables and controls are not counted; a private-use character is.
        let t = typeset(&Flow { paragraphs: vec![body("a\u{200B}b\u{FEFF}c\u{7}d\u{E000}")] }, &geom(), f);
        assert_eq!(t.missing_glyphs, 1);
    }

    #[test]
    fn fallback_font_draws_what_dejavu_lacks() {
        // U+2312 (arc) is in DejaVu Sans Mono but not DejaVu Sans: Mono stands in for a CJK font.
        let read = |n: &str| std::fs::read(format!("/usr/share/fonts/truetype/dejavu/{n}")).expect("fonts-dejavu-core");
        let with =
            Fonts::from_bytes(read("DejaVuSans.ttf"), read("DejaVuSans-Bold.ttf"), vec![(read("DejaVuSansMono.ttf"), 0)]).expect("parses");
        assert_eq!(with.fallback_count(), 1);
        let flow = Flow { paragraphs: vec![body("\u{2312}")] };
        let t = typeset(&flow, &geom(), &with);
        assert_eq!(t.missing_glyphs, 0);
        assert!(ink_in(&t.pages[0].canvas, PxRect { x0: 0, y0: 0, x1: 2000, y1: 2000 }) > 10);
        assert_eq!(typeset(&flow, &geom(), dejavu_only()).missing_glyphs, 1);
    }

    #[test]
    fn monospace_uses_the_mono_face() {
        let read = |n: &str| std::fs::read(format!("/usr/share/fonts/truetype/dejavu/{n}")).expect("fonts-dejavu-core");
        let f = Fonts::from_bytes(read("DejaVuSans.ttf"), read("DejaVuSans-Bold.ttf"), vec![]).expect("parses");
        let f = f.with_monospace(read("DejaVuSansMono.ttf")).expect("parses");
        // Ink extent of a line of text: right-most inked column.
        let right = |f: &Fonts, style: Style, text: &str| {
            let c = typeset(&Flow { paragraphs: vec![Paragraph::marked(style, text)] }, &geom(), f).pages.remove(0).canvas;
            (0..c.width).rev().find(|&x| (0..c.height).any(|y| c.get(x, y) != Some(255))).unwrap_or(0)
        };
        let (i, w) = (right(&f, Style::Monospace, "iiiiiiiiiij"), right(&f, Style::Monospace, "WWWWWWWWWWj"));
        assert!(i.abs_diff(w) <= 2, "{i} vs {w}");
        let (i, w) = (right(&f, Style::Body, "iiiiiiiiiij"), right(&f, Style::Body, "WWWWWWWWWWj"));
        assert!(w > i + 50, "proportional: {i} vs {w}");
        // Without a mono face the regular one is used, and nothing is missing.
        assert_eq!(
            typeset(&Flow { paragraphs: vec![Paragraph::marked(Style::Monospace, "abc")] }, &geom(), dejavu_only()).missing_glyphs,
            0
        );
        // Replacing the mono face keeps the others.
        let f = f.with_monospace(read("DejaVuSansMono.ttf")).expect("parses");
        assert_eq!(f.fallback_count(), 0);
    }

    /// The laid-out glyphs of one line, with the characters they came from.
    fn line_of(f: &Fonts, text: &str) -> Vec<(char, Placed)> {
        let mut ctx = Ctx::new(f);
        let mut br = Breaker::new(5000.0, 20.0, Weight::Regular);
        let mut lines = Vec::new();
        feed(&mut ctx, &mut br, &[Run::Text(text.into())], &mut |_, _| 100.0, &mut |_, l| lines.push(l));
        assert_eq!(lines.len(), 1);
        let chars = text.chars().filter(|c| !c.is_whitespace());
        chars.zip(lines.remove(0)).map(|(c, i)| if let Item::Glyph(p) = i { (c, p) } else { panic!("a glyph") }).collect()
    }

    #[test]
    fn right_to_left_runs_read_in_order() {
        let f = fonts();
        let g = line_of(f, "abc שלום 2023, 1.5 עולם (א) xyz");
        let open = Ctx::new(f).resolve(Weight::Regular, '(').id;
        let x = |c: char, nth: usize| g.iter().filter(|(ch, _)| *ch == c).nth(nth).map(|(_, p)| p.x).expect("present");
        // Latin stays left to right around the run.
        assert!(x('a', 0) < x('b', 0) && x('b', 0) < x('c', 0) && x('c', 0) < x('ש', 0));
        assert!(x('x', 0) < x('y', 0) && x('ם', 1) < x('x', 0));
        // Hebrew reads right to left: the first letter is rightmost, the last word leftmost.
        assert!(x('ש', 0) > x('ל', 0) && x('ל', 0) > x('ו', 0) && x('ו', 0) > x('ם', 0));
        assert!(x('ע', 0) < x('ם', 0) && x('ע', 0) < x('2', 0));
        // Numbers inside keep their own order, and follow the run's order between them.
        assert!(x('2', 0) < x('0', 0) && x('0', 0) < x('2', 1) && x('2', 1) < x('3', 0));
        assert!(x('1', 0) < x('.', 0) && x('.', 0) < x('5', 0));
        assert!(x('5', 0) < x('2', 0));
        // The bracket pair goes with the run and is mirrored: it still encloses its letter.
        let close = Ctx::new(f).resolve(Weight::Regular, ')').id;
        let find = |c: char| g.iter().find(|(ch, _)| *ch == c).map(|(_, p)| *p).expect("present");
        assert_eq!((find('(').id, find(')').id), (close, open));
        assert!(find(')').x < find('א').x && find('א').x < find('(').x && find('(').x < x('ע', 0));
        // A left-to-right line is untouched.
        let l = line_of(f, "(a) 12");
        assert!(l.windows(2).all(|w| w[0].1.x < w[1].1.x));
        assert_eq!(l[0].1.id, Ctx::new(f).resolve(Weight::Regular, '(').id);
    }

    #[test]
    fn arabic_letters_join() {
        // meem-reh-hah-beh-alef: initial, final, initial, medial, final.
        assert_eq!(join_arabic("مرحبا"), "\u{FEE3}\u{FEAE}\u{FEA3}\u{FE92}\u{FE8E}");
        // Lam-alef ligature, and a haraka between letters does not break the join.
        assert_eq!(join_arabic("لا"), "\u{FEFB}");
        assert_eq!(join_arabic("بَب"), "\u{FE91}\u{064E}\u{FE90}");
        assert_eq!(join_arabic("abc"), "abc");
        let t = typeset(&Flow { paragraphs: vec![body("مرحبا بالعالم لا")] }, &geom(), dejavu_only());
        assert_eq!(t.missing_glyphs, 0);
    }

    #[test]
    fn stamp_inks_bottom_right_footer_only() {
        let f = fonts();
        let g = geom();
        let (w, h) = g.size_px();
        let frame = g.frame(w, h);
        let mut c = Canvas::white(w, h);
        let rects = stamp(&mut c, &g, "", "ABC-0000123", f);
        assert_eq!(rects.len(), 1);
        let r = rects[0];
        assert!(r.y0 >= frame.body.y1 && r.y1 <= frame.band.y1, "{r:?} in {:?}", frame.band);
        assert!(r.x0 > w / 2);
        let right_band = PxRect { x0: w / 2, y0: frame.body.y1, x1: w, y1: h };
        assert!(ink_in(&c, right_band) > 100);
        assert_eq!(ink_in(&c, PxRect { x0: 0, y0: 0, x1: w, y1: frame.body.y1 }), 0);
        assert_eq!(ink_outside(&c, r), 0);
        // With an endorsement, on a page full of ink (a PDF page): the stamps are on white, and
        // the body is untouched.
        let mut dark = Canvas::blank(w, h, 3);
        dark.fill(PxRect { x0: 0, y0: 0, x1: w, y1: h }, 90);
        let before = dark.clone();
        let rects = stamp(&mut dark, &g, "CONFIDENTIAL – SUBJECT TO PROTECTIVE ORDER", "ABC-0000123", f);
        assert_eq!(rects.len(), 2);
        assert!(rects[0].x1 < rects[1].x0);
        for y in 0..h {
            for x in 0..w {
                if !rects.iter().any(|r| r.contains(x, y)) {
                    assert_eq!(dark.get(x, y), before.get(x, y));
                }
            }
        }
        for r in &rects {
            assert!(r.y0 >= frame.body.y1);
            assert!((r.y0..r.y1).any(|y| (r.x0..r.x1).any(|x| dark.get(x, y) == Some(255))), "white patch");
            assert!((r.y0..r.y1).any(|y| (r.x0..r.x1).any(|x| dark.get(x, y) == Some(0))), "black text");
        }
        // An endorsement too long for the band is shortened, never over the Bates number.
        let mut c = Canvas::white(w, h);
        let rects = stamp(&mut c, &g, &"VERY LONG ENDORSEMENT ".repeat(20), "ABC-0000123", f);
        assert_eq!(rects.len(), 2);
        assert!(rects[0].x1 < rects[1].x0);
        let mut rgb = vec![255u8; (w * h * 3) as usize];
        assert_eq!(stamp_rgb(&mut rgb, w, h, &g, "", "ABC-0000123", f).len(), 1);
        // A stamp image of its own: the whole canvas is the band, and nothing leaves it.
        let mut own = Canvas::white(w, 75);
        let band = PxRect { x0: 100, y0: 0, x1: w - 100, y1: 75 };
        let rects = stamp_in(&mut own, band, 150.0, "CONFIDENTIAL", "ABC-0000123", f);
        assert_eq!(rects.len(), 2);
        assert!(ink_in(&own, band) > 100);
        assert_eq!(ink_outside(&own, band), 0);
    }

    #[test]
    fn runs_from_marked_splits_markers() {
        let runs = runs_from_marked("Hi [REDACTED – AC] and [REDACTED – AC/WP], [REDACTED]. [not] [REDACTEDX] [REDACTED – open");
        assert_eq!(
            runs,
            vec![
                Run::Text("Hi ".into()),
                Run::Redacted { label: "REDACTED – AC".into() },
                Run::Text(" and ".into()),
                Run::Redacted { label: "REDACTED – AC/WP".into() },
                Run::Text(", ".into()),
                Run::Redacted { label: "REDACTED".into() },
                Run::Text(". [not] [REDACTEDX] [REDACTED – open".into()),
            ]
        );
        assert_eq!(runs_from_marked(""), vec![]);
        assert_eq!(runs_from_marked("[REDACTED – PII]"), vec![Run::Redacted { label: "REDACTED – PII".into() }]);
        assert_eq!(
            runs_from_marked("a[REDACTED – X]b"),
            vec![Run::Text("a".into()), Run::Redacted { label: "REDACTED – X".into() }, Run::Text("b".into())]
        );
    }

    #[test]
    fn header_values_wrap_under_the_value_column() {
        let f = fonts();
        let g = geom();
        let t = typeset(&Flow { paragraphs: vec![header("To:", &"someone@example.com; ".repeat(40))] }, &g, f);
        let (w, h) = g.size_px();
        let body = g.frame(w, h).body;
        let s = g.dpi / 72.0;
        let line_h = (BODY_PT * s * LINE_HEIGHT) as u32;
        let col = (body.x0 as f32 + LABEL_COLUMN_PT * s) as u32;
        let c = &t.pages[0].canvas;
        // The label in the first row, nothing under it; the value on several rows.
        assert!(ink_in(c, PxRect { x0: body.x0, y0: body.y0, x1: col - 2, y1: body.y0 + line_h }) > 20);
        assert_eq!(ink_in(c, PxRect { x0: body.x0, y0: body.y0 + line_h + 2, x1: col - 2, y1: body.y1 }), 0);
        assert!(ink_in(c, PxRect { x0: col, y0: body.y0 + 3 * line_h, x1: body.x1, y1: body.y0 + 4 * line_h }) > 100);
    }

    #[test]
    fn odd_input_never_panics() {
        let f = fonts();
        let g = geom();
        let texts = [
            String::new(),
            "\n".repeat(200),
            "x".repeat(100_000),
            "\u{0}\u{1}\u{7}\u{8}\u{1b}[31m\u{7f}\u{9f}".into(),
            "e\u{301}\u{301}\u{301}\u{301}\u{301}\u{301}\u{301}\u{301}".into(),
            "\u{301}leading combining".into(),
            "👩‍👩‍👧‍👦 🇺🇸 ❤️ ☺".into(),
            "שלום עולם — مرحبا بالعالم".into(),
            "\t\tindented\r\nCRLF\rCR\u{2028}LS\u{c}FF".into(),
            " ".repeat(10_000),
            "[REDACTED – AC]".repeat(500),
            "[".repeat(1000) + &"]".repeat(1000),
            "\u{10FFFF}\u{E000}\u{FFFD}".into(),
        ];
        for text in &texts {
            for style in [Style::Body, Style::Title, Style::Monospace, Style::Small, Style::Rule, Style::HeaderField { name: text.clone() }]
            {
                let t = typeset(&Flow { paragraphs: vec![Paragraph::marked(style, text)] }, &g, f);
                assert!(!t.pages.is_empty());
            }
        }
        let t = typeset(&Flow::default(), &g, f);
        assert_eq!(t.pages.len(), 1);
        assert!(t.pages[0].canvas.px.iter().all(|&v| v == 255));
        // 200 blank lines, 49 to a page.
        assert_eq!(typeset(&Flow { paragraphs: vec![body(&"\n".repeat(200))] }, &g, f).pages.len(), 5);
        // Unusable geometry is made usable, not a hang or a panic.
        for bad in [
            PageGeometry { width_pt: f32::NAN, height_pt: -1.0, dpi: 0.0, margin_pt: 1e9, footer_pt: f32::INFINITY },
            PageGeometry { width_pt: 10.0, height_pt: 10.0, dpi: 1e6, margin_pt: 0.0, footer_pt: 0.0 },
        ] {
            assert!(bad.check().is_err());
            let t = typeset(&Flow { paragraphs: vec![body(&lorem(300))] }, &bad, f);
            assert!(!t.pages.is_empty());
            let mut c = Canvas::white(100, 100);
            stamp(&mut c, &bad, "x", "y", f);
        }
        assert!(geom().check().is_ok());
        // Boxes and stamps on degenerate canvases.
        let mut c = Canvas::white(0, 0);
        burn_box(&mut c, PxRect { x0: 5, y0: 5, x1: 50, y1: 50 }, "REDACTED", f);
        stamp(&mut c, &g, "a", "b", f);
        burn_box_rgb(&mut [0u8; 10], 100, 100, PxRect { x0: 0, y0: 0, x1: 100, y1: 100 }, "REDACTED", f);
        assert_eq!(expected_box(0, 10, "REDACTED", f).px.len(), 0);
    }

    #[test]
    fn fonts_can_be_shared_across_threads() {
        fn shared<T: Send + Sync>(_: &T) {}
        shared(fonts());
        let pages: Vec<Canvas> = std::thread::scope(|sc| {
            let hs: Vec<_> = (0..2).map(|_| sc.spawn(|| typeset(&email(), &geom(), fonts()).pages.remove(0).canvas)).collect();
            hs.into_iter().map(|h| h.join().expect("no panic")).collect()
        });
        assert!(pages[0] == pages[1]);
    }

    #[test]
    fn missing_dejavu_names_the_package() {
        let err = Fonts::load_paths(Path::new("/nonexistent/DejaVuSans.ttf"), Path::new("/nonexistent/b.ttf"), None, &[]).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("fonts-dejavu-core") && msg.contains("/nonexistent/DejaVuSans.ttf"), "{msg}");
        assert!(matches!(Fonts::from_bytes(vec![1, 2, 3], vec![], vec![]), Err(TypesetError::FontInvalid { .. })));
    }

    /// Writes sample pages as PNG to $TYPESET_PNG_DIR, to look at.
    #[test]
    fn sample_pages() {
        let Some(dir) = std::env::var_os("TYPESET_PNG_DIR") else { return };
        let f = fonts();
        let g = geom();
        let mut flow = email();
        flow.paragraphs.push(body(&lorem(900)));
        let t = typeset(&flow, &g, f);
        let dir = std::path::Path::new(&dir);
        for (i, mut p) in t.pages.into_iter().enumerate() {
            stamp(&mut p.canvas, &g, "CONFIDENTIAL – SUBJECT TO PROTECTIVE ORDER", &format!("EXH-{:07}", 1201 + i), f);
            write_png(&p.canvas, &dir.join(format!("page{}.png", i + 1)));
            if i == 0 {
                // Full-resolution details: the header block with its box, and the footer.
                write_png(&crop(&p.canvas, PxRect { x0: 100, y0: 100, x1: 1000, y1: 480 }), &dir.join("detail_header.png"));
                write_png(&crop(&p.canvas, PxRect { x0: 0, y0: 1400, x1: 1275, y1: 1650 }), &dir.join("detail_footer.png"));
            }
        }
    }

    /// Odd content on one page, and an RGB "PDF page" with boxes and a stamp, to look at.
    #[test]
    fn sample_odd_pages() {
        let Some(dir) = std::env::var_os("TYPESET_PNG_DIR") else { return };
        let dir = std::path::Path::new(&dir);
        let f = fonts();
        let g = geom();
        let flow = Flow {
            paragraphs: vec![
                Paragraph::marked(Style::Title, "Document withheld – privileged"),
                header("File name:", "Q3 forecast (final) [REDACTED – PII].xlsx"),
                header("Attachments list:", "one.pdf; two.docx"),
                Paragraph { runs: vec![], style: Style::Rule },
                body("Ελληνικά: Καλημέρα κόσμε. Русский: Съешь же ещё этих мягких булок. Tiếng Việt: Xin chào thế giới."),
                body("Combining: e\u{301} a\u{308} o\u{302}\u{323}. CJK (counted missing without a fallback): 契約書. Emoji: 😀 ☺ ♥. Hebrew: שָׁלוֹם עולם, 2023 (מבחן) ok. Arabic: مرحبا بالعالم 12."),
                body(&format!("Long word: {}", "Supercalifragilistic".repeat(12))),
                body("\tTabbed line\n    indented line\n\n[REDACTED – AC][REDACTED – WP] back to back, [REDACTED] plain."),
                Paragraph::marked(Style::Monospace, "Name        Amount   Date\nAcme Corp   1,200.00 2023-03-14\nGlobex      [REDACTED – PII] 2023-03-15"),
                Paragraph::marked(Style::Small, "Small print: produced from the redacted text."),
            ],
        };
        let t = typeset(&flow, &g, f);
        let mut c = t.pages.into_iter().next().expect("a page").canvas;
        stamp(&mut c, &g, "", "EXH-0000001", f);
        write_png(&c, &dir.join("odd.png"));
        write_png(&crop(&c, PxRect { x0: 100, y0: 100, x1: 1180, y1: 700 }), &dir.join("odd_detail.png"));
        write_png(&crop(&c, PxRect { x0: 100, y0: 315, x1: 1180, y1: 375 }), &dir.join("odd_rtl.png"));
        let (w, h) = g.size_px();
        let mut rgb = Canvas::blank(w, h, 3);
        for (i, v) in rgb.px.iter_mut().enumerate() {
            *v = match i % 3 {
                0 => 230,
                1 => 200 + ((i / 3) % w as usize * 50 / w as usize) as u8,
                _ => 160,
            };
        }
        burn_box(&mut rgb, PxRect { x0: 150, y0: 200, x1: 420, y1: 236 }, "REDACTED – AC", f);
        burn_box(&mut rgb, PxRect { x0: 150, y0: 300, x1: 1100, y1: 700 }, "REDACTED – AC/WP", f);
        burn_box(&mut rgb, PxRect { x0: 150, y0: 760, x1: 230, y1: 790 }, "REDACTED – AC", f);
        stamp(&mut rgb, &g, "CONFIDENTIAL", "EXH-0000002", f);
        write_png(&rgb, &dir.join("rgb.png"));
    }

    fn write_png(c: &Canvas, path: &Path) {
        let file = std::io::BufWriter::new(std::fs::File::create(path).expect("create png"));
        let mut enc = png::Encoder::new(file, c.width, c.height);
        enc.set_color(if c.channels == 3 { png::ColorType::Rgb } else { png::ColorType::Grayscale });
        enc.set_depth(png::BitDepth::Eight);
        enc.write_header().expect("png header").write_image_data(&c.px).expect("png data");
    }

    /// Pages per second for a page full of 10 pt text: `cargo test --release -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn bench_dense_page() {
        let f = fonts();
        let g = geom();
        // As many words as fill one page.
        let mut words = 900;
        let flow = loop {
            let flow = Flow { paragraphs: vec![body(&lorem(words))] };
            if typeset(&flow, &g, f).pages.len() == 1 {
                break flow;
            }
            words -= 5;
        };
        let glyphs: usize = flow.paragraphs[0].runs.iter().map(|r| if let Run::Text(t) = r { t.len() } else { 0 }).sum();
        let n = 300;
        let start = std::time::Instant::now();
        for _ in 0..n {
            std::hint::black_box(typeset(&flow, &g, f));
        }
        let secs = start.elapsed().as_secs_f64();
        let cold = std::time::Instant::now();
        let fresh = Fonts::load().expect("fonts");
        let loaded = cold.elapsed();
        std::hint::black_box(typeset(&flow, &g, &fresh));
        println!(
            "cold: Fonts::load {:.1} ms, first dense page {:.1} ms",
            loaded.as_secs_f64() * 1e3,
            (cold.elapsed() - loaded).as_secs_f64() * 1e3
        );
        let (w, h) = g.size_px();
        let mut c = Canvas::white(w, h);
        let t0 = std::time::Instant::now();
        for i in 0..1000 {
            stamp(&mut c, &g, "CONFIDENTIAL – SUBJECT TO PROTECTIVE ORDER", &format!("EXH-{i:07}"), f);
            burn_box(&mut c, PxRect { x0: 200, y0: 300, x1: 400, y1: 330 }, "REDACTED – AC", f);
        }
        println!("stamp + burn_box: {:.1} µs per page", t0.elapsed().as_secs_f64() * 1e6 / 1000.0);
        println!("dense page ({words} words, {glyphs} chars): {:.0} pages/s, {:.2} ms/page", n as f64 / secs, secs * 1000.0 / n as f64);
    }

    #[test]
    fn set_lines_break_like_pages_and_keep_the_characters() {
        let f = fonts();
        let text = "Privileged and confidential figures, שלום עולם, counted once";
        let (lines, missing) = f.set_lines(text, TextWeight::Regular, 10.0, 120.0);
        assert_eq!(missing, 0);
        assert!(lines.len() >= 3, "{} lines", lines.len());
        for l in &lines {
            assert!(l.width <= 120.0 + EPS && l.width > 0.0, "{}", l.width);
        }
        // Every non-space character is there once, each glyph the face's glyph for it (Hebrew in
        // reading order: drawn right to left, so its characters come reversed).
        let chars: String = lines.iter().flat_map(|l| l.glyphs.iter().map(|g| g.ch)).collect();
        let expected: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        let mut a: Vec<char> = chars.chars().collect();
        let mut b: Vec<char> = expected.chars().collect();
        a.sort_unstable();
        b.sort_unstable();
        assert_eq!(a, b);
        let first = &lines[0].glyphs[0];
        assert_eq!((first.ch, first.x), ('P', 0.0));
        assert!(
            (f.advance(first.face, first.glyph) - lines[0].glyphs[1].x / 10.0).abs() < 0.08,
            "advances in em, positions in points (kerning aside)"
        );
        // A wide line does not wrap, and its width is what a page image would take at 72 dpi.
        let (one, _) = f.set_lines("Exposure assessment", TextWeight::Bold, 12.0, 1000.0);
        assert_eq!(one.len(), 1);
        assert!(f.face_data(one[0].glyphs[0].face).is_some_and(|d| d.len() > 100_000));
        assert!(f.face_metrics(0).is_some_and(|m| m.ascent > 0.5 && m.descent > 0.1));
    }
}
