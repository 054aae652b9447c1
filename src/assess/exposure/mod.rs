//! The exposure assessment: what the other side's requests would reach in our own documents
//! (privileged, confidential, trade-secret, needing redaction), what reviewing and producing it
//! would cost, beside what our evidence shows — in numbers, each one reproducible by a saved
//! search. It states figures and the method behind them; it gives no legal advice.
//!
//! Counting rules (the report's method section says the same):
//! * a request's `documents` are its query's hits, exactly `exhibit search`'s total;
//! * everything else is counted over its `families` — the hits plus every member of their
//!   families — because that is what a production carries;
//! * the `overall` figures count the union of all requests, each item once.

mod facts;
pub mod inputs;
mod overview;
pub mod report;
pub mod sample;

pub use inputs::{ExposureInputs, PrivilegeScreen, QuerySpec, Range, ReviewRates, SensitivityTags};
pub use report::*;

use crate::error::{Error, Result};
use crate::index::search::IdSet;
use crate::matter::Matter;
use crate::modellogs::GroupBy;
use crate::review::{Propagate, Target};
use facts::{day_text, Facts, CODED, CONFIDENTIAL, HOT, NEEDS_REDACTION, PRIVILEGED, SENSITIVE, TRADE_SECRET};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Hot items the report cites by control number.
pub const HOT_CITED: usize = 50;
/// The prefix of every saved search and sample tag the report makes.
pub const SAVED_PREFIX: &str = "Exposure";
/// The prefix of sample tags (`Exposure sample 7` for seed 7).
pub const SAMPLE_TAG_PREFIX: &str = "Exposure sample";

/// How much to compute.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct AssessOptions {
    /// The whole report: the matter overview (languages read the text), search-term hits, hot
    /// documents and the model-log section. Without it, only what a what-if needs.
    pub full: bool,
    /// Save the searches behind every figure in the matter (the report names them).
    pub save_searches: bool,
    /// The sample tag to estimate from; default: the newest `Exposure sample …` tag.
    pub sample_tag: Option<String>,
}

/// A request's sets.
struct RequestSets {
    hits: IdSet,
    families: IdSet,
}

/// The query that reproduces a figure, and the name it is saved under.
struct Queries<'a> {
    inputs: &'a ExposureInputs,
    screen: Option<String>,
    /// Items a stored rule hides a value in that no run has recorded (added since it ran), by
    /// control number: `has:redactions` does not find them yet.
    unapplied: Option<String>,
}

/// Any of the tags, as a query (`(tag:"A" OR tag:"B")`); a query matching nothing when the list
/// is empty.
fn any_tag(names: &[String]) -> String {
    if names.is_empty() {
        return "(id:0)".into();
    }
    format!("({})", names.iter().map(|n| format!("tag:{}", inputs::quote(n))).collect::<Vec<_>>().join(" OR "))
}

impl Queries<'_> {
    fn figures(&self, label: &str, q: &str) -> FigureSearches {
        let t = &self.inputs.tags;
        let fam = format!("family:({q})");
        let fig = |what: &str, query: String| Figure { search: format!("{SAVED_PREFIX}: {label} — {what}"), query };
        FigureSearches {
            documents: fig("documents", q.to_string()),
            families: fig("families", fam.clone()),
            privileged: fig("privileged", format!("{fam} AND {}", any_tag(&t.privileged))),
            potentially_privileged: self
                .screen
                .as_ref()
                .map(|s| fig("potentially privileged", format!("{fam} AND ({s}) AND NOT {}", any_tag(&t.privileged)))),
            confidential: fig("confidential", format!("{fam} AND {}", any_tag(&t.confidential))),
            trade_secret: fig("trade secret", format!("{fam} AND {}", any_tag(&t.trade_secret))),
            needs_redaction: fig(
                "needs redaction",
                match &self.unapplied {
                    Some(u) => format!("{fam} AND (has:redactions OR {} OR {u})", any_tag(&t.needs_redaction)),
                    None => format!("{fam} AND (has:redactions OR {})", any_tag(&t.needs_redaction)),
                },
            ),
            hot: fig("hot", format!("{fam} AND {}", any_tag(&t.hot))),
        }
    }
}

