//! The verification gate: a production is complete only when every check here passes.
//!
//! It reads the bundle back from disk as a receiving party would, independently of how it was
//! written: PDFs are parsed with lopdf (not the writer's library) and their text extracted by
//! two extractors (ours and poppler's `pdftotext`); page images are decoded and every burned
//! box compared pixel for pixel with what a box must look like; load files are parsed back.
//! What each document must not contain is recomputed from the matter by the caller (the
//! redacted view's hidden values), never taken from the bundle.

use super::typeset::{expected_box, Fonts, PxRect};
use crate::extract::loadfile::{self, Bates};
use crate::redact::fold::{fold_str, Finder, MIN_FOLDED};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use ts_rs::TS;

/// The boxes burned into a production's pages, by Bates number: pixel rectangles of the page
/// image, with their labels.
pub type BurnedBoxes = HashMap<u64, Vec<(PxRect, String)>>;

/// One failure, located.
#[derive(Debug, Clone, Serialize, TS)]
pub struct GateFailure {
    /// The file, relative to the production folder.
    pub file: String,
    /// The Bates number of the page or document concerned, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub bates: Option<String>,
    pub what: String,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct GateCheck {
    /// A stable name: `redacted_text`, `pdf_structure`, `bates`, `load_files`, `privilege_log`,
    /// `manifest`, `originals`, `burned_boxes`.
    pub name: String,
    pub ok: bool,
    /// What was checked, in numbers.
    pub detail: String,
    pub failures: Vec<GateFailure>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct GateReport {
    pub ok: bool,
    pub checks: Vec<GateCheck>,
    /// Every failure, flat, as `exhibit verify` reports problems (cli.md): the check's name as
    /// `code`, and where and what as `detail`.
    pub problems: Vec<GateProblem>,
    pub seconds: f64,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct GateProblem {
    pub code: String,
    pub detail: String,
}

impl GateReport {
    pub fn new(checks: Vec<GateCheck>, seconds: f64) -> GateReport {
        let problems = checks
            .iter()
            .flat_map(|c| {
                c.failures.iter().map(|f| GateProblem {
                    code: c.name.clone(),
                    detail: match (&f.bates, f.file.is_empty()) {
                        (Some(b), false) => format!("{} ({b}): {}", f.file, f.what),
                        (None, false) => format!("{}: {}", f.file, f.what),
                        (Some(b), true) => format!("{b}: {}", f.what),
                        (None, true) => f.what.clone(),
                    },
                })
            })
            .chain(
                checks
                    .iter()
                    .filter(|c| !c.ok && c.failures.is_empty())
                    .map(|c| GateProblem { code: c.name.clone(), detail: c.detail.clone() }),
            )
            .collect();
        GateReport { ok: checks.iter().all(|k| k.ok), checks, problems, seconds }
    }
}

/// One produced document, as the gate checks it.
#[derive(Debug, Clone)]
pub struct GateDoc {
    pub control: String,
    pub item: i64,
    pub first: u64,
    pub last: u64,
    pub withheld: bool,
    /// Values that must appear nowhere in this document's files or load-file rows.
    pub hidden: Vec<String>,
    /// A withheld document's own text: none of it may appear anywhere.
    pub withheld_text: Option<String>,
    /// Its image file, relative to the production folder, with `/`.
    /// Its image files, in page order: one PDF (`--images pdf`), or one TIFF or JPEG per page.
    pub images: Vec<String>,
    pub text: String,
    pub native: Option<String>,
    pub sha256: String,
}

/// What the gate needs besides the bundle.
pub struct GateInput<'a> {
    pub root: &'a Path,
    pub name: &'a str,
    pub prefix: &'a str,
    pub digits: usize,
    pub docs: &'a [GateDoc],
    /// Burned boxes by Bates number of the page.
    pub boxes: &'a BurnedBoxes,
    pub fonts: &'a Fonts,
    /// Checks that an original still hashes to its name.
    pub original_ok: &'a dyn Fn(&str) -> Option<bool>,
    /// An item's own extracted text (to tell a passage it shares with a withheld document, such
    /// as a quoted reply or a common header, from one the writer leaked).
    pub original_text: &'a dyn Fn(i64) -> Option<String>,
}

/// Files the manifest does not list: itself, the gate's report and the incomplete marker.
pub const UNLISTED: &[&str] = &["manifest.json", "verification.json", "INCOMPLETE"];

struct Checks {
    checks: Vec<GateCheck>,
}

impl Checks {
    fn add(&mut self, name: &str, detail: String, failures: Vec<GateFailure>) {
        self.checks.push(GateCheck { name: name.into(), ok: failures.is_empty(), detail, failures });
    }
}

fn fail(file: &str, bates: Option<String>, what: impl Into<String>) -> GateFailure {
    GateFailure { file: file.to_string(), bates, what: what.into() }
}

/// Runs every check.
pub fn run(input: &GateInput) -> GateReport {
    let started = std::time::Instant::now();
    let mut c = Checks { checks: Vec::new() };
    let bates = |n: u64| Bates { prefix: input.prefix.to_string(), number: n, digits: input.digits }.to_string();
    let dat_path = format!("DATA/{}.dat", input.name);
    let opt_path = format!("DATA/{}.opt", input.name);
    let priv_path = format!("DATA/{}_privilege_log.csv", input.name);
    let red_path = format!("DATA/{}_redaction_log.csv", input.name);

    // Load files, parsed back.
    let mut lf = Vec::new();
    let dat_bytes = std::fs::read(input.root.join(&dat_path)).unwrap_or_default();
    let dat = loadfile::parse_dat(&dat_bytes);
    if !dat_bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        lf.push(fail(&dat_path, None, "the DAT has no UTF-8 byte-order mark (Relativity reads the encoding only from it)"));
    }
    let opt = loadfile::parse_opt(&std::fs::read(input.root.join(&opt_path)).unwrap_or_default());
    let (dat, opt) = match (dat, opt) {
        (Ok(d), Ok(o)) => (d, o),
        (d, o) => {
            if let Err(e) = d {
                lf.push(fail(&dat_path, None, format!("the DAT cannot be read back: {e}")));
            }
            if let Err(e) = o {
                lf.push(fail(&opt_path, None, format!("the OPT cannot be read back: {e}")));
            }
            c.add("load_files", "DAT and OPT parsed back".into(), lf);
            return finish(c, started);
        }
    };
    let field = |row: &loadfile::DatRow, name: &str| -> String {
        dat.fields.iter().position(|f| f == name).and_then(|i| row.values.get(i)).cloned().unwrap_or_default()
    };
    for p in &dat.problems {
        lf.push(fail(&dat_path, None, format!("line {}: {}", p.line, p.detail)));
    }
    if dat.rows.len() != input.docs.len() {
        lf.push(fail(&dat_path, None, format!("{} records for {} documents", dat.rows.len(), input.docs.len())));
    }
    let rows_by_beg: HashMap<String, &loadfile::DatRow> = dat.rows.iter().map(|r| (field(r, "BEGBATES"), r)).collect();
    for d in input.docs {
        let Some(row) = rows_by_beg.get(&bates(d.first)) else {
            lf.push(fail(&dat_path, Some(bates(d.first)), format!("no record for {}", d.control)));
            continue;
        };
        if field(row, "ENDBATES") != bates(d.last) {
            lf.push(fail(
                &dat_path,
                Some(bates(d.first)),
                format!("ENDBATES is {:?}, the pages end at {}", field(row, "ENDBATES"), bates(d.last)),
            ));
        }
        if field(row, "PGCOUNT") != (d.last - d.first + 1).to_string() {
            lf.push(fail(&dat_path, Some(bates(d.first)), "PGCOUNT does not match its pages"));
        }
    }
    c.add("load_files", format!("{} DAT records, {} OPT lines, byte-order mark present", dat.rows.len(), opt.len()), lf);

    // Bates: contiguous, unique; OPT, DAT and images agree page for page.
    let mut bf = Vec::new();
    let first = input.docs.first().map(|d| d.first).unwrap_or(1);
    let mut seen = BTreeSet::new();
    for (i, l) in opt.iter().enumerate() {
        let want = bates(first + i as u64);
        if l.page_id != want {
            bf.push(fail(
                &opt_path,
                Some(l.page_id.clone()),
                format!("line {}: page {} where {want} was expected (numbers must be contiguous)", l.line, l.page_id),
            ));
        }
        if !seen.insert(l.page_id.clone()) {
            bf.push(fail(&opt_path, Some(l.page_id.clone()), format!("line {}: page {} appears twice", l.line, l.page_id)));
        }
    }
    if input.prefix.ends_with(|c: char| c.is_ascii_digit()) {
        bf.push(fail(&dat_path, None, "the Bates prefix ends in a digit, which Everlaw cannot tell from the number"));
    }
    let docs_opt = loadfile::opt_documents(&opt);
    if docs_opt.len() != input.docs.len() {
        bf.push(fail(&opt_path, None, format!("{} documents (DOCBREAK=Y) for {} produced", docs_opt.len(), input.docs.len())));
    }
    let mut pages_per_image: BTreeMap<String, u64> = BTreeMap::new();
    for l in &opt {
        *pages_per_image.entry(l.image_path.replace('\\', "/")).or_default() += 1;
    }
    for (d, od) in input.docs.iter().zip(&docs_opt) {
        if od.first != bates(d.first) || od.last != bates(d.last) {
            bf.push(fail(
                &opt_path,
                Some(od.first.clone()),
                format!("the OPT's document {}–{} is not {}–{} of the DAT", od.first, od.last, bates(d.first), bates(d.last)),
            ));
        }
    }
    let mut pdf_pages = 0u64;
    for (path, n) in &pages_per_image {
        let full = input.root.join(path);
        if !is_pdf(path) {
            match std::fs::read(&full).map_err(|e| e.to_string()).and_then(|b| super::tiffout::decode_page(&b)) {
                Ok(_) if *n == 1 => pdf_pages += 1,
                Ok(_) => bf.push(fail(path, None, format!("one page image is listed for {n} pages"))),
                Err(e) => bf.push(fail(path, None, format!("the page image named by the OPT cannot be read: {e}"))),
            }
            continue;
        }
        match lopdf::Document::load(&full) {
            Ok(doc) => {
                let pages = doc.get_pages().len() as u64;
                pdf_pages += pages;
                if pages != *n {
                    bf.push(fail(path, None, format!("the PDF has {pages} pages, the OPT lists {n}")));
                }
            }
            Err(e) => bf.push(fail(path, None, format!("the image file named by the OPT cannot be opened as a PDF ({e})"))),
        }
    }
    c.add("bates", format!("{} pages numbered contiguously, {} images with {pdf_pages} pages", opt.len(), pages_per_image.len()), bf);

    // Structure of every produced PDF, and their text.
    let mut sf = Vec::new();
    let mut tf = Vec::new();
    let pdftotext = which("pdftotext");
    if pdftotext.is_none() {
        tf.push(fail("", None, "pdftotext (poppler-utils) is not installed, so the second text extractor could not run"));
    }
    let privilege_csv = std::fs::read_to_string(input.root.join(&priv_path)).unwrap_or_default();
    let redaction_csv = std::fs::read_to_string(input.root.join(&red_path)).unwrap_or_default();
    let mut scanned_values = 0usize;
    let mut short_values = 0usize;
    let mut withheld_finder_values: Vec<String> = Vec::new();
    for d in input.docs {
        let bates_first = bates(d.first);
        for image in d.images.iter().filter(|i| is_pdf(i)) {
            structure(image, &std::fs::read(input.root.join(image)).unwrap_or_default(), &mut sf);
        }
        if let Some(t) = &d.withheld_text {
            withheld_finder_values.extend(shingles(t));
        }
        let values: Vec<&str> = d.hidden.iter().map(String::as_str).filter(|v| fold_str(v).chars().count() >= MIN_FOLDED).collect();
        short_values += d.hidden.len() - values.len();
        if values.is_empty() {
            continue;
        }
        scanned_values += values.len();
        let finder = Finder::new(values.iter().copied());
        let mut look_failures: Vec<GateFailure> = Vec::new();
        let mut look = |file: &str, what: &str, s: &str| {
            if let Some((i, ..)) = finder.find(s).first() {
                tf.push(fail(
                    file,
                    Some(bates_first.clone()),
                    format!("{what} contains a value redacted in {} ({:?}…)", d.control, preview(values[*i])),
                ));
            }
        };
        look(&d.text, "the text file", &std::fs::read_to_string(input.root.join(&d.text)).unwrap_or_default());
        for f in d.images.iter().chain([&d.text]).chain(d.native.as_ref()) {
            look(f, "the file name", f);
        }
        if let Some(row) = rows_by_beg.get(&bates_first) {
            look(&dat_path, "its DAT record", &row.values.join("\u{14}"));
        }
        for line in privilege_csv.lines().chain(redaction_csv.lines()).filter(|l| l.contains(&bates_first)) {
            look(&priv_path, "its privilege or redaction log row", line);
        }
        for image in &d.images {
            let bytes = std::fs::read(input.root.join(image)).unwrap_or_default();
            // A page image's pixel data is checked by the box check; its other bytes here.
            let (outside, streams) = if is_pdf(image) { pdf_parts(&bytes) } else { (image_metadata(&bytes), vec![]) };
            for v in &values {
                for enc in [utf16(v, true), utf16(v, false), utf16(&v.to_lowercase(), true), utf16(&v.to_uppercase(), true)] {
                    if !enc.is_empty() && memchr::memmem::find(&outside, &enc).is_some() {
                        look_failures.push(fail(
                            image,
                            Some(bates_first.clone()),
                            format!("the image file holds a value redacted in {} in UTF-16", d.control),
                        ));
                    }
                }
            }
            look(image, "the image file's bytes", &String::from_utf8_lossy(&outside));
            for s in &streams {
                look(image, "a decompressed PDF stream", &String::from_utf8_lossy(s));
            }
            if !is_pdf(image) {
                continue;
            }
            if let Ok(x) = crate::extract::pdf::extract(&bytes, image) {
                look(image, "the text Exhibit extracts from the PDF", x.text.as_deref().unwrap_or_default());
            }
            if let Some(bin) = &pdftotext {
                match std::process::Command::new(bin).arg("-q").arg(input.root.join(image)).arg("-").output() {
                    Ok(o) => look(image, "the text pdftotext extracts from the PDF", &String::from_utf8_lossy(&o.stdout)),
                    Err(e) => look_failures.push(fail(image, None, format!("pdftotext could not run ({e})"))),
                }
            }
        }
        tf.append(&mut look_failures);
    }
    c.add(
        "redacted_text",
        format!(
            "{scanned_values} redacted values searched (folded) in text files, file names, load-file rows, image files' bytes, decompressed PDF streams, UTF-16 and two extractors' text; {short_values} values under {MIN_FOLDED} characters not searched"
        ),
        tf,
    );
    c.add(
        "pdf_structure",
        format!(
            "{} PDFs: one revision, no metadata, annotations, forms, scripts, attachments or outlines",
            input.docs.iter().flat_map(|d| &d.images).filter(|i| is_pdf(i)).count()
        ),
        sf,
    );

    // Privilege log: every withheld document; their text nowhere.
    let mut pf = Vec::new();
    let withheld: Vec<&GateDoc> = input.docs.iter().filter(|d| d.withheld).collect();
    let mut shared = 0usize;
    for d in &withheld {
        if !privilege_csv.lines().any(|l| l.contains(&bates(d.first))) {
            pf.push(fail(&priv_path, Some(bates(d.first)), format!("withheld document {} has no privilege-log row", d.control)));
        }
    }
    if !withheld_finder_values.is_empty() {
        let finder = Finder::new(withheld_finder_values.iter().map(String::as_str));
        for d in input.docs {
            let text = std::fs::read_to_string(input.root.join(&d.text)).unwrap_or_default();
            let found = finder.find(&text);
            if found.is_empty() {
                continue;
            }
            // A passage the document's own original holds is its content, not a leak (a reply
            // quoting privileged advice is a review question); a withheld document's own text
            // file must hold none.
            let own: BTreeSet<usize> = if d.withheld {
                BTreeSet::new()
            } else {
                (input.original_text)(d.item).map(|o| finder.find(&o).into_iter().map(|f| f.0).collect()).unwrap_or_default()
            };
            match found.iter().find(|f| !own.contains(&f.0)) {
                Some((i, ..)) => pf.push(fail(
                    &d.text,
                    Some(bates(d.first)),
                    format!("holds a passage of a withheld document ({:?}…)", preview(&withheld_finder_values[*i])),
                )),
                None => shared += 1,
            }
        }
        if let Some((i, ..)) = finder.find(&String::from_utf8_lossy(&dat_bytes)).first() {
            pf.push(fail(&dat_path, None, format!("holds a passage of a withheld document ({:?}…)", preview(&withheld_finder_values[*i]))));
        }
    }
    c.add(
        "privilege_log",
        format!(
            "{} withheld documents logged; {} passages of them searched for; {shared} produced documents share passages with them in their own originals (quotes, common headers), not counted",
            withheld.len(),
            withheld_finder_values.len()
        ),
        pf,
    );

    // Manifest.
    c.add_manifest(input.root);

    // Originals.
    let mut of = Vec::new();
    let mut checked = BTreeSet::new();
    for d in input.docs {
        if checked.insert(d.sha256.clone()) {
            match (input.original_ok)(&d.sha256) {
                Some(true) => {}
                Some(false) => of.push(fail("", Some(bates(d.first)), format!("the original of {} no longer matches its hash", d.control))),
                None => {}
            }
        }
    }
    c.add("originals", format!("{} originals re-hashed", checked.len()), of);

    // Burned boxes, pixel for pixel.
    let mut xf = Vec::new();
    let mut boxes_checked = 0usize;
    for d in input.docs {
        let any = (d.first..=d.last).any(|n| input.boxes.contains_key(&n));
        if !any {
            continue;
        }
        if d.images.first().is_some_and(|i| !is_pdf(i)) {
            // One image file per page.
            for (i, image) in d.images.iter().enumerate() {
                let n = d.first + i as u64;
                let Some(boxes) = input.boxes.get(&n) else { continue };
                let Ok((w, h, px)) =
                    std::fs::read(input.root.join(image)).map_err(|e| e.to_string()).and_then(|b| super::tiffout::decode_page(&b))
                else {
                    xf.push(fail(image, Some(bates(n)), "the page image cannot be decoded"));
                    continue;
                };
                let lossy = image.ends_with(".jpg");
                for (rect, label) in boxes {
                    boxes_checked += 1;
                    if let Some(what) = page_box_differs(&px, w, h, *rect, label, input.fonts, lossy) {
                        xf.push(fail(
                            image,
                            Some(bates(n)),
                            format!("the box {label:?} at {},{}–{},{} {what}", rect.x0, rect.y0, rect.x1, rect.y1),
                        ));
                    }
                }
            }
            continue;
        }
        let Some(image) = d.images.first() else { continue };
        let doc = match lopdf::Document::load(input.root.join(image)) {
            Ok(doc) => doc,
            Err(_) => continue, // reported by the Bates check
        };
        for (i, (_, page_id)) in doc.get_pages().into_iter().enumerate() {
            let n = d.first + i as u64;
            let Some(boxes) = input.boxes.get(&n) else { continue };
            let Some((w, h, ch, px)) = page_image(&doc, page_id) else {
                xf.push(fail(image, Some(bates(n)), "the page image cannot be decoded"));
                continue;
            };
            for (rect, label) in boxes {
                boxes_checked += 1;
                if let Some(what) = box_differs(&px, w, h, ch, *rect, label, input.fonts) {
                    xf.push(fail(
                        image,
                        Some(bates(n)),
                        format!("the box {label:?} at {},{}–{},{} {what}", rect.x0, rect.y0, rect.x1, rect.y1),
                    ));
                }
            }
        }
    }
    c.add("burned_boxes", format!("{boxes_checked} burned boxes decoded and compared pixel for pixel"), xf);
    finish(c, started)
}

fn finish(c: Checks, started: std::time::Instant) -> GateReport {
    GateReport::new(c.checks, started.elapsed().as_secs_f64())
}

impl Checks {
    fn add_manifest(&mut self, root: &Path) {
        let mut mf = Vec::new();
        let manifest: serde_json::Value =
            std::fs::read(root.join("manifest.json")).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default();
        let mut listed: BTreeMap<String, (String, u64)> = BTreeMap::new();
        if let Some(files) = manifest["files"].as_array() {
            for f in files {
                listed.insert(
                    f["path"].as_str().unwrap_or_default().to_string(),
                    (f["sha256"].as_str().unwrap_or_default().to_string(), f["size"].as_u64().unwrap_or_default()),
                );
            }
        } else {
            mf.push(fail("manifest.json", None, "the manifest is missing or cannot be read"));
        }
        let on_disk = list_files(root);
        for path in &on_disk {
            match listed.get(path) {
                None => mf.push(fail(path, None, "is in the bundle but not in the manifest")),
                Some((sha, size)) => match std::fs::read(root.join(path)) {
                    Ok(b) => {
                        if b.len() as u64 != *size || hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&b)) != *sha {
                            mf.push(fail(path, None, "does not match the SHA-256 and size the manifest gives"));
                        }
                    }
                    Err(e) => mf.push(fail(path, None, format!("cannot be read ({e})"))),
                },
            }
        }
        for path in listed.keys() {
            if !on_disk.contains(path) {
                mf.push(fail(path, None, "is in the manifest but missing from the bundle"));
            }
        }
        self.add("manifest", format!("{} files hashed against the manifest", on_disk.len()), mf);
    }
}

