//! Anthropic Messages: `{request, response}` pairs or bare `message` responses; and Message
//! Batches results lines `{custom_id, result: {type, message}}`. The body has no timestamp:
//! the log's own `ts`/`timestamp` is used when present.

use serde_json::Value;

use super::openai_chat::{header, pick};
use crate::modellogs::call::{ModelCall, Params};
use crate::modellogs::util::{content_text, normalize_ts, str_field, u64_field};

pub fn from_record(v: &Value) -> Result<ModelCall, String> {
    if !v.is_object() {
        return Err("a record must be a JSON object".into());
    }
    let mut c = ModelCall::new("anthropic_messages");
    // Batch results.
    if let Some(res) = v.get("result") {
        c.conversation_id = str_field(v, "custom_id");
        match res.get("type").and_then(|t| t.as_str()) {
            Some("succeeded") => apply_response(&mut c, res.get("message").unwrap_or(&Value::Null)),
            Some(other) => {
                c.params.extra.insert("batch_result".into(), Value::String(other.into()));
                if let Some(e) = res.get("error") {
                    c.params.extra.insert("batch_error".into(), e.clone());
                }
            }
            None => return Err("batch result without `result.type`".into()),
        }
        return Ok(c);
    }
    let req = pick(v, &["request", "req"]).or_else(|| v.get("messages").map(|_| v));
    let resp = pick(v, &["response", "res"]).or_else(|| (v.get("type").and_then(|t| t.as_str()) == Some("message")).then_some(v));
    if req.is_none() && resp.is_none() {
        return Err("neither a Messages request (`messages`) nor a response (`type: message`) is present".into());
    }
    if let Some(req) = req {
        let (sys, msgs) = super::read_messages(req.get("messages"));
        c.system = req.get("system").map(content_text).filter(|s| !s.is_empty()).or(sys);
        c.messages = msgs;
        c.params = Params::from_request(req);
        c.model = str_field(req, "model");
        c.user = req.get("metadata").and_then(|m| str_field(m, "user_id"));
    }
    if let Some(r) = resp {
        apply_response(&mut c, r);
    }
    c.ts = pick(v, &["ts", "timestamp", "time", "logged_at"])
        .and_then(normalize_ts)
        .or_else(|| header(pick(v, &["headers"]), "date").and_then(|d| crate::modellogs::util::normalize_ts_str(&d)));
    c.request_id = header(pick(v, &["headers"]), "request-id").or(c.request_id);
    c.account = str_field(v, "account").or_else(|| str_field(v, "workspace_id"));
    c.api_key_id = str_field(v, "api_key_id");
    c.ip = str_field(v, "ip");
    Ok(c)
}

fn apply_response(c: &mut ModelCall, r: &Value) {
    c.request_id = str_field(r, "id").or(c.request_id.take());
    if let Some(m) = str_field(r, "model") {
        c.model = Some(m);
    }
    if let Some(parts) = r.get("content").and_then(|x| x.as_array()) {
        let t: Vec<String> = parts
            .iter()
            .filter(|p| p.get("type").and_then(|t| t.as_str()) == Some("text"))
            .filter_map(|p| p.get("text").and_then(|t| t.as_str()).map(str::to_string))
            .collect();
        c.completion = Some(t.join("\n"));
    }
    if let Some(u) = r.get("usage") {
        c.prompt_tokens = u64_field(u, "input_tokens");
        c.completion_tokens = u64_field(u, "output_tokens");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn pair_and_batch() {
        let v = serde_json::json!({"ts":"2025-01-01T00:00:00Z","request":{"model":"claude-x","system":"sys","max_tokens":1024,"metadata":{"user_id":"u1"},"messages":[{"role":"user","content":[{"type":"text","text":"q"}]}]},
            "response":{"id":"msg_1","type":"message","content":[{"type":"thinking","thinking":"hmm"},{"type":"text","text":"a"}],"usage":{"input_tokens":4,"output_tokens":1}}});
        let c = from_record(&v).unwrap();
        assert_eq!((c.system.as_deref(), c.completion.as_deref(), c.user.as_deref()), (Some("sys"), Some("a"), Some("u1")));
        assert_eq!(c.params.max_tokens, Some(1024));
        let b = serde_json::json!({"custom_id":"r1","result":{"type":"succeeded","message":{"id":"msg_2","type":"message","model":"m","content":[{"type":"text","text":"x"}],"usage":{"input_tokens":2,"output_tokens":3}}}});
        let c = from_record(&b).unwrap();
        assert_eq!((c.conversation_id.as_deref(), c.completion_tokens), (Some("r1"), Some(3)));
    }
}
