//! Tree paths as sops spells them: `["key"]['key'][0]`.

use crate::error::{Error, Result};
use crate::tree::{Branch, Item, Value};

/// One step of a tree path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// A map key.
    Key(String),
    /// A list index.
    Index(usize),
}

impl std::fmt::Display for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Step::Key(k) => write!(f, "['{k}']"),
            Step::Index(i) => write!(f, "[{i}]"),
        }
    }
}

/// Parses `["a"][0]['b']`. Like sops, the text is split on `[` and every part must end in `]`.
pub fn parse(text: &str) -> Result<Vec<Step>> {
    let mut steps = Vec::new();
    for part in text.split('[') {
        if part.is_empty() {
            continue;
        }
        let Some(inner) = part.strip_suffix(']') else {
            return Err(Error::InvalidTreePath(format!(
                "component {part} doesn't end with ]"
            )));
        };
        let quoted = inner.len() >= 2
            && ((inner.starts_with('"') && inner.ends_with('"'))
                || (inner.starts_with('\'') && inner.ends_with('\'')));
        if quoted {
            steps.push(Step::Key(inner[1..inner.len() - 1].to_string()));
        } else if inner.starts_with(['"', '\'']) {
            return Err(Error::InvalidTreePath(format!(
                "unterminated key in {part}"
            )));
        } else {
            let i: usize = inner.parse().map_err(|_| {
                Error::InvalidTreePath(format!("{inner:?} is neither a quoted key nor an index"))
            })?;
            steps.push(Step::Index(i));
        }
    }
    if steps.is_empty() {
        return Err(Error::InvalidTreePath("empty path".into()));
    }
    Ok(steps)
}

/// Follows `steps` from `branch` (sops' `Truncate`). An index into a map selects its n-th item
/// as `{key, value}`, as sops does.
pub fn lookup(branch: &Branch, steps: &[Step]) -> Result<Value> {
    let mut current = Value::Map(branch.clone());
    for step in steps {
        current = match (step, current) {
            (Step::Key(k), Value::Map(b)) => b
                .get(k)
                .cloned()
                .ok_or_else(|| Error::PathNotFound(step.to_string()))?,
            (Step::Key(_), _) => {
                return Err(Error::PathNotFound(format!(
                    "{step} (the value there is not a map)"
                )))
            }
            (Step::Index(i), Value::List(items)) => items
                .get(*i)
                .cloned()
                .ok_or_else(|| Error::PathNotFound(format!("{step} accesses out of bounds")))?,
            (Step::Index(i), Value::Map(b)) => match b.0.get(*i) {
                Some(Item::Entry(k, v)) => {
                    let mut m = Branch::new();
                    m.push("key", Value::Str(k.clone()));
                    m.push("value", v.clone());
                    Value::Map(m)
                }
                Some(Item::Comment(c)) => {
                    let mut m = Branch::new();
                    m.push(
                        "key",
                        Value::Map(Branch(vec![Item::Entry(
                            "value".into(),
                            Value::Str(c.clone()),
                        )])),
                    );
                    m.push("value", Value::Null);
                    Value::Map(m)
                }
                None => {
                    return Err(Error::PathNotFound(format!(
                        "{step} accesses out of bounds"
                    )))
                }
            },
            (Step::Index(_), _) => {
                return Err(Error::PathNotFound(format!(
                    "{step} is an index, but the value there is not a list"
                )))
            }
        };
    }
    Ok(current)
}

/// Sets the value at `steps`, creating missing maps on the way (sops' `Set`). An index past
/// the end of a list appends; an index into something that is not a list replaces it with a
/// one-element list.
pub fn set(branch: &mut Branch, steps: &[Step], value: Value) -> Result<()> {
    let Some((first, rest)) = steps.split_first() else {
        return Err(Error::InvalidTreePath("empty path".into()));
    };
    let Step::Key(key) = first else {
        return Err(Error::InvalidTreePath(format!(
            "{first}: the top level is a map, the first step must be a key"
        )));
    };
    if branch.get(key).is_none() {
        branch.push(key.clone(), Value::Null);
    }
    let slot = branch.get_mut(key).expect("just inserted");
    set_in(slot, rest, value);
    Ok(())
}

fn set_in(slot: &mut Value, steps: &[Step], value: Value) {
    let Some((step, rest)) = steps.split_first() else {
        *slot = value;
        return;
    };
    match step {
        Step::Key(k) => {
            if !matches!(slot, Value::Map(_)) {
                *slot = Value::Map(Branch::new());
            }
            let Value::Map(b) = slot else {
                unreachable!("made a map above")
            };
            if b.get(k).is_none() {
                b.push(k.clone(), Value::Null);
            }
            set_in(b.get_mut(k).expect("just inserted"), rest, value);
        }
        Step::Index(i) => {
            if !matches!(slot, Value::List(_)) {
                *slot = Value::List(Vec::new());
            }
            let Value::List(items) = slot else {
                unreachable!("made a list above")
            };
            let at = (*i).min(items.len());
            if at == items.len() {
                items.push(Value::Null);
            }
            set_in(&mut items[at], rest, value);
        }
    }
}

