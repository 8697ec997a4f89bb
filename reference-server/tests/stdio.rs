//! The stdio binding of the built binary (`reference-server --stdio`), and the stdio faults.

use std::process::Stdio;
use std::time::Duration;

use mcpcheck_reference_server::FAULTS;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

const T: Duration = Duration::from_secs(10);

struct Proc {
    child: Child,
    stdin: Option<ChildStdin>,
    out: Lines<BufReader<ChildStdout>>,
}

impl Proc {
    fn start(fault: Option<&str>) -> Proc {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_reference-server"));
        cmd.arg("--stdio");
        if let Some(f) = fault {
            cmd.args(["--fault", f]);
        }
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("spawn reference-server --stdio");
        let stdin = child.stdin.take();
        let out = BufReader::new(child.stdout.take().unwrap()).lines();
        Proc { child, stdin, out }
    }

    async fn send(&mut self, message: &Value) {
        let mut line = message.to_string();
        line.push('\n');
        let stdin = self.stdin.as_mut().expect("stdin open");
        stdin.write_all(line.as_bytes()).await.unwrap();
        stdin.flush().await.unwrap();
    }

    /// The next stdout line (None at EOF); panics after the timeout.
    async fn line(&mut self) -> Option<String> {
        tokio::time::timeout(T, self.out.next_line())
            .await
            .expect("stdout line within the timeout")
            .unwrap()
    }

    /// Next stdout message (every line must be one JSON object).
    async fn message(&mut self) -> Option<Value> {
        let line = self.line().await?;
        let v: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line:?}"));
        assert!(v.is_object(), "{line}");
        Some(v)
    }

    /// Messages up to and including the response with `id`.
    async fn until_response(&mut self, id: &Value) -> Vec<Value> {
        let mut seen = Vec::new();
        loop {
            let m = self.message().await.expect("response before EOF");
            let done = m.get("method").is_none() && &m["id"] == id;
            seen.push(m);
            if done {
                return seen;
            }
        }
    }

    async fn request(&mut self, id: Value, method: &str, params: Value) -> Vec<Value> {
        self.send(&request(id.clone(), method, params)).await;
        self.until_response(&id).await
    }

    fn close_stdin(&mut self) {
        self.stdin = None;
    }

    /// Closes stdin and returns the remaining stdout messages and the exit status.
    async fn finish(mut self) -> (Vec<Value>, std::process::ExitStatus) {
        self.close_stdin();
        let mut rest = Vec::new();
        while let Some(m) = self.message().await {
            rest.push(m);
        }
        let status = tokio::time::timeout(T, self.child.wait())
            .await
            .expect("exits on stdin EOF")
            .unwrap();
        (rest, status)
    }
}

fn meta() -> Value {
    json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
    })
}

fn request(id: Value, method: &str, mut params: Value) -> Value {
    let mut m = meta();
    if let Some(extra) = params.get("_meta").and_then(Value::as_object) {
        m.as_object_mut().unwrap().extend(extra.clone());
    }
    params["_meta"] = m;
    json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params})
}

/// `test_cancellation_status` for run `r1` (the slow run's progress may interleave, never its
/// response).
async fn status(p: &mut Proc, n: u32) -> Value {
    let id = json!(format!("st{n}"));
    let params = json!({"name": "test_cancellation_status", "arguments": {"runId": "r1"}});
    let r = p.request(id, "tools/call", params).await;
    assert!(r.iter().all(|m| m["id"] != "slow"), "{r:?}");
    r.last().unwrap()["result"]["structuredContent"].clone()
}

