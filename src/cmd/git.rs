//! `secrets git setup|textconv`: git attributes, diff and merge driver configuration.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{anyhow, Context as _};
use secrets_sops::file::{is_encrypted, open_read_only};
use secrets_sops::store::{Format, Store, StoreConfig};

use crate::cli::{GitCommand, GitSetupArgs, TextconvArgs};
use crate::cmd::context::Context;
use crate::report::{code, warn, Failure, WithCode};

/// The driver name used in `.gitattributes` and git config (`diff=secrets merge=secrets`).
pub const DRIVER: &str = "secrets";

/// Used when no `--pattern` is given and `.sops.yaml` rules cannot be turned into globs.
const DEFAULT_PATTERNS: [&str; 5] = [
    "*.sops.yaml",
    "*.sops.json",
    "*.sops.env",
    "*.sops.ini",
    "secrets/**",
];

/// Runs the verb.
pub fn run(ctx: &Context, args: &GitCommand) -> Result<u8, Failure> {
    match args {
        GitCommand::Setup(a) => setup(ctx, a),
        GitCommand::Textconv(a) => textconv(ctx, a),
    }
}

/// Finds the store of a sops file by content: the format its name suggests first (git keeps the
/// file name as the suffix of its temporary paths), then JSON before YAML (every JSON file is
/// also YAML, so YAML first would turn JSON into YAML), dotenv and INI. `None` when no store
/// sees sops metadata in it.
pub fn detect_store(bytes: &[u8], name: Option<&Path>, config: StoreConfig) -> Option<Store> {
    let mut order = Vec::with_capacity(6);
    if let Some(n) = name {
        order.push(Format::from_path(n));
    }
    for f in [Format::Json, Format::Yaml, Format::Dotenv, Format::Ini] {
        if !order.contains(&f) {
            order.push(f);
        }
    }
    order
        .into_iter()
        .map(|format| Store { format, config })
        .find(|s| matches!(is_encrypted(bytes, *s), Ok(true)))
}

/// git's textconv: plaintext when we can, the input unchanged otherwise. Never fails a
/// `git diff` because of a missing key or a damaged file.
fn textconv(ctx: &Context, args: &TextconvArgs) -> Result<u8, Failure> {
    let bytes = std::fs::read(&args.file)
        .with_context(|| format!("reading {}", args.file.display()))
        .code(code::COULD_NOT_READ_INPUT)?;
    let config = ctx.store_config(None)?;
    let Some(store) = detect_store(&bytes, Some(&args.file), config) else {
        return crate::io::write_stdout(&bytes).map(|_| 0);
    };
    let mut ids = ctx.identities();
    let opened = match open_read_only(&bytes, store, &mut ids, false, |m| warn(&m)) {
        Ok(o) => o,
        Err(e) => {
            let why = match e {
                secrets_sops::Error::DataKey(_) => "no key available to decrypt it".to_string(),
                other => other.to_string(),
            };
            warn(&format!(
                "{}: showing the encrypted text ({why})",
                args.file.display()
            ));
            return crate::io::write_stdout(&bytes).map(|_| 0);
        }
    };
    match store.emit_plain(&opened.branches.0) {
        Ok(plain) => {
            let plain = zeroize::Zeroizing::new(plain);
            crate::io::write_stdout(&plain).map(|_| 0)
        }
        Err(e) => {
            warn(&format!(
                "{}: showing the encrypted text ({e})",
                args.file.display()
            ));
            crate::io::write_stdout(&bytes).map(|_| 0)
        }
    }
}

/// Runs git with `args` in `dir`, returning trimmed stdout on success.
fn git(dir: &Path, args: &[&str]) -> Result<Option<String>, Failure> {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| Failure::new(code::GENERIC, anyhow!("cannot run git: {e}")))?;
    if !out.status.success() {
        return Ok(None);
    }
    Ok(Some(
        String::from_utf8_lossy(&out.stdout).trim_end().to_string(),
    ))
}

