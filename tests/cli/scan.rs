//! `secrets scan` and `secrets hook` against real git repositories in temporary directories.
//! Token tests need the built-in rule set; policy tests need no rules and no keys.

use std::path::{Path, PathBuf};

use crate::util::{run, secrets, sops, Run, ALICE, BOB};

/// A GitHub PAT-shaped fake, assembled at run time so this file itself is clean.
pub(crate) fn fake_pat(seed: &str) -> String {
    let body: String = format!("{seed}Xq7LmZ2pW9rT4vK8sB3nH6cJ1dF5gY0aE")
        .chars()
        .take(36)
        .collect();
    format!("{}{}", ["gh", "p_"].concat(), body)
}

pub(crate) struct Repo {
    _dir: tempfile::TempDir,
    pub(crate) root: PathBuf,
    home: PathBuf,
}

impl Repo {
    pub(crate) fn new() -> Repo {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("repo");
        let home = dir.path().join("home");
        std::fs::create_dir_all(&root).unwrap();
        std::fs::create_dir_all(&home).unwrap();
        let r = Repo {
            _dir: dir,
            root,
            home,
        };
        r.git_ok(&["init", "-q", "-b", "main"]);
        r
    }

    pub(crate) fn env(&self, path_prefix: Option<&Path>) -> Vec<(String, String)> {
        let mut env = vec![
            ("HOME".to_string(), self.home.display().to_string()),
            ("GIT_CONFIG_NOSYSTEM".to_string(), "1".to_string()),
            ("GIT_AUTHOR_NAME".to_string(), "t".to_string()),
            ("GIT_AUTHOR_EMAIL".to_string(), "t@t".to_string()),
            ("GIT_COMMITTER_NAME".to_string(), "t".to_string()),
            ("GIT_COMMITTER_EMAIL".to_string(), "t@t".to_string()),
        ];
        if let Some(p) = path_prefix {
            let path = std::env::var("PATH").unwrap_or_default();
            env.push(("PATH".to_string(), format!("{}:{path}", p.display())));
        }
        env
    }

    pub(crate) fn git(&self, args: &[&str]) -> Run {
        let mut full = vec!["-c", "user.name=t", "-c", "user.email=t@t"];
        full.extend_from_slice(args);
        run(Path::new("git"), &full, &self.root, &self.env(None), None)
    }

    pub(crate) fn git_ok(&self, args: &[&str]) -> Run {
        let r = self.git(args);
        assert_eq!(r.code, 0, "git {args:?}: {}", r.stderr_text());
        r
    }

    pub(crate) fn write(&self, name: &str, text: &str) {
        let p = self.root.join(name);
        if let Some(d) = p.parent() {
            std::fs::create_dir_all(d).unwrap();
        }
        std::fs::write(p, text).unwrap();
    }

    pub(crate) fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.root.join(name)).unwrap()
    }

    pub(crate) fn scan(&self, args: &[&str]) -> Run {
        let mut full = vec!["scan"];
        full.extend_from_slice(args);
        run(&secrets(), &full, &self.root, &self.env(None), None)
    }

    pub(crate) fn stdout(r: &Run) -> String {
        String::from_utf8_lossy(&r.stdout).into_owned()
    }

    /// Encrypts `plain` for `recipients` with `secrets encrypt` into `name`.
    pub(crate) fn encrypt(&self, name: &str, plain: &str, recipients: &str, ty: &str) {
        self.write(name, plain);
        let r = run(
            &secrets(),
            &[
                "encrypt",
                "--age",
                recipients,
                "--input-type",
                ty,
                "--output-type",
                ty,
                "-i",
                name,
            ],
            &self.root,
            &self.env(None),
            None,
        );
        assert_eq!(r.code, 0, "encrypt: {}", r.stderr_text());
        assert!(self.read(name).contains("ENC["));
    }

    pub(crate) fn commit(&self, msg: &str) {
        self.git_ok(&["commit", "-q", "--no-verify", "-m", msg]);
    }
}

// Fake plaintext for the policy tests. secrets:allow
const ENV_PLAIN: &str = "DATABASE_URL=postgres://app@db/app\nAPI_PASSWORD=correct-horse-battery\n"; // secrets:allow

