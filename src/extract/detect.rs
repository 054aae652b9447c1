//! File type detection by content first, extension second.
//!
//! Custodians rename files, mail servers strip extensions (Enron's maildir files have none),
//! and a `.doc` can be an RTF. We look at the bytes: magic numbers, the member names of a ZIP,
//! the stream names of an OLE compound file, the shape of RFC 5322 headers. The extension only
//! breaks ties.

use serde::{Deserialize, Serialize};

/// The formats Exhibit knows how to read (or knows it cannot).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Pdf,
    /// One RFC 5322 message (.eml, maildir file).
    Email,
    /// A Unix mailbox holding many messages.
    Mbox,
    /// Outlook .msg (an OLE compound file).
    Msg,
    Docx,
    Odt,
    Rtf,
    /// xlsx, xlsm, xlsb, xls, ods.
    Spreadsheet,
    Html,
    Text,
    /// ZIP archive.
    Archive,
    /// An AI-model API log (recognized by `modellogs::detect`); its calls are items of their own.
    ModelLog,
    /// One call from a model log.
    ModelCall,
    Other,
}

impl Kind {
    /// The item kind stored in the matter and queried with `kind:`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Pdf => "pdf",
            Kind::Email | Kind::Msg => "email",
            Kind::Mbox => "mailbox",
            Kind::Docx => "docx",
            Kind::Odt => "odt",
            Kind::Rtf => "rtf",
            Kind::Spreadsheet => "spreadsheet",
            Kind::Html => "html",
            Kind::Text => "text",
            Kind::Archive => "archive",
            Kind::ModelLog => "model_log",
            Kind::ModelCall => "model_call",
            Kind::Other => "other",
        }
    }
}

/// Detects the kind and MIME type of `bytes`, using `name` only to break ties.
pub fn detect(bytes: &[u8], name: &str) -> (Kind, &'static str) {
    let ext = extension(name);
    let head = &bytes[..bytes.len().min(4096)];
    if find(&head[..head.len().min(1024)], b"%PDF-").is_some() {
        return (Kind::Pdf, "application/pdf");
    }
    if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        return detect_zip(bytes);
    }
    if head.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        return detect_ole(bytes, &ext);
    }
    if head.starts_with(b"{\\rtf") {
        return (Kind::Rtf, "application/rtf");
    }
    if let Some(t) = infer::get(head) {
        // Images, audio, executables and the like: kept, not read.
        if !matches!(t.matcher_type(), infer::MatcherType::Text) && t.mime_type() != "application/xml" {
            return (Kind::Other, t.mime_type());
        }
    }
    let text = strip_bom(head);
    if looks_like_mbox(text) {
        return (Kind::Mbox, "application/mbox");
    }
    if ext == "eml" || looks_like_email(text) {
        return (Kind::Email, "message/rfc822");
    }
    if matches!(ext.as_str(), "html" | "htm" | "xhtml") || looks_like_html(text) {
        return (Kind::Html, "text/html");
    }
    if is_text(head) {
        let mime = match ext.as_str() {
            "csv" => "text/csv",
            "json" | "jsonl" => "application/json",
            "md" => "text/markdown",
            "xml" => "application/xml",
            _ => "text/plain",
        };
        return (Kind::Text, mime);
    }
    (Kind::Other, "application/octet-stream")
}

/// Words for a kind, used in "no text" reasons.
pub fn describe(kind: Kind, name: &str) -> String {
    let ext = extension(name);
    match (kind, ext.as_str()) {
        (Kind::Other, "pst" | "ost") => "Outlook data file (.pst/.ost)".into(),
        (Kind::Other, "doc") => "Word 97-2003 document (.doc)".into(),
        (Kind::Other, "ppt") => "PowerPoint 97-2003 presentation (.ppt)".into(),
        (Kind::Other, "") => "file of unknown type".into(),
        (Kind::Other, e) => format!(".{e} file"),
        (k, _) => format!("{} file", k.as_str()),
    }
}

/// Lower-case extension without the dot, or "".
pub fn extension(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    match base.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() && ext.len() <= 8 => ext.to_ascii_lowercase(),
        _ => String::new(),
    }
}

