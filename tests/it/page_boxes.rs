//! Boxes on page images: hit and redaction boxes land on the ink of the page image the viewer
//! shows (including a rotated, cropped page), and redaction by drawing a box stores the region,
//! hides the words under it in the text, is audited, listed and removable.

use crate::common;

use common::*;
use exhibit::api::params::*;
use exhibit::api::{Request, Session};
use exhibit::redact::Treatment;
use exhibit::view::Viewer;
use exhibit::Matter;
use pdf_extract::content::{Content, Operation};
use pdf_extract::{dictionary, Document, Object, Stream};
use std::fs;
use std::path::Path;

const SCALE: f32 = 2.0;

/// Two pages: page 1 plain (612×792) with a line of words and a grey "signature" block;
/// page 2 rotated 90° with a CropBox that does not start at the origin.
fn two_page_pdf() -> Vec<u8> {
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let font_id =
        doc.add_object(dictionary! { "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica", "Encoding" => "WinAnsiEncoding" });
    let resources_id = doc.add_object(dictionary! { "Font" => dictionary! { "F1" => font_id } });
    let mut p1 = pdf_text(72.0, 700.0, 24, "Alpha Bravo Charlie");
    p1.extend(pdf_text(72.0, 600.0, 24, "Foxtrot"));
    // A filled block with no text, like a scanned signature.
    p1.push(Operation::new("g", vec![0.3.into()]));
    p1.push(Operation::new("re", vec![300.into(), 200.into(), 150.into(), 60.into()]));
    p1.push(Operation::new("f", vec![]));
    let p2 = pdf_text(100.0, 500.0, 24, "Delta Echo");
    let mut kids = Vec::new();
    for (i, ops) in [p1, p2].into_iter().enumerate() {
        let content_id = doc.add_object(Stream::new(dictionary! {}, Content { operations: ops }.encode().unwrap()));
        let mut page = dictionary! { "Type" => "Page", "Parent" => pages_id, "Contents" => content_id };
        if i == 1 {
            page.set("Rotate", 90);
            page.set("CropBox", vec![40.into(), 60.into(), 560.into(), 740.into()]);
        }
        kids.push(doc.add_object(page).into());
    }
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages", "Kids" => kids, "Count" => 2, "Resources" => resources_id,
            "MediaBox" => vec![0.into(), 0.into(), 612.into(), 792.into()],
        }),
    );
    let catalog_id = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog_id);
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    out
}

/// Greyscale pixels of a rendered page.
struct Image {
    w: usize,
    h: usize,
    luma: Vec<u8>,
}

fn decode(png_bytes: &[u8]) -> Image {
    let mut reader = png::Decoder::new(std::io::Cursor::new(png_bytes)).read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    assert_eq!(info.bit_depth, png::BitDepth::Eight);
    let (w, h) = (info.width as usize, info.height as usize);
    let luma =
        (0..w * h).map(|i| buf[i * channels..i * channels + 3.min(channels)].iter().map(|&v| v as u32).min().unwrap() as u8).collect();
    Image { w, h, luma }
}

impl Image {
    /// Dark pixels inside a page-space rectangle (points), at the render scale.
    fn ink(&self, r: [f64; 4]) -> usize {
        let s = SCALE as f64;
        let (x0, y0) = ((r[0] * s).max(0.0) as usize, (r[1] * s).max(0.0) as usize);
        let (x1, y1) = (((r[2] * s).ceil() as usize).min(self.w), ((r[3] * s).ceil() as usize).min(self.h));
        let mut n = 0;
        for y in y0..y1 {
            for x in x0..x1 {
                n += (self.luma[y * self.w + x] < 100) as usize;
            }
        }
        n
    }
}

/// The word's box lands on its ink: plenty of dark pixels inside, none in the same-sized
/// strips on either side across its line (above and below for horizontal text, left and right
/// for text running down a rotated page).
fn assert_on_ink(img: &Image, r: [f64; 4], what: &str) {
    let (w, h) = (r[2] - r[0], r[3] - r[1]);
    let inside = img.ink(r);
    let area = (w * h * (SCALE as f64).powi(2)) as usize;
    assert!(inside * 20 > area, "{what}: only {inside} dark pixels in {area} — the box {r:?} is not on the word");
    let across = if w > h { [(0.0, -h, "above"), (0.0, h, "below")] } else { [(-w, 0.0, "left of"), (w, 0.0, "right of")] };
    for (dx, dy, side) in across {
        let n = img.ink([r[0] + dx, r[1] + dy, r[2] + dx, r[3] + dy]);
        assert_eq!(n, 0, "{what}: {n} dark pixels {side} the box {r:?}: it is off the word");
    }
}

