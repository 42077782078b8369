//! Per-minute invocation counts, held in memory or read in place from a memory-mapped trace
//! file, so a 0.8 GB azure_v1 pickle opens without copying its arrays.

use std::ops::Range;
use std::sync::Arc;

use super::le::{LeIter, LeValue};

/// Bytes a mapped trace reads from: the mapped file (or any shared buffer).
pub type Backing = Arc<dyn AsRef<[u8]> + Send + Sync>;

/// One function's invocations per minute.
#[derive(Clone)]
pub struct Counts(Repr);

#[derive(Clone)]
enum Repr {
    Owned(Vec<u32>),
    /// `len` little-endian words at `backing[start..]`.
    Mapped {
        backing: Backing,
        start: usize,
        len: usize,
        /// int32 words (a numpy pickle's), which are checked non-negative where they are
        /// summed; else u32 words (our cache file's), every value a count.
        signed: bool,
    },
}

impl From<Vec<u32>> for Counts {
    fn from(v: Vec<u32>) -> Self {
        Counts(Repr::Owned(v))
    }
}

impl Counts {
    /// Counts read in place: `len` little-endian int32 words at byte `start` of `backing`
    /// (a negative one is an error where it is summed); `None` unless the range is inside.
    pub fn mapped_checked(backing: Backing, start: usize, len: usize) -> Option<Counts> {
        Counts::mapped(backing, start, len, true)
    }

    /// As [`Counts::mapped_checked`], for little-endian u32 words.
    pub fn mapped_u32(backing: Backing, start: usize, len: usize) -> Option<Counts> {
        Counts::mapped(backing, start, len, false)
    }

    fn mapped(backing: Backing, start: usize, len: usize, signed: bool) -> Option<Counts> {
        let end = len.checked_mul(4)?.checked_add(start)?;
        if end > (*backing).as_ref().len() {
            return None;
        }
        Some(Counts(Repr::Mapped {
            backing,
            start,
            len,
            signed,
        }))
    }

    /// Number of minutes.
    pub fn len(&self) -> usize {
        match &self.0 {
            Repr::Owned(v) => v.len(),
            Repr::Mapped { len, .. } => *len,
        }
    }

    /// `true` without minutes.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The count of minute `i` (panics out of range, like indexing).
    pub fn get(&self, i: usize) -> u32 {
        self.range(i..i + 1)
            .next()
            .unwrap_or_else(|| panic!("minute {i} out of range"))
    }

    /// Minutes `r` clamped to the series: the first one's index, and their data.
    fn words(&self, r: Range<usize>) -> (usize, Words<'_>) {
        let hi = r.end.min(self.len());
        let lo = r.start.min(hi);
        let words = match &self.0 {
            Repr::Owned(v) => Words::Owned(&v[lo..hi]),
            Repr::Mapped {
                backing,
                start,
                signed,
                ..
            } => Words::Mapped {
                bytes: &(**backing).as_ref()[start + 4 * lo..start + 4 * hi],
                signed: *signed,
            },
        };
        (lo, words)
    }

