//! Any bytes as a trace pickle: decoded in memory and in place; what loads must replay.
#![no_main]

use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use tracereplay_tui::replay::{ReplayParams, replay};
use tracereplay_tui::trace::{Backing, Trace};

fuzz_target!(|data: &[u8]| {
    let copied = Trace::from_pickle(data, "fuzz.pkl", None);
    let backing: Backing = Arc::new(data.to_vec());
    let mapped = Trace::from_backing(backing, "fuzz.pkl", None);
    // In place, counts are checked lazily: a copied load fails exactly when the in-place load
    // or its check does.
    let checked = mapped.as_ref().is_ok_and(|t| t.check().is_ok());
    assert_eq!(copied.is_ok(), checked, "in-place and copied loads disagree");
    if let Ok(t) = mapped {
        if checked {
            assert_eq!(Some(&t.functions), copied.as_ref().ok().map(|c| &c.functions));
            // The hourly overview is bounded, however far the timestamps reach.
            if let Ok(p) = t.profile() {
                assert!(p.hourly.len() <= tracereplay_tui::trace::OVERVIEW_BINS);
            }
            let p = ReplayParams {
                models: vec!["m".into()],
                end: Some("0.1.0".into()),
                max_arrivals: 100_000,
                ..ReplayParams::default()
            };
            if let Ok(r) = replay(&t, &p) {
                for m in &r.models {
                    assert!(m.arrivals.windows(2).all(|w| w[0] <= w[1]));
                }
            }
        }
    }
});
