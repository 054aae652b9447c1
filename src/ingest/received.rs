//! Productions received from another party (or our own, loaded into another matter): a folder
//! holding a Concordance DAT, usually an Opticon OPT, and IMAGES / TEXT / NATIVES folders.
//!
//! Each DAT row becomes one item that keeps its Bates range (`bates_prefix`, `bates_first`,
//! `bates_last`, `bates_begin`, `bates_end` in its metadata: `bates:ACME-0000012` finds it), the
//! DAT's fields (mapped to ours where the usual names are used, every one kept as `dat:NAME`),
//! its text (the TEXT file), and its original: the native when there is one, else its page
//! images (the first as the original, every other page kept in the blob store and listed), else
//! the text. BEGATTACH makes families. Real productions differ — field names, encodings, `\` or
//! `/` paths, no header row, missing TEXT — and what cannot be linked (a file the row names that
//! is missing or is not what it claims, a Bates number used twice, a malformed row) is an error
//! record on that item, naming the row: nothing of the row is dropped.
//!
//! Paths a load file names are resolved inside the production folder only: a DAT cannot make
//! Exhibit read a file outside the folder it was given.

use super::pipeline::{IngestRun, SourceFile};
use super::worker::{NodeOut, Outcome};
use crate::error::Result;
use crate::extract::detect::{self, Kind};
use crate::extract::extracted::{Meta, Problem};
use crate::extract::loadfile::{self, Bates, Dat, DatRow, OptLine};
use crate::extract::names;
use crate::ingest::IngestProgress;
use crate::Matter;
use std::collections::{BTreeMap, HashMap};
use std::path::{Component, Path, PathBuf};

/// One load file of a production folder, with the OPT that goes with it.
#[derive(Debug, Clone)]
pub struct LoadSet {
    /// The production folder the user named (paths resolve inside it only).
    pub root: PathBuf,
    pub dat: PathBuf,
    pub opt: Option<PathBuf>,
}

/// A production folder: its load files, the image cross-references no DAT claimed (loaded as
/// image-only documents), and every other file in it (loaded as loose files, so nothing in the
/// folder is left out).
#[derive(Debug, Clone, Default)]
pub struct Production {
    pub sets: Vec<LoadSet>,
    pub image_only: Vec<LoadSet>,
    pub loose: Vec<PathBuf>,
    /// Files in an IMAGES folder that are not images: error records.
    pub not_images: Vec<PathBuf>,
}

/// Recognises a production folder (see [`Production`]); `None` when `root` holds no load file
/// with Bates numbers.
pub fn production(root: &Path) -> Option<Production> {
    let sets = load_sets(root);
    if sets.is_empty() {
        return None;
    }
    let mut referenced: std::collections::HashSet<PathBuf> = std::collections::HashSet::new();
    let claimed: Vec<PathBuf> = sets.iter().filter_map(|s| s.opt.clone()).collect();
    let mut image_only = Vec::new();
    for e in walkdir::WalkDir::new(root).max_depth(LOAD_FILE_DEPTH + 1).into_iter().filter_map(|e| e.ok()) {
        let p = e.path();
        if e.file_type().is_file() && p.extension().is_some_and(|x| x.eq_ignore_ascii_case("opt")) && !claimed.iter().any(|c| c == p) {
            image_only.push(LoadSet { root: root.to_path_buf(), dat: p.to_path_buf(), opt: Some(p.to_path_buf()) });
        }
    }
    for set in sets.iter().chain(&image_only) {
        referenced.extend(std::fs::canonicalize(&set.dat));
        if let Some(opt) = &set.opt {
            referenced.extend(std::fs::canonicalize(opt));
            let lines = std::fs::read(opt).ok().and_then(|b| loadfile::parse_opt(&b).ok()).unwrap_or_default();
            referenced.extend(lines.iter().filter_map(|l| resolve(set, &l.image_path)));
        }
        if set.dat.extension().is_some_and(|x| x.eq_ignore_ascii_case("dat")) {
            if let Some(dat) = std::fs::read(&set.dat).ok().and_then(|b| loadfile::parse_dat(&b).ok()) {
                for row in &dat.rows {
                    let named: Vec<&str> = if dat.has_header {
                        ["TEXTPATH", "NATIVEPATH"].iter().filter_map(|c| field(&dat, row, c)).collect()
                    } else {
                        row.values.iter().map(String::as_str).filter(|v| v.contains('\\') || v.contains('/')).collect()
                    };
                    referenced.extend(named.into_iter().filter_map(|v| resolve(set, v)));
                }
            }
        }
    }
    let mut loose = Vec::new();
    let mut not_images = Vec::new();
    for e in walkdir::WalkDir::new(root).sort_by_file_name().into_iter().filter_map(|e| e.ok()) {
        if !e.file_type().is_file() {
            continue;
        }
        let Ok(c) = std::fs::canonicalize(e.path()) else { continue };
        // Our own bundles' machinery is not evidence; a privilege log is, and is loaded.
        let machinery = matches!(e.file_name().to_str(), Some("manifest.json" | "verification.json" | "INCOMPLETE"));
        if referenced.contains(&c) || machinery {
            continue;
        }
        let in_images = e.path().components().any(|c| c.as_os_str().to_string_lossy().eq_ignore_ascii_case("images"));
        if in_images && !is_image(e.path()) {
            not_images.push(e.path().to_path_buf());
        }
        loose.push(e.path().to_path_buf());
    }
    Some(Production { sets, image_only, loose, not_images })
}

