//! Talking to a server over SSH: pinned host keys, atomic `0600` file replacement and remote
//! commands.
//!
//! One [`Remote`] is one authenticated `ssh2` (libssh2) session. It opens SFTP lazily for
//! [`Remote::read`] and [`Remote::write_atomic`], and exec channels for [`Remote::run`] and for
//! the few steps libssh2's SFTP cannot do (see `design/dependencies.md` §4: an SFTP rename over
//! an existing file fails, so the final replace is an exec `mv -f`).
//!
//! Rules this module keeps:
//! - **Host keys are pinned and checks fail closed.** Only a key found in the given
//!   known_hosts file is trusted. An unknown host is refused unless the caller asked to accept
//!   new keys; a changed key, or a known_hosts file that cannot be read, is always refused.
//! - **No value ever appears on a remote command line.** File contents travel only inside SFTP
//!   writes; exec command lines carry paths (each single-quoted by [`shell_quote`]) and the
//!   caller's own command.
//! - **A written file is never readable with a wider mode than asked, and the target stays
//!   untouched until the final rename.** See [`Remote::write_atomic`].
//! - **Nothing is printed.** Errors and outputs are returned; the caller prints.

use std::cell::Cell;
use std::fmt;
use std::fs;
use std::hash::{BuildHasher, Hasher};
use std::io::{self, Read, Write};
use std::marker::PhantomData;
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use sha2::{Digest, Sha256};
use ssh2::{
    CheckResult, ErrorCode, FileStat, KnownHostFileKind, OpenFlags, OpenType, Session, Sftp,
};
use zeroize::Zeroizing;

/// Marker in the names of our temporary files: `<dir>/.<name>.secrets-tmp-<16 hex digits>`.
pub const TEMP_MARKER: &str = ".secrets-tmp-";
/// Suffix of the previous version kept next to a replaced file (`<path>.prev`).
pub const PREV_SUFFIX: &str = ".prev";
/// [`Remote::run`] keeps at most this many bytes of each of stdout and stderr (the last ones).
pub const RUN_OUTPUT_LIMIT: usize = 64 * 1024;
/// How long [`Remote::run`] waits for a command that prints nothing, when this is longer than
/// [`Options::timeout`]: restart commands (`docker compose up -d`, `systemctl restart`) are often
/// silent for longer than a network timeout should be.
pub const RUN_SILENCE_LIMIT: Duration = Duration::from_secs(600);
/// The [`Options::timeout`] of [`Options::default`].
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

// SFTP status codes (libssh2 `LIBSSH2_FX_*`, from the SFTP v3 draft).
const FX_NO_SUCH_FILE: i32 = 2;
const FX_OP_UNSUPPORTED: i32 = 8;
// libssh2 session errors after which the connection is gone or in an unknown state: socket send,
// timeout, socket disconnected, socket timeout, socket recv, invalid MAC, decrypt, encrypt, bad
// socket (`LIBSSH2_ERROR_*`).
const TRANSPORT_ERRORS: [i32; 9] = [-7, -9, -13, -30, -43, -4, -12, -44, -45];
// Read buffer for SFTP reads and command output.
const CHUNK: usize = 32 * 1024;

/// Where to connect and which host keys to trust.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    /// Host name or address (an IPv6 address may be given with or without brackets).
    pub host: String,
    /// TCP port, usually 22.
    pub port: u16,
    /// Login user.
    pub user: String,
    /// The pinned OpenSSH known_hosts file (plain, hashed and `[host]:port` entries work). A
    /// missing file trusts nothing.
    pub known_hosts: PathBuf,
}

/// The keys to log in with, tried in this order: [`key_material`](Self::key_material), then
/// [`key_file`](Self::key_file), then ssh-agent (if [`use_agent`](Self::use_agent)).
///
/// Keys with a passphrase are not supported in memory or in a file; load them into ssh-agent.
#[derive(Clone, Default)]
pub struct AuthConfig {
    /// OpenSSH private key text (e.g. from `SECRETS_SSH_PRIVATE_KEY`), used through
    /// libssh2's in-memory public key authentication. CR characters are dropped and a final
    /// newline added. (`ssh2` hands libssh2 a C-string copy that is not zeroized.)
    pub key_material: Option<Zeroizing<String>>,
    /// A private key file (e.g. `--ssh-key` / `SECRETS_SSH_KEY`).
    pub key_file: Option<PathBuf>,
    /// Try the keys of the ssh-agent at `SSH_AUTH_SOCK`.
    pub use_agent: bool,
}

impl fmt::Debug for AuthConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthConfig")
            .field(
                "key_material",
                &self.key_material.as_ref().map(|_| "[REDACTED]"),
            )
            .field("key_file", &self.key_file)
            .field("use_agent", &self.use_agent)
            .finish()
    }
}

/// Connection behaviour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Options {
    /// Trust and record (append to the known_hosts file) the key of a host that file does not
    /// know yet. Never overrides a changed key.
    pub accept_new_host_key: bool,
    /// Bounds the TCP connect and every wait on the network afterwards (handshake, each SFTP
    /// request, each wait for command output; see [`RUN_SILENCE_LIMIT`]). Zero waits forever.
    /// Name resolution is not bounded.
    pub timeout: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            accept_new_host_key: false,
            timeout: DEFAULT_TIMEOUT,
        }
    }
}

