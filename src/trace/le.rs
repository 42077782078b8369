//! Iterating values held in memory or read in place as little-endian words, for counts and
//! timestamps alike.

/// A value stored as little-endian bytes in trace files.
pub trait LeValue: Copy {
    /// The value at the start of `b` (at least as many bytes as the value has).
    fn read_le(b: &[u8]) -> Self;
}

impl LeValue for u32 {
    #[inline]
    fn read_le(b: &[u8]) -> u32 {
        u32::from_le_bytes([b[0], b[1], b[2], b[3]])
    }
}

impl LeValue for i32 {
    #[inline]
    fn read_le(b: &[u8]) -> i32 {
        i32::from_le_bytes([b[0], b[1], b[2], b[3]])
    }
}

impl LeValue for u64 {
    #[inline]
    fn read_le(b: &[u8]) -> u64 {
        u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]])
    }
}

impl LeValue for f64 {
    #[inline]
    fn read_le(b: &[u8]) -> f64 {
        f64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]])
    }
}

/// Iterator over values held in memory or read in place.
pub enum LeIter<'a, T> {
    /// In memory.
    Owned(std::slice::Iter<'a, T>),
    /// In place: chunks of one value's bytes each.
    Mapped(std::slice::ChunksExact<'a, u8>),
}

impl<T: LeValue> Iterator for LeIter<'_, T> {
    type Item = T;
    #[inline]
    fn next(&mut self) -> Option<T> {
        match self {
            LeIter::Owned(it) => it.next().copied(),
            LeIter::Mapped(it) => it.next().map(T::read_le),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match self {
            LeIter::Owned(it) => it.size_hint(),
            LeIter::Mapped(it) => it.size_hint(),
        }
    }

    fn fold<B, F: FnMut(B, T) -> B>(self, init: B, mut f: F) -> B {
        // One match, then a tight loop the compiler can vectorise.
        match self {
            LeIter::Owned(it) => it.fold(init, |acc, &x| f(acc, x)),
            LeIter::Mapped(it) => it.fold(init, |acc, c| f(acc, T::read_le(c))),
        }
    }
}

impl<T: LeValue> ExactSizeIterator for LeIter<'_, T> {}
