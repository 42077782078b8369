//! Figures, checked structurally: size, one panel per model, the series and labels they must
//! show, and clear errors.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use tracereplay_tui::plot::{Figure, PlotOptions, svg};
use tracereplay_tui::replay::{Distribution, ReplayParams, replay};
use tracereplay_tui::trace::Trace;

fn sample() -> Trace {
    Trace::from_pickle(tracereplay_tui::assets::SAMPLE_TRACE, "sample", None).unwrap()
}

fn attr(doc: &str, name: &str) -> f64 {
    let at = doc.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
    doc[at..].split('"').next().unwrap().parse().unwrap()
}

fn balanced(doc: &str) {
    assert!(doc.starts_with("<svg") && doc.trim_end().ends_with("</svg>"));
    assert_eq!(doc.matches("<g ").count(), doc.matches("</g>").count());
}

#[test]
fn histogram_has_a_panel_per_model_with_both_series() {
    let t = sample();
    let r = replay(
        &t,
        &ReplayParams {
            end: Some("1.0.0".into()),
            distribution: Distribution::Gamma,
            ..ReplayParams::default()
        },
    )
    .unwrap();
    let doc = svg(
        &r,
        &t,
        &PlotOptions {
            bins: 50,
            ..PlotOptions::default()
        },
    )
    .unwrap();
    balanced(&doc);
    // 5 models: a 3 × 2 grid of 520 × 300 panels under a 40 px title.
    assert_eq!((attr(&doc, "width"), attr(&doc, "height")), (1560.0, 640.0));
    assert_eq!(doc.matches(r#"class="bar""#).count(), 5 * 50);
    assert_eq!(doc.matches(r#"class="trace""#).count(), 5);
    for m in ["gpt0", "gpt1", "gpt2", "gpt3", "gpt4"] {
        assert!(doc.contains(&format!(r#"data-model="{m}""#)), "{m}");
    }
    for label in [
        "replayed",
        "trace",
        "time since trace start (hours)",
        "arrivals per 28.80 min bin",
        "day 0 00:00 → day 1 00:00",
    ] {
        assert!(doc.contains(label), "{label}");
    }
    // The bars add up to the arrivals: heights are proportional to counts.
    let one = svg(
        &r,
        &t,
        &PlotOptions {
            bins: 10,
            models: Some(vec!["gpt2".into()]),
            ..PlotOptions::default()
        },
    )
    .unwrap();
    assert_eq!(attr(&one, "width"), 520.0);
    assert_eq!(one.matches(r#"class="bar""#).count(), 10);
}

#[test]
fn rate_gaps_and_cdf_figures() {
    let t = sample();
    let r = replay(
        &t,
        &ReplayParams {
            end: Some("0.12.0".into()),
            distribution: Distribution::Gamma,
            interval_seconds: 3600.0,
            ..ReplayParams::default()
        },
    )
    .unwrap();
    let fig = |figure| {
        svg(
            &r,
            &t,
            &PlotOptions {
                figure,
                bins: 100,
                ..PlotOptions::default()
            },
        )
        .unwrap()
    };
    let rate = fig(Figure::Rate);
    balanced(&rate);
    for c in [
        r#"class="fitted""#,
        r#"class="realized""#,
        r#"class="trace""#,
        r#"class="fitted-cv""#,
        r#"class="realized-cv""#,
    ] {
        assert_eq!(rate.matches(c).count(), 5, "{c}");
    }
    let gaps = fig(Figure::Gaps);
    balanced(&gaps);
    assert_eq!(
        gaps.matches(r#"class="fitted""#).count(),
        5,
        "a fitted density per panel"
    );
    assert!(gaps.contains("density of log10 gap"));
    let cdf = fig(Figure::Cdf);
    balanced(&cdf);
    assert!(cdf.contains("fraction of gaps"));
    assert_eq!(cdf.matches(r#"class="replayed""#).count(), 5);
    // A vanilla replay has no intervals to draw rates of; an unknown model is named.
    let v = replay(
        &t,
        &ReplayParams {
            end: Some("0.12.0".into()),
            distribution: Distribution::Vanilla,
            ..ReplayParams::default()
        },
    )
    .unwrap();
    let e = svg(
        &v,
        &t,
        &PlotOptions {
            figure: Figure::Rate,
            ..PlotOptions::default()
        },
    )
    .unwrap_err();
    assert!(e.to_string().contains("no fitted intervals"));
    let e = svg(
        &v,
        &t,
        &PlotOptions {
            models: Some(vec!["x".into()]),
            ..PlotOptions::default()
        },
    )
    .unwrap_err();
    assert!(e.to_string().contains("\"x\" is not a model"));
    for bins in [0, tracereplay_tui::plot::MAX_BINS + 1] {
        let e = svg(
            &v,
            &t,
            &PlotOptions {
                bins,
                ..PlotOptions::default()
            },
        )
        .unwrap_err();
        assert!(e.to_string().contains("use 1 to 10000"), "{e}");
    }
    let e = svg(
        &v,
        &t,
        &PlotOptions {
            figure: Figure::Gaps,
            at: Some(v.window.end as f64),
            ..PlotOptions::default()
        },
    )
    .unwrap_err();
    assert!(e.to_string().contains("outside the replayed window"), "{e}");
}

/// Runs `tracereplay-tui plot sample ARGS -o OUT`; `Ok` or the stderr.
fn plot_cmd(args: &[&str], out: &std::path::Path) -> Result<(), String> {
    let st = std::process::Command::new(env!("CARGO_BIN_EXE_tracereplay-tui"))
        .args(["plot", "sample"])
        .args(args)
        .arg("-o")
        .arg(out)
        .output()
        .unwrap();
    if st.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&st.stderr).into_owned())
    }
}

#[test]
fn the_plot_command_writes_svg_and_png() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("fig.svg");
    plot_cmd(
        &["--end", "0.6.0", "--figure", "gaps", "--at", "0.3.0"],
        &out,
    )
    .unwrap();
    let doc = std::fs::read_to_string(&out).unwrap();
    assert!(
        doc.contains("interval day 0 03:00 → day 0 03:10"),
        "the interval at 0.3.0"
    );
    // PNG: the same figure rendered at twice the size, text included (embedded font).
    let png = dir.path().join("fig.png");
    plot_cmd(&["--end", "0.6.0", "--only", "gpt0"], &png).unwrap();
    let bytes = std::fs::read(&png).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    let be =
        |at: usize| u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
    assert_eq!((be(16), be(20)), (1040, 680), "IHDR: 2 × (520 × 340)");
    let pixmap = resvg::tiny_skia::Pixmap::decode_png(&bytes).unwrap();
    let inked = pixmap
        .pixels()
        .iter()
        .filter(|p| p.red() < 128 || p.blue() < 128)
        .count();
    assert!(
        inked > 10_000,
        "a drawn figure with text and series, not a blank image: {inked}"
    );
    // Other extensions are refused with the two that work.
    let e = plot_cmd(&[], &dir.path().join("fig.jpg")).unwrap_err();
    assert!(e.contains("name the output .svg"), "{e}");
}

fn trace_of(times: Vec<f64>) -> Trace {
    use tracereplay_tui::trace::{Function, Series, TraceKind};
    let f = Function::new("f", Series::Times(times.into()));
    Trace::new("t", TraceKind::V2, vec![f], vec![]).unwrap()
}

fn one_model(distribution: Distribution, end: &str) -> ReplayParams {
    ReplayParams {
        models: vec!["m".into()],
        end: Some(end.into()),
        distribution,
        ..ReplayParams::default()
    }
}

/// The legend goes to the corner with the least drawn in it: traffic that only fills the
/// right half puts it on the left (it sat top right, on the data). Line series have line
/// swatches, bars a box.
#[test]
fn the_legend_avoids_the_data_and_marks_lines_as_lines() {
    // All arrivals in the second half of the day, increasingly dense.
    let times: Vec<f64> = (0..20_000)
        .map(|i| 43_200.0 + 43_000.0 * (f64::from(i) / 20_000.0).sqrt())
        .collect();
    let t = trace_of(times);
    let r = replay(&t, &one_model(Distribution::Vanilla, "1.0.0")).unwrap();
    let doc = svg(&r, &t, &PlotOptions::default()).unwrap();
    let at = doc.find(r#"class="legend-box""#).unwrap();
    let x = attr(&doc[at..], "x");
    assert!(
        x < 260.0,
        "the legend is at x = {x}, over the data on the right"
    );
    // Bars: a box; the trace line: a line.
    let legend = &doc[at..];
    assert!(legend.contains(r#"<rect x="#), "{legend}");
    assert!(legend.contains(r#"<line x1="#), "{legend}");
}

/// Pareto intervals whose fit has no finite mean (shape ≤ 1) are gaps in the fitted-rate line,
/// not drops to 0.
#[test]
fn intervals_without_a_finite_rate_are_gaps_in_the_line() {
    // Dense (gaps 0.5 s: finite pareto mean) / sparse (100 s: shape < 1) / dense.
    let mut times: Vec<f64> = (0..1000).map(|i| 0.5 * f64::from(i)).collect();
    times.extend((0..6).map(|i| 600.0 + 100.0 * f64::from(i)));
    times.extend((0..1000).map(|i| 1200.0 + 0.5 * f64::from(i)));
    let t = trace_of(times);
    let r = replay(&t, &one_model(Distribution::Pareto, "0.0.30")).unwrap();
    let iv = &r.models[0].intervals;
    assert!(iv[0].process.unwrap().rate().is_some());
    assert!(iv[1].process.unwrap().rate().is_none());
    let doc = svg(
        &r,
        &t,
        &PlotOptions {
            figure: Figure::Rate,
            ..PlotOptions::default()
        },
    )
    .unwrap();
    assert_eq!(
        doc.matches(r#"class="fitted""#).count(),
        2,
        "one line on each side of the gap"
    );
}

/// Issue 28: a zoomed figure's title names the range drawn, its time ticks are in a unit that
/// fits the span and distinct (a 3 s zoom 12.5 h in read `12.56` at every tick), every y axis
/// has one notation, and a one-panel figure's title fits its 520 px.
#[test]
fn a_zoomed_figure_says_what_it_shows_and_its_ticks_differ() {
    let t = sample();
    let r = replay(
        &t,
        &ReplayParams {
            models: vec!["m".into()],
            distribution: Distribution::Vanilla,
            end: Some("1.0.0".into()),
            ..ReplayParams::default()
        },
    )
    .unwrap();
    let lo = 12.5 * 3600.0;
    let doc = svg(
        &r,
        &t,
        &PlotOptions {
            bins: 30,
            range: Some((lo, lo + 3.0)),
            ..PlotOptions::default()
        },
    )
    .unwrap();
    balanced(&doc);
    assert!(doc.contains("day 0 12:30 → day 0 12:30:03"), "{doc}");
    assert!(doc.contains("time since trace start (s)"));
    // The x tick labels: distinct, plain numbers of seconds.
    let xticks: Vec<&str> = doc
        .split(r#"text-anchor="middle">"#)
        .skip(1)
        .map(|t| t.split('<').next().unwrap())
        .filter(|t| t.starts_with("45"))
        .collect();
    assert!(xticks.len() >= 3, "{xticks:?}");
    let distinct: std::collections::HashSet<&&str> = xticks.iter().collect();
    assert_eq!(distinct.len(), xticks.len(), "{xticks:?}");
    // One notation per y axis: all scientific or none.
    let ylabels: Vec<&str> = doc
        .split(r#"text-anchor="end">"#)
        .skip(1)
        .map(|t| t.split('<').next().unwrap())
        .collect();
    let sci = ylabels.iter().filter(|l| l.contains('e')).count();
    assert!(
        sci == 0 || sci == ylabels.iter().filter(|l| **l != "0").count(),
        "{ylabels:?}"
    );
    // The title's lines fit the one panel: at most ~0.56 em a character.
    for line in doc.split(r#"class="title""#).skip(1) {
        let size: f64 = line
            .split("font-size=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let text = line.split('>').nth(1).unwrap().split('<').next().unwrap();
        assert!(
            text.chars().count() as f64 * 0.56 * size <= 500.0 + 1e-9,
            "{text} at {size}"
        );
    }
}
