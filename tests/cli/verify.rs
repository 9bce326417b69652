//! `secrets verify` on repositories built by the tests: decryption and MAC of every file a
//! `.sops.yaml` rule governs, the keyless policy, plaintext secrets (and `--history`).

use crate::scan::{fake_pat, Repo};
use crate::util::{key, run, secrets, Run, ALICE, BOB};

const RULES: &str = "creation_rules:\n  - path_regex: ^secrets/.*\\.yaml$\n    age: ALICE\n";

fn repo() -> Repo {
    let r = Repo::new();
    r.write(".sops.yaml", &RULES.replace("ALICE", ALICE));
    r.encrypt(
        "secrets/app.yaml",
        "db_password: s3cr3t-value\n", // secrets:allow
        ALICE,
        "yaml",
    );
    r.write("README.md", "# app\n");
    r.git_ok(&["add", "-A"]);
    r.commit("init");
    r
}

fn verify(r: &Repo, who: &str, args: &[&str]) -> (Run, String) {
    let mut env = r.env(None);
    env.push((
        "SOPS_AGE_KEY_FILE".into(),
        key(&format!("{who}.txt")).display().to_string(),
    ));
    let mut full = vec!["verify"];
    full.extend_from_slice(args);
    let out = run(&secrets(), &full, &r.root, &env, None);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    (out, text)
}

#[test]
fn a_clean_repository_verifies() {
    let r = repo();
    let (out, text) = verify(&r, "alice", &[]);
    assert_eq!(out.code, 0, "{text}{}", out.stderr_text());
    assert!(text.is_empty(), "{text}");
}

#[test]
fn a_file_for_the_wrong_recipient_is_caught_twice() {
    let r = repo();
    r.encrypt("secrets/other.yaml", "api_key: abc\n", BOB, "yaml");
    let (out, text) = verify(&r, "alice", &[]);
    assert_eq!(out.code, 1, "{text}");
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines.iter().any(|l| l.starts_with("secrets/other.yaml:")
            && l.contains("sops-recipients-mismatch")),
        "{text}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("secrets/other.yaml: does not decrypt")),
        "{text}"
    );
    assert!(!text.contains("abc"), "{text}");
}

#[test]
fn a_plaintext_token_is_caught_and_history_remembers_it() {
    let r = repo();
    let token = fake_pat("verifyA");
    r.write("app.py", &format!("TOKEN = \"{token}\"\n"));
    let (out, text) = verify(&r, "alice", &[]);
    assert_eq!(out.code, 1, "{text}");
    assert!(text.starts_with("app.py:1:"), "{text}");
    assert!(!text.contains(&token), "{text}");

    // Committed, then removed: only --history still sees it.
    r.git_ok(&["add", "app.py"]);
    r.commit("token");
    std::fs::remove_file(r.root.join("app.py")).unwrap();
    r.git_ok(&["add", "-A"]);
    r.commit("remove token");
    let (out, text) = verify(&r, "alice", &[]);
    assert_eq!(out.code, 0, "{text}");
    let (out, text) = verify(&r, "alice", &["--history"]);
    assert_eq!(out.code, 1, "{text}");
    assert!(
        text.contains("app.py:1:") && text.contains("in history"),
        "{text}"
    );
}

#[test]
fn a_tampered_file_does_not_verify() {
    let r = repo();
    let text = r.read("secrets/app.yaml");
    // Swap the MAC for another valid-looking envelope: structure passes, MAC fails.
    let mac_line = text
        .lines()
        .find(|l| l.trim_start().starts_with("mac:"))
        .unwrap();
    let db_value = text
        .lines()
        .find(|l| l.starts_with("db_password:"))
        .unwrap()
        .trim_start_matches("db_password: ");
    r.write(
        "secrets/app.yaml",
        &text.replace(mac_line, &format!("    mac: {db_value}")),
    );
    let (out, text) = verify(&r, "alice", &[]);
    assert_eq!(out.code, 1, "{text}");
    assert!(
        text.contains("secrets/app.yaml: does not decrypt"),
        "{text}"
    );
}
