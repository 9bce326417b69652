//! `secrets verify`: the checks CI (or a teammate's laptop) runs on a whole repository, one line
//! per problem: every file a `.sops.yaml` rule governs decrypts with the available identity and
//! its MAC checks; the keyless policy (valid sops files, recipients equal to the rule's,
//! protected files encrypted); no plaintext secret in the working tree (`--history`: nor in
//! any commit). Exit 0 clean, 1 problems, 2 error — as `secrets scan`.

use std::path::{Path, PathBuf};

use secrets_scan::config::PathMatcher;
use secrets_scan::policy::{Policy, NOT_ENCRYPTED};
use secrets_scan::source;
use secrets_sops::file::open_read_only;
use secrets_sops::store::Store;

use crate::cli::{ScanArgs, VerifyArgs};
use crate::cmd::context::Context;
use crate::report::Failure;

/// Exit code for errors (1 means problems).
const ERROR: u8 = 2;

fn scan_args(paths: Vec<PathBuf>, history: bool) -> ScanArgs {
    ScanArgs {
        paths,
        staged: false,
        history: history.then(String::new),
        format: "human".into(),
        output: None,
        no_redact: false,
        baseline: None,
        write_baseline: None,
    }
}

/// Runs `secrets verify`.
pub fn run(ctx: &Context, args: &VerifyArgs) -> Result<u8, Failure> {
    let root = git2::Repository::discover(&ctx.cwd)
        .ok()
        .and_then(|r| r.workdir().map(Path::to_path_buf))
        .unwrap_or_else(|| ctx.cwd.clone());
    let mut problems: Vec<String> = Vec::new();

    // Keyless policy and plaintext secrets in the working tree (the scanner, from the root).
    let config_path = ctx.config.as_ref().map(|c| c.path.clone());
    let tree = super::scan::scan(
        config_path.as_deref(),
        &scan_args(vec![root.clone()], false),
    )?;
    let shown = |file: &str| -> String {
        Path::new(file)
            .strip_prefix(&root)
            .map(|p| p.display().to_string())
            .unwrap_or_else(|_| file.to_string())
    };
    let mut not_encrypted: Vec<String> = Vec::new();
    for item in &tree.outcome.items {
        let f = &item.finding;
        if f.rule == NOT_ENCRYPTED {
            not_encrypted.push(shown(&f.file));
        }
        problems.push(format!(
            "{}:{}:{}: {}: {} ({})",
            shown(&f.file),
            f.line,
            f.column,
            f.rule,
            item.shown(false),
            item.fingerprint()
        ));
    }

    // Decryption and MAC of every file a creation rule governs.
    if let Some(config) = &ctx.config {
        let policy = Policy::new(
            Some(config.clone()),
            root.clone(),
            PathMatcher::new::<&str>(&[]).map_err(|e| Failure::new(ERROR, e))?,
        );
        let files =
            source::paths(std::slice::from_ref(&root)).map_err(|e| Failure::new(ERROR, e))?;
        let mut ids = ctx.identities();
        for blob in &files.blobs {
            let rel = shown(&blob.path);
            if !policy.is_ruled(&rel) || not_encrypted.contains(&rel) {
                continue;
            }
            let store = Store {
                format: secrets_sops::store::Format::from_path(Path::new(&rel)),
                config: ctx.store_config(None)?,
            };
            if let Err(e) = open_read_only(&blob.bytes, store, &mut ids, false, |_| {}) {
                let first = e.to_string();
                let first = first.lines().next().unwrap_or("cannot decrypt");
                problems.push(format!("{rel}: does not decrypt: {first}"));
            }
        }
    }

    if args.history {
        let hist = super::scan::scan(config_path.as_deref(), &scan_args(Vec::new(), true))?;
        for item in &hist.outcome.items {
            let f = &item.finding;
            let commits = if item.commits.is_empty() {
                String::new()
            } else {
                format!(" [commit {}]", item.commits.join(", "))
            };
            problems.push(format!(
                "{}:{}:{}: {}: {} ({}) in history{commits}",
                f.file,
                f.line,
                f.column,
                f.rule,
                item.shown(false),
                item.fingerprint()
            ));
        }
    }

    for p in &problems {
        println!("{p}");
    }
    if problems.is_empty() {
        eprintln!("secrets: verify: no problems");
        Ok(0)
    } else {
        eprintln!("secrets: verify: {} problem(s)", problems.len());
        Ok(1)
    }
}
