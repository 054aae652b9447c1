//! One document of a production: what is read from the matter (in order, on the matter's
//! connection), then its pages built (in parallel, touching nothing shared).
//!
//! Everything a document shows comes from the one redacted view ([`crate::Matter::redacted_item`]):
//! its text file, the headers and body of its rendered pages, its load-file fields. A PDF's
//! own pages are drawn instead of its text, with boxes at what that view hides.

use super::options::Treatment;
use super::options::{Natives, Sabotage};
use super::pdfout::PageImage;
use super::plan::PlannedDoc;
use super::raster::{render_page, BurnBox};
use super::typeset::{runs_from_marked, typeset, Canvas, Flow, Fonts, PageGeometry, Paragraph, PxRect, Run, Style};
use crate::error::Result;
use crate::redact::view::StoredRule;
use crate::Matter;
use serde_json::Value;
use std::collections::BTreeMap;

/// Resolution of produced page images.
pub const DPI: f32 = 150.0;

/// What a document's pages are drawn from.
pub enum Body {
    /// The PDF's own pages, with boxes per page (0-based).
    Pdf { bytes: Vec<u8>, boxes: BTreeMap<u32, Vec<BurnBox>> },
    /// Headers and text laid out on letter pages.
    Flow(Flow),
    /// One slip sheet with these lines.
    Slip(Vec<String>),
}

/// A document as read from the matter.
pub struct DocInput {
    pub plan: PlannedDoc,
    pub treatment: Treatment,
    pub body: Body,
    /// The text file's content.
    pub text: String,
    /// Load-file fields (the Bates fields and paths are added when numbers are known).
    pub fields: BTreeMap<&'static str, String>,
    /// Every value the redacted view hides in it.
    pub hidden: Vec<String>,
    /// Its redacted view's metadata (author, recipients): what a privilege-log row may show.
    pub view_metadata: Value,
    /// The original to copy as a native: (SHA-256, extension).
    pub native: Option<(String, String)>,
    /// The reason codes of its redactions, for the redaction log.
    pub reasons: Vec<String>,
    pub sabotage: Option<Sabotage>,
}

/// A built page, before it is numbered.
pub struct BuiltPage {
    pub width_pt: f32,
    pub height_pt: f32,
    pub footer_pt: f32,
    pub image: PageImage,
    /// Boxes burned into the image, in its pixels, with their labels.
    pub boxes: Vec<(PxRect, String)>,
}

/// A built document.
pub struct BuiltDoc {
    pub pages: Vec<BuiltPage>,
    pub notes: Vec<String>,
    pub missing_glyphs: usize,
}

/// The fonts pages are typeset and stamped in; missing fonts are a missing install step, said so.
pub(crate) fn load_fonts() -> Result<Fonts> {
    Fonts::load().map_err(|e| crate::error::Error::Missing(e.to_string()))
}

/// The footer band reserved for stamps, in points.
pub const FOOTER_PT: f32 = 36.0;

