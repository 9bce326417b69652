//! `secrets render` and `secrets sync`: decrypt a target's sources, render its `.env`, and push
//! it (or run its command) only where something changed.

use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{anyhow, Context as _};
use secrets_deploy::render::{collect, render_dotenv};
use secrets_deploy::ssh::{AuthConfig, Options};
use secrets_deploy::state::StateStore;
use secrets_deploy::sync::{run_all, Fingerprinter, Mode, Outcome, Prepared, Settings, Status};
use secrets_deploy::targets::{parse, Target, TargetKind};
use secrets_sops::file::{open_read_only, Opened};
use secrets_sops::store::{Format, Store};
use zeroize::Zeroizing;

use crate::cli::{RenderArgs, SyncArgs, TargetsArgs};
use crate::cmd::context::Context;
use crate::report::{classify, warn, Failure, Phase};

/// Exit code: a target failed, or the targets file is invalid (1 is reserved for drift).
const FAILED: u8 = 2;
/// Exit code of `--check` when a destination drifted.
const DRIFT: u8 = 1;

fn fail(e: impl Into<anyhow::Error>) -> Failure {
    Failure::new(FAILED, e)
}

/// The repository's work tree (else the working directory): sources, known_hosts and the
/// default targets file are relative to it.
fn project_root(cwd: &Path) -> PathBuf {
    git2::Repository::discover(cwd)
        .ok()
        .and_then(|r| r.workdir().map(Path::to_path_buf))
        .unwrap_or_else(|| cwd.to_path_buf())
}

struct Project {
    root: PathBuf,
    file: PathBuf,
    targets: Vec<Target>,
}

fn load_project(ctx: &Context, args: &TargetsArgs) -> Result<Project, Failure> {
    let root = project_root(&ctx.cwd);
    let file = match &args.targets {
        Some(p) => ctx.cwd.join(p),
        None => root.join("secrets/targets.yaml"),
    };
    let text = std::fs::read_to_string(&file)
        .with_context(|| format!("cannot read the targets file {}", file.display()))
        .map_err(fail)?;
    let shown = file
        .strip_prefix(&root)
        .unwrap_or(&file)
        .display()
        .to_string();
    let parsed = parse(&text, &shown).map_err(fail)?;
    Ok(Project {
        root,
        file,
        targets: parsed.targets,
    })
}

/// Decrypted sources, each file opened once however many targets use it.
struct Sources<'a> {
    ctx: &'a Context,
    root: &'a Path,
    opened: HashMap<PathBuf, Opened>,
}

impl<'a> Sources<'a> {
    fn new(ctx: &'a Context, root: &'a Path) -> Sources<'a> {
        Sources {
            ctx,
            root,
            opened: HashMap::new(),
        }
    }

    fn open(&mut self, rel: &Path) -> Result<(), Failure> {
        if self.opened.contains_key(rel) {
            return Ok(());
        }
        let path = self.root.join(rel);
        let bytes = std::fs::read(&path)
            .with_context(|| format!("cannot read the source {}", rel.display()))
            .map_err(fail)?;
        let store = Store {
            format: Format::from_path(&path),
            config: self.ctx.store_config(None)?,
        };
        let mut ids = self.ctx.identities();
        let opened = open_read_only(&bytes, store, &mut ids, false, |m| warn(&m)).map_err(|e| {
            let mut f = classify(e, Phase::Decrypt);
            f.error = f.error.context(format!("source {}", rel.display()));
            f
        })?;
        self.opened.insert(rel.to_path_buf(), opened);
        Ok(())
    }

    /// Renders `target`: its variables, its file bytes and its fingerprinter.
    fn prepare(&mut self, target: &Target, header: &str) -> Result<Prepared, Failure> {
        for s in &target.sources {
            self.open(s)?;
        }
        let names: Vec<String> = target
            .sources
            .iter()
            .map(|s| s.display().to_string())
            .collect();
        let trees: Vec<(&str, &secrets_sops::tree::Branches)> = target
            .sources
            .iter()
            .zip(&names)
            .map(|(s, n)| (n.as_str(), &self.opened[s].branches.0))
            .collect();
        let env = collect(&trees, &target.select)
            .map_err(|e| fail(anyhow!("target {:?}: {e}", target.name)))?;
        let bytes = render_dotenv(&env, header)
            .map_err(|e| fail(anyhow!("target {:?}: {e}", target.name)))?;
        let fp = Fingerprinter::new(
            target
                .sources
                .iter()
                .map(|s| &self.opened[s].cipher.data_key().expose()[..]),
        );
        Ok(Prepared {
            target: target.clone(),
            env,
            bytes,
            fp,
        })
    }
}

fn header(target: &Target) -> String {
    let sources: Vec<String> = target
        .sources
        .iter()
        .map(|s| s.display().to_string())
        .collect();
    format!(
        "Written by `secrets sync` for target {} from {}.\nEdit the sops sources, not this file.",
        target.name,
        sources.join(", ")
    )
}

