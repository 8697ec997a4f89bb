//! The scenario library: scenarios embedded in the binary plus those from `--scenarios DIR`,
//! which add to or override the embedded ones by id.

use std::collections::BTreeMap;
use std::path::Path;

use crate::catalogue::{CATALOGUE_FILE, Catalogue};
use crate::scenario::{LoadError, Scenario, parse};

pub struct Library {
    pub scenarios: Vec<Scenario>,
}

#[derive(Default)]
struct Acc {
    by_id: BTreeMap<String, usize>,
    scenarios: Vec<Scenario>,
}

impl Acc {
    fn add(&mut self, s: Scenario, errors: &mut Vec<LoadError>, override_ok: bool) {
        match self.by_id.get(&s.id.value) {
            Some(&i) if override_ok => self.scenarios[i] = s,
            Some(&i) => errors.push(LoadError {
                file: s.source.clone(),
                line: s.id.referenced.line(),
                column: s.id.referenced.column(),
                message: format!(
                    "scenario id {:?} is also used by {}",
                    s.id.value, self.scenarios[i].source
                ),
                snippet: None,
            }),
            None => {
                self.by_id.insert(s.id.value.clone(), self.scenarios.len());
                self.scenarios.push(s);
            }
        }
    }
}

fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, out)?;
        } else if matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")) {
            out.push(p);
        }
    }
    Ok(())
}

impl Library {
    /// Loads the embedded scenarios and any extra directories. All errors of all files are
    /// returned together.
    pub fn load(
        extra_dirs: &[std::path::PathBuf],
        catalogue: &Catalogue,
    ) -> Result<Library, Vec<LoadError>> {
        let mut errors = Vec::new();
        let mut acc = Acc::default();
        for (path, text) in crate::embedded::EMBEDDED {
            if *path == CATALOGUE_FILE {
                continue;
            }
            match parse(&format!("scenarios/{path}"), text, catalogue) {
                Ok(s) => acc.add(s, &mut errors, false),
                Err(e) => errors.extend(e),
            }
        }
        let builtin_count = acc.scenarios.len();
        for dir in extra_dirs {
            let mut files = Vec::new();
            if let Err(e) = walk(dir, &mut files) {
                errors.push(LoadError {
                    file: dir.display().to_string(),
                    line: 0,
                    column: 0,
                    message: format!("cannot read scenario directory: {e}"),
                    snippet: None,
                });
                continue;
            }
            for f in files {
                let name = f.display().to_string();
                if f.file_name().and_then(|n| n.to_str()) == Some(CATALOGUE_FILE) {
                    continue;
                }
                let text = match std::fs::read_to_string(&f) {
                    Ok(t) => t,
                    Err(e) => {
                        errors.push(LoadError {
                            file: name,
                            line: 0,
                            column: 0,
                            message: format!("cannot read: {e}"),
                            snippet: None,
                        });
                        continue;
                    }
                };
                match parse(&name, &text, catalogue) {
                    // A user file may replace an embedded scenario with the same id.
                    Ok(s) => {
                        let overrides_builtin = acc
                            .by_id
                            .get(&s.id.value)
                            .is_some_and(|&i| i < builtin_count);
                        acc.add(s, &mut errors, overrides_builtin)
                    }
                    Err(e) => errors.extend(e),
                }
            }
        }
        if errors.is_empty() {
            Ok(Library {
                scenarios: acc.scenarios,
            })
        } else {
            Err(errors)
        }
    }

    /// (scenario id, check id) of every `precondition: true` check: they gate applicability
    /// (a failing one makes the rest of its scenario not applicable) rather than judge.
    pub fn precondition_checks(&self) -> std::collections::BTreeSet<(String, String)> {
        self.scenarios
            .iter()
            .flat_map(|s| {
                s.steps.iter().flat_map(move |st| {
                    st.expect
                        .iter()
                        .filter(|e| e.value.precondition)
                        .map(move |e| {
                            (
                                s.id.value.clone(),
                                crate::scenario::check_id(&st.name.value, &e.value),
                            )
                        })
                })
            })
            .collect()
    }

    /// Scenarios selected by `--only` patterns: a glob over scenario ids (`*` wildcard) or a
    /// requirement id named by one of the scenario's checks.
    pub fn select(&self, patterns: &[String]) -> Vec<Scenario> {
        if patterns.is_empty() {
            return self.scenarios.clone();
        }
        self.scenarios
            .iter()
            .filter(|s| {
                patterns.iter().any(|p| {
                    glob(p, &s.id.value)
                        || s.steps
                            .iter()
                            .flat_map(|st| st.expect.iter())
                            .any(|e| e.value.req.eq_ignore_ascii_case(p))
                })
            })
            .cloned()
            .collect()
    }

    /// [`Library::select`] without copying the whole library: a run keeps one copy of its
    /// scenarios.
    pub fn into_selected(self, patterns: &[String]) -> Vec<Scenario> {
        if patterns.is_empty() {
            return self.scenarios;
        }
        self.select(patterns)
    }
}

/// `*` matches any run of characters; everything else literally.
pub fn glob(pattern: &str, s: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == s;
    }
    let mut rest = s;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            match rest.strip_prefix(part) {
                Some(r) => rest = r,
                None => return false,
            }
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            match rest.find(part) {
                Some(j) => rest = &rest[j + part.len()..],
                None => return false,
            }
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::glob;

    #[test]
    fn globbing() {
        assert!(glob("http-*", "http-headers"));
        assert!(glob("*headers", "http-headers"));
        assert!(glob("*-h*s", "http-headers"));
        assert!(!glob("http-*", "stateless-x"));
        assert!(glob("exact", "exact"));
    }
}
