//! Fixture tools, prompts, resources and completions (the names the official suite uses).

use std::hash::{DefaultHasher, Hash, Hasher};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::{Map, Value, json};

use crate::faults::FaultKind as F;
use crate::rpc::{
    INVALID_PARAMS, LEGACY_RESOURCE_NOT_FOUND, MISSING_CLIENT_CAPABILITY, Outcome,
    RESERVED_RANGE_APP_CODE, RpcError, notification,
};
use crate::server::{AppState, Conn, RequestMeta};

/// Data sent instead of base64 by the `bad-base64-image` / `read-blob-not-base64` faults.
const NOT_BASE64: &str = "not base64!!";

/// A valid 1x1 PNG.
pub const PNG_BASE64: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";

/// Syslog severities in increasing order.
pub const LOG_LEVELS: &[&str] = &[
    "debug",
    "info",
    "notice",
    "warning",
    "error",
    "critical",
    "alert",
    "emergency",
];

/// Values offered by `completion/complete` for `test_prompt_with_arguments` / `arg1`.
pub const ARG1_VALUES: &[&str] = &[
    "alpha", "alpine", "amber", "apple", "apricot", "banana", "beta", "blue", "cherry", "gamma",
];
/// Values offered for `arg2`.
pub const ARG2_VALUES: &[&str] = &["one", "two", "three"];
/// Values offered for the `id` variable of the resource template.
pub const TEMPLATE_ID_VALUES: &[&str] = &["123", "124", "456", "789"];

pub const TEMPLATE_URI: &str = "test://template/{id}/data";

/// Per-request context handed to method handlers.
pub struct Ctx<'a> {
    pub state: &'a AppState,
    /// The connection the request arrived on (per-connection fault modes only).
    pub conn: Conn,
    pub params: &'a Map<String, Value>,
    pub meta: &'a RequestMeta,
}

impl Ctx<'_> {
    fn has(&self, f: F) -> bool {
        self.state.has(f)
    }

    fn declares(&self, capability: &str) -> bool {
        self.meta.capabilities.get(capability).is_some()
    }

    /// `-32021` naming `capability` (or the array form under `capabilities-as-array`).
    fn missing_capability(&self, capability: &str) -> RpcError {
        let required = if self.has(F::CapabilitiesAsArray) {
            json!([capability])
        } else {
            json!({ capability: {} })
        };
        let code = if self.has(F::CapabilityErrorWrongCode) {
            INVALID_PARAMS
        } else {
            MISSING_CLIENT_CAPABILITY
        };
        let status = if self.has(F::CapabilityErrorHttp200) {
            axum::http::StatusCode::OK
        } else {
            axum::http::StatusCode::BAD_REQUEST
        };
        RpcError::new(
            status,
            code,
            format!("This request requires the client capability '{capability}'"),
        )
        .with_data(json!({ "requiredCapabilities": required }))
    }
}

fn text(s: impl Into<String>) -> Value {
    json!({"type": "text", "text": s.into()})
}

fn image_content(ctx: &Ctx) -> Value {
    let data = if ctx.has(F::BadBase64Image) {
        NOT_BASE64
    } else {
        PNG_BASE64
    };
    json!({"type": "image", "data": data, "mimeType": "image/png"})
}

fn audio_content(ctx: &Ctx) -> Value {
    let data = if ctx.has(F::BadBase64Image) {
        NOT_BASE64.to_string()
    } else {
        B64.encode(wav_bytes())
    };
    json!({"type": "audio", "data": data, "mimeType": "audio/wav"})
}

/// Applies the content-block fault modes to the content of a tool result.
fn damage_tool_content(ctx: &Ctx, content: &mut [Value]) {
    for block in content {
        let Some(b) = block.as_object_mut() else {
            continue;
        };
        let kind = b
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        if ctx.has(F::MediaWithoutMime) && (kind == "image" || kind == "audio") {
            b.remove("mimeType");
        }
        if ctx.has(F::EmbeddedResourceIncomplete)
            && kind == "resource"
            && let Some(r) = b.get_mut("resource").and_then(Value::as_object_mut)
        {
            r.remove("uri");
            r.remove("text");
        }
        if ctx.has(F::BadContentShape) {
            match kind.as_str() {
                "text" => {
                    b.remove("text");
                }
                "image" => {
                    b.insert("type".into(), json!("picture"));
                }
                "audio" => {
                    b.insert("type".into(), json!("sound"));
                }
                "resource" => {
                    b.insert("type".into(), json!("embedded"));
                }
                _ => {}
            }
        }
    }
}

