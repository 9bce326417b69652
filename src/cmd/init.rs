//! `secrets init` (work in progress).

use anyhow::anyhow;

use crate::cli::InitArgs;
use crate::cmd::context::Context;
use crate::report::Failure;

/// Runs `secrets init`.
pub fn run(_ctx: &Context, _args: &InitArgs) -> Result<u8, Failure> {
    Err(Failure::new(
        1,
        anyhow!("secrets init is not implemented yet"),
    ))
}
