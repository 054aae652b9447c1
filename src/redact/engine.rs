//! Redactions as data: spans of an item's extracted text with a reason and a source, applied
//! consistently to every copy of the same content, and rendered into a redacted view that is
//! built only from the text outside the spans.

use crate::error::{Error, Result};
use crate::extract::pdf::Layout;
use crate::index::search::IdSet;
use crate::recognizers::RuleSet;
use crate::store::{audit, items, now};
use crate::Matter;
use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use ts_rs::TS;

pub use crate::store::spans::{RedactionSpan, Treatment};

/// One stored redaction.
#[derive(Debug, Clone, Serialize, TS)]
pub struct Redaction {
    pub id: i64,
    pub item: i64,
    pub control: String,
    /// Character offsets in the item's extracted text, end exclusive.
    pub start: usize,
    pub end: usize,
    pub reason: String,
    /// `manual`, `rule:N`, or `copy:N` (applied from redaction N on identical content).
    pub source: String,
    pub treatment: Treatment,
    pub actor: String,
    pub time: String,
}

impl From<Redaction> for RedactionSpan {
    fn from(r: Redaction) -> Self {
        RedactionSpan { id: r.id, start: r.start, end: r.end, reason: r.reason, source: r.source, treatment: r.treatment }
    }
}

/// A redaction's footprint on a page, in PDF user space points (see [`super::pages`]).
#[derive(Debug, Clone, Serialize)]
pub struct RedactionBox {
    /// The text redaction this word box hides, or `None` for a region.
    pub redaction: Option<i64>,
    /// The region redaction this box is, or `None` for a word box.
    pub region: Option<i64>,
    /// 1-based page number.
    pub page: u32,
    pub x0: f64,
    pub y0: f64,
    pub x1: f64,
    pub y1: f64,
    pub reason: String,
}

/// A word of a PDF's text layer: its char range in the item's text and its box in user space.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LayoutWord {
    pub page: u32,
    pub start: usize,
    pub end: usize,
    pub rect: crate::extract::pages::Rect,
}

/// The one mapping from char spans to page boxes: for every span, the box of every word it
/// touches, as `(span index, page, user-space rect)`. Redaction boxes and hit boxes both
/// come from here.
pub(crate) fn span_boxes(words: &[LayoutWord], spans: &[(usize, usize)]) -> Vec<(usize, u32, crate::extract::pages::Rect)> {
    let mut out = Vec::new();
    for w in words {
        for (i, &(s, e)) in spans.iter().enumerate() {
            if s < w.end && w.start < e {
                out.push((i, w.page, w.rect));
            }
        }
    }
    out
}

/// A rule's pattern.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RuleSpec {
    Builtin { names: Vec<String> },
    Regex { pattern: String },
    Terms { terms: Vec<String>, whole_word: bool, case_sensitive: bool },
}

impl RuleSpec {
    pub(crate) fn compile(&self) -> Result<RuleSet> {
        let set = match self {
            RuleSpec::Builtin { names } => {
                let names: Vec<&str> = names.iter().map(String::as_str).collect();
                RuleSet::builtin(&names)
            }
            RuleSpec::Regex { pattern } => RuleSet::default().with_regex(pattern),
            RuleSpec::Terms { terms, whole_word, case_sensitive } => RuleSet::default().with_terms(terms, *whole_word, *case_sensitive),
        };
        set.map_err(|e| Error::BadRule(e.to_string()))
    }
}

/// A redaction reason: its code (what a redaction stores and a production burns in), a label
/// for people, and whether Exhibit ships it or a user added it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Reason {
    pub code: String,
    pub label: String,
    pub builtin: bool,
}

/// Character-offset text slicing.
fn char_slice(text: &str, start: usize, end: usize) -> Option<&str> {
    let mut idx = text.char_indices().map(|(i, _)| i).chain(std::iter::once(text.len()));
    let s = idx.by_ref().nth(start)?;
    let e = if end == start { s } else { idx.nth(end - start - 1)? };
    Some(&text[s..e])
}

impl Matter {
    fn reason_exists(&self, code: &str) -> Result<bool> {
        Ok(self.store.db.query_row("SELECT COUNT(*) FROM redaction_reason WHERE code = ?1", [code], |r| r.get::<_, i64>(0))? > 0)
    }

