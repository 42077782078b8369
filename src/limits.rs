//! The caps on what one input may make the process hold: decoded bytes, requests and hash ids,
//! and the memory they are measured against. Input decides these sizes, so they are checked as
//! the input is read, before the memory is taken (docs/safety.md states them).

/// Decoded bytes one compressed input may produce unless raised (`--max-decoded`): far above
/// any public trace (the 2019 archive decodes to about 4 GB), and a bound on how long a
/// decompression bomb can keep the reader busy.
pub const DEFAULT_MAX_DECODED: u64 = 64 << 30;

/// Memory one request of a trace being read can take at its peak, over every reader (times,
/// tokens, per-block rows, vectors growing by doubling): the requests a trace may hold are the
/// memory available over this.
pub const BYTES_PER_REQUEST: u64 = 96;

/// Memory one Mooncake hash id takes (a `u64`, its vector growing by doubling).
pub const BYTES_PER_HASH_ID: u64 = 16;

/// Memory this process may still take: `MemAvailable`, and no more than the address space a
/// limit (`ulimit -v`, `prlimit --as`) leaves beside what is mapped now. `None` where neither is
/// known (no `/proc`).
pub fn available_memory() -> Option<u64> {
    let free = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|info| kib_field(&info, "MemAvailable:"));
    let room = address_space_room();
    match (free, room) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// The address space left under the soft `RLIMIT_AS` (`None`: unlimited or unknown).
fn address_space_room() -> Option<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits
        .lines()
        .find(|l| l.starts_with("Max address space"))?;
    let soft: u64 = line
        .trim_start_matches("Max address space")
        .split_whitespace()
        .next()?
        .parse()
        .ok()?;
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let used = kib_field(&status, "VmSize:").unwrap_or(0);
    Some(soft.saturating_sub(used))
}

/// A `Name:  N kB` field of a `/proc` file, in bytes.
fn kib_field(text: &str, name: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.starts_with(name))?;
    let kb: u64 = line[name.len()..].split_whitespace().next()?.parse().ok()?;
    Some(kb.saturating_mul(1024))
}

/// The requests a trace may hold when no cap is given: the memory available over
/// [`BYTES_PER_REQUEST`] (unbounded where the memory is unknown).
pub fn default_max_requests() -> u64 {
    available_memory().map_or(u64::MAX, |m| (m / BYTES_PER_REQUEST).max(1))
}

/// `N`, `NK`, `NM`, `NG` or `NT` (powers of 1024, an optional trailing `B` or `iB`) as bytes.
pub fn parse_size(text: &str) -> Option<u64> {
    let t = text.trim();
    let t = t
        .strip_suffix("iB")
        .or_else(|| t.strip_suffix('B'))
        .unwrap_or(t);
    let (digits, shift) = match t.chars().last()? {
        'k' | 'K' => (&t[..t.len() - 1], 10),
        'm' | 'M' => (&t[..t.len() - 1], 20),
        'g' | 'G' => (&t[..t.len() - 1], 30),
        't' | 'T' => (&t[..t.len() - 1], 40),
        _ => (t, 0),
    };
    let n: u64 = digits.trim().parse().ok()?;
    n.checked_mul(1u64 << shift)
}

/// Bytes in the largest unit that divides them (`64 GiB`, `1500 B`), for messages.
pub fn show_size(bytes: u64) -> String {
    for (shift, unit) in [(40, "TiB"), (30, "GiB"), (20, "MiB"), (10, "KiB")] {
        if bytes >= 1 << shift && bytes.is_multiple_of(1 << shift) {
            return format!("{} {unit}", bytes >> shift);
        }
    }
    format!("{bytes} B")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_and_show() {
        assert_eq!(parse_size("64G"), Some(64 << 30));
        assert_eq!(parse_size("64GiB"), Some(64 << 30));
        assert_eq!(parse_size("500M"), Some(500 << 20));
        assert_eq!(parse_size("1500"), Some(1500));
        assert_eq!(parse_size("2kB"), Some(2048));
        assert_eq!(parse_size("lots"), None);
        assert_eq!(parse_size(""), None);
        assert_eq!(parse_size("99999999999T"), None);
        assert_eq!(show_size(64 << 30), "64 GiB");
        assert_eq!(show_size(1500), "1500 B");
    }

    #[test]
    fn memory_is_known_on_linux() {
        if std::path::Path::new("/proc/meminfo").exists() {
            let m = available_memory().unwrap();
            assert!(m > 0);
            assert!(default_max_requests() < u64::MAX);
        }
    }
}
