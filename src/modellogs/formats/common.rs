//! What every format parser shares: the [`Sink`] calls are handed to and small readers of
//! JSON shapes several formats use. Kept apart from the dispatcher in `mod.rs` so the parsers
//! do not import the file that imports them.

use crate::modellogs::call::{LineError, ModelCall};
use serde_json::Value;

pub type Sink<'a> = &'a mut dyn FnMut(Result<ModelCall, LineError>);

/// The conversations of an export document: the array itself; a wrapper object
/// `{"conversations": [...]}` around it (as some export tools and archives write it); or one
/// conversation object on its own (a ShareGPT conversation is itself `{"conversations": [turns]}`).
pub(crate) fn export_conversations(doc: &Value) -> Option<Vec<&Value>> {
    match doc {
        Value::Array(a) => Some(a.iter().collect()),
        Value::Object(o) => match o.get("conversations").and_then(|c| c.as_array()) {
            Some(inner) if !is_turn_list(inner) => Some(inner.iter().collect()),
            _ => Some(vec![doc]),
        },
        _ => None,
    }
}

/// Whether a `conversations` array holds ShareGPT turns (`{from, value}`) rather than
/// conversations.
pub(crate) fn is_turn_list(a: &[Value]) -> bool {
    a.first().map(|t| t.get("from").is_some() || t.get("value").is_some()).unwrap_or(false)
}

pub(crate) fn json_doc_error(e: &serde_json::Error) -> String {
    format!("the file is not valid JSON ({e}); nothing after that point could be read")
}

pub(crate) fn trim_ascii(b: &[u8]) -> &[u8] {
    let mut s = 0;
    let mut e = b.len();
    if b.starts_with(&[0xEF, 0xBB, 0xBF]) {
        s = 3;
    }
    while s < e && b[s].is_ascii_whitespace() {
        s += 1;
    }
    while e > s && b[e - 1].is_ascii_whitespace() {
        e -= 1;
    }
    &b[s..e]
}

/// Messages from an OpenAI/Anthropic-style `messages` array. System messages are returned
/// separately.
pub(crate) fn read_messages(v: Option<&Value>) -> (Option<String>, Vec<crate::modellogs::call::Message>) {
    let mut system = None;
    let mut out = Vec::new();
    if let Some(Value::Array(a)) = v {
        for m in a {
            let role = m.get("role").and_then(|r| r.as_str()).unwrap_or("user").to_string();
            let content = m.get("content").map(crate::modellogs::util::content_text).unwrap_or_default();
            if role == "system" || role == "developer" {
                system = Some(match system {
                    None => content,
                    Some(s) => format!("{s}\n{content}"),
                });
            } else {
                out.push(crate::modellogs::call::Message { role, content });
            }
        }
    }
    (system, out)
}
