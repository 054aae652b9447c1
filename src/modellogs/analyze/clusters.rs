//! Coordination: groups linked by a shared prompt template AND a shared network or
//! synchronized timing, joined into clusters (three or more groups) by union-find.

use std::collections::{HashMap, HashSet};

use super::report::{Cluster, Link};
use super::stats::GroupStats;

/// The clusters, largest first, and the cluster (index) of each group.
pub(super) struct Coordination {
    pub(super) clusters: Vec<Cluster>,
    pub(super) cluster_of: Vec<Option<usize>>,
}

/// Links and clusters over the groups `gs`; `missing` (the calls that name no group) is never
/// linked, and `log_start` (the first call's time) tells a creation burst from the log's start.
pub(super) fn coordinate(gs: &[GroupStats], missing: Option<usize>, log_start: i64) -> Coordination {
    let mut frame_owners: HashMap<u64, Vec<usize>> = HashMap::new();
    for (gi, g) in gs.iter().enumerate().filter(|(gi, _)| Some(*gi) != missing) {
        for f in &g.big_frames {
            frame_owners.entry(*f).or_default().push(gi);
        }
    }
    let mut shared_frames: HashMap<(usize, usize), usize> = HashMap::new();
    for owners in frame_owners.values() {
        if owners.len() < 2 || owners.len() > 2000 {
            continue;
        }
        for i in 0..owners.len() {
            for j in i + 1..owners.len() {
                *shared_frames.entry((owners[i], owners[j])).or_insert(0) += 1;
            }
        }
    }
    let mut parent: Vec<usize> = (0..gs.len()).collect();
    let mut links: Vec<(usize, usize, Vec<String>)> = Vec::new();
    let mut pairs: Vec<_> = shared_frames.into_iter().collect();
    pairs.sort();
    for ((a, b), nf) in pairs {
        let (ga, gb) = (&gs[a], &gs[b]);
        let mut kinds = vec![format!("{nf} shared template(s)")];
        let shared_ips = ga.ips.intersection(&gb.ips).count();
        let shared_nets = ga.nets.intersection(&gb.nets).count();
        let sync = cosine(&ga.hours, &gb.hours);
        // A creation burst only means something for accounts that appear after the log begins.
        let born_together = (ga.first_ts - gb.first_ts).abs() <= 2 * 86400 && ga.first_ts.min(gb.first_ts) > log_start + 86400;
        let mut strong = false;
        if shared_ips > 0 {
            kinds.push(format!("{shared_ips} shared IP(s)"));
            strong = true;
        }
        if shared_nets > 0 {
            kinds.push(format!("{shared_nets} shared /24 network(s)"));
            strong = true;
        }
        if sync > 0.95 && born_together {
            kinds.push(format!("synchronized hours (cosine {sync:.2}) and first seen within 48h"));
            strong = true;
        }
        if strong {
            let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
            parent[ra] = rb;
            links.push((a, b, kinds));
        }
    }
    let mut comps: HashMap<usize, Vec<usize>> = HashMap::new();
    for i in 0..gs.len() {
        let r = find(&mut parent, i);
        comps.entry(r).or_default().push(i);
    }
    let mut comp_list: Vec<Vec<usize>> = comps.into_values().filter(|c| c.len() >= 3).collect();
    comp_list.sort_by(|a, b| b.len().cmp(&a.len()).then(a[0].cmp(&b[0])));
    let mut cluster_of: Vec<Option<usize>> = vec![None; gs.len()];
    let mut clusters = Vec::new();
    for (ci, comp) in comp_list.iter().enumerate() {
        let set: HashSet<usize> = comp.iter().copied().collect();
        let cl: Vec<&(usize, usize, Vec<String>)> = links.iter().filter(|l| set.contains(&l.0)).collect();
        let nets: HashSet<&String> = comp.iter().flat_map(|&g| gs[g].nets.iter()).collect();
        let calls_total: usize = comp.iter().map(|&g| gs[g].idx.len()).sum();
        let first = comp.iter().map(|&g| gs[g].first_ts).min().unwrap_or(0);
        let last = comp.iter().map(|&g| gs[g].first_ts).max().unwrap_or(0);
        let reason = format!(
            "{} accounts ({} calls) joined by {} links: they send the same prompt templates and share IPs or /24 networks ({} networks in all) or synchronized timing; first seen within {:.1} days of each other",
            comp.len(), calls_total, cl.len(), nets.len(), (last - first) as f64 / 86400.0
        );
        for &g in comp {
            cluster_of[g] = Some(ci);
        }
        clusters.push(Cluster {
            accounts: comp.iter().map(|&g| gs[g].key.clone()).collect(),
            reason,
            links: cl.iter().take(200).map(|l| Link { a: gs[l.0].key.clone(), b: gs[l.1].key.clone(), kinds: l.2.clone() }).collect(),
        });
    }
    Coordination { clusters, cluster_of }
}

/// Root of `x` in the union-find forest `p`, compressing the path.
fn find(p: &mut [usize], x: usize) -> usize {
    let mut r = x;
    while p[r] != r {
        r = p[r];
    }
    let mut y = x;
    while p[y] != r {
        let n = p[y];
        p[y] = r;
        y = n;
    }
    r
}

/// Cosine similarity of two hour-of-day profiles.
fn cosine(a: &[f64; 24], b: &[f64; 24]) -> f64 {
    let d: f64 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let na: f64 = a.iter().map(|x| x * x).sum::<f64>().sqrt();
    let nb: f64 = b.iter().map(|x| x * x).sum::<f64>().sqrt();
    if na > 0.0 && nb > 0.0 {
        d / (na * nb)
    } else {
        0.0
    }
}
