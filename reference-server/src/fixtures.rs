//! Fixture tools, prompts, resources and completions (the names the official suite uses).

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::{Map, Value, json};

use crate::faults::FaultKind as F;
use crate::mrtr;
use crate::rpc::{
    INVALID_PARAMS, LEGACY_RESOURCE_NOT_FOUND, MISSING_CLIENT_CAPABILITY, Outcome,
    RESERVED_RANGE_APP_CODE, RpcError, notification,
};
use crate::rpc::{LiveEvent, LiveStream};
use crate::server::{AppState, Conn, ListenEvent, RequestMeta, RunStatus, Runs};

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
    /// Auth mode and the request's token carries `mcp:admin`: the scope-gated tool is offered.
    pub admin: bool,
}

impl Ctx<'_> {
    fn has(&self, f: F) -> bool {
        self.state.has(f)
    }

    /// `-32021` naming `capability` (or the array form under `capabilities-as-array`).
    pub(crate) fn missing_capability(&self, capability: &str) -> RpcError {
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
pub fn tool_definitions(state: &AppState) -> &[Value] {
    state
        .tool_defs
        .get_or_init(|| build_tool_definitions(state))
}

fn build_tool_definitions(state: &AppState) -> Vec<Value> {
    let mut tools = all_tool_definitions(state);
    if state.tools_only {
        // Tools that exist to exercise logging, list changes or resources are not offered.
        tools.retain(|t| {
            let name = t["name"].as_str().unwrap_or("");
            name != "test_logging_tool" && !name.starts_with("test_trigger_")
        });
    }
    tools
}

/// Fixture tools that only read: annotated `readOnlyHint: true`.
const READ_ONLY_TOOLS: &[&str] = &[
    "test_simple_text",
    "test_image_content",
    "test_audio_content",
    "test_embedded_resource",
    "test_custom_header",
    "test_multiple_content_types",
    "test_error_handling",
    "test_tool_with_progress",
    "test_logging_tool",
    "test_validate_input",
    "test_structured_output",
    "test_cancellation_status",
];

fn all_tool_definitions(state: &AppState) -> Vec<Value> {
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
    let run_id = || json!({"type": "object", "properties": {"runId": {"type": "string", "description": "Client-chosen id of the run"}}, "required": ["runId"], "additionalProperties": false});
    let slow_input = || {
        let mut schema = run_id();
        schema["properties"]["steps"] = json!({"type": "integer", "minimum": 1, "maximum": 30, "description": "Progress steps of 100 ms before the result (default and most: 30)"});
        schema
    };
    let uri_arg = json!({"type": "object", "properties": {"uri": {"type": "string", "description": "Resource URI"}}, "required": ["uri"], "additionalProperties": false});
    // Page 1 (TOOLS_PAGE_SIZE = 5) holds the tools the single-page list checks look at.
    let mut tools = vec![
        json!({"name": "test_simple_text", "description": "Returns a simple text content block", "inputSchema": simple_schema}),
        json!({"name": "test_image_content", "description": "Returns a PNG image content block", "inputSchema": NO_ARGS()}),
        json!({"name": "test_audio_content", "description": "Returns a WAV audio content block", "inputSchema": NO_ARGS()}),
        json!({"name": "test_embedded_resource", "description": "Returns an embedded text resource", "inputSchema": NO_ARGS()}),
        json!({"name": "test_custom_header", "description": "Has a region argument mirrored in the Mcp-Param-Region header", "inputSchema": {
            "type": "object", "properties": custom_props
        }}),
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
        json!({"name": "test_trigger_tool_change", "description": "Signals a tool list change", "inputSchema": NO_ARGS()}),
        json!({"name": "test_trigger_prompt_change", "description": "Signals a prompt list change", "inputSchema": NO_ARGS()}),
        json!({"name": "test_trigger_resource_update", "description": "Signals that the resource at uri was updated", "inputSchema": uri_arg}),
        json!({"name": "test_trigger_resource_list_change", "description": "Signals a resource list change", "inputSchema": NO_ARGS()}),
        json!({"name": "test_slow_cancellable", "description": "Streams progress for about 3 s (steps × 100 ms), then completes; a disconnect cancels the run", "inputSchema": slow_input()}),
        json!({"name": "test_cancellation_status", "description": "Reports whether the test_slow_cancellable run runId was seen, cancelled or completed", "inputSchema": run_id(),
        "outputSchema": {
            "type": "object",
            "properties": {"runId": {"type": "string"}, "seen": {"type": "boolean"}, "cancelled": {"type": "boolean"}, "completed": {"type": "boolean"}},
            "required": ["runId", "seen", "cancelled", "completed"],
            "additionalProperties": false
        }}),
    ];
    // Tools without side effects say so, so that a fuzzer that calls only read-only tools by
    // default (mcpcheck fuzz) reaches them.
    for t in &mut tools {
        if t["name"]
            .as_str()
            .is_some_and(|n| READ_ONLY_TOOLS.contains(&n))
        {
            t["annotations"] = json!({"readOnlyHint": true});
        }
    }
    tools.extend(mrtr::tool_definitions());
    if !state.tools_only {
        tools.extend(crate::tasks::tool_definitions());
    }
    if state.has(F::BadToolName) {
        // On the first page, where single-page list checks look.
        tools.insert(0, json!({"name": "bad tool name!", "description": "A badly named tool", "inputSchema": NO_ARGS()}));
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
    if let Some(r) = mrtr::list_input_required(ctx) {
        return Ok(r);
    }
    let mut tools = tool_definitions(ctx.state).to_vec();
    if ctx.admin {
        // Last, so page 1 and the pages other tokens see are unchanged.
        tools.push(admin_tool());
    }
    if ctx.has(F::ListSideEffect) && ctx.state.with_conn(ctx.conn, |c| c.tools_called) {
        tools.retain(|t| t["name"] != "test_simple_text");
    }
    if ctx.has(F::ConnectionScopedTool) {
        tools.insert(0, json!({"name": connection_tool_name(ctx.conn), "description": "A helper that exists only on this connection", "inputSchema": NO_ARGS()}));
    }
    if ctx.has(F::ToolWithoutInputSchema) {
        for t in tools.iter_mut().filter(|t| t["name"] == "test_simple_text") {
            t.as_object_mut().map(|o| o.remove("inputSchema"));
        }
    }
    let mut result = paginate(ctx, "tools/list", "tools", tools, TOOLS_PAGE_SIZE)?;
    if ctx.has(F::AuthPublicCacheScope) && result.get("cacheScope").is_some() {
        result["cacheScope"] = json!("public");
    }
    Ok(result)
}

/// The scope-gated tool (auth mode, tokens with `mcp:admin` only).
fn admin_tool() -> Value {
    json!({"name": crate::auth::SCOPED_TOOL, "description": "An administrative action; needs the mcp:admin scope", "inputSchema": NO_ARGS(), "annotations": {"readOnlyHint": false}})
}

/// The tool the `connection-scoped-tool` fault adds to the list of connection `conn`.
fn connection_tool_name(conn: Conn) -> String {
    format!("conn_{}_helper", conn.id)
}

pub fn call_tool(ctx: &Ctx) -> Outcome {
    let Some(name) = ctx.params.get("name").and_then(Value::as_str) else {
        return RpcError::invalid_params("params.name must be a string").into();
    };
    if name == "test_validate_input"
        && let Some(out) = validate_input_fault(ctx)
    {
        return out;
    }
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
        || (ctx.has(F::ConnectionScopedTool) && name == connection_tool_name(ctx.conn))
        || (ctx.admin && name == crate::auth::SCOPED_TOOL);
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
        "test_missing_capability" => mrtr::missing_capability_tool(ctx),
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
        "test_trigger_resource_update" => {
            let Some(uri) = args.get("uri").and_then(Value::as_str) else {
                return RpcError::invalid_params("arguments.uri is required and must be a string")
                    .into();
            };
            ctx.state
                .notify_resource_change(ListenEvent::ResourceUpdated(uri.to_string()));
            Outcome::Result(complete_tool(vec![text(format!(
                "Resource update triggered for {uri}"
            ))]))
        }
        "test_trigger_resource_list_change" => {
            ctx.state
                .notify_resource_change(ListenEvent::ResourcesListChanged);
            Outcome::Result(complete_tool(vec![text("Resource list change triggered")]))
        }
        "test_slow_cancellable" => match (run_id(args), slow_steps(args)) {
            (Ok(id), Ok(steps)) => slow_cancellable(ctx, id, steps),
            (Err(e), _) | (_, Err(e)) => e.into(),
        },
        "test_cancellation_status" => match run_id(args) {
            Ok(id) => cancellation_status(ctx, id),
            Err(e) => e.into(),
        },
        crate::auth::SCOPED_TOOL => Outcome::Result(complete_tool(vec![text("admin action done")])),
        _ => mrtr::call_tool(ctx, name).unwrap_or_else(|| {
            Outcome::Result(complete_tool(vec![text(format!("{name} called"))]))
        }),
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
    let token = match &ctx.meta.progress_token {
        None if ctx.has(F::ProgressWithoutToken) => json!("unrequested"),
        None => return Outcome::Result(result),
        Some(Value::String(t)) if ctx.has(F::ProgressWrongToken) => json!(format!("{t}-other")),
        Some(Value::Number(n)) if ctx.has(F::ProgressWrongToken) => {
            json!(n.as_i64().unwrap_or_default().wrapping_add(1))
        }
        Some(t) => t.clone(),
    };
    let values: [i64; 3] = if ctx.has(F::ProgressNotIncreasing) {
        [1, 2, 2]
    } else {
        [1, 2, 3]
    };
    let mut before: Vec<Value> = values
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let step = i + 1;
            notification(
                "notifications/progress",
                json!({"progressToken": token, "progress": p, "total": 3, "message": format!("step {step} of 3")}),
            )
        })
        .collect();
    if ctx.has(F::ProgressOnListenStream) {
        for n in &before {
            ctx.state.leak_to_listeners(n);
        }
    }
    if ctx.has(F::SseServerRequest) {
        before.push(fault_server_request());
    }
    if ctx.has(F::ProgressAfterResponse) {
        let late = before.pop();
        let events: Vec<LiveEvent> = before
            .into_iter()
            .map(LiveEvent::Message)
            .chain(std::iter::once(LiveEvent::Final(Ok(result))))
            .chain(late.map(LiveEvent::Message))
            .collect();
        return Outcome::Live(LiveStream::new(futures_util::stream::iter(events)));
    }
    Outcome::Stream {
        before,
        last: Ok(result),
    }
}

