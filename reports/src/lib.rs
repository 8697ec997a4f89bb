//! Renders an mcpcheck [`record::RunRecord`] into reports. Every format is a pure function of the
//! record: no clock, no network, no environment reads (colour is an explicit option).

mod console;
mod junit;
pub mod record;

pub use console::BODY_DISPLAY_LIMIT;
pub use junit::SCENARIO_CASE_NAME;

pub use record::*;

/// Options for the console report.
#[derive(Debug, Clone, Copy, Default)]
pub struct ConsoleOptions {
    /// ANSI colours (the caller decides: TTY, `NO_COLOR`, flags).
    pub color: bool,
    /// Also list passing checks, not only failures and a summary.
    pub verbose: bool,
}

/// The JSON run record, pretty-printed.
pub fn json(record: &RunRecord) -> String {
    serde_json::to_string_pretty(record).expect("run record serialises")
}

/// Human console report: header, scenarios grouped by area (in order of first appearance), full
/// detail for failing, warning and erroring checks, and a summary ending in the line
/// `N passed, N failed, N warned, N not applicable, N errored`.
pub fn console(record: &RunRecord, opts: ConsoleOptions) -> String {
    console::render(record, opts)
}

/// JUnit XML: one test suite per scenario, one test case per check.
pub fn junit(record: &RunRecord) -> String {
    junit::render(record)
}
