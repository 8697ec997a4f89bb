//! The `poll` step and the task checks against scripted servers: the bounds hold, the waits
//! follow `pollIntervalMs`, illegal transitions and reused input keys fail with the observed
//! sequence, and a server that chooses not to create a task (which the extension allows) makes
//! the task scenarios not applicable instead of failing them.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use mcpcheck::catalogue::Catalogue;
use mcpcheck::engine::{RunOptions, Runner};
use mcpcheck::scenario::parse;
use mcpcheck::transport::{Transport, TransportConfig};
use mcpcheck_reports::{CheckRecord, Status};
use serde_json::{Value, json};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// Answers by JSON-RPC method; `tasks/get` answers come from `script` in turn (the last one
/// repeats), `tools/call` answers `call`.
struct Scripted {
    script: Vec<Value>,
    call: Value,
    gets: Arc<AtomicUsize>,
    updates: Arc<AtomicUsize>,
    /// How long the first `tasks/get` answer takes.
    first_delay: Duration,
}

fn ok(id: &Value, result: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({"jsonrpc": "2.0", "id": id, "result": result}))
}

impl Respond for Scripted {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
        let id = body.get("id").cloned().unwrap_or(Value::Null);
        match body.get("method").and_then(|m| m.as_str()).unwrap_or("") {
            "server/discover" => ok(
                &id,
                json!({"resultType": "complete", "supportedVersions": ["2026-07-28"],
                    "capabilities": {"tools": {}, "extensions": {"io.modelcontextprotocol/tasks": {}}},
                    "_meta": {"io.modelcontextprotocol/serverInfo": {"name": "scripted", "version": "1"}}}),
            ),
            "tools/list" => ok(
                &id,
                json!({"resultType": "complete", "ttlMs": 0, "cacheScope": "public", "tools": [
                    {"name": "slow_compute", "inputSchema": {"type": "object"}}]}),
            ),
            "tools/call" => ok(&id, self.call.clone()),
            "tasks/get" => {
                let n = self.gets.fetch_add(1, Ordering::SeqCst);
                let step = self.script[n.min(self.script.len() - 1)].clone();
                let answer = ok(&id, step);
                if n == 0 {
                    answer.set_delay(self.first_delay)
                } else {
                    answer
                }
            }
            "tasks/update" => {
                self.updates.fetch_add(1, Ordering::SeqCst);
                ok(&id, json!({"resultType": "complete"}))
            }
            _ => ResponseTemplate::new(404).set_body_json(json!({"jsonrpc": "2.0", "id": id,
                "error": {"code": -32601, "message": "Method not found"}})),
        }
    }
}

fn task(status: &str, extra: Value) -> Value {
    let mut t = json!({"resultType": "complete", "taskId": "t-1", "status": status,
        "createdAt": "2026-11-21T10:00:00Z", "lastUpdatedAt": "2026-11-21T10:00:00Z",
        "ttlMs": 60000, "pollIntervalMs": 5});
    if let (Value::Object(t), Value::Object(e)) = (&mut t, extra) {
        t.extend(e);
    }
    t
}

fn handle() -> Value {
    json!({"resultType": "task", "taskId": "t-1", "status": "working",
        "createdAt": "2026-11-21T10:00:00Z", "lastUpdatedAt": "2026-11-21T10:00:00Z",
        "ttlMs": 60000, "pollIntervalMs": 5})
}

struct Server {
    mock: MockServer,
    gets: Arc<AtomicUsize>,
    updates: Arc<AtomicUsize>,
}

async fn server(script: Vec<Value>, call: Value) -> Server {
    slow_server(script, call, Duration::ZERO).await
}

async fn slow_server(script: Vec<Value>, call: Value, first_delay: Duration) -> Server {
    let mock = MockServer::start().await;
    let gets = Arc::new(AtomicUsize::new(0));
    let updates = Arc::new(AtomicUsize::new(0));
    Mock::given(wiremock::matchers::method("POST"))
        .respond_with(Scripted {
            script,
            call,
            gets: Arc::clone(&gets),
            updates: Arc::clone(&updates),
            first_delay,
        })
        .mount(&mock)
        .await;
    Server {
        mock,
        gets,
        updates,
    }
}

