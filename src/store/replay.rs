//! Replaying the audit log: the review state its entries imply — tags, notes, saved searches,
//! redaction reasons, rules, redactions, region redactions — and the items ingest recorded,
//! compared with the tables, every difference named.
//!
//! Tags, notes, saved searches, reasons and rules have always been logged in full. Redactions
//! and regions are replayed from the row-level `effects` entries carry since detail version 2
//! (see [`super::audit`]); an older entry that changed them makes the redaction state unknown
//! up to it, so only what changed after it is checked ("not replayable before entry N"), never
//! reported as tampering. Items are checked against the fingerprints (original pointer, text)
//! ingest entries list since version 2.

use super::audit::{pointer_fp, text_fp, DETAIL_VERSION};
use crate::error::Result;
use rusqlite::{Connection, OptionalExtension};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// One difference between the log and the tables.
#[derive(Debug, Clone)]
pub struct Finding {
    /// `audit_detail`, `tag_*`, `note_*`, `search_*`, `reason_*`, `rule_*`, `redaction_*`,
    /// `region_*`, `item_*` (see each message).
    pub code: &'static str,
    pub detail: String,
}

/// What replaying found: differences (tampering or unaudited changes) and notes (what could
/// not be checked, and why).
#[derive(Debug, Default)]
pub struct Replayed {
    pub problems: Vec<Finding>,
    pub notes: Vec<String>,
    /// Entries replayed.
    pub entries: u64,
}

/// Actions that change redactions or regions: without `effects` they cannot be replayed.
const REDACTION_ACTIONS: &[&str] =
    &["redaction.add", "redaction.remove", "redaction.rule", "redaction.rule.remove", "redaction.region.add", "redaction.region.remove"];
/// Actions that add items: since version 2 they list their items' fingerprints.
const INGEST_ACTIONS: &[&str] = &["ingest.add", "ingest.calls", "ingest.log"];

/// Differences of one kind shown in full before the rest are counted.
const SHOWN: usize = 25;

/// "1-5,7" → [1, 2, 3, 4, 5, 7] (the audit log's id lists, [`super::audit::id_ranges`]).
pub fn parse_ranges(s: &str) -> Vec<i64> {
    let mut out = Vec::new();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (a, b) = match part.split_once('-') {
            Some((a, b)) => (a.parse::<i64>(), b.parse::<i64>()),
            None => (part.parse::<i64>(), part.parse::<i64>()),
        };
        if let (Ok(a), Ok(b)) = (a, b) {
            out.extend(a..=b);
        }
    }
    out
}

/// A rule as logged: (spec, reason, treatment, query, fields, allow).
type LoggedRule = (Value, String, String, Option<String>, Value, Value);

#[derive(Default)]
struct State {
    tag_names: HashMap<String, String>,
    tags: HashSet<(i64, String)>,
    notes: BTreeMap<i64, (i64, String)>,
    searches: BTreeMap<String, String>,
    reasons: BTreeMap<String, String>,
    /// Rule id → (spec, reason, treatment, query, fields, allow); fields and allow are null
    /// for rules logged before they existed (every field, nothing allowed).
    rules: BTreeMap<i64, LoggedRule>,
    /// Rule id → the items its run hid something in (`items` of its entry).
    rule_items: BTreeMap<i64, BTreeSet<i64>>,
    /// Redaction id → its row as last written (`None`: deleted).
    redactions: BTreeMap<i64, Option<Value>>,
    regions: BTreeMap<i64, Option<Value>>,
    /// The last entry that changed redactions without recording how.
    redactions_unknown_until: Option<i64>,
    /// Item id → (entry, 32-hex fingerprint).
    items: HashMap<i64, (i64, String)>,
    items_unknown_until: Option<i64>,
}

