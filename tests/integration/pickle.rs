//! The safe pickle reader against pickles written by real CPython + numpy, and against hostile
//! and broken inputs.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use serde_json::Value as Json;
use tracereplay_tui::ingest::pickle::{self, ArrayData, PickleError, Value};
use tracereplay_tui::trace::{Series, Trace, TraceKind};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pickle")
}

fn json_f64(v: &Json) -> f64 {
    match v {
        Json::String(s) if s == "NaN" => f64::NAN,
        Json::String(s) if s == "Infinity" => f64::INFINITY,
        Json::String(s) if s == "-Infinity" => f64::NEG_INFINITY,
        other => other.as_f64().expect("number"),
    }
}

fn same_bits(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

fn check_values(file: &str, name: &str, got: &Value, want: &[Json], input: &[u8]) {
    let mismatch = |i: usize| panic!("{file}: {name}: value #{i} differs");
    match got {
        Value::Array(a) => {
            assert_eq!(a.data.len(), want.len(), "{file}: {name}: length");
            match &a.data {
                ArrayData::F64(v) => v.iter().enumerate().for_each(|(i, x)| {
                    if !same_bits(*x, json_f64(&want[i])) {
                        mismatch(i)
                    }
                }),
                ArrayData::F32(v) => v.iter().enumerate().for_each(|(i, x)| {
                    if !same_bits(f64::from(*x), json_f64(&want[i])) {
                        mismatch(i)
                    }
                }),
                ArrayData::I32(v) => v.iter().enumerate().for_each(|(i, x)| {
                    if i64::from(*x) != want[i].as_i64().unwrap() {
                        mismatch(i)
                    }
                }),
                ArrayData::I64(v) => v.iter().enumerate().for_each(|(i, x)| {
                    if *x != want[i].as_i64().unwrap() {
                        mismatch(i)
                    }
                }),
                ArrayData::F64InPlace(r) => {
                    input[r.clone()]
                        .chunks_exact(8)
                        .enumerate()
                        .for_each(|(i, c)| {
                            let x = f64::from_le_bytes(c.try_into().unwrap());
                            if !same_bits(x, json_f64(&want[i])) {
                                mismatch(i)
                            }
                        })
                }
                ArrayData::I32InPlace(r) => {
                    input[r.clone()]
                        .chunks_exact(4)
                        .enumerate()
                        .for_each(|(i, c)| {
                            let x = i32::from_le_bytes([c[0], c[1], c[2], c[3]]);
                            if i64::from(x) != want[i].as_i64().unwrap() {
                                mismatch(i)
                            }
                        })
                }
            }
        }
        Value::List { values, .. } => {
            assert_eq!(values.len(), want.len(), "{file}: {name}: length");
            for (i, x) in values.iter().enumerate() {
                if !same_bits(*x, json_f64(&want[i])) {
                    mismatch(i)
                }
            }
        }
    }
}

#[test]
fn every_fixture_loads_bit_exactly() {
    let mut checked = 0;
    for entry in std::fs::read_dir(dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "pkl") {
            continue;
        }
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        let want: Json =
            serde_json::from_slice(&std::fs::read(path.with_extension("json")).unwrap()).unwrap();
        let input = std::fs::read(&path).unwrap();
        let loaded = pickle::load(&input).unwrap_or_else(|e| panic!("{file}: {e}"));
        // Read in place (as a mapped azure_v1 file is), the values are the same.
        let in_place = pickle::load_in_place(&input).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(in_place.entries.len(), loaded.entries.len());
        for ((name, v), f) in in_place
            .entries
            .iter()
            .zip(want["functions"].as_array().unwrap())
        {
            check_values(&file, name, v, f["values"].as_array().unwrap(), &input);
        }
        assert_eq!(
            loaded.ordered,
            want["container"] == "OrderedDict",
            "{file}: container"
        );
        let functions = want["functions"].as_array().unwrap();
        assert_eq!(loaded.entries.len(), functions.len(), "{file}: #functions");
        for ((name, value), f) in loaded.entries.iter().zip(functions) {
            assert_eq!(name, f["name"].as_str().unwrap(), "{file}: name order");
            assert_eq!(
                value.dtype_str(),
                f["dtype"].as_str().unwrap(),
                "{file}: {name}: dtype"
            );
            if let Value::Array(a) = value {
                let shape: Vec<usize> = f["shape"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|d| d.as_u64().unwrap() as usize)
                    .collect();
                assert_eq!(a.shape, shape, "{file}: {name}: shape");
                assert_eq!(
                    a.fortran,
                    f.get("pickled_order").is_some_and(|o| o == "F"),
                    "{file}"
                );
            }
            check_values(&file, name, value, f["values"].as_array().unwrap(), &input);
        }
        assert!(loaded.warnings.is_empty(), "{file}: {:?}", loaded.warnings);
        checked += 1;
    }
    assert_eq!(checked, 91, "all 91 fixture pickles are checked");
}

