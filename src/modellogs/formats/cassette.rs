//! Recorded HTTP cassettes (vcrpy / VCR YAML): `interactions: [{request: {body, headers,
//! method, uri}, response: {body: {string}, headers, status}}]`. Each interaction is one call.
//! Bodies are read for OpenAI (chat, responses, embeddings), Anthropic, Bedrock (converse,
//! invoke; AWS event-stream bodies are decoded) and Gemini / Vertex AI, whole or streamed
//! (server-sent events).

use base64::Engine;
use serde_json::Value;

use super::openai_chat::header;
use super::Sink;
use crate::modellogs::call::{LineError, Message, ModelCall, Params};
use crate::modellogs::util::{content_text, normalize_ts_str, str_field};

/// YAML value to JSON; `!!binary` scalars become `{"$binary": base64}`.
fn yaml_to_json(v: yaml_serde::Value) -> Value {
    use yaml_serde::Value as Y;
    match v {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => n.as_i64().map(Value::from).or_else(|| n.as_u64().map(Value::from)).or_else(|| n.as_f64().map(Value::from)).unwrap_or(Value::Null),
        Y::String(s) => Value::String(s),
        Y::Sequence(s) => Value::Array(s.into_iter().map(yaml_to_json).collect()),
        Y::Mapping(m) => Value::Object(
            m.into_iter()
                .map(|(k, v)| {
                    let k = match k {
                        Y::String(s) => s,
                        other => yaml_serde::to_string(&other).unwrap_or_default().trim().to_string(),
                    };
                    (k, yaml_to_json(v))
                })
                .collect(),
        ),
        Y::Tagged(t) => {
            let tag = t.tag.to_string();
            let inner = yaml_to_json(t.value);
            if tag.ends_with("binary") {
                if let Value::String(s) = inner {
                    return serde_json::json!({"$binary": s.split_whitespace().collect::<String>()});
                }
            }
            inner
        }
    }
}

pub fn import(buf: &[u8], sink: Sink<'_>) {
    let y: yaml_serde::Value = match yaml_serde::from_slice(buf) {
        Ok(v) => v,
        Err(e) => {
            sink(Err(LineError { line: e.location().map(|l| l.line() as u64).unwrap_or(0), reason: format!("not a readable YAML cassette: {e}") }));
            return;
        }
    };
    let doc = yaml_to_json(y);
    let inter = match doc.get("interactions").and_then(|i| i.as_array()) {
        Some(i) => i,
        None => {
            sink(Err(LineError { line: 0, reason: "the YAML has no `interactions` list, so it is not a VCR cassette".into() }));
            return;
        }
    };
    for (i, it) in inter.iter().enumerate() {
        let n = i as u64 + 1;
        match interaction(it) {
            Ok(mut c) => {
                c.source_line = Some(n);
                c.raw = it.clone();
                sink(Ok(c))
            }
            Err(reason) => sink(Err(LineError { line: n, reason: format!("interaction {n}: {reason}") })),
        }
    }
}

fn body_bytes(b: Option<&Value>) -> Option<Vec<u8>> {
    let b = b?;
    let b = b.get("string").unwrap_or(b);
    match b {
        Value::String(s) => Some(s.as_bytes().to_vec()),
        Value::Object(o) if o.contains_key("$binary") => base64::engine::general_purpose::STANDARD.decode(o["$binary"].as_str().unwrap_or("")).ok(),
        _ => None,
    }
}

