//! The validator API on hand-written messages (values invented for these tests).

use mcpcheck_schemas::{
    ResultTypeExtension, SchemaError, TASK_RESULT_TYPE_UNDECLARED, TASK_RESULT_TYPE_WRONG_METHOD,
    TASKS_EXTENSION, notification_definition, result_definition, tasks_result_types, validate_def,
    validate_notification, validate_response, validate_response_declared, validate_response_with,
};
use serde_json::{Value, json};

fn ok(id: Value, result: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "result": result})
}

fn pointers(errors: &[SchemaError]) -> Vec<&str> {
    errors.iter().map(|e| e.pointer.as_str()).collect()
}

fn assert_clean(method: &str, message: &Value) {
    let errors = validate_response(method, message);
    assert!(errors.is_empty(), "{method}: {errors:#?}");
}

fn assert_has(errors: &[SchemaError], pointer: &str) {
    assert!(
        errors.iter().any(|e| e.pointer == pointer),
        "expected an error at {pointer}, got {errors:#?}"
    );
}

fn server_info() -> Value {
    json!({"io.modelcontextprotocol/serverInfo": {"name": "quokka", "version": "9.1"}})
}

#[test]
fn valid_complete_results_for_every_method() {
    let cache = |mut v: Value| {
        v["ttlMs"] = json!(1500);
        v["cacheScope"] = json!("private");
        v["resultType"] = json!("complete");
        v["_meta"] = server_info();
        v
    };
    let cases = [
        (
            "server/discover",
            cache(json!({"supportedVersions": ["2026-07-28"],
                "capabilities": {"tools": {"listChanged": false}, "extensions": {"org.example/x": {}}}})),
        ),
        (
            "tools/list",
            cache(
                json!({"tools": [{"name": "abacus", "inputSchema": {"type": "object"}}],
                "nextCursor": "p2"}),
            ),
        ),
        (
            "tools/call",
            json!({"resultType": "complete", "content": [
                {"type": "text", "text": "41 + 1"},
                {"type": "image", "data": "AAAA", "mimeType": "image/png"},
                {"type": "resource_link", "uri": "memo://one", "name": "one"},
                {"type": "resource", "resource": {"uri": "memo://two", "blob": "AQID"}}
            ], "isError": false}),
        ),
        (
            "resources/list",
            cache(json!({"resources": [{"uri": "memo://one", "name": "one", "size": 3}]})),
        ),
        (
            "resources/templates/list",
            cache(json!({"resourceTemplates": [{"uriTemplate": "memo://{n}", "name": "memo"}]})),
        ),
        (
            "resources/read",
            cache(json!({"contents": [{"uri": "memo://one", "text": "uno"}]})),
        ),
        (
            "prompts/list",
            cache(json!({"prompts": [{"name": "haiku", "arguments": [{"name": "season"}]}]})),
        ),
        (
            "prompts/get",
            json!({"resultType": "complete", "messages": [
                {"role": "user", "content": {"type": "text", "text": "winter"}}]}),
        ),
        (
            "completion/complete",
            json!({"resultType": "complete", "completion": {"values": ["wi", "win"], "hasMore": false}}),
        ),
        (
            "subscriptions/listen",
            json!({"resultType": "complete", "_meta": {"io.modelcontextprotocol/subscriptionId": 77}}),
        ),
        (
            "vendor/unknown",
            json!({"resultType": "complete", "anything": [1]}),
        ),
    ];
    for (method, result) in cases {
        assert_clean(method, &ok(json!("r-1"), result));
    }
}

#[test]
fn errors_carry_pointers_into_the_message_and_all_are_reported() {
    let message = ok(
        json!(5),
        json!({"resultType": "complete", "ttlMs": -1, "cacheScope": "everyone",
            "tools": [{"name": 3, "inputSchema": {"type": "array"}}]}),
    );
    let errors = validate_response("tools/list", &message);
    for pointer in [
        "/result/ttlMs",
        "/result/cacheScope",
        "/result/tools/0/name",
        "/result/tools/0/inputSchema/type",
    ] {
        assert_has(&errors, pointer);
    }
    assert!(errors.iter().all(|e| e.definition == "ListToolsResult"));
    assert!(errors.iter().all(|e| !e.message.is_empty()));
}

