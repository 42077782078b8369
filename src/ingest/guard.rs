//! A reader that enforces the caps of [`crate::limits`] as bytes arrive: the bytes a compressed
//! input decodes to, and the lines (requests) a text trace may hold. Past a cap it fails with a
//! read error that says which cap and how to raise it, before the memory is taken.

use std::io::Read;

use crate::limits::{BYTES_PER_REQUEST, show_size};

/// Counts the bytes and line feeds read through it and fails past `max_bytes` or `max_lines`.
pub struct Guarded<R> {
    inner: R,
    bytes: u64,
    lines: u64,
    max_bytes: u64,
    max_lines: u64,
}

impl<R: Read> Guarded<R> {
    /// Caps the decoded bytes of a compressed input.
    pub fn decoded(inner: R, max_bytes: u64) -> Self {
        Guarded {
            inner,
            bytes: 0,
            lines: 0,
            max_bytes,
            max_lines: u64::MAX,
        }
    }

    /// Caps the lines of a text trace: one more than `max_requests`, for the header.
    pub fn lines(inner: R, max_requests: u64) -> Self {
        Guarded {
            inner,
            bytes: 0,
            lines: 0,
            max_bytes: u64::MAX,
            max_lines: max_requests.saturating_add(1),
        }
    }
}

impl<R: Read> Read for Guarded<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bytes += n as u64;
        if self.bytes > self.max_bytes {
            return Err(std::io::Error::other(format!(
                "it decodes to more than {}, the most read from one compressed input (a \
                 decompression bomb, or a trace larger than any published one); pass \
                 --max-decoded SIZE (e.g. 256G) to raise the cap",
                show_size(self.max_bytes)
            )));
        }
        if self.max_lines < u64::MAX {
            self.lines += memchr::memchr_iter(b'\n', &buf[..n]).count() as u64;
            if self.lines > self.max_lines {
                return Err(std::io::Error::other(format!(
                    "it holds more than {} requests, the cap (unless --max-requests sets it, what \
                     this machine's available memory holds while reading, at {BYTES_PER_REQUEST} \
                     bytes a request); pass a larger --max-requests N, or read a part of the \
                     trace",
                    self.max_lines - 1
                )));
            }
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_hold_at_their_bounds() {
        let text = b"t\n1\n2\n3\n";
        let mut out = Vec::new();
        Guarded::lines(&text[..], 3).read_to_end(&mut out).unwrap();
        assert_eq!(out, text);
        let err = Guarded::lines(&text[..], 2)
            .read_to_end(&mut Vec::new())
            .unwrap_err();
        assert!(err.to_string().contains("more than 2 requests"), "{err}");
        assert!(err.to_string().contains("--max-requests"), "{err}");
        Guarded::decoded(&text[..], 8)
            .read_to_end(&mut Vec::new())
            .unwrap();
        let err = Guarded::decoded(&text[..], 7)
            .read_to_end(&mut Vec::new())
            .unwrap_err();
        assert!(err.to_string().contains("more than 7 B"), "{err}");
        assert!(err.to_string().contains("--max-decoded"), "{err}");
    }
}
