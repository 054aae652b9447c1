//! Claude data export: `[{uuid, name, created_at, account{uuid}, chat_messages: [{uuid,
//! sender: human|assistant, text, content[], created_at}]}]` (a linear list per conversation).
//! One call per assistant message, the conversation so far as its messages.

use serde_json::Value;

use super::Sink;
use crate::modellogs::call::{LineError, Message, ModelCall};
use crate::modellogs::util::{content_text, normalize_ts_str};

fn message_text(m: &Value) -> String {
    let from_content = m.get("content").map(|c| {
        c.as_array()
            .map(|parts| {
                parts
                    .iter()
                    .filter_map(|p| match p.get("type").and_then(|t| t.as_str()) {
                        Some("text") => p.get("text").and_then(|t| t.as_str()).map(str::to_string),
                        Some("voice_note") => p.get("transcript").and_then(|t| t.as_str()).map(str::to_string),
                        Some("tool_result") => Some(content_text(p.get("content").unwrap_or(&Value::Null))).filter(|s| !s.is_empty()),
                        _ => None,
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })
            .unwrap_or_default()
    });
    match from_content {
        Some(s) if !s.is_empty() => s,
        _ => m.get("text").and_then(|t| t.as_str()).unwrap_or("").to_string(),
    }
}

pub fn import_doc(doc: &Value, sink: Sink<'_>) {
    let items: Vec<&Value> = match super::export_conversations(doc) {
        Some(c) => c,
        None => {
            sink(Err(LineError { line: 0, reason: "a Claude export is a JSON array of conversations".into() }));
            return;
        }
    };
    for (i, conv) in items.into_iter().enumerate() {
        let rec = i as u64 + 1;
        let uuid = match conv.get("uuid").and_then(|u| u.as_str()) {
            Some(u) => u.to_string(),
            None => {
                sink(Err(LineError {
                    line: rec,
                    reason: format!(
                        "conversation {rec} ({:?}) has no `uuid`; skipped",
                        conv.get("name").and_then(|n| n.as_str()).unwrap_or("")
                    ),
                }));
                continue;
            }
        };
        let created = conv.get("created_at").and_then(|c| c.as_str());
        let conv_ts = match created.map(normalize_ts_str) {
            Some(Some(t)) => Some(t),
            Some(None) => {
                sink(Err(LineError {
                    line: rec,
                    reason: format!("conversation {uuid}: `created_at` {:?} is not a timestamp; skipped", created.unwrap_or("")),
                }));
                continue;
            }
            None => None,
        };
        let msgs = match conv.get("chat_messages").and_then(|m| m.as_array()) {
            Some(m) => m,
            None => {
                sink(Err(LineError { line: rec, reason: format!("conversation {uuid} has no `chat_messages` array") }));
                continue;
            }
        };
        let account = conv.get("account").and_then(|a| a.get("uuid")).and_then(|u| u.as_str()).map(str::to_string);
        let mut history: Vec<Message> = Vec::new();
        for (j, m) in msgs.iter().enumerate() {
            let sender = match m.get("sender").and_then(|s| s.as_str()) {
                Some(s) => s,
                None => {
                    sink(Err(LineError { line: rec, reason: format!("conversation {uuid}, message {}: no `sender`; left out", j + 1) }));
                    continue;
                }
            };
            let text = message_text(m);
            if sender == "assistant" {
                let mut c = ModelCall::new("claude_export");
                c.ts = m.get("created_at").and_then(|t| t.as_str()).and_then(normalize_ts_str).or(conv_ts.clone());
                c.account = account.clone();
                c.conversation_id = Some(uuid.clone());
                c.request_id = m.get("uuid").and_then(|u| u.as_str()).map(str::to_string);
                c.messages = history.clone();
                c.completion = Some(text.clone());
                c.source_line = Some(rec);
                c.raw = m.clone();
                sink(Ok(c));
                history.push(Message { role: "assistant".into(), content: text });
            } else {
                history.push(Message { role: "user".into(), content: text });
            }
        }
    }
}