/// Removes the key or list item at `steps` (sops' `Unset`). Comments stay where they were.
pub fn unset(branch: &mut Branch, steps: &[Step]) -> Result<()> {
    let Some((last, parents)) = steps.split_last() else {
        return Err(Error::InvalidTreePath("empty path".into()));
    };
    // Work on the branch as a map value, and always put it back.
    let mut root = Value::Map(std::mem::take(branch));
    let removed = unset_in(&mut root, parents, last);
    let Value::Map(b) = root else {
        unreachable!("root stays a map")
    };
    *branch = b;
    if removed {
        Ok(())
    } else {
        Err(Error::PathNotFound(
            steps.iter().map(Step::to_string).collect(),
        ))
    }
}

fn unset_in(current: &mut Value, parents: &[Step], last: &Step) -> bool {
    if let Some((step, rest)) = parents.split_first() {
        let next = match (step, current) {
            (Step::Key(k), Value::Map(b)) => b.get_mut(k),
            (Step::Index(i), Value::List(items)) => items.get_mut(*i),
            _ => None,
        };
        return next.is_some_and(|v| unset_in(v, rest, last));
    }
    match (last, current) {
        (Step::Key(k), Value::Map(b)) => b.remove_all(k),
        (Step::Index(i), Value::List(items)) if *i < items.len() => {
            items.remove(*i);
            true
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_creates_and_replaces() {
        let mut b = Branch::new();
        set(&mut b, &parse(r#"["a"]["b"]"#).unwrap(), Value::Int(1)).unwrap();
        set(
            &mut b,
            &parse(r#"["a"]["c"][5]"#).unwrap(),
            Value::Bool(true),
        )
        .unwrap();
        set(&mut b, &parse(r#"["a"]["b"]"#).unwrap(), Value::Int(2)).unwrap();
        assert_eq!(
            lookup(&b, &parse(r#"["a"]["b"]"#).unwrap()).unwrap(),
            Value::Int(2)
        );
        assert_eq!(
            lookup(&b, &parse(r#"["a"]["c"]"#).unwrap()).unwrap(),
            Value::List(vec![Value::Bool(true)])
        );
        assert!(set(&mut b, &parse("[0]").unwrap(), Value::Null).is_err());
    }

    #[test]
    fn unset_removes_keys_and_items() {
        let mut b = Branch::new();
        set(&mut b, &parse(r#"["a"]["b"]"#).unwrap(), Value::Int(1)).unwrap();
        set(&mut b, &parse(r#"["a"]["l"][0]"#).unwrap(), Value::Int(1)).unwrap();
        set(&mut b, &parse(r#"["a"]["l"][1]"#).unwrap(), Value::Int(2)).unwrap();
        unset(&mut b, &parse(r#"["a"]["l"][0]"#).unwrap()).unwrap();
        assert_eq!(
            lookup(&b, &parse(r#"["a"]["l"]"#).unwrap()).unwrap(),
            Value::List(vec![Value::Int(2)])
        );
        unset(&mut b, &parse(r#"["a"]["b"]"#).unwrap()).unwrap();
        assert!(unset(&mut b, &parse(r#"["a"]["b"]"#).unwrap()).is_err());
        assert!(unset(&mut b, &parse(r#"["x"]["y"]"#).unwrap()).is_err());
        unset(&mut b, &parse(r#"["a"]"#).unwrap()).unwrap();
        assert!(b.is_empty());
    }

    #[test]
    fn parsing() {
        assert_eq!(
            parse(r#"["a"]['b'][0]"#).unwrap(),
            vec![Step::Key("a".into()), Step::Key("b".into()), Step::Index(0)]
        );
        assert!(parse("[a]").is_err());
        assert!(parse(r#"["a""#).is_err());
        assert!(parse("").is_err());
    }

    #[test]
    fn lookups() {
        let mut inner = Branch::new();
        inner.push("user", Value::Str("u".into()));
        let mut b = Branch::new();
        b.push("db", Value::Map(inner));
        b.push("l", Value::List(vec![Value::Int(1)]));
        assert_eq!(
            lookup(&b, &parse(r#"["db"]["user"]"#).unwrap()).unwrap(),
            Value::Str("u".into())
        );
        assert_eq!(
            lookup(&b, &parse(r#"["l"][0]"#).unwrap()).unwrap(),
            Value::Int(1)
        );
        assert!(lookup(&b, &parse(r#"["l"][5]"#).unwrap()).is_err());
        assert!(lookup(&b, &parse(r#"["nope"]"#).unwrap()).is_err());
        let Value::Map(m) = lookup(&b, &parse(r#"["db"][0]"#).unwrap()).unwrap() else {
            panic!()
        };
        assert_eq!(m.keys().collect::<Vec<_>>(), ["key", "value"]);
    }
}
