//! A column of plain values (timestamps, token counts), held in memory or read in place from an
//! aligned stretch of a mapped trace file, and shared by every replay that reads it: a vanilla
//! replay of one function is its window of the trace's column, not a copy of it.

use std::ops::{Deref, Range};
use std::sync::Arc;

use bytemuck::Pod;

use super::Backing;

/// Values of type `T`; cloning and [`Column::slice`] share them.
#[derive(Clone)]
pub struct Column<T> {
    store: Store<T>,
    /// The values of the store this column shows.
    range: Range<usize>,
}

#[derive(Clone)]
enum Store<T> {
    Owned(Arc<Vec<T>>),
    /// Values at byte `start` of `backing`, which [`Column::mapped`] found aligned for `T` and
    /// inside it (the store's values are then the ones from there to the backing's end).
    Mapped {
        backing: Backing,
        start: usize,
    },
}

impl<T> From<Vec<T>> for Column<T> {
    fn from(v: Vec<T>) -> Self {
        Column {
            range: 0..v.len(),
            store: Store::Owned(Arc::new(v)),
        }
    }
}

impl<T> Default for Column<T> {
    fn default() -> Self {
        Vec::new().into()
    }
}

impl<T: Pod> Column<T> {
    /// `len` values at byte `start` of `backing`, read in place when they are inside it and
    /// aligned for `T` on a little-endian machine (the file's byte order); else `None` (decode
    /// them instead).
    pub fn mapped(backing: Backing, start: usize, len: usize) -> Option<Column<T>> {
        let size = std::mem::size_of::<T>();
        let end = len.checked_mul(size)?.checked_add(start)?;
        let bytes = (*backing).as_ref().get(start..end)?;
        let aligned = (bytes.as_ptr() as usize).is_multiple_of(std::mem::align_of::<T>());
        if !(cfg!(target_endian = "little") && aligned) {
            return None;
        }
        Some(Column {
            store: Store::Mapped { backing, start },
            range: 0..len,
        })
    }

    /// The values `r` of this column (clamped to it), sharing its storage.
    pub fn slice(&self, r: Range<usize>) -> Column<T> {
        let hi = r.end.min(self.range.len());
        let lo = r.start.min(hi);
        Column {
            store: self.store.clone(),
            range: self.range.start + lo..self.range.start + hi,
        }
    }

    /// The values.
    pub fn as_slice(&self) -> &[T] {
        self
    }

    /// This column followed by `next` as one column, when `next` is the stretch of the same
    /// storage right after this one (the parts of one window).
    pub fn adjoin(&self, next: &Column<T>) -> Option<Column<T>> {
        let same = match (&self.store, &next.store) {
            (Store::Owned(a), Store::Owned(b)) => Arc::ptr_eq(a, b),
            (
                Store::Mapped { backing, start },
                Store::Mapped {
                    backing: b,
                    start: s,
                },
            ) => Arc::ptr_eq(backing, b) && start == s,
            _ => false,
        };
        (same && self.range.end == next.range.start).then(|| Column {
            store: self.store.clone(),
            range: self.range.start..next.range.end,
        })
    }

    /// Whether the values are read in place from a mapped file.
    pub fn is_mapped(&self) -> bool {
        matches!(self.store, Store::Mapped { .. })
    }

    /// The values as a vector: taken when this column is their only holder and shows all of
    /// them, else copied.
    pub fn into_vec(self) -> Vec<T> {
        match self.store {
            Store::Owned(v) if self.range == (0..v.len()) => {
                Arc::try_unwrap(v).unwrap_or_else(|v| v.to_vec())
            }
            _ => self.to_vec(),
        }
    }

    /// The values in memory (copied from a mapped file), so that the column no longer reads it.
    pub fn in_memory(&self) -> Column<T> {
        if self.is_mapped() {
            self.to_vec().into()
        } else {
            self.clone()
        }
    }
}

impl<T: Pod> Deref for Column<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        match &self.store {
            Store::Owned(v) => &v[self.range.clone()],
            Store::Mapped { backing, start } => {
                let size = std::mem::size_of::<T>();
                let bytes = &(**backing).as_ref()
                    [start + size * self.range.start..start + size * self.range.end];
                // Checked in bounds and aligned when mapped; a backing's bytes do not move.
                bytemuck::cast_slice(bytes)
            }
        }
    }
}

