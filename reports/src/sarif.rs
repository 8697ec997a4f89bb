//! SARIF 2.1.0 report, for code-scanning dashboards (GitHub, GitLab, IDE viewers).
//!
//! One result per failing, erroring or warning check; rule ids are requirement ids. Built with
//! `serde_json` maps (the workspace enables `preserve_order`), so member order is the insertion
//! order below and the output is deterministic.

use serde_json::{Map, Value, json};

use crate::baseline::stale_message;
use crate::record::{CheckRecord, Level, RunRecord, Status, Target};

const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// `uriBaseId` of built-in scenarios: their paths are relative to the mcpcheck source tree,
/// which is not where the SARIF consumer's checkout is, so they get their own base rather than
/// `SRCROOT`.
const BUILTIN_BASE: &str = "MCPCHECK";
/// `uriBaseId` of scenario files given by a relative path (relative to where mcpcheck ran).
const SRCROOT_BASE: &str = "SRCROOT";

/// The specification repository the catalogue's `source` paths are relative to.
const SPEC_REPO: &str = "https://github.com/modelcontextprotocol/modelcontextprotocol/blob/main/";
/// The tasks extension repository (`ext:` paths of the catalogue).
const EXT_REPO: &str = "https://github.com/modelcontextprotocol/experimental-ext-tasks/blob/main/";

/// A browsable URL for a catalogue `source` such as
/// `docs/specification/2026-07-28/basic/index.mdx (Statelessness); seps/...`: the first path
/// (before any space or `;`), when it lies in a repository the catalogue names. `None` for
/// anything else (RFC references, odd characters), so no URL is ever made from arbitrary text.
pub(crate) fn spec_source_url(source: &str) -> Option<String> {
    let first = source.split([' ', ';']).next().unwrap_or("");
    let (base, path) = match first.strip_prefix("ext:") {
        Some(p) => (EXT_REPO, p),
        None if ["docs/", "seps/", "schema/"]
            .iter()
            .any(|p| first.starts_with(p)) =>
        {
            (SPEC_REPO, first)
        }
        None => return None,
    };
    let safe = !path.is_empty()
        && !path.contains("..")
        && path
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._/".contains(c));
    safe.then(|| format!("{base}{path}"))
}

pub(crate) fn render(record: &RunRecord) -> String {
    let failing: Vec<&CheckRecord> = record
        .checks
        .iter()
        .filter(|c| matches!(c.status, Status::Fail | Status::Error | Status::Warn))
        .collect();

    let rule_ids = rule_ids(record, &failing);
    let rules: Vec<Value> = rule_ids
        .iter()
        .map(|id| rule(record, id, &failing))
        .collect();

    let mut bases_used = (false, false);
    let results: Vec<Value> = failing
        .iter()
        .map(|c| {
            let rule_index = rule_ids.iter().position(|r| *r == c.requirement);
            result(record, c, rule_index, &mut bases_used)
        })
        .collect();

    let mut driver = Map::new();
    driver.insert("name".into(), json!(record.tool.name));
    driver.insert("version".into(), json!(record.tool.version));
    if is_semver(&record.tool.version) {
        driver.insert("semanticVersion".into(), json!(record.tool.version));
    }
    driver.insert("rules".into(), Value::Array(rules));

    let mut run = Map::new();
    run.insert("tool".into(), json!({ "driver": driver }));
    run.insert("invocations".into(), json!([invocation(record)]));
    let mut bases = Map::new();
    if bases_used.0 {
        bases.insert(
            BUILTIN_BASE.into(),
            json!({ "description": { "text": format!(
                "The root of the {} {} source tree: built-in scenarios are compiled into the tool, and their paths are relative to it.",
                record.tool.name, record.tool.version
            ) } }),
        );
    }
    if bases_used.1 {
        bases.insert(
            SRCROOT_BASE.into(),
            json!({ "description": { "text": "The directory mcpcheck was run from (scenario files given by a relative path)." } }),
        );
    }
    if !bases.is_empty() {
        run.insert("originalUriBaseIds".into(), Value::Object(bases));
    }
    run.insert("results".into(), Value::Array(results));
    run.insert("properties".into(), run_properties(record));

    let log = json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [run],
    });
    let mut out = serde_json::to_string_pretty(&log).expect("SARIF serialises");
    out.push('\n');
    out
}

