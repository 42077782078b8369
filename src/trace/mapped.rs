//! Memory-mapping a trace file, and reporting the bus error a truncated mapping raises (and, in
//! the explorer, an abort) with the terminal put back: the one place this crate uses `unsafe`.
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
    // others with large-folio support, Linux 6.x), which later mappings map 2 MiB per fault, so
    // a large trace is faulted in and unmapped in far fewer steps (docs/performance.md). Pages
    // already cached in 4 KiB pages stay so until evicted. A kernel without transparent huge
    // pages refuses the advice, which changes nothing, so the error is dropped.
    #[cfg(target_os = "linux")]
    let _ = map.advise(memmap2::Advice::HugePage);
    Ok(map)
}

/// Makes a bus error — what reading a mapped file that was truncated under us raises — end
/// the process with a message saying so, instead of "Bus error (core dumped)"; with `terminal`
/// (the explorer, before it enters raw mode), it first puts the terminal back as it is now:
/// settings, main screen, cursor. The handler only calls async-signal-safe functions.
#[cfg(unix)]
pub fn report_bus_errors(terminal: bool) {
    use std::sync::Once;
    static INSTALL: Once = Once::new();
    if terminal {
        // SAFETY: `tcgetattr` fills a zeroed `termios` (plain data) for fd 0, checked a tty.
        unsafe {
            if libc::isatty(0) == 1 {
                let mut t: libc::termios = std::mem::zeroed();
                if libc::tcgetattr(0, &mut t) == 0 {
                    let _ = TERMIOS.set(t);
                }
            }
        }
    }
    INSTALL.call_once(|| install(libc::SIGBUS, on_bus_error));
    if terminal {
        // An abort (an allocation that failed, a panic while panicking) would leave the
        // terminal raw on the alternate screen: the handler puts it back, then says so.
        static ABORT: Once = Once::new();
        ABORT.call_once(|| install(libc::SIGABRT, on_abort));
    }
}

/// Installs `handler` for `signal`.
#[cfg(unix)]
fn install(signal: libc::c_int, handler: extern "C" fn(libc::c_int)) {
    // SAFETY: installs a handler (an `extern "C" fn` that never returns) with an empty mask;
    // `sigaction` reads the zero-initialised struct we filled.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = handler as *const () as libc::sighandler_t;
        libc::sigemptyset(&mut action.sa_mask);
        libc::sigaction(signal, &action, std::ptr::null_mut());
    }
}

#[cfg(not(unix))]
pub fn report_bus_errors(_terminal: bool) {}

/// The terminal's settings before the explorer changed them.
#[cfg(unix)]
static TERMIOS: std::sync::OnceLock<libc::termios> = std::sync::OnceLock::new();

#[cfg(unix)]
extern "C" fn on_bus_error(_: libc::c_int) {
    const MESSAGE: &[u8] = b"error: bus error reading a memory-mapped trace file: it was probably \
truncated or rewritten while open. Reopen it, or set TRACEREPLAY_NO_MMAP=1 to read trace \
files into memory instead.\n";
    restore_and_exit(MESSAGE, 1);
}

#[cfg(unix)]
extern "C" fn on_abort(_: libc::c_int) {
    const MESSAGE: &[u8] = b"error: the explorer aborted (the line above, if any, says why: most \
often memory ran out); the terminal was put back. Please report it with the trace and keys that \
led to it.\n";
    restore_and_exit(MESSAGE, 134);
}

/// From a signal handler: puts the terminal back as it was before the explorer (when it was
/// recorded), writes `message` and exits with `code`.
#[cfg(unix)]
fn restore_and_exit(message: &[u8], code: libc::c_int) -> ! {
    const SCREEN: &[u8] = b"\x1b[?2004l\x1b[?1049l\x1b[?25h\r\n";
    // Both cores may fault: the first thread here reports and exits, any other waits for that
    // (the default action, re-armed, would kill the process first).
    static FIRST: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(true);
    if !FIRST.swap(false, std::sync::atomic::Ordering::SeqCst) {
        loop {
            // SAFETY: `pause` is async-signal-safe and only waits.
            unsafe { libc::pause() };
        }
    }
    // SAFETY: `dup`, `open`, `dup2`, `nanosleep`, `write`, `tcsetattr` and `_exit` are
    // async-signal-safe; the buffers are static and `TERMIOS`, once set, is only read.
    unsafe {
        if let Some(t) = TERMIOS.get() {
            // The event loop may be drawing meanwhile (a replay starts as a key is drawn): its
            // stdout goes to /dev/null first, a frame already being written gets time to end,
            // and the restore goes out last, on a copy of the terminal's descriptor.
            let tty = libc::dup(1);
            let null = libc::open(c"/dev/null".as_ptr(), libc::O_WRONLY);
            if tty >= 0 && null >= 0 {
                libc::dup2(null, 1);
                let settle = libc::timespec {
                    tv_sec: 0,
                    tv_nsec: 20_000_000,
                };
                libc::nanosleep(&settle, std::ptr::null_mut());
            }
            let out = if tty >= 0 && null >= 0 { tty } else { 1 };
            libc::write(out, SCREEN.as_ptr().cast(), SCREEN.len());
            libc::tcsetattr(0, libc::TCSANOW, t);
        }
        libc::write(2, message.as_ptr().cast(), message.len());
        libc::_exit(code);
    }
}

/// `file` memory-mapped when it is large (1 MiB or more) and `allow`ed; `None` when it should
/// be read instead.
pub(crate) fn map_large(
    file: &std::fs::File,
    allow: bool,
) -> std::io::Result<Option<super::Backing>> {
    if !allow || file.metadata()?.len() < (1 << 20) {
        return Ok(None);
    }
    Ok(Some(std::sync::Arc::new(map(file)?)))
}
