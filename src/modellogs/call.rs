//! The normalized record every importer produces: one model API call.

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use ts_rs::TS;

/// Sampling and harvesting-relevant request parameters. Unknown parameters are kept in `extra`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[ts(rename = "CallParams")]
pub struct Params {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_p: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logprobs: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_logprobs: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_tokens: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream: Option<bool>,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub extra: Map<String, Value>,
}

impl Params {
    /// Read the usual parameter names (OpenAI, Anthropic, Bedrock, Gemini spellings) from a
    /// request object.
    pub fn from_request(req: &Value) -> Params {
        let mut p = Params::default();
        let obj = match req.as_object() {
            Some(o) => o,
            None => return p,
        };
        // Nested configs used by Bedrock / Gemini.
        let mut sources: Vec<&Map<String, Value>> = vec![obj];
        for k in ["inferenceConfig", "textGenerationConfig", "generationConfig", "generation_config", "params", "optional_params"] {
            if let Some(o) = obj.get(k).and_then(|v| v.as_object()) {
                sources.push(o);
            }
        }
        for o in sources {
            for (k, v) in o {
                match k.as_str() {
                    "temperature" => p.temperature = p.temperature.or(v.as_f64()),
                    "top_p" | "topP" => p.top_p = p.top_p.or(v.as_f64()),
                    "n" | "candidateCount" | "candidate_count" => p.n = p.n.or(v.as_u64().map(|x| x as u32)),
                    "logprobs" => {
                        p.logprobs = p.logprobs.or(v.as_bool().or_else(|| v.as_u64().map(|x| x > 0)));
                        if let Some(x) = v.as_u64() {
                            // Legacy completions: logprobs is an integer count.
                            p.top_logprobs = p.top_logprobs.or(Some(x as u32));
                        }
                    }
                    "top_logprobs" | "logprobsCount" => p.top_logprobs = p.top_logprobs.or(v.as_u64().map(|x| x as u32)),
                    "responseLogprobs" => p.logprobs = p.logprobs.or(v.as_bool()),
                    "max_tokens"
                    | "max_completion_tokens"
                    | "max_output_tokens"
                    | "maxTokens"
                    | "maxTokenCount"
                    | "maxOutputTokens"
                    | "max_tokens_to_sample"
                    | "max_gen_len" => p.max_tokens = p.max_tokens.or(v.as_u64()),
                    "seed" => p.seed = p.seed.or(v.as_i64()),
                    "stream" => p.stream = p.stream.or(v.as_bool()),
                    "presence_penalty" | "frequency_penalty" | "stop" | "stop_sequences" | "stopSequences" | "top_k" | "topK"
                    | "reasoning_effort" | "response_format" => {
                        p.extra.insert(k.clone(), v.clone());
                    }
                    _ => {}
                }
            }
        }
        p
    }
}

/// One message of the prompt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(rename = "CallMessage")]
pub struct Message {
    pub role: String,
    pub content: String,
}

/// One model API call, normalized from any supported log format.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ModelCall {
    /// RFC 3339 UTC (`2025-01-02T03:04:05Z`, fractional seconds kept when present).
    pub ts: Option<String>,
    pub account: Option<String>,
    pub api_key_id: Option<String>,
    pub user: Option<String>,
    pub ip: Option<String>,
    pub model: Option<String>,
    pub params: Params,
    pub system: Option<String>,
    pub messages: Vec<Message>,
    pub completion: Option<String>,
    pub prompt_tokens: Option<u64>,
    pub completion_tokens: Option<u64>,
    pub request_id: Option<String>,
    pub conversation_id: Option<String>,
    /// What the call cost, in US dollars, when the log says (LiteLLM's `response_cost`/`spend`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub cost: Option<f64>,
    /// The importer that read this call (`Format::name()`).
    pub format: String,
    /// 1-based line number (JSONL/CSV), or 1-based record/interaction index in a JSON document.
    pub source_line: Option<u64>,
    /// The original record, unchanged, for production.
    pub raw: Value,
}

