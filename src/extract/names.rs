//! File and member names carried losslessly.
//!
//! Evidence arrives with names that are not UTF-8: Latin-1 names from old Windows shares,
//! CP437 names inside zip archives. A name is provenance, so its exact bytes are kept (the
//! `*_raw` BLOB columns) whenever they differ from the text shown, and the text shown marks
//! every byte it could not decode as `\xHH` (`caf\xE9.txt`): readable, searchable by its
//! readable part, and never silently merged with another name the way U+FFFD replacement
//! would merge `caf\xE9.txt` and `caf\xE8.txt`.

use std::path::{Path, PathBuf};

/// `bytes` as text: valid UTF-8 runs as they are, every other byte as `\xHH`.
pub fn escape_bytes(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        out.push_str(chunk.valid());
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02X}"));
        }
    }
    out
}

/// The bytes of a path as the operating system gave them.
#[cfg(unix)]
pub fn path_bytes(p: &Path) -> Vec<u8> {
    use std::os::unix::ffi::OsStrExt;
    p.as_os_str().as_bytes().to_vec()
}

/// The bytes of a path as the operating system gave them (UTF-8, lossy: Windows paths are
/// UTF-16 and almost never ill-formed).
#[cfg(not(unix))]
pub fn path_bytes(p: &Path) -> Vec<u8> {
    p.to_string_lossy().into_owned().into_bytes()
}

/// A path as shown and stored in text columns (see [`escape_bytes`]).
pub fn display_path(p: &Path) -> String {
    escape_bytes(&path_bytes(p))
}

/// The last component of a path as shown (see [`escape_bytes`]).
pub fn display_file_name(p: &Path) -> String {
    p.file_name().map(|n| display_path(Path::new(n))).unwrap_or_default()
}

/// The exact bytes of `shown`'s source, when they are not simply `shown` in UTF-8.
pub fn raw_if_different(raw: &[u8], shown: &str) -> Option<Vec<u8>> {
    (raw != shown.as_bytes()).then(|| raw.to_vec())
}

/// The exact bytes of a path, when they are not valid UTF-8 (so not what is shown).
pub fn raw_path(p: &Path) -> Option<Vec<u8>> {
    let raw = path_bytes(p);
    std::str::from_utf8(&raw).is_err().then_some(raw)
}

/// Upper-case hex, how raw name bytes cross the API (`path_bytes`).
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

/// The reverse of [`hex`]; `None` when `s` is not hex.
pub fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok()).collect()
}

/// Code page 437 (the IBM PC character set) above ASCII: what a zip member name means when
/// the archive does not flag it as UTF-8 (APPNOTE.TXT, appendix D).
const CP437_HIGH: [char; 128] = [
    'Ç', 'ü', 'é', 'â', 'ä', 'à', 'å', 'ç', 'ê', 'ë', 'è', 'ï', 'î', 'ì', 'Ä', 'Å', //
    'É', 'æ', 'Æ', 'ô', 'ö', 'ò', 'û', 'ù', 'ÿ', 'Ö', 'Ü', '¢', '£', '¥', '₧', 'ƒ', //
    'á', 'í', 'ó', 'ú', 'ñ', 'Ñ', 'ª', 'º', '¿', '⌐', '¬', '½', '¼', '¡', '«', '»', //
    '░', '▒', '▓', '│', '┤', '╡', '╢', '╖', '╕', '╣', '║', '╗', '╝', '╜', '╛', '┐', //
    '└', '┴', '┬', '├', '─', '┼', '╞', '╟', '╚', '╔', '╩', '╦', '╠', '═', '╬', '╧', //
    '╨', '╤', '╥', '╙', '╘', '╒', '╓', '╫', '╪', '┘', '┌', '█', '▄', '▌', '▐', '▀', //
    'α', 'ß', 'Γ', 'π', 'Σ', 'σ', 'µ', 'τ', 'Φ', 'Θ', 'Ω', 'δ', '∞', 'φ', 'ε', '∩', //
    '≡', '±', '≥', '≤', '⌠', '⌡', '÷', '≈', '°', '∙', '·', '√', 'ⁿ', '²', '■', '\u{a0}',
];

