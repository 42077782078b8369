//! The core error type. Every variant names what was wrong and how to fix it, so the binary can
//! print it as is.

use std::path::PathBuf;

/// Result alias for the core.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything the core can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The pickle is malformed, hostile or not an AlpaServe trace.
    #[error(transparent)]
    Pickle(#[from] crate::ingest::pickle::PickleError),

    /// The file decoded, but its content is not a usable trace.
    #[error("not a usable trace: {0}")]
    Trace(String),

    /// A row of a CSV input is invalid.
    #[error("{file}, line {line}, column {column}: {reason}")]
    Row {
        /// The file.
        file: String,
        /// 1-based line number.
        line: u64,
        /// The column's name (or number).
        column: String,
        /// What is wrong and how to fix it.
        reason: String,
    },

    /// The input's format is not one we read, or its layout is wrong.
    #[error("{0}")]
    Format(String),

    /// A `D.H.M` time string or window is invalid.
    #[error("{0}")]
    Time(String),

    /// A replay parameter is invalid (checked before any work).
    #[error("invalid parameter `{param}`: {reason}")]
    Param {
        /// The CLI/API name of the parameter.
        param: &'static str,
        /// What is wrong and how to fix it.
        reason: String,
    },

    /// Reading or writing a file failed.
    #[error("{action} {path}: {err}")]
    Io {
        /// What we were doing ("cannot read", "cannot write", ...).
        action: &'static str,
        /// The file concerned.
        path: PathBuf,
        /// The OS error (part of the message, so not chained again).
        err: std::io::Error,
    },

    /// The export target exists and overwriting was not allowed.
    #[error("{} already exists; pass --force to overwrite it or choose another path", .0.display())]
    Exists(PathBuf),

    /// The work was cancelled (a newer request replaced it).
    #[error("cancelled")]
    Cancelled,

    /// Encoding an export failed.
    #[error("cannot encode the workload: {0}")]
    Encode(String),

    /// An export's format needs token counts its requests do not have (each edge says how to
    /// give them).
    #[error(
        "{format} needs each request's input and output tokens, and {trace} has no token counts"
    )]
    NoTokens {
        /// The format's name.
        format: String,
        /// The trace, quoted short.
        trace: String,
    },
}

impl Error {
    /// Shorthand for a parameter error.
    pub fn param(param: &'static str, reason: impl Into<String>) -> Self {
        Error::Param {
            param,
            reason: reason.into(),
        }
    }
}
