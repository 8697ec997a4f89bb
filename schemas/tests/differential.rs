//! Differential tests: our hand-written schemas against the official ones.
//!
//! The official `schema.json` files and example messages are test data read from
//! `../shared/spec` at test time (never copied into the project).
//!
//! Core revision (`our_schema_agrees_with_the_official_one`), for every example folder `<Def>`:
//!
//! (a) each example validates against the official `$defs/<Def>` (sanity) and against ours;
//! (b) mutations generated here (drop a member, change a value's type, break an enum/const
//!     value, set `resultType` to "bogus") get the same verdict from both schemas, except for
//!     disagreements covered by [`ALLOWLIST`], where we are deliberately stricter.
//!
//! Tasks extension (`tasks_schema_agrees_with_the_official_one`): the official extension
//! schema has no examples, so valid instances of every extension definition are written in
//! [`task_instances`] (values invented here), plus the `extensions-tasks` example of the core
//! `ServerCapabilities` folder. Each must be valid for both schemas; then the same mutations plus
//! task-specific ones (fractional and out-of-range integers, every other `status` and
//! `resultType` value, whole-value replacements of scalar roots) must get the same verdict,
//! except for [`TASKS_ALLOWLIST`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use jsonschema::ValidatorMap;
use serde_json::{Value, json};

/// Deliberate strictness, one entry per reason. Each matcher sees the definition, the mutation
/// (pointer + kind; `None` for an unmutated example) and the official validators.
struct Allowed {
    name: &'static str,
    reason: &'static str,
    matches: fn(&Case<'_>, &ValidatorMap) -> bool,
}

const ALLOWLIST: &[Allowed] = &[
    Allowed {
        name: "pinned-resultType",
        reason: "the official schema types resultType as any string (digest §13.6/§13.7); ours \
                 pins \"complete\" on complete results and \"input_required\" on \
                 InputRequiredResult, so a changed resultType value is rejected only by us",
        matches: |case, _| {
            case.official_valid
                && !case.ours_valid
                && case
                    .mutation
                    .is_some_and(|m| m.pointer.ends_with("/resultType") && m.kind != Kind::Drop)
        },
    },
    Allowed {
        name: "vacuous-input-required-branch",
        reason: "official *ResultResponse unions for tools/call, resources/read and prompts/get \
                 accept any result with a string resultType through InputRequiredResult (digest \
                 §13.6); ours dispatches on resultType. Allowed only when the official \
                 method-specific result definition itself rejects the result (e.g. \
                 examples/ReadResourceResultResponse/read-resource-result-response.json lacks \
                 ttlMs/cacheScope)",
        matches: |case, official| {
            let specific = match case.definition {
                "CallToolResultResponse" => "CallToolResult",
                "ReadResourceResultResponse" => "ReadResourceResult",
                "GetPromptResultResponse" => "GetPromptResult",
                _ => return false,
            };
            let Some(result) = case.instance.get("result") else {
                return false;
            };
            let complete = result.get("resultType") != Some(&json!("input_required"));
            case.official_valid
                && !case.ours_valid
                && complete
                && !official_valid(official, specific, result)
        },
    },
    Allowed {
        name: "input-required-needs-content",
        reason: "MRTR-02 requires at least one of inputRequests / requestState on an \
                 InputRequiredResult; the official schema leaves both optional (digest §13.7)",
        matches: |case, _| {
            let target = if case.definition == "InputRequiredResult" {
                Some(case.instance)
            } else {
                case.instance.get("result")
            };
            case.official_valid
                && !case.ours_valid
                && target.is_some_and(|t| {
                    t.get("resultType") == Some(&json!("input_required"))
                        && t.get("inputRequests").is_none()
                        && t.get("requestState").is_none()
                })
        },
    },
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Drop,
    Retype,
    BreakEnum,
    BogusResultType,
    /// An integer made fractional (`n + 0.5`).
    Fractional,
    /// An integer beyond the JSON-safe range.
    OutOfRange,
    /// `status` set to another task status.
    SwapStatus,
    /// `resultType` set to another known value.
    SwapResultType,
    /// The whole instance replaced (scalar roots).
    Root,
}

#[derive(Debug)]
struct Mutation {
    pointer: String,
    kind: Kind,
    value: Value,
}

struct Case<'a> {
    definition: &'a str,
    mutation: Option<&'a Mutation>,
    instance: &'a Value,
    official_valid: bool,
    ours_valid: bool,
}

