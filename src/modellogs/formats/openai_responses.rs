//! OpenAI Responses API: a `response` object (`id: resp_…`, `created_at`, `output[]`), with
//! its request either inline (`{request, response}`) or folded into the object
//! (`instructions`, `input`).

use serde_json::Value;

use super::openai_chat::{header, pick};
use crate::modellogs::call::{Message, ModelCall, Params};
use crate::modellogs::util::{content_text, normalize_ts, str_field, u64_field, unix_to_rfc3339};

pub fn from_record(v: &Value) -> Result<ModelCall, String> {
    if !v.is_object() {
        return Err("a record must be a JSON object".into());
    }
    let resp = pick(v, &["response", "res"])
        .or_else(|| (v.get("output").is_some() || v.get("object").and_then(|o| o.as_str()) == Some("response")).then_some(v));
    let req = pick(v, &["request", "req"]).or_else(|| v.get("input").map(|_| v));
    if resp.is_none() && req.is_none() {
        return Err("no Responses API object (`output`, `object: response`) and no request (`input`)".into());
    }
    let mut c = ModelCall::new("openai_responses");
    if let Some(req) = req {
        apply_request(&mut c, req);
    }
    if let Some(r) = resp {
        apply_response(&mut c, r);
    }
    c.request_id = header(pick(v, &["headers"]), "x-request-id").or(c.request_id);
    c.account = header(pick(v, &["headers"]), "openai-organization").or_else(|| str_field(v, "account"));
    if let Some(ts) = pick(v, &["ts", "timestamp"]).and_then(normalize_ts) {
        c.ts = Some(ts);
    }
    Ok(c)
}

pub(crate) fn apply_request(c: &mut ModelCall, req: &Value) {
    c.model = c.model.take().or_else(|| str_field(req, "model"));
    c.params = Params::from_request(req);
    if let Some(i) = req.get("instructions").map(content_text).filter(|s| !s.is_empty()) {
        c.system = Some(i);
    }
    match req.get("input") {
        Some(Value::String(s)) => c.messages = vec![Message { role: "user".into(), content: s.clone() }],
        Some(Value::Array(items)) => {
            c.messages = items
                .iter()
                .filter_map(|it| {
                    if let Some(s) = it.as_str() {
                        return Some(Message { role: "user".into(), content: s.into() });
                    }
                    let role = it.get("role").and_then(|r| r.as_str()).unwrap_or("user").to_string();
                    let content = it.get("content").map(content_text).unwrap_or_default();
                    (!content.is_empty() || it.get("role").is_some()).then_some(Message { role, content })
                })
                .collect()
        }
        _ => {}
    }
    c.user = str_field(req, "user").or_else(|| str_field(req, "safety_identifier")).or(c.user.take());
}

pub(crate) fn apply_response(c: &mut ModelCall, r: &Value) {
    c.request_id = str_field(r, "id").or(c.request_id.take());
    if let Some(m) = str_field(r, "model") {
        c.model = Some(m);
    }
    if let Some(t) = r.get("created_at").and_then(|x| x.as_f64()).and_then(unix_to_rfc3339) {
        c.ts = Some(t);
    }
    if c.system.is_none() {
        c.system = r.get("instructions").map(content_text).filter(|s| !s.is_empty());
    }
    if c.user.is_none() {
        c.user = str_field(r, "user").or_else(|| str_field(r, "safety_identifier"));
    }
    if let Some(out) = r.get("output").and_then(|o| o.as_array()) {
        let text: Vec<String> = out
            .iter()
            .filter(|it| it.get("type").and_then(|t| t.as_str()).unwrap_or("message") == "message")
            .map(|it| it.get("content").map(content_text).unwrap_or_default())
            .filter(|s| !s.is_empty())
            .collect();
        if !text.is_empty() {
            c.completion = Some(text.join("\n"));
        }
    }
    if c.completion.is_none() {
        c.completion = str_field(r, "output_text");
    }
    if let Some(u) = r.get("usage").filter(|u| u.is_object()) {
        c.prompt_tokens = u64_field(u, "input_tokens");
        c.completion_tokens = u64_field(u, "output_tokens");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn response_object() {
        let v = serde_json::json!({"id":"resp_1","object":"response","created_at":1700000000,"model":"gpt-4.1","instructions":"be nice","input":"hello","user":"u7",
            "output":[{"type":"reasoning","summary":[]},{"type":"message","role":"assistant","content":[{"type":"output_text","text":"hi there"}]}],
            "usage":{"input_tokens":5,"output_tokens":3}});
        let c = from_record(&v).unwrap();
        assert_eq!(c.completion.as_deref(), Some("hi there"));
        assert_eq!(c.system.as_deref(), Some("be nice"));
        assert_eq!(c.messages[0].content, "hello");
        assert_eq!((c.prompt_tokens, c.completion_tokens), (Some(5), Some(3)));
        assert_eq!(c.user.as_deref(), Some("u7"));
        assert_eq!(c.ts.as_deref(), Some("2023-11-14T22:13:20Z"));
    }
}
