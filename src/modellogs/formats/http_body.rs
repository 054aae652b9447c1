//! HTTP bodies as recording tools keep them, made readable again.
//!
//! vcrpy records what went over the wire: a response body still compressed with its
//! `Content-Encoding` (gzip, deflate, br, zstd) is stored as a `!!binary` base64 scalar, and an
//! AWS event stream (Bedrock `InvokeModelWithResponseStream`, `ConverseStream`) as the binary
//! frames themselves. pydantic-ai stores the body already parsed (`parsed_body:`, or
//! `body: {type: json, content: …}`). Every form comes out here as either parsed JSON or the
//! plain bytes of the body, or as a reason, in words a reviewer can act on, why it could not be
//! read: a body that cannot be read must be reported, never taken for an empty answer.

use std::io::Read;

use base64::Engine;
use serde_json::Value;

/// No decompressed body is allowed to grow past this: a real model response is far smaller,
/// and a larger one can only be damaged data or a decompression bomb.
const MAX_BODY: u64 = 256 << 20;

/// A recorded body.
#[derive(Debug)]
pub(crate) enum Body {
    /// The recording has no body.
    Absent,
    /// Stored already parsed (pydantic-ai's `parsed_body`).
    Parsed(Value),
    /// The body's bytes as they went over the wire (possibly still compressed).
    Bytes(Vec<u8>),
}

/// The body of a recorded request or response (`msg` is the `request:` or `response:`
/// mapping, converted from YAML with `!!binary` scalars as `{"$binary": base64}`).
pub(crate) fn recorded_body(msg: &Value) -> Result<Body, String> {
    if let Some(p) = msg.get("parsed_body").filter(|p| !p.is_null()) {
        return Ok(match p {
            Value::String(s) => Body::Bytes(s.as_bytes().to_vec()),
            other => Body::Parsed(other.clone()),
        });
    }
    let Some(b) = msg.get("body").filter(|b| !b.is_null()) else { return Ok(Body::Absent) };
    // pydantic-ai's newer form: `body: {type: json|text, content: …}`.
    if let (Some(kind), Some(content)) = (b.get("type").and_then(|t| t.as_str()), b.get("content")) {
        return Ok(match (kind, content) {
            (_, Value::String(s)) => Body::Bytes(s.as_bytes().to_vec()),
            ("json", v) => Body::Parsed(v.clone()),
            (_, v) => Body::Parsed(v.clone()),
        });
    }
    let inner = b.get("string").unwrap_or(b);
    match inner {
        Value::Null => Ok(Body::Absent),
        Value::String(s) => Ok(Body::Bytes(binary_scalar(s, msg).unwrap_or_else(|| s.as_bytes().to_vec()))),
        Value::Object(o) if o.contains_key("$binary") => {
            let text = o["$binary"].as_str().unwrap_or("");
            base64::engine::general_purpose::STANDARD
                .decode(text)
                .map(Body::Bytes)
                .map_err(|e| format!("the body is recorded as binary (base64) but the base64 is damaged ({e})"))
        }
        other => Ok(Body::Parsed(other.clone())),
    }
}

/// The bytes of a `!!binary` scalar. The YAML reader resolves the tag to YAML's own
/// `tag:yaml.org,2002:binary` and hands the scalar over as a plain string, so the base64 is
/// recognised here: only base64 characters, and bytes that are what a binary body is — a
/// compressed body its headers announce, a gzip or zstd stream, AWS event-stream frames, or
/// JSON or server-sent events — so a text body is never mistaken for one.
fn binary_scalar(s: &str, msg: &Value) -> Option<Vec<u8>> {
    let compact: String = s.split_whitespace().collect();
    if compact.len() < 8
        || !compact.len().is_multiple_of(4)
        || !compact.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/' || b == b'=')
    {
        return None;
    }
    let bytes = base64::engine::general_purpose::STANDARD.decode(compact).ok()?;
    let encoded = super::openai_chat::header(msg.get("headers"), "content-encoding")
        .is_some_and(|e| !e.trim().is_empty() && !e.trim().eq_ignore_ascii_case("identity"));
    let plausible = encoded
        || bytes.starts_with(&[0x1f, 0x8b])
        || bytes.starts_with(&[0x28, 0xb5, 0x2f, 0xfd])
        || looks_like_event_stream(&bytes)
        || serde_json::from_slice::<Value>(&bytes).is_ok()
        || std::str::from_utf8(&bytes).is_ok_and(|t| t.contains("data:"));
    plausible.then_some(bytes)
}

/// Undoes a `Content-Encoding` (`gzip`, `x-gzip`, `deflate`, `br`, `zstd`; several,
/// comma-separated, are undone last first). A gzip or zstd body is also recognised by its magic
/// bytes when the header was not recorded. `identity` and an absent header leave the bytes as
/// they are.
pub(crate) fn decode_content(bytes: Vec<u8>, encoding: Option<&str>) -> Result<Vec<u8>, String> {
    let mut codings: Vec<String> =
        encoding.unwrap_or("").split(',').map(|c| c.trim().to_ascii_lowercase()).filter(|c| !c.is_empty() && c != "identity").collect();
    if codings.is_empty() {
        if bytes.starts_with(&[0x1f, 0x8b]) {
            codings.push("gzip".into());
        } else if bytes.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            codings.push("zstd".into());
        }
    }
    let mut body = bytes;
    for coding in codings.iter().rev() {
        body = decode_one(&body, coding)?;
    }
    Ok(body)
}

