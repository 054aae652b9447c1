//! Pattern rules: running one over the matter (or counting what it would do), listing the
//! stored rules, and withdrawing one with every redaction it made.
//!
//! A rule hides matches only in the fields its [`RuleScope`] covers and never a value its
//! allow-list keeps. The run stores a span for every match it hides in an item's text (the
//! body, and an e-mail's header block when headers are covered); matches in the other fields
//! (names, header values, properties) are hidden by the redacted view from the stored rule.
//! The counts a run reports are per field and computed the same way for a dry run and a real
//! one, so a dry run says what the real run will do.

use super::engine::{insert_redaction, propagate, RuleSpec, Treatment};
use super::scope::{body_start, text_field, Field, RuleScope};
use crate::error::{Error, Result};
use crate::index::idset::IdSet;
use crate::recognizers::{Match, RuleSet};
use crate::review::{id_ranges, Target};
use crate::store::texts::Texts;
use crate::store::{audit, now};
use crate::Matter;
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use std::collections::BTreeMap;
use ts_rs::TS;

/// Examples a run shows per field.
const EXAMPLES_PER_FIELD: usize = 3;

/// What a rule run did (or, with `dry_run`, would do).
#[derive(Debug, Clone, Serialize, TS)]
pub struct RuleRun {
    /// The stored rule's id; `None` on a dry run.
    pub rule: Option<i64>,
    pub dry_run: bool,
    /// Matches hidden (or, on a dry run, that would be), in every field.
    pub matches: u64,
    /// Items with at least one hidden match.
    pub items: u64,
    /// Hidden matches per recognizer.
    pub by_recognizer: BTreeMap<String, u64>,
    /// Hidden matches per field.
    pub by_field: BTreeMap<Field, u64>,
    /// Matches left visible because the rule does not cover their field, per field.
    pub out_of_scope: BTreeMap<Field, u64>,
    /// Matches left visible because the allow-list keeps them.
    pub allowed: u64,
    /// Spans stored in items' text (0 on a dry run): the body and header-block matches.
    pub spans: u64,
    /// The fields and allow-list the rule is (or would be) stored with.
    pub scope: RuleScope,
    /// A few hidden matches per field to judge the rule by.
    pub examples: Vec<RuleExample>,
}

/// One match a rule hides.
#[derive(Debug, Clone, Serialize, TS)]
pub struct RuleExample {
    pub control: String,
    pub field: Field,
    pub recognizer: String,
    pub text: String,
}

/// A stored rule, as `redact rule list` shows it.
#[derive(Debug, Clone, Serialize, TS)]
pub struct RuleInfo {
    pub id: i64,
    pub spec: RuleSpec,
    pub reason: String,
    pub treatment: Treatment,
    /// The query limiting the items it covers; `None`: every item.
    pub query: Option<String>,
    pub scope: RuleScope,
    pub actor: String,
    pub time: String,
    /// Matches and items when it was run.
    pub matches: u64,
    pub items: u64,
    /// Spans it holds now in items' text (copies on identical content not counted).
    pub spans: u64,
}

/// What withdrawing a rule removed.
#[derive(Debug, Clone, Serialize, TS)]
pub struct RuleRemoved {
    pub rule: i64,
    /// Redactions removed: the rule's spans and their copies on identical content.
    pub removed: u64,
}

