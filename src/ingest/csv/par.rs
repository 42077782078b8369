//! Parsing a CSV's blocks on every core, the parts merged in file order.

use std::collections::BTreeMap;
use std::io::Read;
use std::sync::{Mutex, mpsc};

use super::blocks::{Block, Blocks};
use super::rows_in;
use crate::error::{Error, Result};

/// What the header record says: `H`, what every row needs (column positions), and whether the
/// record is data too (a headerless file).
pub struct Header<H> {
    /// Passed to every row.
    pub columns: H,
    /// The record is a row as well.
    pub is_data: bool,
}

/// As [`super::for_each_row`], with the records after the header parsed on every core: `header` reads
/// the first record, `row` adds a record to the part of the block it is in (a fresh `part()` per
/// block), and `merge` receives the parts in file order. The first error in file order is the
/// one returned. `None` when the input holds no record.
pub fn par_rows<H: Sync, P: Send>(
    file: &str,
    input: impl Read,
    mut progress: impl FnMut(u64),
    header: impl FnOnce(u64, &[&[u8]]) -> Result<Header<H>>,
    part: impl Fn() -> P + Sync,
    row: impl Fn(&H, &mut P, u64, &[&[u8]]) -> Result<()> + Sync,
    mut merge: impl FnMut(P) -> Result<()>,
) -> Result<Option<H>> {
    let mut blocks = Blocks::new(file, input);
    let mut header = Some(header);
    let mut columns: Option<H> = None;
    let mut buf = Vec::new();
    let threads = crate::par::threads();
    // Read here, in order: the blocks up to the header's, and on one core all of them.
    while columns.is_none() || threads <= 1 {
        let Some(block) = blocks.next(buf)? else {
            return Ok(columns);
        };
        let mut p = part();
        rows_in(file, &block.data, block.first_line, &mut |line, f| {
            if let Some(c) = &columns {
                return row(c, &mut p, line, f);
            }
            let Some(read_header) = header.take() else {
                return Ok(());
            };
            let h = read_header(line, f)?;
            let c = columns.insert(h.columns);
            if h.is_data {
                row(c, &mut p, line, f)
            } else {
                Ok(())
            }
        })?;
        progress(blocks.done);
        merge(p)?;
        buf = block.data;
    }
    let Some(columns) = columns else {
        return Ok(None);
    };
    // A worker's panic travels to this thread as its payload, to be resumed here.
    type Parsed<P> = std::thread::Result<Result<P>>;
    let (work_tx, work_rx) = mpsc::sync_channel::<(usize, Block)>(threads);
    let work_rx = Mutex::new(work_rx);
    let (done_tx, done_rx) = mpsc::channel::<(usize, Parsed<P>, Vec<u8>)>();
    let work = |done_tx: mpsc::Sender<(usize, Parsed<P>, Vec<u8>)>| {
        loop {
            let Ok(job) = work_rx.lock().map(|rx| rx.recv()) else {
                return;
            };
            let Ok((seq, block)) = job else {
                return;
            };
            let parsed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let mut p = part();
                rows_in(file, &block.data, block.first_line, &mut |line, f| {
                    row(&columns, &mut p, line, f)
                })
                .map(|()| p)
            }));
            if done_tx.send((seq, parsed, block.data)).is_err() {
                return;
            }
        }
    };
    std::thread::scope(|scope| -> Result<()> {
        for _ in 0..threads {
            let done_tx = done_tx.clone();
            scope.spawn(|| work(done_tx));
        }
        // Dropped on every way out of here, so that the workers stop.
        let work_tx = work_tx;
        // Every worker busy and one block waiting; their buffers are reused.
        let mut spare = vec![buf];
        let (mut sent, mut merged, mut in_flight) = (0usize, 0usize, 0usize);
        let mut ended = false;
        let mut parsed: BTreeMap<usize, Result<P>> = BTreeMap::new();
        loop {
            while !ended && in_flight <= threads {
                match blocks.next(spare.pop().unwrap_or_default())? {
                    Some(block) => {
                        progress(blocks.done);
                        work_tx
                            .send((sent, block))
                            .map_err(|_| Error::Format(format!("{file}: a reader thread ended")))?;
                        sent += 1;
                        in_flight += 1;
                    }
                    None => ended = true,
                }
            }
            if in_flight == 0 {
                return Ok(());
            }
            let (seq, result, data) = done_rx
                .recv()
                .map_err(|_| Error::Format(format!("{file}: a reader thread ended")))?;
            in_flight -= 1;
            spare.push(data);
            match result {
                Ok(p) => parsed.insert(seq, p),
                Err(panic) => std::panic::resume_unwind(panic),
            };
            while let Some(p) = parsed.remove(&merged) {
                merge(p?)?;
                merged += 1;
            }
        }
    })?;
    Ok(Some(columns))
}