    pub(crate) fn check_reason(&self, code: &str) -> Result<String> {
        let code = code.trim().to_uppercase();
        if !self.reason_exists(&code)? {
            let known: Vec<String> = self
                .store
                .db
                .prepare("SELECT code FROM redaction_reason ORDER BY code")?
                .query_map([], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            return Err(Error::BadReason(format!(
                "unknown redaction reason '{code}': use one of {} or add it with `exhibit redact reason add CODE LABEL`",
                known.join(", ")
            )));
        }
        Ok(code)
    }

    /// Every reason a redaction can give, as the UI offers them: the built-in codes in their
    /// order, then the codes users added (`exhibit redact reason add`), then any code the
    /// matter's redactions use that is in neither (a matter written by an older build). The
    /// labels are the matter's own, so the UI holds no copy of the list.
    pub fn redaction_reasons(&self) -> Result<Vec<Reason>> {
        let mut stmt = self.store.db.prepare(
            "SELECT code, label, builtin FROM (
                 SELECT code, label, builtin, rowid AS n FROM redaction_reason
                 UNION ALL
                 SELECT DISTINCT reason, reason, 0, 1e18 FROM (SELECT reason FROM redaction UNION SELECT reason FROM redaction_region)
                 WHERE reason NOT IN (SELECT code FROM redaction_reason))
             ORDER BY builtin DESC, n, code",
        )?;
        let rows = stmt.query_map([], |r| Ok(Reason { code: r.get(0)?, label: r.get(1)?, builtin: r.get::<_, i64>(2)? != 0 }))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Adds a user-defined reason code.
    pub fn add_reason(&mut self, code: &str, label: &str) -> Result<()> {
        let code = code.trim().to_uppercase();
        if code.is_empty() || !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            return Err(Error::BadReason("a reason code is letters, digits, '-' or '_' (e.g. EXPORT-CTRL)".into()));
        }
        let tx = self.store.db.unchecked_transaction()?;
        tx.execute("INSERT OR REPLACE INTO redaction_reason (code, label, builtin) VALUES (?1, ?2, 0)", params![code, label])?;
        audit::append(&tx, "redaction.reason", &serde_json::json!({ "code": code, "label": label }))?;
        tx.commit()?;
        audit::publish_head(&self.store.db);
        Ok(())
    }

    /// Redacts characters `start..end` of an item's text, and the same span of every item with
    /// identical content. Returns the new redaction's id.
    pub fn redact_add(&mut self, item: &str, start: usize, end: usize, reason: &str, treatment: Treatment) -> Result<i64> {
        let id = items::resolve(&self.store.db, item)?;
        let reason = self.check_reason(reason)?;
        let text: String = crate::store::texts::text(&self.store.db, id)?.unwrap_or_default();
        let len = text.chars().count();
        if start >= end || end > len {
            return Err(Error::BadRange(format!("the span {start}:{end} is not inside the item's text (0:{len})")));
        }
        let tx = self.store.db.unchecked_transaction()?;
        let rid = insert_redaction(&tx, id, start, end, &reason, "manual", treatment)?;
        let copies = propagate(&tx, id, rid, start, end, &reason, treatment)?;
        audit::append(
            &tx,
            "redaction.add",
            &serde_json::json!({ "redaction": rid, "item": id, "start": start, "end": end, "reason": reason,
                                 "treatment": treatment.as_str(), "copies": copies }),
        )?;
        tx.commit()?;
        audit::publish_head(&self.store.db);
        Ok(rid)
    }

