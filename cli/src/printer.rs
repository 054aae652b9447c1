//! How answers reach the terminal. `--json` prints the answer exactly as the API gives it
//! (one pretty JSON document on stdout); otherwise its [`Human`] form. Every human format lives
//! here, so a command module only gathers arguments, calls the library and hands the answer over.

use crate::failure::Failure;
use exhibit::api::responses::{
    AuditLog, ErrorList, LogsAnswer, NoteList, RedactionAdded, RedactionList, RedactionsRemoved, SavedSearchList, SavedSearchRemoved,
    TagList,
};
use exhibit::index::facets::Facets;
use exhibit::ingest::IngestSummary;
use exhibit::redact::{RegionAdded, RuleRemoved, RuleRun};
use exhibit::review::terms_report::TermsReport;
use exhibit::review::{Note, SavedSearch, TagChange};
use exhibit::store::{Status, Summary};
use exhibit::verify::VerifyReport;
use serde::Serialize;
use serde_json::Value;
use std::io::{self, Write};

/// An answer's text for a person at a terminal.
pub trait Human {
    fn human(&self, o: &mut dyn Write) -> io::Result<()>;
}

/// Where answers go: stdout, as JSON or as text.
pub struct Printer {
    json: bool,
}

impl Printer {
    pub fn new(json: bool) -> Printer {
        Printer { json }
    }

    /// Prints `answer`: as JSON with `--json`, else its human form.
    pub fn answer<A: Serialize + Human>(&self, answer: &A) -> Result<(), Failure> {
        self.either(answer, answer)
    }

    /// Prints `json` with `--json`, else `human`: for answers whose text needs what the caller
    /// knows (which region was removed) or a different wording of the same answer.
    pub fn either<J: Serialize + ?Sized, H: Human + ?Sized>(&self, json: &J, human: &H) -> Result<(), Failure> {
        let mut out = io::stdout().lock();
        if self.json {
            serde_json::to_writer_pretty(&mut out, json)?;
            writeln!(out)?;
        } else {
            human.human(&mut out)?;
        }
        out.flush()?;
        Ok(())
    }
}

impl Human for Summary {
    fn human(&self, o: &mut dyn Write) -> io::Result<()> {
        writeln!(o, "created matter '{}' in {}", self.name, self.matter)
    }
}

impl Human for IngestSummary {
    fn human(&self, o: &mut dyn Write) -> io::Result<()> {
        let s = self;
        let secs = s.elapsed_ms as f64 / 1000.0;
        writeln!(
            o,
            "batch {}: {} files seen ({} already ingested), {} items added, {} duplicates, {} errors; matter holds {} items ({:.1} s)",
            s.batch, s.files_seen, s.files_skipped, s.items_added, s.duplicates, s.errors, s.items_total, secs
        )?;
        if s.errors > 0 {
            writeln!(o, "see the reasons with `exhibit errors`")?;
        }
        if s.cancelled {
            writeln!(o, "cancelled: run the same command again to finish")?;
        }
        for b in &s.resumed_batches {
            writeln!(o, "completed batch {b}, which an ended process had left unfinished")?;
        }
        Ok(())
    }
}

impl Human for Status {
    fn human(&self, o: &mut dyn Write) -> io::Result<()> {
        writeln!(o, "matter '{}' ({}): {} items, {} errors", self.name, self.matter, self.items, self.errors)?;
        for (k, n) in &self.by_kind {
            writeln!(o, "  {k:<12} {n}")?;
        }
        for (c, n) in &self.custodians {
            writeln!(o, "  custodian {c}: {n}")?;
        }
        Ok(())
    }
}

impl Human for ErrorList {
    fn human(&self, o: &mut dyn Write) -> io::Result<()> {
        // The control number first, as everywhere else: a file that never became an item has none.
        for e in &self.errors {
            writeln!(o, "{}\t{}\t{}\t{}: {}", e.control.as_deref().unwrap_or("(no item)"), e.path, e.stage, e.code, e.reason)?;
        }
        if self.errors.is_empty() {
            writeln!(o, "no ingest errors")?;
        }
        Ok(())
    }
}