impl ModelCall {
    pub fn new(format: &str) -> ModelCall {
        ModelCall {
            ts: None,
            account: None,
            api_key_id: None,
            user: None,
            ip: None,
            model: None,
            params: Params::default(),
            system: None,
            messages: Vec::new(),
            completion: None,
            prompt_tokens: None,
            completion_tokens: None,
            request_id: None,
            conversation_id: None,
            cost: None,
            format: format.to_string(),
            source_line: None,
            raw: Value::Null,
        }
    }

    /// The prompt flattened for search and analysis: `system: …` then one `role: content` line
    /// per message.
    pub fn prompt_text(&self) -> String {
        let mut s = String::new();
        if let Some(sys) = &self.system {
            if !sys.is_empty() {
                s.push_str("system: ");
                s.push_str(sys);
                s.push('\n');
            }
        }
        for m in &self.messages {
            s.push_str(&m.role);
            s.push_str(": ");
            s.push_str(&m.content);
            s.push('\n');
        }
        if s.ends_with('\n') {
            s.pop();
        }
        s
    }

    /// The text of the last user message (what analysis treats as "the prompt").
    pub fn last_user_text(&self) -> &str {
        self.messages
            .iter()
            .rev()
            .find(|m| m.role == "user" || m.role == "human")
            .or(self.messages.last())
            .map(|m| m.content.as_str())
            .unwrap_or("")
    }

    /// The identifying fields, named and ordered as in the canonical record (`ts` first). The
    /// one list behind both the canonical record and a model-call item's metadata, without
    /// building the whole record.
    pub fn identity(&self) -> [(&'static str, Option<&str>); 8] {
        [
            ("ts", self.ts.as_deref()),
            ("account", self.account.as_deref()),
            ("api_key_id", self.api_key_id.as_deref()),
            ("user", self.user.as_deref()),
            ("ip", self.ip.as_deref()),
            ("model", self.model.as_deref()),
            ("request_id", self.request_id.as_deref()),
            ("conversation_id", self.conversation_id.as_deref()),
        ]
    }

    /// The canonical record's `source_format`: the importer, unless it is the canonical one.
    pub fn source_format(&self) -> Option<&str> {
        (self.format != "canonical" && !self.format.is_empty()).then_some(self.format.as_str())
    }

    /// This call as one line of Exhibit canonical JSONL (docs/model-log-format.md).
    pub fn to_canonical_json(&self) -> Value {
        let mut o = Map::new();
        for (k, v) in self.identity() {
            if let Some(v) = v {
                o.insert(k.to_string(), Value::String(v.to_string()));
            }
        }
        let mut req = Map::new();
        if let Some(s) = &self.system {
            req.insert("system".into(), Value::String(s.clone()));
        }
        req.insert("messages".into(), serde_json::to_value(&self.messages).unwrap_or(Value::Null));
        let params = serde_json::to_value(&self.params).unwrap_or(Value::Null);
        if params.as_object().map(|m| !m.is_empty()).unwrap_or(false) {
            req.insert("params".into(), params);
        }
        o.insert("request".into(), Value::Object(req));
        let mut usage = Map::new();
        if let Some(t) = self.prompt_tokens {
            usage.insert("prompt_tokens".into(), json!(t));
        }
        if let Some(t) = self.completion_tokens {
            usage.insert("completion_tokens".into(), json!(t));
        }
        let mut resp = Map::new();
        if let Some(c) = &self.completion {
            resp.insert("text".into(), Value::String(c.clone()));
        }
        resp.insert("usage".into(), Value::Object(usage));
        o.insert("response".into(), Value::Object(resp));
        if let Some(f) = self.source_format() {
            o.insert("source_format".into(), Value::String(f.to_string()));
        }
        Value::Object(o)
    }
}

/// A record that could not be read. The rest of the file still imports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LineError {
    /// 1-based line number for line formats; 1-based record index for JSON documents; 0 when
    /// the whole document failed.
    pub line: u64,
    pub reason: String,
}

impl std::fmt::Display for LineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.reason)
    }
}
