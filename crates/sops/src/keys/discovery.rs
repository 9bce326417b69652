//! Finding the caller's age identities exactly where sops looks, and remembering every place
//! searched so a failure can say where we looked.
//!
//! sops joins ALL sources (it is not a precedence list): the SSH key file(s), `SOPS_AGE_KEY`,
//! `SOPS_AGE_KEY_FILE`, the output of `SOPS_AGE_KEY_CMD` (run once per recipient with
//! `SOPS_AGE_RECIPIENT` set), and `<config dir>/sops/age/keys.txt`.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use zeroize::Zeroizing;

use super::unwrap_with;
use crate::metadata::AgeKey;

/// Environment variable names sops uses.
pub const ENV_AGE_KEY: &str = "SOPS_AGE_KEY";
/// Path to an identity file.
pub const ENV_AGE_KEY_FILE: &str = "SOPS_AGE_KEY_FILE";
/// Command printing identities.
pub const ENV_AGE_KEY_CMD: &str = "SOPS_AGE_KEY_CMD";
/// Path to an SSH private key.
pub const ENV_AGE_SSH_PRIVATE_KEY_FILE: &str = "SOPS_AGE_SSH_PRIVATE_KEY_FILE";

/// Where identities may come from (read from the environment by [`KeySources::from_env`]).
#[derive(Clone, Debug, Default)]
pub struct KeySources {
    /// `SOPS_AGE_KEY` contents.
    pub age_key: Option<Zeroizing<String>>,
    /// `SOPS_AGE_KEY_FILE`.
    pub age_key_file: Option<PathBuf>,
    /// `SOPS_AGE_KEY_CMD`.
    pub age_key_cmd: Option<String>,
    /// `SOPS_AGE_SSH_PRIVATE_KEY_FILE`.
    pub ssh_key_file: Option<PathBuf>,
    /// The home directory (for `~/.ssh/id_*`).
    pub home: Option<PathBuf>,
    /// The user configuration directory (`$XDG_CONFIG_HOME` or `~/.config` on Linux).
    pub config_dir: Option<PathBuf>,
}

fn non_empty_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

impl KeySources {
    /// Reads the sops variables and the user directories from the process environment.
    pub fn from_env() -> Self {
        let home = non_empty_env("HOME").map(PathBuf::from);
        let config_dir = if cfg!(target_os = "macos") {
            non_empty_env("XDG_CONFIG_HOME")
                .map(PathBuf::from)
                .or_else(|| home.as_ref().map(|h| h.join("Library/Application Support")))
        } else if cfg!(windows) {
            non_empty_env("APPDATA").map(PathBuf::from)
        } else {
            non_empty_env("XDG_CONFIG_HOME")
                .map(PathBuf::from)
                .or_else(|| home.as_ref().map(|h| h.join(".config")))
        };
        KeySources {
            age_key: non_empty_env(ENV_AGE_KEY).map(Zeroizing::new),
            age_key_file: non_empty_env(ENV_AGE_KEY_FILE).map(PathBuf::from),
            age_key_cmd: non_empty_env(ENV_AGE_KEY_CMD),
            ssh_key_file: non_empty_env(ENV_AGE_SSH_PRIVATE_KEY_FILE).map(PathBuf::from),
            home,
            config_dir,
        }
    }

    /// `<config dir>/sops/age/keys.txt`.
    pub fn default_keys_file(&self) -> Option<PathBuf> {
        self.config_dir
            .as_ref()
            .map(|d| d.join("sops").join("age").join("keys.txt"))
    }
}

/// Runs `SOPS_AGE_KEY_CMD` (the binary supplies this; the library spawns nothing).
pub trait CommandRunner {
    /// Runs `command` with `SOPS_AGE_RECIPIENT=recipient` and returns its stdout.
    fn run(&self, command: &str, recipient: &str) -> Result<Zeroizing<Vec<u8>>, String>;
}

/// One place that was searched, and what happened there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SearchedPlace {
    /// The variable or path.
    pub place: String,
    /// `not set`, `not found`, `loaded 2 identities`, or an error.
    pub outcome: String,
}

type BoxedIdentity = Box<dyn age::Identity + Send + Sync>;

/// The identities available to this process.
pub struct IdentitySet {
    identities: Vec<BoxedIdentity>,
    searched: Vec<SearchedPlace>,
    command: Option<String>,
    runner: Option<Box<dyn CommandRunner>>,
}

impl std::fmt::Debug for IdentitySet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdentitySet")
            .field("identities", &self.identities.len())
            .field("searched", &self.searched)
            .finish_non_exhaustive()
    }
}

