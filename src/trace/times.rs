//! Invocation timestamps, held in memory or read in place from a memory-mapped trace file.
//!
//! A numpy pickle stores each function's float64 array at whatever byte offset the stream
//! reached, so the values are rarely 8-byte aligned and cannot be borrowed as `&[f64]`. Read in
//! place, they are decoded where they are used: a replay of one day decodes that day, where
//! copying all of them at load would cost a pass over the file and a page fault per fresh page.

use std::borrow::Cow;
use std::ops::Range;

use super::Backing;
use super::column::Column;
use super::le::{LeIter, LeValue};

/// One function's sorted invocation times in seconds since the trace start.
#[derive(Clone)]
pub struct Times(Repr);

#[derive(Clone)]
enum Repr {
    /// In memory, or read in place where the file has them aligned.
    Column(Column<f64>),
    /// `len` little-endian float64 values at `backing[start..]`, not aligned for `f64`,
    /// checked finite and sorted when they were mapped.
    Mapped {
        backing: Backing,
        start: usize,
        len: usize,
    },
}

/// A run of timestamps: a slice, or little-endian bytes (8 per value).
enum View<'a> {
    Slice(&'a [f64]),
    Bytes(&'a [u8]),
}

impl From<Vec<f64>> for Times {
    fn from(v: Vec<f64>) -> Self {
        Times(Repr::Column(v.into()))
    }
}

impl Times {
    /// Timestamps read in place: `len` little-endian float64 values at byte `start` of
    /// `backing`, if they are inside it and all finite and sorted (else `None`: decode them
    /// with [`decode`] and check them instead).
    pub fn mapped(backing: Backing, start: usize, len: usize) -> Option<Times> {
        let end = len.checked_mul(8)?.checked_add(start)?;
        let bytes = (*backing).as_ref().get(start..end)?;
        if let Some(c) = Column::<f64>::mapped(backing.clone(), start, len) {
            return (finite_and_sorted(&c) == (true, true)).then_some(Times(Repr::Column(c)));
        }
        if finite_and_sorted_bytes(bytes) != (true, true) {
            return None;
        }
        Some(Times(Repr::Mapped {
            backing,
            start,
            len,
        }))
    }

    /// Values `r` (clamped) as a column sharing their storage, when they are held as `f64`s
    /// (in memory, or aligned in the mapped file); `None` when they must be decoded.
    pub fn column(&self, r: Range<usize>) -> Option<Column<f64>> {
        match &self.0 {
            Repr::Column(c) => Some(c.slice(r)),
            Repr::Mapped { .. } => None,
        }
    }

    /// The values held in memory (copied when read in place), so that they no longer read
    /// the file.
    pub fn in_memory(&self) -> Times {
        match &self.0 {
            Repr::Column(c) => Times(Repr::Column(c.in_memory())),
            Repr::Mapped { .. } => Times::from(self.to_vec()),
        }
    }

    /// Number of timestamps.
    pub fn len(&self) -> usize {
        match &self.0 {
            Repr::Column(c) => c.len(),
            Repr::Mapped { len, .. } => *len,
        }
    }

    /// `true` without timestamps.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the values are read in place from a mapped file.
    pub fn is_mapped(&self) -> bool {
        match &self.0 {
            Repr::Column(c) => c.is_mapped(),
            Repr::Mapped { .. } => true,
        }
    }

    /// Values `r`, clamped to the series.
    fn view(&self, r: Range<usize>) -> View<'_> {
        let hi = r.end.min(self.len());
        let lo = r.start.min(hi);
        match &self.0 {
            Repr::Column(c) => View::Slice(&c[lo..hi]),
            Repr::Mapped { backing, start, .. } => {
                View::Bytes(&(**backing).as_ref()[start + 8 * lo..start + 8 * hi])
            }
        }
    }

    /// Timestamp `i` (panics out of range, like indexing).
    pub fn get(&self, i: usize) -> f64 {
        assert!(i < self.len(), "timestamp {i} out of range");
        match self.view(i..i + 1) {
            View::Slice(s) => s[0],
            View::Bytes(b) => value(b),
        }
    }

    /// The first timestamp.
    pub fn first(&self) -> Option<f64> {
        (!self.is_empty()).then(|| self.get(0))
    }

    /// The last timestamp.
    pub fn last(&self) -> Option<f64> {
        self.len().checked_sub(1).map(|i| self.get(i))
    }

    /// The index of the first timestamp for which `pred` is false (`pred` true for a prefix),
    /// as [`slice::partition_point`].
    pub fn partition_point(&self, pred: impl FnMut(f64) -> bool) -> usize {
        self.partition_point_in(0..self.len(), pred)
    }

    /// [`Times::partition_point`] of the values `r` (clamped), as an index of the series.
    fn partition_point_in(&self, r: Range<usize>, mut pred: impl FnMut(f64) -> bool) -> usize {
        let at = r.start.min(self.len());
        at + match self.view(r) {
            View::Slice(s) => s.partition_point(|&x| pred(x)),
            View::Bytes(b) => {
                let (mut lo, mut hi) = (0, b.len() / 8);
                while lo < hi {
                    let mid = lo + (hi - lo) / 2;
                    if pred(value(&b[8 * mid..])) {
                        lo = mid + 1;
                    } else {
                        hi = mid;
                    }
                }
                lo
            }
        }
    }

    /// Adds to `bins[i]` how many timestamps `t ≥ 0` have `(t / width) as usize == i`
    /// (later ones are not counted). The values are sorted: each is compared with the first
    /// value of the next bin and counted in a register, rather than dividing each and
    /// incrementing its bin (the same counter in memory again and again).
    pub fn add_binned(&self, width: f64, bins: &mut [u64]) {
        let from = self.partition_point(|x| x < 0.0);
        // One loop per representation, without a match per value.
        match self.view(from..self.len()) {
            View::Slice(s) => add_binned(s.iter().copied(), width, bins),
            View::Bytes(b) => add_binned(b.chunks_exact(8).map(value), width, bins),
        }
    }

    /// The indices of the timestamps in `[lo, hi)`.
    pub fn between(&self, lo: f64, hi: f64) -> Range<usize> {
        self.between_in(0..self.len(), lo, hi)
    }

    /// The indices of the timestamps in `[lo, hi)` among those of `r`: searched only there,
    /// which a replay's parts, each a stretch of a window already found, make short.
    pub fn between_in(&self, r: Range<usize>, lo: f64, hi: f64) -> Range<usize> {
        self.partition_point_in(r.clone(), |x| x < lo)..self.partition_point_in(r, |x| x < hi)
    }

    /// Values `r`, clamped to the series: borrowed when held in memory, else decoded.
    pub fn window(&self, r: Range<usize>) -> Cow<'_, [f64]> {
        match self.view(r) {
            View::Slice(s) => Cow::Borrowed(s),
            View::Bytes(b) => Cow::Owned(decode(b)),
        }
    }

    /// Appends values `r`, clamped to the series, to `out`.
    pub fn extend_into(&self, r: Range<usize>, out: &mut Vec<f64>) {
        match self.view(r) {
            View::Slice(s) => out.extend_from_slice(s),
            View::Bytes(b) => out.extend(b.chunks_exact(8).map(value)),
        }
    }

    /// Values `r`, clamped to the series.
    pub fn range(&self, r: Range<usize>) -> TimesIter<'_> {
        match self.view(r) {
            View::Slice(s) => LeIter::Owned(s.iter()),
            View::Bytes(b) => LeIter::Mapped(b.chunks_exact(8)),
        }
    }

    /// All values.
    pub fn iter(&self) -> TimesIter<'_> {
        self.range(0..self.len())
    }

    /// The values of every `(times, range)` window (clamped) in one sorted vector: each
    /// window is sorted, so this merges rather than sorts (see [`crate::stats::merge_sorted`]).
    pub fn merge<'a>(windows: impl IntoIterator<Item = (&'a Times, Range<usize>)>) -> Vec<f64> {
        let windows: Vec<_> = windows.into_iter().collect();
        let mut all = Vec::with_capacity(windows.iter().map(|(_, r)| r.len()).sum());
        let mut runs = 0;
        for (t, r) in windows {
            let at = all.len();
            t.extend_into(r, &mut all);
            runs += usize::from(all.len() > at);
        }
        crate::stats::sort_concatenated(&mut all, runs);
        all
    }

    /// All values in a vector.
    pub fn to_vec(&self) -> Vec<f64> {
        self.window(0..self.len()).into_owned()
    }

    /// All values as little-endian float64 bytes (the layout of numpy's `<f8` arrays and of
    /// our cache files): borrowed when read in place.
    pub fn le_bytes(&self) -> Cow<'_, [u8]> {
        match self.view(0..self.len()) {
            View::Bytes(b) => Cow::Borrowed(b),
            View::Slice(s) if cfg!(target_endian = "little") => {
                Cow::Borrowed(bytemuck::cast_slice(s))
            }
            View::Slice(s) => Cow::Owned(s.iter().flat_map(|x| x.to_le_bytes()).collect()),
        }
    }
}

