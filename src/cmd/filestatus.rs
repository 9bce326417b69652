//! `secrets filestatus`: is this file sops-encrypted? No key needed.

use std::path::Path;

use secrets_sops::file::is_encrypted;
use secrets_sops::store::{Format, Store};

use crate::cli::FilestatusArgs;
use crate::cmd::context::Context;
use crate::io::{write_stdout, Input};
use crate::report::{code, Failure};

/// Prints `{"encrypted":true}` or `{"encrypted":false}`.
pub fn run(ctx: &Context, args: &FilestatusArgs) -> Result<u8, Failure> {
    let input = Input::File(args.file.clone().into());
    let bytes = input.read().map_err(|f| Failure {
        code: code::GENERIC,
        ..f
    })?;
    let format = args
        .input_type
        .as_deref()
        .and_then(Format::from_name)
        .unwrap_or_else(|| Format::from_path(Path::new(&args.file)));
    let store = Store {
        format,
        config: ctx.store_config(None)?,
    };
    // Like sops: a file that does not even parse in its format is an error, not "false".
    let encrypted = match is_encrypted(&bytes, store) {
        Ok(e) => e,
        Err(e) => return Err(Failure::new(code::GENERIC, e)),
    };
    write_stdout(format!("{{\"encrypted\":{encrypted}}}\n").as_bytes())?;
    Ok(0)
}