/// Parses identity text the way sops does: one identity per line, `#` comments and blank lines
/// skipped, CRLF tolerated.
pub fn parse_identities(text: &str) -> Result<Vec<BoxedIdentity>, String> {
    let mut out: Vec<BoxedIdentity> = Vec::new();
    for (n, raw) in text.split('\n').enumerate() {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if line.starts_with("AGE-PLUGIN-") {
            return Err(format!(
                "line {}: age plugin identities are not supported",
                n + 1
            ));
        }
        if line.starts_with("AGE-SECRET-KEY-PQ-1") {
            return Err(format!(
                "line {}: post-quantum identities are not supported",
                n + 1
            ));
        }
        if line.starts_with("AGE-SECRET-KEY-1") {
            let id = age::x25519::Identity::from_str(line)
                .map_err(|_| format!("line {}: malformed AGE-SECRET-KEY-1 identity", n + 1))?;
            out.push(Box::new(id));
            continue;
        }
        if line.starts_with("age-encryption.org") || line.starts_with("-----BEGIN AGE") {
            return Err("passphrase-protected identity files are not supported".into());
        }
        return Err(format!("line {}: unknown identity type", n + 1));
    }
    Ok(out)
}

fn load_ssh(path: &Path) -> Result<Option<BoxedIdentity>, String> {
    let bytes = match std::fs::read(path) {
        Ok(b) => Zeroizing::new(b),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.to_string()),
    };
    let identity = age::ssh::Identity::from_buffer(&bytes[..], Some(path.display().to_string()))
        .map_err(|e| format!("not a usable SSH private key ({e})"))?;
    match identity {
        age::ssh::Identity::Unencrypted(_) => Ok(Some(Box::new(identity))),
        age::ssh::Identity::Encrypted(_) => {
            Err("passphrase-protected SSH keys are not supported; use ssh-agent-free age keys or an unencrypted copy".into())
        }
        age::ssh::Identity::Unsupported(k) => Err(format!("unsupported SSH key type ({k:?})")),
    }
}

impl IdentitySet {
    /// Loads every static source now; `SOPS_AGE_KEY_CMD` runs later, once per recipient.
    pub fn load(sources: &KeySources, runner: Option<Box<dyn CommandRunner>>) -> IdentitySet {
        let mut set = IdentitySet {
            identities: Vec::new(),
            searched: Vec::new(),
            command: sources.age_key_cmd.clone(),
            runner,
        };
        // 1. SSH keys.
        match &sources.ssh_key_file {
            Some(p) => set.add_ssh(ENV_AGE_SSH_PRIVATE_KEY_FILE, p),
            None => set.note(ENV_AGE_SSH_PRIVATE_KEY_FILE, "not set"),
        }
        if let Some(home) = &sources.home {
            for name in ["id_ed25519", "id_rsa"] {
                let p = home.join(".ssh").join(name);
                set.add_ssh(&p.display().to_string(), &p);
            }
        }
        // 2. SOPS_AGE_KEY.
        match &sources.age_key {
            Some(text) => {
                let r = parse_identities(text);
                set.add(ENV_AGE_KEY, r);
            }
            None => set.note(ENV_AGE_KEY, "not set"),
        }
        // 3. SOPS_AGE_KEY_FILE.
        match &sources.age_key_file {
            Some(p) => set.add_file(&format!("{ENV_AGE_KEY_FILE}={}", p.display()), p),
            None => set.note(ENV_AGE_KEY_FILE, "not set"),
        }
        // 4. SOPS_AGE_KEY_CMD (lazy).
        match &sources.age_key_cmd {
            Some(cmd) => set.note(ENV_AGE_KEY_CMD, &format!("run per recipient: {cmd}")),
            None => set.note(ENV_AGE_KEY_CMD, "not set"),
        }
        // 5. The default keys file.
        if let Some(p) = sources.default_keys_file() {
            set.add_file(&p.display().to_string(), &p);
        }
        set
    }

    /// An identity set holding exactly these identities (tests, `--identity` style use).
    pub fn from_identities(identities: Vec<BoxedIdentity>) -> IdentitySet {
        IdentitySet {
            identities,
            searched: Vec::new(),
            command: None,
            runner: None,
        }
    }

    fn note(&mut self, place: &str, outcome: &str) {
        self.searched.push(SearchedPlace {
            place: place.to_string(),
            outcome: outcome.to_string(),
        });
    }

    fn add(&mut self, place: &str, result: Result<Vec<BoxedIdentity>, String>) {
        match result {
            Ok(ids) => {
                let n = ids.len();
                self.identities.extend(ids);
                self.note(
                    place,
                    &format!("loaded {n} identit{}", if n == 1 { "y" } else { "ies" }),
                );
            }
            Err(e) => self.note(place, &format!("error: {e}")),
        }
    }

