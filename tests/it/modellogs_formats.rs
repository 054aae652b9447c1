//! Streaming behaviour shared by the line formats, and detection of each generated format.

use exhibit::modellogs::generate::{generate, to_line, GenConfig, OutFormat};
use exhibit::modellogs::{import_batch, import_stream, sniff, Format, ModelCall};

fn collect(data: &[u8], f: &Format) -> (Vec<ModelCall>, Vec<exhibit::modellogs::LineError>) {
    let (mut ok, mut err) = (vec![], vec![]);
    import_stream(data, f, &mut |r| match r {
        Ok(c) => ok.push(c),
        Err(e) => err.push(e),
    });
    (ok, err)
}

fn sample_lines(fmt: OutFormat, n: usize) -> Vec<String> {
    let mut v = vec![];
    generate(&GenConfig { seed: 5, scale: 0.01, days: 3, ..Default::default() }, &mut |c| {
        if v.len() < n {
            v.push(to_line(&c, fmt))
        }
    });
    v
}

#[test]
fn malformed_line_is_an_error_and_the_rest_imports() {
    let lines = sample_lines(OutFormat::Canonical, 5);
    let data = format!("{}\n{}\n{{\"ts\": broken\n\n{}\n{}\n", lines[0], lines[1], lines[2], lines[3]);
    let (ok, err) = collect(data.as_bytes(), &Format::Canonical);
    assert_eq!(ok.len(), 4);
    assert_eq!(err.len(), 1);
    assert_eq!(err[0].line, 3);
    assert!(err[0].reason.contains("not a JSON record"), "{}", err[0].reason);
    assert_eq!(ok[2].source_line, Some(5));
    assert!(ok[0].raw.is_object());
}

#[test]
fn array_and_pretty_documents_also_read() {
    let lines = sample_lines(OutFormat::OpenAiChat, 3);
    let arr = format!("[{}]", lines.join(","));
    let (ok, err) = collect(arr.as_bytes(), &Format::OpenAiChat);
    assert_eq!((ok.len(), err.len()), (3, 0));
    let v: serde_json::Value = serde_json::from_str(&lines[0]).unwrap();
    let pretty = serde_json::to_string_pretty(&v).unwrap();
    let (ok, err) = collect(pretty.as_bytes(), &Format::OpenAiChat);
    assert_eq!((ok.len(), err.len()), (1, 0));
}

#[test]
fn generated_formats_are_detected_and_agree() {
    let want =
        [(OutFormat::Canonical, Format::Canonical), (OutFormat::OpenAiChat, Format::OpenAiChat), (OutFormat::LiteLlm, Format::LiteLlm)];
    let mut per_format = vec![];
    for (of, f) in want {
        let data = sample_lines(of, 50).join("\n");
        let d = sniff(data.as_bytes(), "log.jsonl");
        assert_eq!(d.format(), Some(&f), "{}", d.explain());
        let (ok, err) = collect(data.as_bytes(), &f);
        assert!(err.is_empty());
        per_format.push(ok);
    }
    // The same calls, read from three formats, agree on the fields analysis uses.
    for ((a, b), c) in per_format[0].iter().zip(&per_format[1]).zip(&per_format[2]).take(50) {
        assert_eq!(a.ts, b.ts);
        assert_eq!(a.ts, c.ts);
        assert_eq!(a.account, b.account);
        assert_eq!(a.account, c.account);
        assert_eq!(a.messages, b.messages);
        assert_eq!(a.completion, c.completion);
        assert_eq!((a.prompt_tokens, a.completion_tokens), (c.prompt_tokens, c.completion_tokens));
        assert_eq!(a.params.temperature, b.params.temperature);
    }
}

#[test]
fn batch_files_join_whatever_the_output_order() {
    let input: String = (0..20).map(|i| format!("{{\"custom_id\":\"r{i}\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{{\"model\":\"gpt-4o-mini\",\"messages\":[{{\"role\":\"user\",\"content\":\"q{i}\"}}],\"logprobs\":true}}}}\n")).collect();
    let output: String = (0..20).rev().map(|i| format!("{{\"id\":\"batch_req_{i}\",\"custom_id\":\"r{i}\",\"response\":{{\"status_code\":200,\"request_id\":\"req{i}\",\"body\":{{\"id\":\"chatcmpl-{i}\",\"created\":1700000000,\"model\":\"gpt-4o-mini\",\"choices\":[{{\"index\":0,\"message\":{{\"role\":\"assistant\",\"content\":\"a{i}\"}}}}],\"usage\":{{\"prompt_tokens\":5,\"completion_tokens\":{i}}}}}}},\"error\":null}}\n")).collect();
    assert_eq!(sniff(input.as_bytes(), "in.jsonl").format(), Some(&Format::OpenAiBatchInput));
    assert_eq!(sniff(output.as_bytes(), "out.jsonl").format(), Some(&Format::OpenAiBatchOutput));
    let dir = tempfile::tempdir().unwrap();
    let (pi, po) = (dir.path().join("a.jsonl"), dir.path().join("b.jsonl"));
    std::fs::write(&pi, &input).unwrap();
    std::fs::write(&po, &output).unwrap();
    let pairs = exhibit::modellogs::detect::pair_batch_files(&[po.clone(), pi.clone()]);
    assert_eq!(pairs, vec![(pi, po)]);
    let mut calls = vec![];
    import_batch(input.as_bytes(), output.as_bytes(), &mut |r| calls.push(r.unwrap()));
    assert_eq!(calls.len(), 20);
    for (i, c) in calls.iter().enumerate() {
        assert_eq!(c.completion.as_deref(), Some(format!("a{i}").as_str()));
        assert_eq!(c.messages[0].content, format!("q{i}"));
        assert_eq!(c.completion_tokens, Some(i as u64));
        assert_eq!(c.params.logprobs, Some(true));
    }
}
