//! Email: RFC 5322 messages, Unix mboxes and Outlook .msg files.
//!
//! * [`extract`] reads one RFC 5322 message (an .eml, a maildir file) with `mail-parser`:
//!   headers into [`Meta`], a short header block plus the body as text, every attachment
//!   (inline images, attached messages as their raw bytes, winmail.dat) as a child.
//! * [`extract_mbox`] splits a Unix mailbox into its messages; each becomes a child entry.
//! * [`extract_msg`] reads an Outlook .msg (an OLE compound file) through its MAPI property
//!   streams with the `cfb` crate.
//!
//! Email items get a `dedupe_key` over every header a reviewer relies on, the body and the
//! attachments' hashes ([`crate::extract::email_key`]), so the same message found in two
//! mailboxes, with different transport headers, is one item, and copies that differ in
//! recipients are not.

use super::{Embedded, Extracted, Meta, Problem, Relation};
use crate::extract::email_key::EmailKeys;
use mail_parser::{Address, Encoding, HeaderName, HeaderValue, Message, MessageParser, MessagePart, MimeHeaders, PartType};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::{Cursor, Read};

// ---------------------------------------------------------------------------------------------
// RFC 5322 messages
// ---------------------------------------------------------------------------------------------

/// Headers copied into `meta.extra` besides every `X-*` header (as written, unfolded).
const EXTRA_HEADERS: [&str; 16] = [
    "Reply-To",
    "Sender",
    "Return-Path",
    "Delivered-To",
    "Organization",
    "Importance",
    "Priority",
    "Sensitivity",
    "User-Agent",
    "List-Id",
    "Thread-Topic",
    "Thread-Index",
    "Content-Type",
    "MIME-Version",
    "Keywords",
    "Comments",
];

/// One RFC 5322 message: headers, body text and attachments.
pub fn extract(bytes: &[u8], _name: &str) -> Result<Extracted, Problem> {
    let raw = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    if raw.iter().all(|b| b.is_ascii_whitespace()) {
        return Ok(Extracted {
            text: Some(String::new()),
            extractor: "mail-parser".into(),
            warning: Some(Problem::extract("email_empty", "the message is empty: it has no headers and no body")),
            ..Default::default()
        });
    }
    if looks_binary(raw) {
        return Err(Problem::extract("email_unreadable", "not an email message: the file holds binary data, not mail headers and text"));
    }
    let shaped = python_shape(raw);
    let raw: &[u8] = shaped.as_deref().unwrap_or(raw);
    let Some(msg) = MessageParser::default().parse(raw) else {
        // Text without a header block: keep what there is.
        return Ok(Extracted {
            text: Some(decode_guess(raw)),
            extractor: "mail-parser".into(),
            warning: Some(headerless()),
            ..Default::default()
        });
    };
    let mut ex = from_message(&msg, raw);
    if msg.parts.first().is_none_or(|p| p.headers.is_empty()) {
        ex.warning = Some(headerless());
    }
    Ok(ex)
}

/// Where Python's email parser reads a message differently from `mail-parser`, a copy of the
/// bytes shaped so that both read the same headers and body (the stored original is untouched):
///
/// * a header block that runs straight into the body, with no blank line (or a line that is
///   not a header, such as `mal formed: x`), ends there — `mail-parser` would skip lines
///   without a colon and read the body's first line with one as a header;
/// * a leading envelope line (`From sender date`, as mbox tools leave on a saved message) is
///   not a header.
///
/// `None` when the message needs neither.
fn python_shape(raw: &[u8]) -> Option<Vec<u8>> {
    let mut start = 0;
    let mut envelope = 0;
    let mut n = 0;
    while start < raw.len() {
        let end = raw[start..].iter().position(|&b| b == b'\n').map_or(raw.len(), |i| start + i + 1);
        let line = &raw[start..end];
        let bare = line.strip_suffix(b"\n").unwrap_or(line);
        let bare = bare.strip_suffix(b"\r").unwrap_or(bare);
        if n == 0 && line.starts_with(b"From ") {
            envelope = end;
        } else if bare.is_empty() {
            break; // the blank line that ends the headers
        } else if !(line[0] == b' ' || line[0] == b'\t' || is_header_line(bare) || line.starts_with(b"From ")) {
            if more_headers_follow(&raw[end..]) {
                // A damaged header line inside the header block, not the start of the body:
                // cutting here would drop the real headers after it.
                start = end;
                n += 1;
                continue;
            }
            // The body starts here: put the missing blank line in front of it.
            let eol: &[u8] = if line.ends_with(b"\r\n") { b"\r\n" } else { b"\n" };
            let mut out = Vec::with_capacity(raw.len() + 2);
            out.extend_from_slice(&raw[envelope..start]);
            out.extend_from_slice(eol);
            out.extend_from_slice(&raw[start..]);
            return Some(out);
        }
        start = end;
        n += 1;
    }
    (envelope > 0).then(|| raw[envelope..].to_vec())
}

/// True when the lines up to the next blank line are all header lines (or continuations)
/// and one of them is a header every mail tool writes: the header block goes on.
fn more_headers_follow(rest: &[u8]) -> bool {
    const COMMON: [&str; 14] = [
        "from",
        "to",
        "cc",
        "bcc",
        "subject",
        "date",
        "message-id",
        "received",
        "return-path",
        "mime-version",
        "reply-to",
        "sender",
        "in-reply-to",
        "references",
    ];
    let mut common = false;
    for line in rest.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            break;
        }
        if line[0] == b' ' || line[0] == b'\t' {
            continue;
        }
        if !is_header_line(line) {
            return false;
        }
        let name = String::from_utf8_lossy(&line[..line.iter().position(|&b| b == b':').unwrap_or(0)]).to_ascii_lowercase();
        common |= COMMON.contains(&name.as_str()) || name.starts_with("content-") || name.starts_with("x-");
    }
    common
}

/// `name:` with a name of printable ASCII other than colon (Python's `headerRE`).
fn is_header_line(line: &[u8]) -> bool {
    line.iter().position(|&b| b == b':').is_some_and(|colon| line[..colon].iter().all(|&b| (0x21..=0x7e).contains(&b)))
}

fn headerless() -> Problem {
    Problem::extract("email_no_headers", "the message has no readable headers: sender, recipients and date are unknown")
}

/// Bytes of unknown charset as text: UTF-8 when valid, else the detector's guess.
fn decode_guess(bytes: &[u8]) -> String {
    if let Ok(s) = std::str::from_utf8(bytes) {
        return s.to_string();
    }
    let mut det = chardetng::EncodingDetector::new();
    det.feed(bytes, true);
    det.guess(None, true).decode(bytes).0.into_owned()
}

/// True when the first bytes look like binary data rather than a mail message.
fn looks_binary(raw: &[u8]) -> bool {
    let head = &raw[..raw.len().min(4096)];
    let nul = head.iter().filter(|&&b| b == 0).count();
    let control = head.iter().filter(|&&b| b < 0x20 && !matches!(b, b'\n' | b'\r' | b'\t' | 0x0C | 0x1B)).count();
    nul > 0 && nul * 20 > head.len() || control * 10 > head.len()
}

