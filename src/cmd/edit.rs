//! `secrets edit`: decrypt to a private temp dir, run the editor, re-encrypt quietly.
//!
//! The plaintext only ever exists in a 0700 directory outside the repository (see
//! [`scratch`]), which is removed on every way out. Invalid content reopens the editor with the
//! error on top, so edits are never lost; a save that changes nothing keeps the file
//! byte-identical (exit 200).

mod editor;
mod header;
mod scratch;

use std::ffi::OsStr;
use std::path::Path;
use std::sync::Arc;

use anyhow::anyhow;
use secrets_sops::file::{self, EncryptSpec, Opened};
use secrets_sops::store::{Format, Store};
use secrets_sops::tree::Branches;
use zeroize::Zeroizing;

use crate::cli::EditArgs;
use crate::cmd::conflicts;
use crate::cmd::context::Context;
use crate::cmd::encrypt::{cli_options, spec_for};
use crate::report::{classify, code, warn, Failure, Phase};
use scratch::{lock, Scratch, Shared};

/// How many times invalid content reopens the editor before giving up.
const MAX_ATTEMPTS: usize = 20;

/// What is being edited.
enum Target {
    /// An encrypted file, opened with its IV stash.
    Existing(Box<Opened>),
    /// A file to create with this spec.
    New(EncryptSpec),
}

/// Runs the verb.
pub fn run(ctx: &Context, args: &EditArgs) -> Result<u8, Failure> {
    let name = args
        .format
        .filename_override
        .clone()
        .unwrap_or_else(|| args.file.clone());
    let by_name = Format::from_path(&name);
    let config = ctx.store_config(args.format.indent)?;
    let store = |t: &Option<String>| Store {
        format: t.as_deref().and_then(Format::from_name).unwrap_or(by_name),
        config,
    };
    let (input, output) = (
        store(&args.format.input_type),
        store(&args.format.output_type),
    );
    let words = editor::command()?;

    let existing = match std::fs::read(&args.file) {
        Ok(b) => Some(b),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => {
            return Err(Failure::new(
                code::COULD_NOT_READ_INPUT,
                anyhow::Error::new(e).context(format!("reading {}", args.file.display())),
            ))
        }
    };
    let mut conflict_text = None;
    let (mut target, body) = match existing {
        Some(bytes) => {
            let mut ids = ctx.identities();
            if args.ignore_mac {
                warn("--ignore-mac: the MAC is not verified; values may have been tampered with");
            }
            let opened = file::open(&bytes, input, &mut ids, args.ignore_mac, |m| warn(&m))
                .map_err(|e| classify(e, Phase::Decrypt))?;
            if let Some(c) = conflicts::load(&args.file) {
                conflict_text = Some(describe_conflict(&c, &args.file, input, output, &mut ids));
            }
            let body = Zeroizing::new(
                output
                    .emit_plain(&opened.branches.0)
                    .map_err(|e| classify(e, Phase::Decrypt))?,
            );
            (Target::Existing(Box::new(opened)), body)
        }
        None => {
            // Checked before the editor opens, so a missing rule does not cost the user's typing.
            let spec = spec_for(
                ctx,
                &name,
                args.enc.age.as_deref(),
                cli_options(&args.enc),
                args.enc.mac_only_encrypted,
                args.enc.shamir_secret_sharing_threshold,
            )?;
            (Target::New(spec), template(output.format, &args.file))
        }
    };

    let shared = Arc::new(Shared::default());
    scratch::install_signal_cleanup(shared.clone()).map_err(|e| Failure::new(code::GENERIC, e))?;
    let base = name
        .file_name()
        .unwrap_or_else(|| OsStr::new("secrets-edit"));
    let scratch =
        Scratch::create(shared.clone(), base).map_err(|e| Failure::new(code::GENERIC, e))?;
    if args.show_temp_path {
        eprintln!("secrets: temporary directory: {}", scratch.dir().display());
    }

    let mut shown = Zeroizing::new(Vec::new());
    if let Some(c) = &conflict_text {
        shown.extend_from_slice(c.as_bytes());
    }
    shown.extend_from_slice(&body);
    drop(body);

    let saved = edit_until_valid(&scratch, &words, &shared, shown, output.format, |text| {
        accept(&mut target, text, input, output)
    })?;
    drop(scratch);

    let Some(bytes) = saved else {
        // The user saved, but the values are the same (e.g. only whitespace changed).
        if conflict_text.is_some() {
            conflicts::clear(&args.file);
        }
        return Err(not_modified());
    };
    let mode = 0o644;
    {
        let _writing = lock(&shared.writing);
        crate::io::write_atomic(&args.file, &bytes, mode)
            .map_err(|e| Failure::new(code::COULD_NOT_WRITE_OUTPUT, e))?;
    }
    if conflict_text.is_some() {
        conflicts::clear(&args.file);
    }
    Ok(0)
}

