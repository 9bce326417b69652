//! `secrets hook install|uninstall`: the pre-commit hook (`hooks/pre-commit`, embedded).

use std::path::PathBuf;

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
    let repo = git2::Repository::discover(&cwd)
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

/// Runs the hook subcommand.
pub fn run(cmd: &HookCommand) -> Result<u8, Failure> {
    let dir = hooks_dir()?;
    let hook = dir.join("pre-commit");
    let local = dir.join("pre-commit.local");
    match cmd {
        HookCommand::Install => {
            std::fs::create_dir_all(&dir)
                .with_context(|| format!("cannot create {}", dir.display()))
                .map_err(fail)?;
            let existing = std::fs::read_to_string(&hook).ok();
            match existing {
                Some(text) if text.contains(MARKER) => {
                    if text != HOOK {
                        std::fs::write(&hook, HOOK).map_err(|e| fail(e.into()))?;
                    }
                    eprintln!(
                        "secrets: pre-commit hook already installed in {}",
                        dir.display()
                    );
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
                    std::fs::write(&hook, HOOK).map_err(|e| fail(e.into()))?;
                    eprintln!(
                        "secrets: installed the pre-commit hook in {}; the previous hook is kept as pre-commit.local and runs first",
                        dir.display()
                    );
                }
                None => {
                    std::fs::write(&hook, HOOK).map_err(|e| fail(e.into()))?;
                    eprintln!(
                        "secrets: installed the pre-commit hook in {}",
                        dir.display()
                    );
                }
            }
            set_executable(&hook).map_err(|e| fail(e.into()))?;
        }
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
