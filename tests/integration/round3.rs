//! Issue 26 ("nothing lost, nothing crashes, round 3"): each test names its item and fails
//! without its fix. Inputs are made here, in a temporary directory; the binary runs under an
//! address-space limit where the item is about memory.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::ffi::OsStr;
use std::io::Write;
use std::path::Path;

use crate::util::{bin, limited, limited_to};

fn args<'a>(a: &'a [&'a str]) -> Vec<&'a OsStr> {
    a.iter().map(OsStr::new).collect()
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A zstd file of `head` and then `row` repeated `times` times (level 1: quick to make, and
/// still a bomb: megabytes of rows in a few kilobytes).
fn zst_bomb(path: &Path, head: &str, row: &str, times: usize) {
    let file = std::fs::File::create(path).unwrap();
    let mut e = zstd::stream::write::Encoder::new(file, 1).unwrap();
    e.write_all(head.as_bytes()).unwrap();
    let block = row.repeat(4096);
    for _ in 0..times / 4096 {
        e.write_all(block.as_bytes()).unwrap();
    }
    e.finish().unwrap();
}

/// Item 1: a vanilla replay with a tiny `--interval` (which vanilla does not use) made an
/// interval boundary per millisecond of the window: 2 GB for the sample's 3 days. A span of
/// 10^14 s made the same. Both replay now, within 2 GB.
#[test]
fn item1_vanilla_ignores_the_interval_and_the_span() {
    let out = limited(&args(&[
        "stats",
        "sample",
        "--distribution",
        "vanilla",
        "--interval",
        "0.001",
        "--models",
        "1",
    ]));
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("60000"));
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("span.csv");
    std::fs::write(&csv, "t\n0\n1e14\n").unwrap();
    let csv = csv.display().to_string();
    let out = limited(&args(&[
        "stats",
        &csv,
        "--time-column",
        "t",
        "--distribution",
        "vanilla",
        "--models",
        "1",
    ]));
    assert!(out.status.success(), "{}", stderr(&out));
    // Fitted modes refuse the same span by its number of fits.
    let out = limited(&args(&[
        "stats",
        &csv,
        "--time-column",
        "t",
        "--models",
        "1",
    ]));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("--interval"), "{}", stderr(&out));
}

/// Item 2: a few kilobytes of zstd that decode to 40 million CSV rows aborted when their
/// vectors outgrew memory. Under a 600 MB address space the requests cap (from the memory
/// available) refuses them cleanly; `--max-decoded` caps the decoded bytes; `--max-requests`
/// sets the requests cap.
#[test]
fn item2_a_decompression_bomb_is_refused_by_its_caps() {
    let dir = tempfile::tempdir().unwrap();
    let zst = dir.path().join("bomb.csv.zst");
    zst_bomb(
        &zst,
        "app,func,end_timestamp,duration\n",
        "0,0,0,0\n",
        40 << 20,
    );
    assert!(std::fs::metadata(&zst).unwrap().len() < 200_000);
    let path = zst.display().to_string();
    let started = std::time::Instant::now();
    let out = limited_to(600_000_000, &args(&["inspect", &path]));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("--max-requests"), "{}", stderr(&out));
    assert!(started.elapsed().as_secs() < 60);
    let out = limited(&args(&["inspect", &path, "--max-decoded", "10M"]));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("decodes to more than 10 MiB"), "{err}");
    assert!(err.contains("--max-decoded"), "{err}");
    let out = limited(&args(&["inspect", &path, "--max-requests", "1000"]));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("more than 1000 requests"));
    let out = bin()
        .args(["inspect", &path, "--max-decoded", "lots"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("is not a size"), "{}", stderr(&out));
}

