//! `secrets git setup|textconv`: git attributes, diff and merge driver configuration.

use crate::cmd::context::Context;
use crate::report::{code, Failure};

/// Runs the verb.
pub fn run(_ctx: &Context, _args: &crate::cli::GitCommand) -> Result<u8, Failure> {
    Err(Failure::new(
        code::GENERIC,
        anyhow::anyhow!("not implemented yet"),
    ))
}