fn detect_zip(bytes: &[u8]) -> (Kind, &'static str) {
    // The member names sit in the local headers and the central directory as plain bytes.
    if find(bytes, b"word/document.xml").is_some() {
        return (Kind::Docx, "application/vnd.openxmlformats-officedocument.wordprocessingml.document");
    }
    if find(bytes, b"xl/workbook.xml").is_some() || find(bytes, b"xl/workbook.bin").is_some() {
        return (Kind::Spreadsheet, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    }
    // OpenDocument: the `mimetype` member should come first, stored; not every writer obeys,
    // so fall back to the manifest's media type anywhere in the file.
    let head = &bytes[..bytes.len().min(200)];
    let odf = find(bytes, b"META-INF/manifest.xml").is_some() && find(bytes, b"content.xml").is_some();
    let says = |what: &[u8]| find(head, what).is_some() || (odf && find(bytes, what).is_some());
    if says(b"application/vnd.oasis.opendocument.spreadsheet") {
        return (Kind::Spreadsheet, "application/vnd.oasis.opendocument.spreadsheet");
    }
    if says(b"application/vnd.oasis.opendocument.text") {
        return (Kind::Odt, "application/vnd.oasis.opendocument.text");
    }
    (Kind::Archive, "application/zip")
}

fn detect_ole(bytes: &[u8], ext: &str) -> (Kind, &'static str) {
    let has = |name: &str| {
        let utf16: Vec<u8> = name.encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
        find(bytes, &utf16).is_some()
    };
    if has("__substg1.0_") || ext == "msg" {
        return (Kind::Msg, "application/vnd.ms-outlook");
    }
    // Password-protected OOXML is an OLE file holding an "EncryptedPackage"; hand it to the
    // format's extractor, which says so in words.
    if has("EncryptedPackage") {
        return match ext {
            "xlsx" | "xlsm" | "xlsb" => (Kind::Spreadsheet, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            _ => (Kind::Docx, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        };
    }
    if has("Workbook") || has("Book") || ext == "xls" {
        return (Kind::Spreadsheet, "application/vnd.ms-excel");
    }
    if has("WordDocument") {
        return (Kind::Other, "application/msword");
    }
    (Kind::Other, "application/x-ole-storage")
}

fn strip_bom(b: &[u8]) -> &[u8] {
    b.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(b)
}

fn looks_like_mbox(text: &[u8]) -> bool {
    if !text.starts_with(b"From ") {
        return false;
    }
    // "From sender date" line, then headers.
    let rest = match find(text, b"\n") {
        Some(i) => &text[i + 1..],
        None => return false,
    };
    header_score(rest) >= 1
}

/// True when the text opens with RFC 5322 headers: at least two of them well-known, or a
/// header block that ends in a blank line and declares a MIME structure (a bare MIME entity,
/// as mail tools save a message part). Like Python's email parser, a header block may run
/// straight into the body without the blank line RFC 5322 asks for.
fn looks_like_email(text: &[u8]) -> bool {
    let b = header_block(text);
    b.known >= 2 || (b.known >= 1 && b.mime && b.ended_by_blank_line && b.fields == b.known)
}

/// What the leading header block of a text holds.
#[derive(Debug, Default, PartialEq)]
struct HeaderBlock {
    /// Header fields in the block.
    fields: usize,
    /// Well-known mail headers among them.
    known: usize,
    /// One of them is `Content-Type` or `MIME-Version`.
    mime: bool,
    /// The block ends with a blank line (else the body, or the sniffing window, follows it).
    ended_by_blank_line: bool,
}

/// Counts well-known mail headers among the leading header block; 0 if the block is malformed.
fn header_score(text: &[u8]) -> usize {
    header_block(text).known
}

/// Reads the leading header block the way Python's email parser does: header lines
/// (`name:` with a name of printable ASCII other than space and colon) and folded
/// continuations, up to a blank line or the first other line, which starts the body. A text
/// that does not open with a header line has none.
fn header_block(text: &[u8]) -> HeaderBlock {
    const KNOWN: [&str; 12] = [
        "from",
        "to",
        "subject",
        "date",
        "message-id",
        "received",
        "return-path",
        "mime-version",
        "content-type",
        "x-mailer",
        "cc",
        "delivered-to",
    ];
    let mut block = HeaderBlock::default();
    // The last piece has no newline after it: the sniffing window cut it, so it says nothing.
    let complete = match text.iter().rposition(|&b| b == b'\n') {
        Some(i) => &text[..i],
        None => text,
    };
    for (n, line) in complete.split(|&b| b == b'\n').enumerate() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            block.ended_by_blank_line = n > 0;
            break;
        }
        if line[0] == b' ' || line[0] == b'\t' {
            if n == 0 {
                return HeaderBlock::default();
            }
            continue; // folded continuation
        }
        let name = match line.iter().position(|&b| b == b':') {
            Some(colon) if colon > 0 && line[..colon].iter().all(|&b| b.is_ascii_graphic()) => &line[..colon],
            // Not a header line: the body starts here (or, on the first line, there are no headers).
            _ if n == 0 => return HeaderBlock::default(),
            _ => break,
        };
        block.fields += 1;
        if let Ok(s) = std::str::from_utf8(name) {
            if KNOWN.iter().any(|k| s.eq_ignore_ascii_case(k)) {
                block.known += 1;
            }
            block.mime |= s.eq_ignore_ascii_case("content-type") || s.eq_ignore_ascii_case("mime-version");
        }
        if n > 200 {
            break;
        }
    }
    block
}

fn looks_like_html(text: &[u8]) -> bool {
    let start: Vec<u8> = text.iter().skip_while(|b| b.is_ascii_whitespace()).take(64).map(|b| b.to_ascii_lowercase()).collect();
    start.starts_with(b"<!doctype html") || start.starts_with(b"<html") || start.starts_with(b"<head") || start.starts_with(b"<body")
}

/// Mostly printable, no NULs: treat as text (any charset; decoding happens later).
fn is_text(head: &[u8]) -> bool {
    if head.is_empty() {
        return true;
    }
    if head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]) {
        return true; // UTF-16 with BOM
    }
    if head.contains(&0) {
        return false;
    }
    let control = head.iter().filter(|&&b| b < 0x20 && !matches!(b, b'\n' | b'\r' | b'\t' | 0x0C | 0x1B)).count();
    control * 100 < head.len()
}

