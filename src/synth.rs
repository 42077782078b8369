//! Full-scale synthetic traces for benchmarks, with no Python: the shapes of
//! `tools/gen_trace.py` (heavy-tailed popularity, diurnal and weekly cycles, bursty on/off
//! functions, timers with start jitter, rarely invoked functions; v1 functions that appear or
//! vanish part-way), from a seed. Not byte-identical to the Python generator; nothing here is
//! real data.

use rand::RngExt;
use rand_distr::{Distribution, Gamma, LogNormal, Normal, Poisson};
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::trace::{Counts, DAY_MINUTES, DAY_SECONDS, Function, Series, Trace, TraceKind};

/// An azure_v2-like trace.
#[derive(Debug, Clone)]
pub struct V2Options {
    /// Functions (default 424, as the 2021 trace).
    pub functions: usize,
    /// Invocations in all (default 1,980,951, as the 2021 trace).
    pub total: usize,
    /// Days (default 14).
    pub days: u32,
    /// Seed.
    pub seed: u64,
}

impl Default for V2Options {
    fn default() -> Self {
        V2Options {
            functions: 424,
            total: 1_980_951,
            days: 14,
            seed: 0,
        }
    }
}

/// An azure_v1-like trace.
#[derive(Debug, Clone)]
pub struct V1Options {
    /// Functions (default 10,000: an 808 MB pickle at 14 days).
    pub functions: usize,
    /// Days (default 14).
    pub days: u32,
    /// Seed.
    pub seed: u64,
}

impl Default for V1Options {
    fn default() -> Self {
        V1Options {
            functions: 10_000,
            days: 14,
            seed: 0,
        }
    }
}

type Rng = Xoshiro256PlusPlus;

fn rng(seed: u64, kind: u64, index: u64) -> Rng {
    crate::replay::sample::interval_rng(seed ^ kind.rotate_left(32), index as usize, 0)
}

fn name(seed: u64, kind: &str, index: usize) -> String {
    let mut r = rng(seed, kind.len() as u64 + 7, index as u64);
    (0..4)
        .map(|_| format!("{:016x}", r.random::<u64>()))
        .collect()
}

fn choose(r: &mut Rng, p: &[f64]) -> usize {
    let u = r.random::<f64>() * p.iter().sum::<f64>();
    let mut acc = 0.0;
    for (i, &x) in p.iter().enumerate() {
        acc += x;
        if u < acc {
            return i;
        }
    }
    p.len() - 1
}

fn std_normal(r: &mut Rng) -> f64 {
    Normal::new(0.0f64, 1.0).map_or(0.0, |n| n.sample(r))
}

/// Relative intensity per minute (mean 1): diurnal × weekly × day level × 10-minute Cox noise,
/// optionally gated by on/off bursts.
fn profile(r: &mut Rng, minutes: usize, bursty: bool) -> Vec<f64> {
    let amp = r.random_range(0.15..0.85);
    let peak = (15.0 + 3.0 * std_normal(r)).rem_euclid(24.0);
    let weekend = r.random_range(0.35..1.0);
    let days = minutes.div_ceil(DAY_MINUTES);
    let level: Vec<f64> = (0..days).map(|_| (0.15 * std_normal(r)).exp()).collect();
    let k = r.random_range(1.5..30.0);
    let noise = Gamma::new(k, 1.0 / k).ok();
    let mut block = 1.0;
    let mut prof: Vec<f64> = (0..minutes)
        .map(|t| {
            if t % 10 == 0 {
                block = noise.map_or(1.0, |g| g.sample(r));
            }
            let hour = (t % DAY_MINUTES) as f64 / 60.0;
            let day = t / DAY_MINUTES;
            let week = if day % 7 >= 5 { weekend } else { 1.0 };
            (1.0 + amp * (std::f64::consts::TAU * (hour - peak) / 24.0).cos())
                * week
                * level[day]
                * block
        })
        .collect();
    if bursty {
        let mut on = vec![false; minutes];
        let mut pos = r.random_range(0..360usize);
        let on_len = LogNormal::new(20f64.ln(), 1.0).ok();
        let off_len = LogNormal::new(240f64.ln(), 1.2).ok();
        while pos < minutes {
            let l = on_len.map_or(20.0, |d| d.sample(r)).max(1.0) as usize;
            on[pos..(pos + l).min(minutes)].fill(true);
            pos += l + off_len.map_or(240.0, |d| d.sample(r)).max(1.0) as usize;
        }
        if !on.iter().any(|&x| x) {
            on[r.random_range(0..minutes)] = true;
        }
        for (p, o) in prof.iter_mut().zip(on) {
            if !o {
                *p = 0.0;
            }
        }
    }
    let s: f64 = prof.iter().sum();
    if s <= 0.0 {
        return vec![1.0; minutes];
    }
    let scale = minutes as f64 / s;
    prof.iter_mut().for_each(|p| *p *= scale);
    prof
}

