//! YAML documents with line numbers, for the hand-written plaintext config files:
//! `targets.yaml`, `inventory.yaml`.
//!
//! These files hold no secrets and are not sops files: they are read into a small [`Node`] tree
//! where every node knows its 1-based line, so that each caller can say exactly where a problem
//! is. [`parse`] accepts one document of plain YAML: anchors and aliases (expanded), the core
//! tags `!!str`, `!!int`, `!!bool` and `!!null` on scalars, and nothing more exotic (other tags,
//! tags on lists and maps, lists or maps as keys are refused).
//!
//! [`fields`] reads a map of known fields (refusing unknown and repeated ones, with a
//! [`closest`] "did you mean" suggestion). Errors carry the line and a kind whose messages do
//! not name the file; callers add the file name and usually map [`SpannedErrorKind`] to their
//! own error kinds.
//!
//! Type errors name what was found ([`Node::type_name`]). Whether a plain `5` is reported as
//! `a number` or `a string` depends on the file ([`Ints`]): a file with number fields calls it a
//! number, a file whose fields are all text reads it as the string `5` and calls it a string.

use std::collections::HashMap;
use std::fmt;

use granit_parser::{Event, Parser, ScalarStyle};

/// One YAML node and the line it starts on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    /// 1-based line of the node (for an alias, the line of the alias, not of the anchor).
    pub line: usize,
    /// What the node is.
    pub kind: NodeKind,
}

/// The kinds of [`Node`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NodeKind {
    /// A scalar, as written.
    Scalar {
        /// The scalar's value (after YAML unquoting and folding).
        text: String,
        /// False for quoted and block scalars and for `!!str`: those are always strings, never
        /// null, booleans or numbers.
        plain: bool,
    },
    /// A list, items in order.
    Seq(Vec<Node>),
    /// A map, entries in file order; keys are always scalars.
    Map(Vec<(Node, Node)>),
}

/// A plain scalar's YAML 1.2 core type, as far as the config files care.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Plain {
    /// Empty, `~`, `null`, `Null` or `NULL`.
    Null,
    /// `true`/`True`/`TRUE` or `false`/`False`/`FALSE`.
    Bool(bool),
    /// An integer, see [`parse_int`].
    Int,
    /// Anything else: a string.
    Other,
}

/// The core type of a plain (unquoted) scalar's text.
pub fn plain_type(text: &str) -> Plain {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => Plain::Null,
        "true" | "True" | "TRUE" => Plain::Bool(true),
        "false" | "False" | "FALSE" => Plain::Bool(false),
        _ if parse_int(text).is_some() => Plain::Int,
        _ => Plain::Other,
    }
}

/// How a file's plain integers (`5`, `0o600`) are named in type errors, see
/// [`Node::type_name`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ints {
    /// `a number`: the file has number fields (e.g. `port` and `mode` in `targets.yaml`).
    Number,
    /// `a string`: every scalar field of the file is text (e.g. `inventory.yaml`), where `5`
    /// is simply the string `5`.
    Text,
}

/// YAML integers: decimal (optional sign), `0o` octal, `0x` hex; `0`-prefixed decimals are
/// YAML 1.1 octal (go-yaml reads `0600` as 384), which only a file mode gives a meaning.
pub fn parse_int(text: &str) -> Option<i64> {
    let (neg, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let value = if let Some(oct) = digits.strip_prefix("0o") {
        i64::from_str_radix(oct, 8).ok()?
    } else if let Some(hex) = digits.strip_prefix("0x") {
        i64::from_str_radix(hex, 16).ok()?
    } else if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        if digits.len() > 1 && digits.starts_with('0') {
            i64::from_str_radix(digits, 8).ok()?
        } else {
            digits.parse().ok()?
        }
    } else {
        return None;
    };
    Some(if neg { -value } else { value })
}

