//! `mcpcheck fuzz`: sets up the target, runs the campaign, writes replays and reports.
//!
//! Exit codes: 0 no finding; 1 findings; 2 usage error; 3 the target could not be reached.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use mcpcheck_reports::{FuzzRecord, RunRecord, Summary, Target, ToolInfo};

use super::{FuzzOptions, FuzzReport, Fuzzer};
use crate::catalogue::Catalogue;
use crate::cli::{EXIT_FAILED, EXIT_OK, EXIT_UNREACHABLE, EXIT_USAGE};
use crate::engine::{RunOptions, Runner};
use crate::transport::{Transport, TransportConfig};

#[derive(clap::Args, Debug, Default, Clone)]
pub struct FuzzArgs {
    /// Streamable HTTP endpoint of the server under test.
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,
    /// A server that speaks stdio, started as a child process (split like a shell would).
    #[arg(long, conflicts_with = "url")]
    pub stdio: Option<String>,
    /// With no --url or --stdio: the bundled reference server with this fault mode (the
    /// `fuzz-*` faults are the ones the fuzzer is meant to find).
    #[arg(long, conflicts_with_all = ["url", "stdio"])]
    pub fault: Option<String>,
    /// Seed of the campaign; the same seed sends the same requests (default: chosen at random
    /// and printed).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Requests to send (default 1000, or unbounded when --duration is given).
    #[arg(long)]
    pub requests: Option<u64>,
    /// Seconds to fuzz for at most.
    #[arg(long, value_name = "SECONDS")]
    pub duration: Option<f64>,
    /// Also call tools that are not annotated `readOnlyHint: true` (calls can have side
    /// effects: use against a disposable server).
    #[arg(long)]
    pub allow_tool_calls: bool,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 32)]
    pub concurrency: usize,
    /// Seconds an answer may take before it counts as a hang.
    #[arg(long, value_name = "SECONDS", default_value_t = 5.0)]
    pub timeout: f64,
    /// Requests at most spent shrinking each finding.
    #[arg(long, default_value_t = 400)]
    pub shrink_budget: usize,
    /// Distinct findings shrunk and written at most (the rest are counted).
    #[arg(long, default_value_t = 20)]
    pub max_findings: usize,
    /// Folder for the replay scenarios (one YAML file per finding).
    #[arg(long, value_name = "DIR", default_value = "mcpcheck-fuzz")]
    pub out: PathBuf,
    #[command(flatten)]
    pub reports: crate::cli::ReportPaths,
    /// Bearer token sent on every request, for a protected server.
    #[arg(long, env = "MCPCHECK_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Print only the summary line and the findings.
    #[arg(long, short)]
    pub quiet: bool,
}

pub async fn main(args: FuzzArgs) -> i32 {
    match run(&args).await {
        Ok((record, console)) => {
            print!("{console}");
            if let Err((code, e)) = crate::cli::write_reports(&args.reports, &record) {
                eprintln!("{e}");
                return code;
            }
            if record.fuzz.as_ref().is_some_and(|f| !f.findings.is_empty()) {
                EXIT_FAILED
            } else {
                EXIT_OK
            }
        }
        Err((code, msg)) => {
            eprintln!("{msg}");
            code
        }
    }
}

fn reproduce(args: &FuzzArgs, seed: u64, requests: u64) -> String {
    let mut cmd = String::from("mcpcheck fuzz");
    if let Some(u) = &args.url {
        cmd.push_str(&format!(" --url {}", crate::util::shell_quote(u)));
    }
    if let Some(s) = &args.stdio {
        cmd.push_str(&format!(" --stdio {}", crate::util::shell_quote(s)));
    }
    if let Some(f) = &args.fault {
        cmd.push_str(&format!(" --fault {f}"));
    }
    cmd.push_str(&format!(" --seed {seed} --requests {requests}"));
    if args.allow_tool_calls {
        cmd.push_str(" --allow-tool-calls");
    }
    cmd
}

