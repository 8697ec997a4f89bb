//! Human console report: header, scenarios grouped by area, full detail for every failing, warning
//! or erroring check (h2spec / hurl style), and a summary block.

use std::fmt::Write as _;

use crate::ConsoleOptions;
use crate::record::{CheckRecord, Exchange, RunRecord, ScenarioRecord, Status};

/// Bodies (request and response) are cut to this many characters in the report.
pub const BODY_DISPLAY_LIMIT: usize = 2000;

/// Column at which check details start (under the requirement id of the check line).
const DETAIL_INDENT: usize = 11;

#[derive(Clone, Copy)]
enum Style {
    Green,
    Red,
    Yellow,
    Dim,
    Magenta,
    Bold,
}

impl Style {
    fn code(self) -> &'static str {
        match self {
            Style::Green => "32",
            Style::Red => "31",
            Style::Yellow => "33",
            Style::Dim => "2",
            Style::Magenta => "35",
            Style::Bold => "1",
        }
    }
}

/// Wraps `text` in an ANSI style when colour is on.
fn paint(color: bool, style: Style, text: &str) -> String {
    if color {
        format!("\x1b[{}m{}\x1b[0m", style.code(), text)
    } else {
        text.to_string()
    }
}

fn status_style(status: Status) -> Style {
    match status {
        Status::Pass => Style::Green,
        Status::Fail => Style::Red,
        Status::Warn => Style::Yellow,
        Status::NotApplicable => Style::Dim,
        Status::Error => Style::Magenta,
    }
}

/// The upper-case tag used on scenario and check lines.
pub(crate) fn status_tag(status: Status) -> &'static str {
    match status {
        Status::Pass => "PASS",
        Status::Fail => "FAIL",
        Status::Warn => "WARN",
        Status::NotApplicable => "N/A",
        Status::Error => "ERROR",
    }
}

/// The tag padded to a fixed width (then coloured, so padding is not counted in escapes).
fn padded_tag(color: bool, status: Status, tag: &str) -> String {
    let padded = format!("{tag:<5}");
    paint(color, status_style(status), &padded)
}

pub(crate) fn render(record: &RunRecord, opts: ConsoleOptions) -> String {
    let color = opts.color;
    let mut out = String::new();
    header(&mut out, record, color);

    let id_width = record
        .scenarios
        .iter()
        .map(|s| s.id.chars().count())
        .max()
        .unwrap_or(0);
    let title_width = record
        .scenarios
        .iter()
        .map(|s| s.title.chars().count())
        .max()
        .unwrap_or(0);

    for area in areas_in_order(&record.scenarios) {
        let _ = writeln!(out);
        let _ = writeln!(out, "{}", paint(color, Style::Bold, area));
        for scenario in record.scenarios.iter().filter(|s| s.area == area) {
            let checks: Vec<&CheckRecord> = record
                .checks
                .iter()
                .filter(|c| c.scenario == scenario.id)
                .collect();
            scenario_line(&mut out, scenario, &checks, (id_width, title_width), color);
            // Each step's exchange is printed once per scenario, under its first reported check.
            let mut shown_steps: Vec<&str> = Vec::new();
            for check in checks {
                check_entry(&mut out, check, opts, &mut shown_steps);
            }
        }
    }

    // Checks whose scenario is not listed (should not happen; shown rather than dropped).
    let orphans: Vec<&CheckRecord> = record
        .checks
        .iter()
        .filter(|c| !record.scenarios.iter().any(|s| s.id == c.scenario))
        .collect();
    if !orphans.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "{}",
            paint(color, Style::Bold, "(checks of unlisted scenarios)")
        );
        for check in orphans {
            check_entry(&mut out, check, opts, &mut Vec::new());
        }
    }

    summary(&mut out, record, color);
    out
}

fn header(out: &mut String, record: &RunRecord, color: bool) {
    let title = format!(
        "{} {} — MCP server conformance report",
        record.tool.name, record.tool.version
    );
    let _ = writeln!(out, "{}", paint(color, Style::Bold, &title));
    let _ = writeln!(out, "revision:  {}", record.revision);
    let _ = writeln!(out, "target:    {}", record.target.describe());
    let server = match &record.server {
        Some(s) => match &s.title {
            Some(t) => format!("{} {} ({t})", s.name, s.version),
            None => format!("{} {}", s.name, s.version),
        },
        None => "(not reported)".to_string(),
    };
    let _ = writeln!(out, "server:    {server}");
    let _ = writeln!(out, "started:   {}", record.started_at);
    let strict = if record.strict {
        "yes (SHOULD violations fail)"
    } else {
        "no"
    };
    let _ = writeln!(out, "strict:    {strict}");
}

