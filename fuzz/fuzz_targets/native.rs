//! Any bytes as our cache file: an error or a valid trace, never a panic; read in place (as a
//! large mapped file is) it must give the same trace, or fail too.
#![no_main]

use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use tracereplay_tui::ingest::native;

fuzz_target!(|data: &[u8]| {
    let copied = native::decode(data, "fuzz.trace");
    let in_place = native::decode_backing(Arc::new(data.to_vec()), "fuzz.trace");
    match (&copied, &in_place) {
        (Ok(a), Ok(b)) => {
            assert_eq!(a, b, "copied and in-place decodes differ");
            assert_eq!(a.check().ok(), b.check().ok());
        }
        (Err(_), Err(_)) => {}
        _ => panic!("one decode failed and the other did not"),
    }
});
