//! The index itself: its schema and analyzers, [`SearchIndex`] (open, write, commit, catch up,
//! rebuild) and the documents it is fed ([`IndexDoc`]). Apart from `mod.rs` so that search,
//! highlighting and facets name these without importing the module that declares them.

use super::tokenizer;
use crate::error::{Error, Result};

use crate::store::items::custodians;
use crate::store::json;
use rusqlite::Connection;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use tantivy::schema::{Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, FAST, INDEXED, STORED, STRING};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, Searcher, TantivyDocument, Term};

/// The index's fields.
#[derive(Clone, Copy)]
pub struct Fields {
    pub id: Field,
    pub control: Field,
    pub kind: Field,
    /// Custodian names as words (`custodian:farmer`).
    pub custodian: Field,
    /// Custodian names whole, for facets.
    pub custodian_raw: Field,
    /// Title/subject and text as words, exact but for case and accents, with positions:
    /// what bare words, phrases and proximity searches match (dtSearch's rule).
    pub title: Field,
    pub text: Field,
    /// The same, stemmed (English), without positions: what `word~` matches.
    pub title_stem: Field,
    pub text_stem: Field,
    /// Title and text as unstemmed tokens that keep inner punctuation (`sk-proj-…`,
    /// `enron.com`), for wildcards, fuzzy matching and regular expressions.
    pub exact: Field,
    pub from: Field,
    pub to: Field,
    pub cc: Field,
    pub bcc: Field,
    pub filename: Field,
    pub ext: Field,
    pub sender_domain: Field,
    pub model: Field,
    pub account: Field,
    pub date: Field,
}

/// Analyzer names registered on the index.
pub const STEM: &str = "exhibit_stem";
pub const WORDS: &str = "exhibit_words";
pub const EXACT: &str = "exhibit_exact";

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = |tokenizer: &str, positions: bool| {
        let rec = if positions { IndexRecordOption::WithFreqsAndPositions } else { IndexRecordOption::Basic };
        TextOptions::default().set_indexing_options(TextFieldIndexing::default().set_tokenizer(tokenizer).set_index_option(rec))
    };
    // Stems need frequencies (for relevance) but no positions: phrases and proximity are
    // exact, so nothing asks where a stem occurs, and positions are most of a field's size.
    let stemmed = || {
        TextOptions::default()
            .set_indexing_options(TextFieldIndexing::default().set_tokenizer(STEM).set_index_option(IndexRecordOption::WithFreqs))
    };
    let f = Fields {
        id: b.add_u64_field("id", INDEXED | STORED | FAST),
        control: b.add_text_field("control", STRING),
        kind: b.add_text_field("kind", STRING | FAST),
        custodian: b.add_text_field("custodian", text(WORDS, true)),
        custodian_raw: b.add_text_field("custodian_raw", STRING | FAST),
        title: b.add_text_field("title", text(WORDS, true)),
        text: b.add_text_field("text", text(WORDS, true)),
        title_stem: b.add_text_field("title_stem", stemmed()),
        text_stem: b.add_text_field("text_stem", stemmed()),
        exact: b.add_text_field("exact", text(EXACT, false)),
        from: b.add_text_field("from", text(WORDS, true)),
        to: b.add_text_field("to", text(WORDS, true)),
        cc: b.add_text_field("cc", text(WORDS, true)),
        bcc: b.add_text_field("bcc", text(WORDS, true)),
        filename: b.add_text_field("filename", text(WORDS, true)),
        ext: b.add_text_field("ext", STRING | FAST),
        sender_domain: b.add_text_field("sender_domain", STRING | FAST),
        model: b.add_text_field("model", STRING | FAST),
        account: b.add_text_field("account", STRING | FAST),
        date: b.add_date_field("date", INDEXED | FAST),
    };
    (b.build(), f)
}

