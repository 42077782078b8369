//! Reading the traces as published: the real samples in `tests/fixtures/realdata/` (figures
//! computed independently with Python's csv module) and generated edge cases.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use tracereplay_tui::error::Error;
use tracereplay_tui::ingest::{self, InputFormat, LoadOptions, TimeUnit};
use tracereplay_tui::replay::{Distribution, ReplayParams, replay};
use tracereplay_tui::trace::{Series, Trace, TraceKind};
use tracereplay_tui::workload::{Format, Workload};

use super::util::real;

fn load(path: &Path) -> Trace {
    load_with(path, &LoadOptions::default()).unwrap()
}

fn load_with(path: &Path, opts: &LoadOptions) -> Result<Trace, Error> {
    ingest::load(path, opts, &mut |_, _| {})
}

fn times(f: &tracereplay_tui::trace::Function) -> Vec<f64> {
    match &f.series {
        Series::Times(t) => t.to_vec(),
        Series::Counts(_) => panic!("not timestamps"),
    }
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn azure_2021_head() {
    let t = load(&real("azure-functions-2021-head/Azure2021_200.csv"));
    assert_eq!(t.kind, TraceKind::V2);
    assert_eq!(t.invocations(), 199);
    assert_eq!(t.functions.len(), 31);
    let all: Vec<f64> = t.functions.iter().flat_map(|f| times(f).to_vec()).collect();
    let min = all.iter().copied().fold(f64::INFINITY, f64::min);
    let max = all.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    // end_timestamp - duration, exactly as Python computes it.
    assert_eq!(min, 0.0014909000396728517);
    assert_eq!(max, 1200.0147980537415);
    // Trace order is first appearance; a function is (app, func).
    let first = &t.functions[0];
    assert!(
        first
            .name
            .ends_with("/e3cdb48830f66eb8689cc0223514569a69812b77e6611e3d59814fac0747bd2f")
    );
    assert_eq!(times(first).len(), 5);
    assert!(t.functions.iter().all(|f| times(f).is_sorted()));
}

#[test]
fn azure_2021_keys_on_app_and_func() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "t.csv",
        "app,func,end_timestamp,duration\na1,f,10,1\na2,f,5,1\na1,f,3,1\n",
    );
    let t = load(&p);
    assert_eq!(
        t.functions.len(),
        2,
        "same func in two apps is two functions"
    );
    assert_eq!(t.functions[0].name, "a1/f");
    assert_eq!(
        times(&t.functions[0]),
        &[2.0, 9.0],
        "unsorted rows are sorted"
    );
    assert!(t.warnings.iter().any(|w| w.contains("out of time order")));
}

#[test]
fn azure_2019_invitro_slice_and_triggers() {
    let t = load(&real("azure-functions-2019-invitro-100/invocations.csv"));
    assert_eq!(t.kind, TraceKind::V1);
    assert_eq!(t.functions.len(), 100);
    assert_eq!(t.invocations(), 339_657);
    assert_eq!(t.days, 1);
    // Labelled columns 480..959 are minutes 480..959 of the day (08:00-16:00).
    let Series::Counts(c) = &t.functions[0].series else {
        panic!()
    };
    let c = c.to_vec();
    assert_eq!(c.len(), 1440);
    assert!(c[..480].iter().all(|&x| x == 0) && c[960..].iter().all(|&x| x == 0));
    assert_eq!(c[481], 1);
    assert_eq!(c.iter().map(|&x| u64::from(x)).sum::<u64>(), 95);
    let http = t
        .functions
        .iter()
        .filter(|f| f.trigger.as_deref() == Some("http"))
        .count();
    assert_eq!(http, 36);
    // --trigger http keeps only those functions' invocations.
    let p = ReplayParams {
        models: vec!["m".into()],
        triggers: vec!["http".into()],
        start: "0.8.0".into(),
        end: Some("0.16.0".into()),
        ..ReplayParams::default()
    };
    let r = replay(&t, &p).unwrap();
    assert_eq!(r.models[0].trace_count, 14_653);
    assert_eq!(r.models[0].functions, 36);
    // An unknown trigger is refused with the list of the trace's triggers.
    let bad = ReplayParams {
        triggers: vec!["htp".into()],
        ..p
    };
    let e = replay(&t, &bad).unwrap_err().to_string();
    assert!(
        e.contains("\"htp\"") && e.contains("http, orchestration, queue"),
        "{e}"
    );
}

#[test]
fn azure_2019_directory_of_days() {
    let dir = tempfile::tempdir().unwrap();
    let header: String = "HashOwner,HashApp,HashFunction,Trigger,".to_string()
        + &(1..=1440)
            .map(|m| m.to_string())
            .collect::<Vec<_>>()
            .join(",");
    let row = |f: &str, trig: &str, minute: usize, n: u32| {
        let mut v = vec!["0".to_string(); 1440];
        v[minute - 1] = n.to_string();
        format!("o,a,{f},{trig},{}", v.join(","))
    };
    let name = |d: u32| format!("invocations_per_function_md.anon.d{d:02}.csv");
    // Days 1 and 3; day 2 is missing.
    write(
        dir.path(),
        &name(1),
        &format!(
            "{header}\n{}\n{}\n",
            row("f1", "http", 1, 5),
            row("f2", "timer", 1440, 7)
        ),
    );
    write(
        dir.path(),
        &name(3),
        &format!(
            "{header}\n{}\n{}\n",
            row("f3", "queue", 2, 1),
            row("f1", "http", 10, 2)
        ),
    );
    write(dir.path(), "durations.csv", "not,a,day,file\n");
    let t = load(dir.path());
    assert_eq!(t.days, 3);
    assert_eq!(
        t.functions
            .iter()
            .map(|f| f.name.as_str())
            .collect::<Vec<_>>(),
        ["f1", "f2", "f3"],
        "first appearance"
    );
    let Series::Counts(f1) = &t.functions[0].series else {
        panic!()
    };
    let f1 = f1.to_vec();
    assert_eq!(f1.len(), 3 * 1440);
    assert_eq!((f1[0], f1[2 * 1440 + 9]), (5, 2));
    let Series::Counts(f2) = &t.functions[1].series else {
        panic!()
    };
    let f2 = f2.to_vec();
    assert_eq!(f2[1439], 7);
    assert!(f2[1440..].iter().all(|&x| x == 0), "absent days are zeros");
    assert!(
        t.warnings.iter().any(|w| w.contains("d02")),
        "{:?}",
        t.warnings
    );
    assert_eq!(t.functions[2].trigger.as_deref(), Some("queue"));
    // A function twice in one day is an error naming the line.
    write(
        dir.path(),
        &name(2),
        &format!(
            "{header}\n{}\n{}\n",
            row("f1", "http", 1, 1),
            row("f1", "http", 2, 1)
        ),
    );
    let e = load_with(dir.path(), &LoadOptions::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("line 3") && e.contains("twice"), "{e}");
}

