//! `secrets scan`: the keyless encryption policy and the token rules over staged changes,
//! history, files or stdin. Exit 0 clean, 1 findings, 2 error.
//!
//! The global `--config` names the `.sops.yaml` as for every verb; a path ending in `.toml` is
//! taken as the scanner's project config instead (default: `.secrets.toml` at the repository
//! root).

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::anyhow;
use secrets_scan::baseline::{Baseline, Entry};
use secrets_scan::config::{PathMatcher, ProjectConfig, CONFIG_FILE, DEFAULT_BASELINE};
use secrets_scan::detect::Detector;
use secrets_scan::policy::Policy;
use secrets_scan::report::{render, OutputFormat};
use secrets_scan::rules::RuleSet;
use secrets_scan::{source, Scanner};
use secrets_sops::config::{self as sops_config, Config};

use crate::cli::ScanArgs;
use crate::report::Failure;

/// Exit code for errors (1 means findings).
const ERROR: u8 = 2;

fn fail(e: impl Into<anyhow::Error>) -> Failure {
    Failure::new(ERROR, e)
}

/// What a scan found, before it is printed.
pub struct Scanned {
    /// Findings (baseline applied) and counts.
    pub outcome: secrets_scan::Outcome,
    /// Texts considered.
    pub considered: usize,
    /// What was scanned ("staged file(s)", ...).
    pub what: &'static str,
}

/// Runs `secrets scan`.
pub fn run(config: Option<&Path>, a: &ScanArgs) -> Result<u8, Failure> {
    let format = OutputFormat::from_name(&a.format).ok_or_else(|| {
        fail(anyhow!(
            "unknown --format {:?}: use human, json, jsonl or sarif",
            a.format
        ))
    })?;
    let Scanned {
        outcome,
        considered,
        what,
    } = scan(config, a)?;
    eprintln!(
        "secrets: scanned {considered} {what}{}",
        if considered == 0 && a.staged {
            " (nothing staged)"
        } else {
            ""
        }
    );

    if let Some(path) = &a.write_baseline {
        let b = Baseline::from_entries(outcome.items.iter().map(|i| Entry {
            fingerprint: i.fingerprint(),
            rule: i.finding.rule.clone(),
            file: i.finding.file.clone(),
        }));
        b.write(path).map_err(fail)?;
        eprintln!(
            "secrets: wrote {} finding(s) to the baseline {}",
            b.findings.len(),
            path.display()
        );
        return Ok(0);
    }

    let text = render(&outcome.items, format, a.no_redact);
    match &a.output {
        Some(p) => std::fs::write(p, text.as_bytes())
            .map_err(|e| fail(anyhow!("cannot write {}: {e}", p.display())))?,
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())
                .and_then(|_| out.flush())
                .map_err(fail)?;
        }
    }
    if outcome.suppressed > 0 {
        eprintln!(
            "secrets: {} finding(s) suppressed by the baseline",
            outcome.suppressed
        );
    }
    if outcome.items.is_empty() {
        Ok(0)
    } else {
        eprintln!("secrets: {} finding(s)", outcome.items.len());
        Ok(1)
    }
}