impl Matter {
    /// Reads one planned document: its redacted view, boxes, fields and treatment.
    pub(crate) fn production_input(
        &self,
        doc: &PlannedDoc,
        rules: &[StoredRule],
        pkey: &str,
        natives: Natives,
        sabotage: Option<Sabotage>,
    ) -> Result<DocInput> {
        if doc.treatment == Treatment::Withheld {
            let custodians = crate::store::items::custodians(&self.store.db, doc.id)?;
            let mut fields = BTreeMap::new();
            fields.insert("CUSTODIAN", custodians.first().cloned().unwrap_or_default());
            fields.insert("ALLCUSTODIANS", custodians.join("; "));
            fields.insert("REDACTED", "N".into());
            fields.insert("CONFIDENTIALITY", "WITHHELD – PRIVILEGED".into());
            // What its view hides must not surface in its privilege-log row either.
            let view = self.redacted_item_with(&doc.id.to_string(), rules, pkey)?;
            let view_metadata = view.answer["metadata"].clone();
            let hidden = view.hidden.into_iter().collect();
            return Ok(DocInput {
                plan: doc.clone(),
                treatment: Treatment::Withheld,
                body: Body::Slip(vec!["Document withheld – privileged".into(), "See the privilege log.".into()]),
                text: "Document withheld – privileged. See the privilege log.\n".into(),
                fields,
                hidden,
                view_metadata,
                native: None,
                reasons: vec![],
                sabotage: None,
            });
        }
        let view = self.redacted_item_with(&doc.id.to_string(), rules, pkey)?;
        let plain = self.item(&doc.id.to_string())?;
        let regions = self.redaction_regions(doc.id)?;
        let redacted = view.redacted || !regions.is_empty();
        let treatment = if redacted { Treatment::Redacted } else { Treatment::Produced };
        let a = &view.answer;
        let md = &a["metadata"];
        let s = |v: &Value| v.as_str().unwrap_or_default().to_string();
        let list = |v: &Value| v.as_array().map(|x| x.iter().filter_map(|s| s.as_str()).collect::<Vec<_>>().join("; ")).unwrap_or_default();
        let pmd = &plain.metadata;
        // A field whose redacted form differs from the original would reveal (or hint at) a
        // hidden value: it is emptied.
        let keep = |redacted: String, original: String| if redacted == original { redacted } else { String::new() };
        let mut fields = BTreeMap::new();
        fields.insert(
            "CUSTODIAN",
            keep(
                list(&a["custodians"]).split("; ").next().unwrap_or_default().to_string(),
                plain.custodians.first().cloned().unwrap_or_default(),
            ),
        );
        fields.insert("ALLCUSTODIANS", keep(list(&a["custodians"]), plain.custodians.join("; ")));
        fields.insert("FROM", keep(s(&md["from"]), pmd.from.clone().unwrap_or_default()));
        fields.insert("TO", keep(list(&md["to"]), pmd.to.join("; ")));
        fields.insert("CC", keep(list(&md["cc"]), pmd.cc.join("; ")));
        fields.insert("BCC", keep(list(&md["bcc"]), pmd.bcc.join("; ")));
        fields.insert("SUBJECT", keep(s(&a["title"]), plain.title.clone().unwrap_or_default()));
        let name = keep(s(&md["name"]), pmd.name.clone());
        let ext = std::path::Path::new(&pmd.name).extension().map(|e| e.to_string_lossy().to_lowercase()).unwrap_or_default();
        fields.insert("FILEEXT", if name.is_empty() && redacted { String::new() } else { ext.clone() });
        fields.insert("FILENAME", name);
        let is_email = doc.kind == "email";
        let (date, time) = split_date(pmd.date.as_deref());
        if is_email {
            fields.insert("DATESENT", date);
            fields.insert("TIMESENT", time);
        } else {
            fields.insert("DATECREATED", date);
        }
        fields.insert("DATEMODIFIED", split_date(pmd.modified.as_deref()).0);
        // A hash of a redacted document's original would let the other side confirm a guess
        // of the whole of it.
        fields.insert("SHA256HASH", if redacted { String::new() } else { plain.sha256.clone() });
        fields.insert("REDACTED", if redacted { "Y" } else { "N" }.into());
        let confidential = plain.tags.iter().any(|t| t.to_lowercase().contains("confidential"));
        fields.insert("CONFIDENTIALITY", if confidential { "CONFIDENTIAL".into() } else { String::new() });

        let is_pdf = doc.mime == "application/pdf";
        let spreadsheet = matches!(ext.as_str(), "xlsx" | "xls" | "xlsm" | "xlsb" | "ods" | "csv");
        let native = match natives {
            _ if redacted || doc.kind == "model_call" => None,
            Natives::Unredacted => Some((plain.sha256.clone(), ext.clone())),
            Natives::AllSpreadsheets if spreadsheet => Some((plain.sha256.clone(), ext.clone())),
            _ => None,
        };
        let mut reasons: Vec<String> = Vec::new();
        let body = if native.is_some() && spreadsheet {
            Body::Slip(vec!["Produced in native format".into(), s(&md["name"])])
        } else if is_pdf && self.store.blobs.contains(&plain.sha256) {
            let bytes = self.store.blobs.read(&plain.sha256)?;
            let mut boxes: BTreeMap<u32, Vec<BurnBox>> = BTreeMap::new();
            if redacted {
                if let Ok(pb) = self.page_boxes(&doc.id.to_string(), None) {
                    for b in pb.redactions {
                        let reason = b.reason.unwrap_or_default();
                        reasons.push(reason.clone());
                        boxes
                            .entry(b.page.saturating_sub(1))
                            .or_default()
                            .push(BurnBox { rect: b.rect, label: format!("REDACTED – {reason}") });
                    }
                }
            }
            Body::Pdf { bytes, boxes }
        } else {
            Body::Flow(flow_of(a, &doc.kind, &view.text))
        };
        for cap in view.text.match_indices("[REDACTED – ") {
            let rest = &view.text[cap.0 + cap.1.len()..];
            if let Some(end) = rest.find(']') {
                reasons.push(rest[..end].to_string());
            }
        }
        reasons.sort();
        reasons.dedup();
        Ok(DocInput {
            plan: doc.clone(),
            treatment,
            body,
            text: view.text.clone(),
            fields,
            view_metadata: view.answer["metadata"].clone(),
            hidden: view.hidden.into_iter().collect(),
            native,
            reasons,
            sabotage,
        })
    }
}