#[test]
fn azure_2019_extremes_file() {
    let t = load(&real(
        "azure-functions-2019-invitro-extremes/invocations.csv",
    ));
    let totals: Vec<(Option<&str>, u64)> = t
        .functions
        .iter()
        .map(|f| (f.trigger.as_deref(), f.series.invocations()))
        .collect();
    assert_eq!(
        totals,
        [(Some("timer"), 1), (Some("http"), 1), (Some("http"), 46)]
    );
}

#[test]
fn azure_llm_2023_with_tokens() {
    let t = load(&real("azure-llm-2023/AzureLLMInferenceTrace_conv.csv"));
    assert_eq!(t.functions.len(), 1);
    let f = &t.functions[0];
    assert_eq!(f.name, "AzureLLMInferenceTrace_conv");
    let ts = times(f);
    assert_eq!(ts.len(), 19_366);
    assert_eq!(ts[0], 0.0);
    // 2023-11-16 19:14:08.4025270 − 18:15:46.6805900, exact to 100 ns.
    assert!((ts[ts.len() - 1] - 3501.721937).abs() < 1e-9);
    let k = f.tokens.as_ref().unwrap();
    assert_eq!(
        k.input.iter().map(|&x| u64::from(x)).sum::<u64>(),
        22_361_870
    );
    assert_eq!(
        k.output.iter().map(|&x| u64::from(x)).sum::<u64>(),
        4_088_665
    );
    assert_eq!((k.input[0], k.output[0]), (374, 44));
    // --name names the function.
    let named = load_with(
        &real("azure-llm-2023/AzureLLMInferenceTrace_conv.csv"),
        &LoadOptions {
            name: Some("conv".into()),
            ..LoadOptions::default()
        },
    )
    .unwrap();
    assert_eq!(named.functions[0].name, "conv");
}

#[test]
fn tokens_reach_the_exported_workload() {
    let t = load(&real("azure-llm-2023/AzureLLMInferenceTrace_conv.csv"));
    let k = t.functions[0].tokens.clone().unwrap();
    let vanilla = ReplayParams {
        models: vec!["llm".into()],
        distribution: Distribution::Vanilla,
        ..ReplayParams::default()
    };
    let r = replay(&t, &vanilla).unwrap();
    let w = Workload::from_replay(&r, 5.0, None).unwrap();
    assert_eq!(
        w.input_tokens.as_deref(),
        Some(&k.input[..]),
        "vanilla keeps each request's tokens"
    );
    assert_eq!(w.output_tokens.as_deref(), Some(&k.output[..]));
    // Fitted: one token pair per arrival, each one of the trace's pairs.
    let gamma = ReplayParams {
        distribution: Distribution::Gamma,
        ..vanilla
    };
    let r = replay(&t, &gamma).unwrap();
    let w = Workload::from_replay(&r, 5.0, None).unwrap();
    let (i, o) = (
        w.input_tokens.as_ref().unwrap(),
        w.output_tokens.as_ref().unwrap(),
    );
    assert_eq!(i.len(), w.len());
    let pairs: std::collections::HashSet<(u32, u32)> = k
        .input
        .iter()
        .copied()
        .zip(k.output.iter().copied())
        .collect();
    assert!(i.iter().zip(o).all(|(a, b)| pairs.contains(&(*a, *b))));
    // Same seed, same tokens; and the columns survive msgpack, JSON and CSV.
    let again = Workload::from_replay(&replay(&t, &gamma).unwrap(), 5.0, None).unwrap();
    assert_eq!(again.input_tokens, w.input_tokens);
    // The source's wall clock serves the formats with dates; ours do not carry it.
    assert!(w.clock.is_some());
    let mut w = w;
    w.clock = None;
    let dir = tempfile::tempdir().unwrap();
    for (name, f) in [("w.msgpack", Format::Msgpack), ("w.json", Format::Json)] {
        let p = dir.path().join(name);
        w.write(&p, f, false).unwrap();
        assert_eq!(Workload::read(&p).unwrap(), w);
    }
    let p = dir.path().join("w.csv");
    w.write(&p, Format::Csv, false).unwrap();
    let text = std::fs::read_to_string(&p).unwrap();
    assert!(text.contains("index,arrival,model,slo,input_tokens,output_tokens\n0,"));
}

#[test]
fn generic_timestamps() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "log.csv",
        "ts_ms,svc,x\n1500,b,1\n500,a,2\n2500,a,3\n",
    );
    let opts = LoadOptions {
        time_column: Some("ts_ms".into()),
        key_column: Some("svc".into()),
        time_unit: TimeUnit::Ms,
        ..LoadOptions::default()
    };
    let t = load_with(&p, &opts).unwrap();
    assert_eq!(t.functions.len(), 2);
    assert_eq!(
        (t.functions[0].name.as_str(), times(&t.functions[0])),
        ("b", vec![1.5])
    );
    assert_eq!(times(&t.functions[1]), &[0.5, 2.5]);
    // Column by number, no key: one function named after the file.
    let t = load_with(
        &p,
        &LoadOptions {
            time_column: Some("0".into()),
            time_unit: TimeUnit::Ms,
            ..LoadOptions::default()
        },
    )
    .unwrap();
    assert_eq!(t.functions[0].name, "log");
    assert_eq!(times(&t.functions[0]), &[0.5, 1.5, 2.5]);
    // ISO wall-clock times become seconds after the first.
    let p = write(
        dir.path(),
        "iso.csv",
        "when\n2024-01-01T00:00:10Z\n2024-01-01T00:00:00Z\n2024-01-01T01:00:00+01:00\n",
    );
    let t = load_with(
        &p,
        &LoadOptions {
            time_column: Some("when".into()),
            time_unit: TimeUnit::Iso,
            ..LoadOptions::default()
        },
    )
    .unwrap();
    assert_eq!(times(&t.functions[0]), &[0.0, 0.0, 10.0]);
    // Unix seconds are made relative to the earliest, with a warning.
    let p = write(dir.path(), "unix.csv", "t\n1700000100\n1700000000\n");
    let t = load_with(
        &p,
        &LoadOptions {
            time_column: Some("t".into()),
            ..LoadOptions::default()
        },
    )
    .unwrap();
    assert_eq!(times(&t.functions[0]), &[0.0, 100.0]);
    assert!(t.warnings.iter().any(|w| w.contains("Unix times")));
}

#[test]
fn bad_rows_name_line_and_column_or_are_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "t.csv",
        "app,func,end_timestamp,duration\na,f,10,1\na,f,ten,1\na,f,12,1\na,f\n",
    );
    let e = load_with(&p, &LoadOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("t.csv, line 3, column end_timestamp")
            && e.contains("\"ten\" is not a number")
            && e.contains("--skip-bad-rows"),
        "{e}"
    );
    let t = load_with(
        &p,
        &LoadOptions {
            skip_bad_rows: true,
            ..LoadOptions::default()
        },
    )
    .unwrap();
    assert_eq!(t.invocations(), 2);
    assert!(
        t.warnings
            .iter()
            .any(|w| w.contains("skipped 2 bad row(s)") && w.contains("line 3")),
        "{:?}",
        t.warnings
    );
    let p = write(
        dir.path(),
        "llm.csv",
        "TIMESTAMP,ContextTokens,GeneratedTokens\r\n2023-11-16 18:15:46.68,1,2\r\n2023-11-16 18:15,1,2",
    );
    let e = load_with(&p, &LoadOptions::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("line 3, column TIMESTAMP"), "{e}");
}

