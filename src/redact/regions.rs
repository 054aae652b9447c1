//! Redaction by drawing a box on a PDF page, and the page-space boxes the viewer overlays.
//!
//! A region redaction does two things in one audited transaction: it stores the rectangle
//! itself (so an image, a signature or a stamp under it is blacked out even though it has no
//! text), and it redacts, as ordinary char spans with source `region:N`, the words of the text
//! layer that lie mostly inside it — so the redacted text view hides them too. Words are the
//! unit: extraction keeps word boxes, not glyph boxes, so a word at least
//! [`WORD_INSIDE`] covered is hidden whole.

use super::engine::{insert_redaction, propagate, span_boxes, Treatment};
use crate::error::{Error, Result};
use crate::extract::pages::{covered, page_frames, PageFrame, Rect};
use crate::store::{audit, items, now};
use crate::Matter;
use rusqlite::{params, OptionalExtension};
use serde::Serialize;
use ts_rs::TS;

/// A word counts as inside a region when at least this fraction of its box is.
pub const WORD_INSIDE: f64 = 0.4;

/// A stored region redaction (user space; see [`super::pages`]).
#[derive(Debug, Clone, Serialize, TS)]
pub struct Region {
    pub id: i64,
    pub item: i64,
    /// 1-based page number.
    pub page: u32,
    /// `[x0, y0, x1, y1]` in PDF user space points.
    pub rect: Rect,
    pub reason: String,
    /// `manual` or `copy:N` (copied from region N onto identical content).
    pub source: String,
    pub treatment: Treatment,
    pub actor: String,
    pub time: String,
}

/// What `redact_box` did.
#[derive(Debug, Clone, Serialize, TS)]
pub struct RegionAdded {
    pub region: i64,
    /// The text redactions made for the words inside it: `[id, start, end]`.
    pub spans: Vec<[i64; 3]>,
    /// Items with identical content that got the same region.
    pub copies: Vec<i64>,
}

/// A box in page space (origin top-left of the rendered page, y down, points).
#[derive(Debug, Clone, Serialize, PartialEq, TS)]
pub struct PageBox {
    /// 1-based page number.
    pub page: u32,
    /// `[x0, y0, x1, y1]` in page-space points.
    pub rect: Rect,
    /// For a hit: its index in the item's hit list (so next/previous can move across pages).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub hit: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub redaction: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub region: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub reason: Option<String>,
}

/// Everything the page viewer draws over a PDF's page images.
#[derive(Debug, Clone, Serialize, TS)]
pub struct PageBoxes {
    /// Every page's size in page space. An image rendered at `scale` maps `(x, y)` points to
    /// pixel `(x·scale, y·scale)`.
    pub pages: Vec<PageFrame>,
    /// The hits of the query, one box per word a hit touches; `hits` of the item response
    /// are the same hits as char offsets.
    pub hits: Vec<PageBox>,
    /// Word boxes of text redactions, then region redactions.
    pub redactions: Vec<PageBox>,
}

impl Matter {
    /// The frames of a PDF item's pages (an error that says so for anything else).
    pub fn page_frames(&self, item: &str) -> Result<Vec<PageFrame>> {
        let id = items::resolve(&self.store.db, item)?;
        let (mime, sha): (String, String) =
            self.store.db.query_row("SELECT mime, sha256 FROM item WHERE id = ?1", [id], |r| Ok((r.get(0)?, r.get(1)?)))?;
        if let Some(frames) = self.frames.lock().ok().and_then(|c| c.get(&sha)) {
            return Ok(frames);
        }
        let bytes = self.store.blobs.read(&sha)?;
        if mime != "application/pdf" && !bytes.starts_with(b"%PDF") {
            return Err(Error::NotPdf { item: id, consequence: "it has no pages to draw on; redact its text instead" });
        }
        let frames = page_frames(&bytes)?;
        if let Ok(mut cache) = self.frames.lock() {
            cache.put(&sha, frames.clone());
        }
        Ok(frames)
    }