fn hours(docs: u64, per_hour: Range) -> Range {
    let d = docs as f64;
    Range { low: d / per_hour.high.max(f64::MIN_POSITIVE), high: d / per_hour.low.max(f64::MIN_POSITIVE) }
}

fn times(a: Range, b: Range) -> Range {
    Range { low: a.low * b.low, high: a.high * b.high }
}

fn plus(a: Range, b: Range) -> Range {
    Range { low: a.low + b.low, high: a.high + b.high }
}

/// Rounds to cents (costs) or hundredths of an hour, so the JSON carries what the report prints.
fn round2(r: Range) -> Range {
    let f = |x: f64| (x * 100.0).round() / 100.0;
    Range { low: f(r.low), high: f(r.high) }
}

/// The figures of a set of documents and its families.
fn exposure(facts: &Facts, hits: &IdSet, families: &IdSet, screen: Option<&IdSet>, rates: &ReviewRates) -> Exposure {
    let mut e = Exposure { documents: hits.len() as u64, families: families.len() as u64, ..Default::default() };
    let mut custodians = std::collections::HashSet::new();
    let (mut first, mut last) = (u32::MAX, 0u32);
    for id in families.iter() {
        let Some(f) = facts.get(id) else { continue };
        e.pages += f.pages;
        e.pages_estimated += f.pages_estimated as u64;
        e.bytes += f.bytes;
        custodians.extend(f.custodians.iter().copied());
        if f.date > 0 {
            first = first.min(f.date);
            last = last.max(f.date);
        }
        let has = |bit: u8| (f.flags & bit != 0) as u64;
        e.privileged += has(PRIVILEGED);
        e.confidential += has(CONFIDENTIAL);
        e.trade_secret += has(TRADE_SECRET);
        e.needs_redaction += has(NEEDS_REDACTION);
        e.hot += has(HOT);
        if f.flags & PRIVILEGED == 0 && screen.is_some_and(|s| s.contains(id)) {
            e.potentially_privileged += 1;
        }
    }
    e.custodians = custodians.len() as u64;
    e.date_first = day_text(if first == u32::MAX { 0 } else { first });
    e.date_last = day_text(last);
    // Rounded only as they are reported, so each figure follows from the rates by hand.
    let first_pass = hours(e.families, rates.first_pass_docs_per_hour);
    let privilege = hours(e.privileged + e.potentially_privileged, rates.privilege_docs_per_hour);
    let production = times(Range::exactly(e.pages as f64), rates.cost_per_page);
    let cost = plus(plus(times(first_pass, rates.hourly_rate), times(privilege, rates.privilege_hourly_rate)), production);
    e.first_pass_hours = round2(first_pass);
    e.privilege_hours = round2(privilege);
    e.review_hours = round2(plus(first_pass, privilege));
    e.production_cost = round2(production);
    e.review_cost = round2(cost);
    e
}

/// Items by month (`YYYY-MM`), oldest first.
fn by_month<'a>(facts: &'a Facts, ids: impl Iterator<Item = u64> + 'a) -> Vec<Count> {
    let mut months: std::collections::BTreeMap<u32, u64> = Default::default();
    for id in ids {
        if let Some(f) = facts.get(id).filter(|f| f.date > 0) {
            *months.entry(f.date / 100).or_default() += 1;
        }
    }
    months.into_iter().map(|(m, count)| Count { label: format!("{:04}-{:02}", m / 100, m % 100), count }).collect()
}

impl Matter {
    /// Ids matching a query of the inputs, its errors named by what it belongs to.
    fn assess_ids(&self, kind: &str, name: &str, query: &str) -> Result<IdSet> {
        self.index.matching_ids(&self.store.db, query).map_err(|e| match e {
            Error::Syntax(s) => Error::Query(format!("{kind} \"{name}\": at character {}: {}", s.position, s.message)),
            Error::Query(m) => Error::Query(format!("{kind} \"{name}\": {m}")),
            e => e,
        })
    }