    fn add_file(&mut self, place: &str, path: &Path) {
        match std::fs::read(path) {
            Ok(bytes) => {
                let bytes = Zeroizing::new(bytes);
                match std::str::from_utf8(&bytes) {
                    Ok(text) => {
                        let r = parse_identities(text);
                        self.add(place, r);
                    }
                    Err(_) => self.note(place, "error: not UTF-8 text"),
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => self.note(place, "not found"),
            Err(e) => self.note(place, &format!("error: {e}")),
        }
    }

    fn add_ssh(&mut self, place: &str, path: &Path) {
        match load_ssh(path) {
            Ok(Some(id)) => self.add(place, Ok(vec![id])),
            Ok(None) => self.note(place, "not found"),
            Err(e) => self.note(place, &format!("error: {e}")),
        }
    }

    /// Number of identities loaded from static sources.
    pub fn len(&self) -> usize {
        self.identities.len()
    }

    /// True when no static identity was found.
    pub fn is_empty(&self) -> bool {
        self.identities.is_empty()
    }

    /// The places searched, one per line.
    pub fn searched_report(&self) -> String {
        self.searched
            .iter()
            .map(|s| format!("  - {}: {}\n", s.place, s.outcome))
            .collect()
    }

    /// The places searched.
    pub fn searched(&self) -> &[SearchedPlace] {
        &self.searched
    }

    /// Decrypts one master key's armored block.
    pub fn unwrap(&mut self, key: &AgeKey) -> Result<Zeroizing<Vec<u8>>, String> {
        let mut extra: Vec<BoxedIdentity> = Vec::new();
        if let (Some(cmd), Some(runner)) = (&self.command, &self.runner) {
            match runner.run(cmd, &key.recipient).and_then(|out| {
                let text = std::str::from_utf8(&out)
                    .map_err(|_| "output is not UTF-8".to_string())?
                    .to_string();
                let text = Zeroizing::new(text);
                parse_identities(&text)
            }) {
                Ok(ids) => extra = ids,
                Err(e) => {
                    if self.identities.is_empty() {
                        return Err(format!("{ENV_AGE_KEY_CMD} failed: {e}"));
                    }
                }
            }
        }
        if self.identities.is_empty() && extra.is_empty() {
            return Err(
                "failed to load age identities: no identity found in any searched location".into(),
            );
        }
        if extra.is_empty() {
            return unwrap_with(&key.enc, &self.identities)
                .map_err(|e| describe_unwrap_error(&e, self.identities.len()));
        }
        let n = self.identities.len() + extra.len();
        let mut all: Vec<BoxedIdentity> = std::mem::take(&mut self.identities);
        let base = all.len();
        all.extend(extra);
        let result = unwrap_with(&key.enc, &all);
        all.truncate(base);
        self.identities = all;
        result.map_err(|e| describe_unwrap_error(&e, n))
    }
}

fn describe_unwrap_error(e: &str, tried: usize) -> String {
    if e.contains("No matching keys") || e.contains("no matching") {
        format!("none of the {tried} loaded identities matches this recipient")
    } else {
        format!("could not decrypt the data key block: {e}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_text_rules() {
        let id = age::x25519::Identity::generate();
        use age::secrecy::ExposeSecret;
        let line = id.to_string().expose_secret().to_string();
        let text = format!("# created\r\n\r\n{line}\r\n");
        assert_eq!(parse_identities(&text).unwrap().len(), 1);
        assert!(parse_identities(&format!(" {line}")).is_err());
        assert!(parse_identities("AGE-PLUGIN-YUBIKEY-1XYZ").is_err());
        assert!(parse_identities("garbage")
            .err()
            .unwrap()
            .contains("unknown identity type"));
    }

    #[test]
    fn load_records_every_place() {
        let dir = tempfile::tempdir().unwrap();
        let sources = KeySources {
            home: Some(dir.path().to_path_buf()),
            config_dir: Some(dir.path().join("cfg")),
            ..KeySources::default()
        };
        let set = IdentitySet::load(&sources, None);
        assert!(set.is_empty());
        let report = set.searched_report();
        for place in [
            ENV_AGE_SSH_PRIVATE_KEY_FILE,
            "id_ed25519",
            "id_rsa",
            ENV_AGE_KEY,
            ENV_AGE_KEY_FILE,
            ENV_AGE_KEY_CMD,
            "keys.txt",
        ] {
            assert!(report.contains(place), "{place} missing from {report}");
        }
    }
}
