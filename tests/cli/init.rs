//! `secrets init` in temporary git repositories, with HOME and XDG_CONFIG_HOME in temporary
//! directories and no SOPS_AGE_* variable (util::run clears the environment).

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::util::{key, run, secrets, sops, Run, ALICE, BOB};

/// A plaintext .env with a realistic (fake) token: the hook must refuse to commit it.
const ENV_WITH_TOKEN: &str = "GITHUB_TOKEN=ghp_R8x2Lq9ZpW4tK7vB3nH6cJ1dF5gY0aEmXs2Q\n"; // secrets:allow
const TOKEN: &str = "ghp_R8x2Lq9ZpW4tK7vB3nH6cJ1dF5gY0aEmXs2Q"; // secrets:allow

struct Env {
    _dir: tempfile::TempDir,
    root: PathBuf,
    home: PathBuf,
    xdg: PathBuf,
    extra: Vec<(String, String)>,
}

impl Env {
    /// A fresh repository (`repo/`, with a `repo/sub/` directory), an empty home and config dir.
    fn new() -> Env {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("repo");
        let home = dir.path().join("home");
        let xdg = dir.path().join("xdg");
        std::fs::create_dir_all(root.join("sub")).unwrap();
        std::fs::create_dir_all(&home).unwrap();
        std::fs::create_dir_all(&xdg).unwrap();
        let env = Env {
            _dir: dir,
            root,
            home,
            xdg,
            extra: Vec::new(),
        };
        env.git_ok(&["init", "-q", "-b", "main"]);
        env
    }

    fn env(&self, with_bin_on_path: bool) -> Vec<(String, String)> {
        let mut env = vec![
            ("HOME".to_string(), self.home.display().to_string()),
            (
                "XDG_CONFIG_HOME".to_string(),
                self.xdg.display().to_string(),
            ),
            ("GIT_CONFIG_NOSYSTEM".to_string(), "1".to_string()),
            ("GIT_AUTHOR_NAME".to_string(), "t".to_string()),
            ("GIT_AUTHOR_EMAIL".to_string(), "t@t".to_string()),
            ("GIT_COMMITTER_NAME".to_string(), "t".to_string()),
            ("GIT_COMMITTER_EMAIL".to_string(), "t@t".to_string()),
        ];
        if with_bin_on_path {
            let bin = secrets().parent().unwrap().to_path_buf();
            let path = std::env::var("PATH").unwrap_or_default();
            env.push(("PATH".to_string(), format!("{}:{path}", bin.display())));
        }
        env.extend(self.extra.iter().cloned());
        env
    }

    fn default_key(&self) -> PathBuf {
        self.xdg.join("sops/age/keys.txt")
    }

    fn git(&self, args: &[&str], with_bin_on_path: bool) -> Run {
        run(
            Path::new("git"),
            args,
            &self.root,
            &self.env(with_bin_on_path),
            None,
        )
    }

    fn git_ok(&self, args: &[&str]) -> Run {
        let r = self.git(args, false);
        assert_eq!(r.code, 0, "git {args:?}: {}", r.stderr_text());
        r
    }

    fn secrets_in(&self, dir: &Path, args: &[&str]) -> Run {
        run(&secrets(), args, dir, &self.env(false), None)
    }

    fn secrets(&self, args: &[&str]) -> Run {
        self.secrets_in(&self.root, args)
    }

    /// `secrets init ARGS` (from the `sub/` directory), which must succeed.
    fn init(&self, args: &[&str]) -> (String, String) {
        let mut full = vec!["init"];
        full.extend_from_slice(args);
        let r = self.secrets_in(&self.root.join("sub"), &full);
        let (out, err) = (stdout(&r), r.stderr_text());
        assert_eq!(r.code, 0, "init {args:?}:\n{out}\n{err}");
        (out, err)
    }

    fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.root.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
    }

    fn write(&self, rel: &str, text: &str) {
        let p = self.root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    /// Every file of the work tree and the git config and hooks, plus the home directories.
    fn snapshot(&self) -> BTreeMap<PathBuf, Vec<u8>> {
        fn walk(dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
            let Ok(entries) = std::fs::read_dir(dir) else {
                return;
            };
            for e in entries {
                let p = e.unwrap().path();
                if p.ends_with(".git/objects") || p.ends_with(".git/index") {
                    continue;
                }
                if p.is_dir() {
                    walk(&p, out);
                } else {
                    out.insert(p.clone(), std::fs::read(&p).unwrap());
                }
            }
        }
        let mut out = BTreeMap::new();
        walk(&self.root, &mut out);
        walk(&self.home, &mut out);
        walk(&self.xdg, &mut out);
        out
    }
}