impl Human for crate::command::search::SearchAnswer {
    fn human(&self, o: &mut dyn Write) -> io::Result<()> {
        writeln!(o, "{} items match", self.result.total)?;
        for h in &self.result.hits {
            writeln!(
                o,
                "{}  {:<11} {}  {}",
                h.control,
                h.kind,
                h.date.as_deref().unwrap_or("          ").get(..10).unwrap_or(""),
                h.title.as_deref().unwrap_or("(untitled)")
            )?;
            let snippet: String =
                h.segments.iter().map(|s| if s.hit { format!("[{}]", decoded(&s.text)) } else { decoded(&s.text).into_owned() }).collect();
            writeln!(o, "    {}", snippet.replace('\n', " "))?;
        }
        if let Some(f) = &self.facets {
            writeln!(o)?;
            f.human(o)?;
        }
        Ok(())
    }
}

/// Text as a reader sees it: HTML character references (`&amp;`, `&gt;`, `&#8217;`) that mail
/// and web pages carry in their text turned into the characters they stand for.
fn decoded(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains('&') {
        html_escape::decode_html_entities(text)
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// Facet counts as tables, one per facet, every value (the API's answer holds them all, exact).
impl Human for Facets {
    fn human(&self, o: &mut dyn Write) -> io::Result<()> {
        writeln!(o, "{} items", self.total)?;
        for (name, list) in [
            ("Kind", &self.kind),
            ("Custodian", &self.custodian),
            ("Tag", &self.tag),
            ("Month", &self.month),
            ("Extension", &self.ext),
            ("Sender domain", &self.sender_domain),
        ] {
            writeln!(o)?;
            if list.is_empty() {
                writeln!(o, "{name}: none")?;
                continue;
            }
            let width = list.iter().map(|(k, _)| k.chars().count()).max().unwrap_or(0).max(name.len());
            let digits = list.iter().map(|(_, n)| n.to_string().len()).max().unwrap_or(1).max("items".len());
            writeln!(o, "{name:<width$}  {:>digits$}", "items")?;
            for (k, n) in list {
                writeln!(o, "{k:<width$}  {n:>digits$}")?;
            }
        }
        Ok(())
    }
}

impl Human for TermsReport {
    fn human(&self, o: &mut dyn Write) -> io::Result<()> {
        writeln!(o, "Counted by the rule '{}': {}.", self.term_rule, self.term_rule_text)?;
        writeln!(o, "{:<40} {:>8} {:>8} {:>10}", "term", "hits", "unique", "+families")?;
        let n = |v: Option<u64>| v.map(|v| v.to_string()).unwrap_or_default();
        for row in &self.rows {
            match &row.error {
                None => writeln!(o, "{:<40} {:>8} {:>8} {:>10}", row.term, n(row.hits), n(row.unique_hits), n(row.hits_with_families))?,
                Some(e) => writeln!(o, "{:<40} NOT COUNTED: {e}", row.term)?,
            }
        }
        writeln!(o, "{:<40} {:>8} {:>8} {:>10}", "TOTAL (any term)", self.total_hits, "", self.total_with_families)
    }
}

/// An item (plain or redacted view) as the API answers it. Printed from that same document,
/// never from the unredacted item, so the text cannot show more than `--json` does.
pub struct Item<'a>(pub &'a Value);

impl Human for Item<'_> {
    fn human(&self, o: &mut dyn Write) -> io::Result<()> {
        let doc = self.0;
        let get = |path: &[&str]| -> String {
            let mut v = doc;
            for p in path {
                v = &v[*p];
            }
            match v {
                Value::String(s) => s.clone(),
                Value::Array(a) => a.iter().filter_map(|x| x.as_str()).collect::<Vec<_>>().join(", "),
                Value::Null => String::new(),
                other => other.to_string(),
            }
        };
        writeln!(o, "{} · {} · {}", get(&["control"]), get(&["kind"]), get(&["metadata", "name"]))?;
        for (label, path) in [
            ("title", &["title"][..]),
            ("from", &["metadata", "from"][..]),
            ("to", &["metadata", "to"][..]),
            ("date", &["metadata", "date"][..]),
            ("tags", &["tags"][..]),
        ] {
            let v = get(path);
            if !v.is_empty() {
                writeln!(o, "{label}: {v}")?;
            }
        }
        // Custodians are "Last, First": joined with "; " so that each name stays whole.
        let custodians: Vec<&str> = doc["custodians"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
        writeln!(o, "custodians: {}", custodians.join("; "))?;
        writeln!(
            o,
            "family: {} ({} members)",
            get(&["family", "root", "control"]),
            doc["family"]["members"].as_array().map_or(0, |a| a.len())
        )?;
        if let Some(h) = doc.get("hits") {
            writeln!(o, "hits at {h}")?;
        }
        writeln!(o, "\n{}", get(&["text"]))
    }
}

impl Human for LogsAnswer {
    fn human(&self, o: &mut dyn Write) -> io::Result<()> {
        let report = &self.report;
        writeln!(o, "{} calls in {} groups, {} flagged", report.calls, report.accounts.len(), report.flagged().count())?;
        if let Some(a) = report.accounts.iter().find(|a| a.unattributed) {
            writeln!(o, "{} calls name no value to group by; they are reported as \"{}\"", a.calls, a.account)?;
        }
        for c in &report.coverage {
            writeln!(o, "    by {:?}: {} calls grouped, {} left out", c.group_by, c.with_value, c.without_value)?;
        }
        for a in report.flagged() {
            writeln!(o, "FLAGGED {} ({} calls, score {:.2})", a.account, a.calls, a.score)?;
            for s in a.signals.iter().filter(|s| s.strength > 0.0) {
                writeln!(o, "    {}: {}", s.name, s.detail)?;
            }
        }
        for c in &report.clusters {
            writeln!(o, "cluster of {} accounts: {}", c.accounts.len(), c.reason)?;
        }
        if let Some(ov) = &report.overlap {
            writeln!(
                o,
                "overlap: {:.1}% (95% CI {:.1}–{:.1}%), null {:.1}%",
                ov.rate * 100.0,
                ov.ci_low * 100.0,
                ov.ci_high * 100.0,
                ov.null_rate * 100.0
            )?;
        }
        if let Some(t) = &self.tagged {
            writeln!(o, "tagged {} calls '{}'", t.changed, t.tag)?;
        }
        Ok(())
    }
}

impl Human for TagList {
    fn human(&self, o: &mut dyn Write) -> io::Result<()> {
        for t in &self.tags {
            writeln!(o, "{:>8}  {}", t.count, t.name)?;
        }
        Ok(())
    }
}

/// `tag add`'s wording of a [`TagChange`].
pub struct Tagged<'a>(pub &'a TagChange);