#[test]
fn empty_header_only_and_unknown_files() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("empty.csv", "", "the file is empty"),
        (
            "header.csv",
            "app,func,end_timestamp,duration\n",
            "no invocations",
        ),
        (
            "header19.csv",
            "HashOwner,HashApp,HashFunction,Trigger,1,2\n",
            "no functions",
        ),
        (
            "llm.csv",
            "TIMESTAMP,ContextTokens,GeneratedTokens",
            "no requests",
        ),
        ("other.csv", "a,b\n1,2\n", "--time-column"),
        (
            "minute.csv",
            "HashOwner,HashApp,HashFunction,Trigger,1,x\n",
            "neither a key column nor a minute",
        ),
        (
            "late.csv",
            "HashOwner,HashApp,HashFunction,Trigger,1440,1441\n",
            "outside the day",
        ),
    ];
    for (name, text, want) in cases {
        let p = write(dir.path(), name, text);
        let e = load_with(&p, &LoadOptions::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains(want), "{name}: {e}");
    }
    let e = load_with(&dir.path().join("missing.csv"), &LoadOptions::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("missing.csv"), "{e}");
    let e = load_with(dir.path(), &LoadOptions::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("no Azure Functions 2019 day files"), "{e}");
}

#[test]
fn csv_lines_ended_by_a_lone_cr_read_as_the_same_trace() {
    let dir = tempfile::tempdir().unwrap();
    for (sample, column) in [
        ("azure-llm-2023/AzureLLMInferenceTrace_conv.csv", None),
        ("azure-functions-2021-head/Azure2021_200.csv", None),
        ("azure-functions-2019-invitro-100/invocations.csv", None),
        (
            "azure-llm-2023/AzureLLMInferenceTrace_conv.csv",
            Some("TIMESTAMP"),
        ),
    ] {
        let bytes = std::fs::read(real(sample)).unwrap();
        let lf: Vec<u8> = bytes.iter().copied().filter(|&b| b != b'\r').collect();
        let cr: Vec<u8> = lf
            .iter()
            .map(|&b| if b == b'\n' { b'\r' } else { b })
            .collect();
        let opts = LoadOptions {
            time_column: column.map(String::from),
            time_unit: if column.is_some() {
                "iso".parse().unwrap()
            } else {
                Default::default()
            },
            ..LoadOptions::default()
        };
        let read = |name: &str, data: &[u8]| {
            let p = dir.path().join(name);
            std::fs::write(&p, data).unwrap();
            load_with(&p, &opts).unwrap()
        };
        let (a, b) = (read("lf.csv", &lf), read("cr.csv", &cr));
        assert_eq!(a.functions.len(), b.functions.len(), "{sample}");
        assert_eq!(a.invocations(), b.invocations(), "{sample}");
        assert!(a.invocations() > 100, "{sample}");
        let series = |t: &tracereplay_tui::trace::Trace| {
            t.functions
                .iter()
                .map(|f| f.series.clone())
                .collect::<Vec<_>>()
        };
        assert!(series(&a) == series(&b), "{sample}: the times differ");
    }
}

#[test]
fn detection_and_override() {
    let o = LoadOptions::default();
    assert_eq!(
        ingest::detect(b"\x80\x04\x95", &o).unwrap(),
        InputFormat::Pickle
    );
    assert_eq!(
        ingest::detect(b"app,func,end_timestamp,duration\n", &o).unwrap(),
        InputFormat::Azure2021
    );
    assert_eq!(
        ingest::detect(
            b"\xef\xbb\xbfTIMESTAMP,ContextTokens,GeneratedTokens\r\n",
            &o
        )
        .unwrap(),
        InputFormat::AzureLlm
    );
    assert_eq!(
        ingest::detect(b"HashOwner,HashApp,HashFunction,Trigger,1", &o).unwrap(),
        InputFormat::Azure2019
    );
    let e = ingest::detect(b"", &o).unwrap_err().to_string();
    assert!(e.contains("the file is empty"), "{e}");
    // Lines ended by a lone CR (old Mac files) are CSV lines like any; JSONL ones are named,
    // with the fix, rather than read as one line.
    let cr = b"TIMESTAMP,ContextTokens,GeneratedTokens\r2023-11-16 18:15:46,374,44\r";
    assert_eq!(ingest::detect(cr, &o).unwrap(), InputFormat::AzureLlm);
    let jsonl = b"{\"timestamp\": 0, \"input_length\": 4}\r{\"timestamp\": 1}";
    let e = ingest::detect(jsonl, &o).unwrap_err().to_string();
    assert!(
        e.contains("carriage return alone") && e.contains("tr '\\r' '\\n'"),
        "{e}"
    );
    // Not for CRLF whose LF falls past the bytes read.
    let mut crlf = b"{\"timestamp\": 0, \"input_length\": 4, \"x\": \"".to_vec();
    crlf.resize(511, b'a');
    crlf.push(b'\r');
    assert_eq!(ingest::detect(&crlf, &o).unwrap(), InputFormat::Mooncake);
    // An explicit format wins over detection: a 2021 file read as timestamps.
    let p = real("azure-functions-2021-head/Azure2021_200.csv");
    let t = load_with(
        &p,
        &LoadOptions {
            format: Some(InputFormat::Timestamps),
            time_column: Some("end_timestamp".into()),
            ..LoadOptions::default()
        },
    )
    .unwrap();
    assert_eq!((t.functions.len(), t.invocations()), (1, 199));
    assert!("xml".parse::<InputFormat>().is_err());
}

#[test]
fn native_cache_round_trips_everything() {
    let dir = tempfile::tempdir().unwrap();
    for input in [
        real("azure-llm-2023/AzureLLMInferenceTrace_conv.csv"),
        real("azure-functions-2019-invitro-100/invocations.csv"),
        real("azure-functions-2021-head/Azure2021_200.csv"),
    ] {
        let t = load(&input);
        let p = dir.path().join("cache.trace");
        tracereplay_tui::workload::write_atomic(&p, true, None, |w| ingest::native::encode(&t, w))
            .unwrap();
        let back = load(&p);
        assert_eq!(back, t, "{}", input.display());
        // Truncated or corrupted caches fail cleanly.
        let bytes = std::fs::read(&p).unwrap();
        for cut in [10, bytes.len() / 2, bytes.len() - 1] {
            assert!(ingest::native::decode(&bytes[..cut], "x").is_err());
        }
    }
}

