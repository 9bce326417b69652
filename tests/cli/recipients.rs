//! `secrets recipients list|add|remove` on small repositories: `.sops.yaml` edited as text
//! (exact expected bytes, comments kept), files re-keyed (data key kept when adding, rotated when
//! removing), and the result checked with the real sops binary.

use std::path::{Path, PathBuf};

use crate::util::{key_env, run, secrets, sops, Run, ALICE, BOB};

const CAROL: &str = "age1kj9mc02523ahasksn3pj9l9s3u2l949he9jnh7t4um4cv0cc6evsspa43n";

// Fake values, never printed. secrets:allow
const PLAIN: &str = "db:\n    password: s3cr3t-db-value\napi_token: tok-0123456789\n"; // secrets:allow

/// Two rules: a block list with a name, and a one-key string with a name in its comment.
const CONFIG: &str = "# Who can decrypt what (names after the keys).
creation_rules:
    # Application secrets.
    - path_regex: ^secrets/.*\\.yaml$
      age:
        - {ALICE} # alice

    # CI deploy values: one string.
    - path_regex: ^ci/.*\\.yaml$
      age: {ALICE}  # alice
";

const CONFIG_WITH_BOB: &str = "# Who can decrypt what (names after the keys).
creation_rules:
    # Application secrets.
    - path_regex: ^secrets/.*\\.yaml$
      age:
        - {ALICE} # alice
        - {BOB} # bob

    # CI deploy values: one string.
    - path_regex: ^ci/.*\\.yaml$
      age:
        - {ALICE} # alice
        - {BOB} # bob
";

/// After `add bob` then `remove bob`: the list is back as it was, the string stays a list.
const CONFIG_BOB_REMOVED: &str = "# Who can decrypt what (names after the keys).
creation_rules:
    # Application secrets.
    - path_regex: ^secrets/.*\\.yaml$
      age:
        - {ALICE} # alice

    # CI deploy values: one string.
    - path_regex: ^ci/.*\\.yaml$
      age:
        - {ALICE} # alice
";

fn fill(t: &str) -> String {
    t.replace("{ALICE}", ALICE)
        .replace("{BOB}", BOB)
        .replace("{CAROL}", CAROL)
}

struct Repo {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

impl Repo {
    /// A git repository with `config` as .sops.yaml.
    fn new(config: &str) -> Repo {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("repo");
        std::fs::create_dir_all(&root).unwrap();
        let r = Repo { _dir: dir, root };
        let g = run(Path::new("git"), &["init", "-q"], &r.root, &[], None);
        assert_eq!(g.code, 0, "{}", g.stderr_text());
        r.write(".sops.yaml", &fill(config));
        r
    }

    fn path(&self, name: &str) -> PathBuf {
        self.root.join(name)
    }

    fn write(&self, name: &str, text: &str) {
        let p = self.path(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.path(name)).unwrap()
    }

    fn run_as(&self, key: &str, args: &[&str]) -> Run {
        let r = run(&secrets(), args, &self.root, &key_env(key), None);
        let out = String::from_utf8_lossy(&r.stdout);
        for secret in ["s3cr3t-db-value", "tok-0123456789"] {
            if !args.contains(&"decrypt") {
                assert!(!out.contains(secret) && !r.stderr_text().contains(secret));
            }
        }
        r
    }

    /// Runs secrets with Alice's key.
    fn secrets(&self, args: &[&str]) -> Run {
        self.run_as("alice.txt", args)
    }

    fn ok(&self, args: &[&str]) -> Run {
        let r = self.secrets(args);
        assert_eq!(r.code, 0, "secrets {args:?}: {}", r.stderr_text());
        r
    }

    /// Writes the plaintext and encrypts it in place with the built binary.
    fn encrypt(&self, name: &str) {
        self.write(name, PLAIN);
        self.ok(&["encrypt", "-i", name]);
    }

    fn decrypt_with(&self, key: &str, name: &str) -> Run {
        self.run_as(key, &["decrypt", name])
    }

    fn sops_decrypt_with(&self, key: &str, name: &str) -> Run {
        run(&sops(), &["decrypt", name], &self.root, &key_env(key), None)
    }
}

/// The lines holding ciphertext (values and the MAC).
fn enc_lines(text: &str) -> Vec<&str> {
    text.lines().filter(|l| l.contains("ENC[")).collect()
}

/// A recipient's armored block in a sops YAML file.
fn age_block<'t>(text: &'t str, recipient: &str) -> &'t str {
    let start = text
        .find(&format!("recipient: {recipient}"))
        .unwrap_or_else(|| panic!("no block for {recipient}:\n{text}"));
    let end = start
        + text[start..]
            .find("-----END AGE ENCRYPTED FILE-----")
            .unwrap();
    &text[start..end]
}