impl Human for Tagged<'_> {
    fn human(&self, o: &mut dyn Write) -> io::Result<()> {
        let r = self.0;
        writeln!(o, "tagged {} items '{}' ({} already had it)", r.changed, r.tag, r.items - r.changed)
    }
}

/// `tag remove`'s wording of a [`TagChange`].
pub struct Untagged<'a>(pub &'a TagChange);

impl Human for Untagged<'_> {
    fn human(&self, o: &mut dyn Write) -> io::Result<()> {
        writeln!(o, "removed '{}' from {} items", self.0.tag, self.0.changed)
    }
}

/// `note add`'s wording of a [`Note`]: the item named by its control number.
pub struct NoteAdded<'a> {
    pub note: &'a Note,
    pub control: &'a str,
}

impl Human for NoteAdded<'_> {
    fn human(&self, o: &mut dyn Write) -> io::Result<()> {
        writeln!(o, "note {} added to {}", self.note.id, self.control)
    }
}

impl Human for NoteList {
    fn human(&self, o: &mut dyn Write) -> io::Result<()> {
        for n in &self.notes {
            writeln!(o, "{}  {}  {}", n.time, n.actor, n.text)?;
        }
        Ok(())
    }
}

impl Human for SavedSearch {
    fn human(&self, o: &mut dyn Write) -> io::Result<()> {
        writeln!(o, "saved '{}': {}", self.name, self.query)
    }
}

impl Human for SavedSearchList {
    fn human(&self, o: &mut dyn Write) -> io::Result<()> {
        for s in &self.saved_searches {
            writeln!(o, "{:<24} {}", s.name, s.query)?;
        }
        Ok(())
    }
}

impl Human for SavedSearchRemoved {
    fn human(&self, o: &mut dyn Write) -> io::Result<()> {
        writeln!(o, "removed saved search '{}'", self.removed)
    }
}

impl Human for RedactionAdded {
    fn human(&self, o: &mut dyn Write) -> io::Result<()> {
        writeln!(o, "redaction {} added", self.redaction)
    }
}

impl Human for RegionAdded {
    fn human(&self, o: &mut dyn Write) -> io::Result<()> {
        writeln!(o, "region {} added, {} word span(s) redacted", self.region, self.spans.len())
    }
}

impl Human for RedactionsRemoved {
    fn human(&self, o: &mut dyn Write) -> io::Result<()> {
        writeln!(o, "removed {} redaction(s)", self.removed)
    }
}

/// `redact remove-box`'s wording: the region named, and the text redactions that went with it.
pub struct RegionRemoved<'a> {
    pub region: i64,
    pub answer: &'a RedactionsRemoved,
}