/// A short, valid 8 kHz mono 8-bit PCM WAV file (silence).
pub fn wav_bytes() -> Vec<u8> {
    let samples = [128u8; 16];
    let mut b = Vec::with_capacity(44 + samples.len());
    b.extend_from_slice(b"RIFF");
    b.extend_from_slice(&(36 + samples.len() as u32).to_le_bytes());
    b.extend_from_slice(b"WAVEfmt ");
    b.extend_from_slice(&16u32.to_le_bytes()); // fmt chunk size
    b.extend_from_slice(&1u16.to_le_bytes()); // PCM
    b.extend_from_slice(&1u16.to_le_bytes()); // mono
    b.extend_from_slice(&8000u32.to_le_bytes()); // sample rate
    b.extend_from_slice(&8000u32.to_le_bytes()); // byte rate
    b.extend_from_slice(&1u16.to_le_bytes()); // block align
    b.extend_from_slice(&8u16.to_le_bytes()); // bits per sample
    b.extend_from_slice(b"data");
    b.extend_from_slice(&(samples.len() as u32).to_le_bytes());
    b.extend_from_slice(&samples);
    b
}

fn embedded_text_resource(uri: &str) -> Value {
    json!({"type": "resource", "resource": {
        "uri": uri, "mimeType": "text/plain", "text": "This is an embedded text resource."
    }})
}

fn complete_tool(content: Vec<Value>) -> Value {
    json!({"resultType": "complete", "content": content})
}

fn tool_error(message: impl Into<String>) -> Value {
    json!({"resultType": "complete", "content": [text(message)], "isError": true})
}

// ---------------------------------------------------------------------------------------------
// Tools

const NO_ARGS: fn() -> Value = || json!({"type": "object", "additionalProperties": false});

/// The tool list, in a fixed order.
pub fn tool_definitions(state: &AppState) -> Vec<Value> {
    let simple_schema = if state.has(F::InputSchemaNotObject) {
        json!({"type": "string"})
    } else {
        NO_ARGS()
    };
    let mut custom_props = json!({
        "region": {"type": "string", "description": "Deployment region; mirrored in the Mcp-Param-Region header", "x-mcp-header": "Region"},
        "query": {"type": "string", "description": "Free text"}
    });
    if state.has(F::XMcpHeaderOnNumber) {
        custom_props["limit"] =
            json!({"type": "number", "description": "Row limit", "x-mcp-header": "Limit"});
    }
    let mut tools = vec![
        json!({"name": "test_simple_text", "description": "Returns a simple text content block", "inputSchema": simple_schema}),
        json!({"name": "test_image_content", "description": "Returns a PNG image content block", "inputSchema": NO_ARGS()}),
        json!({"name": "test_audio_content", "description": "Returns a WAV audio content block", "inputSchema": NO_ARGS()}),
        json!({"name": "test_embedded_resource", "description": "Returns an embedded text resource", "inputSchema": NO_ARGS()}),
        json!({"name": "test_multiple_content_types", "description": "Returns text, image and embedded resource content", "inputSchema": NO_ARGS()}),
        json!({"name": "test_error_handling", "description": "Always fails with a tool execution error (isError: true)", "inputSchema": NO_ARGS()}),
        json!({"name": "test_tool_with_progress", "description": "Sends progress notifications when a progressToken is given", "inputSchema": NO_ARGS()}),
        json!({"name": "test_logging_tool", "description": "Sends log messages when _meta logLevel is given", "inputSchema": NO_ARGS()}),
        json!({"name": "test_missing_capability", "description": "Needs the client's sampling capability (multi round-trip)", "inputSchema": NO_ARGS()}),
        json!({"name": "test_streaming_elicitation", "description": "Streams notifications, then asks for user_name via elicitation", "inputSchema": NO_ARGS()}),
        json!({"name": "test_validate_input", "description": "Accepts a date that must lie in the future (YYYY-MM-DD)", "inputSchema": {
            "type": "object",
            "properties": {"date": {"type": "string", "description": "A future date, YYYY-MM-DD"}},
            "required": ["date"],
            "additionalProperties": false
        }}),
        json!({"name": "test_structured_output", "description": "Returns structured weather data", "inputSchema": NO_ARGS(),
        "outputSchema": {
            "type": "object",
            "properties": {"temperature": {"type": "number"}, "conditions": {"type": "string"}},
            "required": ["temperature", "conditions"],
            "additionalProperties": false
        }}),
        json!({"name": "test_custom_header", "description": "Has a region argument mirrored in the Mcp-Param-Region header", "inputSchema": {
            "type": "object", "properties": custom_props
        }}),
        json!({"name": "test_trigger_tool_change", "description": "Signals a tool list change", "inputSchema": NO_ARGS()}),
        json!({"name": "test_trigger_prompt_change", "description": "Signals a prompt list change", "inputSchema": NO_ARGS()}),
    ];
    if state.has(F::BadToolName) {
        tools.push(json!({"name": "bad tool name!", "description": "A badly named tool", "inputSchema": NO_ARGS()}));
    }
    tools
}

