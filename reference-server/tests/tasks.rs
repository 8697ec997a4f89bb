//! The tasks extension over HTTP: fixtures through their whole lifecycle, the task methods,
//! errors, routing headers, listen notifications and instance separation.

mod common;

use std::time::Duration;

use base64::Engine as _;
use common::*;
use mcpcheck_reference_server::Config;
use serde_json::{Value, json};

fn is_iso_ms(s: &Value) -> bool {
    let s = s.as_str().unwrap_or("");
    let b = s.as_bytes();
    s.len() == 24
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && b[19] == b'.'
        && s.ends_with('Z')
}

/// The checks every task object (CreateTaskResult, tasks/get, notification params) passes.
fn assert_task_fields(t: &Value) {
    assert!(t["taskId"].is_string(), "{t}");
    assert!(
        [
            "working",
            "input_required",
            "completed",
            "failed",
            "cancelled"
        ]
        .contains(&t["status"].as_str().unwrap_or("")),
        "{t}"
    );
    assert!(is_iso_ms(&t["createdAt"]), "{t}");
    assert!(is_iso_ms(&t["lastUpdatedAt"]), "{t}");
    assert!(
        t["lastUpdatedAt"].as_str() >= t["createdAt"].as_str(),
        "{t}"
    );
    assert!(t["ttlMs"].is_u64(), "{t}");
    assert!(t["pollIntervalMs"].is_u64(), "{t}");
    for legacy in ["ttl", "pollInterval", "task"] {
        assert!(t.get(legacy).is_none(), "{legacy}: {t}");
    }
    let status = t["status"].as_str().unwrap();
    assert_eq!(t.get("result").is_some(), status == "completed", "{t}");
    assert_eq!(t.get("error").is_some(), status == "failed", "{t}");
    assert_eq!(
        t.get("inputRequests").is_some(),
        status == "input_required",
        "{t}"
    );
}

