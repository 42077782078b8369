//! Figures: the original's per-model histogram of arrivals (replayed beside the real trace),
//! per-interval rates and cvs, inter-arrival gaps with the fitted density, and gap CDFs. The SVG
//! is written by hand (vector output tests can read back); PNG renders that SVG with resvg and
//! an embedded font.

use std::fmt::Write as _;

use crate::error::{Error, Result};
use crate::replay::{Process, Replay};
use crate::time::fmt_point;
use crate::trace::Trace;

/// Which figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Figure {
    /// Arrivals per bin over the window, replayed (bars) and trace (line).
    #[default]
    Histogram,
    /// Per-interval fitted, realized and trace rates, and fitted and realized cvs.
    Rate,
    /// Distribution of the inter-arrival gaps of one interval, with the fitted density.
    Gaps,
    /// Cumulative distribution of the gaps over the window, replayed and trace.
    Cdf,
}

impl std::str::FromStr for Figure {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Ok(match s {
            "histogram" => Figure::Histogram,
            "rate" => Figure::Rate,
            "gaps" => Figure::Gaps,
            "cdf" => Figure::Cdf,
            other => {
                return Err(Error::param(
                    "figure",
                    format!("{other:?}: use histogram, rate, gaps or cdf"),
                ));
            }
        })
    }
}

/// What to draw.
#[derive(Debug, Clone)]
pub struct PlotOptions {
    /// The figure.
    pub figure: Figure,
    /// Bins of the histogram (the original's 100 by default).
    pub bins: usize,
    /// Models to draw (all when `None`), one panel each.
    pub models: Option<Vec<String>>,
    /// Time range in seconds (the whole window when `None`).
    pub range: Option<(f64, f64)>,
    /// For `gaps`: the interval containing this time (the busiest interval when `None`).
    pub at: Option<f64>,
}

impl Default for PlotOptions {
    /// A histogram of every model over the whole window in the original's 100 bins.
    fn default() -> Self {
        PlotOptions {
            figure: Figure::default(),
            bins: 100,
            models: None,
            range: None,
            at: None,
        }
    }
}

/// Most histogram bins a figure draws: more than a panel has pixels already.
pub const MAX_BINS: usize = 10_000;

/// Refuses a number of histogram bins outside `1..=MAX_BINS`.
pub fn check_bins(bins: usize) -> Result<()> {
    if !(1..=MAX_BINS).contains(&bins) {
        return Err(Error::param(
            "bins",
            format!("{bins} bins: use 1 to {MAX_BINS} (a panel is {PANEL_W} px wide)"),
        ));
    }
    Ok(())
}

/// Most panels (models) in one figure: an 8 × 8 grid, 4160 × 2440 px (twice that as PNG).
/// More would be unreadable, and a PNG of 2000 panels needed 8 GB.
pub const MAX_PANELS: usize = 64;

/// Refuses a figure of more than [`MAX_PANELS`] models.
pub fn check_panels(models: usize) -> Result<()> {
    if models > MAX_PANELS {
        return Err(Error::param(
            "only",
            format!(
                "{models} models in one figure; a figure holds at most {MAX_PANELS} panels: \
                 choose some with --only (for example --only gpt0,gpt1)"
            ),
        ));
    }
    Ok(())
}

const PANEL_W: f64 = 520.0;
const PANEL_H: f64 = 300.0;
const TITLE_H: f64 = 40.0;
const MARGIN: (f64, f64, f64, f64) = (64.0, 16.0, 34.0, 48.0); // left, right, top, bottom
const REPLAYED: &str = "#1f77b4";
const TRACE: &str = "#ff7f0e";
const REALIZED: &str = "#2ca02c";