fn matter_with(pdf: &[u8], name: &str, tmp: &Path) -> Matter {
    let src = tmp.join("src");
    fs::create_dir_all(&src).unwrap();
    fs::write(src.join(name), pdf).unwrap();
    fs::write(src.join("note.txt"), "plain text, no pages").unwrap();
    let mut m = Matter::create(tmp.join("m"), "boxes").unwrap();
    ingest(&mut m, &src, "C");
    m
}

fn pdf_id(m: &Matter) -> String {
    let r = m.search("kind:pdf", 5, 0, Default::default()).unwrap();
    assert_eq!(r.total, 1);
    r.hits[0].id.to_string()
}

#[test]
fn hit_boxes_land_on_the_rendered_words_also_on_a_rotated_cropped_page() {
    let tmp = tempfile::tempdir().unwrap();
    let m = matter_with(&two_page_pdf(), "doc.pdf", tmp.path());
    let id = pdf_id(&m);
    let viewer = Viewer::open(tmp.path().join("m")).unwrap();
    let boxes = m.page_boxes(&id, Some("bravo OR echo OR foxtrot")).unwrap();
    assert_eq!(boxes.pages.len(), 2);
    assert_eq!((boxes.pages[0].width, boxes.pages[0].height, boxes.pages[0].rotate), (612.0, 792.0, 0));
    // Rotated 90°: the cropped 520×680 box turns into a 680×520 page.
    assert_eq!((boxes.pages[1].width, boxes.pages[1].height, boxes.pages[1].rotate), (680.0, 520.0, 90));
    let hits: Vec<(usize, u32)> = boxes.hits.iter().map(|b| (b.hit.unwrap(), b.page)).collect();
    assert_eq!(hits, vec![(0, 1), (1, 1), (2, 2)], "{:?}", boxes.hits);
    for b in &boxes.hits {
        let img = decode(&viewer.page_png(&id, b.page as usize - 1, SCALE).unwrap());
        let f = &boxes.pages[b.page as usize - 1];
        assert_eq!(
            (img.w, img.h),
            ((f.width * SCALE as f64) as usize, (f.height * SCALE as f64) as usize),
            "image size is the page size × scale"
        );
        assert_on_ink(&img, b.rect, &format!("hit {} on page {}", b.hit.unwrap(), b.page));
    }
    // On the rotated page the word runs down the page: the box is taller than wide.
    let echo = &boxes.hits[2].rect;
    assert!(echo[3] - echo[1] > echo[2] - echo[0], "{echo:?}");
}

#[test]
fn a_box_drawn_on_a_page_redacts_the_words_under_it_and_the_area_itself() {
    let tmp = tempfile::tempdir().unwrap();
    let mut m = matter_with(&two_page_pdf(), "doc.pdf", tmp.path());
    let id = pdf_id(&m);
    let charlie = m.page_boxes(&id, Some("charlie")).unwrap().hits[0].rect;
    // A box drawn a little loosely around "Charlie" (page space, points from the top-left).
    let drawn = [charlie[0] - 3.0, charlie[1] - 2.0, charlie[2] + 4.0, charlie[3] + 1.0];
    let added = m.redact_box(&id, 1, drawn, "pii", Treatment::Redact).unwrap();
    assert_eq!(added.spans.len(), 1, "{added:?}");
    let item = m.item(&id).unwrap();
    let [_, s, e] = added.spans[0];
    assert_eq!(item.text.chars().skip(s as usize).take((e - s) as usize).collect::<String>(), "Charlie");
    let view = m.redacted_text(&id).unwrap();
    assert!(!view.contains("Charlie") && view.contains("Alpha Bravo") && view.contains("[REDACTED – PII]"), "{view}");

    // A box over the grey block holds no text but is stored and blacked out all the same.
    let block = [300.0, 792.0 - 260.0, 450.0, 792.0 - 200.0];
    let sig = m.redact_box(&id, 1, block, "PII", Treatment::Redact).unwrap();
    assert!(sig.spans.is_empty());
    let boxes = m.page_boxes(&id, None).unwrap();
    let region_boxes: Vec<_> = boxes.redactions.iter().filter(|b| b.region.is_some()).collect();
    assert_eq!(region_boxes.len(), 2);
    let stored = region_boxes.iter().find(|b| b.region == Some(sig.region)).unwrap();
    for i in 0..4 {
        assert!((stored.rect[i] - block[i]).abs() < 1e-6, "stored {:?} vs drawn {block:?}", stored.rect);
    }
    // The word box of the text redaction is there too, with its reason.
    assert!(boxes.redactions.iter().any(|b| b.redaction == Some(added.spans[0][0]) && b.reason.as_deref() == Some("PII")));
    // In user space (what production burns in) the block is where it was drawn in the PDF.
    let user = m.redaction_boxes(&id).unwrap();
    let u = user.iter().find(|b| b.region == Some(sig.region)).unwrap();
    assert_eq!([u.x0, u.y0, u.x1, u.y1], [300.0, 200.0, 450.0, 260.0]);

    // Listed through the API, audited, removable.
    let mut session = Session::with_matter(m);
    let listed = session.handle(Request::Redactions(RedactionsParams { item: Some(id.clone()), reason: None })).unwrap();
    assert_eq!(listed["regions"].as_array().unwrap().len(), 2);
    assert!(listed["redactions"].as_array().unwrap().iter().any(|r| r["source"] == format!("region:{}", added.region)));
    let audit = session.handle(Request::Audit(AuditParams { limit: 10 })).unwrap();
    let actions: Vec<&str> = audit["entries"].as_array().unwrap().iter().filter_map(|e| e["action"].as_str()).collect();
    assert!(actions.iter().filter(|a| **a == "redaction.region.add").count() == 2, "{actions:?}");
    let removed = session.handle(Request::RedactBoxRemove(RedactBoxRemoveParams { region: added.region })).unwrap();
    assert_eq!(removed["removed"], 2, "the region and its one span");
    let text = session.handle(Request::RedactedText(RedactedTextParams { item: id.clone() })).unwrap();
    assert!(text["text"].as_str().unwrap().contains("Charlie"));
    let audit = session.handle(Request::Audit(AuditParams { limit: 1 })).unwrap();
    assert_eq!(audit["entries"][0]["action"], "redaction.region.remove");
    let v = session.handle(Request::Verify(())).unwrap();
    assert_eq!(v["ok"], true, "{v}");
}

