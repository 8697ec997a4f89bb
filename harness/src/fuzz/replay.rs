//! Writes a finding as a scenario that `mcpcheck run --scenarios DIR` replays: the shrunk
//! request sent byte for byte, the checks the oracle applied, then a known-good request to see
//! that the server still answers.

use std::fmt::Write as _;

use base64::Engine as _;

use super::Finding;
use super::case::Body;
use super::oracle::Kind;

/// A YAML double-quoted scalar: ASCII only, everything else escaped, so the file survives any
/// editor and the loader reads back exactly the same string.
pub fn yaml_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            ' '..='~' => out.push(c),
            c if (c as u32) <= 0xFFFF => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => {
                let _ = write!(out, "\\U{:08X}", c as u32);
            }
        }
    }
    out.push('"');
    out
}

/// The scenario file's name (without directory) and text.
pub fn scenario(f: &Finding, seed: u64, reproduce: &str) -> (String, String) {
    let id = format!("fuzz-s{seed}-{:05}-{}", f.case.index, f.problem.kind.slug());
    let mut y = String::new();
    let _ = writeln!(
        y,
        "# Written by `mcpcheck fuzz`; replay with `mcpcheck run --scenarios DIR --only {id}`."
    );
    let _ = writeln!(y, "id: {id}");
    let _ = writeln!(
        y,
        "title: {}",
        yaml_str(&format!(
            "Fuzz finding: {} ({})",
            f.problem.message, f.problem.requirement
        ))
    );
    let _ = writeln!(y, "area: fuzz");
    if f.stdio {
        let _ = writeln!(y, "requires:\n  - transport: stdio");
    } else {
        let _ = writeln!(y, "requires:\n  - transport: http");
    }
    let mut d = String::new();
    let _ = writeln!(
        d,
        "Found by mcpcheck fuzz with seed {seed}, request {} ({}).",
        f.case.index, f.case.label
    );
    let _ = writeln!(
        d,
        "Expected: {}. Actual: {}.",
        f.problem.expected, f.problem.actual
    );
    let _ = writeln!(
        d,
        "Shrunk in {} attempts from {} to {} bytes of body.",
        f.shrink_attempts,
        f.original.body.bytes().len(),
        f.shrunk_request.body.len()
    );
    let _ = writeln!(d, "Reproduce the campaign: {reproduce}");
    let _ = writeln!(
        d,
        "Original request body: {}",
        crate::util::clip(&String::from_utf8_lossy(&f.original_request.body), 2000)
    );
    let _ = writeln!(y, "description: {}", yaml_str(&d));
    let _ = writeln!(y, "steps:");
    let _ = writeln!(y, "  - name: shrunk request");
    let _ = writeln!(y, "    raw:");
    let _ = writeln!(y, "      method: POST");
    let headers: Vec<&(String, String)> = f
        .shrunk_request
        .headers
        .iter()
        .filter(|(k, _)| !k.eq_ignore_ascii_case("authorization"))
        .collect();
    if headers.is_empty() {
        let _ = writeln!(y, "      headers: {{}}");
    } else {
        let _ = writeln!(y, "      headers:");
        let mut names: Vec<&str> = Vec::new();
        for (k, _) in &headers {
            if !names.iter().any(|n| n.eq_ignore_ascii_case(k)) {
                names.push(k);
            }
        }
        for name in names {
            let values: Vec<&str> = headers
                .iter()
                .filter(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str())
                .collect();
            if values.len() == 1 {
                let _ = writeln!(y, "        {}: {}", yaml_str(name), yaml_str(values[0]));
            } else {
                let list: Vec<String> = values.iter().map(|v| yaml_str(v)).collect();
                let _ = writeln!(y, "        {}: [{}]", yaml_str(name), list.join(", "));
            }
        }
    }
    let body = &f.shrunk_request.body;
    match std::str::from_utf8(body) {
        // Scenario strings interpolate `${...}`: such a body goes as base64, which is sent as is.
        Ok(text) if !text.contains("${") => {
            let _ = writeln!(y, "      body: {}", yaml_str(text));
        }
        _ => {
            let _ = writeln!(
                y,
                "      body_base64: {}",
                base64::engine::general_purpose::STANDARD.encode(body)
            );
        }
    }
    let _ = writeln!(y, "    expect:");
    let req = f.problem.requirement;
    let robust = super::oracle::robustness_requirement(&f.case);
    let _ = writeln!(
        y,
        "      - answered: true\n        level: must\n        req: {robust}"
    );
    if !f.stdio {
        let statuses = if f.case.is_notification() {
            "[202, \"4xx\"]"
        } else {
            "[200, 202, \"4xx\"]"
        };
        let status_req = match f.problem.kind {
            Kind::NotificationAnswered => "HTTP-05",
            Kind::BadStatus => "HTTP-24",
            _ => robust,
        };
        let _ = writeln!(
            y,
            "      - status: {statuses}\n        level: must\n        req: {status_req}"
        );
    }
    match f.problem.kind {
        Kind::SchemaInvalid => {
            let _ = writeln!(
                y,
                "      - schema_valid: true\n        level: must\n        req: {req}"
            );
        }
        Kind::IdMismatch => {
            let _ = writeln!(
                y,
                "      - id_echo: true\n        level: must\n        req: {req}"
            );
        }
        Kind::NoResponse => {
            let _ = writeln!(
                y,
                "      - result: true\n        id: answered-with-a-response\n        level: must\n        req: {req}\n        message: the request got no JSON-RPC response"
            );
        }
        _ => {}
    }
    let _ = writeln!(y, "  - name: the server still answers");
    let _ = writeln!(y, "    request:\n      method: server/discover");
    let _ = writeln!(
        y,
        "    expect:\n      - result: true\n        level: must\n        req: {robust}"
    );
    (format!("{id}.yaml"), y)
}

/// The request as sent, for the record.
pub fn body_text(body: &Body) -> String {
    String::from_utf8_lossy(&body.bytes()).into_owned()
}
