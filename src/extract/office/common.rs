//! What the office readers share: package (zip) reading with limits, an XML event walk, package
//! properties into metadata, and the plain-words problems they report.

use crate::extract::{Extracted, Meta, Problem};
use quick_xml::events::{BytesStart, Event};
use std::collections::BTreeMap;
use std::io::{Cursor, Read};

/// Extracted text beyond this size is cut (the original is kept whole).
pub(super) const MAX_TEXT_BYTES: usize = 64 << 20;
/// One XML part of a package is read up to this many (decompressed) bytes.
pub(super) const MAX_PART_BYTES: u64 = 512 << 20;

pub(super) const OLE_MAGIC: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

pub(super) fn encrypted() -> Problem {
    Problem::extract("office_encrypted", "encrypted Office document: a password is required")
}

pub(super) fn damaged(what: &str, detail: impl std::fmt::Display) -> Problem {
    Problem::extract("office_damaged", format!("damaged or unreadable {what}: {detail}"))
}

pub(super) fn truncated_warning() -> Problem {
    Problem::extract(
        "text_truncated",
        format!("text longer than {} MB: only the first {} MB is searchable", MAX_TEXT_BYTES >> 20, MAX_TEXT_BYTES >> 20),
    )
}

/// True for an OLE compound file holding an `EncryptedPackage` stream: how Office stores a
/// password-protected .docx/.xlsx/.pptx.
pub(super) fn is_encrypted_ole(bytes: &[u8]) -> bool {
    if !bytes.starts_with(&OLE_MAGIC) {
        return false;
    }
    let needle: Vec<u8> = "EncryptedPackage".encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
    bytes.windows(needle.len()).any(|w| w == needle)
}

// ---------------------------------------------------------------------------------------------
// ZIP packages

pub(super) type Zip<'a> = zip::ZipArchive<Cursor<&'a [u8]>>;

pub(super) fn open_package<'a>(bytes: &'a [u8], what: &str) -> Result<Zip<'a>, Problem> {
    if is_encrypted_ole(bytes) {
        return Err(encrypted());
    }
    if bytes.starts_with(&OLE_MAGIC) {
        return Err(damaged(what, "this is an older binary Office file (OLE), not the zip package its type says"));
    }
    zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| damaged(what, format!("not a readable zip package ({e})")))
}

/// Reads one member; `Ok(None)` when absent. Sets `*cut` when it was larger than we read.
pub(super) fn read_part(zip: &mut Zip, name: &str, cut: &mut bool) -> Result<Option<Vec<u8>>, String> {
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

pub(super) enum Ev<'a, 'b> {
    Start(&'b BytesStart<'a>),
    End(&'b [u8]),
    Text(&'b str),
}

/// Walks `xml`, calling `f` for each element start (with its local name via `local`), end
/// (local name) and text. Stops at the first well-formedness error and returns it; everything
/// before it has been reported.
pub(super) fn walk(xml: &[u8], mut f: impl FnMut(Ev)) -> Result<(), String> {
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

pub(super) fn local(e: &BytesStart) -> Vec<u8> {
    e.local_name().as_ref().to_vec()
}

/// Value of the attribute with this local name (any prefix).
pub(super) fn attr(e: &BytesStart, name: &[u8]) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == name)
        .map(|a| a.unescape_value().map(|v| v.into_owned()).unwrap_or_else(|_| String::from_utf8_lossy(&a.value).into_owned()))
}

/// Normalizes a document date (W3CDTF, ISO 8601 with or without zone) to RFC 3339 UTC.
/// Dates without a zone are taken as UTC (the format does not say).
pub(super) fn to_utc(s: &str) -> Option<String> {
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
pub(super) fn set_date(meta: &mut Meta, which: &str, raw: &str) {
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
pub(super) fn read_props(xml: &[u8]) -> BTreeMap<String, String> {
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
pub(super) fn ooxml_meta(zip: &mut Zip, meta: &mut Meta) {
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
pub(super) fn rel_target(rels: &[u8], type_suffix: &str) -> Option<String> {
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

/// A finished paragraph goes into the open table cell (flattened to one line), or else to the
/// output as a line of its own. Shared by the Word and OpenDocument readers.
pub(super) fn emit_paragraph(tables: &mut [Table], out: &mut String, p: String) {
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
pub(super) struct Table {
    pub(super) lines: Vec<String>,
    pub(super) row: Vec<String>,
    pub(super) cell: String,
}

/// Natural order for header1.xml, header2.xml, ..., header10.xml.
pub(super) fn part_number(name: &str) -> u64 {
    name.chars().filter(|c| c.is_ascii_digit()).collect::<String>().parse().unwrap_or(0)
}

/// Stores the text (cut to the cap) and a warning for partial reads.
pub(super) fn finish(ex: &mut Extracted, mut text: String, cut: bool, errors: Vec<String>, what: &str) {
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
