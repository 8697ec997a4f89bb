//! Request generation from what the server declares: its methods (capabilities of
//! `server/discover`), each tool's `inputSchema`, its prompts' arguments and its resources,
//! plus protocol-level mutations of otherwise valid requests.

use serde_json::{Map, Value, json};

use super::case::{Body, Case};
use super::rng::Rng;
use crate::engine::Profile;
use mcpcheck_schemas::REVISION;

/// What the generator may aim at, read once from the server's declarations.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// Tools that may be called with generated arguments, with their `inputSchema`.
    pub tools: Vec<(String, Value)>,
    /// Tools listed but not called (not annotated read-only, without `--allow-tool-calls`).
    pub skipped_tools: Vec<String>,
    /// Prompts: name and (argument name, required).
    pub prompts: Vec<(String, Vec<(String, bool)>)>,
    pub resources: Vec<String>,
    pub templates: Vec<String>,
    /// List methods the server declares.
    pub lists: Vec<&'static str>,
    pub tasks: bool,
    pub completions: bool,
    pub client_name: String,
    /// stdio: only well-formed requests (an answer to a request whose id the server cannot
    /// read cannot be told apart on a pipe), nested at most 100 levels (deeper is often a
    /// parse error, which comes back without an id).
    pub stdio: bool,
}

impl Plan {
    pub fn from_profile(profile: &Profile, allow_tool_calls: bool) -> Plan {
        let mut plan = Plan {
            client_name: "mcpcheck-fuzz".into(),
            ..Plan::default()
        };
        for t in profile.tools.items.iter().flatten() {
            let Some(name) = t.get("name").and_then(Value::as_str) else {
                continue;
            };
            let read_only = t.pointer("/annotations/readOnlyHint") == Some(&Value::Bool(true));
            if read_only || allow_tool_calls {
                let schema = t
                    .get("inputSchema")
                    .cloned()
                    .unwrap_or(json!({"type": "object"}));
                plan.tools.push((name.to_string(), schema));
            } else {
                plan.skipped_tools.push(name.to_string());
            }
        }
        for p in profile.prompts.items.iter().flatten() {
            let Some(name) = p.get("name").and_then(Value::as_str) else {
                continue;
            };
            let args = p
                .get("arguments")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|x| {
                            Some((
                                x.get("name")?.as_str()?.to_string(),
                                x.get("required") == Some(&Value::Bool(true)),
                            ))
                        })
                        .collect()
                })
                .unwrap_or_default();
            plan.prompts.push((name.to_string(), args));
        }
        for r in profile.resources.items.iter().flatten() {
            if let Some(u) = r.get("uri").and_then(Value::as_str) {
                plan.resources.push(u.to_string());
            }
        }
        for r in profile.templates.items.iter().flatten() {
            if let Some(u) = r.get("uriTemplate").and_then(Value::as_str) {
                plan.templates.push(u.to_string());
            }
        }
        let has = |c: &str| profile.has_capability(c) == Some(true);
        if has("tools") {
            plan.lists.push("tools/list");
        }
        if has("prompts") {
            plan.lists.push("prompts/list");
        }
        if has("resources") {
            plan.lists.push("resources/list");
            plan.lists.push("resources/templates/list");
        }
        plan.completions = has("completions");
        plan.tasks = profile
            .capabilities()
            .and_then(|c| c.get("extensions"))
            .and_then(|e| e.get(mcpcheck_schemas::TASKS_EXTENSION))
            .is_some();
        plan
    }
}

/// Characters that break naive string handling: bidi controls, joiners, BOM, NUL, astral
/// emoji, noncharacters, combining marks, line separators, replacement character.
const UNICODE: &[&str] = &[
    "\u{202E}",
    "\u{200D}",
    "\u{FEFF}",
    "\u{0000}",
    "\u{1F600}",
    "\u{10FFFF}",
    "e\u{0301}",
    "\u{FFFD}",
    "\u{2028}",
    "\u{0085}",
    "\u{FFFF}",
    "\u{E000}",
    "한국어",
    "中文",
    "\u{0644}\u{0639}",
    "\u{1F469}\u{200D}\u{1F4BB}",
    "\u{0007}",
    "\\",
    "\"",
    "Ω",
];

