//! Reading YAML the way sops 3.11 does through go-yaml v3: every document becomes a branch,
//! plain scalars are typed with go-yaml's rules, aliases are expanded, and comments become tree
//! items placed in the map or list where go-yaml would have attached them.
//!
//! Parsing is granit-parser's (events with spans and comment events); the typing and the
//! comment placement are ours.

use std::collections::HashMap;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use granit_parser::{Event, Parser, ScalarStyle, StructureStyle};

use super::resolve::{resolve, Resolved};
use crate::error::{Error, Result};
use crate::gofmt::{self, GoTime};
use crate::tree::{Branch, Branches, Item, Value};

const FORMAT: &str = "yaml";
/// Upper bound on nodes produced by alias expansion (go-yaml refuses "excessive aliasing").
const MAX_EXPANDED_NODES: usize = 5_000_000;

/// A position in the source.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Default)]
pub(super) struct Pos {
    pub(super) byte: usize,
    pub(super) line: usize,
    pub(super) col: usize,
}

/// A scalar's tag (handle, suffix); boxed because almost every scalar has none.
pub(super) type Tag = Option<Box<(String, String)>>;

#[derive(Clone, Debug)]
pub(super) enum Kind {
    Scalar {
        value: String,
        style: ScalarStyle,
        tag: Tag,
    },
    Seq(Vec<YNode>),
    Map(Vec<(YNode, YNode)>),
}

#[derive(Clone, Debug)]
pub(super) struct YNode {
    pub(super) kind: Kind,
    pub(super) start: Pos,
    /// End of the node's own token (scalars) or of its last child (collections).
    pub(super) end: Pos,
    pub(super) flow: bool,
    /// Identity shared by a node and its alias copies (so copies get the same comments).
    pub(super) uid: usize,
    /// This node is a copy made for an alias.
    pub(super) alias: bool,
    /// The node has an anchor or a tag (`k: &a # c` puts the comment inside the block).
    pub(super) props: bool,
}

#[derive(Clone, Debug)]
pub(super) struct RawComment {
    pub(super) text: String,
    pub(super) pos: Pos,
    /// Content precedes the comment on its line.
    pub(super) trailing: bool,
}

struct Doc {
    root: Option<YNode>,
    comments: Vec<RawComment>,
}

/// Byte offset of every line start, to turn (line, column) markers into byte offsets.
struct Lines<'a> {
    src: &'a str,
    starts: Vec<usize>,
}

impl<'a> Lines<'a> {
    fn new(src: &'a str) -> Self {
        let mut starts = vec![0];
        starts.extend(src.match_indices('\n').map(|(i, _)| i + 1));
        Lines { src, starts }
    }

    fn pos(&self, m: &granit_parser::Marker) -> Pos {
        if let Some(byte) = m.byte_offset() {
            return Pos {
                byte,
                line: m.line(),
                col: m.col(),
            };
        }
        let line_start = self
            .starts
            .get(m.line().saturating_sub(1))
            .copied()
            .unwrap_or(self.src.len());
        let byte = self.src[line_start..]
            .char_indices()
            .nth(m.col())
            .map_or(self.src.len(), |(i, _)| line_start + i);
        Pos {
            byte,
            line: m.line(),
            col: m.col(),
        }
    }
}

/// Builds documents of nodes from the event stream.
struct Builder<'a> {
    src: &'a str,
    docs: Vec<Doc>,
    stack: Vec<Frame>,
    anchors: HashMap<usize, YNode>,
    /// Anchors by name; go-yaml lets an alias refer to an earlier document's anchor.
    by_name: HashMap<String, YNode>,
    anchor_names: HashMap<usize, String>,
    next_uid: usize,
    comments: Vec<RawComment>,
    expanded: usize,
}

enum Frame {
    Seq {
        items: Vec<YNode>,
        start: Pos,
        flow: bool,
        anchor: usize,
        props: bool,
    },
    Map {
        entries: Vec<(YNode, YNode)>,
        pending_key: Option<YNode>,
        start: Pos,
        flow: bool,
        anchor: usize,
        props: bool,
    },
}

fn node_count(n: &YNode) -> usize {
    match &n.kind {
        Kind::Scalar { .. } => 1,
        Kind::Seq(items) => 1 + items.iter().map(node_count).sum::<usize>(),
        Kind::Map(entries) => {
            1 + entries
                .iter()
                .map(|(k, v)| node_count(k) + node_count(v))
                .sum::<usize>()
        }
    }
}