/// Every file of the bundle the manifest must list, relative, with `/`.
pub fn list_files(root: &Path) -> BTreeSet<String> {
    walkdir::WalkDir::new(root)
        .into_iter()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_file())
        .filter_map(|e| e.path().strip_prefix(root).ok().map(|p| p.to_string_lossy().replace('\\', "/")))
        .filter(|p| !UNLISTED.contains(&p.as_str()))
        .collect()
}

fn preview(s: &str) -> String {
    // Enough to find it, not the whole value (the report is not itself a leak, but need not repeat it).
    s.chars().take(3).collect()
}

fn which(bin: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|p| std::env::split_paths(&p).map(|d| d.join(bin)).find(|p| p.is_file()))
}

fn utf16(s: &str, big_endian: bool) -> Vec<u8> {
    s.encode_utf16().flat_map(|u| if big_endian { u.to_be_bytes() } else { u.to_le_bytes() }).collect()
}

/// Eight-word passages of a withheld document (at most 64, spread over it): if one appears
/// elsewhere in the bundle, the document leaked.
fn shingles(text: &str) -> Vec<String> {
    let words: Vec<&str> = text.split_whitespace().filter(|w| w.chars().any(char::is_alphanumeric)).collect();
    if words.len() < 8 {
        return vec![];
    }
    let n = words.len() - 7;
    let step = (n / 64).max(1);
    (0..n).step_by(step).take(64).map(|i| words[i..i + 8].join(" ")).collect()
}

