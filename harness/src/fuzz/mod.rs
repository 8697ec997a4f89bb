//! The live fuzzer: generates requests from what the server declares, judges every answer by
//! the oracle (schema and the spec's MUSTs), shrinks each distinct finding to a minimal request
//! and writes it out as a replayable scenario.
//!
//! Request `i` of a campaign is a pure function of `(seed, i)` and the server's declarations, so
//! the same seed against the same server sends the same requests, whatever the concurrency.

pub mod case;
pub mod command;
pub mod generate;
pub mod oracle;
pub mod replay;
pub mod rng;
pub mod shrink;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use futures_util::StreamExt as _;
use serde_json::json;

use crate::engine::Runner;
use crate::transport::{HttpOutcome, HttpRequest};
use case::Case;
use generate::Plan;
use oracle::{Kind, Problem};

#[derive(Debug, Clone)]
pub struct FuzzOptions {
    pub seed: u64,
    /// Stop after this many requests (with `duration`: whichever comes first).
    pub requests: Option<u64>,
    pub duration: Option<Duration>,
    pub allow_tool_calls: bool,
    pub concurrency: usize,
    /// Requests at most spent shrinking one finding.
    pub shrink_budget: usize,
    /// Distinct findings shrunk and reported at most (the rest are counted).
    pub max_findings: usize,
    /// A known-good request checks the server is still up after this many requests.
    pub liveness_every: u64,
}

impl Default for FuzzOptions {
    fn default() -> Self {
        FuzzOptions {
            seed: 0,
            requests: Some(1000),
            duration: None,
            allow_tool_calls: false,
            concurrency: 32,
            shrink_budget: 400,
            max_findings: 20,
            liveness_every: 1000,
        }
    }
}

/// A distinct failure, shrunk.
#[derive(Debug, Clone)]
pub struct Finding {
    /// The shrunk case.
    pub case: Case,
    pub problem: Problem,
    pub original: Case,
    pub original_problem: Problem,
    pub original_request: HttpRequest,
    /// The shrunk request as sent, and what came back.
    pub shrunk_request: HttpRequest,
    pub outcome: HttpOutcome,
    pub shrink_attempts: usize,
    pub reproduced: bool,
    pub duplicates: u64,
    pub stdio: bool,
}

#[derive(Debug, Clone)]
pub struct FuzzReport {
    pub requests: u64,
    pub elapsed: Duration,
    pub findings: Vec<Finding>,
    /// Distinct findings beyond `max_findings`, not shrunk.
    pub more_findings: usize,
    pub skipped_tools: Vec<String>,
    pub stopped: Option<String>,
}

impl FuzzReport {
    pub fn requests_per_second(&self) -> f64 {
        let s = self.elapsed.as_secs_f64();
        if s > 0.0 {
            self.requests as f64 / s
        } else {
            0.0
        }
    }
}

pub struct Fuzzer<'a> {
    pub runner: &'a Runner,
    pub plan: Plan,
    pub opts: FuzzOptions,
}

/// Methods named as themselves in finding signatures; anything else is "another method".
const KNOWN: &[&str] = &[
    "server/discover",
    "tools/list",
    "tools/call",
    "prompts/list",
    "prompts/get",
    "resources/list",
    "resources/read",
    "resources/templates/list",
    "completion/complete",
    "tasks/get",
    "tasks/update",
    "tasks/cancel",
];

