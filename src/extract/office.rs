//! Office documents: Word (.docx), spreadsheets (.xlsx/.xls/.xlsb/.ods), OpenDocument text, RTF.
//!
//! Everything a reviewer could be asked about is text here, not just the body: headers and
//! footers, footnotes and endnotes, comments, and text deleted under track changes (each after
//! the body under a bracketed label such as `[Comments]`). Metadata (title, author, created and
//! modified dates, last modified by, company, ...) comes from the package properties.

use super::{Extracted, Meta, Problem};
use quick_xml::events::{BytesStart, Event};
use std::collections::BTreeMap;
use std::io::{Cursor, Read};

/// Extracted text beyond this size is cut (the original is kept whole).
const MAX_TEXT_BYTES: usize = 64 << 20;
/// One XML part of a package is read up to this many (decompressed) bytes.
const MAX_PART_BYTES: u64 = 512 << 20;

const OLE_MAGIC: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

fn encrypted() -> Problem {
    Problem::extract("office_encrypted", "encrypted Office document: a password is required")
}

fn damaged(what: &str, detail: impl std::fmt::Display) -> Problem {
    Problem::extract("office_damaged", format!("damaged or unreadable {what}: {detail}"))
}

fn truncated_warning() -> Problem {
    Problem::extract(
        "text_truncated",
        format!("text longer than {} MB: only the first {} MB is searchable", MAX_TEXT_BYTES >> 20, MAX_TEXT_BYTES >> 20),
    )
}

/// True for an OLE compound file holding an `EncryptedPackage` stream: how Office stores a
/// password-protected .docx/.xlsx/.pptx.
fn is_encrypted_ole(bytes: &[u8]) -> bool {
    if !bytes.starts_with(&OLE_MAGIC) {
        return false;
    }
    let needle: Vec<u8> = "EncryptedPackage".encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
    bytes.windows(needle.len()).any(|w| w == needle)
}

// ---------------------------------------------------------------------------------------------
// ZIP packages

type Zip<'a> = zip::ZipArchive<Cursor<&'a [u8]>>;

fn open_package<'a>(bytes: &'a [u8], what: &str) -> Result<Zip<'a>, Problem> {
    if is_encrypted_ole(bytes) {
        return Err(encrypted());
    }
    if bytes.starts_with(&OLE_MAGIC) {
        return Err(damaged(what, "this is an older binary Office file (OLE), not the zip package its type says"));
    }
    zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| damaged(what, format!("not a readable zip package ({e})")))
}

/// Reads one member; `Ok(None)` when absent. Sets `*cut` when it was larger than we read.
fn read_part(zip: &mut Zip, name: &str, cut: &mut bool) -> Result<Option<Vec<u8>>, String> {
    let real = if zip.index_for_name(name).is_some() {
        name.to_string()
    } else {
        // Part names are case-insensitive in OPC; look again ignoring case.
        match zip.file_names().find(|n| n.eq_ignore_ascii_case(name)) {
            Some(n) => n.to_string(),
            None => return Ok(None),
        }
    };
    let file = match zip.by_name(&real) {
        Ok(f) => f,
        Err(zip::result::ZipError::FileNotFound) => return Ok(None),
        Err(e) => return Err(e.to_string()),
    };
    if file.encrypted() {
        return Err("the part is encrypted".into());
    }
    let mut buf = Vec::new();
    file.take(MAX_PART_BYTES).read_to_end(&mut buf).map_err(|e| e.to_string())?;
    if buf.len() as u64 >= MAX_PART_BYTES {
        *cut = true;
    }
    Ok(Some(buf))
}

// ---------------------------------------------------------------------------------------------
// A small XML walker over quick-xml: start/end/text with entity references resolved.

enum Ev<'a, 'b> {
    Start(&'b BytesStart<'a>),
    End(&'b [u8]),
    Text(&'b str),
}

/// Walks `xml`, calling `f` for each element start (with its local name via `local`), end
/// (local name) and text. Stops at the first well-formedness error and returns it; everything
/// before it has been reported.
fn walk(xml: &[u8], mut f: impl FnMut(Ev)) -> Result<(), String> {
    let mut r = quick_xml::Reader::from_reader(xml);
    let cfg = r.config_mut();
    cfg.trim_text(false);
    cfg.check_end_names = false;
    cfg.allow_unmatched_ends = true;
    loop {
        match r.read_event() {
            Ok(Event::Start(e)) => f(Ev::Start(&e)),
            Ok(Event::Empty(e)) => {
                f(Ev::Start(&e));
                f(Ev::End(e.local_name().as_ref()));
            }
            Ok(Event::End(e)) => f(Ev::End(e.local_name().as_ref())),
            Ok(Event::Text(t)) => match t.xml_content() {
                Ok(s) => f(Ev::Text(&s)),
                Err(_) => f(Ev::Text(&String::from_utf8_lossy(&t))),
            },
            Ok(Event::CData(t)) => f(Ev::Text(&String::from_utf8_lossy(&t))),
            Ok(Event::GeneralRef(g)) => {
                let s = match g.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    _ => {
                        let name = String::from_utf8_lossy(&g);
                        quick_xml::escape::resolve_predefined_entity(&name).map(str::to_string).unwrap_or_default()
                    }
                };
                if !s.is_empty() {
                    f(Ev::Text(&s));
                }
            }
            Ok(Event::Eof) => return Ok(()),
            Ok(_) => {}
            Err(e) => return Err(format!("XML error at byte {}: {e}", r.error_position())),
        }
    }
}

fn local(e: &BytesStart) -> Vec<u8> {
    e.local_name().as_ref().to_vec()
}

/// Value of the attribute with this local name (any prefix).
fn attr(e: &BytesStart, name: &[u8]) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == name)
        .map(|a| a.unescape_value().map(|v| v.into_owned()).unwrap_or_else(|_| String::from_utf8_lossy(&a.value).into_owned()))
}

/// Normalizes a document date (W3CDTF, ISO 8601 with or without zone) to RFC 3339 UTC.
/// Dates without a zone are taken as UTC (the format does not say).
fn to_utc(s: &str) -> Option<String> {
    use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
    let s = s.trim();
    let fmt = |d: DateTime<Utc>| d.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return Some(fmt(d.with_timezone(&Utc)));
    }
    for f in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S"] {
        if let Ok(d) = NaiveDateTime::parse_from_str(s, f) {
            return Some(fmt(d.and_utc()));
        }
    }
    // W3CDTF allows an offset without seconds, e.g. 2010-01-01T10:00+01:00.
    if let Ok(d) = DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M%:z") {
        return Some(fmt(d.with_timezone(&Utc)));
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Some(fmt(d.and_hms_opt(0, 0, 0)?.and_utc()));
    }
    None
}

/// Sets a date field, keeping an unparseable value in `extra` rather than losing it.
fn set_date(meta: &mut Meta, which: &str, raw: &str) {
    if raw.trim().is_empty() {
        return;
    }
    match to_utc(raw) {
        Some(d) if which == "date" => meta.date = Some(d),
        Some(d) if which == "modified" => meta.modified = Some(d),
        Some(d) => {
            meta.extra.insert(which.into(), d);
        }
        None => {
            meta.extra.insert(format!("{which}_raw"), raw.trim().to_string());
        }
    }
}

/// Reads simple `<prefix:name>value</prefix:name>` properties: every leaf element's text,
/// keyed by local name (first occurrence wins).
fn read_props(xml: &[u8]) -> BTreeMap<String, String> {
    let mut props = BTreeMap::new();
    let mut cur: Option<String> = None;
    let mut buf = String::new();
    let _ = walk(xml, |ev| match ev {
        Ev::Start(e) => {
            cur = Some(String::from_utf8_lossy(&local(e)).into_owned());
            buf.clear();
        }
        Ev::Text(t) => buf.push_str(t),
        Ev::End(_) => {
            if let Some(k) = cur.take() {
                let v = buf.trim();
                if !v.is_empty() {
                    props.entry(k).or_insert_with(|| v.to_string());
                }
            }
            buf.clear();
        }
    });
    props
}

/// OOXML package properties (docProps/core.xml and app.xml) into `meta`.
fn ooxml_meta(zip: &mut Zip, meta: &mut Meta) {
    let mut cut = false;
    let rels = read_part(zip, "_rels/.rels", &mut cut).ok().flatten().unwrap_or_default();
    let core_path = rel_target(&rels, "/core-properties").unwrap_or_else(|| "docProps/core.xml".into());
    if let Ok(Some(core)) = read_part(zip, &core_path, &mut cut) {
        let p = read_props(&core);
        for (k, v) in p {
            match k.as_str() {
                "title" => meta.title = Some(v),
                "creator" => meta.author = Some(v),
                "created" => set_date(meta, "date", &v),
                "modified" => set_date(meta, "modified", &v),
                "lastPrinted" => set_date(meta, "last_printed", &v),
                "lastModifiedBy" => _ = meta.extra.insert("last_modified_by".into(), v),
                "contentStatus" => _ = meta.extra.insert("content_status".into(), v),
                "subject" | "keywords" | "description" | "revision" | "category" | "language" | "identifier" | "version" => {
                    _ = meta.extra.insert(k, v)
                }
                _ => {}
            }
        }
    }
    if let Ok(Some(app)) = read_part(zip, "docProps/app.xml", &mut cut) {
        let p = read_props(&app);
        for (k, key) in [
            ("Application", "application"),
            ("AppVersion", "app_version"),
            ("Company", "company"),
            ("Manager", "manager"),
            ("Template", "template"),
            ("Pages", "pages"),
            ("Words", "words"),
            ("TotalTime", "total_editing_minutes"),
            ("HyperlinkBase", "hyperlink_base"),
        ] {
            if let Some(v) = p.get(k) {
                meta.extra.insert(key.into(), v.clone());
            }
        }
    }
}

