//! Productions: the Bates-numbered bundle a receiving party loads into Relativity, Everlaw or
//! Nuix (../shared/design/production.md), and the verification gate that proves it leaks
//! nothing.
//!
//! A run: the plan ([`plan`]: selection, whole families, order, treatment); documents read from
//! the matter in order and built in parallel ([`document`]: a PDF's own pages rasterized with
//! boxes burned in, everything else typeset from the redacted view, withheld documents as slip
//! sheets); pages numbered and stamped; image-only PDFs ([`pdfout`]), text files and natives
//! written; load files ([`loadfile`]), logs and the manifest; then the gate ([`gate`]). The bundle
//! carries an `INCOMPLETE` marker from its first byte until the gate passes, and the matter's
//! record says `building` until then — so a killed, cancelled or failed run never looks complete,
//! and a re-run of the same production replaces what it left.
//!
//! Layer: above `redact` and `review` (it reads the redacted view and the tags); the API serves it.

pub mod document;
/// The load files, read and written (pure format code, in `extract`, so ingest can read
/// productions received from others).
pub use crate::extract::loadfile;
pub mod gate;
pub mod options;
pub mod pdfout;
pub mod plan;
pub mod preview;
pub mod raster;
pub mod record;
pub mod tiffout;
pub mod typeset;

pub use gate::{GateCheck, GateFailure, GateReport};
pub use options::Treatment;
pub use options::{ImageProfile, Natives, Privileged, ProduceOptions, ProductionReport, Sabotage, Selection};
pub use preview::ProductionPreview;
pub use record::{ProductionList, ProductionRow, ProductionStatus};

use crate::error::{Error, Result};
use crate::extract::loadfile::Bates;
use crate::Matter;
use document::{build, BuiltDoc, DocInput};
use gate::{GateDoc, GateInput};
use pdfout::{OutPage, PageImage};
use rayon::prelude::*;
use record::{bates_prefix, ProducedDoc};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use ts_rs::TS;
use typeset::{Fonts, PxRect};

/// Documents read and built together: enough to keep both cores busy, few enough that memory
/// stays bounded by a handful of documents' pages.
const CHUNK: usize = 16;
/// A dry run decides each document's treatment exactly (its redacted view) up to this many
/// documents.
const EXACT_DRY_RUN: usize = 5000;
/// Files per numbered subfolder of IMAGES, TEXT and NATIVES.
const PER_FOLDER: usize = 1000;

/// How far a production has come, for a progress bar.
#[derive(Debug, Clone, Default, Serialize, TS)]
pub struct ProduceProgress {
    /// `building`, `load_files` or `verifying`.
    pub stage: String,
    pub documents_done: u64,
    pub documents: u64,
    pub pages_done: u64,
    pub pages_estimated: u64,
    pub pages_per_second: f64,
    pub eta_seconds: Option<f64>,
}

/// The DAT's fields, in order.
pub const DAT_FIELDS: &[&str] = &[
    "BEGBATES",
    "ENDBATES",
    "BEGATTACH",
    "ENDATTACH",
    "PGCOUNT",
    "CUSTODIAN",
    "ALLCUSTODIANS",
    "FROM",
    "TO",
    "CC",
    "BCC",
    "SUBJECT",
    "DATESENT",
    "TIMESENT",
    "FILENAME",
    "FILEEXT",
    "DATECREATED",
    "DATEMODIFIED",
    "SHA256HASH",
    "REDACTED",
    "CONFIDENTIALITY",
    "TEXTPATH",
    "NATIVEPATH",
];

/// A file written into the bundle, as the DAT and OPT name it (relative, with `\`) and as it
/// is on disk (relative, with `/`).
fn rel(parts: &[&str]) -> (String, String) {
    (parts.join("\\"), parts.join("/"))
}