/// Strings that mean something to someone: paths, templates, encodings, injections.
const TRICKY: &[&str] = &[
    "",
    " ",
    "../../../../etc/passwd",
    "%2e%2e%2f%2e%2e%2f",
    "file:///etc/passwd",
    "test://static-text/../../x",
    "=?base64?AAAA?=",
    "=?base64?!!?=",
    "{{7*7}}",
    "' OR '1'='1",
    "<script>alert(1)</script>",
    "null",
    "true",
    "-1",
    "1e309",
    "2026-13-45",
    "9999-12-31",
    "\r\n",
    "\t",
];

pub fn unicode_string(rng: &mut Rng) -> String {
    let n = rng.range(1, 6);
    let mut s = String::new();
    for _ in 0..n {
        if rng.chance(30) {
            s.push_str(&short_ascii(rng));
        }
        s.push_str(rng.pick::<&str>(UNICODE));
    }
    s
}

fn short_ascii(rng: &mut Rng) -> String {
    const ALPHA: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789_-";
    let n = rng.range(1, 12);
    (0..n).map(|_| *rng.pick(ALPHA) as char).collect()
}

/// 16 KiB to 256 KiB.
pub fn huge_string(rng: &mut Rng) -> String {
    let unit = short_ascii(rng);
    let len = (16 * 1024) << rng.below(5);
    let mut s = String::with_capacity(len + unit.len());
    while s.len() < len {
        s.push_str(&unit);
    }
    s.truncate(len);
    s
}

/// `{"a": {"a": ...}}` or `[[...]]`, 20 to `max` levels deep, around `leaf`.
pub fn deep(rng: &mut Rng, leaf: Value, max: usize) -> Value {
    let depth = rng.range(20, max);
    let arrays = rng.chance(40);
    let mut v = leaf;
    for _ in 0..depth {
        v = if arrays {
            Value::Array(vec![v])
        } else {
            let mut m = Map::new();
            m.insert("a".into(), v);
            Value::Object(m)
        };
    }
    v
}

/// A string in one of the fuzzing styles.
pub fn any_string(rng: &mut Rng) -> String {
    match rng.weighted(&[40, 25, 25, 3]) {
        0 => short_ascii(rng),
        1 => unicode_string(rng),
        2 => rng.pick::<&str>(TRICKY).to_string(),
        _ => huge_string(rng),
    }
}

const BOUNDARY_INTS: &[i64] = &[
    0,
    -1,
    1,
    i64::MAX,
    i64::MIN,
    9_007_199_254_740_993,
    -9_007_199_254_740_993,
    2_147_483_648,
    -2_147_483_649,
];

fn boundary_number(rng: &mut Rng) -> Value {
    match rng.below(5) {
        0 => json!(u64::MAX),
        1 => json!(1e308),
        2 => json!(-0.5),
        3 => json!(5e-324),
        _ => json!(*rng.pick(BOUNDARY_INTS)),
    }
}

/// Any JSON value, up to `depth` levels.
pub fn any_value(rng: &mut Rng, depth: usize) -> Value {
    let kinds: &[u32] = if depth == 0 {
        &[10, 10, 10, 30, 0, 0]
    } else {
        &[10, 10, 10, 30, 15, 15]
    };
    match rng.weighted(kinds) {
        0 => Value::Null,
        1 => Value::Bool(rng.chance(50)),
        2 => boundary_number(rng),
        3 => Value::String(any_string(rng)),
        4 => Value::Array(
            (0..rng.below(4))
                .map(|_| any_value(rng, depth - 1))
                .collect(),
        ),
        _ => {
            let mut m = Map::new();
            for _ in 0..rng.below(4) {
                m.insert(any_key(rng), any_value(rng, depth - 1));
            }
            Value::Object(m)
        }
    }
}

fn any_key(rng: &mut Rng) -> String {
    match rng.below(4) {
        0 => unicode_string(rng),
        1 => rng.pick::<&str>(TRICKY).to_string(),
        _ => short_ascii(rng),
    }
}

/// How arguments are made from a schema.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ArgStyle {
    Valid,
    Invalid,
    Boundary,
    Unicode,
    Deep,
    Huge,
    Extra,
}