#[tokio::test]
async fn discover_errors_and_progress() {
    let mut p = Proc::start(None);
    let r = p.request(json!("d"), "server/discover", json!({})).await;
    assert_eq!(r.len(), 1);
    assert_eq!(r[0]["result"]["supportedVersions"], json!(["2026-07-28"]));
    assert!(r[0]["result"]["_meta"]["io.modelcontextprotocol/serverInfo"].is_object());

    // No _meta: -32602 (no HTTP status on stdio).
    let bare = json!({"jsonrpc": "2.0", "id": 2, "method": "server/discover", "params": {}});
    p.send(&bare).await;
    let r = p.until_response(&json!(2)).await;
    assert_eq!(r[0]["error"]["code"], -32602);

    let mut m = meta();
    m["io.modelcontextprotocol/protocolVersion"] = json!("1999-01-01");
    let v = json!({"jsonrpc": "2.0", "id": 3, "method": "tools/list", "params": {"_meta": m}});
    p.send(&v).await;
    let r = p.until_response(&json!(3)).await;
    assert_eq!(r[0]["error"]["code"], -32022);
    assert_eq!(
        r[0]["error"]["data"],
        json!({"supported": ["2026-07-28"], "requested": "1999-01-01"})
    );

    let r = p.request(json!(4), "ping", json!({})).await;
    assert_eq!(r[0]["error"]["code"], -32601);
    let r = p
        .request(
            json!(5),
            "tools/call",
            json!({"name": "test_missing_capability", "arguments": {}}),
        )
        .await;
    assert_eq!(r[0]["error"]["code"], -32021);

    // Garbage and notifications: -32700 without id; a notification gets no answer.
    p.send(&json!({"jsonrpc": "2.0", "method": "notifications/whatever"}))
        .await;
    p.stdin
        .as_mut()
        .unwrap()
        .write_all(b"not json\n")
        .await
        .unwrap();
    let m = p.message().await.unwrap();
    assert_eq!(m["error"]["code"], -32700);
    assert!(m.get("id").is_none());

    let params =
        json!({"name": "test_tool_with_progress", "arguments": {}, "_meta": {"progressToken": 11}});
    let r = p.request(json!(6), "tools/call", params).await;
    assert_eq!(r.len(), 4, "{r:?}");
    let progress: Vec<&Value> = r[..3].iter().map(|m| &m["params"]["progress"]).collect();
    assert_eq!(progress, [1, 2, 3]);
    assert!(r[..3].iter().all(|m| m["params"]["progressToken"] == 11));
    assert_eq!(r[3]["result"]["resultType"], "complete");

    // Legacy initialize names the supported version.
    let init = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "old", "version": "1"}}});
    p.send(&init).await;
    let r = p.until_response(&json!(0)).await;
    assert!(
        r[0]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("2026-07-28")
    );

    let (rest, status) = p.finish().await;
    assert!(rest.is_empty(), "{rest:?}");
    assert!(status.success());
}

#[tokio::test]
async fn listen_notifies_then_ends_on_cancel_or_eof() {
    let mut p = Proc::start(None);
    let listen = |id: Value| {
        request(
            id,
            "subscriptions/listen",
            json!({"notifications": {"toolsListChanged": true}}),
        )
    };
    p.send(&listen(json!(100))).await;
    p.send(&listen(json!("L2"))).await;
    let mut acks = [p.message().await.unwrap(), p.message().await.unwrap()];
    acks.sort_by_key(|a| {
        a["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"].to_string()
    });
    assert!(
        acks.iter()
            .all(|a| a["method"] == "notifications/subscriptions/acknowledged")
    );
    assert_eq!(
        acks[0]["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"],
        json!("L2")
    );
    assert_eq!(
        acks[1]["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"],
        json!(100)
    );

    // The client ends subscription 100; a change then reaches only L2.
    let cancel = json!({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 100}});
    p.send(&cancel).await;
    let r = p
        .request(
            json!(1),
            "tools/call",
            json!({"name": "test_trigger_tool_change", "arguments": {}}),
        )
        .await;
    let mut changes: Vec<Value> = r
        .into_iter()
        .filter(|m| m["method"] == "notifications/tools/list_changed")
        .collect();
    if changes.is_empty() {
        changes.push(p.message().await.unwrap());
    }
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert_eq!(
        changes[0]["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"],
        "L2"
    );

    // EOF: L2 gets the graceful result and notifications/cancelled, then the process exits 0.
    let (rest, status) = p.finish().await;
    assert!(status.success());
    assert_eq!(rest.len(), 2, "{rest:?}");
    assert_eq!(rest[0]["id"], "L2");
    assert_eq!(
        rest[0]["result"]["_meta"]["io.modelcontextprotocol/subscriptionId"],
        "L2"
    );
    assert_eq!(rest[1]["method"], "notifications/cancelled");
    assert_eq!(rest[1]["params"]["requestId"], "L2");
}

