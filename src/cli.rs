//! Command-line definitions (clap derive). sops' verbs and flag names, so scripts and muscle
//! memory carry over; `-e`/`-d` legacy spellings are rewritten in `main`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Git-native secrets toolkit: sops-compatible encrypted files (age), and more.
#[derive(Debug, Parser)]
#[command(
    name = "secrets",
    version,
    about,
    long_about = None,
    propagate_version = true,
    after_help = "Start: `secrets demo` (a tour), then `secrets init` in your repository.\n\
                  Files use the sops 3.11 format; identities are found where sops looks.\n\
                  Exit codes follow sops (see `secrets help COMMAND` and the README)."
)]
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
    /// Set up this repository: your age identity, .sops.yaml, an encrypted template, the
    /// pre-commit hook, the git drivers and the GitHub workflows.
    ///
    /// Idempotent: what exists is kept (--force overwrites) and every step is reported.
    Init(InitArgs),
    /// Generate an age identity (X25519) and print its public recipient.
    Keygen(KeygenArgs),
    /// Who can decrypt what: list the recipients of each file; add or remove one in
    /// .sops.yaml and re-key the files it governs.
    #[command(subcommand)]
    Recipients(RecipientsCommand),
    /// Encrypt a file (YAML, JSON, dotenv, INI or binary) in sops 3.11 format.
    Encrypt(EncryptArgs),
    /// Decrypt a sops file (or part of it with --extract).
    Decrypt(DecryptArgs),
    /// Print {"encrypted":true|false} for a file, like `sops filestatus`.
    Filestatus(FilestatusArgs),
    /// Edit an encrypted file in $SOPS_EDITOR/$EDITOR; creates it from .sops.yaml rules if new.
    Edit(EditArgs),
    /// Set one value: secrets set FILE '["key"]["nested"]' VALUE (VALUE is JSON, as in sops).
    Set(SetArgs),
    /// Remove one key or list item: secrets unset FILE '["key"]["nested"]'.
    Unset(UnsetArgs),
    /// Bring a file's recipients in line with .sops.yaml (adds and removes access).
    Updatekeys(UpdatekeysArgs),
    /// Generate a new data key and re-encrypt every value; optionally add/remove recipients.
    Rotate(RotateArgs),
    /// Run a command with the file's values in its environment (never in argv).
    ExecEnv(ExecEnvArgs),
    /// Run a command with the decrypted file at {} (a FIFO unless --no-fifo).
    ExecFile(ExecFileArgs),
    /// Git integration: diff (textconv) and merge drivers.
    #[command(subcommand)]
    Git(GitCommand),
    /// Git merge driver: secrets merge-driver %O %A %B %P (set up by `secrets git setup`).
    MergeDriver(MergeDriverArgs),
    /// A tour of the whole workflow in a throwaway repository: init, encrypt, edit, the hook,
    /// render, the rotation log, sops interop.
    Demo(DemoArgs),
    /// Find plaintext secrets: staged changes, history, files; enforces .sops.yaml encryption.
    ///
    /// Exit 0 clean, 1 findings, 2 error. Project settings come from `.secrets.toml` at the
    /// repository root (`--config FILE.toml` picks another; any other `--config` path is the
    /// `.sops.yaml`).
    Scan(ScanArgs),
    /// Install or remove the pre-commit hook that runs `secrets scan --staged`.
    #[command(subcommand)]
    Hook(HookCommand),
    /// Print (or write with --output, mode 0600) the .env file a target would receive.
    Render(RenderArgs),
    /// Push rendered .env files over SSH and run command targets, only where something changed.
    ///
    /// Exit 0 when every target succeeded (or, with --check, is in sync), 1 when --check
    /// finds drift, 2 when a target failed or the input is invalid.
    Sync(SyncArgs),
    /// Rotation log from git history: keys added/changed/removed, recipients, data-key rotations.
    Log(LogArgs),
    /// Inventory and overdue report: last change, age and cadence of every key; policy per file.
    ///
    /// Exit 0 when nothing is overdue or out of policy, 1 otherwise, 2 on errors.
    Status(StatusArgs),
    /// For CI and laptops: every .sops.yaml file decrypts and its MAC checks, recipients match
    /// the rules, and no plaintext secret is in the working tree (--history: nor in history).
    ///
    /// One line per problem. Exit 0 clean, 1 problems, 2 error.
    Verify(VerifyArgs),
    /// Print a shell completion script: secrets completions bash|zsh|fish|elvish|powershell.
    Completions(CompletionsArgs),
    /// Print the man page (roff), or write one page per command with --output DIR.
    Man(ManArgs),
}

