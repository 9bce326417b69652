//! `secrets log` (being written).

use anyhow::anyhow;

use crate::cli::LogArgs;
use crate::cmd::context::Context;
use crate::report::Failure;

/// Runs `secrets log`.
pub fn run(_ctx: &Context, _args: &LogArgs) -> Result<u8, Failure> {
    Err(Failure::new(2, anyhow!("not implemented yet")))
}