/// `(property name, header suffix)` for every `x-mcp-header` annotated top-level property.
pub fn header_params(tool: &Value) -> Vec<(String, String)> {
    let Some(props) = tool["inputSchema"]["properties"].as_object() else {
        return Vec::new();
    };
    props
        .iter()
        .filter_map(|(k, v)| Some((k.clone(), v.get("x-mcp-header")?.as_str()?.to_string())))
        .collect()
}

pub fn list_tools(ctx: &Ctx) -> Result<Value, RpcError> {
    check_cursor(ctx.params)?;
    let mut tools = tool_definitions(ctx.state);
    if ctx.has(F::ListSideEffect) && ctx.state.with_conn(ctx.conn, |c| c.tools_called) {
        tools.retain(|t| t["name"] != "test_simple_text");
    }
    if ctx.has(F::ConnectionScopedTool) {
        tools.push(json!({"name": connection_tool_name(ctx.conn), "description": "A helper that exists only on this connection", "inputSchema": NO_ARGS()}));
    }
    if ctx.has(F::ToolWithoutInputSchema) {
        for t in tools.iter_mut().filter(|t| t["name"] == "test_simple_text") {
            t.as_object_mut().map(|o| o.remove("inputSchema"));
        }
    }
    let mut result = json!({"resultType": "complete", "tools": tools});
    list_cache_hints(ctx, &mut result);
    Ok(result)
}

/// The tool the `connection-scoped-tool` fault adds to the list of connection `conn`.
fn connection_tool_name(conn: Conn) -> String {
    format!("conn_{}_helper", conn.id)
}

pub fn call_tool(ctx: &Ctx) -> Outcome {
    let Some(name) = ctx.params.get("name").and_then(Value::as_str) else {
        return RpcError::invalid_params("params.name must be a string").into();
    };
    let args = match ctx.params.get("arguments") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(m)) => m.clone(),
        Some(_) => return RpcError::invalid_params("params.arguments must be an object").into(),
    };
    if ctx.has(F::ListSideEffect) {
        ctx.state.with_conn(ctx.conn, |c| c.tools_called = true);
    }
    let known = tool_definitions(ctx.state)
        .iter()
        .any(|t| t["name"].as_str() == Some(name))
        || (ctx.has(F::ConnectionScopedTool) && name == connection_tool_name(ctx.conn));
    if !known {
        if ctx.has(F::UnknownToolIsResult) {
            return Outcome::Result(tool_error(format!("Unknown tool: {name}")));
        }
        return RpcError::invalid_params(format!("Unknown tool: {name}")).into();
    }
    const CONTENT_TOOLS: &[&str] = &[
        "test_image_content",
        "test_audio_content",
        "test_embedded_resource",
        "test_multiple_content_types",
    ];
    if ctx.has(F::ToolCallInternalError)
        && (CONTENT_TOOLS.contains(&name) || name == "test_structured_output")
    {
        return RpcError::internal(format!("{name} failed")).into();
    }
    let mut outcome = run_tool(ctx, name, &args);
    if let Outcome::Result(r) = &mut outcome
        && (CONTENT_TOOLS.contains(&name) || name == "test_simple_text")
        && let Some(content) = r.get_mut("content").and_then(Value::as_array_mut)
    {
        if ctx.has(F::EmptyToolContent) {
            content.clear();
        }
        damage_tool_content(ctx, content);
    }
    outcome
}

