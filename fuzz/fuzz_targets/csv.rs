//! Any bytes as each CSV layout (the first byte picks it and its options).
#![no_main]

use libfuzzer_sys::fuzz_target;
use tracereplay_tui::ingest::{self, InputFormat, LoadOptions, TimeUnit};

fuzz_target!(|data: &[u8]| {
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let format = match pick % 4 {
        0 => InputFormat::Azure2021,
        1 => InputFormat::Azure2019,
        2 => InputFormat::AzureLlm,
        _ => InputFormat::Timestamps,
    };
    let opts = LoadOptions {
        format: Some(format),
        time_column: Some(if pick & 4 == 0 { "0" } else { "t" }.into()),
        key_column: (pick & 8 != 0).then(|| "1".into()),
        time_unit: match (pick >> 4) % 5 {
            0 => TimeUnit::S,
            1 => TimeUnit::Ms,
            2 => TimeUnit::Us,
            3 => TimeUnit::Ns,
            _ => TimeUnit::Iso,
        },
        skip_bad_rows: pick & 0x80 != 0,
        ..LoadOptions::default()
    };
    if let Ok(t) = ingest::from_bytes(body, "fuzz.csv", format, &opts) {
        let _ = t.check();
        let _ = t.summary(3);
        // The hourly overview is bounded whatever the timestamps' span.
        if let Ok(p) = t.profile() {
            assert!(p.hourly.len() <= tracereplay_tui::trace::OVERVIEW_BINS);
            assert!(p.hourly.iter().sum::<u64>() <= p.per_function.iter().sum());
        }
    }
    let _ = ingest::detect(body, &LoadOptions::default());
});
