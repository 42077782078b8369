//! The README's Python loader snippet, run against a real export when python3 has msgpack and
//! numpy (CI installs them).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

use tracereplay_tui::replay::{ReplayParams, replay};
use tracereplay_tui::trace::Trace;
use tracereplay_tui::workload::{Format, Workload};

fn readme_snippet() -> String {
    let readme = include_str!("../README.md");
    let start = readme
        .find("<!-- python-snippet -->")
        .expect("snippet marker");
    let block = &readme[start..];
    let code = block.split("```python\n").nth(1).expect("python block");
    code.split("```").next().unwrap().to_string()
}

fn python_ready() -> bool {
    Command::new("python3")
        .args(["-c", "import msgpack, numpy"])
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn readme_python_snippet_loads_the_export() {
    if !python_ready() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install msgpack and numpy for python3"
        );
        eprintln!("python3 with msgpack and numpy not found: skipping the snippet check");
        return;
    }
    let trace = Trace::from_pickle(tracereplay_tui::assets::SAMPLE_TRACE, "sample", None).unwrap();
    let r = replay(
        &trace,
        &ReplayParams {
            end: Some("0.12.0".into()),
            ..ReplayParams::default()
        },
    )
    .unwrap();
    let w = Workload::from_replay(&r, 0.25, None).unwrap();
    let dir = tempfile::tempdir().unwrap();
    w.write(&dir.path().join("workload.msgpack"), Format::Msgpack, false)
        .unwrap();
    let script = format!(
        "{}\nimport json\nprint(json.dumps({{'counts': {{k: len(v) for k, v in per_model.items()}}, \
         'first': float(arrival[0]), 'slo': float(slo[0]), 'seed': w['params']['seed'], \
         'sorted': bool(np.all(np.diff(arrival) >= 0))}}))",
        readme_snippet()
    );
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for m in &r.models {
        assert_eq!(
            v["counts"][&m.model].as_u64().unwrap() as usize,
            m.arrivals.len()
        );
    }
    assert_eq!(
        v["first"].as_f64().unwrap().to_bits(),
        w.arrival[0].to_bits()
    );
    assert_eq!(v["slo"], 0.25);
    assert_eq!(v["seed"], 0);
    assert_eq!(v["sorted"], true);
}