    /// The assessment: every request's figures, the union's, overlaps, the sampling estimate,
    /// the evidence side and (with `full`) the matter overview and the model-log section.
    pub fn assess_exposure(&mut self, inputs: &ExposureInputs, opts: &AssessOptions) -> Result<ExposureReport> {
        inputs.check()?;
        let (to_redact, unapplied) = self.items_to_redact()?;
        let facts = Facts::load(&self.store, &inputs.tags, &to_redact)?;
        let screen_query = inputs.privilege.query();
        let screen = match &screen_query {
            Some(q) => Some(self.assess_ids("privilege screen", "privilege", q)?),
            None => None,
        };
        let queries = Queries { inputs, screen: screen_query.clone(), unapplied };

        // Each request, then the union.
        let mut sets = Vec::with_capacity(inputs.requests.len());
        for r in &inputs.requests {
            let hits = self.assess_ids("request", &r.name, &r.query)?;
            let families = facts.with_families(&hits);
            sets.push(RequestSets { hits, families });
        }
        let mut reached: std::collections::HashMap<u64, u32> = Default::default();
        for s in &sets {
            for id in s.families.iter() {
                *reached.entry(id).or_default() += 1;
            }
        }
        let union_hits: IdSet = sets.iter().flat_map(|s| s.hits.iter()).collect();
        let union_families: IdSet = reached.keys().copied().collect();
        let overall = exposure(&facts, &union_hits, &union_families, screen.as_ref(), &inputs.review);
        let union_query = if inputs.requests.is_empty() {
            "(id:0)".to_string()
        } else {
            inputs.requests.iter().map(|r| format!("({})", r.query)).collect::<Vec<_>>().join(" OR ")
        };
        let overall_searches = queries.figures("all requests", &union_query);

        let requests: Vec<RequestExposure> = inputs
            .requests
            .iter()
            .zip(&sets)
            .map(|(r, s)| RequestExposure {
                name: r.name.clone(),
                query: r.query.clone(),
                exposure: exposure(&facts, &s.hits, &s.families, screen.as_ref(), &inputs.review),
                adds_alone: s.families.iter().filter(|id| reached.get(id) == Some(&1)).count() as u64,
                searches: queries.figures(&format!("request \"{}\"", r.name), &r.query),
            })
            .collect();
        let mut overlap = Vec::new();
        for (i, a) in sets.iter().enumerate() {
            for (j, b) in sets.iter().enumerate().skip(i + 1) {
                let shared = a.families.iter().filter(|id| b.families.contains(*id)).count() as u64;
                overlap.push(RequestOverlap { a: inputs.requests[i].name.clone(), b: inputs.requests[j].name.clone(), shared });
            }
        }

        // The evidence side.
        let mut evidence = Vec::with_capacity(inputs.evidence.len());
        for ev in &inputs.evidence {
            let hits = self.assess_ids("evidence query", &ev.name, &ev.query)?;
            let families = facts.with_families(&hits);
            let e = exposure(&facts, &hits, &families, None, &inputs.review);
            evidence.push(EvidenceHits {
                name: ev.name.clone(),
                query: ev.query.clone(),
                documents: e.documents,
                families: e.families,
                hot: e.hot,
                date_first: e.date_first,
                date_last: e.date_last,
                search: Figure { search: format!("{SAVED_PREFIX}: evidence \"{}\"", ev.name), query: ev.query.clone() },
            });
        }
        let hot_ids: Vec<u64> = facts.all().iter().filter(|id| facts.get(*id).is_some_and(|f| f.flags & HOT != 0)).collect();
        let hot_timeline = by_month(&facts, hot_ids.iter().copied());

        let sample = self.sample_estimate(opts, &facts, &union_families)?;
        let privilege_screen = screen_query.map(|q| Figure {
            search: format!("{SAVED_PREFIX}: privilege screen (not yet tagged privileged)"),
            query: format!("({q}) AND NOT {}", any_tag(&inputs.tags.privileged)),
        });

        let mut report = ExposureReport {
            matter: self.name()?,
            generated: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            inputs: inputs.clone(),
            requests,
            overall,
            overall_searches,
            overlap,
            sample,
            privilege_screen,
            evidence,
            hot_timeline,
            hot_documents: Vec::new(),
            model_logs: None,
            overview: Overview::default(),
            terms: Vec::new(),
            method: method(inputs),
        };
        if opts.full {
            report.hot_documents = self.cited(&facts, &hot_ids)?;
            report.overview = self.overview(&facts, true)?;
            report.terms = self.term_hits(inputs)?;
            let calls: i64 = self.store.db.query_row("SELECT COUNT(*) FROM model_call", [], |r| r.get(0))?;
            if calls > 0 {
                report.model_logs = Some(self.model_log_section(&self.analyze_calls(GroupBy::Account, None)?)?);
            }
        } else {
            report.overview = self.overview(&facts, false)?;
        }
        if opts.save_searches {
            self.save_report_searches(&report)?;
        }
        Ok(report)
    }