fn text_of(result: &Value) -> String {
    result["content"][0]["text"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn discover_advertises_the_extension_and_lists_the_fixtures() {
    let s = start(None).await;
    let d = s.request("server/discover", json!({})).await.json();
    let caps = &d["result"]["capabilities"];
    assert_eq!(caps["extensions"][TASKS], json!({}), "{d}");
    assert!(caps.get("tasks").is_none(), "{d}");
    let tools = s.list_all("tools/list", "tools").await;
    for name in [
        "greet",
        "slow_compute",
        "failing_job",
        "protocol_error_job",
        "confirm_delete",
        "multi_input",
        "test_tool_with_task",
    ] {
        let t = tools
            .iter()
            .find(|t| t["name"] == name)
            .unwrap_or_else(|| panic!("{name} not listed"));
        assert_eq!(t["inputSchema"]["type"], "object", "{t}");
        assert!(t["description"].is_string(), "{t}");
    }

    let t = start_with(Config {
        tools_only: true,
        ..Config::default()
    })
    .await;
    let d = t.request("server/discover", json!({})).await.json();
    assert!(
        d["result"]["capabilities"].get("extensions").is_none(),
        "{d}"
    );
    let tools = t.list_all("tools/list", "tools").await;
    assert!(!tools.iter().any(|t| t["name"] == "slow_compute"));
    let r = t.task_request("tasks/get", "x", json!({})).await;
    assert_eq!((r.status, r.code()), (404, -32601));
    let r = t
        .call_with_tasks("slow_compute", json!({"seconds": 0}))
        .await;
    assert_eq!(r["error"]["code"], -32602, "{r}");
}

#[tokio::test]
async fn greet_is_never_a_task_and_ignores_the_legacy_task_param() {
    let s = start(None).await;
    for meta in [json!({}), task_meta()] {
        let p = json!({"name": "greet", "arguments": {"name": "Ada"},
            "task": {"ttl": 60000}, "_meta": meta});
        let r = s.request("tools/call", p).await;
        assert_eq!(r.status, 200);
        let v = r.json();
        assert_eq!(v["result"]["resultType"], "complete", "{v}");
        assert_eq!(text_of(&v["result"]), "Hello, Ada!");
        assert!(v["result"].get("taskId").is_none());
    }
}

#[tokio::test]
async fn slow_compute_is_synchronous_without_the_extension() {
    let s = start(None).await;
    let r = s
        .call_tool("slow_compute", json!({"seconds": 0.05, "label": "sum"}))
        .await
        .json();
    assert_eq!(r["result"]["resultType"], "complete", "{r}");
    assert_eq!(text_of(&r["result"]), "sum: done after 0.05s");
    assert_eq!(r["result"]["isError"], false);
    let bad = s
        .call_tool("slow_compute", json!({"seconds": -1}))
        .await
        .json();
    assert_eq!(bad["result"]["isError"], true, "{bad}");
}

#[tokio::test]
async fn slow_compute_task_lifecycle() {
    let s = start(None).await;
    let r = s
        .call_with_tasks("slow_compute", json!({"seconds": 0.3}))
        .await;
    let created = &r["result"];
    assert_eq!(created["resultType"], "task", "{r}");
    assert_eq!(created["status"], "working");
    assert_task_fields(created);
    assert_eq!(created["ttlMs"], 60000);
    assert_eq!(created["pollIntervalMs"], 100);
    assert_eq!(created["createdAt"], created["lastUpdatedAt"]);
    for absent in ["result", "error", "inputRequests", "requestState", "task"] {
        assert!(created.get(absent).is_none(), "{absent}: {created}");
    }
    let id = created["taskId"].as_str().unwrap();
    assert_eq!(id.len(), 36, "a UUID: {id}");

    // Durable before the answer: an immediate get on another connection resolves.
    let other = s.fresh();
    let now = other.task_get(id).await;
    assert_eq!(now["result"]["resultType"], "complete", "{now}");
    assert_eq!(now["result"]["status"], "working", "{now}");
    assert_task_fields(&now["result"]);

    let done = s.wait_terminal(id).await;
    assert_eq!(done["status"], "completed", "{done}");
    assert_task_fields(&done);
    assert!(done["lastUpdatedAt"].as_str() > done["createdAt"].as_str());
    let sync = s
        .call_tool("slow_compute", json!({"seconds": 0.3}))
        .await
        .json();
    let mut expected = sync["result"].clone();
    expected.as_object_mut().unwrap().remove("_meta");
    assert_eq!(done["result"], expected);
    assert_eq!(text_of(&done["result"]), "slow_compute: done after 0.3s");
    // Terminal states never change.
    for _ in 0..3 {
        let again = s.task_get(id).await["result"].clone();
        let mut a = again.clone();
        a.as_object_mut().unwrap().remove("_meta");
        let mut d = done.clone();
        d.as_object_mut().unwrap().remove("_meta");
        assert_eq!(a, d);
    }

    // seconds 0 still makes a task when the extension is declared.
    let zero = s.create_task("slow_compute", json!({"seconds": 0})).await;
    let z = s.wait_terminal(&zero).await;
    assert_eq!(z["status"], "completed");
    assert_eq!(text_of(&z["result"]), "slow_compute: done after 0s");
}

#[tokio::test]
async fn failing_and_protocol_error_jobs() {
    let s = start(None).await;
    let id = s.create_task("failing_job", json!({})).await;
    let t = s.wait_terminal(&id).await;
    assert_eq!(t["status"], "completed", "{t}");
    assert_eq!(t["result"]["isError"], true, "{t}");
    assert_task_fields(&t);

    let id = s.create_task("protocol_error_job", json!({})).await;
    let t = s.wait_terminal(&id).await;
    assert_eq!(t["status"], "failed", "{t}");
    assert_eq!(t["error"]["code"], -32603);
    assert!(!t["error"]["message"].as_str().unwrap().is_empty());
    assert!(t["statusMessage"].is_string());
    assert_task_fields(&t);
}

#[tokio::test]
async fn task_only_tools_need_the_extension() {
    let s = start(None).await;
    for (name, args) in [
        ("failing_job", json!({})),
        ("protocol_error_job", json!({})),
        ("confirm_delete", json!({"filename": "a.txt"})),
        ("multi_input", json!({})),
        ("test_tool_with_task", json!({})),
    ] {
        let p = json!({"name": name, "arguments": args,
            "_meta": {"io.modelcontextprotocol/clientCapabilities": {"elicitation": {}}}});
        let r = s.request("tools/call", p).await;
        assert_eq!((r.status, r.code()), (400, -32021), "{name}: {}", r.text);
        assert_eq!(
            r.json()["error"]["data"]["requiredCapabilities"]["extensions"][TASKS],
            json!({}),
            "{name}"
        );
    }
    // An ordinary tool with the extension declared stays synchronous.
    let r = s.call_with_tasks("test_simple_text", json!({})).await;
    assert_eq!(r["result"]["resultType"], "complete", "{r}");
}

#[tokio::test]
async fn confirm_delete_asks_and_completes() {
    let s = start(None).await;
    for (answer, text) in [
        (
            json!({"action": "accept", "content": {"confirm": true}}),
            "deleted a.txt",
        ),
        (json!({"action": "decline"}), "kept a.txt"),
    ] {
        let id = s
            .create_task("confirm_delete", json!({"filename": "a.txt"}))
            .await;
        let t = s.wait_for(&id, &["input_required"], 50).await;
        assert_task_fields(&t);
        let req = &t["inputRequests"]["confirm"];
        assert_eq!(req["method"], "elicitation/create", "{t}");
        assert_eq!(req["params"]["mode"], "form");
        assert_eq!(
            req["params"]["requestedSchema"]["properties"]["confirm"]["type"],
            "boolean"
        );
        let ack = s
            .task_request(
                "tasks/update",
                &id,
                json!({"inputResponses": {"confirm": answer}}),
            )
            .await
            .json();
        let mut a = ack["result"].clone();
        a.as_object_mut().unwrap().remove("_meta");
        assert_eq!(a, json!({"resultType": "complete"}), "{ack}");
        let done = s.wait_terminal(&id).await;
        assert_eq!(done["status"], "completed");
        assert_eq!(text_of(&done["result"]), text);
    }
}

#[tokio::test]
async fn multi_input_accepts_partial_updates() {
    let s = start(None).await;
    let id = s.create_task("multi_input", json!({})).await;
    let t = s.wait_for(&id, &["input_required"], 50).await;
    let keys: Vec<&String> = t["inputRequests"].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["first_name", "last_name"], "{t}");
    let last_name_request = t["inputRequests"]["last_name"].clone();

    // Invalid and missing inputResponses.
    let r = s
        .task_request(
            "tasks/update",
            &id,
            json!({"inputResponses": {"first_name": {"action": "maybe"}}}),
        )
        .await
        .json();
    assert_eq!(r["error"]["code"], -32602, "{r}");
    let r = s.task_request("tasks/update", &id, json!({})).await.json();
    assert_eq!(r["error"]["code"], -32602, "{r}");
    let r = s
        .task_request("tasks/update", &id, json!({"inputResponses": [1]}))
        .await
        .json();
    assert_eq!(r["error"]["code"], -32602, "{r}");

    // A partial answer plus an unknown key: acked, the unknown key ignored.
    let answer = json!({"first_name": {"action": "accept", "content": {"first_name": "Ada"}},
        "nickname": {"action": "accept", "content": {}}});
    let ack = s
        .task_request("tasks/update", &id, json!({"inputResponses": answer}))
        .await
        .json();
    assert_eq!(ack["result"]["resultType"], "complete", "{ack}");
    let t = s.task_get(&id).await["result"].clone();
    assert_eq!(t["status"], "input_required", "{t}");
    let keys: Vec<&String> = t["inputRequests"].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["last_name"], "{t}");
    assert_eq!(t["inputRequests"]["last_name"], last_name_request);

    let answer = json!({"last_name": {"action": "accept", "content": {"last_name": "Lovelace"}}});
    s.task_request("tasks/update", &id, json!({"inputResponses": answer}))
        .await;
    let done = s.wait_terminal(&id).await;
    assert_eq!(done["status"], "completed");
    assert_eq!(text_of(&done["result"]), "Hello, Ada Lovelace!");
    // Updates on a terminal task are acked and change nothing.
    let ack = s
        .task_request("tasks/update", &id, json!({"inputResponses": answer}))
        .await
        .json();
    assert_eq!(ack["result"]["resultType"], "complete", "{ack}");
    assert_eq!(s.task_get(&id).await["result"]["result"], done["result"]);
}

