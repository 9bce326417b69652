//! Behaviour beyond byte compatibility: atomic in-place writes, permissions, stdin/stdout,
//! legacy flags, useful errors, and never printing a secret value.

use std::path::Path;

use crate::util::{key, key_env, run, secrets, sops, ALICE, BOB};

const SECRET: &str = "hunter2-do-not-print-me";

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn encrypt_to(dir: &Path, plain: &Path, recipients: &str) -> std::path::PathBuf {
    let r = run(
        &secrets(),
        &["encrypt", "--age", recipients, plain.to_str().unwrap()],
        dir,
        &[],
        None,
    );
    assert_eq!(r.code, 0, "{}", r.stderr_text());
    let ext = plain.extension().unwrap().to_str().unwrap();
    let out = dir.join(format!("enc.{ext}"));
    std::fs::write(&out, r.stdout).unwrap();
    out
}

#[cfg(unix)]
fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[test]
fn in_place_encrypt_is_atomic_and_keeps_mode() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "app.yaml", &format!("password: {SECRET}\n"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o640)).unwrap();
    }
    let r = run(
        &secrets(),
        &["encrypt", "-i", "--age", ALICE, "app.yaml"],
        dir.path(),
        &[],
        None,
    );
    assert_eq!(r.code, 0, "{}", r.stderr_text());
    assert!(r.stdout.is_empty());
    let text = std::fs::read_to_string(&p).unwrap();
    assert!(text.contains("ENC[AES256_GCM,") && !text.contains(SECRET));
    #[cfg(unix)]
    assert_eq!(mode(&p), 0o640);
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1, "temporary files left behind: {names:?}");
    // Real sops reads it, and a second in-place encrypt is refused with sops' code.
    let d = run(
        &sops(),
        &["decrypt", "app.yaml"],
        dir.path(),
        &key_env("alice.txt"),
        None,
    );
    assert_eq!(
        String::from_utf8_lossy(&d.stdout),
        format!("password: {SECRET}\n")
    );
    let again = run(
        &secrets(),
        &["encrypt", "-i", "--age", ALICE, "app.yaml"],
        dir.path(),
        &[],
        None,
    );
    assert_eq!(again.code, 203);
    assert_eq!(
        std::fs::read_to_string(&p).unwrap(),
        text,
        "a refused write must not touch the file"
    );
}

#[test]
fn decrypt_output_file_is_private() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "a.env", &format!("TOKEN={SECRET}\n"));
    let enc = encrypt_to(dir.path(), &p, ALICE);
    let r = run(
        &secrets(),
        &["decrypt", "--output", "plain.env", enc.to_str().unwrap()],
        dir.path(),
        &key_env("alice.txt"),
        None,
    );
    assert_eq!(r.code, 0, "{}", r.stderr_text());
    assert_eq!(
        std::fs::read_to_string(dir.path().join("plain.env")).unwrap(),
        format!("TOKEN={SECRET}\n")
    );
    #[cfg(unix)]
    assert_eq!(mode(&dir.path().join("plain.env")), 0o600);
}

#[test]
fn every_store_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = [
        ("a.yaml", "# c\nk: v\nnum: 1\nl:\n    - x\n"),
        ("a.json", "{\n\t\"k\": \"v\",\n\t\"n\": 1\n}\n"),
        ("a.env", "#c\nK=v\n"),
        ("a.ini", "[s]\nk = v\n"),
        ("a.bin", "\u{0}raw\u{ff} bytes"),
    ];
    for (name, text) in inputs {
        let p = write(dir.path(), name, text);
        let enc = encrypt_to(dir.path(), &p, ALICE);
        let r = run(
            &secrets(),
            &["decrypt", enc.to_str().unwrap()],
            dir.path(),
            &key_env("alice.txt"),
            None,
        );
        assert_eq!(r.code, 0, "{name}: {}", r.stderr_text());
        assert_eq!(String::from_utf8_lossy(&r.stdout), text, "{name}");
    }
}