/// `n` times drawn from a per-minute intensity.
fn profile_times(r: &mut Rng, n: usize, prof: &[f64]) -> Vec<f64> {
    let mut cdf = Vec::with_capacity(prof.len());
    let mut acc = 0.0;
    for &p in prof {
        acc += p;
        cdf.push(acc);
    }
    (0..n)
        .map(|_| {
            let u = r.random::<f64>() * acc;
            let minute = cdf.partition_point(|&c| c <= u).min(prof.len() - 1);
            minute as f64 * 60.0 + r.random::<f64>() * 60.0
        })
        .collect()
}

const V2_TIMER_PERIODS: [f64; 10] = [
    60., 120., 300., 600., 900., 1200., 1800., 3600., 21600., 86400.,
];
const V2_TIMER_P: [f64; 10] = [0.06, 0.06, 0.20, 0.14, 0.10, 0.08, 0.10, 0.14, 0.04, 0.08];

/// An azure_v2-like trace of exactly `o.total` invocations (at least 2 per function).
pub fn v2(o: &V2Options) -> Trace {
    let n = o.functions.max(1);
    let total = o.total.max(2 * n);
    let horizon = f64::from(o.days.max(1)) * DAY_SECONDS as f64;
    let minutes = o.days.max(1) as usize * DAY_MINUTES;
    let mut g = rng(o.seed, 2, u64::MAX);
    let mut order: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        order.swap(i, g.random_range(0..=i));
    }
    let (rare, timer, bursty) = (n * 12 / 100, n * 12 / 100, n * 18 / 100);
    let role = |i: usize| {
        let at = order.iter().position(|&x| x == i).unwrap_or(0);
        if at < rare {
            0
        } else if at < rare + timer {
            1
        } else if at < rare + timer + bursty {
            2
        } else {
            3
        }
    };
    let roles: Vec<u8> = (0..n).map(role).collect();
    let mut periods: Vec<(usize, f64)> = (0..n)
        .filter(|&i| roles[i] == 1)
        .map(|i| (i, V2_TIMER_PERIODS[choose(&mut g, &V2_TIMER_P)]))
        .collect();
    // Timers at most 12 % of all invocations, as in the published trace.
    while !periods.is_empty()
        && periods.iter().map(|p| horizon / p.1).sum::<f64>() > 0.12 * total as f64
    {
        if let Some(p) = periods.iter_mut().min_by(|a, b| a.1.total_cmp(&b.1)) {
            p.1 *= 2.0;
        }
    }
    let mut arrivals: Vec<Vec<f64>> = vec![Vec::new(); n];
    for &(i, period) in &periods {
        let mut r = rng(o.seed, 2, i as u64);
        let phase = r.random::<f64>() * period;
        let jitter = Gamma::new(2.0, 0.015).ok();
        let mut t = phase;
        while t < horizon {
            let x = t + jitter.map_or(0.0, |j| j.sample(&mut r));
            if x < horizon && r.random::<f64>() >= 0.001 {
                arrivals[i].push(x);
            }
            t += period;
        }
        if arrivals[i].is_empty() {
            arrivals[i].push(phase.min(horizon - 1.0));
        }
    }
    for i in (0..n).filter(|&i| roles[i] == 0) {
        let mut r = rng(o.seed, 2, i as u64);
        let k = (1 + (r.random::<f64>().ln() / 0.75f64.ln()) as usize).min(40);
        let start = r.random::<f64>() * (horizon - 3600.0).max(0.0);
        arrivals[i] = (0..k)
            .map(|_| start + r.random::<f64>() * 3600.0_f64.min(horizon))
            .collect();
    }
    let fixed: usize = arrivals.iter().map(Vec::len).sum();
    let rest: Vec<usize> = (0..n).filter(|&i| roles[i] >= 2).collect();
    let budget = total.saturating_sub(fixed).max(rest.len());
    // Heavy-tailed popularity: lognormal weights, every function at least one invocation.
    let w: Vec<f64> = rest
        .iter()
        .map(|_| LogNormal::new(0.0, 2.2).map_or(1.0, |d| d.sample(&mut g)))
        .collect();
    let counts = apportion(budget - rest.len(), &w);
    for (k, &i) in rest.iter().enumerate() {
        let mut r = rng(o.seed, 2, i as u64);
        let prof = profile(&mut r, minutes, roles[i] == 2);
        arrivals[i] = profile_times(&mut r, counts[k] + 1, &prof);
    }
    let mut functions: Vec<(f64, usize, Function)> = arrivals
        .into_iter()
        .enumerate()
        .map(|(i, mut t)| {
            t.sort_by(f64::total_cmp);
            (
                t[0],
                i,
                Function::new(name(o.seed, "v2", i), Series::Times(t.into())),
            )
        })
        .collect();
    // First-appearance order, like the 2021 preprocessing.
    functions.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let functions = functions.into_iter().map(|f| f.2).collect();
    Trace::new("synthetic_v2", TraceKind::V2, functions, vec![])
        .unwrap_or_else(|e| panic!("synthetic v2: {e}"))
}