    /// Draws a seeded random sample of the uncoded responsive items (the requests' families)
    /// and tags it `Exposure sample SEED`, for reviewers to code. Returns the tag.
    /// The items a production would redact something in — a stored span or region, or a value
    /// a stored rule hides in any field — and, as a query by control number, those among them
    /// that only a rule's check of items added since it ran found (`None` when there are none).
    fn items_to_redact(&self) -> Result<(IdSet, Option<String>)> {
        let hits = self.rule_hits()?;
        let mut all = self.redacted_items()?;
        for id in hits.recorded.iter().chain(hits.since_run.iter()) {
            all.insert(id);
        }
        let unapplied = if hits.since_run.is_empty() { None } else { Some(self.control_query(&hits.since_run)?) };
        Ok((all, unapplied))
    }

    /// Items as control-number terms, runs of consecutive ids as ranges
    /// (`(control:[EXH-0000090 TO EXH-0000095] OR control:EXH-0000099)`).
    fn control_query(&self, ids: &IdSet) -> Result<String> {
        let mut control = self.store.db.prepare_cached("SELECT control FROM item WHERE id = ?1")?;
        let mut of = |id: i64| control.query_row([id], |r| r.get::<_, String>(0));
        let ids: Vec<i64> = ids.iter().map(|id| id as i64).collect();
        let mut terms = Vec::new();
        for (first, last) in crate::store::audit::id_runs(&ids) {
            terms.push(if first == last {
                format!("control:{}", of(first)?)
            } else {
                format!("control:[{} TO {}]", of(first)?, of(last)?)
            });
        }
        Ok(format!("({})", terms.join(" OR ")))
    }

    pub fn draw_exposure_sample(&mut self, inputs: &ExposureInputs, n: usize, seed: u64) -> Result<(String, u64)> {
        inputs.check()?;
        if n == 0 {
            return Err(Error::BadInput("a sample needs at least one item: give --sample a number above zero".into()));
        }
        // The draw reads only which items are coded: no need to check rules for redactions.
        let facts = Facts::load(&self.store, &inputs.tags, &IdSet::default())?;
        let mut responsive = IdSet::default();
        for r in &inputs.requests {
            for id in facts.with_families(&self.assess_ids("request", &r.name, &r.query)?).iter() {
                responsive.insert(id);
            }
        }
        let population: Vec<u64> = responsive.iter().filter(|id| facts.get(*id).is_some_and(|f| f.flags & CODED == 0)).collect();
        if population.is_empty() {
            return Err(Error::BadInput("every responsive item is already coded: there is nothing left to sample".into()));
        }
        let picked = sample::draw(&population, n, seed);
        let tag = format!("{SAMPLE_TAG_PREFIX} {seed}");
        let ids: Vec<String> = picked.iter().map(|id| id.to_string()).collect();
        let change = self.tag_add(&tag, &Target::Items(ids), Propagate::default())?;
        Ok((change.tag, picked.len() as u64))
    }

