//! Format detection from the first bytes of a file (and its name). Either one format with the
//! reason it fits, or every format tried with the reason it does not.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::Value;

use super::formats::{CsvMapping, Format};

// One per file looked at, never held in bulk: the size of the larger variant costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Detection {
    Recognized { format: Format, reason: String },
    Unrecognized { tried: Vec<(String, String)> },
}

impl Detection {
    pub fn format(&self) -> Option<&Format> {
        match self {
            Detection::Recognized { format, .. } => Some(format),
            _ => None,
        }
    }
    /// One paragraph for the user: "read as X because …" or "not read: X: why; Y: why…".
    pub fn explain(&self) -> String {
        match self {
            Detection::Recognized { format, reason } => format!("read as {}: {}", format.describe(), reason),
            Detection::Unrecognized { tried } => {
                let parts: Vec<String> = tried.iter().map(|(f, w)| format!("{f}: {w}")).collect();
                format!("no format fits. Tried {}", parts.join("; "))
            }
        }
    }
}

/// What the head of the file looks like, structurally.
enum Sample {
    Yaml,
    /// First record of a JSONL file.
    Line(Value),
    /// First element of a JSON array.
    ArrayItem(Value),
    /// A whole JSON object document.
    Doc(Value),
    /// JSON, but cut off before the first record ends (big pretty-printed documents).
    TruncatedJson(bool /* array */),
    Text,
    Binary,
}

fn sample(head: &[u8]) -> Sample {
    let h = super::formats::trim_ascii(head);
    if h.is_empty() {
        return Sample::Text;
    }
    if h.iter().take(4096).any(|b| *b == 0) {
        return Sample::Binary;
    }
    let text = String::from_utf8_lossy(h);
    if text.starts_with("interactions:") || text.contains("\ninteractions:") || (text.starts_with("---") && text.contains("interactions:"))
    {
        return Sample::Yaml;
    }
    match h[0] {
        b'[' => {
            let mut de = serde_json::Deserializer::from_slice(&h[1..]).into_iter::<Value>();
            match de.next() {
                Some(Ok(v)) => Sample::ArrayItem(v),
                Some(Err(e)) if e.is_eof() => Sample::TruncatedJson(true),
                _ => {
                    if h[1..].iter().find(|b| !b.is_ascii_whitespace()) == Some(&b']') {
                        Sample::ArrayItem(Value::Null)
                    } else {
                        Sample::Text
                    }
                }
            }
        }
        b'{' => {
            let first_line = h.split(|b| *b == b'\n').next().unwrap_or(h);
            if let Ok(v) = serde_json::from_slice::<Value>(super::formats::trim_ascii(first_line)) {
                // One line is a whole object: JSONL (or a one-line document).
                return Sample::Line(v);
            }
            match serde_json::from_slice::<Value>(h) {
                Ok(v) => Sample::Doc(v),
                Err(e) if e.is_eof() => Sample::TruncatedJson(false),
                Err(_) => Sample::Text,
            }
        }
        _ => Sample::Text,
    }
}

/// The first conversation of an export wrapped in `{"conversations": [...]}` (the record the
/// formats are judged by); anything else as it is.
fn unwrap_export(v: &Value) -> &Value {
    match v.get("conversations").and_then(|c| c.as_array()) {
        Some(inner) if !super::formats::is_turn_list(inner) => {
            inner.first().filter(|c| c.get("mapping").is_some() || c.get("chat_messages").is_some()).unwrap_or(v)
        }
        _ => v,
    }
}

type Check = Result<String, String>;

fn has(v: &Value, path: &[&str]) -> bool {
    let mut cur = v;
    for p in path {
        match cur.get(*p) {
            Some(x) if !x.is_null() => cur = x,
            _ => return false,
        }
    }
    true
}

fn keys(v: &Value) -> String {
    v.as_object().map(|o| o.keys().take(8).cloned().collect::<Vec<_>>().join(", ")).unwrap_or_else(|| "not an object".into())
}

