//! An AlpaServe pickle as a [`Trace`]: which layout it is, and each function's array checked
//! and turned into counts or timestamps (read in place from a memory-mapped file when large).

use std::path::Path;

use super::{ArrayData, Value};
use crate::error::{Error, Result};
use crate::trace::le::LeValue;
use crate::trace::times::{self, finite_and_sorted};
use crate::trace::{Backing, Counts, Function, Series, Times, Trace, TraceKind, map_large};

/// Below this many values, checking them on one core is quicker than starting a thread.
const PARALLEL_CHECK_VALUES: usize = 1 << 17;

impl Trace {
    /// Reads a trace pickle from disk. Large files are memory-mapped, and azure_v1's int32
    /// arrays are read in place rather than copied.
    pub fn open(path: &Path, kind: Option<TraceKind>) -> Result<Trace> {
        Trace::open_with(path, kind, true)
    }

    /// [`Trace::open`], mapping a large file only when `map` says so (else it is read).
    pub fn open_with(path: &Path, kind: Option<TraceKind>, map: bool) -> Result<Trace> {
        let io = |err| Error::Io {
            action: "cannot read trace",
            path: path.to_owned(),
            err,
        };
        let source = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        let file = std::fs::File::open(path).map_err(io)?;
        let Some(map) = map_large(&file, map).map_err(io)? else {
            let bytes = std::fs::read(path).map_err(io)?;
            return Trace::from_pickle(&bytes, &source, kind);
        };
        let done = std::sync::atomic::AtomicBool::new(false);
        std::thread::scope(|s| {
            s.spawn(|| {
                let bytes = (*map).as_ref();
                prefault(&bytes[bytes.len() / 3..], &done);
            });
            let t = Trace::from_backing(map.clone(), &source, kind);
            done.store(true, std::sync::atomic::Ordering::Relaxed);
            t
        })
    }

    /// Decodes a trace pickle held in memory. `kind` overrides detection from the content.
    pub fn from_pickle(bytes: &[u8], source: &str, kind: Option<TraceKind>) -> Result<Trace> {
        let loaded = super::load(bytes)?;
        Trace::from_loaded(loaded, None, source, kind)
    }

    /// Decodes a trace pickle in `backing`, leaving int32 count arrays in place.
    pub fn from_backing(backing: Backing, source: &str, kind: Option<TraceKind>) -> Result<Trace> {
        let loaded = super::load_in_place((*backing).as_ref())?;
        Trace::from_loaded(loaded, Some(&backing), source, kind)
    }

