//! Running a parsed query: compile the AST into Tantivy queries, resolve review-state filters
//! from SQLite, page through results with exact counts, and find every hit in an item's text.
//!
//! Review state (tags, notes, redactions) lives only in SQLite. `tag:`, `has:` and `is:` are
//! turned into a set of item ids at query time and applied as a per-document predicate over
//! the `id` fast field, so coding a document never touches the index.

use super::query::{self, Node};
use super::{analyzer, Fields, SearchIndex, EXACT, STEM, WORDS};
use crate::error::{Error, Result};
use crate::store::items::custodians;
use rusqlite::Connection;
use serde::Serialize;
use std::collections::HashSet;
use std::ops::Bound;
use std::sync::Arc;
use tantivy::collector::{Count, DocSetCollector, TopDocs};
use tantivy::query::doc_predicate_query::{DocPredicateQuery, FunctionPredicate};
use tantivy::query::{BooleanQuery, EmptyQuery, FuzzyTermQuery, Occur, PhraseQuery, Query, RangeQuery, RegexQuery, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocAddress, Order, Searcher, SegmentReader, Term};
use ts_rs::TS;

/// Result order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, serde::Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Sort {
    #[default]
    Relevance,
    /// Newest first.
    Date,
}

/// One search hit, as `exhibit search` prints it.
#[derive(Debug, Clone, Serialize, TS)]
pub struct Hit {
    pub id: i64,
    pub control: String,
    pub kind: String,
    pub title: Option<String>,
    pub date: Option<String>,
    pub custodians: Vec<String>,
    pub score: f32,
    /// A passage around the first hit, HTML-escaped, hits in `<b>…</b>`.
    pub snippet: String,
    /// Character offsets `[start, end)` of every hit in the item's text.
    pub offsets: Vec<[usize; 2]>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct SearchResult {
    pub query: String,
    /// Exact number of matching items.
    pub total: usize,
    pub offset: usize,
    pub hits: Vec<Hit>,
}

/// A set of item ids (a bitset indexed by id).
#[derive(Debug, Clone, Default)]
pub struct IdSet(Vec<u64>);

impl IdSet {
    pub fn insert(&mut self, id: u64) {
        let w = (id / 64) as usize;
        if w >= self.0.len() {
            self.0.resize(w + 1, 0);
        }
        self.0[w] |= 1 << (id % 64);
    }
    pub fn contains(&self, id: u64) -> bool {
        self.0.get((id / 64) as usize).is_some_and(|w| w & (1 << (id % 64)) != 0)
    }
    pub fn len(&self) -> usize {
        self.0.iter().map(|w| w.count_ones() as usize).sum()
    }
    pub fn is_empty(&self) -> bool {
        self.0.iter().all(|w| *w == 0)
    }
    pub fn iter(&self) -> impl Iterator<Item = u64> + '_ {
        self.0.iter().enumerate().flat_map(|(i, &w)| (0..64).filter(move |b| w & (1 << b) != 0).map(move |b| i as u64 * 64 + b))
    }
}

impl FromIterator<u64> for IdSet {
    fn from_iter<I: IntoIterator<Item = u64>>(it: I) -> Self {
        let mut s = IdSet::default();
        for id in it {
            s.insert(id);
        }
        s
    }
}

/// What to highlight: the positive leaves of a query, as the text analyzers see them.
#[derive(Debug, Default)]
pub struct Highlights {
    /// Words as the `WORDS` analyzer gives them (bare words, proximity operands).
    words: HashSet<String>,
    /// Stems as the `STEM` analyzer gives them (`word~`).
    stems: HashSet<String>,
    /// Exact phrases, in `WORDS` tokens.
    phrases: Vec<Vec<String>>,
    patterns: Vec<regex::Regex>,
    fuzzy: Vec<(String, u8)>,
}

/// A compiled query plus what to highlight.
pub struct Compiled {
    pub query: Box<dyn Query>,
    pub highlights: Highlights,
}

struct Compiler<'a> {
    f: Fields,
    db: &'a Connection,
    searcher: &'a Searcher,
    hl: Highlights,
}

fn tokens(analyzer_name: &str, text: &str) -> Vec<String> {
    let mut a = analyzer(analyzer_name);
    let mut ts = a.token_stream(text);
    let mut out = Vec::new();
    while ts.advance() {
        out.push(ts.token().text.clone());
    }
    out
}

/// Turns a `*`/`?` wildcard into an anchored regex over lower-cased terms.
fn wildcard_regex(pattern: &str) -> String {
    let mut re = String::new();
    for c in pattern.to_lowercase().chars() {
        match c {
            '*' => re.push_str(".*"),
            '?' => re.push('.'),
            c => re.push_str(&regex::escape(&c.to_string())),
        }
    }
    re
}