impl<'a, T: Pod> IntoIterator for &'a Column<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<T: Pod + PartialEq> PartialEq for Column<T> {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl<T: Pod + PartialEq> PartialEq<Vec<T>> for Column<T> {
    fn eq(&self, other: &Vec<T>) -> bool {
        **self == **other
    }
}

impl<T: Pod + PartialEq, const N: usize> PartialEq<[T; N]> for Column<T> {
    fn eq(&self, other: &[T; N]) -> bool {
        **self == other[..]
    }
}

impl<T: Pod + std::fmt::Debug> std::fmt::Debug for Column<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<T: Pod> FromIterator<T> for Column<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        iter.into_iter().collect::<Vec<T>>().into()
    }
}

impl<T: Pod + serde::Serialize> serde::Serialize for Column<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        (**self).serialize(s)
    }
}

impl<'de, T: Pod + serde::Deserialize<'de>> serde::Deserialize<'de> for Column<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Vec::<T>::deserialize(d).map(Column::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A shared buffer whose `values` start at byte `offset`.
    fn backing(values: &[u32], offset: usize) -> (Backing, usize) {
        // u64 words: the buffer itself is 8-byte aligned.
        let words = (offset + 4 * values.len()).div_ceil(8) + 1;
        let mut buf = vec![0u64; words];
        let bytes: &mut [u8] = bytemuck::cast_slice_mut(&mut buf);
        for (i, v) in values.iter().enumerate() {
            bytes[offset + 4 * i..offset + 4 * i + 4].copy_from_slice(&v.to_le_bytes());
        }
        struct Words(Vec<u64>);
        impl AsRef<[u8]> for Words {
            fn as_ref(&self) -> &[u8] {
                bytemuck::cast_slice(&self.0)
            }
        }
        (Arc::new(Words(buf)), offset)
    }

    #[test]
    fn mapped_columns_read_like_owned_ones() {
        let values: Vec<u32> = (0..100).map(|i| i * 7 + 1).collect();
        let owned = Column::from(values.clone());
        for offset in [0, 4, 8, 12] {
            let (b, at) = backing(&values, offset);
            let m = Column::<u32>::mapped(b, at, values.len()).expect("aligned");
            assert!(m.is_mapped() && !owned.is_mapped());
            assert_eq!(m, owned);
            assert_eq!(m.slice(10..20), values[10..20].to_vec());
            assert_eq!(m.slice(10..20).slice(5..50), values[15..20].to_vec());
            assert_eq!(m.slice(95..200).len(), 5);
            assert_eq!(owned.slice(30..40).into_vec(), values[30..40]);
            assert!(!m.in_memory().is_mapped());
            assert_eq!(m.in_memory(), owned);
        }
    }

    #[test]
    fn misaligned_or_outside_values_are_not_mapped() {
        let (b, _) = backing(&[1, 2, 3], 0);
        for at in [1, 2, 3, 5] {
            assert!(Column::<u32>::mapped(b.clone(), at, 1).is_none(), "{at}");
        }
        assert!(Column::<f64>::mapped(b.clone(), 4, 1).is_none());
        assert!(Column::<u32>::mapped(b.clone(), 0, 1000).is_none());
        assert!(Column::<u32>::mapped(b.clone(), usize::MAX, 2).is_none());
        assert!(Column::<u32>::mapped(b, 0, usize::MAX).is_none());
    }

    #[test]
    fn a_sole_whole_owned_column_gives_its_vector_back() {
        let c = Column::from(vec![1.0f64, 2.0, 3.0]);
        let p = c.as_ptr();
        let v = c.into_vec();
        assert_eq!((v.as_ptr(), v), (p, vec![1.0, 2.0, 3.0]));
        let c = Column::from(vec![1u32, 2, 3]);
        let shared = c.clone();
        assert_eq!(c.into_vec(), [1, 2, 3]);
        assert_eq!(shared, [1, 2, 3]);
    }
}
