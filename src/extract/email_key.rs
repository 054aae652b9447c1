//! The duplicate key and the near-duplicate group of an email.
//!
//! Two copies of a message are one item only when nothing a reviewer could rely on differs:
//! the key covers the Message-ID, the sender, every recipient in To, Cc and Bcc, the subject,
//! the sent date, the body and the SHA-256 of every attachment (the fields e-discovery tools
//! hash for email, plus the Message-ID, so collapsing two copies never drops a header we
//! store). Transport headers (`Received`, Enron's `X-Folder`) are left out: the same message
//! found in two mailboxes is still one item, with both locations.
//!
//! Copies that differ only in who received them (the sender's copy carrying Bcc, a resend with
//! more Cc) stay separate items but share a *near-duplicate group*: the Message-ID and body, or
//! (without a Message-ID) sender, subject, date and body. Review reads the group back
//! ([`crate::store::items`]) and searches it with `is:neardup`.
//!
//! Keys are computed from the values Exhibit stores for the message (its [`Meta`], the body
//! text, its attachments' hashes), so a matter ingested before this key existed is given the
//! same keys from its database when it is opened (`store::email_upgrade`).

use crate::extract::Meta;
use sha2::{Digest, Sha256};

/// The prefix of a stored duplicate key of this kind (older matters hold `MESSAGE-ID:BODYHASH`).
pub const PREFIX: &str = "email2:";

/// The `meta` row a migration writes when the matter's email items need these keys.
pub const PENDING: &str = "email_keys_pending";

/// An email's duplicate key and near-duplicate group, both hex SHA-256.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailKeys {
    pub exact: String,
    pub near: String,
}

impl EmailKeys {
    /// The keys of a message, or `None` when it has no identifying header (no sender, date
    /// or Message-ID: a text without a header block is deduplicated by its bytes alone).
    /// `attachments` are the hex SHA-256 of each attachment's bytes, in any order.
    pub fn of(meta: &Meta, body: &str, attachments: &[String]) -> Option<EmailKeys> {
        let date = meta.date.clone().or_else(|| meta.extra.get("Date-Unparsed").cloned());
        if meta.message_id.is_none() && meta.author.is_none() && date.is_none() {
            return None;
        }
        let body = words(body);
        let one = |v: &Option<String>| v.as_deref().map(words).unwrap_or_default();
        let list = |v: &[String]| {
            let mut l: Vec<String> = v.iter().map(|s| words(s)).filter(|s| !s.is_empty()).collect();
            l.sort();
            l.dedup();
            l
        };
        let mut attachments = attachments.to_vec();
        attachments.sort();
        let message_id = one(&meta.message_id);
        let (from, subject, date) = (one(&meta.author), one(&meta.title), one(&date));
        let exact = serde_json::json!([
            "email2",
            message_id,
            from,
            list(&meta.to),
            list(&meta.cc),
            list(&meta.bcc),
            subject,
            date,
            body,
            attachments
        ]);
        let near = if message_id.is_empty() {
            serde_json::json!(["near", from, subject, date, body])
        } else {
            serde_json::json!(["near-id", message_id, body])
        };
        Some(EmailKeys { exact: sha256_hex(exact.to_string().as_bytes()), near: sha256_hex(near.to_string().as_bytes()) })
    }

    /// One string, for the extraction's `dedupe_key` (which crosses the worker pipe as is).
    pub fn encode(&self) -> String {
        format!("{PREFIX}{}:{}", self.exact, self.near)
    }

    /// The keys of an encoded `dedupe_key`, or `None` for any other kind of key.
    pub fn decode(s: &str) -> Option<EmailKeys> {
        let (exact, near) = s.strip_prefix(PREFIX)?.split_once(':')?;
        let hex64 = |h: &str| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit());
        (hex64(exact) && hex64(near)).then(|| EmailKeys { exact: exact.into(), near: near.into() })
    }

    /// The duplicate key as stored in `item.dedupe_key`.
    pub fn stored(&self) -> String {
        format!("{PREFIX}{}", self.exact)
    }
}

