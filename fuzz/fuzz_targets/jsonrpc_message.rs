//! Any bytes as a JSON-RPC message: through the schema validators and into every wire type.
//!
//! Properties:
//! * the validators (`validate_response*`, `validate_notification`, `validate_def`) never panic,
//!   and every error they report names a known definition and a JSON pointer that leads into
//!   the message (to the offending member, or to the object missing it);
//! * whatever deserialises into a wire type (envelopes, method-specific params and results,
//!   tried on the message itself and on its `params`, `result` and `error` members) serialises
//!   and deserialises again to an equal value, both through `serde_json::Value` and through
//!   JSON text.

#![no_main]

use std::fmt::Debug;

use libfuzzer_sys::fuzz_target;
use mcpcheck_schemas::wire::{
    CallToolRequestParams, CallToolResult, CompleteRequestParams, CompleteResult, CreateTaskResult,
    DiscoverResult, ErrorObject, GetPromptRequestParams, GetPromptResult, GetTaskParams,
    GetTaskResult, InputRequest, InputRequiredResult, JsonRpcErrorResponse, JsonRpcMessage,
    JsonRpcNotification, JsonRpcRequest, JsonRpcResultResponse, ListPromptsResult,
    ListResourceTemplatesResult, ListResourcesResult, ListToolsResult, NotificationMeta,
    PaginatedRequestParams, ReadResourceRequestParams, ReadResourceResult, RequestMeta,
    RequestParams, ResultMeta, SubscriptionsListenRequestParams, TaskAckResult,
    TaskStatusNotificationParams, UpdateTaskParams,
};
use mcpcheck_schemas::{
    SchemaError, TASK_RESULT_TYPE_UNDECLARED, TASK_RESULT_TYPE_WRONG_METHOD, TASKS_EXTENSION,
    notification_definition, result_definition, validate_def, validate_notification,
    validate_response, validate_response_declared,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(message) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    check_validators(&message);
    check_wire_types(&message);
});

fn check_validators(message: &Value) {
    let is_response = message
        .as_object()
        .is_some_and(|o| o.contains_key("result") || o.contains_key("error"));
    if is_response {
        // Every request method of the revision, plus one the validators do not know.
        let methods = mcpcheck_schemas::wire::methods::REQUESTS
            .iter()
            .chain(&["x-vendor/unknown"]);
        for method in methods {
            check_errors(message, &validate_response(method, message), method);
            if *method == "tools/call" {
                let declared = validate_response_declared(method, message, &[TASKS_EXTENSION]);
                check_errors(message, &declared, "tools/call (tasks declared)");
            }
        }
    } else {
        check_errors(
            message,
            &validate_response("tools/list", message),
            "tools/list",
        );
    }
    check_errors(message, &validate_notification(message), "notification");
    // The definition of the message's own method, against the whole message (requests and
    // notifications) and its result.
    if let Some(method) = message.get("method").and_then(Value::as_str) {
        if let Some(def) = notification_definition(method) {
            let errors = validate_def(def, message).expect("a listed definition exists");
            check_errors(message, &errors, def);
        }
        if let (Some(def), Some(result)) = (result_definition(method), message.get("result")) {
            let errors = validate_def(def, result).expect("a listed definition exists");
            check_errors(result, &errors, def);
        }
    }
    for def in ["JSONRPCRequest", "JSONRPCNotification", "JSONRPCResponse"] {
        if let Ok(errors) = validate_def(def, message) {
            check_errors(message, &errors, def);
        }
    }
}