/// Builds the extraction of a parsed message. `raw` is the buffer it was parsed from.
fn from_message(msg: &Message<'_>, raw: &[u8]) -> Extracted {
    let mut meta = Meta::default();
    let top: &[mail_parser::Header<'_>] = msg.parts.first().map(|p| p.headers.as_slice()).unwrap_or(&[]);

    meta.title = msg.subject().map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    let from: Vec<String> = msg.header_values(HeaderName::From).filter_map(|v| v.as_address()).flat_map(addresses).collect();
    meta.author = (!from.is_empty()).then(|| from.join(", "));
    meta.to = msg.all_to().flat_map(addresses).collect();
    meta.cc = msg.all_cc().flat_map(addresses).collect();
    meta.bcc = msg.all_bcc().flat_map(addresses).collect();
    meta.date = msg.date().and_then(rfc3339_utc);
    meta.message_id = msg.message_id().map(clean_id).filter(|s| !s.is_empty());
    meta.in_reply_to = ids(msg.in_reply_to()).into_iter().next();
    meta.references = ids(msg.references());

    // X-* headers (Enron: X-From, X-To, X-cc, X-Folder, X-Origin, X-FileName) and a few others.
    for h in top {
        let name = h.name.as_str();
        let wanted = matches!(h.name, HeaderName::Other(_)) && name.len() > 2 && name[..2].eq_ignore_ascii_case("x-")
            || EXTRA_HEADERS.iter().any(|e| e.eq_ignore_ascii_case(name));
        if !wanted || meta.extra.contains_key(name) {
            continue;
        }
        let value = match &h.value {
            HeaderValue::Text(t) => t.to_string(),
            _ => raw_header(raw, h),
        };
        meta.extra.insert(name.to_string(), unfold(&value));
    }
    if meta.date.is_none() {
        if let Some(d) = msg.header_raw(HeaderName::Date) {
            meta.extra.insert("Date-Unparsed".into(), unfold(d));
        }
    }

    // Body: the text/plain parts, else the HTML parts as text.
    let mut body = body_text(msg, raw, &msg.text_body);
    if body.trim().is_empty() {
        body = body_text(msg, raw, &msg.html_body);
    }
    // A single-part message of a text type mail-parser does not take for a body (`text` with
    // no subtype, `text/x-...`): Python reads it as the body (a missing subtype means
    // text/plain), and so do we, rather than filing the whole message as an attachment.
    let mut root_is_body = false;
    if body.trim().is_empty() && msg.parts.len() == 1 {
        let text_type = |p: &&MessagePart<'_>| p.content_type().is_some_and(|ct| ct.ctype().eq_ignore_ascii_case("text"));
        if let Some(PartType::Text(t)) = msg.parts.first().filter(|p| p.attachment_name().is_none()).filter(text_type).map(|p| &p.body) {
            body = redecode(&msg.parts[0], raw, t);
            root_is_body = true;
        }
    }

    // Attachments.
    let mut children = Vec::new();
    for (i, &id) in msg.attachments.iter().enumerate() {
        if root_is_body && id == 0 {
            continue;
        }
        let Some(part) = msg.parts.get(id as usize) else { continue };
        let bytes = attachment_bytes(part, raw);
        if bytes.is_empty() && part.attachment_name().is_none() {
            continue;
        }
        children.push(Embedded { name: attachment_name(part, i + 1), bytes, relation: Relation::Attachment });
    }
    if !children.is_empty() {
        meta.extra.insert("attachments".into(), children.len().to_string());
    }

    let dedupe_key = email_keys(&meta, &body, &children);

    let mut text = String::new();
    let date_raw = msg.header_raw(HeaderName::Date).map(unfold);
    for (label, value) in [
        ("From", meta.author.clone()),
        ("To", (!meta.to.is_empty()).then(|| meta.to.join(", "))),
        ("Cc", (!meta.cc.is_empty()).then(|| meta.cc.join(", "))),
        ("Subject", meta.title.clone()),
        ("Date", date_raw.or_else(|| meta.date.clone())),
    ] {
        if let Some(v) = value {
            text.push_str(label);
            text.push_str(": ");
            text.push_str(&v);
            text.push('\n');
        }
    }
    if !text.is_empty() {
        text.push('\n');
    }
    text.push_str(body.trim_end());
    text.push('\n');

    Extracted { text: Some(text), meta, extractor: "mail-parser".into(), children, dedupe_key, ..Default::default() }
}

/// "Name <addr>", or the address alone, for every address (groups flattened).
fn addresses(a: &Address<'_>) -> Vec<String> {
    let list: Vec<&mail_parser::Addr<'_>> = match a {
        Address::List(l) => l.iter().collect(),
        Address::Group(g) => g.iter().flat_map(|g| g.addresses.iter()).collect(),
    };
    list.into_iter()
        .filter_map(|a| {
            let name = a.name.as_deref().map(str::trim).filter(|n| !n.is_empty());
            let addr = a.address.as_deref().map(str::trim).filter(|n| !n.is_empty());
            match (name, addr) {
                (Some(n), Some(ad)) if !n.eq_ignore_ascii_case(ad) => Some(format!("{n} <{ad}>")),
                (_, Some(ad)) => Some(ad.to_string()),
                (Some(n), None) => Some(n.to_string()),
                (None, None) => None,
            }
        })
        .collect()
}

/// Message IDs of an In-Reply-To or References header, without angle brackets.
fn ids(v: &HeaderValue<'_>) -> Vec<String> {
    match v {
        HeaderValue::Text(t) => vec![clean_id(t)],
        HeaderValue::TextList(l) => l.iter().map(|t| clean_id(t)).collect(),
        _ => Vec::new(),
    }
    .into_iter()
    .filter(|s| !s.is_empty())
    .collect()
}

fn clean_id(s: &str) -> String {
    s.trim().trim_start_matches('<').trim_end_matches('>').trim().to_string()
}

/// A parsed date as RFC 3339 in UTC, or `None` when it is not a real date.
fn rfc3339_utc(d: &mail_parser::DateTime) -> Option<String> {
    if !d.is_valid() {
        return None;
    }
    chrono::DateTime::from_timestamp(d.to_timestamp(), 0).map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
}

/// The header's raw value as written.
fn raw_header(raw: &[u8], h: &mail_parser::Header<'_>) -> String {
    raw.get(h.offset_start as usize..h.offset_end as usize).map(|b| String::from_utf8_lossy(b).into_owned()).unwrap_or_default()
}

/// Joins folded header lines and trims.
fn unfold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for (i, line) in s.split('\n').enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if i > 0 && !line.trim().is_empty() {
            out.push(' ');
            out.push_str(line.trim_start());
        } else {
            out.push_str(line);
        }
    }
    out.trim().to_string()
}

/// The text of the given body parts, joined. HTML parts go through `html_to_text`.
fn body_text(msg: &Message<'_>, raw: &[u8], ids: &[u32]) -> String {
    let mut out = String::new();
    for &id in ids {
        let Some(part) = msg.parts.get(id as usize) else { continue };
        let piece = match &part.body {
            PartType::Text(t) => redecode(part, raw, t),
            PartType::Html(h) => super::html::html_to_text(&redecode(part, raw, h)),
            _ => continue,
        };
        if piece.trim().is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push_str("\n\n");
        }
        out.push_str(piece.trim_end());
    }
    out
}

/// mail-parser decodes a part with no (or an unknown) charset as lossy UTF-8. When that lost
/// characters and the part is not transfer-encoded, guess the charset from the raw bytes.
fn redecode(part: &MessagePart<'_>, raw: &[u8], decoded: &str) -> String {
    if !decoded.contains('\u{FFFD}') || part.encoding != Encoding::None {
        return decoded.to_string();
    }
    let declared =
        part.content_type().and_then(|ct| ct.attribute("charset")).and_then(|c| encoding_rs::Encoding::for_label(c.trim().as_bytes()));
    if declared.is_some_and(|e| e == encoding_rs::UTF_8) {
        return decoded.to_string();
    }
    let Some(bytes) = raw.get(part.offset_body as usize..part.offset_end as usize) else { return decoded.to_string() };
    if std::str::from_utf8(bytes).is_ok() {
        return decoded.to_string();
    }
    match declared {
        Some(enc) => enc.decode(bytes).0.into_owned(),
        None => decode_guess(bytes),
    }
}

