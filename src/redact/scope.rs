//! Where a redaction rule applies — the fields of an item it may hide — and the values it must
//! never hide (an allow-list): what makes a built-in recognizer usable on real mail, where an
//! e-mail address in a From line is how a reviewer reads the message, and the company's own
//! domain or outside counsel are not personal data to hide.
//!
//! Fields:
//! * `body` — the text of every item (for an e-mail, below its header block): message bodies,
//!   attachments' and documents' contents, model calls;
//! * `headers` — an e-mail's header block in its text and its header values (From, To, Cc,
//!   Bcc, Subject, Message-ID, references, custom headers);
//! * `attachments` — attachment and file names, and the paths items were found at;
//! * `metadata` — everything else the item view shows: document titles and properties,
//!   custodians, tags.
//!
//! A rule's fields and allow-list are stored with it (`redaction_rule.fields`, `.allow`) and
//! every place that applies the rule — the rule run, arrivals at ingest, the redacted view and
//! so productions — asks [`RuleScope`]. A rule stored before fields existed has `fields` NULL,
//! read as every field: it keeps doing what it did.

use crate::error::{Error, Result};
use crate::recognizers::Match;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// One field of an item (see the module doc).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Body,
    Headers,
    Attachments,
    Metadata,
}

impl Field {
    pub const ALL: [Field; 4] = [Field::Body, Field::Headers, Field::Attachments, Field::Metadata];

    pub fn as_str(self) -> &'static str {
        match self {
            Field::Body => "body",
            Field::Headers => "headers",
            Field::Attachments => "attachments",
            Field::Metadata => "metadata",
        }
    }

    /// A field by name (case-insensitive; `header`, `attachment` and `names` are accepted too).
    pub fn parse(s: &str) -> Result<Field> {
        match s.trim().to_ascii_lowercase().as_str() {
            "body" | "bodies" | "text" => Ok(Field::Body),
            "headers" | "header" => Ok(Field::Headers),
            "attachments" | "attachment" | "names" => Ok(Field::Attachments),
            "metadata" | "meta" => Ok(Field::Metadata),
            other => Err(Error::BadRule(format!(
                "'{other}' is not a field a rule can cover: use body, headers, attachments, metadata or all (e.g. --scope body,attachments)"
            ))),
        }
    }

    /// A comma-separated list (`body,attachments`, or `all`).
    pub fn parse_list(s: &str) -> Result<Vec<Field>> {
        let mut out = Vec::new();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            if part.eq_ignore_ascii_case("all") {
                out.extend(Field::ALL);
            } else {
                out.push(Field::parse(part)?);
            }
        }
        if out.is_empty() {
            return Err(Error::BadRule("name at least one field: body, headers, attachments, metadata or all".into()));
        }
        out.sort();
        out.dedup();
        Ok(out)
    }
}

/// Values a rule never hides. A match is kept visible when it is an address or URL at one of
/// `domains` (or a subdomain), or when it contains one of `values` (case-insensitive):
/// `@counsel.com` keeps every address there, `Jane Roe` keeps that name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AllowList {
    #[serde(default)]
    pub domains: Vec<String>,
    #[serde(default)]
    pub values: Vec<String>,
}

impl AllowList {
    /// Normalized: trimmed, lower-case domains without a leading `@` or `.`, no empties or
    /// repeats.
    pub fn new(domains: impl IntoIterator<Item = String>, values: impl IntoIterator<Item = String>) -> Result<AllowList> {
        let mut d: Vec<String> =
            domains.into_iter().map(|s| s.trim().trim_start_matches(['@', '.']).to_ascii_lowercase()).filter(|s| !s.is_empty()).collect();
        if let Some(bad) = d.iter().find(|s| s.contains(['@', '/', ' '])) {
            return Err(Error::BadRule(format!("'{bad}' is not a domain: give it as acme.com (or use --allow for any other value)")));
        }
        d.sort();
        d.dedup();
        let mut v: Vec<String> = values.into_iter().map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect();
        v.sort();
        v.dedup();
        Ok(AllowList { domains: d, values: v })
    }

    pub fn is_empty(&self) -> bool {
        self.domains.is_empty() && self.values.is_empty()
    }

    /// Whether `matched` stays visible.
    pub fn allows(&self, matched: &str) -> bool {
        if self.is_empty() {
            return false;
        }
        let lower = matched.trim().to_lowercase();
        if self.values.iter().any(|v| lower.contains(&v.to_lowercase())) {
            return true;
        }
        match host_of(&lower) {
            Some(host) => self.domains.iter().any(|d| host == d || host.strip_suffix(d.as_str()).is_some_and(|p| p.ends_with('.'))),
            None => false,
        }
    }
}

/// The domain of an address (`x@host`) or the host of a URL (`scheme://host/…`), lower case.
fn host_of(s: &str) -> Option<&str> {
    let rest = if let Some((_, d)) = s.rsplit_once('@') { d } else { s.split_once("://")?.1 };
    let host = rest.split(['/', ':', '?', '#', '>', ' ']).next()?;
    (!host.is_empty()).then_some(host)
}

/// A rule's fields and allow-list, as stored with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct RuleScope {
    /// The fields the rule hides values in, sorted.
    pub fields: Vec<Field>,
    pub allow: AllowList,
}

impl RuleScope {
    /// Every field, nothing allowed: what a rule stored before scopes existed does.
    pub fn everywhere() -> RuleScope {
        RuleScope { fields: Field::ALL.to_vec(), allow: AllowList::default() }
    }