/// The analyzers, by name. Queries and highlighting use the same ones as indexing.
pub fn analyzer(name: &str) -> TextAnalyzer {
    use tantivy::tokenizer::*;
    match name {
        // Lower-cased, folded and stemmed in one memoized step (same tokens as the chain).
        STEM => {
            TextAnalyzer::builder(SimpleTokenizer::default()).filter(RemoveLongFilter::limit(80)).filter(tokenizer::CachedStemmer).build()
        }
        // Lower-cased, long words dropped, by the tokenizer itself.
        EXACT => TextAnalyzer::builder(tokenizer::ExactTokenizer::default()).build(),
        _ => TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(RemoveLongFilter::limit(80))
            .filter(LowerCaser)
            .filter(AsciiFoldingFilter)
            .build(),
    }
}

pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    /// `meta.json`, which every commit (ours or another process's) replaces.
    meta_path: PathBuf,
    /// What `meta.json` looked like when the reader last loaded it (see [`SearchIndex::searcher`]).
    seen: Mutex<Option<MetaStamp>>,
    writer: Option<IndexWriter>,
    pub fields: Fields,
    /// The index was recreated on open (schema change): every item must be re-indexed.
    pub rebuilt: bool,
    /// See [`SearchIndex::max_id`]; `None` until first needed.
    max_id: Option<u64>,
}

/// What an item's index document is made of: the item row, its text and its family's
/// custodians. Read from the database ([`IndexDoc::read`]), or filled by an importer from the
/// values it has just written (`NodeOut::index_doc` in ingest); both give the same document.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IndexDoc {
    pub id: i64,
    pub control: String,
    pub kind: String,
    pub name: String,
    pub title: Option<String>,
    pub author: Option<String>,
    /// To, Cc, Bcc.
    pub recipients: [Vec<String>; 3],
    /// The item's date, else its modification date.
    pub date: Option<String>,
    /// The extracted text; `None` when the item has none (see `crate::store::texts`).
    pub text: Option<String>,
    /// `extra.model` and `extra.account` (model calls).
    pub model: Option<String>,
    pub account: Option<String>,
    /// Distinct custodians of the item's family, sorted.
    pub custodians: Vec<String>,
}

impl IndexDoc {
    /// The document of item `id` as the database has it.
    pub fn read(db: &Connection, id: i64) -> Result<IndexDoc> {
        let mut stmt = db.prepare_cached(
            "SELECT control, kind, name, title, author, to_json, cc_json, bcc_json, date, modified,
                    json_extract(extra_json, '$.model'), json_extract(extra_json, '$.account')
             FROM item i WHERE i.id = ?1",
        )?;
        let mut doc = stmt.query_row([id], |r| {
            Ok(IndexDoc {
                id,
                control: r.get(0)?,
                kind: r.get(1)?,
                name: r.get(2)?,
                title: r.get(3)?,
                author: r.get(4)?,
                recipients: [
                    json::column(r, 5, "recipient list")?,
                    json::column(r, 6, "recipient list")?,
                    json::column(r, 7, "recipient list")?,
                ],
                date: r.get::<_, Option<String>>(8)?.or(r.get::<_, Option<String>>(9)?),
                text: None,
                model: r.get(10)?,
                account: r.get(11)?,
                custodians: Vec::new(),
            })
        })?;
        doc.text = crate::store::texts::text(db, id)?;
        doc.custodians = custodians(db, id)?;
        Ok(doc)
    }
}

/// Memory the index writer may use for buffering (shared by its threads). A budget, not an
/// allocation: small ingests never reach it. Large ones flush a segment each time a thread's
/// share fills, and every segment costs a term dictionary and, later, merges: at 96 MiB a
/// million model calls made about 40 segments of 25,000 and spent a sixth of the import's CPU
/// serializing and merging them. At 320 MiB the same import took 7% less CPU (peak memory
/// +70 MiB); more measured no better.
const WRITER_HEAP: usize = 320 << 20;

