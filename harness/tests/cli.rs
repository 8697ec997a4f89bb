//! The binary's exit codes and messages for usage errors, bad scenario and config files, and a
//! normal run. Runs the real `mcpcheck` binary.

use std::process::Command;

fn mcpcheck(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_mcpcheck"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("mcpcheck-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn a_passing_run_exits_0_and_writes_the_json_record() {
    let dir = temp_dir("ok");
    let json = dir.join("out.json");
    let junit = dir.join("junit.xml");
    let (code, stdout, stderr) = mcpcheck(&[
        "run",
        "--only",
        "stateless-required-meta",
        "--json",
        json.to_str().unwrap(),
        "--junit",
        junit.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    let record: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(record["version"], 1);
    assert!(record["summary"]["passed"].as_u64().unwrap() > 0);
    assert_eq!(record["summary"]["failed"], 0);
    assert!(
        std::fs::read_to_string(&junit)
            .unwrap()
            .contains("<testsuites")
    );
    let last = stdout.lines().last().unwrap();
    assert!(last.starts_with("mcpcheck PASS: "), "{last}");
    assert!(
        last.contains(" passed, 0 failed, 0 warned, 0 not applicable, 0 errored; "),
        "{last}"
    );
}

#[test]
fn a_failing_run_exits_1() {
    let (code, stdout, _) = mcpcheck(&[
        "run",
        "--only",
        "stateless-required-meta",
        "--fault",
        "missing-meta-accepted",
    ]);
    assert_eq!(code, 1);
    assert!(stdout.contains("FAIL"));
    assert!(stdout.contains("reproduce: curl"));
}

#[test]
fn should_violations_fail_only_under_strict() {
    let args = [
        "run",
        "--only",
        "http-sse-stream",
        "--fault",
        "no-accel-buffering",
    ];
    let (code, stdout, _) = mcpcheck(&args);
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("WARN"));
    let mut strict = args.to_vec();
    strict.push("--strict");
    assert_eq!(mcpcheck(&strict).0, 1);
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        vec!["run", "--only", "no-such-scenario-*"],
        vec!["run", "--fault", "no-such-fault"],
        vec!["run", "--url", "ftp://127.0.0.1/mcp"],
        vec!["run", "--timeout", "-1"],
        vec!["run", "--bogus-flag"],
        vec!["explain", "NOPE-99"],
    ] {
        let (code, _, stderr) = mcpcheck(&args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(!stderr.trim().is_empty(), "{args:?} printed no error");
    }
}

#[test]
fn a_bad_scenario_file_is_reported_with_its_location_and_nothing_runs() {
    let dir = temp_dir("bad-scenario");
    std::fs::write(
        dir.join("mine.yaml"),
        "id: mine\ntitle: t\narea: a\nsteps:\n  - name: s\n    request: {method: tools/list}\n    expect:\n      - stauts: 200\n        req: HTTP-01\n",
    )
    .unwrap();
    let (code, stdout, stderr) = mcpcheck(&["run", "--scenarios", dir.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(stderr.contains("mine.yaml:8:9"), "{stderr}");
    assert!(stderr.contains("did you mean `status`?"), "{stderr}");
    assert!(stdout.is_empty(), "nothing may run: {stdout}");
}

#[test]
fn a_bad_config_file_is_reported_with_its_location() {
    let dir = temp_dir("bad-config");
    let cfg = dir.join("mcpcheck.yaml");
    std::fs::write(&cfg, "fixtures:\n  test_simple_text: echo\ntimeout: 3\n").unwrap();
    let (code, _, stderr) = mcpcheck(&["run", "--config", cfg.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("mcpcheck.yaml") && stderr.contains("3:1"),
        "{stderr}"
    );
    assert!(stderr.contains("timeout"), "{stderr}");
}

#[test]
fn scenarios_dir_adds_and_overrides_by_id() {
    let dir = temp_dir("extra");
    // Overrides a built-in id with a one-step version, and adds a new scenario.
    std::fs::write(
        dir.join("override.yaml"),
        "id: stateless-first-request\ntitle: overridden\narea: stateless\nsteps:\n  - name: only\n    request: {method: server/discover}\n    expect:\n      - result: true\n        req: STATELESS-01\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("new.yaml"),
        "id: my-extra\ntitle: mine\narea: custom\nsteps:\n  - name: only\n    request: {method: server/discover}\n    expect:\n      - status: 200\n        req: HTTP-01\n",
    )
    .unwrap();
    let dir_s = dir.to_str().unwrap();
    let (code, stdout, stderr) = mcpcheck(&[
        "run",
        "--scenarios",
        dir_s,
        "--only",
        "stateless-first-request,my-extra",
        "--verbose",
    ]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("overridden"), "{stdout}");
    assert!(stdout.contains("my-extra"), "{stdout}");
    assert!(
        !stdout.contains("list-tools-first"),
        "the built-in version ran: {stdout}"
    );
}

#[test]
fn fixture_names_are_bound_through_the_config_file() {
    let dir = temp_dir("fixtures");
    std::fs::write(
        dir.join("renamed.yaml"),
        "id: renamed-tool\ntitle: t\narea: custom\nrequires:\n  - tool: my_echo\nsteps:\n  - name: call\n    request:\n      method: tools/call\n      params: {name: my_echo, arguments: {}}\n    expect:\n      - json: {pointer: /result/content/0/type, equals: text}\n        req: TOOLS-07\n",
    )
    .unwrap();
    // The config lives outside the scenario directory (every YAML file there is a scenario).
    let cfg = temp_dir("fixtures-config").join("mcpcheck.yaml");
    std::fs::write(&cfg, "fixtures:\n  my_echo: test_simple_text\n").unwrap();
    let dir_s = dir.to_str().unwrap();
    // Without the binding the tool is not listed: not applicable, and a run of nothing is exit 1.
    let (code, stdout, stderr) = mcpcheck(&["run", "--scenarios", dir_s, "--only", "renamed-tool"]);
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.contains("the server lists no tool `my_echo`"),
        "{stdout}"
    );
    assert!(stderr.contains("no check could run"), "{stderr}");
    // With it, the request names the server's tool (and its Mcp-Name header follows).
    let (code, stdout, _) = mcpcheck(&[
        "run",
        "--scenarios",
        dir_s,
        "--only",
        "renamed-tool",
        "--config",
        cfg.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stdout}");
}
