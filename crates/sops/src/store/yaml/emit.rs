//! A YAML writer that reproduces what sops 3.11 writes: sops turns its tree into go-yaml v3 nodes
//! (comments become head comments of the next node, trailing ones a foot comment of the last
//! value) and go-yaml's libyaml-derived emitter prints them with `SetIndent(n)`.
//!
//! We model the same two steps: [`Builder`] turns the tree into go-yaml's event stream, and
//! [`Emitter`] prints events with go-yaml's rules for indentation, scalar styles, quoting and
//! comment placement — including where a pending foot comment finally lands. Line width is
//! unlimited, as in go-yaml v3.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use std::borrow::Cow;

use super::resolve::plain_stays_string;
use crate::error::Result;
use crate::gofmt;
use crate::tree::{Branch, Item, Value};

/// Requested scalar style (go-yaml `Style` bits that matter here).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Style {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
}

#[derive(Clone, Debug)]
enum Event<'a> {
    DocumentStart { head: String },
    DocumentEnd { foot: String },
    MappingStart { head: String },
    MappingEnd { tail: String, foot: String },
    SequenceStart { head: String },
    SequenceEnd { foot: String },
    Scalar(Scalar<'a>),
}

#[derive(Clone, Debug)]
struct Scalar<'a> {
    /// Borrowed from the tree where possible: fewer copies of plaintext, fewer allocations.
    value: Cow<'a, str>,
    /// Short tag to print (`!!merge`, `!!binary`), or empty.
    tag: &'static str,
    style: Style,
    head: String,
    foot: String,
    tail: String,
}

/// A go-yaml `Node`, reduced to what sops produces.
enum Node<'a> {
    Scalar(Scalar<'a>),
    Map {
        head: String,
        foot: String,
        entries: Vec<(Node<'a>, Node<'a>)>,
    },
    Seq {
        head: String,
        foot: String,
        items: Vec<Node<'a>>,
    },
}

impl Node<'_> {
    fn head_mut(&mut self) -> &mut String {
        match self {
            Node::Scalar(s) => &mut s.head,
            Node::Map { head, .. } | Node::Seq { head, .. } => head,
        }
    }
    fn foot_mut(&mut self) -> &mut String {
        match self {
            Node::Scalar(s) => &mut s.foot,
            Node::Map { foot, .. } | Node::Seq { foot, .. } => foot,
        }
    }
}

/// go-yaml's `encodeBase64`: 70-column lines, each ending in `\n` when there is more than one.
fn encode_base64_lines(bytes: &[u8]) -> String {
    const LINE: usize = 70;
    let enc = B64.encode(bytes);
    if enc.len() < LINE {
        return enc;
    }
    let mut out = String::with_capacity(enc.len() + enc.len() / LINE + 1);
    for chunk in enc.as_bytes().chunks(LINE) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out
}

fn scalar<'a>(value: impl Into<Cow<'a, str>>, tag: &'static str, style: Style) -> Node<'a> {
    Node::Scalar(Scalar {
        value: value.into(),
        tag,
        style,
        head: String::new(),
        foot: String::new(),
        tail: String::new(),
    })
}

/// go-yaml `stringv` for a Go string, plus what survives sops' Encode→parse round trip.
fn string_node(s: &str) -> Node<'_> {
    if s.contains('\n') {
        return scalar(s, "", Style::Literal);
    }
    if plain_stays_string(s) {
        // A plain `<<` parses back as a merge key and is printed with its tag.
        let tag = if s == "<<" { "!!merge" } else { "" };
        return scalar(s, tag, Style::Plain);
    }
    scalar(s, "", Style::DoubleQuoted)
}

fn value_node(v: &Value) -> Node<'_> {
    match v {
        Value::Str(s) => string_node(s),
        Value::Bytes(b) => {
            let text = encode_base64_lines(b);
            let style = if text.contains('\n') {
                Style::Literal
            } else {
                Style::Plain
            };
            scalar(text, "!!binary", style)
        }
        Value::Int(i) => scalar(i.to_string(), "", Style::Plain),
        Value::Float(f) => scalar(gofmt::float_yaml(*f), "", Style::Plain),
        Value::Bool(b) => scalar(if *b { "true" } else { "false" }, "", Style::Plain),
        Value::Null => scalar("null", "", Style::Plain),
        Value::Time(t) => scalar(t.as_str(), "", Style::Plain),
        // A comment outside a list/map position cannot happen; print it as a string.
        Value::Comment(c) => string_node(c),
        Value::Map(b) => map_node(b),
        Value::List(items) => seq_node(items),
    }
}

fn add_head(node_head: &mut String, comments: &mut Vec<&str>) {
    if comments.is_empty() {
        return;
    }
    let text = format!("#{}", comments.join("\n#"));
    *node_head = if node_head.is_empty() {
        text
    } else {
        format!("{text}\n{node_head}")
    };
    comments.clear();
}

fn add_foot(node_foot: &mut String, comments: &mut Vec<&str>) {
    if comments.is_empty() {
        return;
    }
    let text = format!("#{}", comments.join("\n#"));
    if node_foot.is_empty() {
        *node_foot = text;
    } else {
        node_foot.push('\n');
        node_foot.push_str(&text);
    }
    comments.clear();
}

