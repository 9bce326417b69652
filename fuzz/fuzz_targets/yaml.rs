//! Fuzzes the yaml store: plaintext parse, emit, re-parse of the emitted bytes, and the
//! encrypted-file parse (tree + metadata). Errors are fine; panics are bugs.
#![no_main]

use libfuzzer_sys::fuzz_target;
use secrets_sops::store::{Format, Store};
use secrets_sops::tree::{Branch, Item, Value};

fuzz_target!(|data: &[u8]| {
    let store = Store::new(Format::Yaml);
    if let Ok(branches) = store.load_plain(data) {
        if let Ok(out) = store.emit_plain(&branches) {
            // sops 3.11 writes a `<<` key as `!!merge <<: value` and then refuses to read its own
            // output unless the value is a map (checked against the real sops binary); the
            // library reproduces that byte for byte, so such trees are exempt from the check.
            // Likewise go-yaml writes a multi-line string that starts with a space or a line
            // break inside a list as `- |4` and cannot read that back (checked with sops 3.11).
            if store.load_plain(&out).is_err()
                && !branches.iter().any(has_merge_key)
                && !branches.iter().any(has_indicator_literal)
            {
                panic!(
                    "yaml: emitted plaintext does not parse again: {}\ninput: {:?}\noutput: {:?}",
                    store.load_plain(&out).unwrap_err(),
                    String::from_utf8_lossy(data),
                    String::from_utf8_lossy(&out)
                );
            }
        }
    }
    let _ = store.load_encrypted(data);
});

fn has_indicator_literal(b: &Branch) -> bool {
    fn value(v: &Value) -> bool {
        match v {
            Value::Str(s) => s.contains('\n') && s.starts_with([' ', '\n']),
            Value::Map(b) => has_indicator_literal(b),
            Value::List(items) => items.iter().any(value),
            _ => false,
        }
    }
    b.0.iter().any(|item| matches!(item, Item::Entry(_, v) if value(v)))
}

fn has_merge_key(b: &Branch) -> bool {
    b.0.iter().any(|item| match item {
        Item::Entry(k, v) => k == "<<" || value_has_merge_key(v),
        Item::Comment(_) => false,
    })
}

fn value_has_merge_key(v: &Value) -> bool {
    match v {
        Value::Map(b) => has_merge_key(b),
        Value::List(items) => items.iter().any(value_has_merge_key),
        _ => false,
    }
}