fn write_file(root: &Path, rel: &str, bytes: &[u8]) -> Result<()> {
    let path = root.join(rel);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|source| Error::Write { path: dir.to_path_buf(), source })?;
    }
    std::fs::write(&path, bytes).map_err(|source| Error::Write { path, source })
}

fn csv_row(values: &[&str]) -> String {
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
    // Writing to memory cannot fail.
    let _ = w.write_record(values);
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

impl Matter {
    /// Builds a production and runs the gate (see the module doc). `progress` is called after
    /// every chunk of documents; `cancel` stops the run between chunks (the bundle is then left
    /// incomplete).
    pub fn produce(&mut self, opts: &ProduceOptions, progress: &dyn Fn(&ProduceProgress), cancel: &AtomicBool) -> Result<ProductionReport> {
        let started = std::time::Instant::now();
        if opts.prefix.trim().is_empty() || !opts.prefix.trim().chars().all(|c| c.is_ascii_alphanumeric() || "-_. ".contains(c)) {
            return Err(Error::BadInput(format!(
                "the Bates prefix {:?} must be letters and digits (a `-`, `_` or `.` may end it), e.g. ACME",
                opts.prefix
            )));
        }
        if !(3..=12).contains(&opts.digits) {
            return Err(Error::BadInput(format!(
                "--digits {} is out of range: Bates numbers have 3 to 12 digits (7 is usual)",
                opts.digits
            )));
        }
        if opts.volume.is_empty() || !opts.volume.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
            return Err(Error::BadInput(format!("the volume name {:?} must be letters and digits, e.g. VOL001", opts.volume)));
        }
        let prefix = bates_prefix(&opts.prefix);
        let plan = self.production_plan(opts)?;
        let start = match opts.start {
            Some(n) => n,
            None => self.next_bates_number(&prefix)?,
        };
        let name = self.next_production_name(&prefix)?;
        let root = opts.out.join(&name);
        let bates = |n: u64| Bates { prefix: prefix.clone(), number: n, digits: opts.digits }.to_string();
        let pages_estimated: u64 = plan.docs.iter().map(|d| d.pages_estimated).sum();

        if opts.dry_run {
            // Up to EXACT_DRY_RUN documents, each one's redacted view decides (spans copied from
            // its family and identical copies, and stored rules, count); beyond, stored spans
            // and regions only, and the note says so.
            let exact = plan.docs.len() <= EXACT_DRY_RUN;
            let redacted_ids = self.redacted_items()?;
            let (rules, pkey) = if exact { (self.stored_rules()?, self.pseudonym_key()?) } else { (Vec::new(), String::new()) };
            let mut preview: Vec<options::DryRunDoc> = Vec::with_capacity(plan.docs.len());
            for d in &plan.docs {
                let redacted = d.treatment == Treatment::Produced
                    && (redacted_ids.contains(d.id as u64)
                        || (exact && self.redacted_item_with(&d.id.to_string(), &rules, &pkey)?.redacted));
                preview.push(options::DryRunDoc {
                    control: d.control.clone(),
                    treatment: if redacted { Treatment::Redacted } else { d.treatment },
                    pages: d.pages_estimated,
                });
            }
            let count = |t: Treatment| preview.iter().filter(|p| p.treatment == t).count() as u64;
            let known = plan.docs.iter().filter(|d| !d.pages_known).count();
            return Ok(ProductionReport {
                production: name,
                out: root.display().to_string(),
                documents: plan.docs.len() as u64,
                pages: pages_estimated,
                first_bates: bates(start),
                last_bates: bates(start + pages_estimated.max(1) - 1),
                produced: count(Treatment::Produced),
                redacted: count(Treatment::Redacted),
                withheld: count(Treatment::Withheld),
                selected: plan.selected,
                added_for_families: plan.added_for_families,
                dry_run: true,
                verification: None,
                seconds: started.elapsed().as_secs_f64(),
                gate_seconds: 0.0,
                notes: vec![format!(
                    "pages are counted for PDFs and estimated from text length for the other {known} documents; the last Bates number is an estimate; {}",
                    if exact {
                        "treatments are decided as the production will decide them"
                    } else {
                        "treatments count stored redactions only for a set this large (copies and rules are applied when the production is built)"
                    }
                )],
                preview,
            });
        }

        // The folder: new, or what a run that did not complete left (started over).
        if root.exists() {
            let leftover = root.join("INCOMPLETE").exists() || std::fs::read_dir(&root).map(|mut d| d.next().is_none()).unwrap_or(false);
            if !leftover {
                return Err(Error::BadInput(format!(
                    "{} already holds a complete production: choose another --out, or move it away",
                    root.display()
                )));
            }
            std::fs::remove_dir_all(&root).map_err(|source| Error::Write { path: root.clone(), source })?;
        }
        std::fs::create_dir_all(&root).map_err(|source| Error::Write { path: root.clone(), source })?;
        write_file(
            &root,
            "INCOMPLETE",
            b"This production did not pass its verification gate (or is still being built). Do not serve it.\r\n",
        )?;
        let settings = serde_json::json!({
            "selection": opts.selection, "prefix": prefix, "start": start, "digits": opts.digits, "volume": opts.volume,
            "endorse": opts.endorse, "images": opts.images, "natives": opts.natives, "privileged": opts.privileged,
        });
        let id = self.production_begin(&name, &prefix, &root.display().to_string(), &settings)?;

        let fonts = document::load_fonts()?;
        let rules = self.stored_rules()?;
        let pkey = self.pseudonym_key()?;
        let vol = opts.volume.as_str();

        let mut number = start;
        let mut dat_rows: Vec<Vec<String>> = Vec::new();
        let mut opt_lines: Vec<loadfile::OptLine> = Vec::new();
        let mut privilege_rows = vec![csv_row(&[
            "BEGBATES",
            "ENDBATES",
            "DATE",
            "DOCUMENT TYPE",
            "AUTHOR / FROM",
            "RECIPIENTS",
            "DESCRIPTION",
            "PRIVILEGE BASIS",
            "TREATMENT",
        ])];
        let mut redaction_rows = vec![csv_row(&["BATES", "PAGE BATES", "REASON"])];
        let mut produced_docs: Vec<ProducedDoc> = Vec::new();
        let mut gate_docs: Vec<GateDoc> = Vec::new();
        let mut boxes = gate::BurnedBoxes::new();
        let mut notes: Vec<String> = Vec::new();
        let mut missing_glyphs = 0usize;
        let mut sabotage = opts.sabotage;
        let (mut n_produced, mut n_redacted, mut n_withheld) = (0u64, 0u64, 0u64);
        // Family (root id) → index of its first DAT row, to fill BEGATTACH/ENDATTACH at the end.
        let mut family_rows: Vec<(i64, usize)> = Vec::new();
        let mut pages_done = 0u64;
        let mut cancelled = false;

        for (chunk_no, chunk) in plan.docs.chunks(CHUNK).enumerate() {
            if cancel.load(Ordering::Relaxed) {
                cancelled = true;
                break;
            }
            let mut inputs: Vec<DocInput> = Vec::with_capacity(chunk.len());
            for d in chunk {
                // The sabotage switch hits the first document it can.
                let s = match sabotage {
                    Some(Sabotage::SkipOneBox) if d.mime == "application/pdf" => sabotage,
                    Some(Sabotage::LeakText) => sabotage,
                    _ => None,
                };
                let input = self.production_input(d, &rules, &pkey, opts.natives, s)?;
                let hit = match s {
                    Some(Sabotage::SkipOneBox) => matches!(&input.body, document::Body::Pdf { boxes, .. } if !boxes.is_empty()),
                    Some(Sabotage::LeakText) => input.treatment == Treatment::Redacted,
                    None => false,
                };
                let input = if hit {
                    sabotage = None;
                    input
                } else {
                    DocInput { sabotage: None, ..input }
                };
                inputs.push(input);
            }
            let dpi = match opts.images {
                ImageProfile::Pdf => document::DPI,
                ImageProfile::Tiff => tiffout::DPI,
            };
            let built: Vec<Result<BuiltDoc>> = inputs.par_iter().map(|d| build(d, &fonts, dpi)).collect();
            for (input, built) in inputs.into_iter().zip(built) {
                let built = built?;
                missing_glyphs += built.missing_glyphs;
                notes.extend(built.notes);
                let first = number;
                let last = number + built.pages.len() as u64 - 1;
                number = last + 1;
                let doc_index = produced_docs.len();
                let folder = format!("{:04}", doc_index / PER_FOLDER + 1);
                let beg = bates(first);
                let (image_dat, image_disk) = rel(&[vol, "IMAGES", &folder, &format!("{beg}.pdf")]);
                let (text_dat, text_disk) = rel(&[vol, "TEXT", &folder, &format!("{beg}.txt")]);
                // Pages: stamp, then one image-only PDF, or one TIFF or JPEG per page.
                let mut out_pages = Vec::with_capacity(built.pages.len());
                let mut images: Vec<String> = Vec::new();
                for (i, p) in built.pages.into_iter().enumerate() {
                    let n = first + i as u64;
                    let image_dat = if opts.images == ImageProfile::Tiff {
                        let footer_px = (p.footer_pt * tiffout::DPI / 72.0).round() as u32;
                        let file = tiffout::write_page(tiffout::canvas_of(&p.image)?, footer_px, &opts.endorse, &bates(n), &fonts)?;
                        let (d, k) = rel(&[vol, "IMAGES", &folder, &format!("{}.{}", bates(n), file.ext)]);
                        write_file(&root, &k, &file.bytes)?;
                        images.push(k);
                        d
                    } else {
                        image_dat.clone()
                    };
                    if !p.boxes.is_empty() {
                        for (r, l) in &p.boxes {
                            boxes.entry(n).or_default().push((*r, l.clone()));
                        }
                        for (_, label) in &p.boxes {
                            redaction_rows.push(csv_row(&[&beg, &bates(n), label.trim_start_matches("REDACTED – ")]));
                        }
                    }
                    if opts.images == ImageProfile::Pdf {
                        let stamp = stamp_image(p.image.width, p.footer_pt, p.height_pt, p.image.height, &opts.endorse, &bates(n), &fonts)?;
                        out_pages.push(OutPage {
                            width_pt: p.width_pt,
                            height_pt: p.height_pt,
                            image: p.image,
                            stamp,
                            footer_pt: p.footer_pt,
                        });
                    }
                    opt_lines.push(loadfile::OptLine {
                        line: 0,
                        page_id: bates(n),
                        volume: vol.to_string(),
                        image_path: image_dat.clone(),
                        doc_break: i == 0,
                        page_count: (i == 0).then_some((last - first + 1) as u32),
                    });
                }
                if opts.images == ImageProfile::Pdf {
                    write_file(&root, &image_disk, &pdfout::write_pdf(&out_pages)?)?;
                    images.push(image_disk);
                }
                drop(out_pages);
                let text = if input.sabotage == Some(Sabotage::LeakText) {
                    crate::store::texts::text(&self.store.db, input.plan.id)?.unwrap_or_default()
                } else {
                    input.text.clone()
                };
                write_file(&root, &text_disk, text.as_bytes())?;
                let mut native_dat = String::new();
                let mut native_disk = None;
                if let Some((sha, ext)) = &input.native {
                    let file = if ext.is_empty() { beg.clone() } else { format!("{beg}.{ext}") };
                    let (d, k) = rel(&[vol, "NATIVES", &folder, &file]);
                    write_file(&root, &k, &self.store.blobs.read(sha)?)?;
                    native_dat = d;
                    native_disk = Some(k);
                }
                if input.plan.root == input.plan.id || family_rows.last().map(|f| f.0) != Some(input.plan.root) {
                    family_rows.push((input.plan.root, dat_rows.len()));
                }
                let mut fields = input.fields.clone();
                fields.insert("BEGBATES", beg.clone());
                fields.insert("ENDBATES", bates(last));
                fields.insert("PGCOUNT", (last - first + 1).to_string());
                fields.insert("TEXTPATH", text_dat);
                fields.insert("NATIVEPATH", native_dat);
                dat_rows.push(DAT_FIELDS.iter().map(|f| fields.get(f).cloned().unwrap_or_default()).collect());
                let treatment = match input.treatment {
                    Treatment::Produced => {
                        n_produced += 1;
                        "produced"
                    }
                    Treatment::Redacted => {
                        n_redacted += 1;
                        "redacted"
                    }
                    Treatment::Withheld => {
                        n_withheld += 1;
                        "withheld"
                    }
                };
                let privileged_redaction = input.reasons.iter().any(|r| r == "AC" || r == "WP" || r.starts_with("PRIV"));
                if input.treatment == Treatment::Withheld
                    || (!input.plan.privilege.is_empty() || privileged_redaction) && input.treatment == Treatment::Redacted
                {
                    let row = self.privilege_row(&input, &beg, &bates(last))?;
                    privilege_rows.push(csv_row(&row.iter().map(String::as_str).collect::<Vec<_>>()));
                }
                let withheld_text =
                    if input.treatment == Treatment::Withheld { crate::store::texts::text(&self.store.db, input.plan.id)? } else { None };
                let sha256: String = self.store.db.query_row("SELECT sha256 FROM item WHERE id = ?1", [input.plan.id], |r| r.get(0))?;
                gate_docs.push(GateDoc {
                    control: input.plan.control.clone(),
                    item: input.plan.id,
                    first,
                    last,
                    withheld: input.treatment == Treatment::Withheld,
                    hidden: input.hidden.clone(),
                    withheld_text,
                    images,
                    text: text_disk,
                    native: native_disk,
                    sha256,
                });
                pages_done += last - first + 1;
                produced_docs.push(ProducedDoc { item: input.plan.id, first, last, treatment });
            }
            let secs = started.elapsed().as_secs_f64().max(1e-6);
            let rate = pages_done as f64 / secs;
            progress(&ProduceProgress {
                stage: "building".into(),
                documents_done: ((chunk_no + 1) * CHUNK).min(plan.docs.len()) as u64,
                documents: plan.docs.len() as u64,
                pages_done,
                pages_estimated,
                pages_per_second: rate,
                eta_seconds: (rate > 0.0).then(|| pages_estimated.saturating_sub(pages_done) as f64 / rate),
            });
        }

        if missing_glyphs > 0 {
            notes.push(format!(
                "{missing_glyphs} characters have no glyph in the installed fonts (fonts-dejavu-core, and a CJK font if installed) and show as boxes"
            ));
        }
        let stage = |stage: &str, done: usize| {
            let (documents_done, documents) = (done as u64, plan.docs.len() as u64);
            progress(&ProduceProgress { stage: stage.into(), documents_done, documents, pages_done, pages_estimated, ..Default::default() })
        };
        // Families: BEGATTACH/ENDATTACH span each family's rows.
        stage("load_files", produced_docs.len());
        let beg_i = DAT_FIELDS.iter().position(|f| *f == "BEGATTACH").unwrap_or(2);
        for (k, &(_, row)) in family_rows.iter().enumerate() {
            let end_row = family_rows.get(k + 1).map(|f| f.1).unwrap_or(dat_rows.len());
            let (b, e) = (dat_rows[row][0].clone(), dat_rows[end_row - 1][1].clone());
            for r in &mut dat_rows[row..end_row] {
                r[beg_i] = b.clone();
                r[beg_i + 1] = e.clone();
            }
        }
        write_file(&root, &format!("DATA/{name}.dat"), &loadfile::write_dat(DAT_FIELDS, &dat_rows))?;
        write_file(&root, &format!("DATA/{name}.opt"), &loadfile::write_opt(&opt_lines))?;
        write_file(&root, &format!("DATA/{name}_privilege_log.csv"), privilege_rows.concat().as_bytes())?;
        write_file(&root, &format!("DATA/{name}_redaction_log.csv"), redaction_rows.concat().as_bytes())?;
        let first_bates = bates(start);
        let last_bates = bates(number.saturating_sub(1).max(start));
        write_manifest(&root, &name, id, &first_bates, &last_bates, opts, self.audit_head()?.map(|h| h.hash))?;

        // The gate.
        stage("verifying", produced_docs.len());
        let gate_started = std::time::Instant::now();
        let mut report = if cancelled {
            GateReport::new(
                vec![GateCheck {
                    name: "complete".into(),
                    ok: false,
                    detail: "the production was cancelled before every document was written".into(),
                    failures: vec![],
                }],
                0.0,
            )
        } else {
            self.run_gate(&root, &name, &prefix, opts.digits, &gate_docs, &boxes, &fonts)
        };
        report.seconds = gate_started.elapsed().as_secs_f64();
        let gate_seconds = report.seconds;
        write_file(&root, "verification.json", &serde_json::to_vec_pretty(&report)?)?;
        let status = self.production_end(id, start, number.saturating_sub(1).max(start), opts.digits, &produced_docs, &boxes, &report)?;
        if status == ProductionStatus::Complete {
            std::fs::remove_file(root.join("INCOMPLETE")).map_err(|source| Error::Write { path: root.join("INCOMPLETE"), source })?;
        }
        Ok(ProductionReport {
            production: name,
            out: root.display().to_string(),
            documents: produced_docs.len() as u64,
            pages: pages_done,
            first_bates,
            last_bates,
            produced: n_produced,
            redacted: n_redacted,
            withheld: n_withheld,
            selected: plan.selected,
            added_for_families: plan.added_for_families,
            dry_run: false,
            preview: vec![],
            verification: Some(report),
            seconds: started.elapsed().as_secs_f64(),
            gate_seconds,
            notes,
        })
    }

    /// A privilege-log row (FRCP 26(b)(5)): who, when, what kind, and the reviewer's description
    /// — never the privileged content.
    /// Author and recipients are taken from the document's redacted view, like everything else in
    /// the bundle: a value a rule hides (an address, under a PII rule) is hidden here too, while
    /// the names the log must give stay.
    fn privilege_row(&self, input: &DocInput, first: &str, last: &str) -> Result<Vec<String>> {
        let item = self.item(&input.plan.id.to_string())?;
        let md = &item.metadata;
        let vmd = &input.view_metadata;
        let list = |v: &serde_json::Value| -> Vec<String> {
            v.as_array().map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_string)).collect()).unwrap_or_default()
        };
        let (to, cc, bcc) = (list(&vmd["to"]), list(&vmd["cc"]), list(&vmd["bcc"]));
        let recipients: Vec<String> = [("To", &to), ("Cc", &cc), ("Bcc", &bcc)]
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| format!("{k}: {}", v.join("; ")))
            .collect();
        let notes = self.notes(&input.plan.id.to_string())?;
        let description =
            notes.iter().rev().map(|n| n.text.clone()).find(|t| !t.trim().is_empty()).unwrap_or_else(|| {
                format!("{} reflecting a request for or the giving of legal advice", doc_type(&input.plan.kind, &md.name))
            });
        let basis = if input.plan.privilege.is_empty() {
            "Attorney-client privilege".to_string()
        } else {
            plan::privilege_basis(&input.plan.privilege)
        };
        Ok(vec![
            first.to_string(),
            last.to_string(),
            md.date.clone().unwrap_or_default().chars().take(10).collect(),
            doc_type(&input.plan.kind, &md.name),
            vmd["from"].as_str().unwrap_or_default().to_string(),
            recipients.join(" | "),
            description,
            basis,
            if input.treatment == Treatment::Withheld { "Withheld".into() } else { "Redacted".into() },
        ])
    }

    /// The gate over the bundle at `root`, with this matter's originals and texts to check against.
    #[allow(clippy::too_many_arguments)]
    fn run_gate(
        &self,
        root: &Path,
        name: &str,
        prefix: &str,
        digits: usize,
        docs: &[GateDoc],
        boxes: &gate::BurnedBoxes,
        fonts: &Fonts,
    ) -> GateReport {
        let (blobs, db) = (&self.store.blobs, &self.store.db);
        gate::run(&GateInput {
            root,
            name,
            prefix,
            digits,
            docs,
            boxes,
            fonts,
            original_ok: &|sha: &str| blobs.contains(sha).then(|| blobs.check(sha).unwrap_or(false)),
            original_text: &|id| crate::store::texts::text(db, id).ok().flatten(),
        })
    }

    /// Re-runs the gate over a bundle on disk (`exhibit verify --production DIR`), and records
    /// the result on the production.
    pub fn verify_production(&mut self, dir: &Path) -> Result<GateReport> {
        let manifest: serde_json::Value = std::fs::read(dir.join("manifest.json"))
            .map_err(|source| Error::Read { path: dir.join("manifest.json"), source })
            .and_then(|b| {
                serde_json::from_slice(&b)
                    .map_err(|e| Error::BadInput(format!("{} is not a production manifest ({e})", dir.join("manifest.json").display())))
            })?;
        let id = manifest["production"]["id"].as_i64().ok_or_else(|| {
            Error::BadInput(format!("{} names no production id: it was not written by Exhibit", dir.join("manifest.json").display()))
        })?;
        let row = self.production_row(id)?;
        let (docs, boxes) = self.production_contents(id)?;
        let digits = row.first_bates.as_deref().and_then(Bates::parse).map(|b| b.digits).unwrap_or(7);
        let fonts = document::load_fonts()?;
        let rules = self.stored_rules()?;
        let pkey = self.pseudonym_key()?;
        let settings = &row.settings;
        let vol = settings["volume"].as_str().unwrap_or("VOL001").to_string();
        // Each page's image file, as the bundle's OPT names it (what a receiving party loads).
        let opt =
            std::fs::read(dir.join(format!("DATA/{}.opt", row.name))).ok().and_then(|b| loadfile::parse_opt(&b).ok()).unwrap_or_default();
        let image_of: std::collections::HashMap<String, String> =
            opt.iter().map(|l| (l.page_id.clone(), l.image_path.replace('\\', "/"))).collect();
        let mut gate_docs = Vec::new();
        for (i, d) in docs.iter().enumerate() {
            let folder = format!("{:04}", i / PER_FOLDER + 1);
            let beg = Bates { prefix: row.prefix.clone(), number: d.first, digits }.to_string();
            let withheld = d.treatment == "withheld";
            let hidden = self.redacted_item_with(&d.item.to_string(), &rules, &pkey)?.hidden.into_iter().collect();
            let natives: Vec<PathBuf> = std::fs::read_dir(dir.join(&vol).join("NATIVES").join(&folder))
                .map(|rd| {
                    rd.filter_map(|e| e.ok())
                        .map(|e| e.path())
                        .filter(|p| p.file_stem().is_some_and(|s| s.to_string_lossy() == beg))
                        .collect()
                })
                .unwrap_or_default();
            gate_docs.push(GateDoc {
                control: self.control_of(d.item)?,
                item: d.item,
                first: d.first,
                last: d.last,
                withheld,
                hidden,
                withheld_text: if withheld { crate::store::texts::text(&self.store.db, d.item)? } else { None },
                images: {
                    let mut files: Vec<String> = Vec::new();
                    for n in d.first..=d.last {
                        let page = Bates { prefix: row.prefix.clone(), number: n, digits }.to_string();
                        let file = image_of.get(&page).cloned().unwrap_or_else(|| format!("{vol}/IMAGES/{folder}/{beg}.pdf"));
                        if files.last() != Some(&file) {
                            files.push(file);
                        }
                    }
                    files
                },
                text: format!("{vol}/TEXT/{folder}/{beg}.txt"),
                native: natives.first().and_then(|p| p.strip_prefix(dir).ok()).map(|p| p.to_string_lossy().replace('\\', "/")),
                sha256: self.store.db.query_row("SELECT sha256 FROM item WHERE id = ?1", [d.item], |r| r.get(0))?,
            });
        }
        let report = self.run_gate(dir, &row.name, &row.prefix, digits, &gate_docs, &boxes, &fonts);
        let marker = dir.join("INCOMPLETE");
        if report.ok {
            if marker.exists() {
                std::fs::remove_file(&marker).map_err(|source| Error::Write { path: marker.clone(), source })?;
            }
        } else {
            write_file(dir, "INCOMPLETE", b"This production did not pass its verification gate. Do not serve it.\r\n")?;
        }
        write_file(dir, "verification.json", &serde_json::to_vec_pretty(&report)?)?;
        self.production_set_status(id, report.ok)?;
        Ok(report)
    }
}

