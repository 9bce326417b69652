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
struct Pos {
    byte: usize,
    line: usize,
    col: usize,
}

#[derive(Clone, Debug)]
enum Kind {
    Scalar {
        value: String,
        style: ScalarStyle,
        tag: Option<(String, String)>,
    },
    Seq(Vec<YNode>),
    Map(Vec<(YNode, YNode)>),
}

#[derive(Clone, Debug)]
struct YNode {
    kind: Kind,
    start: Pos,
    /// End of the node's own token (scalars) or of its last child (collections).
    end: Pos,
    flow: bool,
}

#[derive(Clone, Debug)]
struct RawComment {
    text: String,
    pos: Pos,
    /// Content precedes the comment on its line.
    trailing: bool,
}

struct Doc {
    root: Option<YNode>,
    comments: Vec<RawComment>,
}

fn pos_of(m: &granit_parser::Marker) -> Pos {
    Pos {
        byte: m.byte_offset().unwrap_or(0),
        line: m.line(),
        col: m.col(),
    }
}

/// Builds documents of nodes from the event stream.
struct Builder<'a> {
    src: &'a str,
    docs: Vec<Doc>,
    stack: Vec<Frame>,
    anchors: HashMap<usize, YNode>,
    comments: Vec<RawComment>,
    expanded: usize,
}

