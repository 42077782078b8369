//! The Python package (`python/`): its extension is built and its own tests run (AlpaServe
//! parity on tests/fixtures/oracle, the API beyond it) when python3 has numpy and pytest; CI
//! must have them, and also installs the package with pip into a fresh environment.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;

#[test]
fn the_python_package_passes_its_tests() {
    let ready = Command::new("python3")
        .args(["-c", "import numpy, pytest"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ready {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install numpy and pytest for python3"
        );
        eprintln!("python3 with numpy and pytest not found: skipping the Python package's tests");
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let python = root.join("python");
    // Its own workspace and target directory: building it does not wait for this one's lock.
    let built = Command::new(env!("CARGO"))
        .args(["build", "--quiet", "--profile", "quick", "--manifest-path"])
        .arg(python.join("Cargo.toml"))
        .status()
        .expect("cargo runs");
    assert!(built.success(), "the extension builds");
    let lib = python.join("target/quick/lib_native.so");
    assert!(lib.is_file(), "{} is built", lib.display());

    // The package as pip lays it out: the Python sources with the extension beside them.
    let site = tempfile::tempdir().unwrap();
    let package = site.path().join("tracereplay");
    std::fs::create_dir(&package).unwrap();
    for entry in std::fs::read_dir(python.join("pysrc/tracereplay")).unwrap() {
        let p = entry.unwrap().path();
        if p.extension().is_some_and(|e| e == "py" || e == "pyi") {
            std::fs::copy(&p, package.join(p.file_name().unwrap())).unwrap();
        }
    }
    std::fs::copy(&lib, package.join("_native.so")).unwrap();

    let out = Command::new("python3")
        .args(["-m", "pytest", "-q", "-p", "no:cacheprovider"])
        .arg(python.join("tests"))
        .env("PYTHONPATH", site.path())
        .env("TRACEREPLAY_BIN", env!("CARGO_BIN_EXE_tracereplay-tui"))
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .current_dir(site.path())
        .output()
        .expect("pytest runs");
    let text = String::from_utf8_lossy(&out.stdout);
    eprintln!("{text}{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "the Python package's tests pass");
    assert!(
        !text.contains("skipped"),
        "no Python test may skip here: {text}"
    );
}
