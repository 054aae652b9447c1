//! Detection quality on generated, labelled traffic. The thresholds were tuned on seeds 1 and 2
//! only (see `tuning_table`); the acceptance test uses seeds never looked at while tuning.

use std::collections::{HashMap, HashSet};

use exhibit::modellogs::analyze::{analyze, overlap_with_ids, AnalyzeOptions, CallSummary, Report};
use exhibit::modellogs::generate::{generate, suspect_outputs, to_line, GenConfig, Labels, OutFormat, Rng, BENIGN};
use exhibit::modellogs::{import_stream, Format};

struct Run {
    labels: Labels,
    report: Report,
    logged: Vec<(u64, String, String, String)>, // id, account, prompt, completion
}

fn run(seed: u64, scale: f64, fmt: OutFormat) -> Run {
    let cfg = GenConfig { seed, scale, ..Default::default() };
    let mut buf = Vec::new();
    let labels = generate(&cfg, &mut |c| {
        buf.extend_from_slice(to_line(&c, fmt).as_bytes());
        buf.push(b'\n');
    });
    let format = match fmt {
        OutFormat::Canonical => Format::Canonical,
        OutFormat::OpenAiChat => Format::OpenAiChat,
        OutFormat::LiteLlm => Format::LiteLlm,
    };
    let mut sums = vec![];
    let mut logged = vec![];
    let mut errors = 0;
    import_stream(&buf[..], &format, &mut |r| match r {
        Ok(c) => {
            let id = sums.len() as u64 + 1;
            sums.push(CallSummary::from_call(&c, id));
            logged.push((
                id,
                c.account.clone().unwrap_or_default(),
                c.last_user_text().to_string(),
                c.completion.clone().unwrap_or_default(),
            ));
        }
        Err(_) => errors += 1,
    });
    assert_eq!(errors, 0);
    let report = analyze(&sums, &AnalyzeOptions::default());
    Run { labels, report, logged }
}

fn precision_recall(r: &Run) -> (f64, f64, Vec<String>) {
    let campaign: HashSet<&str> = r.labels.campaign_accounts().into_iter().collect();
    let flagged: HashSet<&str> = r.report.flagged().map(|a| a.account.as_str()).collect();
    let tp = flagged.intersection(&campaign).count() as f64;
    let fp: Vec<String> = flagged.difference(&campaign).map(|a| format!("{a} ({})", r.labels.accounts[*a].population)).collect();
    (tp / flagged.len().max(1) as f64, tp / campaign.len() as f64, fp)
}

#[test]
#[ignore = "prints the per-population score table used while tuning (seeds 1 and 2 only)"]
fn tuning_table() {
    for seed in [1, 2] {
        let r = run(seed, 0.3, OutFormat::Canonical);
        let mut by_pop: HashMap<&str, Vec<(f64, bool)>> = HashMap::new();
        for a in &r.report.accounts {
            by_pop.entry(r.labels.accounts[&a.account].population.as_str()).or_default().push((a.score, a.flagged));
        }
        let (p, rc, fp) = precision_recall(&r);
        println!(
            "seed {seed}: precision {p:.2} recall {rc:.2} fp {fp:?} clusters {:?}",
            r.report.clusters.iter().map(|c| c.accounts.len()).collect::<Vec<_>>()
        );
        let mut pops: Vec<_> = by_pop.into_iter().collect();
        pops.sort_by(|a, b| a.0.cmp(b.0));
        for (p, v) in pops {
            let s: Vec<String> = v.iter().map(|(s, f)| format!("{s:.2}{}", if *f { "*" } else { "" })).collect();
            println!("  {p:22} {}", s.join(" "));
        }
        for a in r.report.accounts.iter().take(3) {
            println!(
                "{}",
                serde_json::to_string_pretty(&a.signals.iter().map(|s| (&s.name, s.value, s.strength)).collect::<Vec<_>>()).unwrap()
            );
        }
    }
}

