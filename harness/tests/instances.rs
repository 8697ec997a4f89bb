//! Several instances of one server (`mcpcheck run --url A --url B`): two reference servers
//! sharing a real Redis (and so their tasks and requestState key) pass the whole suite spread
//! over both; two instances with stores of their own fail the cross-instance checks. Every
//! check of the `instances` area is shown failing under some pair of instances.
//!
//! Redis comes from `scripts/redis.sh` (installs it with apt-get when absent). Outside CI a
//! machine without Redis skips the Redis half with a message; with CI=true that is a failure.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Stdio;

use futures_util::StreamExt as _;
use mcpcheck::cli::{RunArgs, run_to_record};
use mcpcheck_reference_server::{Config, Running, fault_by_name, spawn};
use mcpcheck_reports::{RunRecord, Status};
use tokio::io::AsyncBufReadExt as _;

struct Redis {
    url: String,
    dir: PathBuf,
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = std::process::Command::new("bash")
            .arg(script())
            .arg("stop")
            .arg(&self.dir)
            .status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scripts/redis.sh")
}

/// A throwaway Redis on 127.0.0.1 and a free port, or `None` (outside CI) when it cannot start.
fn redis(tag: &str) -> Option<Redis> {
    let dir = std::env::temp_dir().join(format!(
        "mcpcheck-harness-redis-{}-{tag}",
        std::process::id()
    ));
    let unavailable = |why: String| {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("Redis is required under CI=true: {why}");
        }
        eprintln!("skipping: redis unavailable: {why}");
        None
    };
    let out = match std::process::Command::new("bash")
        .arg(script())
        .arg("start")
        .arg(&dir)
        .stdin(Stdio::null())
        .output()
    {
        Ok(o) => o,
        Err(e) => return unavailable(format!("cannot run scripts/redis.sh: {e}")),
    };
    let url = String::from_utf8_lossy(&out.stdout).trim().to_string();
    if !out.status.success() || !url.starts_with("redis://") {
        return unavailable(format!(
            "scripts/redis.sh start: {}: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Some(Redis { url, dir })
}

async fn server(config: Config) -> Running {
    spawn(([127, 0, 0, 1], 0).into(), config)
        .await
        .expect("bind an ephemeral port")
}

async fn run(urls: &[&str], only: Option<&str>) -> RunRecord {
    let args = RunArgs {
        url: urls.iter().map(|u| u.to_string()).collect(),
        only: only.map(|o| vec![o.to_string()]).unwrap_or_default(),
        concurrency: 8,
        strict: true,
        ..Default::default()
    };
    match run_to_record(&args).await {
        Ok((record, _)) => record,
        Err((code, msg)) => panic!("run did not start (exit {code}): {msg}"),
    }
}

fn bad(r: &RunRecord) -> Vec<String> {
    r.checks
        .iter()
        .filter(|c| matches!(c.status, Status::Fail | Status::Warn | Status::Error))
        .map(|c| format!("{}:{} [{}] {}", c.scenario, c.id, c.requirement, c.message))
        .collect()
}

fn failing(r: &RunRecord) -> BTreeSet<(String, String)> {
    r.checks
        .iter()
        .filter(|c| c.status == Status::Fail)
        .map(|c| (c.scenario.clone(), c.id.clone()))
        .collect()
}

fn shared(redis: &Redis) -> Config {
    Config {
        store: Some(redis.url.clone()),
        ..Config::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_sharing_redis_pass_the_whole_suite() {
    let Some(redis) = redis("pass") else { return };
    // No explicit key: Redis-backed instances share one through Redis.
    let (a, b) = (server(shared(&redis)).await, server(shared(&redis)).await);
    let r = run(&[&a.url, &b.url], None).await;
    let bad = bad(&r);
    assert!(
        bad.is_empty(),
        "not passing over two instances:\n{}",
        bad.join("\n")
    );
    let instances: Vec<_> = r
        .checks
        .iter()
        .filter(|c| c.scenario.starts_with("instances-"))
        .collect();
    assert!(
        instances.len() >= 15,
        "{} instances checks",
        instances.len()
    );
    assert!(instances.iter().all(|c| c.status == Status::Pass));
    eprintln!(
        "two Redis-backed instances: {} checks, {} passed, {} not applicable",
        r.summary.total, r.summary.passed, r.summary.not_applicable
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_with_their_own_stores_fail_the_cross_instance_checks() {
    let (a, b) = (
        server(Config::default()).await,
        server(Config::default()).await,
    );
    let r = run(&[&a.url, &b.url], Some("instances-*")).await;
    let f = failing(&r);
    for (scenario, check) in [
        ("instances-request-state", "completes-elsewhere"),
        ("instances-tasks", "found-elsewhere"),
        ("instances-tasks", "cancel-elsewhere"),
        ("instances-cursor", "cursor-accepted-elsewhere"),
    ] {
        assert!(
            f.contains(&(scenario.to_string(), check.to_string())),
            "{scenario}:{check} did not fail over in-memory instances; failing: {f:?}"
        );
    }
}

/// Every check of the `instances` area fails under some pair of instances (a check that
/// cannot fail is a defect); single-instance runs cannot reach them, so the fault loop of the
/// conformance test leaves them to this test.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_instances_check_is_shown_failing() {
    let mut broken: BTreeSet<(String, String)> = BTreeSet::new();
    // Stores of their own: tasks, states and cursors do not travel.
    let (a, b) = (
        server(Config::default()).await,
        server(Config::default()).await,
    );
    let clean_ids = run(&[&a.url, &b.url], Some("instances-*")).await;
    broken.extend(failing(&clean_ids));
    // Both mint session ids.
    let fault = fault_by_name("mints-session-id").expect("fault exists");
    let (a, b) = (
        server(Config::with_fault(fault)).await,
        server(Config::with_fault(fault)).await,
    );
    broken.extend(failing(
        &run(&[&a.url, &b.url], Some("instances-no-sessions")).await,
    ));
    // Instances that disagree about what they offer.
    let (a, b) = (
        server(Config::default()).await,
        server(Config {
            tools_only: true,
            ..Config::default()
        })
        .await,
    );
    broken.extend(failing(
        &run(&[&a.url, &b.url], Some("instances-no-sessions")).await,
    ));

    // Each fault aimed at a requirement of these checks, on two instances sharing Redis (so the
    // cross-instance steps work and the fault is what fails): a check counts when a fault aimed
    // at its requirement makes it fail, as in the conformance test.
    let Some(redis) = redis("faults") else { return };
    let reqs: BTreeSet<String> = clean_ids
        .checks
        .iter()
        .filter(|c| !c.id.ends_with("/wire-schema"))
        .map(|c| c.requirement.clone())
        .collect();
    let faults: Vec<_> = mcpcheck_reference_server::FAULTS
        .iter()
        .filter(|f| !f.stdio_only() && !f.fuzz_only())
        .filter(|f| f.requirements.iter().any(|r| reqs.contains(*r)))
        .collect();
    let redis = &redis;
    let runs: Vec<(&mcpcheck_reference_server::Fault, RunRecord)> =
        futures_util::stream::iter(faults)
            .map(|fault| async move {
                let config = || Config {
                    fault: Some(fault),
                    ..shared(redis)
                };
                let (a, b) = (server(config()).await, server(config()).await);
                (fault, run(&[&a.url, &b.url], Some("instances-*")).await)
            })
            .buffered(8)
            .collect()
            .await;
    for (fault, r) in &runs {
        broken.extend(
            r.checks
                .iter()
                .filter(|c| {
                    c.status == Status::Fail && fault.requirements.contains(&c.requirement.as_str())
                })
                .map(|c| (c.scenario.clone(), c.id.clone())),
        );
    }
    let gates = preconditions();
    let unbroken: Vec<String> = clean_ids
        .checks
        .iter()
        .filter(|c| !broken.contains(&(c.scenario.clone(), c.id.clone())))
        .filter(|c| !gates.contains(&(c.scenario.clone(), c.id.clone())))
        // The automatic schema check is the same code as in every single-instance scenario,
        // where the conformance test proves it under the schema faults.
        .filter(|c| !c.id.ends_with("/wire-schema"))
        .map(|c| format!("{}:{} [{}]", c.scenario, c.id, c.requirement))
        .collect();
    assert!(
        unbroken.is_empty(),
        "instances checks no pair of instances makes fail:\n{}",
        unbroken.join("\n")
    );
}

/// Checks that gate a scenario (`precondition: true`) decide applicability, not conformance.
fn preconditions() -> BTreeSet<(String, String)> {
    let catalogue = mcpcheck::catalogue::Catalogue::builtin();
    mcpcheck::library::Library::load(&[], &catalogue)
        .expect("embedded scenarios load")
        .precondition_checks()
}

/// The done-when of the multi-instance issue, end to end: two `mcpcheck serve --store redis://`
/// processes with the same MCPCHECK_STATE_KEY pass `mcpcheck run --url A --url B` (exit 0).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_served_processes_with_one_key_pass_from_the_command_line() {
    let Some(redis) = redis("cli") else { return };
    let exe = env!("CARGO_BIN_EXE_mcpcheck");
    let mut children = Vec::new();
    let mut urls = Vec::new();
    for _ in 0..2 {
        let mut child = tokio::process::Command::new(exe)
            .args(["serve", "--store", &redis.url])
            .env("MCPCHECK_STATE_KEY", "one-key-for-both")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("start mcpcheck serve");
        let mut lines = tokio::io::BufReader::new(child.stdout.take().expect("stdout")).lines();
        let line = lines
            .next_line()
            .await
            .expect("read")
            .expect("a listening line");
        let url = line.rsplit(' ').next().expect("url at the end").to_string();
        assert!(url.starts_with("http://127.0.0.1:"), "{line}");
        urls.push(url);
        children.push(child);
    }
    let out = tokio::process::Command::new(exe)
        .args([
            "run", "--url", &urls[0], "--url", &urls[1], "--color", "never",
        ])
        .output()
        .await
        .expect("run mcpcheck");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("2 instances"), "{stdout}");
    assert!(stdout.contains("instances-tasks"), "{stdout}");
}
