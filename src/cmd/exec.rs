//! `secrets exec-env` / `secrets exec-file`: hand decrypted values to a child process through
//! its environment or a private FIFO/file — never through its command line — as sops does.

use std::io::Write;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus};

use anyhow::anyhow;
use secrets_sops::file::open_read_only;
use secrets_sops::store::{Format, Store};
use secrets_sops::tree::{Item, Value};
use zeroize::Zeroizing;

use crate::cli::{ExecCommon, ExecEnvArgs, ExecFileArgs};
use crate::cmd::context::Context;
use crate::io::Input;
use crate::report::{classify, code, warn, Failure, Phase};

fn store_for(ctx: &Context, file: &Path, input_type: Option<&str>) -> Result<Store, Failure> {
    Ok(Store {
        format: input_type
            .and_then(Format::from_name)
            .unwrap_or_else(|| Format::from_path(file)),
        config: ctx.store_config(None)?,
    })
}

/// `/bin/sh -c COMMAND`, optionally as another user.
fn shell(command: &str, common: &ExecCommon) -> Result<Command, Failure> {
    let mut cmd = Command::new("/bin/sh");
    cmd.arg("-c").arg(command);
    if let Some(name) = &common.user {
        let user = nix::unistd::User::from_name(name)
            .ok()
            .flatten()
            .ok_or_else(|| Failure::new(code::GENERIC, anyhow!("no such user: {name}")))?;
        cmd.uid(user.uid.as_raw()).gid(user.gid.as_raw());
    }
    Ok(cmd)
}

/// Runs the child and turns its status into ours (sops prints `exit status N`).
fn wait(mut cmd: Command, background: bool) -> Result<u8, Failure> {
    let mut child = cmd
        .spawn()
        .map_err(|e| Failure::new(code::GENERIC, anyhow!("cannot run /bin/sh: {e}")))?;
    if background {
        return Ok(0);
    }
    let status = child
        .wait()
        .map_err(|e| Failure::new(code::GENERIC, anyhow!("waiting for the command: {e}")))?;
    Ok(status_code(status))
}

fn status_code(status: ExitStatus) -> u8 {
    match (status.code(), status.signal()) {
        (Some(0), _) => 0,
        (Some(c), _) => {
            eprintln!("exit status {c}");
            c.clamp(0, 255) as u8
        }
        (None, Some(sig)) => {
            eprintln!("signal: {sig}");
            (128 + sig).clamp(0, 255) as u8
        }
        (None, None) => code::GENERIC,
    }
}