/// The strings of one item outside its text, each with its field: what a rule may hide there.
/// An e-mail's From, To, Cc and Subject are left out when its text carries them in its header
/// block (counted there, once).
pub(crate) fn item_strings(db: &Connection, id: i64, kind: &str, text_has_headers: bool) -> Result<Vec<(Field, String)>> {
    type Row = (String, Option<String>, Option<String>, Option<String>, Option<String>, Option<String>, Option<String>, Option<String>);
    let row: Option<(Row, Option<String>, Option<String>)> = db
        .prepare_cached("SELECT name, title, author, to_json, cc_json, bcc_json, message_id, in_reply_to, refs_json, extra_json FROM item WHERE id = ?1")?
        .query_row([id], |r| {
            Ok(((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?), r.get(8)?, r.get(9)?))
        })
        .optional()?;
    let Some(((name, title, author, to, cc, bcc, message_id, in_reply_to), refs, extra)) = row else { return Ok(vec![]) };
    let email = kind == "email";
    let mut out = vec![(Field::Attachments, name)];
    let list = |field: Field, json: Option<String>, out: &mut Vec<(Field, String)>| {
        if let Some(v) = json.and_then(|j| serde_json::from_str::<serde_json::Value>(&j).ok()) {
            strings(&v, &mut |s| out.push((field, s.to_string())));
        }
    };
    if email {
        if !text_has_headers {
            out.extend([title, author].into_iter().flatten().map(|s| (Field::Headers, s)));
            list(Field::Headers, to, &mut out);
            list(Field::Headers, cc, &mut out);
        }
        list(Field::Headers, bcc, &mut out);
        out.extend([message_id, in_reply_to].into_iter().flatten().map(|s| (Field::Headers, s)));
        list(Field::Headers, refs, &mut out);
        list(Field::Headers, extra, &mut out);
    } else {
        // A model call's title is its first prompt, counted in its text.
        if kind != "model_call" {
            out.extend(title.into_iter().map(|s| (Field::Metadata, s)));
        }
        out.extend(author.into_iter().map(|s| (Field::Metadata, s)));
        list(Field::Metadata, extra, &mut out);
    }
    Ok(out)
}

/// Every string value inside a JSON value.
fn strings(v: &serde_json::Value, f: &mut impl FnMut(&str)) {
    match v {
        serde_json::Value::String(s) => f(s),
        serde_json::Value::Array(a) => a.iter().for_each(|x| strings(x, f)),
        serde_json::Value::Object(o) => o.values().for_each(|x| strings(x, f)),
        _ => {}
    }
}

/// A rule set's matches in one item: in its text (the body, and an e-mail's header block when
/// its text carries one) and in its other strings ([`item_strings`]), each with its field.
/// Whether a match is hidden is the rule's scope's call ([`RuleScope::hides`]).
pub(crate) struct ItemMatches {
    /// Matches in the text, where a run stores spans.
    pub text: Vec<(Field, Match)>,
    /// Matches in names, header values and properties, hidden by the redacted view.
    pub other: Vec<(Field, Match)>,
}

/// What a rule may hide in one item, read once for any number of rules: its text (with where
/// its body starts) and its other strings ([`item_strings`]).
pub(crate) struct ItemStrings {
    text: String,
    body_start: usize,
    other: Vec<(Field, String)>,
}

impl ItemStrings {
    pub(crate) fn read(db: &Connection, texts: &mut Texts, id: i64, kind: &str) -> Result<ItemStrings> {
        let text = texts.get(id)?.unwrap_or_default();
        let body_start = body_start(kind, &text);
        let other = item_strings(db, id, kind, body_start > 0)?;
        Ok(ItemStrings { text, body_start, other })
    }

    /// A rule set's matches in them.
    pub(crate) fn matches(&self, set: &RuleSet) -> ItemMatches {
        let text = set.find(&self.text).into_iter().map(|m| (text_field(self.body_start, m.start), m)).collect();
        let other = self.other.iter().flat_map(|(field, s)| set.find(s).into_iter().map(move |m| (*field, m))).collect();
        ItemMatches { text, other }
    }
}

impl ItemMatches {
    /// Whether `scope` hides any of them.
    pub(crate) fn any_hidden(&self, scope: &RuleScope) -> bool {
        self.text.iter().chain(&self.other).any(|(f, m)| scope.hides(*f, m))
    }
}

/// A rule's matches in an item's text that it hides, each with its field.
pub(crate) fn text_matches<'a>(set: &RuleSet, scope: &'a RuleScope, kind: &str, text: &str) -> impl Iterator<Item = (Field, Match)> + 'a {
    let bs = body_start(kind, text);
    set.find(text).into_iter().map(move |m| (text_field(bs, m.start), m)).filter(move |(f, m)| scope.hides(*f, m))
}

