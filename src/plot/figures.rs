//! The figures, one panel each: arrivals per bin, rate and cv per interval, gaps with the fitted
//! density, gap CDFs.

use std::fmt::Write as _;

use super::svg::{Panel, Swatch, densify, duration, time_unit};
use super::{REALIZED, REPLAYED, TRACE};
use crate::replay::{Process, Replay};
use crate::time::fmt_point;
use crate::trace::Trace;

/// What one panel shows: a model of a replay beside its functions in the trace, over a range.
#[derive(Clone, Copy)]
pub(super) struct Subject<'a> {
    pub(super) replay: &'a Replay,
    pub(super) trace: &'a Trace,
    /// The trace functions the model replays.
    pub(super) functions: &'a [usize],
    /// The model's index in the replay.
    pub(super) model: usize,
    /// Seconds shown, from and to.
    pub(super) range: (f64, f64),
}

pub(super) fn histogram(s: &mut String, p: &Panel, of: &Subject<'_>, bins: usize) {
    let Subject {
        replay: r,
        trace,
        functions: fns,
        model: k,
        range: (lo, hi),
    } = *of;
    let replayed = crate::stats::histogram(&r.models[k].arrivals, lo, hi, bins);
    let real = crate::compare::trace_histogram(trace, fns, lo, hi, bins);
    let ymax = replayed
        .iter()
        .chain(&real)
        .copied()
        .max()
        .unwrap_or(0)
        .max(1) as f64
        * 1.05;
    let (xr, yr) = ((lo, hi), (0.0, ymax));
    let bw = (hi - lo) / bins as f64;
    let mut drawn = Vec::new();
    for (i, &c) in replayed.iter().enumerate() {
        let (x0, x1) = (
            p.x(lo + i as f64 * bw, xr),
            p.x(lo + (i + 1) as f64 * bw, xr),
        );
        let (y, y0) = (p.y(c as f64, yr), p.y(0.0, yr));
        // A bar fills down to the axis: all of it is occupied.
        drawn.extend(densify(&[((x0 + x1) / 2.0, y), ((x0 + x1) / 2.0, y0)]));
        let _ = write!(
            s,
            r#"<rect class="bar" x="{x0:.2}" y="{y:.2}" width="{:.2}" height="{:.2}" fill="{REPLAYED}" fill-opacity="0.7"/>"#,
            (x1 - x0).max(0.5),
            y0 - y
        );
    }
    let steps: Vec<(f64, f64)> = real
        .iter()
        .enumerate()
        .flat_map(|(i, &c)| {
            [
                (lo + i as f64 * bw, c as f64),
                (lo + (i + 1) as f64 * bw, c as f64),
            ]
        })
        .collect();
    drawn.extend(p.polyline(s, &steps, (xr, yr), TRACE, "trace", false));
    let (unit, name) = time_unit(xr.1 - xr.0);
    p.axes(
        s,
        (xr, yr),
        &format!("time since trace start ({name})"),
        &format!("arrivals per {} bin", duration(bw)),
        unit,
        None,
    );
    p.legend(
        s,
        &[
            ("replayed", REPLAYED, Swatch::Bar),
            ("trace", TRACE, Swatch::Line),
        ],
        &drawn,
    );
}

