//! The stdio transport against the bundled server (`mcpcheck serve --stdio`) and against
//! misbehaving children: every call returns within its timeout, the child is always reaped.

use std::time::Duration;

use mcpcheck::stdio::{StdioConfig, StdioServer};
use serde_json::{Value, json};

const T: Duration = Duration::from_secs(10);

fn config() -> StdioConfig {
    StdioConfig {
        request_timeout: T,
        max_line: 64 * 1024,
        stderr_keep: 4096,
    }
}

fn serve_command(extra: &str) -> String {
    format!("'{}' serve --stdio {extra}", env!("CARGO_BIN_EXE_mcpcheck"))
}

async fn reference(extra: &str) -> StdioServer {
    StdioServer::start(&serve_command(extra), config())
        .await
        .expect("start mcpcheck serve --stdio")
}

fn meta() -> Value {
    json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
        "io.modelcontextprotocol/clientInfo": {"name": "stdio-test", "version": "0"}
    })
}

fn request(id: Value, method: &str, mut params: Value) -> String {
    let mut m = meta();
    if let Some(extra) = params.get("_meta").and_then(Value::as_object) {
        m.as_object_mut().unwrap().extend(extra.clone());
    }
    params["_meta"] = m;
    json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}).to_string()
}

fn parse(line: &str) -> Value {
    serde_json::from_str(line).unwrap()
}

fn sh(script: &str) -> String {
    format!("sh -c '{script}'")
}

#[tokio::test]
async fn discover_meta_error_and_progress_over_stdio() {
    let s = reference("").await;
    let id = json!("d1");
    let x = s
        .exchange(
            &request(id.clone(), "server/discover", json!({})),
            Some(&id),
            T,
        )
        .await;
    assert_eq!(x.error, None, "{x:?}");
    let r = parse(x.response().unwrap());
    assert_eq!(r["id"], "d1");
    assert_eq!(r["result"]["supportedVersions"], json!(["2026-07-28"]));

    // Missing _meta: -32602, id echoed with its type.
    let line = json!({"jsonrpc": "2.0", "id": 7, "method": "server/discover", "params": {}});
    let x = s.exchange(&line.to_string(), Some(&json!(7)), T).await;
    let r = parse(x.response().unwrap());
    assert_eq!(r["error"]["code"], -32602);
    assert_eq!(r["id"], 7);

    // Unsupported version: -32022 with data.
    let line = json!({"jsonrpc": "2.0", "id": 8, "method": "tools/list", "params": {"_meta": {
        "io.modelcontextprotocol/protocolVersion": "1999-01-01",
        "io.modelcontextprotocol/clientCapabilities": {}}}});
    let x = s.exchange(&line.to_string(), Some(&json!(8)), T).await;
    let r = parse(x.response().unwrap());
    assert_eq!(r["error"]["code"], -32022);
    assert_eq!(r["error"]["data"]["requested"], "1999-01-01");

    // Progress notifications come as separate lines before the response.
    let id = json!(9);
    let params = json!({"name": "test_tool_with_progress", "arguments": {}, "_meta": {"progressToken": "p9"}});
    let x = s
        .exchange(&request(id.clone(), "tools/call", params), Some(&id), T)
        .await;
    assert_eq!(x.error, None);
    assert_eq!(x.final_index, Some(3), "{:?}", x.lines);
    for line in &x.lines[..3] {
        let n = parse(line);
        assert_eq!(n["method"], "notifications/progress");
        assert_eq!(n["params"]["progressToken"], "p9");
    }

    // A notification gets no answer; exchanges without an id return at once.
    let n = json!({"jsonrpc": "2.0", "method": "notifications/initialized"}).to_string();
    let x = s.exchange(&n, None, T).await;
    assert!(x.lines.is_empty() && x.error.is_none());

    let status = s.close_stdin_and_wait(T).await.expect("exits on EOF");
    assert!(status.success(), "{status}");
    assert!(!s.is_running());
    assert_eq!(s.framing_problems(), Vec::<String>::new());
    assert_eq!(s.take_unsolicited(), Vec::<String>::new());
    assert!(s.stderr_tail().contains("stdio"), "{}", s.stderr_tail());
    s.shutdown().await;
}

