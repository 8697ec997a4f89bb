//! Schema-driven mutations: given a message valid against a definition, every single-point
//! change that the definition's own facts (`required`, `type`, `const`, `enum`, `minimum`,
//! `maximum`, `maxItems`, `maxProperties`, `additionalProperties: false`) make invalid.
//!
//! The walk follows the schema and the instance together, and only emits a change where the
//! fact certainly applies to the instance:
//!
//! * `$ref`, `allOf`, `properties`, `additionalProperties` (a schema) and `items` always apply;
//! * `anyOf`, `oneOf` and `not` are not entered (which branch decides is not a fact);
//! * `if` is evaluated on the instance (the conditions of these schemas only use `type`,
//!   `required`, `properties` and `const`; anything else panics) and the taken branch is
//!   entered, but a fact found there is dropped if its change touches what the condition looked
//!   at (the object itself or one of the members its `properties`/`required` name), since the
//!   change could switch branches.
//!
//! Unknown keywords panic, so a schema change that needs a new rule cannot pass silently.

use std::collections::{BTreeSet, HashMap};

use mcpcheck_schemas::{TASKS_SCHEMA_URI, schema, tasks_schema};
use serde_json::{Value, json};

/// The URI under which mcpcheck registers its core schema (what the tasks schema refers to).
pub const CORE_URI: &str = "urn:mcpcheck:schema:2026-07-28";

/// A definition to walk, at `prefix` in the message. Changes at or under a `guards` pointer
/// touch a dispatch key of the message-level validator (e.g. a notification's `method`): they
/// are checked against the definition only.
#[derive(Debug, Clone)]
pub struct Root {
    pub prefix: String,
    pub def: &'static str,
    pub guards: Vec<String>,
}

impl Root {
    pub fn new(prefix: &str, def: &'static str) -> Self {
        Self {
            prefix: prefix.to_owned(),
            def,
            guards: Vec::new(),
        }
    }

    pub fn guarded(mut self, pointer: &str) -> Self {
        self.guards.push(pointer.to_owned());
        self
    }
}

/// The schema fact a change breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Fact {
    Required,
    Type,
    Const,
    Enum,
    Minimum,
    Maximum,
    MaxItems,
    MaxProperties,
    AdditionalProperties,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Edit {
    Remove,
    Replace(Value),
}

/// Where an error must be reported: at `pointer`, and if `mentions` is set, with that member
/// name in its message (a missing member is reported at its parent object).
#[derive(Debug, Clone, PartialEq)]
pub struct Expected {
    pub pointer: String,
    pub mentions: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Site {
    /// Index into the roots passed to [`sites`].
    pub root: usize,
    /// The definition whose keyword states the fact.
    pub def: &'static str,
    pub fact: Fact,
    pub target: String,
    pub edit: Edit,
    pub expected: Vec<Expected>,
    /// Touches a guard of its root: the message-level validator is not asked.
    pub guarded: bool,
}

impl std::fmt::Display for Site {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let edit = match &self.edit {
            Edit::Remove => "remove".to_owned(),
            Edit::Replace(v) => {
                let mut text = format!("replace with {v}");
                if text.len() > 120 {
                    text.truncate(117);
                    text.push_str("...");
                }
                text
            }
        };
        write!(
            f,
            "{:?} of {} at `{}`: {edit}",
            self.fact, self.def, self.target
        )
    }
}

pub fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

#[derive(Debug, Clone, Copy)]
enum Doc {
    Core,
    Tasks,
}

impl Doc {
    fn value(self) -> &'static Value {
        match self {
            Doc::Core => schema(),
            Doc::Tasks => tasks_schema(),
        }
    }
}

/// The document and schema of a definition name (the two documents do not share names).
pub fn definition(name: &str) -> Option<&'static Value> {
    lookup(name).map(|(_, s)| s)
}

fn lookup(name: &str) -> Option<(Doc, &'static Value)> {
    [Doc::Core, Doc::Tasks]
        .into_iter()
        .find_map(|doc| doc.value()["$defs"].get(name).map(|s| (doc, s)))
}

