//! `secrets`: a git-native secrets toolkit. main stays thin: parse, run, report.
#![forbid(unsafe_code)]

mod cli;
mod cmd;
mod io;
mod report;

use std::process::ExitCode;

use clap::Parser;

// Many small allocations (one per YAML node and value) dominate large files.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn run(cli: cli::Cli) -> Result<u8, report::Failure> {
    use cli::Command;
    match &cli.command {
        Command::Demo(args) => return cmd::demo::run(args),
        // scan loads .sops.yaml itself: a broken config is exit 2 (error), not 1 (findings).
        Command::Scan(args) => return cmd::scan::run(cli.config.as_deref(), args),
        Command::Hook(h) => return cmd::hook::run(h),
        Command::Keygen(args) => return cmd::keygen::run(args),
        Command::Completions(args) => return cmd::docs::completions(args),
        Command::Man(args) => return cmd::docs::man(args),
        _ => {}
    }
    let lenient = matches!(
        cli.command,
        Command::Git(cli::GitCommand::Textconv(_)) | Command::MergeDriver(_)
    );
    let ctx = if lenient {
        cmd::context::Context::new_lenient(cli.config.as_deref(), cli.verbose)?
    } else {
        cmd::context::Context::new(cli.config.as_deref(), cli.verbose)?
    };
    match &cli.command {
        Command::Encrypt(a) => cmd::encrypt::run(&ctx, a),
        Command::Decrypt(a) => cmd::decrypt::run(&ctx, a),
        Command::Filestatus(a) => cmd::filestatus::run(&ctx, a),
        Command::Edit(a) => cmd::edit::run(&ctx, a),
        Command::Set(a) => cmd::set::run_set(&ctx, a),
        Command::Unset(a) => cmd::set::run_unset(&ctx, a),
        Command::Updatekeys(a) => cmd::updatekeys::run(&ctx, a),
        Command::Rotate(a) => cmd::rotate::run(&ctx, a),
        Command::ExecEnv(a) => cmd::exec::run_env(&ctx, a),
        Command::ExecFile(a) => cmd::exec::run_file(&ctx, a),
        Command::Git(g) => cmd::git::run(&ctx, g),
        Command::MergeDriver(a) => cmd::merge::run(&ctx, a),
        Command::Render(a) => cmd::deploy::render(&ctx, a),
        Command::Sync(a) => cmd::deploy::sync(&ctx, a),
        Command::Log(a) => cmd::log::run(&ctx, a),
        Command::Status(a) => cmd::status::run(&ctx, a),
        Command::Verify(a) => cmd::verify::run(&ctx, a),
        Command::Init(a) => cmd::init::run(&ctx, a),
        Command::Recipients(r) => cmd::recipients::run(&ctx, r),
        Command::Demo(_)
        | Command::Scan(_)
        | Command::Hook(_)
        | Command::Keygen(_)
        | Command::Completions(_)
        | Command::Man(_) => unreachable!("handled above"),
    }
}

fn main() -> ExitCode {
    let args = cli::rewrite_legacy(std::env::args().collect());
    let scanning = args.iter().skip(1).any(|a| a == "scan" || a == "hook");
    let cli = match cli::Cli::try_parse_from(&args) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            // clap: 0 for --help/--version, 2 for usage errors; sops uses 1 for unknown flags.
            // `scan` keeps 1 for "findings", so its usage errors are 2.
            let code = match (e.use_stderr(), scanning) {
                (false, _) => 0,
                (true, true) => 2,
                (true, false) => 1,
            };
            return ExitCode::from(code);
        }
    };
    ExitCode::from(report::exit_code(run(cli)))
}
