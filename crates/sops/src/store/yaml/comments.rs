//! Where each comment lands in sops' tree, following go-yaml v3's own mechanism (see
//! `tests/vectors/yaml/COMMENTS.md`, derived from 900+ cases run through the real sops):
//!
//! * a comment on the same line as content is a *line comment* of the entry on that line;
//! * comments between `key:` (or `- `) and a nested block open that block;
//! * any other run of own-line comments is cut into *pieces*: at the first blank line, and
//!   wherever a line moves left of the current indentation to a new column. Pieces are foot
//!   comments (anchored to the previous token, or to themselves when dedented) or, for what is
//!   left before the next token, head comments;
//! * the parser hands pieces out in token order: the previous scalar (its entry's end), then
//!   the block ends innermost first (a block end sits right after the previous content unless a
//!   piece starts exactly at the block's column, which moves it there; a sequence end passes
//!   its comments on), then the next token (before it).

use std::collections::HashMap;

use super::parse::{Kind, Pos, RawComment, YNode};

/// Comment texts per (container id, slot): slot `i` is before child `i`, `len` is the end.
pub(super) type Slots = HashMap<(usize, usize), Vec<(Pos, String)>>;
/// Container id of each collection node.
pub(super) type Ids = HashMap<usize, usize>;

struct Container {
    col: usize,
    is_map: bool,
    flow: bool,
    indentless: bool,
    /// Start of its first child token.
    first: Option<Pos>,
    /// The key or dash that introduces it.
    opener: Option<Pos>,
    /// The enclosing block container.
    outer: Option<usize>,
    /// Number of children.
    len: usize,
    /// Start of each child (used for flow collections).
    children: Vec<Pos>,
    start: Pos,
    end: Pos,
}

#[derive(Clone)]
struct Tok {
    start: Pos,
    end_line: usize,
    /// Where comments *before* this token go.
    container: usize,
    slot: usize,
    /// Innermost open block container (the others follow `Container::outer`).
    block: Option<usize>,
    /// A key whose value starts on a later line (go-yaml's `:` token is the previous token).
    colon: bool,
    /// The block collection this token's comment opens: for a key, when the collection has an
    /// anchor or tag on the key line; for a dash, any nested block collection.
    props_child: Option<usize>,
    /// A dash whose item is empty (`- # c` then the next item).
    empty_item: bool,
}

struct Model {
    containers: Vec<Container>,
    toks: Vec<Tok>,
    ids: Ids,
}

/// Finds the `-` introducing a block sequence item. Between the dash and the item there may be
/// line breaks, a comment, an anchor (`&a`) or a tag (`!t`).
fn dash_pos(src: &str, item: Pos) -> Pos {
    let mut end = item.byte.min(src.len());
    loop {
        let line_start = src[..end].rfind('\n').map_or(0, |p| p + 1);
        let line = &src[line_start..end];
        // Drop a comment: a '#' at the start or after a blank.
        let code_end = line
            .char_indices()
            .find(|&(i, c)| c == '#' && (i == 0 || line[..i].ends_with([' ', '\t'])))
            .map_or(line.len(), |(i, _)| i);
        let code = &line[..code_end];
        let mut cut = code.trim_end().len();
        loop {
            let word_start = code[..cut].rfind([' ', '\t']).map_or(0, |p| p + 1);
            let word = &code[word_start..cut];
            if word == "-" {
                return Pos {
                    byte: line_start + word_start,
                    line: src[..line_start].matches('\n').count() + 1,
                    col: code[..word_start].chars().count(),
                };
            }
            if word.is_empty() {
                break;
            }
            if !(word.starts_with('&') || word.starts_with('!')) {
                return item;
            }
            cut = code[..word_start].trim_end().len();
        }
        if line_start == 0 {
            return item;
        }
        end = line_start - 1;
    }
}

