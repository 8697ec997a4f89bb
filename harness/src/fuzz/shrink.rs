//! Shrinking candidates: each is one step simpler than the case (a key or element removed, a
//! string halved, a nesting level skipped, a header edit dropped). The fuzzer tries them in
//! order and keeps the first that still fails the same way, until none does.

use serde_json::{Map, Value};

use super::case::{Body, Case};

/// Candidates for `case`, biggest reductions first.
pub fn candidates(case: &Case) -> Vec<Case> {
    let mut out = Vec::new();
    for i in 0..case.header_edits.len() {
        let mut c = case.clone();
        c.header_edits.remove(i);
        out.push(c);
    }
    match &case.body {
        Body::Json(v) => {
            for smaller in value_candidates(v) {
                let mut c = case.clone();
                c.body = Body::Json(smaller);
                out.push(c);
            }
        }
        Body::Bytes(b) => {
            for smaller in byte_candidates(b) {
                let mut c = case.clone();
                c.body = Body::Bytes(smaller);
                out.push(c);
            }
        }
    }
    out
}

/// Size of a case, to make sure shrinking only ever goes down.
pub fn size(case: &Case) -> usize {
    case.body.bytes().len() + case.header_edits.len() * 16
}

fn byte_candidates(b: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    if b.is_empty() {
        return out;
    }
    let mut chunk = b.len() / 2;
    while chunk >= 1 {
        let mut start = 0;
        while start < b.len() {
            let end = (start + chunk).min(b.len());
            let mut c = b[..start].to_vec();
            c.extend_from_slice(&b[end..]);
            out.push(c);
            start = end;
            if out.len() > 64 {
                return out;
            }
        }
        if chunk == 1 {
            break;
        }
        chunk /= 2;
    }
    out
}

/// One-step simplifications of `v` anywhere inside it.
pub fn value_candidates(v: &Value) -> Vec<Value> {
    let mut out = Vec::new();
    walk(v, &mut Vec::new(), v, &mut out);
    out
}

#[derive(Clone)]
enum Seg {
    Key(String),
    Index(usize),
}

fn get_mut<'a>(root: &'a mut Value, path: &[Seg]) -> Option<&'a mut Value> {
    let mut v = root;
    for s in path {
        v = match (s, v) {
            (Seg::Key(k), Value::Object(m)) => m.get_mut(k)?,
            (Seg::Index(i), Value::Array(a)) => a.get_mut(*i)?,
            _ => return None,
        };
    }
    Some(v)
}

fn with(root: &Value, path: &[Seg], replacement: Value) -> Value {
    let mut r = root.clone();
    if let Some(slot) = get_mut(&mut r, path) {
        *slot = replacement;
    }
    r
}

/// The chain of single-child containers starting at `v`: its length and the nodes along it.
fn chain(v: &Value) -> Vec<&Value> {
    let mut nodes = vec![v];
    let mut cur = v;
    loop {
        let next = match cur {
            Value::Object(m) if m.len() == 1 => m.values().next(),
            Value::Array(a) if a.len() == 1 => a.first(),
            _ => None,
        };
        match next {
            Some(n) if n.is_object() || n.is_array() => {
                nodes.push(n);
                cur = n;
            }
            _ => break,
        }
    }
    nodes
}

/// Below this depth only the chain candidates above reduce a value: bounded recursion, and a
/// few hundred levels need no per-level candidates.
const WALK_DEPTH: usize = 48;