/// The figure as an SVG document.
pub fn svg(replay: &Replay, trace: &Trace, opts: &PlotOptions) -> Result<String> {
    if opts.figure == Figure::Histogram {
        check_bins(opts.bins)?;
    }
    let window = replay.window;
    if let Some(t) = opts.at
        && !(window.start as f64 <= t && t < window.end as f64)
    {
        return Err(Error::param(
            "at",
            format!("{t} s is outside the replayed window {window}"),
        ));
    }
    let chosen = replay.chosen(opts.models.as_deref())?;
    check_panels(chosen.len())?;
    if opts.figure == Figure::Rate
        && replay.params.distribution == crate::replay::Distribution::Vanilla
    {
        return Err(Error::param(
            "figure",
            "a vanilla replay has no fitted intervals; use --figure histogram, gaps or cdf",
        ));
    }
    let members = crate::compare::members(replay, trace);
    let cols = (chosen.len() as f64).sqrt().ceil().max(1.0) as usize;
    let rows = chosen.len().div_ceil(cols).max(1);
    let (w, h) = (PANEL_W * cols as f64, TITLE_H + PANEL_H * rows as f64);
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="sans-serif" font-size="12">"#
    );
    let _ = write!(s, r#"<rect width="{w}" height="{h}" fill="white"/>"#);
    let title = format!(
        "{} · {} · {} · {}",
        replay.source,
        replay.window,
        replay.params.distribution,
        match opts.figure {
            Figure::Histogram => "arrivals per bin",
            Figure::Rate => "rate and cv per interval",
            Figure::Gaps => "inter-arrival gaps",
            Figure::Cdf => "CDF of inter-arrival gaps",
        }
    );
    let _ = write!(
        s,
        r#"<text class="title" x="{}" y="24" text-anchor="middle" font-size="15">{}</text>"#,
        w / 2.0,
        esc(&title)
    );
    let (lo, hi) = opts
        .range
        .unwrap_or((replay.window.start as f64, replay.window.end as f64));
    for (n, &k) in chosen.iter().enumerate() {
        let x0 = PANEL_W * (n % cols) as f64;
        let y0 = TITLE_H + PANEL_H * (n / cols) as f64;
        let p = Panel::new(x0, y0);
        let model = &replay.models[k];
        let _ = write!(s, r#"<g class="panel" data-model="{}">"#, esc(&model.model));
        let _ = write!(
            s,
            r#"<text class="panel-title" x="{}" y="{}" text-anchor="middle" font-weight="bold">{}</text>"#,
            x0 + PANEL_W / 2.0,
            y0 + 20.0,
            esc(&model.model)
        );
        match opts.figure {
            Figure::Histogram => {
                histogram(&mut s, &p, replay, trace, &members[k], k, lo, hi, opts.bins)
            }
            Figure::Rate => rate(&mut s, &p, replay, k, lo, hi),
            Figure::Gaps => gaps(&mut s, &p, replay, trace, &members[k], k, opts.at),
            Figure::Cdf => cdf(&mut s, &p, replay, trace, &members[k], k, lo, hi),
        }
        s.push_str("</g>");
    }
    s.push_str("</svg>\n");
    Ok(s)
}

fn esc(t: &str) -> String {
    t.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A panel's plotting area and its scales.
#[derive(Clone, Copy)]
struct Panel {
    left: f64,
    top: f64,
    width: f64,
    height: f64,
}

impl Panel {
    fn new(x0: f64, y0: f64) -> Self {
        Panel {
            left: x0 + MARGIN.0,
            top: y0 + MARGIN.2,
            width: PANEL_W - MARGIN.0 - MARGIN.1,
            height: PANEL_H - MARGIN.2 - MARGIN.3,
        }
    }

    fn x(&self, v: f64, (lo, hi): (f64, f64)) -> f64 {
        self.left + (v - lo) / (hi - lo).max(f64::MIN_POSITIVE) * self.width
    }

    fn y(&self, v: f64, (lo, hi): (f64, f64)) -> f64 {
        self.top + self.height - (v - lo) / (hi - lo).max(f64::MIN_POSITIVE) * self.height
    }

    /// Axes with ticks and labels; x ticks are round in units of `xunit` (3600: hours).
    #[allow(clippy::too_many_arguments)]
    fn axes(
        &self,
        s: &mut String,
        xr: (f64, f64),
        yr: (f64, f64),
        xlabel: &str,
        ylabel: &str,
        xunit: f64,
        xfmt: &dyn Fn(f64) -> String,
    ) {
        let (l, t, w, h) = (self.left, self.top, self.width, self.height);
        let _ = write!(
            s,
            r##"<rect x="{l}" y="{t}" width="{w}" height="{h}" fill="none" stroke="#444"/>"##
        );
        for v in ticks((xr.0 / xunit, xr.1 / xunit))
            .into_iter()
            .map(|v| v * xunit)
        {
            let x = self.x(v, xr);
            let _ = write!(
                s,
                r##"<line x1="{x}" y1="{}" x2="{x}" y2="{}" stroke="#444"/><text x="{x}" y="{}" text-anchor="middle">{}</text>"##,
                t + h,
                t + h + 4.0,
                t + h + 16.0,
                esc(&xfmt(v))
            );
        }
        for v in ticks(yr) {
            let y = self.y(v, yr);
            let _ = write!(
                s,
                r##"<line x1="{}" y1="{y}" x2="{l}" y2="{y}" stroke="#444"/><text x="{}" y="{}" text-anchor="end">{}</text>"##,
                l - 4.0,
                l - 6.0,
                y + 4.0,
                short(v)
            );
        }
        let _ = write!(
            s,
            r#"<text class="xlabel" x="{}" y="{}" text-anchor="middle">{}</text>"#,
            l + w / 2.0,
            t + h + 34.0,
            esc(xlabel)
        );
        let _ = write!(
            s,
            r#"<text class="ylabel" x="{}" y="{}" text-anchor="middle" transform="rotate(-90 {} {})">{}</text>"#,
            l - 48.0,
            t + h / 2.0,
            l - 48.0,
            t + h / 2.0,
            esc(ylabel)
        );
    }

    /// The legend in the corner of the plot where least is drawn (`drawn`: pixels of the
    /// lines and bar tops drawn), so it never sits on the data when a corner is free.
    fn legend(&self, s: &mut String, items: &[(&str, &str, Swatch)], drawn: &[(f64, f64)]) {
        let longest = items.iter().map(|i| i.0.chars().count()).max().unwrap_or(0);
        let (w, h) = (28.0 + 7.0 * longest as f64, 8.0 + 16.0 * items.len() as f64);
        let (l, t) = (self.left + 4.0, self.top + 4.0);
        let (r, b) = (
            self.left + self.width - 4.0 - w,
            self.top + self.height - 4.0 - h,
        );
        // Top right first, as before; then the others.
        let corners = [(r, t), (l, t), (r, b), (l, b)];
        let inside = |&(x0, y0): &(f64, f64)| {
            drawn
                .iter()
                .filter(|&&(x, y)| x >= x0 && x <= x0 + w && y >= y0 && y <= y0 + h)
                .count()
        };
        let (x, y0) = corners
            .iter()
            .min_by_key(|c| inside(c))
            .copied()
            .unwrap_or((r, t));
        // Readable over whatever it could not avoid.
        let _ = write!(
            s,
            r#"<rect class="legend-box" x="{}" y="{y0}" width="{w}" height="{h}" fill="white" fill-opacity="0.85"/>"#,
            x - 4.0
        );
        for (i, (label, colour, swatch)) in items.iter().enumerate() {
            let y = y0 + 4.0 + 16.0 * i as f64;
            let mark = match swatch {
                Swatch::Bar => format!(
                    r#"<rect x="{x}" y="{y}" width="14" height="10" fill="{colour}" fill-opacity="0.7"/>"#
                ),
                Swatch::Line | Swatch::Dashed => format!(
                    r#"<line x1="{x}" y1="{}" x2="{}" y2="{}" stroke="{colour}" stroke-width="2"{}/>"#,
                    y + 5.0,
                    x + 14.0,
                    y + 5.0,
                    if *swatch == Swatch::Dashed {
                        r#" stroke-dasharray="4,2""#
                    } else {
                        ""
                    }
                ),
            };
            let _ = write!(
                s,
                r#"{mark}<text class="legend" x="{}" y="{}">{}</text>"#,
                x + 20.0,
                y + 9.0,
                esc(label)
            );
        }
    }

    /// Draws `pts` as lines, broken where a value is not finite (a pareto interval with no
    /// finite rate is a gap, not a drop to 0); returns the pixels drawn, for [`Panel::legend`].
    #[allow(clippy::too_many_arguments)]
    fn polyline(
        &self,
        s: &mut String,
        pts: &[(f64, f64)],
        xr: (f64, f64),
        yr: (f64, f64),
        colour: &str,
        class: &str,
        dash: bool,
    ) -> Vec<(f64, f64)> {
        let dash = if dash {
            r#" stroke-dasharray="5,3""#
        } else {
            ""
        };
        let mut drawn = Vec::new();
        for run in pts.split(|p| !(p.0.is_finite() && p.1.is_finite())) {
            if run.is_empty() {
                continue;
            }
            let px: Vec<(f64, f64)> = run
                .iter()
                .map(|&(x, y)| (self.x(x, xr), self.y(y, yr)))
                .collect();
            let d: Vec<String> = px.iter().map(|(x, y)| format!("{x:.2},{y:.2}")).collect();
            let _ = write!(
                s,
                r#"<polyline class="{class}" points="{}" fill="none" stroke="{colour}" stroke-width="1.5"{dash}/>"#,
                d.join(" ")
            );
            drawn.extend(densify(&px));
        }
        drawn
    }
}

/// How a legend entry is marked: bars by a filled box, lines by a line.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Swatch {
    Bar,
    Line,
    Dashed,
}

/// Points every few pixels along a line through `px`, so a long segment counts where it
/// passes.
fn densify(px: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut out = Vec::with_capacity(px.len());
    for w in px.windows(2) {
        let ((x0, y0), (x1, y1)) = (w[0], w[1]);
        let steps = ((x1 - x0).hypot(y1 - y0) / 4.0).ceil().clamp(1.0, 400.0) as usize;
        out.extend((0..steps).map(|k| {
            let f = k as f64 / steps as f64;
            (x0 + f * (x1 - x0), y0 + f * (y1 - y0))
        }));
    }
    out.extend(px.last().copied());
    out
}

/// About five round tick values across `(lo, hi)`.
fn ticks((lo, hi): (f64, f64)) -> Vec<f64> {
    if hi.partial_cmp(&lo) != Some(std::cmp::Ordering::Greater)
        || !lo.is_finite()
        || !hi.is_finite()
    {
        return vec![lo];
    }
    let raw = (hi - lo) / 5.0;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|&s| s >= raw)
        .unwrap_or(10.0 * mag);
    let first = (lo / step).ceil() * step;
    (0..)
        .map(|i| first + i as f64 * step)
        .take_while(|&v| v <= hi + step * 1e-9)
        .take(12)
        .collect()
}

