//! The file side of [`super::write_atomic`]: it starts making data durable while later data is
//! still being encoded. Past every few megabytes written, a helper thread runs `fdatasync`, so
//! the final sync of a large export only waits for its last stretch, where one `fsync` at the
//! end would wait for all of it after encoding.

use std::fs::File;
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{SyncSender, sync_channel};
use std::thread::JoinHandle;

/// Bytes written between two background syncs.
const EVERY: u64 = 8 << 20;

/// Writes to a file, syncing what is written in the background (see the module).
pub struct EarlySync<'f> {
    file: &'f File,
    unsynced: u64,
    syncer: Option<Syncer>,
    /// False for a device or FIFO, which has nothing to sync.
    sync: bool,
    /// When set, the next write fails, so an export stops where it is.
    cancel: Option<&'f AtomicBool>,
}

struct Syncer {
    kick: SyncSender<()>,
    done: JoinHandle<io::Result<()>>,
}

impl<'f> EarlySync<'f> {
    pub(super) fn new(file: &'f File) -> Self {
        EarlySync {
            file,
            unsynced: 0,
            syncer: None,
            sync: true,
            cancel: None,
        }
    }

    /// Writes to a device or FIFO: nothing is synced.
    pub(super) fn stream(file: &'f File) -> Self {
        EarlySync {
            sync: false,
            ..EarlySync::new(file)
        }
    }

    /// Fails every write once `cancel` is set.
    pub(super) fn cancelled_by(mut self, cancel: Option<&'f AtomicBool>) -> Self {
        self.cancel = cancel;
        self
    }

    /// Asks for a sync of everything written so far; the helper thread starts on first use,
    /// so small files never pay for it.
    fn kick(&mut self) -> io::Result<()> {
        let syncer = match &mut self.syncer {
            Some(s) => s,
            None => {
                // Its own handle: the thread must not borrow the caller's file.
                let file = self.file.try_clone()?;
                let (kick, asked) = sync_channel::<()>(1);
                let done = std::thread::spawn(move || {
                    for () in asked {
                        file.sync_data()?;
                    }
                    Ok(())
                });
                self.syncer.insert(Syncer { kick, done })
            }
        };
        // Full: a sync already asked for covers this data too. Disconnected: the helper
        // stopped on an error, which `finish` reports.
        let _ = syncer.kick.try_send(());
        Ok(())
    }

    /// Waits for the background syncs and returns their error, if any. The caller still syncs
    /// the file once more, for the data written since.
    pub(super) fn finish(self) -> io::Result<()> {
        let Some(Syncer { kick, done }) = self.syncer else {
            return Ok(());
        };
        drop(kick);
        done.join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    }
}

impl Write for EarlySync<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
            return Err(io::Error::other("the export was cancelled"));
        }
        let n = self.file.write(buf)?;
        self.unsynced += n as u64;
        if self.sync && self.unsynced >= EVERY {
            self.unsynced = 0;
            self.kick()?;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_everything_and_syncs_in_the_background() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        let file = File::create(&path).unwrap();
        let mut w = EarlySync::new(&file);
        let block: Vec<u8> = (0..1 << 20).map(|i| (i % 251) as u8).collect();
        for _ in 0..20 {
            w.write_all(&block).unwrap();
        }
        assert!(w.syncer.is_some(), "20 MiB written and no background sync");
        w.finish().unwrap();
        let back = std::fs::read(&path).unwrap();
        assert_eq!(back.len(), 20 << 20);
        assert!(back.chunks(1 << 20).all(|c| c == block.as_slice()));
        // Small files never start the helper.
        let small = File::create(dir.path().join("g")).unwrap();
        let mut w = EarlySync::new(&small);
        w.write_all(b"abc").unwrap();
        assert!(w.syncer.is_none());
        w.finish().unwrap();
    }
}
