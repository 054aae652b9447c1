//! The library's layering, checked from its source (ARCHITECTURE.md, "Layers").
//!
//! Every top-level module of the library (`src/lib.rs`) sits on a layer and imports only
//! modules on layers below it (plus the few same-layer pairs named in [`SAME_LAYER`]); and no
//! two files of the library import each other, directly or around a circle. The checker reads
//! the source with std only: it strips comments, strings and `#[cfg(test)]` items, follows
//! `mod` declarations from `src/lib.rs` to find the library's files, and resolves every
//! `crate::…`, `super::…`, `self::…` and child-module path (in `use` trees and inline) to the
//! file that declares it, following `pub use` re-exports.
//!
//! What it cannot see: a method an upper layer adds to `Matter` (`impl Matter` in its own file)
//! is callable from any layer holding a `Matter`, without naming a path; ARCHITECTURE.md lists
//! the one such upward call known.
//!
//! Test code is exempt: an item under `#[cfg(test)]` (a `mod tests { … }`, a `mod tests;` file)
//! may reach anywhere, because unit tests build fixtures with whatever layer is handy and
//! `use super::*` is the normal way into the code they test.
//!
//! `check` takes a crate root, so the second test runs it on a deliberately bad tree
//! (tests/fixtures/layering-bad) and asserts it reports exactly that tree's faults.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

/// The layers, bottom up: a module may import the modules of lower layers only.
/// Mirrors the "Architecture invariant" lines of ARCHITECTURE.md; change both together.
const LAYERS: &[(&str, u8)] = &[
    ("error", 0),
    ("extract", 1),
    ("modellogs", 1),
    ("recognizers", 1),
    ("store", 2),
    ("index", 3),
    ("matter", 4),
    ("ingest", 5),
    ("calls", 5),
    ("intake", 6),
    ("review", 7),
    ("redact", 7),
    ("assess", 7),
    ("verify", 7),
    ("view", 8),
    ("api", 8),
    ("produce", 8),
    ("report", 8),
];

/// Same-layer imports that are allowed, one direction only (`from` may import `to`).
const SAME_LAYER: &[(&str, &str)] = &[
    // model-log import reuses the document pipeline's commit machinery; never the reverse.
    ("calls", "ingest"),
    // redaction reads review state (tags, id lists); review knows nothing of redaction.
    ("redact", "review"),
    // the exposure report draws its review sample as a tag and saves its figures' searches.
    ("assess", "review"),
    // the API serves the viewer's pages.
    ("api", "view"),
    // the API serves productions.
    ("api", "produce"),
    // a production's progress is one kind of a long request's progress (`view::WorkProgress`).
    ("view", "produce"),
    // the exposure report's PDF is laid out by the production's page renderer.
    ("report", "produce"),
    // the API writes exposure reports.
    ("api", "report"),
];

/// Known breaks owned by another change in flight, each with the file it is allowed in and why.
/// Empty now; a listed break that no longer occurs fails the test, so the list cannot go stale.
const PENDING: &[(&str, &str, &str)] = &[];

/// Known file-level circles owned by another change in flight: the files around each. Empty now.
const PENDING_CYCLES: &[(&[&str], &str)] = &[];

/// The rules the checker applies; the real tree and the fixture share the checker, not the table.
struct Rules<'a> {
    layers: &'a [(&'a str, u8)],
    same_layer: &'a [(&'a str, &'a str)],
    pending: &'a [(&'a str, &'a str, &'a str)],
    pending_cycles: &'a [(&'a [&'a str], &'a str)],
}

/// One import that breaks a layer rule.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Violation {
    file: String,
    line: usize,
    import: String,
    rule: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{}:{}: `{}` — {}", self.file, self.line, self.import, self.rule)
    }
}

/// What the checker found in one crate.
#[derive(Debug, Default)]
struct Report {
    violations: Vec<Violation>,
    /// Each file-level import circle, as the files around it (first file repeated at the end).
    cycles: Vec<Vec<String>>,
    /// Entries of the pending list that matched nothing (stale: delete them).
    stale_pending: Vec<String>,
}

