//! OpenTelemetry GenAI spans in OTLP JSON (`{resourceSpans:[{resource, scopeSpans:[{spans}]}]}`).
//! Current attribute names (`gen_ai.input.messages`, `gen_ai.output.messages`,
//! `gen_ai.usage.input_tokens`…) and the deprecated ones (`gen_ai.prompt`, `gen_ai.completion`,
//! indexed `gen_ai.prompt.N.role/content`, `gen_ai.usage.prompt_tokens`…) are both read, from
//! span attributes and from span events.

use serde_json::{Map, Value};

use super::Sink;
use crate::modellogs::call::{LineError, Message, ModelCall};
use crate::modellogs::util::{content_text, unix_to_rfc3339};

/// OTLP `AnyValue` to JSON.
fn any_value(v: &Value) -> Value {
    if let Some(s) = v.get("stringValue") {
        return s.clone();
    }
    if let Some(i) = v.get("intValue") {
        return match i {
            Value::String(s) => s.parse::<i64>().map(Value::from).unwrap_or(Value::String(s.clone())),
            x => x.clone(),
        };
    }
    if let Some(d) = v.get("doubleValue") {
        return d.clone();
    }
    if let Some(b) = v.get("boolValue") {
        return b.clone();
    }
    if let Some(a) = v.get("arrayValue") {
        return Value::Array(a.get("values").and_then(|x| x.as_array()).map(|xs| xs.iter().map(any_value).collect()).unwrap_or_default());
    }
    if let Some(kv) = v.get("kvlistValue") {
        return Value::Object(attrs(kv.get("values")));
    }
    Value::Null
}

fn attrs(list: Option<&Value>) -> Map<String, Value> {
    let mut m = Map::new();
    if let Some(a) = list.and_then(|l| l.as_array()) {
        for kv in a {
            if let (Some(k), Some(v)) = (kv.get("key").and_then(|k| k.as_str()), kv.get("value")) {
                m.insert(k.to_string(), any_value(v));
            }
        }
    }
    m
}

/// A JSON-encoded attribute (the GenAI conventions store message lists as JSON strings).
fn json_attr(m: &Map<String, Value>, k: &str) -> Option<Value> {
    match m.get(k)? {
        Value::String(s) => serde_json::from_str(s).ok().or_else(|| Some(Value::String(s.clone()))),
        v => Some(v.clone()),
    }
}

fn messages_from(v: &Value) -> Vec<Message> {
    match v {
        Value::Array(a) => a
            .iter()
            .map(|m| Message {
                role: m.get("role").and_then(|r| r.as_str()).unwrap_or("user").to_string(),
                content: m.get("parts").or_else(|| m.get("content")).map(content_text).unwrap_or_default(),
            })
            .collect(),
        Value::String(s) => vec![Message { role: "user".into(), content: s.clone() }],
        _ => vec![],
    }
}