/// `arguments.runId` of the cancellation fixtures.
fn run_id(args: &Map<String, Value>) -> Result<String, RpcError> {
    match args.get("runId") {
        Some(Value::String(id)) => Ok(id.clone()),
        _ => Err(RpcError::invalid_params(
            "arguments.runId is required and must be a string",
        )),
    }
}

/// Steps of `test_slow_cancellable` (one every [`SLOW_STEP`]) unless the call gives `steps`.
const SLOW_STEPS: u32 = 30;

/// The optional `steps` argument of `test_slow_cancellable` (1 to 30, the default): a run that
/// is only read to its end (cancellation-disconnect's control run) asks for fewer.
fn slow_steps(args: &Map<String, Value>) -> Result<u32, RpcError> {
    match args.get("steps") {
        None => Ok(SLOW_STEPS),
        Some(v) => match v.as_u64() {
            Some(n @ 1..=30) => Ok(n as u32),
            _ => Err(RpcError::invalid_params(
                "arguments.steps must be an integer from 1 to 30",
            )),
        },
    }
}
const SLOW_STEP: std::time::Duration = std::time::Duration::from_millis(100);

fn update_run(runs: &Runs, id: &str, f: impl FnOnce(&mut RunStatus)) {
    let mut runs = runs.lock().unwrap_or_else(|e| e.into_inner());
    f(runs.entry(id.to_string()).or_default());
}

