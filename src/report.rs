//! Text and JSON reports of traces and replays (what `inspect` and `stats` print).

use crate::quote::printable;
use std::fmt::Write;

use serde_json::{Value, json};

use crate::format::py_float;
use crate::replay::{Distribution, IntervalFit, ModelReplay, Replay};
use crate::trace::{Summary, TraceKind};

/// The trace summary as text.
pub fn summary_text(source: &str, s: &Summary, d: Option<&TraceDetails>) -> String {
    let kind = match s.kind {
        TraceKind::V1 => "invocations per minute (v1, as azure_v1.pkl)",
        TraceKind::V2 => "a timestamp per invocation (v2, as azure_v2.pkl)",
    };
    let mut out = String::new();
    let _ = writeln!(out, "trace        {}", printable(source));
    if let Some(d) = d.filter(|d| !d.format.is_empty()) {
        let _ = writeln!(out, "format       {}", d.format);
    }
    let _ = writeln!(out, "kind         {kind}");
    if let Some(start) = d.and_then(|d| d.start.as_ref()) {
        let _ = writeln!(out, "start        {start} UTC (its first request)");
    }
    match s.span {
        Some(sp) => {
            let _ = writeln!(out, "span         {} ({sp} s)", crate::time::fmt_span(sp));
        }
        None => {
            let _ = writeln!(out, "days         {}", s.days);
        }
    }
    let _ = writeln!(out, "functions    {}", s.functions);
    let _ = writeln!(
        out,
        "invocations  {} (per function: max {}, min {}, avg {:.2})",
        s.invocations, s.max, s.min, s.avg
    );
    if let Some((i, o)) = d.and_then(|d| d.tokens) {
        let _ = writeln!(
            out,
            "tokens       input p50/p90/p99 {}/{}/{}, output {}/{}/{}",
            i[0], i[1], i[2], o[0], o[1], o[2]
        );
    }
    if let Some((ids, distinct)) = d.and_then(|d| d.hash_ids) {
        let _ = writeln!(
            out,
            "prefix       {ids} hash ids (prefix-cache blocks) over all requests, {distinct} distinct"
        );
    }
    if !s.busiest.is_empty() {
        let _ = writeln!(out, "busiest functions:");
        let width = s
            .busiest
            .iter()
            .map(|(_, n)| n.to_string().len())
            .max()
            .unwrap_or(1);
        for (i, (name, n)) in s.busiest.iter().enumerate() {
            let _ = writeln!(out, "  {:>2}. {n:>width$}  {}", i + 1, printable(name));
        }
    }
    out
}

/// The trace summary as JSON.
pub fn summary_json(source: &str, s: &Summary, d: Option<&TraceDetails>) -> Value {
    let mut v = json!({
        "trace": source,
        "kind": s.kind,
        "days": s.days,
        "functions": s.functions,
        "invocations": s.invocations,
        "max": s.max,
        "min": s.min,
        "avg": s.avg,
        "busiest": s.busiest.iter().map(|(n, c)| json!({"function": n, "invocations": c})).collect::<Vec<_>>(),
    });
    // Only traces that are not day-based have a span: the others' JSON is as before.
    if let Some(sp) = s.span {
        v["span_seconds"] = json!(sp);
    }
    if let Some(d) = d {
        if !d.format.is_empty() {
            v["format"] = json!(d.format);
        }
        if let Some(start) = &d.start {
            v["start"] = json!(start);
        }
        if let Some((i, o)) = d.tokens {
            let p = |x: [u32; 3]| json!({"p50": x[0], "p90": x[1], "p99": x[2]});
            v["tokens"] = json!({"input": p(i), "output": p(o)});
        }
        if let Some((ids, distinct)) = d.hash_ids {
            v["hash_ids"] = json!({"total": ids, "distinct": distinct});
        }
    }
    v
}

/// The generation interval the original reports: the interval, or the window for vanilla.
fn generation_interval(r: &Replay) -> String {
    if r.params.distribution == Distribution::Vanilla {
        r.window.seconds().to_string()
    } else if r.params.interval_seconds.fract() == 0.0 && r.params.interval_seconds < 1e16 {
        format!("{}", r.params.interval_seconds as u64)
    } else {
        py_float(r.params.interval_seconds)
    }
}