fn check_record(fmt: &Format, v: &Value) -> Check {
    let k = keys(v);
    match fmt {
        Format::OpenAiBatchInput => {
            if has(v, &["custom_id"]) && has(v, &["body"]) && (has(v, &["url"]) || has(v, &["method"])) {
                Ok("records have custom_id, method/url and a request body".into())
            } else {
                Err(format!("needs custom_id + body + url per line; first record has [{k}]"))
            }
        }
        Format::OpenAiBatchOutput => {
            if has(v, &["custom_id"]) && (v.get("response").is_some() || v.get("error").is_some()) && !has(v, &["result"]) {
                Ok("records have custom_id and response/error".into())
            } else {
                Err(format!("needs custom_id + response per line; first record has [{k}]"))
            }
        }
        Format::AnthropicBatchResults => {
            if has(v, &["custom_id"]) && has(v, &["result", "type"]) {
                Ok("records have custom_id and result.type (Message Batches results)".into())
            } else {
                Err(format!("needs custom_id + result.type; first record has [{k}]"))
            }
        }
        Format::OtelSpans => {
            if has(v, &["resourceSpans"]) {
                Ok("OTLP JSON with resourceSpans".into())
            } else {
                Err(format!("no `resourceSpans`; top-level keys are [{k}]"))
            }
        }
        Format::LiteLlm => {
            if has(v, &["request_id"]) && (has(v, &["startTime"]) || has(v, &["spend"]) || has(v, &["api_key"])) {
                Ok("rows have request_id, startTime/spend/api_key (LiteLLM_SpendLogs)".into())
            } else if has(v, &["startTime"])
                && (v.get("response_cost").is_some()
                    || has(v, &["call_type"])
                    || v.get("hidden_params").is_some()
                    || v.get("model_map_information").is_some())
            {
                Ok("records have startTime with call_type/response_cost (LiteLLM StandardLoggingPayload, as its logging callbacks write it)".into())
            } else {
                Err(format!("needs request_id with startTime, spend or api_key, or a StandardLoggingPayload (startTime with call_type/response_cost); first record has [{k}]"))
            }
        }
        Format::Canonical => {
            if has(v, &["request", "messages"])
                && !has(v, &["response", "choices"])
                && !has(v, &["response", "output"])
                && !has(v, &["response", "content"])
                && (v.get("ts").is_some() || v.get("account").is_some() || has(v, &["response", "text"]))
            {
                Ok("records have ts/account, request.messages and response.text".into())
            } else {
                Err(format!("needs request.messages with ts/account and response.text; first record has [{k}]"))
            }
        }
        Format::AnthropicMessages => {
            let resp = v.get("response").unwrap_or(v);
            if resp.get("type").and_then(|t| t.as_str()) == Some("message")
                || has(v, &["request", "anthropic_version"])
                || has(v, &["request", "metadata", "user_id"])
                || (has(resp, &["usage", "input_tokens"]) && resp.get("content").map(|c| c.is_array()).unwrap_or(false))
            {
                Ok("response has type: message / content blocks with input_tokens usage".into())
            } else {
                Err(format!("no Messages response (type: message) or Anthropic request markers; keys [{k}]"))
            }
        }
        Format::OpenAiResponses => {
            let resp = v.get("response").unwrap_or(v);
            if resp.get("object").and_then(|o| o.as_str()) == Some("response")
                || (resp.get("output").map(|o| o.is_array()).unwrap_or(false) && resp.get("choices").is_none())
                || (has(v, &["request", "input"]) && !has(v, &["request", "messages"]))
            {
                Ok("object: response with output[] (Responses API)".into())
            } else {
                Err(format!("no `object: response` / output[] / request.input; keys [{k}]"))
            }
        }
        Format::OpenAiChat => {
            if has(v, &["request", "messages"])
                || has(v, &["response", "choices"])
                || (has(v, &["messages"]) && has(v, &["model"]))
                || has(v, &["choices"])
            {
                Ok("request.messages and/or response.choices (Chat Completions)".into())
            } else {
                Err(format!("no messages/choices; keys [{k}]"))
            }
        }
        Format::ChatGptExport => {
            if has(v, &["mapping"]) {
                Ok("conversations with a `mapping` message tree".into())
            } else {
                Err(format!("no `mapping` tree; first conversation has [{k}]"))
            }
        }
        Format::ClaudeExport => {
            if has(v, &["chat_messages"]) {
                Ok("conversations with `chat_messages` (Claude export)".into())
            } else {
                Err(format!("no `chat_messages`; first conversation has [{k}]"))
            }
        }
        Format::ShareGpt => {
            let ok = v
                .get("conversations")
                .and_then(|c| c.as_array())
                .map(|a| a.first().map(|t| t.get("from").is_some() && t.get("value").is_some()).unwrap_or(true))
                .unwrap_or(false);
            if ok {
                Ok("conversations of {from, value} turns".into())
            } else {
                Err(format!("no `conversations` of {{from, value}}; first item has [{k}]"))
            }
        }
        _ => Err("not a JSON record format".into()),
    }
}

