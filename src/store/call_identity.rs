//! A model call's identity: the SHA-256 its item carries, which deduplication compares and
//! `verify` recomputes.
//!
//! Why not the hash of the record as logged alone (what matters imported before used): some
//! formats log a call as a piece of something larger — a ShareGPT turn, an export's message —
//! and the piece does not hold the prompt. Two conversations that got the same answer to
//! different prompts then had the same record, and the second call was merged into the first:
//! a call lost. The identity covers the whole call — the prompt (system text and every
//! message), the completion, the model, account, key, user, ip, time, request and conversation
//! ids, the token counts — and the record as logged, so it also proves that record unchanged.
//! The line the call was on is left out: the same call logged twice is one call.
//!
//! Every field is written with a tag and its length, so no two different calls can produce the
//! same bytes to hash.

use sha2::{Digest, Sha256};

use crate::modellogs::ModelCall;

/// Written first, so a later change to what the identity covers cannot collide with this one.
const VERSION: &[u8] = b"exhibit model call identity v2\0";

fn field(h: &mut Sha256, tag: &str, value: Option<&[u8]>) {
    h.update(tag.as_bytes());
    match value {
        None => h.update([0u8]),
        Some(v) => {
            h.update([1u8]);
            h.update((v.len() as u64).to_le_bytes());
            h.update(v);
        }
    }
}

/// The identity of `call`, whose record as logged, serialized, is `raw` (the call's own `raw`
/// is not read: the importer has moved it out by then).
pub(crate) fn call_sha256(call: &ModelCall, raw: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(VERSION);
    for (tag, value) in call.identity() {
        field(&mut h, tag, value.map(str::as_bytes));
    }
    field(&mut h, "system", call.system.as_deref().map(str::as_bytes));
    h.update((call.messages.len() as u64).to_le_bytes());
    for m in &call.messages {
        field(&mut h, "role", Some(m.role.as_bytes()));
        field(&mut h, "content", Some(m.content.as_bytes()));
    }
    field(&mut h, "completion", call.completion.as_deref().map(str::as_bytes));
    field(&mut h, "prompt_tokens", call.prompt_tokens.map(|t| t.to_le_bytes()).as_ref().map(|b| b.as_slice()));
    field(&mut h, "completion_tokens", call.completion_tokens.map(|t| t.to_le_bytes()).as_ref().map(|b| b.as_slice()));
    field(&mut h, "raw", Some(raw));
    hex::encode(h.finalize())
}

/// Whether a stored call still has the hash its item carries: its identity, or, for a call
/// imported before identities covered the whole call, the hash of its record as logged.
pub(crate) fn matches_item_hash(call: &ModelCall, item_sha256: &str) -> bool {
    let Ok(raw) = serde_json::to_vec(&call.raw) else { return false };
    super::blobs::sha256_hex(&raw) == item_sha256 || call_sha256(call, &raw) == item_sha256
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modellogs::Message;

    fn call(prompt: &str, completion: &str) -> ModelCall {
        let mut c = ModelCall::new("sharegpt");
        c.messages = vec![Message { role: "user".into(), content: prompt.into() }];
        c.completion = Some(completion.into());
        c
    }

    #[test]
    fn covers_the_whole_call_but_not_its_line() {
        let raw = br#"{"record":{"from":"gpt","value":"You too!"}}"#;
        let a = call("Have a nice day!", "You too!");
        let b = call("Have a great day!", "You too!");
        assert_ne!(call_sha256(&a, raw), call_sha256(&b, raw), "same answer, different prompts");
        let mut moved = a.clone();
        moved.source_line = Some(99);
        assert_eq!(call_sha256(&a, raw), call_sha256(&moved, raw));
        let changes: [fn(&mut ModelCall); 6] = [
            |c: &mut ModelCall| c.model = Some("m".into()),
            |c: &mut ModelCall| c.account = Some("acct".into()),
            |c: &mut ModelCall| c.ts = Some("2025-01-01T00:00:00Z".into()),
            |c: &mut ModelCall| c.request_id = Some("r".into()),
            |c: &mut ModelCall| c.completion_tokens = Some(3),
            |c: &mut ModelCall| c.system = Some("s".into()),
        ];
        for change in changes {
            let mut d = a.clone();
            change(&mut d);
            assert_ne!(call_sha256(&a, raw), call_sha256(&d, raw));
        }
        // Field boundaries are part of what is hashed.
        let mut x = call("ab", "c");
        let mut y = call("a", "bc");
        x.messages[0].role = "user".into();
        y.messages[0].role = "user".into();
        assert_ne!(call_sha256(&x, raw), call_sha256(&y, raw));
        assert_ne!(call_sha256(&a, raw), call_sha256(&a, b"{}"));
    }
}
