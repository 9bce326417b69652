//! `secrets_deploy::ssh` against a real OpenSSH sshd ([`crate::sshd`]). The server is local, so
//! the files it writes are checked directly with `std::fs`.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use secrets_deploy::ssh::{AuthConfig, Endpoint, Options, Remote, SshError};
use zeroize::Zeroizing;

use crate::sshd::{keygen, CutProxy, Sshd};

fn endpoint(sshd: &Sshd, port: u16, known_hosts: &Path) -> Endpoint {
    Endpoint {
        host: "127.0.0.1".to_owned(),
        port,
        user: sshd.user.clone(),
        known_hosts: known_hosts.to_path_buf(),
    }
}

fn key_file_auth(sshd: &Sshd) -> AuthConfig {
    AuthConfig {
        key_file: Some(sshd.client_key.clone()),
        ..AuthConfig::default()
    }
}

fn options(accept_new_host_key: bool) -> Options {
    Options {
        accept_new_host_key,
        timeout: Duration::from_secs(20),
    }
}

/// Pins the server's key and logs in with the key file.
fn connect(sshd: &Sshd) -> Remote {
    let known_hosts = sshd.dir.join("known_hosts");
    sshd.write_known_hosts(&known_hosts);
    let ep = endpoint(sshd, sshd.port, &known_hosts);
    Remote::connect(&ep, &key_file_auth(sshd), &options(false))
        .unwrap_or_else(|e| panic!("connect: {e}\nsshd log:\n{}", sshd.log()))
}

/// A fresh directory for the files a test writes through the server.
fn data_dir(sshd: &Sshd) -> PathBuf {
    let dir = sshd.dir.join("data");
    fs::create_dir_all(&dir).unwrap();
    dir
}

fn remote_path(path: &Path) -> &str {
    path.to_str().unwrap()
}

fn mode(path: &Path) -> u32 {
    fs::symlink_metadata(path).unwrap().permissions().mode() & 0o7777
}

/// Our temporary files for `name` in `dir`.
fn temp_files(dir: &Path, name: &str) -> Vec<PathBuf> {
    let prefix = format!(".{name}.secrets-tmp-");
    let mut found: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
        .map(|e| e.path())
        .collect();
    found.sort();
    found
}

#[test]
fn connect_with_key_file() {
    let sshd = Sshd::start();
    let remote = connect(&sshd);
    assert_eq!(remote.host_key_fingerprint(), sshd.host_fingerprint());
}

#[test]
fn connect_with_key_material() {
    let sshd = Sshd::start();
    let known_hosts = sshd.dir.join("known_hosts");
    sshd.write_known_hosts(&known_hosts);
    // As a CI variable often holds it: CRLF line ends, no final newline.
    let text = sshd.client_key_text().trim_end().replace('\n', "\r\n");
    let auth = AuthConfig {
        key_material: Some(Zeroizing::new(text)),
        key_file: Some(sshd.dir.join("no-such-key")),
        use_agent: false,
    };
    let ep = endpoint(&sshd, sshd.port, &known_hosts);
    let remote = Remote::connect(&ep, &auth, &options(false))
        .unwrap_or_else(|e| panic!("connect: {e}\nsshd log:\n{}", sshd.log()));
    let out = remote.run("/", "echo in").unwrap();
    assert_eq!(out.stdout, "in\n");
}

#[test]
fn auth_failure_lists_what_was_tried() {
    let sshd = Sshd::start();
    let known_hosts = sshd.dir.join("known_hosts");
    sshd.write_known_hosts(&known_hosts);
    let stranger = sshd.dir.join("stranger_key");
    keygen(&stranger);
    let stranger_text = fs::read_to_string(&stranger).unwrap();
    let auth = AuthConfig {
        key_material: Some(Zeroizing::new(stranger_text.clone())),
        key_file: Some(sshd.dir.join("missing_key")),
        use_agent: false,
    };
    let ep = endpoint(&sshd, sshd.port, &known_hosts);
    let err = Remote::connect(&ep, &auth, &options(false)).unwrap_err();
    let SshError::Auth { tried, .. } = &err else {
        panic!("expected an auth error, got {err}");
    };
    assert_eq!(tried.len(), 2, "{tried:?}");
    let message = err.to_string();
    assert!(message.contains("in-memory private key"), "{message}");
    assert!(message.contains("missing_key: not found"), "{message}");
    assert!(message.contains("authorized_keys"), "{message}");
    let key_body = stranger_text.lines().nth(1).unwrap();
    assert!(!message.contains(key_body), "{message}");
    assert!(!format!("{err:?}").contains(key_body));

    let nothing = Remote::connect(&ep, &AuthConfig::default(), &options(false)).unwrap_err();
    assert!(
        nothing.to_string().contains("no key was configured"),
        "{nothing}"
    );
}

