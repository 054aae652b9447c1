//! Model logs as they are found in the wild (tests/fixtures/modellogs-wild, sources in its
//! README): compressed and pre-parsed cassettes, an AWS event stream, Cohere v2, guarded
//! Bedrock prompts, a LiteLLM StandardLoggingPayload, wrapped exports, single-object ShareGPT.
//! Every call must come through with the prompt, the completion, the model that answered and
//! the token counts that an independent reading of the same files finds — a reading made here
//! with the decoders directly (yaml, base64, flate2, brotli, zstd, a frame walk of our own),
//! never through the importers. Files that cannot be read must leave error records.

use crate::common;

use std::io::Read;
use std::path::{Path, PathBuf};

use base64::Engine;
use exhibit::modellogs::{import_path, ModelCall};
use serde_json::{json, Value};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/modellogs-wild")
}

fn fixture_files() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(fixtures())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "json"))
        .collect();
    v.sort();
    v
}

/// What a call must hold, as read here.
#[derive(Debug, Clone, PartialEq)]
struct Expected {
    prompt: String,
    completion: Option<String>,
    model: Option<String>,
    prompt_tokens: Option<u64>,
    completion_tokens: Option<u64>,
}

fn yaml(path: &Path) -> Value {
    let y: yaml_serde::Value = yaml_serde::from_slice(&std::fs::read(path).unwrap()).unwrap();
    yaml_json(y)
}

/// YAML to JSON, `!!binary` scalars as their decoded bytes in `{"bytes": [...]}`.
fn yaml_json(v: yaml_serde::Value) -> Value {
    use yaml_serde::Value as Y;
    match v {
        Y::Null => Value::Null,
        Y::Bool(b) => json!(b),
        Y::Number(n) => n.as_u64().map(|u| json!(u)).or_else(|| n.as_i64().map(|i| json!(i))).unwrap_or_else(|| json!(n.as_f64())),
        Y::String(s) => json!(s),
        Y::Sequence(s) => Value::Array(s.into_iter().map(yaml_json).collect()),
        Y::Mapping(m) => Value::Object(m.into_iter().map(|(k, v)| (k.as_str().unwrap_or_default().to_string(), yaml_json(v))).collect()),
        Y::Tagged(t) => {
            let binary = t.tag.to_string().ends_with("binary");
            match (binary, yaml_json(t.value)) {
                (true, Value::String(s)) => {
                    let clean: String = s.split_whitespace().collect();
                    json!({ "bytes": base64::engine::general_purpose::STANDARD.decode(clean).unwrap_or_default() })
                }
                (_, other) => other,
            }
        }
    }
}

fn header<'a>(msg: &'a Value, name: &str) -> Option<&'a str> {
    msg["headers"].as_object()?.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).and_then(|(_, v)| v[0].as_str().or(v.as_str()))
}

/// The body of a recorded request/response as bytes, content encoding undone; `None` if it
/// cannot be decoded.
fn body_bytes(msg: &Value) -> Option<Vec<u8>> {
    if !msg["parsed_body"].is_null() {
        return Some(serde_json::to_vec(&msg["parsed_body"]).unwrap());
    }
    let b = if msg["body"]["string"].is_null() { &msg["body"] } else { &msg["body"]["string"] };
    // vcrpy writes binary bodies as `!!binary` base64, which the YAML reader hands over as
    // text: compressed bodies and AWS event streams are such bodies.
    let binary = header(msg, "content-encoding").is_some() || header(msg, "content-type").is_some_and(|t| t.contains("amazon.eventstream"));
    let raw: Vec<u8> = match b {
        Value::String(s) if binary => base64::engine::general_purpose::STANDARD.decode(s.split_whitespace().collect::<String>()).ok()?,
        Value::String(s) => s.clone().into_bytes(),
        Value::Object(o) if o.contains_key("bytes") => o["bytes"].as_array().unwrap().iter().map(|x| x.as_u64().unwrap() as u8).collect(),
        _ => return None,
    };
    let mut out = Vec::new();
    match header(msg, "content-encoding") {
        Some("gzip") => flate2::read::GzDecoder::new(&raw[..]).read_to_end(&mut out).ok()?,
        Some("deflate") => flate2::read::ZlibDecoder::new(&raw[..]).read_to_end(&mut out).ok()?,
        Some("br") => brotli_decompressor::Decompressor::new(&raw[..], 4096).read_to_end(&mut out).ok()?,
        Some("zstd") => return zstd::stream::decode_all(&raw[..]).ok(),
        _ => return Some(raw),
    };
    Some(out)
}

