//! Parsing a raw Azure Functions 2021 CSV vs loading the cache `convert` writes.
//!
//! Uses the CSV in `TRACEREPLAY_BENCH_CSV` (full scale: `python3 tools/gen_trace.py --kind v2
//! --out /tmp/azure_v2.pkl && python3 tools/gen_azure2021_csv.py /tmp/azure_v2.pkl
//! /tmp/azure2021.csv`, 305 MB), else the 199-row real sample in the test fixtures.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};
use tracereplay_tui::ingest::{self, LoadOptions};

fn bench(c: &mut Criterion) {
    let csv = std::env::var_os("TRACEREPLAY_BENCH_CSV").map_or_else(
        || {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/realdata/azure-functions-2021-head/Azure2021_200.csv")
        },
        PathBuf::from,
    );
    let opts = LoadOptions::default();
    let trace = ingest::load(&csv, &opts, &mut |_, _| {}).unwrap();
    let mut cache = Vec::new();
    ingest::native::encode(&trace, &mut cache).unwrap();
    let mut g = c.benchmark_group("azure2021");
    g.sample_size(10);
    g.bench_function("parse csv", |b| {
        b.iter(|| ingest::load(&csv, &opts, &mut |_, _| {}).unwrap())
    });
    g.bench_function("decode native cache", |b| {
        b.iter(|| ingest::native::decode(&cache, "cache").unwrap())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
