//! Three-way merge of decrypted trees, key by key (the engine of the git merge driver).
//!
//! Maps are merged per key, recursively. Lists and scalars are atomic: a value changed on one
//! side only takes that side; the same change on both sides is fine; different changes, or a
//! delete on one side and a change on the other, are conflicts reported by key path (never by
//! value). The result keeps ours' key order and comments and appends keys added by theirs in
//! their order, with the new comment lines that precede them.

use crate::path::Step;
use crate::tree::{Branch, Branches, Item, SecretBranches, Value};

/// The outcome of [`merge`].
#[derive(Debug, Default)]
pub struct Merged {
    /// The merged plaintext (only meaningful when `conflicts` is empty).
    pub branches: SecretBranches,
    /// Key paths changed differently on both sides. An empty path means the document list
    /// itself (multi-document YAML whose documents were added or removed on both sides).
    pub conflicts: Vec<Vec<Step>>,
    /// Non-fatal notices (key paths only).
    pub notes: Vec<String>,
}

struct State {
    path: Vec<Step>,
    conflicts: Vec<Vec<Step>>,
    notes: Vec<String>,
}

/// Merges `ours` and `theirs` against their common ancestor `base` (empty when the file was
/// added on both sides).
pub fn merge(base: &Branches, ours: &Branches, theirs: &Branches) -> Merged {
    let mut st = State {
        path: Vec::new(),
        conflicts: Vec::new(),
        notes: Vec::new(),
    };
    let same_shape = ours.len() == theirs.len() && (base.is_empty() || base.len() == ours.len());
    let branches = if same_shape {
        let empty = Branch::new();
        ours.iter()
            .zip(theirs)
            .enumerate()
            .map(|(i, (o, t))| merge_branch(base.get(i).unwrap_or(&empty), o, t, &mut st))
            .collect()
    } else if ours == theirs || theirs == base {
        ours.clone()
    } else if ours == base {
        theirs.clone()
    } else {
        st.conflicts.push(Vec::new());
        ours.clone()
    };
    Merged {
        branches: SecretBranches(branches),
        conflicts: st.conflicts,
        notes: st.notes,
    }
}

fn comments(b: &Branch) -> Vec<&str> {
    b.0.iter()
        .filter_map(|i| match i {
            Item::Comment(c) => Some(c.as_str()),
            Item::Entry(..) => None,
        })
        .collect()
}

fn display(path: &[Step]) -> String {
    if path.is_empty() {
        return "the top level".into();
    }
    path.iter().map(ToString::to_string).collect()
}

fn merge_branch(base: &Branch, ours: &Branch, theirs: &Branch, st: &mut State) -> Branch {
    let (cb, co, ct) = (comments(base), comments(ours), comments(theirs));
    // Comments are not keyed, so they cannot be merged line by line. When only theirs changed
    // the comments of this map, theirs' layout is the skeleton so those edits are not lost.
    let theirs_layout = co == cb && ct != cb;
    if co != cb && ct != cb && co != ct {
        st.notes.push(format!(
            "comments in {} changed on both sides; ours were kept",
            display(&st.path)
        ));
    }
    let (skeleton, other) = if theirs_layout {
        (theirs, ours)
    } else {
        (ours, theirs)
    };
    // (skeleton side, other side) -> (ours, theirs)
    fn orient<'v>(
        theirs_layout: bool,
        s: Option<&'v Value>,
        o: Option<&'v Value>,
    ) -> (Option<&'v Value>, Option<&'v Value>) {
        if theirs_layout {
            (o, s)
        } else {
            (s, o)
        }
    }
    let mut out = Branch::new();
    for item in &skeleton.0 {
        match item {
            Item::Comment(c) => out.0.push(Item::Comment(c.clone())),
            Item::Entry(k, v) => {
                let (o, t) = orient(theirs_layout, Some(v), other.get(k));
                if let Some(v) = merge_value(base.get(k), o, t, k, st) {
                    out.0.push(Item::Entry(k.clone(), v));
                }
            }
        }
    }
    let mut pending: Vec<&str> = Vec::new();
    for item in &other.0 {
        match item {
            Item::Comment(c) => pending.push(c),
            Item::Entry(k, v) => {
                let leading = std::mem::take(&mut pending);
                if skeleton.get(k).is_some() {
                    continue;
                }
                let (o, t) = orient(theirs_layout, None, Some(v));
                if let Some(v) = merge_value(base.get(k), o, t, k, st) {
                    // Comment lines that came with the new key, not ones that were already there.
                    for c in leading.into_iter().filter(|c| !cb.contains(c)) {
                        out.0.push(Item::Comment(c.to_string()));
                    }
                    out.0.push(Item::Entry(k.clone(), v));
                }
            }
        }
    }
    out
}

