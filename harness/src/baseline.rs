//! The `--expected-failures FILE` baseline: a YAML file with a `server:` list of scenario ids
//! (`scenario`) or check ids (`scenario:check`), the shape the official conformance suite
//! reads. Matching entries against a run is `mcpcheck_reports::apply_baseline`.

use mcpcheck_reports::BaselineEntry;
use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::scenario::LoadError;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    server: Option<Vec<Spanned<serde_json::Value>>>,
    /// Client scenarios: the official suite's file may list them; mcpcheck tests servers only.
    #[serde(default)]
    #[allow(dead_code)]
    client: Option<serde::de::IgnoredAny>,
}

/// Reads and checks a baseline file. Every problem is reported with its line.
pub fn load(path: &std::path::Path) -> Result<Vec<BaselineEntry>, Vec<LoadError>> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| {
        vec![LoadError {
            file: name.clone(),
            line: 0,
            column: 0,
            snippet: None,
            message: format!("cannot read the expected-failures file: {e}"),
        }]
    })?;
    parse(&name, &text)
}

pub fn parse(name: &str, text: &str) -> Result<Vec<BaselineEntry>, Vec<LoadError>> {
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    let file: File = serde_saphyr::from_str(text)
        .map_err(|e| vec![crate::scenario::from_yaml_error(name, text, &e)])?;
    let mut errors = Vec::new();
    let mut entries: Vec<BaselineEntry> = Vec::new();
    for item in file.server.unwrap_or_default() {
        let at = |message: String| crate::scenario::err_at(name, text, &item.referenced, message);
        let line = item.referenced.line() as usize;
        let entry = match &item.value {
            serde_json::Value::String(s) => s.trim().to_string(),
            serde_json::Value::Number(n) => n.to_string(),
            serde_json::Value::Bool(b) => b.to_string(),
            serde_json::Value::Null => {
                errors.push(at(
                    "an empty entry; write `scenario` or `scenario:check`".into()
                ));
                continue;
            }
            serde_json::Value::Object(m) => {
                // `- scenario: check` parses as a mapping: a space crept in after the colon.
                let hint = match m.iter().next() {
                    Some((k, v)) if m.len() == 1 && (v.is_string() || v.is_number()) => {
                        let v = v.as_str().map_or_else(|| v.to_string(), str::to_string);
                        format!("; did you mean `{k}:{v}` (no space after the colon)?")
                    }
                    _ => String::new(),
                };
                errors.push(at(format!(
                    "an entry is `scenario` or `scenario:check`, not a mapping{hint}"
                )));
                continue;
            }
            serde_json::Value::Array(_) => {
                errors.push(at(
                    "an entry is `scenario` or `scenario:check`, not a list".into()
                ));
                continue;
            }
        };
        let parsed = BaselineEntry {
            entry: entry.clone(),
            line,
        };
        if entry.is_empty()
            || parsed.scenario().is_empty()
            || parsed.check().is_some_and(str::is_empty)
        {
            errors.push(at(format!(
                "`{entry}` is not `scenario` or `scenario:check` (both sides of the colon are needed)"
            )));
            continue;
        }
        if let Some(prev) = entries.iter().find(|p| p.entry == entry) {
            errors.push(at(format!(
                "`{entry}` is listed twice (also on line {}); delete one",
                prev.line
            )));
            continue;
        }
        // A whole-scenario entry makes a check entry of the same scenario meaningless.
        let clash = entries.iter().find(|p| {
            p.scenario() == parsed.scenario() && (p.check().is_none() != parsed.check().is_none())
        });
        if let Some(prev) = clash {
            errors.push(at(format!(
                "`{entry}` and `{}` (line {}) overlap: a `scenario` entry already expects every check of it to fail; keep one",
                prev.entry, prev.line
            )));
            continue;
        }
        entries.push(parsed);
    }
    if errors.is_empty() {
        Ok(entries)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(r: &[BaselineEntry]) -> Vec<(String, usize)> {
        r.iter().map(|e| (e.entry.clone(), e.line)).collect()
    }

    #[test]
    fn entries_keep_their_lines() {
        let text = "# known\nserver:\n  - tools-call\n  - caching-ttl:result-schema\nclient:\n  - whatever\n";
        let r = parse("b.yaml", text).unwrap();
        assert_eq!(
            lines(&r),
            vec![
                ("tools-call".to_string(), 3),
                ("caching-ttl:result-schema".to_string(), 4)
            ]
        );
        assert_eq!(r[1].scenario(), "caching-ttl");
        assert_eq!(r[1].check(), Some("result-schema"));
    }

    #[test]
    fn empty_file_and_missing_server_list_are_empty_baselines() {
        assert!(parse("b.yaml", "").unwrap().is_empty());
        assert!(parse("b.yaml", "client:\n  - x\n").unwrap().is_empty());
    }

    #[test]
    fn problems_name_their_line() {
        let text = "server:\n  - a\n  - a\n  - b: c\n  -\n  - ':x'\n  - d\n  - d:e\n";
        let errs = parse("b.yaml", text).unwrap_err();
        let got: Vec<(u64, &str)> = errs.iter().map(|e| (e.line, e.message.as_str())).collect();
        assert_eq!(got.len(), 5, "{got:#?}");
        assert_eq!(got[0].0, 3);
        assert!(got[0].1.contains("listed twice (also on line 2)"));
        assert_eq!(got[1].0, 4);
        assert!(got[1].1.contains("did you mean `b:c`"));
        assert_eq!(got[2].0, 5);
        assert!(got[2].1.contains("empty entry"));
        assert_eq!(got[3].0, 6);
        assert!(got[3].1.contains("both sides"));
        assert_eq!(got[4].0, 8);
        assert!(got[4].1.contains("overlap"));
    }

    #[test]
    fn unknown_top_level_key_is_an_error() {
        let errs = parse("b.yaml", "sever:\n  - a\n").unwrap_err();
        assert_eq!(errs[0].line, 1, "{}", errs[0]);
    }
}
