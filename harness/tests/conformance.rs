//! The suite against its own reference server, over HTTP and over stdio: every shipped check
//! passes against the correct server; every fault mode is detected by a failing check on one of
//! its requirement ids, and fails nothing else; and every shipped check fails under some fault
//! (a check that cannot fail is a defect). Faults of the stdio binding run over stdio.

use std::collections::{BTreeMap, BTreeSet};

use futures_util::StreamExt as _;
use mcpcheck::cli::{RunArgs, run_to_record};
use mcpcheck_reports::{RunRecord, Status};

/// `mcpcheck serve --stdio [--fault NAME]`, as a command line for `--stdio`.
fn stdio_command(fault: Option<&str>) -> String {
    let mut cmd = format!("'{}' serve --stdio", env!("CARGO_BIN_EXE_mcpcheck"));
    if let Some(f) = fault {
        cmd.push_str(&format!(" --fault {f}"));
    }
    cmd
}

async fn run(fault: Option<&str>, strict: bool) -> RunRecord {
    run_via(false, fault, strict).await
}

async fn run_via(stdio: bool, fault: Option<&str>, strict: bool) -> RunRecord {
    let args = RunArgs {
        fault: if stdio { None } else { fault.map(String::from) },
        stdio: stdio.then(|| stdio_command(fault)),
        concurrency: 8,
        strict,
        ..Default::default()
    };
    match run_to_record(&args).await {
        Ok((record, _console)) => record,
        Err((code, msg)) => panic!("run with fault {fault:?} did not start (exit {code}): {msg}"),
    }
}

fn is_bad(s: Status) -> bool {
    matches!(s, Status::Fail | Status::Warn | Status::Error)
}

