//! Interoperability with the official Rust MCP SDK: a server built on rmcp 3.9 runs in this
//! process (Streamable HTTP on an ephemeral loopback port, stateless, protocol 2026-07-28 only)
//! and the whole suite runs against it. The test asserts that nothing rmcp declares fails for
//! a reason other than a real rmcp defect:
//!
//! * every failing or erroring check is listed in `KNOWN_RMCP_DEFECTS` (each entry says why it
//!   is rmcp that breaks the revision), and every entry still fails, so the list cannot go stale;
//! * every warning is listed in `KNOWN_WARNINGS`, under the same rule;
//! * the server's identity was found and enough scenarios and checks ran.
//!
//! The server implements (and declares only) the official-suite fixtures our scenarios use:
//! content tools, tool errors, input validation, an `x-mcp-header` argument, structured output,
//! progress, logging, a `sampling`-gated tool (-32021), a multi round-trip elicitation with an
//! HMAC-sealed `requestState`, list-change triggers with `subscriptions/listen`, prompts,
//! resources (text, binary, template) and completions; plus `add` {a, b}.
//!
//! With `--nocapture`: `MCPCHECK_RMCP_EXCHANGES=1` prints the wire exchange of every check that
//! did not pass, `MCPCHECK_RMCP_SCENARIOS=1` every scenario's status, and
//! `MCPCHECK_RMCP_CHECKS=TEXT` the status of every check whose scenario id contains TEXT.
//!
//! rmcp's `StreamableHttpService` is a tower service: it is served by axum at `/mcp`.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use mcpcheck::cli::{RunArgs, run_to_record};
use mcpcheck_reports::{CheckRecord, RunRecord, Status};
use rmcp::handler::server::router::{prompt::PromptRouter, tool::ToolRouter};
use rmcp::handler::server::tool::{InputResponses, RequestState};
use rmcp::handler::server::wrapper::{Json, Parameters};
use rmcp::model::{
    CallToolResponse, CallToolResult, CompleteRequestParams, CompleteResult, CompletionInfo,
    ContentBlock, GetPromptResult, Implementation, InputRequiredResult,
    ListResourceTemplatesResult, ListResourcesResult, PaginatedRequestParams,
    ProgressNotificationParam, PromptMessage, ProtocolVersion, ReadResourceRequestParams,
    ReadResourceResponse, ReadResourceResult, Reference, RequestStateCodec, Resource,
    ResourceContents, ResourceTemplate, Role, SealOptions, ServerCapabilities, ServerConfig,
    SubscriptionFilter,
};
use rmcp::schemars::JsonSchema;
use rmcp::service::{RequestContext, SubscriptionContext};
use rmcp::transport::streamable_http_server::{
    StreamableHttpServerConfig, StreamableHttpService, session::never::NeverSessionManager,
};
use rmcp::{ErrorData, RoleServer, ServerHandler, prompt, prompt_handler, prompt_router};
use rmcp::{tool, tool_handler, tool_router};
use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;
use tokio::sync::broadcast;

/// Real defects of rmcp 3.9 against the 2026-07-28 revision: `scenario:check` (or a requirement
/// id) and why. Every failing or erroring check must match an entry; every entry must still
/// match a failing or erroring check.
const KNOWN_RMCP_DEFECTS: &[(&str, &str)] = &[
    (
        "stateless-removed-methods:initialize/status",
        INITIALIZE_ROUTED_TO_LEGACY,
    ),
    (
        "stateless-removed-methods:initialize/error",
        INITIALIZE_ROUTED_TO_LEGACY,
    ),
    (
        "stateless-removed-methods:resources-subscribe/status",
        MCP_NAME_FOR_REMOVED_METHODS,
    ),
    (
        "stateless-removed-methods:resources-subscribe/error",
        MCP_NAME_FOR_REMOVED_METHODS,
    ),
    (
        "stateless-removed-methods:resources-unsubscribe/status",
        MCP_NAME_FOR_REMOVED_METHODS,
    ),
    (
        "stateless-removed-methods:resources-unsubscribe/error",
        MCP_NAME_FOR_REMOVED_METHODS,
    ),
    (
        "tools-input-robustness:arguments-is-not-an-object/json.error.code",
        "rmcp's ClientRequest is an untagged enum: a tools/call whose params do not parse \
         (arguments an array) falls through to CustomRequest and is answered 404 + -32601 \
         \"tools/call\", as if tools/call did not exist; a malformed request to an implemented \
         method is -32602 (JSON-RPC 2.0; server/tools.mdx Error Handling: malformed requests \
         are protocol errors; TOOLS-08/TOOLS-10)",
    ),
];

