//! Figures: the original's per-model histogram of arrivals (replayed beside the real trace),
//! per-interval rates and cvs, inter-arrival gaps with the fitted density, and gap CDFs. The SVG
//! is written by hand (vector output tests can read back); PNG renders that SVG with resvg and
//! an embedded font.

use std::fmt::Write as _;

mod figures;
#[cfg(feature = "png")]
mod png;
mod svg;

use figures::Subject;
#[cfg(feature = "png")]
pub use png::png;
use svg::{Panel, esc};

use crate::error::{Error, Result};
use crate::replay::Replay;
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
/// Writes the figure's title (`source · about`) to fit `width` px: on one line when it fits at
/// 15 px, else the source over the rest, each line's font shrunk until it fits (down to 8 px)
/// and cut with `…` below that (a one-panel figure is 520 px; titles run to 100 characters).
fn title(s: &mut String, width: f64, source: &str, about: &str) {
    // Average width of a sans-serif character, in em.
    const CHAR_EM: f64 = 0.56;
    let room = width - 20.0;
    let fits = |text: &str, size: f64| text.chars().count() as f64 * CHAR_EM * size <= room;
    let one = format!("{source} · {about}");
    let lines: Vec<(String, f64, f64)> = if fits(&one, 15.0) {
        vec![(one, 15.0, 24.0)]
    } else {
        [(source, 15.0), (about, 33.0)]
            .into_iter()
            .map(|(text, y)| {
                let size = (room / (text.chars().count().max(1) as f64 * CHAR_EM)).clamp(8.0, 13.0);
                let most = (room / (CHAR_EM * size)) as usize;
                let text = if text.chars().count() > most {
                    text.chars()
                        .take(most.saturating_sub(1))
                        .collect::<String>()
                        + "…"
                } else {
                    text.to_string()
                };
                (text, size, y)
            })
            .collect()
    };
    for (text, size, y) in lines {
        let _ = write!(
            s,
            r#"<text class="title" x="{}" y="{y}" text-anchor="middle" font-size="{size:.1}">{}</text>"#,
            width / 2.0,
            esc(&text)
        );
    }
}

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
    // What is drawn: the zoomed range when there is one, not the whole window.
    let shown = match opts.range {
        Some((lo, hi)) => crate::time::Window {
            start: lo.max(0.0).floor() as u64,
            end: hi.max(0.0).ceil() as u64,
        },
        None => replay.window,
    };
    let about = format!(
        "{} · {} · {}",
        shown,
        replay.params.distribution,
        match opts.figure {
            Figure::Histogram => "arrivals per bin",
            Figure::Rate => "rate and cv per interval",
            Figure::Gaps => "inter-arrival gaps",
            Figure::Cdf => "CDF of inter-arrival gaps",
        }
    );
    title(&mut s, w, &replay.source, &about);
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
        let of = Subject {
            replay,
            trace,
            functions: &members[k],
            model: k,
            range: (lo, hi),
        };
        match opts.figure {
            Figure::Histogram => figures::histogram(&mut s, &p, &of, opts.bins),
            Figure::Rate => figures::rate(&mut s, &p, &of),
            Figure::Gaps => figures::gaps(&mut s, &p, &of, opts.at),
            Figure::Cdf => figures::cdf(&mut s, &p, &of),
        }
        s.push_str("</g>");
    }
    s.push_str("</svg>\n");
    Ok(s)
}
