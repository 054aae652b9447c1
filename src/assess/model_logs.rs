//! The exposure report's model-log section: what the API logs prove about distillation, and
//! what producing them would expose.
//!
//! Built from a [`Report`] of [`Matter::analyze_calls`] plus what the matter knows about the
//! calls (control numbers, dates, tokens, redactions), so a reader can follow every number to
//! items they can open. It quotes no logged prompt or completion text: calls are cited by
//! control number, templates by their masked words, and only when the example call carries no
//! redaction — a report must not become a way around a redaction.

use super::section::{Block, Rating, Section};
use crate::error::Result;
use crate::matter::Matter;
use crate::modellogs::analyze::SignalName;
use crate::modellogs::{GroupBy, Report};
use rusqlite::OptionalExtension;
use std::collections::HashMap;

/// Flagged accounts described one by one; the rest are in the table only.
const DETAILED_ACCOUNTS: usize = 25;
/// Example items cited per signal or template.
const CITED: usize = 5;

/// What each signal measures, in the words the section uses.
fn signal_meaning(name: SignalName) -> &'static str {
    match name {
        SignalName::CallsPerDay => "call volume per day against the median account",
        SignalName::OutputTokensPerDay => "output tokens per day against the median account",
        SignalName::OutputInputRatio => "long answers to short prompts",
        SignalName::InterarrivalCv => "machine-regular timing between calls",
        SignalName::HourEntropy => "round-the-clock activity (people sleep)",
        SignalName::TemplatedHarvesting => "prompts built from a few templates over broad content",
        SignalName::ReasoningExtraction => "prompts asking for step-by-step reasoning or chain of thought",
        SignalName::HarvestParameters => "several completions per call, log-probabilities, token ceilings, temperature sweeps",
        SignalName::TopicBreadth => "coverage of many unrelated subjects",
        SignalName::NearDuplicatePrompts => "repeated prompt sets (typical of evaluation harnesses)",
        SignalName::Coordination => "links to other accounts through shared templates plus shared networks or timing",
    }
}

/// What one group is called in the section's sentences.
fn group_word(g: GroupBy) -> &'static str {
    match g {
        GroupBy::Account => "account",
        GroupBy::Key => "API key",
        GroupBy::User => "end user",
        GroupBy::Ip => "IP address",
    }
}

/// Per group: first and last call time and output tokens.
struct GroupFacts {
    first: Option<String>,
    last: Option<String>,
    output_tokens: i64,
}

fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

fn num(n: i64) -> String {
    let s = n.abs().to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 {
        format!("-{out}")
    } else {
        out
    }
}

fn day(ts: &Option<String>) -> String {
    ts.as_deref().map(|t| t.chars().take(10).collect()).unwrap_or_else(|| "—".into())
}