/// Words separated by single spaces: line wrapping and trailing blanks are not differences.
fn words(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn sha256_hex(b: &[u8]) -> String {
    hex::encode(Sha256::digest(b))
}

/// The body of an email item's stored text: the text after the short header block
/// (`From:`, `To:`, `Cc:`, `Subject:`, `Date:` lines and a blank line) the extractors write
/// in front of it.
pub fn body_of_text<'a>(text: &'a str, meta: &Meta) -> &'a str {
    let join = |l: &[String]| (!l.is_empty()).then(|| l.join(", "));
    let labels = [
        ("From: ", meta.author.clone()),
        ("To: ", join(&meta.to)),
        ("Cc: ", join(&meta.cc)),
        ("Subject: ", meta.title.clone()),
        ("Date: ", None),
    ];
    let mut rest = text;
    let mut any = false;
    for (label, known) in labels {
        let Some(r) = rest.strip_prefix(label) else {
            continue;
        };
        any = true;
        // A known value may hold a line break (a decoded subject); skip it whole.
        rest = match known.as_deref().and_then(|v| r.strip_prefix(v)).and_then(|r| r.strip_prefix('\n')) {
            Some(after) => after,
            None => r.split_once('\n').map(|(_, after)| after).unwrap_or(""),
        };
    }
    if any {
        rest.strip_prefix('\n').unwrap_or(rest)
    } else {
        rest
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta() -> Meta {
        Meta {
            author: Some("Sally Beck <sally.beck@enron.com>".into()),
            to: vec!["a@x.com".into(), "b@x.com".into()],
            cc: vec!["c@x.com".into()],
            title: Some("Plan".into()),
            date: Some("2001-01-01T00:00:00Z".into()),
            message_id: Some("1@x".into()),
            ..Default::default()
        }
    }

    #[test]
    fn every_recipient_and_attachment_is_in_the_key() {
        let base = EmailKeys::of(&meta(), "Hello  world\n", &["aa".into()]).unwrap();
        // Whitespace and recipient order are not differences.
        let mut m = meta();
        m.to.reverse();
        assert_eq!(EmailKeys::of(&m, "Hello world", &["aa".into()]).unwrap(), base);
        // A Cc, a Bcc, an attachment, the date or the Message-ID are.
        let mut more_cc = meta();
        more_cc.cc.push("d@x.com".into());
        let k = EmailKeys::of(&more_cc, "Hello world", &["aa".into()]).unwrap();
        assert_ne!(k.exact, base.exact);
        assert_eq!(k.near, base.near, "same Message-ID and body: one near-duplicate group");
        let mut bcc = meta();
        bcc.bcc.push("e@x.com".into());
        assert_ne!(EmailKeys::of(&bcc, "Hello world", &["aa".into()]).unwrap().exact, base.exact);
        assert_ne!(EmailKeys::of(&meta(), "Hello world", &["bb".into()]).unwrap().exact, base.exact);
        let mut id = meta();
        id.message_id = Some("2@x".into());
        let k = EmailKeys::of(&id, "Hello world", &["aa".into()]).unwrap();
        assert_ne!((k.exact, k.near), (base.exact.clone(), base.near.clone()));
        let k = EmailKeys::of(&meta(), "Hello there", &["aa".into()]).unwrap();
        assert_ne!((k.exact, k.near), (base.exact.clone(), base.near.clone()));
        assert!(EmailKeys::of(&Meta::default(), "just words", &[]).is_none());
    }

    #[test]
    fn encodes_and_decodes() {
        let k = EmailKeys::of(&meta(), "x", &[]).unwrap();
        assert_eq!(EmailKeys::decode(&k.encode()), Some(k.clone()));
        assert!(k.stored().starts_with(PREFIX) && k.stored().len() == PREFIX.len() + 64);
        assert_eq!(EmailKeys::decode("1@x:abcd"), None);
    }

    #[test]
    fn finds_the_body_after_the_header_block() {
        let m = meta();
        let text = "From: Sally Beck <sally.beck@enron.com>\nTo: a@x.com, b@x.com\nCc: c@x.com\nSubject: Plan\nDate: Mon, 1 Jan 2001 00:00:00 +0000\n\nThe body.\nFrom: not a header\n";
        assert_eq!(body_of_text(text, &m), "The body.\nFrom: not a header\n");
        let mut nl = meta();
        nl.title = Some("two\nlines".into());
        nl.to.clear();
        nl.cc.clear();
        let text = "From: Sally Beck <sally.beck@enron.com>\nSubject: two\nlines\n\nBody\n";
        assert_eq!(body_of_text(text, &nl), "Body\n");
        assert_eq!(body_of_text("only a body\n", &Meta::default()), "only a body\n");
    }
}