#[test]
fn a_box_on_a_rotated_page_redacts_the_word_under_it() {
    let tmp = tempfile::tempdir().unwrap();
    let mut m = matter_with(&two_page_pdf(), "doc.pdf", tmp.path());
    let id = pdf_id(&m);
    let echo = m.page_boxes(&id, Some("echo")).unwrap().hits[0].rect;
    let added = m.redact_box(&id, 2, echo, "TS", Treatment::Redact).unwrap();
    assert_eq!(added.spans.len(), 1);
    let view = m.redacted_text(&id).unwrap();
    assert!(view.contains("Delta") && !view.contains("Echo"), "{view}");
    // Drawn and stored boxes agree in page space.
    let b = m.page_boxes(&id, None).unwrap().redactions.into_iter().find(|b| b.region == Some(added.region)).unwrap();
    for i in 0..4 {
        assert!((b.rect[i] - echo[i]).abs() < 1e-6, "{:?} vs {echo:?}", b.rect);
    }
}

#[test]
fn box_requests_that_cannot_work_say_what_to_do() {
    let tmp = tempfile::tempdir().unwrap();
    let m = matter_with(&two_page_pdf(), "doc.pdf", tmp.path());
    let id = pdf_id(&m);
    let note = m.search("plain", 5, 0, Default::default()).unwrap().hits[0].id.to_string();
    let mut s = Session::with_matter(m);
    let mut call = |r: Request| s.handle(r).unwrap_err();
    let rb = |item: &str, page: u32, rect: [f64; 4], reason: &str| {
        Request::RedactBox(RedactBoxParams { item: item.into(), page, rect, reason: reason.into(), treatment: Treatment::Redact })
    };
    let e = call(rb(&note, 1, [0.0, 0.0, 50.0, 50.0], "PII"));
    assert!(e.code == "invalid" && e.message.contains("not a PDF"), "{e}");
    let e = call(rb(&id, 3, [0.0, 0.0, 50.0, 50.0], "PII"));
    assert!(e.message.contains("pages are numbered 1 to 2"), "{e}");
    let e = call(rb(&id, 0, [0.0, 0.0, 50.0, 50.0], "PII"));
    assert!(e.message.contains("pages are numbered 1 to 2"), "{e}");
    let e = call(rb(&id, 1, [10.0, 10.0, 10.5, 80.0], "PII"));
    assert!(e.message.contains("at least a point"), "{e}");
    let e = call(rb(&id, 1, [10.0, 10.0, 80.0, 80.0], "NOPE"));
    assert!(e.message.contains("unknown redaction reason"), "{e}");
    let e = call(Request::PageBoxes(PageBoxesParams { item: note.clone(), hits: None }));
    assert!(e.message.contains("not a PDF"), "{e}");
    let e = call(Request::RedactBoxRemove(RedactBoxRemoveParams { region: 99 }));
    assert!(e.message.contains("no region redaction 99"), "{e}");
}