/// Requirement ids with at least one result: catalogue order first, then ids the catalogue
/// lacks in order of first appearance (so indexes are stable for a given catalogue).
fn rule_ids<'a>(record: &'a RunRecord, failing: &[&'a CheckRecord]) -> Vec<&'a str> {
    let mut ids: Vec<&str> = record
        .requirements
        .iter()
        .map(|r| r.id.as_str())
        .filter(|id| failing.iter().any(|c| c.requirement == *id))
        .collect();
    for c in failing {
        if !ids.contains(&c.requirement.as_str()) {
            ids.push(&c.requirement);
        }
    }
    ids
}

fn rule(record: &RunRecord, id: &str, failing: &[&CheckRecord]) -> Value {
    let first = failing
        .iter()
        .find(|c| c.requirement == id)
        .expect("rule ids come from failing checks");
    let info = record.requirement(id);
    let title = info.map_or(first.rule.as_str(), |r| r.title.as_str());
    let rule_text = info.map_or(first.rule.as_str(), |r| r.rule.as_str());
    let area = info.map(|r| r.area.as_str()).or_else(|| {
        record
            .scenarios
            .iter()
            .find(|s| s.id == first.scenario)
            .map(|s| s.area.as_str())
    });

    let mut d = Map::new();
    d.insert("id".into(), json!(id));
    let name = info.map(|r| pascal_case(&r.title)).unwrap_or_default();
    d.insert(
        "name".into(),
        json!(if name.is_empty() {
            id.to_string()
        } else {
            name
        }),
    );
    d.insert("shortDescription".into(), json!({ "text": title }));
    d.insert("fullDescription".into(), json!({ "text": rule_text }));
    if let Some(info) = info {
        d.insert(
            "help".into(),
            json!({ "text": format!("{} ({}): {}\nSource: {}", info.id, info.level, info.rule, info.source) }),
        );
        if let Some(url) = spec_source_url(&info.source) {
            d.insert("helpUri".into(), json!(url));
        }
    }
    d.insert(
        "defaultConfiguration".into(),
        json!({ "level": level_of(first.level) }),
    );
    let mut tags: Vec<&str> = Vec::new();
    for t in area.into_iter().chain([first.level.as_str()]) {
        // SARIF requires tags to be distinct.
        if !tags.contains(&t) {
            tags.push(t);
        }
    }
    let mut props = Map::new();
    props.insert("tags".into(), json!(tags));
    if let Some(info) = info {
        props.insert("level".into(), json!(info.level));
    }
    d.insert("properties".into(), Value::Object(props));
    Value::Object(d)
}

/// SARIF level of a rule by its RFC 2119 keyword.
fn level_of(level: Level) -> &'static str {
    match level {
        Level::Must => "error",
        Level::Should => "warning",
        Level::May => "note",
    }
}