fn short(v: f64) -> String {
    if v == 0.0 {
        "0".into()
    } else if v.abs() >= 1e4 || v.abs() < 1e-2 {
        format!("{v:.1e}")
    } else if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

fn hours(v: f64) -> String {
    short(v / 3600.0)
}

#[allow(clippy::too_many_arguments)]
fn histogram(
    s: &mut String,
    p: &Panel,
    r: &Replay,
    trace: &Trace,
    fns: &[usize],
    k: usize,
    lo: f64,
    hi: f64,
    bins: usize,
) {
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
    drawn.extend(p.polyline(s, &steps, xr, yr, TRACE, "trace", false));
    p.axes(
        s,
        xr,
        yr,
        "time since trace start (hours)",
        &format!("arrivals per {} bin", duration(bw)),
        3600.0,
        &hours,
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

fn duration(seconds: f64) -> String {
    if seconds >= 3600.0 {
        format!("{} h", short(seconds / 3600.0))
    } else if seconds >= 60.0 {
        format!("{} min", short(seconds / 60.0))
    } else {
        format!("{} s", short(seconds))
    }
}

fn rate(s: &mut String, p: &Panel, r: &Replay, k: usize, lo: f64, hi: f64) {
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
    let mut drawn = top.polyline(s, &real, xr, yr, TRACE, "trace", true);
    drawn.extend(top.polyline(s, &fitted, xr, yr, REPLAYED, "fitted", false));
    drawn.extend(top.polyline(s, &realized, xr, yr, REALIZED, "realized", false));
    top.axes(s, xr, yr, "", "arrivals / s", 3600.0, &hours);
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
    bottom.polyline(s, &fitted_cv, xr, cr, REPLAYED, "fitted-cv", false);
    bottom.polyline(s, &realized_cv, xr, cr, REALIZED, "realized-cv", false);
    bottom.axes(
        s,
        xr,
        cr,
        "time since trace start (hours)",
        "cv of gaps",
        3600.0,
        &hours,
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

fn gaps(
    s: &mut String,
    p: &Panel,
    r: &Replay,
    trace: &Trace,
    fns: &[usize],
    k: usize,
    at: Option<f64>,
) {
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
    let mut drawn = p.polyline(s, &steps(&dt), xr, yr, TRACE, "trace", false);
    drawn.extend(p.polyline(s, &steps(&dr), xr, yr, REPLAYED, "replayed", false));
    drawn.extend(p.polyline(s, &fitted, xr, yr, REALIZED, "fitted", true));
    p.axes(
        s,
        xr,
        yr,
        &format!(
            "gap (s, log scale) · interval {} → {}",
            fmt_point(lo as u64),
            fmt_point(hi as u64)
        ),
        "density of log10 gap",
        1.0,
        &|v| format!("1e{v:.0}"),
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
        Process::Deterministic { .. } => f64::NAN,
    }
}

#[allow(clippy::too_many_arguments)]
fn cdf(
    s: &mut String,
    p: &Panel,
    r: &Replay,
    trace: &Trace,
    fns: &[usize],
    k: usize,
    lo: f64,
    hi: f64,
) {
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
        drawn.extend(p.polyline(s, &curve(&real), xr, yr, TRACE, "trace", false));
    }
    if !replayed.is_empty() {
        drawn.extend(p.polyline(s, &curve(&replayed), xr, yr, REPLAYED, "replayed", false));
    }
    p.axes(
        s,
        xr,
        yr,
        "gap (s, log scale)",
        "fraction of gaps ≤ x",
        1.0,
        &|v| format!("1e{v:.0}"),
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

/// DejaVu Sans (Bitstream Vera licence, `assets/DejaVuSans-LICENSE.txt`), so PNG text renders the
/// same on every machine, fonts installed or not.
const FONT: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");

/// Renders an SVG from [`svg`] as a PNG at `scale` × its size (2 for print).
pub fn png(svg: &str, scale: f32) -> Result<Vec<u8>> {
    use resvg::{tiny_skia, usvg};
    let bad = |what: String| Error::Encode(format!("cannot render the figure as PNG: {what}"));
    let mut opt = usvg::Options {
        font_family: "DejaVu Sans".into(),
        ..usvg::Options::default()
    };
    let db = opt.fontdb_mut();
    db.load_font_data(FONT.to_vec());
    db.set_sans_serif_family("DejaVu Sans");
    let tree = usvg::Tree::from_str(svg, &opt).map_err(|e| bad(e.to_string()))?;
    let size = tree
        .size()
        .to_int_size()
        .scale_by(scale)
        .ok_or_else(|| bad("empty figure".into()))?;
    let mut pixmap = tiny_skia::Pixmap::new(size.width(), size.height()).ok_or_else(|| {
        bad(format!(
            "{}×{} pixels is too large",
            size.width(),
            size.height()
        ))
    })?;
    resvg::render(
        &tree,
        tiny_skia::Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    pixmap.encode_png().map_err(|e| bad(e.to_string()))
}