/// `secrets init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Overwrite files that already exist (.sops.yaml, templates, workflows, the hook).
    #[arg(long)]
    pub force: bool,
    /// More recipients for the new .sops.yaml rule (teammates, a CI key), besides yours.
    #[arg(long = "age", value_name = "RECIPIENT", value_delimiter = ',')]
    pub age: Vec<String>,
    /// Where to create your identity when none is found (default: where sops looks,
    /// $SOPS_AGE_KEY_FILE or ~/.config/sops/age/keys.txt).
    #[arg(long, value_name = "FILE")]
    pub key_file: Option<PathBuf>,
    /// Do not install the pre-commit hook.
    #[arg(long)]
    pub no_hook: bool,
    /// Do not write .github/workflows.
    #[arg(long)]
    pub no_workflows: bool,
}

/// `secrets keygen`.
#[derive(Debug, Args)]
pub struct KeygenArgs {
    /// Write the identity to this file (created with mode 0600; refused if it exists) instead
    /// of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// `secrets recipients …`.
#[derive(Debug, Subcommand)]
pub enum RecipientsCommand {
    /// Who can decrypt each encrypted file, read from the files themselves, with the names
    /// given in .sops.yaml.
    List(RecipientsListArgs),
    /// Add a recipient to the .sops.yaml rules and re-key the files they govern.
    Add(RecipientsAddArgs),
    /// Remove a recipient from the .sops.yaml rules and re-key (rotate) the files they govern.
    Remove(RecipientsRemoveArgs),
}

/// `secrets recipients list`.
#[derive(Debug, Args)]
pub struct RecipientsListArgs {
    /// Files or directories (default: every sops file in the repository).
    pub paths: Vec<PathBuf>,
    /// Output: table or json.
    #[arg(long, default_value = "table", value_name = "FORMAT")]
    pub format: String,
}

/// `secrets recipients add`.
#[derive(Debug, Args)]
pub struct RecipientsAddArgs {
    /// A name for the recipient (kept as a comment next to the key in .sops.yaml).
    pub name: String,
    /// The age recipient (age1…).
    pub key: String,
    /// Only the rules that govern the files matching this glob (relative to the directory of
    /// .sops.yaml, like path_regex; a path without wildcards may not exist yet). Default: every
    /// rule with age recipients.
    #[arg(long, value_name = "GLOB")]
    pub files: Option<String>,
    /// In rules with several key_groups: the group to add to (its index in `recipients list`).
    #[arg(long, value_name = "N")]
    pub group: Option<usize>,
    /// Do not ask for confirmation.
    #[arg(short = 'y', long)]
    pub yes: bool,
}

/// `secrets recipients remove`.
#[derive(Debug, Args)]
pub struct RecipientsRemoveArgs {
    /// The recipient: its name in .sops.yaml (the comment next to the key), or the age1… key.
    pub name: String,
    /// Only the rules that govern the files matching this glob (relative to the directory of
    /// .sops.yaml; a path without wildcards may not exist yet). Default: every rule.
    #[arg(long, value_name = "GLOB")]
    pub files: Option<String>,
    /// Do not ask for confirmation.
    #[arg(short = 'y', long)]
    pub yes: bool,
    /// Remove even when none of your identities could decrypt the files afterwards.
    #[arg(long)]
    pub force: bool,
}

/// `secrets completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    pub shell: clap_complete::Shell,
}

/// `secrets man`.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write secrets.1 and one secrets-COMMAND.1 per command into this directory.
    #[arg(long, value_name = "DIR")]
    pub output: Option<PathBuf>,
}

