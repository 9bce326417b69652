//! `secrets recipients list|add|remove`.
//!
//! * `list` reads who can decrypt each sops file from the file's own metadata (no key needed),
//!   names each age recipient with the comment written next to it in `.sops.yaml`, and says per
//!   recipient and per file whether the file matches its creation rule.
//! * `add NAME KEY` / `remove NAME|KEY` edit `.sops.yaml` as text (comments, blank lines, quoting
//!   and layout kept; see `secrets_sops::config_edit`), then run updatekeys on every sops file a
//!   changed rule governs: adding keeps the data key, removing rotates it.
//!
//! `--files GLOB` selects the creation rules that govern the files matching GLOB — for each
//! matching file, the first rule whose path_regex matches it, as sops chooses. GLOB is matched
//! against every file of the repository (tracked or not ignored) by its path relative to the
//! directory of `.sops.yaml` (as path_regex is); a GLOB without wildcards is one path, which need
//! not exist yet.
//!
//! All or nothing: every governed file is decrypted, re-keyed and checked by the lock-out guard
//! in memory first; `.sops.yaml` and the files are written only when all of them succeeded.

use std::path::{Path, PathBuf};

use anyhow::anyhow;
use secrets_audit::inventory::{self, Inventory, DEFAULT_INVENTORY};
use secrets_sops::config::Config;
use secrets_sops::config_edit::{check_name, ConfigText, EditError, Edited, PathGlob};
use secrets_sops::keys::Recipient;
use secrets_sops::metadata::{MasterKey, Metadata};
use secrets_sops::rekey::{self, KeyDiff};
use secrets_sops::store::{Format, Store};
use serde_json::json;

use crate::cli::{RecipientsAddArgs, RecipientsCommand, RecipientsListArgs, RecipientsRemoveArgs};
use crate::cmd::context::Context;
use crate::cmd::modify::{open_target, Target};
use crate::cmd::updatekeys::confirm;
use crate::report::{classify, code, warn, Failure, Phase};

/// Runs `secrets recipients …`.
pub fn run(ctx: &Context, command: &RecipientsCommand) -> Result<u8, Failure> {
    match command {
        RecipientsCommand::List(a) => list(ctx, a),
        RecipientsCommand::Add(a) => add(ctx, a),
        RecipientsCommand::Remove(a) => remove(ctx, a),
    }
}

// ---------------------------------------------------------------------------------------------
// Files.

fn absolute(ctx: &Context, p: &Path) -> PathBuf {
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        ctx.cwd.join(p)
    }
}

/// The repository's working tree (found from the config's directory, else the working
/// directory); outside git, that directory itself.
fn root(ctx: &Context) -> PathBuf {
    let start = ctx
        .config
        .as_ref()
        .map(|c| absolute(ctx, c.dir()))
        .unwrap_or_else(|| ctx.cwd.clone());
    git2::Repository::discover(&start)
        .ok()
        .and_then(|r| r.workdir().map(Path::to_path_buf))
        .unwrap_or(start)
}

/// One file of the walk.
struct Walked {
    /// Absolute path.
    path: PathBuf,
    bytes: Vec<u8>,
}

/// Every file under `paths` (directories honour .gitignore; `.git` is skipped).
fn walk(paths: &[PathBuf]) -> Result<Vec<Walked>, Failure> {
    let collected =
        secrets_scan::source::paths(paths).map_err(|e| Failure::new(code::GENERIC, e))?;
    Ok(collected
        .blobs
        .into_iter()
        .map(|b| Walked {
            path: PathBuf::from(b.path),
            bytes: b.bytes,
        })
        .filter(|w| w.path.file_name().is_some_and(|n| n != ".sops.yaml"))
        .collect())
}

/// The sops metadata of a file, when it is a sops file (version and MAC present).
fn sops_metadata(w: &Walked) -> Option<Metadata> {
    if !w.bytes.windows(4).any(|s| s == b"sops") {
        return None;
    }
    let store = Store::new(Format::from_path(&w.path));
    match store.load_encrypted(&w.bytes) {
        Ok((_, md)) if !md.version.is_empty() && !md.mac.is_empty() => Some(md),
        _ => None,
    }
}

