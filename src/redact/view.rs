//! The redacted view: built here, once, for every surface (CLI `show --redacted`, the API's
//! redacted item, the UI, and productions), so they cannot disagree.
//!
//! What is hidden in an item is the union of
//! * its stored spans (manual, rule, region and copies from identical content);
//! * every *secret* of its family and of identical copies of its family members — the strings
//!   under their spans — wherever it recurs, found by folded matching ([`super::fold`]:
//!   case, width, accents, line breaks, markup and invisible characters seen through);
//! * every match of a stored rule whose scope includes the item, in the text and in every
//!   other string the view carries (title, names and addresses, custom headers, document
//!   properties, attachment and file names, paths, model-call fields), whose matched value
//!   then counts as a secret of the family too.
//!
//! The text is rebuilt from the characters outside the hidden ranges; every other string in
//! the answer is rebuilt the same way. Failing closed: a string whose decoded form (percent-
//! or quoted-printable-encoded, RFC 2047 encoded words) would reveal a hidden value is withheld
//! whole; span offsets (which give away lengths) and hit offsets are never part of a redacted
//! view.

use super::engine::{pseudonym, Treatment};
use super::fold::{self, Finder};
use super::scope::{body_start, text_field, Field, RuleScope};
use crate::error::{Error, Result};
use crate::index::search::{IdSet, SearchResult, Segment, Sort};
use crate::recognizers::RuleSet;
use crate::review::id_ranges;
use crate::store::{audit, items};
use crate::Matter;
use rusqlite::OptionalExtension;
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};

/// A stored rule, compiled, with the items it may touch and the fields it covers.
pub(crate) struct StoredRule {
    pub id: i64,
    pub set: RuleSet,
    pub reason: String,
    pub treatment: Treatment,
    /// `None`: every item.
    pub items: Option<IdSet>,
    /// The fields it hides values in and the values it leaves alone.
    pub scope: RuleScope,
}

impl StoredRule {
    pub(crate) fn covers(&self, id: i64) -> bool {
        self.items.as_ref().is_none_or(|s| s.contains(id as u64))
    }
}

/// A set of [`Field`]s as bits: where a hidden value is hidden.
type FieldMask = u8;
const EVERY_FIELD: FieldMask = 0b1111;

fn bit(f: Field) -> FieldMask {
    1 << (f as u8)
}

fn mask(fields: &[Field]) -> FieldMask {
    fields.iter().fold(0, |m, &f| m | bit(f))
}

/// One hidden value, how it is shown, and the fields it is hidden in (every field for a value
/// under a manual span; a rule's fields for a value a rule found).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Secret {
    value: String,
    reason: String,
    treatment: Treatment,
    fields: FieldMask,
}

