//! The official SARIF 2.1.0 schema as a validator, for the SARIF tests of this crate and of the
//! harness (which includes this file by path).

use std::sync::OnceLock;

use serde_json::Value;

/// The SARIF 2.1.0 schema shipped in the `serde-sarif` package, found through `cargo metadata`
/// (so the test uses exactly the version in Cargo.lock, without a copy in this repository).
pub fn sarif_validator() -> &'static jsonschema::Validator {
    static VALIDATOR: OnceLock<jsonschema::Validator> = OnceLock::new();
    VALIDATOR.get_or_init(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        // Offline metadata for all platforms would need the manifests of Windows-only crates
        // that were never downloaded; the host's dependency graph is all the test needs.
        let out = std::process::Command::new(&cargo)
            .args([
                "metadata",
                "--format-version",
                "1",
                "--offline",
                "--filter-platform",
            ])
            .arg(host_triple(&cargo))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .expect("cargo metadata runs");
        assert!(
            out.status.success(),
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let meta: Value = serde_json::from_slice(&out.stdout).expect("cargo metadata is JSON");
        let manifest = meta["packages"]
            .as_array()
            .expect("packages")
            .iter()
            .find(|p| p["name"] == "serde-sarif")
            .and_then(|p| p["manifest_path"].as_str())
            .expect("serde-sarif is a dependency of the workspace");
        let path = std::path::Path::new(manifest)
            .parent()
            .unwrap()
            .join("src/schema.json");
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let mut schema: Value = serde_json::from_str(&text).expect("schema is JSON");
        // Known erratum of the published schema: the `language` patterns (of `run` and
        // `toolComponent`) have a stray `]`, which the draft-07 meta-schema's `regex` format
        // rejects, so the schema would not compile. mcpcheck never emits `language`; the
        // pattern is replaced by the evident intent ("en" or "en-US") and nothing else changes.
        let fixed = replace_pattern(
            &mut schema,
            "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$",
            "^[a-zA-Z]{2}(-[a-zA-Z]{2})?$",
        );
        assert_eq!(
            fixed, 2,
            "the schema's language patterns changed; revisit this fix-up"
        );
        assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
        jsonschema::options()
            .with_draft(jsonschema::Draft::Draft7)
            .should_validate_formats(true)
            .build(&schema)
            .expect("the SARIF schema compiles")
    })
}

/// Replaces every `"pattern": from` in the schema; returns how many.
fn replace_pattern(v: &mut Value, from: &str, to: &str) -> usize {
    match v {
        Value::Object(m) => {
            let mut n = 0;
            for (k, x) in m.iter_mut() {
                if k == "pattern" && x == from {
                    *x = to.into();
                    n += 1;
                } else {
                    n += replace_pattern(x, from, to);
                }
            }
            n
        }
        Value::Array(a) => a.iter_mut().map(|x| replace_pattern(x, from, to)).sum(),
        _ => 0,
    }
}

/// The host target triple, from the `rustc` next to `cargo` (or on PATH).
fn host_triple(cargo: &str) -> String {
    let sibling = std::path::Path::new(cargo).with_file_name("rustc");
    let rustc = if sibling.is_file() {
        sibling.into_os_string()
    } else {
        "rustc".into()
    };
    let out = std::process::Command::new(rustc)
        .arg("-vV")
        .output()
        .expect("rustc -vV runs");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: "))
        .expect("rustc -vV names the host")
        .trim()
        .to_string()
}
