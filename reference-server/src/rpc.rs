//! JSON-RPC error values and the outcome of handling one request.

use axum::http::StatusCode;
use serde_json::{Value, json};

// The revision's codes come from the schemas crate, the one place that knows the wire.
pub use mcpcheck_schemas::wire::error_codes::{
    HEADER_MISMATCH, INTERNAL_ERROR, INVALID_PARAMS, INVALID_REQUEST, METHOD_NOT_FOUND,
    MISSING_REQUIRED_CLIENT_CAPABILITY as MISSING_CLIENT_CAPABILITY, PARSE_ERROR,
    UNSUPPORTED_PROTOCOL_VERSION,
};
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
    /// A response stream produced over time (e.g. `test_slow_cancellable`, or faults that send
    /// something after the final response). Transports send the items in order: a
    /// [`LiveEvent::Message`] as-is, [`LiveEvent::Final`] wrapped in the response envelope with
    /// the request id (results through `finish_result`), and may render [`LiveEvent::Comment`]
    /// as an SSE comment or ignore it (stdio). Items may follow `Final` (fault modes only).
    /// Dropping the stream before it ends is how a transport reports that the client went away
    /// (cancellation, CANCEL-01): the fixture then records the run as cancelled.
    Live(LiveStream),
}

/// One item of an [`Outcome::Live`] stream.
#[derive(Debug)]
pub enum LiveEvent {
    /// A notification (sent as-is).
    Message(Value),
    /// The final response body (result or error) for the request.
    Final(Result<Value, RpcError>),
    /// A keep-alive / progress comment without a message (SSE `: text`).
    Comment(String),
}

/// The boxed stream behind [`Outcome::Live`].
pub struct LiveStream(
    pub std::pin::Pin<Box<dyn futures_util::Stream<Item = LiveEvent> + Send + 'static>>,
);

impl std::fmt::Debug for LiveStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LiveStream(..)")
    }
}

impl LiveStream {
    pub fn new(s: impl futures_util::Stream<Item = LiveEvent> + Send + 'static) -> Self {
        LiveStream(Box::pin(s))
    }
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
