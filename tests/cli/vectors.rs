//! Replays `tests/vectors/manifest.json` (made with the real sops 3.11; see tests/vectors/README.md):
//! decrypt vectors byte for byte, tampered files rejected with sops' exit code, inputs sops
//! refuses to encrypt refused, sops CLI behaviours (stdout and exit code), and our encryption of
//! every plaintext read back by the real sops.

use std::path::Path;

use serde_json::Value;

use crate::util::{run, secrets, sops, vectors};

/// Where secrets deliberately differs from sops, with the exit code we give instead.
/// Every entry is a sops crash or a restriction we lift; see README "Differences from sops".
const DEVIATIONS: &[(&str, i32, &str)] = &[
    (
        "neg.basic.value-int",
        25,
        "sops panics (exit 2) on a non-string value where ciphertext is expected; we report it",
    ),
    ("neg.json-basic.value-number", 25, "same, JSON number"),
    (
        "neg.basic.type-str-to-bytes",
        0,
        "sops panics on type:bytes; we read it (the format defines it)",
    ),
    (
        "cli.extract-key-on-list",
        1,
        "sops panics (exit 2); we report the bad path",
    ),
    (
        "reject.maconly-subcommand-flag",
        0,
        "--mac-only-encrypted is accepted on `encrypt` (sops: legacy -e only)",
    ),
    ("cli.encrypt-maconly-flag", 0, "same"),
];

fn manifest() -> Value {
    let text = std::fs::read_to_string(vectors().join("manifest.json")).expect("manifest.json");
    serde_json::from_str(&text).expect("valid manifest")
}

fn cases(kind: &str) -> Vec<Value> {
    manifest()["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["kind"] == kind)
        .cloned()
        .collect()
}

/// A manifest env dict: `*_FILE` values are corpus-relative paths.
/// A copy of the vectors (without the large YAML corpus) in a temp dir with no `.sops.yaml` above it.
fn isolated_vectors() -> tempfile::TempDir {
    fn copy_dir(from: &std::path::Path, to: &std::path::Path, skip: &str) {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            let target = to.join(entry.file_name());
            if entry.file_name() == skip {
                continue;
            } else if entry.file_type().unwrap().is_dir() {
                copy_dir(&entry.path(), &target, "");
            } else {
                std::fs::copy(entry.path(), &target).unwrap();
            }
        }
    }
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&vectors(), tmp.path(), "yaml");
    tmp
}

fn env_of(v: &Value) -> Vec<(String, String)> {
    v.as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| {
                    let v = v.as_str().unwrap_or_default();
                    let v = if k.ends_with("_FILE") {
                        vectors().join(v).display().to_string()
                    } else {
                        v.to_string()
                    };
                    (k.clone(), v)
                })
                .collect()
        })
        .unwrap_or_default()
}

fn deviation(id: &str) -> Option<i32> {
    DEVIATIONS
        .iter()
        .find(|(d, _, _)| *d == id)
        .map(|(_, code, _)| *code)
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or_default()
}

