//! LiteLLM: spend logs (`LiteLLM_SpendLogs` rows: JSON array, JSONL or CSV), and the
//! StandardLoggingPayload its logging callbacks write per call (its own `startTime`, the
//! caller's key hash, team, user and end user in `metadata`, and `response_cost`).

use serde_json::Value;

use crate::modellogs::call::{Message, ModelCall, Params};
use crate::modellogs::util::{content_text, normalize_ts, str_field, u64_field};

/// A JSON value stored as a string (CSV exports, some DB dumps) is parsed back.
fn maybe_json(v: Option<&Value>) -> Option<Value> {
    match v? {
        Value::String(s) if s.trim_start().starts_with(['{', '[']) => serde_json::from_str(s).ok().or(Some(Value::String(s.clone()))),
        Value::Null => None,
        x => Some(x.clone()),
    }
}

/// Whether a record is LiteLLM's StandardLoggingPayload (what its logging callbacks — GCS,
/// S3, Langfuse, custom loggers — write for every call) rather than a `LiteLLM_SpendLogs` row.
fn is_standard_logging_payload(v: &Value) -> bool {
    v.get("request_id").is_none() && (v.get("call_type").is_some() || v.get("response_cost").is_some() || v.get("hidden_params").is_some())
}

pub fn from_record(v: &Value) -> Result<ModelCall, String> {
    if !v.is_object() {
        return Err("a record must be a JSON object".into());
    }
    if v.get("request_id").is_none() && v.get("startTime").is_none() {
        return Err("not a LiteLLM spend log row (no `request_id`, no `startTime`)".into());
    }
    let slp = is_standard_logging_payload(v);
    let meta = maybe_json(v.get("metadata")).unwrap_or(Value::Null);
    let mut c = ModelCall::new("litellm");
    c.request_id = str_field(v, "request_id").or_else(|| slp.then(|| str_field(v, "id")).flatten());
    c.ts = v.get("startTime").and_then(normalize_ts);
    c.cost = v
        .get("response_cost")
        .or_else(|| v.get("spend"))
        .and_then(|x| x.as_f64().or_else(|| x.as_str().and_then(|s| s.trim().parse().ok())));
    if slp {
        // The payload names the caller in its metadata: the key's hash, its team and org, the
        // internal user and the end user the request was made for.
        c.api_key_id = str_field(&meta, "user_api_key_hash").or_else(|| str_field(&meta, "user_api_key"));
        c.account = str_field(&meta, "user_api_key_team_id")
            .or_else(|| str_field(&meta, "user_api_key_org_id"))
            .or_else(|| str_field(&meta, "user_api_key_user_id"));
        c.user = str_field(v, "end_user")
            .or_else(|| str_field(&meta, "user_api_key_end_user_id"))
            .or_else(|| str_field(&meta, "user_api_key_user_id"));
        c.ip = str_field(v, "requester_ip_address").or_else(|| str_field(&meta, "requester_ip_address"));
        c.conversation_id = str_field(v, "trace_id");
    } else {
        c.api_key_id = str_field(v, "api_key");
        c.user = str_field(v, "end_user").or_else(|| str_field(v, "user"));
        c.account = str_field(v, "team_id").or_else(|| str_field(v, "user")).or_else(|| str_field(v, "organization_id"));
        c.ip = str_field(v, "requester_ip_address");
    }
    c.model = str_field(v, "model");
    c.prompt_tokens = u64_field(v, "prompt_tokens");
    c.completion_tokens = u64_field(v, "completion_tokens");
    c.conversation_id = str_field(v, "session_id").or(c.conversation_id.take());
    match maybe_json(v.get("messages")) {
        Some(Value::Array(a)) => {
            let (sys, msgs) = super::read_messages(Some(&Value::Array(a)));
            c.system = sys;
            c.messages = msgs;
        }
        Some(Value::String(s)) => c.messages = vec![Message { role: "user".into(), content: s }],
        Some(Value::Object(o)) => {
            let (sys, msgs) = super::read_messages(o.get("messages"));
            c.system = sys;
            c.messages = msgs;
        }
        _ => {}
    }
    if let Some(resp) = maybe_json(v.get("response")) {
        match &resp {
            Value::String(s) => c.completion = Some(s.clone()),
            Value::Object(_) if resp.get("choices").is_some() => {
                let ts = c.ts.clone();
                super::openai_chat::apply_chat_response(&mut c, &resp);
                // The response's model is the one that answered; the row's is what was asked for
                // (a model group or alias on a proxy), kept when the response names none.
                c.ts = ts.or(c.ts.take());
                c.request_id = str_field(v, "request_id").or(c.request_id.take());
                c.prompt_tokens = u64_field(v, "prompt_tokens").or(c.prompt_tokens);
                c.completion_tokens = u64_field(v, "completion_tokens").or(c.completion_tokens);
            }
            other => {
                let t = content_text(other);
                if !t.is_empty() {
                    c.completion = Some(t);
                }
            }
        }
    }
    if let Some(meta) = Some(meta).filter(|m| m.is_object()) {
        if c.account.is_none() {
            c.account = str_field(&meta, "user_api_key_team_id").or_else(|| str_field(&meta, "user_api_key_org_id"));
        }
        if c.api_key_id.is_none() {
            c.api_key_id = str_field(&meta, "user_api_key");
        }
    }
    if let Some(p) = maybe_json(v.get("model_parameters")).or_else(|| maybe_json(v.get("optional_params"))) {
        c.params = Params::from_request(&p);
    }
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn row() {
        let v = serde_json::json!({"request_id":"r1","api_key":"88dc28d0f030c55ed4ab77ed8faf098196cb1c05df778539800c9f1243fe6b4b","user":"team-user","end_user":"eu1","team_id":"t1",
            "startTime":"2025-02-01 10:00:00","endTime":"2025-02-01 10:00:02","model":"gpt-4o","messages":"[{\"role\":\"user\",\"content\":\"hi\"}]",
            "response":{"choices":[{"index":0,"message":{"content":"yo"}}]},"prompt_tokens":3,"completion_tokens":1,"requester_ip_address":"10.1.2.3"});
        let c = from_record(&v).unwrap();
        assert_eq!(c.messages[0].content, "hi");
        assert_eq!(c.completion.as_deref(), Some("yo"));
        assert_eq!(c.ts.as_deref(), Some("2025-02-01T10:00:00Z"));
        assert_eq!(c.account.as_deref(), Some("t1"));
        assert_eq!(c.ip.as_deref(), Some("10.1.2.3"));
        assert!(c.api_key_id.unwrap().starts_with("88dc"));
    }

    #[test]
    fn standard_logging_payload() {
        let v = serde_json::json!({"id":"chatcmpl-9","trace_id":"tr-1","call_type":"acompletion","startTime":1737710446.5,"endTime":1737710447.0,
            "model":"my-gpt","response_cost":0.0125,"prompt_tokens":12,"completion_tokens":4,"end_user":"",
            "metadata":{"user_api_key_hash":"a1b2c3","user_api_key_team_id":"team-7","user_api_key_user_id":"u-42","user_api_key_end_user_id":"cust-9","requester_ip_address":"203.0.113.7"},
            "messages":[{"role":"user","content":"q"}],
            "response":{"id":"chatcmpl-9","created":1737710447,"model":"gpt-4o-2024-08-06","choices":[{"index":0,"message":{"content":"a"}}],"usage":{"prompt_tokens":12,"completion_tokens":4}}});
        let c = from_record(&v).unwrap();
        assert_eq!(c.ts.as_deref(), Some("2025-01-24T09:20:46.500000Z"), "its own start time");
        assert_eq!(
            (c.api_key_id.as_deref(), c.account.as_deref(), c.user.as_deref(), c.ip.as_deref()),
            (Some("a1b2c3"), Some("team-7"), Some("cust-9"), Some("203.0.113.7"))
        );
        assert_eq!(c.model.as_deref(), Some("gpt-4o-2024-08-06"), "the model that answered, not the proxy's alias");
        assert_eq!((c.cost, c.request_id.as_deref(), c.conversation_id.as_deref()), (Some(0.0125), Some("chatcmpl-9"), Some("tr-1")));
        assert_eq!(c.completion.as_deref(), Some("a"));
    }
}