fn resolve(doc: Doc, reference: &str) -> (Doc, &'static str, &'static Value) {
    let (base, fragment) = reference
        .split_once('#')
        .unwrap_or_else(|| panic!("$ref without fragment: {reference}"));
    let doc = match base {
        "" => doc,
        CORE_URI => Doc::Core,
        TASKS_SCHEMA_URI => Doc::Tasks,
        other => panic!("$ref to an unknown document {other}"),
    };
    let name = fragment
        .strip_prefix("/$defs/")
        .filter(|n| !n.contains('/'))
        .unwrap_or_else(|| panic!("unsupported $ref {reference}"));
    let (name, schema) = doc.value()["$defs"]
        .as_object()
        .unwrap()
        .get_key_value(name)
        .unwrap_or_else(|| panic!("$ref to a missing definition {reference}"));
    (doc, name.as_str(), schema)
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(n) if n.as_f64().is_some_and(|f| f.fract() == 0.0) => "integer",
        Value::Number(_) => "number",
    }
}

fn type_names(keyword: &Value) -> Vec<&str> {
    match keyword {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().map(|t| t.as_str().unwrap()).collect(),
        other => panic!("bad `type` {other}"),
    }
}

fn type_allows(names: &[&str], json_type: &str) -> bool {
    names.contains(&json_type) || (json_type == "integer" && names.contains(&"number"))
}

/// Whether `condition` (an `if` subschema) holds for `instance`.
fn holds(condition: &Value, instance: &Value) -> bool {
    let Some(object) = condition.as_object() else {
        return condition.as_bool().expect("boolean schema");
    };
    object
        .iter()
        .all(|(keyword, value)| match keyword.as_str() {
            "type" => type_allows(&type_names(value), json_type(instance)),
            "const" => instance == value,
            "enum" => value.as_array().unwrap().contains(instance),
            "required" => instance.as_object().is_none_or(|o| {
                value
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|k| o.contains_key(k.as_str().unwrap()))
            }),
            "properties" => instance.as_object().is_none_or(|o| {
                value
                    .as_object()
                    .unwrap()
                    .iter()
                    .all(|(k, s)| o.get(k).is_none_or(|v| holds(s, v)))
            }),
            "description" | "$comment" => true,
            other => panic!("the mutation walk cannot evaluate `{other}` in an `if`: teach it"),
        })
}

/// The members an `if` subschema looks at.
fn condition_keys(condition: &Value) -> Vec<String> {
    let mut keys = Vec::new();
    if let Some(properties) = condition.get("properties").and_then(Value::as_object) {
        keys.extend(properties.keys().cloned());
    }
    if let Some(required) = condition.get("required").and_then(Value::as_array) {
        keys.extend(required.iter().map(|k| k.as_str().unwrap().to_owned()));
    }
    keys
}

/// The replacement values for a `type` fact, one per JSON type.
fn type_candidates() -> [Value; 7] {
    [
        Value::Null,
        json!(true),
        json!("mcpcheck: a value of the wrong type"),
        json!(7),
        json!(0.5),
        json!([]),
        json!({}),
    ]
}

/// A value of the same JSON type as `value` but different from it.
fn different(value: &Value) -> Value {
    match value {
        Value::String(s) => Value::String(format!("{s}-mcpcheck")),
        Value::Number(n) => match n.as_i64() {
            Some(i) => json!(i.wrapping_add(1)),
            None => json!(n.as_f64().unwrap() + 1.0),
        },
        Value::Bool(b) => Value::Bool(!b),
        Value::Null => json!(false),
        _ => json!("mcpcheck"),
    }
}

fn integer_only(schema: &serde_json::Map<String, Value>) -> bool {
    schema
        .get("type")
        .map(type_names)
        .is_some_and(|t| t.contains(&"integer") && !t.contains(&"number"))
}

struct Walker<'a> {
    root: usize,
    guards: &'a [String],
    sites: Vec<Site>,
    visited: BTreeSet<&'static str>,
}

/// A conditional branch in force: the object it tested and the members it looked at.
type Condition = (String, Vec<String>);

fn touches(target: &str, (at, keys): &Condition) -> bool {
    target == at
        || keys.iter().any(|k| {
            let member = format!("{at}/{}", escape(k));
            target == member || target.starts_with(&format!("{member}/"))
        })
}