/// What a remote command did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunOutput {
    /// Exit status; `128 + n` when killed by signal `n` (as shells report it), 255 for a signal
    /// this module does not know.
    pub status: i32,
    /// The last [`RUN_OUTPUT_LIMIT`] bytes of stdout, invalid UTF-8 replaced.
    pub stdout: String,
    /// The last [`RUN_OUTPUT_LIMIT`] bytes of stderr, invalid UTF-8 replaced.
    pub stderr: String,
}

/// Why an SSH operation failed. Messages say what to do; none contains key bytes or file
/// contents.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SshError {
    /// The TCP connection or the SSH handshake failed.
    #[error(
        "cannot connect to {host}:{port}: {reason} (check the host name and port, and that sshd \
         is running and reachable)"
    )]
    Connect {
        /// Host as given.
        host: String,
        /// Port as given.
        port: u16,
        /// What failed.
        reason: String,
    },
    /// The server's key is not in the known_hosts file (and new keys were not accepted).
    #[error(
        "the host key of {host}:{port} ({fingerprint}) is not in {kh}: add the key to {kh} \
         (ssh-keyscan -p {port} {host} and verify the fingerprint) or pass --accept-new-host-key",
        kh = .known_hosts.display()
    )]
    UnknownHost {
        /// Host as given.
        host: String,
        /// Port as given.
        port: u16,
        /// The key the server presented, as [`Remote::host_key_fingerprint`] formats it.
        fingerprint: String,
        /// The known_hosts file that was checked.
        known_hosts: PathBuf,
    },
    /// The known_hosts file has a different key for this host: refused, always.
    #[error(
        "the host key of {host}:{port} has CHANGED: the server presents {fingerprint}, which is \
         not the key pinned in {kh}; this can be a man-in-the-middle attack, so nothing was sent \
         (--accept-new-host-key does not override this). If the server was really reinstalled, \
         verify the new fingerprint out of band, remove the old entry (ssh-keygen -R '{entry}' \
         -f {kh}) and add the new one",
        kh = .known_hosts.display(),
        entry = known_hosts_name(.host, *.port)
    )]
    HostKeyChanged {
        /// Host as given.
        host: String,
        /// Port as given.
        port: u16,
        /// The key the server presented, as [`Remote::host_key_fingerprint`] formats it.
        fingerprint: String,
        /// The known_hosts file that was checked.
        known_hosts: PathBuf,
    },
    /// libssh2 cannot read or check the known_hosts file, or it is not a regular file: refused.
    #[error(
        "cannot use the known_hosts file {kh}: {reason} (it must be an OpenSSH known_hosts file; \
         plain, hashed and [host]:port entries are supported)",
        kh = .known_hosts.display()
    )]
    KnownHosts {
        /// The known_hosts file.
        known_hosts: PathBuf,
        /// What failed.
        reason: String,
    },
    /// No key was accepted.
    #[error(
        "cannot log in as {user} on {host}: {}; make sure the public key is in \
         ~{user}/.ssh/authorized_keys on the server, or give another key with --ssh-key or \
         SECRETS_SSH_PRIVATE_KEY (keys with a passphrase must be loaded into ssh-agent)",
        describe_tried(.tried)
    )]
    Auth {
        /// Login user.
        user: String,
        /// Host as given.
        host: String,
        /// Each key source tried and why it failed (never key bytes).
        tried: Vec<String>,
    },
    /// An operation on a remote path (or in a remote directory, for [`Remote::run`]) failed.
    #[error("{path} on the server: {reason}")]
    Remote {
        /// The remote path or directory.
        path: String,
        /// What failed, including a lost connection.
        reason: String,
    },
    /// A local file operation failed (reading or appending to the known_hosts file).
    #[error("local file {}: {source}", .path.display())]
    Io {
        /// The local file.
        path: PathBuf,
        /// The cause.
        source: io::Error,
    },
}

fn describe_tried(tried: &[String]) -> String {
    if tried.is_empty() {
        "no key was configured (pass --ssh-key, set SECRETS_SSH_PRIVATE_KEY or start ssh-agent)"
            .to_owned()
    } else {
        format!("tried {}", tried.join("; "))
    }
}

/// The host name as known_hosts writes it: `host` for port 22, `[host]:port` otherwise.
fn known_hosts_name(host: &str, port: u16) -> String {
    let bare = bare_host(host);
    if port == 22 {
        bare.to_owned()
    } else {
        format!("[{bare}]:{port}")
    }
}

/// `host` without the brackets of a bracketed IPv6 address.
fn bare_host(host: &str) -> &str {
    host.strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host)
}

/// Quotes `s` as one word for a POSIX shell: `'…'`, with each `'` written as `'\''`.
pub fn shell_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        if c == '\'' {
            out.push_str("'\\''");
        } else {
            out.push(c);
        }
    }
    out.push('\'');
    out
}

/// One authenticated SSH session, with an SFTP channel opened on first use.
///
/// Operations are blocking and bounded by [`Options::timeout`]. After a connection-level
/// failure (lost socket, timeout) every later operation fails at once: connect again.
///
/// `Send` but not `Sync`: one thread at a time ([`Remote::run`] switches the whole session to
/// non-blocking mode while it waits for output). Use one `Remote` per thread for parallel work.
pub struct Remote {
    session: Session,
    sftp: OnceLock<Sftp>,
    host: String,
    port: u16,
    fingerprint: String,
    timeout_ms: u32,
    broken: AtomicBool,
    not_sync: PhantomData<Cell<()>>,
}

impl fmt::Debug for Remote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Remote")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("fingerprint", &self.fingerprint)
            .finish_non_exhaustive()
    }
}

