//! `secrets init`: set up a repository in one idempotent command. Your age identity (found
//! where sops looks, or created there), `.sops.yaml`, an encrypted template, plaintext
//! targets and inventory templates, `.gitignore` entries, the pre-commit hook, the git
//! diff/merge drivers and two GitHub workflows. Every step prints one line: created, kept,
//! updated or skipped, with the path. Existing files are kept unless `--force`; an identity
//! is never overwritten, and neither is an encrypted file holding anything but the placeholders.

mod identity;

use std::path::{Path, PathBuf};

use anyhow::anyhow;
use secrets_sops::config::Config;
use secrets_sops::file::{encrypt_bytes, is_encrypted, open, EncryptSpec};
use secrets_sops::keys::Recipient;
use secrets_sops::metadata::EncryptionOptions;
use secrets_sops::rekey::current_groups;
use secrets_sops::store::{Format, Store};
use zeroize::Zeroizing;

use crate::cli::InitArgs;
use crate::cmd::context::Context;
use crate::cmd::{encrypt, git, hook};
use crate::report::{classify, code, warn, Failure, Phase, WithCode};

/// The encrypted template, relative to the repository root.
const SHARED: &str = "secrets/shared.sops.yaml";
/// Plaintext templates.
const TARGETS: &str = "secrets/targets.yaml";
const INVENTORY: &str = "secrets/inventory.yaml";
const SCAN_WORKFLOW: &str = ".github/workflows/secrets-scan.yml";
const SYNC_WORKFLOW: &str = ".github/workflows/secrets-sync.yml";

const SHARED_TEMPLATE: &str = include_str!("init/shared.yaml");
const TARGETS_TEMPLATE: &str = include_str!("init/targets.yaml");
const INVENTORY_TEMPLATE: &str = include_str!("init/inventory.yaml");
const SCAN_WORKFLOW_TEMPLATE: &str = include_str!("init/secrets-scan.yml");
const SYNC_WORKFLOW_TEMPLATE: &str = include_str!("init/secrets-sync.yml");

/// The rule `init` writes: every sops file under `secrets/`, in each format sops knows.
const PATH_REGEX: &str = r"^secrets/.*\.sops\.(yaml|json|env|ini)$";

const SOPS_YAML_HEADER: &str = "\
# Who can decrypt what, read by `secrets` and by sops 3.11 (written by `secrets init`).
# Files under secrets/ named *.sops.yaml, *.sops.json, *.sops.env or *.sops.ini are encrypted
# to every age recipient of the rule below: one per line, the comment names who holds it.
#   give someone access:  secrets recipients add NAME age1...   (re-keys the files)
#   take it away:         secrets recipients remove NAME        (rotates the data key)
# The plaintext files under secrets/ (targets.yaml, inventory.yaml, known_hosts) match no rule.
";

/// Marks the block `init` appends to `.gitignore`.
const GITIGNORE_HEADER: &str =
    "# secrets init: plaintext env files, decrypted copies and age identities stay out of git";
/// `.gitignore` entries; `!` lines must come after the patterns they re-include.
const GITIGNORE_LINES: [&str; 8] = [
    ".env",
    ".env.*",
    "!.env.example",
    "!.env.sample",
    "!.env.template",
    "*.dec.*",
    "*.decrypted.*",
    "*.agekey",
];

/// What a step did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Status {
    Created,
    Kept,
    Updated,
    Skipped,
}

/// Prints one report line: `created  PATH (detail)`.
fn step(status: Status, path: &str, detail: &str) {
    let word = match status {
        Status::Created => "created",
        Status::Kept => "kept",
        Status::Updated => "updated",
        Status::Skipped => "skipped",
    };
    if detail.is_empty() {
        println!("{word:<8} {path}");
    } else {
        println!("{word:<8} {path} ({detail})");
    }
}

/// Runs `secrets init`: exit 0 on success, 1 on any error.
pub fn run(ctx: &Context, args: &InitArgs) -> Result<u8, Failure> {
    init(ctx, args).map(|()| 0).map_err(|f| Failure {
        code: code::GENERIC,
        ..f
    })
}

/// A `--age` recipient, optionally named (`NAME=KEY`).
struct Extra {
    name: Option<String>,
    key: String,
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'))
}