/// Whether a file starts like a page image (TIFF, PDF, JPEG, PNG).
fn is_image(p: &Path) -> bool {
    let mut head = [0u8; 8];
    let n = std::fs::File::open(p).and_then(|mut f| std::io::Read::read(&mut f, &mut head)).unwrap_or(0);
    let head = &head[..n];
    head.starts_with(b"II*\0")
        || head.starts_with(b"MM\0*")
        || head.starts_with(b"%PDF")
        || head.starts_with(&[0xFF, 0xD8])
        || head.starts_with(b"\x89PNG")
}

/// Folders at most this deep under a source are searched for load files (`DATA/`, a volume).
const LOAD_FILE_DEPTH: usize = 2;

/// The load files of a folder, if it is a production: every `.dat` (at most two levels down)
/// whose rows carry Bates numbers. An empty list: not a production.
pub fn load_sets(root: &Path) -> Vec<LoadSet> {
    let mut dats = Vec::new();
    let mut opts = Vec::new();
    for e in walkdir::WalkDir::new(root).max_depth(LOAD_FILE_DEPTH + 1).sort_by_file_name().into_iter().filter_map(|e| e.ok()) {
        if !e.file_type().is_file() {
            continue;
        }
        match e.path().extension().map(|x| x.to_string_lossy().to_ascii_lowercase()).as_deref() {
            Some("dat") => dats.push(e.path().to_path_buf()),
            Some("opt") => opts.push(e.path().to_path_buf()),
            _ => {}
        }
    }
    let mut sets = Vec::new();
    for dat in dats {
        let Ok(bytes) = std::fs::read(&dat) else { continue };
        let Ok(parsed) = loadfile::parse_dat(&bytes) else { continue };
        if !has_bates(&parsed) {
            continue;
        }
        let first = parsed.rows.first().and_then(|r| begin_of(&parsed, r));
        let dir = dat.parent().map(Path::to_path_buf).unwrap_or_default();
        let same_stem = opts.iter().find(|o| o.parent() == Some(&dir) && o.file_stem() == dat.file_stem()).cloned();
        let opt = same_stem.or_else(|| {
            // Else the OPT (in the same folder first) whose pages include the DAT's first number.
            let mut candidates: Vec<&PathBuf> = opts.iter().filter(|o| o.parent() == Some(&dir)).collect();
            candidates.extend(opts.iter().filter(|o| o.parent() != Some(&dir)));
            candidates
                .into_iter()
                .find(|o| {
                    let lines = std::fs::read(o).ok().and_then(|b| loadfile::parse_opt(&b).ok()).unwrap_or_default();
                    first.as_ref().is_some_and(|f| lines.iter().any(|l| l.page_id.eq_ignore_ascii_case(f)))
                })
                .cloned()
        });
        sets.push(LoadSet { root: root.to_path_buf(), dat, opt });
    }
    sets
}

fn has_bates(dat: &Dat) -> bool {
    dat.rows.first().is_some_and(|r| begin_of(dat, r).is_some_and(|b| Bates::parse(&b).is_some_and(|b| !b.prefix.is_empty())))
}