impl Remote {
    /// Connects, verifies the host key against `ep.known_hosts` and logs in.
    ///
    /// Host key policy: a key the file has for this host → continue; no key for this host (or
    /// no file) → [`SshError::UnknownHost`], unless `opts.accept_new_host_key`, which appends
    /// `[host]:port type base64` (`host` alone on port 22) to the file, creating it, and
    /// continues; a different key → [`SshError::HostKeyChanged`], always; a path that cannot be
    /// read or is not a regular file → [`SshError::KnownHosts`]. Lines libssh2 cannot parse are
    /// skipped by it, so they trust nothing. The host name is matched as given (no DNS
    /// canonicalisation); OpenSSH wildcard and negated patterns are not supported (they never
    /// match, so such hosts are refused).
    ///
    /// New keys are appended as one line rather than through libssh2's `write_file`, which
    /// rewrites the whole file and drops what it did not parse (comments, `@cert-authority`).
    pub fn connect(ep: &Endpoint, auth: &AuthConfig, opts: &Options) -> Result<Remote, SshError> {
        let connect_err = |reason: String| SshError::Connect {
            host: ep.host.clone(),
            port: ep.port,
            reason,
        };
        let tcp = tcp_connect(&ep.host, ep.port, opts.timeout).map_err(connect_err)?;
        let mut session =
            Session::new().map_err(|e| connect_err(format!("libssh2: {}", e.message())))?;
        let timeout_ms = duration_ms(opts.timeout);
        session.set_timeout(timeout_ms);
        session.set_tcp_stream(tcp);
        session
            .handshake()
            .map_err(|e| connect_err(format!("ssh handshake failed: {}", e.message())))?;
        let (key, kind) = match session.host_key() {
            Some((key, kind)) => (key.to_vec(), kind),
            None => return Err(connect_err("the server sent no host key".to_owned())),
        };
        let fingerprint = fingerprint(&key);
        verify_host_key(&session, ep, &key, kind, opts, &fingerprint)?;
        authenticate(&session, ep, auth)?;
        Ok(Remote {
            session,
            sftp: OnceLock::new(),
            host: ep.host.clone(),
            port: ep.port,
            fingerprint,
            timeout_ms,
            broken: AtomicBool::new(false),
            not_sync: PhantomData,
        })
    }

    /// File content, or None when it does not exist. Zeroizing because it holds secrets.
    ///
    /// "Does not exist" is the server's no-such-file answer, which also covers a missing parent
    /// directory. The buffer grows without leaving copies behind (old buffers are zeroized).
    pub fn read(&self, path: &str) -> Result<Option<Zeroizing<Vec<u8>>>, SshError> {
        let sftp = self.sftp(path)?;
        let mut file = match sftp.open(Path::new(path)) {
            Ok(file) => file,
            Err(e) if e.code() == ErrorCode::SFTP(FX_NO_SUCH_FILE) => return Ok(None),
            Err(e) => return Err(self.fail(path, "cannot open", e.message())),
        };
        // A size hint only: the file may change while we read. Capped so a bogus size cannot
        // make us allocate a lot up front.
        let hint = file
            .stat()
            .ok()
            .and_then(|st| st.size)
            .map_or(0, |n| n.min(16 << 20) as usize);
        let mut out = Zeroizing::new(Vec::with_capacity(hint + 1));
        let mut chunk = Zeroizing::new(vec![0u8; CHUNK]);
        loop {
            match file.read(&mut chunk) {
                Ok(0) => break,
                Ok(n) => extend_zeroizing(&mut out, &chunk[..n]),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(self.fail(path, "cannot read", e)),
            }
        }
        Ok(Some(out))
    }