    /// The counts of minutes `r`, clamped to the series.
    pub fn range(&self, r: Range<usize>) -> CountsIter<'_> {
        match self.words(r).1 {
            Words::Owned(v) => LeIter::Owned(v.iter()),
            Words::Mapped { bytes, .. } => LeIter::Mapped(bytes.chunks_exact(4)),
        }
    }

    /// All counts.
    pub fn iter(&self) -> CountsIter<'_> {
        self.range(0..self.len())
    }

    /// Sum of minutes `r`, clamped to the series.
    pub fn sum_range(&self, r: Range<usize>) -> u64 {
        match self.words(r).1 {
            Words::Owned(v) => v.iter().map(|&x| u64::from(x)).sum(),
            // A plain fold over the words, which the compiler vectorises (a per-item iterator
            // does not: summing a large v1 trace was most of `inspect`).
            Words::Mapped { bytes, .. } => sum_words(bytes, false).unwrap_or(0),
        }
    }

    /// Sum of minutes `r`, or the first minute whose count in the file is negative (and its
    /// value): counts read in place are int32 words nobody has checked yet.
    pub fn checked_sum(&self, r: Range<usize>) -> Result<u64, (usize, i32)> {
        match self.words(r) {
            (_, Words::Owned(v)) => Ok(v.iter().map(|&x| u64::from(x)).sum()),
            (lo, Words::Mapped { bytes, signed }) => {
                sum_words(bytes, signed).map_err(|i| (lo + i, word(bytes, i)))
            }
        }
    }

    /// Adds each hour's (60 minutes') sum to `hours[h]` (hours past its end are counted in the
    /// total only) and returns the total; or, read in place, the first negative minute and its
    /// value. One pass, vectorised per hour.
    pub fn add_hourly(&self, hours: &mut [u64]) -> Result<u64, (usize, i32)> {
        self.add_per_hours(1, hours)
    }

    /// [`Counts::add_hourly`] into bins of `bin_hours` hours each (at least 1).
    pub fn add_per_hours(&self, bin_hours: usize, hours: &mut [u64]) -> Result<u64, (usize, i32)> {
        let minutes = 60 * bin_hours.max(1);
        let mut total = 0u64;
        let mut add = |h: usize, s: u64| {
            if let Some(o) = hours.get_mut(h) {
                *o += s;
            }
            total += s;
        };
        match self.words(0..self.len()).1 {
            Words::Owned(v) => {
                for (h, c) in v.chunks(minutes).enumerate() {
                    add(h, c.iter().map(|&x| u64::from(x)).sum());
                }
            }
            Words::Mapped { bytes, signed } => {
                for (h, c) in bytes.chunks(4 * minutes).enumerate() {
                    let s = sum_words(c, signed).map_err(|i| (h * minutes + i, word(c, i)))?;
                    add(h, s);
                }
            }
        }
        Ok(total)
    }

    /// Adds the counts of minutes `first..first + out.len()` (those the series has) to `out`,
    /// unchecked: a negative int32 read in place adds as the u32 of its bits.
    pub fn add_into(&self, first: usize, out: &mut [u64]) {
        let _ = self.add_words(first, out);
    }

    /// [`Counts::add_into`], or the first minute whose count in the file is negative (and its
    /// value) — `out` then holds partial sums.
    pub fn checked_add_into(&self, first: usize, out: &mut [u64]) -> Result<(), (usize, i32)> {
        match self.add_words(first, out) {
            Some((lo, bytes)) => {
                let i = first_negative(bytes);
                Err((lo + i, word(bytes, i)))
            }
            None => Ok(()),
        }
    }

    /// The adding of both, in zipped slices the compiler vectorises with the OR of the words'
    /// sign bytes; where the words read start and the words, when a signed one is negative.
    fn add_words(&self, first: usize, out: &mut [u64]) -> Option<(usize, &[u8])> {
        match self.words(first..first + out.len()) {
            (_, Words::Owned(v)) => {
                out.iter_mut().zip(v).for_each(|(o, &x)| *o += u64::from(x));
                None
            }
            (lo, Words::Mapped { bytes, signed }) => {
                let signs = out
                    .iter_mut()
                    .zip(bytes.chunks_exact(4))
                    .fold(0u8, |o, (x, c)| {
                        *x += u64::from(u32::read_le(c));
                        o | c[3]
                    });
                (signed && signs & 0x80 != 0).then_some((lo, bytes))
            }
        }
    }

    /// Whether any of minutes `r` has invocations: stops at the first (a negative int32 read in
    /// place counts as some, to be found where the minutes are summed).
    pub fn any_in(&self, r: Range<usize>) -> bool {
        match self.words(r).1 {
            Words::Owned(v) => v.iter().any(|&x| x != 0),
            // Blocks OR-ed whole (vectorised), then the early exit.
            Words::Mapped { bytes, .. } => bytes
                .chunks(256)
                .any(|b| b.iter().fold(0u8, |o, &x| o | x) != 0),
        }
    }

    /// The little-endian words in the file, when read in place (int32 ones for a pickle:
    /// [`Counts::checked_sum`] says whether any is negative).
    pub fn file_words(&self) -> Option<&[u8]> {
        match self.words(0..self.len()).1 {
            Words::Owned(_) => None,
            Words::Mapped { bytes, .. } => Some(bytes),
        }
    }

    /// `true` when read in place from a mapped file.
    pub fn is_mapped(&self) -> bool {
        matches!(self.0, Repr::Mapped { .. })
    }

    /// A copy in memory.
    pub fn to_vec(&self) -> Vec<u32> {
        self.iter().collect()
    }
}

/// A stretch of counts as held: in memory, or the file's words (int32 when `signed`).
enum Words<'a> {
    Owned(&'a [u32]),
    Mapped { bytes: &'a [u8], signed: bool },
}

/// Iterator over counts.
pub type CountsIter<'a> = super::le::LeIter<'a, u32>;

impl PartialEq for Counts {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl std::fmt::Debug for Counts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let head: Vec<u32> = self.range(0..8).collect();
        write!(f, "Counts(len {}, starts {head:?})", self.len())
    }
}

/// The sum of little-endian words: int32 ones checked non-negative (else the index of the first
/// negative one), u32 ones as they are.
fn sum_words(bytes: &[u8], signed: bool) -> Result<u64, usize> {
    if signed {
        return sum_non_negative_i32(bytes);
    }
    Ok(bytes
        .chunks_exact(4)
        .fold(0u64, |s, c| s + u64::from(u32::read_le(c))))
}