fn setup(ctx: &Context, args: &GitSetupArgs) -> Result<u8, Failure> {
    let top = git(&ctx.cwd, &["rev-parse", "--show-toplevel"])?
        .filter(|t| !t.is_empty())
        .map(PathBuf::from)
        .ok_or_else(|| {
            Failure::new(code::GENERIC, anyhow!("not inside a git work tree"))
                .hint("run `secrets git setup` inside the repository (after `git init`)")
        })?;
    let done = configure(ctx, &top, &args.patterns)?;
    if !done.added.is_empty() {
        println!("patterns from {}; added to .gitattributes:", done.origin);
        for l in &done.added {
            println!("  {l}");
        }
    }
    for (key, value) in &done.configured {
        println!("git config --local {key} = {value}");
    }
    if done.changed() {
        println!("drivers run {}", done.how);
    } else {
        println!("already set up: .gitattributes and git config unchanged");
    }
    Ok(0)
}

/// What [`configure`] changed.
pub(crate) struct Configured {
    /// Where the patterns came from (`--pattern`, `.sops.yaml creation rules`, `defaults`).
    pub origin: &'static str,
    /// Whether `.gitattributes` existed before.
    pub attributes_existed: bool,
    /// Lines appended to `.gitattributes`.
    pub added: Vec<String>,
    /// Git config keys set (local), with their values.
    pub configured: Vec<(String, String)>,
    /// How the drivers find the binary.
    pub how: String,
}

impl Configured {
    /// True when anything was written.
    pub fn changed(&self) -> bool {
        !self.added.is_empty() || !self.configured.is_empty()
    }
}