impl Matter {
    /// The model-log section of the exposure report for an analysis of this matter's calls.
    pub fn model_log_section(&self, report: &Report) -> Result<Section> {
        let (col, group_word) = (crate::calls::group_column(report.group_by), group_word(report.group_by));
        let controls = Controls::new(self);

        // Scope: how many calls, from which logs, over what time.
        let (calls, first, last, out_tokens): (i64, Option<String>, Option<String>, Option<i64>) =
            self.store.db.query_row("SELECT COUNT(*), MIN(ts), MAX(ts), SUM(completion_tokens) FROM model_call", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })?;
        let mut logs = Vec::new();
        {
            let mut stmt = self.store.db.prepare(
                "SELECT i.control, i.name, COUNT(c.item_id) FROM item i JOIN model_call c ON c.log_id = i.id GROUP BY i.id ORDER BY i.id",
            )?;
            for row in stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?)))? {
                logs.push(row?);
            }
        }
        let mut facts: HashMap<String, GroupFacts> = HashMap::new();
        {
            let mut stmt = self.store.db.prepare(&format!(
                "SELECT {col}, MIN(ts), MAX(ts), COALESCE(SUM(completion_tokens), 0) FROM model_call WHERE {col} IS NOT NULL GROUP BY {col}"
            ))?;
            for row in stmt.query_map([], |r| {
                Ok((r.get::<_, String>(0)?, GroupFacts { first: r.get(1)?, last: r.get(2)?, output_tokens: r.get(3)? }))
            })? {
                let (k, f) = row?;
                facts.insert(k, f);
            }
        }

        let flagged: Vec<_> = report.flagged().collect();
        let flagged_calls: u64 = flagged.iter().map(|a| a.calls).sum();
        let flagged_tokens: i64 = flagged.iter().filter_map(|a| facts.get(&a.account)).map(|f| f.output_tokens).sum();
        let overlap_beats_null = report.overlap.as_ref().map(|o| o.pairs > 0 && o.ci_low > o.null_ci_high);
        let rating = match (flagged.is_empty(), overlap_beats_null) {
            (false, Some(true)) => Rating::Strong,
            (false, _) => Rating::Moderate,
            (true, Some(true)) => Rating::Weak,
            (true, _) => Rating::None,
        };
        let mut summary = if flagged.is_empty() {
            format!("No {group_word} among {} shows the pattern of distillation.", num(report.accounts.len() as i64))
        } else {
            format!(
                "{} of {} {group_word}s show the pattern of distillation: {} calls and {} output tokens.",
                num(flagged.len() as i64),
                num(report.accounts.len() as i64),
                num(flagged_calls as i64),
                num(flagged_tokens)
            )
        };
        if !report.clusters.is_empty() {
            let members: usize = report.clusters.iter().map(|c| c.accounts.len()).sum();
            summary.push_str(&format!(" {} coordinated network(s) join {members} of them.", report.clusters.len()));
        }
        match &report.overlap {
            Some(o) if o.pairs > 0 => summary.push_str(&format!(
                " The suspect model's answers match the logged completions of the same prompts in {} of {} compared prompts (95% CI {}–{}), against {} when compared with other prompts' completions{}.",
                pct(o.rate),
                num(o.pairs as i64),
                pct(o.ci_low),
                pct(o.ci_high),
                pct(o.null_rate),
                if overlap_beats_null == Some(true) { ", well beyond chance" } else { "; the difference is not beyond chance" }
            )),
            Some(_) => summary.push_str(" None of the suspect model's prompts were found in the logs, so no output overlap could be measured."),
            None => summary.push_str(" No suspect-model outputs were compared (run the analysis with --suspect-outputs)."),
        }

        let mut b = Vec::new();
        b.push(Block::Heading { text: "Scope".into() });
        b.push(Block::Paragraph {
            text: format!(
                "The matter holds {} logged model calls from {} log file(s), dated {} to {}, with {} output tokens in all. The analysis groups calls by {group_word} ({} groups).",
                num(calls),
                logs.len(),
                day(&first),
                day(&last),
                num(out_tokens.unwrap_or(0)),
                num(report.accounts.len() as i64)
            ),
        });
        if !logs.is_empty() {
            b.push(Block::Table {
                columns: vec!["Log".into(), "File".into(), "Calls".into()],
                rows: logs.iter().take(50).map(|(c, n, k)| vec![c.clone(), n.clone(), num(*k)]).collect(),
            });
        }
        b.push(Block::Heading { text: "Method".into() });
        b.push(Block::Paragraph {
            text: "Each group is measured on the signals below, each against a threshold or the median group; the signals combine into a score from 0 to 1, and a score of 0.5 or more flags the group. A flag is an indicator for review, not proof of intent: each lists the benign explanations that fit it.".into(),
        });
        if let Some(a) = report.accounts.first() {
            b.push(Block::List { items: a.signals.iter().map(|s| format!("{}: {}", s.name, signal_meaning(s.name))).collect() });
        }

        b.push(Block::Heading { text: format!("Flagged {group_word}s") });
        if flagged.is_empty() {
            b.push(Block::Paragraph { text: format!("No {group_word} reached the flag threshold.") });
        } else {
            b.push(Block::Table {
                columns: vec![
                    group_word[..1].to_uppercase() + &group_word[1..],
                    "Calls".into(),
                    "First call".into(),
                    "Last call".into(),
                    "Output tokens".into(),
                    "Score".into(),
                    "Pattern".into(),
                ],
                rows: flagged
                    .iter()
                    .map(|a| {
                        let f = facts.get(&a.account);
                        vec![
                            a.account.clone(),
                            num(a.calls as i64),
                            f.map(|f| day(&f.first)).unwrap_or_default(),
                            f.map(|f| day(&f.last)).unwrap_or_default(),
                            num(f.map(|f| f.output_tokens).unwrap_or(0)),
                            format!("{:.2}", a.score),
                            a.patterns.iter().map(|p| p.kind.label()).collect::<Vec<_>>().join("; "),
                        ]
                    })
                    .collect(),
            });
            // Every unlinked flag in detail, but only a few members of each network (the
            // network's own paragraph lists them all).
            let mut per_cluster: HashMap<usize, usize> = HashMap::new();
            let detailed: Vec<_> = flagged
                .iter()
                .filter(|a| match a.cluster {
                    None => true,
                    Some(c) => {
                        let n = per_cluster.entry(c).or_insert(0);
                        *n += 1;
                        *n <= 2
                    }
                })
                .take(DETAILED_ACCOUNTS)
                .collect();
            for a in &detailed {
                let word = group_word[..1].to_uppercase() + &group_word[1..];
                b.push(Block::Heading { text: format!("{word} {} — score {:.2}", a.account, a.score) });
                b.push(Block::List { items: a.patterns.iter().map(|p| p.to_string()).collect() });
                b.push(Block::Table {
                    columns: vec!["Signal".into(), "Value".into(), "Judged against".into(), "What it shows".into(), "Example items".into()],
                    rows: a
                        .signals
                        .iter()
                        .filter(|s| s.strength > 0.0)
                        .map(|s| {
                            Ok(vec![
                                s.name.to_string(),
                                format!("{:.3}", s.value),
                                format!("{:.3}", s.threshold),
                                s.detail.clone(),
                                controls.cite(&s.examples)?,
                            ])
                        })
                        .collect::<Result<_>>()?,
                });
                let mut templates = Vec::new();
                for t in &a.templates {
                    let shown = match t.examples.first() {
                        Some(&id) if !controls.redacted(id)? && !t.pattern.is_empty() => format!("“{}”", t.pattern),
                        _ => "(words withheld: the example call has redactions)".into(),
                    };
                    templates.push(format!(
                        "{shown}: {} calls ({}) over {} subject area(s); e.g. {}",
                        num(t.calls as i64),
                        pct(t.share),
                        t.subject_areas,
                        controls.cite(&t.examples)?
                    ));
                }
                if !templates.is_empty() {
                    b.push(Block::Paragraph { text: "Prompt templates (numbers shown as #, names as [name]):".into() });
                    b.push(Block::List { items: templates });
                }
                if !a.benign_explanations.is_empty() {
                    b.push(Block::Paragraph { text: "Benign explanations considered:".into() });
                    b.push(Block::List { items: a.benign_explanations.clone() });
                }
            }
            if flagged.len() > detailed.len() {
                b.push(Block::Paragraph {
                    text: format!(
                        "{} more flagged {group_word}s are in the table above; the full analysis (JSON or CSV) lists every signal of each.",
                        flagged.len() - detailed.len()
                    ),
                });
            }
        }

        if !report.clusters.is_empty() {
            b.push(Block::Heading { text: "Coordinated networks".into() });
            for (i, c) in report.clusters.iter().enumerate() {
                let shown: Vec<&str> = c.accounts.iter().take(30).map(String::as_str).collect();
                b.push(Block::Paragraph {
                    text: format!(
                        "Network {}: {}. Members: {}{}.",
                        i + 1,
                        c.reason,
                        shown.join(", "),
                        if c.accounts.len() > shown.len() {
                            format!(" and {} more", c.accounts.len() - shown.len())
                        } else {
                            String::new()
                        }
                    ),
                });
                b.push(Block::Table {
                    columns: vec!["Between".into(), "And".into(), "Linked by".into()],
                    rows: c.links.iter().take(10).map(|l| vec![l.a.clone(), l.b.clone(), l.kinds.join("; ")]).collect(),
                });
            }
        }

        if let Some(o) = &report.overlap {
            b.push(Block::Heading { text: "Overlap with the suspect model's outputs".into() });
            b.push(Block::Paragraph { text: o.detail.clone() });
            b.push(Block::Table {
                columns: vec!["Measure".into(), "Value".into()],
                rows: vec![
                    vec!["Prompts compared".into(), num(o.pairs as i64)],
                    vec!["Suspect answers matching a logged completion".into(), format!("{} ({})", num(o.matched as i64), pct(o.rate))],
                    vec!["95% confidence interval".into(), format!("{} – {}", pct(o.ci_low), pct(o.ci_high))],
                    vec![
                        "Baseline: the same answers against other prompts' completions".into(),
                        format!("{} (upper bound {})", pct(o.null_rate), pct(o.null_ci_high)),
                    ],
                    vec!["Suspect answers naming another model as themselves".into(), pct(o.self_identification_rate)],
                    vec!["Suspect prompts not found in the logs".into(), num(o.unmatched_prompts as i64)],
                ],
            });
            let strongest: Vec<String> = o
                .examples
                .iter()
                .take(CITED)
                .map(|e| {
                    Ok(format!(
                        "{}: {} of the suspect answer's long word sequences appear in the logged completion",
                        controls.cite(&[e.logged_id])?,
                        pct(e.containment)
                    ))
                })
                .collect::<Result<_>>()?;
            if !strongest.is_empty() {
                b.push(Block::Paragraph { text: "Strongest matches (logged call, containment):".into() });
                b.push(Block::List { items: strongest });
            }
        }

        // What producing the logs would expose.
        b.push(Block::Heading { text: "Exposure from producing the logs".into() });
        let other_calls = calls.saturating_sub(flagged_calls as i64);
        let others = report.accounts.len().saturating_sub(flagged.len());
        let mut redactions = Vec::new();
        {
            let mut stmt = self.store.db.prepare(
                "SELECT r.reason, COUNT(*), COUNT(DISTINCT r.item_id) FROM redaction r JOIN model_call c ON c.item_id = r.item_id GROUP BY r.reason ORDER BY 2 DESC",
            )?;
            for row in stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?, r.get::<_, i64>(2)?)))? {
                let (reason, n, items) = row?;
                redactions.push(vec![reason, num(n), num(items)]);
            }
        }
        b.push(Block::Paragraph {
            text: format!(
                "The logs also hold {} calls of {} {group_word}s that are not flagged — other customers' prompts and answers. Producing the logs whole would disclose them; producing only the calls behind the flags ({} calls) limits that. {}",
                num(other_calls),
                num(others as i64),
                num(flagged_calls as i64),
                if redactions.is_empty() { "No redactions have been applied to model calls yet (run the PII and secrets rules over them before producing)." } else { "Redactions already applied to model calls:" }
            ),
        });
        if !redactions.is_empty() {
            b.push(Block::Table { columns: vec!["Reason".into(), "Redactions".into(), "Calls".into()], rows: redactions });
        }

        Ok(Section { id: "model_logs".into(), title: "Model-log evidence: distillation analysis".into(), rating, summary, blocks: b })
    }
}

/// Item ids → control numbers, and whether an item has redactions.
struct Controls<'a> {
    m: &'a Matter,
}

impl<'a> Controls<'a> {
    fn new(m: &'a Matter) -> Self {
        Controls { m }
    }

    fn control(&self, id: u64) -> Result<String> {
        let c: Option<String> =
            self.m.store.db.prepare_cached("SELECT control FROM item WHERE id = ?1")?.query_row([id as i64], |r| r.get(0)).optional()?;
        Ok(c.unwrap_or_else(|| format!("item {id}")))
    }

    /// Up to [`CITED`] control numbers, comma-separated.
    fn cite(&self, ids: &[u64]) -> Result<String> {
        let v: Vec<String> = ids.iter().take(CITED).map(|&id| self.control(id)).collect::<Result<_>>()?;
        Ok(v.join(", "))
    }

    fn redacted(&self, id: u64) -> Result<bool> {
        let n: i64 =
            self.m.store.db.prepare_cached("SELECT COUNT(*) FROM redaction WHERE item_id = ?1")?.query_row([id as i64], |r| r.get(0))?;
        Ok(n > 0)
    }
}
