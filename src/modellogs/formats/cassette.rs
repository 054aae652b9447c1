//! Recorded HTTP cassettes (vcrpy / VCR YAML): `interactions: [{request: {body, headers,
//! method, uri}, response: {body: {string}, headers, status}}]`. Each interaction is one call.
//! Bodies are read for OpenAI (chat, responses, embeddings), Anthropic, Bedrock (converse,
//! invoke; AWS event-stream bodies are decoded) and Gemini / Vertex AI, whole or streamed
//! (server-sent events).

use serde_json::Value;

use super::http_body::{aws_event_stream, decode_content, looks_like_event_stream, recorded_body, Body};
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
        Y::Number(n) => n
            .as_i64()
            .map(Value::from)
            .or_else(|| n.as_u64().map(Value::from))
            .or_else(|| n.as_f64().map(Value::from))
            .unwrap_or(Value::Null),
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
            sink(Err(LineError {
                line: e.location().map(|l| l.line() as u64).unwrap_or(0),
                reason: format!("not a readable YAML cassette: {e}"),
            }));
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
    if inter.is_empty() {
        sink(Err(LineError {
            line: 0,
            reason: "the cassette records no HTTP exchanges (its `interactions` list is empty), so it holds no model calls".into(),
        }));
        return;
    }
    for (i, it) in inter.iter().enumerate() {
        let n = i as u64 + 1;
        match interaction(it) {
            Ok((mut c, problem)) => {
                c.source_line = Some(n);
                c.raw = it.clone();
                sink(Ok(c));
                // The call is kept with what could be read, and the reason the rest could not
                // becomes an error record beside it.
                if let Some(reason) = problem {
                    sink(Err(LineError { line: n, reason: format!("interaction {n}: {reason}") }));
                }
            }
            Err(reason) => sink(Err(LineError { line: n, reason: format!("interaction {n}: {reason}") })),
        }
    }
}

/// A recorded body as JSON, with its content encoding undone: `Ok(None)` when there is none.
fn body_json(msg: &Value) -> Result<Option<Value>, String> {
    match recorded_body(msg)? {
        Body::Absent => Ok(None),
        Body::Parsed(v) => Ok(Some(v)),
        Body::Bytes(b) => {
            let b = decode_content(b, header(msg.get("headers"), "content-encoding").as_deref())?;
            if b.iter().all(|c| c.is_ascii_whitespace()) {
                return Ok(None);
            }
            Ok(Some(serde_json::from_slice(&b).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&b).into_owned()))))
        }
    }
}

/// Response body → JSON events (one for a plain JSON body, one per `data:` line for SSE, one
/// per frame for AWS event streams), after undoing its content encoding. An error says why
/// the body could not be read.
fn response_events(resp: &Value) -> Result<Vec<Value>, String> {
    let bytes = match recorded_body(resp)? {
        Body::Absent => return Ok(vec![]),
        Body::Parsed(v) => return Ok(vec![v]),
        Body::Bytes(b) => decode_content(b, header(resp.get("headers"), "content-encoding").as_deref())?,
    };
    if bytes.iter().all(|c| c.is_ascii_whitespace()) {
        return Ok(vec![]);
    }
    if let Ok(v) = serde_json::from_slice::<Value>(&bytes) {
        return Ok(vec![v]);
    }
    if looks_like_event_stream(&bytes) {
        return Ok(aws_event_stream(&bytes)?
            .into_iter()
            .map(|e| {
                if e.exception {
                    serde_json::json!({ "exception": e.kind, "detail": e.payload })
                } else if e.kind.is_empty() || e.payload.is_null() || e.kind == "chunk" {
                    e.payload
                } else {
                    serde_json::json!({ e.kind: e.payload })
                }
            })
            .collect());
    }
    let text = String::from_utf8_lossy(&bytes);
    if text.lines().any(|l| l.trim_start().starts_with("data:")) {
        let events: Vec<Value> = text
            .lines()
            .filter_map(|l| l.trim().strip_prefix("data:"))
            .map(str::trim)
            .filter(|d| !d.is_empty() && *d != "[DONE]")
            .filter_map(|d| serde_json::from_str::<Value>(d).ok())
            .collect();
        if !events.is_empty() {
            return Ok(events);
        }
    }
    // Newline-delimited JSON (Gemini and Ollama streams).
    let lines: Vec<Value> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map_while(|l| serde_json::from_str::<Value>(l.trim_start_matches(['[', ',']).trim_end_matches([',', ']'])).ok())
        .collect();
    if !lines.is_empty() && lines.len() == text.lines().filter(|l| !l.trim().is_empty()).count() {
        return Ok(lines);
    }
    Err(format!(
        "the response body ({} bytes) is neither JSON, nor server-sent events, nor an AWS event stream, so the answer could not be read",
        bytes.len()
    ))
}

