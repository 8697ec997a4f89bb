//! The live fuzzer against the bundled reference server: nothing found on the correct server;
//! each `fuzz-*` fault found from a fixed seed within a bounded number of requests, shrunk, and
//! written as a scenario that fails under `mcpcheck run --scenarios` on the faulty server and
//! passes on the correct one.

use std::path::PathBuf;

use mcpcheck::cli::{RunArgs, exit_code, run_to_record};
use mcpcheck::fuzz::command::{FuzzArgs, run};
use mcpcheck_reference_server::FAULTS;
use mcpcheck_reports::{RunRecord, Status};

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("mcpcheck-fuzz-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn args(seed: u64, requests: u64, out: PathBuf) -> FuzzArgs {
    FuzzArgs {
        seed: Some(seed),
        requests: Some(requests),
        concurrency: 8,
        timeout: 5.0,
        shrink_budget: 400,
        max_findings: 20,
        out,
        quiet: true,
        ..FuzzArgs::default()
    }
}

async fn fuzz(a: &FuzzArgs) -> (RunRecord, String) {
    match run(a).await {
        Ok(r) => r,
        Err((code, msg)) => panic!("fuzz did not start (exit {code}): {msg}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_correct_server_gives_no_finding() {
    let out = scratch("clean");
    let (record, console) = fuzz(&args(1, 3000, out.clone())).await;
    let fz = record.fuzz.as_ref().expect("fuzz record");
    assert!(fz.findings.is_empty(), "{console}");
    assert_eq!(fz.requests, 3000);
    assert!(record.checks.is_empty());
    assert!(!out.exists(), "no replay folder without findings");
    // Tools not annotated read-only are not called without --allow-tool-calls.
    assert!(
        fz.skipped_tools
            .iter()
            .any(|t| t == "test_trigger_tool_change")
    );
    assert!(!fz.skipped_tools.iter().any(|t| t == "test_simple_text"));
    assert!(console.contains("repeat with: mcpcheck fuzz --seed 1 --requests 3000"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn allow_tool_calls_calls_every_tool_and_still_finds_nothing() {
    let mut a = args(2, 1500, scratch("allow"));
    a.allow_tool_calls = true;
    let (record, console) = fuzz(&a).await;
    let fz = record.fuzz.unwrap();
    assert!(fz.skipped_tools.is_empty());
    assert!(fz.findings.is_empty(), "{console}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stdio_server_is_fuzzed_over_its_pipes() {
    let mut a = args(3, 400, scratch("stdio"));
    a.stdio = Some(format!("{} serve --stdio", env!("CARGO_BIN_EXE_mcpcheck")));
    let (record, console) = fuzz(&a).await;
    let fz = record.fuzz.unwrap();
    assert_eq!(fz.requests, 400);
    assert!(fz.findings.is_empty(), "{console}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fuzz_fault_is_found_shrunk_and_replayed() {
    let mut problems = Vec::new();
    for fault in FAULTS.iter().filter(|f| f.fuzz_only()) {
        let out = scratch(fault.name);
        let mut a = args(1, 600, out.clone());
        a.fault = Some(fault.name.into());
        // A hang costs a timeout per shrinking step: keep both small.
        a.timeout = 1.0;
        a.max_findings = 1;
        let (record, console) = fuzz(&a).await;
        let fz = record.fuzz.as_ref().unwrap();
        let Some(f) = fz.findings.first() else {
            problems.push(format!(
                "{}: nothing found in 600 requests\n{console}",
                fault.name
            ));
            continue;
        };
        if !fault.requirements.contains(&f.requirement.as_str()) {
            problems.push(format!(
                "{}: found {} [{}], not one of {:?}",
                fault.name, f.kind, f.requirement, fault.requirements
            ));
        }
        assert!(f.reproduced, "{}: {console}", fault.name);
        assert!(
            f.shrunk_body.len() <= f.original_body.len() || f.original_body.contains('…'),
            "{}: shrinking grew the request",
            fault.name
        );
        assert!(f.shrink_attempts > 0, "{}: not shrunk", fault.name);
        let check = record
            .checks
            .iter()
            .find(|c| c.scenario == f.id)
            .expect("each finding is a failing check");
        assert_eq!(check.status, Status::Fail);
        assert!(check.exchange.is_some() && check.curl.is_some());
        let replay = PathBuf::from(f.replay.as_deref().expect("replay written"));
        assert!(replay.starts_with(&out) && replay.exists());

        // The replay fails on the faulty server and passes on the correct one.
        let replay_args = |fault: Option<&str>| RunArgs {
            fault: fault.map(String::from),
            scenarios: vec![out.clone()],
            only: vec![f.id.clone()],
            timeout: Some(2.0),
            concurrency: 2,
            ..Default::default()
        };
        let (bad, _) = run_to_record(&replay_args(Some(fault.name))).await.unwrap();
        let failed: Vec<&str> = bad
            .checks
            .iter()
            .filter(|c| c.status == Status::Fail)
            .map(|c| c.requirement.as_str())
            .collect();
        if exit_code(&bad) != 1 || !failed.iter().any(|r| fault.requirements.contains(r)) {
            problems.push(format!(
                "{}: the replay does not fail on its requirement: {failed:?}",
                fault.name
            ));
        }
        let (good, console) = run_to_record(&replay_args(None)).await.unwrap();
        if exit_code(&good) != 0 {
            problems.push(format!(
                "{}: the replay fails on the correct server:\n{console}",
                fault.name
            ));
        }
        let _ = std::fs::remove_dir_all(&out);
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_seed_finds_the_same_thing_and_the_reports_list_it() {
    let run_once = |name: &str| {
        let mut a = args(9, 300, scratch(name));
        a.fault = Some("fuzz-large-id-float".into());
        a.reports.json = Some(scratch(name).with_extension("json"));
        a.reports.junit = Some(scratch(name).with_extension("xml"));
        a
    };
    let (a, b) = (run_once("seed-a"), run_once("seed-b"));
    let (ra, _) = fuzz(&a).await;
    let (rb, _) = fuzz(&b).await;
    let key = |r: &RunRecord| {
        r.fuzz
            .as_ref()
            .unwrap()
            .findings
            .iter()
            .map(|f| (f.id.clone(), f.original_body.clone(), f.shrunk_body.clone()))
            .collect::<Vec<_>>()
    };
    assert!(!key(&ra).is_empty());
    assert_eq!(key(&ra), key(&rb));
    // Written reports: the JSON record has the campaign, JUnit names each finding.
    let code = mcpcheck::fuzz::command::main(a.clone()).await;
    assert_eq!(code, 1);
    let json: RunRecord =
        serde_json::from_str(&std::fs::read_to_string(a.reports.json.as_ref().unwrap()).unwrap())
            .unwrap();
    assert_eq!(json.fuzz.as_ref().unwrap().seed, 9);
    let junit = std::fs::read_to_string(a.reports.junit.as_ref().unwrap()).unwrap();
    for f in &json.fuzz.unwrap().findings {
        assert!(junit.contains(&f.id), "JUnit lacks {}", f.id);
    }
}

#[tokio::test]
async fn usage_errors_and_unreachable_targets() {
    let mut a = args(1, 10, scratch("usage"));
    a.concurrency = 0;
    assert_eq!(run(&a).await.unwrap_err().0, 2);
    let mut a = args(1, 10, scratch("usage"));
    a.fault = Some("no-such-fault".into());
    let (code, msg) = run(&a).await.unwrap_err();
    assert_eq!(code, 2);
    assert!(msg.contains("unknown fault \"no-such-fault\""), "{msg}");
    let mut a = args(1, 10, scratch("usage"));
    a.url = Some("ftp://example.invalid/".into());
    assert_eq!(run(&a).await.unwrap_err().0, 2);
    let mut a = args(1, 0, scratch("usage"));
    a.requests = Some(0);
    assert_eq!(run(&a).await.unwrap_err().0, 2);
    // A port nobody listens on.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut a = args(1, 10, scratch("usage"));
    a.url = Some(format!("http://127.0.0.1:{port}/mcp"));
    let (code, msg) = run(&a).await.unwrap_err();
    assert_eq!(code, 3, "{msg}");
}

#[tokio::test]
async fn a_server_that_answers_discover_with_garbage_is_not_fuzzed() {
    use wiremock::matchers::method;
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_string("<html>hello</html>"))
        .mount(&server)
        .await;
    let mut a = args(1, 10, scratch("garbage"));
    a.url = Some(format!("{}/mcp", server.uri()));
    let (code, msg) = run(&a).await.unwrap_err();
    assert_eq!(code, 3);
    assert!(msg.contains("server/discover gave no result"), "{msg}");
}

#[tokio::test]
async fn a_server_that_fails_everything_else_is_reported_with_shrunk_findings() {
    use wiremock::matchers::{body_string_contains, method};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let server = MockServer::start().await;
    let discover = serde_json::json!({"jsonrpc": "2.0", "id": 0, "result": {
        "resultType": "complete",
        "supportedVersions": ["2026-07-28"],
        "capabilities": {},
        "serverInfo": {"name": "m", "version": "1"},
        "ttlMs": 0, "cacheScope": "public"
    }});
    Mock::given(method("POST"))
        .and(body_string_contains("\"server/discover\""))
        .and(body_string_contains("\"id\":0,"))
        .respond_with(ResponseTemplate::new(200).set_body_json(discover))
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503).set_body_string("overloaded"))
        .with_priority(2)
        .mount(&server)
        .await;
    let mut a = args(4, 50, scratch("wiremock"));
    a.url = Some(format!("{}/mcp", server.uri()));
    let result = run(&a).await;
    let (record, console) = match result {
        Ok(r) => r,
        // The mock's discover result may not satisfy the probe; then nothing to fuzz.
        Err((code, msg)) => panic!("exit {code}: {msg}"),
    };
    let fz = record.fuzz.unwrap();
    assert!(
        fz.findings.iter().any(|f| f.kind == "server-error"),
        "{console}"
    );
}
