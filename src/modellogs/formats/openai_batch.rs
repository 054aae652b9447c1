//! OpenAI Batch API: input lines `{custom_id, method, url, body}` and output lines
//! `{id, custom_id, response: {status_code, request_id, body}, error}`, joined on `custom_id`.

use std::collections::HashMap;
use std::io::BufRead;

use serde_json::Value;

use super::{openai_chat, openai_responses, trim_ascii, Sink};
use crate::modellogs::call::{LineError, ModelCall, Params};
use crate::modellogs::util::str_field;

pub fn from_input_record(v: &Value) -> Result<ModelCall, String> {
    let id = str_field(v, "custom_id").ok_or("batch input line has no `custom_id`")?;
    let body = v.get("body").filter(|b| b.is_object()).ok_or("batch input line has no `body` object")?;
    let url = v.get("url").and_then(|u| u.as_str()).unwrap_or("/v1/chat/completions");
    let mut c = ModelCall::new("openai_batch_input");
    if url.contains("responses") {
        openai_responses::apply_request(&mut c, body);
    } else {
        let (sys, msgs) = super::read_messages(body.get("messages"));
        c.system = sys;
        c.messages = msgs;
        c.params = Params::from_request(body);
        c.model = str_field(body, "model");
        c.user = str_field(body, "user");
    }
    c.conversation_id = Some(id);
    Ok(c)
}

pub fn from_output_record(v: &Value) -> Result<ModelCall, String> {
    let id = str_field(v, "custom_id").ok_or("batch output line has no `custom_id`")?;
    let mut c = ModelCall::new("openai_batch_output");
    c.conversation_id = Some(id);
    apply_output(&mut c, v);
    Ok(c)
}

fn apply_output(c: &mut ModelCall, v: &Value) {
    let resp = v.get("response").filter(|r| r.is_object());
    if let Some(resp) = resp {
        c.request_id = str_field(resp, "request_id");
        if let Some(body) = resp.get("body").filter(|b| b.is_object()) {
            let rid = c.request_id.clone();
            if body.get("output").is_some() {
                openai_responses::apply_response(c, body);
            } else {
                openai_chat::apply_chat_response(c, body);
            }
            // The batch request id is the traceable one; the completion id is kept in raw.
            if rid.is_some() {
                c.request_id = rid;
            }
        }
    }
}

/// Join input and output on custom_id. Output lines are indexed first (order is arbitrary);
/// the input is streamed. Outputs without an input are reported as errors; inputs without an
/// output import with no completion.
pub fn import_joined(mut input: impl BufRead, output: impl BufRead, sink: Sink<'_>) {
    let mut outputs: HashMap<String, (u64, Value)> = HashMap::new();
    for (i, l) in output.split(b'\n').enumerate() {
        let line = i as u64 + 1;
        let l = match l {
            Ok(l) => l,
            Err(e) => {
                sink(Err(LineError { line, reason: format!("output file: read error {e}") }));
                break;
            }
        };
        let t = trim_ascii(&l);
        if t.is_empty() {
            continue;
        }
        match serde_json::from_slice::<Value>(t) {
            Ok(v) => match str_field(&v, "custom_id") {
                Some(id) => {
                    outputs.insert(id, (line, v));
                }
                None => sink(Err(LineError { line, reason: "output file: line has no `custom_id`".into() })),
            },
            Err(e) => sink(Err(LineError { line, reason: format!("output file: not a JSON record: {e}") })),
        }
    }
    let mut buf = Vec::new();
    let mut line = 0u64;
    loop {
        buf.clear();
        match input.read_until(b'\n', &mut buf) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        line += 1;
        let t = trim_ascii(&buf);
        if t.is_empty() {
            continue;
        }
        let v: Value = match serde_json::from_slice(t) {
            Ok(v) => v,
            Err(e) => {
                sink(Err(LineError { line, reason: format!("input file: not a JSON record: {e}") }));
                continue;
            }
        };
        match from_input_record(&v) {
            Ok(mut c) => {
                c.format = "openai_batch".into();
                c.source_line = Some(line);
                let id = c.conversation_id.clone().unwrap_or_default();
                let out = outputs.remove(&id);
                if let Some((_, o)) = &out {
                    apply_output(&mut c, o);
                    if let Some(err) = o.get("error").filter(|e| !e.is_null()) {
                        c.params.extra.insert("batch_error".into(), err.clone());
                    }
                }
                c.raw = serde_json::json!({"input": v, "output": out.map(|x| x.1)});
                sink(Ok(c))
            }
            Err(reason) => sink(Err(LineError { line, reason: format!("input file: {reason}") })),
        }
    }
    let mut left: Vec<_> = outputs.into_iter().collect();
    left.sort_by_key(|(_, (l, _))| *l);
    for (id, (l, _)) in left {
        sink(Err(LineError { line: l, reason: format!("output file: custom_id `{id}` has no matching input line") }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn join_out_of_order() {
        let input = "{\"custom_id\":\"a\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"qa\"}],\"n\":2}}\n{\"custom_id\":\"b\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"qb\"}]}}\n";
        let output = "{\"id\":\"batch_req_2\",\"custom_id\":\"b\",\"response\":{\"status_code\":200,\"request_id\":\"r2\",\"body\":{\"id\":\"c2\",\"created\":1700000000,\"choices\":[{\"index\":0,\"message\":{\"content\":\"ab\"}}],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":4}}},\"error\":null}\n{\"id\":\"batch_req_1\",\"custom_id\":\"a\",\"response\":{\"status_code\":200,\"request_id\":\"r1\",\"body\":{\"id\":\"c1\",\"created\":1700000001,\"choices\":[{\"index\":0,\"message\":{\"content\":\"aa\"}}],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":2}}},\"error\":null}\n{\"custom_id\":\"zz\",\"response\":null}\n";
        let mut got = vec![];
        import_joined(input.as_bytes(), output.as_bytes(), &mut |r| got.push(r));
        let calls: Vec<_> = got.iter().filter_map(|r| r.as_ref().ok()).collect();
        assert_eq!(calls.len(), 2);
        assert_eq!(calls[0].completion.as_deref(), Some("aa"));
        assert_eq!(calls[0].params.n, Some(2));
        assert_eq!(calls[1].completion.as_deref(), Some("ab"));
        assert_eq!(calls[1].request_id.as_deref(), Some("r2"));
        let errs: Vec<_> = got.iter().filter_map(|r| r.as_ref().err()).collect();
        assert_eq!(errs.len(), 1);
        assert!(errs[0].reason.contains("zz"));
    }
}
