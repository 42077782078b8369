//! The performance cases of docs/performance.md (issue "Full-scale speed and memory") as one command:
//!
//! ```sh
//! cargo run --release --example bench                  # synthetic full-scale traces, made once
//! cargo run --release --example bench -- --v2 ~/azure_v2.pkl --v1 ~/azure_v1.pkl --runs 5
//! cargo run --release --example bench -- --recache --only g0,g1   # cache the traces as we do
//! ```
//!
//! Each case is run `--runs` times in this process (medians of load, replay, workload = build +
//! write the msgpack file), once more in a child process for its peak RSS, and `--runs` times
//! as the real command (`tracereplay-tui replay … -o out.msgpack`, when `cargo build --release`
//! has built it; otherwise the child's time) for the "process" column and the speedup. Then
//! the scaling table and the sampler's floor.
//!
//! Two speedups: against the whole process (start, load, replay, export, exit), and against
//! this process's own load + replay + workload, which is what the original's figures time
//! (its interpreter start and imports are not in them). ✓ marks the 20× target; the
//! last column checks the issue's target for the replay step (the load, for load-only cases).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use tracereplay_tui::ingest::pickle::write as pickle_out;
use tracereplay_tui::replay::{Distribution, ReplayParams, replay};
use tracereplay_tui::trace::Trace;
use tracereplay_tui::workload::{Format, Workload, write_atomic};

/// A case: name, which trace, parameters, and the original's figures (load, replay, workload
/// seconds; peak RSS MB).
struct Case {
    name: &'static str,
    v1: bool,
    args: &'static str,
    original: (f64, f64, f64, f64),
}

const V2_LOAD: f64 = 0.011;
const V1_LOAD: f64 = 0.733;

fn cases() -> Vec<Case> {
    let c = |name, v1, args, original| Case {
        name,
        v1,
        args,
        original,
    };
    vec![
        c("a", false, "load", (V2_LOAD, 0.0, 0.0, 143.0)),
        c(
            "b",
            false,
            "models=5 vanilla 0.0.0-1.0.0",
            (V2_LOAD, 0.013, 0.093, 166.0),
        ),
        c(
            "c",
            false,
            "models=5 gamma 0.0.0-5.0.0 interval=3600",
            (V2_LOAD, 0.338, 1.145, 339.0),
        ),
        c(
            "d",
            false,
            "models=5 vanilla 0.0.0-13.23.60 time=2",
            (V2_LOAD, 0.314, 2.663, 657.0),
        ),
        c(
            "e",
            false,
            "models=5 gamma 0.0.0-1.0.0 rate=8 cv=8",
            (V2_LOAD, 0.216, 1.108, 337.0),
        ),
        c(
            "f",
            false,
            "models=48 exponential 0.0.0-5.0.0 interval=3600",
            (V2_LOAD, 0.358, 1.104, 345.0),
        ),
        c("g0", true, "load", (V1_LOAD, 0.0, 0.0, 904.0)),
        c(
            "g1",
            true,
            "models=48 exponential 0.0.0-1.0.0 interval=60 rate=0.001",
            (V1_LOAD, 0.767, 0.423, 970.0),
        ),
        c(
            "g2",
            true,
            "models=48 gamma 0.0.0-2.0.0 interval=3600 rate=0.001",
            (V1_LOAD, 0.254, 0.689, 1020.0),
        ),
        c(
            "x1",
            false,
            "models=48 gamma 13.0.0-13.23.60 interval=5400 rate=96",
            (V2_LOAD, 2.042, 12.21, 2276.0),
        ),
        c(
            "x2",
            true,
            "models=48 gamma 0.0.0-0.1.0 interval=60 rate=0.002 cv=4",
            (V1_LOAD, 0.107, 0.013, 908.0),
        ),
    ]
}

/// Parses a case's compact argument string.
fn params(args: &str) -> Option<ReplayParams> {
    if args == "load" {
        return None;
    }
    let mut p = ReplayParams::default();
    for word in args.split(' ') {
        match word.split_once('=') {
            Some(("models", n)) => {
                p.models = tracereplay_tui::mapping::default_model_names(n.parse().unwrap())
            }
            Some(("interval", v)) => p.interval_seconds = v.parse().unwrap(),
            Some(("rate", v)) => p.rate_scale = v.parse().unwrap(),
            Some(("cv", v)) => p.cv_scale = v.parse().unwrap(),
            Some(("time", v)) => p.time_scale = v.parse().unwrap(),
            Some(_) => panic!("bad case word {word}"),
            None if word.contains('-') => {
                let (s, e) = word.split_once('-').unwrap();
                p.start = s.into();
                p.end = Some(e.into());
            }
            None => p.distribution = word.parse().unwrap(),
        }
    }
    Some(p)
}

