//! Validation of messages against mcpcheck's own schema of the revision and of the tasks
//! extension (one registry, two documents; the extension refers to core definitions).
//!
//! All `$defs` are compiled once (on first use) into one validator map. Dispatch that a schema
//! union cannot express precisely (the `resultType` discriminator, requests arriving where a
//! response or notification was expected, the JSON-RPC envelope) is done here in code, so that
//! every error carries a pointer into the message and a readable sentence.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, LazyLock, Mutex};

use serde_json::Value;

use crate::wire::{TASKS_EXTENSION, methods, result_types};
use crate::{REVISION, SchemaError};

const SCHEMA_TEXT: &str = include_str!("../json/2026-07-28.schema.json");
const TASKS_SCHEMA_TEXT: &str = include_str!("../json/ext-tasks.schema.json");

/// Longest message text kept from the validator (instances can be large).
const MAX_MESSAGE_CHARS: usize = 300;

/// Made-up base URI under which the schema is registered, so `$ref`s resolve within it.
const BASE_URI: &str = "urn:mcpcheck:schema:2026-07-28";

/// URI under which the tasks extension schema is registered (its `$id`); it refers to core
/// definitions through [`BASE_URI`].
pub const TASKS_SCHEMA_URI: &str = "urn:mcpcheck:schema:ext-tasks";

/// `SchemaError::definition` of the error for `resultType: "task"` on a method other than
/// `tools/call` (the tasks extension augments only `tools/call`).
pub const TASK_RESULT_TYPE_WRONG_METHOD: &str = "TaskResultTypeWrongMethod";

/// `SchemaError::definition` of the error for `resultType: "task"` on `tools/call` when the
/// request did not declare the `io.modelcontextprotocol/tasks` extension.
pub const TASK_RESULT_TYPE_UNDECLARED: &str = "TaskResultTypeUndeclared";

/// The five task statuses, in the order error messages list them.
const TASK_STATUSES: [&str; 5] = [
    "working",
    "input_required",
    "completed",
    "failed",
    "cancelled",
];

struct Compiled {
    schema: &'static Value,
    tasks_schema: &'static Value,
    /// Definition name → URI of the document that defines it.
    names: BTreeMap<String, &'static str>,
    registry: jsonschema::Registry<'static>,
    /// Validators are compiled on first use, one per definition: compiling every definition
    /// up front costs about 20 MB and most runs touch a few dozen.
    validators: Mutex<HashMap<String, Arc<jsonschema::Validator>>>,
}

static COMPILED: LazyLock<Compiled> = LazyLock::new(|| {
    let schema: &'static Value = Box::leak(Box::new(
        serde_json::from_str(SCHEMA_TEXT).expect("bundled schema is valid JSON (tested)"),
    ));
    let tasks_schema: &'static Value = Box::leak(Box::new(
        serde_json::from_str(TASKS_SCHEMA_TEXT)
            .expect("bundled tasks schema is valid JSON (tested)"),
    ));
    let mut names = BTreeMap::new();
    for (document, uri) in [(schema, BASE_URI), (tasks_schema, TASKS_SCHEMA_URI)] {
        for name in document["$defs"]
            .as_object()
            .expect("bundled schemas have $defs")
            .keys()
        {
            let clash = names.insert(name.clone(), uri);
            assert!(
                clash.is_none(),
                "definition {name} is defined twice (tested)"
            );
        }
    }
    let registry = jsonschema::Registry::new()
        .add(BASE_URI, schema)
        .and_then(|b| b.add(TASKS_SCHEMA_URI, tasks_schema))
        .and_then(|b| b.prepare())
        .expect("bundled schemas register (tested)");
    Compiled {
        schema,
        tasks_schema,
        names,
        registry,
        validators: Mutex::new(HashMap::new()),
    }
});

fn validator(definition: &str) -> Arc<jsonschema::Validator> {
    let compiled = &*COMPILED;
    let mut cache = compiled
        .validators
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(v) = cache.get(definition) {
        return Arc::clone(v);
    }
    let uri = compiled.names.get(definition).copied().unwrap_or(BASE_URI);
    let root = serde_json::json!({"$ref": format!("{uri}#/$defs/{definition}")});
    let v = Arc::new(
        jsonschema::options()
            .with_registry(&compiled.registry)
            .build(&root)
            .expect("bundled schema compiles (tested)"),
    );
    cache.insert(definition.to_owned(), Arc::clone(&v));
    v
}

