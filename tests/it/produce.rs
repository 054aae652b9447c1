//! Productions (issue 15): a bundle built from a matter with span, rule and box redactions and a
//! withheld privileged document passes its gate; an independent re-check (pdftotext, raw bytes,
//! decompressed streams, pdftoppm pixels) finds no redacted value; the load files parse back;
//! Bates numbers continue across productions; an adversarial PDF hiding the word everywhere a
//! PDF can hide it is produced without it; a deliberately broken writer is caught.

use crate::common;

use common::*;
use exhibit::produce::loadfile;
use exhibit::produce::raster::padded_px;
use exhibit::produce::typeset::{expected_box, Fonts, PxRect};
use exhibit::produce::{ProduceOptions, ProductionStatus, Sabotage, Selection};
use exhibit::redact::{RuleSpec, Treatment};
use exhibit::Matter;
use pdf_extract::content::{Content, Operation};
use pdf_extract::{dictionary, Document, Object, Stream};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

const WORD: &str = "Nightjar";
const SSN: &str = "078-05-1120";
const PRIVILEGED_LINE: &str = "Counsel advises that the licence terms expose us to the Quokka claim";

/// A PDF hiding `WORD` everywhere a PDF can: visible text, the Info dictionary, XMP metadata, a
/// bookmark, an annotation, a form field, white-on-white text, text under an image, and an
/// earlier revision replaced by an incremental update.
fn adversarial_pdf() -> Vec<u8> {
    let mut doc = Document::with_version("1.7");
    let pages_id = doc.new_object_id();
    let font_id =
        doc.add_object(dictionary! { "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica", "Encoding" => "WinAnsiEncoding" });
    let image_id = doc.add_object(Stream::new(
        dictionary! { "Type" => "XObject", "Subtype" => "Image", "Width" => 2, "Height" => 2, "ColorSpace" => "DeviceGray", "BitsPerComponent" => 8 },
        vec![128, 128, 128, 128],
    ));
    let resources_id =
        doc.add_object(dictionary! { "Font" => dictionary! { "F1" => font_id }, "XObject" => dictionary! { "Im1" => image_id } });
    let mut ops = pdf_text(72.0, 700.0, 18, &format!("The codename is {WORD} and more words follow"));
    ops.extend(pdf_text(72.0, 650.0, 14, "An ordinary line that stays visible in the production"));
    // White on white.
    ops.push(Operation::new("rg", vec![1.into(), 1.into(), 1.into()]));
    ops.extend(pdf_text(72.0, 600.0, 14, &format!("white {WORD} white")));
    ops.push(Operation::new("rg", vec![0.into(), 0.into(), 0.into()]));
    // Under an image.
    ops.extend(pdf_text(72.0, 500.0, 14, &format!("under {WORD} image")));
    ops.push(Operation::new("q", vec![]));
    ops.push(Operation::new("cm", vec![300.into(), 0.into(), 0.into(), 40.into(), 60.into(), 490.into()]));
    ops.push(Operation::new("Do", vec!["Im1".into()]));
    ops.push(Operation::new("Q", vec![]));
    let content_id = doc.add_object(Stream::new(dictionary! {}, Content { operations: ops }.encode().unwrap()));
    let annot_id = doc.add_object(dictionary! {
        "Type" => "Annot", "Subtype" => "Text", "Rect" => vec![400.into(), 400.into(), 420.into(), 420.into()], "Contents" => lit(&format!("note {WORD}")),
    });
    let field_id = doc.add_object(dictionary! {
        "FT" => "Tx", "T" => lit("codename"), "V" => lit(WORD), "Rect" => vec![0.into(), 0.into(), 0.into(), 0.into()], "Subtype" => "Widget", "Type" => "Annot",
    });
    let page_id = doc.add_object(dictionary! {
        "Type" => "Page", "Parent" => pages_id, "Contents" => content_id, "Annots" => vec![annot_id.into(), field_id.into()],
    });
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages", "Kids" => vec![page_id.into()], "Count" => 1, "Resources" => resources_id,
            "MediaBox" => vec![0.into(), 0.into(), 612.into(), 792.into()],
        }),
    );
    let outline_item = doc.new_object_id();
    let outlines_id = doc.add_object(dictionary! { "Type" => "Outlines", "First" => outline_item, "Last" => outline_item, "Count" => 1 });
    doc.objects
        .insert(outline_item, Object::Dictionary(dictionary! { "Title" => lit(&format!("Chapter {WORD}")), "Parent" => outlines_id }));
    let xmp = format!("<x:xmpmeta xmlns:x='adobe:ns:meta/'><dc:title>{WORD}</dc:title></x:xmpmeta>");
    let xmp_id = doc.add_object(Stream::new(dictionary! { "Type" => "Metadata", "Subtype" => "XML" }, xmp.into_bytes()));
    let acro_id = doc.add_object(dictionary! { "Fields" => vec![field_id.into()] });
    let catalog_id = doc.add_object(dictionary! {
        "Type" => "Catalog", "Pages" => pages_id, "Outlines" => outlines_id, "Metadata" => xmp_id, "AcroForm" => acro_id,
    });
    let info_id = doc.add_object(dictionary! { "Title" => lit(&format!("{WORD} plan")), "Author" => lit("Analyst") });
    doc.trailer.set("Root", catalog_id);
    doc.trailer.set("Info", info_id);
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    // An incremental update: a new content stream for the page, the old one (with the word)
    // still in the file's first revision.
    let first_len = out.len();
    let update = format!(
        "\n{n} 0 obj\n<< /Length 44 >>\nstream\nBT /F1 12 Tf 72 300 Td (Revised page) Tj ET\nendstream\nendobj\n",
        n = doc.max_id + 1
    );
    let obj_offset = first_len + 1;
    out.extend_from_slice(update.as_bytes());
    let xref_offset = out.len();
    let trailer = format!(
        "xref\n0 1\n0000000000 65535 f \n{n} 1\n{obj_offset:010} 00000 n \ntrailer\n<< /Size {size} /Root {r} 0 R /Prev {prev} >>\nstartxref\n{xref_offset}\n%%EOF\n",
        n = doc.max_id + 1,
        size = doc.max_id + 2,
        r = catalog_id.0,
        prev = find_startxref(&out[..first_len]),
    );
    out.extend_from_slice(trailer.as_bytes());
    out
}

