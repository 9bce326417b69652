//! What every sops verb needs: the working directory, `.sops.yaml`, store settings, formats
//! and the caller's identities.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::anyhow;
use secrets_sops::config::{self, Config};
use secrets_sops::keys::{CommandRunner, IdentitySet, KeySources};
use secrets_sops::store::{Format, Store, StoreConfig};
use zeroize::Zeroizing;

use crate::cli::{FormatArgs, OutputArgs};
use crate::io::Input;
use crate::report::{code, warn, Failure};

/// Shared state for one invocation.
pub struct Context {
    /// The working directory.
    pub cwd: PathBuf,
    /// `.sops.yaml`, when one was found or given.
    pub config: Option<Config>,
    /// Print diagnostics.
    pub verbose: bool,
}

impl Context {
    /// Finds and loads `.sops.yaml` (explicit path first). A broken config is an error for
    /// every command, as in sops.
    pub fn new(explicit: Option<&Path>, verbose: bool) -> Result<Context, Failure> {
        let cwd = std::env::current_dir().map_err(|e| {
            Failure::new(
                code::GENERIC,
                anyhow!("cannot read the working directory: {e}"),
            )
        })?;
        let path = match explicit {
            Some(p) => Some(p.to_path_buf()),
            None => {
                let found = config::find(&cwd);
                for w in &found.warnings {
                    warn(w);
                }
                found.path
            }
        };
        let config = match path {
            None => None,
            Some(p) => Some(Config::load(&p).map_err(|e| Failure::new(code::GENERIC, e))?),
        };
        Ok(Context {
            cwd,
            config,
            verbose,
        })
    }

    /// Like [`Context::new`], but a broken `.sops.yaml` is only a warning: `git diff` (textconv)
    /// must keep working in a repository whose config is being edited.
    pub fn new_lenient(explicit: Option<&Path>, verbose: bool) -> Result<Context, Failure> {
        match Context::new(explicit, verbose) {
            Ok(ctx) => Ok(ctx),
            Err(f) => {
                warn(&format!("ignoring .sops.yaml: {:#}", f.error));
                let cwd = std::env::current_dir().map_err(|e| {
                    Failure::new(
                        code::GENERIC,
                        anyhow!("cannot read the working directory: {e}"),
                    )
                })?;
                Ok(Context {
                    cwd,
                    config: None,
                    verbose,
                })
            }
        }
    }

    /// Store settings from `stores:` (defaults without a config), with `--indent` on top.
    pub fn store_config(&self, indent: Option<i64>) -> Result<StoreConfig, Failure> {
        let mut c = self.config.as_ref().map(|c| c.stores).unwrap_or_default();
        if let Some(i) = indent {
            if i < 0 {
                return Err(Failure::new(
                    code::GENERIC,
                    anyhow!("YAML Negative indentation not accepted"),
                ));
            }
            c.yaml_indent = i as usize;
            c.json_indent = i;
            c.json_binary_indent = i;
        }
        Ok(c)
    }

    /// Loads the caller's identities the way sops does.
    pub fn identities(&self) -> IdentitySet {
        let set = IdentitySet::load(&KeySources::from_env(), Some(Box::new(ShellWordsRunner)));
        if self.verbose {
            eprint!("secrets: identity sources:\n{}", set.searched_report());
        }
        set
    }
}

/// Runs `SOPS_AGE_KEY_CMD` without a shell, split with shell-like rules, with
/// `SOPS_AGE_RECIPIENT` set. Its output (identities) is wiped after use.
struct ShellWordsRunner;

impl CommandRunner for ShellWordsRunner {
    fn run(&self, command: &str, recipient: &str) -> Result<Zeroizing<Vec<u8>>, String> {
        let words = shlex::split(command).ok_or("cannot split the command line")?;
        let (program, args) = words.split_first().ok_or("the command is empty")?;
        let out = Command::new(program)
            .args(args)
            .env("SOPS_AGE_RECIPIENT", recipient)
            .stdin(Stdio::null())
            .stderr(Stdio::inherit())
            .output()
            .map_err(|e| format!("cannot run {program}: {e}"))?;
        if !out.status.success() {
            return Err(format!("{program} exited with {}", out.status));
        }
        Ok(Zeroizing::new(out.stdout))
    }
}