fn stdout(r: &Run) -> String {
    String::from_utf8_lossy(&r.stdout).into_owned()
}

#[test]
fn recipients_add_keeps_comments_and_data_key_and_sops_reads_it() {
    let repo = Repo::new(CONFIG);
    repo.encrypt("secrets/app.yaml");
    repo.encrypt("ci/deploy.yaml");
    let before = repo.read("secrets/app.yaml");

    let r = repo.ok(&["recipients", "add", "bob", BOB, "-y"]);
    let err = r.stderr_text();
    assert!(
        err.contains(&format!("+ {BOB} (bob)  (gains access)")),
        "{err}"
    );
    assert_eq!(repo.read(".sops.yaml"), fill(CONFIG_WITH_BOB));

    // The data key is kept: every ciphertext and Alice's block are unchanged.
    let after = repo.read("secrets/app.yaml");
    assert_eq!(enc_lines(&after), enc_lines(&before));
    assert_eq!(age_block(&after, ALICE), age_block(&before, ALICE));
    assert!(after.contains(&format!("recipient: {BOB}")));

    // Bob can decrypt both files, with secrets and with the real sops.
    for file in ["secrets/app.yaml", "ci/deploy.yaml"] {
        let d = repo.decrypt_with("bob.txt", file);
        assert_eq!(
            (d.code, stdout(&d)),
            (0, PLAIN.to_string()),
            "{}",
            d.stderr_text()
        );
        let s = repo.sops_decrypt_with("bob.txt", file);
        assert_eq!(
            (s.code, stdout(&s)),
            (0, PLAIN.to_string()),
            "{}",
            s.stderr_text()
        );
    }

    // The real sops reads the edited .sops.yaml: new files get both recipients, under both rules
    // (the second was a string and is now a list).
    for file in ["secrets/new.yaml", "ci/new.yaml"] {
        repo.write(file, PLAIN);
        let e = run(&sops(), &["encrypt", file], &repo.root, &[], None);
        assert_eq!(e.code, 0, "{}", e.stderr_text());
        let text = stdout(&e);
        assert!(text.contains(&format!("recipient: {ALICE}")), "{text}");
        assert!(text.contains(&format!("recipient: {BOB}")), "{text}");
    }
}

#[test]
fn recipients_list_shows_names_groups_and_policy() {
    let repo = Repo::new(CONFIG);
    repo.encrypt("secrets/app.yaml");
    repo.ok(&["recipients", "add", "bob", BOB, "-y"]);
    // A file encrypted for Alice and Carol by hand: Carol is not in the rule, Bob is missing.
    repo.write("secrets/legacy.yaml", PLAIN);
    let e = repo.ok(&[
        "encrypt",
        "--age",
        &format!("{ALICE},{CAROL}"),
        "secrets/legacy.yaml",
    ]);
    std::fs::write(repo.path("secrets/legacy.yaml"), &e.stdout).unwrap();
    // Not a sops file: not listed.
    repo.write("notes.txt", "sops mentioned, but not a sops file\n");

    let r = repo.ok(&["recipients", "list"]);
    let out = stdout(&r);
    let rows: Vec<Vec<&str>> = out
        .lines()
        .take_while(|l| !l.is_empty())
        .map(|l| l.split_whitespace().collect())
        .collect();
    let want: Vec<Vec<&str>> = vec![
        vec!["FILE", "GROUP", "RECIPIENT", "NAME", "STATUS"],
        vec!["secrets/app.yaml", "0", ALICE, "alice", "ok"],
        vec!["secrets/app.yaml", "0", BOB, "bob", "ok"],
        vec!["secrets/legacy.yaml", "0", ALICE, "alice", "ok"],
        vec!["secrets/legacy.yaml", "0", CAROL, "-", "not", "in", "rule"],
        vec!["secrets/legacy.yaml", "0", BOB, "bob", "missing"],
    ];
    assert_eq!(rows, want, "{out}");
    assert!(
        out.contains("secrets/app.yaml: matches its creation rule (.sops.yaml line 4)"),
        "{out}"
    );
    assert!(
        out.contains(&format!("secrets/legacy.yaml: differs from its creation rule (.sops.yaml line 4): missing bob; not in the rule: {CAROL}; run `secrets updatekeys secrets/legacy.yaml`")),
        "{out}"
    );

    // JSON, and explicit paths.
    let r = repo.ok(&["recipients", "list", "--format", "json", "secrets/app.yaml"]);
    let v: serde_json::Value = serde_json::from_slice(&r.stdout).unwrap();
    let files = v["files"].as_array().unwrap();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0]["file"], "secrets/app.yaml");
    assert_eq!(files[0]["matches_rule"], true);
    assert_eq!(files[0]["rule_line"], 4);
    let names: Vec<&str> = files[0]["recipients"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["alice", "bob"]);
    assert_eq!(files[0]["recipients"][1]["recipient"], BOB);
    assert_eq!(files[0]["recipients"][1]["group"], 0);

    // A file that is not a sops file, named explicitly, is an error.
    let r = repo.secrets(&["recipients", "list", "notes.txt"]);
    assert_eq!(r.code, 1, "{}", r.stderr_text());
    assert!(r.stderr_text().contains("notes.txt: not a sops file"));
}