/// `MM/DD/YYYY` and `HH:MM:SS` of a stored RFC 3339 date, as load files carry them.
fn split_date(d: Option<&str>) -> (String, String) {
    let Some(d) = d else { return (String::new(), String::new()) };
    match chrono::DateTime::parse_from_rfc3339(d) {
        Ok(t) => (t.format("%m/%d/%Y").to_string(), t.format("%H:%M:%S").to_string()),
        Err(_) => (d.chars().take(10).collect(), String::new()),
    }
}

/// The rendered form of a document that is not drawn from a PDF: a header block, the body, and
/// the attachment list.
fn flow_of(a: &Value, kind: &str, text: &str) -> Flow {
    let md = &a["metadata"];
    let s = |v: &Value| v.as_str().unwrap_or_default().to_string();
    let list = |v: &Value| v.as_array().map(|x| x.iter().filter_map(|s| s.as_str()).collect::<Vec<_>>().join("; ")).unwrap_or_default();
    let mut paras = Vec::new();
    let mut field = |name: &str, value: String| {
        if !value.trim().is_empty() {
            paras.push(Paragraph { runs: runs_from_marked(&value), style: Style::HeaderField { name: name.to_string() } });
        }
    };
    match kind {
        "email" => {
            field("From:", s(&md["from"]));
            field("To:", list(&md["to"]));
            field("Cc:", list(&md["cc"]));
            field("Bcc:", list(&md["bcc"]));
            field("Date:", s(&md["date"]));
            field("Subject:", s(&a["title"]));
        }
        "model_call" => {
            let c = &a["model_call"];
            let pick = |keys: &[&str]| {
                keys.iter().map(|k| c[*k].as_str().unwrap_or_default()).find(|v| !v.is_empty()).unwrap_or_default().to_string()
            };
            field("Model:", pick(&["model", "requested_model"]));
            field("Account:", pick(&["account", "api_key_id", "user"]));
            field("Time:", pick(&["time", "timestamp", "created"]));
            field("Call:", s(&a["title"]));
        }
        _ => {
            field("File name:", s(&md["name"]));
            field("Title:", s(&a["title"]));
            field("Author:", s(&md["from"]));
            field("Date:", s(&md["date"]));
        }
    }
    paras.push(Paragraph { runs: vec![], style: Style::Rule });
    let body = if kind == "email" { without_header_block(text) } else { text };
    paras.push(Paragraph { runs: runs_from_marked(body), style: Style::Body });
    let children: Vec<String> =
        a["family"]["children"].as_array().map(|c| c.iter().map(|x| s(&x["name"])).filter(|n| !n.is_empty()).collect()).unwrap_or_default();
    if !children.is_empty() {
        paras.push(Paragraph { runs: vec![], style: Style::Rule });
        paras.push(Paragraph { runs: runs_from_marked(&format!("Attachments: {}", children.join("; "))), style: Style::Small });
    }
    Flow { paragraphs: paras }
}