#[test]
fn memoized_dtype_sees_its_later_build() {
    // Both arrays share one dtype object, BUILT with '>' after it was memoized.
    for file in [
        "v2_bigendian_f8__np1.26.4__p2.pkl",
        "v2_bigendian_f8__np2.4.6__p5.pkl",
    ] {
        let loaded = pickle::load(&std::fs::read(dir().join(file)).unwrap()).unwrap();
        for (_, v) in &loaded.entries {
            assert_eq!(v.dtype_str(), ">f8", "{file}");
        }
    }
}

#[test]
fn kind_is_detected_from_content() {
    let load =
        |f: &str| Trace::from_pickle(&std::fs::read(dir().join(f)).unwrap(), f, None).unwrap();
    let v1 = load("v1_full14d__np1.26.4__p4.pkl");
    assert_eq!((v1.kind, v1.days), (TraceKind::V1, 14));
    let v1 = load("v1_hist__np2.4.6__p3.pkl");
    assert_eq!((v1.kind, v1.days), (TraceKind::V1, 1));
    let v2 = load("v2_replay__np1.26.4__p4.pkl");
    assert_eq!(
        (v2.kind, v2.days, v2.functions.len()),
        (TraceKind::V2, 2, 9)
    );
    assert_eq!(load("v2_pylist__nonumpy__p5.pkl").kind, TraceKind::V2);
    assert_eq!(load("v1_int64__np2.4.6__p4.pkl").kind, TraceKind::V1);
}

fn bad(file: &str) -> Vec<u8> {
    std::fs::read(dir().join("bad").join(file)).unwrap()
}

fn pickle_err(file: &str) -> PickleError {
    pickle::load(&bad(file)).expect_err(file)
}

fn trace_err(file: &str) -> String {
    Trace::from_pickle(&bad(file), file, None)
        .expect_err(file)
        .to_string()
}

#[test]
fn hostile_globals_are_refused_and_named() {
    for (file, global) in [
        ("exec_os_system_p2.pkl", "posix.system"),
        ("exec_os_system_p4.pkl", "posix.system"),
        ("exec_builtins_eval_p4.pkl", "builtins.eval"),
        ("reconstruct_foreign_class.pkl", "posix.system"),
    ] {
        let e = pickle_err(file);
        assert!(
            matches!(e, PickleError::ForbiddenGlobal { .. }),
            "{file}: {e:?}"
        );
        let msg = e.to_string();
        assert!(
            msg.contains(global) && msg.contains("nothing was executed"),
            "{file}: {msg}"
        );
    }
}

#[test]
fn huge_length_claims_fail_without_allocating() {
    for file in [
        "binbytes8_len_2pow40.pkl",
        "binbytes_len_4GiB.pkl",
        "bytearray8_len_2pow40.pkl",
        "binunicode8_len_2pow40.pkl",
        "frame_len_2pow40.pkl",
    ] {
        let e = pickle_err(file);
        assert!(matches!(e, PickleError::TooLong { .. }), "{file}: {e:?}");
        assert!(e.to_string().contains("remain"), "{file}: {e}");
    }
}

#[test]
fn shape_and_data_must_agree() {
    for file in ["shape_2pow40_data_16.pkl", "shape_3_data_16.pkl"] {
        let msg = pickle_err(file).to_string();
        assert!(msg.contains("holds 16"), "{file}: {msg}");
    }
}