fn read_limited(r: impl Read, coding: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    r.take(MAX_BODY + 1).read_to_end(&mut out).map_err(|e| {
        format!("the body is compressed ({coding}) but could not be decompressed ({e}); the recording is damaged or was cut short")
    })?;
    if out.len() as u64 > MAX_BODY {
        return Err(format!(
            "the body is compressed ({coding}) and decompresses to more than {} MiB, which no model response is; it was not read",
            MAX_BODY >> 20
        ));
    }
    Ok(out)
}

fn decode_one(b: &[u8], coding: &str) -> Result<Vec<u8>, String> {
    match coding {
        "gzip" | "x-gzip" => read_limited(flate2::read::MultiGzDecoder::new(b), coding),
        // HTTP `deflate` is a zlib stream; some servers send raw deflate instead.
        "deflate" => read_limited(flate2::read::ZlibDecoder::new(b), coding)
            .or_else(|zlib_err| read_limited(flate2::read::DeflateDecoder::new(b), coding).map_err(|_| zlib_err)),
        "br" => read_limited(brotli_decompressor::Decompressor::new(b, 8192), coding),
        "zstd" => {
            let d = zstd::stream::read::Decoder::new(b)
                .map_err(|e| format!("the body is compressed (zstd) but could not be decompressed ({e})"))?;
            read_limited(d, coding)
        }
        other => Err(format!("the body uses the content encoding `{other}`, which Exhibit cannot decode; it was not read")),
    }
}

/// Whether `b` starts like an AWS event-stream frame: a plausible total and header length and
/// a matching prelude checksum (so a text or JSON body is never mistaken for one).
pub(crate) fn looks_like_event_stream(b: &[u8]) -> bool {
    if b.len() < 16 {
        return false;
    }
    let total = u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize;
    let hlen = u32::from_be_bytes([b[4], b[5], b[6], b[7]]) as usize;
    total >= 16 + hlen && crc32fast::hash(&b[..8]) == u32::from_be_bytes([b[8], b[9], b[10], b[11]])
}

/// One decoded event-stream message: its `:event-type` (or `:exception-type`), whether it is
/// an exception, and its JSON payload (`{"bytes": base64}` payloads, as InvokeModel streams
/// wrap each chunk, unwrapped).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct StreamEvent {
    pub kind: String,
    pub exception: bool,
    pub payload: Value,
}

/// Decodes the frames of an AWS event stream: each is a prelude (total length, headers length,
/// prelude CRC-32), the headers, the payload and a CRC-32 of the whole message. A frame whose
/// lengths or checksums do not hold is an error naming it; the frames before it are not
/// returned either, since a stream that is damaged anywhere cannot be vouched for.
pub(crate) fn aws_event_stream(b: &[u8]) -> Result<Vec<StreamEvent>, String> {
    let mut out = Vec::new();
    let mut p = 0usize;
    let mut n = 0usize;
    while p < b.len() {
        n += 1;
        let frame = &b[p..];
        let damaged = |what: &str| format!("frame {n} of the AWS event stream is damaged ({what}); the streamed answer could not be read");
        if frame.len() < 16 {
            return Err(damaged("it is cut short"));
        }
        let total = u32::from_be_bytes([frame[0], frame[1], frame[2], frame[3]]) as usize;
        let hlen = u32::from_be_bytes([frame[4], frame[5], frame[6], frame[7]]) as usize;
        if crc32fast::hash(&frame[..8]) != u32::from_be_bytes([frame[8], frame[9], frame[10], frame[11]]) {
            return Err(damaged("the checksum of its length prefix does not match"));
        }
        if total < 16 + hlen || total > frame.len() {
            return Err(damaged("its stated length runs past the end of the recording"));
        }
        let crc = u32::from_be_bytes([frame[total - 4], frame[total - 3], frame[total - 2], frame[total - 1]]);
        if crc32fast::hash(&frame[..total - 4]) != crc {
            return Err(damaged("the checksum of its contents does not match"));
        }
        let (kind, message_type) = event_headers(&frame[12..12 + hlen]).ok_or_else(|| damaged("its headers cannot be read"))?;
        let payload = &frame[12 + hlen..total - 4];
        let mut v: Value = serde_json::from_slice(payload).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(payload).into_owned()));
        if let Some(inner) = v.get("bytes").and_then(|x| x.as_str()) {
            let inner = base64::engine::general_purpose::STANDARD
                .decode(inner)
                .map_err(|e| damaged(&format!("its chunk is not valid base64: {e}")))?;
            v = serde_json::from_slice(&inner).map_err(|e| damaged(&format!("its chunk is not JSON: {e}")))?;
        }
        out.push(StreamEvent { kind, exception: message_type == "exception" || message_type == "error", payload: v });
        p += total;
    }
    Ok(out)
}

