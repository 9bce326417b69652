//! `secrets rotate`: a new data key and every value re-encrypted, optionally adding or
//! removing age recipients (`--add-age`, `--rm-age`) on the way.

use anyhow::anyhow;
use secrets_sops::keys::{split_recipient_list, Recipient};
use secrets_sops::rekey;
use secrets_sops::store::{Format, Store};

use crate::cli::RotateArgs;
use crate::cmd::context::Context;
use crate::cmd::modify::open_target;
use crate::report::{classify, code, warn, Failure, Phase};

fn recipients(list: Option<&str>) -> Result<Vec<String>, Failure> {
    let Some(list) = list.filter(|l| !l.trim().is_empty()) else {
        return Ok(Vec::new());
    };
    let out = split_recipient_list(list).map_err(|e| classify(e, Phase::Encrypt))?;
    for r in &out {
        Recipient::parse(r).map_err(|e| classify(e, Phase::Encrypt))?;
    }
    Ok(out)
}

/// Runs `rotate`.
pub fn run(ctx: &Context, args: &RotateArgs) -> Result<u8, Failure> {
    if args.output.in_place && args.output.output.is_some() {
        return Err(Failure::new(
            code::CONFLICTING_PARAMETERS,
            anyhow!("cannot use --in-place and --output together"),
        ));
    }
    let add = recipients(args.add_age.as_deref())?;
    let rm = recipients(args.rm_age.as_deref())?;
    let mut target = open_target(ctx, &args.file, args.input_type.as_deref())?;
    let mut groups = rekey::current_groups(&target.opened.metadata);
    for r in &add {
        if !groups.iter().flatten().any(|x| x == r) {
            match groups.first_mut() {
                Some(g) => g.push(r.clone()),
                None => groups.push(vec![r.clone()]),
            }
        }
    }
    for g in &mut groups {
        g.retain(|r| !rm.contains(r));
    }
    let output = Store {
        format: args
            .output_type
            .as_deref()
            .and_then(Format::from_name)
            .unwrap_or(target.store.format),
        config: target.store.config,
    };
    let threshold = target.opened.metadata.shamir_threshold;
    let bytes = rekey::rotate(&target.opened, &groups, threshold, output)
        .map_err(|e| classify(e, Phase::Encrypt))?;
    let changes = rekey::diff(&target.opened.metadata, &groups, threshold);
    if args.output.in_place {
        target.guard_lockout(&bytes, args.force)?;
        crate::io::write_atomic(&target.path, &bytes, 0o600)
            .map_err(|e| Failure::new(code::COULD_NOT_WRITE_OUTPUT, e))?;
    } else if let Some(out) = &args.output.output {
        crate::io::write_atomic(out, &bytes, 0o600)
            .map_err(|e| Failure::new(code::COULD_NOT_WRITE_OUTPUT, e))?;
    } else {
        crate::io::write_stdout(&bytes)?;
    }
    eprintln!(
        "secrets: rotated the data key of {}{}{}",
        target.path.display(),
        changes
            .added
            .iter()
            .map(|r| format!("\n  + {r}"))
            .collect::<String>(),
        changes
            .removed
            .iter()
            .map(|r| format!("\n  - {r}"))
            .collect::<String>(),
    );
    if !changes.removed.is_empty() {
        warn("removed recipients can still decrypt earlier versions from git history; change the secret values themselves if they must lose access");
    }
    Ok(0)
}