/// Runs the campaign; `Err((exit code, message))` for usage errors and unreachable targets.
pub async fn run(args: &FuzzArgs) -> Result<(RunRecord, String), (i32, String)> {
    let usage = |m: String| (EXIT_USAGE, format!("error: {m}"));
    if args.concurrency == 0 {
        return Err(usage("--concurrency must be at least 1".into()));
    }
    if args.requests == Some(0) {
        return Err(usage("--requests must be at least 1".into()));
    }
    let timeout = crate::cli::seconds("--timeout", args.timeout).map_err(|e| (EXIT_USAGE, e))?;
    let duration = match args.duration {
        Some(d) => Some(crate::cli::seconds("--duration", d).map_err(|e| (EXIT_USAGE, e))?),
        None => None,
    };
    let seed = args.seed.unwrap_or_else(|| {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
        // Short seeds are easier to copy from a log.
        (t ^ (std::process::id() as u64).rotate_left(32)) % 1_000_000
    });
    let started_at = crate::cli::now_rfc3339();
    let tc = TransportConfig {
        request_timeout: timeout,
        // Only the final response matters here: do not wait to see whether a stream closes.
        linger_after_final: std::time::Duration::ZERO,
        ..TransportConfig::default()
    };
    let transport = Transport::new(tc.clone()).map_err(|e| usage(e.to_string()))?;
    let catalogue = Arc::new(Catalogue::builtin());

    let mut bundled = None;
    let mut stdio = None;
    let (url, target) = if let Some(cmd) = &args.stdio {
        stdio = Some(crate::cli::start_stdio(cmd, timeout, tc.max_body).await?);
        (
            format!("stdio:{cmd}"),
            Target::Stdio {
                command: cmd.clone(),
            },
        )
    } else if let Some(u) = &args.url {
        let parsed = url::Url::parse(u).map_err(|e| usage(format!("--url {u:?}: {e}")))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(usage(format!(
                "--url {u:?}: only http and https are supported"
            )));
        }
        (u.clone(), Target::Http { url: u.clone() })
    } else {
        let (running, _) = crate::cli::start_bundled(args.fault.as_deref()).await?;
        let u = running.url.clone();
        bundled = Some(running);
        (
            u.clone(),
            Target::Bundled {
                url: u,
                fault: args.fault.clone(),
            },
        )
    };
    let mut opts = RunOptions::new(url);
    opts.client_name = "mcpcheck-fuzz".into();
    if let Some(t) = &args.token {
        opts.auth.tokens.insert("valid".into(), t.clone());
        opts.auth.asserted = true;
    }
    let runner = Runner::with_stdio(opts, transport, stdio, catalogue.clone())
        .await
        .map_err(|e| (EXIT_UNREACHABLE, format!("error: cannot reach {}", e.0)))?;
    if runner.profile.discover.is_none() {
        if let Some(t) = &runner.stdio {
            t.server.shutdown().await;
        }
        return Err((
            EXIT_UNREACHABLE,
            format!(
                "error: server/discover gave no result ({}); the fuzzer needs the server's declarations",
                runner
                    .profile
                    .discover_problem
                    .clone()
                    .unwrap_or_else(|| "no answer".into())
            ),
        ));
    }
    let fopts = FuzzOptions {
        seed,
        requests: args
            .requests
            .or(if duration.is_some() { None } else { Some(1000) }),
        duration,
        allow_tool_calls: args.allow_tool_calls,
        concurrency: args.concurrency,
        shrink_budget: args.shrink_budget,
        max_findings: args.max_findings.max(1),
        ..FuzzOptions::default()
    };
    let fuzzer = Fuzzer::new(&runner, fopts);
    let started = Instant::now();
    let report = tokio::select! {
        r = fuzzer.run() => Some(r),
        _ = tokio::signal::ctrl_c() => None,
    };
    if let Some(t) = &runner.stdio {
        t.server.shutdown().await;
    }
    if let Some(b) = bundled {
        b.handle.abort();
    }
    let Some(report) = report else {
        return Err((130, format!("interrupted (seed {seed})")));
    };
    let repro = reproduce(args, seed, report.requests);
    let (record, console) = record_and_console(
        args,
        &catalogue,
        &runner,
        &fuzzer.plan,
        seed,
        &report,
        &repro,
        target,
        started_at,
        started,
    )
    .map_err(|e| (EXIT_USAGE, e))?;
    Ok((record, console))
}