impl SearchIndex {
    pub fn open(dir: &Path) -> Result<SearchIndex> {
        std::fs::create_dir_all(dir)?;
        let (schema, fields) = schema();
        let mmap = tantivy::directory::MmapDirectory::open(dir)?;
        let (index, rebuilt) = match Index::open_or_create(mmap, schema.clone()) {
            Ok(i) => (i, false),
            // Written by an older Exhibit with other fields: the index is derived data, so
            // start it afresh and let the matter re-index from the database.
            Err(tantivy::TantivyError::SchemaError(_)) => {
                std::fs::remove_dir_all(dir)?;
                std::fs::create_dir_all(dir)?;
                (Index::create_in_dir(dir, schema)?, true)
            }
            Err(e) => return Err(e.into()),
        };
        for name in [STEM, WORDS, EXACT] {
            index.tokenizers().register(name, analyzer(name));
        }
        let meta_path = dir.join("meta.json");
        let seen = Mutex::new(MetaStamp::of(&meta_path));
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        Ok(SearchIndex { index, reader, meta_path, seen, writer: None, fields, rebuilt, max_id: None })
    }

    /// A searcher over everything committed so far, by this process or another one (a CLI
    /// ingest while `exhibit serve` or the desktop app has the matter open). Every commit
    /// replaces `meta.json`; when it differs from what the reader last loaded, the reader
    /// reloads first. One `stat` per call: no watcher thread, and no window in which a search
    /// misses a commit that had finished before it began.
    pub fn searcher(&self) -> Result<Searcher> {
        let now = MetaStamp::of(&self.meta_path);
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        if now != *seen {
            // Another process may be swapping segments right now: a failed reload is tried
            // once more before the error is reported.
            if self.reader.reload().is_err() {
                self.reader.reload()?;
            }
            *seen = now;
        }
        Ok(self.reader.searcher())
    }

    /// Reloads the reader after our own commit and remembers the `meta.json` it saw.
    fn reload(&self) -> Result<()> {
        let now = MetaStamp::of(&self.meta_path);
        self.reader.reload()?;
        *self.seen.lock().unwrap_or_else(|e| e.into_inner()) = now;
        Ok(())
    }

