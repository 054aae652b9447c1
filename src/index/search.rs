//! Running a parsed query: compile the AST into Tantivy queries, resolve review-state filters
//! from SQLite, page through results with exact counts, and find every hit in an item's text.
//!
//! Review state (tags, notes, redactions) lives only in SQLite. `tag:`, `has:` and `is:` are
//! turned into a set of item ids at query time and applied as a per-document predicate over
//! the `id` fast field, so coding a document never touches the index.
//!
//! Id sets and review filters are in [`super::idset`], hits and snippets in [`super::highlight`].

use super::engine::{analyzer, Fields, SearchIndex, STEM, WORDS};
pub use super::highlight::Segment;
use super::highlight::{find_hits, levenshtein, snippet, to_char_offsets, Highlights};
pub use super::idset::IdSet;
use super::idset::{bates_set, collect_ids, control_set, family_members, id_predicate, id_predicate_not, review_set};
use super::query::{self, Node};
use crate::error::{Error, Result};
use crate::store::items::custodians;
use rusqlite::Connection;
use serde::Serialize;
use std::ops::Bound;
use std::sync::Arc;
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{BooleanQuery, EmptyQuery, FuzzyTermQuery, Occur, PhraseQuery, Query, RangeQuery, RegexQuery, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocAddress, Order, Searcher, Term};
use ts_rs::TS;

/// Result order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, serde::Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Sort {
    #[default]
    Relevance,
    /// Newest first.
    Date,
    /// By control number, lowest first: the order items were taken in, which every reviewer
    /// of a matter sees the same way (control numbers follow item ids).
    Control,
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
    /// A passage around the first hit, as plain text (`segments` run together).
    pub snippet: String,
    /// The same passage in pieces, each hit its own segment.
    pub segments: Vec<Segment>,
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
                    Node::Bates { from, to } => bates_set(self.db, from, to)?,
                    Node::Control { from, to } => control_set(self.db, from, to)?,
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
            Node::Bates { from, to } => self.id_filter(bates_set(self.db, from, to)?),
            Node::Control { from, to } => self.id_filter(control_set(self.db, from, to)?),
            Node::Number(w) => self.pasted_number(w, positive)?,
            Node::Family(inner) => {
                let q = self.compile(inner, positive)?;
                let hits = collect_ids(self.searcher, &*q)?;
                self.id_filter(family_members(self.db, &hits)?)
            }
        })
    }

    /// A bare `EXH-0001990` or `ACME-0000012`: the item with that control number, else the
    /// documents with that Bates number, else the word in the text (docs/query-language.md).
    fn pasted_number(&mut self, w: &str, positive: bool) -> Result<Box<dyn Query>> {
        let items = control_set(self.db, w, w)?;
        if !items.is_empty() {
            return Ok(self.id_filter(items));
        }
        let documents = bates_set(self.db, w, w)?;
        if !documents.is_empty() {
            return Ok(self.id_filter(documents));
        }
        self.leaf_words(None, w, None, positive)
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
            Sort::Control => {
                let (n, docs) = searcher
                    .search(q, &(Count, TopDocs::with_limit(limit).and_offset(offset).order_by_fast_field::<u64>("id", Order::Asc)))?;
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
            let segments = snippet(&text, &spans, 240);
            let offsets = to_char_offsets(&text, &spans);
            let snippet = Segment::plain(&segments);
            hits.push(Hit { id, control, kind, title, date, custodians: custodians(db, id)?, score, snippet, segments, offsets });
        }
        Ok(SearchResult { query: query.to_string(), total, offset, hits })
    }

    /// Character offsets of every hit of `query` in `text`.
    pub fn hit_offsets(&self, db: &Connection, query: &str, text: &str) -> Result<Vec<[usize; 2]>> {
        let c = self.compile(db, query)?;
        Ok(to_char_offsets(text, &find_hits(text, &c.highlights)))
    }
}