#[test]
fn missing_result_type() {
    let message = ok(
        json!(1),
        json!({"tools": [], "ttlMs": 0, "cacheScope": "public"}),
    );
    let errors = validate_response("tools/list", &message);
    assert_eq!(pointers(&errors), ["/result/resultType"], "{errors:#?}");
    let errors = validate_response("tools/call", &ok(json!(1), json!({"resultType": 1})));
    assert_has(&errors, "/result/resultType");
    assert_has(&errors, "/result");
}

#[test]
fn bogus_result_type() {
    let message = ok(json!(1), json!({"resultType": "bogus", "content": []}));
    let errors = validate_response("tools/call", &message);
    assert_eq!(pointers(&errors), ["/result/resultType"]);
    assert!(
        errors[0]
            .message
            .contains("not defined by revision 2026-07-28")
    );
    // "task" is only allowed when an extension says so.
    let task = ok(json!(1), json!({"resultType": "task", "task": {}}));
    assert_has(
        &validate_response("tools/call", &task),
        "/result/resultType",
    );
    let tasks = [ResultTypeExtension {
        result_type: "task",
        definition: None,
    }];
    assert!(validate_response_with("tools/call", &task, &tasks).is_empty());
}

#[test]
fn input_required_dispatch() {
    let message = ok(
        json!("c-9"),
        json!({"resultType": "input_required",
            "inputRequests": {
                "who": {"method": "elicitation/create", "params": {"message": "Name?",
                    "requestedSchema": {"type": "object", "properties": {"n": {"type": "string"}}}}},
                "sky": {"method": "sampling/createMessage", "params": {"maxTokens": 9,
                    "messages": [{"role": "user", "content": {"type": "text", "text": "colour?"}}]}},
                "dirs": {"method": "roots/list"}
            },
            "requestState": "opaque-1"}),
    );
    for method in ["tools/call", "prompts/get", "resources/read", "tools/list"] {
        assert_clean(method, &message);
    }
    // An input_required result is not checked against the complete shape...
    let bad = ok(
        json!(2),
        json!({"resultType": "input_required", "inputRequests": {"k": {"method": "roots/lust"}}}),
    );
    let errors = validate_response("tools/call", &bad);
    assert_has(&errors, "/result/inputRequests/k/method");
    assert!(errors.iter().all(|e| e.definition == "InputRequiredResult"));
    // ...and must carry something to act on.
    let empty = ok(json!(3), json!({"resultType": "input_required"}));
    assert_has(&validate_response("tools/call", &empty), "/result");
}

#[test]
fn error_responses() {
    let plain = json!({"jsonrpc": "2.0", "id": 4, "error": {"code": -32601, "message": "nope"}});
    assert_clean("prompts/list", &plain);
    let no_id = json!({"jsonrpc": "2.0", "error": {"code": -32700, "message": "bad json"}});
    assert_clean("tools/list", &no_id);
    let broken = json!({"jsonrpc": "2.0", "id": 4, "error": {"code": "x"}});
    let errors = validate_response("tools/list", &broken);
    assert_has(&errors, "/error/code");
    assert_has(&errors, "/error");

    let array_caps = json!({"jsonrpc": "2.0", "id": 4, "error": {"code": -32021,
        "message": "needs sampling", "data": {"requiredCapabilities": ["sampling"]}}});
    let errors = validate_response("tools/call", &array_caps);
    assert_eq!(
        pointers(&errors),
        ["/error/data/requiredCapabilities"],
        "{errors:#?}"
    );
    assert_eq!(errors[0].definition, "MissingRequiredClientCapabilityError");
    let good_caps = json!({"jsonrpc": "2.0", "id": 4, "error": {"code": -32021,
        "message": "needs sampling", "data": {"requiredCapabilities": {"sampling": {}}}}});
    assert_clean("tools/call", &good_caps);

    let version = json!({"jsonrpc": "2.0", "id": 4, "error": {"code": -32022,
        "message": "unsupported", "data": {"supported": ["2026-07-28"]}}});
    assert_has(&validate_response("tools/list", &version), "/error/data");
    let header =
        json!({"jsonrpc": "2.0", "id": 4, "error": {"code": -32020, "message": "Mcp-Name"}});
    assert_clean("tools/call", &header);
}

