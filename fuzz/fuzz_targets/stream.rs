//! Any bytes as a trace read from a stream, detection included: compressed (gzip, zstd, xz, and
//! one inside another), tar archives of 2019 day files, pickles checked as they come, Mooncake
//! JSONL and every CSV layout. Caps as small as a test's keep a bomb from taking the run's
//! memory: it must be refused, never abort.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tracereplay_tui::ingest::{self, LoadOptions};

fuzz_target!(|data: &[u8]| {
    let opts = LoadOptions {
        max_decoded: Some(16 << 20),
        max_requests: Some(200_000),
        ..LoadOptions::default()
    };
    if let Ok(t) = ingest::load_stream(data, "fuzz", &opts, &mut |_, _| {}) {
        assert!(t.invocations() <= 200_000 * 1440 * 366);
        let _ = t.check();
        if let Ok(p) = t.profile() {
            assert!(p.hourly.len() <= tracereplay_tui::trace::OVERVIEW_BINS);
        }
    }
});
