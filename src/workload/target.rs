//! What an output path is, and the temporary files that exports leave until they are renamed.
//!
//! Only a regular file is replaced by renaming a finished temporary file over it. A symlink is
//! followed, so the file it points to is replaced in its own directory and the link stays. A
//! character device or a FIFO (`/dev/null`, `/dev/stdout`, a named pipe) is a stream, not a
//! file: it is written to directly, since renaming over it would replace the device node itself.
//! Block devices, sockets and directories are refused.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::error::{Error, Result};

/// Where an export goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A regular file (or none yet) at this path, symlinks resolved: written to a temporary
    /// sibling and renamed into place.
    File(PathBuf),
    /// A character device or FIFO at this path: written to directly, nothing to replace.
    Stream(PathBuf),
}

impl Target {
    /// Classifies `path`, following symlinks; refuses what cannot hold an export.
    pub fn resolve(path: &Path) -> Result<Target> {
        let refuse = |why: &str| Error::Io {
            action: "cannot write to",
            path: path.to_owned(),
            err: io::Error::new(io::ErrorKind::InvalidInput, why.to_owned()),
        };
        let meta = match std::fs::metadata(path) {
            Ok(m) => m,
            // Nothing there yet (or a file where a directory should be: the directory check
            // explains that one).
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
                ) =>
            {
                return Ok(Target::File(dangling_target(path)?));
            }
            Err(err) => {
                return Err(Error::Io {
                    action: "cannot write to",
                    path: path.to_owned(),
                    err,
                });
            }
        };
        let kind = meta.file_type();
        if kind.is_file() {
            let real = if path.is_symlink() {
                std::fs::canonicalize(path).map_err(|err| Error::Io {
                    action: "cannot resolve",
                    path: path.to_owned(),
                    err,
                })?
            } else {
                path.to_owned()
            };
            return Ok(Target::File(real));
        }
        if kind.is_dir() {
            return Err(refuse(
                "it is a directory; give a file name inside it (for example DIR/workload.msgpack)",
            ));
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::FileTypeExt;
            if kind.is_char_device() || kind.is_fifo() {
                return Ok(Target::Stream(path.to_owned()));
            }
            if kind.is_block_device() {
                return Err(refuse(
                    "it is a block device (a disk), which an export would overwrite; write to a file",
                ));
            }
            if kind.is_socket() {
                return Err(refuse("it is a socket; write to a file or a FIFO"));
            }
        }
        Err(refuse("it is not a regular file, device or FIFO"))
    }

    /// Whether writing here replaces a file that exists (what `--force` is asked for).
    pub fn replaces_a_file(&self) -> bool {
        matches!(self, Target::File(p) if p.exists())
    }
}

/// The file a dangling symlink chain ends at (the path itself when it is no link): that is
/// where the export is created, so the link then points to it.
fn dangling_target(path: &Path) -> Result<PathBuf> {
    let mut at = path.to_owned();
    // As the kernel's own limit on links followed, so a loop ends.
    for _ in 0..40 {
        match std::fs::read_link(&at) {
            Ok(next) => {
                at = match at.parent() {
                    Some(dir) if next.is_relative() => dir.join(next),
                    _ => next,
                };
            }
            Err(_) => return Ok(at),
        }
    }
    Err(Error::Io {
        action: "cannot write to",
        path: path.to_owned(),
        err: io::Error::new(
            io::ErrorKind::InvalidInput,
            "too many levels of symbolic links",
        ),
    })
}

/// Temporary files of exports in progress, removed by [`remove_partial_files`] when the process
/// is stopped before they are renamed into place.
static PARTIALS: Mutex<Partials> = Mutex::new(Partials::new());

struct Partials {
    paths: Vec<PathBuf>,
    /// Set once the process is stopping: no new temporary file may start.
    closed: bool,
}

impl Partials {
    const fn new() -> Self {
        Partials {
            paths: Vec::new(),
            closed: false,
        }
    }

    fn add(&mut self, path: &Path) -> Result<()> {
        if self.closed {
            return Err(Error::Cancelled);
        }
        self.paths.push(path.to_owned());
        Ok(())
    }

    fn forget(&mut self, path: &Path) {
        if let Some(i) = self.paths.iter().position(|q| q == path) {
            self.paths.swap_remove(i);
        }
    }

    fn remove_all(&mut self) -> usize {
        self.closed = true;
        std::mem::take(&mut self.paths)
            .iter()
            .filter(|path| std::fs::remove_file(path).is_ok())
            .count()
    }
}

fn partials() -> std::sync::MutexGuard<'static, Partials> {
    // A panic while holding the list leaves it consistent: every change is one call.
    PARTIALS.lock().unwrap_or_else(|e| e.into_inner())
}

/// Keeps a temporary file's path on the list while it lives.
pub(super) struct Registered(PathBuf);

/// Creates a temporary file with `create` and puts its path on the list of files to remove if
/// the process is stopped, under the list's lock, so that a stop between the two cannot leave
/// the file behind.
pub(super) fn create_registered<T>(
    create: impl FnOnce() -> Result<T>,
    path_of: impl Fn(&T) -> &Path,
) -> Result<(T, Registered)> {
    let mut list = partials();
    if list.closed {
        return Err(Error::Cancelled);
    }
    let made = create()?;
    let path = path_of(&made).to_owned();
    list.add(&path)?;
    Ok((made, Registered(path)))
}

impl Drop for Registered {
    fn drop(&mut self) {
        partials().forget(&self.0);
    }
}

/// Removes the temporary files of every export still being written, and lets no new one start;
/// for a process about to exit on a signal or a forced quit. Returns how many were removed.
pub fn remove_partial_files() -> usize {
    partials().remove_all()
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn kinds_of_paths() {
        let dir = tempfile::tempdir().unwrap();
        let new = dir.path().join("new.msgpack");
        assert_eq!(Target::resolve(&new).unwrap(), Target::File(new.clone()));
        std::fs::write(&new, b"x").unwrap();
        assert!(Target::resolve(&new).unwrap().replaces_a_file());

        let link = dir.path().join("link");
        std::os::unix::fs::symlink("new.msgpack", &link).unwrap();
        let real = std::fs::canonicalize(&new).unwrap();
        assert_eq!(Target::resolve(&link).unwrap(), Target::File(real));

        let dangling = dir.path().join("dangling");
        std::os::unix::fs::symlink("sub/../later.csv", &dangling).unwrap();
        assert_eq!(
            Target::resolve(&dangling).unwrap(),
            Target::File(dir.path().join("sub/../later.csv"))
        );

        let looped = dir.path().join("loop");
        std::os::unix::fs::symlink("loop", &looped).unwrap();
        assert!(Target::resolve(&looped).is_err());

        let err = Target::resolve(dir.path()).unwrap_err().to_string();
        assert!(err.contains("is a directory"), "{err}");
    }

    #[test]
    fn registered_files_are_removed_on_stop() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.partial");
        let b = dir.path().join("b.partial");
        std::fs::write(&a, b"half").unwrap();
        std::fs::write(&b, b"done").unwrap();
        let mut p = Partials::new();
        p.add(&a).unwrap();
        p.add(&b).unwrap();
        p.forget(&b); // renamed into place
        assert_eq!(p.remove_all(), 1);
        assert!(!a.exists());
        assert!(b.exists());
        assert!(matches!(p.add(&a), Err(Error::Cancelled)));
    }
}
