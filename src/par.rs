//! Running two pieces of work on the machine's two cores.

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
