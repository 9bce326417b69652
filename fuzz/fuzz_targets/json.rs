//! Fuzzes the json store: plaintext parse, emit, re-parse of the emitted bytes, and the
//! encrypted-file parse (tree + metadata). Errors are fine; panics are bugs.
#![no_main]

use libfuzzer_sys::fuzz_target;
use secrets_sops::store::{Format, Store};

fuzz_target!(|data: &[u8]| {
    let store = Store::new(Format::Json);
    if let Ok(branches) = store.load_plain(data) {
        if let Ok(out) = store.emit_plain(&branches) {
            if let Err(e) = store.load_plain(&out) {
                panic!(
                    "json: emitted plaintext does not parse again: {e}\ninput: {:?}\noutput: {:?}",
                    String::from_utf8_lossy(data),
                    String::from_utf8_lossy(&out)
                );
            }
        }
    }
    let _ = store.load_encrypted(data);
});