fn find_startxref(bytes: &[u8]) -> usize {
    let s = String::from_utf8_lossy(bytes);
    let i = s.rfind("startxref").unwrap();
    s[i + 9..].split_whitespace().next().unwrap().parse().unwrap()
}

fn email(id: u32, subject: &str, body: &str, attachment: Option<(&str, &str)>) -> String {
    let mut m = format!(
        "From: Dana Reviewer <dana@corp.example>\r\nTo: Lee Analyst <lee@corp.example>\r\nSubject: {subject}\r\nDate: Mon, {id} Mar 2026 10:00:00 +0000\r\nMessage-ID: <m{id}@corp.example>\r\nMIME-Version: 1.0\r\n"
    );
    match attachment {
        None => m.push_str(&format!("Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n")),
        Some((name, content)) => m.push_str(&format!(
            "Content-Type: multipart/mixed; boundary=\"BB\"\r\n\r\n--BB\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n--BB\r\nContent-Type: text/plain; name=\"{name}\"\r\nContent-Disposition: attachment; filename=\"{name}\"\r\n\r\n{content}\r\n--BB--\r\n"
        )),
    }
    m
}

/// A small matter: three emails (one with an attachment, one privileged), the adversarial PDF,
/// a rule for the codename, a manual span on the SSN and a drawn box.
fn matter(tmp: &Path) -> Matter {
    let src = tmp.join("src");
    fs::create_dir_all(&src).unwrap();
    fs::write(
        src.join("a.eml"),
        email(2, "Quarterly plan", &format!("The SSN on file is {SSN}. Greek: Ελληνικά, Cyrillic: Кириллица."), None),
    )
    .unwrap();
    fs::write(
        src.join("b.eml"),
        email(
            3,
            "Budget with attachment",
            "See the attached budget.",
            Some(("budget.txt", &format!("Budget lines for {WORD}: 1,000 units."))),
        ),
    )
    .unwrap();
    fs::write(src.join("c.eml"), email(4, "Legal advice", PRIVILEGED_LINE, None)).unwrap();
    fs::write(src.join("plan.pdf"), adversarial_pdf()).unwrap();
    let mut m = Matter::create(tmp.join("m"), "produce").unwrap();
    ingest(&mut m, &src, "Okafor, Sam");
    m.redact_rule(
        RuleSpec::Terms { terms: vec![WORD.into()], whole_word: true, case_sensitive: false },
        "TS",
        Treatment::Redact,
        None,
        false,
    )
    .unwrap();
    let a = m.search(&format!("\"{SSN}\""), 5, 0, Default::default()).unwrap();
    assert_eq!(a.total, 1, "the SSN email is found");
    let id = a.hits[0].id;
    let text = m.item(&id.to_string()).unwrap().text;
    let start = text.find(SSN).map(|b| text[..b].chars().count()).unwrap();
    m.redact_add(&id.to_string(), start, start + SSN.chars().count(), "PII", Treatment::Redact).unwrap();
    let c = m.search("Quokka", 5, 0, Default::default()).unwrap();
    m.tag_add("Privileged – attorney-client", &exhibit::review::Target::Items(vec![c.hits[0].id.to_string()]), Default::default()).unwrap();
    m
}

fn produce(m: &mut Matter, out: &Path, sabotage: Option<Sabotage>) -> exhibit::produce::ProductionReport {
    let mut o = ProduceOptions::new(Selection::Query("*".into()), "ACME", out);
    o.endorse = "CONFIDENTIAL – SUBJECT TO PROTECTIVE ORDER".into();
    o.sabotage = sabotage;
    m.produce(&o, &|_| {}, &AtomicBool::new(false)).unwrap()
}

fn files_under(root: &Path) -> Vec<PathBuf> {
    walkdir::WalkDir::new(root).into_iter().filter_map(|e| e.ok()).filter(|e| e.file_type().is_file()).map(|e| e.into_path()).collect()
}

/// Everything an independent reader could get out of the bundle, lower-cased: every file's
/// bytes, every decompressed PDF stream, pdftotext's text, every file name.
fn everything(root: &Path) -> String {
    let mut all = String::new();
    for f in files_under(root) {
        all.push_str(&f.to_string_lossy());
        let bytes = fs::read(&f).unwrap();
        all.push_str(&String::from_utf8_lossy(&bytes));
        if f.extension().is_some_and(|e| e == "pdf") {
            let doc = Document::load_mem(&bytes).expect("a produced PDF parses");
            for obj in doc.objects.values() {
                if let Ok(s) = obj.as_stream() {
                    let is_image = s.dict.get(b"Subtype").and_then(|v| v.as_name()).is_ok_and(|n| n == b"Image");
                    if !is_image {
                        all.push_str(&String::from_utf8_lossy(&s.decompressed_content().unwrap_or_default()));
                    }
                }
            }
            let o = std::process::Command::new("pdftotext").arg("-q").arg(&f).arg("-").output().expect("pdftotext runs");
            all.push_str(&String::from_utf8_lossy(&o.stdout));
        }
    }
    all.to_lowercase()
}

