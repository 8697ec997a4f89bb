//! A server that offers only tools is never failed for what it does not declare: every scenario
//! about resources, prompts, completion, logging or subscriptions is not applicable, with the
//! reason, and the run as a whole passes.

use mcpcheck::cli::{RunArgs, exit_code, run_to_record};
use mcpcheck_reports::Status;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tools_only_server_gets_not_applicable_not_failures() {
    let server = mcpcheck_reference_server::spawn(
        ([127, 0, 0, 1], 0).into(),
        mcpcheck_reference_server::Config {
            tools_only: true,
            ..Default::default()
        },
    )
    .await
    .expect("binds");
    let args = RunArgs {
        url: vec![server.url.clone()],
        concurrency: 8,
        ..Default::default()
    };
    let (record, console) = run_to_record(&args).await.expect("runs");
    server.handle.abort();

    let bad: Vec<String> = record
        .checks
        .iter()
        .filter(|c| matches!(c.status, Status::Fail | Status::Warn | Status::Error))
        .map(|c| format!("{}:{} [{}] {}", c.scenario, c.id, c.requirement, c.message))
        .collect();
    assert!(
        bad.is_empty(),
        "a tools-only server was failed:\n{}\n\n{console}",
        bad.join("\n")
    );
    assert_eq!(exit_code(&record), 0);

    // Everything about what it does not offer is not applicable, with a reason naming it; only
    // the `*-undeclared` scenarios apply (the methods must then be unknown) and they pass.
    let not_offered = [
        "resources",
        "prompts",
        "completion",
        "logging",
        "subscriptions",
    ];
    let mut seen = 0;
    for s in record
        .scenarios
        .iter()
        .filter(|s| not_offered.contains(&s.area.as_str()))
    {
        seen += 1;
        if s.id.ends_with("-undeclared") {
            assert_eq!(s.status, Status::Pass, "{}", s.id);
            continue;
        }
        assert_eq!(
            s.status,
            Status::NotApplicable,
            "{} ({}) was judged",
            s.id,
            s.area
        );
        let reason = s.reason.as_deref().unwrap_or("");
        assert!(
            reason.contains("does not declare")
                || reason.contains("declares none")
                || reason.contains("lists no"),
            "{}: unclear reason {reason:?}",
            s.id
        );
    }
    assert!(seen >= 10, "only {seen} scenarios of the areas not offered");
    // ... while the tools and core scenarios did run.
    assert!(
        record
            .scenarios
            .iter()
            .any(|s| s.area == "tools" && s.status == Status::Pass)
    );
}