pub fn import_doc(doc: &Value, line: u64, sink: Sink<'_>) {
    let rs = match doc.get("resourceSpans").and_then(|r| r.as_array()) {
        Some(r) => r,
        None => {
            sink(Err(LineError { line, reason: "not an OTLP trace export (no `resourceSpans`)".into() }));
            return;
        }
    };
    for r in rs {
        let res = attrs(r.get("resource").and_then(|x| x.get("attributes")));
        for ss in r.get("scopeSpans").or_else(|| r.get("instrumentationLibrarySpans")).and_then(|x| x.as_array()).into_iter().flatten() {
            for span in ss.get("spans").and_then(|x| x.as_array()).into_iter().flatten() {
                let mut a = attrs(span.get("attributes"));
                // Deprecated content events carry gen_ai.prompt / gen_ai.completion.
                for ev in span.get("events").and_then(|e| e.as_array()).into_iter().flatten() {
                    for (k, v) in attrs(ev.get("attributes")) {
                        a.entry(k).or_insert(v);
                    }
                }
                if !a.keys().any(|k| k.starts_with("gen_ai.")) {
                    continue;
                }
                let mut c = ModelCall::new("otel_genai");
                c.source_line = Some(line);
                let get_s = |k: &str| a.get(k).and_then(|v| v.as_str()).map(str::to_string);
                c.model = get_s("gen_ai.response.model").or_else(|| get_s("gen_ai.request.model"));
                c.request_id = get_s("gen_ai.response.id");
                c.conversation_id =
                    get_s("gen_ai.conversation.id").or_else(|| span.get("traceId").and_then(|t| t.as_str()).map(str::to_string));
                c.user = get_s("enduser.id")
                    .or_else(|| get_s("user.id"))
                    .or_else(|| res.get("enduser.id").and_then(|v| v.as_str()).map(str::to_string));
                c.account = res.get("service.name").and_then(|v| v.as_str()).map(str::to_string);
                c.ip = get_s("client.address");
                let tok = |ks: &[&str]| ks.iter().find_map(|k| a.get(*k).and_then(|v| v.as_u64().or_else(|| v.as_f64().map(|f| f as u64))));
                c.prompt_tokens = tok(&["gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens"]);
                c.completion_tokens = tok(&["gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens"]);
                let f = |k: &str| a.get(k).and_then(|v| v.as_f64());
                c.params.temperature = f("gen_ai.request.temperature");
                c.params.top_p = f("gen_ai.request.top_p");
                c.params.max_tokens = f("gen_ai.request.max_tokens").map(|x| x as u64);
                c.params.n = f("gen_ai.request.choice.count").map(|x| x as u32);
                c.params.seed = f("gen_ai.request.seed").map(|x| x as i64);
                if let Some(ns) = span.get("startTimeUnixNano").and_then(|t| t.as_str().and_then(|s| s.parse::<u64>().ok()).or(t.as_u64()))
                {
                    c.ts = unix_to_rfc3339(ns as f64 / 1e9);
                }
                if let Some(si) = json_attr(&a, "gen_ai.system_instructions") {
                    c.system = Some(content_text(&si)).filter(|s| !s.is_empty());
                }
                if let Some(m) = json_attr(&a, "gen_ai.input.messages").or_else(|| json_attr(&a, "gen_ai.prompt")) {
                    c.messages = messages_from(&m);
                } else {
                    // gen_ai.prompt.N.role / gen_ai.prompt.N.content
                    let mut n = 0;
                    while let Some(content) = get_s(&format!("gen_ai.prompt.{n}.content")) {
                        let role = get_s(&format!("gen_ai.prompt.{n}.role")).unwrap_or_else(|| "user".into());
                        c.messages.push(Message { role, content });
                        n += 1;
                    }
                }
                if let Some(pos) = c.messages.iter().position(|m| m.role == "system") {
                    let s = c.messages.remove(pos);
                    c.system = c.system.or(Some(s.content));
                }
                let out = json_attr(&a, "gen_ai.output.messages").or_else(|| json_attr(&a, "gen_ai.completion"));
                c.completion = match out {
                    Some(Value::Array(ms)) => {
                        ms.first().map(|m| m.get("parts").or_else(|| m.get("content")).map(content_text).unwrap_or_default())
                    }
                    Some(Value::String(s)) => Some(s),
                    Some(other) => Some(content_text(&other)),
                    None => get_s("gen_ai.completion.0.content"),
                };
                c.raw = serde_json::json!({"resource": Value::Object(res.clone()), "span": span});
                sink(Ok(c));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    fn kv(k: &str, v: Value) -> Value {
        serde_json::json!({"key": k, "value": v})
    }
    #[test]
    fn current_and_deprecated() {
        let doc = serde_json::json!({"resourceSpans":[{"resource":{"attributes":[kv("service.name",serde_json::json!({"stringValue":"app"}))]},"scopeSpans":[{"spans":[
            {"name":"chat gpt-4o","startTimeUnixNano":"1700000000000000000","attributes":[
                kv("gen_ai.request.model",serde_json::json!({"stringValue":"gpt-4o"})),
                kv("gen_ai.usage.input_tokens",serde_json::json!({"intValue":"12"})),
                kv("gen_ai.usage.output_tokens",serde_json::json!({"intValue":3})),
                kv("gen_ai.input.messages",serde_json::json!({"stringValue":"[{\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"content\":\"hello\"}]}]"})),
                kv("gen_ai.output.messages",serde_json::json!({"stringValue":"[{\"role\":\"assistant\",\"parts\":[{\"type\":\"text\",\"content\":\"hi\"}]}]"}))]},
            {"name":"old","attributes":[kv("gen_ai.request.model",serde_json::json!({"stringValue":"m"})),
                kv("gen_ai.usage.prompt_tokens",serde_json::json!({"intValue":"5"})),
                kv("gen_ai.prompt.0.role",serde_json::json!({"stringValue":"user"})),kv("gen_ai.prompt.0.content",serde_json::json!({"stringValue":"q"})),
                kv("gen_ai.completion.0.content",serde_json::json!({"stringValue":"a"}))]},
            {"name":"db query","attributes":[kv("db.system",serde_json::json!({"stringValue":"pg"}))]}
        ]}]}]});
        let mut out = vec![];
        import_doc(&doc, 1, &mut |r| out.push(r.unwrap()));
        assert_eq!(out.len(), 2);
        assert_eq!(
            (out[0].messages[0].content.as_str(), out[0].completion.as_deref(), out[0].prompt_tokens),
            ("hello", Some("hi"), Some(12))
        );
        assert_eq!(out[0].ts.as_deref(), Some("2023-11-14T22:13:20Z"));
        assert_eq!((out[1].messages[0].content.as_str(), out[1].completion.as_deref(), out[1].prompt_tokens), ("q", Some("a"), Some(5)));
    }
}
