//! `secrets render` and `secrets sync` against a real OpenSSH sshd on 127.0.0.1.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::sshd::{CutProxy, Sshd};
use crate::util::{key_env, run, secrets, Run, ALICE};

/// A project directory with encrypted sources, a targets file and a running sshd whose
/// filesystem is this machine's (so the test reads the "remote" files directly).
struct Project {
    _dir: tempfile::TempDir,
    root: PathBuf,
    sshd: Sshd,
}

const SHARED: &str = "DB_HOST: db.internal\nDB_PASSWORD: 'pa ss#word $HOME'\n";
// Fake values for the tests; the scanner is told so. secrets:allow
const VPS_A: &str = "API_TOKEN: token-a-111\nMULTI: |\n    line one\n    line 'two'\n"; // secrets:allow
const VPS_B: &str = "API_TOKEN: token-b-222\n";

impl Project {
    fn new() -> Project {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_path_buf();
        let sshd = Sshd::start();
        let p = Project {
            _dir: dir,
            root,
            sshd,
        };
        std::fs::create_dir_all(p.root.join("secrets")).unwrap();
        std::fs::create_dir_all(p.remote("a")).unwrap();
        std::fs::create_dir_all(p.remote("b")).unwrap();
        p.sshd
            .write_known_hosts(&p.root.join("secrets/known_hosts"));
        p.encrypt("secrets/shared.sops.yaml", SHARED);
        p.encrypt("secrets/vps-a.sops.yaml", VPS_A);
        p.encrypt("secrets/vps-b.sops.yaml", VPS_B);
        p.targets(p.sshd.port, "echo restarted >> restarts.log");
        p
    }

    fn remote(&self, name: &str) -> PathBuf {
        self.sshd.dir.join("srv").join(name)
    }

    fn encrypt(&self, rel: &str, plain: &str) {
        std::fs::write(self.root.join(rel), plain).unwrap();
        let r = self.secrets(&["encrypt", "--age", ALICE, "-i", rel]);
        assert_eq!(r.code, 0, "{}", r.stderr_text());
    }

    fn targets(&self, port: u16, restart: &str) {
        let text = format!(
            "defaults:\n  host: 127.0.0.1\n  port: {port}\n  user: {user}\n  restart: {restart}\n\
             targets:\n\
             \x20 vps-a:\n    sources: [secrets/shared.sops.yaml, secrets/vps-a.sops.yaml]\n    path: {a}\n\
             \x20 vps-b:\n    sources: [secrets/shared.sops.yaml, secrets/vps-b.sops.yaml]\n    path: {b}\n\
             \x20 gh:\n    command: cat > sent-{{key}}.txt\n    sources: [secrets/vps-b.sops.yaml]\n",
            user = self.sshd.user,
            a = self.remote("a/.env").display(),
            b = self.remote("b/.env").display(),
        );
        std::fs::write(self.root.join("secrets/targets.yaml"), text).unwrap();
    }

    fn env(&self) -> Vec<(String, String)> {
        let mut env = key_env("alice.txt");
        env.push((
            "SECRETS_SSH_KEY".into(),
            self.sshd.client_key.display().to_string(),
        ));
        env
    }

    fn secrets(&self, args: &[&str]) -> Run {
        run(&secrets(), args, &self.root, &self.env(), None)
    }

    fn sync(&self, args: &[&str]) -> Run {
        let mut all = vec!["sync", "--timeout", "10"];
        all.extend_from_slice(args);
        self.secrets(&all)
    }

    fn rendered(&self, target: &str) -> String {
        let r = self.secrets(&["render", target]);
        assert_eq!(r.code, 0, "{}", r.stderr_text());
        String::from_utf8(r.stdout).unwrap()
    }

    fn read(&self, path: &Path) -> String {
        std::fs::read_to_string(path).unwrap_or_default()
    }

    fn restarts(&self, name: &str) -> usize {
        self.read(&self.remote(&format!("{name}/restarts.log")))
            .lines()
            .count()
    }
}

fn text(r: &Run) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&r.stdout),
        String::from_utf8_lossy(&r.stderr)
    )
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

#[test]
fn first_sync_writes_exact_content_0600_and_a_second_writes_nothing() {
    let p = Project::new();
    let r = p.sync(&[]);
    assert_eq!(r.code, 0, "{}", text(&r));
    for t in ["a", "b"] {
        let file = p.remote(&format!("{t}/.env"));
        assert_eq!(p.read(&file), p.rendered(&format!("vps-{t}")));
        assert_eq!(mode(&file), 0o600);
        assert_eq!(
            p.restarts(t),
            1,
            "restart runs once, in the file's directory"
        );
    }
    let env_a = p.read(&p.remote("a/.env"));
    assert!(env_a.contains("DB_PASSWORD='pa ss#word $HOME'"), "{env_a}");
    assert_eq!(p.read(&p.root.join("sent-API_TOKEN.txt")), "token-b-222");

    let r = p.sync(&[]);
    assert_eq!(r.code, 0, "{}", text(&r));
    let out = text(&r);
    assert!(out.contains("vps-a: unchanged"), "{out}");
    assert!(out.contains("vps-b: unchanged"), "{out}");
    assert!(out.contains("gh: unchanged"), "{out}");
    assert_eq!((p.restarts("a"), p.restarts("b")), (1, 1));
    assert!(!p.remote("a/.env.prev").exists(), "nothing was replaced");
}

