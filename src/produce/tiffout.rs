//! The classic ESI-protocol image profile (`--images tiff`): one file per page, named by its
//! Bates number, 300 dpi — a single-page CCITT Group IV TIFF for a black-and-white page, a JPEG
//! for a page with colour (what protocols ask for, and what Relativity and Everlaw load).
//!
//! The stamp is burned into the page's own footer band (a TIFF page is one image), and a gray
//! page is made black-and-white at the middle gray, so a burned box stays solid black.

use super::pdfout::PageImage;
use super::typeset::{stamp_in, Canvas, Fonts, PxRect};
use crate::error::{Error, Result};
use std::io::{Cursor, Read};

/// Resolution of the TIFF profile.
pub const DPI: f32 = 300.0;

/// One page written: its bytes and the extension of its file (`tif` or `jpg`).
pub struct PageFile {
    pub bytes: Vec<u8>,
    pub ext: &'static str,
}

/// A gray pixel is black in a Group IV page when darker than this.
pub const BLACK_BELOW: u8 = 128;

/// Unpacks a page image built for production (Flate, gray or RGB) into a canvas.
pub fn canvas_of(image: &PageImage) -> Result<Canvas> {
    let mut px = Vec::with_capacity(image.width as usize * image.height as usize * image.channels as usize);
    flate2::read::ZlibDecoder::new(&image.data[..]).read_to_end(&mut px)?;
    if px.len() != image.width as usize * image.height as usize * image.channels as usize {
        return Err(Error::Internal("a page image decompressed to the wrong size".into()));
    }
    Ok(Canvas { width: image.width, height: image.height, channels: image.channels, px })
}

/// Stamps the page (Bates number right, endorsement left) in its footer band of `footer_px`
/// rows, and encodes it.
pub fn write_page(mut canvas: Canvas, footer_px: u32, left: &str, right: &str, fonts: &Fonts) -> Result<PageFile> {
    stamp_band(&mut canvas, footer_px, DPI, left, right, fonts);
    if canvas.channels == 3 {
        let mut out = Vec::new();
        let mut enc = jpeg_encoder::Encoder::new(&mut out, 85);
        enc.set_density(jpeg_encoder::Density::Inch { x: DPI as u16, y: DPI as u16 });
        enc.encode(&canvas.px, canvas.width as u16, canvas.height as u16, jpeg_encoder::ColorType::Rgb)
            .map_err(|e| Error::Internal(format!("encoding a colour page as JPEG: {e}")))?;
        return Ok(PageFile { bytes: out, ext: "jpg" });
    }
    Ok(PageFile { bytes: group4_tiff(&canvas)?, ext: "tif" })
}

/// Stamps the footer band of `footer_px` rows at the bottom of a page image drawn at `dpi`:
/// the band is the page's own margin, cleared to white first (as the PDF profile's stamp image
/// is), then `left` and `right` drawn in it, half an inch from the edges.
pub fn stamp_band(canvas: &mut Canvas, footer_px: u32, dpi: f32, left: &str, right: &str, fonts: &Fonts) {
    let inset = ((dpi / 2.0) as u32).min(canvas.width / 4);
    let band = PxRect { x0: inset, y0: canvas.height.saturating_sub(footer_px), x1: canvas.width - inset, y1: canvas.height };
    canvas.fill(PxRect { x0: 0, y0: band.y0, x1: canvas.width, y1: canvas.height }, 255);
    stamp_in(canvas, band, dpi, left, right, fonts);
}