/// Iterator over timestamps.
pub type TimesIter<'a> = LeIter<'a, f64>;

impl PartialEq for Times {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl std::fmt::Debug for Times {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let head: Vec<f64> = self.range(0..8).collect();
        write!(f, "Times(len {}, starts {head:?})", self.len())
    }
}

/// The little-endian float64 at the start of `b` (8 bytes or more).
#[inline]
fn value(b: &[u8]) -> f64 {
    f64::read_le(b)
}

/// Little-endian float64 values decoded (a trailing partial value is ignored).
pub fn decode(bytes: &[u8]) -> Vec<f64> {
    bytes.chunks_exact(8).map(value).collect()
}

/// [`Times::add_binned`] of sorted values `≥ 0`.
fn add_binned(values: impl Iterator<Item = f64>, width: f64, bins: &mut [u64]) {
    let (mut current, mut edge, mut count) = (None::<usize>, f64::NEG_INFINITY, 0u64);
    for x in values {
        if x >= edge {
            if let Some(b) = current {
                bins[b] += count;
            }
            let b = (x / width) as usize;
            if b >= bins.len() {
                return;
            }
            (current, edge, count) = (Some(b), first_past(b, width), 0);
        }
        count += 1;
    }
    if let Some(b) = current {
        bins[b] += count;
    }
}