/// Little-endian int32 word `i` of `bytes`.
fn word(bytes: &[u8], i: usize) -> i32 {
    i32::read_le(&bytes[4 * i..4 * i + 4])
}

/// The sum of `bytes` as little-endian int32 words, or the index of the first negative one.
pub fn sum_non_negative_i32(bytes: &[u8]) -> Result<u64, usize> {
    // One pass for the sum and an OR of the sign bits; the position only when one is set.
    let (sum, signs) = bytes.chunks_exact(4).fold((0u64, 0u8), |(s, o), c| {
        (s + u64::from(u32::read_le(c)), o | c[3])
    });
    if signs & 0x80 == 0 {
        return Ok(sum);
    }
    Err(first_negative(bytes))
}

/// The index of the first negative little-endian int32 word of `bytes` (0 if none).
fn first_negative(bytes: &[u8]) -> usize {
    bytes
        .chunks_exact(4)
        .position(|c| c[3] & 0x80 != 0)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapped_and_owned_agree() {
        let words: Vec<u32> = vec![0, 1, 70_000, 5];
        let mut bytes = vec![9u8; 3]; // unaligned on purpose
        bytes.extend(words.iter().flat_map(|w| w.to_le_bytes()));
        let backing: Backing = Arc::new(bytes);
        let m = Counts::mapped_checked(backing.clone(), 3, 4).unwrap();
        let o = Counts::from(words.clone());
        assert_eq!(m, o);
        assert_eq!(m.to_vec(), words);
        assert_eq!(m.sum_range(1..3), 70_001);
        assert_eq!(m.range(2..99).collect::<Vec<_>>(), vec![70_000, 5]);
        assert_eq!(m.get(3), 5);
        assert!(
            Counts::mapped_checked(backing, 3, 5).is_none(),
            "past the end"
        );
    }

    #[test]
    fn hourly_sums_in_place_and_owned() {
        let words: Vec<u32> = (0..150).collect();
        let mut bytes = vec![0u8; 1];
        bytes.extend(words.iter().flat_map(|w| w.to_le_bytes()));
        let m = Counts::mapped_checked(Arc::new(bytes.clone()), 1, 150).unwrap();
        let want = [(0..60).sum::<u64>(), (60..120).sum(), (120..150).sum()];
        for c in [m, Counts::from(words)] {
            let mut h = vec![0u64; 2];
            assert_eq!(c.add_hourly(&mut h), Ok(want.iter().sum()));
            assert_eq!(h, want[..2]);
        }
        bytes[1 + 4 * 77 + 3] = 0x80;
        let m = Counts::mapped_checked(Arc::new(bytes), 1, 150).unwrap();
        assert_eq!(m.add_hourly(&mut [0; 3]).map_err(|e| e.0), Err(77));
    }

    #[test]
    fn minutes_add_into_a_window_and_negatives_are_found_there() {
        // Words 0, 0, 0, 7, -2, 9 at byte 2; as u32 (our cache) -2 is a count like any other.
        let words = [0i32, 0, 0, 7, -2, 9];
        let mut bytes = vec![0u8; 2];
        bytes.extend(words.iter().flat_map(|w| w.to_le_bytes()));
        let signed = Counts::mapped_checked(Arc::new(bytes.clone()), 2, 6).unwrap();
        let unsigned = Counts::mapped_u32(Arc::new(bytes), 2, 6).unwrap();
        let owned = Counts::from(words.iter().map(|&w| w as u32).collect::<Vec<_>>());
        for c in [&signed, &unsigned, &owned] {
            assert!(!c.any_in(0..3));
            assert!(c.any_in(2..4) && c.any_in(4..5));
            assert!(!c.any_in(6..9), "past the end");
            let mut out = [1u64; 3];
            c.add_into(2, &mut out);
            assert_eq!(out, [1, 8, 1 + u64::from(-2i32 as u32)]);
        }
        let mut out = [0u64; 4];
        assert_eq!(signed.checked_add_into(1, &mut out), Err((4, -2)));
        assert_eq!(unsigned.checked_add_into(1, &mut out[..2]), Ok(()));
        // A window past the series adds what there is.
        let mut out = [0u64; 4];
        assert_eq!(owned.checked_add_into(5, &mut out), Ok(()));
        assert_eq!(out, [9, 0, 0, 0]);
    }

    #[test]
    fn negatives_are_found() {
        let b: Vec<u8> = [1i32, 2, -3, 4]
            .iter()
            .flat_map(|w| w.to_le_bytes())
            .collect();
        assert_eq!(sum_non_negative_i32(&b), Err(2));
        assert_eq!(sum_non_negative_i32(&b[..8]), Ok(3));
    }
}