#[test]
fn envelope_problems() {
    let null_id = json!({"jsonrpc": "2.0", "id": null, "result": {"resultType": "complete"}});
    assert_eq!(pointers(&validate_response("x/y", &null_id)), ["/id"]);
    let null_id_error =
        json!({"jsonrpc": "2.0", "id": null, "error": {"code": -32600, "message": "?"}});
    assert_eq!(pointers(&validate_response("x/y", &null_id_error)), ["/id"]);
    let both = json!({"jsonrpc": "2.0", "id": 1, "result": {"resultType": "complete"},
        "error": {"code": -32603, "message": "boom"}});
    let errors = validate_response("x/y", &both);
    assert_has(&errors, "");
    assert!(errors[0].message.contains("both"));
    let old = json!({"jsonrpc": "1.0", "id": 1, "result": {"resultType": "complete"}});
    assert_eq!(pointers(&validate_response("x/y", &old)), ["/jsonrpc"]);
    let float_id = json!({"jsonrpc": "2.0", "id": 1.5, "result": {"resultType": "complete"}});
    assert_eq!(pointers(&validate_response("x/y", &float_id)), ["/id"]);
    assert_has(&validate_response("x/y", &json!([1])), "");
}

#[test]
fn requests_are_never_valid_server_messages() {
    let request = json!({"jsonrpc": "2.0", "id": 8, "method": "sampling/createMessage",
        "params": {"messages": [], "maxTokens": 5}});
    let errors = validate_notification(&request);
    assert_eq!(errors.len(), 1);
    assert!(errors[0].message.contains("servers never send requests"));
    let errors = validate_response("tools/call", &request);
    assert!(errors[0].message.contains("servers never send requests"));
}

#[test]
fn notifications() {
    let sub = json!({"io.modelcontextprotocol/subscriptionId": "s1"});
    let good = [
        json!({"jsonrpc": "2.0", "method": "notifications/progress",
            "params": {"progressToken": "p", "progress": 0.5, "total": 1}}),
        json!({"jsonrpc": "2.0", "method": "notifications/message",
            "params": {"level": "notice", "data": {"any": "thing"}}}),
        json!({"jsonrpc": "2.0", "method": "notifications/cancelled",
            "params": {"requestId": "listen-3", "reason": "shutting down"}}),
        json!({"jsonrpc": "2.0", "method": "notifications/tools/list_changed", "params": {"_meta": sub}}),
        json!({"jsonrpc": "2.0", "method": "notifications/prompts/list_changed"}),
        json!({"jsonrpc": "2.0", "method": "notifications/resources/list_changed"}),
        json!({"jsonrpc": "2.0", "method": "notifications/resources/updated",
            "params": {"uri": "memo://one", "_meta": sub}}),
        json!({"jsonrpc": "2.0", "method": "notifications/subscriptions/acknowledged",
            "params": {"notifications": {"toolsListChanged": true}, "_meta": sub}}),
        json!({"jsonrpc": "2.0", "method": "vendor/thing", "params": {"x": 1}}),
    ];
    for message in &good {
        let errors = validate_notification(message);
        assert!(errors.is_empty(), "{message}: {errors:#?}");
    }
    let bad = json!({"jsonrpc": "2.0", "method": "notifications/message",
        "params": {"level": "verbose"}});
    let errors = validate_notification(&bad);
    assert_has(&errors, "/params/level");
    assert_has(&errors, "/params");
    assert!(
        errors
            .iter()
            .all(|e| e.definition == "LoggingMessageNotification")
    );
    let response = json!({"jsonrpc": "2.0", "id": 1, "result": {"resultType": "complete"}});
    assert_eq!(validate_notification(&response).len(), 1);
}

#[test]
fn validate_def_for_any_definition() {
    let errors = validate_def("Implementation", &json!({"name": "n"})).unwrap();
    assert_eq!(pointers(&errors), [""]);
    assert!(
        validate_def("Implementation", &json!({"name": "n", "version": "1"}))
            .unwrap()
            .is_empty()
    );
    assert!(validate_def("Nope", &json!({})).is_err());
    assert!(mcpcheck_schemas::schema_json().contains("\"$defs\""));
}

// ---------------------------------------------------------------------------------------------
// Tasks extension