/// Replays the whole log and compares it with the tables.
pub fn check(conn: &Connection) -> Result<Replayed> {
    let mut out = Replayed::default();
    let mut st = State::default();
    let mut first_detailed: Option<i64> = None;
    {
        let mut stmt = conn.prepare("SELECT seq, action, payload FROM audit ORDER BY seq")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let (seq, action, payload): (i64, String, String) = (r.get(0)?, r.get(1)?, r.get(2)?);
            out.entries += 1;
            // A payload that is not JSON is damage the verifier names, not an empty entry.
            let p: Value = match serde_json::from_str(&payload) {
                Ok(p) => p,
                Err(e) => {
                    out.problems.push(Finding {
                        code: "audit_payload",
                        detail: format!("entry {seq} ({action}) has a payload that is not JSON ({e})"),
                    });
                    Value::Null
                }
            };
            let detailed = p["audit_v"].as_i64().unwrap_or(1) >= DETAIL_VERSION;
            match (detailed, first_detailed) {
                (true, None) => first_detailed = Some(seq),
                (false, Some(from)) => out.problems.push(Finding {
                    code: "audit_detail",
                    detail: format!("entry {seq} ({action}) lacks the replay detail every entry since entry {from} carries: it was not written by Exhibit"),
                }),
                _ => {}
            }
            apply(&mut st, seq, &action, &p, detailed);
        }
    }
    if let Some(n) = st.redactions_unknown_until {
        out.notes.push(format!(
            "redactions are not replayable before entry {} (an older Exhibit logged too little to replay them): only those changed since were checked",
            n + 1
        ));
    }
    if let Some(n) = st.items_unknown_until {
        out.notes.push(format!(
            "items ingested before entry {} have no fingerprint in the log (an older Exhibit): their originals are checked against their hashes only",
            n + 1
        ));
    }
    compare(conn, &st, &mut out)?;
    Ok(out)
}

fn s(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

fn apply(st: &mut State, seq: i64, action: &str, p: &Value, detailed: bool) {
    match action {
        "tag.create" => {
            let name = s(&p["tag"]);
            st.tag_names.insert(name.to_lowercase(), name);
        }
        "tag.add" | "tag.remove" => {
            let name = s(&p["tag"]);
            let key = name.to_lowercase();
            st.tag_names.entry(key.clone()).or_insert(name);
            for id in parse_ranges(p["items"].as_str().unwrap_or("")) {
                if action == "tag.add" {
                    st.tags.insert((id, key.clone()));
                } else {
                    st.tags.remove(&(id, key.clone()));
                }
            }
        }
        "note.add" => {
            if let (Some(note), Some(item)) = (p["note"].as_i64(), p["item"].as_i64()) {
                st.notes.insert(note, (item, s(&p["text"])));
            }
        }
        "search.save" => {
            st.searches.insert(s(&p["name"]), s(&p["query"]));
        }
        "search.delete" => {
            st.searches.remove(&s(&p["name"]));
        }
        "redaction.reason" => {
            st.reasons.insert(s(&p["code"]), s(&p["label"]));
        }
        "redaction.rule" => {
            if let Some(rule) = p["rule"].as_i64() {
                let scope = p["scope"].as_str().map(str::to_string);
                let fields = p.get("fields").cloned().unwrap_or(Value::Null);
                let allow = p.get("allow").cloned().unwrap_or(Value::Null);
                st.rules.insert(rule, (p["spec"].clone(), s(&p["reason"]), s(&p["treatment"]), scope, fields, allow));
                st.rule_items.insert(rule, parse_ranges(p["items"].as_str().unwrap_or_default()).into_iter().collect());
            }
        }
        "redaction.rule.remove" => {
            if let Some(rule) = p["rule"].as_i64() {
                st.rules.remove(&rule);
                st.rule_items.remove(&rule);
            }
        }
        _ => {}
    }
    if REDACTION_ACTIONS.contains(&action) && !detailed {
        st.redactions.clear();
        st.regions.clear();
        st.redactions_unknown_until = Some(seq);
    }
    for fx in p["effects"].as_array().into_iter().flatten() {
        let (Some(table), Some(op), Some(id)) = (fx[0].as_str(), fx[1].as_str(), fx[2].as_i64()) else { continue };
        let row = if op == "+" { Some(fx[3].clone()) } else { None };
        match table {
            "redaction" => st.redactions.insert(id, row),
            "redaction_region" => st.regions.insert(id, row),
            _ => None,
        };
    }
    if INGEST_ACTIONS.contains(&action) {
        match p.get("items_fp") {
            Some(fp) if detailed => {
                let ids = parse_ranges(fp["ids"].as_str().unwrap_or(""));
                let hex = fp["fp"].as_str().unwrap_or("");
                for (i, id) in ids.into_iter().enumerate() {
                    let f = hex.get(i * 32..i * 32 + 32).unwrap_or("").to_string();
                    st.items.insert(id, (seq, f));
                }
            }
            _ => st.items_unknown_until = Some(seq),
        }
    }
}

/// Collects findings of one kind, showing the first [`SHOWN`] and counting the rest.
struct Sink<'a> {
    out: &'a mut Replayed,
    counts: BTreeMap<&'static str, usize>,
}

