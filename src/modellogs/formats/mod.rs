//! One importer per log format (see /docs/model-log-format.md and the design note).
//!
//! Line formats are streamed: a line is read, converted and handed to the sink, so a multi-GB
//! file never sits in memory. A JSON array file of the same records, or a single JSON document,
//! is loaded whole (those are small). A malformed record becomes a [`LineError`] and the rest
//! continues.

pub mod anthropic;
pub mod canonical;
pub mod cassette;
pub mod chatgpt;
pub mod claude;
pub mod common;
pub mod csvmap;
pub(crate) mod http_body;
pub mod litellm;
pub mod openai_batch;
pub mod openai_chat;
pub mod openai_responses;
pub mod otel;
pub mod sharegpt;

use std::io::BufRead;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::call::{LineError, ModelCall};
pub use common::Sink;
pub(crate) use common::{export_conversations, is_turn_list, json_doc_error, read_messages, trim_ascii};
pub use csvmap::CsvMapping;

/// Reads one JSON record as a call, or says in plain words why it cannot.
type RecordFn = fn(&Value) -> Result<ModelCall, String>;

/// Every format Exhibit reads.
// One per file (and per detection), never held in bulk: the CSV mapping's size costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "format", rename_all = "snake_case")]
pub enum Format {
    /// Exhibit canonical JSONL (docs/model-log-format.md).
    Canonical,
    /// OpenAI Chat Completions request/response pairs, JSONL or a JSON array.
    OpenAiChat,
    /// OpenAI Responses API objects (optionally with their request).
    OpenAiResponses,
    /// OpenAI Batch input JSONL alone (prompts, no completions). Use `import_batch` to join.
    OpenAiBatchInput,
    /// OpenAI Batch output JSONL alone (completions, no prompts). Use `import_batch` to join.
    OpenAiBatchOutput,
    /// Anthropic Messages request/response pairs.
    AnthropicMessages,
    /// Anthropic Message Batches results JSONL.
    AnthropicBatchResults,
    /// OpenTelemetry GenAI spans, OTLP JSON (one export request per document or per line).
    OtelSpans,
    /// LiteLLM spend logs, JSON array or JSONL.
    LiteLlm,
    /// LiteLLM spend logs exported as CSV.
    LiteLlmCsv,
    /// ChatGPT data export `conversations.json`.
    ChatGptExport,
    /// Claude data export `conversations.json`.
    ClaudeExport,
    /// ShareGPT JSON (`[{id, conversations:[{from, value}]}]`).
    ShareGpt,
    /// VCR / vcrpy YAML cassette of HTTP interactions.
    VcrCassette,
    /// Any CSV, read through a saved column mapping.
    Csv(CsvMapping),
}

impl Format {
    /// Short stable name, stored in `ModelCall::format`.
    pub fn name(&self) -> &'static str {
        match self {
            Format::Canonical => "canonical",
            Format::OpenAiChat => "openai_chat",
            Format::OpenAiResponses => "openai_responses",
            Format::OpenAiBatchInput => "openai_batch_input",
            Format::OpenAiBatchOutput => "openai_batch_output",
            Format::AnthropicMessages => "anthropic_messages",
            Format::AnthropicBatchResults => "anthropic_batch_results",
            Format::OtelSpans => "otel_genai",
            Format::LiteLlm => "litellm",
            Format::LiteLlmCsv => "litellm_csv",
            Format::ChatGptExport => "chatgpt_export",
            Format::ClaudeExport => "claude_export",
            Format::ShareGpt => "sharegpt",
            Format::VcrCassette => "vcr_cassette",
            Format::Csv(_) => "csv",
        }
    }

    /// Plain-words description for "read as …" messages.
    pub fn describe(&self) -> &'static str {
        match self {
            Format::Canonical => "Exhibit canonical JSONL",
            Format::OpenAiChat => "OpenAI Chat Completions request/response log",
            Format::OpenAiResponses => "OpenAI Responses API log",
            Format::OpenAiBatchInput => "OpenAI Batch input JSONL",
            Format::OpenAiBatchOutput => "OpenAI Batch output JSONL",
            Format::AnthropicMessages => "Anthropic Messages request/response log",
            Format::AnthropicBatchResults => "Anthropic Message Batches results",
            Format::OtelSpans => "OpenTelemetry GenAI spans (OTLP JSON)",
            Format::LiteLlm => "LiteLLM spend log (JSON)",
            Format::LiteLlmCsv => "LiteLLM spend log (CSV)",
            Format::ChatGptExport => "ChatGPT data export (conversations.json)",
            Format::ClaudeExport => "Claude data export (conversations.json)",
            Format::ShareGpt => "ShareGPT conversations",
            Format::VcrCassette => "recorded HTTP cassette (VCR YAML)",
            Format::Csv(_) => "CSV with a column mapping",
        }
    }

    /// Converter for formats made of independent JSON records.
    fn record_fn(&self) -> Option<RecordFn> {
        Some(match self {
            Format::Canonical => canonical::from_record,
            Format::OpenAiChat => openai_chat::from_record,
            Format::OpenAiResponses => openai_responses::from_record,
            Format::OpenAiBatchInput => openai_batch::from_input_record,
            Format::OpenAiBatchOutput => openai_batch::from_output_record,
            Format::AnthropicMessages | Format::AnthropicBatchResults => anthropic::from_record,
            Format::LiteLlm => litellm::from_record,
            _ => return None,
        })
    }
}