/// The text of mcpcheck's own JSON Schema of the revision.
pub fn schema_json() -> &'static str {
    SCHEMA_TEXT
}

/// The parsed schema (same content as [`schema_json`]).
pub fn schema() -> &'static Value {
    COMPILED.schema
}

/// The text of mcpcheck's own JSON Schema of the tasks extension (`io.modelcontextprotocol/tasks`),
/// registered under [`TASKS_SCHEMA_URI`]; it refers to core definitions of [`schema_json`].
pub fn tasks_schema_json() -> &'static str {
    TASKS_SCHEMA_TEXT
}

/// The parsed tasks extension schema (same content as [`tasks_schema_json`]).
pub fn tasks_schema() -> &'static Value {
    COMPILED.tasks_schema
}

/// Names of all `$defs` of the revision schema and of the tasks extension schema, sorted
/// (the two sets do not overlap).
pub fn definitions() -> impl Iterator<Item = &'static str> {
    COMPILED.names.keys().map(String::as_str)
}

/// Asked for a definition the schema does not have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownDefinition(pub String);

impl std::fmt::Display for UnknownDefinition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "no definition named `{}` in the {REVISION} schema or the tasks extension schema",
            self.0
        )
    }
}

impl std::error::Error for UnknownDefinition {}

/// A `resultType` value defined by an extension the caller negotiated (for example `"task"` for
/// `io.modelcontextprotocol/tasks`). Results carrying it are validated against `definition`
/// (one of [`definitions`]), or only as a generic `Result` when `None`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResultTypeExtension<'a> {
    pub result_type: &'a str,
    pub definition: Option<&'a str>,
}

struct RawError {
    pointer: String,
    message: String,
}

fn truncate(mut text: String) -> String {
    if text.chars().count() > MAX_MESSAGE_CHARS {
        text = text.chars().take(MAX_MESSAGE_CHARS).collect();
        text.push('…');
    }
    text
}

fn raw_errors(definition: &str, value: &Value) -> Option<Vec<RawError>> {
    let compiled = &*COMPILED;
    if !compiled.names.contains_key(definition) {
        return None;
    }
    let validator = validator(definition);
    Some(
        validator
            .iter_errors(value)
            .map(|e| RawError {
                pointer: e.instance_path().as_str().to_owned(),
                message: truncate(e.to_string()),
            })
            .collect(),
    )
}

fn check(definition: &str, value: &Value, prefix: &str, out: &mut Vec<SchemaError>) {
    let errors = raw_errors(definition, value).expect("internal dispatch names known definitions");
    out.extend(errors.into_iter().map(|e| SchemaError {
        pointer: format!("{prefix}{}", e.pointer),
        definition: definition.to_owned(),
        message: e.message,
    }));
}

fn error(pointer: &str, definition: &str, message: impl Into<String>) -> SchemaError {
    SchemaError {
        pointer: pointer.to_owned(),
        definition: definition.to_owned(),
        message: message.into(),
    }
}

fn dedup(errors: Vec<SchemaError>) -> Vec<SchemaError> {
    let mut seen = BTreeSet::new();
    errors
        .into_iter()
        .filter(|e| seen.insert((e.pointer.clone(), e.message.clone())))
        .collect()
}

/// Validates `value` against the `$defs` entry `definition` of our schema.
pub fn validate_def(
    definition: &str,
    value: &Value,
) -> Result<Vec<SchemaError>, UnknownDefinition> {
    let errors =
        raw_errors(definition, value).ok_or_else(|| UnknownDefinition(definition.to_owned()))?;
    Ok(errors
        .into_iter()
        .map(|e| error(&e.pointer, definition, e.message))
        .collect())
}

/// The definition of the `"complete"` result of `method`, if the revision defines one.
pub fn result_definition(method: &str) -> Option<&'static str> {
    Some(match method {
        "server/discover" => "DiscoverResult",
        "tools/list" => "ListToolsResult",
        "tools/call" => "CallToolResult",
        "resources/list" => "ListResourcesResult",
        "resources/templates/list" => "ListResourceTemplatesResult",
        "resources/read" => "ReadResourceResult",
        "prompts/list" => "ListPromptsResult",
        "prompts/get" => "GetPromptResult",
        "completion/complete" => "CompleteResult",
        "subscriptions/listen" => "SubscriptionsListenResult",
        "tasks/get" => "GetTaskResult",
        "tasks/update" => "UpdateTaskResult",
        "tasks/cancel" => "CancelTaskResult",
        _ => return None,
    })
}

