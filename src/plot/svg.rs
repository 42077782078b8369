//! Drawing an SVG panel by hand: its area and scales, axes with ticks, lines, bars, legends.

use std::fmt::Write as _;

use super::{MARGIN, PANEL_H, PANEL_W};

pub(super) fn esc(t: &str) -> String {
    t.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A panel's plotting area and its scales.
#[derive(Clone, Copy)]
pub(super) struct Panel {
    pub(super) left: f64,
    pub(super) top: f64,
    pub(super) width: f64,
    pub(super) height: f64,
}

impl Panel {
    pub(super) fn new(x0: f64, y0: f64) -> Self {
        Panel {
            left: x0 + MARGIN.0,
            top: y0 + MARGIN.2,
            width: PANEL_W - MARGIN.0 - MARGIN.1,
            height: PANEL_H - MARGIN.2 - MARGIN.3,
        }
    }

    pub(super) fn x(&self, v: f64, (lo, hi): (f64, f64)) -> f64 {
        self.left + (v - lo) / (hi - lo).max(f64::MIN_POSITIVE) * self.width
    }

    pub(super) fn y(&self, v: f64, (lo, hi): (f64, f64)) -> f64 {
        self.top + self.height - (v - lo) / (hi - lo).max(f64::MIN_POSITIVE) * self.height
    }

    /// Axes with ticks and labels; x ticks are round in units of `xunit` (3600: hours), labelled
    /// by `xfmt` of the value in those units (`None`: plain numbers, one notation for the axis).
    pub(super) fn axes(
        &self,
        s: &mut String,
        (xr, yr): ((f64, f64), (f64, f64)),
        xlabel: &str,
        ylabel: &str,
        xunit: f64,
        xfmt: Option<&dyn Fn(f64) -> String>,
    ) {
        let (l, t, w, h) = (self.left, self.top, self.width, self.height);
        let _ = write!(
            s,
            r##"<rect x="{l}" y="{t}" width="{w}" height="{h}" fill="none" stroke="#444"/>"##
        );
        let xt = ticks((xr.0 / xunit, xr.1 / xunit));
        let xl = match xfmt {
            Some(f) => xt.iter().map(|&v| f(v)).collect(),
            None => labels(&xt),
        };
        for (v, label) in xt.iter().zip(xl) {
            let x = self.x(v * xunit, xr);
            let _ = write!(
                s,
                r##"<line x1="{x}" y1="{}" x2="{x}" y2="{}" stroke="#444"/><text x="{x}" y="{}" text-anchor="middle">{}</text>"##,
                t + h,
                t + h + 4.0,
                t + h + 16.0,
                esc(&label)
            );
        }
        let yt = ticks(yr);
        for (v, label) in yt.iter().zip(labels(&yt)) {
            let y = self.y(*v, yr);
            let _ = write!(
                s,
                r##"<line x1="{}" y1="{y}" x2="{l}" y2="{y}" stroke="#444"/><text x="{}" y="{}" text-anchor="end">{}</text>"##,
                l - 4.0,
                l - 6.0,
                y + 4.0,
                label
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
    pub(super) fn legend(
        &self,
        s: &mut String,
        items: &[(&str, &str, Swatch)],
        drawn: &[(f64, f64)],
    ) {
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
    pub(super) fn polyline(
        &self,
        s: &mut String,
        pts: &[(f64, f64)],
        (xr, yr): ((f64, f64), (f64, f64)),
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
pub(super) enum Swatch {
    Bar,
    Line,
    Dashed,
}

/// Points every few pixels along a line through `px`, so a long segment counts where it
/// passes.
pub(super) fn densify(px: &[(f64, f64)]) -> Vec<(f64, f64)> {
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
pub(super) fn ticks((lo, hi): (f64, f64)) -> Vec<f64> {
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

pub(super) fn short(v: f64) -> String {
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

/// Labels of an axis's `ticks` in one notation: scientific when its largest value is that large
/// or small (`1.0e4`, `5.0e3`), else fixed with the decimals its step needs (a 3-second zoom 12 h
/// into a trace reads `45216`, `45217`, not `12.56` five times).
pub(super) fn labels(ticks: &[f64]) -> Vec<String> {
    let top = ticks.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let step = ticks
        .windows(2)
        .map(|w| (w[1] - w[0]).abs())
        .fold(f64::INFINITY, f64::min);
    let sci = top >= 1e6 || (top > 0.0 && top < 1e-2);
    ticks
        .iter()
        .map(|&v| {
            if v == 0.0 {
                "0".to_string()
            } else if sci {
                format!("{v:.1e}")
            } else {
                let decimals = if step.is_finite() && step > 0.0 {
                    (-step.log10().floor()).clamp(0.0, 6.0) as usize
                } else {
                    2
                };
                format!("{v:.decimals$}")
            }
        })
        .collect()
}

/// The unit of a time axis spanning `seconds`: (seconds per unit, its name).
pub(super) fn time_unit(seconds: f64) -> (f64, &'static str) {
    if seconds <= 180.0 {
        (1.0, "s")
    } else if seconds <= 3.0 * 3600.0 {
        (60.0, "min")
    } else if seconds <= 3.0 * 86_400.0 {
        (3600.0, "hours")
    } else {
        (86_400.0, "days")
    }
}

pub(super) fn duration(seconds: f64) -> String {
    if seconds >= 3600.0 {
        format!("{} h", short(seconds / 3600.0))
    } else if seconds >= 60.0 {
        format!("{} min", short(seconds / 60.0))
    } else {
        format!("{} s", short(seconds))
    }
}