    fn writer(&mut self) -> Result<&mut IndexWriter> {
        if self.writer.is_none() {
            let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).clamp(1, 4);
            let w = self.index.writer_with_num_threads(threads, WRITER_HEAP).map_err(|e| match e {
                tantivy::TantivyError::LockFailure(..) => Error::Busy(
                    "another Exhibit process is adding to this matter's search index (an ingest in the desktop app, \
                     `exhibit serve` or another command): wait for it to finish, then try again"
                        .into(),
                ),
                other => other.into(),
            })?;
            self.writer = Some(w);
            // Without the writer lock another process may have added documents meanwhile.
            self.max_id = None;
        }
        Ok(self.writer.as_mut().expect("writer just set"))
    }

    /// Queues (re-)indexing of these items from the database. Visible after [`Self::commit`].
    pub fn add_items(&mut self, db: &Connection, ids: &[i64]) -> Result<()> {
        // One read transaction for the whole set: a consistent view, and one lock instead of
        // one per query.
        let _read = db.unchecked_transaction()?;
        for &id in ids {
            let doc = IndexDoc::read(db, id)?;
            self.put(&doc, true)?;
        }
        Ok(())
    }

    /// Queues documents for items the caller has just stored, built from the very values it
    /// wrote (so no read-back from the database). Only call this after the transaction that
    /// holds the items has committed. Visible after [`Self::commit`].
    pub fn add_new(&mut self, docs: &[IndexDoc]) -> Result<()> {
        for doc in docs {
            self.put(doc, true)?;
        }
        Ok(())
    }

    /// Adds one document. An id the index may already hold is deleted first, so re-indexing
    /// never leaves a document twice; `fresh` items above every id this writer has seen skip
    /// that delete (Tantivy keeps every delete in memory until the commit and checks it
    /// against every segment, which is what made large imports slow and large).
    fn put(&mut self, doc: &IndexDoc, fresh: bool) -> Result<()> {
        let id = doc.id as u64;
        let tantivy_doc = self.document(doc);
        let f = self.fields.id;
        let max_id = self.max_id()?;
        let w = self.writer()?;
        if !fresh || id <= max_id {
            w.delete_term(Term::from_field_u64(f, id));
        }
        w.add_document(tantivy_doc)?;
        self.max_id = Some(max_id.max(id));
        Ok(())
    }

    /// The largest item id in the index or queued for it; ids above it cannot be in the index.
    /// Read once from the committed segments (with the writer lock held, so no other process
    /// can add to them meanwhile), then kept up to date by [`Self::put`].
    fn max_id(&mut self) -> Result<u64> {
        // Taking the writer first: a new writer forgets the old maximum.
        self.writer()?;
        if let Some(m) = self.max_id {
            return Ok(m);
        }
        self.reload()?;
        let mut max = 0;
        for seg in self.reader.searcher().segment_readers() {
            max = max.max(seg.fast_fields().u64("id")?.max_value());
        }
        self.max_id = Some(max);
        Ok(max)
    }

    /// The Tantivy document for one item.
    fn document(&self, d: &IndexDoc) -> TantivyDocument {
        let f = self.fields;
        let mut doc = TantivyDocument::default();
        doc.add_u64(f.id, d.id as u64);
        doc.add_text(f.control, &d.control);
        doc.add_text(f.kind, &d.kind);
        for c in &d.custodians {
            doc.add_text(f.custodian, c);
            doc.add_text(f.custodian_raw, c);
        }
        if let Some(t) = &d.title {
            doc.add_text(f.title, t);
            doc.add_text(f.title_stem, t);
            doc.add_text(f.exact, t);
        }
        if let Some(a) = &d.author {
            doc.add_text(f.from, a);
            if let Some(domain) = sender_domain(a) {
                doc.add_text(f.sender_domain, domain);
            }
        }
        if let Some(m) = &d.model {
            doc.add_text(f.model, m.to_lowercase());
        }
        if let Some(a) = &d.account {
            doc.add_text(f.account, a.to_lowercase());
        }
        for (field, list) in [f.to, f.cc, f.bcc].into_iter().zip(&d.recipients) {
            for r in list {
                doc.add_text(field, r);
            }
        }
        doc.add_text(f.filename, &d.name);
        doc.add_text(f.ext, crate::extract::detect::extension(&d.name));
        if let Some(date) = d.date.as_deref().and_then(parse_date) {
            doc.add_date(f.date, date);
        }
        if let Some(t) = &d.text {
            doc.add_text(f.text, t);
            doc.add_text(f.text_stem, t);
            doc.add_text(f.exact, t);
        }
        doc
    }

    /// Makes queued changes durable and visible.
    pub fn commit(&mut self) -> Result<()> {
        if let Some(w) = self.writer.as_mut() {
            w.commit()?;
            self.reload()?;
        }
        Ok(())
    }

    /// Waits for the segment merges the last commits started (they run in the background,
    /// and searches see every committed item meanwhile), then releases the writer.
    pub fn wait_for_merges(&mut self) -> Result<()> {
        if let Some(w) = self.writer.take() {
            w.wait_merging_threads()?;
            self.reload()?;
        }
        Ok(())
    }

    /// Indexes every item whose `indexed` flag is 0 or whose id is in an `index_pending`
    /// range, commits, and sets the flags (and clears the ranges).
    /// Returns how many items it indexed.
    pub fn catch_up(&mut self, db: &Connection) -> Result<usize> {
        let ids: Vec<i64> = {
            let mut stmt = db.prepare(
                "SELECT id FROM item WHERE indexed = 0
                 UNION SELECT i.id FROM index_pending p JOIN item i ON i.id BETWEEN p.lo AND p.hi
                 ORDER BY 1",
            )?;
            let rows = stmt.query_map([], |r| r.get(0))?;
            rows.collect::<Result<_, _>>()?
        };
        if ids.is_empty() {
            clear_pending(db)?;
            return Ok(0);
        }
        for chunk in ids.chunks(5000) {
            self.add_items(db, chunk)?;
        }
        self.commit()?;
        mark_indexed(db, &ids)?;
        clear_pending(db)?;
        Ok(ids.len())
    }

    /// Drops every document and re-indexes the whole matter from the database.
    pub fn rebuild(&mut self, db: &Connection) -> Result<usize> {
        self.writer()?.delete_all_documents()?;
        self.commit()?;
        db.execute("UPDATE item SET indexed = 0", [])?;
        self.catch_up(db)
    }

    /// Every item id in the index, once per live document (so duplicates show up twice).
    pub fn all_ids(&self) -> Result<Vec<u64>> {
        let searcher = self.searcher()?;
        let mut ids = Vec::new();
        for seg in searcher.segment_readers() {
            let col = seg.fast_fields().u64("id")?;
            for doc in seg.doc_ids_alive() {
                if let Some(v) = col.first(doc) {
                    ids.push(v);
                }
            }
        }
        Ok(ids)
    }

    /// Removes one item's document (used by tests and by `verify`'s tamper scenarios).
    pub fn delete_item(&mut self, id: i64) -> Result<()> {
        let f = self.fields.id;
        self.writer()?.delete_term(Term::from_field_u64(f, id as u64));
        self.commit()
    }
}