/// Import a file of `format` from `reader`, handing every call (or error) to `sink` in file
/// order. JSONL formats are read line by line. A file that yields no call and no error either
/// (an empty export, a log of nothing) gets an error record saying so: a file taken for a
/// model log is never passed over in silence.
pub fn import_stream(reader: impl BufRead, format: &Format, sink: Sink<'_>) {
    let (mut calls, mut errors) = (0u64, 0u64);
    import_stream_inner(reader, format, &mut |r| {
        match &r {
            Ok(_) => calls += 1,
            Err(_) => errors += 1,
        }
        sink(r)
    });
    if calls == 0 && errors == 0 {
        sink(Err(LineError {
            line: 0,
            reason: format!("the file was read as {}, but it holds no model calls (no request or answer in it)", format.describe()),
        }));
    }
}

fn import_stream_inner(mut reader: impl BufRead, format: &Format, sink: Sink<'_>) {
    let name = format.name();
    match format {
        Format::Csv(m) => return csvmap::import_csv(reader, m, name, sink),
        Format::LiteLlmCsv => return csvmap::import_csv(reader, &CsvMapping::litellm(), name, sink),
        _ => {}
    }
    if let Some(conv) = format.record_fn() {
        return import_records(&mut reader, conv, name, sink);
    }
    if matches!(format, Format::OtelSpans) {
        return import_docs_per_line(&mut reader, name, sink, otel::import_doc);
    }
    let mut buf = Vec::new();
    if let Err(e) = reader.read_to_end(&mut buf) {
        sink(Err(LineError { line: 0, reason: format!("could not read the file: {e}") }));
        return;
    }
    match format {
        Format::VcrCassette => cassette::import(&buf, sink),
        _ => {
            let doc: Value = match serde_json::from_slice(&buf) {
                Ok(v) => v,
                Err(e) => match json_lines(&buf, sink) {
                    // One conversation per line (ShareGPT datasets are often JSONL).
                    Some(lines) => Value::Array(lines),
                    None => {
                        sink(Err(LineError { line: 0, reason: json_doc_error(&e) }));
                        return;
                    }
                },
            };
            match format {
                Format::ChatGptExport => chatgpt::import_doc(&doc, sink),
                Format::ClaudeExport => claude::import_doc(&doc, sink),
                Format::ShareGpt => sharegpt::import_doc(&doc, sink),
                _ => unreachable!(),
            }
        }
    }
}

/// Import an OpenAI Batch job: `input` and `output` JSONL joined on `custom_id`. The output is
/// indexed first (its order is arbitrary); the input is then streamed.
pub fn import_batch(input: impl BufRead, output: impl BufRead, sink: Sink<'_>) {
    openai_batch::import_joined(input, output, sink)
}