fn run_tool(ctx: &Ctx, name: &str, args: &Map<String, Value>) -> Outcome {
    match name {
        "test_simple_text" => Outcome::Result(complete_tool(vec![text(
            "This is a simple text response for testing.",
        )])),
        "test_image_content" => Outcome::Result(complete_tool(vec![image_content(ctx)])),
        "test_audio_content" => Outcome::Result(complete_tool(vec![audio_content(ctx)])),
        "test_embedded_resource" => Outcome::Result(complete_tool(vec![embedded_text_resource(
            "test://embedded-resource",
        )])),
        "test_multiple_content_types" => Outcome::Result(complete_tool(vec![
            text("Multiple content types test:"),
            image_content(ctx),
            embedded_text_resource("test://mixed-content-resource"),
        ])),
        "test_error_handling" => {
            let msg = "This tool intentionally returns an error for testing";
            if ctx.has(F::ToolErrorAsProtocolError) {
                return RpcError::internal(msg).into();
            }
            Outcome::Result(tool_error(msg))
        }
        "test_tool_with_progress" => tool_with_progress(ctx),
        "test_logging_tool" => logging_tool(ctx),
        "test_missing_capability" => missing_capability_tool(ctx),
        "test_streaming_elicitation" => streaming_elicitation(ctx),
        "test_validate_input" => validate_input(ctx, args),
        "test_structured_output" => structured_output(ctx),
        "test_custom_header" => {
            let region = args.get("region").cloned().unwrap_or(Value::Null);
            Outcome::Result(complete_tool(vec![text(format!("region: {region}"))]))
        }
        "test_trigger_tool_change" => {
            ctx.state
                .notify_list_changed(crate::server::ListKind::Tools);
            Outcome::Result(complete_tool(vec![text("Tool list change triggered")]))
        }
        "test_trigger_prompt_change" => {
            ctx.state
                .notify_list_changed(crate::server::ListKind::Prompts);
            Outcome::Result(complete_tool(vec![text("Prompt list change triggered")]))
        }
        _ => Outcome::Result(complete_tool(vec![text(format!("{name} called"))])),
    }
}

/// The server-to-client request the `sse-server-request` fault puts on SSE streams.
fn fault_server_request() -> Value {
    json!({"jsonrpc": "2.0", "id": 99, "method": "elicitation/create", "params": {
        "mode": "form",
        "message": "What is your name?",
        "requestedSchema": {"type": "object", "properties": {"user_name": {"type": "string"}}}
    }})
}

fn tool_with_progress(ctx: &Ctx) -> Outcome {
    let result = complete_tool(vec![text("Progress tool completed")]);
    let Some(token) = &ctx.meta.progress_token else {
        return Outcome::Result(result);
    };
    let mut before: Vec<Value> = (1..=3)
        .map(|i| {
            notification(
                "notifications/progress",
                json!({"progressToken": token, "progress": i, "total": 3, "message": format!("step {i} of 3")}),
            )
        })
        .collect();
    if ctx.has(F::SseServerRequest) {
        before.push(fault_server_request());
    }
    Outcome::Stream {
        before,
        last: Ok(result),
    }
}

fn logging_tool(ctx: &Ctx) -> Outcome {
    let result = complete_tool(vec![text("Logging tool completed")]);
    let Some(min) = ctx.meta.log_level else {
        return Outcome::Result(result);
    };
    let before: Vec<Value> = ["debug", "info", "warning", "error"]
        .iter()
        .filter(|l| level_index(l).is_some_and(|i| i >= min))
        .map(|l| {
            notification(
                "notifications/message",
                json!({"level": l, "logger": "test_logging_tool", "data": format!("a {l} message")}),
            )
        })
        .collect();
    if before.is_empty() {
        return Outcome::Result(result);
    }
    Outcome::Stream {
        before,
        last: Ok(result),
    }
}

pub fn level_index(level: &str) -> Option<usize> {
    LOG_LEVELS.iter().position(|l| *l == level)
}

fn missing_capability_tool(ctx: &Ctx) -> Outcome {
    const KEY: &str = "capital_question";
    const TOOL: &str = "test_missing_capability";
    if !ctx.declares("sampling") || ctx.has(F::CapabilityAlwaysMissing) {
        return ctx.missing_capability("sampling").into();
    }
    match take_input_response(ctx, TOOL, KEY) {
        Err(e) => e.into(),
        Ok(None) => Outcome::Result(input_required(
            TOOL,
            KEY,
            json!({"method": "sampling/createMessage", "params": {
                "messages": [{"role": "user", "content": {"type": "text", "text": "What is the capital of France?"}}],
                "maxTokens": 100
            }}),
        )),
        Ok(Some(resp)) => {
            let answer = resp["content"]["text"].as_str().unwrap_or("(no text)");
            Outcome::Result(complete_tool(vec![text(format!(
                "The model answered: {answer}"
            ))]))
        }
    }
}