    /// Hit and redaction boxes of a PDF item, in page space, with every page's size.
    pub fn page_boxes(&self, item: &str, hits: Option<&str>) -> Result<PageBoxes> {
        let id = items::resolve(&self.store.db, item)?;
        let frames = self.page_frames(&id.to_string())?;
        let frame = |page: u32| frames.get(page as usize - 1).filter(|_| page >= 1);
        let mut hit_boxes = Vec::new();
        if let Some(q) = hits.filter(|q| !q.trim().is_empty()) {
            let spans: Vec<(usize, usize)> = self.hit_offsets(&id.to_string(), q)?.into_iter().map(|[s, e]| (s, e)).collect();
            for (i, page, r) in span_boxes(&self.layout_words(id)?, &spans) {
                if let Some(f) = frame(page) {
                    hit_boxes.push(PageBox { page, rect: f.to_page(r), hit: Some(i), redaction: None, region: None, reason: None });
                }
            }
            // Hits in reading order: a hit's first box decides where it is.
            hit_boxes.sort_by_key(|b| b.hit);
        }
        let mut red = Vec::new();
        for b in self.redaction_boxes(&id.to_string())? {
            if let Some(f) = frame(b.page) {
                let rect = f.to_page([b.x0, b.y0, b.x1, b.y1]);
                red.push(PageBox { page: b.page, rect, hit: None, redaction: b.redaction, region: b.region, reason: Some(b.reason) });
            }
        }
        Ok(PageBoxes { pages: frames, hits: hit_boxes, redactions: red })
    }

    /// Redacts a rectangle drawn on page `page` (1-based) of a PDF item: `rect` is
    /// `[x0, y0, x1, y1]` in page space (points, origin top-left, y down). Stores the region,
    /// redacts the words inside it, copies both onto identical content, and audits it.
    pub fn redact_box(&mut self, item: &str, page: u32, rect: Rect, reason: &str, treatment: Treatment) -> Result<RegionAdded> {
        let id = items::resolve(&self.store.db, item)?;
        let reason = self.check_reason(reason)?;
        let frames = self.page_frames(&id.to_string())?;
        let Some(frame) = frames.get((page as usize).wrapping_sub(1)).copied() else {
            return Err(Error::NoPage { item: id, page: page as i64, pages: frames.len() });
        };
        if !rect.iter().all(|v| v.is_finite()) {
            return Err(Error::BadRange("the rectangle's corners must be numbers (points from the page's top-left)".into()));
        }
        // Normalize the corners and keep the rectangle on the page.
        let r = [
            rect[0].min(rect[2]).clamp(0.0, frame.width),
            rect[1].min(rect[3]).clamp(0.0, frame.height),
            rect[0].max(rect[2]).clamp(0.0, frame.width),
            rect[1].max(rect[3]).clamp(0.0, frame.height),
        ];
        if r[2] - r[0] < 1.0 || r[3] - r[1] < 1.0 {
            return Err(Error::BadRange(format!(
                "the rectangle {rect:?} covers nothing on page {page} ({} × {} points): drag a box at least a point wide and high",
                frame.width, frame.height
            )));
        }
        let user = frame.to_user(r);
        let inside = words_inside(&self.layout_words(id)?, page, user);
        let tx = self.store.db.unchecked_transaction()?;
        let region = insert_region(&tx, id, page, user, &reason, "manual", treatment)?;
        let source = format!("region:{region}");
        let mut spans = Vec::new();
        for &(s, e) in &inside {
            let rid = insert_redaction(&tx, id, s, e, &reason, &source, treatment)?;
            propagate(&tx, id, rid, s, e, &reason, treatment)?;
            spans.push([rid, s as i64, e as i64]);
        }
        let copies: Vec<i64> = tx
            .prepare_cached("SELECT id FROM item WHERE sha256 = (SELECT sha256 FROM item WHERE id = ?1) AND id != ?1")?
            .query_map([id], |r| r.get(0))?
            .collect::<std::result::Result<_, _>>()?;
        for &twin in &copies {
            insert_region(&tx, twin, page, user, &reason, &format!("copy:{region}"), treatment)?;
        }
        audit::append(
            &tx,
            "redaction.region.add",
            &serde_json::json!({ "region": region, "item": id, "page": page, "rect": user, "space": "pdf-user",
                                 "reason": reason, "treatment": treatment.as_str(), "spans": spans, "copies": copies }),
        )?;
        tx.commit()?;
        audit::publish_head(&self.store.db);
        Ok(RegionAdded { region, spans, copies })
    }

