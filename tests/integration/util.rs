//! Helpers the test modules share.

use std::path::{Path, PathBuf};

/// A path in the repository.
pub fn repo(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(p)
}

/// A fixture under `tests/fixtures`, as an argument.
pub fn fixture(p: &str) -> String {
    repo("tests/fixtures").join(p).display().to_string()
}

/// A real trace sample under `tests/fixtures/realdata`.
pub fn real(p: &str) -> PathBuf {
    repo("tests/fixtures/realdata").join(p)
}

/// The binary, to run as a user would.
pub fn bin() -> std::process::Command {
    use assert_cmd::cargo::CommandCargoExt;
    std::process::Command::cargo_bin("tracereplay-tui").expect("the binary is built for tests")
}

/// `sparse.csv` in `dir` (columns `t,fn`): f0..f3 have one invocation each, in different
/// 600 s intervals, f4 three in one interval, so fitted replays lose f0..f3's.
pub fn sparse_csv(dir: &Path) -> PathBuf {
    let csv = dir.join("sparse.csv");
    let mut text = String::from("t,fn\n");
    for i in 0..4 {
        text.push_str(&format!("{},f{i}\n", 100 + 1000 * i));
    }
    text.push_str("10,f4\n20,f4\n30,f4\n");
    std::fs::write(&csv, text).expect("the temporary directory is writable");
    csv
}

/// `out`, after asserting that its command succeeded (its stderr as the message).
pub fn succeeded(out: std::process::Output) -> std::process::Output {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Runs the binary with its address space limited to 2 GB where `prlimit` exists, so that an
/// allocation proportional to a timestamp's value fails the test instead of the machine.
pub fn limited(args: &[&std::ffi::OsStr]) -> std::process::Output {
    limited_to(2_000_000_000, args)
}

/// [`limited`] with an address-space limit of `bytes`.
pub fn limited_to(bytes: u64, args: &[&std::ffi::OsStr]) -> std::process::Output {
    let bin = assert_cmd::cargo::cargo_bin("tracereplay-tui");
    let has_prlimit = std::process::Command::new("prlimit")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    let mut cmd = if has_prlimit {
        let mut c = std::process::Command::new("prlimit");
        c.arg(format!("--as={bytes}")).arg(bin);
        c
    } else {
        eprintln!("prlimit not found: running without a memory limit");
        std::process::Command::new(bin)
    };
    cmd.args(args).output().expect("the binary runs")
}