fn report(failures: Vec<String>, total: usize) {
    assert!(
        failures.is_empty(),
        "{} of {total} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn decrypt_vectors_match_sops_output() {
    let dir = vectors();
    let all = cases("decrypt");
    assert!(all.len() > 100);
    let mut failures = Vec::new();
    for c in &all {
        let id = s(&c["id"]);
        let expected = std::fs::read(dir.join(s(&c["expected_plaintext_file"]))).unwrap();
        for ident in c["decrypt_with"].as_array().unwrap() {
            let r = run(
                &secrets(),
                &["decrypt", s(&c["file"])],
                &dir,
                &env_of(ident),
                None,
            );
            if r.code != 0 && c["stricter_rejection_ok"] == true {
                continue;
            }
            if r.code != 0 {
                failures.push(format!(
                    "{id}: exit {} with {ident}: {}",
                    r.code,
                    r.stderr_text()
                ));
            } else if r.stdout != expected {
                failures.push(format!("{id}: output differs with {ident}"));
            }
        }
        for ident in c["cannot_decrypt_with"].as_array().into_iter().flatten() {
            let r = run(
                &secrets(),
                &["decrypt", s(&c["file"])],
                &dir,
                &env_of(ident),
                None,
            );
            if r.code == 0 {
                failures.push(format!(
                    "{id}: decrypted with {ident}, which is not a recipient"
                ));
            } else if r.code != 128 {
                failures.push(format!(
                    "{id}: wrong identity gave exit {} (want 128)",
                    r.code
                ));
            }
        }
    }
    report(failures, all.len());
}

#[test]
fn tampered_files_are_rejected_with_sops_exit_codes() {
    let dir = vectors();
    let all = cases("negative");
    let mut failures = Vec::new();
    for c in &all {
        let id = s(&c["id"]);
        let want =
            deviation(id).unwrap_or(c["expected_error"]["exit_code"].as_i64().unwrap() as i32);
        let r = run(
            &secrets(),
            &["decrypt", s(&c["file"])],
            &dir,
            &env_of(&c["decrypt_with"][0]),
            None,
        );
        if r.code != want {
            failures.push(format!(
                "{id}: exit {} (want {want}): {}",
                r.code,
                r.stderr_text()
            ));
        }
        if r.code != 0 && !r.stdout.is_empty() {
            failures.push(format!(
                "{id}: failed but wrote {} bytes to stdout",
                r.stdout.len()
            ));
        }
        if r.stderr_text().contains("panicked") {
            failures.push(format!("{id}: panicked"));
        }
    }
    report(failures, all.len());
}

/// Sets up a temporary working directory as the manifest's `encrypt` field describes.
fn encrypt_workdir(c: &Value) -> (tempfile::TempDir, String) {
    let tmp = tempfile::tempdir().unwrap();
    let e = &c["encrypt"];
    let path = s(&e["path"]).to_string();
    let dst = tmp.path().join(&path);
    std::fs::create_dir_all(dst.parent().unwrap()).unwrap();
    std::fs::copy(vectors().join(s(&c["plain"])), &dst).unwrap();
    if let Some(cfg) = e["sops_yaml"].as_str() {
        std::fs::copy(vectors().join(cfg), tmp.path().join(".sops.yaml")).unwrap();
    }
    (tmp, path)
}

fn encrypt_args(c: &Value) -> Vec<String> {
    let e = &c["encrypt"];
    let mut args: Vec<String> = match e["subcommand"].as_array() {
        Some(sub) => sub.iter().map(|v| s(v).to_string()).collect(),
        None => vec!["encrypt".into()],
    };
    args.extend(
        e["args"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| s(v).to_string()),
    );
    args.push(s(&e["path"]).to_string());
    args
}

/// The extension sops uses to pick the store when decrypting our output.
fn output_extension(c: &Value) -> String {
    let args: Vec<&str> = c["encrypt"]["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(s)
        .collect();
    let ext = |t: &str| match t {
        "yaml" => "yaml",
        "json" => "json",
        "dotenv" => "env",
        "ini" => "ini",
        _ => "bin",
    };
    if let Some(i) = args.iter().position(|a| *a == "--output-type") {
        return ext(args[i + 1]).to_string();
    }
    let path = s(&c["encrypt"]["path"]);
    let input_ext = Path::new(path)
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("bin");
    match input_ext {
        "yaml" | "yml" | "json" | "env" | "ini" => input_ext.to_string(),
        _ => "bin".to_string(),
    }
}

fn sops_reads_ours(c: &Value) -> Vec<String> {
    let sops = sops();
    let id = s(&c["id"]);
    let mut failures = Vec::new();
    let (tmp, _) = encrypt_workdir(c);
    let args = encrypt_args(c);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let r = run(&secrets(), &args, tmp.path(), &[], None);
    if r.code != 0 {
        return vec![format!(
            "{id}: our encrypt failed ({}): {}",
            r.code,
            r.stderr_text()
        )];
    }
    // Decrypt elsewhere: the expected outputs were made without a .sops.yaml in sight.
    let out_dir = tempfile::tempdir().unwrap();
    let out = out_dir.path().join(format!("ours.{}", output_extension(c)));
    std::fs::write(&out, &r.stdout).unwrap();
    let out_s = out.to_str().unwrap();
    let expected = std::fs::read(vectors().join(s(&c["expected_plaintext_file"]))).unwrap();
    for ident in c["decrypt_with"].as_array().unwrap() {
        let d = run(
            &sops,
            &["decrypt", out_s],
            out_dir.path(),
            &env_of(ident),
            None,
        );
        if d.code != 0 {
            failures.push(format!(
                "{id}: sops could not decrypt ours with {ident}: {}",
                d.stderr_text()
            ));
        } else if d.stdout != expected {
            failures.push(format!(
                "{id}: sops decrypted ours to different bytes with {ident}"
            ));
        }
    }
    for ident in c["cannot_decrypt_with"].as_array().into_iter().flatten() {
        let d = run(
            &sops,
            &["decrypt", out_s],
            out_dir.path(),
            &env_of(ident),
            None,
        );
        if d.code == 0 {
            failures.push(format!(
                "{id}: sops decrypted ours with {ident} (recipients/groups wrong)"
            ));
        }
    }
    // And we read our own output too.
    let d = run(
        &secrets(),
        &["decrypt", out_s],
        out_dir.path(),
        &env_of(&c["decrypt_with"][0]),
        None,
    );
    if d.stdout != expected {
        failures.push(format!(
            "{id}: our decrypt of our output differs ({})",
            d.code
        ));
    }
    failures
}

#[test]
fn sops_decrypts_what_we_encrypt() {
    let all: Vec<Value> = cases("decrypt")
        .into_iter()
        .filter(|c| c["encrypt"].is_object() && c["tamper_accepted"] != true)
        .collect();
    assert!(all.len() > 100);
    // sops spends most of its time starting up; run cases on a few threads.
    let threads = 4;
    let failures: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let all = &all;
                scope.spawn(move || {
                    all.iter()
                        .skip(t)
                        .step_by(threads)
                        .flat_map(sops_reads_ours)
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    report(failures, all.len());
}

#[test]
fn inputs_sops_refuses_are_refused() {
    let all = cases("encrypt_rejected");
    let mut failures = Vec::new();
    for c in &all {
        let id = s(&c["id"]);
        let want =
            deviation(id).unwrap_or(c["expected_error"]["exit_code"].as_i64().unwrap() as i32);
        let (tmp, _) = encrypt_workdir(c);
        let args = encrypt_args(c);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let r = run(&secrets(), &args, tmp.path(), &[], None);
        if r.code != want {
            failures.push(format!(
                "{id}: exit {} (want {want}): {}",
                r.code,
                r.stderr_text()
            ));
        }
    }
    report(failures, all.len());
}

#[test]
fn cli_behaviour_matches_sops() {
    // sops and secrets look for .sops.yaml upward from the working directory; run the cases in a
    // copy outside this repository so its own .sops.yaml cannot change their outcome.
    let isolated = isolated_vectors();
    let dir = isolated.path().to_path_buf();
    let all = cases("cli");
    let mut failures = Vec::new();
    for c in &all {
        let id = s(&c["id"]);
        let cwd = c["cwd"].as_str().map_or(dir.clone(), |d| dir.join(d));
        let stdin = c["stdin_file"]
            .as_str()
            .map(|f| std::fs::read(dir.join(f)).unwrap());
        let args: Vec<&str> = c["args"].as_array().unwrap().iter().map(s).collect();
        let r = run(
            &secrets(),
            &args,
            &cwd,
            &env_of(&c["env"]),
            stdin.as_deref(),
        );
        let want = deviation(id).unwrap_or(c["expected_exit"].as_i64().unwrap() as i32);
        if r.code != want {
            failures.push(format!(
                "{id}: exit {} (want {want}): {}",
                r.code,
                r.stderr_text()
            ));
            continue;
        }
        if let (Some(f), None) = (c["expected_stdout_file"].as_str(), deviation(id)) {
            let expected = std::fs::read(dir.join(f)).unwrap();
            if r.stdout != expected {
                failures.push(format!(
                    "{id}: stdout differs\n--- sops\n{}\n--- ours\n{}",
                    String::from_utf8_lossy(&expected),
                    String::from_utf8_lossy(&r.stdout)
                ));
            }
        }
    }
    report(failures, all.len());
}