impl Walker<'_> {
    fn emit(
        &mut self,
        conditions: &[Condition],
        def: &'static str,
        fact: Fact,
        target: String,
        edit: Edit,
        expected: Vec<Expected>,
    ) {
        if conditions.iter().any(|c| touches(&target, c)) {
            return;
        }
        let guarded = self
            .guards
            .iter()
            .any(|g| target == *g || target.starts_with(&format!("{g}/")));
        self.sites.push(Site {
            root: self.root,
            def,
            fact,
            target,
            edit,
            expected,
            guarded,
        });
    }

    fn at(pointer: &str) -> Vec<Expected> {
        vec![Expected {
            pointer: pointer.to_owned(),
            mentions: None,
        }]
    }

    #[allow(clippy::too_many_lines)]
    fn walk(
        &mut self,
        doc: Doc,
        def: &'static str,
        schema: &'static Value,
        instance: &Value,
        pointer: &str,
        conditions: &[Condition],
    ) {
        let Some(object) = schema.as_object() else {
            assert!(schema.is_boolean(), "schema is an object or a boolean");
            return;
        };
        for (keyword, value) in object {
            match keyword.as_str() {
                "$ref" => {
                    let (doc, name, target) = resolve(doc, value.as_str().unwrap());
                    self.visited.insert(name);
                    self.walk(doc, name, target, instance, pointer, conditions);
                }
                "allOf" => {
                    for branch in value.as_array().unwrap() {
                        self.walk(doc, def, branch, instance, pointer, conditions);
                    }
                }
                // Not facts: which branch decides depends on the instance. `if` is below.
                "anyOf" | "oneOf" | "not" | "if" | "then" | "else" => {}
                "type" => {
                    let names = type_names(value);
                    for candidate in type_candidates() {
                        if !type_allows(&names, json_type(&candidate)) {
                            self.emit(
                                conditions,
                                def,
                                Fact::Type,
                                pointer.to_owned(),
                                Edit::Replace(candidate),
                                Self::at(pointer),
                            );
                        }
                    }
                }
                "const" => self.emit(
                    conditions,
                    def,
                    Fact::Const,
                    pointer.to_owned(),
                    Edit::Replace(different(value)),
                    Self::at(pointer),
                ),
                "enum" => {
                    let values = value.as_array().unwrap();
                    let outsider = json!("mcpcheck-not-in-the-enum");
                    assert!(!values.contains(&outsider));
                    self.emit(
                        conditions,
                        def,
                        Fact::Enum,
                        pointer.to_owned(),
                        Edit::Replace(outsider),
                        Self::at(pointer),
                    );
                }
                "required" => {
                    for key in value.as_array().unwrap() {
                        let key = key.as_str().unwrap();
                        if instance.get(key).is_none() {
                            continue; // not an object (then `type` says so), or invalid input
                        }
                        let member = format!("{pointer}/{}", escape(key));
                        let expected = vec![
                            Expected {
                                pointer: member.clone(),
                                mentions: None,
                            },
                            Expected {
                                pointer: pointer.to_owned(),
                                mentions: Some(key.to_owned()),
                            },
                        ];
                        self.emit(
                            conditions,
                            def,
                            Fact::Required,
                            member,
                            Edit::Remove,
                            expected,
                        );
                    }
                }
                "properties" => {
                    let Some(members) = instance.as_object() else {
                        continue;
                    };
                    for (key, subschema) in value.as_object().unwrap() {
                        if let Some(member) = members.get(key) {
                            let at = format!("{pointer}/{}", escape(key));
                            self.walk(doc, def, subschema, member, &at, conditions);
                        }
                    }
                }
                "additionalProperties" => {
                    let Some(members) = instance.as_object() else {
                        continue;
                    };
                    let named = object.get("properties").and_then(Value::as_object);
                    if value == &Value::Bool(false) {
                        let key = "mcpcheck-unexpected";
                        let mut widened = members.clone();
                        widened.insert(key.to_owned(), json!(true));
                        let expected = vec![
                            Expected {
                                pointer: pointer.to_owned(),
                                mentions: None,
                            },
                            Expected {
                                pointer: format!("{pointer}/{key}"),
                                mentions: None,
                            },
                        ];
                        self.emit(
                            conditions,
                            def,
                            Fact::AdditionalProperties,
                            pointer.to_owned(),
                            Edit::Replace(Value::Object(widened)),
                            expected,
                        );
                    } else {
                        for (key, member) in members {
                            if named.is_some_and(|n| n.contains_key(key)) {
                                continue;
                            }
                            let at = format!("{pointer}/{}", escape(key));
                            self.walk(doc, def, value, member, &at, conditions);
                        }
                    }
                }
                "items" => {
                    let Some(items) = instance.as_array() else {
                        continue;
                    };
                    for (index, item) in items.iter().enumerate() {
                        let at = format!("{pointer}/{index}");
                        self.walk(doc, def, value, item, &at, conditions);
                    }
                }
                "minimum" | "maximum" => {
                    let below = keyword == "minimum";
                    let replacement = if integer_only(object) {
                        let bound = value.as_i64().expect("integer bound");
                        json!(if below { bound - 1 } else { bound + 1 })
                    } else {
                        let bound = value.as_f64().unwrap();
                        json!(if below { bound - 0.5 } else { bound + 0.5 })
                    };
                    let fact = if below { Fact::Minimum } else { Fact::Maximum };
                    self.emit(
                        conditions,
                        def,
                        fact,
                        pointer.to_owned(),
                        Edit::Replace(replacement),
                        Self::at(pointer),
                    );
                }
                "maxItems" => {
                    let Some(items) = instance.as_array() else {
                        continue;
                    };
                    let limit = usize::try_from(value.as_u64().unwrap()).unwrap();
                    let longer: Vec<Value> = (0..=limit)
                        .map(|i| {
                            if items.is_empty() {
                                json!("mcpcheck")
                            } else {
                                items[i % items.len()].clone()
                            }
                        })
                        .collect();
                    self.emit(
                        conditions,
                        def,
                        Fact::MaxItems,
                        pointer.to_owned(),
                        Edit::Replace(Value::Array(longer)),
                        Self::at(pointer),
                    );
                }
                "maxProperties" => {
                    let Some(members) = instance.as_object() else {
                        continue;
                    };
                    let limit = usize::try_from(value.as_u64().unwrap()).unwrap();
                    let mut wider = members.clone();
                    let mut n = 0;
                    while wider.len() <= limit {
                        wider.insert(format!("mcpcheck-extra-{n}"), json!(n));
                        n += 1;
                    }
                    self.emit(
                        conditions,
                        def,
                        Fact::MaxProperties,
                        pointer.to_owned(),
                        Edit::Replace(Value::Object(wider)),
                        Self::at(pointer),
                    );
                }
                "$comment" | "description" | "title" | "format" | "$schema" | "$id" | "$defs" => {}
                other => {
                    panic!("the mutation walk does not know keyword `{other}` (in {def}): teach it")
                }
            }
        }
        if let Some(condition) = object.get("if") {
            let branch = if holds(condition, instance) {
                object.get("then")
            } else {
                object.get("else")
            };
            if let Some(branch) = branch {
                let mut inner = conditions.to_vec();
                inner.push((pointer.to_owned(), condition_keys(condition)));
                self.walk(doc, def, branch, instance, pointer, &inner);
            }
        }
    }
}