/// The JSON payloads of an AWS event stream: each frame is 4 bytes total length, 4 bytes
/// headers length, 4 bytes prelude CRC, headers, payload, 4 bytes CRC.
fn event_payloads(b: &[u8]) -> Vec<Value> {
    let mut out = Vec::new();
    let mut p = 0;
    while p + 12 <= b.len() {
        let total = u32::from_be_bytes(b[p..p + 4].try_into().unwrap()) as usize;
        let hlen = u32::from_be_bytes(b[p + 4..p + 8].try_into().unwrap()) as usize;
        out.push(serde_json::from_slice(&b[p + 12 + hlen..p + total - 4]).unwrap());
        p += total;
    }
    out
}

/// Text of the last user message of a request, across the shapes in the fixtures (string
/// content, `[{text}]`, `[{guardContent: {text: {text}}}]`).
fn last_user(messages: &Value) -> String {
    // A request of a system prompt alone has no user text.
    let Some(m) = messages.as_array().unwrap().iter().rev().find(|m| m["role"] == "user") else { return String::new() };
    match &m["content"] {
        Value::String(s) => s.clone(),
        Value::Array(parts) => {
            parts.iter().filter_map(|p| p["text"].as_str().or(p["guardContent"]["text"]["text"].as_str())).collect::<Vec<_>>().join("\n")
        }
        _ => panic!("content {m}"),
    }
}

fn cassette_expected(path: &Path) -> Vec<Expected> {
    let doc = yaml(path);
    let mut out = Vec::new();
    for it in doc["interactions"].as_array().unwrap() {
        let (req, resp) = (&it["request"], &it["response"]);
        let req_body: Value = serde_json::from_slice(&body_bytes(req).unwrap()).unwrap();
        let uri = req["uri"].as_str().unwrap();
        let uri_model = uri.split("/model/").nth(1).map(|r| r.split('/').next().unwrap().replace("%3A", ":"));
        let body = body_bytes(resp).expect("fixture bodies decode");
        let mut e = Expected {
            prompt: last_user(&req_body["messages"]),
            completion: None,
            model: None,
            prompt_tokens: None,
            completion_tokens: None,
        };
        let ctype = header(resp, "content-type").unwrap_or("");
        if ctype.contains("amazon.eventstream") {
            let mut text = String::new();
            for ev in event_payloads(&body) {
                if let Some(t) = ev["delta"]["text"].as_str() {
                    text.push_str(t);
                }
                if !ev["usage"].is_null() {
                    e.prompt_tokens = ev["usage"]["inputTokens"].as_u64();
                    e.completion_tokens = ev["usage"]["outputTokens"].as_u64();
                }
            }
            e.completion = Some(text);
            e.model = uri_model;
        } else if ctype.contains("event-stream") {
            let mut text = String::new();
            for line in String::from_utf8(body).unwrap().lines() {
                let Some(data) = line.strip_prefix("data: ") else { continue };
                let ev: Value = serde_json::from_str(data).unwrap();
                match ev["type"].as_str().unwrap() {
                    "message_start" => {
                        e.model = ev["message"]["model"].as_str().map(str::to_string);
                        e.prompt_tokens = ev["message"]["usage"]["input_tokens"].as_u64();
                    }
                    "content_block_delta" => text.push_str(ev["delta"]["text"].as_str().unwrap()),
                    "message_delta" => e.completion_tokens = ev["usage"]["output_tokens"].as_u64(),
                    _ => {}
                }
            }
            e.completion = Some(text);
        } else {
            let r: Value = serde_json::from_slice(&body).unwrap();
            if let Some(choices) = r["choices"].as_array() {
                let first = choices.iter().find(|c| c["index"] == 0).unwrap();
                e.completion = first["message"]["content"].as_str().map(str::to_string);
                e.prompt_tokens = r["usage"]["prompt_tokens"].as_u64();
                e.completion_tokens = r["usage"]["completion_tokens"].as_u64();
            } else if r["message"]["content"].is_array() {
                // Cohere v2: the model's own token counts, not the billed units.
                e.completion = Some(r["message"]["content"].as_array().unwrap().iter().map(|p| p["text"].as_str().unwrap()).collect());
                e.prompt_tokens = r["usage"]["tokens"]["input_tokens"].as_u64();
                e.completion_tokens = r["usage"]["tokens"]["output_tokens"].as_u64();
            } else {
                // Bedrock Converse.
                e.completion =
                    Some(r["output"]["message"]["content"].as_array().unwrap().iter().map(|p| p["text"].as_str().unwrap()).collect());
                e.prompt_tokens = r["usage"]["inputTokens"].as_u64();
                e.completion_tokens = r["usage"]["outputTokens"].as_u64();
            }
            e.model = r["model"].as_str().map(str::to_string).or_else(|| req_body["model"].as_str().map(str::to_string)).or(uri_model);
        }
        out.push(e);
    }
    out
}