fn stdout(r: &Run) -> String {
    String::from_utf8_lossy(&r.stdout).into_owned()
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

/// The report line for `path`.
fn line<'a>(out: &'a str, path: &str) -> &'a str {
    out.lines()
        .find(|l| l.split_whitespace().nth(1) == Some(path))
        .unwrap_or_else(|| panic!("no line for {path} in:\n{out}"))
}

/// The `AGE-SECRET-KEY-1…` line of an identity file.
fn secret_line(identity: &str) -> &str {
    identity
        .lines()
        .find(|l| l.starts_with("AGE-SECRET-KEY-1"))
        .expect("an identity")
}

fn public_key(identity: &str) -> String {
    identity
        .lines()
        .find_map(|l| l.strip_prefix("# public key: "))
        .expect("a public key comment")
        .to_string()
}

#[test]
fn init_sets_up_an_empty_repository_from_a_subdirectory() {
    let e = Env::new();
    let (out, err) = e.init(&[]);

    // The identity: created where sops looks, 0600 in a 0700 directory; only the public half
    // is printed.
    let key_file = e.default_key();
    let identity = std::fs::read_to_string(&key_file).unwrap();
    assert_eq!(mode(&key_file), 0o600);
    assert_eq!(mode(key_file.parent().unwrap()), 0o700);
    let me = public_key(&identity);
    assert!(me.starts_with("age1"), "{identity:.40}");
    let key_line = line(&out, &key_file.display().to_string());
    assert!(key_line.starts_with("created"), "{key_line}");
    assert!(key_line.contains(&me), "{key_line}");
    let secret = secret_line(&identity);
    assert!(!out.contains(secret) && !err.contains(secret));
    assert!(!out.contains("AGE-SECRET-KEY") && !err.contains("AGE-SECRET-KEY"));

    // Every step ran at the repository root, not in sub/.
    for path in [
        ".sops.yaml",
        "secrets/shared.sops.yaml",
        "secrets/targets.yaml",
        "secrets/inventory.yaml",
        ".gitignore",
        ".git/hooks/pre-commit",
        ".gitattributes",
        ".github/workflows/secrets-scan.yml",
        ".github/workflows/secrets-sync.yml",
    ] {
        assert!(line(&out, path).starts_with("created"), "{path}:\n{out}");
        assert!(e.root.join(path).is_file(), "{path}");
    }
    assert!(!e.root.join("sub/.sops.yaml").exists());
    assert!(line(&out, ".git/config").starts_with("updated"), "{out}");
    assert!(out.contains("next steps:"), "{out}");
    assert!(
        out.contains("secrets edit secrets/shared.sops.yaml"),
        "{out}"
    );
    assert!(out.contains("secrets recipients add NAME"), "{out}");
    assert!(out.contains("git commit"), "{out}");

    // .sops.yaml: one rule, your recipient on its own line with a name.
    let config = e.read(".sops.yaml");
    assert!(
        config.contains(r"- path_regex: ^secrets/.*\.sops\.(yaml|json|env|ini)$"),
        "{config}"
    );
    assert!(
        config
            .lines()
            .any(|l| l.trim_start().starts_with(&format!("- {me} # "))),
        "{config}"
    );
    assert!(config.lines().filter(|l| l.starts_with('#')).count() >= 3);

    // The template is encrypted to it and decrypts with the new identity.
    let shared = e.read("secrets/shared.sops.yaml");
    assert!(shared.contains("ENC[AES256_GCM"), "{shared}");
    assert!(shared.contains(&format!("recipient: {me}")), "{shared}");
    assert!(!shared.contains("change-me"));
    let r = e.secrets(&["decrypt", "secrets/shared.sops.yaml"]);
    assert_eq!(r.code, 0, "{}", r.stderr_text());
    let plain = stdout(&r);
    assert!(plain.contains("database:\n    url: change-me\n"), "{plain}");
    assert!(plain.contains("api_token: change-me\n"), "{plain}");

    // The plaintext templates parse: render finds no target (not a parse error), sync has
    // nothing to do, status accepts the inventory.
    let r = e.secrets(&["render", "web-1"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr_text().contains("no target \"web-1\""),
        "{}",
        r.stderr_text()
    );
    let r = e.secrets(&["sync", "--dry-run"]);
    assert_eq!(r.code, 0, "{}", r.stderr_text());

    // .gitignore: plaintext env files and decrypted copies.
    let ignore = e.read(".gitignore");
    for l in [
        ".env",
        ".env.*",
        "!.env.example",
        "!.env.sample",
        "!.env.template",
        "*.dec.*",
    ] {
        assert!(ignore.lines().any(|x| x == l), "{l} missing:\n{ignore}");
    }

    // Hook and drivers.
    let hook = e.root.join(".git/hooks/pre-commit");
    assert!(e
        .read(".git/hooks/pre-commit")
        .contains("secrets scan --staged"));
    assert_eq!(mode(&hook) & 0o111, 0o111);
    assert!(e
        .read(".gitattributes")
        .contains("diff=secrets merge=secrets"));
    let r = e.git_ok(&["config", "--local", "--get", "diff.secrets.textconv"]);
    assert!(stdout(&r).trim_end().ends_with("git textconv"));
    let r = e.git_ok(&["config", "--local", "--get", "merge.secrets.driver"]);
    assert!(stdout(&r).contains("merge-driver %O %A %B %P"));

    // Workflows install the binary from SECRETS_GIT, defined once at the top.
    for wf in [
        ".github/workflows/secrets-scan.yml",
        ".github/workflows/secrets-sync.yml",
    ] {
        let text = e.read(wf);
        let defs: Vec<&str> = text
            .lines()
            .filter(|l| l.trim_start().starts_with("SECRETS_GIT:"))
            .collect();
        assert_eq!(defs.len(), 1, "{wf}: {defs:?}");
        assert!(
            defs[0].starts_with("  SECRETS_GIT: "),
            "{wf}: top-level env"
        );
        assert!(
            text.contains(r#"cargo install --locked --git "$SECRETS_GIT" secrets"#),
            "{wf}"
        );
        assert!(!text.contains("./target/release/secrets"), "{wf}");
    }
    let scan = e.read(".github/workflows/secrets-scan.yml");
    assert!(scan.contains("secrets scan --history"), "{scan}");
    let sync = e.read(".github/workflows/secrets-sync.yml");
    assert!(sync.contains("set +x"));
    assert!(sync.contains("secrets/known_hosts"));
    assert!(sync.contains("SOPS_AGE_KEY: ${{ secrets.SOPS_AGE_KEY }}"));
    assert!(!sync.contains("echo \"$SOPS_AGE_KEY") && !sync.contains("echo $SOPS_AGE_KEY"));
}

#[test]
fn a_second_run_changes_no_byte_and_force_rewrites() {
    let e = Env::new();
    e.init(&[]);
    let before = e.snapshot();
    let (out, _) = e.init(&[]);
    assert_eq!(before, e.snapshot(), "a second init changed files:\n{out}");
    let steps: Vec<&str> = out
        .lines()
        .take_while(|l| !l.is_empty())
        .filter(|l| !l.starts_with(' ') && !l.starts_with("secrets init in"))
        .collect();
    assert!(steps.len() >= 11, "{out}");
    for l in &steps {
        assert!(l.starts_with("kept "), "not kept: {l}\n{out}");
    }
    assert!(line(&out, ".sops.yaml").contains("(exists)"), "{out}");

    // --force restores changed files and reports them; the identity is never replaced.
    let identity = std::fs::read(e.default_key()).unwrap();
    let workflow = e.read(".github/workflows/secrets-scan.yml");
    let targets = e.read("secrets/targets.yaml");
    e.write(".github/workflows/secrets-scan.yml", "name: mine\n");
    e.write("secrets/targets.yaml", "targets: {}\n");
    e.write(".sops.yaml", "creation_rules: []\n");
    let (out, _) = e.init(&[]);
    assert!(line(&out, "secrets/targets.yaml").starts_with("kept"));
    let (out, _) = e.init(&["--force", "--age", &format!("bob={BOB}")]);
    for path in [
        ".sops.yaml",
        ".github/workflows/secrets-scan.yml",
        "secrets/targets.yaml",
        "secrets/shared.sops.yaml",
    ] {
        assert!(line(&out, path).starts_with("updated"), "{path}:\n{out}");
    }
    assert!(line(&out, ".github/workflows/secrets-sync.yml").starts_with("kept"));
    assert_eq!(e.read(".github/workflows/secrets-scan.yml"), workflow);
    assert_eq!(e.read("secrets/targets.yaml"), targets);
    assert_eq!(std::fs::read(e.default_key()).unwrap(), identity);
    assert!(e.read(".sops.yaml").contains(&format!("- {BOB} # bob\n")));
    // The placeholders were re-encrypted for the new rule: both recipients.
    let shared = e.read("secrets/shared.sops.yaml");
    assert!(shared.contains(&format!("recipient: {BOB}")), "{shared}");

    // A template holding real values is never overwritten, even with --force.
    let r = e.secrets(&[
        "set",
        "secrets/shared.sops.yaml",
        r#"["api_token"]"#,
        r#""a-real-value""#,
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr_text());
    let with_values = e.read("secrets/shared.sops.yaml");
    let (out, _) = e.init(&["--force"]);
    assert!(
        line(&out, "secrets/shared.sops.yaml").contains("holds your values"),
        "{out}"
    );
    assert_eq!(e.read("secrets/shared.sops.yaml"), with_values);
}

#[test]
fn an_existing_identity_is_used_and_no_key_is_created() {
    let mut e = Env::new();
    e.extra = vec![(
        "SOPS_AGE_KEY_FILE".to_string(),
        key("alice.txt").display().to_string(),
    )];
    let (out, err) = e.init(&[]);
    assert!(!e.default_key().exists(), "a new key was created");
    let key_line = line(
        &out,
        &format!("SOPS_AGE_KEY_FILE={}", key("alice.txt").display()),
    );
    assert!(key_line.starts_with("kept"), "{key_line}");
    assert!(key_line.contains(ALICE));
    let alice = std::fs::read_to_string(key("alice.txt")).unwrap();
    assert!(!out.contains(secret_line(&alice)) && !err.contains(secret_line(&alice)));
    assert!(e.read(".sops.yaml").contains(&format!("- {ALICE} # ")));
    let r = e.secrets(&["decrypt", "secrets/shared.sops.yaml"]);
    assert_eq!(r.code, 0, "{}", r.stderr_text());

    // SOPS_AGE_KEY (the identity itself) is found too.
    let mut e = Env::new();
    e.extra = vec![("SOPS_AGE_KEY".to_string(), alice.clone())];
    let (out, _) = e.init(&[]);
    assert!(line(&out, "$SOPS_AGE_KEY").contains(ALICE), "{out}");
    assert!(!e.default_key().exists());

    // So is the output of SOPS_AGE_KEY_CMD.
    let mut e = Env::new();
    let cmd = format!("cat {}", key("alice.txt").display());
    e.extra = vec![("SOPS_AGE_KEY_CMD".to_string(), cmd)];
    let (out, _) = e.init(&[]);
    assert!(line(&out, "$SOPS_AGE_KEY_CMD").contains(ALICE), "{out}");
    assert!(!e.default_key().exists());
}

#[test]
fn a_new_identity_goes_to_sops_age_key_file_when_it_is_set() {
    let mut e = Env::new();
    let path = e.home.join("age/identity.txt");
    e.extra = vec![("SOPS_AGE_KEY_FILE".to_string(), path.display().to_string())];
    let (out, err) = e.init(&[]);
    assert!(!e.default_key().exists());
    assert_eq!(mode(&path), 0o600);
    let me = public_key(&std::fs::read_to_string(&path).unwrap());
    assert!(line(&out, &path.display().to_string()).starts_with("created"));
    assert!(e.read(".sops.yaml").contains(&me));
    assert!(!err.contains("export SOPS_AGE_KEY_FILE"), "{err}");
    // An unreadable identity is never replaced by a new one.
    std::fs::write(&path, "not an identity\n").unwrap();
    let r = e.secrets(&["init"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr_text().contains("not creating another one"),
        "{}",
        r.stderr_text()
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "not an identity\n");
}

#[test]
fn an_existing_sops_yaml_is_kept_and_a_missing_recipient_is_reported() {
    let mut e = Env::new();
    e.extra = vec![(
        "SOPS_AGE_KEY_FILE".to_string(),
        key("alice.txt").display().to_string(),
    )];
    let config = format!(
        "creation_rules:\n    - path_regex: ^secrets/.*\\.sops\\.yaml$\n      age: {BOB}\n"
    );
    e.write(".sops.yaml", &config);
    let (out, err) = e.init(&["--age", ALICE]);
    assert!(line(&out, ".sops.yaml").starts_with("kept"), "{out}");
    assert_eq!(e.read(".sops.yaml"), config);
    assert!(
        err.contains(&format!("your key {ALICE} is not a recipient")),
        "{err}"
    );
    assert!(err.contains("secrets recipients add"), "{err}");
    assert!(err.contains("--age not applied"), "{err}");
    // The template follows the rule that exists.
    let shared = e.read("secrets/shared.sops.yaml");
    assert!(shared.contains(&format!("recipient: {BOB}")));
    assert!(!shared.contains(ALICE));
}

#[test]
fn key_file_chooses_where_a_new_identity_goes() {
    let e = Env::new();
    let custom = e.home.join("keys/me.txt");
    let (out, err) = e.init(&["--key-file", custom.to_str().unwrap(), "--no-workflows"]);
    assert!(!e.default_key().exists());
    assert_eq!(mode(&custom), 0o600);
    assert_eq!(mode(custom.parent().unwrap()), 0o700);
    let me = public_key(&std::fs::read_to_string(&custom).unwrap());
    assert!(line(&out, &custom.display().to_string()).contains(&me));
    assert!(err.contains("export SOPS_AGE_KEY_FILE="), "{err}");
    assert!(
        line(&out, ".github/workflows").starts_with("skipped"),
        "{out}"
    );
    assert!(!e.root.join(".github").exists());
}

#[test]
fn invalid_age_recipients_are_refused_before_anything_is_written() {
    let e = Env::new();
    let r = e.secrets(&["init", "--age", "age1notarecipient"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr_text().contains("hint:"), "{}", r.stderr_text());
    assert!(!e.default_key().exists());
    assert!(!e.root.join(".sops.yaml").exists());
}

#[test]
fn outside_a_repository_init_fails_with_a_hint() {
    let dir = tempfile::tempdir().unwrap();
    let r = run(
        &secrets(),
        &["init"],
        dir.path(),
        &[
            ("HOME".to_string(), dir.path().display().to_string()),
            (
                "XDG_CONFIG_HOME".to_string(),
                dir.path().display().to_string(),
            ),
        ],
        None,
    );
    assert_eq!(r.code, 1);
    let err = r.stderr_text();
    assert!(err.contains("not inside a git repository"), "{err}");
    assert!(err.contains("git init"), "{err}");
    assert!(!dir.path().join("sops").exists());
}

#[test]
fn the_installed_hook_blocks_a_plaintext_env_and_accepts_the_template() {
    let e = Env::new();
    // An existing hook is chained, not lost.
    e.write(
        ".git/hooks/pre-commit",
        "#!/bin/sh\necho local-hook-ran >&2\n",
    );
    std::fs::set_permissions(
        e.root.join(".git/hooks/pre-commit"),
        std::fs::Permissions::from_mode(0o755),
    )
    .unwrap();
    let (out, _) = e.init(&[]);
    assert!(
        line(&out, ".git/hooks/pre-commit").starts_with("updated"),
        "{out}"
    );
    assert!(e.root.join(".git/hooks/pre-commit.local").is_file());

    // The encrypted template (and everything else init wrote) commits through the hook.
    e.git_ok(&["add", ".sops.yaml", "secrets/shared.sops.yaml"]);
    let r = e.git(&["commit", "-q", "-m", "shared secrets"], true);
    assert_eq!(r.code, 0, "{}", r.stderr_text());
    assert!(r.stderr_text().contains("local-hook-ran"));
    e.git_ok(&["add", "-A"]);
    let r = e.git(&["commit", "-q", "-m", "secrets init"], true);
    assert_eq!(r.code, 0, "{}", r.stderr_text());
    let r = e.secrets(&["status"]);
    assert_eq!(r.code, 0, "{}{}", stdout(&r), r.stderr_text());

    // A plaintext .env is ignored; forced in, the hook rejects it without printing the token.
    e.write(".env", ENV_WITH_TOKEN);
    assert_ne!(
        e.git(&["add", ".env"], false).code,
        0,
        ".env is not ignored"
    );
    e.git_ok(&["add", "-f", ".env"]);
    let r = e.git(&["commit", "-q", "-m", "env"], true);
    assert_ne!(r.code, 0, "a plaintext .env was committed");
    let all = format!("{}{}", stdout(&r), r.stderr_text());
    assert!(all.contains("commit blocked"), "{all}");
    assert!(all.contains(".env:1:"), "{all}");
    assert!(!all.contains(TOKEN), "{all}");
}

#[test]
fn hooks_path_is_honoured_and_no_hook_skips_it() {
    let e = Env::new();
    e.git_ok(&["config", "core.hooksPath", ".githooks"]);
    let (out, _) = e.init(&["--no-hook"]);
    assert!(
        line(&out, ".githooks/pre-commit").starts_with("skipped"),
        "{out}"
    );
    assert!(!e.root.join(".githooks/pre-commit").exists());
    let (out, _) = e.init(&[]);
    assert!(
        line(&out, ".githooks/pre-commit").starts_with("created"),
        "{out}"
    );
    assert!(e
        .read(".githooks/pre-commit")
        .contains("secrets scan --staged"));
    assert!(!e.root.join(".git/hooks/pre-commit").exists());
}

#[test]
fn real_sops_reads_the_config_and_the_template() {
    let e = Env::new();
    e.init(&[]);
    let sops_env = e.env(false);
    let r = run(
        &sops(),
        &["decrypt", "secrets/shared.sops.yaml"],
        &e.root,
        &sops_env,
        None,
    );
    assert_eq!(r.code, 0, "{}", r.stderr_text());
    let ours = e.secrets(&["decrypt", "secrets/shared.sops.yaml"]);
    assert_eq!(r.stdout, ours.stdout);
    // sops picks the recipients from our .sops.yaml (a YAML list with comments).
    let me = public_key(&std::fs::read_to_string(e.default_key()).unwrap());
    e.write("secrets/app.sops.json", "{\"a\": \"b\"}\n");
    let r = run(
        &sops(),
        &["encrypt", "-i", "secrets/app.sops.json"],
        &e.root,
        &sops_env,
        None,
    );
    assert_eq!(r.code, 0, "{}", r.stderr_text());
    assert!(e.read("secrets/app.sops.json").contains(&me));
}

/// The issue's path end to end: `init` in an empty repository, a plaintext `.env` refused, the
/// encrypted file committed, `recipients add` lets a second identity decrypt, and
/// `recipients remove` rotates the data key so that identity is locked out of the new version.
#[test]
fn init_then_recipients_add_and_remove() {
    let e = Env::new();
    e.init(&["--no-workflows"]);

    e.write(".env", ENV_WITH_TOKEN);
    e.git_ok(&["add", "-f", ".env"]);
    assert_ne!(e.git(&["commit", "-q", "-m", "env"], true).code, 0);
    e.git_ok(&["rm", "-q", "--cached", ".env"]);
    std::fs::remove_file(e.root.join(".env")).unwrap();

    e.git_ok(&["add", "-A"]);
    let r = e.git(&["commit", "-q", "-m", "Set up secrets"], true);
    assert_eq!(r.code, 0, "{}", r.stderr_text());

    let bob = crate::util::key_env("bob.txt");
    let as_bob = |args: &[&str]| run(&secrets(), args, &e.root, &bob, None);
    let file = "secrets/shared.sops.yaml";
    assert_eq!(as_bob(&["decrypt", file]).code, 128);

    let before = e.read(file);
    let r = e.secrets(&["recipients", "add", "bob", crate::util::BOB, "-y"]);
    assert_eq!(r.code, 0, "{}", r.stderr_text());
    assert!(e
        .read(".sops.yaml")
        .contains(&format!("- {} # bob", crate::util::BOB)));
    let mine = e.secrets(&["decrypt", file]);
    let bobs = as_bob(&["decrypt", file]);
    assert_eq!(bobs.code, 0, "{}", bobs.stderr_text());
    assert_eq!(bobs.stdout, mine.stdout);
    let enc_lines = |text: &str| -> Vec<String> {
        text.lines()
            .filter(|l| l.contains("ENC[") && !l.contains("mac:"))
            .map(str::to_string)
            .collect()
    };
    assert_eq!(
        enc_lines(&e.read(file)),
        enc_lines(&before),
        "adding keeps the data key"
    );

    let added = e.read(file);
    let r = e.secrets(&["recipients", "remove", "bob", "-y"]);
    assert_eq!(r.code, 0, "{}", r.stderr_text());
    let after = e.read(file);
    let (old, new) = (enc_lines(&added), enc_lines(&after));
    assert_eq!(old.len(), new.len());
    assert!(
        old.iter().zip(&new).all(|(a, b)| a != b),
        "removing rotates the data key: every value re-encrypted"
    );
    assert_eq!(as_bob(&["decrypt", file]).code, 128);
    assert_eq!(e.secrets(&["decrypt", file]).stdout, mine.stdout);
}