fn describe(r: &RunRecord, pred: impl Fn(&mcpcheck_reports::CheckRecord) -> bool) -> String {
    r.checks
        .iter()
        .filter(|c| pred(c))
        .map(|c| {
            format!(
                "  {}:{} [{}] {:?}: {}",
                c.scenario, c.id, c.requirement, c.status, c.message
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reference_server_passes_and_every_fault_is_caught() {
    let clean = run(None, false).await;
    let bad = describe(&clean, |c| is_bad(c.status));
    assert!(
        bad.is_empty(),
        "checks not passing against the reference server:\n{bad}"
    );
    assert!(clean.summary.passed > 0);
    let passed_reqs: BTreeSet<&str> = clean
        .checks
        .iter()
        .filter(|c| c.status == Status::Pass)
        .map(|c| c.requirement.as_str())
        .collect();
    eprintln!(
        "clean run: {} checks, {} passed, {} not applicable, {} distinct requirement ids passed",
        clean.summary.total,
        clean.summary.passed,
        clean.summary.not_applicable,
        passed_reqs.len()
    );

    let clean_stdio = run_via(true, None, false).await;
    let bad = describe(&clean_stdio, |c| is_bad(c.status));
    assert!(
        bad.is_empty(),
        "checks not passing against the reference server over stdio:\n{bad}"
    );
    eprintln!(
        "clean stdio run: {} checks, {} passed, {} not applicable",
        clean_stdio.summary.total, clean_stdio.summary.passed, clean_stdio.summary.not_applicable
    );

    // (scenario, check) -> faults that made it fail or warn.
    let mut broken_by: BTreeMap<(String, String), Vec<&str>> = BTreeMap::new();
    let mut problems = Vec::new();
    // Strict: a fault on a SHOULD rule must make the run fail (exit 1) under --strict, as every
    // fault on a MUST rule does without it. Faults of the stdio binding run over stdio. Runs are
    // independent (each has its own server) and mostly wait on bounded timeouts, so several go
    // at once.
    let runs: Vec<(&mcpcheck_reference_server::Fault, RunRecord)> =
        // The fuzz-* faults are for the fuzzer to find (tests/fuzz.rs), not the scenarios.
        futures_util::stream::iter(
            mcpcheck_reference_server::FAULTS
                .iter()
                .filter(|f| !f.fuzz_only()),
        )
            .map(|fault| async move {
                // Each run gets its own runtime on its own threads: the OS shares the CPU
                // between them in slices of milliseconds, whereas eight runs on one runtime
                // queue behind each other's tasks and can stall a run's timed steps (a
                // cancellation or a task poll) for seconds on a busy 2-core machine.
                let (stdio, name) = (fault.stdio_only(), fault.name);
                let record = tokio::task::spawn_blocking(move || {
                    tokio::runtime::Builder::new_multi_thread()
                        .worker_threads(2)
                        .enable_all()
                        .build()
                        .expect("a runtime for the run")
                        .block_on(run_via(stdio, Some(name), true))
                })
                .await
                .expect("the run finished");
                (fault, record)
            })
            .buffered(8)
            .collect()
            .await;
    for (fault, r) in &runs {
        let targeted = |req: &str| fault.requirements.contains(&req);
        // Collateral: requirements whose checks cannot observe the answer under this fault
        // (e.g. error bodies replaced by plain text); failing there is expected, not cross-talk.
        let allowed = |req: &str| targeted(req) || fault.collateral.contains(&req);
        let hits = r
            .checks
            .iter()
            .filter(|c| c.status == Status::Fail && targeted(&c.requirement))
            .count();
        if hits == 0 {
            problems.push(format!(
                "fault {} ({}) is not detected: no failing check on {:?}",
                fault.name, fault.description, fault.requirements
            ));
        }
        let stray = describe(r, |c| is_bad(c.status) && !allowed(&c.requirement));
        if !stray.is_empty() {
            problems.push(format!(
                "fault {} (breaks {:?}) also fails checks of other requirements:\n{stray}",
                fault.name, fault.requirements
            ));
        }
        for c in &r.checks {
            // A check counts as proven when a fault aimed at its requirement makes it fail.
            if c.status == Status::Fail && targeted(&c.requirement) {
                broken_by
                    .entry((c.scenario.clone(), c.id.clone()))
                    .or_default()
                    .push(fault.name);
            }
        }
    }
    // Every check the suite ships must be able to fail: all checks of the HTTP run, and the
    // checks that only the stdio run judges.
    let stdio_only_checks: Vec<&mcpcheck_reports::CheckRecord> = clean_stdio
        .checks
        .iter()
        .filter(|c| c.status == Status::Pass)
        .filter(|c| {
            !clean.checks.iter().any(|h| {
                h.scenario == c.scenario && h.id == c.id && h.status != Status::NotApplicable
            })
        })
        .collect();
    // Precondition checks gate applicability instead of judging; the `instances` area needs
    // several instances and is proven in tests/instances.rs.
    let gates = mcpcheck::library::Library::load(&[], &mcpcheck::catalogue::Catalogue::builtin())
        .expect("embedded scenarios load")
        .precondition_checks();
    let unbroken: Vec<String> = clean
        .checks
        .iter()
        .chain(stdio_only_checks.iter().copied())
        .filter(|c| !gates.contains(&(c.scenario.clone(), c.id.clone())))
        .filter(|c| !c.scenario.starts_with("instances-"))
        .filter(|c| !broken_by.contains_key(&(c.scenario.clone(), c.id.clone())))
        .map(|c| format!("  {}:{} [{}]", c.scenario, c.id, c.requirement))
        .collect();
    if !unbroken.is_empty() {
        problems.push(format!(
            "{} check(s) no fault makes fail (every check must be proven able to fail):\n{}",
            unbroken.len(),
            unbroken.join("\n")
        ));
    }
    let proven = clean
        .checks
        .iter()
        .filter(|c| broken_by.contains_key(&(c.scenario.clone(), c.id.clone())))
        .count();
    eprintln!(
        "{} faults; {proven} of the {} checks of the clean run shown failing under a fault aimed at their requirement",
        mcpcheck_reference_server::FAULTS.len(),
        clean.checks.len()
    );
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

#[tokio::test]
async fn the_run_covers_at_least_45_requirements() {
    let clean = run(None, false).await;
    let ids: BTreeSet<&str> = clean
        .checks
        .iter()
        .filter(|c| c.status == Status::Pass)
        .map(|c| c.requirement.as_str())
        .collect();
    assert!(
        ids.len() >= 45,
        "only {} distinct requirement ids pass: {ids:?}",
        ids.len()
    );
}