/// Text of a top-level value as an environment variable (sops formats scalars with Go's %v).
fn env_text(value: &Value) -> Option<Zeroizing<String>> {
    let text = match value {
        Value::Str(s) | Value::Time(s) => s.clone(),
        Value::Bytes(b) => String::from_utf8_lossy(b).into_owned(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => secrets_sops::gofmt::float_f(*f),
        Value::Bool(b) => b.to_string(),
        Value::Null | Value::Comment(_) | Value::Map(_) | Value::List(_) => return None,
    };
    Some(Zeroizing::new(text))
}

/// Runs `exec-env`.
pub fn run_env(ctx: &Context, args: &ExecEnvArgs) -> Result<u8, Failure> {
    let store = store_for(ctx, &args.file, args.common.input_type.as_deref())?;
    let bytes = Input::File(args.file.clone()).read()?;
    let mut ids = ctx.identities();
    let opened = open_read_only(&bytes, store, &mut ids, false, |m| warn(&m))
        .map_err(|e| classify(e, Phase::Decrypt))?;
    let mut cmd = shell(&args.command, &args.common)?;
    if args.pristine {
        cmd.env_clear();
    }
    let mut skipped = Vec::new();
    if let Some(first) = opened.branches.0.first() {
        for item in &first.0 {
            let Item::Entry(key, value) = item else {
                continue;
            };
            match env_text(value) {
                Some(text) if !key.is_empty() && !key.contains(['=', '\0']) => {
                    if text.contains('\0') {
                        skipped.push(key.clone());
                    } else {
                        cmd.env(key, text.as_str());
                    }
                }
                _ => skipped.push(key.clone()),
            }
        }
    }
    if !skipped.is_empty() {
        warn(&format!(
            "not exported (nested, null or not a valid variable): {}",
            skipped.join(", ")
        ));
    }
    drop(opened);
    if args.same_process {
        // Only returns on failure.
        let err = cmd.exec();
        return Err(Failure::new(
            code::GENERIC,
            anyhow!("cannot run /bin/sh: {err}"),
        ));
    }
    wait(cmd, args.common.background)
}

/// A private 0700 directory (tmpfs when available) removed on drop.
fn private_dir() -> Result<tempfile::TempDir, Failure> {
    let base = std::env::var_os("XDG_RUNTIME_DIR")
        .map(PathBuf::from)
        .filter(|p| p.is_dir())
        .or_else(|| Some(PathBuf::from("/dev/shm")).filter(|p| p.is_dir()))
        .unwrap_or_else(std::env::temp_dir);
    tempfile::Builder::new()
        .prefix("secrets-exec-")
        .tempdir_in(&base)
        .or_else(|_| tempfile::Builder::new().prefix("secrets-exec-").tempdir())
        .map_err(|e| Failure::new(code::GENERIC, anyhow!("creating a private directory: {e}")))
}

/// Runs `exec-file`.
pub fn run_file(ctx: &Context, args: &ExecFileArgs) -> Result<u8, Failure> {
    let store = store_for(ctx, &args.file, args.common.input_type.as_deref())?;
    let output = Store {
        format: args
            .output_type
            .as_deref()
            .and_then(Format::from_name)
            .unwrap_or(store.format),
        config: store.config,
    };
    let bytes = Input::File(args.file.clone()).read()?;
    let mut ids = ctx.identities();
    let opened = open_read_only(&bytes, store, &mut ids, false, |m| warn(&m))
        .map_err(|e| classify(e, Phase::Decrypt))?;
    let plain = Zeroizing::new(
        output
            .emit_plain(&opened.branches.0)
            .map_err(|e| classify(e, Phase::Decrypt))?,
    );
    drop(opened);
    let dir = private_dir()?;
    let name = args
        .filename
        .clone()
        .unwrap_or_else(|| format!("tmp-file.{}", output.format.name()));
    if name.contains('/') || name == "." || name == ".." {
        return Err(Failure::new(
            code::GENERIC,
            anyhow!("--filename must be a plain file name"),
        ));
    }
    let path = dir.path().join(&name);
    let command = args.command.replace("{}", &path.to_string_lossy());
    let mut cmd = shell(&command, &args.common)?;
    if args.no_fifo {
        write_private(&path, &plain)?;
        let code = wait(cmd, false)?;
        wipe(&path, plain.len());
        return Ok(code);
    }
    nix::unistd::mkfifo(&path, nix::sys::stat::Mode::from_bits_truncate(0o600))
        .map_err(|e| Failure::new(code::GENERIC, anyhow!("creating a FIFO: {e}")))?;
    let child = cmd
        .spawn()
        .map_err(|e| Failure::new(code::GENERIC, anyhow!("cannot run /bin/sh: {e}")))?;
    // Opening a FIFO for writing blocks until the command opens it for reading; the writer
    // thread is abandoned (and dies with us) if the command never does.
    let fifo = path.clone();
    let data = plain.clone();
    std::thread::spawn(move || {
        if let Ok(mut f) = std::fs::OpenOptions::new().write(true).open(&fifo) {
            let _ = f.write_all(&data);
        }
    });
    let mut child = child;
    let status = child
        .wait()
        .map_err(|e| Failure::new(code::GENERIC, anyhow!("waiting for the command: {e}")))?;
    Ok(status_code(status))
}

fn write_private(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .and_then(|mut f| f.write_all(bytes).map(|_| f))
        .map_err(|e| Failure::new(code::GENERIC, anyhow!("writing the temporary file: {e}")))?;
    let _ = f.flush();
    Ok(())
}

/// Overwrites the temporary plaintext before the directory is removed.
fn wipe(path: &Path, len: usize) {
    if let Ok(mut f) = std::fs::OpenOptions::new().write(true).open(path) {
        let _ = f.write_all(&vec![0u8; len]);
        let _ = f.sync_all();
    }
}