/// Item 2, Mooncake: lines of thousands of hash ids each, compressed, filled memory with ids.
/// They share the requests' budget.
#[test]
fn item2_mooncake_hash_ids_are_counted_against_memory() {
    let dir = tempfile::tempdir().unwrap();
    let zst = dir.path().join("ids.jsonl.zst");
    let ids: Vec<String> = (0..4000).map(|i| i.to_string()).collect();
    let row = format!(
        "{{\"timestamp\": 1, \"input_length\": 1, \"output_length\": 1, \"hash_ids\": [{}]}}\n",
        ids.join(",")
    );
    zst_bomb(&zst, "", &row, 8192);
    let path = zst.display().to_string();
    let out = bin()
        .args(["inspect", &path, "--max-requests", "100000"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("hash ids") && err.contains("--max-requests"),
        "{err}"
    );
    // The same file, allowed the memory, reads.
    let out = bin()
        .args(["inspect", &path, "--max-requests", "10000000"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
}

/// Item 9: Mooncake requests before 0 ms were dropped by every replay without a word.
#[test]
fn item9_mooncake_requests_before_zero_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("neg.jsonl");
    let mut text = String::new();
    for t in [-20, -10, 5, 50, 500] {
        text.push_str(&format!(
            "{{\"timestamp\": {t}, \"input_length\": 10, \"output_length\": 5, \"hash_ids\": [1]}}\n"
        ));
    }
    std::fs::write(&path, text).unwrap();
    let out = bin().arg("inspect").arg(&path).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("2 request(s) start before 0 s"),
        "{}",
        stderr(&out)
    );
}

/// Item 3: a compressed or piped pickle was read whole before its third byte was checked (a
/// 13 KB zst of 400 MB held it all); it is now checked as it comes.
#[test]
fn item3_a_streamed_pickle_is_checked_as_it_comes() {
    let dir = tempfile::tempdir().unwrap();
    let zst = dir.path().join("zeros.pkl.zst");
    let mut bytes = vec![0x80, 0x04];
    bytes.resize(400 << 20, 0);
    std::fs::write(&zst, zstd::stream::encode_all(&bytes[..], 1).unwrap()).unwrap();
    drop(bytes);
    let started = std::time::Instant::now();
    let out = limited(&args(&["inspect", &zst.display().to_string()]));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("byte 2"), "{}", stderr(&out));
    assert!(started.elapsed().as_secs() < 10, "{:?}", started.elapsed());
    // Endless zeros after a pickle's first two bytes, on standard input.
    let mut child = bin()
        .args(["inspect", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let feeder = std::thread::spawn(move || {
        let zeros = vec![0u8; 1 << 20];
        if stdin.write_all(&[0x80, 0x04]).is_err() {
            return 0;
        }
        // Stops when the reader has gone (a broken pipe), or after 8 GB.
        (0..8192)
            .take_while(|_| stdin.write_all(&zeros).is_ok())
            .count()
    });
    let out = child.wait_with_output().unwrap();
    let fed = feeder.join().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("byte 2"), "{}", stderr(&out));
    assert!(fed < 64, "{fed} MiB were read before the refusal");
}

/// A tar of 2019 day files, each `(name, csv)`, compressed with xz.
fn tar_xz(path: &Path, files: &[(&str, String)]) {
    let mut tar = tar::Builder::new(Vec::new());
    for (name, text) in files {
        let mut h = tar::Header::new_gnu();
        h.set_size(text.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        tar.append_data(&mut h, name, text.as_bytes()).unwrap();
    }
    let data = tar.into_inner().unwrap();
    let mut e = xz2::write::XzEncoder::new(std::fs::File::create(path).unwrap(), 6);
    e.write_all(&data).unwrap();
    e.finish().unwrap();
}

/// A 2019 day file of `n` functions, with one minute column.
fn day_rows(n: usize) -> String {
    let mut text = String::from("HashOwner,HashApp,HashFunction,Trigger,1\n");
    for i in 0..n {
        text.push_str(&format!("o{i},a,f{i},http,1\n"));
    }
    text
}

/// Item 4: an archive of a few kilobytes holding only day d366 gave each of its 20,000
/// functions a 366-day array (42 GB). The counts are sized before they are made.
#[test]
fn item4_a_late_lone_day_is_refused_before_its_arrays_are_made() {
    let dir = tempfile::tempdir().unwrap();
    let xz = dir.path().join("sparse.tar.xz");
    tar_xz(
        &xz,
        &[(
            "invocations_per_function_md.anon.d366.csv",
            day_rows(20_000),
        )],
    );
    assert!(std::fs::metadata(&xz).unwrap().len() < 100_000);
    let out = limited(&args(&["inspect", &xz.display().to_string()]));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("20000 functions over 366 days"), "{err}");
    assert!(err.contains("give only the day files you need"), "{err}");
    // The same day as d01 reads.
    let ok = dir.path().join("d01.tar.xz");
    tar_xz(
        &ok,
        &[("invocations_per_function_md.anon.d01.csv", day_rows(20_000))],
    );
    let out = limited(&args(&["inspect", &ok.display().to_string()]));
    assert!(out.status.success(), "{}", stderr(&out));
}

/// Item 5: renaming 40,000 functions of one name searched from `#2` for each (quadratic:
/// 97 s). Now linear; the names are as before.
#[test]
fn item5_colliding_names_are_renamed_in_linear_time() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("same.csv");
    let mut text = String::from("HashOwner,HashApp,HashFunction,Trigger,1\n");
    for i in 0..40_000 {
        text.push_str(&format!("o{i},a,same,http,1\n"));
    }
    // A name that a rename would take is already there: it is skipped.
    text.push_str("x,a,same#3,http,1\n");
    std::fs::write(&csv, text).unwrap();
    let started = std::time::Instant::now();
    let out = limited(&args(&[
        "inspect",
        &csv.display().to_string(),
        "--json",
        "--top",
        "0",
    ]));
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(started.elapsed().as_secs() < 30, "{:?}", started.elapsed());
    let trace = tracereplay_tui::ingest::load(
        &csv,
        &tracereplay_tui::ingest::LoadOptions::default(),
        &mut |_, _| {},
    )
    .unwrap();
    let names: Vec<&str> = trace.functions.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names.len(), 40_001);
    assert_eq!(&names[..4], ["same", "same#2", "same#4", "same#5"]);
    assert_eq!(names[40_000], "same#3");
    let distinct: std::collections::HashSet<&&str> = names.iter().collect();
    assert_eq!(distinct.len(), names.len());
}