fn task_fields(status: &str) -> Value {
    json!({"taskId": "job-5e1d", "status": status, "createdAt": "2031-04-05T06:07:08Z",
        "lastUpdatedAt": "2031-04-05T06:07:09Z", "ttlMs": 90000, "pollIntervalMs": 500})
}

fn with(mut base: Value, extra: Value) -> Value {
    for (k, v) in extra.as_object().unwrap() {
        base[k] = v.clone();
    }
    base
}

fn create_task_result() -> Value {
    with(task_fields("working"), json!({"resultType": "task"}))
}

fn get_task_result(status: &str) -> Value {
    let payload = match status {
        "input_required" => json!({"inputRequests": {"colour": {"method": "elicitation/create",
            "params": {"message": "Colour?", "requestedSchema": {"type": "object",
                "properties": {"c": {"type": "string"}}}}}}}),
        "completed" => json!({"result": {"content": [{"type": "text", "text": "done"}],
            "isError": false}}),
        "failed" => json!({"error": {"code": -32603, "message": "backend gone"},
            "statusMessage": "backend gone"}),
        _ => json!({}),
    };
    with(
        with(task_fields(status), json!({"resultType": "complete"})),
        payload,
    )
}

#[test]
fn tasks_dispatch_targets() {
    assert_eq!(result_definition("tasks/get"), Some("GetTaskResult"));
    assert_eq!(result_definition("tasks/update"), Some("UpdateTaskResult"));
    assert_eq!(result_definition("tasks/cancel"), Some("CancelTaskResult"));
    assert_eq!(
        notification_definition("notifications/tasks"),
        Some("TaskStatusNotification")
    );
    assert_eq!(TASKS_EXTENSION, "io.modelcontextprotocol/tasks");
    assert_eq!(
        tasks_result_types(),
        [ResultTypeExtension {
            result_type: "task",
            definition: Some("CreateTaskResult")
        }]
    );
    let names: Vec<&str> = mcpcheck_schemas::definitions().collect();
    for name in [
        "TaskStatus",
        "Task",
        "CreateTaskResult",
        "WorkingTask",
        "InputRequiredTask",
        "CompletedTask",
        "FailedTask",
        "CancelledTask",
        "DetailedTask",
        "GetTaskRequest",
        "GetTaskRequestParams",
        "GetTaskResult",
        "UpdateTaskRequest",
        "UpdateTaskResult",
        "CancelTaskRequest",
        "CancelTaskResult",
        "TaskStatusNotification",
        "TaskStatusNotificationParams",
        "TaskSubscriptionNotifications",
        "TaskSubscriptionAcknowledgedNotifications",
        "TasksExtensionCapability",
    ] {
        assert!(names.contains(&name), "{name}");
    }
}

#[test]
fn create_task_result_needs_the_declaration() {
    let message = ok(json!(31), create_task_result());
    let declared = [TASKS_EXTENSION, "org.example/other"];
    let errors = validate_response_declared("tools/call", &message, &declared);
    assert!(errors.is_empty(), "{errors:#?}");
    let errors = validate_response_with("tools/call", &message, tasks_result_types());
    assert!(errors.is_empty(), "{errors:#?}");
    let null_ttl = ok(
        json!(31),
        with(create_task_result(), json!({"ttlMs": null})),
    );
    assert!(validate_response_declared("tools/call", &null_ttl, &declared).is_empty());

    for errors in [
        validate_response_declared("tools/call", &message, &["org.example/other"]),
        validate_response("tools/call", &message),
    ] {
        assert_eq!(pointers(&errors), ["/result/resultType"], "{errors:#?}");
        assert_eq!(errors[0].definition, TASK_RESULT_TYPE_UNDECLARED);
        assert!(
            errors[0].message.contains(
                "only allowed when the request declared the io.modelcontextprotocol/tasks extension"
            ),
            "{}",
            errors[0].message
        );
    }

    // Shape errors are CreateTaskResult's.
    let mut broken = create_task_result();
    broken.as_object_mut().unwrap().remove("ttlMs");
    broken["pollIntervalMs"] = json!("500");
    broken["status"] = json!("running");
    let errors = validate_response_declared("tools/call", &ok(json!(1), broken), &declared);
    assert_has(&errors, "/result");
    assert_has(&errors, "/result/pollIntervalMs");
    assert_has(&errors, "/result/status");
    assert!(
        errors.iter().all(|e| e.definition == "CreateTaskResult"),
        "{errors:#?}"
    );
    let status_error = errors
        .iter()
        .find(|e| e.pointer == "/result/status")
        .unwrap();
    assert!(
        status_error.message.contains("\"cancelled\""),
        "{status_error}"
    );
    // No nested task object: the flat members are required.
    let nested = ok(
        json!(1),
        json!({"resultType": "task", "task": task_fields("working")}),
    );
    let errors = validate_response_declared("tools/call", &nested, &declared);
    assert!(!errors.is_empty());
    assert!(errors.iter().all(|e| e.definition == "CreateTaskResult"));
}