fn not_modified() -> Failure {
    Failure::new(
        code::FILE_HAS_NOT_BEEN_MODIFIED,
        anyhow!("file has not been modified"),
    )
}

/// Runs the editor until the content is accepted. Returns what `accept` produced: `Some(bytes)`
/// to write, `None` when the values did not change.
fn edit_until_valid(
    scratch: &Scratch,
    words: &[String],
    shared: &Shared,
    mut shown: Zeroizing<Vec<u8>>,
    format: Format,
    mut accept: impl FnMut(&[u8]) -> Result<Option<Vec<u8>>, String>,
) -> Result<Option<Vec<u8>>, Failure> {
    let mut last_error: Option<String> = None;
    for _ in 0..MAX_ATTEMPTS {
        scratch
            .write(&shown)
            .map_err(|e| Failure::new(code::GENERIC, e))?;
        editor::run(words, scratch.file(), shared)?;
        let edited = scratch.read().map_err(|e| Failure::new(code::GENERIC, e))?;
        if edited[..] == shown[..] {
            return Err(match last_error {
                None => not_modified(),
                Some(e) => Failure::new(
                    code::GENERIC,
                    anyhow!("the content is still invalid ({e}); nothing was saved"),
                ),
            });
        }
        let error = match accept(&header::strip(&edited)) {
            Ok(result) => return Ok(result),
            Err(e) => e,
        };
        if header::supports_comments(format) {
            let mut next = Zeroizing::new(header::notes(&format!(
                "error: {error}\n(line numbers do not count the `# secrets` lines)\nfix the content below and save again; quit without saving to give up"
            )).into_bytes());
            next.extend_from_slice(&header::strip_notes(&edited));
            shown = next;
        } else {
            eprintln!("secrets: error: {error}");
            eprintln!("Press Enter to return to the editor, or Ctrl+C to give up.");
            let mut line = String::new();
            if !matches!(std::io::stdin().read_line(&mut line), Ok(n) if n > 0) {
                return Err(Failure::new(
                    code::GENERIC,
                    anyhow!("the content is invalid ({error}); nothing was saved"),
                ));
            }
            shown = edited;
        }
        last_error = Some(error);
    }
    Err(Failure::new(
        code::GENERIC,
        anyhow!("giving up after {MAX_ATTEMPTS} invalid edits; nothing was saved"),
    ))
}

/// Parses and encrypts the edited plaintext. Errors are messages for the user (library errors
/// name key paths, never values).
fn accept(
    target: &mut Target,
    text: &[u8],
    input: Store,
    output: Store,
) -> Result<Option<Vec<u8>>, String> {
    let branches: Branches = input.load_plain(text).map_err(|e| e.to_string())?;
    let branches = secrets_sops::tree::SecretBranches(branches);
    if input.has_metadata(&branches.0) {
        return Err(
            "the file contains a top-level `sops` entry; metadata cannot be edited by hand, remove it"
                .into(),
        );
    }
    match target {
        Target::Existing(opened) => {
            file::reseal(opened, &branches.0, output).map_err(|e| e.to_string())
        }
        Target::New(spec) => {
            if branches.0.iter().all(|b| b.is_empty()) && input.format != Format::Binary {
                return Err("the file is empty; add at least one value".into());
            }
            file::encrypt_branches(branches.0.clone(), spec, input, output)
                .map(Some)
                .map_err(|e| e.to_string())
        }
    }
}

/// The starting text for a new file.
fn template(format: Format, file: &Path) -> Zeroizing<Vec<u8>> {
    let hint = header::notes(&format!(
        "new file {}: write your values below; these lines are removed on save",
        file.display()
    ));
    Zeroizing::new(
        match format {
            Format::Yaml | Format::Dotenv | Format::Ini => hint,
            Format::Json => "{\n}\n".to_string(),
            Format::Binary => String::new(),
        }
        .into_bytes(),
    )
}

/// The conflict block for the temp file (YAML/dotenv/INI); for other formats the key paths go
/// to stderr and the block is empty.
fn describe_conflict(
    c: &conflicts::Conflict,
    file: &Path,
    input: Store,
    output: Store,
    ids: &mut secrets_sops::keys::IdentitySet,
) -> Zeroizing<String> {
    if !header::supports_comments(output.format) {
        let paths: Vec<String> = c.keys.iter().map(|k| header::path_text(k)).collect();
        warn(&format!(
            "{} has unresolved merge conflicts at {}; their values cannot be shown in a {} file",
            file.display(),
            paths.join(", "),
            output.format.name()
        ));
        return Zeroizing::new(String::new());
    }
    let theirs = match file::open_read_only(&c.theirs, input, ids, true, |_| {}) {
        Ok(o) => Some(o),
        Err(e) => {
            warn(&format!(
                "cannot open their side of the merge conflict: {e}"
            ));
            None
        }
    };
    header::conflict_block(&c.keys, theirs.as_ref().and_then(|o| o.branches.0.first()))
}