impl Human for RegionRemoved<'_> {
    fn human(&self, o: &mut dyn Write) -> io::Result<()> {
        writeln!(o, "removed region {} ({} redaction(s) with it)", self.region, self.answer.removed)
    }
}

impl Human for RuleRun {
    fn human(&self, o: &mut dyn Write) -> io::Result<()> {
        let verb = if self.dry_run { "would redact" } else { "redacted" };
        let rule = self.rule.map(|r| format!("rule {r}: ")).unwrap_or_default();
        writeln!(o, "{rule}{verb} {} matches in {} items (fields: {})", self.matches, self.items, self.scope.fields_label())?;
        let per = |m: &std::collections::BTreeMap<exhibit::redact::Field, u64>| {
            m.iter().map(|(f, n)| format!("{} {n}", f.as_str())).collect::<Vec<_>>().join(", ")
        };
        if !self.by_field.is_empty() {
            writeln!(o, "  by field: {}", per(&self.by_field))?;
        }
        if !self.out_of_scope.is_empty() {
            writeln!(o, "  left visible, outside the rule's fields: {} (widen with --scope)", per(&self.out_of_scope))?;
        }
        if self.allowed > 0 {
            writeln!(o, "  left visible by the allow-list: {}", self.allowed)?;
        }
        for (k, n) in &self.by_recognizer {
            writeln!(o, "  {k}: {n}")?;
        }
        for e in &self.examples {
            writeln!(o, "  e.g. {} {} [{}] {}", e.control, e.field.as_str(), e.recognizer, e.text)?;
        }
        Ok(())
    }
}

impl Human for exhibit::api::responses::RuleList {
    fn human(&self, o: &mut dyn Write) -> io::Result<()> {
        if self.rules.is_empty() {
            return writeln!(o, "no redaction rules (add one with `exhibit redact rule add`)");
        }
        for r in &self.rules {
            let pattern = match &r.spec {
                exhibit::redact::RuleSpec::Builtin { names } => format!("builtin {}", names.join(",")),
                exhibit::redact::RuleSpec::Regex { pattern } => format!("regex {pattern}"),
                exhibit::redact::RuleSpec::Terms { terms, .. } => format!("terms ({})", terms.len()),
            };
            writeln!(o, "rule {:>4}  {pattern}  reason {}  fields {}  {} span(s)", r.id, r.reason, r.scope.fields_label(), r.spans)?;
            if let Some(q) = &r.query {
                writeln!(o, "           items: {q}")?;
            }
            let allow: Vec<String> = r
                .scope
                .allow
                .domains
                .iter()
                .map(|d| format!("domain {d}"))
                .chain(r.scope.allow.values.iter().map(|v| format!("\"{v}\"")))
                .collect();
            if !allow.is_empty() {
                writeln!(o, "           allowed: {}", allow.join(", "))?;
            }
        }
        Ok(())
    }
}

impl Human for RuleRemoved {
    fn human(&self, o: &mut dyn Write) -> io::Result<()> {
        writeln!(o, "removed rule {} and its {} redaction(s)", self.rule, self.removed)
    }
}

impl Human for exhibit::api::responses::ReasonList {
    fn human(&self, o: &mut dyn Write) -> io::Result<()> {
        for r in &self.reasons {
            writeln!(o, "{:<12} {}{}", r.code, r.label, if r.builtin { "" } else { "  (added)" })?;
        }
        Ok(())
    }
}

impl Human for RedactionList {
    fn human(&self, o: &mut dyn Write) -> io::Result<()> {
        for r in &self.redactions {
            writeln!(o, "{:>6}  {}  {}:{}  {}  {}", r.id, r.control, r.start, r.end, r.reason, r.source)?;
        }
        for g in self.regions.iter().flatten() {
            writeln!(o, "region {:>6}  page {}  {:?}  {}", g.id, g.page, g.rect, g.reason)?;
        }
        Ok(())
    }
}

impl Human for crate::command::redact::Offers {
    fn human(&self, o: &mut dyn Write) -> io::Result<()> {
        for offer in &self.offers {
            writeln!(o, "{}: {}", offer.item, offer.text)?;
        }
        Ok(())
    }
}

impl Human for crate::command::redact::ReasonAdded {
    fn human(&self, o: &mut dyn Write) -> io::Result<()> {
        writeln!(o, "reason {} added", self.reason)
    }
}

impl Human for crate::command::redact::Builtins {
    fn human(&self, o: &mut dyn Write) -> io::Result<()> {
        for r in &self.builtins {
            writeln!(o, "{:<16} {:<8} {}", r.name, r.group.as_str(), r.description)?;
        }
        Ok(())
    }
}