#[tokio::test]
async fn test_tool_with_task_runs_mrtr_before_the_task() {
    let s = start(None).await;
    let caps = task_caps(json!({"elicitation": {}}));
    let p = |extra: Value| {
        let mut p = json!({"name": "test_tool_with_task", "arguments": {},
            "_meta": {"io.modelcontextprotocol/clientCapabilities": caps.clone()}});
        for (k, v) in extra.as_object().cloned().unwrap_or_default() {
            p[k] = v;
        }
        p
    };
    let first = s.request("tools/call", p(json!({}))).await.json();
    assert_eq!(first["result"]["resultType"], "input_required", "{first}");
    assert!(first["result"].get("taskId").is_none());
    assert_eq!(
        first["result"]["inputRequests"]["user_name"]["method"],
        "elicitation/create"
    );
    let state = first["result"]["requestState"].clone();
    let answer = json!({"user_name": {"action": "accept", "content": {"name": "Alice"}}});
    let second = s
        .request(
            "tools/call",
            p(json!({"inputResponses": answer, "requestState": state})),
        )
        .await
        .json();
    assert_eq!(second["result"]["resultType"], "task", "{second}");
    assert!(second["result"].get("requestState").is_none());
    let id = second["result"]["taskId"].as_str().unwrap();
    let done = s.wait_terminal(id).await;
    assert_eq!(done["status"], "completed");
    assert_eq!(text_of(&done["result"]), "Hello, Alice!");

    // Elicitation is needed as well.
    let r = s.call_with_tasks("test_tool_with_task", json!({})).await;
    assert_eq!(r["error"]["code"], -32021, "{r}");
    assert!(r["error"]["data"]["requiredCapabilities"]["elicitation"].is_object());
}

