//! The run record: plain serde data that every report format renders.
//!
//! The harness fills it in; nothing here knows about HTTP clients or servers. The JSON report is
//! this structure serialised as-is, so field names here are a public, versioned format
//! (`RECORD_VERSION`); see `reports/README.md`.

use serde::{Deserialize, Serialize};

/// Bumped when a field is removed or changes meaning; adding optional fields does not bump it.
pub const RECORD_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RunRecord {
    pub version: u32,
    pub tool: ToolInfo,
    /// MCP revision the run tested, e.g. `2026-07-28`.
    pub revision: String,
    pub target: Target,
    /// Identity the server reported in `_meta["io.modelcontextprotocol/serverInfo"]` of
    /// `server/discover`, when it reported one.
    pub server: Option<ServerIdentity>,
    /// RFC 3339 UTC timestamp of the start of the run.
    pub started_at: String,
    pub duration_ms: u64,
    pub strict: bool,
    pub summary: Summary,
    pub scenarios: Vec<ScenarioRecord>,
    pub checks: Vec<CheckRecord>,
    /// Present for `mcpcheck fuzz` runs: the campaign and its findings (each finding is also a
    /// failing check in `checks`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fuzz: Option<FuzzRecord>,
    /// The requirement catalogue the run was judged against, in catalogue order, so that a
    /// report can trace every requirement (covered or not) without the tool at hand.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requirements: Vec<RequirementInfo>,
    /// The expected-failures baseline, when the run was given one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<BaselineRecord>,
}

/// Check counts of one area, indexed like [`Status::ALL`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AreaCounts<'a> {
    pub area: &'a str,
    pub scenarios: usize,
    pub counts: [u64; 5],
}

impl AreaCounts<'_> {
    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    pub fn of(&self, status: Status) -> u64 {
        let k = Status::ALL.iter().position(|s| *s == status).unwrap_or(0);
        self.counts[k]
    }
}

/// One requirement of the catalogue.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RequirementInfo {
    /// Stable id, e.g. `STATELESS-02`.
    pub id: String,
    /// Area, e.g. `stateless`, `auth`.
    pub area: String,
    /// The RFC 2119 keyword(s) as the spec digest states them, e.g. `MUST / MUST NOT`.
    pub level: String,
    pub title: String,
    pub rule: String,
    /// Where the requirement is stated.
    pub source: String,
    /// Why no scenario checks it, when none does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uncovered: Option<String>,
}

/// The outcome of an expected-failures baseline (`--expected-failures FILE`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct BaselineRecord {
    /// The file as given on the command line.
    pub file: String,
    /// Entries whose scenario or check failed, as the baseline expects.
    pub expected: Vec<BaselineEntry>,
    /// Entries whose scenario or check now passes: the run fails until they are deleted.
    pub stale: Vec<BaselineEntry>,
    /// Entries that matched nothing in this run (no such scenario or check ran, or it was not
    /// applicable): no signal either way, reported so typos do not go unnoticed.
    pub unmatched: Vec<BaselineEntry>,
}

/// One line of the baseline's `server:` list.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BaselineEntry {
    /// As written: `scenario` or `scenario:check`.
    pub entry: String,
    /// 1-based line in the baseline file.
    pub line: usize,
}

impl BaselineEntry {
    pub fn scenario(&self) -> &str {
        self.entry.split_once(':').map_or(&self.entry, |(s, _)| s)
    }

    pub fn check(&self) -> Option<&str> {
        self.entry.split_once(':').map(|(_, c)| c)
    }
}

/// What a run certifies, all things considered (statuses, `--strict`, the baseline).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Some check ran and nothing failed except failures the baseline expects.
    Pass,
    /// A check failed or errored outside the baseline, or a baseline entry is stale.
    Fail,
    /// Every check was not applicable: the run certifies nothing.
    NothingRan,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "PASS",
            Verdict::Fail => "FAIL",
            Verdict::NothingRan => "NOTHING RAN",
        }
    }
}

