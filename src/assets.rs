//! Data compiled into the binary.

/// A synthetic azure_v2-style trace (3 days, 200 functions, 60,000 invocations; diurnal,
/// bursty and timer functions), made by `tools/gen_trace.py` (see `assets/README.md`).
/// Not real data.
pub const SAMPLE_TRACE: &[u8] = include_bytes!("../assets/sample_azure_v2.pkl");

/// The name the embedded sample is shown under.
pub const SAMPLE_NAME: &str = "sample_azure_v2.pkl (embedded synthetic sample)";