/// Areas in the order they first appear among the scenarios.
fn areas_in_order(scenarios: &[ScenarioRecord]) -> Vec<&str> {
    let mut areas: Vec<&str> = Vec::new();
    for s in scenarios {
        if !areas.contains(&s.area.as_str()) {
            areas.push(&s.area);
        }
    }
    areas
}

/// "4 checks: 2 passed, 1 failed, 1 warned" (only non-zero parts), or "no checks".
fn check_counts(checks: &[&CheckRecord]) -> String {
    if checks.is_empty() {
        return "no checks".to_string();
    }
    let count = |st: Status| checks.iter().filter(|c| c.status == st).count();
    let parts: Vec<String> = [
        (Status::Pass, "passed"),
        (Status::Fail, "failed"),
        (Status::Warn, "warned"),
        (Status::NotApplicable, "not applicable"),
        (Status::Error, "errored"),
    ]
    .iter()
    .filter_map(|(st, word)| {
        let n = count(*st);
        (n > 0).then(|| format!("{n} {word}"))
    })
    .collect();
    let noun = if checks.len() == 1 { "check" } else { "checks" };
    format!("{} {noun}: {}", checks.len(), parts.join(", "))
}

fn scenario_line(
    out: &mut String,
    scenario: &ScenarioRecord,
    checks: &[&CheckRecord],
    (id_width, title_width): (usize, usize),
    color: bool,
) {
    let tag = padded_tag(color, scenario.status, status_tag(scenario.status));
    let _ = writeln!(
        out,
        "  {tag}  {:<id_width$}  {:<title_width$}  ({})",
        scenario.id,
        scenario.title,
        check_counts(checks)
    );
    if matches!(scenario.status, Status::NotApplicable | Status::Error)
        && let Some(reason) = &scenario.reason
    {
        let _ = writeln!(out, "{}reason: {reason}", " ".repeat(DETAIL_INDENT));
    }
}

fn check_entry<'a>(
    out: &mut String,
    check: &'a CheckRecord,
    opts: ConsoleOptions,
    shown_steps: &mut Vec<&'a str>,
) {
    let color = opts.color;
    match check.status {
        // A failure the baseline expects: one line, details only when verbose, so that the
        // report leads with regressions.
        Status::Fail | Status::Warn | Status::Error
            if check.baseline.is_some() && !opts.verbose =>
        {
            let tag = paint(color, Style::Dim, &format!("{:<5}", "XFAIL"));
            let _ = writeln!(
                out,
                "    {tag}  {}: {}",
                check_heading(check),
                check.message
            );
            baseline_line(out, check);
        }
        Status::Fail | Status::Warn | Status::Error => {
            let tag = padded_tag(color, check.status, status_tag(check.status));
            let _ = writeln!(out, "    {tag}  {}", check_heading(check));
            baseline_line(out, check);
            let step = check.step.as_deref().unwrap_or("");
            let first_for_step = check.exchange.is_none() || !shown_steps.contains(&step);
            if check.exchange.is_some() && first_for_step {
                shown_steps.push(step);
            }
            for line in detail_lines(check, first_for_step) {
                if line.is_empty() {
                    let _ = writeln!(out);
                } else {
                    let _ = writeln!(out, "{}{line}", " ".repeat(DETAIL_INDENT));
                }
            }
        }
        Status::Pass if opts.verbose => {
            let tag = padded_tag(color, check.status, "pass");
            let _ = writeln!(out, "    {tag}  {}", check_heading(check));
        }
        Status::NotApplicable if opts.verbose => {
            let tag = padded_tag(color, check.status, "n/a");
            let _ = writeln!(
                out,
                "    {tag}  {}: {}",
                check_heading(check),
                check.message
            );
        }
        _ => {}
    }
}