/// A row's first Bates number (or control number): the BEGBATES field, or, in a DAT without a
/// header row, its first value when that looks like one.
fn begin_of(dat: &Dat, row: &DatRow) -> Option<String> {
    let v = if dat.has_header { dat.get_canonical(row, "BEGBATES")? } else { row.values.first()? };
    let v = v.trim();
    (!v.is_empty()).then(|| v.to_string())
}

/// A field by our canonical name (header rows only): the column spelled that way, else the
/// first other column that means it and is not empty (exports often carry both `Subject` and
/// `Email Subject`, one of them blank).
fn field<'r>(dat: &Dat, row: &'r DatRow, canonical: &str) -> Option<&'r str> {
    if !dat.has_header {
        return None;
    }
    let exact = dat.get_canonical(row, canonical).map(str::trim).filter(|v| !v.is_empty());
    exact.or_else(|| {
        dat.fields
            .iter()
            .zip(&row.values)
            .filter(|(name, _)| loadfile::canonical_field(name) == Some(canonical))
            .map(|(_, v)| v.trim())
            .find(|v| !v.is_empty())
    })
}

/// A path named by a load file, inside the production folder: `.\VOL01\TEXT\a.txt`,
/// `VOL001/TEXT/a.txt`, `IMAGES\x.tif`, relative to the DAT's folder or to the folder above it.
/// `None` when it names nothing there (or tries to leave the folder).
fn resolve(set: &LoadSet, named: &str) -> Option<PathBuf> {
    let named = named.trim().replace('\\', "/");
    if named.is_empty() {
        return None;
    }
    let rel = Path::new(&named);
    if rel.components().any(|c| matches!(c, Component::ParentDir | Component::RootDir | Component::Prefix(_))) {
        return None;
    }
    let dat_dir = set.dat.parent()?;
    let root = std::fs::canonicalize(&set.root).ok()?;
    let mut bases = vec![dat_dir.to_path_buf()];
    bases.extend(dat_dir.parent().map(Path::to_path_buf));
    bases.push(set.root.clone());
    for base in bases {
        let p = base.join(rel);
        if let Ok(c) = std::fs::canonicalize(&p) {
            if c.starts_with(&root) && c.is_file() {
                return Some(c);
            }
        }
    }
    None
}