impl ArgStyle {
    pub fn name(self) -> &'static str {
        match self {
            ArgStyle::Valid => "valid arguments",
            ArgStyle::Invalid => "invalid arguments",
            ArgStyle::Boundary => "boundary values",
            ArgStyle::Unicode => "unicode strings",
            ArgStyle::Deep => "deeply nested arguments",
            ArgStyle::Huge => "a huge string",
            ArgStyle::Extra => "unknown extra arguments",
        }
    }

    fn pick(rng: &mut Rng) -> ArgStyle {
        [
            ArgStyle::Valid,
            ArgStyle::Invalid,
            ArgStyle::Boundary,
            ArgStyle::Unicode,
            ArgStyle::Deep,
            ArgStyle::Huge,
            ArgStyle::Extra,
        ][rng.weighted(&[30, 20, 15, 15, 6, 4, 10])]
    }
}

fn schema_types(schema: &Value) -> Vec<String> {
    match schema.get("type") {
        Some(Value::String(t)) => vec![t.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .map(String::from)
            .collect(),
        _ => Vec::new(),
    }
}

/// A value for `schema` in `style` (valid-looking for Valid, Unicode, Boundary; the others
/// are shaped by the caller).
pub fn value_for(rng: &mut Rng, schema: &Value, style: ArgStyle, depth: usize) -> Value {
    if let Some(Value::Array(options)) = schema.get("enum")
        && !options.is_empty()
        && style == ArgStyle::Valid
    {
        return rng.pick(options).clone();
    }
    if let Some(c) = schema.get("const")
        && style == ArgStyle::Valid
    {
        return c.clone();
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(Value::Array(options)) = schema.get(key)
            && !options.is_empty()
        {
            let pick = rng.pick(options).clone();
            return value_for(rng, &pick, style, depth);
        }
    }
    let types = schema_types(schema);
    let ty = if types.is_empty() {
        if schema.get("properties").is_some() {
            "object".to_string()
        } else {
            ["string", "integer", "boolean", "object"][rng.below(4)].to_string()
        }
    } else {
        rng.pick(&types).clone()
    };
    match ty.as_str() {
        "string" => Value::String(match style {
            ArgStyle::Unicode => unicode_string(rng),
            ArgStyle::Boundary => {
                let max = schema.get("maxLength").and_then(Value::as_u64);
                let min = schema.get("minLength").and_then(Value::as_u64);
                match (max, min, rng.below(3)) {
                    (Some(m), _, 0) => "x".repeat((m as usize + 1).min(1 << 20)),
                    (_, Some(m), 1) => "x".repeat((m as usize).saturating_sub(1)),
                    _ => rng.pick::<&str>(TRICKY).to_string(),
                }
            }
            _ => match schema.get("format").and_then(Value::as_str) {
                Some("date") => format!(
                    "20{:02}-0{}-1{}",
                    rng.range(27, 99),
                    rng.range(1, 9),
                    rng.below(9)
                ),
                Some("uri") => "test://static-text".into(),
                _ => short_ascii(rng),
            },
        }),
        "integer" | "number" => {
            if style == ArgStyle::Boundary || rng.chance(10) {
                let edge = |k: &str| schema.get(k).and_then(Value::as_f64);
                match (edge("minimum"), edge("maximum"), rng.below(3)) {
                    (Some(m), _, 0) => json!(m as i64 - 1),
                    (_, Some(m), 1) => json!(m as i64 + 1),
                    _ => boundary_number(rng),
                }
            } else {
                json!(rng.below(100) as i64)
            }
        }
        "boolean" => Value::Bool(rng.chance(50)),
        "null" => Value::Null,
        "array" => {
            let items = schema.get("items").cloned().unwrap_or(json!({}));
            let n = if depth > 4 { 0 } else { rng.below(4) };
            Value::Array(
                (0..n)
                    .map(|_| value_for(rng, &items, style, depth + 1))
                    .collect(),
            )
        }
        _ => object_for(rng, schema, style, depth),
    }
}

fn object_for(rng: &mut Rng, schema: &Value, style: ArgStyle, depth: usize) -> Value {
    let mut m = Map::new();
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if let Some(Value::Object(props)) = schema.get("properties")
        && depth <= 6
    {
        for (k, sub) in props {
            if required.contains(&k.as_str()) || rng.chance(60) {
                m.insert(k.clone(), value_for(rng, sub, style, depth + 1));
            }
        }
    }
    Value::Object(m)
}

/// Arguments for a tool or prompt: a schema-shaped object, then changed as the style says.
pub fn arguments(rng: &mut Rng, schema: &Value, style: ArgStyle, max_depth: usize) -> Value {
    let mut args = match style {
        ArgStyle::Invalid | ArgStyle::Deep | ArgStyle::Huge | ArgStyle::Extra => {
            value_for(rng, schema, ArgStyle::Valid, 0)
        }
        s => value_for(rng, schema, s, 0),
    };
    if !args.is_object() {
        args = json!({});
    }
    let obj = args.as_object_mut().expect("object");
    let keys: Vec<String> = schema
        .get("properties")
        .and_then(Value::as_object)
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default();
    let target = if keys.is_empty() || rng.chance(25) {
        any_key(rng)
    } else {
        rng.pick(&keys).clone()
    };
    match style {
        ArgStyle::Invalid => match rng.below(4) {
            // Wrong type for a declared property.
            0 => {
                let v = match obj.get(&target) {
                    Some(Value::String(_)) => json!(rng.below(1000)),
                    Some(Value::Number(_)) => json!("not a number"),
                    Some(Value::Bool(_)) => json!("true"),
                    _ => json!([1, "two", null]),
                };
                obj.insert(target, v);
            }
            // A required property removed (all of them, or the first).
            1 => {
                if let Some(Value::Array(req)) = schema.get("required")
                    && let Some(Value::String(k)) = req.first()
                {
                    obj.remove(k);
                } else {
                    obj.clear();
                }
            }
            2 => {
                obj.insert(target, Value::Null);
            }
            _ => {
                return any_value(rng, 2);
            }
        },
        ArgStyle::Deep => {
            let leaf = Value::String(short_ascii(rng));
            obj.insert(target, deep(rng, leaf, max_depth));
        }
        ArgStyle::Huge => {
            obj.insert(target, Value::String(huge_string(rng)));
        }
        ArgStyle::Extra => {
            for _ in 0..rng.range(1, 4) {
                obj.insert(any_key(rng), any_value(rng, 2));
            }
        }
        _ => {}
    }
    args
}

/// The `_meta` of a valid request.
pub fn baseline_meta(client_name: &str, tasks: bool) -> Value {
    let mut caps = json!({});
    if tasks {
        caps = json!({"extensions": {mcpcheck_schemas::TASKS_EXTENSION: {}}});
    }
    json!({
        "io.modelcontextprotocol/protocolVersion": REVISION,
        "io.modelcontextprotocol/clientCapabilities": caps,
        "io.modelcontextprotocol/clientInfo": {"name": client_name, "version": env!("CARGO_PKG_VERSION")},
    })
}

fn request(index: u64, method: &str, mut params: Map<String, Value>, meta: Value) -> Value {
    params.insert("_meta".into(), meta);
    json!({"jsonrpc": "2.0", "id": index as i64 + 1, "method": method, "params": params})
}

/// Request `index` of the campaign with `seed`.
pub fn generate(plan: &Plan, seed: u64, index: u64) -> Case {
    let mut rng = Rng::for_case(seed, index);
    let (label, method, params) = valid_base(plan, &mut rng);
    let meta = baseline_meta(&plan.client_name, plan.tasks);
    let body = request(index, &method, params, meta);
    let mut case = Case {
        index,
        label,
        body: Body::Json(body),
        headers_for: Some(method),
        header_edits: Vec::new(),
    };
    // Most requests are valid in their envelope and differ in what they ask; the rest get one
    // protocol-level mutation.
    if rng.chance(35) {
        let base = case.clone();
        mutate(&mut rng, &mut case, plan);
        if plan.stdio && !case.is_well_formed_request() {
            case = base;
        }
    }
    case
}

impl Plan {
    fn max_depth(&self) -> usize {
        if self.stdio { 100 } else { 400 }
    }
}

/// A request the server declares it serves, with generated parameters.
fn valid_base(plan: &Plan, rng: &mut Rng) -> (String, String, Map<String, Value>) {
    let weights = [
        if plan.tools.is_empty() { 0 } else { 40 },
        if plan.prompts.is_empty() { 0 } else { 10 },
        if plan.resources.is_empty() && plan.templates.is_empty() {
            0
        } else {
            10
        },
        if plan.lists.is_empty() { 0 } else { 12 },
        5,
        if plan.tasks { 5 } else { 0 },
        if plan.completions { 3 } else { 0 },
        6,
    ];
    let mut params = Map::new();
    match rng.weighted(&weights) {
        0 => {
            let (name, schema) = rng.pick(&plan.tools).clone();
            let style = ArgStyle::pick(rng);
            params.insert("name".into(), json!(name));
            params.insert(
                "arguments".into(),
                arguments(rng, &schema, style, plan.max_depth()),
            );
            mrtr_fields(rng, &mut params);
            (
                format!("tools/call {name}: {}", style.name()),
                "tools/call".into(),
                params,
            )
        }
        1 => {
            let (name, args) = rng.pick(&plan.prompts).clone();
            let style = ArgStyle::pick(rng);
            let schema = json!({
                "type": "object",
                "properties": args.iter().map(|(a, _)| (a.clone(), json!({"type": "string"}))).collect::<Map<_, _>>(),
                "required": args.iter().filter(|(_, r)| *r).map(|(a, _)| a.clone()).collect::<Vec<_>>(),
            });
            params.insert("name".into(), json!(name));
            params.insert(
                "arguments".into(),
                arguments(rng, &schema, style, plan.max_depth()),
            );
            mrtr_fields(rng, &mut params);
            (
                format!("prompts/get {name}: {}", style.name()),
                "prompts/get".into(),
                params,
            )
        }
        2 => {
            let mut uris = plan.resources.clone();
            uris.extend(plan.templates.iter().map(|t| expand_template(rng, t)));
            let base = rng.pick(&uris).clone();
            let (how, uri) = match rng.below(5) {
                0 => ("as listed", base),
                1 => ("traversal", format!("{base}/../../../etc/passwd")),
                2 => ("unicode", format!("{base}{}", unicode_string(rng))),
                3 => ("tricky", rng.pick::<&str>(TRICKY).to_string()),
                _ => ("suffix", format!("{base}{}", any_string(rng))),
            };
            params.insert("uri".into(), json!(uri));
            mrtr_fields(rng, &mut params);
            (
                format!("resources/read: {how} uri"),
                "resources/read".into(),
                params,
            )
        }
        3 => {
            let method = *rng.pick(&plan.lists);
            let how = match rng.below(4) {
                0 => "no cursor",
                1 => {
                    params.insert("cursor".into(), json!(any_string(rng)));
                    "fuzzed cursor"
                }
                2 => {
                    params.insert("cursor".into(), any_value(rng, 1));
                    "cursor of any type"
                }
                _ => {
                    params.insert(any_key(rng), any_value(rng, 2));
                    "extra params"
                }
            };
            (format!("{method}: {how}"), method.into(), params)
        }
        4 => ("server/discover".into(), "server/discover".into(), params),
        5 => {
            let method = *rng.pick(&["tasks/get", "tasks/update", "tasks/cancel"]);
            let id = match rng.below(3) {
                0 => json!(any_string(rng)),
                1 => any_value(rng, 1),
                _ => json!(uuid_like(rng)),
            };
            params.insert("taskId".into(), id);
            if method == "tasks/update" && rng.chance(50) {
                params.insert("inputResponses".into(), any_value(rng, 2));
            }
            (
                format!("{method}: unknown or malformed taskId"),
                method.into(),
                params,
            )
        }
        6 => {
            params.insert(
                "ref".into(),
                json!({"type": "ref/prompt", "name": plan.prompts.first().map(|p| p.0.clone()).unwrap_or_default()}),
            );
            params.insert(
                "argument".into(),
                json!({"name": any_string(rng), "value": any_string(rng)}),
            );
            (
                "completion/complete: fuzzed argument".into(),
                "completion/complete".into(),
                params,
            )
        }
        _ => {
            let method = match rng.below(4) {
                0 => "initialize".to_string(),
                1 => "ping".to_string(),
                2 => format!("{}/{}", short_ascii(rng), short_ascii(rng)),
                _ => any_string(rng),
            };
            (format!("unknown method {method:?}"), method, params)
        }
    }
}

fn uuid_like(rng: &mut Rng) -> String {
    let a = rng.next_u64();
    let b = rng.next_u64();
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        b >> 52,
        b & 0xffff_ffff_ffff
    )
}