/// The PDF's bytes outside stream payloads, and every decompressed stream that is not an image.
fn pdf_parts(bytes: &[u8]) -> (Vec<u8>, Vec<Vec<u8>>) {
    let mut outside = Vec::with_capacity(bytes.len().min(1 << 16));
    let mut i = 0;
    while let Some(s) = memchr::memmem::find(&bytes[i..], b"stream") {
        let start = i + s + 6;
        // `endstream` also contains `stream`: skip it.
        if s >= 3 && &bytes[i + s - 3..i + s] == b"end" {
            outside.extend_from_slice(&bytes[i..start]);
            i = start;
            continue;
        }
        outside.extend_from_slice(&bytes[i..start]);
        match memchr::memmem::find(&bytes[start..], b"endstream") {
            Some(e) => i = start + e,
            None => {
                i = bytes.len();
                break;
            }
        }
    }
    outside.extend_from_slice(&bytes[i.min(bytes.len())..]);
    let mut streams = Vec::new();
    if let Ok(doc) = lopdf::Document::load_mem(bytes) {
        for obj in doc.objects.values() {
            if let Ok(s) = obj.as_stream() {
                let is_image = s.dict.get(b"Subtype").and_then(|v| v.as_name()).is_ok_and(|n| n == b"Image");
                if !is_image {
                    streams.push(s.decompressed_content().unwrap_or_else(|_| s.content.clone()));
                }
            }
        }
    }
    (outside, streams)
}