/// Starts `test_slow_cancellable` (run `r1`), waits (by round trips) until it runs, cancels it;
/// returns the process and whether the run was recorded as cancelled.
async fn cancel_slow_run(fault: Option<&str>) -> (Proc, bool) {
    let mut p = Proc::start(fault);
    let slow = json!({"name": "test_slow_cancellable", "arguments": {"runId": "r1"}, "_meta": {"progressToken": "s"}});
    p.send(&request(json!("slow"), "tools/call", slow)).await;
    let mut n = 0;
    loop {
        n += 1;
        if status(&mut p, n).await["seen"] == true {
            break;
        }
    }
    let cancel = json!({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": "slow"}});
    p.send(&cancel).await;
    let mut cancelled = false;
    for _ in 0..100 {
        n += 1;
        if status(&mut p, n).await["cancelled"] == true {
            cancelled = true;
            break;
        }
        if fault.is_some() {
            // The fault keeps the run going: one look is enough.
            break;
        }
    }
    (p, cancelled)
}

#[tokio::test]
async fn cancellation_stops_the_request_and_nothing_more_is_sent() {
    let (p, cancelled) = cancel_slow_run(None).await;
    assert!(cancelled);
    let (rest, status) = p.finish().await;
    assert!(status.success());
    assert!(rest.iter().all(|m| m["id"] != "slow"), "{rest:?}");
    assert!(
        rest.iter().all(|m| m["params"]["progressToken"] != "s"),
        "progress after the cancellation: {rest:?}"
    );
}

#[tokio::test]
async fn fault_stdio_ignores_cancel() {
    let (mut p, cancelled) = cancel_slow_run(Some("stdio-ignores-cancel")).await;
    assert!(!cancelled);
    let r = p.until_response(&json!("slow")).await;
    assert_eq!(r.last().unwrap()["result"]["resultType"], "complete");
    let (_, status) = p.finish().await;
    assert!(status.success());
}

#[tokio::test]
async fn fault_stdout_log_line() {
    for fault in [None, Some("stdout-log-line")] {
        let mut p = Proc::start(fault);
        p.send(&request(json!(1), "server/discover", json!({})))
            .await;
        p.close_stdin();
        let mut lines = Vec::new();
        while let Some(l) = p.line().await {
            lines.push(l);
        }
        let plain = lines
            .iter()
            .filter(|l| serde_json::from_str::<Value>(l).map_or(true, |v| !v.is_object()))
            .count();
        assert_eq!(plain > 0, fault.is_some(), "{fault:?}: {lines:?}");
        assert!(lines.iter().any(|l| l.contains("\"id\":1")));
    }
}

#[tokio::test]
async fn fault_stdio_no_exit_on_eof() {
    let p = Proc::start(None);
    let (_, status) = p.finish().await;
    assert!(status.success());

    let mut p = Proc::start(Some("stdio-no-exit-on-eof"));
    p.send(&request(json!(1), "server/discover", json!({})))
        .await;
    assert!(p.message().await.is_some());
    p.close_stdin();
    let waited = tokio::time::timeout(Duration::from_millis(1500), p.child.wait()).await;
    assert!(waited.is_err(), "exited on EOF despite the fault");
    // Still killable.
    p.child.kill().await.unwrap();
}

#[tokio::test]
async fn fault_stdio_server_request() {
    for fault in [None, Some("stdio-server-request")] {
        let mut p = Proc::start(fault);
        let mut m = meta();
        m["io.modelcontextprotocol/clientCapabilities"] = json!({"elicitation": {}});
        let call = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {
            "name": "test_streaming_elicitation", "arguments": {}, "_meta": m}});
        p.send(&call).await;
        let r = p.until_response(&json!(1)).await;
        let requests = r
            .iter()
            .filter(|m| m.get("method").is_some() && m.get("id").is_some())
            .count();
        assert_eq!(requests > 0, fault.is_some(), "{fault:?}: {r:?}");
        assert_eq!(r.last().unwrap()["result"]["resultType"], "input_required");
        // Under the fault every answer, errors included, is preceded by the request.
        for (id, method) in [(2, "tools/list"), (3, "mcpcheck/unknown")] {
            let r = p.request(json!(id), method, json!({})).await;
            let requests = r.iter().filter(|m| m.get("method").is_some()).count();
            assert_eq!(requests, usize::from(fault.is_some()), "{fault:?}: {r:?}");
        }
        // On a subscription it follows the acknowledgement, tagged with the subscription id.
        let listen = request(
            json!("L"),
            "subscriptions/listen",
            json!({"notifications": {}}),
        );
        p.send(&listen).await;
        let ack = p.message().await.unwrap();
        assert_eq!(ack["method"], "notifications/subscriptions/acknowledged");
        if fault.is_some() {
            let m = p.message().await.unwrap();
            assert_eq!(m["method"], "elicitation/create");
            assert_eq!(m["id"], "srv-1");
            assert_eq!(
                m["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"],
                "L"
            );
        }
    }
}

