//! HTML certification report: one self-contained HTML5 file (inline CSS and SVG, no script, no
//! external asset), readable on screen and in print.
//!
//! Every string that comes from the record goes through [`esc`]: server names, messages and
//! bodies are server-controlled and must be treated as hostile.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::BODY_DISPLAY_LIMIT;
use crate::baseline::stale_message;
use crate::record::{
    BaselineEntry, CheckRecord, Exchange, FuzzRecord, RequirementInfo, RunRecord, ScenarioRecord,
    Status, Target, Verdict,
};
use crate::sarif::spec_source_url;

/// Statuses in the order of the chart segments, legends and count columns.
const ORDER: [Status; 5] = Status::ALL;

/// Requirement rows list their checks inline up to this many, in a `<details>` beyond.
const INLINE_CHECKS: usize = 5;

/// Escapes text for HTML element content and quoted attribute values.
///
/// Besides `& < > " '`, control characters and Unicode bidirectional controls are shown as
/// `<U+XXXX>`: they are invisible or reorder the text around them, which in a report about a
/// hostile server would hide what it really sent.
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // CR stays: HTML parsing folds CRLF line ends into LF, which is what they mean.
            '\t' | '\n' | '\r' => out.push(c),
            c if c.is_control()
                || matches!(c, '\u{200E}' | '\u{200F}' | '\u{061C}')
                || ('\u{202A}'..='\u{202E}').contains(&c)
                || ('\u{2066}'..='\u{2069}').contains(&c) =>
            {
                let _ = write!(out, "&lt;U+{:04X}&gt;", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

fn label(st: Status) -> &'static str {
    match st {
        Status::Pass => "PASS",
        Status::Fail => "FAIL",
        Status::Warn => "WARN",
        Status::NotApplicable => "N/A",
        Status::Error => "ERROR",
    }
}

fn word(st: Status) -> &'static str {
    match st {
        Status::Pass => "pass",
        Status::Fail => "fail",
        Status::Warn => "warn",
        Status::NotApplicable => "n/a",
        Status::Error => "error",
    }
}

/// CSS class suffix of a status.
fn cls(st: Status) -> &'static str {
    match st {
        Status::Pass => "pass",
        Status::Fail => "fail",
        Status::Warn => "warn",
        Status::NotApplicable => "na",
        Status::Error => "error",
    }
}

/// Chart colour of a status (also in the stylesheet; the SVG carries its own fills so it stays
/// correct when copied out of the page).
fn colour(st: Status) -> &'static str {
    match st {
        Status::Pass => "#1a7f37",
        Status::Fail => "#cf222e",
        Status::Warn => "#d4a72c",
        Status::NotApplicable => "#8c959f",
        Status::Error => "#8250df",
    }
}

/// Status precedence for a requirement: fail > error > warn > pass > n/a. An error is ranked
/// above a warning because it means the requirement could not be judged at all.
fn severity(st: Status) -> u8 {
    match st {
        Status::Fail => 4,
        Status::Error => 3,
        Status::Warn => 2,
        Status::Pass => 1,
        Status::NotApplicable => 0,
    }
}

fn badge(st: Status) -> String {
    format!(r#"<span class="badge b-{}">{}</span>"#, cls(st), label(st))
}

fn is_failure(st: Status) -> bool {
    matches!(st, Status::Fail | Status::Error | Status::Warn)
}

fn secs(ms: u64) -> String {
    format!("{:.1} s", ms as f64 / 1000.0)
}

/// The first `limit` characters of `s`, and how many characters were left out.
fn cut(s: &str, limit: usize) -> (&str, usize) {
    match s.char_indices().nth(limit) {
        Some((i, _)) => (&s[..i], s[i..].chars().count()),
        None => (s, 0),
    }
}

/// Lookups shared by the sections.
struct Ctx<'a> {
    r: &'a RunRecord,
    scenarios: BTreeMap<&'a str, &'a ScenarioRecord>,
    /// Indexes into `r.checks`, per requirement id, in run order.
    by_req: BTreeMap<&'a str, Vec<usize>>,
}

impl<'a> Ctx<'a> {
    fn new(r: &'a RunRecord) -> Self {
        let mut scenarios = BTreeMap::new();
        for s in &r.scenarios {
            scenarios.entry(s.id.as_str()).or_insert(s);
        }
        let mut by_req: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (i, c) in r.checks.iter().enumerate() {
            by_req.entry(c.requirement.as_str()).or_default().push(i);
        }
        Ctx {
            r,
            scenarios,
            by_req,
        }
    }

    fn baseline_file(&self) -> &str {
        self.r
            .baseline
            .as_ref()
            .map_or("baseline", |b| b.file.as_str())
    }
}

/// Anchor of a failing check's section (indexes, because check ids repeat across scenarios).
fn check_anchor(i: usize) -> String {
    format!("check-{i}")
}

pub(crate) fn render(record: &RunRecord) -> String {
    let ctx = Ctx::new(record);
    let mut out = String::with_capacity(64 * 1024);
    head(&mut out, record);
    out.push_str("<body>\n<div class=\"page\">\n");
    header(&mut out, record);
    nav(&mut out, record);
    out.push_str("<main>\n");
    summary(&mut out, record);
    areas(&mut out, record);
    traceability(&mut out, &ctx);
    failures(&mut out, &ctx);
    if let Some(b) = &record.baseline {
        baseline(&mut out, &ctx, b);
    }
    if let Some(f) = &record.fuzz {
        fuzz(&mut out, &ctx, f);
    }
    not_applicable(&mut out, record);
    out.push_str("</main>\n");
    let _ = writeln!(
        out,
        "<footer>Generated by {} {} · MCP revision {} · run record version {}</footer>",
        esc(&record.tool.name),
        esc(&record.tool.version),
        esc(&record.revision),
        record.version
    );
    out.push_str("</div>\n</body>\n</html>\n");
    out
}

fn server_name(record: &RunRecord) -> String {
    match &record.server {
        Some(s) => s.title.clone().unwrap_or_else(|| s.name.clone()),
        None => "Unidentified server".to_string(),
    }
}

fn head(out: &mut String, record: &RunRecord) {
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let _ = writeln!(
        out,
        "<meta name=\"generator\" content=\"{} {}\">",
        esc(&record.tool.name),
        esc(&record.tool.version)
    );
    let _ = writeln!(
        out,
        "<title>MCP conformance report: {} ({})</title>",
        esc(&server_name(record)),
        record.verdict().as_str()
    );
    out.push_str("<style>\n");
    out.push_str(CSS);
    out.push_str("</style>\n</head>\n");
}

