//! `secrets status`: last change, age and cadence of every key of every sops file, and the
//! recipient policy of every file.
//!
//! Glue only: the computation is `secrets_audit::status::report` over the files at HEAD, the
//! history walk (`secrets_audit::history`), the inventory (`secrets_audit::inventory`) and
//! `.sops.yaml`. What is reported is the committed state: the sops files and the `.sops.yaml`
//! of HEAD (uncommitted edits are not seen); the inventory is read from the working tree
//! (`--inventory FILE`, else `secrets/inventory.yaml` at the repository root when present).
//! No key is needed.
//!
//! Exit 0 when nothing is overdue or out of policy; 1 when a key is overdue, a file's age
//! recipients differ from its creation rule, a recipient was removed without a data-key
//! rotation since, or (with `require_entries: true` in the inventory) a key has no inventory
//! entry; 2 on errors (not a repository, an invalid inventory, `.sops.yaml` or date).

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::anyhow;
use secrets_audit::history::{self, WalkOptions};
use secrets_audit::inventory::{self, Inventory, DEFAULT_INVENTORY};
use secrets_audit::status::{
    self, FileStatus, HeadFile, KeyStatus, Problem, RuleCheck, StatusInput, StatusReport,
};
use secrets_sops::config::{Config, CONFIG_FILE};
use secrets_sops::store::{Format, Store};

use crate::cli::StatusArgs;
use crate::cmd::context::Context;
use crate::io::write_stdout;
use crate::report::{warn, Failure};

/// Exit code when something is overdue or out of policy.
const PROBLEMS: u8 = 1;
/// Exit code for errors.
const ERROR: u8 = 2;

fn fail(e: impl Into<anyhow::Error>) -> Failure {
    Failure::new(ERROR, e)
}

/// Runs `secrets status`.
pub fn run(ctx: &Context, args: &StatusArgs) -> Result<u8, Failure> {
    let json = match args.format.as_str() {
        "table" => false,
        "json" => true,
        other => {
            return Err(fail(anyhow!("unknown format {other:?}")).hint("use --format table or json"))
        }
    };
    let now = match &args.as_of {
        Some(d) => status::parse_date(d.trim()).ok_or_else(|| {
            fail(anyhow!("--as-of {d:?} is not a date")).hint("dates look like 2026-06-01")
        })?,
        None => SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0),
    };
    let repo = git2::Repository::discover(&ctx.cwd).map_err(|e| {
        fail(anyhow!("not in a git repository: {}", e.message()))
            .hint("run secrets status inside the repository that holds the encrypted files")
    })?;
    let root = repo.workdir().map(Path::to_path_buf);
    let inventory = load_inventory(ctx, args, root.as_deref())?;
    let head = repo
        .head()
        .and_then(|h| h.peel_to_commit())
        .map_err(|e| fail(anyhow!("cannot read HEAD: {}", e.message())))?;
    let tree = head
        .tree()
        .map_err(|e| fail(anyhow!("cannot read the tree of HEAD: {}", e.message())))?;
    let base = root.clone().unwrap_or_else(|| repo.path().to_path_buf());
    let (files, config) = read_head(&repo, &tree, &base)?;
    if repo.is_shallow() {
        warn(
            "this is a shallow clone: changes before its oldest commit are not seen, so ages \
             may be too young (fetch the full history: git fetch --unshallow, or fetch-depth: 0 \
             in actions/checkout)",
        );
    }
    let (events, events_decrypted) = if args.decrypt {
        crate::cmd::log::walk_decrypting(ctx, &repo, Vec::new(), None)
    } else {
        history::walk(&repo, &WalkOptions::default()).map(|events| (events, false))
    }
    .map_err(|e| fail(anyhow!("reading the history: {e}")))?;
    let report = status::report(&StatusInput {
        now,
        files: &files,
        events: &events,
        events_decrypted,
        inventory: inventory.as_ref(),
        config: config.as_ref(),
    });

    let mut out = String::new();
    if json {
        let text = serde_json::to_string_pretty(&report).map_err(fail)?;
        out.push_str(&text);
        out.push('\n');
    } else {
        render_table(&report, &mut out);
    }
    write_stdout(out.as_bytes()).map_err(|f| Failure { code: ERROR, ..f })?;

    if let Some(Problem::RuleError { error, .. }) = report
        .problems()
        .iter()
        .find(|p| matches!(p, Problem::RuleError { .. }))
    {
        return Err(fail(anyhow!("invalid {CONFIG_FILE}: {error}")));
    }
    Ok(if report.is_clean() { 0 } else { PROBLEMS })
}