    /// The default for a new rule: built-in PII recognizers (addresses, phone numbers…) hide
    /// values in bodies and attachment names, not in the headers a reviewer reads a message
    /// by, nor in document properties; built-in secret recognizers (keys, tokens — never how
    /// anyone reads a message) and a pattern or term list the user wrote hide them everywhere.
    pub fn default_for(spec: &super::RuleSpec) -> RuleScope {
        let pii =
            |name: &String| crate::recognizers::builtin(name).is_none_or(|rs| rs.iter().any(|r| r.group == crate::recognizers::Group::Pii));
        match spec {
            super::RuleSpec::Builtin { names } if names.iter().any(pii) => {
                RuleScope { fields: vec![Field::Body, Field::Attachments], allow: AllowList::default() }
            }
            _ => RuleScope::everywhere(),
        }
    }

    pub fn covers(&self, field: Field) -> bool {
        self.fields.contains(&field)
    }

    /// Whether a match in `field` is hidden: the field is in scope and the value not allowed.
    pub fn hides(&self, field: Field, m: &Match) -> bool {
        self.covers(field) && !self.allow.allows(&m.text)
    }

    /// The stored columns: `fields` (JSON list) and `allow` (JSON, NULL when empty).
    pub(crate) fn to_columns(&self) -> Result<(String, Option<String>)> {
        let allow = if self.allow.is_empty() { None } else { Some(serde_json::to_string(&self.allow)?) };
        Ok((serde_json::to_string(&self.fields)?, allow))
    }

    /// Read back from the stored columns; `fields` NULL (a rule older than scopes) is every
    /// field.
    pub(crate) fn from_columns(fields: Option<&str>, allow: Option<&str>) -> Result<RuleScope> {
        let fields = match fields {
            Some(f) => serde_json::from_str(f)?,
            None => Field::ALL.to_vec(),
        };
        let allow = match allow {
            Some(a) => serde_json::from_str(a)?,
            None => AllowList::default(),
        };
        Ok(RuleScope { fields, allow })
    }

    /// `body, attachments` (or `all`), as the CLI prints it.
    pub fn fields_label(&self) -> String {
        if self.fields.len() == Field::ALL.len() {
            "all".into()
        } else {
            self.fields.iter().map(|f| f.as_str()).collect::<Vec<_>>().join(",")
        }
    }
}

/// Where an item's text changes field: the char offset at which an e-mail's body starts (after
/// the header block the extractor writes — `From:`, `To:`, `Cc:`, `Subject:`, `Date:` lines and
/// a blank line); 0 for anything else, whose whole text is body.
pub fn body_start(kind: &str, text: &str) -> usize {
    if kind != "email" {
        return 0;
    }
    const LABELS: [&str; 5] = ["From: ", "To: ", "Cc: ", "Subject: ", "Date: "];
    if !LABELS.iter().any(|l| text.starts_with(l)) {
        return 0;
    }
    match text.find("\n\n") {
        Some(b) => text[..b + 2].chars().count(),
        None => 0,
    }
}

/// The field of a char offset of an item's text, given [`body_start`].
pub fn text_field(body_start: usize, offset: usize) -> Field {
    if offset < body_start {
        Field::Headers
    } else {
        Field::Body
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(text: &str) -> Match {
        Match { start: 0, end: text.chars().count(), recognizer: "email", text: text.into() }
    }

    #[test]
    fn allow_lists_keep_domains_subdomains_and_values() {
        let a = AllowList::new(["@Acme.com".to_string()], ["@counsel.com".to_string(), "Jane Roe".to_string()]).unwrap();
        assert!(a.allows("bob@acme.com") && a.allows("Bob@MAIL.ACME.COM") && a.allows("https://acme.com/x"));
        assert!(!a.allows("bob@notacme.com") && !a.allows("bob@acme.com.evil.org"));
        assert!(a.allows("x@counsel.com") && a.allows("jane roe"));
        assert!(!a.allows("555-0100"));
        assert!(AllowList::new(["a@b.com".to_string()], []).is_err());
    }

    #[test]
    fn scopes_parse_default_and_round_trip() {
        assert_eq!(Field::parse_list("attachments, body").unwrap(), [Field::Body, Field::Attachments]);
        assert_eq!(Field::parse_list("all").unwrap(), Field::ALL);
        assert!(Field::parse_list("subject").is_err());
        let s = RuleScope::default_for(&crate::redact::RuleSpec::Builtin { names: vec!["pii".into()] });
        assert!(s.covers(Field::Body) && !s.covers(Field::Headers));
        assert!(!s.hides(Field::Headers, &m("a@b.com")) && s.hides(Field::Body, &m("a@b.com")));
        let secrets = RuleScope::default_for(&crate::redact::RuleSpec::Builtin { names: vec!["secrets".into()] });
        assert_eq!(secrets, RuleScope::everywhere());
        let (f, a) = s.to_columns().unwrap();
        assert_eq!(RuleScope::from_columns(Some(&f), a.as_deref()).unwrap(), s);
        assert_eq!(RuleScope::from_columns(None, None).unwrap(), RuleScope::everywhere());
    }

    #[test]
    fn an_emails_header_block_is_headers() {
        let t = "From: a@b.com\nTo: c@d.com\n\nHi, write to e@f.com\n";
        let b = body_start("email", t);
        assert_eq!(&t[b..], "Hi, write to e@f.com\n");
        assert_eq!(text_field(b, 6), Field::Headers);
        assert_eq!(text_field(b, b + 13), Field::Body);
        assert_eq!(body_start("document", t), 0);
        assert_eq!(body_start("email", "no headers\n\nhere"), 0);
    }
}