const INITIALIZE_ROUTED_TO_LEGACY: &str = "rmcp routes every `initialize` to the legacy \
    handshake, even one carrying MCP-Protocol-Version 2026-07-28 and _meta; a modern-only server \
    then answers 400 + -32022 with data {requested: \"2026-07-28\", supported: [\"2026-07-28\"]}, \
    a self-contradictory UnsupportedProtocolVersionError. streamable-http.mdx: a method the \
    server does not implement MUST get 404 + -32601 (the official suite expects the same)";

const MCP_NAME_FOR_REMOVED_METHODS: &str = "rmcp (transport/common/mcp_headers.rs NAME_FROM_URI) \
    requires Mcp-Name for resources/subscribe and resources/unsubscribe and answers 400 + -32020 \
    \"missing required Mcp-Name header\"; the revision requires Mcp-Name only for tools/call, \
    resources/read and prompts/get (streamable-http.mdx Standard Request Headers, SEP-2243) and \
    has no such methods: a modern-only server MUST answer them 404 + -32601";

/// Warnings (SHOULD-level findings) this run is known to produce: `scenario:check` or a
/// requirement id, and why. Same rules as `KNOWN_RMCP_DEFECTS`.
const KNOWN_WARNINGS: &[(&str, &str)] = &[
    (
        "STATELESS-07",
        "rmcp: _meta[\"io.modelcontextprotocol/serverInfo\"] only on server/discover results; \
         basic/index.mdx: servers SHOULD include it in every result's _meta",
    ),
    (
        "caching-tools-pages:garbage-cursor/invalid-params",
        "rmcp: the #[tool_handler] tools/list ignores the cursor; pagination.mdx: invalid \
         cursors SHOULD get -32602",
    ),
    (
        "caching-prompts-pages:garbage-cursor/invalid-params",
        "rmcp: the #[prompt_handler] prompts/list ignores the cursor; pagination.mdx: invalid \
         cursors SHOULD get -32602",
    ),
    (
        "stateless-legacy-initialize:legacy-initialize/status",
        "rmcp: a header-less legacy initialize is exempt from stateless_protocol_metadata_required \
         and is answered HTTP 200 with -32022; streamable-http.mdx: a server that does not \
         support clients older than 2025-06-18 MUST reject a request without \
         MCP-Protocol-Version with 400, and -32022 MUST come with 400 (a MUST that mcpcheck \
         only checks under STATELESS-24, a SHOULD)",
    ),
    (
        "mrtr-malformed-responses:inputresponses-null/result",
        "rmcp reads \"inputResponses\": null as absent, so the fixture asks again \
         (input_required); mcpcheck's check `result: false` rejects that, although the scenario \
         description and the digest (MRTR-11) tolerate a new input_required",
    ),
];

/// Scenarios that must have run (not all not_applicable) for the run to mean anything.
const MIN_SCENARIOS_RUN: usize = 90;
/// Checks that must pass.
const MIN_CHECKS_PASSED: usize = 600;

const SIMPLE_TEXT: &str = "This is a simple text response for testing.";
/// A 1x1 transparent PNG.
const PNG_BASE64: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";
/// A WAV header with no samples (8 kHz, mono, 8 bit).
const WAV_BASE64: &str = "UklGRiQAAABXQVZFZm10IBAAAAABAAEAQB8AAEAfAAABAAgAZGF0YQAAAAA=";
const STATIC_TEXT_URI: &str = "test://static-text";
const STATIC_BINARY_URI: &str = "test://static-binary";
const TEMPLATE_URI: &str = "test://template/{id}/data";

// ---------------------------------------------------------------------------------------------
// The rmcp server
// ---------------------------------------------------------------------------------------------

/// A change of a list, announced on the listen streams that asked for it.
#[derive(Debug, Clone, Copy)]
enum Change {
    Tools,
    Prompts,
}

/// rmcp builds one `Fixture` per HTTP request (stateless), from the service factory.
#[derive(Debug, Clone)]
struct Fixture {
    tool_router: ToolRouter<Self>,
    prompt_router: PromptRouter<Self>,
    /// Shared by every instance: the trigger tools send, listen streams receive.
    changes: broadcast::Sender<Change>,
    /// This instance's listen subscription, taken before rmcp sends the acknowledgement so that
    /// no change after the acknowledgement can be missed.
    pending: Arc<Mutex<Option<broadcast::Receiver<Change>>>>,
    /// Seals the multi round-trip `requestState` (HMAC), shared by every instance.
    codec: Codec,
}

#[derive(Clone)]
struct Codec(Arc<RequestStateCodec>);