/// The original's `report_stats()` line for one model.
pub fn report_stats_line(r: &Replay, m: &ModelReplay) -> String {
    let p = &r.params;
    let (d, h, mi, s) = r.window.duration();
    format!(
        "Trace for {}, duration: ({d}, {h}, {mi}, {s}), {} (s), #arrivals: {}, arrival distribution: {}, \
         generation interval: {}, scale factor: ({}, {}, {}, {}). overall rate: {:.2}, overall cv: {:.2}.",
        m.model,
        r.window.seconds(),
        m.arrivals.len(),
        p.distribution,
        generation_interval(r),
        py_float(p.rate_scale),
        py_float(p.cv_scale),
        py_float(p.time_scale),
        p.replication,
        m.rate,
        m.cv
    )
}

/// The original's `report_group_stats()` line.
pub fn group_stats_line(r: &Replay) -> String {
    let g = r.group();
    let (d, h, mi, s) = r.window.duration();
    format!(
        "Trace for a group of {} models, duration: ({d}, {h}, {mi}, {s}), {} (s), #arrivals: {}, \
         arrival distribution: {}, generation interval: {}, Overall cluster rate: {:.2}, cluster cv: {:.2}.",
        r.models.len(),
        r.window.seconds(),
        g.arrivals,
        r.params.distribution,
        generation_interval(r),
        r.group_rate_unscaled(),
        g.cv
    )
}