/// The path shown to the user: relative to the repository root when inside it.
fn shown(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.to_string_lossy().replace('\\', "/")
}

/// The index of the creation rule sops would use for `file`.
fn rule_index(config: &Config, file: &Path, cwd: &Path) -> Option<usize> {
    let rule = config.rule_for(file, cwd).ok()?;
    config
        .creation_rules
        .iter()
        .position(|r| std::ptr::eq(r, rule))
}

// ---------------------------------------------------------------------------------------------
// `.sops.yaml`.

struct Project<'c> {
    config: &'c Config,
    text: ConfigText,
    root: PathBuf,
}

fn project(ctx: &Context) -> Result<Project<'_>, Failure> {
    let config = ctx.config.as_ref().ok_or_else(|| {
        Failure::new(code::GENERIC, anyhow!("no .sops.yaml found"))
            .hint("recipients are kept in the creation rules of .sops.yaml: create one (`secrets init`) or pass --config")
    })?;
    let bytes = std::fs::read(&config.path).map_err(|e| {
        Failure::new(
            code::GENERIC,
            anyhow::Error::new(e).context(format!("reading {}", config.path.display())),
        )
    })?;
    let text = String::from_utf8(bytes).map_err(|_| {
        Failure::new(
            code::GENERIC,
            anyhow!("{} is not UTF-8 text", config.path.display()),
        )
    })?;
    let text = ConfigText::parse(&text).map_err(|e| edit_failure(config, e))?;
    if text.rule_count() != config.creation_rules.len() {
        return Err(Failure::new(
            code::GENERIC,
            anyhow!(
                "{}: found {} creation rules as text but {} when loading it",
                config.path.display(),
                text.rule_count(),
                config.creation_rules.len()
            ),
        )
        .hint("edit .sops.yaml by hand, then run `secrets updatekeys --all`"));
    }
    if config.creation_rules.is_empty() {
        return Err(Failure::new(
            code::GENERIC,
            anyhow!("{} has no creation_rules", config.path.display()),
        )
        .hint("add a creation rule with an `age:` list first"));
    }
    Ok(Project {
        config,
        text,
        root: root(ctx),
    })
}

fn edit_failure(config: &Config, e: EditError) -> Failure {
    let hint = match &e {
        EditError::GroupNeeded { .. } | EditError::NoSuchGroup { .. } => {
            "pass --group N (the GROUP column of `secrets recipients list`)"
        }
        EditError::LastRecipient { .. } | EditError::EmptyGroup { .. } => {
            "add the replacement first (`secrets recipients add NAME KEY`), or remove the creation rule by hand"
        }
        EditError::BadName { .. } => {
            "the name is written as a YAML comment next to the key: one line such as alice or ci-deploy"
        }
        EditError::BadGlob { .. } => {
            "globs: * within a directory, ** across directories, ?, [abc], {a,b}"
        }
        _ => "edit .sops.yaml by hand, then run `secrets updatekeys --all`",
    };
    let name = config
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| ".sops.yaml".into());
    Failure::new(code::GENERIC, anyhow::Error::new(e).context(name)).hint(hint)
}

/// The rules `--files` selects (all rules without it).
fn select_rules(
    ctx: &Context,
    p: &Project<'_>,
    glob: Option<&str>,
    walked: &[Walked],
) -> Result<Vec<usize>, Failure> {
    let Some(glob) = glob else {
        return Ok((0..p.config.creation_rules.len()).collect());
    };
    if PathGlob::is_literal(glob) {
        let path = absolute(ctx, p.config.dir()).join(glob);
        return match rule_index(p.config, &path, &ctx.cwd) {
            Some(i) => Ok(vec![i]),
            None => Err(
                Failure::new(code::GENERIC, anyhow!("no creation rule matches {glob}"))
                    .hint("the path is taken relative to the directory of .sops.yaml"),
            ),
        };
    }
    let g = PathGlob::new(glob).map_err(|e| edit_failure(p.config, e))?;
    let mut matched = 0;
    let mut out = Vec::new();
    for w in walked {
        if g.is_match(&p.config.match_path(&w.path, &ctx.cwd)) {
            matched += 1;
            if let Some(i) = rule_index(p.config, &w.path, &ctx.cwd) {
                if !out.contains(&i) {
                    out.push(i);
                }
            }
        }
    }
    out.sort_unstable();
    if matched == 0 {
        return Err(Failure::new(
            code::GENERIC,
            anyhow!("no file matches --files {glob}"),
        )
        .hint("GLOB is matched against paths relative to the directory of .sops.yaml (* within a directory, ** across); a path without wildcards selects the rule for a file that does not exist yet"));
    }
    if out.is_empty() {
        return Err(Failure::new(
            code::GENERIC,
            anyhow!("no creation rule governs the {matched} file(s) matching {glob}"),
        ));
    }
    Ok(out)
}