/// An email's text without the header lines it starts with (`From: …` up to the first blank
/// line): the page's header block shows them already, from the redacted metadata.
fn without_header_block(text: &str) -> &str {
    let Some(end) = text.find("\n\n") else { return text };
    let head = &text[..end];
    let is_header =
        |l: &str| l.split_once(": ").is_some_and(|(k, _)| !k.is_empty() && k.chars().all(|c| c.is_ascii_alphabetic() || c == '-'));
    if head.lines().next().is_some_and(is_header) && head.lines().all(|l| is_header(l) || l.starts_with([' ', '\t'])) {
        text[end..].trim_start_matches('\n')
    } else {
        text
    }
}

/// Builds a document's pages. Pure: safe to run on any thread.
pub fn build(doc: &DocInput, fonts: &Fonts, dpi: f32) -> Result<BuiltDoc> {
    let geom = PageGeometry::letter(dpi);
    let mut notes = Vec::new();
    let typeset_pages = |flow: &Flow| -> Result<(Vec<BuiltPage>, usize)> {
        let t = typeset(flow, &geom, fonts);
        let mut out = Vec::new();
        for p in t.pages {
            out.push(page_of_canvas(
                &p.canvas,
                geom.width_pt,
                geom.height_pt,
                p.redactions.into_iter().map(|b| (b.rect, b.label)).collect(),
            )?);
        }
        Ok((out, t.missing_glyphs))
    };
    let skip_box = doc.sabotage == Some(Sabotage::SkipOneBox);
    match &doc.body {
        Body::Pdf { bytes, boxes } => {
            match hayro::hayro_syntax::Pdf::new(bytes.clone()) {
                Ok(pdf) => {
                    let n = pdf.pages().len();
                    let mut pages = Vec::with_capacity(n);
                    let mut failed = None;
                    for i in 0..n {
                        let b = boxes.get(&(i as u32)).map(Vec::as_slice).unwrap_or(&[]);
                        match render_page(&pdf, i, dpi, FOOTER_PT, b, fonts, skip_box && !b.is_empty()) {
                            Ok(r) => pages.push(page_of_canvas(&r.canvas, r.width_pt, r.height_pt, r.boxes)?),
                            Err(e) => {
                                failed = Some(format!("page {} could not be drawn ({e})", i + 1));
                                break;
                            }
                        }
                    }
                    if let (None, false) = (&failed, pages.is_empty()) {
                        return Ok(BuiltDoc { pages, notes, missing_glyphs: 0 });
                    }
                    notes.push(format!(
                        "{}: {}; its pages were rendered from its redacted text instead",
                        doc.plan.control,
                        failed.unwrap_or_else(|| "the PDF has no pages".into())
                    ));
                }
                Err(e) => notes.push(format!(
                    "{}: the PDF could not be read ({e:?}); its pages were rendered from its redacted text instead",
                    doc.plan.control
                )),
            }
            let flow = Flow { paragraphs: vec![Paragraph { runs: runs_from_marked(&doc.text), style: Style::Body }] };
            let (pages, missing) = typeset_pages(&flow)?;
            Ok(BuiltDoc { pages, notes, missing_glyphs: missing })
        }
        Body::Flow(flow) => {
            let (pages, missing) = typeset_pages(flow)?;
            Ok(BuiltDoc { pages, notes, missing_glyphs: missing })
        }
        Body::Slip(lines) => {
            let mut paras: Vec<Paragraph> = Vec::new();
            for (i, l) in lines.iter().enumerate() {
                paras.push(Paragraph { runs: vec![Run::Text(l.clone())], style: if i == 0 { Style::Title } else { Style::Body } });
            }
            let (pages, missing) = typeset_pages(&Flow { paragraphs: paras })?;
            Ok(BuiltDoc { pages: pages.into_iter().take(1).collect(), notes, missing_glyphs: missing })
        }
    }
}

fn page_of_canvas(c: &Canvas, width_pt: f32, height_pt: f32, boxes: Vec<(PxRect, String)>) -> Result<BuiltPage> {
    Ok(BuiltPage { width_pt, height_pt, footer_pt: FOOTER_PT, image: PageImage::compress(c.width, c.height, c.channels, &c.px)?, boxes })
}
