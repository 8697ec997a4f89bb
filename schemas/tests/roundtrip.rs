//! Property tests: wire types round-trip through JSON, and what they serialize validates
//! against our schema.

use mcpcheck_schemas::validate_def;
use mcpcheck_schemas::wire::{
    ContentBlock, CreateTaskResult, DetailedTask, ErrorObject, GetTaskParams, GetTaskResult,
    Implementation, InputRequest, JsonRpcErrorResponse, NotificationMeta, RequestId, RequestMeta,
    Task, TaskAckResult, TaskInfo, TaskStatus, TaskStatusNotificationParams, UpdateTaskParams,
};
use proptest::prelude::*;
use serde_json::{Value, json};

fn text() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 _./:-]{0,12}"
}

fn implementation() -> impl Strategy<Value = Implementation> {
    (
        text(),
        text(),
        proptest::option::of(text()),
        proptest::option::of(text()),
    )
        .prop_map(|(name, version, title, description)| Implementation {
            name,
            version,
            title,
            description,
            website_url: None,
            icons: None,
        })
}

fn request_id() -> impl Strategy<Value = RequestId> {
    prop_oneof![
        any::<i64>().prop_map(RequestId::Number),
        text().prop_map(RequestId::String)
    ]
}

fn error_object() -> impl Strategy<Value = ErrorObject> {
    (
        any::<i32>(),
        text(),
        proptest::option::of(prop_oneof![
            Just(json!({"requiredCapabilities": {"sampling": {}}})),
            text().prop_map(Value::String),
            any::<i64>().prop_map(|n| json!(n)),
        ]),
    )
        .prop_map(|(code, message, data)| ErrorObject {
            code: i64::from(code),
            message,
            data,
        })
}

fn content_block() -> impl Strategy<Value = ContentBlock> {
    prop_oneof![
        text().prop_map(ContentBlock::text),
        (text(), text()).prop_map(|(data, mime_type)| ContentBlock::Image {
            data,
            mime_type,
            annotations: None,
            meta: None,
        }),
        (text(), text()).prop_map(|(data, mime_type)| ContentBlock::Audio {
            data,
            mime_type,
            annotations: None,
            meta: None,
        }),
    ]
}

/// Integers the schemas accept for `ttlMs` / `pollIntervalMs` (the JSON-safe range).
const SAFE: i64 = 9_007_199_254_740_991;

fn task_status() -> impl Strategy<Value = TaskStatus> {
    proptest::sample::select(TaskStatus::ALL.to_vec())
}

fn task_info() -> impl Strategy<Value = TaskInfo> {
    (
        text(),
        proptest::option::of(text()),
        text(),
        text(),
        proptest::option::of(-SAFE..=SAFE),
        proptest::option::of(0..=SAFE),
    )
        .prop_map(
            |(task_id, status_message, created_at, last_updated_at, ttl_ms, poll_interval_ms)| {
                TaskInfo {
                    task_id,
                    status_message,
                    created_at,
                    last_updated_at,
                    ttl_ms,
                    poll_interval_ms,
                }
            },
        )
}

fn input_request() -> impl Strategy<Value = InputRequest> {
    prop_oneof![
        Just(InputRequest::ListRoots(None)),
        text().prop_map(|message| {
            let params = json!({"message": message, "requestedSchema": {"type": "object",
                "properties": {"answer": {"type": "string"}}}});
            InputRequest::Elicitation(params.as_object().unwrap().clone())
        }),
    ]
}

fn detailed_task() -> impl Strategy<Value = DetailedTask> {
    let requests = proptest::collection::btree_map(text(), input_request(), 0..3);
    prop_oneof![
        task_info().prop_map(|info| DetailedTask::Working { info }),
        (task_info(), requests).prop_map(|(info, input_requests)| DetailedTask::InputRequired {
            info,
            input_requests
        }),
        (task_info(), text()).prop_map(|(info, text)| DetailedTask::Completed {
            info,
            result: json!({"content": [{"type": "text", "text": text}], "isError": false})
                .as_object()
                .unwrap()
                .clone(),
        }),
        (task_info(), error_object())
            .prop_map(|(info, error)| DetailedTask::Failed { info, error }),
        task_info().prop_map(|info| DetailedTask::Cancelled { info }),
    ]
}

fn request_meta() -> RequestMeta {
    serde_json::from_value(json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities":
            {"extensions": {"io.modelcontextprotocol/tasks": {}}}
    }))
    .unwrap()
}