/// Target of the first relationship whose type ends with `type_suffix`, as a package path.
fn rel_target(rels: &[u8], type_suffix: &str) -> Option<String> {
    let mut found = None;
    let _ = walk(rels, |ev| {
        if let Ev::Start(e) = ev {
            if found.is_none() && local(e) == b"Relationship" {
                if let (Some(t), Some(target)) = (attr(e, b"Type"), attr(e, b"Target")) {
                    if t.ends_with(type_suffix) {
                        found = Some(target.trim_start_matches('/').to_string());
                    }
                }
            }
        }
    });
    found
}

// ---------------------------------------------------------------------------------------------
// Word .docx

/// Text of WordprocessingML (document, header, footnotes, comments parts).
#[derive(Default)]
struct WordText {
    out: String,
    /// Paragraphs being built; more than one when a text box sits inside a paragraph.
    paras: Vec<String>,
    tables: Vec<Table>,
    deleted: Vec<String>,
    del_para: String,
    in_t: bool,
    in_del_text: bool,
    in_tabs: usize,
    move_from: usize,
    /// Inside `mc:Fallback` (a second copy of content already read from `mc:Choice`).
    fallback: usize,
}

/// Streams one sheet's cells into `out` (a macro, not a function: xlsx and xlsb readers are
/// different types whose cells borrow the reader).
macro_rules! cells_into {
    ($wb:expr, $sheet:expr, $out:expr) => {
        match $wb.worksheet_cells_reader(&$sheet.name) {
            Ok(mut r) => loop {
                match r.next_cell() {
                    Ok(Some(c)) => {
                        if !$out.cell(c.get_position(), c.get_value()) {
                            break Ok(());
                        }
                    }
                    Ok(None) => break Ok(()),
                    Err(e) => break Err(e.to_string()),
                }
            },
            Err(e) => Err(e.to_string()),
        }
    };
}

/// A finished paragraph goes into the open table cell (flattened to one line), or else to the
/// output as a line of its own. Shared by the Word and OpenDocument readers.
fn emit_paragraph(tables: &mut [Table], out: &mut String, p: String) {
    if let Some(t) = tables.last_mut() {
        let p = p.replace('\n', " ");
        let p = p.trim();
        if !p.is_empty() {
            if !t.cell.is_empty() {
                t.cell.push(' ');
            }
            t.cell.push_str(p);
        }
    } else {
        out.push_str(&p);
        out.push('\n');
    }
}

#[derive(Default)]
struct Table {
    lines: Vec<String>,
    row: Vec<String>,
    cell: String,
}

impl WordText {
    fn push(&mut self, s: &str) {
        if let Some(p) = self.paras.last_mut() {
            p.push_str(s);
        } else {
            self.out.push_str(s);
        }
    }

    fn emit_para(&mut self, p: String) {
        emit_paragraph(&mut self.tables, &mut self.out, p);
    }

    fn event(&mut self, ev: Ev) {
        match ev {
            Ev::Start(e) => {
                let name = local(e);
                if self.fallback > 0 {
                    if name == b"Fallback" {
                        self.fallback += 1;
                    }
                    return;
                }
                match name.as_slice() {
                    b"Fallback" => self.fallback += 1,
                    b"p" => self.paras.push(String::new()),
                    b"t" => self.in_t = true,
                    b"delText" => self.in_del_text = true,
                    b"moveFrom" => self.move_from += 1,
                    b"tabs" => self.in_tabs += 1,
                    b"tab" | b"ptab" if self.in_tabs == 0 => self.push("\t"),
                    b"br" | b"cr" => self.push("\n"),
                    b"noBreakHyphen" => self.push("-"),
                    b"tbl" => self.tables.push(Table::default()),
                    b"tc" => {
                        if let Some(t) = self.tables.last_mut() {
                            t.cell.clear();
                        }
                    }
                    _ => {}
                }
            }
            Ev::End(name) => {
                if self.fallback > 0 {
                    if name == b"Fallback" {
                        self.fallback -= 1;
                    }
                    return;
                }
                match name {
                    b"p" => {
                        if let Some(p) = self.paras.pop() {
                            self.emit_para(p);
                        }
                        if !self.del_para.trim().is_empty() {
                            let d = std::mem::take(&mut self.del_para);
                            self.deleted.push(d.trim().to_string());
                        }
                        self.del_para.clear();
                    }
                    b"t" => self.in_t = false,
                    b"delText" => self.in_del_text = false,
                    b"moveFrom" => self.move_from = self.move_from.saturating_sub(1),
                    b"tabs" => self.in_tabs = self.in_tabs.saturating_sub(1),
                    b"tc" => {
                        if let Some(t) = self.tables.last_mut() {
                            let c = std::mem::take(&mut t.cell);
                            t.row.push(c);
                        }
                    }
                    b"tr" => {
                        if let Some(t) = self.tables.last_mut() {
                            let r = std::mem::take(&mut t.row);
                            t.lines.push(r.join("\t"));
                        }
                    }
                    b"tbl" => {
                        if let Some(mut t) = self.tables.pop() {
                            if !t.row.is_empty() {
                                let r = std::mem::take(&mut t.row);
                                t.lines.push(r.join("\t"));
                            }
                            let text = t.lines.join("\n");
                            if let Some(outer) = self.tables.last_mut() {
                                let flat = text.replace(['\n', '\t'], " ");
                                let flat = flat.trim();
                                if !flat.is_empty() {
                                    if !outer.cell.is_empty() {
                                        outer.cell.push(' ');
                                    }
                                    outer.cell.push_str(flat);
                                }
                            } else {
                                self.out.push_str(&text);
                                self.out.push('\n');
                            }
                        }
                    }
                    _ => {}
                }
            }
            Ev::Text(s) => {
                if self.fallback > 0 {
                    return;
                }
                if self.in_del_text || (self.in_t && self.move_from > 0) {
                    self.del_para.push_str(s);
                } else if self.in_t {
                    self.push(s);
                }
            }
        }
    }

    /// Text so far (closing anything left open by a truncated part).
    fn take(&mut self) -> String {
        while let Some(p) = self.paras.pop() {
            self.emit_para(p);
        }
        while !self.tables.is_empty() {
            self.event(Ev::End(b"tbl"));
        }
        std::mem::take(&mut self.out)
    }
}

/// Parses one WordprocessingML part. `items` splits it into footnotes / comments: for each
/// element of that local name, its text and attributes (`id`, `type`, `author`, `date`).
/// One footnote / endnote / comment: its attributes and text.
type Item = (BTreeMap<String, String>, String);

fn word_part(xml: &[u8], items: Option<&[u8]>, deleted: &mut Vec<String>) -> (String, Vec<Item>, Option<String>) {
    let mut w = WordText::default();
    let mut list = Vec::new();
    let mut cur: Option<BTreeMap<String, String>> = None;
    let err = walk(xml, |ev| {
        if let Some(item) = items {
            match &ev {
                Ev::Start(e) if local(e) == item && w.fallback == 0 => {
                    w.take();
                    let mut a = BTreeMap::new();
                    for k in ["id", "type", "author", "date", "initials"] {
                        if let Some(v) = attr(e, k.as_bytes()) {
                            a.insert(k.to_string(), v);
                        }
                    }
                    cur = Some(a);
                    return;
                }
                Ev::End(n) if *n == item && w.fallback == 0 => {
                    let text = w.take();
                    if let Some(a) = cur.take() {
                        list.push((a, text));
                    }
                    return;
                }
                _ => {}
            }
        }
        w.event(ev);
    })
    .err();
    let text = w.take();
    deleted.append(&mut w.deleted);
    (text, list, err)
}

/// Natural order for header1.xml, header2.xml, ..., header10.xml.
fn part_number(name: &str) -> u64 {
    name.chars().filter(|c| c.is_ascii_digit()).collect::<String>().parse().unwrap_or(0)
}

