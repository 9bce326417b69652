//! `secrets updatekeys`: recipients in line with .sops.yaml, with a lock-out guard.

use crate::cmd::context::Context;
use crate::report::{code, Failure};

/// Runs the verb.
pub fn run(_ctx: &Context, _args: &crate::cli::UpdatekeysArgs) -> Result<u8, Failure> {
    Err(Failure::new(
        code::GENERIC,
        anyhow::anyhow!("not implemented yet"),
    ))
}