impl std::fmt::Debug for Codec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Codec")
    }
}

/// What a sealed `requestState` of the elicitation fixture is bound to.
const ELICITATION_STATE_CONTEXT: &[u8] = b"tools/call:test_input_required_result_elicitation";

#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(crate = "rmcp::schemars")]
struct AddArgs {
    /// First addend.
    a: f64,
    /// Second addend.
    b: f64,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(crate = "rmcp::schemars")]
struct ValidateArgs {
    /// A date in the future, YYYY-MM-DD.
    date: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(crate = "rmcp::schemars")]
struct CustomHeaderArgs {
    /// Deployment region; mirrored in the Mcp-Param-Region header.
    #[serde(default)]
    #[schemars(with = "String", extend("x-mcp-header" = "Region"))]
    region: Option<String>,
    /// Free text.
    query: String,
}

#[derive(Debug, Serialize, JsonSchema)]
#[schemars(crate = "rmcp::schemars")]
struct Weather {
    temperature: f64,
    conditions: String,
    humidity: u32,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(crate = "rmcp::schemars")]
struct PromptArgs {
    /// First argument.
    arg1: String,
    /// Second argument.
    arg2: String,
}

#[tool_router]
impl Fixture {
    fn new(changes: broadcast::Sender<Change>, codec: Codec) -> Self {
        Fixture {
            tool_router: Self::tool_router(),
            prompt_router: Self::prompt_router(),
            changes,
            pending: Arc::new(Mutex::new(None)),
            codec,
        }
    }

    #[tool(description = "Asks for user_name via form elicitation, then greets")]
    async fn test_input_required_result_elicitation(
        &self,
        context: RequestContext<RoleServer>,
        RequestState(state): RequestState,
        InputResponses(responses): InputResponses,
    ) -> Result<CallToolResponse, ErrorData> {
        use rmcp::model::{
            ClientCapabilities, ElicitRequest, ElicitRequestParams, InputRequest, InputRequests,
        };
        let elicitation = context
            .meta
            .client_capabilities()
            .is_some_and(|c| c.elicitation.is_some());
        if !elicitation {
            return Err(ErrorData::missing_required_client_capability(
                ClientCapabilities::builder().enable_elicitation().build(),
            ));
        }
        if let Some(token) = context.meta.get_progress_token() {
            context
                .peer
                .notify_progress(ProgressNotificationParam::new(token, 0.0).with_message("asking"))
                .await
                .map_err(|e| ErrorData::internal_error(e.to_string(), None))?;
        }
        let options = SealOptions::new().associated_data(ELICITATION_STATE_CONTEXT);
        if let Some(state) = &state {
            self.codec
                .0
                .open_with(state, ELICITATION_STATE_CONTEXT)
                .map_err(|e| {
                    ErrorData::invalid_params(
                        format!("requestState failed verification: {e}"),
                        None,
                    )
                })?;
        }
        match responses.as_ref().and_then(|r| r.get("user_name")) {
            None => {
                let mut requests = InputRequests::new();
                requests.insert(
                    "user_name".into(),
                    InputRequest::Elicitation(ElicitRequest::new(
                        ElicitRequestParams::FormElicitationParams {
                            meta: None,
                            message: "What is your name?".into(),
                            requested_schema: serde_json::from_value(serde_json::json!({
                                "type": "object",
                                "properties": {"name": {"type": "string", "description": "Your name"}},
                                "required": ["name"]
                            }))
                            .map_err(|e| ErrorData::internal_error(e.to_string(), None))?,
                        },
                    )),
                );
                let sealed = self.codec.0.seal_with(b"asked user_name", &options);
                Ok(InputRequiredResult::new(Some(requests), Some(sealed)).into())
            }
            Some(answer) => {
                let malformed = || {
                    ErrorData::invalid_params(
                        "inputResponses.user_name is not an ElicitResult",
                        None,
                    )
                };
                match answer.get("action").and_then(serde_json::Value::as_str) {
                    Some("accept") => {
                        let name = answer["content"]["name"].as_str().ok_or_else(malformed)?;
                        Ok(CallToolResult::success(vec![ContentBlock::text(format!(
                            "Hello, {name}!"
                        ))])
                        .into())
                    }
                    Some("decline" | "cancel") => {
                        Ok(CallToolResult::error(vec![ContentBlock::text(
                            "The user did not give a name.",
                        )])
                        .into())
                    }
                    _ => Err(malformed()),
                }
            }
        }
    }

    #[tool(description = "Signals a tool list change")]
    async fn test_trigger_tool_change(&self) -> String {
        let _ = self.changes.send(Change::Tools);
        "tool list change signalled".into()
    }

