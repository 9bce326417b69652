//! Test fixtures for SSH: a real OpenSSH `sshd` on 127.0.0.1, and [`CutProxy`], a TCP forwarder
//! that drops a connection after a given number of bytes (a dropped connection made with real
//! components, so the product needs no fault-injection code).
//!
//! Every [`Sshd`] has its own temporary directory (keys, config, pid file, log) and its own port,
//! so tests can run in parallel. Dropping it kills the server.

use std::fs;
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// sshd must be started by absolute path (it re-executes itself).
const SSHD: &str = "/usr/sbin/sshd";
/// How long a started sshd may take to listen.
const READY_TIMEOUT: Duration = Duration::from_secs(5);

/// A running OpenSSH server that accepts [`Sshd::client_key`] for [`Sshd::user`].
pub struct Sshd {
    /// The port on 127.0.0.1.
    pub port: u16,
    /// Temporary root: keys, config, log; tests put their files under it too.
    pub dir: PathBuf,
    /// The host public key, `ssh-ed25519 AAAA…` (no comment).
    pub host_pub: String,
    /// The client's private key file (its public key is authorized).
    pub client_key: PathBuf,
    /// The login user: the current user (root in CI).
    pub user: String,
    config: PathBuf,
    child: Child,
    _tmp: tempfile::TempDir,
}

impl Sshd {
    /// Generates keys and a config, starts sshd on a free port and waits until it listens.
    pub fn start() -> Sshd {
        let tmp = tempfile::tempdir().expect("temp dir");
        let dir = tmp.path().to_path_buf();
        ensure_privsep_dir();
        let host_key = dir.join("host_key");
        let client_key = dir.join("client_key");
        keygen(&host_key);
        keygen(&client_key);
        fs::copy(pub_path(&client_key), dir.join("authorized_keys")).expect("authorized_keys");
        let host_pub = read_pub(&host_key);
        let user = command_output("id", &["-un"]);
        let config = dir.join("sshd_config");

        let mut last_log = String::new();
        for _ in 0..20 {
            let port = free_port();
            write_config(&config, &dir, port);
            let mut child = spawn_sshd(&config, &dir);
            if wait_ready(&mut child, &dir, port) {
                return Sshd {
                    port,
                    dir,
                    host_pub,
                    client_key,
                    user,
                    config,
                    child,
                    _tmp: tmp,
                };
            }
            let _ = child.kill();
            let _ = child.wait();
            // Most likely another process took the port between our probe and sshd's bind.
            last_log = fs::read_to_string(dir.join("sshd.log")).unwrap_or_default();
        }
        panic!("sshd did not start; its log:\n{last_log}");
    }

    /// Stops the server, gives it a new host key and starts it again on the same port (a
    /// "reinstalled server", or a man in the middle).
    pub fn restart_with_new_host_key(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let host_key = self.dir.join("host_key");
        fs::remove_file(&host_key).expect("remove host key");
        fs::remove_file(pub_path(&host_key)).expect("remove host key");
        keygen(&host_key);
        self.host_pub = read_pub(&host_key);
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            let mut child = spawn_sshd(&self.config, &self.dir);
            if wait_ready(&mut child, &self.dir, self.port) {
                self.child = child;
                return;
            }
            let _ = child.kill();
            let _ = child.wait();
            assert!(
                Instant::now() < deadline,
                "sshd did not restart on port {}: {}",
                self.port,
                fs::read_to_string(self.dir.join("sshd.log")).unwrap_or_default()
            );
            thread::sleep(Duration::from_millis(100));
        }
    }

    /// `[127.0.0.1]:PORT ssh-ed25519 AAAA…` for this server's port.
    pub fn known_hosts_line(&self) -> String {
        self.known_hosts_line_for_port(self.port)
    }

    /// This server's key as known_hosts would pin it for `port` (e.g. a proxy in front of it).
    pub fn known_hosts_line_for_port(&self, port: u16) -> String {
        format!("[127.0.0.1]:{port} {}", self.host_pub)
    }

    /// Writes a known_hosts file holding just [`Sshd::known_hosts_line`].
    pub fn write_known_hosts(&self, path: &Path) {
        fs::write(path, format!("{}\n", self.known_hosts_line())).expect("write known_hosts");
    }

    /// The client's private key (OpenSSH format).
    pub fn client_key_text(&self) -> String {
        fs::read_to_string(&self.client_key).expect("read client key")
    }

    /// The host key's fingerprint as `ssh-keygen -l` prints it, without bits and comment:
    /// `SHA256:… (ED25519)`.
    pub fn host_fingerprint(&self) -> String {
        let line = command_output(
            "ssh-keygen",
            &[
                "-l",
                "-E",
                "sha256",
                "-f",
                pub_path(&self.dir.join("host_key")).to_str().unwrap(),
            ],
        );
        let fields: Vec<&str> = line.split_whitespace().collect();
        format!("{} {}", fields[1], fields[fields.len() - 1])
    }

    /// sshd's log so far (LogLevel ERROR), for assertion messages.
    pub fn log(&self) -> String {
        fs::read_to_string(self.dir.join("sshd.log")).unwrap_or_default()
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Generates an unencrypted ed25519 key pair at `path` and `path.pub`.
pub fn keygen(path: &Path) {
    let status = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "secrets-test", "-f"])
        .arg(path)
        .stdin(Stdio::null())
        .status()
        .expect("run ssh-keygen");
    assert!(status.success(), "ssh-keygen failed for {}", path.display());
}

