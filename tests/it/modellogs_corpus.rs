//! Every file of the shared model-log corpus imports; calls and tokens equal an independent
//! count made here from the raw files (by different means than the importers use).

use std::path::{Path, PathBuf};

use exhibit::modellogs::{detect, import_path, Format, ModelCall};
use serde_json::Value;

fn corpus() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/modellogs");
    let p = if p.exists() { p } else { PathBuf::from("/work/shared/corpus/modellogs") };
    if p.exists() {
        Some(p)
    } else {
        crate::common::skipped("the model-log corpus is absent (../shared/corpus/modellogs)");
        None
    }
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> =
        walkdir::WalkDir::new(dir).into_iter().filter_map(Result::ok).filter(|e| e.file_type().is_file()).map(|e| e.into_path()).collect();
    v.sort();
    v
}

fn import(p: &Path) -> (Format, Vec<ModelCall>, Vec<exhibit::modellogs::LineError>) {
    let mut calls = vec![];
    let mut errs = vec![];
    let f = import_path(p, &mut |r| match r {
        Ok(c) => calls.push(c),
        Err(e) => errs.push(e),
    })
    .unwrap_or_else(|d| panic!("{}: {}", p.display(), d.explain()));
    (f, calls, errs)
}

/// Independent token count for one cassette response: Bedrock's token headers, else the largest
/// number after any usage key in the body text, by regex.
fn regex_tokens(text: &str, keys: &[&str]) -> Option<u64> {
    let re = regex::Regex::new(&format!(r#""({})"\s*:\s*(\d+)"#, keys.join("|"))).unwrap();
    re.captures_iter(text).map(|c| c[2].parse::<u64>().unwrap()).max()
}

/// The text of an AWS event stream recorded as `!!binary` base64: every frame's payload (each
/// frame: total length, headers length, prelude CRC, headers, payload, CRC), with InvokeModel's
/// `{"bytes": base64}` chunks unwrapped.
fn event_stream_text(b64: &str) -> Option<String> {
    use base64::Engine;
    let b = base64::engine::general_purpose::STANDARD.decode(b64.split_whitespace().collect::<String>()).ok()?;
    let mut out = String::new();
    let mut p = 0;
    while p + 12 <= b.len() {
        let total = u32::from_be_bytes(b[p..p + 4].try_into().ok()?) as usize;
        let hlen = u32::from_be_bytes(b[p + 4..p + 8].try_into().ok()?) as usize;
        let payload = b.get(p + 12 + hlen..p + total - 4)?;
        let v: Value = serde_json::from_slice(payload).unwrap_or(Value::Null);
        match v["bytes"].as_str() {
            Some(chunk) => out.push_str(&String::from_utf8_lossy(&base64::engine::general_purpose::STANDARD.decode(chunk).ok()?)),
            None => out.push_str(&String::from_utf8_lossy(payload)),
        }
        p += total;
    }
    Some(out)
}

#[test]
fn cassettes_import_with_independent_counts() {
    let Some(root) = corpus() else { return };
    let ins = [
        "prompt_tokens",
        "input_tokens",
        "inputTokens",
        "promptTokenCount",
        "inputTextTokenCount",
        "prompt_token_count",
        "inputTokenCount",
    ];
    let outs = ["completion_tokens", "output_tokens", "outputTokens", "candidatesTokenCount", "generation_token_count", "outputTokenCount"];
    let (mut n_files, mut n_calls, mut checked_tokens) = (0, 0, 0u64);
    let (mut with_completion, mut n_errors) = (0, 0);
    for p in files(&root.join("otel-cassettes")) {
        n_files += 1;
        let raw = std::fs::read_to_string(&p).unwrap();
        // Independent call count: vcrpy writes each interaction as a "- request:" list item.
        let expected_calls = raw.lines().filter(|l| l.starts_with("- request:")).count();
        let (fmt, calls, errs) = import(&p);
        assert_eq!(fmt, Format::VcrCassette, "{}", p.display());
        assert_eq!(calls.len(), expected_calls, "{}", p.display());
        // A part of an exchange that could not be read is an error record naming the
        // interaction, beside the call (which keeps what could be read).
        for e in &errs {
            assert!(
                e.line >= 1 && e.line as usize <= expected_calls && e.reason.starts_with(&format!("interaction {}:", e.line)),
                "{}: {e:?}",
                p.display()
            );
            let call = &calls[e.line as usize - 1];
            assert!(call.completion.is_none(), "{}: an error beside a call that has its answer: {e:?}", p.display());
        }
        n_errors += errs.len();
        n_calls += calls.len();
        // Independent token count over text bodies (binary event streams are not regex-able).
        let y: Value =
            yaml_serde::from_str::<yaml_serde::Value>(&raw).ok().and_then(|v| serde_json::to_value(v).ok()).unwrap_or(Value::Null);
        for (i, it) in y["interactions"].as_array().into_iter().flatten().enumerate() {
            let body = it["response"]["body"]["string"].as_str();
            let hdr = |name: &str| -> Option<u64> {
                it["response"]["headers"]
                    .as_object()?
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(name))
                    .and_then(|(_, v)| v[0].as_str()?.parse().ok())
            };
            let Some(body) = body else { continue };
            let streamed = it["response"]["headers"].as_object().is_some_and(|h| {
                h.iter()
                    .any(|(k, v)| k.eq_ignore_ascii_case("content-type") && v[0].as_str().is_some_and(|t| t.contains("amazon.eventstream")))
            });
            let decoded = if streamed { event_stream_text(body) } else { None };
            let body = decoded.as_deref().unwrap_or(body);
            let exp_in = hdr("X-Amzn-Bedrock-Input-Token-Count").or_else(|| regex_tokens(body, &ins));
            let exp_out = hdr("X-Amzn-Bedrock-Output-Token-Count").or_else(|| regex_tokens(body, &outs));
            assert_eq!(calls[i].prompt_tokens, exp_in, "{} #{i} prompt tokens", p.display());
            assert_eq!(calls[i].completion_tokens, exp_out, "{} #{i} completion tokens", p.display());
            checked_tokens += exp_in.unwrap_or(0) + exp_out.unwrap_or(0);
        }
        with_completion += calls.iter().filter(|c| c.completion.as_deref().map(|s| !s.is_empty()).unwrap_or(false)).count();
        for c in &calls {
            assert!(c.model.is_some(), "{}: no model", p.display());
        }
    }
    eprintln!("cassettes: {n_files} files, {n_calls} calls, {checked_tokens} tokens checked, {with_completion} with completion text, {n_errors} error records");
    assert!(n_files >= 150 && n_calls >= 170);
    assert!(with_completion >= 135, "completions read from too few interactions: {with_completion} (137 when written; the floor was 80 before binary bodies were decoded)");
}

#[test]
fn chat_exports_import_with_independent_counts() {
    let Some(root) = corpus() else { return };
    for p in files(&root.join("chat-exports")) {
        let raw = std::fs::read_to_string(&p).unwrap();
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        let parsed: Option<Value> = serde_json::from_str(&raw).ok();
        let (fmt, calls, errs) = match detect::sniff_path(&p).unwrap() {
            detect::Detection::Recognized { .. } => import(&p),
            d => panic!("{name}: {}", d.explain()),
        };
        let Some(doc) = parsed else {
            // Broken JSON: an error with a reason, nothing imported.
            assert!(calls.is_empty() && errs.len() == 1 && errs[0].reason.contains("not valid JSON"), "{name}: {errs:?}");
            continue;
        };
        let convs: Vec<Value> = match doc {
            Value::Array(a) => a,
            o => vec![o],
        };
        // Independent counts, by the rules the format doc states.
        let (mut expected, mut expected_errs) = (0usize, 0usize);
        match fmt {
            Format::ChatGptExport => {
                for c in &convs {
                    let bad = c.get("id").is_none() && c.get("conversation_id").is_none()
                        || c.get("title").is_none()
                        || !(c["create_time"].is_number() || c["create_time"].is_null());
                    if bad {
                        expected_errs += 1;
                        continue;
                    }
                    expected +=
                        c["mapping"].as_object().unwrap().values().filter(|n| n["message"]["author"]["role"] == "assistant").count();
                }
            }
            Format::ClaudeExport => {
                for c in &convs {
                    let ts_ok = c["created_at"].as_str().map(|s| chrono::DateTime::parse_from_rfc3339(s).is_ok()).unwrap_or(true);
                    if c.get("uuid").is_none() || !ts_ok {
                        expected_errs += 1;
                        continue;
                    }
                    for m in c["chat_messages"].as_array().unwrap() {
                        match m.get("sender").and_then(|s| s.as_str()) {
                            None => expected_errs += 1,
                            Some("assistant") => expected += 1,
                            _ => {}
                        }
                    }
                }
            }
            Format::ShareGpt => {
                for c in &convs {
                    expected += c["conversations"].as_array().unwrap().iter().filter(|t| t["from"] == "gpt").count();
                }
            }
            f => panic!("{name}: unexpected format {f:?}"),
        }
        assert_eq!(calls.len(), expected, "{name} ({fmt:?}) calls");
        if expected == 0 && expected_errs == 0 {
            // Nothing to import is said, never passed over in silence.
            assert!(errs.len() == 1 && errs[0].reason.contains("holds no model calls"), "{name}: {errs:?}");
            continue;
        }
        assert_eq!(errs.len(), expected_errs, "{name} errors: {errs:?}");
        for e in &errs {
            assert!(!e.reason.is_empty() && e.line > 0, "{name}: {e:?}");
        }
        // Exports carry no token counts.
        assert!(calls.iter().all(|c| c.prompt_tokens.is_none() && c.completion_tokens.is_none()));
        if name.starts_with("malformed") || name.contains("malformed") {
            assert!(!errs.is_empty(), "{name}: a malformed export must yield error records");
        }
        eprintln!("{name}: {fmt:?} {} calls, {} errors", calls.len(), errs.len());
    }
}