fn expand_template(rng: &mut Rng, template: &str) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(i) = rest.find('{') {
        out.push_str(&rest[..i]);
        match rest[i..].find('}') {
            Some(j) => {
                out.push_str(&any_string(rng));
                rest = &rest[i + j + 1..];
            }
            None => {
                rest = &rest[i..];
                break;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Multi round-trip fields from nowhere: a `requestState` the server never issued, and
/// `inputResponses` it never asked for.
fn mrtr_fields(rng: &mut Rng, params: &mut Map<String, Value>) {
    if rng.chance(8) {
        let state = match rng.below(3) {
            0 => any_string(rng),
            1 => format!("{}.{}", uuid_like(rng), uuid_like(rng)),
            _ => "eyJ2IjoxfQ.AAAA".to_string(),
        };
        params.insert("requestState".into(), json!(state));
    }
    if rng.chance(8) {
        let mut answers = Map::new();
        answers.insert(
            short_ascii(rng),
            json!({"action": "accept", "content": any_value(rng, 2)}),
        );
        params.insert("inputResponses".into(), Value::Object(answers));
    }
}

const META_PV: &str = "io.modelcontextprotocol/protocolVersion";
const META_CC: &str = "io.modelcontextprotocol/clientCapabilities";

/// One protocol-level mutation: `_meta`, headers, id, envelope, encoding or size.
fn mutate(rng: &mut Rng, case: &mut Case, plan: &Plan) {
    let Body::Json(body) = &mut case.body else {
        return;
    };
    let what = match rng.weighted(&[20, 20, 15, 15, 15, 1, 6]) {
        0 => {
            let meta = body
                .pointer_mut("/params/_meta")
                .and_then(Value::as_object_mut);
            let Some(meta) = meta else { return };
            match rng.below(7) {
                0 => {
                    meta.remove(META_PV);
                    "_meta without protocolVersion"
                }
                1 => {
                    meta.remove(META_CC);
                    "_meta without clientCapabilities"
                }
                2 => {
                    let v = match rng.below(4) {
                        0 => json!("2025-06-18"),
                        1 => json!(any_string(rng)),
                        2 => any_value(rng, 1),
                        _ => json!("2026-07-28 "),
                    };
                    meta.insert(META_PV.into(), v);
                    "_meta protocolVersion changed"
                }
                3 => {
                    meta.insert(META_CC.into(), any_value(rng, 3));
                    "_meta clientCapabilities of any shape"
                }
                4 => {
                    for _ in 0..rng.range(1, 3) {
                        meta.insert(any_key(rng), any_value(rng, 2));
                    }
                    "_meta with extra keys"
                }
                5 => {
                    let v = any_value(rng, 1);
                    if let Some(p) = body.get_mut("params").and_then(Value::as_object_mut) {
                        p.insert("_meta".into(), v);
                    }
                    "_meta of any type"
                }
                _ => {
                    if let Some(p) = body.get_mut("params").and_then(Value::as_object_mut) {
                        p.remove("_meta");
                    }
                    "no _meta"
                }
            }
        }
        1 => {
            let names = [
                "MCP-Protocol-Version",
                "Mcp-Method",
                "Mcp-Name",
                "Content-Type",
                "Accept",
            ];
            let name = (*rng.pick(&names)).to_string();
            let value = match rng.below(4) {
                0 => None,
                1 => Some(header_safe(&any_string(rng))),
                2 => Some(
                    rng.pick(&[
                        "2025-06-18",
                        "text/html",
                        "tools/list",
                        "=?base64?%%%?=",
                        "application/json; charset=latin1",
                    ])
                    .to_string(),
                ),
                _ => Some(format!("{}\u{e9}", short_ascii(rng))),
            };
            let what = if value.is_some() {
                "header changed"
            } else {
                "header removed"
            };
            case.header_edits.push((name, value));
            what
        }
        2 => {
            let id = match rng.below(10) {
                0 => json!(""),
                1 => json!(unicode_string(rng)),
                2 => json!(i64::MAX),
                3 => json!(u64::MAX),
                4 => json!(-1),
                5 => json!(9_007_199_254_740_993_i64),
                6 => json!(1.5),
                7 => Value::Null,
                8 => any_value(rng, 1),
                _ => json!(huge_string(rng)),
            };
            body["id"] = id;
            "id changed"
        }
        3 => {
            let o = body.as_object_mut().expect("request object");
            match rng.below(8) {
                0 => {
                    o.remove("jsonrpc");
                }
                1 => {
                    o.insert("jsonrpc".into(), any_value(rng, 0));
                }
                2 => {
                    o.insert("method".into(), any_value(rng, 1));
                }
                3 => {
                    o.insert("params".into(), any_value(rng, 1));
                }
                4 => {
                    o.remove("id");
                }
                5 => {
                    o.insert(["result", "error"][rng.below(2)].into(), any_value(rng, 1));
                }
                6 => {
                    o.insert(any_key(rng), any_value(rng, 2));
                }
                _ => {
                    let single = body.clone();
                    *body = json!([single]);
                }
            }
            "envelope changed"
        }
        4 => {
            let mut bytes = serde_json::to_vec(body).unwrap_or_default();
            let what = match rng.below(6) {
                0 => {
                    let at = rng.below(bytes.len() + 1);
                    bytes.truncate(at);
                    "truncated body"
                }
                1 => {
                    bytes.splice(0..0, [0xEF, 0xBB, 0xBF]);
                    "byte order mark"
                }
                2 => {
                    // Invalid UTF-8 inside the first string value.
                    if let Some(at) = bytes.iter().position(|b| *b == b'"') {
                        bytes.splice(at + 1..at + 1, [0xC3, 0x28, 0xFF]);
                    }
                    "invalid UTF-8"
                }
                3 => {
                    bytes.extend_from_slice(b"}garbage");
                    "trailing garbage"
                }
                4 => {
                    let at = rng.below(bytes.len() + 1);
                    bytes.insert(at, *rng.pick(b"{}[]\",:\0\\"));
                    "one byte inserted"
                }
                _ => {
                    bytes.clear();
                    "empty body"
                }
            };
            case.body = Body::Bytes(bytes);
            what
        }
        5 => {
            // Whitespace after the opening brace: still one valid JSON request.
            let json = serde_json::to_vec(body).unwrap_or_default();
            let pad = rng.range(1 << 19, 1 << 21);
            let mut bytes = Vec::with_capacity(json.len() + pad);
            bytes.extend_from_slice(&json[..1.min(json.len())]);
            bytes.resize(bytes.len() + pad, b' ');
            bytes.extend_from_slice(&json[1.min(json.len())..]);
            case.body = Body::Bytes(bytes);
            "body of 0.5 to 2 MiB"
        }
        _ => {
            // A notification for a method that is a request, or a made-up one.
            let o = body.as_object_mut().expect("request object");
            o.remove("id");
            if rng.chance(50) {
                o.insert(
                    "method".into(),
                    json!(
                        [
                            "notifications/cancelled",
                            "notifications/message",
                            "notifications/whatever"
                        ][rng.below(3)]
                    ),
                );
            }
            let _ = plan;
            "sent as a notification"
        }
    };
    case.label = format!("{}; {what}", case.label);
}

/// Header values cannot hold CR, LF or NUL (the HTTP stack refuses them): those become `?`.
fn header_safe(s: &str) -> String {
    s.chars()
        .map(|c| {
            if matches!(c, '\r' | '\n' | '\0') {
                '?'
            } else {
                c
            }
        })
        .collect::<String>()
        .chars()
        .take(2048)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan() -> Plan {
        Plan {
            tools: vec![(
                "echo".into(),
                json!({"type": "object", "properties": {"text": {"type": "string"}, "n": {"type": "integer", "minimum": 0}}, "required": ["text"]}),
            )],
            prompts: vec![("p".into(), vec![("a".into(), true)])],
            resources: vec!["test://r".into()],
            lists: vec!["tools/list"],
            client_name: "t".into(),
            ..Plan::default()
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_requests() {
        let p = plan();
        for i in 0..300 {
            assert_eq!(generate(&p, 1, i), generate(&p, 1, i));
        }
        let differ = (0..50)
            .filter(|i| generate(&p, 1, *i) != generate(&p, 2, *i))
            .count();
        assert!(differ > 40, "{differ}");
    }

    #[test]
    fn every_style_and_mutation_class_appears() {
        let p = plan();
        let labels: Vec<String> = (0..3000).map(|i| generate(&p, 7, i).label).collect();
        for want in [
            "valid arguments",
            "invalid arguments",
            "boundary values",
            "unicode strings",
            "deeply nested",
            "a huge string",
            "extra arguments",
            "_meta",
            "header",
            "id changed",
            "envelope changed",
            "truncated body",
            "invalid UTF-8",
            "as a notification",
            "MiB",
            "prompts/get",
            "resources/read",
            "tools/list",
            "server/discover",
            "unknown method",
        ] {
            assert!(labels.iter().any(|l| l.contains(want)), "no {want:?}");
        }
    }
}
