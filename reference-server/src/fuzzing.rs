//! Entry points for the cargo-fuzz targets in fuzz/; not a stable API.
//!
//! Thin wrappers around crate-private pieces (the `requestState` codec, the bearer-token gate,
//! the stdin line reader) so that the fuzz targets exercise the very code the server runs.

use std::io::BufRead;
use std::net::SocketAddr;

use axum::http::{HeaderMap, HeaderValue, Uri, header};
use serde_json::{Map, Value};

use crate::auth::{Auth, AuthConfig, Issuer};
use crate::server::{Conn, Incoming, parse_message};

// ---------------------------------------------------------------------------------------------
// requestState

/// What a `requestState` is bound to (method, tool / prompt name or resource URI, arguments).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateBinding(crate::mrtr::Binding);

impl StateBinding {
    /// The binding of a `method` request with these `params` (as the server computes it).
    pub fn of(method: &str, params: &Map<String, Value>) -> StateBinding {
        StateBinding(crate::mrtr::Binding::of(method, params))
    }
}

/// Seals `data` into a `requestState` (HMAC-SHA256 with `key`).
pub fn seal_state(key: &[u8], binding: &StateBinding, data: &Value) -> String {
    crate::mrtr::seal(key, &binding.0, data)
}

/// Opens a `requestState` with every check on (tag, binding, expiry), as the server does
/// without fault modes.
pub fn open_state(key: &[u8], state: &str, binding: &StateBinding) -> Result<Value, &'static str> {
    let verify = crate::mrtr::Verify {
        tag: true,
        binding: true,
        expiry: true,
    };
    crate::mrtr::open(key, state, &binding.0, verify)
}

// ---------------------------------------------------------------------------------------------
// Authorization

/// The bearer token of one `Authorization` header value: `None` when the bytes are not a
/// header value at all, else what the server's parser says (`Ok(None)`: another scheme).
pub fn bearer_token(value: &[u8]) -> Option<Result<Option<String>, String>> {
    let value = HeaderValue::from_bytes(value).ok()?;
    Some(crate::auth::bearer_token(&value))
}

/// What a verified token grants: the `mcp` and `mcp:admin` scopes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Granted {
    pub base: bool,
    pub admin: bool,
}

/// A protected resource with the built-in authorization server (no fault mode, no network),
/// plus a runtime to drive its async checks.
pub struct AuthGate {
    auth: Auth,
    issuer: Issuer,
    resource: String,
    runtime: tokio::runtime::Runtime,
}

impl AuthGate {
    /// A gate for a server at `addr` (nothing is bound or served).
    pub fn new(addr: SocketAddr) -> Result<AuthGate, String> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        let auth = runtime
            .block_on(Auth::build(&AuthConfig::default(), addr, None))
            .map_err(|e| e.to_string())?;
        let issuer = auth
            .issuer_handle()
            .ok_or("the built-in authorization server is missing")?;
        Ok(AuthGate {
            auth,
            issuer,
            resource: format!("http://{addr}/mcp"),
            runtime,
        })
    }

    /// The canonical URI of the protected MCP endpoint (the audience tokens must name).
    pub fn resource(&self) -> &str {
        &self.resource
    }

    /// A token the built-in authorization server signs (see [`Issuer::mint`]).
    pub fn mint(&self, audience: &str, scope: &str, exp_offset_secs: i64) -> String {
        self.issuer.mint(audience, scope, exp_offset_secs)
    }

    /// Verifies a bearer token (signature with the issuer's keys, then iss, aud, exp, nbf).
    pub fn verify(&self, token: &str) -> Result<Granted, String> {
        self.runtime
            .block_on(self.auth.verify(token))
            .map(|g| Granted {
                base: g.base,
                admin: g.admin,
            })
    }

    /// Runs the `/mcp` gate on a request carrying these `Authorization` header values (values
    /// that are not header values are skipped); `Err` is the refusal's HTTP status.
    pub fn authenticate(&self, values: &[&[u8]]) -> Result<Granted, u16> {
        let mut headers = HeaderMap::new();
        for v in values {
            if let Ok(v) = HeaderValue::from_bytes(v) {
                headers.append(header::AUTHORIZATION, v);
            }
        }
        let conn = Conn {
            peer: SocketAddr::from(([127, 0, 0, 1], 1)),
            id: 0,
        };
        let uri = Uri::from_static("/mcp");
        self.runtime
            .block_on(self.auth.authenticate(conn, &headers, &uri, None))
            .map(|g| Granted {
                base: g.base,
                admin: g.admin,
            })
            .map_err(|r| r.status().as_u16())
    }
}

// ---------------------------------------------------------------------------------------------
// stdio

/// Every line the stdio binding reads from `reader` (as its stdin thread does).
pub fn read_lines(mut reader: impl BufRead) -> Vec<Vec<u8>> {
    let mut lines = Vec::new();
    while let Some(line) = crate::stdio::read_line(&mut reader) {
        lines.push(line);
    }
    lines
}

/// What the stdio binding makes of one line, before any request runs.
#[derive(Debug, Clone, PartialEq)]
pub enum StdinLine {
    /// Blank: skipped.
    Blank,
    /// A well-formed `notifications/cancelled` for this request id.
    Cancel(Value),
    /// Answered with a JSON-RPC error of this code (the id it would echo, if any).
    Rejected { id: Option<Value>, code: i64 },
    /// A batch (answered with an error).
    Batch,
    /// Another notification (no answer).
    Notification,
    /// A request to run.
    Request {
        id: Value,
        method: String,
        params: Option<Value>,
    },
}

/// Classifies one stdin line the way the stdio binding dispatches it.
pub fn classify_line(line: &[u8]) -> StdinLine {
    if line.iter().all(u8::is_ascii_whitespace) {
        return StdinLine::Blank;
    }
    if let Some(id) = crate::stdio::cancel_target(line) {
        return StdinLine::Cancel(id);
    }
    match parse_message(line) {
        Err(failure) => {
            let (id, e) = *failure;
            StdinLine::Rejected { id, code: e.code }
        }
        Ok(Incoming::Batch) => StdinLine::Batch,
        Ok(Incoming::Notification) => StdinLine::Notification,
        Ok(Incoming::Request { id, method, params }) => StdinLine::Request { id, method, params },
    }
}