/// Parses and validates `--age` values (`age1…`, `ssh-…`, or `NAME=` before either).
fn parse_extra(values: &[String]) -> Result<Vec<Extra>, Failure> {
    let mut out: Vec<Extra> = Vec::new();
    for value in values {
        let value = value.trim();
        let (name, key) = match value.split_once('=') {
            Some((n, k)) if !value.starts_with("age1") && !value.starts_with("ssh-") => {
                (Some(n.trim().to_string()), k.trim())
            }
            _ => (None, value),
        };
        if let Some(n) = &name {
            if !valid_name(n) {
                return Err(Failure::new(
                    code::GENERIC,
                    anyhow!(
                        "--age {value:?}: a name may hold letters, digits, '.', '_', '-' and '@'"
                    ),
                )
                .hint("write --age NAME=age1... or just --age age1..."));
            }
        }
        Recipient::parse(key)
            .map_err(|e| classify(e, Phase::Encrypt))
            .map_err(|f| f.hint("--age takes age1... recipients (or ssh-ed25519/ssh-rsa public keys), comma-separated, optionally NAME=age1..."))?;
        if !out.iter().any(|e| e.key == key) {
            out.push(Extra {
                name,
                key: key.to_string(),
            });
        }
    }
    Ok(out)
}

/// The work tree's top directory.
fn repo_root(cwd: &Path) -> Result<PathBuf, Failure> {
    let repo = git2::Repository::discover(cwd).map_err(|_| {
        Failure::new(
            code::GENERIC,
            anyhow!("not inside a git repository: {}", cwd.display()),
        )
        .hint("run `git init` first (or cd into your repository), then `secrets init`")
    })?;
    let workdir = repo.workdir().ok_or_else(|| {
        Failure::new(
            code::GENERIC,
            anyhow!("{} is a bare repository", repo.path().display()),
        )
        .hint("run `secrets init` in a clone with a work tree")
    })?;
    Ok(workdir.components().collect())
}

/// `path` relative to `root` when inside it, else as it is.
fn shown(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| path.display().to_string())
}

/// Reads a file, `None` when it does not exist.
fn read_optional(path: &Path) -> Result<Option<Vec<u8>>, Failure> {
    match std::fs::read(path) {
        Ok(b) => Ok(Some(b)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Failure::new(
            code::GENERIC,
            anyhow!("reading {}: {e}", path.display()),
        )),
    }
}

/// Writes `bytes` atomically (mode 0644 when new), creating parent directories.
fn write(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| anyhow!("creating {}: {e}", dir.display()))
            .code(code::GENERIC)?;
    }
    crate::io::write_atomic(path, bytes, 0o644).code(code::GENERIC)
}

/// Creates `rel` with `bytes`; an existing file is kept, or with `force` rewritten when it
/// differs. Prints the step.
fn write_file(
    root: &Path,
    rel: &str,
    bytes: &[u8],
    force: bool,
    detail: &str,
) -> Result<Status, Failure> {
    let path = root.join(rel);
    let status = match read_optional(&path)? {
        Some(_) if !force => {
            step(Status::Kept, rel, "exists");
            return Ok(Status::Kept);
        }
        Some(old) if old == bytes => {
            step(Status::Kept, rel, "up to date");
            return Ok(Status::Kept);
        }
        Some(_) => Status::Updated,
        None => Status::Created,
    };
    write(&path, bytes)?;
    step(status, rel, detail);
    Ok(status)
}

/// The name for your recipient in `.sops.yaml`: git's user.name, else $USER, made a word.
fn my_name(root: &Path) -> String {
    let from_git = git2::Repository::discover(root)
        .ok()
        .and_then(|r| r.config().ok())
        .and_then(|c| c.get_string("user.name").ok());
    let raw = from_git
        .or_else(|| std::env::var("USER").ok())
        .unwrap_or_default();
    let word: String = raw
        .trim()
        .chars()
        .map(|c| if c.is_whitespace() { '-' } else { c })
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'))
        .collect();
    if word.is_empty() {
        "me".to_string()
    } else {
        word
    }
}

