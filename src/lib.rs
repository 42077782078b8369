//! # tracereplay-tui
//!
//! Turns production request traces (the public Azure Functions traces, as AlpaServe pickles
//! them) into serving workloads: map trace functions onto models, cut a window, replay it
//! verbatim or as fitted Poisson / gamma / pareto processes with rate, burstiness and time
//! scaling, and export the result.
//!
//! ```
//! use tracereplay_tui::replay::{replay, Distribution, ReplayParams};
//! use tracereplay_tui::trace::Trace;
//!
//! let trace = Trace::from_pickle(tracereplay_tui::assets::SAMPLE_TRACE, "sample", None).unwrap();
//! let params = ReplayParams {
//!     end: Some("1.0.0".into()),
//!     distribution: Distribution::Gamma,
//!     interval_seconds: 3600.0,
//!     ..ReplayParams::default()
//! };
//! let result = replay(&trace, &params).unwrap();
//! assert_eq!(result.models.len(), 5); // gpt0 … gpt4
//! assert!(result.models.iter().all(|m| m.arrivals.is_sorted()));
//! ```
//!
//! Modules, from the data up: [`trace`], [`ingest`] (with its safe [`ingest::pickle`] reader),
//! [`time`], [`mapping`], [`estimate`], [`replay`], [`stats`], [`workload`]; `cli` (the command
//! line) and `tui` (the explorer) are features. `docs/architecture.md` is the map.

pub mod assets;
#[cfg(feature = "cli")]
pub mod cli;
pub mod coarse;
pub mod compare;
pub mod error;
pub mod estimate;
pub mod format;
pub mod ingest;
pub mod limits;
pub mod mapping;
mod par;
pub mod plot;
pub mod quality;
pub mod quote;
pub mod replay;
pub mod report;
pub mod stats;
#[cfg(feature = "synth")]
pub mod synth;
pub mod time;
pub mod tokens;
pub mod trace;
#[cfg(feature = "tui")]
pub mod tui;
pub mod workload;

pub use error::{Error, Result};
