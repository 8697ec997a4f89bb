//! The fixed run records every report format is snapshot-tested on (shared by the test files;
//! each uses part of it).
#![allow(dead_code)]

pub mod sarif_schema;

use mcpcheck_reports::{
    BaselineEntry, CheckRecord, Exchange, FuzzFinding, FuzzRecord, HttpRequestRecord,
    HttpResponseRecord, Level, RECORD_VERSION, RequirementInfo, RunRecord, ScenarioRecord,
    ServerIdentity, Status, Summary, Target, ToolInfo, apply_baseline,
};

pub const URL: &str = "http://127.0.0.1:1234/mcp";

pub fn headers(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

pub fn request(method: &str, mcp_method: &str, body: &str) -> HttpRequestRecord {
    HttpRequestRecord {
        method: "POST".into(),
        url: URL.into(),
        headers: headers(&[
            ("content-type", "application/json"),
            ("accept", "application/json, text/event-stream"),
            ("mcp-protocol-version", "2026-07-28"),
            ("mcp-method", mcp_method),
        ]),
        body: body.replace("{method}", method),
    }
}

pub fn check(
    scenario: &str,
    id: &str,
    requirement: &str,
    level: Level,
    status: Status,
    rule: &str,
    message: &str,
) -> CheckRecord {
    CheckRecord {
        scenario: scenario.into(),
        id: id.into(),
        requirement: requirement.into(),
        level,
        status,
        rule: rule.into(),
        message: message.into(),
        expected: None,
        actual: None,
        step: None,
        exchange: None,
        curl: None,
        baseline: None,
    }
}

pub fn scenario(
    id: &str,
    title: &str,
    area: &str,
    status: Status,
    reason: Option<&str>,
) -> ScenarioRecord {
    ScenarioRecord {
        id: id.into(),
        title: title.into(),
        area: area.into(),
        status,
        reason: reason.map(Into::into),
        source: format!("builtin:scenarios/{area}/{id}.yaml"),
        duration_ms: 42,
    }
}

/// A run over two areas: one passing scenario, one failing (exchange and curl), one warning,
/// two not applicable (with reason; one without any check), and one erroring (transport error).
pub fn fixture() -> RunRecord {
    let meta_rule = "A request whose _meta lacks protocolVersion or clientCapabilities (or has no _meta/params) is answered with JSON-RPC -32602 and HTTP 400.";
    let discover_body = r#"{"jsonrpc":"2.0","id":1,"method":"{method}","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}"#;
    let missing_version_body = r#"{"jsonrpc":"2.0","id":7,"method":"{method}","params":{"_meta":{"io.modelcontextprotocol/clientCapabilities":{}}}}"#;

    let mut checks = Vec::new();

    // discover: all pass
    checks.push(check(
        "discover",
        "discover-is-implemented",
        "STATELESS-11",
        Level::Must,
        Status::Pass,
        "server/discover returns a result, not -32601.",
        "server/discover returned a result",
    ));
    checks.push(check(
        "discover",
        "discover-result-shape",
        "STATELESS-12",
        Level::Must,
        Status::Pass,
        "The DiscoverResult validates against the schema.",
        "DiscoverResult is valid",
    ));

    // meta-required: one pass, one fail with exchange and curl
    checks.push(check(
        "meta-required",
        "meta-missing-client-capabilities",
        "STATELESS-02",
        Level::Must,
        Status::Pass,
        meta_rule,
        "answered 400 with -32602",
    ));
    let mut fail = check(
        "meta-required",
        "meta-missing-protocol-version",
        "STATELESS-02",
        Level::Must,
        Status::Fail,
        meta_rule,
        "expected a -32602 error, got a result",
    );
    fail.expected = Some("HTTP 400 with error.code -32602".into());
    fail.actual = Some("HTTP 200 with a result".into());
    fail.step = Some("discover without protocolVersion".into());
    fail.exchange = Some(Exchange {
        request: request("server/discover", "server/discover", missing_version_body),
        response: Some(HttpResponseRecord {
            status: 200,
            headers: headers(&[("content-type", "application/json")]),
            body: r#"{"jsonrpc":"2.0","id":7,"result":{"resultType":"complete","supportedVersions":["2026-07-28"],"capabilities":{},"ttlMs":0,"cacheScope":"public"}}"#.into(),
            truncated: false,
        }),
        transport_error: None,
        stderr: None,
        elapsed_ms: 3,
    });
    fail.curl = Some(format!(
        "curl -sS -X POST '{URL}' -H 'content-type: application/json' -H 'accept: application/json, text/event-stream' -H 'mcp-protocol-version: 2026-07-28' -H 'mcp-method: server/discover' --data-raw '{}'",
        missing_version_body.replace("{method}", "server/discover")
    ));
    checks.push(fail);

    // server-identity: a warning with a long, record-truncated body
    let mut warn = check(
        "server-identity",
        "server-info-present",
        "STATELESS-07",
        Level::Should,
        Status::Warn,
        "Every result includes _meta[\"io.modelcontextprotocol/serverInfo\"] with name and version.",
        "result has no io.modelcontextprotocol/serverInfo in _meta",
    );
    warn.expected = Some("_meta.io.modelcontextprotocol/serverInfo present".into());
    warn.actual = Some("no _meta in the result".into());
    warn.step = Some("tools/list".into());
    let long_tools: Vec<String> = (0..60)
        .map(|i| format!(r#"{{"name":"tool_{i:02}","inputSchema":{{"type":"object"}}}}"#))
        .collect();
    warn.exchange = Some(Exchange {
        request: request("tools/list", "tools/list", discover_body),
        response: Some(HttpResponseRecord {
            status: 200,
            headers: headers(&[("content-type", "application/json")]),
            body: format!(
                r#"{{"jsonrpc":"2.0","id":1,"result":{{"resultType":"complete","tools":[{}]"#,
                long_tools.join(",")
            ),
            truncated: true,
        }),
        transport_error: None,
        stderr: None,
        elapsed_ms: 5,
    });
    checks.push(warn);

    // caching: not applicable check
    checks.push(check(
        "caching-pages",
        "same-scope-on-all-pages",
        "CACHE-04",
        Level::Must,
        Status::NotApplicable,
        "Every page of a paginated list has the same cacheScope as the first page.",
        "tools/list has a single page",
    ));

    // caching-hints: error with a transport error
    let mut err = check(
        "caching-hints",
        "discover-has-hints",
        "CACHE-01",
        Level::Must,
        Status::Error,
        "Complete results of the six cacheable methods include ttlMs and cacheScope.",
        "request failed before a response arrived",
    );
    err.step = Some("server/discover".into());
    err.exchange = Some(Exchange {
        request: request("server/discover", "server/discover", discover_body),
        response: None,
        transport_error: Some("timed out after 10000 ms waiting for response headers".into()),
        stderr: None,
        elapsed_ms: 10000,
    });
    checks.push(err);

    let scenarios = vec![
        scenario(
            "discover",
            "Server discovery",
            "stateless",
            Status::Pass,
            None,
        ),
        scenario(
            "meta-required",
            "Required _meta fields are enforced",
            "stateless",
            Status::Fail,
            None,
        ),
        scenario(
            "caching-pages",
            "Caching hints across pages",
            "caching",
            Status::NotApplicable,
            Some("no list result spans more than one page"),
        ),
        scenario(
            "server-identity",
            "Server identity in results",
            "stateless",
            Status::Warn,
            None,
        ),
        scenario(
            "caching-hints",
            "Caching hints on cacheable results",
            "caching",
            Status::Error,
            Some("transport failure during the scenario"),
        ),
        // Not applicable before any check ran: JUnit gets a synthetic skipped case.
        scenario(
            "caching-private",
            "Private scope for per-user results",
            "caching",
            Status::NotApplicable,
            Some("the target has no authorization configured"),
        ),
    ];

    RunRecord {
        version: RECORD_VERSION,
        tool: ToolInfo {
            name: "mcpcheck".into(),
            version: "0.1.0".into(),
        },
        revision: "2026-07-28".into(),
        target: Target::Http { url: URL.into() },
        server: Some(ServerIdentity {
            name: "ref-server".into(),
            version: "1.2.3".into(),
            title: Some("Reference Server".into()),
        }),
        started_at: "2026-09-01T10:00:00Z".into(),
        duration_ms: 10123,
        strict: false,
        summary: Summary::from_checks(&checks),
        scenarios,
        checks,
        fuzz: None,
        requirements: requirements(),
        baseline: None,
    }
}

fn requirement(
    id: &str,
    area: &str,
    level: &str,
    title: &str,
    uncovered: Option<&str>,
) -> RequirementInfo {
    RequirementInfo {
        id: id.into(),
        area: area.into(),
        level: level.into(),
        title: title.into(),
        rule: format!("The rule of {id}, in one line."),
        source: format!("docs/specification/2026-07-28/basic/{area}.mdx"),
        uncovered: uncovered.map(Into::into),
    }
}

/// A small catalogue: the fixture's requirements, one the run did not reach (`TOOLS-07`) and
/// two no scenario covers.
pub fn requirements() -> Vec<RequirementInfo> {
    vec![
        requirement(
            "STATELESS-02",
            "stateless",
            "MUST",
            "Required _meta fields",
            None,
        ),
        requirement(
            "STATELESS-07",
            "stateless",
            "SHOULD",
            "Server identity in results",
            None,
        ),
        requirement(
            "STATELESS-11",
            "stateless",
            "MUST",
            "server/discover is implemented",
            None,
        ),
        requirement(
            "STATELESS-12",
            "stateless",
            "MUST",
            "DiscoverResult shape",
            None,
        ),
        requirement(
            "HTTP-25",
            "http",
            "MUST",
            "Concurrent requests are independent",
            Some("Not isolated by a check."),
        ),
        requirement(
            "CACHE-01",
            "caching",
            "MUST",
            "Cacheable results carry hints",
            None,
        ),
        requirement(
            "CACHE-04",
            "caching",
            "MUST",
            "Same scope on every page",
            None,
        ),
        requirement("TOOLS-07", "tools", "MUST", "tools/call result shape", None),
        requirement(
            "AUTH-11",
            "auth",
            "MUST NOT",
            "No token passthrough",
            Some("Needs an upstream service mcpcheck does not control."),
        ),
    ]
}

/// [`fixture`] judged against a baseline (`baseline.yaml`): the erroring scenario is expected
/// (line 2), a passing check is listed (line 3, stale) and an entry names nothing that ran
/// (line 4). The unlisted failure still fails the run.
pub fn baseline_fixture() -> RunRecord {
    let mut r = fixture();
    let entries = [
        ("caching-hints", 2),
        ("discover:discover-is-implemented", 3),
        ("tools-call-old-name", 4),
    ]
    .map(|(entry, line)| BaselineEntry {
        entry: entry.into(),
        line,
    });
    apply_baseline(&mut r, "baseline.yaml", &entries);
    r
}

/// [`fixture`] with a fuzz campaign and its one finding (also a failing check).
pub fn fuzz_fixture() -> RunRecord {
    let mut r = fixture();
    let body = r#"{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"echo","arguments":{"text":"\u202e"}}}"#;
    let mut c = check(
        "fuzz-server-error-tools-call",
        "server-error",
        "STATELESS-20",
        Level::Must,
        Status::Fail,
        "Every request gets one JSON-RPC response.",
        "HTTP 500 with an empty body (string argument with U+202E)",
    );
    c.expected = Some("HTTP 200 or 4xx with a JSON-RPC response".into());
    c.actual = Some("HTTP 500, empty body".into());
    c.step = Some("shrunk request".into());
    c.exchange = Some(Exchange {
        request: request("tools/call", "tools/call", body),
        response: Some(HttpResponseRecord {
            status: 500,
            headers: Vec::new(),
            body: String::new(),
            truncated: false,
        }),
        transport_error: None,
        stderr: None,
        elapsed_ms: 2,
    });
    c.curl = Some(format!("curl -sS -X POST '{URL}' --data-raw '{body}'"));
    r.checks.push(c);
    r.scenarios.push(scenario(
        "fuzz-server-error-tools-call",
        "Fuzz finding: server-error on tools/call",
        "fuzz",
        Status::Fail,
        None,
    ));
    r.summary = Summary::from_checks(&r.checks);
    r.fuzz = Some(FuzzRecord {
        seed: 42,
        requests: 20000,
        requests_per_second: 5123.4,
        concurrency: 32,
        allow_tool_calls: false,
        skipped_tools: vec!["delete_everything".into()],
        stopped: None,
        reproduce: "mcpcheck fuzz --url http://127.0.0.1:1234/mcp --seed 42 --requests 20000"
            .into(),
        findings: vec![FuzzFinding {
            id: "fuzz-server-error-tools-call".into(),
            kind: "server-error".into(),
            requirement: "STATELESS-20".into(),
            message: "HTTP 500 with an empty body".into(),
            index: 1234,
            label: "tools/call echo: string argument with U+202E".into(),
            duplicates: 17,
            shrink_attempts: 31,
            reproduced: true,
            original_body: body.replace("\\u202e", "\\u202e padding padding"),
            shrunk_body: body.into(),
            replay: Some("mcpcheck-fuzz/fuzz-server-error-tools-call.yaml".into()),
        }],
    });
    r
}