/// The merged value of one key, `None` when it ends up deleted.
fn merge_value(
    base: Option<&Value>,
    ours: Option<&Value>,
    theirs: Option<&Value>,
    key: &str,
    st: &mut State,
) -> Option<Value> {
    if ours == theirs || theirs == base {
        return ours.cloned();
    }
    if ours == base {
        return theirs.cloned();
    }
    st.path.push(Step::Key(key.to_string()));
    let result = match (ours, theirs) {
        (Some(Value::Map(o)), Some(Value::Map(t))) => {
            let empty = Branch::new();
            let b = match base {
                Some(Value::Map(b)) => b,
                _ => &empty,
            };
            Some(Value::Map(merge_branch(b, o, t, st)))
        }
        _ => {
            st.conflicts.push(st.path.clone());
            ours.cloned()
        }
    };
    st.path.pop();
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Value {
        Value::Str(v.into())
    }

    fn map(items: &[(&str, Value)]) -> Branch {
        let mut b = Branch::new();
        for (k, v) in items {
            b.push(*k, v.clone());
        }
        b
    }

    fn keys(p: &[&str]) -> Vec<Step> {
        p.iter().map(|k| Step::Key(k.to_string())).collect()
    }

    fn run(base: Branch, ours: Branch, theirs: Branch) -> Merged {
        merge(&vec![base], &vec![ours], &vec![theirs])
    }

    #[test]
    fn disjoint_changes_merge() {
        let base = map(&[("a", s("1")), ("b", s("2")), ("c", s("3"))]);
        let ours = map(&[("a", s("1x")), ("b", s("2")), ("c", s("3"))]);
        let theirs = map(&[("a", s("1")), ("b", s("2")), ("c", s("3y"))]);
        let m = run(base, ours, theirs);
        assert!(m.conflicts.is_empty());
        assert_eq!(
            m.branches.0[0],
            map(&[("a", s("1x")), ("b", s("2")), ("c", s("3y"))])
        );
    }

    #[test]
    fn same_change_on_both_sides_is_fine() {
        let base = map(&[("a", s("1")), ("l", Value::List(vec![Value::Int(1)]))]);
        let ours = map(&[("a", s("new")), ("l", Value::List(vec![Value::Int(2)]))]);
        let m = run(base, ours.clone(), ours.clone());
        assert!(m.conflicts.is_empty());
        assert_eq!(m.branches.0[0], ours);
    }

    #[test]
    fn different_changes_conflict_by_path() {
        let base = map(&[("a", s("1")), ("b", s("2"))]);
        let ours = map(&[("a", s("ours")), ("b", s("2"))]);
        let theirs = map(&[("a", s("theirs")), ("b", s("2x"))]);
        let m = run(base, ours, theirs);
        assert_eq!(m.conflicts, vec![keys(&["a"])]);
        // Lists are atomic values: any difference in both is one conflict at the list.
        let base = map(&[("l", Value::List(vec![Value::Int(1), Value::Int(2)]))]);
        let ours = map(&[("l", Value::List(vec![Value::Int(0), Value::Int(2)]))]);
        let theirs = map(&[("l", Value::List(vec![Value::Int(1), Value::Int(3)]))]);
        assert_eq!(run(base, ours, theirs).conflicts, vec![keys(&["l"])]);
    }

    #[test]
    fn delete_versus_modify() {
        let base = map(&[("a", s("1")), ("b", s("2"))]);
        // Deleted by ours, modified by theirs.
        let m = run(
            base.clone(),
            map(&[("b", s("2"))]),
            map(&[("a", s("1x")), ("b", s("2"))]),
        );
        assert_eq!(m.conflicts, vec![keys(&["a"])]);
        // Modified by ours, deleted by theirs.
        let m = run(
            base.clone(),
            map(&[("a", s("1x")), ("b", s("2"))]),
            map(&[("b", s("2"))]),
        );
        assert_eq!(m.conflicts, vec![keys(&["a"])]);
        // Deleted by one side, untouched by the other: deleted.
        let m = run(
            base,
            map(&[("a", s("1x")), ("b", s("2"))]),
            map(&[("a", s("1"))]),
        );
        assert!(m.conflicts.is_empty());
        assert_eq!(m.branches.0[0], map(&[("a", s("1x"))]));
    }

    #[test]
    fn keys_added_on_both_sides() {
        let base = map(&[("a", s("1"))]);
        let ours = map(&[("a", s("1")), ("o1", s("x")), ("same", s("s"))]);
        let theirs = map(&[
            ("t1", s("y")),
            ("a", s("1")),
            ("same", s("s")),
            ("t2", s("z")),
        ]);
        let m = run(base.clone(), ours, theirs);
        assert!(m.conflicts.is_empty());
        assert_eq!(
            m.branches.0[0],
            map(&[
                ("a", s("1")),
                ("o1", s("x")),
                ("same", s("s")),
                ("t1", s("y")),
                ("t2", s("z"))
            ])
        );
        // Added on both sides with different values.
        let m = run(
            base,
            map(&[("a", s("1")), ("n", s("p"))]),
            map(&[("a", s("1")), ("n", s("q"))]),
        );
        assert_eq!(m.conflicts, vec![keys(&["n"])]);
        // The file was added on both branches: an empty base.
        let m = merge(
            &vec![],
            &vec![map(&[("x", s("1")), ("y", s("2"))])],
            &vec![map(&[("x", s("1")), ("y", s("3"))])],
        );
        assert_eq!(m.conflicts, vec![keys(&["y"])]);
    }

    #[test]
    fn nested_maps_merge_recursively() {
        let inner = |u: &str, p: &str| Value::Map(map(&[("user", s(u)), ("pass", s(p))]));
        let base = map(&[("db", inner("u", "p"))]);
        let ours = map(&[("db", inner("u2", "p"))]);
        let theirs = map(&[("db", inner("u", "p2"))]);
        let m = run(base.clone(), ours, theirs);
        assert!(m.conflicts.is_empty());
        assert_eq!(m.branches.0[0], map(&[("db", inner("u2", "p2"))]));
        let m = run(
            base,
            map(&[("db", inner("a", "p"))]),
            map(&[("db", inner("b", "p"))]),
        );
        assert_eq!(m.conflicts, vec![keys(&["db", "user"])]);
    }

    #[test]
    fn comments_are_preserved() {
        let c = |t: &str| Item::Comment(t.into());
        let e = |k: &str, v: &str| Item::Entry(k.into(), s(v));
        let base = Branch(vec![c(" top"), e("a", "1"), e("b", "2")]);
        let ours = Branch(vec![c(" top"), e("a", "1x"), c(" ours"), e("b", "2")]);
        let theirs = Branch(vec![
            c(" top"),
            e("a", "1"),
            e("b", "2"),
            c(" new key"),
            e("n", "3"),
        ]);
        let m = run(base.clone(), ours, theirs);
        assert!(m.conflicts.is_empty());
        assert_eq!(
            m.branches.0[0],
            Branch(vec![
                c(" top"),
                e("a", "1x"),
                c(" ours"),
                e("b", "2"),
                c(" new key"),
                e("n", "3")
            ])
        );
        // Only theirs edited a comment: their layout wins, ours' values still merge.
        let ours = Branch(vec![c(" top"), e("a", "1x"), e("b", "2")]);
        let theirs = Branch(vec![c(" top, edited"), e("a", "1"), e("b", "2y")]);
        let m = run(base, ours, theirs);
        assert!(m.conflicts.is_empty() && m.notes.is_empty());
        assert_eq!(
            m.branches.0[0],
            Branch(vec![c(" top, edited"), e("a", "1x"), e("b", "2y")])
        );
    }

    #[test]
    fn document_list_changes() {
        let d = |v: &str| map(&[("k", s(v))]);
        let m = merge(&vec![d("1")], &vec![d("1"), d("2")], &vec![d("1")]);
        assert!(m.conflicts.is_empty());
        assert_eq!(m.branches.0.len(), 2);
        let m = merge(
            &vec![d("1")],
            &vec![d("1"), d("2")],
            &vec![d("1"), d("3"), d("4")],
        );
        assert_eq!(m.conflicts, vec![Vec::<Step>::new()]);
    }
}
