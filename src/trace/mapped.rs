//! Memory-mapping a trace file: the one place this crate uses `unsafe`.
#![allow(unsafe_code)]

use std::fs::File;

/// Maps `file` read-only. Pages are read on first touch, so a replay of one day of a 14-day
/// trace reads about one fourteenth of it.
///
/// Safety of the mapping rests on the file not being truncated or rewritten while mapped (the
/// usual caveat of every mmap-based reader; a truncation would raise SIGBUS rather than give
/// wrong data). Trace files are inputs nobody edits in place; to be safe against that anyway,
/// set `TRACEREPLAY_NO_MMAP=1` and the file is read into memory instead.
pub fn map(file: &File) -> std::io::Result<memmap2::Mmap> {
    // SAFETY: read-only mapping of a regular file we opened; see above for the truncation caveat.
    unsafe { memmap2::MmapOptions::new().map(file) }
}

/// `false` when the user asked not to map files.
pub fn allowed() -> bool {
    std::env::var_os("TRACEREPLAY_NO_MMAP").is_none_or(|v| v.is_empty() || v == "0")
}