#[test]
fn stdin_and_legacy_flags() {
    let dir = tempfile::tempdir().unwrap();
    let plain = b"a: 1\n";
    let missing = run(
        &secrets(),
        &["encrypt", "--age", ALICE],
        dir.path(),
        &[],
        Some(plain),
    );
    assert_eq!(
        missing.code, 8,
        "stdin needs --filename-override, like sops"
    );
    let enc = run(
        &secrets(),
        &["-e", "--age", ALICE, "--filename-override", "x.yaml", "-"],
        dir.path(),
        &[],
        Some(plain),
    );
    assert_eq!(enc.code, 0, "{}", enc.stderr_text());
    let dec = run(
        &secrets(),
        &["-d", "--input-type", "yaml", "--output-type", "yaml"],
        dir.path(),
        &key_env("alice.txt"),
        Some(&enc.stdout),
    );
    assert_eq!(dec.stdout, plain);
}

#[test]
fn extract_prints_strings_raw() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "a.yaml",
        &format!("db:\n    password: {SECRET}\n    port: 5432\n"),
    );
    let enc = encrypt_to(dir.path(), &p, ALICE);
    let e = enc.to_str().unwrap();
    let r = run(
        &secrets(),
        &["decrypt", "--extract", "[\"db\"][\"password\"]", e],
        dir.path(),
        &key_env("alice.txt"),
        None,
    );
    assert_eq!(r.stdout, SECRET.as_bytes());
    let r = run(
        &secrets(),
        &["decrypt", "--extract", "[\"db\"]", e],
        dir.path(),
        &key_env("alice.txt"),
        None,
    );
    assert_eq!(
        String::from_utf8_lossy(&r.stdout),
        format!("password: {SECRET}\nport: 5432\n")
    );
    let bad = run(
        &secrets(),
        &["decrypt", "--extract", "db", e],
        dir.path(),
        &key_env("alice.txt"),
        None,
    );
    assert_eq!(bad.code, 91);
    let missing = run(
        &secrets(),
        &["decrypt", "--extract", "[\"nope\"]", e],
        dir.path(),
        &key_env("alice.txt"),
        None,
    );
    assert_eq!(missing.code, 1);
}

#[test]
fn errors_never_contain_values() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "a.yaml",
        &format!("user: admin\npassword: {SECRET}\n"),
    );
    let enc = encrypt_to(dir.path(), &p, ALICE);
    let text = std::fs::read_to_string(&enc).unwrap();
    // A value that should be ciphertext replaced by plaintext (sops prints it; we must not).
    let tampered: String = text
        .lines()
        .map(|l| {
            if l.starts_with("password:") {
                format!("password: {SECRET}")
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n";
    std::fs::write(&enc, tampered).unwrap();
    let r = run(
        &secrets(),
        &["--verbose", "decrypt", enc.to_str().unwrap()],
        dir.path(),
        &key_env("alice.txt"),
        None,
    );
    assert_eq!(r.code, 25);
    let err = r.stderr_text();
    assert!(
        err.contains("[\"password\"]"),
        "the error names the key path: {err}"
    );
    assert!(!err.contains(SECRET), "the error leaks the value: {err}");
    assert!(
        !err.contains("AGE-SECRET-KEY"),
        "the error leaks key material: {err}"
    );
    assert!(r.stdout.is_empty());

    // A MAC mismatch shows neither values nor whole MACs.
    let p2 = write(dir.path(), "b.yaml", &format!("a: {SECRET}\nb: x\n"));
    let enc2 = encrypt_to(dir.path(), &p2, ALICE);
    let text = std::fs::read_to_string(&enc2).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let swapped = format!(
        "a: {}\nb: {}\n{}\n",
        &lines[1][3..],
        &lines[0][3..],
        lines[2..].join("\n")
    );
    std::fs::write(&enc2, swapped).unwrap();
    let r = run(
        &secrets(),
        &["decrypt", enc2.to_str().unwrap()],
        dir.path(),
        &key_env("alice.txt"),
        None,
    );
    assert_ne!(r.code, 0);
    assert!(!r.stderr_text().contains(SECRET));
}

#[test]
fn missing_identity_lists_where_we_looked_and_who_can_decrypt() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "a.yaml", "a: 1\n");
    let enc = encrypt_to(dir.path(), &p, &format!("{ALICE},{BOB}"));
    let r = run(
        &secrets(),
        &["decrypt", enc.to_str().unwrap()],
        dir.path(),
        &[],
        None,
    );
    assert_eq!(r.code, 128);
    let err = r.stderr_text();
    for needle in [
        ALICE,
        BOB,
        "SOPS_AGE_KEY_FILE",
        "SOPS_AGE_KEY",
        "SOPS_AGE_KEY_CMD",
        "SOPS_AGE_SSH_PRIVATE_KEY_FILE",
        "id_ed25519",
        "id_rsa",
        "keys.txt",
    ] {
        assert!(err.contains(needle), "missing {needle} in:\n{err}");
    }
    // Bob can decrypt through SOPS_AGE_KEY (contents), Alice through the default keys.txt.
    let bob = std::fs::read_to_string(key("bob.txt")).unwrap();
    let r = run(
        &secrets(),
        &["decrypt", enc.to_str().unwrap()],
        dir.path(),
        &[("SOPS_AGE_KEY".into(), bob)],
        None,
    );
    assert_eq!(r.code, 0, "{}", r.stderr_text());
    let cfg = dir.path().join("cfg/sops/age");
    std::fs::create_dir_all(&cfg).unwrap();
    std::fs::copy(key("alice.txt"), cfg.join("keys.txt")).unwrap();
    let r = run(
        &secrets(),
        &["decrypt", enc.to_str().unwrap()],
        dir.path(),
        &[(
            "XDG_CONFIG_HOME".into(),
            dir.path().join("cfg").display().to_string(),
        )],
        None,
    );
    assert_eq!(r.code, 0, "{}", r.stderr_text());
}