impl PartialOrd for Treatment {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Treatment {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

/// A hidden char range of one string.
#[derive(Debug, Clone)]
struct Hide {
    start: usize,
    end: usize,
    reason: String,
    treatment: Treatment,
    /// Found by a rule (so the value becomes a secret of the whole view, in the rule's
    /// fields).
    from_rule: Option<FieldMask>,
}

/// Everything needed to redact the strings of one item's view.
pub(crate) struct ItemRedactor<'r> {
    key: String,
    rules: Vec<&'r StoredRule>,
    secrets: Vec<Secret>,
    finder: Finder,
    /// Every value hidden so far (secrets and what the rules matched), for search filtering.
    hidden: BTreeSet<String>,
    /// Values rules matched in metadata strings, to hide in the text too.
    found: Vec<Secret>,
    /// Hidden values that are hidden in some fields only: a production may show them where
    /// their rule does not reach, so they are checked against the finished view.
    scoped: BTreeSet<String>,
}

/// What [`Matter::redacted_item`] answers.
#[derive(Debug, Clone)]
pub struct RedactedItem {
    pub id: i64,
    /// The item answer (`ItemAnswer`'s shape: the item, and its call record for model calls),
    /// every string redacted, `redactions` empty, no `hits`.
    pub answer: Value,
    /// The redacted text (also `answer["text"]`).
    pub text: String,
    /// Every hidden value, folded into words: what a redacted-mode query must not confirm.
    pub hidden_words: BTreeSet<String>,
    /// Every hidden value as it was written that the view shows nowhere: what a production
    /// must not contain anywhere. (A value a rule hides in some fields only, and that the view
    /// shows in another, is left out.)
    pub hidden: BTreeSet<String>,
    /// Whether the view hides anything at all.
    pub redacted: bool,
}

fn render(text: &str, hides: &mut [Hide], key: &str) -> (String, Vec<(usize, usize)>) {
    hides.sort_by_key(|h| (h.start, h.end));
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    // (original char offset, output char offset) at each boundary, for remapping offsets.
    let mut map = Vec::new();
    let mut pos = 0usize;
    let mut out_len = 0usize;
    let mut i = 0;
    while i < hides.len() {
        let s = hides[i].start.min(chars.len());
        let mut e = hides[i].end.min(chars.len());
        let mut codes = vec![hides[i].reason.clone()];
        let mut pseudo_only = hides[i].treatment == Treatment::Pseudonymize;
        let mut j = i + 1;
        while j < hides.len() && hides[j].start <= e {
            e = e.max(hides[j].end.min(chars.len()));
            if !codes.contains(&hides[j].reason) {
                codes.push(hides[j].reason.clone());
            }
            pseudo_only &= hides[j].treatment == Treatment::Pseudonymize;
            j += 1;
        }
        i = j;
        if s < pos {
            // Inside a range already hidden.
            if e > pos {
                pos = e;
            }
            continue;
        }
        out.extend(&chars[pos..s]);
        out_len += s - pos;
        map.push((s, out_len));
        let marker = if pseudo_only {
            // Folded, so every way the value is written gets one pseudonym.
            let value: String = chars[s..e].iter().collect();
            pseudonym(key, &codes.join("/"), &fold::fold_str(&value))
        } else {
            format!("[REDACTED – {}]", codes.join("/"))
        };
        out_len += marker.chars().count();
        out.push_str(&marker);
        pos = e;
        map.push((e, out_len));
    }
    if pos < chars.len() {
        out.extend(&chars[pos..]);
    }
    (out, map)
}

/// The field of an item's title: an e-mail's subject is a header, a model call's title is its
/// first prompt (body), a document's title is a property (metadata).
fn title_field(kind: &str) -> Field {
    match kind {
        "email" => Field::Headers,
        "model_call" => Field::Body,
        _ => Field::Metadata,
    }
}

/// Every string of a JSON value, object keys included.
fn visit_strings(v: &Value, f: &mut dyn FnMut(&str)) {
    match v {
        Value::String(s) => f(s),
        Value::Array(a) => a.iter().for_each(|x| visit_strings(x, f)),
        Value::Object(o) => o.iter().for_each(|(k, x)| {
            f(k);
            visit_strings(x, f)
        }),
        _ => {}
    }
}

/// Maps an original char offset to the redacted text (an offset inside a hidden range goes to
/// the start of its marker).
fn remap(map: &[(usize, usize)], offset: usize) -> usize {
    let mut delta: isize = 0;
    for pair in map.chunks(2) {
        let (s, os) = pair[0];
        if offset < s {
            break;
        }
        let Some(&(e, oe)) = pair.get(1) else { break };
        if offset < e {
            return os;
        }
        delta = oe as isize - e as isize;
    }
    (offset as isize + delta).max(0) as usize
}

/// Decodings a string might hide a value behind: percent-encoding, quoted-printable and RFC
/// 2047 encoded words (`=?utf-8?b?…?=` / `?q?`).
fn decodings(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let unhex = |bytes: &[u8], marker: u8| -> Option<String> {
        let mut v = Vec::with_capacity(bytes.len());
        let mut i = 0;
        let mut changed = false;
        while i < bytes.len() {
            if bytes[i] == marker && i + 2 < bytes.len() {
                if let (Some(h), Some(l)) = ((bytes[i + 1] as char).to_digit(16), (bytes[i + 2] as char).to_digit(16)) {
                    v.push((h * 16 + l) as u8);
                    i += 3;
                    changed = true;
                    continue;
                }
            }
            v.push(if marker == b'=' && bytes[i] == b'_' { b' ' } else { bytes[i] });
            i += 1;
        }
        changed.then(|| String::from_utf8_lossy(&v).into_owned())
    };
    if s.contains('%') {
        out.extend(unhex(s.as_bytes(), b'%'));
    }
    if s.contains('=') {
        out.extend(unhex(s.as_bytes(), b'='));
    }
    // Encoded words: =?charset?B?base64?= (Q words are covered by the `=XX` pass above).
    let mut rest = s;
    while let Some(i) = rest.find("=?") {
        let after = &rest[i + 2..];
        let mut f = after.splitn(3, '?');
        if let (Some(_charset), Some(enc), Some(tail)) = (f.next(), f.next(), f.next()) {
            if let Some(end) = tail.find("?=") {
                if enc.eq_ignore_ascii_case("b") {
                    use base64::Engine;
                    let data = tail[..end].trim();
                    let engines = [&base64::engine::general_purpose::STANDARD, &base64::engine::general_purpose::STANDARD_NO_PAD];
                    if let Some(b) = engines.iter().find_map(|e| e.decode(data).ok()) {
                        out.push(String::from_utf8_lossy(&b).into_owned());
                    }
                }
                rest = &tail[end + 2..];
                continue;
            }
        }
        rest = after;
    }
    out
}

impl<'r> ItemRedactor<'r> {
    fn add_secret(&mut self, value: &str, reason: &str, treatment: Treatment, fields: FieldMask) {
        if value.trim().is_empty() {
            return;
        }
        self.hidden.insert(value.to_string());
        if fields != EVERY_FIELD {
            self.scoped.insert(value.to_string());
        }
        self.secrets.push(Secret { value: value.to_string(), reason: reason.to_string(), treatment, fields });
    }