/// The kind of document a privilege log names.
fn doc_type(kind: &str, name: &str) -> String {
    match kind {
        "email" => "Email".into(),
        "model_call" => "Model API call record".into(),
        _ => {
            let ext = Path::new(name).extension().map(|e| e.to_string_lossy().to_uppercase()).unwrap_or_default();
            if ext.is_empty() {
                "Document".into()
            } else {
                format!("{ext} document")
            }
        }
    }
}

/// The footer band's image: the endorsement at the left, the Bates number at the right.
fn stamp_image(width_px: u32, footer_pt: f32, height_pt: f32, height_px: u32, left: &str, right: &str, fonts: &Fonts) -> Result<PageImage> {
    let footer_px = ((footer_pt / height_pt) * height_px as f32).round().max(1.0) as u32;
    let mut strip = typeset::Canvas::white(width_px, footer_px);
    // Inset by half an inch, like the body's margins, so the stamp never runs off the page edge.
    let inset = ((document::DPI / 2.0) as u32).min(width_px / 4);
    let band = PxRect { x0: inset, y0: 0, x1: width_px - inset, y1: footer_px };
    typeset::stamp_in(&mut strip, band, document::DPI, left, right, fonts);
    PageImage::compress(strip.width, strip.height, strip.channels, &strip.px)
}