#[test]
fn a_production_passes_its_gate_and_an_independent_check_finds_nothing_redacted() {
    let tmp = tempfile::tempdir().unwrap();
    let mut m = matter(tmp.path());
    let out = tmp.path().join("out");
    let r = produce(&mut m, &out, None);
    let v = r.verification.as_ref().unwrap();
    assert!(v.ok, "the gate passes: {:#?}", v.problems);
    let root = PathBuf::from(&r.out);
    assert!(!root.join("INCOMPLETE").exists(), "a passed production carries no INCOMPLETE marker");
    assert_eq!((r.documents, r.withheld), (5, 1), "3 emails, 1 attachment, 1 PDF; 1 withheld: {r:#?}");
    assert!(r.redacted >= 3, "the SSN email, the attachment with the codename and the PDF are redacted: {r:#?}");
    assert_eq!(r.first_bates, "ACME-0000001");

    // Nothing redacted anywhere, read independently.
    let all = everything(&root);
    for secret in [WORD, SSN, "quokka claim"] {
        assert!(!all.contains(&secret.to_lowercase()), "{secret:?} appears in the bundle");
    }
    assert!(all.contains("[redacted – pii]") && all.contains("[redacted – ts]"), "text files carry the markers");

    // The DAT parses back: BOM, þ/¶, CRLF; one record per document; families spanned.
    let dat_bytes = fs::read(root.join("DATA/ACME001.dat")).unwrap();
    assert!(dat_bytes.starts_with(&[0xEF, 0xBB, 0xBF]), "UTF-8 BOM");
    assert!(dat_bytes.windows(2).any(|w| w == b"\r\n") && !dat_bytes.windows(2).any(|w| w[1] == b'\n' && w[0] != b'\r'), "CRLF only");
    let dat = loadfile::parse_dat(&dat_bytes).unwrap();
    assert!(dat.has_header);
    assert_eq!(dat.rows.len(), 5);
    let col = |name: &str| dat.fields.iter().position(|f| f == name).unwrap();
    let with_attachment: Vec<_> = dat.rows.iter().filter(|r| r.values[col("BEGATTACH")] != r.values[col("ENDATTACH")]).collect();
    assert_eq!(with_attachment.len(), 2, "the email and its attachment share a BEGATTACH..ENDATTACH range");
    assert_eq!(with_attachment[0].values[col("BEGATTACH")], with_attachment[1].values[col("BEGATTACH")]);
    let redacted_rows: Vec<_> = dat.rows.iter().filter(|r| r.values[col("REDACTED")] == "Y").collect();
    assert!(redacted_rows.iter().all(|r| r.values[col("SHA256HASH")].is_empty()), "no hash of a redacted original");

    // The OPT matches the images page for page, contiguous.
    let opt = loadfile::parse_opt(&fs::read(root.join("DATA/ACME001.opt")).unwrap()).unwrap();
    assert_eq!(opt.len() as u64, r.pages);
    for (i, l) in opt.iter().enumerate() {
        assert_eq!(l.page_id, format!("ACME-{:07}", i + 1));
        assert!(root.join(l.image_path.replace('\\', "/")).is_file(), "{} exists", l.image_path);
    }
    let privilege = fs::read_to_string(root.join("DATA/ACME001_privilege_log.csv")).unwrap();
    assert_eq!(privilege.lines().count(), 2, "one withheld document logged: {privilege}");
    assert!(!privilege.to_lowercase().contains("quokka"), "the privilege log never quotes the privileged text");

    // A dry run of the same set foresees the same treatments.
    let mut dry = ProduceOptions::new(Selection::Query("*".into()), "ACME", &out);
    dry.dry_run = true;
    let d = m.produce(&dry, &|_| {}, &AtomicBool::new(false)).unwrap();
    assert_eq!((d.produced, d.redacted, d.withheld), (r.produced, r.redacted, r.withheld), "the dry run's treatments are the production's");
    // A second production continues the numbers.
    let r2 = produce(&mut m, &out, None);
    assert!(r2.verification.as_ref().unwrap().ok);
    assert_eq!(r2.production, "ACME002");
    assert_eq!(r2.first_bates, format!("ACME-{:07}", r.pages + 1), "Bates numbers continue across productions");
    let list = m.productions().unwrap();
    assert_eq!(list.len(), 2);
    assert!(list.iter().all(|p| p.status == ProductionStatus::Complete));

    // Re-verifying the bundle on disk passes, and a tampered bundle fails.
    assert!(m.verify_production(&root).unwrap().ok);
    let txt = files_under(&root).into_iter().find(|f| f.extension().is_some_and(|e| e == "txt")).unwrap();
    fs::write(&txt, format!("tampered {SSN}")).unwrap();
    let again = m.verify_production(&root).unwrap();
    assert!(!again.ok);
    assert!(again.checks.iter().any(|c| c.name == "manifest" && !c.ok), "the manifest check names the changed file: {:#?}", again.problems);
    assert!(root.join("INCOMPLETE").exists(), "a bundle that fails re-verification is marked incomplete");
}