/// The bytes of an attachment: decoded content, or the raw text of an attached message.
fn attachment_bytes(part: &MessagePart<'_>, raw: &[u8]) -> Vec<u8> {
    match &part.body {
        PartType::Message(m) => {
            // A message/rfc822 part that was not transfer-encoded shares the parent's buffer
            // (its `raw_message` is the whole parent); take its own span instead.
            let inner: &[u8] = m.raw_message.as_ref();
            if part.encoding == Encoding::None || std::ptr::eq(inner.as_ptr(), raw.as_ptr()) {
                if let Some(b) = raw.get(part.offset_body as usize..part.offset_end as usize) {
                    return b.to_vec();
                }
            }
            inner.to_vec()
        }
        _ => part.contents().to_vec(),
    }
}

/// The attachment's file name, or `attachment-N.ext` made up from its content type.
fn attachment_name(part: &MessagePart<'_>, n: usize) -> String {
    if let Some(name) = part.attachment_name().map(safe_file_name).filter(|s| !s.is_empty()) {
        return name;
    }
    let ext = match part.content_type() {
        Some(ct) => {
            let sub = ct.subtype().unwrap_or("").to_ascii_lowercase();
            match (ct.ctype().to_ascii_lowercase().as_str(), sub.as_str()) {
                ("message", "rfc822" | "global") => "eml".to_string(),
                ("message", _) | ("text", "rfc822-headers") => "txt".to_string(),
                ("text", "plain") => "txt".to_string(),
                ("text", "html") => "html".to_string(),
                ("text", "calendar") => "ics".to_string(),
                ("text", "x-vcard" | "vcard") => "vcf".to_string(),
                ("image", "jpeg" | "jpg" | "pjpeg") => "jpg".to_string(),
                ("image", "svg+xml") => "svg".to_string(),
                ("application", "ms-tnef" | "vnd.ms-tnef") => "dat".to_string(),
                ("application", "msword") => "doc".to_string(),
                ("application", "vnd.ms-excel") => "xls".to_string(),
                ("application", "vnd.ms-powerpoint") => "ppt".to_string(),
                ("application", "pgp-signature" | "pgp-keys") => "asc".to_string(),
                ("application", "pkcs7-signature" | "x-pkcs7-signature") => "p7s".to_string(),
                ("application", "octet-stream") => "bin".to_string(),
                ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document") => "docx".to_string(),
                ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet") => "xlsx".to_string(),
                ("application", "x-zip-compressed" | "zip") => "zip".to_string(),
                (_, s) if !s.is_empty() && s.len() <= 8 && s.chars().all(|c| c.is_ascii_alphanumeric()) => s.to_string(),
                ("text", _) => "txt".to_string(),
                _ => "bin".to_string(),
            }
        }
        None => match &part.body {
            PartType::Message(_) => "eml".into(),
            PartType::Text(_) => "txt".into(),
            PartType::Html(_) => "html".into(),
            _ => "bin".into(),
        },
    };
    format!("attachment-{n}.{ext}")
}

/// A file name without directories or control characters.
fn safe_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    base.chars().filter(|c| !c.is_control()).collect::<String>().trim().trim_matches('.').to_string()
}

/// The message's duplicate key and near-duplicate group (see [`crate::extract::email_key`]),
/// encoded for the extraction's `dedupe_key`.
fn email_keys(meta: &Meta, body: &str, children: &[Embedded]) -> Option<String> {
    let attachments: Vec<String> = children.iter().map(|c| hex::encode(Sha256::digest(&c.bytes))).collect();
    EmailKeys::of(meta, body, &attachments).map(|k| k.encode())
}

// ---------------------------------------------------------------------------------------------
// mbox
// ---------------------------------------------------------------------------------------------

/// A Unix mailbox: each message becomes a child entry `message-NNNNN.eml`.
pub fn extract_mbox(bytes: &[u8], _name: &str) -> Result<Extracted, Problem> {
    let raw = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    if !raw.starts_with(b"From ") {
        return Err(Problem::extract("mbox_unreadable", "not a Unix mailbox: it does not start with a \"From \" line"));
    }
    let messages = split_mbox(raw);
    let mut ex = Extracted { extractor: "mbox".into(), ..Default::default() };
    ex.meta.extra.insert("messages".into(), messages.len().to_string());
    if messages.is_empty() {
        ex.warning = Some(Problem::extract("mbox_empty", "the mailbox holds no messages"));
    }
    ex.children = messages
        .into_iter()
        .enumerate()
        .map(|(i, bytes)| Embedded { name: format!("message-{:05}.eml", i + 1), bytes, relation: Relation::Entry })
        .collect();
    Ok(ex)
}

/// Splits an mbox into messages. A separator is a "From " line shaped like an envelope line
/// ("From sender date", or Netscape's "From -") that follows a blank line or precedes a header
/// line; this keeps an unquoted "From " sentence inside a body (mboxo) from splitting a message. `>From ` quoting (mboxrd and mboxo) loses
/// one `>`. Line endings (LF or CRLF) are kept as they are.
fn split_mbox(raw: &[u8]) -> Vec<Vec<u8>> {
    // Lines with their terminators.
    let mut lines: Vec<&[u8]> = Vec::new();
    let mut start = 0;
    for (i, &b) in raw.iter().enumerate() {
        if b == b'\n' {
            lines.push(&raw[start..=i]);
            start = i + 1;
        }
    }
    if start < raw.len() {
        lines.push(&raw[start..]);
    }
    let is_blank = |l: &[u8]| l.iter().all(|&b| b == b'\r' || b == b'\n');
    let is_header = |l: &[u8]| {
        let Some(colon) = l.iter().position(|&b| b == b':') else { return false };
        colon > 0 && l[..colon].iter().all(|&b| b.is_ascii_graphic())
    };
    let mut out: Vec<Vec<u8>> = Vec::new();
    let mut cur: Option<Vec<u8>> = None;
    for (i, line) in lines.iter().enumerate() {
        let sep = line.starts_with(b"From ")
            && envelope_like(line)
            && (i == 0 || is_blank(lines[i - 1]) || lines.get(i + 1).is_some_and(|n| is_header(n)));
        if sep || i == 0 && line.starts_with(b"From ") {
            if let Some(m) = cur.take() {
                out.push(finish_mbox_message(m));
            }
            cur = Some(Vec::new());
            continue;
        }
        let Some(m) = cur.as_mut() else { continue };
        let gts = line.iter().take_while(|&&b| b == b'>').count();
        if gts > 0 && line[gts..].starts_with(b"From ") {
            m.extend_from_slice(&line[1..]);
        } else {
            m.extend_from_slice(line);
        }
    }
    if let Some(m) = cur.take() {
        out.push(finish_mbox_message(m));
    }
    out.retain(|m| !m.iter().all(|b| b.is_ascii_whitespace()));
    out
}

