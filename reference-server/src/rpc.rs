//! JSON-RPC error values and the outcome of handling one request.

use axum::http::StatusCode;
use serde_json::{Value, json};

pub const PARSE_ERROR: i64 = -32700;
pub const INVALID_REQUEST: i64 = -32600;
pub const METHOD_NOT_FOUND: i64 = -32601;
pub const INVALID_PARAMS: i64 = -32602;
pub const INTERNAL_ERROR: i64 = -32603;
pub const HEADER_MISMATCH: i64 = -32020;
pub const MISSING_CLIENT_CAPABILITY: i64 = -32021;
pub const UNSUPPORTED_PROTOCOL_VERSION: i64 = -32022;
/// Pre-final HeaderMismatch code; only emitted by the `legacy-error-range` fault.
pub const LEGACY_HEADER_MISMATCH: i64 = -32001;
/// An MCP-range code the revision does not assign; only emitted by the `unassigned-mcp-code` fault.
pub const UNASSIGNED_MCP_CODE: i64 = -32030;
/// An application code inside the reserved JSON-RPC range; only emitted by the
/// `app-code-in-reserved-range` fault.
pub const RESERVED_RANGE_APP_CODE: i64 = -32650;
/// Retired resource-not-found code; only emitted by the `resource-not-found-legacy-code` fault.
pub const LEGACY_RESOURCE_NOT_FOUND: i64 = -32002;

/// A JSON-RPC error plus the HTTP status it is sent with.
#[derive(Debug, Clone, PartialEq)]
pub struct RpcError {
    pub status: StatusCode,
    pub code: i64,
    pub message: String,
    pub data: Option<Value>,
}

impl RpcError {
    pub fn new(status: StatusCode, code: i64, message: impl Into<String>) -> Self {
        RpcError {
            status,
            code,
            message: message.into(),
            data: None,
        }
    }

    pub fn with_data(mut self, data: Value) -> Self {
        self.data = Some(data);
        self
    }

    /// -32602 sent with HTTP 200 (method-level parameter problems; the status is unspecified).
    pub fn invalid_params(message: impl Into<String>) -> Self {
        RpcError::new(StatusCode::OK, INVALID_PARAMS, message)
    }

    /// -32603 sent with HTTP 200.
    pub fn internal(message: impl Into<String>) -> Self {
        RpcError::new(StatusCode::OK, INTERNAL_ERROR, message)
    }

    /// The `error` member of a response.
    pub fn to_error_object(&self) -> Value {
        let mut err = json!({"code": self.code, "message": self.message});
        if let Some(data) = &self.data {
            err["data"] = data.clone();
        }
        err
    }
}

/// What a method handler produced.
#[derive(Debug)]
pub enum Outcome {
    /// A single JSON response carrying this result.
    Result(Value),
    /// A JSON-RPC error.
    Error(RpcError),
    /// An SSE response: `before` are sent first, then the final result (or error).
    Stream {
        before: Vec<Value>,
        last: Result<Value, RpcError>,
    },
    /// A long-lived `subscriptions/listen` stream.
    Listen(crate::server::Listen),
}

impl From<RpcError> for Outcome {
    fn from(e: RpcError) -> Self {
        Outcome::Error(e)
    }
}

/// A JSON-RPC notification message.
pub fn notification(method: &str, params: Value) -> Value {
    json!({"jsonrpc": "2.0", "method": method, "params": params})
}

/// Builds a response envelope. `id` is omitted when `None`.
pub fn envelope(id: Option<&Value>, body: Result<Value, &RpcError>) -> Value {
    let mut msg = json!({"jsonrpc": "2.0"});
    if let Some(id) = id {
        msg["id"] = id.clone();
    }
    match body {
        Ok(result) => msg["result"] = result,
        Err(e) => msg["error"] = e.to_error_object(),
    }
    msg
}