/// Item 8: two files for one 2019 day were merged, the one read last winning row by row (the
/// result changed from run to run). Refused, naming both, in a directory and in an archive.
#[test]
fn item8_two_files_for_one_day_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let days = dir.path().join("days");
    std::fs::create_dir(&days).unwrap();
    std::fs::write(
        days.join("invocations_per_function_md.anon.d01.csv"),
        day_rows(3),
    )
    .unwrap();
    std::fs::write(
        days.join("invocations_per_function_other_d01.csv"),
        day_rows(5),
    )
    .unwrap();
    let xz = dir.path().join("two.tar.xz");
    tar_xz(
        &xz,
        &[
            ("invocations_per_function_md.anon.d01.csv", day_rows(3)),
            ("invocations_per_function_other_d01.csv", day_rows(5)),
        ],
    );
    for path in [days, xz] {
        let out = bin().arg("inspect").arg(&path).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        let err = stderr(&out);
        assert!(err.contains("two files are for day d01"), "{err}");
        assert!(
            err.contains("invocations_per_function_other_d01.csv"),
            "{err}"
        );
    }
}

/// Item 7: a params file whose command held `--force` overwrote a file the user had not
/// allowed; options beside `--params` were ignored without a word; a trace from standard input
/// was recorded as `-` and re-read from whatever standard input then was.
#[test]
fn item7_a_params_file_grants_nothing_and_ignores_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("w.jsonl");
    let mooncake = crate::util::real("mooncake/synthetic_trace.jsonl");
    crate::util::succeeded(
        bin()
            .args(["replay", "--models", "1", "--distribution", "vanilla", "-o"])
            .arg(&out)
            .arg(&mooncake)
            .output()
            .unwrap(),
    );
    let params = dir.path().join("w.jsonl.params.json");
    let mut doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&params).unwrap()).unwrap();
    let victim = dir.path().join("victim");
    for extra in [
        &["--force"][..],
        &["-o", "/tmp/elsewhere"][..],
        &["--output=x"][..],
    ] {
        std::fs::write(&victim, "keep me").unwrap();
        let mut evil = doc.clone();
        for e in extra {
            evil["command"]
                .as_array_mut()
                .unwrap()
                .push(serde_json::Value::from(*e));
        }
        let evil_path = dir.path().join("evil.params.json");
        std::fs::write(&evil_path, evil.to_string()).unwrap();
        let run = bin()
            .arg("replay")
            .arg("--params")
            .arg(&evil_path)
            .arg("-o")
            .arg(&victim)
            .output()
            .unwrap();
        assert_eq!(run.status.code(), Some(1), "{extra:?}: {}", stderr(&run));
        assert!(stderr(&run).contains("may not decide"), "{}", stderr(&run));
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep me");
    }
    // Beside --params: refused, naming what would have been ignored.
    let again = dir.path().join("again.jsonl");
    for (extra, named) in [
        (&["--seed", "5"][..], "replay options"),
        (&["--end", "0.0.5"][..], "replay options"),
        (&["--slo", "2"][..], "--slo"),
        (&["--block-size", "16"][..], "--block-size"),
    ] {
        let run = bin()
            .arg("replay")
            .arg("--params")
            .arg(&params)
            .arg("-o")
            .arg(&again)
            .args(extra)
            .output()
            .unwrap();
        assert_eq!(run.status.code(), Some(1), "{extra:?}: {}", stderr(&run));
        assert!(stderr(&run).contains(named), "{}", stderr(&run));
        assert!(!again.exists());
    }
    // Alone, it makes the same file again.
    crate::util::succeeded(
        bin()
            .arg("replay")
            .arg("--params")
            .arg(&params)
            .arg("-o")
            .arg(&again)
            .output()
            .unwrap(),
    );
    assert_eq!(std::fs::read(&again).unwrap(), std::fs::read(&out).unwrap());
    // A trace from standard input is said to be one, and not re-read from it.
    doc["command"][1] = serde_json::Value::from("-");
    let stdin_params = dir.path().join("stdin.params.json");
    std::fs::write(&stdin_params, doc.to_string()).unwrap();
    let run = bin()
        .arg("replay")
        .arg("--params")
        .arg(&stdin_params)
        .arg("-o")
        .arg(dir.path().join("x.jsonl"))
        .stdin(std::fs::File::open(&mooncake).unwrap())
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(1), "{}", stderr(&run));
    assert!(stderr(&run).contains("standard input"), "{}", stderr(&run));
}