/// Every error names a known definition and points into `message`: at an existing value, or
/// at a member missing from an existing object.
fn check_errors(message: &Value, errors: &[SchemaError], context: &str) {
    for e in errors {
        // `JSONRPCResponse` labels envelope errors (the union of the result and error
        // responses, which the schema keeps as two definitions).
        let known = e.definition == TASK_RESULT_TYPE_WRONG_METHOD
            || e.definition == TASK_RESULT_TYPE_UNDECLARED
            || e.definition == "JSONRPCResponse"
            || mcpcheck_schemas::definitions().any(|d| d == e.definition);
        assert!(known, "{context}: unknown definition in {e:?}");
        assert!(
            !e.message.is_empty(),
            "{context}: error without a message: {e:?}"
        );
        if e.pointer.is_empty() {
            continue;
        }
        assert!(
            e.pointer.starts_with('/'),
            "{context}: not a JSON pointer: {e:?}"
        );
        if message.pointer(&e.pointer).is_some() {
            continue;
        }
        let parent = &e.pointer[..e.pointer.rfind('/').expect("starts with /")];
        let parent_value = if parent.is_empty() {
            Some(message)
        } else {
            message.pointer(parent)
        };
        assert!(
            parent_value.is_some_and(Value::is_object),
            "{context}: pointer {:?} leads nowhere in {message}: {e:?}",
            e.pointer
        );
    }
}

fn check_wire_types(message: &Value) {
    // Envelopes.
    round_trip::<JsonRpcMessage>(message);
    round_trip::<JsonRpcRequest>(message);
    round_trip::<JsonRpcNotification>(message);
    round_trip::<JsonRpcResultResponse>(message);
    round_trip::<JsonRpcErrorResponse>(message);
    if let Some(error) = message.get("error") {
        round_trip::<ErrorObject>(error);
    }
    // Method-specific shapes, on the message itself too (the fuzzer may build a bare object).
    let mut parts = vec![message];
    parts.extend(["params", "result"].iter().filter_map(|k| message.get(k)));
    for part in parts {
        params_and_results(part);
        if let Some(meta) = part.get("_meta") {
            round_trip::<RequestMeta>(meta);
            round_trip::<ResultMeta>(meta);
            round_trip::<NotificationMeta>(meta);
        }
        if let Some(requests) = part.get("inputRequests").and_then(Value::as_object) {
            for request in requests.values() {
                round_trip::<InputRequest>(request);
            }
        }
    }
}

fn params_and_results(value: &Value) {
    round_trip::<RequestParams>(value);
    round_trip::<PaginatedRequestParams>(value);
    round_trip::<CallToolRequestParams>(value);
    round_trip::<ReadResourceRequestParams>(value);
    round_trip::<GetPromptRequestParams>(value);
    round_trip::<CompleteRequestParams>(value);
    round_trip::<SubscriptionsListenRequestParams>(value);
    round_trip::<GetTaskParams>(value);
    round_trip::<UpdateTaskParams>(value);
    round_trip::<TaskStatusNotificationParams>(value);
    round_trip::<DiscoverResult>(value);
    round_trip::<ListToolsResult>(value);
    round_trip::<CallToolResult>(value);
    round_trip::<ListResourcesResult>(value);
    round_trip::<ListResourceTemplatesResult>(value);
    round_trip::<ReadResourceResult>(value);
    round_trip::<ListPromptsResult>(value);
    round_trip::<GetPromptResult>(value);
    round_trip::<CompleteResult>(value);
    round_trip::<InputRequiredResult>(value);
    round_trip::<CreateTaskResult>(value);
    round_trip::<GetTaskResult>(value);
    round_trip::<TaskAckResult>(value);
}

/// If `value` deserialises into `T`, serialising it and deserialising again gives an equal
/// `T` and the same JSON, through `Value` and through text.
fn round_trip<T>(value: &Value)
where
    T: Serialize + DeserializeOwned + PartialEq + Debug,
{
    let name = std::any::type_name::<T>();
    let Ok(first) = T::deserialize(value) else {
        return;
    };
    let json = serde_json::to_value(&first)
        .unwrap_or_else(|e| panic!("{name}: {first:?} does not serialise: {e}"));
    let second = T::deserialize(&json)
        .unwrap_or_else(|e| panic!("{name}: its own output {json} does not deserialise: {e}"));
    assert_eq!(
        first, second,
        "{name}: changed by a round trip through {json}"
    );
    let again = serde_json::to_value(&second).expect("serialised once already");
    assert_eq!(
        json, again,
        "{name}: serialises differently after a round trip"
    );
    let text = serde_json::to_string(&first).expect("serialised once already");
    let third: T = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{name}: its own text {text} does not deserialise: {e}"));
    assert_eq!(
        first, third,
        "{name}: changed by a round trip through {text}"
    );
}
