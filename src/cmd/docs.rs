//! `secrets completions SHELL` and `secrets man`: generated from the clap definitions, so they
//! never drift from `--help`.

use std::path::Path;

use anyhow::anyhow;
use clap::CommandFactory;

use crate::cli::{Cli, CompletionsArgs, ManArgs};
use crate::io::{write_atomic, write_stdout};
use crate::report::{code, Failure, WithCode};

/// Prints the completion script for a shell.
pub fn completions(args: &CompletionsArgs) -> Result<u8, Failure> {
    let mut command = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut command, "secrets", &mut out);
    write_stdout(&out)?;
    Ok(0)
}

/// Prints `secrets.1`, or writes it and one page per (sub)command into `--output DIR`.
pub fn man(args: &ManArgs) -> Result<u8, Failure> {
    let command = Cli::command();
    match &args.output {
        None => {
            let mut out = Vec::new();
            render(&command, &mut out)?;
            write_stdout(&out)?;
        }
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .map_err(|e| anyhow!("creating {}: {e}", dir.display()))
                .code(code::COULD_NOT_WRITE_OUTPUT)?;
            let written = write_pages(&command, "secrets", dir)?;
            eprintln!("secrets: wrote {written} man page(s) to {}", dir.display());
        }
    }
    Ok(0)
}

fn render(command: &clap::Command, out: &mut Vec<u8>) -> Result<(), Failure> {
    clap_mangen::Man::new(command.clone())
        .render(out)
        .map_err(|e| anyhow!("rendering the man page: {e}"))
        .code(code::GENERIC)
}

/// Writes a page for `command` (invoked as `words`, e.g. `secrets hook install`, page
/// `secrets-hook-install.1`) and recurses into its subcommands.
fn write_pages(command: &clap::Command, words: &str, dir: &Path) -> Result<usize, Failure> {
    let name = words.replace(' ', "-");
    let page = command
        .clone()
        .name(name.clone())
        .bin_name(words.to_string());
    let mut out = Vec::new();
    render(&page, &mut out)?;
    let path = dir.join(format!("{name}.1"));
    write_atomic(&path, &out, 0o644).code(code::COULD_NOT_WRITE_OUTPUT)?;
    let mut written = 1;
    for sub in command.get_subcommands().filter(|c| c.get_name() != "help") {
        written += write_pages(sub, &format!("{words} {}", sub.get_name()), dir)?;
    }
    Ok(written)
}
