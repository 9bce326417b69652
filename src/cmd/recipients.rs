//! `secrets recipients list|add|remove` (work in progress).

use anyhow::anyhow;

use crate::cli::RecipientsCommand;
use crate::cmd::context::Context;
use crate::report::Failure;

/// Runs `secrets recipients …`.
pub fn run(_ctx: &Context, _command: &RecipientsCommand) -> Result<u8, Failure> {
    Err(Failure::new(
        1,
        anyhow!("secrets recipients is not implemented yet"),
    ))
}