impl Human for VerifyReport {
    fn human(&self, o: &mut dyn Write) -> io::Result<()> {
        for p in &self.problems {
            writeln!(o, "PROBLEM {}: {}", p.code, p.detail)?;
        }
        for n in &self.notes {
            writeln!(o, "note: {n}")?;
        }
        if let Some(h) = &self.head {
            writeln!(o, "audit head: entry {} {}", h.seq, h.hash)?;
        }
        writeln!(
            o,
            "{}: {} audit entries, {} originals, {} items checked",
            if self.ok { "ok" } else { "FAILED" },
            self.audit_entries,
            self.blobs_checked,
            self.items_checked
        )
    }
}

impl Human for crate::command::reindex::Reindexed {
    fn human(&self, o: &mut dyn Write) -> io::Result<()> {
        writeln!(o, "re-indexed {} items", self.indexed)
    }
}

impl Human for AuditLog {
    fn human(&self, o: &mut dyn Write) -> io::Result<()> {
        for e in &self.entries {
            writeln!(o, "{:>6}  {}  {:<10} {}", e.seq, e.time, e.actor, e.action)?;
        }
        Ok(())
    }
}

impl Human for exhibit::produce::ProductionReport {
    fn human(&self, o: &mut dyn Write) -> io::Result<()> {
        let r = self;
        if r.dry_run {
            writeln!(
                o,
                "dry run: {} would hold {} documents ({} selected, {} added to keep families whole), about {} pages, {} to {}",
                r.production, r.documents, r.selected, r.added_for_families, r.pages, r.first_bates, r.last_bates
            )?;
            writeln!(o, "treatments: {} produced, {} redacted, {} withheld", r.produced, r.redacted, r.withheld)?;
            for d in r.preview.iter().take(20) {
                writeln!(o, "  {}  {:?}  {} pages", d.control, d.treatment, d.pages)?;
            }
            if r.preview.len() > 20 {
                writeln!(o, "  … and {} more (all of them with --json)", r.preview.len() - 20)?;
            }
        } else {
            writeln!(
                o,
                "{} in {}: {} documents, {} pages, {} to {} ({} produced, {} redacted, {} withheld) in {:.1} s",
                r.production, r.out, r.documents, r.pages, r.first_bates, r.last_bates, r.produced, r.redacted, r.withheld, r.seconds
            )?;
        }
        for n in &r.notes {
            writeln!(o, "note: {n}")?;
        }
        if let Some(v) = &r.verification {
            v.human(o)?;
        }
        Ok(())
    }
}

impl Human for exhibit::produce::GateReport {
    fn human(&self, o: &mut dyn Write) -> io::Result<()> {
        for c in &self.checks {
            writeln!(o, "{} {}: {}", if c.ok { "passed" } else { "FAILED" }, c.name, c.detail)?;
            for f in c.failures.iter().take(20) {
                let at = [Some(f.file.as_str()).filter(|s| !s.is_empty()), f.bates.as_deref()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" ");
                writeln!(o, "    {at}: {}", f.what)?;
            }
            if c.failures.len() > 20 {
                writeln!(o, "    … and {} more (all of them with --json)", c.failures.len() - 20)?;
            }
        }
        if self.ok {
            writeln!(o, "verification gate passed ({:.1} s): the production is complete", self.seconds)
        } else {
            writeln!(o, "verification gate FAILED: the bundle is marked INCOMPLETE; do not serve it")
        }
    }
}

impl Human for exhibit::produce::ProductionList {
    fn human(&self, o: &mut dyn Write) -> io::Result<()> {
        if self.productions.is_empty() {
            return writeln!(o, "no productions yet: `exhibit produce --query Q --prefix P --out DIR` makes one");
        }
        for p in &self.productions {
            let status = match p.status {
                exhibit::produce::ProductionStatus::Complete => "complete",
                exhibit::produce::ProductionStatus::Incomplete => "INCOMPLETE",
                exhibit::produce::ProductionStatus::Building => "INCOMPLETE (not finished: running, or killed)",
            };
            writeln!(
                o,
                "{}  {}  {} to {}  {} documents, {} pages  {}  {}",
                p.name,
                p.created.chars().take(19).collect::<String>(),
                p.first_bates.as_deref().unwrap_or("-"),
                p.last_bates.as_deref().unwrap_or("-"),
                p.documents,
                p.pages,
                status,
                p.out
            )?;
        }
        Ok(())
    }
}
