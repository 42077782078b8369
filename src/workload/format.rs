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
    /// Vidur's `trace_replay` request generator's CSV (`Date,Time,PromptTokenCount,
    /// CompletionTokenCount`, and `Model`; needs token counts): every row on one date.
    Vidur {
        /// The `Date` of every row, in days since 1970 (Vidur keeps the rows of its `date`).
        date: i64,
    },
    /// Vidur's `trace` request length generator's CSV (`arrived_at,num_prefill_tokens,
    /// num_decode_tokens`; needs token counts): lengths only, the times are not read by it.
    VidurLengths,
    /// Splitwise's trace CSV (needs token counts).
    Splitwise,
    /// The Azure LLM inference trace's own CSV (`TIMESTAMP,ContextTokens,GeneratedTokens`,
    /// and `Model`; needs token counts), for inference-perf and our own reader.
    AzureLlm {
        /// Unix nanoseconds of the window's start; `None`: the trace's own clock, else
        /// [`DEFAULT_WALL_CLOCK`].
        start: Option<i64>,
    },
}

/// Where dates start when neither the user nor the trace gives a clock: 2023-08-21, the date
/// Vidur's trace replay keeps by default, so that its defaults read our export.
pub const DEFAULT_WALL_CLOCK: i64 = 1_692_576_000_000_000_000;

/// [`DEFAULT_WALL_CLOCK`] in days since 1970.
pub const DEFAULT_DATE: i64 = DEFAULT_WALL_CLOCK / DAY_NS;

/// Nanoseconds in a day.
const DAY_NS: i64 = 86_400_000_000_000;

/// The run times an InVitro export can give every request, in seconds: a microsecond (its
/// unit) to a day.
pub const RUN_SECONDS: std::ops::RangeInclusive<f64> = 1e-6..=86_400.0;

impl Format {
    /// Whether each request needs its input and output tokens.
    pub fn needs_tokens(self) -> bool {
        matches!(
            self,
            Format::Mooncake { .. }
                | Format::Vidur { .. }
                | Format::VidurLengths
                | Format::Splitwise
                | Format::AzureLlm { .. }
        )
    }

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
            Format::Vidur { .. } => "Vidur trace-replay CSV",
            Format::VidurLengths => "Vidur lengths CSV",
            Format::Splitwise => "Splitwise CSV",
            Format::AzureLlm { .. } => "Azure LLM CSV",
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
            "invitro" => Ok(Format::Invitro {
                duration_us: 1_000_000,
            }),
            "vidur" => Ok(Format::Vidur { date: DEFAULT_DATE }),
            "vidur-lengths" => Ok(Format::VidurLengths),
            "splitwise" => Ok(Format::Splitwise),
            "azure-llm" => Ok(Format::AzureLlm { start: None }),
            other => Err(Error::param(
                "format",
                format!(
                    "{other:?}: use msgpack, json, csv, mooncake, invitro, vidur, vidur-lengths, \
                     splitwise or azure-llm"
                ),
            )),
        }
    }
}

impl Format {
    /// The name `--format` takes for it (which [`FromStr`] reads back).
    pub fn name(self) -> &'static str {
        match self {
            Format::Msgpack => "msgpack",
            Format::Json => "json",
            Format::Csv => "csv",
            Format::Mooncake { .. } => "mooncake",
            Format::Invitro { .. } => "invitro",
            Format::Vidur { .. } => "vidur",
            Format::VidurLengths => "vidur-lengths",
            Format::Splitwise => "splitwise",
            Format::AzureLlm { .. } => "azure-llm",
        }
    }

    /// This format with the options that apply to it: Mooncake's tokens per hash id, InVitro's
    /// run time of every request in seconds (checked against [`RUN_SECONDS`] by the caller),
    /// and the wall clock (Unix ns) that dates Vidur's and Azure LLM's rows (`None`: their
    /// default).
    pub fn with_options(
        self,
        block_size: u32,
        run_seconds: f64,
        wall_clock: Option<i64>,
    ) -> Format {
        match self {
            Format::Mooncake { .. } => Format::Mooncake { block_size },
            Format::Invitro { .. } => Format::Invitro {
                duration_us: (run_seconds * 1e6).round() as u64,
            },
            Format::Vidur { .. } => Format::Vidur {
                date: wall_clock.map_or(DEFAULT_DATE, |ns| ns.div_euclid(DAY_NS)),
            },
            Format::AzureLlm { .. } => Format::AzureLlm { start: wall_clock },
            f => f,
        }
    }

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_name_reads_back_as_its_format() {
        let names = [
            "msgpack",
            "json",
            "csv",
            "mooncake",
            "invitro",
            "vidur",
            "vidur-lengths",
            "splitwise",
            "azure-llm",
        ];
        for name in names {
            let f: Format = name.parse().unwrap();
            assert_eq!(f.name(), name);
        }
        assert_eq!("mp".parse::<Format>().unwrap().name(), "msgpack");
        assert_eq!("jsonl".parse::<Format>().unwrap().name(), "mooncake");
    }
}