enum FieldKind {
    /// Prose: text and/or title, as exact words (with positions) and as stems.
    Prose {
        words: Vec<Field>,
        stems: Vec<Field>,
    },
    /// Unstemmed words: names, addresses, file names, custodians.
    Words(Field),
    /// One raw lower-cased value: kind, ext, model, account, control.
    Raw(Field),
    Id,
}

impl<'a> Compiler<'a> {
    fn field(&self, name: Option<&str>) -> FieldKind {
        let f = self.f;
        match name {
            None => FieldKind::Prose { words: vec![f.text, f.title], stems: vec![f.text_stem, f.title_stem] },
            Some("text") => FieldKind::Prose { words: vec![f.text], stems: vec![f.text_stem] },
            Some("subject") | Some("title") => FieldKind::Prose { words: vec![f.title], stems: vec![f.title_stem] },
            Some("from") => FieldKind::Words(f.from),
            Some("to") => FieldKind::Words(f.to),
            Some("cc") => FieldKind::Words(f.cc),
            Some("bcc") => FieldKind::Words(f.bcc),
            Some("filename") => FieldKind::Words(f.filename),
            Some("custodian") => FieldKind::Words(f.custodian),
            Some("kind") => FieldKind::Raw(f.kind),
            Some("ext") => FieldKind::Raw(f.ext),
            Some("model") => FieldKind::Raw(f.model),
            Some("account") => FieldKind::Raw(f.account),
            Some("control") => FieldKind::Raw(f.control),
            Some("id") => FieldKind::Id,
            Some(_) => FieldKind::Prose { words: vec![f.text, f.title], stems: vec![f.text_stem, f.title_stem] },
        }
    }

    fn any(parts: Vec<Box<dyn Query>>) -> Box<dyn Query> {
        match parts.len() {
            0 => Box::new(EmptyQuery),
            1 => parts.into_iter().next().unwrap(),
            _ => Box::new(BooleanQuery::new(parts.into_iter().map(|q| (Occur::Should, q)).collect())),
        }
    }

    /// A term or phrase over analyzed fields; `slop` None means an exact phrase.
    fn words_query(&mut self, fields: &[Field], analyzer_name: &str, text: &str, slop: Option<u32>, highlight: bool) -> Box<dyn Query> {
        let toks = tokens(analyzer_name, text);
        if highlight && (fields.contains(&self.f.text) || fields.contains(&self.f.text_stem)) {
            match (analyzer_name, toks.len()) {
                (_, 0) => {}
                (STEM, _) => self.hl.stems.extend(toks.iter().cloned()),
                (_, 1) => {
                    self.hl.words.insert(toks[0].clone());
                }
                _ if slop.is_some() => self.hl.words.extend(toks.iter().cloned()),
                _ => self.hl.phrases.push(toks.clone()),
            }
        }
        let parts = fields
            .iter()
            .map(|&field| -> Box<dyn Query> {
                let terms: Vec<Term> = toks.iter().map(|t| Term::from_field_text(field, t)).collect();
                match terms.len() {
                    0 => Box::new(EmptyQuery),
                    1 => Box::new(TermQuery::new(terms.into_iter().next().unwrap(), IndexRecordOption::WithFreqs)),
                    _ => {
                        let mut pq = PhraseQuery::new(terms);
                        if let Some(s) = slop {
                            pq.set_slop(s);
                        }
                        Box::new(pq)
                    }
                }
            })
            .collect();
        Self::any(parts)
    }

