//! The requirement catalogue (`scenarios/requirements.yaml`): every testable server requirement
//! of the revision with its level, our one-line rule and the spec source. `list`, `explain` and
//! the reports read it; scenarios may only name ids it has.

use std::collections::BTreeMap;

use mcpcheck_reports::Level;
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
pub struct Requirement {
    pub id: String,
    pub area: String,
    /// The level as the digest states it, e.g. "MUST / MUST NOT".
    pub level: String,
    /// Default level for a check of this requirement.
    pub check_level: Level,
    #[serde(default)]
    pub qualifiers: Vec<String>,
    pub title: String,
    pub rule: String,
    pub source: String,
    /// Why no scenario checks this requirement (exactly the requirements no check names have
    /// one; a test holds the catalogue to that).
    #[serde(default)]
    pub uncovered: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
struct File {
    revision: String,
    requirements: Vec<Requirement>,
}

#[derive(Debug, Clone)]
pub struct Catalogue {
    pub revision: String,
    order: Vec<String>,
    by_id: BTreeMap<String, Requirement>,
}

pub const CATALOGUE_FILE: &str = "requirements.yaml";

impl Catalogue {
    pub fn parse(name: &str, text: &str) -> Result<Catalogue, String> {
        let f: File = serde_saphyr::from_str(text)
            .map_err(|e| format!("{name}: {}", e.to_string().replace("<input>", name)))?;
        let mut by_id = BTreeMap::new();
        let mut order = Vec::new();
        for r in f.requirements {
            if by_id.contains_key(&r.id) {
                return Err(format!("{name}: requirement {} is listed twice", r.id));
            }
            order.push(r.id.clone());
            by_id.insert(r.id.clone(), r);
        }
        Ok(Catalogue {
            revision: f.revision,
            order,
            by_id,
        })
    }

    /// The catalogue embedded in the binary.
    pub fn builtin() -> Catalogue {
        let text = crate::embedded::EMBEDDED
            .iter()
            .find(|(p, _)| *p == CATALOGUE_FILE)
            .map(|(_, t)| *t)
            .expect("scenarios/requirements.yaml is embedded");
        Catalogue::parse(CATALOGUE_FILE, text).expect("the embedded catalogue parses (tested)")
    }

    pub fn get(&self, id: &str) -> Option<&Requirement> {
        self.by_id.get(id)
    }

    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.order.iter().map(|s| s.as_str())
    }

    pub fn iter(&self) -> impl Iterator<Item = &Requirement> {
        self.order.iter().map(|id| &self.by_id[id])
    }

    /// The catalogue as the run record carries it.
    pub fn record_info(&self) -> Vec<mcpcheck_reports::RequirementInfo> {
        self.iter()
            .map(|r| mcpcheck_reports::RequirementInfo {
                id: r.id.clone(),
                area: r.area.clone(),
                level: r.level.clone(),
                title: r.title.clone(),
                rule: r.rule.clone(),
                source: r.source.clone(),
                uncovered: r.uncovered.clone(),
            })
            .collect()
    }

    pub fn len(&self) -> usize {
        self.order.len()
    }

    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }
}