    /// Atomically replaces `path` with `bytes`, file mode `mode` (at most `0o777`), optionally
    /// owned by `owner` / `group`.
    ///
    /// Steps:
    /// 1. `path` must not be a directory. Our stale temporary files for this name (left in the
    ///    same directory by dropped connections) are removed.
    /// 2. `<dir>/.<name>.secrets-tmp-<16 hex digits>` is created through SFTP with
    ///    CREATE|EXCLUSIVE|WRITE and `mode`, then `fchmod`ed to exactly `mode` (creation applies
    ///    the server's umask, which can only narrow it) before any byte is written. EXCLUSIVE
    ///    refuses an existing name, symlinks included, so the random part only needs to be
    ///    unique, not unpredictable.
    /// 3. All bytes are written, then fsynced with `fsync@openssh.com`. A server without that
    ///    extension gets an exec `sync -- TMP` (file-level in GNU coreutils ≥ 8.24), falling
    ///    back to a plain `sync`.
    /// 4. One exec script does the rest: `chown`/`chgrp` of the temporary file; if the target
    ///    exists, `ln -f -- PATH PATH.prev`; `mv -f -- TMP PATH`; then a best-effort
    ///    `sync -- DIR` so the rename itself is durable. A hard link is used for `.prev`
    ///    because it is the old file itself: same mode and owner, no copy that could exist
    ///    under a wider mode, and an existing `.prev` is replaced, never written into. If the
    ///    link cannot be made (a filesystem without hard links, or `fs.protected_hardlinks`
    ///    with a target owned by someone else), nothing is replaced.
    ///
    /// On any error the temporary file is removed if the connection still works; the target
    /// is untouched until the final `mv`. The login user needs to list and write the directory.
    /// A server without SFTP `fsetstat` keeps the creation mode (`mode` narrowed by its umask). A symlink at `path` is replaced by a regular file
    /// (the link itself is kept as `.prev`). Two concurrent writes of the same path are not
    /// supported: each removes the other's temporary file as stale.
    pub fn write_atomic(
        &self,
        path: &str,
        bytes: &[u8],
        mode: u32,
        owner: Option<&str>,
        group: Option<&str>,
    ) -> Result<(), SshError> {
        let (dir, name) = split_path(path).map_err(|reason| remote_err(path, reason))?;
        if mode & !0o777 != 0 {
            return Err(remote_err(
                path,
                format!("mode {mode:#o} has bits outside 0o777"),
            ));
        }
        for (what, value) in [("owner", owner), ("group", group)] {
            if let Some(v) = value {
                if v.is_empty() || v.contains(':') || v.contains('\0') {
                    return Err(remote_err(path, format!("invalid {what} name {v:?}")));
                }
            }
        }
        let sftp = self.sftp(path)?;
        let target_exists = match sftp.lstat(Path::new(path)) {
            Ok(st) if st.is_dir() => return Err(remote_err(path, "is a directory".to_owned())),
            Ok(_) => true,
            Err(e) if e.code() == ErrorCode::SFTP(FX_NO_SUCH_FILE) => false,
            Err(e) => return Err(self.fail(path, "cannot stat", e.message())),
        };
        let stem = temp_stem(dir, name);
        self.remove_stale_temps(sftp, dir, &stem, path)?;

        let tmp = format!("{stem}{TEMP_MARKER}{}", random_hex());
        let file = sftp
            .open_mode(
                Path::new(&tmp),
                OpenFlags::WRITE | OpenFlags::EXCLUSIVE,
                mode as i32,
                OpenType::File,
            )
            .map_err(|e| self.fail(&tmp, "cannot create the temporary file", e.message()))?;
        let result = self.fill_and_replace(
            file,
            &tmp,
            path,
            dir,
            bytes,
            mode,
            owner,
            group,
            target_exists,
        );
        if result.is_err() && !self.is_broken() {
            let _ = sftp.unlink(Path::new(&tmp));
        }
        result
    }

    /// Runs `command` with `sh -c` semantics in `dir` (`cd 'dir' && command`), returns exit
    /// status and captured stdout/stderr (truncate each to 64 KiB).
    ///
    /// The server gets `sh -c '<script>'`, the script being `cd -- 'dir' || exit` and then
    /// `command` on the next line, so the command runs under `sh` whatever the login shell
    /// (OpenSSH hands every exec command to the login shell, which must parse the single
    /// quotes). Stdin is closed at once. When `dir` does not exist the command does not run and
    /// the status is `sh`'s for the failed `cd`. Of each stream the last [`RUN_OUTPUT_LIMIT`]
    /// bytes are kept (errors are usually printed last). A command that prints nothing may take
    /// up to the longer of [`Options::timeout`] and [`RUN_SILENCE_LIMIT`].
    pub fn run(&self, dir: &str, command: &str) -> Result<RunOutput, SshError> {
        let script = format!("cd -- {} || exit\n{command}", shell_quote(dir));
        let silence = self.silence_limit().map(|t| t.max(RUN_SILENCE_LIMIT));
        self.exec(dir, &script, silence)
    }

    /// The server's host key fingerprint as OpenSSH prints it: `SHA256:<base64 without padding>`
    /// and the key type name.
    ///
    /// The format is `ssh-keygen -l`'s: `SHA256:… (ED25519)`.
    pub fn host_key_fingerprint(&self) -> String {
        self.fingerprint.clone()
    }

    /// The SFTP channel, opened on first use.
    fn sftp(&self, path: &str) -> Result<&Sftp, SshError> {
        if let Some(sftp) = self.sftp.get() {
            return Ok(sftp);
        }
        self.check_alive(path)?;
        let sftp = self
            .session
            .sftp()
            .map_err(|e| self.fail(path, "cannot start SFTP", e.message()))?;
        // Another thread may have won the race; theirs is kept and ours dropped.
        let _ = self.sftp.set(sftp);
        Ok(self.sftp.get().expect("just set"))
    }

    fn is_broken(&self) -> bool {
        if self.broken.load(Ordering::Relaxed) {
            return true;
        }
        let broken = matches!(
            ssh2::Error::last_session_error(&self.session).map(|e| e.code()),
            Some(ErrorCode::Session(code)) if TRANSPORT_ERRORS.contains(&code)
        );
        if broken {
            self.broken.store(true, Ordering::Relaxed);
        }
        broken
    }

    fn check_alive(&self, path: &str) -> Result<(), SshError> {
        if self.broken.load(Ordering::Relaxed) {
            Err(remote_err(
                path,
                format!(
                    "the connection to {}:{} was lost earlier; connect again",
                    self.host, self.port
                ),
            ))
        } else {
            Ok(())
        }
    }

    /// An [`SshError::Remote`] for `path`, saying so when the connection itself failed.
    fn fail(&self, path: &str, doing: &str, cause: impl fmt::Display) -> SshError {
        let reason = if self.is_broken() {
            format!(
                "{doing}: the connection to {}:{} was lost ({cause})",
                self.host, self.port
            )
        } else {
            format!("{doing}: {cause}")
        };
        remote_err(path, reason)
    }

