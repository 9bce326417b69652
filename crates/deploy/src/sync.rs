//! Planning and running a sync: per target, compare what would be rendered with what is
//! there, and write only what changed.
//!
//! * SSH targets: the remote file's SHA-256 against the rendered bytes'. Equal → nothing is
//!   written and `restart` does not run. Different → atomic upload ([`crate::ssh`]), then
//!   `restart` in the file's directory.
//! * Command targets: one run per added or changed key, the value on stdin; the keyed
//!   fingerprints last sent are kept in a [`StateStore`].
//!
//! Values never leave this module except as file bytes over SSH or a command's stdin; reports
//! carry names and keyed fingerprints only.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::render::{parse_dotenv, Env};
use crate::ssh::{AuthConfig, Endpoint, Options, Remote};
use crate::state::StateStore;
use crate::targets::{CommandTarget, SshTarget, Target, TargetKind};

/// Keyed fingerprints: HMAC-SHA-256 under a key derived from the sources' data keys, so a
/// fingerprint shown in a log or kept in a state file cannot be used to guess a weak value.
pub struct Fingerprinter {
    key: Zeroizing<Vec<u8>>,
}

impl Fingerprinter {
    /// A fingerprinter keyed by `material` (the data keys of a target's sources, in order).
    pub fn new<'a>(material: impl IntoIterator<Item = &'a [u8]>) -> Fingerprinter {
        let mut h = Sha256::new();
        h.update(b"secrets sync fingerprint v1\0");
        for m in material {
            h.update((m.len() as u64).to_be_bytes());
            h.update(m);
        }
        Fingerprinter {
            key: Zeroizing::new(h.finalize().to_vec()),
        }
    }

    /// 12 hex characters for the value of `name`.
    pub fn of(&self, name: &str, value: &str) -> String {
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(&self.key).expect("HMAC accepts any key length");
        mac.update(name.as_bytes());
        mac.update(&[0]);
        mac.update(value.as_bytes());
        hex(&mac.finalize().into_bytes()[..6])
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-256 of file bytes, hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// What a run does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Write what changed.
    Apply,
    /// Report what would change, write nothing.
    DryRun,
    /// Report drift (destination differs from the rendering), write nothing.
    Check,
}

/// How one key differs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    /// Not at the destination yet.
    Added,
    /// Different value.
    Changed,
    /// At the destination but no longer rendered.
    Removed,
}

/// One key's difference, by name and keyed fingerprints.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct KeyChange {
    /// Variable name.
    pub name: String,
    /// Kind of change.
    pub change: Change,
    /// Fingerprint of the value at the destination (when known).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old: Option<String>,
    /// Fingerprint of the rendered value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new: Option<String>,
}

/// Differences between what is at a destination and what would be rendered, in rendering
/// order (removed keys last).
pub fn diff(old: &[(String, Zeroizing<String>)], new: &Env, fp: &Fingerprinter) -> Vec<KeyChange> {
    let old_fps: BTreeMap<&str, String> =
        old.iter().map(|(k, v)| (k.as_str(), fp.of(k, v))).collect();
    diff_fingerprints(&old_fps, new, fp)
}

fn diff_fingerprints<K: AsRef<str> + Ord>(
    old: &BTreeMap<K, String>,
    new: &Env,
    fp: &Fingerprinter,
) -> Vec<KeyChange> {
    let old: BTreeMap<&str, &str> = old.iter().map(|(k, v)| (k.as_ref(), v.as_str())).collect();
    let mut out = Vec::new();
    for (name, value) in &new.vars {
        let new_fp = fp.of(name, value);
        match old.get(name.as_str()) {
            None => out.push(KeyChange {
                name: name.clone(),
                change: Change::Added,
                old: None,
                new: Some(new_fp),
            }),
            Some(o) if *o != new_fp => out.push(KeyChange {
                name: name.clone(),
                change: Change::Changed,
                old: Some(o.to_string()),
                new: Some(new_fp),
            }),
            Some(_) => {}
        }
    }
    for (name, o) in &old {
        if !new.vars.iter().any(|(n, _)| n == name) {
            out.push(KeyChange {
                name: name.to_string(),
                change: Change::Removed,
                old: Some(o.to_string()),
                new: None,
            });
        }
    }
    out
}

/// The result for one target.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// The destination already had exactly this content: nothing written.
    Unchanged,
    /// Written (and restarted when configured).
    Updated,
    /// Dry run: changes listed, nothing written.
    WouldChange,
    /// Check: the destination differs from the rendering.
    Drift,
    /// The target failed (see `error`).
    Failed,
}

/// What happened to one target.
#[derive(Clone, Debug, Serialize)]
pub struct Outcome {
    /// Target name.
    pub target: String,
    /// `ssh` or `command`.
    pub kind: &'static str,
    /// Result.
    pub status: Status,
    /// Key-level differences (names and fingerprints).
    pub changes: Vec<KeyChange>,
    /// Keyed fingerprint of the rendered file (SSH targets), to compare runs without
    /// exposing a plain hash of secret content.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_fingerprint: Option<String>,
    /// The restart command ran (and succeeded).
    pub restarted: bool,
    /// Why the target failed (never a value).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Outcome {
    fn new(target: &Target, kind: &'static str) -> Outcome {
        Outcome {
            target: target.name.clone(),
            kind,
            status: Status::Unchanged,
            changes: Vec::new(),
            file_fingerprint: None,
            restarted: false,
            error: None,
        }
    }

