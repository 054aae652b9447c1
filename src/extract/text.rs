//! Plain text, Markdown, CSV, JSON and anything else that is characters: decoded to UTF-8.

use super::{Extracted, Problem};

/// Text beyond this many bytes is not indexed (the original is still kept whole).
pub const MAX_TEXT_BYTES: usize = 64 << 20;

pub fn extract(bytes: &[u8], _name: &str) -> Result<Extracted, Problem> {
    let mut ex = Extracted { extractor: "text".into(), ..Default::default() };
    let slice = if bytes.len() > MAX_TEXT_BYTES {
        ex.warning = Some(Problem::extract(
            "text_truncated",
            format!("text longer than {} MB: only the first {} MB is searchable", MAX_TEXT_BYTES >> 20, MAX_TEXT_BYTES >> 20),
        ));
        &bytes[..MAX_TEXT_BYTES]
    } else {
        bytes
    };
    ex.text = Some(decode(slice));
    Ok(ex)
}

/// Decodes bytes of unknown charset: BOM first, then strict UTF-8, then a statistical guess
/// (legacy Windows-1252 mail and Shift-JIS memos are common in real matters).
pub fn decode(bytes: &[u8]) -> String {
    if let Some((enc, bom_len)) = encoding_rs::Encoding::for_bom(bytes) {
        let (s, _) = enc.decode_without_bom_handling(&bytes[bom_len..]);
        return s.into_owned();
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        return s.to_owned();
    }
    let mut det = chardetng::EncodingDetector::new();
    det.feed(bytes, true);
    let enc = det.guess(None, true);
    let (s, _, _) = enc.decode(bytes);
    s.into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_utf8_bom_and_latin1() {
        assert_eq!(decode("héllo".as_bytes()), "héllo");
        assert_eq!(decode(b"\xEF\xBB\xBFabc"), "abc");
        assert_eq!(decode(b"caf\xe9 cr\xe8me br\xfbl\xe9e"), "café crème brûlée");
        assert_eq!(decode(b"\xFF\xFEa\x00b\x00"), "ab");
    }
}