impl Node {
    /// The node's type for messages: `a list`, `a map`, `a string`, `nothing (null)`,
    /// `a boolean` or, for a plain integer with [`Ints::Number`], `a number` (with
    /// [`Ints::Text`] it is `a string`).
    pub fn type_name(&self, ints: Ints) -> &'static str {
        match &self.kind {
            NodeKind::Seq(_) => "a list",
            NodeKind::Map(_) => "a map",
            NodeKind::Scalar { plain: false, .. } => "a string",
            NodeKind::Scalar { text, plain: true } => match plain_type(text) {
                Plain::Null => "nothing (null)",
                Plain::Bool(_) => "a boolean",
                Plain::Int if ints == Ints::Number => "a number",
                Plain::Int | Plain::Other => "a string",
            },
        }
    }

    /// The core type of a plain scalar; `None` for other scalars, lists and maps.
    pub fn plain_type(&self) -> Option<Plain> {
        match &self.kind {
            NodeKind::Scalar { text, plain: true } => Some(plain_type(text)),
            _ => None,
        }
    }

    /// True for a plain null scalar (including an empty value).
    pub fn is_null(&self) -> bool {
        self.plain_type() == Some(Plain::Null)
    }

    /// The value of a plain boolean scalar.
    pub fn as_bool(&self) -> Option<bool> {
        match self.plain_type()? {
            Plain::Bool(b) => Some(b),
            _ => None,
        }
    }

    /// A scalar's text; empty for a list or a map. Map keys are always scalars.
    pub fn text(&self) -> &str {
        match &self.kind {
            NodeKind::Scalar { text, .. } => text,
            _ => "",
        }
    }

    /// A [`SpannedErrorKind::Type`] error at this node: `field` must be `expected` (what was
    /// found is named by [`Node::type_name`] with `ints`).
    pub fn type_error(&self, field: &str, expected: &'static str, ints: Ints) -> SpannedError {
        let kind = SpannedErrorKind::Type {
            field: field.to_string(),
            expected,
            found: self.type_name(ints),
        };
        SpannedError::new(self.line, kind)
    }
}

/// A problem in a document, with the line it is about.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {kind}")]
pub struct SpannedError {
    /// 1-based line.
    pub line: usize,
    /// What is wrong.
    pub kind: SpannedErrorKind,
}

impl SpannedError {
    /// An error of `kind` at `line`.
    pub fn new(line: usize, kind: SpannedErrorKind) -> SpannedError {
        SpannedError { line, kind }
    }
}

/// What is wrong in a [`SpannedError`]. Not `non_exhaustive`: callers map every kind to their
/// own error kinds, and a new kind should make them decide how.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SpannedErrorKind {
    /// Not valid YAML.
    #[error("invalid YAML: {0}")]
    Syntax(String),
    /// More than one YAML document.
    #[error("more than one YAML document")]
    MultipleDocuments,
    /// A YAML feature that is not accepted (tags, complex keys).
    #[error("{0} not supported")]
    Unsupported(String),
    /// A key given twice in the same map.
    #[error("`{key}` is given twice (first on line {first_line})")]
    DuplicateKey {
        /// The repeated key.
        key: String,
        /// Line of its first appearance.
        first_line: usize,
    },
    /// A value of the wrong YAML type.
    #[error("`{field}` must be {expected}, found {found}")]
    Type {
        /// The field (or the name of the map it is in).
        field: String,
        /// What it must be, e.g. `a string`.
        expected: &'static str,
        /// What it is, see [`Node::type_name`].
        found: &'static str,
    },
    /// A field that does not exist (usually a typo).
    #[error("unknown field `{field}` in {place}{}", Suggestion(*.suggestion))]
    UnknownField {
        /// The unknown field.
        field: String,
        /// Where, e.g. `the top level`.
        place: &'static str,
        /// The closest known field, if one is close.
        suggestion: Option<&'static str>,
    },
}

/// Displays ` (did you mean `X`?)` for a suggestion, nothing otherwise.
#[derive(Clone, Copy, Debug)]
pub struct Suggestion(pub Option<&'static str>);

impl fmt::Display for Suggestion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(s) => write!(f, " (did you mean `{s}`?)"),
            None => Ok(()),
        }
    }
}

enum Frame {
    Seq(Node, usize),
    Map(Node, usize, Option<Node>),
}

