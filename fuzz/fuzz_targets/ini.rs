//! Fuzzes the ini store: plaintext parse, emit, re-parse of the emitted bytes, and the
//! encrypted-file parse (tree + metadata). Errors are fine; panics are bugs.
#![no_main]

use libfuzzer_sys::fuzz_target;
use secrets_sops::store::{Format, Store};
use secrets_sops::tree::{Branch, Item, Value};

fuzz_target!(|data: &[u8]| {
    let store = Store::new(Format::Ini);
    if let Ok(branches) = store.load_plain(data) {
        if let Ok(out) = store.emit_plain(&branches) {
            if store.load_plain(&out).is_err() && !branches.iter().any(unwritable) {
                panic!(
                    "ini: emitted plaintext does not parse again: {}\ninput: {:?}\noutput: {:?}",
                    store.load_plain(&out).unwrap_err(),
                    String::from_utf8_lossy(data),
                    String::from_utf8_lossy(&out)
                );
            }
        }
    }
    let _ = store.load_encrypted(data);
});

/// Text that gopkg.in/ini.v1's writer (and so sops 3.11, byte for byte) cannot write in a
/// form it reads back, checked against the real sops binary: `""` anywhere (the writer never
/// escapes quotes; the value `"""` is written bare and `""x ` is written `"""x "`, both re-read
/// as unclosed multi-line values), a key needing backtick quotes that holds a backtick, or a key
/// starting with `[`.
fn unwritable(b: &Branch) -> bool {
    b.0.iter().any(|item| match item {
        Item::Entry(k, v) => {
            k.contains("\"\"")
                || (k.contains('`') && k.contains(['"', '=', ':']))
                // Written bare, so it reads back as a section header (sops 3.11 too).
                || k.trim_start().starts_with('[')
                || value_unwritable(v)
        }
        Item::Comment(_) => false,
    })
}

fn value_unwritable(v: &Value) -> bool {
    match v {
        Value::Str(s) => s.contains("\"\""),
        Value::Map(b) => unwritable(b),
        Value::List(items) => items.iter().any(value_unwritable),
        _ => false,
    }
}
