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

/// Every shipped scenario file validates against the scenario format's JSON Schema, and the
/// schema rejects what the loader rejects for a few typical mistakes.
#[test]
fn shipped_scenarios_match_the_scenario_schema() {
    let schema: serde_json::Value =
        serde_json::from_str(mcpcheck_schemas::scenario_schema_json()).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("scenario schema compiles");
    let mut n = 0;
    for (path, text) in mcpcheck::embedded::EMBEDDED {
        if *path == mcpcheck::catalogue::CATALOGUE_FILE {
            continue;
        }
        let value: serde_json::Value =
            serde_saphyr::from_str(text).unwrap_or_else(|e| panic!("{path}: {e}"));
        let errors: Vec<String> = validator
            .iter_errors(&value)
            .map(|e| format!("{}: {e}", e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "scenarios/{path} does not match the scenario schema:\n{}",
            errors.join("\n")
        );
        n += 1;
    }
    assert!(n > 0);
    for bad in [
        "id: x\ntitle: t\narea: a\nsteps: [{name: s, request: {method: m}, expect: [{req: HTTP-01, stauts: 200}]}]\n",
        "id: x\ntitle: t\narea: a\nsteps: [{name: s, request: {method: m}, expect: [{req: HTTP-01}]}]\n",
        "id: x\ntitle: t\narea: a\nsteps: [{name: s, expect: [{req: HTTP-01, status: 200}]}]\n",
        "id: X Y\ntitle: t\narea: a\nsteps: [{name: s, request: {method: m}, expect: [{req: HTTP-01, status: 200}]}]\n",
    ] {
        let v: serde_json::Value = serde_saphyr::from_str(bad).unwrap();
        assert!(!validator.is_valid(&v), "schema accepted: {bad}");
        assert!(
            mcpcheck::scenario::parse("bad.yaml", bad, &Catalogue::builtin()).is_err(),
            "loader accepted: {bad}"
        );
    }
}

/// Every complete scenario shown in scenarios/README.md (a YAML block starting with `id:`)
/// loads, so the documentation's examples stay copyable.
#[test]
fn readme_examples_load() {
    let text = include_str!("../../scenarios/README.md");
    let catalogue = Catalogue::builtin();
    let mut n = 0;
    for block in text.split("```yaml\n").skip(1) {
        let yaml = block.split("```").next().unwrap_or("");
        if !yaml.starts_with("id:") {
            continue;
        }
        n += 1;
        if let Err(errors) = mcpcheck::scenario::parse("scenarios/README.md", yaml, &catalogue) {
            panic!(
                "a README example does not load:\n{}",
                errors
                    .iter()
                    .map(|e| e.to_string())
                    .collect::<Vec<_>>()
                    .join("\n")
            );
        }
    }
    assert!(n >= 2, "found {n} complete examples");
}