/// "gamma 12 (KS 0.041), exponential 3 (KS 0.020)" for a model's assessed intervals.
fn verdicts(m: &ModelReplay) -> String {
    let mut by: Vec<(&str, Vec<f64>)> = Vec::new();
    for q in m.quality.iter().flatten() {
        let ks = q
            .candidates
            .iter()
            .find(|c| c.name == q.best)
            .map_or(f64::NAN, |c| c.ks);
        match by.iter_mut().find(|(n, _)| *n == q.best) {
            Some((_, v)) => v.push(ks),
            None => by.push((q.best, vec![ks])),
        }
    }
    by.sort_by_key(|b| std::cmp::Reverse(b.1.len()));
    if by.is_empty() {
        return "no interval with enough gaps".into();
    }
    by.into_iter()
        .map(|(name, mut ks)| {
            ks.sort_by(f64::total_cmp);
            format!("{name} {} (KS {:.3})", ks.len(), ks[ks.len() / 2])
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The p50, p90 and p99 of a model's input and output tokens, when it has requests with tokens.
pub fn token_percentiles(m: &ModelReplay) -> Option<([u32; 3], [u32; 3])> {
    let t = m.tokens.as_ref()?;
    // The two columns on two cores: each is a few passes over all requests.
    let (input, output) = crate::par::join(|| p50_90_99(&t.input), || p50_90_99(&t.output));
    Some((input?, output?))
}

/// The p50, p90 and p99 of `v` (`None` when empty), as [`crate::tokens::percentile`] gives
/// them of `v` sorted; selected in place rather than copied and sorted.
fn p50_90_99(v: &[u32]) -> Option<[u32; 3]> {
    let ranks = [50.0, 90.0, 99.0].map(|p| crate::tokens::percentile_index(v.len(), p));
    let got = crate::stats::select_ranks(
        || v.iter().map(|&x| u64::from(x)),
        32,
        &ranks.map(|r| r.unwrap_or(0) as u64),
    );
    let mut out = [0u32; 3];
    for (o, g) in out.iter_mut().zip(got) {
        *o = u32::try_from(g?).ok()?;
    }
    Some(out)
}

/// What `inspect` adds to a trace's summary: its format in plain words, its own clock, and its
/// token counts and prefix blocks, when it has them.
pub struct TraceDetails {
    /// "Mooncake JSONL", "Azure LLM inference CSV", …
    pub format: String,
    /// The wall-clock time of the trace's first request, UTC.
    pub start: Option<String>,
    /// Input and output tokens' p50, p90 and p99 over all requests.
    pub tokens: Option<([u32; 3], [u32; 3])>,
    /// Mooncake prefix blocks: ids over all requests, and distinct ids.
    pub hash_ids: Option<(u64, u64)>,
}

impl TraceDetails {
    /// The details of `t`.
    pub fn of(t: &crate::trace::Trace) -> TraceDetails {
        let all_tokens = t.functions.iter().all(|f| f.tokens.is_some()) && !t.functions.is_empty();
        let tokens = all_tokens
            .then(|| {
                let cat = |side: fn(&crate::trace::Tokens) -> &crate::trace::Column<u32>| {
                    t.functions
                        .iter()
                        .filter_map(|f| f.tokens.as_ref())
                        .flat_map(|k| side(k).iter().copied())
                        .collect::<Vec<u32>>()
                };
                Some((
                    p50_90_99(&cat(|k| &k.input))?,
                    p50_90_99(&cat(|k| &k.output))?,
                ))
            })
            .flatten();
        let table = t
            .functions
            .iter()
            .filter_map(|f| f.tokens.as_ref())
            .find_map(|k| k.hash_ids.as_ref());
        let hash_ids = table.map(|h| {
            let (_, ids) = h.parts();
            let distinct: std::collections::HashSet<u64> = ids.iter().copied().collect();
            (ids.len() as u64, distinct.len() as u64)
        });
        TraceDetails {
            format: t.format.0.clone(),
            start: t.clock.map(crate::ingest::datetime::format_ns),
            tokens,
            hash_ids,
        }
    }
}

fn silent(m: &ModelReplay) -> usize {
    m.intervals.iter().filter(|i| i.process.is_none()).count()
}

/// Trace invocations of `m` in intervals too sparse to fit (one invocation has no gap; gamma
/// needs two): those intervals stay silent, as in the original, and their traffic is lost.
pub fn sparse_invocations(m: &ModelReplay) -> u64 {
    m.intervals
        .iter()
        .filter(|i| i.process.is_none())
        .map(|i| i.trace_count)
        .sum()
}

/// Trace invocations lost to sparse intervals over all models, and all the models' trace
/// invocations: `None` for vanilla replays or when none were lost.
pub fn sparse_share(r: &crate::replay::Replay) -> Option<(u64, u64)> {
    if r.params.distribution == Distribution::Vanilla {
        return None;
    }
    let lost: u64 = r.models.iter().map(sparse_invocations).sum();
    let total: u64 = r.models.iter().map(|m| m.trace_count).sum();
    (lost > 0).then_some((lost, total))
}

/// The note under a fitted replay's table when sparse intervals lost traffic, or `None`.
pub fn sparse_note(r: &crate::replay::Replay) -> Option<String> {
    let (lost, total) = sparse_share(r)?;
    Some(format!(
        "{lost} of {total} trace invocations ({:.1} %) fell in intervals too sparse to fit \
         (one invocation has no gap; gamma needs two), which stay silent as in the original; \
         a longer --interval or fewer models keeps them",
        100.0 * lost as f64 / total.max(1) as f64
    ))
}

/// A replay's statistics as text: context, a per-model table, the original's report lines.
/// `trace_invocations` is the whole trace's total ([`crate::trace::Trace::check`]).
/// The trace window's own figures for each model and the group: what a replay is compared
/// with: the rates and cvs a plain vanilla replay of the same window and mapping gives (v2
/// traces; v1 traces have counts only).
pub struct TraceSide<'a> {
    side: Side<'a>,
}

enum Side<'a> {
    None,
    /// A plain vanilla replay of the window.
    Replay(&'a Replay),
    /// Its cvs, per model and of the group, computed from the trace.
    Cvs(Vec<f64>, f64),
}

impl<'a> TraceSide<'a> {
    /// The trace beside `r`, from `side` (a plain vanilla replay of its window), if any.
    pub fn new(side: Option<&'a Replay>) -> Self {
        TraceSide {
            side: side.map_or(Side::None, Side::Replay),
        }
    }

    /// The trace beside `r`, read from `trace` itself: the cvs a plain vanilla replay of `r`'s
    /// window and mapping would have, bit for bit, without making one (a week-long LLM trace's
    /// token columns and a second copy of its times); `None` figures for a v1 trace.
    pub fn of_trace(trace: &crate::trace::Trace, r: &Replay) -> TraceSide<'static> {
        use crate::trace::Series;
        use std::borrow::Cow;
        if trace.kind == TraceKind::V1 {
            return TraceSide { side: Side::None };
        }
        let index: std::collections::HashMap<&str, usize> = trace
            .functions
            .iter()
            .enumerate()
            .map(|(i, f)| (f.name.as_str(), i))
            .collect();
        let mut members: Vec<Vec<usize>> = vec![Vec::new(); r.models.len()];
        for (name, m) in &r.mapping {
            if let (Some(&f), Some(list)) = (index.get(name.as_str()), members.get_mut(*m)) {
                list.push(f);
            }
        }
        let (start, end) = (r.window.start as f64, r.window.end as f64);
        let arrivals: Vec<Cow<'_, [f64]>> = members
            .iter()
            .map(|fs| {
                let windows: Vec<_> = fs
                    .iter()
                    .filter_map(|&f| match &trace.functions[f].series {
                        Series::Times(t) => Some((t, t.between(start, end))),
                        Series::Counts(_) => None,
                    })
                    .collect();
                let mut v = match windows.as_slice() {
                    [(t, range)] => t.window(range.clone()),
                    _ => Cow::Owned(crate::trace::Times::merge(windows)),
                };
                // A vanilla replay's formula at time scale 1 (the identity from time 0).
                if start != 0.0 {
                    for t in v.to_mut() {
                        *t = (*t - start) / 1.0 + start;
                    }
                }
                v
            })
            .collect();
        let cvs = arrivals
            .iter()
            .map(|a| crate::stats::GapMoments::of(a).cv())
            .collect();
        let runs: Vec<&[f64]> = arrivals.iter().map(|a| &a[..]).collect();
        let group = crate::stats::merged_gap_moments(&runs).cv();
        TraceSide {
            side: Side::Cvs(cvs, group),
        }
    }

    /// The trace's (rate per second, cv) for model `m`: over the unscaled window.
    fn model(&self, r: &Replay, m: usize) -> (f64, Option<f64>) {
        let count = r.models[m].trace_count;
        let rate = count as f64 / r.window.seconds() as f64;
        let cv = match &self.side {
            Side::None => None,
            Side::Replay(s) => Some(s.models[m].cv),
            Side::Cvs(cvs, _) => cvs.get(m).copied(),
        };
        (rate, cv)
    }

    fn group(&self, r: &Replay) -> (f64, Option<f64>) {
        let count: u64 = r.models.iter().map(|m| m.trace_count).sum();
        let cv = match &self.side {
            Side::None => None,
            Side::Replay(s) => Some(s.group().cv),
            Side::Cvs(_, group) => Some(*group),
        };
        (count as f64 / r.window.seconds() as f64, cv)
    }
}

/// The replay's volume against the trace's, `+6.3 %` (`—` for an empty trace window).
fn versus(arrivals: usize, trace: u64) -> String {
    if trace == 0 {
        return "—".into();
    }
    format!("{:+.1} %", (arrivals as f64 / trace as f64 - 1.0) * 100.0)
}

/// Notes for fitted models whose volume differs from the trace's (times the rate scale) by more
/// than a sampling noise of 3σ, σ = √n · max(1, cv) (a renewal process's count).
fn volume_notes(r: &Replay, t: &TraceSide<'_>) -> Vec<String> {
    if r.params.distribution == Distribution::Vanilla {
        return Vec::new();
    }
    r.models
        .iter()
        .enumerate()
        .filter_map(|(k, m)| {
            let want = m.trace_count as f64 * r.params.rate_scale;
            let cv = t.model(r, k).1.unwrap_or(1.0).max(1.0);
            let sigma = want.sqrt() * cv;
            let got = m.arrivals.len() as f64;
            ((got - want).abs() > 3.0 * sigma + 1.0).then(|| {
                format!(
                    "{}'s replay has {} arrivals, {:+.1} % from the trace window's {:.0}{}, more \
                     than sampling noise (±{:.0}){}",
                    printable(&m.model),
                    m.arrivals.len(),
                    (got / want - 1.0) * 100.0,
                    want,
                    if r.params.rate_scale == 1.0 {
                        String::new()
                    } else {
                        format!(" (× rate scale {})", py_float(r.params.rate_scale))
                    },
                    3.0 * sigma,
                    if r.params.estimator == crate::replay::Estimator::Alpaserve {
                        "; --estimator count keeps each interval's volume"
                    } else {
                        ""
                    }
                )
            })
        })
        .collect()
}

pub fn stats_text(r: &Replay, trace_invocations: u64, t: &TraceSide<'_>) -> String {
    let p = &r.params;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "trace    {}: {}, {}, {}, {}",
        printable(&r.source),
        r.kind,
        r.span.map_or_else(
            || crate::format::plural(u64::from(r.days), "day"),
            crate::time::fmt_span
        ),
        crate::format::plural(r.trace_functions as u64, "function"),
        crate::format::plural(trace_invocations, "invocation")
    );
    let _ = writeln!(out, "window   {}", r.window);
    let mode = match p.distribution {
        Distribution::Vanilla => format!(
            "vanilla, time scale {}, replication {}",
            py_float(p.time_scale),
            p.replication
        ),
        d => format!(
            "{d}, interval {} s, {} estimator, rate scale {}, cv scale {}, seed {}",
            generation_interval(r),
            p.estimator,
            py_float(p.rate_scale),
            py_float(p.cv_scale),
            p.seed
        ),
    };
    let _ = writeln!(
        out,
        "replay   {mode}; {} mapping of {} onto {}",
        p.mapping,
        crate::format::plural(r.mapping.len() as u64, "function"),
        crate::format::plural(r.models.len() as u64, "model")
    );
    let _ = writeln!(out);
    let name_w = r
        .models
        .iter()
        .map(|m| m.model.chars().count())
        .max()
        .unwrap_or(5)
        .max(5);
    let fitted = p.distribution != Distribution::Vanilla;
    let _ = write!(
        out,
        "{:<name_w$}  {:>9}  {:>11}  {:>10}  {:>9}  {:>10}  {:>10}  {:>8}  {:>8}",
        "model",
        "functions",
        "trace inv.",
        "arrivals",
        "vs trace",
        "trace r/s",
        "rate/s",
        "trace cv",
        "cv"
    );
    let _ = writeln!(
        out,
        "{}",
        if fitted {
            "  silent intervals  sparse inv."
        } else {
            ""
        }
    );
    let cv_text = |cv: Option<f64>| cv.map_or_else(|| "—".to_string(), |c| format!("{c:.3}"));
    for (k, m) in r.models.iter().enumerate() {
        let (trace_rate, trace_cv) = t.model(r, k);
        let _ = write!(
            out,
            "{:<name_w$}  {:>9}  {:>11}  {:>10}  {:>9}  {:>10.4}  {:>10.4}  {:>8}  {:>8.3}",
            m.model,
            m.functions,
            m.trace_count,
            m.arrivals.len(),
            versus(m.arrivals.len(), m.trace_count),
            trace_rate,
            m.rate,
            cv_text(trace_cv),
            m.cv
        );
        if fitted {
            let share = format!("{}/{}", silent(m), m.intervals.len());
            let _ = write!(out, "  {share:>16}  {:>11}", sparse_invocations(m));
        }
        let _ = writeln!(out);
    }
    let g = r.group();
    let total_trace: u64 = r.models.iter().map(|m| m.trace_count).sum();
    let (trace_rate, trace_cv) = t.group(r);
    let _ = writeln!(
        out,
        "{:<name_w$}  {:>9}  {:>11}  {:>10}  {:>9}  {:>10.4}  {:>10.4}  {:>8}  {:>8.3}",
        "group",
        r.mapping.len(),
        total_trace,
        g.arrivals,
        versus(g.arrivals as usize, total_trace),
        trace_rate,
        g.rate,
        cv_text(trace_cv),
        g.cv
    );
    if let Some(note) = sparse_note(r) {
        let _ = writeln!(out, "note: {note}");
    }
    for note in volume_notes(r, t) {
        let _ = writeln!(out, "note: {note}");
    }
    if r.models.iter().any(|m| m.tokens.is_some()) {
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "{:<name_w$}  {:>22}  {:>22}",
            "tokens", "input p50/p90/p99", "output p50/p90/p99"
        );
        for m in &r.models {
            if let Some((i, o)) = token_percentiles(m) {
                let show = |p: [u32; 3]| format!("{}/{}/{}", p[0], p[1], p[2]);
                let _ = writeln!(
                    out,
                    "{:<name_w$}  {:>22}  {:>22}",
                    m.model,
                    show(i),
                    show(o)
                );
            }
        }
    }
    let _ = writeln!(out);
    if r.models
        .iter()
        .any(|m| m.quality.iter().any(Option::is_some))
    {
        let _ = writeln!(
            out,
            "fit quality (intervals whose gaps each process fits best by AIC; median KS distance of that fit)"
        );
        for m in &r.models {
            let _ = writeln!(out, "  {:<name_w$}  {}", m.model, verdicts(m));
        }
        let _ = writeln!(out);
    }
    for m in &r.models {
        let _ = writeln!(out, "{}", report_stats_line(r, m));
    }
    let _ = writeln!(out, "{}", group_stats_line(r));
    out
}