/// `--inventory FILE` (must exist), else `secrets/inventory.yaml` at the root when present.
fn load_inventory(
    ctx: &Context,
    args: &StatusArgs,
    root: Option<&Path>,
) -> Result<Option<Inventory>, Failure> {
    let path: PathBuf = match (&args.inventory, root) {
        (Some(p), _) => ctx.cwd.join(p),
        (None, Some(root)) if root.join(DEFAULT_INVENTORY).is_file() => {
            root.join(DEFAULT_INVENTORY)
        }
        (None, _) => return Ok(None),
    };
    let text = std::fs::read_to_string(&path)
        .map_err(|e| fail(anyhow!("cannot read the inventory {}: {e}", path.display())))?;
    let shown = root
        .and_then(|r| path.strip_prefix(r).ok())
        .unwrap_or(&path)
        .display()
        .to_string();
    inventory::parse(&text, &shown).map(Some).map_err(fail)
}

/// The sops files of HEAD (sorted by path) and HEAD's root `.sops.yaml`.
fn read_head(
    repo: &git2::Repository,
    tree: &git2::Tree<'_>,
    root: &Path,
) -> Result<(Vec<HeadFile>, Option<Config>), Failure> {
    let mut blobs: Vec<(String, git2::Oid)> = Vec::new();
    tree.walk(git2::TreeWalkMode::PreOrder, |dir, entry| {
        let blob = matches!(
            entry.filemode(),
            0o100644 | 0o100755 // regular files; not links, submodules or trees
        );
        if let (true, Some(name)) = (blob, entry.name()) {
            blobs.push((format!("{dir}{name}"), entry.id()));
        }
        git2::TreeWalkResult::Ok
    })
    .map_err(|e| fail(anyhow!("cannot list the files of HEAD: {}", e.message())))?;
    blobs.sort();

    let mut files = Vec::new();
    let mut config = None;
    for (path, id) in blobs {
        let blob = repo
            .find_blob(id)
            .map_err(|e| fail(anyhow!("cannot read {path} at HEAD: {}", e.message())))?;
        let bytes = blob.content();
        if path == CONFIG_FILE {
            let parsed = Config::parse(&root.join(CONFIG_FILE), bytes)
                .map_err(|e| fail(anyhow!("{CONFIG_FILE} at HEAD: {e}")))?;
            config = Some(parsed);
            continue;
        }
        if let Some(file) = sops_file(&path, bytes) {
            files.push(file);
        }
    }
    Ok((files, config))
}

/// A file is a sops file when it parses with sops metadata (a version) in the format its name
/// implies; the binary store is JSON.
fn sops_file(path: &str, bytes: &[u8]) -> Option<HeadFile> {
    if !bytes.windows(4).any(|w| w == b"sops") {
        return None;
    }
    let format = Format::from_path(Path::new(path));
    if format == Format::Binary && bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return None;
    }
    let (documents, metadata) = Store::new(format).load_encrypted(bytes).ok()?;
    if metadata.version.is_empty() {
        return None;
    }
    Some(HeadFile::new(path, &documents, &metadata))
}

// ---------------------------------------------------------------------------------------------
// Table output.

fn key_row(k: &KeyStatus) -> [String; 6] {
    let last = k
        .last_changed
        .as_ref()
        .map_or("-".to_string(), |s| s.date.clone());
    let age = k.age_days.map_or("-".to_string(), |a| format!("{a}d"));
    let cadence = k.cadence.map_or("-".to_string(), |c| c.to_string());
    [
        k.file.clone(),
        k.key.clone(),
        last,
        age,
        cadence,
        k.state.label().to_string(),
    ]
}

