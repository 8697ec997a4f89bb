//! One generated request: a body (JSON or raw bytes) and how its headers are made.

use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    /// Serialised compactly when sent.
    Json(Value),
    /// Sent byte for byte (encoding mutations: invalid UTF-8, truncation, BOM, ...).
    Bytes(Vec<u8>),
}

impl Body {
    pub fn bytes(&self) -> Vec<u8> {
        match self {
            Body::Json(v) => serde_json::to_vec(v).unwrap_or_default(),
            Body::Bytes(b) => b.clone(),
        }
    }

    pub fn json(&self) -> Option<&Value> {
        match self {
            Body::Json(v) => Some(v),
            Body::Bytes(_) => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    /// Position in the campaign (the generator's stream for it is `(seed, index)`).
    pub index: u64,
    /// What the generator did, e.g. `tools/call test_simple_text: unicode arguments`.
    pub label: String,
    pub body: Body,
    /// Headers are the baseline headers of this JSON-RPC method for the body's params (so they
    /// follow the body while it is shrunk); `None`: only Content-Type and Accept.
    pub headers_for: Option<String>,
    /// Then these edits, in order: a value sets the header, `None` removes it.
    pub header_edits: Vec<(String, Option<String>)>,
}

impl Case {
    /// The JSON-RPC method the body names, if it names one.
    pub fn rpc_method(&self) -> Option<String> {
        self.body
            .json()
            .and_then(|v| v.get("method"))
            .and_then(Value::as_str)
            .map(String::from)
            .or_else(|| {
                // A byte-mutated body still usually names its method.
                self.headers_for.clone()
            })
    }

    /// The id sent, when the body is a JSON object with one.
    pub fn id(&self) -> Option<&Value> {
        self.body.json().and_then(|v| v.get("id"))
    }

    /// A JSON-RPC request an answer must be given to: an object with `"jsonrpc": "2.0"`, a
    /// string method and a string or integer id.
    pub fn is_well_formed_request(&self) -> bool {
        let Some(Value::Object(o)) = self.body.json() else {
            return false;
        };
        o.get("jsonrpc") == Some(&Value::String("2.0".into()))
            && o.get("method").is_some_and(Value::is_string)
            && o.get("id").is_some_and(valid_id)
            && o.get("params").is_none_or(Value::is_object)
    }

    /// A JSON-RPC notification: an object with a string method and no id.
    pub fn is_notification(&self) -> bool {
        let Some(Value::Object(o)) = self.body.json() else {
            return false;
        };
        o.get("jsonrpc") == Some(&Value::String("2.0".into()))
            && o.get("method").is_some_and(Value::is_string)
            && !o.contains_key("id")
    }
}

/// A request id the schema allows: a string or an integer.
pub fn valid_id(id: &Value) -> bool {
    match id {
        Value::String(_) => true,
        Value::Number(n) => n.is_i64() || n.is_u64(),
        _ => false,
    }
}
