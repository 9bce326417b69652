//! CLI tests: the built `secrets` binary against committed vectors made with real sops 3.11, and
//! against the real `sops` binary itself (always run; a missing sops is a failure).

mod behaviour;
mod daily;
mod edit;
mod git;
mod init;
mod interop;
mod log;
mod quiet;
mod recipients;
mod scan;
mod ssh;
mod sshd;
mod status;
mod sync;
mod util;
mod vectors;
mod verify;
