//! `secrets status` (being written).

use anyhow::anyhow;

use crate::cli::StatusArgs;
use crate::cmd::context::Context;
use crate::report::Failure;

/// Runs `secrets status`.
pub fn run(_ctx: &Context, _args: &StatusArgs) -> Result<u8, Failure> {
    Err(Failure::new(2, anyhow!("not implemented yet")))
}
