//! Estimating what review has not reached yet: a seeded random sample of the uncoded
//! responsive items, coded by reviewers, projected onto the rest with a 95% Wilson interval.
//!
//! Wilson's interval rather than the textbook normal one because samples are small and rates
//! near zero (privilege rates of 1–5% are common), where the normal interval runs below zero
//! and covers the true rate far less often than it claims.
//!
//! What is projected is the rate in the *remainder* (the items the sample did not take), not in
//! an endless population: the sample's rate and the remainder's differ by the sampling error
//! of both, whose variance is p(1−p)·(1/n + 1/R). The interval is therefore Wilson's at the
//! effective size n·R/(n+R): the plain n when the remainder is vast, smaller (wider interval)
//! when the sample is a large share of what is left. With the plain n, a 60-item sample of
//! 400 held the remainder's true rate in only 18 of 20 seeded runs.

use super::report::Proportion;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// z for a two-sided 95% interval.
const Z: f64 = 1.959963984540054;

/// The 95% Wilson score interval for `hits` out of `n`.
pub fn wilson(hits: u64, n: u64) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    wilson_at(hits as f64 / n as f64, n as f64)
}

/// Wilson's interval for an observed rate `p` at sample size `n` (which may be fractional: an
/// effective size).
fn wilson_at(p: f64, n: f64) -> (f64, f64) {
    let z2 = Z * Z;
    let denom = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denom;
    let half = Z / denom * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

/// The 95% Wilson interval for the rate in `remainder` items, from `hits` of `n` sampled.
pub fn wilson_for_remainder(hits: u64, n: u64, remainder: u64) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    let effective = if remainder == 0 { n as f64 } else { n as f64 * remainder as f64 / (n + remainder) as f64 };
    wilson_at(hits as f64 / n as f64, effective)
}

/// A proportion seen in a coded sample, projected onto `remainder` items.
pub fn proportion(hits: u64, coded: u64, remainder: u64) -> Proportion {
    let (low, high) = wilson_for_remainder(hits, coded, remainder);
    let rate = if coded == 0 { 0.0 } else { hits as f64 / coded as f64 };
    let project = |r: f64| (r * remainder as f64).round() as u64;
    Proportion { hits, rate, low, high, projected: project(rate), projected_low: project(low), projected_high: project(high) }
}

/// `n` of `population` (sorted ids), drawn without replacement by a generator seeded with
/// `seed`: the same seed over the same population draws the same items, so a sample can be
/// re-drawn and checked. ChaCha8 because its output is fixed by its specification, not by the
/// version of a crate.
pub fn draw(population: &[u64], n: usize, seed: u64) -> Vec<u64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut picked: Vec<u64> =
        rand::seq::index::sample(&mut rng, population.len(), n.min(population.len())).into_iter().map(|i| population[i]).collect();
    picked.sort_unstable();
    picked
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_matches_published_values() {
        // Newcombe (1998), table I: 81/263 → 0.2553–0.3662; 15/148 → 0.0624–0.1605; 0/20 → 0–0.1611.
        let close = |a: f64, b: f64| (a - b).abs() < 5e-4;
        let (l, h) = wilson(81, 263);
        assert!(close(l, 0.2553) && close(h, 0.3662), "{l} {h}");
        let (l, h) = wilson(15, 148);
        assert!(close(l, 0.0624) && close(h, 0.1605), "{l} {h}");
        let (l, h) = wilson(0, 20);
        assert!(l == 0.0 && close(h, 0.1611), "{l} {h}");
    }

    #[test]
    fn a_seed_draws_the_same_sample_and_another_seed_another() {
        let pop: Vec<u64> = (1..=1000).collect();
        let a = draw(&pop, 50, 7);
        assert_eq!(a.len(), 50);
        assert_eq!(a, draw(&pop, 50, 7));
        assert_ne!(a, draw(&pop, 50, 8));
        assert!(a.windows(2).all(|w| w[0] < w[1]), "sorted, no repeats");
        assert_eq!(draw(&pop[..10], 50, 1).len(), 10, "never more than the population");
    }

    #[test]
    fn a_small_remainder_widens_the_interval_and_a_vast_one_does_not() {
        let plain = wilson(12, 60);
        let vast = wilson_for_remainder(12, 60, 10_000_000);
        assert!((plain.0 - vast.0).abs() < 1e-4 && (plain.1 - vast.1).abs() < 1e-4);
        let small = wilson_for_remainder(12, 60, 340);
        assert!(small.0 < plain.0 && small.1 > plain.1, "{small:?} vs {plain:?}");
    }

    #[test]
    fn projection_rounds_to_whole_items() {
        let p = proportion(10, 100, 1000);
        assert_eq!(p.projected, 100);
        assert!(p.projected_low < 100 && p.projected_high > 100);
    }
}
