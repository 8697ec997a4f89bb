//! Expected-failures baseline: which failures a run may have without failing, and which listed
//! entries have gone stale. Parsing the file is the harness's business; this module matches its
//! entries against a run record.

use crate::record::{BaselineEntry, BaselineRecord, RunRecord, Status, Summary};

fn is_failure(s: Status) -> bool {
    matches!(s, Status::Fail | Status::Error | Status::Warn)
}

/// Matches `entries` (the baseline's `server:` list) against the record's checks: a listed
/// scenario or check that failed (or warned, or errored) is expected and marked on its checks;
/// one that passed is stale; one with no check that ran and was judged is unmatched. The
/// summary is recounted, and `record.baseline` set.
///
/// A `scenario` entry covers every failing check of the scenario; a `scenario:check` entry
/// covers that check id (every occurrence of it).
pub fn apply_baseline(record: &mut RunRecord, file: &str, entries: &[BaselineEntry]) {
    let mut out = BaselineRecord {
        file: file.to_string(),
        ..Default::default()
    };
    for e in entries {
        let scenario = e.scenario();
        let matches = |c: &crate::record::CheckRecord| {
            c.scenario == scenario && e.check().is_none_or(|id| c.id == id)
        };
        let mut failed = false;
        let mut passed = false;
        for c in record.checks.iter_mut().filter(|c| matches(c)) {
            if is_failure(c.status) {
                failed = true;
                if c.baseline.is_none() {
                    c.baseline = Some(e.clone());
                }
            } else if c.status == Status::Pass {
                passed = true;
            }
        }
        if failed {
            out.expected.push(e.clone());
        } else if passed {
            out.stale.push(e.clone());
        } else {
            out.unmatched.push(e.clone());
        }
    }
    record.summary = Summary::from_checks(&record.checks);
    record.baseline = Some(out);
}

/// The failing checks that no baseline entry covers, in run order.
pub fn unexpected_failures(record: &RunRecord) -> impl Iterator<Item = &crate::CheckRecord> {
    record
        .checks
        .iter()
        .filter(|c| matches!(c.status, Status::Fail | Status::Error) && c.baseline.is_none())
}

/// What to tell the user about a stale entry.
pub fn stale_message(file: &str, e: &BaselineEntry) -> String {
    let what = if e.check().is_some() {
        "this check"
    } else {
        "every check of this scenario"
    };
    format!(
        "{file}:{}: `{}` is listed as an expected failure but {what} passed; delete line {} of {file}",
        e.line, e.entry, e.line
    )
}