fn spec_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/spec/2026-07-28");
    dir.join("schema.json").is_file().then_some(dir)
}

fn official_valid(map: &ValidatorMap, definition: &str, value: &Value) -> bool {
    map.get(&format!("#/$defs/{definition}"))
        .unwrap_or_else(|| panic!("official schema lacks {definition}"))
        .is_valid(value)
}

fn ours_valid(definition: &str, value: &Value) -> bool {
    mcpcheck_schemas::validate_def(definition, value)
        .unwrap_or_else(|e| panic!("{e}"))
        .is_empty()
}

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// Keys whose string values the schemas constrain to an enum or a constant.
const ENUM_KEYS: &[&str] = &[
    "jsonrpc",
    "method",
    "type",
    "mode",
    "role",
    "resultType",
    "cacheScope",
    "level",
    "action",
    "theme",
    "includeContext",
    "format",
];

const MAX_DEPTH: usize = 10;

fn replacements(value: &Value) -> Vec<Value> {
    let all = [
        json!("x"),
        json!(7),
        json!(true),
        Value::Null,
        json!({}),
        json!([]),
    ];
    all.into_iter()
        .filter(|r| std::mem::discriminant(r) != std::mem::discriminant(value))
        .collect()
}

/// Generates single-point mutations of `root`.
fn mutations(root: &Value, definition: &str) -> Vec<Mutation> {
    let mut out = Vec::new();
    walk(root, "", 0, &mut |pointer, key, value| {
        // Drop: the value's own member (object members only; arrays keep their shape).
        if key.is_some() {
            out.push(Mutation {
                pointer: pointer.to_owned(),
                kind: Kind::Drop,
                value: Value::Null,
            });
        }
        for replacement in replacements(value) {
            out.push(Mutation {
                pointer: pointer.to_owned(),
                kind: Kind::Retype,
                value: replacement,
            });
        }
        if let (Some(key), Value::String(_)) = (key, value)
            && ENUM_KEYS.contains(&key)
        {
            out.push(Mutation {
                pointer: pointer.to_owned(),
                kind: Kind::BreakEnum,
                value: json!("bogus-value"),
            });
        }
        if key == Some("code") && value.is_i64() {
            out.push(Mutation {
                pointer: pointer.to_owned(),
                kind: Kind::BreakEnum,
                value: json!(12345),
            });
        }
    });
    let result_pointer = if definition.ends_with("ResultResponse") {
        Some("/result/resultType")
    } else if definition.ends_with("Result") {
        Some("/resultType")
    } else {
        None
    };
    if let Some(pointer) = result_pointer
        && root.pointer(pointer.rsplit_once('/').unwrap().0).is_some()
    {
        out.push(Mutation {
            pointer: pointer.to_owned(),
            kind: Kind::BogusResultType,
            value: json!("bogus"),
        });
    }
    out
}

fn walk(value: &Value, pointer: &str, depth: usize, f: &mut dyn FnMut(&str, Option<&str>, &Value)) {
    if depth > MAX_DEPTH {
        return;
    }
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let child_pointer = format!("{pointer}/{}", escape(key));
                f(&child_pointer, Some(key), child);
                walk(child, &child_pointer, depth + 1, f);
            }
        }
        Value::Array(items) => {
            for (index, child) in items.iter().enumerate() {
                let child_pointer = format!("{pointer}/{index}");
                f(&child_pointer, None, child);
                walk(child, &child_pointer, depth + 1, f);
            }
        }
        _ => {}
    }
}