impl<'a> Builder<'a> {
    fn trailing_comment(&self, byte: usize) -> bool {
        let line_start = self.src[..byte].rfind('\n').map_or(0, |i| i + 1);
        !self.src[line_start..byte].trim().is_empty()
    }

    fn attach(&mut self, node: YNode) -> Option<YNode> {
        match self.stack.last_mut() {
            None => Some(node),
            Some(Frame::Seq { items, .. }) => {
                items.push(node);
                None
            }
            Some(Frame::Map {
                entries,
                pending_key,
                ..
            }) => {
                match pending_key.take() {
                    None => *pending_key = Some(node),
                    Some(k) => entries.push((k, node)),
                }
                None
            }
        }
    }

    fn uid(&mut self) -> usize {
        self.next_uid += 1;
        self.next_uid
    }

    fn finish_node(&mut self, node: YNode, anchor: usize) -> Result<Option<YNode>> {
        if anchor != 0 {
            if let Some(name) = self.anchor_names.get(&anchor) {
                self.by_name.insert(name.clone(), node.clone());
            }
            self.anchors.insert(anchor, node.clone());
        }
        Ok(self.attach(node))
    }

    fn alias(&mut self, target: Option<YNode>, start: Pos, end: Pos) -> Result<Option<YNode>> {
        let Some(target) = target else {
            return Err(Error::parse(FORMAT, "unknown anchor"));
        };
        self.expanded += node_count(&target);
        if self.expanded > MAX_EXPANDED_NODES {
            return Err(Error::parse(FORMAT, "document contains excessive aliasing"));
        }
        let mut node = target;
        // The alias occupies its own place in the source.
        node.start = start;
        node.end = end;
        node.alias = true;
        Ok(self.attach(node))
    }

    fn run(mut self) -> Result<Vec<Doc>> {
        let mut root: Option<YNode> = None;
        let lines = Lines::new(self.src);
        let options = granit_parser::options! {
            emit_anchor_events: true,
            emit_unresolved_aliases: true,
        };
        for item in Parser::new_from_str_with_options(self.src, options) {
            let (event, span) = item.map_err(|e| Error::parse(FORMAT, e.to_string()))?;
            let start = lines.pos(&span.start);
            let end = lines.pos(&span.end);
            match event {
                Event::StreamStart | Event::StreamEnd => {}
                Event::DocumentStart(_, Some(version))
                    if (version.major, version.minor) != (1, 1) =>
                {
                    return Err(Error::parse(FORMAT, "found incompatible YAML document (only %YAML 1.1 is accepted, as in go-yaml)"));
                }
                Event::DocumentStart(..) => {
                    root = None;
                    self.anchors.clear();
                }
                Event::DocumentEnd => {
                    let comments = std::mem::take(&mut self.comments);
                    self.docs.push(Doc {
                        root: root.take(),
                        comments,
                    });
                }
                Event::Comment(text, _) => {
                    let trailing = self.trailing_comment(start.byte);
                    let c = RawComment {
                        text: text.into_owned(),
                        pos: start,
                        trailing,
                    };
                    self.comments.push(c);
                }
                Event::Anchor(id, name) => {
                    let name = name.into_owned();
                    if let Some(node) = self.anchors.get(&id) {
                        self.by_name.insert(name.clone(), node.clone());
                    }
                    self.anchor_names.insert(id, name);
                }
                Event::UnresolvedAlias(name) => {
                    let target = self.by_name.get(name.as_ref()).cloned();
                    if let Some(n) = self.alias(target, start, end)? {
                        root = Some(n);
                    }
                }
                Event::Scalar(value, style, anchor, tag) => {
                    let props = anchor != 0 || tag.is_some();
                    let tag =
                        tag.map(|t| Box::new((t.handle().to_string(), t.suffix().to_string())));
                    let uid = self.uid();
                    let node = YNode {
                        kind: Kind::Scalar {
                            value: value.into_owned(),
                            style,
                            tag,
                        },
                        start,
                        end,
                        flow: false,
                        uid,
                        alias: false,
                        props,
                    };
                    if let Some(n) = self.finish_node(node, anchor)? {
                        root = Some(n);
                    }
                }
                Event::Alias(id) => {
                    let target = self.anchors.get(&id).cloned();
                    if let Some(n) = self.alias(target, start, end)? {
                        root = Some(n);
                    }
                }
                Event::SequenceStart(style, anchor, tag) => self.stack.push(Frame::Seq {
                    items: Vec::new(),
                    start,
                    flow: style == StructureStyle::Flow,
                    anchor,
                    props: anchor != 0 || tag.is_some(),
                }),
                Event::MappingStart(style, anchor, tag) => self.stack.push(Frame::Map {
                    entries: Vec::new(),
                    pending_key: None,
                    start,
                    flow: style == StructureStyle::Flow,
                    anchor,
                    props: anchor != 0 || tag.is_some(),
                }),
                Event::SequenceEnd | Event::MappingEnd => {
                    let frame = self
                        .stack
                        .pop()
                        .ok_or_else(|| Error::parse(FORMAT, "unbalanced collection end"))?;
                    let uid = self.uid();
                    let (mut node, anchor) = match frame {
                        Frame::Seq {
                            items,
                            start: s,
                            flow,
                            anchor,
                            props,
                        } => {
                            let last = items.last().map(|n| n.end);
                            let node_end = if flow { end } else { last.unwrap_or(s) };
                            (
                                YNode {
                                    kind: Kind::Seq(items),
                                    start: s,
                                    end: node_end,
                                    flow,
                                    uid: 0,
                                    alias: false,
                                    props,
                                },
                                anchor,
                            )
                        }
                        Frame::Map {
                            entries,
                            start: s,
                            flow,
                            anchor,
                            props,
                            ..
                        } => {
                            let last = entries.last().map(|(_, v)| v.end);
                            let node_end = if flow { end } else { last.unwrap_or(s) };
                            (
                                YNode {
                                    kind: Kind::Map(entries),
                                    start: s,
                                    end: node_end,
                                    flow,
                                    uid: 0,
                                    alias: false,
                                    props,
                                },
                                anchor,
                            )
                        }
                    };
                    node.uid = uid;
                    if let Some(n) = self.finish_node(node, anchor)? {
                        root = Some(n);
                    }
                }
                _ => {}
            }
        }
        // Comments after the last document belong to it.
        let rest = std::mem::take(&mut self.comments);
        if let Some(last) = self.docs.last_mut() {
            last.comments.extend(rest);
        }
        // go-yaml gives the comments of a final comment-only document to the one before it.
        let n = self.docs.len();
        let comment_only = |d: &Doc| match &d.root {
            None => true,
            Some(r) => matches!(r.kind, Kind::Scalar { .. }) && r.start.byte == r.end.byte,
        };
        if n >= 2 && comment_only(&self.docs[n - 1]) {
            let moved = std::mem::take(&mut self.docs[n - 1].comments);
            self.docs[n - 2].comments.extend(moved);
        }
        Ok(self.docs)
    }
}

