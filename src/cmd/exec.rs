//! `secrets exec-env` / `secrets exec-file`: values to a child process, never through argv.

use crate::cmd::context::Context;
use crate::report::{code, Failure};

/// Runs the verb.
pub fn run_env(_ctx: &Context, _args: &crate::cli::ExecEnvArgs) -> Result<u8, Failure> {
    Err(Failure::new(
        code::GENERIC,
        anyhow::anyhow!("not implemented yet"),
    ))
}

/// Runs the verb.
pub fn run_file(_ctx: &Context, _args: &crate::cli::ExecFileArgs) -> Result<u8, Failure> {
    Err(Failure::new(
        code::GENERIC,
        anyhow::anyhow!("not implemented yet"),
    ))
}
