//! The integration tests, one binary: each module tests one side of the tool from outside (the
//! command line, ingestion, the explorer, exports read by real consumers, hostile inputs), with
//! the helpers they share in `util`.

mod cli;
mod consumers;
mod hostile;
mod ingest;
mod oracle;
mod package;
mod pickle;
mod plot;
mod properties;
mod python;
mod quality;
mod round3;
mod terminal;
mod tui;
mod util;
mod volume;
