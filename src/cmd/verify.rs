//! `secrets verify` (being written).

use anyhow::anyhow;

use crate::cli::VerifyArgs;
use crate::cmd::context::Context;
use crate::report::Failure;

/// Runs `secrets verify`.
pub fn run(_ctx: &Context, _args: &VerifyArgs) -> Result<u8, Failure> {
    Err(Failure::new(2, anyhow!("not implemented yet")))
}