/// "From -", "From " alone, or "From <sender> <date with a time or a year>".
fn envelope_like(line: &[u8]) -> bool {
    let rest = String::from_utf8_lossy(&line[5..]);
    let rest = rest.trim();
    if rest.is_empty() || rest == "-" {
        return true;
    }
    let Some((_, date)) = rest.split_once(char::is_whitespace) else { return false };
    let b = date.as_bytes();
    let time = b.windows(3).any(|w| w[0].is_ascii_digit() && w[1] == b':' && w[2].is_ascii_digit());
    let year = b.windows(4).any(|w| w.iter().all(u8::is_ascii_digit));
    time || year
}

/// Drops the blank line that separates a message from the next "From " line.
fn finish_mbox_message(mut m: Vec<u8>) -> Vec<u8> {
    if m.ends_with(b"\r\n\r\n") {
        m.truncate(m.len() - 2);
    } else if m.ends_with(b"\n\n") {
        m.truncate(m.len() - 1);
    }
    m
}

// ---------------------------------------------------------------------------------------------
// Outlook .msg
// ---------------------------------------------------------------------------------------------

type Cfb<'a> = cfb::CompoundFile<Cursor<&'a [u8]>>;

/// Property types of the MAPI property streams.
const PT_UNICODE: u16 = 0x001F;
const PT_STRING8: u16 = 0x001E;
const PT_BINARY: u16 = 0x0102;
const PT_LONG: u16 = 0x0003;
const PT_SYSTIME: u16 = 0x0040;

/// Fixed-size property values from a `__properties_version1.0` stream.
#[derive(Default)]
struct Props {
    values: BTreeMap<u16, (u16, [u8; 8])>,
}

impl Props {
    fn long(&self, id: u16) -> Option<u32> {
        match self.values.get(&id) {
            Some((PT_LONG, v)) => Some(u32::from_le_bytes([v[0], v[1], v[2], v[3]])),
            _ => None,
        }
    }
    fn time(&self, id: u16) -> Option<String> {
        match self.values.get(&id) {
            Some((PT_SYSTIME, v)) => filetime(u64::from_le_bytes(*v)),
            _ => None,
        }
    }
}

/// A Windows FILETIME as RFC 3339 UTC.
fn filetime(ft: u64) -> Option<String> {
    if ft == 0 {
        return None;
    }
    let secs = (ft / 10_000_000) as i64 - 11_644_473_600;
    chrono::DateTime::from_timestamp(secs, 0).map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
}

/// One storage of a .msg (the message itself, a recipient, an attachment): reads its
/// property streams.
struct Storage<'f, 'a> {
    file: &'f mut Cfb<'a>,
    path: String,
    codepage: Option<&'static encoding_rs::Encoding>,
    props: Props,
}

impl<'f, 'a> Storage<'f, 'a> {
    fn open(file: &'f mut Cfb<'a>, path: &str, header_len: usize) -> Self {
        let mut s = Storage { file, path: path.trim_end_matches('/').to_string(), codepage: None, props: Props::default() };
        if let Some(bytes) = s.stream("__properties_version1.0") {
            let mut off = header_len;
            while off + 16 <= bytes.len() {
                let ty = u16::from_le_bytes([bytes[off], bytes[off + 1]]);
                let id = u16::from_le_bytes([bytes[off + 2], bytes[off + 3]]);
                let mut v = [0u8; 8];
                v.copy_from_slice(&bytes[off + 8..off + 16]);
                s.props.values.insert(id, (ty, v));
                off += 16;
            }
        }
        // PR_MESSAGE_CODEPAGE, else PR_INTERNET_CPID.
        s.codepage = s.props.long(0x3FFD).or_else(|| s.props.long(0x3FDE)).and_then(codepage);
        s
    }

    fn child(&self, name: &str) -> String {
        if self.path.is_empty() {
            format!("/{name}")
        } else {
            format!("{}/{name}", self.path)
        }
    }

    fn stream(&mut self, name: &str) -> Option<Vec<u8>> {
        let path = self.child(name);
        if !self.file.is_stream(&path) {
            return None;
        }
        let mut s = self.file.open_stream(&path).ok()?;
        let mut buf = Vec::new();
        s.read_to_end(&mut buf).ok()?;
        Some(buf)
    }

    /// A string property (Unicode or 8-bit in the message code page).
    fn string(&mut self, id: u16) -> Option<String> {
        let s = if let Some(b) = self.stream(&format!("__substg1.0_{id:04X}{PT_UNICODE:04X}")) {
            utf16le(&b)
        } else {
            let b = self.stream(&format!("__substg1.0_{id:04X}{PT_STRING8:04X}"))?;
            let b = b.strip_suffix(&[0]).unwrap_or(&b);
            decode_8bit(b, self.codepage)
        };
        let s = s.trim_end_matches('\0').trim().to_string();
        (!s.is_empty()).then_some(s)
    }

    fn binary(&mut self, id: u16) -> Option<Vec<u8>> {
        self.stream(&format!("__substg1.0_{id:04X}{PT_BINARY:04X}"))
    }

    /// Names of the sub-storages whose name starts with `prefix`, sorted.
    fn substorages(&self, prefix: &str) -> Vec<String> {
        let path = if self.path.is_empty() { "/".to_string() } else { self.path.clone() };
        let mut v: Vec<String> = match self.file.read_storage(&path) {
            Ok(entries) => entries.filter(|e| e.is_storage() && e.name().starts_with(prefix)).map(|e| e.name().to_string()).collect(),
            Err(_) => Vec::new(),
        };
        v.sort();
        v
    }
}

/// 8-bit text in the declared code page; when the bytes are not valid in it (Outlook often
/// declares one code page and stores another), the charset detector's guess.
fn decode_8bit(b: &[u8], cp: Option<&'static encoding_rs::Encoding>) -> String {
    let (text, _, errors) = cp.unwrap_or(encoding_rs::WINDOWS_1252).decode(b);
    if !errors {
        return text.into_owned();
    }
    decode_guess(b)
}

/// "Name <addr>" for an SMTP address; the name alone when the address is an Exchange
/// distinguished name ("/O=ENRON/OU=NA/CN=RECIPIENTS/...").
fn show_address(name: Option<String>, addr: Option<String>) -> Option<String> {
    let addr = addr.filter(|a| a.contains('@') && !a.starts_with('/'));
    let name = name.map(|n| n.trim_matches('\'').trim().to_string()).filter(|n| !n.is_empty());
    match (name, addr) {
        (Some(n), Some(a)) if !n.eq_ignore_ascii_case(&a) => Some(format!("{n} <{a}>")),
        (_, Some(a)) => Some(a),
        (Some(n), None) => Some(n),
        (None, None) => None,
    }
}

fn utf16le(b: &[u8]) -> String {
    let units: Vec<u16> = b.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect();
    String::from_utf16_lossy(&units)
}

/// The encoding of a Windows code page number.
fn codepage(cp: u32) -> Option<&'static encoding_rs::Encoding> {
    use encoding_rs::*;
    Some(match cp {
        65001 => UTF_8,
        1200 => UTF_16LE,
        1201 => UTF_16BE,
        874 => WINDOWS_874,
        932 => SHIFT_JIS,
        936 | 54936 => GB18030,
        949 => EUC_KR,
        950 => BIG5,
        1250 => WINDOWS_1250,
        1251 => WINDOWS_1251,
        1252 | 20127 | 28591 => WINDOWS_1252,
        1253 => WINDOWS_1253,
        1254 => WINDOWS_1254,
        1255 => WINDOWS_1255,
        1256 => WINDOWS_1256,
        1257 => WINDOWS_1257,
        1258 => WINDOWS_1258,
        20866 => KOI8_R,
        21866 => KOI8_U,
        28592 => ISO_8859_2,
        28593 => ISO_8859_3,
        28594 => ISO_8859_4,
        28595 => ISO_8859_5,
        28596 => ISO_8859_6,
        28597 => ISO_8859_7,
        28598 => ISO_8859_8,
        28605 => ISO_8859_15,
        50220..=50222 => ISO_2022_JP,
        51932 => EUC_JP,
        51949 => EUC_KR,
        10000 => MACINTOSH,
        _ => return None,
    })
}