pub fn extract_docx(bytes: &[u8], _name: &str) -> Result<Extracted, Problem> {
    let what = "Word document";
    let mut zip = open_package(bytes, what)?;
    let mut ex = Extracted { extractor: "docx".into(), ..Default::default() };
    let mut cut = false;
    let rels = read_part(&mut zip, "_rels/.rels", &mut cut).ok().flatten().unwrap_or_default();
    let main = rel_target(&rels, "/officeDocument")
        .filter(|p| zip.file_names().any(|n| n.eq_ignore_ascii_case(p)))
        .unwrap_or_else(|| "word/document.xml".into());
    let dir = main.rsplit_once('/').map(|(d, _)| format!("{d}/")).unwrap_or_default();
    let doc = match read_part(&mut zip, &main, &mut cut) {
        Ok(Some(d)) => d,
        Ok(None) => return Err(damaged(what, "the package has no main document part (word/document.xml)")),
        Err(e) if e.contains("encrypted") => return Err(encrypted()),
        Err(e) => return Err(damaged(what, format!("the main document part cannot be read ({e})"))),
    };
    let mut deleted = Vec::new();
    let (body, _, err) = word_part(&doc, None, &mut deleted);
    let mut errors: Vec<String> = err.into_iter().collect();
    let mut sections: Vec<(&str, Vec<String>)> = Vec::new();

    // Headers and footers, each distinct text once.
    let mut names: Vec<String> = zip
        .file_names()
        .filter(|n| {
            n.strip_prefix(dir.as_str())
                .is_some_and(|f| !f.contains('/') && (f.starts_with("header") || f.starts_with("footer")) && f.ends_with(".xml"))
        })
        .map(str::to_string)
        .collect();
    names.sort_by_key(|n| (n.contains("footer"), part_number(n), n.clone()));
    let mut hf: Vec<String> = Vec::new();
    for n in &names {
        if let Ok(Some(x)) = read_part(&mut zip, n, &mut cut) {
            let (t, _, err) = word_part(&x, None, &mut deleted);
            errors.extend(err);
            let t = super::html::tidy(&t);
            if !t.is_empty() && !hf.contains(&t) {
                hf.push(t);
            }
        }
    }
    sections.push(("Headers and footers", hf));

    for (part, item, label) in
        [("footnotes.xml", "footnote", "Footnotes"), ("endnotes.xml", "endnote", "Endnotes"), ("comments.xml", "comment", "Comments")]
    {
        let Ok(Some(x)) = read_part(&mut zip, &format!("{dir}{part}"), &mut cut) else { continue };
        let (_, items, err) = word_part(&x, Some(item.as_bytes()), &mut deleted);
        errors.extend(err);
        let mut lines = Vec::new();
        for (a, text) in items {
            if a.get("type").is_some_and(|t| t != "normal") {
                continue; // separators
            }
            let text = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join("\n");
            if text.is_empty() {
                continue;
            }
            if item == "comment" {
                let mut head = String::from("Comment");
                if let Some(au) = a.get("author").filter(|s| !s.is_empty()) {
                    head.push_str(&format!(" by {au}"));
                }
                if let Some(d) = a.get("date").filter(|s| !s.is_empty()) {
                    head.push_str(&format!(" ({})", to_utc(d).unwrap_or_else(|| d.clone())));
                }
                lines.push(format!("{head}: {text}"));
            } else {
                lines.push(text);
            }
        }
        sections.push((label, lines));
    }
    sections.push(("Deleted text (tracked changes)", deleted));

    let mut text = super::html::tidy(&body);
    for (label, lines) in sections {
        if lines.is_empty() {
            continue;
        }
        text.push_str(&format!("\n\n[{label}]\n"));
        text.push_str(&lines.join("\n"));
    }
    ooxml_meta(&mut zip, &mut ex.meta);
    finish(&mut ex, text, cut, errors, what);
    Ok(ex)
}

/// Stores the text (cut to the cap) and a warning for partial reads.
fn finish(ex: &mut Extracted, mut text: String, cut: bool, errors: Vec<String>, what: &str) {
    if text.len() > MAX_TEXT_BYTES {
        let mut end = MAX_TEXT_BYTES;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
        ex.warning = Some(truncated_warning());
    } else if cut {
        ex.warning = Some(truncated_warning());
    } else if let Some(e) = errors.first() {
        ex.warning =
            Some(Problem::extract("office_partial", format!("part of this {what} is damaged: text after the damage may be missing ({e})")));
    }
    ex.text = Some(text.trim().to_string());
}

// ---------------------------------------------------------------------------------------------
// Spreadsheets

pub fn extract_spreadsheet(bytes: &[u8], _name: &str) -> Result<Extracted, Problem> {
    use calamine::{Ods, Reader, Xls, Xlsb, Xlsx};
    let what = "spreadsheet";
    if is_encrypted_ole(bytes) {
        return Err(encrypted());
    }
    let mut ex = Extracted { extractor: "calamine".into(), ..Default::default() };
    let mut out = Sheets::default();
    let cur = Cursor::new(bytes);
    let is_zip = bytes.starts_with(b"PK");
    let has = |n: &[u8]| bytes.windows(n.len()).any(|w| w == n);
    if bytes.starts_with(&OLE_MAGIC) {
        let mut wb = Xls::new(cur).map_err(|e| book_error(&e.to_string(), matches!(e, calamine::XlsError::Password)))?;
        read_ranges(&mut wb, &mut out);
    } else if is_zip && has(b"xl/workbook.bin") {
        let mut wb = Xlsb::new(cur).map_err(|e| book_error(&e.to_string(), matches!(e, calamine::XlsbError::Password)))?;
        let meta: Vec<calamine::Sheet> = wb.sheets_metadata().to_vec();
        for s in &meta {
            if out.full() {
                break;
            }
            out.begin(s);
            let res = cells_into!(wb, s, out);
            out.end(&s.name, res);
        }
    } else if is_zip && has(b"xl/workbook.xml") {
        let mut wb = Xlsx::new(cur).map_err(|e| book_error(&e.to_string(), matches!(e, calamine::XlsxError::Password)))?;
        let meta: Vec<calamine::Sheet> = wb.sheets_metadata().to_vec();
        for s in &meta {
            if out.full() {
                break;
            }
            out.begin(s);
            let res = if s.typ == calamine::SheetType::ChartSheet { Ok(()) } else { cells_into!(wb, s, out) };
            out.end(&s.name, res);
        }
    } else if is_zip {
        let mut wb = Ods::new(cur).map_err(|e| book_error(&e.to_string(), matches!(e, calamine::OdsError::Password)))?;
        read_ranges(&mut wb, &mut out);
    } else {
        return Err(damaged(what, "not an Excel or OpenDocument spreadsheet file"));
    }

    // Package properties (xlsx/xlsb: docProps; ods: meta.xml) and xlsx cell comments.
    if is_zip {
        if let Ok(mut zip) = zip::ZipArchive::new(Cursor::new(bytes)) {
            let comments = xlsx_comments(&mut zip);
            if !comments.is_empty() && !out.full() {
                out.text.push_str("\n[Cell comments]\n");
                out.text.push_str(&comments.join("\n"));
            }
            if zip.file_names().any(|n| n == "meta.xml") {
                let mut cut = false;
                if let Ok(Some(m)) = read_part(&mut zip, "meta.xml", &mut cut) {
                    odf_meta(&m, &mut ex.meta);
                }
            } else {
                ooxml_meta(&mut zip, &mut ex.meta);
            }
        }
    }
    ex.meta.extra.insert("sheets".into(), serde_json::to_string(&out.names).unwrap_or_default());
    if !out.hidden.is_empty() {
        ex.meta.extra.insert("hidden_sheets".into(), serde_json::to_string(&out.hidden).unwrap_or_default());
    }
    if out.names.is_empty() && !out.errors.is_empty() {
        return Err(damaged(what, &out.errors[0]));
    }
    if out.full() {
        ex.warning = Some(truncated_warning());
    } else if let Some(e) = out.errors.first() {
        ex.warning = Some(Problem::extract("office_partial", format!("some sheets could not be read: {e}")));
    }
    ex.text = Some(out.text.trim_end().to_string());
    Ok(ex)
}

/// Notes attached to cells (xl/comments*.xml), as `Sheet-part A1 (author): text`.
fn xlsx_comments(zip: &mut Zip) -> Vec<String> {
    let mut parts: Vec<String> =
        zip.file_names().filter(|n| n.starts_with("xl/comments") && n.ends_with(".xml")).map(str::to_string).collect();
    parts.sort_by_key(|n| (part_number(n), n.clone()));
    let mut lines = Vec::new();
    for part in parts {
        let mut cut = false;
        let Ok(Some(xml)) = read_part(zip, &part, &mut cut) else { continue };
        let mut authors: Vec<String> = Vec::new();
        let mut in_author = false;
        let mut cur: Option<(String, Option<usize>, String)> = None;
        let _ = walk(&xml, |ev| match ev {
            Ev::Start(e) => match local(e).as_slice() {
                b"author" => {
                    in_author = true;
                    authors.push(String::new());
                }
                b"comment" => {
                    let r = attr(e, b"ref").unwrap_or_default();
                    let a = attr(e, b"authorId").and_then(|a| a.parse().ok());
                    cur = Some((r, a, String::new()));
                }
                _ => {}
            },
            Ev::End(n) => match n {
                b"author" => in_author = false,
                b"comment" => {
                    if let Some((r, a, t)) = cur.take() {
                        let t = t.split_whitespace().collect::<Vec<_>>().join(" ");
                        if !t.is_empty() {
                            let who = a.and_then(|a| authors.get(a)).filter(|s| !s.is_empty());
                            lines.push(match who {
                                Some(w) => format!("{r} ({w}): {t}"),
                                None => format!("{r}: {t}"),
                            });
                        }
                    }
                }
                _ => {}
            },
            Ev::Text(t) => {
                if in_author {
                    if let Some(a) = authors.last_mut() {
                        a.push_str(t);
                    }
                } else if let Some((_, _, buf)) = &mut cur {
                    buf.push_str(t);
                }
            }
        });
    }
    lines
}

fn book_error(msg: &str, password: bool) -> Problem {
    if password || msg.to_ascii_lowercase().contains("password") || msg.contains("EncryptedPackage") {
        encrypted()
    } else {
        damaged("spreadsheet", msg)
    }
}

