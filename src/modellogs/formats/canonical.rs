//! Exhibit canonical JSONL: one call per line. Spec: docs/model-log-format.md.

use serde_json::Value;

use super::read_messages;
use crate::modellogs::call::{ModelCall, Params};
use crate::modellogs::util::{content_text, normalize_ts, str_field, u64_field};

pub fn from_record(v: &Value) -> Result<ModelCall, String> {
    let o = v.as_object().ok_or("a canonical record must be a JSON object")?;
    let req = o.get("request").ok_or("missing `request` (the canonical format needs request.messages)")?;
    let mut c = ModelCall::new("canonical");
    if let Some(ts) = o.get("ts") {
        c.ts = Some(normalize_ts(ts).ok_or_else(|| format!("`ts` is not a timestamp: {ts}"))?);
    }
    c.account = str_field(v, "account");
    c.api_key_id = str_field(v, "api_key_id");
    c.user = str_field(v, "user");
    c.ip = str_field(v, "ip");
    c.model = str_field(v, "model");
    c.request_id = str_field(v, "request_id");
    c.conversation_id = str_field(v, "conversation_id");
    let (sys, msgs) = read_messages(req.get("messages"));
    if req.get("messages").map(|m| !m.is_array()).unwrap_or(true) {
        return Err("`request.messages` must be an array of {role, content}".into());
    }
    c.system = req.get("system").map(content_text).filter(|s| !s.is_empty()).or(sys);
    c.messages = msgs;
    if let Some(p) = req.get("params") {
        c.params = serde_json::from_value::<Params>(p.clone()).unwrap_or_else(|_| Params::from_request(p));
    }
    if let Some(resp) = o.get("response") {
        c.completion = resp.get("text").and_then(|t| t.as_str()).map(str::to_string);
        if let Some(u) = resp.get("usage") {
            c.prompt_tokens = u64_field(u, "prompt_tokens");
            c.completion_tokens = u64_field(u, "completion_tokens");
        }
        if c.request_id.is_none() {
            c.request_id = str_field(resp, "id");
        }
    }
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn roundtrip() {
        let line = r#"{"ts":"2025-03-01T10:00:00Z","account":"a1","api_key_id":"k1","user":"u","ip":"10.0.0.1","model":"m","request":{"system":"be brief","messages":[{"role":"user","content":"hi"}],"params":{"temperature":0.5,"n":2}},"response":{"text":"hello","usage":{"prompt_tokens":3,"completion_tokens":1}}}"#;
        let v: Value = serde_json::from_str(line).unwrap();
        let c = from_record(&v).unwrap();
        assert_eq!(c.account.as_deref(), Some("a1"));
        assert_eq!(c.params.n, Some(2));
        assert_eq!(c.completion.as_deref(), Some("hello"));
        assert_eq!(c.prompt_text(), "system: be brief\nuser: hi");
        let back = from_record(&c.to_canonical_json()).unwrap();
        assert_eq!(back.messages, c.messages);
        assert_eq!(back.params, c.params);
        assert_eq!(back.completion_tokens, Some(1));
        assert!(from_record(&serde_json::json!({"ts":"yesterday","request":{"messages":[]}})).unwrap_err().contains("ts"));
        assert!(from_record(&serde_json::json!({"account":"x"})).unwrap_err().contains("request"));
    }
}
