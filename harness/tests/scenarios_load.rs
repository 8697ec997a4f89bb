//! The shipped scenarios load, name only catalogued requirements, validate against the scenario
//! format's JSON Schema, and the catalogue holds every digest id.

use mcpcheck::catalogue::Catalogue;
use mcpcheck::library::Library;

#[test]
fn shipped_scenarios_load_and_name_catalogued_ids() {
    let catalogue = Catalogue::builtin();
    let lib = match Library::load(&[], &catalogue) {
        Ok(l) => l,
        Err(errors) => panic!(
            "{}",
            errors
                .iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("\n\n")
        ),
    };
    assert!(!lib.scenarios.is_empty());
    for s in &lib.scenarios {
        for st in &s.steps {
            for e in &st.expect {
                assert!(
                    catalogue.get(&e.value.req).is_some(),
                    "{}: {}",
                    s.id.value,
                    e.value.req
                );
            }
        }
    }
}

#[test]
fn catalogue_has_all_178_requirements() {
    let c = Catalogue::builtin();
    assert_eq!(c.len(), 178);
    let areas = [
        ("STATELESS-", 26),
        ("HTTP-", 25),
        ("CACHE-", 10),
        ("MRTR-", 16),
        ("TASKS-", 24),
        ("TOOLS-", 13),
        ("RES-", 8),
        ("PROMPT-", 6),
        ("COMPL-", 3),
        ("SUB-", 10),
        ("PROG-", 3),
        ("CANCEL-", 3),
        ("LOG-", 5),
        ("STDIO-", 7),
        ("AUTH-", 13),
        ("ERR-", 6),
    ];
    for (prefix, n) in areas {
        for i in 1..=n {
            let id = format!("{prefix}{i:02}");
            let r = c
                .get(&id)
                .unwrap_or_else(|| panic!("{id} missing from the catalogue"));
            assert!(!r.rule.is_empty() && !r.source.is_empty(), "{id}");
        }
    }
}

/// Where ../shared is present, every digest heading id is in the catalogue and vice versa.
#[test]
fn catalogue_matches_the_digest() {
    let digest =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/spec/DIGEST.md");
    let Ok(text) = std::fs::read_to_string(&digest) else {
        eprintln!(
            "skipping: {} not found (the digest lives outside the project)",
            digest.display()
        );
        return;
    };
    let c = Catalogue::builtin();
    let mut ids = Vec::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("#### ") {
            let id = rest.split_whitespace().next().unwrap_or("");
            if id.contains('-') && id.chars().next().is_some_and(|ch| ch.is_ascii_uppercase()) {
                ids.push(id.to_string());
            }
        }
    }
    assert_eq!(ids.len(), 178, "digest headings");
    let ours: Vec<&str> = c.ids().collect();
    assert_eq!(ours, ids.iter().map(|s| s.as_str()).collect::<Vec<_>>());
}