    /// Removes a region redaction, the text redactions it made, and their copies.
    pub fn redact_box_remove(&mut self, region: i64) -> Result<u64> {
        let tx = self.store.db.unchecked_transaction()?;
        let found: Option<(i64, u32, String)> = tx
            .query_row("SELECT item_id, page, reason FROM redaction_region WHERE id = ?1", [region], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .optional()?;
        let Some((item, page, reason)) = found else {
            return Err(Error::NotFound(format!("there is no region redaction {region}: list them with the `redactions` request")));
        };
        let source = format!("region:{region}");
        let spans: Vec<i64> = tx
            .prepare("SELECT id FROM redaction WHERE source = ?1")?
            .query_map([&source], |r| r.get(0))?
            .collect::<std::result::Result<_, _>>()?;
        let mut n = 0;
        for rid in &spans {
            n += tx.execute("DELETE FROM redaction WHERE id = ?1 OR source = ?2", params![rid, format!("copy:{rid}")])?;
        }
        n += tx.execute("DELETE FROM redaction_region WHERE id = ?1 OR source = ?2", params![region, format!("copy:{region}")])?;
        audit::append(
            &tx,
            "redaction.region.remove",
            &serde_json::json!({ "region": region, "item": item, "page": page, "reason": reason, "removed": n }),
        )?;
        tx.commit()?;
        audit::publish_head(&self.store.db);
        Ok(n as u64)
    }

    /// The region redactions of one item, page by page.
    pub fn redaction_regions(&self, item: i64) -> Result<Vec<Region>> {
        let mut stmt = self.store.db.prepare_cached(
            "SELECT id, item_id, page, x0, y0, x1, y1, reason, source, treatment, actor, time
             FROM redaction_region WHERE item_id = ?1 ORDER BY page, id",
        )?;
        let rows = stmt.query_map([item], |r| {
            Ok(Region {
                id: r.get(0)?,
                item: r.get(1)?,
                page: r.get(2)?,
                rect: [r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?],
                reason: r.get(7)?,
                source: r.get(8)?,
                treatment: Treatment::parse(&r.get::<_, String>(9)?),
                actor: r.get(10)?,
                time: r.get(11)?,
            })
        })?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }
}

fn insert_region(tx: &rusqlite::Connection, item: i64, page: u32, r: Rect, reason: &str, source: &str, t: Treatment) -> Result<i64> {
    tx.execute(
        "INSERT INTO redaction_region (item_id, page, x0, y0, x1, y1, reason, source, treatment, actor, time)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![item, page, r[0], r[1], r[2], r[3], reason, source, t.as_str(), audit::actor(), now()],
    )?;
    Ok(tx.last_insert_rowid())
}

/// The char ranges of the words of `page` inside `region` (user space), consecutive words
/// joined into one range so a redacted line reads as one `[REDACTED]`.
fn words_inside(words: &[super::engine::LayoutWord], page: u32, region: Rect) -> Vec<(usize, usize)> {
    let mut on_page: Vec<_> = words.iter().filter(|w| w.page == page).collect();
    on_page.sort_by_key(|w| w.start);
    let mut out: Vec<(usize, usize)> = Vec::new();
    let mut prev_inside = false;
    for w in on_page {
        let inside = covered(w.rect, region) >= WORD_INSIDE;
        if inside {
            match out.last_mut() {
                Some(last) if prev_inside => last.1 = w.end,
                _ => out.push((w.start, w.end)),
            }
        }
        prev_inside = inside;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::engine::LayoutWord;
    use super::*;

    fn w(start: usize, end: usize, x0: f64) -> LayoutWord {
        LayoutWord { page: 1, start, end, rect: [x0, 100.0, x0 + 40.0, 112.0] }
    }

    #[test]
    fn consecutive_inside_words_join_and_outside_words_split() {
        let words = [w(0, 5, 10.0), w(6, 10, 60.0), w(11, 15, 110.0), w(16, 20, 160.0)];
        // Covers the first two words and the last, not the third.
        assert_eq!(words_inside(&words, 1, [0.0, 90.0, 105.0, 120.0]), vec![(0, 10)]);
        let mut all = words.to_vec();
        all[2].rect = [110.0, 300.0, 150.0, 312.0];
        assert_eq!(words_inside(&all, 1, [0.0, 90.0, 205.0, 120.0]), vec![(0, 10), (16, 20)]);
        // A sliver of a word is not enough; another page never counts.
        assert!(words_inside(&words, 1, [45.0, 90.0, 55.0, 120.0]).is_empty());
        assert!(words_inside(&words, 2, [0.0, 0.0, 500.0, 500.0]).is_empty());
    }
}