    fn sample_estimate(&self, opts: &AssessOptions, facts: &Facts, responsive: &IdSet) -> Result<Option<SampleEstimate>> {
        use rusqlite::OptionalExtension;
        let tag: Option<String> = match &opts.sample_tag {
            Some(t) => Some(t.clone()),
            None => self
                .store
                .db
                .query_row("SELECT name FROM tag WHERE name LIKE ?1 ORDER BY id DESC LIMIT 1", [format!("{SAMPLE_TAG_PREFIX} %")], |r| {
                    r.get(0)
                })
                .optional()?,
        };
        let Some(tag) = tag else { return Ok(None) };
        let drawn = crate::index::idset::review_set(&self.store.db, "tag", &tag)?;
        if drawn.is_empty() {
            return match opts.sample_tag {
                Some(_) => Err(Error::NotFound(format!("no item carries the sample tag '{tag}'"))),
                None => Ok(None),
            };
        }
        let coded: Vec<u64> = drawn.iter().filter(|id| facts.get(*id).is_some_and(|f| f.flags & CODED != 0)).collect();
        let count = |bit: u8| coded.iter().filter(|id| facts.get(**id).is_some_and(|f| f.flags & bit != 0)).count() as u64;
        let remainder = responsive.iter().filter(|id| facts.get(*id).is_some_and(|f| f.flags & CODED == 0)).count() as u64;
        let n = coded.len() as u64;
        Ok(Some(SampleEstimate {
            tag,
            drawn: drawn.len() as u64,
            coded: n,
            remainder,
            privileged: sample::proportion(count(PRIVILEGED), n, remainder),
            confidential: sample::proportion(count(CONFIDENTIAL), n, remainder),
            trade_secret: sample::proportion(count(TRADE_SECRET), n, remainder),
        }))
    }

    /// Items cited by control number; titles withheld where the item is sensitive.
    fn cited(&self, facts: &Facts, ids: &[u64]) -> Result<Vec<CitedItem>> {
        let mut ordered: Vec<(u32, u64)> = ids.iter().map(|id| (facts.get(*id).map(|f| f.date).unwrap_or(0), *id)).collect();
        ordered.sort_by_key(|(d, id)| (*d == 0, *d, *id));
        let mut stmt = self.store.db.prepare("SELECT control, kind, COALESCE(title, name) FROM item WHERE id = ?1")?;
        let mut out = Vec::new();
        for (date, id) in ordered.into_iter().take(HOT_CITED) {
            let (control, kind, title): (String, String, String) =
                stmt.query_row([id as i64], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
            let sensitive = facts.get(id).is_some_and(|f| f.flags & SENSITIVE != 0);
            out.push(CitedItem { control, date: day_text(date), kind, title: (!sensitive).then_some(title) });
        }
        Ok(out)
    }

    /// Search-term hits over the requests' and evidence queries, as the search-term report counts.
    fn term_hits(&self, inputs: &ExposureInputs) -> Result<Vec<TermHits>> {
        let specs: Vec<&QuerySpec> = inputs.requests.iter().chain(&inputs.evidence).collect();
        let queries: Vec<String> = specs.iter().map(|s| s.query.clone()).collect();
        let report = self.terms_report(&queries)?;
        Ok(specs
            .iter()
            .zip(report.rows)
            .map(|(s, row)| TermHits {
                name: s.name.clone(),
                query: s.query.clone(),
                documents: row.hits.unwrap_or(0),
                unique: row.unique_hits.unwrap_or(0),
                with_families: row.hits_with_families.unwrap_or(0),
            })
            .collect())
    }

    /// Saves every figure's search under its name (replacing an older report's).
    fn save_report_searches(&mut self, report: &ExposureReport) -> Result<()> {
        for f in report.saved_searches() {
            self.save_search(&f.search, &f.query)?;
        }
        Ok(())
    }
}

impl ExposureReport {
    /// Every saved search the report names, each once.
    pub fn saved_searches(&self) -> Vec<Figure> {
        let mut figures: Vec<Figure> = Vec::new();
        let mut add = |s: &FigureSearches| {
            figures.extend(
                [&s.documents, &s.families, &s.privileged, &s.confidential, &s.trade_secret, &s.needs_redaction, &s.hot].map(Clone::clone),
            );
            figures.extend(s.potentially_privileged.clone());
        };
        for r in &self.requests {
            add(&r.searches);
        }
        add(&self.overall_searches);
        figures.extend(self.evidence.iter().map(|e| e.search.clone()));
        figures.extend(self.privilege_screen.clone());
        figures
    }