    fn seal(&mut self) {
        self.secrets.sort();
        self.secrets.dedup();
        // One value, one set of fields: the union of every source's (the finder may report
        // any one of the entries for a value).
        let mut union: HashMap<&str, FieldMask> = HashMap::new();
        for s in &self.secrets {
            *union.entry(s.value.as_str()).or_default() |= s.fields;
        }
        let union: HashMap<String, FieldMask> = union.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
        for s in &mut self.secrets {
            s.fields = union[&s.value];
        }
        self.finder = Finder::new(self.secrets.iter().map(|s| s.value.as_str()));
    }

    /// Hidden ranges of `s`, whose char offsets fall in the fields `field_at` names: secrets
    /// found folded (and, for those too short to fold-match, exactly) and the rules' matches,
    /// each only where its fields reach.
    fn hides(&self, s: &str, field_at: &dyn Fn(usize) -> Field) -> Vec<Hide> {
        let mut hides = Vec::new();
        for (i, start, end) in self.finder.find(s) {
            let sec = &self.secrets[i];
            if sec.fields & bit(field_at(start)) != 0 {
                hides.push(Hide { start, end, reason: sec.reason.clone(), treatment: sec.treatment, from_rule: None });
            }
        }
        for sec in &self.secrets {
            if fold::fold_str(&sec.value).chars().count() < fold::MIN_FOLDED {
                for (b, m) in s.match_indices(sec.value.as_str()) {
                    let start = s[..b].chars().count();
                    if sec.fields & bit(field_at(start)) == 0 {
                        continue;
                    }
                    hides.push(Hide {
                        start,
                        end: start + m.chars().count(),
                        reason: sec.reason.clone(),
                        treatment: sec.treatment,
                        from_rule: None,
                    });
                }
            }
        }
        for r in &self.rules {
            for m in r.set.find(s) {
                if r.scope.hides(field_at(m.start), &m) {
                    let from_rule = Some(mask(&r.scope.fields));
                    hides.push(Hide { start: m.start, end: m.end, reason: r.reason.clone(), treatment: r.treatment, from_rule });
                }
            }
        }
        hides
    }

    /// One metadata string of `field`, redacted; withheld whole when an encoded form would
    /// reveal a hidden value the plain form does not show.
    fn string(&mut self, s: &str, field: Field) -> String {
        let at = |_: usize| field;
        let mut hides = self.hides(s, &at);
        let chars: Vec<char> = s.chars().collect();
        for h in &hides {
            let v: String = chars[h.start.min(chars.len())..h.end.min(chars.len())].iter().collect();
            self.hidden.insert(v.clone());
            if let Some(fields) = h.from_rule {
                if fields != EVERY_FIELD {
                    self.scoped.insert(v.clone());
                }
                self.found.push(Secret { value: v, reason: h.reason.clone(), treatment: h.treatment, fields });
            }
        }
        let out = if hides.is_empty() { s.to_string() } else { render(s, &mut hides, &self.key).0 };
        for d in decodings(&out) {
            if let Some(h) = self.hides(&d, &at).first() {
                return format!("[WITHHELD – {}]", h.reason);
            }
        }
        out
    }

    /// A JSON value whose strings are all of one field.
    fn json(&mut self, v: &Value, field: Field) -> Value {
        match v {
            Value::String(s) => Value::String(self.string(s, field)),
            Value::Array(a) => Value::Array(a.iter().map(|x| self.json(x, field)).collect()),
            Value::Object(o) => Value::Object(o.iter().map(|(k, x)| (self.string(k, field), self.json(x, field))).collect()),
            other => other.clone(),
        }
    }

    /// An item reference (`ItemRef`: family members, near-duplicates): its name is a file
    /// name, its title an e-mail's subject (a header) or a document's title.
    fn item_ref(&mut self, v: &Value) -> Value {
        let Value::Object(o) = v else { return self.json(v, Field::Metadata) };
        let kind = o.get("kind").and_then(Value::as_str);
        let out = o.iter().map(|(k, x)| {
            let field = match k.as_str() {
                "name" => Field::Attachments,
                "title" => title_field(kind.unwrap_or_default()),
                _ => Field::Metadata,
            };
            (k.clone(), self.json(x, field))
        });
        Value::Object(out.collect())
    }

