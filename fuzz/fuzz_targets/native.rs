//! Any bytes as our cache file: an error or a valid trace, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(t) = tracereplay_tui::ingest::native::decode(data, "fuzz.trace") {
        let _ = t.check();
    }
});