#[test]
fn alpaserve_pickle_round_trips_through_our_reader() {
    let dir = tempfile::tempdir().unwrap();
    for input in [
        real("azure-functions-2019-invitro-100/invocations.csv"),
        real("azure-functions-2021-head/Azure2021_200.csv"),
    ] {
        let t = load(&input);
        let p = dir.path().join("out.pkl");
        tracereplay_tui::workload::write_atomic(&p, true, None, |w| {
            ingest::pickle::write::write(&t, w)
        })
        .unwrap();
        let back = load(&p);
        assert_eq!(back.kind, t.kind);
        let names = |t: &Trace| {
            t.functions
                .iter()
                .map(|f| (f.name.clone(), f.series.clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(names(&back), names(&t));
    }
}

#[test]
fn a_large_v1_cache_is_read_in_place() {
    use tracereplay_tui::trace::{Counts, Function};
    // 200 functions × 1,440 minutes × 4 bytes: 1.15 MB, over the 1 MiB mapping threshold.
    // One count needs all 32 bits: the cache holds u32, not to be read as a negative int32.
    let functions: Vec<Function> = (0..200u32)
        .map(|f| {
            let counts: Vec<u32> = (0..1440u32)
                .map(|m| {
                    if f == 3 && m == 7 {
                        3_000_000_000
                    } else {
                        (m * 31 + f) % 97
                    }
                })
                .collect();
            Function::new(format!("fn{f}"), Series::Counts(Counts::from(counts)))
        })
        .collect();
    let t = Trace::new("big", TraceKind::V1, functions, vec![]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("v1.trace");
    tracereplay_tui::workload::write_atomic(&p, true, None, |w| ingest::native::encode(&t, w))
        .unwrap();
    assert!(std::fs::metadata(&p).unwrap().len() > 1 << 20);
    let mapped = load(&p);
    assert!(
        mapped
            .functions
            .iter()
            .all(|f| matches!(&f.series, Series::Counts(c) if c.is_mapped()))
    );
    assert_eq!(mapped, t);
    assert_eq!(mapped.check().unwrap(), t.invocations());
    assert_eq!(
        mapped.profile().unwrap().per_function[3],
        t.functions[3].series.invocations()
    );
    // The same file copied into memory decodes to the same trace.
    let copied = ingest::native::decode(&std::fs::read(&p).unwrap(), "v1.trace").unwrap();
    assert!(matches!(&copied.functions[0].series, Series::Counts(c) if !c.is_mapped()));
    assert_eq!(copied, mapped);
    // Written again from the mapped trace (no copy of its counts): the same bytes.
    let again = dir.path().join("again.trace");
    tracereplay_tui::workload::write_atomic(&again, true, None, |w| {
        ingest::native::encode(&mapped, w)
    })
    .unwrap();
    assert_eq!(std::fs::read(&again).unwrap(), std::fs::read(&p).unwrap());
}

#[test]
fn large_v2_pickles_and_caches_are_read_in_place() {
    // 200,000 timestamps: 1.6 MB, over the 1 MiB mapping threshold.
    let t = tracereplay_tui::synth::v2(&tracereplay_tui::synth::V2Options {
        functions: 30,
        total: 200_000,
        days: 2,
        seed: 3,
    });
    let dir = tempfile::tempdir().unwrap();
    let in_place = |t: &Trace| {
        t.functions
            .iter()
            .all(|f| matches!(&f.series, Series::Times(t) if t.is_mapped()))
    };
    let pkl = dir.path().join("v2.pkl");
    tracereplay_tui::workload::write_atomic(&pkl, true, None, |w| {
        ingest::pickle::write::write(&t, w)
    })
    .unwrap();
    let from_pickle = load(&pkl);
    assert!(in_place(&from_pickle));
    assert_eq!(from_pickle.functions, t.functions);
    let cache = dir.path().join("v2.trace");
    tracereplay_tui::workload::write_atomic(&cache, true, None, |w| {
        ingest::native::encode(&from_pickle, w)
    })
    .unwrap();
    assert!(std::fs::metadata(&cache).unwrap().len() > 1 << 20);
    let mapped = load(&cache);
    assert!(in_place(&mapped));
    assert_eq!(mapped.functions, t.functions);
    let copied = ingest::native::decode(&std::fs::read(&cache).unwrap(), "v2.trace").unwrap();
    assert!(!in_place(&copied));
    assert_eq!(copied, mapped);
    // Written again from the mapped trace (its bytes borrowed): the same file.
    let again = dir.path().join("again.trace");
    tracereplay_tui::workload::write_atomic(&again, true, None, |w| {
        ingest::native::encode(&mapped, w)
    })
    .unwrap();
    assert_eq!(
        std::fs::read(&again).unwrap(),
        std::fs::read(&cache).unwrap()
    );
}

#[test]
fn a_negative_count_read_in_place_is_not_written_to_a_cache() {
    use std::sync::Arc;
    use tracereplay_tui::trace::{Counts, Function};
    let words: Vec<u8> = [5i32, -2, 7].iter().flat_map(|w| w.to_le_bytes()).collect();
    let counts = Counts::mapped_checked(Arc::new(words), 0, 3).unwrap();
    let t = Trace::new(
        "neg",
        TraceKind::V1,
        vec![Function::new("f", Series::Counts(counts))],
        vec![],
    )
    .unwrap();
    let err = ingest::native::encode(&t, &mut Vec::new()).unwrap_err();
    assert!(err.to_string().contains("count -2 is negative"), "{err}");
}

/// A byte-order mark (as Excel writes) changes nothing, in every CSV layout: it made the first
/// column's name unknown.
#[test]
fn a_byte_order_mark_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    // Named, since a single-function trace is otherwise named after its file.
    let opts = LoadOptions {
        name: Some("f".into()),
        ..LoadOptions::default()
    };
    for file in [
        "azure-functions-2021-head/Azure2021_200.csv",
        "azure-llm-2023/AzureLLMInferenceTrace_conv.csv",
        "azure-functions-2019-invitro-100/invocations.csv",
    ] {
        let plain = std::fs::read(real(file)).unwrap();
        let mut bom = b"\xef\xbb\xbf".to_vec();
        bom.extend_from_slice(&plain);
        let copy = dir.path().join("bom.csv");
        std::fs::write(&copy, &bom).unwrap();
        let a = load_with(&real(file), &opts).unwrap();
        let b = load_with(&copy, &opts).unwrap();
        assert!(
            a.functions == b.functions,
            "{file} differs with a byte-order mark"
        );
    }
    let ts = write(dir.path(), "ts.csv", "\u{feff}t,k\n1,a\n2,b\n");
    let opts = LoadOptions {
        time_column: Some("t".into()),
        key_column: Some("k".into()),
        ..LoadOptions::default()
    };
    assert_eq!(load_with(&ts, &opts).unwrap().functions.len(), 2);
}

/// Fields quoted as RFC 4180 says: a doubled quote is one quote, commas and newlines inside
/// quotes are data. `"a""b"` was cut at the first `""`, merging two functions.
#[test]
fn quoted_fields_as_rfc_4180() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "q.csv",
        "app,func,end_timestamp,duration\n\"a\"\"b\",f,10,1\n\"a\"\"c\",f,11,1\n\"multi\nline\",\"g,h\",12,1\n",
    );
    let t = load(&p);
    let names: Vec<&str> = t.functions.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, vec!["a\"b/f", "a\"c/f", "multi\nline/g,h"]);
    // A bad value after a quoted newline is reported at its record's first line.
    let bad = write(
        dir.path(),
        "bad.csv",
        "app,func,end_timestamp,duration\n\"x\ny\",f,oops,1\n",
    );
    let err = load_with(&bad, &LoadOptions::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("line 2, column end_timestamp"), "{err}");
}

