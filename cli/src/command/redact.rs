//! `exhibit redact …`: the API's `redact_add`, `redact_box`, `redact_box_remove`,
//! `redact_rule`, `redactions` (the same library function) and `redact_remove`; and three the
//! API does not have yet (offers, reason codes, the built-in recognizers).

use super::{Context, Outcome};
use crate::args::{ReasonCommand, RedactCommand, RuleCommand};
use crate::failure::Failure;
use crate::printer::RegionRemoved;
use exhibit::api::responses::{ReasonList, RedactionAdded, RedactionsRemoved, RuleList};
use exhibit::redact::recognizers::{self, Group};
use exhibit::redact::{AllowList, Field, RuleScope, RuleSpec, Treatment};
use exhibit::Error;
use serde::Serialize;
use std::path::Path;

/// Items holding, unredacted, text that is redacted on the item asked about.
#[derive(Serialize)]
pub struct Offers {
    pub offers: Vec<Offer>,
}

#[derive(Serialize)]
pub struct Offer {
    pub item: String,
    pub text: String,
    pub from_redaction: usize,
}

/// The reason code added, as stored (upper case).
#[derive(Serialize)]
pub struct ReasonAdded {
    pub reason: String,
}

/// The built-in recognizers and the groups that name several at once.
#[derive(Serialize)]
pub struct Builtins {
    pub builtins: Vec<Builtin>,
    pub groups: Vec<&'static str>,
}

#[derive(Serialize)]
pub struct Builtin {
    pub name: &'static str,
    pub group: Group,
    pub description: &'static str,
}

pub fn run(cx: &Context, action: RedactCommand) -> Result<Outcome, Failure> {
    if let RedactCommand::Builtins = action {
        // No matter needed: the list is the program's own.
        let builtins = recognizers::all().into_iter().map(|r| Builtin { name: r.name, group: r.group, description: r.description });
        cx.out.answer(&Builtins { builtins: builtins.collect(), groups: recognizers::group_names() })?;
        return Ok(Outcome::Done);
    }
    let mut m = cx.open()?;
    match action {
        RedactCommand::Add { id, span, reason, pseudonymize } => {
            let (start, end) = span_of(&span)?;
            let redaction = m.redact_add(&id, start, end, &reason, treatment(pseudonymize))?;
            cx.out.answer(&RedactionAdded { redaction })?;
        }
        RedactCommand::Box { id, page, rect, reason, pseudonymize } => {
            cx.out.answer(&m.redact_box(&id, page, rect_of(&rect)?, &reason, treatment(pseudonymize))?)?;
        }
        RedactCommand::RemoveBox { region } => {
            let answer = RedactionsRemoved { removed: m.redact_box_remove(region)? };
            cx.out.either(&answer, &RegionRemoved { region, answer: &answer })?;
        }
        RedactCommand::Rule {
            action:
                RuleCommand::Add {
                    builtin,
                    regex,
                    terms,
                    whole_word,
                    case_sensitive,
                    reason,
                    query,
                    pseudonymize,
                    scope,
                    allow_domain,
                    allow,
                    dry_run,
                },
        } => {
            let spec = match (regex, terms) {
                (Some(pattern), _) => RuleSpec::Regex { pattern },
                (None, Some(file)) => RuleSpec::Terms { terms: terms_in(&file)?, whole_word, case_sensitive },
                (None, None) if !builtin.is_empty() => RuleSpec::Builtin { names: builtin },
                (None, None) => return Err(Failure::Missing("give --builtin NAME, --regex RE or --terms FILE")),
            };
            let mut fields = RuleScope::default_for(&spec);
            if let Some(s) = &scope {
                fields.fields = Field::parse_list(s)?;
            }
            fields.allow = AllowList::new(allow_domain, allow)?;
            cx.out.answer(&m.redact_rule_scoped(spec, &reason, treatment(pseudonymize), query.as_deref(), fields, dry_run)?)?;
        }
        RedactCommand::Rule { action: RuleCommand::List } => cx.out.answer(&RuleList { rules: m.redaction_rules()? })?,
        RedactCommand::Rule { action: RuleCommand::Remove { rule } } => cx.out.answer(&m.redact_rule_remove(rule)?)?,
        RedactCommand::List { id, reason } => {
            cx.out.answer(&exhibit::api::answers::redactions(&m, id.as_deref(), reason.as_deref())?)?;
        }
        RedactCommand::Remove { redaction } => cx.out.answer(&RedactionsRemoved { removed: m.redact_remove(redaction)? })?,
        RedactCommand::Offers { id } => {
            let offers = m.redaction_offers(&id)?.into_iter().map(|(item, text, from_redaction)| Offer { item, text, from_redaction });
            cx.out.answer(&Offers { offers: offers.collect() })?;
        }
        RedactCommand::Reason { action: ReasonCommand::Add { code, label } } => {
            m.add_reason(&code, &label.join(" "))?;
            cx.out.answer(&ReasonAdded { reason: code.trim().to_uppercase() })?;
        }
        RedactCommand::Reason { action: ReasonCommand::List } => cx.out.answer(&ReasonList { reasons: m.redaction_reasons()? })?,
        RedactCommand::Builtins => unreachable!("answered above, without a matter"),
    }
    Ok(Outcome::Done)
}

fn treatment(pseudonymize: bool) -> Treatment {
    if pseudonymize {
        Treatment::Pseudonymize
    } else {
        Treatment::Redact
    }
}

/// `--span START:END`: character offsets into the extracted text.
fn span_of(span: &str) -> Result<(usize, usize), Failure> {
    span.split_once(':').and_then(|(a, b)| Some((a.trim().parse().ok()?, b.trim().parse().ok()?))).ok_or_else(|| Failure::Argument {
        flag: "--span",
        expected: "START:END character offsets, e.g. 120:135",
        got: span.to_string(),
    })
}

/// `--rect X0,Y0,X1,Y1`: points from the top-left of the page as displayed.
fn rect_of(rect: &str) -> Result<[f64; 4], Failure> {
    let v: Vec<f64> = rect.split(',').filter_map(|x| x.trim().parse().ok()).collect();
    v.try_into().map_err(|_| Failure::Argument {
        flag: "--rect",
        expected: "four numbers X0,Y0,X1,Y1 in points from the page's top-left, e.g. 72,100,300,130",
        got: rect.to_string(),
    })
}

/// The non-blank lines of a `--terms` file.
fn terms_in(file: &Path) -> Result<Vec<String>, Failure> {
    let text = std::fs::read_to_string(file).map_err(|e| Error::Read { path: file.to_path_buf(), source: e })?;
    Ok(text.lines().filter(|l| !l.trim().is_empty()).map(str::to_string).collect())
}