/// A single-page, single-strip Group IV TIFF of a gray canvas, black below [`BLACK_BELOW`].
fn group4_tiff(c: &Canvas) -> Result<Vec<u8>> {
    use fax::{Color, VecWriter};
    let (w, h) = (c.width as usize, c.height as usize);
    if w > u16::MAX as usize {
        return Err(Error::Internal("a page wider than 65,535 pixels".into()));
    }
    let mut enc = fax::encoder::Encoder::new(VecWriter::new());
    for row in c.px.chunks_exact(w).take(h) {
        let pels = row.iter().map(|&v| if v < BLACK_BELOW { Color::Black } else { Color::White });
        enc.encode_line(pels, w as u16).map_err(|_| Error::Internal("Group IV encoding failed".into()))?;
    }
    let data = enc.finish().map_err(|_| Error::Internal("Group IV encoding failed".into()))?.finish();
    let mut out = Cursor::new(Vec::with_capacity(data.len() + 512));
    {
        use tiff::tags::Tag;
        let mut t = tiff::encoder::TiffEncoder::new(&mut out).map_err(tiff_err)?;
        let mut dir = t.image_directory().map_err(tiff_err)?;
        let offset = dir.write_data(&data[..]).map_err(tiff_err)?;
        dir.write_tag(Tag::ImageWidth, c.width).map_err(tiff_err)?;
        dir.write_tag(Tag::ImageLength, c.height).map_err(tiff_err)?;
        dir.write_tag(Tag::BitsPerSample, 1u16).map_err(tiff_err)?;
        // 4: CCITT Group IV (T.6).
        dir.write_tag(Tag::Compression, 4u16).map_err(tiff_err)?;
        // 0: WhiteIsZero, as fax data is.
        dir.write_tag(Tag::PhotometricInterpretation, 0u16).map_err(tiff_err)?;
        dir.write_tag(Tag::StripOffsets, offset as u32).map_err(tiff_err)?;
        dir.write_tag(Tag::SamplesPerPixel, 1u16).map_err(tiff_err)?;
        dir.write_tag(Tag::RowsPerStrip, c.height).map_err(tiff_err)?;
        dir.write_tag(Tag::StripByteCounts, data.len() as u32).map_err(tiff_err)?;
        dir.write_tag(Tag::XResolution, tiff::encoder::Rational { n: DPI as u32, d: 1 }).map_err(tiff_err)?;
        dir.write_tag(Tag::YResolution, tiff::encoder::Rational { n: DPI as u32, d: 1 }).map_err(tiff_err)?;
        // 2: inches.
        dir.write_tag(Tag::ResolutionUnit, 2u16).map_err(tiff_err)?;
        dir.finish().map_err(tiff_err)?;
    }
    Ok(out.into_inner())
}

fn tiff_err(e: tiff::TiffError) -> Error {
    Error::Internal(format!("writing a TIFF page: {e}"))
}

/// A produced page file decoded back to gray pixels (width, height, pixels; 0 black), the way
/// a receiving party's loader reads it: the gate's view of a TIFF or JPEG page.
pub fn decode_page(bytes: &[u8]) -> std::result::Result<(u32, u32, Vec<u8>), String> {
    if bytes.starts_with(&[0xFF, 0xD8]) {
        let mut d = zune_jpeg::JpegDecoder::new(zune_jpeg::zune_core::bytestream::ZCursor::new(bytes));
        let px = d.decode().map_err(|e| format!("the JPEG page cannot be decoded ({e:?})"))?;
        let (w, h) = d.dimensions().ok_or("the JPEG page has no size")?;
        let channels = px.len() / (w * h).max(1);
        let gray = px.chunks(channels.max(1)).map(|c| c[c.len().min(3) / 2]).collect();
        return Ok((w as u32, h as u32, gray));
    }
    let mut d = tiff::decoder::Decoder::new(Cursor::new(bytes)).map_err(|e| format!("not a TIFF ({e})"))?;
    if d.more_images() {
        return Err("the TIFF holds more than one page (receiving parties' loaders expect one page per file)".into());
    }
    let (w, h) = d.dimensions().map_err(|e| e.to_string())?;
    let img = d.read_image().map_err(|e| format!("the TIFF page cannot be decoded ({e})"))?;
    let tiff::decoder::DecodingResult::U8(buf) = img else { return Err("the TIFF page is not 1- or 8-bit".into()) };
    let px: Vec<u8> = if buf.len() == (w * h) as usize {
        // One byte per pixel (0 black).
        buf
    } else {
        // One bit per pixel, rows padded to whole bytes; the tiff crate hands Group IV data
        // back with 1 for white whatever the file's photometric tag says.
        let stride = (w as usize).div_ceil(8);
        let mut out = Vec::with_capacity((w * h) as usize);
        for y in 0..h as usize {
            for x in 0..w as usize {
                let bit = buf.get(y * stride + x / 8).map(|b| (b >> (7 - x % 8)) & 1).unwrap_or(0);
                out.push(if bit == 0 { 0 } else { 255 });
            }
        }
        out
    };
    Ok((w, h, px))
}