/// `STATELESS-02 (MUST) meta-missing-protocol-version`
pub(crate) fn check_heading(check: &CheckRecord) -> String {
    format!(
        "{} ({}) {}",
        check.requirement,
        check.level.as_str(),
        check.id
    )
}

/// The detail lines of a failing / warning / erroring check, without indentation or colour.
/// Shared by the console report and the JUnit failure text.
pub(crate) fn detail_lines(check: &CheckRecord, with_exchange: bool) -> Vec<String> {
    let mut lines = Vec::new();
    // The generic message only restates expected/actual, which follow on their own lines.
    if !check.message_restates_expected() {
        lines.push(check.message.clone());
    }
    lines.push(format!("rule: {}", check.rule));
    if let Some(e) = &check.expected {
        lines.push(format!("expected: {e}"));
    }
    if let Some(a) = &check.actual {
        lines.push(format!("actual:   {a}"));
    }
    if let Some(s) = &check.step {
        lines.push(format!("step: {s}"));
    }
    if !with_exchange {
        if check.exchange.is_some() {
            lines.push("exchange: as shown above for this step".to_string());
        }
        return lines;
    }
    if let Some(x) = &check.exchange {
        exchange_lines(&mut lines, x);
    }
    if let Some(c) = &check.curl {
        lines.push(format!("reproduce: {c}"));
    }
    lines
}

/// The baseline entry that expects this check, under the check's heading.
fn baseline_line(out: &mut String, check: &CheckRecord) {
    if let Some(b) = &check.baseline {
        let _ = writeln!(
            out,
            "{}expected by the baseline (line {}: {})",
            " ".repeat(DETAIL_INDENT),
            b.line,
            b.entry
        );
    }
}

fn exchange_lines(lines: &mut Vec<String>, x: &Exchange) {
    let req = &x.request;
    lines.push(format!("> {} {}", req.method, req.url));
    for (k, v) in &req.headers {
        lines.push(format!("> {k}: {v}"));
    }
    body_lines(lines, "> ", &req.body, false);
    if let Some(resp) = &x.response {
        lines.push(format!("< {} ({} ms)", resp.status, x.elapsed_ms));
        for (k, v) in &resp.headers {
            lines.push(format!("< {k}: {v}"));
        }
        body_lines(lines, "< ", &resp.body, resp.truncated);
    }
    if let Some(log) = x.stderr.as_deref().filter(|l| !l.trim().is_empty()) {
        lines.push("server stderr (last lines):".to_string());
        for l in log
            .lines()
            .rev()
            .take(20)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
        {
            lines.push(format!("! {l}"));
        }
    }
    if let Some(err) = &x.transport_error {
        lines.push(format!("transport error after {} ms: {err}", x.elapsed_ms));
    }
}

fn body_lines(lines: &mut Vec<String>, prefix: &str, body: &str, truncated_in_record: bool) {
    if body.is_empty() {
        return;
    }
    let (shown, cut) = cut_chars(body, BODY_DISPLAY_LIMIT);
    for l in shown.lines() {
        lines.push(format!("{prefix}{l}").trim_end().to_string());
    }
    if cut > 0 {
        lines.push(format!("{prefix}… ({cut} more characters not shown)"));
    } else if truncated_in_record {
        lines.push(format!("{prefix}… (body truncated in the run record)"));
    }
}

/// The first `limit` characters of `s`, and how many characters were left out.
fn cut_chars(s: &str, limit: usize) -> (&str, usize) {
    match s.char_indices().nth(limit) {
        Some((idx, _)) => (&s[..idx], s[idx..].chars().count()),
        None => (s, 0),
    }
}