    fn from_loaded(
        loaded: super::Loaded,
        backing: Option<&Backing>,
        source: &str,
        kind: Option<TraceKind>,
    ) -> Result<Trace> {
        let mut warnings = loaded.warnings;
        let kind = match kind {
            Some(k) => k,
            None => detect_kind(&loaded.entries)?,
        };
        let convert = |name: String,
                       value: Value,
                       warnings: &mut Vec<String>|
         -> Result<Function> {
            let value = match (value, backing) {
                (Value::Array(mut a), Some(b)) if kind == TraceKind::V1 => {
                    if let ArrayData::F64InPlace(r) = &a.data {
                        // Floats read as counts (--kind v1): decode them after all.
                        a.data = ArrayData::F64(times::decode(&(**b).as_ref()[r.clone()]));
                    }
                    if let ArrayData::I32InPlace(r) = &a.data {
                        one_dimensional(&name, &Value::Array(a.clone()))?;
                        let counts = Counts::mapped_checked(b.clone(), r.start, r.len() / 4)
                            .ok_or_else(|| {
                                Error::Trace(format!("function {name:?}: array outside the file"))
                            })?;
                        return Ok(Function::new(name, Series::Counts(counts)));
                    }
                    Value::Array(a)
                }
                // v2 (v1 arrays are all handled above).
                (Value::Array(mut a), Some(b)) => match &a.data {
                    ArrayData::F64InPlace(r) => {
                        one_dimensional(&name, &Value::Array(a.clone()))?;
                        let bytes = (**b).as_ref().get(r.clone()).ok_or_else(|| {
                            Error::Trace(format!("function {name:?}: array outside the file"))
                        })?;
                        // Finite and sorted, as a published trace's are: read in place.
                        if let Some(times) = Times::mapped(b.clone(), r.start, bytes.len() / 8) {
                            warn_negative(&name, &times, warnings);
                            return Ok(Function::new(name, Series::Times(times)));
                        }
                        // Else decoded, to be refused or sorted like any other array.
                        a.data = ArrayData::F64(times::decode(bytes));
                        Value::Array(a)
                    }
                    ArrayData::I32InPlace(r) => {
                        // Read as timestamps (--kind v2): decode the words after all.
                        a.data = ArrayData::I32(
                            (**b).as_ref()[r.clone()]
                                .chunks_exact(4)
                                .map(i32::read_le)
                                .collect(),
                        );
                        Value::Array(a)
                    }
                    _ => Value::Array(a),
                },
                (v, _) => v,
            };
            let series = match kind {
                TraceKind::V1 => Series::Counts(Counts::from(to_counts(&name, value)?)),
                TraceKind::V2 => {
                    let times = Times::from(to_times(&name, value, warnings)?);
                    warn_negative(&name, &times, warnings);
                    Series::Times(times)
                }
            };
            Ok(Function::new(name, series))
        };
        let run = |entries: Vec<(String, Value)>| -> Result<(Vec<Function>, Vec<String>)> {
            let mut warnings = Vec::new();
            let functions = entries
                .into_iter()
                .map(|(name, value)| convert(name, value, &mut warnings))
                .collect::<Result<_>>()?;
            Ok((functions, warnings))
        };
        // Checking (and, for v2, sorting) the arrays is a pass over all of them: the second
        // half, by bytes, goes to another core when there is enough to share.
        let mut head = loaded.entries;
        let sizes: Vec<usize> = head
            .iter()
            .map(|(_, v)| match v {
                Value::Array(a) => a.data.len(),
                Value::List { values, .. } => values.len(),
            })
            .collect();
        let total: usize = sizes.iter().sum();
        let mid = crate::par::weighed_middle(sizes);
        let (first, second) = if total >= PARALLEL_CHECK_VALUES && 0 < mid && mid < head.len() {
            let tail = head.split_off(mid);
            crate::par::join(|| run(head), || run(tail))
        } else {
            (run(head), Ok((Vec::new(), Vec::new())))
        };
        let (mut functions, w1) = first?;
        let (more, w2) = second?;
        functions.extend(more);
        warnings.extend(w1);
        warnings.extend(w2);
        Trace::new(source, kind, functions, warnings)
    }
}

fn detect_kind(entries: &[(String, Value)]) -> Result<TraceKind> {
    let first_of = |want_int: bool| {
        entries.iter().find(|(_, v)| match v {
            Value::Array(a) => a.data.is_integer() == want_int,
            Value::List { .. } => !want_int,
        })
    };
    match (first_of(true), first_of(false)) {
        (Some(_), None) => Ok(TraceKind::V1),
        (None, Some(_)) => Ok(TraceKind::V2),
        (Some((int_name, int_v)), Some((float_name, float_v))) => Err(Error::Trace(format!(
            "mixed dtypes: function {int_name:?} is {} (per-minute counts, v1) but {float_name:?} is {} \
             (timestamps, v2); pass --kind v1 or --kind v2 to say how to read it",
            int_v.dtype_str(),
            float_v.dtype_str()
        ))),
        (None, None) => Err(Error::Trace("the trace has no functions".into())),
    }
}

/// An in-place array reached a decoder without its file (a bug, reported rather than panicking).
fn in_place_error(name: &str) -> Error {
    Error::Trace(format!(
        "function {name:?}: internal error: array data left in the file was lost"
    ))
}

fn one_dimensional(name: &str, value: &Value) -> Result<()> {
    if let Value::Array(a) = value
        && a.shape.len() != 1
    {
        let dims: Vec<String> = a.shape.iter().map(usize::to_string).collect();
        return Err(Error::Trace(format!(
            "function {name:?} is a {}-D array ({}); every function must be a 1-D array",
            a.shape.len(),
            dims.join("×")
        )));
    }
    Ok(())
}