/// Marks the run cancelled when the response stream is dropped before the run completed.
struct CancelOnDrop {
    runs: Runs,
    id: String,
    done: bool,
}

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if !self.done {
            update_run(&self.runs, &self.id, |r| r.cancelled = true);
        }
    }
}

/// `test_slow_cancellable`: SSE with a progress notification (or, without a token, a comment)
/// every 100 ms for 3 s, then the result. The work lives in the response stream, so a client
/// disconnect (the stream is dropped) stops it and records the run as cancelled; under
/// `ignores-disconnect` it runs in a detached task that completes regardless.
fn slow_cancellable(ctx: &Ctx, id: String, total: u32) -> Outcome {
    let runs = ctx.state.runs.clone();
    update_run(&runs, &id, |r| *r = RunStatus::default());
    let token = ctx.meta.progress_token.clone();
    let step = move |i: u32| match &token {
        Some(t) => LiveEvent::Message(notification(
            "notifications/progress",
            json!({"progressToken": t, "progress": i, "total": total, "message": format!("step {i} of {total}")}),
        )),
        None => LiveEvent::Comment(format!("working {i}/{total}")),
    };
    let result = move |id: &str| complete_tool(vec![text(format!("Run {id} completed"))]);
    if ctx.has(F::IgnoresDisconnect) {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        tokio::spawn(async move {
            for i in 1..=total {
                tokio::time::sleep(SLOW_STEP).await;
                let _ = tx.send(step(i));
            }
            update_run(&runs, &id, |r| r.completed = true);
            let _ = tx.send(LiveEvent::Final(Ok(result(&id))));
        });
        let stream =
            futures_util::stream::unfold(
                rx,
                |mut rx| async move { rx.recv().await.map(|e| (e, rx)) },
            );
        return Outcome::Live(LiveStream::new(stream));
    }
    let guard = CancelOnDrop {
        runs,
        id,
        done: false,
    };
    let stream = futures_util::stream::unfold((guard, 1u32), move |(mut guard, i)| {
        let step = step.clone();
        async move {
            if i > total + 1 {
                return None;
            }
            if i == total + 1 {
                update_run(&guard.runs, &guard.id, |r| r.completed = true);
                guard.done = true;
                let last = LiveEvent::Final(Ok(result(&guard.id)));
                return Some((last, (guard, i + 1)));
            }
            tokio::time::sleep(SLOW_STEP).await;
            Some((step(i), (guard, i + 1)))
        }
    });
    Outcome::Live(LiveStream::new(stream))
}

