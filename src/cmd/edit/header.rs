//! Comment lines secrets puts at the top of the plaintext (errors, new-file hints, merge
//! conflicts) and strips again before parsing. Only formats with `#` comments get them.

use secrets_sops::path::{self, Step};
use secrets_sops::store::Format;
use secrets_sops::tree::{Branch, Item, Value};
use zeroize::Zeroizing;

/// Error and hint lines; only a leading block of them is stripped, so a user's own comment
/// further down that happens to start the same way survives.
pub const NOTE: &str = "# secrets:";
/// Conflict lines; stripped wherever they are (the user may move them around).
pub const CONFLICT: &str = "# secrets-conflict";

/// Whether `format` can carry the comment lines.
pub fn supports_comments(format: Format) -> bool {
    matches!(format, Format::Yaml | Format::Dotenv | Format::Ini)
}

/// `text` without the leading note block and without any conflict line.
pub fn strip(text: &[u8]) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::with_capacity(text.len()));
    let mut leading = true;
    for line in text.split_inclusive(|b| *b == b'\n') {
        let trimmed = trim_start(line);
        if leading && trimmed.starts_with(NOTE.as_bytes()) {
            continue;
        }
        leading = false;
        if trimmed.starts_with(CONFLICT.as_bytes()) {
            continue;
        }
        out.extend_from_slice(line);
    }
    out
}

/// `text` without its leading note block (previous error messages), conflict lines kept.
pub fn strip_notes(text: &[u8]) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::with_capacity(text.len()));
    let mut leading = true;
    for line in text.split_inclusive(|b| *b == b'\n') {
        if leading && trim_start(line).starts_with(NOTE.as_bytes()) {
            continue;
        }
        leading = false;
        out.extend_from_slice(line);
    }
    out
}

fn trim_start(line: &[u8]) -> &[u8] {
    let n = line
        .iter()
        .take_while(|b| **b == b' ' || **b == b'\t')
        .count();
    &line[n..]
}

/// Note lines for `message` (one comment line per message line).
pub fn notes(message: &str) -> String {
    message
        .lines()
        .map(|l| format!("{NOTE} {l}\n"))
        .collect::<String>()
}

/// `["a"]["b"][0]`, the path syntax `set`/`--extract` accept.
pub fn path_text(steps: &[Step]) -> String {
    steps
        .iter()
        .map(|s| match s {
            Step::Key(k) => format!(
                "[{}]",
                serde_json::to_string(k).unwrap_or_else(|_| "\"?\"".into())
            ),
            Step::Index(i) => format!("[{i}]"),
        })
        .collect()
}

/// The conflict block: one line per key path with their value (JSON, one line) or
/// `(removed)`, and a line explaining the rest. `theirs` is `None` when their version could
/// not be opened. The text holds values: it only ever goes into the private temp file.
pub fn conflict_block(keys: &[Vec<Step>], theirs: Option<&Branch>) -> Zeroizing<String> {
    let mut out = Zeroizing::new(String::new());
    out.push_str(&format!(
        "{CONFLICT}: merge conflict; the values in the file are ours, theirs are listed here. These lines are removed on save.\n"
    ));
    for steps in keys {
        let theirs_text = match theirs {
            None => "(their version could not be decrypted)".to_string(),
            Some(branch) => match path::lookup(branch, steps) {
                Ok(v) => serde_json::to_string(&to_json(&v)).unwrap_or_default(),
                Err(_) => "(removed)".to_string(),
            },
        };
        out.push_str(&format!(
            "{CONFLICT} {}: theirs = {theirs_text}\n",
            path_text(steps)
        ));
    }
    out
}

/// A compact JSON rendering of a value for a one-line comment.
fn to_json(v: &Value) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        Value::Null | Value::Comment(_) => J::Null,
        Value::Str(s) | Value::Time(s) => J::String(s.clone()),
        Value::Bytes(b) => J::String(String::from_utf8_lossy(b).into_owned()),
        Value::Int(i) => J::from(*i),
        Value::Float(f) => serde_json::Number::from_f64(*f)
            .map(J::Number)
            .unwrap_or_else(|| J::String(f.to_string())),
        Value::Bool(b) => J::Bool(*b),
        Value::Map(b) => J::Object(
            b.0.iter()
                .filter_map(|i| match i {
                    Item::Entry(k, v) => Some((k.clone(), to_json(v))),
                    Item::Comment(_) => None,
                })
                .collect(),
        ),
        Value::List(items) => J::Array(
            items
                .iter()
                .filter(|i| !matches!(i, Value::Comment(_)))
                .map(to_json)
                .collect(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stripping() {
        let text = b"# secrets: error: x\n# secrets: line 2\n# secrets-conflict [\"a\"]: theirs = 1\na: 1\n# secrets: kept\n  # secrets-conflict moved\nb: 2\n";
        assert_eq!(&strip(text)[..], b"a: 1\n# secrets: kept\nb: 2\n");
        assert_eq!(
            &strip_notes(text)[..],
            &b"# secrets-conflict [\"a\"]: theirs = 1\na: 1\n# secrets: kept\n  # secrets-conflict moved\nb: 2\n"[..]
        );
    }

    #[test]
    fn conflict_lines() {
        let mut inner = Branch::new();
        inner.push("b", Value::Str("x\ny".into()));
        let mut theirs = Branch::new();
        theirs.push("a", Value::Map(inner));
        let keys = vec![
            vec![Step::Key("a".into()), Step::Key("b".into())],
            vec![Step::Key("gone".into())],
        ];
        let block = conflict_block(&keys, Some(&theirs));
        let lines: Vec<&str> = block.lines().collect();
        assert_eq!(lines.len(), 3);
        assert_eq!(
            lines[1],
            r#"# secrets-conflict ["a"]["b"]: theirs = "x\ny""#
        );
        assert_eq!(
            lines[2],
            r#"# secrets-conflict ["gone"]: theirs = (removed)"#
        );
    }
}