fn streaming_elicitation(ctx: &Ctx) -> Outcome {
    const KEY: &str = "user_name";
    const TOOL: &str = "test_streaming_elicitation";
    if !ctx.declares("elicitation") {
        return ctx.missing_capability("elicitation").into();
    }
    let mut before = Vec::new();
    if let Some(token) = &ctx.meta.progress_token {
        before.push(notification(
            "notifications/progress",
            json!({"progressToken": token, "progress": 1, "message": "preparing"}),
        ));
    }
    let mut request = json!({"method": "elicitation/create", "params": {
        "mode": "form",
        "message": "What is your name?",
        "requestedSchema": {"type": "object", "properties": {"user_name": {"type": "string"}}, "required": ["user_name"]}
    }});
    if ctx.has(F::BadInputRequest) {
        request["params"]
            .as_object_mut()
            .map(|p| p.remove("requestedSchema"));
    }
    if ctx.has(F::SseServerRequest) {
        before.push(fault_server_request());
    }
    let last = match take_input_response(ctx, TOOL, KEY) {
        Err(e) => Err(e),
        Ok(None) => Ok(input_required(TOOL, KEY, request)),
        Ok(Some(resp)) => match resp["action"].as_str() {
            Some("accept") => {
                let name = resp["content"]["user_name"].as_str().unwrap_or("stranger");
                Ok(complete_tool(vec![text(format!("Hello, {name}!"))]))
            }
            Some("decline") | Some("cancel") => Ok(complete_tool(vec![text(
                "The user did not provide a name.",
            )])),
            _ => Err(RpcError::invalid_params(
                "inputResponses.user_name.action must be accept, decline or cancel",
            )),
        },
    };
    Outcome::Stream { before, last }
}

fn validate_input(ctx: &Ctx, args: &Map<String, Value>) -> Outcome {
    let Some(date) = args.get("date").and_then(Value::as_str) else {
        return RpcError::invalid_params("arguments.date is required and must be a string").into();
    };
    let problem = match parse_date(date) {
        None => Some(format!(
            "'{date}' is not a valid date (expected YYYY-MM-DD)"
        )),
        Some(day) if day <= today() => Some(format!("The date {date} must be in the future")),
        Some(_) => None,
    };
    match problem {
        Some(msg) if ctx.has(F::ToolErrorAsProtocolError) => RpcError::internal(msg).into(),
        Some(msg) => Outcome::Result(tool_error(msg)),
        None => Outcome::Result(complete_tool(vec![text(format!("Date {date} accepted"))])),
    }
}

fn structured_output(ctx: &Ctx) -> Outcome {
    let structured = if ctx.has(F::StructuredOutputMismatch) {
        json!({"temperature": "warm", "conditions": "sunny"})
    } else {
        json!({"temperature": 21.5, "conditions": "sunny"})
    };
    let mirror = if ctx.has(F::StructuredNotMirrored) {
        "See structuredContent for the weather data.".to_string()
    } else {
        structured.to_string()
    };
    let mut result = complete_tool(vec![text(mirror)]);
    result["structuredContent"] = structured;
    Outcome::Result(result)
}

/// Days since 1970-01-01 for a `YYYY-MM-DD` string.
fn parse_date(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = s.get(r)?;
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days_in_month = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if !(1..=12).contains(&m) || d < 1 || d > days_in_month[(m - 1) as usize] {
        return None;
    }
    Some(days_from_civil(y, m, d))
}

/// Howard Hinnant's days-from-civil.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

fn today() -> i64 {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    secs.div_euclid(86_400)
}

// ---------------------------------------------------------------------------------------------
// Multi round-trip helpers

/// Fixed key for the (non-cryptographic) integrity tag on `requestState`. Good enough to detect
/// tampering in tests; a real server would use an HMAC or AEAD.
const STATE_KEY: &str = "mcpcheck-reference-server/request-state/v1";

fn tag(payload: &str) -> String {
    let mut h = DefaultHasher::new();
    STATE_KEY.hash(&mut h);
    payload.hash(&mut h);
    format!("{:016x}", h.finish())
}

pub fn seal_state(payload: &Value) -> String {
    let json = payload.to_string();
    format!("{}.{}", B64.encode(&json), tag(&json))
}

pub fn open_state(state: &str) -> Option<Value> {
    let (b64, t) = state.split_once('.')?;
    let json = String::from_utf8(B64.decode(b64).ok()?).ok()?;
    (tag(&json) == t).then(|| serde_json::from_str(&json).ok())?
}

