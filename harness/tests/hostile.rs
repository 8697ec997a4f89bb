//! Misbehaving servers: whatever the server does, each check gets a clear verdict; the harness
//! never panics and never hangs (every read is bounded by the configured timeouts and cap).

use std::sync::Arc;
use std::time::Duration;

use mcpcheck::catalogue::Catalogue;
use mcpcheck::engine::{RunOptions, Runner};
use mcpcheck::scenario::parse;
use mcpcheck::transport::{Transport, TransportConfig};
use mcpcheck_reports::{CheckRecord, Status};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

const SCENARIO: &str = r#"
id: hostile
title: A tools/list answered by a misbehaving server
area: test
steps:
  - name: list
    request:
      method: tools/list
    expect:
      - status: 200
        req: HTTP-01
      - content_type: [application/json, text/event-stream]
        req: HTTP-02
      - result: true
        req: TOOLS-01
"#;

fn config() -> TransportConfig {
    TransportConfig {
        connect_timeout: Duration::from_secs(2),
        request_timeout: Duration::from_millis(800),
        max_body: 1024 * 1024,
        linger_after_final: Duration::from_millis(200),
    }
}

async fn run(url: &str) -> Vec<CheckRecord> {
    let catalogue = Arc::new(Catalogue::builtin());
    let sc = parse("hostile.yaml", SCENARIO, &catalogue).expect("scenario parses");
    let transport = Transport::new(config()).unwrap();
    let runner = Runner::new(RunOptions::new(url), transport, catalogue)
        .await
        .expect("reachable");
    let (_, checks) = runner.run_scenario(&sc).await;
    checks
}

fn check<'a>(checks: &'a [CheckRecord], id: &str) -> &'a CheckRecord {
    checks
        .iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("no check {id} in {checks:#?}"))
}

async fn mock(resp: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(resp)
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn garbage_body_is_a_failed_check_not_a_crash() {
    let s = mock(ResponseTemplate::new(200).set_body_raw("%%% not json", "application/json")).await;
    let checks = run(&s.uri()).await;
    let r = check(&checks, "list/result");
    assert_eq!(r.status, Status::Fail);
    assert!(r.actual.as_deref().unwrap().contains("not JSON"), "{r:?}");
    let schema = check(&checks, "list/wire-schema");
    assert_eq!(schema.status, Status::Fail);
    assert!(r.exchange.is_some() && r.curl.is_some());
}

#[tokio::test]
async fn wrong_content_type_fails_only_the_content_type_check() {
    let body = r#"{"jsonrpc":"2.0","id":1,"result":{"resultType":"complete","tools":[],"ttlMs":0,"cacheScope":"public"}}"#;
    let s = mock(ResponseTemplate::new(200).set_body_raw(body, "text/html")).await;
    let checks = run(&s.uri()).await;
    assert_eq!(check(&checks, "list/content-type").status, Status::Fail);
    assert_eq!(check(&checks, "list/result").status, Status::Pass);
    assert_eq!(
        check(&checks, "list/content-type").actual.as_deref(),
        Some("Content-Type text/html")
    );
}

#[tokio::test]
async fn invalid_utf8_is_reported() {
    let s = mock(
        ResponseTemplate::new(200).set_body_raw(vec![b'{', 0xff, 0xfe, b'}'], "application/json"),
    )
    .await;
    let checks = run(&s.uri()).await;
    let r = check(&checks, "list/result");
    assert_eq!(r.status, Status::Fail);
    assert!(r.actual.as_deref().unwrap().contains("UTF-8"), "{r:?}");
}

#[tokio::test]
async fn a_ten_megabyte_body_hits_the_cap() {
    let big = format!(
        "{{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{{\"pad\":\"{}\"}}}}",
        "x".repeat(10 * 1024 * 1024)
    );
    let s = mock(ResponseTemplate::new(200).set_body_raw(big, "application/json")).await;
    let checks = run(&s.uri()).await;
    let r = check(&checks, "list/result");
    assert_eq!(r.status, Status::Fail);
    assert!(r.actual.as_deref().unwrap().contains("cap"), "{r:?}");
    // The record keeps only a bounded slice of the body.
    let body = &r.exchange.as_ref().unwrap().response.as_ref().unwrap().body;
    assert!(body.len() < 64 * 1024);
}

#[tokio::test]
async fn sse_that_ends_without_a_final_response() {
    let events = "data: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{\"progressToken\":1,\"progress\":1}}\n\n";
    let s = mock(ResponseTemplate::new(200).set_body_raw(events, "text/event-stream")).await;
    let checks = run(&s.uri()).await;
    let r = check(&checks, "list/result");
    assert_eq!(r.status, Status::Fail);
    assert_eq!(check(&checks, "list/status").status, Status::Pass);
}

#[tokio::test]
async fn a_hanging_server_times_out() {
    let s = mock(ResponseTemplate::new(200).set_delay(Duration::from_secs(30))).await;
    let started = std::time::Instant::now();
    let checks = run(&s.uri()).await;
    assert!(started.elapsed() < Duration::from_secs(10));
    let r = check(&checks, "list/status");
    assert_eq!(r.status, Status::Fail);
    assert!(r.actual.as_deref().unwrap().contains("timed out"), "{r:?}");
}

/// A raw TCP server: for each connection, reads the request head, writes `reply`, then either
/// closes or holds the connection open until the test ends.
async fn raw_server(reply: &'static [u8], hold_open: bool) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((mut sock, _)) = listener.accept().await {
            let mut buf = vec![0u8; 64 * 1024];
            let _ = sock.read(&mut buf).await;
            let _ = sock.write_all(reply).await;
            if hold_open {
                held.push(sock);
            }
        }
    });
    format!("http://{addr}/mcp")
}

#[tokio::test]
async fn a_closed_connection_is_a_failed_check() {
    let url = raw_server(b"", false).await;
    let checks = run(&url).await;
    let r = check(&checks, "list/status");
    assert_eq!(r.status, Status::Fail);
    assert!(
        r.actual.as_deref().unwrap().contains("no HTTP response"),
        "{r:?}"
    );
}

#[tokio::test]
async fn sse_that_never_sends_the_final_response_times_out() {
    let url = raw_server(
        b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n\
          5\r\n: hi\n\r\n",
        true,
    )
    .await;
    let started = std::time::Instant::now();
    let checks = run(&url).await;
    assert!(started.elapsed() < Duration::from_secs(10));
    let r = check(&checks, "list/result");
    assert_eq!(r.status, Status::Fail);
    assert!(
        r.actual.as_deref().unwrap().contains("no final response"),
        "{r:?}"
    );
}

#[tokio::test]
async fn an_unreachable_target_is_exit_code_3() {
    // Bind then drop: the port is (almost certainly) closed afterwards.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let args = mcpcheck::cli::RunArgs {
        url: vec![format!("http://127.0.0.1:{port}/mcp")],
        concurrency: 1,
        connect_timeout: Some(2.0),
        ..Default::default()
    };
    match mcpcheck::cli::run_to_record(&args).await {
        Err((code, msg)) => {
            assert_eq!(code, mcpcheck::cli::EXIT_UNREACHABLE);
            assert!(msg.contains("could not be reached"), "{msg}");
        }
        Ok(_) => panic!("expected an unreachable target"),
    }
}
