//! Per-group statistics: the numbers every signal is computed from.

use std::collections::{HashMap, HashSet};

use super::features::{CallSummary, DOMAINS};
use super::report::{AnalyzeOptions, GroupBy};

pub(super) fn clamp01(x: f64) -> f64 {
    if x.is_nan() {
        0.0
    } else {
        x.clamp(0.0, 1.0)
    }
}

pub(super) struct GroupStats {
    pub(super) key: String,
    pub(super) idx: Vec<u32>,
    pub(super) days: f64,
    pub(super) calls_per_day: f64,
    pub(super) out_per_day: f64,
    pub(super) ratio: f64,
    pub(super) cv: f64,
    pub(super) entropy: f64,
    pub(super) hours: [f64; 24],
    pub(super) first_ts: i64,
    /// (share of the top frame, frame hash, calls in it, topics in it)
    pub(super) top_frames: Vec<(u64, usize, usize)>,
    pub(super) top3_share: f64,
    pub(super) top_frame_topics: usize,
    pub(super) reasoning_share: f64,
    pub(super) harvest_share: f64,
    pub(super) temps: usize,
    pub(super) domains: usize,
    pub(super) dup_share: f64,
    pub(super) ips: HashSet<String>,
    pub(super) nets: HashSet<String>,
    /// Frames holding at least 10% of this group's calls.
    pub(super) big_frames: Vec<u64>,
}

fn net24(ip: &str) -> String {
    match ip.rsplit_once('.') {
        Some((n, _)) if ip.contains('.') => format!("{n}.0/24"),
        _ => ip.split(':').take(3).collect::<Vec<_>>().join(":") + "::/48",
    }
}

pub(super) fn group_word(g: GroupBy) -> &'static str {
    match g {
        GroupBy::Account => "account",
        GroupBy::Key => "API key",
        GroupBy::User => "user",
        GroupBy::Ip => "IP address",
    }
}

pub(super) fn group_key(c: &CallSummary, g: GroupBy) -> Option<&str> {
    match g {
        GroupBy::Account => c.account.as_deref(),
        GroupBy::Key => c.api_key_id.as_deref(),
        GroupBy::User => c.user.as_deref(),
        GroupBy::Ip => c.ip.as_deref(),
    }
    .filter(|k| !k.trim().is_empty())
}

pub(super) fn stats(
    key: String,
    idx: Vec<u32>,
    calls: &[CallSummary],
    dup_buckets: &HashMap<u64, u32>,
    opts: &AnalyzeOptions,
) -> GroupStats {
    let n = idx.len().max(1) as f64;
    let mut ts: Vec<i64> = idx.iter().filter_map(|&i| calls[i as usize].ts).collect();
    ts.sort_unstable();
    let span = if ts.len() >= 2 { (ts[ts.len() - 1] - ts[0]) as f64 } else { 0.0 };
    let days = (span / 86400.0).max(1.0);
    let (mut pt, mut ct) = (0u64, 0u64);
    let mut hours = [0f64; 24];
    let mut reasoning = 0usize;
    let mut harvest = 0usize;
    let mut temps: HashSet<i32> = HashSet::new();
    let mut topic_counts = [0usize; 256];
    let mut frames: HashMap<u64, (usize, [u16; 17])> = HashMap::new();
    let mut dups = 0usize;
    let mut ips = HashSet::new();
    let mut nets = HashSet::new();
    for &i in &idx {
        let c = &calls[i as usize];
        pt += c.prompt_tokens as u64;
        ct += c.completion_tokens as u64;
        if let Some(t) = c.ts {
            hours[(t.rem_euclid(86400) / 3600) as usize] += 1.0;
        }
        reasoning += c.reasoning as usize;
        if c.n > 1 || c.logprobs || c.max_tokens.map(|m| m >= opts.max_tokens_ceiling).unwrap_or(false) {
            harvest += 1;
        }
        if let Some(t) = c.temperature {
            temps.insert((t * 100.0).round() as i32);
        }
        topic_counts[c.topic as usize] += 1;
        for f in [c.frame_head, c.frame_tail] {
            let e = frames.entry(f).or_insert((0, [0; 17]));
            e.0 += 1;
            let t = if (c.topic as usize) < DOMAINS.len() { c.topic as usize } else { 16 };
            e.1[t.min(16)] = e.1[t.min(16)].saturating_add(1);
        }
        if c.lsh.iter().any(|b| dup_buckets.get(b).copied().unwrap_or(0) > 1) {
            dups += 1;
        }
        if let Some(ip) = &c.ip {
            if ips.len() < 10_000 {
                nets.insert(net24(ip));
                ips.insert(ip.clone());
            }
        }
    }
    let gaps: Vec<f64> = ts.windows(2).map(|w| (w[1] - w[0]) as f64).collect();
    let cv = if gaps.len() >= 5 {
        let m = gaps.iter().sum::<f64>() / gaps.len() as f64;
        let v = gaps.iter().map(|g| (g - m) * (g - m)).sum::<f64>() / gaps.len() as f64;
        if m > 0.0 {
            v.sqrt() / m
        } else {
            0.0
        }
    } else {
        f64::NAN
    };
    let ht: f64 = hours.iter().sum();
    let entropy = if ht > 0.0 { -hours.iter().filter(|h| **h > 0.0).map(|h| (h / ht) * (h / ht).log2()).sum::<f64>() } else { 0.0 };
    let classified: usize = topic_counts[..DOMAINS.len()].iter().sum();
    let domains = topic_counts[..DOMAINS.len()].iter().filter(|&&c| c >= 2 && c as f64 >= 0.03 * classified as f64).count();
    let mut fv: Vec<(u64, usize, [u16; 17])> = frames.into_iter().map(|(k, (c, t))| (k, c, t)).collect();
    fv.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let big_frames: Vec<u64> = fv.iter().filter(|f| f.1 as f64 >= 0.1 * n && f.1 >= 5).map(|f| f.0).collect();
    let top: Vec<_> = fv.iter().take(3).collect();
    // Head and tail frames of one call both count, so shares are taken over the top frame kind.
    let top3_share = (top.iter().map(|f| f.1).sum::<usize>() as f64 / n).min(1.0);
    let topics_in = |t: &[u16; 17], total: usize| t[..16].iter().filter(|&&c| c >= 2 && c as f64 >= 0.05 * total as f64).count();
    let top_frame_topics = top.first().map(|f| topics_in(&f.2, f.1)).unwrap_or(0);
    GroupStats {
        key,
        days,
        calls_per_day: idx.len() as f64 / days,
        out_per_day: ct as f64 / days,
        ratio: if pt > 0 { ct as f64 / pt as f64 } else { 0.0 },
        cv,
        entropy,
        hours,
        first_ts: ts.first().copied().unwrap_or(0),
        top_frames: top.iter().map(|f| (f.0, f.1, topics_in(&f.2, f.1))).collect(),
        top3_share,
        top_frame_topics,
        reasoning_share: reasoning as f64 / n,
        harvest_share: harvest as f64 / n,
        temps: temps.len(),
        domains,
        dup_share: dups as f64 / n,
        ips,
        nets,
        big_frames,
        idx,
    }
}

pub(super) fn median(mut v: Vec<f64>) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    v[v.len() / 2]
}
