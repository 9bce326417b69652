//! `secrets set` / `secrets unset`: change one value with git-quiet re-encryption (only that
//! value, `lastmodified` and the MAC change; nothing at all when the value is the same).

use std::io::Read;

use anyhow::anyhow;
use secrets_sops::path;
use secrets_sops::store::json;
use secrets_sops::tree::Value;
use zeroize::Zeroizing;

use crate::cli::{SetArgs, UnsetArgs, ValueSource};
use crate::cmd::context::Context;
use crate::cmd::modify::open_target;
use crate::report::{classify, code, Failure, Phase};

/// Reads the JSON value from the argument, stdin or a file. The text is wiped after parsing.
fn read_value(arg: Option<&str>, source: &ValueSource) -> Result<Value, Failure> {
    let text: Zeroizing<Vec<u8>> = match (arg, source.value_stdin, &source.value_file) {
        (Some(_), true, _) | (Some(_), _, Some(_)) => {
            return Err(Failure::new(
                code::CONFLICTING_PARAMETERS,
                anyhow!("give the value either as an argument, --value-stdin or --value-file"),
            ))
        }
        (Some(v), false, None) => Zeroizing::new(v.as_bytes().to_vec()),
        (None, true, _) => {
            let mut buf = Zeroizing::new(Vec::new());
            std::io::stdin()
                .read_to_end(&mut buf)
                .map_err(|e| Failure::new(code::COULD_NOT_READ_INPUT, e))?;
            buf
        }
        (None, false, Some(f)) => Zeroizing::new(std::fs::read(f).map_err(|e| {
            Failure::new(
                code::COULD_NOT_READ_INPUT,
                anyhow!("reading {}: {e}", f.display()),
            )
        })?),
        (None, false, None) => {
            return Err(Failure::new(
                code::INVALID_SET_FORMAT,
                anyhow!("no value given"),
            )
            .hint("pass the value as JSON: --value-stdin (keeps it out of argv), --value-file F, or an argument like '\"text\"'"))
        }
    };
    json::parse_value(&text).map_err(|_| {
        // The parser's message could quote part of the value; say only what is wrong.
        Failure::new(
            code::INVALID_SET_FORMAT,
            anyhow!("the value is not valid JSON"),
        )
        .hint("strings need JSON quotes: '\"text\"'; numbers, true/false, objects and arrays are JSON too")
    })
}

/// Runs `set`.
pub fn run_set(ctx: &Context, args: &SetArgs) -> Result<u8, Failure> {
    let steps = path::parse(&args.index).map_err(|e| {
        let f = classify(e, Phase::Decrypt);
        Failure {
            code: code::INVALID_SET_FORMAT,
            ..f
        }
    })?;
    let value = read_value(args.value.as_deref(), &args.source)?;
    let mut target = open_target(ctx, &args.file, args.input_type.as_deref())?;
    let mut edited = target.opened.branches.0.clone();
    let first = edited
        .first_mut()
        .ok_or_else(|| Failure::new(code::GENERIC, anyhow!("the file has no document")))?;
    path::set(first, &steps, value).map_err(|e| classify(e, Phase::Decrypt))?;
    finish(&mut target, edited, &args.index)
}

/// Runs `unset`.
pub fn run_unset(ctx: &Context, args: &UnsetArgs) -> Result<u8, Failure> {
    let steps = path::parse(&args.index).map_err(|e| classify(e, Phase::Decrypt))?;
    let mut target = open_target(ctx, &args.file, args.input_type.as_deref())?;
    let mut edited = target.opened.branches.0.clone();
    let Some(first) = edited.first_mut() else {
        return Err(Failure::new(
            code::GENERIC,
            anyhow!("the file has no document"),
        ));
    };
    match path::unset(first, &steps) {
        Ok(()) => finish(&mut target, edited, &args.index),
        Err(_) if args.idempotent => {
            secrets_sops::tree::SecretBranches(edited);
            eprintln!(
                "secrets: {} is not in {}; nothing to do",
                args.index,
                args.file.display()
            );
            Ok(0)
        }
        Err(e) => {
            secrets_sops::tree::SecretBranches(edited);
            Err(classify(e, Phase::Decrypt))
        }
    }
}

fn finish(
    target: &mut crate::cmd::modify::Target,
    edited: secrets_sops::tree::Branches,
    index: &str,
) -> Result<u8, Failure> {
    // Wiped on drop whatever happens.
    let edited = secrets_sops::tree::SecretBranches(edited);
    if target.write_edited(&edited.0)? {
        eprintln!("secrets: {} updated in {}", index, target.path.display());
    } else {
        eprintln!(
            "secrets: {} unchanged in {} (file left as it was)",
            index,
            target.path.display()
        );
    }
    Ok(0)
}