fn walk(root: &Value, path: &mut Vec<Seg>, v: &Value, out: &mut Vec<Value>) {
    if path.len() > WALK_DEPTH {
        return;
    }
    match v {
        Value::Object(m) => {
            // Deep single-child chains: skip half the levels, then one (so a 400-level nest
            // shrinks in a few steps, not 400).
            let c = chain(v);
            if c.len() > 2 {
                out.push(with(root, path, c[c.len() / 2].clone()));
                out.push(with(root, path, c[1].clone()));
            }
            if m.len() > 3 {
                let keep: Map<String, Value> = m
                    .iter()
                    .take(m.len() / 2)
                    .map(|(k, x)| (k.clone(), x.clone()))
                    .collect();
                out.push(with(root, path, Value::Object(keep)));
            }
            // The envelope's `jsonrpc` and `method` stay as they are: a finding about
            // `tools/call` shrunk into one about a method named "" would say less, not more.
            let top = path.is_empty();
            let envelope = |k: &str| top && (k == "jsonrpc" || k == "method");
            for k in m.keys().filter(|k| !envelope(k)) {
                let mut smaller = m.clone();
                smaller.remove(k);
                out.push(with(root, path, Value::Object(smaller)));
            }
            for (k, x) in m.iter().filter(|(k, _)| !envelope(k)) {
                path.push(Seg::Key(k.clone()));
                walk(root, path, x, out);
                path.pop();
            }
        }
        Value::Array(a) => {
            let c = chain(v);
            if c.len() > 2 {
                out.push(with(root, path, c[c.len() / 2].clone()));
                out.push(with(root, path, c[1].clone()));
            }
            if a.len() > 3 {
                out.push(with(root, path, Value::Array(a[..a.len() / 2].to_vec())));
            }
            for i in 0..a.len() {
                let mut smaller = a.clone();
                smaller.remove(i);
                out.push(with(root, path, Value::Array(smaller)));
            }
            for (i, x) in a.iter().enumerate() {
                path.push(Seg::Index(i));
                walk(root, path, x, out);
                path.pop();
            }
        }
        Value::String(s) => {
            let chars: Vec<char> = s.chars().collect();
            if !chars.is_empty() {
                out.push(with(root, path, Value::String(String::new())));
            }
            if chars.len() > 16 {
                // Cutting a quarter, an eighth, a sixteenth: closes in on a length threshold
                // that halving jumps over.
                for cut in [4, 8, 16] {
                    let keep = chars.len() - chars.len() / cut;
                    out.push(with(
                        root,
                        path,
                        Value::String(chars[..keep].iter().collect()),
                    ));
                }
            }
            if chars.len() > 1 {
                let half = chars.len() / 2;
                out.push(with(
                    root,
                    path,
                    Value::String(chars[..half].iter().collect()),
                ));
                out.push(with(
                    root,
                    path,
                    Value::String(chars[half..].iter().collect()),
                ));
            }
            if (2..=16).contains(&chars.len()) {
                for i in 0..chars.len() {
                    let mut c = chars.clone();
                    c.remove(i);
                    out.push(with(root, path, Value::String(c.into_iter().collect())));
                }
            }
        }
        Value::Number(n) if n.as_i64() != Some(0) && n.as_u64() != Some(0) => {
            out.push(with(root, path, Value::from(0)));
        }
        Value::Bool(true) => out.push(with(root, path, Value::Bool(false))),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn candidates_are_smaller_and_cover_removal_and_halving() {
        let v = json!({"a": "abcdef", "b": [1, 2, 3, 4], "c": {"d": {"e": {"f": 1}}}});
        let c = value_candidates(&v);
        let req = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call"});
        assert!(
            value_candidates(&req)
                .iter()
                .all(|x| x["method"] == "tools/call" && x["jsonrpc"] == "2.0")
        );
        assert!(c.contains(&json!({"b": [1, 2, 3, 4], "c": {"d": {"e": {"f": 1}}}})));
        assert!(c.contains(&json!({"a": "abc", "b": [1, 2, 3, 4], "c": {"d": {"e": {"f": 1}}}})));
        assert!(c.contains(&json!({"a": "abcdef", "b": [1, 2], "c": {"d": {"e": {"f": 1}}}})));
        assert!(c.contains(&json!({"a": "abcdef", "b": [1, 2, 3, 4], "c": {"e": {"f": 1}}})));
        let size = serde_json::to_vec(&v).unwrap().len();
        assert!(
            c.iter()
                .all(|x| serde_json::to_vec(x).unwrap().len() <= size)
        );
    }

    #[test]
    fn a_deep_chain_halves() {
        let mut v = json!("leaf");
        for _ in 0..64 {
            v = json!({"a": v});
        }
        let c = value_candidates(&v);
        let depth = |mut x: &Value| {
            let mut d = 0;
            while let Some(n) = x.get("a") {
                x = n;
                d += 1;
            }
            d
        };
        assert_eq!(depth(&c[0]), 32);
    }
}