    /// The item answer (`ItemView` as JSON; `skip` keys copied as they are), each string
    /// redacted as the field it belongs to (see [`super::scope`]).
    fn item_json(&mut self, v: &Value, kind: &str, skip: &[&str]) -> Value {
        let email = kind == "email";
        let Value::Object(o) = v else { return self.json(v, Field::Metadata) };
        let mut out = serde_json::Map::new();
        for (k, x) in o {
            let value = match k.as_str() {
                k if skip.contains(&k) => x.clone(),
                "title" => self.json(x, title_field(kind)),
                "family" => match x {
                    Value::Object(f) => Value::Object(
                        f.iter()
                            .map(|(fk, fx)| {
                                let v = match fx {
                                    Value::Array(a) => Value::Array(a.iter().map(|r| self.item_ref(r)).collect()),
                                    Value::Null => Value::Null,
                                    r => self.item_ref(r),
                                };
                                (fk.clone(), v)
                            })
                            .collect(),
                    ),
                    other => self.json(other, Field::Metadata),
                },
                "near_dups" => match x {
                    Value::Array(a) => Value::Array(a.iter().map(|r| self.item_ref(r)).collect()),
                    other => self.json(other, Field::Metadata),
                },
                "locations" => match x {
                    Value::Array(a) => Value::Array(
                        a.iter()
                            .map(|l| match l {
                                Value::Object(lo) => Value::Object(
                                    lo.iter()
                                        .map(|(lk, lx)| {
                                            let f = if lk == "path" || lk == "path_bytes" { Field::Attachments } else { Field::Metadata };
                                            (lk.clone(), self.json(lx, f))
                                        })
                                        .collect(),
                                ),
                                other => self.json(other, Field::Metadata),
                            })
                            .collect(),
                    ),
                    other => self.json(other, Field::Metadata),
                },
                "metadata" => match x {
                    Value::Object(mo) => Value::Object(
                        mo.iter()
                            .map(|(mk, mx)| {
                                let f = match mk.as_str() {
                                    "name" => Field::Attachments,
                                    "from" | "to" | "cc" | "bcc" | "message_id" | "in_reply_to" | "references" if email => Field::Headers,
                                    "extra" if email => Field::Headers,
                                    _ => Field::Metadata,
                                };
                                (mk.clone(), self.json(mx, f))
                            })
                            .collect(),
                    ),
                    other => self.json(other, Field::Metadata),
                },
                _ => self.json(x, Field::Metadata),
            };
            out.insert(k.clone(), value);
        }
        Value::Object(out)
    }
}

impl Matter {
    /// The stored rules, compiled, with their scopes resolved.
    pub(crate) fn stored_rules(&self) -> Result<Vec<StoredRule>> {
        type Row = (i64, String, String, String, Option<String>, Option<String>, Option<String>);
        let rows: Vec<Row> = self
            .store
            .db
            .prepare("SELECT id, spec, reason, treatment, scope, fields, allow FROM redaction_rule ORDER BY id")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?)))?
            .collect::<std::result::Result<_, _>>()?;
        let mut out = Vec::new();
        for (id, spec, reason, treatment, scope, fields, allow) in rows {
            let spec: super::RuleSpec = serde_json::from_str(&spec)?;
            let set = spec.compile().map_err(|e| {
                Error::BadRule(format!(
                    "stored redaction rule {id} no longer compiles ({e}); the redacted view cannot be built until it is removed or fixed"
                ))
            })?;
            let items = scope.map(|q| self.index.matching_ids(&self.store.db, &q)).transpose()?;
            let scope = RuleScope::from_columns(fields.as_deref(), allow.as_deref())?;
            out.push(StoredRule { id, set, reason, treatment: Treatment::parse(&treatment), items, scope });
        }
        Ok(out)
    }

    /// Secrets and rules for one item: spans of its family and of identical copies of its
    /// family members, and the rules' matches in those members' texts.
    fn item_redactor<'r>(&self, id: i64, rules: &'r [StoredRule], key: &str) -> Result<ItemRedactor<'r>> {
        let mut red = ItemRedactor {
            key: key.to_string(),
            rules: rules.iter().filter(|r| r.covers(id)).collect(),
            secrets: vec![],
            finder: Finder::new(std::iter::empty::<&str>()),
            hidden: BTreeSet::new(),
            found: vec![],
            scoped: BTreeSet::new(),
        };
        // The family (all of it when small; the item, its parent and its children in a
        // mailbox- or log-sized one), and the hashes of those members.
        let family: i64 = self.store.db.query_row("SELECT family_id FROM item WHERE id = ?1", [id], |r| r.get(0))?;
        let mut members: Vec<(i64, String)> = self
            .store
            .db
            .prepare_cached("SELECT id, sha256 FROM item WHERE family_id = ?1 LIMIT 501")?
            .query_map([family], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<std::result::Result<_, _>>()?;
        if members.len() > 500 {
            members = self
                .store
                .db
                .prepare_cached(
                    "SELECT id, sha256 FROM item WHERE id = ?1 OR id = (SELECT parent_id FROM item WHERE id = ?1)
                     UNION SELECT id, sha256 FROM item WHERE parent_id = ?1 LIMIT 501",
                )?
                .query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<std::result::Result<_, _>>()?;
        }
        let shas: std::collections::HashSet<&str> = members.iter().map(|m| m.1.as_str()).collect();
        // Spans anywhere in the family or on identical copies of its members.
        // (start, end, reason, treatment, fields) of each span, by item.
        type Spans = Vec<(usize, usize, String, String, FieldMask)>;
        let mut spans: HashMap<i64, Spans> = HashMap::new();
        {
            // A rule's span (and a copy of one) hides its value in the rule's fields only.
            let rule_fields: HashMap<String, FieldMask> = rules.iter().map(|r| (format!("rule:{}", r.id), mask(&r.scope.fields))).collect();
            let mut root_source = self.store.db.prepare_cached("SELECT source FROM redaction WHERE id = ?1")?;
            let mut fields_of = |source: &str| -> Result<FieldMask> {
                let root = match source.strip_prefix("copy:").and_then(|n| n.parse::<i64>().ok()) {
                    Some(n) => root_source.query_row([n], |r| r.get::<_, String>(0)).optional()?.unwrap_or_default(),
                    None => source.to_string(),
                };
                Ok(rule_fields.get(&root).copied().unwrap_or(EVERY_FIELD))
            };
            let mut stmt = self.store.db.prepare_cached(
                "SELECT r.item_id, r.start, r.end, r.reason, r.treatment, i.family_id, i.sha256, r.source FROM redaction r JOIN item i ON i.id = r.item_id",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, i64>(5)?,
                    r.get::<_, String>(6)?,
                    r.get::<_, String>(7)?,
                ))
            })?;
            for row in rows {
                let (item, s, e, reason, t, fam, sha, source) = row?;
                if fam == family || shas.contains(sha.as_str()) {
                    let fields = if source == "manual" { EVERY_FIELD } else { fields_of(&source)? };
                    spans.entry(item).or_default().push((s as usize, e as usize, reason, t, fields));
                }
            }
        }
        let mut sources: BTreeSet<i64> = spans.keys().copied().collect();
        sources.extend(members.iter().map(|m| m.0));
        let mut texts = crate::store::texts::Texts::new(&self.store.db)?;
        for &src in &sources {
            let rows = spans.remove(&src).unwrap_or_default();
            let in_family = members.iter().any(|m| m.0 == src);
            let member_rules: Vec<&StoredRule> = rules.iter().filter(|r| in_family && r.covers(src)).collect();
            if rows.is_empty() && member_rules.is_empty() {
                continue;
            }
            let text = texts.get(src)?.unwrap_or_default();
            let chars: Vec<char> = text.chars().collect();
            for (s, e, reason, t, fields) in rows {
                if s < e && e <= chars.len() {
                    let v: String = chars[s..e].iter().collect();
                    red.add_secret(&v, &reason, Treatment::parse(&t), fields);
                }
            }
            if !member_rules.is_empty() {
                let kind: String = self.store.db.query_row("SELECT kind FROM item WHERE id = ?1", [src], |r| r.get(0))?;
                for r in member_rules {
                    for (_, m) in super::rules::text_matches(&r.set, &r.scope, &kind, &text) {
                        red.add_secret(&m.text, &r.reason, r.treatment, mask(&r.scope.fields));
                    }
                }
            }
        }
        red.seal();
        Ok(red)
    }

    /// The one redacted view of an item (see the module doc). `hits` are refused: a hit
    /// offset, or its absence, would confirm a guessed redacted value.
    pub fn redacted_item(&self, key: &str) -> Result<RedactedItem> {
        let rules = self.stored_rules()?;
        let pkey = self.pseudonym_key()?;
        self.redacted_item_with(key, &rules, &pkey)
    }

    pub(crate) fn redacted_item_with(&self, key: &str, rules: &[StoredRule], pkey: &str) -> Result<RedactedItem> {
        let id = items::resolve(&self.store.db, key)?;
        let mut red = self.item_redactor(id, rules, pkey)?;
        // Metadata first: a rule's match in a header is a secret of the text as well.
        let mut item = self.item(&id.to_string())?;
        let original = std::mem::take(&mut item.text);
        let pages = std::mem::take(&mut item.pages);
        item.redactions.clear();
        let call = self.call_record(id)?;
        const SKIP: &[&str] = &["text", "sha256", "redactions", "pages", "id", "control", "kind"];
        let kind = item.kind.clone();
        let base = serde_json::to_value(&item)?;
        // A model call's record is its content: body.
        let call = call.map(|c| serde_json::to_value(&c)).transpose()?;
        // First pass: what the rules match in metadata becomes a secret of the whole view (the
        // text, and other fields where the rule would not match it as written), in the rule's
        // fields.
        red.item_json(&base, &kind, SKIP);
        if let Some(c) = &call {
            red.json(c, Field::Body);
        }
        if !red.found.is_empty() {
            for f in std::mem::take(&mut red.found) {
                red.add_secret(&f.value, &f.reason, f.treatment, f.fields);
            }
            red.seal();
        }
        let mut answer = red.item_json(&base, &kind, SKIP);
        if let Some(c) = &call {
            answer["model_call"] = red.json(c, Field::Body);
        }
        let mut hides = self.text_hides(id, &item.kind, &original, &red)?;
        let (text, map) = render(&original, &mut hides, pkey);
        for h in &hides {
            let v: String = original.chars().skip(h.start).take(h.end - h.start).collect();
            if h.from_rule.is_some_and(|f| f != EVERY_FIELD) {
                red.scoped.insert(v.clone());
            }
            red.hidden.insert(v);
        }
        answer["text"] = Value::String(text.clone());
        answer["pages"] = serde_json::to_value(pages.iter().map(|&p| remap(&map, p)).collect::<Vec<_>>())?;
        answer["redactions"] = Value::Array(vec![]);
        // A value a rule hides in some fields only and that the view still shows in another
        // (an address in a body, shown in the From line a body-only rule leaves alone) is not
        // one a production must not contain.
        let redacted = !red.hidden.is_empty();
        let mut hidden = red.hidden;
        let scoped: Vec<&String> = red.scoped.iter().filter(|v| !v.trim().is_empty()).collect();
        if !scoped.is_empty() {
            let finder = Finder::new(scoped.iter().map(|v| v.as_str()));
            let mut visible: BTreeSet<&str> = BTreeSet::new();
            visit_strings(&answer, &mut |shown| {
                visible.extend(finder.find(shown).into_iter().map(|(i, ..)| scoped[i].as_str()));
                let short = |v: &&&String| fold::fold_str(v).chars().count() < fold::MIN_FOLDED && shown.contains(v.as_str());
                visible.extend(scoped.iter().filter(short).map(|v| v.as_str()));
            });
            hidden.retain(|v| !visible.contains(v.as_str()));
        }
        let mut hidden_words = BTreeSet::new();
        for h in &hidden {
            hidden_words.extend(fold::folded_words(h));
        }
        Ok(RedactedItem { id, answer, text, hidden_words, hidden, redacted })
    }

    /// Hidden ranges of an item's text: its stored spans, its family's secrets wherever they
    /// recur, and its rules' matches.
    fn text_hides(&self, id: i64, kind: &str, text: &str, red: &ItemRedactor) -> Result<Vec<Hide>> {
        let mut hides: Vec<Hide> = self
            .redactions(Some(&id.to_string()), None)?
            .into_iter()
            .map(|r| Hide { start: r.start, end: r.end, reason: r.reason, treatment: r.treatment, from_rule: None })
            .collect();
        let bs = body_start(kind, text);
        hides.extend(red.hides(text, &|at| text_field(bs, at)));
        Ok(hides)
    }

    /// Char ranges of the item's text that the redacted view hides (stored spans and computed
    /// matches), with their reason: what the page overlays black out.
    pub(crate) fn hidden_ranges(&self, id: i64) -> Result<Vec<(usize, usize, String)>> {
        let rules = self.stored_rules()?;
        let pkey = self.pseudonym_key()?;
        let red = self.item_redactor(id, &rules, &pkey)?;
        let text = crate::store::texts::text(&self.store.db, id)?.unwrap_or_default();
        let kind: String = self.store.db.query_row("SELECT kind FROM item WHERE id = ?1", [id], |r| r.get(0))?;
        Ok(self.text_hides(id, &kind, &text, &red)?.into_iter().map(|h| (h.start, h.end, h.reason)).collect())
    }

    /// Applies the matter's redactions to items that arrived in `batch`: copies of the spans
    /// on identical content already in the matter, and every stored rule's matches. Called at
    /// the end of an ingest (files and model logs alike); one audited transaction.
    pub fn redact_arrivals(&mut self, batch: i64) -> Result<u64> {
        let any: bool =
            self.store.db.query_row("SELECT EXISTS(SELECT 1 FROM redaction) OR EXISTS(SELECT 1 FROM redaction_rule)", [], |r| r.get(0))?;
        if !any {
            return Ok(0);
        }
        let rules = self.stored_rules()?;
        // Spans on earlier content, by SHA-256, with the redaction a copy names as its source.
        // (start, end, source redaction, reason, treatment) of each span, by content hash.
        type Spans = Vec<(i64, i64, i64, String, String)>;
        let mut by_sha: HashMap<String, Spans> = HashMap::new();
        {
            let mut stmt = self.store.db.prepare(
                "SELECT i.sha256, r.id, r.start, r.end, r.reason, r.treatment, r.source FROM redaction r JOIN item i ON i.id = r.item_id
                 WHERE i.batch_id != ?1",
            )?;
            let rows = stmt.query_map([batch], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, String>(6)?,
                ))
            })?;
            for row in rows {
                let (sha, rid, s, e, reason, t, source) = row?;
                let root = source.strip_prefix("copy:").and_then(|n| n.parse().ok()).unwrap_or(rid);
                by_sha.entry(sha).or_default().push((root, s, e, reason, t));
            }
        }
        let arrivals: Vec<(i64, String, String)> = self
            .store
            .db
            .prepare("SELECT id, sha256, kind FROM item WHERE batch_id = ?1 ORDER BY id")?
            .query_map([batch], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<std::result::Result<_, _>>()?;
        let mut found: Vec<(i64, usize, usize, String, String, String)> = Vec::new();
        {
            let mut texts = crate::store::texts::Texts::new(&self.store.db)?;
            for (id, sha, kind) in &arrivals {
                for (root, s, e, reason, t) in by_sha.get(sha).into_iter().flatten() {
                    found.push((*id, *s as usize, *e as usize, reason.clone(), format!("copy:{root}"), t.clone()));
                }
                let applicable: Vec<&StoredRule> = rules.iter().filter(|r| r.covers(*id)).collect();
                if applicable.is_empty() {
                    continue;
                }
                let Some(text) = texts.get(*id)? else { continue };
                for r in applicable {
                    for (_, m) in super::rules::text_matches(&r.set, &r.scope, kind, &text) {
                        found.push((*id, m.start, m.end, r.reason.clone(), format!("rule:{}", r.id), r.treatment.as_str().to_string()));
                    }
                }
            }
        }
        if found.is_empty() {
            return Ok(0);
        }
        let tx = self.store.db.unchecked_transaction()?;
        let mut touched = Vec::new();
        for (id, s, e, reason, source, t) in &found {
            let t = Treatment::parse(t);
            let rid = super::engine::insert_redaction(&tx, *id, *s, *e, reason, source, t)?;
            if source.starts_with("rule:") {
                super::engine::propagate(&tx, *id, rid, *s, *e, reason, t)?;
            }
            if touched.last() != Some(id) {
                touched.push(*id);
            }
        }
        audit::append(
            &tx,
            "redaction.arrivals",
            &serde_json::json!({ "batch": batch, "redactions": found.len(), "items": id_ranges(&touched),
                                 "copies": found.iter().filter(|f| f.4.starts_with("copy:")).count(),
                                 "rules": found.iter().filter(|f| f.4.starts_with("rule:")).map(|f| f.4.clone()).collect::<BTreeSet<_>>() }),
        )?;
        tx.commit()?;
        Ok(found.len() as u64)
    }

    /// Search in redacted mode: what a reviewer of the redacted set may learn. An item whose
    /// hidden values share a word with the query (or, for a wildcard, regex or fuzzy query, any
    /// item with hidden values) is left out, so no answer — count, title, snippet, offsets —
    /// depends on a redacted value; a query a stored rule matches is answered with nothing,
    /// whatever the matter holds. Titles and snippets come from the redacted view; hit offsets
    /// are never given.
    pub fn search_redacted(&self, query: &str, limit: usize, offset: usize, sort: Sort) -> Result<SearchResult> {
        let rules = self.stored_rules()?;
        let pkey = self.pseudonym_key()?;
        let empty = || SearchResult { query: query.to_string(), total: 0, offset, hits: vec![] };
        if rules.iter().any(|r| !r.set.find(query).is_empty()) {
            return Ok(empty());
        }
        let words: BTreeSet<String> = fold::folded_words(query).into_iter().collect();
        let fuzzy = query.contains(['*', '?', '~', '/']);
        let reveals = |hidden: &BTreeSet<String>| -> bool { !hidden.is_empty() && (fuzzy || hidden.iter().any(|h| words.contains(h))) };
        // Families with stored spans (copies on identical content are stored spans too): the
        // words under them. A family whose hidden words the query names is left out whole, so
        // the total cannot depend on them.
        let mut fam_words: HashMap<i64, BTreeSet<String>> = HashMap::new();
        {
            let rows: Vec<(i64, i64, i64, i64)> = self
                .store
                .db
                .prepare(
                    "SELECT r.item_id, r.start, r.end, i.family_id FROM redaction r JOIN item i ON i.id = r.item_id ORDER BY r.item_id",
                )?
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
                .collect::<std::result::Result<_, _>>()?;
            let mut texts = crate::store::texts::Texts::new(&self.store.db)?;
            let mut current: Option<(i64, Vec<char>)> = None;
            for (item, s, e, family) in rows {
                if current.as_ref().is_none_or(|c| c.0 != item) {
                    current = Some((item, texts.get(item)?.unwrap_or_default().chars().collect()));
                }
                let chars = &current.as_ref().expect("just set").1;
                let v: String = chars[(s as usize).min(chars.len())..(e as usize).min(chars.len())].iter().collect();
                fam_words.entry(family).or_default().extend(fold::folded_words(&v));
            }
        }
        let matching = self.index.matching_ids(&self.store.db, query)?;
        let mut excluded = IdSet::default();
        let mut n_excluded = 0usize;
        let mut members = self.store.db.prepare("SELECT id FROM item WHERE family_id = ?1")?;
        for (family, hidden) in &fam_words {
            if !reveals(hidden) {
                continue;
            }
            for id in members.query_map([family], |r| r.get::<_, i64>(0))? {
                let id = id? as u64;
                if matching.contains(id) && !excluded.contains(id) {
                    excluded.insert(id);
                    n_excluded += 1;
                }
            }
        }
        let want = offset + limit.max(1);
        let raw = self.search(query, want + n_excluded, 0, sort)?;
        let mut total = raw.total.saturating_sub(n_excluded);
        let mut hits = Vec::new();
        let mut skipped = 0usize;
        for mut h in raw.hits.into_iter().filter(|h| !excluded.contains(h.id as u64)) {
            if skipped < offset {
                skipped += 1;
                continue;
            }
            if hits.len() >= limit.max(1) {
                break;
            }
            let v = self.redacted_item_with(&h.id.to_string(), &rules, &pkey)?;
            if reveals(&v.hidden_words) {
                // Only rules' metadata matches get here (stored spans were checked above).
                total = total.saturating_sub(1);
                continue;
            }
            h.title = v.answer["title"].as_str().or(v.answer["metadata"]["name"].as_str()).map(str::to_string);
            h.custodians = serde_json::from_value(v.answer["custodians"].clone())
                .map_err(|e| Error::Internal(format!("the redacted view's custodians are not a list of names: {e}")))?;
            h.offsets.clear();
            if !v.hidden_words.is_empty() {
                h.segments = redacted_snippet(&v.text, &words);
                h.snippet = Segment::plain(&h.segments);
            }
            hits.push(h);
        }
        Ok(SearchResult { query: query.to_string(), total, offset, hits })
    }
}

