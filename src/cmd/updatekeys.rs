//! `secrets updatekeys`: bring each file's recipients in line with its `.sops.yaml` rule.
//! Shows who gains and who loses access, asks (or `-y`), refuses to lock the caller out
//! (unless `--force`), and rotates the data key whenever someone loses access.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::anyhow;
use secrets_sops::config::Config;
use secrets_sops::file::is_encrypted;
use secrets_sops::rekey;
use secrets_sops::store::{Format, Store};

use crate::cli::UpdatekeysArgs;
use crate::cmd::context::Context;
use crate::cmd::modify::open_target;
use crate::io::Input;
use crate::report::{classify, code, exit_code, warn, Failure, Phase};

/// Runs `updatekeys`.
pub fn run(ctx: &Context, args: &UpdatekeysArgs) -> Result<u8, Failure> {
    let config = ctx.config.as_ref().ok_or_else(|| {
        Failure::new(code::GENERIC, anyhow!("no .sops.yaml found")).hint(
            "updatekeys applies the creation rules of .sops.yaml; create one or pass --config",
        )
    })?;
    let files = if args.all {
        let mut found = args.files.clone();
        found.extend(rule_files(ctx, config));
        found
    } else {
        args.files.clone()
    };
    if files.is_empty() {
        return Err(Failure::new(
            code::NO_FILE_SPECIFIED,
            anyhow!(if args.all {
                "no encrypted file matches a creation rule"
            } else {
                "no file given"
            }),
        )
        .hint("name the files, or pass --all for every file the rules match"));
    }
    let (mut changed, mut failed) = (0, 0);
    for file in &files {
        match update_one(ctx, config, file, args) {
            Ok(true) => changed += 1,
            Ok(false) => {}
            Err(f) => {
                failed += 1;
                let f = Failure {
                    error: f.error.context(format!("{}", file.display())),
                    ..f
                };
                exit_code(Err(f));
            }
        }
    }
    if files.len() > 1 {
        eprintln!(
            "secrets: {} file(s) checked, {changed} updated, {failed} failed",
            files.len()
        );
    }
    Ok(if failed > 0 { code::GENERIC } else { 0 })
}

/// Every sops file under the config's directory that a creation rule matches (hidden
/// directories such as .git and build output are skipped).
fn rule_files(ctx: &Context, config: &Config) -> Vec<PathBuf> {
    let root = if config.dir().is_absolute() {
        config.dir().to_path_buf()
    } else {
        ctx.cwd.join(config.dir())
    };
    let mut out = Vec::new();
    let mut stack = vec![root];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut entries: Vec<_> = entries.flatten().collect();
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            let path = entry.path();
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                if !name.starts_with('.') && name != "target" && name != "node_modules" {
                    stack.push(path);
                }
            } else if kind.is_file()
                && name != ".sops.yaml"
                && config.rule_for(&path, &ctx.cwd).is_ok()
                && looks_encrypted(&path)
            {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

fn looks_encrypted(path: &Path) -> bool {
    let Ok(bytes) = std::fs::read(path) else {
        return false;
    };
    is_encrypted(&bytes, Store::new(Format::from_path(path))).unwrap_or(false)
}

fn update_one(
    ctx: &Context,
    config: &Config,
    file: &Path,
    args: &UpdatekeysArgs,
) -> Result<bool, Failure> {
    let rule = config
        .rule_for(file, &ctx.cwd)
        .map_err(|e| classify(e, Phase::Decrypt))?;
    if rule.key_groups.iter().all(Vec::is_empty) {
        return Err(Failure::new(
            code::GENERIC,
            anyhow!("the matching creation rule has no age recipients"),
        ));
    }
    // The plan needs no key: compare the file's recipients with the rule first.
    let format = args
        .input_type
        .as_deref()
        .and_then(Format::from_name)
        .unwrap_or_else(|| Format::from_path(file));
    let bytes = Input::File(file.to_path_buf()).read()?;
    let (_, md) = Store::new(format)
        .load_encrypted(&bytes)
        .map_err(|e| classify(e, Phase::Decrypt))?;
    let plan = rekey::diff(&md, &rule.key_groups, rule.shamir_threshold);
    if plan.is_empty() {
        eprintln!(
            "secrets: {}: recipients already match .sops.yaml",
            file.display()
        );
        return Ok(false);
    }
    let rotates = !plan.removed.is_empty() || plan.regrouped;
    let mut text = format!("{}:\n", file.display());
    for r in &plan.added {
        text.push_str(&format!("  + {r}  (gains access)\n"));
    }
    for r in &plan.removed {
        text.push_str(&format!("  - {r}  (loses access)\n"));
    }
    if plan.regrouped {
        text.push_str("  key groups or threshold change\n");
    }
    if rotates {
        text.push_str("  the data key will be rotated and every value re-encrypted\n");
    }
    eprint!("{text}");
    if !args.yes && !confirm()? {
        eprintln!("secrets: {}: left unchanged", file.display());
        return Ok(false);
    }
    let mut target = open_target(ctx, file, args.input_type.as_deref())?;
    let store = target.store;
    let new = rekey::apply(
        &mut target.opened,
        &rule.key_groups,
        rule.shamir_threshold,
        store,
    )
    .map_err(|e| classify(e, Phase::Encrypt))?;
    target.guard_lockout(&new, args.force)?;
    target.write(&new)?;
    eprintln!("secrets: {}: updated", file.display());
    if !plan.removed.is_empty() {
        warn("removed recipients can still decrypt earlier versions from git history; change the secret values themselves if they must lose access");
    }
    Ok(true)
}

/// Asks on the terminal; without one, refuses (use -y in scripts).
pub(crate) fn confirm() -> Result<bool, Failure> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return Err(Failure::new(
            code::GENERIC,
            anyhow!("confirmation needed but standard input is not a terminal"),
        )
        .hint("pass -y to apply the changes non-interactively"));
    }
    eprint!("Apply these changes? [y/N] ");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .map_err(|e| Failure::new(code::COULD_NOT_READ_INPUT, e))?;
    Ok(matches!(line.trim(), "y" | "Y" | "yes" | "Yes"))
}