/// Items found by trying to break the readers: whole Unix times in µs/ns are made relative in
/// integers (1 ns apart stayed 0 apart); negative times are warned about; a headerless CSV
/// keeps its first row; impossible dates are refused.
#[test]
fn unix_nanoseconds_negative_times_headerless_files_and_impossible_dates() {
    let dir = tempfile::tempdir().unwrap();
    let ns = write(
        dir.path(),
        "ns.csv",
        "ts\n1700000000000000001\n1700000000000000002\n1700000000000001000\n",
    );
    let opts = |unit| LoadOptions {
        time_column: Some("ts".into()),
        time_unit: unit,
        ..LoadOptions::default()
    };
    let t = load_with(&ns, &opts(TimeUnit::Ns)).unwrap();
    assert_eq!(times(&t.functions[0]), vec![0.0, 1e-9, 999.0 * 1e-9]);
    let us = write(
        dir.path(),
        "us.csv",
        "ts\n1700000000000001\n1700000000000003\n",
    );
    let t = load_with(&us, &opts(TimeUnit::Us)).unwrap();
    assert_eq!(times(&t.functions[0]), vec![0.0, 2e-6]);

    // An Azure 2021 row with a duration longer than its end: warned, with the count.
    let neg = write(
        dir.path(),
        "neg.csv",
        "app,func,end_timestamp,duration\na,f,10,1\na,f,1,5\na,g,3,1\n",
    );
    let t = load(&neg);
    assert!(
        t.warnings
            .iter()
            .any(|w| w.starts_with("1 request(s) start before 0 s")),
        "{:?}",
        t.warnings
    );

    // No header: columns by number, and a number in the first row.
    let nh = write(dir.path(), "nh.csv", "5,a\n10,b\n15,a\n");
    let o = LoadOptions {
        time_column: Some("0".into()),
        key_column: Some("1".into()),
        ..LoadOptions::default()
    };
    let t = load_with(&nh, &o).unwrap();
    assert_eq!(t.invocations(), 3);
    assert_eq!(times(&t.functions[0]), vec![5.0, 15.0]);
    assert!(
        t.warnings
            .iter()
            .any(|w| w.contains("read without a header"))
    );
    // With a header, by number: the header is skipped as before.
    let h = write(dir.path(), "h.csv", "t,k\n5,a\n");
    assert_eq!(load_with(&h, &o).unwrap().invocations(), 1);
    // A short row names the key column's header, not "key".
    let short = write(dir.path(), "short.csv", "t,fn\n5,a\n6\n");
    let o = LoadOptions {
        time_column: Some("t".into()),
        key_column: Some("fn".into()),
        ..LoadOptions::default()
    };
    let err = load_with(&short, &o).unwrap_err().to_string();
    assert!(err.contains("line 3, column fn"), "{err}");

    // 2023-02-29 does not exist (it was read as March 1st).
    let iso = write(
        dir.path(),
        "iso.csv",
        "TIMESTAMP,ContextTokens,GeneratedTokens\n2023-02-28 00:00:00,1,1\n2023-02-29 00:00:00,1,1\n",
    );
    let err = load_with(&iso, &LoadOptions::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("2023-02 has 28 days"), "{err}");
}

/// gzip, zstd and xz files (recognised by their bytes, whatever their names) read exactly as
/// the plain file; a truncated one and a `.gz` that is not gzip are clear errors.
#[test]
fn compressed_inputs_read_like_the_plain_file() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let plain_path = real("azure-llm-2023/AzureLLMInferenceTrace_conv.csv");
    let plain = std::fs::read(&plain_path).unwrap();
    let gz = {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(&plain).unwrap();
        e.finish().unwrap()
    };
    let zst = zstd::stream::encode_all(&plain[..], 3).unwrap();
    let xz = {
        let mut e = xz2::write::XzEncoder::new(Vec::new(), 6);
        e.write_all(&plain).unwrap();
        e.finish().unwrap()
    };
    let want = load(&plain_path);
    for (name, bytes) in [
        ("conv.csv.gz", &gz),
        ("conv.csv.zst", &zst),
        ("conv.csv.xz", &xz),
        // Named wrong: the bytes decide.
        ("conv.csv", &gz),
    ] {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        let t = load(&p);
        assert!(
            t.functions == want.functions || {
                // Named after the file: compare the series and tokens.
                t.functions.len() == 1
                    && t.functions[0].series == want.functions[0].series
                    && t.functions[0].tokens == want.functions[0].tokens
            },
            "{name}"
        );
    }
    // Cut short: the error names the file.
    let cut = dir.path().join("cut.csv.gz");
    std::fs::write(&cut, &gz[..gz.len() / 2]).unwrap();
    let err = load_with(&cut, &LoadOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("cut.csv.gz") && err.contains("deflate"),
        "{err}"
    );
    // A .gz that is not gzip is read as what it is: here, nothing known.
    let fake = write(dir.path(), "fake.gz", "not gzip at all\n");
    let err = load_with(&fake, &LoadOptions::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("cannot tell what this file is"), "{err}");
    // A compressed pickle through a pipe.
    let pkl = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/pickle/v2_replay__np1.26.4__p4.pkl"),
    )
    .unwrap();
    let zipped = zstd::stream::encode_all(&pkl[..], 3).unwrap();
    let t = ingest::load_stream(
        &zipped[..],
        "stdin",
        &LoadOptions::default(),
        &mut |_, _| {},
    )
    .unwrap();
    assert_eq!(t.functions.len(), 9);
}

