//! Fuzzes metadata reconstruction: `Metadata::unflatten` on `key=value` lines (the dotenv/INI
//! layout) and `Metadata::from_value` on JSON-parsed input (the YAML/JSON/binary layout).
#![no_main]

use libfuzzer_sys::fuzz_target;
use secrets_sops::metadata::Metadata;
use secrets_sops::tree::Value;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let pairs: Vec<(String, String)> = text
        .lines()
        .map(|line| match line.split_once('=') {
            Some((k, v)) => (k.to_string(), v.to_string()),
            None => (line.to_string(), String::new()),
        })
        .collect();
    if let Ok(md) = Metadata::unflatten(&pairs) {
        // Whatever was accepted must flatten and come back.
        let _ = Metadata::unflatten(&md.flatten());
        let _ = md.last_modified_aad();
    }

    if let Ok(branch) = secrets_sops::store::json::parse(data) {
        // The whole document, and every top-level value (e.g. the `sops` key).
        for (_, v) in branch.entries() {
            if let Ok(md) = Metadata::from_value(v) {
                let _ = md.last_modified_aad();
                let _ = md.effective_threshold();
            }
        }
        let _ = Metadata::from_value(&Value::Map(branch));
    }
});