/// The JSON formats in the order they are tried (specific before general).
fn json_formats(array: bool) -> Vec<Format> {
    let mut v = vec![
        Format::OpenAiBatchInput,
        Format::OpenAiBatchOutput,
        Format::AnthropicBatchResults,
        Format::OtelSpans,
        Format::LiteLlm,
        Format::Canonical,
        Format::AnthropicMessages,
        Format::OpenAiResponses,
        Format::OpenAiChat,
    ];
    let docs = vec![Format::ChatGptExport, Format::ClaudeExport, Format::ShareGpt];
    if array {
        let mut d = docs;
        d.extend(v);
        d
    } else {
        v.extend(docs);
        v
    }
}

/// Say which format a file is, from its first bytes (64 KiB is plenty) and its name.
pub fn sniff(head: &[u8], name: &str) -> Detection {
    let lower = name.to_ascii_lowercase();
    let mut tried: Vec<(String, String)> = Vec::new();
    let s = sample(head);
    // YAML cassettes.
    match &s {
        Sample::Yaml => {
            return Detection::Recognized {
                format: Format::VcrCassette,
                reason: "YAML with an `interactions:` list (vcrpy/VCR cassette)".into(),
            }
        }
        _ => tried.push((Format::VcrCassette.name().into(), "not YAML with a top-level `interactions:` list".into())),
    }
    let record = match &s {
        Sample::Line(v) | Sample::ArrayItem(v) | Sample::Doc(v) => Some(unwrap_export(v).clone()),
        _ => None,
    };
    if let Some(v) = record {
        let array = matches!(s, Sample::ArrayItem(_));
        if array && v.is_null() {
            return Detection::Unrecognized {
                tried: vec![("any".into(), "the file is an empty JSON array: no records to recognise".into())],
            };
        }
        // A single conversation object is also an export, and so is a file of one conversation
        // per line.
        for f in json_formats(array) {
            match check_record(&f, &v) {
                Ok(reason) => return Detection::Recognized { format: f, reason },
                Err(why) => tried.push((f.name().into(), why)),
            }
        }
        tried.push(("csv".into(), "the file is JSON, not CSV".into()));
        return Detection::Unrecognized { tried };
    }
    if let Sample::TruncatedJson(array) = s {
        // A big pretty-printed document: judge by the keys that appear early.
        let t = String::from_utf8_lossy(head);
        let probes: [(&str, Format, &str); 5] = [
            ("\"mapping\"", Format::ChatGptExport, "a `mapping` message tree appears (document too large to sample whole)"),
            ("\"chat_messages\"", Format::ClaudeExport, "`chat_messages` appear (document too large to sample whole)"),
            ("\"resourceSpans\"", Format::OtelSpans, "`resourceSpans` appear (document too large to sample whole)"),
            ("\"conversations\"", Format::ShareGpt, "`conversations` with from/value appear (document too large to sample whole)"),
            ("\"startTime\"", Format::LiteLlm, "LiteLLM rows with startTime appear (document too large to sample whole)"),
        ];
        for (needle, f, why) in probes {
            if t.contains(needle) && (needle != "\"conversations\"" || t.contains("\"from\"")) {
                return Detection::Recognized { format: f, reason: why.into() };
            }
        }
        tried.push((
            if array { "json array" } else { "json document" }.into(),
            "the first record is longer than the sample and has none of the known keys".into(),
        ));
        return Detection::Unrecognized { tried };
    }
    if let Sample::Binary = s {
        tried.push(("any".into(), "the file is binary (has NUL bytes), not JSON, YAML or CSV".into()));
        return Detection::Unrecognized { tried };
    }
    for f in json_formats(false) {
        tried.push((
            f.name().into(),
            "the file does not start with `{` or `[` (not JSON), or its JSON is broken in the first record".into(),
        ));
    }
    // CSV.
    let text = String::from_utf8_lossy(head);
    let first = text.lines().next().unwrap_or("").trim_start_matches('\u{feff}');
    let delim = if first.matches('\t').count() > first.matches(',').count() { '\t' } else { ',' };
    let headers: Vec<String> = first.split(delim).map(|h| h.trim().trim_matches('"').to_string()).collect();
    if headers.len() >= 2 || lower.ends_with(".csv") || lower.ends_with(".tsv") {
        let hs: Vec<&str> = headers.iter().map(|s| s.as_str()).collect();
        if hs.contains(&"request_id") && (hs.contains(&"startTime") || hs.contains(&"spend")) {
            return Detection::Recognized {
                format: Format::LiteLlmCsv,
                reason: "CSV header has request_id and startTime/spend (LiteLLM spend logs)".into(),
            };
        }
        tried.push((Format::LiteLlmCsv.name().into(), "CSV header lacks request_id + startTime".into()));
        if let Some(mut m) = CsvMapping::guess(&headers) {
            m.delimiter = delim;
            return Detection::Recognized {
                format: Format::Csv(m),
                reason: format!("CSV; guessed a column mapping from the header [{}] — confirm it and save it", headers.join(", ")),
            };
        }
        tried.push(("csv".into(), format!("CSV header [{}] has no prompt-like column; map the columns by hand", headers.join(", "))));
    } else {
        tried.push(("csv".into(), "the first line has no comma- or tab-separated header".into()));
    }
    Detection::Unrecognized { tried }
}