/// An Outlook .msg message: properties, body, recipients, attachments.
pub fn extract_msg(bytes: &[u8], _name: &str) -> Result<Extracted, Problem> {
    // cfb is strict about most damage but a crafted file could still trip an assertion in it;
    // keep that a Problem rather than a crash of the worker.
    let res = std::panic::catch_unwind(|| -> Result<Extracted, Problem> {
        let mut file = cfb::CompoundFile::open(Cursor::new(bytes)).map_err(|e| {
            Problem::extract("msg_unreadable", format!("not a readable Outlook message: the compound file is damaged ({e})"))
        })?;
        read_msg(&mut file, "/", 32)
    });
    match res {
        Ok(r) => r,
        Err(_) => Err(Problem::extract("msg_unreadable", "not a readable Outlook message: the compound file is damaged")),
    }
}

/// Reads the message stored at `path` (the root, or an embedded message's storage).
fn read_msg(file: &mut Cfb<'_>, path: &str, header_len: usize) -> Result<Extracted, Problem> {
    let mut s = Storage::open(file, path, header_len);
    let has_props = !s.props.values.is_empty();
    let mut meta = Meta::default();
    let class = s.string(0x001A);
    meta.title = s.string(0x0037);

    // Internet headers, when the message came in over SMTP: fill gaps from them.
    let headers = s.string(0x007D);
    let parsed = headers.as_deref().and_then(|h| MessageParser::default().parse_headers(h.as_bytes()).map(|m| (h, m)));

    let sender_name = s.string(0x0C1A).or_else(|| s.string(0x0042));
    let sender_addr = s
        .string(0x5D01)
        .or_else(|| s.string(0x5D02))
        .or_else(|| s.string(0x0C1F).filter(|a| a.contains('@')))
        .or_else(|| s.string(0x0065).filter(|a| a.contains('@')))
        .or_else(|| s.string(0x0C1F));
    if let Some(dn) = sender_addr.as_ref().filter(|a| !a.contains('@') || a.starts_with('/')) {
        meta.extra.insert("sender_exchange_address".into(), dn.clone());
    }
    // An Exchange-internal sender: the SMTP address may still be in the internet headers.
    let header_from =
        parsed.as_ref().and_then(|(_, m)| m.from()).and_then(|a| a.first()).and_then(|a| a.address.as_deref().map(str::to_string));
    let sender_addr = sender_addr.filter(|a| a.contains('@') && !a.starts_with('/')).or(header_from);
    meta.author = show_address(sender_name, sender_addr);

    // Recipients: the recipient storages, else the display lists.
    for r in s.substorages("__recip_version1.0_") {
        let path = s.child(&r);
        let mut rs = Storage::open(s.file, &path, 8);
        rs.codepage = rs.codepage.or(s.codepage);
        let name = rs.string(0x3001);
        let addr = rs.string(0x39FE).or_else(|| rs.string(0x3003).filter(|a| a.contains('@'))).or_else(|| rs.string(0x3003));
        let Some(shown) = show_address(name, addr) else { continue };
        match rs.props.long(0x0C15) {
            Some(2) => meta.cc.push(shown),
            Some(3) => meta.bcc.push(shown),
            _ => meta.to.push(shown),
        }
    }
    let split = |v: Option<String>| -> Vec<String> {
        v.map(|v| v.split(';').map(|x| x.trim().to_string()).filter(|x| !x.is_empty()).collect()).unwrap_or_default()
    };
    if meta.to.is_empty() && meta.cc.is_empty() && meta.bcc.is_empty() {
        meta.to = split(s.string(0x0E04));
        meta.cc = split(s.string(0x0E03));
        meta.bcc = split(s.string(0x0E02));
    }

    meta.date = s.props.time(0x0039).or_else(|| s.props.time(0x0E06)).or_else(|| s.props.time(0x3007));
    meta.modified = s.props.time(0x3008);
    meta.message_id = s.string(0x1035).map(|m| clean_id(&m));
    meta.in_reply_to = s.string(0x1042).map(|m| clean_id(&m));
    meta.references = s.string(0x1039).map(|r| r.split_whitespace().map(clean_id).filter(|x| !x.is_empty()).collect()).unwrap_or_default();

    if let Some((_, m)) = &parsed {
        if meta.date.is_none() {
            meta.date = m.date().and_then(rfc3339_utc);
        }
        if meta.message_id.is_none() {
            meta.message_id = m.message_id().map(clean_id).filter(|x| !x.is_empty());
        }
        if meta.in_reply_to.is_none() {
            meta.in_reply_to = ids(m.in_reply_to()).into_iter().next();
        }
        if meta.references.is_empty() {
            meta.references = ids(m.references());
        }
        if meta.author.is_none() {
            let from: Vec<String> = m.from().map(addresses).unwrap_or_default();
            meta.author = (!from.is_empty()).then(|| from.join(", "));
        }
    }
    if let Some(c) = &class {
        meta.extra.insert("message_class".into(), c.clone());
    }
    if let Some(h) = &headers {
        meta.extra.insert("internet_headers".into(), h.clone());
    }
    for (id, key) in [(0x0E1D, "normalized_subject"), (0x0070, "conversation_topic"), (0x1043, "list_help")] {
        if let Some(v) = s.string(id) {
            meta.extra.insert(key.into(), v);
        }
    }

    // Body: plain text, else HTML (binary in the internet code page, or a string).
    let mut warning = None;
    let mut body = s.string(0x1000).unwrap_or_default().replace("\r\n", "\n");
    if body.trim().is_empty() {
        let html = match s.binary(0x1013) {
            Some(b) => {
                let enc = s.props.long(0x3FDE).and_then(codepage).or(s.codepage);
                Some(decode_8bit(&b, enc.or(Some(encoding_rs::UTF_8))))
            }
            None => s.string(0x1013),
        };
        if let Some(h) = html {
            body = super::html::html_to_text(&h);
        } else if s.binary(0x1009).is_some() {
            warning = Some(Problem::extract(
                "msg_rtf_only",
                "the message body is stored only as compressed RTF, which is not read yet: the text holds the headers only",
            ));
        }
    }

    // Attachments.
    let mut children = Vec::new();
    for (n, a) in s.substorages("__attach_version1.0_").into_iter().enumerate() {
        let path = s.child(&a);
        let mut at = Storage::open(s.file, &path, 8);
        at.codepage = at.codepage.or(s.codepage);
        let fname = at
            .string(0x3707)
            .or_else(|| at.string(0x3704))
            .or_else(|| at.string(0x3001))
            .map(|f| safe_file_name(&f))
            .filter(|f| !f.is_empty());
        let mime = at.string(0x370E);
        if let Some(data) = at.binary(0x3701) {
            let name = fname.unwrap_or_else(|| format!("attachment-{}.{}", n + 1, ext_for_mime(mime.as_deref())));
            children.push(Embedded { name, bytes: data, relation: Relation::Attachment });
        } else {
            let sub = format!("{}/__substg1.0_3701000D", at.path);
            if at.file.is_storage(&sub) {
                // An attached Outlook message: copy its storage into a standalone .msg.
                match embedded_msg(at.file, &sub, &s.path) {
                    Some(bytes) => {
                        let base = fname.map(|f| if f.to_ascii_lowercase().ends_with(".msg") { f } else { format!("{f}.msg") });
                        let name = base.unwrap_or_else(|| format!("attachment-{}.msg", n + 1));
                        children.push(Embedded { name, bytes, relation: Relation::Attachment });
                    }
                    None => {
                        warning = Some(Problem::extract("msg_attachment_unreadable", "an attached Outlook message could not be read"));
                    }
                }
            }
        }
    }
    if !children.is_empty() {
        meta.extra.insert("attachments".into(), children.len().to_string());
    }
    if !has_props && meta.title.is_none() && body.is_empty() && meta.author.is_none() {
        return Err(Problem::extract("msg_unreadable", "not a readable Outlook message: the compound file holds no message properties"));
    }

    let dedupe_key = email_keys(&meta, &body, &children);
    let mut text = String::new();
    for (label, value) in [
        ("From", meta.author.clone()),
        ("To", (!meta.to.is_empty()).then(|| meta.to.join(", "))),
        ("Cc", (!meta.cc.is_empty()).then(|| meta.cc.join(", "))),
        ("Subject", meta.title.clone()),
        ("Date", meta.date.clone()),
    ] {
        if let Some(v) = value {
            text.push_str(&format!("{label}: {v}\n"));
        }
    }
    if !text.is_empty() {
        text.push('\n');
    }
    text.push_str(body.trim_end());
    text.push('\n');
    Ok(Extracted { text: Some(text), meta, extractor: "msg".into(), children, dedupe_key, warning, ..Default::default() })
}