#[test]
fn age_key_cmd_gets_the_recipient() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "a.yaml", "a: 1\n");
    let enc = encrypt_to(dir.path(), &p, ALICE);
    let script = write(
        dir.path(),
        "keycmd.sh",
        &format!(
            "#!/bin/sh\necho \"$SOPS_AGE_RECIPIENT\" >> {}\ncat {}\n",
            dir.path().join("seen").display(),
            key("alice.txt").display()
        ),
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o700)).unwrap();
    }
    let r = run(
        &secrets(),
        &["decrypt", enc.to_str().unwrap()],
        dir.path(),
        &[(
            "SOPS_AGE_KEY_CMD".into(),
            format!("sh {}", script.display()),
        )],
        None,
    );
    assert_eq!(r.code, 0, "{}", r.stderr_text());
    assert_eq!(
        std::fs::read_to_string(dir.path().join("seen"))
            .unwrap()
            .trim(),
        ALICE
    );
}

#[test]
fn creation_rules_choose_recipients_and_options() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        ".sops.yaml",
        &format!(
            "creation_rules:\n  - path_regex: ^secrets/.*\\.yaml$\n    age: {BOB}\n    encrypted_regex: ^(password)$\n  - age: {ALICE}\n"
        ),
    );
    std::fs::create_dir(dir.path().join("secrets")).unwrap();
    write(dir.path(), "secrets/app.yaml", "user: u\npassword: p\n");
    let r = run(
        &secrets(),
        &["encrypt", "secrets/app.yaml"],
        dir.path(),
        &[],
        None,
    );
    assert_eq!(r.code, 0, "{}", r.stderr_text());
    let text = String::from_utf8(r.stdout).unwrap();
    assert!(text.contains("user: u\n") && text.contains(BOB) && !text.contains(ALICE));
    assert!(text.contains("encrypted_regex: ^(password)$"));
    // The catch-all rule applies elsewhere; decrypting needs no rule at all.
    write(dir.path(), "other.yaml", "k: v\n");
    let r = run(
        &secrets(),
        &["encrypt", "-i", "other.yaml"],
        dir.path(),
        &[],
        None,
    );
    assert_eq!(r.code, 0);
    assert!(std::fs::read_to_string(dir.path().join("other.yaml"))
        .unwrap()
        .contains(ALICE));
    let sub = dir.path().join("secrets");
    let r = run(
        &secrets(),
        &["decrypt", "../other.yaml"],
        &sub,
        &key_env("alice.txt"),
        None,
    );
    assert_eq!(String::from_utf8_lossy(&r.stdout), "k: v\n");
}

