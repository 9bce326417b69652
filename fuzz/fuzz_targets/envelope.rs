//! Fuzzes `ENC[...]` parsing, value decryption with a fixed data key, and tree-path parsing.
//!
//! Input layout: the first line is the AAD (and the `type:` tag for the authenticated round
//! trip); the rest is the envelope text. The whole input is also fed to `path::parse`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use secrets_sops::cipher::{Cipher, DataKey, Envelope};
use secrets_sops::tree::Value;

const KEY: [u8; 32] = [7u8; 32];
const IV: [u8; 32] = [0xa5u8; 32];

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        // Non-UTF-8 bytes still reach the plaintext side through the round trip below.
        round_trip(data, "str", "");
        return;
    };
    let _ = secrets_sops::path::parse(s);
    let (aad, text) = s.split_once('\n').unwrap_or(("", s));

    // Arbitrary envelopes, with and without an AAD, and a formatted re-parse.
    let key = DataKey::from_slice(&KEY).unwrap();
    let mut cipher = Cipher::new(key.clone());
    let _ = cipher.decrypt(s, "");
    let _ = cipher.decrypt(text, aad);
    if let Ok(env) = Envelope::parse(text) {
        let again = env.format();
        let _ = Envelope::parse(&again);
        let _ = cipher.decrypt(&again, aad);
    }
    let _ = Cipher::read_only(key).decrypt(text, aad);

    // Authenticated path: encrypt the text under the fixed key, then swap in a fuzzed
    // `type:` (not covered by the tag, as in sops) so every typed-value parser sees
    // arbitrary plaintext.
    round_trip(text.as_bytes(), aad, aad);
});

fn round_trip(plaintext: &[u8], datatype: &str, aad: &str) {
    let key = DataKey::from_slice(&KEY).unwrap();
    let mut cipher = Cipher::with_fixed_iv(key, IV);
    let value = Value::Bytes(plaintext.to_vec());
    let Ok(enc) = cipher.encrypt(&value, aad) else {
        return;
    };
    if enc.is_empty() {
        return;
    }
    // A value we just encrypted must decrypt.
    if let Err(e) = cipher.decrypt(&enc, aad) {
        panic!("fresh envelope does not decrypt: {e}: {enc:?}");
    }
    let Ok(mut env) = Envelope::parse(&enc) else {
        panic!("fresh envelope does not parse: {enc:?}");
    };
    env.datatype = datatype.to_string();
    let _ = cipher.decrypt(&env.format(), aad);
}
