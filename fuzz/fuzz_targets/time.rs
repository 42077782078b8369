//! Time strings and windows: never a panic, and a parsed window is inside the trace.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tracereplay_tui::time::Window;

fuzz_target!(|data: &[u8]| {
    let Some((&days, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    let (start, end) = text.split_once('|').unwrap_or((&text, ""));
    let end = (!end.is_empty()).then_some(end);
    let days = u32::from(days % 30);
    if let Ok(w) = Window::parse(start, end, days) {
        assert!(w.start < w.end, "{w:?}");
        assert!(w.end <= u64::from(days) * 86_400, "{w:?}");
    }
});