/// Identifies one version of `meta.json`: Tantivy replaces the file on every commit (write to
/// a temporary file, then rename), so its inode changes even when size and time would not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct MetaStamp {
    inode: u64,
    len: u64,
    modified: Option<std::time::SystemTime>,
}

impl MetaStamp {
    fn of(path: &Path) -> Option<MetaStamp> {
        let m = std::fs::metadata(path).ok()?;
        #[cfg(unix)]
        let inode = std::os::unix::fs::MetadataExt::ino(&m);
        #[cfg(not(unix))]
        let inode = 0;
        Some(MetaStamp { inode, len: m.len(), modified: m.modified().ok() })
    }
}

/// Sets `indexed = 1` on these items (after the commit that holds them). Runs of consecutive
/// ids (an import's items) are one statement each.
pub fn mark_indexed(db: &Connection, ids: &[i64]) -> Result<()> {
    let mut sorted = ids.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let tx = db.unchecked_transaction()?;
    {
        let mut stmt = tx.prepare_cached("UPDATE item SET indexed = 1 WHERE id BETWEEN ?1 AND ?2")?;
        for (first, last) in runs(&sorted) {
            stmt.execute([first, last])?;
        }
    }
    tx.commit()?;
    Ok(())
}

/// Records, in the caller's transaction, that these items were stored flagged `indexed` ahead
/// of the index commit that will hold them (see [`clear_pending`]).
pub fn mark_pending(tx: &Connection, ids: &[i64]) -> Result<()> {
    let mut sorted = ids.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut stmt = tx.prepare_cached("INSERT INTO index_pending (lo, hi) VALUES (?1, ?2)")?;
    for (first, last) in runs(&sorted) {
        stmt.execute([first, last])?;
    }
    Ok(())
}

/// After an index commit: every item of every pending range is in the index now.
pub fn clear_pending(db: &Connection) -> Result<()> {
    db.execute("DELETE FROM index_pending", [])?;
    Ok(())
}

/// Consecutive runs `(first, last)` of sorted, distinct ids.
fn runs(ids: &[i64]) -> Vec<(i64, i64)> {
    let mut out: Vec<(i64, i64)> = Vec::new();
    for &id in ids {
        match out.last_mut() {
            Some((_, last)) if *last + 1 == id => *last = id,
            _ => out.push((id, id)),
        }
    }
    out
}

fn parse_date(s: &str) -> Option<tantivy::DateTime> {
    let dt = chrono::DateTime::parse_from_rfc3339(s).ok()?;
    Some(tantivy::DateTime::from_timestamp_secs(dt.timestamp()))
}

/// The domain of a sender address (`"Vince J Kaminski" <vince.kaminski@enron.com>` → `enron.com`).
pub fn sender_domain(from: &str) -> Option<String> {
    let addr = match (from.rfind('<'), from.rfind('>')) {
        (Some(a), Some(b)) if a < b => &from[a + 1..b],
        _ => from,
    };
    let domain = addr.rsplit_once('@')?.1.trim().trim_end_matches(['>', '.', ' ']).to_ascii_lowercase();
    (!domain.is_empty()).then_some(domain)
}
