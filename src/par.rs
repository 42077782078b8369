//! Running work on the machine's cores: two halves, or a map over indices.

/// The cores this process may use, asked once: the standard library reads the cgroup's CPU
/// quota files on every call, a visible share of a short replay.
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

/// As [`on_both_halves`], cut where the items' `weight` is halved rather than their number:
/// one function of a v2 trace can hold half its timestamps.
pub(crate) fn on_both_weighed_halves<I: Sync, T: Send>(
    items: &[I],
    weight: impl Fn(&I) -> usize,
    scan: impl Fn(&[I]) -> T + Sync,
) -> (T, T) {
    let (a, b) = items.split_at(weighed_middle(items.iter().map(weight)));
    join(|| scan(a), || scan(b))
}

/// Where to cut items of these weights in two so that the heavier part weighs least.
pub(crate) fn weighed_middle(weights: impl IntoIterator<Item = usize>) -> usize {
    let weights: Vec<usize> = weights.into_iter().collect();
    let total: usize = weights.iter().sum();
    let (mut before, mut best) = (0, (total, 0));
    for (i, w) in weights.iter().enumerate() {
        before += w;
        let heavier = before.max(total - before);
        if heavier < best.0 {
            best = (heavier, i + 1);
        }
    }
    best.1
}

/// Maps `f` over `0..n` on up to all cores; results in index order, first error wins.
pub(crate) fn par_map<T: Send>(
    n: usize,
    f: impl Fn(usize) -> crate::Result<T> + Sync,
) -> crate::Result<Vec<T>> {
    let threads = threads().min(n);
    if threads <= 1 {
        return (0..n).map(&f).collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            if i >= n {
                return done;
            }
            done.push((i, f(i)));
        }
    };
    // This thread is one of the workers: a thread fewer to start on every call.
    let mut results: Vec<(usize, crate::Result<T>)> = std::thread::scope(|scope| {
        let others: Vec<_> = (1..threads).map(|_| scope.spawn(work)).collect();
        let mut all = work();
        for w in others {
            all.extend(
                w.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            );
        }
        all
    });
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, r)| r).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_middle_halves_the_weight() {
        assert_eq!(weighed_middle([]), 0);
        assert_eq!(weighed_middle([5]), 0);
        assert_eq!(weighed_middle([1, 1, 1, 1]), 2);
        assert_eq!(weighed_middle([1, 1, 1, 10]), 3);
        assert_eq!(weighed_middle([9, 1, 1, 1, 1, 1, 1, 1, 1, 1]), 1);
        assert_eq!(weighed_middle([1, 8, 1, 1]), 2);
        let (a, b) = on_both_weighed_halves(&[1, 1, 1, 10], |&w| w, |p| p.iter().sum::<usize>());
        assert_eq!((a, b), (3, 10));
    }
}