#[test]
fn task_result_type_only_on_tools_call() {
    let message = ok(json!(2), create_task_result());
    for method in ["prompts/get", "resources/read", "tools/list", "vendor/x"] {
        for errors in [
            validate_response_declared(method, &message, &[TASKS_EXTENSION]),
            validate_response_with(method, &message, tasks_result_types()),
            validate_response(method, &message),
        ] {
            assert_eq!(
                pointers(&errors),
                ["/result/resultType"],
                "{method}: {errors:#?}"
            );
            assert_eq!(errors[0].definition, TASK_RESULT_TYPE_WRONG_METHOD);
            assert!(
                errors[0]
                    .message
                    .contains("resultType \"task\" is only allowed on tools/call (io.modelcontextprotocol/tasks)"),
                "{}",
                errors[0].message
            );
        }
    }
    // On tasks/get the rest of the complete shape is still checked.
    let errors = validate_response_declared("tasks/get", &message, &[TASKS_EXTENSION]);
    assert_eq!(pointers(&errors), ["/result/resultType"], "{errors:#?}");
    assert_eq!(errors[0].definition, TASK_RESULT_TYPE_WRONG_METHOD);
}

#[test]
fn tasks_get_variants() {
    for status in [
        "working",
        "input_required",
        "completed",
        "failed",
        "cancelled",
    ] {
        let message = ok(json!("g-1"), get_task_result(status));
        assert_clean("tasks/get", &message);
        let mut null_ttl = message.clone();
        null_ttl["result"]["ttlMs"] = Value::Null;
        assert_clean("tasks/get", &null_ttl);
    }
    let variant = |status: &str| match status {
        "working" => "WorkingTask",
        "input_required" => "InputRequiredTask",
        "completed" => "CompletedTask",
        "failed" => "FailedTask",
        _ => "CancelledTask",
    };
    // The payload of each status is required, and errors name the variant.
    for (status, member) in [
        ("input_required", "inputRequests"),
        ("completed", "result"),
        ("failed", "error"),
    ] {
        let mut result = get_task_result(status);
        result.as_object_mut().unwrap().remove(member);
        let errors = validate_response("tasks/get", &ok(json!(1), result));
        assert_eq!(pointers(&errors), ["/result"], "{status}: {errors:#?}");
        assert_eq!(errors[0].definition, variant(status));
        assert!(errors[0].message.contains(member), "{}", errors[0].message);
    }
    // Float ttlMs points at the member.
    for status in ["working", "completed"] {
        let mut result = get_task_result(status);
        result["ttlMs"] = json!(90000.5);
        let errors = validate_response("tasks/get", &ok(json!(1), result));
        assert_eq!(pointers(&errors), ["/result/ttlMs"], "{errors:#?}");
        assert_eq!(errors[0].definition, variant(status));
    }
    // Missing ttlMs fails (the key is required even though null is allowed).
    let mut result = get_task_result("cancelled");
    result.as_object_mut().unwrap().remove("ttlMs");
    let errors = validate_response("tasks/get", &ok(json!(1), result));
    assert_eq!(pointers(&errors), ["/result"]);
    assert!(errors[0].message.contains("ttlMs"));
    // Deep errors: a failed task's error code, an input request's method.
    let mut result = get_task_result("failed");
    result["error"]["code"] = json!("E1");
    assert_has(
        &validate_response("tasks/get", &ok(json!(1), result)),
        "/result/error/code",
    );
    let mut result = get_task_result("input_required");
    result["inputRequests"]["colour"]["method"] = json!("ping");
    assert_has(
        &validate_response("tasks/get", &ok(json!(1), result)),
        "/result/inputRequests/colour/method",
    );
    // String pollIntervalMs.
    let mut result = get_task_result("working");
    result["pollIntervalMs"] = json!("500");
    assert_eq!(
        pointers(&validate_response("tasks/get", &ok(json!(1), result))),
        ["/result/pollIntervalMs"]
    );
}