fn first_child_line(n: &YNode) -> Option<usize> {
    match &n.kind {
        Kind::Map(e) => e.first().map(|(k, _)| k.start.line),
        Kind::Seq(i) => i.first().map(|c| c.start.line),
        Kind::Scalar { .. } => None,
    }
}

fn end_line(n: &YNode) -> usize {
    // A block scalar's span ends at the start of the following line.
    if n.end.col == 0 && n.end.line > n.start.line {
        n.end.line - 1
    } else {
        n.end.line
    }
}

/// An implicit empty value (`k:` or `-` with nothing after): a zero-width scalar.
fn is_empty_scalar(n: &YNode) -> bool {
    matches!(n.kind, Kind::Scalar { .. }) && n.start.byte == n.end.byte
}

impl Model {
    fn add_container(
        &mut self,
        node: &YNode,
        opener: Option<Pos>,
        col: usize,
        indentless: bool,
    ) -> usize {
        let id = self.containers.len();
        let (is_map, children): (bool, Vec<Pos>) = match &node.kind {
            Kind::Map(e) => (true, e.iter().map(|(k, _)| k.start).collect()),
            Kind::Seq(i) => (false, i.iter().map(|n| n.start).collect()),
            Kind::Scalar { .. } => (false, Vec::new()),
        };
        let len = children.len();
        self.containers.push(Container {
            col,
            is_map,
            flow: node.flow,
            indentless,
            first: None,
            opener,
            outer: None,
            len,
            children,
            start: node.start,
            end: node.end,
        });
        self.ids.insert(node.uid, id);
        id
    }

    fn tok(
        &mut self,
        start: Pos,
        end_line: usize,
        container: usize,
        slot: usize,
        chain: &[usize],
        colon: bool,
    ) {
        let c = &mut self.containers[container];
        if c.first.is_none() {
            c.first = Some(start);
        }
        self.toks.push(Tok {
            start,
            end_line,
            container,
            slot,
            block: chain.last().copied(),
            colon,
            props_child: None,
            empty_item: false,
        });
    }

    /// A child value: scalars and flow collections are single tokens; block collections
    /// recurse.
    fn child(
        &mut self,
        src: &str,
        v: &YNode,
        opener: Pos,
        parent: usize,
        slot: usize,
        chain: &[usize],
    ) {
        let parent_col = self.containers[parent].col;
        let in_map = self.containers[parent].is_map;
        if v.alias {
            // An alias is one token where it is written; its copy's comments come from the
            // anchored node.
            if !self.containers[parent].flow {
                self.tok(v.start, v.end.line, parent, slot, chain, false);
            }
            return;
        }
        match &v.kind {
            // Inside flow collections only the collection itself is a token.
            _ if self.containers[parent].flow => {
                self.collection(src, v, Some(opener), chain, parent_col, in_map);
            }
            Kind::Scalar { .. } => {
                if !is_empty_scalar(v) {
                    self.tok(v.start, end_line(v), parent, slot, chain, false);
                }
            }
            _ if v.flow => {
                self.tok(v.start, end_line(v), parent, slot, chain, false);
                self.collection(src, v, Some(opener), chain, parent_col, in_map);
            }
            _ => self.collection(src, v, Some(opener), chain, parent_col, in_map),
        }
    }

