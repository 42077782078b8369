//! numpy's side of the pickle: dtypes and array payloads, decoded without numpy.

use std::fmt;

/// A numpy dtype as pickled: kind letter, item size in bytes and byte order (`<`, `>` or `|`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DType {
    /// numpy's kind letter: `f`, `i`, `u`, `b`, `c`, `O`, `S`, `U`, `V`, `M`, `m`.
    pub kind: char,
    /// Item size in bytes (for `S`/`U`/`V`, the declared length).
    pub size: u32,
    /// `<` little-endian, `>` big-endian, `|` not applicable.
    pub order: char,
}

impl fmt::Display for DType {
    /// numpy's `dtype.str`, e.g. `<f8`, `>i4`, `|S2`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}{}", self.order, self.kind, self.size)
    }
}

impl DType {
    /// Parses the type string numpy pickles (`'f8'`, `'i4'`, `'O8'`, `'S2'`, …; never with an
    /// order prefix). An unknown code is an error, as it is for numpy.
    pub fn from_code(code: &str) -> Result<DType, String> {
        let unknown = || format!("numpy does not know the dtype {code:?}");
        let mut chars = code.chars();
        let kind = chars.next().ok_or_else(unknown)?;
        let digits = chars.as_str();
        let size: u32 = if digits.is_empty() {
            match kind {
                'b' | 'S' | 'U' | 'V' => 1,
                'O' => 8,
                _ => return Err(unknown()),
            }
        } else {
            digits.parse().map_err(|_| unknown())?
        };
        let valid = match kind {
            'f' => matches!(size, 2 | 4 | 8 | 16),
            'i' | 'u' => matches!(size, 1 | 2 | 4 | 8),
            'c' => matches!(size, 8 | 16 | 32),
            'b' => size == 1,
            'O' => matches!(size, 4 | 8),
            'M' | 'm' => size == 8,
            'S' | 'U' | 'V' => true,
            _ => false,
        };
        if !valid {
            return Err(unknown());
        }
        let order = if size == 1 || matches!(kind, 'O' | 'S' | 'V') {
            '|'
        } else {
            '<'
        };
        Ok(DType { kind, size, order })
    }

    /// Applies the byte order from the dtype's `BUILD` state.
    pub fn set_byte_order(&mut self, order: &str) -> Result<(), String> {
        self.order = match order {
            "<" | "=" => '<',
            ">" => '>',
            "|" => '|',
            other => return Err(format!("dtype byte order {other:?}")),
        };
        Ok(())
    }

    /// `true` for a little-endian (or byte-order-free on this little-endian format) int32.
    pub fn is_i32_le(&self) -> bool {
        self.kind == 'i' && self.size == 4 && self.order != '>'
    }

    /// `true` for a little-endian float64.
    pub fn is_f64_le(&self) -> bool {
        self.kind == 'f' && self.size == 8 && self.order != '>'
    }

    fn big_endian(&self) -> bool {
        self.order == '>'
    }

    /// The value of a numpy float scalar's raw bytes.
    pub fn scalar_f64(&self, bytes: &[u8]) -> Option<f64> {
        match (self.kind, self.size, bytes.len()) {
            ('f', 8, 8) => Some(f64::from_bits(read_u64(bytes, self.big_endian()))),
            ('f', 4, 4) => Some(f64::from(f32::from_bits(read_u32(
                bytes,
                self.big_endian(),
            )))),
            _ => None,
        }
    }
}

fn read_u64(b: &[u8], big: bool) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(b);
    if big {
        u64::from_be_bytes(a)
    } else {
        u64::from_le_bytes(a)
    }
}

fn read_u32(b: &[u8], big: bool) -> u32 {
    let mut a = [0u8; 4];
    a.copy_from_slice(b);
    if big {
        u32::from_be_bytes(a)
    } else {
        u32::from_le_bytes(a)
    }
}

/// An array's values in C (row-major) order, in the dtype's own width.
#[derive(Debug, Clone, PartialEq)]
pub enum ArrayData {
    /// float64
    F64(Vec<f64>),
    /// float32
    F32(Vec<f32>),
    /// int32
    I32(Vec<i32>),
    /// int64
    I64(Vec<i64>),
    /// int32, little-endian, left in the input at this byte range (see [`super::load_in_place`]).
    I32InPlace(std::ops::Range<usize>),
    /// float64, little-endian, left in the input at this byte range (see [`super::load_in_place`]).
    F64InPlace(std::ops::Range<usize>),
}

impl ArrayData {
    /// Number of elements.
    pub fn len(&self) -> usize {
        match self {
            ArrayData::F64(v) => v.len(),
            ArrayData::F32(v) => v.len(),
            ArrayData::I32(v) => v.len(),
            ArrayData::I64(v) => v.len(),
            ArrayData::I32InPlace(r) => r.len() / 4,
            ArrayData::F64InPlace(r) => r.len() / 8,
        }
    }

    /// `true` when there are no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes held in memory.
    pub fn byte_len(&self) -> usize {
        match self {
            ArrayData::F64(v) => v.len() * 8,
            ArrayData::F32(v) => v.len() * 4,
            ArrayData::I32(v) => v.len() * 4,
            ArrayData::I64(v) => v.len() * 8,
            ArrayData::I32InPlace(_) | ArrayData::F64InPlace(_) => 0,
        }
    }