/// The least `x` with `(x / width) as usize > b`: where the next bin starts, exactly as the
/// division rounds (the product can be a unit in the last place off).
fn first_past(b: usize, width: f64) -> f64 {
    let past = |x: f64| (x / width) as usize > b;
    let mut e = (b + 1) as f64 * width;
    while !past(e) {
        e = e.next_up();
    }
    while past(e.next_down()) {
        e = e.next_down();
    }
    e
}

/// Values per block of the checks: small enough to stay in cache and on the stack.
const BLOCK: usize = 256;

/// [`finite_and_sorted`] of little-endian float64 bytes (a trailing partial value ignored),
/// read where they are: the same blocks, each pair compared straight from the bytes, which is
/// quicker than decoding each block into a buffer first.
pub fn finite_and_sorted_bytes(bytes: &[u8]) -> (bool, bool) {
    let (mut finite, mut sorted) = (true, true);
    let bytes = &bytes[..bytes.len() / 8 * 8];
    let mut blocks = bytes.chunks(BLOCK * 8).peekable();
    while let Some(block) = blocks.next() {
        let (mut f, mut s) = (true, true);
        for c in block.chunks_exact(8) {
            f &= value(c).abs() < f64::INFINITY;
        }
        for (x, y) in block.chunks_exact(8).zip(block[8..].chunks_exact(8)) {
            s &= value(x) <= value(y);
        }
        // The pair that straddles this block and the next.
        if let Some(next) = blocks.peek() {
            s &= value(&block[block.len() - 8..]) <= value(next);
        }
        finite &= f;
        sorted &= s;
    }
    (finite, sorted)
}