/// Readers that only offer whole ranges (xls, ods): every sheet's used range.
fn read_ranges<R, RS>(wb: &mut R, out: &mut Sheets)
where
    R: calamine::Reader<RS>,
    RS: std::io::Read + std::io::Seek,
    R::Error: std::fmt::Display,
{
    let meta: Vec<calamine::Sheet> = wb.sheets_metadata().to_vec();
    for s in &meta {
        if out.full() {
            break;
        }
        out.begin(s);
        let res = match wb.worksheet_range(&s.name) {
            Ok(range) => {
                let (r0, c0) = range.start().unwrap_or((0, 0));
                'rows: for (i, row) in range.rows().enumerate() {
                    for (j, v) in row.iter().enumerate() {
                        if matches!(v, calamine::Data::Empty) {
                            continue;
                        }
                        let dr = data_ref(v);
                        if !out.cell((r0 + i as u32, c0 + j as u32), &dr) {
                            break 'rows;
                        }
                    }
                }
                Ok(())
            }
            Err(e) => Err(e.to_string()),
        };
        out.end(&s.name, res);
    }
}

fn data_ref(v: &calamine::Data) -> calamine::DataRef<'_> {
    use calamine::{Data, DataRef};
    match v {
        Data::Int(i) => DataRef::Int(*i),
        Data::Float(f) => DataRef::Float(*f),
        Data::String(s) => DataRef::SharedString(s),
        Data::Bool(b) => DataRef::Bool(*b),
        Data::DateTime(d) => DataRef::DateTime(*d),
        Data::DateTimeIso(s) => DataRef::DateTimeIso(s.clone()),
        Data::DurationIso(s) => DataRef::DurationIso(s.clone()),
        Data::Error(e) => DataRef::Error(e.clone()),
        Data::Empty => DataRef::Empty,
    }
}

/// Builds the text of a workbook cell by cell: one "Sheet: NAME" line per sheet, then one
/// line per non-empty row, cells tab-separated in column order.
#[derive(Default)]
struct Sheets {
    text: String,
    names: Vec<String>,
    hidden: Vec<String>,
    errors: Vec<String>,
    row: Option<u32>,
    cells: Vec<(u32, String)>,
}

impl Sheets {
    fn full(&self) -> bool {
        self.text.len() > MAX_TEXT_BYTES
    }

    fn begin(&mut self, s: &calamine::Sheet) {
        self.names.push(s.name.clone());
        if s.visible != calamine::SheetVisible::Visible {
            self.hidden.push(s.name.clone());
        }
        if !self.text.is_empty() {
            self.text.push('\n');
        }
        self.text.push_str("Sheet: ");
        self.text.push_str(&s.name);
        if s.visible != calamine::SheetVisible::Visible {
            self.text.push_str(" (hidden)");
        }
        self.text.push('\n');
        self.row = None;
        self.cells.clear();
    }

    /// Adds one cell; false once the text cap is reached.
    fn cell(&mut self, (r, c): (u32, u32), v: &calamine::DataRef) -> bool {
        if self.row != Some(r) {
            self.flush_row();
            self.row = Some(r);
        }
        let s = format_cell(v);
        if !s.is_empty() {
            self.cells.push((c, s));
        }
        !self.full()
    }

    fn flush_row(&mut self) {
        if self.cells.is_empty() {
            return;
        }
        self.cells.sort_by_key(|(c, _)| *c);
        let first = self.cells[0].0;
        let mut prev = first;
        for (i, (c, s)) in self.cells.iter().enumerate() {
            if i > 0 {
                // Keep empty cells between values as tabs, but not thousands of them.
                let gap = (c - prev).clamp(1, 16);
                for _ in 0..gap {
                    self.text.push('\t');
                }
            }
            // A line break inside a cell would split the row.
            for ch in s.chars() {
                self.text.push(match ch {
                    '\n' | '\r' | '\t' => ' ',
                    ch => ch,
                });
            }
            prev = *c;
        }
        self.text.push('\n');
        self.cells.clear();
    }

    fn end(&mut self, name: &str, res: Result<(), String>) {
        self.flush_row();
        if let Err(e) = res {
            self.errors.push(format!("sheet \"{name}\": {e}"));
        }
    }
}

fn format_cell(v: &calamine::DataRef) -> String {
    use calamine::DataRef;
    match v {
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) => format_float(*f),
        DataRef::String(s) => s.trim().to_string(),
        DataRef::SharedString(s) => s.trim().to_string(),
        DataRef::Bool(b) => if *b { "TRUE" } else { "FALSE" }.into(),
        DataRef::DateTime(d) => {
            if d.is_duration() {
                let secs = (d.as_f64() * 86400.0).round() as i64;
                format!("{}:{:02}:{:02}", secs / 3600, (secs / 60) % 60, secs % 60)
            } else {
                let (y, mo, da, h, mi, s, _) = d.to_ymd_hms_milli();
                let f = d.as_f64();
                if (0.0..1.0).contains(&f) {
                    format!("{h:02}:{mi:02}:{s:02}")
                } else if h == 0 && mi == 0 && s == 0 {
                    format!("{y:04}-{mo:02}-{da:02}")
                } else {
                    format!("{y:04}-{mo:02}-{da:02} {h:02}:{mi:02}:{s:02}")
                }
            }
        }
        DataRef::DateTimeIso(s) => s.replacen('T', " ", 1),
        DataRef::DurationIso(s) => iso_duration(s).unwrap_or_else(|| s.clone()),
        DataRef::Error(e) => e.to_string(),
        DataRef::Empty => String::new(),
    }
}

/// `PT10H10M10S` as `10:10:10` (ODS time cells).
fn iso_duration(s: &str) -> Option<String> {
    let rest = s.strip_prefix("PT")?;
    let (mut h, mut m, mut sec) = (0f64, 0f64, 0f64);
    let mut num = String::new();
    for c in rest.chars() {
        match c {
            '0'..='9' | '.' => num.push(c),
            'H' => h = std::mem::take(&mut num).parse().ok()?,
            'M' => m = std::mem::take(&mut num).parse().ok()?,
            'S' => sec = std::mem::take(&mut num).parse().ok()?,
            _ => return None,
        }
    }
    Some(format!("{}:{:02}:{:02}", h as u64, m as u64, sec.round() as u64))
}

/// A float as Excel's "General" format shows it: at most 15 significant digits, no noise.
fn format_float(f: f64) -> String {
    if !f.is_finite() {
        return f.to_string();
    }
    if f == f.trunc() && f.abs() < 1e15 {
        return format!("{}", f as i64);
    }
    let s = format!("{:.*e}", 14, f);
    let v: f64 = s.parse().unwrap_or(f);
    let out = format!("{v}");
    if out.len() > 20 {
        format!("{v:e}")
    } else {
        out
    }
}

// ---------------------------------------------------------------------------------------------
// OpenDocument text

pub fn extract_odt(bytes: &[u8], _name: &str) -> Result<Extracted, Problem> {
    let what = "OpenDocument text";
    let mut zip = open_package(bytes, what)?;
    let mut ex = Extracted { extractor: "odt".into(), ..Default::default() };
    let mut cut = false;
    if let Ok(Some(manifest)) = read_part(&mut zip, "META-INF/manifest.xml", &mut cut) {
        if manifest.windows(15).any(|w| w == b"encryption-data") {
            return Err(encrypted());
        }
    }
    let content = match read_part(&mut zip, "content.xml", &mut cut) {
        Ok(Some(c)) => c,
        Ok(None) => return Err(damaged(what, "the package has no content.xml")),
        Err(e) => return Err(damaged(what, format!("content.xml cannot be read ({e})"))),
    };
    let mut odt = OdfText::default();
    let mut errors: Vec<String> = walk(&content, |ev| odt.event(ev)).err().into_iter().collect();
    let body = odt.take();
    // Headers and footers live in the master pages in styles.xml.
    let mut hf = OdfText { only_header_footer: true, ..Default::default() };
    if let Ok(Some(styles)) = read_part(&mut zip, "styles.xml", &mut cut) {
        errors.extend(walk(&styles, |ev| hf.event(ev)).err());
    }
    let hf_text = super::html::tidy(&hf.take());
    let mut text = super::html::tidy(&body);
    let mut hf_lines: Vec<String> = Vec::new();
    for l in hf_text.lines().filter(|l| !l.trim().is_empty()) {
        if !hf_lines.iter().any(|x| x == l) {
            hf_lines.push(l.to_string());
        }
    }
    for (label, lines) in [
        ("Headers and footers", hf_lines),
        ("Notes", odt.notes),
        ("Comments", odt.comments),
        ("Deleted text (tracked changes)", odt.deleted),
    ] {
        if !lines.is_empty() {
            text.push_str(&format!("\n\n[{label}]\n"));
            text.push_str(&lines.join("\n"));
        }
    }
    if let Ok(Some(m)) = read_part(&mut zip, "meta.xml", &mut cut) {
        odf_meta(&m, &mut ex.meta);
    }
    finish(&mut ex, text, cut, errors, what);
    Ok(ex)
}

/// Text of ODF content.xml / styles.xml.
#[derive(Default)]
struct OdfText {
    /// Only text inside `style:header` / `style:footer` (for styles.xml).
    only_header_footer: bool,
    hf_depth: usize,
    out: String,
    paras: Vec<String>,
    tables: Vec<Table>,
    /// Where finished paragraphs go: 0 body, else the innermost diversion.
    divert: Vec<Divert>,
    notes: Vec<String>,
    comments: Vec<String>,
    deleted: Vec<String>,
    /// Text of elements that are not content (note citations, annotation creator/date).
    field: Option<(Vec<u8>, String)>,
    skip: usize,
}

enum Divert {
    Note(String),
    Comment { author: String, date: String, text: String },
    Deletion(String),
}

impl OdfText {
    fn push(&mut self, s: &str) {
        if let Some(p) = self.paras.last_mut() {
            p.push_str(s);
        }
    }

