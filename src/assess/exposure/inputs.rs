//! What an exposure assessment is asked: review rates, which tags mean what, the other side's
//! anticipated requests, our evidence queries and the privilege screen.
//!
//! Counsel writes them as a TOML file (`exhibit assess --requests FILE`); the app edits the
//! same structure and keeps it in the matter. A rate may be one number or a `[low, high]` pair,
//! because review vendors quote ranges and the report must carry the range through to the cost.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Everything an assessment needs besides the matter.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct ExposureInputs {
    #[serde(default)]
    pub review: ReviewRates,
    #[serde(default)]
    pub tags: SensitivityTags,
    /// The other side's anticipated requests for production.
    #[serde(default, rename = "request")]
    pub requests: Vec<QuerySpec>,
    /// Our own evidence queries (optional).
    #[serde(default)]
    pub evidence: Vec<QuerySpec>,
    /// The privilege screen (optional): who and what marks an item as involving counsel.
    #[serde(default)]
    pub privilege: PrivilegeScreen,
}

/// A low–high range; a single figure is a range whose ends are equal.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, TS)]
pub struct Range {
    pub low: f64,
    pub high: f64,
}

impl Range {
    pub const fn exactly(x: f64) -> Range {
        Range { low: x, high: x }
    }
}

impl<'de> Deserialize<'de> for Range {
    /// `350`, `[300, 450]` or `{ low = 300, high = 450 }`; ends are put in order.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Range, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Form {
            One(f64),
            Pair([f64; 2]),
            Named { low: f64, high: f64 },
        }
        let (a, b) = match Form::deserialize(d)
            .map_err(|_| serde::de::Error::custom("expected a number, a [low, high] pair or { low = …, high = … }"))?
        {
            Form::One(x) => (x, x),
            Form::Pair([a, b]) => (a, b),
            Form::Named { low, high } => (low, high),
        };
        if !(a.is_finite() && b.is_finite()) || a < 0.0 || b < 0.0 {
            return Err(serde::de::Error::custom("rates must be finite and not negative"));
        }
        Ok(Range { low: a.min(b), high: a.max(b) })
    }
}

/// Review throughput and prices. The defaults are the middle of published vendor ranges for
/// first-pass review (50 documents an hour), privilege review (20 an hour) and production
/// (10 cents a page); counsel replaces them with their own.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields, default)]
pub struct ReviewRates {
    pub first_pass_docs_per_hour: Range,
    pub privilege_docs_per_hour: Range,
    /// Currency per hour of first-pass review.
    pub hourly_rate: Range,
    /// Currency per hour of privilege review (usually a more senior reviewer).
    pub privilege_hourly_rate: Range,
    /// Currency per produced page (processing, imaging, Bates stamping, hosting).
    pub cost_per_page: Range,
    /// The currency the rates are in, as the report prints it.
    pub currency: String,
}

impl Default for ReviewRates {
    fn default() -> Self {
        ReviewRates {
            first_pass_docs_per_hour: Range::exactly(50.0),
            privilege_docs_per_hour: Range::exactly(20.0),
            hourly_rate: Range::exactly(75.0),
            privilege_hourly_rate: Range::exactly(350.0),
            cost_per_page: Range::exactly(0.10),
            currency: "USD".into(),
        }
    }
}

/// Which tags mark what. Each list is a set of tag names (an item with any of them counts).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields, default)]
pub struct SensitivityTags {
    pub privileged: Vec<String>,
    pub confidential: Vec<String>,
    pub trade_secret: Vec<String>,
    pub hot: Vec<String>,
    /// Items marked for redaction by a reviewer (besides those already carrying redactions).
    pub needs_redaction: Vec<String>,
    /// Tags that mean a reviewer has coded the item (for the sampling estimate).
    pub reviewed: Vec<String>,
}

impl Default for SensitivityTags {
    fn default() -> Self {
        let v = |names: &[&str]| names.iter().map(|s| s.to_string()).collect();
        SensitivityTags {
            privileged: v(&["Privileged – attorney-client", "Privileged – work product"]),
            confidential: v(&["Confidential"]),
            trade_secret: v(&["Trade secret"]),
            hot: v(&["Hot"]),
            needs_redaction: v(&["Needs redaction"]),
            reviewed: v(&["Reviewed"]),
        }
    }
}

/// A named query: a request for production, or one of our evidence searches.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct QuerySpec {
    pub name: String,
    pub query: String,
}

/// Who and what marks an item as involving counsel.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields, default)]
pub struct PrivilegeScreen {
    /// Counsel's names or addresses, matched in From/To/Cc/Bcc.
    pub attorneys: Vec<String>,
    /// Outside counsel's domains (`lawfirm.com`), matched in From/To/Cc/Bcc.
    pub domains: Vec<String>,
    /// Privilege terms (`"attorney-client"`, `privileged`), matched in the text.
    pub terms: Vec<String>,
}

impl PrivilegeScreen {
    pub fn is_empty(&self) -> bool {
        self.attorneys.is_empty() && self.domains.is_empty() && self.terms.is_empty()
    }

    /// The screen as one query of the search language, so a reviewer can run it, save it and
    /// work through it like any other search. Names are quoted (a phrase in each address
    /// field); terms are quoted phrases in the text.
    pub fn query(&self) -> Option<String> {
        let mut parts = Vec::new();
        for who in self.attorneys.iter().chain(&self.domains).map(|s| s.trim()).filter(|s| !s.is_empty()) {
            let q = quote(who);
            parts.push(format!("from:{q} OR to:{q} OR cc:{q} OR bcc:{q}"));
        }
        for t in self.terms.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
            parts.push(quote(t));
        }
        (!parts.is_empty()).then(|| parts.join(" OR "))
    }
}