/// One run: (load, replay, workload) durations.
fn run_once(case: &Case, trace_path: &Path, out: &Path) -> (Duration, Duration, Duration) {
    // A new file each run, as for the command-line runs: replacing the last run's output would
    // time the release of its pages as part of the export.
    let _ = std::fs::remove_file(out);
    let t0 = Instant::now();
    let trace = Trace::open(trace_path, None).unwrap();
    let t1 = Instant::now();
    let Some(p) = params(case.args) else {
        std::hint::black_box(&trace);
        return (t1 - t0, Duration::ZERO, Duration::ZERO);
    };
    let r = replay(&trace, &p).unwrap();
    let t2 = Instant::now();
    let w = Workload::from_replay(&r, 1.0, None).unwrap();
    w.write(out, Format::Msgpack, true).unwrap();
    let t3 = Instant::now();
    (t1 - t0, t2 - t1, t3 - t2)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn ms(s: f64) -> String {
    if s == 0.0 {
        "-".into()
    } else if s < 0.1 {
        format!("{:.1} ms", s * 1e3)
    } else {
        format!("{s:.3} s")
    }
}

struct Opts {
    v1: PathBuf,
    v2: PathBuf,
    runs: usize,
    only: Option<Vec<String>>,
    recache: bool,
    /// Child for a scaling row: these replay parameters (JSON), timed once in a fresh process.
    replay_child: Option<String>,
}

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-data")
}

/// The synthetic full-scale traces, generated once into `target/bench-data/`.
fn ensure(path: &Path, v1: bool) {
    if path.exists() {
        return;
    }
    eprintln!("generating {} (once)…", path.display());
    let t = if v1 {
        tracereplay_tui::synth::v1(&tracereplay_tui::synth::V1Options::default())
    } else {
        tracereplay_tui::synth::v2(&tracereplay_tui::synth::V2Options::default())
    };
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    write_atomic(path, true, None, |w| pickle_out::write(&t, w)).unwrap();
    // Just written, it is cached as the writes left it; measure it as a later day's run sees it.
    recache(path);
}

/// Drops `path` from the page cache and reads it back through our own mapping, so that the
/// kernel caches it in 2 MiB folios (see `trace::mapped`). A file written by another program is
/// often cached in 4 KiB pages, which every later mapping faults in 4 KiB at a time.
fn recache(path: &Path) {
    let ok = |c: &mut Command| c.status().is_ok_and(|s| s.success());
    let dropped = ok(Command::new("sync").arg(path))
        && ok(Command::new("dd")
            .arg(format!("if={}", path.display()))
            .args(["iflag=nocache", "count=0", "status=none"]));
    assert!(dropped, "--recache needs sync and GNU dd");
    read_through_mapping(path);
}

/// The trace opened and every count read, so the whole file passes through our mapping.
fn read_through_mapping(path: &Path) -> Trace {
    let trace = Trace::open(path, None).unwrap();
    std::hint::black_box(trace.invocations());
    trace
}

/// Says how the v1 trace is cached, which moves its load (docs/performance.md): the part of this
/// process's mapping of it that the kernel maps with 2 MiB pages, after a full pass.
fn page_cache_note(v1: &Path) {
    let trace = read_through_mapping(v1);
    let smaps = std::fs::read_to_string("/proc/self/smaps").unwrap_or_default();
    let name = v1.canonicalize().unwrap_or(v1.to_owned());
    let (mut rss, mut pmd, mut inside) = (0u64, 0u64, false);
    for line in smaps.lines() {
        let mut words = line.split_whitespace();
        match (words.next(), words.next()) {
            (Some(range), _) if range.contains('-') && !range.ends_with(':') => {
                inside = line.ends_with(&*name.to_string_lossy());
            }
            (Some("Rss:"), Some(kb)) if inside => rss += kb.parse::<u64>().unwrap_or(0),
            (Some("FilePmdMapped:"), Some(kb)) if inside => pmd += kb.parse::<u64>().unwrap_or(0),
            _ => {}
        }
    }
    drop(trace);
    if rss > 0 {
        println!(
            "v1 trace in the page cache: {} of {} MB in 2 MiB pages{}\n",
            pmd / 1024,
            rss / 1024,
            if pmd * 2 < rss {
                " (mostly 4 KiB pages: run with --recache for the cached-by-us figures)"
            } else {
                ""
            }
        );
    }
}

