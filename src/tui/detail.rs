//! The detail chart's state: its zoom and pan, and its bins recomputed when they change.

use super::model::Model;

/// Recomputes the detail bins for the selected model, zoom and `detail_width` (after every
/// message, not per frame; only what changed).
pub fn refresh_detail(m: &mut Model) {
    let (Some(r), Some(k), Some((lo, hi))) = (&m.result, m.selected_row(), m.detail_range()) else {
        m.detail.clear();
        m.detail_trace.clear();
        m.detail_key = None;
        return;
    };
    // One bin per chart column, so bins are equal and the axis text is exact.
    let bins = m.detail_width.max(1);
    // The loop calls this after every message (spinner ticks included): rebin only on change.
    let key = (
        // Not the Arc's address: a new result can be allocated where the old one was.
        m.result_generation,
        k,
        lo.to_bits(),
        hi.to_bits(),
        bins,
    );
    if m.detail_key == Some(key) {
        return;
    }
    m.detail = crate::stats::histogram(&r.replay.models[k].arrivals, lo, hi, bins);
    m.detail_trace = r.trace_histogram(k, lo, hi, bins);
    // The fit verdict of the interval under the centre: one interval, computed here on demand.
    let mid = 0.5 * (lo + hi);
    m.detail_quality = r.replay.models[k]
        .intervals
        .iter()
        .position(|i| i.start <= mid && mid < i.end)
        .and_then(|i| r.interval_quality(k, i).map(|q| (i, q)));
    m.detail_key = Some(key);
}

/// Smallest zoom: about one second of a 14-day window.
const MIN_SPAN: f64 = 1e-6;

pub(super) fn zoom(m: &mut Model, factor: f64) {
    let (lo, hi) = m.zoom;
    let mid = 0.5 * (lo + hi);
    let half = (0.5 * (hi - lo) * factor).clamp(MIN_SPAN / 2.0, 0.5);
    let lo = (mid - half).clamp(0.0, 1.0 - 2.0 * half);
    m.zoom = (lo, lo + 2.0 * half);
}

pub(super) fn pan(m: &mut Model, by: f64) {
    let (lo, hi) = m.zoom;
    let span = hi - lo;
    let lo = (lo + by * span).clamp(0.0, 1.0 - span);
    m.zoom = (lo, lo + span);
}