/// Produced pages rendered by poppler: every pixel inside a burned box is dark, and outside the
/// boxes and the stamp band the page matches the source page's own rendering.
#[test]
fn produced_pages_hide_only_the_redacted_words() {
    let tmp = tempfile::tempdir().unwrap();
    let mut m = matter(tmp.path());
    let r = produce(&mut m, &tmp.path().join("out"), None);
    assert!(r.verification.as_ref().unwrap().ok);
    let root = PathBuf::from(&r.out);
    // To look at the pages: EXHIBIT_KEEP_PRODUCTION=DIR keeps a copy of the bundle.
    if let Some(keep) = std::env::var_os("EXHIBIT_KEEP_PRODUCTION") {
        let _ = std::process::Command::new("cp").arg("-r").arg(&root).arg(keep).status();
    }
    // The PDF is the only document with a drawn page; find its image.
    let pdf_item = m.search("kind:pdf", 5, 0, Default::default()).unwrap().hits[0].id;
    let boxes = m.page_boxes(&pdf_item.to_string(), None).unwrap();
    assert!(!boxes.redactions.is_empty(), "the codename has boxes on the PDF page");
    let produced = files_under(&root)
        .into_iter()
        .filter(|f| f.extension().is_some_and(|e| e == "pdf"))
        .find(|f| {
            let o = std::process::Command::new("pdfinfo").arg(f).output().unwrap();
            String::from_utf8_lossy(&o.stdout).contains("612 x 828 pts")
        })
        .expect("the produced PDF page: 612 × 792 plus the 36-point stamp band");
    let png_dir = tmp.path().join("png");
    fs::create_dir_all(&png_dir).unwrap();
    // Rendered by poppler at the images' own 150 dpi, so no pixel is resampled; as PGM (poppler
    // writes RGB PNGs even with -gray).
    let render = |pdf: &Path, stem: &str| -> (usize, usize, Vec<u8>) {
        let st = std::process::Command::new("pdftoppm")
            .args(["-r", "150", "-gray", "-singlefile"])
            .arg(pdf)
            .arg(png_dir.join(stem))
            .status()
            .unwrap();
        assert!(st.success());
        let bytes = fs::read(png_dir.join(format!("{stem}.pgm"))).unwrap();
        // P5\n<w> <h>\n255\n<pixels>
        let mut fields = bytes.splitn(4, |b| b.is_ascii_whitespace());
        assert_eq!(fields.next(), Some(&b"P5"[..]));
        let w: usize = String::from_utf8_lossy(fields.next().unwrap()).parse().unwrap();
        let h: usize = String::from_utf8_lossy(fields.next().unwrap()).parse().unwrap();
        let rest = fields.next().unwrap();
        let px = rest[rest.iter().position(|b| b.is_ascii_whitespace()).unwrap() + 1..].to_vec();
        assert_eq!(px.len(), w * h);
        (w, h, px)
    };
    let (w, h, produced_px) = render(&produced, "produced");
    // The source page as the viewer draws it (hayro, at the same scale): poppler draws
    // non-embedded fonts with other glyph shapes, so it would differ at every letter's edge.
    let src_png = exhibit::view::render_pdf_page(0, adversarial_pdf(), 0, 150.0 / 72.0 * (1.0 + 1e-6)).unwrap();
    let (sw, sh, source_px) = {
        let mut reader = png::Decoder::new(std::io::Cursor::new(src_png)).read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        let channels = info.color_type.samples();
        let px: Vec<u8> = buf[..info.buffer_size()].chunks(channels).map(|c| c[channels.min(3) / 2]).collect();
        (info.width as usize, info.height as usize, px)
    };
    assert_eq!(w, sw);
    assert!(h > sh + 70, "the produced page has a stamp band below the source page ({h} vs {sh})");
    let scale = 150.0 / 72.0;
    let fonts = Fonts::load().unwrap();
    let burned: Vec<PxRect> = boxes.redactions.iter().filter_map(|b| padded_px(b.rect, scale, sw as u32, sh as u32)).collect();
    assert_eq!(burned.len(), boxes.redactions.len());
    // Inside each burned box: every pixel that is not part of the white label is black — no ink
    // of the hidden word shows.
    let mut checked = 0;
    for (b, r) in boxes.redactions.iter().zip(&burned) {
        let label = format!("REDACTED – {}", b.reason.as_deref().unwrap());
        let want = expected_box(r.x1 - r.x0, r.y1 - r.y0, &label, &fonts);
        // Poppler blends each image pixel a little with its neighbours: check the pixels whose
        // whole 3×3 neighbourhood is box (not label, not page).
        let black = |x: u32, y: u32| want.px[(y * want.width + x) as usize] == 0;
        for y in 1..want.height - 1 {
            for x in 1..want.width - 1 {
                if (y - 1..=y + 1).all(|yy| (x - 1..=x + 1).all(|xx| black(xx, yy))) {
                    checked += 1;
                    let (px, py) = ((r.x0 + x) as usize, (r.y0 + y) as usize);
                    let p = produced_px[py * w + px];
                    assert!(p < 32, "pixel {px},{py} inside the burned box {r:?} is {p}, not black");
                }
            }
        }
    }
    assert!(checked > 1000, "{checked} box pixels checked");
    // Outside the boxes (and the band), the page is its source's own rendering.
    let near = |x: usize, y: usize| {
        burned.iter().any(|r| x + 2 >= r.x0 as usize && x < r.x1 as usize + 2 && y + 2 >= r.y0 as usize && y < r.y1 as usize + 2)
    };
    let mut differing = 0;
    for y in 0..sh {
        for x in 0..sw {
            if !near(x, y) && produced_px[y * w + x].abs_diff(source_px[y * sw + x]) > 96 {
                differing += 1;
            }
        }
    }
    // Poppler blends image pixels a little with their neighbours: allow 0.1% of the page.
    assert!(differing * 1000 < sw * sh, "outside the boxes the page matches its source ({differing} pixels differ)");
    // The stamp band carries ink (the Bates number), below the page.
    let band_ink = (sh + 2..h).flat_map(|y| (0..w).map(move |x| (x, y))).filter(|&(x, y)| produced_px[y * w + x] < 128).count();
    assert!(band_ink > 200, "the Bates stamp is in the band below the page ({band_ink} dark pixels)");
}

#[test]
fn a_broken_writer_is_caught_and_the_bundle_left_incomplete() {
    let tmp = tempfile::tempdir().unwrap();
    let mut m = matter(tmp.path());
    for (i, s) in [Sabotage::SkipOneBox, Sabotage::LeakText].into_iter().enumerate() {
        let r = produce(&mut m, &tmp.path().join(format!("out{i}")), Some(s));
        let v = r.verification.as_ref().unwrap();
        assert!(!v.ok, "{s:?} is caught");
        let name = if s == Sabotage::SkipOneBox { "burned_boxes" } else { "redacted_text" };
        let check = v.checks.iter().find(|c| c.name == name).unwrap();
        assert!(!check.ok, "{s:?} fails the {name} check: {:#?}", v.problems);
        let f = &check.failures[0];
        assert!(f.file.ends_with(".pdf") || f.file.ends_with(".txt"), "the failure names the file: {f:?}");
        assert!(f.bates.as_deref().is_some_and(|b| b.starts_with("ACME-")), "and the page: {f:?}");
        assert!(PathBuf::from(&r.out).join("INCOMPLETE").exists(), "the bundle is marked incomplete");
    }
    assert!(m.productions().unwrap().iter().all(|p| p.status == ProductionStatus::Incomplete));
    // A failed production does not advance the numbering.
    assert_eq!(m.next_bates_number("ACME-").unwrap(), 1);
}