fn describe_rules(p: &Project<'_>, rules: &[usize]) -> String {
    let one = |i: usize| {
        let line = p.text.rule_line(i).unwrap_or(0);
        match &p.config.creation_rules[i].path_regex {
            Some(re) => format!("the rule at line {line} ({re})"),
            None => format!("the rule at line {line} (every file)"),
        }
    };
    match rules {
        [i] => one(*i),
        _ => {
            let lines: Vec<String> = rules.iter().map(|i| one(*i)).collect();
            format!("{} rules: {}", rules.len(), lines.join(", "))
        }
    }
}

/// `KEY (name)` or `KEY`.
fn labelled(key: &str, names: &[&ConfigText]) -> String {
    match names.iter().find_map(|t| t.name_of(key)) {
        Some(n) => format!("{key} ({n})"),
        None => key.to_string(),
    }
}

// ---------------------------------------------------------------------------------------------
// list

struct Row {
    group: usize,
    recipient: String,
    name: Option<String>,
    status: &'static str,
}

struct FileReport {
    file: String,
    rule_line: Option<usize>,
    matches: Option<bool>,
    groups: usize,
    threshold: usize,
    rows: Vec<Row>,
}

fn report(
    ctx: &Context,
    names: Option<&ConfigText>,
    root: &Path,
    path: &Path,
    md: &Metadata,
) -> FileReport {
    let name_of = |k: &str| names.and_then(|t| t.name_of(k)).map(String::from);
    let rule = ctx
        .config
        .as_ref()
        .and_then(|c| rule_index(c, path, &ctx.cwd).map(|i| (i, &c.creation_rules[i])));
    let mut rows = Vec::new();
    for (g, group) in md.key_groups.iter().enumerate() {
        for k in &group.0 {
            let (recipient, name, status) = match k {
                MasterKey::Age(a) => {
                    let status = match rule {
                        None => "no rule",
                        Some((_, r))
                            if r.key_groups
                                .get(g)
                                .is_some_and(|rg| rg.contains(&a.recipient)) =>
                        {
                            "ok"
                        }
                        Some((_, r))
                            if r.key_groups.iter().flatten().any(|x| *x == a.recipient) =>
                        {
                            "other group in rule"
                        }
                        Some(_) => "not in rule",
                    };
                    (a.recipient.clone(), name_of(&a.recipient), status)
                }
                MasterKey::Foreign { .. } => (k.label(), None, "not age"),
            };
            rows.push(Row {
                group: g,
                recipient,
                name,
                status,
            });
        }
    }
    if let Some((_, r)) = rule {
        for (g, rg) in r.key_groups.iter().enumerate() {
            for key in rg {
                let present = md
                    .key_groups
                    .get(g)
                    .is_some_and(|grp| grp.age_keys().any(|a| a.recipient == *key));
                if !present {
                    rows.push(Row {
                        group: g,
                        recipient: key.clone(),
                        name: name_of(key),
                        status: "missing",
                    });
                }
            }
        }
    }
    FileReport {
        file: shown(root, path),
        rule_line: rule.and_then(|(i, _)| names.and_then(|t| t.rule_line(i))),
        matches: rule.map(|(_, r)| rekey::diff(md, &r.key_groups, r.shamir_threshold).is_empty()),
        groups: md.key_groups.len(),
        threshold: md.effective_threshold(),
        rows,
    }
}

