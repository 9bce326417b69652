//! `secrets hook install|uninstall`: the pre-commit hook (`hooks/pre-commit`, embedded).

use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context as _};

use crate::cli::HookCommand;
use crate::report::Failure;

/// The shim installed as `pre-commit`.
const HOOK: &str = include_str!("../../hooks/pre-commit");
/// Marks a hook as ours.
const MARKER: &str = "secrets-scan pre-commit hook";

fn fail(e: anyhow::Error) -> Failure {
    Failure::new(2, e)
}

fn hooks_dir() -> Result<PathBuf, Failure> {
    let cwd = std::env::current_dir().map_err(|e| fail(e.into()))?;
    hooks_dir_from(&cwd)
}

/// The hooks directory of the repository containing `start`: `core.hooksPath` (relative to
/// the work tree) when set, else `.git/hooks`.
pub(crate) fn hooks_dir_from(start: &Path) -> Result<PathBuf, Failure> {
    let repo = git2::Repository::discover(start)
        .map_err(|e| fail(anyhow!("not inside a git repository: {}", e.message())))?;
    let workdir = repo
        .workdir()
        .map(PathBuf::from)
        .unwrap_or_else(|| repo.path().to_path_buf());
    let configured = repo
        .config()
        .ok()
        .and_then(|c| c.get_path("core.hooksPath").ok());
    Ok(match configured {
        Some(p) if p.is_absolute() => p,
        Some(p) => workdir.join(p),
        None => repo.path().join("hooks"),
    })
}

fn set_executable(path: &std::path::Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
}

/// Writes our hook atomically (a crash never leaves a half-written hook).
fn write_hook(hook: &Path) -> Result<(), Failure> {
    crate::io::write_atomic(hook, HOOK.as_bytes(), 0o755).map_err(fail)
}

/// What [`install`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Installed {
    /// No hook was there; ours was written.
    Created,
    /// A foreign hook was moved to `pre-commit.local` (it runs first) and ours was written.
    Chained,
    /// Ours was there, from another version; rewritten.
    Refreshed,
    /// Ours was there, unchanged.
    Kept,
}

/// Installs the pre-commit hook in `dir` (idempotent; a foreign hook is kept as
/// `pre-commit.local` and chained).
pub(crate) fn install(dir: &Path) -> Result<Installed, Failure> {
    let hook = dir.join("pre-commit");
    let local = dir.join("pre-commit.local");
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create {}", dir.display()))
        .map_err(fail)?;
    let existing = std::fs::read_to_string(&hook).ok();
    let outcome = match existing {
        Some(text) if text.contains(MARKER) => {
            if text != HOOK {
                write_hook(&hook)?;
                Installed::Refreshed
            } else {
                Installed::Kept
            }
        }
        Some(_) => {
            if local.exists() {
                return Err(fail(anyhow!(
                    "{} exists and is not ours, and {} is taken; merge them by hand",
                    hook.display(),
                    local.display()
                )));
            }
            std::fs::rename(&hook, &local).map_err(|e| fail(e.into()))?;
            write_hook(&hook)?;
            Installed::Chained
        }
        None => {
            write_hook(&hook)?;
            Installed::Created
        }
    };
    set_executable(&hook).map_err(|e| fail(e.into()))?;
    Ok(outcome)
}

/// Runs the hook subcommand.
pub fn run(cmd: &HookCommand) -> Result<u8, Failure> {
    let dir = hooks_dir()?;
    let hook = dir.join("pre-commit");
    let local = dir.join("pre-commit.local");
    match cmd {
        HookCommand::Install => match install(&dir)? {
            Installed::Created => eprintln!(
                "secrets: installed the pre-commit hook in {}",
                dir.display()
            ),
            Installed::Chained => eprintln!(
                "secrets: installed the pre-commit hook in {}; the previous hook is kept as pre-commit.local and runs first",
                dir.display()
            ),
            Installed::Kept | Installed::Refreshed => eprintln!(
                "secrets: pre-commit hook already installed in {}",
                dir.display()
            ),
        },
        HookCommand::Uninstall => match std::fs::read_to_string(&hook) {
            Ok(text) if text.contains(MARKER) => {
                std::fs::remove_file(&hook).map_err(|e| fail(e.into()))?;
                if local.exists() {
                    std::fs::rename(&local, &hook).map_err(|e| fail(e.into()))?;
                }
                eprintln!(
                    "secrets: removed the pre-commit hook from {}",
                    dir.display()
                );
            }
            Ok(_) => eprintln!("secrets: {} is not ours; left alone", hook.display()),
            Err(_) => eprintln!("secrets: no pre-commit hook installed"),
        },
    }
    Ok(0)
}