    fn compile(&mut self, n: &Node, positive: bool) -> Result<Box<dyn Query>> {
        Ok(match n {
            Node::Term { field, text } => self.leaf_words(field.as_deref(), text, None, positive)?,
            Node::Stem { field, text } => match self.field(field.as_deref()) {
                FieldKind::Prose { stems, .. } => self.words_query(&stems, STEM, text, None, positive),
                _ => return Err(Error::Query(format!("stemming ({text}~) applies to the text, title and subject only"))),
            },
            Node::Phrase { field, words, slop } => self.leaf_words(field.as_deref(), &words.join(" "), *slop, positive)?,
            Node::Wildcard { field, pattern } => self.pattern_query(field.as_deref(), &wildcard_regex(pattern), positive)?,
            Node::Regex { field, pattern } => {
                regex::Regex::new(pattern).map_err(|e| Error::Query(format!("the regular expression /{pattern}/ is not valid: {e}")))?;
                self.pattern_query(field.as_deref(), pattern, positive)?
            }
            Node::Fuzzy { field, text, distance } => {
                let target = match self.field(field.as_deref()) {
                    FieldKind::Prose { .. } => self.f.exact,
                    FieldKind::Words(f) | FieldKind::Raw(f) => f,
                    FieldKind::Id => return Err(Error::Query("id: does not take fuzzy matching".into())),
                };
                let t = text.to_lowercase();
                if positive && target == self.f.exact {
                    self.hl.fuzzy.push((t.clone(), *distance));
                }
                Box::new(FuzzyTermQuery::new(Term::from_field_text(target, &t), *distance, true))
            }
            Node::Near { left, right, distance, ordered } => self.near(left, right, *distance, *ordered, positive)?,
            Node::And(parts) => {
                let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
                for p in parts {
                    clauses.push((Occur::Must, self.compile(p, positive)?));
                }
                Box::new(BooleanQuery::new(clauses))
            }
            Node::Or(parts) => {
                let mut qs = Vec::new();
                for p in parts {
                    qs.push(self.compile(p, positive)?);
                }
                Box::new(BooleanQuery::new(qs.into_iter().map(|q| (Occur::Should, q)).collect()))
            }
            // Negation is evaluated as "id not in the inner query's results": exact, cheap for
            // review-state sets, and it avoids Tantivy's exclusion scorer, which trips an
            // assertion when it seeks a phrase scorer that is already exhausted.
            Node::Not(inner) => {
                let excluded = match inner.as_ref() {
                    Node::Tag(name) => review_set(self.db, "tag", name)?,
                    Node::Has(what) => review_set(self.db, "has", what)?,
                    Node::Is(what) => review_set(self.db, "is", what)?,
                    other => {
                        let q = self.compile(other, !positive)?;
                        collect_ids(self.searcher, &*q)?
                    }
                };
                id_predicate_not(Arc::new(excluded))
            }
            Node::Date { from, to } => {
                let bound = |d: &Option<String>, end: bool| -> Bound<Term> {
                    match d {
                        None => Bound::Unbounded,
                        Some(day) => {
                            let t = chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").expect("parser validated the date");
                            let secs = if end {
                                t.and_hms_opt(23, 59, 59).unwrap().and_utc().timestamp()
                            } else {
                                t.and_hms_opt(0, 0, 0).unwrap().and_utc().timestamp()
                            };
                            Bound::Included(Term::from_field_date(self.f.date, tantivy::DateTime::from_timestamp_secs(secs)))
                        }
                    }
                };
                Box::new(RangeQuery::new(bound(from, false), bound(to, true)))
            }
            Node::Tag(name) => self.id_filter(review_set(self.db, "tag", name)?),
            Node::Has(what) => self.id_filter(review_set(self.db, "has", what)?),
            Node::Is(what) => self.id_filter(review_set(self.db, "is", what)?),
            Node::Family(inner) => {
                let q = self.compile(inner, positive)?;
                let hits = collect_ids(self.searcher, &*q)?;
                self.id_filter(family_members(self.db, &hits)?)
            }
        })
    }

    fn leaf_words(&mut self, field: Option<&str>, text: &str, slop: Option<u32>, positive: bool) -> Result<Box<dyn Query>> {
        Ok(match self.field(field) {
            FieldKind::Prose { words, .. } => self.words_query(&words, WORDS, text, slop, positive),
            FieldKind::Words(f) => self.words_query(&[f], WORDS, text, slop, false),
            FieldKind::Raw(f) => Box::new(TermQuery::new(Term::from_field_text(f, &text.to_lowercase()), IndexRecordOption::Basic)),
            FieldKind::Id => match text.parse::<u64>() {
                Ok(id) => Box::new(TermQuery::new(Term::from_field_u64(self.f.id, id), IndexRecordOption::Basic)),
                Err(_) => return Err(Error::Query(format!("id:{text} is not a number"))),
            },
        })
    }

    fn pattern_query(&mut self, field: Option<&str>, pattern: &str, positive: bool) -> Result<Box<dyn Query>> {
        let target = match self.field(field) {
            FieldKind::Prose { .. } => self.f.exact,
            FieldKind::Words(f) | FieldKind::Raw(f) => f,
            FieldKind::Id => return Err(Error::Query("id: does not take wildcards or patterns".into())),
        };
        if positive && target == self.f.exact {
            if let Ok(re) = regex::Regex::new(&format!("^(?:{pattern})$")) {
                self.hl.patterns.push(re);
            }
        }
        Ok(Box::new(
            RegexQuery::from_pattern(pattern, target)
                .map_err(|e| Error::Query(format!("the pattern '{pattern}' cannot be searched: {e}")))?,
        ))
    }