#[tokio::test]
async fn cancel_is_acked_and_terminal_states_do_not_change() {
    let s = start(None).await;
    let id = s.create_task("slow_compute", json!({"seconds": 30})).await;
    let ack = s.task_request("tasks/cancel", &id, json!({})).await.json();
    let mut a = ack["result"].clone();
    a.as_object_mut().unwrap().remove("_meta");
    assert_eq!(a, json!({"resultType": "complete"}), "{ack}");
    let t = s.wait_terminal(&id).await;
    assert_eq!(t["status"], "cancelled", "{t}");
    assert_task_fields(&t);
    let again = s.task_request("tasks/cancel", &id, json!({})).await.json();
    assert_eq!(again["result"]["resultType"], "complete", "{again}");
    assert_eq!(s.task_get(&id).await["result"]["status"], "cancelled");

    // Cancelling a completed task: the same ack, and it stays completed.
    let id = s.create_task("slow_compute", json!({"seconds": 0})).await;
    let done = s.wait_terminal(&id).await;
    let ack = s.task_request("tasks/cancel", &id, json!({})).await.json();
    assert_eq!(ack["result"]["resultType"], "complete", "{ack}");
    let after = s.task_get(&id).await["result"].clone();
    assert_eq!(after["status"], "completed");
    assert_eq!(after["lastUpdatedAt"], done["lastUpdatedAt"]);
    assert_eq!(after["result"], done["result"]);

    // Cancelling while input is required.
    let id = s
        .create_task("confirm_delete", json!({"filename": "b"}))
        .await;
    s.wait_for(&id, &["input_required"], 50).await;
    s.task_request("tasks/cancel", &id, json!({})).await;
    assert_eq!(s.wait_terminal(&id).await["status"], "cancelled");
}

#[tokio::test]
async fn unknown_and_invalid_task_ids() {
    let s = start(None).await;
    let fake = "4f1c9a0e-7b7e-4c4e-9d55-2f4a8f7c1b21";
    for (method, extra) in [
        ("tasks/get", json!({})),
        ("tasks/update", json!({"inputResponses": {}})),
        ("tasks/cancel", json!({})),
    ] {
        let r = s.task_request(method, fake, extra).await;
        assert_eq!(r.status, 200, "{method}");
        let v = r.json();
        assert_eq!(v["error"]["code"], -32602, "{method}: {v}");
        assert!(
            v["error"]["message"]
                .as_str()
                .unwrap()
                .starts_with("Task not found"),
            "{v}"
        );
        // taskId missing or not a string.
        let p = json!({"taskId": 7, "_meta": task_meta()});
        let r = s.request_with(method, with_meta(p), &[], &[]).await.json();
        assert_eq!(r["error"]["code"], -32602, "{method}: {r}");
    }
}