#[tokio::test]
async fn fault_stdio_meta_unchecked() {
    for fault in [None, Some("stdio-meta-unchecked")] {
        let mut p = Proc::start(fault);
        let bare = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"});
        p.send(&bare).await;
        let no_meta = p.until_response(&json!(1)).await.pop().unwrap();
        let mut old = meta();
        old["io.modelcontextprotocol/protocolVersion"] = json!("1999-01-01");
        let old_version = p
            .request(json!(2), "tools/list", json!({"_meta": old}))
            .await
            .pop()
            .unwrap();
        let unknown = p
            .request(json!(3), "mcpcheck/unknown", json!({}))
            .await
            .pop()
            .unwrap();
        if fault.is_some() {
            assert!(no_meta["result"]["tools"].is_array(), "{no_meta}");
            assert!(old_version["result"]["tools"].is_array(), "{old_version}");
            assert_eq!(unknown["result"]["resultType"], "complete", "{unknown}");
        } else {
            assert_eq!(no_meta["error"]["code"], -32602, "{no_meta}");
            assert_eq!(old_version["error"]["code"], -32022, "{old_version}");
            assert_eq!(unknown["error"]["code"], -32601, "{unknown}");
        }
        // The legacy initialize is still answered with the version-naming error.
        let init = json!({"jsonrpc": "2.0", "id": 4, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "c", "version": "1"}}});
        p.send(&init).await;
        let r = p.until_response(&json!(4)).await.pop().unwrap();
        assert!(r.get("error").is_some(), "{fault:?}: {r}");
    }
}

#[tokio::test]
async fn fault_stdio_no_discover() {
    for fault in [None, Some("stdio-no-discover")] {
        let mut p = Proc::start(fault);
        let r = p
            .request(json!(1), "server/discover", json!({}))
            .await
            .pop()
            .unwrap();
        if fault.is_some() {
            assert_eq!(r["error"]["code"], -32601, "{r}");
        } else {
            assert!(r["result"]["supportedVersions"].is_array(), "{r}");
        }
    }
}

#[tokio::test]
async fn fault_stdio_untagged_subscription() {
    for fault in [None, Some("stdio-untagged-subscription")] {
        let mut p = Proc::start(fault);
        let listen = request(
            json!("L"),
            "subscriptions/listen",
            json!({"notifications": {"toolsListChanged": true}}),
        );
        p.send(&listen).await;
        let ack = p.message().await.unwrap();
        assert_eq!(ack["method"], "notifications/subscriptions/acknowledged");
        let r = p
            .request(
                json!(1),
                "tools/call",
                json!({"name": "test_trigger_tool_change", "arguments": {}}),
            )
            .await;
        let mut changes: Vec<Value> = r
            .into_iter()
            .filter(|m| m["method"] == "notifications/tools/list_changed")
            .collect();
        if changes.is_empty() {
            changes.push(p.message().await.unwrap());
        }
        let change = &changes[0];
        assert_eq!(change["method"], "notifications/tools/list_changed");
        for m in [&ack, change] {
            let tag = m.pointer("/params/_meta/io.modelcontextprotocol~1subscriptionId");
            assert_eq!(tag.is_none(), fault.is_some(), "{fault:?}: {m}");
        }
    }
}

#[test]
fn stdio_faults_are_marked_stdio_only() {
    let stdio: Vec<&str> = FAULTS
        .iter()
        .filter(|f| f.stdio_only())
        .map(|f| f.name)
        .collect();
    assert_eq!(
        stdio,
        [
            "stdout-log-line",
            "stdio-no-exit-on-eof",
            "stdio-ignores-cancel",
            "stdio-server-request",
            "stdio-meta-unchecked",
            "stdio-no-discover",
            "stdio-untagged-subscription"
        ]
    );
}