/// The definition of a server-sent notification `method`, if the revision defines one.
pub fn notification_definition(method: &str) -> Option<&'static str> {
    Some(match method {
        "notifications/progress" => "ProgressNotification",
        "notifications/message" => "LoggingMessageNotification",
        "notifications/cancelled" => "CancelledNotification",
        "notifications/tools/list_changed" => "ToolListChangedNotification",
        "notifications/prompts/list_changed" => "PromptListChangedNotification",
        "notifications/resources/list_changed" => "ResourceListChangedNotification",
        "notifications/resources/updated" => "ResourceUpdatedNotification",
        "notifications/subscriptions/acknowledged" => "SubscriptionsAcknowledgedNotification",
        "notifications/tasks" => "TaskStatusNotification",
        _ => return None,
    })
}

fn describe(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Validates a full JSON-RPC response message received for a request of `method`.
///
/// Only the core `resultType` values are accepted; see [`validate_response_with`] for
/// extension values and [`validate_response_declared`] for the tasks extension.
pub fn validate_response(method: &str, message: &Value) -> Vec<SchemaError> {
    validate_response_with(method, message, &[])
}

/// [`validate_response`], also accepting the `resultType` values of negotiated extensions.
pub fn validate_response_with(
    method: &str,
    message: &Value,
    extensions: &[ResultTypeExtension<'_>],
) -> Vec<SchemaError> {
    const RESPONSE: &str = "JSONRPCResponse";
    let mut out = Vec::new();
    let Some(object) = message.as_object() else {
        out.push(error(
            "",
            RESPONSE,
            format!(
                "a response must be a JSON object, got {}",
                describe(message)
            ),
        ));
        return out;
    };
    if object.contains_key("method") {
        let text = if object.contains_key("id") {
            "a message with both `method` and `id` is a JSON-RPC request; servers never send \
             requests (input goes through InputRequiredResult)"
        } else {
            "a notification (`method` without `id`) arrived where the response was expected"
        };
        out.push(error("", RESPONSE, text));
        return out;
    }
    let (result, err) = (object.get("result"), object.get("error"));
    let definition = match (result, err) {
        (Some(_), Some(_)) => {
            out.push(error(
                "",
                RESPONSE,
                "a response carries exactly one of `result` and `error`, this one has both",
            ));
            RESPONSE
        }
        (None, None) => {
            out.push(error(
                "",
                RESPONSE,
                "a response carries exactly one of `result` and `error`, this one has neither",
            ));
            RESPONSE
        }
        (Some(_), None) => "JSONRPCResultResponse",
        (None, Some(_)) => "JSONRPCErrorResponse",
    };
    check_envelope(
        object,
        definition,
        err.is_some() && result.is_none(),
        &mut out,
    );
    if let Some(err) = err {
        check_error(message, err, &mut out);
    }
    if let Some(result) = result {
        check_result(method, result, extensions, &mut out);
    }
    dedup(out)
}

fn check_envelope(
    object: &serde_json::Map<String, Value>,
    definition: &str,
    id_optional: bool,
    out: &mut Vec<SchemaError>,
) {
    match object.get("jsonrpc") {
        Some(Value::String(v)) if v == "2.0" => {}
        Some(other) => out.push(error(
            "/jsonrpc",
            definition,
            format!("`jsonrpc` must be the string \"2.0\", got {other}"),
        )),
        None => out.push(error("", definition, "missing required member `jsonrpc`")),
    }
    match object.get("id") {
        Some(Value::String(_)) => {}
        Some(Value::Number(n)) if n.is_i64() || n.is_u64() => {}
        Some(Value::Null) => out.push(error(
            "/id",
            definition,
            "`id` is null; a request id is a string or an integer (the revision excludes null, \
             JSON-RPC's `\"id\": null` included)",
        )),
        Some(other) => out.push(error(
            "/id",
            definition,
            format!("`id` must be a string or an integer, got {other}"),
        )),
        None if id_optional => {}
        None => out.push(error("", definition, "missing required member `id`")),
    }
}

fn check_error(message: &Value, err: &Value, out: &mut Vec<SchemaError>) {
    check("Error", err, "/error", out);
    let specific = match err.get("code").and_then(Value::as_i64) {
        Some(-32020) => "HeaderMismatchError",
        Some(-32021) => "MissingRequiredClientCapabilityError",
        Some(-32022) => "UnsupportedProtocolVersionError",
        _ => return,
    };
    // The specific definitions describe the whole response; keep only what they add under
    // `/error` (the envelope was checked already).
    let mut specific_errors = Vec::new();
    check(specific, message, "", &mut specific_errors);
    out.extend(
        specific_errors
            .into_iter()
            .filter(|e| e.pointer.starts_with("/error")),
    );
}

fn check_result(
    method: &str,
    result: &Value,
    extensions: &[ResultTypeExtension<'_>],
    out: &mut Vec<SchemaError>,
) {
    const PREFIX: &str = "/result";
    let complete_definition = result_definition(method).unwrap_or("Result");
    let Some(object) = result.as_object() else {
        out.push(error(
            PREFIX,
            complete_definition,
            format!("`result` must be an object, got {}", describe(result)),
        ));
        return;
    };
    let result_type = match object.get("resultType") {
        Some(Value::String(value)) => value.as_str(),
        found => {
            let problem = match found {
                None => "missing required member `resultType` (every result carries it)".to_owned(),
                Some(other) => format!("`resultType` must be a string, got {other}"),
            };
            out.push(error("/result/resultType", complete_definition, problem));
            check_complete_ignoring_result_type(method, complete_definition, result, out);
            return;
        }
    };
    match result_type {
        result_types::COMPLETE => check_complete(method, complete_definition, result, out),
        result_types::INPUT_REQUIRED => check("InputRequiredResult", result, PREFIX, out),
        result_types::TASK if method != methods::TOOLS_CALL => {
            let expected = if is_task_method(method) {
                format!("; a {method} result carries resultType \"complete\"")
            } else {
                String::new()
            };
            out.push(error(
                "/result/resultType",
                TASK_RESULT_TYPE_WRONG_METHOD,
                format!(
                    "resultType \"task\" is only allowed on tools/call ({TASKS_EXTENSION}), \
                     not on {method}{expected}"
                ),
            ));
            if is_task_method(method) {
                check_complete_ignoring_result_type(method, complete_definition, result, out);
            } else {
                check("Result", result, PREFIX, out);
            }
        }
        other if is_task_method(method) => {
            // tasks/* always answer "complete" (GetTaskResult, UpdateTaskResult,
            // CancelTaskResult); report the value, then the rest of the complete shape.
            out.push(error(
                "/result/resultType",
                complete_definition,
                format!(
                    "resultType \"{other}\" is not allowed on {method}; its result carries \
                     resultType \"complete\""
                ),
            ));
            check_complete_ignoring_result_type(method, complete_definition, result, out);
        }
        other => {
            if let Some(extension) = extensions.iter().find(|e| e.result_type == other) {
                let definition = extension.definition.unwrap_or("Result");
                if raw_errors(definition, result).is_some() {
                    let start = out.len();
                    check(definition, result, PREFIX, out);
                    if definition == "CreateTaskResult" {
                        clarify_status(&mut out[start..], object.get("status"), "/result/status");
                    }
                } else {
                    out.push(error(
                        PREFIX,
                        definition,
                        format!("extension definition `{definition}` is not in the schema"),
                    ));
                }
            } else if other == result_types::TASK {
                out.push(error(
                    "/result/resultType",
                    TASK_RESULT_TYPE_UNDECLARED,
                    format!(
                        "resultType \"task\" is only allowed when the request declared the \
                         {TASKS_EXTENSION} extension (in its clientCapabilities.extensions); \
                         without it a tools/call result is \"complete\" or \"input_required\""
                    ),
                ));
                check("Result", result, PREFIX, out);
            } else {
                let mut allowed = vec!["\"complete\"".to_owned(), "\"input_required\"".to_owned()];
                allowed.extend(extensions.iter().map(|e| format!("\"{}\"", e.result_type)));
                out.push(error(
                    "/result/resultType",
                    complete_definition,
                    format!(
                        "resultType \"{other}\" is not defined by revision {REVISION} \
                         (or by a negotiated extension); allowed: {}",
                        allowed.join(", ")
                    ),
                ));
                check("Result", result, PREFIX, out);
            }
        }
    }
}

fn is_task_method(method: &str) -> bool {
    matches!(
        method,
        methods::TASKS_GET | methods::TASKS_UPDATE | methods::TASKS_CANCEL
    )
}

/// A result with `resultType: "complete"`: its method's definition, with the `status` dispatch
/// of `tasks/get` and the capability check of the tasks extension on `server/discover`.
fn check_complete(method: &str, definition: &str, result: &Value, out: &mut Vec<SchemaError>) {
    const PREFIX: &str = "/result";
    match method {
        methods::TASKS_GET => check_detailed_task(result, PREFIX, definition, result, PREFIX, out),
        methods::SERVER_DISCOVER => {
            check(definition, result, PREFIX, out);
            let capability = result
                .get("capabilities")
                .and_then(|c| c.get("extensions"))
                .and_then(|e| e.get(TASKS_EXTENSION));
            if let Some(capability) = capability {
                let pointer = format!(
                    "{PREFIX}/capabilities/extensions/{}",
                    TASKS_EXTENSION.replace('~', "~0").replace('/', "~1")
                );
                check("TasksExtensionCapability", capability, &pointer, out);
            }
        }
        _ => check(definition, result, PREFIX, out),
    }
}

/// After a `resultType` problem was reported: what else is wrong, assuming the complete shape
/// was meant.
fn check_complete_ignoring_result_type(
    method: &str,
    definition: &str,
    result: &Value,
    out: &mut Vec<SchemaError>,
) {
    const PREFIX: &str = "/result";
    let mut rest = Vec::new();
    check_complete(method, definition, result, &mut rest);
    out.extend(rest.into_iter().filter(|e| {
        !(e.pointer.starts_with("/result/resultType")
            || (e.pointer == PREFIX && e.message.contains("\"resultType\"")))
    }));
}

/// The variant definition of a `DetailedTask` status.
fn task_variant(status: &str) -> Option<&'static str> {
    Some(match status {
        "working" => "WorkingTask",
        "input_required" => "InputRequiredTask",
        "completed" => "CompletedTask",
        "failed" => "FailedTask",
        "cancelled" => "CancelledTask",
        _ => return None,
    })
}

/// Checks the `DetailedTask` at `prefix` (a `tasks/get` result or `notifications/tasks` params)
/// against the variant its `status` names, so errors read like "missing `error`" rather than
/// "matches none of five variants", then `whole` against `whole_definition` for the rest
/// (`resultType`, `_meta`, the envelope). Duplicates are removed by the caller.
fn check_detailed_task(
    task: &Value,
    prefix: &str,
    whole_definition: &str,
    whole: &Value,
    whole_prefix: &str,
    out: &mut Vec<SchemaError>,
) {
    let status = task.get("status");
    if let Some(variant) = status.and_then(Value::as_str).and_then(task_variant) {
        check(variant, task, prefix, out);
        check(whole_definition, whole, whole_prefix, out);
        return;
    }
    let status_pointer = format!("{prefix}/status");
    if let Some(found) = status {
        out.push(error(
            &status_pointer,
            whole_definition,
            unknown_status_message(found),
        ));
    }
    let mut rest = Vec::new();
    check(whole_definition, whole, whole_prefix, &mut rest);
    if task.is_object() {
        // Without a known status no variant applied: report the members every task has.
        check("Task", task, prefix, &mut rest);
    }
    out.extend(rest.into_iter().filter(|e| e.pointer != status_pointer));
}

fn unknown_status_message(found: &Value) -> String {
    let expected = TASK_STATUSES.map(|s| format!("\"{s}\"")).join(", ");
    format!("`status` {found} is not a task status; expected one of {expected}")
}

/// Replaces the validator's terse enum message for an unknown task `status` by one listing the
/// five statuses.
fn clarify_status(errors: &mut [SchemaError], status: Option<&Value>, pointer: &str) {
    let Some(status) = status else { return };
    if status.as_str().and_then(task_variant).is_some() {
        return;
    }
    // Both the enum and a type message (for a non-string) become the one sentence; `dedup`
    // then keeps one.
    for e in errors.iter_mut().filter(|e| e.pointer == pointer) {
        e.message = unknown_status_message(status);
    }
}

/// The `resultType` extension of `io.modelcontextprotocol/tasks`: `"task"` results are
/// validated against `CreateTaskResult`. Pass it to [`validate_response_with`] for a
/// `tools/call` whose request declared the extension (or use [`validate_response_declared`]).
pub fn tasks_result_types() -> &'static [ResultTypeExtension<'static>] {
    const TASKS: &[ResultTypeExtension<'static>] = &[ResultTypeExtension {
        result_type: result_types::TASK,
        definition: Some("CreateTaskResult"),
    }];
    TASKS
}