#[test]
fn a_dry_run_writes_nothing_and_the_cli_produces_and_lists() {
    let tmp = tempfile::tempdir().unwrap();
    let m = matter(tmp.path());
    drop(m.search("*", 1, 0, Default::default()));
    let matter_dir = tmp.path().join("m");
    drop(m);
    let out = tmp.path().join("cli-out");
    let out_s = out.to_string_lossy().to_string();
    let md = matter_dir.to_string_lossy().to_string();
    let dry = cli_json(&["--matter", &md, "--json", "produce", "--query", "*", "--prefix", "ACME", "--out", &out_s, "--dry-run"]);
    assert_eq!(dry["dry_run"], true);
    assert_eq!(dry["documents"], 5);
    assert_eq!(dry["withheld"], 1);
    assert!(!out.exists(), "a dry run writes nothing");
    let done =
        cli_json(&["--matter", &md, "--json", "produce", "--tag", "Privileged – attorney-client", "--prefix", "ACME", "--out", &out_s]);
    for field in
        ["production", "out", "documents", "pages", "first_bates", "last_bates", "produced", "redacted", "withheld", "verification"]
    {
        assert!(done.get(field).is_some(), "cli.md's field {field} is in the answer");
    }
    assert_eq!(done["verification"]["ok"], true, "{done:#}");
    assert_eq!(done["withheld"], 1);
    let list = cli_json(&["--matter", &md, "--json", "productions"]);
    assert_eq!(list["productions"].as_array().unwrap().len(), 1);
    let status = cli_json(&["--matter", &md, "--json", "status"]);
    assert_eq!(status["productions"], 1);
    let verify = cli_json(&["--matter", &md, "--json", "verify", "--production", done["out"].as_str().unwrap()]);
    assert_eq!(verify["ok"], true);
    assert!(verify["problems"].as_array().unwrap().is_empty());
}

/// The issue's corpus matter: Enron mail, corpus PDFs, Outlook .msg, spreadsheets and recorded
/// model calls, with PII, secrets and terms rules, a manual span, a drawn box and privileged
/// mail withheld. Two productions: both pass the gate; nothing any rule hid is anywhere in
/// either bundle; the load files parse back; Bates numbers run on from one to the next.
#[test]
fn a_corpus_production_passes_its_gate_and_leaks_no_rule_match() {
    let Some(corpus) = corpus("", "produce::a_corpus_production_passes_its_gate_and_leaks_no_rule_match") else { return };
    let tmp = tempfile::tempdir().unwrap();
    let mut m = Matter::create(tmp.path().join("m"), "corpus production").unwrap();
    let beck = corpus.join("email/enron/beck-s");
    let mail: Vec<PathBuf> = ["legal", "2001_plan", "chicago", "aec", "bridgeline", "mpr"].iter().map(|f| beck.join(f)).collect();
    m.ingest(&mail, &opts("Beck, Sally"), &mut |_| {}).unwrap();
    let mut other: Vec<PathBuf> = [
        "pdflatex-4-pages.pdf",
        "google-doc-document.pdf",
        "multicolumn.pdf",
        "libreoffice-form.pdf",
        "annotated_pdf.pdf",
        "pdflatex-outline.pdf",
    ]
    .iter()
    .map(|f| corpus.join("pdf/py-pdf").join(f))
    .collect();
    other.extend(
        ["attachment_msg_pdf.msg", "cyrillic_message.msg", "chinese-traditional.msg"].iter().map(|f| corpus.join("office/outlook").join(f)),
    );
    other.extend(["46536.xlsx", "47737.xlsx"].iter().map(|f| corpus.join("office/xlsx").join(f)));
    other.extend(
        ["test_chat_completion_extra_params.yaml", "test_chat_completion_metrics.yaml"]
            .iter()
            .map(|f| corpus.join("modellogs/otel-cassettes/openai-v2").join(f)),
    );
    let other: Vec<PathBuf> = other.into_iter().filter(|p| p.exists()).collect();
    m.ingest(&other, &opts("Records"), &mut |_| {}).unwrap();

    // Rules: PII and secrets (built in), and terms the test checks for itself.
    const TERMS: &[&str] = &["california", "skilling", "bridgeline"];
    // Every field (headers too), so the check below has many hidden values to look for.
    let names = vec!["pii".into(), "secrets".into()];
    m.redact_rule_scoped(RuleSpec::Builtin { names }, "PII", Treatment::Redact, None, exhibit::redact::RuleScope::everywhere(), false)
        .unwrap();
    m.redact_rule(
        RuleSpec::Terms { terms: TERMS.iter().map(|t| t.to_string()).collect(), whole_word: false, case_sensitive: false },
        "TS",
        Treatment::Redact,
        None,
        false,
    )
    .unwrap();
    // A manual span, and a box on a PDF page.
    let email = m.search("kind:email AND plan", 1, 0, Default::default()).unwrap().hits[0].id.to_string();
    m.redact_add(&email, 0, 12, "PII", Treatment::Redact).unwrap();
    let pdf = m.search("kind:pdf", 1, 0, Default::default()).unwrap().hits[0].id.to_string();
    m.redact_box(&pdf, 1, [100.0, 100.0, 300.0, 160.0], "PII", Treatment::Redact).unwrap();
    // The legal folder is privileged.
    let tagged = m.tag_add("Privileged – attorney-client", &exhibit::review::Target::Query("legal".into()), Default::default()).unwrap();
    assert!(tagged.changed > 0, "some mail is tagged privileged");

    let out = tmp.path().join("out");
    let r1 = produce(&mut m, &out, None);
    let v1 = r1.verification.as_ref().unwrap();
    assert!(v1.ok, "the gate passes on the corpus: {:#?}", v1.problems);
    if let Some(keep) = std::env::var_os("EXHIBIT_KEEP_PRODUCTION") {
        let _ = std::process::Command::new("cp").arg("-r").arg(&r1.out).arg(keep).status();
    }
    assert!(r1.withheld > 0 && r1.redacted > 0 && r1.produced > 0, "every treatment occurs: {r1:#?}");
    let mut o2 = ProduceOptions::new(Selection::Query("kind:pdf".into()), "ACME", &out);
    o2.endorse = "CONFIDENTIAL".into();
    let r2 = m.produce(&o2, &|_| {}, &AtomicBool::new(false)).unwrap();
    assert!(r2.verification.as_ref().unwrap().ok, "{:#?}", r2.verification.as_ref().unwrap().problems);
    let last1: u64 = r1.last_bates.trim_start_matches("ACME-").parse().unwrap();
    assert_eq!(r2.first_bates, format!("ACME-{:07}", last1 + 1), "the second production continues the first");

    // Document by document, independently of the gate: nothing the document's redacted view
    // hides is in its text file, its page images (bytes, decompressed streams, pdftotext), its
    // DAT record or its privilege-log row.
    {
        let root = PathBuf::from(&r1.out);
        let dat = loadfile::parse_dat(&fs::read(root.join("DATA/ACME001.dat")).unwrap()).unwrap();
        let opt = loadfile::parse_opt(&fs::read(root.join("DATA/ACME001.opt")).unwrap()).unwrap();
        let privilege_log = fs::read_to_string(root.join("DATA/ACME001_privilege_log.csv")).unwrap().to_lowercase();
        let col = |f: &str| dat.fields.iter().position(|x| x == f).unwrap();
        let mut checked = 0;
        for row in &dat.rows {
            let beg = &row.values[col("BEGBATES")];
            let hits = m.search(&format!("bates:{beg}"), 5, 0, Default::default()).unwrap();
            assert_eq!(hits.total, 1, "{beg} is one document of the matter");
            let hidden = m.redacted_item(&hits.hits[0].id.to_string()).unwrap().hidden;
            let mut seen = row.values.join(" | ");
            seen.push_str(&fs::read_to_string(root.join(row.values[col("TEXTPATH")].replace('\\', "/"))).unwrap());
            for image in opt.iter().filter(|l| l.page_id == *beg).map(|l| root.join(l.image_path.replace('\\', "/"))) {
                let bytes = fs::read(&image).unwrap();
                seen.push_str(&String::from_utf8_lossy(&bytes));
                let doc = Document::load_mem(&bytes).unwrap();
                for obj in doc.objects.values() {
                    if let Ok(s) = obj.as_stream() {
                        if !s.dict.get(b"Subtype").and_then(|v| v.as_name()).is_ok_and(|n| n == b"Image") {
                            seen.push_str(&String::from_utf8_lossy(&s.decompressed_content().unwrap_or_default()));
                        }
                    }
                }
                let o = std::process::Command::new("pdftotext").arg("-q").arg(&image).arg("-").output().unwrap();
                seen.push_str(&String::from_utf8_lossy(&o.stdout));
            }
            let seen = seen.to_lowercase();
            let log_rows: String = privilege_log.lines().filter(|l| l.contains(&beg.to_lowercase())).collect();
            for v in hidden.iter().map(|v| v.trim().to_lowercase()).filter(|v| v.chars().count() >= 6) {
                checked += 1;
                assert!(!seen.contains(&v), "{beg}: a value its redacted view hides ({v:?}) is in its produced files");
                assert!(!log_rows.contains(&v), "{beg}: a hidden value ({v:?}) is in its privilege-log row");
            }
        }
        assert!(checked > 100, "{checked} hidden values checked");
    }

    for r in [&r1, &r2] {
        let root = PathBuf::from(&r.out);
        let all = everything(&root);
        for t in TERMS {
            assert!(!all.contains(t), "{t:?} (hidden by a rule) appears in {}", r.production);
        }
        let name = &r.production;
        let dat = loadfile::parse_dat(&fs::read(root.join(format!("DATA/{name}.dat"))).unwrap()).unwrap();
        assert!(dat.problems.is_empty(), "{:?}", dat.problems);
        assert_eq!(dat.rows.len() as u64, r.documents, "one DAT record per document");
        let opt = loadfile::parse_opt(&fs::read(root.join(format!("DATA/{name}.opt"))).unwrap()).unwrap();
        assert_eq!(opt.len() as u64, r.pages, "one OPT line per page");
        let first: u64 = r.first_bates.trim_start_matches("ACME-").parse().unwrap();
        for (i, l) in opt.iter().enumerate() {
            assert_eq!(l.page_id, format!("ACME-{:07}", first + i as u64), "contiguous Bates numbers");
        }
        let docs = loadfile::opt_documents(&opt);
        let col = |f: &str| dat.fields.iter().position(|x| x == f).unwrap();
        for (row, doc) in dat.rows.iter().zip(&docs) {
            assert_eq!(row.values[col("BEGBATES")], doc.first);
            assert_eq!(row.values[col("ENDBATES")], doc.last);
            assert_eq!(row.values[col("PGCOUNT")], doc.pages.len().to_string());
            let (ba, ea) = (&row.values[col("BEGATTACH")], &row.values[col("ENDATTACH")]);
            assert!(ba <= &doc.first && ea >= &doc.last, "BEGATTACH..ENDATTACH spans the document");
        }
    }
}

