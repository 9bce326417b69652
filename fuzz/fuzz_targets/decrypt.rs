//! Fuzzes the whole decrypt path for YAML: parse, metadata, data-key recovery with a fixed
//! identity, value decryption and the MAC check. Errors are fine; panics are bugs.
#![no_main]

use std::str::FromStr;

use libfuzzer_sys::fuzz_target;
use secrets_sops::keys::IdentitySet;
use secrets_sops::store::{Format, Store};

/// THROWAWAY key generated with `age-keygen` for fuzzing only. It protects nothing; it is
/// public on purpose so `seed.sh` can encrypt seed files to it (recipient below).
/// Recipient: age1ptpznaacqj072mn784s9muxs6kdpvnugsw9qgxns06dc3rk0jvrs7a3xvp
const FUZZ_IDENTITY: &str =
    "AGE-SECRET-KEY-16QW8UA0J5TTWV2TQX3NNPW2UL8YSRD7PNTRL0KNC7MLPVM3YULFSSJUX2Q";

fuzz_target!(|data: &[u8]| {
    let identity = age::x25519::Identity::from_str(FUZZ_IDENTITY).expect("constant fuzz key");
    let mut ids = IdentitySet::from_identities(vec![Box::new(identity)]);
    let _ = secrets_sops::file::open(data, Store::new(Format::Yaml), &mut ids, false, |_| {});
});
