//! Renders an mcpcheck [`record::RunRecord`] into reports. Every format is a pure function of the
//! record: no clock, no network, no environment reads (colour is an explicit option).

pub mod baseline;
mod console;
mod html;
mod junit;
mod markdown;
pub mod record;
mod sarif;

pub use console::BODY_DISPLAY_LIMIT;
pub use junit::SCENARIO_CASE_NAME;

pub use baseline::apply_baseline;
pub use record::*;

/// Options for the console report.
#[derive(Debug, Clone, Copy, Default)]
pub struct ConsoleOptions {
    /// ANSI colours (the caller decides: TTY, `NO_COLOR`, flags).
    pub color: bool,
    /// Also list passing checks, not only failures and a summary.
    pub verbose: bool,
}

/// The JSON run record, pretty-printed.
pub fn json(record: &RunRecord) -> String {
    serde_json::to_string_pretty(record).expect("run record serialises")
}

/// Human console report: header, scenarios grouped by area (in order of first appearance), full
/// detail for failing, warning and erroring checks, and a summary ending in the line
/// `N passed, N failed, N warned, N not applicable, N errored`.
pub fn console(record: &RunRecord, opts: ConsoleOptions) -> String {
    console::render(record, opts)
}

/// JUnit XML: one test suite per scenario, one test case per check.
pub fn junit(record: &RunRecord) -> String {
    junit::render(record)
}

/// Self-contained HTML certification report (inline CSS and SVG, no script, no external
/// asset): verdict, per-area chart, traceability matrix over the whole catalogue, every failure
/// with its rule, expected and actual, the exchange and a curl reproduction, and fuzz findings.
pub fn html(record: &RunRecord) -> String {
    html::render(record)
}

/// SARIF 2.1.0: one result per failing or warning check, rule ids = requirement ids.
pub fn sarif(record: &RunRecord) -> String {
    sarif::render(record)
}

/// Compact console report: one line per check that did not pass, then the one-line summary.
pub fn compact(record: &RunRecord, color: bool) -> String {
    console::render_compact(record, color)
}

/// JSON Lines: a `run` object, then each scenario followed by its checks, the baseline when
/// there is one, and a closing `summary` object with the verdict. One JSON object per line.
pub fn json_lines(record: &RunRecord) -> String {
    use serde_json::{Value, json};
    let mut lines: Vec<Value> = vec![json!({
        "type": "run",
        "tool": record.tool,
        "revision": record.revision,
        "target": record.target,
        "server": record.server,
        "started_at": record.started_at,
        "strict": record.strict,
    })];
    let tagged = |kind: &str, v: Value| match v {
        Value::Object(mut m) => {
            m.insert("type".into(), Value::String(kind.into()));
            Value::Object(m)
        }
        other => other,
    };
    let listed: std::collections::BTreeSet<&str> =
        record.scenarios.iter().map(|s| s.id.as_str()).collect();
    for s in &record.scenarios {
        lines.push(tagged(
            "scenario",
            serde_json::to_value(s).expect("serialises"),
        ));
        for c in record.checks.iter().filter(|c| c.scenario == s.id) {
            lines.push(tagged(
                "check",
                serde_json::to_value(c).expect("serialises"),
            ));
        }
    }
    for c in record
        .checks
        .iter()
        .filter(|c| !listed.contains(c.scenario.as_str()))
    {
        lines.push(tagged(
            "check",
            serde_json::to_value(c).expect("serialises"),
        ));
    }
    if let Some(b) = &record.baseline {
        lines.push(tagged(
            "baseline",
            serde_json::to_value(b).expect("serialises"),
        ));
    }
    if let Some(f) = &record.fuzz {
        lines.push(tagged("fuzz", serde_json::to_value(f).expect("serialises")));
    }
    lines.push(json!({
        "type": "summary",
        "verdict": record.verdict(),
        "summary": record.summary,
        "duration_ms": record.duration_ms,
        "line": record.one_line_summary(),
    }));
    let mut out = String::new();
    for l in lines {
        out.push_str(&serde_json::to_string(&l).expect("serialises"));
        out.push('\n');
    }
    out
}

/// Markdown summary for pull requests and `$GITHUB_STEP_SUMMARY`.
pub fn markdown(record: &RunRecord) -> String {
    markdown::render(record)
}
