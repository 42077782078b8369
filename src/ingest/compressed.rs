//! Compressed inputs (gzip, zstd, xz), recognised by their magic bytes rather than by name
//! and decompressed as they are read, so a trace is never unpacked to disk.

use std::io::Read;

/// A compression format of an input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// `.gz` (several members, as `cat a.gz b.gz` makes, are one stream).
    Gzip,
    /// `.zst`.
    Zstd,
    /// `.xz`.
    Xz,
}

impl Compression {
    /// The compression whose magic bytes start `head`, if any.
    pub fn detect(head: &[u8]) -> Option<Compression> {
        if head.starts_with(&[0x1f, 0x8b]) {
            Some(Compression::Gzip)
        } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) || is_skippable_frame(head) {
            Some(Compression::Zstd)
        } else if head.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0x00]) {
            Some(Compression::Xz)
        } else {
            None
        }
    }

    /// Its usual name.
    pub fn name(self) -> &'static str {
        match self {
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
            Compression::Xz => "xz",
        }
    }

    /// A reader of the decompressed bytes of `input`.
    pub fn decoder<'a>(self, input: impl Read + 'a) -> std::io::Result<Box<dyn Read + 'a>> {
        let input = std::io::BufReader::with_capacity(1 << 16, input);
        Ok(match self {
            Compression::Gzip => Box::new(GzMembers::new(input)),
            Compression::Zstd => Box::new(zstd::stream::read::Decoder::with_buffer(input)?),
            Compression::Xz => Box::new(xz2::bufread::XzDecoder::new_multi_decoder(input)),
        })
    }
}

/// A zstd skippable frame (magic `0x184D2A50` to `0x184D2A5F`, little-endian), which `pzstd`
/// writes first; the decoder skips it.
fn is_skippable_frame(head: &[u8]) -> bool {
    head.len() >= 4 && head[0] & 0xf0 == 0x50 && head[1..4] == [0x2a, 0x4d, 0x18]
}

/// The members of a gzip stream one after another (`cat a.gz b.gz`), ending at the input's end
/// or at zero bytes after a member, which `gzip -d` ignores too (tape and block padding);
/// anything else after a member is an error.
struct GzMembers<R: std::io::BufRead> {
    member: Option<flate2::bufread::GzDecoder<R>>,
}

impl<R: std::io::BufRead> GzMembers<R> {
    fn new(input: R) -> Self {
        GzMembers {
            member: Some(flate2::bufread::GzDecoder::new(input)),
        }
    }
}

impl<R: std::io::BufRead> Read for GzMembers<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            let Some(member) = &mut self.member else {
                return Ok(0);
            };
            let n = member.read(buf)?;
            if n > 0 || buf.is_empty() {
                return Ok(n);
            }
            // The member ended: what follows decides.
            let Some(mut input) = self.member.take().map(|m| m.into_inner()) else {
                return Ok(0);
            };
            loop {
                let rest = input.fill_buf()?;
                if rest.is_empty() {
                    return Ok(0);
                }
                if rest[0] == 0x1f {
                    self.member = Some(flate2::bufread::GzDecoder::new(input));
                    break;
                }
                let zeros = rest.iter().take_while(|&&b| b == 0).count();
                if zeros == 0 {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::InvalidData,
                        "bytes after the end of the gzip data are neither another gzip member \
                         nor zero padding",
                    ));
                }
                input.consume(zeros);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn every_format_round_trips() {
        let text = b"t\n1\n2\n".repeat(1000);
        let gz = {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            e.write_all(&text).unwrap();
            e.finish().unwrap()
        };
        let zst = zstd::stream::encode_all(&text[..], 3).unwrap();
        let xz = {
            let mut e = xz2::write::XzEncoder::new(Vec::new(), 1);
            e.write_all(&text).unwrap();
            e.finish().unwrap()
        };
        for (bytes, c) in [
            (gz, Compression::Gzip),
            (zst, Compression::Zstd),
            (xz, Compression::Xz),
        ] {
            assert_eq!(Compression::detect(&bytes), Some(c));
            let mut out = Vec::new();
            c.decoder(&bytes[..])
                .unwrap()
                .read_to_end(&mut out)
                .unwrap();
            assert_eq!(out, text, "{}", c.name());
        }
        assert_eq!(Compression::detect(b"t\n1\n"), None);
        // gzip members back to back, then zero padding: read; other bytes after: refused.
        let member = |t: &[u8]| {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            e.write_all(t).unwrap();
            e.finish().unwrap()
        };
        let mut two = member(b"a\n");
        two.extend(member(b"b\n"));
        two.extend([0u8; 700]);
        let mut out = Vec::new();
        Compression::Gzip
            .decoder(&two[..])
            .unwrap()
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out, b"a\nb\n");
        two.extend(b"junk");
        let err = Compression::Gzip
            .decoder(&two[..])
            .unwrap()
            .read_to_end(&mut Vec::new())
            .unwrap_err();
        assert!(
            err.to_string().contains("neither another gzip member"),
            "{err}"
        );
        // A skippable frame first (as pzstd writes), then a frame.
        let mut skip = vec![0x50, 0x2a, 0x4d, 0x18, 4, 0, 0, 0, 1, 2, 3, 4];
        skip.extend(zstd::stream::encode_all(&b"x\n"[..], 3).unwrap());
        assert_eq!(Compression::detect(&skip), Some(Compression::Zstd));
        let mut out = Vec::new();
        Compression::Zstd
            .decoder(&skip[..])
            .unwrap()
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out, b"x\n");
        assert_eq!(Compression::detect(&[0x80, 4]), None);
    }
}