fn header(out: &mut String, r: &RunRecord) {
    let verdict = r.verdict();
    let vcls = match verdict {
        Verdict::Pass => "pass",
        Verdict::Fail => "fail",
        Verdict::NothingRan => "none",
    };
    out.push_str("<header class=\"top\">\n<div class=\"top-row\">\n<div class=\"top-title\">\n");
    let _ = writeln!(
        out,
        "<p class=\"kicker\">Server conformance · MCP revision {}</p>",
        esc(&r.revision)
    );
    out.push_str("<h1>MCP conformance report</h1>\n");
    match &r.server {
        Some(s) => {
            let title = s.title.as_deref().map_or(String::new(), |t| {
                format!("<span class=\"srv-title\">{}</span> ", esc(t))
            });
            let _ = writeln!(
                out,
                "<p class=\"srv\">{title}<span class=\"srv-id\">{} {}</span></p>",
                esc(&s.name),
                esc(&s.version)
            );
        }
        None => out.push_str("<p class=\"srv\"><span class=\"srv-title muted\">server did not report its identity</span></p>\n"),
    }
    out.push_str("</div>\n");
    let _ = writeln!(
        out,
        "<div class=\"verdict v-{vcls}\"><span class=\"verdict-k\">Verdict</span><span class=\"verdict-v\">{}</span></div>",
        verdict.as_str()
    );
    out.push_str("</div>\n");
    let _ = writeln!(
        out,
        "<p class=\"oneline\">{}</p>",
        esc(&r.one_line_summary())
    );

    out.push_str("<dl class=\"meta\">\n");
    let server = match &r.server {
        Some(s) => {
            let mut v = format!("<code>{}</code> {}", esc(&s.name), esc(&s.version));
            if let Some(t) = &s.title {
                let _ = write!(v, " ({})", esc(t));
            }
            v
        }
        None => "<span class=\"muted\">server did not report its identity</span>".to_string(),
    };
    meta_item(out, "Server", &server);
    meta_item(out, "Target", &target(&r.target));
    meta_item(out, "MCP revision", &esc(&r.revision));
    meta_item(out, "Started", &esc(&r.started_at));
    meta_item(out, "Duration", &secs(r.duration_ms));
    meta_item(
        out,
        "Tool",
        &format!("{} {}", esc(&r.tool.name), esc(&r.tool.version)),
    );
    meta_item(
        out,
        "Strict mode",
        if r.strict {
            "yes: a broken SHOULD fails"
        } else {
            "no: a broken SHOULD warns"
        },
    );
    if let Some(b) = &r.baseline {
        meta_item(out, "Baseline", &format!("<code>{}</code>", esc(&b.file)));
    }
    out.push_str("</dl>\n</header>\n");
}

fn meta_item(out: &mut String, key: &str, value_html: &str) {
    let _ = writeln!(out, "<div><dt>{key}</dt><dd>{value_html}</dd></div>");
}

fn target(t: &Target) -> String {
    match t {
        Target::Http { url } => format!("Streamable HTTP <code>{}</code>", esc(url)),
        Target::Bundled { url, fault } => {
            let fault = match fault {
                Some(f) => format!(", injected fault <code>{}</code>", esc(f)),
                None => ", no injected fault".to_string(),
            };
            format!("bundled reference server <code>{}</code>{fault}", esc(url))
        }
        Target::Stdio { command } => format!("stdio <code>{}</code>", esc(command)),
        Target::Instances { urls } => {
            let list: Vec<String> = urls
                .iter()
                .map(|u| format!("<code>{}</code>", esc(u)))
                .collect();
            format!("{} instances: {}", urls.len(), list.join(", "))
        }
    }
}

fn nav(out: &mut String, r: &RunRecord) {
    let failing = r.checks.iter().filter(|c| is_failure(c.status)).count();
    out.push_str("<nav class=\"toc\">");
    out.push_str("<a href=\"#summary\">Summary</a><a href=\"#areas\">Areas</a><a href=\"#traceability\">Traceability</a>");
    let _ = write!(
        out,
        "<a href=\"#failures\">Failures and warnings ({failing})</a>"
    );
    if r.baseline.is_some() {
        out.push_str("<a href=\"#baseline\">Baseline</a>");
    }
    if r.fuzz.is_some() {
        out.push_str("<a href=\"#fuzz\">Fuzz findings</a>");
    }
    out.push_str("<a href=\"#not-applicable\">Not applicable</a></nav>\n");
}

fn summary(out: &mut String, r: &RunRecord) {
    let s = &r.summary;
    out.push_str("<section id=\"summary\">\n<h2>Summary</h2>\n<div class=\"cards\">\n");
    let card = |out: &mut String, class: &str, n: String, what: &str, note: String| {
        let _ = writeln!(
            out,
            "<div class=\"card {class}\"><div class=\"card-n\">{n}</div><div class=\"card-k\">{what}</div>{note}</div>"
        );
    };
    let zero = |n: u64, class: &str| if n == 0 { "c-zero" } else { class }.to_string();
    card(
        out,
        &zero(s.passed, "c-pass"),
        s.passed.to_string(),
        "passed",
        String::new(),
    );
    let expected = if s.expected_failures > 0 {
        format!(
            "<div class=\"card-note\">{} expected (baseline)</div>",
            s.expected_failures
        )
    } else {
        String::new()
    };
    card(
        out,
        &zero(s.failed, "c-fail"),
        s.failed.to_string(),
        "failed",
        expected,
    );
    card(
        out,
        &zero(s.warned, "c-warn"),
        s.warned.to_string(),
        "warned",
        String::new(),
    );
    card(
        out,
        "c-zero",
        s.not_applicable.to_string(),
        "not applicable",
        String::new(),
    );
    card(
        out,
        &zero(s.errored, "c-error"),
        s.errored.to_string(),
        "errored",
        String::new(),
    );
    let reqs = if r.requirements.is_empty() {
        s.requirements_passed.to_string()
    } else {
        format!(
            "{}<span class=\"card-of\"> / {}</span>",
            s.requirements_passed,
            r.requirements.len()
        )
    };
    card(out, "c-req", reqs, "requirements passed", String::new());
    out.push_str("</div>\n");
    let _ = writeln!(
        out,
        "<p class=\"muted\">{} checks in {} scenarios. A requirement passes when at least one of its checks passed and none failed, warned or errored.</p>",
        s.total,
        r.scenarios.len()
    );
    out.push_str("</section>\n");
}

