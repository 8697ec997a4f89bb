//! Listen streams against the reference server: `until_method` closes a stream as soon as the
//! awaited notification arrived, `settle_ms` closes it a set time after the `await` began, and
//! both leave the stream's checks judged on what arrived (never a bound's worth of waiting).

use std::sync::Arc;

use mcpcheck::catalogue::Catalogue;
use mcpcheck::engine::{RunOptions, Runner};
use mcpcheck::scenario::parse;
use mcpcheck::transport::{Transport, TransportConfig};
use mcpcheck_reports::{CheckRecord, Status};

/// Far longer than any of these scenarios may take: a stream that reached it was not closed
/// by `until_method` or `settle_ms`.
const BOUND_MS: u64 = 20_000;

async fn run(yaml: &str) -> (u64, Vec<CheckRecord>) {
    run_with(yaml, None).await
}

async fn run_with(yaml: &str, fault: Option<&str>) -> (u64, Vec<CheckRecord>) {
    let config = mcpcheck_reference_server::Config {
        fault: fault.map(|f| mcpcheck_reference_server::fault_by_name(f).expect("a fault")),
        ..Default::default()
    };
    let server = mcpcheck_reference_server::spawn(([127, 0, 0, 1], 0).into(), config)
        .await
        .expect("reference server starts");
    let catalogue = Arc::new(Catalogue::builtin());
    let sc = parse("listen.yaml", yaml, &catalogue).expect("scenario parses");
    let transport = Transport::new(TransportConfig::default()).unwrap();
    let runner = Runner::new(RunOptions::new(&server.url), transport, catalogue)
        .await
        .expect("reachable");
    let (record, checks) = runner.run_scenario(&sc).await;
    (record.duration_ms, checks)
}

fn assert_all_pass(checks: &[CheckRecord]) {
    assert!(!checks.is_empty());
    for c in checks {
        assert_eq!(c.status, Status::Pass, "{c:#?}");
    }
}

/// A tools stream ended by `until_method`, a tool change, and the await that expects it.
fn tool_change_scenario() -> String {
    format!(
        r#"
id: tool-change
title: until_method on a tool change
area: test
steps:
  - name: listen
    listen:
      handle: tools
      params: {{notifications: {{toolsListChanged: true}}}}
      until_method: notifications/tools/list_changed
      timeout_ms: {BOUND_MS}
    expect:
      - json: {{pointer: /method, equals: notifications/subscriptions/acknowledged, in: first}}
        req: SUB-03
        id: ack-1
  - name: change
    request:
      method: tools/call
      params: {{name: test_trigger_tool_change, arguments: {{}}}}
    expect:
      - json: {{pointer: /result/resultType, exists: true}}
        req: STATELESS-09
        id: changed-1
  - name: the stream
    await: tools
    expect:
      - json: {{pointer: /method, equals: notifications/tools/list_changed, in: any}}
        req: SUB-07
        id: arrived
"#
    )
}

#[tokio::test]
async fn until_method_closes_the_stream_when_the_notification_arrives() {
    let yaml = tool_change_scenario();
    let (ms, checks) = run(&yaml).await;
    assert_all_pass(&checks);
    assert!(
        checks.iter().any(|c| c.id.ends_with("wire-schema")),
        "the stream closed on arrival is still validated: {checks:#?}"
    );
    assert!(ms < BOUND_MS, "the stream ran to its bound ({ms} ms)");
}