/// A passage of the redacted text around the first query word, that word a hit segment: cut
/// from the redacted text only, never from the original.
fn redacted_snippet(text: &str, words: &BTreeSet<String>) -> Vec<Segment> {
    let chars: Vec<char> = text.chars().collect();
    let lower: Vec<char> = chars.iter().map(|c| c.to_lowercase().next().unwrap_or(*c)).collect();
    let mut at = None;
    'outer: for w in words {
        let wc: Vec<char> = w.chars().collect();
        if wc.is_empty() || wc.len() > lower.len() {
            continue;
        }
        for i in 0..=lower.len() - wc.len() {
            if lower[i..i + wc.len()] == wc[..] {
                at = Some((i, i + wc.len()));
                break 'outer;
            }
        }
    }
    let plain = |s: &[char]| -> String { s.iter().map(|&c| if c == '\n' { ' ' } else { c }).collect() };
    let mut out = Vec::new();
    match at {
        Some((s, e)) => {
            let from = s.saturating_sub(100);
            let to = (e + 120).min(chars.len());
            Segment::push(&mut out, &plain(&chars[from..s]), false);
            Segment::push(&mut out, &plain(&chars[s..e]), true);
            Segment::push(&mut out, &plain(&chars[e..to]), false);
        }
        None => Segment::push(&mut out, &plain(&chars[..chars.len().min(240)]), false),
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn render_merges_and_remaps() {
        let mut h = vec![
            Hide { start: 4, end: 7, reason: "PII".into(), treatment: Treatment::Redact, from_rule: None },
            Hide { start: 6, end: 9, reason: "AC".into(), treatment: Treatment::Redact, from_rule: None },
        ];
        let (out, map) = render("abc 123456 xyz", &mut h, "k");
        assert_eq!(out, "abc [REDACTED – PII/AC]6 xyz");
        assert_eq!(remap(&map, 0), 0);
        assert_eq!(remap(&map, 5), 4);
        assert_eq!(remap(&map, 11), 11 - 9 + 4 + "[REDACTED – PII/AC]".chars().count());
        assert_eq!(out.chars().skip(remap(&map, 11)).collect::<String>(), "xyz");
    }

    /// A redactor with no rules or secrets yet: the tests add what they hide.
    fn empty_redactor() -> ItemRedactor<'static> {
        ItemRedactor {
            key: "k".into(),
            rules: vec![],
            secrets: vec![],
            finder: Finder::new(std::iter::empty::<&str>()),
            hidden: BTreeSet::new(),
            found: vec![],
            scoped: BTreeSet::new(),
        }
    }

    #[test]
    fn a_value_hidden_behind_an_encoding_is_withheld_whole() {
        let mut r = empty_redactor();
        r.add_secret("078-05-1120", "PII", Treatment::Redact, EVERY_FIELD);
        r.seal();
        let m = Field::Metadata;
        assert_eq!(r.string("ssn 078-05-\n1120 ok", m), "ssn [REDACTED – PII] ok");
        assert_eq!(r.string("ssn%20078%2D05%2D1120", m), "[WITHHELD – PII]");
        assert_eq!(r.string("=?utf-8?B?MDc4LTA1LTExMjA=?=", m), "[WITHHELD – PII]");
        assert_eq!(r.string("nothing here, 100% sure", m), "nothing here, 100% sure");
    }

    #[test]
    fn a_value_hidden_in_some_fields_shows_in_the_others() {
        let mut r = empty_redactor();
        r.add_secret("sally.beck@enron.com", "PII", Treatment::Redact, mask(&[Field::Body, Field::Attachments]));
        r.seal();
        assert_eq!(r.string("From: sally.beck@enron.com", Field::Headers), "From: sally.beck@enron.com");
        assert_eq!(r.string("mail sally.beck@enron.com", Field::Body), "mail [REDACTED – PII]");
    }

    #[test]
    fn encoded_forms_are_decoded() {
        assert!(decodings("card%204111").contains(&"card 4111".to_string()));
        assert!(decodings("=?utf-8?B?MDc4LTA1LTExMjA=?=").contains(&"078-05-1120".to_string()));
    }
}