/// A recipient as a YAML list item value (SSH keys hold spaces; quoted).
fn yaml_value(key: &str) -> String {
    if key.starts_with("age1") {
        key.to_string()
    } else {
        format!("\"{}\"", key.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

/// The `.sops.yaml` text: one rule, one recipient per line with its name as a comment.
fn sops_yaml_text(me: &str, my_name: &str, extra: &[Extra]) -> String {
    let mut entries: Vec<(String, String)> = vec![(me.to_string(), my_name.to_string())];
    let mut unnamed = 1;
    for e in extra {
        if e.key == me {
            continue;
        }
        let base = match &e.name {
            Some(n) => n.clone(),
            None => {
                unnamed += 1;
                format!("recipient-{unnamed}")
            }
        };
        let mut name = base.clone();
        let mut n = 2;
        while entries.iter().any(|(_, taken)| *taken == name) {
            name = format!("{base}-{n}");
            n += 1;
        }
        entries.push((e.key.clone(), name));
    }
    let mut text = String::from(SOPS_YAML_HEADER);
    text.push_str("creation_rules:\n");
    text.push_str(&format!("    - path_regex: {PATH_REGEX}\n"));
    text.push_str("      age:\n");
    for (key, name) in &entries {
        text.push_str(&format!("          - {} # {name}\n", yaml_value(key)));
    }
    text
}

/// Every age recipient of the rule governing the template, if any.
fn rule_recipients(config: &Config, root: &Path) -> Option<Vec<String>> {
    let rule = config.rule_for(Path::new(SHARED), root).ok()?;
    Some(rule.key_groups.iter().flatten().cloned().collect())
}

/// Step 3: `.sops.yaml`.
fn sops_config(
    root: &Path,
    mine: &identity::Mine,
    extra: &[Extra],
    force: bool,
) -> Result<(), Failure> {
    let path = root.join(".sops.yaml");
    let existing = read_optional(&path)?;
    if existing.is_some() && !force {
        let config = Config::load(&path).map_err(|e| {
            Failure::new(code::GENERIC, e)
                .hint("fix .sops.yaml, or run `secrets init --force` to replace it")
        })?;
        step(Status::Kept, ".sops.yaml", "exists");
        match rule_recipients(&config, root) {
            Some(recipients) if !mine.all.iter().any(|m| recipients.contains(m)) => warn(&format!(
                "your key {} is not a recipient in .sops.yaml, so you cannot decrypt its files; \
                 someone with access can add you: secrets recipients add NAME {}",
                mine.recipient, mine.recipient
            )),
            Some(_) => {}
            None => warn(&format!(
                ".sops.yaml has no creation rule for {SHARED}; add one (path_regex: {PATH_REGEX}) \
                 or run `secrets init --force`"
            )),
        }
        if !extra.is_empty() {
            warn(
                "--age not applied: .sops.yaml exists and is kept; add recipients with \
                 `secrets recipients add NAME KEY` (or run `secrets init --force`)",
            );
        }
        return Ok(());
    }
    let text = sops_yaml_text(&mine.recipient, &my_name(root), extra);
    // What we write must be what we read back.
    Config::parse(&path, text.as_bytes()).map_err(|e| Failure::new(code::GENERIC, e))?;
    if existing.is_some() {
        if let Ok(old) = Config::load(&path) {
            let new = Config::parse(&path, text.as_bytes()).ok();
            let kept = new.as_ref().and_then(|c| rule_recipients(c, root));
            let dropped: Vec<String> = rule_recipients(&old, root)
                .unwrap_or_default()
                .into_iter()
                .filter(|r| !kept.as_ref().is_some_and(|k| k.contains(r)))
                .collect();
            if !dropped.is_empty() {
                warn(&format!(
                    "--force: .sops.yaml no longer lists {}; files encrypted to them stay readable \
                     to them until `secrets updatekeys --all`",
                    dropped.join(", ")
                ));
            }
        }
    }
    let n = text.matches("\n          - ").count();
    write_file(
        root,
        ".sops.yaml",
        text.as_bytes(),
        true,
        &format!("rule for secrets/*.sops.*, {n} recipient(s)"),
    )?;
    Ok(())
}

/// Step 4: the encrypted template. With `--force` it is re-encrypted only when it still holds
/// exactly the placeholders (anything else is your data and is never replaced).
fn shared_template(ctx: &Context, root: &Path, force: bool) -> Result<(), Failure> {
    let spec = match encrypt::spec_for(
        ctx,
        Path::new(SHARED),
        None,
        EncryptionOptions::default(),
        false,
        None,
    ) {
        Ok(spec) => spec,
        Err(f) => {
            step(
                Status::Skipped,
                SHARED,
                &format!("no .sops.yaml rule to encrypt it with: {:#}", f.error),
            );
            return Ok(());
        }
    };
    let store = Store {
        format: Format::Yaml,
        config: ctx.store_config(None)?,
    };
    let path = root.join(SHARED);
    let recipients: usize = spec.key_groups.iter().map(Vec::len).sum();
    let encrypt = |spec: &EncryptSpec| {
        encrypt_bytes(SHARED_TEMPLATE.as_bytes(), spec, store, store)
            .map_err(|e| classify(e, Phase::Encrypt))
    };
    let Some(bytes) = read_optional(&path)? else {
        write(&path, &encrypt(&spec)?)?;
        step(
            Status::Created,
            SHARED,
            &format!("encrypted placeholders for {recipients} recipient(s)"),
        );
        return Ok(());
    };
    if !force {
        step(Status::Kept, SHARED, "exists");
        if !matches!(is_encrypted(&bytes, store), Ok(true)) {
            warn(&format!(
                "{SHARED} is not sops-encrypted: run `secrets encrypt -i {SHARED}` before committing it"
            ));
        }
        return Ok(());
    }
    let mut ids = ctx.identities();
    let Ok(opened) = open(&bytes, store, &mut ids, false, |_| {}) else {
        step(
            Status::Kept,
            SHARED,
            "exists; not overwritten: it cannot be decrypted here to check that it only holds the placeholders",
        );
        return Ok(());
    };
    let placeholders = store
        .load_plain(SHARED_TEMPLATE.as_bytes())
        .and_then(|b| store.emit_plain(&b))
        .map_err(|e| classify(e, Phase::Encrypt))?;
    let current = Zeroizing::new(
        store
            .emit_plain(&opened.branches.0)
            .map_err(|e| classify(e, Phase::Decrypt))?,
    );
    if *current != placeholders {
        step(
            Status::Kept,
            SHARED,
            "holds your values; never overwritten, even with --force",
        );
        return Ok(());
    }
    if current_groups(&opened.metadata) == spec.key_groups {
        step(Status::Kept, SHARED, "up to date");
        return Ok(());
    }
    write(&path, &encrypt(&spec)?)?;
    step(
        Status::Updated,
        SHARED,
        &format!("placeholders re-encrypted for {recipients} recipient(s)"),
    );
    Ok(())
}

/// Step 6: `.gitignore` entries, appended once.
fn gitignore(root: &Path) -> Result<(), Failure> {
    let path = root.join(".gitignore");
    let existing = read_optional(&path)?;
    let text = existing
        .as_deref()
        .map(|b| String::from_utf8_lossy(b).into_owned())
        .unwrap_or_default();
    let present: Vec<&str> = text.lines().map(str::trim).collect();
    let missing: Vec<&str> = GITIGNORE_LINES
        .iter()
        .copied()
        .filter(|l| !present.contains(l))
        .collect();
    if missing.is_empty() {
        step(Status::Kept, ".gitignore", "has the entries");
        return Ok(());
    }
    // A pattern appended after an existing `!` line would override it: repeat the negations.
    let adds_pattern = missing.iter().any(|l| !l.starts_with('!'));
    let block: Vec<&str> = GITIGNORE_LINES
        .iter()
        .copied()
        .filter(|l| missing.contains(l) || (adds_pattern && l.starts_with('!')))
        .collect();
    let mut out = text.clone();
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    if !present.contains(&GITIGNORE_HEADER) {
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(GITIGNORE_HEADER);
        out.push('\n');
    }
    for l in &block {
        out.push_str(l);
        out.push('\n');
    }
    write(&path, out.as_bytes())?;
    let status = if existing.is_some() {
        Status::Updated
    } else {
        Status::Created
    };
    step(
        status,
        ".gitignore",
        &format!("plaintext .env and decrypted files: {}", block.join(" ")),
    );
    Ok(())
}

/// Step 7a: the pre-commit hook, with the code of `secrets hook install`.
fn pre_commit_hook(root: &Path, skip: bool) -> Result<(), Failure> {
    let dir = hook::hooks_dir_from(root)?;
    let name = shown(root, &dir.join("pre-commit"));
    if skip {
        step(Status::Skipped, &name, "--no-hook");
        return Ok(());
    }
    let (status, detail) = match hook::install(&dir)? {
        hook::Installed::Created => (
            Status::Created,
            "runs `secrets scan --staged` before each commit",
        ),
        hook::Installed::Chained => (
            Status::Updated,
            "runs `secrets scan --staged`; your previous hook is kept as pre-commit.local and runs first",
        ),
        hook::Installed::Refreshed => (Status::Updated, "refreshed to this version"),
        hook::Installed::Kept => (Status::Kept, "installed"),
    };
    step(status, &name, detail);
    if status != Status::Kept && !on_path("secrets") {
        warn(
            "the hook runs `secrets` from PATH, which has none: install it (e.g. `cargo install \
             --path .` in its source) or commits will be blocked",
        );
    }
    Ok(())
}

fn on_path(program: &str) -> bool {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path).any(|d| d.join(program).is_file())
}

/// Step 7b: `.gitattributes` and the driver config, with the code of `secrets git setup`.
fn drivers(ctx: &Context, root: &Path) -> Result<(), Failure> {
    let done = git::configure(ctx, root, &[])?;
    if done.added.is_empty() {
        step(Status::Kept, ".gitattributes", "has the driver entries");
    } else {
        let status = if done.attributes_existed {
            Status::Updated
        } else {
            Status::Created
        };
        let patterns: Vec<&str> = done
            .added
            .iter()
            .filter_map(|l| l.split_whitespace().next())
            .collect();
        step(
            status,
            ".gitattributes",
            &format!("diff/merge drivers for {}", patterns.join(" ")),
        );
    }
    let config = git2::Repository::discover(root)
        .map(|r| shown(root, &r.commondir().join("config")))
        .unwrap_or_else(|_| "git config --local".to_string());
    if done.configured.is_empty() {
        step(
            Status::Kept,
            &config,
            "diff.secrets and merge.secrets drivers set",
        );
    } else {
        step(
            Status::Updated,
            &config,
            &format!(
                "diff.secrets and merge.secrets drivers; they run {}",
                done.how
            ),
        );
    }
    Ok(())
}

/// Runs every step.
fn init(ctx: &Context, args: &InitArgs) -> Result<(), Failure> {
    let root = repo_root(&ctx.cwd)?;
    let extra = parse_extra(&args.age)?;
    println!("secrets init in {}", root.display());

    // 1-2. Identity.
    let mine = identity::find_or_create(args.key_file.as_deref(), &ctx.cwd)?;

    // 3. .sops.yaml, then a context that uses it (whatever --config or the cwd found).
    sops_config(&root, &mine, &extra, args.force)?;
    let config =
        Config::load(&root.join(".sops.yaml")).map_err(|e| Failure::new(code::GENERIC, e))?;
    let repo_ctx = Context {
        cwd: root.clone(),
        config: Some(config),
        verbose: ctx.verbose,
    };

    // 4-5. Templates.
    shared_template(&repo_ctx, &root, args.force)?;
    write_file(
        &root,
        TARGETS,
        TARGETS_TEMPLATE.as_bytes(),
        args.force,
        "plaintext: where `secrets sync` delivers values; no targets yet",
    )?;
    write_file(
        &root,
        INVENTORY,
        INVENTORY_TEMPLATE.as_bytes(),
        args.force,
        "plaintext: owners and rotation cadences for `secrets status`",
    )?;

    // 6. .gitignore.
    gitignore(&root)?;

    // 7. Hook and drivers.
    pre_commit_hook(&root, args.no_hook)?;
    drivers(&repo_ctx, &root)?;

    // 8. Workflows.
    let mut add = vec![".sops.yaml", ".gitattributes", ".gitignore", "secrets"];
    if args.no_workflows {
        step(Status::Skipped, ".github/workflows", "--no-workflows");
    } else {
        write_file(
            &root,
            SCAN_WORKFLOW,
            SCAN_WORKFLOW_TEMPLATE.as_bytes(),
            args.force,
            "scans pushed commits; set SECRETS_GIT in it to where you get `secrets`",
        )?;
        write_file(
            &root,
            SYNC_WORKFLOW,
            SYNC_WORKFLOW_TEMPLATE.as_bytes(),
            args.force,
            "syncs targets on pushes to main; needs the SOPS_AGE_KEY repository secret",
        )?;
        add.push(".github/workflows");
    }

    // 9. Next steps.
    println!();
    println!("next steps:");
    println!("  1. put real values in:    secrets edit {SHARED}");
    println!("  2. give teammates access: secrets recipients add NAME age1...");
    println!("     (they get their key with `secrets init` or `secrets keygen` and send you the age1... line)");
    println!(
        "  3. commit:                git add {} && git commit -m \"Set up secrets\"",
        add.join(" ")
    );
    if !args.no_workflows {
        println!(
            "  4. for the sync workflow:  secrets keygen --output ci.key; secrets recipients add ci age1...;"
        );
        println!(
            "                            gh secret set SOPS_AGE_KEY < ci.key; then delete ci.key"
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ME: &str = "age1cnf60h48zvjnh386255e5u53ph3aaq93k53vsp7aywzfhrdt93sqrv5065";
    const BOB: &str = "age1tr083cz7dhgzwxh8pj845z8hgalmn2mnsfr4kx0xzqg2pd4d54yqepfu7h";

    #[test]
    fn sops_yaml_lists_one_named_recipient_per_line() {
        let extra = parse_extra(&[format!("bob={BOB}"), ME.to_string()]).unwrap();
        let text = sops_yaml_text(ME, "alice", &extra);
        assert!(
            text.contains(&format!("          - {ME} # alice\n")),
            "{text}"
        );
        assert!(
            text.contains(&format!("          - {BOB} # bob\n")),
            "{text}"
        );
        assert_eq!(text.matches(ME).count(), 1, "{text}");
        let config = Config::parse(Path::new("/r/.sops.yaml"), text.as_bytes()).unwrap();
        let rule = config.rule_for(Path::new(SHARED), Path::new("/r")).unwrap();
        assert_eq!(rule.key_groups, vec![vec![ME.to_string(), BOB.to_string()]]);
        for f in [
            "secrets/a.sops.json",
            "secrets/x/b.sops.env",
            "secrets/c.sops.ini",
        ] {
            assert!(
                config.rule_for(Path::new(f), Path::new("/r")).is_ok(),
                "{f}"
            );
        }
        for f in [TARGETS, INVENTORY, "secrets/known_hosts"] {
            assert!(
                config.rule_for(Path::new(f), Path::new("/r")).is_err(),
                "{f}"
            );
        }
    }

    #[test]
    fn bad_age_values_are_refused() {
        assert!(parse_extra(&["age1nope".to_string()]).is_err());
        assert!(parse_extra(&[format!("bad name={BOB}")]).is_err());
        assert!(parse_extra(&["bob=".to_string()]).is_err());
    }

    #[test]
    fn templates_parse_with_the_real_parsers() {
        let targets = secrets_deploy::targets::parse(TARGETS_TEMPLATE, TARGETS).unwrap();
        assert!(targets.targets.is_empty());
        // The commented example, uncommented, is a valid targets file too.
        let example: String = TARGETS_TEMPLATE
            .lines()
            .filter_map(|l| l.strip_prefix("# "))
            .skip_while(|l| !l.starts_with("defaults:"))
            .map(|l| format!("{l}\n"))
            .collect();
        let parsed = secrets_deploy::targets::parse(&example, TARGETS).unwrap();
        assert_eq!(parsed.targets.len(), 2, "{example}");
        secrets_audit::inventory::parse(INVENTORY_TEMPLATE, INVENTORY).unwrap();
        let store = Store {
            format: Format::Yaml,
            config: Default::default(),
        };
        let plain = store.load_plain(SHARED_TEMPLATE.as_bytes()).unwrap();
        assert_eq!(
            store.emit_plain(&plain).unwrap(),
            SHARED_TEMPLATE.as_bytes(),
            "the template is in sops' canonical form, so a decrypted copy reads the same"
        );
    }

    #[test]
    fn gitignore_lines_keep_negations_after_patterns() {
        let first_negation = GITIGNORE_LINES
            .iter()
            .position(|l| l.starts_with('!'))
            .unwrap();
        assert!(GITIGNORE_LINES[..first_negation].contains(&".env.*"));
    }
}