/// `secrets git setup` in the work tree `top`: `.gitattributes` entries (`patterns`, else from
/// `ctx`'s `.sops.yaml`, else defaults) and local git config for the diff and merge drivers.
/// Idempotent; prints nothing.
pub(crate) fn configure(
    ctx: &Context,
    top: &Path,
    patterns: &[String],
) -> Result<Configured, Failure> {
    let (patterns, origin) = if !patterns.is_empty() {
        (patterns.to_vec(), "--pattern")
    } else if let Some(p) = patterns_from_config(ctx, top) {
        (p, ".sops.yaml creation rules")
    } else {
        (
            DEFAULT_PATTERNS.iter().map(|s| s.to_string()).collect(),
            "defaults",
        )
    };
    let attrs_path = top.join(".gitattributes");
    let (existing, attributes_existed) = match std::fs::read_to_string(&attrs_path) {
        Ok(s) => (s, true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => (String::new(), false),
        Err(e) => {
            return Err(Failure::new(
                code::COULD_NOT_READ_INPUT,
                anyhow!("reading {}: {e}", attrs_path.display()),
            ))
        }
    };
    let normalized: Vec<String> = existing.lines().map(normalize_line).collect();
    let mut text = existing.clone();
    let mut added = Vec::new();
    for p in &patterns {
        let line = format!("{p} diff={DRIVER} merge={DRIVER}");
        if normalized.contains(&normalize_line(&line)) || added.contains(&line) {
            continue;
        }
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        text.push_str(&line);
        text.push('\n');
        added.push(line);
    }
    if !added.is_empty() {
        crate::io::write_atomic(&attrs_path, text.as_bytes(), 0o644)
            .code(code::COULD_NOT_WRITE_OUTPUT)?;
    }

    let (program, how) = program_name();
    let settings = [
        (
            format!("diff.{DRIVER}.textconv"),
            format!("{program} git textconv"),
        ),
        // Off on purpose (and set explicitly so a global setting cannot turn it on): a cached
        // textconv result would store decrypted plaintext in .git/refs/notes/textconv.
        (format!("diff.{DRIVER}.cachetextconv"), "false".to_string()),
        (
            format!("merge.{DRIVER}.name"),
            "secrets: key-by-key merge of sops files".to_string(),
        ),
        (
            format!("merge.{DRIVER}.driver"),
            format!("{program} merge-driver %O %A %B %P"),
        ),
    ];
    let mut configured = Vec::new();
    for (key, value) in settings {
        let current = git(top, &["config", "--local", "--get", &key])?;
        if current.as_deref() == Some(value.as_str()) {
            continue;
        }
        if git(top, &["config", "--local", &key, &value])?.is_none() {
            return Err(Failure::new(
                code::COULD_NOT_WRITE_OUTPUT,
                anyhow!("git config --local {key} failed"),
            ));
        }
        configured.push((key, value));
    }
    Ok(Configured {
        origin,
        attributes_existed,
        added,
        configured,
        how,
    })
}

fn normalize_line(line: &str) -> String {
    line.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `secrets` when that name on PATH is this executable, else its absolute path (quoted for the
/// shell git runs drivers through). Returns the program text and a note on the choice.
fn program_name() -> (String, String) {
    let exe = std::env::current_exe().and_then(|p| p.canonicalize()).ok();
    if let Some(exe) = &exe {
        let path = std::env::var_os("PATH").unwrap_or_default();
        let on_path = std::env::split_paths(&path)
            .map(|d| d.join("secrets"))
            .filter(|c| c.is_file())
            .find_map(|c| c.canonicalize().ok());
        if on_path.as_ref() == Some(exe) {
            return ("secrets".into(), "`secrets` from PATH".into());
        }
        let text = exe.to_string_lossy().into_owned();
        if let Ok(q) = shlex::try_quote(&text) {
            return (
                q.into_owned(),
                format!("{text} (`secrets` on PATH is not this binary)"),
            );
        }
    }
    ("secrets".into(), "`secrets` from PATH".into())
}

/// Globs for `.gitattributes` from `.sops.yaml` path_regex values, when every rule is simple
/// enough to translate exactly and the config sits at the top level.
fn patterns_from_config(ctx: &Context, top: &Path) -> Option<Vec<String>> {
    let config = ctx.config.as_ref()?;
    let dir = config.dir().canonicalize().ok()?;
    if dir != top.canonicalize().ok()? || config.creation_rules.is_empty() {
        return None;
    }
    let mut out: Vec<String> = Vec::new();
    for rule in &config.creation_rules {
        let glob = regex_to_glob(rule.path_regex.as_deref()?)?;
        if !out.contains(&glob) {
            out.push(glob);
        }
    }
    Some(out)
}

/// Translates a path_regex made only of literals, `\.`, `.*`, `[^/]*`, `^` and `$` into a
/// gitattributes glob; anything else is `None`.
fn regex_to_glob(re: &str) -> Option<String> {
    let (anchored, mut rest) = match re.strip_prefix('^') {
        Some(r) => (true, r),
        None => (false, re),
    };
    let mut glob = String::new();
    let mut ends = false;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix("\\.") {
            glob.push('.');
            rest = r;
        } else if let Some(r) = rest.strip_prefix("[^/]*") {
            glob.push('*');
            rest = r;
        } else if let Some(r) = rest.strip_prefix(".*") {
            // `.*` crosses directories; after a slash git spells that `**`.
            if glob.ends_with('/') || glob.is_empty() {
                glob.push_str(if r.is_empty() || r == "$" {
                    "**"
                } else {
                    "**/*"
                });
            } else {
                glob.push('*');
            }
            rest = r;
        } else if rest == "$" {
            ends = true;
            rest = "";
        } else {
            let c = rest.chars().next()?;
            if !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '/')) {
                return None;
            }
            glob.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    if !ends && !glob.ends_with('*') {
        glob.push_str(if glob.ends_with('/') { "**" } else { "*" });
    }
    // A catch-all rule would route every file of the repository through the drivers.
    if glob.trim_start_matches("**/").chars().all(|c| c == '*') {
        return None;
    }
    // An unanchored regex matches at any depth; a glob with a slash is anchored.
    if !anchored && glob.contains('/') && !glob.starts_with("**") {
        glob.insert_str(0, "**/");
    }
    // An unanchored regex also matches inside a name (`sops\.yaml$` matches `x.sops.yaml`).
    if !anchored && !glob.contains('/') && !glob.starts_with('*') {
        glob.insert(0, '*');
    }
    Some(glob)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simple_regexes_become_globs() {
        assert_eq!(
            regex_to_glob(r"\.sops\.yaml$").as_deref(),
            Some("*.sops.yaml")
        );
        assert_eq!(regex_to_glob(r"^secrets/.*").as_deref(), Some("secrets/**"));
        assert_eq!(
            regex_to_glob(r"^secrets/.*\.yaml$").as_deref(),
            Some("secrets/**/*.yaml")
        );
        assert_eq!(regex_to_glob(r"secrets/").as_deref(), Some("**/secrets/**"));
        assert_eq!(regex_to_glob(r"(dev|prod)\.yaml$"), None);
        assert_eq!(regex_to_glob(r".*"), None);
        assert_eq!(regex_to_glob(r""), None);
    }
}
