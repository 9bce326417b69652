//! `secrets set` / `secrets unset`: change one value with git-quiet re-encryption.

use crate::cmd::context::Context;
use crate::report::{code, Failure};

/// Runs the verb.
pub fn run_set(_ctx: &Context, _args: &crate::cli::SetArgs) -> Result<u8, Failure> {
    Err(Failure::new(
        code::GENERIC,
        anyhow::anyhow!("not implemented yet"),
    ))
}

/// Runs the verb.
pub fn run_unset(_ctx: &Context, _args: &crate::cli::UnsetArgs) -> Result<u8, Failure> {
    Err(Failure::new(
        code::GENERIC,
        anyhow::anyhow!("not implemented yet"),
    ))
}
