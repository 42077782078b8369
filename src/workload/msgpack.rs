//! The workload's MessagePack encoding, written by hand for the big columns: one pass over each
//! array into a reused buffer, instead of a serializer call per element. The layout is exactly
//! what `rmp_serde::encode::write_named` writes for [`Workload`] (a map of its field names), so
//! `rmp_serde` and Python's `msgpack` read it back unchanged.

use std::io::Write;

use super::Workload;
use crate::error::{Error, Result};

/// Flushed to the writer whenever it holds this many bytes.
const BUFFER: usize = 1 << 18;

/// Encoded blocks go to a writer thread, so encoding overlaps the (kernel-bound) writes, and
/// come back empty to be filled again: a few blocks that stay in cache, instead of a fresh
/// block, page faults and all, per megabyte written.
struct Out {
    tx: std::sync::mpsc::SyncSender<Vec<u8>>,
    back: std::sync::mpsc::Receiver<Vec<u8>>,
    buf: Vec<u8>,
}

impl Out {
    fn flush_if_full(&mut self) -> Result<()> {
        if self.buf.len() >= BUFFER {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        let empty = self
            .back
            .try_recv()
            .unwrap_or_else(|_| Vec::with_capacity(BUFFER + 9 * 512));
        let full = std::mem::replace(&mut self.buf, empty);
        // A closed channel means the writer failed; its error is reported by `encode`.
        self.tx
            .send(full)
            .map_err(|_| Error::Encode("the output stopped accepting data".into()))
    }

    fn str(&mut self, s: &str) {
        let n = s.len();
        match n {
            0..=31 => self.buf.push(0xa0 | n as u8),
            32..=255 => self.buf.extend_from_slice(&[0xd9, n as u8]),
            256..=65_535 => {
                self.buf.push(0xda);
                self.buf.extend_from_slice(&(n as u16).to_be_bytes());
            }
            _ => {
                self.buf.push(0xdb);
                self.buf.extend_from_slice(&(n as u32).to_be_bytes());
            }
        }
        self.buf.extend_from_slice(s.as_bytes());
    }

    fn uint(&mut self, v: u32) {
        match v {
            0..=127 => self.buf.push(v as u8),
            128..=255 => self.buf.extend_from_slice(&[0xcc, v as u8]),
            256..=65_535 => {
                self.buf.push(0xcd);
                self.buf.extend_from_slice(&(v as u16).to_be_bytes());
            }
            _ => {
                self.buf.push(0xce);
                self.buf.extend_from_slice(&v.to_be_bytes());
            }
        }
    }

    fn array_header(&mut self, n: usize) -> Result<()> {
        match n {
            0..=15 => self.buf.push(0x90 | n as u8),
            16..=65_535 => {
                self.buf.push(0xdc);
                self.buf.extend_from_slice(&(n as u16).to_be_bytes());
            }
            _ => {
                let n = u32::try_from(n)
                    .map_err(|_| Error::Encode(format!("{n} requests do not fit MessagePack")))?;
                self.buf.push(0xdd);
                self.buf.extend_from_slice(&n.to_be_bytes());
            }
        }
        Ok(())
    }

    fn f64s(&mut self, v: &[f64]) -> Result<()> {
        self.array_header(v.len())?;
        // Fixed-size blocks the compiler can unroll: 9 bytes per value, no per-value growth.
        let mut block = [0u8; 9 * 512];
        for chunk in v.chunks(512) {
            for (slot, x) in block.chunks_exact_mut(9).zip(chunk) {
                slot[0] = 0xcb;
                slot[1..].copy_from_slice(&x.to_be_bytes());
            }
            self.buf.extend_from_slice(&block[..9 * chunk.len()]);
            self.flush_if_full()?;
        }
        Ok(())
    }

    fn u32s(&mut self, v: &[u32]) -> Result<()> {
        self.array_header(v.len())?;
        // At most 5 bytes a value: a block never outgrows its capacity.
        for chunk in v.chunks(512) {
            for &x in chunk {
                self.uint(x);
            }
            self.flush_if_full()?;
        }
        Ok(())
    }
}

/// Writes `w` as MessagePack.
pub fn encode(w: &Workload, writer: &mut (impl Write + Send)) -> Result<()> {
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<u8>>(2);
    let (give_back, back) = std::sync::mpsc::channel::<Vec<u8>>();
    std::thread::scope(|s| {
        let sink = s.spawn(move || -> std::io::Result<()> {
            for mut block in rx {
                writer.write_all(&block)?;
                block.clear();
                let _ = give_back.send(block); // the encoder may have finished
            }
            Ok(())
        });
        let mut o = Out {
            tx,
            back,
            buf: Vec::with_capacity(BUFFER + 9 * 512),
        };
        let encoded = fill(w, &mut o);
        drop(o); // closes the channel: the writer drains and ends
        let written = sink
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            .map_err(|e| Error::Encode(e.to_string()));
        // A write error explains an encoding that stopped early: report it first.
        written.and(encoded)
    })
}

fn fill(w: &Workload, o: &mut Out) -> Result<()> {
    let tokens = w.input_tokens.as_ref().zip(w.output_tokens.as_ref());
    let fields = if tokens.is_some() { 9 } else { 7 };
    o.buf.push(0x80 | fields);
    o.str("format");
    o.str(&w.format);
    o.str("version");
    o.uint(w.version);
    o.str("models");
    o.array_header(w.models.len())?;
    for m in &w.models {
        o.str(m);
    }
    o.str("arrival");
    o.f64s(&w.arrival)?;
    o.str("model");
    o.u32s(&w.model)?;
    o.str("slo");
    o.f64s(&w.slo)?;
    if let Some((i, out)) = tokens {
        o.str("input_tokens");
        o.u32s(i)?;
        o.str("output_tokens");
        o.u32s(out)?;
    }
    o.str("params");
    rmp_serde::encode::write_named(&mut o.buf, &w.params)
        .map_err(|e| Error::Encode(e.to_string()))?;
    o.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::replay::{ReplayParams, replay};
    use crate::trace::{Function, Series, Trace, TraceKind};

    #[test]
    fn same_bytes_as_rmp_serde() {
        let f = |i: usize| {
            let t: Vec<f64> = (0..300).map(|k| (k * 97 + i * 13) as f64 * 0.37).collect();
            let mut t = t;
            t.sort_by(f64::total_cmp);
            Function::new(format!("f{i}"), Series::Times(t.into()))
        };
        let trace = Trace::new("t", TraceKind::V2, (0..200).map(f).collect(), vec![]).unwrap();
        let p = ReplayParams {
            models: crate::mapping::default_model_names(150),
            end: Some("0.1.0".into()),
            ..ReplayParams::default()
        };
        let mut w = Workload::from_replay(&replay(&trace, &p).unwrap(), 0.5, None).unwrap();
        for tokens in [false, true] {
            if tokens {
                w.input_tokens = Some((0..w.len() as u32).map(|x| x * 1000).collect());
                w.output_tokens = Some((0..w.len() as u32).collect());
            }
            let mut ours = Vec::new();
            encode(&w, &mut ours).unwrap();
            let theirs = rmp_serde::to_vec_named(&w).unwrap();
            assert_eq!(ours, theirs, "tokens: {tokens}");
        }
    }
}
