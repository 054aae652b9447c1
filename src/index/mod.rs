//! The Tantivy full-text index over item text and metadata.
//!
//! The database is the source of truth; the index is derived from it and can always be
//! rebuilt. Each item row carries an `indexed` flag that is set only after the Tantivy commit
//! that holds its document, so a crash at any point leaves `indexed = 0` rows that the next
//! [`SearchIndex::catch_up`] re-indexes (deleting any earlier copy by id first, so nothing is
//! ever indexed twice).

pub mod query;

use crate::error::Result;
use crate::matter::items::custodians;
use rusqlite::Connection;
use serde::Serialize;
use std::path::Path;
use tantivy::collector::{Count, TopDocs};
use tantivy::query::QueryParser;
use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, Value, FAST, INDEXED, STORED, STRING,
};
use tantivy::snippet::SnippetGenerator;
use tantivy::{DocAddress, Index, IndexReader, IndexWriter, Order, ReloadPolicy, TantivyDocument, Term};

/// The index's fields.
#[derive(Clone, Copy)]
pub struct Fields {
    pub id: Field,
    pub control: Field,
    pub kind: Field,
    pub custodian: Field,
    pub title: Field,
    pub text: Field,
    pub from: Field,
    pub to: Field,
    pub cc: Field,
    pub bcc: Field,
    pub filename: Field,
    pub ext: Field,
    pub date: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text_opts = |stored: bool| {
        let idx = TextFieldIndexing::default().set_tokenizer("default").set_index_option(IndexRecordOption::WithFreqsAndPositions);
        let o = TextOptions::default().set_indexing_options(idx);
        if stored { o.set_stored() } else { o }
    };
    let f = Fields {
        id: b.add_u64_field("id", INDEXED | STORED | FAST),
        control: b.add_text_field("control", STRING | STORED),
        kind: b.add_text_field("kind", STRING | FAST),
        custodian: b.add_text_field("custodian", STRING | FAST),
        title: b.add_text_field("title", text_opts(true)),
        text: b.add_text_field("text", text_opts(true)),
        from: b.add_text_field("from", text_opts(false)),
        to: b.add_text_field("to", text_opts(false)),
        cc: b.add_text_field("cc", text_opts(false)),
        bcc: b.add_text_field("bcc", text_opts(false)),
        filename: b.add_text_field("filename", text_opts(false)),
        ext: b.add_text_field("ext", STRING | FAST),
        date: b.add_date_field("date", INDEXED | STORED | FAST),
    };
    (b.build(), f)
}

pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    writer: Option<IndexWriter>,
    pub fields: Fields,
}

/// Memory the index writer may use for buffering (shared by its threads).
const WRITER_HEAP: usize = 96 << 20;

