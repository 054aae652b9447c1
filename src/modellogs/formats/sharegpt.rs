//! ShareGPT: `[{id, conversations: [{from: human|gpt|system, value}]}]`, one such conversation
//! object alone, or one per line (JSONL, as datasets ship it). One call per `gpt` turn, with
//! the conversation so far as its messages; the call's identity covers those messages, so the
//! same answer to different prompts is two calls.

use serde_json::Value;

use super::Sink;
use crate::modellogs::call::{LineError, Message, ModelCall};

pub fn import_doc(doc: &Value, sink: Sink<'_>) {
    let items = match super::export_conversations(doc) {
        Some(a) => a,
        None => {
            sink(Err(LineError { line: 0, reason: "ShareGPT files are a JSON array of conversations, or one conversation object".into() }));
            return;
        }
    };
    for (i, conv) in items.into_iter().enumerate() {
        let rec = i as u64 + 1;
        let turns = match conv.get("conversations").or_else(|| conv.get("items")).and_then(|c| c.as_array()) {
            Some(t) => t,
            None => {
                sink(Err(LineError { line: rec, reason: "conversation has no `conversations` array".into() }));
                continue;
            }
        };
        let id = conv.get("id").and_then(|x| x.as_str()).map(str::to_string);
        let mut system = None;
        let mut msgs: Vec<Message> = Vec::new();
        for (j, t) in turns.iter().enumerate() {
            let from = t.get("from").and_then(|x| x.as_str());
            let value = t.get("value").and_then(|x| x.as_str());
            let (from, value) = match (from, value) {
                (Some(f), Some(v)) => (f, v),
                _ => {
                    sink(Err(LineError { line: rec, reason: format!("turn {} lacks `from` or `value`", j + 1) }));
                    continue;
                }
            };
            match from {
                "gpt" | "assistant" | "chatgpt" | "bard" | "bing" | "model" => {
                    let mut c = ModelCall::new("sharegpt");
                    c.conversation_id = id.clone();
                    c.system = system.clone();
                    c.messages = msgs.clone();
                    c.completion = Some(value.to_string());
                    c.source_line = Some(rec);
                    c.raw = serde_json::json!({"conversation": id, "turn": j, "record": t});
                    sink(Ok(c));
                    msgs.push(Message { role: "assistant".into(), content: value.into() });
                }
                "system" => system = Some(value.to_string()),
                _ => msgs.push(Message { role: "user".into(), content: value.into() }),
            }
        }
    }
}