/// A value as a quoted phrase of the query language (quotes inside are dropped: a phrase
/// cannot hold one, and the words around it still match).
pub(crate) fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('"', " "))
}

impl ExposureInputs {
    /// Reads the TOML form. A bad file is an error naming the line and the field, which the
    /// TOML parser's message carries ("TOML parse error at line 4, column 27 … unknown field").
    pub fn from_toml(text: &str, origin: &str) -> Result<ExposureInputs> {
        let inputs: ExposureInputs = toml::from_str(text).map_err(|e| Error::BadInput(format!("{origin}: {e}")))?;
        inputs.check()?;
        Ok(inputs)
    }

    /// The TOML form, as `from_toml` reads it back.
    pub fn to_toml(&self) -> Result<String> {
        toml::to_string(self).map_err(|e| Error::Internal(format!("exposure inputs do not serialize to TOML: {e}")))
    }

    /// Checks what the types cannot: names present and unique, throughputs above zero, every
    /// query parsing (a bad one named by its request and the parser's position).
    pub fn check(&self) -> Result<()> {
        for (what, rate) in [
            ("review.first_pass_docs_per_hour", self.review.first_pass_docs_per_hour),
            ("review.privilege_docs_per_hour", self.review.privilege_docs_per_hour),
        ] {
            if rate.low <= 0.0 {
                return Err(Error::BadInput(format!("{what} must be above zero: it divides the number of documents")));
            }
        }
        for (kind, list) in [("request", &self.requests), ("evidence", &self.evidence)] {
            let mut seen = std::collections::HashSet::new();
            for (i, spec) in list.iter().enumerate() {
                if spec.name.trim().is_empty() {
                    return Err(Error::BadInput(format!("{kind} #{} has no name: give it `name = \"…\"`", i + 1)));
                }
                if !seen.insert(spec.name.trim().to_lowercase()) {
                    return Err(Error::BadInput(format!("two {kind}s are named \"{}\": names must differ", spec.name)));
                }
                check_query(kind, &spec.name, &spec.query)?;
            }
        }
        if let Some(q) = self.privilege.query() {
            check_query("privilege screen", "privilege", &q)?;
        }
        Ok(())
    }
}

/// A query that does not parse, named by what it belongs to.
pub(crate) fn check_query(kind: &str, name: &str, query: &str) -> Result<()> {
    if query.trim().is_empty() {
        return Err(Error::BadInput(format!("{kind} \"{name}\" has no query: give it `query = \"…\"`")));
    }
    crate::index::query::parse(query)
        .map(|_| ())
        .map_err(|e| Error::Query(format!("{kind} \"{name}\": at character {}: {}", e.position, e.message)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"
[review]
first_pass_docs_per_hour = [40, 60]
privilege_docs_per_hour = 20
hourly_rate = { low = 60, high = 90 }
privilege_hourly_rate = 400
cost_per_page = 0.12

[tags]
privileged = ["Privileged – attorney-client"]
hot = ["Hot", "Key"]

[[request]]
name = "RFP 1: training data"
query = "distillation OR \"training data\""

[[request]]
name = "RFP 2: API logs"
query = "kind:model_call"

[privilege]
attorneys = ["Jane Roe"]
domains = ["lawfirm.com"]
terms = ["attorney-client"]
"#;

    #[test]
    fn reads_numbers_pairs_and_tables_as_ranges() {
        let i = ExposureInputs::from_toml(FILE, "requests.toml").unwrap();
        assert_eq!(i.review.first_pass_docs_per_hour, Range { low: 40.0, high: 60.0 });
        assert_eq!(i.review.hourly_rate, Range { low: 60.0, high: 90.0 });
        assert_eq!(i.review.privilege_hourly_rate, Range::exactly(400.0));
        assert_eq!(i.requests.len(), 2);
        assert_eq!(i.tags.hot, vec!["Hot", "Key"]);
        assert_eq!(i.tags.confidential, vec!["Confidential"], "unset lists keep their defaults");
        let q = i.privilege.query().unwrap();
        assert!(q.contains("from:\"Jane Roe\" OR to:\"Jane Roe\""), "{q}");
        assert!(q.ends_with("\"attorney-client\""), "{q}");
        let back = ExposureInputs::from_toml(&i.to_toml().unwrap(), "again").unwrap();
        assert_eq!(back, i);
    }

    #[test]
    fn a_bad_file_names_the_line_and_the_field() {
        let e = ExposureInputs::from_toml("[review]\nhourly_rate = 70\nhourly_rat = 80\n", "r.toml").unwrap_err().to_string();
        assert!(e.contains("r.toml") && e.contains("line 3") && e.contains("hourly_rat"), "{e}");
        let e = ExposureInputs::from_toml("[review]\ncost_per_page = \"cheap\"\n", "r.toml").unwrap_err().to_string();
        assert!(e.contains("line 2") && e.contains("cost_per_page"), "{e}");
    }

    #[test]
    fn a_bad_query_names_the_request_and_the_position() {
        let e = ExposureInputs::from_toml("[[request]]\nname = \"RFP 3\"\nquery = \"price w/ cap\"\n", "r.toml").unwrap_err();
        assert!(matches!(e, Error::Query(_)));
        let e = e.to_string();
        assert!(e.contains("RFP 3") && e.contains("at character 7"), "{e}");
    }
}