    /// Word sequences (`WORDS` tokens) one side of a proximity operator stands for: the word
    /// or phrase itself, or the indexed words a `word~`, `word~1` or `trad*` stands for.
    fn alternatives(&mut self, n: &Node, positive: bool) -> Result<Vec<Vec<String>>> {
        const MAX_FORMS: usize = 64;
        Ok(match n {
            Node::Term { text, .. } => vec![tokens(WORDS, text)],
            Node::Phrase { words, .. } => vec![tokens(WORDS, &words.join(" "))],
            Node::Stem { text, .. } => {
                let Some(stem) = tokens(STEM, text).into_iter().next() else { return Ok(vec![]) };
                // A stem keeps its word's first letters (English stemming rewrites endings).
                let prefix: String = stem.chars().take(2).collect();
                let mut stemmer = analyzer(STEM);
                let forms = expand_terms(self.searcher, self.f.text, MAX_FORMS, |t| {
                    t.starts_with(&prefix) && {
                        let mut ts = stemmer.token_stream(t);
                        ts.advance() && ts.token().text == stem
                    }
                })?;
                forms.into_iter().map(|t| vec![t]).collect()
            }
            Node::Fuzzy { text, distance, .. } => {
                let w = text.to_lowercase();
                let d = *distance as usize;
                expand_terms(self.searcher, self.f.text, MAX_FORMS, |t| levenshtein(&w, t) <= d)?.into_iter().map(|t| vec![t]).collect()
            }
            Node::Wildcard { pattern, .. } => {
                let re = wildcard_regex(pattern);
                if positive {
                    if let Ok(r) = regex::Regex::new(&format!("^(?:{re})$")) {
                        self.hl.patterns.push(r);
                    }
                }
                let re = regex::Regex::new(&format!("^(?:{re})$")).map_err(|e| Error::Query(e.to_string()))?;
                expand_terms(self.searcher, self.f.exact, MAX_FORMS, |t| re.is_match(t))?.into_iter().map(|t| tokens(WORDS, &t)).collect()
            }
            Node::Or(parts) => {
                let mut out = Vec::new();
                for p in parts {
                    out.extend(self.alternatives(p, positive)?);
                }
                out
            }
            _ => return Err(Error::Query("proximity operators join words, phrases and wildcards".into())),
        }
        .into_iter()
        .filter(|v| !v.is_empty())
        .collect())
    }

    /// `a w/N b`: at most N words between, either order; `pre/N`: a before b.
    fn near(&mut self, left: &Node, right: &Node, distance: u32, ordered: bool, positive: bool) -> Result<Box<dyn Query>> {
        let la = self.alternatives(left, positive)?;
        let ra = self.alternatives(right, positive)?;
        if positive {
            for alt in la.iter().chain(ra.iter()) {
                self.hl.words.extend(alt.iter().cloned());
            }
        }
        let mut parts: Vec<Box<dyn Query>> = Vec::new();
        let mut push = |first: &[String], second: &[String]| {
            let mut terms = Vec::new();
            for (i, t) in first.iter().chain(second.iter()).enumerate() {
                terms.push((i, Term::from_field_text(self.f.text, t)));
            }
            parts.push(Box::new(PhraseQuery::new_with_offset_and_slop(terms, distance)));
        };
        for l in &la {
            for r in &ra {
                push(l, r);
                if !ordered {
                    push(r, l);
                }
            }
        }
        if parts.len() > 4096 {
            return Err(Error::Query("the proximity search expands to too many word pairs: narrow the wildcards".into()));
        }
        let candidates = Self::any(parts);
        if !ordered {
            return Ok(candidates);
        }
        // Sloppy phrases also match the two sides swapped (a swap costs two moves), so an
        // ordered search keeps only the candidates whose text has them in order.
        let ids = collect_ids(self.searcher, &*candidates)?;
        let mut texts = crate::store::texts::Texts::new(self.db)?;
        let mut kept = IdSet::default();
        for id in ids.iter() {
            let text = texts.get(id as i64)?;
            if text.is_some_and(|t| in_order_within(&tokens(WORDS, &t), &la, &ra, distance)) {
                kept.insert(id);
            }
        }
        Ok(id_predicate(Arc::new(kept)))
    }

    fn id_filter(&self, set: IdSet) -> Box<dyn Query> {
        id_predicate(Arc::new(set))
    }
}