/// Mooncake JSONL as published: the shared synthetic trace (3,993 requests; sums computed with
/// Python's json module in SOURCES.md) replayed vanilla with one model and exported as Mooncake
/// JSONL reproduces every line's timestamp, lengths and hash ids; our own export with
/// `extra.model` reads back one function per model.
#[test]
fn mooncake_traces_round_trip_with_their_hash_ids() {
    let path = real("mooncake/synthetic_trace.jsonl");
    let t = load(&path);
    assert_eq!(t.invocations(), 3993);
    let k = t.functions[0].tokens.as_ref().unwrap();
    assert_eq!(
        k.input.iter().map(|&x| u64::from(x)).sum::<u64>(),
        61_194_628
    );
    assert_eq!(k.output.iter().map(|&x| u64::from(x)).sum::<u64>(), 595_432);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("w.jsonl");
    let r = replay(
        &t,
        &ReplayParams {
            models: vec!["m".into()],
            distribution: Distribution::Vanilla,
            ..ReplayParams::default()
        },
    )
    .unwrap();
    let w = Workload::from_replay(&r, 1.0, None).unwrap();
    w.write(&out, Format::Mooncake { block_size: 512 }, false)
        .unwrap();
    let parse = |p: &Path| -> Vec<serde_json::Value> {
        std::fs::read_to_string(p)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    };
    let (a, b) = (parse(&path), parse(&out));
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        for key in ["timestamp", "input_length", "output_length", "hash_ids"] {
            assert_eq!(x[key], y[key], "{key}: {x} vs {y}");
        }
        assert_eq!(y["extra"]["model"], "m");
    }
    // Three models in `extra`: three functions, counted as exported.
    let r = replay(
        &t,
        &ReplayParams {
            models: vec!["a".into()],
            distribution: Distribution::Exponential,
            end: Some("0.0.10".into()),
            ..ReplayParams::default()
        },
    )
    .unwrap();
    let mut w = Workload::from_replay(&r, 1.0, None).unwrap();
    w.models = vec!["x".into(), "y".into(), "z".into()];
    w.model = (0..w.len() as u32).map(|i| i % 3).collect();
    let three = dir.path().join("three.jsonl");
    w.write(&three, Format::Mooncake { block_size: 512 }, false)
        .unwrap();
    let back = load(&three);
    let names: Vec<&str> = back.functions.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, vec!["x", "y", "z"]);
    assert_eq!(back.invocations(), w.len() as u64);
    // A request without a timestamp names its line; --skip-bad-rows skips it.
    let bad = write(
        dir.path(),
        "bad.jsonl",
        "{\"timestamp\": 0, \"input_length\": 5, \"output_length\": 1}\n{\"input_length\": 5, \"output_length\": 1}\n",
    );
    let err = load_with(&bad, &LoadOptions::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("line 2, column timestamp"), "{err}");
    let skipped = load_with(
        &bad,
        &LoadOptions {
            skip_bad_rows: true,
            ..LoadOptions::default()
        },
    )
    .unwrap();
    assert_eq!(skipped.invocations(), 1);
}

/// `--tokens-from`: an Azure Functions trace's requests draw their token pairs from the shared
/// Azure LLM sample. Over the 16,888 requests of the sample's first day, the drawn input and
/// output lengths follow the LLM file's distributions (Kolmogorov–Smirnov distance ≤ 0.02,
/// the file read here with a plain split, not our reader), pairs stay pairs, and the arrivals
/// equal those of the same replay without tokens.
#[test]
fn tokens_from_an_llm_trace_follow_its_distribution() {
    use tracereplay_tui::tokens::{TokenSource, assign};
    let csv =
        std::fs::read_to_string(real("azure-llm-2023/AzureLLMInferenceTrace_conv.csv")).unwrap();
    let mut pairs: Vec<(u32, u32)> = csv
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[1].trim().parse().unwrap(), f[2].trim().parse().unwrap())
        })
        .collect();
    let llm = load(&real("azure-llm-2023/AzureLLMInferenceTrace_conv.csv"));
    let source = TokenSource::from_trace(&llm).unwrap();
    assert_eq!(source.len(), pairs.len());
    let trace = ingest::sample(&LoadOptions::default()).unwrap();
    let params = ReplayParams {
        end: Some("1.0.0".into()),
        ..ReplayParams::default()
    };
    let plain = replay(&trace, &params).unwrap();
    let mut with = replay(&trace, &params).unwrap();
    assign(&mut with, &source, false, params.seed);
    let mut drawn: Vec<(u32, u32)> = Vec::new();
    for (a, b) in plain.models.iter().zip(&with.models) {
        assert_eq!(a.arrivals, b.arrivals);
        let t = b.tokens.as_ref().unwrap();
        assert_eq!(t.input.len(), b.arrivals.len());
        drawn.extend(t.input.iter().copied().zip(t.output.iter().copied()));
    }
    assert!(drawn.len() >= 10_000, "{}", drawn.len());
    let ks = |mut x: Vec<u32>, mut y: Vec<u32>| {
        x.sort_unstable();
        y.sort_unstable();
        let mut d: f64 = 0.0;
        for v in x.iter().chain(&y) {
            let fx = x.partition_point(|a| a <= v) as f64 / x.len() as f64;
            let fy = y.partition_point(|a| a <= v) as f64 / y.len() as f64;
            d = d.max((fx - fy).abs());
        }
        d
    };
    let d_in = ks(
        drawn.iter().map(|p| p.0).collect(),
        pairs.iter().map(|p| p.0).collect(),
    );
    let d_out = ks(
        drawn.iter().map(|p| p.1).collect(),
        pairs.iter().map(|p| p.1).collect(),
    );
    eprintln!(
        "KS distance over {} requests: input {d_in:.4}, output {d_out:.4}",
        drawn.len()
    );
    assert!(
        d_in <= 0.02 && d_out <= 0.02,
        "KS input {d_in:.4}, output {d_out:.4}"
    );
    // Every drawn pair is a pair of the file (the joint distribution, not two marginals).
    pairs.sort_unstable();
    assert!(drawn.iter().all(|p| pairs.binary_search(p).is_ok()));
    // By hour: a source whose input length names its hour of day (1000 × hour + 1, from
    // requests every 10 minutes of a day): each request draws from its own hour.
    let times: Vec<f64> = (0..144).map(|i| 300.0 + 600.0 * f64::from(i)).collect();
    let hours: Vec<u32> = times
        .iter()
        .map(|t| (t / 3600.0) as u32 * 1000 + 1)
        .collect();
    let mut f = tracereplay_tui::trace::Function::new("s", Series::Times(times.clone().into()));
    f.tokens = Some(tracereplay_tui::trace::Tokens::counts(hours, vec![1; 144]));
    let hourly_source =
        TokenSource::from_trace(&Trace::new("h", TraceKind::V2, vec![f], vec![]).unwrap()).unwrap();
    let mut hourly = replay(&trace, &params).unwrap();
    assign(&mut hourly, &hourly_source, true, params.seed);
    for m in &hourly.models {
        let t = m.tokens.as_ref().unwrap();
        for (a, i) in m.arrivals.iter().zip(&t.input) {
            assert_eq!(u64::from(i / 1000), (a / 3600.0) as u64 % 24, "at {a} s");
        }
    }
}

/// A generic CSV of timestamps can carry token counts (`--input-tokens-column`,
/// `--output-tokens-column`), by name or, headerless, by number.
#[test]
fn generic_csvs_carry_token_columns() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "t.csv",
        "ts,model,prompt,completion\n0.5,a,100,7\n1.5,b,200,8\n2.5,a,300,9\n",
    );
    let opts = LoadOptions {
        time_column: Some("ts".into()),
        key_column: Some("model".into()),
        input_tokens_column: Some("prompt".into()),
        output_tokens_column: Some("completion".into()),
        ..LoadOptions::default()
    };
    let t = load_with(&p, &opts).unwrap();
    let a = t.functions[0].tokens.as_ref().unwrap();
    assert_eq!(
        (a.input.to_vec(), a.output.to_vec()),
        (vec![100, 300], vec![7, 9])
    );
    let nh = write(dir.path(), "nh.csv", "0.5,a,100,7\n1.5,b,200,8\n");
    let by_number = LoadOptions {
        time_column: Some("0".into()),
        key_column: Some("1".into()),
        input_tokens_column: Some("2".into()),
        output_tokens_column: Some("3".into()),
        ..LoadOptions::default()
    };
    let t = load_with(&nh, &by_number).unwrap();
    assert_eq!(t.functions[1].tokens.as_ref().unwrap().input, vec![200]);
    // A bad count names its column and line.
    let bad = write(
        dir.path(),
        "bad.csv",
        "ts,model,prompt,completion\n0.5,a,x,7\n",
    );
    let err = load_with(&bad, &opts).unwrap_err().to_string();
    assert!(err.contains("line 2, column prompt"), "{err}");
}