fn task_meta() -> Value {
    json!({"io.modelcontextprotocol/clientCapabilities":
        {"extensions": {"io.modelcontextprotocol/tasks": {}}}})
}

/// Polls `tasks/get` over stdio until the task is in one of `statuses`.
async fn stdio_wait(p: &mut Proc, id: &str, statuses: &[&str]) -> Value {
    for n in 0..100 {
        let rid = json!(format!("get-{id}-{n}"));
        let params = json!({"taskId": id, "_meta": task_meta()});
        let r = p.request(rid, "tasks/get", params).await;
        let result = r.last().unwrap()["result"].clone();
        assert_eq!(result["resultType"], "complete", "{r:?}");
        if statuses.contains(&result["status"].as_str().unwrap_or("")) {
            return result;
        }
        let wait = result["pollIntervalMs"].as_u64().unwrap_or(100);
        tokio::time::sleep(Duration::from_millis(wait)).await;
    }
    panic!("task {id} never reached {statuses:?}");
}

#[tokio::test]
async fn tasks_over_stdio() {
    let mut p = Proc::start(None);
    let d = p.request(json!(1), "server/discover", json!({})).await;
    assert_eq!(
        d[0]["result"]["capabilities"]["extensions"]["io.modelcontextprotocol/tasks"],
        json!({})
    );
    // Without the extension: synchronous / -32021.
    let params = json!({"name": "slow_compute", "arguments": {"seconds": 0}});
    let r = p.request(json!(2), "tools/call", params).await;
    assert_eq!(r[0]["result"]["resultType"], "complete", "{r:?}");
    let params = json!({"name": "failing_job", "arguments": {}});
    let r = p.request(json!(3), "tools/call", params).await;
    assert_eq!(r[0]["error"]["code"], -32021, "{r:?}");
    let r = p
        .request(json!(4), "tasks/get", json!({"taskId": "x"}))
        .await;
    assert_eq!(r[0]["error"]["code"], -32021, "{r:?}");

    // A task, watched on a subscription, then completed.
    let params =
        json!({"name": "slow_compute", "arguments": {"seconds": 0.2}, "_meta": task_meta()});
    let r = p.request(json!(5), "tools/call", params).await;
    let created = &r[0]["result"];
    assert_eq!(created["resultType"], "task", "{r:?}");
    let id = created["taskId"].as_str().unwrap().to_string();
    let listen = json!({"notifications": {"taskIds": [id]}, "_meta": task_meta()});
    p.send(&request(json!("L"), "subscriptions/listen", listen))
        .await;
    let mut seen = Vec::new();
    while seen.last() != Some(&json!("completed")) {
        let m = p.message().await.expect("a subscription message");
        assert_eq!(
            m["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"],
            "L"
        );
        if m["method"] == "notifications/subscriptions/acknowledged" {
            assert_eq!(m["params"]["notifications"]["taskIds"], json!([id]));
            continue;
        }
        assert_eq!(m["method"], "notifications/tasks", "{m}");
        seen.push(m["params"]["status"].clone());
    }
    assert_eq!(seen, [json!("working"), json!("completed")]);
    let done = stdio_wait(&mut p, &id, &["completed"]).await;
    assert_eq!(
        done["result"]["content"][0]["text"],
        "slow_compute: done after 0.2s"
    );

    // input_required, update, cancel.
    let params =
        json!({"name": "confirm_delete", "arguments": {"filename": "f"}, "_meta": task_meta()});
    let r = p.request(json!(6), "tools/call", params).await;
    let id = r[0]["result"]["taskId"].as_str().unwrap().to_string();
    stdio_wait(&mut p, &id, &["input_required"]).await;
    let update = json!({"taskId": id, "_meta": task_meta(),
        "inputResponses": {"confirm": {"action": "accept", "content": {"confirm": true}}}});
    let r = p.request(json!(7), "tasks/update", update).await;
    assert_eq!(r[0]["result"]["resultType"], "complete", "{r:?}");
    let done = stdio_wait(&mut p, &id, &["completed"]).await;
    assert_eq!(done["result"]["content"][0]["text"], "deleted f");
    let r = p
        .request(
            json!(8),
            "tasks/cancel",
            json!({"taskId": id, "_meta": task_meta()}),
        )
        .await;
    assert_eq!(r[0]["result"]["resultType"], "complete", "{r:?}");
    let (_, status) = p.finish().await;
    assert!(status.success());
}
