//! `secrets log`: the rotation log read from a repository built here, commit by commit, with the
//! built binary and the real sops, fixed dates and authors.

use std::path::{Path, PathBuf};

use crate::util::{key, run, secrets, sops, Run, ALICE, BOB};

/// Every plaintext value the scenario ever stores; none may appear in any output.
const VALUES: [&str; 5] = [
    "pw-one-hunter2",
    "admin-user-x",
    "key-one-abc",
    "key-two-def",
    "tok-ghi-123",
];

const APP: &str =
    "db:\n    password: pw-one-hunter2\n    user: admin-user-x\napi_key: key-one-abc\n"; // secrets:allow

struct Repo {
    _dir: tempfile::TempDir,
    root: PathBuf,
    home: PathBuf,
    /// Commit ids, oldest first.
    commits: Vec<String>,
}

fn rules(recipients: &[&str]) -> String {
    format!(
        "creation_rules:\n  - path_regex: ^secrets/.*\n    age: {}\n",
        recipients.join(",")
    )
}

impl Repo {
    fn empty() -> Repo {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("repo");
        let home = dir.path().join("home");
        std::fs::create_dir_all(root.join("secrets")).unwrap();
        std::fs::create_dir_all(&home).unwrap();
        let repo = Repo {
            _dir: dir,
            root,
            home,
            commits: Vec::new(),
        };
        repo.git(&["init", "-q", "-b", "main"], None);
        // For `git notes` (commits get their authors from the environment).
        repo.git(&["config", "user.name", "Sync Bot"], None);
        repo.git(&["config", "user.email", "sync@example.invalid"], None);
        repo
    }

    /// The scenario of issue 6, one commit per day from 2024-01-01 (10:00 UTC):
    /// 1. Alice creates `.sops.yaml` and `secrets/app.yaml` (3 keys) and a README;
    /// 2. Bob changes one value with `secrets set`;
    /// 3. Alice adds Bob to the rule and runs `secrets updatekeys`;
    /// 4. Alice removes Bob again (`updatekeys` rotates the data key);
    /// 5. Carol re-encrypts the file from scratch with the real sops;
    /// 6. Alice renames it to `secrets/backend.yaml`;
    /// 7. Bob removes one key and adds another.
    fn scenario() -> Repo {
        let mut r = Repo::empty();
        r.write(".sops.yaml", &rules(&[ALICE]));
        r.write("secrets/app.yaml", APP);
        r.write("README.md", "# secrets\n");
        r.secrets_ok(&["encrypt", "-i", "secrets/app.yaml"]);
        r.commit(1, "Alice", "add app secrets");

        r.secrets_ok(&[
            "set",
            "secrets/app.yaml",
            r#"["api_key"]"#,
            r#""key-two-def""#,
        ]);
        r.commit(2, "Bob", "rotate the API key");

        r.write(".sops.yaml", &rules(&[ALICE, BOB]));
        r.secrets_ok(&["updatekeys", "-y", "secrets/app.yaml"]);
        r.commit(3, "Alice", "give bob access");

        r.write(".sops.yaml", &rules(&[ALICE]));
        r.secrets_ok(&["updatekeys", "-y", "secrets/app.yaml"]);
        r.commit(4, "Alice", "revoke bob");

        r.sops_ok(&["decrypt", "-i", "secrets/app.yaml"]);
        r.sops_ok(&["encrypt", "-i", "secrets/app.yaml"]);
        r.commit(5, "Carol", "re-encrypt from scratch");

        r.git(&["mv", "secrets/app.yaml", "secrets/backend.yaml"], None);
        r.commit(6, "Alice", "move app secrets to backend");

        r.secrets_ok(&["unset", "secrets/backend.yaml", r#"["db"]["user"]"#]);
        r.secrets_ok(&[
            "set",
            "secrets/backend.yaml",
            r#"["token"]"#,
            r#""tok-ghi-123""#,
        ]);
        r.commit(7, "Bob", "drop the db user, add a token");
        r
    }

    fn env(&self) -> Vec<(String, String)> {
        let mut env = alice();
        env.push(("GIT_CONFIG_NOSYSTEM".into(), "1".into()));
        env.push(("HOME".into(), self.home.display().to_string()));
        env
    }

    fn write(&self, rel: &str, text: &str) {
        std::fs::write(self.root.join(rel), text).unwrap();
    }

    fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.root.join(rel)).unwrap()
    }