impl RunRecord {
    /// The run's verdict: what the exit code and every report's headline say.
    pub fn verdict(&self) -> Verdict {
        let s = &self.summary;
        let unexpected = (s.failed + s.errored).saturating_sub(s.expected_failures);
        let stale = self.baseline.as_ref().is_some_and(|b| !b.stale.is_empty());
        if unexpected > 0 || stale {
            Verdict::Fail
        } else if s.passed + s.failed + s.warned == 0 {
            Verdict::NothingRan
        } else {
            Verdict::Pass
        }
    }

    /// Check counts per area (a check's area is its scenario's), areas in order of first
    /// appearance among the scenarios; checks of unlisted scenarios count under
    /// "(no scenario)" rather than vanish.
    pub fn area_counts(&self) -> Vec<AreaCounts<'_>> {
        use std::collections::HashMap;
        let mut rows: Vec<AreaCounts> = Vec::new();
        let mut area_of: HashMap<&str, &str> = HashMap::new();
        for s in &self.scenarios {
            // The first scenario of a repeated id wins.
            area_of.entry(s.id.as_str()).or_insert(s.area.as_str());
            match rows.iter_mut().find(|a| a.area == s.area) {
                Some(a) => a.scenarios += 1,
                None => rows.push(AreaCounts {
                    area: &s.area,
                    scenarios: 1,
                    counts: [0; 5],
                }),
            }
        }
        for c in &self.checks {
            let area = area_of
                .get(c.scenario.as_str())
                .copied()
                .unwrap_or("(no scenario)");
            let i = match rows.iter().position(|a| a.area == area) {
                Some(i) => i,
                None => {
                    rows.push(AreaCounts {
                        area,
                        scenarios: 0,
                        counts: [0; 5],
                    });
                    rows.len() - 1
                }
            };
            let k = Status::ALL
                .iter()
                .position(|s| *s == c.status)
                .expect("every status is in Status::ALL");
            rows[i].counts[k] += 1;
        }
        rows
    }

    /// The catalogue entry of a requirement id, when the record carries the catalogue.
    pub fn requirement(&self, id: &str) -> Option<&RequirementInfo> {
        self.requirements.iter().find(|r| r.id == id)
    }

    /// One line: verdict, counts, requirements, duration.
    pub fn one_line_summary(&self) -> String {
        let s = &self.summary;
        let plural =
            |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        let mut baseline = Vec::new();
        if s.expected_failures > 0 {
            baseline.push(plural(
                s.expected_failures as usize,
                "expected failure",
                "expected failures",
            ));
        }
        if let Some(b) = self.baseline.as_ref().filter(|b| !b.stale.is_empty()) {
            baseline.push(plural(
                b.stale.len(),
                "stale baseline entry",
                "stale baseline entries",
            ));
        }
        let baseline = if baseline.is_empty() {
            String::new()
        } else {
            format!(" ({})", baseline.join(", "))
        };
        let reqs = if self.requirements.is_empty() {
            format!("{} requirements passed", s.requirements_passed)
        } else {
            format!(
                "{}/{} requirements passed",
                s.requirements_passed,
                self.requirements.len()
            )
        };
        format!(
            "mcpcheck {}: {} passed, {} failed, {} warned, {} not applicable, {} errored{baseline}; {reqs}; {:.1} s",
            self.verdict().as_str(),
            s.passed,
            s.failed,
            s.warned,
            s.not_applicable,
            s.errored,
            self.duration_ms as f64 / 1000.0
        )
    }
}

/// A live fuzzing campaign.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FuzzRecord {
    pub seed: u64,
    /// Requests sent by the campaign (not counting shrinking and liveness probes).
    pub requests: u64,
    pub requests_per_second: f64,
    pub concurrency: usize,
    pub allow_tool_calls: bool,
    /// Tools listed but not called, because they are not annotated read-only.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skipped_tools: Vec<String>,
    /// Why the campaign stopped before its budget, when it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped: Option<String>,
    /// The command that repeats the campaign.
    pub reproduce: String,
    pub findings: Vec<FuzzFinding>,
}

