//! Image-only PDFs: each page one lossless page image, and a Bates stamp image over its footer
//! band. Nothing else: no text layer, no metadata, no annotations, outlines, forms or scripts,
//! one revision — so nothing of the source can ride along, whatever it held.
//!
//! Page images are Flate-compressed 8-bit gray or RGB: lossless, so every pixel of a burned box
//! decodes exactly black and the gate can check it pixel for pixel (JPEG would blur the edges).

use crate::error::{Error, Result};
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref};
use std::io::Write;

/// One page image, compressed.
#[derive(Debug, Clone)]
pub struct PageImage {
    pub width: u32,
    pub height: u32,
    /// 1 (gray) or 3 (RGB) components of 8 bits.
    pub channels: u8,
    /// zlib (FlateDecode) data.
    pub data: Vec<u8>,
}

impl PageImage {
    /// Compresses raw pixels (gray or RGB rows). `fast`: the level that keeps production quick;
    /// page images are mostly white and compress well at any level.
    pub fn compress(width: u32, height: u32, channels: u8, px: &[u8]) -> Result<PageImage> {
        debug_assert_eq!(px.len(), width as usize * height as usize * channels as usize);
        let mut z = flate2::write::ZlibEncoder::new(Vec::with_capacity(px.len() / 16), flate2::Compression::fast());
        z.write_all(px)?;
        Ok(PageImage { width, height, channels, data: z.finish()? })
    }
}

/// One produced page: its size in points, the page image covering all of it, and the stamp
/// image covering the footer band at its bottom.
#[derive(Debug, Clone)]
pub struct OutPage {
    pub width_pt: f32,
    pub height_pt: f32,
    pub image: PageImage,
    pub stamp: PageImage,
    /// Height of the footer band (where the stamp goes), in points.
    pub footer_pt: f32,
}

/// Writes the pages as one PDF.
pub fn write_pdf(pages: &[OutPage]) -> Result<Vec<u8>> {
    if pages.is_empty() {
        return Err(Error::Internal("a produced document has no pages".into()));
    }
    let mut pdf = Pdf::new();
    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let mut next = 3;
    let mut alloc = || {
        let r = Ref::new(next);
        next += 1;
        r
    };
    let ids: Vec<(Ref, Ref, Ref, Ref)> = pages.iter().map(|_| (alloc(), alloc(), alloc(), alloc())).collect();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree).kids(ids.iter().map(|i| i.0)).count(pages.len() as i32);
    for (p, &(page_id, content_id, image_id, stamp_id)) in pages.iter().zip(&ids) {
        let mut page = pdf.page(page_id);
        page.media_box(Rect::new(0.0, 0.0, p.width_pt, p.height_pt));
        page.parent(tree);
        page.contents(content_id);
        {
            let mut res = page.resources();
            let mut xo = res.x_objects();
            xo.pair(Name(b"Im0"), image_id);
            xo.pair(Name(b"St0"), stamp_id);
        }
        page.finish();
        let mut c = Content::new();
        c.save_state();
        c.transform([p.width_pt, 0.0, 0.0, p.height_pt, 0.0, 0.0]);
        c.x_object(Name(b"Im0"));
        c.restore_state();
        c.save_state();
        c.transform([p.width_pt, 0.0, 0.0, p.footer_pt, 0.0, 0.0]);
        c.x_object(Name(b"St0"));
        c.restore_state();
        pdf.stream(content_id, &c.finish());
        for (id, img) in [(image_id, &p.image), (stamp_id, &p.stamp)] {
            let mut x = pdf.image_xobject(id, &img.data);
            x.filter(Filter::FlateDecode);
            x.width(img.width as i32);
            x.height(img.height as i32);
            if img.channels == 3 {
                x.color_space().device_rgb();
            } else {
                x.color_space().device_gray();
            }
            x.bits_per_component(8);
            x.finish();
        }
    }
    Ok(pdf.finish())
}
