//! `secrets edit` with shell-script editors against files written by the real sops.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::{key, run, secrets, sops, Run, ALICE};

/// A working dir, a private XDG_RUNTIME_DIR and a place for editor scripts.
struct Env {
    _root: tempfile::TempDir,
    work: PathBuf,
    xdg: PathBuf,
    bin: PathBuf,
}

impl Env {
    fn new() -> Env {
        let root = tempfile::tempdir().unwrap();
        let (work, xdg, bin) = (
            root.path().join("work"),
            root.path().join("xdg"),
            root.path().join("bin"),
        );
        for d in [&work, &xdg, &bin] {
            fs::create_dir(d).unwrap();
        }
        Env {
            _root: root,
            work,
            xdg,
            bin,
        }
    }

    /// Writes an executable editor script and returns its path.
    fn script(&self, name: &str, body: &str) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let p = self.bin.join(name);
        fs::write(&p, format!("#!/bin/sh\n{body}\n")).unwrap();
        fs::set_permissions(&p, fs::Permissions::from_mode(0o755)).unwrap();
        p
    }

    fn env(&self, editor: &Path) -> Vec<(String, String)> {
        vec![
            (
                "SOPS_AGE_KEY_FILE".into(),
                key("alice.txt").display().to_string(),
            ),
            ("XDG_RUNTIME_DIR".into(), self.xdg.display().to_string()),
            ("EDITOR".into(), editor.display().to_string()),
        ]
    }

    fn edit(&self, editor: &Path, file: &str) -> Run {
        run(
            &secrets(),
            &["edit", file],
            &self.work,
            &self.env(editor),
            None,
        )
    }

    /// Encrypts `plain` with the real sops into `name` and returns the bytes.
    fn sops_file(&self, name: &str, plain: &str) -> Vec<u8> {
        fs::write(self.work.join("plain.yaml"), plain).unwrap();
        let r = run(
            &sops(),
            &["encrypt", "--age", ALICE, "plain.yaml"],
            &self.work,
            &self.env(Path::new("true")),
            None,
        );
        assert_eq!(r.code, 0, "{}", r.stderr_text());
        fs::remove_file(self.work.join("plain.yaml")).unwrap();
        fs::write(self.work.join(name), &r.stdout).unwrap();
        r.stdout
    }

    fn sops_decrypt(&self, name: &str) -> String {
        let r = run(
            &sops(),
            &["decrypt", name],
            &self.work,
            &self.env(Path::new("true")),
            None,
        );
        assert_eq!(r.code, 0, "{}", r.stderr_text());
        String::from_utf8(r.stdout).unwrap()
    }

    fn assert_no_plaintext_left(&self) {
        let left: Vec<_> = fs::read_dir(&self.xdg).unwrap().collect();
        assert!(left.is_empty(), "left behind: {left:?}");
    }
}

const PLAIN: &str = "a: 1\nb: hello\nc:\n    d: x\n";

