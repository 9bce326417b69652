//! `secrets log`: the rotation log, read from the git history of the encrypted files.
//!
//! Glue only: the walk is `secrets_audit::history`, the formats and the `--write` merge are
//! `secrets_audit::log`. This module opens the repository, maps PATH arguments to
//! repository-relative paths and, with `--decrypt`, fingerprints plaintexts with the caller's
//! identities.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};
use std::sync::mpsc;

use anyhow::anyhow;
use secrets_audit::error::AuditError;
use secrets_audit::history::{self, leaves, Decryptor, FileEvent, WalkOptions};
use secrets_audit::log::{self as rotation, Format, SyncConfirmations};
use secrets_sops::cipher::plaintext_of;
use secrets_sops::file::open_read_only;
use secrets_sops::keys::IdentitySet;
use secrets_sops::store::{Format as StoreFormat, Store};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::cli::LogArgs;
use crate::cmd::context::Context;
use crate::report::{warn, Failure};

/// Exit code for every error of this verb (bad date or format, not a repository, git errors).
const ERROR: u8 = 2;

/// Runs `secrets log`.
pub fn run(ctx: &Context, args: &LogArgs) -> Result<u8, Failure> {
    let format = Format::parse(&args.format).ok_or_else(|| {
        Failure::new(ERROR, anyhow!("unknown format {:?}", args.format))
            .hint("use --format table, json or markdown")
    })?;
    let since = match &args.since {
        None => None,
        Some(d) => Some(rotation::parse_date(d.trim()).ok_or_else(|| {
            Failure::new(ERROR, anyhow!("--since {d:?} is not a date"))
                .hint("dates look like 2024-01-31")
        })?),
    };
    let repo = git2::Repository::discover(&ctx.cwd).map_err(|e| {
        Failure::new(ERROR, anyhow!("not in a git repository: {}", e.message()))
            .hint("run secrets log inside the repository that holds the encrypted files")
    })?;
    let root = repo
        .workdir()
        .ok_or_else(|| Failure::new(ERROR, anyhow!("the repository has no working tree")))?;
    let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let paths = args
        .paths
        .iter()
        .map(|p| repo_relative(&root, &ctx.cwd, p))
        .collect::<Result<Vec<_>, _>>()?;

    let events = if args.decrypt {
        walk_decrypting(ctx, &repo, paths, since).map(|(events, _)| events)
    } else {
        let opts = WalkOptions {
            paths,
            since,
            decrypt: None,
        };
        history::walk(&repo, &opts)
    }
    .map_err(|e| Failure::new(ERROR, e))?;

    if let Some(target) = &args.write {
        let sync = SyncConfirmations::load(&repo).map_err(|e| Failure::new(ERROR, e))?;
        let rows = rotation::rows(&events, &sync);
        let path = ctx.cwd.join(target);
        let summary = rotation::write_markdown(&path, &rows).map_err(|e| Failure::new(ERROR, e))?;
        let text = format!(
            "{}: {} row(s) added, {} newly confirmed in sync{}\n",
            target.display(),
            summary.added,
            summary.confirmed,
            if summary.written { "" } else { " (unchanged)" }
        );
        crate::io::write_stdout(text.as_bytes())?;
        return Ok(0);
    }
    let text = match format {
        Format::Table => rotation::render_table(&events),
        Format::Json => rotation::render_json(&events),
        Format::Markdown => {
            let sync = SyncConfirmations::load(&repo).map_err(|e| Failure::new(ERROR, e))?;
            rotation::render_markdown(&rotation::rows(&events, &sync))
        }
    };
    crate::io::write_stdout(text.as_bytes())?;
    Ok(0)
}

/// `p` (relative to `cwd`, or absolute) as a `/`-separated path relative to the repository
/// root; the root itself is the empty string (everything).
fn repo_relative(root: &Path, cwd: &Path, p: &Path) -> Result<String, Failure> {
    let joined = cwd.join(p);
    // Resolve symlinks when the path exists (deleted files are looked up lexically).
    let absolute = joined.canonicalize().unwrap_or_else(|_| lexical(&joined));
    let rel = absolute
        .strip_prefix(root)
        .map_err(|_| Failure::new(ERROR, anyhow!("{} is outside the repository", p.display())))?;
    Ok(rel
        .components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("/"))
}