fn interval_json(i: &IntervalFit, quality: Option<&crate::quality::Quality>) -> Value {
    let mut v = json!({
        "start": i.start,
        "end": i.end,
        "trace_count": i.trace_count,
        "process": i.process.map(|p| p.name()),
        "rate": i.process.and_then(|p| p.rate()),
        "cv": i.process.and_then(|p| p.cv()),
        "realized": {"count": i.realized_count, "rate": i.realized_rate(), "cv": i.realized_cv},
    });
    if let Some(q) = quality {
        let mut fit = json!({"gaps": q.gaps, "best": q.best});
        for c in &q.candidates {
            fit[c.name] = json!({"loglik": c.loglik, "aic": c.aic, "bic": c.bic, "ks": c.ks});
        }
        v["fit"] = fit;
    }
    if let Some(crate::replay::Process::Pareto { shape, .. }) = i.process {
        v["shape"] = json!(shape);
        if shape <= 1.0 {
            v["note"] = json!("infinite mean gap (shape <= 1): no finite rate");
        } else if shape <= 2.0 {
            v["note"] = json!("infinite gap variance (shape <= 2): no finite cv");
        }
    }
    if i.reset_to_empirical {
        v["reset_to_empirical"] = json!(true);
    }
    v
}

/// A replay's statistics as JSON (the shape `stats --json` documents).
pub fn stats_json(r: &Replay, trace_invocations: u64, t: &TraceSide<'_>) -> Value {
    let fitted = r.params.distribution != Distribution::Vanilla;
    let g = r.group();
    let beside = |count: u64, (rate, cv): (f64, Option<f64>), arrivals: usize| {
        json!({
            "invocations": count,
            "rate": rate,
            "cv": cv,
            "volume_percent": (count > 0).then(|| arrivals as f64 / count as f64 * 100.0),
        })
    };
    let total_trace: u64 = r.models.iter().map(|m| m.trace_count).sum();
    let mut v = json!({
        "trace": {
            "source": r.source,
            "kind": r.kind,
            "days": r.days,
            "functions": r.trace_functions,
            "invocations": trace_invocations,
        },
        "window": {"start": r.window.start, "end": r.window.end, "text": r.window.to_string()},
        "params": r.params,
        "mapping": r.mapping.iter().map(|(f, m)| json!([f, r.models[*m].model])).collect::<Vec<_>>(),
        "models": r.models.iter().enumerate().map(|(k, m)| {
            let mut v = json!({
                "model": m.model,
                "functions": m.functions,
                "trace_invocations": m.trace_count,
                "arrivals": m.arrivals.len(),
                "rate": m.rate,
                "cv": m.cv,
                "trace": beside(m.trace_count, t.model(r, k), m.arrivals.len()),
                "report": report_stats_line(r, m),
            });
            if let Some((i, o)) = token_percentiles(m) {
                let p = |x: [u32; 3]| json!({"p50": x[0], "p90": x[1], "p99": x[2]});
                v["tokens"] = json!({"input": p(i), "output": p(o)});
            }
            if fitted {
                v["sparse_invocations"] = json!(sparse_invocations(m));
                v["intervals"] = m
                    .intervals
                    .iter()
                    .enumerate()
                    .map(|(k, i)| interval_json(i, m.quality.get(k).and_then(Option::as_ref)))
                    .collect();
            }
            v
        }).collect::<Vec<_>>(),
        "group": {
            "arrivals": g.arrivals,
            "rate": g.rate,
            "cv": g.cv,
            "trace": beside(total_trace, t.group(r), g.arrivals as usize),
            "report": group_stats_line(r),
        },
        "notes": volume_notes(r, t),
    });
    if let Some(sp) = r.span {
        v["trace"]["span_seconds"] = json!(sp);
    }
    v
}