fn input_required(tool: &str, key: &str, request: Value) -> Value {
    json!({
        "resultType": "input_required",
        "inputRequests": { key: request },
        "requestState": seal_state(&json!({"tool": tool, "round": 1})),
    })
}

/// The client's answer for `key`, `Ok(None)` when the server must (re-)ask.
fn take_input_response(ctx: &Ctx, tool: &str, key: &str) -> Result<Option<Value>, RpcError> {
    let responses = match ctx.params.get("inputResponses") {
        None => None,
        Some(Value::Object(m)) => Some(m),
        Some(_) => return Err(RpcError::invalid_params("inputResponses must be an object")),
    };
    let state_ok = match ctx.params.get("requestState") {
        None => false,
        Some(Value::String(s)) => match open_state(s) {
            Some(p) if p["tool"] == tool => true,
            _ => return Err(RpcError::invalid_params("invalid requestState")),
        },
        Some(_) => return Err(RpcError::invalid_params("requestState must be a string")),
    };
    let Some(responses) = responses else {
        return Ok(None);
    };
    if !state_ok {
        return Ok(None);
    }
    match responses.get(key) {
        None => Ok(None),
        Some(v @ Value::Object(_)) => Ok(Some(v.clone())),
        Some(_) => Err(RpcError::invalid_params(format!(
            "inputResponses.{key} must be an object"
        ))),
    }
}

// ---------------------------------------------------------------------------------------------
// Caching and pagination

/// Adds `ttlMs` / `cacheScope` (subject to the `fractional-ttl` and `bad-cache-scope` faults).
pub fn add_cache_hints(state: &AppState, result: &mut Value) {
    result["ttlMs"] = if state.has(F::FractionalTtl) {
        json!(1500.5)
    } else {
        json!(60_000)
    };
    result["cacheScope"] = if state.has(F::BadCacheScope) {
        json!("shared")
    } else {
        json!("public")
    };
}

/// Cache hints of the four lists and `resources/read` (omitted under `no-list-cache-hints`).
fn list_cache_hints(ctx: &Ctx, result: &mut Value) {
    if !ctx.has(F::NoListCacheHints) {
        add_cache_hints(ctx.state, result);
    }
}

/// Lists are single-page: no cursor is ever issued, so any cursor is unknown.
fn check_cursor(params: &Map<String, Value>) -> Result<(), RpcError> {
    match params.get("cursor") {
        None => Ok(()),
        Some(_) => Err(RpcError::invalid_params("Invalid cursor")),
    }
}

// ---------------------------------------------------------------------------------------------
// Resources

pub fn list_resources(ctx: &Ctx) -> Result<Value, RpcError> {
    check_cursor(ctx.params)?;
    let mut result = json!({"resultType": "complete", "resources": [
        {"uri": "test://static-text", "name": "static-text", "description": "A static text resource", "mimeType": "text/plain"},
        {"uri": "test://static-binary", "name": "static-binary", "description": "A static binary resource (PNG)", "mimeType": "image/png"}
    ]});
    if ctx.has(F::ResourceWithoutName) {
        strip_all(&mut result["resources"], "name");
    }
    list_cache_hints(ctx, &mut result);
    Ok(result)
}

pub fn list_resource_templates(ctx: &Ctx) -> Result<Value, RpcError> {
    check_cursor(ctx.params)?;
    if ctx.has(F::TemplatesListFails) {
        return Err(RpcError::internal("Listing resource templates failed"));
    }
    let mut result = json!({"resultType": "complete", "resourceTemplates": [
        {"uriTemplate": TEMPLATE_URI, "name": "template-data", "description": "Data for an id", "mimeType": "application/json"}
    ]});
    if ctx.has(F::TemplateWithoutName) {
        strip_all(&mut result["resourceTemplates"], "name");
    }
    list_cache_hints(ctx, &mut result);
    Ok(result)
}

/// Removes `key` from every object of the array `list`.
fn strip_all(list: &mut Value, key: &str) {
    for item in list.as_array_mut().into_iter().flatten() {
        item.as_object_mut().map(|o| o.remove(key));
    }
}