/// Failures with the same signature are one finding: same kind and requirement, and the same
/// schema definition and place, or else the same method.
type Signature = (Kind, &'static str, String);

fn signature(case: &Case, p: &Problem) -> Signature {
    if !p.key.is_empty() {
        return (p.kind, p.requirement, p.key.clone());
    }
    let m = case.rpc_method().unwrap_or_default();
    let m = if KNOWN.contains(&m.as_str()) {
        m
    } else {
        "(another method)".into()
    };
    (p.kind, p.requirement, m)
}

impl<'a> Fuzzer<'a> {
    pub fn new(runner: &'a Runner, opts: FuzzOptions) -> Fuzzer<'a> {
        let mut plan = Plan::from_profile(&runner.profile, opts.allow_tool_calls);
        plan.stdio = runner.stdio.is_some();
        Fuzzer { runner, plan, opts }
    }

    fn stdio(&self) -> bool {
        self.runner.stdio.is_some()
    }

    /// The HTTP request for a case: its body, and the baseline headers of its method for the
    /// body's params with the case's edits applied.
    pub fn request(&self, case: &Case) -> HttpRequest {
        let params = case.body.json().and_then(|b| b.get("params"));
        let mut headers = match &case.headers_for {
            Some(m) => self.runner.baseline_headers(m, params),
            None => {
                let mut h = vec![
                    ("Content-Type".to_string(), "application/json".to_string()),
                    (
                        "Accept".to_string(),
                        "application/json, text/event-stream".to_string(),
                    ),
                ];
                if let Some(t) = self.runner.opts.auth.get("valid") {
                    h.push(("Authorization".into(), format!("Bearer {t}")));
                }
                h
            }
        };
        for (k, v) in &case.header_edits {
            headers.retain(|(n, _)| !n.eq_ignore_ascii_case(k));
            if let Some(v) = v {
                headers.push((k.clone(), v.clone()));
            }
        }
        let mut req = HttpRequest::new("POST", &self.runner.opts.url, headers, case.body.bytes());
        req.expect_id = case.id().filter(|i| case::valid_id(i)).cloned();
        req
    }

    /// Sends a case and judges the answer (the request as sent is `outcome.request`).
    pub async fn try_case(&self, case: &Case) -> (HttpOutcome, Option<Problem>) {
        let req = self.request(case);
        // stdio frames one message per line: a body with a line break in it cannot be sent.
        if self.stdio() && req.body.contains(&b'\n') {
            let outcome = HttpOutcome {
                request: req,
                response: None,
                error: Some(crate::transport::TransportError::InvalidRequest(
                    "a line break cannot be sent over stdio".into(),
                )),
                elapsed: Duration::ZERO,
            };
            return (outcome, None);
        }
        let outcome = self.runner.send_default(req).await;
        let problem = oracle::judge(case, &outcome, self.stdio());
        (outcome, problem)
    }

    /// Whether the server still answers a known-good request.
    pub async fn alive(&self) -> bool {
        let req = self.runner.rpc(0, "server/discover", json!({}));
        let o = self.runner.send_default(req).await;
        crate::wire::Wire::from_outcome(&o)
            .final_json()
            .is_some_and(|v| v.get("result").is_some())
    }

    pub async fn run(&self) -> FuzzReport {
        let started = Instant::now();
        let deadline = self.opts.duration.map(|d| started + d);
        let limit = self.opts.requests.unwrap_or(u64::MAX);
        let seed = self.opts.seed;
        let mut sent = 0u64;
        let mut stopped = None;
        // First failure of each signature (by index), with how many more there were.
        let mut first: BTreeMap<Signature, (Case, Problem, HttpRequest, u64)> = BTreeMap::new();
        let window = self.opts.liveness_every.max(1);
        let mut next = 0u64;
        'campaign: while next < limit {
            if deadline.is_some_and(|d| Instant::now() >= d) {
                break;
            }
            let end = limit.min(next + window);
            let results: Vec<_> = futures_util::stream::iter(next..end)
                .map(|i| async move {
                    if deadline.is_some_and(|d| Instant::now() >= d) {
                        return None;
                    }
                    let case = generate::generate(&self.plan, seed, i);
                    let (outcome, problem) = self.try_case(&case).await;
                    // Only a failing request is kept (bodies can be megabytes).
                    let req = problem.is_some().then_some(outcome.request);
                    Some((case, req, outcome.error, problem))
                })
                .buffer_unordered(self.opts.concurrency.max(1))
                .collect()
                .await;
            let mut results: Vec<_> = results.into_iter().flatten().collect();
            results.sort_by_key(|(c, ..)| c.index);
            sent += results.len() as u64;
            next = end;
            let mut unreachable = false;
            for (case, req, error, problem) in results {
                if matches!(error, Some(crate::transport::TransportError::Connect(_))) {
                    unreachable = true;
                }
                if let (Some(p), Some(req)) = (problem, req) {
                    let sig = signature(&case, &p);
                    match first.get_mut(&sig) {
                        Some(entry) => entry.3 += 1,
                        None => {
                            first.insert(sig, (case, p, req, 0));
                        }
                    }
                }
            }
            if unreachable || !self.alive().await {
                stopped = Some(format!(
                    "the server stopped answering after request {}",
                    next.saturating_sub(1)
                ));
                let last = generate::generate(&self.plan, seed, next.saturating_sub(1));
                let p = Problem {
                    kind: Kind::Unresponsive,
                    key: String::new(),
                    requirement: oracle::robustness_requirement(&last),
                    message: "the server stopped answering a known-good server/discover".into(),
                    expected: "a server/discover result".into(),
                    actual: "no answer".into(),
                };
                let req = self.request(&last);
                first.insert(signature(&last, &p), (last, p, req, 0));
                break 'campaign;
            }
        }
        let elapsed = started.elapsed();

        // Shrink each distinct finding, earliest first.
        let mut ordered: Vec<_> = first.into_values().collect();
        ordered.sort_by_key(|(c, ..)| c.index);
        let more_findings = ordered.len().saturating_sub(self.opts.max_findings);
        let mut findings: Vec<Finding> = Vec::new();
        for (case, problem, req, duplicates) in ordered.into_iter().take(self.opts.max_findings) {
            let f = self.shrink(case, problem, req, duplicates).await;
            // Different originals often shrink to the same request: one finding then.
            match findings.iter_mut().find(|g| {
                g.problem.kind == f.problem.kind
                    && g.shrunk_request.body == f.shrunk_request.body
                    && g.shrunk_request.headers == f.shrunk_request.headers
            }) {
                Some(g) => g.duplicates += f.duplicates + 1,
                None => findings.push(f),
            }
        }
        FuzzReport {
            requests: sent,
            elapsed,
            findings,
            more_findings,
            skipped_tools: self.plan.skipped_tools.clone(),
            stopped,
        }
    }

    /// Greedy shrinking: take the first simpler candidate that fails the same way, until none
    /// does or the budget is spent.
    async fn shrink(
        &self,
        case: Case,
        problem: Problem,
        req: HttpRequest,
        duplicates: u64,
    ) -> Finding {
        let stdio = self.stdio();
        let (first_outcome, again) = self.try_case(&case).await;
        let reproduced = again.as_ref().is_some_and(|p| p.kind == problem.kind);
        let mut finding = Finding {
            case: case.clone(),
            problem: problem.clone(),
            original: case.clone(),
            original_problem: problem.clone(),
            original_request: req,
            shrunk_request: first_outcome.request.clone(),
            outcome: first_outcome,
            shrink_attempts: 0,
            reproduced,
            duplicates,
            stdio,
        };
        if !reproduced || problem.kind == Kind::Unresponsive {
            return finding;
        }
        let mut attempts = 0usize;
        // Candidates come in a stable order; after a success the next round starts where this
        // one succeeded, since the candidates before it mostly failed already.
        let mut start = 0usize;
        'outer: while attempts < self.opts.shrink_budget {
            let size = shrink::size(&finding.case);
            let mut all: Vec<Option<Case>> = shrink::candidates(&finding.case)
                .into_iter()
                .map(Some)
                .collect();
            let n = all.len();
            let from = start.min(n);
            for i in (from..n).chain(0..from) {
                let Some(candidate) = all[i].take() else {
                    continue;
                };
                if shrink::size(&candidate) >= size {
                    continue;
                }
                if attempts >= self.opts.shrink_budget {
                    break 'outer;
                }
                attempts += 1;
                let (o, p) = self.try_case(&candidate).await;
                if let Some(p) = p
                    && p.kind == problem.kind
                {
                    finding.case = candidate;
                    finding.problem = p;
                    finding.shrunk_request = o.request.clone();
                    finding.outcome = o;
                    start = i;
                    continue 'outer;
                }
            }
            break;
        }
        finding.shrink_attempts = attempts;
        finding
    }
}

