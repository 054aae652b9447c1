//! Deterministic, seeded generator of labelled model-API traffic: benign populations and
//! distillation campaigns, plus a suspect model's outputs that copy a chosen fraction of the
//! logged completions. Used by the tests (precision/recall on seeds not tuned on), the
//! benchmark and `exhibit-loggen`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::analyze::DOMAINS;
use super::call::{Message, ModelCall};
use super::util::{mix64, unix_to_rfc3339};

/// SplitMix64: tiny, fast, and the same on every platform and version.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(mix64(seed ^ 0x5eed_5eed_5eed_5eed))
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e3779b97f4a7c15);
        mix64(self.0)
    }
    pub fn f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }
    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
    pub fn chance(&mut self, p: f64) -> bool {
        self.f64() < p
    }
    /// Exponential with the given mean.
    pub fn exp(&mut self, mean: f64) -> f64 {
        -mean * (1.0 - self.f64()).ln()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GenConfig {
    pub seed: u64,
    pub days: u32,
    /// Multiplies every population's call volume (1.0 ≈ 100k calls over 14 days).
    pub scale: f64,
    /// Unix seconds of the first day (midnight UTC).
    pub start: i64,
    /// Extra words per completion, to reach realistic line sizes in benchmarks.
    pub extra_completion_words: usize,
}

impl Default for GenConfig {
    fn default() -> Self {
        GenConfig { seed: 1, days: 14, scale: 1.0, start: 1_740_787_200, extra_completion_words: 0 }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Label {
    /// chat_app, batch_etl, eval_harness, education, corporate_nat, developer, heavy, hydra,
    /// reasoning_extraction.
    pub population: String,
    pub campaign: bool,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Labels {
    pub accounts: BTreeMap<String, Label>,
}

impl Labels {
    pub fn campaign_accounts(&self) -> Vec<&str> {
        self.accounts.iter().filter(|(_, l)| l.campaign).map(|(a, _)| a.as_str()).collect()
    }
    pub fn of_population(&self, p: &str) -> Vec<&str> {
        self.accounts.iter().filter(|(_, l)| l.population == p).map(|(a, _)| a.as_str()).collect()
    }
}

pub const BENIGN: &[&str] = &["chat_app", "batch_etl", "eval_harness", "education", "corporate_nat", "developer"];
pub const CAMPAIGNS: &[&str] = &["heavy", "hydra", "reasoning_extraction"];

const FILLER: &[&str] = &[
    "the",
    "a",
    "of",
    "and",
    "to",
    "in",
    "is",
    "that",
    "for",
    "it",
    "as",
    "with",
    "on",
    "this",
    "by",
    "which",
    "can",
    "be",
    "are",
    "from",
    "also",
    "more",
    "when",
    "because",
    "often",
    "usually",
    "important",
    "example",
    "result",
    "process",
    "system",
    "case",
    "point",
    "way",
    "part",
    "first",
    "second",
    "then",
    "finally",
    "however",
    "therefore",
    "typically",
    "key",
    "main",
    "simple",
    "common",
    "different",
    "specific",
];

fn words(rng: &mut Rng, domain: usize, n: usize) -> String {
    let kws = DOMAINS[domain].1;
    let mut out = String::with_capacity(n * 7);
    for i in 0..n {
        if i > 0 {
            out.push(if rng.chance(0.06) { '.' } else { ' ' });
            if out.ends_with('.') {
                out.push(' ');
            }
        }
        let w: &str = if rng.chance(0.3) { rng.pick::<&str>(kws) } else { rng.pick::<&str>(FILLER) };
        out.push_str(w);
    }
    out.push('.');
    out
}

fn question(rng: &mut Rng, domain: usize) -> String {
    let kws = DOMAINS[domain].1;
    let forms = [
        "how does {a} relate to {b}",
        "what is the difference between {a} and {b}",
        "why does {a} matter for {b}",
        "what role does {a} play in {b}",
        "how would you compare {a} with {b}",
        "what happens to {a} when {b} changes",
        "describe how {a} influences {b}",
        "what are the main ideas behind {a} and {b}",
    ];
    let a = rng.pick(kws);
    let mut b = rng.pick(kws);
    if b == a {
        b = rng.pick(kws);
    }
    let n = rng.range(2, 999);
    format!("{} in case {n}?", rng.pick(&forms).replace("{a}", a).replace("{b}", b))
}

fn ip(rng: &mut Rng) -> String {
    format!("{}.{}.{}.{}", rng.range(11, 223), rng.range(0, 255), rng.range(0, 255), rng.range(1, 254))
}

struct Account {
    name: String,
    population: &'static str,
    campaign: bool,
}

fn account_name(rng: &mut Rng) -> String {
    format!("acct-{:08x}", rng.next_u64() as u32)
}

/// Timestamp within day `d` at an hour drawn from `weights` (24 values).
fn at_hour(rng: &mut Rng, cfg: &GenConfig, d: u32, weights: &[f64; 24]) -> i64 {
    let total: f64 = weights.iter().sum();
    let mut x = rng.f64() * total;
    let mut h = 0;
    for (i, w) in weights.iter().enumerate() {
        if x < *w {
            h = i;
            break;
        }
        x -= w;
    }
    cfg.start + d as i64 * 86400 + h as i64 * 3600 + rng.below(3600) as i64
}

fn human_hours(offset: usize) -> [f64; 24] {
    let mut w = [0.15; 24];
    for (h, x) in w.iter_mut().enumerate() {
        let local = (h + 24 - offset) % 24;
        if (8..=22).contains(&local) {
            *x = if (10..=20).contains(&local) { 3.0 } else { 1.5 };
        }
    }
    w
}

fn tokens(s: &str) -> u64 {
    (s.split_whitespace().count() as f64 * 1.3).ceil() as u64
}

#[allow(clippy::too_many_arguments)]
fn make_call(
    rng: &mut Rng,
    cfg: &GenConfig,
    acct: &Account,
    ts: i64,
    user: String,
    ip: String,
    key: &str,
    system: Option<&str>,
    prompt: String,
    completion_words: usize,
    domain: usize,
) -> ModelCall {
    let mut c = ModelCall::new("canonical");
    c.ts = unix_to_rfc3339(ts as f64);
    c.account = Some(acct.name.clone());
    c.api_key_id = Some(key.to_string());
    c.user = Some(user);
    c.ip = Some(ip);
    c.model = Some("gpt-4o-2024-08-06".into());
    c.system = system.map(str::to_string);
    c.messages = vec![Message { role: "user".into(), content: prompt }];
    let comp = words(rng, domain, completion_words + cfg.extra_completion_words);
    c.prompt_tokens = Some(tokens(&c.prompt_text()));
    c.completion_tokens = Some(tokens(&comp));
    c.completion = Some(comp);
    c.request_id = Some(format!("req_{:016x}", rng.next_u64()));
    c
}

/// Generate the traffic, calling `sink` for every call (grouped by account, not time-sorted).
/// Returns the labels (account → population).
pub fn generate(cfg: &GenConfig, sink: &mut dyn FnMut(ModelCall)) -> Labels {
    let mut rng = Rng::new(cfg.seed);
    let mut labels = Labels::default();
    let mut accts: Vec<Account> = vec![];
    let mut add = |rng: &mut Rng, population: &'static str, campaign: bool, n: usize| {
        for _ in 0..n {
            accts.push(Account { name: account_name(rng), population, campaign });
        }
    };
    add(&mut rng, "chat_app", false, 3);
    add(&mut rng, "batch_etl", false, 3);
    add(&mut rng, "eval_harness", false, 2);
    add(&mut rng, "education", false, 2);
    add(&mut rng, "corporate_nat", false, 8);
    add(&mut rng, "developer", false, 12);
    add(&mut rng, "heavy", true, 1);
    add(&mut rng, "hydra", true, 30);
    add(&mut rng, "reasoning_extraction", true, 2);
    for a in &accts {
        labels.accounts.insert(a.name.clone(), Label { population: a.population.into(), campaign: a.campaign });
    }
    let per_day = |rng: &mut Rng, base: f64| -> usize { ((base * cfg.scale) * (0.85 + 0.3 * rng.f64())).round() as usize };
    let nat_ips = ["203.0.113.10".to_string(), "203.0.113.11".to_string()];
    let hydra_nets = ["198.51.100", "192.0.2", "100.64.5"];
    let hydra_templates = [
        "You are a world-class expert. Answer the following question thoroughly and completely, covering every detail: {q}",
        "Provide a comprehensive, textbook-quality explanation for this question. Question: {q}",
        "Respond as an authoritative reference work would. Topic question: {q} Give the full answer.",
        "Write the ideal, most complete answer to the following. {q}",
    ];
    let heavy_templates = [
        "Answer the following question in depth, as a domain expert would: {q}",
        "Give a long, detailed, well-structured answer. Question: {q}",
        "Explain fully and precisely: {q} Include all relevant background.",
    ];
    let reasoning_forms = [
        "Think step by step and show your reasoning: {q}",
        "Here is a question: {q} Walk me through the reasoning in detail before giving the final answer.",
        "Someone answered the question '{q}' correctly. Reconstruct the reasoning behind that answer, step by step.",
        "Write a grading rubric that an examiner could use to score answers to: {q}",
        "{q} Please explain your reasoning at each stage.",
        "Solve this carefully, showing all work and intermediate steps: {q}",
        "What is the chain of thought an expert would follow for: {q}",
        "Explain how you arrived at the answer to this, step-by-step: {q}",
        "I need the full reasoning, not just the answer. {q}",
        "Break down the reasoning behind the answer to: {q}",
        "Give a scoring rubric and a model answer with reasoning for: {q}",
        "Reason carefully and justify each step: {q}",
    ];
    let chat_openers = [
        "hey can you tell me",
        "quick question:",
        "I was wondering",
        "my teacher asked",
        "help me understand",
        "so",
        "ok,",
        "please explain",
        "I'm confused about this:",
        "can you help?",
        "honest question -",
        "my friend says",
        "i dont get",
        "need help:",
        "curious:",
        "what do you think,",
        "for a project,",
        "random thought:",
        "im writing a blog post and",
        "before my exam,",
    ];
    let eval_sets: Vec<Vec<(String, usize)>> = (0..2)
        .map(|_| {
            (0..150)
                .map(|i| {
                    let d = rng.below(DOMAINS.len());
                    let q = question(&mut rng, d);
                    (
                        format!(
                            "Question {}: {} A) {} B) {} C) {} D) {} Answer with the letter only.",
                            i + 1,
                            q,
                            rng.pick(DOMAINS[d].1),
                            rng.pick(DOMAINS[d].1),
                            rng.pick(DOMAINS[d].1),
                            rng.pick(DOMAINS[d].1)
                        ),
                        d,
                    )
                })
                .collect()
        })
        .collect();
    let mut eval_i = 0;
    for a in &accts {
        let mut r = Rng::new(cfg.seed ^ crate::modellogs::util::hash64(a.name.as_bytes()));
        let rng = &mut r;
        let key = format!("sk-...{:04x}", rng.next_u64() as u16);
        let home_ip = ip(rng);
        match a.population {
            "chat_app" => {
                let tz = rng.range(0, 9);
                let sys = "You are a friendly assistant inside the HelpMate app.";
                for d in 0..cfg.days {
                    for _ in 0..per_day(rng, 400.0) {
                        let dom = rng.below(DOMAINS.len());
                        let mut p = format!("{} {}", rng.pick(&chat_openers), question(rng, dom));
                        if rng.chance(0.04) {
                            p.push_str(" explain step by step");
                        }
                        let ts = at_hour(rng, cfg, d, &human_hours(tz));
                        let user = format!("user-{}", rng.below(5000));
                        let cw = rng.range(60, 220);
                        let mut c = {
                            let addr = ip(rng);
                            make_call(rng, cfg, a, ts, user, addr, &key, Some(sys), p, cw, dom)
                        };
                        c.params.temperature = Some(0.7);
                        sink(c);
                    }
                }
            }
            "batch_etl" => {
                let kind = rng.below(3);
                let tmpl = [
                    "Extract the invoice number, invoice date, tax and total from this invoice text and return JSON: ",
                    "Classify this bank transaction into a budget category and return the category only: ",
                    "Summarize this loan application note in one sentence for the accounting system: ",
                ][kind];
                for d in 0..cfg.days {
                    let n = per_day(rng, 300.0);
                    let start = cfg.start + d as i64 * 86400 + 3600;
                    for k in 0..n {
                        let ts = start + (k as i64 * 4 * 3600) / n.max(1) as i64 + rng.below(5) as i64;
                        let body = format!(
                            "INV-{} {} {} revenue {} tax {} balance {} due {}",
                            rng.range(1000, 99999),
                            rng.pick(&["Acme", "Globex", "Initech", "Umbrella"]),
                            words(rng, 2, 8),
                            rng.range(10, 9999),
                            rng.range(1, 999),
                            rng.range(1, 9999),
                            rng.range(1, 28)
                        );
                        let mut c =
                            make_call(rng, cfg, a, ts, "etl-job".into(), home_ip.clone(), &key, None, format!("{tmpl}{body}"), 20, 2);
                        c.params.temperature = Some(0.0);
                        c.params.max_tokens = Some(200);
                        sink(c);
                    }
                }
            }
            "eval_harness" => {
                let set = &eval_sets[eval_i % 2];
                eval_i += 1;
                let runs = ((4.0 * cfg.scale.max(0.25)).round() as usize).max(2);
                for _ in 0..runs {
                    let d = rng.below(cfg.days as usize) as u32;
                    let mut ts = cfg.start + d as i64 * 86400 + rng.range(9, 17) as i64 * 3600;
                    for (q, dom) in set {
                        ts += rng.range(1, 4) as i64;
                        let mut c = make_call(rng, cfg, a, ts, "eval-runner".into(), home_ip.clone(), &key, None, q.clone(), 1, *dom);
                        c.completion = Some(rng.pick(&["A", "B", "C", "D"]).to_string());
                        c.completion_tokens = Some(1);
                        c.params.temperature = Some(0.0);
                        c.params.logprobs = Some(true);
                        c.params.top_logprobs = Some(5);
                        c.params.max_tokens = Some(5);
                        sink(c);
                    }
                }
            }
            "education" => {
                let forms = [
                    "Explain step by step how to solve: ",
                    "Show me step-by-step how to work out this problem: ",
                    "Walk me through this homework question: ",
                ];
                for d in 0..cfg.days {
                    let weekend = (d + 5) % 7 >= 5;
                    for _ in 0..per_day(rng, if weekend { 80.0 } else { 250.0 }) {
                        let dom = *rng.pick(&[4usize, 4, 5, 6]);
                        let p = format!("{}{}", rng.pick(&forms), question(rng, dom));
                        let ts = at_hour(rng, cfg, d, &human_hours(5));
                        let user = format!("student-{}", rng.below(3000));
                        let cw = rng.range(80, 200);
                        let mut c = {
                            let addr = ip(rng);
                            make_call(rng, cfg, a, ts, user, addr, &key, Some("You are a patient tutor."), p, cw, dom)
                        };
                        c.params.temperature = Some(0.3);
                        sink(c);
                    }
                }
            }
            "corporate_nat" | "developer" => {
                let nat = a.population == "corporate_nat";
                let doms: Vec<usize> = (0..rng.range(1, 3)).map(|_| rng.below(DOMAINS.len())).collect();
                let base = if nat { 25.0 } else { rng.range(3, 15) as f64 };
                for d in 0..cfg.days {
                    for _ in 0..per_day(rng, base) {
                        let dom = *rng.pick(&doms);
                        let p = format!("{} {}", rng.pick(&chat_openers), question(rng, dom));
                        let ts = at_hour(rng, cfg, d, &human_hours(if nat { 0 } else { 3 }));
                        let addr = if nat { rng.pick(&nat_ips).clone() } else { home_ip.clone() };
                        let cw = rng.range(50, 200);
                        let mut c = make_call(rng, cfg, a, ts, a.name.clone(), addr, &key, None, p, cw, dom);
                        c.params.temperature = Some(1.0);
                        sink(c);
                    }
                }
            }
            "heavy" => {
                let temps = [0.0, 0.4, 0.7, 1.0, 1.3];
                for d in 0..cfg.days {
                    let n = per_day(rng, 3000.0);
                    let step = 86400.0 / n.max(1) as f64;
                    for k in 0..n {
                        let ts = cfg.start + d as i64 * 86400 + (k as f64 * step + rng.f64() * step * 0.4) as i64;
                        let dom = rng.below(DOMAINS.len());
                        let p = rng.pick(&heavy_templates).replace("{q}", &question(rng, dom));
                        let cw = rng.range(250, 450);
                        let mut c = make_call(rng, cfg, a, ts, "svc".into(), home_ip.clone(), &key, None, p, cw, dom);
                        c.params.n = Some(if rng.chance(0.5) { 4 } else { 1 });
                        c.params.logprobs = Some(rng.chance(0.5));
                        c.params.max_tokens = Some(4096);
                        c.params.temperature = Some(*rng.pick(&temps));
                        sink(c);
                    }
                }
            }
            "hydra" => {
                let born = 2 * 86400 + rng.below(20 * 3600) as i64;
                let mine: Vec<usize> = (0..2).map(|_| rng.below(hydra_templates.len())).collect();
                for d in 2..cfg.days {
                    for _ in 0..per_day(rng, 45.0) {
                        let ts = cfg.start + d as i64 * 86400 + rng.below(86400) as i64;
                        if ts < cfg.start + born {
                            continue;
                        }
                        let dom = rng.below(DOMAINS.len());
                        let p = hydra_templates[*rng.pick(&mine)].replace("{q}", &question(rng, dom));
                        let addr = format!("{}.{}", rng.pick(&hydra_nets), rng.range(2, 250));
                        let cw = rng.range(200, 400);
                        let mut c = make_call(rng, cfg, a, ts, "default".into(), addr, &key, None, p, cw, dom);
                        c.params.max_tokens = Some(4096);
                        c.params.temperature = Some(1.0);
                        sink(c);
                    }
                }
            }
            "reasoning_extraction" => {
                let tz = rng.range(0, 12);
                for d in 0..cfg.days {
                    for _ in 0..per_day(rng, 55.0) {
                        let dom = rng.below(DOMAINS.len());
                        let p = rng.pick(&reasoning_forms).replace("{q}", &question(rng, dom));
                        let ts = at_hour(rng, cfg, d, &human_hours(tz));
                        let cw = rng.range(200, 400);
                        let mut c = {
                            let addr = ip(rng);
                            make_call(rng, cfg, a, ts, "me".into(), addr, &key, None, p, cw, dom)
                        };
                        c.params.temperature = Some(0.7);
                        sink(c);
                    }
                }
            }
            _ => unreachable!(),
        }
    }
    labels
}

/// A suspect model's answers to `prompts` (prompt, logged completion): a `copy_fraction`
/// share reproduces the logged completion with light edits (the planted copies), the rest are
/// independent answers. A few copied answers self-identify as another provider's model.
/// Returns (prompt, suspect output) pairs and the planted copy flags.
pub fn suspect_outputs(seed: u64, prompts: &[(String, String)], copy_fraction: f64) -> (Vec<(String, String)>, Vec<bool>) {
    let mut rng = Rng::new(seed ^ 0xdead_beef);
    let mut out = vec![];
    let mut planted = vec![];
    for (p, c) in prompts {
        let copy = rng.chance(copy_fraction);
        planted.push(copy);
        if copy {
            // Light paraphrase: replace about one word in twelve.
            let mut ws: Vec<String> = c.split(' ').map(str::to_string).collect();
            let nrep = ws.len() / 12;
            for _ in 0..nrep {
                let i = rng.below(ws.len());
                ws[i] = rng.pick(FILLER).to_string();
            }
            let mut s = ws.join(" ");
            if rng.chance(0.1) {
                s = format!("I am ChatGPT, a model trained by OpenAI. {s}");
            }
            out.push((p.clone(), s));
        } else {
            let dom = rng.below(DOMAINS.len());
            let n = c.split_whitespace().count().max(20);
            out.push((p.clone(), words(&mut rng, dom, n)));
        }
    }
    (out, planted)
}

/// Output formats the generator writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum OutFormat {
    Canonical,
    OpenAiChat,
    LiteLlm,
}

/// One JSONL line (without newline) for `c` in `fmt`.
pub fn to_line(c: &ModelCall, fmt: OutFormat) -> String {
    let v = match fmt {
        OutFormat::Canonical => c.to_canonical_json(),
        OutFormat::OpenAiChat => {
            let mut msgs = vec![];
            if let Some(s) = &c.system {
                msgs.push(json!({"role":"system","content":s}));
            }
            for m in &c.messages {
                msgs.push(json!({"role": m.role, "content": m.content}));
            }
            let mut req = json!({"model": "gpt-4o", "messages": msgs, "user": c.user});
            let p = &c.params;
            for (k, v) in [
                ("temperature", json!(p.temperature)),
                ("n", json!(p.n)),
                ("logprobs", json!(p.logprobs)),
                ("top_logprobs", json!(p.top_logprobs)),
                ("max_tokens", json!(p.max_tokens)),
            ] {
                if !v.is_null() {
                    req[k] = v;
                }
            }
            let created = c.ts.as_deref().and_then(crate::modellogs::util::ts_to_unix).unwrap_or(0);
            json!({
                "request": req,
                "response": {"id": format!("chatcmpl-{}", c.request_id.as_deref().unwrap_or("")), "object": "chat.completion", "created": created, "model": c.model,
                    "choices": [{"index": 0, "message": {"role": "assistant", "content": c.completion}, "finish_reason": "stop"}],
                    "usage": {"prompt_tokens": c.prompt_tokens, "completion_tokens": c.completion_tokens}},
                "headers": {"openai-organization": c.account, "x-request-id": c.request_id},
                "api_key_id": c.api_key_id, "ip": c.ip,
            })
        }
        OutFormat::LiteLlm => {
            let mut msgs = vec![];
            if let Some(s) = &c.system {
                msgs.push(json!({"role":"system","content":s}));
            }
            for m in &c.messages {
                msgs.push(json!({"role": m.role, "content": m.content}));
            }
            let key_hash = format!("{:016x}{:016x}", crate::modellogs::util::hash64(c.api_key_id.as_deref().unwrap_or("").as_bytes()), 0);
            json!({
                "request_id": c.request_id, "call_type": "acompletion", "api_key": key_hash, "spend": 0.0001,
                "startTime": c.ts, "endTime": c.ts, "model": c.model, "user": c.user, "end_user": c.user, "team_id": c.account,
                "messages": msgs, "response": {"choices": [{"index":0, "message": {"role":"assistant","content": c.completion}}]},
                "prompt_tokens": c.prompt_tokens, "completion_tokens": c.completion_tokens, "requester_ip_address": c.ip,
                "model_parameters": {"temperature": c.params.temperature, "max_tokens": c.params.max_tokens, "n": c.params.n},
            })
        }
    };
    serde_json::to_string(&v).unwrap_or_default()
}
