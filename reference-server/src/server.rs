//! The Streamable HTTP endpoint: one POST handler running the validation pipeline
//! (Origin → body → notification → headers → `_meta` → version → method → capability → params).

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::connect_info::Connected;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::serve::IncomingStream;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::{Map, Value, json};
use tokio::sync::broadcast;

use crate::auth::Grant;
use crate::faults::FaultKind as F;
use crate::fixtures::{self, Ctx};
use crate::rpc::{
    HEADER_MISMATCH, INVALID_PARAMS, INVALID_REQUEST, LEGACY_HEADER_MISMATCH, METHOD_NOT_FOUND,
    Outcome, PARSE_ERROR, RpcError, UNASSIGNED_MCP_CODE, UNSUPPORTED_PROTOCOL_VERSION, envelope,
    notification,
};
use crate::{Config, SERVER_NAME, SERVER_VERSION, SUPPORTED_VERSIONS};

const META_PREFIX: &str = "io.modelcontextprotocol/";
const META_VERSION: &str = "io.modelcontextprotocol/protocolVersion";
const META_CAPS: &str = "io.modelcontextprotocol/clientCapabilities";
const META_CLIENT_INFO: &str = "io.modelcontextprotocol/clientInfo";
const META_LOG_LEVEL: &str = "io.modelcontextprotocol/logLevel";
const META_SERVER_INFO: &str = "io.modelcontextprotocol/serverInfo";
pub(crate) const META_SUBSCRIPTION: &str = "io.modelcontextprotocol/subscriptionId";

/// Lists whose changes are announced on `subscriptions/listen` streams.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListKind {
    Tools,
    Prompts,
}

/// The connection a request arrived on: the peer address plus a number unique within the
/// process (so a reused peer port never inherits an earlier connection's state).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Conn {
    pub peer: SocketAddr,
    pub id: u64,
}

static NEXT_CONN: AtomicU64 = AtomicU64::new(1);

impl Connected<IncomingStream<'_, tokio::net::TcpListener>> for Conn {
    fn connect_info(stream: IncomingStream<'_, tokio::net::TcpListener>) -> Self {
        Conn {
            peer: *stream.remote_addr(),
            id: NEXT_CONN.fetch_add(1, Ordering::Relaxed),
        }
    }
}

/// Request-spanning state of one connection; kept only by the per-connection fault modes.
#[derive(Debug, Default)]
pub struct ConnState {
    /// Capabilities of the last request that declared any (`sticky-capabilities`).
    pub sticky_caps: Option<Map<String, Value>>,
    /// A `tools/call` ran on this connection (`list-side-effect`).
    pub tools_called: bool,
}

/// Process-wide server state. Only fault modes keep request-spanning state, per connection.
pub struct AppState {
    fault: Option<F>,
    /// The tool list, built on first use: it depends only on the fault and `tools_only`, and
    /// every tools/call looks its tool up (building it per call was most of a call's CPU).
    pub(crate) tool_defs: std::sync::OnceLock<Vec<Value>>,
    /// See `Config::tools_only`.
    pub(crate) tools_only: bool,
    allowed_origins: Vec<String>,
    conns: Mutex<HashMap<Conn, ConnState>>,
    changes: broadcast::Sender<ListKind>,
    /// Other events for listen streams (resource changes; leaked request-scoped notifications
    /// under the `log-on-listen-stream` / `progress-on-listen-stream` faults).
    events: broadcast::Sender<ListenEvent>,
    /// `test_slow_cancellable` runs by `runId` (read by `test_cancellation_status`).
    pub(crate) runs: Runs,
    /// The task store and the evaluation of tasks (tasks extension).
    pub(crate) tasks: crate::tasks::TaskEngine,
    /// The HMAC key sealing `requestState` (per instance, see `mrtr.rs`).
    state_key: Vec<u8>,
    /// Protected-resource mode (`Config::auth`; HTTP only).
    pub(crate) auth: Option<crate::auth::Auth>,
}

/// Where a Redis store keeps the shared `requestState` key.
pub const STATE_KEY_NAME: &str = "mcpcheck:state-key";

/// Status of `test_slow_cancellable` runs, keyed by the client-chosen `runId`.
pub(crate) type Runs = Arc<Mutex<HashMap<String, RunStatus>>>;

/// What happened to one `test_slow_cancellable` run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct RunStatus {
    pub cancelled: bool,
    pub completed: bool,
}

/// A listen-stream event other than a tool/prompt list change.
#[derive(Debug, Clone)]
pub enum ListenEvent {
    /// `notifications/resources/list_changed`.
    ResourcesListChanged,
    /// `notifications/resources/updated` for this URI.
    ResourceUpdated(String),
    /// A request-scoped notification forwarded to every listen stream (fault modes only).
    Leak(Value),
}

impl AppState {
    /// A bare state with only fault `fault` (used to finish results off the request path).
    fn for_fault(fault: Option<F>) -> Self {
        let mut s = AppState::new(&Config::default());
        s.fault = fault;
        s
    }

    /// A state with an in-memory task store (`config.store` is not consulted) and the state
    /// key from the configuration, the environment or a random one.
    pub fn new(config: &Config) -> Self {
        let key = config
            .state_key
            .as_ref()
            .filter(|k| !k.is_empty())
            .map(|k| k.clone().into_bytes())
            .or_else(crate::mrtr::env_state_key)
            .unwrap_or_else(crate::mrtr::random_key);
        let store: Arc<dyn crate::store::TaskStore> =
            Arc::new(crate::store::MemoryStore::default());
        AppState::with_store(config, store, key)
    }

    fn with_store(
        config: &Config,
        store: Arc<dyn crate::store::TaskStore>,
        state_key: Vec<u8>,
    ) -> Self {
        let fault = config.fault.and_then(F::of);
        AppState {
            fault,
            tool_defs: std::sync::OnceLock::new(),
            tools_only: config.tools_only,
            allowed_origins: config.allowed_origins.clone(),
            conns: Mutex::new(HashMap::new()),
            changes: broadcast::channel(64).0,
            events: broadcast::channel(64).0,
            runs: Arc::default(),
            tasks: crate::tasks::TaskEngine::new(store, fault),
            state_key,
            auth: None,
        }
    }

    /// The state for `config`: opens its task store (`config.store`; a Redis store must
    /// answer `PING`) and settles the `requestState` key: `config.state_key`, else
    /// `MCPCHECK_STATE_KEY`, else the key shared through the store (set-if-absent under
    /// [`STATE_KEY_NAME`], so every instance on one Redis agrees; a memory store keeps a random
    /// key per instance).
    pub async fn build(config: &Config) -> Result<Self, crate::store::StoreError> {
        let store = crate::store::open(config.store.as_deref()).await?;
        let key = match config
            .state_key
            .as_ref()
            .filter(|k| !k.is_empty())
            .map(|k| k.clone().into_bytes())
            .or_else(crate::mrtr::env_state_key)
        {
            Some(k) => k,
            None => {
                let candidate: String = crate::mrtr::random_key()
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect();
                store
                    .shared_value(STATE_KEY_NAME, &candidate)
                    .await?
                    .into_bytes()
            }
        };
        Ok(AppState::with_store(config, store, key))
    }

    /// Turns protected-resource mode on (see [`crate::auth`]).
    pub(crate) fn set_auth(&mut self, auth: crate::auth::Auth) {
        self.auth = Some(auth);
    }

    /// The `requestState` HMAC key of this instance.
    pub(crate) fn state_key(&self) -> &[u8] {
        &self.state_key
    }