#[test]
fn library_layers_hold() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let report = check(root, &Rules { layers: LAYERS, same_layer: SAME_LAYER, pending: PENDING, pending_cycles: PENDING_CYCLES });
    let mut problems = Vec::new();
    for v in &report.violations {
        problems.push(v.to_string());
    }
    for c in &report.cycles {
        problems.push(format!("file-level import circle: {} (move what both need into a file below them)", c.join(" → ")));
    }
    for p in &report.stale_pending {
        problems.push(format!("pending exception no longer needed, delete it from PENDING: {p}"));
    }
    assert!(problems.is_empty(), "the library's layering is broken (see ARCHITECTURE.md, \"Layers\"):\n{}", problems.join("\n"));
}

#[test]
fn checker_catches_a_bad_tree() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/layering-bad");
    let layers = &[("error", 0), ("store", 2), ("index", 3)];
    let report = check(&root, &Rules { layers, same_layer: &[], pending: &[], pending_cycles: &[] });
    let found: Vec<String> = report.violations.iter().map(|v| v.to_string()).collect();
    assert_eq!(
        found,
        vec!["src/store/mod.rs:5: `crate::index::SearchIndex` — store (layer 2) may not import index (layer 3): a module imports only lower layers"],
        "layer violations"
    );
    assert_eq!(report.cycles, vec![vec!["src/index/query.rs", "src/index/search.rs", "src/index/query.rs"]], "cycles");
    assert!(report.stale_pending.is_empty());
}

// ---------------------------------------------------------------------------------------------
// The checker

/// Checks the library under `root/src` against `rules`.
fn check(root: &Path, rules: &Rules) -> Report {
    let files = library_files(root);
    let by_module: BTreeMap<Vec<String>, usize> = files.iter().enumerate().map(|(i, f)| (f.module.clone(), i)).collect();
    let layer_of = |m: &str| rules.layers.iter().find(|(n, _)| *n == m).map(|(_, l)| *l);

    let mut report = Report::default();
    let mut used_pending = BTreeSet::new();
    let mut edges: BTreeMap<usize, BTreeSet<usize>> = BTreeMap::new();
    for (i, file) in files.iter().enumerate() {
        for r in &file.refs {
            let Some(target) = resolve(&files, &by_module, &r.path) else { continue };
            if target != i {
                edges.entry(i).or_default().insert(target);
            }
            let from = file.module.first().map(String::as_str);
            let to = files[target].module.first().map(String::as_str);
            let (Some(from), Some(to)) = (from, to) else { continue }; // the crate root may use anything, and re-exports
            if from == to {
                continue;
            }
            let rule = match (layer_of(from), layer_of(to)) {
                (None, _) => Some(format!("module {from} has no layer in the table: add it to ARCHITECTURE.md and LAYERS")),
                (_, None) => Some(format!("module {to} has no layer in the table: add it to ARCHITECTURE.md and LAYERS")),
                (Some(a), Some(b)) if b < a => None,
                (Some(a), Some(b)) if a == b && rules.same_layer.contains(&(from, to)) => None,
                (Some(a), Some(b)) if a == b => {
                    Some(format!("{from} and {to} share layer {a}, and {from} → {to} is not an allowed same-layer import"))
                }
                (Some(a), Some(b)) => {
                    Some(format!("{from} (layer {a}) may not import {to} (layer {b}): a module imports only lower layers"))
                }
            };
            let Some(rule) = rule else { continue };
            if let Some(p) = rules.pending.iter().position(|(f, m, _)| *f == file.rel && *m == to) {
                used_pending.insert(p);
                continue;
            }
            report.violations.push(Violation { file: file.rel.clone(), line: r.line, import: r.text.clone(), rule });
        }
    }
    report.violations.sort();
    report.violations.dedup();
    for (p, (f, m, why)) in rules.pending.iter().enumerate() {
        if !used_pending.contains(&p) {
            report.stale_pending.push(format!("{f} → {m} ({why})"));
        }
    }
    // File-level circles: strongly connected components of more than one file (one circle
    // named per component: break it and the next run names the next).
    let mut used_cycles = BTreeSet::new();
    for scc in strongly_connected(files.len(), &edges) {
        if scc.len() < 2 {
            continue;
        }
        let names: BTreeSet<&str> = scc.iter().map(|&i| files[i].rel.as_str()).collect();
        if let Some(p) = rules.pending_cycles.iter().position(|(fs, _)| names.len() == fs.len() && fs.iter().all(|f| names.contains(f))) {
            used_cycles.insert(p);
            continue;
        }
        let mut cycle: Vec<String> = one_cycle(&scc, &edges).into_iter().map(|i| files[i].rel.clone()).collect();
        if scc.len() > cycle.len() - 1 {
            let rest: Vec<&str> = names.iter().copied().filter(|n| !cycle.iter().any(|c| c == n)).collect();
            cycle.push(format!("(one circle of a knot that also takes in {})", rest.join(", ")));
        }
        report.cycles.push(cycle);
    }
    for (p, (fs, why)) in rules.pending_cycles.iter().enumerate() {
        if !used_cycles.contains(&p) {
            report.stale_pending.push(format!(
                "circle {} (no longer found as listed: gone, or grown into the circle reported above) ({why})",
                fs.join(" ↔ ")
            ));
        }
    }
    report.cycles.sort();
    report
}

