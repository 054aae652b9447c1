//! OpenAI Chat Completions logs: `{request, response[, headers]}` pairs (the usual middleware
//! shape), a request object with its `response` inline, or a bare `chat.completion` response.

use serde_json::Value;

use super::read_messages;
use crate::modellogs::call::{ModelCall, Params};
use crate::modellogs::util::{normalize_ts, str_field, u64_field, unix_to_rfc3339};

pub(crate) fn pick<'a>(v: &'a Value, keys: &[&str]) -> Option<&'a Value> {
    keys.iter().find_map(|k| v.get(*k)).filter(|x| !x.is_null())
}

/// Header lookup, case-insensitive; header values may be strings or one-element lists.
pub(crate) fn header(headers: Option<&Value>, name: &str) -> Option<String> {
    let h = headers?.as_object()?;
    for (k, v) in h {
        if k.eq_ignore_ascii_case(name) {
            return match v {
                Value::String(s) => Some(s.clone()),
                Value::Array(a) => a.first().and_then(|x| x.as_str()).map(str::to_string),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            };
        }
    }
    None
}

pub fn from_record(v: &Value) -> Result<ModelCall, String> {
    if !v.is_object() {
        return Err("a record must be a JSON object".into());
    }
    let mut req = pick(v, &["request", "req", "request_body"]);
    let mut resp = pick(v, &["response", "res", "response_body"]);
    if req.is_none() && v.get("messages").is_some() {
        req = Some(v);
    }
    if resp.is_none() && v.get("choices").is_some() {
        resp = Some(v);
    }
    // Some middlewares nest the parsed body.
    let req = req.map(|r| r.get("body").filter(|b| b.is_object()).unwrap_or(r));
    let resp = resp.map(|r| r.get("body").filter(|b| b.is_object()).unwrap_or(r));
    if req.is_none() && resp.is_none() {
        return Err("neither a chat request (`messages`) nor a chat response (`choices`) is present".into());
    }
    let mut c = ModelCall::new("openai_chat");
    let headers = pick(v, &["headers", "response_headers"]);
    if let Some(req) = req {
        if req.get("messages").map(|m| !m.is_array()).unwrap_or(false) {
            return Err("`messages` is not an array".into());
        }
        let (sys, msgs) = read_messages(req.get("messages"));
        c.system = sys;
        c.messages = msgs;
        c.params = Params::from_request(req);
        c.model = str_field(req, "model");
        c.user = str_field(req, "user").or_else(|| str_field(req, "safety_identifier"));
    }
    if let Some(resp) = resp {
        apply_chat_response(&mut c, resp);
    }
    if let Some(ts) = pick(v, &["ts", "timestamp", "time", "created_at"]).and_then(normalize_ts) {
        c.ts = Some(ts);
    }
    c.request_id = header(headers, "x-request-id").or(c.request_id);
    c.account = header(headers, "openai-organization").or_else(|| str_field(v, "account")).or_else(|| str_field(v, "organization"));
    c.api_key_id = str_field(v, "api_key_id").or_else(|| str_field(v, "api_key"));
    c.ip = str_field(v, "ip").or_else(|| str_field(v, "client_ip"));
    if c.user.is_none() {
        c.user = str_field(v, "user");
    }
    Ok(c)
}

pub(crate) fn apply_chat_response(c: &mut ModelCall, resp: &Value) {
    if let Some(m) = str_field(resp, "model") {
        c.model = Some(m);
    }
    c.request_id = str_field(resp, "id").or(c.request_id.take());
    if let Some(t) = resp.get("created").and_then(|x| x.as_f64()).and_then(unix_to_rfc3339) {
        c.ts = Some(t);
    }
    if let Some(ch) = resp.get("choices").and_then(|x| x.as_array()) {
        let first = ch.iter().find(|x| x.get("index").and_then(|i| i.as_u64()).unwrap_or(0) == 0).or(ch.first());
        if let Some(f) = first {
            let msg = f.get("message").or_else(|| f.get("delta"));
            c.completion = msg.and_then(|m| m.get("content")).map(crate::modellogs::util::content_text).or_else(|| str_field(f, "text"));
        }
    }
    if let Some(u) = resp.get("usage") {
        c.prompt_tokens = u64_field(u, "prompt_tokens");
        c.completion_tokens = u64_field(u, "completion_tokens");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn pair() {
        let v = serde_json::json!({
            "request": {"model":"gpt-4o","messages":[{"role":"system","content":"s"},{"role":"user","content":"q"}],"user":"u1","temperature":0.2,"n":3,"logprobs":true,"top_logprobs":5,"max_tokens":4096},
            "response": {"id":"chatcmpl-1","created":1731368634,"model":"gpt-4o-2024","choices":[{"index":0,"message":{"role":"assistant","content":"a"}}],"usage":{"prompt_tokens":7,"completion_tokens":2}},
            "headers": {"x-request-id":"req_9","openai-organization":"org-x"}
        });
        let c = from_record(&v).unwrap();
        assert_eq!(c.system.as_deref(), Some("s"));
        assert_eq!(c.completion.as_deref(), Some("a"));
        assert_eq!(c.ts.as_deref(), Some("2024-11-11T23:43:54Z"));
        assert_eq!(c.request_id.as_deref(), Some("req_9"));
        assert_eq!(c.account.as_deref(), Some("org-x"));
        assert_eq!((c.params.n, c.params.logprobs, c.params.top_logprobs, c.params.max_tokens), (Some(3), Some(true), Some(5), Some(4096)));
        assert_eq!((c.prompt_tokens, c.completion_tokens), (Some(7), Some(2)));
        assert!(from_record(&serde_json::json!({"foo":1})).is_err());
    }
}