/// Detect a file on disk.
pub fn sniff_path(path: &Path) -> std::io::Result<Detection> {
    let mut head = vec![0u8; 64 * 1024];
    let n = std::fs::File::open(path)?.read(&mut head)?;
    head.truncate(n);
    Ok(sniff(&head, path.file_name().and_then(|s| s.to_str()).unwrap_or("")))
}

fn custom_ids(path: &Path, limit: usize) -> Vec<String> {
    let f = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(_) => return vec![],
    };
    BufReader::new(f)
        .lines()
        .map_while(Result::ok)
        .take(limit)
        .filter_map(|l| serde_json::from_str::<Value>(&l).ok())
        .filter_map(|v| v.get("custom_id").and_then(|c| c.as_str()).map(str::to_string))
        .collect()
}

/// Among the given files, pair OpenAI Batch input files with their output files by the
/// custom_ids they share (names do not matter; output order does not either). Returns
/// (input, output) pairs; files that are not batch files or have no partner are left out.
pub fn pair_batch_files(paths: &[PathBuf]) -> Vec<(PathBuf, PathBuf)> {
    let mut inputs = vec![];
    let mut outputs = vec![];
    for p in paths {
        match sniff_path(p).ok().and_then(|d| d.format().cloned()) {
            Some(Format::OpenAiBatchInput) => inputs.push(p.clone()),
            Some(Format::OpenAiBatchOutput) => outputs.push(p.clone()),
            _ => {}
        }
    }
    let in_ids: Vec<std::collections::HashSet<String>> = inputs.iter().map(|p| custom_ids(p, usize::MAX).into_iter().collect()).collect();
    let mut pairs = vec![];
    let mut used = vec![false; inputs.len()];
    for o in outputs {
        let ids = custom_ids(&o, 200);
        let best = (0..inputs.len()).filter(|i| !used[*i]).map(|i| (ids.iter().filter(|id| in_ids[i].contains(*id)).count(), i)).max();
        if let Some((hits, i)) = best {
            if hits > 0 {
                used[i] = true;
                pairs.push((inputs[i].clone(), o));
            }
        }
    }
    pairs
}