/// `MM/DD/YYYY`, `MM/DD/YYYY HH:MM[:SS] [AM|PM]`, `YYYY-MM-DD…` or RFC 3339 → RFC 3339 (UTC,
/// since load files carry no zone).
fn parse_date(date: &str, time: Option<&str>) -> Option<String> {
    let date = date.trim();
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(date) {
        return Some(t.with_timezone(&chrono::Utc).to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
    }
    let joined = match time.map(str::trim).filter(|t| !t.is_empty()) {
        Some(t) => format!("{date} {t}"),
        None => date.to_string(),
    };
    const WITH_TIME: &[&str] =
        &["%m/%d/%Y %I:%M %p", "%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %H:%M", "%m/%d/%Y %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S"];
    for f in WITH_TIME {
        if let Ok(t) = chrono::NaiveDateTime::parse_from_str(&joined, f) {
            return Some(t.and_utc().to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
        }
    }
    for f in ["%m/%d/%Y", "%Y-%m-%d", "%Y%m%d"] {
        if let Ok(d) = chrono::NaiveDate::parse_from_str(date, f) {
            return d.and_hms_opt(0, 0, 0).map(|t| t.and_utc().to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
        }
    }
    None
}

fn split_addresses(v: Option<&str>) -> Vec<String> {
    v.map(|v| v.split(';').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect()).unwrap_or_default()
}

/// What one row links to, and what could not be linked.
struct Linked {
    native: Option<PathBuf>,
    text: Option<PathBuf>,
    images: Vec<PathBuf>,
    problems: Vec<String>,
}

impl Matter {
    /// Loads one load file as items of the run's batch (see the module doc).
    pub(crate) fn ingest_received(&mut self, run: &mut IngestRun, set: &LoadSet, progress: &mut dyn FnMut(&IngestProgress)) -> Result<()> {
        let image_only = set.opt.as_ref() == Some(&set.dat);
        let dat = if image_only {
            // An image cross-reference no DAT claimed: one document per DOCBREAK, pages only.
            let lines = std::fs::read(&set.dat).ok().and_then(|b| loadfile::parse_opt(&b).ok()).unwrap_or_default();
            let rows = loadfile::opt_documents(&lines)
                .into_iter()
                .map(|d| DatRow { line: d.pages.first().map(|&i| lines[i].line).unwrap_or(0), values: vec![d.first] })
                .collect();
            Dat {
                encoding: loadfile::TextEncoding::Utf8,
                dialect: loadfile::DatDialect::CONCORDANCE,
                has_header: false,
                fields: vec![],
                rows,
                problems: vec![],
            }
        } else {
            let bytes = std::fs::read(&set.dat).map_err(|source| crate::Error::Read { path: set.dat.clone(), source })?;
            match loadfile::parse_dat(&bytes) {
                Ok(d) => d,
                Err(e) => {
                    return self.record_walk_error(run, &set.dat, "load_file", format!("the load file cannot be read: {e}"));
                }
            }
        };
        let dat_display = names::display_path(&set.dat);
        let (opt, opt_problem) = match &set.opt {
            None => (Vec::new(), Some("no Opticon (.opt) file goes with this load file: no page images were linked".to_string())),
            Some(p) => match std::fs::read(p).map_err(|e| e.to_string()).and_then(|b| loadfile::parse_opt(&b).map_err(|e| e.to_string())) {
                Ok(lines) => (lines, None),
                Err(e) => (
                    Vec::new(),
                    Some(format!("the image cross-reference {} cannot be read ({e}): no page images were linked", names::display_path(p))),
                ),
            },
        };
        // Pages by document: the OPT's documents, keyed by their first page.
        let mut pages_of: HashMap<String, Vec<&OptLine>> = HashMap::new();
        for d in loadfile::opt_documents(&opt) {
            pages_of.insert(d.first.to_ascii_uppercase(), d.pages.iter().map(|&i| &opt[i]).collect());
        }
        let problems_by_line: HashMap<usize, String> = dat.problems.iter().map(|p| (p.line, p.detail.clone())).collect();
        let mut seen: HashMap<String, usize> = HashMap::new();
        // Rows grouped into families: a row whose BEGATTACH is an earlier row's BEGBATES joins it.
        let mut families: Vec<Vec<(usize, &DatRow)>> = Vec::new();
        let mut family_of_begin: HashMap<String, usize> = HashMap::new();
        for (i, row) in dat.rows.iter().enumerate() {
            let begin = begin_of(&dat, row).unwrap_or_default().to_ascii_uppercase();
            let attach = field(&dat, row, "BEGATTACH").map(str::to_ascii_uppercase);
            match attach.as_ref().filter(|a| **a != begin).and_then(|a| family_of_begin.get(a)) {
                Some(&f) => families[f].push((i, row)),
                None => {
                    family_of_begin.entry(begin).or_insert(families.len());
                    families.push(vec![(i, row)]);
                }
            }
        }
        let mut pending: Vec<(SourceFile, Outcome)> = Vec::new();
        for fam in families {
            let mut nodes = Vec::new();
            let mut size = 0u64;
            for (k, (i, row)) in fam.iter().enumerate() {
                let begin = begin_of(&dat, row);
                let mut problems = Vec::new();
                if let Some(p) = problems_by_line.get(&row.line) {
                    problems.push(p.clone());
                }
                match &begin {
                    None => problems.push("the row has no Bates or control number".into()),
                    Some(b) => {
                        if let Some(prev) = seen.insert(b.to_ascii_uppercase(), row.line) {
                            problems.push(format!(
                                "the Bates number {b} was already used on line {prev}: both rows were loaded, check which is right"
                            ));
                        }
                    }
                }
                if *i == 0 {
                    problems.extend(opt_problem.clone());
                }
                let pages = begin.as_ref().and_then(|b| pages_of.get(&b.to_ascii_uppercase())).cloned().unwrap_or_default();
                let linked = self.link_row(set, &dat, row, &pages, &mut problems);
                let node = self.received_node(set, &dat, row, begin.as_deref(), &pages, linked, problems, k)?;
                let Some(node) = node else { continue };
                size += node.size;
                nodes.push(node);
            }
            if nodes.is_empty() {
                continue;
            }
            let begin = nodes[0].meta.extra.get("bates_begin").cloned().unwrap_or_default();
            let display = format!("{dat_display} [{begin}]");
            let file = SourceFile { path: set.dat.clone(), display, raw: None, size, mtime_ns: 0 };
            pending.push((file, Outcome::Done(Ok(nodes))));
            if pending.len() >= 64 {
                self.flush_received(run, &mut pending, progress)?;
            }
        }
        self.flush_received(run, &mut pending, progress)
    }

    /// Finds the files a row names: its native and text (by field, or in a DAT without a header
    /// by what the values look like) and its page images (from the OPT).
    fn link_row(&self, set: &LoadSet, dat: &Dat, row: &DatRow, pages: &[&OptLine], problems: &mut Vec<String>) -> Linked {
        let mut linked = Linked { native: None, text: None, images: Vec::new(), problems: Vec::new() };
        let named = |what: &str, v: &str, problems: &mut Vec<String>| -> Option<PathBuf> {
            let found = resolve(set, v);
            if found.is_none() {
                problems.push(format!("the {what} file {v} is not in the production folder"));
            }
            found
        };
        if dat.has_header {
            if let Some(v) = field(dat, row, "TEXTPATH") {
                linked.text = named("text", v, problems);
            }
            if let Some(v) = field(dat, row, "NATIVEPATH") {
                linked.native = named("native", v, problems);
            }
        } else {
            // No header: a value that names a file in the folder is the text (.txt) or the native.
            for v in &row.values {
                let looks_like_path = (v.contains('\\') || v.contains('/')) && Path::new(&v.replace('\\', "/")).extension().is_some();
                if !looks_like_path {
                    continue;
                }
                let is_text = v.to_ascii_lowercase().ends_with(".txt");
                match (is_text, named(if is_text { "text" } else { "native" }, v, problems)) {
                    (true, Some(p)) => linked.text = Some(p),
                    (false, Some(p)) => linked.native = Some(p),
                    _ => {}
                }
            }
        }
        let mut last: Option<PathBuf> = None;
        for l in pages {
            match resolve(set, &l.image_path) {
                Some(p) => {
                    if !is_image(&p) {
                        problems.push(format!(
                            "page {} (OPT line {}): {} is not an image (a TIFF, PDF, JPEG or PNG); it is kept, but not as a page",
                            l.page_id, l.line, l.image_path
                        ));
                    }
                    if last.as_ref() != Some(&p) {
                        linked.images.push(p.clone());
                        last = Some(p);
                    }
                }
                None => problems
                    .push(format!("page {} (OPT line {}): the image {} is not in the production folder", l.page_id, l.line, l.image_path)),
            }
        }
        problems.append(&mut linked.problems);
        linked
    }

    /// The item of one row (the caller makes the first row of a family its root).
    #[allow(clippy::too_many_arguments)]
    fn received_node(
        &self,
        set: &LoadSet,
        dat: &Dat,
        row: &DatRow,
        begin: Option<&str>,
        pages: &[&OptLine],
        linked: Linked,
        mut problems: Vec<String>,
        index_in_family: usize,
    ) -> Result<Option<NodeOut>> {
        let f = |c: &str| field(dat, row, c);
        let begin = begin.map(str::to_string).unwrap_or_else(|| format!("line {}", row.line));
        let end = f("ENDBATES").map(str::to_string).or_else(|| pages.last().map(|l| l.page_id.clone())).unwrap_or_else(|| begin.clone());
        let text = match &linked.text {
            Some(p) => match std::fs::read(p) {
                Ok(b) => Some(crate::extract::text::decode(&b)),
                Err(e) => {
                    problems.push(format!("the text file {} cannot be read ({e})", names::display_path(p)));
                    None
                }
            },
            None => None,
        };
        // The original: the native, else the first page image, else the text, else the row.
        let original = linked.native.clone().or_else(|| linked.images.first().cloned());
        let (sha256, size, name) = match &original {
            Some(p) => {
                let (sha, size) = self.store.blobs.put_file(p)?;
                (sha, size, names::display_file_name(p))
            }
            None => {
                let bytes = match &text {
                    Some(t) => t.as_bytes().to_vec(),
                    None => dat.fields.iter().zip(&row.values).map(|(k, v)| format!("{k}: {v}\n")).collect::<String>().into_bytes(),
                };
                let sha = self.store.blobs.put(&bytes)?;
                (sha, bytes.len() as u64, format!("{begin}.txt"))
            }
        };
        let mut extra: BTreeMap<String, String> = BTreeMap::new();
        // Every other page image is kept too, and listed.
        let mut more = Vec::new();
        for p in linked.images.iter().skip(if linked.native.is_some() { 0 } else { 1 }) {
            let (sha, _) = self.store.blobs.put_file(p)?;
            more.push(sha);
        }
        if !more.is_empty() {
            extra.insert("page_images".into(), more.join(" "));
        }
        if let (Some(b), Some(e)) = (Bates::parse(&begin), Bates::parse(&end)) {
            extra.insert("bates_prefix".into(), b.prefix.clone());
            extra.insert("bates_first".into(), b.number.to_string());
            extra.insert("bates_last".into(), e.number.max(b.number).to_string());
        }
        extra.insert("bates_begin".into(), begin.clone());
        extra.insert("bates_end".into(), end.clone());
        extra.insert("load_file".into(), names::display_path(&set.dat));
        extra.insert("load_file_line".into(), row.line.to_string());
        for (k, v) in dat.fields.iter().zip(&row.values) {
            if !v.trim().is_empty() {
                extra.insert(format!("dat:{k}"), v.clone());
            }
        }
        if let Some(c) = f("CUSTODIAN") {
            extra.insert("dat_custodian".into(), c.to_string());
        }
        let meta = Meta {
            title: f("SUBJECT").map(str::to_string),
            author: f("FROM").map(str::to_string),
            to: split_addresses(f("TO")),
            cc: split_addresses(f("CC")),
            bcc: split_addresses(f("BCC")),
            date: f("DATESENT").and_then(|d| parse_date(d, f("TIMESENT"))).or_else(|| f("DATECREATED").and_then(|d| parse_date(d, None))),
            modified: f("DATEMODIFIED").and_then(|d| parse_date(d, None)),
            extra,
            ..Default::default()
        };
        let head = match &original {
            Some(p) => std::fs::read(p).map(|b| b[..b.len().min(4096)].to_vec()).unwrap_or_default(),
            None => Vec::new(),
        };
        let (mut kind, mut mime) = if original.is_some() { detect::detect(&head, &name) } else { (Kind::Text, "text/plain") };
        if meta.author.is_some() && (!meta.to.is_empty() || meta.title.is_some()) && linked.native.is_none() {
            // A produced email without its native: its pages and text stand for it.
            kind = Kind::Email;
            if original.is_none() {
                mime = "text/plain";
            }
        }
        let pages_count = pages.len().max(1);
        let mut meta = meta;
        meta.extra.insert("page_count".into(), pages_count.to_string());
        let problem = (!problems.is_empty()).then(|| {
            Problem::new(
                "link",
                "production_link",
                format!("{} line {} ({begin}): {}", names::display_file_name(&set.dat), row.line, problems.join("; ")),
            )
        });
        let no_text = text.as_deref().is_none_or(|t| t.trim().is_empty());
        Ok(Some(NodeOut {
            parent: (index_in_family > 0).then_some(0),
            container: None,
            name: f("FILENAME").map(str::to_string).unwrap_or(name),
            raw_name: None,
            sha256,
            size,
            kind,
            mime: mime.to_string(),
            meta,
            text,
            pages: vec![],
            layout: None,
            extractor: "load-file".into(),
            dedupe_key: None,
            failed: no_text && problem.is_some(),
            problem,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::parse_date;

    #[test]
    fn load_file_dates_become_rfc3339() {
        assert_eq!(parse_date("4/21/2001", Some("2:48 PM")).as_deref(), Some("2001-04-21T14:48:00Z"));
        assert_eq!(parse_date("4/21/2001 2:48 PM", None).as_deref(), Some("2001-04-21T14:48:00Z"));
        assert_eq!(parse_date("01/15/2024", None).as_deref(), Some("2024-01-15T00:00:00Z"));
        assert_eq!(parse_date("2024-01-15", Some("13:05:00")).as_deref(), Some("2024-01-15T13:05:00Z"));
        assert_eq!(parse_date("not a date", None), None);
    }
}