fn push_rows(rows: &[[String; 6]], out: &mut String) {
    let mut widths = [0usize; 6];
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    for row in rows {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            if i + 1 == row.len() {
                line.push_str(cell);
            } else {
                line.push_str(&format!("{cell:<w$}  ", w = widths[i]));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn file_lines(f: &FileStatus, report: &StatusReport, out: &mut String) {
    let name = &f.file;
    match &f.rule {
        RuleCheck::Match { .. } => out.push_str(&format!(
            "{name}: recipients match the {CONFIG_FILE} rule\n"
        )),
        RuleCheck::Mismatch { missing, extra, .. } => {
            let mut line = format!("{name}: recipients differ from the {CONFIG_FILE} rule");
            if !missing.is_empty() {
                line.push_str(&format!("; missing: {}", missing.join(", ")));
            }
            if !extra.is_empty() {
                line.push_str(&format!("; not in the rule: {}", extra.join(", ")));
            }
            out.push_str(&format!("{line} (run `secrets updatekeys {name}`)\n"));
        }
        RuleCheck::NoAgeRecipients => out.push_str(&format!(
            "{name}: its {CONFIG_FILE} rule has no age recipients (not compared)\n"
        )),
        RuleCheck::NoRule => {
            out.push_str(&format!("{name}: no {CONFIG_FILE} creation rule matches\n"))
        }
        RuleCheck::NoConfig => {}
        RuleCheck::Invalid { error } => {
            out.push_str(&format!("{name}: cannot apply {CONFIG_FILE}: {error}\n"))
        }
    }
    for r in &f.removed_since_rotation {
        let short: String = r.stamp.commit.chars().take(8).collect();
        out.push_str(&format!(
            "{name}: {} was removed on {} ({short}, {}) and the data key was not rotated \
             since: with a copy of the history they can still decrypt the current file (run \
             `secrets rotate -i {name}`)\n",
            r.recipient, r.stamp.date, r.stamp.author
        ));
    }
    let known: Vec<&str> = report
        .keys
        .iter()
        .filter(|k| &k.file == name && !k.known_to_removed.is_empty())
        .map(|k| k.key.as_str())
        .collect();
    if !known.is_empty() {
        out.push_str(&format!(
            "{name}: {} unchanged since a recipient was removed (rotate the values, not only \
             the data key): {}\n",
            plural(known.len(), "value", "values"),
            known.join(", ")
        ));
    }
    if report.inventory && !f.unlisted_keys.is_empty() {
        out.push_str(&format!(
            "{name}: {} without an inventory entry\n",
            plural(f.unlisted_keys.len(), "key", "keys")
        ));
    }
}

fn render_table(report: &StatusReport, out: &mut String) {
    if report.files.is_empty() {
        out.push_str("no sops files at HEAD\n");
        return;
    }
    if !report.keys.is_empty() {
        let mut rows = vec![[
            "FILE".to_string(),
            "KEY".to_string(),
            "LAST CHANGED".to_string(),
            "AGE".to_string(),
            "CADENCE".to_string(),
            "STATUS".to_string(),
        ]];
        rows.extend(report.keys.iter().map(key_row));
        push_rows(&rows, out);
        out.push('\n');
    }
    for f in &report.files {
        file_lines(f, report, out);
    }
    for e in &report.unused_entries {
        out.push_str(&format!(
            "inventory line {}: `{}` matches no key\n",
            e.line, e.pattern
        ));
    }
    let overdue = report.keys.iter().filter(|k| k.overdue).count();
    let unlisted = report.keys.iter().filter(|k| k.inventory.is_none()).count();
    let policy = report
        .problems()
        .iter()
        .filter(|p| !matches!(p, Problem::Overdue { .. } | Problem::MissingEntry { .. }))
        .count();
    let mut summary = vec![
        plural(report.keys.len(), "key", "keys")
            + &format!(" in {}", plural(report.files.len(), "file", "files")),
        format!("{overdue} overdue"),
        plural(policy, "policy problem", "policy problems"),
    ];
    if unlisted > 0 {
        summary.push(format!("{unlisted} without an inventory entry"));
    }
    out.push_str(&format!(
        "\n{} (as of {})\n",
        summary.join(", "),
        report.as_of
    ));
}