fn find<'p>(project: &'p Project, name: &str) -> Result<&'p Target, Failure> {
    project
        .targets
        .iter()
        .find(|t| t.name == name)
        .ok_or_else(|| {
            let names: Vec<&str> = project.targets.iter().map(|t| t.name.as_str()).collect();
            fail(anyhow!(
                "no target {name:?} in {} (targets: {})",
                project.file.display(),
                names.join(", ")
            ))
        })
}

/// Runs `secrets render`.
pub fn render(ctx: &Context, args: &RenderArgs) -> Result<u8, Failure> {
    let project = load_project(ctx, &args.targets)?;
    let target = find(&project, &args.target)?;
    let mut sources = Sources::new(ctx, &project.root);
    let prepared = sources.prepare(target, &header(target))?;
    match &args.output {
        Some(path) => write_private(&ctx.cwd.join(path), prepared.bytes.as_bytes())
            .map_err(|e| Failure::new(crate::report::code::COULD_NOT_WRITE_OUTPUT, e))?,
        None => crate::io::write_stdout(prepared.bytes.as_bytes())?,
    }
    Ok(0)
}

/// Writes `bytes` to `path` atomically as a new 0600 file (whatever mode a previous file had).
fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    // tempfile creates the file 0600 before any byte is written.
    let mut tmp = tempfile::Builder::new()
        .prefix(".secrets-tmp-")
        .tempfile_in(dir)
        .with_context(|| format!("creating a temporary file in {}", dir.display()))?;
    tmp.write_all(bytes)
        .and_then(|_| tmp.as_file().sync_all())
        .with_context(|| format!("writing {}", path.display()))?;
    tmp.persist(path)
        .map_err(|e| anyhow!("cannot write {}: {}", path.display(), e.error))?;
    Ok(())
}

/// Targets whose inputs changed between `rev` and HEAD: any of its sources, its known_hosts,
/// or the targets file itself (then every target).
fn changed_targets<'p>(project: &'p Project, rev: &str) -> Result<Vec<&'p Target>, Failure> {
    let repo = git2::Repository::discover(&project.root)
        .map_err(|e| fail(anyhow!("--changed-since needs a git repository: {e}")))?;
    let tree_of = |spec: &str| -> Result<git2::Tree<'_>, Failure> {
        repo.revparse_single(spec)
            .and_then(|o| o.peel_to_tree())
            .map_err(|e| fail(anyhow!("--changed-since {spec}: {e}")))
    };
    let (old, new) = (tree_of(rev)?, tree_of("HEAD")?);
    let diff = repo
        .diff_tree_to_tree(Some(&old), Some(&new), None)
        .map_err(fail)?;
    let mut changed: Vec<PathBuf> = Vec::new();
    for d in diff.deltas() {
        for f in [d.old_file(), d.new_file()] {
            if let Some(p) = f.path() {
                changed.push(p.to_path_buf());
            }
        }
    }
    let targets_file = project
        .file
        .strip_prefix(&project.root)
        .unwrap_or(&project.file)
        .to_path_buf();
    if changed.contains(&targets_file) {
        return Ok(project.targets.iter().collect());
    }
    Ok(project
        .targets
        .iter()
        .filter(|t| {
            let known_hosts = match &t.kind {
                TargetKind::Ssh(s) => Some(&s.known_hosts),
                TargetKind::Command(_) => None,
            };
            t.sources
                .iter()
                .chain(known_hosts)
                .any(|p| changed.iter().any(|c| c == p))
        })
        .collect())
}

fn state_dir(root: &Path, explicit: Option<&Path>) -> PathBuf {
    if let Some(p) = explicit {
        return p.to_path_buf();
    }
    match git2::Repository::discover(root) {
        Ok(repo) => repo.path().join("secrets").join("sync"),
        Err(_) => root.join(".secrets-sync-state"),
    }
}