    fn failed(mut self, error: impl Into<String>) -> Outcome {
        self.status = Status::Failed;
        self.error = Some(error.into());
        self
    }
}

/// A target with its rendered values, ready to run.
pub struct Prepared {
    /// The target.
    pub target: Target,
    /// Its variables.
    pub env: Env,
    /// The file bytes (SSH targets).
    pub bytes: Zeroizing<String>,
    /// Fingerprints keyed by its sources' data keys.
    pub fp: Fingerprinter,
}

/// Settings shared by every target of a run.
pub struct Settings {
    /// Write, dry-run or check.
    pub mode: Mode,
    /// Project root: `known_hosts` and command targets' working directory are relative to it.
    pub root: PathBuf,
    /// SSH authentication.
    pub auth: AuthConfig,
    /// SSH options (host-key policy, timeout).
    pub ssh: Options,
    /// Command targets' state.
    pub state: StateStore,
    /// Include the captured output of a failing remote/local command in the error (it may
    /// echo anything the command printed, so it is opt-in).
    pub show_command_output: bool,
}

/// Runs every prepared target with at most `jobs` at a time; `done` is called as each one
/// finishes (for progress). Outcomes come back in the order of `prepared`.
pub fn run_all(
    prepared: &[Prepared],
    settings: &Settings,
    jobs: usize,
    done: &(dyn Fn(&Outcome) + Sync),
) -> Vec<Outcome> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<(usize, Outcome)>> = Mutex::new(Vec::new());
    let workers = jobs.clamp(1, prepared.len().max(1));
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(p) = prepared.get(i) else { break };
                let outcome = run_one(p, settings);
                done(&outcome);
                results
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push((i, outcome));
            });
        }
    });
    let mut results = results.into_inner().unwrap_or_else(|e| e.into_inner());
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, o)| o).collect()
}

/// Runs one target.
pub fn run_one(p: &Prepared, settings: &Settings) -> Outcome {
    match &p.target.kind {
        TargetKind::Ssh(t) => run_ssh(p, t, settings),
        TargetKind::Command(t) => run_command(p, t, settings),
    }
}

fn run_ssh(p: &Prepared, t: &SshTarget, s: &Settings) -> Outcome {
    let mut out = Outcome::new(&p.target, "ssh");
    let new_hash = sha256_hex(p.bytes.as_bytes());
    out.file_fingerprint = Some(p.fp.of("", &p.bytes));
    let endpoint = Endpoint {
        host: t.host.clone(),
        port: t.port,
        user: t.user.clone(),
        known_hosts: s.root.join(&t.known_hosts),
    };
    let remote = match Remote::connect(&endpoint, &s.auth, &s.ssh) {
        Ok(r) => r,
        Err(e) => return out.failed(e.to_string()),
    };
    let current = match remote.read(&t.path) {
        Ok(c) => c,
        Err(e) => return out.failed(e.to_string()),
    };
    if current.as_deref().map(|c| sha256_hex(c)) == Some(new_hash) {
        return out;
    }
    // Key-level differences, from the file as it is now (a file we cannot parse counts as
    // every key added).
    let old_vars = current
        .as_deref()
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .and_then(|text| parse_dotenv(&Zeroizing::new(text)).ok())
        .unwrap_or_default();
    out.changes = diff(&old_vars, &p.env, &p.fp);
    match s.mode {
        Mode::DryRun => {
            out.status = Status::WouldChange;
            return out;
        }
        Mode::Check => {
            out.status = Status::Drift;
            return out;
        }
        Mode::Apply => {}
    }
    if let Err(e) = remote.write_atomic(
        &t.path,
        p.bytes.as_bytes(),
        t.mode,
        t.owner.as_deref(),
        t.group.as_deref(),
    ) {
        return out.failed(format!(
            "upload of {} failed, the previous file is intact: {e}",
            t.path
        ));
    }
    out.status = Status::Updated;
    if let Some(cmd) = &t.restart {
        let dir = parent_dir(&t.path);
        match remote.run(&dir, cmd) {
            Ok(r) if r.status == 0 => out.restarted = true,
            Ok(r) => {
                let detail = command_detail(&r.stderr, s.show_command_output);
                return out.failed(format!(
                    "{} was written, but the restart command failed with exit status {}{detail}",
                    t.path, r.status
                ));
            }
            Err(e) => {
                return out.failed(format!(
                    "{} was written, but the restart command could not run: {e}",
                    t.path
                ))
            }
        }
    }
    out
}