fn summary(out: &mut String, record: &RunRecord, color: bool) {
    let s = &record.summary;
    let _ = writeln!(out);
    let _ = writeln!(out, "{}", paint(color, Style::Bold, "summary"));
    let scen = |st: Status| record.scenarios.iter().filter(|x| x.status == st).count();
    let _ = writeln!(
        out,
        "  {:<18}{} ({} passed, {} failed, {} warned, {} not applicable, {} errored)",
        "scenarios:",
        record.scenarios.len(),
        scen(Status::Pass),
        scen(Status::Fail),
        scen(Status::Warn),
        scen(Status::NotApplicable),
        scen(Status::Error)
    );
    let _ = writeln!(out, "  {:<18}{}", "checks:", s.total);
    let rows = [
        (Status::Pass, "passed", s.passed),
        (Status::Fail, "failed", s.failed),
        (Status::Warn, "warned", s.warned),
        (Status::NotApplicable, "not applicable", s.not_applicable),
        (Status::Error, "errored", s.errored),
    ];
    for (st, word, n) in rows {
        let label = format!("{word}:");
        let value = n.to_string();
        let value = if n > 0 {
            paint(color, status_style(st), &value)
        } else {
            value
        };
        let _ = writeln!(out, "    {label:<16}{value}");
    }
    if s.expected_failures > 0 {
        let _ = writeln!(
            out,
            "    {:<16}{} (listed in the baseline)",
            "expected:", s.expected_failures
        );
    }
    let reqs = if record.requirements.is_empty() {
        format!("{} passed (distinct ids)", s.requirements_passed)
    } else {
        format!(
            "{} of {} passed",
            s.requirements_passed,
            record.requirements.len()
        )
    };
    let _ = writeln!(out, "  {:<18}{reqs}", "requirements:");
    let _ = writeln!(out, "  {:<18}{} ms", "duration:", record.duration_ms);
    if let Some(b) = &record.baseline {
        baseline_lines(out, b, color);
    }
    let _ = writeln!(out);
    let verdict = record.verdict();
    let style = match verdict {
        crate::Verdict::Pass => Style::Green,
        crate::Verdict::Fail => Style::Red,
        crate::Verdict::NothingRan => Style::Yellow,
    };
    let line = record.one_line_summary();
    let _ = writeln!(out, "{}", paint(color, style, &line));
}

/// The baseline block: stale entries (each saying which line to delete) and entries that
/// matched nothing.
fn baseline_lines(out: &mut String, b: &crate::BaselineRecord, color: bool) {
    let _ = writeln!(
        out,
        "  {:<18}{}: {} expected, {} stale, {} matched nothing",
        "baseline:",
        b.file,
        b.expected.len(),
        b.stale.len(),
        b.unmatched.len()
    );
    for e in &b.stale {
        let msg = crate::baseline::stale_message(&b.file, e);
        let _ = writeln!(out, "    {}  {msg}", paint(color, Style::Red, "STALE"));
    }
    for e in &b.unmatched {
        let _ = writeln!(
            out,
            "    {}   {}:{}: `{}` matched no check that ran in this run (no such scenario or check, or it was not applicable)",
            paint(color, Style::Dim, "NOTE"),
            b.file,
            e.line,
            e.entry
        );
    }
}

/// One line per check that did not pass (expected failures marked XFAIL), stale baseline
/// entries, then the one-line summary: for CI logs.
pub(crate) fn render_compact(record: &RunRecord, color: bool) -> String {
    let mut out = String::new();
    for c in &record.checks {
        if !matches!(c.status, Status::Fail | Status::Warn | Status::Error) {
            continue;
        }
        let tag = if c.baseline.is_some() {
            paint(color, Style::Dim, &format!("{:<5}", "XFAIL"))
        } else {
            padded_tag(color, c.status, status_tag(c.status))
        };
        let mut line = format!(
            "{tag} {} {}:{} {}",
            c.requirement, c.scenario, c.id, c.message
        );
        if let (Some(e), Some(a)) = (&c.expected, &c.actual)
            && !c.message_restates_expected()
        {
            line.push_str(&format!(" (expected {e}, got {a})"));
        }
        let _ = writeln!(out, "{}", one_line(&line));
    }
    if let Some(b) = &record.baseline {
        for e in &b.stale {
            let msg = crate::baseline::stale_message(&b.file, e);
            let _ = writeln!(out, "{} {msg}", paint(color, Style::Red, "STALE"));
        }
    }
    let _ = writeln!(out, "{}", record.one_line_summary());
    out
}

/// Newlines and tabs folded so that an entry stays on one line.
fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::cut_chars;

    #[test]
    fn cut_respects_char_boundaries() {
        assert_eq!(cut_chars("héllo", 2), ("hé", 3));
        assert_eq!(cut_chars("abc", 3), ("abc", 0));
        assert_eq!(cut_chars("", 5), ("", 0));
    }
}
