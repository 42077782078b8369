//! Assigning trace functions to models.

use std::fmt;
use std::str::FromStr;

use crate::error::{Error, Result};

/// How functions are spread over models. The names are the original's: `stripe` deals
/// functions out in turn, `round_robin` gives each model a contiguous block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mapping {
    /// Function `i` goes to model `i mod M`.
    #[default]
    Stripe,
    /// Function `i` goes to model `⌊M·i / F⌋`.
    RoundRobin,
}

impl fmt::Display for Mapping {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Mapping::Stripe => "stripe",
            Mapping::RoundRobin => "round_robin",
        })
    }
}

impl FromStr for Mapping {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "stripe" => Ok(Mapping::Stripe),
            "round_robin" | "round-robin" => Ok(Mapping::RoundRobin),
            other => Err(Error::param(
                "mapping",
                format!("{other:?} is not a mapping strategy; use stripe or round_robin"),
            )),
        }
    }
}

impl Mapping {
    /// The model index of each of `functions` functions over `models` models.
    ///
    /// ```
    /// use tracereplay_tui::mapping::Mapping;
    /// assert_eq!(Mapping::Stripe.assign(2, 5), vec![0, 1, 0, 1, 0]);
    /// assert_eq!(Mapping::RoundRobin.assign(2, 5), vec![0, 0, 0, 1, 1]);
    /// ```
    pub fn assign(self, models: usize, functions: usize) -> Vec<usize> {
        (0..functions)
            .map(|i| match self {
                Mapping::Stripe => i % models,
                // u128 keeps M·i exact for any realistic sizes.
                Mapping::RoundRobin => (models as u128 * i as u128 / functions as u128) as usize,
            })
            .collect()
    }
}

/// `gpt0` … `gpt{n-1}`, the seed examples' default model names.
pub fn default_model_names(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("gpt{i}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_model_gets_functions_when_f_ge_m() {
        for (m, f) in [(1, 1), (3, 7), (5, 5), (7, 100)] {
            for strategy in [Mapping::Stripe, Mapping::RoundRobin] {
                let a = strategy.assign(m, f);
                for model in 0..m {
                    assert!(a.contains(&model), "{strategy} {m} {f}");
                }
                if strategy == Mapping::RoundRobin {
                    assert!(a.is_sorted());
                }
            }
        }
    }

    #[test]
    fn parse() {
        assert_eq!(
            "round_robin".parse::<Mapping>().unwrap(),
            Mapping::RoundRobin
        );
        assert!(
            "random"
                .parse::<Mapping>()
                .unwrap_err()
                .to_string()
                .contains("random")
        );
    }
}