/// The repository's inventory when it exists, parses and excludes something.
fn excluding_inventory(root: &Path) -> Option<Inventory> {
    let text = std::fs::read_to_string(root.join(DEFAULT_INVENTORY)).ok()?;
    inventory::parse(&text, DEFAULT_INVENTORY)
        .ok()
        .filter(|inv| !inv.exclude.is_empty())
}

fn list(ctx: &Context, args: &RecipientsListArgs) -> Result<u8, Failure> {
    let as_json = match args.format.as_str() {
        "table" => false,
        "json" => true,
        other => {
            return Err(
                Failure::new(code::GENERIC, anyhow!("unknown --format {other:?}"))
                    .hint("use --format table or --format json"),
            )
        }
    };
    let names = ctx
        .config
        .as_ref()
        .and_then(|c| std::fs::read_to_string(&c.path).ok())
        .and_then(|t| ConfigText::parse(&t).ok());
    let root = root(ctx);
    let targets: Vec<PathBuf> = if args.paths.is_empty() {
        vec![root.clone()]
    } else {
        args.paths.iter().map(|p| absolute(ctx, p)).collect()
    };
    for t in &targets {
        if !t.exists() {
            return Err(Failure::new(
                code::NO_FILE_SPECIFIED,
                anyhow!("{} does not exist", t.display()),
            ));
        }
    }
    // Without paths, the inventory's `exclude` (test fixtures, vendored examples) applies, as
    // in `secrets status`.
    let inventory = if args.paths.is_empty() {
        excluding_inventory(&root)
    } else {
        None
    };
    let mut excluded = 0;
    let mut failed = 0;
    let mut reports = Vec::new();
    for w in walk(&targets)? {
        let metadata = sops_metadata(&w);
        let left_out = inventory.as_ref().is_some_and(|inv| {
            let rel = w.path.strip_prefix(&root).unwrap_or(&w.path);
            inv.excludes(&rel.to_string_lossy())
        });
        if metadata.is_some() && left_out {
            excluded += 1;
            continue;
        }
        match metadata {
            Some(md) => reports.push(report(ctx, names.as_ref(), &root, &w.path, &md)),
            None if targets.contains(&w.path) => {
                eprintln!(
                    "secrets: error: {}: not a sops file (no sops metadata with a MAC)",
                    shown(&root, &w.path)
                );
                failed += 1;
            }
            None => {}
        }
    }
    reports.sort_by(|a, b| a.file.cmp(&b.file));
    let out = if as_json {
        render_json(&reports)
    } else {
        render_table(&reports)
    };
    crate::io::write_stdout(out.as_bytes())?;
    if reports.is_empty() && !as_json {
        eprintln!("secrets: no sops files found");
    }
    if excluded > 0 {
        eprintln!(
            "secrets: {excluded} sops file(s) left out by `exclude` in {DEFAULT_INVENTORY} \
             (name them to list them)"
        );
    }
    Ok(if failed > 0 { code::GENERIC } else { 0 })
}

fn render_json(reports: &[FileReport]) -> String {
    let files: Vec<serde_json::Value> = reports
        .iter()
        .map(|r| {
            let rows = |missing: bool| -> Vec<serde_json::Value> {
                r.rows
                    .iter()
                    .filter(|row| (row.status == "missing") == missing)
                    .map(|row| {
                        json!({
                            "group": row.group,
                            "recipient": row.recipient,
                            "name": row.name,
                            "status": row.status,
                        })
                    })
                    .collect()
            };
            json!({
                "file": r.file,
                "rule_line": r.rule_line,
                "matches_rule": r.matches,
                "key_groups": r.groups,
                "threshold": r.threshold,
                "recipients": rows(false),
                "missing": rows(true),
            })
        })
        .collect();
    let mut s = serde_json::to_string_pretty(&json!({ "files": files })).unwrap_or_default();
    s.push('\n');
    s
}