pub(crate) const INPUT_KEYS: &[&str] =
    &["prompt_tokens", "input_tokens", "inputTokens", "promptTokenCount", "inputTextTokenCount", "prompt_token_count", "inputTokenCount"];
pub(crate) const OUTPUT_KEYS: &[&str] =
    &["completion_tokens", "output_tokens", "outputTokens", "candidatesTokenCount", "generation_token_count", "outputTokenCount"];

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
    let msg_content = e
        .get("output")
        .and_then(|o| o.get("message"))
        .and_then(|m| m.get("content"))
        .or_else(|| (e.get("type").and_then(|t| t.as_str()) == Some("message")).then(|| e.get("content")).flatten());
    if let Some(parts) = msg_content.and_then(|c| c.as_array()) {
        for p in parts {
            if let Some(t) = p.get("text").and_then(|x| x.as_str()) {
                out.push_str(t);
            }
        }
        return;
    }
    // Cohere v2 chat: `message.content[]` whole, `delta.message.content.text` streamed.
    if let Some(parts) = e
        .get("message")
        .filter(|m| e.get("finish_reason").is_some() || m.get("role").is_some())
        .and_then(|m| m.get("content"))
        .and_then(|c| c.as_array())
    {
        for p in parts.iter().filter(|p| p.get("type").and_then(|t| t.as_str()).is_none_or(|t| t == "text")) {
            if let Some(t) = p.get("text").and_then(|x| x.as_str()) {
                out.push_str(t);
            }
        }
        return;
    }
    if e.get("type").and_then(|t| t.as_str()) == Some("content-delta") {
        if let Some(t) = e
            .get("delta")
            .and_then(|d| d.get("message"))
            .and_then(|m| m.get("content"))
            .and_then(|c| c.get("text"))
            .and_then(|x| x.as_str())
        {
            out.push_str(t);
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

/// One recorded exchange as a call, and, when part of it could not be read, the reason (the
/// call is still returned with everything else it holds).
fn interaction(it: &Value) -> Result<(ModelCall, Option<String>), String> {
    let req = it.get("request").ok_or("the recording has no `request`")?;
    let resp = it.get("response").ok_or("the recording has no `response`")?;
    let uri = req.get("uri").and_then(|u| u.as_str()).unwrap_or("");
    let path = uri.split('?').next().unwrap_or("");
    let mut c = ModelCall::new("vcr_cassette");
    let mut problems: Vec<String> = Vec::new();
    let req_body: Value = match body_json(req) {
        Ok(v) => v.unwrap_or(Value::Null),
        Err(e) => {
            problems.push(format!("the request (the prompt): {e}"));
            Value::Null
        }
    };
    let rheaders = resp.get("headers");
    c.ts = header(rheaders, "date")
        .and_then(|d| normalize_ts_str(&d))
        .or_else(|| it.get("recorded_at").and_then(crate::modellogs::util::normalize_ts));
    c.account = header(rheaders, "openai-organization");
    c.request_id =
        header(rheaders, "x-request-id").or_else(|| header(rheaders, "x-amzn-requestid")).or_else(|| header(rheaders, "request-id"));
    // Model: body, else the Bedrock / Vertex path segment.
    c.model = str_field(&req_body, "model");
    if c.model.is_none() {
        if let Some(rest) = path.split("/model/").nth(1) {
            c.model = rest.split('/').next().map(|m| m.replace("%3A", ":").replace("%3a", ":"));
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
            .map(|m| Message {
                role: m.get("role").and_then(|r| r.as_str()).unwrap_or("user").to_string(),
                content: m.get("parts").map(content_text).unwrap_or_default(),
            })
            .collect();
        (None, msgs)
    } else if let Some(input) =
        req_body.get("input").or_else(|| req_body.get("inputText")).or_else(|| req_body.get("prompt")).or_else(|| req_body.get("message"))
    {
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
        .or_else(|| req_body.get("preamble"))
        .map(content_text)
        .filter(|s| !s.is_empty())
        .or(sys);
    // Response.
    let status = resp.get("status").and_then(|s| s.get("code").or(Some(s))).and_then(|c| c.as_u64()).unwrap_or(200);
    if status >= 400 {
        c.params.extra.insert("http_status".into(), Value::from(status));
    }
    let events = match response_events(resp) {
        Ok(e) => e,
        Err(e) => {
            problems.push(e);
            vec![]
        }
    };
    let exceptions: Vec<String> = events
        .iter()
        .filter_map(|e| {
            e.get("exception").and_then(|x| x.as_str()).map(|k| format!("{k}: {}", content_text(e.get("detail").unwrap_or(&Value::Null))))
        })
        .collect();
    if !exceptions.is_empty() {
        c.params.extra.insert("stream_exception".into(), Value::from(exceptions.join("; ")));
    }
    let generates = !path.ends_with("/embeddings") && !path.ends_with("/count_tokens") && status < 400;
    if path.ends_with("/responses") {
        let fin = events.iter().rev().find_map(|e| {
            let r = if e.get("output").is_some() { Some(e) } else { e.get("response") };
            r.filter(|r| r.get("output").and_then(|o| o.as_array()).map(|o| !o.is_empty()).unwrap_or(false))
        });
        if let Some(r) = fin {
            super::openai_responses::apply_response(&mut c, r);
        } else {
            let t: String = events
                .iter()
                .filter(|e| e.get("type").and_then(|t| t.as_str()) == Some("response.output_text.delta"))
                .filter_map(|e| e.get("delta").and_then(|d| d.as_str()))
                .collect();
            if !t.is_empty() {
                c.completion = Some(t);
            }
        }
        if let Some(id) = events.iter().find_map(|e| {
            e.get("response").and_then(|r| str_field(r, "id")).or_else(|| str_field(e, "id").filter(|i| i.starts_with("resp_")))
        }) {
            c.request_id = Some(id);
        }
        if let Some(m) =
            events.iter().rev().find_map(|e| e.get("response").and_then(|r| str_field(r, "model")).or_else(|| str_field(e, "model")))
        {
            c.model = Some(m);
        }
    } else if generates {
        let mut t = String::new();
        for e in &events {
            event_text(e, &mut t);
        }
        if !t.is_empty() {
            c.completion = Some(t);
        }
        if let Some(id) = events.iter().find_map(|e| {
            str_field(e, "id").or_else(|| str_field(e, "responseId")).or_else(|| e.get("message").and_then(|m| str_field(m, "id")))
        }) {
            c.request_id = Some(id);
        }
        // The model that answered, as the response names it (the request may name an alias).
        if let Some(m) = events.iter().find_map(|e| {
            str_field(e, "model").or_else(|| str_field(e, "modelVersion")).or_else(|| e.get("message").and_then(|m| str_field(m, "model")))
        }) {
            c.model = Some(m);
        }
    }
    // Tokens: Bedrock's headers when present, else the largest usage figure in the body
    // (streams repeat running totals). Cohere v2 reports the model's tokens beside billed units.
    let hp = header(rheaders, "x-amzn-bedrock-input-token-count").and_then(|s| s.parse().ok());
    let hc = header(rheaders, "x-amzn-bedrock-output-token-count").and_then(|s| s.parse().ok());
    let (mut bp, mut bc) = (None, None);
    for e in &events {
        let e = e.get("usage").and_then(|u| u.get("tokens")).unwrap_or(e);
        max_key(e, INPUT_KEYS, &mut bp);
        max_key(e, OUTPUT_KEYS, &mut bc);
    }
    c.prompt_tokens = hp.or(bp);
    c.completion_tokens = hc.or(bc);
    if let Some(created) = events.iter().find_map(|e| e.get("created").and_then(|x| x.as_f64())) {
        c.ts = crate::modellogs::util::unix_to_rfc3339(created).or(c.ts);
    }
    // A successful generation whose answer could not be found in a body that was read.
    if problems.is_empty()
        && generates
        && c.completion.is_none()
        && !events.is_empty()
        && exceptions.is_empty()
        && !answered_with_tool_call(&events)
    {
        problems.push(
            "the response was read but holds no answer text in any shape Exhibit knows; the call is kept without a completion".into(),
        );
    } else if problems.is_empty() && generates && events.is_empty() && resp.get("body").is_some() {
        problems.push("the response body is empty, so the call has no recorded answer".into());
    }
    if c.messages.is_empty() && c.system.is_none() && req_body.is_null() && problems.is_empty() && generates {
        problems.push("the request body is missing, so the call has no recorded prompt".into());
    }
    Ok((c, (!problems.is_empty()).then(|| problems.join("; "))))
}

/// Whether the model answered with a tool call (no text, and rightly so).
fn answered_with_tool_call(events: &[Value]) -> bool {
    fn any(v: &Value) -> bool {
        match v {
            Value::Object(o) => o.iter().any(|(k, x)| {
                matches!(k.as_str(), "tool_calls" | "toolUse" | "tool_use" | "function_call" | "functionCall") && !x.is_null() || any(x)
            }),
            Value::Array(a) => a.iter().any(any),
            Value::String(s) => matches!(s.as_str(), "tool_use" | "tool_calls" | "function_call"),
            _ => false,
        }
    }
    events.iter().any(any)
}