/// Check 2 of production.md: nothing but pages and their images.
fn structure(file: &str, bytes: &[u8], out: &mut Vec<GateFailure>) {
    let doc = match lopdf::Document::load_mem(bytes) {
        Ok(d) => d,
        Err(e) => {
            out.push(fail(file, None, format!("cannot be parsed as a PDF ({e})")));
            return;
        }
    };
    let revisions = memchr::memmem::find_iter(bytes, b"startxref").count();
    if revisions != 1 || doc.trailer.get(b"Prev").is_ok() {
        out.push(fail(file, None, format!("has {revisions} revisions (an incremental update can hide earlier content)")));
    }
    for key in [&b"Info"[..], b"Encrypt"] {
        if doc.trailer.get(key).is_ok() {
            out.push(fail(file, None, format!("its trailer carries /{}", String::from_utf8_lossy(key))));
        }
    }
    const FORBIDDEN: &[&[u8]] = &[
        b"Metadata",
        b"Outlines",
        b"AcroForm",
        b"Names",
        b"OpenAction",
        b"AA",
        b"Annots",
        b"JavaScript",
        b"JS",
        b"EmbeddedFile",
        b"EmbeddedFiles",
        b"Font",
        b"StructTreeRoot",
        b"PieceInfo",
    ];
    for (id, obj) in &doc.objects {
        let dict = match obj {
            lopdf::Object::Dictionary(d) => d,
            lopdf::Object::Stream(s) => &s.dict,
            _ => continue,
        };
        for key in FORBIDDEN {
            if dict.get(key).is_ok() {
                out.push(fail(file, None, format!("object {} carries /{}", id.0, String::from_utf8_lossy(key))));
            }
        }
    }
}