    /// Runs `f` on the state of connection `conn` (created on first use).
    pub fn with_conn<R>(&self, conn: Conn, f: impl FnOnce(&mut ConnState) -> R) -> R {
        let mut conns = self.conns.lock().unwrap_or_else(|e| e.into_inner());
        f(conns.entry(conn).or_default())
    }

    /// Whether fault `f` is active.
    pub fn has(&self, f: F) -> bool {
        self.fault == Some(f)
    }

    pub fn notify_list_changed(&self, kind: ListKind) {
        if !self.has(F::NoChangeNotifications) {
            let _ = self.changes.send(kind);
        }
    }

    /// Announces a resource change to listen streams (nothing under `no-change-notifications`).
    pub fn notify_resource_change(&self, event: ListenEvent) {
        if !self.has(F::NoChangeNotifications) {
            let _ = self.events.send(event);
        }
    }

    /// Forwards a request-scoped notification to every listen stream (fault modes only).
    pub fn leak_to_listeners(&self, message: &Value) {
        let _ = self.events.send(ListenEvent::Leak(message.clone()));
    }
}

/// The parts of request `_meta` the server uses.
#[derive(Debug, Clone, Default)]
pub struct RequestMeta {
    pub version: String,
    pub capabilities: Map<String, Value>,
    pub progress_token: Option<Value>,
    /// Index into [`fixtures::LOG_LEVELS`].
    pub log_level: Option<usize>,
}

/// The `/mcp` router (plus, in auth mode, the metadata documents and the built-in
/// authorization server); serve it with `into_make_service_with_connect_info::<Conn>()`.
pub fn router(state: Arc<AppState>) -> Router {
    let mut router = Router::new().route("/mcp", post(post_mcp).get(get_mcp).delete(delete_mcp));
    if let Some(auth) = &state.auth {
        router = crate::auth::routes(router, auth);
    }
    router.with_state(state)
}

/// In auth mode, the bearer-token check that precedes everything else on `/mcp`; the
/// request's grant or the refusal.
async fn authenticate(
    state: &AppState,
    conn: Conn,
    headers: &HeaderMap,
    uri: &Uri,
    body: Option<&[u8]>,
) -> Result<Grant, Response> {
    match &state.auth {
        Some(auth) => auth.authenticate(conn, headers, uri, body).await,
        None => Ok(Grant::default()),
    }
}

async fn get_mcp(
    State(state): State<Arc<AppState>>,
    ConnectInfo(conn): ConnectInfo<Conn>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    if let Err(refused) = authenticate(&state, conn, &headers, &uri, None).await {
        return refused;
    }
    if state.has(F::GetAllowed) {
        return sse_response(&state, Vec::new());
    }
    method_not_allowed()
}

async fn delete_mcp(
    State(state): State<Arc<AppState>>,
    ConnectInfo(conn): ConnectInfo<Conn>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    if let Err(refused) = authenticate(&state, conn, &headers, &uri, None).await {
        return refused;
    }
    if state.has(F::DeleteAllowed) {
        return StatusCode::OK.into_response();
    }
    method_not_allowed()
}

fn method_not_allowed() -> Response {
    (
        StatusCode::METHOD_NOT_ALLOWED,
        [(header::ALLOW, "POST")],
        "only POST is supported on this endpoint",
    )
        .into_response()
}

async fn post_mcp(
    State(state): State<Arc<AppState>>,
    ConnectInfo(conn): ConnectInfo<Conn>,
    headers: HeaderMap,
    uri: Uri,
    body: Bytes,
) -> Response {
    let grant = match authenticate(&state, conn, &headers, &uri, Some(&body)).await {
        Ok(g) => g,
        Err(refused) => return refused,
    };
    let mut response = handle_post(&state, conn, grant, &headers, &body).await;
    if state.has(F::MintsSessionId) {
        response.headers_mut().insert(
            "mcp-session-id",
            HeaderValue::from_static("mcpcheck-fault-session"),
        );
    }
    response
}