/// Import whatever `path` is, detecting its format. Returns the format used, or the detection
/// failure (with every format's reason).
#[allow(clippy::result_large_err)] // once per file; the failure is the report the caller shows
pub fn import_path(path: &std::path::Path, sink: super::formats::Sink<'_>) -> Result<Format, Detection> {
    use std::io::Read;
    let mut head = vec![0u8; 64 * 1024];
    let n = std::fs::File::open(path).and_then(|mut f| f.read(&mut head)).unwrap_or(0);
    head.truncate(n);
    let name = path.file_name().and_then(|s| s.to_str()).unwrap_or("");
    let det = sniff(&head, name);
    match &det {
        Detection::Recognized { format, .. } => {
            match std::fs::File::open(path) {
                Ok(f) => super::formats::import_stream(std::io::BufReader::with_capacity(1 << 20, f), format, sink),
                Err(e) => sink(Err(super::call::LineError { line: 0, reason: format!("could not open: {e}") })),
            }
            Ok(format.clone())
        }
        _ => Err(det),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn recognizes_and_explains() {
        let d = sniff(b"{\"custom_id\":\"a\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{}}\n", "x.jsonl");
        assert_eq!(d.format(), Some(&Format::OpenAiBatchInput));
        let d = sniff(b"interactions:\n- request:\n", "c.yaml");
        assert_eq!(d.format(), Some(&Format::VcrCassette));
        let d = sniff(b"{\"hello\": 1}\n", "x.json");
        match d {
            Detection::Unrecognized { tried } => {
                assert!(tried.len() >= 10, "{tried:?}");
                let canon = tried.iter().find(|(f, _)| f == "canonical").unwrap();
                assert!(canon.1.contains("request.messages") && canon.1.contains("hello"), "{}", canon.1);
                let otel = tried.iter().find(|(f, _)| f == "otel_genai").unwrap();
                assert!(otel.1.contains("resourceSpans"));
            }
            _ => panic!("should not be recognized"),
        }
        let d = sniff(b"when,who,what\n1,2,3\n", "x.csv");
        assert!(d.explain().contains("no prompt-like column"), "{}", d.explain());
        let d = sniff(b"time,account,prompt,completion\n", "x.csv");
        assert!(matches!(d.format(), Some(Format::Csv(m)) if m.prompt.as_deref() == Some("prompt")));
        let d = sniff(b"request_id,api_key,startTime,model\n", "spend.csv");
        assert_eq!(d.format(), Some(&Format::LiteLlmCsv));
        let d = sniff(b"\x00\x01\x02", "x.bin");
        assert!(d.explain().contains("binary"));
        let d = sniff(b"[{\"id\":\"c\",\"title\":\"t\",\"create_time\":1.0,\"mapping\":{}}]", "conversations.json");
        assert_eq!(d.format(), Some(&Format::ChatGptExport));
    }
}