    fn collection(
        &mut self,
        src: &str,
        node: &YNode,
        opener: Option<Pos>,
        chain: &[usize],
        parent_col: usize,
        parent_is_map: bool,
    ) {
        match &node.kind {
            Kind::Scalar { .. } => {}
            Kind::Map(entries) => {
                let col = entries.first().map_or(node.start.col, |(k, _)| k.start.col);
                let id = self.add_container(node, opener, col, false);
                self.containers[id].outer = chain.last().copied();
                let mut chain = chain.to_vec();
                if !node.flow {
                    chain.push(id);
                }
                for (i, (k, v)) in entries.iter().enumerate() {
                    let colon = !matches!(v.kind, Kind::Scalar { .. }) && !v.flow
                        || is_empty_scalar(v)
                        || v.start.line > end_line(k);
                    if !node.flow {
                        self.tok(k.start, end_line(k), id, i, &chain, colon);
                    }
                    let before = self.containers.len();
                    self.child(src, v, k.start, id, i, &chain);
                    if !node.flow
                        && v.props
                        && !v.flow
                        && !v.alias
                        && !matches!(v.kind, Kind::Scalar { .. })
                    {
                        if let Some(t) = self.toks.iter_mut().rev().find(|t| t.start == k.start) {
                            t.props_child = Some(before);
                        }
                    }
                }
            }
            Kind::Seq(items) => {
                let dashes: Vec<Pos> = items
                    .iter()
                    .map(|i| {
                        if node.flow {
                            i.start
                        } else {
                            dash_pos(src, i.start)
                        }
                    })
                    .collect();
                let col = dashes.first().map_or(node.start.col, |d| d.col);
                let indentless = !node.flow && parent_is_map && col == parent_col;
                let id = self.add_container(node, opener, col, indentless);
                self.containers[id].outer = chain.last().copied();
                let mut chain = chain.to_vec();
                if !node.flow {
                    chain.push(id);
                }
                for (i, (item, dash)) in items.iter().zip(dashes).enumerate() {
                    if !node.flow {
                        self.tok(dash, dash.line, id, i, &chain, false);
                        if is_empty_scalar(item) {
                            if let Some(t) = self.toks.last_mut() {
                                t.empty_item = true;
                            }
                        }
                    }
                    let before = self.containers.len();
                    let tok_index = self.toks.len().checked_sub(1);
                    self.child(src, item, dash, id, i, &chain);
                    let opens_block = !node.flow
                        && !item.flow
                        && !item.alias
                        && !matches!(item.kind, Kind::Scalar { .. })
                        && first_child_line(item).is_some_and(|l| l > dash.line);
                    if opens_block {
                        if let Some(t) = tok_index.and_then(|ti| self.toks.get_mut(ti)) {
                            t.props_child = Some(before);
                        }
                    }
                }
            }
        }
    }