/// Reads `text` as one YAML document (`None` for a file with no document, e.g. only comments).
///
/// # Errors
///
/// Invalid YAML ([`SpannedErrorKind::Syntax`]), a second document, or a tag other than the core
/// scalar ones, a tag on a list or map, an alias to an unknown anchor or a list or map as a key
/// ([`SpannedErrorKind::Unsupported`]).
pub fn parse(text: &str) -> Result<Option<Node>, SpannedError> {
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: HashMap<usize, Node> = HashMap::new();
    let mut root: Option<Node> = None;
    let mut documents = 0usize;
    for item in Parser::new_from_str(text) {
        let (event, span) = item.map_err(|e| {
            let line = e.marker().line().max(1);
            SpannedError::new(line, SpannedErrorKind::Syntax(e.info()))
        })?;
        let line = span.start.line().max(1);
        let fail = |kind| Err(SpannedError::new(line, kind));
        let unsupported = |what: &str| fail(SpannedErrorKind::Unsupported(what.to_string()));
        let (node, anchor) = match event {
            Event::DocumentStart(..) => {
                documents += 1;
                if documents > 1 {
                    return fail(SpannedErrorKind::MultipleDocuments);
                }
                continue;
            }
            Event::Scalar(value, style, anchor, tag) => {
                let mut plain = style == ScalarStyle::Plain;
                if let Some(tag) = tag {
                    match (tag.handle(), tag.suffix()) {
                        ("tag:yaml.org,2002:", "str") => plain = false,
                        ("tag:yaml.org,2002:", "int" | "bool" | "null") => {}
                        (handle, suffix) => {
                            return unsupported(&format!("the tag `{handle}{suffix}` is"));
                        }
                    }
                }
                let text = value.into_owned();
                let kind = NodeKind::Scalar { text, plain };
                (Node { line, kind }, anchor)
            }
            Event::Alias(id) => match anchors.get(&id) {
                Some(target) => {
                    let mut node = target.clone();
                    node.line = line;
                    (node, 0)
                }
                None => return unsupported("an alias to an unknown anchor is"),
            },
            Event::SequenceStart(_, _, Some(_)) | Event::MappingStart(_, _, Some(_)) => {
                return unsupported("a tag on a list or map is");
            }
            Event::SequenceStart(_, anchor, None) => {
                let kind = NodeKind::Seq(Vec::new());
                stack.push(Frame::Seq(Node { line, kind }, anchor));
                continue;
            }
            Event::MappingStart(_, anchor, None) => {
                let kind = NodeKind::Map(Vec::new());
                stack.push(Frame::Map(Node { line, kind }, anchor, None));
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => match stack.pop() {
                Some(Frame::Seq(node, anchor)) | Some(Frame::Map(node, anchor, _)) => {
                    (node, anchor)
                }
                None => return fail(SpannedErrorKind::Syntax("unbalanced end".into())),
            },
            _ => continue,
        };
        if anchor != 0 {
            anchors.insert(anchor, node.clone());
        }
        match stack.last_mut() {
            None => root = Some(node),
            Some(Frame::Seq(seq, _)) => {
                if let NodeKind::Seq(items) = &mut seq.kind {
                    items.push(node);
                }
            }
            Some(Frame::Map(map, _, pending)) => match pending.take() {
                None if !matches!(node.kind, NodeKind::Scalar { .. }) => {
                    let what = "a list or map as a key is".to_string();
                    let kind = SpannedErrorKind::Unsupported(what);
                    return Err(SpannedError::new(node.line, kind));
                }
                None => *pending = Some(node),
                Some(key) => {
                    if let NodeKind::Map(entries) = &mut map.kind {
                        entries.push((key, node));
                    }
                }
            },
        }
    }
    Ok(root)
}

/// A map's entries by field name: `(field, value, line of the key)`, in file order.
pub type Fields<'n> = Vec<(&'static str, &'n Node, usize)>;

/// Reads the map `node` (called `name` in a type error) whose fields may only be `known`.
///
/// # Errors
///
/// [`SpannedErrorKind::Type`] when `node` is not a map (what it is named with `ints`),
/// [`SpannedErrorKind::UnknownField`] (in `place`, with the [`closest`] known field) and
/// [`SpannedErrorKind::DuplicateKey`] at the offending key.
pub fn fields<'n>(
    node: &'n Node,
    known: &'static [&'static str],
    place: &'static str,
    name: &str,
    ints: Ints,
) -> Result<Fields<'n>, SpannedError> {
    let NodeKind::Map(entries) = &node.kind else {
        return Err(node.type_error(name, "a map", ints));
    };
    let mut out: Fields<'n> = Vec::new();
    for (key, value) in entries {
        let text = key.text();
        let Some(field) = known.iter().copied().find(|f| *f == text) else {
            let kind = SpannedErrorKind::UnknownField {
                field: text.to_string(),
                place,
                suggestion: closest(text, known),
            };
            return Err(SpannedError::new(key.line, kind));
        };
        if let Some((_, _, first_line)) = out.iter().find(|(f, _, _)| *f == field) {
            let kind = SpannedErrorKind::DuplicateKey {
                key: field.to_string(),
                first_line: *first_line,
            };
            return Err(SpannedError::new(key.line, kind));
        }
        out.push((field, value, key.line));
    }
    Ok(out)
}

