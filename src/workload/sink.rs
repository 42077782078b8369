//! The writer under every encoder: it counts the bytes that pass and keeps the error of a
//! write that failed, which the encoders report only as text ("cannot encode the workload:
//! No space left on device"), so callers can name the file, or see that a pipe's reader left.

use std::io::{self, Write};

/// Writes through to `inner`, counting bytes and keeping the failed write's error.
pub struct Sink<W> {
    inner: W,
    written: u64,
    failed: Option<io::Error>,
}

impl<W> Sink<W> {
    /// A sink over `inner`.
    pub fn new(inner: W) -> Self {
        Sink {
            inner,
            written: 0,
            failed: None,
        }
    }

    /// Bytes written so far.
    pub fn written(&self) -> u64 {
        self.written
    }

    /// The error of the write that failed, if one did.
    pub fn take_error(&mut self) -> Option<io::Error> {
        self.failed.take()
    }

    /// The writer underneath.
    pub fn into_inner(self) -> W {
        self.inner
    }

    fn keep(&mut self, e: &io::Error) {
        if e.kind() != io::ErrorKind::Interrupted {
            self.failed = Some(io::Error::new(e.kind(), e.to_string()));
        }
    }
}

impl<W: Write> Write for Sink<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf).inspect_err(|e| self.keep(e))?;
        self.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush().inspect_err(|e| self.keep(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(target_os = "linux")]
    #[test]
    fn keeps_the_write_error_whole() {
        // Every write to /dev/full fails as on a full disk.
        let full = std::fs::File::options()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let mut w = Sink::new(&full);
        assert!(w.take_error().is_none());
        let err = w.write_all(b"abc").unwrap_err();
        let kept = w.take_error().expect("the error is kept");
        assert_eq!(kept.kind(), err.kind());
        assert_eq!(kept.to_string(), err.to_string());
        assert!(kept.to_string().contains("No space left"), "{kept}");
    }

    #[test]
    fn counts_what_passes() {
        let mut w = Sink::new(Vec::new());
        w.write_all(b"abc").unwrap();
        w.write_all(b"de").unwrap();
        assert_eq!(w.written(), 5);
        assert_eq!(w.into_inner(), b"abcde");
    }
}