#[test]
fn filestatus_reports_encryption() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "a.yaml", "a: 1\n");
    let r = run(&secrets(), &["filestatus", "a.yaml"], dir.path(), &[], None);
    assert_eq!(
        String::from_utf8_lossy(&r.stdout),
        "{\"encrypted\":false}\n"
    );
    let enc = encrypt_to(dir.path(), &p, ALICE);
    let r = run(
        &secrets(),
        &["filestatus", enc.to_str().unwrap()],
        dir.path(),
        &[],
        None,
    );
    assert_eq!(String::from_utf8_lossy(&r.stdout), "{\"encrypted\":true}\n");
}

#[test]
fn demo_runs_without_configuration() {
    let r = run(&secrets(), &["demo"], Path::new("/"), &[], None);
    assert_eq!(r.code, 0, "{}", r.stderr_text());
    let out = String::from_utf8_lossy(&r.stdout);
    // Every step of the tour ran, printed as the command a user would type.
    for step in [
        "$ secrets init",
        "$ secrets encrypt -i secrets/app.sops.yaml",
        "secrets edit secrets/app.sops.yaml",
        "+api_token: tok_demo_rotated_0987654321", // secrets:allow
        "$ git add -f .env && git commit -m 'Add env'",
        "stripe-secret-key",
        "$ secrets render web",
        "API_TOKEN=tok_demo_rotated_0987654321", // secrets:allow
        "$ secrets log",
        "Rotate the API token",
        "Done; the demo directory and its key were removed.",
    ] {
        assert!(out.contains(step), "missing {step:?} in:\n{out}");
    }
    let dir = out
        .lines()
        .find_map(|l| l.strip_prefix("secrets demo: a throwaway repository in "))
        .and_then(|l| l.split(" (").next())
        .expect("the demo names its directory");
    assert!(!Path::new(dir).exists(), "{dir} was left behind");
}

#[test]
fn repository_example_secrets_decrypt_with_the_test_keys() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for (name, key_file) in [("alice", "alice.txt"), ("bob", "bob.txt")] {
        let ours = run(
            &secrets(),
            &["decrypt", "secrets/shared.sops.yaml"],
            root,
            &key_env(key_file),
            None,
        );
        assert_eq!(ours.code, 0, "{name}: {}", ours.stderr_text());
        let theirs = run(
            &sops(),
            &["decrypt", "secrets/shared.sops.yaml"],
            root,
            &key_env(key_file),
            None,
        );
        assert_eq!(
            ours.stdout, theirs.stdout,
            "{name}: sops and secrets disagree"
        );
    }
    let carol = run(
        &secrets(),
        &["decrypt", "secrets/shared.sops.yaml"],
        root,
        &key_env("carol.txt"),
        None,
    );
    assert_eq!(carol.code, 128);
}

/// The repository is its own example: its `.sops.yaml`, `secrets/` files, inventory and
/// workflows agree, so `secrets verify` passes with a TEST key (decryption, MACs, recipients
/// against the rule, and a plaintext scan of the working tree).
#[test]
fn repository_example_passes_verify() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    if !root.join(".git").exists() {
        eprintln!("skipped: not a git checkout");
        return;
    }
    let r = run(&secrets(), &["verify"], root, &key_env("bob.txt"), None);
    assert_eq!(
        r.code,
        0,
        "{}{}",
        String::from_utf8_lossy(&r.stdout),
        r.stderr_text()
    );
}

/// `secrets/inventory.yaml` covers every key of this repository's example files.
#[test]
fn repository_example_inventory_covers_every_key() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    if !root.join(".git").exists() {
        eprintln!("skipped: not a git checkout");
        return;
    }
    let r = run(&secrets(), &["status", "--format", "json"], root, &[], None);
    assert_ne!(r.code, 2, "{}", r.stderr_text());
    let json: serde_json::Value = serde_json::from_slice(&r.stdout).unwrap();
    let keys = json["keys"].as_array().unwrap();
    assert!(!keys.is_empty());
    for k in keys {
        assert!(k["file"].as_str().unwrap().starts_with("secrets/"), "{k}");
        assert!(!k["inventory"].is_null(), "no inventory entry: {k}");
    }
}