impl Sink<'_> {
    fn push(&mut self, code: &'static str, detail: String) {
        let n = self.counts.entry(code).or_default();
        *n += 1;
        if *n <= SHOWN {
            self.out.problems.push(Finding { code, detail });
        }
    }
    fn finish(self) {
        for (code, n) in self.counts {
            if n > SHOWN {
                self.out.problems.push(Finding { code, detail: format!("… and {} more differences of this kind ({code})", n - SHOWN) });
            }
        }
    }
}

fn compare(conn: &Connection, st: &State, out: &mut Replayed) -> Result<()> {
    let mut control_of = conn.prepare("SELECT control FROM item WHERE id = ?1")?;
    let mut control = |id: i64| -> String {
        control_of.query_row([id], |r| r.get::<_, String>(0)).optional().ok().flatten().unwrap_or_else(|| format!("item {id}"))
    };
    let mut sink = Sink { out, counts: BTreeMap::new() };

    // Tags.
    let mut table: HashSet<(i64, String)> = HashSet::new();
    let mut names: HashMap<String, String> = HashMap::new();
    {
        let mut stmt = conn.prepare("SELECT it.item_id, t.name FROM item_tag it JOIN tag t ON t.id = it.tag_id")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let name: String = r.get(1)?;
            let key = name.to_lowercase();
            names.entry(key.clone()).or_insert(name);
            table.insert((r.get(0)?, key));
        }
    }
    let name_of = |key: &str| st.tag_names.get(key).or(names.get(key)).cloned().unwrap_or_else(|| key.to_string());
    let mut missing: Vec<&(i64, String)> = st.tags.difference(&table).collect();
    missing.sort();
    for (id, key) in missing {
        sink.push("tag_missing", format!("tag '{}' on {} is in the log but not in the table", name_of(key), control(*id)));
    }
    let mut extra: Vec<&(i64, String)> = table.difference(&st.tags).collect();
    extra.sort();
    for (id, key) in extra {
        sink.push("tag_unlogged", format!("tag '{}' on {} is in the table but not in the log", name_of(key), control(*id)));
    }
    {
        let mut stmt = conn.prepare("SELECT name FROM tag WHERE builtin = 0")?;
        let user: Vec<String> = stmt.query_map([], |r| r.get(0))?.collect::<std::result::Result<_, _>>()?;
        for name in user {
            if !st.tag_names.contains_key(&name.to_lowercase()) {
                sink.push("tag_unlogged", format!("tag '{name}' is in the table but the log never created it"));
            }
        }
    }

    // Notes.
    let mut notes: BTreeMap<i64, (i64, String)> = BTreeMap::new();
    {
        let mut stmt = conn.prepare("SELECT id, item_id, text FROM note")?;
        for r in stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, (r.get::<_, i64>(1)?, r.get::<_, String>(2)?))))? {
            let (id, v) = r?;
            notes.insert(id, v);
        }
    }
    for (id, (item, text)) in &st.notes {
        match notes.get(id) {
            None => sink.push("note_missing", format!("note {id} on {} is in the log but not in the table", control(*item))),
            Some((i, t)) if i != item || t != text => {
                sink.push("note_changed", format!("note {id} on {} differs from the log (its item or text was changed)", control(*item)))
            }
            _ => {}
        }
    }
    for (id, (item, _)) in notes.iter().filter(|(id, _)| !st.notes.contains_key(id)) {
        sink.push("note_unlogged", format!("note {id} on {} is in the table but not in the log", control(*item)));
    }

    // Saved searches.
    let searches: BTreeMap<String, String> = conn
        .prepare("SELECT name, query FROM saved_search")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<std::result::Result<_, _>>()?;
    diff_maps(&mut sink, "saved search", "search", &st.searches, &searches);

    // Redaction reasons added by users.
    let reasons: BTreeMap<String, String> = conn
        .prepare("SELECT code, label FROM redaction_reason WHERE builtin = 0")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<std::result::Result<_, _>>()?;
    diff_maps(&mut sink, "redaction reason", "reason", &st.reasons, &reasons);

    // Rules.
    {
        let mut stmt = conn.prepare("SELECT id, spec, reason, treatment, scope, fields, allow FROM redaction_rule")?;
        type Row = (i64, String, String, String, Option<String>, Option<String>, Option<String>);
        let rows: Vec<Row> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?)))?
            .collect::<std::result::Result<_, _>>()?;
        let mut seen = HashSet::new();
        let json = |t: Option<String>| t.map(|t| serde_json::from_str(&t).unwrap_or(Value::String(t))).unwrap_or(Value::Null);
        // No fields (a rule from before migration 12, in the table or in the log) is every field.
        let every = serde_json::json!(["body", "headers", "attachments", "metadata"]);
        let fields_of = |v: &Value| if v.is_null() { every.clone() } else { v.clone() };
        for (id, spec, reason, treatment, scope, fields, allow) in rows {
            seen.insert(id);
            let spec: Value = serde_json::from_str(&spec).unwrap_or(Value::String(spec));
            let (fields, allow) = (json(fields), json(allow));
            match st.rules.get(&id) {
                None => sink.push("rule_unlogged", format!("redaction rule {id} is in the table but not in the log")),
                Some(l)
                    if (&l.0, &l.1, &l.2, &l.3, fields_of(&l.4), &l.5)
                        != (&spec, &reason, &treatment, &scope, fields_of(&fields), &allow) =>
                {
                    sink.push(
                        "rule_changed",
                        format!(
                        "redaction rule {id} differs from the log (its pattern, reason, treatment, query, fields or allow-list was changed)"
                    ),
                    )
                }
                _ => {}
            }
        }
        for id in st.rules.keys().filter(|id| !seen.contains(id)) {
            sink.push("rule_missing", format!("redaction rule {id} is in the log but not in the table"));
        }
        // The items each run recorded (rules run before they were recorded have none).
        {
            let mut recorded: BTreeMap<i64, BTreeSet<i64>> = BTreeMap::new();
            let mut stmt = conn.prepare(
                "SELECT r.id, i.item_id FROM redaction_rule r LEFT JOIN redaction_rule_item i ON i.rule_id = r.id WHERE r.last_item IS NOT NULL",
            )?;
            for row in stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Option<i64>>(1)?)))? {
                let (rule, item) = row?;
                let set = recorded.entry(rule).or_default();
                set.extend(item);
            }
            let orphans: i64 = conn.query_row(
                "SELECT COUNT(*) FROM redaction_rule_item WHERE rule_id NOT IN (SELECT id FROM redaction_rule WHERE last_item IS NOT NULL)",
                [],
                |r| r.get(0),
            )?;
            if orphans > 0 {
                sink.push("rule_items_unlogged", format!("{orphans} items are recorded for redaction rules whose runs recorded none"));
            }
            for (rule, items) in recorded {
                if st.rule_items.get(&rule).is_some_and(|logged| *logged != items) {
                    sink.push("rule_items_changed", format!("the items redaction rule {rule} hid values in differ from the log"));
                }
            }
        }
    }

    // Redactions and regions.
    let complete = st.redactions_unknown_until.is_none();
    let red: BTreeMap<i64, Value> = {
        let mut stmt = conn.prepare("SELECT id, item_id, start, end, reason, source, treatment FROM redaction")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                serde_json::json!([
                    r.get::<_, i64>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, String>(6)?
                ]),
            ))
        })?;
        rows.collect::<std::result::Result<_, _>>()?
    };
    let describe = |row: &Value| format!("chars {}–{}, {}", row[1], row[2], row[3].as_str().unwrap_or(""));
    diff_rows(&mut sink, "redaction", &st.redactions, &red, complete, &mut control, describe, |a, b| a == b);
    let regions: BTreeMap<i64, Value> = {
        let mut stmt = conn.prepare("SELECT id, item_id, page, x0, y0, x1, y1, reason, source, treatment FROM redaction_region")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                serde_json::json!([
                    r.get::<_, i64>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, f64>(3)?,
                    r.get::<_, f64>(4)?,
                    r.get::<_, f64>(5)?,
                    r.get::<_, f64>(6)?,
                    r.get::<_, String>(7)?,
                    r.get::<_, String>(8)?,
                    r.get::<_, String>(9)?
                ]),
            ))
        })?;
        rows.collect::<std::result::Result<_, _>>()?
    };
    let describe = |row: &Value| format!("page {}, {}", row[1], row[6].as_str().unwrap_or(""));
    diff_rows(&mut sink, "region redaction", &st.regions, &regions, complete, &mut control, describe, same_region);

    // Items against the fingerprints ingest logged.
    let items_complete = st.items_unknown_until.is_none();
    let mut texts = super::texts::Texts::new(conn)?;
    let mut unpacker = super::call_record::Unpacker::new();
    let mut seen = HashSet::new();
    let mut stmt = conn.prepare("SELECT id, control, sha256 FROM item ORDER BY id")?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let (id, control, sha): (i64, String, String) = (r.get(0)?, r.get(1)?, r.get(2)?);
        let Some((entry, fp)) = st.items.get(&id) else {
            if items_complete {
                sink.push("item_unlogged", format!("{control} is in the database but no ingest entry recorded it"));
            }
            continue;
        };
        seen.insert(id);
        if fp.get(..16) != Some(pointer_fp(&sha).as_str()) && !same_call_record(conn, &mut unpacker, id, &sha, fp)? {
            sink.push(
                "item_repointed",
                format!(
                    "{control} points at another original ({}…) than ingest recorded in entry {entry} ({}…)",
                    &pointer_fp(&sha),
                    fp.get(..16).unwrap_or("")
                ),
            );
        }
        // A record too damaged to read is reported by the check of call records.
        let Ok(text) = texts.get(id) else { continue };
        if fp.get(16..) != Some(text_fp(text.as_deref()).as_str()) {
            sink.push(
                "item_text_changed",
                format!("the text of {control} is not the text ingest extracted (entry {entry}): it was rewritten"),
            );
        }
    }
    let mut gone: Vec<(&i64, &(i64, String))> = st.items.iter().filter(|(id, _)| !seen.contains(id)).collect();
    gone.sort();
    for (id, (entry, _)) in gone {
        sink.push("item_missing", format!("item {id}, recorded by ingest in entry {entry}, is missing from the database"));
    }
    sink.finish();
    Ok(())
}