/// `manifest.json`: every file with its SHA-256 and size, and what the production is.
fn write_manifest(
    root: &Path,
    name: &str,
    id: i64,
    first: &str,
    last: &str,
    opts: &ProduceOptions,
    audit_head: Option<String>,
) -> Result<()> {
    use sha2::Digest;
    let mut files = Vec::new();
    for path in gate::list_files(root) {
        let bytes = std::fs::read(root.join(&path)).map_err(|source| Error::Read { path: root.join(&path), source })?;
        files.push(serde_json::json!({ "path": path, "sha256": hex::encode(sha2::Sha256::digest(&bytes)), "size": bytes.len() }));
    }
    let manifest = serde_json::json!({
        "production": { "id": id, "name": name, "first_bates": first, "last_bates": last, "volume": opts.volume,
                        "images": "image-only PDF, one per document, 150 dpi, lossless", "created": crate::store::now(),
                        "audit_head": audit_head },
        "encoding": { "dat": "UTF-8 with byte-order mark; þ (U+00FE) qualifier, U+0014 separator, ® (U+00AE) for newlines, CRLF",
                      "opt": "Opticon, CRLF", "text": "UTF-8" },
        "files": files,
    });
    write_file(root, "manifest.json", &serde_json::to_vec_pretty(&manifest)?)
}