pub(super) fn rate(s: &mut String, p: &Panel, of: &Subject<'_>) {
    let Subject {
        replay: r,
        model: k,
        range: (lo, hi),
        ..
    } = *of;
    let ivs: Vec<_> = r.models[k]
        .intervals
        .iter()
        .filter(|i| i.end > lo && i.start < hi)
        .collect();
    let step = |f: &dyn Fn(&crate::replay::IntervalFit) -> f64| -> Vec<(f64, f64)> {
        ivs.iter()
            .flat_map(|i| [(i.start.max(lo), f(i)), (i.end.min(hi), f(i))])
            .collect()
    };
    // Two stacked plots: rates on top (60 %), cvs below, sharing the time axis.
    let top = Panel {
        height: p.height * 0.6 - 24.0,
        ..*p
    };
    let bottom = Panel {
        top: p.top + p.height * 0.6 + 8.0,
        height: p.height * 0.4 - 8.0,
        ..*p
    };
    // No finite rate (a pareto of shape ≤ 1): a gap in the line, not a drop to 0.
    let fitted = step(&|i| match i.process {
        Some(p) => p.rate().unwrap_or(f64::NAN),
        None => 0.0,
    });
    let real = step(&|i| i.trace_count as f64 / (i.end - i.start));
    let realized = step(&|i| i.realized_rate());
    let max_of = |sets: &[&Vec<(f64, f64)>]| {
        sets.iter()
            .flat_map(|v| v.iter().map(|p| p.1))
            .filter(|v| v.is_finite())
            .fold(0.0, f64::max)
            .max(1e-9)
            * 1.05
    };
    let xr = (lo, hi);
    let yr = (0.0, max_of(&[&fitted, &real, &realized]));
    let mut drawn = top.polyline(s, &real, (xr, yr), TRACE, "trace", true);
    drawn.extend(top.polyline(s, &fitted, (xr, yr), REPLAYED, "fitted", false));
    drawn.extend(top.polyline(s, &realized, (xr, yr), REALIZED, "realized", false));
    let (unit, name) = time_unit(xr.1 - xr.0);
    top.axes(s, (xr, yr), "", "arrivals / s", unit, None);
    top.legend(
        s,
        &[
            ("fitted (target)", REPLAYED, Swatch::Line),
            ("realized", REALIZED, Swatch::Line),
            ("trace", TRACE, Swatch::Dashed),
        ],
        &drawn,
    );
    let fitted_cv = step(&|i| i.process.and_then(|p: Process| p.cv()).unwrap_or(f64::NAN));
    let realized_cv = step(&|i| {
        if i.realized_count > 1 {
            i.realized_cv
        } else {
            f64::NAN
        }
    });
    let keep = |v: Vec<(f64, f64)>| -> Vec<(f64, f64)> {
        v.into_iter().filter(|p| p.1.is_finite()).collect()
    };
    let (fitted_cv, realized_cv) = (keep(fitted_cv), keep(realized_cv));
    let cr = (0.0, max_of(&[&fitted_cv, &realized_cv]));
    bottom.polyline(s, &fitted_cv, (xr, cr), REPLAYED, "fitted-cv", false);
    bottom.polyline(s, &realized_cv, (xr, cr), REALIZED, "realized-cv", false);
    bottom.axes(
        s,
        (xr, cr),
        &format!("time since trace start ({name})"),
        "cv of gaps",
        unit,
        None,
    );
}

/// Replayed and trace log10 gaps, and their range.
type GapSets = (Vec<f64>, Vec<f64>, (f64, f64));

/// The log10 gaps of the replayed arrivals and of the trace in `[lo, hi)`, and their range;
/// `None` (with a note drawn in the panel) when there are none.
fn gap_sets(
    s: &mut String,
    p: &Panel,
    m: &crate::replay::ModelReplay,
    trace: &Trace,
    fns: &[usize],
    lo: f64,
    hi: f64,
) -> Option<GapSets> {
    let a = m.arrivals.partition_point(|&x| x < lo);
    let b = m.arrivals.partition_point(|&x| x < hi);
    let replayed = log_gaps(&m.arrivals[a..b]);
    let real = log_gaps(&crate::compare::trace_times(trace, fns, lo, hi));
    let (xmin, xmax) = real
        .iter()
        .chain(&replayed)
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &v| {
            (l.min(v), h.max(v))
        });
    if !xmin.is_finite() {
        let _ = write!(
            s,
            r#"<text x="{}" y="{}">no gaps here</text>"#,
            p.left + 10.0,
            p.top + 30.0
        );
        return None;
    }
    Some((replayed, real, (xmin, xmax)))
}

fn log_gaps(times: &[f64]) -> Vec<f64> {
    let mut gaps = Vec::new();
    crate::replay::fit::gaps_into(times, &mut gaps);
    gaps.iter_mut().for_each(|g| *g = g.log10());
    gaps
}