    fn emit_para(&mut self, p: String) {
        if let Some(d) = self.divert.last_mut() {
            let buf = match d {
                Divert::Note(t) | Divert::Deletion(t) => t,
                Divert::Comment { text, .. } => text,
            };
            let p = p.trim();
            if !p.is_empty() {
                if !buf.is_empty() {
                    buf.push(' ');
                }
                buf.push_str(p);
            }
            return;
        }
        emit_paragraph(&mut self.tables, &mut self.out, p);
    }

    fn event(&mut self, ev: Ev) {
        match ev {
            Ev::Start(e) => {
                let name = local(e);
                if self.skip > 0 {
                    self.skip += 1;
                    return;
                }
                if let Some((_, _)) = &self.field {
                    return;
                }
                if self.only_header_footer {
                    if matches!(
                        name.as_slice(),
                        b"header" | b"footer" | b"header-left" | b"footer-left" | b"header-first" | b"footer-first"
                    ) {
                        self.hf_depth += 1;
                    }
                    if self.hf_depth == 0 {
                        return;
                    }
                }
                match name.as_slice() {
                    b"p" | b"h" => self.paras.push(String::new()),
                    b"s" => {
                        let n = attr(e, b"c").and_then(|c| c.parse::<usize>().ok()).unwrap_or(1).min(1000);
                        self.push(&" ".repeat(n));
                    }
                    b"tab" => self.push("\t"),
                    b"line-break" => self.push("\n"),
                    b"soft-page-break" => {}
                    b"table" => self.tables.push(Table::default()),
                    b"table-cell" | b"covered-table-cell" => {
                        if let Some(t) = self.tables.last_mut() {
                            t.cell.clear();
                        }
                    }
                    b"note-citation" => self.field = Some((name, String::new())),
                    b"creator" | b"date" if matches!(self.divert.last(), Some(Divert::Comment { .. })) => {
                        self.field = Some((name, String::new()))
                    }
                    b"note-body" => self.divert.push(Divert::Note(String::new())),
                    b"annotation" => self.divert.push(Divert::Comment { author: String::new(), date: String::new(), text: String::new() }),
                    b"deletion" => self.divert.push(Divert::Deletion(String::new())),
                    // Not text: change metadata, sequence and variable declarations, forms.
                    b"change-info"
                    | b"sequence-decls"
                    | b"variable-decls"
                    | b"user-field-decls"
                    | b"forms"
                    | b"annotation-end"
                    | b"tracked-changes-info" => self.skip = 1,
                    _ => {}
                }
            }
            Ev::End(name) => {
                if self.skip > 0 {
                    self.skip -= 1;
                    return;
                }
                if let Some((n, v)) = &self.field {
                    if name == n.as_slice() {
                        let v = v.trim().to_string();
                        let n = n.clone();
                        self.field = None;
                        if let Some(Divert::Comment { author, date, .. }) = self.divert.last_mut() {
                            match n.as_slice() {
                                b"creator" => *author = v,
                                b"date" => *date = v,
                                _ => {}
                            }
                        }
                    }
                    return;
                }
                if self.only_header_footer {
                    if self.hf_depth == 0 {
                        return;
                    }
                    if matches!(name, b"header" | b"footer" | b"header-left" | b"footer-left" | b"header-first" | b"footer-first") {
                        self.hf_depth -= 1;
                    }
                }
                match name {
                    b"p" | b"h" => {
                        if let Some(p) = self.paras.pop() {
                            self.emit_para(p);
                        }
                    }
                    b"table-cell" | b"covered-table-cell" => {
                        if let Some(t) = self.tables.last_mut() {
                            let c = std::mem::take(&mut t.cell);
                            t.row.push(c);
                        }
                    }
                    b"table-row" => {
                        if let Some(t) = self.tables.last_mut() {
                            let r = std::mem::take(&mut t.row);
                            t.lines.push(r.join("\t").trim_end_matches('\t').to_string());
                        }
                    }
                    b"table" => {
                        if let Some(t) = self.tables.pop() {
                            let text = t.lines.join("\n");
                            if let Some(outer) = self.tables.last_mut() {
                                let flat = text.replace(['\n', '\t'], " ");
                                if !outer.cell.is_empty() {
                                    outer.cell.push(' ');
                                }
                                outer.cell.push_str(flat.trim());
                            } else if let Some(p) = self.paras.last_mut() {
                                p.push_str(&text);
                            } else {
                                self.out.push_str(&text);
                                self.out.push('\n');
                            }
                        }
                    }
                    b"note-body" | b"annotation" | b"deletion" => match self.divert.pop() {
                        Some(Divert::Note(t)) if !t.is_empty() => self.notes.push(t),
                        Some(Divert::Deletion(t)) if !t.is_empty() => self.deleted.push(t),
                        Some(Divert::Comment { author, date, text }) if !text.is_empty() => {
                            let mut head = String::from("Comment");
                            if !author.is_empty() {
                                head.push_str(&format!(" by {author}"));
                            }
                            if !date.is_empty() {
                                head.push_str(&format!(" ({})", to_utc(&date).unwrap_or(date)));
                            }
                            self.comments.push(format!("{head}: {text}"));
                        }
                        _ => {}
                    },
                    _ => {}
                }
            }
            Ev::Text(s) => {
                if self.skip > 0 {
                    return;
                }
                if let Some((_, v)) = &mut self.field {
                    v.push_str(s);
                    return;
                }
                if self.only_header_footer && self.hf_depth == 0 {
                    return;
                }
                // ODF collapses white space inside paragraphs like HTML (text:s is a space).
                let mut t = String::with_capacity(s.len());
                let mut space = false;
                for c in s.chars() {
                    if matches!(c, ' ' | '\n' | '\r' | '\t') {
                        space = true;
                    } else {
                        if space {
                            t.push(' ');
                            space = false;
                        }
                        t.push(c);
                    }
                }
                if space {
                    t.push(' ');
                }
                self.push(&t);
            }
        }
    }

    fn take(&mut self) -> String {
        while let Some(p) = self.paras.pop() {
            self.emit_para(p);
        }
        self.divert.clear();
        while !self.tables.is_empty() {
            self.event(Ev::End(b"table"));
        }
        std::mem::take(&mut self.out)
    }
}

/// ODF meta.xml into `meta`.
fn odf_meta(xml: &[u8], meta: &mut Meta) {
    let p = read_props(xml);
    for (k, v) in p {
        match k.as_str() {
            "title" => meta.title = Some(v),
            "initial-creator" => meta.author = Some(v),
            // In ODF dc:creator is whoever saved last.
            "creator" => _ = meta.extra.insert("last_modified_by".into(), v),
            "creation-date" => set_date(meta, "date", &v),
            "date" => set_date(meta, "modified", &v),
            "print-date" => set_date(meta, "last_printed", &v),
            "generator" => _ = meta.extra.insert("application".into(), v),
            "editing-cycles" => _ = meta.extra.insert("revision".into(), v),
            "editing-duration" => _ = meta.extra.insert("editing_duration".into(), v),
            "subject" | "description" | "language" => _ = meta.extra.insert(k, v),
            "keyword" => _ = meta.extra.insert("keywords".into(), v),
            _ => {}
        }
    }
    if meta.author.is_none() {
        meta.author = meta.extra.get("last_modified_by").cloned();
    }
}

// ---------------------------------------------------------------------------------------------
// RTF

pub fn extract_rtf(bytes: &[u8], _name: &str) -> Result<Extracted, Problem> {
    let trimmed = trim_ascii_start(bytes);
    if !trimmed.starts_with(b"{\\rtf") {
        return Err(damaged("RTF document", "it does not start with the RTF signature {\\rtf"));
    }
    let mut ex = Extracted { extractor: "rtf".into(), ..Default::default() };
    let mut r = Rtf::new();
    r.run(trimmed);
    let Rtf { mut out, info, annotations, .. } = r;
    if !annotations.is_empty() {
        out = super::html::tidy(&out);
        out.push_str("\n\n[Comments]\n");
        out.push_str(&annotations.join("\n"));
    }
    for (k, v) in info {
        let v = v.trim().to_string();
        if v.is_empty() {
            continue;
        }
        match k.as_str() {
            "title" => ex.meta.title = Some(v),
            "author" => ex.meta.author = Some(v),
            "creatim" => set_date(&mut ex.meta, "date", &v),
            "revtim" => set_date(&mut ex.meta, "modified", &v),
            "printim" => set_date(&mut ex.meta, "last_printed", &v),
            "operator" => _ = ex.meta.extra.insert("last_modified_by".into(), v),
            "doccomm" => _ = ex.meta.extra.insert("description".into(), v),
            k => _ = ex.meta.extra.insert(k.to_string(), v),
        }
    }
    finish(&mut ex, super::html::tidy(&out), false, Vec::new(), "RTF document");
    Ok(ex)
}

fn trim_ascii_start(b: &[u8]) -> &[u8] {
    let n = b.iter().take_while(|c| c.is_ascii_whitespace()).count();
    &b[n..]
}

