//! Times writing a workload as Mooncake JSONL from its columns in memory, the side of
//! `tools/mooncake_baseline.py` that this tool does (see docs/performance.md's
//! section). Usage: `cargo run --release --example export_bench -- W.msgpack OUT.jsonl [RUNS]`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::BufWriter;
use std::time::Instant;

use tracereplay_tui::workload::{Format, Workload};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (input, output) = (&args[0], &args[1]);
    let runs: usize = args.get(2).map_or(5, |r| r.parse().unwrap());
    let w = Workload::read(std::path::Path::new(input)).unwrap();
    let mut times = Vec::new();
    let mut bytes = 0;
    for _ in 0..runs {
        let start = Instant::now();
        let file = std::fs::File::create(output).unwrap();
        let mut out = BufWriter::with_capacity(1 << 16, file);
        w.encode(Format::Mooncake { block_size: 512 }, &mut out)
            .unwrap();
        let file = out.into_inner().unwrap();
        file.sync_all().unwrap();
        times.push(start.elapsed().as_secs_f64());
        bytes = std::fs::metadata(output).unwrap().len();
    }
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    println!(
        "rust: {} requests, {:.1} MB of Mooncake JSONL in {:.3} s (median of {runs}; {:.0} MB/s)",
        w.len(),
        bytes as f64 / 1e6,
        median,
        bytes as f64 / 1e6 / median
    );
}