/// sops' `appendTreeBranch`.
fn map_node(branch: &Branch) -> Node<'_> {
    let mut head = String::new();
    let mut entries: Vec<(Node, Node)> = Vec::with_capacity(branch.0.len());
    let mut comments: Vec<&str> = Vec::new();
    for item in &branch.0 {
        match item {
            Item::Comment(c) => comments.push(c),
            Item::Entry(k, v) => {
                if entries.is_empty() {
                    add_head(&mut head, &mut comments);
                }
                let mut key = string_node(k);
                add_head(key.head_mut(), &mut comments);
                entries.push((key, value_node(v)));
            }
        }
    }
    if !comments.is_empty() {
        match entries.last_mut() {
            None => add_head(&mut head, &mut comments),
            // The last key (not value) carries trailing comments; go-yaml then writes them
            // as a tail at the end of this mapping.
            Some((k, _)) => add_foot(k.foot_mut(), &mut comments),
        }
    }
    Node::Map {
        head,
        foot: String::new(),
        entries,
    }
}

/// sops' `appendSequence`.
fn seq_node(items: &[Value]) -> Node<'_> {
    let mut head = String::new();
    let mut nodes: Vec<Node> = Vec::new();
    let mut comments: Vec<&str> = Vec::new();
    for item in items {
        if let Value::Comment(c) = item {
            comments.push(c);
            continue;
        }
        if nodes.is_empty() {
            add_head(&mut head, &mut comments);
        }
        let mut node = value_node(item);
        add_head(node.head_mut(), &mut comments);
        nodes.push(node);
    }
    if !comments.is_empty() {
        match nodes.last_mut() {
            None => add_head(&mut head, &mut comments),
            Some(n) => add_foot(n.foot_mut(), &mut comments),
        }
    }
    Node::Seq {
        head,
        foot: String::new(),
        items: nodes,
    }
}

