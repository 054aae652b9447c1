//! CSV read through a column mapping. The mapping is plain data (serde), so a user maps the
//! columns once and the mapping is saved with the matter and reused.

use std::io::BufRead;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::Sink;
use crate::modellogs::call::{LineError, Message, ModelCall};
use crate::modellogs::util::normalize_ts_str;

/// Which column holds which field. Column names are matched exactly (after trimming), falling
/// back to case-insensitive.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CsvMapping {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ts: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    /// The prompt column: plain text (one user message) or a JSON messages array.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completion: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt_tokens: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completion_tokens: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_tokens: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<String>,
    #[serde(default = "comma")]
    pub delimiter: char,
    /// Rows are LiteLLM spend-log rows: every column is handed to the LiteLLM reader.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub litellm: bool,
}

fn comma() -> char {
    ','
}

impl CsvMapping {
    /// The column mapping LiteLLM CSV exports use (their rows are read as LiteLLM records).
    pub fn litellm() -> CsvMapping {
        CsvMapping { litellm: true, ..CsvMapping::default() }
    }

    /// A best guess from header names (`prompt`, `input`, `completion`, `output`, `timestamp`…),
    /// for the user to confirm. None when no prompt-like column exists.
    pub fn guess(headers: &[String]) -> Option<CsvMapping> {
        let find =
            |names: &[&str]| -> Option<String> { headers.iter().find(|h| names.iter().any(|n| h.trim().eq_ignore_ascii_case(n))).cloned() };
        let prompt = find(&["prompt", "input", "question", "messages", "request", "user_message", "query"])?;
        Some(CsvMapping {
            ts: find(&["ts", "timestamp", "time", "created_at", "date", "datetime"]),
            account: find(&["account", "account_id", "org", "organization", "customer", "team_id"]),
            api_key_id: find(&["api_key_id", "api_key", "key", "key_id"]),
            user: find(&["user", "user_id", "end_user"]),
            ip: find(&["ip", "ip_address", "client_ip", "requester_ip_address"]),
            model: find(&["model", "model_name"]),
            system: find(&["system", "system_prompt"]),
            prompt: Some(prompt),
            completion: find(&["completion", "output", "response", "answer", "assistant_message"]),
            prompt_tokens: find(&["prompt_tokens", "input_tokens"]),
            completion_tokens: find(&["completion_tokens", "output_tokens"]),
            request_id: find(&["request_id", "id"]),
            conversation_id: find(&["conversation_id", "session_id"]),
            temperature: find(&["temperature"]),
            max_tokens: find(&["max_tokens"]),
            n: find(&["n"]),
            delimiter: ',',
            litellm: false,
        })
    }
}

