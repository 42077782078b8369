//! The export formats, and which one a path's extension means.

use std::path::Path;
use std::str::FromStr;

use super::mooncake;
use crate::error::{Error, Result};

/// Export file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// MessagePack map (the default; compact and fast to load).
    #[default]
    Msgpack,
    /// JSON object with the same fields.
    Json,
    /// CSV `index,arrival,model,slo` with the parameters in `#` comment lines.
    Csv,
    /// Mooncake JSONL, one request a line (needs token counts), for AIPerf, SGLang, vLLM and
    /// GuideLLM; `block_size` tokens per hash id.
    Mooncake {
        /// Tokens per `hash_ids` entry.
        block_size: u32,
    },
    /// InVitro's Azure 2021 CSV (`app,func,end_timestamp,duration`), every request lasting
    /// `duration_us` microseconds.
    Invitro {
        /// Each request's duration in microseconds.
        duration_us: u64,
    },
    /// Vidur's trace CSV (needs token counts).
    Vidur,
    /// Splitwise's trace CSV (needs token counts).
    Splitwise,
}

impl Format {
    /// Whether the format cannot carry our parameters inside, so an export writes them beside.
    pub fn needs_provenance(self) -> bool {
        !matches!(self, Format::Msgpack | Format::Json | Format::Csv)
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Format::Msgpack => "msgpack",
            Format::Json => "JSON",
            Format::Csv => "CSV",
            Format::Mooncake { .. } => "Mooncake JSONL",
            Format::Invitro { .. } => "InVitro CSV",
            Format::Vidur => "Vidur CSV",
            Format::Splitwise => "Splitwise CSV",
        })
    }
}

impl FromStr for Format {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "msgpack" | "mp" => Ok(Format::Msgpack),
            "json" => Ok(Format::Json),
            "csv" => Ok(Format::Csv),
            "mooncake" | "jsonl" => Ok(Format::Mooncake {
                block_size: mooncake::DEFAULT_BLOCK_SIZE,
            }),
            other => Err(Error::param(
                "format",
                format!("{other:?}: use msgpack, json, csv or mooncake"),
            )),
        }
    }
}

impl Format {
    /// The format a file name's extension names, in any case (`.json`, `.csv`, `.msgpack` or
    /// `.mpk`); msgpack, the default, without one. Another extension is refused (`w.txt`
    /// silently got msgpack): the caller then asks for the format.
    pub fn from_path(path: &Path) -> Result<Format> {
        let Some(ext) = path.extension() else {
            return Ok(Format::Msgpack);
        };
        match ext.to_string_lossy().to_ascii_lowercase().as_str() {
            "json" => Ok(Format::Json),
            "csv" => Ok(Format::Csv),
            "msgpack" | "mpk" => Ok(Format::Msgpack),
            "jsonl" => Ok(Format::Mooncake {
                block_size: mooncake::DEFAULT_BLOCK_SIZE,
            }),
            other => Err(Error::param(
                "format",
                format!(
                    "{}: the extension .{} names no workload format; name the file .msgpack, \
                     .json, .csv or .jsonl (Mooncake), or give --format",
                    crate::quote::quoted(&path.display().to_string()),
                    crate::quote::clip(other, 16)
                ),
            )),
        }
    }
}