    #[tool(description = "Signals a prompt list change")]
    async fn test_trigger_prompt_change(&self) -> String {
        let _ = self.changes.send(Change::Prompts);
        "prompt list change signalled".into()
    }

    #[tool(description = "Returns a simple text response")]
    async fn test_simple_text(&self) -> Result<CallToolResult, ErrorData> {
        Ok(CallToolResult::success(vec![ContentBlock::text(
            SIMPLE_TEXT,
        )]))
    }

    #[tool(description = "Always fails with a tool execution error (isError: true)")]
    async fn test_error_handling(&self) -> Result<CallToolResult, ErrorData> {
        Ok(CallToolResult::error(vec![ContentBlock::text(
            "This tool intentionally returns an error for testing",
        )]))
    }

    #[tool(description = "Returns an image")]
    async fn test_image_content(&self) -> Result<CallToolResult, ErrorData> {
        Ok(CallToolResult::success(vec![ContentBlock::image(
            PNG_BASE64,
            "image/png",
        )]))
    }

    #[tool(description = "Returns audio")]
    async fn test_audio_content(&self) -> Result<CallToolResult, ErrorData> {
        Ok(CallToolResult::success(vec![ContentBlock::audio(
            WAV_BASE64,
            "audio/wav",
        )]))
    }

    #[tool(description = "Returns an embedded resource")]
    async fn test_embedded_resource(&self) -> Result<CallToolResult, ErrorData> {
        Ok(CallToolResult::success(vec![ContentBlock::embedded_text(
            "test://embedded-resource",
            "This is an embedded resource content.",
        )]))
    }

    #[tool(description = "Returns text, image and embedded resource content")]
    async fn test_multiple_content_types(&self) -> Result<CallToolResult, ErrorData> {
        Ok(CallToolResult::success(vec![
            ContentBlock::text("Multiple content types test:"),
            ContentBlock::image(PNG_BASE64, "image/png"),
            ContentBlock::embedded_text(
                "test://mixed-content-resource",
                "{\"test\":\"data\",\"value\":123}",
            ),
        ]))
    }

    #[tool(description = "Adds two numbers")]
    async fn add(&self, Parameters(AddArgs { a, b }): Parameters<AddArgs>) -> String {
        (a + b).to_string()
    }

    #[tool(description = "Accepts a date that must lie in the future (YYYY-MM-DD)")]
    async fn test_validate_input(
        &self,
        Parameters(ValidateArgs { date }): Parameters<ValidateArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        let well_formed = date.len() == 10
            && date.bytes().enumerate().all(|(i, c)| {
                matches!(i, 4 | 7) == (c == b'-') && (c == b'-' || c.is_ascii_digit())
            });
        if !well_formed {
            return Ok(CallToolResult::error(vec![ContentBlock::text(format!(
                "date must be YYYY-MM-DD, got {} bytes",
                date.len()
            ))]));
        }
        // Fixed "today" keeps the test deterministic; the fixtures only send 2000 and 2030.
        if date.as_str() <= "2026-01-01" {
            return Ok(CallToolResult::error(vec![ContentBlock::text(format!(
                "date {date} is in the past"
            ))]));
        }
        Ok(CallToolResult::success(vec![ContentBlock::text(format!(
            "{date} accepted"
        ))]))
    }

    #[tool(description = "Has a region argument mirrored in the Mcp-Param-Region header")]
    async fn test_custom_header(
        &self,
        Parameters(CustomHeaderArgs { region, query }): Parameters<CustomHeaderArgs>,
    ) -> String {
        format!("region={} query={query}", region.as_deref().unwrap_or("-"))
    }

