//! Replays the YAML corpus made with the real sops 3.11 (`tests/vectors/yaml`): for every input,
//! our encrypt→decrypt must print exactly what sops printed, our encrypted file must have the
//! same shape (which leaves and comments are encrypted, and where), and inputs sops rejects must
//! be rejected.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use secrets_sops::cipher::{Cipher, DataKey};
use secrets_sops::crypt::{decrypt_tree, encrypt_tree, seal_mac};
use secrets_sops::file::{new_metadata, EncryptSpec};
use secrets_sops::gofmt::GoTime;
use secrets_sops::store::{Format, Store};

/// Cases where we deliberately differ from sops: go-yaml turns a string whose first line starts
/// with a tab into `null` (or an undecryptable file) when sops re-parses its own output. We keep
/// the data.
const DATA_LOSS_IN_SOPS: [&str; 4] = ["271-", "461-", "462-", "463-"];

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors/yaml/cases")
}

/// Encrypts like `sops encrypt` (default options), returns the encrypted bytes.
fn encrypt(input: &[u8], key: &DataKey) -> Result<Vec<u8>, secrets_sops::Error> {
    let store = Store::new(Format::Yaml);
    let mut branches = store.load_plain(input)?;
    if store.has_metadata(&branches) {
        return Err(secrets_sops::Error::AlreadyEncrypted);
    }
    let mut md = new_metadata(&EncryptSpec::default(), Format::Yaml);
    md.key_groups = secrets_sops::keys::build_key_groups(
        &[vec![
            "age1cnf60h48zvjnh386255e5u53ph3aaq93k53vsp7aywzfhrdt93sqrv5065".into(),
        ]],
        0,
        key,
    )?;
    let mut cipher = Cipher::new(key.clone());
    let mac = encrypt_tree(&mut branches, &md, &mut cipher)?;
    seal_mac(&mut md, &mut cipher, &mac, GoTime::now_utc())?;
    store.emit_encrypted(&branches, &md)
}

fn decrypt(enc: &[u8], key: &DataKey) -> Result<Vec<u8>, secrets_sops::Error> {
    let store = Store::new(Format::Yaml);
    let (mut branches, md) = store.load_encrypted(enc)?;
    let mut cipher = Cipher::new(key.clone());
    let mac = decrypt_tree(&mut branches, &md, &mut cipher, |_| {})?;
    secrets_sops::crypt::verify_mac(&md, &mut cipher, &mac)?;
    store.emit_plain(&branches)
}

/// The corpus' shape: every `ENC[...]` reduced to `ENC[<type>]`, the `sops:` block removed
/// (comments go-yaml wrote inside it are kept).
fn shape(enc: &[u8]) -> Vec<u8> {
    let re =
        regex::bytes::Regex::new(r"ENC\[AES256_GCM,data:[^,]*,iv:[^,]*,tag:[^,]*,type:([a-z]+)\]")
            .unwrap();
    let masked = re.replace_all(enc, &b"ENC[$1]"[..]).into_owned();
    let mut out: Vec<&[u8]> = Vec::new();
    let mut skipping = false;
    for line in masked.split(|&b| b == b'\n') {
        if line == b"sops:" {
            skipping = true;
            continue;
        }
        if skipping {
            if line.starts_with(b" ") || line.is_empty() {
                continue;
            }
            if line.starts_with(b"#") {
                out.push(line);
                continue;
            }
            skipping = false;
        }
        out.push(line);
    }
    let mut text = out.join(&b'\n');
    if !text.ends_with(b"\n") {
        text.push(b'\n');
    }
    text
}

#[test]
fn yaml_round_trips_match_sops() {
    let dir = corpus();
    let key = DataKey::generate();
    let mut inputs: BTreeSet<PathBuf> = BTreeSet::new();
    for entry in std::fs::read_dir(&dir).expect("corpus present") {
        let p = entry.unwrap().path();
        if p.to_string_lossy().ends_with(".in.yaml") {
            inputs.insert(p);
        }
    }
    assert!(inputs.len() > 900, "corpus incomplete: {}", inputs.len());
    let mut failures = Vec::new();
    let mut checked = 0;
    for input in &inputs {
        let name = input.file_name().unwrap().to_string_lossy().into_owned();
        if DATA_LOSS_IN_SOPS.iter().any(|p| name.starts_with(p)) {
            continue;
        }
        let base = input
            .to_string_lossy()
            .trim_end_matches(".in.yaml")
            .to_string();
        let bytes = std::fs::read(input).unwrap();
        let err_file = PathBuf::from(format!("{base}.err"));
        if err_file.exists() {
            let expect = std::fs::read_to_string(&err_file).unwrap();
            let result = encrypt(&bytes, &key);
            let failed = match (expect.starts_with("decrypt"), result) {
                (_, Err(_)) => true,
                (true, Ok(enc)) => decrypt(&enc, &key).is_err(),
                (false, Ok(_)) => false,
            };
            if !failed {
                failures.push(format!(
                    "{name}: sops rejects it ({}), we accepted",
                    expect.lines().next().unwrap_or("")
                ));
            }
            checked += 1;
            continue;
        }
        let enc = match encrypt(&bytes, &key) {
            Ok(e) => e,
            Err(e) => {
                failures.push(format!("{name}: encrypt failed: {e}"));
                continue;
            }
        };
        if let Ok(want) = std::fs::read(format!("{base}.shape.yaml")) {
            if shape(&enc) != want {
                failures.push(format!("{name}: encrypted shape differs from sops"));
            }
        }
        // Cases where sops cannot decrypt some comments of its own file are compared by shape only.
        if !Path::new(&format!("{base}.warn")).exists() {
            let want = std::fs::read(format!("{base}.out.yaml")).unwrap();
            match decrypt(&enc, &key) {
                Ok(got) if got == want => {}
                Ok(got) => failures.push(format!(
                    "{name}: decrypted output differs from sops\n--- sops\n{}--- ours\n{}",
                    String::from_utf8_lossy(&want),
                    String::from_utf8_lossy(&got)
                )),
                Err(e) => failures.push(format!("{name}: decrypt failed: {e}")),
            }
        }
        checked += 1;
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} cases differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