/// A finding's check record and its entry in the fuzz record.
pub fn records(
    f: &Finding,
    seed: u64,
    catalogue: &crate::catalogue::Catalogue,
    replay: Option<String>,
) -> (mcpcheck_reports::CheckRecord, mcpcheck_reports::FuzzFinding) {
    let id = format!("fuzz-s{seed}-{:05}-{}", f.case.index, f.problem.kind.slug());
    let rule = catalogue
        .get(f.problem.requirement)
        .map(|r| r.rule.clone())
        .unwrap_or_default();
    let check = mcpcheck_reports::CheckRecord {
        scenario: id.clone(),
        id: f.problem.kind.slug().into(),
        requirement: f.problem.requirement.into(),
        level: mcpcheck_reports::Level::Must,
        status: mcpcheck_reports::Status::Fail,
        rule,
        message: format!("{} ({})", f.problem.message, f.original.label),
        expected: Some(f.problem.expected.clone()),
        actual: Some(f.problem.actual.clone()),
        step: Some("shrunk request".into()),
        exchange: Some(crate::engine::exchange_record(&f.outcome)),
        curl: (!f.stdio).then(|| crate::engine::curl(&f.shrunk_request)),
        baseline: None,
    };
    let entry = mcpcheck_reports::FuzzFinding {
        id,
        kind: f.problem.kind.slug().into(),
        requirement: f.problem.requirement.into(),
        message: f.problem.message.clone(),
        index: f.original.index,
        label: f.original.label.clone(),
        duplicates: f.duplicates,
        shrink_attempts: f.shrink_attempts as u64,
        reproduced: f.reproduced,
        original_body: crate::util::clip(&replay::body_text(&f.original.body), 4096),
        shrunk_body: crate::util::clip(&String::from_utf8_lossy(&f.shrunk_request.body), 4096),
        replay,
    };
    (check, entry)
}