    /// Block containers open at `tok`, innermost first.
    fn blocks(&self, tok: &Tok) -> impl Iterator<Item = usize> + '_ {
        std::iter::successors(tok.block, |&id| self.containers[id].outer)
    }

    /// Column of the innermost indented block open at `tok`.
    fn indentation(&self, tok: &Tok) -> usize {
        self.blocks(tok)
            .map(|id| &self.containers[id])
            .find(|c| !c.indentless && !c.flow)
            .map_or(0, |c| c.col)
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum PieceKind {
    Foot,
    Head,
}

struct Piece {
    kind: PieceKind,
    /// Anchored to the previous token (else to its own start).
    to_prev: bool,
    start: Pos,
    first_col: usize,
    lines: Vec<usize>,
}

fn blank_between(blank: &[bool], from_line: usize, to_line: usize) -> bool {
    (from_line + 1..to_line).any(|l| blank.get(l).copied().unwrap_or(false))
}

/// Places every comment of one document; returns the slots and the container ids.
pub(super) fn place(src: &str, root: &YNode, comments: &[RawComment]) -> (Slots, Ids) {
    let mut m = Model {
        containers: Vec::new(),
        toks: Vec::new(),
        ids: Ids::new(),
    };
    m.collection(src, root, None, &[], 0, false);
    m.toks.sort_by_key(|t| t.start);
    // blank[l] for 1-based line numbers.
    let mut blank = vec![false];
    blank.extend(src.split('\n').map(|l| l.trim().is_empty()));
    let mut slots = Slots::new();
    let put = |slots: &mut Slots, key: (usize, usize), c: &RawComment| {
        slots.entry(key).or_default().push((c.pos, c.text.clone()));
    };

    let mut own: Vec<&RawComment> = Vec::new();
    for c in comments {
        if let Some(fc) = flow_container(&m, c.pos) {
            let cont = &m.containers[fc];
            if cont.is_map && cont.len == 0 {
                // go-yaml drops comments inside an empty flow map.
                continue;
            }
            // A line comment belongs to the item it follows, an own-line one to the next item.
            let slot = if c.trailing {
                cont.children
                    .iter()
                    .rposition(|ch| *ch < c.pos)
                    .unwrap_or(0)
            } else {
                cont.children
                    .iter()
                    .position(|ch| *ch > c.pos)
                    .unwrap_or(cont.len)
            };
            put(&mut slots, (fc, slot), c);
        } else if c.trailing {
            // The last token on this line before the comment owns it.
            let tok = m
                .toks
                .iter()
                .filter(|t| {
                    t.start < c.pos && t.end_line >= c.pos.line && t.start.line <= c.pos.line
                })
                .max_by_key(|t| t.start);
            match tok {
                Some(t) => {
                    // `k: [1, 2] # c` puts the comment inside the flow collection.
                    let flow_value = m.containers.iter().enumerate().find(|(_, fc)| {
                        fc.flow && fc.start == t.start && fc.end.line == c.pos.line
                    });
                    match (flow_value, t.props_child) {
                        (Some((id, _)), _) => put(&mut slots, (id, 0), c),
                        (None, Some(child)) => put(&mut slots, (child, 0), c),
                        (None, None) if t.empty_item => {
                            put(&mut slots, (t.container, t.slot + 1), c)
                        }
                        (None, None) => put(&mut slots, (t.container, t.slot), c),
                    }
                }
                None => own.push(c),
            }
        } else {
            own.push(c);
        }
    }

    // Group own-line comments into runs (no token between them).
    let mut i = 0;
    while i < own.len() {
        let start = own[i].pos;
        let next_tok = m.toks.partition_point(|t| t.start <= start);
        let mut j = i + 1;
        while j < own.len() && m.toks.get(next_tok).is_none_or(|t| t.start > own[j].pos) {
            j += 1;
        }
        place_run(&m, &own[i..j], next_tok, &blank, &mut slots);
        i = j;
    }
    // Several comments in one slot keep their source order.
    for texts in slots.values_mut() {
        texts.sort_by_key(|(pos, _)| *pos);
    }
    (slots, m.ids)
}

fn flow_container(m: &Model, pos: Pos) -> Option<usize> {
    m.containers
        .iter()
        .enumerate()
        .filter(|(_, c)| c.flow && c.start < pos && pos < c.end)
        .max_by_key(|(_, c)| c.start)
        .map(|(id, _)| id)
}

fn place_run(m: &Model, run: &[&RawComment], next_tok: usize, blank: &[bool], slots: &mut Slots) {
    let mut put = |key: (usize, usize), idx: usize| {
        slots
            .entry(key)
            .or_default()
            .push((run[idx].pos, run[idx].text.clone()));
    };
    let t = m.toks.get(next_tok);
    let p = next_tok.checked_sub(1).map(|i| &m.toks[i]);
    let root_end = (0, m.containers[0].len);

    // Comments between `key:`/`- ` and a nested block open that block.
    if let Some(t) = t {
        let c = &m.containers[t.container];
        if c.first == Some(t.start) && c.opener.is_some_and(|o| o < run[0].pos) {
            for idx in 0..run.len() {
                put((t.container, 0), idx);
            }
            return;
        }
    }
    let Some(p) = p else {
        // Before the first token: heads of it.
        let key = t.map_or(root_end, |t| (t.container, t.slot));
        for idx in 0..run.len() {
            put(key, idx);
        }
        return;
    };

    let indent = m.indentation(p);
    let foot_line = p.end_line + 1;
    let gap_before = blank_between(blank, p.end_line, run[0].pos.line);

    // Cut the run into pieces.
    let mut pieces: Vec<Piece> = Vec::new();
    let mut cur: Option<Piece> = None;
    let mut blank_seen = false;
    let new_piece = |idx: usize| Piece {
        kind: PieceKind::Head,
        to_prev: false,
        start: run[idx].pos,
        first_col: run[idx].pos.col,
        lines: vec![idx],
    };
    let blank_cut = |piece: &Piece| {
        (run[piece.lines[0]].pos.line == foot_line && !p.colon) || piece.first_col < indent
    };
    for idx in 0..run.len() {
        let col = run[idx].pos.col;
        if let Some(piece) = cur.take() {
            if col < indent && col != piece.first_col {
                let first = pieces.is_empty();
                pieces.push(Piece {
                    kind: PieceKind::Foot,
                    to_prev: first,
                    ..piece
                });
                cur = Some(new_piece(idx));
            } else {
                let mut piece = piece;
                piece.lines.push(idx);
                cur = Some(piece);
            }
        } else {
            cur = Some(new_piece(idx));
        }
        let next_line = run
            .get(idx + 1)
            .map_or_else(|| t.map_or(usize::MAX, |t| t.start.line), |c| c.pos.line);
        let blank_after = blank_between(blank, run[idx].pos.line, next_line.min(blank.len()));
        if blank_after && !gap_before && !blank_seen {
            blank_seen = true;
            let piece = cur.take().expect("just set");
            if blank_cut(&piece) {
                let dedented = piece.first_col < indent;
                pieces.push(Piece {
                    kind: PieceKind::Foot,
                    to_prev: !dedented,
                    ..piece
                });
            } else {
                cur = Some(piece);
            }
        }
    }
    if let Some(piece) = cur.take() {
        match t {
            Some(t) if t.start.col < indent && t.start.col != piece.first_col => {
                let first = pieces.is_empty();
                pieces.push(Piece {
                    kind: PieceKind::Foot,
                    to_prev: first,
                    ..piece
                });
            }
            Some(_) => pieces.push(piece),
            None => {
                if !gap_before && blank_cut(&piece) {
                    let dedented = piece.first_col < indent;
                    pieces.push(Piece {
                        kind: PieceKind::Foot,
                        to_prev: !dedented,
                        ..piece
                    });
                } else {
                    pieces.push(piece);
                }
            }
        }
    }

    // Block ends closed by the next token, innermost first, with their positions.
    let t_col = t.map(|t| t.start.col);
    let closing: Vec<usize> = m
        .blocks(p)
        .filter(|&id| {
            let c = &m.containers[id];
            !c.indentless && !c.flow && t_col.is_none_or(|tc| c.col > tc)
        })
        .collect();
    let after_prev = Pos {
        byte: p.start.byte + 1,
        line: p.end_line,
        col: usize::MAX,
    };
    let mut ends: Vec<(usize, Pos)> = Vec::new();
    let mut prev_pos = after_prev;
    for &id in &closing {
        let col = m.containers[id].col;
        let pos = pieces
            .iter()
            .find(|pc| pc.first_col == col)
            .map_or(prev_pos, |pc| pc.start);
        ends.push((id, pos));
        prev_pos = pos;
    }

    // The parser's queue.
    let anchor = |pc: &Piece| if pc.to_prev { p.start } else { pc.start };
    let mut front = 0;
    while front < pieces.len() && anchor(&pieces[front]) <= p.start {
        for &idx in &pieces[front].lines {
            put((p.container, p.slot + 1), idx);
        }
        front += 1;
    }
    let mut pending: Vec<usize> = Vec::new();
    for (id, pos) in ends {
        while front < pieces.len()
            && pieces[front].kind == PieceKind::Foot
            && anchor(&pieces[front]) <= pos
        {
            pending.extend(&pieces[front].lines);
            front += 1;
        }
        if m.containers[id].is_map && !pending.is_empty() {
            let key = (id, m.containers[id].len);
            for idx in pending.drain(..) {
                put(key, idx);
            }
        }
    }
    while front < pieces.len() {
        pending.extend(&pieces[front].lines);
        front += 1;
    }
    let key = t.map_or(root_end, |t| (t.container, t.slot));
    for idx in pending {
        put(key, idx);
    }
}