/// Removes `.` and resolves `..` without touching the file system.
fn lexical(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// Fingerprints of every leaf of a sops file: the first 12 hex digits of SHA-256(key path,
/// NUL, sops type tag, NUL, plaintext). Only compared within this process, never printed.
fn fingerprint_file(
    ids: &mut IdentitySet,
    path: &str,
    bytes: &[u8],
) -> Option<BTreeMap<String, String>> {
    let store = Store::new(StoreFormat::from_path(Path::new(path)));
    // Old versions may carry a MAC made by another tool; only the values matter here.
    let opened = open_read_only(bytes, store, ids, true, |_| {}).ok()?;
    let mut out = BTreeMap::new();
    for (key, value) in leaves(&opened.branches.0) {
        let mut input = Zeroizing::new(Vec::new());
        input.extend_from_slice(key.as_bytes());
        input.push(0);
        match plaintext_of(value) {
            Some((tag, plain)) => {
                input.extend_from_slice(tag.as_bytes());
                input.push(0);
                input.extend_from_slice(&plain);
            }
            // null, empty map or list: the kind is the whole value.
            None => input.extend_from_slice(value.kind_name().as_bytes()),
        }
        let digest = Sha256::digest(&*input);
        let hex: String = digest[..6].iter().map(|b| format!("{b:02x}")).collect();
        out.insert(key, hex);
    }
    Some(out)
}

/// One fingerprint request to the identity thread.
struct Request {
    path: String,
    bytes: Vec<u8>,
    reply: mpsc::Sender<Option<BTreeMap<String, String>>>,
}

/// A [`Decryptor`] backed by a thread that owns the caller's identities (an identity set may
/// hold a `SOPS_AGE_KEY_CMD` runner that cannot be shared between threads).
struct ChannelDecryptor {
    requests: mpsc::Sender<Request>,
}

impl Decryptor for ChannelDecryptor {
    fn fingerprints(&self, path: &str, bytes: &[u8]) -> Option<BTreeMap<String, String>> {
        let (reply, answer) = mpsc::channel();
        let request = Request {
            path: path.to_string(),
            bytes: bytes.to_vec(),
            reply,
        };
        self.requests.send(request).ok()?;
        answer.recv().ok().flatten()
    }
}

/// Walks history with a decryptor served by a scoped thread that loads the identities; warns
/// when none were found or some versions could not be decrypted. The flag is true when every
/// version decrypted, i.e. every `KeyChanged` is a confirmed plaintext change.
pub(crate) fn walk_decrypting(
    ctx: &Context,
    repo: &git2::Repository,
    paths: Vec<String>,
    since: Option<i64>,
) -> Result<(Vec<FileEvent>, bool), AuditError> {
    std::thread::scope(|scope| {
        let (requests, incoming) = mpsc::channel::<Request>();
        let worker = scope.spawn(move || {
            let mut ids = ctx.identities();
            let empty = ids.is_empty();
            let mut failed = 0usize;
            for r in incoming {
                let fps = if empty {
                    None
                } else {
                    fingerprint_file(&mut ids, &r.path, &r.bytes)
                };
                failed += usize::from(fps.is_none());
                let _ = r.reply.send(fps);
            }
            (empty, failed)
        });
        let decryptor = ChannelDecryptor { requests };
        let opts = WalkOptions {
            paths,
            since,
            decrypt: Some(&decryptor),
        };
        let events = history::walk(repo, &opts);
        drop(opts);
        drop(decryptor);
        let confirmed = match worker.join() {
            Ok((true, _)) => {
                warn("--decrypt: no age identity found; value changes cannot be confirmed");
                false
            }
            Ok((false, failed)) if failed > 0 => {
                warn(&format!(
                    "--decrypt: {failed} version(s) could not be decrypted; their value changes are unconfirmed"
                ));
                false
            }
            Ok((false, _)) => true,
            Err(_) => false,
        };
        events.map(|e| (e, confirmed))
    })
}