/// Whether every value is finite, and whether they are in non-decreasing order: one pass
/// without early exits, in blocks the compiler vectorises (the load of a 2 M-timestamp trace
/// spent a third of its time in `find` + `is_sorted`).
pub fn finite_and_sorted(t: &[f64]) -> (bool, bool) {
    let (mut finite, mut sorted) = (true, true);
    for block in t.chunks(BLOCK) {
        let (mut f, mut s) = (true, true);
        for &x in block {
            f &= x.abs() < f64::INFINITY;
        }
        for w in block.windows(2) {
            s &= w[0] <= w[1];
        }
        finite &= f;
        sorted &= s;
    }
    // The pairs that straddle two blocks.
    for i in (BLOCK..t.len()).step_by(BLOCK) {
        sorted &= t[i - 1] <= t[i];
    }
    (finite, sorted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    /// `values` as little-endian bytes at byte `offset` (1: unaligned) of a shared buffer.
    fn mapped(values: &[f64], offset: usize) -> Option<Times> {
        let mut bytes = vec![0xAB; offset];
        bytes.extend(values.iter().flat_map(|x| x.to_le_bytes()));
        bytes.extend([1, 2, 3]);
        Times::mapped(Arc::new(bytes), offset, values.len())
    }

    #[test]
    fn finite_and_sorted_finds_any_offender() {
        let t: Vec<f64> = (0..1000).map(f64::from).collect();
        assert_eq!(finite_and_sorted(&t), (true, true));
        assert_eq!(finite_and_sorted(&[]), (true, true));
        for i in [0, 1, 255, 256, 257, 511, 512, 999] {
            let mut u = t.clone();
            u[i] = -1.0 - f64::from(i as u32);
            assert_eq!(finite_and_sorted(&u), (true, i == 0), "{i}");
            u[i] = f64::NAN;
            assert!(!finite_and_sorted(&u).0, "{i}");
            u[i] = f64::NEG_INFINITY;
            assert!(!finite_and_sorted(&u).0, "{i}");
        }
    }

    #[test]
    fn byte_check_agrees_with_the_slice_check() {
        let sorted: Vec<f64> = (0..1000).map(|i| f64::from(i) * 0.5).collect();
        for at in [0, 1, 255, 256, 257, 511, 512, 999] {
            for bad in [f64::NAN, f64::INFINITY, -1.0, 1e9] {
                let mut t = sorted.clone();
                t[at] = bad;
                let bytes: Vec<u8> = t.iter().flat_map(|x| x.to_le_bytes()).collect();
                assert_eq!(
                    finite_and_sorted_bytes(&bytes),
                    finite_and_sorted(&t),
                    "{bad} at {at}"
                );
            }
        }
    }

    #[test]
    fn mapped_values_read_like_owned_ones() {
        let values: Vec<f64> = (0..700).map(|i| f64::from(i) * 1.25 - 3.0).collect();
        let owned = Times::from(values.clone());
        for offset in [0, 1, 5, 8] {
            let m = mapped(&values, offset).expect("finite and sorted");
            assert!(m.is_mapped());
            assert_eq!(m, owned);
            assert_eq!(m.len(), 700);
            assert_eq!(
                (m.first(), m.last()),
                (Some(-3.0), Some(699.0 * 1.25 - 3.0))
            );
            for x in [-10.0, -3.0, 0.0, 0.1, 100.0, 871.75, 1e9] {
                assert_eq!(
                    m.partition_point(|t| t < x),
                    values.partition_point(|&t| t < x),
                    "{x}"
                );
            }
            assert_eq!(m.between(0.0, 10.0), 3..11);
            assert_eq!(m.between_in(5..9, 0.0, 10.0), 5..9);
            assert_eq!(m.between_in(0..600, 0.0, 10.0), 3..11);
            assert_eq!(m.between_in(9..20, 0.0, 10.0), 9..11);
            assert_eq!(m.between_in(690..800, 0.0, 1e9), 690..700);
            assert_eq!(owned.between_in(9..20, 0.0, 10.0), 9..11);
            assert_eq!(&*m.window(3..11), &values[3..11]);
            assert_eq!(&*m.window(690..800), &values[690..]);
            let mut out = vec![7.0];
            m.extend_into(5..8, &mut out);
            assert_eq!(out, [7.0, values[5], values[6], values[7]]);
            assert_eq!(m.le_bytes(), owned.le_bytes());
            assert_eq!(m.to_vec(), values);
        }
    }

    #[test]
    fn binning_counts_each_timestamp_in_its_bin() {
        let naive = |t: &[f64], width: f64, n: usize| {
            let mut bins = vec![0u64; n];
            for &x in t {
                if x >= 0.0 && ((x / width) as usize) < n {
                    bins[(x / width) as usize] += 1;
                }
            }
            bins
        };
        let mut cases: Vec<Vec<f64>> = vec![
            vec![],
            vec![
                -5.0,
                -0.0,
                0.0,
                3_599.999_999_999_999_5,
                3600.0,
                3600.0,
                7199.0,
                1e9,
            ],
            (0..5000).map(|i| f64::from(i) * 7.3 - 100.0).collect(),
        ];
        // Bursts and long gaps, as in the Azure traces.
        let mut burst = Vec::new();
        for h in [0u32, 1, 1, 5, 40, 41, 90] {
            for k in 0..(h * 37 % 500 + 1) {
                burst.push(f64::from(h) * 3600.0 + f64::from(k) * 0.01);
            }
        }
        burst.sort_by(f64::total_cmp);
        cases.push(burst);
        for t in cases {
            for (width, n) in [(3600.0, 48), (3600.0, 200), (60.0, 10), (1.0, 1)] {
                let mut bins = vec![1u64; n];
                Times::from(t.clone()).add_binned(width, &mut bins);
                let want: Vec<u64> = naive(&t, width, n).iter().map(|x| x + 1).collect();
                assert_eq!(bins, want, "{width} × {n}");
                let mut mapped_bins = vec![1u64; n];
                mapped(&t, 3).unwrap().add_binned(width, &mut mapped_bins);
                assert_eq!(mapped_bins, want);
            }
        }
    }

    #[test]
    fn only_finite_sorted_values_inside_the_buffer_are_mapped() {
        assert!(mapped(&[1.0, 0.5], 3).is_none());
        assert!(mapped(&[1.0, f64::NAN], 3).is_none());
        assert!(mapped(&[f64::NEG_INFINITY, 1.0], 3).is_none());
        let bytes: Backing = Arc::new(vec![0u8; 20]);
        assert!(Times::mapped(bytes.clone(), 4, 2).is_some());
        assert!(Times::mapped(bytes.clone(), 5, 2).is_none());
        assert!(Times::mapped(bytes, usize::MAX, 2).is_none());
        let empty = mapped(&[], 1).expect("nothing to check");
        assert_eq!((empty.first(), empty.last(), empty.len()), (None, None, 0));
    }
}
