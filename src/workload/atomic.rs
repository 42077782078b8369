//! Writing a file so that it is whole or absent: a temporary file beside it, synced, then
//! renamed over it; devices and FIFOs written directly.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use super::{EarlySync, Sink, Target, target};
use crate::error::{Error, Result};

/// The directory `path` would be written in, refused unless it is one: checked before
/// long work as well as when writing.
pub fn output_dir(path: &Path) -> Result<PathBuf> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_owned(),
        _ => PathBuf::from("."),
    };
    if !dir.is_dir() {
        let why = if dir.exists() {
            "it is not a directory"
        } else {
            "the directory does not exist"
        };
        return Err(Error::Io {
            action: "cannot write to",
            path: dir,
            err: std::io::Error::new(std::io::ErrorKind::NotFound, why),
        });
    }
    Ok(dir)
}

/// Writes through `fill` into a temporary sibling of `path`, syncs it and renames it into place.
/// Returns the bytes written. On any failure the temporary file is removed and `path` untouched.
/// Large files are synced in the background as they are written ([`EarlySync`]), so the final
/// sync waits for the last few megabytes only. What `path` is decides how it is written
/// ([`Target`]): a symlink's file is replaced in its own directory; a device or FIFO is written
/// to directly (no `overwrite` needed: nothing is replaced). Once `cancel` is set the write stops
/// with [`Error::Cancelled`].
pub fn write_atomic(
    path: &Path,
    overwrite: bool,
    cancel: Option<&std::sync::atomic::AtomicBool>,
    fill: impl FnOnce(&mut BufWriter<Sink<EarlySync<'_>>>) -> Result<()>,
) -> Result<u64> {
    let io = |action: &'static str, path: PathBuf| move |err| Error::Io { action, path, err };
    let real = match Target::resolve(path)? {
        Target::Stream(p) => {
            let file = std::fs::OpenOptions::new()
                .write(true)
                .open(&p)
                .map_err(io("cannot open", p.clone()))?;
            let sink = Sink::new(EarlySync::stream(&file).cancelled_by(cancel));
            let mut out = BufWriter::with_capacity(1 << 16, sink);
            fill_into(&mut out, path, cancel, fill)?;
            return Ok(out.get_ref().written());
        }
        Target::File(p) => p,
    };
    if !overwrite && real.exists() {
        return Err(Error::Exists(path.to_owned()));
    }
    let dir = output_dir(&real)?;
    let (tmp, _stop_removes_it) = target::create_registered(
        || {
            tempfile::Builder::new()
                .prefix(".tracereplay-")
                .suffix(".partial")
                .tempfile_in(&dir)
                .map_err(io("cannot create a temporary file in", dir.clone()))
        },
        |t| t.path(),
    )?;
    {
        // Small: the msgpack encoder's larger blocks go straight through, uncopied.
        let sink = Sink::new(EarlySync::new(tmp.as_file()).cancelled_by(cancel));
        let mut out = BufWriter::with_capacity(1 << 16, sink);
        fill_into(&mut out, path, cancel, fill)?;
        let (sink, _) = out.into_parts();
        sink.into_inner()
            .finish()
            .map_err(io("cannot sync", path.to_owned()))?;
    }
    // tempfile creates 0600 files; an export is an ordinary file, so keep the target's mode
    // or use 0644.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&real).map_or(0o644, |m| m.permissions().mode() & 0o777);
        std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(mode))
            .map_err(io("cannot set permissions of", tmp.path().to_owned()))?;
    }
    tmp.as_file()
        .sync_all()
        .map_err(io("cannot sync", tmp.path().to_owned()))?;
    let size = tmp
        .as_file()
        .metadata()
        .map_err(io("cannot stat", tmp.path().to_owned()))?
        .len();
    let persisted = if overwrite {
        tmp.persist(&real)
    } else {
        tmp.persist_noclobber(&real)
    };
    persisted.map_err(|e| {
        if e.error.kind() == std::io::ErrorKind::AlreadyExists {
            Error::Exists(path.to_owned())
        } else {
            Error::Io {
                action: "cannot write",
                path: path.to_owned(),
                err: e.error,
            }
        }
    })?;
    Ok(size)
}

/// Runs `fill` and flushes; a failed write is reported with the target's name (the temporary
/// file is gone when the error is read), a cancelled one as [`Error::Cancelled`].
fn fill_into<'f>(
    out: &mut BufWriter<Sink<EarlySync<'f>>>,
    path: &Path,
    cancel: Option<&std::sync::atomic::AtomicBool>,
    fill: impl FnOnce(&mut BufWriter<Sink<EarlySync<'f>>>) -> Result<()>,
) -> Result<()> {
    let done = fill(out).and_then(|()| {
        out.flush().map_err(|err| Error::Io {
            action: "cannot write",
            path: path.to_owned(),
            err,
        })
    });
    let Err(e) = done else { return Ok(()) };
    if cancel.is_some_and(|c| c.load(std::sync::atomic::Ordering::Relaxed)) {
        return Err(Error::Cancelled);
    }
    // A failed write (a full disk) is what stopped the encoder: name it and the file.
    Err(match out.get_mut().take_error() {
        Some(err) => Error::Io {
            action: "cannot write",
            path: path.to_owned(),
            err,
        },
        None => e,
    })
}