/// `:event-type` (or `:exception-type` / `:error-code`) and `:message-type` from a frame's
/// headers: name length (u8), name, value type (u8), value.
fn event_headers(h: &[u8]) -> Option<(String, String)> {
    let (mut kind, mut message_type) = (String::new(), String::new());
    let mut i = 0;
    while i < h.len() {
        let nl = *h.get(i)? as usize;
        let name = std::str::from_utf8(h.get(i + 1..i + 1 + nl)?).ok()?;
        i += 1 + nl;
        let ty = *h.get(i)?;
        i += 1;
        match ty {
            0 | 1 => {}
            2 => i += 1,
            3 => i += 2,
            4 => i += 4,
            5 | 8 => i += 8,
            6 | 7 => {
                let l = u16::from_be_bytes(h.get(i..i + 2)?.try_into().ok()?) as usize;
                let val = String::from_utf8_lossy(h.get(i + 2..i + 2 + l)?).into_owned();
                match name {
                    ":event-type" | ":exception-type" | ":error-code" => kind = val,
                    ":message-type" => message_type = val,
                    _ => {}
                }
                i += 2 + l;
            }
            9 => i += 16,
            _ => return None,
        }
    }
    Some((kind, message_type))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// One event-stream frame with a string `:event-type` header, checksums computed.
    fn frame(event: &str, payload: &[u8]) -> Vec<u8> {
        let mut headers = Vec::new();
        for (name, value) in [(":event-type", event), (":message-type", "event")] {
            headers.push(name.len() as u8);
            headers.extend_from_slice(name.as_bytes());
            headers.push(7);
            headers.extend_from_slice(&(value.len() as u16).to_be_bytes());
            headers.extend_from_slice(value.as_bytes());
        }
        let total = (16 + headers.len() + payload.len()) as u32;
        let mut f = Vec::new();
        f.extend_from_slice(&total.to_be_bytes());
        f.extend_from_slice(&(headers.len() as u32).to_be_bytes());
        let prelude_crc = crc32fast::hash(&f);
        f.extend_from_slice(&prelude_crc.to_be_bytes());
        f.extend_from_slice(&headers);
        f.extend_from_slice(payload);
        let crc = crc32fast::hash(&f);
        f.extend_from_slice(&crc.to_be_bytes());
        f
    }

    #[test]
    fn frames_decoded_and_checked() {
        let chunk = base64::engine::general_purpose::STANDARD.encode(br#"{"type":"content_block_delta","delta":{"text":"Hi"}}"#);
        let mut stream = frame("chunk", format!(r#"{{"bytes":"{chunk}"}}"#).as_bytes());
        stream.extend(frame("metadata", br#"{"usage":{"inputTokens":3}}"#));
        assert!(looks_like_event_stream(&stream));
        let evs = aws_event_stream(&stream).unwrap();
        assert_eq!(evs.len(), 2);
        assert_eq!(evs[0].kind, "chunk");
        assert_eq!(evs[0].payload["delta"]["text"], "Hi");
        assert_eq!(evs[1].payload["usage"]["inputTokens"], 3);
        // One flipped byte in the second frame's payload: its checksum says so.
        let mut bad = stream.clone();
        let at = bad.len() - 8;
        bad[at] ^= 0x20;
        let e = aws_event_stream(&bad).unwrap_err();
        assert!(e.contains("frame 2") && e.contains("checksum"), "{e}");
        // Cut short.
        let e = aws_event_stream(&stream[..stream.len() - 3]).unwrap_err();
        assert!(e.contains("frame 2"), "{e}");
        assert!(!looks_like_event_stream(b"{\"json\": \"not a frame at all\"}"));
    }

    #[test]
    fn content_encodings() {
        let plain = br#"{"ok":true}"#.to_vec();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(&plain).unwrap();
        let gz = gz.finish().unwrap();
        assert_eq!(decode_content(gz.clone(), Some("gzip")).unwrap(), plain);
        // Recognised without the header too.
        assert_eq!(decode_content(gz.clone(), None).unwrap(), plain);
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(&plain).unwrap();
        assert_eq!(decode_content(z.finish().unwrap(), Some("deflate")).unwrap(), plain);
        let mut raw = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        raw.write_all(&plain).unwrap();
        assert_eq!(decode_content(raw.finish().unwrap(), Some("deflate")).unwrap(), plain);
        let zs = zstd::bulk::compress(&plain, 3).unwrap();
        assert_eq!(decode_content(zs, Some("zstd")).unwrap(), plain);
        assert_eq!(decode_content(plain.clone(), Some("identity")).unwrap(), plain);
        let e = decode_content(gz[..gz.len() / 2].to_vec(), Some("gzip")).unwrap_err();
        assert!(e.contains("gzip") && e.contains("cut short"), "{e}");
        let e = decode_content(plain, Some("compress")).unwrap_err();
        assert!(e.contains("`compress`"), "{e}");
    }
}
