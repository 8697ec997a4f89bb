//! Markdown summary (GitHub-flavoured), for pull requests and `$GITHUB_STEP_SUMMARY`: the
//! verdict, counts by area, each unexpected failure folded under `<details>`, the baseline and
//! fuzz findings. Kept well under GitHub's 1 MiB step-summary limit by capping the failures
//! shown in full.

use std::fmt::Write as _;

use crate::record::{CheckRecord, RunRecord, Status, Verdict};

/// Failures shown with their details; the rest are listed one line each.
const DETAILED_FAILURES: usize = 50;
/// Characters of a body or curl command shown in a failure.
const SNIPPET_LIMIT: usize = 1500;

pub(crate) fn render(record: &RunRecord) -> String {
    let mut out = String::new();
    let verdict = record.verdict();
    let mark = match verdict {
        Verdict::Pass => "✅",
        Verdict::Fail => "❌",
        Verdict::NothingRan => "⚠️",
    };
    let server = match &record.server {
        Some(s) => format!(" — {} {}", cell(&s.name), cell(&s.version)),
        None => String::new(),
    };
    let _ = writeln!(
        out,
        "## {mark} MCP conformance: {}{server}\n",
        verdict.as_str()
    );
    let _ = writeln!(out, "`{}`\n", record.one_line_summary().replace('`', "'"));
    let target = record.target.describe();
    let _ = writeln!(
        out,
        "Target `{}` · revision {} · {} {} · {}{}\n",
        target.replace('`', "'"),
        record.revision,
        record.tool.name,
        record.tool.version,
        record.started_at,
        if record.strict { " · strict" } else { "" }
    );

    let _ = writeln!(
        out,
        "| area | passed | failed | warned | not applicable | errored |\n|---|--:|--:|--:|--:|--:|"
    );
    for a in record.area_counts() {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            cell(a.area),
            a.of(Status::Pass),
            a.of(Status::Fail),
            a.of(Status::Warn),
            a.of(Status::NotApplicable),
            a.of(Status::Error)
        );
    }
    let _ = writeln!(
        out,
        "| **all** | **{}** | **{}** | **{}** | **{}** | **{}** |\n",
        record.summary.passed,
        record.summary.failed,
        record.summary.warned,
        record.summary.not_applicable,
        record.summary.errored
    );

    let unexpected: Vec<&CheckRecord> = crate::baseline::unexpected_failures(record).collect();
    if !unexpected.is_empty() {
        let _ = writeln!(out, "### Failures ({})\n", unexpected.len());
        failure_list(&mut out, &unexpected);
    }
    let warned: Vec<&CheckRecord> = record
        .checks
        .iter()
        .filter(|c| c.status == Status::Warn && c.baseline.is_none())
        .collect();
    if !warned.is_empty() {
        let _ = writeln!(out, "### Warnings: SHOULD not met ({})\n", warned.len());
        failure_list(&mut out, &warned);
    }
    if let Some(b) = &record.baseline {
        let _ = writeln!(out, "### Baseline `{}`\n", b.file.replace('`', "'"));
        if !b.stale.is_empty() {
            let _ = writeln!(
                out,
                "**Stale entries** (they now pass; the run fails until they are deleted):\n"
            );
            for e in &b.stale {
                let _ = writeln!(
                    out,
                    "- {}",
                    cell(&crate::baseline::stale_message(&b.file, e))
                );
            }
            out.push('\n');
        }
        entry_list(&mut out, "Expected failures (still failing):", &b.expected);
        entry_list(
            &mut out,
            "Entries that matched no check in this run:",
            &b.unmatched,
        );
    }
    if let Some(f) = &record.fuzz {
        let _ = writeln!(
            out,
            "### Fuzzing: {} finding(s)\n\nSeed {} · {} requests · {:.0} req/s · reproduce: `{}`\n",
            f.findings.len(),
            f.seed,
            f.requests,
            f.requests_per_second,
            f.reproduce.replace('`', "'")
        );
        if !f.findings.is_empty() {
            let _ = writeln!(
                out,
                "| finding | kind | requirement | message | replay |\n|---|---|---|---|---|"
            );
            for x in &f.findings {
                let _ = writeln!(
                    out,
                    "| `{}` | {} | {} | {} | {} |",
                    x.id.replace('`', "'"),
                    cell(&x.kind),
                    cell(&x.requirement),
                    cell(&x.message),
                    x.replay.as_deref().map(cell).unwrap_or_default()
                );
            }
            out.push('\n');
        }
    }
    out
}

