//! Command-line definitions (clap derive). sops' verbs and flag names, so scripts and muscle
//! memory carry over; `-e`/`-d` legacy spellings are rewritten in `main`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Git-native secrets toolkit: sops-compatible encrypted files (age), and more.
#[derive(Debug, Parser)]
#[command(name = "secrets", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// Path to the .sops.yaml to use instead of searching upward from the working directory.
    #[arg(long, global = true, env = "SOPS_CONFIG", value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// Print where identities were searched and other diagnostics (never values).
    #[arg(long, global = true)]
    pub verbose: bool,

    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Encrypt a file (YAML, JSON, dotenv, INI or binary) in sops 3.11 format.
    Encrypt(EncryptArgs),
    /// Decrypt a sops file (or part of it with --extract).
    Decrypt(DecryptArgs),
    /// Print {"encrypted":true|false} for a file, like `sops filestatus`.
    Filestatus(FilestatusArgs),
    /// Run a self-contained tour in a temporary directory: keys, encrypt, decrypt, sops interop.
    Demo(DemoArgs),
}

/// Options that choose formats and the file name used for rules.
#[derive(Debug, Args, Clone, Default)]
pub struct FormatArgs {
    /// Input format: yaml, json, dotenv, ini or binary (default: from the file name).
    #[arg(long, value_name = "TYPE")]
    pub input_type: Option<String>,
    /// Output format (default: from the file name).
    #[arg(long, value_name = "TYPE")]
    pub output_type: Option<String>,
    /// Use this path for format detection and creation rules (required when reading stdin).
    #[arg(long, value_name = "PATH")]
    pub filename_override: Option<PathBuf>,
    /// YAML/JSON indentation for the output (overrides .sops.yaml stores settings).
    #[arg(long, value_name = "N")]
    pub indent: Option<i64>,
}

/// Where the result goes.
#[derive(Debug, Args, Clone, Default)]
pub struct OutputArgs {
    /// Write the result back to the input file (atomically, keeping its permissions).
    #[arg(short = 'i', long = "in-place")]
    pub in_place: bool,
    /// Write the result to this file instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// `secrets encrypt`.
#[derive(Debug, Args)]
pub struct EncryptArgs {
    /// The plaintext file, or `-`/nothing for standard input.
    pub file: Option<String>,
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(flatten)]
    pub format: FormatArgs,
    /// Comma-separated age recipients (age1… or ssh-ed25519/ssh-rsa public keys); replaces
    /// the creation rule's keys.
    #[arg(
        short = 'a',
        long,
        env = "SOPS_AGE_RECIPIENTS",
        value_name = "RECIPIENTS"
    )]
    pub age: Option<String>,
    /// Encrypt only values whose key (or an ancestor key) matches this regex.
    #[arg(long, value_name = "REGEX")]
    pub encrypted_regex: Option<String>,
    /// Leave values whose key (or an ancestor key) matches this regex in plaintext.
    #[arg(long, value_name = "REGEX")]
    pub unencrypted_regex: Option<String>,
    /// Encrypt only values whose key (or an ancestor key) ends with this suffix.
    #[arg(long, value_name = "SUFFIX")]
    pub encrypted_suffix: Option<String>,
    /// Leave values whose key (or an ancestor key) ends with this suffix in plaintext
    /// (default `_unencrypted`).
    #[arg(long, value_name = "SUFFIX")]
    pub unencrypted_suffix: Option<String>,
    /// Encrypt only values after a comment matching this regex.
    #[arg(long, value_name = "REGEX")]
    pub encrypted_comment_regex: Option<String>,
    /// Leave values after a comment matching this regex in plaintext.
    #[arg(long, value_name = "REGEX")]
    pub unencrypted_comment_regex: Option<String>,
    /// Compute the MAC over encrypted values only (plaintext values may then be edited freely).
    #[arg(long)]
    pub mac_only_encrypted: bool,
    /// Number of key groups needed to recover the data key.
    #[arg(long, value_name = "N")]
    pub shamir_secret_sharing_threshold: Option<usize>,
    /// Extra arguments are ignored with a warning, as sops does.
    #[arg(hide = true, trailing_var_arg = true)]
    pub extra: Vec<String>,
}

/// `secrets decrypt`.
#[derive(Debug, Args)]
pub struct DecryptArgs {
    /// The encrypted file, or `-`/nothing for standard input.
    pub file: Option<String>,
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(flatten)]
    pub format: FormatArgs,
    /// Print only this part of the tree, e.g. '["db"]["password"]' (strings are printed raw,
    /// without a trailing newline).
    #[arg(long, value_name = "PATH")]
    pub extract: Option<String>,
    /// Do not verify the MAC (for recovering damaged files; prints a warning).
    #[arg(long)]
    pub ignore_mac: bool,
    /// Order in which key types are tried (sops compatibility; secrets uses age keys).
    #[arg(long, env = "SOPS_DECRYPTION_ORDER", value_name = "TYPES")]
    pub decryption_order: Option<String>,
    /// Extra arguments are ignored with a warning, as sops does.
    #[arg(hide = true, trailing_var_arg = true)]
    pub extra: Vec<String>,
}

/// `secrets filestatus`.
#[derive(Debug, Args)]
pub struct FilestatusArgs {
    /// The file to check (no key is needed).
    pub file: String,
    /// Format of the file (default: from the file name).
    #[arg(long, value_name = "TYPE")]
    pub input_type: Option<String>,
}

/// `secrets demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Keep the temporary directory and print its path.
    #[arg(long)]
    pub keep: bool,
}

/// Rewrites sops' legacy spellings (`-e FILE`, `-d FILE`, `--encrypt`, `--decrypt`) into
/// subcommands, keeping every other argument in place.
pub fn rewrite_legacy(args: Vec<String>) -> Vec<String> {
    let pos = args
        .iter()
        .skip(1)
        .position(|a| matches!(a.as_str(), "-e" | "--encrypt" | "-d" | "--decrypt"));
    let Some(pos) = pos.map(|p| p + 1) else {
        return args;
    };
    const VERBS: [&str; 4] = ["encrypt", "decrypt", "filestatus", "demo"];
    if args[1..pos].iter().any(|a| VERBS.contains(&a.as_str())) {
        return args;
    }
    let verb = if matches!(args[pos].as_str(), "-e" | "--encrypt") {
        "encrypt"
    } else {
        "decrypt"
    };
    let mut out = vec![args[0].clone(), verb.to_string()];
    out.extend(
        args.iter()
            .enumerate()
            .skip(1)
            .filter(|(i, _)| *i != pos)
            .map(|(_, a)| a.clone()),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_valid() {
        Cli::command().debug_assert();
    }

    #[test]
    fn legacy_flags_become_subcommands() {
        let v = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(
            rewrite_legacy(v(&["secrets", "-e", "--mac-only-encrypted", "f.yaml"])),
            v(&["secrets", "encrypt", "--mac-only-encrypted", "f.yaml"])
        );
        assert_eq!(
            rewrite_legacy(v(&["secrets", "--config", "c", "-d", "f"])),
            v(&["secrets", "decrypt", "--config", "c", "f"])
        );
        assert_eq!(
            rewrite_legacy(v(&["secrets", "decrypt", "f"])),
            v(&["secrets", "decrypt", "f"])
        );
    }
}
