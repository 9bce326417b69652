//! Property: any tree (unicode keys, nested lists, every scalar type, comments) survives
//! encrypt → decrypt unchanged, the MAC verifies, and re-encrypting an unchanged tree with the
//! same cipher is byte-stable (IV reuse).

use proptest::prelude::*;
use secrets_sops::cipher::{Cipher, DataKey};
use secrets_sops::crypt::{decrypt_tree, encrypt_tree, seal_mac, verify_mac};
use secrets_sops::gofmt::GoTime;
use secrets_sops::metadata::{EncryptionOptions, Metadata};
use secrets_sops::tree::{Branch, Item, Value};

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        "\\PC{0,16}".prop_map(Value::Str),
        prop::collection::vec(any::<u8>(), 0..8).prop_map(Value::from_bytes),
        any::<i64>().prop_map(Value::Int),
        any::<f64>()
            .prop_filter("NaN never compares equal", |f| !f.is_nan())
            .prop_map(Value::Float),
        any::<bool>().prop_map(Value::Bool),
        Just(Value::Null),
        Just(Value::Time("2020-01-02T03:04:05.5+01:00".into())),
        "[ -~]{1,10}".prop_map(Value::Comment),
    ]
}

fn value() -> BoxedStrategy<Value> {
    scalar()
        .prop_filter("comments only inside lists", |v| {
            !matches!(v, Value::Comment(_))
        })
        .prop_recursive(4, 32, 5, |inner| {
            prop_oneof![
                prop::collection::vec(
                    prop_oneof![3 => inner.clone(), 1 => "[ -~]{1,10}".prop_map(Value::Comment)],
                    0..5
                )
                .prop_map(Value::List),
                branch(inner.boxed()).prop_map(Value::Map),
            ]
        })
        .boxed()
}

fn branch(inner: BoxedStrategy<Value>) -> impl Strategy<Value = Branch> {
    prop::collection::vec(
        prop_oneof![
            4 => ("\\PC{1,8}", inner).prop_map(|(k, v)| Item::Entry(k, v)),
            1 => "[ -~]{1,10}".prop_map(Item::Comment),
        ],
        0..5,
    )
    .prop_map(Branch)
}

fn options() -> impl Strategy<Value = (EncryptionOptions, bool)> {
    let o = |f: fn(&mut EncryptionOptions, String), v: &'static str| {
        let mut opts = EncryptionOptions::default();
        f(&mut opts, v.to_string());
        opts
    };
    (
        prop_oneof![
            Just(EncryptionOptions::default().with_default()),
            Just(o(|o, v| o.encrypted_regex = v, "^[a-m]")),
            Just(o(|o, v| o.unencrypted_regex = v, "x")),
            Just(o(|o, v| o.encrypted_suffix = v, "_enc")),
            Just(o(|o, v| o.encrypted_comment_regex = v, "e")),
            Just(o(|o, v| o.unencrypted_comment_regex = v, "^ ?u")),
        ],
        any::<bool>(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, failure_persistence: None, .. ProptestConfig::default() })]

    #[test]
    fn encrypt_decrypt_is_identity(docs in prop::collection::vec(branch(value()), 1..3), (opts, mac_only) in options()) {
        prop_assume!(!sops_list_comment_hazard(&docs, &opts.encrypted_comment_regex));
        let md0 = Metadata { options: opts, mac_only_encrypted: mac_only, ..Metadata::default() };
        let key = DataKey::generate();
        let mut enc = docs.clone();
        let mut md = md0.clone();
        let mut cipher = Cipher::new(key.clone());
        let mac = match encrypt_tree(&mut enc, &md, &mut cipher) {
            Ok(m) => m,
            // An encrypted comment matching unencrypted_comment_regex is refused, as in sops.
            Err(_) => return Ok(()),
        };
        seal_mac(&mut md, &mut cipher, &mac, GoTime::now_utc()).unwrap();

        let mut dec = enc.clone();
        let mut reader = Cipher::new(key);
        let mac2 = decrypt_tree(&mut dec, &md, &mut reader, |_| {}).unwrap();
        prop_assert_eq!(&mac2, &mac);
        verify_mac(&md, &mut reader, &mac2).unwrap();
        // Empty comments inside lists become "" items (as in sops); compare without them.
        let norm = |b: &Vec<Branch>| format!("{b:?}").replace("Comment(\"\")", "Str(\"\")");
        prop_assert_eq!(norm(&dec), norm(&docs));

        // Same key, same plaintext: re-encryption through the reader's IV stash is stable.
        // (It equals `enc` except where identical values share a key path: then, as in sops,
        // they all take the IV decrypted last.)
        let mut again = dec.clone();
        encrypt_tree(&mut again, &md, &mut reader).unwrap();
        let mut twice = dec.clone();
        encrypt_tree(&mut twice, &md, &mut reader).unwrap();
        prop_assert_eq!(format!("{again:?}"), format!("{twice:?}"));
    }
}