#[derive(Clone, PartialEq)]
enum Dest {
    Text,
    /// Dropped (font table text, pictures, styles, ...).
    Skip,
    FontTable,
    Info,
    /// An \info field: \title, \author, \creatim, ...
    InfoField(&'static str),
    /// A comment (`\annotation`): collected apart, shown after the body.
    Annotation,
}

#[derive(Clone)]
struct Group {
    dest: Dest,
    uc: usize,
    font: Option<i32>,
    /// This group opened the current destination (so its end closes it).
    root: bool,
    /// Inside `\upr`: the destination to go back to for its `\ud` (Unicode) half.
    upr: Option<Box<Dest>>,
}

struct Rtf {
    out: String,
    info: BTreeMap<String, String>,
    stack: Vec<Group>,
    g: Group,
    /// The document code page (\ansicpg), and each font's (from \fcharset).
    ansi: &'static encoding_rs::Encoding,
    fonts: BTreeMap<i32, &'static encoding_rs::Encoding>,
    table_font: Option<i32>,
    bytes: Vec<u8>,
    skip_chars: usize,
    high_surrogate: Option<u16>,
    star: bool,
    date: [i32; 5],
    overflow: usize,
    annotations: Vec<String>,
    annot: String,
    /// Info fields already read (a repeated `{\author ...}` does not append).
    info_done: Vec<&'static str>,
    /// `\deff`: the font of text that names none.
    deff: Option<i32>,
}

const SKIP_DESTS: &[&str] = &[
    "colortbl",
    "stylesheet",
    "pict",
    "objdata",
    "themedata",
    "colorschememapping",
    "datastore",
    "latentstyles",
    "listtable",
    "listoverridetable",
    "rsidtbl",
    "generator",
    "xmlnstbl",
    "mmathPr",
    "fldinst",
    "filetbl",
    "revtbl",
    "pgdsctbl",
    "private",
    "userprops",
    "docvar",
    "xe",
    "tc",
    "bkmkstart",
    "bkmkend",
    "atnid",
    "atnauthor",
    "atntime",
    "atnref",
    "atndate",
    "nonshppict",
    "blipuid",
    "fchars",
    "lchars",
    "header_ignore",
    "wgrffmtfilter",
    "passwordhash",
    "protusertbl",
    "pnseclvl",
    "listpicture",
    "ftnsep",
    "ftnsepc",
    "aftnsep",
    "aftnsepc",
    "sp",
    "sn",
    "sv",
    "template",
    "falt",
    "panose",
    "fname",
    "objclass",
    "objname",
];
/// `\*` destinations whose text we keep.
const KEEP_STAR: &[&str] = &["annotation", "ud", "shptxt", "fldrslt"];
const INFO_FIELDS: &[&str] = &[
    "title",
    "author",
    "subject",
    "keywords",
    "doccomm",
    "operator",
    "company",
    "manager",
    "category",
    "comment",
    "creatim",
    "revtim",
    "printim",
    "hlinkbase",
];

impl Rtf {
    fn new() -> Self {
        Rtf {
            out: String::new(),
            info: BTreeMap::new(),
            stack: Vec::new(),
            g: Group { dest: Dest::Text, uc: 1, font: None, root: false, upr: None },
            annotations: Vec::new(),
            info_done: Vec::new(),
            annot: String::new(),
            ansi: encoding_rs::WINDOWS_1252,
            fonts: BTreeMap::new(),
            table_font: None,
            bytes: Vec::new(),
            skip_chars: 0,
            high_surrogate: None,
            star: false,
            date: [0; 5],
            overflow: 0,
            deff: None,
        }
    }

    fn encoding(&self) -> &'static encoding_rs::Encoding {
        self.g.font.or(self.deff).and_then(|f| self.fonts.get(&f).copied()).unwrap_or(self.ansi)
    }

    /// Decodes pending code-page bytes.
    fn flush(&mut self) {
        if self.bytes.is_empty() {
            return;
        }
        let bytes = std::mem::take(&mut self.bytes);
        let (s, _, _) = self.encoding().decode(&bytes);
        let s = s.into_owned();
        self.put(&s);
    }

    fn put(&mut self, s: &str) {
        match &self.g.dest {
            Dest::Text => self.out.push_str(s),
            Dest::InfoField(k) if !self.info_done.contains(k) => self.info.entry(k.to_string()).or_default().push_str(s),
            Dest::Annotation => self.annot.push_str(s),
            _ => {}
        }
    }

    fn text_byte(&mut self, b: u8) {
        if self.skip_chars > 0 {
            self.skip_chars -= 1;
            return;
        }
        if matches!(self.g.dest, Dest::Text | Dest::InfoField(_) | Dest::Annotation) {
            self.bytes.push(b);
        }
    }

    fn run(&mut self, data: &[u8]) {
        let mut i = 0;
        let n = data.len();
        let mut group_start = false;
        while i < n && self.out.len() <= MAX_TEXT_BYTES {
            let c = data[i];
            let was_group_start = std::mem::replace(&mut group_start, c == b'{');
            if c == b'\\' && data.get(i + 1) == Some(&b'*') {
                group_start = was_group_start;
            }
            match c {
                b'{' => {
                    self.flush();
                    self.skip_chars = 0;
                    if self.stack.len() >= 10_000 {
                        // Absurd nesting: stop growing, keep reading text flat.
                        self.overflow += 1;
                    } else {
                        self.stack.push(self.g.clone());
                        self.g.root = false;
                    }
                    i += 1;
                }
                b'}' => {
                    self.flush();
                    self.skip_chars = 0;
                    if self.overflow > 0 {
                        self.overflow -= 1;
                    } else {
                        self.end_group();
                        if let Some(g) = self.stack.pop() {
                            self.g = g;
                        }
                    }
                    i += 1;
                }
                b'\\' => {
                    i += 1;
                    if i >= n {
                        break;
                    }
                    let c = data[i];
                    if c.is_ascii_alphabetic() {
                        let s = i;
                        while i < n && data[i].is_ascii_alphabetic() && i - s < 32 {
                            i += 1;
                        }
                        let word = std::str::from_utf8(&data[s..i]).unwrap_or("").to_string();
                        let ns = i;
                        if i < n && data[i] == b'-' {
                            i += 1;
                        }
                        while i < n && data[i].is_ascii_digit() && i - ns < 11 {
                            i += 1;
                        }
                        let param = if i > ns { std::str::from_utf8(&data[ns..i]).ok().and_then(|p| p.parse::<i64>().ok()) } else { None };
                        if i < n && data[i] == b' ' {
                            i += 1;
                        }
                        if word == "bin" {
                            self.flush();
                            let len = param.unwrap_or(0).max(0) as usize;
                            i = i.saturating_add(len).min(n);
                            continue;
                        }
                        self.control(&word, param);
                    } else if c == b'\'' {
                        let hex =
                            data.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok()).and_then(|h| u8::from_str_radix(h, 16).ok());
                        match hex {
                            Some(b) => {
                                self.text_byte(b);
                                i += 3;
                            }
                            None => i += 1,
                        }
                    } else {
                        i += 1;
                        match c {
                            b'\\' | b'{' | b'}' => self.text_byte(c),
                            // `{\*\dest ...}`: an optional destination. A `\*` elsewhere (some
                            // writers put one before an ordinary control word) means nothing.
                            b'*' => self.star = group_start,
                            b'~' => self.literal(" "),
                            b'_' => self.literal("-"),
                            b'\n' | b'\r' => self.literal("\n"),
                            _ => {} // \- optional hyphen, \: index subentry, ...
                        }
                    }
                }
                b'\r' | b'\n' => i += 1,
                _ => {
                    self.text_byte(c);
                    i += 1;
                }
            }
        }
        self.flush();
    }

    fn literal(&mut self, s: &str) {
        self.flush();
        if self.skip_chars > 0 {
            self.skip_chars -= 1;
            return;
        }
        self.put(s);
    }

    fn end_group(&mut self) {
        if let Dest::InfoField(k) = self.g.dest {
            if self.g.root && self.info.contains_key(k) && !self.info_done.contains(&k) {
                self.info_done.push(k);
            }
            if matches!(k, "creatim" | "revtim" | "printim") {
                let [y, mo, d, h, mi] = self.date;
                if y > 0 {
                    let v = format!("{y:04}-{:02}-{:02}T{:02}:{:02}:00", mo.max(1), d.max(1), h, mi);
                    self.info.insert(k.to_string(), v);
                }
                self.date = [0; 5];
            }
        }
        if self.g.dest == Dest::FontTable {
            self.table_font = None;
        }
        if self.g.dest == Dest::Annotation && self.g.root {
            let a = std::mem::take(&mut self.annot);
            let a = a.split_whitespace().collect::<Vec<_>>().join(" ");
            if !a.is_empty() {
                self.annotations.push(a);
            }
        }
    }

    fn control(&mut self, word: &str, param: Option<i64>) {
        self.flush();
        let star = std::mem::take(&mut self.star);
        // Font table: remember each font's charset, drop its text.
        if word == "fonttbl" {
            self.g.dest = Dest::FontTable;
            return;
        }
        if self.g.dest == Dest::FontTable {
            match (word, param) {
                ("f", Some(f)) => self.table_font = Some(f as i32),
                ("fcharset", Some(cs)) => {
                    if let (Some(f), Some(enc)) = (self.table_font, charset_encoding(cs)) {
                        self.fonts.insert(f, enc);
                    }
                }
                ("cpg", Some(cp)) => {
                    if let (Some(f), Some(enc)) = (self.table_font, codepage_encoding(cp)) {
                        self.fonts.insert(f, enc);
                    }
                }
                _ => {}
            }
            return;
        }
        if word == "upr" {
            // {\upr{ANSI version}{\*\ud{Unicode version}}}: keep only the Unicode half.
            self.g.upr = Some(Box::new(self.g.dest.clone()));
            self.g.dest = Dest::Skip;
            return;
        }
        if word == "ud" {
            self.g.dest = self.g.upr.take().map(|d| *d).unwrap_or(Dest::Text);
            return;
        }
        if star && !KEEP_STAR.contains(&word) {
            self.g.dest = Dest::Skip;
            return;
        }
        match word {
            // Unicode characters count in every destination (info fields too).
            "uc" => {
                self.g.uc = param.unwrap_or(1).clamp(0, 10) as usize;
                return;
            }
            "u" => {
                let v = param.unwrap_or(0);
                let unit = if v < 0 { (v + 65536) as u16 } else { v as u16 };
                self.unicode(unit);
                self.skip_chars = self.g.uc;
                return;
            }
            _ => {}
        }
        if word == "annotation" && self.g.dest == Dest::Text {
            self.g.dest = Dest::Annotation;
            self.g.root = true;
            return;
        }
        if word == "info" {
            self.g.dest = Dest::Info;
            return;
        }
        if self.g.dest == Dest::Info || matches!(self.g.dest, Dest::InfoField(_)) {
            if let Some(f) = INFO_FIELDS.iter().find(|f| **f == word) {
                self.g.dest = Dest::InfoField(f);
                self.g.root = true;
                return;
            }
            if let Dest::InfoField(_) = self.g.dest {
                let v = param.unwrap_or(0) as i32;
                match word {
                    "yr" => self.date[0] = v,
                    "mo" => self.date[1] = v,
                    "dy" => self.date[2] = v,
                    "hr" => self.date[3] = v,
                    "min" => self.date[4] = v,
                    _ => {}
                }
            }
            return;
        }
        if SKIP_DESTS.contains(&word) {
            self.g.dest = Dest::Skip;
            return;
        }
        if self.g.dest == Dest::Skip {
            return;
        }
        match word {
            "ansicpg" => {
                if let Some(enc) = param.and_then(codepage_encoding) {
                    self.ansi = enc;
                }
            }
            "mac" => self.ansi = encoding_rs::MACINTOSH,
            "deff" => self.deff = param.map(|f| f as i32),
            "f" => self.g.font = param.map(|f| f as i32),
            "par" | "line" | "sect" | "page" | "row" | "lbr" => self.literal("\n"),
            "cell" | "nestcell" | "tab" => self.literal("\t"),
            "emdash" => self.literal("\u{2014}"),
            "endash" => self.literal("\u{2013}"),
            "bullet" => self.literal("\u{2022}"),
            "lquote" => self.literal("\u{2018}"),
            "rquote" => self.literal("\u{2019}"),
            "ldblquote" => self.literal("\u{201c}"),
            "rdblquote" => self.literal("\u{201d}"),
            "emspace" | "enspace" | "qmspace" => self.literal(" "),
            // A new table row begins on its own line.
            "trowd" if !self.out.is_empty() && !self.out.ends_with('\n') => self.out.push('\n'),
            _ => {}
        }
    }

    fn unicode(&mut self, unit: u16) {
        if (0xD800..0xDC00).contains(&unit) {
            self.high_surrogate = Some(unit);
            return;
        }
        let c = if (0xDC00..0xE000).contains(&unit) {
            match self.high_surrogate.take() {
                Some(h) => char::decode_utf16([h, unit]).next().and_then(|r| r.ok()),
                None => None,
            }
        } else {
            self.high_surrogate = None;
            char::from_u32(unit as u32)
        };
        if let Some(c) = c {
            if c != '\0' {
                let mut b = [0u8; 4];
                self.put(c.encode_utf8(&mut b));
            }
        }
    }
}