#[test]
fn corpus_pdf_with_every_rotation_boxes_land_on_the_ink() {
    let Some(pdf) = corpus("pdf/py-pdf/habibi-rotated.pdf", "rotated corpus PDF boxes") else { return };
    let tmp = tempfile::tempdir().unwrap();
    let mut m = matter_with(&fs::read(pdf).unwrap(), "habibi-rotated.pdf", tmp.path());
    let id = pdf_id(&m);
    // "habibi" runs into the Arabic word after it, so the tokenizer sees one token and a search
    // finds nothing: redact each occurrence by offset and check the redaction boxes instead.
    let text = m.item(&id).unwrap().text;
    let chars: Vec<char> = text.chars().collect();
    let starts: Vec<usize> = (0..chars.len()).filter(|&i| chars[i..].starts_with(&['h', 'a', 'b', 'i', 'b', 'i'])).collect();
    assert_eq!(starts.len(), 4, "{text:?}");
    for s in starts {
        m.redact_add(&id, s, s + 6, "PII", Treatment::Redact).unwrap();
    }
    let viewer = Viewer::open(tmp.path().join("m")).unwrap();
    let boxes = m.page_boxes(&id, None).unwrap();
    // One page per /Rotate value: every mapping is exercised.
    assert_eq!(boxes.pages.iter().map(|p| p.rotate).collect::<Vec<_>>(), vec![90, 180, 270, 0]);
    for page in 1..=4u32 {
        let f = &boxes.pages[page as usize - 1];
        let b = boxes.redactions.iter().find(|b| b.page == page).unwrap_or_else(|| panic!("no box on page {page}: {:?}", boxes.redactions));
        let img = decode(&viewer.page_png(&id, page as usize - 1, SCALE).unwrap());
        assert_on_ink(&img, b.rect, &format!("habibi on page {page} (rotated {})", f.rotate));
        let (w, h) = (b.rect[2] - b.rect[0], b.rect[3] - b.rect[1]);
        assert_eq!(
            w < h,
            f.rotate % 180 == 90,
            "page {page}: text on a page turned {}° runs {}",
            f.rotate,
            if w < h { "down" } else { "across" }
        );
    }
}

#[test]
fn corpus_writer_pdf_word_box_lands_on_its_ink() {
    let Some(pdf) = corpus("pdf/py-pdf/002-trivial-libre-office-writer.pdf", "writer corpus PDF boxes") else { return };
    let tmp = tempfile::tempdir().unwrap();
    let m = matter_with(&fs::read(pdf).unwrap(), "writer.pdf", tmp.path());
    let id = pdf_id(&m);
    let viewer = Viewer::open(tmp.path().join("m")).unwrap();
    let boxes = m.page_boxes(&id, Some("consetetur")).unwrap();
    assert_eq!(boxes.hits.len(), 2, "{:?}", boxes.hits);
    let img = decode(&viewer.page_png(&id, 0, SCALE).unwrap());
    // Lines are set tight here, so the strips beside a box touch the next line: only the ink
    // inside is checked (tests/it/redact.rs compares the same box with poppler's).
    for b in &boxes.hits {
        let r = b.rect;
        let area = ((r[2] - r[0]) * (r[3] - r[1]) * (SCALE as f64).powi(2)) as usize;
        assert!(img.ink(r) * 10 > area, "box {r:?} is not on the word");
    }
}

#[test]
fn the_cli_redacts_a_box_and_removes_it() {
    let tmp = tempfile::tempdir().unwrap();
    let m = matter_with(&two_page_pdf(), "doc.pdf", tmp.path());
    let id = pdf_id(&m);
    let r = m.page_boxes(&id, Some("charlie")).unwrap().hits[0].rect;
    drop(m);
    let ms = tmp.path().join("m");
    let ms = ms.to_str().unwrap();
    let rect = format!("{},{},{},{}", r[0] - 2.0, r[1] - 2.0, r[2] + 2.0, r[3] + 2.0);
    let added = cli_json(&["--matter", ms, "redact", "box", &id, "--page", "1", "--rect", &rect, "--reason", "PII"]);
    assert_eq!(added["spans"].as_array().unwrap().len(), 1, "{added}");
    let shown = cli_json(&["--matter", ms, "show", &id, "--redacted"]);
    assert!(!shown["text"].as_str().unwrap().contains("Charlie"), "{shown}");
    let (code, _, stderr) = cli(&["--matter", ms, "redact", "box", &id, "--page", "1", "--rect", "1,2,3", "--reason", "PII"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("X0,Y0,X1,Y1"), "{stderr}");
    let removed = cli_json(&["--matter", ms, "redact", "remove-box", &added["region"].to_string()]);
    assert_eq!(removed["removed"], 2, "{removed}");
    let shown = cli_json(&["--matter", ms, "show", &id, "--redacted"]);
    assert!(shown["text"].as_str().unwrap().contains("Charlie"));
}
