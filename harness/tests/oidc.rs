//! A real authorization server: the reference server in `--issuer` mode trusts `oidc-provider`
//! (npm, OpenID Certified, RFC 8707 resource indicators), started by `scripts/oidc.sh` on
//! 127.0.0.1, and mcpcheck gets every token it uses from it with client credentials. The AUTH
//! scenarios pass, the wrong-audience token is genuinely signed by that issuer, and a server
//! that skips the audience check is caught with it.
//!
//! Outside CI a machine without Node.js skips with a message; with CI=true that is a failure.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Stdio;

use mcpcheck::cli::{AuthMethod, RunArgs, run_to_record};
use mcpcheck_reference_server::{AuthConfig, Config, fault_by_name, spawn};
use mcpcheck_reports::{RunRecord, Status};

struct Oidc {
    issuer: String,
    dir: PathBuf,
}

impl Drop for Oidc {
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
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scripts/oidc.sh")
}

fn oidc() -> Option<Oidc> {
    let dir = std::env::temp_dir().join(format!("mcpcheck-oidc-{}", std::process::id()));
    let unavailable = |why: String| {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("oidc-provider is required under CI=true: {why}");
        }
        eprintln!("skipping: oidc-provider unavailable: {why}");
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
        Err(e) => return unavailable(format!("cannot run scripts/oidc.sh: {e}")),
    };
    if !out.status.success() {
        return unavailable(format!(
            "scripts/oidc.sh start failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let issuer = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(
        issuer.starts_with("http://127.0.0.1:"),
        "unexpected issuer line {issuer:?}"
    );
    Some(Oidc { issuer, dir })
}

async fn run_against(url: &str) -> RunRecord {
    let args = RunArgs {
        url: vec![url.to_string()],
        only: vec!["auth-*".into()],
        auth: Some(AuthMethod::ClientCredentials),
        client_id: Some("mcpcheck".into()),
        client_secret: Some("mcpcheck-secret".into()),
        strict: true,
        concurrency: 4,
        ..Default::default()
    };
    match run_to_record(&args).await {
        Ok((record, console)) => {
            eprintln!(
                "{}",
                console.lines().take(12).collect::<Vec<_>>().join("\n")
            );
            record
        }
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reference_server_trusting_oidc_provider_passes_the_auth_scenarios() {
    let Some(as_) = oidc() else { return };
    let config = |fault: Option<&str>| Config {
        fault: fault.map(|f| fault_by_name(f).expect("fault exists")),
        auth: Some(AuthConfig {
            issuer: Some(as_.issuer.clone()),
            ..AuthConfig::default()
        }),
        ..Config::default()
    };
    let server = spawn(([127, 0, 0, 1], 0).into(), config(None))
        .await
        .expect("reference server trusting oidc-provider starts");
    let record = run_against(&server.url).await;
    let problems = bad(&record);
    assert!(
        problems.is_empty(),
        "checks not passing with oidc-provider:\n{}",
        problems.join("\n")
    );
    let passed: BTreeSet<&str> = record
        .checks
        .iter()
        .filter(|c| c.status == Status::Pass && c.requirement.starts_with("AUTH-"))
        .map(|c| c.requirement.as_str())
        .collect();
    eprintln!("AUTH ids passing with oidc-provider: {passed:?}");
    assert!(
        passed.len() >= 11,
        "only {} AUTH ids pass: {passed:?}",
        passed.len()
    );
    // The audience test really ran, with a token oidc-provider signed for another resource.
    let audience = record
        .checks
        .iter()
        .find(|c| {
            c.scenario == "auth-wrong-audience" && c.id == "token-for-another-resource/status"
        })
        .expect("audience check present");
    assert_eq!(audience.status, Status::Pass, "{}", audience.message);
    server.handle.abort();

    // A server that skips the audience check is caught with that genuinely signed token.
    let lax = spawn(
        ([127, 0, 0, 1], 0).into(),
        config(Some("auth-no-audience-check")),
    )
    .await
    .expect("faulty server starts");
    let record = run_against(&lax.url).await;
    let failed: Vec<&str> = record
        .checks
        .iter()
        .filter(|c| c.status == Status::Fail)
        .map(|c| c.requirement.as_str())
        .collect();
    assert!(
        failed.contains(&"AUTH-06"),
        "auth-no-audience-check not caught with oidc-provider tokens: {:?}",
        bad(&record)
    );
    assert!(
        failed.iter().all(|r| *r == "AUTH-06"),
        "only AUTH-06 should fail: {:?}",
        bad(&record)
    );
    lax.handle.abort();
}
