//! Fits kept between replays: an interval's fits depend on the trace, the window, the mapping
//! and the interval length, not on the distribution, the scales or the seed, so the explorer
//! fits a window once and then only samples while those are tuned.

use std::sync::{Arc, Mutex, PoisonError, Weak};

use super::fit::IntervalStats;
use super::params::ReplayParams;
use super::plan::Slice;
use crate::mapping::Mapping;
use crate::time::Window;
use crate::trace::Trace;

/// What the fits of a replay depend on, besides the trace.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct FitKey {
    window: Window,
    models: usize,
    mapping: Mapping,
    interval_bits: u64,
    triggers: Vec<String>,
}

impl FitKey {
    pub(super) fn new(window: Window, params: &ReplayParams) -> FitKey {
        FitKey {
            window,
            models: params.models.len(),
            mapping: params.mapping,
            interval_bits: params.interval_seconds.to_bits(),
            triggers: params.triggers.clone(),
        }
    }
}

/// One model's fits over the window.
#[derive(Debug)]
pub(super) struct ModelFits {
    /// The trace's invocations of the model in the window.
    pub(super) trace_count: u64,
    /// Every interval's stats, fitted for every distribution.
    pub(super) stats: Vec<IntervalStats>,
}

/// What a window's replays share whatever their distribution, scales and seed.
#[derive(Debug)]
pub(super) struct Fitted {
    /// The functions with invocations in the window.
    pub(super) kept: Vec<Slice>,
    /// Every model's fits, in model order.
    pub(super) models: Vec<ModelFits>,
}

struct Entry {
    /// Weak: a closed trace's fits go, and its address cannot be another trace's meanwhile.
    trace: Weak<Trace>,
    key: FitKey,
    fits: Arc<Fitted>,
    bytes: usize,
    used: u64,
}

/// Fits of recent windows, least recently used dropped past a size.
pub struct FitCache {
    inner: Mutex<Inner>,
    limit: usize,
}

#[derive(Default)]
struct Inner {
    entries: Vec<Entry>,
    clock: u64,
}

/// The default bound: about a million model-intervals (a 14-day trace's 10-minute intervals for
/// 500 models) at 56 bytes each, with the functions each window keeps.
pub const DEFAULT_CACHE_BYTES: usize = 56 << 20;

impl Default for FitCache {
    fn default() -> Self {
        FitCache::new(DEFAULT_CACHE_BYTES)
    }
}

impl FitCache {
    /// A cache holding at most `limit` bytes of fits (and at least the last window fitted).
    pub fn new(limit: usize) -> FitCache {
        FitCache {
            inner: Mutex::new(Inner::default()),
            limit,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // Entries are whole once pushed: a panic elsewhere leaves none half-made.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(super) fn get(&self, trace: &Arc<Trace>, key: &FitKey) -> Option<Arc<Fitted>> {
        let mut inner = self.lock();
        inner.clock += 1;
        let now = inner.clock;
        inner.entries.retain(|e| e.trace.strong_count() > 0);
        let e = inner
            .entries
            .iter_mut()
            .find(|e| e.key == *key && std::ptr::eq(e.trace.as_ptr(), Arc::as_ptr(trace)))?;
        e.used = now;
        Some(Arc::clone(&e.fits))
    }

    pub(super) fn put(&self, trace: &Arc<Trace>, key: FitKey, fits: Arc<Fitted>) {
        let bytes = fits
            .models
            .iter()
            .map(|m| m.stats.len() * std::mem::size_of::<IntervalStats>())
            .sum::<usize>()
            + fits.kept.len() * std::mem::size_of::<Slice>();
        let mut inner = self.lock();
        inner.clock += 1;
        let used = inner.clock;
        inner.entries.push(Entry {
            trace: Arc::downgrade(trace),
            key,
            fits,
            bytes,
            used,
        });
        while inner.entries.len() > 1
            && inner.entries.iter().map(|e| e.bytes).sum::<usize>() > self.limit
        {
            if let Some(oldest) = (0..inner.entries.len()).min_by_key(|&i| inner.entries[i].used) {
                inner.entries.swap_remove(oldest);
            }
        }
    }

    /// Bytes of fits held.
    pub fn bytes(&self) -> usize {
        self.lock().entries.iter().map(|e| e.bytes).sum()
    }

    /// Windows held.
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    /// Whether it holds nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