/// Long recipients (SSH keys) shortened for the table: start and end, which keeps the comment
/// (`user@host`); age keys (62 characters) are shown whole.
fn short(recipient: &str) -> String {
    let chars: Vec<char> = recipient.chars().collect();
    if chars.len() <= 64 {
        return recipient.to_string();
    }
    let head: String = chars[..40].iter().collect();
    let tail: String = chars[chars.len() - 20..].iter().collect();
    format!("{head}…{tail}")
}

fn render_table(reports: &[FileReport]) -> String {
    if reports.is_empty() {
        return String::new();
    }
    let header = ["FILE", "GROUP", "RECIPIENT", "NAME", "STATUS"];
    let mut cells: Vec<[String; 5]> = Vec::new();
    for r in reports {
        for row in &r.rows {
            cells.push([
                r.file.clone(),
                row.group.to_string(),
                short(&row.recipient),
                row.name.clone().unwrap_or_else(|| "-".into()),
                row.status.to_string(),
            ]);
        }
    }
    let mut widths = header.map(str::len);
    for c in &cells {
        for (w, s) in widths.iter_mut().zip(c) {
            *w = (*w).max(s.chars().count());
        }
    }
    let line = |c: [&str; 5]| -> String {
        let mut s = String::new();
        for (i, (cell, w)) in c.iter().zip(widths).enumerate() {
            if i + 1 == c.len() {
                s.push_str(cell);
            } else {
                s.push_str(cell);
                s.push_str(&" ".repeat(w - cell.chars().count() + 2));
            }
        }
        s.push('\n');
        s
    };
    let mut out = line(header);
    for c in &cells {
        out.push_str(&line([&c[0], &c[1], &c[2], &c[3], &c[4]]));
    }
    out.push('\n');
    for r in reports {
        let who = |status: &str| -> Vec<String> {
            r.rows
                .iter()
                .filter(|row| row.status == status)
                .map(|row| row.name.clone().unwrap_or_else(|| row.recipient.clone()))
                .collect()
        };
        let at = r
            .rule_line
            .map(|l| format!(" (.sops.yaml line {l})"))
            .unwrap_or_default();
        let groups = if r.groups > 1 {
            format!(", {} key groups, {} needed", r.groups, r.threshold)
        } else {
            String::new()
        };
        match r.matches {
            None => out.push_str(&format!(
                "{}: no creation rule matches it{groups}\n",
                r.file
            )),
            Some(true) => out.push_str(&format!(
                "{}: matches its creation rule{at}{groups}\n",
                r.file
            )),
            Some(false) => {
                let mut parts = Vec::new();
                let missing = who("missing");
                if !missing.is_empty() {
                    parts.push(format!("missing {}", missing.join(", ")));
                }
                let mut extra = who("not in rule");
                extra.extend(who("other group in rule"));
                if !extra.is_empty() {
                    parts.push(format!("not in the rule: {}", extra.join(", ")));
                }
                if parts.is_empty() {
                    parts.push("key groups or threshold differ".into());
                }
                out.push_str(&format!(
                    "{}: differs from its creation rule{at}: {}{groups}; run `secrets updatekeys {}`\n",
                    r.file,
                    parts.join("; "),
                    r.file
                ));
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// add / remove

fn add(ctx: &Context, args: &RecipientsAddArgs) -> Result<u8, Failure> {
    let key = args.key.trim();
    if key.to_ascii_uppercase().starts_with("AGE-SECRET-KEY-") || key.contains("PRIVATE KEY") {
        return Err(Failure::new(
            code::GENERIC,
            anyhow!("KEY is a secret key; recipients are public keys"),
        )
        .hint("give the public key, age1… (`age-keygen -y KEYFILE` prints it); the secret key never goes into .sops.yaml"));
    }
    Recipient::parse(key).map_err(|e| {
        Failure::new(code::GENERIC, e).hint(
            "an age recipient is the public key, age1… (print yours with `age-keygen -y KEYFILE`)",
        )
    })?;
    let p = project(ctx)?;
    let name = check_name(&args.name).map_err(|e| edit_failure(p.config, e))?;
    let walked = walk(std::slice::from_ref(&p.root))?;
    let mut rules = select_rules(ctx, &p, args.files.as_deref(), &walked)?;
    if args.files.is_none() {
        // Without --files, rules that use no age keys (pgp, kms, …) are left alone.
        let (with, without): (Vec<usize>, Vec<usize>) =
            rules.iter().partition(|i| p.text.has_age(**i));
        for i in &without {
            eprintln!(
                "secrets: .sops.yaml: {} has no age recipients; left unchanged",
                describe_rules(&p, &[*i])
            );
        }
        if with.is_empty() {
            return Err(Failure::new(
                code::GENERIC,
                anyhow!("no creation rule of .sops.yaml has an `age` field"),
            )
            .hint("add `age:` to a rule by hand, or use --files to choose one"));
        }
        rules = with;
    }
    if let Some(other) = p.text.keys_named(name).into_iter().find(|k| k != key) {
        warn(&format!(
            "the name {name} is already given to {other}; both keys will carry it (`recipients remove {name}` removes both)"
        ));
    }
    let edited = p
        .text
        .add(key, name, &rules, args.group)
        .map_err(|e| edit_failure(p.config, e))?;
    if edited.changed.is_empty() {
        eprintln!(
            "secrets: {} is already a recipient of {}; nothing changed",
            labelled(key, &[&p.text]),
            describe_rules(&p, &rules)
        );
        let behind = walked
            .iter()
            .filter(|w| {
                rule_index(p.config, &w.path, &ctx.cwd).is_some_and(|i| rules.contains(&i))
                    && sops_metadata(w).is_some_and(|md| !md.age_keys().any(|a| a.recipient == key))
            })
            .count();
        if behind > 0 {
            eprintln!("hint: {behind} encrypted file(s) governed by these rules do not have it yet: run `secrets updatekeys --all`");
        }
        return Ok(0);
    }
    for i in &edited.unchanged {
        eprintln!(
            "secrets: .sops.yaml: {} already has {key}",
            describe_rules(&p, &[*i])
        );
    }
    let header = format!(
        ".sops.yaml: add {name} ({key}) to {}",
        describe_rules(&p, &edited.changed)
    );
    apply(ctx, &p, &edited, &walked, &header, args.yes, false)
}

fn remove(ctx: &Context, args: &RecipientsRemoveArgs) -> Result<u8, Failure> {
    let p = project(ctx)?;
    let who = args.name.trim();
    let keys = if who.starts_with("age1") || who.starts_with("ssh-") {
        vec![who.to_string()]
    } else {
        p.text.keys_named(who)
    };
    if keys.is_empty() {
        let mut known: Vec<&str> = p.text.names().iter().map(|(_, n)| n.as_str()).collect();
        known.sort_unstable();
        known.dedup();
        let hint = if known.is_empty() {
            "no key in .sops.yaml has a name yet; give the age1… key".to_string()
        } else {
            format!(
                "names in .sops.yaml: {}; or give the age1… key",
                known.join(", ")
            )
        };
        return Err(Failure::new(
            code::GENERIC,
            anyhow!("no recipient named {who:?} in .sops.yaml"),
        )
        .hint(hint));
    }
    let walked = walk(std::slice::from_ref(&p.root))?;
    let rules = select_rules(ctx, &p, args.files.as_deref(), &walked)?;
    let edited = p
        .text
        .remove(&keys, &rules)
        .map_err(|e| edit_failure(p.config, e))?;
    if edited.changed.is_empty() {
        eprintln!(
            "secrets: {who} is not a recipient of {}; nothing changed",
            describe_rules(&p, &rules)
        );
        return Ok(0);
    }
    let labels: Vec<String> = keys.iter().map(|k| labelled(k, &[&p.text])).collect();
    let header = format!(
        ".sops.yaml: remove {} from {}",
        labels.join(", "),
        describe_rules(&p, &edited.changed)
    );
    apply(ctx, &p, &edited, &walked, &header, args.yes, args.force)
}

/// A governed file and what updatekeys will do to it.
struct Plan {
    path: PathBuf,
    file: String,
    rule: usize,
    diff: KeyDiff,
}

/// Shows the plan, asks, re-keys every governed file in memory (lock-out guard included), then
/// writes `.sops.yaml` and the files.
fn apply(
    ctx: &Context,
    p: &Project<'_>,
    edited: &Edited,
    walked: &[Walked],
    header: &str,
    yes: bool,
    force: bool,
) -> Result<u8, Failure> {
    let new_config = Config::parse(&p.config.path, edited.text.as_bytes())
        .map_err(|e| Failure::new(code::GENERIC, e))?;
    let new_text = ConfigText::parse(&edited.text).map_err(|e| edit_failure(p.config, e))?;
    let names = [&new_text, &p.text];
    let mut plans = Vec::new();
    for w in walked {
        let Some(rule) = rule_index(&new_config, &w.path, &ctx.cwd) else {
            continue;
        };
        if !edited.changed.contains(&rule) {
            continue;
        }
        let Some(md) = sops_metadata(w) else { continue };
        let r = &new_config.creation_rules[rule];
        plans.push(Plan {
            path: w.path.clone(),
            file: shown(&p.root, &w.path),
            rule,
            diff: rekey::diff(&md, &r.key_groups, r.shamir_threshold),
        });
    }
    plans.sort_by(|a, b| a.file.cmp(&b.file));

    let mut text = format!("{header}\n");
    if plans.is_empty() {
        text.push_str("  no encrypted file is governed by the changed rules\n");
    }
    for plan in &plans {
        if plan.diff.is_empty() {
            text.push_str(&format!("{}: recipients already match\n", plan.file));
            continue;
        }
        text.push_str(&format!("{}:\n", plan.file));
        for r in &plan.diff.added {
            text.push_str(&format!("  + {}  (gains access)\n", labelled(r, &names)));
        }
        for r in &plan.diff.removed {
            text.push_str(&format!("  - {}  (loses access)\n", labelled(r, &names)));
        }
        if plan.diff.regrouped {
            text.push_str("  key groups or threshold change\n");
        }
        if !plan.diff.removed.is_empty() || plan.diff.regrouped {
            text.push_str("  the data key will be rotated and every value re-encrypted\n");
        }
    }
    eprint!("{text}");
    if !yes && !confirm()? {
        eprintln!("secrets: nothing changed");
        return Ok(0);
    }

    // Everything in memory first: a file that cannot be decrypted or would lock the caller out
    // stops the whole change before anything is written.
    let mut ready: Vec<(Target, Vec<u8>, &Plan)> = Vec::new();
    for plan in plans.iter().filter(|pl| !pl.diff.is_empty()) {
        let nothing = |f: Failure| {
            eprintln!("secrets: nothing was changed");
            f
        };
        let in_file = |f: Failure| {
            nothing(Failure {
                error: f.error.context(plan.file.clone()),
                ..f
            })
        };
        let rule = &new_config.creation_rules[plan.rule];
        // Relative to the working directory when inside it, for the lock-out message.
        let path = plan.path.strip_prefix(&ctx.cwd).unwrap_or(&plan.path);
        let mut target = open_target(ctx, path, None).map_err(in_file)?;
        let store = target.store;
        let bytes = rekey::apply(
            &mut target.opened,
            &rule.key_groups,
            rule.shamir_threshold,
            store,
        )
        .map_err(|e| in_file(classify(e, Phase::Encrypt)))?;
        target.guard_lockout(&bytes, force).map_err(nothing)?;
        ready.push((target, bytes, plan));
    }

    crate::io::write_atomic(&p.config.path, edited.text.as_bytes(), 0o644)
        .map_err(|e| Failure::new(code::COULD_NOT_WRITE_OUTPUT, e))?;
    eprintln!("secrets: .sops.yaml: updated");
    let mut rotated = false;
    for (target, bytes, plan) in &ready {
        target.write(bytes)?;
        let rotates = !plan.diff.removed.is_empty() || plan.diff.regrouped;
        rotated |= !plan.diff.removed.is_empty();
        eprintln!(
            "secrets: {}: updated{}",
            plan.file,
            if rotates { " (new data key)" } else { "" }
        );
    }
    if rotated {
        warn("removed recipients can still decrypt earlier versions from git history; change the secret values themselves if they must lose access");
    }
    Ok(0)
}