/// One distinct finding, shrunk.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FuzzFinding {
    /// Also the id of its replay scenario and of its check's scenario.
    pub id: String,
    /// `server-error`, `hang`, `dropped-connection`, `schema-invalid`, ...
    pub kind: String,
    pub requirement: String,
    pub message: String,
    /// Index of the request in the campaign (its generator stream is `(seed, index)`).
    pub index: u64,
    /// What the generator did.
    pub label: String,
    /// Other requests of the campaign that failed the same way.
    pub duplicates: u64,
    pub shrink_attempts: u64,
    /// Whether the original request failed again when sent once more before shrinking.
    pub reproduced: bool,
    pub original_body: String,
    pub shrunk_body: String,
    /// Where the replay scenario was written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replay: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ToolInfo {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Target {
    /// A Streamable HTTP endpoint.
    Http { url: String },
    /// The bundled reference server, started in-process for this run.
    Bundled { url: String, fault: Option<String> },
    /// A server started as a child process, speaking newline-delimited JSON-RPC on stdio.
    Stdio { command: String },
    /// Several instances of one Streamable HTTP server; each scenario's requests go to them in
    /// turn.
    Instances { urls: Vec<String> },
}

impl Target {
    /// One plain line saying what was tested (console and Markdown).
    pub fn describe(&self) -> String {
        match self {
            Target::Http { url } => url.clone(),
            Target::Bundled { url, fault } => match fault {
                Some(f) => format!("{url} (bundled reference server, fault: {f})"),
                None => format!("{url} (bundled reference server)"),
            },
            Target::Stdio { command } => format!("{command} (stdio)"),
            Target::Instances { urls } => format!("{} ({} instances)", urls.join(", "), urls.len()),
        }
    }