/// Encoding for a Windows code page number.
fn codepage_encoding(cp: i64) -> Option<&'static encoding_rs::Encoding> {
    let label = match cp {
        932 => "shift_jis",
        936 => "gbk",
        949 => "euc-kr",
        950 => "big5",
        874 => "windows-874",
        1250..=1258 => return encoding_rs::Encoding::for_label(format!("windows-{cp}").as_bytes()),
        10000 => "macintosh",
        20866 => "koi8-r",
        28591 => "iso-8859-1",
        65001 => "utf-8",
        866 => "ibm866",
        _ => return None,
    };
    encoding_rs::Encoding::for_label(label.as_bytes())
}

/// Encoding for an RTF `\fcharset` number (None: use the document code page).
fn charset_encoding(cs: i64) -> Option<&'static encoding_rs::Encoding> {
    let cp = match cs {
        77 => 10000,
        128 => 932,
        129 => 949,
        134 => 936,
        136 => 950,
        161 => 1253,
        162 => 1254,
        163 => 1258,
        177 => 1255,
        178 => 1256,
        186 => 1257,
        204 => 1251,
        222 => 874,
        238 => 1250,
        _ => return None,
    };
    codepage_encoding(cp)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn zip_of(files: &[(&str, &str)]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default();
        for (name, body) in files {
            // ODF wants its mimetype first and uncompressed (type detection reads it there).
            let opts = if *name == "mimetype" { opts.compression_method(zip::CompressionMethod::Stored) } else { opts };
            w.start_file(*name, opts).unwrap();
            w.write_all(body.as_bytes()).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    const W: &str = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006""#;

    #[test]
    fn docx_body_tables_notes_comments_and_changes() {
        let doc = format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document {W}><w:body>
<w:p><w:pPr><w:tabs><w:tab w:val="left" w:pos="720"/></w:tabs></w:pPr><w:r><w:t>Hello</w:t></w:r><w:r><w:tab/><w:t xml:space="preserve">world &amp; co</w:t></w:r></w:p>
<w:p><w:r><w:t>line one</w:t><w:br/><w:t>line two</w:t></w:r><w:ins w:author="Bob"><w:r><w:t xml:space="preserve"> inserted</w:t></w:r></w:ins><w:del w:author="Bob"><w:r><w:delText>secret deleted words</w:delText></w:r></w:del></w:p>
<w:tbl><w:tr><w:tc><w:p><w:r><w:t>a1</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>b1</w:t></w:r></w:p><w:p><w:r><w:t>more</w:t></w:r></w:p></w:tc></w:tr>
<w:tr><w:tc><w:p><w:r><w:t>a2</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>b2</w:t></w:r></w:p></w:tc></w:tr></w:tbl>
<w:p><w:r><mc:AlternateContent><mc:Choice><w:txbxContent><w:p><w:r><w:t>boxed</w:t></w:r></w:p></w:txbxContent></mc:Choice><mc:Fallback><w:txbxContent><w:p><w:r><w:t>boxed</w:t></w:r></w:p></w:txbxContent></mc:Fallback></mc:AlternateContent><w:t>after box</w:t></w:r></w:p>
<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText>HYPERLINK "http://x"</w:instrText></w:r><w:r><w:t>link text</w:t></w:r></w:p>
</w:body></w:document>"#
        );
        let foot = format!(
            r#"<w:footnotes {W}><w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote><w:footnote w:id="1"><w:p><w:r><w:t>A footnote.</w:t></w:r></w:p></w:footnote></w:footnotes>"#
        );
        let comments = format!(
            r#"<w:comments {W}><w:comment w:id="0" w:author="Alice" w:date="2020-01-02T03:04:05Z"><w:p><w:r><w:t>Check this.</w:t></w:r></w:p></w:comment></w:comments>"#
        );
        let header = format!(r#"<w:hdr {W}><w:p><w:r><w:t>CONFIDENTIAL</w:t></w:r></w:p></w:hdr>"#);
        let core = r#"<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:title>Merger memo</dc:title><dc:creator>Jane Roe</dc:creator><cp:lastModifiedBy>John Doe</cp:lastModifiedBy><dcterms:created xsi:type="dcterms:W3CDTF">2001-05-06T07:08:09+02:00</dcterms:created><dcterms:modified xsi:type="dcterms:W3CDTF">2001-05-07T00:00:00Z</dcterms:modified></cp:coreProperties>"#;
        let bytes = zip_of(&[
            ("[Content_Types].xml", "<Types/>"),
            ("word/document.xml", &doc),
            ("word/footnotes.xml", &foot),
            ("word/comments.xml", &comments),
            ("word/header1.xml", &header),
            ("word/header2.xml", &header),
            ("docProps/core.xml", core),
        ]);
        assert_eq!(crate::extract::detect::detect(&bytes, "m.docx").0, crate::extract::detect::Kind::Docx);
        let ex = extract_docx(&bytes, "m.docx").unwrap();
        let text = ex.text.unwrap();
        assert!(
            text.starts_with("Hello\tworld & co\nline one\nline two inserted\na1\tb1 more\na2\tb2\nboxed\nafter box\nlink text"),
            "{text}"
        );
        assert!(!text.contains("HYPERLINK"));
        assert_eq!(text.matches("boxed").count(), 1, "{text}");
        assert!(text.contains("[Headers and footers]\nCONFIDENTIAL\n\n[Footnotes]\nA footnote."), "{text}");
        assert!(text.contains("[Comments]\nComment by Alice (2020-01-02T03:04:05Z): Check this."), "{text}");
        assert!(text.ends_with("[Deleted text (tracked changes)]\nsecret deleted words"), "{text}");
        assert_eq!(text.matches("CONFIDENTIAL").count(), 1);
        assert_eq!(ex.meta.title.as_deref(), Some("Merger memo"));
        assert_eq!(ex.meta.author.as_deref(), Some("Jane Roe"));
        assert_eq!(ex.meta.date.as_deref(), Some("2001-05-06T05:08:09Z"));
        assert_eq!(ex.meta.modified.as_deref(), Some("2001-05-07T00:00:00Z"));
        assert_eq!(ex.meta.extra.get("last_modified_by").map(String::as_str), Some("John Doe"));
        assert_eq!(ex.extractor, "docx");
    }

    #[test]
    fn office_problems_in_plain_words() {
        let mut ole = OLE_MAGIC.to_vec();
        ole.extend(vec![0u8; 512]);
        ole.extend("EncryptedPackage".encode_utf16().flat_map(|u| u.to_le_bytes()));
        assert_eq!(extract_docx(&ole, "x.docx").unwrap_err().code, "office_encrypted");
        assert_eq!(extract_spreadsheet(&ole, "x.xlsx").unwrap_err().code, "office_encrypted");
        assert_eq!(extract_docx(b"PK\x03\x04garbage", "x.docx").unwrap_err().code, "office_damaged");
        let no_doc = zip_of(&[("word/other.xml", "<x/>")]);
        assert_eq!(extract_docx(&no_doc, "x.docx").unwrap_err().code, "office_damaged");
        assert_eq!(extract_spreadsheet(b"PK\x03\x04xl/workbook.xml", "x.xlsx").unwrap_err().code, "office_damaged");
        // Truncated XML: the text before the damage is kept, with a warning.
        let cut =
            zip_of(&[("word/document.xml", &format!("<w:document {W}><w:body><w:p><w:r><w:t>kept</w:t></w:r></w:p><w:p><w:r><w:t>al"))]);
        let ex = extract_docx(&cut, "x.docx").unwrap();
        assert!(ex.text.unwrap().starts_with("kept"));
    }

    #[test]
    fn xlsx_built_by_hand() {
        let bytes = zip_of(&[
            (
                "[Content_Types].xml",
                r#"<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>"#,
            ),
            (
                "_rels/.rels",
                r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
            ),
            (
                "xl/workbook.xml",
                r#"<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Budget" sheetId="1" r:id="rId1"/><sheet name="Secret" sheetId="2" state="hidden" r:id="rId2"/></sheets></workbook>"#,
            ),
            (
                "xl/_rels/workbook.xml.rels",
                r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet2.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>"#,
            ),
            (
                "xl/styles.xml",
                r#"<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/></cellXfs></styleSheet>"#,
            ),
            (
                "xl/worksheets/sheet1.xml",
                r#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Item</t></is></c><c r="B1" t="inlineStr"><is><t>Cost</t></is></c><c r="C1" t="inlineStr"><is><t>Due</t></is></c></row><row r="3"><c r="A3" t="inlineStr"><is><t>Bribe</t></is></c><c r="B3"><v>0.30000000000000004</v></c><c r="C3" s="1"><v>36892</v></c></row></sheetData></worksheet>"#,
            ),
            (
                "xl/worksheets/sheet2.xml",
                r#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1"><v>42</v></c><c r="D1" t="b"><v>1</v></c></row></sheetData></worksheet>"#,
            ),
        ]);
        assert_eq!(crate::extract::detect::detect(&bytes, "b.xlsx").0, crate::extract::detect::Kind::Spreadsheet);
        let ex = extract_spreadsheet(&bytes, "b.xlsx").unwrap();
        assert_eq!(
            ex.text.as_deref(),
            Some("Sheet: Budget\nItem\tCost\tDue\nBribe\t0.3\t2001-01-01\n\nSheet: Secret (hidden)\n42\t\t\tTRUE")
        );
        assert_eq!(ex.meta.extra.get("sheets").map(String::as_str), Some(r#"["Budget","Secret"]"#));
        assert_eq!(ex.meta.extra.get("hidden_sheets").map(String::as_str), Some(r#"["Secret"]"#));
    }

    #[test]
    fn floats_read_like_excel() {
        assert_eq!(format_float(3.0), "3");
        assert_eq!(format_float(0.1 + 0.2), "0.3");
        assert_eq!(format_float(1234.5678), "1234.5678");
        assert_eq!(format_float(-2.5), "-2.5");
    }

    #[test]
    fn odt_text_tables_notes_and_meta() {
        let content = r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:dc="http://purl.org/dc/elements/1.1/">
<office:body><office:text><text:sequence-decls><text:sequence-decl text:name="Table"/></text:sequence-decls>
<text:tracked-changes><text:changed-region text:id="c1"><text:deletion><office:change-info><dc:creator>Bob</dc:creator><dc:date>2020-01-01T00:00:00</dc:date></office:change-info><text:p>gone words</text:p></text:deletion></text:changed-region></text:tracked-changes>
<text:h text:outline-level="1">Title   here</text:h>
<text:p>One<text:s text:c="2"/>two<text:tab/>three<text:line-break/>four<text:note text:note-class="footnote"><text:note-citation>1</text:note-citation><text:note-body><text:p>Note text.</text:p></text:note-body></text:note> end.</text:p>
<text:list><text:list-item><text:p>item <text:span>one</text:span></text:p></text:list-item></text:list>
<table:table><table:table-row><table:table-cell><text:p>c1</text:p></table:table-cell><table:table-cell><text:p>c2</text:p></table:table-cell></table:table-row></table:table>
<text:p>Has<office:annotation><dc:creator>Ann</dc:creator><dc:date>2020-02-02T10:00:00</dc:date><text:p>A remark.</text:p></office:annotation> comment</text:p>
</office:text></office:body></office:document-content>"#;
        let meta = r#"<office:document-meta xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><office:meta><dc:title>Plan</dc:title><meta:initial-creator>Ann</meta:initial-creator><dc:creator>Bob</dc:creator><meta:creation-date>2009-07-14T11:05:18.78</meta:creation-date><dc:date>2009-07-15T08:00:00Z</dc:date></office:meta></office:document-meta>"#;
        let styles = r#"<office:document-styles xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:styles><style:style style:name="x"><text:p>not me</text:p></style:style></office:styles><office:master-styles><style:master-page><style:footer><text:p>Page footer</text:p></style:footer></style:master-page></office:master-styles></office:document-styles>"#;
        let bytes = zip_of(&[
            ("mimetype", "application/vnd.oasis.opendocument.text"),
            ("content.xml", content),
            ("styles.xml", styles),
            ("meta.xml", meta),
        ]);
        assert_eq!(crate::extract::detect::detect(&bytes, "x.odt").0, crate::extract::detect::Kind::Odt);
        let ex = extract_odt(&bytes, "x.odt").unwrap();
        let text = ex.text.unwrap();
        assert_eq!(
            text,
            "Title here\nOne  two\tthree\nfour end.\nitem one\nc1\tc2\nHas comment\n\n[Headers and footers]\nPage footer\n\n[Notes]\nNote text.\n\n[Comments]\nComment by Ann (2020-02-02T10:00:00Z): A remark.\n\n[Deleted text (tracked changes)]\ngone words"
        );
        assert_eq!(ex.meta.title.as_deref(), Some("Plan"));
        assert_eq!(ex.meta.author.as_deref(), Some("Ann"));
        assert_eq!(ex.meta.date.as_deref(), Some("2009-07-14T11:05:18Z"));
        assert_eq!(ex.meta.modified.as_deref(), Some("2009-07-15T08:00:00Z"));
        let enc = zip_of(&[("content.xml", "xx"), ("META-INF/manifest.xml", "<manifest:encryption-data/>")]);
        assert_eq!(extract_odt(&enc, "x.odt").unwrap_err().code, "office_encrypted");
    }

    #[test]
    fn rtf_text_codepages_unicode_and_info() {
        let rtf = br#"{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0\fswiss Arial;}{\f1\fcharset204 Times Cyr;}}{\colortbl;\red0\green0\blue0;}{\stylesheet{\s0 Normal;}}
{\info{\upr{\title Deal ???}{\*\ud{\title Deal \u8212\'3f memo}}}{\author Ken Lay}{\author Ken Lay}{\operator Jeff}{\creatim\yr2001\mo10\dy2\hr9\min30}}
{\*\generator Riched20;}\pard Caf\'e9 na\u239?ve \{braces\}\par
{\f1 \'cf\'f0\'e8\'e2\'e5\'f2}\par
{\pict\wmetafile8 0123456789abcdef}\uc2\u8364\'80\'80 euro\par
{\field{\*\fldinst HYPERLINK "http://x"}{\fldrslt link}}\tab end\line last\par
{\*\annotation note text}\trowd\cell a\cell b\row
smile \u-10179?\u-8704?\par}"#;
        let ex = extract_rtf(rtf, "x.rtf").unwrap();
        let text = ex.text.unwrap();
        assert_eq!(text, "Café naïve {braces}\nПривет\n€ euro\nlink\tend\nlast\n\ta\tb\nsmile 😀\n\n[Comments]\nnote text");
        assert_eq!(ex.meta.title.as_deref(), Some("Deal — memo"));
        assert_eq!(ex.meta.author.as_deref(), Some("Ken Lay"));
        assert_eq!(ex.meta.date.as_deref(), Some("2001-10-02T09:30:00Z"));
        assert_eq!(ex.meta.extra.get("last_modified_by").map(String::as_str), Some("Jeff"));
        // Shift-JIS through \ansicpg932.
        let sj = b"{\\rtf1\\ansi\\ansicpg932 \\'93\\'fa\\'96\\'7b\\par}";
        assert_eq!(extract_rtf(sj, "j.rtf").unwrap().text.as_deref(), Some("日本"));
        assert_eq!(extract_rtf(b"not rtf", "x.rtf").unwrap_err().code, "office_damaged");
        // Binary data with braces is skipped by length.
        let bin = b"{\\rtf1 a{\\pict\\bin4 }}{{}b\\par}";
        assert_eq!(extract_rtf(bin, "x.rtf").unwrap().text.as_deref(), Some("ab"));
    }
}