/// True when some left sequence is followed, with at most `distance` words between, by some
/// right sequence.
fn in_order_within(toks: &[String], left: &[Vec<String>], right: &[Vec<String>], distance: u32) -> bool {
    let starts = |seq: &Vec<String>| -> Vec<usize> {
        if seq.is_empty() || toks.len() < seq.len() {
            return vec![];
        }
        (0..=toks.len() - seq.len()).filter(|&i| toks[i..i + seq.len()] == seq[..]).collect()
    };
    let rights: Vec<(usize, usize)> = right.iter().flat_map(|r| starts(r).into_iter().map(move |s| (s, r.len()))).collect();
    left.iter().any(|l| {
        starts(l).into_iter().any(|ls| {
            let end = ls + l.len();
            rights.iter().any(|&(rs, _)| rs >= end && rs - end <= distance as usize)
        })
    })
}

/// A query matching documents whose `id` is in `set`.
pub fn id_predicate(set: Arc<IdSet>) -> Box<dyn Query> {
    let pred = FunctionPredicate::from(move |seg: &SegmentReader| {
        let col = seg.fast_fields().u64("id")?;
        let set = set.clone();
        Ok(move |doc: tantivy::DocId| col.first(doc).is_some_and(|id| set.contains(id)))
    });
    Box::new(DocPredicateQuery::from(pred))
}

/// A query matching documents whose `id` is NOT in `set`.
pub fn id_predicate_not(set: Arc<IdSet>) -> Box<dyn Query> {
    let pred = FunctionPredicate::from(move |seg: &SegmentReader| {
        let col = seg.fast_fields().u64("id")?;
        let set = set.clone();
        Ok(move |doc: tantivy::DocId| col.first(doc).is_some_and(|id| !set.contains(id)))
    });
    Box::new(DocPredicateQuery::from(pred))
}

/// Terms of `field` that `keep` accepts, across all segments (at most `limit`).
fn expand_terms(searcher: &Searcher, field: Field, limit: usize, mut keep: impl FnMut(&str) -> bool) -> Result<Vec<String>> {
    let mut out = std::collections::BTreeSet::new();
    for seg in searcher.segment_readers() {
        let inv = seg.inverted_index(field)?;
        let mut stream = inv.terms().stream()?;
        while stream.advance() {
            if let Ok(t) = std::str::from_utf8(stream.key()) {
                if !out.contains(t) && keep(t) {
                    out.insert(t.to_string());
                    if out.len() >= limit {
                        return Ok(out.into_iter().collect());
                    }
                }
            }
        }
    }
    Ok(out.into_iter().collect())
}

/// Item ids matching a query, all of them.
pub fn collect_ids(searcher: &Searcher, q: &dyn Query) -> Result<IdSet> {
    let docs = searcher.search(q, &DocSetCollector)?;
    let mut set = IdSet::default();
    let mut cols = std::collections::HashMap::new();
    for addr in docs {
        let col = match cols.get(&addr.segment_ord) {
            Some(c) => c,
            None => {
                let c = searcher.segment_reader(addr.segment_ord).fast_fields().u64("id")?;
                cols.entry(addr.segment_ord).or_insert(c)
            }
        };
        if let Some(id) = col.first(addr.doc_id) {
            set.insert(id);
        }
    }
    Ok(set)
}

/// Every member of the families of `ids`.
fn family_members(db: &Connection, ids: &IdSet) -> Result<IdSet> {
    let mut stmt = db.prepare_cached("SELECT id, family_id FROM item")?;
    let rows: Vec<(i64, i64)> = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?;
    let families: IdSet = rows.iter().filter(|(id, _)| ids.contains(*id as u64)).map(|(_, f)| *f as u64).collect();
    Ok(rows.iter().filter(|(_, f)| families.contains(*f as u64)).map(|(id, _)| *id as u64).collect())
}

fn table_exists(db: &Connection, name: &str) -> Result<bool> {
    Ok(db.query_row("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?1", [name], |r| r.get::<_, i64>(0))? > 0)
}

