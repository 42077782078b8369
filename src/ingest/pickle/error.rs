//! Why a pickle could not be read.

/// Why a pickle could not be read. `offset` is the byte position of the offending opcode.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PickleError {
    /// Zero bytes.
    #[error("the file is empty (0 bytes): expected an AlpaServe trace pickle")]
    Empty,
    /// The data ends before the pickle does.
    #[error(
        "the pickle is truncated: it ends at byte {offset} while reading {what}; \
         the file is incomplete (copy or download it again)"
    )]
    Truncated {
        /// Where the data ran out.
        offset: usize,
        /// What was being read.
        what: &'static str,
    },
    /// A length field claims more bytes than the file has.
    #[error(
        "byte {offset}: {what} claims {claimed} bytes but only {available} remain; \
         the file is truncated or corrupt (nothing was allocated)"
    )]
    TooLong {
        /// Opcode position.
        offset: usize,
        /// What the length is for.
        what: &'static str,
        /// The claimed length.
        claimed: u64,
        /// Bytes left in the file.
        available: usize,
    },
    /// A byte that is not a pickle opcode.
    #[error(
        "byte {offset}: 0x{byte:02x} is not a pickle opcode; this is not a pickle file, or it is corrupt"
    )]
    InvalidOpcode {
        /// Position.
        offset: usize,
        /// The byte.
        byte: u8,
    },
    /// A real pickle opcode that trace files never use.
    #[error("byte {offset}: pickle opcode {name} is not used by trace files and is not supported")]
    UnsupportedOpcode {
        /// Position.
        offset: usize,
        /// Opcode name as `pickletools` spells it.
        name: &'static str,
    },
    /// A global outside the allow-list.
    #[error(
        "refusing to load: byte {offset} asks for the Python global `{module}.{name}`, which trace \
         files never use and which could run code when loaded by Python; nothing was executed"
    )]
    ForbiddenGlobal {
        /// Position.
        offset: usize,
        /// Module part.
        module: String,
        /// Name part.
        name: String,
    },
    /// The opcodes are individually valid but do not make sense together.
    #[error("byte {offset}: malformed pickle: {msg}")]
    Malformed {
        /// Position.
        offset: usize,
        /// What is wrong.
        msg: String,
    },
    /// The pickle decodes, but not to a trace.
    #[error("not an AlpaServe trace: {0}")]
    NotATrace(String),
    /// Memo references would expand the data far beyond the file size.
    #[error(
        "the pickle expands to more than {limit} bytes of arrays from a {input}-byte file \
         (an object is referenced over and over); refusing to decode it"
    )]
    Expansion {
        /// Decoded-bytes cap.
        limit: usize,
        /// File size.
        input: usize,
    },
}