/// Loads the configuration, collects the sources `a` names and scans them.
pub fn scan(config: Option<&Path>, a: &ScanArgs) -> Result<Scanned, Failure> {
    let cwd = std::env::current_dir().map_err(fail)?;
    let (toml_path, sops_path) = match config {
        Some(p) if p.extension().is_some_and(|e| e == "toml") => (Some(p.to_path_buf()), None),
        Some(p) => (None, Some(p.to_path_buf())),
        None => (None, None),
    };
    let git_mode = a.staged || a.history.is_some();
    let repo = source::open_repo(&cwd).ok();
    if git_mode && repo.is_none() {
        return Err(fail(anyhow!(
            "--staged and --history need a git repository"
        )));
    }
    let root = repo
        .as_ref()
        .map(source::workdir)
        .unwrap_or_else(|| cwd.clone());

    // .sops.yaml: a broken one is an error, never "clean".
    let sops_file = match sops_path {
        Some(p) => Some(p),
        None => {
            let found = sops_config::find(&cwd);
            for w in &found.warnings {
                crate::report::warn(w);
            }
            found.path
        }
    };
    let sops = match sops_file {
        Some(p) => Some(Config::load(&p).map_err(fail)?),
        None => None,
    };

    // .secrets.toml.
    let project = match toml_path {
        Some(p) => ProjectConfig::load(&p).map_err(fail)?,
        None => {
            let p = root.join(CONFIG_FILE);
            if p.is_file() {
                ProjectConfig::load(&p).map_err(fail)?
            } else {
                ProjectConfig::default()
            }
        }
    };
    let protected = PathMatcher::new(&project.protected_patterns()).map_err(fail)?;
    let allow_paths = PathMatcher::new(&project.allow.paths).map_err(fail)?;

    // Baseline: explicit, from the config, or the default file when present.
    let baseline_path = match (&a.baseline, &project.baseline) {
        (Some(p), _) => Some(p.clone()),
        (None, Some(p)) => Some(root.join(p)),
        (None, None) => Some(root.join(DEFAULT_BASELINE)).filter(|p| p.is_file()),
    };
    let baseline = match (&baseline_path, &a.write_baseline) {
        (_, Some(_)) | (None, _) => Default::default(),
        (Some(p), None) if a.baseline.is_none() && !p.is_file() => Default::default(),
        (Some(p), None) => Baseline::load(p).map_err(fail)?.fingerprints(),
    };

    // The rule set (parse + prefilter) builds on a second thread while the sources are read:
    // on a commit both take a few milliseconds, and this runs on every commit.
    let (detector, sources) = std::thread::scope(|scope| {
        let detector = scope.spawn(|| build_detector(&project));
        let sources = collect(a, repo.as_ref(), &root, &cwd);
        let detector = detector
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p));
        (detector, sources)
    });
    let detector = detector?;
    let (collected, policy_root, what) = sources?;
    for n in &collected.notes {
        eprintln!("secrets: note: {n}");
    }

    let scanner = Scanner {
        policy: Policy::new(sops, policy_root, protected),
        detector,
        allow_paths,
        baseline,
    };
    let outcome = scanner.scan_all(&collected.blobs);
    Ok(Scanned {
        outcome,
        considered: collected.considered,
        what,
    })
}

/// Built-in rules plus the project's extra rules, minus disabled ones, compiled.
fn build_detector(project: &ProjectConfig) -> Result<Detector, Failure> {
    let mut rules = RuleSet::builtin().map_err(fail)?;
    rules.extend(
        project
            .rules
            .extra
            .iter()
            .cloned()
            .map(Into::into)
            .collect(),
    );
    rules.disable(&project.rules.disabled);
    Detector::new(&rules, &project.allow.values).map_err(fail)
}

/// The texts to scan, the directory policy paths are relative to, and what to call them.
/// Git paths are relative to the work tree; given paths to the working directory.
fn collect(
    a: &ScanArgs,
    repo: Option<&git2::Repository>,
    root: &Path,
    cwd: &Path,
) -> Result<(source::Collected, PathBuf, &'static str), Failure> {
    let git_repo =
        || repo.ok_or_else(|| fail(anyhow!("--staged and --history need a git repository")));
    Ok(if a.staged {
        (
            source::staged(git_repo()?).map_err(fail)?,
            root.to_path_buf(),
            "staged file(s)",
        )
    } else if let Some(range) = &a.history {
        let range = Some(range.as_str()).filter(|r| !r.is_empty());
        (
            source::history(git_repo()?, range).map_err(fail)?,
            root.to_path_buf(),
            "blob(s) from history",
        )
    } else if a.paths.len() == 1 && a.paths[0] == Path::new("-") {
        (
            source::stdin("-").map_err(fail)?,
            cwd.to_path_buf(),
            "input(s)",
        )
    } else {
        let paths = if a.paths.is_empty() {
            vec![PathBuf::from(".")]
        } else {
            a.paths.clone()
        };
        (
            source::paths(&paths).map_err(fail)?,
            cwd.to_path_buf(),
            "file(s)",
        )
    })
}