#[tokio::test]
async fn concurrent_exchanges_are_demultiplexed_by_id() {
    let s = reference("").await;
    let calls = (0..8).map(|i| {
        let s = s.clone();
        async move {
            let id = if i % 2 == 0 {
                json!(i)
            } else {
                json!(i.to_string())
            };
            let x = s
                .exchange(&request(id.clone(), "tools/list", json!({})), Some(&id), T)
                .await;
            (id, x)
        }
    });
    for (id, x) in futures_util::future::join_all(calls).await {
        assert_eq!(x.error, None);
        assert_eq!(parse(x.response().unwrap())["id"], id);
    }
    s.shutdown().await;
    assert!(!s.is_running());
}

#[tokio::test]
async fn listen_acks_notifies_and_is_torn_down_on_eof() {
    let s = reference("").await;
    let lid = json!("L1");
    let mut sub = s.subscribe(&lid);
    let listen = request(
        lid.clone(),
        "subscriptions/listen",
        json!({"notifications": {"toolsListChanged": true}}),
    );
    assert_eq!(s.exchange(&listen, None, T).await.error, None);
    let ack = parse(&sub.next(T).await.expect("ack"));
    assert_eq!(ack["method"], "notifications/subscriptions/acknowledged");
    assert_eq!(
        ack["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"],
        "L1"
    );

    let id = json!(2);
    let call = request(
        id.clone(),
        "tools/call",
        json!({"name": "test_trigger_tool_change", "arguments": {}}),
    );
    let x = s.exchange(&call, Some(&id), T).await;
    assert_eq!(x.error, None);
    // Nothing of the subscription leaks into the exchange.
    assert_eq!(x.lines.len(), 1, "{:?}", x.lines);
    let changed = parse(&sub.next(T).await.expect("list_changed"));
    assert_eq!(changed["method"], "notifications/tools/list_changed");

    // stdin EOF: the server ends the subscription (result, then notifications/cancelled) and exits.
    assert!(
        s.close_stdin_and_wait(T)
            .await
            .is_some_and(|st| st.success())
    );
    let mut rest = Vec::new();
    while let Some(m) = sub.next(T).await {
        rest.push(parse(&m));
    }
    assert_eq!(rest.len(), 2, "{rest:?}");
    assert_eq!(rest[0]["id"], "L1");
    assert_eq!(rest[0]["result"]["resultType"], "complete");
    assert_eq!(rest[1]["method"], "notifications/cancelled");
    assert_eq!(rest[1]["params"]["requestId"], "L1");
    assert!(sub.drain().is_empty());
    s.shutdown().await;
}

#[tokio::test]
async fn cancel_notification_stops_an_in_flight_request() {
    for (extra, answered) in [("", false), ("--fault stdio-ignores-cancel", true)] {
        let s = reference(extra).await;
        let slow_id = json!("slow");
        let slow = request(
            slow_id.clone(),
            "tools/call",
            json!({"name": "test_slow_cancellable", "arguments": {"runId": "r1"}, "_meta": {"progressToken": "s"}}),
        );
        let waiter = {
            let s = s.clone();
            let slow_id = slow_id.clone();
            tokio::spawn(async move { s.exchange(&slow, Some(&slow_id), T).await })
        };
        let status = |n: u32| {
            let s = s.clone();
            async move {
                let id = json!(format!("st{n}"));
                let call = request(
                    id.clone(),
                    "tools/call",
                    json!({"name": "test_cancellation_status", "arguments": {"runId": "r1"}}),
                );
                let x = s.exchange(&call, Some(&id), T).await;
                parse(x.response().expect("status answer"))["result"]["structuredContent"].clone()
            }
        };
        // Round trips, not sleeps: wait until the run is known, cancel it, wait until recorded.
        let mut n = 0;
        while status(n).await["seen"] != true {
            n += 1;
            assert!(n < 200, "the slow run never started");
        }
        let cancel = json!({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": "slow", "reason": "test"}});
        s.exchange(&cancel.to_string(), None, T).await;
        if !answered {
            while status(n).await["cancelled"] != true {
                n += 1;
                assert!(n < 200, "the run was never cancelled");
            }
            assert!(s.close_stdin_and_wait(T).await.is_some());
        }
        let x = waiter.await.unwrap();
        assert_eq!(x.final_index.is_some(), answered, "{extra}: {x:?}");
        if !answered {
            assert!(
                x.error.as_deref().unwrap().contains("before answering"),
                "{x:?}"
            );
            let stray = s.take_unsolicited();
            assert!(stray.iter().all(|l| parse(l)["id"] != "slow"), "{stray:?}");
        }
        s.shutdown().await;
    }
}

#[tokio::test]
async fn stdio_faults_are_visible_through_the_client() {
    // stdout-log-line: framing problems.
    let s = reference("--fault stdout-log-line").await;
    let id = json!(1);
    let x = s
        .exchange(
            &request(id.clone(), "server/discover", json!({})),
            Some(&id),
            T,
        )
        .await;
    assert!(x.final_index.is_some());
    let problems = s.framing_problems();
    assert!(!problems.is_empty());
    assert!(problems[0].starts_with("line 1: not JSON"), "{problems:?}");
    s.shutdown().await;

    // stdio-server-request: a line with both method and id.
    let s = reference("--fault stdio-server-request").await;
    let id = json!(1);
    let mut m = meta();
    m["io.modelcontextprotocol/clientCapabilities"] = json!({"elicitation": {}});
    let call = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {
        "name": "test_streaming_elicitation", "arguments": {}, "_meta": m}});
    let x = s.exchange(&call.to_string(), Some(&id), T).await;
    assert!(x.final_index.is_some());
    let requests: Vec<Value> = x
        .lines
        .iter()
        .map(|l| parse(l))
        .filter(|v| v.get("method").is_some() && v.get("id").is_some())
        .collect();
    assert_eq!(requests.len(), 1, "{:?}", x.lines);
    s.shutdown().await;

    // stdio-no-exit-on-eof: still running after EOF, shutdown reaps it.
    let s = reference("--fault stdio-no-exit-on-eof").await;
    assert_eq!(
        s.close_stdin_and_wait(Duration::from_millis(1500)).await,
        None
    );
    assert!(s.is_running());
    s.shutdown().await;
    assert!(!s.is_running());
}