#[test]
fn changing_one_key_rewrites_only_the_targets_that_use_it() {
    let p = Project::new();
    assert_eq!(p.sync(&[]).code, 0);
    let before_a = p.read(&p.remote("a/.env"));
    let before_b = p.read(&p.remote("b/.env"));
    let r = p.secrets(&[
        "set",
        "secrets/vps-a.sops.yaml",
        "[\"API_TOKEN\"]",
        "\"token-a-999\"",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr_text());
    let r = p.sync(&[]);
    assert_eq!(r.code, 0, "{}", text(&r));
    let out = text(&r);
    assert!(out.contains("vps-a: updated (restarted)"), "{out}");
    assert!(out.contains("vps-b: unchanged"), "{out}");
    assert_eq!((p.restarts("a"), p.restarts("b")), (2, 1));
    assert!(p
        .read(&p.remote("a/.env"))
        .contains("API_TOKEN=token-a-999"));
    assert_eq!(p.read(&p.remote("a/.env.prev")), before_a, "previous kept");
    assert_eq!(mode(&p.remote("a/.env.prev")), 0o600);
    assert_eq!(p.read(&p.remote("b/.env")), before_b);
}

#[test]
fn changed_and_unknown_host_keys_are_refused() {
    let mut p = Project::new();
    // Unknown: nothing pinned.
    std::fs::write(p.root.join("secrets/known_hosts"), "").unwrap();
    let r = p.sync(&["vps-a"]);
    assert_eq!(r.code, 2, "{}", text(&r));
    let out = text(&r);
    assert!(out.contains("vps-a"), "{out}");
    assert!(out.contains(&p.sshd.host_fingerprint()), "{out}");
    assert!(!p.remote("a/.env").exists());
    assert_eq!(p.read(&p.root.join("secrets/known_hosts")), "");

    // Changed: pinned key no longer matches.
    p.sshd
        .write_known_hosts(&p.root.join("secrets/known_hosts"));
    assert_eq!(p.sync(&["vps-a"]).code, 0);
    let before = p.read(&p.remote("a/.env"));
    p.sshd.restart_with_new_host_key();
    p.secrets(&[
        "set",
        "secrets/vps-a.sops.yaml",
        "[\"API_TOKEN\"]",
        "\"x-changed\"",
    ]);
    let r = p.sync(&["vps-a", "--accept-new-host-key"]);
    assert_eq!(r.code, 2, "{}", text(&r));
    let out = text(&r);
    assert!(out.contains(&p.sshd.host_fingerprint()), "{out}");
    assert!(out.to_lowercase().contains("changed"), "{out}");
    assert_eq!(p.read(&p.remote("a/.env")), before, "nothing written");
}

#[test]
fn check_detects_a_hand_edit_on_the_server() {
    let p = Project::new();
    assert_eq!(p.sync(&[]).code, 0);
    let r = p.sync(&["--check"]);
    assert_eq!(r.code, 0, "{}", text(&r));
    let file = p.remote("b/.env");
    let edited = p.read(&file).replace("token-b-222", "hand-edited-value");
    std::fs::write(&file, &edited).unwrap();
    let r = p.sync(&["--check"]);
    assert_eq!(r.code, 1, "{}", text(&r));
    let out = text(&r);
    assert!(out.contains("vps-b: DRIFT"), "{out}");
    assert!(out.contains("changed  API_TOKEN"), "{out}");
    assert!(
        !out.contains("hand-edited-value") && !out.contains("token-b-222"),
        "{out}"
    );
    assert_eq!(p.read(&file), edited, "--check writes nothing");
}

#[test]
fn a_failing_restart_is_reported_with_the_target_name() {
    let p = Project::new();
    p.targets(p.sshd.port, "echo boom >&2; exit 3");
    let r = p.sync(&["vps-a"]);
    assert_eq!(r.code, 2, "{}", text(&r));
    let out = text(&r);
    assert!(out.contains("vps-a: FAILED"), "{out}");
    assert!(out.contains("exit status 3"), "{out}");
    assert!(out.contains("sync failed for: vps-a"), "{out}");
    assert!(
        !out.contains("boom"),
        "stderr only with --show-command-output: {out}"
    );
}

#[test]
fn a_connection_cut_during_upload_leaves_the_old_file() {
    let p = Project::new();
    assert_eq!(p.sync(&["vps-a"]).code, 0);
    let before = p.read(&p.remote("a/.env"));
    // A 2 MB value, and a link that drops after 1 MB from client to server.
    let big = "x".repeat(2 * 1024 * 1024);
    p.encrypt(
        "secrets/vps-a.sops.yaml",
        &format!("API_TOKEN: token-a-111\nBIG: {big}\n"), // secrets:allow
    );
    let proxy = CutProxy::start(p.sshd.port, 1024 * 1024);
    let known = format!(
        "{}\n{}\n",
        p.sshd.known_hosts_line(),
        p.sshd.known_hosts_line_for_port(proxy.port)
    );
    std::fs::write(p.root.join("secrets/known_hosts"), known).unwrap();
    p.targets(proxy.port, "echo restarted >> restarts.log");
    let r = p.sync(&["vps-a"]);
    assert_eq!(r.code, 2, "{}", text(&r));
    assert!(proxy.was_cut());
    assert!(text(&r).contains("vps-a"), "{}", text(&r));
    assert_eq!(p.read(&p.remote("a/.env")), before, "old file intact");
    assert_eq!(p.restarts("a"), 1, "no restart after a failed upload");
}

#[test]
fn dry_run_lists_keys_without_values_and_writes_nothing() {
    let p = Project::new();
    for format in ["human", "json"] {
        let r = p.sync(&["--dry-run", "--format", format]);
        assert_eq!(r.code, 0, "{}", text(&r));
        let out = text(&r);
        for secret in ["token-a-111", "token-b-222", "pa ss#word", "line one"] {
            assert!(!out.contains(secret), "{format}: {out}");
        }
        assert!(
            out.contains("API_TOKEN") && out.contains("DB_PASSWORD"),
            "{out}"
        );
    }
    assert!(!p.remote("a/.env").exists());
    assert!(!p.root.join("sent-API_TOKEN.txt").exists());
    let r = p.sync(&["--dry-run", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&r.stdout).unwrap();
    let a = &v["targets"][0];
    assert_eq!(a["target"], "vps-a");
    assert_eq!(a["status"], "would-change");
    assert_eq!(a["changes"][0]["change"], "added");
}

#[test]
fn command_target_gets_each_changed_value_on_stdin_once() {
    let p = Project::new();
    let r = p.sync(&["gh"]);
    assert_eq!(r.code, 0, "{}", text(&r));
    let sent = p.root.join("sent-API_TOKEN.txt");
    assert_eq!(p.read(&sent), "token-b-222");
    std::fs::remove_file(&sent).unwrap();
    let r = p.sync(&["gh"]);
    assert_eq!(r.code, 0, "{}", text(&r));
    assert!(!sent.exists(), "unchanged keys are not sent again");
    p.secrets(&[
        "set",
        "secrets/vps-b.sops.yaml",
        "[\"API_TOKEN\"]",
        "\"token-b-333\"",
    ]);
    let r = p.sync(&["gh"]);
    assert_eq!(r.code, 0, "{}", text(&r));
    assert_eq!(p.read(&sent), "token-b-333");
}

#[test]
fn render_writes_a_private_file_that_sh_reads_back() {
    let p = Project::new();
    let out = p.root.join("out.env");
    std::fs::write(&out, "old").unwrap();
    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o644)).unwrap();
    let r = p.secrets(&["render", "vps-a", "--output", "out.env"]);
    assert_eq!(r.code, 0, "{}", r.stderr_text());
    assert_eq!(mode(&out), 0o600);
    let sh = run(
        Path::new("/bin/sh"),
        &[
            "-c",
            "set -a; . ./out.env; printf '%s|%s|%s' \"$DB_PASSWORD\" \"$API_TOKEN\" \"$MULTI\"",
        ],
        &p.root,
        &[],
        None,
    );
    assert_eq!(
        String::from_utf8_lossy(&sh.stdout),
        "pa ss#word $HOME|token-a-111|line one\nline 'two'\n"
    );
    let r = p.secrets(&["render", "nope"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr_text().contains("vps-a, vps-b, gh"),
        "{}",
        r.stderr_text()
    );
}

/// The example in this repository (secrets/targets.yaml over secrets/shared.sops.yaml, TEST
/// keys) renders with either test identity, and the scanner accepts its plaintext files.
#[test]
fn repository_example_targets_render_with_the_test_keys() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    for key in ["alice.txt", "bob.txt"] {
        let r = run(
            &secrets(),
            &["render", "example-vps"],
            repo,
            &key_env(key),
            None,
        );
        assert_eq!(r.code, 0, "{}", r.stderr_text());
        let out = String::from_utf8(r.stdout).unwrap();
        assert!(
            out.contains("\nSMTP_PASSWORD=example-smtp-password\n"),
            "{out}"
        );
        assert!(
            out.contains("\nPUBLIC_BASE_URL=https://example.com\n"),
            "{out}"
        );
    }
    let r = run(&secrets(), &["scan", "secrets"], repo, &[], None);
    assert_eq!(r.code, 0, "{}", text(&r));
}
