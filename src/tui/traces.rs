//! Loaded traces: adding one in the order asked for, switching between them, the rate scale
//! that keeps a replay of a large trace interactive, and as many models as a trace has
//! functions.

use super::model::{LoadedTrace, Model, parse_fields};
use super::update::{Cmd, request_replay};

/// Puts a loaded trace in its place (the order it was asked for, whichever loads first). It
/// is shown when it is the first asked for (until the user picks a trace), or was just opened
/// with `o`; otherwise the one shown stays.
pub(super) fn add_trace(m: &mut Model, mut t: LoadedTrace) -> Vec<Cmd> {
    let slot = m.requested.iter().position(|r| *r == t.name);
    t.order = slot.unwrap_or(m.requested.len());
    if let Some(i) = slot {
        // Claimed: a second trace of the same name takes a later place.
        m.requested[i].clear();
    }
    let opened = m.show_on_load.as_deref() == Some(t.name.as_str());
    let at = m.traces.partition_point(|x| x.order <= t.order);
    let first = m.traces.is_empty();
    if !first && at <= m.trace {
        m.trace += 1;
    }
    m.traces.insert(at, t);
    if !(first || opened || !m.trace_chosen && at == 0) {
        return Vec::new();
    }
    if opened {
        m.show_on_load = None;
    }
    select_trace(m, at);
    request_replay(m)
}

/// Shows trace `index` with its own form (the shown one keeps its form for later): a trace
/// shown for the first time starts from the command line's options, its rate scale lowered
/// when they would make too many arrivals. Results of the previous trace are cleared, so its
/// models and chart never stand under the new name.
pub(super) fn select_trace(m: &mut Model, index: usize) {
    if index != m.trace
        && let Some(shown) = m.traces.get_mut(m.trace)
        && !shown.form.is_empty()
    {
        shown.form = m.fields.clone();
    }
    m.trace = index;
    let Some(t) = m.traces.get(index) else {
        return;
    };
    if t.form.is_empty() {
        m.fields = super::model::field_texts(&m.base);
        let models = fit_models(m);
        let rate = fit_rate_scale(m);
        m.note = match (models, rate) {
            (Some(a), Some(b)) => Some(format!("{a}; {b}")),
            (a, b) => a.or(b),
        };
        let form = m.fields.clone();
        if let Some(t) = m.traces.get_mut(index) {
            t.form = form;
        }
    } else {
        m.fields = t.form.clone();
    }
    m.result = None;
    m.field_error = None;
    m.editing = None;
    m.detail.clear();
    m.detail_trace.clear();
    m.detail_key = None;
}

/// A model needs a function of its own: on a trace of fewer functions than the form's models
/// (an LLM or Mooncake trace is one) the first replay could only be refused, so the models
/// are cut to the first as many as it has functions; returns what was done, for the status
/// line.
pub(super) fn fit_models(m: &mut Model) -> Option<String> {
    let t = m.current()?;
    let functions = t.trace.functions.len();
    let mut p = parse_fields(&m.fields, &m.base).ok()?;
    let asked = p.cut_models_to(functions)?;
    let field = super::model::field_index(super::model::FieldKind::Models)?;
    m.fields[field] = super::model::field_texts(&p).swap_remove(field);
    Some(format!(
        "models set to {functions}: the trace has {}, too few for {asked} models",
        crate::format::plural(functions as u64, "function")
    ))
}

/// Arrivals a replay may make and still answer a parameter change at once (≈ 0.1 s).
pub(super) const INTERACTIVE_ARRIVALS: f64 = 1e7;

/// A whole azure_v1 trace has billions of invocations: at rate scale 1 its first replay would
/// only be refused as too large. When the form's fitted replay of the selected trace would go
/// over the arrivals limit, the rate scale is lowered to a round value (1, 2 or 5 × 10^k) that
/// keeps it interactive; returns what was done, for the status line.
pub(super) fn fit_rate_scale(m: &mut Model) -> Option<String> {
    let t = m.current()?;
    let p = parse_fields(&m.fields, &m.base).ok()?;
    if p.allow_huge || p.distribution == crate::replay::Distribution::Vanilla {
        return None;
    }
    let w = t.trace.window(&p.start, p.end.as_deref()).ok()?;
    let expected = t.invocations_between(w.start, w.end) * p.rate_scale;
    if expected.is_nan() || expected <= p.max_arrivals as f64 {
        return None;
    }
    let budget = INTERACTIVE_ARRIVALS.min(p.max_arrivals as f64);
    let scale = round_down_125(p.rate_scale * budget / expected)?;
    let field = super::model::field_index(super::model::FieldKind::RateScale)?;
    m.fields[field] = crate::format::py_float(scale);
    Some(format!(
        "rate scale set to {}: {} would make {expected:.2e} arrivals (limit {:e})",
        m.fields[field],
        crate::format::py_float(p.rate_scale),
        p.max_arrivals as f64
    ))
}

/// The largest of 1, 2, 5 × 10^k not above `x` (`None` unless `x` is positive and finite).
pub(super) fn round_down_125(x: f64) -> Option<f64> {
    if !(x > 0.0 && x.is_finite()) {
        return None;
    }
    let k = x.log10().floor() as i32;
    let step = [5, 2, 1]
        .into_iter()
        .find(|&s| f64::from(s) * 10f64.powi(k) <= x * (1.0 + 1e-12))
        .unwrap_or(1);
    // Parsed from decimal text, so the field shows 0.002 rather than 0.0020000000000000005.
    format!("{step}e{k}").parse().ok()
}

#[cfg(test)]
mod tests {
    use super::round_down_125;

    #[test]
    fn rate_scales_round_down_to_1_2_5() {
        for (x, want) in [
            (0.0033, 0.002),
            (0.005, 0.005),
            (0.0049, 0.002),
            (7.3, 5.0),
            (1.0, 1.0),
            (19.9, 10.0),
            (3.3e-7, 2e-7),
        ] {
            assert_eq!(round_down_125(x), Some(want), "{x}");
        }
        for x in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert_eq!(round_down_125(x), None, "{x}");
        }
    }
}
