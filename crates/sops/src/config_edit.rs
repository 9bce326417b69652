//! Editing the age recipients of `.sops.yaml` as text: every comment, blank line, quoting and
//! layout outside the lines that change is kept byte for byte.
//!
//! [`ConfigText::parse`] finds each creation rule's `age` fields — the rule's own, or those of
//! its `key_groups` (including `merge`) — with byte spans from the YAML parser, and the names
//! written next to the keys.
//!
//! **Names** are YAML comments: the trailing comment of a key's line in a block list
//! (`- age1… # alice` names the key `alice`), the trailing comment of a one-key string
//! (`age: age1… # alice`), or an anchor (`- &alice age1…`, `- *alice`). The name is the whole
//! comment text, trimmed; removing by name falls back to the comment's first word when no
//! comment matches exactly (`alice` finds `# alice (laptop)`).
//!
//! **Adding** ([`ConfigText::add`]):
//! * a block list (`- age1…` lines) gains one line after its last item, with that item's
//!   indentation: `- age1… # NAME`;
//! * a string (plain, quoted, folded `>-`, literal `|`), a flow list (`[a, b]`) or an empty
//!   `age:` cannot carry a comment per key, so it becomes a block list, one key per line, indented
//!   two spaces under `age:` (sops reads lists there); comments on the `age:` line stay there,
//!   and the trailing comment of a one-key string stays that key's name;
//! * in a rule with several key groups, the group must be chosen.
//!
//! **Removing** ([`ConfigText::remove`]): a block-list item loses its whole line; a one-line
//! string or a flow list is rewritten in its own style without the key; in a folded or literal
//! block scalar only the lines holding the key change (and the comma of the new last line).
//! Removing the last age recipient of a rule, or of one of its key groups, is refused.
//!
//! **Refused**, with the line: rules written as flow maps (`- {age: …}`) when the value must
//! become a block list, aliased or anchored lists, items spanning several lines or sharing a line,
//! comments inside flow lists, tags, anchored keys that would be removed.
//!
//! Every edit is checked by loading the result with [`Config::parse`]: the changed rules must
//! have exactly the expected recipients and every other rule the same as before; otherwise the
//! edit is refused ([`EditError::Verify`]) and nothing should be written.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use granit_parser::{Event, Marker, Options, Parser, ScalarStyle, StructureStyle};
use regex::Regex;

use crate::config::Config;

/// Why `.sops.yaml` cannot be edited as asked.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    /// The text is not valid YAML.
    #[error("invalid YAML at line {line}: {message}")]
    Syntax {
        /// 1-based line.
        line: usize,
        /// The parser's message.
        message: String,
    },
    /// A layout this editor does not change (edit the file by hand).
    #[error("line {line}: cannot edit {what}")]
    Unsupported {
        /// 1-based line.
        line: usize,
        /// What was found.
        what: String,
    },
    /// The recipient name cannot be written as a comment.
    #[error("invalid recipient name {name:?}: {why}")]
    BadName {
        /// The name given.
        name: String,
        /// What is wrong with it.
        why: &'static str,
    },
    /// Removing would leave a rule without any age recipient.
    #[error("refusing to remove the last age recipient of the creation rule at line {line}")]
    LastRecipient {
        /// Line of the rule.
        line: usize,
    },
    /// Removing would leave one key group without an age recipient.
    #[error(
        "refusing to leave key group {group} of the creation rule at line {line} without an age recipient"
    )]
    EmptyGroup {
        /// Line of the rule.
        line: usize,
        /// The group's index.
        group: usize,
    },
    /// The rule has several key groups and none was chosen.
    #[error("the creation rule at line {line} has {groups} key groups: choose one (0 to {})", .groups - 1)]
    GroupNeeded {
        /// Line of the rule.
        line: usize,
        /// How many groups it has.
        groups: usize,
    },
    /// The chosen key group does not exist.
    #[error("the creation rule at line {line} has no key group {group} (it has {groups})")]
    NoSuchGroup {
        /// Line of the rule.
        line: usize,
        /// The group asked for.
        group: usize,
        /// How many groups it has.
        groups: usize,
    },
    /// There is no `age` field to add to.
    #[error("line {line}: no `age` field to add the recipient to")]
    NoAgeField {
        /// Line of the rule or key group.
        line: usize,
    },
    /// A rule index out of range.
    #[error("there is no creation rule number {0}")]
    NoSuchRule(usize),
    /// An invalid `--files` glob.
    #[error("invalid glob {glob:?}: {why}")]
    BadGlob {
        /// The glob.
        glob: String,
        /// What is wrong.
        why: String,
    },
    /// The edited text does not load with the expected recipients (nothing must be written).
    #[error("the edited .sops.yaml would not have the expected recipients: {0}")]
    Verify(String),
}

type Result<T> = std::result::Result<T, EditError>;

// ---------------------------------------------------------------------------------------------
// A YAML tree with byte spans.

#[derive(Clone, Debug)]
struct Node {
    /// Byte offset of the node (for a collection, of its first token; for an alias, of `*`).
    start: usize,
    /// Byte offset after the node (reliable for scalars, aliases and flow collections).
    end: usize,
    /// 1-based line of `start`.
    line: usize,
    /// Anchor id defined on the node (0: none).
    anchor: usize,
    /// The anchor id this node is an alias of.
    alias: Option<usize>,
    kind: Kind,
}

#[derive(Clone, Debug)]
enum Kind {
    Scalar {
        text: String,
        style: ScalarStyle,
        tagged: bool,
    },
    Seq {
        flow: bool,
        items: Vec<Node>,
    },
    Map {
        flow: bool,
        entries: Vec<(Node, Node)>,
    },
}

enum Frame {
    Seq(Node),
    Map(Node, Option<Node>),
}

/// An anchor's name and the byte offset of its `&`.
#[derive(Clone, Debug)]
struct AnchorDef {
    name: String,
    start: usize,
}

fn offset(text: &str, m: &Marker) -> usize {
    m.byte_offset().unwrap_or_else(|| {
        text.char_indices()
            .nth(m.index())
            .map_or(text.len(), |(i, _)| i)
    })
}

