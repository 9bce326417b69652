//! Day-to-day verbs against files written by the real sops: set, unset, updatekeys, rotate,
//! exec-env and exec-file. Every result is checked by decrypting it with the real sops.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use crate::util::{key, run, secrets, sops, Run, ALICE, BOB};

const CAROL: &str = "age1kj9mc02523ahasksn3pj9l9s3u2l949he9jnh7t4um4cv0cc6evsspa43n";

/// A working directory (the "repo"), a scratch dir where the real sops encrypts (no
/// `.sops.yaml` above it), and private XDG_RUNTIME_DIR / TMPDIR that must end up empty.
struct Repo {
    _root: tempfile::TempDir,
    root: PathBuf,
    work: PathBuf,
    scratch: PathBuf,
    xdg: PathBuf,
    tmp: PathBuf,
}

impl Repo {
    fn new() -> Repo {
        let root = tempfile::tempdir().unwrap();
        let p = root.path().to_path_buf();
        let (work, scratch, xdg, tmp) = (
            p.join("work"),
            p.join("scratch"),
            p.join("xdg"),
            p.join("tmp"),
        );
        for d in [&work, &scratch, &xdg, &tmp] {
            fs::create_dir(d).unwrap();
        }
        Repo {
            _root: root,
            root: p,
            work,
            scratch,
            xdg,
            tmp,
        }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.work.join(rel)
    }

    fn read(&self, rel: &str) -> Vec<u8> {
        fs::read(self.path(rel)).unwrap()
    }

    fn env(&self, key_file: &str) -> Vec<(String, String)> {
        vec![
            (
                "SOPS_AGE_KEY_FILE".into(),
                key(key_file).display().to_string(),
            ),
            ("XDG_RUNTIME_DIR".into(), self.xdg.display().to_string()),
            ("TMPDIR".into(), self.tmp.display().to_string()),
        ]
    }

    /// Encrypts `plain` with the real sops for `recipients` (comma-separated) and writes it to
    /// `rel` in the work dir. Returns the bytes.
    fn sops_file(&self, rel: &str, plain: &str, recipients: &str) -> Vec<u8> {
        let src = self.scratch.join("plain.yaml");
        fs::write(&src, plain).unwrap();
        let r = run(
            &sops(),
            &["encrypt", "--age", recipients, "plain.yaml"],
            &self.scratch,
            &self.env("alice.txt"),
            None,
        );
        assert_eq!(r.code, 0, "{}", r.stderr_text());
        fs::remove_file(&src).unwrap();
        let dest = self.path(rel);
        fs::create_dir_all(dest.parent().unwrap()).unwrap();
        fs::write(&dest, &r.stdout).unwrap();
        r.stdout
    }

    fn rules(&self, yaml: &str) {
        fs::write(self.path(".sops.yaml"), yaml).unwrap();
    }

    fn secrets(&self, args: &[&str], key_file: &str, stdin: Option<&[u8]>) -> Run {
        run(&secrets(), args, &self.work, &self.env(key_file), stdin)
    }

    fn sops_decrypt_as(&self, rel: &str, key_file: &str) -> Run {
        run(
            &sops(),
            &["decrypt", rel],
            &self.work,
            &self.env(key_file),
            None,
        )
    }

    /// Decrypts with the real sops (must succeed).
    fn sops_decrypt(&self, rel: &str, key_file: &str) -> String {
        let r = self.sops_decrypt_as(rel, key_file);
        assert_eq!(r.code, 0, "sops decrypt {rel}: {}", r.stderr_text());
        String::from_utf8(r.stdout).unwrap()
    }

    /// Nothing left in the private temp dirs, and the work dir holds exactly `expected`.
    fn assert_clean(&self, expected: &[&str]) {
        for d in [&self.xdg, &self.tmp] {
            let left: Vec<_> = fs::read_dir(d).unwrap().collect();
            assert!(left.is_empty(), "left behind in {}: {left:?}", d.display());
        }
        let mut found = BTreeSet::new();
        walk(&self.work, &self.work, &mut found);
        let expected: BTreeSet<String> = expected.iter().map(|s| s.to_string()).collect();
        assert_eq!(found, expected, "files in the work dir");
    }
}