/// Item ids for a review-state filter (`tag:X`, `has:X`, `is:X`).
pub fn review_set(db: &Connection, kind: &str, value: &str) -> Result<IdSet> {
    let sql: String = match (kind, value.to_ascii_lowercase().as_str()) {
        ("tag", _) => {
            let mut stmt =
                db.prepare_cached("SELECT it.item_id FROM item_tag it JOIN tag t ON t.id = it.tag_id WHERE t.name = ?1 COLLATE NOCASE")?;
            let ids = stmt.query_map([value], |r| r.get::<_, i64>(0))?;
            let mut set = IdSet::default();
            for id in ids {
                set.insert(id? as u64);
            }
            return Ok(set);
        }
        ("has", "redactions") | ("has", "redaction") => {
            if !table_exists(db, "redaction")? {
                return Ok(IdSet::default());
            }
            "SELECT DISTINCT item_id FROM redaction".into()
        }
        ("has", "notes") | ("has", "note") => {
            if !table_exists(db, "note")? {
                return Ok(IdSet::default());
            }
            "SELECT DISTINCT item_id FROM note".into()
        }
        ("has", "attachments") | ("has", "attachment") => "SELECT DISTINCT parent_id FROM item WHERE parent_id IS NOT NULL".into(),
        ("has", "tags") => "SELECT DISTINCT item_id FROM item_tag".into(),
        ("is", "duplicate") => "SELECT item_id FROM item_location GROUP BY item_id HAVING COUNT(*) > 1".into(),
        // Emails with another copy that differs in recipients or attachments (ingest::email_key).
        ("is", "neardup") => "SELECT id FROM item WHERE near_dup IN
                (SELECT near_dup FROM item WHERE near_dup IS NOT NULL GROUP BY near_dup HAVING COUNT(*) > 1)"
            .into(),
        // `status <> 'ok'` lets SQLite use the partial index item_not_ok instead of a scan.
        ("is", "error") => "SELECT id FROM item WHERE status <> 'ok' AND status = 'error'".into(),
        ("is", "notext") | ("is", "no_text") => "SELECT id FROM item WHERE status <> 'ok' AND status = 'no_text'".into(),
        ("is", "attachment") => "SELECT id FROM item WHERE parent_id IS NOT NULL".into(),
        ("is", "parent") => "SELECT DISTINCT parent_id FROM item WHERE parent_id IS NOT NULL".into(),
        ("is", "tagged") => "SELECT DISTINCT item_id FROM item_tag".into(),
        ("is", "untagged") => "SELECT id FROM item WHERE id NOT IN (SELECT item_id FROM item_tag)".into(),
        (k, v) => {
            let known = if k == "has" {
                "redactions, notes, attachments, tags"
            } else {
                "duplicate, neardup, error, notext, attachment, parent, tagged, untagged"
            };
            return Err(Error::Query(format!("{k}:{v} is not something Exhibit knows: try {k}: with {known}")));
        }
    };
    let mut stmt = db.prepare(&sql)?;
    let ids = stmt.query_map([], |r| r.get::<_, i64>(0))?;
    let mut set = IdSet::default();
    for id in ids {
        set.insert(id? as u64);
    }
    Ok(set)
}

impl SearchIndex {
    /// Parses and compiles a query.
    pub fn compile(&self, db: &Connection, query: &str) -> Result<Compiled> {
        self.compile_on(db, query, &self.searcher()?)
    }

    /// Compiles against one searcher, so that the id sets a query resolves while compiling
    /// (negation, `family:`, `pre/`) and its final run see the same commit.
    pub(crate) fn compile_on(&self, db: &Connection, query: &str, searcher: &Searcher) -> Result<Compiled> {
        let ast = query::parse(query).map_err(Error::Syntax)?;
        let mut c = Compiler { f: self.fields, db, searcher, hl: Highlights::default() };
        let q = c.compile(&ast, true)?;
        Ok(Compiled { query: q, highlights: c.hl })
    }

    /// Ids of every item matching `query`.
    pub fn matching_ids(&self, db: &Connection, query: &str) -> Result<IdSet> {
        let searcher = self.searcher()?;
        let c = self.compile_on(db, query, &searcher)?;
        collect_ids(&searcher, &*c.query)
    }

    /// One page of results with the exact total.
    pub fn search(&self, db: &Connection, query: &str, limit: usize, offset: usize, sort: Sort) -> Result<SearchResult> {
        let searcher = self.searcher()?;
        let compiled = self.compile_on(db, query, &searcher)?;
        let limit = limit.max(1);
        let q = &*compiled.query;
        let (total, addrs): (usize, Vec<(f32, DocAddress)>) = match sort {
            Sort::Relevance => searcher.search(q, &(Count, TopDocs::with_limit(limit).and_offset(offset).order_by_score()))?,
            Sort::Date => {
                let (n, docs) = searcher.search(
                    q,
                    &(Count, TopDocs::with_limit(limit).and_offset(offset).order_by_fast_field::<tantivy::DateTime>("date", Order::Desc)),
                )?;
                (n, docs.into_iter().map(|(_, a)| (0.0, a)).collect())
            }
        };
        let mut hits = Vec::with_capacity(addrs.len());
        let mut meta =
            db.prepare_cached("SELECT control, kind, COALESCE(title, name), COALESCE(date, modified) FROM item i WHERE i.id = ?1")?;
        let mut texts = crate::store::texts::Texts::new(db)?;
        for (score, addr) in addrs {
            let col = searcher.segment_reader(addr.segment_ord).fast_fields().u64("id")?;
            let id = col.first(addr.doc_id).unwrap_or(0) as i64;
            let (control, kind, title, date): (String, String, Option<String>, Option<String>) =
                meta.query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
            let text = texts.get(id)?.unwrap_or_default();
            let spans = find_hits(&text, &compiled.highlights);
            let snippet = snippet(&text, &spans, 240);
            let offsets = to_char_offsets(&text, &spans);
            hits.push(Hit { id, control, kind, title, date, custodians: custodians(db, id)?, score, snippet, offsets });
        }
        Ok(SearchResult { query: query.to_string(), total, offset, hits })
    }