fn pub_path(key: &Path) -> PathBuf {
    let mut p = key.as_os_str().to_owned();
    p.push(".pub");
    PathBuf::from(p)
}

/// `type base64` of a public key file (the comment dropped).
fn read_pub(key: &Path) -> String {
    let text = fs::read_to_string(pub_path(key)).expect("read public key");
    let fields: Vec<&str> = text.split_whitespace().collect();
    format!("{} {}", fields[0], fields[1])
}

fn command_output(program: &str, args: &[&str]) -> String {
    let out = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("run {program}: {e}"));
    assert!(out.status.success(), "{program} {args:?} failed");
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// As root, sshd needs its privilege-separation directory (root-owned, not group/world
/// writable); Debian creates it only when the service starts.
fn ensure_privsep_dir() {
    if command_output("id", &["-u"]) != "0" {
        return;
    }
    let dir = Path::new("/run/sshd");
    if !dir.is_dir() {
        let _ = fs::create_dir_all(dir);
    }
    use std::os::unix::fs::PermissionsExt;
    let _ = fs::set_permissions(dir, fs::Permissions::from_mode(0o755));
}

/// A port that was free a moment ago (bind port 0, read it, release it).
fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().unwrap().port()
}

fn write_config(config: &Path, dir: &Path, port: u16) {
    let d = dir.display();
    let text = format!(
        "ListenAddress 127.0.0.1:{port}\n\
         HostKey {d}/host_key\n\
         AuthorizedKeysFile {d}/authorized_keys\n\
         PidFile {d}/sshd.pid\n\
         PasswordAuthentication no\n\
         KbdInteractiveAuthentication no\n\
         PubkeyAuthentication yes\n\
         StrictModes no\n\
         UsePAM no\n\
         PermitRootLogin prohibit-password\n\
         Subsystem sftp internal-sftp\n\
         LogLevel ERROR\n"
    );
    fs::write(config, text).expect("write sshd_config");
}

fn spawn_sshd(config: &Path, dir: &Path) -> Child {
    let _ = fs::remove_file(dir.join("sshd.pid"));
    let log = fs::File::create(dir.join("sshd.log")).expect("create sshd.log");
    Command::new(SSHD)
        .args(["-D", "-e", "-f"])
        .arg(config)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("start /usr/sbin/sshd")
}

/// True once *our* sshd listens: it writes its pid file only after binding, so a connection
/// to the port cannot be to some other process that took it.
fn wait_ready(child: &mut Child, dir: &Path, port: u16) -> bool {
    let deadline = Instant::now() + READY_TIMEOUT;
    let pid_file = dir.join("sshd.pid");
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return false;
        }
        let ours = fs::read_to_string(&pid_file)
            .ok()
            .and_then(|s| s.trim().parse::<u32>().ok())
            == Some(child.id());
        if ours && TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return true;
        }
        thread::sleep(Duration::from_millis(20));
    }
    false
}

/// A TCP forwarder `127.0.0.1:port` → `127.0.0.1:target` that, once it has forwarded
/// `cut_after` bytes from client to server on a connection, closes both directions of it.
pub struct CutProxy {
    /// The port to connect to instead of the server's.
    pub port: u16,
    stop: Arc<AtomicBool>,
    cut: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
}

impl CutProxy {
    /// Starts forwarding to `target_port`.
    pub fn start(target_port: u16, cut_after: usize) -> CutProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind proxy");
        let port = listener.local_addr().unwrap().port();
        listener.set_nonblocking(true).unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let cut = Arc::new(AtomicBool::new(false));
        let (stop2, cut2) = (stop.clone(), cut.clone());
        let accept = thread::spawn(move || {
            while !stop2.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((client, _)) => {
                        let cut = cut2.clone();
                        thread::spawn(move || forward(client, target_port, cut_after, &cut));
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                        thread::sleep(Duration::from_millis(10))
                    }
                    Err(_) => break,
                }
            }
        });
        CutProxy {
            port,
            stop,
            cut,
            accept: Some(accept),
        }
    }

    /// Whether some connection was cut.
    pub fn was_cut(&self) -> bool {
        self.cut.load(Ordering::SeqCst)
    }
}

impl Drop for CutProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
    }
}

fn forward(client: TcpStream, target_port: u16, limit: usize, cut: &AtomicBool) {
    let _ = client.set_nonblocking(false);
    let Ok(server) = TcpStream::connect(("127.0.0.1", target_port)) else {
        return;
    };
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let (mut from_server, mut to_client) =
        (server.try_clone().unwrap(), client.try_clone().unwrap());
    let back = thread::spawn(move || {
        let _ = io::copy(&mut from_server, &mut to_client);
        let _ = to_client.shutdown(Shutdown::Both);
        let _ = from_server.shutdown(Shutdown::Both);
    });
    let (mut from_client, mut to_server) = (client, server);
    let mut sent = 0usize;
    let mut buf = vec![0u8; 16 * 1024];
    while sent < limit {
        let n = match from_client.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let take = n.min(limit - sent);
        if to_server.write_all(&buf[..take]).is_err() {
            break;
        }
        sent += take;
        if sent >= limit {
            cut.store(true, Ordering::SeqCst);
        }
    }
    let _ = from_client.shutdown(Shutdown::Both);
    let _ = to_server.shutdown(Shutdown::Both);
    let _ = back.join();
}
