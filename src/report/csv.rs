//! The exposure report's numbers as CSV, one row per figure, for a spreadsheet.
//!
//! Columns: `section,name,figure,value,search,query`. `section` says which part of the report
//! the row is from (`request`, `overall`, `overlap`, `sample`, `evidence`, `hot_timeline`,
//! `overview`, `custodian`, `file_type`, `sender_domain`, `month`, `language`, `term`,
//! `assumption`, `model_logs`); `name` is the request, query, label or month; `figure` is the
//! field (as in the JSON; a range's ends are `…_low` and `…_high`); `value` is the plain number
//! (no thousands separators, a point for decimals, rates as fractions); `search` and `query`
//! name the saved search reproducing the figure, where there is one. One long table rather than
//! a table per section, so a pivot table takes it whole. RFC 4180 quoting (the csv crate),
//! CRLF line ends.

use crate::assess::exposure::{Exposure, ExposureReport, Figure, FigureSearches, Range};
use crate::error::{Error, Result};

struct Rows {
    w: csv::Writer<Vec<u8>>,
}

impl Rows {
    fn row(&mut self, section: &str, name: &str, figure: &str, value: String, search: Option<&Figure>) -> Result<()> {
        let (s, q) = search.map_or(("", ""), |f| (f.search.as_str(), f.query.as_str()));
        self.w.write_record([section, name, figure, &value, s, q]).map_err(csv_error)
    }

    fn range(&mut self, section: &str, name: &str, figure: &str, r: Range) -> Result<()> {
        self.row(section, name, &format!("{figure}_low"), r.low.to_string(), None)?;
        self.row(section, name, &format!("{figure}_high"), r.high.to_string(), None)
    }

    fn exposure(&mut self, section: &str, name: &str, e: &Exposure, s: &FigureSearches) -> Result<()> {
        let n = |v: u64| v.to_string();
        self.row(section, name, "documents", n(e.documents), Some(&s.documents))?;
        self.row(section, name, "families", n(e.families), Some(&s.families))?;
        self.row(section, name, "pages", n(e.pages), Some(&s.families))?;
        self.row(section, name, "pages_estimated", n(e.pages_estimated), Some(&s.families))?;
        self.row(section, name, "bytes", n(e.bytes), Some(&s.families))?;
        self.row(section, name, "custodians", n(e.custodians), Some(&s.families))?;
        self.row(section, name, "date_first", e.date_first.clone().unwrap_or_default(), Some(&s.families))?;
        self.row(section, name, "date_last", e.date_last.clone().unwrap_or_default(), Some(&s.families))?;
        self.row(section, name, "privileged", n(e.privileged), Some(&s.privileged))?;
        self.row(section, name, "potentially_privileged", n(e.potentially_privileged), s.potentially_privileged.as_ref())?;
        self.row(section, name, "confidential", n(e.confidential), Some(&s.confidential))?;
        self.row(section, name, "trade_secret", n(e.trade_secret), Some(&s.trade_secret))?;
        self.row(section, name, "needs_redaction", n(e.needs_redaction), Some(&s.needs_redaction))?;
        self.row(section, name, "hot", n(e.hot), Some(&s.hot))?;
        self.range(section, name, "first_pass_hours", e.first_pass_hours)?;
        self.range(section, name, "privilege_hours", e.privilege_hours)?;
        self.range(section, name, "review_hours", e.review_hours)?;
        self.range(section, name, "production_cost", e.production_cost)?;
        self.range(section, name, "review_cost", e.review_cost)
    }

    fn counts(&mut self, section: &str, list: &[crate::assess::exposure::Count]) -> Result<()> {
        for c in list {
            self.row(section, &c.label, "items", c.count.to_string(), None)?;
        }
        Ok(())
    }
}

fn csv_error(e: csv::Error) -> Error {
    Error::Internal(format!("writing the report's CSV failed: {e}"))
}