fn build(text: &str) -> Result<(Option<Node>, HashMap<usize, AnchorDef>)> {
    let mut options = Options::default();
    options.set_emit_comments(false);
    options.emit_anchor_events = true;
    let mut stack: Vec<Frame> = Vec::new();
    let mut defs: HashMap<usize, Node> = HashMap::new();
    let mut anchors: HashMap<usize, AnchorDef> = HashMap::new();
    let mut root = None;
    let mut documents = 0;
    for item in Parser::new_from_str_with_options(text, options) {
        let (event, span) = item.map_err(|e| EditError::Syntax {
            line: e.marker().line().max(1),
            message: e.info(),
        })?;
        let start = offset(text, &span.start);
        let end = offset(text, &span.end);
        let line = span.start.line().max(1);
        let node = |anchor, kind| Node {
            start,
            end,
            line,
            anchor,
            alias: None,
            kind,
        };
        let done = match event {
            Event::DocumentStart(..) => {
                documents += 1;
                if documents > 1 {
                    break;
                }
                continue;
            }
            Event::Anchor(id, name) => {
                let name = name.into_owned();
                anchors.insert(id, AnchorDef { name, start });
                continue;
            }
            Event::Scalar(value, style, anchor, tag) => {
                let kind = Kind::Scalar {
                    text: value.into_owned(),
                    style,
                    tagged: tag.is_some(),
                };
                node(anchor, kind)
            }
            Event::Alias(id) => {
                let Some(target) = defs.get(&id) else {
                    return Err(EditError::Syntax {
                        line,
                        message: "alias to an unknown anchor".into(),
                    });
                };
                Node {
                    start,
                    end,
                    line,
                    anchor: 0,
                    alias: Some(id),
                    kind: target.kind.clone(),
                }
            }
            Event::SequenceStart(style, anchor, _) => {
                let flow = style == StructureStyle::Flow;
                let items = Vec::new();
                stack.push(Frame::Seq(node(anchor, Kind::Seq { flow, items })));
                continue;
            }
            Event::MappingStart(style, anchor, _) => {
                let flow = style == StructureStyle::Flow;
                let entries = Vec::new();
                stack.push(Frame::Map(node(anchor, Kind::Map { flow, entries }), None));
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => match stack.pop() {
                Some(Frame::Seq(mut n)) | Some(Frame::Map(mut n, _)) => {
                    n.end = end.max(n.start);
                    n
                }
                None => {
                    return Err(EditError::Syntax {
                        line,
                        message: "unbalanced end".into(),
                    })
                }
            },
            _ => continue,
        };
        if done.anchor != 0 {
            defs.insert(done.anchor, done.clone());
        }
        match stack.last_mut() {
            None => root = Some(done),
            Some(Frame::Seq(seq)) => {
                if let Kind::Seq { items, .. } = &mut seq.kind {
                    items.push(done);
                }
            }
            Some(Frame::Map(map, pending)) => match pending.take() {
                None => *pending = Some(done),
                Some(key) => {
                    if let Kind::Map { entries, .. } = &mut map.kind {
                        entries.push((key, done));
                    }
                }
            },
        }
    }
    Ok((root, anchors))
}

impl Node {
    fn scalar(&self) -> Option<&str> {
        match &self.kind {
            Kind::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }

    fn map(&self) -> Option<(bool, &[(Node, Node)])> {
        match &self.kind {
            Kind::Map { flow, entries } => Some((*flow, entries)),
            _ => None,
        }
    }

    fn seq(&self) -> Option<&[Node]> {
        match &self.kind {
            Kind::Seq { items, .. } => Some(items),
            _ => None,
        }
    }

    /// The value of the last entry named `key`.
    fn get(&self, key: &str) -> Option<(&Node, &Node)> {
        let (_, entries) = self.map()?;
        entries
            .iter()
            .rev()
            .find(|(k, _)| k.scalar() == Some(key))
            .map(|(k, v)| (k, v))
    }
}

// ---------------------------------------------------------------------------------------------
// Lines.

fn line_start(text: &str, pos: usize) -> usize {
    text[..pos].rfind('\n').map_or(0, |i| i + 1)
}

fn line_end(text: &str, pos: usize) -> usize {
    text[pos..].find('\n').map_or(text.len(), |i| pos + i)
}

fn line_no(text: &str, pos: usize) -> usize {
    text[..pos].matches('\n').count() + 1
}

/// The comment after `pos` on its line: `Some(Some(text))` for `# text`, `Some(None)` for
/// nothing but blanks, `None` when something else follows.
fn trailing(text: &str, pos: usize) -> Option<Option<String>> {
    let rest = text[pos..line_end(text, pos)].trim();
    if rest.is_empty() {
        Some(None)
    } else {
        rest.strip_prefix('#').map(|c| Some(c.trim().to_string()))
    }
}

/// The comment after `pos` as a name (empty comments are no name).
fn trailing_name(text: &str, pos: usize) -> Option<String> {
    trailing(text, pos).flatten().filter(|c| !c.is_empty())
}

/// `  - ` (blanks, one dash, at least one blank).
fn is_dash_prefix(prefix: &str) -> bool {
    let t = prefix.trim_start();
    match t.strip_prefix('-') {
        Some(rest) => !rest.is_empty() && rest.chars().all(|c| c == ' ' || c == '\t'),
        None => false,
    }
}

fn split_keys(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(String::from)
        .collect()
}

fn is_block_scalar(style: ScalarStyle) -> bool {
    matches!(style, ScalarStyle::Literal | ScalarStyle::Folded)
}

fn is_null_text(s: &str) -> bool {
    matches!(s, "" | "~" | "null" | "Null" | "NULL")
}

/// A key as a YAML scalar: plain when that reads back as the same string, else double-quoted.
fn yaml_scalar(s: &str) -> String {
    if plain_safe(s) {
        s.to_string()
    } else {
        double_quoted(s)
    }
}

fn plain_safe(s: &str) -> bool {
    s.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || " +/=@._-".contains(c))
        && !s.ends_with(' ')
        && !s.contains(" #")
        && !matches!(
            s,
            "true" | "True" | "TRUE" | "false" | "False" | "FALSE" | "null" | "Null" | "NULL"
        )
}

fn double_quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn single_quoted(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// Checks a recipient name for use as a comment and returns it trimmed.
pub fn check_name(name: &str) -> Result<&str> {
    let trimmed = name.trim();
    let bad = |why| {
        Err(EditError::BadName {
            name: name.to_string(),
            why,
        })
    };
    if trimmed.is_empty() {
        return bad("it is empty");
    }
    if trimmed.chars().any(char::is_control) {
        return bad("it contains a line break or control character");
    }
    if trimmed.starts_with("age1") || trimmed.starts_with("ssh-") {
        return bad("it looks like a key; give a name such as alice or ci");
    }
    Ok(trimmed)
}

// ---------------------------------------------------------------------------------------------
// The rules' age fields.

/// One `age:` entry.
#[derive(Clone, Debug)]
struct Field {
    /// Line of the `age` key.
    key_line: usize,
    /// Column (characters) of the `age` key.
    key_col: usize,
    /// Byte offset just after the `:`.
    colon_end: usize,
    /// The `age` key is in a flow map.
    in_flow: bool,
    value: Node,
}

#[derive(Clone, Debug)]
struct Group {
    line: usize,
    top: Option<Field>,
    merged: Vec<Field>,
}

#[derive(Clone, Debug)]
struct Rule {
    line: usize,
    flat: Option<Field>,
    groups: Option<Vec<Group>>,
}

impl Rule {
    /// The fields that give the rule its recipients (key groups win over a flat `age`, as in
    /// sops).
    fn fields(&self) -> Vec<&Field> {
        match &self.groups {
            Some(groups) => groups
                .iter()
                .flat_map(|g| g.top.iter().chain(g.merged.iter()))
                .collect(),
            None => self.flat.iter().collect(),
        }
    }
}

/// What an `age` value is.
enum Shape<'a> {
    Empty,
    Str { text: &'a str, style: ScalarStyle },
    List { flow: bool, items: &'a [Node] },
    Other,
}

fn shape(v: &Node) -> Shape<'_> {
    match &v.kind {
        Kind::Scalar { text, style, .. } if *style == ScalarStyle::Plain && is_null_text(text) => {
            Shape::Empty
        }
        Kind::Scalar { text, style, .. } => Shape::Str {
            text,
            style: *style,
        },
        Kind::Seq { flow, items } => Shape::List { flow: *flow, items },
        Kind::Map { .. } => Shape::Other,
    }
}

/// The recipients of one field, as `Config` reads them.
fn field_keys(f: &Field) -> Vec<String> {
    match shape(&f.value) {
        Shape::Empty | Shape::Other => Vec::new(),
        Shape::Str { text, .. } => split_keys(text),
        Shape::List { items, .. } => items
            .iter()
            .filter_map(|i| i.scalar())
            .map(|s| s.trim().to_string())
            .collect(),
    }
}

/// A list item as written.
struct Item {
    key: String,
    /// Byte offset of its first token (its anchor, if any).
    start: usize,
    end: usize,
    line: usize,
    single_line: bool,
    anchor: Option<String>,
    alias: Option<String>,
}

/// A replacement of `text[start..end]`.
#[derive(Debug)]
struct Splice {
    start: usize,
    end: usize,
    text: String,
}

/// The result of an edit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edited {
    /// The new text of `.sops.yaml`.
    pub text: String,
    /// Rules (indices into `creation_rules`) whose recipients changed.
    pub changed: Vec<usize>,
    /// Selected rules left as they were (the key was already there, or was not there to remove).
    pub unchanged: Vec<usize>,
}

/// `.sops.yaml` text with the location of every creation rule's age recipients.
#[derive(Clone, Debug)]
pub struct ConfigText {
    text: String,
    rules: Vec<Rule>,
    anchors: HashMap<usize, AnchorDef>,
    /// (key, name) in file order; comment names before anchor names.
    names: Vec<(String, String)>,
    newline: &'static str,
}

impl ConfigText {
    /// Parses `.sops.yaml` text (only its first document, as sops).
    pub fn parse(text: &str) -> Result<ConfigText> {
        let (root, anchors) = build(text)?;
        let mut ct = ConfigText {
            text: text.to_string(),
            rules: Vec::new(),
            anchors,
            names: Vec::new(),
            newline: if text.contains("\r\n") { "\r\n" } else { "\n" },
        };
        let rules = root
            .as_ref()
            .and_then(|r| r.get("creation_rules"))
            .and_then(|(_, v)| v.seq())
            .unwrap_or_default();
        for rule in rules {
            let Some((flow, _)) = rule.map() else {
                continue;
            };
            let flat = match rule.get("age") {
                Some((k, v)) => Some(ct.field(k, v, flow)?),
                None => None,
            };
            let groups = match rule.get("key_groups") {
                Some((_, v)) => {
                    let mut groups = Vec::new();
                    for g in v.seq().unwrap_or_default() {
                        if g.map().is_some() {
                            groups.push(ct.group(g)?);
                        }
                    }
                    Some(groups)
                }
                None => None,
            };
            ct.rules.push(Rule {
                line: rule.line,
                flat,
                groups,
            });
        }
        ct.names = ct.collect_names(root.as_ref());
        Ok(ct)
    }

    fn field(&self, key: &Node, value: &Node, in_flow: bool) -> Result<Field> {
        let text = &self.text;
        let after = &text[key.end..];
        let skip = after.len() - after.trim_start_matches([' ', '\t']).len();
        if !after[skip..].starts_with(':') {
            return Err(EditError::Unsupported {
                line: key.line,
                what: "an `age` key written as a complex key".into(),
            });
        }
        let ls = line_start(text, key.start);
        Ok(Field {
            key_line: key.line,
            key_col: text[ls..key.start].chars().count(),
            colon_end: key.end + skip + 1,
            in_flow,
            value: value.clone(),
        })
    }

    fn group(&self, g: &Node) -> Result<Group> {
        let flow = g.map().is_some_and(|(f, _)| f);
        let top = match g.get("age") {
            Some((k, v)) => Some(self.field(k, v, flow)?),
            None => None,
        };
        let mut merged = Vec::new();
        self.merged(g, &mut merged)?;
        Ok(Group {
            line: g.line,
            top,
            merged,
        })
    }

    fn merged(&self, g: &Node, out: &mut Vec<Field>) -> Result<()> {
        let Some((_, merge)) = g.get("merge") else {
            return Ok(());
        };
        for sub in merge.seq().unwrap_or_default() {
            let Some((flow, _)) = sub.map() else { continue };
            if let Some((k, v)) = sub.get("age") {
                out.push(self.field(k, v, flow)?);
            }
            self.merged(sub, out)?;
        }
        Ok(())
    }

    fn item(&self, n: &Node) -> Option<Item> {
        let key = n.scalar()?.trim().to_string();
        let anchor = (n.anchor != 0)
            .then(|| self.anchors.get(&n.anchor))
            .flatten();
        let start = anchor.map_or(n.start, |a| a.start.min(n.start));
        let alias = n
            .alias
            .and_then(|id| self.anchors.get(&id))
            .map(|a| a.name.clone());
        Some(Item {
            key,
            start,
            end: n.end,
            line: line_no(&self.text, start),
            single_line: !self.text[start..n.end].contains('\n'),
            anchor: anchor.map(|a| a.name.clone()),
            alias,
        })
    }

    fn collect_names(&self, root: Option<&Node>) -> Vec<(String, String)> {
        let mut names = Vec::new();
        for rule in &self.rules {
            let mut fields: Vec<&Field> = rule.flat.iter().collect();
            for g in rule.groups.iter().flatten() {
                fields.extend(g.top.iter().chain(g.merged.iter()));
            }
            for f in fields {
                match shape(&f.value) {
                    Shape::List { flow, items } => {
                        for item in items.iter().filter_map(|i| self.item(i)) {
                            let comment = (!flow && item.single_line)
                                .then(|| trailing_name(&self.text, item.end))
                                .flatten();
                            if let Some(name) = comment.or(item.alias).or(item.anchor) {
                                names.push((item.key, name));
                            }
                        }
                    }
                    Shape::Str { text, .. } => {
                        let keys = split_keys(text);
                        let v = &f.value;
                        let one_line = !self.text[v.start..v.end].contains('\n');
                        if keys.len() == 1 && one_line && v.alias.is_none() {
                            if let Some(name) = trailing_name(&self.text, v.end) {
                                names.push((keys[0].clone(), name));
                            }
                        }
                    }
                    Shape::Empty | Shape::Other => {}
                }
            }
        }
        // Anchored keys anywhere (e.g. a top-level `keys:` list of `&alice age1…`).
        let mut stack: Vec<&Node> = root.into_iter().collect();
        while let Some(n) = stack.pop() {
            match &n.kind {
                Kind::Scalar { text, .. } if n.anchor != 0 && n.alias.is_none() => {
                    let t = text.trim();
                    if t.starts_with("age1") || t.starts_with("ssh-") {
                        if let Some(a) = self.anchors.get(&n.anchor) {
                            names.push((t.to_string(), a.name.clone()));
                        }
                    }
                }
                Kind::Scalar { .. } => {}
                Kind::Seq { items, .. } => stack.extend(items.iter().rev()),
                Kind::Map { entries, .. } => {
                    stack.extend(entries.iter().rev().flat_map(|(k, v)| [v, k]));
                }
            }
        }
        names
    }

    /// The text as parsed.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// How many creation rules there are.
    pub fn rule_count(&self) -> usize {
        self.rules.len()
    }

    /// The 1-based line of creation rule `index`.
    pub fn rule_line(&self, index: usize) -> Option<usize> {
        self.rules.get(index).map(|r| r.line)
    }

    /// True when the rule has an `age` field that gives it recipients (possibly empty).
    pub fn has_age(&self, index: usize) -> bool {
        self.rules
            .get(index)
            .is_some_and(|r| !r.fields().is_empty())
    }

    /// The rule's age recipients, one list per key group (as `Config` reads them).
    pub fn rule_recipients(&self, index: usize) -> Vec<Vec<String>> {
        let Some(rule) = self.rules.get(index) else {
            return Vec::new();
        };
        match &rule.groups {
            Some(groups) => groups
                .iter()
                .map(|g| {
                    let mut seen = HashSet::new();
                    g.top
                        .iter()
                        .chain(g.merged.iter())
                        .flat_map(field_keys)
                        .filter(|k| seen.insert(k.clone()))
                        .collect()
                })
                .collect(),
            None => {
                let keys: Vec<String> = rule.flat.iter().flat_map(field_keys).collect();
                if keys.is_empty() {
                    Vec::new()
                } else {
                    vec![keys]
                }
            }
        }
    }

    /// Every (key, name) pair written in the file, in file order (comments, then anchors).
    pub fn names(&self) -> &[(String, String)] {
        &self.names
    }

    /// The name of `key` (the first one written), if any.
    pub fn name_of(&self, key: &str) -> Option<&str> {
        let key = key.trim();
        self.names
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, n)| n.as_str())
    }

    /// Every key carrying the name `name`, in file order: exact matches of the whole comment;
    /// when there are none, comments whose first word is `name` (`alice` finds
    /// `# alice (laptop)`).
    pub fn keys_named(&self, name: &str) -> Vec<String> {
        let name = name.trim();
        let first_word = |n: &str| n.split_whitespace().next() == Some(name);
        let mut out: Vec<String> = Vec::new();
        for exact in [true, false] {
            for (k, n) in &self.names {
                let hit = if exact { n == name } else { first_word(n) };
                if hit && !out.contains(k) {
                    out.push(k.clone());
                }
            }
            if !out.is_empty() {
                break;
            }
        }
        out
    }

    fn rule(&self, index: usize) -> Result<&Rule> {
        self.rules.get(index).ok_or(EditError::NoSuchRule(index))
    }

    /// Adds `key` named `name` to the `age` recipients of each rule in `rules` (indices into
    /// `creation_rules`). In a rule with key groups the key goes to `group` (which may be left out
    /// when there is only one). Rules that already have the key are left unchanged.
    pub fn add(
        &self,
        key: &str,
        name: &str,
        rules: &[usize],
        group: Option<usize>,
    ) -> Result<Edited> {
        let name = check_name(name)?;
        let key = key.trim();
        let mut splices = Vec::new();
        let (mut changed, mut unchanged) = (Vec::new(), Vec::new());
        let mut target_group: HashMap<usize, usize> = HashMap::new();
        for &index in rules {
            let rule = self.rule(index)?;
            if changed.contains(&index) || unchanged.contains(&index) {
                continue;
            }
            if self
                .rule_recipients(index)
                .iter()
                .flatten()
                .any(|k| k == key)
            {
                unchanged.push(index);
                continue;
            }
            let (g, field) = match &rule.groups {
                Some(groups) => {
                    let g = match group {
                        Some(g) => g,
                        None if groups.len() == 1 => 0,
                        None if groups.is_empty() => {
                            return Err(EditError::NoAgeField { line: rule.line })
                        }
                        None => {
                            return Err(EditError::GroupNeeded {
                                line: rule.line,
                                groups: groups.len(),
                            })
                        }
                    };
                    let grp = groups.get(g).ok_or(EditError::NoSuchGroup {
                        line: rule.line,
                        group: g,
                        groups: groups.len(),
                    })?;
                    let field = grp
                        .top
                        .as_ref()
                        .ok_or(EditError::NoAgeField { line: grp.line })?;
                    (g, field)
                }
                None => {
                    if let Some(g) = group.filter(|g| *g > 0) {
                        return Err(EditError::NoSuchGroup {
                            line: rule.line,
                            group: g,
                            groups: 1,
                        });
                    }
                    let field = rule
                        .flat
                        .as_ref()
                        .ok_or(EditError::NoAgeField { line: rule.line })?;
                    (0, field)
                }
            };
            splices.extend(self.add_to(field, key, name)?);
            target_group.insert(index, g);
            changed.push(index);
        }
        let text = apply(&self.text, splices)?;
        self.verify(&text, |index, groups| {
            let mut groups = groups.to_vec();
            if let Some(&g) = target_group.get(&index) {
                if groups.is_empty() {
                    groups.push(Vec::new());
                }
                if let Some(grp) = groups.get_mut(g) {
                    grp.push(key.to_string());
                }
            }
            groups
        })?;
        Ok(Edited {
            text,
            changed,
            unchanged,
        })
    }

    /// Removes every key of `keys` from the `age` recipients of each rule in `rules`. Refuses to
    /// leave a rule, or one of its key groups, without an age recipient.
    pub fn remove(&self, keys: &[String], rules: &[usize]) -> Result<Edited> {
        let keys: Vec<&str> = keys.iter().map(|k| k.trim()).collect();
        let mut splices = Vec::new();
        let (mut changed, mut unchanged) = (Vec::new(), Vec::new());
        for &index in rules {
            let rule = self.rule(index)?;
            if changed.contains(&index) || unchanged.contains(&index) {
                continue;
            }
            let before = self.rule_recipients(index);
            if !before.iter().flatten().any(|k| keys.contains(&k.as_str())) {
                unchanged.push(index);
                continue;
            }
            let after: Vec<Vec<&String>> = before
                .iter()
                .map(|g| g.iter().filter(|k| !keys.contains(&k.as_str())).collect())
                .collect();
            if after.iter().all(Vec::is_empty) {
                return Err(EditError::LastRecipient { line: rule.line });
            }
            if let Some(g) = after.iter().position(Vec::is_empty) {
                return Err(EditError::EmptyGroup {
                    line: rule.line,
                    group: g,
                });
            }
            for field in rule.fields() {
                splices.extend(self.remove_from(field, &keys)?);
            }
            changed.push(index);
        }
        let text = apply(&self.text, splices)?;
        self.verify(&text, |index, groups| {
            if !changed.contains(&index) {
                return groups.to_vec();
            }
            groups
                .iter()
                .map(|g| {
                    g.iter()
                        .filter(|k| !keys.contains(&k.as_str()))
                        .cloned()
                        .collect()
                })
                .collect()
        })?;
        Ok(Edited {
            text,
            changed,
            unchanged,
        })
    }

    /// Aliased or anchored values are shared with other places: not edited.
    fn check_own_value(&self, f: &Field) -> Result<()> {
        let v = &f.value;
        if v.alias.is_some() {
            return Err(EditError::Unsupported {
                line: f.key_line,
                what: "an `age` value that is an alias (*name); edit the anchored value by hand"
                    .into(),
            });
        }
        if v.anchor != 0 && !matches!(v.kind, Kind::Scalar { .. }) {
            return Err(EditError::Unsupported {
                line: f.key_line,
                what: "an anchored `age` list (&name), which other rules may share".into(),
            });
        }
        if matches!(v.kind, Kind::Scalar { tagged: true, .. }) {
            return Err(EditError::Unsupported {
                line: f.key_line,
                what: "a tagged `age` value".into(),
            });
        }
        Ok(())
    }

    fn add_to(&self, f: &Field, key: &str, name: &str) -> Result<Vec<Splice>> {
        self.check_own_value(f)?;
        match shape(&f.value) {
            Shape::List { flow: false, items } if !items.is_empty() => {
                let last = items.last().and_then(|n| self.item(n)).ok_or_else(|| {
                    EditError::Unsupported {
                        line: f.key_line,
                        what: "an `age` list whose items are not strings".into(),
                    }
                })?;
                let (prefix, _) = self.own_line(&last)?;
                let le = line_end(&self.text, last.end);
                let line = format!("{prefix}{} # {name}", yaml_scalar(key));
                let splice = if le == self.text.len() {
                    Splice {
                        start: le,
                        end: le,
                        text: format!("{}{line}", self.newline),
                    }
                } else {
                    let at = le + 1;
                    Splice {
                        start: at,
                        end: at,
                        text: format!("{line}{}", self.newline),
                    }
                };
                Ok(vec![splice])
            }
            Shape::Other => Err(EditError::Unsupported {
                line: f.key_line,
                what: "an `age` value that is a map".into(),
            }),
            _ => self.convert(f, Some((key, name)), &[]),
        }
    }

    /// A block-list item on its own line (`  - key  # comment`): the text before it and the line's
    /// byte range including the line break.
    fn own_line(&self, item: &Item) -> Result<(&str, (usize, usize))> {
        let text = &self.text;
        let unsupported = |what: &str| EditError::Unsupported {
            line: item.line,
            what: what.to_string(),
        };
        if !item.single_line {
            return Err(unsupported("a list item spanning several lines"));
        }
        let ls = line_start(text, item.start);
        let prefix = &text[ls..item.start];
        if !is_dash_prefix(prefix) {
            return Err(unsupported(
                "a list item that does not have a line of its own (`- key`)",
            ));
        }
        if trailing(text, item.end).is_none() {
            return Err(unsupported("a line holding more than one list item"));
        }
        let le = line_end(text, item.end);
        let next = if le < text.len() { le + 1 } else { le };
        Ok((prefix, (ls, next)))
    }

    fn remove_from(&self, f: &Field, keys: &[&str]) -> Result<Vec<Splice>> {
        if !field_keys(f).iter().any(|k| keys.contains(&k.as_str())) {
            return Ok(Vec::new());
        }
        self.check_own_value(f)?;
        let v = &f.value;
        match shape(v) {
            Shape::Empty => Ok(Vec::new()),
            Shape::Other => Err(EditError::Unsupported {
                line: f.key_line,
                what: "an `age` value that is a map".into(),
            }),
            Shape::List { flow: false, items } => {
                let mut out = Vec::new();
                let mut kept = 0;
                for n in items {
                    let item = self.item(n).ok_or_else(|| EditError::Unsupported {
                        line: n.line,
                        what: "an `age` list item that is not a string".into(),
                    })?;
                    if !keys.contains(&item.key.as_str()) {
                        kept += 1;
                        continue;
                    }
                    if let Some(anchor) = &item.anchor {
                        return Err(EditError::Unsupported {
                            line: item.line,
                            what: format!("a key carrying the anchor &{anchor} (aliases may use it); remove it by hand"),
                        });
                    }
                    let (ls, next) = self.own_line(&item)?.1;
                    // The last line of a file without a final line break: take the break before.
                    let start =
                        if next == ls || (next == self.text.len() && !self.text.ends_with('\n')) {
                            ls.saturating_sub(1)
                        } else {
                            ls
                        };
                    out.push(Splice {
                        start,
                        end: next,
                        text: String::new(),
                    });
                }
                if kept == 0 {
                    return Err(EditError::Unsupported {
                        line: f.key_line,
                        what: "an `age` list that would become empty; edit it by hand".into(),
                    });
                }
                Ok(out)
            }
            Shape::List { flow: true, items } => {
                let raw = self.flow_items(f)?;
                let mut kept = Vec::new();
                for (n, raw) in items.iter().zip(raw) {
                    let Some(item) = self.item(n) else { continue };
                    if keys.contains(&item.key.as_str()) {
                        if let Some(anchor) = &item.anchor {
                            return Err(EditError::Unsupported {
                                line: item.line,
                                what: format!(
                                    "a key carrying the anchor &{anchor}; remove it by hand"
                                ),
                            });
                        }
                    } else {
                        kept.push(raw);
                    }
                }
                Ok(vec![Splice {
                    start: v.start,
                    end: v.end,
                    text: format!("[{}]", kept.join(", ")),
                }])
            }
            Shape::Str { text, style } => {
                let one_line = !self.text[v.start..v.end].contains('\n');
                if one_line && !is_block_scalar(style) {
                    let kept: Vec<String> = split_keys(text)
                        .into_iter()
                        .filter(|k| !keys.contains(&k.as_str()))
                        .collect();
                    let sep = if text.contains(", ") { ", " } else { "," };
                    let joined = kept.join(sep);
                    let new = if kept.is_empty() {
                        "[]".to_string()
                    } else {
                        match style {
                            ScalarStyle::SingleQuoted => single_quoted(&joined),
                            ScalarStyle::DoubleQuoted => double_quoted(&joined),
                            _ => yaml_scalar(&joined),
                        }
                    };
                    Ok(vec![Splice {
                        start: v.start,
                        end: v.end,
                        text: new,
                    }])
                } else if is_block_scalar(style) {
                    self.remove_from_block(f, keys)
                } else {
                    self.convert(f, None, keys)
                }
            }
        }
    }

    /// Removes keys from a folded or literal block scalar, line by line: lines left without a key
    /// go, every other line but the last keeps (or gets) its trailing comma.
    fn remove_from_block(&self, f: &Field, keys: &[&str]) -> Result<Vec<Splice>> {
        struct Line {
            start: usize,
            end: usize,
            indent: usize,
            keys: Vec<String>,
            kept: Vec<String>,
            trailing_comma: bool,
            leading_comma: bool,
        }
        let text = &self.text;
        let v = &f.value;
        let content_end = v.start + text[v.start..v.end].trim_end().len();
        let mut lines = Vec::new();
        let mut pos = line_start(text, v.start);
        while pos < content_end {
            let le = line_end(text, pos).min(text.len());
            let body = text[pos..le].trim_end_matches('\r');
            let content = body.trim();
            if !content.is_empty() {
                let keys_here = split_keys(content);
                let kept = keys_here
                    .iter()
                    .filter(|k| !keys.contains(&k.as_str()))
                    .cloned()
                    .collect();
                lines.push(Line {
                    start: pos,
                    end: pos + body.trim_end().len(),
                    indent: body.len() - body.trim_start().len(),
                    keys: keys_here,
                    kept,
                    trailing_comma: content.ends_with(','),
                    leading_comma: content.starts_with(','),
                });
            }
            pos = le + 1;
        }
        let last_kept = lines.iter().rposition(|l| !l.kept.is_empty());
        let first_kept = lines.iter().position(|l| !l.kept.is_empty());
        let Some(last_kept) = last_kept else {
            return Err(EditError::Unsupported {
                line: f.key_line,
                what: "an `age` string that would become empty; edit it by hand".into(),
            });
        };
        let mut out = Vec::new();
        for (i, l) in lines.iter().enumerate() {
            if l.kept.is_empty() {
                let ls = l.start;
                let le = line_end(text, ls);
                let (start, end) = if le < text.len() {
                    (ls, le + 1)
                } else {
                    (ls.saturating_sub(1), le)
                };
                out.push(Splice {
                    start,
                    end,
                    text: String::new(),
                });
                continue;
            }
            let comma = i != last_kept;
            let rewrite =
                l.kept.len() != l.keys.len() || (Some(i) == first_kept && l.leading_comma);
            let indent = &text[l.start..l.start + l.indent];
            let body = &text[l.start + l.indent..l.end];
            let new = if rewrite {
                format!(
                    "{indent}{}{}",
                    l.kept.join(", "),
                    if comma { "," } else { "" }
                )
            } else if comma && !l.trailing_comma {
                format!("{indent}{body},")
            } else if !comma && l.trailing_comma {
                let trimmed = body.trim_end().trim_end_matches(',').trim_end();
                format!("{indent}{trimmed}")
            } else {
                continue;
            };
            out.push(Splice {
                start: l.start,
                end: l.end,
                text: new,
            });
        }
        Ok(out)
    }

    /// The source text of each item of a flow list, refusing comments inside it.
    fn flow_items(&self, f: &Field) -> Result<Vec<String>> {
        let v = &f.value;
        let items = v.seq().unwrap_or_default();
        let mut out = Vec::new();
        let mut pos = v.start + 1;
        for n in items {
            let item = self.item(n).ok_or_else(|| EditError::Unsupported {
                line: n.line,
                what: "an `age` list item that is not a string".into(),
            })?;
            let gap = &self.text[pos.min(item.start)..item.start];
            if gap.contains('#') {
                return Err(EditError::Unsupported {
                    line: f.key_line,
                    what: "a flow list [ … ] with comments inside; write it as a block list".into(),
                });
            }
            let raw = &self.text[item.start..item.end];
            if raw.contains('\n') {
                return Err(EditError::Unsupported {
                    line: item.line,
                    what: "a list item spanning several lines".into(),
                });
            }
            out.push(raw.to_string());
            pos = item.end;
        }
        if self.text[pos.min(v.end)..v.end].contains('#') {
            return Err(EditError::Unsupported {
                line: f.key_line,
                what: "a flow list [ … ] with comments inside; write it as a block list".into(),
            });
        }
        Ok(out)
    }

    /// Rewrites a string, flow list or empty `age` value as a block list (one key per line,
    /// two spaces deeper than `age:`), without `drop` and with `add` (key, name) at the end.
    fn convert(&self, f: &Field, add: Option<(&str, &str)>, drop: &[&str]) -> Result<Vec<Splice>> {
        let text = &self.text;
        if f.in_flow {
            return Err(EditError::Unsupported {
                line: f.key_line,
                what: "a creation rule written as a flow map ({ … }); write it in block style (one `key: value` per line)".into(),
            });
        }
        let v = &f.value;
        // (as written, key, name)
        let mut items: Vec<(String, String, Option<String>)> = Vec::new();
        let mut name_used = false;
        let (vstart, vend) = match shape(v) {
            Shape::Empty => {
                let s = v.start.max(f.colon_end);
                (s, v.end.max(s))
            }
            Shape::Str { text: s, style } => {
                let keys = split_keys(s);
                let one_line = !text[v.start..v.end].contains('\n');
                let end = if is_block_scalar(style) {
                    v.start + text[v.start..v.end].trim_end().len()
                } else {
                    v.end
                };
                let name = (keys.len() == 1 && one_line && !is_block_scalar(style))
                    .then(|| trailing_name(text, end))
                    .flatten();
                name_used = name.is_some();
                for k in keys {
                    items.push((yaml_scalar(&k), k, name.clone()));
                }
                (v.start, end)
            }
            Shape::List {
                flow: true,
                items: nodes,
            } => {
                for (n, raw) in nodes.iter().zip(self.flow_items(f)?) {
                    let key = n.scalar().unwrap_or_default().trim().to_string();
                    items.push((raw, key, None));
                }
                (v.start, v.end)
            }
            Shape::List { .. } | Shape::Other => {
                return Err(EditError::Unsupported {
                    line: f.key_line,
                    what: "this `age` value".into(),
                })
            }
        };
        items.retain(|(_, k, _)| !drop.contains(&k.as_str()));
        if let Some((key, name)) = add {
            items.push((yaml_scalar(key), key.to_string(), Some(name.to_string())));
        }
        // Comments between `age:` and the value (and a block scalar's header) stay on the key
        // line, as does a comment after the value that is not a key's name.
        let mut comments = Vec::new();
        if vstart > f.colon_end {
            for (i, part) in text[f.colon_end..vstart].split('\n').enumerate() {
                let mut t = part.trim();
                if i == 0 && matches!(shape(v), Shape::Str { style, .. } if is_block_scalar(style))
                {
                    t = t
                        .trim_start_matches(['|', '>', '-', '+'])
                        .trim_start_matches(|c: char| c.is_ascii_digit())
                        .trim_start_matches(['-', '+'])
                        .trim();
                }
                if t.is_empty() {
                    continue;
                }
                if !t.starts_with('#') {
                    return Err(EditError::Unsupported {
                        line: f.key_line,
                        what: format!("`{t}` between `age:` and its value"),
                    });
                }
                comments.push(t.to_string());
            }
        }
        match trailing(text, vend) {
            None => {
                return Err(EditError::Unsupported {
                    line: line_no(text, vend),
                    what: "something after the `age` value on its line".into(),
                })
            }
            Some(Some(c)) if !name_used => comments.push(format!("# {c}")),
            Some(_) => {}
        }
        let end = line_end(text, vend);
        let end = if text[..end].ends_with('\r') {
            end - 1
        } else {
            end
        };
        let indent = " ".repeat(f.key_col + 2);
        let mut new = String::new();
        if !comments.is_empty() {
            new.push(' ');
            new.push_str(&comments.join(" "));
        }
        for (k, _, name) in &items {
            new.push_str(self.newline);
            new.push_str(&indent);
            new.push_str("- ");
            new.push_str(k);
            if let Some(n) = name {
                new.push_str(" # ");
                new.push_str(n);
            }
        }
        if items.is_empty() {
            new = format!(
                " []{}",
                if comments.is_empty() {
                    String::new()
                } else {
                    format!(" {}", comments.join(" "))
                }
            );
        }
        Ok(vec![Splice {
            start: f.colon_end,
            end,
            text: new,
        }])
    }

    /// Loads `new_text` and checks every rule: `expect(index, old groups)` gives the groups each
    /// rule must have (compared per group, in any order).
    fn verify(
        &self,
        new_text: &str,
        expect: impl Fn(usize, &[Vec<String>]) -> Vec<Vec<String>>,
    ) -> Result<()> {
        let path = Path::new(".sops.yaml");
        let fail = |m: String| EditError::Verify(m);
        let old = Config::parse(path, self.text.as_bytes())
            .map_err(|e| fail(format!("the current file does not load: {e}")))?;
        let new = Config::parse(path, new_text.as_bytes()).map_err(|e| fail(e.to_string()))?;
        ConfigText::parse(new_text).map_err(|e| fail(e.to_string()))?;
        if old.creation_rules.len() != new.creation_rules.len()
            || old.creation_rules.len() != self.rules.len()
        {
            return Err(fail("the number of creation rules changed".into()));
        }
        let norm = |groups: &[Vec<String>]| -> Vec<Vec<String>> {
            groups
                .iter()
                .map(|g| {
                    let mut g = g.clone();
                    g.sort();
                    g
                })
                .collect()
        };
        for (i, (o, n)) in old
            .creation_rules
            .iter()
            .zip(&new.creation_rules)
            .enumerate()
        {
            let want = norm(&expect(i, &o.key_groups));
            let got = norm(&n.key_groups);
            if want != got
                || o.path_regex != n.path_regex
                || o.shamir_threshold != n.shamir_threshold
            {
                return Err(fail(format!(
                    "creation rule at line {}: expected {want:?}, got {got:?}",
                    self.rules[i].line
                )));
            }
        }
        Ok(())
    }
}