    #[tool(description = "Sends progress notifications when a progressToken is given")]
    async fn test_tool_with_progress(
        &self,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResult, ErrorData> {
        if let Some(token) = context.meta.get_progress_token() {
            for step in 1..=3 {
                let progress = ProgressNotificationParam::new(token.clone(), f64::from(step))
                    .with_total(3.0)
                    .with_message(format!("step {step} of 3"));
                context
                    .peer
                    .notify_progress(progress)
                    .await
                    .map_err(|e| ErrorData::internal_error(e.to_string(), None))?;
            }
        }
        Ok(CallToolResult::success(vec![ContentBlock::text(
            "progress complete",
        )]))
    }

    #[tool(description = "Sends log messages at or above the request's _meta logLevel")]
    #[allow(deprecated)] // logging is deprecated by SEP-2577 yet still in the revision
    async fn test_logging_tool(
        &self,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResult, ErrorData> {
        use rmcp::model::{LoggingLevel as L, LoggingMessageNotificationParam};
        let rank = |l: &L| match l {
            L::Debug => 0,
            L::Info => 1,
            L::Notice => 2,
            L::Warning => 3,
            L::Error => 4,
            L::Critical => 5,
            L::Alert => 6,
            L::Emergency => 7,
        };
        const LOG_LEVEL: &str = "io.modelcontextprotocol/logLevel";
        if context.meta.get(LOG_LEVEL).is_some() && context.meta.log_level().is_none() {
            return Err(ErrorData::invalid_params(
                "invalid io.modelcontextprotocol/logLevel",
                context.meta.get(LOG_LEVEL).cloned(),
            ));
        }
        if let Some(min) = context.meta.log_level() {
            for level in [L::Debug, L::Info, L::Warning, L::Error] {
                if rank(&level) >= rank(&min) {
                    let message = LoggingMessageNotificationParam::new(
                        level,
                        serde_json::json!({ "message": "test_logging_tool log entry" }),
                    )
                    .with_logger("rmcp-interop");
                    context
                        .peer
                        .notify_logging_message(message)
                        .await
                        .map_err(|e| ErrorData::internal_error(e.to_string(), None))?;
                }
            }
        }
        Ok(CallToolResult::success(vec![ContentBlock::text(
            "logging complete",
        )]))
    }

    #[tool(description = "Needs the client's sampling capability (multi round-trip)")]
    #[allow(deprecated)] // sampling is deprecated by SEP-2577 yet still in the revision
    async fn test_missing_capability(
        &self,
        context: RequestContext<RoleServer>,
        InputResponses(responses): InputResponses,
    ) -> Result<CallToolResponse, ErrorData> {
        use rmcp::model::{
            ClientCapabilities, CreateMessageRequest, CreateMessageRequestParams, InputRequest,
            InputRequests, SamplingMessage,
        };
        let sampling = context
            .meta
            .client_capabilities()
            .is_some_and(|c| c.sampling.is_some());
        if !sampling {
            return Err(ErrorData::missing_required_client_capability(
                ClientCapabilities::builder().enable_sampling().build(),
            ));
        }
        if let Some(answer) = responses.as_ref().and_then(|r| r.get("capital_question")) {
            let text = answer["content"]["text"].as_str().unwrap_or("(no text)");
            return Ok(CallToolResult::success(vec![ContentBlock::text(format!(
                "The model answered: {text}"
            ))])
            .into());
        }
        let mut requests = InputRequests::new();
        requests.insert(
            "capital_question".into(),
            InputRequest::CreateMessage(CreateMessageRequest::new(
                CreateMessageRequestParams::new(
                    vec![SamplingMessage::user_text("What is the capital of France?")],
                    100,
                ),
            )),
        );
        Ok(InputRequiredResult::from_input_requests(requests).into())
    }

    #[tool(description = "Returns structured weather data")]
    async fn test_structured_output(&self) -> Json<Weather> {
        Json(Weather {
            temperature: 22.5,
            conditions: "Partly cloudy".into(),
            humidity: 65,
        })
    }
}

#[prompt_router]
impl Fixture {
    #[prompt(description = "A simple prompt without arguments")]
    async fn test_simple_prompt(&self) -> Vec<PromptMessage> {
        vec![PromptMessage::new_text(
            Role::User,
            "This is a simple prompt for testing.",
        )]
    }

    #[prompt(description = "A prompt with two required arguments")]
    async fn test_prompt_with_arguments(
        &self,
        Parameters(PromptArgs { arg1, arg2 }): Parameters<PromptArgs>,
    ) -> Vec<PromptMessage> {
        vec![PromptMessage::new_text(
            Role::User,
            format!("Prompt with arguments: arg1='{arg1}', arg2='{arg2}'"),
        )]
    }

    #[prompt(description = "A prompt with an embedded resource")]
    async fn test_prompt_with_embedded_resource(&self) -> Vec<PromptMessage> {
        vec![
            PromptMessage::new_resource(
                Role::User,
                STATIC_TEXT_URI.into(),
                Some("text/plain".into()),
                Some("Embedded resource content for testing.".into()),
                None,
                None,
                None,
            ),
            PromptMessage::new_text(Role::User, "Please process the embedded resource above."),
        ]
    }

    #[prompt(description = "A prompt with an image")]
    async fn test_prompt_with_image(&self) -> GetPromptResult {
        GetPromptResult::new(vec![
            PromptMessage::new(Role::User, ContentBlock::image(PNG_BASE64, "image/png")),
            PromptMessage::new_text(Role::User, "Please analyze the image above."),
        ])
    }
}

#[tool_handler(router = self.tool_router)]
#[prompt_handler(router = self.prompt_router)]
impl ServerHandler for Fixture {
    #[allow(deprecated)] // enable_logging: logging is deprecated by SEP-2577, still in 2026-07-28
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(
            ServerCapabilities::builder()
                .enable_logging()
                .enable_completions()
                .enable_prompts()
                .enable_resources()
                .enable_tools()
                .enable_tool_list_changed()
                .enable_prompts_list_changed()
                .build(),
        )
        .with_server_info(Implementation::new("rmcp-interop-fixture", "3.9.0"))
        .with_instructions("Fixture server of mcpcheck's rmcp interoperability test")
    }

    /// This server implements the stateless revision only.
    fn supported_protocol_versions(&self) -> std::borrow::Cow<'static, [ProtocolVersion]> {
        std::borrow::Cow::Owned(vec![ProtocolVersion::V_2026_07_28])
    }