/// `secrets log`.
#[derive(Debug, Args)]
pub struct LogArgs {
    /// Encrypted files (or directories) to report on; default: every sops file in history.
    pub paths: Vec<PathBuf>,
    /// Only commits from this date on (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Output: table, json or markdown.
    #[arg(long, default_value = "table", value_name = "FORMAT")]
    pub format: String,
    /// Confirm value changes by comparing plaintext fingerprints (needs an identity), so a full
    /// re-encryption is not reported as every key changed.
    #[arg(long)]
    pub decrypt: bool,
    /// Append new rows to this markdown rotation log (idempotent; hand-written rows are kept).
    #[arg(long, value_name = "FILE")]
    pub write: Option<PathBuf>,
}

/// `secrets status`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Output: table or json.
    #[arg(long, default_value = "table", value_name = "FORMAT")]
    pub format: String,
    /// Inventory file (default: secrets/inventory.yaml at the repository root, if present).
    #[arg(long, value_name = "FILE")]
    pub inventory: Option<PathBuf>,
    /// Evaluate ages as of this date (YYYY-MM-DD) instead of today.
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,
    /// Decrypt every version in history (needs an identity), so a key's age counts from its
    /// last plaintext change even across re-encryptions and data-key rotations.
    #[arg(long)]
    pub decrypt: bool,
}

/// `secrets verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Also scan every blob in history for plaintext secrets.
    #[arg(long)]
    pub history: bool,
}

/// Where the targets file is.
#[derive(Debug, Args)]
pub struct TargetsArgs {
    /// The targets file (default: secrets/targets.yaml at the repository root).
    #[arg(long, value_name = "FILE")]
    pub targets: Option<PathBuf>,
}

/// `secrets render`.
#[derive(Debug, Args)]
pub struct RenderArgs {
    /// Target name from the targets file.
    pub target: String,
    /// Write to this file (atomically, mode 0600) instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub targets: TargetsArgs,
}

/// `secrets sync`.
#[derive(Debug, Args)]
pub struct SyncArgs {
    /// Targets to sync (default: all).
    pub names: Vec<String>,
    #[command(flatten)]
    pub targets: TargetsArgs,
    /// Only targets whose sources (or known_hosts, or the targets file) changed since REV.
    #[arg(long, value_name = "REV")]
    pub changed_since: Option<String>,
    /// Show per target the keys that would be added, changed or removed; write nothing.
    #[arg(long, conflicts_with = "check")]
    pub dry_run: bool,
    /// Exit 1 when a destination differs from what would be rendered (drift); write nothing.
    #[arg(long)]
    pub check: bool,
    /// SSH private key file (else SECRETS_SSH_PRIVATE_KEY key material, else ssh-agent).
    #[arg(long, env = "SECRETS_SSH_KEY", value_name = "FILE")]
    pub ssh_key: Option<PathBuf>,
    /// Trust and record the host key of a host missing from known_hosts (a changed key is
    /// always refused).
    #[arg(long)]
    pub accept_new_host_key: bool,
    /// Targets run in parallel, at most this many at once.
    #[arg(long, default_value_t = 4, value_name = "N")]
    pub jobs: usize,
    /// Connection timeout in seconds.
    #[arg(long, default_value_t = 20, value_name = "SECONDS")]
    pub timeout: u64,
    /// Output: human or json.
    #[arg(long, default_value = "human", value_name = "FORMAT")]
    pub format: String,
    /// Directory for command targets' state (default: .git/secrets/sync in a clone).
    #[arg(long, value_name = "DIR", env = "SECRETS_SYNC_STATE")]
    pub state_dir: Option<PathBuf>,
    /// Include a failing restart or command's stderr in the report (it may print anything).
    #[arg(long)]
    pub show_command_output: bool,
    /// Do not record the outcome as a git note (refs/notes/secrets-sync) on HEAD.
    #[arg(long)]
    pub no_note: bool,
}

/// `secrets scan`.
#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Files or directories to scan (`-` = standard input); default: the current directory.
    pub paths: Vec<PathBuf>,
    /// Scan the staged changes (the git index, not the working tree).
    #[arg(long, conflicts_with_all = ["paths", "history"])]
    pub staged: bool,
    /// Scan every blob added in a revision range (`A..B`, `REV`; default: all of HEAD).
    #[arg(long, value_name = "RANGE", num_args = 0..=1, default_missing_value = "", conflicts_with = "paths")]
    pub history: Option<String>,
    /// Output format: human, json, jsonl or sarif.
    #[arg(long, value_name = "FORMAT", default_value = "human")]
    pub format: String,
    /// Write the report to this file instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Show secrets in full (never in CI logs).
    #[arg(long)]
    pub no_redact: bool,
    /// Baseline of accepted findings (default: from .secrets.toml, else
    /// .secrets-baseline.json at the repository root when it exists).
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Write every current finding to this baseline file and exit 0.
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
}

