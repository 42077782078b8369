//! Running two pieces of work on the machine's two cores.

/// The cores this process may use, asked once: the standard library reads the cgroup's CPU
/// quota files on every call (5 % of a one-day replay's time, called three times a replay).
pub(crate) fn threads() -> usize {
    static THREADS: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *THREADS.get_or_init(|| std::thread::available_parallelism().map_or(1, |t| t.get()))
}

/// `first` here and `second` on another core, both to completion; a panic in either is
/// passed on.
pub(crate) fn join<A, B: Send>(
    first: impl FnOnce() -> A,
    second: impl FnOnce() -> B + Send,
) -> (A, B) {
    std::thread::scope(|s| {
        let other = s.spawn(second);
        let a = first();
        let b = other
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (a, b)
    })
}

/// `scan` over the two halves of `items`, the second half on another core.
pub(crate) fn on_both_halves<I: Sync, T: Send>(
    items: &[I],
    scan: impl Fn(&[I]) -> T + Sync,
) -> (T, T) {
    let (a, b) = items.split_at(items.len() / 2);
    join(|| scan(a), || scan(b))
}
