//! PDF pages as PNG images, rasterized with hayro (pure Rust; nothing in the PDF is executed).

use crate::error::{Error, Result};

/// Rasterizes page `page` (0-based) of item `item` (named in errors) with hayro (pure Rust; nothing in the PDF is executed).
pub fn render_pdf_page(item: i64, bytes: Vec<u8>, page: usize, scale: f32) -> Result<Vec<u8>> {
    use hayro::hayro_interpret::InterpreterSettings;
    use hayro::vello_cpu::color::palette::css::WHITE;
    use hayro::{PixmapSettings, RenderCache, RenderSettings};
    let scale = scale.clamp(0.25, 4.0);
    let pdf = hayro::hayro_syntax::Pdf::new(bytes)
        .map_err(|e| Error::BadPdf { doing: "reading the PDF to render it".into(), detail: format!("{e:?}") })?;
    let pages = pdf.pages();
    let p = pages.get(page).ok_or_else(|| Error::NoPage { item, page: page as i64 + 1, pages: pages.len() })?;
    // A page can be malformed in ways that make the renderer panic: contain that to this call.
    let png = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let cache = RenderCache::new();
        let pixmap = hayro::render(
            p,
            &cache,
            &InterpreterSettings::default(),
            &RenderSettings::default(),
            &PixmapSettings { x_scale: scale, y_scale: scale, bg_color: WHITE },
        );
        pixmap.into_png()
    }))
    .map_err(|_| Error::BadPdf { doing: format!("rendering page {}", page + 1), detail: "the renderer stopped on it".into() })?;
    png.map_err(|e| Error::BadPdf { doing: format!("encoding page {} as PNG", page + 1), detail: format!("{e:?}") })
}