/// Tallies of a run.
#[derive(Default)]
struct Tally {
    matches: u64,
    by_recognizer: BTreeMap<String, u64>,
    by_field: BTreeMap<Field, u64>,
    out_of_scope: BTreeMap<Field, u64>,
    allowed: u64,
    examples: Vec<RuleExample>,
}

impl Tally {
    /// Counts one match; true when the rule hides it.
    fn count(&mut self, scope: &RuleScope, field: Field, m: &Match, control: &dyn Fn() -> Result<String>) -> Result<bool> {
        if !scope.covers(field) {
            *self.out_of_scope.entry(field).or_default() += 1;
            return Ok(false);
        }
        if scope.allow.allows(&m.text) {
            self.allowed += 1;
            return Ok(false);
        }
        self.matches += 1;
        *self.by_recognizer.entry(m.recognizer.to_string()).or_default() += 1;
        let n = self.by_field.entry(field).or_default();
        *n += 1;
        if *n as usize <= EXAMPLES_PER_FIELD {
            self.examples.push(RuleExample { control: control()?, field, recognizer: m.recognizer.to_string(), text: m.text.clone() });
        }
        Ok(true)
    }
}

impl Matter {
    /// Runs a pattern rule over a set of items (all when `query` is None) with the default
    /// scope for its kind ([`RuleScope::default_for`]).
    pub fn redact_rule(
        &mut self,
        spec: RuleSpec,
        reason: &str,
        treatment: Treatment,
        query: Option<&str>,
        dry_run: bool,
    ) -> Result<RuleRun> {
        let scope = RuleScope::default_for(&spec);
        self.redact_rule_scoped(spec, reason, treatment, query, scope, dry_run)
    }