/// The `{id}` of a URI produced from [`TEMPLATE_URI`].
fn template_id(uri: &str) -> Option<&str> {
    let id = uri
        .strip_prefix("test://template/")?
        .strip_suffix("/data")?;
    (!id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
    .then_some(id)
}

pub fn read_resource(ctx: &Ctx) -> Result<Value, RpcError> {
    let Some(uri) = ctx.params.get("uri").and_then(Value::as_str) else {
        return Err(RpcError::invalid_params("params.uri must be a string"));
    };
    if ctx.has(F::ReadInternalError) && matches!(uri, "test://static-text" | "test://static-binary")
    {
        return Err(RpcError::internal(format!("Reading {uri} failed")));
    }
    let contents = match uri {
        "test://static-text" => {
            json!([{"uri": uri, "mimeType": "text/plain", "text": "This is the content of the static text resource."}])
        }
        "test://static-binary" => {
            let blob = if ctx.has(F::ReadBlobNotBase64) {
                NOT_BASE64
            } else {
                PNG_BASE64
            };
            json!([{"uri": uri, "mimeType": "image/png", "blob": blob}])
        }
        _ => match template_id(uri) {
            Some(_) if ctx.has(F::TemplateReadFails) => {
                return Err(
                    RpcError::invalid_params("Resource not found").with_data(json!({"uri": uri}))
                );
            }
            Some(id) => {
                json!([{"uri": uri, "mimeType": "application/json", "text": json!({"id": id, "data": format!("data for {id}")}).to_string()}])
            }
            None if ctx.has(F::EmptyContentsForMissingResource) => json!([]),
            None => {
                let code = if ctx.has(F::ResourceNotFoundLegacyCode) {
                    LEGACY_RESOURCE_NOT_FOUND
                } else {
                    INVALID_PARAMS
                };
                return Err(
                    RpcError::new(axum::http::StatusCode::OK, code, "Resource not found")
                        .with_data(json!({"uri": uri})),
                );
            }
        },
    };
    let mut result = json!({"resultType": "complete", "contents": contents});
    if ctx.has(F::ReadContentWithoutUri) {
        strip_all(&mut result["contents"], "uri");
    }
    list_cache_hints(ctx, &mut result);
    Ok(result)
}

// ---------------------------------------------------------------------------------------------
// Prompts

pub fn list_prompts(ctx: &Ctx) -> Result<Value, RpcError> {
    check_cursor(ctx.params)?;
    let mut result = json!({"resultType": "complete", "prompts": [
        {"name": "test_simple_prompt", "description": "A simple prompt without arguments"},
        {"name": "test_prompt_with_arguments", "description": "A prompt with two required arguments", "arguments": [
            {"name": "arg1", "description": "First argument", "required": true},
            {"name": "arg2", "description": "Second argument", "required": true}
        ]},
        {"name": "test_prompt_with_embedded_resource", "description": "A prompt with an embedded resource", "arguments": [
            {"name": "resourceUri", "description": "URI to embed (default test://static-text)", "required": false}
        ]},
        {"name": "test_prompt_with_image", "description": "A prompt with an image"}
    ]});
    if ctx.has(F::PromptWithoutName) {
        result["prompts"][0]
            .as_object_mut()
            .map(|o| o.remove("name"));
    }
    if ctx.has(F::PromptArgumentWithoutName) {
        for p in result["prompts"].as_array_mut().into_iter().flatten() {
            strip_all(&mut p["arguments"], "name");
        }
    }
    list_cache_hints(ctx, &mut result);
    Ok(result)
}

fn prompt_error(ctx: &Ctx, message: String) -> RpcError {
    if ctx.has(F::PromptErrorsInternal) {
        RpcError::internal(message)
    } else {
        RpcError::invalid_params(message)
    }
}

pub fn get_prompt(ctx: &Ctx) -> Result<Value, RpcError> {
    let Some(name) = ctx.params.get("name").and_then(Value::as_str) else {
        return Err(RpcError::invalid_params("params.name must be a string"));
    };
    let args = match ctx.params.get("arguments") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(m)) if m.values().all(Value::is_string) => m.clone(),
        Some(_) => {
            return Err(RpcError::invalid_params(
                "params.arguments must map names to strings",
            ));
        }
    };
    let arg = |k: &str| args.get(k).and_then(Value::as_str);
    let role = if ctx.has(F::PromptBadRole) {
        "system"
    } else {
        "user"
    };
    let user = |content: Value| json!({"role": role, "content": content});
    let messages = match name {
        "test_simple_prompt" => vec![user(text("This is a simple prompt for testing."))],
        "test_prompt_with_arguments" => {
            let missing: Vec<&str> = ["arg1", "arg2"]
                .into_iter()
                .filter(|k| arg(k).is_none())
                .collect();
            if !missing.is_empty() && !ctx.has(F::PromptMissingArgsAccepted) {
                return Err(prompt_error(
                    ctx,
                    format!("Missing required arguments: {}", missing.join(", ")),
                ));
            }
            vec![user(text(format!(
                "Prompt with arguments: arg1='{}', arg2='{}'",
                arg("arg1").unwrap_or(""),
                arg("arg2").unwrap_or("")
            )))]
        }
        "test_prompt_with_embedded_resource" => {
            let uri = arg("resourceUri").unwrap_or("test://static-text");
            let mut resource = embedded_text_resource(uri);
            if let Some(r) = resource["resource"].as_object_mut() {
                if ctx.has(F::PromptResourceNoMime) {
                    r.remove("mimeType");
                }
                if ctx.has(F::PromptEmbeddedResourceIncomplete) {
                    r.remove("uri");
                    r.remove("text");
                }
            }
            if ctx.has(F::PromptResourceWrongType) {
                resource["type"] = json!("embedded");
            }
            vec![
                user(resource),
                user(text("Please process the embedded resource above.")),
            ]
        }
        "test_prompt_with_image" => {
            let mut image = image_content(ctx);
            if ctx.has(F::PromptImageBadMime) {
                image.as_object_mut().map(|o| o.remove("mimeType"));
            }
            if ctx.has(F::PromptImageWrongType) {
                image["type"] = json!("picture");
            }
            vec![user(image), user(text("Please analyze the image above."))]
        }
        _ if ctx.has(F::UnknownPromptIsResult) => Vec::new(),
        _ if ctx.has(F::AppCodeInReservedRange) => {
            return Err(RpcError::new(
                axum::http::StatusCode::OK,
                RESERVED_RANGE_APP_CODE,
                format!("Unknown prompt: {name}"),
            ));
        }
        _ => return Err(prompt_error(ctx, format!("Unknown prompt: {name}"))),
    };
    if ctx.has(F::PromptGetInternalError) && !messages.is_empty() {
        return Err(RpcError::internal(format!(
            "Rendering prompt {name} failed"
        )));
    }
    Ok(
        json!({"resultType": "complete", "description": format!("Fixture prompt {name}"), "messages": messages}),
    )
}