/// [`validate_response`] for a request that declared `declared_extensions` (the keys of its
/// `clientCapabilities.extensions`): a `tools/call` result may then be a `CreateTaskResult`
/// (`resultType: "task"`) when [`TASKS_EXTENSION`] is among them. On every other method, or
/// without the declaration, `resultType: "task"` is an error whose `definition` is
/// [`TASK_RESULT_TYPE_WRONG_METHOD`] or [`TASK_RESULT_TYPE_UNDECLARED`].
pub fn validate_response_declared(
    method: &str,
    message: &Value,
    declared_extensions: &[&str],
) -> Vec<SchemaError> {
    let extensions =
        if method == methods::TOOLS_CALL && declared_extensions.contains(&TASKS_EXTENSION) {
            tasks_result_types()
        } else {
            &[]
        };
    validate_response_with(method, message, extensions)
}

/// Validates a JSON-RPC notification the server sent.
pub fn validate_notification(message: &Value) -> Vec<SchemaError> {
    const GENERIC: &str = "JSONRPCNotification";
    let mut out = Vec::new();
    let Some(object) = message.as_object() else {
        out.push(error(
            "",
            GENERIC,
            format!(
                "a notification must be a JSON object, got {}",
                describe(message)
            ),
        ));
        return out;
    };
    if object.contains_key("id") {
        let text = if object.contains_key("method") {
            "a message with both `method` and `id` is a JSON-RPC request; servers never send \
             requests (input goes through InputRequiredResult)"
        } else {
            "a message with `id` and no `method` is a response, not a notification"
        };
        out.push(error("", GENERIC, text));
        return out;
    }
    let method = object.get("method").and_then(Value::as_str);
    let definition = method.and_then(notification_definition).unwrap_or(GENERIC);
    match (method, object.get("params")) {
        (Some(methods::NOTIFICATION_TASKS), Some(params)) => {
            check_detailed_task(params, "/params", definition, message, "", &mut out);
        }
        (Some(methods::NOTIFICATION_SUBSCRIPTIONS_ACKNOWLEDGED), Some(params)) => {
            check(definition, message, "", &mut out);
            // The tasks extension adds `taskIds` to the acknowledged filter.
            if let Some(notifications) = params.get("notifications").filter(|n| n.is_object()) {
                check(
                    "TaskSubscriptionAcknowledgedNotifications",
                    notifications,
                    "/params/notifications",
                    &mut out,
                );
            }
        }
        _ => check(definition, message, "", &mut out),
    }
    dedup(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_compiles_and_dispatch_targets_exist() {
        let names: BTreeSet<&str> = definitions().collect();
        let methods = crate::wire::methods::REQUESTS;
        for method in methods {
            assert!(
                names.contains(result_definition(method).unwrap()),
                "{method}"
            );
        }
        for def in [
            "Result",
            "InputRequiredResult",
            "Error",
            "HeaderMismatchError",
            "MissingRequiredClientCapabilityError",
            "UnsupportedProtocolVersionError",
            "JSONRPCNotification",
            "Task",
            "TaskStatusNotification",
            "TaskSubscriptionAcknowledgedNotifications",
            "TasksExtensionCapability",
            "CreateTaskResult",
        ] {
            assert!(names.contains(def), "{def}");
        }
        for status in TASK_STATUSES {
            assert!(names.contains(task_variant(status).unwrap()), "{status}");
        }
        assert!(names.contains(tasks_result_types()[0].definition.unwrap()));
    }

    #[test]
    fn core_and_tasks_definitions_do_not_clash_and_all_compile() {
        let core: BTreeSet<&str> = schema()["$defs"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let tasks: BTreeSet<&str> = tasks_schema()["$defs"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert!(core.is_disjoint(&tasks), "{:?}", core.intersection(&tasks));
        assert_eq!(definitions().count(), core.len() + tasks.len());
        for name in tasks {
            // Compiles (every $ref, core ones included, resolves).
            validate_def(name, &Value::Null).unwrap();
        }
    }

    #[test]
    fn unknown_definition_is_reported() {
        assert_eq!(
            validate_def("NoSuchThing", &Value::Null),
            Err(UnknownDefinition("NoSuchThing".into()))
        );
    }
}
