//! Properties of the expected-failures baseline over generated runs.

mod common;

use mcpcheck_reports::{BaselineEntry, Status, Summary, Verdict, apply_baseline};
use proptest::prelude::*;

const STATUSES: [Status; 5] = [
    Status::Pass,
    Status::Fail,
    Status::Warn,
    Status::NotApplicable,
    Status::Error,
];

/// A run of up to 30 checks over 4 scenarios with 3 check ids each (ids repeat, as loops do).
fn run() -> impl Strategy<Value = mcpcheck_reports::RunRecord> {
    prop::collection::vec((0..4usize, 0..3usize, 0..5usize), 0..30).prop_map(|cs| {
        let mut r = common::fixture();
        r.checks = cs
            .into_iter()
            .map(|(s, c, st)| {
                common::check(
                    &format!("s{s}"),
                    &format!("c{c}"),
                    "STATELESS-02",
                    mcpcheck_reports::Level::Must,
                    STATUSES[st],
                    "rule",
                    "message",
                )
            })
            .collect();
        r.summary = Summary::from_checks(&r.checks);
        r
    })
}

fn entries(names: &[String]) -> Vec<BaselineEntry> {
    names
        .iter()
        .enumerate()
        .map(|(i, e)| BaselineEntry {
            entry: e.clone(),
            line: i + 2,
        })
        .collect()
}

proptest! {
    /// Listing every failing check makes nothing fail but staleness, and no entry is stale.
    #[test]
    fn listing_every_failure_leaves_no_unexpected_failure(mut r in run()) {
        let mut names: Vec<String> = r
            .checks
            .iter()
            .filter(|c| matches!(c.status, Status::Fail | Status::Error))
            .map(|c| format!("{}:{}", c.scenario, c.id))
            .collect();
        names.sort();
        names.dedup();
        apply_baseline(&mut r, "b.yaml", &entries(&names));
        prop_assert_ne!(r.verdict(), Verdict::Fail);
        prop_assert!(r.baseline.as_ref().unwrap().stale.is_empty());
        prop_assert_eq!(r.summary.expected_failures, r.summary.failed + r.summary.errored);
    }

    /// Every entry lands in exactly one of expected, stale and unmatched; an entry is stale
    /// exactly when its checks include a pass and no failure; a stale entry fails the run.
    #[test]
    fn entries_are_partitioned(mut r in run(), picks in prop::collection::btree_set((0..5usize, prop::option::of(0..3usize)), 0..6)) {
        let names: Vec<String> = picks
            .iter()
            .map(|(s, c)| match c {
                Some(c) => format!("s{s}:c{c}"),
                None => format!("s{s}"),
            })
            .collect();
        let before = r.checks.clone();
        apply_baseline(&mut r, "b.yaml", &entries(&names));
        let b = r.baseline.clone().unwrap();
        prop_assert_eq!(b.expected.len() + b.stale.len() + b.unmatched.len(), names.len());
        for e in &b.stale {
            let of = |c: &&mcpcheck_reports::CheckRecord| {
                c.scenario == e.scenario() && e.check().is_none_or(|id| c.id == id)
            };
            prop_assert!(before.iter().filter(of).any(|c| c.status == Status::Pass));
            prop_assert!(!before.iter().filter(of).any(|c| matches!(c.status, Status::Fail | Status::Warn | Status::Error)));
        }
        if !b.stale.is_empty() {
            prop_assert_eq!(r.verdict(), Verdict::Fail);
        }
        // Only failing, warning and erroring checks are ever marked.
        prop_assert!(r.checks.iter().all(|c| c.baseline.is_none() || matches!(c.status, Status::Fail | Status::Warn | Status::Error)));
        prop_assert!(r.summary.expected_failures <= r.summary.failed + r.summary.errored);
    }
}
