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
}

#[test]
fn the_plot_command_writes_svg_and_explains_png() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("fig.svg");
    let st = std::process::Command::new(env!("CARGO_BIN_EXE_tracereplay-tui"))
        .args([
            "plot", "sample", "--end", "0.6.0", "--figure", "gaps", "--at", "0.3.0", "-o",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    let doc = std::fs::read_to_string(&out).unwrap();
    assert!(
        doc.contains("interval day 0 03:00 → day 0 03:10"),
        "the interval at 0.3.0"
    );
    let st = std::process::Command::new(env!("CARGO_BIN_EXE_tracereplay-tui"))
        .args(["plot", "sample", "-o"])
        .arg(dir.path().join("fig.png"))
        .output()
        .unwrap();
    assert!(!st.status.success());
    assert!(String::from_utf8_lossy(&st.stderr).contains("name the output .svg"));
}