fn apply(text: &str, mut splices: Vec<Splice>) -> Result<String> {
    splices.sort_by_key(|s| (s.start, s.end));
    let mut out = String::with_capacity(text.len() + 128);
    let mut pos = 0;
    for s in &splices {
        if s.start < pos {
            return Err(EditError::Unsupported {
                line: line_no(text, s.start),
                what: "overlapping edits (the same text serves two rules)".into(),
            });
        }
        out.push_str(&text[pos..s.start]);
        out.push_str(&s.text);
        pos = s.end;
    }
    out.push_str(&text[pos..]);
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// `--files` globs.

/// A path glob (`*` within one directory, `**` across directories, `?`, `[abc]`, `[!abc]`,
/// `{a,b}`), matched against whole `/`-separated paths.
#[derive(Clone, Debug)]
pub struct PathGlob {
    regex: Regex,
}

impl PathGlob {
    /// Compiles a glob (a leading `./` is ignored).
    pub fn new(glob: &str) -> Result<PathGlob> {
        let bad = |why: &str| EditError::BadGlob {
            glob: glob.to_string(),
            why: why.to_string(),
        };
        let g = glob.strip_prefix("./").unwrap_or(glob);
        let chars: Vec<char> = g.chars().collect();
        let mut re = String::from("^");
        let mut i = 0;
        let mut braces = 0;
        while i < chars.len() {
            let c = chars[i];
            match c {
                '*' if chars.get(i + 1) == Some(&'*') => {
                    if chars.get(i + 2) == Some(&'/') {
                        re.push_str("(?:.*/)?");
                        i += 3;
                    } else {
                        re.push_str(".*");
                        i += 2;
                    }
                    continue;
                }
                '*' => re.push_str("[^/]*"),
                '?' => re.push_str("[^/]"),
                '[' => {
                    let close = chars[i + 1..]
                        .iter()
                        .skip(1)
                        .position(|c| *c == ']')
                        .map(|p| i + 2 + p)
                        .ok_or_else(|| bad("unclosed ["))?;
                    let mut class: String = chars[i + 1..close].iter().collect();
                    if let Some(rest) = class.strip_prefix('!') {
                        class = format!("^{rest}");
                    }
                    re.push('[');
                    re.push_str(&class.replace('\\', "\\\\").replace('[', "\\["));
                    re.push(']');
                    i = close + 1;
                    continue;
                }
                '{' => {
                    braces += 1;
                    re.push_str("(?:");
                }
                '}' if braces > 0 => {
                    braces -= 1;
                    re.push(')');
                }
                ',' if braces > 0 => re.push('|'),
                c => re.push_str(&regex::escape(&c.to_string())),
            }
            i += 1;
        }
        if braces > 0 {
            return Err(bad("unclosed {"));
        }
        re.push('$');
        let regex = Regex::new(&re).map_err(|e| bad(&e.to_string()))?;
        Ok(PathGlob { regex })
    }

    /// True when `glob` has no wildcard: it names one path.
    pub fn is_literal(glob: &str) -> bool {
        !glob.contains(['*', '?', '[', '{'])
    }

    /// Matches a `/`-separated path (a leading `./` is ignored).
    pub fn is_match(&self, path: &str) -> bool {
        self.regex.is_match(path.strip_prefix("./").unwrap_or(path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "age1cnf60h48zvjnh386255e5u53ph3aaq93k53vsp7aywzfhrdt93sqrv5065";
    const B: &str = "age1tr083cz7dhgzwxh8pj845z8hgalmn2mnsfr4kx0xzqg2pd4d54yqepfu7h";
    const C: &str = "age1kj9mc02523ahasksn3pj9l9s3u2l949he9jnh7t4um4cv0cc6evsspa43n";

    fn fill(t: &str) -> String {
        t.replace("{A}", A).replace("{B}", B).replace("{C}", C)
    }

    fn ct(t: &str) -> ConfigText {
        ConfigText::parse(&fill(t)).unwrap()
    }

    fn groups(text: &str, rule: usize) -> Vec<Vec<String>> {
        Config::parse(Path::new(".sops.yaml"), text.as_bytes())
            .unwrap()
            .creation_rules[rule]
            .key_groups
            .clone()
    }

    fn v(keys: &[&str]) -> Vec<Vec<String>> {
        vec![keys.iter().map(|k| k.to_string()).collect()]
    }

    #[test]
    fn config_edit_add_to_block_list_keeps_everything_else() {
        let before = "# Who can read what.\ncreation_rules:\n    # Application secrets.\n    - path_regex: ^secrets/.*\\.yaml$\n      age:\n        - {A} # alice\n\n    # CI.\n    - path_regex: ^ci/\n      age: [{A}]\nstores:\n  yaml: {indent: 4}  # keep\n";
        let c = ct(before);
        let e = c.add(B, "bob", &[0], None).unwrap();
        let want = fill("# Who can read what.\ncreation_rules:\n    # Application secrets.\n    - path_regex: ^secrets/.*\\.yaml$\n      age:\n        - {A} # alice\n        - {B} # bob\n\n    # CI.\n    - path_regex: ^ci/\n      age: [{A}]\nstores:\n  yaml: {indent: 4}  # keep\n");
        assert_eq!(e.text, want);
        assert_eq!((e.changed, e.unchanged), (vec![0], vec![]));
        assert_eq!(groups(&e.text, 0), v(&[A, B]));
        let again = ConfigText::parse(&e.text).unwrap();
        assert_eq!(again.name_of(B), Some("bob"));
        assert_eq!(again.name_of(A), Some("alice"));
    }

    #[test]
    fn config_edit_add_is_idempotent() {
        let c = ct("creation_rules:\n  - age:\n      - {A} # alice\n");
        let e = c.add(A, "someone", &[0], None).unwrap();
        assert_eq!(e.text, c.text());
        assert_eq!((e.changed, e.unchanged), (vec![], vec![0]));
    }

    #[test]
    fn config_edit_add_to_plain_string_converts_to_list() {
        // A one-key string's trailing comment is its name and moves with it.
        let c = ct(
            "creation_rules:\n  - path_regex: x\n    age: {A} # alice\n    encrypted_regex: ^pw$\n",
        );
        assert_eq!(c.name_of(A), Some("alice"));
        let e = c.add(B, "bob", &[0], None).unwrap();
        assert_eq!(
            e.text,
            fill("creation_rules:\n  - path_regex: x\n    age:\n      - {A} # alice\n      - {B} # bob\n    encrypted_regex: ^pw$\n")
        );
        // Several keys: the comment stays on the `age:` line.
        let c = ct("creation_rules:\n  - age: \"{A}, {C}\"   # the team\n");
        let e = c.add(B, "bob", &[0], None).unwrap();
        assert_eq!(
            e.text,
            fill("creation_rules:\n  - age: # the team\n      - {A}\n      - {C}\n      - {B} # bob\n")
        );
        assert_eq!(groups(&e.text, 0), v(&[A, C, B]));
    }

    #[test]
    fn config_edit_add_to_folded_scalar() {
        let c = ct("creation_rules:\n    - path_regex: a\n      age: >- # people\n        {A},\n        {C}\n\n    # next\n    - age: {A}\n");
        let e = c.add(B, "bob", &[0], None).unwrap();
        assert_eq!(
            e.text,
            fill("creation_rules:\n    - path_regex: a\n      age: # people\n        - {A}\n        - {C}\n        - {B} # bob\n\n    # next\n    - age: {A}\n")
        );
        assert_eq!(groups(&e.text, 0), v(&[A, C, B]));
        assert_eq!(groups(&e.text, 1), v(&[A]));
    }

    #[test]
    fn config_edit_add_to_flow_list_and_empty() {
        let c = ct("creation_rules:\n  - age: [{A}, '{C}']\n  - path_regex: y\n    age:\n");
        let e = c.add(B, "bob", &[0, 1], None).unwrap();
        assert_eq!(
            e.text,
            fill("creation_rules:\n  - age:\n      - {A}\n      - '{C}'\n      - {B} # bob\n  - path_regex: y\n    age:\n      - {B} # bob\n")
        );
        assert_eq!(groups(&e.text, 1), v(&[B]));
    }

    #[test]
    fn config_edit_key_groups() {
        let text = "creation_rules:\n  - key_groups:\n      - age:\n          - {A} # alice\n      - age: [{C}]\n        pgp: []\n    shamir_threshold: 2\n";
        let c = ct(text);
        assert_eq!(
            c.rule_recipients(0),
            vec![vec![A.to_string()], vec![C.to_string()]]
        );
        assert!(matches!(
            c.add(B, "bob", &[0], None),
            Err(EditError::GroupNeeded { line: 2, groups: 2 })
        ));
        assert!(matches!(
            c.add(B, "bob", &[0], Some(5)),
            Err(EditError::NoSuchGroup { group: 5, .. })
        ));
        let e = c.add(B, "bob", &[0], Some(0)).unwrap();
        assert_eq!(
            e.text,
            fill("creation_rules:\n  - key_groups:\n      - age:\n          - {A} # alice\n          - {B} # bob\n      - age: [{C}]\n        pgp: []\n    shamir_threshold: 2\n")
        );
        let e = c.add(B, "bob", &[0], Some(1)).unwrap();
        assert!(
            e.text.contains(&fill(
                "      - age:\n          - {C}\n          - {B} # bob\n        pgp: []\n"
            )),
            "{}",
            e.text
        );
        // Emptying a group is refused.
        assert!(matches!(
            c.remove(&[C.to_string()], &[0]),
            Err(EditError::EmptyGroup { line: 2, group: 1 })
        ));
    }

    #[test]
    fn config_edit_remove_by_name_keeps_comments() {
        let text = "# top\ncreation_rules:\n  # rule one\n  - path_regex: a # inline\n    age:\n      - {A} # alice\n      # bob joined in May\n      - {B} # bob\n      - {C} # carol\n  - age: {A},{B}\n  - age: '{B}, {C}' # two\n  - age: |\n      {A},\n      {B}\n";
        let c = ct(text);
        assert_eq!(c.keys_named("bob"), vec![B.to_string()]);
        let e = c.remove(&c.keys_named("bob"), &[0, 1, 2, 3]).unwrap();
        assert_eq!(
            e.text,
            fill("# top\ncreation_rules:\n  # rule one\n  - path_regex: a # inline\n    age:\n      - {A} # alice\n      # bob joined in May\n      - {C} # carol\n  - age: {A}\n  - age: '{C}' # two\n  - age: |\n      {A}\n")
        );
        assert_eq!(e.changed, vec![0, 1, 2, 3]);
        // Nothing to remove: unchanged.
        let e2 = ConfigText::parse(&e.text).unwrap();
        let again = e2.remove(&[B.to_string()], &[0, 1, 2, 3]).unwrap();
        assert_eq!(again.text, e.text);
        assert_eq!(again.unchanged, vec![0, 1, 2, 3]);
    }

    #[test]
    fn config_edit_remove_from_folded_middle_and_last_lines() {
        let c = ct("creation_rules:\n  - age: >-\n      {A},\n      {B},\n      {C}\n");
        let e = c.remove(&[C.to_string()], &[0]).unwrap();
        assert_eq!(
            e.text,
            fill("creation_rules:\n  - age: >-\n      {A},\n      {B}\n")
        );
        let e = c.remove(&[B.to_string()], &[0]).unwrap();
        assert_eq!(
            e.text,
            fill("creation_rules:\n  - age: >-\n      {A},\n      {C}\n")
        );
        assert_eq!(groups(&e.text, 0), v(&[A, C]));
    }

    #[test]
    fn config_edit_remove_flow_list() {
        let c = ct("creation_rules:\n  - {path_regex: a, age: [{A}, {B}]}\n");
        let e = c.remove(&[A.to_string()], &[0]).unwrap();
        assert_eq!(
            e.text,
            fill("creation_rules:\n  - {path_regex: a, age: [{B}]}\n")
        );
    }

    #[test]
    fn config_edit_last_recipient_refused() {
        let c = ct("creation_rules:\n  - path_regex: a\n    age:\n      - {A} # alice\n");
        assert_eq!(
            c.remove(&[A.to_string()], &[0]),
            Err(EditError::LastRecipient { line: 2 })
        );
    }

    #[test]
    fn config_edit_anchor_names_and_aliases() {
        let text = "keys:\n  - &alice {A}\n  - &bob {B}\ncreation_rules:\n  - age:\n      - *alice\n      - *bob\n";
        let c = ct(text);
        assert_eq!(c.name_of(A), Some("alice"));
        assert_eq!(c.keys_named("bob"), vec![B.to_string()]);
        let e = c.remove(&[B.to_string()], &[0]).unwrap();
        assert_eq!(
            e.text,
            fill(
                "keys:\n  - &alice {A}\n  - &bob {B}\ncreation_rules:\n  - age:\n      - *alice\n"
            )
        );
        let e = c.add(C, "carol", &[0], None).unwrap();
        assert!(e
            .text
            .ends_with(&fill("      - *bob\n      - {C} # carol\n")));
    }

    #[test]
    fn config_edit_refuses_unsupported_shapes() {
        let cases: &[(&str, usize, &str)] = &[
            // A flow-map rule cannot hold a block list.
            (
                "creation_rules:\n  - {path_regex: a, age: \"{A}\"}\n",
                2,
                "flow map",
            ),
            // An aliased list is shared.
            (
                "team: &team [{A}]\ncreation_rules:\n  - age: *team\n",
                3,
                "alias",
            ),
            // Two items on one line of a flow list with a comment inside.
            (
                "creation_rules:\n  - age: [{A}, # x\n      {C}]\n",
                2,
                "comments inside",
            ),
            // A tagged value.
            ("creation_rules:\n  - age: !!str {A}\n", 2, "tagged"),
        ];
        for (text, line, what) in cases {
            let c = ct(text);
            match c.add(B, "bob", &[0], None) {
                Err(EditError::Unsupported { line: l, what: w }) => {
                    assert_eq!(l, *line, "{text}");
                    assert!(w.contains(what), "{w} / {text}");
                }
                other => panic!("{text}: {other:?}"),
            }
        }
        // A rule without any age field.
        let c = ct("creation_rules:\n  - path_regex: a\n    pgp: ABC\n");
        assert!(!c.has_age(0));
        assert_eq!(
            c.add(B, "bob", &[0], None),
            Err(EditError::NoAgeField { line: 2 })
        );
        // Removing an anchored key.
        let c = ct("creation_rules:\n  - age:\n      - &a {A}\n      - {B}\n  - age: [*a]\n");
        assert!(matches!(
            c.remove(&[A.to_string()], &[0]),
            Err(EditError::Unsupported { line: 3, .. })
        ));
    }

    #[test]
    fn config_edit_names_are_checked() {
        let c = ct("creation_rules:\n  - age: {A}\n");
        for bad in ["", "  ", "a\nb", "age1xyz"] {
            assert!(
                matches!(c.add(B, bad, &[0], None), Err(EditError::BadName { .. })),
                "{bad:?}"
            );
        }
        let e = c.add(B, "  Bob Smith (laptop) ", &[0], None).unwrap();
        assert!(e.text.ends_with(&fill("- {B} # Bob Smith (laptop)\n")));
        let named = ConfigText::parse(&e.text).unwrap();
        assert_eq!(named.keys_named("Bob Smith (laptop)"), vec![B.to_string()]);
        // Without an exact match, the first word of the comment.
        assert_eq!(named.keys_named("Bob"), vec![B.to_string()]);
        assert!(named.keys_named("Smith").is_empty());
    }

    #[test]
    fn config_edit_crlf_and_no_final_newline() {
        let c = ct("creation_rules:\r\n  - age:\r\n      - {A} # alice\r\n");
        let e = c.add(B, "bob", &[0], None).unwrap();
        assert_eq!(
            e.text,
            fill("creation_rules:\r\n  - age:\r\n      - {A} # alice\r\n      - {B} # bob\r\n")
        );
        let c = ct("creation_rules:\n  - age:\n      - {A}");
        let e = c.add(B, "bob", &[0], None).unwrap();
        assert_eq!(
            e.text,
            fill("creation_rules:\n  - age:\n      - {A}\n      - {B} # bob")
        );
        let back = ConfigText::parse(&e.text)
            .unwrap()
            .remove(&[B.to_string()], &[0])
            .unwrap();
        assert_eq!(back.text, c.text());
    }

    #[test]
    fn config_edit_add_then_remove_round_trips() {
        let text = fill("# c\ncreation_rules:\n  - path_regex: a\n    age:\n      - {A} # alice\n\n  - path_regex: b\n    age:\n    - {A}\n");
        let c = ConfigText::parse(&text).unwrap();
        let added = c.add(B, "bob", &[0, 1], None).unwrap();
        assert!(added.text.contains(&fill("    - {A}\n    - {B} # bob\n")));
        let back = ConfigText::parse(&added.text)
            .unwrap()
            .remove(&[B.to_string()], &[0, 1])
            .unwrap();
        assert_eq!(back.text, text);
    }

    #[test]
    fn config_edit_globs() {
        let g = PathGlob::new("secrets/*.yaml").unwrap();
        assert!(g.is_match("secrets/a.yaml"));
        assert!(g.is_match("./secrets/a.yaml"));
        assert!(!g.is_match("secrets/x/a.yaml"));
        let g = PathGlob::new("**/*.{env,json}").unwrap();
        assert!(g.is_match("a.env") && g.is_match("x/y/b.json") && !g.is_match("c.yaml"));
        let g = PathGlob::new("s/[!a]?.txt").unwrap();
        assert!(g.is_match("s/bc.txt") && !g.is_match("s/ab.txt"));
        assert!(PathGlob::is_literal("secrets/app.yaml"));
        assert!(!PathGlob::is_literal("secrets/*.yaml"));
        assert!(PathGlob::new("a[").is_err());
    }
}