#[tokio::test]
async fn task_methods_need_the_extension() {
    let s = start(None).await;
    let id = s.create_task("slow_compute", json!({"seconds": 0})).await;
    for method in ["tasks/get", "tasks/update", "tasks/cancel"] {
        let p = json!({"taskId": id, "inputResponses": {}});
        let r = s.request(method, p).await;
        assert_eq!((r.status, r.code()), (400, -32021), "{method}: {}", r.text);
        let v = r.json();
        assert_eq!(
            v["error"]["data"]["requiredCapabilities"]["extensions"][TASKS],
            json!({})
        );
        assert!(v["error"]["message"].as_str().unwrap().contains(TASKS));
    }
}

#[tokio::test]
async fn routing_headers_of_task_methods() {
    let s = start(None).await;
    let id = s.create_task("slow_compute", json!({"seconds": 0})).await;
    let p = with_meta(json!({"taskId": id, "_meta": task_meta()}));
    let ok = s.request_with("tasks/get", p.clone(), &[], &[]).await;
    assert_eq!(ok.status, 200, "{}", ok.text);
    let wrong = s
        .request_with(
            "tasks/get",
            p.clone(),
            &["Mcp-Name"],
            &[("Mcp-Name", "other")],
        )
        .await;
    assert_eq!((wrong.status, wrong.code()), (400, -32020));
    let missing = s
        .request_with("tasks/get", p.clone(), &["Mcp-Name"], &[])
        .await;
    assert_eq!((missing.status, missing.code()), (400, -32020));
    let sentinel = format!(
        "=?base64?{}?=",
        base64::engine::general_purpose::STANDARD.encode(id.as_bytes())
    );
    let r = s
        .request_with(
            "tasks/get",
            p.clone(),
            &["Mcp-Name"],
            &[("Mcp-Name", &sentinel)],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let method = s
        .request_with(
            "tasks/get",
            p,
            &["Mcp-Method"],
            &[("Mcp-Method", "tasks/cancel")],
        )
        .await;
    assert_eq!((method.status, method.code()), (400, -32020));
}

#[tokio::test]
async fn removed_task_methods_are_unknown() {
    let s = start(None).await;
    let id = s.create_task("slow_compute", json!({"seconds": 0})).await;
    for method in ["tasks/result", "tasks/list"] {
        let p = json!({"taskId": id, "_meta": task_meta()});
        let r = s.request(method, p).await;
        assert_eq!((r.status, r.code()), (404, -32601), "{method}");
    }
    // resultType "task" only on tools/call: a prompt stays a prompt.
    let p = json!({"name": "test_simple_prompt", "_meta": task_meta()});
    let r = s.request("prompts/get", p).await.json();
    assert_eq!(r["result"]["resultType"], "complete", "{r}");
}

#[tokio::test]
async fn listen_streams_carry_task_status_notifications() {
    let s = start(None).await;
    let id = s.create_task("slow_compute", json!({"seconds": 0.3})).await;
    let params = json!({"notifications": {"taskIds": [id, "no-such-task"]}, "_meta": task_meta()});
    let mut l = s
        .open_stream(json!("L1"), "subscriptions/listen", params)
        .await;
    assert_eq!(l.status, 200);
    let wait = Duration::from_secs(5);
    let ack = l.next_message(wait).await.expect("ack");
    assert_eq!(ack["method"], "notifications/subscriptions/acknowledged");
    assert_eq!(ack["params"]["notifications"]["taskIds"], json!([id]));
    let first = l.next_message(wait).await.expect("current state");
    assert_eq!(first["method"], "notifications/tasks", "{first}");
    assert_eq!(
        first["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"],
        "L1"
    );
    assert_eq!(first["params"]["taskId"], json!(id));
    assert_eq!(first["params"]["status"], "working");
    assert!(first["params"].get("resultType").is_none());
    assert_task_fields(&first["params"]);
    let second = l.next_message(wait).await.expect("status change");
    assert_eq!(second["params"]["status"], "completed", "{second}");
    assert_task_fields(&second["params"]);
    // The same content as tasks/get.
    let mut got = s.task_get(&id).await["result"].clone();
    got.as_object_mut().unwrap().remove("resultType");
    got.as_object_mut().unwrap().remove("_meta");
    let mut n = second["params"].clone();
    n.as_object_mut().unwrap().remove("_meta");
    assert_eq!(n, got);
    // Nothing more for a terminal task.
    assert!(
        l.next_message(Duration::from_millis(300)).await.is_none(),
        "no more notifications"
    );

    // input_required is announced too.
    let id = s
        .create_task("confirm_delete", json!({"filename": "x"}))
        .await;
    let params = json!({"notifications": {"taskIds": [id]}, "_meta": task_meta()});
    let mut l = s
        .open_stream(json!(9), "subscriptions/listen", params)
        .await;
    l.next_message(wait).await.expect("ack");
    let mut statuses = Vec::new();
    while statuses.last() != Some(&json!("input_required")) {
        let m = l.next_message(wait).await.expect("a notification");
        assert_eq!(
            m["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"],
            9
        );
        statuses.push(m["params"]["status"].clone());
    }

    // taskIds without the extension declared.
    let r = s
        .request(
            "subscriptions/listen",
            json!({"notifications": {"taskIds": [id]}}),
        )
        .await;
    assert_eq!((r.status, r.code()), (400, -32021), "{}", r.text);
}

#[tokio::test]
async fn in_memory_instances_share_neither_tasks_nor_request_states() {
    let a = start(None).await;
    let b = start(None).await;
    let id = a.create_task("slow_compute", json!({"seconds": 0})).await;
    let r = b.task_get(&id).await;
    assert_eq!(r["error"]["code"], -32602, "{r}");

    let caps = task_caps(json!({"elicitation": {}}));
    let p = json!({"name": "test_tool_with_task", "arguments": {},
        "_meta": {"io.modelcontextprotocol/clientCapabilities": caps}});
    let first = a.request("tools/call", p.clone()).await.json();
    let mut retry = p.clone();
    retry["requestState"] = first["result"]["requestState"].clone();
    retry["inputResponses"] = json!({"user_name": {"action": "accept", "content": {"name": "Bo"}}});
    let r = b.request("tools/call", retry.clone()).await.json();
    assert_eq!(r["error"]["code"], -32602, "{r}");
    let r = a.request("tools/call", retry).await.json();
    assert_eq!(r["result"]["resultType"], "task", "{r}");

    // With one configured state key, states cross instances (tasks still do not).
    let key = Config {
        state_key: Some("shared secret".into()),
        ..Config::default()
    };
    let c = start_with(key.clone()).await;
    let d = start_with(key).await;
    let first = c.request("tools/call", p.clone()).await.json();
    let mut retry = p;
    retry["requestState"] = first["result"]["requestState"].clone();
    retry["inputResponses"] = json!({"user_name": {"action": "accept", "content": {"name": "Cy"}}});
    let r = d.request("tools/call", retry).await.json();
    assert_eq!(r["result"]["resultType"], "task", "{r}");
    let id = r["result"]["taskId"].as_str().unwrap();
    assert_eq!(c.task_get(id).await["error"]["code"], -32602);
    assert_eq!(text_of(&d.wait_terminal(id).await["result"]), "Hello, Cy!");
}

#[tokio::test]
async fn an_unreachable_store_fails_at_start() {
    let config = Config {
        store: Some("redis://127.0.0.1:1".into()),
        ..Config::default()
    };
    let addr = "127.0.0.1:0".parse().unwrap();
    let e = mcpcheck_reference_server::spawn(addr, config)
        .await
        .err()
        .expect("no server without its store");
    assert!(e.to_string().contains("task store unavailable"), "{e}");
    let config = Config {
        store: Some("http://example".into()),
        ..Config::default()
    };
    let e = mcpcheck_reference_server::spawn(addr, config)
        .await
        .err()
        .expect("bad URL");
    assert!(e.to_string().contains("redis://"), "{e}");
}
