//! `exhibit assess`: `Matter::assess_exposure` over the inputs file (or the matter's saved
//! inputs), optionally drawing a review sample first and writing the report.

use super::{Context, Outcome};
use crate::args::AssessArgs;
use crate::failure::Failure;
use crate::printer::Human;
use exhibit::assess::exposure::{AssessOptions, Exposure, ExposureInputs, ExposureReport, Range};
use exhibit::report::ReportFile;
use serde::Serialize;
use std::io::{self, Write};
use std::path::PathBuf;

/// The report, with what this run also did.
#[derive(Serialize)]
struct Assessed {
    #[serde(flatten)]
    report: ExposureReport,
    /// The sample this run drew: its tag and size.
    #[serde(skip_serializing_if = "Option::is_none")]
    sample_drawn: Option<SampleDrawn>,
    /// The report file written, and how many saved searches name its figures.
    #[serde(skip_serializing_if = "Option::is_none")]
    written: Option<Written>,
}

#[derive(Serialize)]
struct SampleDrawn {
    tag: String,
    items: u64,
    seed: u64,
}

#[derive(Serialize)]
struct Written {
    path: PathBuf,
    format: ReportFile,
    saved_searches: u64,
}

pub fn run(cx: &Context, a: AssessArgs) -> Result<Outcome, Failure> {
    let mut m = cx.open()?;
    let mut inputs = match &a.requests {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| exhibit::Error::Read { path: path.clone(), source: e })?;
            ExposureInputs::from_toml(&text, &path.display().to_string())?
        }
        None => {
            let saved = m.exposure_inputs()?;
            if saved.requests.is_empty() {
                return Err(Failure::Missing(
                    "no requests to assess: give --requests FILE (see docs/exposure.md), or save requests in the app's Exposure screen",
                ));
            }
            saved
        }
    };
    if a.save_inputs {
        m.save_exposure_inputs(&inputs)?;
    }
    if let (Some(request), Some(query)) = (&a.request, &a.query) {
        inputs = inputs.with_query(request, query)?;
    }
    let format = a.out.as_deref().map(ReportFile::for_path).transpose()?;
    let sample_drawn = match a.sample {
        Some(n) => {
            let seed = a.seed.unwrap_or_else(random_seed);
            let (tag, items) = m.draw_exposure_sample(&inputs, n, seed)?;
            Some(SampleDrawn { tag, items, seed })
        }
        None => None,
    };
    // A what-if answers with the live figures only (as the app's screen does while a request is
    // edited): the overview's languages, term hits and the model-log section are for the report.
    let full = a.out.is_some() || a.request.is_none();
    let opts = AssessOptions { full, save_searches: a.out.is_some(), sample_tag: sample_drawn.as_ref().map(|s| s.tag.clone()) };
    let report = m.assess_exposure(&inputs, &opts)?;
    let written = match (&a.out, format) {
        (Some(path), Some(format)) => {
            exhibit::report::write(&report, path)?;
            Some(Written { path: path.clone(), format, saved_searches: report.saved_search_count() })
        }
        _ => None,
    };
    cx.out.answer(&Assessed { report, sample_drawn, written })?;
    Ok(Outcome::Done)
}

/// A seed for a sample when none is given (printed, so the draw can be repeated).
fn random_seed() -> u64 {
    let mut b = [0u8; 8];
    // Without the OS's randomness, the clock: a seed need not be secret, only printed.
    if getrandom::fill(&mut b).is_err() {
        return std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(1) % 1_000_000;
    }
    u64::from_le_bytes(b) % 1_000_000
}

fn hours(r: Range) -> String {
    if r.low == r.high {
        format!("{:.1} h", r.low)
    } else {
        format!("{:.1}–{:.1} h", r.low, r.high)
    }
}

fn row(o: &mut dyn Write, name: &str, e: &Exposure, currency: &str) -> io::Result<()> {
    writeln!(
        o,
        "{:<28} {:>7} {:>7} {:>8} {:>6} {:>6} {:>6} {:>6} {:>6} {:>5}  {:<16} {}",
        name.chars().take(28).collect::<String>(),
        e.documents,
        e.families,
        e.pages,
        e.privileged,
        e.potentially_privileged,
        e.confidential,
        e.trade_secret,
        e.needs_redaction,
        e.hot,
        hours(e.review_hours),
        exhibit::report::layout::money(e.review_cost, currency)
    )
}

impl Human for Assessed {
    fn human(&self, o: &mut dyn Write) -> io::Result<()> {
        let r = &self.report;
        let cur = &r.inputs.review.currency;
        writeln!(o, "Exposure of matter \"{}\" ({} requests)", r.matter, r.requests.len())?;
        let h = ["request", "docs", "family", "pages", "priv", "pot.pr", "conf", "TS", "redact", "hot", "review hours", "cost"];
        writeln!(
            o,
            "{:<28} {:>7} {:>7} {:>8} {:>6} {:>6} {:>6} {:>6} {:>6} {:>5}  {:<16} {}",
            h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7], h[8], h[9], h[10], h[11]
        )?;
        for req in &r.requests {
            row(o, &req.name, &req.exposure, cur)?;
        }
        row(o, "ALL REQUESTS (each once)", &r.overall, cur)?;
        if r.overall.pages_estimated > 0 {
            writeln!(o, "{} of {} family items' pages are estimated from text length.", r.overall.pages_estimated, r.overall.families)?;
        }
        for req in &r.requests {
            writeln!(o, "\"{}\" adds {} family items no other request reaches.", req.name, req.adds_alone)?;
        }
        for ov in r.overlap.iter().filter(|ov| ov.shared > 0) {
            writeln!(o, "\"{}\" and \"{}\" share {} family items.", ov.a, ov.b, ov.shared)?;
        }
        if let Some(s) = &r.sample {
            writeln!(
                o,
                "Sample \"{}\": {} of {} drawn items coded; projected onto {} uncoded items: privileged {} (95% {}–{}), confidential {} ({}–{}).",
                s.tag,
                s.coded,
                s.drawn,
                s.remainder,
                s.privileged.projected,
                s.privileged.projected_low,
                s.privileged.projected_high,
                s.confidential.projected,
                s.confidential.projected_low,
                s.confidential.projected_high
            )?;
        }
        for ev in &r.evidence {
            writeln!(o, "Evidence \"{}\": {} documents ({} with families), {} hot.", ev.name, ev.documents, ev.families, ev.hot)?;
        }
        if let Some(section) = &r.model_logs {
            writeln!(o, "Model logs: {} — {}", section.rating.label(), section.summary)?;
        }
        if let Some(s) = &self.sample_drawn {
            writeln!(o, "Drew {} items into the tag \"{}\" (seed {}): code them, then run assess again.", s.items, s.tag, s.seed)?;
        }
        if let Some(w) = &self.written {
            writeln!(
                o,
                "Wrote {} ({:?}); {} saved searches name its figures (prefix \"Exposure:\").",
                w.path.display(),
                w.format,
                w.saved_searches
            )?;
        }
        Ok(())
    }
}