/// A file of one JSON object per line, when its first line is one: the objects, with an error
/// record for every other line that is not. `None` when the file is not JSON lines at all.
fn json_lines(buf: &[u8], sink: Sink<'_>) -> Option<Vec<Value>> {
    let mut lines = buf.split(|b| *b == b'\n').enumerate().filter(|(_, l)| !trim_ascii(l).is_empty()).peekable();
    let first = lines.peek()?;
    if !matches!(serde_json::from_slice::<Value>(trim_ascii(first.1)), Ok(Value::Object(_))) {
        return None;
    }
    let mut out = Vec::new();
    for (i, l) in lines {
        match serde_json::from_slice::<Value>(trim_ascii(l)) {
            Ok(v) => out.push(v),
            Err(e) => sink(Err(LineError { line: i as u64 + 1, reason: format!("not a JSON record: {e}") })),
        }
    }
    Some(out)
}

fn first_non_ws(reader: &mut impl BufRead) -> Option<u8> {
    loop {
        let buf = reader.fill_buf().ok()?;
        if buf.is_empty() {
            return None;
        }
        match buf.iter().position(|b| !b.is_ascii_whitespace() && *b != 0xEF && *b != 0xBB && *b != 0xBF) {
            Some(i) => return Some(buf[i]),
            None => {
                let l = buf.len();
                reader.consume(l);
            }
        }
    }
}

/// Records either one per line (JSONL) or as a JSON array / single object document.
fn import_records(reader: &mut impl BufRead, conv: fn(&Value) -> Result<ModelCall, String>, name: &str, sink: Sink<'_>) {
    let emit = |v: Value, line: u64, sink: Sink<'_>| match conv(&v) {
        Ok(mut c) => {
            c.format = name.to_string();
            c.source_line = Some(line);
            c.raw = v;
            sink(Ok(c))
        }
        Err(reason) => sink(Err(LineError { line, reason })),
    };
    if first_non_ws(reader) == Some(b'[') {
        let mut buf = Vec::new();
        let _ = reader.read_to_end(&mut buf);
        match serde_json::from_slice::<Vec<Value>>(&buf) {
            Ok(items) => {
                for (i, v) in items.into_iter().enumerate() {
                    emit(v, i as u64 + 1, sink);
                }
            }
            Err(e) => sink(Err(LineError { line: 0, reason: json_doc_error(&e) })),
        }
        return;
    }
    let mut buf = Vec::with_capacity(8192);
    let mut line: u64 = 0;
    loop {
        buf.clear();
        match reader.read_until(b'\n', &mut buf) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) => {
                sink(Err(LineError { line: line + 1, reason: format!("read error: {e}") }));
                break;
            }
        }
        line += 1;
        let t = trim_ascii(&buf);
        if t.is_empty() {
            continue;
        }
        match serde_json::from_slice::<Value>(t) {
            Ok(v) => emit(v, line, sink),
            Err(e) => {
                if line == 1 && t.starts_with(b"{") && e.is_eof() {
                    // A pretty-printed single JSON object: read the whole document.
                    let mut rest = t.to_vec();
                    let _ = reader.read_to_end(&mut rest);
                    match serde_json::from_slice::<Value>(&rest) {
                        Ok(v) => emit(v, 1, sink),
                        Err(e) => sink(Err(LineError { line: 0, reason: json_doc_error(&e) })),
                    }
                    return;
                }
                sink(Err(LineError { line, reason: format!("not a JSON record: {e}") }))
            }
        }
    }
}

/// JSON documents, one per line, or one pretty-printed document for the whole file.
fn import_docs_per_line(reader: &mut impl BufRead, _name: &str, sink: Sink<'_>, f: fn(&Value, u64, Sink<'_>)) {
    let mut all = Vec::new();
    let _ = reader.read_to_end(&mut all);
    if let Ok(v) = serde_json::from_slice::<Value>(&all) {
        return f(&v, 1, sink);
    }
    for (i, l) in all.split(|b| *b == b'\n').enumerate() {
        let t = trim_ascii(l);
        if t.is_empty() {
            continue;
        }
        match serde_json::from_slice::<Value>(t) {
            Ok(v) => f(&v, i as u64 + 1, sink),
            Err(e) => sink(Err(LineError { line: i as u64 + 1, reason: format!("not a JSON document: {e}") })),
        }
    }
}