/// BurstGPT in both published layouts (from the documented schema: the data files are large),
/// with failed requests (0 response tokens) and two models: per-model counts and token sums as
/// summed here from the rows written; failed rows kept, or dropped and counted with
/// --skip-failed; `--key-column` chooses the log type or both columns; a missing column is a
/// clear error.
#[test]
fn burstgpt_in_both_layouts() {
    let dir = tempfile::tempdir().unwrap();
    // (time, model, request tokens, response tokens, log type)
    let rows = [
        (5.0, "ChatGPT", 472, 18, "Conversation log"),
        (45.0, "ChatGPT", 1087, 0, "Conversation log"),
        (118.0, "GPT-4", 417, 30, "API log"),
        (130.0, "ChatGPT", 1360, 1046, "API log"),
        (131.0, "GPT-4", 2000, 0, "Conversation log"),
        (160.0, "GPT-4", 66, 12, "API log"),
    ];
    let v1: String = std::iter::once(
        "Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type\n".to_string(),
    )
    .chain(
        rows.iter()
            .map(|r| format!("{},{},{},{},{},{}\n", r.0, r.1, r.2, r.3, r.2 + r.3, r.4)),
    )
    .collect();
    let v11: String = std::iter::once(
        "Timestamp,Session ID,Elapsed time,Model,Request tokens,Response tokens,Total tokens,Log Type\n"
            .to_string(),
    )
    .chain(rows.iter().enumerate().map(|(k, r)| {
        format!("{},s{k},1.5,{},{},{},{},{}\n", r.0, r.1, r.2, r.3, r.2 + r.3, r.4)
    }))
    .collect();
    for (name, text) in [("burst.csv", v1), ("burst_v11.csv", v11)] {
        let p = write(dir.path(), name, &text);
        let t = load(&p);
        for model in ["ChatGPT", "GPT-4"] {
            let f = t.functions.iter().find(|f| f.name == model).unwrap();
            let want: Vec<_> = rows.iter().filter(|r| r.1 == model).collect();
            let k = f.tokens.as_ref().unwrap();
            assert_eq!(k.input.len(), want.len(), "{name} {model}");
            assert_eq!(
                k.input.iter().sum::<u32>(),
                want.iter().map(|r| r.2).sum::<u32>()
            );
            assert_eq!(
                k.output.iter().sum::<u32>(),
                want.iter().map(|r| r.3).sum::<u32>()
            );
            assert_eq!(times(f), want.iter().map(|r| r.0).collect::<Vec<_>>());
        }
        assert!(
            t.warnings
                .iter()
                .any(|w| w.starts_with("2 request(s) failed")),
            "{:?}",
            t.warnings
        );
        let skipped = load_with(
            &p,
            &LoadOptions {
                skip_failed: true,
                ..LoadOptions::default()
            },
        )
        .unwrap();
        assert_eq!(skipped.invocations(), 4);
        assert!(
            skipped
                .warnings
                .iter()
                .any(|w| w.starts_with("2 failed request(s)"))
        );
        let by_both = load_with(
            &p,
            &LoadOptions {
                key_column: Some("Model,Log Type".into()),
                ..LoadOptions::default()
            },
        )
        .unwrap();
        assert_eq!(by_both.functions.len(), 4);
        assert!(by_both.functions.iter().any(|f| f.name == "GPT-4/API log"));
    }
    let missing = write(
        dir.path(),
        "missing.csv",
        "Timestamp,Model,Request tokens,Response tokens\n1,a,2,3\n",
    );
    let err = load_with(
        &missing,
        &LoadOptions {
            key_column: Some("Log Type".into()),
            ..LoadOptions::default()
        },
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("no BurstGPT column \"Log Type\""), "{err}");
}

/// Coarse timestamps are measured without assuming a grid: a Mooncake-style file whose
/// requests come in groups 2,997–3,003 ms apart reports a tick of about 3 s and the share of
/// requests that share a timestamp (counted here from the rows written); the shared Mooncake
/// sample's 3,982 distinct timestamps match SOURCES.md.
#[test]
fn coarse_timestamps_are_measured() {
    use tracereplay_tui::coarse::Coarseness;
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::new();
    let (mut t, mut n, mut shared) = (0u64, 0u64, 0u64);
    for g in 0..200u64 {
        let size = 1 + g % 4; // 1 to 4 requests a group
        for _ in 0..size {
            text.push_str(&format!(
                "{{\"timestamp\": {t}, \"input_length\": 10, \"output_length\": 2}}\n"
            ));
        }
        n += size;
        if size > 1 {
            shared += size;
        }
        t += 2997 + (g * 3) % 7; // 2,997..3,003 ms
    }
    let p = write(dir.path(), "coarse.jsonl", &text);
    let c = Coarseness::of_trace(&load(&p)).unwrap();
    assert_eq!(c.distinct_timestamps, 200);
    assert_eq!(c.max_simultaneous, 4);
    assert!((c.shared_fraction - shared as f64 / n as f64).abs() < 1e-12);
    assert!((c.tick.unwrap() - 3.0).abs() <= 0.0031, "{:?}", c.tick);
    assert!(c.is_coarse());
    let sample = Coarseness::of_trace(&load(&real("mooncake/synthetic_trace.jsonl"))).unwrap();
    assert_eq!(sample.distinct_timestamps, 3982);
    assert!(!sample.is_coarse());
}