fn json_expected(path: &Path) -> Vec<Expected> {
    let doc: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let none = |prompt: String, completion: String, model: Option<String>| Expected {
        prompt,
        completion: Some(completion),
        model,
        prompt_tokens: None,
        completion_tokens: None,
    };
    let mut out = Vec::new();
    if doc.get("startTime").is_some() {
        // LiteLLM StandardLoggingPayload.
        out.push(Expected {
            prompt: last_user(&doc["messages"]),
            completion: doc["response"]["choices"][0]["message"]["content"].as_str().map(str::to_string),
            model: doc["response"]["model"].as_str().map(str::to_string),
            prompt_tokens: doc["prompt_tokens"].as_u64(),
            completion_tokens: doc["completion_tokens"].as_u64(),
        });
        return out;
    }
    let convs: Vec<Value> = match &doc {
        Value::Array(a) => a.clone(),
        Value::Object(o) if o["conversations"][0].get("from").is_some() => vec![doc.clone()],
        Value::Object(o) => o["conversations"].as_array().unwrap().clone(),
        _ => panic!(),
    };
    for c in convs {
        if let Some(turns) = c["conversations"].as_array() {
            let mut last = String::new();
            for t in turns {
                match t["from"].as_str().unwrap() {
                    "gpt" => out.push(none(last.clone(), t["value"].as_str().unwrap().into(), None)),
                    _ => last = t["value"].as_str().unwrap().into(),
                }
            }
        } else if let Some(msgs) = c["chat_messages"].as_array() {
            let mut last = String::new();
            for m in msgs {
                match m["sender"].as_str().unwrap() {
                    "assistant" => out.push(none(last.clone(), m["text"].as_str().unwrap().into(), None)),
                    _ => last = m["text"].as_str().unwrap().into(),
                }
            }
        } else {
            // ChatGPT: every assistant node, its prompt the user node above it.
            let mapping = c["mapping"].as_object().unwrap();
            let mut nodes: Vec<&Value> = mapping.values().filter(|n| n["message"]["author"]["role"] == "assistant").collect();
            nodes.sort_by(|a, b| a["message"]["create_time"].as_f64().partial_cmp(&b["message"]["create_time"].as_f64()).unwrap());
            for n in nodes {
                let parent = &mapping[n["parent"].as_str().unwrap()];
                let text = |m: &Value| {
                    m["content"]["parts"].as_array().unwrap().iter().map(|p| p.as_str().unwrap()).collect::<Vec<_>>().join("\n")
                };
                out.push(none(
                    text(&parent["message"]),
                    text(&n["message"]),
                    n["message"]["metadata"]["model_slug"].as_str().map(str::to_string),
                ));
            }
        }
    }
    out
}

fn import(path: &Path) -> (Vec<ModelCall>, Vec<exhibit::modellogs::LineError>) {
    let (mut calls, mut errs) = (vec![], vec![]);
    import_path(path, &mut |r| match r {
        Ok(c) => calls.push(c),
        Err(e) => errs.push(e),
    })
    .unwrap_or_else(|d| panic!("{}: {}", path.display(), d.explain()));
    (calls, errs)
}

