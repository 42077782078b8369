//! TUI responsiveness: the time from a parameter change to a new result ready to draw (replay +
//! display rows + detail bins, i.e. everything but the hand-over to the event loop), and the
//! time to render a full 200×60 frame; and the time to open the trace (load, check, overview
//! figures), also for a second trace in `TRACEREPLAY_BENCH_TRACE2` (e.g. the 808 MB azure_v1
//! one, whose updates are the `update v1` group). The `edit` groups split a rate-scale edit of
//! a window whose fits are kept, as the explorer does it.
//!
//! Uses the trace in `TRACEREPLAY_BENCH_TRACE` (an AlpaServe pickle, e.g. one made by
//! `python3 tools/gen_trace.py --kind v2 --out /tmp/azure_v2.pkl`), else the embedded sample.
//! `TRACEREPLAY_BENCH_WEEK` names a one-function week in any format we read (e.g. the cache of
//! `tools/gen_azure_llm_week.py`'s 30 M requests): its `update week` group replays it as one
//! model, vanilla and gamma, with the rows and detail.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::Arc;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tracereplay_tui::replay::{Distribution, ReplayParams, replay};
use tracereplay_tui::trace::Trace;
use tracereplay_tui::tui::model::{LoadedTrace, Model, ReplayView};
use tracereplay_tui::tui::{refresh_detail, view};

fn load() -> LoadedTrace {
    match std::env::var_os("TRACEREPLAY_BENCH_TRACE") {
        Some(p) => {
            let t = Trace::open(std::path::Path::new(&p), None).expect("bench trace");
            LoadedTrace::new(p.to_string_lossy().into_owned(), t).unwrap()
        }
        None => {
            eprintln!("TRACEREPLAY_BENCH_TRACE not set: using the embedded sample");
            let t = tracereplay_tui::ingest::sample(&Default::default()).unwrap();
            LoadedTrace::new(tracereplay_tui::assets::SAMPLE_NAME.into(), t).unwrap()
        }
    }
}

/// The seed's examples (the trace's last day stands in for 13.23.60 on shorter traces).
fn examples(days: u32) -> Vec<(&'static str, ReplayParams)> {
    let base = ReplayParams::default();
    let last = format!("{}.23.60", days.saturating_sub(1));
    let five = format!("{}.0.0", days.min(5));
    vec![
        (
            "b vanilla day 0",
            ReplayParams {
                distribution: Distribution::Vanilla,
                end: Some("1.0.0".into()),
                ..base.clone()
            },
        ),
        (
            "c gamma 5 days @3600",
            ReplayParams {
                distribution: Distribution::Gamma,
                end: Some(five),
                interval_seconds: 3600.0,
                ..base.clone()
            },
        ),
        (
            "d vanilla all days time-scale 2",
            ReplayParams {
                distribution: Distribution::Vanilla,
                end: Some(last),
                time_scale: 2.0,
                ..base.clone()
            },
        ),
        (
            "e gamma day 0 rate x8 cv x8",
            ReplayParams {
                distribution: Distribution::Gamma,
                end: Some("1.0.0".into()),
                rate_scale: 8.0,
                cv_scale: 8.0,
                ..base
            },
        ),
    ]
}

/// What the TUI does between a changed field and the frame that shows it.
fn update(m: &mut Model, trace: &Arc<Trace>, params: &ReplayParams) {
    let r = replay(trace, params).unwrap();
    m.result = Some(ReplayView::new(r, Arc::clone(trace)));
    m.result_generation += 1;
    refresh_detail(m);
}

fn bench(c: &mut Criterion) {
    let loaded = load();
    let trace = Arc::clone(&loaded.trace);
    let days = loaded.summary.days;
    let mut m = Model::new(ReplayParams::default());
    m.traces.push(loaded);
    m.detail_width = view::detail_width(200);
    let mut g = c.benchmark_group("update");
    g.sample_size(10);
    for (name, params) in examples(days) {
        g.bench_function(name, |b| b.iter(|| update(&mut m, &trace, &params)));
    }
    g.finish();
    let mut terminal = Terminal::new(TestBackend::new(200, 60)).unwrap();
    let mut g = c.benchmark_group("frame 200x60");
    for (name, params) in examples(days) {
        update(&mut m, &trace, &params);
        g.bench_function(name, |b| {
            b.iter(|| {
                terminal.draw(|f| view::view(&m, f)).unwrap();
            })
        });
    }
    g.finish();
    edit(c, "edit", &mut m, &trace, 1.5);
    update_v1(c);
    update_week(c);
    let mut g = c.benchmark_group("open");
    g.sample_size(10);
    for var in ["TRACEREPLAY_BENCH_TRACE", "TRACEREPLAY_BENCH_TRACE2"] {
        if let Some(p) = std::env::var_os(var) {
            let path = std::path::PathBuf::from(&p);
            let name = path
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
            g.bench_function(name, |b| {
                b.iter(|| {
                    let mut t = Trace::open(&path, None).unwrap();
                    // As the explorer's loader does.
                    t.copy_into_memory();
                    LoadedTrace::new(String::new(), t).unwrap()
                })
            });
        }
    }
    g.finish();
}