/// In a list, a comment that follows a comment matching `encrypted_comment_regex` is encrypted
/// and written as a string item (`- ENC[…,type:comment]`), which ends the comment run when the
/// file is read back: what follows it (a value, or another comment) is then not selected for
/// decryption and, for a value, the MAC differs. Real sops 3.11 writes the same file and fails on it the same way (exit 51, checked
/// by hand with `encrypted_comment_regex: e` on `A: [# e, # 0, x]`); we keep its behaviour, so
/// the property above leaves such trees out and this test pins the behaviour.
fn sops_list_comment_hazard(docs: &[Branch], regex: &str) -> bool {
    fn value(v: &Value, regex: &str) -> bool {
        match v {
            Value::Map(b) => branch(b, regex),
            Value::List(items) => {
                let (mut matched, mut encrypted_comment) = (false, false);
                for item in items {
                    match item {
                        // Anything after an encrypted comment of the run: a value, or
                        // another comment (also left encrypted on the way back).
                        Value::Comment(_) if encrypted_comment => return true,
                        Value::Comment(c) => {
                            encrypted_comment = matched;
                            matched |= c.contains(regex);
                        }
                        other => {
                            if encrypted_comment || value(other, regex) {
                                return true;
                            }
                            (matched, encrypted_comment) = (false, false);
                        }
                    }
                }
                false
            }
            _ => false,
        }
    }
    fn branch(b: &Branch, regex: &str) -> bool {
        b.0.iter()
            .any(|i| matches!(i, Item::Entry(_, v) if value(v, regex)))
    }
    !regex.is_empty() && docs.iter().any(|b| branch(b, regex))
}

#[test]
fn encrypted_comment_run_in_a_list_fails_like_sops() {
    let opts = EncryptionOptions {
        encrypted_comment_regex: "e".into(),
        ..EncryptionOptions::default()
    };
    let docs = vec![Branch(vec![Item::Entry(
        "A".into(),
        Value::List(vec![
            Value::Comment("e".into()),
            Value::Comment("0".into()),
            Value::Str("x".into()),
        ]),
    )])];
    assert!(sops_list_comment_hazard(&docs, "e"));
    let mut md = Metadata {
        options: opts,
        ..Metadata::default()
    };
    let key = DataKey::generate();
    let mut enc = docs.clone();
    let mut cipher = Cipher::new(key.clone());
    let mac = encrypt_tree(&mut enc, &md, &mut cipher).unwrap();
    seal_mac(&mut md, &mut cipher, &mac, GoTime::now_utc()).unwrap();
    let Item::Entry(_, Value::List(items)) = &enc[0].0[0] else {
        panic!("{enc:?}")
    };
    assert_eq!(items[0], Value::Comment("e".into()));
    assert!(matches!(&items[1], Value::Str(s) if s.ends_with("type:comment]")));
    let mut dec = enc.clone();
    let mac2 = decrypt_tree(&mut dec, &md, &mut Cipher::new(key), |_| {}).unwrap();
    assert_ne!(mac2, mac, "sops 3.11 reports a MAC mismatch here too");
}
