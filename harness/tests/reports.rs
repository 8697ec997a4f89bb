//! Every report format from a real run of the binary, the expected-failures baseline end to
//! end, console formats and quiet mode. Runs the real `mcpcheck` binary against the bundled
//! reference server.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

#[path = "../../reports/tests/common/sarif_schema.rs"]
mod sarif_schema;

fn mcpcheck(args: &[&str], env: &[(&str, &Path)]) -> (i32, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mcpcheck"));
    cmd.args(args)
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_STEP_SUMMARY");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("mcpcheck-reports-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The done criterion: all five reports from one run against the bundled server; the
/// HTML names every requirement of the catalogue; the SARIF validates against SARIF 2.1.0;
/// the Markdown also lands in $GITHUB_STEP_SUMMARY. And the catalogue's `uncovered` reasons are
/// exactly the requirements no check of the run names.
#[test]
fn a_full_run_writes_every_report() {
    let dir = temp_dir("all");
    let [html, md, sarif, xml, json, summary] =
        ["r.html", "r.md", "r.sarif", "r.xml", "r.json", "summary.md"].map(|f| dir.join(f));
    std::fs::write(&summary, "earlier step\n").unwrap();
    let (code, stdout, stderr) = mcpcheck(
        &[
            "run",
            "--html",
            s(&html),
            "--markdown",
            s(&md),
            "--sarif",
            s(&sarif),
            "--junit",
            s(&xml),
            "--json",
            s(&json),
        ],
        &[("GITHUB_STEP_SUMMARY", &summary)],
    );
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let record: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let catalogue: Vec<&serde_json::Value> =
        record["requirements"].as_array().unwrap().iter().collect();
    assert_eq!(catalogue.len(), 178);

    let page = std::fs::read_to_string(&html).unwrap();
    for r in &catalogue {
        let id = r["id"].as_str().unwrap();
        assert!(page.contains(id), "the HTML report lacks {id}");
    }
    assert!(!page.contains("<script"));

    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    let errors: Vec<String> = sarif_schema::sarif_validator()
        .iter_errors(&doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "SARIF invalid: {errors:#?}");
    assert_eq!(doc["version"], "2.1.0");

    assert!(
        std::fs::read_to_string(&xml)
            .unwrap()
            .contains("<testsuites")
    );
    let markdown = std::fs::read_to_string(&md).unwrap();
    assert!(
        markdown.starts_with("## ✅ MCP conformance: PASS"),
        "{markdown}"
    );
    let step_summary = std::fs::read_to_string(&summary).unwrap();
    assert_eq!(step_summary, format!("earlier step\n{markdown}"));

    // Every requirement is either named by a check of the run or says why it is not covered.
    let checked: BTreeSet<&str> = record["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["requirement"].as_str().unwrap())
        .collect();
    for r in &catalogue {
        let id = r["id"].as_str().unwrap();
        let uncovered = r.get("uncovered").is_some();
        assert!(
            checked.contains(id) != uncovered,
            "{id}: checked by the run: {}, has an `uncovered` reason: {uncovered}",
            checked.contains(id)
        );
    }
}

/// The failing checks of a fault run, as `scenario:check` baseline entries.
fn failing_entries(json: &Path) -> Vec<String> {
    let record: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(json).unwrap()).unwrap();
    let mut v: Vec<String> = record["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "fail")
        .map(|c| {
            format!(
                "{}:{}",
                c["scenario"].as_str().unwrap(),
                c["id"].as_str().unwrap()
            )
        })
        .collect();
    v.dedup();
    v
}

#[test]
fn a_baseline_of_the_failures_makes_a_fault_run_pass_and_stale_entries_fail() {
    let dir = temp_dir("baseline");
    let json = dir.join("r.json");
    let fault = [
        "run",
        "--only",
        "stateless-required-meta",
        "--fault",
        "missing-meta-accepted",
    ];
    let (code, ..) = mcpcheck(&[&fault[..], &["--json", s(&json)]].concat(), &[]);
    assert_eq!(code, 1);
    let failing = failing_entries(&json);
    assert!(!failing.is_empty());

    // Every failing check listed (one of them by its whole scenario in a second file): exit 0.
    let base = dir.join("baseline.yaml");
    let mut text = String::from("# known failures\nserver:\n");
    for e in &failing {
        text.push_str(&format!("  - {e}\n"));
    }
    text.push_str("client:\n  - some-client-scenario\n");
    std::fs::write(&base, &text).unwrap();
    let (code, stdout, stderr) = mcpcheck(
        &[&fault[..], &["--expected-failures", s(&base)]].concat(),
        &[],
    );
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.contains("XFAIL"), "{stdout}");
    let whole = dir.join("whole.yaml");
    std::fs::write(&whole, "server:\n  - stateless-required-meta\n").unwrap();
    let (code, ..) = mcpcheck(
        &[&fault[..], &["--expected-failures", s(&whole)]].concat(),
        &[],
    );
    assert_eq!(code, 0);

    // Only some listed: the others still fail the run.
    let partial = dir.join("partial.yaml");
    std::fs::write(&partial, format!("server:\n  - {}\n", failing[0])).unwrap();
    let (code, ..) = mcpcheck(
        &[&fault[..], &["--expected-failures", s(&partial)]].concat(),
        &[],
    );
    assert_eq!(code, 1);

    // The same baseline against the correct server: every entry is stale, and the message
    // names the line to delete.
    let (code, stdout, _) = mcpcheck(
        &[
            "run",
            "--only",
            "stateless-required-meta",
            "--expected-failures",
            s(&base),
        ],
        &[],
    );
    assert_eq!(code, 1, "{stdout}");
    let first = format!(
        "{}:3: `{}` is listed as an expected failure but this check passed; delete line 3 of {}",
        s(&base),
        failing[0],
        s(&base)
    );
    assert!(stdout.contains(&first), "{stdout}");
    // --quiet and json-lines do not show the report, so stale entries go to stderr.
    let (code, stdout, stderr) = mcpcheck(
        &[
            "run",
            "--only",
            "stateless-required-meta",
            "--expected-failures",
            s(&base),
            "-q",
        ],
        &[],
    );
    assert_eq!(code, 1);
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    assert!(stderr.contains(&first), "{stderr}");
}

#[test]
fn a_bad_baseline_is_a_usage_error_naming_its_line() {
    let dir = temp_dir("bad-baseline");
    let base = dir.join("b.yaml");
    std::fs::write(
        &base,
        "server:\n  - ok-entry\n  - stateless-required-meta: no-meta/status\n",
    )
    .unwrap();
    let (code, stdout, stderr) = mcpcheck(
        &[
            "run",
            "--only",
            "stateless-required-meta",
            "--expected-failures",
            s(&base),
        ],
        &[],
    );
    assert_eq!(code, 2);
    assert!(stderr.contains(&format!("{}:3:", s(&base))), "{stderr}");
    assert!(
        stderr.contains("did you mean `stateless-required-meta:no-meta/status`"),
        "{stderr}"
    );
    assert!(stdout.is_empty(), "nothing may run: {stdout}");
    let (code, _, stderr) = mcpcheck(
        &["run", "--expected-failures", s(&dir.join("missing.yaml"))],
        &[],
    );
    assert_eq!(code, 2);
    assert!(stderr.contains("missing.yaml"), "{stderr}");
}

#[test]
fn console_formats() {
    let args = [
        "run",
        "--only",
        "stateless-required-meta",
        "--fault",
        "missing-meta-accepted",
    ];
    let (code, stdout, _) = mcpcheck(&[&args[..], &["--format", "compact"]].concat(), &[]);
    assert_eq!(code, 1);
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(lines.len() > 1);
    assert!(
        lines[..lines.len() - 1]
            .iter()
            .all(|l| l.starts_with("FAIL  STATELESS-02 ")),
        "{stdout}"
    );
    assert!(lines.last().unwrap().starts_with("mcpcheck FAIL: "));

    let (code, stdout, _) = mcpcheck(&[&args[..], &["--format", "json-lines"]].concat(), &[]);
    assert_eq!(code, 1);
    let objects: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(objects[0]["type"], "run");
    assert_eq!(objects[1]["type"], "scenario");
    assert_eq!(objects.last().unwrap()["verdict"], "fail");

    let (code, stdout, stderr) = mcpcheck(&[&args[..], &["--quiet"]].concat(), &[]);
    assert_eq!(code, 1);
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    assert!(stdout.starts_with("mcpcheck FAIL: "));
    // Not a terminal: no progress bar, no escape codes anywhere.
    assert!(
        !stderr.contains('\x1b') && !stdout.contains('\x1b'),
        "{stderr}"
    );

    let (code, _, stderr) = mcpcheck(&["run", "--format", "yaml"], &[]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("human") && stderr.contains("json-lines"),
        "{stderr}"
    );
}