pub fn import_csv(reader: impl BufRead, m: &CsvMapping, format: &str, sink: Sink<'_>) {
    let mut rdr = csv::ReaderBuilder::new().delimiter(m.delimiter as u8).flexible(true).from_reader(reader);
    let headers: Vec<String> = match rdr.headers() {
        Ok(h) => h.iter().map(|s| s.trim().trim_start_matches('\u{feff}').to_string()).collect(),
        Err(e) => {
            sink(Err(LineError { line: 1, reason: format!("could not read the CSV header: {e}") }));
            return;
        }
    };
    let col = |name: &Option<String>| -> Option<usize> {
        let n = name.as_ref()?;
        headers.iter().position(|h| h == n).or_else(|| headers.iter().position(|h| h.eq_ignore_ascii_case(n)))
    };
    if !m.litellm && col(&m.prompt).is_none() {
        sink(Err(LineError { line: 1, reason: format!("the mapped prompt column {:?} is not in the header {:?}", m.prompt, headers) }));
        return;
    }
    let idx = [
        col(&m.ts),
        col(&m.account),
        col(&m.api_key_id),
        col(&m.user),
        col(&m.ip),
        col(&m.model),
        col(&m.system),
        col(&m.prompt),
        col(&m.completion),
        col(&m.prompt_tokens),
        col(&m.completion_tokens),
        col(&m.request_id),
        col(&m.conversation_id),
        col(&m.temperature),
        col(&m.max_tokens),
        col(&m.n),
    ];
    let mut rec = csv::StringRecord::new();
    loop {
        match rdr.read_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                sink(Err(LineError { line, reason: format!("CSV error: {e}") }));
                if e.is_io_error() {
                    break;
                }
                continue;
            }
        }
        let line = rec.position().map(|p| p.line()).unwrap_or(0);
        let mut raw = Map::new();
        for (h, v) in headers.iter().zip(rec.iter()) {
            raw.insert(h.clone(), Value::String(v.to_string()));
        }
        let raw = Value::Object(raw);
        if m.litellm {
            match super::litellm::from_record(&raw) {
                Ok(mut c) => {
                    c.format = format.into();
                    c.source_line = Some(line);
                    c.raw = raw;
                    sink(Ok(c));
                }
                Err(reason) => sink(Err(LineError { line, reason })),
            }
            continue;
        }
        let get = |i: usize| idx[i].and_then(|c| rec.get(c)).map(str::trim).filter(|s| !s.is_empty());
        let mut c = ModelCall::new(format);
        c.source_line = Some(line);
        if let Some(t) = get(0) {
            match normalize_ts_str(t) {
                Some(t) => c.ts = Some(t),
                None => {
                    sink(Err(LineError { line, reason: format!("timestamp column has {t:?}, which is not a date and time") }));
                    continue;
                }
            }
        }
        c.account = get(1).map(str::to_string);
        c.api_key_id = get(2).map(str::to_string);
        c.user = get(3).map(str::to_string);
        c.ip = get(4).map(str::to_string);
        c.model = get(5).map(str::to_string);
        c.system = get(6).map(str::to_string);
        let prompt = get(7).unwrap_or("");
        let parsed = prompt.starts_with('[').then(|| serde_json::from_str::<Value>(prompt).ok()).flatten();
        match parsed {
            Some(v @ Value::Array(_)) => {
                let (sys, msgs) = super::read_messages(Some(&v));
                c.system = c.system.or(sys);
                c.messages = msgs;
            }
            _ => c.messages = vec![Message { role: "user".into(), content: prompt.to_string() }],
        }
        c.completion = get(8).map(str::to_string);
        let num = |i: usize| get(i).and_then(|s| s.parse::<f64>().ok());
        c.prompt_tokens = num(9).map(|x| x as u64);
        c.completion_tokens = num(10).map(|x| x as u64);
        c.request_id = get(11).map(str::to_string);
        c.conversation_id = get(12).map(str::to_string);
        c.params.temperature = num(13);
        c.params.max_tokens = num(14).map(|x| x as u64);
        c.params.n = num(15).map(|x| x as u32);
        c.raw = raw;
        sink(Ok(c));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn mapped_and_saved() {
        let data = "when,who,q,a,pt\n2025-01-01 00:00:00,acme,hello,world,3\nbad-date,acme,x,y,1\n";
        let m = CsvMapping::guess(&["when".into(), "who".into(), "q".into()]);
        assert!(m.is_none(), "no prompt-like header");
        let m = CsvMapping {
            ts: Some("when".into()),
            account: Some("who".into()),
            prompt: Some("q".into()),
            completion: Some("a".into()),
            prompt_tokens: Some("pt".into()),
            delimiter: ',',
            ..Default::default()
        };
        let saved = serde_json::to_string(&m).unwrap();
        let m2: CsvMapping = serde_json::from_str(&saved).unwrap();
        assert_eq!(m, m2);
        let mut out = vec![];
        import_csv(data.as_bytes(), &m2, "csv", &mut |r| out.push(r));
        assert_eq!(out.len(), 2);
        let c = out[0].as_ref().unwrap();
        assert_eq!((c.account.as_deref(), c.completion.as_deref(), c.prompt_tokens), (Some("acme"), Some("world"), Some(3)));
        assert_eq!(out[1].as_ref().unwrap_err().line, 3);
    }
}
