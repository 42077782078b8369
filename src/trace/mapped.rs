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
    let map = unsafe { memmap2::MmapOptions::new().map(file)? };
    // Pages the kernel reads in for this mapping are then cached as 2 MiB folios (ext4 and
    // others with large-folio support, Linux 6.x), which later mappings map 2 MiB per fault: an
    // 808 MB v1 trace is faulted in 3 ms instead of 40-90 ms and unmapped at exit in 0.1 ms
    // instead of 17. Pages already cached in 4 KiB pages stay so until evicted. A kernel without
    // transparent huge pages refuses the advice, which changes nothing, so the error is dropped.
    #[cfg(target_os = "linux")]
    let _ = map.advise(memmap2::Advice::HugePage);
    Ok(map)
}

/// `false` when the user asked not to map files.
pub fn allowed() -> bool {
    std::env::var_os("TRACEREPLAY_NO_MMAP").is_none_or(|v| v.is_empty() || v == "0")
}