const USAGE: &str = "\
Usage: cargo run --release --example bench -- [OPTIONS]

Runs the performance cases of docs/performance.md and prints their table, the
scaling table and the sampler's floor. Build the CLI first (cargo build --release) for the
\"process\" column.

Options:
  --v2 PATH      azure_v2-format pickle (default: synthetic, generated once)
  --v1 PATH      azure_v1-format pickle (default: synthetic, generated once)
  --runs N       runs per case; medians are reported (default 5)
  --only A,B     only these cases (a, b, c, d, e, f, g0, g1, g2, x1, x2)
  --recache      drop the traces from the page cache, then read them through our mapping
  -h, --help     this text";

fn parse_args() -> (Opts, Option<String>) {
    let mut o = Opts {
        v1: data_dir().join("synthetic_v1.pkl"),
        v2: data_dir().join("synthetic_v2.pkl"),
        runs: 5,
        only: None,
        recache: false,
        replay_child: None,
    };
    let mut child = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--v1" => o.v1 = args.next().unwrap().into(),
            "--v2" => o.v2 = args.next().unwrap().into(),
            "--runs" => o.runs = args.next().unwrap().parse().unwrap(),
            "--only" => o.only = Some(args.next().unwrap().split(',').map(String::from).collect()),
            "--child" => child = args.next(),
            "--replay-child" => o.replay_child = args.next(),
            "--recache" => o.recache = true,
            "--bench" => {} // cargo bench passes it
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => {
                eprintln!("unknown argument {other}\n\n{USAGE}");
                std::process::exit(2);
            }
        }
    }
    (o, child)
}