    /// Removes a redaction (and the copies made from it on identical content).
    pub fn redact_remove(&mut self, redaction: i64) -> Result<u64> {
        let tx = self.store.db.unchecked_transaction()?;
        let found: Option<(i64, i64, i64, String)> = tx
            .query_row("SELECT item_id, start, end, reason FROM redaction WHERE id = ?1", [redaction], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .optional()?;
        let Some((item, start, end, reason)) = found else {
            return Err(Error::NotFound(format!("there is no redaction {redaction}: see `exhibit redact list`")));
        };
        let n = tx.execute("DELETE FROM redaction WHERE id = ?1 OR source = ?2", params![redaction, format!("copy:{redaction}")])?;
        audit::append(
            &tx,
            "redaction.remove",
            &serde_json::json!({ "redaction": redaction, "item": item, "start": start, "end": end, "reason": reason, "removed": n }),
        )?;
        tx.commit()?;
        audit::publish_head(&self.store.db);
        Ok(n as u64)
    }

    /// Redactions, optionally of one item and/or one reason.
    pub fn redactions(&self, item: Option<&str>, reason: Option<&str>) -> Result<Vec<Redaction>> {
        let item_id = item.map(|i| items::resolve(&self.store.db, i)).transpose()?;
        let mut stmt = self.store.db.prepare(
            "SELECT r.id, r.item_id, i.control, r.start, r.end, r.reason, r.source, r.treatment, r.actor, r.time
             FROM redaction r JOIN item i ON i.id = r.item_id
             WHERE (?1 IS NULL OR r.item_id = ?1) AND (?2 IS NULL OR r.reason = ?2) ORDER BY r.item_id, r.start, r.id",
        )?;
        let rows = stmt.query_map(params![item_id, reason.map(|r| r.to_uppercase())], |r| {
            Ok(Redaction {
                id: r.get(0)?,
                item: r.get(1)?,
                control: r.get(2)?,
                start: r.get::<_, i64>(3)? as usize,
                end: r.get::<_, i64>(4)? as usize,
                reason: r.get(5)?,
                source: r.get(6)?,
                treatment: Treatment::parse(&r.get::<_, String>(7)?),
                actor: r.get(8)?,
                time: r.get(9)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The item's text with every redaction applied; the original text of a span never
    /// reaches the output. Overlapping and touching spans merge (their codes joined).
    /// The text of the one redacted view ([`super::view`]).
    pub fn redacted_text(&self, item: &str) -> Result<String> {
        Ok(self.redacted_item(item)?.text)
    }

    /// Other items whose text contains a string redacted on `item` where it is not redacted:
    /// near-duplicates and other copies to review.
    pub fn redaction_offers(&self, item: &str) -> Result<Vec<(String, String, usize)>> {
        let id = items::resolve(&self.store.db, item)?;
        let text: String = crate::store::texts::text(&self.store.db, id)?.unwrap_or_default();
        let mut out = Vec::new();
        for r in self.redactions(Some(&id.to_string()), None)? {
            let Some(s) = char_slice(&text, r.start, r.end) else { continue };
            if s.trim().chars().count() < 4 {
                continue;
            }
            let found = self.index.matching_ids(&self.store.db, &format!("\"{}\"", s.replace('"', " ")))?;
            for other in found.iter() {
                let other = other as i64;
                if other == id {
                    continue;
                }
                let control: String = self.store.db.query_row("SELECT control FROM item WHERE id = ?1", [other], |r| r.get(0))?;
                out.push((control, s.to_string(), r.id as usize));
            }
        }
        Ok(out)
    }

    /// The per-matter key for pseudonyms (created on first use, stored in the matter).
    pub(crate) fn pseudonym_key(&self) -> Result<String> {
        if let Some(k) = self.meta("pseudonym_key")? {
            return Ok(k);
        }
        let mut seed = Vec::new();
        seed.extend_from_slice(
            &std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos().to_le_bytes(),
        );
        seed.extend_from_slice(&std::process::id().to_le_bytes());
        if let Ok(mut f) = std::fs::File::open("/dev/urandom") {
            use std::io::Read;
            let mut buf = [0u8; 32];
            if f.read_exact(&mut buf).is_ok() {
                seed.extend_from_slice(&buf);
            }
        }
        let key = hex::encode(Sha256::digest(&seed));
        let tx = self.store.db.unchecked_transaction()?;
        tx.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('pseudonym_key', ?1)", [&key])?;
        audit::append(&tx, "redaction.key", &serde_json::json!({ "created": true }))?;
        tx.commit()?;
        audit::publish_head(&self.store.db);
        Ok(self.meta("pseudonym_key")?.unwrap_or(key))
    }

    /// Every string redacted on the item or anywhere in its family, with its replacement,
    /// longest first (so a secret that contains another is replaced whole).
    pub fn redacted_strings(&self, item: i64) -> Result<Vec<(String, String)>> {
        let key = self.pseudonym_key()?;
        let mut stmt = self.store.db.prepare(
            "SELECT r.item_id, r.start, r.end, r.reason, r.treatment FROM redaction r
             WHERE r.item_id IN (SELECT id FROM item WHERE family_id = (SELECT family_id FROM item WHERE id = ?1))",
        )?;
        let rows = stmt.query_map([item], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)? as usize,
                r.get::<_, i64>(2)? as usize,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
            ))
        })?;
        let mut texts = crate::store::texts::Texts::new(&self.store.db)?;
        // Each redacted item's text, read once.
        let mut text_of: std::collections::HashMap<i64, String> = std::collections::HashMap::new();
        let mut secrets = Vec::new();
        for row in rows {
            let (id, start, end, reason, treatment) = row?;
            let text = match text_of.entry(id) {
                std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::hash_map::Entry::Vacant(e) => e.insert(texts.get(id)?.unwrap_or_default()),
            };
            if let Some(s) = char_slice(text, start, end) {
                let replacement = match Treatment::parse(&treatment) {
                    Treatment::Pseudonymize => pseudonym(&key, &reason, s),
                    Treatment::Redact => format!("[REDACTED – {reason}]"),
                };
                if !s.trim().is_empty() {
                    secrets.push((s.to_string(), replacement));
                }
            }
        }
        secrets.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
        secrets.dedup();
        Ok(secrets)
    }

    /// A JSON document about an item (its record as logged, or its whole `show` output) with
    /// every string redacted on the item or its family replaced inside every string value:
    /// titles, subjects, file names and metadata included. Structure, keys and numbers are
    /// untouched, so the result is still valid JSON.
    pub fn redacted_json(&self, item: i64, value: &serde_json::Value) -> Result<serde_json::Value> {
        Ok(redact_json(value, &self.redacted_strings(item)?))
    }

    /// Where each redaction falls on the item's pages (PDFs), in PDF user space points (origin
    /// bottom-left, y up, before `/Rotate`; see [`super::pages`]): one box per word a span
    /// touches, from the glyph positions kept at extraction, then one box per region drawn on a
    /// page. Page images are blacked out from these.
    pub fn redaction_boxes(&self, item: &str) -> Result<Vec<RedactionBox>> {
        let id = items::resolve(&self.store.db, item)?;
        let spans = self.redactions(Some(&id.to_string()), None)?;
        let words = self.layout_words(id)?;
        // Stored spans, then what else the redacted view hides (copies of family secrets,
        // stored rules' matches not yet stored as spans): the page hides what the text hides.
        let mut ranges: Vec<(usize, usize, Option<i64>, String)> =
            spans.iter().map(|r| (r.start, r.end, Some(r.id), r.reason.clone())).collect();
        if !words.is_empty() {
            for (s, e, reason) in self.hidden_ranges(id)? {
                if !spans.iter().any(|r| r.start == s && r.end == e) {
                    ranges.push((s, e, None, reason));
                }
            }
        }
        let plain: Vec<(usize, usize)> = ranges.iter().map(|r| (r.0, r.1)).collect();
        let mut out: Vec<RedactionBox> = span_boxes(&words, &plain)
            .into_iter()
            .map(|(i, page, b)| {
                let r = &ranges[i];
                RedactionBox { redaction: r.2, region: None, page, x0: b[0], y0: b[1], x1: b[2], y1: b[3], reason: r.3.clone() }
            })
            .collect();
        for g in self.redaction_regions(id)? {
            out.push(RedactionBox {
                redaction: None,
                region: Some(g.id),
                page: g.page,
                x0: g.rect[0],
                y0: g.rect[1],
                x1: g.rect[2],
                y1: g.rect[3],
                reason: g.reason,
            });
        }
        Ok(out)
    }

    /// The item's words with their char ranges and user-space boxes, from the layout stored
    /// at extraction (empty for anything but a PDF with a text layer).
    pub(crate) fn layout_words(&self, id: i64) -> Result<Vec<LayoutWord>> {
        let layout: Option<String> =
            self.store.db.query_row("SELECT layout_json FROM item_text WHERE item_id = ?1", [id], |r| r.get(0)).optional()?.flatten();
        let Some(layout) = layout else { return Ok(vec![]) };
        let layout = Layout::from_json(&layout)?;
        Ok(layout
            .pages
            .iter()
            .flat_map(|p| p.words.iter().map(|w| LayoutWord { page: p.page, start: w.start, end: w.end, rect: w.rect }))
            .collect())
    }

    /// Item ids that carry at least one redaction.
    pub fn redacted_items(&self) -> Result<IdSet> {
        let mut stmt = self.store.db.prepare("SELECT item_id FROM redaction UNION SELECT item_id FROM redaction_region")?;
        let rows = stmt.query_map([], |r| r.get::<_, i64>(0))?;
        let mut s = IdSet::default();
        for r in rows {
            s.insert(r? as u64);
        }
        Ok(s)
    }
}

pub(crate) fn insert_redaction(
    tx: &rusqlite::Connection,
    item: i64,
    start: usize,
    end: usize,
    reason: &str,
    source: &str,
    t: Treatment,
) -> Result<i64> {
    let existing: Option<i64> = tx
        .query_row(
            "SELECT id FROM redaction WHERE item_id = ?1 AND start = ?2 AND end = ?3 AND reason = ?4",
            params![item, start as i64, end as i64, reason],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(id) = existing {
        return Ok(id);
    }
    tx.execute(
        "INSERT INTO redaction (item_id, start, end, reason, source, treatment, actor, time) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![item, start as i64, end as i64, reason, source, t.as_str(), audit::actor(), now()],
    )?;
    Ok(tx.last_insert_rowid())
}

/// Copies a redaction to every other item with the same content (same SHA-256 and therefore
/// the same text): identical attachments in different families, for example.
pub(crate) fn propagate(
    tx: &rusqlite::Connection,
    item: i64,
    rid: i64,
    start: usize,
    end: usize,
    reason: &str,
    t: Treatment,
) -> Result<Vec<i64>> {
    let twins: Vec<i64> = tx
        .prepare_cached("SELECT id FROM item WHERE sha256 = (SELECT sha256 FROM item WHERE id = ?1) AND id != ?1")?
        .query_map([item], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let source = format!("copy:{rid}");
    for &twin in &twins {
        insert_redaction(tx, twin, start, end, reason, &source, t)?;
    }
    Ok(twins)
}

/// A pseudonym for `value`: the same value always gives the same token within a matter.
pub fn pseudonym(key: &str, reason: &str, value: &str) -> String {
    let mut h = Sha256::new();
    h.update(key.as_bytes());
    h.update(b"\0");
    h.update(value.trim().to_lowercase().as_bytes());
    format!("[{reason}-{}]", &hex::encode(h.finalize())[..8])
}

/// Builds the redacted text: only the characters outside every span are copied.
pub fn apply(text: &str, spans: &[Redaction], key: &str) -> String {
    // Merge overlapping/touching spans, keeping every code and the strongest treatment.
    let mut sorted: Vec<&Redaction> = spans.iter().collect();
    sorted.sort_by_key(|r| (r.start, r.end));
    struct Merged {
        start: usize,
        end: usize,
        codes: Vec<String>,
        pseudo_only: bool,
    }
    let mut merged: Vec<Merged> = Vec::new();
    for r in sorted {
        match merged.last_mut() {
            Some(m) if r.start <= m.end => {
                m.end = m.end.max(r.end);
                if !m.codes.contains(&r.reason) {
                    m.codes.push(r.reason.clone());
                }
                m.pseudo_only &= r.treatment == Treatment::Pseudonymize;
            }
            _ => merged.push(Merged {
                start: r.start,
                end: r.end,
                codes: vec![r.reason.clone()],
                pseudo_only: r.treatment == Treatment::Pseudonymize,
            }),
        }
    }
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut pos = 0usize;
    for m in &merged {
        let s = m.start.min(chars.len());
        let e = m.end.min(chars.len());
        if s > pos {
            out.extend(&chars[pos..s]);
        }
        if m.pseudo_only {
            let value: String = chars[s..e].iter().collect();
            out.push_str(&pseudonym(key, &m.codes.join("/"), &value));
        } else {
            out.push_str(&format!("[REDACTED – {}]", m.codes.join("/")));
        }
        pos = pos.max(e);
    }
    if pos < chars.len() {
        out.extend(&chars[pos..]);
    }
    out
}

/// Redacts inside a JSON document (a model call's raw record): every string value containing
/// a redacted string has it replaced; keys, numbers and structure are untouched, so the result
/// is still valid JSON.
pub fn redact_json(value: &serde_json::Value, secrets: &[(String, String)]) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::String(s) => {
            let mut out = s.clone();
            for (secret, replacement) in secrets {
                if !secret.is_empty() && out.contains(secret.as_str()) {
                    out = out.replace(secret.as_str(), replacement);
                }
            }
            Value::String(out)
        }
        Value::Array(a) => Value::Array(a.iter().map(|v| redact_json(v, secrets)).collect()),
        Value::Object(o) => Value::Object(o.iter().map(|(k, v)| (k.clone(), redact_json(v, secrets))).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn red(start: usize, end: usize, reason: &str, t: Treatment) -> Redaction {
        Redaction {
            id: 0,
            item: 0,
            control: String::new(),
            start,
            end,
            reason: reason.into(),
            source: "manual".into(),
            treatment: t,
            actor: String::new(),
            time: String::new(),
        }
    }

    #[test]
    fn the_reasons_are_the_matters_own_with_those_users_added() {
        let dir = tempfile::tempdir().unwrap();
        let mut m = Matter::create(dir.path().join("m"), "R").unwrap();
        let codes = |m: &Matter| m.redaction_reasons().unwrap().into_iter().map(|r| r.code).collect::<Vec<_>>();
        assert_eq!(codes(&m), ["AC", "WP", "PII", "SECRET", "TS", "3P"]);
        let ac = &m.redaction_reasons().unwrap()[0];
        assert_eq!((ac.label.as_str(), ac.builtin), ("Privileged – attorney-client", true));
        m.add_reason("export-ctrl", "Export controlled").unwrap();
        assert_eq!(codes(&m).last().map(String::as_str), Some("EXPORT-CTRL"));
        assert!(!m.redaction_reasons().unwrap().last().unwrap().builtin);
    }

    #[test]
    fn overlapping_spans_merge_and_originals_never_leak() {
        let text = "Grüße, call 555-0100 or mail jörg@example.de today";
        let spans = [red(12, 20, "PII", Treatment::Redact), red(16, 44, "AC", Treatment::Redact)];
        let out = apply(text, &spans, "k");
        assert_eq!(out, "Grüße, call [REDACTED – PII/AC] today");
        assert!(!out.contains("555") && !out.contains("jörg"));
    }

    #[test]
    fn pseudonyms_are_stable_per_value_and_key() {
        let a = pseudonym("k1", "PII", "alice@example.com");
        assert_eq!(a, pseudonym("k1", "PII", "Alice@Example.com "));
        assert_ne!(a, pseudonym("k1", "PII", "bob@example.com"));
        assert_ne!(a, pseudonym("k2", "PII", "alice@example.com"));
        let text = "from alice@example.com to alice@example.com";
        let spans = [red(5, 22, "PII", Treatment::Pseudonymize), red(26, 43, "PII", Treatment::Pseudonymize)];
        let out = apply(text, &spans, "k1");
        assert_eq!(out, format!("from {a} to {a}"));
    }

    #[test]
    fn json_redaction_keeps_valid_json() {
        let v: serde_json::Value = serde_json::json!({
            "user": "u-123", "ip": "10.1.2.3",
            "request": {"messages": [{"role": "user", "content": "my key is sk-abc123 ok"}], "temperature": 0.7}
        });
        let out = redact_json(&v, &[("sk-abc123".into(), "[REDACTED – SECRET]".into()), ("10.1.2.3".into(), "[REDACTED – PII]".into())]);
        let text = serde_json::to_string(&out).unwrap();
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back["request"]["messages"][0]["content"], "my key is [REDACTED – SECRET] ok");
        assert_eq!(back["ip"], "[REDACTED – PII]");
        assert_eq!(back["request"]["temperature"], 0.7);
        assert!(!text.contains("sk-abc123"));
    }

    #[test]
    fn char_slices() {
        assert_eq!(char_slice("grüße", 1, 4), Some("rüß"));
        assert_eq!(char_slice("abc", 3, 3), Some(""));
        assert_eq!(char_slice("abc", 2, 5), None);
    }
}