// ---------------------------------------------------------------------------------------------
// Typing scalars.

fn core_tag(tag: &Tag) -> Option<&str> {
    match tag.as_deref() {
        Some((handle, suffix)) if handle == "tag:yaml.org,2002:" => Some(suffix.as_str()),
        _ => None,
    }
}

fn resolved_value(r: Resolved, text: &str) -> Result<Value> {
    Ok(match r {
        Resolved::Null => Value::Null,
        Resolved::Bool(b) => Value::Bool(b),
        Resolved::Int(i) => Value::Int(i),
        Resolved::Uint(_) => {
            return Err(Error::UnsupportedValue {
                path: String::new(),
                kind: "uint64",
            })
        }
        Resolved::Float(f) => Value::Float(f),
        Resolved::Time(t) => Value::Time(t),
        Resolved::Str => Value::Str(text.to_string()),
    })
}

fn explicit(tag: &str, text: &str) -> Result<Value> {
    let bad = || Error::parse(FORMAT, format!("cannot decode a value as !!{tag}"));
    match tag {
        "str" => Ok(Value::Str(text.to_string())),
        "binary" => {
            let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
            let bytes = B64
                .decode(compact)
                .map_err(|_| Error::parse(FORMAT, "!!binary value contains invalid base64 data"))?;
            Ok(Value::from_bytes(bytes))
        }
        "null" => match resolve(text) {
            Resolved::Null => Ok(Value::Null),
            _ => Err(bad()),
        },
        "bool" => match resolve(text) {
            Resolved::Bool(b) => Ok(Value::Bool(b)),
            _ => Err(bad()),
        },
        "int" => match resolve(text) {
            r @ (Resolved::Int(_) | Resolved::Uint(_)) => resolved_value(r, text),
            _ => Err(bad()),
        },
        "float" => match resolve(text) {
            Resolved::Int(i) => Ok(Value::Float(i as f64)),
            Resolved::Uint(u) => Ok(Value::Float(u as f64)),
            Resolved::Float(f) => Ok(Value::Float(f)),
            _ => gofmt::parse_float(text).map(Value::Float).ok_or_else(bad),
        },
        "timestamp" => GoTime::parse_yaml(text)
            .map(|t| Value::Time(t.rfc3339_nano()))
            .ok_or_else(bad),
        // Collections tags on scalars and unknown core tags: keep the text.
        _ => Ok(Value::Str(text.to_string())),
    }
}

