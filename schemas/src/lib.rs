//! Wire types and JSON Schemas of MCP revision 2026-07-28: the only crate that knows message
//! shapes.
//!
//! * [`schema_json`] is mcpcheck's own, hand-written JSON Schema of the revision
//!   (`json/2026-07-28.schema.json`, see the crate README for where it is stricter than the
//!   official one); [`tasks_schema_json`] the one of the tasks extension
//!   (`json/ext-tasks.schema.json`), which refers to the core one.
//! * [`validate_response`], [`validate_notification`] and [`validate_def`] check messages against
//!   it and return every violation with a JSON pointer into the checked message.
//! * [`wire`] holds serde types for the main messages, for the reference server and the fuzzer.
//!
//! This crate knows nothing about HTTP; header names are only listed as constants.

mod oauth;
mod validate;
pub mod wire;

pub use oauth::{OAUTH_DOCUMENTS, oauth_schema_json, validate_oauth};

pub use validate::{
    ResultTypeExtension, TASK_RESULT_TYPE_UNDECLARED, TASK_RESULT_TYPE_WRONG_METHOD,
    TASKS_SCHEMA_URI, UnknownDefinition, definitions, notification_definition, result_definition,
    schema, schema_json, tasks_result_types, tasks_schema, tasks_schema_json, validate_def,
    validate_notification, validate_response, validate_response_declared, validate_response_with,
};
pub use wire::TASKS_EXTENSION;

/// The MCP revision this crate describes.
pub const REVISION: &str = "2026-07-28";

/// One schema violation: where in the message, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaError {
    /// JSON pointer into the validated message (e.g. `/result/tools/0/inputSchema/type`).
    pub pointer: String,
    /// The schema definition the value was checked against, e.g. `ListToolsResult`.
    pub definition: String,
    pub message: String,
}

impl std::fmt::Display for SchemaError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let pointer = if self.pointer.is_empty() {
            "(root)"
        } else {
            &self.pointer
        };
        write!(f, "{pointer} [{}]: {}", self.definition, self.message)
    }
}

/// The JSON Schema of mcpcheck's scenario file format (v1), for editors and tests.
pub fn scenario_schema_json() -> &'static str {
    include_str!("../json/scenario.schema.json")
}