    fn remove_stale_temps(
        &self,
        sftp: &Sftp,
        dir: &str,
        stem: &str,
        path: &str,
    ) -> Result<(), SshError> {
        let entries = match sftp.readdir(Path::new(dir)) {
            Ok(entries) => entries,
            Err(e) if e.code() == ErrorCode::SFTP(FX_NO_SUCH_FILE) => {
                return Err(remote_err(path, format!("directory {dir} does not exist")));
            }
            Err(e) => return Err(self.fail(dir, "cannot list the directory", e.message())),
        };
        let prefix = format!("{}{TEMP_MARKER}", file_name(stem));
        for (entry, st) in entries {
            let Some(entry_name) = entry.file_name().and_then(|n| n.to_str()) else {
                continue;
            };
            if entry_name.starts_with(&prefix) && !st.is_dir() {
                let stale = format!("{stem}{}", &entry_name[file_name(stem).len()..]);
                sftp.unlink(Path::new(&stale)).map_err(|e| {
                    self.fail(&stale, "cannot remove a stale temporary file", e.message())
                })?;
            }
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn fill_and_replace(
        &self,
        mut file: ssh2::File,
        tmp: &str,
        path: &str,
        dir: &str,
        bytes: &[u8],
        mode: u32,
        owner: Option<&str>,
        group: Option<&str>,
        target_exists: bool,
    ) -> Result<(), SshError> {
        let exact_mode = FileStat {
            size: None,
            uid: None,
            gid: None,
            perm: Some(mode),
            atime: None,
            mtime: None,
        };
        match file.setstat(exact_mode) {
            // Then the creation mode stays: the requested one narrowed by the server's umask.
            Err(e) if e.code() == ErrorCode::SFTP(FX_OP_UNSUPPORTED) => {}
            Err(e) => return Err(self.fail(tmp, "cannot set the mode", e.message())),
            Ok(()) => {}
        }
        file.write_all(bytes)
            .map_err(|e| self.fail(tmp, "cannot write", e))?;
        let synced = match file.fsync() {
            Ok(()) => true,
            Err(e) if e.code() == ErrorCode::SFTP(FX_OP_UNSUPPORTED) => false,
            Err(e) => return Err(self.fail(tmp, "cannot fsync", e.message())),
        };
        file.close()
            .map_err(|e| self.fail(tmp, "cannot close", e.message()))?;
        if !synced {
            let q = shell_quote(tmp);
            let out = self.exec(
                tmp,
                &format!("sync -- {q} 2>/dev/null || sync"),
                self.silence_limit(),
            )?;
            if out.status != 0 {
                return Err(remote_err(
                    tmp,
                    format!("sync failed: {}", out.stderr.trim()),
                ));
            }
        }

        let (qt, qp, qd) = (shell_quote(tmp), shell_quote(path), shell_quote(dir));
        let mut script = String::new();
        match (owner, group) {
            (Some(o), Some(g)) => script.push_str(&format!(
                "chown -- {} {qt} || exit 90\n",
                shell_quote(&format!("{o}:{g}"))
            )),
            (Some(o), None) => {
                script.push_str(&format!("chown -- {} {qt} || exit 90\n", shell_quote(o)))
            }
            (None, Some(g)) => {
                script.push_str(&format!("chgrp -- {} {qt} || exit 90\n", shell_quote(g)))
            }
            (None, None) => {}
        }
        if target_exists {
            let qprev = shell_quote(&format!("{path}{PREV_SUFFIX}"));
            script.push_str(&format!("ln -f -- {qp} {qprev} || exit 91\n"));
        }
        script.push_str(&format!(
            "mv -f -- {qt} {qp} || exit 92\nsync -- {qd} 2>/dev/null\nexit 0"
        ));
        let out = self.exec(path, &script, self.silence_limit())?;
        let stderr = out.stderr.trim();
        let reason = match out.status {
            0 => return Ok(()),
            90 => format!("cannot change the owner or group of the new file: {stderr}"),
            91 => format!("cannot keep the previous version as {path}{PREV_SUFFIX}: {stderr}"),
            92 => format!("cannot rename the temporary file over it: {stderr}"),
            n => format!("the replace script failed with status {n}: {stderr}"),
        };
        Err(remote_err(path, reason))
    }

    /// [`Options::timeout`], or None for no limit.
    fn silence_limit(&self) -> Option<Duration> {
        (self.timeout_ms != 0).then(|| Duration::from_millis(u64::from(self.timeout_ms)))
    }

    /// Runs `script` under `sh -c`; `context` names the path or directory for errors. Fails
    /// when the command prints nothing for longer than `silence` (None: wait forever).
    fn exec(
        &self,
        context: &str,
        script: &str,
        silence: Option<Duration>,
    ) -> Result<RunOutput, SshError> {
        self.check_alive(context)?;
        let failed = |doing: &str, cause: &dyn fmt::Display| self.fail(context, doing, cause);
        let mut channel = self
            .session
            .channel_session()
            .map_err(|e| failed("cannot open a channel", &e.message()))?;
        channel
            .exec(&format!("sh -c {}", shell_quote(script)))
            .map_err(|e| failed("cannot start the command", &e.message()))?;
        channel
            .send_eof()
            .map_err(|e| failed("cannot close the command's stdin", &e.message()))?;
        // Both streams must be drained together: libssh2 only widens the channel window when it
        // is read, so a blocking read of stdout stalls for good once unread stderr has filled
        // the window (measured: 3 MB on stderr). Non-blocking mode is the only way to wait on
        // both with ssh2's API.
        self.session.set_blocking(false);
        let collected = collect_output(&mut channel, silence);
        self.session.set_blocking(true);
        let (stdout, stderr) = collected.map_err(|e| {
            if e.kind() == io::ErrorKind::TimedOut {
                remote_err(context, e.to_string())
            } else {
                failed("cannot read the command's output", &e)
            }
        })?;
        channel
            .wait_close()
            .map_err(|e| failed("cannot finish the command", &e.message()))?;
        let mut status = channel
            .exit_status()
            .map_err(|e| failed("no exit status", &e.message()))?;
        if let Ok(signal) = channel.exit_signal() {
            if let Some(name) = signal.exit_signal {
                status = 128 + signal_number(&name).unwrap_or(127);
            }
        }
        Ok(RunOutput {
            status,
            stdout: String::from_utf8_lossy(&stdout).into_owned(),
            stderr: String::from_utf8_lossy(&stderr).into_owned(),
        })
    }
}

impl Drop for Remote {
    fn drop(&mut self) {
        // Close SFTP first: its shutdown talks to the server, which must still be there.
        drop(self.sftp.take());
        if !self.is_broken() {
            let _ = self.session.disconnect(None, "done", None);
        }
    }
}

fn remote_err(path: &str, reason: String) -> SshError {
    SshError::Remote {
        path: path.to_owned(),
        reason,
    }
}

/// Milliseconds for libssh2 (0 = no timeout), saturating.
fn duration_ms(d: Duration) -> u32 {
    u32::try_from(d.as_millis()).unwrap_or(u32::MAX)
}

fn tcp_connect(host: &str, port: u16, timeout: Duration) -> Result<TcpStream, String> {
    let addrs: Vec<SocketAddr> = (bare_host(host), port)
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve {host}: {e}"))?
        .collect();
    let mut last = format!("{host} resolves to no address");
    for addr in addrs {
        let attempt = if timeout.is_zero() {
            TcpStream::connect(addr)
        } else {
            TcpStream::connect_timeout(&addr, timeout)
        };
        match attempt {
            Ok(stream) => {
                stream
                    .set_nodelay(true)
                    .map_err(|e| format!("cannot set TCP_NODELAY: {e}"))?;
                return Ok(stream);
            }
            Err(e) => last = format!("{addr}: {e}"),
        }
    }
    Err(last)
}

/// `SHA256:<base64, no padding> (TYPE)`, as `ssh-keygen -l` prints it.
fn fingerprint(key: &[u8]) -> String {
    let digest = Sha256::digest(key);
    let b64 = base64::engine::general_purpose::STANDARD_NO_PAD.encode(digest);
    let name = key_type_name(key).unwrap_or("unknown");
    let short = match name {
        "ssh-ed25519" => "ED25519",
        "ssh-rsa" => "RSA",
        "ssh-dss" => "DSA",
        "sk-ssh-ed25519@openssh.com" => "ED25519-SK",
        "sk-ecdsa-sha2-nistp256@openssh.com" => "ECDSA-SK",
        n if n.starts_with("ecdsa-sha2-") => "ECDSA",
        n => n,
    };
    format!("SHA256:{b64} ({short})")
}

/// The algorithm name at the start of an SSH public key blob (`ssh-ed25519`, …).
fn key_type_name(key: &[u8]) -> Option<&str> {
    let len = u32::from_be_bytes(key.get(..4)?.try_into().ok()?) as usize;
    std::str::from_utf8(key.get(4..4 + len)?).ok()
}

fn verify_host_key(
    session: &Session,
    ep: &Endpoint,
    key: &[u8],
    kind: ssh2::HostKeyType,
    opts: &Options,
    fingerprint: &str,
) -> Result<(), SshError> {
    let kh_err = |reason: String| SshError::KnownHosts {
        known_hosts: ep.known_hosts.clone(),
        reason,
    };
    let mut known = session
        .known_hosts()
        .map_err(|e| kh_err(format!("libssh2: {}", e.message())))?;
    match fs::metadata(&ep.known_hosts) {
        // libssh2 reads a directory as an empty file; say what is wrong instead.
        Ok(meta) if !meta.is_file() => return Err(kh_err("not a regular file".to_owned())),
        Ok(_) => {
            known
                .read_file(&ep.known_hosts, KnownHostFileKind::OpenSSH)
                .map_err(|e| kh_err(e.message().to_owned()))?;
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => {
            return Err(SshError::Io {
                path: ep.known_hosts.clone(),
                source: e,
            })
        }
    }
    match known.check_port(bare_host(&ep.host), ep.port, key) {
        CheckResult::Match => Ok(()),
        CheckResult::Mismatch => Err(SshError::HostKeyChanged {
            host: ep.host.clone(),
            port: ep.port,
            fingerprint: fingerprint.to_owned(),
            known_hosts: ep.known_hosts.clone(),
        }),
        CheckResult::NotFound if opts.accept_new_host_key => append_known_host(ep, key, kind),
        CheckResult::NotFound => Err(SshError::UnknownHost {
            host: ep.host.clone(),
            port: ep.port,
            fingerprint: fingerprint.to_owned(),
            known_hosts: ep.known_hosts.clone(),
        }),
        CheckResult::Failure => Err(kh_err("libssh2 could not check the host key".to_owned())),
    }
}

/// Appends `name type base64` to the known_hosts file (created, mode 0644 under the umask, if
/// missing; a missing final newline is added first).
fn append_known_host(ep: &Endpoint, key: &[u8], kind: ssh2::HostKeyType) -> Result<(), SshError> {
    let path = &ep.known_hosts;
    let io_err = |path: &Path, source: io::Error| SshError::Io {
        path: path.to_path_buf(),
        source,
    };
    let Some(key_type) = key_type_name(key) else {
        return Err(SshError::KnownHosts {
            known_hosts: path.clone(),
            reason: format!("the server's {kind:?} host key is malformed, not recording it"),
        });
    };
    let b64 = base64::engine::general_purpose::STANDARD.encode(key);
    let mut line = format!("{} {key_type} {b64}\n", known_hosts_name(&ep.host, ep.port));
    match fs::read(path) {
        Ok(existing) if !existing.is_empty() && !existing.ends_with(b"\n") => line.insert(0, '\n'),
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                fs::create_dir_all(parent).map_err(|e| io_err(parent, e))?;
            }
        }
        Err(e) => return Err(io_err(path, e)),
    }
    let mut file = fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| io_err(path, e))?;
    // One write, so concurrent appenders cannot interleave within the line.
    file.write_all(line.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| io_err(path, e))
}