#[test]
fn every_wild_log_imports_as_an_independent_reading_says() {
    let mut checked = 0;
    for path in fixture_files() {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if name.starts_with("broken_") {
            continue;
        }
        let expected = if name.ends_with(".yaml") { cassette_expected(&path) } else { json_expected(&path) };
        let (calls, errs) = import(&path);
        assert!(errs.is_empty(), "{name}: {errs:?}");
        assert_eq!(calls.len(), expected.len(), "{name}: calls");
        for (c, e) in calls.iter().zip(&expected) {
            let got = Expected {
                prompt: c.last_user_text().to_string(),
                completion: c.completion.clone(),
                model: c.model.clone(),
                prompt_tokens: c.prompt_tokens,
                completion_tokens: c.completion_tokens,
            };
            assert_eq!(&got, e, "{name}");
            assert!(e.completion.as_deref().is_some_and(|t| !t.is_empty()), "{name}: the fixture has an answer");
            checked += 1;
        }
        eprintln!("{name}: {} call(s) as expected ({})", calls.len(), calls[0].format);
    }
    assert!(checked >= 20, "{checked}");
}

/// What the importers take from the fixtures beyond prompt and answer: the served model over
/// the requested one, LiteLLM's own fields, wrapped exports' identities.
#[test]
fn fields_beyond_the_text() {
    let f = fixtures();
    let (calls, _) = import(&f.join("anthropic_sse_served_model.yaml"));
    assert_eq!(calls[0].model.as_deref(), Some("claude-sonnet-4-5-20250929"), "the model that answered, not the alias asked for");
    assert_eq!(calls[0].request_id.as_deref(), Some("msg_018E1hg8GoVTGEKQY3ovMcSJ"));

    let (calls, _) = import(&f.join("litellm_standard_logging_payload.json"));
    let c = &calls[0];
    assert_eq!(c.format, "litellm");
    assert_eq!(c.ts.as_deref(), Some("2025-01-24T09:20:46.847371Z"), "LiteLLM's startTime, not the response's created");
    assert!(c.cost.is_some_and(|x| (x - 0.000225).abs() < 1e-12), "{:?}", c.cost);
    assert_eq!(c.request_id.as_deref(), Some("chatcmpl-2299b6a2-82a3-465a-b47c-04e685a2227f"));

    let (calls, _) = import(&f.join("openai_chat_gzip.yaml"));
    assert_eq!(calls[0].account.as_deref(), Some("datadog-4"));
    assert_eq!(calls[0].request_id.as_deref(), Some("chatcmpl-76n5heroUX66dt3wGtwp0tFFedLLu"));
    assert_eq!((calls[0].params.n, calls[0].params.top_p), (Some(2), Some(0.9)));

    let (calls, _) = import(&f.join("openai_chat_zstd.yaml"));
    assert_eq!(calls[0].system.as_deref(), Some("You are a potato."));

    let (calls, _) = import(&f.join("bedrock_converse_guard_content.yaml"));
    assert_eq!(calls[0].system.as_deref(), Some("Answer from the source only."));
    assert!(calls[0].prompt_text().contains("The Eiffel Tower is 330 metres tall."), "the guarded grounding source is part of the prompt");

    let (calls, _) = import(&f.join("chatgpt_export_wrapped.json"));
    assert_eq!(calls.iter().map(|c| c.raw["on_current_branch"].as_bool().unwrap()).collect::<Vec<_>>(), [false, true]);
    let (calls, _) = import(&f.join("claude_export_wrapped.json"));
    assert_eq!(calls[0].account.as_deref(), Some("acct-7d2e9c40"));
}