/// One file of the library.
struct SourceFile {
    /// Path relative to the crate root, with `/` separators.
    rel: String,
    /// Module path (`["index", "search"]`; empty for `src/lib.rs`).
    module: Vec<String>,
    refs: Vec<Ref>,
    /// Names this file re-exports (`pub use a::B` → `B` → absolute path of `a::B`).
    reexports: BTreeMap<String, Vec<String>>,
}

/// A reference to a path of the crate, made absolute.
struct Ref {
    line: usize,
    text: String,
    path: Vec<String>,
}

/// The file a module path lives in (the longest prefix that is a file), following re-exports.
fn resolve(files: &[SourceFile], by_module: &BTreeMap<Vec<String>, usize>, path: &[String]) -> Option<usize> {
    let mut path = path.to_vec();
    for _ in 0..8 {
        let (len, idx) = (0..=path.len()).rev().find_map(|n| by_module.get(&path[..n]).map(|i| (n, *i)))?;
        match path.get(len).and_then(|name| files[idx].reexports.get(name)) {
            Some(target) if target.as_slice() != path.as_slice() => {
                let mut next = target.clone();
                next.extend_from_slice(&path[len + 1..]);
                path = next;
            }
            _ => return Some(idx),
        }
    }
    None
}

/// The library's files: `src/lib.rs` and every file reachable from it through `mod` declarations
/// that are not under `#[cfg(test)]`.
fn library_files(root: &Path) -> Vec<SourceFile> {
    let mut out = Vec::new();
    let mut queue = vec![(root.join("src/lib.rs"), Vec::<String>::new(), true)];
    while let Some((path, module, is_dir_owner)) = queue.pop() {
        let source = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
        let parsed = parse(&source, &module);
        // Children live beside lib.rs / mod.rs, or in a folder named after a leaf file.
        let dir: PathBuf = if is_dir_owner { path.parent().unwrap().to_path_buf() } else { path.with_extension("") };
        for child in &parsed.children {
            let mut m = module.clone();
            m.push(child.clone());
            let flat = dir.join(format!("{child}.rs"));
            let nested = dir.join(child).join("mod.rs");
            if flat.exists() {
                queue.push((flat, m, false));
            } else if nested.exists() {
                queue.push((nested, m, true));
            } else {
                panic!("{}: module {child} has no file", path.display());
            }
        }
        let rel = path.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
        out.push(SourceFile { rel, module, refs: parsed.refs, reexports: parsed.reexports });
    }
    out.sort_by(|a, b| a.rel.cmp(&b.rel));
    out
}

// ---------------------------------------------------------------------------------------------
// Lexing: just enough of Rust to find paths.

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    PathSep,
    Punct(char),
}