fn walk(base: &Path, dir: &Path, out: &mut BTreeSet<String>) {
    for e in fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if e.file_type().unwrap().is_dir() {
            walk(base, &p, out);
        } else {
            out.insert(p.strip_prefix(base).unwrap().display().to_string());
        }
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn line_set(b: &[u8]) -> BTreeSet<String> {
    text(b).lines().map(str::to_string).collect()
}

/// Encrypted value lines (everything with `ENC[` except the MAC).
fn value_lines(b: &[u8]) -> Vec<String> {
    text(b)
        .lines()
        .filter(|l| l.contains("ENC[") && !l.trim_start().starts_with("mac:"))
        .map(str::to_string)
        .collect()
}

fn mac_line(b: &[u8]) -> String {
    text(b)
        .lines()
        .find(|l| l.starts_with("    mac: ENC["))
        .expect("a mac line")
        .to_string()
}

/// The armored lines inside every age block.
fn age_block_lines(b: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    let mut inside = false;
    for l in text(b).lines() {
        let t = l.trim();
        if t == "-----BEGIN AGE ENCRYPTED FILE-----" {
            inside = true;
        } else if t == "-----END AGE ENCRYPTED FILE-----" {
            inside = false;
        } else if inside {
            out.push(t.to_string());
        }
    }
    out
}

/// Number of age recipients recorded in the file.
fn recipients(b: &[u8]) -> Vec<String> {
    text(b)
        .lines()
        .filter_map(|l| l.trim().strip_prefix("- recipient: "))
        .map(str::to_string)
        .collect()
}

/// `old`'s lines appear in `new` in the same order (only lines were added).
fn is_subsequence(old: &[u8], new: &[u8]) -> bool {
    let new_text = text(new);
    let mut it = new_text.lines();
    text(old).lines().all(|l| it.any(|n| n == l))
}

fn assert_all_changed(old: &[String], new: &[String], what: &str) {
    assert!(!old.is_empty() && !new.is_empty(), "no {what} found");
    let new: BTreeSet<&String> = new.iter().collect();
    let kept: Vec<_> = old.iter().filter(|l| new.contains(l)).collect();
    assert!(kept.is_empty(), "{what} unchanged: {kept:?}");
}

const PLAIN: &str = "a:\n    b: old\n    c: keep\nz: 1\n";

// ---------------------------------------------------------------------------------------- set

#[test]
fn set_changes_only_the_value_lastmodified_and_mac() {
    let repo = Repo::new();
    let before = repo.sops_file("f.yaml", PLAIN, ALICE);
    let r = repo.secrets(
        &["set", "f.yaml", r#"["a"]["b"]"#, r#""new""#],
        "alice.txt",
        None,
    );
    assert_eq!(r.code, 0, "{}", r.stderr_text());
    let after = repo.read("f.yaml");
    let (old, new) = (line_set(&before), line_set(&after));
    let removed: Vec<&String> = old.difference(&new).collect();
    let added: Vec<&String> = new.difference(&old).collect();
    let allowed = ["    b: ENC[", "    lastmodified: ", "    mac: ENC["];
    for set in [&removed, &added] {
        assert!(
            set.iter().all(|l| allowed.iter().any(|p| l.starts_with(p))),
            "unexpected changed lines: {set:?}"
        );
        for p in ["    b: ENC[", "    mac: ENC["] {
            assert!(set.iter().any(|l| l.starts_with(p)), "{p} missing: {set:?}");
        }
    }
    assert_eq!(removed.len(), added.len(), "{removed:?} / {added:?}");
    assert_eq!(text(&before).lines().count(), text(&after).lines().count());
    assert_eq!(
        repo.sops_decrypt("f.yaml", "alice.txt"),
        "a:\n    b: new\n    c: keep\nz: 1\n"
    );

    // The same value again: nothing is rewritten.
    let r = repo.secrets(
        &["set", "f.yaml", r#"["a"]["b"]"#, r#""new""#],
        "alice.txt",
        None,
    );
    assert_eq!(r.code, 0, "{}", r.stderr_text());
    assert_eq!(repo.read("f.yaml"), after);
    repo.assert_clean(&["f.yaml"]);
}

#[test]
fn set_value_from_stdin_or_file_is_never_printed() {
    let repo = Repo::new();
    repo.sops_file("f.yaml", PLAIN, ALICE);

    let secret = "s3cr3t-from-stdin-Qx7";
    let r = repo.secrets(
        &["set", "f.yaml", r#"["a"]["b"]"#, "--value-stdin"],
        "alice.txt",
        Some(format!("\"{secret}\"").as_bytes()),
    );
    assert_eq!(r.code, 0, "{}", r.stderr_text());
    assert!(!text(&r.stdout).contains(secret) && !r.stderr_text().contains(secret));
    assert!(!text(&repo.read("f.yaml")).contains(secret));
    assert_eq!(
        repo.sops_decrypt("f.yaml", "alice.txt"),
        format!("a:\n    b: {secret}\n    c: keep\nz: 1\n")
    );

    let secret = "s3cr3t-from-file-Zp9";
    let value_file = repo.root.join("value.json");
    fs::write(&value_file, format!("\"{secret}\"\n")).unwrap();
    let r = repo.secrets(
        &[
            "set",
            "f.yaml",
            r#"["a"]["c"]"#,
            "--value-file",
            value_file.to_str().unwrap(),
        ],
        "alice.txt",
        None,
    );
    assert_eq!(r.code, 0, "{}", r.stderr_text());
    assert!(!text(&r.stdout).contains(secret) && !r.stderr_text().contains(secret));
    assert_eq!(
        repo.sops_decrypt("f.yaml", "alice.txt"),
        format!("a:\n    b: s3cr3t-from-stdin-Qx7\n    c: {secret}\nz: 1\n")
    );
    repo.assert_clean(&["f.yaml"]);
}

#[test]
fn set_rejects_invalid_json_without_echoing_it() {
    let repo = Repo::new();
    let before = repo.sops_file("f.yaml", PLAIN, ALICE);
    let bad = "not-json-XYZZY-8842";
    let r = repo.secrets(&["set", "f.yaml", r#"["a"]["b"]"#, bad], "alice.txt", None);
    assert_eq!(r.code, 7, "{}", r.stderr_text());
    assert!(!r.stderr_text().contains("XYZZY") && !text(&r.stdout).contains("XYZZY"));
    assert_eq!(repo.read("f.yaml"), before);

    let bad = "{\"unterminated\": \"XYZZY-8843";
    let r = repo.secrets(
        &["set", "f.yaml", r#"["a"]["b"]"#, "--value-stdin"],
        "alice.txt",
        Some(bad.as_bytes()),
    );
    assert_eq!(r.code, 7, "{}", r.stderr_text());
    assert!(!r.stderr_text().contains("XYZZY") && !text(&r.stdout).contains("XYZZY"));
    assert_eq!(repo.read("f.yaml"), before);
    repo.assert_clean(&["f.yaml"]);
}

#[test]
fn set_creates_a_new_nested_key() {
    let repo = Repo::new();
    let before = repo.sops_file("f.yaml", PLAIN, ALICE);
    let r = repo.secrets(
        &["set", "f.yaml", r#"["new"]["deep"]"#, r#""value""#],
        "alice.txt",
        None,
    );
    assert_eq!(r.code, 0, "{}", r.stderr_text());
    assert_eq!(
        repo.sops_decrypt("f.yaml", "alice.txt"),
        "a:\n    b: old\n    c: keep\nz: 1\nnew:\n    deep: value\n"
    );
    // Existing values keep their ciphertext.
    let after = repo.read("f.yaml");
    for l in value_lines(&before) {
        assert!(value_lines(&after).contains(&l), "{l} changed");
    }
    repo.assert_clean(&["f.yaml"]);
}

#[test]
fn set_through_a_symlink_updates_the_target() {
    let repo = Repo::new();
    repo.sops_file("f.yaml", PLAIN, ALICE);
    std::os::unix::fs::symlink("f.yaml", repo.path("link.yaml")).unwrap();
    let r = repo.secrets(
        &["set", "link.yaml", r#"["a"]["b"]"#, r#""new""#],
        "alice.txt",
        None,
    );
    assert_eq!(r.code, 0, "{}", r.stderr_text());
    let meta = fs::symlink_metadata(repo.path("link.yaml")).unwrap();
    assert!(meta.file_type().is_symlink(), "the symlink was replaced");
    assert_eq!(
        repo.sops_decrypt("f.yaml", "alice.txt"),
        "a:\n    b: new\n    c: keep\nz: 1\n"
    );
    repo.assert_clean(&["f.yaml", "link.yaml"]);
}

// -------------------------------------------------------------------------------------- unset

#[test]
fn unset_removes_a_key_and_handles_missing_ones() {
    let repo = Repo::new();
    repo.sops_file("f.yaml", PLAIN, ALICE);
    let r = repo.secrets(&["unset", "f.yaml", r#"["a"]"#], "alice.txt", None);
    assert_eq!(r.code, 0, "{}", r.stderr_text());
    assert_eq!(repo.sops_decrypt("f.yaml", "alice.txt"), "z: 1\n");
    let after = repo.read("f.yaml");

    let r = repo.secrets(&["unset", "f.yaml", r#"["a"]"#], "alice.txt", None);
    assert_eq!(r.code, 1, "{}", r.stderr_text());
    assert_eq!(repo.read("f.yaml"), after);

    let r = repo.secrets(
        &["unset", "f.yaml", r#"["a"]"#, "--idempotent"],
        "alice.txt",
        None,
    );
    assert_eq!(r.code, 0, "{}", r.stderr_text());
    assert_eq!(repo.read("f.yaml"), after);
    repo.assert_clean(&["f.yaml"]);
}

// --------------------------------------------------------------------------------- updatekeys

fn rule(regex: &str, recipients: &[&str]) -> String {
    format!(
        "  - path_regex: {regex}\n    age: {}\n",
        recipients.join(",")
    )
}

#[test]
fn updatekeys_adds_then_removes_recipients() {
    let repo = Repo::new();
    let f = "secrets/f.yaml";
    repo.rules(&format!(
        "creation_rules:\n{}",
        rule("secrets/.*", &[ALICE])
    ));
    let v1 = repo.sops_file(f, PLAIN, ALICE);

    // Already matching: nothing to do.
    let r = repo.secrets(&["updatekeys", "-y", f], "alice.txt", None);
    assert_eq!(r.code, 0, "{}", r.stderr_text());
    assert_eq!(repo.read(f), v1);

    // Add bob: the data key is kept, lines are only added.
    repo.rules(&format!(
        "creation_rules:\n{}",
        rule("secrets/.*", &[ALICE, BOB])
    ));
    let r = repo.secrets(&["updatekeys", "-y", f], "alice.txt", None);
    assert_eq!(r.code, 0, "{}", r.stderr_text());
    let v2 = repo.read(f);
    assert_ne!(v2, v1);
    assert!(
        is_subsequence(&v1, &v2),
        "{}\n---\n{}",
        text(&v1),
        text(&v2)
    );
    assert_eq!(value_lines(&v1), value_lines(&v2));
    assert_eq!(mac_line(&v1), mac_line(&v2));
    assert_eq!(recipients(&v2), [ALICE, BOB]);
    assert_eq!(repo.sops_decrypt(f, "bob.txt"), PLAIN);
    assert_eq!(repo.sops_decrypt(f, "alice.txt"), PLAIN);

    // Bob only while alice runs it: refused.
    repo.rules(&format!("creation_rules:\n{}", rule("secrets/.*", &[BOB])));
    let r = repo.secrets(&["updatekeys", "-y", f], "alice.txt", None);
    assert_ne!(r.code, 0, "{}", r.stderr_text());
    let err = r.stderr_text();
    assert!(err.contains("--force"), "{err}");
    assert!(
        err.contains("lock") || err.contains("none of your identities"),
        "{err}"
    );
    assert_eq!(repo.read(f), v2);

    // With --force: rotated, bob only.
    let r = repo.secrets(&["updatekeys", "-y", "--force", f], "alice.txt", None);
    assert_eq!(r.code, 0, "{}", r.stderr_text());
    assert!(r.stderr_text().contains("history"), "{}", r.stderr_text());
    let v3 = repo.read(f);
    assert_eq!(recipients(&v3), [BOB]);
    assert_all_changed(&value_lines(&v2), &value_lines(&v3), "value ciphertexts");
    assert_eq!(repo.sops_decrypt(f, "bob.txt"), PLAIN);
    assert_ne!(repo.sops_decrypt_as(f, "alice.txt").code, 0);
    repo.assert_clean(&[".sops.yaml", f]);
}

#[test]
fn updatekeys_without_yes_and_no_terminal_is_an_error() {
    let repo = Repo::new();
    let f = "secrets/f.yaml";
    repo.rules(&format!(
        "creation_rules:\n{}",
        rule("secrets/.*", &[ALICE, BOB])
    ));
    let before = repo.sops_file(f, PLAIN, ALICE);
    let r = repo.secrets(&["updatekeys", f], "alice.txt", None);
    assert_ne!(r.code, 0, "{}", r.stderr_text());
    assert!(r.stderr_text().contains("-y"), "{}", r.stderr_text());
    assert_eq!(repo.read(f), before);
    repo.assert_clean(&[".sops.yaml", f]);
}

#[test]
fn updatekeys_all_updates_every_matched_file() {
    let repo = Repo::new();
    // One rule with a YAML list, one with a comma-separated string.
    repo.rules(&format!(
        "creation_rules:\n  - path_regex: secrets/a/.*\n    age:\n      - {ALICE}\n      - {BOB}\n{}",
        rule("secrets/b/.*", &[ALICE, CAROL])
    ));
    let a = "secrets/a/x.yaml";
    let b = "secrets/b/y.yaml";
    let c = "secrets/c/z.yaml";
    let plain_rel = "secrets/a/notes.yaml";
    repo.sops_file(a, PLAIN, ALICE);
    repo.sops_file(b, PLAIN, &format!("{ALICE},{BOB}"));
    let c_before = repo.sops_file(c, PLAIN, ALICE);
    fs::write(repo.path(plain_rel), "just: text\n").unwrap();

    let r = repo.secrets(&["updatekeys", "--all", "-y"], "alice.txt", None);
    assert_eq!(r.code, 0, "{}", r.stderr_text());

    assert_eq!(recipients(&repo.read(a)), [ALICE, BOB]);
    assert_eq!(repo.sops_decrypt(a, "bob.txt"), PLAIN);
    assert_eq!(recipients(&repo.read(b)), [ALICE, CAROL]);
    assert_eq!(repo.sops_decrypt(b, "carol.txt"), PLAIN);
    assert_ne!(repo.sops_decrypt_as(b, "bob.txt").code, 0);
    assert_eq!(repo.read(c), c_before);
    assert_eq!(
        fs::read_to_string(repo.path(plain_rel)).unwrap(),
        "just: text\n"
    );

    // Run again: everything matches, nothing changes.
    let (a2, b2) = (repo.read(a), repo.read(b));
    let r = repo.secrets(&["updatekeys", "--all", "-y"], "alice.txt", None);
    assert_eq!(r.code, 0, "{}", r.stderr_text());
    assert_eq!(repo.read(a), a2);
    assert_eq!(repo.read(b), b2);
    repo.assert_clean(&[".sops.yaml", a, b, c, plain_rel]);
}

// ------------------------------------------------------------------------------------- rotate

#[test]
fn rotate_in_place_changes_every_ciphertext() {
    let repo = Repo::new();
    let before = repo.sops_file("f.yaml", PLAIN, ALICE);
    let r = repo.secrets(&["rotate", "-i", "f.yaml"], "alice.txt", None);
    assert_eq!(r.code, 0, "{}", r.stderr_text());
    assert!(r.stdout.is_empty());
    let after = repo.read("f.yaml");
    assert_all_changed(
        &value_lines(&before),
        &value_lines(&after),
        "value ciphertexts",
    );
    assert_ne!(mac_line(&before), mac_line(&after));
    assert_all_changed(
        &age_block_lines(&before),
        &age_block_lines(&after),
        "age block lines",
    );
    assert_eq!(recipients(&after), [ALICE]);
    assert_eq!(repo.sops_decrypt("f.yaml", "alice.txt"), PLAIN);
    repo.assert_clean(&["f.yaml"]);
}

#[test]
fn rotate_adds_and_removes_recipients() {
    let repo = Repo::new();
    repo.sops_file("f.yaml", PLAIN, ALICE);
    let r = repo.secrets(
        &["rotate", "-i", "--add-age", BOB, "f.yaml"],
        "alice.txt",
        None,
    );
    assert_eq!(r.code, 0, "{}", r.stderr_text());
    let v2 = repo.read("f.yaml");
    assert_eq!(recipients(&v2), [ALICE, BOB]);
    assert_eq!(repo.sops_decrypt("f.yaml", "bob.txt"), PLAIN);
    assert_eq!(repo.sops_decrypt("f.yaml", "alice.txt"), PLAIN);

    // Alice removing herself: refused without --force.
    let r = repo.secrets(
        &["rotate", "-i", "--rm-age", ALICE, "f.yaml"],
        "alice.txt",
        None,
    );
    assert_ne!(r.code, 0, "{}", r.stderr_text());
    assert!(r.stderr_text().contains("--force"), "{}", r.stderr_text());
    assert_eq!(repo.read("f.yaml"), v2);

    let r = repo.secrets(
        &["rotate", "-i", "--rm-age", ALICE, "--force", "f.yaml"],
        "alice.txt",
        None,
    );
    assert_eq!(r.code, 0, "{}", r.stderr_text());
    assert!(r.stderr_text().contains("history"), "{}", r.stderr_text());
    assert_eq!(recipients(&repo.read("f.yaml")), [BOB]);
    assert_eq!(repo.sops_decrypt("f.yaml", "bob.txt"), PLAIN);
    assert_ne!(repo.sops_decrypt_as("f.yaml", "alice.txt").code, 0);
    repo.assert_clean(&["f.yaml"]);
}

#[test]
fn rotate_without_in_place_prints_and_keeps_the_file() {
    let repo = Repo::new();
    let before = repo.sops_file("f.yaml", PLAIN, ALICE);
    let r = repo.secrets(&["rotate", "f.yaml"], "alice.txt", None);
    assert_eq!(r.code, 0, "{}", r.stderr_text());
    assert_eq!(repo.read("f.yaml"), before);
    assert!(!text(&r.stdout).contains("old"), "plaintext on stdout");
    assert_all_changed(
        &value_lines(&before),
        &value_lines(&r.stdout),
        "value ciphertexts",
    );
    fs::write(repo.path("out.yaml"), &r.stdout).unwrap();
    assert_eq!(repo.sops_decrypt("out.yaml", "alice.txt"), PLAIN);
    repo.assert_clean(&["f.yaml", "out.yaml"]);
}

// --------------------------------------------------------------------------------------- exec

const ENV_PLAIN: &str = "KEY: val-Jq83-secret\nOTHER: 2\n";
const ENV_VALUE: &str = "val-Jq83-secret";

#[test]
fn exec_env_passes_values_in_the_environment() {
    let repo = Repo::new();
    repo.sops_file("f.yaml", ENV_PLAIN, ALICE);
    let r = repo.secrets(
        &["exec-env", "f.yaml", r#"printf "%s" "$KEY""#],
        "alice.txt",
        None,
    );
    assert_eq!(r.code, 0, "{}", r.stderr_text());
    assert_eq!(text(&r.stdout), ENV_VALUE);
    assert!(!r.stderr_text().contains(ENV_VALUE));

    let r = repo.secrets(&["exec-env", "f.yaml", "exit 7"], "alice.txt", None);
    assert_eq!(r.code, 7, "{}", r.stderr_text());

    // Not in argv: neither the shell's nor ours.
    let r = repo.secrets(
        &[
            "exec-env",
            "f.yaml",
            "cat /proc/$$/cmdline; echo; cat /proc/$PPID/cmdline",
        ],
        "alice.txt",
        None,
    );
    assert_eq!(r.code, 0, "{}", r.stderr_text());
    let out = text(&r.stdout);
    assert!(
        out.contains("cmdline") && out.contains("exec-env"),
        "{out:?}"
    );
    assert!(!out.contains(ENV_VALUE), "{out:?}");
    repo.assert_clean(&["f.yaml"]);
}

#[test]
fn exec_env_pristine_passes_only_the_file() {
    let repo = Repo::new();
    repo.sops_file("f.yaml", ENV_PLAIN, ALICE);
    let r = repo.secrets(
        &["exec-env", "--pristine", "f.yaml", "env"],
        "alice.txt",
        None,
    );
    assert_eq!(r.code, 0, "{}", r.stderr_text());
    let out = text(&r.stdout);
    let names: BTreeSet<&str> = out
        .lines()
        .filter_map(|l| l.split_once('=').map(|(k, _)| k))
        .filter(|k| !matches!(*k, "PWD" | "OLDPWD" | "SHLVL" | "_"))
        .collect();
    assert_eq!(names, BTreeSet::from(["KEY", "OTHER"]), "{out}");
    assert!(
        out.lines().any(|l| l == format!("KEY={ENV_VALUE}")),
        "{out}"
    );
    assert!(out.lines().any(|l| l == "OTHER=2"), "{out}");
    repo.assert_clean(&["f.yaml"]);
}

fn exec_file(extra: &[&str], kind: &str) {
    let repo = Repo::new();
    repo.sops_file("f.yaml", ENV_PLAIN, ALICE);
    let record = repo.root.join("record");
    // stat does not open the path, so a FIFO is not consumed.
    let command = format!(
        "echo {{}} > '{r}'; stat -c '%F %a' {{}} >> '{r}'; cat {{}}",
        r = record.display()
    );
    let mut args = vec!["exec-file"];
    args.extend_from_slice(extra);
    args.extend_from_slice(&["f.yaml", &command]);
    let r = repo.secrets(&args, "alice.txt", None);
    assert_eq!(r.code, 0, "{}", r.stderr_text());
    assert_eq!(text(&r.stdout), repo.sops_decrypt("f.yaml", "alice.txt"));
    assert!(!r.stderr_text().contains(ENV_VALUE));
    let rec = fs::read_to_string(&record).unwrap();
    let rec: Vec<&str> = rec.lines().collect();
    assert_eq!(rec.get(1).copied(), Some(kind), "{rec:?}");
    let temp = PathBuf::from(rec[0]);
    assert!(temp.starts_with(&repo.xdg), "{}", temp.display());
    assert!(!temp.exists(), "{} still exists", temp.display());
    assert!(!temp.parent().unwrap().exists());
    repo.assert_clean(&["f.yaml"]);
}

#[test]
fn exec_file_fifo() {
    exec_file(&[], "fifo 600");
}

#[test]
fn exec_file_no_fifo() {
    exec_file(&["--no-fifo"], "regular file 600");
}

#[test]
fn exec_file_output_type_json() {
    let repo = Repo::new();
    repo.sops_file("f.yaml", ENV_PLAIN, ALICE);
    for extra in [&[][..], &["--no-fifo"][..]] {
        let mut args = vec!["exec-file", "--output-type", "json"];
        args.extend_from_slice(extra);
        args.extend_from_slice(&["f.yaml", "cat {}"]);
        let r = repo.secrets(&args, "alice.txt", None);
        assert_eq!(r.code, 0, "{}", r.stderr_text());
        let v: serde_json::Value = serde_json::from_slice(&r.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", text(&r.stdout)));
        assert_eq!(v, serde_json::json!({"KEY": ENV_VALUE, "OTHER": 2}));
    }
    let r = repo.secrets(&["exec-file", "f.yaml", "exit 5"], "alice.txt", None);
    assert_eq!(r.code, 5, "{}", r.stderr_text());
    repo.assert_clean(&["f.yaml"]);
}