fn result(
    record: &RunRecord,
    c: &CheckRecord,
    rule_index: Option<usize>,
    bases_used: &mut (bool, bool),
) -> Value {
    let level = match c.status {
        Status::Warn => "warning",
        _ => "error",
    };
    let mut text = format!("{}:{}: {}", c.scenario, c.id, c.message);
    match (&c.expected, &c.actual) {
        (Some(e), Some(a)) => text.push_str(&format!(" (expected: {e}; actual: {a})")),
        (Some(e), None) => text.push_str(&format!(" (expected: {e})")),
        (None, Some(a)) => text.push_str(&format!(" (actual: {a})")),
        (None, None) => {}
    }

    let mut location = Map::new();
    let source = record
        .scenarios
        .iter()
        .find(|s| s.id == c.scenario)
        .map(|s| s.source.as_str());
    if let Some(artifact) = source.and_then(|s| artifact_location(s, bases_used)) {
        // The scenario file is where the failing check is defined; the record has no line
        // numbers, and code scanning needs a region, so the result points at the file's start.
        location.insert(
            "physicalLocation".into(),
            json!({ "artifactLocation": artifact, "region": { "startLine": 1 } }),
        );
    }
    location.insert(
        "logicalLocations".into(),
        json!([{
            "name": c.id,
            "fullyQualifiedName": format!("{}:{}", c.scenario, c.id),
            // A check is a unit of test logic inside its scenario (the "module").
            "kind": "function",
        }]),
    );

    let mut r = Map::new();
    r.insert("ruleId".into(), json!(c.requirement));
    if let Some(i) = rule_index {
        r.insert("ruleIndex".into(), json!(i));
    }
    r.insert("level".into(), json!(level));
    r.insert("message".into(), json!({ "text": text }));
    r.insert("locations".into(), json!([location]));
    r.insert(
        "partialFingerprints".into(),
        json!({ "mcpcheck/v1": format!("{}:{}:{}", c.scenario, c.id, c.requirement) }),
    );
    if let Some(entry) = &c.baseline {
        let file = record
            .baseline
            .as_ref()
            .map_or("baseline", |b| b.file.as_str());
        r.insert(
            "suppressions".into(),
            json!([{
                "kind": "external",
                "status": "accepted",
                "justification": format!("expected failure: {file} line {}", entry.line),
            }]),
        );
    }
    let mut props = Map::new();
    props.insert("scenario".into(), json!(c.scenario));
    props.insert("check".into(), json!(c.id));
    if let Some(step) = &c.step {
        props.insert("step".into(), json!(step));
    }
    props.insert("status".into(), json!(c.status.as_str()));
    props.insert("level".into(), json!(c.level.as_str()));
    for (key, value) in [
        ("expected", &c.expected),
        ("actual", &c.actual),
        ("curl", &c.curl),
    ] {
        if let Some(v) = value {
            props.insert(key.into(), json!(v));
        }
    }
    if let Some(e) = c.exchange.as_ref().and_then(|x| x.transport_error.as_ref()) {
        props.insert("transportError".into(), json!(e));
    }
    r.insert("properties".into(), Value::Object(props));
    Value::Object(r)
}

/// The artifact location of a scenario source: `builtin:<path>` → `<path>` under
/// [`BUILTIN_BASE`]; a relative file path → under `SRCROOT`; an absolute one → a `file:` URI.
fn artifact_location(source: &str, bases_used: &mut (bool, bool)) -> Option<Value> {
    if let Some(path) = source.strip_prefix("builtin:") {
        let path = path.trim_start_matches("./");
        if path.is_empty() {
            return None;
        }
        bases_used.0 = true;
        return Some(json!({ "uri": encode_path(path), "uriBaseId": BUILTIN_BASE }));
    }
    if source.is_empty() {
        return None;
    }
    let path = source.replace('\\', "/");
    let bytes = path.as_bytes();
    let windows_drive =
        bytes.len() >= 3 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' && bytes[2] == b'/';
    if windows_drive {
        let (drive, rest) = path.split_at(2);
        return Some(json!({ "uri": format!("file:///{drive}{}", encode_path(rest)) }));
    }
    if path.starts_with('/') {
        return Some(json!({ "uri": format!("file://{}", encode_path(&path)) }));
    }
    bases_used.1 = true;
    Some(json!({
        "uri": encode_path(path.trim_start_matches("./")),
        "uriBaseId": SRCROOT_BASE,
    }))
}

/// Percent-encodes a path for a URI reference: unreserved characters and `/` stay, every other
/// byte is encoded (a `:` too, so a relative path never reads as a scheme).
fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn invocation(record: &RunRecord) -> Value {
    let s = &record.summary;
    let mut notes: Vec<Value> = Vec::new();
    if let Some(b) = &record.baseline {
        for e in &b.stale {
            notes.push(
                json!({ "level": "error", "message": { "text": stale_message(&b.file, e) } }),
            );
        }
        for e in &b.unmatched {
            notes.push(json!({
                "level": "warning",
                "message": { "text": format!(
                    "{}:{}: `{}` matched no scenario or check that ran in this run",
                    b.file, e.line, e.entry
                ) },
            }));
        }
    }
    let mut inv = Map::new();
    // The tool ran to completion; the verdict is in the properties, not in this flag.
    inv.insert("executionSuccessful".into(), json!(true));
    if !notes.is_empty() {
        inv.insert("toolExecutionNotifications".into(), Value::Array(notes));
    }
    inv.insert(
        "properties".into(),
        json!({
            "verdict": record.verdict().as_str(),
            "summary": {
                "total": s.total,
                "passed": s.passed,
                "failed": s.failed,
                "warned": s.warned,
                "notApplicable": s.not_applicable,
                "errored": s.errored,
                "expectedFailures": s.expected_failures,
                "requirementsPassed": s.requirements_passed,
                "requirements": record.requirements.len(),
            },
            "oneLineSummary": record.one_line_summary(),
        }),
    );
    Value::Object(inv)
}

