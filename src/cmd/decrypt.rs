//! `secrets decrypt`: sops file in, plaintext (or one extracted value) out.

use secrets_sops::file::open_read_only;
use secrets_sops::path;
use secrets_sops::tree::Value;

use crate::cli::DecryptArgs;
use crate::cmd::context::{deliver, resolve_io, Context};
use crate::report::{classify, code, warn, Failure, Phase};

/// Runs `decrypt`.
pub fn run(ctx: &Context, args: &DecryptArgs) -> Result<u8, Failure> {
    crate::cmd::context::warn_extra(&args.extra);
    crate::cmd::context::check_decryption_order(args.decryption_order.as_deref())?;
    let io = resolve_io(ctx, args.file.as_deref(), &args.output, &args.format, false)?;
    let steps = match &args.extract {
        Some(p) => Some(path::parse(p).map_err(|e| classify(e, Phase::Decrypt))?),
        None => None,
    };
    let bytes = io.input.read()?;
    let mut ids = ctx.identities();
    if args.ignore_mac {
        warn("--ignore-mac: the MAC is not verified; values may have been tampered with");
    }
    let opened = open_read_only(&bytes, io.input_store, &mut ids, args.ignore_mac, |m| {
        warn(&m)
    })
    .map_err(|e| classify(e, Phase::Decrypt))?;
    let out = match steps {
        None => io
            .output_store
            .emit_plain(&opened.branches.0)
            .map_err(|e| classify(e, Phase::Decrypt))?,
        Some(steps) => {
            let first = opened.branches.0.first().cloned().unwrap_or_default();
            let value = path::lookup(&first, &steps).map_err(|e| classify(e, Phase::Decrypt))?;
            extracted(&io.output_store, value)?
        }
    };
    let out = zeroize::Zeroizing::new(out);
    deliver(&io, &args.output, &out, 0o600)?;
    Ok(0)
}

/// sops prints an extracted string raw, a map as a document, anything else via the store.
fn extracted(store: &secrets_sops::store::Store, value: Value) -> Result<Vec<u8>, Failure> {
    let result = match value {
        Value::Str(s) => Ok(s.into_bytes()),
        Value::Bytes(b) => Ok(b),
        Value::Map(b) => store.emit_plain(&vec![b]),
        other => store.emit_value(&other),
    };
    result.map_err(|e| {
        let f = classify(e, Phase::Decrypt);
        Failure {
            code: code::ERROR_DUMPING_TREE,
            ..f
        }
    })
}
