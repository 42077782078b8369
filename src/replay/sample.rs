//! Sampling arrivals from fitted processes (the fitted modes' step 3).
//!
//! Each (model, interval) pair draws from its own generator, seeded from the user's seed and
//! the pair's indices, so the arrivals depend only on the inputs and the seed — never on thread
//! count, scheduling or which other models are replayed alongside.

use rand::SeedableRng;
use rand_distr::{Distribution, Exp, Gamma, Pareto};
use rand_xoshiro::Xoshiro256PlusPlus;

use super::fit::Process;

/// SplitMix64's finaliser: decorrelates nearby seeds.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The generator for one model's interval.
pub fn interval_rng(seed: u64, model: usize, interval: usize) -> Xoshiro256PlusPlus {
    let key =
        mix(mix(mix(seed) ^ model as u64) ^ (interval as u64).wrapping_add(0x9e37_79b9_7f4a_7c15));
    Xoshiro256PlusPlus::seed_from_u64(key)
}

/// Appends the arrivals of `process` in `[start, end)` to `out`: first arrival at
/// `start + gap`, then one gap after another while before `end`. Sorted by construction.
pub fn sample_interval(
    process: &Process,
    start: f64,
    end: f64,
    rng: &mut Xoshiro256PlusPlus,
    out: &mut Vec<f64>,
) {
    match *process {
        Process::Poisson { rate } => {
            if let Ok(d) = Exp::new(rate) {
                run(start, end, out, || d.sample(rng));
            }
        }
        Process::Gamma { rate, cv } => {
            let cv2 = cv * cv;
            if cv2 == 0.0 {
                run(start, end, out, || 1.0 / rate);
            } else if let Ok(d) = Gamma::new(1.0 / cv2, cv2 / rate) {
                run(start, end, out, || d.sample(rng));
            }
        }
        Process::Deterministic { rate } => run(start, end, out, || 1.0 / rate),
        Process::Pareto { shape, gap_scale } => {
            if let Ok(d) = Pareto::new(1.0, shape) {
                run(start, end, out, || gap_scale * (d.sample(rng) - 1.0));
            }
        }
    }
}

fn run(start: f64, end: f64, out: &mut Vec<f64>, mut gap: impl FnMut() -> f64) {
    let mut t = start;
    loop {
        let g = gap();
        // A NaN or negative gap would loop forever or unsort the output.
        if g.is_nan() || g < 0.0 {
            return;
        }
        // Equal timestamps are allowed: bursty gamma gaps underflow to 0, as real bursts do.
        t += g;
        if t.is_nan() || t >= end {
            return;
        }
        out.push(t);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_gaps() {
        let mut out = vec![];
        let mut rng = interval_rng(0, 0, 0);
        sample_interval(
            &Process::Deterministic { rate: 0.5 },
            10.0,
            20.0,
            &mut rng,
            &mut out,
        );
        assert_eq!(out, vec![12.0, 14.0, 16.0, 18.0]);
    }

    #[test]
    fn same_seed_same_arrivals_other_seed_other_arrivals() {
        let p = Process::Gamma { rate: 2.0, cv: 3.0 };
        let draw = |seed, model, interval| {
            let mut out = vec![];
            sample_interval(
                &p,
                0.0,
                100.0,
                &mut interval_rng(seed, model, interval),
                &mut out,
            );
            out
        };
        assert_eq!(draw(1, 2, 3), draw(1, 2, 3));
        assert_ne!(draw(1, 2, 3), draw(1, 2, 4));
        assert_ne!(draw(1, 2, 3), draw(2, 2, 3));
    }

    #[test]
    fn pareto_stays_inside_and_sorted() {
        let mut out = vec![];
        let p = Process::Pareto {
            shape: 0.3,
            gap_scale: 1.0,
        };
        for i in 0..50 {
            sample_interval(&p, 0.0, 3600.0, &mut interval_rng(7, 0, i), &mut out);
            assert!(out.is_sorted() && out.iter().all(|&t| (0.0..3600.0).contains(&t)));
            out.clear();
        }
    }
}