fn run_properties(record: &RunRecord) -> Value {
    let target = match &record.target {
        Target::Http { url } => json!({ "kind": "http", "url": url }),
        Target::Bundled { url, fault } => json!({ "kind": "bundled", "url": url, "fault": fault }),
        Target::Stdio { command } => json!({ "kind": "stdio", "command": command }),
        Target::Instances { urls } => json!({ "kind": "instances", "urls": urls }),
    };
    let server = record.server.as_ref().map(|s| {
        let mut m = Map::new();
        m.insert("name".into(), json!(s.name));
        m.insert("version".into(), json!(s.version));
        if let Some(t) = &s.title {
            m.insert("title".into(), json!(t));
        }
        Value::Object(m)
    });
    let mut p = Map::new();
    p.insert("revision".into(), json!(record.revision));
    p.insert("target".into(), target);
    p.insert("server".into(), server.unwrap_or(Value::Null));
    p.insert("startedAt".into(), json!(record.started_at));
    p.insert("durationMs".into(), json!(record.duration_ms));
    p.insert("strict".into(), json!(record.strict));
    if let Some(f) = &record.fuzz {
        p.insert(
            "fuzz".into(),
            json!({
                "seed": f.seed,
                "requests": f.requests,
                "findings": f.findings.len(),
                "reproduce": f.reproduce,
            }),
        );
    }
    Value::Object(p)
}

/// `Required _meta fields` → `RequiredMetaFields` (ASCII letters and digits only).
fn pascal_case(title: &str) -> String {
    title
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut cs = w.chars();
            let first = cs.next().expect("non-empty word").to_ascii_uppercase();
            std::iter::once(first).chain(cs).collect::<String>()
        })
        .collect()
}

/// `MAJOR.MINOR.PATCH` with optional `-pre` / `+build` (what `semanticVersion` requires).
fn is_semver(v: &str) -> bool {
    let core = v.split(['-', '+']).next().unwrap_or("");
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_urls_only_for_known_repositories() {
        assert_eq!(
            spec_source_url(
                "docs/specification/2026-07-28/basic/index.mdx (Statelessness); seps/x.md"
            )
            .as_deref(),
            Some(
                "https://github.com/modelcontextprotocol/modelcontextprotocol/blob/main/docs/specification/2026-07-28/basic/index.mdx"
            )
        );
        assert_eq!(
            spec_source_url("ext:specification/draft/tasks.md (Tasks)").as_deref(),
            Some(
                "https://github.com/modelcontextprotocol/experimental-ext-tasks/blob/main/specification/draft/tasks.md"
            )
        );
        assert_eq!(spec_source_url("RFC 9110 section 5.5"), None);
        assert_eq!(spec_source_url("docs/\"><x"), None);
        assert_eq!(spec_source_url("docs/../../evil"), None);
    }

    #[test]
    fn artifact_locations() {
        let mut used = (false, false);
        assert_eq!(
            artifact_location("builtin:scenarios/http/a b.yaml", &mut used),
            Some(json!({ "uri": "scenarios/http/a%20b.yaml", "uriBaseId": "MCPCHECK" }))
        );
        assert_eq!(
            artifact_location("./my:scen.yaml", &mut used),
            Some(json!({ "uri": "my%3Ascen.yaml", "uriBaseId": "SRCROOT" }))
        );
        assert_eq!(used, (true, true));
        assert_eq!(
            artifact_location("/tmp/s.yaml", &mut used),
            Some(json!({ "uri": "file:///tmp/s.yaml" }))
        );
        assert_eq!(
            artifact_location("C:\\x\\é.yaml", &mut used),
            Some(json!({ "uri": "file:///C:/x/%C3%A9.yaml" }))
        );
    }

    #[test]
    fn names_and_versions() {
        assert_eq!(
            pascal_case("server/discover is implemented"),
            "ServerDiscoverIsImplemented"
        );
        assert_eq!(pascal_case("Required _meta fields"), "RequiredMetaFields");
        assert!(is_semver("0.1.0"));
        assert!(is_semver("1.2.3-rc.1+g123"));
        assert!(!is_semver("1.2"));
        assert!(!is_semver("dev"));
    }
}
