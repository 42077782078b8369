//! The decoded objects as the trace's mapping of function name to values, within the output
//! budget.

use std::collections::HashMap;

use super::machine::{InPlace, Machine};
use super::objects::{Bytes, Id, Obj};
use super::{ArrayData, Loaded, NdArray, PickleError, Value};

impl Machine<'_> {
    pub(super) fn into_loaded(mut self, top: Id) -> Result<Loaded, PickleError> {
        if !matches!(self.objs[top], Obj::Dict(_)) {
            return Err(PickleError::NotATrace(format!(
                "the top-level object is a {}, expected a mapping of function name to array",
                self.objs[top].type_name()
            )));
        }
        let Obj::Dict(pairs) = std::mem::replace(&mut self.objs[top], Obj::None) else {
            return Err(PickleError::NotATrace(
                "the top-level object is not a mapping".into(),
            ));
        };
        let ordered = self.ordered_dicts.contains(&top);
        let mut entries: Vec<(String, Value)> = Vec::with_capacity(pairs.len());
        let mut index: HashMap<String, usize> = HashMap::with_capacity(pairs.len());
        let mut warnings = Vec::new();
        for (i, (k, v)) in pairs.into_iter().enumerate() {
            let name = match &self.objs[k] {
                Obj::Str(s) => s.clone(),
                Obj::Int(n) => {
                    return Err(PickleError::NotATrace(format!(
                        "key #{i} is the int {n}, expected a function name (str)"
                    )));
                }
                other => {
                    return Err(PickleError::NotATrace(format!(
                        "key #{i} is a {}, expected a function name (str)",
                        other.type_name()
                    )));
                }
            };
            let value = self.value(&name, v)?;
            // Python keeps the first position and the last value of a repeated key.
            if let Some(&at) = index.get(&name) {
                warnings.push(format!(
                    "function {name:?} appears twice; the last value is kept"
                ));
                entries[at].1 = value;
            } else {
                index.insert(name.clone(), entries.len());
                entries.push((name, value));
            }
        }
        Ok(Loaded {
            entries,
            ordered,
            warnings,
        })
    }

    pub(super) fn charge(&mut self, bytes: usize) -> Result<(), PickleError> {
        self.budget = self
            .budget
            .checked_sub(bytes)
            .ok_or(PickleError::Expansion {
                limit: self.input.len().saturating_mul(8).saturating_add(1 << 20),
                input: self.input.len(),
            })?;
        Ok(())
    }

    pub(super) fn value(&mut self, name: &str, id: Id) -> Result<Value, PickleError> {
        let not_trace = |what: String| PickleError::NotATrace(format!("function {name:?}: {what}"));
        match &self.objs[id] {
            Obj::Array(Some(state)) => {
                let state = state.clone();
                // 1-D little-endian int32 / float64 stay in the input (load_in_place).
                let in_place: Option<(usize, InPlace)> = if state.dtype.is_i32_le() {
                    Some((4, ArrayData::I32InPlace))
                } else if state.dtype.is_f64_le() {
                    Some((8, ArrayData::F64InPlace))
                } else {
                    None
                };
                if let Obj::Bytes(Bytes::Input(r)) = &self.objs[state.data]
                    && self.in_place
                    && let Some((width, make)) = in_place
                    && state.shape.len() == 1
                    && state.shape[0].checked_mul(width) == Some(r.len())
                {
                    return Ok(Value::Array(NdArray {
                        dtype: state.dtype,
                        shape: state.shape,
                        fortran: state.fortran,
                        data: make(r.clone()),
                    }));
                }
                let data = match &self.objs[state.data] {
                    Obj::Bytes(_) => self.bytes_of(state.data).unwrap_or_default(),
                    Obj::List(_) => {
                        return Err(not_trace(format!(
                            "an object-dtype array (dtype {}); a trace needs numbers",
                            state.dtype
                        )));
                    }
                    other => {
                        return Err(not_trace(format!("array data is a {}", other.type_name())));
                    }
                };
                let array = NdArray::decode(state.dtype, state.shape, state.fortran, data)
                    .map_err(not_trace)?;
                self.charge(array.data.byte_len())?;
                Ok(Value::Array(array))
            }
            Obj::Array(None) => Err(not_trace(
                "a numpy array without its state (no BUILD)".into(),
            )),
            Obj::List(items) => {
                let items = items.clone();
                self.charge(items.len().saturating_mul(8))?;
                let mut values = Vec::with_capacity(items.len());
                let mut scalars = 0usize;
                for (i, &item) in items.iter().enumerate() {
                    values.push(match self.objs[item] {
                        Obj::Float(v) => v,
                        Obj::Int(v) => v as f64,
                        Obj::Scalar(v) => {
                            scalars += 1;
                            v
                        }
                        ref other => {
                            return Err(not_trace(format!(
                                "list element #{i} is a {}, expected a number",
                                other.type_name()
                            )));
                        }
                    });
                }
                Ok(Value::List {
                    numpy_scalars: scalars > 0 && scalars == values.len(),
                    values,
                })
            }
            other => Err(not_trace(format!(
                "the value is a {}, expected a numpy array or a list of floats",
                other.type_name()
            ))),
        }
    }
}
