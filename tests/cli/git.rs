//! Git integration against real git repositories in temporary directories and the real sops:
//! `secrets git setup`, the textconv diff driver and the key-by-key merge driver.

use std::path::{Path, PathBuf};

use crate::util::{key, run, secrets, sops, Run, ALICE, BOB};

const PLAIN: &str = "\
# database settings
alpha: alpha-orig-value
bravo: bravo-orig-value
charlie: charlie-orig-value
";

struct Repo {
    _dir: tempfile::TempDir,
    root: PathBuf,
    home: PathBuf,
}

impl Repo {
    /// `git init` with a `.sops.yaml` for alice and `s.sops.yaml` encrypted by the real sops,
    /// committed on `main`.
    fn new() -> Repo {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("repo");
        let home = dir.path().join("home");
        std::fs::create_dir_all(&root).unwrap();
        std::fs::create_dir_all(&home).unwrap();
        let repo = Repo {
            _dir: dir,
            root,
            home,
        };
        repo.git_ok(&["init", "-q", "-b", "main"]);
        repo.git_ok(&["config", "user.name", "test"]);
        repo.git_ok(&["config", "user.email", "test@example.invalid"]);
        std::fs::write(
            repo.root.join(".sops.yaml"),
            format!("creation_rules:\n  - path_regex: \\.sops\\.yaml$\n    age: {ALICE}\n"),
        )
        .unwrap();
        std::fs::write(repo.root.join("s.sops.yaml"), PLAIN).unwrap();
        repo.sops_ok(&["encrypt", "-i", "s.sops.yaml"]);
        repo
    }

    fn env(&self, with_key: bool) -> Vec<(String, String)> {
        let bin_dir = secrets().parent().unwrap().to_path_buf();
        let path = std::env::var_os("PATH").unwrap_or_default();
        let path =
            std::env::join_paths(std::iter::once(bin_dir).chain(std::env::split_paths(&path)))
                .unwrap();
        let key_file = if with_key {
            key("alice.txt")
        } else {
            self.home.join("no-such-key.txt")
        };
        vec![
            ("GIT_CONFIG_NOSYSTEM".into(), "1".into()),
            ("HOME".into(), self.home.display().to_string()),
            ("PATH".into(), path.to_string_lossy().into_owned()),
            ("SOPS_AGE_KEY_FILE".into(), key_file.display().to_string()),
        ]
    }

    fn git(&self, args: &[&str]) -> Run {
        run(Path::new("git"), args, &self.root, &self.env(true), None)
    }

    fn git_ok(&self, args: &[&str]) -> Run {
        let r = self.git(args);
        assert_eq!(r.code, 0, "git {args:?}: {}", r.stderr_text());
        r
    }

    fn secrets(&self, args: &[&str], with_key: bool) -> Run {
        run(&secrets(), args, &self.root, &self.env(with_key), None)
    }

    fn sops_ok(&self, args: &[&str]) -> Run {
        let r = run(&sops(), args, &self.root, &self.env(true), None);
        assert_eq!(r.code, 0, "sops {args:?}: {}", r.stderr_text());
        r
    }

    fn set(&self, k: &str, v: &str) {
        self.sops_ok(&[
            "set",
            "s.sops.yaml",
            &format!("[\"{k}\"]"),
            &format!("\"{v}\""),
        ]);
    }

    fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.root.join(name)).unwrap()
    }

    fn commit_all(&self, msg: &str) {
        self.git_ok(&["add", "-A"]);
        self.git_ok(&["commit", "-q", "-m", msg]);
    }

    fn setup_and_commit(&self) {
        let r = self.secrets(&["git", "setup"], true);
        assert_eq!(r.code, 0, "{}", r.stderr_text());
        self.commit_all("initial");
    }

    /// Every file under `dir` (recursively), skipping `.git` unless asked for.
    fn files(dir: &Path, skip_git: bool) -> Vec<PathBuf> {
        let mut out = Vec::new();
        let Ok(rd) = std::fs::read_dir(dir) else {
            return out;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                if !(skip_git && p.file_name().unwrap() == ".git") {
                    out.extend(Repo::files(&p, skip_git));
                }
            } else {
                out.push(p);
            }
        }
        out
    }
}