    fn accepted_subscription_filter(
        &self,
        requested: &SubscriptionFilter,
    ) -> Option<SubscriptionFilter> {
        *self.pending.lock().expect("not poisoned") = Some(self.changes.subscribe());
        Some(requested.supported_by(&self.get_info().capabilities))
    }

    async fn listen(&self, context: SubscriptionContext) -> Result<(), ErrorData> {
        let Some(mut changes) = self.pending.lock().expect("not poisoned").take() else {
            context.cancelled().await;
            return Ok(());
        };
        loop {
            tokio::select! {
                () = context.cancelled() => return Ok(()),
                change = changes.recv() => {
                    let accepted = context.accepted();
                    let sent = match change {
                        Ok(Change::Tools) if accepted.tools_list_changed == Some(true) => {
                            context.sink().notify_tool_list_changed().await
                        }
                        Ok(Change::Prompts) if accepted.prompts_list_changed == Some(true) => {
                            context.sink().notify_prompt_list_changed().await
                        }
                        Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => Ok(()),
                        Err(broadcast::error::RecvError::Closed) => {
                            context.cancelled().await;
                            return Ok(());
                        }
                    };
                    if sent.is_err() {
                        return Ok(()); // the stream is gone
                    }
                }
            }
        }
    }

    async fn list_resources(
        &self,
        request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, ErrorData> {
        no_cursor(request)?;
        Ok(ListResourcesResult::with_all_items(vec![
            Resource::new(STATIC_TEXT_URI, "static-text")
                .with_description("A static text resource")
                .with_mime_type("text/plain"),
            Resource::new(STATIC_BINARY_URI, "static-binary")
                .with_description("A static binary resource")
                .with_mime_type("image/png"),
        ]))
    }

    async fn list_resource_templates(
        &self,
        request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, ErrorData> {
        no_cursor(request)?;
        Ok(ListResourceTemplatesResult::with_all_items(vec![
            ResourceTemplate::new(TEMPLATE_URI, "template-data")
                .with_description("Data for an id")
                .with_mime_type("application/json"),
        ]))
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, ErrorData> {
        let uri = request.uri;
        let contents = if uri == STATIC_TEXT_URI {
            ResourceContents::text("This is the content of the static text resource.", &uri)
        } else if uri == STATIC_BINARY_URI {
            ResourceContents::blob(PNG_BASE64, &uri).with_mime_type("image/png")
        } else if let Some(id) = uri
            .strip_prefix("test://template/")
            .and_then(|rest| rest.strip_suffix("/data"))
            .filter(|id| !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric()))
        {
            ResourceContents::text(format!("{{\"id\":\"{id}\",\"templateTest\":true}}"), &uri)
                .with_mime_type("application/json")
        } else {
            return Err(ErrorData::resource_not_found(
                "Resource not found",
                Some(serde_json::json!({ "uri": uri })),
            ));
        };
        Ok(ReadResourceResult::new(vec![contents]).into())
    }

    async fn complete(
        &self,
        request: CompleteRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<CompleteResult, ErrorData> {
        let candidates: &[&str] = match &request.r#ref {
            Reference::Prompt(p) if p.name == "test_prompt_with_arguments" => {
                &["alpha", "apple", "beta"]
            }
            Reference::Resource(r) if r.uri == TEMPLATE_URI => &["1", "123", "42"],
            Reference::Prompt(p) => {
                return Err(ErrorData::invalid_params(
                    format!("unknown prompt {}", p.name),
                    None,
                ));
            }
            Reference::Resource(r) => {
                return Err(ErrorData::invalid_params(
                    format!("unknown resource template {}", r.uri),
                    None,
                ));
            }
            _ => return Err(ErrorData::invalid_params("unknown reference type", None)),
        };
        let values = candidates
            .iter()
            .filter(|v| v.starts_with(request.argument.value.as_str()))
            .map(|v| v.to_string())
            .collect();
        Ok(CompleteResult::new(
            CompletionInfo::new(values).map_err(|e| ErrorData::internal_error(e, None))?,
        ))
    }
}

/// The resource lists fit on one page and never hand out a cursor: any cursor is invalid.
fn no_cursor(request: Option<PaginatedRequestParams>) -> Result<(), ErrorData> {
    match request.and_then(|r| r.cursor) {
        Some(cursor) => Err(ErrorData::invalid_params(
            "Invalid cursor",
            Some(serde_json::json!({ "cursor": cursor })),
        )),
        None => Ok(()),
    }
}

type Service = StreamableHttpService<Fixture, NeverSessionManager>;

fn service() -> Service {
    let config = StreamableHttpServerConfig::default()
        // Stateless: no Mcp-Session-Id, no GET/DELETE; 2026-07-28 requests are always served
        // this way, this also turns off the legacy session path for the rest.
        .with_legacy_session_mode(false)
        // Plain JSON answers unless the handler streams something first.
        .with_json_response(true)
        // Per-request protocol signals are required (MCP-Protocol-Version header, _meta
        // protocolVersion), as the revision says.
        .with_stateless_protocol_metadata_required(true)
        .with_sse_keep_alive(None)
        // Origin validation (DNS rebinding protection, a MUST of the revision) is off in rmcp
        // unless an allow list is given: allow local clients only.
        .with_allowed_origins(["http://localhost:*", "http://127.0.0.1:*"]);
    let (changes, _) = broadcast::channel(64);
    let codec = Codec(Arc::new(
        RequestStateCodec::try_new(*b"mcpcheck rmcp interop state key!").expect("a 32-byte key"),
    ));
    StreamableHttpService::new(
        move || Ok(Fixture::new(changes.clone(), codec.clone())),
        Arc::new(NeverSessionManager::default()),
        config,
    )
}

// ---------------------------------------------------------------------------------------------
// Serving it
// ---------------------------------------------------------------------------------------------

/// The server under test: rmcp's tower service mounted at /mcp on axum, an ephemeral loopback
/// port; stops when dropped.
struct Running {
    url: String,
    serve: tokio::task::JoinHandle<()>,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.serve.abort();
    }
}

async fn start() -> Running {
    let listener = TcpListener::bind(("127.0.0.1", 0))
        .await
        .expect("bind an ephemeral loopback port");
    let addr = listener.local_addr().expect("local address");
    let router = axum::Router::new().route_service("/mcp", service());
    let serve = tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    Running {
        url: format!("http://{addr}/mcp"),
        serve,
    }
}

// ---------------------------------------------------------------------------------------------
// The test
// ---------------------------------------------------------------------------------------------

fn key(c: &CheckRecord) -> String {
    format!("{}:{}", c.scenario, c.id)
}

/// The entry of `list` that matches check `c` (by `scenario:check` or requirement id).
fn listed(list: &'static [(&'static str, &'static str)], c: &CheckRecord) -> Option<&'static str> {
    list.iter()
        .find(|(entry, _)| *entry == key(c) || *entry == c.requirement)
        .map(|(_, reason)| *reason)
}

fn is_failure(c: &CheckRecord) -> bool {
    matches!(c.status, Status::Fail | Status::Error)
}

fn is_warning(c: &CheckRecord) -> bool {
    c.status == Status::Warn
}

/// Checks of kind `which` that `list` does not explain, and entries of `list` that match no
/// such check (stale).
fn unexplained_and_stale(
    record: &RunRecord,
    list: &'static [(&'static str, &'static str)],
    which: fn(&CheckRecord) -> bool,
) -> (Vec<String>, Vec<&'static str>) {
    let unexplained = record
        .checks
        .iter()
        .filter(|c| which(c) && listed(list, c).is_none())
        .map(describe)
        .collect();
    let stale = list
        .iter()
        .filter(|(entry, _)| {
            !record
                .checks
                .iter()
                .any(|c| which(c) && (*entry == key(c) || *entry == c.requirement))
        })
        .map(|(entry, _)| *entry)
        .collect();
    (unexplained, stale)
}

fn describe(c: &CheckRecord) -> String {
    let mut s = format!(
        "{} {} [{}] {}",
        c.status.as_str(),
        key(c),
        c.requirement,
        c.message
    );
    if let Some(e) = &c.expected {
        s.push_str(&format!("\n      expected: {e}"));
    }
    if let Some(a) = &c.actual {
        s.push_str(&format!("\n      actual:   {a}"));
    }
    // MCPCHECK_RMCP_EXCHANGES=1 prints the wire exchange too.
    if std::env::var_os("MCPCHECK_RMCP_EXCHANGES").is_some()
        && let Some(x) = &c.exchange
    {
        let headers = |h: &[(String, String)]| {
            h.iter()
                .map(|(n, v)| format!("{n}: {v}"))
                .collect::<Vec<_>>()
                .join("\n        ")
        };
        s.push_str(&format!(
            "\n      > {} {}\n        {}\n        {}",
            x.request.method,
            x.request.url,
            headers(&x.request.headers),
            x.request.body
        ));
        if let Some(r) = &x.response {
            s.push_str(&format!(
                "\n      < {}\n        {}\n        {}",
                r.status,
                headers(&r.headers),
                r.body
            ));
        }
        if let Some(e) = &x.transport_error {
            s.push_str(&format!("\n      ! {e}"));
        }
    }
    s
}

async fn run(url: &str) -> RunRecord {
    let args = RunArgs {
        url: vec![url.to_string()],
        concurrency: 8,
        quiet: true,
        ..Default::default()
    };
    match run_to_record(&args).await {
        Ok((record, _)) => record,
        Err((code, msg)) => panic!("run did not start (exit {code}): {msg}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rmcp_server_has_no_false_failures() {
    let server = start().await;
    let record = run(&server.url).await;

    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for c in &record.checks {
        *counts.entry(c.status.as_str()).or_default() += 1;
    }
    let scenarios_ran = record
        .scenarios
        .iter()
        .filter(|s| s.status != Status::NotApplicable)
        .count();
    println!(
        "rmcp 3.9 interop: {} checks {counts:?}; {scenarios_ran} of {} scenarios ran; {}",
        record.checks.len(),
        record.scenarios.len(),
        record.one_line_summary()
    );
    for c in record
        .checks
        .iter()
        .filter(|c| is_failure(c) || is_warning(c))
    {
        let list = if is_failure(c) {
            KNOWN_RMCP_DEFECTS
        } else {
            KNOWN_WARNINGS
        };
        let note = listed(list, c).map_or(" (UNEXPLAINED)", |_| "");
        println!("  {}{note}", describe(c));
    }
    if let Some(which) = std::env::var_os("MCPCHECK_RMCP_CHECKS") {
        let which = which.to_string_lossy().into_owned();
        for c in record.checks.iter().filter(|c| c.scenario.contains(&which)) {
            println!("  check {} {}", key(c), c.status.as_str());
        }
    }
    if std::env::var_os("MCPCHECK_RMCP_SCENARIOS").is_some() {
        for sc in &record.scenarios {
            println!(
                "  scenario {} {} {}",
                sc.id,
                sc.status.as_str(),
                sc.reason.as_deref().unwrap_or("")
            );
        }
    }

    // The identity from server/discover.
    let identity = record
        .server
        .as_ref()
        .expect("the run found the server's identity");
    assert_eq!(identity.name, "rmcp-interop-fixture");
    assert_eq!(identity.version, "3.9.0");

    // Enough ran to mean something.
    assert!(
        scenarios_ran >= MIN_SCENARIOS_RUN,
        "only {scenarios_ran} scenarios ran (want at least {MIN_SCENARIOS_RUN})"
    );
    let passed = counts.get("pass").copied().unwrap_or(0);
    assert!(
        passed >= MIN_CHECKS_PASSED,
        "only {passed} checks passed (want at least {MIN_CHECKS_PASSED})"
    );

    // Every failure is a known rmcp defect, every warning a known one, and no entry is stale.
    let (failures, stale_defects) = unexplained_and_stale(&record, KNOWN_RMCP_DEFECTS, is_failure);
    let (warnings, stale_warnings) = unexplained_and_stale(&record, KNOWN_WARNINGS, is_warning);
    assert!(
        failures.is_empty(),
        "checks failed against rmcp that KNOWN_RMCP_DEFECTS does not list (a new rmcp defect, a \
         misconfigured fixture or a false failure of mcpcheck: find out which):\n  {}",
        failures.join("\n  ")
    );
    assert!(
        warnings.is_empty(),
        "warnings against rmcp that KNOWN_WARNINGS does not list:\n  {}",
        warnings.join("\n  ")
    );
    assert!(
        stale_defects.is_empty() && stale_warnings.is_empty(),
        "entries that no longer fail or warn (delete them): KNOWN_RMCP_DEFECTS {stale_defects:?}, \
         KNOWN_WARNINGS {stale_warnings:?}"
    );
}