    /// `true` for integer dtypes.
    pub fn is_integer(&self) -> bool {
        matches!(
            self,
            ArrayData::I32(_) | ArrayData::I64(_) | ArrayData::I32InPlace(_)
        )
    }
}

/// A decoded numpy array.
#[derive(Debug, Clone, PartialEq)]
pub struct NdArray {
    /// The dtype as pickled (byte order included).
    pub dtype: DType,
    /// The shape.
    pub shape: Vec<usize>,
    /// `true` when the pickled bytes were column-major.
    pub fortran: bool,
    /// The values, always in C order.
    pub data: ArrayData,
}

impl NdArray {
    /// Decodes raw array bytes; the byte count must match the shape exactly.
    pub fn decode(
        dtype: DType,
        shape: Vec<usize>,
        fortran: bool,
        bytes: &[u8],
    ) -> Result<Self, String> {
        let supported = matches!((dtype.kind, dtype.size), ('f', 4 | 8) | ('i', 4 | 8));
        if !supported {
            return Err(format!(
                "dtype {dtype} is not supported; a trace array must be int32, int64, float32 or float64"
            ));
        }
        let count = shape.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d));
        let need = count.and_then(|c| c.checked_mul(dtype.size as usize));
        if need != Some(bytes.len()) {
            let need = need.map_or_else(|| "more than 2^64".to_string(), |n| n.to_string());
            return Err(format!(
                "shape {shape:?} of dtype {dtype} needs {need} bytes of data but the pickle holds {}",
                bytes.len()
            ));
        }
        let big = dtype.big_endian();
        let data = match (dtype.kind, dtype.size) {
            ('f', 8) => ArrayData::F64(
                bytes
                    .chunks_exact(8)
                    .map(|c| f64::from_bits(read_u64(c, big)))
                    .collect(),
            ),
            ('f', _) => ArrayData::F32(
                bytes
                    .chunks_exact(4)
                    .map(|c| f32::from_bits(read_u32(c, big)))
                    .collect(),
            ),
            ('i', 8) => ArrayData::I64(
                bytes
                    .chunks_exact(8)
                    .map(|c| read_u64(c, big) as i64)
                    .collect(),
            ),
            _ => ArrayData::I32(
                bytes
                    .chunks_exact(4)
                    .map(|c| read_u32(c, big) as i32)
                    .collect(),
            ),
        };
        let data = if fortran && shape.len() > 1 {
            match data {
                ArrayData::F64(v) => ArrayData::F64(fortran_to_c(&v, &shape)),
                ArrayData::F32(v) => ArrayData::F32(fortran_to_c(&v, &shape)),
                ArrayData::I32(v) => ArrayData::I32(fortran_to_c(&v, &shape)),
                ArrayData::I64(v) => ArrayData::I64(fortran_to_c(&v, &shape)),
                in_place @ (ArrayData::I32InPlace(_) | ArrayData::F64InPlace(_)) => in_place,
            }
        } else {
            data
        };
        Ok(NdArray {
            dtype,
            shape,
            fortran,
            data,
        })
    }
}

/// Reorders column-major values into row-major order.
fn fortran_to_c<T: Copy>(values: &[T], shape: &[usize]) -> Vec<T> {
    let mut f_strides = Vec::with_capacity(shape.len());
    let mut stride = 1;
    for &d in shape {
        f_strides.push(stride);
        stride *= d;
    }
    let mut index = vec![0usize; shape.len()];
    let mut out = Vec::with_capacity(values.len());
    for _ in 0..values.len() {
        let at: usize = index.iter().zip(&f_strides).map(|(i, s)| i * s).sum();
        out.push(values[at]);
        // Advance the C-order odometer: last axis fastest.
        for axis in (0..shape.len()).rev() {
            index[axis] += 1;
            if index[axis] < shape[axis] {
                break;
            }
            index[axis] = 0;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dtype_codes() {
        assert_eq!(DType::from_code("f8").unwrap().to_string(), "<f8");
        assert_eq!(DType::from_code("S2").unwrap().to_string(), "|S2");
        assert_eq!(DType::from_code("O8").unwrap().to_string(), "|O8");
        assert_eq!(DType::from_code("c16").unwrap().to_string(), "<c16");
        assert!(DType::from_code("x9").unwrap_err().contains("x9"));
        assert!(DType::from_code("f3").is_err());
    }

    #[test]
    fn fortran_order_is_transposed() {
        // 2x3 matrix [[1,2,3],[4,5,6]] stored column-major: 1,4,2,5,3,6
        let f = [1, 4, 2, 5, 3, 6];
        assert_eq!(fortran_to_c(&f, &[2, 3]), vec![1, 2, 3, 4, 5, 6]);
    }

    #[test]
    fn byte_count_must_match_shape() {
        let dt = DType::from_code("f8").unwrap();
        let err = NdArray::decode(dt, vec![3], false, &[0; 16]).unwrap_err();
        assert!(
            err.contains("needs 24 bytes") && err.contains("holds 16"),
            "{err}"
        );
        let err = NdArray::decode(dt, vec![1 << 40], false, &[0; 16]).unwrap_err();
        assert!(err.contains("holds 16"), "{err}");
        let err = NdArray::decode(dt, vec![usize::MAX, 3], false, &[0; 16]).unwrap_err();
        assert!(err.contains("more than 2^64"), "{err}");
    }
}