/// `secrets hook ...`.
#[derive(Debug, Subcommand)]
pub enum HookCommand {
    /// Install the pre-commit hook (idempotent; keeps an existing hook as pre-commit.local).
    Install,
    /// Remove the pre-commit hook (restores pre-commit.local).
    Uninstall,
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

/// How new files are encrypted: recipients and partial encryption (creation-rule overrides).
#[derive(Debug, Args, Clone, Default)]
pub struct EncryptionFlags {
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
    #[command(flatten)]
    pub enc: EncryptionFlags,
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

/// `secrets edit`.
#[derive(Debug, Args)]
pub struct EditArgs {
    /// The encrypted file (created from .sops.yaml rules when it does not exist).
    pub file: PathBuf,
    #[command(flatten)]
    pub format: FormatArgs,
    #[command(flatten)]
    pub enc: EncryptionFlags,
    /// Open the file even if its MAC does not verify (prints a warning).
    #[arg(long)]
    pub ignore_mac: bool,
    /// Print the temporary directory's location (debugging aid; never the content).
    #[arg(long, hide = true)]
    pub show_temp_path: bool,
}

/// Where a new value comes from, so secrets stay out of argv and shell history.
#[derive(Debug, Args, Clone, Default)]
pub struct ValueSource {
    /// Read the value (JSON) from standard input.
    #[arg(long, conflicts_with = "value_file")]
    pub value_stdin: bool,
    /// Read the value (JSON) from this file.
    #[arg(long, value_name = "FILE")]
    pub value_file: Option<PathBuf>,
}

/// `secrets set`.
#[derive(Debug, Args)]
pub struct SetArgs {
    /// The encrypted file.
    pub file: PathBuf,
    /// Path of the value, e.g. '["db"]["password"]' (missing maps are created).
    pub index: String,
    /// The value as JSON ('"text"', 42, true, {"a":1}); prefer --value-stdin for secrets.
    pub value: Option<String>,
    #[command(flatten)]
    pub source: ValueSource,
    /// Format of the file (default: from the file name).
    #[arg(long, value_name = "TYPE")]
    pub input_type: Option<String>,
    /// Accepted for sops compatibility: secrets never rewrites a file whose value is unchanged.
    #[arg(long)]
    pub idempotent: bool,
}

/// `secrets unset`.
#[derive(Debug, Args)]
pub struct UnsetArgs {
    /// The encrypted file.
    pub file: PathBuf,
    /// Path of the key or list item to remove.
    pub index: String,
    /// Format of the file (default: from the file name).
    #[arg(long, value_name = "TYPE")]
    pub input_type: Option<String>,
    /// Succeed without changes when the path does not exist.
    #[arg(long)]
    pub idempotent: bool,
}

/// `secrets updatekeys`.
#[derive(Debug, Args)]
pub struct UpdatekeysArgs {
    /// Files to update (default with --all: every file a creation rule matches).
    pub files: Vec<PathBuf>,
    /// Update every file in the repository that a creation rule matches.
    #[arg(long)]
    pub all: bool,
    /// Do not ask for confirmation.
    #[arg(short = 'y', long)]
    pub yes: bool,
    /// Allow removing the last recipient whose identity you hold (locking yourself out).
    #[arg(long)]
    pub force: bool,
    /// Format of the files (default: from each file name).
    #[arg(long, value_name = "TYPE")]
    pub input_type: Option<String>,
}

/// `secrets rotate`.
#[derive(Debug, Args)]
pub struct RotateArgs {
    /// The encrypted file.
    pub file: PathBuf,
    #[command(flatten)]
    pub output: OutputArgs,
    /// Add these age recipients (comma-separated) to the first key group.
    #[arg(long, value_name = "RECIPIENTS")]
    pub add_age: Option<String>,
    /// Remove these age recipients (comma-separated) from every key group.
    #[arg(long, value_name = "RECIPIENTS")]
    pub rm_age: Option<String>,
    /// Format of the file (default: from the file name).
    #[arg(long, value_name = "TYPE")]
    pub input_type: Option<String>,
    /// Output format (default: from the file name).
    #[arg(long, value_name = "TYPE")]
    pub output_type: Option<String>,
    /// Allow removing the last recipient whose identity you hold.
    #[arg(long)]
    pub force: bool,
}

/// Options shared by exec-env and exec-file.
#[derive(Debug, Args, Clone, Default)]
pub struct ExecCommon {
    /// Run the command in the background (secrets exits without waiting).
    #[arg(long)]
    pub background: bool,
    /// Run the command as this user (requires privileges).
    #[arg(long, value_name = "USER")]
    pub user: Option<String>,
    /// Format of the file (default: from the file name).
    #[arg(long, value_name = "TYPE")]
    pub input_type: Option<String>,
}

/// `secrets exec-env`.
#[derive(Debug, Args)]
pub struct ExecEnvArgs {
    /// The encrypted file (top-level keys become variables).
    pub file: PathBuf,
    /// The command, run by /bin/sh -c.
    pub command: String,
    #[command(flatten)]
    pub common: ExecCommon,
    /// Do not pass the current environment to the command, only the file's values.
    #[arg(long)]
    pub pristine: bool,
    /// Replace this process with the command instead of running a child.
    #[arg(long)]
    pub same_process: bool,
}

/// `secrets exec-file`.
#[derive(Debug, Args)]
pub struct ExecFileArgs {
    /// The encrypted file.
    pub file: PathBuf,
    /// The command, run by /bin/sh -c; `{}` is replaced by the decrypted file's path.
    pub command: String,
    #[command(flatten)]
    pub common: ExecCommon,
    /// Write a private temporary file instead of a FIFO.
    #[arg(long)]
    pub no_fifo: bool,
    /// Name of the temporary file or FIFO.
    #[arg(long, value_name = "NAME")]
    pub filename: Option<String>,
    /// Format of the decrypted file (default: the input format).
    #[arg(long, value_name = "TYPE")]
    pub output_type: Option<String>,
}

/// `secrets git ...`.
#[derive(Debug, Subcommand)]
pub enum GitCommand {
    /// Configure this repository: .gitattributes entries, diff (textconv) and merge drivers.
    Setup(GitSetupArgs),
    /// Print a file decrypted when it is a sops file and a key is available, else unchanged
    /// (git's textconv driver).
    Textconv(TextconvArgs),
}

/// `secrets git setup`.
#[derive(Debug, Args)]
pub struct GitSetupArgs {
    /// Patterns to mark in .gitattributes (default: from .sops.yaml rules, else *.sops.*).
    #[arg(long = "pattern", value_name = "GLOB")]
    pub patterns: Vec<String>,
}

/// `secrets git textconv`.
#[derive(Debug, Args)]
pub struct TextconvArgs {
    /// The file git asks to convert (often a temporary path).
    pub file: PathBuf,
}

/// `secrets merge-driver`.
#[derive(Debug, Args)]
pub struct MergeDriverArgs {
    /// Common ancestor's version (%O).
    pub base: PathBuf,
    /// Our version (%A); the result is written here.
    pub ours: PathBuf,
    /// Their version (%B).
    pub theirs: PathBuf,
    /// The path in the repository (%P), for format detection and messages.
    pub path: Option<PathBuf>,
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
    // Any subcommand before the flag owns it (`secrets log --decrypt`), so only a bare
    // `secrets [flags] -d FILE` is rewritten.
    let command = <Cli as clap::CommandFactory>::command();
    let is_verb = |a: &str| command.get_subcommands().any(|c| c.get_name() == a);
    if args[1..pos].iter().any(|a| is_verb(a)) {
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
        for verb in ["log", "status", "verify", "sync", "render"] {
            let args = v(&["secrets", verb, "--format", "table", "--decrypt"]);
            assert_eq!(rewrite_legacy(args.clone()), args, "{verb}");
        }
    }
}
