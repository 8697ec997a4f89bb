//! Snapshot tests of every report format on one fixed, hand-built run record.

mod common;

use common::*;
use mcpcheck_reports::{
    ConsoleOptions, RunRecord, compact, console, json, json_lines, junit, markdown,
};

/// Redactions for anything a live run would vary: times and loopback ports.
macro_rules! redacted {
    ($($body:tt)*) => {
        insta::with_settings!({filters => vec![
            (r"127\.0\.0\.1:\d+", "127.0.0.1:[port]"),
            (r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", "[time]"),
        ]}, { $($body)* })
    };
}

#[test]
fn console_plain() {
    let out = console(
        &fixture(),
        ConsoleOptions {
            color: false,
            verbose: false,
        },
    );
    assert!(!out.contains('\x1b'));
    assert!(out.ends_with(
        "mcpcheck FAIL: 3 passed, 1 failed, 1 warned, 1 not applicable, 1 errored; 2/9 requirements passed; 10.1 s\n"
    ));
    insta::assert_snapshot!("console_plain", out);
}

#[test]
fn console_color() {
    let out = console(
        &fixture(),
        ConsoleOptions {
            color: true,
            verbose: false,
        },
    );
    assert!(out.contains("\x1b[31mFAIL \x1b[0m"));
    insta::assert_snapshot!("console_color", out);
}

#[test]
fn console_verbose() {
    let out = console(
        &fixture(),
        ConsoleOptions {
            color: false,
            verbose: true,
        },
    );
    assert!(out.contains("pass   STATELESS-11 (MUST) discover-is-implemented"));
    insta::assert_snapshot!("console_verbose", out);
}

#[test]
fn json_record() {
    let record = fixture();
    let out = json(&record);
    let back: RunRecord = serde_json::from_str(&out).expect("JSON report parses back");
    assert_eq!(back, record);
    insta::assert_snapshot!("json", out);
}

#[test]
fn junit_xml() {
    let out = junit(&fixture());
    insta::assert_snapshot!("junit", out);
}

#[test]
fn junit_with_baseline() {
    let out = junit(&baseline_fixture());
    // The expected failure is skipped, the stale entry a failing case of its own suite.
    assert!(out.contains("expected failure (baseline line 2)"), "{out}");
    assert!(out.contains("<testsuite name=\"baseline\""), "{out}");
    redacted! { insta::assert_snapshot!("junit_baseline", out) }
}

#[test]
fn reports_are_pure() {
    let record = fixture();
    let opts = ConsoleOptions {
        color: true,
        verbose: true,
    };
    assert_eq!(console(&record, opts), console(&record, opts));
    assert_eq!(junit(&record), junit(&record));
    assert_eq!(json(&record), json(&record));
    assert_eq!(markdown(&record), markdown(&record));
    assert_eq!(json_lines(&record), json_lines(&record));
    assert_eq!(compact(&record, true), compact(&record, true));
}

#[test]
fn console_with_baseline() {
    let out = console(
        &baseline_fixture(),
        ConsoleOptions {
            color: false,
            verbose: false,
        },
    );
    assert!(out.contains("XFAIL"), "{out}");
    assert!(out.contains("delete line 3 of baseline.yaml"), "{out}");
    redacted! { insta::assert_snapshot!("console_baseline", out) }
}

#[test]
fn compact_lines() {
    let out = compact(&baseline_fixture(), false);
    // One line per check that did not pass, the stale entry, and the summary line.
    assert_eq!(out.lines().count(), 3 + 1 + 1, "{out}");
    assert!(out.lines().last().unwrap().starts_with("mcpcheck FAIL:"));
    redacted! { insta::assert_snapshot!("compact", out) }
}

#[test]
fn json_lines_objects() {
    let record = fuzz_fixture();
    let out = json_lines(&record);
    let objects: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is one JSON object"))
        .collect();
    assert_eq!(objects[0]["type"], "run");
    assert_eq!(objects.last().unwrap()["type"], "summary");
    assert_eq!(objects.last().unwrap()["verdict"], "fail");
    let checks = objects.iter().filter(|o| o["type"] == "check").count();
    assert_eq!(checks, record.checks.len());
    redacted! { insta::assert_snapshot!("json_lines", out) }
}

#[test]
fn markdown_summaries() {
    let out = markdown(&baseline_fixture());
    assert!(out.starts_with("## ❌ MCP conformance: FAIL"), "{out}");
    assert!(out.contains("delete line 3 of baseline.yaml"));
    redacted! { insta::assert_snapshot!("markdown_baseline", out) }
    redacted! { insta::assert_snapshot!("markdown_fuzz", markdown(&fuzz_fixture())) }
}

#[test]
fn markdown_neutralises_hostile_text() {
    let mut r = fixture();
    r.checks[3].message = "</summary><img src=x onerror=alert(1)> | `x` **y**".into();
    let out = markdown(&r);
    assert!(!out.contains("<img"), "{out}");
    assert!(out.contains("&lt;img src=x onerror=alert(1)&gt;"), "{out}");
}

#[test]
fn baseline_verdicts() {
    use mcpcheck_reports::{BaselineEntry, Verdict, apply_baseline};
    let entry = |e: &str, line| BaselineEntry {
        entry: e.into(),
        line,
    };
    // Every failure and error listed: the run passes, warnings do not matter.
    let mut r = fixture();
    apply_baseline(
        &mut r,
        "b.yaml",
        &[
            entry("meta-required:meta-missing-protocol-version", 2),
            entry("caching-hints", 3),
        ],
    );
    assert_eq!(r.verdict(), Verdict::Pass);
    assert_eq!(r.summary.expected_failures, 2);
    let b = r.baseline.as_ref().unwrap();
    assert_eq!(b.expected.len(), 2);
    assert!(b.stale.is_empty() && b.unmatched.is_empty());
    // A listed check that passes is stale and fails the run.
    let mut r = fixture();
    apply_baseline(
        &mut r,
        "b.yaml",
        &[
            entry("meta-required:meta-missing-protocol-version", 2),
            entry("caching-hints", 3),
            entry("discover", 4),
        ],
    );
    assert_eq!(r.verdict(), Verdict::Fail);
    assert_eq!(
        r.baseline.as_ref().unwrap().stale,
        vec![entry("discover", 4)]
    );
    // A not-applicable check or an unknown id is no signal either way.
    let mut r = fixture();
    apply_baseline(
        &mut r,
        "b.yaml",
        &[
            entry("meta-required:meta-missing-protocol-version", 2),
            entry("caching-hints", 3),
            entry("caching-pages:same-scope-on-all-pages", 4),
            entry("nope", 5),
        ],
    );
    assert_eq!(r.verdict(), Verdict::Pass);
    assert_eq!(r.baseline.as_ref().unwrap().unmatched.len(), 2);
    // Without a baseline the same record fails.
    assert_eq!(fixture().verdict(), Verdict::Fail);
}
