//! `secrets edit`: decrypt to a private temp dir, run the editor, re-encrypt quietly.

use crate::cmd::context::Context;
use crate::report::{code, Failure};

/// Runs the verb.
pub fn run(_ctx: &Context, _args: &crate::cli::EditArgs) -> Result<u8, Failure> {
    Err(Failure::new(
        code::GENERIC,
        anyhow::anyhow!("not implemented yet"),
    ))
}
