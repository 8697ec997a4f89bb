//! The validator API on hand-written messages (values invented for these tests).

use mcpcheck_schemas::{
    ResultTypeExtension, SchemaError, validate_def, validate_notification, validate_response,
    validate_response_with,
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