/// The decoded page image of a produced page (its `/Im0`): width, height, channels, pixels.
fn page_image(doc: &lopdf::Document, page: lopdf::ObjectId) -> Option<(u32, u32, u8, Vec<u8>)> {
    let page = doc.get_dictionary(page).ok()?;
    let res = match page.get(b"Resources").ok()? {
        lopdf::Object::Reference(r) => doc.get_dictionary(*r).ok()?,
        lopdf::Object::Dictionary(d) => d,
        _ => return None,
    };
    let xo = match res.get(b"XObject").ok()? {
        lopdf::Object::Reference(r) => doc.get_dictionary(*r).ok()?,
        lopdf::Object::Dictionary(d) => d,
        _ => return None,
    };
    let im = doc.get_object(xo.get(b"Im0").ok()?.as_reference().ok()?).ok()?.as_stream().ok()?;
    let w = im.dict.get(b"Width").ok()?.as_i64().ok()? as u32;
    let h = im.dict.get(b"Height").ok()?.as_i64().ok()? as u32;
    let ch = match im.dict.get(b"ColorSpace").ok()?.as_name().ok()? {
        b"DeviceRGB" => 3,
        b"DeviceGray" => 1,
        _ => return None,
    };
    let px = im.decompressed_content().ok()?;
    (px.len() == (w * h * ch as u32) as usize).then_some((w, h, ch, px))
}