fn to_counts(name: &str, value: Value) -> Result<Vec<u32>> {
    one_dimensional(name, &value)?;
    let bad = |i: usize, v: String| {
        Error::Trace(format!(
            "function {name:?}, minute {i}: count {v} is not a whole number in 0..=4294967295 \
             (is this really a v1 per-minute trace? try --kind v2)"
        ))
    };
    let from_float = |i: usize, v: f64| {
        if v.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&v) {
            Ok(v as u32)
        } else {
            Err(bad(i, v.to_string()))
        }
    };
    match value {
        Value::Array(a) => match a.data {
            ArrayData::I32(v) => v
                .into_iter()
                .enumerate()
                .map(|(i, x)| u32::try_from(x).map_err(|_| bad(i, x.to_string())))
                .collect(),
            ArrayData::I64(v) => v
                .into_iter()
                .enumerate()
                .map(|(i, x)| u32::try_from(x).map_err(|_| bad(i, x.to_string())))
                .collect(),
            ArrayData::F64(v) => v
                .into_iter()
                .enumerate()
                .map(|(i, x)| from_float(i, x))
                .collect(),
            ArrayData::F32(v) => v
                .into_iter()
                .enumerate()
                .map(|(i, x)| from_float(i, f64::from(x)))
                .collect(),
            ArrayData::I32InPlace(_) | ArrayData::F64InPlace(_) => Err(in_place_error(name)),
        },
        Value::List { values, .. } => values
            .into_iter()
            .enumerate()
            .map(|(i, x)| from_float(i, x))
            .collect(),
    }
}

fn to_times(name: &str, value: Value, warnings: &mut Vec<String>) -> Result<Vec<f64>> {
    one_dimensional(name, &value)?;
    let times: Vec<f64> = match value {
        Value::Array(a) => match a.data {
            ArrayData::F64(v) => v,
            ArrayData::F32(v) => v.into_iter().map(f64::from).collect(),
            ArrayData::I32(v) => v.into_iter().map(f64::from).collect(),
            ArrayData::I64(v) => v.into_iter().map(|x| x as f64).collect(),
            ArrayData::I32InPlace(_) | ArrayData::F64InPlace(_) => {
                return Err(in_place_error(name));
            }
        },
        Value::List { values, .. } => values,
    };
    checked_times(name, times, warnings)
}

/// Refuses non-finite timestamps, sorts unsorted ones with a warning.
fn checked_times(name: &str, mut times: Vec<f64>, warnings: &mut Vec<String>) -> Result<Vec<f64>> {
    let (finite, sorted) = finite_and_sorted(&times);
    if !finite && let Some((i, t)) = times.iter().enumerate().find(|(_, t)| !t.is_finite()) {
        return Err(Error::Trace(format!(
            "function {name:?}: timestamp #{i} is {t}; timestamps must be finite seconds"
        )));
    }
    if !sorted {
        times.sort_by(f64::total_cmp);
        warnings.push(format!(
            "function {name:?}: timestamps were not sorted; sorted them"
        ));
    }
    Ok(times)
}

/// Warns of timestamps before 0 s.
fn warn_negative(name: &str, times: &Times, warnings: &mut Vec<String>) {
    let negative = times.partition_point(|t| t < 0.0);
    if negative > 0 {
        warnings.push(format!(
            "function {name:?}: {negative} timestamps before 0 s fall in no window"
        ));
    }
}

/// Touches one byte in every 64 KiB of `bytes` until `done`: on another core, so that the page
/// faults of a mapped file's last two thirds (the part given) happen while the parser works
/// through its first third; the parser then finds them mapped (docs/performance.md has the
/// measurements).
fn prefault(bytes: &[u8], done: &std::sync::atomic::AtomicBool) {
    let mut sum = 0u8;
    for chunk in bytes.chunks(1 << 16) {
        if done.load(std::sync::atomic::Ordering::Relaxed) {
            break;
        }
        sum = sum.wrapping_add(chunk[0]);
    }
    std::hint::black_box(sum);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsorted_times_are_sorted_with_a_warning() {
        let mut w = vec![];
        let v = Value::List {
            numpy_scalars: false,
            values: vec![3.0, 1.0, -2.0],
        };
        let t = to_times("f", v, &mut w).unwrap();
        assert_eq!(t, vec![-2.0, 1.0, 3.0]);
        assert_eq!(w.len(), 1, "{w:?}");
        warn_negative("f", &t.into(), &mut w);
        assert_eq!(w.len(), 2, "{w:?}");
        assert!(w[1].contains("1 timestamps before 0 s"), "{w:?}");
    }
}