#[test]
fn unreadable_logs_leave_error_records_saying_why() {
    let f = fixtures();
    let (calls, errs) = import(&f.join("broken_gzip_truncated.yaml"));
    // The call stays (its prompt was readable); the lost answer is an error record.
    assert_eq!(calls.len(), 1);
    assert!(calls[0].completion.is_none());
    assert_eq!(calls[0].last_user_text(), "Where was it played?");
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(errs[0].reason.contains("gzip") && errs[0].reason.contains("could not be decompressed"), "{}", errs[0].reason);

    let (calls, errs) = import(&f.join("broken_empty_cassette.yaml"));
    assert!(calls.is_empty());
    assert!(errs.len() == 1 && errs[0].reason.contains("no HTTP exchanges"), "{errs:?}");

    // An export that holds nothing.
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("conversations.json");
    std::fs::write(&empty, r#"{"conversations": [{"id": "c", "title": "t", "create_time": 1.0, "mapping": {}}]}"#).unwrap();
    let (calls, errs) = import(&empty);
    assert!(calls.is_empty());
    assert!(errs.len() == 1 && errs[0].reason.contains("holds no model calls"), "{errs:?}");

    // A damaged AWS event stream: one byte of a frame changed.
    let mut doc = std::fs::read_to_string(f.join("bedrock_converse_stream.yaml")).unwrap();
    let at = doc.find("dEJsb2NrRGVsdGEN").unwrap();
    doc.replace_range(at..at + 1, "e");
    let damaged = dir.path().join("damaged.yaml");
    std::fs::write(&damaged, doc).unwrap();
    let (calls, errs) = import(&damaged);
    assert_eq!(calls.len(), 1);
    assert!(calls[0].completion.is_none());
    assert!(errs.len() == 1 && errs[0].reason.contains("AWS event stream") && errs[0].reason.contains("checksum"), "{errs:?}");
}

/// The fixture folder through a matter: every call an item, the broken files error records.
#[test]
fn the_folder_ingests_with_every_call_and_every_failure_recorded() {
    let tmp = tempfile::tempdir().unwrap();
    let mut m = exhibit::Matter::create(tmp.path().join("m"), "wild").unwrap();
    let s = common::ingest(&mut m, &fixtures(), "Wild");
    let mut expected_calls = 0;
    for path in fixture_files() {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if !name.starts_with("broken_") {
            expected_calls += if name.ends_with(".yaml") { cassette_expected(&path).len() } else { json_expected(&path).len() };
        }
    }
    let db = tmp.path().join("m");
    assert_eq!(
        common::count(&db, "SELECT COUNT(*) FROM model_call") as usize,
        expected_calls + 1,
        "every call, and the truncated one kept with its prompt"
    );
    let errors: Vec<(String, String)> = {
        let conn = rusqlite::Connection::open(db.join("exhibit.db")).unwrap();
        let mut st = conn.prepare("SELECT path, reason FROM ingest_error ORDER BY path").unwrap();
        st.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(Result::unwrap).collect()
    };
    assert_eq!(s.errors as usize, errors.len());
    for broken in ["broken_empty_cassette.yaml", "broken_gzip_truncated.yaml"] {
        assert!(errors.iter().any(|(p, r)| p.ends_with(broken) && !r.is_empty()), "{broken}: {errors:?}");
    }
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(m.verify().unwrap().ok);
    // A second ingest of the same folder adds nothing.
    let again = common::ingest(&mut m, &fixtures(), "Wild");
    assert_eq!(again.items_added, 0);
}

/// Two conversations with the same answers to different prompts (FastChat's data, ids
/// removed, as many ShareGPT datasets ship): four calls, not two.
#[test]
fn the_same_answer_to_different_prompts_is_two_calls() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::copy(fixtures().join("sharegpt_same_answer_no_ids.json"), src.join("sharegpt.json")).unwrap();
    let mut m = exhibit::Matter::create(tmp.path().join("m"), "t").unwrap();
    common::ingest(&mut m, &src, "Data");
    let db = tmp.path().join("m");
    assert_eq!(common::count(&db, "SELECT COUNT(*) FROM model_call"), 4);
    assert_eq!(common::count(&db, "SELECT COUNT(DISTINCT i.sha256) FROM model_call c JOIN item i ON i.id = c.item_id"), 4);
    // The same file again, for another custodian: the same four calls, with a second location.
    let other = tmp.path().join("other");
    std::fs::create_dir_all(&other).unwrap();
    std::fs::copy(src.join("sharegpt.json"), other.join("copy.json")).unwrap();
    let s = common::ingest(&mut m, &other, "Copy");
    assert_eq!(common::count(&db, "SELECT COUNT(*) FROM model_call"), 4);
    assert_eq!(s.duplicates, 5, "the log and its four calls");
    assert!(m.verify().unwrap().ok);
}