fn authenticate(session: &Session, ep: &Endpoint, auth: &AuthConfig) -> Result<(), SshError> {
    let mut tried = Vec::new();
    if let Some(material) = &auth.key_material {
        // libssh2's OpenSSH key parser wants LF line ends and a final newline; keys pasted into
        // CI variables often have neither.
        // Built in place, with room for the newline, so no reallocation leaves a copy behind.
        let mut text = Zeroizing::new(String::with_capacity(material.len() + 1));
        text.extend(material.chars().filter(|&c| c != '\r'));
        if !text.ends_with('\n') {
            text.push('\n');
        }
        let what = "the in-memory private key (SECRETS_SSH_PRIVATE_KEY)";
        match session.userauth_pubkey_memory(&ep.user, None, &text, None) {
            Ok(()) if session.authenticated() => return Ok(()),
            Ok(()) => tried.push(format!("{what}: not accepted")),
            Err(e) => tried.push(format!("{what}: {}", e.message())),
        }
    }
    if let Some(key_file) = &auth.key_file {
        let what = format!("key file {}", key_file.display());
        if !key_file.is_file() {
            tried.push(format!("{what}: not found"));
        } else {
            match session.userauth_pubkey_file(&ep.user, None, key_file, None) {
                Ok(()) if session.authenticated() => return Ok(()),
                Ok(()) => tried.push(format!("{what}: not accepted")),
                Err(e) => tried.push(format!("{what}: {}", e.message())),
            }
        }
    }
    if auth.use_agent {
        match agent_auth(session, &ep.user) {
            Ok(()) => return Ok(()),
            Err(reason) => tried.push(format!("ssh-agent: {reason}")),
        }
    }
    Err(SshError::Auth {
        user: ep.user.clone(),
        host: ep.host.clone(),
        tried,
    })
}