#[test]
fn unknown_host_is_refused() {
    let sshd = Sshd::start();
    let known_hosts = sshd.dir.join("pinned").join("known_hosts");
    let ep = endpoint(&sshd, sshd.port, &known_hosts);
    let err = Remote::connect(&ep, &key_file_auth(&sshd), &options(false)).unwrap_err();
    match &err {
        SshError::UnknownHost {
            fingerprint, port, ..
        } => {
            assert_eq!(*fingerprint, sshd.host_fingerprint());
            assert_eq!(*port, sshd.port);
        }
        other => panic!("expected UnknownHost, got {other}"),
    }
    let message = err.to_string();
    assert!(message.contains("SHA256:"), "{message}");
    assert!(
        message.contains(&format!("ssh-keyscan -p {} 127.0.0.1", sshd.port)),
        "{message}"
    );
    assert!(message.contains("--accept-new-host-key"), "{message}");
    assert!(!known_hosts.exists(), "nothing may be written");

    // An existing file without this host refuses too, and is left alone.
    fs::create_dir_all(known_hosts.parent().unwrap()).unwrap();
    fs::write(&known_hosts, "# pinned hosts\n").unwrap();
    let err = Remote::connect(&ep, &key_file_auth(&sshd), &options(false)).unwrap_err();
    assert!(matches!(err, SshError::UnknownHost { .. }), "{err}");
    assert_eq!(
        fs::read_to_string(&known_hosts).unwrap(),
        "# pinned hosts\n"
    );
}

#[test]
fn accept_new_host_key_appends_then_matches() {
    let sshd = Sshd::start();
    let known_hosts = sshd.dir.join("known_hosts");
    // A file without a final newline, with a comment that must survive.
    fs::write(&known_hosts, "# keep me").unwrap();
    let ep = endpoint(&sshd, sshd.port, &known_hosts);
    let remote = Remote::connect(&ep, &key_file_auth(&sshd), &options(true)).unwrap();
    drop(remote);
    let text = fs::read_to_string(&known_hosts).unwrap();
    assert_eq!(text, format!("# keep me\n{}\n", sshd.known_hosts_line()));

    // Now pinned: a strict connect matches, and nothing more is appended.
    let remote = Remote::connect(&ep, &key_file_auth(&sshd), &options(false)).unwrap();
    assert_eq!(remote.host_key_fingerprint(), sshd.host_fingerprint());
    drop(remote);
    let _ = Remote::connect(&ep, &key_file_auth(&sshd), &options(true)).unwrap();
    assert_eq!(fs::read_to_string(&known_hosts).unwrap(), text);

    // A missing file is created.
    let fresh = sshd.dir.join("new").join("known_hosts");
    let ep = endpoint(&sshd, sshd.port, &fresh);
    let _ = Remote::connect(&ep, &key_file_auth(&sshd), &options(true)).unwrap();
    assert_eq!(
        fs::read_to_string(&fresh).unwrap(),
        format!("{}\n", sshd.known_hosts_line())
    );
}

#[test]
fn changed_host_key_is_refused_even_with_accept_new() {
    let mut sshd = Sshd::start();
    let known_hosts = sshd.dir.join("known_hosts");
    sshd.write_known_hosts(&known_hosts);
    let before = fs::read_to_string(&known_hosts).unwrap();
    let ep = endpoint(&sshd, sshd.port, &known_hosts);
    drop(Remote::connect(&ep, &key_file_auth(&sshd), &options(false)).unwrap());

    sshd.restart_with_new_host_key();
    for accept_new in [false, true] {
        let err = Remote::connect(&ep, &key_file_auth(&sshd), &options(accept_new)).unwrap_err();
        match &err {
            SshError::HostKeyChanged { fingerprint, .. } => {
                assert_eq!(*fingerprint, sshd.host_fingerprint())
            }
            other => panic!("expected HostKeyChanged, got {other}"),
        }
        let message = err.to_string();
        assert!(
            message.contains(&format!("ssh-keygen -R '[127.0.0.1]:{}'", sshd.port)),
            "{message}"
        );
    }
    assert_eq!(fs::read_to_string(&known_hosts).unwrap(), before);
}