/// A production killed mid-run leaves a bundle marked INCOMPLETE (and a matter that does not
/// count it), and running the same command again starts over and passes the gate.
#[test]
fn a_killed_production_never_looks_complete_and_a_rerun_passes() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    fs::create_dir_all(&src).unwrap();
    for i in 0..300 {
        let para = format!("Memo {i} on the supply agreement. The parties met to discuss volumes, prices and delivery windows. ");
        fs::write(src.join(format!("memo{i:03}.txt")), para.repeat(60)).unwrap();
    }
    let md = tmp.path().join("m");
    let mut m = Matter::create(&md, "kill").unwrap();
    ingest(&mut m, &src, "C");
    drop(m);
    let out = tmp.path().join("out");
    let args = |o: &Path| -> Vec<String> {
        ["--matter", &md.to_string_lossy(), "produce", "--query", "*", "--prefix", "KILL", "--out", &o.to_string_lossy()]
            .iter()
            .map(|s| s.to_string())
            .collect()
    };
    let mut child = std::process::Command::new(exe()).args(args(&out)).stdout(std::process::Stdio::null()).spawn().unwrap();
    let marker = out.join("KILL001/INCOMPLETE");
    let started = std::time::Instant::now();
    while !marker.exists() && started.elapsed() < std::time::Duration::from_secs(60) {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert!(child.try_wait().unwrap().is_none(), "the production was still running when it was killed");
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(marker.exists(), "a killed production is marked INCOMPLETE");
    assert!(!out.join("KILL001/manifest.json").exists() || marker.exists());
    let m = Matter::open(&md).unwrap();
    let list = m.productions().unwrap();
    assert_eq!(list.len(), 1);
    assert_ne!(list[0].status, ProductionStatus::Complete, "the matter does not call it complete");
    assert_eq!(m.next_bates_number("KILL-").unwrap(), 1, "a killed production does not use up Bates numbers");
    drop(m);
    let again = cli_json(&args(&out).iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(again["production"], "KILL001", "the re-run replaces what the killed run left");
    assert_eq!(again["verification"]["ok"], true, "{again:#}");
    assert_eq!(again["first_bates"], "KILL-0000001");
    assert!(!marker.exists());
}

/// Receiving side: a production of ours loaded into a new matter gives back the same documents,
/// Bates ranges and texts, searchable by `bates:`; the real productions in the corpus load with
/// their fields mapped, and what cannot be linked is an error record naming the row.
#[test]
fn a_production_loads_back_into_a_new_matter_with_its_bates_ranges_and_text() {
    let tmp = tempfile::tempdir().unwrap();
    let mut m = matter(tmp.path());
    let r = produce(&mut m, &tmp.path().join("out"), None);
    assert!(r.verification.as_ref().unwrap().ok);
    // Our own bates: search finds the produced documents.
    let first_doc = m.search("bates:ACME-0000001", 10, 0, Default::default()).unwrap();
    assert_eq!(first_doc.total, 1, "bates: finds the document of a page of our production");
    let range = m.search("bates:[ACME-0000001 TO ACME-0000003]", 10, 0, Default::default()).unwrap();
    assert!(range.total >= 2);
    // Pasted bare, a Bates number that is no control number finds the same document.
    let pasted = m.search("ACME-0000001", 10, 0, Default::default()).unwrap();
    assert_eq!(pasted.hits.iter().map(|h| h.id).collect::<Vec<_>>(), first_doc.hits.iter().map(|h| h.id).collect::<Vec<_>>());

    let mut b = Matter::create(tmp.path().join("received"), "received").unwrap();
    let s = ingest(&mut b, Path::new(&r.out), "Opposing party");
    let with_bates = b.search(&format!("bates:[{} TO {}]", r.first_bates, r.last_bates), 100, 0, Default::default()).unwrap();
    assert_eq!(with_bates.total as u64, r.documents, "one item per produced document: {s:?}");
    assert_eq!(s.items_added, r.documents + 2, "and the privilege and redaction logs, as loose files");
    let dat = loadfile::parse_dat(&fs::read(Path::new(&r.out).join("DATA/ACME001.dat")).unwrap()).unwrap();
    let col = |f: &str| dat.fields.iter().position(|x| x == f).unwrap();
    for row in &dat.rows {
        let (beg, end) = (&row.values[col("BEGBATES")], &row.values[col("ENDBATES")]);
        let hits = b.search(&format!("bates:{beg}"), 5, 0, Default::default()).unwrap();
        assert_eq!(hits.total, 1, "{beg} is one received document");
        let item = b.item(&hits.hits[0].id.to_string()).unwrap();
        assert_eq!(item.metadata.extra["bates_begin"], *beg);
        assert_eq!(item.metadata.extra["bates_end"], *end);
        let produced_text = fs::read_to_string(Path::new(&r.out).join(row.values[col("TEXTPATH")].replace('\\', "/"))).unwrap();
        assert_eq!(item.text, produced_text, "the received text is the produced text");
        assert!(b.search(&format!("bates:{end}"), 5, 0, Default::default()).unwrap().total == 1, "its last page finds it too");
    }
    // Families come back: the email and its attachment.
    let fam = b.search("bates:ACME-0000003", 5, 0, Default::default()).unwrap();
    assert_eq!(fam.total, 1);

    // The real productions of the corpus.
    let Some(prods) = corpus("productions", "produce::a_production_loads_back_into_a_new_matter_with_its_bates_ranges_and_text") else {
        return;
    };
    let mut c = Matter::create(tmp.path().join("corpus-received"), "corpus received").unwrap();
    let rel = ingest(&mut c, &prods.join("relativity-import-samples/SampleDataSources"), "Relativity sample");
    assert!(rel.items_added > 10, "the Relativity volume's rows load: {rel:?}");
    // Fields mapped: the subject and the sender of a sample email.
    // Fields mapped from another tool's names: "Email Subject", "Email From", "Email To",
    // "Date Sent", "Extracted Text", "FILE_PATH" (a pipe-delimited DAT with a header row).
    let first = c.search("bates:Sample_0000001", 5, 0, Default::default()).unwrap();
    let mapped = first
        .hits
        .iter()
        .map(|h| c.item(&h.id.to_string()).unwrap())
        .find(|i| i.metadata.extra.get("load_file").is_some_and(|f| f.as_str().is_some_and(|f| f.ends_with("load_file_01.dat"))))
        .expect("row 1 of load_file_01.dat");
    assert_eq!(mapped.title.as_deref(), Some("RE: Import samples"));
    assert_eq!(mapped.metadata.from.as_deref(), Some("Demo  User <Demo.User@Sample.com>"));
    assert_eq!(mapped.metadata.to, vec!["Sample User <User.Sample@sample.com>".to_string()]);
    assert_eq!(mapped.metadata.date.as_deref(), Some("2001-05-21T15:48:00Z"));
    let linked =
        fs::read_to_string(prods.join("relativity-import-samples/SampleDataSources/VOL01/TEXT/TEXT00001/EDRM-Sample1.txt")).unwrap();
    assert_eq!(mapped.text.trim(), linked.trim(), "the Extracted Text file is linked");
    assert_eq!(mapped.metadata.mime, "application/pdf", "the FILE_PATH native is the original");
    let hit = c.search("bates:Sample_0000007", 5, 0, Default::default()).unwrap();
    assert!(hit.total >= 1, "control numbers of a DAT without a header are Bates numbers");
    let item = c.item(&hit.hits[0].id.to_string()).unwrap();
    assert!(item.text.len() > 20, "its TEXT file was linked");
    let qc = ingest(&mut c, &prods.join("ediscovery-toolkit"), "QC fixtures");
    assert!(qc.items_added > 0);
    let errors = c.errors().unwrap();
    let text = format!("{errors:?}");
    assert!(text.contains("was already used on line"), "a duplicate Bates number is an error record naming the row: {text}");
    assert!(text.contains("is not an image"), "a .tif that is not an image is an error record: {text}");
    assert!(text.contains(" line "), "error records name the load file's line");
}

/// `--images tiff`: one 300-dpi Group IV TIFF per page named by its Bates number (JPEG for a
/// colour page), the OPT pointing at every page, the gate passing; a redacted page decodes
/// with its box black, and a broken writer is still caught.
#[test]
fn the_tiff_profile_writes_one_group4_page_per_file_and_passes_the_gate() {
    let tmp = tempfile::tempdir().unwrap();
    let mut m = matter(tmp.path());
    let mut o = ProduceOptions::new(Selection::Query("*".into()), "ACME", tmp.path().join("out"));
    o.images = exhibit::produce::ImageProfile::Tiff;
    let r = m.produce(&o, &|_| {}, &AtomicBool::new(false)).unwrap();
    let v = r.verification.as_ref().unwrap();
    assert!(v.ok, "{:#?}", v.problems);
    let root = PathBuf::from(&r.out);
    let opt = loadfile::parse_opt(&fs::read(root.join("DATA/ACME001.opt")).unwrap()).unwrap();
    assert_eq!(opt.len() as u64, r.pages);
    for l in &opt {
        let path = root.join(l.image_path.replace('\\', "/"));
        assert!(path.file_stem().unwrap().to_string_lossy() == l.page_id, "each page file is named by its Bates number");
        let bytes = fs::read(&path).unwrap();
        if path.extension().unwrap() == "tif" {
            let mut d = tiff::decoder::Decoder::new(std::io::Cursor::new(&bytes)).unwrap();
            assert_eq!(d.get_tag_u32(tiff::tags::Tag::Compression).unwrap(), 4, "CCITT Group IV");
            let x = d.get_tag(tiff::tags::Tag::XResolution).unwrap();
            assert!(format!("{x:?}").contains("300"), "300 dpi: {x:?}");
            assert!(!d.more_images(), "one page per file");
        } else {
            assert!(bytes.starts_with(&[0xFF, 0xD8]), "a colour page is a JPEG");
        }
    }
    // The PDF's redacted page, decoded: its word box is black.
    let pdf_item = m.search("kind:pdf", 5, 0, Default::default()).unwrap().hits[0].id;
    let boxes = m.page_boxes(&pdf_item.to_string(), None).unwrap();
    let page = opt
        .iter()
        .map(|l| root.join(l.image_path.replace('\\', "/")))
        .find(|p| tiff::decoder::Decoder::new(std::io::Cursor::new(fs::read(p).unwrap())).unwrap().dimensions().unwrap() == (2550, 3450))
        .expect("the PDF's page at 300 dpi: 2550 × (3300 + a 150-pixel stamp band)");
    let (w, h, px) = exhibit::produce::tiffout::decode_page(&fs::read(&page).unwrap()).unwrap();
    if let Some(keep) = std::env::var_os("EXHIBIT_KEEP_PRODUCTION") {
        // To look at the page: a PNG of it, decoded as the gate decodes it.
        let file = fs::File::create(Path::new(&keep).join("tiff-page.png")).unwrap();
        let mut enc = png::Encoder::new(std::io::BufWriter::new(file), w, h);
        enc.set_color(png::ColorType::Grayscale);
        enc.write_header().unwrap().write_image_data(&px).unwrap();
    }
    let b = &boxes.redactions[0];
    let (x, y) = (((b.rect[0] + b.rect[2]) / 2.0 * 300.0 / 72.0) as usize, ((b.rect[1] + b.rect[3]) / 2.0 * 300.0 / 72.0) as usize);
    let dark =
        (y - 3..y + 3).flat_map(|yy| (x - 30..x + 30).map(move |xx| (xx, yy))).filter(|&(xx, yy)| px[yy * w as usize + xx] == 0).count();
    assert!(dark > 200, "the box over the codename is black ({dark} of 360 pixels around its centre; the label is white)");
    let broken = {
        let mut o = o.clone();
        o.out = tmp.path().join("broken");
        o.sabotage = Some(Sabotage::SkipOneBox);
        m.produce(&o, &|_| {}, &AtomicBool::new(false)).unwrap()
    };
    let bv = broken.verification.unwrap();
    assert!(bv.checks.iter().any(|c| c.name == "burned_boxes" && !c.ok && c.failures[0].file.ends_with(".tif")), "{:#?}", bv.problems);
}

/// The dry run's page preview: built by the production code itself, so the redacted email's
/// page shows its box and the stamp band, and a withheld document previews as its slip sheet.
#[test]
fn a_preview_page_is_the_page_a_production_would_carry() {
    let tmp = tempfile::tempdir().unwrap();
    let m = matter(tmp.path());
    let ssn = m.search(&format!("\"{SSN}\""), 5, 0, Default::default()).unwrap().hits[0].id.to_string();
    let p = m.production_preview(&ssn, exhibit::produce::Privileged::Withhold, "CONFIDENTIAL", 2).unwrap();
    assert_eq!(p.treatment, exhibit::produce::Treatment::Redacted);
    assert_eq!((p.page_count, p.pages.len()), (1, 1));
    use base64::Engine;
    let png_bytes = base64::engine::general_purpose::STANDARD.decode(p.pages[0].trim_start_matches("data:image/png;base64,")).unwrap();
    let mut reader = png::Decoder::new(std::io::Cursor::new(png_bytes)).read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!((info.width, info.height), (1275, 1650), "a letter page at 150 dpi");
    let black = buf[..info.buffer_size()].iter().filter(|&&v| v == 0).count();
    assert!(black > 2000, "the redaction box is burned into the preview ({black} black pixels)");
    let band_ink = buf[(1650 - 70) * 1275..1650 * 1275].iter().filter(|&&v| v < 128).count();
    assert!(band_ink > 100, "the stamp band is drawn");
    let privileged = m.search("Quokka", 5, 0, Default::default()).unwrap().hits[0].id.to_string();
    let slip = m.production_preview(&privileged, exhibit::produce::Privileged::Withhold, "", 2).unwrap();
    assert_eq!(slip.treatment, exhibit::produce::Treatment::Withheld);
    assert_eq!(slip.pages.len(), 1);
}
