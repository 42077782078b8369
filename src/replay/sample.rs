//! Sampling arrivals from fitted processes (the fitted modes' step 3).
//!
//! Each (model, interval) pair draws from its own generator, seeded from the user's seed and
//! the pair's indices, so the arrivals depend only on the inputs and the seed — never on thread
//! count, scheduling or which other models are replayed alongside.

use rand::{Rng, RngExt, SeedableRng};
use rand_distr::{Distribution, Exp, Exp1, Pareto, StandardNormal};
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
/// Stops early, returning `false`, once `out` holds `limit` values (a bursty gamma can make
/// far more arrivals than its rate says).
pub fn sample_interval(
    process: &Process,
    start: f64,
    end: f64,
    rng: &mut Xoshiro256PlusPlus,
    out: &mut Vec<f64>,
    limit: usize,
) -> bool {
    sample_interval_from(process, start, end, rng, out, limit, false)
}

/// [`sample_interval`], the process started in equilibrium when `stationary`: the first gap
/// is the time to the next arrival seen from a random instant (the forward recurrence time),
/// so that the interval expects exactly rate × length arrivals. Started afresh, a renewal
/// process of cv > 1 makes about (cv² − 1)/2 more an interval (the original's way, kept
/// for its estimator: +6 % on a bursty sample model of 24 requests an interval).
pub fn sample_interval_from(
    process: &Process,
    start: f64,
    end: f64,
    rng: &mut Xoshiro256PlusPlus,
    out: &mut impl Out,
    limit: usize,
    stationary: bool,
) -> bool {
    match *process {
        // Length-biased gamma(k, θ) is gamma(k + 1, θ); the instant falls uniformly in it.
        Process::Gamma { rate, cv } if stationary && cv > 0.0 => {
            let cv2 = cv * cv;
            let (Some(d), Some(biased)) = (
                GammaGaps::new(1.0 / cv2, cv2 / rate),
                GammaGaps::new(1.0 / cv2 + 1.0, cv2 / rate),
            ) else {
                return true;
            };
            let mut first = true;
            run(start, end, out, limit, || {
                if std::mem::take(&mut first) {
                    let u: f64 = rng.random();
                    u * biased.sample(rng)
                } else {
                    d.sample(rng)
                }
            })
        }
        // Length-biased Weibull(k, λ) is λ·G^(1/k), G ~ gamma(1 + 1/k, 1).
        Process::Weibull { rate, shape } if stationary => {
            let (Some(scale), Some(biased)) = (
                weibull_scale(rate, shape),
                GammaGaps::new(1.0 + 1.0 / shape, 1.0),
            ) else {
                return true;
            };
            let inv = 1.0 / shape;
            let mut first = true;
            run(start, end, out, limit, || {
                if std::mem::take(&mut first) {
                    let u: f64 = rng.random();
                    u * scale * biased.sample(rng).powf(inv)
                } else {
                    let e: f64 = rng.sample(Exp1);
                    scale * e.powf(inv)
                }
            })
        }
        Process::Deterministic { rate } if stationary => {
            let mut first = Some(rng.random::<f64>() / rate);
            run(start, end, out, limit, || {
                first.take().unwrap_or(1.0 / rate)
            })
        }
        _ => sample_renewal(process, start, end, rng, out, limit),
    }
}

/// The Weibull scale λ whose gaps of shape `shape` have mean `1 / rate`.
fn weibull_scale(rate: f64, shape: f64) -> Option<f64> {
    let scale = 1.0 / (rate * statrs::function::gamma::gamma(1.0 + 1.0 / shape));
    (scale.is_finite() && scale > 0.0 && shape.is_finite() && shape > 0.0).then_some(scale)
}