const POLL: &str = r#"
id: poll-test
title: poll
area: test
steps:
  - name: get
    request:
      method: tasks/get
      params: {taskId: t-1}
      capabilities: {extensions: {io.modelcontextprotocol/tasks: {}}}
    poll:
      until: {pointer: /result/status, one_of: [completed, failed, cancelled]}
      max_attempts: 5
      answer: {max_keys: 1}
    expect:
      - poll: {reached: true}
        req: TASKS-08
        id: reached
      - task_transitions: {from: working}
        req: TASKS-14
        id: transitions
      - input_keys: {unique: true}
        req: TASKS-12
        id: keys
      - json: {pointer: /result/status, equals: completed}
        req: TASKS-08
        id: last
      - json: {pointer: /result/resultType, equals: complete}
        req: TASKS-11
        on: every_update
        id: acks
"#;

async fn run(url: &str, yaml: &str) -> Vec<CheckRecord> {
    let catalogue = Arc::new(Catalogue::builtin());
    let sc = parse("poll.yaml", yaml, &catalogue).expect("scenario parses");
    let transport = Transport::new(TransportConfig {
        connect_timeout: Duration::from_secs(2),
        request_timeout: Duration::from_secs(2),
        max_body: 1024 * 1024,
        linger_after_final: Duration::from_millis(100),
    })
    .unwrap();
    let runner = Runner::new(RunOptions::new(url), transport, catalogue)
        .await
        .expect("reachable");
    runner.run_scenario(&sc).await.1
}

fn get<'a>(checks: &'a [CheckRecord], id: &str) -> &'a CheckRecord {
    checks
        .iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("no check {id} in {checks:#?}"))
}

#[tokio::test]
async fn a_legal_run_with_input_is_followed_to_the_end() {
    let ask = |keys: &[&str]| {
        let mut m = serde_json::Map::new();
        for k in keys {
            m.insert(
                k.to_string(),
                json!({"method": "elicitation/create", "params": {"mode": "form", "message": k,
                    "requestedSchema": {"type": "object", "properties": {"ok": {"type": "boolean"}}}}}),
            );
        }
        task("input_required", json!({"inputRequests": m}))
    };
    let s = server(
        vec![
            task("working", json!({})),
            ask(&["a", "b"]),
            ask(&["b"]),
            task("working", json!({})),
            task(
                "completed",
                json!({"result": {"content": [], "isError": false}}),
            ),
        ],
        handle(),
    )
    .await;
    let checks = run(&s.mock.uri(), POLL).await;
    for id in [
        "reached",
        "transitions",
        "keys",
        "last",
        "acks",
        "get/wire-schema",
    ] {
        assert_eq!(
            get(&checks, id).status,
            Status::Pass,
            "{:#?}",
            get(&checks, id)
        );
    }
    assert!(
        get(&checks, "transitions")
            .actual
            .as_deref()
            .unwrap()
            .contains("working ×2 → input_required ×2 → working → completed"),
        "{:?}",
        get(&checks, "transitions").actual
    );
    // One key per update: a, then b.
    assert_eq!(s.updates.load(Ordering::SeqCst), 2);
    assert_eq!(s.gets.load(Ordering::SeqCst), 5);
}

const BOUNDED: &str = r#"
id: poll-bounded
title: poll within max_ms
area: test
steps:
  - name: get
    request:
      method: tasks/get
      params: {taskId: t-1}
      capabilities: {extensions: {io.modelcontextprotocol/tasks: {}}}
    poll:
      until: {pointer: /result/status, equals: completed}
      max_ms: 200
    expect:
      - poll: {reached: true}
        req: TASKS-08
        id: reached
"#;

/// An answer that arrives after `max_ms` tells the state from before the deadline: one more
/// attempt is made instead of reporting that the condition never held.
#[tokio::test]
async fn an_answer_delayed_past_max_ms_gets_one_more_attempt() {
    let s = slow_server(
        vec![
            task("working", json!({})),
            task(
                "completed",
                json!({"result": {"content": [], "isError": false}}),
            ),
        ],
        handle(),
        Duration::from_millis(600),
    )
    .await;
    let checks = run(&s.mock.uri(), BOUNDED).await;
    let reached = get(&checks, "reached");
    assert_eq!(reached.status, Status::Pass, "{reached:#?}");
    assert_eq!(s.gets.load(Ordering::SeqCst), 2);
}

/// A server that stays `working` still ends the poll at `max_ms`, after an attempt sent past it.
#[tokio::test]
async fn a_poll_that_never_reaches_its_condition_ends_after_max_ms() {
    let s = server(vec![task("working", json!({}))], handle()).await;
    let checks = run(&s.mock.uri(), BOUNDED).await;
    let reached = get(&checks, "reached");
    assert_eq!(reached.status, Status::Fail, "{reached:#?}");
    let actual = reached.actual.as_deref().unwrap_or_default();
    assert!(
        actual.contains("without the condition (the last attempt was sent at"),
        "{actual}"
    );
    assert!(s.gets.load(Ordering::SeqCst) >= 2);
}