#[test]
fn broken_files_give_clear_errors() {
    assert_eq!(pickle_err("empty_file.pkl"), PickleError::Empty);
    assert!(matches!(
        pickle_err("truncated_60pct.pkl"),
        PickleError::TooLong { .. } | PickleError::Truncated { .. }
    ));
    for file in ["truncated_60pct.pkl", "truncated_no_stop.pkl"] {
        assert!(pickle_err(file).to_string().contains("truncated"), "{file}");
    }
    assert_eq!(
        pickle_err("unknown_opcode.pkl")
            .to_string()
            .split(": ")
            .nth(1)
            .unwrap(),
        "0xff is not a pickle opcode; this is not a pickle file, or it is corrupt"
    );
    assert!(
        pickle_err("memo_get_undefined.pkl")
            .to_string()
            .contains("memo slot 200")
    );
    assert!(
        pickle_err("dtype_unknown_code.pkl")
            .to_string()
            .contains("\"x9\"")
    );
    for file in ["random_bytes.pkl", "proto4_then_random.pkl"] {
        assert!(!pickle_err(file).to_string().is_empty());
    }
}

#[test]
fn valid_pickles_that_are_not_traces() {
    assert!(trace_err("deep_nesting_100k.pkl").contains("top-level object is a list"));
    assert!(trace_err("not_a_dict.pkl").contains("top-level object is a list"));
    assert!(trace_err("non_string_keys.pkl").contains("the int 7"));
    assert!(trace_err("dict_non_array_values.pkl").contains("expected a numpy array"));
    assert!(trace_err("object_dtype_array.pkl").contains("object-dtype"));
    let e = trace_err("unsupported_dtypes.pkl");
    assert!(e.contains("|S2") && e.contains("not supported"), "{e}");
    assert!(trace_err("v2_2d_array.pkl").contains("2-D array (2×3)"));
}

#[test]
fn mixed_dtypes_need_an_explicit_kind() {
    let e = trace_err("mixed_dtypes.pkl");
    assert!(e.contains("mixed dtypes") && e.contains("--kind"), "{e}");
    let t = Trace::from_pickle(&bad("mixed_dtypes.pkl"), "m", Some(TraceKind::V2)).unwrap();
    assert_eq!(t.kind, TraceKind::V2);
}

#[test]
fn trailing_garbage_is_accepted_with_a_warning() {
    let loaded = pickle::load(&bad("trailing_garbage.pkl")).unwrap();
    assert_eq!(
        loaded.warnings,
        vec!["21 bytes after the pickle's STOP opcode were ignored".to_string()]
    );
}

#[test]
fn every_bad_file_has_a_test_above() {
    let index: Json = serde_json::from_slice(&bad("index.json")).unwrap();
    let listed: Vec<&String> = index["files"].as_object().unwrap().keys().collect();
    let this = include_str!("pickle.rs");
    for f in listed {
        assert!(
            this.contains(&format!("\"{f}\"")),
            "{f} is not covered by a test"
        );
    }
}