async fn handle_post(
    state: &AppState,
    conn: Conn,
    grant: Grant,
    headers: &HeaderMap,
    body: &[u8],
) -> Response {
    if let Err(e) = check_origin(state, headers) {
        return error_response(state, None, e);
    }
    if state.has(F::RejectsLastEventId) && headers.contains_key("last-event-id") {
        let e = RpcError::new(
            StatusCode::BAD_REQUEST,
            INVALID_REQUEST,
            "Last-Event-ID is not supported",
        );
        return error_response(state, None, e);
    }
    if state.has(F::RejectsSessionId) && headers.contains_key("mcp-session-id") {
        let e = RpcError::new(
            StatusCode::BAD_REQUEST,
            INVALID_REQUEST,
            "Unknown session (Mcp-Session-Id)",
        );
        return error_response(state, None, e);
    }
    match parse_message(body) {
        Err(_) | Ok(Incoming::Batch) if state.has(F::BatchCrash) => {
            (StatusCode::INTERNAL_SERVER_ERROR, "internal server error").into_response()
        }
        Err(failure) => {
            let (id, e) = *failure;
            error_response(state, id.as_ref(), e)
        }
        Ok(Incoming::Batch) => {
            let e = RpcError::new(
                StatusCode::BAD_REQUEST,
                INVALID_REQUEST,
                "Batch requests are not supported",
            );
            error_response(state, None, e)
        }
        Ok(Incoming::Notification) => notification_response(state),
        Ok(Incoming::Request { id, method, params }) => {
            if let Some(r) = fuzz_faults(state, &id, &method, params.as_ref()).await {
                return r;
            }
            let id = if state.has(F::FuzzLargeIdFloat) {
                large_id_as_float(id)
            } else {
                id
            };
            let mut outcome = handle_request(state, conn, grant, headers, &method, params.as_ref())
                .await
                .unwrap_or_else(Outcome::Error);
            apply_request_faults(state, &id, &method, &mut outcome);
            respond(state, &id, outcome)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Origin

fn check_origin(state: &AppState, headers: &HeaderMap) -> Result<(), RpcError> {
    if state.has(F::OriginUnchecked) {
        return Ok(());
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return Ok(());
    };
    let allowed = !state.has(F::LoopbackOriginRejected)
        && origin
            .to_str()
            .is_ok_and(|o| origin_allowed(o, &state.allowed_origins));
    if allowed {
        return Ok(());
    }
    let status = if state.has(F::OriginWrongStatus) {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::FORBIDDEN
    };
    Err(RpcError::new(status, INVALID_REQUEST, "Origin not allowed"))
}

/// Loopback origins (any scheme and port) plus the configured extra origins are allowed.
pub fn origin_allowed(origin: &str, extra: &[String]) -> bool {
    if extra.iter().any(|o| o.eq_ignore_ascii_case(origin)) {
        return true;
    }
    let Some((_, rest)) = origin.split_once("://") else {
        return false;
    };
    let authority = rest.split('/').next().unwrap_or("");
    let host = if authority.starts_with('[') {
        authority.split_inclusive(']').next().unwrap_or("")
    } else {
        authority.split(':').next().unwrap_or("")
    };
    ["localhost", "127.0.0.1", "[::1]"]
        .iter()
        .any(|h| h.eq_ignore_ascii_case(host))
}

// ---------------------------------------------------------------------------------------------
// Body

pub(crate) enum Incoming {
    Batch,
    Notification,
    Request {
        id: Value,
        method: String,
        params: Option<Value>,
    },
}

pub(crate) type ParseFailure = Box<(Option<Value>, RpcError)>;

pub(crate) fn parse_message(body: &[u8]) -> Result<Incoming, ParseFailure> {
    let bad = |id: Option<Value>, msg: &str| -> ParseFailure {
        Box::new((
            id,
            RpcError::new(StatusCode::BAD_REQUEST, INVALID_REQUEST, msg),
        ))
    };
    let value: Value = serde_json::from_slice(body).map_err(|e| -> ParseFailure {
        Box::new((
            None,
            RpcError::new(
                StatusCode::BAD_REQUEST,
                PARSE_ERROR,
                format!("Parse error: {e}"),
            ),
        ))
    })?;
    let mut obj = match value {
        Value::Array(_) => return Ok(Incoming::Batch),
        Value::Object(o) => o,
        _ => return Err(bad(None, "The body must be a JSON-RPC request object")),
    };
    let id = match obj.remove("id") {
        None => None,
        Some(id @ Value::String(_)) => Some(id),
        Some(Value::Number(n)) if n.is_i64() || n.is_u64() => Some(Value::Number(n)),
        // A fractional or out-of-range number is no RequestId: echoing it would make the
        // error response itself invalid, so the error goes without an id.
        Some(_) => return Err(bad(None, "id must be a string or an integer")),
    };
    if obj.get("jsonrpc") != Some(&json!("2.0")) {
        return Err(bad(id, "jsonrpc must be \"2.0\""));
    }
    let Some(Value::String(method)) = obj.remove("method") else {
        let msg = if obj.contains_key("result") || obj.contains_key("error") {
            "JSON-RPC responses are not accepted by the server"
        } else {
            "method must be a string"
        };
        return Err(bad(id, msg));
    };
    let params = obj.remove("params");
    let Some(id) = id else {
        if params.as_ref().is_some_and(|p| !p.is_object()) {
            return Err(bad(None, "notification params must be an object"));
        }
        return Ok(Incoming::Notification);
    };
    Ok(Incoming::Request { id, method, params })
}

// ---------------------------------------------------------------------------------------------
// Fuzz faults: defects only unusual input reaches

/// Depth of the deepest container in `v` (a scalar is 0), without recursion.
fn nesting_depth(v: &Value) -> usize {
    let mut max = 0;
    let mut stack = vec![(v, 0usize)];
    while let Some((v, d)) = stack.pop() {
        match v {
            Value::Object(m) => stack.extend(m.values().map(|x| (x, d + 1))),
            Value::Array(a) => stack.extend(a.iter().map(|x| (x, d + 1))),
            _ => max = max.max(d),
        }
    }
    max
}

/// Whether any string (or object key) in `v` satisfies `f`.
fn any_string(v: &Value, f: &dyn Fn(&str) -> bool) -> bool {
    let mut stack = vec![v];
    while let Some(v) = stack.pop() {
        match v {
            Value::String(s) if f(s) => return true,
            Value::Object(m) => {
                if m.keys().any(|k| f(k)) {
                    return true;
                }
                stack.extend(m.values());
            }
            Value::Array(a) => stack.extend(a.iter()),
            _ => {}
        }
    }
    false
}

async fn fuzz_faults(
    state: &AppState,
    id: &Value,
    method: &str,
    params: Option<&Value>,
) -> Option<Response> {
    let params = params?;
    if state.has(F::FuzzDeepNestingPanic) && nesting_depth(params) > 32 {
        panic!("fuzz-deep-nesting-panic: params nest more than 32 levels");
    }
    if state.has(F::FuzzHugeString500) && any_string(params, &|s| s.len() > 64 * 1024) {
        return Some((StatusCode::INTERNAL_SERVER_ERROR, "string too long").into_response());
    }
    if state.has(F::FuzzUnicodeHang) && any_string(params, &|s| s.contains('\u{202E}')) {
        std::future::pending::<()>().await;
    }
    if state.has(F::FuzzCursorResultInvalid)
        && method.ends_with("/list")
        && params
            .get("cursor")
            .and_then(Value::as_str)
            .is_some_and(|c| !c.is_ascii())
    {
        let body = json!({"jsonrpc": "2.0", "id": id, "result": {}});
        return Some(json_response(StatusCode::OK, &body, "application/json"));
    }
    None
}

/// An integer id beyond 2^53 as the nearest double (what a JavaScript server would echo).
fn large_id_as_float(id: Value) -> Value {
    const EXACT: u64 = 1 << 53;
    let big =
        id.as_u64().is_some_and(|n| n > EXACT) || id.as_i64().is_some_and(|n| n < -(EXACT as i64));
    match id.as_f64() {
        Some(f) if big => serde_json::Number::from_f64(f).map_or(id, Value::Number),
        _ => id,
    }
}

fn notification_response(state: &AppState) -> Response {
    if state.has(F::AnswersNotifications) {
        let body = json!({"jsonrpc": "2.0", "result": {"resultType": "complete"}});
        return json_response(StatusCode::OK, &body, "application/json");
    }
    StatusCode::ACCEPTED.into_response()
}

// ---------------------------------------------------------------------------------------------
// Request pipeline

async fn handle_request(
    state: &AppState,
    conn: Conn,
    grant: Grant,
    headers: &HeaderMap,
    method: &str,
    params: Option<&Value>,
) -> Result<Outcome, RpcError> {
    let params_obj = params.and_then(Value::as_object);
    if method == "initialize" && !headers.contains_key("mcp-protocol-version") {
        return legacy_handshake(state, params_obj);
    }
    check_headers(state, headers, method, params_obj)?;
    checked_dispatch(state, conn, grant, method, params).await
}

/// A 2025-era `initialize`: refused with a version-naming error (or accepted under
/// `initialize-accepted`).
fn legacy_handshake(
    state: &AppState,
    params: Option<&Map<String, Value>>,
) -> Result<Outcome, RpcError> {
    if state.has(F::InitializeAccepted) {
        return Ok(Outcome::Result(json!({
            "protocolVersion": "2025-11-25",
            "capabilities": {"tools": {}},
            "serverInfo": {"name": SERVER_NAME, "version": SERVER_VERSION}
        })));
    }
    Err(legacy_initialize(state, params))
}

/// The pipeline after the transport's own checks: `_meta` → version → method → capability →
/// params.
async fn checked_dispatch(
    state: &AppState,
    conn: Conn,
    grant: Grant,
    method: &str,
    params: Option<&Value>,
) -> Result<Outcome, RpcError> {
    let meta = check_meta(state, conn, params)?;
    check_version(state, &meta.version)?;
    let empty = Map::new();
    let ctx = Ctx {
        state,
        conn,
        params: params.and_then(Value::as_object).unwrap_or(&empty),
        meta: &meta,
        admin: state.auth.is_some() && grant.admin,
    };
    dispatch(&ctx, method).await
}

/// The request pipeline without the header layer (the stdio binding, STDIO-03): legacy
/// `initialize` (no `_meta` protocolVersion) → `_meta` → version → method → capability → params.
pub(crate) async fn handle_headerless(
    state: &AppState,
    conn: Conn,
    method: &str,
    params: Option<&Value>,
) -> Result<Outcome, RpcError> {
    let params_obj = params.and_then(Value::as_object);
    let modern = params_obj
        .and_then(|p| p.get("_meta"))
        .and_then(Value::as_object)
        .is_some_and(|m| m.contains_key(META_VERSION));
    if method == "initialize" && !modern {
        return legacy_handshake(state, params_obj);
    }
    // stdio is never protected (authorization applies to HTTP).
    checked_dispatch(state, conn, Grant::default(), method, params).await
}

fn legacy_initialize(state: &AppState, params: Option<&Map<String, Value>>) -> RpcError {
    if state.has(F::InitializeSilent) {
        return RpcError::new(StatusCode::BAD_REQUEST, INVALID_REQUEST, "Bad request");
    }
    let message = format!(
        "initialize is not supported: this server implements only the stateless protocol version(s) {}",
        SUPPORTED_VERSIONS.join(", ")
    );
    match params
        .and_then(|p| p.get("protocolVersion"))
        .and_then(Value::as_str)
    {
        Some(requested) => RpcError::new(
            StatusCode::BAD_REQUEST,
            UNSUPPORTED_PROTOCOL_VERSION,
            message,
        )
        .with_data(json!({"supported": SUPPORTED_VERSIONS, "requested": requested})),
        None => RpcError::new(StatusCode::BAD_REQUEST, INVALID_REQUEST, message),
    }
}

/// Reads one header: OWS-trimmed, visible ASCII / SP / HTAB only.
fn header_value(headers: &HeaderMap, name: &str) -> Result<Option<String>, String> {
    let Some(value) = headers.get(name) else {
        return Ok(None);
    };
    let bytes = value.as_bytes();
    if !bytes
        .iter()
        .all(|&b| b == b'\t' || (0x20..=0x7e).contains(&b))
    {
        return Err(format!("Header {name} contains invalid characters"));
    }
    let s = std::str::from_utf8(bytes).map_err(|_| format!("Header {name} is not ASCII"))?;
    Ok(Some(s.trim_matches([' ', '\t']).to_string()))
}

/// [`header_value`] without the character check: bytes are read as Latin-1
/// (`invalid-header-chars-accepted` fault).
fn header_value_lenient(headers: &HeaderMap, name: &str) -> Option<String> {
    let value = headers.get(name)?;
    let s: String = value.as_bytes().iter().map(|&b| char::from(b)).collect();
    Some(s.trim_matches([' ', '\t']).to_string())
}

/// Decodes the `=?base64?…?=` sentinel form of `Mcp-Name` / `Mcp-Param-*` values.
pub fn decode_sentinel(value: &str) -> Result<String, String> {
    decode_sentinel_with(value, false, false)
}

/// [`decode_sentinel`] with the fault variants: a case-insensitive marker and a lenient decoder
/// (stray characters dropped, padding optional).
fn decode_sentinel_with(
    value: &str,
    marker_any_case: bool,
    lenient: bool,
) -> Result<String, String> {
    const PREFIX: &str = "=?base64?";
    const SUFFIX: &str = "?=";
    let has_prefix = value
        .get(..PREFIX.len())
        .is_some_and(|p| p == PREFIX || (marker_any_case && p.eq_ignore_ascii_case(PREFIX)));
    if value.len() < PREFIX.len() + SUFFIX.len() || !has_prefix || !value.ends_with(SUFFIX) {
        return Ok(value.to_string());
    }
    let inner = &value[PREFIX.len()..value.len() - SUFFIX.len()];
    let decoded = if lenient {
        let cleaned: String = inner
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '+' || *c == '/')
            .collect();
        base64::engine::general_purpose::STANDARD_NO_PAD.decode(cleaned)
    } else {
        B64.decode(inner)
    };
    let bytes = decoded.map_err(|_| "Invalid Base64 in header value".to_string())?;
    String::from_utf8(bytes).map_err(|_| "Base64 header value is not UTF-8".to_string())
}

fn check_headers(
    state: &AppState,
    headers: &HeaderMap,
    method: &str,
    params: Option<&Map<String, Value>>,
) -> Result<(), RpcError> {
    let code = if state.has(F::LegacyErrorRange) {
        LEGACY_HEADER_MISMATCH
    } else {
        HEADER_MISMATCH
    };
    let mismatch = |msg: String| RpcError::new(StatusCode::BAD_REQUEST, code, msg);
    let get = |name: &str| {
        if state.has(F::InvalidHeaderCharsAccepted) {
            return Ok(header_value_lenient(headers, name));
        }
        header_value(headers, name).map_err(mismatch)
    };
    let decode = |v: String| {
        if state.has(F::NoBase64Decoding) {
            Ok(v)
        } else {
            decode_sentinel_with(
                &v,
                state.has(F::Base64MarkerCaseInsensitive),
                state.has(F::Base64LenientDecoding),
            )
            .map_err(mismatch)
        }
    };
    let meta = params
        .and_then(|p| p.get("_meta"))
        .and_then(Value::as_object);

    match get("mcp-protocol-version")? {
        None if !state.has(F::MissingVersionHeaderAccepted) => {
            return Err(mismatch("Missing MCP-Protocol-Version header".into()));
        }
        None => {}
        Some(v) => {
            let body = meta
                .and_then(|m| m.get(META_VERSION))
                .and_then(Value::as_str);
            if let Some(body) = body
                && body != v
                && !state.has(F::VersionMismatchAccepted)
            {
                return Err(mismatch(format!(
                    "MCP-Protocol-Version header '{v}' does not match _meta protocolVersion '{body}'"
                )));
            }
        }
    }

    if !state.has(F::MethodHeaderUnchecked) {
        match get("mcp-method")? {
            None => return Err(mismatch("Missing Mcp-Method header".into())),
            Some(v) => {
                let same = if state.has(F::MethodHeaderCaseInsensitive) {
                    v.eq_ignore_ascii_case(method)
                } else {
                    v == method
                };
                if !same {
                    let mut e = mismatch(format!(
                        "Mcp-Method header '{v}' does not match method '{method}'"
                    ));
                    if state.has(F::UnassignedMcpCode) {
                        e.code = UNASSIGNED_MCP_CODE;
                    }
                    return Err(e);
                }
            }
        }
    }

    let name_field = match method {
        "tools/call" | "prompts/get" if !state.has(F::NameHeaderUnchecked) => Some("name"),
        "resources/read" if !state.has(F::NameHeaderUnchecked) => Some("uri"),
        // Tasks extension routing header (TASKS-17); not offered by a tools-only server.
        "tasks/get" | "tasks/update" | "tasks/cancel"
            if !state.has(F::TaskNameHeaderIgnored) && !state.tools_only =>
        {
            Some("taskId")
        }
        _ => None,
    };
    if let Some(field) = name_field {
        let body = params.and_then(|p| p.get(field)).and_then(Value::as_str);
        match (get("mcp-name")?, body) {
            (None, None) => {} // params validation reports the missing field
            (None, Some(_)) => return Err(mismatch("Missing Mcp-Name header".into())),
            (Some(h), body) => {
                let h = decode(h)?;
                if Some(h.as_str()) != body {
                    return Err(mismatch(format!(
                        "Mcp-Name header '{h}' does not match params.{field}"
                    )));
                }
            }
        }
    }

    check_param_headers(state, headers, method, params, &get, &decode)
}

fn check_param_headers(
    state: &AppState,
    headers: &HeaderMap,
    method: &str,
    params: Option<&Map<String, Value>>,
    get: &dyn Fn(&str) -> Result<Option<String>, RpcError>,
    decode: &dyn Fn(String) -> Result<String, RpcError>,
) -> Result<(), RpcError> {
    let mismatch = |msg: String| {
        let code = if state.has(F::LegacyErrorRange) {
            LEGACY_HEADER_MISMATCH
        } else {
            HEADER_MISMATCH
        };
        RpcError::new(StatusCode::BAD_REQUEST, code, msg)
    };
    let tool_name = params.and_then(|p| p.get("name")).and_then(Value::as_str);
    let annotated = match (method, tool_name) {
        ("tools/call", Some(name)) => fixtures::tool_definitions(state)
            .iter()
            .find(|t| t["name"].as_str() == Some(name))
            .map(fixtures::header_params)
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    if state.has(F::UnknownParamHeaderRejected) {
        for name in headers.keys() {
            if let Some(suffix) = name.as_str().strip_prefix("mcp-param-")
                && !annotated
                    .iter()
                    .any(|(_, h)| h.eq_ignore_ascii_case(suffix))
            {
                return Err(mismatch(format!("Unexpected header {name}")));
            }
        }
    }
    if state.has(F::ParamHeaderUnchecked) {
        return Ok(());
    }
    let args = params
        .and_then(|p| p.get("arguments"))
        .and_then(Value::as_object);
    for (prop, hname) in annotated {
        let header = format!("mcp-param-{}", hname.to_ascii_lowercase());
        let value = args.and_then(|a| a.get(&prop)).filter(|v| !v.is_null());
        let compared = if state.has(F::ParamHeaderWrongArgument) {
            Some(
                args.and_then(|a| a.get("query"))
                    .cloned()
                    .unwrap_or(json!("")),
            )
        } else {
            value.cloned()
        };
        let present = get(&header)?;
        match (value, present) {
            (None, None) if state.has(F::ParamHeaderRequiredWhenNull) => {
                return Err(mismatch(format!("Missing Mcp-Param-{hname} header")));
            }
            (None, _) => {}
            (Some(_), None) => {
                return Err(mismatch(format!("Missing Mcp-Param-{hname} header")));
            }
            (Some(_), Some(h)) => {
                let sentinel = h.starts_with("=?");
                let compared = if sentinel {
                    value.cloned()
                } else {
                    compared.clone()
                };
                let h = decode(h)?;
                if !compared.as_ref().is_some_and(|v| param_matches(v, &h)) {
                    return Err(mismatch(format!(
                        "Mcp-Param-{hname} header does not match arguments.{prop}"
                    )));
                }
            }
        }
    }
    Ok(())
}

/// Header/body comparison for `Mcp-Param-*`: strings as-is, numbers numerically, booleans by name.
fn param_matches(body: &Value, header: &str) -> bool {
    match body {
        Value::String(s) => s == header,
        Value::Bool(b) => header == if *b { "true" } else { "false" },
        Value::Number(n) => header
            .parse::<f64>()
            .ok()
            .zip(n.as_f64())
            .is_some_and(|(a, b)| a == b),
        _ => false,
    }
}

/// Whether a request `_meta` key is vendor-prefixed: it has a `prefix/` other than
/// `io.modelcontextprotocol` (unprefixed keys such as `progressToken` or `traceparent` are not).
fn is_vendor_key(key: &str) -> bool {
    key.split_once('/')
        .is_some_and(|(prefix, _)| format!("{prefix}/") != META_PREFIX)
}

fn check_meta(
    state: &AppState,
    conn: Conn,
    params: Option<&Value>,
) -> Result<RequestMeta, RpcError> {
    let status = if state.has(F::MetaErrorHttp200) {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let bad = |msg: String| RpcError::new(status, INVALID_PARAMS, msg);
    let empty = Map::new();
    let (mut meta, raw) = match required_meta(params) {
        Ok(ok) => ok,
        Err(_) if state.has(F::MissingMetaAccepted) => {
            let raw = params
                .and_then(|p| p.get("_meta"))
                .and_then(Value::as_object)
                .unwrap_or(&empty);
            let meta = RequestMeta {
                version: crate::REVISION.to_string(),
                ..RequestMeta::default()
            };
            (meta, raw)
        }
        Err(msg) => return Err(bad(msg)),
    };

    match raw.get(META_CLIENT_INFO) {
        None if state.has(F::RequiresClientInfo) => {
            return Err(bad("Missing _meta clientInfo".into()));
        }
        None => {}
        Some(info) => {
            let ok = info["name"].is_string() && info["version"].is_string();
            if !ok {
                return Err(bad(
                    "_meta clientInfo must be an Implementation object with name and version"
                        .into(),
                ));
            }
        }
    }
    if state.has(F::RejectsVendorMeta)
        && let Some(k) = raw.keys().find(|k| is_vendor_key(k))
    {
        return Err(bad(format!("Unsupported _meta key {k}")));
    }
    if state.has(F::RejectsTraceContext)
        && let Some(k) = ["traceparent", "tracestate", "baggage"]
            .into_iter()
            .find(|k| raw.contains_key(*k))
    {
        return Err(bad(format!("Unsupported _meta key {k}")));
    }
    match raw.get(META_LOG_LEVEL) {
        None => {}
        Some(level) => {
            let idx = level.as_str().and_then(fixtures::level_index);
            if idx.is_none() && !state.has(F::InvalidLogLevelAccepted) {
                return Err(bad(format!("Invalid logLevel {level}")));
            }
            meta.log_level = idx;
        }
    }
    match raw.get("progressToken") {
        None => {}
        Some(t @ Value::String(_)) => meta.progress_token = Some(t.clone()),
        Some(t @ Value::Number(n)) if n.is_i64() || n.is_u64() => {
            meta.progress_token = Some(t.clone())
        }
        Some(_) => return Err(bad("progressToken must be a string or an integer".into())),
    }

    if state.has(F::StickyCapabilities) {
        state.with_conn(conn, |c| {
            if !meta.capabilities.is_empty() {
                c.sticky_caps = Some(meta.capabilities.clone());
            } else if let Some(caps) = &c.sticky_caps {
                meta.capabilities = caps.clone();
            }
        });
    }
    Ok(meta)
}

/// The required `_meta` members, plus the raw `_meta` object.
fn required_meta(params: Option<&Value>) -> Result<(RequestMeta, &Map<String, Value>), String> {
    let params = match params {
        None => return Err("Missing params (with required _meta)".into()),
        Some(Value::Object(p)) => p,
        Some(_) => return Err("params must be an object".into()),
    };
    let raw = match params.get("_meta") {
        None => return Err("Missing params._meta".into()),
        Some(Value::Object(m)) => m,
        Some(_) => return Err("params._meta must be an object".into()),
    };
    let version = match raw.get(META_VERSION) {
        None => return Err(format!("Missing _meta {META_VERSION}")),
        Some(Value::String(v)) => v.clone(),
        Some(_) => return Err(format!("_meta {META_VERSION} must be a string")),
    };
    let capabilities = match raw.get(META_CAPS) {
        None => return Err(format!("Missing _meta {META_CAPS}")),
        Some(Value::Object(c)) => c.clone(),
        Some(_) => return Err(format!("_meta {META_CAPS} must be an object")),
    };
    let meta = RequestMeta {
        version,
        capabilities,
        ..RequestMeta::default()
    };
    Ok((meta, raw))
}

fn check_version(state: &AppState, version: &str) -> Result<(), RpcError> {
    if SUPPORTED_VERSIONS.contains(&version) {
        return Ok(());
    }
    let message = format!("Unsupported protocol version {version}");
    let code = if state.has(F::WrongVersionCode) {
        INVALID_PARAMS
    } else {
        UNSUPPORTED_PROTOCOL_VERSION
    };
    let status = if state.has(F::VersionErrorHttp200) {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let err = RpcError::new(status, code, message);
    if state.has(F::VersionErrorNoData) {
        return Err(err);
    }
    let mut supported: Vec<&str> = SUPPORTED_VERSIONS.to_vec();
    if state.has(F::SupportedListMismatch) {
        supported.push("2025-11-25");
    }
    Err(err.with_data(json!({"supported": supported, "requested": version})))
}

async fn dispatch(ctx: &Ctx<'_>, method: &str) -> Result<Outcome, RpcError> {
    let state = ctx.state;
    // A minimal tools-only server: nothing to subscribe to, so no listen either.
    let not_offered = state.tools_only
        && (method.starts_with("resources/")
            || method.starts_with("prompts/")
            || method == "completion/complete"
            || method == "subscriptions/listen"
            || method.starts_with("tasks/"));
    if not_offered {
        return Err(method_not_found(state, method));
    }
    let missing = match method {
        "server/discover" => state.has(F::NoDiscover),
        "tools/list" => state.has(F::ToolsListFails),
        "resources/list" => state.has(F::ResourcesListFails),
        "prompts/list" => state.has(F::PromptsListFails),
        "completion/complete" => state.has(F::CompletionNotFound),
        "subscriptions/listen" => state.has(F::ListenNotSupported),
        _ => false,
    };
    if missing {
        return Err(method_not_found(state, method));
    }
    if state.has(F::HandshakeRequired) && SERVED_METHODS.contains(&method) {
        // Checked after validation, so header, `_meta`, version and method errors are unchanged.
        return Err(RpcError::new(
            StatusCode::BAD_REQUEST,
            INVALID_REQUEST,
            "initialize first: the session handshake has not been completed",
        ));
    }
    if let Some(outcome) = crate::tasks::dispatch(ctx, method).await {
        return outcome;
    }
    Ok(match method {
        "server/discover" => Outcome::Result(discover(state)),
        "tools/list" => Outcome::Result(fixtures::list_tools(ctx)?),
        "tools/call" => fixtures::call_tool(ctx),
        "resources/list" => Outcome::Result(fixtures::list_resources(ctx)?),
        "resources/templates/list" => Outcome::Result(fixtures::list_resource_templates(ctx)?),
        "resources/read" => Outcome::Result(fixtures::read_resource(ctx)?),
        "prompts/list" => Outcome::Result(fixtures::list_prompts(ctx)?),
        "prompts/get" => Outcome::Result(fixtures::get_prompt(ctx)?),
        "completion/complete" => Outcome::Result(fixtures::complete(ctx)?),
        "subscriptions/listen" => listen(ctx).await?,
        "ping" if state.has(F::PingAnswered) => Outcome::Result(json!({"resultType": "complete"})),
        _ => return Err(method_not_found(state, method)),
    })
}

/// The methods this revision serves (`ping` only under `ping-answered`).
const SERVED_METHODS: &[&str] = mcpcheck_schemas::wire::methods::REQUESTS;

/// Methods of earlier revisions that this revision removed (answered like unknown methods).
const REMOVED_METHODS: &[&str] = &[
    "initialize",
    "ping",
    "logging/setLevel",
    "resources/subscribe",
    "resources/unsubscribe",
    "tasks/result",
    "tasks/list",
    "notifications/initialized",
];

fn method_not_found(state: &AppState, method: &str) -> RpcError {
    let status = if state.has(F::UnknownMethodHttp200) {
        StatusCode::OK
    } else {
        StatusCode::NOT_FOUND
    };
    let removed = REMOVED_METHODS.contains(&method);
    let code = if (state.has(F::UnknownMethodWrongCode) && !removed)
        || (state.has(F::RemovedMethodWrongCode) && removed)
    {
        INVALID_REQUEST
    } else {
        METHOD_NOT_FOUND
    };
    RpcError::new(status, code, format!("Method not found: {method}"))
}

fn discover(state: &AppState) -> Value {
    let mut capabilities = json!({
        "tools": {"listChanged": true},
        "resources": {"subscribe": true, "listChanged": true},
        "prompts": {"listChanged": true},
        "completions": {},
        "logging": {}
    });
    if state.tools_only {
        capabilities = json!({"tools": {}});
    }
    let undeclared = [
        (F::UndeclaredPrompts, "prompts"),
        (F::UndeclaredTools, "tools"),
        (F::UndeclaredResources, "resources"),
        (F::UndeclaredCompletions, "completions"),
        (F::LoggingUndeclared, "logging"),
    ];
    for (fault, key) in undeclared {
        if state.has(fault) {
            capabilities.as_object_mut().map(|c| c.remove(key));
        }
    }
    if !state.tools_only {
        capabilities["extensions"] = json!({ crate::tasks::EXTENSION: {} });
    }
    if state.has(F::UnprefixedExtension) {
        capabilities["extensions"]["tasks"] = json!({});
    }
    if state.has(F::LegacyTasksCapability) {
        capabilities["tasks"] =
            json!({"list": {}, "cancel": {}, "requests": {"tools": {"call": {}}}});
        capabilities["extensions"][crate::tasks::EXTENSION] = json!({"list": true});
    }
    let mut result = json!({
        "resultType": "complete",
        "supportedVersions": SUPPORTED_VERSIONS,
        "capabilities": capabilities,
        "instructions": "mcpcheck reference server: fixture tools, prompts and resources for conformance testing.",
    });
    if state.has(F::DiscoverNoVersions) {
        result
            .as_object_mut()
            .map(|r| r.remove("supportedVersions"));
    }
    if !state.has(F::NoCacheHints) {
        fixtures::add_cache_hints(state, &mut result);
    }
    result
}

// ---------------------------------------------------------------------------------------------
// subscriptions/listen

/// Outcome of `subscriptions/listen`: the agreed filter and receivers subscribed before the ack.
///
/// A transport sends [`Listen::ack`] first, then each [`Listen::next_message`] (already
/// filtered and tagged with the subscription id); `agreed` / `rx` remain for transports that
/// only forward tool and prompt list changes.
pub struct Listen {
    /// The filter the acknowledgement announces (a superset of `honoured` only under
    /// `listen-ack-superset`).
    pub(crate) agreed: Map<String, Value>,
    pub(crate) rx: broadcast::Receiver<ListKind>,
    /// The filter actually applied to the stream.
    pub(crate) honoured: Map<String, Value>,
    pub(crate) events: broadcast::Receiver<ListenEvent>,
    /// `listen-unrequested-notifications`: tool list changes go to every stream.
    unrequested_tools: bool,
    /// The tasks whose status changes this stream delivers (`taskIds`, tasks extension).
    pub(crate) tasks: Option<Box<crate::tasks::TaskWatch>>,
    /// `task-notification-no-subscription-id`: `notifications/tasks` go untagged.
    untagged_tasks: bool,
    /// Messages sent right after the acknowledgement (fault modes only), tagged like the rest.
    queued: std::collections::VecDeque<Value>,
}

impl std::fmt::Debug for Listen {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Listen")
            .field("agreed", &self.agreed)
            .field("honoured", &self.honoured)
            .finish()
    }
}

impl Listen {
    /// `notifications/subscriptions/acknowledged` for subscription id `sub_id`.
    pub(crate) fn ack(&self, sub_id: &Value) -> Value {
        notification(
            "notifications/subscriptions/acknowledged",
            json!({"_meta": {META_SUBSCRIPTION: sub_id}, "notifications": self.agreed}),
        )
    }

    fn wants(&self, key: &str) -> bool {
        self.honoured.get(key) == Some(&Value::Bool(true))
    }

    /// The next notification for this stream, filtered and tagged with `sub_id`; `None` when
    /// the server shuts down. Cancel-safe (use it under a timeout for keep-alives).
    pub(crate) async fn next_message(&mut self, sub_id: &Value) -> Option<Value> {
        use broadcast::error::RecvError;
        loop {
            let message = if let Some(m) = self.queued.pop_front() {
                Some(m)
            } else {
                tokio::select! {
                r = self.rx.recv() => match r {
                    Ok(ListKind::Tools) if self.wants("toolsListChanged") || self.unrequested_tools => {
                        Some(notification("notifications/tools/list_changed", json!({})))
                    }
                    Ok(ListKind::Prompts) if self.wants("promptsListChanged") => {
                        Some(notification("notifications/prompts/list_changed", json!({})))
                    }
                    Ok(_) | Err(RecvError::Lagged(_)) => None,
                    Err(RecvError::Closed) => return None,
                },
                r = self.events.recv() => match r {
                    Ok(ListenEvent::ResourcesListChanged) if self.wants("resourcesListChanged") => {
                        Some(notification("notifications/resources/list_changed", json!({})))
                    }
                    Ok(ListenEvent::ResourceUpdated(uri)) => {
                        let subscribed = self.honoured.get("resourceSubscriptions")
                            .and_then(Value::as_array)
                            .is_some_and(|u| u.iter().any(|u| u.as_str() == Some(uri.as_str())));
                        subscribed.then(|| notification("notifications/resources/updated", json!({"uri": uri})))
                    }
                    Ok(ListenEvent::Leak(m)) => Some(m),
                    Ok(_) | Err(RecvError::Lagged(_)) => None,
                    Err(RecvError::Closed) => return None,
                },
                m = next_task_notification(&mut self.tasks) => {
                    if self.untagged_tasks {
                        return Some(m);
                    }
                    Some(m)
                }
                }
            };
            if let Some(mut m) = message {
                if !m["params"].is_object() {
                    m["params"] = json!({});
                }
                if !m["params"]["_meta"].is_object() {
                    m["params"]["_meta"] = json!({});
                }
                m["params"]["_meta"][META_SUBSCRIPTION] = sub_id.clone();
                return Some(m);
            }
        }
    }
}

/// The next `notifications/tasks` of a stream watching tasks (pending forever otherwise).
async fn next_task_notification(tasks: &mut Option<Box<crate::tasks::TaskWatch>>) -> Value {
    match tasks {
        Some(watch) => watch.next().await,
        None => std::future::pending().await,
    }
}

async fn listen(ctx: &Ctx<'_>) -> Result<Outcome, RpcError> {
    let Some(requested) = ctx.params.get("notifications").and_then(Value::as_object) else {
        return Err(RpcError::invalid_params(
            "params.notifications must be an object",
        ));
    };
    // Tasks extension: `taskIds` needs the extension declared on this request (TASKS-16).
    let mut task_ids = None;
    if let Some(ids) = requested.get("taskIds") {
        if !crate::tasks::declares_extension(ctx) && !ctx.state.has(F::TaskListenWithoutExtension) {
            return Err(crate::tasks::missing_extension(
                "subscriptions/listen with notifications.taskIds",
            ));
        }
        let Some(ids) = ids.as_array().and_then(|a| {
            a.iter()
                .map(|v| v.as_str().map(String::from))
                .collect::<Option<Vec<String>>>()
        }) else {
            return Err(RpcError::invalid_params(
                "params.notifications.taskIds must be an array of taskId strings",
            ));
        };
        task_ids = Some(ctx.state.tasks.existing(&ids).await?);
    }
    let mut agreed = Map::new();
    for key in [
        "toolsListChanged",
        "promptsListChanged",
        "resourcesListChanged",
    ] {
        if requested.get(key) == Some(&Value::Bool(true)) {
            agreed.insert(key.into(), Value::Bool(true));
        }
    }
    if let Some(uris) = requested
        .get("resourceSubscriptions")
        .and_then(Value::as_array)
    {
        let uris: Vec<Value> = uris.iter().filter(|u| u.is_string()).cloned().collect();
        agreed.insert("resourceSubscriptions".into(), Value::Array(uris));
    }
    let honoured = agreed.clone();
    let mut queued = std::collections::VecDeque::new();
    if let Some(ids) = &task_ids {
        let mut listed = ids.clone();
        if ctx.state.has(F::ReservedTaskNotification) {
            queued.extend(
                ids.iter()
                    .map(|id| notification("notifications/tasks/created", json!({"taskId": id}))),
            );
        }
        if ctx.state.has(F::TaskListenExtra) {
            let extra = crate::tasks::PHANTOM_TASK_ID;
            listed.push(extra.to_string());
            queued.push_back(notification(
                "notifications/message",
                json!({"level": "info", "data": "task stream log"}),
            ));
            queued.push_back(notification(
                "notifications/tasks",
                crate::tasks::phantom_task(),
            ));
        }
        agreed.insert("taskIds".into(), json!(listed));
    }
    if ctx.state.has(F::ListenAckSuperset) {
        for key in [
            "toolsListChanged",
            "promptsListChanged",
            "resourcesListChanged",
        ] {
            agreed.insert(key.into(), Value::Bool(true));
        }
        let mut uris = vec![json!("test://static-text"), json!("test://static-binary")];
        if let Some(Value::Array(requested)) = honoured.get("resourceSubscriptions") {
            uris.extend(
                requested
                    .iter()
                    .filter(|u| !uris.contains(u))
                    .cloned()
                    .collect::<Vec<_>>(),
            );
        }
        agreed.insert("resourceSubscriptions".into(), Value::Array(uris));
    }
    Ok(Outcome::Listen(Listen {
        agreed,
        rx: ctx.state.changes.subscribe(),
        honoured,
        events: ctx.state.events.subscribe(),
        unrequested_tools: ctx.state.has(F::ListenUnrequestedNotifications),
        tasks: task_ids
            .map(|ids| Box::new(crate::tasks::TaskWatch::new(ctx.state.tasks.clone(), ids))),
        untagged_tasks: ctx.state.has(F::TaskNotificationNoSubscriptionId),
        queued,
    }))
}

/// The value of `_meta` subscriptionId for a listen request with id `id` (the id itself, but a
/// string under `listen-wrong-subscription-id`).
pub(crate) fn subscription_id(state: &AppState, id: &Value) -> Value {
    match id {
        Value::Number(n) if state.has(F::ListenWrongSubscriptionId) => Value::String(n.to_string()),
        other => other.clone(),
    }
}

fn listen_response(state: &AppState, id: &Value, listen: Listen) -> Response {
    let sub_id = subscription_id(state, id);
    let first = (!state.has(F::ListenNoAck)).then(|| sse_event(&listen.ack(&sub_id)));
    let close_after_ack = state.has(F::ListenClosesImmediately);
    let stream =
        futures_util::stream::unfold((listen, first, false), move |(mut listen, first, done)| {
            let sub_id = sub_id.clone();
            async move {
                if done {
                    return None;
                }
                if let Some(ack) = first {
                    return Some((Ok::<_, Infallible>(ack), (listen, None, close_after_ack)));
                }
                match tokio::time::timeout(KEEP_ALIVE, listen.next_message(&sub_id)).await {
                    Err(_) => Some((Ok(": keep-alive\n\n".to_string()), (listen, None, false))),
                    Ok(None) => None,
                    Ok(Some(m)) => Some((Ok(sse_event(&m)), (listen, None, false))),
                }
            }
        });
    sse_headers(state, Body::from_stream(stream))
}

/// Interval of `: keep-alive` comments on listen streams.
const KEEP_ALIVE: Duration = Duration::from_secs(10);

// ---------------------------------------------------------------------------------------------
// Responses

/// The request id as echoed, subject to the id fault modes (`id-type-changed`,
/// `string-id-as-number`); shared with the stdio binding.
pub(crate) fn echoed_id(state: &AppState, id: &Value, outcome: &Outcome) -> Value {
    match id {
        Value::Number(n) if state.has(F::IdTypeChanged) => Value::String(n.to_string()),
        Value::String(s) if state.has(F::StringIdAsNumber) && s.is_empty() => json!(0),
        Value::String(s) if state.has(F::StringIdAsNumber) && s.parse::<i64>().is_ok() => {
            json!(s.parse::<i64>().unwrap_or_default())
        }
        // Other string ids become null in single-message answers (SSE streams keep them, so
        // the final response on a stream stays recognisable).
        Value::String(_)
            if state.has(F::StringIdAsNumber)
                && matches!(outcome, Outcome::Result(_) | Outcome::Error(_)) =>
        {
            Value::Null
        }
        other => other.clone(),
    }
}

fn respond(state: &AppState, id: &Value, outcome: Outcome) -> Response {
    let id = echoed_id(state, id, &outcome);
    match outcome {
        Outcome::Result(r) => {
            let body = envelope(Some(&id), Ok(finish_result(state, r)));
            let ct = if state.has(F::WrongContentType) {
                "text/plain"
            } else {
                "application/json"
            };
            let status = if state.has(F::PostStatus201) {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            json_response(status, &body, ct)
        }
        Outcome::Error(e) => error_response(state, Some(&id), e),
        Outcome::Stream { mut before, last } => {
            let last = last.map(|r| finish_result(state, r));
            before.push(envelope(Some(&id), last.as_ref().cloned()));
            if state.has(F::EventAfterResponse) {
                before.push(notification(
                    "com.example/after-response",
                    json!({"note": "sent after the final response"}),
                ));
            }
            sse_response(state, before)
        }
        Outcome::Listen(listen) => listen_response(state, &id, listen),
        Outcome::Live(live) => live_response(state, &id, live),
    }
}

/// Faults that need the request id: `unstable-tool-order` (the tools of a `tools/list` page
/// are reversed when the id is an integer ≡ 2 mod 4, so of ids 1, 2, 3 only 2 is reversed) and
/// `cancelled-on-request-stream` (a `notifications/cancelled` for the request on every
/// `tools/call` SSE stream, before the final response).
fn apply_request_faults(state: &AppState, id: &Value, method: &str, outcome: &mut Outcome) {
    match outcome {
        Outcome::Result(r)
            if method == "tools/list"
                && state.has(F::UnstableToolOrder)
                && id.as_i64().is_some_and(|n| n.rem_euclid(4) == 2) =>
        {
            if let Some(tools) = r.get_mut("tools").and_then(Value::as_array_mut) {
                tools.reverse();
            }
        }
        Outcome::Stream { before, .. }
            if method == "tools/call" && state.has(F::CancelledOnRequestStream) =>
        {
            before.push(notification(
                "notifications/cancelled",
                json!({"requestId": id, "reason": "superseded"}),
            ));
        }
        _ => {}
    }
}

/// An SSE response fed by an [`Outcome::Live`] stream; dropping the body (client disconnect)
/// drops the stream.
fn live_response(state: &AppState, id: &Value, live: crate::rpc::LiveStream) -> Response {
    use crate::rpc::LiveEvent;
    use futures_util::StreamExt as _;
    let id = id.clone();
    // `finish_result` depends only on the fault; the stream outlives `state`, so it gets a
    // bare state carrying the same fault.
    let view = AppState::for_fault(state.fault);
    let events = live.0.map(move |event| {
        let text = match event {
            LiveEvent::Message(m) => sse_event(&m),
            LiveEvent::Final(last) => {
                let last = last.map(|r| finish_result(&view, r));
                sse_event(&envelope(Some(&id), last.as_ref().cloned()))
            }
            LiveEvent::Comment(c) => format!(": {c}\n\n"),
        };
        Ok::<_, Infallible>(text)
    });
    let tail: Vec<Result<String, Infallible>> = if state.has(F::EventAfterResponse) {
        vec![Ok(sse_event(&notification(
            "com.example/after-response",
            json!({"note": "sent after the final response"}),
        )))]
    } else {
        Vec::new()
    };
    let events = events.chain(futures_util::stream::iter(tail));
    if state.has(F::SseLeftOpen) {
        let linger = futures_util::stream::once(async {
            tokio::time::sleep(Duration::from_secs(5)).await;
            Ok::<_, Infallible>(String::new())
        });
        return sse_headers(state, Body::from_stream(events.chain(linger)));
    }
    sse_headers(state, Body::from_stream(events))
}

/// Adds `resultType` and the server identity to a result (subject to fault modes).
pub(crate) fn finish_result(state: &AppState, mut result: Value) -> Value {
    let Some(obj) = result.as_object_mut() else {
        return result;
    };
    if state.has(F::NoResultType)
        || obj.get("resultType") == Some(&json!(crate::mrtr::OMIT_RESULT_TYPE))
    {
        obj.remove("resultType");
    } else if state.has(F::BogusResultType) && obj.get("resultType") == Some(&json!("complete")) {
        obj.insert("resultType".into(), json!("done"));
    } else if !obj.contains_key("resultType") {
        obj.insert("resultType".into(), json!("complete"));
    }
    let meta = obj
        .entry("_meta")
        .or_insert_with(|| Value::Object(Map::new()));
    if let Some(meta) = meta.as_object_mut() {
        if !state.has(F::NoServerInfo) {
            meta.insert(
                META_SERVER_INFO.into(),
                json!({"name": SERVER_NAME, "version": SERVER_VERSION}),
            );
        }
        if state.has(F::ReservedMetaKey) {
            meta.insert(
                "io.modelcontextprotocol/debug".into(),
                json!({"fault": "reserved-meta-key"}),
            );
        }
    }
    if obj.get("_meta").is_some_and(|m| m == &json!({})) {
        obj.remove("_meta");
    }
    result
}

fn error_response(state: &AppState, id: Option<&Value>, e: RpcError) -> Response {
    if state.has(F::PlainTextErrors)
        && (e.status == StatusCode::BAD_REQUEST || e.status == StatusCode::NOT_FOUND)
    {
        return (
            e.status,
            [(header::CONTENT_TYPE, "text/plain")],
            format!("bad request: {}", e.message),
        )
            .into_response();
    }
    let mut body = envelope(id, Err(&e));
    if state.has(F::ErrorWithoutMessage) {
        body["error"].as_object_mut().map(|o| o.remove("message"));
    }
    json_response(e.status, &body, "application/json")
}

fn json_response(status: StatusCode, body: &Value, content_type: &'static str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, content_type)],
        crate::mrtr::wire_text(body),
    )
        .into_response()
}

fn sse_event(message: &Value) -> String {
    format!("data: {}\n\n", crate::mrtr::wire_text(message))
}

/// An SSE response carrying `messages` (one event each); the stream ends after the last one.
fn sse_response(state: &AppState, messages: Vec<Value>) -> Response {
    use futures_util::StreamExt as _;
    let events: Vec<Result<String, Infallible>> =
        messages.iter().map(|m| Ok(sse_event(m))).collect();
    let events = futures_util::stream::iter(events);
    if state.has(F::SseLeftOpen) {
        // Nothing more is sent, but the stream ends only 5 s after the final response.
        let linger = futures_util::stream::once(async {
            tokio::time::sleep(Duration::from_secs(5)).await;
            Ok::<_, Infallible>(String::new())
        });
        return sse_headers(state, Body::from_stream(events.chain(linger)));
    }
    sse_headers(state, Body::from_stream(events))
}

fn sse_headers(state: &AppState, body: Body) -> Response {
    let mut response = Response::new(body);
    if state.has(F::PostStatus201) {
        *response.status_mut() = StatusCode::CREATED;
    }
    let h = response.headers_mut();
    let content_type = if state.has(F::SseWrongContentType) {
        "application/x-ndjson"
    } else {
        "text/event-stream"
    };
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if !state.has(F::NoAccelBuffering) {
        h.insert("x-accel-buffering", HeaderValue::from_static("no"));
    }
    response
}