fn agent_auth(session: &Session, user: &str) -> Result<(), String> {
    if std::env::var_os("SSH_AUTH_SOCK").is_none() {
        return Err("SSH_AUTH_SOCK is not set".to_owned());
    }
    let mut agent = session.agent().map_err(|e| e.message().to_owned())?;
    agent
        .connect()
        .map_err(|e| format!("cannot connect: {}", e.message()))?;
    agent
        .list_identities()
        .map_err(|e| format!("cannot list keys: {}", e.message()))?;
    let identities = agent
        .identities()
        .map_err(|e| format!("cannot list keys: {}", e.message()))?;
    let mut result = Err(match identities.len() {
        0 => "no keys loaded".to_owned(),
        n => format!("none of its {n} keys was accepted"),
    });
    for identity in &identities {
        if agent.userauth(user, identity).is_ok() && session.authenticated() {
            result = Ok(());
            break;
        }
    }
    let _ = agent.disconnect();
    result
}

/// Splits a remote path into its directory and file name.
fn split_path(path: &str) -> Result<(&str, &str), String> {
    let (dir, name) = match path.rsplit_once('/') {
        Some(("", name)) => ("/", name),
        Some((dir, name)) => (dir, name),
        None => (".", path),
    };
    if name.is_empty() || name == "." || name == ".." {
        return Err("the path does not name a file".to_owned());
    }
    if path.contains('\0') {
        return Err("the path contains a NUL byte".to_owned());
    }
    Ok((dir, name))
}

/// `<dir>/.<name>`: the start of our temporary file names for `name`.
fn temp_stem(dir: &str, name: &str) -> String {
    if dir.ends_with('/') {
        format!("{dir}.{name}")
    } else {
        format!("{dir}/.{name}")
    }
}

fn file_name(path: &str) -> &str {
    path.rsplit_once('/').map_or(path, |(_, name)| name)
}

/// 16 hex digits, unique per call: a hash of the time, the process id and a counter, keyed by
/// std's per-process random `RandomState`.
fn random_hex() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.write_u32(std::process::id());
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    hasher.write_u128(nanos);
    format!("{:016x}", hasher.finish())
}

/// Appends `data`, reallocating by hand so no copy of the old contents is left un-zeroized.
fn extend_zeroizing(out: &mut Zeroizing<Vec<u8>>, data: &[u8]) {
    if out.capacity() - out.len() < data.len() {
        let wanted = (out.len() + data.len()).max(out.capacity() * 2);
        let mut bigger = Zeroizing::new(Vec::with_capacity(wanted));
        bigger.extend_from_slice(out);
        *out = bigger; // the old buffer is zeroized as it drops
    }
    out.extend_from_slice(data);
}

