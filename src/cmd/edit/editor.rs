//! Choosing and running the editor.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use anyhow::anyhow;

use super::scratch::{lock, Shared};
use crate::report::{code, Failure};

/// GUI editors that fork and return at once unless asked to wait, with the flag that makes
/// them wait.
const NEEDS_WAIT: &[(&str, &str)] = &[
    ("code", "--wait"),
    ("code-insiders", "--wait"),
    ("codium", "--wait"),
    ("vscodium", "--wait"),
    ("cursor", "--wait"),
    ("subl", "--wait"),
    ("sublime_text", "--wait"),
    ("zed", "--wait"),
    ("zeditor", "--wait"),
    ("atom", "--wait"),
    ("gedit", "--wait"),
    ("mate", "--wait"),
    ("gvim", "--nofork"),
    ("mvim", "--nofork"),
];

/// Flags that already make those editors wait.
const WAIT_FLAGS: &[&str] = &["--wait", "-w", "--nofork", "-f"];

/// The editor command line: `$SOPS_EDITOR`, `$EDITOR`, `$VISUAL`, else vim, nano or vi from
/// PATH (sops' order, with `$VISUAL` added).
pub fn command() -> Result<Vec<String>, Failure> {
    let configured = ["SOPS_EDITOR", "EDITOR", "VISUAL"].iter().find_map(|v| {
        std::env::var(v)
            .ok()
            .filter(|s| !s.trim().is_empty())
            .map(|s| (*v, s))
    });
    let mut words = match configured {
        Some((var, line)) => {
            let words = shlex::split(&line)
                .filter(|w| !w.is_empty())
                .ok_or_else(|| {
                    Failure::new(
                        code::NO_EDITOR_FOUND,
                        anyhow!("cannot split ${var} into a command line"),
                    )
                })?;
            words
        }
        None => {
            let found = ["vim", "nano", "vi"]
                .iter()
                .find(|p| on_path(p))
                .ok_or_else(|| {
                    Failure::new(code::NO_EDITOR_FOUND, anyhow!("no editor found"))
                        .hint("set $EDITOR (or $SOPS_EDITOR), or install vim or nano")
                })?;
            vec![found.to_string()]
        }
    };
    add_wait_flag(&mut words);
    Ok(words)
}

fn add_wait_flag(words: &mut Vec<String>) {
    let Some(program) = words.first() else { return };
    let base = Path::new(program)
        .file_name()
        .and_then(|b| b.to_str())
        .unwrap_or_default();
    let base = base.strip_suffix(".exe").unwrap_or(base);
    if let Some((_, flag)) = NEEDS_WAIT.iter().find(|(name, _)| *name == base) {
        if !words[1..].iter().any(|w| WAIT_FLAGS.contains(&w.as_str())) {
            words.insert(1, flag.to_string());
        }
    }
}

fn on_path(program: &str) -> bool {
    use std::os::unix::fs::PermissionsExt;
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path).any(|dir| {
        std::fs::metadata(dir.join(program))
            .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    })
}

/// Runs the editor on `file` with the terminal inherited. The child is shared with the signal
/// thread, which may kill it; waiting therefore polls instead of blocking on the lock.
pub fn run(words: &[String], file: &Path, shared: &Shared) -> Result<(), Failure> {
    let (program, args) = words
        .split_first()
        .ok_or_else(|| Failure::new(code::NO_EDITOR_FOUND, anyhow!("the editor is empty")))?;
    {
        let mut slot = lock(&shared.child);
        let child = Command::new(program)
            .args(args)
            .arg(file)
            .spawn()
            .map_err(|e| {
                Failure::new(
                    code::NO_EDITOR_FOUND,
                    anyhow!("cannot start the editor {program}: {e}"),
                )
            })?;
        *slot = Some(child);
    }
    loop {
        {
            let mut slot = lock(&shared.child);
            let Some(child) = slot.as_mut() else {
                // The signal thread took it and is about to exit the process.
                drop(slot);
                std::thread::sleep(Duration::from_secs(60));
                continue;
            };
            match child.try_wait() {
                Ok(Some(status)) => {
                    slot.take();
                    if status.success() {
                        return Ok(());
                    }
                    return Err(Failure::new(
                        code::NO_EDITOR_FOUND,
                        anyhow!("the editor {program} exited with {status}; nothing was saved"),
                    ));
                }
                Ok(None) => {}
                Err(e) => {
                    slot.take();
                    return Err(Failure::new(
                        code::NO_EDITOR_FOUND,
                        anyhow!("waiting for the editor {program}: {e}"),
                    ));
                }
            }
        }
        std::thread::sleep(Duration::from_millis(25));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &[&str]) -> Vec<String> {
        s.iter().map(|w| w.to_string()).collect()
    }

    #[test]
    fn gui_editors_wait() {
        let mut w = words(&["/usr/bin/code"]);
        add_wait_flag(&mut w);
        assert_eq!(w, words(&["/usr/bin/code", "--wait"]));
        let mut w = words(&["subl", "-w"]);
        add_wait_flag(&mut w);
        assert_eq!(w, words(&["subl", "-w"]));
        let mut w = words(&["vim", "-n"]);
        add_wait_flag(&mut w);
        assert_eq!(w, words(&["vim", "-n"]));
    }
}