fn main() {
    let (o, child) = parse_args();
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out.msgpack");
    if let Some(json) = &o.replay_child {
        let p: ReplayParams = serde_json::from_str(json).unwrap();
        let trace = Trace::open(&o.v2, None).unwrap();
        let t = Instant::now();
        let r = replay(&trace, &p).unwrap();
        let e = t.elapsed().as_secs_f64();
        let n: usize = r.models.iter().map(|m| m.arrivals.len()).sum();
        println!("{e} {n}");
        return;
    }
    if let Some(name) = child {
        // Child: one end-to-end run, then the peak RSS.
        let case = cases().into_iter().find(|c| c.name == name).unwrap();
        let path = if case.v1 { &o.v1 } else { &o.v2 };
        run_once(&case, path, &out);
        println!("{}", peak_rss_mb());
        return;
    }
    ensure(&o.v2, false);
    ensure(&o.v1, true);
    if o.recache {
        for path in [&o.v2, &o.v1] {
            recache(path);
        }
    }
    println!(
        "v2 trace: {}\nv1 trace: {}\nruns per case: {} (medians)\n",
        o.v2.display(),
        o.v1.display(),
        o.runs
    );
    page_cache_note(&o.v1);
    println!(
        "| case | load | replay | workload | end to end | process | peak RSS | original e2e / RSS | speedup (process) | speedup (in process) | step target |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    for case in cases() {
        if o.only
            .as_ref()
            .is_some_and(|only| !only.iter().any(|x| x == case.name))
        {
            continue;
        }
        let path = if case.v1 { &o.v1 } else { &o.v2 };
        let runs: Vec<_> = (0..o.runs).map(|_| run_once(&case, path, &out)).collect();
        let m = |f: fn(&(Duration, Duration, Duration)) -> Duration| {
            median(runs.iter().map(|r| f(r).as_secs_f64()).collect())
        };
        let (load, rep, work) = (m(|r| r.0), m(|r| r.1), m(|r| r.2));
        let e2e = median(
            runs.iter()
                .map(|r| (r.0 + r.1 + r.2).as_secs_f64())
                .collect(),
        );
        let mut args = vec!["--child".to_string(), case.name.to_string()];
        args.extend([
            "--v1".into(),
            o.v1.display().to_string(),
            "--v2".into(),
            o.v2.display().to_string(),
        ]);
        let started = Instant::now();
        let child = Command::new(std::env::current_exe().unwrap())
            .args(&args)
            .output()
            .unwrap();
        let mut process = started.elapsed().as_secs_f64();
        if params(case.args).is_none() {
            // Load only: the child process itself, median of the runs.
            let mut times = vec![process];
            for _ in 1..o.runs {
                let t = Instant::now();
                Command::new(std::env::current_exe().unwrap())
                    .args(&args)
                    .output()
                    .unwrap();
                times.push(t.elapsed().as_secs_f64());
            }
            process = median(times);
        }
        // The real command line, when built (`cargo build --release`): median of the runs.
        if let (Some(cli), Some(p)) = (cli_binary(), params(case.args)) {
            let times: Vec<f64> = (0..o.runs)
                .map(|_| {
                    let _ = std::fs::remove_file(&out);
                    let t = Instant::now();
                    let st = Command::new(&cli)
                        .args(cli_args(&p, path, &out))
                        .output()
                        .unwrap();
                    assert!(
                        st.status.success(),
                        "{}",
                        String::from_utf8_lossy(&st.stderr)
                    );
                    t.elapsed().as_secs_f64()
                })
                .collect();
            process = median(times);
        }
        let rss: f64 = String::from_utf8_lossy(&child.stdout)
            .trim()
            .parse()
            .unwrap_or(f64::NAN);
        let (ol, or, ow, orss) = case.original;
        let original = ol + or + ow;
        let mark = |ok: bool| if ok { "✓" } else { "✗" };
        // The issue's step targets: the replay step (or the load, for load-only cases).
        let (step, limit) = match case.name {
            "a" => (load, 0.010),
            "g0" => (load, 0.150),
            "b" => (rep, 0.002),
            "c" | "e" | "f" => (rep, 0.015),
            "d" => (rep, 0.020),
            "x1" => (rep, 0.150),
            _ => (rep, f64::NAN),
        };
        let step_mark = if limit.is_nan() {
            "-".to_string()
        } else {
            format!("{} ≤ {}", mark(step <= limit), ms(limit))
        };
        println!(
            "| {} {} | {} | {} | {} | {} | {} | {:.0} MB | {} / {:.0} MB | {:.0}× {} | {:.0}× {} | {} |",
            case.name,
            case.args,
            ms(load),
            ms(rep),
            ms(work),
            ms(e2e),
            ms(process),
            rss,
            ms(original),
            orss,
            original / process,
            mark(original / process >= 20.0),
            original / e2e,
            mark(original / e2e >= 20.0),
            step_mark
        );
    }
    scaling(&o);
    floor();
}

/// `target/release/tracereplay-tui`, next to this example's directory, if built.
fn cli_binary() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let bin = exe.parent()?.parent()?.join("tracereplay-tui");
    bin.exists().then_some(bin)
}