/// The analysis accounts for every call: calls whose log names no account are the
/// "(no account)" group (never flagged), and the report says what each grouping leaves out.
#[test]
fn the_analysis_accounts_for_calls_without_an_account() {
    use exhibit::modellogs::GroupBy;
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    std::fs::create_dir_all(&src).unwrap();
    for f in ["sharegpt_same_answer_no_ids.json", "claude_export_wrapped.json", "openai_chat_gzip.yaml"] {
        std::fs::copy(fixtures().join(f), src.join(f)).unwrap();
    }
    let mut m = exhibit::Matter::create(tmp.path().join("m"), "t").unwrap();
    common::ingest(&mut m, &src, "Data");
    let report = m.analyze_calls(GroupBy::Account, None).unwrap();
    // 4 ShareGPT calls with no account, 1 Claude call (its account), 1 OpenAI call (its organization).
    assert_eq!(report.calls, 6);
    assert_eq!(report.accounts.iter().map(|a| a.calls).sum::<u64>(), 6, "every call is in a group");
    let none = report.accounts.iter().find(|a| a.account == "(no account)").expect("the (no account) group");
    assert!(none.unattributed && !none.flagged && none.calls == 4);
    let by_account = report.coverage.iter().find(|c| c.group_by == GroupBy::Account).unwrap();
    assert_eq!((by_account.with_value, by_account.without_value), (2, 4));
    let by_ip = report.coverage.iter().find(|c| c.group_by == GroupBy::Ip).unwrap();
    assert_eq!((by_ip.with_value, by_ip.without_value), (0, 6));
    assert_eq!(m.group_calls(GroupBy::Account, "(no account)").unwrap().len(), 4);
    assert_eq!(m.group_calls(GroupBy::Account, "datadog-4").unwrap().len(), 1);
}

/// A matter imported before whole-call identities (each call's item hash was the hash of its
/// record as logged) still verifies, and a copy of its logs imported now adds no call twice.
#[test]
fn matters_imported_before_keep_verifying_and_deduplicating() {
    use sha2::Digest;
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::copy(fixtures().join("chatgpt_export_wrapped.json"), src.join("conversations.json")).unwrap();
    std::fs::copy(fixtures().join("openai_chat_gzip.yaml"), src.join("cassette.yaml")).unwrap();
    let mut m = exhibit::Matter::create(tmp.path().join("m"), "t").unwrap();
    common::ingest(&mut m, &src, "Data");
    let db = rusqlite::Connection::open(tmp.path().join("m/exhibit.db")).unwrap();
    let ids: Vec<i64> =
        db.prepare("SELECT item_id FROM model_call").unwrap().query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
    assert_eq!(ids.len(), 3);
    // As the older importer stored them.
    for id in &ids {
        let call = m.call_record(*id).unwrap().unwrap();
        let legacy = hex::encode(sha2::Sha256::digest(serde_json::to_vec(&call.raw).unwrap()));
        db.execute("UPDATE item SET sha256 = ?1 WHERE id = ?2", rusqlite::params![legacy, id]).unwrap();
    }
    drop(db);
    assert!(m.verify().unwrap().ok, "older calls verify against the hash they were stored with");
    let copy = tmp.path().join("copy");
    std::fs::create_dir_all(&copy).unwrap();
    std::fs::copy(src.join("conversations.json"), copy.join("conversations.json")).unwrap();
    std::fs::copy(src.join("cassette.yaml"), copy.join("cassette.yaml")).unwrap();
    let s = common::ingest(&mut m, &copy, "Copy");
    assert_eq!(common::count(&tmp.path().join("m"), "SELECT COUNT(*) FROM model_call"), 3, "no call imported twice");
    assert_eq!(s.duplicates, 5, "two logs and their three calls");
    assert!(m.verify().unwrap().ok);
}