/// The value of `field` in `fields`, if given.
pub fn get<'n>(fields: &[(&'static str, &'n Node, usize)], field: &str) -> Option<&'n Node> {
    fields.iter().find(|(f, _, _)| *f == field).map(|e| e.1)
}

/// The known word closest to a typo (edit distance at most 2), if any; the first of equally
/// close ones.
pub fn closest(word: &str, known: &[&'static str]) -> Option<&'static str> {
    known
        .iter()
        .map(|k| (edit_distance(word, k), *k))
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// Levenshtein distance in characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitute = prev[j] + usize::from(ca != *cb);
            cur.push(substitute.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root(text: &str) -> Node {
        match parse(text) {
            Ok(Some(node)) => node,
            other => panic!("expected a document, got {other:?}"),
        }
    }

    fn error(text: &str) -> SpannedError {
        match parse(text) {
            Err(e) => e,
            Ok(node) => panic!("expected an error, got {node:?}"),
        }
    }

    fn map(node: &Node) -> &[(Node, Node)] {
        match &node.kind {
            NodeKind::Map(entries) => entries,
            other => panic!("not a map: {other:?}"),
        }
    }

    fn seq(node: &Node) -> &[Node] {
        match &node.kind {
            NodeKind::Seq(items) => items,
            other => panic!("not a list: {other:?}"),
        }
    }

    fn scalar(line: usize, text: &str, plain: bool) -> Node {
        let text = text.to_string();
        Node {
            line,
            kind: NodeKind::Scalar { text, plain },
        }
    }

    #[test]
    fn spanned_empty_documents() {
        for text in ["", "# only a comment\n", "\n\n"] {
            assert_eq!(parse(text), Ok(None), "{text:?}");
        }
        assert!(root("~\n").is_null());
        assert!(root("---\n").is_null());
    }

    #[test]
    fn spanned_lines_of_maps_lists_and_scalars() {
        let doc = root("# c\na:\n  - x\n  - 'y'\nb:\n  c: |\n    block\n");
        assert_eq!(doc.line, 2);
        let entries = map(&doc);
        assert_eq!(entries[0].0, scalar(2, "a", true));
        let items = seq(&entries[0].1);
        assert_eq!(entries[0].1.line, 3);
        assert_eq!(items, [scalar(3, "x", true), scalar(4, "y", false)]);
        assert_eq!(entries[1].0.line, 5);
        let inner = map(&entries[1].1);
        assert_eq!(entries[1].1.line, 6);
        // A block scalar's line is that of its first content line.
        assert_eq!(inner[0].1, scalar(7, "block\n", false));
    }

    #[test]
    fn spanned_aliases_are_expanded_at_their_line() {
        let doc = root("a: &x [1, 2]\nb: *x\nc: &s text\nd: *s\n");
        let entries = map(&doc);
        assert_eq!(entries[1].1.line, 2);
        assert_eq!(seq(&entries[1].1).len(), 2);
        assert_eq!(entries[3].1, scalar(4, "text", true));
    }

    #[test]
    fn spanned_core_tags() {
        let doc = root("a: !!str 5\nb: !!int 5\nc: !!null ~\nd: !!bool true\n");
        let entries = map(&doc);
        assert_eq!(entries[0].1.type_name(Ints::Number), "a string");
        assert_eq!(entries[1].1.type_name(Ints::Number), "a number");
        assert!(entries[2].1.is_null());
        assert_eq!(entries[3].1.as_bool(), Some(true));
    }

    #[test]
    fn spanned_errors() {
        let cases: &[(&str, usize, &str)] = &[
            ("a: 1\n---\nb: 2\n", 2, "more than one YAML document"),
            ("a: !custom x\n", 1, "the tag `!custom` is not supported"),
            (
                "a:\n  b: !!map {}\n",
                2,
                "a tag on a list or map is not supported",
            ),
            (
                "a:\n  ? [x]\n  : y\n",
                2,
                "a list or map as a key is not supported",
            ),
        ];
        for (text, line, message) in cases {
            let e = error(text);
            assert_eq!(
                (e.line, e.kind.to_string().as_str()),
                (*line, *message),
                "{text}"
            );
        }
        let e = error("a: {b: 1\nc: [\n");
        assert!(matches!(e.kind, SpannedErrorKind::Syntax(_)), "{e:?}");
        assert!(e.line >= 2, "{e}");
        assert!(e.to_string().starts_with("line "), "{e}");
    }

    #[test]
    fn spanned_plain_types() {
        for (text, want) in [
            ("", Plain::Null),
            ("~", Plain::Null),
            ("NULL", Plain::Null),
            ("True", Plain::Bool(true)),
            ("false", Plain::Bool(false)),
            ("yes", Plain::Other),
            ("-12", Plain::Int),
            ("0x1F", Plain::Int),
            ("0o17", Plain::Int),
            ("0800", Plain::Other),
            ("1.5", Plain::Other),
        ] {
            assert_eq!(plain_type(text), want, "{text:?}");
        }
        assert_eq!(parse_int("+42"), Some(42));
        assert_eq!(parse_int("0600"), Some(0o600));
        assert_eq!(parse_int("0o600"), Some(0o600));
        assert_eq!(parse_int("-0x10"), Some(-16));
        assert_eq!(parse_int("0"), Some(0));
        for bad in ["", "-", "0x", "1_000", "12a", "99999999999999999999"] {
            assert_eq!(parse_int(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn spanned_type_names() {
        let doc = root("[[], {}, 'q', x, 7, true, ~, '7']\n");
        let names: Vec<&str> = seq(&doc)
            .iter()
            .map(|n| n.type_name(Ints::Number))
            .collect();
        assert_eq!(
            names,
            [
                "a list",
                "a map",
                "a string",
                "a string",
                "a number",
                "a boolean",
                "nothing (null)",
                "a string"
            ]
        );
        // With `Ints::Text`, only a plain integer is named differently.
        let text: Vec<&str> = seq(&doc).iter().map(|n| n.type_name(Ints::Text)).collect();
        let mut want = names.clone();
        want[4] = "a string";
        assert_eq!(text, want);
        assert!(!scalar(1, "null", false).is_null());
        assert_eq!(scalar(1, "true", false).as_bool(), None);
    }

    #[test]
    fn spanned_fields_known_unknown_repeated() {
        const KNOWN: &[&str] = &["host", "port", "user"];
        let doc = root("host: h\n\nport: 22\n");
        let got = fields(&doc, KNOWN, "a target", "t", Ints::Number).unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!((got[1].0, got[1].2), ("port", 3));
        assert_eq!(get(&got, "host").map(Node::text), Some("h"));
        assert_eq!(get(&got, "user"), None);

        let messages = [
            (
                "host: h\nhsot: x\n",
                "line 2: unknown field `hsot` in a target (did you mean `host`?)",
            ),
            (
                "frobnicate: x\n",
                "line 1: unknown field `frobnicate` in a target",
            ),
            (
                "host: a\nport: 1\nhost: b\n",
                "line 3: `host` is given twice (first on line 1)",
            ),
            ("[host]\n", "line 1: `t` must be a map, found a list"),
        ];
        for (text, want) in messages {
            let e = fields(&root(text), KNOWN, "a target", "t", Ints::Number).unwrap_err();
            assert_eq!(e.to_string(), want, "{text}");
        }
        let e = fields(&root("5\n"), KNOWN, "a target", "t", Ints::Number).unwrap_err();
        assert_eq!(e.to_string(), "line 1: `t` must be a map, found a number");
        let e = fields(&root("5\n"), KNOWN, "a target", "t", Ints::Text).unwrap_err();
        assert_eq!(e.to_string(), "line 1: `t` must be a map, found a string");
    }

    #[test]
    fn spanned_closest_suggestions() {
        let known = &["targets", "defaults", "user", "host"];
        assert_eq!(closest("target", known), Some("targets"));
        assert_eq!(closest("usr", known), Some("user"));
        assert_eq!(closest("hots", known), Some("host"));
        assert_eq!(closest("frobnicate", known), None);
        assert_eq!(closest("", &["ab", "abc"]), Some("ab"));
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("é", "e"), 1);
    }
}