pub(super) fn gaps(s: &mut String, p: &Panel, of: &Subject<'_>, at: Option<f64>) {
    let Subject {
        replay: r,
        trace,
        functions: fns,
        model: k,
        ..
    } = *of;
    let m = &r.models[k];
    let chosen = match at {
        Some(t) => m.intervals.iter().find(|i| i.start <= t && t < i.end),
        None => m.intervals.iter().max_by_key(|i| i.trace_count),
    };
    let (lo, hi) = chosen.map_or((r.window.start as f64, r.window.end as f64), |i| {
        (i.start, i.end)
    });
    let Some((replayed, real, (xmin, xmax))) = gap_sets(s, p, m, trace, fns, lo, hi) else {
        return;
    };
    let (xmin, xmax) = (xmin.floor(), xmax.ceil().max(xmin.floor() + 1.0));
    let bins = 40;
    let density = |v: &[f64]| -> Vec<f64> {
        let mut h = vec![0.0; bins];
        let bw = (xmax - xmin) / bins as f64;
        for &x in v {
            h[(((x - xmin) / bw) as usize).min(bins - 1)] += 1.0;
        }
        let n = v.len().max(1) as f64;
        h.iter().map(|c| c / (n * bw)).collect()
    };
    let (dr, dt) = (density(&replayed), density(&real));
    let bw = (xmax - xmin) / bins as f64;
    // The fitted density of log10(gap): f(g)·g·ln 10.
    let fitted: Vec<(f64, f64)> = chosen
        .and_then(|i| i.process)
        .map(|pr| {
            (0..=200)
                .map(|j| {
                    let x = xmin + (xmax - xmin) * j as f64 / 200.0;
                    let g = 10f64.powf(x);
                    (x, pdf(&pr, g) * g * std::f64::consts::LN_10)
                })
                .filter(|(_, y)| y.is_finite())
                .collect()
        })
        .unwrap_or_default();
    let ymax = dr
        .iter()
        .chain(&dt)
        .copied()
        .chain(fitted.iter().map(|p| p.1))
        .fold(0.0, f64::max)
        .max(1e-9)
        * 1.05;
    let (xr, yr) = ((xmin, xmax), (0.0, ymax));
    let steps = |d: &[f64]| -> Vec<(f64, f64)> {
        d.iter()
            .enumerate()
            .flat_map(|(i, &c)| [(xmin + i as f64 * bw, c), (xmin + (i + 1) as f64 * bw, c)])
            .collect()
    };
    let mut drawn = p.polyline(s, &steps(&dt), (xr, yr), TRACE, "trace", false);
    drawn.extend(p.polyline(s, &steps(&dr), (xr, yr), REPLAYED, "replayed", false));
    drawn.extend(p.polyline(s, &fitted, (xr, yr), REALIZED, "fitted", true));
    p.axes(
        s,
        (xr, yr),
        &format!(
            "gap (s, log scale) · interval {} → {}",
            fmt_point(lo as u64),
            fmt_point(hi as u64)
        ),
        "density of log10 gap",
        1.0,
        Some(&|v| format!("1e{v:.0}")),
    );
    p.legend(
        s,
        &[
            ("replayed", REPLAYED, Swatch::Line),
            ("trace", TRACE, Swatch::Line),
            ("fitted density", REALIZED, Swatch::Dashed),
        ],
        &drawn,
    );
}

/// Density of one gap under a fitted process.
fn pdf(p: &Process, g: f64) -> f64 {
    match *p {
        Process::Poisson { rate } => rate * (-rate * g).exp(),
        Process::Gamma { rate, cv } => {
            let shape = 1.0 / (cv * cv);
            let scale = cv * cv / rate;
            ((shape - 1.0) * g.ln()
                - g / scale
                - statrs::function::gamma::ln_gamma(shape)
                - shape * scale.ln())
            .exp()
        }
        Process::Pareto { shape, gap_scale } => {
            let x = g / gap_scale + 1.0;
            shape * x.powf(-shape - 1.0) / gap_scale
        }
        Process::Weibull { rate, shape } => {
            let scale = 1.0 / (rate * statrs::function::gamma::gamma(1.0 + 1.0 / shape));
            let z = g / scale;
            shape / scale * z.powf(shape - 1.0) * (-z.powf(shape)).exp()
        }
        Process::Deterministic { .. } => f64::NAN,
    }
}

pub(super) fn cdf(s: &mut String, p: &Panel, of: &Subject<'_>) {
    let Subject {
        replay: r,
        trace,
        functions: fns,
        model: k,
        range: (lo, hi),
    } = *of;
    let m = &r.models[k];
    let Some((mut replayed, mut real, (xmin, xmax))) = gap_sets(s, p, m, trace, fns, lo, hi) else {
        return;
    };
    replayed.sort_by(f64::total_cmp);
    real.sort_by(f64::total_cmp);
    let xr = (xmin.floor(), xmax.ceil().max(xmin.floor() + 1.0));
    let yr = (0.0, 1.0);
    // At most 400 points per curve: the CDF's shape, not every gap.
    let curve = |v: &[f64]| -> Vec<(f64, f64)> {
        let n = v.len();
        let step = n.div_ceil(400).max(1);
        (0..n)
            .step_by(step)
            .chain([n - 1])
            .map(|i| (v[i], (i + 1) as f64 / n as f64))
            .collect()
    };
    let mut drawn = Vec::new();
    if !real.is_empty() {
        drawn.extend(p.polyline(s, &curve(&real), (xr, yr), TRACE, "trace", false));
    }
    if !replayed.is_empty() {
        drawn.extend(p.polyline(s, &curve(&replayed), (xr, yr), REPLAYED, "replayed", false));
    }
    p.axes(
        s,
        (xr, yr),
        "gap (s, log scale)",
        "fraction of gaps ≤ x",
        1.0,
        Some(&|v| format!("1e{v:.0}")),
    );
    p.legend(
        s,
        &[
            ("replayed", REPLAYED, Swatch::Line),
            ("trace", TRACE, Swatch::Line),
        ],
        &drawn,
    );
}