enum Frame {
    Seq {
        items: Vec<YNode>,
        start: Pos,
        flow: bool,
        anchor: usize,
    },
    Map {
        entries: Vec<(YNode, YNode)>,
        pending_key: Option<YNode>,
        start: Pos,
        flow: bool,
        anchor: usize,
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

    fn finish_node(&mut self, node: YNode, anchor: usize) -> Result<Option<YNode>> {
        if anchor != 0 {
            self.anchors.insert(anchor, node.clone());
        }
        Ok(self.attach(node))
    }

    fn run(mut self) -> Result<Vec<Doc>> {
        let mut root: Option<YNode> = None;
        for item in Parser::new_from_str(self.src) {
            let (event, span) = item.map_err(|e| Error::parse(FORMAT, e.to_string()))?;
            let start = pos_of(&span.start);
            let end = pos_of(&span.end);
            match event {
                Event::StreamStart | Event::StreamEnd => {}
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
                Event::Scalar(value, style, anchor, tag) => {
                    let tag = tag.map(|t| (t.handle().to_string(), t.suffix().to_string()));
                    let node = YNode {
                        kind: Kind::Scalar {
                            value: value.into_owned(),
                            style,
                            tag,
                        },
                        start,
                        end,
                        flow: false,
                    };
                    if let Some(n) = self.finish_node(node, anchor)? {
                        root = Some(n);
                    }
                }
                Event::Alias(id) => {
                    let Some(target) = self.anchors.get(&id).cloned() else {
                        return Err(Error::parse(FORMAT, "unknown anchor"));
                    };
                    self.expanded += node_count(&target);
                    if self.expanded > MAX_EXPANDED_NODES {
                        return Err(Error::parse(
                            FORMAT,
                            "document contains excessive aliasing",
                        ));
                    }
                    let mut node = target;
                    // The alias occupies its own place in the source.
                    node.start = start;
                    node.end = end;
                    if let Some(n) = self.attach(node) {
                        root = Some(n);
                    }
                }
                Event::SequenceStart(style, anchor, _) => self.stack.push(Frame::Seq {
                    items: Vec::new(),
                    start,
                    flow: style == StructureStyle::Flow,
                    anchor,
                }),
                Event::MappingStart(style, anchor, _) => self.stack.push(Frame::Map {
                    entries: Vec::new(),
                    pending_key: None,
                    start,
                    flow: style == StructureStyle::Flow,
                    anchor,
                }),
                Event::SequenceEnd | Event::MappingEnd => {
                    let frame = self.stack.pop().ok_or_else(|| {
                        Error::parse(FORMAT, "unbalanced collection end")
                    })?;
                    let (node, anchor) = match frame {
                        Frame::Seq {
                            items,
                            start: s,
                            flow,
                            anchor,
                        } => {
                            let last = items.last().map(|n| n.end);
                            let node_end = if flow { end } else { last.unwrap_or(s) };
                            (
                                YNode {
                                    kind: Kind::Seq(items),
                                    start: s,
                                    end: node_end,
                                    flow,
                                },
                                anchor,
                            )
                        }
                        Frame::Map {
                            entries,
                            start: s,
                            flow,
                            anchor,
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
                                },
                                anchor,
                            )
                        }
                    };
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
        Ok(self.docs)
    }
}

// ---------------------------------------------------------------------------------------------
// Typing scalars.

fn core_tag(tag: &Option<(String, String)>) -> Option<&str> {
    match tag {
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
            _ => gofmt::parse_float(text)
                .map(Value::Float)
                .ok_or_else(bad),
        },
        "timestamp" => GoTime::parse_yaml(text)
            .map(|t| Value::Time(t.rfc3339_nano()))
            .ok_or_else(bad),
        // Collections tags on scalars and unknown core tags: keep the text.
        _ => Ok(Value::Str(text.to_string())),
    }
}

fn scalar_value(value: &str, style: ScalarStyle, tag: &Option<(String, String)>) -> Result<Value> {
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

/// Key text and a Go-ish type name when the key is not a string.
fn key_of(node: &YNode) -> Result<String> {
    match &node.kind {
        Kind::Scalar { value, style, tag } => match scalar_value(value, *style, tag) {
            Ok(Value::Str(s)) => Ok(s),
            Ok(Value::Bytes(_)) => Ok(value.clone()),
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

// ---------------------------------------------------------------------------------------------
// Comment placement.

/// A block container, flattened for comment placement.
struct ContainerInfo {
    depth: usize,
    /// Column of the keys (maps) or dashes (sequences).
    indent: usize,
    /// Where its first child starts (or where it would, for empty ones).
    first: Pos,
    /// End of its last content.
    end: Pos,
    /// The key or dash that introduces it, when it is a nested value.
    opener: Option<Pos>,
    /// Start positions of its children, in order.
    children: Vec<Pos>,
    /// For each child: the line span of the child's "head" (key and inline value).
    heads: Vec<(Pos, Pos)>,
}

struct Placement {
    containers: Vec<ContainerInfo>,
    /// Start of every content token in the document, sorted.
    tokens: Vec<Pos>,
}

fn dash_col(src: &str, item: Pos) -> usize {
    let bytes = src.as_bytes();
    let mut i = item.byte;
    while i > 0 {
        i -= 1;
        match bytes[i] {
            b' ' | b'\t' => continue,
            b'-' => {
                let line_start = src[..i].rfind('\n').map_or(0, |p| p + 1);
                return src[line_start..i].chars().count();
            }
            _ => break,
        }
    }
    item.col
}

fn collect(
    src: &str,
    node: &YNode,
    depth: usize,
    opener: Option<Pos>,
    p: &mut Placement,
    ids: &mut HashMap<*const YNode, usize>,
) {
    match &node.kind {
        Kind::Scalar { .. } => p.tokens.push(node.start),
        Kind::Map(entries) => {
            let id = p.containers.len();
            ids.insert(node as *const YNode, id);
            p.containers.push(ContainerInfo {
                depth,
                indent: entries.first().map_or(node.start.col, |(k, _)| k.start.col),
                first: entries.first().map_or(node.start, |(k, _)| k.start),
                end: node.end,
                opener,
                children: entries.iter().map(|(k, _)| k.start).collect(),
                heads: entries
                    .iter()
                    .map(|(k, v)| {
                        let head_end = if matches!(v.kind, Kind::Scalar { .. }) || v.flow {
                            v.end
                        } else {
                            k.end
                        };
                        (k.start, head_end)
                    })
                    .collect(),
            });
            for (k, v) in entries {
                p.tokens.push(k.start);
                collect(src, v, depth + 1, Some(k.start), p, ids);
            }
        }
        Kind::Seq(items) => {
            let id = p.containers.len();
            ids.insert(node as *const YNode, id);
            let indent = items
                .first()
                .map_or(node.start.col, |i| if node.flow { i.start.col } else { dash_col(src, i.start) });
            p.containers.push(ContainerInfo {
                depth,
                indent,
                first: items.first().map_or(node.start, |i| i.start),
                end: node.end,
                opener,
                children: items.iter().map(|i| i.start).collect(),
                heads: items
                    .iter()
                    .map(|i| {
                        let end = if matches!(i.kind, Kind::Scalar { .. }) || i.flow {
                            i.end
                        } else {
                            i.start
                        };
                        (i.start, end)
                    })
                    .collect(),
            });
            for item in items {
                collect(src, item, depth + 1, Some(item.start), p, ids);
            }
        }
    }
}

impl Placement {
    /// Returns (container id, slot index) for a comment.
    fn place(&self, c: &RawComment) -> Option<(usize, usize)> {
        if c.trailing {
            // Same-line comment: the item whose head spans this line, deepest/last first.
            let mut best: Option<(usize, usize, Pos)> = None;
            for (id, info) in self.containers.iter().enumerate() {
                for (i, (hs, he)) in info.heads.iter().enumerate() {
                    if hs.line <= c.pos.line && c.pos.line <= he.line.max(hs.line) && *hs < c.pos
                        && best.is_none_or(|(_, _, b)| *hs >= b)
                    {
                        best = Some((id, i, *hs));
                    }
                }
            }
            if let Some((id, i, _)) = best {
                return Some((id, i));
            }
        }
        if self.containers.is_empty() {
            return None;
        }
        // The last content token before the comment.
        let prev = {
            let i = self.tokens.partition_point(|t| *t < c.pos);
            i.checked_sub(1).map(|i| self.tokens[i])
        };
        let mut pending: Option<usize> = None;
        let mut open: Option<usize> = None;
        for (id, info) in self.containers.iter().enumerate() {
            if info.first > c.pos {
                // Between `key:` (or `-`) and its nested block: the block gets it.
                if info.opener.is_some_and(|o| o < c.pos)
                    && pending.is_none_or(|p| self.containers[p].depth < info.depth)
                {
                    pending = Some(id);
                }
                continue;
            }
            // Open while the comment is inside it, or right after its last content.
            let is_open =
                c.pos <= info.end || prev.is_some_and(|p| info.first <= p && p <= info.end);
            if is_open
                && info.indent <= c.pos.col
                && open.is_none_or(|o| self.containers[o].depth < info.depth)
            {
                open = Some(id);
            }
        }
        let id = pending.or(open).unwrap_or(0);
        let slot = self.containers[id]
            .children
            .iter()
            .position(|ch| *ch > c.pos)
            .unwrap_or(self.containers[id].children.len());
        Some((id, slot))
    }
}

type Slots = HashMap<(usize, usize), Vec<String>>;

struct Converter<'a> {
    ids: HashMap<*const YNode, usize>,
    slots: &'a mut Slots,
}

impl Converter<'_> {
    fn take(&mut self, id: Option<usize>, slot: usize) -> Vec<String> {
        id.and_then(|id| self.slots.remove(&(id, slot)))
            .unwrap_or_default()
    }

    fn value(&mut self, node: &YNode) -> Result<Value> {
        match &node.kind {
            Kind::Scalar { value, style, tag } => scalar_value(value, *style, tag),
            Kind::Map(entries) => Ok(Value::Map(self.map(node, entries)?)),
            Kind::Seq(items) => {
                let id = self.ids.get(&(node as *const YNode)).copied();
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    out.extend(self.take(id, i).into_iter().map(Value::Comment));
                    out.push(self.value(item)?);
                }
                out.extend(self.take(id, items.len()).into_iter().map(Value::Comment));
                Ok(Value::List(out))
            }
        }
    }

    fn map(&mut self, node: &YNode, entries: &[(YNode, YNode)]) -> Result<Branch> {
        let id = self.ids.get(&(node as *const YNode)).copied();
        let mut branch = Branch(Vec::with_capacity(entries.len()));
        for (i, (k, v)) in entries.iter().enumerate() {
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
            .extend(self.take(id, entries.len()).into_iter().map(Item::Comment));
        Ok(branch)
    }
}

fn document_branch(src: &str, doc: &Doc, index: usize) -> Result<Branch> {
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
    let mut placement = Placement {
        containers: Vec::new(),
        tokens: Vec::new(),
    };
    let mut ids = HashMap::new();
    collect(src, root, 0, None, &mut placement, &mut ids);
    placement.tokens.sort();
    let mut slots: Slots = HashMap::new();
    for c in &doc.comments {
        if let Some(key) = placement.place(c) {
            slots.entry(key).or_default().push(c.text.clone());
        }
    }
    let Kind::Map(entries) = &root.kind else {
        unreachable!("checked above")
    };
    let mut conv = Converter {
        ids,
        slots: &mut slots,
    };
    conv.map(root, entries)
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
            let mut seen: HashMap<String, usize> = HashMap::new();
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
                        let text = match scalar_value(value, *style, tag) {
                            Ok(Value::Str(s)) => s,
                            _ => value.clone(),
                        };
                        if let Some(line) = seen.get(&text) {
                            return Err(Error::parse(
                                FORMAT,
                                format!("mapping key \"{text}\" already defined at line {line}"),
                            ));
                        }
                        seen.insert(text, k.start.line);
                    }
                }
                check_duplicates(v)?;
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
    let src = std::str::from_utf8(bytes)
        .map_err(|_| Error::parse(FORMAT, "input is not valid UTF-8"))?;
    let builder = Builder {
        src,
        docs: Vec::new(),
        stack: Vec::new(),
        anchors: HashMap::new(),
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
    docs.iter()
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
        let b = one("a: 1\nb: 1.5\nc: true\nd: ~\ne: x\nf: \"1\"\ng: !!str 2\nh: !!int \"5\"\ni: 2002-12-14\nj: !custom 3\nk: !!binary /w==\nl: 0x1F\n");
        assert_eq!(b.get("a"), Some(&Value::Int(1)));
        assert_eq!(b.get("b"), Some(&Value::Float(1.5)));
        assert_eq!(b.get("c"), Some(&Value::Bool(true)));
        assert_eq!(b.get("d"), Some(&Value::Null));
        assert_eq!(b.get("e"), Some(&Value::Str("x".into())));
        assert_eq!(b.get("f"), Some(&Value::Str("1".into())));
        assert_eq!(b.get("g"), Some(&Value::Str("2".into())));
        assert_eq!(b.get("h"), Some(&Value::Int(5)));
        assert_eq!(b.get("i"), Some(&Value::Time("2002-12-14T00:00:00Z".into())));
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
        assert!(matches!(parse(b"123: x\n"), Err(Error::NonStringKey { kind: "int" })));
        assert!(matches!(
            parse(b"a: 18446744073709551615\n"),
            Err(Error::UnsupportedValue { .. })
        ));
    }

    #[test]
    fn anchors_expand_and_merge_key_stays() {
        let b = one("base: &b {x: 1}\nother:\n  <<: *b\n  z: 2\n");
        let Some(Value::Map(o)) = b.get("other") else { panic!() };
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
        let texts: Vec<String> = b
            .0
            .iter()
            .map(|i| match i {
                Item::Comment(c) => format!("#{c}"),
                Item::Entry(k, _) => k.clone(),
            })
            .collect();
        assert_eq!(texts, ["# head", "# line", "key1", "key2", "list", "# top", "key3", "# end"]);
        let Some(Value::Map(k2)) = b.get("key2") else { panic!() };
        assert_eq!(k2.0[0], Item::Comment(" inside".into()));
        assert_eq!(k2.0[2], Item::Comment(" foot".into()));
        let Some(Value::List(l)) = b.get("list") else { panic!() };
        assert_eq!(l[0], Value::Comment(" on x".into()));
    }
}