#[test]
fn recipients_list_needs_no_key() {
    let repo = Repo::new(CONFIG);
    repo.encrypt("secrets/app.yaml");
    let r = run(&secrets(), &["recipients", "list"], &repo.root, &[], None);
    assert_eq!(r.code, 0, "{}", r.stderr_text());
    assert!(stdout(&r).contains(ALICE));
}

#[test]
fn recipients_remove_rotates_the_data_key_and_locks_bob_out() {
    let repo = Repo::new(CONFIG);
    repo.encrypt("secrets/app.yaml");
    repo.ok(&["recipients", "add", "bob", BOB, "-y"]);
    let before = repo.read("secrets/app.yaml");
    assert_eq!(repo.decrypt_with("bob.txt", "secrets/app.yaml").code, 0);

    let r = repo.ok(&["recipients", "remove", "bob", "-y"]);
    let err = r.stderr_text();
    assert!(
        err.contains(&format!("- {BOB} (bob)  (loses access)")),
        "{err}"
    );
    assert!(err.contains("the data key will be rotated"), "{err}");
    assert!(err.contains("git history"), "{err}");
    assert_eq!(repo.read(".sops.yaml"), fill(CONFIG_BOB_REMOVED));

    // Every ciphertext changed (new data key), Bob's block is gone.
    let after = repo.read("secrets/app.yaml");
    let (old, new) = (enc_lines(&before), enc_lines(&after));
    assert_eq!(old.len(), new.len());
    for (o, n) in old.iter().zip(&new) {
        assert_ne!(o, n);
    }
    assert!(!after.contains(BOB));

    // Bob cannot decrypt any more (secrets: sops' 128; real sops fails too); Alice can.
    assert_eq!(repo.decrypt_with("bob.txt", "secrets/app.yaml").code, 128);
    assert_ne!(
        repo.sops_decrypt_with("bob.txt", "secrets/app.yaml").code,
        0
    );
    let d = repo.decrypt_with("alice.txt", "secrets/app.yaml");
    assert_eq!((d.code, stdout(&d)), (0, PLAIN.to_string()));
    let s = repo.sops_decrypt_with("alice.txt", "secrets/app.yaml");
    assert_eq!(
        (s.code, stdout(&s)),
        (0, PLAIN.to_string()),
        "{}",
        s.stderr_text()
    );

    // Removing by key works the same; nothing left to remove is not an error.
    let r = repo.ok(&["recipients", "remove", BOB, "-y"]);
    assert!(r.stderr_text().contains("nothing changed"));
    assert_eq!(repo.read("secrets/app.yaml"), after);
}