// ---------------------------------------------------------------------------------------------
// Completion

pub fn complete(ctx: &Ctx) -> Result<Value, RpcError> {
    let r = ctx.params.get("ref").and_then(Value::as_object);
    let arg = ctx.params.get("argument").and_then(Value::as_object);
    let (Some(r), Some(arg)) = (r, arg) else {
        return Err(RpcError::invalid_params(
            "params.ref and params.argument are required",
        ));
    };
    let (Some(arg_name), Some(prefix)) = (
        arg.get("name").and_then(Value::as_str),
        arg.get("value").and_then(Value::as_str),
    ) else {
        return Err(RpcError::invalid_params(
            "argument.name and argument.value must be strings",
        ));
    };
    let candidates: &[&str] = match (r.get("type").and_then(Value::as_str), arg_name) {
        (Some("ref/prompt"), _) => {
            let name = r.get("name").and_then(Value::as_str).unwrap_or("");
            match (name, arg_name) {
                ("test_prompt_with_arguments", "arg1") => ARG1_VALUES,
                ("test_prompt_with_arguments", "arg2") => ARG2_VALUES,
                ("test_prompt_with_arguments", _) => &[],
                _ if ctx.has(F::CompletionUnknownRefAccepted) => &[],
                _ => return Err(RpcError::invalid_params(format!("Unknown prompt: {name}"))),
            }
        }
        (Some("ref/resource"), "id")
            if r.get("uri").and_then(Value::as_str) == Some(TEMPLATE_URI) =>
        {
            TEMPLATE_ID_VALUES
        }
        (Some("ref/resource"), _) => &[],
        _ => {
            return Err(RpcError::invalid_params(
                "ref.type must be ref/prompt or ref/resource",
            ));
        }
    };
    let values: Vec<String> = if ctx.has(F::CompletionTooManyValues) {
        (0..101).map(|i| format!("{prefix}{i}")).collect()
    } else {
        candidates
            .iter()
            .filter(|v| v.starts_with(prefix))
            .map(|v| v.to_string())
            .collect()
    };
    let total = values.len();
    let values: Vec<Value> = if ctx.has(F::CompletionValuesNotStrings) {
        (0..total).map(|i| json!(i)).collect()
    } else {
        values.into_iter().map(Value::String).collect()
    };
    Ok(
        json!({"resultType": "complete", "completion": {"values": values, "total": total, "hasMore": false}}),
    )
}
