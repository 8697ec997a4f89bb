//! The HTML certification report and the SARIF report: snapshots on the shared fixtures, SARIF
//! validated against the official SARIF 2.1.0 schema, and structural checks of the HTML.

mod common;

use common::sarif_schema::sarif_validator;
use common::*;
use mcpcheck_reports::{
    CheckRecord, Level, RequirementInfo, RunRecord, Status, Summary, html, sarif,
};
use serde_json::Value;

// ---------------------------------------------------------------------------------------------
// Snapshots

macro_rules! redacted {
    ($body:block) => {
        insta::with_settings!({filters => vec![
            (r"127\.0\.0\.1:\d+", "127.0.0.1:[port]"),
            (r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", "[time]"),
        ]}, $body)
    };
}

#[test]
fn html_snapshot_fixture() {
    let out = html(&fixture());
    redacted!({ insta::assert_snapshot!("html_fixture", out) });
}

#[test]
fn html_snapshot_baseline() {
    let out = html(&baseline_fixture());
    redacted!({ insta::assert_snapshot!("html_baseline", out) });
}

#[test]
fn html_snapshot_fuzz() {
    let out = html(&fuzz_fixture());
    redacted!({ insta::assert_snapshot!("html_fuzz", out) });
}

#[test]
fn sarif_snapshot_fixture() {
    let out = sarif(&fixture());
    redacted!({ insta::assert_snapshot!("sarif_fixture", out) });
}

#[test]
fn sarif_snapshot_baseline() {
    let out = sarif(&baseline_fixture());
    redacted!({ insta::assert_snapshot!("sarif_baseline", out) });
}

#[test]
fn sarif_snapshot_fuzz() {
    let out = sarif(&fuzz_fixture());
    redacted!({ insta::assert_snapshot!("sarif_fuzz", out) });
}

// ---------------------------------------------------------------------------------------------
// Records beyond the fixtures

const HOSTILE: &str = r#"</pre><script>alert(1)</script>"'&"#;

/// [`fixture`] with attacker-controlled text in every field a server can influence (and a few
/// it cannot, for good measure).
fn hostile_record() -> RunRecord {
    let mut r = fixture();
    r.server = Some(mcpcheck_reports::ServerIdentity {
        name: HOSTILE.into(),
        version: HOSTILE.into(),
        title: Some(HOSTILE.into()),
    });
    r.target = mcpcheck_reports::Target::Stdio {
        command: format!("./server --name '{HOSTILE}'"),
    };
    for c in r.checks.iter_mut() {
        c.message = format!("got {HOSTILE}");
        if c.status == Status::Fail {
            c.actual = Some(HOSTILE.into());
            c.step = Some(HOSTILE.into());
            c.curl = Some(format!("curl --data-raw '{HOSTILE}'"));
            let x = c.exchange.as_mut().unwrap();
            x.request.headers.push((HOSTILE.into(), HOSTILE.into()));
            x.response.as_mut().unwrap().body = format!("{HOSTILE}\u{202e}reversed");
            x.stderr = Some(format!("panic: {HOSTILE}"));
        }
    }
    r.scenarios[0].title = HOSTILE.into();
    r.scenarios[2].reason = Some(HOSTILE.into());
    r.scenarios[2].area = HOSTILE.into();
    r.requirements[0].title = HOSTILE.into();
    r.requirements[4].uncovered = Some(HOSTILE.into());
    r.requirements[5].source = format!("docs/{HOSTILE}");
    r
}

/// A run the size of a full certification: 178 requirements over 16 areas, 1200 checks in
/// 300 scenarios, about one check in ten failing with a full exchange.
fn large_record() -> RunRecord {
    let areas = [
        "stateless",
        "http",
        "caching",
        "mrtr",
        "tasks",
        "tools",
        "resources",
        "prompts",
        "completion",
        "subscriptions",
        "progress",
        "cancellation",
        "logging",
        "stdio",
        "auth",
        "errors",
    ];
    let requirements: Vec<RequirementInfo> = (0..178)
        .map(|i| RequirementInfo {
            id: format!("{}-{:02}", areas[i % 16].to_uppercase(), i / 16 + 1),
            area: areas[i % 16].into(),
            level: if i % 3 == 0 { "SHOULD" } else { "MUST" }.into(),
            title: format!("Requirement number {i} of the catalogue"),
            rule: format!("The rule of requirement {i}, stated in one line of reasonable length."),
            source: format!(
                "docs/specification/2026-07-28/basic/{}.mdx (Section {i})",
                areas[i % 16]
            ),
            uncovered: (i % 17 == 5).then(|| "Needs a second client.".to_string()),
        })
        .collect();
    let covered: Vec<&RequirementInfo> = requirements
        .iter()
        .filter(|q| q.uncovered.is_none())
        .collect();
    let big_body = format!(
        r#"{{"jsonrpc":"2.0","id":1,"result":{{"data":"{}"}}}}"#,
        "x".repeat(3000)
    );
    let mut scenarios = Vec::new();
    let mut checks = Vec::new();
    for s in 0..300 {
        let area = areas[s % 16];
        let id = format!("{area}-scenario-{s:03}");
        for k in 0..4 {
            let n = s * 4 + k;
            let q = covered[n % covered.len()];
            let status = match n % 23 {
                0 | 7 => Status::Fail,
                3 => Status::Warn,
                11 => Status::Error,
                13 | 19 => Status::NotApplicable,
                _ => Status::Pass,
            };
            let mut c = check(
                &id,
                &format!("check-{k}"),
                &q.id,
                if q.level == "MUST" {
                    Level::Must
                } else {
                    Level::Should
                },
                status,
                &q.rule,
                "the server answered something else",
            );
            if matches!(status, Status::Fail | Status::Warn | Status::Error) {
                c.expected = Some("HTTP 400 with error.code -32602".into());
                c.actual = Some("HTTP 200 with a result".into());
                c.step = Some(format!("step {k}"));
                c.exchange = Some(mcpcheck_reports::Exchange {
                    request: request(
                        "tools/list",
                        "tools/list",
                        r#"{"jsonrpc":"2.0","id":1,"method":"{method}"}"#,
                    ),
                    response: Some(mcpcheck_reports::HttpResponseRecord {
                        status: 200,
                        headers: headers(&[("content-type", "application/json")]),
                        body: big_body.clone(),
                        truncated: false,
                    }),
                    transport_error: None,
                    stderr: None,
                    elapsed_ms: 4,
                });
                c.curl = Some(format!("curl -sS -X POST '{URL}' --data-raw '{{}}'"));
            }
            checks.push(c);
        }
        let worst = checks[checks.len() - 4..]
            .iter()
            .map(|c| c.status)
            .max_by_key(|s| match s {
                Status::Fail => 4,
                Status::Error => 3,
                Status::Warn => 2,
                Status::Pass => 1,
                Status::NotApplicable => 0,
            })
            .unwrap();
        scenarios.push(scenario(&id, &format!("Scenario {s}"), area, worst, None));
    }
    let mut r = fixture();
    r.summary = Summary::from_checks(&checks);
    r.scenarios = scenarios;
    r.checks = checks;
    r.requirements = requirements;
    r
}

// ---------------------------------------------------------------------------------------------
// SARIF: schema validation

fn schema_errors(doc: &Value) -> Vec<String> {
    sarif_validator()
        .iter_errors(doc)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

fn assert_valid_sarif(name: &str, out: &str) {
    let doc: Value = serde_json::from_str(out).expect("SARIF is JSON");
    let errors = schema_errors(&doc);
    assert!(
        errors.is_empty(),
        "{name}: SARIF does not validate:\n{}",
        errors.join("\n")
    );
    let typed: serde_sarif::sarif::Sarif = serde_json::from_str(out)
        .unwrap_or_else(|e| panic!("{name}: not a serde_sarif::Sarif: {e}"));
    assert_eq!(typed.runs.len(), 1, "{name}");
}

#[test]
fn sarif_validates_against_the_sarif_2_1_0_schema() {
    for (name, record) in [
        ("fixture", fixture()),
        ("baseline_fixture", baseline_fixture()),
        ("fuzz_fixture", fuzz_fixture()),
        ("hostile", hostile_record()),
        ("large", large_record()),
    ] {
        assert_valid_sarif(name, &sarif(&record));
    }
}

#[test]
fn sarif_validation_catches_broken_documents() {
    let good: Value = serde_json::from_str(&sarif(&baseline_fixture())).unwrap();
    assert!(schema_errors(&good).is_empty());

    let mut no_version = good.clone();
    no_version.as_object_mut().unwrap().remove("version");
    assert!(!schema_errors(&no_version).is_empty(), "missing version");

    let mut bad_level = good.clone();
    bad_level["runs"][0]["results"][0]["level"] = "fatal".into();
    assert!(!schema_errors(&bad_level).is_empty(), "level fatal");

    let mut bad_suppression = good.clone();
    let result = good["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .position(|r| r.get("suppressions").is_some())
        .expect("the baseline fixture has a suppressed result");
    bad_suppression["runs"][0]["results"][result]["suppressions"][0]["kind"] = "ignored".into();
    assert!(
        !schema_errors(&bad_suppression).is_empty(),
        "suppression kind"
    );

    // Formats are checked too: a URI reference may not contain a space.
    let mut bad_uri = good.clone();
    bad_uri["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] =
        "scenarios/a b.yaml".into();
    assert!(!schema_errors(&bad_uri).is_empty(), "uri with a space");

    let mut bad_start_line = good;
    bad_start_line["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] =
        0.into();
    assert!(!schema_errors(&bad_start_line).is_empty(), "startLine 0");
}

// ---------------------------------------------------------------------------------------------
// SARIF: content

fn sarif_json(record: &RunRecord) -> Value {
    serde_json::from_str(&sarif(record)).unwrap()
}

#[test]
fn sarif_has_one_result_per_failing_check_with_its_rule() {
    let record = fuzz_fixture();
    let doc = sarif_json(&record);
    assert_eq!(doc["version"], "2.1.0");
    assert_eq!(
        doc["$schema"],
        "https://json.schemastore.org/sarif-2.1.0.json"
    );
    let run = &doc["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "mcpcheck");
    assert_eq!(run["tool"]["driver"]["version"], "0.1.0");
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let results = run["results"].as_array().unwrap();

    let failing: Vec<&CheckRecord> = record
        .checks
        .iter()
        .filter(|c| matches!(c.status, Status::Fail | Status::Error | Status::Warn))
        .collect();
    assert_eq!(results.len(), failing.len());
    for (res, c) in results.iter().zip(&failing) {
        assert_eq!(res["ruleId"], c.requirement.as_str());
        let rule = &rules[res["ruleIndex"].as_u64().unwrap() as usize];
        assert_eq!(rule["id"], c.requirement.as_str());
        let level = if c.status == Status::Warn {
            "warning"
        } else {
            "error"
        };
        assert_eq!(res["level"], level);
        let text = res["message"]["text"].as_str().unwrap();
        assert!(
            text.starts_with(&format!("{}:{}: {}", c.scenario, c.id, c.message)),
            "{text}"
        );
        assert_eq!(
            res["partialFingerprints"]["mcpcheck/v1"],
            format!("{}:{}:{}", c.scenario, c.id, c.requirement)
        );
        assert_eq!(
            res["locations"][0]["logicalLocations"][0]["fullyQualifiedName"],
            format!("{}:{}", c.scenario, c.id)
        );
        assert_eq!(res["properties"]["status"], c.status.as_str());
    }

    // Rules: exactly the requirements with results, catalogue order first.
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        ["STATELESS-02", "STATELESS-07", "CACHE-01", "STATELESS-20"]
    );
    let meta = &rules[0];
    assert_eq!(meta["shortDescription"]["text"], "Required _meta fields");
    assert_eq!(meta["name"], "RequiredMetaFields");
    assert_eq!(meta["defaultConfiguration"]["level"], "error");
    assert_eq!(
        meta["helpUri"],
        "https://github.com/modelcontextprotocol/modelcontextprotocol/blob/main/docs/specification/2026-07-28/basic/stateless.mdx"
    );
    assert_eq!(rules[1]["defaultConfiguration"]["level"], "warning");
    // Not in the catalogue: described by the check's rule, named by its id.
    assert_eq!(rules[3]["name"], "STATELESS-20");
    assert_eq!(
        rules[3]["shortDescription"]["text"],
        "Every request gets one JSON-RPC response."
    );

    // Built-in scenario sources are relative paths under their own base id.
    let art = &results[0]["locations"][0]["physicalLocation"]["artifactLocation"];
    assert_eq!(art["uri"], "scenarios/stateless/meta-required.yaml");
    assert_eq!(art["uriBaseId"], "MCPCHECK");
    assert!(run["originalUriBaseIds"]["MCPCHECK"].is_object());

    let inv = &run["invocations"][0];
    assert_eq!(inv["executionSuccessful"], true);
    assert_eq!(inv["properties"]["verdict"], "FAIL");
    assert!(inv.get("exitCode").is_none());
    assert_eq!(run["properties"]["revision"], "2026-07-28");
    assert_eq!(run["properties"]["server"]["name"], "ref-server");
}

#[test]
fn sarif_suppresses_expected_failures_and_reports_stale_entries() {
    let record = baseline_fixture();
    let doc = sarif_json(&record);
    let run = &doc["runs"][0];
    let results = run["results"].as_array().unwrap();
    let suppressed: Vec<&Value> = results
        .iter()
        .filter(|r| r.get("suppressions").is_some())
        .collect();
    assert_eq!(suppressed.len(), 1);
    assert_eq!(suppressed[0]["properties"]["scenario"], "caching-hints");
    assert_eq!(suppressed[0]["suppressions"][0]["kind"], "external");
    assert_eq!(
        suppressed[0]["suppressions"][0]["justification"],
        "expected failure: baseline.yaml line 2"
    );
    let notes = run["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap();
    let b = record.baseline.as_ref().unwrap();
    let stale = mcpcheck_reports::baseline::stale_message(&b.file, &b.stale[0]);
    assert!(
        notes
            .iter()
            .any(|n| n["level"] == "error" && n["message"]["text"] == stale.as_str()),
        "{notes:?}"
    );
    assert!(notes.iter().any(|n| {
        n["level"] == "warning"
            && n["message"]["text"]
                .as_str()
                .unwrap()
                .contains("tools-call-old-name")
    }));
}

#[test]
fn sarif_without_failures_has_no_rules_or_results() {
    let mut record = fixture();
    record.checks.retain(|c| c.status == Status::Pass);
    record.summary = Summary::from_checks(&record.checks);
    let doc = sarif_json(&record);
    assert_eq!(doc["runs"][0]["results"], Value::Array(vec![]));
    assert_eq!(
        doc["runs"][0]["tool"]["driver"]["rules"],
        Value::Array(vec![])
    );
    assert_eq!(
        doc["runs"][0]["invocations"][0]["properties"]["verdict"],
        "PASS"
    );
    assert_valid_sarif("no failures", &sarif(&record));
}

#[test]
fn sarif_locations_of_scenario_files() {
    let mut record = fixture();
    record.scenarios[1].source = "./my scenarios/meta:required.yaml".into();
    record.scenarios[3].source = "/etc/mcpcheck/server-identity.yaml".into();
    let doc = sarif_json(&record);
    let run = &doc["runs"][0];
    let art = |i: usize| &run["results"][i]["locations"][0]["physicalLocation"]["artifactLocation"];
    assert_eq!(
        *art(0),
        serde_json::json!({ "uri": "my%20scenarios/meta%3Arequired.yaml", "uriBaseId": "SRCROOT" })
    );
    assert_eq!(
        *art(1),
        serde_json::json!({ "uri": "file:///etc/mcpcheck/server-identity.yaml" })
    );
    assert_eq!(art(2)["uriBaseId"], "MCPCHECK");
    let bases: Vec<&String> = run["originalUriBaseIds"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(bases, ["MCPCHECK", "SRCROOT"]);
    assert_valid_sarif("scenario files", &sarif(&record));
}

// ---------------------------------------------------------------------------------------------
// HTML: structure

const VOID: &[&str] = &["meta", "br", "hr", "img", "input", "link", "wbr", "col"];
const BLOCK: &[&str] = &[
    "div", "dl", "pre", "ul", "table", "section", "h1", "h2", "h3", "p", "details",
];

/// Checks that every element is closed in order (a small tag scanner: all text in the report is
/// escaped, so every `<` starts a tag), and that no block element sits inside a `<p>` (an HTML
/// parser would close the paragraph there and build a different tree).
fn assert_well_nested(html: &str) {
    let mut stack: Vec<String> = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find('<') {
        rest = &rest[i + 1..];
        let end = rest.find('>').expect("tag is closed by >");
        let tag = &rest[..end];
        rest = &rest[end + 1..];
        if tag.starts_with('!') {
            continue;
        }
        let (closing, tag) = match tag.strip_prefix('/') {
            Some(t) => (true, t),
            None => (false, tag),
        };
        let name: String = tag
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        assert!(!name.is_empty(), "bad tag <{tag}>");
        if closing {
            let open = stack
                .pop()
                .unwrap_or_else(|| panic!("</{name}> closes nothing"));
            assert_eq!(open, name, "</{name}> closes <{open}>");
        } else if !(VOID.contains(&name.as_str()) || tag.ends_with('/')) {
            if BLOCK.contains(&name.as_str()) {
                assert_ne!(
                    stack.last().map(String::as_str),
                    Some("p"),
                    "<{name}> inside <p>"
                );
            }
            stack.push(name);
        }
    }
    assert!(stack.is_empty(), "unclosed: {stack:?}");
}

fn count(html: &str, needle: &str) -> usize {
    html.matches(needle).count()
}

#[test]
fn html_is_well_formed() {
    for record in [
        fixture(),
        baseline_fixture(),
        fuzz_fixture(),
        hostile_record(),
        large_record(),
    ] {
        let out = html(&record);
        assert!(out.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
        assert!(out.contains("<meta charset=\"utf-8\">"));
        for tag in [
            "section", "table", "svg", "pre", "details", "div", "dl", "ul", "tr",
        ] {
            let open = count(&out, &format!("<{tag} ")) + count(&out, &format!("<{tag}>"));
            assert_eq!(
                open,
                count(&out, &format!("</{tag}>")),
                "<{tag}> vs </{tag}>"
            );
        }
        assert_well_nested(&out);
        assert_eq!(count(&out, "<svg"), 1);
    }
}

/// No script, and nothing that makes a browser fetch anything: every `href` is on an `<a>` and is
/// either a fragment or an https link to a spec source.
fn assert_self_contained(out: &str) {
    let lower = out.to_ascii_lowercase();
    for banned in [
        "<script",
        "<link",
        "<img",
        "<iframe",
        "<object",
        "<embed",
        "<base",
        "src=",
        "url(",
        "@import",
        "http-equiv",
        "srcset",
        "<use",
    ] {
        assert!(!lower.contains(banned), "report contains {banned}");
    }
    for (i, _) in lower.match_indices("href=") {
        let tag_start = lower[..i].rfind('<').unwrap();
        assert!(
            lower[tag_start..].starts_with("<a "),
            "href outside <a>: {}",
            &out[tag_start..i + 40]
        );
        let value = &out[i + 5..];
        assert!(
            value.starts_with("\"#") || value.starts_with("\"https://github.com/"),
            "unexpected link target: {}",
            &value[..value.len().min(80)]
        );
    }
}

#[test]
fn html_is_self_contained() {
    for record in [
        fixture(),
        baseline_fixture(),
        fuzz_fixture(),
        hostile_record(),
    ] {
        assert_self_contained(&html(&record));
    }
}

#[test]
fn html_escapes_hostile_strings() {
    let out = html(&hostile_record());
    assert!(!out.contains("<script"));
    assert!(!out.contains("</pre><script"));
    assert!(!out.contains(HOSTILE));
    let escaped = "&lt;/pre&gt;&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;";
    // Server identity, title, step, message, actual, header, body, stderr, curl, scenario title,
    // area, reason, requirement title, uncovered reason, target...
    assert!(count(&out, escaped) >= 15, "{}", count(&out, escaped));
    // The right-to-left override in the body is shown, not obeyed.
    assert!(out.contains("&lt;U+202E&gt;reversed"));
    assert!(!out.contains('\u{202e}'));
    // A source that is not a plain path gets no link.
    assert!(!out.contains(
        "href=\"https://github.com/modelcontextprotocol/modelcontextprotocol/blob/main/docs/&"
    ));
    assert_well_nested(&out);
}

#[test]
fn html_is_deterministic() {
    for record in [
        fixture(),
        baseline_fixture(),
        fuzz_fixture(),
        large_record(),
    ] {
        assert_eq!(html(&record), html(&record.clone()));
        assert_eq!(sarif(&record), sarif(&record.clone()));
    }
}

// ---------------------------------------------------------------------------------------------
// HTML: content

#[test]
fn html_header_and_summary() {
    let record = fixture();
    let out = html(&record);
    assert!(out.contains("<h1>MCP conformance report</h1>"));
    assert!(out.contains("<span class=\"verdict-v\">FAIL</span>"));
    assert!(out.contains(&record.one_line_summary()));
    assert!(out.contains("Reference Server"));
    assert!(out.contains("<code>ref-server</code> 1.2.3"));
    assert!(out.contains("Streamable HTTP <code>http://127.0.0.1:1234/mcp</code>"));
    assert!(out.contains("2026-09-01T10:00:00Z"));
    assert!(out.contains("10.1 s"));
    assert!(out.contains("Generated by mcpcheck 0.1.0"));
    assert!(out.contains("<div class=\"card-n\">2<span class=\"card-of\"> / 9</span></div><div class=\"card-k\">requirements passed</div>"));

    let mut anon = fixture();
    anon.server = None;
    anon.target = mcpcheck_reports::Target::Bundled {
        url: URL.into(),
        fault: Some("drop-meta".into()),
    };
    let out = html(&anon);
    assert!(out.contains("server did not report its identity"));
    assert!(out.contains("injected fault <code>drop-meta</code>"));
}

#[test]
fn html_nothing_ran_and_pass_verdicts() {
    let mut record = fixture();
    for c in record.checks.iter_mut() {
        c.status = Status::NotApplicable;
    }
    record.summary = Summary::from_checks(&record.checks);
    assert!(html(&record).contains("<span class=\"verdict-v\">NOTHING RAN</span>"));

    record.checks[0].status = Status::Pass;
    record.summary = Summary::from_checks(&record.checks);
    let out = html(&record);
    assert!(out.contains("<div class=\"verdict v-pass\">"));
    assert!(out.contains("No check failed, errored or warned."));
}

#[test]
fn html_chart_has_one_bar_per_area() {
    let out = html(&fuzz_fixture());
    let svg = &out[out.find("<svg").unwrap()..out.find("</svg>").unwrap()];
    assert!(svg.contains("role=\"img\""));
    assert!(svg.contains("<title id=\"chart-title\">"));
    // Areas in order of first appearance among the scenarios.
    let pos = |s: &str| {
        svg.find(&format!("font-weight=\"600\">{s}</text>"))
            .unwrap()
    };
    assert!(pos("stateless") < pos("caching") && pos("caching") < pos("fuzz"));
    for label in ["PASS", "FAIL", "WARN", "N/A", "ERROR"] {
        assert!(svg.contains(&format!(">{label}</text>")), "legend {label}");
    }
    assert!(svg.contains("<title>stateless: 3 pass</title>"));
    assert!(svg.contains("<title>caching: 1 error</title>"));
    assert!(svg.contains(">5 checks</text>"));
    // The same numbers as a table.
    assert!(out.contains("<tr><th scope=\"row\">stateless</th><td>3</td><td>5</td><td class=\"t-pass\">3</td><td class=\"t-fail\">1</td><td class=\"t-warn\">1</td><td class=\"zero\">0</td><td class=\"zero\">0</td></tr>"));
}

fn trace_row<'a>(out: &'a str, id: &str) -> &'a str {
    let start = out
        .find(&format!("<tr id=\"req-{id}\""))
        .unwrap_or_else(|| panic!("no row for {id}"));
    let len = out[start..].find("</tr>").unwrap();
    &out[start..start + len]
}

#[test]
fn html_traces_every_requirement() {
    let record = fuzz_fixture();
    let out = html(&record);
    for q in &record.requirements {
        assert_eq!(count(&out, &format!("id=\"req-{}\"", q.id)), 1, "{}", q.id);
    }
    // Catalogue order, then ids only the checks name.
    let positions: Vec<usize> = record
        .requirements
        .iter()
        .map(|q| out.find(&format!("id=\"req-{}\"", q.id)).unwrap())
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]));
    assert!(out.find("id=\"req-STATELESS-20\"").unwrap() > *positions.last().unwrap());
    assert!(trace_row(&out, "STATELESS-20").contains("not in the requirement catalogue"));

    let row = trace_row(&out, "STATELESS-02");
    assert!(row.ends_with("<span class=\"badge b-fail\">FAIL</span></td>"));
    assert!(row.contains("<code>meta-required:meta-missing-client-capabilities</code>"));
    assert!(row.contains(
        "<a href=\"#check-3\"><code>meta-required:meta-missing-protocol-version</code></a>"
    ));
    assert!(trace_row(&out, "STATELESS-11").contains("b-pass\">PASS</span></td>"));
    assert!(trace_row(&out, "STATELESS-07").contains("b-warn\">WARN</span></td>"));
    assert!(trace_row(&out, "CACHE-01").contains("b-error\">ERROR</span></td>"));
    assert!(trace_row(&out, "CACHE-04").contains("b-na\">N/A</span></td>"));
    let uncovered = trace_row(&out, "HTTP-25");
    assert!(uncovered.contains("NOT COVERED") && uncovered.contains("Not isolated by a check."));
    assert!(trace_row(&out, "TOOLS-07").contains("not run in this run"));
    assert!(trace_row(&out, "STATELESS-02").contains(
        "href=\"https://github.com/modelcontextprotocol/modelcontextprotocol/blob/main/docs/specification/2026-07-28/basic/stateless.mdx\""
    ));
}

#[test]
fn html_traceability_without_a_catalogue() {
    // Records written before the catalogue was part of them.
    let mut record = fixture();
    record.requirements.clear();
    let out = html(&record);
    let ids: Vec<&str> = [
        "STATELESS-11",
        "STATELESS-12",
        "STATELESS-02",
        "STATELESS-07",
        "CACHE-04",
        "CACHE-01",
    ]
    .to_vec();
    let positions: Vec<usize> = ids
        .iter()
        .map(|id| out.find(&format!("id=\"req-{id}\"")).unwrap())
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]));
    assert!(!out.contains("id=\"req-TOOLS-07\""));
    assert!(out.contains("<p>6 requirements: 2 pass, 1 fail, 1 warn, 1 error, 1 n/a."));
}