    fn git(&self, args: &[&str], extra: Option<Vec<(String, String)>>) -> Run {
        let mut env = self.env();
        env.extend(extra.unwrap_or_default());
        let r = run(Path::new("git"), args, &self.root, &env, None);
        assert_eq!(r.code, 0, "git {args:?}: {}", r.stderr_text());
        r
    }

    /// Commits everything on day `day` of January 2024 as `author`.
    fn commit(&mut self, day: u32, author: &str, subject: &str) {
        let date = format!("2024-01-{day:02}T10:00:00Z");
        let email = format!("{}@example.invalid", author.to_lowercase());
        let env = vec![
            ("GIT_AUTHOR_NAME".into(), author.into()),
            ("GIT_AUTHOR_EMAIL".into(), email.clone()),
            ("GIT_AUTHOR_DATE".into(), date.clone()),
            ("GIT_COMMITTER_NAME".into(), author.into()),
            ("GIT_COMMITTER_EMAIL".into(), email),
            ("GIT_COMMITTER_DATE".into(), date),
        ];
        self.git(&["add", "-A"], None);
        self.git(&["commit", "-q", "-m", subject], Some(env));
        let head = self.git(&["rev-parse", "HEAD"], None);
        self.commits
            .push(String::from_utf8(head.stdout).unwrap().trim().to_string());
    }

    fn secrets(&self, args: &[&str]) -> Run {
        run(&secrets(), args, &self.root, &self.env(), None)
    }

    fn secrets_ok(&self, args: &[&str]) -> Run {
        let r = self.secrets(args);
        assert_eq!(r.code, 0, "secrets {args:?}: {}", r.stderr_text());
        r
    }

    fn sops_ok(&self, args: &[&str]) {
        let r = run(&sops(), args, &self.root, &self.env(), None);
        assert_eq!(r.code, 0, "sops {args:?}: {}", r.stderr_text());
    }

    /// `secrets log ARGS`, checked for success and for values; stdout as text.
    fn log(&self, args: &[&str]) -> String {
        let mut full = vec!["log"];
        full.extend_from_slice(args);
        let r = self.secrets_ok(&full);
        assert_no_value(&r.stderr_text());
        let out = String::from_utf8(r.stdout).unwrap();
        assert_no_value(&out);
        out
    }

    fn short(&self, n: usize) -> &str {
        &self.commits[n - 1][..8]
    }
}

/// Alice's identity: she can decrypt every version.
fn alice() -> Vec<(String, String)> {
    vec![(
        "SOPS_AGE_KEY_FILE".into(),
        key("alice.txt").display().to_string(),
    )]
}

fn assert_no_value(text: &str) {
    for v in VALUES {
        assert!(!text.contains(v), "a value leaked into the output:\n{text}");
    }
}

/// One expected entry: commit number, date, file, key, change, detail, author, reason.
type Expected = (
    usize,
    &'static str,
    &'static str,
    Option<&'static str>,
    &'static str,
    Option<String>,
    &'static str,
    &'static str,
);