#[allow(clippy::too_many_arguments)]
fn record_and_console(
    args: &FuzzArgs,
    catalogue: &Catalogue,
    runner: &Runner,
    plan: &super::generate::Plan,
    seed: u64,
    report: &FuzzReport,
    repro: &str,
    target: Target,
    started_at: String,
    started: Instant,
) -> Result<(RunRecord, String), String> {
    let mut checks = Vec::new();
    let mut scenarios = Vec::new();
    let mut findings = Vec::new();
    let mut console = String::new();
    let rate = report.requests_per_second();
    if !args.quiet {
        console.push_str(&format!(
            "fuzzing {} (seed {seed}): {} tools called, {} skipped (not read-only; --allow-tool-calls calls them), {} prompts, {} resources\n",
            runner.opts.url,
            plan.tools.len(),
            report.skipped_tools.len(),
            plan.prompts.len(),
            plan.resources.len() + plan.templates.len(),
        ));
    }
    if !report.findings.is_empty() {
        std::fs::create_dir_all(&args.out)
            .map_err(|e| format!("error: cannot create {}: {e}", args.out.display()))?;
    }
    for f in &report.findings {
        let (name, yaml) = super::replay::scenario(f, seed, repro);
        let path = args.out.join(&name);
        std::fs::write(&path, yaml)
            .map_err(|e| format!("error: cannot write {}: {e}", path.display()))?;
        let (check, entry) = super::records(f, seed, catalogue, Some(path.display().to_string()));
        console.push_str(&format!(
            "FINDING {} [{}] {}\n  request {} ({}){}\n  expected: {}\n  actual:   {}\n  shrunk to {} bytes in {} attempts: {}\n  replay:   mcpcheck run --scenarios {} --only {}\n",
            entry.id,
            entry.requirement,
            entry.message,
            entry.index,
            entry.label,
            if entry.duplicates > 0 {
                format!("; {} more requests failed the same way", entry.duplicates)
            } else {
                String::new()
            },
            f.problem.expected,
            crate::util::clip(&f.problem.actual, 200),
            f.shrunk_request.body.len(),
            entry.shrink_attempts,
            crate::util::clip(&entry.shrunk_body, 200),
            args.out.display(),
            entry.id,
        ));
        scenarios.push(mcpcheck_reports::ScenarioRecord {
            id: entry.id.clone(),
            title: format!("Fuzz finding: {}", f.problem.message),
            area: "fuzz".into(),
            status: mcpcheck_reports::Status::Fail,
            reason: None,
            source: path.display().to_string(),
            duration_ms: f.outcome.elapsed.as_millis() as u64,
        });
        checks.push(check);
        findings.push(entry);
    }
    if report.more_findings > 0 {
        console.push_str(&format!(
            "… and {} more distinct findings, not shrunk (fix these first, then fuzz again)\n",
            report.more_findings
        ));
    }
    if let Some(s) = &report.stopped {
        console.push_str(&format!("stopped: {s}\n"));
    }
    console.push_str(&format!(
        "fuzz: seed {seed}, {} requests in {:.1} s ({:.0} requests/s), {} finding(s); repeat with: {repro}\n",
        report.requests,
        report.elapsed.as_secs_f64(),
        rate,
        findings.len() + report.more_findings,
    ));
    let summary = Summary::from_checks(&checks);
    let record = RunRecord {
        version: mcpcheck_reports::RECORD_VERSION,
        tool: ToolInfo {
            name: "mcpcheck".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        revision: catalogue.revision.clone(),
        target,
        server: runner.profile.server_identity(),
        started_at,
        duration_ms: started.elapsed().as_millis() as u64,
        strict: false,
        summary,
        scenarios,
        checks,
        fuzz: Some(FuzzRecord {
            seed,
            requests: report.requests,
            requests_per_second: (rate * 10.0).round() / 10.0,
            concurrency: args.concurrency,
            allow_tool_calls: args.allow_tool_calls,
            skipped_tools: report.skipped_tools.clone(),
            stopped: report.stopped.clone(),
            reproduce: repro.to_string(),
            findings,
        }),
        requirements: Vec::new(),
        baseline: None,
    };
    Ok((record, console))
}
