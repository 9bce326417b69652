//! `secrets rotate`: new data key, every value re-encrypted.

use crate::cmd::context::Context;
use crate::report::{code, Failure};

/// Runs the verb.
pub fn run(_ctx: &Context, _args: &crate::cli::RotateArgs) -> Result<u8, Failure> {
    Err(Failure::new(
        code::GENERIC,
        anyhow::anyhow!("not implemented yet"),
    ))
}