    /// Runs a pattern rule over a set of items (all when `query` is None), hiding matches only
    /// in the fields `scope` covers and never a value its allow-list keeps; with `dry_run`,
    /// counts per field and shows examples without writing anything.
    pub fn redact_rule_scoped(
        &mut self,
        spec: RuleSpec,
        reason: &str,
        treatment: Treatment,
        query: Option<&str>,
        scope: RuleScope,
        dry_run: bool,
    ) -> Result<RuleRun> {
        let reason = self.check_reason(reason)?;
        if scope.fields.is_empty() {
            return Err(Error::BadRule("a rule must cover at least one field: body, headers, attachments or metadata".into()));
        }
        let rules = spec.compile()?;
        let ids: Vec<i64> = match query {
            Some(q) => self.resolve_target(&Target::Query(q.to_string()), Default::default())?,
            None => self.store.db.prepare("SELECT id FROM item ORDER BY id")?.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?,
        };
        let mut tally = Tally::default();
        // Text spans to store, by item.
        let mut spans: Vec<(i64, Vec<Match>)> = Vec::new();
        let mut touched: Vec<i64> = Vec::new();
        {
            let db = &self.store.db;
            let mut texts = Texts::new(db)?;
            let mut kind_of = db.prepare("SELECT kind, control FROM item WHERE id = ?1")?;
            for &id in &ids {
                let (kind, control): (String, String) = kind_of.query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))?;
                let control_fn = || -> Result<String> { Ok(control.clone()) };
                let before = tally.matches;
                let found = ItemStrings::read(db, &mut texts, id, &kind)?.matches(&rules);
                let mut hidden = Vec::new();
                for (field, m) in found.text {
                    if tally.count(&scope, field, &m, &control_fn)? {
                        hidden.push(m);
                    }
                }
                for (field, m) in &found.other {
                    tally.count(&scope, *field, m, &control_fn)?;
                }
                if !hidden.is_empty() {
                    spans.push((id, hidden));
                }
                if tally.matches > before {
                    touched.push(id);
                }
            }
        }
        let mut run = RuleRun {
            rule: None,
            dry_run,
            matches: tally.matches,
            items: touched.len() as u64,
            by_recognizer: tally.by_recognizer,
            by_field: tally.by_field,
            out_of_scope: tally.out_of_scope,
            allowed: tally.allowed,
            spans: 0,
            scope: scope.clone(),
            examples: tally.examples,
        };
        if dry_run {
            return Ok(run);
        }
        let tx = self.store.db.unchecked_transaction()?;
        let spec_json = serde_json::to_string(&spec)?;
        let (fields, allow) = scope.to_columns()?;
        tx.execute(
            "INSERT INTO redaction_rule (spec, reason, treatment, scope, actor, time, matches, items, fields, allow, last_item)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, (SELECT MAX(id) FROM item))",
            params![
                spec_json,
                reason,
                treatment.as_str(),
                query,
                audit::actor(),
                now(),
                run.matches as i64,
                run.items as i64,
                fields,
                allow
            ],
        )?;
        let rule_id = tx.last_insert_rowid();
        {
            let mut insert = tx.prepare("INSERT INTO redaction_rule_item (rule_id, item_id) VALUES (?1, ?2)")?;
            for id in &touched {
                insert.execute([rule_id, *id])?;
            }
        }
        let source = format!("rule:{rule_id}");
        for (id, ms) in &spans {
            for m in ms {
                let rid = insert_redaction(&tx, *id, m.start, m.end, &reason, &source, treatment)?;
                propagate(&tx, *id, rid, m.start, m.end, &reason, treatment)?;
                run.spans += 1;
            }
        }
        audit::append(
            &tx,
            "redaction.rule",
            &serde_json::json!({ "rule": rule_id, "spec": spec, "reason": reason, "treatment": treatment.as_str(),
                                 "scope": query, "fields": scope.fields, "allow": (!scope.allow.is_empty()).then_some(&scope.allow),
                                 "matches": run.matches, "items": id_ranges(&touched) }),
        )?;
        tx.commit()?;
        audit::publish_head(&self.store.db);
        run.rule = Some(rule_id);
        Ok(run)
    }

    /// The stored rules, oldest first.
    pub fn redaction_rules(&self) -> Result<Vec<RuleInfo>> {
        let mut stmt = self.store.db.prepare(
            "SELECT id, spec, reason, treatment, scope, actor, time, matches, items, fields, allow,
                    (SELECT COUNT(*) FROM redaction r WHERE r.source = 'rule:' || redaction_rule.id)
             FROM redaction_rule ORDER BY id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, Option<String>>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, String>(6)?,
                (r.get::<_, i64>(7)?, r.get::<_, i64>(8)?),
                (r.get::<_, Option<String>>(9)?, r.get::<_, Option<String>>(10)?, r.get::<_, i64>(11)?),
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, spec, reason, treatment, query, actor, time, (matches, items), (fields, allow, spans)) = row?;
            out.push(RuleInfo {
                id,
                spec: serde_json::from_str(&spec)?,
                reason,
                treatment: Treatment::parse(&treatment),
                query,
                scope: RuleScope::from_columns(fields.as_deref(), allow.as_deref())?,
                actor,
                time,
                matches: matches as u64,
                items: items as u64,
                spans: spans as u64,
            });
        }
        Ok(out)
    }

    /// Withdraws a rule: deletes it and every redaction it made (its spans and their copies on
    /// identical content), in one transaction and one audit entry. Manual redactions on the
    /// same text stay.
    pub fn redact_rule_remove(&mut self, rule: i64) -> Result<RuleRemoved> {
        let tx = self.store.db.unchecked_transaction()?;
        let exists: Option<i64> = tx.query_row("SELECT id FROM redaction_rule WHERE id = ?1", [rule], |r| r.get(0)).optional()?;
        if exists.is_none() {
            return Err(Error::NotFound(format!("there is no redaction rule {rule}: see `exhibit redact rule list`")));
        }
        let source = format!("rule:{rule}");
        let copies =
            tx.execute("DELETE FROM redaction WHERE source IN (SELECT 'copy:' || id FROM redaction WHERE source = ?1)", [&source])?;
        let own = tx.execute("DELETE FROM redaction WHERE source = ?1", [&source])?;
        tx.execute("DELETE FROM redaction_rule_item WHERE rule_id = ?1", [rule])?;
        tx.execute("DELETE FROM redaction_rule WHERE id = ?1", [rule])?;
        let removed = (copies + own) as u64;
        audit::append(&tx, "redaction.rule.remove", &serde_json::json!({ "rule": rule, "removed": removed }))?;
        tx.commit()?;
        audit::publish_head(&self.store.db);
        Ok(RuleRemoved { rule, removed })
    }

    /// Items in which a stored rule hides a value, in any field. A match only in a name, a
    /// header value or a property has no stored span; this is where it is counted.
    pub(crate) fn rule_hits(&self) -> Result<RuleHits> {
        let db = &self.store.db;
        let mut hits = RuleHits::default();
        for row in db.prepare("SELECT item_id FROM redaction_rule_item")?.query_map([], |r| r.get::<_, i64>(0))? {
            hits.recorded.insert(row? as u64);
        }
        // Every change to the matter is audited in its transaction, and items only ever grow:
        // the same last entry and last item mean the same late hits.
        let state: (i64, i64) =
            db.query_row("SELECT (SELECT COALESCE(MAX(seq), 0) FROM audit), (SELECT COALESCE(MAX(id), 0) FROM item)", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?;
        let mut cache = self.rule_hits_cache.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((_, late)) = cache.as_ref().filter(|(at, _)| *at == state) {
            hits.since_run = late.clone();
            return Ok(hits);
        }
        hits.since_run = self.late_rule_hits(&hits.recorded)?;
        *cache = Some((state, hits.since_run.clone()));
        Ok(hits)
    }

    /// Items added since a stored rule ran (every item, for a rule from before runs were
    /// recorded) in which it finds a value to hide now, leaving out those in `recorded`.
    fn late_rule_hits(&self, recorded: &IdSet) -> Result<IdSet> {
        let db = &self.store.db;
        let mut late = IdSet::default();
        let rules = self.stored_rules()?;
        if rules.is_empty() {
            return Ok(late);
        }
        // Each rule with the last item its run saw (none: a rule from before runs were recorded).
        let mut last_item = db.prepare("SELECT last_item FROM redaction_rule WHERE id = ?1")?;
        let since: Vec<i64> = rules
            .iter()
            .map(|r| Ok(last_item.query_row([r.id], |row| row.get::<_, Option<i64>>(0))?.unwrap_or(0)))
            .collect::<Result<_>>()?;
        let oldest = since.iter().copied().min().unwrap_or(0);
        let items: Vec<(i64, String)> = db
            .prepare("SELECT id, kind FROM item WHERE id > ?1 ORDER BY id")?
            .query_map([oldest], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<std::result::Result<_, _>>()?;
        let mut texts = Texts::new(db)?;
        for (id, kind) in items {
            if recorded.contains(id as u64) {
                continue;
            }
            let due: Vec<_> = rules.iter().zip(&since).filter(|(r, s)| id > **s && r.covers(id)).map(|(r, _)| r).collect();
            if due.is_empty() {
                continue;
            }
            let strings = ItemStrings::read(db, &mut texts, id, &kind)?;
            if due.iter().any(|r| strings.matches(&r.set).any_hidden(&r.scope)) {
                late.insert(id as u64);
            }
        }
        Ok(late)
    }
}

/// Where stored rules hide values ([`Matter::rule_hits`]).
#[derive(Default)]
pub(crate) struct RuleHits {
    /// The items each rule hid something in when it ran (`redaction_rule_item`; what
    /// `has:redactions` finds).
    pub recorded: IdSet,
    /// Items added since a rule ran (or every item, for a rule stored before runs were
    /// recorded) in which it finds a value to hide now: a production would hide it, no run has
    /// recorded it yet.
    pub since_run: IdSet,
}