/// Whether the pixels at `rect` differ from an opaque box with its label: a description of
/// how, or `None` when they are exactly the box.
fn box_differs(px: &[u8], w: u32, h: u32, ch: u8, rect: PxRect, label: &str, fonts: &Fonts) -> Option<String> {
    if rect.x1 > w || rect.y1 > h || rect.x0 >= rect.x1 || rect.y0 >= rect.y1 {
        return Some("lies outside the page image".into());
    }
    let want = expected_box(rect.x1 - rect.x0, rect.y1 - rect.y0, label, fonts);
    let mut differing = 0usize;
    for y in rect.y0..rect.y1 {
        for x in rect.x0..rect.x1 {
            let expected = want.px[((y - rect.y0) * want.width + (x - rect.x0)) as usize];
            let at = ((y * w + x) * ch as u32) as usize;
            if px[at..at + ch as usize].iter().any(|&v| v != expected) {
                differing += 1;
            }
        }
    }
    (differing > 0).then(|| format!("is not opaque: {differing} pixels differ from a burned box"))
}

fn is_pdf(path: &str) -> bool {
    path.to_ascii_lowercase().ends_with(".pdf")
}

/// The bytes of a TIFF or JPEG page other than its pixel data: TIFF tags and JPEG markers
/// (comments, EXIF) are where text could ride along.
fn image_metadata(bytes: &[u8]) -> Vec<u8> {
    if bytes.starts_with(&[0xFF, 0xD8]) {
        // Markers up to the start of scan.
        let end = memchr::memmem::find(bytes, &[0xFF, 0xDA]).unwrap_or(bytes.len());
        return bytes[..end].to_vec();
    }
    // Our TIFFs (little-endian, the strip right after the header, then the directory): the
    // header and everything from the directory on (the strip itself is fax data).
    let strip_end = bytes.len().min(u32::from_le_bytes([
        bytes.get(4).copied().unwrap_or(0),
        bytes.get(5).copied().unwrap_or(0),
        bytes.get(6).copied().unwrap_or(0),
        bytes.get(7).copied().unwrap_or(0),
    ]) as usize);
    let mut out = bytes[..8.min(bytes.len())].to_vec();
    out.extend_from_slice(&bytes[strip_end.min(bytes.len())..]);
    out
}

