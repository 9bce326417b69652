//! `secrets-scan`: finds plaintext secrets before they are committed.
//!
//! [`rules`] is the built-in rule set (a data file embedded in the binary) plus project rules;
//! [`detect`] runs it over text (keyword prefilter, regexes, entropy, allowlists); [`finding`]
//! is what a match reports (never the whole secret unless asked).
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod detect;
pub mod finding;
pub mod rules;