/// Runs `secrets sync`.
pub fn sync(ctx: &Context, args: &SyncArgs) -> Result<u8, Failure> {
    let json = match args.format.as_str() {
        "human" | "text" => false,
        "json" => true,
        other => {
            return Err(fail(anyhow!(
                "unknown --format {other:?}: use human or json"
            )))
        }
    };
    let project = load_project(ctx, &args.targets)?;
    let mut chosen: Vec<&Target> = if args.names.is_empty() {
        project.targets.iter().collect()
    } else {
        args.names
            .iter()
            .map(|n| find(&project, n))
            .collect::<Result<_, _>>()?
    };
    if let Some(rev) = &args.changed_since {
        let changed = changed_targets(&project, rev)?;
        chosen.retain(|t| changed.iter().any(|c| c.name == t.name));
    }

    let mut sources = Sources::new(ctx, &project.root);
    let prepared: Vec<Prepared> = chosen
        .iter()
        .map(|t| sources.prepare(t, &header(t)))
        .collect::<Result<_, _>>()?;
    drop(sources);

    let settings = Settings {
        mode: if args.check {
            Mode::Check
        } else if args.dry_run {
            Mode::DryRun
        } else {
            Mode::Apply
        },
        root: project.root.clone(),
        auth: AuthConfig {
            key_material: std::env::var("SECRETS_SSH_PRIVATE_KEY")
                .ok()
                .filter(|k| !k.trim().is_empty())
                .map(Zeroizing::new),
            key_file: args.ssh_key.clone(),
            use_agent: std::env::var_os("SSH_AUTH_SOCK").is_some(),
        },
        ssh: Options {
            accept_new_host_key: args.accept_new_host_key,
            timeout: Duration::from_secs(args.timeout.max(1)),
        },
        state: StateStore::new(state_dir(&project.root, args.state_dir.as_deref())),
        show_command_output: args.show_command_output,
    };

    let total = prepared.len();
    let progress = !json && std::io::stderr().is_terminal();
    let finished = std::sync::atomic::AtomicUsize::new(0);
    let done = |o: &Outcome| {
        if progress {
            let n = finished.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            eprintln!("[{n}/{total}] {}: {}", o.target, status_word(o.status));
        }
    };
    let outcomes = run_all(&prepared, &settings, args.jobs, &done);

    if json {
        let text = serde_json::to_string_pretty(&serde_json::json!({
            "mode": match settings.mode { Mode::Apply => "apply", Mode::DryRun => "dry-run", Mode::Check => "check" },
            "targets": outcomes,
        }))
        .map_err(fail)?;
        println!("{text}");
    } else {
        print_human(&outcomes);
    }
    if settings.mode == Mode::Apply && !args.no_note && !outcomes.is_empty() {
        if let Err(e) = record_note(&project, &chosen, &outcomes) {
            warn(&format!("could not record the sync as a git note: {e:#}"));
        }
    }
    let failed: Vec<&str> = outcomes
        .iter()
        .filter(|o| o.status == Status::Failed)
        .map(|o| o.target.as_str())
        .collect();
    if !failed.is_empty() {
        eprintln!("secrets: sync failed for: {}", failed.join(", "));
        return Ok(FAILED);
    }
    if outcomes.iter().any(|o| o.status == Status::Drift) {
        return Ok(DRIFT);
    }
    Ok(0)
}

fn status_word(s: Status) -> &'static str {
    match s {
        Status::Unchanged => "unchanged",
        Status::Updated => "updated",
        Status::WouldChange => "would change",
        Status::Drift => "DRIFT",
        Status::Failed => "FAILED",
    }
}

fn print_human(outcomes: &[Outcome]) {
    let mut out = std::io::stdout().lock();
    if outcomes.is_empty() {
        let _ = writeln!(out, "no targets to sync");
    }
    for o in outcomes {
        let extra = if o.restarted { " (restarted)" } else { "" };
        let _ = writeln!(out, "{}: {}{extra}", o.target, status_word(o.status));
        if let Some(e) = &o.error {
            let _ = writeln!(out, "  error: {e}");
        }
        for c in &o.changes {
            let fps = match (&c.old, &c.new) {
                (Some(a), Some(b)) => format!("{a} -> {b}"),
                (None, Some(b)) => b.clone(),
                (Some(a), None) => a.clone(),
                (None, None) => String::new(),
            };
            let word = match c.change {
                secrets_deploy::sync::Change::Added => "added",
                secrets_deploy::sync::Change::Changed => "changed",
                secrets_deploy::sync::Change::Removed => "removed",
            };
            let _ = writeln!(out, "  {word:<8} {} {fps}", c.name);
        }
    }
}

/// The notes ref where `secrets sync` records what it did for a commit; `secrets log` reads it
/// to fill the rotation log's "Confirmed in sync" column.
pub const SYNC_NOTES_REF: &str = "refs/notes/secrets-sync";

/// Appends one JSON line for this run to HEAD's note under [`SYNC_NOTES_REF`]: when, and per
/// target its status and sources (names only). Nothing is recorded outside a repository.
fn record_note(project: &Project, chosen: &[&Target], outcomes: &[Outcome]) -> anyhow::Result<()> {
    let Ok(repo) = git2::Repository::discover(&project.root) else {
        return Ok(());
    };
    let head = repo.head()?.peel_to_commit()?.id();
    let targets: Vec<serde_json::Value> = outcomes
        .iter()
        .zip(chosen)
        .map(|(o, t)| {
            serde_json::json!({
                "target": o.target,
                "status": o.status,
                "sources": t.sources.iter().map(|s| s.display().to_string()).collect::<Vec<_>>(),
            })
        })
        .collect();
    let line = serde_json::json!({
        "version": 1,
        "synced_at": std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0),
        "targets": targets,
    });
    let previous = repo
        .find_note(Some(SYNC_NOTES_REF), head)
        .ok()
        .and_then(|n| n.message().map(str::to_string))
        .unwrap_or_default();
    let mut text = previous.trim_end().to_string();
    if !text.is_empty() {
        text.push('\n');
    }
    text.push_str(&line.to_string());
    text.push('\n');
    let sig = repo
        .signature()
        .or_else(|_| git2::Signature::now("secrets sync", "secrets-sync@localhost"))?;
    repo.note(&sig, &sig, Some(SYNC_NOTES_REF), head, &text, true)?;
    Ok(())
}
