//! The OAuth documents of a protected MCP server (RFC 9728 Protected Resource Metadata) and of
//! its authorization server (RFC 8414 / OpenID Connect Discovery metadata), validated against
//! mcpcheck's own `json/oauth.schema.json`. Kept apart from the revision's registry: these are
//! plain HTTP documents, not JSON-RPC messages.

use std::collections::HashMap;
use std::sync::LazyLock;

use serde_json::Value;

use crate::SchemaError;

const OAUTH_SCHEMA_TEXT: &str = include_str!("../json/oauth.schema.json");
const OAUTH_SCHEMA_URI: &str = "urn:mcpcheck:schema:oauth";

/// The documents [`validate_oauth`] knows.
pub const OAUTH_DOCUMENTS: &[&str] = &["ProtectedResourceMetadata", "AuthorizationServerMetadata"];

static VALIDATORS: LazyLock<HashMap<&'static str, jsonschema::Validator>> = LazyLock::new(|| {
    let schema: Value =
        serde_json::from_str(OAUTH_SCHEMA_TEXT).expect("bundled oauth schema is JSON (tested)");
    let registry = jsonschema::Registry::new()
        .add(OAUTH_SCHEMA_URI, &schema)
        .and_then(|b| b.prepare())
        .expect("bundled oauth schema registers (tested)");
    OAUTH_DOCUMENTS
        .iter()
        .map(|name| {
            let root = serde_json::json!({"$ref": format!("{OAUTH_SCHEMA_URI}#/$defs/{name}")});
            let v = jsonschema::options()
                .with_registry(&registry)
                .build(&root)
                .expect("bundled oauth schema compiles (tested)");
            (*name, v)
        })
        .collect()
});

/// The text of mcpcheck's schema of the OAuth documents.
pub fn oauth_schema_json() -> &'static str {
    OAUTH_SCHEMA_TEXT
}

/// Validates `value` as the OAuth document `name` (one of [`OAUTH_DOCUMENTS`]); `None` for an
/// unknown name.
pub fn validate_oauth(name: &str, value: &Value) -> Option<Vec<SchemaError>> {
    let v = VALIDATORS.get(name)?;
    Some(
        v.iter_errors(value)
            .map(|e| SchemaError {
                pointer: e.instance_path().as_str().to_owned(),
                definition: name.to_owned(),
                message: e.to_string(),
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn prm_needs_resource_and_an_authorization_server() {
        let ok = json!({"resource": "https://mcp.example.test/mcp",
            "authorization_servers": ["https://auth.example.test"],
            "bearer_methods_supported": ["header"]});
        assert_eq!(
            validate_oauth("ProtectedResourceMetadata", &ok),
            Some(vec![])
        );
        for bad in [
            json!({"resource": "https://mcp.example.test/mcp"}),
            json!({"resource": "https://mcp.example.test/mcp", "authorization_servers": []}),
            json!({"resource": "mcp.example.test", "authorization_servers": ["https://a.test"]}),
            json!({"resource": "https://m.test/mcp#x", "authorization_servers": ["https://a.test"]}),
            json!({"resource": "https://m.test/mcp", "authorization_servers": ["https://a.test"],
                "bearer_methods_supported": ["cookie"]}),
        ] {
            let errors = validate_oauth("ProtectedResourceMetadata", &bad).unwrap();
            assert!(!errors.is_empty(), "{bad} should be invalid");
        }
    }

    #[test]
    fn as_metadata_needs_an_issuer_without_query() {
        let ok = json!({"issuer": "http://127.0.0.1:9", "response_types_supported": [],
            "token_endpoint": "http://127.0.0.1:9/token"});
        assert_eq!(
            validate_oauth("AuthorizationServerMetadata", &ok),
            Some(vec![])
        );
        let bad = json!({"issuer": "https://a.test/?x=1", "response_types_supported": []});
        assert!(
            !validate_oauth("AuthorizationServerMetadata", &bad)
                .unwrap()
                .is_empty()
        );
        assert!(validate_oauth("Nope", &ok).is_none());
    }
}