#[tokio::test]
async fn garbage_lines_are_framing_problems() {
    let script = r#"printf "hello\n\n[1,2]\n{\"a\":1}{}\n\377\376\n{\"jsonrpc\":\"2.0\",\"method\":\"x\"}\n"; cat >/dev/null"#;
    let s = StdioServer::start(&sh(script), config()).await.unwrap();
    // Nothing answers: the exchange times out.
    let x = s
        .exchange(
            r#"{"jsonrpc":"2.0","id":1,"method":"m"}"#,
            Some(&json!(1)),
            Duration::from_millis(300),
        )
        .await;
    assert!(
        x.error.as_deref().unwrap().contains("no response within"),
        "{x:?}"
    );
    s.close_stdin_and_wait(T).await.expect("cat exits on EOF");
    let p = s.framing_problems();
    assert_eq!(p.len(), 5, "{p:?}");
    assert!(p[0].starts_with("line 1: not JSON"));
    assert!(p[1].starts_with("line 2: empty line"));
    assert!(p[2].starts_with("line 3: not a JSON object"));
    assert!(p[3].starts_with("line 4: not JSON"));
    assert!(p[4].starts_with("line 5: invalid UTF-8"));
    // The one valid message went to the exchange or, before it started, to unsolicited.
    let seen = x.lines.len() + s.take_unsolicited().len();
    assert_eq!(seen, 1);
    s.shutdown().await;
}

#[tokio::test]
async fn huge_and_unterminated_lines() {
    let script = r#"head -c 200000 /dev/zero | tr "\0" x; printf "\n{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}"; cat >/dev/null"#;
    let s = StdioServer::start(&sh(script), config()).await.unwrap();
    s.close_stdin_and_wait(T).await.expect("exits");
    let p = s.framing_problems();
    assert_eq!(p.len(), 2, "{p:?}");
    assert!(
        p[0].starts_with("line 1: longer than 65536 bytes (200000 bytes): xxx"),
        "{p:?}"
    );
    assert!(p[0].len() < 400);
    assert!(p[1].starts_with("line 2: no terminating newline"), "{p:?}");
    assert_eq!(s.take_unsolicited().len(), 1);
    s.shutdown().await;
}