/// AWS event-stream frames → (event type, JSON payload). Payloads of the form `{"bytes": b64}`
/// are unwrapped.
pub(crate) fn aws_event_stream(b: &[u8]) -> Option<Vec<(String, Value)>> {
    let mut out = Vec::new();
    let mut p = 0usize;
    while p + 16 <= b.len() {
        let total = u32::from_be_bytes(b[p..p + 4].try_into().ok()?) as usize;
        let hlen = u32::from_be_bytes(b[p + 4..p + 8].try_into().ok()?) as usize;
        if total < 16 + hlen || p + total > b.len() {
            return None;
        }
        let headers = &b[p + 12..p + 12 + hlen];
        let payload = &b[p + 12 + hlen..p + total - 4];
        // Headers: name len u8, name, type u8, (type 7 = string: len u16, bytes).
        let mut ev = String::new();
        let mut h = 0;
        while h < headers.len() {
            let nl = headers[h] as usize;
            let name = std::str::from_utf8(headers.get(h + 1..h + 1 + nl)?).ok()?;
            h += 1 + nl;
            let ty = *headers.get(h)?;
            h += 1;
            match ty {
                7 | 6 => {
                    let l = u16::from_be_bytes(headers.get(h..h + 2)?.try_into().ok()?) as usize;
                    let val = headers.get(h + 2..h + 2 + l)?;
                    if name == ":event-type" || name == ":exception-type" {
                        ev = String::from_utf8_lossy(val).into_owned();
                    }
                    h += 2 + l;
                }
                0 | 1 => {}
                2 => h += 1,
                3 => h += 2,
                4 => h += 4,
                5 | 8 => h += 8,
                9 => h += 16,
                _ => return None,
            }
        }
        let mut v: Value = serde_json::from_slice(payload).unwrap_or(Value::Null);
        if let Some(inner) = v.get("bytes").and_then(|x| x.as_str()).and_then(|s| base64::engine::general_purpose::STANDARD.decode(s).ok()) {
            v = serde_json::from_slice(&inner).unwrap_or(Value::Null);
        }
        out.push((ev, v));
        p += total;
    }
    Some(out)
}

/// Response body → JSON events (one for a plain JSON body, one per `data:` line for SSE, one
/// per frame for AWS event streams).
fn response_events(bytes: &[u8]) -> Vec<Value> {
    if let Ok(v) = serde_json::from_slice::<Value>(bytes) {
        return vec![v];
    }
    let text = String::from_utf8_lossy(bytes);
    if text.contains("data:") {
        return text
            .lines()
            .filter_map(|l| l.trim().strip_prefix("data:"))
            .filter_map(|d| serde_json::from_str::<Value>(d.trim()).ok())
            .collect();
    }
    if let Some(evs) = aws_event_stream(bytes) {
        return evs
            .into_iter()
            .map(|(t, v)| if t.is_empty() || v.is_null() { v } else { serde_json::json!({ t: v }) })
            .collect();
    }
    vec![]
}

pub(crate) const INPUT_KEYS: &[&str] = &["prompt_tokens", "input_tokens", "inputTokens", "promptTokenCount", "inputTextTokenCount", "prompt_token_count", "inputTokenCount"];
pub(crate) const OUTPUT_KEYS: &[&str] = &["completion_tokens", "output_tokens", "outputTokens", "candidatesTokenCount", "generation_token_count", "outputTokenCount"];