/// The same for an azure_v1 trace in `TRACEREPLAY_BENCH_TRACE2`: the explorer's first replay
/// of the whole trace (its rate scale lowered on opening, here 0.002 as for gen_trace's trace)
/// and a gamma replay of two days, each with the detail's real-trace bins of a model's
/// functions, which the explorer computes on its render thread.
fn update_v1(c: &mut Criterion) {
    let Some(p) = std::env::var_os("TRACEREPLAY_BENCH_TRACE2") else {
        return;
    };
    let t = Trace::open(std::path::Path::new(&p), None).expect("bench trace 2");
    if t.kind != tracereplay_tui::trace::TraceKind::V1 {
        return;
    }
    let loaded = LoadedTrace::new(String::new(), t).unwrap();
    let trace = Arc::clone(&loaded.trace);
    let mut m = Model::new(ReplayParams::default());
    m.traces.push(loaded);
    m.detail_width = view::detail_width(200);
    let base = ReplayParams {
        rate_scale: 0.002,
        ..ReplayParams::default()
    };
    let mut g = c.benchmark_group("update v1");
    g.sample_size(10);
    for (name, params) in [
        ("exponential all days rate x0.002", base.clone()),
        (
            "gamma days 0-1 @3600 rate x0.002",
            ReplayParams {
                distribution: Distribution::Gamma,
                end: Some("2.0.0".into()),
                interval_seconds: 3600.0,
                ..base
            },
        ),
    ] {
        g.bench_function(name, |b| b.iter(|| update(&mut m, &trace, &params)));
    }
    g.finish();
    edit(c, "edit v1", &mut m, &trace, 0.003);
}

/// The one-function week in `TRACEREPLAY_BENCH_WEEK` (issue 29: 30 M requests), loaded as the
/// explorer loads it and replayed as one model.
fn update_week(c: &mut Criterion) {
    let Some(p) = std::env::var_os("TRACEREPLAY_BENCH_WEEK") else {
        return;
    };
    let path = std::path::PathBuf::from(&p);
    let mut t = tracereplay_tui::ingest::load(&path, &Default::default(), &mut |_, _| {})
        .expect("bench week");
    t.copy_into_memory();
    let loaded = LoadedTrace::new(String::new(), t).unwrap();
    let trace = Arc::clone(&loaded.trace);
    let one = ReplayParams {
        models: vec!["gpt0".into()],
        ..ReplayParams::default()
    };
    let mut m = Model::new(one.clone());
    m.traces.push(loaded);
    m.detail_width = view::detail_width(200);
    let mut g = c.benchmark_group("update week");
    g.sample_size(10);
    for (name, params) in [
        (
            "vanilla",
            ReplayParams {
                distribution: Distribution::Vanilla,
                ..one.clone()
            },
        ),
        (
            "gamma @600",
            ReplayParams {
                distribution: Distribution::Gamma,
                ..one
            },
        ),
    ] {
        g.bench_function(name, |b| b.iter(|| update(&mut m, &trace, &params)));
    }
    g.finish();
}

/// A rate-scale edit on a window whose fits are kept, split as the explorer does it: sampling
/// (the worker), the rows without the group's cv, the group's cv (which merges every arrival),
/// and the update with the detail's bins (the event loop). Rate scale `rate` (1.5 makes 3 M
/// arrivals of gen_trace's v2 trace; 0.003 makes 9 M of its v1 trace).
fn edit(c: &mut Criterion, group: &str, m: &mut Model, trace: &Arc<Trace>, rate: f64) {
    use std::sync::atomic::AtomicBool;
    use tracereplay_tui::replay::{FitCache, replay_cached};
    let params = ReplayParams {
        distribution: Distribution::Exponential,
        rate_scale: rate,
        ..ReplayParams::default()
    };
    let (cache, cancel) = (FitCache::default(), AtomicBool::new(false));
    let sample = || replay_cached(trace, &params, &cancel, &cache).unwrap();
    let mut g = c.benchmark_group(group);
    g.sample_size(20);
    g.bench_function("sample (fits kept)", |b| b.iter(sample));
    let r = sample();
    g.bench_function("rows", |b| {
        b.iter_batched(
            || r.clone(),
            |r| ReplayView::without_group_cv(r, Arc::clone(trace)),
            BatchSize::LargeInput,
        )
    });
    g.bench_function("group cv", |b| b.iter(|| r.group().cv));
    let view = ReplayView::without_group_cv(r, Arc::clone(trace));
    g.bench_function("update with detail", |b| {
        b.iter(|| {
            m.result = Some(view.clone());
            m.result_generation += 1;
            refresh_detail(m);
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