#[test]
fn tasks_get_unknown_status_and_result_type() {
    let result = with(get_task_result("working"), json!({"status": "running"}));
    let errors = validate_response("tasks/get", &ok(json!(1), result));
    assert_eq!(pointers(&errors), ["/result/status"], "{errors:#?}");
    assert_eq!(errors[0].definition, "GetTaskResult");
    for status in [
        "working",
        "input_required",
        "completed",
        "failed",
        "cancelled",
    ] {
        assert!(errors[0].message.contains(&format!("\"{status}\"")));
    }
    // Unknown status and a missing member: both reported, once.
    let mut result = with(get_task_result("working"), json!({"status": 3}));
    result.as_object_mut().unwrap().remove("createdAt");
    let errors = validate_response("tasks/get", &ok(json!(1), result));
    assert_eq!(
        pointers(&errors),
        ["/result/status", "/result"],
        "{errors:#?}"
    );
    // Missing status.
    let mut result = get_task_result("working");
    result.as_object_mut().unwrap().remove("status");
    let errors = validate_response("tasks/get", &ok(json!(1), result));
    assert_eq!(pointers(&errors), ["/result"], "{errors:#?}");
    assert!(errors[0].message.contains("status"));
    // resultType other than "complete" on tasks/get.
    let result = with(get_task_result("completed"), json!({"resultType": "bogus"}));
    let errors = validate_response("tasks/get", &ok(json!(1), result));
    assert_eq!(pointers(&errors), ["/result/resultType"], "{errors:#?}");
    assert_eq!(errors[0].definition, "GetTaskResult");
    // _meta is checked as a result _meta.
    let result = with(
        get_task_result("working"),
        json!({"_meta": {"io.modelcontextprotocol/serverInfo": {"name": "x"}}}),
    );
    let errors = validate_response("tasks/get", &ok(json!(1), result));
    assert_eq!(
        pointers(&errors),
        ["/result/_meta/io.modelcontextprotocol~1serverInfo"],
        "{errors:#?}"
    );
    assert_eq!(errors[0].definition, "GetTaskResult");
}

#[test]
fn tasks_update_and_cancel_acks() {
    for method in ["tasks/update", "tasks/cancel"] {
        assert_clean(method, &ok(json!(7), json!({"resultType": "complete"})));
        assert_clean(
            method,
            &ok(
                json!(7),
                json!({"resultType": "complete", "_meta": server_info()}),
            ),
        );
        let errors = validate_response(method, &ok(json!(7), json!({"resultType": "task"})));
        assert_eq!(errors[0].definition, TASK_RESULT_TYPE_WRONG_METHOD);
        let errors = validate_response(method, &ok(json!(7), json!({"resultType": "done"})));
        assert_eq!(pointers(&errors), ["/result/resultType"]);
        assert_eq!(errors[0].definition, result_definition(method).unwrap());
        let errors = validate_response(method, &ok(json!(7), json!({})));
        assert_eq!(pointers(&errors), ["/result/resultType"]);
    }
}