fn ext_for_mime(mime: Option<&str>) -> &'static str {
    match mime.unwrap_or("").to_ascii_lowercase().as_str() {
        "application/pdf" => "pdf",
        "image/jpeg" => "jpg",
        "image/png" => "png",
        "image/gif" => "gif",
        "text/plain" => "txt",
        "text/html" => "html",
        "message/rfc822" => "eml",
        "application/pkcs7-mime" | "application/x-pkcs7-mime" => "p7m",
        "application/pkcs7-signature" | "application/x-pkcs7-signature" => "p7s",
        _ => "bin",
    }
}

/// Rebuilds an embedded message storage as a standalone .msg: its streams and storages are
/// copied, the property stream gets the 32-byte header of a top-level message, and the named
/// property map (kept only at the root of the outer file) is copied along.
fn embedded_msg(file: &mut Cfb<'_>, storage: &str, root: &str) -> Option<Vec<u8>> {
    let mut out = cfb::CompoundFile::create(Cursor::new(Vec::new())).ok()?;
    let copy = |file: &mut Cfb<'_>, from: &str, to: &str, top_props: bool, out: &mut cfb::CompoundFile<Cursor<Vec<u8>>>| -> Option<()> {
        let entries: Vec<(String, bool)> =
            file.walk_storage(from).ok()?.map(|e| (e.path().to_string_lossy().into_owned(), e.is_stream())).collect();
        for (p, is_stream) in entries {
            let Some(rel) = p.strip_prefix(from) else { continue };
            if rel.is_empty() || rel == "/" {
                continue;
            }
            let dest = format!("{}{}", to.trim_end_matches('/'), rel);
            if is_stream {
                let mut buf = Vec::new();
                file.open_stream(&p).ok()?.read_to_end(&mut buf).ok()?;
                if top_props && rel == "/__properties_version1.0" && buf.len() >= 24 {
                    // Embedded header is 24 bytes; a top-level one is 32 (8 reserved bytes more).
                    let mut fixed = buf[..24].to_vec();
                    fixed.extend_from_slice(&[0u8; 8]);
                    fixed.extend_from_slice(&buf[24..]);
                    buf = fixed;
                }
                let mut s = out.create_stream(&dest).ok()?;
                std::io::Write::write_all(&mut s, &buf).ok()?;
            } else {
                out.create_storage_all(&dest).ok()?;
            }
        }
        Some(())
    };
    copy(file, storage, "/", true, &mut out)?;
    let nameid = format!("{}/__nameid_version1.0", root.trim_end_matches('/'));
    if file.is_storage(&nameid) && !out.is_storage("/__nameid_version1.0") {
        out.create_storage("/__nameid_version1.0").ok()?;
        copy(file, &nameid, "/__nameid_version1.0", false, &mut out)?;
    }
    out.flush().ok()?;
    Some(out.into_inner().into_inner())
}