fn round_trip<T>(value: &T) -> (T, Value)
where
    T: serde::Serialize + serde::de::DeserializeOwned,
{
    let json = serde_json::to_value(value).unwrap();
    (serde_json::from_value(json.clone()).unwrap(), json)
}

proptest! {
    #[test]
    fn implementation_round_trips(value in implementation()) {
        let (back, json) = round_trip(&value);
        prop_assert_eq!(&back, &value);
        prop_assert!(validate_def("Implementation", &json).unwrap().is_empty());
    }

    #[test]
    fn error_responses_round_trip(id in proptest::option::of(request_id()), error in error_object()) {
        let response = JsonRpcErrorResponse { jsonrpc: "2.0".into(), id, error };
        let (back, json) = round_trip(&response);
        prop_assert_eq!(&back, &response);
        prop_assert!(validate_def("JSONRPCErrorResponse", &json).unwrap().is_empty());
    }

    #[test]
    fn content_blocks_round_trip(block in content_block()) {
        let (back, json) = round_trip(&block);
        prop_assert_eq!(&back, &block);
        prop_assert!(validate_def("ContentBlock", &json).unwrap().is_empty());
    }
}

proptest! {
    #[test]
    fn task_status_round_trips(status in task_status()) {
        let (back, json) = round_trip(&status);
        prop_assert_eq!(back, status);
        prop_assert_eq!(&json, &json!(status.as_str()));
        prop_assert!(validate_def("TaskStatus", &json).unwrap().is_empty());
    }

    #[test]
    fn create_task_results_round_trip(status in task_status(), info in task_info()) {
        let result = CreateTaskResult::new(Task { status, info });
        let (back, json) = round_trip(&result);
        prop_assert_eq!(&back, &result);
        // ttlMs is required: present (null when unlimited).
        prop_assert!(json.get("ttlMs").is_some());
        prop_assert!(json.get("task").is_none());
        let errors = validate_def("CreateTaskResult", &json).unwrap();
        prop_assert!(errors.is_empty(), "{:?}", errors);
        prop_assert!(validate_def("Task", &json).unwrap().is_empty());
    }

    #[test]
    fn get_task_results_round_trip(task in detailed_task()) {
        let result = GetTaskResult::new(task);
        let (back, json) = round_trip(&result);
        prop_assert_eq!(&back, &result);
        prop_assert_eq!(&json["status"], &json!(result.task.status().as_str()));
        let errors = validate_def("GetTaskResult", &json).unwrap();
        prop_assert!(errors.is_empty(), "{:?}", errors);
        let response = json!({"jsonrpc": "2.0", "id": 1, "result": json});
        let errors = mcpcheck_schemas::validate_response("tasks/get", &response);
        prop_assert!(errors.is_empty(), "{:?}", errors);
    }

    #[test]
    fn task_status_notifications_round_trip(task in detailed_task(), subscription in request_id()) {
        let params = TaskStatusNotificationParams {
            task,
            meta: Some(NotificationMeta { subscription_id: Some(subscription), ..Default::default() }),
        };
        let (back, json) = round_trip(&params);
        prop_assert_eq!(&back, &params);
        prop_assert!(validate_def("TaskStatusNotificationParams", &json).unwrap().is_empty());
        let message = json!({"jsonrpc": "2.0", "method": "notifications/tasks", "params": json});
        let errors = mcpcheck_schemas::validate_notification(&message);
        prop_assert!(errors.is_empty(), "{:?}", errors);
    }

    #[test]
    fn task_requests_round_trip(task_id in text(), key in text(), answer in text()) {
        let get = GetTaskParams { meta: request_meta(), task_id: task_id.clone(), extra: Default::default() };
        let (back, json) = round_trip(&get);
        prop_assert_eq!(&back, &get);
        prop_assert!(validate_def("GetTaskRequestParams", &json).unwrap().is_empty());
        prop_assert!(validate_def("CancelTaskRequestParams", &json).unwrap().is_empty());
        let update = UpdateTaskParams {
            meta: request_meta(),
            task_id,
            input_responses: [(key, json!({"action": "accept", "content": {"answer": answer}}))]
                .into_iter()
                .collect(),
            extra: Default::default(),
        };
        let (back, json) = round_trip(&update);
        prop_assert_eq!(&back, &update);
        prop_assert!(validate_def("UpdateTaskRequestParams", &json).unwrap().is_empty());
        let ack = TaskAckResult::default();
        let (back, json) = round_trip(&ack);
        prop_assert_eq!(&back, &ack);
        prop_assert!(validate_def("UpdateTaskResult", &json).unwrap().is_empty());
        prop_assert!(validate_def("CancelTaskResult", &json).unwrap().is_empty());
    }
}