/// Whether a model call whose item hash differs from the one ingest logged still names the
/// same stored record: the log holds that record's identity, and the item carries the other
/// hash a call may have (the hash of its record as logged, which matters imported before
/// whole-call identities used). Both are hashes of the one record the call check re-hashes, so
/// this is no repointing.
fn same_call_record(conn: &Connection, unpacker: &mut super::call_record::Unpacker, id: i64, sha: &str, fp: &str) -> Result<bool> {
    let stored: Option<super::call_record::StoredRecord> =
        conn.query_row("SELECT call_json FROM model_call WHERE item_id = ?1", [id], |r| r.get(0)).optional()?;
    let Some(call) = stored.and_then(|s| unpacker.call(s).ok()) else { return Ok(false) };
    let Ok(raw) = serde_json::to_vec(&call.raw) else { return Ok(false) };
    let logged = fp.get(..16);
    Ok(logged == Some(pointer_fp(&super::call_identity::call_sha256(&call, &raw)).as_str())
        && super::call_identity::matches_item_hash(&call, sha))
}

fn diff_maps(sink: &mut Sink, what: &str, code: &'static str, log: &BTreeMap<String, String>, table: &BTreeMap<String, String>) {
    let (missing, changed, unlogged) = match code {
        "search" => ("search_missing", "search_changed", "search_unlogged"),
        _ => ("reason_missing", "reason_changed", "reason_unlogged"),
    };
    for (k, v) in log {
        match table.get(k) {
            None => sink.push(missing, format!("{what} '{k}' is in the log but not in the table")),
            Some(t) if t != v => sink.push(changed, format!("{what} '{k}' is '{t}' in the table but '{v}' in the log")),
            _ => {}
        }
    }
    for k in table.keys().filter(|k| !log.contains_key(*k)) {
        sink.push(unlogged, format!("{what} '{k}' is in the table but not in the log"));
    }
}