/// A renewal process started afresh at `start` (the original's way).
fn sample_renewal(
    process: &Process,
    start: f64,
    end: f64,
    rng: &mut Xoshiro256PlusPlus,
    out: &mut impl Out,
    limit: usize,
) -> bool {
    match *process {
        Process::Poisson { rate } => match Exp::new(rate) {
            Ok(d) => run(start, end, out, limit, || d.sample(rng)),
            Err(_) => true,
        },
        Process::Gamma { rate, cv } => {
            let cv2 = cv * cv;
            if cv2 == 0.0 {
                run(start, end, out, limit, || 1.0 / rate)
            } else if let Some(d) = GammaGaps::new(1.0 / cv2, cv2 / rate) {
                run(start, end, out, limit, || d.sample(rng))
            } else {
                true
            }
        }
        Process::Deterministic { rate } => run(start, end, out, limit, || 1.0 / rate),
        Process::Weibull { rate, shape } => match weibull_scale(rate, shape) {
            Some(scale) => {
                let inv = 1.0 / shape;
                run(start, end, out, limit, || {
                    let e: f64 = rng.sample(Exp1);
                    scale * e.powf(inv)
                })
            }
            None => true,
        },
        Process::Pareto { shape, gap_scale } => match Pareto::new(1.0, shape) {
            Ok(d) => run(start, end, out, limit, || gap_scale * (d.sample(rng) - 1.0)),
            Err(_) => true,
        },
    }
}

/// Gamma variates by Marsaglia and Tsang's method (as rand_distr's `Gamma`), with one
/// change that halves the cost of the bursty case: for shape `a < 1` the boost factor
/// `U^(1/a)` is drawn as `exp(-E/a)` with `E ~ Exp(1)` from the ziggurat (the same
/// distribution, as `-ln U ~ Exp(1)`) instead of a `powf`, which took half the time of a
/// variate. Measured by the bench's sampler floor (`cargo run --release --example bench`).
#[derive(Debug, Clone, Copy)]
pub struct GammaGaps {
    d: f64,
    c: f64,
    /// `d × scale`: the factor of the accepted `v`.
    out: f64,
    /// `1/a` when `a < 1`.
    inv_shape: Option<f64>,
}

impl GammaGaps {
    /// Gamma(shape, scale); `None` unless both are positive and finite.
    pub fn new(shape: f64, scale: f64) -> Option<GammaGaps> {
        if !(shape > 0.0 && shape.is_finite() && scale > 0.0 && scale.is_finite()) {
            return None;
        }
        let (big, inv_shape) = if shape < 1.0 {
            (shape + 1.0, Some(1.0 / shape))
        } else {
            (shape, None)
        };
        let d = big - 1.0 / 3.0;
        Some(GammaGaps {
            d,
            c: 1.0 / (9.0 * d).sqrt(),
            out: d * scale,
            inv_shape,
        })
    }

    /// One variate.
    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        let v = self.unscaled(rng);
        match self.inv_shape {
            // exp(-E/a) ≤ 1 and v·d is small: scale last so an overflow is inf, never NaN.
            Some(inv) => {
                let e: f64 = rng.sample(Exp1);
                v * (-e * inv).exp() * self.out
            }
            None => v * self.out,
        }
    }

    /// Marsaglia–Tsang's `v` for shape `d + 1/3` (accepts about 98 % of the time).
    #[inline]
    fn unscaled<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        loop {
            let x: f64 = rng.sample(StandardNormal);
            let v_cbrt = 1.0 + self.c * x;
            if v_cbrt <= 0.0 {
                continue;
            }
            let v = v_cbrt * v_cbrt * v_cbrt;
            let u: f64 = rng.random();
            let x2 = x * x;
            if u < 1.0 - 0.0331 * x2 * x2 || u.ln() < 0.5 * x2 + self.d * (1.0 - v + v.ln()) {
                return v;
            }
        }
    }
}

/// The sampling loop of [`sample_interval`]; `false` when it stopped at `limit`.
fn run(
    start: f64,
    end: f64,
    out: &mut impl Out,
    limit: usize,
    mut gap: impl FnMut() -> f64,
) -> bool {
    let mut t = start;
    loop {
        let g = gap();
        // A NaN or negative gap would loop forever or unsort the output.
        if g.is_nan() || g < 0.0 {
            return true;
        }
        // Equal timestamps are allowed: bursty gamma gaps underflow to 0, as real bursts do.
        t += g;
        if t.is_nan() || t >= end {
            return true;
        }
        if out.len() >= limit {
            return false;
        }
        out.push(t);
    }
}

/// Where sampled arrivals go, one after another.
pub trait Out {
    /// Arrivals so far.
    fn len(&self) -> usize;
    /// `true` before the first.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Adds one.
    fn push(&mut self, t: f64);
}