/// Item 12: a BurstGPT CSV whose model name put `ustar` at byte 257 was read as a tar archive,
/// even with `--input-format burstgpt`. A tar needs its header's checksum, and a given format
/// is never overridden.
#[test]
fn item12_five_bytes_of_text_do_not_make_a_tar() {
    let mut text =
        String::from("Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type\n");
    let mut i = 0;
    loop {
        let row = format!("{i},ChatGPT,10,20,30,Conversation log\n");
        if text.len() + row.len() > 240 {
            break;
        }
        text.push_str(&row);
        i += 1;
    }
    let prefix = format!("{i},");
    let model = format!("{}mustard", "x".repeat(256 - text.len() - prefix.len()));
    text.push_str(&format!("{prefix}{model},1,2,3,Conversation log\n"));
    assert_eq!(&text.as_bytes()[257..262], b"ustar");
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("mustard.csv");
    std::fs::write(&csv, &text).unwrap();
    for extra in [&[][..], &["--input-format", "burstgpt"][..]] {
        let out = bin().arg("inspect").arg(&csv).args(extra).output().unwrap();
        assert!(out.status.success(), "{extra:?}: {}", stderr(&out));
        let shown = String::from_utf8_lossy(&out.stdout);
        assert!(
            shown.contains(&format!("invocations  {}", i + 1)),
            "{shown}"
        );
    }
    // A real tar still reads as one.
    let tar = dir.path().join("d.tar.xz");
    tar_xz(
        &tar,
        &[("invocations_per_function_md.anon.d01.csv", day_rows(3))],
    );
    let out = bin().arg("inspect").arg(&tar).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
}

/// Item 13: a timestamp of 1e300 wrapped the day count to 0 ("no invocations at or after
/// time 0"); it now says the times are too large to be seconds.
#[test]
fn item13_an_absurd_timestamp_is_named_as_such() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("big.csv");
    std::fs::write(&csv, "t\n1\n1e300\n").unwrap();
    let out = bin()
        .arg("inspect")
        .arg(&csv)
        .args(["--time-column", "t"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("1.000e300 s") && err.contains("--time-unit"),
        "{err}"
    );
}

/// Item 10: `convert` to the native cache dropped Mooncake's hash ids, so a replay of the
/// cache wrote fresh ids (`[0]`, `[1]`) and the prefix sharing was lost. The cache keeps them
/// (and images), for every model of a multi-model file: its exports equal the source's.
#[test]
fn item10_the_cache_keeps_hash_ids() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("two.jsonl");
    let mut text = String::new();
    for (t, model, ids) in [
        (0, "a", "[7, 8, 9]"),
        (5, "b", "[7, 8, 10]"),
        (9, "a", "[7, 8, 9, 12]"),
        (50, "b", "[11]"),
    ] {
        text.push_str(&format!(
            "{{\"timestamp\": {t}, \"input_length\": 10, \"output_length\": 5, \"hash_ids\": {ids}, \"extra\": {{\"model\": \"{model}\"}}}}\n"
        ));
    }
    std::fs::write(&src, text).unwrap();
    let cache = dir.path().join("two.trt");
    crate::util::succeeded(
        bin()
            .arg("convert")
            .arg(&src)
            .arg("-o")
            .arg(&cache)
            .output()
            .unwrap(),
    );
    let export = |input: &Path, out: &str| {
        let out = dir.path().join(out);
        crate::util::succeeded(
            bin()
                .arg("replay")
                .arg(input)
                .args(["--models", "2", "--distribution", "vanilla", "-o"])
                .arg(&out)
                .output()
                .unwrap(),
        );
        std::fs::read_to_string(out).unwrap()
    };
    let from_source = export(&src, "a.jsonl");
    let from_cache = export(&cache, "b.jsonl");
    assert!(from_source.contains("[7, 8, 9, 12]"), "{from_source}");
    assert_eq!(from_cache, from_source);
}