/// A v1 pickle above the mapping threshold opens mapped, counts read in place, and equals the
/// same file decoded from memory; a negative count is refused with its function and minute.
#[test]
fn large_v1_pickles_are_mapped_and_checked() {
    use tracereplay_tui::trace::{Counts, Function, Series, Trace, TraceKind};
    let dir = tempfile::tempdir().unwrap();
    // Function i counts i + 1 every minute, plus a ripple, so each array is easy to find.
    let functions: Vec<Function> = (0..40u32)
        .map(|i| {
            let c: Vec<u32> = (0..20_160u32).map(|m| 1000 * (i + 1) + m % 3).collect();
            Function::new(format!("f{i}"), Series::Counts(Counts::from(c)))
        })
        .collect();
    let t = Trace::new("big", TraceKind::V1, functions, vec![]).unwrap();
    let path = dir.path().join("big.pkl");
    tracereplay_tui::workload::write_atomic(&path, false, None, |w| {
        tracereplay_tui::ingest::pickle::write::write(&t, w)
    })
    .unwrap();
    assert!(std::fs::metadata(&path).unwrap().len() > 2 << 20);
    let mapped = Trace::open(&path, None).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    let copied = Trace::from_pickle(&bytes, "big.pkl", None).unwrap();
    assert_eq!(mapped.functions, copied.functions);
    assert_eq!(mapped.functions, t.functions);
    assert_eq!(mapped.invocations(), t.invocations());
    let counts = |t: &Trace| match &t.functions[0].series {
        tracereplay_tui::trace::Series::Counts(c) => c.is_mapped(),
        tracereplay_tui::trace::Series::Times(_) => panic!("a v1 trace has counts"),
    };
    assert!(counts(&mapped));
    // Told not to map (TRACEREPLAY_NO_MMAP on the command line), the loader reads the file.
    let opts = tracereplay_tui::ingest::LoadOptions {
        no_mmap: true,
        ..Default::default()
    };
    let read = tracereplay_tui::ingest::load(&path, &opts, &mut |_, _| {}).unwrap();
    assert!(!counts(&read));
    assert_eq!(read.functions, t.functions);
    // Read as timestamps instead (--kind v2), the in-place words are decoded after all.
    let as_v2 = Trace::open(&path, Some(TraceKind::V2)).unwrap();
    assert_eq!(as_v2.invocations(), 40 * 20_160);
    // Poison minute 5 of f3 (counts 4000, 4001, 4002, …) with -2.
    let needle: Vec<u8> = [4000u32, 4001, 4002, 4000]
        .iter()
        .flat_map(|x| x.to_le_bytes())
        .collect();
    let at = bytes
        .windows(needle.len())
        .position(|w| w == needle)
        .unwrap();
    let mut poisoned = bytes.clone();
    poisoned[at + 20..at + 24].copy_from_slice(&(-2i32).to_le_bytes());
    let bad = dir.path().join("bad.pkl");
    std::fs::write(&bad, &poisoned).unwrap();
    // Opening reads no arrays; whatever reads minute 5 of f3 fails cleanly, naming it.
    let t = Trace::open(&bad, None).unwrap();
    let e = t.check().unwrap_err().to_string();
    assert!(e.contains("\"f3\", minute 5: count -2"), "{e}");
    let p = |start: &str, end: &str| tracereplay_tui::replay::ReplayParams {
        start: start.into(),
        end: Some(end.into()),
        rate_scale: 0.001,
        ..Default::default()
    };
    let e = tracereplay_tui::replay::replay(&t, &p("0.0.0", "0.1.0"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("\"f3\", minute 5: count -2"), "{e}");
    // A window that does not read it replays.
    let ok = tracereplay_tui::replay::replay(&t, &p("1.0.0", "2.0.0"));
    assert!(ok.is_ok(), "{:?}", ok.err());
}

/// Large files are read in place (memory-mapped): every fixture, good or bad, must give the
/// same trace, or the same error, either way.
#[test]
fn in_place_and_copied_traces_agree() {
    let mut files = Vec::new();
    for d in [dir(), dir().join("bad")] {
        for entry in std::fs::read_dir(d).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "pkl") {
                files.push(path);
            }
        }
    }
    assert!(files.len() > 100, "{}", files.len());
    let mut traces = 0;
    for path in files {
        let bytes = std::fs::read(&path).unwrap();
        for kind in [None, Some(TraceKind::V1), Some(TraceKind::V2)] {
            let copied = Trace::from_pickle(&bytes, "f", kind);
            let mapped = Trace::from_backing(std::sync::Arc::new(bytes.clone()), "f", kind);
            match (copied, mapped) {
                (Ok(a), Ok(b)) => {
                    traces += 1;
                    assert_eq!(a, b, "{}", path.display());
                    assert_eq!(a.warnings, b.warnings, "{}", path.display());
                    // The one-pass overview agrees either way, and with a plain count.
                    let (pa, pb) = (a.profile(), b.profile());
                    assert_eq!(
                        pa.as_ref().map_err(ToString::to_string),
                        pb.as_ref().map_err(ToString::to_string),
                        "{}",
                        path.display()
                    );
                    assert_eq!(pa.is_ok(), b.check().is_ok(), "{}", path.display());
                    if let Ok(p) = pa {
                        // Hourly, or wider bins past a year of hours.
                        let bh = p.bin_hours;
                        let hours = (a.days as usize * 24).div_ceil(bh);
                        assert!(hours <= tracereplay_tui::trace::OVERVIEW_BINS);
                        let mut hourly = vec![0u64; hours];
                        for f in &a.functions {
                            match &f.series {
                                Series::Counts(c) => {
                                    for (m, x) in c.iter().enumerate() {
                                        if m / (60 * bh) < hours {
                                            hourly[m / (60 * bh)] += u64::from(x);
                                        }
                                    }
                                }
                                Series::Times(t) => {
                                    let width = 3600.0 * bh as f64;
                                    for x in t.iter().filter(|&x| x >= 0.0) {
                                        if ((x / width) as usize) < hours {
                                            hourly[(x / width) as usize] += 1;
                                        }
                                    }
                                }
                            }
                        }
                        assert_eq!(p.hourly, hourly, "{}", path.display());
                        let totals: Vec<u64> =
                            a.functions.iter().map(|f| f.series.invocations()).collect();
                        assert_eq!(p.per_function, totals, "{}", path.display());
                        assert_eq!(a.summary(3), a.summary_of(&p.per_function, 3));
                    }
                }
                (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{}", path.display()),
                (a, b) => panic!("{}: {:?} vs {:?}", path.display(), a.err(), b.err()),
            }
        }
    }
    assert!(traces > 100, "{traces}");
}