fn scalar_value(value: &str, style: ScalarStyle, tag: &Tag) -> Result<Value> {
    if let Some(t) = core_tag(tag) {
        return explicit(t, value);
    }
    if tag.is_some() {
        // Custom tags are dropped; the text stays a string.
        return Ok(Value::Str(value.to_string()));
    }
    if style != ScalarStyle::Plain {
        return Ok(Value::Str(value.to_string()));
    }
    resolved_value(resolve(value), value)
}

/// Like [`scalar_value`], reusing the string instead of copying it.
fn scalar_owned(value: String, style: ScalarStyle, tag: &Tag) -> Result<Value> {
    if tag.is_some() {
        // Tags can transform the text (!!binary decodes it): no reuse.
        return scalar_value(&value, style, tag);
    }
    if style != ScalarStyle::Plain {
        return Ok(Value::Str(value));
    }
    match resolve(&value) {
        Resolved::Str => Ok(Value::Str(value)),
        r => resolved_value(r, &value),
    }
}

/// Key text and a Go-ish type name when the key is not a string.
fn key_of(node: YNode) -> Result<String> {
    match node.kind {
        Kind::Scalar { value, style, tag } => match scalar_owned(value.clone(), style, &tag) {
            Ok(Value::Str(s)) => Ok(s),
            Ok(Value::Bytes(_)) => Ok(value),
            Ok(other) => Err(Error::NonStringKey {
                kind: match other {
                    Value::Null => "<nil>",
                    Value::Bool(_) => "bool",
                    Value::Int(_) => "int",
                    Value::Float(_) => "float64",
                    Value::Time(_) => "time.Time",
                    _ => "unknown",
                },
            }),
            Err(Error::UnsupportedValue { .. }) => Err(Error::NonStringKey { kind: "uint64" }),
            Err(e) => Err(e),
        },
        _ => Err(Error::parse(
            FORMAT,
            "invalid map key: a collection cannot be a key",
        )),
    }
}

use super::comments::{self, Ids, Slots};

struct Converter<'a> {
    ids: Ids,
    slots: &'a mut Slots,
}

impl Converter<'_> {
    fn take(&mut self, id: Option<usize>, slot: usize) -> Vec<String> {
        // Not removed: alias copies of a node repeat its comments.
        id.and_then(|id| self.slots.get(&(id, slot)))
            .map(|v| v.iter().map(|(_, text)| text.clone()).collect())
            .unwrap_or_default()
    }

    fn value(&mut self, node: YNode) -> Result<Value> {
        let uid = node.uid;
        match node.kind {
            Kind::Scalar { value, style, tag } => scalar_owned(value, style, &tag),
            Kind::Map(entries) => Ok(Value::Map(self.map(uid, entries)?)),
            Kind::Seq(items) => {
                let id = self.ids.get(&uid).copied();
                let len = items.len();
                let mut out = Vec::with_capacity(len);
                for (i, item) in items.into_iter().enumerate() {
                    out.extend(self.take(id, i).into_iter().map(Value::Comment));
                    out.push(self.value(item)?);
                }
                out.extend(self.take(id, len).into_iter().map(Value::Comment));
                Ok(Value::List(out))
            }
        }
    }

    fn map(&mut self, uid: usize, entries: Vec<(YNode, YNode)>) -> Result<Branch> {
        let id = self.ids.get(&uid).copied();
        let len = entries.len();
        let mut branch = Branch(Vec::with_capacity(len));
        for (i, (k, v)) in entries.into_iter().enumerate() {
            branch
                .0
                .extend(self.take(id, i).into_iter().map(Item::Comment));
            let key = key_of(k)?;
            let value = self.value(v).map_err(|e| match e {
                Error::UnsupportedValue { kind, .. } => Error::UnsupportedValue {
                    path: format!("[\"{key}\"]"),
                    kind,
                },
                other => other,
            })?;
            branch.0.push(Item::Entry(key, value));
        }
        branch
            .0
            .extend(self.take(id, len).into_iter().map(Item::Comment));
        Ok(branch)
    }
}