#[test]
fn task_status_notifications() {
    let sub = json!({"io.modelcontextprotocol/subscriptionId": "L1"});
    for status in [
        "working",
        "input_required",
        "completed",
        "failed",
        "cancelled",
    ] {
        let mut params = get_task_result(status);
        params.as_object_mut().unwrap().remove("resultType");
        params["_meta"] = sub.clone();
        let message = json!({"jsonrpc": "2.0", "method": "notifications/tasks", "params": params});
        let errors = validate_notification(&message);
        assert!(errors.is_empty(), "{status}: {errors:#?}");
    }
    let bad = |params: Value| {
        validate_notification(&json!({"jsonrpc": "2.0", "method": "notifications/tasks",
            "params": params}))
    };
    let mut params = task_fields("working");
    params["ttlMs"] = json!(1.5);
    let errors = bad(params);
    assert_eq!(pointers(&errors), ["/params/ttlMs"], "{errors:#?}");
    assert_eq!(errors[0].definition, "WorkingTask");
    let errors = bad(task_fields("running"));
    assert_eq!(pointers(&errors), ["/params/status"], "{errors:#?}");
    assert_eq!(errors[0].definition, "TaskStatusNotification");
    let errors = bad(task_fields("failed"));
    assert_eq!(pointers(&errors), ["/params"], "{errors:#?}");
    assert_eq!(errors[0].definition, "FailedTask");
    let mut params = task_fields("cancelled");
    params["_meta"] = json!({"io.modelcontextprotocol/subscriptionId": 1.5});
    let errors = bad(params);
    assert_eq!(
        pointers(&errors),
        ["/params/_meta/io.modelcontextprotocol~1subscriptionId"],
        "{errors:#?}"
    );
    let errors = validate_notification(&json!({"jsonrpc": "2.0", "method": "notifications/tasks"}));
    assert_eq!(pointers(&errors), [""], "{errors:#?}");
    assert_eq!(errors[0].definition, "TaskStatusNotification");
}

#[test]
fn listen_acknowledgement_with_task_ids() {
    let ack = |notifications: Value| {
        validate_notification(&json!({"jsonrpc": "2.0",
            "method": "notifications/subscriptions/acknowledged",
            "params": {"notifications": notifications,
                "_meta": {"io.modelcontextprotocol/subscriptionId": 12}}}))
    };
    assert!(ack(json!({"taskIds": ["job-5e1d", "job-77"]})).is_empty());
    assert!(ack(json!({"taskIds": [], "toolsListChanged": true})).is_empty());
    let errors = ack(json!({"taskIds": ["job-5e1d", 4]}));
    assert_eq!(
        pointers(&errors),
        ["/params/notifications/taskIds/1"],
        "{errors:#?}"
    );
    assert_eq!(
        errors[0].definition,
        "TaskSubscriptionAcknowledgedNotifications"
    );
    assert!(
        validate_def(
            "TaskSubscriptionNotifications",
            &json!({"taskIds": ["job-5e1d"]})
        )
        .unwrap()
        .is_empty()
    );
}

#[test]
fn discover_tasks_capability() {
    let discover = |value: Value| {
        ok(
            json!(1),
            json!({"resultType": "complete", "supportedVersions": ["2026-07-28"],
                "capabilities": {"tools": {}, "extensions": {TASKS_EXTENSION: value}},
                "ttlMs": 0, "cacheScope": "public"}),
        )
    };
    assert_clean("server/discover", &discover(json!({})));
    let errors = validate_response("server/discover", &discover(json!({"list": true})));
    assert_eq!(
        pointers(&errors),
        ["/result/capabilities/extensions/io.modelcontextprotocol~1tasks"],
        "{errors:#?}"
    );
    assert_eq!(errors[0].definition, "TasksExtensionCapability");
    assert!(
        validate_def("TasksExtensionCapability", &json!({}))
            .unwrap()
            .is_empty()
    );
}

#[test]
fn task_requests() {
    let meta = json!({"io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {"extensions": {TASKS_EXTENSION: {}}}});
    let get = json!({"jsonrpc": "2.0", "id": 3, "method": "tasks/get",
        "params": {"taskId": "job-5e1d", "_meta": meta}});
    assert!(validate_def("GetTaskRequest", &get).unwrap().is_empty());
    let mut cancel = get.clone();
    cancel["method"] = json!("tasks/cancel");
    assert!(
        validate_def("CancelTaskRequest", &cancel)
            .unwrap()
            .is_empty()
    );
    assert!(!validate_def("GetTaskRequest", &cancel).unwrap().is_empty());
    let mut update = get.clone();
    update["method"] = json!("tasks/update");
    assert!(
        !validate_def("UpdateTaskRequest", &update)
            .unwrap()
            .is_empty()
    );
    update["params"]["inputResponses"] = json!({"colour": {"action": "accept",
        "content": {"c": "teal"}}});
    assert!(
        validate_def("UpdateTaskRequest", &update)
            .unwrap()
            .is_empty()
    );
    let mut no_id = get.clone();
    no_id["params"].as_object_mut().unwrap().remove("taskId");
    assert_eq!(
        pointers(&validate_def("GetTaskRequest", &no_id).unwrap()),
        ["/params"]
    );
}
