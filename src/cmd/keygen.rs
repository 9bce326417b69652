//! `secrets keygen`: a new age X25519 identity in the format of `age-keygen`, so sops, age and
//! `secrets` all read it. With `--output` the file is created with mode 0600 (never over an
//! existing file) and only the public key is printed; without it the identity goes to stdout.

use std::io::Write;

use anyhow::anyhow;
use secrets_sops::gofmt::GoTime;
use secrets_sops::keys::generate_identity;

use crate::cli::KeygenArgs;
use crate::io::write_stdout;
use crate::report::{code, Failure, WithCode};

/// Runs `secrets keygen`.
pub fn run(args: &KeygenArgs) -> Result<u8, Failure> {
    let new = generate_identity(&GoTime::now_utc().rfc3339());
    match &args.output {
        Some(path) => {
            create_private(path, new.text.as_bytes())?;
            eprintln!("Public key: {}", new.recipient);
        }
        None => {
            if std::io::IsTerminal::is_terminal(&std::io::stdout()) {
                eprintln!(
                    "secrets: warning: writing a secret key to a terminal; use --output FILE \
                     to keep it in a file"
                );
            }
            write_stdout(new.text.as_bytes())?;
        }
    }
    Ok(0)
}

/// Creates `path` (and missing parent directories, 0700) with mode 0600, refusing to replace
/// an existing file: losing an identity loses every file encrypted only to it.
pub fn create_private(path: &std::path::Path, bytes: &[u8]) -> Result<(), Failure> {
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| anyhow!("creating {}: {e}", dir.display()))
            .code(code::COULD_NOT_WRITE_OUTPUT)?;
    }
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => Failure::new(
                code::GENERIC,
                anyhow!(
                    "{} already exists; not overwriting an identity",
                    path.display()
                ),
            )
            .hint("choose another --output path, or move the old file away first"),
            _ => Failure::new(
                code::COULD_NOT_WRITE_OUTPUT,
                anyhow!("creating {}: {e}", path.display()),
            ),
        })?;
    let written = file.write_all(bytes).and_then(|()| file.sync_all());
    if let Err(e) = written {
        let _ = std::fs::remove_file(path);
        return Err(Failure::new(
            code::COULD_NOT_WRITE_OUTPUT,
            anyhow!("writing {}: {e}", path.display()),
        ));
    }
    Ok(())
}