fn apply(root: &Value, mutation: &Mutation) -> Value {
    let mut out = root.clone();
    let (parent, last) = mutation.pointer.rsplit_once('/').expect("non-root pointer");
    let last = last.replace("~1", "/").replace("~0", "~");
    let target = out.pointer_mut(parent).expect("parent exists");
    match (target, mutation.kind) {
        (Value::Object(map), Kind::Drop) => {
            map.remove(&last);
        }
        (Value::Object(map), _) => {
            map.insert(last, mutation.value.clone());
        }
        (Value::Array(items), _) => {
            let index: usize = last.parse().expect("array index");
            items[index] = mutation.value.clone();
        }
        _ => unreachable!("mutations target containers"),
    }
    out
}

#[test]
fn our_schema_agrees_with_the_official_one() {
    let Some(dir) = spec_dir() else {
        eprintln!(
            "differential: SKIPPED — official schema not found at \
             {CARGO_MANIFEST_DIR}/../../shared/spec/2026-07-28/schema.json",
            CARGO_MANIFEST_DIR = env!("CARGO_MANIFEST_DIR")
        );
        return;
    };
    let official_schema: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("schema.json")).unwrap()).unwrap();
    let official = jsonschema::validator_map_for(&official_schema).expect("official compiles");

    let mut folders: Vec<PathBuf> = std::fs::read_dir(dir.join("examples"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    folders.sort();

    let ours: std::collections::BTreeSet<&str> = mcpcheck_schemas::definitions().collect();
    let mut examples = 0usize;
    let mut examples_accepted = 0usize;
    let mut compared = 0usize;
    let mut agreed = 0usize;
    let mut allowlisted: BTreeMap<&str, usize> = BTreeMap::new();
    let mut examples_allowlisted = Vec::new();
    let mut failures = Vec::new();

    for folder in &folders {
        let definition = folder.file_name().unwrap().to_str().unwrap().to_owned();
        assert!(
            ours.contains(definition.as_str()),
            "our schema has no $defs/{definition}"
        );
        let mut files: Vec<PathBuf> = std::fs::read_dir(folder)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        files.sort();
        for file in files {
            examples += 1;
            let name = format!(
                "{definition}/{}",
                file.file_name().unwrap().to_string_lossy()
            );
            let example: Value =
                serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
            // (a)
            assert!(
                official_valid(&official, &definition, &example),
                "official example {name} does not validate officially"
            );
            let case = Case {
                definition: &definition,
                mutation: None,
                instance: &example,
                official_valid: true,
                ours_valid: ours_valid(&definition, &example),
            };
            if case.ours_valid {
                examples_accepted += 1;
            } else {
                match ALLOWLIST.iter().find(|a| (a.matches)(&case, &official)) {
                    Some(a) => examples_allowlisted.push(format!("{name} ({})", a.name)),
                    None => failures.push(format!(
                        "example {name}: rejected by ours: {:?}",
                        mcpcheck_schemas::validate_def(&definition, &example).unwrap()
                    )),
                }
            }
            // (b)
            for mutation in mutations(&example, &definition) {
                let mutated = apply(&example, &mutation);
                compared += 1;
                let case = Case {
                    definition: &definition,
                    mutation: Some(&mutation),
                    instance: &mutated,
                    official_valid: official_valid(&official, &definition, &mutated),
                    ours_valid: ours_valid(&definition, &mutated),
                };
                if case.official_valid == case.ours_valid {
                    agreed += 1;
                } else if let Some(a) = ALLOWLIST.iter().find(|a| (a.matches)(&case, &official)) {
                    *allowlisted.entry(a.name).or_default() += 1;
                } else {
                    failures.push(format!(
                        "{name}: {:?} at {} -> {}: official {}, ours {}",
                        mutation.kind,
                        mutation.pointer,
                        mutation.value,
                        verdict(case.official_valid),
                        verdict(case.ours_valid)
                    ));
                }
            }
        }
    }

    eprintln!(
        "differential: {} definitions, {examples} official examples, {} accepted by ours, {} \
         allowlisted: {examples_allowlisted:?}",
        folders.len(),
        examples_accepted,
        examples_allowlisted.len()
    );
    eprintln!(
        "differential: {compared} mutations compared, {agreed} agreed, {} allowlisted, {} failed",
        allowlisted.values().sum::<usize>(),
        failures.len()
    );
    for entry in ALLOWLIST {
        eprintln!(
            "differential: allowlist {}: {} mutations — {}",
            entry.name,
            allowlisted.get(entry.name).copied().unwrap_or(0),
            entry.reason
        );
    }
    assert!(
        failures.is_empty(),
        "{} disagreements:\n{}",
        failures.len(),
        failures
            .iter()
            .take(40)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

fn verdict(valid: bool) -> &'static str {
    if valid { "valid" } else { "invalid" }
}

// ---------------------------------------------------------------------------------------------
// Tasks extension

/// Deliberate differences from the official tasks extension schema.
const TASKS_ALLOWLIST: &[Allowed] = &[Allowed {
    name: "task-request-meta",
    reason: "every request of revision 2026-07-28 carries params._meta with the reserved \
             protocolVersion and clientCapabilities keys (core RequestParams, which our \
             GetTaskRequest / UpdateTaskRequest / CancelTaskRequest params build on); the \
             official extension schema types the params of the three task requests without \
             _meta, so dropping or breaking it is rejected only by us",
    matches: |case, _| {
        case.definition.ends_with("TaskRequest")
            && case.official_valid
            && !case.ours_valid
            && case.mutation.is_some_and(|m| {
                m.pointer == "/params/_meta" || m.pointer.starts_with("/params/_meta/")
            })
    },
}];

fn tasks_spec_path() -> Option<PathBuf> {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/spec/ext-tasks/schema.json");
    path.is_file().then_some(path)
}

/// `base` with the members of `extra` set.
fn merged(base: &Value, extra: Value) -> Value {
    let mut out = base.clone();
    for (key, value) in extra.as_object().unwrap() {
        out[key] = value.clone();
    }
    out
}

/// Valid instances of every extension definition (values invented for this test).
fn task_instances(capability_example: Option<Value>) -> Vec<(&'static str, Value)> {
    let task = |status: &str| {
        json!({"taskId": "f3a9c2-7d", "status": status, "statusMessage": "step 2 of 5",
            "createdAt": "2031-11-12T08:00:00Z", "lastUpdatedAt": "2031-11-12T08:00:04.250Z",
            "ttlMs": 120000, "pollIntervalMs": 1500})
    };
    let input_requests = json!({
        "city": {"method": "elicitation/create", "params": {"mode": "form",
            "message": "Which city?", "requestedSchema": {"type": "object",
                "properties": {"name": {"type": "string", "minLength": 1}}, "required": ["name"]}}},
        "summary": {"method": "sampling/createMessage", "params": {"maxTokens": 64,
            "messages": [{"role": "user", "content": {"type": "text", "text": "Summarise"}}]}},
        "dirs": {"method": "roots/list"}
    });
    let payloads = [
        ("working", "WorkingTask", json!({})),
        (
            "input_required",
            "InputRequiredTask",
            json!({"inputRequests": input_requests}),
        ),
        (
            "completed",
            "CompletedTask",
            json!({"result": {"content": [{"type": "text", "text": "42 rows"}],
                "structuredContent": {"rows": 42}, "isError": false}}),
        ),
        (
            "failed",
            "FailedTask",
            json!({"error": {"code": -32603, "message": "warehouse offline",
                "data": {"retryAfterMs": 3000}}}),
        ),
        ("cancelled", "CancelledTask", json!({"ttlMs": null})),
    ];
    let server_meta = json!({"io.modelcontextprotocol/serverInfo":
        {"name": "loom", "version": "3.2.1"}});
    let notification_meta = json!({"io.modelcontextprotocol/subscriptionId": "listen-9"});
    let request_meta = json!({"io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities":
            {"extensions": {"io.modelcontextprotocol/tasks": {}}}});

    let mut out = Vec::new();
    for status in [
        "working",
        "input_required",
        "completed",
        "failed",
        "cancelled",
    ] {
        out.push(("TaskStatus", json!(status)));
    }
    out.push(("Task", task("working")));
    out.push(("Task", merged(&task("failed"), json!({"ttlMs": null}))));
    out.push((
        "CreateTaskResult",
        merged(
            &task("working"),
            json!({"resultType": "task", "_meta": server_meta}),
        ),
    ));
    out.push((
        "CreateTaskResult",
        merged(
            &task("input_required"),
            json!({"resultType": "task", "ttlMs": null}),
        ),
    ));
    for (status, variant, payload) in &payloads {
        let detailed = merged(&task(status), payload.clone());
        out.push((variant, detailed.clone()));
        out.push(("DetailedTask", detailed.clone()));
        out.push((
            "GetTaskResult",
            merged(
                &detailed,
                json!({"resultType": "complete", "_meta": server_meta}),
            ),
        ));
        out.push((
            "TaskStatusNotificationParams",
            merged(&detailed, json!({"_meta": notification_meta})),
        ));
        out.push((
            "TaskStatusNotification",
            json!({"jsonrpc": "2.0", "method": "notifications/tasks",
                "params": merged(&detailed, json!({"_meta": notification_meta}))}),
        ));
    }
    out.push((
        "GetTaskRequest",
        json!({"jsonrpc": "2.0", "id": 17, "method": "tasks/get",
            "params": {"taskId": "f3a9c2-7d", "_meta": request_meta}}),
    ));
    out.push((
        "UpdateTaskRequest",
        json!({"jsonrpc": "2.0", "id": "u-1", "method": "tasks/update",
        "params": {"taskId": "f3a9c2-7d", "_meta": request_meta, "inputResponses": {
            "city": {"action": "accept", "content": {"name": "Lyon"}},
            "summary": {"role": "assistant", "model": "m-1",
                "content": {"type": "text", "text": "All good"}},
            "dirs": {"roots": [{"uri": "file:///srv/data", "name": "data"}]}
        }}}),
    ));
    out.push((
        "CancelTaskRequest",
        json!({"jsonrpc": "2.0", "id": 18, "method": "tasks/cancel",
            "params": {"taskId": "f3a9c2-7d", "_meta": request_meta}}),
    ));
    for ack in ["UpdateTaskResult", "CancelTaskResult"] {
        out.push((ack, json!({"resultType": "complete"})));
        out.push((ack, json!({"resultType": "complete", "_meta": server_meta})));
    }
    out.push((
        "TaskSubscriptionNotifications",
        json!({"taskIds": ["f3a9c2-7d", "b81e"], "toolsListChanged": true}),
    ));
    out.push((
        "TaskSubscriptionAcknowledgedNotifications",
        json!({"taskIds": ["f3a9c2-7d"]}),
    ));
    out.push((
        "TasksExtensionCapability",
        capability_example.unwrap_or_else(|| json!({})),
    ));
    out
}

/// Whole-instance replacements for definitions whose instances are scalars or empty.
fn root_alternatives(definition: &str) -> Vec<Value> {
    match definition {
        "TaskStatus" => vec![
            json!("running"),
            json!("Working"),
            json!("input-required"),
            json!(""),
            json!(1),
            Value::Null,
            json!(["working"]),
        ],
        "TasksExtensionCapability" => vec![
            json!({"list": {}}),
            json!({"cancel": true}),
            json!([]),
            json!("enabled"),
            Value::Null,
            json!(true),
        ],
        _ => Vec::new(),
    }
}

/// The core mutations plus task-specific ones.
fn task_mutations(root: &Value, definition: &str) -> Vec<Mutation> {
    const STATUSES: [&str; 5] = [
        "working",
        "input_required",
        "completed",
        "failed",
        "cancelled",
    ];
    const RESULT_TYPES: [&str; 3] = ["complete", "task", "input_required"];
    let mut out = mutations(root, definition);
    walk(root, "", 0, &mut |pointer, key, value| {
        if let Some(n) = value.as_i64() {
            out.push(Mutation {
                pointer: pointer.to_owned(),
                kind: Kind::Fractional,
                value: json!(n as f64 + 0.5),
            });
            out.push(Mutation {
                pointer: pointer.to_owned(),
                kind: Kind::OutOfRange,
                value: json!(9_007_199_254_740_993_i64),
            });
        }
        let swaps: &[&str] = match key {
            Some("status") => &STATUSES,
            Some("resultType") => &RESULT_TYPES,
            _ => &[],
        };
        for swap in swaps {
            if value.as_str() != Some(swap) {
                out.push(Mutation {
                    pointer: pointer.to_owned(),
                    kind: if key == Some("status") {
                        Kind::SwapStatus
                    } else {
                        Kind::SwapResultType
                    },
                    value: json!(swap),
                });
            }
        }
        if key == Some("status") && value.is_string() {
            out.push(Mutation {
                pointer: pointer.to_owned(),
                kind: Kind::BreakEnum,
                value: json!("running"),
            });
        }
    });
    out
}

#[test]
fn tasks_schema_agrees_with_the_official_one() {
    let Some(path) = tasks_spec_path() else {
        eprintln!(
            "differential tasks: SKIPPED — official extension schema not found at \
             {CARGO_MANIFEST_DIR}/../../shared/spec/ext-tasks/schema.json",
            CARGO_MANIFEST_DIR = env!("CARGO_MANIFEST_DIR")
        );
        return;
    };
    let official_schema: Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    // The official document is self-contained (core definitions embedded) and carries its own
    // `$id`, under which its `#/$defs/...` references resolve.
    assert_eq!(
        official_schema["$id"],
        json!("https://modelcontextprotocol.io/ext-tasks/schema.json")
    );
    let official = jsonschema::validator_map_for(&official_schema).expect("official compiles");
    let extension_definitions: Vec<&str> = {
        let core: std::collections::BTreeSet<String> = spec_dir()
            .map(|dir| {
                let core: Value = serde_json::from_str(
                    &std::fs::read_to_string(dir.join("schema.json")).unwrap(),
                )
                .unwrap();
                core["$defs"].as_object().unwrap().keys().cloned().collect()
            })
            .unwrap_or_default();
        official_schema["$defs"]
            .as_object()
            .unwrap()
            .keys()
            .filter(|k| !core.contains(*k))
            .map(String::as_str)
            .collect()
    };

    // The core example of the tasks capability, if the examples are there.
    let capability_example = spec_dir()
        .map(|dir| dir.join("examples/ServerCapabilities/extensions-tasks.json"))
        .filter(|p| p.is_file())
        .map(|p| {
            let example: Value =
                serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
            example["extensions"]["io.modelcontextprotocol/tasks"].clone()
        });
    let used_example = capability_example.is_some();

    let instances = task_instances(capability_example);
    let covered: std::collections::BTreeSet<&str> = instances.iter().map(|(d, _)| *d).collect();
    for definition in &extension_definitions {
        assert!(
            covered.contains(definition),
            "no instance of extension definition {definition}"
        );
    }

    let mut compared = 0usize;
    let mut agreed = 0usize;
    let mut by_kind: BTreeMap<String, usize> = BTreeMap::new();
    let mut allowlisted: BTreeMap<&str, usize> = BTreeMap::new();
    let mut failures = Vec::new();
    for (index, (definition, instance)) in instances.iter().enumerate() {
        let name = format!("{definition}#{index}");
        assert!(
            official_valid(&official, definition, instance),
            "instance {name} is not valid officially: {instance}"
        );
        if !ours_valid(definition, instance) {
            failures.push(format!(
                "instance {name}: rejected by ours: {:?}",
                mcpcheck_schemas::validate_def(definition, instance).unwrap()
            ));
        }
        let mut cases: Vec<(Mutation, Value)> = task_mutations(instance, definition)
            .into_iter()
            .map(|m| {
                let mutated = apply(instance, &m);
                (m, mutated)
            })
            .collect();
        cases.extend(root_alternatives(definition).into_iter().map(|v| {
            (
                Mutation {
                    pointer: String::new(),
                    kind: Kind::Root,
                    value: v.clone(),
                },
                v,
            )
        }));
        for (mutation, mutated) in &cases {
            compared += 1;
            *by_kind.entry(format!("{:?}", mutation.kind)).or_default() += 1;
            let case = Case {
                definition,
                mutation: Some(mutation),
                instance: mutated,
                official_valid: official_valid(&official, definition, mutated),
                ours_valid: ours_valid(definition, mutated),
            };
            if case.official_valid == case.ours_valid {
                agreed += 1;
            } else if let Some(a) = TASKS_ALLOWLIST
                .iter()
                .find(|a| (a.matches)(&case, &official))
            {
                *allowlisted.entry(a.name).or_default() += 1;
            } else {
                failures.push(format!(
                    "{name}: {:?} at {:?} -> {}: official {}, ours {}",
                    mutation.kind,
                    mutation.pointer,
                    mutation.value,
                    verdict(case.official_valid),
                    verdict(case.ours_valid)
                ));
            }
        }
    }

    // The listen acknowledgement carrying taskIds, as a whole notification: valid for the
    // official core definition and for our notification validator; a non-string id is caught
    // by the extension definition on both sides.
    if let Some(dir) = spec_dir() {
        let core: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("schema.json")).unwrap())
                .unwrap();
        let core = jsonschema::validator_map_for(&core).expect("official core compiles");
        let ack = json!({"jsonrpc": "2.0", "method": "notifications/subscriptions/acknowledged",
            "params": {"notifications": {"taskIds": ["f3a9c2-7d"], "toolsListChanged": true},
                "_meta": {"io.modelcontextprotocol/subscriptionId": 4}}});
        assert!(official_valid(
            &core,
            "SubscriptionsAcknowledgedNotification",
            &ack
        ));
        assert!(mcpcheck_schemas::validate_notification(&ack).is_empty());
        let mut bad = ack.clone();
        bad["params"]["notifications"]["taskIds"] = json!([7]);
        assert!(!official_valid(
            &official,
            "TaskSubscriptionAcknowledgedNotifications",
            &bad["params"]["notifications"]
        ));
        assert!(!mcpcheck_schemas::validate_notification(&bad).is_empty());
    }

    eprintln!(
        "differential tasks: {} extension definitions, {} hand-written instances ({}), all \
         valid for both schemas unless listed below",
        extension_definitions.len(),
        instances.len(),
        if used_example {
            "incl. the core example ServerCapabilities/extensions-tasks.json"
        } else {
            "core example ServerCapabilities/extensions-tasks.json not found"
        }
    );
    eprintln!(
        "differential tasks: {compared} mutations compared, {agreed} agreed, {} allowlisted, {} \
         failed; by kind: {by_kind:?}",
        allowlisted.values().sum::<usize>(),
        failures.len()
    );
    for entry in TASKS_ALLOWLIST {
        eprintln!(
            "differential tasks: allowlist {}: {} mutations — {}",
            entry.name,
            allowlisted.get(entry.name).copied().unwrap_or(0),
            entry.reason
        );
    }
    assert!(
        failures.is_empty(),
        "{} disagreements:\n{}",
        failures.len(),
        failures
            .iter()
            .take(40)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
