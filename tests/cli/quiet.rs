//! Git-quiet `encrypt -i`: re-encrypting a plaintext whose committed version is a sops file of
//! the same data reproduces the committed bytes (sops #1587), and a one-value change touches only
//! that value's line, `lastmodified` and the MAC. Real git repository, real sops.

use std::path::Path;

use crate::util::{key_env, run, secrets, sops, ALICE};

fn git(dir: &Path, args: &[&str]) {
    let r = run(
        Path::new("git"),
        &[
            &["-c", "user.name=t", "-c", "user.email=t@example.invalid"],
            args,
        ]
        .concat(),
        dir,
        &[("GIT_CONFIG_NOSYSTEM".into(), "1".into())],
        None,
    );
    assert_eq!(r.code, 0, "git {args:?}: {}", r.stderr_text());
}

fn changed_lines(before: &str, after: &str) -> Vec<String> {
    let old: Vec<&str> = before.lines().collect();
    let new: Vec<&str> = after.lines().collect();
    assert_eq!(old.len(), new.len(), "line count changed");
    old.iter()
        .zip(&new)
        .filter(|(a, b)| a != b)
        .map(|(_, b)| b.to_string())
        .collect()
}

#[test]
fn encrypt_in_place_over_the_committed_version_is_quiet() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let env = key_env("alice.txt");
    git(dir, &["init", "-q"]);
    std::fs::write(
        dir.join(".sops.yaml"),
        format!("creation_rules:\n    - age: {ALICE}\n"),
    )
    .unwrap();
    let plain = "# service\napi: tok-one\ndb:\n    password: pw-one\n    port: 5432\n";
    std::fs::write(dir.join("s.yaml"), plain).unwrap();
    let r = run(&sops(), &["encrypt", "-i", "s.yaml"], dir, &env, None);
    assert_eq!(r.code, 0, "{}", r.stderr_text());
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-qm", "init"]);
    let committed = std::fs::read_to_string(dir.join("s.yaml")).unwrap();

    // Same data: the committed bytes come back.
    std::fs::write(dir.join("s.yaml"), plain).unwrap();
    let r = run(&secrets(), &["encrypt", "-i", "s.yaml"], dir, &env, None);
    assert_eq!(r.code, 0, "{}", r.stderr_text());
    assert_eq!(
        std::fs::read_to_string(dir.join("s.yaml")).unwrap(),
        committed
    );

    // One value changed: that line, lastmodified and mac at most.
    std::fs::write(dir.join("s.yaml"), plain.replace("pw-one", "pw-two")).unwrap();
    let r = run(&secrets(), &["encrypt", "-i", "s.yaml"], dir, &env, None);
    assert_eq!(r.code, 0, "{}", r.stderr_text());
    let after = std::fs::read_to_string(dir.join("s.yaml")).unwrap();
    let changed = changed_lines(&committed, &after);
    assert!(changed
        .iter()
        .any(|l| l.trim_start().starts_with("password: ENC[")));
    assert!(changed
        .iter()
        .any(|l| l.trim_start().starts_with("mac: ENC[")));
    assert!(
        changed.iter().all(|l| {
            let l = l.trim_start();
            l.starts_with("password: ") || l.starts_with("mac: ") || l.starts_with("lastmodified: ")
        }),
        "unexpected changes: {changed:?}"
    );
    let r = run(&sops(), &["decrypt", "s.yaml"], dir, &env, None);
    assert_eq!(r.code, 0, "{}", r.stderr_text());
    assert_eq!(
        String::from_utf8(r.stdout).unwrap(),
        plain.replace("pw-one", "pw-two")
    );
}

#[test]
fn encrypt_in_place_without_history_or_key_encrypts_afresh() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("s.yaml"), "a: 1\n").unwrap();
    let r = run(
        &secrets(),
        &["encrypt", "-i", "--age", ALICE, "s.yaml"],
        dir,
        &[],
        None,
    );
    assert_eq!(r.code, 0, "{}", r.stderr_text());
    let r = run(
        &sops(),
        &["decrypt", "s.yaml"],
        dir,
        &key_env("alice.txt"),
        None,
    );
    assert_eq!(String::from_utf8(r.stdout).unwrap(), "a: 1\n");
}