/// [`box_differs`] for a decoded TIFF or JPEG page (gray, 0 black): a Group IV page is the box
/// made black-and-white, exactly; a JPEG page's box must be black wherever the box is solid.
fn page_box_differs(px: &[u8], w: u32, h: u32, rect: PxRect, label: &str, fonts: &Fonts, lossy: bool) -> Option<String> {
    if rect.x1 > w || rect.y1 > h || rect.x0 >= rect.x1 || rect.y0 >= rect.y1 {
        return Some("lies outside the page image".into());
    }
    let want = expected_box(rect.x1 - rect.x0, rect.y1 - rect.y0, label, fonts);
    let black = |x: u32, y: u32| want.px[(y * want.width + x) as usize] == 0;
    let mut differing = 0usize;
    for y in 0..want.height {
        for x in 0..want.width {
            let got = px[((rect.y0 + y) * w + rect.x0 + x) as usize];
            let bad = if lossy {
                let solid = x > 0
                    && y > 0
                    && x + 1 < want.width
                    && y + 1 < want.height
                    && (y - 1..=y + 1).all(|yy| (x - 1..=x + 1).all(|xx| black(xx, yy)));
                solid && got >= 64
            } else {
                let expected = if want.px[(y * want.width + x) as usize] < super::tiffout::BLACK_BELOW { 0 } else { 255 };
                got != expected
            };
            differing += bad as usize;
        }
    }
    (differing > 0).then(|| format!("is not opaque: {differing} pixels differ from a burned box"))
}