fn format_named(name: Option<&str>, fallback: Format) -> Format {
    name.and_then(Format::from_name).unwrap_or(fallback)
}

/// Resolved input/output choices shared by encrypt and decrypt.
pub struct Io {
    /// Where to read.
    pub input: Input,
    /// The path used for rules and format detection.
    pub name: PathBuf,
    /// Input store.
    pub input_store: Store,
    /// Output store.
    pub output_store: Store,
}

/// Checks the input/output flag combinations (sops exit 8) and picks stores.
pub fn resolve_io(
    ctx: &Context,
    file: Option<&str>,
    out: &OutputArgs,
    fmt: &FormatArgs,
    stdin_needs_name: bool,
) -> Result<Io, Failure> {
    let input = Input::from_arg(file);
    if out.in_place && out.output.is_some() {
        return Err(Failure::new(
            code::CONFLICTING_PARAMETERS,
            anyhow!("cannot use --in-place and --output together"),
        ));
    }
    let name = match (&input, &fmt.filename_override) {
        (_, Some(p)) => p.clone(),
        (Input::File(p), None) => p.clone(),
        // sops decrypts stdin as the binary store unless told otherwise.
        (Input::Stdin, None) if !stdin_needs_name => PathBuf::from("-"),
        (Input::Stdin, None) => {
            return Err(Failure::new(
                code::CONFLICTING_PARAMETERS,
                anyhow!("must specify --filename-override when reading from stdin"),
            ))
        }
    };
    if out.in_place && input == Input::Stdin {
        return Err(Failure::new(
            code::CONFLICTING_PARAMETERS,
            anyhow!("cannot use --in-place when reading from stdin"),
        ));
    }
    let by_name = Format::from_path(&name);
    let config = ctx.store_config(fmt.indent)?;
    Ok(Io {
        input,
        name,
        input_store: Store {
            format: format_named(fmt.input_type.as_deref(), by_name),
            config,
        },
        output_store: Store {
            format: format_named(fmt.output_type.as_deref(), by_name),
            config,
        },
    })
}

/// Writes a result where the user asked: in place, `--output`, or stdout.
pub fn deliver(io: &Io, out: &OutputArgs, bytes: &[u8], new_mode: u32) -> Result<(), Failure> {
    let target = if out.in_place {
        match &io.input {
            Input::File(p) => Some(p.clone()),
            Input::Stdin => None,
        }
    } else {
        out.output.clone()
    };
    match target {
        Some(path) => crate::io::write_atomic(&path, bytes, new_mode)
            .map_err(|e| Failure::new(code::COULD_NOT_WRITE_OUTPUT, e)),
        None => crate::io::write_stdout(bytes),
    }
}

/// sops uses the first file argument and warns about the rest.
pub fn warn_extra(extra: &[String]) {
    if !extra.is_empty() {
        warn(&format!(
            "{} extra argument(s) after the file were ignored",
            extra.len()
        ));
    }
}

/// `--decryption-order`: a comma-separated list of key types; a repeated type is sops' exit 112.
/// Only age keys are used by secrets, so the order has no further effect.
pub fn check_decryption_order(order: Option<&str>) -> Result<(), Failure> {
    let Some(order) = order else { return Ok(()) };
    let mut seen = std::collections::HashSet::new();
    for part in order.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        if !seen.insert(part) {
            return Err(Failure::new(
                code::DUPLICATE_DECRYPTION_KEY_TYPE,
                anyhow!("--decryption-order lists the key type {part:?} twice"),
            ));
        }
    }
    Ok(())
}