fn areas(out: &mut String, r: &RunRecord) {
    let rows = r.area_counts();
    out.push_str("<section id=\"areas\">\n<h2>Results by area</h2>\n");
    if rows.is_empty() {
        out.push_str("<p class=\"empty\">No scenario ran.</p>\n</section>\n");
        return;
    }
    chart(out, &rows);
    out.push_str("<table class=\"grid num\">\n<thead><tr><th scope=\"col\">Area</th><th scope=\"col\">Scenarios</th><th scope=\"col\">Checks</th>");
    for st in ORDER {
        let _ = write!(out, "<th scope=\"col\">{}</th>", badge(st));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for a in &rows {
        let _ = write!(
            out,
            "<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td>",
            esc(a.area),
            a.scenarios,
            a.total()
        );
        for (k, st) in ORDER.iter().enumerate() {
            let n = a.counts[k];
            if n == 0 {
                out.push_str("<td class=\"zero\">0</td>");
            } else {
                let _ = write!(out, "<td class=\"t-{}\">{n}</td>", cls(*st));
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n</section>\n");
}

/// One horizontal 100 % stacked bar per area (share of each status among its checks), counts in
/// the segments that are wide enough and the total at the end of the bar.
fn chart(out: &mut String, rows: &[crate::record::AreaCounts]) {
    const W: f64 = 960.0;
    const LABEL_X: f64 = 150.0;
    const BAR_X: f64 = 162.0;
    const BAR_W: f64 = 680.0;
    const ROW_H: f64 = 30.0;
    const BAR_H: f64 = 20.0;
    const TOP: f64 = 36.0;
    let h = TOP + ROW_H * rows.len() as f64 + 4.0;
    let _ = writeln!(
        out,
        "<svg class=\"chart\" role=\"img\" aria-labelledby=\"chart-title chart-desc\" viewBox=\"0 0 {W} {h}\" width=\"{W}\" height=\"{h}\" xmlns=\"http://www.w3.org/2000/svg\" font-family=\"system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif\" font-size=\"13\">"
    );
    out.push_str("<title id=\"chart-title\">Checks by area and status</title>\n");
    let desc: Vec<String> = rows
        .iter()
        .map(|a| {
            let parts: Vec<String> = ORDER
                .iter()
                .enumerate()
                .filter(|(k, _)| a.counts[*k] > 0)
                .map(|(k, st)| format!("{} {}", a.counts[k], word(*st)))
                .collect();
            format!(
                "{}: {}",
                a.area,
                if parts.is_empty() {
                    "no checks".to_string()
                } else {
                    parts.join(", ")
                }
            )
        })
        .collect();
    let _ = writeln!(
        out,
        "<desc id=\"chart-desc\">{}</desc>",
        esc(&desc.join("; "))
    );

    // Legend.
    let mut x = BAR_X;
    for st in ORDER {
        let _ = writeln!(
            out,
            "<rect x=\"{x}\" y=\"6\" width=\"14\" height=\"14\" rx=\"3\" fill=\"{}\"/><text x=\"{}\" y=\"18\" fill=\"#1f2328\">{}</text>",
            colour(st),
            x + 20.0,
            label(st)
        );
        x += 20.0 + 8.5 * label(st).len() as f64 + 24.0;
    }

    for (i, a) in rows.iter().enumerate() {
        let y = TOP + ROW_H * i as f64;
        let mid = y + BAR_H / 2.0 + 4.5;
        let name: String = if a.area.chars().count() > 20 {
            format!("{}…", a.area.chars().take(19).collect::<String>())
        } else {
            a.area.to_string()
        };
        let _ = writeln!(
            out,
            "<text x=\"{LABEL_X}\" y=\"{mid}\" text-anchor=\"end\" fill=\"#1f2328\" font-weight=\"600\">{}</text>",
            esc(&name)
        );
        let total = a.total();
        if total == 0 {
            let _ = writeln!(
                out,
                "<rect x=\"{BAR_X}\" y=\"{y}\" width=\"{BAR_W}\" height=\"{BAR_H}\" rx=\"3\" fill=\"#f6f8fa\" stroke=\"#d1d9e0\"/><text x=\"{}\" y=\"{mid}\" fill=\"#59636e\">no checks</text>",
                BAR_X + 8.0
            );
            continue;
        }
        // Segment edges from cumulative counts, so rounding never opens gaps.
        let mut cum = 0u64;
        for (k, st) in ORDER.iter().enumerate() {
            let n = a.counts[k];
            if n == 0 {
                continue;
            }
            let x0 = BAR_X + BAR_W * cum as f64 / total as f64;
            cum += n;
            let x1 = BAR_X + BAR_W * cum as f64 / total as f64;
            let w = x1 - x0;
            let _ = write!(
                out,
                "<rect x=\"{x0:.1}\" y=\"{y}\" width=\"{w:.1}\" height=\"{BAR_H}\" fill=\"{}\"><title>{}: {n} {}</title></rect>",
                colour(*st),
                esc(a.area),
                word(*st)
            );
            let digits = n.to_string().len() as f64;
            if w >= 8.0 * digits + 8.0 {
                let text_fill = if *st == Status::Warn {
                    "#1f2328"
                } else {
                    "#ffffff"
                };
                let _ = write!(
                    out,
                    "<text x=\"{:.1}\" y=\"{mid}\" text-anchor=\"middle\" fill=\"{text_fill}\" font-weight=\"600\">{n}</text>",
                    x0 + w / 2.0
                );
            }
            out.push('\n');
        }
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{mid}\" fill=\"#59636e\">{total} {}</text>",
            BAR_X + BAR_W + 10.0,
            if total == 1 { "check" } else { "checks" }
        );
    }
    out.push_str("</svg>\n");
}

/// How a requirement stands in this run.
enum ReqState {
    Checked(Status),
    NotCovered,
    NotRun,
}

fn traceability(out: &mut String, ctx: &Ctx) {
    let r = ctx.r;
    // Catalogue order, then ids the catalogue lacks (or every id, for records without a
    // catalogue) in order of first appearance among the checks.
    let mut rows: Vec<(&str, Option<&RequirementInfo>)> = r
        .requirements
        .iter()
        .map(|q| (q.id.as_str(), Some(q)))
        .collect();
    for c in &r.checks {
        if !rows.iter().any(|(id, _)| *id == c.requirement) {
            rows.push((&c.requirement, None));
        }
    }

    let state = |id: &str, info: Option<&RequirementInfo>| -> ReqState {
        match ctx.by_req.get(id) {
            Some(ix) => ReqState::Checked(
                ix.iter()
                    .map(|i| r.checks[*i].status)
                    .max_by_key(|s| severity(*s))
                    .expect("non-empty"),
            ),
            None if info.is_some_and(|q| q.uncovered.is_some()) => ReqState::NotCovered,
            None => ReqState::NotRun,
        }
    };

    out.push_str("<section id=\"traceability\">\n<h2>Requirement traceability</h2>\n");
    if rows.is_empty() {
        out.push_str("<p class=\"empty\">No requirement was checked.</p>\n</section>\n");
        return;
    }
    let mut tally: BTreeMap<&str, usize> = BTreeMap::new();
    for (id, info) in &rows {
        let k = match state(id, *info) {
            ReqState::Checked(st) => word(st),
            ReqState::NotCovered => "not covered",
            ReqState::NotRun => "not run",
        };
        *tally.entry(k).or_default() += 1;
    }
    let parts: Vec<String> = [
        "pass",
        "fail",
        "warn",
        "error",
        "n/a",
        "not covered",
        "not run",
    ]
    .iter()
    .filter_map(|k| tally.get(k).map(|n| format!("{n} {k}")))
    .collect();
    let _ = writeln!(
        out,
        "<p>{} requirements: {}. A requirement's status is the worst status of its checks (fail, then error, warn, pass, n/a).</p>",
        rows.len(),
        if parts.is_empty() {
            "none".to_string()
        } else {
            parts.join(", ")
        }
    );
    out.push_str("<table class=\"grid trace\">\n<thead><tr><th scope=\"col\">Requirement</th><th scope=\"col\">Level</th><th scope=\"col\">Title</th><th scope=\"col\">Checks</th><th scope=\"col\">Status</th></tr></thead>\n<tbody>\n");
    for (id, info) in &rows {
        let checks: Vec<(usize, &CheckRecord)> = ctx
            .by_req
            .get(id)
            .map(|ix| ix.iter().map(|i| (*i, &r.checks[*i])).collect())
            .unwrap_or_default();
        let st = state(id, *info);
        let row_cls = match st {
            ReqState::Checked(s) => cls(s),
            ReqState::NotCovered => "nc",
            ReqState::NotRun => "nr",
        };
        let _ = write!(
            out,
            "<tr id=\"req-{}\" class=\"r-{row_cls}\"><th scope=\"row\"><a href=\"#req-{}\">{}</a></th>",
            esc(id),
            esc(id),
            esc(id)
        );
        // Level and title: from the catalogue, else from the first check.
        match info {
            Some(q) => {
                let _ = write!(
                    out,
                    "<td class=\"lvl\">{}</td><td><div>{}</div>",
                    esc(&q.level),
                    esc(&q.title)
                );
                // Long paths may break after a slash rather than anywhere.
                let text = esc(&q.source).replace('/', "/<wbr>");
                let src = match spec_source_url(&q.source) {
                    Some(u) => format!("<a href=\"{}\">{text}</a>", esc(&u)),
                    None => text,
                };
                let _ = write!(out, "<div class=\"src\">{src}</div></td>");
            }
            None => {
                let first = checks.first().map(|(_, c)| *c);
                let _ = write!(
                    out,
                    "<td class=\"lvl\">{}</td><td><div>{}</div><div class=\"src\">not in the requirement catalogue</div></td>",
                    first.map_or("", |c| c.level.as_str()),
                    esc(first.map_or("", |c| c.rule.as_str()))
                );
            }
        }
        out.push_str("<td class=\"checks\">");
        check_list(out, &checks);
        out.push_str("</td><td class=\"st\">");
        match st {
            ReqState::Checked(s) => {
                out.push_str(&badge(s));
                // Failing only where the baseline expects it: say so next to the status.
                let worst: Vec<&&CheckRecord> =
                    checks.iter().map(|(_, c)| c).filter(|c| c.status == s).collect();
                if is_failure(s) && worst.iter().all(|c| c.baseline.is_some()) {
                    out.push_str("<div class=\"note\">expected failure (baseline)</div>");
                }
            }
            ReqState::NotCovered => {
                let reason = info.and_then(|q| q.uncovered.as_deref()).unwrap_or("");
                let _ = write!(
                    out,
                    "<span class=\"badge b-nc\">NOT COVERED</span><div class=\"note\">{}</div>",
                    esc(reason)
                );
            }
            ReqState::NotRun => out.push_str(
                "<span class=\"badge b-nr\">NOT RUN</span><div class=\"note\">not run in this run</div>",
            ),
        }
        out.push_str("</td></tr>\n");
    }
    out.push_str("</tbody>\n</table>\n</section>\n");
}

fn check_list(out: &mut String, checks: &[(usize, &CheckRecord)]) {
    if checks.is_empty() {
        out.push_str("<span class=\"muted\">none</span>");
        return;
    }
    if checks.len() <= INLINE_CHECKS {
        check_items(out, checks);
        return;
    }
    // A long list folds away, except its first few failing checks: those are what a reader
    // of the matrix looks for.
    let mut shown: Vec<(usize, &CheckRecord)> = Vec::new();
    let mut folded: Vec<(usize, &CheckRecord)> = Vec::new();
    for &(i, c) in checks {
        if is_failure(c.status) && shown.len() < INLINE_CHECKS {
            shown.push((i, c));
        } else {
            folded.push((i, c));
        }
    }
    if !shown.is_empty() {
        check_items(out, &shown);
    }
    let parts: Vec<String> = ORDER
        .iter()
        .filter_map(|st| {
            let n = folded.iter().filter(|(_, c)| c.status == *st).count();
            (n > 0).then(|| format!("{n} {}", word(*st)))
        })
        .collect();
    let _ = write!(
        out,
        "<details><summary>{} {}: {}</summary>",
        folded.len(),
        match (shown.is_empty(), folded.len()) {
            (true, _) => "checks",
            (false, 1) => "more check",
            (false, _) => "more checks",
        },
        parts.join(", ")
    );
    check_items(out, &folded);
    out.push_str("</details>");
}

fn check_items(out: &mut String, checks: &[(usize, &CheckRecord)]) {
    out.push_str("<ul class=\"clist\">");
    for (i, c) in checks {
        let name = format!("{}:{}", esc(&c.scenario), esc(&c.id));
        let name = if is_failure(c.status) {
            format!("<a href=\"#{}\"><code>{name}</code></a>", check_anchor(*i))
        } else {
            format!("<code>{name}</code>")
        };
        let _ = write!(out, "<li>{} {name}", badge(c.status));
        if let Some(e) = &c.baseline {
            let _ = write!(
                out,
                " <span class=\"note\">expected failure (baseline line {})</span>",
                e.line
            );
        }
        out.push_str("</li>");
    }
    out.push_str("</ul>");
}

fn failures(out: &mut String, ctx: &Ctx) {
    let r = ctx.r;
    let failing: Vec<(usize, &CheckRecord)> = r
        .checks
        .iter()
        .enumerate()
        .filter(|(_, c)| is_failure(c.status))
        .collect();
    let (expected, unexpected): (Vec<_>, Vec<_>) =
        failing.iter().partition(|(_, c)| c.baseline.is_some());
    out.push_str("<section id=\"failures\">\n<h2>Failures, errors and warnings</h2>\n");
    if failing.is_empty() {
        out.push_str("<p class=\"empty\">No check failed, errored or warned.</p>\n</section>\n");
        return;
    }
    let noun = |n: usize| if n == 1 { "check" } else { "checks" };
    let _ = write!(
        out,
        "<p>{} {} did not pass; they are listed in run order",
        failing.len(),
        noun(failing.len())
    );
    if !expected.is_empty() {
        let _ = write!(
            out,
            ", the {} {} the baseline expects last",
            expected.len(),
            noun(expected.len())
        );
    }
    out.push_str(".</p>\n");
    // Exchanges already printed, so a repeat (several checks judged on one exchange) links back.
    let mut shown: Vec<(usize, &CheckRecord)> = Vec::new();
    for (i, c) in &unexpected {
        finding(out, ctx, *i, c, &mut shown);
    }
    if !expected.is_empty() {
        let _ = writeln!(
            out,
            "<h3 class=\"group\">Expected failures (baseline <code>{}</code>)</h3>",
            esc(ctx.baseline_file())
        );
        for (i, c) in &expected {
            finding(out, ctx, *i, c, &mut shown);
        }
    }
    out.push_str("</section>\n");
}

fn finding<'a>(
    out: &mut String,
    ctx: &Ctx,
    i: usize,
    c: &'a CheckRecord,
    shown: &mut Vec<(usize, &'a CheckRecord)>,
) {
    let exp_cls = if c.baseline.is_some() {
        " expected"
    } else {
        ""
    };
    let _ = writeln!(
        out,
        "<section class=\"finding f-{}{exp_cls}\" id=\"{}\">",
        cls(c.status),
        check_anchor(i)
    );
    let _ = writeln!(
        out,
        "<div class=\"finding-head\">{}{}<h3><code>{}:{}</code></h3><span class=\"req\"><a href=\"#req-{}\">{}</a> <span class=\"lvl\">{}</span></span></div>",
        badge(c.status),
        if c.baseline.is_some() {
            "<span class=\"badge b-exp\">EXPECTED</span>"
        } else {
            ""
        },
        esc(&c.scenario),
        esc(&c.id),
        esc(&c.requirement),
        esc(&c.requirement),
        c.level.as_str()
    );
    if let Some(e) = &c.baseline {
        let _ = writeln!(
            out,
            "<p class=\"expected-note\">expected failure (baseline {} line {}): <code>{}</code></p>",
            esc(ctx.baseline_file()),
            e.line,
            esc(&e.entry)
        );
    }
    let _ = writeln!(out, "<p class=\"msg\">{}</p>", esc(&c.message));
    out.push_str("<dl class=\"facts\">");
    let scenario = match ctx.scenarios.get(c.scenario.as_str()) {
        Some(s) => format!("<code>{}</code> {}", esc(&s.id), esc(&s.title)),
        None => format!("<code>{}</code>", esc(&c.scenario)),
    };
    let _ = write!(out, "<dt>Scenario</dt><dd>{scenario}</dd>");
    let _ = write!(out, "<dt>Check</dt><dd><code>{}</code></dd>", esc(&c.id));
    let req = match ctx.r.requirement(&c.requirement) {
        Some(q) => format!(
            "<a href=\"#req-{}\">{}</a> {} ({})",
            esc(&q.id),
            esc(&q.id),
            esc(&q.title),
            esc(&q.level)
        ),
        None => format!(
            "<a href=\"#req-{}\">{}</a> ({})",
            esc(&c.requirement),
            esc(&c.requirement),
            c.level.as_str()
        ),
    };
    let _ = write!(out, "<dt>Requirement</dt><dd>{req}</dd>");
    let _ = write!(
        out,
        "<dt>Status</dt><dd>{} ({} level)</dd>",
        word(c.status),
        c.level.as_str()
    );
    if let Some(s) = &c.step {
        let _ = write!(out, "<dt>Step</dt><dd>{}</dd>", esc(s));
    }
    let _ = writeln!(out, "<dt>Rule</dt><dd>{}</dd></dl>", esc(&c.rule));
    if c.expected.is_some() || c.actual.is_some() {
        out.push_str("<div class=\"ea\">");
        for (k, v, class) in [
            ("Expected", &c.expected, "ea-exp"),
            ("Actual", &c.actual, "ea-act"),
        ] {
            let v = v
                .as_deref()
                .map_or("<span class=\"muted\">not recorded</span>".to_string(), esc);
            let _ = write!(
                out,
                "<div class=\"{class}\"><div class=\"ea-k\">{k}</div><div class=\"ea-v\">{v}</div></div>"
            );
        }
        out.push_str("</div>\n");
    }
    if let Some(x) = &c.exchange {
        let same = shown.iter().find(|(_, p)| {
            p.scenario == c.scenario && p.step == c.step && p.exchange.as_ref() == Some(x)
        });
        match same {
            Some((j, p)) => {
                let _ = writeln!(
                    out,
                    "<p class=\"muted\">Exchange: the same as for <a href=\"#{}\"><code>{}:{}</code></a>.</p>",
                    check_anchor(*j),
                    esc(&p.scenario),
                    esc(&p.id)
                );
            }
            None => {
                exchange(out, x);
                shown.push((i, c));
            }
        }
    }
    if let Some(curl) = &c.curl {
        let _ = writeln!(
            out,
            "<div class=\"pane\"><div class=\"pane-k\">Reproduce</div><pre class=\"curl\">{}</pre></div>",
            esc(curl)
        );
    }
    out.push_str("</section>\n");
}

/// A body for a `<pre>`, cut to the display limit with a note saying so.
fn body(out: &mut String, body: &str, truncated_in_record: bool) {
    if body.is_empty() {
        out.push_str("<span class=\"muted\">(empty body)</span>");
        return;
    }
    let (shown, more) = cut(body, BODY_DISPLAY_LIMIT);
    out.push_str(&esc(shown));
    if more > 0 {
        // The record may hold only the start of the body already; say so as well.
        let also = if truncated_in_record {
            "; the body was also cut for the report"
        } else {
            ""
        };
        let _ = write!(
            out,
            "\n<span class=\"cutnote\">… ({more} more characters not shown{also})</span>"
        );
    } else if truncated_in_record {
        out.push_str("\n<span class=\"cutnote\">… (cut for the report)</span>");
    }
}

fn exchange(out: &mut String, x: &Exchange) {
    let q = &x.request;
    out.push_str(
        "<div class=\"exchange\">\n<div class=\"pane\"><div class=\"pane-k\">Request</div><pre>",
    );
    let _ = writeln!(out, "<b>{} {}</b>", esc(&q.method), esc(&q.url));
    for (k, v) in &q.headers {
        let _ = writeln!(out, "<span class=\"hk\">{}:</span> {}", esc(k), esc(v));
    }
    out.push('\n');
    body(out, &q.body, false);
    out.push_str("</pre></div>\n");
    match &x.response {
        Some(resp) => {
            let _ = write!(
                out,
                "<div class=\"pane\"><div class=\"pane-k\">Response · HTTP {} · {} ms</div><pre>",
                resp.status, x.elapsed_ms
            );
            for (k, v) in &resp.headers {
                let _ = writeln!(out, "<span class=\"hk\">{}:</span> {}", esc(k), esc(v));
            }
            if !resp.headers.is_empty() {
                out.push('\n');
            }
            body(out, &resp.body, resp.truncated);
            if let Some(e) = &x.transport_error {
                let _ = write!(
                    out,
                    "\n<span class=\"terr\">transport error: {}</span>",
                    esc(e)
                );
            }
            out.push_str("</pre></div>\n");
        }
        None => {
            let _ = write!(
                out,
                "<div class=\"pane\"><div class=\"pane-k\">Response · none after {} ms</div><pre>",
                x.elapsed_ms
            );
            match &x.transport_error {
                Some(e) => {
                    let _ = write!(
                        out,
                        "<span class=\"terr\">transport error: {}</span>",
                        esc(e)
                    );
                }
                None => out.push_str("<span class=\"muted\">no response recorded</span>"),
            }
            out.push_str("</pre></div>\n");
        }
    }
    out.push_str("</div>\n");
    if let Some(log) = x.stderr.as_deref().filter(|l| !l.trim().is_empty()) {
        // The end of the log is what explains a crash; keep the last 20 lines.
        let lines: Vec<&str> = log.lines().collect();
        let tail = &lines[lines.len().saturating_sub(20)..];
        let _ = writeln!(
            out,
            "<div class=\"pane\"><div class=\"pane-k\">Server stderr (last {} lines)</div><pre>{}</pre></div>",
            tail.len(),
            esc(&tail.join("\n"))
        );
    }
}

fn baseline(out: &mut String, ctx: &Ctx, b: &crate::record::BaselineRecord) {
    out.push_str("<section id=\"baseline\">\n<h2>Expected-failures baseline</h2>\n");
    let _ = writeln!(
        out,
        "<p>File <code>{}</code>: {} expected, {} stale, {} unmatched.</p>",
        esc(&b.file),
        b.expected.len(),
        b.stale.len(),
        b.unmatched.len()
    );
    if !b.stale.is_empty() {
        out.push_str("<div class=\"alert\"><strong>Stale entries fail the run.</strong><ul>");
        for e in &b.stale {
            let _ = write!(out, "<li>{}</li>", esc(&stale_message(&b.file, e)));
        }
        out.push_str("</ul></div>\n");
    }
    let mut all: Vec<(&BaselineEntry, &str)> = Vec::new();
    all.extend(b.expected.iter().map(|e| (e, "expected")));
    all.extend(b.stale.iter().map(|e| (e, "stale")));
    all.extend(b.unmatched.iter().map(|e| (e, "unmatched")));
    all.sort_by(|x, y| (x.0.line, &x.0.entry).cmp(&(y.0.line, &y.0.entry)));
    if all.is_empty() {
        out.push_str("<p class=\"empty\">The baseline lists no entry.</p>\n</section>\n");
        return;
    }
    out.push_str("<table class=\"grid\">\n<thead><tr><th scope=\"col\">Line</th><th scope=\"col\">Entry</th><th scope=\"col\">Outcome</th><th scope=\"col\">Detail</th></tr></thead>\n<tbody>\n");
    for (e, kind) in all {
        let (badge, detail) = match kind {
            "expected" => {
                let n = ctx
                    .r
                    .checks
                    .iter()
                    .filter(|c| c.baseline.as_ref() == Some(e))
                    .count();
                (
                    "<span class=\"badge b-exp\">EXPECTED</span>",
                    format!(
                        "expected failure: covers {n} failing check{}",
                        if n == 1 { "" } else { "s" }
                    ),
                )
            }
            "stale" => (
                "<span class=\"badge b-fail\">STALE</span>",
                esc(&stale_message(&b.file, e)),
            ),
            _ => (
                "<span class=\"badge b-nr\">UNMATCHED</span>",
                "matched no scenario or check that ran and was judged in this run".to_string(),
            ),
        };
        let _ = writeln!(
            out,
            "<tr><td class=\"n\">{}</td><td><code>{}</code></td><td>{badge}</td><td>{detail}</td></tr>",
            e.line,
            esc(&e.entry)
        );
    }
    out.push_str("</tbody>\n</table>\n</section>\n");
}

fn fuzz(out: &mut String, ctx: &Ctx, f: &FuzzRecord) {
    out.push_str("<section id=\"fuzz\">\n<h2>Fuzz findings</h2>\n<dl class=\"meta\">\n");
    meta_item(out, "Seed", &f.seed.to_string());
    meta_item(out, "Requests", &f.requests.to_string());
    meta_item(
        out,
        "Rate",
        &format!("{:.1} requests/s", f.requests_per_second),
    );
    meta_item(out, "Concurrency", &f.concurrency.to_string());
    meta_item(
        out,
        "Tool calls",
        if f.allow_tool_calls {
            "allowed"
        } else {
            "read-only tools only"
        },
    );
    let skipped = if f.skipped_tools.is_empty() {
        "none".to_string()
    } else {
        f.skipped_tools
            .iter()
            .map(|t| format!("<code>{}</code>", esc(t)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    meta_item(out, "Skipped tools", &skipped);
    meta_item(
        out,
        "Stopped",
        &f.stopped
            .as_deref()
            .map_or("no: the campaign used its whole budget".to_string(), esc),
    );
    out.push_str("</dl>\n");
    let _ = writeln!(
        out,
        "<div class=\"pane\"><div class=\"pane-k\">Reproduce the campaign</div><pre class=\"curl\">{}</pre></div>",
        esc(&f.reproduce)
    );
    if f.findings.is_empty() {
        out.push_str("<p class=\"empty\">The campaign found nothing.</p>\n</section>\n");
        return;
    }
    let _ = writeln!(
        out,
        "<h3 class=\"sub\">{} distinct finding{}</h3>",
        f.findings.len(),
        if f.findings.len() == 1 { "" } else { "s" }
    );
    for (n, x) in f.findings.iter().enumerate() {
        let _ = writeln!(out, "<div class=\"fz\" id=\"fuzz-{n}\">");
        let _ = writeln!(
            out,
            "<div class=\"finding-head\"><span class=\"badge b-fail\">{}</span><h3><code>{}</code></h3><span class=\"req\"><a href=\"#req-{}\">{}</a></span></div>",
            esc(&x.kind),
            esc(&x.id),
            esc(&x.requirement),
            esc(&x.requirement)
        );
        let _ = writeln!(out, "<p class=\"msg\">{}</p>", esc(&x.message));
        out.push_str("<dl class=\"facts\">");
        let _ = write!(out, "<dt>Kind</dt><dd>{}</dd>", esc(&x.kind));
        let _ = write!(out, "<dt>Request index</dt><dd>{}</dd>", x.index);
        let _ = write!(out, "<dt>Generator</dt><dd>{}</dd>", esc(&x.label));
        let _ = write!(
            out,
            "<dt>Duplicates</dt><dd>{} other requests failed the same way</dd>",
            x.duplicates
        );
        let _ = write!(
            out,
            "<dt>Reproduced</dt><dd>{}</dd>",
            if x.reproduced {
                "yes: the original request failed again when resent"
            } else {
                "no: the original request did not fail again when resent"
            }
        );
        let _ = write!(
            out,
            "<dt>Shrink attempts</dt><dd>{}</dd>",
            x.shrink_attempts
        );
        if let Some(p) = &x.replay {
            let _ = write!(
                out,
                "<dt>Replay scenario</dt><dd><code>{}</code></dd>",
                esc(p)
            );
        }
        if let Some(i) = ctx.r.checks.iter().position(|c| c.scenario == x.id) {
            let _ = write!(
                out,
                "<dt>Check</dt><dd><a href=\"#{}\"><code>{}:{}</code></a></dd>",
                check_anchor(i),
                esc(&ctx.r.checks[i].scenario),
                esc(&ctx.r.checks[i].id)
            );
        }
        out.push_str(
            "</dl>\n<div class=\"pane\"><div class=\"pane-k\">Shrunk request body</div><pre>",
        );
        body(out, &x.shrunk_body, false);
        out.push_str(
            "</pre></div>\n<details class=\"orig\"><summary>Original request body</summary><pre>",
        );
        body(out, &x.original_body, false);
        out.push_str("</pre></details>\n</div>\n");
    }
    out.push_str("</section>\n");
}

fn not_applicable(out: &mut String, r: &RunRecord) {
    let na: Vec<&ScenarioRecord> = r
        .scenarios
        .iter()
        .filter(|s| s.status == Status::NotApplicable)
        .collect();
    out.push_str("<section id=\"not-applicable\">\n<h2>Not applicable scenarios</h2>\n");
    if na.is_empty() {
        let _ = writeln!(
            out,
            "<p class=\"empty\">{}</p>\n</section>",
            if r.scenarios.is_empty() {
                "No scenario ran."
            } else {
                "Every scenario applied to this server."
            }
        );
        return;
    }
    out.push_str("<table class=\"grid\">\n<thead><tr><th scope=\"col\">Scenario</th><th scope=\"col\">Title</th><th scope=\"col\">Area</th><th scope=\"col\">Reason</th></tr></thead>\n<tbody>\n");
    for s in na {
        let _ = writeln!(
            out,
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&s.id),
            esc(&s.title),
            esc(&s.area),
            s.reason.as_deref().map_or(
                "<span class=\"muted\">no reason given</span>".to_string(),
                esc
            )
        );
    }
    out.push_str("</tbody>\n</table>\n</section>\n");
}

/// The stylesheet: system fonts only, nothing fetched.
const CSS: &str = r#":root{--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--soft:#f6f8fa;--paper:#fff;
--pass:#1a7f37;--fail:#cf222e;--warn:#9a6700;--na:#59636e;--error:#8250df;
--pass-bg:#dafbe1;--fail-bg:#ffebe9;--warn-bg:#fff8c5;--na-bg:#eaeef2;--error-bg:#fbefff;
--mono:ui-monospace,SFMono-Regular,"SF Mono",Menlo,Consolas,"Liberation Mono","DejaVu Sans Mono",monospace}
*{box-sizing:border-box}
html{color-scheme:light}
body{margin:0;background:#eef1f4;color:var(--fg);font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue","Noto Sans","Liberation Sans",Arial,sans-serif}
.page{max-width:1200px;margin:0 auto;padding:28px 28px 40px}
a{color:#0969da;text-decoration:none}
a:hover{text-decoration:underline}
code,pre{font-family:var(--mono);font-size:12.5px}
code{overflow-wrap:anywhere}
h1,h2,h3{line-height:1.25;margin:0}
h2{font-size:20px;margin:0 0 14px;padding-bottom:8px;border-bottom:1px solid var(--line)}
h3{font-size:15px}
.muted{color:var(--muted)}
.empty{color:var(--muted);font-style:italic}
.top{background:var(--paper);border:1px solid var(--line);border-top:6px solid #24292f;border-radius:8px;padding:24px 28px 18px}
.top-row{display:flex;gap:24px;align-items:flex-start;justify-content:space-between}
.kicker{margin:0 0 4px;text-transform:uppercase;letter-spacing:.08em;font-size:12px;font-weight:600;color:var(--muted)}
h1{font-size:28px;font-weight:700}
.srv{margin:6px 0 0;font-size:17px}
.srv-title{font-weight:600}
.srv-id{font-family:var(--mono);font-size:14px;color:var(--muted)}
.verdict{flex:none;min-width:190px;text-align:center;border-radius:8px;padding:10px 22px 12px;color:#fff;border:2px solid transparent}
.verdict-k{display:block;font-size:11px;text-transform:uppercase;letter-spacing:.12em;opacity:.9}
.verdict-v{display:block;font-size:34px;font-weight:800;letter-spacing:.04em;line-height:1.15}
.v-pass{background:var(--pass)}
.v-fail{background:var(--fail)}
.v-none{background:#6e7781}
.oneline{margin:14px 0 0;padding:8px 12px;background:var(--soft);border-radius:6px;font-family:var(--mono);font-size:12.5px}
dl.meta{display:grid;grid-template-columns:repeat(auto-fill,minmax(250px,1fr));gap:10px 24px;margin:16px 0 0}
dl.meta dt{font-size:11px;text-transform:uppercase;letter-spacing:.06em;color:var(--muted);font-weight:600}
dl.meta dd{margin:2px 0 0;overflow-wrap:anywhere}
.toc{display:flex;flex-wrap:wrap;gap:6px;margin:14px 0}
.toc a{background:var(--paper);border:1px solid var(--line);border-radius:16px;padding:3px 12px;font-size:13px;color:var(--fg)}
main>section{background:var(--paper);border:1px solid var(--line);border-radius:8px;padding:20px 24px;margin:0 0 18px}
.cards{display:grid;grid-template-columns:repeat(6,1fr);gap:12px}
.card{border:1px solid var(--line);border-left-width:5px;border-radius:6px;padding:10px 14px}
.card-n{font-size:28px;font-weight:700;line-height:1.1;font-variant-numeric:tabular-nums}
.card-of{font-size:18px;color:var(--muted);font-weight:600}
.card-k{color:var(--muted);font-size:13px}
.card-note{font-size:12px;color:var(--muted);margin-top:2px}
.c-pass{border-left-color:var(--pass)}.c-pass .card-n{color:var(--pass)}
.c-fail{border-left-color:var(--fail)}.c-fail .card-n{color:var(--fail)}
.c-warn{border-left-color:#d4a72c}.c-warn .card-n{color:var(--warn)}
.c-error{border-left-color:var(--error)}.c-error .card-n{color:var(--error)}
.c-zero{border-left-color:#afb8c1}
.c-req{border-left-color:#24292f}
.chart{display:block;width:100%;height:auto;max-width:960px;margin:4px 0 16px}
table.grid{border-collapse:collapse;width:100%;font-size:13px}
.grid th,.grid td{border-bottom:1px solid var(--line);padding:6px 10px;text-align:left;vertical-align:top}
.grid thead th{background:var(--soft);font-size:12px;color:var(--muted);font-weight:600;border-bottom:2px solid var(--line);white-space:nowrap}
.grid tbody tr:nth-child(even){background:#fafbfc}
.num td,.num thead th:not(:first-child){text-align:right;font-variant-numeric:tabular-nums}
td.zero{color:#afb8c1}
.t-pass{color:var(--pass);font-weight:600}.t-fail{color:var(--fail);font-weight:600}.t-warn{color:var(--warn);font-weight:600}.t-na{color:var(--na);font-weight:600}.t-error{color:var(--error);font-weight:600}
.badge{display:inline-block;min-width:44px;text-align:center;border-radius:4px;padding:0 6px;font-size:11px;font-weight:700;letter-spacing:.03em;line-height:18px;border:1px solid transparent;white-space:nowrap;font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif}
.b-pass{background:var(--pass-bg);color:var(--pass);border-color:#aceebb}
.b-fail{background:var(--fail-bg);color:var(--fail);border-color:#ffcecb}
.b-warn{background:var(--warn-bg);color:var(--warn);border-color:#f5e0a0}
.b-na{background:var(--na-bg);color:var(--na);border-color:#d1d9e0}
.b-error{background:var(--error-bg);color:var(--error);border-color:#e6d0ff}
.b-nc{background:#fff;color:var(--muted);border:1px dashed #8c959f}
.b-nr{background:#fff;color:var(--muted);border-color:#d1d9e0}
.b-exp{background:#ddf4ff;color:#0550ae;border-color:#b6e3ff}
.trace th[scope=row]{white-space:nowrap;font-family:var(--mono);font-size:12.5px;font-weight:600}
.trace tr{scroll-margin-top:12px}
.trace tr:target{background:#fff8c5}
.trace .lvl{white-space:nowrap;font-size:12px;font-weight:600}
.trace .src{font-size:11.5px;color:var(--muted);overflow-wrap:break-word}
h3.sub{margin:18px 0 10px}
.trace .src a{color:var(--muted)}
.trace td.st{width:15%}
.trace td.checks{width:36%}
.trace tr.r-fail>th{box-shadow:inset 4px 0 var(--fail)}
.trace tr.r-error>th{box-shadow:inset 4px 0 var(--error)}
.trace tr.r-warn>th{box-shadow:inset 4px 0 #d4a72c}
.note{font-size:12px;color:var(--muted)}
.clist{list-style:none;margin:0;padding:0}
.clist li{margin:1px 0}
.clist .badge{min-width:40px;font-size:10px;line-height:16px}
details>summary{cursor:pointer;color:#0969da}
.finding,.fz{border:1px solid var(--line);border-left:5px solid var(--fail);border-radius:6px;padding:14px 18px;margin:0 0 14px;scroll-margin-top:12px}
.f-warn{border-left-color:#d4a72c}
.f-error{border-left-color:var(--error)}
.finding.expected{border-left-style:dashed;background:#fbfcfd}
.finding:target{outline:2px solid #0969da}
.finding-head{display:flex;flex-wrap:wrap;align-items:center;gap:10px}
.finding-head h3 code{font-size:14px}
.finding-head .req{margin-left:auto;font-family:var(--mono);font-size:12.5px}
.finding-head .lvl{color:var(--muted);font-weight:600}
.msg{font-size:15px;font-weight:600;margin:10px 0 8px}
.expected-note{margin:8px 0 0;color:#0550ae;font-weight:600}
dl.facts{display:grid;grid-template-columns:130px 1fr;gap:3px 14px;margin:0 0 10px;font-size:13px}
dl.facts dt{color:var(--muted);font-weight:600}
dl.facts dd{margin:0;overflow-wrap:anywhere}
.ea{display:grid;grid-template-columns:1fr 1fr;gap:10px;margin:0 0 10px}
.ea>div{border-radius:6px;padding:8px 12px}
.ea-exp{background:var(--pass-bg);border:1px solid #aceebb}
.ea-act{background:var(--fail-bg);border:1px solid #ffcecb}
.ea-k{font-size:11px;text-transform:uppercase;letter-spacing:.06em;font-weight:700;color:var(--muted)}
.ea-v{font-family:var(--mono);font-size:12.5px;overflow-wrap:anywhere}
.exchange{display:grid;grid-template-columns:1fr 1fr;gap:10px}
.pane{margin:0 0 10px;min-width:0}
.pane-k{font-size:11px;text-transform:uppercase;letter-spacing:.06em;font-weight:700;color:var(--muted);margin:0 0 3px}
pre{margin:0;background:#f6f8fa;border:1px solid var(--line);border-radius:6px;padding:8px 10px;white-space:pre-wrap;overflow-wrap:anywhere;line-height:1.45;max-height:480px;overflow:auto}
pre.curl{background:#24292f;color:#f0f3f6;border-color:#24292f}
pre .hk{color:#0550ae}
.cutnote{color:var(--muted);font-style:italic}
.terr{color:var(--error);font-weight:600}
.group{margin:22px 0 12px;padding-top:12px;border-top:2px dashed var(--line);color:#0550ae}
.alert{border:1px solid #ffcecb;background:var(--fail-bg);border-radius:6px;padding:10px 14px;margin:0 0 12px}
.alert ul{margin:6px 0 0;padding-left:20px}
.fz{border-left-color:var(--fail)}
details.orig{margin:0 0 4px}
td.n{font-variant-numeric:tabular-nums;text-align:right;width:1%}
footer{color:var(--muted);font-size:12px;text-align:center;padding:8px 0}
@media (max-width:900px){.cards{grid-template-columns:repeat(3,1fr)}.exchange,.ea{grid-template-columns:1fr}.top-row{flex-direction:column}}
@media print{
@page{margin:14mm 12mm}
body{background:#fff;font-size:10.5pt}
*{-webkit-print-color-adjust:exact;print-color-adjust:exact}
.page{max-width:none;padding:0}
.toc{display:none}
.top,main>section{border:none;border-radius:0;padding:0;margin:0 0 14pt}
.top{border-top:4pt solid #24292f;padding-top:8pt}
main>section{break-before:auto}
h2{break-after:avoid}
.finding,.fz,.card,tr{break-inside:avoid}
thead{display:table-header-group}
pre{max-height:none;overflow:visible;font-size:8.5pt}
a{color:inherit}
}
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn esc_escapes_markup_and_quotes() {
        assert_eq!(
            esc(r#"</pre><script>alert(1)</script> "a" 'b' & c"#),
            "&lt;/pre&gt;&lt;script&gt;alert(1)&lt;/script&gt; &quot;a&quot; &#39;b&#39; &amp; c"
        );
        assert_eq!(esc("plain text, é ✓"), "plain text, é ✓");
        assert_eq!(esc("a\tb\nc"), "a\tb\nc");
    }

    #[test]
    fn esc_makes_hidden_characters_visible() {
        assert_eq!(esc("a\u{202E}b"), "a&lt;U+202E&gt;b");
        assert_eq!(
            esc("x\u{0000}\u{001b}[31m"),
            "x&lt;U+0000&gt;&lt;U+001B&gt;[31m"
        );
        assert_eq!(esc("a\r\nb"), "a\r\nb");
    }

    #[test]
    fn requirement_status_precedence() {
        let worst = |s: &[Status]| *s.iter().max_by_key(|s| severity(**s)).unwrap();
        assert_eq!(
            worst(&[Status::Pass, Status::Error, Status::Fail]),
            Status::Fail
        );
        assert_eq!(worst(&[Status::Warn, Status::Error]), Status::Error);
        assert_eq!(worst(&[Status::Pass, Status::Warn]), Status::Warn);
        assert_eq!(worst(&[Status::NotApplicable, Status::Pass]), Status::Pass);
        assert_eq!(worst(&[Status::NotApplicable]), Status::NotApplicable);
    }

    #[test]
    fn cut_counts_characters() {
        assert_eq!(cut("héllo", 2), ("hé", 3));
        assert_eq!(cut("abc", 5), ("abc", 0));
    }
}