#[test]
fn html_failures_have_full_detail() {
    let record = fixture();
    let out = html(&record);
    let start = out
        .find("<section class=\"finding f-fail\" id=\"check-3\">")
        .unwrap();
    let sec = &out[start..start + out[start..].find("</section>").unwrap()];
    for needle in [
        "<code>meta-required:meta-missing-protocol-version</code>",
        "<a href=\"#req-STATELESS-02\">STATELESS-02</a>",
        "Required _meta fields are enforced",
        "expected a -32602 error, got a result",
        "HTTP 400 with error.code -32602",
        "HTTP 200 with a result",
        "discover without protocolVersion",
        "<b>POST http://127.0.0.1:1234/mcp</b>",
        "<span class=\"hk\">mcp-method:</span> server/discover",
        "Response · HTTP 200 · 3 ms",
        "&quot;cacheScope&quot;:&quot;public&quot;",
        "<pre class=\"curl\">curl -sS -X POST",
        "MUST",
    ] {
        assert!(sec.contains(needle), "missing {needle}");
    }
    // In run order: the failure, the warning, the error.
    let order: Vec<usize> = ["id=\"check-3\"", "id=\"check-4\"", "id=\"check-6\""]
        .iter()
        .map(|a| out.find(a).unwrap())
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]));
    // A body the record already cut says so; a transport error is shown.
    assert!(out.contains("more characters not shown; the body was also cut for the report)"));
    assert!(out.contains("transport error: timed out after 10000 ms waiting for response headers"));
}