#[tokio::test]
async fn leaving_a_terminal_state_fails_with_the_sequence() {
    let s = server(
        vec![
            task("completed", json!({"result": {"content": []}})),
            task("working", json!({})),
        ],
        handle(),
    )
    .await;
    let yaml = POLL.replace(
        "until: {pointer: /result/status, one_of: [completed, failed, cancelled]}",
        "until: {pointer: /result/status, equals: never}",
    );
    let checks = run(&s.mock.uri(), &yaml).await;
    let t = get(&checks, "transitions");
    assert_eq!(t.status, Status::Fail, "{t:#?}");
    assert!(
        t.actual
            .as_deref()
            .unwrap()
            .contains("completed (attempt 1) → working (attempt 2)"),
        "{t:#?}"
    );
    let r = get(&checks, "reached");
    assert_eq!(r.status, Status::Fail);
    assert!(
        r.actual
            .as_deref()
            .unwrap()
            .contains("5 attempts (max_attempts)"),
        "{r:#?}"
    );
    assert_eq!(s.gets.load(Ordering::SeqCst), 5, "bounded by max_attempts");
}

#[tokio::test]
async fn an_answered_key_that_comes_back_fails() {
    let ask = |key: &str, text: &str| {
        task(
            "input_required",
            json!({"inputRequests": {key: {"method": "elicitation/create", "params": {"mode": "form",
                "message": text, "requestedSchema": {"type": "object", "properties": {}}}}}}),
        )
    };
    let s = server(
        vec![
            ask("a", "first"),
            ask("a", "again"),
            task("completed", json!({"result": {"content": []}})),
        ],
        handle(),
    )
    .await;
    let checks = run(&s.mock.uri(), POLL).await;
    let k = get(&checks, "keys");
    assert_eq!(k.status, Status::Fail, "{k:#?}");
    assert!(
        k.actual
            .as_deref()
            .unwrap()
            .contains("key \"a\" came back in attempt 2"),
        "{k:#?}"
    );
}

#[tokio::test]
async fn a_status_that_is_not_a_task_status_fails() {
    let s = server(
        vec![
            task("running", json!({})),
            task("completed", json!({"result": {}})),
        ],
        handle(),
    )
    .await;
    let checks = run(&s.mock.uri(), POLL).await;
    let t = get(&checks, "transitions");
    assert_eq!(t.status, Status::Fail, "{t:#?}");
    assert!(
        t.actual.as_deref().unwrap().contains("\"running\""),
        "{t:#?}"
    );
    // The schema check names the extension's rule.
    let w = get(&checks, "get/wire-schema");
    assert_eq!(w.status, Status::Fail);
    assert_eq!(w.requirement, "TASKS-23", "{w:#?}");
}

/// The extension lets a server answer a task-capable tool synchronously: the task scenarios
/// are then not applicable (with the reason), never failed.
#[tokio::test]
async fn a_server_that_answers_without_a_task_is_not_failed() {
    let s = server(
        vec![task("completed", json!({}))],
        json!({"resultType": "complete", "content": [{"type": "text", "text": "done"}]}),
    )
    .await;
    let catalogue = Catalogue::builtin();
    let lib = mcpcheck::library::Library::load(&[], &catalogue).expect("library");
    let sc = lib.select(&["tasks-lifecycle".to_string()]);
    let yaml_checks = {
        let catalogue = Arc::new(catalogue);
        let transport = Transport::new(TransportConfig::default()).unwrap();
        let runner = Runner::new(RunOptions::new(s.mock.uri()), transport, catalogue)
            .await
            .expect("reachable");
        runner.run_scenario(&sc[0]).await
    };
    let (record, checks) = yaml_checks;
    assert_eq!(record.status, Status::NotApplicable, "{checks:#?}");
    assert!(
        record
            .reason
            .as_deref()
            .unwrap()
            .contains("precondition \"task-created\""),
        "{record:#?}"
    );
    // Only the automatic schema check of the plain result was judged (and it holds).
    for c in &checks {
        let expected = if c.id.ends_with("/wire-schema") && c.step.as_deref() == Some("create") {
            Status::Pass
        } else {
            Status::NotApplicable
        };
        assert_eq!(c.status, expected, "{c:#?}");
    }
    assert_eq!(
        s.gets.load(Ordering::SeqCst),
        0,
        "nothing polled after the gate"
    );
}