/// `test_cancellation_status`: what is known about run `id`.
fn cancellation_status(ctx: &Ctx, id: String) -> Outcome {
    let status = {
        let runs = ctx.state.runs.lock().unwrap_or_else(|e| e.into_inner());
        runs.get(&id).copied()
    };
    let structured = json!({
        "runId": id,
        "seen": status.is_some(),
        "cancelled": status.is_some_and(|s| s.cancelled),
        "completed": status.is_some_and(|s| s.completed),
    });
    let mut result = complete_tool(vec![text(structured.to_string())]);
    result["structuredContent"] = structured;
    Outcome::Result(result)
}

fn logging_tool(ctx: &Ctx) -> Outcome {
    let result = complete_tool(vec![text("Logging tool completed")]);
    let min = match ctx.meta.log_level {
        None if ctx.has(F::LogWithoutLevel) => 0,
        None => return Outcome::Result(result),
        Some(_) if ctx.has(F::LogBelowLevel) => 0,
        Some(min) => min,
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
    if ctx.has(F::LogOnListenStream) {
        for n in &before {
            ctx.state.leak_to_listeners(n);
        }
    }
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

/// `test_streaming_elicitation` (see [`mrtr::streaming_elicitation`]), with its fault modes.
fn streaming_elicitation(ctx: &Ctx) -> Outcome {
    let mut before = Vec::new();
    if ctx.has(F::SseServerRequest) {
        before.push(fault_server_request());
    }
    mrtr::streaming_elicitation(ctx, before, ctx.has(F::BadInputRequest))
}

/// `robustness-500` / `invalid-input-accepted`: what test_validate_input does with arguments
/// that violate its inputSchema (`None`: no such fault, or valid arguments).
fn validate_input_fault(ctx: &Ctx) -> Option<Outcome> {
    if !ctx.has(F::Robustness500) && !ctx.has(F::InvalidInputAccepted) {
        return None;
    }
    let violates = match ctx.params.get("arguments") {
        None | Some(Value::Null) => true,
        Some(Value::Object(m)) => m
            .get("date")
            .and_then(Value::as_str)
            .is_none_or(|d| d.len() > 1024),
        Some(_) => true,
    };
    if !violates {
        return None;
    }
    if ctx.has(F::Robustness500) {
        return Some(
            RpcError::new(
                axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                crate::rpc::INTERNAL_ERROR,
                "panic while parsing arguments.date",
            )
            .into(),
        );
    }
    let mut result = complete_tool(vec![text("Date accepted")]);
    result["isError"] = json!(false);
    Some(Outcome::Result(result))
}

/// Whether a resource URI tries to climb out of the served tree (`..`, `%2e%2e`).
fn is_traversal(uri: &str) -> bool {
    uri.contains("..") || uri.to_ascii_lowercase().contains("%2e%2e")
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
// Cursors

/// Cursors are tagged with HMAC-SHA256 under the instance's `requestState` key: a forged or
/// edited cursor is rejected, and instances that share the key (a stateless deployment) accept
/// each other's cursors, while instances with keys of their own do not.
fn tag(state: &AppState, payload: &str) -> String {
    use hmac::{Hmac, KeyInit, Mac};
    let mut m = <Hmac<sha2::Sha256> as KeyInit>::new_from_slice(state.state_key())
        .expect("HMAC takes keys of any length");
    m.update(b"cursor|");
    m.update(payload.as_bytes());
    m.finalize()
        .into_bytes()
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
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
    } else if state.auth.is_some() {
        // What a protected server answers depends on the caller's token (the tool list does).
        json!("private")
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

/// Items per `tools/list` page.
pub const TOOLS_PAGE_SIZE: usize = 5;
/// Items per page of `prompts/list`, `resources/list` and `resources/templates/list`.
pub const PAGE_SIZE: usize = 2;

/// An opaque cursor for `offset` in the list of `method`: base64 of `method:offset`, a dot and a
/// keyed tag (so a cursor works on any connection, and a forged or edited one is rejected).
fn cursor(state: &AppState, method: &str, offset: usize) -> String {
    let payload = format!("{method}:{offset}");
    format!("{}.{}", B64.encode(&payload), tag(state, &payload))
}

/// The offset a cursor stands for, if it is one this server issued for `method`.
fn open_cursor(state: &AppState, method: &str, cursor: &str) -> Option<usize> {
    let (b64, t) = cursor.split_once('.')?;
    let payload = String::from_utf8(B64.decode(b64).ok()?).ok()?;
    if tag(state, &payload) != t {
        return None;
    }
    let (m, offset) = payload.rsplit_once(':')?;
    (m == method).then(|| offset.parse().ok())?
}

/// One page of `items` (subject to the pagination and cache-hint faults).
fn paginate(
    ctx: &Ctx,
    method: &str,
    field: &str,
    items: Vec<Value>,
    size: usize,
) -> Result<Value, RpcError> {
    let offset = match ctx.params.get("cursor") {
        None => 0,
        Some(Value::String(c)) => match open_cursor(ctx.state, method, c) {
            Some(o) if o < items.len() => o,
            _ if ctx.has(F::InvalidCursorAccepted) => 0,
            _ => return Err(RpcError::invalid_params("Invalid cursor")),
        },
        Some(_) => return Err(RpcError::invalid_params("cursor must be a string")),
    };
    let start = if ctx.has(F::DuplicateItemsAcrossPages) && offset > 0 {
        offset - 1
    } else {
        offset
    };
    let end = (start + size).min(items.len());
    let page: Vec<Value> = items[start..end].to_vec();
    let mut result = json!({"resultType": "complete", field: page});
    if end < items.len() {
        result["nextCursor"] = json!(cursor(ctx.state, method, end));
    } else if ctx.has(F::CursorLoop) {
        result["nextCursor"] = json!(cursor(ctx.state, method, 0));
    }
    if !(ctx.has(F::LaterPagesNoCacheHints) && offset > 0) {
        list_cache_hints(ctx, &mut result);
    }
    if ctx.has(F::CacheScopeDiffersOnPages) && offset > 0 {
        result["cacheScope"] = json!("private");
    }
    Ok(result)
}

// ---------------------------------------------------------------------------------------------
// Resources

/// Number of `test://page/N` resources (N = 1..=PAGE_RESOURCES), listed so that
/// `resources/list` spans several pages.
pub const PAGE_RESOURCES: usize = 3;

pub fn list_resources(ctx: &Ctx) -> Result<Value, RpcError> {
    let mut resources = json!([
        {"uri": "test://static-text", "name": "static-text", "description": "A static text resource", "mimeType": "text/plain"},
        {"uri": "test://static-binary", "name": "static-binary", "description": "A static binary resource (PNG)", "mimeType": "image/png"}
    ]);
    for n in 1..=PAGE_RESOURCES {
        if let Some(list) = resources.as_array_mut() {
            list.push(json!({"uri": format!("test://page/{n}"), "name": format!("page-{n}"), "description": format!("Text resource {n} of the paginated list"), "mimeType": "text/plain"}));
        }
    }
    if ctx.has(F::ResourceWithoutName) {
        strip_all(&mut resources, "name");
    }
    let items = resources.as_array().cloned().unwrap_or_default();
    paginate(ctx, "resources/list", "resources", items, PAGE_SIZE)
}

/// Further templates (besides [`TEMPLATE_URI`]); any `{id}` of letters, digits, `-`, `_` reads.
pub const EXTRA_TEMPLATES: &[(&str, &str)] = &[
    ("test://notes/{id}", "text/plain"),
    ("test://items/{id}/detail", "application/json"),
];

pub fn list_resource_templates(ctx: &Ctx) -> Result<Value, RpcError> {
    if ctx.has(F::TemplatesListFails) {
        return Err(RpcError::internal("Listing resource templates failed"));
    }
    let mut templates = json!([
        {"uriTemplate": TEMPLATE_URI, "name": "template-data", "description": "Data for an id", "mimeType": "application/json"},
        {"uriTemplate": EXTRA_TEMPLATES[0].0, "name": "template-notes", "description": "A text note for an id", "mimeType": EXTRA_TEMPLATES[0].1},
        {"uriTemplate": EXTRA_TEMPLATES[1].0, "name": "template-item-detail", "description": "Item details for an id", "mimeType": EXTRA_TEMPLATES[1].1}
    ]);
    if ctx.has(F::TemplateWithoutName) {
        strip_all(&mut templates, "name");
    }
    let items = templates.as_array().cloned().unwrap_or_default();
    paginate(
        ctx,
        "resources/templates/list",
        "resourceTemplates",
        items,
        PAGE_SIZE,
    )
}

/// The `{id}` of a URI produced from one of [`EXTRA_TEMPLATES`], with its index.
fn extra_template_id(uri: &str) -> Option<(usize, &str)> {
    EXTRA_TEMPLATES.iter().enumerate().find_map(|(i, (t, _))| {
        let (prefix, suffix) = t.split_once("{id}")?;
        let id = uri.strip_prefix(prefix)?.strip_suffix(suffix)?;
        valid_id(id).then_some((i, id))
    })
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// `N` of a listed `test://page/N` resource.
fn page_resource(uri: &str) -> Option<usize> {
    let n: usize = uri.strip_prefix("test://page/")?.parse().ok()?;
    ((1..=PAGE_RESOURCES).contains(&n) && uri == format!("test://page/{n}")).then_some(n)
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
    valid_id(id).then_some(id)
}

pub fn read_resource(ctx: &Ctx) -> Result<Value, RpcError> {
    let Some(uri) = ctx.params.get("uri").and_then(Value::as_str) else {
        return Err(RpcError::invalid_params("params.uri must be a string"));
    };
    if ctx.has(F::ReadInternalError) && matches!(uri, "test://static-text" | "test://static-binary")
    {
        return Err(RpcError::internal(format!("Reading {uri} failed")));
    }
    if uri == mrtr::RESOURCE {
        return mrtr::read_resource(ctx, |r| list_cache_hints(ctx, r));
    }
    if is_traversal(uri) && ctx.has(F::PathTraversalCrash) {
        return Err(RpcError::new(
            axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            crate::rpc::INTERNAL_ERROR,
            format!("cannot open {uri}"),
        ));
    }
    if is_traversal(uri) && ctx.has(F::PathTraversalServed) {
        let mut result = json!({"resultType": "complete", "contents": [
            {"uri": uri, "mimeType": "text/plain", "text": "root:x:0:0:root:/root:/bin/sh\n"}
        ]});
        list_cache_hints(ctx, &mut result);
        return Ok(result);
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
            None if page_resource(uri).is_some() => {
                let n = page_resource(uri).unwrap_or_default();
                json!([{"uri": uri, "mimeType": "text/plain", "text": format!("This is page resource {n}.")}])
            }
            None if extra_template_id(uri).is_some() => {
                let (i, id) = extra_template_id(uri).unwrap_or_default();
                let mime = EXTRA_TEMPLATES[i].1;
                let text = if mime == "application/json" {
                    json!({"id": id, "detail": format!("detail of {id}")}).to_string()
                } else {
                    format!("Note {id}.")
                };
                json!([{"uri": uri, "mimeType": mime, "text": text}])
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
    let mut result = json!({"prompts": [
        {"name": "test_simple_prompt", "description": "A simple prompt without arguments"},
        {"name": "test_prompt_with_arguments", "description": "A prompt with two required arguments", "arguments": [
            {"name": "arg1", "description": "First argument", "required": true},
            {"name": "arg2", "description": "Second argument", "required": true}
        ]},
        {"name": "test_prompt_with_embedded_resource", "description": "A prompt with an embedded resource", "arguments": [
            {"name": "resourceUri", "description": "URI to embed (default test://static-text)", "required": false}
        ]},
        {"name": "test_prompt_with_image", "description": "A prompt with an image"},
        {"name": "test_prompt_extra", "description": "A further simple prompt (so that prompts/list spans three pages)"},
        mrtr::prompt_definition()
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
    let items = result["prompts"].as_array().cloned().unwrap_or_default();
    paginate(ctx, "prompts/list", "prompts", items, PAGE_SIZE)
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
    if name == mrtr::PROMPT {
        return mrtr::get_prompt(ctx);
    }
    let arg = |k: &str| args.get(k).and_then(Value::as_str);
    let role = if ctx.has(F::PromptBadRole) {
        "system"
    } else {
        "user"
    };
    let user = |content: Value| json!({"role": role, "content": content});
    let messages = match name {
        "test_simple_prompt" => vec![user(text("This is a simple prompt for testing."))],
        "test_prompt_extra" => vec![user(text("This is a further prompt for testing."))],
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