/// Every schema-certain single change of `message` under `roots`, and the definitions the
/// walk went through. A change several roots find is kept once (with the first root), and is
/// guarded only if every root that finds it guards it.
pub fn sites(message: &Value, roots: &[Root]) -> (Vec<Site>, BTreeSet<&'static str>) {
    let mut all: Vec<Site> = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut visited = BTreeSet::new();
    for (index, root) in roots.iter().enumerate() {
        let (doc, schema) =
            lookup(root.def).unwrap_or_else(|| panic!("no definition {}", root.def));
        let instance = message
            .pointer(&root.prefix)
            .unwrap_or_else(|| panic!("root {} is not in the message", root.prefix));
        let mut walker = Walker {
            root: index,
            guards: &root.guards,
            sites: Vec::new(),
            visited: BTreeSet::new(),
        };
        walker.visited.insert(root.def);
        walker.walk(doc, root.def, schema, instance, &root.prefix, &[]);
        for site in walker.sites {
            let key = format!("{}\u{0}{:?}", site.target, site.edit);
            match seen.get(&key) {
                Some(&first) => all[first].guarded &= site.guarded,
                None => {
                    seen.insert(key, all.len());
                    all.push(site);
                }
            }
        }
        visited.extend(walker.visited);
    }
    (all, visited)
}

/// `message` with the change of `site` applied.
pub fn apply(message: &Value, site: &Site) -> Value {
    let mut out = message.clone();
    match &site.edit {
        Edit::Replace(value) => {
            *out.pointer_mut(&site.target).expect("target exists") = value.clone();
        }
        Edit::Remove => {
            let (parent, key) = site.target.rsplit_once('/').expect("a member pointer");
            let removed = out
                .pointer_mut(parent)
                .and_then(Value::as_object_mut)
                .and_then(|o| o.remove(&unescape(key)));
            assert!(removed.is_some(), "{} exists", site.target);
        }
    }
    out
}

/// Whether `errors` (pointers relative to the checked value at `prefix`) report `site`.
pub fn reports(errors: &[mcpcheck_schemas::SchemaError], site: &Site, prefix: &str) -> bool {
    site.expected.iter().any(|expected| {
        let Some(relative) = expected.pointer.strip_prefix(prefix) else {
            return false;
        };
        errors.iter().any(|e| {
            e.pointer == relative
                && expected
                    .mentions
                    .as_ref()
                    .is_none_or(|key| e.message.contains(key.as_str()))
        })
    })
}