fn cli_args(p: &ReplayParams, trace: &Path, out: &Path) -> Vec<String> {
    let mut a: Vec<String> = ["replay", &trace.display().to_string(), "--models"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    a.push(p.models.len().to_string());
    for (k, v) in [
        ("--distribution", p.distribution.to_string()),
        ("--start", p.start.clone()),
        ("--end", p.end.clone().unwrap_or_default()),
        ("--interval", p.interval_seconds.to_string()),
        ("--rate-scale", p.rate_scale.to_string()),
        ("--cv-scale", p.cv_scale.to_string()),
        ("--time-scale", p.time_scale.to_string()),
        ("--slo", "1.0".into()),
        ("-o", out.display().to_string()),
    ] {
        a.push(k.into());
        a.push(v);
    }
    a
}

/// Time of each replay and the arrivals it makes: the median of 7 fresh processes, each timing
/// its first replay, the rows' runs interleaved so that the host's slow spells fall on all of
/// them alike. (Timed again and again in one process, a replay's cost depends on what glibc
/// kept of the previous one's memory, which distorts a comparison of rates; fresh processes
/// see it as a command-line run does.)
fn replay_times(o: &Opts, rows: &[ReplayParams]) -> Vec<(f64, usize)> {
    let once = |p: &ReplayParams| -> (f64, usize) {
        let json = serde_json::to_string(p).unwrap();
        let out = Command::new(std::env::current_exe().unwrap())
            .args(["--v2", &o.v2.display().to_string(), "--replay-child", &json])
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        let (t, n) = text.trim().split_once(' ').unwrap();
        (t.parse().unwrap(), n.parse().unwrap())
    };
    let mut runs: Vec<Vec<(f64, usize)>> = vec![Vec::new(); rows.len()];
    for _ in 0..7 {
        for (p, r) in rows.iter().zip(&mut runs) {
            r.push(once(p));
        }
    }
    runs.into_iter()
        .map(|r| (median(r.iter().map(|x| x.0).collect()), r[0].1))
        .collect()
}

/// Prints `rows` (label, time and arrivals), each against the one before.
fn scaling_rows(rows: &[(String, (f64, usize))]) {
    let mut prev = None;
    for (label, r) in rows {
        scaling_row(label, *r, prev);
        prev = Some(*r);
    }
}

fn scaling_row(label: &str, (t, n): (f64, usize), prev: Option<(f64, usize)>) {
    let ratio = prev.map_or(String::new(), |(pt, pn)| {
        format!(
            "{:.2} (arrivals ×{:.2})",
            t / pt,
            n as f64 / pn.max(1) as f64
        )
    });
    println!(
        "| {label} | {n} | {} | {:.1} | {ratio} |",
        ms(t),
        t * 1e9 / n.max(1) as f64
    );
}

fn scaling(o: &Opts) {
    let base = params("models=48 gamma 13.0.0-13.23.60 interval=5400 rate=96").unwrap();
    println!(
        "\nScaling (x1's replay step, first replay of a fresh process, median of 7; linear: time grows like the arrivals made)\n"
    );
    println!("| change | arrivals | replay | ns per arrival | × previous |");
    println!("|---|---|---|---|---|");
    let windows = [
        ("window 6 h", "13.18.0"),
        ("window 12 h", "13.12.0"),
        ("window 24 h", "13.0.0"),
    ];
    let params: Vec<ReplayParams> = windows
        .iter()
        .map(|(_, start)| ReplayParams {
            start: (*start).into(),
            ..base.clone()
        })
        .collect();
    let times = replay_times(o, &params);
    scaling_rows(
        &windows
            .iter()
            .map(|w| w.0.to_string())
            .zip(times)
            .collect::<Vec<_>>(),
    );
    let rates = [24.0, 48.0, 96.0];
    let params: Vec<ReplayParams> = rates
        .iter()
        .map(|&rate| ReplayParams {
            rate_scale: rate,
            ..base.clone()
        })
        .collect();
    let times = replay_times(o, &params);
    scaling_rows(
        &rates
            .iter()
            .map(|r| format!("rate ×{r}"))
            .zip(times)
            .collect::<Vec<_>>(),
    );
    let whole = |interval: f64| ReplayParams {
        distribution: Distribution::Exponential,
        end: Some("13.23.60".into()),
        interval_seconds: interval,
        ..ReplayParams::default()
    };
    let times = replay_times(o, &[whole(3600.0), whole(60.0)]);
    scaling_rows(
        &[
            "14 days, 5 models, interval 3600",
            "14 days, 5 models, interval 60",
        ]
        .iter()
        .map(|l| l.to_string())
        .zip(times)
        .collect::<Vec<_>>(),
    );
}

/// The sampler's floor: nanoseconds per gamma gap drawn and accumulated, on one core.
fn floor() {
    use tracereplay_tui::replay::{Process, sample};
    let n = 8_400_000usize;
    let process = Process::Gamma {
        rate: 100.0,
        cv: 1.5,
    };
    let mut out = Vec::with_capacity(n + 1000);
    let mut rng = sample::interval_rng(0, 0, 0);
    let t = Instant::now();
    sample::sample_interval(
        &process,
        0.0,
        n as f64 / 100.0,
        &mut rng,
        &mut out,
        usize::MAX,
    );
    let e = t.elapsed().as_secs_f64();
    println!(
        "\nSampler floor: {} gamma gaps in {} = {:.1} ns per variate (one core)",
        out.len(),
        ms(e),
        e * 1e9 / out.len() as f64
    );
}