#[test]
fn html_cuts_long_bodies() {
    let mut record = fixture();
    let x = record.checks[3].exchange.as_mut().unwrap();
    x.response.as_mut().unwrap().body = "é".repeat(mcpcheck_reports::BODY_DISPLAY_LIMIT + 250);
    x.stderr = Some(
        (1..=30)
            .map(|i| format!("log line {i}"))
            .collect::<Vec<_>>()
            .join("\n"),
    );
    let out = html(&record);
    assert!(out.contains("… (250 more characters not shown)"));
    assert!(!out.contains(&"é".repeat(mcpcheck_reports::BODY_DISPLAY_LIMIT + 1)));
    assert!(out.contains("Server stderr (last 20 lines)"));
    assert!(out.contains("log line 11\n") && !out.contains("log line 10\n"));
}

#[test]
fn html_shows_a_shared_exchange_once() {
    let mut record = fixture();
    // A second check judged on the same exchange of the same step.
    let mut second = record.checks[3].clone();
    second.id = "meta-second-check".into();
    record.checks.insert(4, second);
    record.summary = Summary::from_checks(&record.checks);
    let out = html(&record);
    assert!(out.contains("<section class=\"finding f-fail\" id=\"check-4\">"));
    assert!(out.contains(
        "Exchange: the same as for <a href=\"#check-3\"><code>meta-required:meta-missing-protocol-version</code></a>."
    ));
    assert_eq!(count(&out, "Response · HTTP 200 · 3 ms"), 1);
    // The reproduction stays with every check.
    assert_eq!(count(&out, "<pre class=\"curl\">curl -sS -X POST"), 2);
}