fn expected(decrypt: bool) -> Vec<Expected> {
    let app = "secrets/app.yaml";
    let backend = "secrets/backend.yaml";
    let add = "add app secrets";
    let mut out: Vec<Expected> = vec![
        (
            1,
            "2024-01-01",
            ".sops.yaml",
            None,
            "rule-changed",
            Some(format!("rule ^secrets/.* (new): +{ALICE}")),
            "Alice",
            add,
        ),
        (
            1,
            "2024-01-01",
            app,
            None,
            "file-created",
            None,
            "Alice",
            add,
        ),
        (
            1,
            "2024-01-01",
            app,
            Some(r#"["db"]["password"]"#),
            "key-added",
            None,
            "Alice",
            add,
        ),
        (
            1,
            "2024-01-01",
            app,
            Some(r#"["db"]["user"]"#),
            "key-added",
            None,
            "Alice",
            add,
        ),
        (
            1,
            "2024-01-01",
            app,
            Some(r#"["api_key"]"#),
            "key-added",
            None,
            "Alice",
            add,
        ),
        (
            2,
            "2024-01-02",
            app,
            Some(r#"["api_key"]"#),
            "key-changed",
            None,
            "Bob",
            "rotate the API key",
        ),
        (
            3,
            "2024-01-03",
            ".sops.yaml",
            None,
            "rule-changed",
            Some(format!("rule ^secrets/.*: +{BOB}")),
            "Alice",
            "give bob access",
        ),
        (
            3,
            "2024-01-03",
            app,
            None,
            "recipient-added",
            Some(BOB.to_string()),
            "Alice",
            "give bob access",
        ),
        (
            4,
            "2024-01-04",
            ".sops.yaml",
            None,
            "rule-changed",
            Some(format!("rule ^secrets/.*: -{BOB}")),
            "Alice",
            "revoke bob",
        ),
        (
            4,
            "2024-01-04",
            app,
            None,
            "recipient-removed",
            Some(BOB.to_string()),
            "Alice",
            "revoke bob",
        ),
        (
            4,
            "2024-01-04",
            app,
            None,
            "data-key-rotated",
            None,
            "Alice",
            "revoke bob",
        ),
    ];
    if decrypt {
        out.push((
            4,
            "2024-01-04",
            app,
            None,
            "reencrypted",
            None,
            "Alice",
            "revoke bob",
        ));
    }
    out.push((
        5,
        "2024-01-05",
        app,
        None,
        "data-key-rotated",
        None,
        "Carol",
        "re-encrypt from scratch",
    ));
    if decrypt {
        out.push((
            5,
            "2024-01-05",
            app,
            None,
            "reencrypted",
            None,
            "Carol",
            "re-encrypt from scratch",
        ));
    }
    out.extend([
        (
            6,
            "2024-01-06",
            backend,
            None,
            "file-renamed",
            Some(app.to_string()),
            "Alice",
            "move app secrets to backend",
        ),
        (
            7,
            "2024-01-07",
            backend,
            Some(r#"["token"]"#),
            "key-added",
            None,
            "Bob",
            "drop the db user, add a token",
        ),
        (
            7,
            "2024-01-07",
            backend,
            Some(r#"["db"]["user"]"#),
            "key-removed",
            None,
            "Bob",
            "drop the db user, add a token",
        ),
    ]);
    out
}

fn json_entries(r: &Repo, args: &[&str]) -> Vec<serde_json::Value> {
    let mut full = vec!["--format", "json"];
    full.extend_from_slice(args);
    let v: serde_json::Value = serde_json::from_str(&r.log(&full)).unwrap();
    v.as_array().unwrap().clone()
}

fn assert_entries(r: &Repo, got: &[serde_json::Value], want: &[Expected]) {
    let got: Vec<serde_json::Value> = got.to_vec();
    let want: Vec<serde_json::Value> = want
        .iter()
        .map(|(n, date, file, key, change, detail, author, reason)| {
            serde_json::json!({
                "date": format!("{date}T10:00:00Z"),
                "time": serde_json::Value::Null,
                "file": file,
                "key": key,
                "change": change,
                "detail": detail,
                "commit": r.commits[n - 1],
                "author": author,
                "email": format!("{}@example.invalid", author.to_lowercase()),
                "reason": reason,
            })
        })
        .collect();
    let strip_time = |mut v: serde_json::Value| {
        v["time"] = serde_json::Value::Null;
        v
    };
    let got: Vec<serde_json::Value> = got.into_iter().map(strip_time).collect();
    assert_eq!(got, want);
}

#[test]
fn log_reports_every_scenario_exactly() {
    let r = Repo::scenario();
    let entries = json_entries(&r, &[]);
    assert_entries(&r, &entries, &expected(false));
    // The JSON shape: flat objects with exactly these fields, in this order.
    let first = entries[0].as_object().unwrap();
    let fields: Vec<&str> = first.keys().map(String::as_str).collect();
    assert_eq!(
        fields,
        [
            "date", "time", "file", "key", "change", "detail", "commit", "author", "email",
            "reason"
        ]
    );
    assert_eq!(first["time"], 1_704_103_200);
}

#[test]
fn log_table_is_exact() {
    let r = Repo::scenario();
    let out = r.log(&[]);
    // Whole recipients are shortened in the table (JSON and markdown keep them).
    let expected = format!(
        "\
DATE        FILE                  KEY                 CHANGE                                                    COMMIT    AUTHOR  REASON
2024-01-01  .sops.yaml            -                   rule-changed rule ^secrets/.* (new): +age1cnf60h48…v5065  {c1}  Alice   add app secrets
2024-01-01  secrets/app.yaml      -                   file-created                                              {c1}  Alice   add app secrets
2024-01-01  secrets/app.yaml      [\"db\"][\"password\"]  key-added                                                 {c1}  Alice   add app secrets
2024-01-01  secrets/app.yaml      [\"db\"][\"user\"]      key-added                                                 {c1}  Alice   add app secrets
2024-01-01  secrets/app.yaml      [\"api_key\"]         key-added                                                 {c1}  Alice   add app secrets
2024-01-02  secrets/app.yaml      [\"api_key\"]         key-changed                                               {c2}  Bob     rotate the API key
2024-01-03  .sops.yaml            -                   rule-changed rule ^secrets/.*: +age1tr083cz7…pfu7h        {c3}  Alice   give bob access
2024-01-03  secrets/app.yaml      -                   recipient-added age1tr083cz7…pfu7h                        {c3}  Alice   give bob access
2024-01-04  .sops.yaml            -                   rule-changed rule ^secrets/.*: -age1tr083cz7…pfu7h        {c4}  Alice   revoke bob
2024-01-04  secrets/app.yaml      -                   recipient-removed age1tr083cz7…pfu7h                      {c4}  Alice   revoke bob
2024-01-04  secrets/app.yaml      -                   data-key-rotated                                          {c4}  Alice   revoke bob
2024-01-05  secrets/app.yaml      -                   data-key-rotated                                          {c5}  Carol   re-encrypt from scratch
2024-01-06  secrets/backend.yaml  -                   file-renamed secrets/app.yaml                             {c6}  Alice   move app secrets to backend
2024-01-07  secrets/backend.yaml  [\"token\"]           key-added                                                 {c7}  Bob     drop the db user, add a token
2024-01-07  secrets/backend.yaml  [\"db\"][\"user\"]      key-removed                                               {c7}  Bob     drop the db user, add a token
",
        c1 = r.short(1),
        c2 = r.short(2),
        c3 = r.short(3),
        c4 = r.short(4),
        c5 = r.short(5),
        c6 = r.short(6),
        c7 = r.short(7),
    );
    assert_eq!(out, expected);
}

#[test]
fn log_decrypt_confirms_values_and_reports_the_full_reencryption() {
    let r = Repo::scenario();
    let entries = json_entries(&r, &["--decrypt"]);
    assert_entries(&r, &entries, &expected(true));
    // Without an identity: a warning, and the same entries as without --decrypt.
    let mut env = r.env();
    env.retain(|(k, _)| k != "SOPS_AGE_KEY_FILE");
    let out = run(
        &secrets(),
        &["log", "--decrypt", "--format", "json"],
        &r.root,
        &env,
        None,
    );
    assert_eq!(out.code, 0, "{}", out.stderr_text());
    assert!(
        out.stderr_text().contains("no age identity found"),
        "{}",
        out.stderr_text()
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_entries(&r, v.as_array().unwrap(), &expected(false));
}

#[test]
fn log_since_and_paths_follow_renames() {
    let r = Repo::scenario();
    let all = expected(false);
    // From 2024-01-04 on.
    let since = json_entries(&r, &["--since", "2024-01-04"]);
    let want: Vec<Expected> = all.iter().filter(|e| e.0 >= 4).cloned().collect();
    assert_entries(&r, &since, &want);
    // One file, by its current name: its history before the rename and the rules that govern it.
    let backend = json_entries(&r, &["secrets/backend.yaml"]);
    assert_entries(&r, &backend, &all);
    // From a subdirectory, relative paths work too.
    let sub = run(
        &secrets(),
        &["log", "--format", "json", "backend.yaml"],
        &r.root.join("secrets"),
        &r.env(),
        None,
    );
    assert_eq!(sub.code, 0, "{}", sub.stderr_text());
    let v: serde_json::Value = serde_json::from_slice(&sub.stdout).unwrap();
    assert_entries(&r, v.as_array().unwrap(), &all);
    // A path without sops history: nothing.
    assert_eq!(
        json_entries(&r, &["README.md"]),
        Vec::<serde_json::Value>::new()
    );
}

#[test]
fn log_never_prints_a_value() {
    let r = Repo::scenario();
    for format in ["table", "json", "markdown"] {
        for decrypt in [false, true] {
            let mut args = vec!["--format", format];
            if decrypt {
                args.push("--decrypt");
            }
            // `log` itself asserts that neither stdout nor stderr holds a value.
            let out = r.log(&args);
            assert!(out.contains("api_key"), "{out}");
        }
    }
    r.log(&["--write", "docs/log.md", "--decrypt"]);
    assert_no_value(&r.read("docs/log.md"));
}

/// A rotation-log row: `[date, secret, file, change, reason, rotator]`, commit `n`.
fn md_row(r: &Repo, n: usize, cells: [&str; 6], confirmed: &str) -> String {
    let [date, secret, file, change, reason, who] = cells;
    format!(
        "| {date} | {secret} | {file} | {change} | {reason} | {who} | {} | {confirmed} |\n",
        r.short(n)
    )
}

/// The 15 rows of the scenario; `confirmed` fills the cell of every row of the app file.
fn scenario_rows(r: &Repo, confirmed: &str) -> String {
    let (app, backend) = ("secrets/app.yaml", "secrets/backend.yaml");
    let (add, rot) = ("add app secrets", "rotate the API key");
    let (give, revoke) = ("give bob access", "revoke bob");
    let (scratch, mv) = ("re-encrypt from scratch", "move app secrets to backend");
    let drop = "drop the db user, add a token";
    let rule_new = format!("`rule ^secrets/.* (new): +{ALICE}`");
    let rule_add = format!("`rule ^secrets/.*: +{BOB}`");
    let rule_rm = format!("`rule ^secrets/.*: -{BOB}`");
    let (added, removed) = (
        format!("recipient added `{BOB}`"),
        format!("recipient removed `{BOB}`"),
    );
    let c = confirmed;
    [
        md_row(
            r,
            1,
            ["2024-01-01", "—", ".sops.yaml", &rule_new, add, "Alice"],
            "",
        ),
        md_row(
            r,
            1,
            ["2024-01-01", "—", app, "file created", add, "Alice"],
            c,
        ),
        md_row(
            r,
            1,
            [
                "2024-01-01",
                r#"`["db"]["password"]`"#,
                app,
                "added",
                add,
                "Alice",
            ],
            c,
        ),
        md_row(
            r,
            1,
            [
                "2024-01-01",
                r#"`["db"]["user"]`"#,
                app,
                "added",
                add,
                "Alice",
            ],
            c,
        ),
        md_row(
            r,
            1,
            ["2024-01-01", r#"`["api_key"]`"#, app, "added", add, "Alice"],
            c,
        ),
        md_row(
            r,
            2,
            ["2024-01-02", r#"`["api_key"]`"#, app, "changed", rot, "Bob"],
            c,
        ),
        md_row(
            r,
            3,
            ["2024-01-03", "—", ".sops.yaml", &rule_add, give, "Alice"],
            "",
        ),
        md_row(r, 3, ["2024-01-03", "—", app, &added, give, "Alice"], c),
        md_row(
            r,
            4,
            ["2024-01-04", "—", ".sops.yaml", &rule_rm, revoke, "Alice"],
            "",
        ),
        md_row(r, 4, ["2024-01-04", "—", app, &removed, revoke, "Alice"], c),
        md_row(
            r,
            4,
            ["2024-01-04", "—", app, "data key rotated", revoke, "Alice"],
            c,
        ),
        md_row(
            r,
            5,
            ["2024-01-05", "—", app, "data key rotated", scratch, "Carol"],
            c,
        ),
        md_row(
            r,
            6,
            [
                "2024-01-06",
                "—",
                backend,
                "renamed from `secrets/app.yaml`",
                mv,
                "Alice",
            ],
            c,
        ),
        md_row(
            r,
            7,
            [
                "2024-01-07",
                r#"`["token"]`"#,
                backend,
                "added",
                drop,
                "Bob",
            ],
            c,
        ),
        md_row(
            r,
            7,
            [
                "2024-01-07",
                r#"`["db"]["user"]`"#,
                backend,
                "removed",
                drop,
                "Bob",
            ],
            c,
        ),
    ]
    .concat()
}

#[test]
fn log_write_twice_keeps_hand_rows_and_fills_sync_confirmations() {
    let mut r = Repo::scenario();
    let path = "docs/secrets-rotation-log.md";
    let out = r.log(&["--write", path]);
    assert_eq!(
        out,
        format!("{path}: 15 row(s) added, 0 newly confirmed in sync\n")
    );
    let header = "\
# Secrets rotation log

Every change to the encrypted secrets, read from the git history by `secrets log --write`.
New rows are appended at the end of the table; rows written by hand are kept. Values never
appear here: only key paths, recipients and commits.

| Date | Secret | File | Change | Reason | Rotator | Commit | Confirmed in sync |
|---|---|---|---|---|---|---|---|
";
    let first = r.read(path);
    assert_eq!(first, format!("{header}{}", scenario_rows(&r, "")));

    // Twice: nothing added, not a byte changed.
    let out = r.log(&["--write", path]);
    assert_eq!(
        out,
        format!("{path}: 0 row(s) added, 0 newly confirmed in sync (unchanged)\n")
    );
    assert_eq!(r.read(path), first);

    // A hand-written row in the table and text after it survive.
    let hand = "| 2023-12-24 | `[\"legacy\"]` | secrets/old.yaml | changed | rotated before the log existed | Dana | 0badc0de | yes (by hand) |\n";
    let with_hand = format!("{first}{hand}\nKeep this note.\n");
    r.write(path, &with_hand);
    r.log(&["--write", path]);
    assert_eq!(r.read(path), with_hand);

    // `secrets sync` deployed HEAD (backend.yaml) on 2024-01-11; another target failed for a
    // file that is not in the log.
    let note = r#"{"version":1,"synced_at":1704974400,"targets":[{"target":"vps-a","status":"updated","sources":["secrets/backend.yaml"]},{"target":"vps-b","status":"failed","sources":["secrets/other.yaml"]}]}"#;
    r.git(
        &["notes", "--ref", "secrets-sync", "add", "-m", note, "HEAD"],
        None,
    );
    let out = r.log(&["--write", path]);
    assert_eq!(
        out,
        format!("{path}: 0 row(s) added, 12 newly confirmed in sync\n")
    );
    let confirmed = format!(
        "{header}{}{hand}\nKeep this note.\n",
        scenario_rows(&r, "yes (2024-01-11)")
    );
    assert_eq!(r.read(path), confirmed);
    r.log(&["--write", path]);
    assert_eq!(r.read(path), confirmed);

    // A new commit after the sync: one row appended at the end of the table, not confirmed.
    r.secrets_ok(&[
        "set",
        "secrets/backend.yaml",
        r#"["api_key"]"#,
        r#""key-one-abc""#,
    ]);
    r.commit(12, "Alice", "roll back the API key");
    let out = r.log(&["--write", path]);
    assert_eq!(
        out,
        format!("{path}: 1 row(s) added, 0 newly confirmed in sync\n")
    );
    let cells = [
        "2024-01-12",
        r#"`["api_key"]`"#,
        "secrets/backend.yaml",
        "changed",
    ];
    let [date, secret, file, change] = cells;
    let new_row = md_row(
        &r,
        8,
        [date, secret, file, change, "roll back the API key", "Alice"],
        "",
    );
    assert_eq!(
        r.read(path),
        format!(
            "{header}{}{hand}{new_row}\nKeep this note.\n",
            scenario_rows(&r, "yes (2024-01-11)")
        )
    );
    // The markdown format prints the same rows (with the confirmations) without writing.
    let md = r.log(&["--format", "markdown", "--since", "2024-01-07"]);
    assert!(md.ends_with(&new_row), "{md}");
}

#[test]
fn log_errors_exit_2() {
    let r = Repo::scenario();
    for args in [
        vec!["log", "--since", "2024-02-30"],
        vec!["log", "--since", "yesterday"],
        vec!["log", "--format", "csv"],
        vec!["log", "/elsewhere/file.yaml"],
    ] {
        let out = r.secrets(&args);
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr_text());
        assert!(
            out.stderr_text().starts_with("secrets: error: "),
            "{}",
            out.stderr_text()
        );
    }
    // Not a repository.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".sops.yaml"), rules(&[ALICE])).unwrap();
    let out = run(&secrets(), &["log"], dir.path(), &r.env(), None);
    assert_eq!(out.code, 2, "{}", out.stderr_text());
    assert!(
        out.stderr_text().contains("not in a git repository"),
        "{}",
        out.stderr_text()
    );
    // A repository without commits has an empty log.
    let empty = Repo::empty();
    empty.write(".sops.yaml", &rules(&[ALICE]));
    assert_eq!(empty.log(&["--format", "json"]), "[]\n");
}