fn command_detail(stderr: &str, show: bool) -> String {
    let stderr = stderr.trim_end();
    if stderr.is_empty() {
        String::new()
    } else if show {
        format!("; its stderr:\n{stderr}")
    } else {
        format!(
            " ({} line(s) on stderr, shown with --show-command-output)",
            stderr.lines().count()
        )
    }
}

/// The directory of an absolute remote path (`/` for a file at the root).
fn parent_dir(path: &str) -> String {
    match path.rfind('/') {
        Some(0) | None => "/".to_string(),
        Some(i) => path[..i].to_string(),
    }
}

fn run_command(p: &Prepared, t: &CommandTarget, s: &Settings) -> Outcome {
    let mut out = Outcome::new(&p.target, "command");
    let name = &p.target.name;
    let mut sent = match s.state.load(name) {
        Ok(k) => k,
        Err(e) => return out.failed(e.to_string()),
    };
    out.changes = diff_fingerprints(&sent, &p.env, &p.fp);
    if out.changes.is_empty() {
        return out;
    }
    match s.mode {
        Mode::DryRun => {
            out.status = Status::WouldChange;
            return out;
        }
        Mode::Check => {
            out.status = Status::Drift;
            return out;
        }
        Mode::Apply => {}
    }
    for change in out.changes.clone() {
        if change.change == Change::Removed {
            // A command target has no delete verb: forget it so a re-add is sent again.
            sent.remove(&change.name);
            continue;
        }
        let value = p
            .env
            .vars
            .iter()
            .find(|(n, _)| *n == change.name)
            .map(|(_, v)| v)
            .expect("changes come from env");
        if let Err(e) = send(
            &t.command,
            &change.name,
            value,
            &s.root,
            s.show_command_output,
        ) {
            // Keep what was sent so far: the next run resends only the rest.
            let _ = s.state.save(name, &sent);
            return out.failed(format!("{}: {e}", change.name));
        }
        if let Some(fp) = change.new {
            sent.insert(change.name.clone(), fp);
        }
        if let Err(e) = s.state.save(name, &sent) {
            return out.failed(e.to_string());
        }
    }
    if let Err(e) = s.state.save(name, &sent) {
        return out.failed(e.to_string());
    }
    out.status = Status::Updated;
    out
}

/// Runs `command` (with `{key}` replaced by the variable name, a validated identifier) through
/// `/bin/sh -c` in `dir`, the value on stdin.
fn send(command: &str, key: &str, value: &str, dir: &Path, show: bool) -> Result<(), String> {
    let line = command.replace("{key}", key);
    let mut child = Command::new("/bin/sh")
        .arg("-c")
        .arg(&line)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run /bin/sh: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        // A command that exits without reading its stdin is reported by its status below.
        let _ = stdin.write_all(value.as_bytes());
    }
    let output = child
        .wait_with_output()
        .map_err(|e| format!("waiting for the command: {e}"))?;
    if output.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    Err(format!(
        "the command failed with {}{}",
        output
            .status
            .code()
            .map(|c| format!("exit status {c}"))
            .unwrap_or_else(|| "a signal".to_string()),
        command_detail(&stderr, show)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(vars: &[(&str, &str)]) -> Env {
        Env {
            vars: vars
                .iter()
                .map(|(k, v)| (k.to_string(), Zeroizing::new(v.to_string())))
                .collect(),
        }
    }

    #[test]
    fn fingerprints_are_keyed_and_stable() {
        let a = Fingerprinter::new([&[1u8; 32][..]]);
        let b = Fingerprinter::new([&[2u8; 32][..]]);
        assert_eq!(a.of("K", "v"), a.of("K", "v"));
        assert_ne!(a.of("K", "v"), b.of("K", "v"));
        assert_ne!(a.of("K", "v"), a.of("L", "v"));
        assert_eq!(a.of("K", "v").len(), 12);
    }

    #[test]
    fn diff_lists_added_changed_removed_by_name() {
        let fp = Fingerprinter::new([&[7u8; 32][..]]);
        let old = vec![
            ("KEEP".to_string(), Zeroizing::new("v-same".to_string())),
            ("EDIT".to_string(), Zeroizing::new("v-old".to_string())),
            ("GONE".to_string(), Zeroizing::new("v-gone".to_string())),
        ];
        let new = env(&[("KEEP", "v-same"), ("EDIT", "v-new"), ("NEW", "v-n")]);
        let d = diff(&old, &new, &fp);
        let kinds: Vec<(&str, Change)> = d.iter().map(|c| (c.name.as_str(), c.change)).collect();
        assert_eq!(
            kinds,
            vec![
                ("EDIT", Change::Changed),
                ("NEW", Change::Added),
                ("GONE", Change::Removed)
            ]
        );
        let json = serde_json::to_string(&d).unwrap();
        for v in ["v-same", "v-old", "v-new", "v-gone", "v-n"] {
            assert!(!json.contains(v), "{json}");
        }
    }

    #[test]
    fn parent_of_remote_paths() {
        assert_eq!(parent_dir("/opt/app/.env"), "/opt/app");
        assert_eq!(parent_dir("/.env"), "/");
    }
}