#[test]
fn unusable_known_hosts_grants_nothing() {
    let sshd = Sshd::start();
    // libssh2 skips lines it cannot parse: they trust nothing.
    let known_hosts = sshd.dir.join("known_hosts");
    fs::write(&known_hosts, "this is not a known_hosts line\n").unwrap();
    let ep = endpoint(&sshd, sshd.port, &known_hosts);
    let err = Remote::connect(&ep, &key_file_auth(&sshd), &options(false)).unwrap_err();
    assert!(matches!(err, SshError::UnknownHost { .. }), "{err}");
    // A known_hosts path that is a directory cannot be read (or appended to).
    let ep = endpoint(&sshd, sshd.port, &sshd.dir);
    for accept_new in [false, true] {
        let err = Remote::connect(&ep, &key_file_auth(&sshd), &options(accept_new)).unwrap_err();
        assert!(matches!(err, SshError::KnownHosts { .. }), "{err}");
    }
}

#[test]
fn connect_refused_port_is_a_connect_error() {
    let sshd = Sshd::start();
    let known_hosts = sshd.dir.join("known_hosts");
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let ep = endpoint(&sshd, port, &known_hosts);
    let err = Remote::connect(&ep, &key_file_auth(&sshd), &options(false)).unwrap_err();
    assert!(matches!(err, SshError::Connect { .. }), "{err}");
}

#[test]
fn read_missing_is_none() {
    let sshd = Sshd::start();
    let remote = connect(&sshd);
    let dir = data_dir(&sshd);
    assert!(remote
        .read(remote_path(&dir.join("absent.env")))
        .unwrap()
        .is_none());
    assert!(remote
        .read(remote_path(&dir.join("no-dir").join("x.env")))
        .unwrap()
        .is_none());
    fs::write(dir.join("present.env"), b"A=1\n").unwrap();
    let got = remote
        .read(remote_path(&dir.join("present.env")))
        .unwrap()
        .unwrap();
    assert_eq!(&got[..], b"A=1\n");
}

#[test]
fn write_atomic_creates_file_with_mode() {
    let sshd = Sshd::start();
    let remote = connect(&sshd);
    let dir = data_dir(&sshd);
    let target = dir.join("app.env");
    let bytes: Vec<u8> = (0..100_000u32).map(|i| (i % 253) as u8).collect();
    remote
        .write_atomic(remote_path(&target), &bytes, 0o600, None, None)
        .unwrap();
    assert_eq!(fs::read(&target).unwrap(), bytes);
    assert_eq!(mode(&target), 0o600);
    assert!(!dir.join("app.env.prev").exists());
    assert!(temp_files(&dir, "app.env").is_empty());
    let back = remote.read(remote_path(&target)).unwrap().unwrap();
    assert_eq!(&back[..], &bytes[..]);

    // Another mode is applied exactly (not narrowed by the server's umask, never wider).
    let other = dir.join("group.env");
    remote
        .write_atomic(remote_path(&other), b"G=1\n", 0o640, None, None)
        .unwrap();
    assert_eq!(mode(&other), 0o640);
    assert!(remote
        .write_atomic(remote_path(&other), b"x", 0o4755, None, None)
        .is_err());
}