fn check_seed(seed: u64, fmt: OutFormat) {
    let r = run(seed, 0.3, fmt);
    // Every benign population is present in the traffic.
    for p in BENIGN {
        assert!(!r.labels.of_population(p).is_empty(), "population {p} missing");
        let present = r.report.accounts.iter().any(|a| r.labels.accounts[&a.account].population == *p);
        assert!(present, "population {p} has no traffic in the report");
    }
    let (p, rc, fp) = precision_recall(&r);
    let missed: Vec<String> = r
        .labels
        .campaign_accounts()
        .into_iter()
        .filter(|a| !r.report.flagged().any(|f| f.account == *a))
        .map(|a| format!("{a} ({})", r.labels.accounts[a].population))
        .collect();
    eprintln!("seed {seed} {fmt:?}: precision {p:.3} recall {rc:.3}; false positives {fp:?}; missed {missed:?}");
    assert!(p >= 0.9, "precision {p:.3} < 0.9 (false positives {fp:?})");
    assert!(rc >= 0.9, "recall {rc:.3} < 0.9 (missed {missed:?})");
    // The hydra is found as one cluster.
    let hydra: HashSet<&str> = r.labels.of_population("hydra").into_iter().collect();
    let best = r.report.clusters.iter().map(|c| c.accounts.iter().filter(|a| hydra.contains(a.as_str())).count()).max().unwrap_or(0);
    let holding: Vec<_> = r.report.clusters.iter().filter(|c| c.accounts.iter().any(|a| hydra.contains(a.as_str()))).collect();
    assert_eq!(holding.len(), 1, "hydra members spread over {} clusters", holding.len());
    assert!(best as f64 >= 0.9 * hydra.len() as f64, "cluster holds {best} of {} hydra accounts", hydra.len());
    let outsiders = holding[0].accounts.iter().filter(|a| !hydra.contains(a.as_str())).count();
    assert!(outsiders == 0, "the hydra cluster also holds {outsiders} non-hydra accounts");
    assert!(!holding[0].reason.is_empty() && !holding[0].links.is_empty());
    // Every flagged account's JSON carries signals with values, explanations and examples.
    let json = r.report.to_json();
    for a in json["accounts"].as_array().unwrap().iter().filter(|a| a["flagged"] == true) {
        let sigs = a["signals"].as_array().unwrap();
        assert!(sigs.len() >= 10);
        for s in sigs {
            assert!(s["value"].is_number() && s["detail"].as_str().map(|d| d.len() > 10).unwrap_or(false), "{s}");
        }
        let strong: Vec<_> = sigs.iter().filter(|s| s["strength"].as_f64().unwrap() >= 0.5).collect();
        assert!(!strong.is_empty(), "flagged without a strong signal: {a}");
        for s in strong {
            assert!(!s["examples"].as_array().unwrap().is_empty(), "strong signal without examples: {s}");
        }
        assert!(!a["benign_explanations"].as_array().unwrap().is_empty(), "no benign explanations: {}", a["account"]);
        assert!(!a["patterns"].as_array().unwrap().is_empty());
    }
    // Overlap: a suspect model copying a planted fraction of campaign completions.
    let campaign: HashSet<&str> = r.labels.campaign_accounts().into_iter().collect();
    let mut rng = Rng::new(seed);
    let pool: Vec<&(u64, String, String, String)> =
        r.logged.iter().filter(|l| campaign.contains(l.1.as_str()) && rng.chance(0.1)).take(600).collect();
    let prompts: Vec<(String, String)> = pool.iter().map(|l| (l.2.clone(), l.3.clone())).collect();
    let planted_fraction = 0.2 + (seed % 5) as f64 * 0.1;
    let (suspect, planted) = suspect_outputs(seed, &prompts, planted_fraction);
    let planted_rate = planted.iter().filter(|x| **x).count() as f64 / planted.len() as f64;
    let logged: Vec<(u64, String, String)> = r.logged.iter().map(|l| (l.0, l.2.clone(), l.3.clone())).collect();
    let o = overlap_with_ids(&suspect, &logged);
    eprintln!(
        "overlap: planted {planted_rate:.3}, estimated {:.3} [{:.3}, {:.3}], null {:.3}, self-id {:.3}",
        o.rate, o.ci_low, o.ci_high, o.null_rate, o.self_identification_rate
    );
    assert_eq!(o.pairs, suspect.len());
    assert!((o.rate - planted_rate).abs() <= 0.05, "overlap {:.3} vs planted {planted_rate:.3}", o.rate);
    assert!(o.null_rate < 0.02 && o.ci_low > o.null_ci_high);
    assert!(o.self_identification_rate > 0.0 && !o.examples.is_empty());
    let ov = serde_json::to_value(&o).unwrap();
    for k in ["pairs", "matched", "rate", "ci_low", "ci_high", "null_rate", "self_identification_rate", "examples"] {
        assert!(ov.get(k).is_some(), "overlap JSON lacks {k}");
    }
}

#[test]
fn held_out_seed_canonical() {
    check_seed(9101, OutFormat::Canonical);
}

#[test]
fn held_out_seed_openai_chat() {
    check_seed(9202, OutFormat::OpenAiChat);
}

#[test]
fn held_out_seed_litellm() {
    check_seed(9303, OutFormat::LiteLlm);
}
