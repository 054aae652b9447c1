//! Model-call logs through the whole matter: ingest as items, analyze from the CLI, tag the
//! evidence, redact inside the logged JSON, verify.

use crate::common;

use common::*;
use std::collections::BTreeSet;
use std::process::Command;

fn loggen(dir: &std::path::Path, seed: u64, format: &str, suspect: usize) {
    let st = Command::new(common::program("exhibit-loggen"))
        .args(["--out", dir.to_str().unwrap(), "--seed", &seed.to_string(), "--days", "10", "--scale", "0.5", "--format", format])
        .args(["--suspect", &suspect.to_string(), "--copy-fraction", "0.4"])
        .status()
        .unwrap();
    assert!(st.success());
}

#[test]
fn generated_logs_become_items_and_the_analysis_finds_the_campaigns() {
    let tmp = tempfile::tempdir().unwrap();
    let logs = tmp.path().join("logs");
    loggen(&logs, 4242, "openai", 300);
    // Only the log goes into the matter; labels and suspect outputs stay outside.
    let src = tmp.path().join("src");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::rename(logs.join("calls.jsonl"), src.join("api-2026-10.jsonl")).unwrap();
    let lines = std::fs::read_to_string(src.join("api-2026-10.jsonl")).unwrap().lines().filter(|l| !l.trim().is_empty()).count();

    let m = tmp.path().join("m");
    let ms = m.to_str().unwrap();
    cli_json(&["init", ms]);
    let ing = cli_json(&["--matter", ms, "ingest", src.to_str().unwrap(), "--custodian", "API logs"]);
    assert_eq!(ing["errors"], 0, "{ing}");
    let status = cli_json(&["--matter", ms, "status"]);
    assert_eq!(status["by_kind"]["model_call"].as_u64().unwrap() as usize, lines, "{status}");
    assert_eq!(status["by_kind"]["model_log"], 1);

    // Calls are searchable by their fields.
    let some_model = count(&m, "SELECT COUNT(*) FROM model_call WHERE model IS NOT NULL");
    assert!(some_model > 0);
    let model: String = rusqlite::Connection::open(m.join("exhibit.db"))
        .unwrap()
        .query_row("SELECT model FROM model_call WHERE model IS NOT NULL LIMIT 1", [], |r| r.get(0))
        .unwrap();
    let by_model = cli_json(&["--matter", ms, "search", &format!("model:{model}"), "--limit", "1"]);
    assert_eq!(
        by_model["total"].as_i64().unwrap(),
        count(&m, &format!("SELECT COUNT(*) FROM model_call WHERE lower(model) = lower('{model}')"))
    );

    // The analysis, from the CLI, with suspect outputs.
    let r = cli_json(&[
        "--matter",
        ms,
        "logs",
        "analyze",
        "--suspect-outputs",
        logs.join("suspect.jsonl").to_str().unwrap(),
        "--tag",
        "Distillation evidence",
    ]);
    let labels: serde_json::Value = serde_json::from_slice(&std::fs::read(logs.join("labels.json")).unwrap()).unwrap();
    let campaign: BTreeSet<String> =
        labels["accounts"].as_object().unwrap().iter().filter(|(_, l)| l["campaign"] == true).map(|(a, _)| a.clone()).collect();
    let flagged: BTreeSet<String> = r["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["flagged"] == true)
        .map(|a| a["account"].as_str().unwrap().to_string())
        .collect();
    let tp = flagged.intersection(&campaign).count() as f64;
    let precision = tp / flagged.len().max(1) as f64;
    let recall = tp / campaign.len().max(1) as f64;
    eprintln!("flagged {} of {} campaign accounts; precision {precision:.2}, recall {recall:.2}", flagged.len(), campaign.len());
    assert!(precision >= 0.9 && recall >= 0.9, "precision {precision}, recall {recall}");
    // Every flag carries signals with values, explanations and example items that exist.
    let db = rusqlite::Connection::open(m.join("exhibit.db")).unwrap();
    for a in r["accounts"].as_array().unwrap().iter().filter(|a| a["flagged"] == true) {
        let signals = a["signals"].as_array().unwrap();
        assert!(!signals.is_empty());
        for s in signals {
            assert!(s["value"].is_number() && s["detail"].as_str().is_some_and(|d| !d.is_empty()), "{s}");
            for ex in s["examples"].as_array().unwrap() {
                let kind: String = db.query_row("SELECT kind FROM item WHERE id = ?1", [ex.as_i64().unwrap()], |r| r.get(0)).unwrap();
                assert_eq!(kind, "model_call");
            }
        }
    }
    // Each flagged account's templates are its own calls that share the pattern shown.
    let matter = exhibit::Matter::open(&m).unwrap();
    let mut with_templates = 0;
    for a in r["accounts"].as_array().unwrap().iter().filter(|a| a["flagged"] == true) {
        for t in a["templates"].as_array().unwrap() {
            with_templates += 1;
            let part: exhibit::modellogs::analyze::TemplatePart = serde_json::from_value(t["part"].clone()).unwrap();
            let pattern = t["pattern"].as_str().unwrap();
            assert!(pattern.split_whitespace().count() >= 3, "{t}");
            assert!(t["calls"].as_u64().unwrap() >= t["examples"].as_array().unwrap().len() as u64);
            for ex in t["examples"].as_array().unwrap() {
                let account: String =
                    db.query_row("SELECT account FROM model_call WHERE item_id = ?1", [ex.as_i64().unwrap()], |r| r.get(0)).unwrap();
                assert_eq!(account, a["account"].as_str().unwrap());
                let call = matter.call_record(ex.as_i64().unwrap()).unwrap().unwrap();
                assert_eq!(exhibit::modellogs::analyze::template_pattern(call.last_user_text(), part), pattern);
            }
        }
    }
    drop(matter);
    assert!(with_templates > 0, "templated campaigns show their templates");
    let overlap = &r["overlap"];
    assert!(overlap["rate"].as_f64().unwrap() > overlap["null_rate"].as_f64().unwrap(), "{overlap}");
    // The evidence is tagged: exactly the calls of flagged accounts.
    let tagged = r["tagged"]["changed"].as_i64().unwrap();
    let want: i64 = flagged.iter().map(|a| count(&m, &format!("SELECT COUNT(*) FROM model_call WHERE account = '{a}'"))).sum();
    assert_eq!(tagged, want);
    let s = cli_json(&["--matter", ms, "search", "tag:\"Distillation evidence\"", "--limit", "1"]);
    assert_eq!(s["total"].as_i64().unwrap(), want);

    // The exposure report's section: the same findings, cited by control number, quoting no
    // logged text.
    let md_path = tmp.path().join("section.md");
    let html_path = tmp.path().join("section.html");
    for p in [&md_path, &html_path] {
        cli_json(&[
            "--matter",
            ms,
            "logs",
            "analyze",
            "--suspect-outputs",
            logs.join("suspect.jsonl").to_str().unwrap(),
            "--section",
            p.to_str().unwrap(),
        ]);
    }
    let md = std::fs::read_to_string(&md_path).unwrap();
    let html = std::fs::read_to_string(&html_path).unwrap();
    assert!(md.contains("**Assessment: Strong.**"), "flags plus overlap beyond the baseline: {}", &md[..400.min(md.len())]);
    assert!(md.contains(&format!(
        "{} of {} accounts show the pattern of distillation",
        flagged.len(),
        r["accounts"].as_array().unwrap().len()
    )));
    assert!(html.contains("<p class=\"assessment rating-strong\">") && !html.contains("<script"));
    for a in &flagged {
        assert!(md.contains(&a.replace('_', "\\_")) || md.contains(a.as_str()), "flagged account {a} is in the section");
    }
    let (control, completion) = {
        let matter = exhibit::Matter::open(&m).unwrap();
        let mut stmt = db
            .prepare("SELECT i.control, i.id FROM model_call c JOIN item i ON i.id = c.item_id WHERE c.account = ?1 ORDER BY i.id")
            .unwrap();
        let rows: Vec<(String, i64)> =
            stmt.query_map([flagged.iter().next().unwrap()], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(|r| r.unwrap()).collect();
        rows.into_iter()
            .find_map(|(control, id)| {
                let completion = matter.call_record(id).unwrap().unwrap().completion.unwrap_or_default();
                (completion.chars().count() > 80).then_some((control, completion))
            })
            .expect("a flagged call with a long completion")
    };
    let excerpt: String = completion.chars().take(60).collect();
    assert!(!md.contains(&excerpt) && !html.contains(&excerpt), "no logged completion text ({control}) is quoted");
    let cited = md.matches("EXH-").count();
    assert!(cited >= flagged.len(), "example items are cited by control number ({cited})");

    // Re-ingesting the log adds nothing; verify re-hashes every logged record.
    let again = cli_json(&["--matter", ms, "ingest", src.to_str().unwrap(), "--custodian", "API logs"]);
    assert_eq!(again["items_added"], 0);
    let v = cli_json(&["--matter", ms, "verify"]);
    assert_eq!(v["ok"], true, "{v}");
}

#[test]
fn redacting_a_model_call_keeps_its_json_valid_with_the_value_replaced() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    std::fs::create_dir_all(&src).unwrap();
    let key = format!("sk-proj-{}", "Ab3dE5gH7jK9mN1pQ3sT5vX7zB9dF1hJ3lN5pR7tV9xZ");
    let line = serde_json::json!({
        "ts": "2026-10-01T12:00:00Z", "account": "org-acme", "api_key_id": "key_1", "user": "u-77", "ip": "203.0.113.9",
        "model": "gpt-4o", "request": {"messages": [{"role": "user", "content": format!("debug this: OPENAI_API_KEY={key} fails")}], "params": {"temperature": 0.2}},
        "response": {"text": "Rotate the key.", "usage": {"prompt_tokens": 12, "completion_tokens": 4}}
    });
    std::fs::write(src.join("calls.jsonl"), format!("{line}\n")).unwrap();
    let m = tmp.path().join("m");
    let ms = m.to_str().unwrap();
    cli_json(&["init", ms]);
    cli_json(&["--matter", ms, "ingest", src.to_str().unwrap(), "--custodian", "C"]);
    let hit = cli_json(&["--matter", ms, "search", "kind:model_call"]);
    let id = hit["hits"][0]["id"].to_string();
    let rule = cli_json(&["--matter", ms, "redact", "rule", "add", "--builtin", "secrets", "--reason", "SECRET"]);
    assert_eq!(rule["matches"], 1, "{rule}");
    let shown = cli_json(&["--matter", ms, "show", &id, "--redacted"]);
    let text = serde_json::to_string(&shown).unwrap();
    assert!(!text.contains(&key), "the key leaked: {text}");
    let raw = &shown["model_call"]["raw"];
    let content = raw["request"]["messages"][0]["content"].as_str().unwrap();
    assert_eq!(content, "debug this: OPENAI_API_KEY=[REDACTED – SECRET] fails");
    assert_eq!(raw["request"]["params"]["temperature"], 0.2);
    assert_eq!(raw["account"], "org-acme");
    // And the unredacted view still has it (the original is never modified).
    let plain = cli_json(&["--matter", ms, "show", &id]);
    assert!(serde_json::to_string(&plain).unwrap().contains(&key));
}

#[test]
fn every_corpus_model_log_imports_or_says_why() {
    let Some(dir) = corpus("modellogs", "model logs") else { return };
    let tmp = tempfile::tempdir().unwrap();
    let m = tmp.path().join("m");
    let ms = m.to_str().unwrap();
    cli_json(&["init", ms]);
    let ing = cli_json(&["--matter", ms, "ingest", dir.to_str().unwrap(), "--custodian", "Corpus"]);
    // Independently: run the library importers over the same files.
    let mut calls = 0usize;
    for e in walkdir::WalkDir::new(&dir).into_iter().filter_map(|e| e.ok()).filter(|e| e.file_type().is_file()) {
        let _ = exhibit::modellogs::import_path(e.path(), &mut |r| {
            if r.is_ok() {
                calls += 1;
            }
        });
    }
    let status = cli_json(&["--matter", ms, "status"]);
    let items = status["by_kind"]["model_call"].as_u64().unwrap_or(0) as usize;
    let dups =
        count(&m, "SELECT COUNT(*) FROM item_location l JOIN item i ON i.id = l.item_id WHERE i.kind = 'model_call'") as usize - items;
    eprintln!("corpus logs: {calls} calls read, {items} call items (+{dups} duplicate locations), {} errors", ing["errors"]);
    assert!(items > 150, "{status}");
    assert_eq!(items + dups, calls);
    let errors = cli_json(&["--matter", ms, "errors"]);
    for e in errors["errors"].as_array().unwrap() {
        assert!(!e["reason"].as_str().unwrap().is_empty());
    }
    assert_eq!(cli_json(&["--matter", ms, "verify"])["ok"], true);
}