/// A titled list of baseline entries with their line numbers (nothing when there are none).
fn entry_list(out: &mut String, title: &str, entries: &[crate::record::BaselineEntry]) {
    if entries.is_empty() {
        return;
    }
    let _ = writeln!(out, "{title}\n");
    for e in entries {
        let _ = writeln!(out, "- line {}: `{}`", e.line, e.entry.replace('`', "'"));
    }
    out.push('\n');
}

fn failure_list(out: &mut String, checks: &[&CheckRecord]) {
    for c in checks.iter().take(DETAILED_FAILURES) {
        let _ = writeln!(
            out,
            "<details><summary><b>{}</b> {} ({}) <code>{}:{}</code>: {}</summary>\n",
            crate::console::status_tag(c.status),
            html(&c.requirement),
            c.level.as_str(),
            html(&c.scenario),
            html(&c.id),
            html(&c.message)
        );
        let _ = writeln!(out, "- rule: {}", cell(&c.rule));
        if let Some(e) = &c.expected {
            let _ = writeln!(out, "- expected: {}", cell(e));
        }
        if let Some(a) = &c.actual {
            let _ = writeln!(out, "- actual: {}", cell(a));
        }
        if let Some(s) = &c.step {
            let _ = writeln!(out, "- step: {}", cell(s));
        }
        if let Some(x) = &c.exchange {
            let mut t = format!("{} {}\n", x.request.method, x.request.url);
            if !x.request.body.is_empty() {
                t.push_str(&cut(&x.request.body));
                t.push('\n');
            }
            match (&x.response, &x.transport_error) {
                (Some(r), _) => {
                    t.push_str(&format!("→ HTTP {}\n", r.status));
                    if !r.body.is_empty() {
                        t.push_str(&cut(&r.body));
                        t.push('\n');
                    }
                }
                (None, Some(e)) => t.push_str(&format!("→ transport error: {e}\n")),
                (None, None) => {}
            }
            out.push('\n');
            fenced(out, "", &t);
        }
        if let Some(curl) = &c.curl {
            out.push('\n');
            fenced(out, "sh", &cut(curl));
        }
        let _ = writeln!(out, "\n</details>\n");
    }
    if checks.len() > DETAILED_FAILURES {
        let _ = writeln!(
            out,
            "…and {} more (see the JSON or HTML report):\n",
            checks.len() - DETAILED_FAILURES
        );
        for c in checks.iter().skip(DETAILED_FAILURES) {
            let _ = writeln!(
                out,
                "- {} `{}:{}`: {}",
                c.requirement,
                c.scenario.replace('`', "'"),
                c.id.replace('`', "'"),
                cell(&c.message)
            );
        }
        out.push('\n');
    }
}

/// A fenced block whose fence is longer than any run of backticks inside.
fn fenced(out: &mut String, lang: &str, text: &str) {
    let mut longest = 0;
    let mut run = 0;
    for ch in text.chars() {
        run = if ch == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest.max(2) + 1);
    let _ = writeln!(out, "{fence}{lang}\n{}\n{fence}", text.trim_end());
}

fn cut(s: &str) -> String {
    match s.char_indices().nth(SNIPPET_LIMIT) {
        Some((i, _)) => format!("{}… ({} more characters)", &s[..i], s[i..].chars().count()),
        None => s.to_string(),
    }
}

/// Text for a table cell or list item: one line, HTML and Markdown specials neutralised.
fn cell(s: &str) -> String {
    html(s)
        .replace('|', "\\|")
        .replace(['\n', '\r', '\t'], " ")
        .replace('`', "'")
        .replace('*', "\\*")
        .replace('_', "\\_")
        .replace('[', "\\[")
}

fn html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