#[test]
fn keygen_writes_a_private_identity_that_decrypts() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let r = run(
        &secrets(),
        &["keygen", "--output", "id.txt"],
        dir.path(),
        &[],
        None,
    );
    assert_eq!(r.code, 0, "{}", r.stderr_text());
    assert!(
        r.stdout.is_empty(),
        "only the public key is printed, on stderr"
    );
    let recipient = r
        .stderr_text()
        .trim()
        .strip_prefix("Public key: ")
        .expect("Public key: age1…")
        .to_string();
    let id = dir.path().join("id.txt");
    let text = std::fs::read_to_string(&id).unwrap();
    assert!(text.contains(&format!("# public key: {recipient}\n")));
    assert!(!r.stderr_text().contains("AGE-SECRET-KEY"));
    assert_eq!(
        std::fs::metadata(&id).unwrap().permissions().mode() & 0o777,
        0o600
    );

    // An identity is never overwritten.
    let again = run(
        &secrets(),
        &["keygen", "-o", "id.txt"],
        dir.path(),
        &[],
        None,
    );
    assert_eq!(again.code, 1);
    assert!(again.stderr_text().contains("already exists"));
    assert_eq!(std::fs::read_to_string(&id).unwrap(), text);

    // The real age tools and sops read it: encrypt to the recipient, decrypt with the file.
    std::fs::write(dir.path().join("a.yaml"), "k: v\n").unwrap();
    let env = vec![("SOPS_AGE_KEY_FILE".to_string(), id.display().to_string())];
    let enc = run(
        &secrets(),
        &["encrypt", "-i", "--age", &recipient, "a.yaml"],
        dir.path(),
        &env,
        None,
    );
    assert_eq!(enc.code, 0, "{}", enc.stderr_text());
    let dec = run(&sops(), &["decrypt", "a.yaml"], dir.path(), &env, None);
    assert_eq!(dec.code, 0, "{}", dec.stderr_text());
    assert_eq!(String::from_utf8_lossy(&dec.stdout), "k: v\n");
}

#[test]
fn completions_and_man_pages_come_from_the_cli_definition() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let r = run(
            &secrets(),
            &["completions", shell],
            Path::new("/"),
            &[],
            None,
        );
        assert_eq!(r.code, 0, "{shell}: {}", r.stderr_text());
        let text = String::from_utf8_lossy(&r.stdout);
        assert!(text.contains("recipients"), "{shell}");
    }
    let r = run(
        &secrets(),
        &["completions", "tcsh"],
        Path::new("/"),
        &[],
        None,
    );
    // An unknown shell is a usage error: exit 1, as sops does for bad flags.
    assert_eq!(r.code, 1);
    assert!(
        r.stderr_text().contains("bash"),
        "lists the possible values"
    );

    let r = run(&secrets(), &["man"], Path::new("/"), &[], None);
    assert_eq!(r.code, 0);
    assert!(String::from_utf8_lossy(&r.stdout).contains(".TH secrets 1"));
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("man1");
    let r = run(
        &secrets(),
        &["man", "--output", out.to_str().unwrap()],
        Path::new("/"),
        &[],
        None,
    );
    assert_eq!(r.code, 0, "{}", r.stderr_text());
    let page = std::fs::read_to_string(out.join("secrets-recipients-add.1")).unwrap();
    assert!(page.contains(".TH secrets-recipients-add 1"), "{page}");
    assert!(
        page.contains("secrets recipients add"),
        "synopsis names the command"
    );
    assert!(out.join("secrets-exec-env.1").is_file());
}

/// `recipients list` reads who can decrypt from the files themselves and names them from
/// `.sops.yaml`; the inventory's `exclude` leaves the test vectors out.
#[test]
fn repository_example_recipients_are_named() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let r = run(
        &secrets(),
        &["recipients", "list", "--format", "json"],
        root,
        &[],
        None,
    );
    assert_eq!(r.code, 0, "{}", r.stderr_text());
    assert!(
        r.stderr_text().contains("left out by `exclude`"),
        "{}",
        r.stderr_text()
    );
    let json: serde_json::Value = serde_json::from_slice(&r.stdout).unwrap();
    let text = json.to_string();
    assert!(!text.contains("tests/vectors"), "{text}");
    for (key, name) in [(ALICE, "alice (TEST key)"), (BOB, "bob (TEST key)")] {
        assert!(text.contains(key) && text.contains(name), "{text}");
    }
}
