//! ZIP archives: every member becomes an entry of its own (nested archives recurse through the
//! dispatcher). Member names are kept as provenance only and never used as file-system paths,
//! so `../../etc/passwd` cannot escape anything; they are still normalised for display.

use super::{Embedded, Extracted, Problem, Relation};
use std::io::{Cursor, Read};

/// Uncompressed bytes one archive may expand to before we stop expanding it.
pub const MAX_EXPANDED_BYTES: u64 = 256 << 20;
/// Members one archive may hold before we stop expanding it.
pub const MAX_ENTRIES: usize = 50_000;
/// A member that inflates more than this many times its compressed size, past 16 MB, is a bomb.
const MAX_RATIO: u64 = 1000;

pub fn extract_zip(bytes: &[u8], _name: &str) -> Result<Extracted, Problem> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(zip_problem)?;
    let mut ex = Extracted { extractor: "zip".into(), ..Default::default() };
    let mut expanded = 0u64;
    let mut skipped_encrypted = 0usize;
    for i in 0..zip.len() {
        if i >= MAX_ENTRIES {
            ex.warning = Some(bomb(format!("the archive holds more than {MAX_ENTRIES} files; the rest were not expanded")));
            break;
        }
        let mut entry = match zip.by_index(i) {
            Ok(e) => e,
            Err(zip::result::ZipError::UnsupportedArchive(m)) if m.contains("assword") => {
                skipped_encrypted += 1;
                continue;
            }
            Err(e) => {
                ex.warning = Some(zip_problem(e));
                break;
            }
        };
        if entry.is_dir() {
            continue;
        }
        if entry.encrypted() {
            skipped_encrypted += 1;
            continue;
        }
        // Shown decoded (CP437 unless flagged UTF-8); the exact bytes are kept as provenance.
        let raw = entry.name_raw().to_vec();
        let name = display_name(&crate::extract::names::zip_member_name(&raw, entry.name()));
        let left = MAX_EXPANDED_BYTES - expanded;
        let ratio_cap = (entry.compressed_size().max(1)).saturating_mul(MAX_RATIO).max(16 << 20);
        let mut buf = Vec::with_capacity(entry.size().min(left).min(64 << 20) as usize);
        match read_bounded(&mut entry, &mut buf, left, ratio_cap) {
            Ok(Bound::Fits) => {}
            Ok(Bound::Total) => {
                ex.warning = Some(bomb(format!(
                    "the archive expands to more than {} MB (possible zip bomb); expansion stopped at '{name}'",
                    MAX_EXPANDED_BYTES >> 20
                )));
                break;
            }
            Ok(Bound::Ratio) => {
                ex.warning = Some(bomb(format!(
                    "'{name}' inflates more than {MAX_RATIO} times its compressed size (zip bomb); it was not expanded"
                )));
                continue;
            }
            Err(e) => {
                ex.warning = Some(Problem::new("expand", "zip_damaged", format!("damaged archive: could not read '{name}' ({e})")));
                continue;
            }
        }
        let got = buf.len() as u64;
        expanded += got;
        if raw != name.as_bytes() {
            ex.raw_names.insert(ex.children.len(), raw);
        }
        ex.children.push(Embedded { name, bytes: buf, relation: Relation::Entry });
    }
    if skipped_encrypted > 0 && ex.warning.is_none() {
        ex.warning = Some(Problem::new(
            "expand",
            "zip_encrypted",
            format!("encrypted archive: {skipped_encrypted} file(s) need a password and were kept unexpanded inside the archive"),
        ));
    }
    Ok(ex)
}

enum Bound {
    Fits,
    /// More than the archive's remaining allowance.
    Total,
    /// Inflating far beyond its compressed size.
    Ratio,
}

/// Reads `r` into `buf` a megabyte at a time, stopping as soon as a limit is crossed, so a
/// bomb is caught after a few megabytes instead of after exhausting memory.
fn read_bounded(r: &mut impl Read, buf: &mut Vec<u8>, total_cap: u64, ratio_cap: u64) -> std::io::Result<Bound> {
    let mut chunk = vec![0u8; 1 << 20];
    loop {
        let n = r.read(&mut chunk)?;
        if n == 0 {
            return Ok(Bound::Fits);
        }
        // Judged before the bytes are kept: the buffer never grows past a limit (growing it
        // would double its allocation for bytes about to be thrown away).
        let len = (buf.len() + n) as u64;
        if len > ratio_cap {
            return Ok(Bound::Ratio);
        }
        if len > total_cap {
            return Ok(Bound::Total);
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

fn bomb(reason: String) -> Problem {
    Problem::new("expand", "expansion_limit", reason)
}

fn zip_problem(e: zip::result::ZipError) -> Problem {
    use zip::result::ZipError::*;
    match e {
        InvalidArchive(m) if m.contains("EOCD") || m.contains("end of central") || m.contains("ould not find") => {
            Problem::new("expand", "zip_truncated", "truncated zip archive: its directory is missing, so its contents cannot be listed")
        }
        Io(err) if err.kind() == std::io::ErrorKind::UnexpectedEof => {
            Problem::new("expand", "zip_truncated", "truncated zip archive: the file ends before its contents do")
        }
        UnsupportedArchive(m) => Problem::new("expand", "zip_unsupported", format!("zip archive uses a feature we cannot read: {m}")),
        other => Problem::new("expand", "zip_damaged", format!("damaged zip archive: {other}")),
    }
}

/// A member name as provenance: forward slashes, no `.`/`..`/empty components, no drive or
/// root. It never reaches the file system.
fn display_name(raw: &str) -> String {
    let parts: Vec<&str> = raw.split(['/', '\\']).filter(|p| !p.is_empty() && *p != "." && *p != ".." && !p.ends_with(':')).collect();
    if parts.is_empty() {
        "unnamed".into()
    } else {
        parts.join("/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn make_zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, data) in entries {
            w.start_file(*name, zip::write::SimpleFileOptions::default()).unwrap();
            w.write_all(data).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    #[test]
    fn lists_members_and_neutralises_escaping_paths() {
        let z = make_zip(&[("a/b.txt", b"hello"), ("../../etc/passwd", b"root"), ("C:\\x\\..\\y.txt", b"y")]);
        let ex = extract_zip(&z, "t.zip").unwrap();
        let names: Vec<_> = ex.children.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["a/b.txt", "etc/passwd", "x/y.txt"]);
        assert!(ex.children.iter().all(|c| c.relation == Relation::Entry));
    }

    #[test]
    fn truncated_zip_is_a_problem_with_words() {
        let z = make_zip(&[("a.txt", &[b'a'; 1000])]);
        let err = extract_zip(&z[..z.len() / 2], "t.zip").unwrap_err();
        assert_eq!(err.code, "zip_truncated", "{err:?}");
    }

    #[test]
    fn bomb_is_stopped() {
        let big = vec![0u8; 100 << 20];
        let z = make_zip(&[("zeros.bin", &big)]);
        let ex = extract_zip(&z, "bomb.zip").unwrap();
        assert!(ex.children.is_empty());
        assert_eq!(ex.warning.unwrap().code, "expansion_limit");
    }
}