    /// The URL, or the command for a stdio target.
    pub fn url(&self) -> &str {
        match self {
            Target::Http { url } | Target::Bundled { url, .. } => url,
            Target::Stdio { command } => command,
            Target::Instances { urls } => urls.first().map_or("", |u| u.as_str()),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ServerIdentity {
    pub name: String,
    pub version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

/// Counts of checks by status (all integers; `total` is their sum).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Summary {
    pub total: u64,
    pub passed: u64,
    pub failed: u64,
    pub warned: u64,
    pub not_applicable: u64,
    pub errored: u64,
    /// Distinct requirement ids with at least one check and no failing, warning or erroring check.
    pub requirements_passed: u64,
    /// Failed or errored checks that the expected-failures baseline lists (part of `failed` and
    /// `errored`; they do not fail the run).
    #[serde(default)]
    pub expected_failures: u64,
}

impl Summary {
    pub fn from_checks(checks: &[CheckRecord]) -> Summary {
        use std::collections::BTreeMap;
        let mut s = Summary::default();
        // requirement -> worst status seen
        let mut reqs: BTreeMap<&str, bool> = BTreeMap::new();
        for c in checks {
            s.total += 1;
            match c.status {
                Status::Pass => s.passed += 1,
                Status::Fail => s.failed += 1,
                Status::Warn => s.warned += 1,
                Status::NotApplicable => s.not_applicable += 1,
                Status::Error => s.errored += 1,
            }
            if c.baseline.is_some() && matches!(c.status, Status::Fail | Status::Error) {
                s.expected_failures += 1;
            }
            let ok = reqs.entry(c.requirement.as_str()).or_insert(true);
            match c.status {
                Status::Pass => {}
                Status::NotApplicable => {}
                _ => *ok = false,
            }
        }
        // A requirement counts as passed only when some check for it actually passed.
        let mut passed_any: BTreeMap<&str, bool> = BTreeMap::new();
        for c in checks {
            if c.status == Status::Pass {
                passed_any.insert(c.requirement.as_str(), true);
            }
        }
        s.requirements_passed = reqs
            .iter()
            .filter(|(r, ok)| **ok && passed_any.contains_key(*r))
            .count() as u64;
        s
    }
}

/// Verdict of one check.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The server did what the requirement asks.
    Pass,
    /// A MUST / MUST NOT was broken (or a SHOULD under `--strict`).
    Fail,
    /// A SHOULD / SHOULD NOT was broken.
    Warn,
    /// The check does not apply to this server; `message` says why.
    NotApplicable,
    /// The harness could not run the check; `message` says why.
    Error,
}

impl Status {
    /// Every status, in the order reports list them (chart segments, count columns).
    pub const ALL: [Status; 5] = [
        Status::Pass,
        Status::Fail,
        Status::Warn,
        Status::NotApplicable,
        Status::Error,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Warn => "warn",
            Status::NotApplicable => "not_applicable",
            Status::Error => "error",
        }
    }
}

/// Requirement level of a check, from RFC 2119 keywords.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Must,
    Should,
    May,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Must => "MUST",
            Level::Should => "SHOULD",
            Level::May => "MAY",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ScenarioRecord {
    pub id: String,
    pub title: String,
    pub area: String,
    /// Worst status among the scenario's checks.
    pub status: Status,
    /// Why the scenario did not apply or could not run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Where the scenario came from: `builtin:<path>` or a file path.
    pub source: String,
    pub duration_ms: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CheckRecord {
    /// Scenario id.
    pub scenario: String,
    /// Check id, unique within the scenario.
    pub id: String,
    /// Requirement id from the catalogue, e.g. `STATELESS-02`.
    pub requirement: String,
    pub level: Level,
    pub status: Status,
    /// The rule, one line, from the requirement catalogue.
    pub rule: String,
    /// What happened, one line.
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actual: Option<String>,
    /// Name of the step the check belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
    /// The HTTP exchange the verdict was drawn from (kept for failing, warning and erroring checks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exchange: Option<Exchange>,
    /// A shell command that replays the request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub curl: Option<String>,
    /// The baseline entry that expects this check to fail, when one does (set only on
    /// failing, warning and erroring checks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<BaselineEntry>,
}

impl CheckRecord {
    /// The message only says "expected E, got A", which the expected and actual fields say
    /// again: reports then leave it out or do not repeat the pair.
    pub fn message_restates_expected(&self) -> bool {
        match (&self.expected, &self.actual) {
            (Some(e), Some(a)) => self.message == format!("expected {e}, got {a}"),
            _ => false,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Exchange {
    pub request: HttpRequestRecord,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<HttpResponseRecord>,
    /// Transport failure (timeout, reset, oversized body, ...), when there was one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transport_error: Option<String>,
    /// For stdio targets: the end of the server's stderr.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stderr: Option<String>,
    pub elapsed_ms: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct HttpRequestRecord {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct HttpResponseRecord {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    /// The body as text (lossy UTF-8), cut to a display limit.
    pub body: String,
    /// True when `body` was cut for the record (the full body was still judged).
    #[serde(default)]
    pub truncated: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(requirement: &str, status: Status) -> CheckRecord {
        CheckRecord {
            scenario: "s".into(),
            id: format!("{requirement}-{}", status.as_str()),
            requirement: requirement.into(),
            level: Level::Must,
            status,
            rule: String::new(),
            message: String::new(),
            expected: None,
            actual: None,
            step: None,
            exchange: None,
            curl: None,
            baseline: None,
        }
    }

    #[test]
    fn summary_from_checks_counts_statuses_and_requirements() {
        let checks = vec![
            // A: two passes -> passed
            check("A", Status::Pass),
            check("A", Status::Pass),
            // B: pass + not applicable -> passed
            check("B", Status::Pass),
            check("B", Status::NotApplicable),
            // C: pass + fail -> not passed
            check("C", Status::Pass),
            check("C", Status::Fail),
            // D: pass + warn -> not passed
            check("D", Status::Pass),
            check("D", Status::Warn),
            // E: only not applicable -> not passed (nothing actually passed)
            check("E", Status::NotApplicable),
            // F: error -> not passed
            check("F", Status::Error),
        ];
        let s = Summary::from_checks(&checks);
        assert_eq!(
            s,
            Summary {
                total: 10,
                passed: 5,
                failed: 1,
                warned: 1,
                not_applicable: 2,
                errored: 1,
                requirements_passed: 2,
                expected_failures: 0,
            }
        );
        assert_eq!(
            s.total,
            s.passed + s.failed + s.warned + s.not_applicable + s.errored
        );
    }

    #[test]
    fn summary_of_no_checks_is_zero() {
        assert_eq!(Summary::from_checks(&[]), Summary::default());
    }
}