    /// Character offsets of every hit of `query` in `text`.
    pub fn hit_offsets(&self, db: &Connection, query: &str, text: &str) -> Result<Vec<[usize; 2]>> {
        let c = self.compile(db, query)?;
        Ok(to_char_offsets(text, &find_hits(text, &c.highlights)))
    }
}

/// Byte spans of every hit, sorted and merged.
pub fn find_hits(text: &str, hl: &Highlights) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    if !hl.stems.is_empty() {
        let mut a = analyzer(STEM);
        let mut ts = a.token_stream(text);
        while ts.advance() {
            let t = ts.token();
            if hl.stems.contains(&t.text) {
                spans.push((t.offset_from, t.offset_to));
            }
        }
    }
    if !hl.words.is_empty() || !hl.phrases.is_empty() {
        let mut a = analyzer(WORDS);
        let mut ts = a.token_stream(text);
        let mut toks: Vec<(usize, usize, String)> = Vec::new();
        while ts.advance() {
            let t = ts.token();
            toks.push((t.offset_from, t.offset_to, t.text.clone()));
        }
        for (from, to, word) in &toks {
            if hl.words.contains(word) {
                spans.push((*from, *to));
            }
        }
        for phrase in &hl.phrases {
            let n = phrase.len();
            if n == 0 || toks.len() < n {
                continue;
            }
            for i in 0..=toks.len() - n {
                if (0..n).all(|k| toks[i + k].2 == phrase[k]) {
                    spans.push((toks[i].0, toks[i + n - 1].1));
                }
            }
        }
    }
    if !hl.patterns.is_empty() || !hl.fuzzy.is_empty() {
        let mut a = analyzer(EXACT);
        let mut ts = a.token_stream(text);
        while ts.advance() {
            let t = ts.token();
            if hl.patterns.iter().any(|re| re.is_match(&t.text)) || hl.fuzzy.iter().any(|(w, d)| levenshtein(w, &t.text) <= *d as usize) {
                spans.push((t.offset_from, t.offset_to));
            }
        }
    }
    spans.sort();
    let mut merged: Vec<(usize, usize)> = Vec::with_capacity(spans.len());
    for (s, e) in spans {
        match merged.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    merged
}

/// Optimal-string-alignment distance (adjacent transpositions cost one), as Tantivy's fuzzy
/// query counts with transpositions on.
fn levenshtein(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > 2 {
        return 3;
    }
    let w = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * w];
    for i in 0..=a.len() {
        d[i * w] = i;
    }
    for j in 0..=b.len() {
        d[j] = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[(i - 1) * w + j] + 1).min(d[i * w + j - 1] + 1).min(d[(i - 1) * w + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[(i - 2) * w + j - 2] + 1);
            }
            d[i * w + j] = v;
        }
    }
    d[a.len() * w + b.len()]
}

/// Converts sorted byte spans to char offsets in one pass.
pub fn to_char_offsets(text: &str, spans: &[(usize, usize)]) -> Vec<[usize; 2]> {
    let mut out = Vec::with_capacity(spans.len());
    let mut chars = 0usize;
    let mut byte = 0usize;
    let mut it = text.char_indices().peekable();
    let mut pos = |target: usize, chars: &mut usize, byte: &mut usize| {
        while *byte < target {
            match it.next() {
                Some((_, c)) => {
                    *byte += c.len_utf8();
                    *chars += 1;
                }
                None => break,
            }
        }
        *chars
    };
    for &(s, e) in spans {
        let cs = pos(s, &mut chars, &mut byte);
        let ce = pos(e, &mut chars, &mut byte);
        out.push([cs, ce]);
    }
    out
}