#[test]
fn staged_plaintext_env_is_rejected_and_the_encrypted_one_accepted() {
    let r = Repo::new();
    r.write(".env", ENV_PLAIN);
    r.git_ok(&["add", ".env"]);
    let out = r.scan(&["--staged"]);
    assert_eq!(out.code, 1, "{}", out.stderr_text());
    let stdout = Repo::stdout(&out);
    assert!(
        stdout.contains(".env:1:1: protected-file-plaintext"),
        "{stdout}"
    );
    assert!(!stdout.contains("correct-horse-battery"));
    assert!(
        stdout.contains("secrets encrypt -i"),
        "hint missing: {stdout}"
    );

    // The working tree is irrelevant: only the index counts.
    r.encrypt(".env", ENV_PLAIN, ALICE, "dotenv");
    assert_eq!(
        r.scan(&["--staged"]).code,
        1,
        "the index still holds the plaintext"
    );
    r.git_ok(&["add", ".env"]);
    let out = r.scan(&["--staged"]);
    assert_eq!(out.code, 0, "{}{}", Repo::stdout(&out), out.stderr_text());
    assert!(out.stderr_text().contains("scanned 1 staged file(s)"));
}

#[test]
fn env_encrypted_by_the_real_sops_is_accepted() {
    let r = Repo::new();
    r.write("plain.txt", ENV_PLAIN);
    let out = run(
        &sops(),
        &[
            "encrypt",
            "--age",
            ALICE,
            "--input-type",
            "dotenv",
            "--output-type",
            "dotenv",
            "plain.txt",
        ],
        &r.root,
        &r.env(None),
        None,
    );
    assert_eq!(out.code, 0, "{}", out.stderr_text());
    std::fs::write(r.root.join(".env.production"), &out.stdout).unwrap();
    r.git_ok(&["add", ".env.production"]);
    let out = r.scan(&["--staged"]);
    assert_eq!(out.code, 0, "{}{}", Repo::stdout(&out), out.stderr_text());
}

#[test]
fn looks_encrypted_is_not_encrypted() {
    let r = Repo::new();
    r.write(
        ".env",
        "# ENC[AES256_GCM,data:Zm9v,iv:Zm9v,tag:Zm9v,type:str]\nTOKEN=abc\nsops_version=3.11.0\n", // secrets:allow
    );
    r.write(
        "secrets/app.yaml",
        "password: abc # ENC[AES256_GCM,data:Zm9v,iv:Zm9v,tag:Zm9v,type:str]\nsops:\n    version: 3.11.0\n",
    );
    r.write(".env.example", "TOKEN=\n");
    // A binary key store is policed too (token rules skip binary files).
    std::fs::write(r.root.join("client.p12"), b"\x30\x82\x00\x00binary").unwrap();
    std::fs::write(r.root.join("logo.png"), b"\x89PNG\x00\x00").unwrap();
    r.git_ok(&["add", "."]);
    let out = r.scan(&["--staged", "--format", "json"]);
    assert_eq!(out.code, 1);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut files: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "protected-file-plaintext")
        .map(|f| f["file"].as_str().unwrap())
        .collect();
    files.sort();
    assert_eq!(files, [".env", "client.p12", "secrets/app.yaml"]);
}

fn sops_yaml(r: &Repo, recipients: &str) {
    r.write(
        ".sops.yaml",
        &format!("creation_rules:\n  - path_regex: \\.enc\\.yaml$\n    age: {recipients}\n"),
    );
}