#[tokio::test]
async fn a_child_that_exits_immediately() {
    let s = StdioServer::start(&sh("echo bye >&2; exit 3"), config())
        .await
        .unwrap();
    let x = s
        .exchange(
            r#"{"jsonrpc":"2.0","id":1,"method":"m"}"#,
            Some(&json!(1)),
            T,
        )
        .await;
    let err = x.error.unwrap();
    assert!(x.elapsed < T);
    // Either the write failed (broken pipe) or the wait saw the exit.
    assert!(
        err.contains("write failed") || err.contains("before answering"),
        "{err}"
    );
    let status = s.close_stdin_and_wait(T).await.expect("exited");
    assert_eq!(status.code(), Some(3));
    assert!(s.stderr_tail().contains("bye"));
    assert!(!s.is_running());
    s.shutdown().await;

    assert!(
        StdioServer::start("/nonexistent/server --stdio", config())
            .await
            .is_err()
    );
    assert!(StdioServer::start("'unterminated", config()).await.is_err());
    assert!(StdioServer::start("   ", config()).await.is_err());
}

#[tokio::test]
async fn a_child_that_answers_then_exits_reports_the_answer() {
    let script = r#"read line; printf "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\n"; exit 0"#;
    let s = StdioServer::start(&sh(script), config()).await.unwrap();
    let x = s
        .exchange(
            r#"{"jsonrpc":"2.0","id":1,"method":"m"}"#,
            Some(&json!(1)),
            T,
        )
        .await;
    assert_eq!(x.error, None, "{x:?}");
    assert_eq!(x.final_index, Some(0));
    // A second exchange finds the child gone.
    let x = s
        .exchange(
            r#"{"jsonrpc":"2.0","id":2,"method":"m"}"#,
            Some(&json!(2)),
            T,
        )
        .await;
    assert!(x.error.is_some() && x.elapsed < T, "{x:?}");
    s.shutdown().await;
}

#[tokio::test]
async fn a_child_that_never_answers_times_out_and_is_reaped() {
    // Never writes, ignores stdin EOF and SIGTERM.
    let script = r#"trap "" TERM; exec sleep 60"#;
    let s = StdioServer::start(&sh(script), config()).await.unwrap();
    let id = json!("q");
    let x = s
        .exchange(
            r#"{"jsonrpc":"2.0","id":"q","method":"m"}"#,
            Some(&id),
            Duration::from_millis(300),
        )
        .await;
    assert_eq!(x.error.as_deref(), Some("no response within 300ms"));
    assert!(x.elapsed >= Duration::from_millis(300) && x.elapsed < T);
    assert_eq!(
        s.close_stdin_and_wait(Duration::from_millis(300)).await,
        None
    );
    assert!(s.is_running());
    // Writing after stdin was closed fails at once.
    let x = s.exchange("{}", None, T).await;
    assert!(x.error.unwrap().contains("stdin is closed"));
    s.shutdown().await;
    assert!(!s.is_running());
}

#[tokio::test]
async fn a_child_that_closes_stdout_but_keeps_running() {
    let script = r#"exec >&-; cat >/dev/null"#;
    let s = StdioServer::start(&sh(script), config()).await.unwrap();
    let x = s
        .exchange(
            r#"{"jsonrpc":"2.0","id":1,"method":"m"}"#,
            Some(&json!(1)),
            T,
        )
        .await;
    let err = x.error.unwrap();
    assert!(
        err.contains("closed stdout") && err.contains("still running"),
        "{err}"
    );
    assert!(x.elapsed < T);
    // Subscriptions report the end at once.
    let mut sub = s.subscribe(&json!("L"));
    assert_eq!(sub.next(T).await, None);
    s.shutdown().await;
}

#[tokio::test]
async fn a_child_that_does_not_read_stdin() {
    // Never reads: the pipe fills up and the write cannot complete.
    let s = StdioServer::start(&sh("exec sleep 60"), config())
        .await
        .unwrap();
    let big = format!(
        r#"{{"jsonrpc":"2.0","id":1,"method":"m","params":{{"x":"{}"}}}}"#,
        "y".repeat(1 << 20)
    );
    let x = s
        .exchange(&big, Some(&json!(1)), Duration::from_millis(500))
        .await;
    assert!(x.error.is_some() && x.elapsed < T, "{:?}", x.error);
    s.shutdown().await;
    assert!(!s.is_running());
}

#[tokio::test]
async fn dropping_the_server_kills_the_child() {
    let s = StdioServer::start(&sh(r#"trap "" TERM; exec sleep 60"#), config())
        .await
        .unwrap();
    let mut sub = s.subscribe(&json!(1));
    drop(s);
    // The supervisor kills the child; stdout closes, and the subscription ends.
    assert_eq!(sub.next(T).await, None);
}
