//! `secrets status` on repositories built by the tests: fixed authors and dates, files
//! encrypted and changed with the built binary (and, for a removal without rotation, real sops),
//! evaluated `--as-of` a fixed date.

use std::path::{Path, PathBuf};

use crate::util::{key_env, run, secrets, sops, Run, ALICE, BOB};

struct Repo {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

impl Repo {
    fn new() -> Repo {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("repo");
        std::fs::create_dir_all(&root).unwrap();
        let r = Repo { _dir: dir, root };
        r.git(&["init", "-q", "-b", "main"], "2026-01-01", "Alice");
        r
    }

    fn git(&self, args: &[&str], date: &str, author: &str) -> Run {
        let when = format!("{date}T12:00:00Z");
        let email = format!("{}@example.com", author.to_lowercase());
        let env: Vec<(String, String)> = [
            ("GIT_CONFIG_NOSYSTEM", "1"),
            ("GIT_AUTHOR_NAME", author),
            ("GIT_AUTHOR_EMAIL", &email),
            ("GIT_AUTHOR_DATE", &when),
            ("GIT_COMMITTER_NAME", author),
            ("GIT_COMMITTER_EMAIL", &email),
            ("GIT_COMMITTER_DATE", &when),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let r = run(Path::new("git"), args, &self.root, &env, None);
        assert_eq!(r.code, 0, "git {args:?}: {}", r.stderr_text());
        r
    }

    fn commit(&self, date: &str, author: &str, subject: &str) {
        self.git(&["add", "-A"], date, author);
        self.git(
            &["commit", "-q", "--no-verify", "-m", subject],
            date,
            author,
        );
    }

    fn write(&self, name: &str, text: &str) {
        let p = self.root.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    fn secrets(&self, args: &[&str]) -> Run {
        run(&secrets(), args, &self.root, &key_env("alice.txt"), None)
    }

    fn secrets_ok(&self, args: &[&str]) {
        let r = self.secrets(args);
        assert_eq!(r.code, 0, "secrets {args:?}: {}", r.stderr_text());
    }

    fn status(&self, args: &[&str]) -> (i32, String, String) {
        let mut full = vec!["status"];
        full.extend_from_slice(args);
        let r = self.secrets(&full);
        let stdout = String::from_utf8_lossy(&r.stdout).into_owned();
        for plain in [DB_VALUE, TOKEN_VALUE, NEW_TOKEN, DEPLOY_VALUE] {
            assert!(!stdout.contains(plain), "a value was printed: {stdout}");
        }
        (r.code, stdout, r.stderr_text())
    }
}

// Fake values (never printed by status). secrets:allow
const DB_VALUE: &str = "fake-db-value-1"; // secrets:allow
const TOKEN_VALUE: &str = "fake-token-value-1"; // secrets:allow
const NEW_TOKEN: &str = "fake-token-value-2"; // secrets:allow
const DEPLOY_VALUE: &str = "fake-deploy-value-1"; // secrets:allow

fn rules(ci: &str, rest: &str) -> String {
    format!(
        "creation_rules:\n  - path_regex: ^secrets/ci\\.yaml$\n    age: {ci}\n  \
         - path_regex: ^secrets/\n    age: {rest}\n"
    )
}

const INVENTORY: &str = "\
defaults:
  rotation: 180d
secrets:
  - match: \"secrets/app.yaml:db.password\"
    owner: ops@example.com
    sensitivity: high
    rotation: 90d
    destinations: [vps-i1]
  - match: \"secrets/app.yaml:api_token\"
    rotation: 90d
  - match: \"secrets/old.yaml\"
";

/// Two files by Alice on 2026-01-10; Bob changes the token on 2026-05-20; on 2026-05-25 the
/// rules add Bob everywhere but only app.yaml is updated (ci.yaml is out of policy).
fn repo() -> Repo {
    let r = Repo::new();
    r.write(".sops.yaml", &rules(ALICE, ALICE));
    r.write(
        "secrets/app.yaml",
        &format!("db:\n    password: {DB_VALUE}\n    host_unencrypted: db.internal\napi_token: {TOKEN_VALUE}\n"),
    );
    r.write("secrets/ci.yaml", &format!("deploy_key: {DEPLOY_VALUE}\n"));
    r.secrets_ok(&["encrypt", "-i", "secrets/app.yaml"]);
    r.secrets_ok(&["encrypt", "-i", "secrets/ci.yaml"]);
    r.write("README.md", "not a secret\n");
    r.commit("2026-01-10", "Alice", "Add app and CI secrets");

    let value = format!("\"{NEW_TOKEN}\"");
    r.secrets_ok(&["set", "secrets/app.yaml", r#"["api_token"]"#, &value]);
    r.commit("2026-05-20", "Bob", "Rotate the API token");

    let both = format!("{ALICE},{BOB}");
    r.write(".sops.yaml", &rules(&both, &both));
    r.secrets_ok(&["updatekeys", "-y", "secrets/app.yaml"]);
    r.write("secrets/inventory.yaml", INVENTORY);
    r.commit("2026-05-25", "Alice", "Give Bob access to the app secrets");
    r
}

const DB: &str = r#"["db"]["password"]"#;
const TOKEN: &str = r#"["api_token"]"#;
const DEPLOY: &str = r#"["deploy_key"]"#;

/// The cells of the table row of `key` in `file`: FILE, KEY, LAST CHANGED, AGE, CADENCE, STATUS.
fn row(stdout: &str, file: &str, key: &str) -> Vec<String> {
    let prefix = format!("{file} ");
    let line = stdout
        .lines()
        .find(|l| l.starts_with(&prefix) && l[file.len()..].trim_start().starts_with(key))
        .unwrap_or_else(|| panic!("no row for {file} {key}:\n{stdout}"));
    let rest = line[file.len()..].trim_start()[key.len()..].trim_start();
    let mut cells: Vec<String> = vec![file.to_string(), key.to_string()];
    let mut words = rest.split_whitespace();
    for _ in 0..3 {
        cells.push(words.next().unwrap_or_default().to_string());
    }
    cells.push(words.collect::<Vec<_>>().join(" "));
    cells
}

#[test]
fn status_reports_overdue_key_and_recipient_mismatch() {
    let r = repo();
    let (code, stdout, stderr) = r.status(&["--as-of", "2026-06-01"]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    let header = stdout.lines().next().unwrap();
    for column in ["FILE", "KEY", "LAST CHANGED", "AGE", "CADENCE", "STATUS"] {
        assert!(header.contains(column), "{header}");
    }
    assert_eq!(
        row(&stdout, "secrets/app.yaml", DB),
        [
            "secrets/app.yaml",
            DB,
            "2026-01-10",
            "142d",
            "90d",
            "OVERDUE"
        ]
    );
    assert_eq!(
        row(&stdout, "secrets/app.yaml", TOKEN),
        ["secrets/app.yaml", TOKEN, "2026-05-20", "12d", "90d", "ok"]
    );
    assert_eq!(
        row(&stdout, "secrets/ci.yaml", DEPLOY),
        [
            "secrets/ci.yaml",
            DEPLOY,
            "2026-01-10",
            "142d",
            "180d",
            "no inventory"
        ]
    );
    assert!(
        !stdout.contains("host_unencrypted"),
        "plaintext values are not secrets: {stdout}"
    );
    assert!(
        stdout.contains("secrets/app.yaml: recipients match the .sops.yaml rule"),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!(
            "secrets/ci.yaml: recipients differ from the .sops.yaml rule; missing: {BOB} \
             (run `secrets updatekeys secrets/ci.yaml`)"
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains("secrets/ci.yaml: 1 key without an inventory entry"),
        "{stdout}"
    );
    assert!(
        stdout.contains("inventory line 11: `secrets/old.yaml` matches no key"),
        "{stdout}"
    );
    assert!(
        stdout.contains("3 keys in 2 files, 1 overdue, 1 policy problem, 1 without an inventory entry (as of 2026-06-01)"),
        "{stdout}"
    );

    // Earlier, nothing was overdue yet (the mismatch still fails the run).
    let (code, stdout, _) = r.status(&["--as-of", "2026-04-10"]);
    assert_eq!(code, 1);
    assert_eq!(
        row(&stdout, "secrets/app.yaml", DB)[3..],
        ["90d", "90d", "ok"]
    );
}

#[test]
fn status_json_shape() {
    let r = repo();
    let (code, stdout, stderr) = r.status(&["--as-of", "2026-06-01", "--format", "json"]);
    assert_eq!(code, 1, "{stderr}");
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json["as_of"], "2026-06-01");
    assert_eq!(json["inventory"], true);
    assert_eq!(json["require_entries"], false);
    let keys = json["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 3);
    let db = &keys[0];
    assert_eq!(db["file"], "secrets/app.yaml");
    assert_eq!(db["key"], DB);
    assert_eq!(db["state"], "overdue");
    assert_eq!(db["overdue"], true);
    assert_eq!(db["age_days"], 142);
    assert_eq!(db["cadence"], "90d");
    assert_eq!(db["due"], "2026-04-10");
    assert_eq!(db["last_changed"]["date"], "2026-01-10");
    assert_eq!(db["last_changed"]["author"], "Alice");
    assert_eq!(db["last_changed"]["subject"], "Add app and CI secrets");
    assert_eq!(db["last_changed"]["commit"].as_str().unwrap().len(), 40);
    assert_eq!(db["inventory"]["owner"], "ops@example.com");
    assert_eq!(db["inventory"]["sensitivity"], "high");
    assert_eq!(db["inventory"]["destinations"][0], "vps-i1");
    assert_eq!(db["inventory"]["line"], 4);
    assert_eq!(keys[1]["last_changed"]["author"], "Bob");
    assert_eq!(keys[1]["state"], "ok");
    assert_eq!(keys[2]["state"], "no-inventory");
    assert!(keys[2]["inventory"].is_null());

    let files = json["files"].as_array().unwrap();
    assert_eq!(files[0]["file"], "secrets/app.yaml");
    assert_eq!(files[0]["rule"]["state"], "match");
    assert_eq!(files[0]["recipients"], serde_json::json!([ALICE, BOB]));
    assert_eq!(files[1]["rule"]["state"], "mismatch");
    assert_eq!(files[1]["rule"]["missing"], serde_json::json!([BOB]));
    assert_eq!(files[1]["unlisted_keys"], serde_json::json!([DEPLOY]));
    assert_eq!(json["unused_entries"][0]["line"], 11);

    let kinds: Vec<&str> = json["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["overdue", "recipients-mismatch"]);
}

#[test]
fn status_clean_after_rotation_and_updatekeys_exits_0() {
    let r = repo();
    r.secrets_ok(&["updatekeys", "-y", "secrets/ci.yaml"]);
    let value = "\"fake-db-value-2\""; // secrets:allow
    r.secrets_ok(&["set", "secrets/app.yaml", DB, value]);
    r.commit("2026-05-30", "Alice", "Rotate the database password");
    let (code, stdout, stderr) = r.status(&["--as-of", "2026-06-01"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert_eq!(
        row(&stdout, "secrets/app.yaml", DB)[2..],
        ["2026-05-30", "2d", "90d", "ok"]
    );
    assert!(
        stdout.contains("secrets/ci.yaml: recipients match the .sops.yaml rule"),
        "{stdout}"
    );

    // With require_entries, the key without an entry fails the run.
    r.write(
        "secrets/inventory.yaml",
        &format!("require_entries: true\n{INVENTORY}"),
    );
    let (code, stdout, _) = r.status(&["--as-of", "2026-06-01", "--format", "json"]);
    assert_eq!(code, 1);
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json["problems"][0]["kind"], "missing-entry");
    assert_eq!(json["problems"][0]["key"], DEPLOY);
}

#[test]
fn status_removed_recipient_without_rotation() {
    let r = repo();
    r.secrets_ok(&["updatekeys", "-y", "secrets/ci.yaml"]);
    r.commit("2026-05-26", "Alice", "Give Bob access to CI");

    // Real sops removes Bob without a new data key.
    r.write(".sops.yaml", &rules(ALICE, ALICE));
    let out = run(
        &sops(),
        &["updatekeys", "-y", "secrets/app.yaml"],
        &r.root,
        &key_env("alice.txt"),
        None,
    );
    assert_eq!(out.code, 0, "sops updatekeys: {}", out.stderr_text());
    // Ours rotates the data key when it removes a recipient.
    r.secrets_ok(&["updatekeys", "-y", "secrets/ci.yaml"]);
    r.commit("2026-05-28", "Carol", "Bob left");

    let (code, stdout, stderr) = r.status(&["--as-of", "2026-06-01"]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(
        stdout.contains(&format!(
            "secrets/app.yaml: {BOB} was removed on 2026-05-28 ("
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains("(run `secrets rotate -i secrets/app.yaml`)"),
        "{stdout}"
    );
    assert!(
        !stdout.contains(&format!("secrets/ci.yaml: {BOB} was removed")),
        "ci.yaml's data key was rotated: {stdout}"
    );
    // Rotating the data key does not un-share the values Bob could read.
    assert!(
        stdout.contains(&format!(
            "secrets/ci.yaml: 1 value unchanged since a recipient was removed (rotate the values, \
             not only the data key): {DEPLOY}"
        )),
        "{stdout}"
    );
    let (_, stdout, _) = r.status(&["--as-of", "2026-06-01", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let app = &json["files"][0];
    assert_eq!(app["removed_since_rotation"][0]["recipient"], BOB);
    assert_eq!(app["removed_since_rotation"][0]["author"], "Carol");
    assert_eq!(json["files"][1]["last_rotation"]["date"], "2026-05-28");
    // Bob could decrypt every current value before he left (the token since 2026-05-25).
    for k in json["keys"].as_array().unwrap() {
        assert_eq!(k["known_to_removed"], serde_json::json!([BOB]), "{k}");
    }
}

#[test]
fn status_errors_exit_2() {
    let r = repo();
    r.write(
        "secrets/inventory.yaml",
        "secrets:\n  - match: a\n    rotation: 90\n",
    );
    let (code, _, stderr) = r.status(&[]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("secrets/inventory.yaml:3: `rotation` must be a duration like 90d"),
        "{stderr}"
    );
    let (code, _, stderr) = r.status(&["--as-of", "2026-02-30"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("is not a date"), "{stderr}");
    let (code, _, stderr) = r.status(&["--inventory", "missing.yaml"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("cannot read the inventory"), "{stderr}");

    let outside = tempfile::tempdir().unwrap();
    let out = run(&secrets(), &["status"], outside.path(), &[], None);
    assert_eq!(out.code, 2);
    assert!(out.stderr_text().contains("not in a git repository"));
}

/// A rotation done by re-encrypting the whole file (new data key, every ciphertext new) changes
/// one value: without `--decrypt` the rewrite confirms nothing (the password stays overdue);
/// with it, the plaintext fingerprints show which key really changed.
#[test]
fn status_decrypt_sees_through_a_full_reencryption() {
    let r = repo();
    r.write(
        "secrets/app.yaml",
        &format!(
            "db:\n    password: fake-db-value-3\n    host_unencrypted: db.internal\napi_token: {NEW_TOKEN}\n" // secrets:allow
        ),
    );
    // Real sops encrypts from scratch (secrets would reuse the committed ciphertexts).
    let out = run(
        &sops(),
        &["encrypt", "-i", "secrets/app.yaml"],
        &r.root,
        &key_env("alice.txt"),
        None,
    );
    assert_eq!(out.code, 0, "{}", out.stderr_text());
    r.commit("2026-05-28", "Alice", "Rotate the database password");

    let (code, stdout, stderr) = r.status(&["--as-of", "2026-06-01"]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert_eq!(
        row(&stdout, "secrets/app.yaml", DB)[2..],
        ["2026-01-10", "142d", "90d", "OVERDUE"]
    );

    let (_, stdout, stderr) = r.status(&["--as-of", "2026-06-01", "--decrypt"]);
    assert!(!stderr.contains("cannot be confirmed"), "{stderr}");
    assert_eq!(
        row(&stdout, "secrets/app.yaml", DB)[2..],
        ["2026-05-28", "4d", "90d", "ok"]
    );
    assert_eq!(
        row(&stdout, "secrets/app.yaml", TOKEN)[2..],
        ["2026-05-20", "12d", "90d", "ok"]
    );
}