/// Reads a channel's stdout and stderr (non-blocking) until both reach EOF, keeping the last
/// [`RUN_OUTPUT_LIMIT`] bytes of each. Idle waits back off from 1 to 20 ms: ssh2 offers no way to
/// wait on the socket, and the added latency is small next to a remote command's run time.
fn collect_output(
    channel: &mut ssh2::Channel,
    silence: Option<Duration>,
) -> io::Result<(Vec<u8>, Vec<u8>)> {
    let mut stdout = Vec::new();
    let mut stderr = Vec::new();
    let (mut stdout_open, mut stderr_open) = (true, true);
    let mut chunk = vec![0u8; CHUNK];
    let mut last_progress = Instant::now();
    let mut nap = Duration::from_millis(1);
    while stdout_open || stderr_open {
        let mut progressed = false;
        for (open, kept, stream_id) in [
            (&mut stdout_open, &mut stdout, 0),
            (&mut stderr_open, &mut stderr, 1),
        ] {
            if !*open {
                continue;
            }
            match channel.stream(stream_id).read(&mut chunk) {
                Ok(0) => *open = false,
                Ok(n) => {
                    push_tail(kept, &chunk[..n]);
                    progressed = true;
                }
                Err(e)
                    if e.kind() == io::ErrorKind::WouldBlock
                        || e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        if progressed {
            last_progress = Instant::now();
            nap = Duration::from_millis(1);
            continue;
        }
        if let Some(limit) = silence {
            if last_progress.elapsed() > limit {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!(
                        "the command printed nothing for {} s and may still be running",
                        limit.as_secs()
                    ),
                ));
            }
        }
        std::thread::sleep(nap);
        nap = (nap * 2).min(Duration::from_millis(20));
    }
    trim_tail(&mut stdout);
    trim_tail(&mut stderr);
    Ok((stdout, stderr))
}

/// Appends `data`, dropping old bytes once well past [`RUN_OUTPUT_LIMIT`] (amortised).
fn push_tail(kept: &mut Vec<u8>, data: &[u8]) {
    kept.extend_from_slice(data);
    if kept.len() > 2 * RUN_OUTPUT_LIMIT {
        trim_tail(kept);
    }
}

/// Keeps the last [`RUN_OUTPUT_LIMIT`] bytes.
fn trim_tail(kept: &mut Vec<u8>) {
    if kept.len() > RUN_OUTPUT_LIMIT {
        kept.drain(..kept.len() - RUN_OUTPUT_LIMIT);
    }
}

/// Signal numbers (Linux) of the names SSH reports (`KILL`, `TERM`, …).
fn signal_number(name: &str) -> Option<i32> {
    Some(match name {
        "HUP" => 1,
        "INT" => 2,
        "QUIT" => 3,
        "ILL" => 4,
        "ABRT" => 6,
        "FPE" => 8,
        "KILL" => 9,
        "USR1" => 10,
        "SEGV" => 11,
        "USR2" => 12,
        "PIPE" => 13,
        "ALRM" => 14,
        "TERM" => 15,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_quote_single_quotes() {
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("it's"), "'it'\\''s'");
        assert_eq!(shell_quote(""), "''");
    }

    #[test]
    fn split_path_cases() {
        assert_eq!(split_path("/srv/app/.env"), Ok(("/srv/app", ".env")));
        assert_eq!(split_path("/.env"), Ok(("/", ".env")));
        assert_eq!(split_path(".env"), Ok((".", ".env")));
        assert!(split_path("/srv/app/").is_err());
        assert!(split_path("/srv/..").is_err());
        assert_eq!(temp_stem("/", ".env"), "/..env");
        assert_eq!(temp_stem("/srv", "x"), "/srv/.x");
    }

    #[test]
    fn known_hosts_name_brackets_non_default_ports() {
        assert_eq!(known_hosts_name("example.com", 22), "example.com");
        assert_eq!(known_hosts_name("127.0.0.1", 2222), "[127.0.0.1]:2222");
        assert_eq!(known_hosts_name("[::1]", 2222), "[::1]:2222");
    }

    #[test]
    fn fingerprint_formats_like_ssh_keygen() {
        let mut blob = Vec::new();
        blob.extend_from_slice(&11u32.to_be_bytes());
        blob.extend_from_slice(b"ssh-ed25519");
        blob.extend_from_slice(&32u32.to_be_bytes());
        blob.extend_from_slice(&[7u8; 32]);
        let fp = fingerprint(&blob);
        assert!(fp.starts_with("SHA256:"), "{fp}");
        assert!(fp.ends_with(" (ED25519)"), "{fp}");
        assert!(!fp.contains('='), "{fp}");
    }

    #[test]
    fn push_tail_keeps_the_end() {
        let data: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        let mut kept = Vec::new();
        for piece in data.chunks(1000) {
            push_tail(&mut kept, piece);
            assert!(kept.len() <= 2 * RUN_OUTPUT_LIMIT + 1000);
        }
        trim_tail(&mut kept);
        assert_eq!(kept, &data[data.len() - RUN_OUTPUT_LIMIT..]);
    }

    #[test]
    fn extend_zeroizing_grows() {
        let mut out = Zeroizing::new(Vec::with_capacity(1));
        for _ in 0..100 {
            extend_zeroizing(&mut out, b"abc");
        }
        assert_eq!(out.len(), 300);
    }

    #[test]
    fn random_hex_is_unique() {
        let a = random_hex();
        let b = random_hex();
        assert_eq!(a.len(), 16);
        assert_ne!(a, b);
    }

    #[test]
    fn auth_config_debug_redacts() {
        let auth = AuthConfig {
            key_material: Some(Zeroizing::new("-----BEGIN SECRET".to_owned())),
            ..AuthConfig::default()
        };
        assert!(!format!("{auth:?}").contains("BEGIN"));
    }
}