fn document_branch(src: &str, doc: Doc, index: usize) -> Result<Branch> {
    let root = match &doc.root {
        None => None,
        Some(n) => match &n.kind {
            Kind::Map(_) => Some(n),
            Kind::Scalar { value, style, tag } => {
                if matches!(scalar_value(value, *style, tag), Ok(Value::Null)) {
                    None
                } else if index == 0 {
                    return Err(Error::parse(
                        FORMAT,
                        "cannot unmarshal !!str into map[string]interface {}: the document must be a map",
                    ));
                } else {
                    return Err(Error::parse(
                        FORMAT,
                        "YAML documents that are values are not supported",
                    ));
                }
            }
            Kind::Seq(_) => {
                return Err(Error::parse(
                    FORMAT,
                    if index == 0 {
                        "cannot unmarshal !!seq into map[string]interface {}: the document must be a map"
                    } else {
                        "YAML documents that are sequences are not supported"
                    },
                ))
            }
        },
    };
    let Some(root) = root else {
        let comments = doc.comments.iter().map(|c| Item::Comment(c.text.clone()));
        return Ok(Branch(comments.collect()));
    };
    // Without comments there is nothing to place (the common case for large files).
    let (mut slots, ids) = if doc.comments.is_empty() {
        Default::default()
    } else {
        comments::place(src, root, &doc.comments)
    };
    let Some(root) = doc.root else {
        unreachable!("checked above")
    };
    let Kind::Map(entries) = root.kind else {
        unreachable!("checked above")
    };
    let mut conv = Converter {
        ids,
        slots: &mut slots,
    };
    conv.map(root.uid, entries)
}

fn mergeable(v: &YNode) -> bool {
    match &v.kind {
        Kind::Map(_) => true,
        Kind::Seq(items) => items.iter().all(|i| matches!(i.kind, Kind::Map(_))),
        Kind::Scalar { .. } => false,
    }
}