/// Position of `needle` in `hay`.
pub fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || hay.len() < needle.len() {
        return None;
    }
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_by_content_not_extension() {
        assert_eq!(detect(b"%PDF-1.4\n...", "report.txt").0, Kind::Pdf);
        let mail = b"Message-ID: <1@x>\nDate: Mon, 1 Jan 2001 00:00:00 -0800\nFrom: a@b.com\nSubject: hi\n\nbody";
        assert_eq!(detect(mail, "1.").0, Kind::Email);
        assert_eq!(detect(b"From a@b Mon Jan  1 00:00:00 2001\nFrom: a@b\nSubject: x\n\nhi\n", "box").0, Kind::Mbox);
        assert_eq!(detect(b"<!DOCTYPE html><html><body>x</body></html>", "page").0, Kind::Html);
        assert_eq!(detect(b"plain words here\n", "notes").0, Kind::Text);
        assert_eq!(detect(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D], "x.txt").0, Kind::Other);
        assert_eq!(detect(b"{\\rtf1\\ansi hello}", "x.doc").0, Kind::Rtf);
    }

    #[test]
    fn prose_with_a_colon_is_not_email() {
        assert_eq!(detect(b"Note: call me tomorrow\nthanks\n", "memo").0, Kind::Text);
        assert_eq!(detect(b"Date: Monday\nNotes for the meeting\n", "memo").0, Kind::Text);
        assert_eq!(detect(b"Subject: lunch\n\nsee you\n", "memo").0, Kind::Text);
    }

    #[test]
    fn malformed_but_readable_messages_are_email() {
        // Headers running straight into the body, with no blank line between (Python reads
        // this, with a MissingHeaderBodySeparatorDefect).
        let m = b"From: a@x.com\nTo: b@y.com\nSubject: hi\ncounter to RFC 2822, no blank line here\n";
        assert_eq!(detect(m, "msg.txt").0, Kind::Email);
        // A bare MIME entity: only a Content-Type header.
        let m = b"Content-Type: multipart/mixed; boundary=ABCDE\n\n--ABCDE\nContent-Type: text/plain\n\nBlah\n--ABCDE--\n";
        assert_eq!(detect(m, "part.txt").0, Kind::Email);
        // A header name with a space in it is where the body starts.
        let m = b"From: a@x.com\nSubject: s\nmal formed: x\n";
        assert_eq!(header_block(m), HeaderBlock { fields: 2, known: 2, mime: false, ended_by_blank_line: false });
    }

    #[test]
    fn extension_is_lowercase_without_dot() {
        assert_eq!(extension("a/B.PDF"), "pdf");
        assert_eq!(extension(".bashrc"), "");
        assert_eq!(extension("1."), "");
    }
}
