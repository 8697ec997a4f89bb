//! The `reference-server` binary: listing, bad fault names, and the startup line.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_reference-server");

#[test]
fn list_faults_prints_the_table() {
    let out = Command::new(BIN).arg("--list-faults").output().unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(stdout, mcpcheck_reference_server::list_faults());
}

#[test]
fn unknown_fault_exits_2_and_lists_valid_names() {
    let out = Command::new(BIN)
        .args(["--fault", "nope"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("missing-meta-accepted"), "{stderr}");
}

#[test]
fn prints_the_listening_url() {
    let mut child = Command::new(BIN)
        .args(["--listen", "127.0.0.1:0", "--fault", "no-discover"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    let url = line
        .trim()
        .strip_prefix("mcpcheck reference server listening on http://127.0.0.1:")
        .unwrap_or_else(|| panic!("unexpected line {line:?}"));
    let port = url.strip_suffix("/mcp").unwrap();
    assert!(port.parse::<u16>().unwrap() > 0);
}

#[test]
fn auth_prints_the_authorization_server_line() {
    let mut child = Command::new(BIN)
        .args(["--listen", "127.0.0.1:0", "--auth", "--client-id", "c1"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let (mut first, mut second) = (String::new(), String::new());
    out.read_line(&mut first).unwrap();
    out.read_line(&mut second).unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    let origin = first
        .trim()
        .strip_prefix("mcpcheck reference server listening on ")
        .and_then(|u| u.strip_suffix("/mcp"))
        .unwrap_or_else(|| panic!("unexpected line {first:?}"));
    assert_eq!(
        second.trim(),
        format!(
            "authorization server: {origin} (client_credentials: client id c1, secret mcpcheck-secret)"
        )
    );
}

#[test]
fn auth_flags_are_usage_errors_where_they_do_not_apply() {
    for args in [
        &["--auth", "--stdio"][..],
        &["--issuer", "http://127.0.0.1:9/", "--stdio"],
        &["--client-id", "x"],
        &["--resource", "http://example.com/mcp"],
    ] {
        let out = Command::new(BIN).args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(!out.stderr.is_empty(), "{args:?}");
    }
}