/// A passage of about `width` characters around the first hit, HTML-escaped, with every hit in
/// it wrapped in `<b>…</b>`. Without hits, the start of the text.
pub fn snippet(text: &str, spans: &[(usize, usize)], width: usize) -> String {
    let floor = |mut i: usize| {
        while i > 0 && !text.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let ceil = |mut i: usize| {
        while i < text.len() && !text.is_char_boundary(i) {
            i += 1;
        }
        i.min(text.len())
    };
    let (start, end) = match spans.first() {
        Some(&(s, _)) => {
            let start = floor(s.saturating_sub(width / 3));
            // Begin at a word boundary unless the passage starts the text.
            let start = if start == 0 {
                0
            } else {
                text[start..s].find(char::is_whitespace).map(|i| start + i + 1).filter(|&i| i <= s).unwrap_or(start)
            };
            (start, ceil(start + width * 2))
        }
        None => (0, ceil(width * 2)),
    };
    let window = &text[start..end];
    let mut chars_budget = width;
    let mut out = String::new();
    let mut cursor = start;
    let push_escaped = |out: &mut String, s: &str, budget: &mut usize| {
        for c in s.chars() {
            if *budget == 0 {
                return;
            }
            *budget -= 1;
            match c {
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '\n' | '\r' | '\t' | '\u{c}' => out.push(' '),
                c => out.push(c),
            }
        }
    };
    for &(s, e) in spans.iter().filter(|(s, e)| *s >= start && *e <= end) {
        push_escaped(&mut out, &text[cursor..s], &mut chars_budget);
        if chars_budget == 0 {
            break;
        }
        out.push_str("<b>");
        push_escaped(&mut out, &text[s..e], &mut usize::MAX.clone());
        out.push_str("</b>");
        cursor = e;
    }
    let _ = window;
    push_escaped(&mut out, &text[cursor..end], &mut chars_budget);
    out.trim().to_string()
}

impl crate::Matter {
    /// Rebuilds the search index from the database.
    pub fn reindex(&mut self) -> Result<usize> {
        let n = self.index.rebuild(&self.store.db)?;
        let tx = self.store.db.unchecked_transaction()?;
        crate::store::audit::append(&tx, "index.rebuild", &serde_json::json!({ "items": n }))?;
        tx.commit()?;
        crate::store::audit::publish_head(&self.store.db);
        Ok(n)
    }

    /// Full-text search.
    pub fn search(&self, query: &str, limit: usize, offset: usize, sort: Sort) -> Result<SearchResult> {
        self.index.search(&self.store.db, query, limit, offset, sort)
    }

    /// Test hook: drops one item's index document, as a damaged index would.
    #[doc(hidden)]
    pub fn drop_from_index(&mut self, id: i64) -> Result<()> {
        self.index.delete_item(id)
    }

    /// Facet counts over the items matching `query` (`*` for all).
    pub fn facets(&self, query: &str) -> Result<super::facets::Facets> {
        self.index.facets(&self.store.db, query)
    }

    /// Character offsets of every hit of `query` in one item's text.
    pub fn hit_offsets(&self, item: &str, query: &str) -> Result<Vec<[usize; 2]>> {
        let view = self.item(item)?;
        self.index.hit_offsets(&self.store.db, query, &view.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idset_roundtrip() {
        let s: IdSet = [1u64, 64, 65, 1000].into_iter().collect();
        assert!(s.contains(64) && s.contains(1000) && !s.contains(2));
        assert_eq!(s.iter().collect::<Vec<_>>(), [1, 64, 65, 1000]);
        assert_eq!(s.len(), 4);
    }

    #[test]
    fn hits_and_snippets_use_char_offsets() {
        let mut hl = Highlights::default();
        hl.stems.insert("trade".into());
        hl.phrases.push(vec!["gas".into(), "desk".into()]);
        hl.words.insert("grusse".into());
        let text = "Grüße — the Gas desk is trading";
        let spans = find_hits(text, &hl);
        let offs = to_char_offsets(text, &spans);
        let chars: Vec<char> = text.chars().collect();
        let got: Vec<String> = offs.iter().map(|[s, e]| chars[*s..*e].iter().collect()).collect();
        assert_eq!(got, ["Grüße", "Gas desk", "trading"]);
        let snip = snippet(text, &spans, 240);
        assert_eq!(snip, "<b>Grüße</b> — the <b>Gas desk</b> is <b>trading</b>");
    }

    #[test]
    fn levenshtein_counts_edits() {
        assert_eq!(levenshtein("enron", "enron"), 0);
        assert_eq!(levenshtein("enron", "enrn"), 1);
        assert_eq!(levenshtein("enron", "neron"), 1);
        assert!(levenshtein("enron", "texas") > 2);
    }
}
