//! `secrets merge-driver`: three-way merge of sops files key by key.

use crate::cmd::context::Context;
use crate::report::{code, Failure};

/// Runs the verb.
pub fn run(_ctx: &Context, _args: &crate::cli::MergeDriverArgs) -> Result<u8, Failure> {
    Err(Failure::new(
        code::GENERIC,
        anyhow::anyhow!("not implemented yet"),
    ))
}