impl Out for Vec<f64> {
    #[inline]
    fn len(&self) -> usize {
        Vec::len(self)
    }
    #[inline]
    fn push(&mut self, t: f64) {
        Vec::push(self, t);
    }
}

/// A stretch of the output set aside for one range of intervals, and a vector for what does
/// not fit in it.
pub(crate) struct Slot<'a> {
    /// The stretch; its first `filled` values are arrivals.
    pub(crate) place: &'a mut [f64],
    pub(crate) filled: usize,
    /// Arrivals after the stretch filled up.
    pub(crate) spill: Vec<f64>,
}

impl<'a> Slot<'a> {
    pub(crate) fn new(place: &'a mut [f64]) -> Slot<'a> {
        Slot {
            place,
            filled: 0,
            spill: Vec::new(),
        }
    }
}

impl Out for Slot<'_> {
    #[inline]
    fn len(&self) -> usize {
        self.filled + self.spill.len()
    }
    #[inline]
    fn push(&mut self, t: f64) {
        match self.place.get_mut(self.filled) {
            Some(v) => {
                *v = t;
                self.filled += 1;
            }
            None => self.spill.push(t),
        }
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
            usize::MAX,
        );
        assert_eq!(out, vec![12.0, 14.0, 16.0, 18.0]);
        // The limit stops it, and says so.
        let mut out = vec![];
        let p = Process::Deterministic { rate: 0.5 };
        assert!(!sample_interval(&p, 10.0, 20.0, &mut rng, &mut out, 3));
        assert_eq!(out, vec![12.0, 14.0, 16.0]);
        assert!(sample_interval(&p, 10.0, 20.0, &mut rng, &mut vec![], 4));
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
                usize::MAX,
            );
            out
        };
        assert_eq!(draw(1, 2, 3), draw(1, 2, 3));
        assert_ne!(draw(1, 2, 3), draw(1, 2, 4));
        assert_ne!(draw(1, 2, 3), draw(2, 2, 3));
    }

    /// Kolmogorov–Smirnov distance of `n` draws from the exact CDF (statrs).
    fn ks(shape: f64, scale: f64, n: usize) -> f64 {
        use statrs::distribution::{ContinuousCDF, Gamma as Exact};
        let g = GammaGaps::new(shape, scale).unwrap();
        let mut rng = interval_rng(11, 0, 0);
        let mut x: Vec<f64> = (0..n).map(|_| g.sample(&mut rng)).collect();
        x.sort_by(f64::total_cmp);
        let exact = Exact::new(shape, 1.0 / scale).unwrap();
        x.iter()
            .enumerate()
            .map(|(i, &v)| {
                let f = exact.cdf(v);
                (f - i as f64 / n as f64).max((i + 1) as f64 / n as f64 - f)
            })
            .fold(0.0, f64::max)
    }

    #[test]
    fn gamma_gaps_follow_the_gamma_law() {
        // 1.63/sqrt(n) is the 1 % critical value; a wrong boost or scale is off by far more.
        let n = 40_000;
        let crit = 1.63 / (n as f64).sqrt();
        for (shape, scale) in [
            (0.05, 3.0),
            (0.3, 0.5),
            (0.999, 1.0),
            (1.0, 2.0),
            (4.5, 0.1),
        ] {
            let d = ks(shape, scale, n);
            assert!(d < crit, "shape {shape} scale {scale}: KS {d} >= {crit}");
        }
        assert!(GammaGaps::new(0.0, 1.0).is_none());
        assert!(GammaGaps::new(1.0, f64::INFINITY).is_none());
    }

    #[test]
    fn pareto_stays_inside_and_sorted() {
        let mut out = vec![];
        let p = Process::Pareto {
            shape: 0.3,
            gap_scale: 1.0,
        };
        for i in 0..50 {
            sample_interval(
                &p,
                0.0,
                3600.0,
                &mut interval_rng(7, 0, i),
                &mut out,
                usize::MAX,
            );
            assert!(out.is_sorted() && out.iter().all(|&t| (0.0..3600.0).contains(&t)));
            out.clear();
        }
    }
}
