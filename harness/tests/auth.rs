//! Authorization against `mcpcheck serve --auth` reached by URL, as a user would run it: tokens
//! from the server's own authorization server with `--auth client-credentials` (and, for the
//! expired one, given like a user gives tokens). The whole suite passes with the token on every
//! request; each auth fault fails its own requirement and makes the run exit 1; an unprotected
//! server gets the AUTH scenarios as not applicable, with the reason.

use std::collections::BTreeSet;

use mcpcheck::cli::{AuthMethod, RunArgs, exit_code, run_to_record};
use mcpcheck_reference_server::{AuthConfig, Config, FAULTS, Running, fault_by_name, spawn};
use mcpcheck_reports::{RunRecord, Status};

async fn protected(fault: Option<&str>) -> Running {
    let config = Config {
        fault: fault.map(|f| fault_by_name(f).expect("fault exists")),
        auth: Some(AuthConfig::default()),
        ..Config::default()
    };
    spawn(([127, 0, 0, 1], 0).into(), config)
        .await
        .expect("protected server starts")
}

fn args(server: &Running, only_auth: bool) -> RunArgs {
    let issuer = server.issuer.as_ref().expect("built-in issuer");
    RunArgs {
        url: vec![server.url.clone()],
        only: if only_auth {
            vec!["auth-*".into()]
        } else {
            Vec::new()
        },
        auth: Some(AuthMethod::ClientCredentials),
        client_id: Some(mcpcheck_reference_server::DEFAULT_CLIENT_ID.into()),
        client_secret: Some(mcpcheck_reference_server::DEFAULT_CLIENT_SECRET.into()),
        // No grant gives an expired token: it is given the way a user gives one.
        token_expired: Some(issuer.mint(&server.url, "mcp mcp:admin", -600)),
        strict: true,
        concurrency: 8,
        ..Default::default()
    }
}

async fn run(args: &RunArgs) -> RunRecord {
    match run_to_record(args).await {
        Ok((record, _)) => record,
        Err((code, msg)) => panic!("run did not start (exit {code}): {msg}"),
    }
}

fn bad(r: &RunRecord) -> Vec<String> {
    r.checks
        .iter()
        .filter(|c| matches!(c.status, Status::Fail | Status::Warn | Status::Error))
        .map(|c| {
            format!(
                "  {}:{} [{}] {}",
                c.scenario, c.id, c.requirement, c.message
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn whole_suite_passes_against_a_protected_server_with_client_credentials() {
    let server = protected(None).await;
    let record = run(&args(&server, false)).await;
    let problems = bad(&record);
    assert!(problems.is_empty(), "failing:\n{}", problems.join("\n"));
    let auth: BTreeSet<&str> = record
        .checks
        .iter()
        .filter(|c| c.status == Status::Pass && c.requirement.starts_with("AUTH-"))
        .map(|c| c.requirement.as_str())
        .collect();
    eprintln!(
        "protected run: {} checks, {} passed; AUTH ids passing: {auth:?}",
        record.summary.total, record.summary.passed
    );
    assert!(
        auth.len() >= 11,
        "only {} AUTH ids pass: {auth:?}",
        auth.len()
    );
    assert_eq!(exit_code(&record), 0);
    server.handle.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_auth_fault_fails_its_requirement_with_client_credentials() {
    let mut problems = Vec::new();
    for fault in FAULTS.iter().filter(|f| f.auth_only()) {
        let server = protected(Some(fault.name)).await;
        let record = run(&args(&server, true)).await;
        server.handle.abort();
        let hit = record.checks.iter().any(|c| {
            c.status == Status::Fail && fault.requirements.contains(&c.requirement.as_str())
        });
        let stray: Vec<String> = record
            .checks
            .iter()
            .filter(|c| matches!(c.status, Status::Fail | Status::Warn | Status::Error))
            .filter(|c| {
                !fault.requirements.contains(&c.requirement.as_str())
                    && !fault.collateral.contains(&c.requirement.as_str())
            })
            .map(|c| format!("{}:{} [{}]", c.scenario, c.id, c.requirement))
            .collect();
        if !hit || exit_code(&record) != 1 {
            problems.push(format!(
                "{}: not detected on {:?}\n{}",
                fault.name,
                fault.requirements,
                bad(&record).join("\n")
            ));
        }
        if !stray.is_empty() {
            problems.push(format!("{}: stray failures {stray:?}", fault.name));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[tokio::test]
async fn an_unprotected_server_makes_the_auth_scenarios_not_applicable() {
    let server = spawn(([127, 0, 0, 1], 0).into(), Config::default())
        .await
        .unwrap();
    let record = run(&RunArgs {
        url: vec![server.url.clone()],
        only: vec!["auth-*".into()],
        concurrency: 4,
        ..Default::default()
    })
    .await;
    assert!(!record.checks.is_empty());
    for c in &record.checks {
        assert_eq!(c.status, Status::NotApplicable, "{}:{}", c.scenario, c.id);
        assert!(
            c.message.contains("the server is not protected") && c.message.contains("HTTP 200"),
            "{}",
            c.message
        );
    }
    server.handle.abort();
}

#[tokio::test]
async fn client_credentials_without_a_secret_is_a_usage_error() {
    let server = protected(None).await;
    let err = run_to_record(&RunArgs {
        url: vec![server.url.clone()],
        auth: Some(AuthMethod::ClientCredentials),
        client_id: Some("x".into()),
        concurrency: 4,
        ..Default::default()
    })
    .await
    .expect_err("usage error");
    assert_eq!(err.0, 2);
    assert!(err.1.contains("--client-secret"), "{}", err.1);
    server.handle.abort();
}

#[tokio::test]
async fn a_wrong_client_secret_leaves_token_checks_not_applicable_with_the_reason() {
    let server = protected(None).await;
    let record = run(&RunArgs {
        url: vec![server.url.clone()],
        only: vec!["auth-wrong-audience".into(), "auth-no-token".into()],
        auth: Some(AuthMethod::ClientCredentials),
        client_id: Some("mcpcheck".into()),
        client_secret: Some("wrong".into()),
        concurrency: 4,
        ..Default::default()
    })
    .await;
    let audience: Vec<_> = record
        .checks
        .iter()
        .filter(|c| c.scenario == "auth-wrong-audience")
        .collect();
    assert!(!audience.is_empty());
    for c in audience {
        assert_eq!(c.status, Status::NotApplicable);
        assert!(c.message.contains("invalid_client"), "{}", c.message);
    }
    // Checks that need no token still run.
    assert!(
        record
            .checks
            .iter()
            .any(|c| c.scenario == "auth-no-token" && c.status == Status::Pass)
    );
    server.handle.abort();
}