/// Splits `total` in proportion to `weights` (largest remainders), exactly.
fn apportion(total: usize, weights: &[f64]) -> Vec<usize> {
    let sum: f64 = weights.iter().sum();
    let exact: Vec<f64> = weights.iter().map(|w| w / sum * total as f64).collect();
    let mut out: Vec<usize> = exact.iter().map(|x| x.floor() as usize).collect();
    let mut left = total - out.iter().sum::<usize>();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&a, &b| (exact[b] - exact[b].floor()).total_cmp(&(exact[a] - exact[a].floor())));
    for i in order {
        if left == 0 {
            break;
        }
        out[i] += 1;
        left -= 1;
    }
    out
}

const V1_TRIGGERS: [&str; 6] = ["http", "queue", "event", "timer", "orchestration", "others"];
const V1_TRIGGER_P: [f64; 6] = [0.55, 0.15, 0.02, 0.16, 0.07, 0.05];
const V1_LOG10_DAILY: [(f64, f64); 6] = [
    (1.5, 1.6),
    (2.1, 1.7),
    (3.0, 1.6),
    (0.0, 0.0),
    (1.7, 1.5),
    (1.3, 1.5),
];
const V1_TIMER_PERIODS: [usize; 10] = [1, 2, 5, 10, 15, 30, 60, 120, 360, 1440];
const V1_TIMER_P: [f64; 10] = [0.14, 0.04, 0.22, 0.10, 0.10, 0.08, 0.16, 0.04, 0.04, 0.08];

/// An azure_v1-like trace.
pub fn v1(o: &V1Options) -> Trace {
    let days = o.days.max(1) as usize;
    let minutes = days * DAY_MINUTES;
    let mut rows: Vec<(usize, String, Function)> = (0..o.functions.max(1))
        .map(|i| {
            let mut r = rng(o.seed, 1, i as u64);
            let trig = choose(&mut r, &V1_TRIGGER_P);
            let (mut first, mut last) = (0, days - 1);
            let u = r.random::<f64>();
            if days > 1 && u < 0.10 {
                first = r.random_range(1..days);
            } else if days > 1 && u < 0.16 {
                last = r.random_range(0..days - 1);
            }
            let (lo, hi) = (first * DAY_MINUTES, (last + 1) * DAY_MINUTES);
            let mut c = vec![0u32; minutes];
            if V1_TRIGGERS[trig] == "timer" {
                let period = V1_TIMER_PERIODS[choose(&mut r, &V1_TIMER_P)];
                let fan = if r.random::<f64>() < 0.1 {
                    r.random_range(2..20)
                } else {
                    1
                };
                let mut m = lo + r.random_range(0..period);
                while m < hi {
                    if r.random::<f64>() >= 0.001 {
                        c[m] = fan;
                    }
                    m += period;
                }
            } else {
                let (mu, sd) = V1_LOG10_DAILY[trig];
                let daily = 10f64
                    .powf(Normal::new(mu, sd).map_or(mu, |d| d.sample(&mut r)))
                    .min(2.0e7);
                let bursty = daily < 2e5
                    && r.random::<f64>() < if matches!(trig, 1 | 2 | 5) { 0.35 } else { 0.2 };
                let prof = profile(&mut r, hi - lo, bursty);
                for (m, p) in prof.iter().enumerate() {
                    let lam = (p * daily / DAY_MINUTES as f64).min(5e4);
                    if lam > 0.0 {
                        c[lo + m] = Poisson::new(lam).map_or(0.0, |d| d.sample(&mut r)) as u32;
                    }
                }
            }
            if c.iter().all(|&x| x == 0) {
                c[lo + r.random_range(0..hi - lo)] = 1;
            }
            let n = name(o.seed, "v1", i);
            let mut f = Function::new(n.clone(), Series::Counts(Counts::from(c)));
            f.trigger = Some(V1_TRIGGERS[trig].to_string());
            (first, n, f)
        })
        .collect();
    // Day-1 functions first, then those first seen later, as the 2019 preprocessing orders them.
    rows.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
    let functions = rows.into_iter().map(|r| r.2).collect();
    Trace::new("synthetic_v1", TraceKind::V1, functions, vec![])
        .unwrap_or_else(|e| panic!("synthetic v1: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v2_has_the_asked_shape_and_is_deterministic() {
        let o = V2Options {
            functions: 30,
            total: 5000,
            days: 2,
            seed: 3,
        };
        let t = v2(&o);
        assert_eq!(t.functions.len(), 30);
        assert_eq!(t.invocations(), 5000);
        assert_eq!(t.days, 2);
        assert_eq!(v2(&o), t);
        assert_ne!(v2(&V2Options { seed: 4, ..o }), t);
    }

    #[test]
    fn v1_has_the_asked_shape() {
        let t = v1(&V1Options {
            functions: 50,
            days: 2,
            seed: 1,
        });
        assert_eq!(t.functions.len(), 50);
        assert_eq!(t.days, 2);
        assert!(
            t.functions
                .iter()
                .all(|f| f.series.invocations() > 0 && f.trigger.is_some())
        );
    }

    #[test]
    fn apportion_is_exact() {
        assert_eq!(apportion(10, &[1.0, 1.0, 2.0]).iter().sum::<usize>(), 10);
        assert_eq!(apportion(4, &[1.0, 3.0]), vec![1, 3]);
    }
}