/// Decodes CP437 bytes.
pub fn cp437(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| if b < 0x80 { b as char } else { CP437_HIGH[(b - 0x80) as usize] }).collect()
}

/// The readable name of a zip member from its raw bytes and the name the zip reader decoded
/// (UTF-8 when the archive flags it, or from an Info-ZIP Unicode path field; CP437
/// otherwise). One correction: an unflagged name whose bytes are valid UTF-8 is read as UTF-8
/// — archivers on macOS and Linux write UTF-8 without the flag, and real CP437 text is almost
/// never valid UTF-8 (its accented letters are lone bytes above 0x7F).
pub fn zip_member_name(raw: &[u8], decoded: &str) -> String {
    match std::str::from_utf8(raw) {
        Ok(utf8) if decoded == cp437(raw) => utf8.to_string(),
        _ => decoded.to_string(),
    }
}

/// Serde for a path as its exact bytes, so a job naming a non-UTF-8 file crosses the worker
/// pipe intact (serde_json refuses such a `PathBuf`).
pub mod path_serde {
    use super::*;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(p: &Path, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(&path_bytes(p))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<PathBuf, D::Error> {
        let bytes = Vec::<u8>::deserialize(d)?;
        Ok(from_bytes(bytes))
    }

    #[cfg(unix)]
    fn from_bytes(bytes: Vec<u8>) -> PathBuf {
        use std::os::unix::ffi::OsStringExt;
        PathBuf::from(std::ffi::OsString::from_vec(bytes))
    }

    #[cfg(not(unix))]
    fn from_bytes(bytes: Vec<u8>) -> PathBuf {
        PathBuf::from(String::from_utf8_lossy(&bytes).into_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_only_what_is_not_utf8() {
        assert_eq!(escape_bytes(b"caf\xE9.txt"), "caf\\xE9.txt");
        assert_eq!(escape_bytes("café.txt".as_bytes()), "café.txt");
        assert_eq!(escape_bytes(b"\xFF\xFEx"), "\\xFF\\xFEx");
        assert_ne!(escape_bytes(b"caf\xE9"), escape_bytes(b"caf\xE8"));
    }

    #[test]
    fn cp437_and_zip_names() {
        assert_eq!(cp437(b"caf\x82 \x94"), "café ö");
        // Unflagged CP437: the reader's CP437 decoding stands.
        assert_eq!(zip_member_name(b"caf\x82.txt", &cp437(b"caf\x82.txt")), "café.txt");
        // Unflagged but UTF-8 bytes: read as UTF-8.
        let utf8 = "café.txt".as_bytes();
        assert_eq!(zip_member_name(utf8, &cp437(utf8)), "café.txt");
        // Flagged UTF-8: as decoded.
        assert_eq!(zip_member_name(utf8, "café.txt"), "café.txt");
    }

    #[test]
    fn hex_round_trips() {
        assert_eq!(hex(b"a\xE9"), "61E9");
        assert_eq!(unhex("61E9").unwrap(), b"a\xE9");
        assert!(unhex("6").is_none());
    }

    #[cfg(unix)]
    #[test]
    fn non_utf8_path_serializes_exactly() {
        use std::os::unix::ffi::OsStrExt;
        #[derive(serde::Serialize, serde::Deserialize)]
        struct J {
            #[serde(with = "path_serde")]
            p: PathBuf,
        }
        let p = PathBuf::from(std::ffi::OsStr::from_bytes(b"/tmp/caf\xE9.txt"));
        let s = serde_json::to_string(&J { p: p.clone() }).unwrap();
        let back: J = serde_json::from_str(&s).unwrap();
        assert_eq!(back.p, p);
        assert_eq!(display_path(&p), "/tmp/caf\\xE9.txt");
        assert_eq!(raw_path(&p).unwrap(), b"/tmp/caf\xE9.txt");
    }
}