#[test]
fn write_atomic_keeps_prev() {
    let sshd = Sshd::start();
    let remote = connect(&sshd);
    let dir = data_dir(&sshd);
    let target = dir.join("app.env");
    let path = remote_path(&target);
    remote
        .write_atomic(path, b"V=1\n", 0o600, None, None)
        .unwrap();
    remote
        .write_atomic(path, b"V=2\n", 0o600, None, None)
        .unwrap();
    let prev = dir.join("app.env.prev");
    assert_eq!(fs::read(&target).unwrap(), b"V=2\n");
    assert_eq!(fs::read(&prev).unwrap(), b"V=1\n");
    assert_eq!(mode(&target), 0o600);
    assert_eq!(mode(&prev), 0o600);

    // A third write replaces .prev; an old .prev with a wide mode is replaced, not written into.
    fs::set_permissions(&prev, fs::Permissions::from_mode(0o644)).unwrap();
    remote
        .write_atomic(path, b"V=3\n", 0o600, None, None)
        .unwrap();
    assert_eq!(fs::read(&prev).unwrap(), b"V=2\n");
    assert_eq!(mode(&prev), 0o600);
    assert_eq!(fs::read(&target).unwrap(), b"V=3\n");
    assert!(temp_files(&dir, "app.env").is_empty());
    let names: Vec<String> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

#[test]
fn write_atomic_quotes_paths_and_sets_owner() {
    let sshd = Sshd::start();
    let remote = connect(&sshd);
    let dir = data_dir(&sshd).join("it's a dir; $(touch pwned)");
    fs::create_dir_all(&dir).unwrap();
    let target = dir.join("my app's .env");
    let path = remote_path(&target);
    let group = String::from_utf8(
        std::process::Command::new("id")
            .arg("-gn")
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap()
    .trim()
    .to_owned();
    remote
        .write_atomic(path, b"Q=1\n", 0o600, Some(&sshd.user), Some(&group))
        .unwrap();
    remote
        .write_atomic(path, b"Q=2\n", 0o600, None, Some(&group))
        .unwrap();
    assert_eq!(fs::read(&target).unwrap(), b"Q=2\n");
    assert_eq!(fs::read(dir.join("my app's .env.prev")).unwrap(), b"Q=1\n");
    assert!(!dir.join("pwned").exists());
    assert!(!data_dir(&sshd).join("pwned").exists());
    assert!(temp_files(&dir, "my app's .env").is_empty());

    let err = remote
        .write_atomic(path, b"Q=3\n", 0o600, Some("no-such-user-xyz"), None)
        .unwrap_err();
    assert!(err.to_string().contains("owner"), "{err}");
    assert_eq!(fs::read(&target).unwrap(), b"Q=2\n");
    assert!(temp_files(&dir, "my app's .env").is_empty());
}

#[test]
fn write_atomic_refuses_a_directory_target() {
    let sshd = Sshd::start();
    let remote = connect(&sshd);
    let dir = data_dir(&sshd);
    fs::create_dir(dir.join("sub")).unwrap();
    let err = remote
        .write_atomic(remote_path(&dir.join("sub")), b"x", 0o600, None, None)
        .unwrap_err();
    assert!(err.to_string().contains("is a directory"), "{err}");
    let err = remote
        .write_atomic(
            remote_path(&dir.join("none").join("x")),
            b"x",
            0o600,
            None,
            None,
        )
        .unwrap_err();
    assert!(err.to_string().contains("does not exist"), "{err}");
}

#[test]
fn run_returns_status_output_and_runs_in_dir() {
    let sshd = Sshd::start();
    let remote = connect(&sshd);
    let dir = data_dir(&sshd);
    let out = remote
        .run(remote_path(&dir), "pwd; echo oops >&2; touch here; exit 3")
        .unwrap();
    assert_eq!(out.status, 3);
    assert_eq!(
        out.stdout.trim_end(),
        fs::canonicalize(&dir).unwrap().to_str().unwrap()
    );
    assert_eq!(out.stderr, "oops\n");
    assert!(dir.join("here").exists());

    let ok = remote.run(remote_path(&dir), "true").unwrap();
    assert_eq!((ok.status, ok.stdout.as_str()), (0, ""));
}

#[test]
fn run_failing_command_returns_its_status() {
    let sshd = Sshd::start();
    let remote = connect(&sshd);
    let out = remote.run("/", "false").unwrap();
    assert_eq!(out.status, 1);
    let out = remote.run("/", "no-such-command-xyz").unwrap();
    assert_eq!(out.status, 127);
    assert!(out.stderr.contains("not found"), "{}", out.stderr);
    // A missing directory: the command does not run.
    let out = remote.run("/no/such/dir", "echo ran").unwrap();
    assert_ne!(out.status, 0);
    assert!(!out.stdout.contains("ran"));
    // Killed by a signal: 128 + n.
    let out = remote.run("/", "kill -KILL $$").unwrap();
    assert_eq!(out.status, 137);
    // The session is still usable afterwards.
    assert_eq!(remote.run("/", "echo ok").unwrap().stdout, "ok\n");
}

#[test]
fn run_truncates_large_output_to_its_tail() {
    let sshd = Sshd::start();
    let remote = connect(&sshd);
    // 3 MB on stderr while stdout is read first: more than the channel window.
    let out = remote
        .run(
            "/",
            "head -c 3000000 /dev/zero | tr '\\0' x >&2; echo end >&2; \
             head -c 200000 /dev/zero | tr '\\0' y; echo last",
        )
        .unwrap();
    assert_eq!(out.status, 0);
    assert_eq!(out.stderr.len(), 64 * 1024);
    assert!(
        out.stderr.ends_with("xxxend\n"),
        "{:?}",
        &out.stderr[out.stderr.len() - 10..]
    );
    assert_eq!(out.stdout.len(), 64 * 1024);
    assert!(out.stdout.ends_with("yyylast\n"));
    assert!(out.stdout.starts_with("yyy"));
}

#[test]
fn cut_connection_mid_upload_leaves_target_untouched() {
    let sshd = Sshd::start();
    let dir = data_dir(&sshd);
    let target = dir.join("app.env");
    let old: Vec<u8> = b"OLD=1\n".repeat(1000);
    fs::write(&target, &old).unwrap();
    fs::set_permissions(&target, fs::Permissions::from_mode(0o600)).unwrap();

    let proxy = CutProxy::start(sshd.port, 1_000_000);
    let known_hosts = sshd.dir.join("known_hosts_proxy");
    fs::write(
        &known_hosts,
        format!("{}\n", sshd.known_hosts_line_for_port(proxy.port)),
    )
    .unwrap();
    let ep = endpoint(&sshd, proxy.port, &known_hosts);
    let remote = Remote::connect(&ep, &key_file_auth(&sshd), &options(false)).unwrap();
    let payload: Vec<u8> = (0..2_000_000u32).map(|i| (i % 241) as u8).collect();
    let err = remote
        .write_atomic(remote_path(&target), &payload, 0o600, None, None)
        .unwrap_err();
    assert!(proxy.was_cut());
    assert!(matches!(err, SshError::Remote { .. }), "{err}");
    // Later operations on the dead session fail at once.
    assert!(remote.run("/", "true").is_err());
    drop(remote);

    assert_eq!(fs::read(&target).unwrap(), old, "target must be untouched");
    assert!(!dir.join("app.env.prev").exists());
    // The half-written temporary file stays behind (no one could remove it) but is 0600.
    let stale = temp_files(&dir, "app.env");
    assert_eq!(stale.len(), 1, "{stale:?}");
    for tmp in &stale {
        assert_eq!(mode(tmp), 0o600, "{}", tmp.display());
    }

    // The next write, on a working connection, removes it.
    let remote = connect(&sshd);
    remote
        .write_atomic(remote_path(&target), &payload, 0o600, None, None)
        .unwrap();
    assert_eq!(fs::read(&target).unwrap(), payload);
    assert_eq!(fs::read(dir.join("app.env.prev")).unwrap(), old);
    assert!(temp_files(&dir, "app.env").is_empty());
}

#[test]
fn stale_temp_files_are_removed_by_the_next_write() {
    let sshd = Sshd::start();
    let remote = connect(&sshd);
    let dir = data_dir(&sshd);
    let stale = dir.join(".app.env.secrets-tmp-0123456789abcdef");
    let stranger = dir.join(".other.env.secrets-tmp-0123456789abcdef");
    for f in [&stale, &stranger] {
        fs::write(f, b"half").unwrap();
        fs::set_permissions(f, fs::Permissions::from_mode(0o600)).unwrap();
    }
    remote
        .write_atomic(
            remote_path(&dir.join("app.env")),
            b"A=1\n",
            0o600,
            None,
            None,
        )
        .unwrap();
    assert!(!stale.exists());
    assert!(
        stranger.exists(),
        "another file's temporary file is not ours to remove"
    );
    assert_eq!(fs::read(dir.join("app.env")).unwrap(), b"A=1\n");
}