/// Tokens with their 1-based line, comments, strings, chars, lifetimes and numbers dropped.
fn lex(src: &str) -> Vec<(Tok, usize)> {
    let c: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let (mut i, mut line) = (0, 1);
    let at = |i: usize| c.get(i).copied().unwrap_or('\0');
    while i < c.len() {
        let ch = c[i];
        if ch == '\n' {
            line += 1;
            i += 1;
        } else if ch.is_whitespace() {
            i += 1;
        } else if ch == '/' && at(i + 1) == '/' {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if ch == '/' && at(i + 1) == '*' {
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && at(i + 1) == '*' {
                    depth += 1;
                    i += 2;
                } else if c[i] == '*' && at(i + 1) == '/' {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    if c[i] == '\n' {
                        line += 1;
                    }
                    i += 1;
                }
            }
        } else if ch == '"' {
            i += 1;
            while i < c.len() && c[i] != '"' {
                if c[i] == '\\' {
                    i += 1;
                }
                if at(i) == '\n' {
                    line += 1;
                }
                i += 1;
            }
            i += 1;
        } else if ch == '\'' {
            if at(i + 1) == '\\' {
                i += 2;
                while i < c.len() && c[i] != '\'' {
                    i += 1;
                }
                i += 1;
            } else if at(i + 2) == '\'' {
                i += 3;
            } else {
                i += 1; // a lifetime: its name lexes as an identifier, harmless
            }
        } else if ch.is_ascii_digit() {
            while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_' || (c[i] == '.' && at(i + 1).is_ascii_digit())) {
                i += 1;
            }
        } else if ch.is_alphabetic() || ch == '_' {
            let start = i;
            while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
                i += 1;
            }
            let word: String = c[start..i].iter().collect();
            // Raw strings (r"…", r#"…"#, br"…"): skip to the matching quote and hashes.
            if (word == "r" || word == "br" || word == "cr") && (at(i) == '"' || (at(i) == '#' && matches!(at(i + 1), '"' | '#'))) {
                let mut hashes = 0;
                while at(i) == '#' {
                    hashes += 1;
                    i += 1;
                }
                i += 1;
                loop {
                    if i >= c.len() {
                        break;
                    }
                    if c[i] == '"' && (0..hashes).all(|k| at(i + 1 + k) == '#') {
                        i += 1 + hashes;
                        break;
                    }
                    if c[i] == '\n' {
                        line += 1;
                    }
                    i += 1;
                }
                continue;
            }
            if (word == "b" || word == "c") && (at(i) == '"' || at(i) == '\'') {
                continue; // byte string / byte char: the quote is lexed next
            }
            if word == "r" && at(i) == '#' {
                i += 1; // raw identifier r#name
                continue;
            }
            out.push((Tok::Ident(word), line));
        } else if ch == ':' && at(i + 1) == ':' {
            out.push((Tok::PathSep, line));
            i += 2;
        } else if ch == '$' {
            // `$crate` in macros is the defining crate, not a module path here.
            i += 1;
            while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
                i += 1;
            }
        } else {
            out.push((Tok::Punct(ch), line));
            i += 1;
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Parsing: `mod` declarations, `#[cfg(test)]` items, and paths.

struct Parsed {
    children: Vec<String>,
    refs: Vec<Ref>,
    reexports: BTreeMap<String, Vec<String>>,
}

fn ident(t: Option<&(Tok, usize)>) -> Option<&str> {
    match t {
        Some((Tok::Ident(s), _)) => Some(s),
        _ => None,
    }
}

fn punct(t: Option<&(Tok, usize)>, p: char) -> bool {
    matches!(t, Some((Tok::Punct(c), _)) if *c == p)
}

/// Index just past the bracket group opening at `i` (`(`, `[` or `{`).
fn skip_group(toks: &[(Tok, usize)], mut i: usize) -> usize {
    let mut depth = 0i32;
    while i < toks.len() {
        match &toks[i].0 {
            Tok::Punct('(' | '[' | '{') => depth += 1,
            Tok::Punct(')' | ']' | '}') => {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    i
}

/// Index just past the item starting at `i`: through its first `;` or its first `{…}` group.
fn skip_item(toks: &[(Tok, usize)], mut i: usize) -> usize {
    while i < toks.len() {
        match &toks[i].0 {
            Tok::Punct(';') => return i + 1,
            Tok::Punct('{') => return skip_group(toks, i),
            Tok::Punct('(' | '[') => i = skip_group(toks, i),
            _ => i += 1,
        }
    }
    i
}

/// Whether the attribute at `i` (`#`, `[`, …) is `#[cfg(...)]` naming `test` outside a `not(…)`.
fn is_cfg_test(toks: &[(Tok, usize)], i: usize) -> bool {
    if !(punct(toks.get(i), '#') && punct(toks.get(i + 1), '[') && ident(toks.get(i + 2)) == Some("cfg")) {
        return false;
    }
    let end = skip_group(toks, i + 1);
    let inner = &toks[i + 3..end];
    let has_test = inner.iter().any(|t| t.0 == Tok::Ident("test".into()));
    let has_not = inner.iter().any(|t| t.0 == Tok::Ident("not".into()));
    has_test && !has_not
}

fn parse(src: &str, module: &[String]) -> Parsed {
    let toks = lex(src);
    let mut out = Parsed { children: Vec::new(), refs: Vec::new(), reexports: BTreeMap::new() };
    // Inline modules (`mod direct { … }`) open a module inside the file: (name, depth it closes at).
    let mut inline: Vec<(String, i32)> = Vec::new();
    let mut depth = 0i32;
    let mut i = 0;
    // Whether the current statement is a `pub use` (its names are re-exports).
    let mut in_pub_use = false;
    let mut in_use = false;
    while i < toks.len() {
        let here: Vec<String> = module.iter().cloned().chain(inline.iter().map(|(n, _)| n.clone())).collect();
        match &toks[i].0 {
            Tok::Punct('#') if is_cfg_test(&toks, i) => {
                // Skip this attribute, any further attributes, and the item they apply to.
                let mut j = skip_group(&toks, i + 1);
                while punct(toks.get(j), '#') {
                    j = skip_group(&toks, j + 1);
                }
                i = skip_item(&toks, j);
                continue;
            }
            Tok::Punct('{') => depth += 1,
            Tok::Punct('}') => {
                depth -= 1;
                if inline.last().is_some_and(|(_, d)| *d == depth) {
                    inline.pop();
                }
            }
            Tok::Punct(';') => {
                in_use = false;
                in_pub_use = false;
            }
            Tok::Ident(w) if w == "use" => {
                in_use = true;
                in_pub_use = i > 0 && (ident(toks.get(i - 1)) == Some("pub") || punct(toks.get(i - 1), ')'));
            }
            Tok::Ident(w) if w == "mod" => {
                if let Some(name) = ident(toks.get(i + 1)) {
                    if punct(toks.get(i + 2), ';') && inline.is_empty() {
                        out.children.push(name.to_string());
                    } else if punct(toks.get(i + 2), '{') {
                        inline.push((name.to_string(), depth));
                        depth += 1;
                        i += 3;
                        continue;
                    }
                }
            }
            Tok::Ident(first) => {
                let after_sep = i > 0 && toks[i - 1].0 == Tok::PathSep;
                let starts = matches!(first.as_str(), "crate" | "super" | "self") || out.children.contains(first) || in_use;
                if !after_sep && starts && toks.get(i + 1).map(|t| &t.0) == Some(&Tok::PathSep) {
                    let line = toks[i].1;
                    let (paths, end) = use_tree(&toks, i, Vec::new());
                    for (segs, alias) in paths {
                        if let Some(abs) = absolute(&segs, &here, &out.children) {
                            if in_pub_use && inline.is_empty() {
                                if let Some(name) = alias.or_else(|| abs.last().cloned()) {
                                    out.reexports.insert(name, abs.clone());
                                }
                            }
                            let text = segs.iter().filter(|s| *s != "self" || segs.len() == 1).cloned().collect::<Vec<_>>().join("::");
                            out.refs.push(Ref { line, text, path: abs });
                        }
                    }
                    i = end;
                    continue;
                }
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// A path read from a use tree, with the name it is imported `as`, if renamed.
type Leaf = (Vec<String>, Option<String>);

/// Reads a path or use tree starting at `i` under `prefix`: every leaf path (with its `as`
/// alias), and the index just past it. Globs end at their module; turbofish ends the path.
fn use_tree(toks: &[(Tok, usize)], mut i: usize, mut prefix: Vec<String>) -> (Vec<Leaf>, usize) {
    let mut out = Vec::new();
    loop {
        match toks.get(i).map(|t| &t.0) {
            Some(Tok::Ident(s)) => {
                prefix.push(s.clone());
                i += 1;
            }
            Some(Tok::Punct('*')) => {
                out.push((prefix, None));
                return (out, i + 1);
            }
            Some(Tok::Punct('{')) => {
                i += 1;
                while i < toks.len() && !punct(toks.get(i), '}') {
                    if punct(toks.get(i), ',') {
                        i += 1;
                        continue;
                    }
                    let (mut inner, end) = use_tree(toks, i, prefix.clone());
                    out.append(&mut inner);
                    i = end;
                }
                return (out, i + 1);
            }
            _ => {
                out.push((prefix, None));
                return (out, i);
            }
        }
        if toks.get(i).map(|t| &t.0) == Some(&Tok::PathSep) {
            i += 1;
            if punct(toks.get(i), '<') {
                out.push((prefix, None));
                return (out, i);
            }
            continue;
        }
        let alias = if ident(toks.get(i)) == Some("as") { ident(toks.get(i + 1)).map(str::to_string) } else { None };
        if alias.is_some() {
            i += 2;
        }
        out.push((prefix, alias));
        return (out, i);
    }
}

/// A path as written in module `here` made absolute, or None for a path outside the crate.
fn absolute(segs: &[String], here: &[String], children: &[String]) -> Option<Vec<String>> {
    let mut rest = segs;
    let mut base: Vec<String> = match segs.first()?.as_str() {
        "crate" => {
            rest = &segs[1..];
            Vec::new()
        }
        "super" | "self" => {
            let mut b = here.to_vec();
            while let Some(s) = rest.first() {
                match s.as_str() {
                    "super" => {
                        b.pop();
                    }
                    "self" => {}
                    _ => break,
                }
                rest = &rest[1..];
            }
            b
        }
        first if children.iter().any(|c| c == first) => here.to_vec(),
        _ => return None, // another crate, or a local item
    };
    base.extend(rest.iter().filter(|s| *s != "self").cloned());
    Some(base)
}

// ---------------------------------------------------------------------------------------------
// Cycles

/// Tarjan's strongly connected components.
fn strongly_connected(n: usize, edges: &BTreeMap<usize, BTreeSet<usize>>) -> Vec<Vec<usize>> {
    struct State<'a> {
        edges: &'a BTreeMap<usize, BTreeSet<usize>>,
        index: Vec<Option<usize>>,
        low: Vec<usize>,
        on_stack: Vec<bool>,
        stack: Vec<usize>,
        next: usize,
        out: Vec<Vec<usize>>,
    }
    fn visit(s: &mut State, v: usize) {
        s.index[v] = Some(s.next);
        s.low[v] = s.next;
        s.next += 1;
        s.stack.push(v);
        s.on_stack[v] = true;
        for &w in s.edges.get(&v).into_iter().flatten() {
            match s.index[w] {
                None => {
                    visit(s, w);
                    s.low[v] = s.low[v].min(s.low[w]);
                }
                Some(iw) if s.on_stack[w] => s.low[v] = s.low[v].min(iw),
                _ => {}
            }
        }
        if Some(s.low[v]) == s.index[v] {
            let mut scc = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack[w] = false;
                scc.push(w);
                if w == v {
                    break;
                }
            }
            scc.sort();
            s.out.push(scc);
        }
    }
    let mut s =
        State { edges, index: vec![None; n], low: vec![0; n], on_stack: vec![false; n], stack: Vec::new(), next: 0, out: Vec::new() };
    for v in 0..n {
        if s.index[v].is_none() {
            visit(&mut s, v);
        }
    }
    s.out
}

/// A shortest circle through the component's first file, staying inside the component.
fn one_cycle(scc: &[usize], edges: &BTreeMap<usize, BTreeSet<usize>>) -> Vec<usize> {
    let start = scc[0];
    let inside: BTreeSet<usize> = scc.iter().copied().collect();
    let mut prev: BTreeMap<usize, usize> = BTreeMap::new();
    let mut queue = std::collections::VecDeque::from([start]);
    while let Some(v) = queue.pop_front() {
        for &w in edges.get(&v).into_iter().flatten() {
            if !inside.contains(&w) {
                continue;
            }
            if w == start {
                let mut path = vec![v];
                while *path.last().unwrap() != start {
                    path.push(prev[path.last().unwrap()]);
                }
                path.reverse();
                path.push(start);
                return path;
            }
            if let std::collections::btree_map::Entry::Vacant(e) = prev.entry(w) {
                e.insert(v);
                queue.push_back(w);
            }
        }
    }
    scc.to_vec()
}