/// go-yaml refuses duplicate keys when sops decodes the first document into a map.
fn check_duplicates(node: &YNode) -> Result<()> {
    match &node.kind {
        Kind::Scalar { .. } => Ok(()),
        Kind::Seq(items) => items.iter().try_for_each(check_duplicates),
        Kind::Map(entries) => {
            // (key text, line); sorted instead of hashed: no allocation for plain keys.
            let mut keys: Vec<(std::borrow::Cow<'_, str>, usize)> =
                Vec::with_capacity(entries.len());
            for (k, v) in entries {
                if let Kind::Scalar { value, style, tag } = &k.kind {
                    let is_merge = (value == "<<" && *style == ScalarStyle::Plain && tag.is_none())
                        || core_tag(tag) == Some("merge");
                    if is_merge && !mergeable(v) {
                        return Err(Error::parse(
                            FORMAT,
                            "map merge requires map or sequence of maps as the value",
                        ));
                    }
                    if !is_merge {
                        let text = match tag {
                            None => std::borrow::Cow::Borrowed(value.as_str()),
                            Some(_) => match scalar_value(value, *style, tag) {
                                Ok(Value::Str(s)) => std::borrow::Cow::Owned(s),
                                _ => std::borrow::Cow::Borrowed(value.as_str()),
                            },
                        };
                        keys.push((text, k.start.line));
                    }
                }
                check_duplicates(v)?;
            }
            // Stable sort keeps file order among equal keys: report the first definition.
            keys.sort_by(|a, b| a.0.cmp(&b.0));
            if let Some(w) = keys.windows(2).find(|w| w[0].0 == w[1].0) {
                let first_line = keys
                    .iter()
                    .filter(|(k, _)| *k == w[0].0)
                    .map(|(_, l)| *l)
                    .min()
                    .unwrap_or(w[0].1);
                return Err(Error::parse(
                    FORMAT,
                    format!(
                        "mapping key \"{}\" already defined at line {first_line}",
                        w[0].0
                    ),
                ));
            }
            Ok(())
        }
    }
}

/// Parses a YAML stream into one branch per document.
pub fn parse(bytes: &[u8]) -> Result<Branches> {
    if bytes.is_empty() {
        return Err(Error::EmptyYaml);
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let src =
        std::str::from_utf8(bytes).map_err(|_| Error::parse(FORMAT, "input is not valid UTF-8"))?;
    let builder = Builder {
        src,
        docs: Vec::new(),
        stack: Vec::new(),
        anchors: HashMap::new(),
        by_name: HashMap::new(),
        anchor_names: HashMap::new(),
        next_uid: 0,
        comments: Vec::new(),
        expanded: 0,
    };
    let docs = builder.run()?;
    let Some(first) = docs.first() else {
        return Err(Error::parse(FORMAT, "EOF: the file holds no YAML document"));
    };
    if first.root.is_none() && !src.lines().any(|l| l.trim_start().starts_with("---")) {
        // Only comments or blank lines: go-yaml's decoder reports EOF.
        return Err(Error::parse(FORMAT, "EOF: the file holds no YAML document"));
    }
    if let Some(root) = &first.root {
        check_duplicates(root)?;
    }
    docs.into_iter()
        .enumerate()
        .map(|(i, d)| document_branch(src, d, i))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(src: &str) -> Branch {
        parse(src.as_bytes()).unwrap().remove(0)
    }

    #[test]
    fn typing() {
        let b = one("bin: !!binary aGVsbG8=\na: 1\nb: 1.5\nc: true\nd: ~\ne: x\nf: \"1\"\ng: !!str 2\nh: !!int \"5\"\ni: 2002-12-14\nj: !custom 3\nk: !!binary /w==\nl: 0x1F\n");
        assert_eq!(b.get("bin"), Some(&Value::Str("hello".into())));
        assert_eq!(b.get("a"), Some(&Value::Int(1)));
        assert_eq!(b.get("b"), Some(&Value::Float(1.5)));
        assert_eq!(b.get("c"), Some(&Value::Bool(true)));
        assert_eq!(b.get("d"), Some(&Value::Null));
        assert_eq!(b.get("e"), Some(&Value::Str("x".into())));
        assert_eq!(b.get("f"), Some(&Value::Str("1".into())));
        assert_eq!(b.get("g"), Some(&Value::Str("2".into())));
        assert_eq!(b.get("h"), Some(&Value::Int(5)));
        assert_eq!(
            b.get("i"),
            Some(&Value::Time("2002-12-14T00:00:00Z".into()))
        );
        assert_eq!(b.get("j"), Some(&Value::Str("3".into())));
        assert_eq!(b.get("k"), Some(&Value::Bytes(vec![0xff])));
        assert_eq!(b.get("l"), Some(&Value::Int(31)));
    }

    #[test]
    fn errors() {
        assert!(matches!(parse(b""), Err(Error::EmptyYaml)));
        assert!(parse(b"# only\n").is_err());
        assert!(parse(b"- a\n").is_err());
        assert!(parse(b"a: 1\na: 2\n").is_err());
        assert!(parse(b"a: 1\n---\na: 1\na: 2\n").is_ok());
        assert!(matches!(
            parse(b"123: x\n"),
            Err(Error::NonStringKey { kind: "int" })
        ));
        assert!(matches!(
            parse(b"a: 18446744073709551615\n"),
            Err(Error::UnsupportedValue { .. })
        ));
    }

    #[test]
    fn anchors_expand_and_merge_key_stays() {
        let b = one("base: &b {x: 1}\nother:\n  <<: *b\n  z: 2\n");
        let Some(Value::Map(o)) = b.get("other") else {
            panic!()
        };
        assert_eq!(o.keys().collect::<Vec<_>>(), ["<<", "z"]);
    }

    #[test]
    fn documents() {
        let docs = parse(b"---\na: 1\n---\nb: 2\n---\n").unwrap();
        assert_eq!(docs.len(), 3);
        assert!(docs[2].is_empty());
    }

    #[test]
    fn comments_basic_placement() {
        let b = one("# head\nkey1: v # line\nkey2:\n    # inside\n    a: 1\n    # foot\nlist:\n    - x # on x\n# top\nkey3: v3\n# end\n");
        let texts: Vec<String> =
            b.0.iter()
                .map(|i| match i {
                    Item::Comment(c) => format!("#{c}"),
                    Item::Entry(k, _) => k.clone(),
                })
                .collect();
        assert_eq!(
            texts,
            ["# head", "# line", "key1", "key2", "list", "# top", "key3", "# end"]
        );
        let Some(Value::Map(k2)) = b.get("key2") else {
            panic!()
        };
        assert_eq!(k2.0[0], Item::Comment(" inside".into()));
        assert_eq!(k2.0[2], Item::Comment(" foot".into()));
        let Some(Value::List(l)) = b.get("list") else {
            panic!()
        };
        assert_eq!(l[0], Value::Comment(" on x".into()));
    }
}