/// One search hit, as `exhibit search` prints it.
#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    pub id: i64,
    pub control: String,
    pub kind: String,
    pub title: Option<String>,
    pub date: Option<String>,
    pub custodians: Vec<String>,
    pub score: f32,
    /// A passage of the text around the hits, HTML-escaped, hits in `<b>…</b>`.
    pub snippet: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct SearchResult {
    pub query: String,
    pub total: usize,
    pub offset: usize,
    pub hits: Vec<Hit>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sort {
    #[default]
    Relevance,
    Date,
}

impl SearchIndex {
    pub fn open(dir: &Path) -> Result<SearchIndex> {
        std::fs::create_dir_all(dir)?;
        let (schema, fields) = schema();
        let mmap = tantivy::directory::MmapDirectory::open(dir)?;
        let index = Index::open_or_create(mmap, schema)?;
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        Ok(SearchIndex { index, reader, writer: None, fields })
    }

    fn writer(&mut self) -> Result<&mut IndexWriter> {
        if self.writer.is_none() {
            let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).clamp(1, 4);
            self.writer = Some(self.index.writer_with_num_threads(threads, WRITER_HEAP)?);
        }
        Ok(self.writer.as_mut().expect("writer just set"))
    }

    /// Queues (re-)indexing of these items from the database. Visible after [`Self::commit`].
    pub fn add_items(&mut self, db: &Connection, ids: &[i64]) -> Result<()> {
        let f = self.fields;
        // One read transaction for the whole set: a consistent view, and one lock instead of
        // one per query.
        let _read = db.unchecked_transaction()?;
        let mut stmt = db.prepare_cached(
            "SELECT control, kind, name, title, author, to_json, cc_json, bcc_json, date, modified, t.text
             FROM item i LEFT JOIN item_text t ON t.item_id = i.id WHERE i.id = ?1",
        )?;
        for &id in ids {
            let mut doc = TantivyDocument::default();
            let row = stmt.query_row([id], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, Option<String>>(4)?,
                    [r.get::<_, String>(5)?, r.get::<_, String>(6)?, r.get::<_, String>(7)?],
                    r.get::<_, Option<String>>(8)?.or(r.get::<_, Option<String>>(9)?),
                    r.get::<_, Option<String>>(10)?,
                ))
            })?;
            let (control, kind, name, title, author, recips, date, text) = row;
            doc.add_u64(f.id, id as u64);
            doc.add_text(f.control, &control);
            doc.add_text(f.kind, &kind);
            for c in custodians(db, id)? {
                doc.add_text(f.custodian, &c);
            }
            if let Some(t) = &title {
                doc.add_text(f.title, t);
            }
            if let Some(a) = &author {
                doc.add_text(f.from, a);
            }
            for (field, list) in [f.to, f.cc, f.bcc].into_iter().zip(recips) {
                for r in serde_json::from_str::<Vec<String>>(&list).unwrap_or_default() {
                    doc.add_text(field, &r);
                }
            }
            doc.add_text(f.filename, &name);
            doc.add_text(f.ext, crate::ingest::detect::extension(&name));
            if let Some(d) = date.as_deref().and_then(parse_date) {
                doc.add_date(f.date, d);
            }
            if let Some(t) = &text {
                doc.add_text(f.text, t);
            }
            let w = self.writer()?;
            w.delete_term(Term::from_field_u64(f.id, id as u64));
            w.add_document(doc)?;
        }
        Ok(())
    }

    /// Makes queued changes durable and visible.
    pub fn commit(&mut self) -> Result<()> {
        if let Some(w) = self.writer.as_mut() {
            w.commit()?;
            self.reader.reload()?;
        }
        Ok(())
    }

    /// Indexes every item whose `indexed` flag is 0, commits, and sets the flags.
    /// Returns how many items it indexed.
    pub fn catch_up(&mut self, db: &Connection) -> Result<usize> {
        let ids: Vec<i64> = {
            let mut stmt = db.prepare("SELECT id FROM item WHERE indexed = 0 ORDER BY id")?;
            let rows = stmt.query_map([], |r| r.get(0))?;
            rows.collect::<Result<_, _>>()?
        };
        if ids.is_empty() {
            return Ok(0);
        }
        for chunk in ids.chunks(5000) {
            self.add_items(db, chunk)?;
        }
        self.commit()?;
        mark_indexed(db, &ids)?;
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
        let searcher = self.reader.searcher();
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

    /// Runs `query` (terms, phrases, AND/OR/NOT, `field:value`) and returns one page of hits
    /// with the exact total.
    pub fn search(&self, db: &Connection, query: &str, limit: usize, offset: usize, sort: Sort) -> Result<SearchResult> {
        let f = self.fields;
        let mut parser = QueryParser::for_index(&self.index, vec![f.title, f.text]);
        parser.set_conjunction_by_default();
        let q = parser.parse_query(query)?;
        let searcher = self.reader.searcher();
        let limit = limit.max(1);
        let (total, addrs): (usize, Vec<(f32, DocAddress)>) = match sort {
            Sort::Relevance => searcher.search(&q, &(Count, TopDocs::with_limit(limit).and_offset(offset).order_by_score()))?,
            Sort::Date => {
                let (n, docs) = searcher.search(
                    &q,
                    &(Count, TopDocs::with_limit(limit).and_offset(offset).order_by_fast_field::<tantivy::DateTime>("date", Order::Desc)),
                )?;
                (n, docs.into_iter().map(|(_, a)| (0.0, a)).collect())
            }
        };
        let mut snippets = SnippetGenerator::create(&searcher, &*q, f.text)?;
        snippets.set_max_num_chars(240);
        let mut hits = Vec::with_capacity(addrs.len());
        let mut meta = db.prepare_cached("SELECT control, kind, COALESCE(title, name), COALESCE(date, modified) FROM item WHERE id = ?1")?;
        for (score, addr) in addrs {
            let doc: TantivyDocument = searcher.doc(addr)?;
            let id = doc.get_first(f.id).and_then(|v| v.as_u64()).unwrap_or(0) as i64;
            let (control, kind, title, date) = meta.query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
            let mut snippet = snippets.snippet_from_doc(&doc).to_html();
            if snippet.is_empty() {
                let text = doc.get_first(f.text).and_then(|v| v.as_str()).unwrap_or("");
                snippet = html_escape(&text.chars().take(200).collect::<String>());
            }
            hits.push(Hit { id, control, kind, title, date, custodians: custodians(db, id)?, score, snippet });
        }
        Ok(SearchResult { query: query.to_string(), total, offset, hits })
    }
}

/// Sets `indexed = 1` on these items (after the commit that holds them).
pub fn mark_indexed(db: &Connection, ids: &[i64]) -> Result<()> {
    let tx = db.unchecked_transaction()?;
    {
        let mut stmt = tx.prepare_cached("UPDATE item SET indexed = 1 WHERE id = ?1")?;
        for id in ids {
            stmt.execute([id])?;
        }
    }
    tx.commit()?;
    Ok(())
}

fn parse_date(s: &str) -> Option<tantivy::DateTime> {
    let dt = chrono::DateTime::parse_from_rfc3339(s).ok()?;
    Some(tantivy::DateTime::from_timestamp_secs(dt.timestamp()))
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}