#[test]
fn recipients_remove_refuses_to_lock_the_caller_out() {
    let config = "creation_rules:\n  - path_regex: ^secrets/\n    age:\n      - {ALICE} # alice\n      - {BOB} # bob\n";
    let repo = Repo::new(config);
    repo.encrypt("secrets/app.yaml");
    let before = repo.read("secrets/app.yaml");

    // Only Alice's key is available: removing Alice would lock her out.
    let r = repo.secrets(&["recipients", "remove", "alice", "-y"]);
    assert_eq!(r.code, 1, "{}", r.stderr_text());
    let err = r.stderr_text();
    assert!(
        err.contains("none of your identities could decrypt it afterwards"),
        "{err}"
    );
    assert!(err.contains("--force"), "{err}");
    assert_eq!(repo.read(".sops.yaml"), fill(config));
    assert_eq!(repo.read("secrets/app.yaml"), before);

    // Bob may remove Alice.
    let r = repo.run_as("bob.txt", &["recipients", "remove", "alice", "-y"]);
    assert_eq!(r.code, 0, "{}", r.stderr_text());
    assert_eq!(
        repo.read(".sops.yaml"),
        fill("creation_rules:\n  - path_regex: ^secrets/\n    age:\n      - {BOB} # bob\n")
    );
    assert_eq!(repo.decrypt_with("alice.txt", "secrets/app.yaml").code, 128);
    assert_eq!(repo.decrypt_with("bob.txt", "secrets/app.yaml").code, 0);

    // The last recipient of a rule cannot be removed, even with --force.
    let r = repo.run_as("bob.txt", &["recipients", "remove", "bob", "-y", "--force"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr_text().contains("last age recipient"),
        "{}",
        r.stderr_text()
    );
}

#[test]
fn recipients_lock_out_can_be_forced() {
    let config = "creation_rules:\n  - age:\n      - {ALICE} # alice\n      - {BOB} # bob\n";
    let repo = Repo::new(config);
    repo.encrypt("app.yaml");
    let r = repo.secrets(&["recipients", "remove", "alice", "-y", "--force"]);
    assert_eq!(r.code, 0, "{}", r.stderr_text());
    assert_eq!(repo.decrypt_with("alice.txt", "app.yaml").code, 128);
    assert_eq!(repo.decrypt_with("bob.txt", "app.yaml").code, 0);
}

#[test]
fn recipients_without_a_terminal_and_without_yes_are_refused() {
    let repo = Repo::new(CONFIG);
    repo.encrypt("secrets/app.yaml");
    let before = repo.read("secrets/app.yaml");
    let r = repo.secrets(&["recipients", "add", "bob", BOB]);
    assert_eq!(r.code, 1);
    let err = r.stderr_text();
    assert!(
        err.contains("not a terminal") && err.contains("-y"),
        "{err}"
    );
    assert_eq!(repo.read(".sops.yaml"), fill(CONFIG));
    assert_eq!(repo.read("secrets/app.yaml"), before);

    repo.ok(&["recipients", "add", "bob", BOB, "-y"]);
    let before = repo.read("secrets/app.yaml");
    let r = repo.secrets(&["recipients", "remove", "bob"]);
    assert_eq!(r.code, 1);
    let err = r.stderr_text();
    assert!(
        err.contains("not a terminal") && err.contains("-y"),
        "{err}"
    );
    assert_eq!(repo.read(".sops.yaml"), fill(CONFIG_WITH_BOB));
    assert_eq!(repo.read("secrets/app.yaml"), before);
}

#[test]
fn recipients_bad_input_is_a_clear_error() {
    let repo = Repo::new(CONFIG);
    repo.encrypt("secrets/app.yaml");
    let cases: &[(&[&str], &str)] = &[
        (
            &["recipients", "add", "carol", "age1notakey", "-y"],
            "invalid age recipient",
        ),
        (
            &["recipients", "add", "carol", "pgp:ABCDEF", "-y"],
            "unknown recipient type",
        ),
        (
            &["recipients", "add", "", CAROL, "-y"],
            "invalid recipient name",
        ),
        (
            &["recipients", "remove", "dave", "-y"],
            "no recipient named \"dave\"",
        ),
        (
            &[
                "recipients",
                "add",
                "carol",
                CAROL,
                "--files",
                "nothing/*.yaml",
                "-y",
            ],
            "no file matches",
        ),
        (
            &["recipients", "list", "--format", "xml"],
            "unknown --format",
        ),
    ];
    for (args, message) in cases {
        let r = repo.secrets(args);
        assert_eq!(r.code, 1, "{args:?}: {}", r.stderr_text());
        assert!(
            r.stderr_text().contains(message),
            "{args:?}: {}",
            r.stderr_text()
        );
        assert!(
            r.stderr_text().contains("hint:"),
            "{args:?}: {}",
            r.stderr_text()
        );
        assert_eq!(repo.read(".sops.yaml"), fill(CONFIG));
    }
    // A secret key given by mistake is refused without being echoed.
    let secret = "AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ"; // secrets:allow
    let r = repo.secrets(&["recipients", "add", "carol", secret, "-y"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr_text().contains("secret key"),
        "{}",
        r.stderr_text()
    );
    assert!(!r.stderr_text().contains("QQQQ"), "{}", r.stderr_text());
}

#[test]
fn recipients_add_is_idempotent() {
    let repo = Repo::new(CONFIG);
    repo.encrypt("secrets/app.yaml");
    let before = repo.read("secrets/app.yaml");
    let r = repo.ok(&["recipients", "add", "someone", ALICE]);
    assert!(
        r.stderr_text()
            .contains(&format!("{ALICE} (alice) is already a recipient")),
        "{}",
        r.stderr_text()
    );
    assert_eq!(repo.read(".sops.yaml"), fill(CONFIG));
    assert_eq!(repo.read("secrets/app.yaml"), before);
}

#[test]
fn recipients_files_glob_selects_the_governing_rules() {
    let repo = Repo::new(CONFIG);
    repo.encrypt("secrets/app.yaml");
    repo.encrypt("ci/deploy.yaml");
    let app = repo.read("secrets/app.yaml");

    repo.ok(&[
        "recipients",
        "add",
        "carol",
        CAROL,
        "--files",
        "ci/*.yaml",
        "-y",
    ]);
    let want = fill(CONFIG).replace(
        &format!("      age: {ALICE}  # alice\n"),
        &format!("      age:\n        - {ALICE} # alice\n        - {CAROL} # carol\n"),
    );
    assert_eq!(repo.read(".sops.yaml"), want);
    assert_eq!(repo.read("secrets/app.yaml"), app);
    assert_eq!(repo.decrypt_with("carol.txt", "ci/deploy.yaml").code, 0);
    assert_eq!(repo.decrypt_with("carol.txt", "secrets/app.yaml").code, 128);

    // A path without wildcards selects its rule even when the file does not exist yet.
    repo.ok(&[
        "recipients",
        "add",
        "carol",
        CAROL,
        "--files",
        "secrets/future.yaml",
        "-y",
    ]);
    assert_eq!(repo.decrypt_with("carol.txt", "secrets/app.yaml").code, 0);
}

#[test]
fn recipients_folded_string_config_stays_readable_by_sops() {
    let config = "creation_rules:\n  # the team, folded\n  - path_regex: \\.yaml$\n    age: >-\n      {ALICE},\n      {BOB}\n";
    let repo = Repo::new(config);
    repo.encrypt("app.yaml");

    // Removing keeps the folded scalar; only the changed lines differ.
    repo.ok(&["recipients", "remove", BOB, "-y"]);
    assert_eq!(
        repo.read(".sops.yaml"),
        fill("creation_rules:\n  # the team, folded\n  - path_regex: \\.yaml$\n    age: >-\n      {ALICE}\n")
    );
    // Adding turns it into a list, which can carry names.
    repo.ok(&["recipients", "add", "carol", CAROL, "-y"]);
    assert_eq!(
        repo.read(".sops.yaml"),
        fill("creation_rules:\n  # the team, folded\n  - path_regex: \\.yaml$\n    age:\n      - {ALICE}\n      - {CAROL} # carol\n")
    );
    repo.write("new.yaml", PLAIN);
    let e = run(&sops(), &["encrypt", "new.yaml"], &repo.root, &[], None);
    assert_eq!(e.code, 0, "{}", e.stderr_text());
    let text = stdout(&e);
    assert!(
        text.contains(ALICE) && text.contains(CAROL) && !text.contains(BOB),
        "{text}"
    );
    let s = repo.sops_decrypt_with("carol.txt", "app.yaml");
    assert_eq!(
        (s.code, stdout(&s)),
        (0, PLAIN.to_string()),
        "{}",
        s.stderr_text()
    );
}

#[test]
fn recipients_change_nothing_when_a_governed_file_cannot_be_decrypted() {
    let repo = Repo::new(CONFIG);
    repo.encrypt("secrets/app.yaml");
    // A second file under the same rule that only Bob can read.
    repo.write("secrets/bob-only.yaml", PLAIN);
    let e = repo.ok(&["encrypt", "--age", BOB, "secrets/bob-only.yaml"]);
    std::fs::write(repo.path("secrets/bob-only.yaml"), &e.stdout).unwrap();
    let (app, bob_only) = (
        repo.read("secrets/app.yaml"),
        repo.read("secrets/bob-only.yaml"),
    );

    let r = repo.secrets(&["recipients", "add", "carol", CAROL, "-y"]);
    assert_eq!(r.code, 128, "{}", r.stderr_text());
    let err = r.stderr_text();
    assert!(
        err.contains("secrets/bob-only.yaml") && err.contains("nothing was changed"),
        "{err}"
    );
    assert_eq!(repo.read(".sops.yaml"), fill(CONFIG));
    assert_eq!(repo.read("secrets/app.yaml"), app);
    assert_eq!(repo.read("secrets/bob-only.yaml"), bob_only);
}