/// `--spread uniform` on a coarse trace: every request keeps its count and tokens, arrivals
/// become distinct and sorted, and none leaves its group's gap (the last group: the median
/// tick); `--spread none` is the replay of before. Fitted modes refuse it.
#[test]
fn spreading_coarse_timestamps() {
    use tracereplay_tui::replay::params::Spread;
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::new();
    let mut groups: Vec<(f64, usize)> = Vec::new();
    for g in 0..100u64 {
        let size = 1 + (g % 5) as usize;
        let t = g * 3000 + (g * 3) % 7;
        for k in 0..size {
            text.push_str(&format!(
                "{{\"timestamp\": {t}, \"input_length\": {}, \"output_length\": 1}}\n",
                1000 * g + k as u64
            ));
        }
        groups.push((t as f64 / 1000.0, size));
    }
    let p = write(dir.path(), "coarse.jsonl", &text);
    let trace = load(&p);
    let params = |spread| ReplayParams {
        models: vec!["m".into()],
        distribution: Distribution::Vanilla,
        spread,
        ..ReplayParams::default()
    };
    let plain = replay(&trace, &params(Spread::None)).unwrap();
    let spread = replay(&trace, &params(Spread::Uniform)).unwrap();
    let (a, b) = (&plain.models[0], &spread.models[0]);
    assert_eq!(a.arrivals.len(), b.arrivals.len());
    assert_eq!(
        a.tokens.as_ref().unwrap().input,
        b.tokens.as_ref().unwrap().input
    );
    assert!(
        b.arrivals.windows(2).all(|w| w[0] < w[1]),
        "not distinct and sorted"
    );
    let tick = 3.0; // the median gap between groups, 2.997..3.003 s
    let mut at = 0;
    for (k, &(t, size)) in groups.iter().enumerate() {
        let next = groups.get(k + 1).map_or(t + tick + 0.004, |g| g.0);
        for &x in &b.arrivals[at..at + size] {
            assert!(
                t <= x && x < next,
                "group at {t}: {x} outside [{t}, {next})"
            );
        }
        // Tokens follow their requests: input lengths name the group.
        for &i in &b.tokens.as_ref().unwrap().input[at..at + size] {
            assert_eq!(i / 1000, k as u32);
        }
        at += size;
    }
    // Fitted: the same invariants, on its own stream.
    let fitted = replay(&trace, &params(Spread::Fitted)).unwrap();
    let f = &fitted.models[0];
    assert_eq!(f.tokens, b.tokens);
    assert!(f.arrivals.windows(2).all(|w| w[0] < w[1]));
    assert_ne!(f.arrivals, b.arrivals);
    let mut at = 0;
    for (k, &(t, size)) in groups.iter().enumerate() {
        let next = groups.get(k + 1).map_or(t + tick + 0.004, |g| g.0);
        assert!(
            f.arrivals[at..at + size]
                .iter()
                .all(|&x| t <= x && x < next)
        );
        at += size;
    }
    // A clock that ticks with 4 requests every 3 s has no dispersion: fitted places them
    // nearly evenly (cv 0.1), at 1/5 .. 4/5 of their gap; uniform places them anywhere.
    let regular: String = (0..200u64)
        .flat_map(|g| (0..4).map(move |_| g))
        .map(|g| {
            format!(
                "{{\"timestamp\": {}, \"input_length\": 1, \"output_length\": 1}}\n",
                g * 3000
            )
        })
        .collect();
    let even = load(&write(dir.path(), "regular.jsonl", &regular));
    let worst = |spread| {
        let r = replay(&even, &params(spread)).unwrap();
        let a = &r.models[0].arrivals;
        (0..199)
            .flat_map(|g| (0..4).map(move |i| (g, i)))
            .map(|(g, i)| (a[4 * g + i] - (g as f64 * 3.0 + 3.0 * (i + 1) as f64 / 5.0)).abs())
            .fold(0.0, f64::max)
    };
    assert!(worst(Spread::Fitted) < 0.3, "{}", worst(Spread::Fitted));
    assert!(worst(Spread::Uniform) > 1.0, "{}", worst(Spread::Uniform));
    // Fitted replays have nothing to spread.
    let err = replay(
        &trace,
        &ReplayParams {
            distribution: Distribution::Exponential,
            ..params(Spread::Uniform)
        },
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("`spread`"), "{err}");
}

/// The 2019 dataset as published, a .tar.xz of day files, reads straight from the archive
/// exactly as its unpacked directory (built by tools/gen_azure2019_archive.py from the shared
/// InVitro slice: 14 days, plus a durations file to skip); an archive without day files is a
/// clear error.
#[test]
fn azure_2019_archives_read_like_their_directory() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("a19");
    let tool = Path::new(env!("CARGO_MANIFEST_DIR")).join("tools/gen_azure2019_archive.py");
    let made = std::process::Command::new("python3")
        .arg(tool)
        .arg(real("azure-functions-2019-invitro-100/invocations.csv"))
        .arg(&out)
        .output();
    let Ok(made) = made else {
        assert!(std::env::var_os("CI").is_none(), "CI must have python3");
        eprintln!("python3 not found: skipping the 2019 archive check");
        return;
    };
    assert!(made.status.success(), "{made:?}");
    let unpacked = load(&out);
    let packed = load(&dir.path().join("a19.tar.xz"));
    assert_eq!(unpacked.days, 14);
    assert!(
        unpacked.functions == packed.functions,
        "the archive differs from its directory"
    );
    assert_eq!(unpacked.warnings, packed.warnings);
    // No day files inside.
    let empty = dir.path().join("empty.tar");
    let mut b = tar::Builder::new(std::fs::File::create(&empty).unwrap());
    let data = b"HashOwner,Average\n";
    let mut h = tar::Header::new_gnu();
    h.set_size(data.len() as u64);
    h.set_cksum();
    b.append_data(&mut h, "function_durations.csv", &data[..])
        .unwrap();
    b.finish().unwrap();
    drop(b);
    let err = load_with(&empty, &LoadOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("the archive has no Azure Functions 2019 day files"),
        "{err}"
    );
}

/// Azure LMM 2025 multimodal traces (`TIMESTAMP,NumImages,ContextTokens,GeneratedTokens`):
/// the image counts stay with their requests (sorted into time order with them) and reach
/// exports: a `num_images` column, and `extra.num_images` in Mooncake JSONL. A negative count
/// names its line and column.
#[test]
fn multimodal_traces_carry_their_images() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "AzureLMMInferenceTrace_multimodal.csv",
        "TIMESTAMP,NumImages,ContextTokens,GeneratedTokens\n\
         2025-05-01 00:00:02.000,3,900,10\n\
         2025-05-01 00:00:00.500,1,400,20\n\
         2025-05-01 00:00:05.250,0,120,30\n",
    );
    let t = load(&p);
    let k = t.functions[0].tokens.as_ref().unwrap();
    assert_eq!(times(&t.functions[0]), vec![0.0, 1.5, 4.75]);
    assert_eq!(k.input, vec![400, 900, 120]);
    assert_eq!(k.images.as_deref(), Some(&[1, 3, 0][..]));
    let r = replay(
        &t,
        &ReplayParams {
            models: vec!["vlm".into()],
            distribution: Distribution::Vanilla,
            ..ReplayParams::default()
        },
    )
    .unwrap();
    let w = Workload::from_replay(&r, 1.0, None).unwrap();
    assert_eq!(w.num_images.as_deref(), Some(&[1, 3, 0][..]));
    let csv = dir.path().join("w.csv");
    w.write(&csv, Format::Csv, false).unwrap();
    let text = std::fs::read_to_string(&csv).unwrap();
    assert!(text.contains("index,arrival,model,slo,input_tokens,output_tokens,num_images"));
    assert!(text.contains("\n1,1.5,vlm,1.0,900,10,3\n"), "{text}");
    let jsonl = dir.path().join("w.jsonl");
    w.write(&jsonl, Format::Mooncake { block_size: 512 }, false)
        .unwrap();
    let first: serde_json::Value = serde_json::from_str(
        std::fs::read_to_string(&jsonl)
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        first["extra"],
        serde_json::json!({"model": "vlm", "num_images": 1})
    );
    let bad = write(
        dir.path(),
        "bad.csv",
        "TIMESTAMP,NumImages,ContextTokens,GeneratedTokens\n2025-05-01 00:00:00,-1,5,5\n",
    );
    let err = load_with(&bad, &LoadOptions::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("line 2, column NumImages"), "{err}");
}