/// The ciphertext line of `key` in a YAML sops file.
fn line_of(text: &str, key: &str) -> String {
    text.lines()
        .find(|l| l.starts_with(&format!("{key}: ")))
        .unwrap_or_else(|| panic!("no {key} line"))
        .to_string()
}

#[test]
fn disjoint_changes_merge_through_the_driver() {
    let repo = Repo::new();
    repo.setup_and_commit();
    let original = repo.read("s.sops.yaml");

    repo.git_ok(&["checkout", "-q", "-b", "feature"]);
    repo.set("alpha", "alpha-from-feature");
    repo.commit_all("feature changes alpha");
    let feature = repo.read("s.sops.yaml");

    repo.git_ok(&["checkout", "-q", "main"]);
    repo.set("charlie", "charlie-from-main");
    repo.commit_all("main changes charlie");
    let main = repo.read("s.sops.yaml");

    let r = repo.git(&["merge", "--no-edit", "feature"]);
    assert_eq!(r.code, 0, "merge failed: {}", r.stderr_text());
    let merged = repo.read("s.sops.yaml");

    let plain = repo.sops_ok(&["decrypt", "s.sops.yaml"]);
    let plain = String::from_utf8(plain.stdout).unwrap();
    assert!(plain.contains("alpha: alpha-from-feature"), "{plain}");
    assert!(plain.contains("bravo: bravo-orig-value"), "{plain}");
    assert!(plain.contains("charlie: charlie-from-main"), "{plain}");
    assert!(plain.starts_with("# database settings\n"), "{plain}");

    // Unchanged values keep their ciphertext; values taken from either side keep theirs.
    assert_eq!(line_of(&merged, "bravo"), line_of(&original, "bravo"));
    assert_eq!(line_of(&merged, "charlie"), line_of(&main, "charlie"));
    assert_eq!(line_of(&merged, "alpha"), line_of(&feature, "alpha"));
    assert!(!merged.contains("alpha-from-feature"));
    let status = repo.git_ok(&["status", "--porcelain"]);
    assert!(status.stdout.is_empty(), "{:?}", status);
}