#[tokio::test]
async fn settle_ms_closes_an_open_stream_after_the_await_began() {
    let yaml = format!(
        r#"
id: settle
title: settle_ms
area: test
steps:
  - name: listen
    listen:
      handle: prompts
      params: {{notifications: {{promptsListChanged: true}}}}
      timeout_ms: {BOUND_MS}
    expect:
      - json: {{pointer: /method, equals: notifications/subscriptions/acknowledged, in: first}}
        req: SUB-03
        id: ack-2
  - name: change the tools
    request:
      method: tools/call
      params: {{name: test_trigger_tool_change, arguments: {{}}}}
    expect:
      - json: {{pointer: /result/resultType, exists: true}}
        req: STATELESS-09
        id: changed-2
  - name: the stream
    await: prompts
    settle_ms: 100
    expect:
      - json: {{pointer: /method, not_equals: notifications/tools/list_changed, in: every_notification}}
        req: SUB-05
        id: filtered
      - stream: {{still_open: true}}
        req: SUB-02
        id: open
"#
    );
    let (ms, checks) = run(&yaml).await;
    assert_all_pass(&checks);
    assert!(ms < BOUND_MS, "the stream ran to its bound ({ms} ms)");
}

/// A settle window the listen bound cut short is reported as an error, never judged: the
/// absence of notifications in it was not observed. The synchronous slow_compute holds the
/// step between for at least 300 ms, three times the 100 ms bound.
#[tokio::test]
async fn a_settle_window_the_bound_cut_short_is_an_error_not_a_pass() {
    let yaml = r#"
id: settle-cut
title: settle window cut by the bound
area: test
steps:
  - name: listen
    listen:
      handle: prompts
      params: {notifications: {promptsListChanged: true}}
      timeout_ms: 100
    expect:
      - json: {pointer: /method, equals: notifications/subscriptions/acknowledged, in: first}
        req: SUB-03
        id: ack-1
  - name: a slow step
    request:
      method: tools/call
      params: {name: slow_compute, arguments: {seconds: 0.3}}
    expect:
      - json: {pointer: /result/resultType, exists: true}
        req: STATELESS-09
        id: slow-1
  - name: the stream
    await: prompts
    settle_ms: 100
    expect:
      - json: {pointer: /method, not_equals: notifications/tools/list_changed, in: every_notification}
        req: SUB-05
        id: filtered
"#;
    let (_, checks) = run(yaml).await;
    let filtered = checks
        .iter()
        .find(|c| c.id == "filtered")
        .expect("the await's check is reported");
    assert_eq!(filtered.status, Status::Error, "{filtered:#?}");
    assert!(
        filtered.message.contains("timeout_ms (100 ms)")
            && filtered.message.contains("settle_ms window"),
        "{}",
        filtered.message
    );
    for id in ["ack-1", "slow-1"] {
        let c = checks.iter().find(|c| c.id == id).expect("reported");
        assert_eq!(c.status, Status::Pass, "{c:#?}");
    }
}

/// A stream that never sends its acknowledgement (fault listen-no-ack) holds the listen step
/// for a short establishing wait only, not for its whole bound: the change triggered next still
/// arrives on the stream, which the bound alone would have closed first.
#[tokio::test]
async fn a_stream_without_acknowledgement_does_not_hold_the_steps_for_its_bound() {
    let yaml = tool_change_scenario();
    let (ms, checks) = run_with(&yaml, Some("listen-no-ack")).await;
    let status = |id: &str| checks.iter().find(|c| c.id == id).map(|c| c.status);
    assert_eq!(status("ack-1"), Some(Status::Fail), "{checks:#?}");
    assert_eq!(status("changed-1"), Some(Status::Pass), "{checks:#?}");
    assert_eq!(status("arrived"), Some(Status::Pass), "{checks:#?}");
    assert!(
        ms < BOUND_MS,
        "the listen step held for its bound ({ms} ms)"
    );
}

#[test]
fn settle_ms_goes_only_with_await() {
    let yaml = r#"
id: bad-settle
title: settle_ms on a request
area: test
steps:
  - name: discover
    request: {method: server/discover}
    settle_ms: 100
    expect:
      - status: "2xx"
        req: STATELESS-09
"#;
    let err = parse("bad.yaml", yaml, &Catalogue::builtin()).expect_err("rejected");
    let text = err
        .iter()
        .map(|e| e.to_string())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        text.contains("bad.yaml") && text.contains("`settle_ms` goes with `await`"),
        "{text}"
    );
}
