//! The GitHub Action (action.yml): its inputs and outputs are wired to steps that exist, no
//! input is spliced into shell code, and its run script (scripts/action-run.sh) runs the real
//! binary and writes the reports, the outputs and the job summary.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn action() -> serde_json::Value {
    let text = std::fs::read_to_string(root().join("action.yml")).unwrap();
    serde_saphyr::from_str(&text).expect("action.yml parses")
}

#[test]
fn outputs_and_inputs_are_wired() {
    let a = action();
    assert_eq!(a["runs"]["using"], "composite");
    let steps = a["runs"]["steps"].as_array().unwrap();
    let ids: Vec<&str> = steps.iter().filter_map(|s| s["id"].as_str()).collect();
    let inputs = a["inputs"].as_object().unwrap();
    for name in ["passed", "failed", "warned", "report-json", "report-html"] {
        let v = a["outputs"][name]["value"].as_str().unwrap_or_default();
        let step = v
            .strip_prefix("${{ steps.")
            .and_then(|r| r.split('.').next())
            .unwrap_or_else(|| panic!("output {name} is not a step output: {v:?}"));
        assert!(
            ids.contains(&step),
            "output {name} names missing step {step}"
        );
    }
    let re = regex::Regex::new(r"\$\{\{\s*inputs\.([A-Za-z0-9_-]+)\s*\}\}").unwrap();
    for s in steps {
        let run = s["run"].as_str().unwrap_or_default();
        // Inputs reach scripts through the environment only (no injection through an input).
        assert!(
            !run.contains("${{"),
            "a run block expands an expression: {run}"
        );
        for v in s["env"].as_object().into_iter().flatten().map(|(_, v)| v) {
            for c in re.captures_iter(v.as_str().unwrap_or_default()) {
                assert!(inputs.contains_key(&c[1]), "unknown input {}", &c[1]);
            }
        }
    }
}

struct Run {
    code: i32,
    outputs: BTreeMap<String, String>,
    summary: String,
    dir: PathBuf,
}

fn run_action(name: &str, inputs: &[(&str, &str)]) -> Run {
    let dir = std::env::temp_dir().join(format!("mcpcheck-action-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_mcpcheck")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut cmd = Command::new("bash");
    cmd.arg(root().join("scripts/action-run.sh"))
        .current_dir(&dir)
        .env("PATH", path)
        .env("NO_COLOR", "1")
        .env("GITHUB_OUTPUT", dir.join("output.txt"))
        .env("GITHUB_STEP_SUMMARY", dir.join("summary.md"));
    for (k, v) in inputs {
        cmd.env(format!("INPUT_{}", k.to_uppercase().replace('-', "_")), v);
    }
    let out = cmd.output().expect("bash runs");
    let outputs = std::fs::read_to_string(dir.join("output.txt"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Run {
        code: out.status.code().unwrap_or(-1),
        outputs,
        summary: std::fs::read_to_string(dir.join("summary.md")).unwrap_or_default(),
        dir,
    }
}

#[test]
fn the_run_script_reports_a_passing_run() {
    let r = run_action("pass", &[("args", "--only 'stateless-required-*'")]);
    assert_eq!(r.code, 0, "{:?}", r.outputs);
    assert_eq!(r.outputs["verdict"], "pass");
    assert_eq!(r.outputs["failed"], "0");
    assert!(r.outputs["passed"].parse::<u64>().unwrap() > 0);
    for (key, file) in [
        ("report-json", "report.json"),
        ("report-html", "report.html"),
    ] {
        assert_eq!(r.outputs[key], format!("mcpcheck-report/{file}"));
    }
    for f in [
        "report.json",
        "report.html",
        "junit.xml",
        "report.sarif",
        "summary.md",
    ] {
        assert!(
            r.dir.join("mcpcheck-report").join(f).is_file(),
            "{f} missing"
        );
    }
    assert!(
        r.summary.starts_with("## ✅ MCP conformance: PASS"),
        "{}",
        r.summary
    );
}

#[test]
fn the_run_script_fails_on_failures_unless_baselined_or_told_not_to() {
    let fault = "--only stateless-required-meta --fault missing-meta-accepted";
    let r = run_action("fail", &[("args", fault)]);
    assert_eq!(r.code, 1);
    assert_eq!(r.outputs["verdict"], "fail");
    assert_ne!(r.outputs["failed"], "0");
    assert_eq!(r.outputs["exit-code"], "1");

    let r = run_action("fail-ok", &[("args", fault), ("fail-on-error", "false")]);
    assert_eq!(r.code, 0);
    assert_eq!(r.outputs["verdict"], "fail");

    let base = std::env::temp_dir().join(format!("mcpcheck-action-{}-b.yaml", std::process::id()));
    std::fs::write(&base, "server:\n  - stateless-required-meta\n").unwrap();
    let r = run_action(
        "baselined",
        &[
            ("args", fault),
            ("expected-failures", base.to_str().unwrap()),
        ],
    );
    assert_eq!(r.code, 0, "{:?}", r.outputs);
    assert_eq!(r.outputs["verdict"], "pass");

    let r = run_action("both", &[("url", "http://127.0.0.1:9/mcp"), ("stdio", "x")]);
    assert_eq!(r.code, 2);
}
