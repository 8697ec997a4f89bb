//! JUnit XML: one `<testsuite>` per scenario, one `<testcase>` per check.

use std::time::Duration;

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use crate::console::{check_heading, detail_lines, status_tag};
use crate::record::{CheckRecord, RunRecord, ScenarioRecord, Status};

/// Name of the synthetic test case that stands for a scenario without checks which did not pass.
pub const SCENARIO_CASE_NAME: &str = "(scenario)";

pub(crate) fn render(record: &RunRecord) -> String {
    let mut report = Report::new("mcpcheck");
    report.set_time(Duration::from_millis(record.duration_ms));

    for scenario in &record.scenarios {
        let checks: Vec<&CheckRecord> = record
            .checks
            .iter()
            .filter(|c| c.scenario == scenario.id)
            .collect();
        report.add_test_suite(suite(scenario, &checks));
    }
    if let Some(b) = &record.baseline
        && !b.stale.is_empty()
    {
        report.add_test_suite(stale_suite(b));
    }

    report
        .to_string()
        .expect("JUnit report serialises to a String")
}

fn suite(scenario: &ScenarioRecord, checks: &[&CheckRecord]) -> TestSuite {
    let mut suite = TestSuite::new(scenario.id.as_str());
    suite.set_time(Duration::from_millis(scenario.duration_ms));
    suite.add_property(("title", scenario.title.as_str()));
    suite.add_property(("area", scenario.area.as_str()));
    suite.add_property(("source", scenario.source.as_str()));
    suite.add_property(("status", scenario.status.as_str()));
    if let Some(reason) = &scenario.reason {
        suite.add_property(("reason", reason.as_str()));
    }

    for check in checks {
        suite.add_test_case(case(check));
    }
    if checks.is_empty() && scenario.status != Status::Pass {
        suite.add_test_case(scenario_case(scenario));
    }
    suite
}

/// The failure text of a check: the same lines as the console block, without colour or indent.
fn failure_text(check: &CheckRecord) -> String {
    let mut text = format!("{}  {}\n", status_tag(check.status), check_heading(check));
    for line in detail_lines(check, true) {
        text.push_str(&line);
        text.push('\n');
    }
    text
}

/// Stale baseline entries fail the run, so each is a failing case of a `baseline` suite.
fn stale_suite(b: &crate::BaselineRecord) -> TestSuite {
    let mut suite = TestSuite::new("baseline");
    suite.add_property(("file", b.file.as_str()));
    for e in &b.stale {
        let mut st = TestCaseStatus::non_success(NonSuccessKind::Failure);
        st.set_message(crate::baseline::stale_message(&b.file, e))
            .set_type("stale baseline entry");
        let mut case = TestCase::new(format!("{} (line {})", e.entry, e.line), st);
        case.set_classname("baseline");
        suite.add_test_case(case);
    }
    suite
}

fn case(check: &CheckRecord) -> TestCase {
    let status = match check.status {
        // Listed in the baseline: skipped, so CI dashboards show it without failing on it.
        Status::Fail | Status::Error if check.baseline.is_some() => {
            let mut st = TestCaseStatus::skipped();
            let line = check.baseline.as_ref().map_or(0, |b| b.line);
            st.set_message(format!(
                "expected failure (baseline line {line}): {}",
                check.message
            ))
            .set_description(failure_text(check));
            st
        }
        Status::Pass | Status::Warn => TestCaseStatus::success(),
        Status::Fail => {
            let mut st = TestCaseStatus::non_success(NonSuccessKind::Failure);
            st.set_message(check.message.as_str())
                .set_type(check.level.as_str())
                .set_description(failure_text(check));
            st
        }
        Status::Error => {
            let mut st = TestCaseStatus::non_success(NonSuccessKind::Error);
            st.set_message(check.message.as_str())
                .set_description(failure_text(check));
            st
        }
        Status::NotApplicable => {
            let mut st = TestCaseStatus::skipped();
            st.set_message(check.message.as_str());
            st
        }
    };
    let mut case = TestCase::new(format!("{} [{}]", check.id, check.requirement), status);
    case.set_classname(check.scenario.as_str());
    let millis = check.exchange.as_ref().map_or(0, |x| x.elapsed_ms);
    case.set_time(Duration::from_millis(millis));
    if check.status == Status::Warn {
        case.set_system_out(failure_text(check));
    }
    case
}

/// A scenario that produced no checks but did not pass (not applicable, error, ...).
fn scenario_case(scenario: &ScenarioRecord) -> TestCase {
    let reason = scenario
        .reason
        .clone()
        .unwrap_or_else(|| format!("scenario status: {}", scenario.status.as_str()));
    let status = match scenario.status {
        Status::NotApplicable => {
            let mut st = TestCaseStatus::skipped();
            st.set_message(reason);
            st
        }
        Status::Fail => {
            let mut st = TestCaseStatus::non_success(NonSuccessKind::Failure);
            st.set_message(reason);
            st
        }
        Status::Error => {
            let mut st = TestCaseStatus::non_success(NonSuccessKind::Error);
            st.set_message(reason);
            st
        }
        Status::Pass | Status::Warn => TestCaseStatus::success(),
    };
    let mut case = TestCase::new(SCENARIO_CASE_NAME, status);
    case.set_classname(scenario.id.as_str());
    case.set_time(Duration::from_millis(scenario.duration_ms));
    if scenario.status == Status::Warn
        && let Some(r) = &scenario.reason
    {
        case.set_system_out(r.as_str());
    }
    case
}
