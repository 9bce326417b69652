//! The sops vectors (`tests/vectors/manifest.json`) through the library API: every decrypt case
//! that uses an age key file decrypts to sops' exact output.

use std::path::{Path, PathBuf};

use secrets_sops::file::open;
use secrets_sops::keys::{parse_identities, IdentitySet};
use secrets_sops::store::{Format, Store};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors")
}

fn format_of(name: &str) -> Format {
    match name {
        "yaml" => Format::Yaml,
        "json" => Format::Json,
        "dotenv" => Format::Dotenv,
        "ini" => Format::Ini,
        _ => Format::Binary,
    }
}

#[test]
fn library_decrypts_sops_vectors() {
    let text = std::fs::read_to_string(root().join("manifest.json")).unwrap();
    let manifest: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut checked = 0;
    let mut failures = Vec::new();
    for c in manifest["cases"].as_array().unwrap() {
        if c["kind"] != "decrypt" || c["tamper_accepted"] == true {
            continue;
        }
        let id = c["id"].as_str().unwrap();
        let env = &c["decrypt_with"][0];
        let Some(key_file) = env["SOPS_AGE_KEY_FILE"].as_str() else {
            continue;
        };
        if env.as_object().unwrap().len() != 1 {
            continue;
        }
        let key_text = std::fs::read_to_string(root().join(key_file)).unwrap();
        let mut ids = IdentitySet::from_identities(parse_identities(&key_text).unwrap());
        let store = Store::new(format_of(c["input_type"].as_str().unwrap()));
        let bytes = std::fs::read(root().join(c["file"].as_str().unwrap())).unwrap();
        let expected =
            std::fs::read(root().join(c["expected_plaintext_file"].as_str().unwrap())).unwrap();
        match open(&bytes, store, &mut ids, false, |_| {}) {
            Ok(opened) => match store.emit_plain(&opened.branches.0) {
                Ok(out) if out == expected => {}
                Ok(_) => failures.push(format!("{id}: output differs")),
                Err(e) => failures.push(format!("{id}: emit failed: {e}")),
            },
            Err(e) => failures.push(format!("{id}: {e}")),
        }
        checked += 1;
    }
    assert!(checked > 80, "only {checked} cases");
    assert!(
        failures.is_empty(),
        "{} of {checked} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
