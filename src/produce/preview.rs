//! A document's first pages as a production would carry them, for the dry run's preview: built
//! by the same code as a real production (the redacted view, the burned or typeset boxes, the
//! stamp band), at the PDF profile's resolution, with "PREVIEW" where the Bates number will be.

use super::document::{build, load_fonts, FOOTER_PT};
use super::options::{Natives, Privileged, Treatment};
use super::plan::PlannedDoc;
use super::tiffout::{canvas_of, stamp_band};
use crate::error::{Error, Result};
use crate::store::items;
use crate::Matter;
use serde::Serialize;
use ts_rs::TS;

/// What `production_preview` answers.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ProductionPreview {
    pub control: String,
    pub treatment: Treatment,
    /// Pages the document will have.
    pub page_count: u32,
    /// The first pages as PNG `data:` URLs (at most the number asked for).
    pub pages: Vec<String>,
}

impl Matter {
    /// Builds item `item` as a production would (see the module doc) and returns its first
    /// `max_pages` pages.
    pub fn production_preview(&self, item: &str, privileged: Privileged, endorse: &str, max_pages: usize) -> Result<ProductionPreview> {
        let id = items::resolve(&self.store.db, item)?;
        let (control, kind, mime, family, root): (String, String, String, i64, i64) = self.store.db.query_row(
            "SELECT i.control, i.kind, i.mime, i.family_id, i.family_id FROM item i WHERE i.id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )?;
        let privilege: Vec<String> = self
            .store
            .db
            .prepare("SELECT t.name FROM item_tag it JOIN tag t ON t.id = it.tag_id WHERE it.item_id = ?1 AND t.name LIKE 'Privileged%'")?
            .query_map([id], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let treatment = if !privilege.is_empty() && privileged == Privileged::Withhold { Treatment::Withheld } else { Treatment::Produced };
        let doc = PlannedDoc {
            id,
            control: control.clone(),
            family,
            root,
            kind,
            mime,
            treatment,
            privilege,
            pages_estimated: 1,
            pages_known: false,
        };
        let rules = self.stored_rules()?;
        let pkey = self.pseudonym_key()?;
        let input = self.production_input(&doc, &rules, &pkey, Natives::None, None)?;
        let fonts = load_fonts()?;
        let dpi = super::document::DPI;
        let built = build(&input, &fonts, dpi)?;
        let page_count = built.pages.len() as u32;
        let mut pages = Vec::new();
        for p in built.pages.into_iter().take(max_pages.clamp(1, 10)) {
            let mut canvas = canvas_of(&p.image)?;
            let footer_px = (FOOTER_PT * dpi / 72.0).round() as u32;
            stamp_band(&mut canvas, footer_px, dpi, endorse, "PREVIEW – numbered when produced", &fonts);
            pages.push(png_data_url(&canvas)?);
        }
        Ok(ProductionPreview { control, treatment: input.treatment, page_count, pages })
    }
}

fn png_data_url(c: &super::typeset::Canvas) -> Result<String> {
    use base64::Engine;
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, c.width, c.height);
        enc.set_color(if c.channels == 3 { png::ColorType::Rgb } else { png::ColorType::Grayscale });
        enc.set_compression(png::Compression::Fast);
        let mut w = enc.write_header().map_err(|e| Error::Internal(format!("encoding a preview page: {e}")))?;
        w.write_image_data(&c.px).map_err(|e| Error::Internal(format!("encoding a preview page: {e}")))?;
    }
    Ok(format!("data:image/png;base64,{}", base64::engine::general_purpose::STANDARD.encode(out)))
}