fn max_key(v: &Value, keys: &[&str], best: &mut Option<u64>) {
    match v {
        Value::Object(o) => {
            for (k, x) in o {
                if keys.contains(&k.as_str()) {
                    if let Some(n) = x.as_u64() {
                        *best = Some(best.map_or(n, |b| b.max(n)));
                    }
                }
                max_key(x, keys, best);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| max_key(x, keys, best)),
        _ => {}
    }
}

/// Text of one response event, for the shapes we know (whole responses and stream deltas).
fn event_text(e: &Value, out: &mut String) {
    // OpenAI chat (whole or chunk): first choice only.
    if let Some(ch) = e.get("choices").and_then(|c| c.as_array()) {
        for c in ch.iter().filter(|c| c.get("index").and_then(|i| i.as_u64()).unwrap_or(0) == 0) {
            if let Some(t) = c.get("message").or_else(|| c.get("delta")).and_then(|m| m.get("content")).and_then(|x| x.as_str()) {
                out.push_str(t);
            } else if let Some(t) = c.get("text").and_then(|x| x.as_str()) {
                out.push_str(t);
            }
        }
        return;
    }
    // Gemini.
    if let Some(cands) = e.get("candidates").and_then(|c| c.as_array()) {
        if let Some(parts) = cands.first().and_then(|c| c.get("content")).and_then(|c| c.get("parts")).and_then(|p| p.as_array()) {
            for p in parts {
                if p.get("thought").and_then(|t| t.as_bool()) != Some(true) {
                    if let Some(t) = p.get("text").and_then(|x| x.as_str()) {
                        out.push_str(t);
                    }
                }
            }
        }
        return;
    }
    // Anthropic whole message / Bedrock converse & Nova.
    let msg_content = e.get("output").and_then(|o| o.get("message")).and_then(|m| m.get("content")).or_else(|| (e.get("type").and_then(|t| t.as_str()) == Some("message")).then(|| e.get("content")).flatten());
    if let Some(parts) = msg_content.and_then(|c| c.as_array()) {
        for p in parts {
            if let Some(t) = p.get("text").and_then(|x| x.as_str()) {
                out.push_str(t);
            }
        }
        return;
    }
    // Stream deltas: Anthropic content_block_delta, Bedrock contentBlockDelta (wrapped or not).
    let d = e.get("contentBlockDelta").unwrap_or(e);
    if let Some(t) = d.get("delta").and_then(|x| x.get("text")).and_then(|x| x.as_str()) {
        out.push_str(t);
        return;
    }
    // Titan, Cohere, Llama, Mistral.
    if let Some(r) = e.get("results").and_then(|r| r.as_array()) {
        r.iter().filter_map(|x| x.get("outputText").and_then(|t| t.as_str())).for_each(|t| out.push_str(t));
        return;
    }
    for k in ["outputText", "generation", "completion"] {
        if let Some(t) = e.get(k).and_then(|x| x.as_str()) {
            out.push_str(t);
            return;
        }
    }
    if let Some(g) = e.get("generations").or_else(|| e.get("outputs")).and_then(|g| g.as_array()) {
        if let Some(t) = g.first().and_then(|x| x.get("text")).and_then(|x| x.as_str()) {
            out.push_str(t);
        }
        return;
    }
    if e.get("response_id").is_some() || e.get("generation_id").is_some() {
        if let Some(t) = e.get("text").and_then(|x| x.as_str()) {
            out.push_str(t);
        }
    }
}

fn interaction(it: &Value) -> Result<ModelCall, String> {
    let req = it.get("request").ok_or("no `request`")?;
    let resp = it.get("response").ok_or("no `response`")?;
    let uri = req.get("uri").and_then(|u| u.as_str()).unwrap_or("");
    let path = uri.split('?').next().unwrap_or("");
    let mut c = ModelCall::new("vcr_cassette");
    let req_body: Value = body_bytes(req.get("body")).and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or(Value::Null);
    let rheaders = resp.get("headers");
    c.ts = header(rheaders, "date").and_then(|d| normalize_ts_str(&d));
    c.account = header(rheaders, "openai-organization");
    c.request_id = header(rheaders, "x-request-id").or_else(|| header(rheaders, "x-amzn-requestid")).or_else(|| header(rheaders, "request-id"));
    // Model: body, else the Bedrock / Vertex path segment.
    c.model = str_field(&req_body, "model");
    if c.model.is_none() {
        if let Some(rest) = path.split("/model/").nth(1) {
            c.model = rest.split('/').next().map(|m| m.replace("%3A", ":"));
        } else if let Some(rest) = path.split("/models/").nth(1) {
            c.model = rest.split(':').next().map(str::to_string);
        }
    }
    c.params = Params::from_request(&req_body);
    // Prompt.
    let (sys, msgs) = if req_body.get("messages").is_some() {
        super::read_messages(req_body.get("messages"))
    } else if let Some(contents) = req_body.get("contents").and_then(|x| x.as_array()) {
        let msgs = contents
            .iter()
            .map(|m| Message { role: m.get("role").and_then(|r| r.as_str()).unwrap_or("user").to_string(), content: m.get("parts").map(content_text).unwrap_or_default() })
            .collect();
        (None, msgs)
    } else if let Some(input) = req_body.get("input").or_else(|| req_body.get("inputText")).or_else(|| req_body.get("prompt")).or_else(|| req_body.get("message")) {
        let msgs = match input {
            Value::Array(a) if a.iter().any(|x| x.get("role").is_some()) => super::read_messages(Some(input)).1,
            other => vec![Message { role: "user".into(), content: content_text(other) }],
        };
        (None, msgs)
    } else {
        (None, vec![])
    };
    c.messages = msgs;
    c.system = req_body
        .get("system")
        .or_else(|| req_body.get("instructions"))
        .or_else(|| req_body.get("systemInstruction"))
        .or_else(|| req_body.get("system_instruction"))
        .map(content_text)
        .filter(|s| !s.is_empty())
        .or(sys);
    // Response.
    let status = resp.get("status").and_then(|s| s.get("code")).and_then(|c| c.as_u64()).unwrap_or(200);
    if status >= 400 {
        c.params.extra.insert("http_status".into(), Value::from(status));
    }
    let events = body_bytes(resp.get("body")).map(|b| response_events(&b)).unwrap_or_default();
    if path.ends_with("/responses") {
        let fin = events.iter().rev().find_map(|e| {
            let r = if e.get("output").is_some() { Some(e) } else { e.get("response") };
            r.filter(|r| r.get("output").and_then(|o| o.as_array()).map(|o| !o.is_empty()).unwrap_or(false))
        });
        if let Some(r) = fin {
            super::openai_responses::apply_response(&mut c, r);
        } else {
            let t: String = events.iter().filter(|e| e.get("type").and_then(|t| t.as_str()) == Some("response.output_text.delta")).filter_map(|e| e.get("delta").and_then(|d| d.as_str())).collect();
            if !t.is_empty() {
                c.completion = Some(t);
            }
        }
        if let Some(id) = events.iter().find_map(|e| e.get("response").and_then(|r| str_field(r, "id")).or_else(|| str_field(e, "id").filter(|i| i.starts_with("resp_")))) {
            c.request_id = Some(id);
        }
    } else if !path.ends_with("/embeddings") && status < 400 {
        let mut t = String::new();
        for e in &events {
            event_text(e, &mut t);
        }
        if !t.is_empty() {
            c.completion = Some(t);
        }
        if let Some(id) = events.iter().find_map(|e| str_field(e, "id").or_else(|| str_field(e, "responseId"))) {
            c.request_id = Some(id);
        }
        if let Some(m) = events.iter().find_map(|e| str_field(e, "model").or_else(|| str_field(e, "modelVersion"))) {
            c.model = Some(m);
        }
    }
    // Tokens: Bedrock's headers when present, else the largest usage figure in the body
    // (streams repeat running totals).
    let hp = header(rheaders, "x-amzn-bedrock-input-token-count").and_then(|s| s.parse().ok());
    let hc = header(rheaders, "x-amzn-bedrock-output-token-count").and_then(|s| s.parse().ok());
    let (mut bp, mut bc) = (None, None);
    for e in &events {
        max_key(e, INPUT_KEYS, &mut bp);
        max_key(e, OUTPUT_KEYS, &mut bc);
    }
    c.prompt_tokens = hp.or(bp);
    c.completion_tokens = hc.or(bc);
    if let Some(created) = events.iter().find_map(|e| e.get("created").and_then(|x| x.as_f64())) {
        c.ts = crate::modellogs::util::unix_to_rfc3339(created).or(c.ts);
    }
    Ok(c)
}