#[test]
fn memo_slots_out_of_order_number_like_python() {
    // Slot 2 is written before slot 1, then again after it; MEMOIZE numbers by the count of
    // distinct slots (3, then 4), so "d" is the list memoized for "c". CPython loads this as
    // {'a': [1.0], 'b': [1.0], 'c': [2.0], 'd': [2.0]}.
    let f = |x: f64| [&[b'G'][..], &x.to_be_bytes()].concat();
    let bytes = [
        &b"\x80\x04}\x94(\x8c\x01aq\x02]q\x01"[..],
        &f(1.0),
        b"a\x8c\x01bq\x02h\x01\x8c\x01c\x94]\x94",
        &f(2.0),
        b"a\x8c\x01dh\x04u.",
    ]
    .concat();
    let loaded = pickle::load(&bytes).unwrap();
    let got: Vec<(&str, Vec<f64>)> = loaded
        .entries
        .iter()
        .map(|(k, v)| match v {
            Value::List { values, .. } => (k.as_str(), values.clone()),
            other => panic!("{k}: {}", other.dtype_str()),
        })
        .collect();
    assert_eq!(
        got,
        [
            ("a", vec![1.0]),
            ("b", vec![1.0]),
            ("c", vec![2.0]),
            ("d", vec![2.0])
        ]
    );
}

/// A v2 trace's float64 arrays read in place (at whatever alignment the pickle left them)
/// replay exactly as the copied ones, for every distribution, window and export.
#[test]
fn timestamps_read_in_place_replay_as_copied_ones() {
    use tracereplay_tui::replay::{Distribution, ReplayParams, replay};
    let trace = tracereplay_tui::synth::v2(&tracereplay_tui::synth::V2Options {
        functions: 40,
        total: 60_000,
        days: 3,
        seed: 7,
    });
    let mut bytes = Vec::new();
    tracereplay_tui::ingest::pickle::write::write(&trace, &mut bytes).unwrap();
    let copied = Trace::from_pickle(&bytes, "f", None).unwrap();
    let mapped = Trace::from_backing(std::sync::Arc::new(bytes), "f", None).unwrap();
    let in_place = |t: &Trace| {
        t.functions
            .iter()
            .filter(|f| matches!(&f.series, Series::Times(t) if t.is_mapped()))
            .count()
    };
    assert_eq!((in_place(&copied), in_place(&mapped)), (0, 40));
    assert_eq!(copied, mapped);
    let mut detached = mapped.clone();
    detached.copy_into_memory();
    assert_eq!((in_place(&detached), &detached), (0, &mapped));
    assert!(copied.functions == trace.functions);
    for distribution in [
        Distribution::Vanilla,
        Distribution::Exponential,
        Distribution::Gamma,
    ] {
        for (start, end) in [("0.0.0", "1.0.0"), ("0.13.7", "2.3.0"), ("0.0.0", "3.0.0")] {
            let params = ReplayParams {
                models: tracereplay_tui::mapping::default_model_names(4),
                distribution,
                start: start.into(),
                end: Some(end.into()),
                interval_seconds: 1800.0,
                ..ReplayParams::default()
            };
            let (a, b) = (
                replay(&copied, &params).unwrap(),
                replay(&mapped, &params).unwrap(),
            );
            assert!(a.models.iter().all(|m| m.trace_count > 0));
            assert_eq!(a, b, "{distribution} {start}-{end}");
        }
    }
}