    pub fn saved_search_count(&self) -> u64 {
        self.saved_searches().len() as u64
    }
}

/// The method and assumptions, as the report states them.
fn method(inputs: &ExposureInputs) -> Vec<String> {
    let r = &inputs.review;
    let range = |x: Range| if x.low == x.high { format!("{}", x.low) } else { format!("{}–{}", x.low, x.high) };
    vec![
        "A request's documents are the items its query matches in this matter: exactly the total `exhibit search` gives for the same query.".into(),
        "Every other figure is counted over the request's families — its documents plus every member of their families (an email with all its attachments) — because a production carries whole families.".into(),
        "The overall figures count the union of all requests, each item once; \"adds alone\" counts the family items no other request reaches.".into(),
        format!(
            "Sensitivity comes from review tags: privileged = {}; confidential = {}; trade secret = {}; hot = {}. Needs redaction = items carrying a redaction, items in which a stored redaction rule hides a value in any field (a name, a header, a property as well as the text; items added since the rule ran are checked too), or the tag {}.",
            inputs.tags.privileged.join(" / "),
            inputs.tags.confidential.join(" / "),
            inputs.tags.trade_secret.join(" / "),
            inputs.tags.hot.join(" / "),
            inputs.tags.needs_redaction.join(" / ")
        ),
        "Potentially privileged = family items the privilege screen (counsel's names, addresses and domains in From/To/Cc/Bcc, privilege terms in the text) flags and no reviewer has tagged privileged.".into(),
        "Pages: a PDF's own page count; other documents are estimated from the length of their text (3,000 characters a page), and the report says how many pages are estimates.".into(),
        format!(
            "Review hours: first pass over every family item at {} documents an hour; privilege review over the privileged and potentially privileged items at {} an hour.",
            range(r.first_pass_docs_per_hour),
            range(r.privilege_docs_per_hour)
        ),
        format!(
            "Cost ({}): first-pass hours × {} an hour + privilege hours × {} an hour + pages × {} a page; ranges carry the low and high rates through.",
            r.currency,
            range(r.hourly_rate),
            range(r.privilege_hourly_rate),
            range(r.cost_per_page)
        ),
        "Sampling estimate: a seeded random sample of the responsive items no reviewer had coded; the rates reviewers find in it are projected onto the uncoded remainder with a 95% Wilson score interval taken at the effective size n·R/(n+R), which allows for the remainder's own sampling error.".into(),
        "Every figure names the saved search that reproduces it. The report quotes no privileged, confidential, trade-secret or redacted text, and withholds the titles of such items.".into(),
        "These are counts and estimates for counsel's judgement, not legal advice.".into(),
    ]
}

/// The `meta` key the matter keeps its exposure inputs under (as TOML, the file's own form).
const INPUTS_KEY: &str = "exposure_inputs";

impl Matter {
    /// The exposure inputs kept in the matter; the defaults (no requests) when none were saved.
    pub fn exposure_inputs(&self) -> Result<ExposureInputs> {
        use rusqlite::OptionalExtension;
        let text: Option<String> =
            self.store.db.query_row("SELECT value FROM meta WHERE key = ?1", [INPUTS_KEY], |r| r.get(0)).optional()?;
        match text {
            Some(t) => toml::from_str(&t).map_err(|e| Error::Corrupt { what: "exposure inputs", detail: e.to_string() }),
            None => Ok(ExposureInputs::default()),
        }
    }

    /// Keeps exposure inputs in the matter after checking them, in one audited transaction.
    pub fn save_exposure_inputs(&mut self, inputs: &ExposureInputs) -> Result<()> {
        inputs.check()?;
        let text = inputs.to_toml()?;
        let tx = self.store.db.unchecked_transaction()?;
        tx.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)", [INPUTS_KEY, text.as_str()])?;
        let names: Vec<&str> = inputs.requests.iter().map(|r| r.name.as_str()).collect();
        crate::store::audit::append(&tx, "exposure.inputs", &serde_json::json!({ "requests": names, "evidence": inputs.evidence.len() }))?;
        tx.commit()?;
        crate::store::audit::publish_head(&self.store.db);
        Ok(())
    }
}

impl ExposureInputs {
    /// These inputs with one request's query replaced (a what-if: narrowing a request).
    pub fn with_query(mut self, request: &str, query: &str) -> Result<ExposureInputs> {
        let known: Vec<String> = self.requests.iter().map(|r| format!("\"{}\"", r.name)).collect();
        let r =
            self.requests.iter_mut().find(|r| r.name.trim().eq_ignore_ascii_case(request.trim())).ok_or_else(|| {
                Error::NotFound(format!("there is no request named \"{request}\": the requests are {}", known.join(", ")))
            })?;
        r.query = query.to_string();
        self.check()?;
        Ok(self)
    }
}
