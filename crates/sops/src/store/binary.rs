//! Binary store: the whole file is one string value under `data`; encrypted form is JSON.

use crate::error::{Error, Result};
use crate::tree::{Branch, Value};

/// The key that holds the file contents.
pub const DATA_KEY: &str = "data";

/// Wraps raw bytes as a one-entry branch.
pub fn parse(bytes: &[u8]) -> Branch {
    let mut b = Branch::new();
    b.push(DATA_KEY, Value::from_bytes(bytes.to_vec()));
    b
}

/// The raw bytes stored under `data`.
pub fn emit(branch: &Branch) -> Result<Vec<u8>> {
    match branch.get(DATA_KEY) {
        Some(Value::Str(s)) => Ok(s.as_bytes().to_vec()),
        Some(Value::Bytes(b)) => Ok(b.clone()),
        _ => Err(Error::emit(
            "binary",
            "no binary data found in tree; use --output-type to write structured data",
        )),
    }
}