/// Flattens nodes into go-yaml's event stream (`encoder.node`), moving a key's foot comment to
/// the next key (or the mapping end) as a tail, as go-yaml does.
fn push_events<'a>(node: Node<'a>, tail: String, out: &mut Vec<Event<'a>>) {
    match node {
        Node::Scalar(mut s) => {
            s.tail = tail;
            out.push(Event::Scalar(s));
        }
        Node::Map {
            head,
            foot,
            entries,
        } => {
            out.push(Event::MappingStart { head });
            let mut pending_tail = String::new();
            for (mut k, v) in entries {
                let key_foot = std::mem::take(k.foot_mut());
                push_events(k, std::mem::take(&mut pending_tail), out);
                pending_tail = key_foot;
                push_events(v, String::new(), out);
            }
            out.push(Event::MappingEnd {
                tail: pending_tail,
                foot,
            });
        }
        Node::Seq { head, foot, items } => {
            out.push(Event::SequenceStart { head });
            for item in items {
                push_events(item, String::new(), out);
            }
            out.push(Event::SequenceEnd { foot });
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    DocumentStart,
    DocumentContent,
    DocumentEnd,
    FlowSequenceFirstItem,
    FlowSequenceItem,
    FlowMappingFirstKey,
    FlowMappingKey,
    FlowMappingSimpleValue,
    BlockSequenceFirstItem,
    BlockSequenceItem,
    BlockMappingFirstKey,
    BlockMappingKey,
    BlockMappingSimpleValue,
    BlockMappingValue,
}

/// What go-yaml's `analyze_scalar` concludes about a string.
#[derive(Debug, PartialEq, Eq)]
struct Analysis {
    multiline: bool,
    flow_plain_allowed: bool,
    block_plain_allowed: bool,
    single_quoted_allowed: bool,
    block_allowed: bool,
}

fn at(b: &[u8], i: usize) -> u8 {
    b.get(i).copied().unwrap_or(0)
}

fn width(c: u8) -> usize {
    match c {
        0x00..=0x7f => 1,
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf7 => 4,
        _ => 1,
    }
}

fn is_break(b: &[u8], i: usize) -> bool {
    let c = at(b, i);
    c == b'\r'
        || c == b'\n'
        || (c == 0xc2 && at(b, i + 1) == 0x85)
        || (c == 0xe2 && at(b, i + 1) == 0x80 && (at(b, i + 2) == 0xa8 || at(b, i + 2) == 0xa9))
}

fn is_space(b: &[u8], i: usize) -> bool {
    at(b, i) == b' '
}

fn is_blank(b: &[u8], i: usize) -> bool {
    matches!(at(b, i), b' ' | b'\t')
}

fn is_blankz(b: &[u8], i: usize) -> bool {
    is_blank(b, i) || is_break(b, i) || at(b, i) == 0
}

/// go-yaml's notion of printable (note: no characters outside the BMP, no U+FEFF).
fn is_printable(b: &[u8], i: usize) -> bool {
    let c = at(b, i);
    let n1 = at(b, i + 1);
    let n2 = at(b, i + 2);
    c == 0x0a
        || (0x20..=0x7e).contains(&c)
        || (c == 0xc2 && n1 >= 0xa0)
        || (c > 0xc2 && c < 0xed)
        || (c == 0xed && n1 < 0xa0)
        || c == 0xee
        || (c == 0xef && !(n1 == 0xbb && n2 == 0xbf) && !(n1 == 0xbf && (n2 == 0xbe || n2 == 0xbf)))
}

fn starts_with_bom(b: &[u8]) -> bool {
    b.starts_with(&[0xef, 0xbb, 0xbf])
}

/// `analyze` for printable ASCII without spaces (most values, every `ENC[...]` string): only
/// indicator characters matter.
fn analyze_simple_ascii(value: &[u8]) -> Option<Analysis> {
    if !value.iter().all(|&b| (0x21..=0x7e).contains(&b)) {
        return None;
    }
    let first = value[0];
    let mut block_indicators = value.starts_with(b"---") || value.starts_with(b"...");
    let mut flow_indicators = block_indicators;
    let last = value.len() - 1;
    match first {
        b'#' | b',' | b'[' | b']' | b'{' | b'}' | b'&' | b'*' | b'!' | b'|' | b'>' | b'\''
        | b'"' | b'%' | b'@' | b'`' => {
            flow_indicators = true;
            block_indicators = true;
        }
        // Followed by whitespace only when it is the whole value.
        b'?' | b':' => {
            flow_indicators = true;
            block_indicators |= last == 0;
        }
        b'-' if last == 0 => {
            flow_indicators = true;
            block_indicators = true;
        }
        _ => {}
    }
    for (i, &c) in value.iter().enumerate().skip(1) {
        match c {
            b',' | b'?' | b'[' | b']' | b'{' | b'}' => flow_indicators = true,
            b':' => {
                flow_indicators = true;
                block_indicators |= i == last;
            }
            _ => {}
        }
    }
    Some(Analysis {
        multiline: false,
        flow_plain_allowed: !flow_indicators,
        block_plain_allowed: !block_indicators,
        single_quoted_allowed: true,
        block_allowed: true,
    })
}

fn analyze(value: &[u8]) -> Analysis {
    match (!value.is_empty())
        .then(|| analyze_simple_ascii(value))
        .flatten()
    {
        Some(a) => a,
        None => analyze_full(value),
    }
}

fn analyze_full(value: &[u8]) -> Analysis {
    if value.is_empty() {
        return Analysis {
            multiline: false,
            flow_plain_allowed: false,
            block_plain_allowed: true,
            single_quoted_allowed: true,
            block_allowed: false,
        };
    }
    let mut block_indicators = false;
    let mut flow_indicators = false;
    let mut line_breaks = false;
    let mut special = false;
    let mut tabs = false;
    let mut leading_space = false;
    let mut leading_break = false;
    let mut trailing_space = false;
    let mut trailing_break = false;
    let mut break_space = false;
    let mut space_break = false;
    let mut previous_space = false;
    let mut previous_break = false;

    if value.starts_with(b"---") || value.starts_with(b"...") {
        block_indicators = true;
        flow_indicators = true;
    }
    let mut preceded_by_ws = true;
    let mut i = 0;
    while i < value.len() {
        let w = width(value[i]);
        let followed_by_ws = i + w >= value.len() || is_blank(value, i + w);
        let c = value[i];
        if i == 0 {
            match c {
                b'#' | b',' | b'[' | b']' | b'{' | b'}' | b'&' | b'*' | b'!' | b'|' | b'>'
                | b'\'' | b'"' | b'%' | b'@' | b'`' => {
                    flow_indicators = true;
                    block_indicators = true;
                }
                b'?' | b':' => {
                    flow_indicators = true;
                    if followed_by_ws {
                        block_indicators = true;
                    }
                }
                b'-' if followed_by_ws => {
                    flow_indicators = true;
                    block_indicators = true;
                }
                _ => {}
            }
        } else {
            match c {
                b',' | b'?' | b'[' | b']' | b'{' | b'}' => flow_indicators = true,
                b':' => {
                    flow_indicators = true;
                    if followed_by_ws {
                        block_indicators = true;
                    }
                }
                b'#' if preceded_by_ws => {
                    flow_indicators = true;
                    block_indicators = true;
                }
                _ => {}
            }
        }
        if c == b'\t' {
            tabs = true;
        } else if !is_printable(value, i) {
            special = true;
        }
        if is_space(value, i) {
            if i == 0 {
                leading_space = true;
            }
            if i + w == value.len() {
                trailing_space = true;
            }
            if previous_break {
                break_space = true;
            }
            previous_space = true;
            previous_break = false;
        } else if is_break(value, i) {
            line_breaks = true;
            if i == 0 {
                leading_break = true;
            }
            if i + w == value.len() {
                trailing_break = true;
            }
            if previous_space {
                space_break = true;
            }
            previous_space = false;
            previous_break = true;
        } else {
            previous_space = false;
            previous_break = false;
        }
        preceded_by_ws = is_blankz(value, i);
        i += w;
    }
    let mut a = Analysis {
        multiline: line_breaks,
        flow_plain_allowed: true,
        block_plain_allowed: true,
        single_quoted_allowed: true,
        block_allowed: true,
    };
    if leading_space || leading_break || trailing_space || trailing_break {
        a.flow_plain_allowed = false;
        a.block_plain_allowed = false;
    }
    if trailing_space {
        a.block_allowed = false;
    }
    if break_space {
        a.flow_plain_allowed = false;
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
    }
    if space_break || tabs || special {
        a.flow_plain_allowed = false;
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
    }
    if space_break || special {
        a.block_allowed = false;
    }
    if line_breaks {
        a.flow_plain_allowed = false;
        a.block_plain_allowed = false;
    }
    if flow_indicators {
        a.flow_plain_allowed = false;
    }
    if block_indicators {
        a.block_plain_allowed = false;
    }
    a
}

/// The emitter state machine and its writer.
struct Emitter {
    out: Vec<u8>,
    best_indent: i32,
    state: State,
    states: Vec<State>,
    indent: i32,
    indents: Vec<i32>,
    flow_level: usize,
    column: i32,
    whitespace: bool,
    indention: bool,
    foot_indent: i32,
    simple_key_context: bool,
    head_comment: String,
    foot_comment: String,
    tail_comment: String,
}

impl Emitter {
    fn new(indent: usize) -> Self {
        let best_indent = if (2..=9).contains(&indent) {
            indent as i32
        } else {
            2
        };
        Emitter {
            out: Vec::new(),
            best_indent,
            state: State::DocumentStart,
            states: Vec::new(),
            indent: -1,
            indents: Vec::new(),
            flow_level: 0,
            column: 0,
            whitespace: true,
            indention: true,
            foot_indent: -1,
            simple_key_context: false,
            head_comment: String::new(),
            foot_comment: String::new(),
            tail_comment: String::new(),
        }
    }

    // ---- writer primitives ----

    fn put(&mut self, c: u8) {
        self.out.push(c);
        self.column += 1;
    }

    fn put_break(&mut self) {
        self.out.push(b'\n');
        self.column = 0;
        self.indention = true;
    }

    /// Copies one UTF-8 character starting at `*i`.
    fn write_char(&mut self, s: &[u8], i: &mut usize) {
        let w = width(s[*i]).min(s.len() - *i);
        self.out.extend_from_slice(&s[*i..*i + w]);
        self.column += 1;
        *i += w;
    }

    fn write_break(&mut self, s: &[u8], i: &mut usize) {
        if s[*i] == b'\n' {
            self.put_break();
            *i += 1;
        } else {
            self.write_char(s, i);
            self.column = 0;
            self.indention = true;
        }
    }

    fn write_indent(&mut self) {
        let indent = self.indent.max(0);
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.put_break();
        }
        if self.foot_indent == indent {
            self.put_break();
        }
        while self.column < indent {
            self.put(b' ');
        }
        self.whitespace = true;
        self.foot_indent = -1;
    }

    fn write_indicator(&mut self, ind: &[u8], need_ws: bool, is_ws: bool, is_indention: bool) {
        if need_ws && !self.whitespace {
            self.put(b' ');
        }
        let mut i = 0;
        while i < ind.len() {
            self.write_char(ind, &mut i);
        }
        self.whitespace = is_ws;
        self.indention = self.indention && is_indention;
    }

    fn write_comment(&mut self, comment: &str) {
        let c = comment.as_bytes();
        let mut breaks = false;
        let mut pound = false;
        let mut i = 0;
        while i < c.len() {
            if is_break(c, i) {
                self.write_break(c, &mut i);
                breaks = true;
                pound = false;
            } else {
                if breaks {
                    self.write_indent();
                }
                if !pound {
                    if c[i] != b'#' {
                        self.put(b'#');
                        self.put(b' ');
                    }
                    pound = true;
                }
                self.write_char(c, &mut i);
                self.indention = false;
                breaks = false;
            }
        }
        if !breaks {
            self.put_break();
        }
        self.whitespace = true;
    }

    fn process_head_comment(&mut self) {
        if !self.tail_comment.is_empty() {
            self.write_indent();
            let tail = std::mem::take(&mut self.tail_comment);
            self.write_comment(&tail);
            self.foot_indent = self.indent.max(0);
        }
        if self.head_comment.is_empty() {
            return;
        }
        self.write_indent();
        let head = std::mem::take(&mut self.head_comment);
        self.write_comment(&head);
    }

    fn process_foot_comment(&mut self) {
        if self.foot_comment.is_empty() {
            return;
        }
        self.write_indent();
        let foot = std::mem::take(&mut self.foot_comment);
        self.write_comment(&foot);
        self.foot_indent = self.indent.max(0);
    }

    fn increase_indent(&mut self, flow: bool, indentless: bool) {
        self.indents.push(self.indent);
        if self.indent < 0 {
            self.indent = if flow { self.best_indent } else { 0 };
        } else if !indentless {
            if self.states.last() == Some(&State::BlockSequenceItem) {
                // The first level inside a sequence item only skips "- ".
                self.indent += 2;
            } else {
                self.indent =
                    self.best_indent * ((self.indent + self.best_indent) / self.best_indent);
            }
        }
    }

    fn pop_indent(&mut self) {
        self.indent = self.indents.pop().unwrap_or(-1);
    }

    fn pop_state(&mut self) {
        self.state = self.states.pop().unwrap_or(State::DocumentEnd);
    }

    // ---- scalars ----

    fn write_tag(&mut self, tag: &str) {
        if !self.whitespace {
            self.put(b' ');
        }
        // Tag handle "!!" then the suffix.
        let mut i = 0;
        let t = tag.as_bytes();
        while i < t.len() {
            self.write_char(t, &mut i);
        }
        self.whitespace = false;
        self.indention = false;
    }

    fn select_style(&self, s: &Scalar, a: &Analysis) -> Style {
        let mut style = s.style;
        if self.simple_key_context && a.multiline {
            style = Style::DoubleQuoted;
        }
        if style == Style::Plain {
            if (self.flow_level > 0 && !a.flow_plain_allowed)
                || (self.flow_level == 0 && !a.block_plain_allowed)
            {
                style = Style::SingleQuoted;
            }
            if s.value.is_empty() && (self.flow_level > 0 || self.simple_key_context) {
                style = Style::SingleQuoted;
            }
        }
        if style == Style::SingleQuoted && !a.single_quoted_allowed {
            style = Style::DoubleQuoted;
        }
        if style == Style::Literal
            && (!a.block_allowed || self.flow_level > 0 || self.simple_key_context)
        {
            style = Style::DoubleQuoted;
        }
        style
    }

    fn emit_scalar(&mut self, s: &Scalar) {
        let a = analyze(s.value.as_bytes());
        let style = self.select_style(s, &a);
        if !s.tag.is_empty() {
            self.write_tag(s.tag);
        }
        self.increase_indent(true, false);
        let v = s.value.as_bytes();
        match style {
            Style::Plain => self.write_plain(v),
            Style::SingleQuoted => self.write_single(v),
            Style::DoubleQuoted => self.write_double(v),
            Style::Literal => self.write_literal(v),
        }
        self.pop_indent();
        self.pop_state();
    }

    fn write_plain(&mut self, v: &[u8]) {
        if !v.is_empty() && !self.whitespace {
            self.put(b' ');
        }
        if !v
            .iter()
            .any(|&b| b == b' ' || b == b'\r' || b == b'\n' || b >= 0x80)
        {
            // No spaces or breaks: one copy.
            self.out.extend_from_slice(v);
            self.column += v.len() as i32;
            if !v.is_empty() {
                self.whitespace = false;
            }
            self.indention = false;
            return;
        }
        let mut breaks = false;
        let mut i = 0;
        while i < v.len() {
            if is_space(v, i) {
                self.write_char(v, &mut i);
            } else if is_break(v, i) {
                if !breaks && v[i] == b'\n' {
                    self.put_break();
                }
                self.write_break(v, &mut i);
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                self.write_char(v, &mut i);
                self.indention = false;
                breaks = false;
            }
        }
        if !v.is_empty() {
            self.whitespace = false;
        }
        self.indention = false;
    }

    fn write_single(&mut self, v: &[u8]) {
        self.write_indicator(b"'", true, false, false);
        let mut breaks = false;
        let mut i = 0;
        while i < v.len() {
            if is_space(v, i) {
                self.write_char(v, &mut i);
            } else if is_break(v, i) {
                if !breaks && v[i] == b'\n' {
                    self.put_break();
                }
                self.write_break(v, &mut i);
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                if v[i] == b'\'' {
                    self.put(b'\'');
                }
                self.write_char(v, &mut i);
                self.indention = false;
                breaks = false;
            }
        }
        self.write_indicator(b"'", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_double(&mut self, v: &[u8]) {
        const HEX: &[u8; 16] = b"0123456789ABCDEF";
        self.write_indicator(b"\"", true, false, false);
        // go-yaml checks for a BOM at the start of the whole value on every character, so a
        // value that starts with U+FEFF gets every character escaped.
        let bom = starts_with_bom(v);
        let mut i = 0;
        while i < v.len() {
            let c = v[i];
            if !is_printable(v, i) || bom || is_break(v, i) || c == b'"' || c == b'\\' {
                let w = width(c).min(v.len() - i);
                let mut cp: u32 = match w {
                    1 => u32::from(c & 0x7f),
                    2 => u32::from(c & 0x1f),
                    3 => u32::from(c & 0x0f),
                    _ => u32::from(c & 0x07),
                };
                for k in 1..w {
                    cp = (cp << 6) + u32::from(v[i + k] & 0x3f);
                }
                i += w;
                self.put(b'\\');
                let short = match cp {
                    0x00 => Some(b'0'),
                    0x07 => Some(b'a'),
                    0x08 => Some(b'b'),
                    0x09 => Some(b't'),
                    0x0a => Some(b'n'),
                    0x0b => Some(b'v'),
                    0x0c => Some(b'f'),
                    0x0d => Some(b'r'),
                    0x1b => Some(b'e'),
                    0x22 => Some(b'"'),
                    0x5c => Some(b'\\'),
                    0x85 => Some(b'N'),
                    0xa0 => Some(b'_'),
                    0x2028 => Some(b'L'),
                    0x2029 => Some(b'P'),
                    _ => None,
                };
                match short {
                    Some(s) => self.put(s),
                    None => {
                        let (letter, digits) = if cp <= 0xff {
                            (b'x', 2)
                        } else if cp <= 0xffff {
                            (b'u', 4)
                        } else {
                            (b'U', 8)
                        };
                        self.put(letter);
                        for k in (0..digits).rev() {
                            self.put(HEX[((cp >> (k * 4)) & 0xf) as usize]);
                        }
                    }
                }
            } else {
                self.write_char(v, &mut i);
            }
        }
        self.write_indicator(b"\"", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_block_hints(&mut self, v: &[u8]) {
        if is_space(v, 0) || is_break(v, 0) {
            let hint = [b'0' + self.best_indent as u8];
            self.write_indicator(&hint, false, false, false);
        }
        let chomp: Option<u8> = if v.is_empty() {
            Some(b'-')
        } else {
            let mut i = v.len() - 1;
            while i > 0 && v[i] & 0xc0 == 0x80 {
                i -= 1;
            }
            if !is_break(v, i) {
                Some(b'-')
            } else if i == 0 {
                Some(b'+')
            } else {
                let mut j = i - 1;
                while j > 0 && v[j] & 0xc0 == 0x80 {
                    j -= 1;
                }
                if is_break(v, j) {
                    Some(b'+')
                } else {
                    None
                }
            }
        };
        if let Some(c) = chomp {
            self.write_indicator(&[c], false, false, false);
        }
    }

    fn write_literal(&mut self, v: &[u8]) {
        self.write_indicator(b"|", true, false, false);
        self.write_block_hints(v);
        self.put_break();
        self.whitespace = true;
        let mut breaks = true;
        let mut i = 0;
        while i < v.len() {
            if is_break(v, i) {
                self.write_break(v, &mut i);
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                self.write_char(v, &mut i);
                self.indention = false;
                breaks = false;
            }
        }
    }

    // ---- events ----

    fn take_comments(&mut self, ev: &Event) {
        let (head, foot, tail) = match ev {
            Event::DocumentStart { head } => (head.as_str(), "", ""),
            Event::DocumentEnd { foot } => ("", foot.as_str(), ""),
            Event::MappingStart { head } | Event::SequenceStart { head } => (head.as_str(), "", ""),
            Event::MappingEnd { tail, foot } => ("", foot.as_str(), tail.as_str()),
            Event::SequenceEnd { foot } => ("", foot.as_str(), ""),
            Event::Scalar(s) => (s.head.as_str(), s.foot.as_str(), s.tail.as_str()),
        };
        if !head.is_empty() {
            self.head_comment = head.to_string();
        }
        if !foot.is_empty() {
            self.foot_comment = foot.to_string();
        }
        if !tail.is_empty() {
            self.tail_comment = tail.to_string();
        }
    }

    fn is_empty_collection(ev: &Event, next: Option<&Event>) -> bool {
        matches!(
            (ev, next),
            (Event::MappingStart { .. }, Some(Event::MappingEnd { .. }))
                | (Event::SequenceStart { .. }, Some(Event::SequenceEnd { .. }))
        )
    }

    fn emit_node(&mut self, ev: &Event, next: Option<&Event>, simple_key: bool) {
        self.simple_key_context = simple_key;
        match ev {
            Event::Scalar(s) => self.emit_scalar(s),
            Event::SequenceStart { .. } => {
                self.state = if self.flow_level > 0 || Self::is_empty_collection(ev, next) {
                    State::FlowSequenceFirstItem
                } else {
                    State::BlockSequenceFirstItem
                };
            }
            Event::MappingStart { .. } => {
                self.state = if self.flow_level > 0 || Self::is_empty_collection(ev, next) {
                    State::FlowMappingFirstKey
                } else {
                    State::BlockMappingFirstKey
                };
            }
            _ => {}
        }
    }

    fn check_simple_key(ev: &Event, next: Option<&Event>) -> bool {
        match ev {
            Event::Scalar(s) => {
                if analyze(s.value.as_bytes()).multiline {
                    return false;
                }
                s.tag.len() + s.value.len() <= 128
            }
            Event::MappingStart { .. } | Event::SequenceStart { .. } => {
                Self::is_empty_collection(ev, next)
            }
            _ => false,
        }
    }

    fn handle(&mut self, ev: &Event, next: Option<&Event>, first_document: bool) {
        match self.state {
            State::DocumentStart => {
                if let Event::DocumentStart { .. } = ev {
                    if !first_document {
                        self.write_indent();
                        self.write_indicator(b"---", true, false, false);
                        self.write_indent();
                    }
                    if !self.head_comment.is_empty() {
                        self.process_head_comment();
                        self.put_break();
                    }
                    self.state = State::DocumentContent;
                }
            }
            State::DocumentContent => {
                self.states.push(State::DocumentEnd);
                self.process_head_comment();
                self.emit_node(ev, next, false);
                self.process_foot_comment();
            }
            State::DocumentEnd => {
                self.foot_indent = 0;
                self.process_foot_comment();
                self.foot_indent = -1;
                self.write_indent();
                self.state = State::DocumentStart;
            }
            State::FlowSequenceFirstItem | State::FlowSequenceItem => {
                let first = self.state == State::FlowSequenceFirstItem;
                if first {
                    self.write_indicator(b"[", true, true, false);
                    self.increase_indent(true, false);
                    self.flow_level += 1;
                }
                if let Event::SequenceEnd { .. } = ev {
                    self.flow_level -= 1;
                    self.pop_indent();
                    if self.column == 0 {
                        self.write_indent();
                    }
                    self.write_indicator(b"]", false, false, false);
                    self.process_foot_comment();
                    self.pop_state();
                    return;
                }
                if !first {
                    self.write_indicator(b",", false, false, false);
                }
                self.process_head_comment();
                if self.column == 0 {
                    self.write_indent();
                }
                self.states.push(State::FlowSequenceItem);
                self.emit_node(ev, next, false);
                self.process_foot_comment();
            }
            State::FlowMappingFirstKey | State::FlowMappingKey => {
                let first = self.state == State::FlowMappingFirstKey;
                if first {
                    self.write_indicator(b"{", true, true, false);
                    self.increase_indent(true, false);
                    self.flow_level += 1;
                }
                if let Event::MappingEnd { .. } = ev {
                    self.process_head_comment();
                    self.flow_level -= 1;
                    self.pop_indent();
                    self.write_indicator(b"}", false, false, false);
                    self.process_foot_comment();
                    self.pop_state();
                    return;
                }
                if !first {
                    self.write_indicator(b",", false, false, false);
                }
                self.process_head_comment();
                if self.column == 0 {
                    self.write_indent();
                }
                self.states.push(State::FlowMappingSimpleValue);
                self.emit_node(ev, next, true);
            }
            State::FlowMappingSimpleValue => {
                self.write_indicator(b":", false, false, false);
                self.states.push(State::FlowMappingKey);
                self.emit_node(ev, next, false);
                self.process_foot_comment();
            }
            State::BlockSequenceFirstItem | State::BlockSequenceItem => {
                if self.state == State::BlockSequenceFirstItem {
                    self.increase_indent(false, false);
                }
                if let Event::SequenceEnd { .. } = ev {
                    self.pop_indent();
                    self.pop_state();
                    return;
                }
                self.process_head_comment();
                self.write_indent();
                self.write_indicator(b"-", true, false, true);
                self.states.push(State::BlockSequenceItem);
                self.emit_node(ev, next, false);
                self.process_foot_comment();
            }
            State::BlockMappingFirstKey | State::BlockMappingKey => {
                if self.state == State::BlockMappingFirstKey {
                    self.increase_indent(false, false);
                }
                self.process_head_comment();
                if let Event::MappingEnd { .. } = ev {
                    self.pop_indent();
                    self.pop_state();
                    return;
                }
                self.write_indent();
                if Self::check_simple_key(ev, next) {
                    self.states.push(State::BlockMappingSimpleValue);
                    self.emit_node(ev, next, true);
                } else {
                    self.write_indicator(b"?", true, false, true);
                    self.states.push(State::BlockMappingValue);
                    self.emit_node(ev, next, false);
                }
            }
            State::BlockMappingSimpleValue | State::BlockMappingValue => {
                if self.state == State::BlockMappingSimpleValue {
                    self.write_indicator(b":", false, false, false);
                } else {
                    self.write_indent();
                    self.write_indicator(b":", true, false, true);
                }
                self.states.push(State::BlockMappingKey);
                self.emit_node(ev, next, false);
                self.process_foot_comment();
            }
        }
    }

    fn run(mut self, events: &[Event]) -> Vec<u8> {
        let mut first_document = true;
        for (i, ev) in events.iter().enumerate() {
            self.take_comments(ev);
            let state_before = self.state;
            self.handle(ev, events.get(i + 1), first_document);
            if state_before == State::DocumentEnd {
                first_document = false;
            }
        }
        self.out
    }
}

fn document_events<'a>(branch: &'a Branch, out: &mut Vec<Event<'a>>) {
    out.push(Event::DocumentStart {
        head: String::new(),
    });
    push_events(map_node(branch), String::new(), out);
    out.push(Event::DocumentEnd {
        foot: String::new(),
    });
}

/// Writes branches as a YAML stream (documents separated by `---`), go-yaml style.
pub fn emit_documents(branches: &[Branch], indent: usize) -> Result<Vec<u8>> {
    // Sizing both buffers up front avoids repeated doubling, which on large files costs more in
    // fresh-page faults than the emitting itself.
    let (nodes, bytes) = branches.iter().fold((0, 0), |acc, b| {
        let (n, l) = size_hint(b);
        (acc.0 + n, acc.1 + l)
    });
    let mut events = Vec::with_capacity(nodes + 4 * branches.len());
    for b in branches {
        document_events(b, &mut events);
    }
    let mut emitter = Emitter::new(indent);
    emitter.out.reserve(bytes + bytes / 8);
    Ok(emitter.run(&events))
}

/// Events (roughly) and output bytes (a lower bound) a branch will need.
fn size_hint(root: &Branch) -> (usize, usize) {
    fn value(v: &Value, depth: usize) -> (usize, usize) {
        match v {
            Value::Map(b) => branch(b, depth + 1),
            Value::List(items) => items.iter().fold((2, 0), |acc, v| {
                let (n, l) = value(v, depth + 1);
                (acc.0 + n, acc.1 + l + 2 + 4 * depth)
            }),
            Value::Str(s) | Value::Comment(s) | Value::Time(s) => (1, s.len()),
            Value::Bytes(b) => (1, b.len() * 4 / 3),
            _ => (1, 8),
        }
    }
    fn branch(b: &Branch, depth: usize) -> (usize, usize) {
        b.0.iter().fold((2, 0), |acc, item| {
            let (n, l) = match item {
                Item::Entry(k, v) => {
                    let (n, l) = value(v, depth);
                    (n + 1, l + k.len() + 3 + 4 * depth)
                }
                Item::Comment(c) => (1, c.len() + 4 * depth),
            };
            (acc.0 + n, acc.1 + l)
        })
    }
    branch(root, 0)
}

/// Writes a single value as its own document (sops' `EmitValue`, used by `--extract`).
pub fn emit_value(value: &Value, indent: usize) -> Result<Vec<u8>> {
    let mut events = vec![Event::DocumentStart {
        head: String::new(),
    }];
    push_events(value_node(value), String::new(), &mut events);
    events.push(Event::DocumentEnd {
        foot: String::new(),
    });
    Ok(Emitter::new(indent).run(&events))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(k: &str, v: Value) -> Item {
        Item::Entry(k.into(), v)
    }

    fn emit(items: Vec<Item>) -> String {
        String::from_utf8(emit_documents(&[Branch(items)], 4).unwrap()).unwrap()
    }

    #[test]
    fn nested_layout_matches_go_yaml() {
        let out = emit(vec![entry(
            "x",
            Value::List(vec![
                Value::List(vec![Value::Map(Branch(vec![
                    entry("a", Value::Str("ENC".into())),
                    entry(
                        "b",
                        Value::List(vec![
                            Value::Str("ENC".into()),
                            Value::Map(Branch(vec![
                                entry("c", Value::Str("ENC".into())),
                                entry("d", Value::Str("ENC".into())),
                            ])),
                        ]),
                    ),
                ]))]),
                Value::List(vec![]),
                Value::Map(Branch::new()),
                Value::Map(Branch(vec![
                    entry("k", Value::Map(Branch::new())),
                    entry("l", Value::List(vec![])),
                ])),
            ]),
        )]);
        assert_eq!(
            out,
            "x:\n    - - a: ENC\n        b:\n            - ENC\n            - c: ENC\n              d: ENC\n    - []\n    - {}\n    - k: {}\n      l: []\n"
        );
    }

    #[test]
    fn ascii_fast_analysis_matches_full_analysis() {
        let samples = [
            "ENC[AES256_GCM,data:x,iv:y,tag:z,type:str]",
            "a",
            "-",
            "-x",
            "?",
            "?x",
            ":",
            "x:",
            "a:b",
            "---",
            "...",
            "#x",
            "x#y",
            "[x",
            "x]",
            "{",
            "&a",
            "*a",
            "!t",
            "|",
            ">",
            "'q",
            "\"q",
            "%p",
            "@a",
            "`b",
            "a,b",
            "a?b",
            "_x",
            "1.5",
            "~",
            "http://x/?a=1#f",
        ];
        for s in samples {
            let fast = analyze_simple_ascii(s.as_bytes()).expect("printable ascii");
            assert_eq!(fast, analyze_full(s.as_bytes()), "{s}");
        }
        assert!(analyze_simple_ascii(b"a b").is_none());
        assert!(analyze_simple_ascii("é".as_bytes()).is_none());
    }

    #[test]
    fn quoting_rules() {
        let cases: &[(&str, &str)] = &[
            ("\u{1F600} ok", "\"\\U0001F600 ok\""),
            ("a\u{a0}b", "a\u{a0}b"),
            ("x ", "'x '"),
            ("-x", "-x"),
            ("x:", "'x:'"),
            ("x#y", "x#y"),
            ("~", "\"~\""),
            ("0o17", "\"0o17\""),
            ("1:20", "\"1:20\""),
            ("2001-12-14 21:59:43.10 -5", "2001-12-14 21:59:43.10 -5"),
            ("2002-12-14", "\"2002-12-14\""),
            ("yes", "\"yes\""),
            ("<<", "!!merge <<"),
            ("---", "'---'"),
            ("'x", "'''x'"),
            ("a\tb", "\"a\\tb\""),
            ("a\u{7}b", "\"a\\ab\""),
            ("", "\"\""),
            ("a: b", "'a: b'"),
            ("a #b", "'a #b'"),
            ("\u{feff}x", "\"\\uFEFF\\x78\""),
        ];
        for (input, want) in cases {
            let out = emit(vec![entry("k", Value::Str((*input).into()))]);
            assert_eq!(out, format!("k: {want}\n"), "input {input:?}");
        }
    }

    #[test]
    fn block_scalars() {
        let cases: &[(&str, &str)] = &[
            ("a\nb", "k: |-\n    a\n    b\n"),
            ("a\nb\n", "k: |\n    a\n    b\n"),
            (" a\nb", "k: |4-\n     a\n    b\n"),
            ("a \nb", "k: \"a \\nb\"\n"),
            ("a\r\nb", "k: \"a\\r\\nb\"\n"),
        ];
        for (input, want) in cases {
            let out = emit(vec![entry("k", Value::Str((*input).into()))]);
            assert_eq!(out, *want, "input {input:?}");
        }
        // Keep chomping at the very end: sops writes no `...` marker.
        let out = emit(vec![entry("k", Value::Str("a\n\n".into()))]);
        assert_eq!(out, "k: |+\n    a\n\n");
    }

    #[test]
    fn scalars_of_every_type() {
        let out = emit(vec![
            entry("i", Value::Int(-7)),
            entry("f", Value::Float(1e10)),
            entry("b", Value::Bool(true)),
            entry("n", Value::Null),
            entry("t", Value::Time("2001-12-14T21:59:43.1-05:00".into())),
            entry("y", Value::Str("v".into())),
            entry("e", Value::Str(String::new())),
            entry("bin", Value::Bytes(vec![0xff])),
        ]);
        assert_eq!(
            out,
            "i: -7\nf: 1e+10\nb: true\n\"n\": null\nt: 2001-12-14T21:59:43.1-05:00\n\"y\": v\ne: \"\"\nbin: !!binary /w==\n"
        );
    }

    #[test]
    fn long_and_multiline_keys_are_complex() {
        let long = "k".repeat(129);
        let out = emit(vec![entry(&long, Value::Int(1))]);
        assert_eq!(out, format!("? {long}\n: 1\n"));
        let out = emit(vec![entry("a\nb", Value::Int(1))]);
        assert_eq!(out, "? |-\n    a\n    b\n: 1\n");
    }

    #[test]
    fn comments_like_sops() {
        let c = |s: &str| Item::Comment(s.into());
        let out = emit(vec![
            c(" head"),
            entry("key1", Value::Str("value1".into())),
            c(" before key2"),
            entry(
                "key2",
                Value::Map(Branch(vec![
                    c(" inside"),
                    entry("a", Value::Int(1)),
                    entry("b", Value::Int(2)),
                    c(" foot of map"),
                ])),
            ),
            entry(
                "list",
                Value::List(vec![
                    Value::Comment(" first".into()),
                    Value::Str("item1".into()),
                    Value::Comment(" between".into()),
                    Value::Str("item2".into()),
                    Value::Comment(" trailing".into()),
                ]),
            ),
            entry("key3", Value::Str("v3".into())),
            c(" doc foot"),
        ]);
        assert_eq!(
            out,
            "# head\nkey1: value1\n# before key2\nkey2:\n    # inside\n    a: 1\n    b: 2\n    # foot of map\nlist:\n    # first\n    - item1\n    # between\n    - item2\n    # trailing\nkey3: v3\n# doc foot\n"
        );
    }

    #[test]
    fn map_in_list_head_comment_goes_before_dash() {
        let out = emit(vec![entry(
            "l",
            Value::List(vec![Value::Map(Branch(vec![
                Item::Comment(" c".into()),
                entry("m", Value::Int(1)),
            ]))]),
        )]);
        assert_eq!(out, "l:\n    # c\n    - m: 1\n");
    }

    #[test]
    fn multi_document_and_empty() {
        let docs = vec![
            Branch(vec![entry("a", Value::Int(1))]),
            Branch(vec![entry("b", Value::Int(2))]),
            Branch::new(),
        ];
        let out = String::from_utf8(emit_documents(&docs, 4).unwrap()).unwrap();
        assert_eq!(out, "a: 1\n---\nb: 2\n---\n{}\n");
    }

    #[test]
    fn indent_two() {
        let b = Branch(vec![entry(
            "a",
            Value::Map(Branch(vec![entry(
                "l",
                Value::List(vec![Value::Map(Branch(vec![
                    entry("x", Value::Int(1)),
                    entry("z", Value::List(vec![Value::Int(2)])),
                ]))]),
            )])),
        )]);
        let out = String::from_utf8(emit_documents(&[b], 2).unwrap()).unwrap();
        assert_eq!(out, "a:\n  l:\n    - x: 1\n      z:\n        - 2\n");
    }
}