#[allow(clippy::too_many_arguments)]
fn diff_rows(
    sink: &mut Sink,
    what: &str,
    log: &BTreeMap<i64, Option<Value>>,
    table: &BTreeMap<i64, Value>,
    complete: bool,
    control: &mut impl FnMut(i64) -> String,
    describe: impl Fn(&Value) -> String,
    same: impl Fn(&Value, &Value) -> bool,
) {
    let (missing, changed, unlogged) = if what == "redaction" {
        ("redaction_missing", "redaction_changed", "redaction_unlogged")
    } else {
        ("region_missing", "region_changed", "region_unlogged")
    };
    let item = |row: &Value| row[0].as_i64().unwrap_or(0);
    for (id, row) in log {
        match (row, table.get(id)) {
            (Some(l), None) => {
                sink.push(missing, format!("{what} {id} on {} ({}) is in the log but not in the table", control(item(l)), describe(l)))
            }
            (Some(l), Some(t)) if !same(l, t) => sink.push(
                changed,
                format!(
                    "{what} {id} on {} differs from the log: {} in the log, {} in the table",
                    control(item(l)),
                    describe(l),
                    describe(t)
                ),
            ),
            (None, Some(t)) => sink.push(
                unlogged,
                format!(
                    "{what} {id} on {} ({}) is in the table but not in the log (which removed {what} {id})",
                    control(item(t)),
                    describe(t)
                ),
            ),
            _ => {}
        }
    }
    if complete {
        for (id, t) in table.iter().filter(|(id, _)| !log.contains_key(id)) {
            sink.push(unlogged, format!("{what} {id} on {} ({}) is in the table but not in the log", control(item(t)), describe(t)));
        }
    }
}