fn lines(b: &[u8]) -> BTreeSet<String> {
    String::from_utf8_lossy(b)
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn changing_one_value_changes_three_lines() {
    let env = Env::new();
    let before = env.sops_file("f.yaml", PLAIN);
    // A new second, so `lastmodified` differs from the one sops wrote.
    std::thread::sleep(Duration::from_millis(1100));
    let ed = env.script("ed", "sed -i 's/hello/world/' \"$1\"");
    let r = env.edit(&ed, "f.yaml");
    assert_eq!(r.code, 0, "{}", r.stderr_text());
    let after = fs::read(env.work.join("f.yaml")).unwrap();
    let (old, new) = (lines(&before), lines(&after));
    let removed: Vec<_> = old.difference(&new).collect();
    let added: Vec<_> = new.difference(&old).collect();
    assert_eq!(removed.len(), 3, "{removed:?}");
    assert_eq!(added.len(), 3, "{added:?}");
    for prefix in ["b: ENC[", "    lastmodified: ", "    mac: ENC["] {
        assert!(added.iter().any(|l| l.starts_with(prefix)), "{added:?}");
    }
    assert_eq!(env.sops_decrypt("f.yaml"), "a: 1\nb: world\nc:\n    d: x\n");
    env.assert_no_plaintext_left();
}

#[test]
fn unchanged_and_whitespace_only_edits_keep_the_file() {
    let env = Env::new();
    let before = env.sops_file("f.yaml", PLAIN);
    let noop = env.script("noop", "exit 0");
    let r = env.edit(&noop, "f.yaml");
    assert_eq!(r.code, 200, "{}", r.stderr_text());
    assert_eq!(fs::read(env.work.join("f.yaml")).unwrap(), before);

    let ws = env.script(
        "ws",
        "sed -i 's/^b: /b:     /' \"$1\" && printf '\\n\\n' >> \"$1\"",
    );
    let r = env.edit(&ws, "f.yaml");
    assert_eq!(r.code, 200, "{}", r.stderr_text());
    assert_eq!(fs::read(env.work.join("f.yaml")).unwrap(), before);
    env.assert_no_plaintext_left();
}

#[test]
fn invalid_content_reopens_the_editor_with_the_error() {
    let env = Env::new();
    env.sops_file("f.yaml", PLAIN);
    let state = env.bin.join("state");
    let ed = env.script(
        "ed",
        &format!(
            r#"if [ ! -f '{s}' ]; then touch '{s}'; printf 'a: [unclosed\n' > "$1"; exit 0; fi
head -n 1 "$1" | grep -q '^# secrets: error' || exit 9
grep -q 'unclosed' "$1" || exit 8
printf 'a: 2\nb: fixed\n' > "$1""#,
            s = state.display()
        ),
    );
    let r = env.edit(&ed, "f.yaml");
    assert_eq!(r.code, 0, "{}", r.stderr_text());
    assert_eq!(env.sops_decrypt("f.yaml"), "a: 2\nb: fixed\n");
    env.assert_no_plaintext_left();
}

#[test]
fn invalid_content_saved_again_unchanged_gives_up() {
    let env = Env::new();
    let before = env.sops_file("f.yaml", PLAIN);
    let state = env.bin.join("state");
    let ed = env.script(
        "ed",
        &format!(
            r#"if [ ! -f '{s}' ]; then touch '{s}'; printf 'a: [unclosed\n' > "$1"; fi"#,
            s = state.display()
        ),
    );
    let r = env.edit(&ed, "f.yaml");
    assert_eq!(r.code, 1, "{}", r.stderr_text());
    assert_eq!(fs::read(env.work.join("f.yaml")).unwrap(), before);
    env.assert_no_plaintext_left();
}

#[test]
fn editing_the_metadata_is_refused() {
    let env = Env::new();
    let before = env.sops_file("f.yaml", PLAIN);
    let state = env.bin.join("state");
    let ed = env.script(
        "ed",
        &format!(
            r#"if [ ! -f '{s}' ]; then touch '{s}'; printf 'sops:\n    version: x\n' >> "$1"; fi"#,
            s = state.display()
        ),
    );
    let r = env.edit(&ed, "f.yaml");
    assert_eq!(r.code, 1, "{}", r.stderr_text());
    assert!(r.stderr_text().contains("sops"), "{}", r.stderr_text());
    assert_eq!(fs::read(env.work.join("f.yaml")).unwrap(), before);
    env.assert_no_plaintext_left();
}

#[test]
fn editor_failure_is_201_and_leaves_nothing() {
    let env = Env::new();
    let before = env.sops_file("f.yaml", PLAIN);
    let ed = env.script("ed", "sed -i 's/hello/world/' \"$1\"; exit 3");
    let r = env.edit(&ed, "f.yaml");
    assert_eq!(r.code, 201, "{}", r.stderr_text());
    assert_eq!(fs::read(env.work.join("f.yaml")).unwrap(), before);
    env.assert_no_plaintext_left();

    let r = env.edit(&env.bin.join("does-not-exist"), "f.yaml");
    assert_eq!(r.code, 201, "{}", r.stderr_text());
    env.assert_no_plaintext_left();
}

fn killed_by(signal: &str, expected_code: i32) {
    let env = Env::new();
    let before = env.sops_file("f.yaml", PLAIN);
    let path_file = env.bin.join("path");
    let pid_file = env.bin.join("pid");
    let ed = env.script(
        "ed",
        &format!(
            "echo $$ > '{pid}'\necho \"$1\" > '{p}.tmp' && mv '{p}.tmp' '{p}'\nexec sleep 30",
            pid = pid_file.display(),
            p = path_file.display()
        ),
    );
    let mut cmd = Command::new(secrets());
    cmd.args(["edit", "f.yaml"])
        .current_dir(&env.work)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", crate::util::empty_home())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    for (k, v) in env.env(&ed) {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    let start = Instant::now();
    while !path_file.exists() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "editor never ran"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let temp = PathBuf::from(fs::read_to_string(&path_file).unwrap().trim());
    assert!(temp.is_file());
    let status = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let start = Instant::now();
    let exit = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > Duration::from_secs(5) {
            let _ = child.kill();
            panic!("secrets did not exit after {signal}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    // Do not leak the sleeping editor, whatever happened.
    if let Ok(pid) = fs::read_to_string(&pid_file) {
        let _ = Command::new("kill")
            .args(["-KILL", pid.trim()])
            .stderr(Stdio::null())
            .status();
    }
    assert_eq!(exit.code(), Some(expected_code));
    assert!(!temp.exists());
    assert!(!temp.parent().unwrap().exists());
    env.assert_no_plaintext_left();
    assert_eq!(fs::read(env.work.join("f.yaml")).unwrap(), before);
}

#[test]
fn sigterm_removes_the_plaintext() {
    killed_by("-TERM", 143);
}

#[test]
fn sigint_removes_the_plaintext() {
    killed_by("-INT", 130);
}

#[test]
fn new_file_follows_the_creation_rules() {
    let env = Env::new();
    fs::write(
        env.work.join(".sops.yaml"),
        format!("creation_rules:\n  - path_regex: \\.yaml$\n    age: {ALICE}\n"),
    )
    .unwrap();
    let noop = env.script("noop", "exit 0");
    let r = env.edit(&noop, "new.yaml");
    assert_eq!(r.code, 200, "{}", r.stderr_text());
    assert!(!env.work.join("new.yaml").exists());

    let ed = env.script("ed", "printf 'a: 1\\n' > \"$1\"");
    let r = env.edit(&ed, "new.yaml");
    assert_eq!(r.code, 0, "{}", r.stderr_text());
    assert_eq!(env.sops_decrypt("new.yaml"), "a: 1\n");
    env.assert_no_plaintext_left();
}

#[test]
fn new_file_without_rules_or_keys_fails_before_the_editor() {
    let env = Env::new();
    let ed = env.script("ed", "exit 7");
    let r = env.edit(&ed, "new.yaml");
    assert_eq!(r.code, 1, "{}", r.stderr_text());
    assert!(!env.work.join("new.yaml").exists());
}

#[test]
fn plaintext_lives_in_a_private_dir_outside_the_repo() {
    let env = Env::new();
    env.sops_file("f.yaml", PLAIN);
    let record = env.bin.join("record");
    let ed = env.script(
        "ed",
        &format!(
            "{{ echo \"$1\"; stat -c %a \"$1\"; stat -c %a \"$(dirname \"$1\")\"; }} > '{r}'\nsed -i 's/hello/world/' \"$1\"",
            r = record.display()
        ),
    );
    let r = env.edit(&ed, "f.yaml");
    assert_eq!(r.code, 0, "{}", r.stderr_text());
    let text = fs::read_to_string(&record).unwrap();
    let rec: Vec<&str> = text.lines().collect();
    let path = Path::new(rec[0]);
    assert!(!path.starts_with(&env.work), "{}", path.display());
    assert!(path.starts_with(&env.xdg), "{}", path.display());
    assert_eq!(path.file_name().unwrap(), "f.yaml");
    assert_eq!(rec[1], "600");
    assert_eq!(rec[2], "700");
    assert!(!path.exists());
    env.assert_no_plaintext_left();
}
