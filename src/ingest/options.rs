//! What a load is told: the input format, the time unit and columns of generic CSVs, and the
//! progress callback.

use std::fmt;
use std::str::FromStr;

use crate::error::{Error, Result};
use crate::trace::TraceKind;

/// An input format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputFormat {
    /// AlpaServe's pickle (`azure_v1.pkl`, `azure_v2.pkl`).
    Pickle,
    /// Our cache file, written by `convert`.
    Native,
    /// `AzureFunctionsInvocationTraceForTwoWeeksJan2021.txt`.
    Azure2021,
    /// `invocations_per_function_md.anon.dNN.csv` (a file or a directory of them).
    Azure2019,
    /// `AzureLLMInferenceTrace_*.csv` (2023 and 2024).
    AzureLlm,
    /// Any CSV with a column of timestamps (`--time-column`).
    Timestamps,
    /// Mooncake JSONL (`timestamp` in ms, `input_length`, `output_length`, `hash_ids`).
    Mooncake,
    /// BurstGPT's CSV (`Timestamp,Model,Request tokens,Response tokens,…`).
    BurstGpt,
}

impl fmt::Display for InputFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            InputFormat::Pickle => "pickle",
            InputFormat::Native => "native",
            InputFormat::Azure2021 => "azure2021",
            InputFormat::Azure2019 => "azure2019",
            InputFormat::AzureLlm => "azure-llm",
            InputFormat::Timestamps => "timestamps",
            InputFormat::Mooncake => "mooncake",
            InputFormat::BurstGpt => "burstgpt",
        })
    }
}

impl InputFormat {
    /// The format in plain words, as `inspect` names it.
    pub fn describe(self) -> &'static str {
        match self {
            InputFormat::Pickle => "AlpaServe pickle",
            InputFormat::Native => "tracereplay cache (written by convert)",
            InputFormat::Azure2021 => "Azure Functions 2021 invocation trace (CSV)",
            InputFormat::Azure2019 => "Azure Functions 2019 per-minute counts (CSV)",
            InputFormat::AzureLlm => "Azure LLM inference trace (CSV)",
            InputFormat::Timestamps => "CSV of timestamps",
            InputFormat::Mooncake => "Mooncake JSONL",
            InputFormat::BurstGpt => "BurstGPT (CSV)",
        }
    }
}

impl FromStr for InputFormat {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Ok(match s {
            "pickle" | "pkl" => InputFormat::Pickle,
            "native" => InputFormat::Native,
            "azure2021" => InputFormat::Azure2021,
            "azure2019" => InputFormat::Azure2019,
            "azure-llm" | "llm" => InputFormat::AzureLlm,
            "timestamps" | "csv" => InputFormat::Timestamps,
            "mooncake" | "jsonl" => InputFormat::Mooncake,
            "burstgpt" => InputFormat::BurstGpt,
            other => {
                return Err(Error::param(
                    "format",
                    format!(
                        "{other:?} is not an input format; use pickle, native, azure2021, azure2019, \
                         azure-llm, timestamps, mooncake or burstgpt"
                    ),
                ));
            }
        })
    }
}

/// Unit of numeric timestamps in a generic CSV.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TimeUnit {
    /// Seconds.
    #[default]
    S,
    /// Milliseconds.
    Ms,
    /// Microseconds.
    Us,
    /// Nanoseconds.
    Ns,
    /// ISO-8601 wall-clock times (`2023-11-16 18:17:03.98`, `…T…Z`, `…+01:00`).
    Iso,
}

impl TimeUnit {
    /// The unit as `--time-unit` spells it.
    pub fn name(self) -> &'static str {
        match self {
            TimeUnit::S => "s",
            TimeUnit::Ms => "ms",
            TimeUnit::Us => "us",
            TimeUnit::Ns => "ns",
            TimeUnit::Iso => "iso",
        }
    }
}

impl FromStr for TimeUnit {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Ok(match s {
            "s" => TimeUnit::S,
            "ms" => TimeUnit::Ms,
            "us" => TimeUnit::Us,
            "ns" => TimeUnit::Ns,
            "iso" => TimeUnit::Iso,
            other => {
                return Err(Error::param(
                    "time-unit",
                    format!("{other:?}: use s, ms, us, ns or iso"),
                ));
            }
        })
    }
}

/// How to read an input; the defaults detect everything.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// The format, instead of detecting it.
    pub format: Option<InputFormat>,
    /// For pickles: the kind, instead of detecting it.
    pub kind: Option<TraceKind>,
    /// Generic CSV: the column with the times (name or 0-based number).
    pub time_column: Option<String>,
    /// Generic CSV: the column naming the function (none: one function).
    pub key_column: Option<String>,
    /// Generic CSV: the unit of the times.
    pub time_unit: TimeUnit,
    /// Skip rows that do not parse (and say how many) instead of failing.
    pub skip_bad_rows: bool,
    /// Function name for single-function inputs (LLM traces, generic CSV without a key).
    pub name: Option<String>,
    /// BurstGPT: drop failed requests (0 response tokens) instead of keeping them.
    pub skip_failed: bool,
    /// Generic CSV: the column of each request's prompt tokens (with `output_tokens_column`).
    pub input_tokens_column: Option<String>,
    /// Generic CSV: the column of each request's generated tokens.
    pub output_tokens_column: Option<String>,
    /// Read large pickles and caches into memory instead of mapping them (the command line
    /// sets it from `TRACEREPLAY_NO_MMAP`).
    pub no_mmap: bool,
    /// The most bytes a compressed input may decode to (`None`:
    /// [`crate::limits::DEFAULT_MAX_DECODED`]).
    pub max_decoded: Option<u64>,
    /// The most requests a text trace may hold (`None`: as many as the memory available can
    /// hold, [`crate::limits::default_max_requests`]).
    pub max_requests: Option<u64>,
}

impl LoadOptions {
    /// The cap on a compressed input's decoded bytes.
    pub fn decoded_cap(&self) -> u64 {
        self.max_decoded
            .unwrap_or(crate::limits::DEFAULT_MAX_DECODED)
    }

    /// The cap on a trace's requests (computed from the memory available when not given).
    pub fn requests_cap(&self) -> u64 {
        self.max_requests
            .unwrap_or_else(crate::limits::default_max_requests)
    }
}

/// Progress callback: bytes done, bytes in all.
pub type Progress<'a> = &'a mut dyn FnMut(u64, u64);
