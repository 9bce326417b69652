//! In-process cost of selecting, naming and quoting a 1,000-key target (no decryption, no
//! process start): `cargo bench -p secrets-deploy`. `bench/sync.sh` measures the whole
//! `secrets render` process.

use std::time::Instant;

use secrets_deploy::render::{collect, render_dotenv};
use secrets_deploy::targets::Selection;
use secrets_sops::tree::{Branch, Item, Value};

fn main() {
    let branch = Branch(
        (0..1000)
            .map(|i| {
                Item::Entry(
                    format!("key_{i:04}"),
                    Value::Str(format!("value {i} with spaces #and $dollars 'quotes'")),
                )
            })
            .collect(),
    );
    let branches = vec![branch];
    let select = Selection {
        upper: true,
        ..Selection::default()
    };
    let mut times = Vec::new();
    for _ in 0..200 {
        let start = Instant::now();
        let env = collect(&[("big.sops.yaml", &branches)], &select).expect("collect");
        let bytes = render_dotenv(&env, "bench").expect("render");
        std::hint::black_box(bytes);
        times.push(start.elapsed());
    }
    times.sort();
    println!(
        "render 1,000 keys (collect + quote): median {:?}, min {:?}",
        times[times.len() / 2],
        times[0]
    );
}