// ---------------------------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;

    const SIMPLE: &str = "Message-ID: <123.abc@thyme>\r\n\
Date: Fri, 30 Jun 2000 08:57:00 -0700 (PDT)\r\n\
From: \"Cockrell, Rainier\" <rainier.cockrell@enron.com>\r\n\
To: sally.beck@enron.com, Kathy Kokas <kathy.kokas@enron.com>\r\n\
Cc: a@enron.com,\r\n\tb@enron.com\r\n\
Subject: =?iso-8859-1?q?Caf=E9_report?=\r\n\
In-Reply-To: <99@x>\r\n\
References: <98@x> <99@x>\r\n\
X-From: Rainier S Cockrell\r\n\
X-Folder: \\Sally_Beck_Dec2000\\Notes Folders\\Showstopper rpt\r\n\
X-Origin: Beck-S\r\n\
\r\n\
Status report body.\r\n";

    #[test]
    fn reads_headers() {
        let ex = extract(SIMPLE.as_bytes(), "1.").unwrap();
        let m = &ex.meta;
        assert_eq!(m.title.as_deref(), Some("Café report"));
        assert_eq!(m.author.as_deref(), Some("Cockrell, Rainier <rainier.cockrell@enron.com>"));
        assert_eq!(m.to, vec!["sally.beck@enron.com", "Kathy Kokas <kathy.kokas@enron.com>"]);
        assert_eq!(m.cc, vec!["a@enron.com", "b@enron.com"]);
        assert_eq!(m.date.as_deref(), Some("2000-06-30T15:57:00Z"));
        assert_eq!(m.message_id.as_deref(), Some("123.abc@thyme"));
        assert_eq!(m.in_reply_to.as_deref(), Some("99@x"));
        assert_eq!(m.references, vec!["98@x", "99@x"]);
        assert_eq!(m.extra.get("X-From").map(String::as_str), Some("Rainier S Cockrell"));
        assert_eq!(m.extra.get("X-Origin").map(String::as_str), Some("Beck-S"));
        assert!(m.extra.get("X-Folder").unwrap().ends_with("Showstopper rpt"));
        let text = ex.text.unwrap();
        assert!(text.starts_with("From: Cockrell, Rainier <rainier.cockrell@enron.com>\n"), "{text}");
        assert!(text.contains("Subject: Café report\n"));
        assert!(text.trim_end().ends_with("Status report body."));
        assert_eq!(ex.extractor, "mail-parser");
        assert!(EmailKeys::decode(&ex.dedupe_key.unwrap()).is_some());
    }

    #[test]
    fn multipart_with_attachments_and_nested_message() {
        let mail = "From: a@x.com\nTo: b@y.com\nSubject: files\nMessage-ID: <m1@x>\nMIME-Version: 1.0\n\
Content-Type: multipart/mixed; boundary=\"B1\"\n\n\
--B1\nContent-Type: text/plain; charset=utf-8\n\nSee attached.\n\
--B1\nContent-Type: application/pdf; name=\"report.pdf\"\nContent-Disposition: attachment; filename=\"report.pdf\"\n\
Content-Transfer-Encoding: base64\n\nJVBERi0xLjQK\n\
--B1\nContent-Type: image/png\nContent-Transfer-Encoding: base64\n\niVBORw0KGgo=\n\
--B1\nContent-Type: message/rfc822\n\n\
From: c@z.com\nSubject: inner\n\nInner body.\n\
--B1--\n";
        let ex = extract(mail.as_bytes(), "m.eml").unwrap();
        assert!(ex.text.as_ref().unwrap().contains("See attached."));
        assert!(!ex.text.as_ref().unwrap().contains("Inner body"));
        let names: Vec<&str> = ex.children.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, vec!["report.pdf", "attachment-2.png", "attachment-3.eml"]);
        assert_eq!(ex.children[0].bytes, b"%PDF-1.4\n");
        assert!(ex.children.iter().all(|c| c.relation == Relation::Attachment));
        let inner = &ex.children[2].bytes;
        assert!(inner.starts_with(b"From: c@z.com\n"), "{}", String::from_utf8_lossy(inner));
        let child = extract(inner, "attachment-3.eml").unwrap();
        assert_eq!(child.meta.title.as_deref(), Some("inner"));
        assert!(child.text.unwrap().contains("Inner body."));
    }

    #[test]
    fn html_only_body_goes_through_html_to_text() {
        let mail = "From: a@x.com\nSubject: h\nContent-Type: text/html; charset=utf-8\n\n<p>Hello</p>\n";
        let ex = extract(mail.as_bytes(), "h.eml").unwrap();
        assert!(ex.text.unwrap().contains("Hello"));
    }

    #[test]
    fn decodes_charsets() {
        let mail = b"From: =?koi8-r?b?8MXU0s/X?= <p@x.ru>\nSubject: =?utf-8?B?0J/RgNC40LLQtdGC?=\n\
Content-Type: text/plain; charset=windows-1251\nContent-Transfer-Encoding: 8bit\n\n\xcf\xf0\xe8\xe2\xe5\xf2\n";
        let ex = extract(mail, "r.eml").unwrap();
        assert_eq!(ex.meta.title.as_deref(), Some("Привет"));
        assert_eq!(ex.meta.author.as_deref(), Some("Петров <p@x.ru>"));
        assert!(ex.text.unwrap().contains("Привет\n"));
        // No charset declared, 8-bit Latin-1 body: guessed rather than replaced.
        let mail = b"From: a@x.com\nSubject: s\n\nna\xefve caf\xe9 r\xe9sum\xe9 \xe0 la fa\xe7on\n";
        let text = extract(mail, "l.eml").unwrap().text.unwrap();
        assert!(text.contains("café résumé"), "{text}");
    }

    #[test]
    fn dedupe_key_ignores_transport_headers() {
        let a = "Received: from a.example by b.example; Mon, 1 Jan 2001 00:00:00 -0000\nMessage-ID: <same@x>\nFrom: a@x.com\nSubject: s\n\nHello   world\n";
        let b = "Received: from c.example by d.example; Tue, 2 Jan 2001 00:00:00 -0000\nReceived: from e by f; Tue, 2 Jan 2001 00:00:01 -0000\nMessage-ID: <same@x>\nFrom: a@x.com\nSubject: s\n\nHello world\n\n";
        let c = "Message-ID: <same@x>\nFrom: a@x.com\nSubject: s\n\nHello there\n";
        let ka = extract(a.as_bytes(), "a").unwrap().dedupe_key.unwrap();
        let kb = extract(b.as_bytes(), "b").unwrap().dedupe_key.unwrap();
        let kc = extract(c.as_bytes(), "c").unwrap().dedupe_key.unwrap();
        assert_eq!(ka, kb);
        assert_ne!(ka, kc);
        assert!(EmailKeys::decode(&ka).is_some(), "{ka}");
        // No Message-ID: still keyed by sender, recipients, subject, date and body.
        let plain = extract(b"From: a@x.com\nSubject: s\n\nHello\n", "n").unwrap();
        assert!(plain.dedupe_key.is_some());
        let none = extract(b"just some words\nand more\n", "t").unwrap();
        assert!(none.dedupe_key.is_none());
    }

    #[test]
    fn dedupe_key_keeps_recipients_and_attachments_apart() {
        let one = "Message-ID: <same@x>\nFrom: a@x.com\nTo: b@x.com\nCc: c@x.com\nSubject: s\n\nHello\n";
        let more_cc = one.replace("Cc: c@x.com", "Cc: c@x.com, d@x.com");
        let with_bcc = one.replace("Cc: c@x.com", "Cc: c@x.com\nBcc: secret@x.com");
        let key = |m: &str| EmailKeys::decode(&extract(m.as_bytes(), "m").unwrap().dedupe_key.unwrap()).unwrap();
        let (k1, k2, k3) = (key(one), key(&more_cc), key(&with_bcc));
        assert_ne!(k1.exact, k2.exact);
        assert_ne!(k1.exact, k3.exact);
        assert_eq!((k1.near.as_str(), k2.near.as_str()), (k3.near.as_str(), k3.near.as_str()));
        let with = |body: &str| {
            format!("Message-ID: <a@x>\nFrom: a@x.com\nSubject: s\nContent-Type: multipart/mixed; boundary=B\n\n--B\nContent-Type: text/plain\n\nSee attached.\n--B\nContent-Type: text/plain; name=a.txt\nContent-Disposition: attachment; filename=a.txt\n\n{body}\n--B--\n")
        };
        assert_ne!(key(&with("first")).exact, key(&with("second")).exact);
        assert_eq!(key(&with("first")).near, key(&with("second")).near);
    }

    #[test]
    fn headers_without_a_blank_line_before_the_body() {
        let m = "From: aperson@dom.ain\nTo: bperson@dom.ain\nSubject: here's something interesting\ncounter to RFC 2822, there's no separating newline here\nNote: a body line with a colon\n";
        let ex = extract(m.as_bytes(), "msg_35.txt").unwrap();
        assert_eq!(ex.meta.title.as_deref(), Some("here's something interesting"));
        assert_eq!(ex.meta.to, vec!["bperson@dom.ain"]);
        assert!(!ex.meta.extra.contains_key("Note"));
        let text = ex.text.unwrap();
        assert!(text.ends_with("\n\ncounter to RFC 2822, there's no separating newline here\nNote: a body line with a colon\n"), "{text}");
        assert!(ex.warning.is_none());
        // A header name with a space is not a header: the body starts there, as in Python.
        let m = "From: a@x.com\r\nSubject: s\r\nmal formed: x\r\nmore\r\n";
        let ex = extract(m.as_bytes(), "m").unwrap();
        assert!(ex.text.unwrap().ends_with("\n\nmal formed: x\r\nmore\n"));
        // A damaged line inside the header block, followed by real headers, does not end it.
        let m = "From: a@x.com\nX-Spam Status: no\nTo: b@y.com\nSubject: s\n\nbody\n";
        let ex = extract(m.as_bytes(), "m").unwrap();
        assert_eq!((ex.meta.to.as_slice(), ex.meta.title.as_deref()), (&["b@y.com".to_string()][..], Some("s")));
        // No header at all: every line is body, none is swallowed as a header.
        let m = "Send submissions to\n\tppp@zzz.org\n\nTo: subscribe, visit the site\n";
        let ex = extract(m.as_bytes(), "m").unwrap();
        assert_eq!(ex.warning.unwrap().code, "email_no_headers");
        assert!(ex.meta.to.is_empty());
        assert!(ex.text.unwrap().contains("Send submissions to\n\tppp@zzz.org\n\nTo: subscribe"));
    }

    #[test]
    fn text_without_a_subtype_is_the_body() {
        let m = "From: a@x.com\nSubject: s\nContent-Type: text; charset=us-ascii\n\nThe body, not an attachment.\n";
        let ex = extract(m.as_bytes(), "m").unwrap();
        assert!(ex.text.unwrap().ends_with("\n\nThe body, not an attachment.\n"));
        assert!(ex.children.is_empty());
    }

    #[test]
    fn envelope_line_is_not_a_header() {
        let m = "From someone@x.com  Fri Nov 26 21:40:36 2004\nFrom: A <a@x.com>\nTo: b@y.com\nSubject: s\n\nbody\n";
        let ex = extract(m.as_bytes(), "m.eml").unwrap();
        assert_eq!(ex.meta.author.as_deref(), Some("A <a@x.com>"));
        assert_eq!(ex.meta.to, vec!["b@y.com"]);
        assert!(ex.meta.extra.keys().all(|k| !k.to_ascii_lowercase().starts_with("from")), "{:?}", ex.meta.extra);
    }

    #[test]
    fn empty_headerless_and_binary() {
        let ex = extract(b"", "e").unwrap();
        assert_eq!(ex.warning.unwrap().code, "email_empty");
        let ex = extract(b"just some words\nand more\n", "t").unwrap();
        assert_eq!(ex.warning.unwrap().code, "email_no_headers");
        let err = extract(&[0u8, 1, 2, 3, 0, 0, 0, 9, 0, 0xff, 0, 0], "b").unwrap_err();
        assert_eq!(err.code, "email_unreadable");
    }

    #[test]
    fn splits_mbox() {
        let mbox =
            "From a@x Mon Jan  1 00:00:00 2001\nFrom: a@x\nSubject: one\n\nbody one\n>From here\n\nFrom the top, not a separator\n\n\
From b@x Mon Jan  1 00:00:01 2001\nFrom: b@x\nSubject: two\n\nbody two\n";
        let ex = extract_mbox(mbox.as_bytes(), "box").unwrap();
        assert_eq!(ex.extractor, "mbox");
        assert!(ex.text.is_none());
        assert_eq!(ex.children.len(), 2);
        assert_eq!(ex.children[0].name, "message-00001.eml");
        assert_eq!(ex.children[1].name, "message-00002.eml");
        assert_eq!(ex.children[0].relation, Relation::Entry);
        let one = String::from_utf8(ex.children[0].bytes.clone()).unwrap();
        assert_eq!(one, "From: a@x\nSubject: one\n\nbody one\nFrom here\n\nFrom the top, not a separator\n");
        assert_eq!(String::from_utf8(ex.children[1].bytes.clone()).unwrap(), "From: b@x\nSubject: two\n\nbody two\n");

        let crlf = mbox.replace('\n', "\r\n");
        let ex = extract_mbox(crlf.as_bytes(), "box").unwrap();
        assert_eq!(ex.children.len(), 2);
        assert!(ex.children[1].bytes.starts_with(b"From: b@x\r\n"));
        assert!(extract_mbox(b"not a mailbox", "x").is_err());

        // gmime style: Netscape "From -" lines with no blank line before them; Tika style:
        // envelope lines and no headers at all.
        let g = "From - \nFrom: a@x\nSubject: one\n\nbody\nFrom - \nFrom: b@x\nSubject: two\n\nbody\n";
        assert_eq!(extract_mbox(g.as_bytes(), "g").unwrap().children.len(), 2);
        let t = "From someone Mon Jun 01 10:00:00 2009\n\nTest content 1\n\nFrom someone Mon Jun 01 11:00:00 2010\n\nTest content 2\n";
        let ex = extract_mbox(t.as_bytes(), "t").unwrap();
        assert_eq!(ex.children.len(), 2);
        assert_eq!(ex.children[1].bytes, b"\nTest content 2\n");
    }

    /// A minimal .msg built in memory: subject, sender, a recipient, body, date, attachment.
    fn tiny_msg() -> Vec<u8> {
        use std::io::Write;
        let mut f = cfb::CompoundFile::create(Cursor::new(Vec::new())).unwrap();
        let utf16 = |s: &str| s.encode_utf16().flat_map(|u| u.to_le_bytes()).collect::<Vec<u8>>();
        let put = |f: &mut cfb::CompoundFile<Cursor<Vec<u8>>>, path: &str, data: &[u8]| {
            f.create_stream(path).unwrap().write_all(data).unwrap();
        };
        put(&mut f, "/__substg1.0_0037001F", &utf16("Quarterly numbers"));
        put(&mut f, "/__substg1.0_0C1A001F", &utf16("Sally Beck"));
        put(&mut f, "/__substg1.0_0C1F001F", &utf16("/O=ENRON/OU=NA/CN=RECIPIENTS/CN=SBECK"));
        put(&mut f, "/__substg1.0_5D01001F", &utf16("sally.beck@enron.com"));
        put(&mut f, "/__substg1.0_1000001F", &utf16("See the numbers.\r\n"));
        put(&mut f, "/__substg1.0_1035001F", &utf16("<abc@enron.com>"));
        // Top-level property stream: 32-byte header, then PR_CLIENT_SUBMIT_TIME (PT_SYSTIME).
        let mut props = vec![0u8; 32];
        props.extend_from_slice(&PT_SYSTIME.to_le_bytes());
        props.extend_from_slice(&0x0039u16.to_le_bytes());
        props.extend_from_slice(&[6, 0, 0, 0]);
        props.extend_from_slice(&(((978_307_200i64 + 11_644_473_600) * 10_000_000) as u64).to_le_bytes());
        put(&mut f, "/__properties_version1.0", &props);
        f.create_storage("/__recip_version1.0_#00000000").unwrap();
        put(&mut f, "/__recip_version1.0_#00000000/__substg1.0_3001001F", &utf16("Kathy Kokas"));
        put(&mut f, "/__recip_version1.0_#00000000/__substg1.0_39FE001F", &utf16("kathy.kokas@enron.com"));
        f.create_storage("/__attach_version1.0_#00000000").unwrap();
        put(&mut f, "/__attach_version1.0_#00000000/__substg1.0_3707001F", &utf16("numbers.csv"));
        put(&mut f, "/__attach_version1.0_#00000000/__substg1.0_37010102", b"a,b\n1,2\n");
        f.flush().unwrap();
        f.into_inner().into_inner()
    }

    #[test]
    fn reads_msg() {
        let ex = extract_msg(&tiny_msg(), "m.msg").unwrap();
        let m = &ex.meta;
        assert_eq!(m.title.as_deref(), Some("Quarterly numbers"));
        assert_eq!(m.author.as_deref(), Some("Sally Beck <sally.beck@enron.com>"));
        assert_eq!(m.to, vec!["Kathy Kokas <kathy.kokas@enron.com>"]);
        assert_eq!(m.date.as_deref(), Some("2001-01-01T00:00:00Z"));
        assert_eq!(m.message_id.as_deref(), Some("abc@enron.com"));
        assert!(ex.text.as_ref().unwrap().ends_with("\n\nSee the numbers.\n"));
        assert_eq!(ex.children.len(), 1);
        assert_eq!(ex.children[0].name, "numbers.csv");
        assert_eq!(ex.children[0].bytes, b"a,b\n1,2\n");
        assert!(ex.dedupe_key.is_some());
    }

    #[test]
    fn msg_rejects_garbage() {
        assert_eq!(extract_msg(b"hello", "x.msg").unwrap_err().code, "msg_unreadable");
    }
}