/// Item 14, small ones: a JSONL file that starts with a blank line; `pzstd` output (a skippable
/// frame first) and a `.gz` padded with zeros, which `zstd -d` and `gzip -d` accept; `--spread
/// fitted` on requests that all share one time (left whole); BurstGPT keys that joined alike;
/// escape sequences in the `-o` path printed raw.
#[test]
fn item14_small_ones() {
    let dir = tempfile::tempdir().unwrap();
    let inspect = |path: &Path, extra: &[&str]| {
        let out = bin().arg("inspect").arg(path).args(extra).output().unwrap();
        assert!(out.status.success(), "{}: {}", path.display(), stderr(&out));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    // A blank line first.
    let jsonl = dir.path().join("blank.jsonl");
    std::fs::write(
        &jsonl,
        "\n{\"timestamp\": 0, \"input_length\": 3, \"output_length\": 4}\n\
         {\"timestamp\": 10, \"input_length\": 3, \"output_length\": 4}\n",
    )
    .unwrap();
    assert!(inspect(&jsonl, &[]).contains("invocations  2"));
    // pzstd's layout and gzip's padding.
    let csv = b"t\n1\n2\n3\n";
    let pz = dir.path().join("p.csv.zst");
    let mut bytes = vec![0x50, 0x2a, 0x4d, 0x18, 4, 0, 0, 0, 0, 0, 0, 0];
    bytes.extend(zstd::stream::encode_all(&csv[..], 3).unwrap());
    std::fs::write(&pz, bytes).unwrap();
    assert!(inspect(&pz, &["--time-column", "t"]).contains("invocations  3"));
    let gz = dir.path().join("p.csv.gz");
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(csv).unwrap();
    let mut bytes = e.finish().unwrap();
    bytes.extend([0u8; 1000]);
    std::fs::write(&gz, bytes).unwrap();
    assert!(inspect(&gz, &["--time-column", "t"]).contains("invocations  3"));
    // Six requests at one time: every spread makes six distinct times.
    let same = dir.path().join("same.csv");
    std::fs::write(&same, "t\n5\n5\n5\n5\n5\n5\n").unwrap();
    for spread in ["uniform", "fitted"] {
        let out = bin()
            .arg("replay")
            .arg(&same)
            .args([
                "--time-column",
                "t",
                "--models",
                "1",
                "--distribution",
                "vanilla",
            ])
            .args(["--spread", spread, "--format", "csv", "-o", "-"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        let text = String::from_utf8_lossy(&out.stdout);
        let times: std::collections::BTreeSet<&str> = text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.starts_with("index"))
            .map(|l| l.split(',').nth(1).unwrap())
            .collect();
        assert_eq!(times.len(), 6, "{spread}: {text}");
    }
    // BurstGPT: ("a/b", "c") and ("a", "b/c") are two functions.
    let burst = dir.path().join("b.csv");
    std::fs::write(
        &burst,
        "Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type\n\
         1,a/b,1,1,2,c\n2,a,1,1,2,b/c\n",
    )
    .unwrap();
    let shown = inspect(&burst, &["--key-column", "Model,Log Type"]);
    assert!(shown.contains("functions    2"), "{shown}");
    // An escape sequence in the output's name is shown escaped.
    let evil = dir.path().join("x\u{1b}]0;pwned\u{7}.csv");
    let out = bin()
        .args(["replay", "sample", "--end", "0.0.10", "-o"])
        .arg(&evil)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        !out.stdout.contains(&0x1b),
        "{:?}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("\\u{1b}"));
}

/// Item 14: the memory check of a replay read only `MemAvailable`, so under `ulimit -v` a
/// replay that fit the machine but not the limit aborted; it now counts the limit's room.
#[test]
fn item14_the_memory_check_counts_an_address_space_limit() {
    let out = limited(&args(&["stats", "sample", "--rate-scale", "2000"]));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("of memory is available"),
        "{}",
        stderr(&out)
    );
}