/// Regions compare with a tolerance on the corners (SQLite's JSON writes 15 significant digits).
fn same_region(a: &Value, b: &Value) -> bool {
    let (Some(a), Some(b)) = (a.as_array(), b.as_array()) else { return false };
    a.len() == b.len()
        && a.iter().zip(b).all(|(x, y)| match (x.as_f64(), y.as_f64()) {
            (Some(x), Some(y)) => (x - y).abs() <= 1e-9 * x.abs().max(y.abs()).max(1.0),
            _ => x == y,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> Connection {
        let mut c = Connection::open_in_memory().unwrap();
        crate::store::schema::migrate(&mut c).unwrap();
        crate::store::audit::attach(&c).unwrap();
        // Redactions of items these tests do not make.
        c.pragma_update(None, "foreign_keys", "OFF").unwrap();
        c
    }

    fn codes(r: &Replayed) -> Vec<&'static str> {
        r.problems.iter().map(|p| p.code).collect()
    }

    #[test]
    fn redactions_replay_from_the_effects_the_triggers_record() {
        let c = db();
        let redact = |start: i64| {
            c.execute(
                "INSERT INTO redaction (item_id, start, end, reason, source, treatment, actor, time) VALUES (7, ?1, ?1 + 3, 'PII', 'manual', 'redact', 'a', 't')",
                [start],
            )
            .unwrap();
            crate::store::audit::append(&c, "redaction.add", &serde_json::json!({ "item": 7 })).unwrap();
        };
        redact(0);
        redact(10);
        c.execute("DELETE FROM redaction WHERE start = 10", []).unwrap();
        crate::store::audit::append(&c, "redaction.remove", &serde_json::json!({ "redaction": 2 })).unwrap();
        let r = check(&c).unwrap();
        assert!(r.problems.is_empty() && r.notes.is_empty(), "{:?} {:?}", r.problems, r.notes);
        // Unaudited changes: one redaction moved, one added, none logged.
        c.execute("UPDATE redaction SET start = 1 WHERE id = 1", []).unwrap();
        c.execute("DELETE FROM temp.audit_effects", []).unwrap();
        c.execute("INSERT INTO redaction (item_id, start, end, reason, source, treatment, actor, time) VALUES (7, 20, 25, 'PII', 'manual', 'redact', 'a', 't')", [])
            .unwrap();
        let r = check(&c).unwrap();
        assert_eq!(codes(&r), ["redaction_changed", "redaction_unlogged"], "{:?}", r.problems);
        assert!(r.problems[0].detail.contains("redaction 1 on item 7"), "{}", r.problems[0].detail);
    }

    #[test]
    fn entries_from_before_the_detail_are_not_replayable_rather_than_tampered() {
        let c = db();
        // As an older Exhibit wrote them: no `audit_v`, no effects.
        for (seq, action, payload) in [
            (1, "matter.create", r#"{"name":"old"}"#),
            (2, "redaction.add", r#"{"redaction":1,"item":7,"start":0,"end":3}"#),
            (3, "tag.add", r#"{"tag":"Hot","items":"7","count":1}"#),
        ] {
            c.execute(
                "INSERT INTO audit (seq, time, actor, action, payload, prev_hash, hash) VALUES (?1, 't', 'a', ?2, ?3, '', '')",
                rusqlite::params![seq, action, payload],
            )
            .unwrap();
        }
        c.execute("INSERT INTO redaction (item_id, start, end, reason, source, treatment, actor, time) VALUES (7, 0, 3, 'PII', 'manual', 'redact', 'a', 't')", [])
            .unwrap();
        let r = check(&c).unwrap();
        assert!(r.problems.iter().all(|p| p.code != "redaction_unlogged"), "{:?}", r.problems);
        assert!(r.notes.iter().any(|n| n.contains("not replayable before entry 3")), "{:?}", r.notes);
        // Tags were always logged in full: the old tagging still replays.
        assert_eq!(codes(&r), ["tag_missing"], "{:?}", r.problems);
        // An entry without the detail after one with it is not Exhibit's.
        crate::store::audit::append(&c, "search.save", &serde_json::json!({ "name": "n", "query": "q" })).unwrap();
        c.execute("INSERT INTO audit (seq, time, actor, action, payload, prev_hash, hash) VALUES (5, 't', 'a', 'search.delete', '{\"name\":\"n\"}', '', '')", [])
            .unwrap();
        let r = check(&c).unwrap();
        assert!(r.problems.iter().any(|p| p.code == "audit_detail" && p.detail.contains("entry 5")), "{:?}", r.problems);
    }

    #[test]
    fn ranges_round_trip() {
        let ids = vec![1, 2, 3, 5, 9, 10];
        assert_eq!(parse_ranges(&crate::store::audit::id_ranges(&ids)), ids);
        assert_eq!(parse_ranges(""), Vec::<i64>::new());
    }
}