#[test]
fn same_key_changed_differently_is_a_recorded_conflict() {
    let repo = Repo::new();
    repo.setup_and_commit();
    repo.git_ok(&["checkout", "-q", "-b", "feature"]);
    repo.set("alpha", "alpha-secret-theirs");
    repo.set("bravo", "bravo-secret-theirs");
    repo.commit_all("feature");
    repo.git_ok(&["checkout", "-q", "main"]);
    repo.set("alpha", "alpha-secret-ours");
    repo.commit_all("main");
    let ours = repo.read("s.sops.yaml");

    let r = repo.git(&["merge", "--no-edit", "feature"]);
    assert_ne!(r.code, 0, "the merge should conflict");
    let stderr = r.stderr_text();
    assert!(stderr.contains(r#"["alpha"]"#), "{stderr}");
    assert!(!stderr.contains(r#"["bravo"]"#), "{stderr}");
    assert_eq!(
        repo.read("s.sops.yaml"),
        ours,
        "the work tree keeps ours' bytes"
    );
    let plain = repo.sops_ok(&["decrypt", "s.sops.yaml"]);
    assert!(String::from_utf8_lossy(&plain.stdout).contains("alpha: alpha-secret-ours"));
    let unmerged = repo.git_ok(&["diff", "--name-only", "--diff-filter=U"]);
    assert_eq!(
        String::from_utf8_lossy(&unmerged.stdout).trim(),
        "s.sops.yaml"
    );

    let records = Repo::files(&repo.root.join(".git/secrets/conflicts"), false);
    assert_eq!(records.len(), 1, "{records:?}");
    let record: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&records[0]).unwrap()).unwrap();
    assert_eq!(record["path"], "s.sops.yaml");
    assert_eq!(record["keys"], serde_json::json!([r#"["alpha"]"#]));
    assert!(record["theirs"].as_str().unwrap().contains("sops:"));

    let mut scanned = Repo::files(&repo.root.join(".git/secrets"), false);
    scanned.extend(Repo::files(&repo.root, true));
    for f in scanned {
        let bytes = std::fs::read(&f).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        for secret in [
            "alpha-secret-theirs",
            "alpha-secret-ours",
            "bravo-secret-theirs",
            "orig-value",
        ] {
            assert!(!text.contains(secret), "{} holds plaintext", f.display());
        }
    }
}

#[test]
fn textconv_shows_plaintext_diffs_and_never_fails_without_a_key() {
    let repo = Repo::new();
    repo.setup_and_commit();
    repo.set("bravo", "bravo-new-value");

    let r = repo.git_ok(&["diff"]);
    let diff = String::from_utf8_lossy(&r.stdout);
    assert!(diff.contains("-bravo: bravo-orig-value"), "{diff}");
    assert!(diff.contains("+bravo: bravo-new-value"), "{diff}");

    let r = run(
        Path::new("git"),
        &["diff"],
        &repo.root,
        &repo.env(false),
        None,
    );
    assert_eq!(r.code, 0, "{}", r.stderr_text());
    let diff = String::from_utf8_lossy(&r.stdout);
    assert!(diff.contains("ENC[AES256_GCM"), "{diff}");
    assert!(!diff.contains("bravo-new-value"));

    // git's temporary names: `XXXXXX_<basename>`, or any name at all.
    let tmp = tempfile::tempdir().unwrap();
    for name in ["Ab12Cd_s.sops.yaml", "random_name"] {
        let p = tmp.path().join(name);
        std::fs::copy(repo.root.join("s.sops.yaml"), &p).unwrap();
        let p = p.display().to_string();
        let r = repo.secrets(&["git", "textconv", &p], true);
        assert_eq!(r.code, 0, "{}", r.stderr_text());
        let out = String::from_utf8_lossy(&r.stdout);
        assert!(out.contains("bravo: bravo-new-value"), "{name}: {out}");
        assert!(!out.contains("sops:"), "{out}");

        let r = repo.secrets(&["git", "textconv", &p], false);
        assert_eq!(r.code, 0);
        assert_eq!(r.stdout, std::fs::read(&p).unwrap());
        assert!(r.stderr_text().contains("no key"), "{}", r.stderr_text());
    }

    // Plain files pass through untouched, silently.
    let plain = tmp.path().join("notes.yaml");
    std::fs::write(&plain, "a: 1\n").unwrap();
    let r = repo.secrets(&["git", "textconv", &plain.display().to_string()], true);
    assert_eq!((r.code, r.stdout.as_slice()), (0, &b"a: 1\n"[..]));
    assert!(r.stderr.is_empty());
}

#[test]
fn setup_is_idempotent_and_needs_a_repository() {
    let repo = Repo::new();
    let first = repo.secrets(&["git", "setup"], true);
    assert_eq!(first.code, 0, "{}", first.stderr_text());
    let attrs = repo.read(".gitattributes");
    assert_eq!(attrs, "*.sops.yaml diff=secrets merge=secrets\n");
    let config = repo.read(".git/config");
    assert!(config.contains("[diff \"secrets\"]"), "{config}");
    assert!(
        config.contains("textconv = secrets git textconv"),
        "{config}"
    );
    assert!(config.contains("driver = secrets merge-driver %O %A %B %P"));

    let second = repo.secrets(&["git", "setup"], true);
    assert_eq!(second.code, 0);
    assert!(String::from_utf8_lossy(&second.stdout).contains("already set up"));
    assert_eq!(repo.read(".gitattributes"), attrs);
    assert_eq!(repo.read(".git/config"), config);

    // Explicit patterns are appended once; existing lines stay.
    let r = repo.secrets(&["git", "setup", "--pattern", "*.enc.json"], true);
    assert_eq!(r.code, 0);
    let r = repo.secrets(&["git", "setup", "--pattern", "*.enc.json"], true);
    assert!(String::from_utf8_lossy(&r.stdout).contains("already set up"));
    assert_eq!(
        repo.read(".gitattributes"),
        "*.sops.yaml diff=secrets merge=secrets\n*.enc.json diff=secrets merge=secrets\n"
    );

    let outside = tempfile::tempdir().unwrap();
    let r = run(
        &secrets(),
        &["git", "setup"],
        outside.path(),
        &repo.env(true),
        None,
    );
    assert_ne!(r.code, 0);
    assert!(r.stderr_text().contains("not inside a git work tree"));
}

#[test]
fn merge_driver_without_a_key_leaves_ours_untouched() {
    let repo = Repo::new();
    let file = repo.root.join("s.sops.yaml");
    let ours = repo.home.join("ours");
    std::fs::copy(&file, &ours).unwrap();
    let before = std::fs::read(&ours).unwrap();
    let f = file.display().to_string();
    let o = ours.display().to_string();
    let r = repo.secrets(&["merge-driver", &f, &o, &f, "s.sops.yaml"], false);
    assert_ne!(r.code, 0);
    assert!(
        r.stderr_text().contains("s.sops.yaml"),
        "{}",
        r.stderr_text()
    );
    assert_eq!(std::fs::read(&ours).unwrap(), before);
}

#[test]
fn recipients_changed_on_one_branch_are_kept() {
    let repo = Repo::new();
    repo.setup_and_commit();
    repo.git_ok(&["checkout", "-q", "-b", "feature"]);
    std::fs::write(
        repo.root.join(".sops.yaml"),
        format!("creation_rules:\n  - path_regex: \\.sops\\.yaml$\n    age: {ALICE},{BOB}\n"),
    )
    .unwrap();
    repo.sops_ok(&["updatekeys", "-y", "s.sops.yaml"]);
    repo.commit_all("feature adds bob");
    repo.git_ok(&["checkout", "-q", "main"]);
    repo.set("alpha", "alpha-from-main");
    repo.commit_all("main changes alpha");

    let r = repo.git(&["merge", "--no-edit", "feature"]);
    assert_eq!(r.code, 0, "merge failed: {}", r.stderr_text());
    let merged = repo.read("s.sops.yaml");
    assert!(merged.contains(BOB), "bob's recipient was lost:\n{merged}");
    // Bob can read the merged value.
    let r = run(
        &sops(),
        &["decrypt", "s.sops.yaml"],
        &repo.root,
        &[(
            "SOPS_AGE_KEY_FILE".into(),
            key("bob.txt").display().to_string(),
        )],
        None,
    );
    assert_eq!(r.code, 0, "{}", r.stderr_text());
    assert!(String::from_utf8_lossy(&r.stdout).contains("alpha: alpha-from-main"));
}

#[test]
fn file_added_on_both_branches_merges_against_an_empty_base() {
    let repo = Repo::new();
    repo.setup_and_commit();
    repo.git_ok(&["rm", "-q", "s.sops.yaml"]);
    repo.commit_all("remove");
    let add = |plain: &str| {
        std::fs::write(repo.root.join("s.sops.yaml"), plain).unwrap();
        repo.sops_ok(&["encrypt", "-i", "s.sops.yaml"]);
    };
    repo.git_ok(&["checkout", "-q", "-b", "feature"]);
    add("shared: same-value\nfeature_only: f-value\n");
    repo.commit_all("feature adds");
    repo.git_ok(&["checkout", "-q", "main"]);
    add("shared: same-value\nmain_only: m-value\n");
    repo.commit_all("main adds");

    let r = repo.git(&["merge", "--no-edit", "feature"]);
    assert_eq!(r.code, 0, "merge failed: {}", r.stderr_text());
    let plain = repo.sops_ok(&["decrypt", "s.sops.yaml"]);
    assert_eq!(
        String::from_utf8_lossy(&plain.stdout),
        "shared: same-value\nmain_only: m-value\nfeature_only: f-value\n"
    );
}

#[test]
fn a_rotation_on_one_branch_is_not_undone() {
    let repo = Repo::new();
    repo.setup_and_commit();
    repo.git_ok(&["checkout", "-q", "-b", "feature"]);
    repo.sops_ok(&["rotate", "-i", "s.sops.yaml"]);
    repo.commit_all("feature rotates the data key");
    let rotated = repo.read("s.sops.yaml");
    repo.git_ok(&["checkout", "-q", "main"]);
    repo.set("alpha", "alpha-from-main");
    repo.commit_all("main changes alpha");

    let r = repo.git(&["merge", "--no-edit", "feature"]);
    assert_eq!(r.code, 0, "merge failed: {}", r.stderr_text());
    let merged = repo.read("s.sops.yaml");
    // Values untouched by main keep the rotated ciphertext (the new data key).
    assert_eq!(line_of(&merged, "bravo"), line_of(&rotated, "bravo"));
    let plain = repo.sops_ok(&["decrypt", "s.sops.yaml"]);
    assert!(String::from_utf8_lossy(&plain.stdout).contains("alpha: alpha-from-main"));
}

#[test]
fn recipients_changed_differently_on_both_branches_conflict() {
    let repo = Repo::new();
    repo.setup_and_commit();
    let rules = |extra: &str| {
        std::fs::write(
            repo.root.join(".sops.yaml"),
            format!("creation_rules:\n  - path_regex: \\.sops\\.yaml$\n    age: {ALICE},{extra}\n"),
        )
        .unwrap();
        repo.sops_ok(&["updatekeys", "-y", "s.sops.yaml"]);
    };
    repo.git_ok(&["checkout", "-q", "-b", "feature"]);
    rules(BOB);
    repo.commit_all("feature adds bob");
    repo.git_ok(&["checkout", "-q", "main"]);
    let carol = std::fs::read_to_string(key("carol.txt")).unwrap();
    let carol = carol
        .lines()
        .find_map(|l| l.strip_prefix("# public key: "))
        .unwrap()
        .to_string();
    rules(&carol);
    repo.commit_all("main adds carol");
    let ours = repo.read("s.sops.yaml");

    let r = repo.git(&["merge", "--no-edit", "feature"]);
    assert_ne!(r.code, 0);
    assert!(
        r.stderr_text().contains("changed differently"),
        "{}",
        r.stderr_text()
    );
    assert_eq!(repo.read("s.sops.yaml"), ours);
}

#[test]
fn merge_driver_handles_json_and_passes_plain_files_to_git() {
    let repo = Repo::new();
    std::fs::remove_file(repo.root.join(".sops.yaml")).unwrap();
    let base = repo.root.join("c.sops.json");
    std::fs::write(&base, "{\"x\": \"one\", \"y\": \"two\"}\n").unwrap();
    repo.sops_ok(&["encrypt", "-i", "--age", ALICE, "c.sops.json"]);
    let copy = |name: &str, k: &str, v: &str| {
        let p = repo.root.join(name);
        std::fs::copy(&base, &p).unwrap();
        let (p, k, v) = (
            p.display().to_string(),
            format!("[\"{k}\"]"),
            format!("\"{v}\""),
        );
        // sops picks the store from the name; these copies have none.
        repo.sops_ok(&[
            "set",
            "--input-type",
            "json",
            "--output-type",
            "json",
            &p,
            &k,
            &v,
        ]);
        p
    };
    let ours = copy("ours.tmp", "x", "one-ours");
    let theirs = copy("theirs.tmp", "y", "two-theirs");
    let b = base.display().to_string();
    let r = repo.secrets(&["merge-driver", &b, &ours, &theirs, "c.sops.json"], true);
    assert_eq!(r.code, 0, "{}", r.stderr_text());
    let r = repo.sops_ok(&[
        "decrypt",
        "--input-type",
        "json",
        "--output-type",
        "json",
        &ours,
    ]);
    let v: serde_json::Value = serde_json::from_slice(&r.stdout).unwrap();
    assert_eq!(v, serde_json::json!({"x": "one-ours", "y": "two-theirs"}));

    // Not sops files at all: git's own line merge.
    let write = |name: &str, text: &str| {
        let p = repo.root.join(name);
        std::fs::write(&p, text).unwrap();
        p.display().to_string()
    };
    let (b, o, t) = (
        write("b.txt", "1\n2\n3\n"),
        write("o.txt", "1x\n2\n3\n"),
        write("t.txt", "1\n2\n3x\n"),
    );
    let r = repo.secrets(&["merge-driver", &b, &o, &t, "notes.txt"], true);
    assert_eq!(r.code, 0, "{}", r.stderr_text());
    assert_eq!(std::fs::read_to_string(&o).unwrap(), "1x\n2\n3x\n");
}