#[test]
fn one_plaintext_value_in_a_rule_file_is_named_by_key_path() {
    let r = Repo::new();
    sops_yaml(&r, ALICE);
    r.encrypt(
        "config.enc.yaml",
        "db:\n    user: admin\n    password: pw-0001\n",
        ALICE,
        "yaml",
    );
    // Hand-edit: replace the encrypted password by a plaintext value.
    let text = r.read("config.enc.yaml");
    let edited: String = text
        .lines()
        .map(|l| {
            if l.trim_start().starts_with("password: ENC[") {
                "    password: leaked-plaintext-value".to_string()
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n";
    assert_ne!(edited, text);
    r.write("config.enc.yaml", &edited);
    r.git_ok(&["add", "."]);
    let out = r.scan(&["--staged"]);
    assert_eq!(out.code, 1, "{}", out.stderr_text());
    let stdout = Repo::stdout(&out);
    assert!(stdout.contains("sops-plaintext-value"), "{stdout}");
    assert!(stdout.contains(r#"["db"]["password"]"#), "{stdout}");
    assert!(!stdout.contains("leaked-plaintext-value"), "{stdout}");
    assert!(
        stdout.contains("config.enc.yaml:3:"),
        "line of the value: {stdout}"
    );
}

#[test]
fn rule_file_not_encrypted_at_all_is_rejected() {
    let r = Repo::new();
    sops_yaml(&r, ALICE);
    r.write("app.enc.yaml", "db:\n    password: pw-0001\n");
    r.git_ok(&["add", "."]);
    let out = r.scan(&["--staged"]);
    assert_eq!(out.code, 1);
    let stdout = Repo::stdout(&out);
    assert!(
        stdout.contains("app.enc.yaml:1:1: sops-not-encrypted"),
        "{stdout}"
    );
    assert!(!stdout.contains("pw-0001"));
}

#[test]
fn recipients_mismatch_is_reported() {
    let r = Repo::new();
    sops_yaml(&r, &format!("{ALICE},{BOB}"));
    r.encrypt("app.enc.yaml", "a: 1\n", ALICE, "yaml");
    r.git_ok(&["add", "."]);
    let out = r.scan(&["--staged"]);
    assert_eq!(out.code, 1);
    let stdout = Repo::stdout(&out);
    assert!(stdout.contains("sops-recipients-mismatch"), "{stdout}");
    assert!(stdout.contains(&format!("missing: {BOB}")), "{stdout}");

    // In line with the rule: clean.
    r.encrypt("app.enc.yaml", "a: 1\n", &format!("{ALICE},{BOB}"), "yaml");
    r.git_ok(&["add", "."]);
    let out = r.scan(&["--staged"]);
    assert_eq!(out.code, 0, "{}", Repo::stdout(&out));
}

#[test]
fn broken_sops_yaml_and_bad_format_are_errors() {
    let r = Repo::new();
    r.write(".sops.yaml", "creation_rules: [\n");
    r.write("a.txt", "hello\n");
    r.git_ok(&["add", "a.txt"]);
    let out = r.scan(&["--staged"]);
    assert_eq!(out.code, 2, "{}", out.stderr_text());
    std::fs::remove_file(r.root.join(".sops.yaml")).unwrap();
    let out = r.scan(&["--staged", "--format", "xml"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr_text().contains("--format"));
    assert_eq!(r.scan(&["--staged", "--bogus-flag"]).code, 2);
    r.write(".secrets.toml", "[allow]\npaths = 3\n"); // secrets:allow
    assert_eq!(r.scan(&["--staged"]).code, 2);
}

#[test]
fn nothing_staged_is_clean_and_says_so() {
    let r = Repo::new();
    r.write("a.txt", "hello\n");
    r.git_ok(&["add", "a.txt"]);
    r.commit("one");
    let out = r.scan(&["--staged"]);
    assert_eq!(out.code, 0);
    assert!(
        out.stderr_text().contains("scanned 0 staged file(s)"),
        "{}",
        out.stderr_text()
    );
}

#[test]
fn json_jsonl_and_sarif_shapes() {
    let r = Repo::new();
    r.write(".env", ENV_PLAIN);
    r.git_ok(&["add", ".env"]);
    let out = r.scan(&["--staged", "--format", "json"]);
    assert_eq!(out.code, 1);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let f = &v[0];
    for k in ["file", "line", "end_line", "column", "rule", "fingerprint"] {
        assert!(!f[k].is_null(), "missing {k}: {f}");
    }
    assert_eq!(f["file"], ".env");
    assert!(f.get("secret").is_none());

    let out = r.scan(&["--staged", "--format", "jsonl"]);
    let text = Repo::stdout(&out);
    assert!(text
        .lines()
        .all(|l| serde_json::from_str::<serde_json::Value>(l).is_ok()));

    let sarif_path = r.root.join("out.sarif");
    let out = r.scan(&[
        "--staged",
        "--format",
        "sarif",
        "--output",
        sarif_path.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 1);
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&sarif_path).unwrap()).unwrap();
    assert_eq!(v["version"], "2.1.0");
    let run0 = &v["runs"][0];
    assert_eq!(run0["tool"]["driver"]["name"], "secrets");
    assert_eq!(
        run0["tool"]["driver"]["rules"][0]["id"],
        "protected-file-plaintext"
    );
    let res = &run0["results"][0];
    assert_eq!(res["ruleId"], "protected-file-plaintext");
    assert!(res["message"]["text"].is_string());
    let loc = &res["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], ".env");
    assert_eq!(loc["region"]["startLine"], 1);
    assert!(loc["region"]["endLine"].is_number());
    assert!(loc["region"]["startColumn"].is_number());
    assert!(res["partialFingerprints"].is_object());
}

#[test]
fn history_reports_the_commit_that_introduced_a_removed_file() {
    let r = Repo::new();
    r.write("README", "hi\n");
    r.git_ok(&["add", "."]);
    r.commit("init");
    r.write(".env", ENV_PLAIN);
    r.git_ok(&["add", "."]);
    r.commit("oops");
    let bad = String::from_utf8(r.git_ok(&["rev-parse", "HEAD"]).stdout).unwrap();
    r.git_ok(&["rm", "-q", ".env"]);
    r.commit("remove");
    assert_eq!(r.scan(&["."]).code, 0, "the working tree is clean");
    let out = r.scan(&["--history", "--format", "json"]);
    assert_eq!(out.code, 1, "{}", out.stderr_text());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let f = &v[0];
    assert_eq!(f["file"], ".env");
    let commit = f["commit"].as_str().unwrap();
    assert!(
        commit.len() >= 7 && bad.trim().starts_with(commit),
        "{commit} vs {bad}"
    );
    // A range that excludes the commit is clean.
    let out = r.scan(&["--history", "HEAD~1..HEAD"]);
    assert_eq!(out.code, 0, "{}", Repo::stdout(&out));
}

#[test]
fn history_finds_a_token_added_and_later_removed() {
    let r = Repo::new();
    let token = fake_pat("Hist");
    r.write("app.cfg", "name = app\n");
    r.git_ok(&["add", "."]);
    r.commit("init");
    r.write("app.cfg", &format!("name = app\ngithub = {token}\n"));
    r.git_ok(&["add", "."]);
    r.commit("add token");
    let bad = String::from_utf8(r.git_ok(&["rev-parse", "HEAD"]).stdout).unwrap();
    r.write("app.cfg", "name = app\n");
    r.git_ok(&["add", "."]);
    r.commit("remove token");
    let out = r.scan(&["--history", "--format", "json"]);
    assert_eq!(out.code, 1, "{}", out.stderr_text());
    let text = Repo::stdout(&out);
    assert!(!text.contains(&token), "redacted by default");
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let f = &v[0];
    assert_eq!(f["file"], "app.cfg");
    assert_eq!(f["line"], 2);
    assert!(bad.trim().starts_with(f["commit"].as_str().unwrap()));
}

#[test]
fn token_in_a_staged_hunk_is_rejected_but_a_baselined_one_passes() {
    let r = Repo::new();
    let old = fake_pat("Old");
    let new = fake_pat("New");
    r.write("app.cfg", &format!("github = {old}\n"));
    r.git_ok(&["add", "."]);
    r.commit("legacy token");
    // Accept the existing finding in the baseline.
    let out = r.scan(&["--write-baseline", ".secrets-baseline.json", "app.cfg"]);
    assert_eq!(out.code, 0, "{}", out.stderr_text());
    let b: serde_json::Value = serde_json::from_str(&r.read(".secrets-baseline.json")).unwrap();
    assert_eq!(b["version"], 1);
    assert_eq!(b["findings"].as_array().unwrap().len(), 1, "{b}");
    r.git_ok(&["add", "."]);
    r.commit("baseline");

    // The same token in a modified file is accepted by the baseline.
    r.write("app.cfg", &format!("# moved\ngithub = {old}\n"));
    r.git_ok(&["add", "."]);
    let out = r.scan(&["--staged"]);
    assert_eq!(out.code, 0, "{}{}", Repo::stdout(&out), out.stderr_text());
    assert!(out.stderr_text().contains("suppressed by the baseline"));

    // A new token is not.
    r.write("other.cfg", &format!("token: {new}\n"));
    r.git_ok(&["add", "."]);
    let out = r.scan(&["--staged"]);
    assert_eq!(out.code, 1, "{}", out.stderr_text());
    let stdout = Repo::stdout(&out);
    assert!(stdout.contains("other.cfg:1:8: github-pat"), "{stdout}");
    assert!(!stdout.contains(&new), "{stdout}");
    // --no-redact shows it.
    assert!(Repo::stdout(&r.scan(&["--staged", "--no-redact"])).contains(&new));
}

#[test]
fn stdin_and_allowed_paths() {
    let r = Repo::new();
    let token = fake_pat("Stdin");
    let out = run(
        &secrets(),
        &["scan", "-"],
        &r.root,
        &r.env(None),
        Some(format!("x = {token}\n").as_bytes()),
    );
    assert_eq!(out.code, 1, "{}", out.stderr_text());
    r.write("fixtures/key.pem", "-----BEGIN PRIVATE KEY-----\n");
    assert_eq!(r.scan(&["fixtures"]).code, 1);
    r.write(".secrets.toml", "[allow]\npaths = [\"fixtures/**\"]\n"); // secrets:allow
    assert_eq!(r.scan(&["fixtures"]).code, 0);
}

#[test]
fn gitignored_files_are_not_scanned_in_a_repository() {
    let r = Repo::new();
    r.write(".gitignore", ".env\n");
    r.write(".env", ENV_PLAIN);
    assert_eq!(r.scan(&["."]).code, 0);
    std::fs::remove_file(r.root.join(".gitignore")).unwrap();
    assert_eq!(r.scan(&["."]).code, 1);
}

#[test]
fn hook_install_blocks_plaintext_commits_and_allows_encrypted_ones() {
    let r = Repo::new();
    // An existing hook is chained, not lost.
    r.write(
        ".git/hooks/pre-commit",
        "#!/bin/sh\necho local-hook-ran >&2\n",
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(
            r.root.join(".git/hooks/pre-commit"),
            std::fs::Permissions::from_mode(0o755),
        )
        .unwrap();
    }
    let bin_dir = secrets().parent().unwrap().to_path_buf();
    for _ in 0..2 {
        let out = run(
            &secrets(),
            &["hook", "install"],
            &r.root,
            &r.env(None),
            None,
        );
        assert_eq!(out.code, 0, "{}", out.stderr_text());
    }
    assert!(r.root.join(".git/hooks/pre-commit.local").is_file());

    r.write(".env", ENV_PLAIN);
    r.git_ok(&["add", ".env"]);
    let commit = |r: &Repo| {
        run(
            Path::new("git"),
            &["commit", "-q", "-m", "env"],
            &r.root,
            &r.env(Some(&bin_dir)),
            None,
        )
    };
    let out = commit(&r);
    assert_ne!(out.code, 0, "plaintext .env must be blocked");
    let err = out.stderr_text();
    assert!(err.contains("local-hook-ran"), "{err}");
    assert!(err.contains("commit blocked"), "{err}");

    r.encrypt(".env", ENV_PLAIN, ALICE, "dotenv");
    r.git_ok(&["add", ".env"]);
    let out = commit(&r);
    assert_eq!(out.code, 0, "{}", out.stderr_text());
}

#[test]
fn hook_respects_core_hooks_path() {
    let r = Repo::new();
    r.git_ok(&["config", "core.hooksPath", ".githooks"]);
    let out = run(
        &secrets(),
        &["hook", "install"],
        &r.root,
        &r.env(None),
        None,
    );
    assert_eq!(out.code, 0, "{}", out.stderr_text());
    assert!(r
        .read(".githooks/pre-commit")
        .contains("secrets scan --staged"));
    let out = run(
        &secrets(),
        &["hook", "uninstall"],
        &r.root,
        &r.env(None),
        None,
    );
    assert_eq!(out.code, 0);
    assert!(!r.root.join(".githooks/pre-commit").exists());
}

/// `git commit -a` and `git commit PATH` stage into a temporary index (GIT_INDEX_FILE) that the
/// hook must read; `.git/index` does not have the change yet.
#[test]
fn hook_sees_what_commit_dash_a_and_commit_path_will_commit() {
    let r = Repo::new();
    let bin_dir = secrets().parent().unwrap().to_path_buf();
    r.write("app.py", "print('hello')\n");
    r.git_ok(&["add", "app.py"]);
    r.git_ok(&["commit", "-q", "-m", "app"]);
    let out = run(
        &secrets(),
        &["hook", "install"],
        &r.root,
        &r.env(None),
        None,
    );
    assert_eq!(out.code, 0, "{}", out.stderr_text());

    let token = fake_pat("commitA");
    r.write("app.py", &format!("TOKEN = \"{token}\"\n"));
    for args in [
        &["commit", "-q", "-a", "-m", "token"][..],
        &["commit", "-q", "-m", "token", "app.py"][..],
    ] {
        let out = run(
            Path::new("git"),
            args,
            &r.root,
            &r.env(Some(&bin_dir)),
            None,
        );
        assert_ne!(out.code, 0, "git {args:?} must be blocked");
        assert!(
            out.stderr_text().contains("app.py:1:"),
            "{}",
            out.stderr_text()
        );
    }
}