/// Every figure of the report as CSV rows (see the module's documentation for the columns).
pub fn render(r: &ExposureReport) -> Result<Vec<u8>> {
    let w = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
    let mut t = Rows { w };
    t.w.write_record(["section", "name", "figure", "value", "search", "query"]).map_err(csv_error)?;
    for q in &r.requests {
        t.exposure("request", &q.name, &q.exposure, &q.searches)?;
        t.row("request", &q.name, "adds_alone", q.adds_alone.to_string(), None)?;
    }
    t.exposure("overall", "Overall", &r.overall, &r.overall_searches)?;
    for o in &r.overlap {
        t.row("overlap", &format!("{} & {}", o.a, o.b), "shared", o.shared.to_string(), None)?;
    }
    if let Some(s) = &r.sample {
        t.row("sample", &s.tag, "drawn", s.drawn.to_string(), None)?;
        t.row("sample", &s.tag, "coded", s.coded.to_string(), None)?;
        t.row("sample", &s.tag, "remainder", s.remainder.to_string(), None)?;
        for (name, p) in [("privileged", &s.privileged), ("confidential", &s.confidential), ("trade_secret", &s.trade_secret)] {
            t.row("sample", name, "hits", p.hits.to_string(), None)?;
            t.row("sample", name, "rate", p.rate.to_string(), None)?;
            t.row("sample", name, "rate_low", p.low.to_string(), None)?;
            t.row("sample", name, "rate_high", p.high.to_string(), None)?;
            t.row("sample", name, "projected", p.projected.to_string(), None)?;
            t.row("sample", name, "projected_low", p.projected_low.to_string(), None)?;
            t.row("sample", name, "projected_high", p.projected_high.to_string(), None)?;
        }
    }
    for e in &r.evidence {
        t.row("evidence", &e.name, "documents", e.documents.to_string(), Some(&e.search))?;
        t.row("evidence", &e.name, "families", e.families.to_string(), Some(&e.search))?;
        t.row("evidence", &e.name, "hot", e.hot.to_string(), Some(&e.search))?;
    }
    for c in &r.hot_timeline {
        t.row("hot_timeline", &c.label, "hot", c.count.to_string(), None)?;
    }
    let o = &r.overview;
    for (figure, v) in [
        ("items_found", o.items_found),
        ("bytes_found", o.bytes_found),
        ("items", o.items),
        ("bytes", o.bytes),
        ("families", o.families),
        ("undated", o.undated),
        ("errors", o.errors),
        ("needs_ocr", o.needs_ocr),
    ] {
        t.row("overview", "Matter", figure, v.to_string(), None)?;
    }
    t.counts("custodian", &o.custodians)?;
    t.counts("file_type", &o.file_types)?;
    t.counts("sender_domain", &o.sender_domains)?;
    t.counts("month", &o.months)?;
    t.counts("language", &o.languages)?;
    for term in &r.terms {
        let f = Figure { search: String::new(), query: term.query.clone() };
        t.row("term", &term.name, "documents", term.documents.to_string(), Some(&f))?;
        t.row("term", &term.name, "unique", term.unique.to_string(), Some(&f))?;
        t.row("term", &term.name, "with_families", term.with_families.to_string(), Some(&f))?;
    }
    let v = &r.inputs.review;
    t.range("assumption", &v.currency, "first_pass_docs_per_hour", v.first_pass_docs_per_hour)?;
    t.range("assumption", &v.currency, "privilege_docs_per_hour", v.privilege_docs_per_hour)?;
    t.range("assumption", &v.currency, "hourly_rate", v.hourly_rate)?;
    t.range("assumption", &v.currency, "privilege_hourly_rate", v.privilege_hourly_rate)?;
    t.range("assumption", &v.currency, "cost_per_page", v.cost_per_page)?;
    if let Some(s) = &r.model_logs {
        t.row("model_logs", &s.title, "rating", s.rating.label().to_string(), None)?;
    }
    t.w.into_inner().map_err(|e| Error::Internal(format!("writing the report's CSV failed: {e}")))
}