#[test]
fn html_baseline_shows_expected_and_stale() {
    let record = baseline_fixture();
    let out = html(&record);
    let b = record.baseline.as_ref().unwrap();
    let stale = mcpcheck_reports::baseline::stale_message(&b.file, &b.stale[0]);
    assert!(out.contains(&stale), "stale message");
    assert!(out.contains("<section id=\"baseline\">"));
    assert!(out.contains("<span class=\"badge b-fail\">STALE</span>"));
    assert!(out.contains(
        "<code>tools-call-old-name</code></td><td><span class=\"badge b-nr\">UNMATCHED</span>"
    ));
    assert!(out.contains("expected failure (baseline baseline.yaml line 2)"));
    assert!(trace_row(&out, "CACHE-01").contains("expected failure (baseline line 2)"));
    // Expected failures come after the unexpected ones, under their own heading.
    let group = out.find("<h3 class=\"group\">Expected failures").unwrap();
    assert!(out.find("id=\"check-3\"").unwrap() < group);
    assert!(out.find("id=\"check-6\"").unwrap() > group);
    assert!(out.contains("<section class=\"finding f-error expected\" id=\"check-6\">"));
}

#[test]
fn html_fuzz_shows_the_finding() {
    let record = fuzz_fixture();
    let out = html(&record);
    let start = out.find("<section id=\"fuzz\">").unwrap();
    let sec = &out[start..start + out[start..].find("</section>").unwrap()];
    let f = record.fuzz.as_ref().unwrap();
    for needle in [
        "<dt>Seed</dt><dd>42</dd>",
        "<dt>Requests</dt><dd>20000</dd>",
        "5123.4 requests/s",
        "<dt>Concurrency</dt><dd>32</dd>",
        "<code>delete_everything</code>",
        "mcpcheck fuzz --url http://127.0.0.1:1234/mcp --seed 42 --requests 20000",
        "<code>fuzz-server-error-tools-call</code>",
        "server-error",
        "<a href=\"#req-STATELESS-20\">STATELESS-20</a>",
        "HTTP 500 with an empty body",
        "<dt>Request index</dt><dd>1234</dd>",
        "tools/call echo: string argument with U+202E",
        "<dt>Duplicates</dt><dd>17 other",
        "<dt>Shrink attempts</dt><dd>31</dd>",
        "mcpcheck-fuzz/fuzz-server-error-tools-call.yaml",
        "<a href=\"#check-7\">",
        "Original request body",
        "\\u202e padding padding",
    ] {
        assert!(sec.contains(needle), "missing {needle}");
    }
    assert!(sec.contains(&f.findings[0].shrunk_body.replace('"', "&quot;")));
}

#[test]
fn html_lists_not_applicable_scenarios() {
    let out = html(&fixture());
    let start = out.find("<section id=\"not-applicable\">").unwrap();
    let sec = &out[start..];
    assert!(sec.contains("<code>caching-pages</code>"));
    assert!(sec.contains("no list result spans more than one page"));
    assert!(sec.contains("the target has no authorization configured"));
    assert!(!sec.contains("<code>caching-hints</code>"));
}

#[test]
fn html_large_run_stays_readable() {
    let record = large_record();
    let out = html(&record);
    assert!(out.len() < 3_000_000, "{} bytes", out.len());
    for q in &record.requirements {
        assert!(out.contains(&format!("id=\"req-{}\"", q.id)));
    }
    // Long check lists fold into <details>.
    assert!(out.contains("<details><summary>"));
    // Every failing check has its section.
    let failing = record
        .checks
        .iter()
        .filter(|c| matches!(c.status, Status::Fail | Status::Error | Status::Warn))
        .count();
    assert_eq!(count(&out, "<section class=\"finding "), failing);
}
