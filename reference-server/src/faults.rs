//! The fault table: every fault mode breaks one rule of the revision (its `requirements`); a few
//! also make checks of other requirements fail because those checks can no longer observe the
//! answer (its `collateral`, an optional second list).
//!
//! The names are the public contract (CLI `--fault NAME`, harness expectations); internally the
//! server dispatches on [`FaultKind`], which is generated together with [`FAULTS`] so the two can
//! never drift apart.

use crate::Fault;

macro_rules! faults {
    ($( $variant:ident => $name:literal, [$($req:literal),+ $(,)?], $([$($col:literal),* $(,)?],)? $desc:literal; )*) => {
        /// Internal identifier of a fault; `FAULTS[kind as usize]` is its public description.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum FaultKind { $($variant),* }

        /// Every fault mode, in a stable order.
        pub const FAULTS: &[Fault] = &[
            $( Fault {
                name: $name,
                requirements: &[$($req),+],
                collateral: &[$($($col),*)?],
                description: $desc,
            } ),*
        ];

        impl FaultKind {
            /// All kinds, in the same order as [`FAULTS`].
            pub const ALL: &[FaultKind] = &[$(FaultKind::$variant),*];

            /// The public name of this fault.
            pub fn name(self) -> &'static str {
                match self { $(FaultKind::$variant => $name),* }
            }
        }
    };
}

faults! {
    MissingMetaAccepted => "missing-meta-accepted", ["STATELESS-02", "STATELESS-04"],
        "Serves requests that lack the required _meta fields instead of rejecting them with -32602/400.";
    MetaErrorHttp200 => "meta-error-http-200", ["STATELESS-02", "HTTP-23"],
        "Rejects requests with missing _meta using -32602 but HTTP status 200 instead of 400.";
    RequiresClientInfo => "requires-client-info", ["STATELESS-03"],
        "Rejects requests without _meta clientInfo with -32602/400 (clientInfo is optional).";
    StickyCapabilities => "sticky-capabilities", ["STATELESS-04", "STATELESS-16"], ["TASKS-02", "TASKS-03", "TASKS-04", "TASKS-15", "TASKS-16"],
        "Per connection: a request that declares no client capabilities reuses those declared by an earlier request on the same connection.";
    NoServerInfo => "no-server-info", ["STATELESS-07"],
        "Omits io.modelcontextprotocol/serverInfo from result _meta.";
    NoResultType => "no-result-type", ["STATELESS-09"],
        ["MRTR-02", "MRTR-06", "MRTR-07", "MRTR-09", "MRTR-10", "MRTR-11", "MRTR-12", "MRTR-16", "TASKS-02", "TASKS-04", "TASKS-05", "TASKS-06", "TASKS-08", "TASKS-11", "TASKS-13", "TASKS-18"],
        "Omits resultType on every result.";
    BogusResultType => "bogus-result-type", ["STATELESS-10"], ["TASKS-04", "TASKS-05", "TASKS-08", "TASKS-11", "TASKS-13"],
        "Sends resultType \"done\" instead of \"complete\".";
    NoDiscover => "no-discover", ["STATELESS-11"],
        ["STATELESS-01", "STATELESS-03", "STATELESS-07", "STATELESS-09", "STATELESS-10", "STATELESS-12", "STATELESS-15", "STATELESS-19", "CACHE-01"],
        "Answers server/discover with -32601 / HTTP 404.";
    DiscoverNoVersions => "discover-no-versions", ["STATELESS-12"], ["STATELESS-15"],
        "Omits supportedVersions from the server/discover result.";
    UndeclaredPrompts => "undeclared-prompts", ["STATELESS-13", "PROMPT-01"],
        "Serves prompts but omits capabilities.prompts from server/discover.";
    WrongVersionCode => "wrong-version-code", ["STATELESS-14", "HTTP-08"],
        "Rejects an unsupported protocol version with -32602 (keeping data {supported, requested}) instead of -32022.";
    VersionErrorNoData => "version-error-no-data", ["STATELESS-14", "ERR-06", "HTTP-08"],
        "Sends -32022 without the data {supported, requested} payload.";
    SupportedListMismatch => "supported-list-mismatch", ["STATELESS-15"],
        "-32022 data.supported also lists 2025-11-25, which discover does not list and which is still rejected.";
    CapabilitiesAsArray => "capabilities-as-array", ["STATELESS-16", "ERR-06"],
        "-32021 carries data.requiredCapabilities as an array of names instead of a ClientCapabilities object.";
    UnprefixedExtension => "unprefixed-extension", ["STATELESS-17", "STATELESS-18"],
        "server/discover lists an extension under the unprefixed key \"tasks\".";
    ReservedMetaKey => "reserved-meta-key", ["STATELESS-18"],
        "Result _meta contains the invented reserved key io.modelcontextprotocol/debug.";
    RejectsVendorMeta => "rejects-vendor-meta", ["STATELESS-19"],
        "Rejects requests whose _meta has a vendor-prefixed key (prefix other than io.modelcontextprotocol) with -32602/400.";
    IdTypeChanged => "id-type-changed", ["STATELESS-20"], ["SUB-04"],
        "Echoes integer request ids as strings.";
    AnswersNotifications => "answers-notifications", ["STATELESS-21", "HTTP-05"],
        "Answers a POSTed notification with 200 and a JSON body instead of 202 with an empty body.";
    PingAnswered => "ping-answered", ["STATELESS-23"],
        "Answers the removed method ping with an empty complete result.";
    InitializeSilent => "initialize-silent", ["STATELESS-24"],
        "Rejects a legacy initialize with an error that names no supported version.";
    ListSideEffect => "list-side-effect", ["STATELESS-26", "TOOLS-03"], ["CACHE-08"],
        "Per connection: after a tools/call, tools/list on that connection omits test_simple_text (other connections are unaffected).";
    SseServerRequest => "sse-server-request", ["STATELESS-22", "HTTP-03"],
        "The SSE streams of test_streaming_elicitation and test_tool_with_progress carry a JSON-RPC request (elicitation/create, id 99) before the final response.";
    WrongContentType => "wrong-content-type", ["HTTP-02"],
        "Sends JSON results with Content-Type text/plain.";
    NoAccelBuffering => "no-accel-buffering", ["HTTP-04"],
        "Omits X-Accel-Buffering: no on SSE responses.";
    EventAfterResponse => "event-after-response", ["HTTP-03"], ["PROG-03", "LOG-02"],
        "Sends a notification after the final response on SSE streams.";
    MissingVersionHeaderAccepted => "missing-version-header-accepted", ["HTTP-06"],
        "Accepts requests without an MCP-Protocol-Version header.";
    VersionMismatchAccepted => "version-mismatch-accepted", ["HTTP-07"],
        "Accepts an MCP-Protocol-Version header that differs from the body _meta protocolVersion.";
    UnknownMethodHttp200 => "unknown-method-http-200", ["HTTP-09", "STATELESS-23"], ["TASKS-20"],
        "Answers unknown methods with -32601 but HTTP status 200 instead of 404.";
    MethodHeaderUnchecked => "method-header-unchecked", ["HTTP-10"],
        "Does not check the Mcp-Method header at all (missing or mismatching is accepted).";
    MethodHeaderCaseInsensitive => "method-header-case-insensitive", ["HTTP-10"],
        "Compares Mcp-Method with the body method case-insensitively.";
    NameHeaderUnchecked => "name-header-unchecked", ["HTTP-11", "HTTP-13"],
        "Does not check the Mcp-Name header (missing or mismatching is accepted).";
    NoBase64Decoding => "no-base64-decoding", ["HTTP-13"],
        "Compares base64-sentinel header values literally instead of decoding them.";
    ParamHeaderUnchecked => "param-header-unchecked", ["HTTP-15", "HTTP-16"],
        "Does not check Mcp-Param-* headers for x-mcp-header annotated arguments.";
    ParamHeaderRequiredWhenNull => "param-header-required-when-null", ["HTTP-15"],
        "Demands Mcp-Param-Region even when the region argument is null or absent.";
    UnknownParamHeaderRejected => "unknown-param-header-rejected", ["HTTP-17"],
        "Rejects requests carrying an Mcp-Param-* header that matches no annotated argument.";
    OriginUnchecked => "origin-unchecked", ["HTTP-18"],
        "Does not validate the Origin header.";
    OriginWrongStatus => "origin-wrong-status", ["HTTP-18"],
        "Rejects a disallowed Origin with 400 instead of 403.";
    GetAllowed => "get-allowed", ["HTTP-20"],
        "Answers GET on the endpoint with 200 and an empty SSE stream instead of 405.";
    MintsSessionId => "mints-session-id", ["HTTP-21"],
        "Sets an Mcp-Session-Id response header.";
    RejectsLastEventId => "rejects-last-event-id", ["HTTP-22"],
        "Rejects requests carrying Last-Event-ID with 400 instead of ignoring the header.";
    PlainTextErrors => "plain-text-errors", ["HTTP-23"],
        ["ERR-01", "ERR-02", "ERR-04", "ERR-05", "ERR-06", "HTTP-06", "HTTP-07", "HTTP-08", "HTTP-09", "HTTP-10", "HTTP-11", "HTTP-13", "HTTP-15", "HTTP-16", "STATELESS-02", "STATELESS-04", "STATELESS-14", "STATELESS-15", "STATELESS-16", "STATELESS-20", "STATELESS-23", "LOG-04", "TASKS-03", "TASKS-15", "TASKS-16", "TASKS-17", "TASKS-20"],
        "Sends 400/404 errors as a text/plain body (\"bad request: \" and the error message) instead of a JSON-RPC error.";
    BatchCrash => "batch-crash", ["HTTP-24"],
        "Answers malformed bodies (batch array, non-JSON, JSON-RPC response object, empty) with HTTP 500.";
    NoCacheHints => "no-cache-hints", ["CACHE-01", "STATELESS-12"],
        "Omits ttlMs and cacheScope from the server/discover result.";
    FractionalTtl => "fractional-ttl", ["CACHE-02"],
        "Sends ttlMs 1500.5 on the six cacheable results (discover, the four lists, resources/read).";
    BadToolName => "bad-tool-name", ["TOOLS-04"],
        "Adds a tool named \"bad tool name!\".";
    InputSchemaNotObject => "input-schema-not-object", ["TOOLS-05"],
        "test_simple_text's inputSchema has root type \"string\".";
    XMcpHeaderOnNumber => "x-mcp-header-on-number", ["TOOLS-06"],
        "test_custom_header also annotates a number-typed property with x-mcp-header.";
    BadContentShape => "bad-content-shape", ["TOOLS-07"],
        "The results of test_simple_text and the content fixture tools have text blocks without text and other blocks with unknown types (picture, sound, embedded).";
    UnknownToolIsResult => "unknown-tool-is-result", ["TOOLS-08"],
        "An unknown tool yields an isError result instead of a -32602 JSON-RPC error.";
    ToolErrorAsProtocolError => "tool-error-as-protocol-error", ["TOOLS-09"], ["TOOLS-10"],
        "Tool execution errors (test_error_handling, invalid date in test_validate_input) become JSON-RPC -32603.";
    StructuredOutputMismatch => "structured-output-mismatch", ["TOOLS-11"],
        "test_structured_output's structuredContent violates its outputSchema.";
    BadBase64Image => "bad-base64-image", ["TOOLS-13", "PROMPT-05"],
        "Image and audio data in tool results and prompt messages is \"not base64!!\".";
    EmptyContentsForMissingResource => "empty-contents-for-missing-resource", ["RES-05"], ["RES-07"],
        "An unknown resource yields a complete result with contents: [].";
    ResourceNotFoundLegacyCode => "resource-not-found-legacy-code", ["RES-05", "ERR-03"],
        "An unknown resource yields the retired code -32002.";
    TemplateReadFails => "template-read-fails", ["RES-04"],
        "Reading a URI produced from the listed template fails with -32602.";
    PromptErrorsInternal => "prompt-errors-internal", ["PROMPT-04"],
        "Unknown prompts and missing prompt arguments yield -32603 instead of -32602.";
    PromptMissingArgsAccepted => "prompt-missing-args-accepted", ["PROMPT-04"],
        "prompts/get succeeds although required arguments are missing.";
    CompletionTooManyValues => "completion-too-many-values", ["COMPL-02"],
        "completion/complete returns 101 values.";
    CompletionUnknownRefAccepted => "completion-unknown-ref-accepted", ["COMPL-03"],
        "completion/complete for an unknown prompt ref returns an empty completion instead of -32602.";
    LegacyErrorRange => "legacy-error-range", ["ERR-02", "ERR-04", "HTTP-06", "HTTP-07", "HTTP-10", "HTTP-11", "HTTP-13", "HTTP-15", "HTTP-16"], ["TASKS-17"],
        "Header problems are answered with the pre-final code -32001 instead of -32020.";
    PromptImageBadMime => "prompt-image-bad-mime", ["PROMPT-05"],
        "test_prompt_with_image's image content lacks mimeType.";
    HandshakeRequired => "handshake-required", ["STATELESS-01"],
        ["STATELESS-03", "STATELESS-07", "STATELESS-09", "STATELESS-11", "STATELESS-12", "STATELESS-15", "STATELESS-19", "HTTP-18", "HTTP-21", "HTTP-22", "CACHE-01", "SUB-01", "SUB-02"],
        "Demands the legacy handshake: every valid request for a served method is rejected with -32600/400 \"initialize first\" (initialize itself is handled as usual).";
    CapabilityAlwaysMissing => "capability-always-missing", ["STATELESS-16", "STATELESS-04"],
        "test_missing_capability answers -32021 even when the request declares sampling.";
    StringIdAsNumber => "string-id-as-number", ["STATELESS-20"],
        "Echoes numeric-looking string ids (\"7\", and \"\" as 0) as JSON numbers and other string ids as null.";
    InitializeAccepted => "initialize-accepted", ["STATELESS-24"],
        "Answers a legacy initialize (no MCP headers) with HTTP 200 and an initialize result.";
    ErrorWithoutMessage => "error-without-message", ["ERR-01"], ["TASKS-24"],
        "Every JSON-RPC error object lacks message.";
    UnassignedMcpCode => "unassigned-mcp-code", ["ERR-02", "ERR-04", "HTTP-10"],
        "Mcp-Method mismatches are answered with the unassigned MCP code -32030 instead of -32020.";
    AppCodeInReservedRange => "app-code-in-reserved-range", ["ERR-05", "PROMPT-04"],
        "An unknown prompt yields the application code -32650, inside the reserved JSON-RPC range.";
    UndeclaredTools => "undeclared-tools", ["STATELESS-13", "TOOLS-01"],
        "Serves tools but omits capabilities.tools from server/discover.";
    UndeclaredResources => "undeclared-resources", ["STATELESS-13", "RES-01"],
        "Serves resources but omits capabilities.resources from server/discover.";
    UndeclaredCompletions => "undeclared-completions", ["STATELESS-13", "COMPL-01"],
        "Serves completion/complete but omits capabilities.completions from server/discover.";
    ToolsListFails => "tools-list-fails", ["STATELESS-13", "TOOLS-01"],
        ["STATELESS-01", "STATELESS-03", "HTTP-18", "HTTP-21", "HTTP-22", "TOOLS-02", "TOOLS-05", "TOOLS-06", "CACHE-01", "CACHE-02", "CACHE-03", "CACHE-08", "CACHE-09", "TASKS-05"],
        "Declares tools but answers tools/list with -32601 / HTTP 404.";
    ResourcesListFails => "resources-list-fails", ["STATELESS-13", "RES-01"],
        ["RES-02", "CACHE-01", "CACHE-02", "CACHE-03", "CACHE-08", "CACHE-09"],
        "Declares resources but answers resources/list with -32601 / HTTP 404.";
    PromptsListFails => "prompts-list-fails", ["STATELESS-13", "PROMPT-01"],
        ["PROMPT-02", "CACHE-01", "CACHE-02", "CACHE-03", "CACHE-08", "CACHE-09"],
        "Declares prompts but answers prompts/list with -32601 / HTTP 404.";
    CompletionNotFound => "completion-not-found", ["STATELESS-13", "COMPL-01"],
        ["COMPL-02", "COMPL-03", "STATELESS-07", "STATELESS-09"],
        "Declares completions but answers completion/complete with -32601 / HTTP 404.";
    EmptyToolContent => "empty-tool-content", ["TOOLS-07"], ["TOOLS-13"],
        "test_simple_text, test_image_content, test_audio_content, test_embedded_resource and test_multiple_content_types return content: [].";
    ToolCallInternalError => "tool-call-internal-error", ["TOOLS-07"], ["TOOLS-11", "TOOLS-12", "TOOLS-13"],
        "The content fixture tools (image, audio, embedded resource, mixed, structured output) fail with -32603.";
    MediaWithoutMime => "media-without-mime", ["TOOLS-13"],
        "Image and audio blocks in tool results lack mimeType.";
    EmbeddedResourceIncomplete => "embedded-resource-incomplete", ["TOOLS-13"],
        "Embedded resources in tool results lack uri and text.";
    ToolWithoutInputSchema => "tool-without-input-schema", ["TOOLS-02"], ["TOOLS-05"],
        "test_simple_text is listed without an inputSchema.";
    StructuredNotMirrored => "structured-not-mirrored", ["TOOLS-12"],
        "test_structured_output's text block does not carry the JSON of its structuredContent.";
    NoListCacheHints => "no-list-cache-hints", ["CACHE-01"],
        "Omits ttlMs and cacheScope from the four list results and resources/read.";
    BadCacheScope => "bad-cache-scope", ["CACHE-03"],
        "Sends cacheScope \"shared\" on the six cacheable results.";
    ResourceWithoutName => "resource-without-name", ["RES-02"],
        "resources/list entries lack name.";
    TemplateWithoutName => "template-without-name", ["RES-03"],
        "resources/templates/list entries lack name.";
    ReadBlobNotBase64 => "read-blob-not-base64", ["RES-04"],
        "resources/read of test://static-binary returns blob \"not base64!!\".";
    ReadContentWithoutUri => "read-content-without-uri", ["RES-04"],
        "resources/read contents lack uri.";
    PromptWithoutName => "prompt-without-name", ["PROMPT-02"], ["CACHE-08"],
        "prompts/list lists test_simple_prompt without a name.";
    PromptArgumentWithoutName => "prompt-argument-without-name", ["PROMPT-02"],
        "prompts/list argument entries lack name.";
    PromptBadRole => "prompt-bad-role", ["PROMPT-03"],
        "prompts/get messages have role \"system\".";
    UnknownPromptIsResult => "unknown-prompt-is-result", ["PROMPT-04"], ["ERR-01"],
        "An unknown prompt yields a result with no messages instead of -32602.";
    PromptResourceNoMime => "prompt-resource-no-mime", ["PROMPT-05"],
        "The embedded resource of test_prompt_with_embedded_resource lacks mimeType.";
    CompletionValuesNotStrings => "completion-values-not-strings", ["COMPL-02"],
        "completion/complete values are numbers (their index) instead of strings.";
    BadInputRequest => "bad-input-request", ["MRTR-03"],
        "The elicitation input request of test_streaming_elicitation lacks requestedSchema.";
    PostStatus201 => "post-status-201", ["HTTP-01"],
        "Sends successful results (JSON and SSE) with HTTP status 201 instead of 200.";
    SseWrongContentType => "sse-wrong-content-type", ["HTTP-02"],
        ["SUB-02", "SUB-03", "SUB-07", "PROG-02", "CANCEL-01", "MRTR-03", "TASKS-16"],
        "Labels SSE response bodies application/x-ndjson instead of text/event-stream.";
    SseLeftOpen => "sse-left-open", ["HTTP-03"], ["MRTR-13"],
        "Keeps SSE response streams open for 5 s after the final response.";
    VersionErrorHttp200 => "version-error-http-200", ["HTTP-08"],
        "Sends -32022 for an unsupported version with HTTP status 200 instead of 400.";
    UnknownMethodWrongCode => "unknown-method-wrong-code", ["HTTP-09"],
        "Answers unknown (never-defined) methods with -32600 and HTTP 404 instead of -32601.";
    Base64LenientDecoding => "base64-lenient-decoding", ["HTTP-13"],
        "Decodes base64-sentinel header values leniently (missing padding and stray characters accepted).";
    Base64MarkerCaseInsensitive => "base64-marker-case-insensitive", ["HTTP-13"],
        "Recognises the =?base64?...?= sentinel marker case-insensitively.";
    ParamHeaderWrongArgument => "param-header-wrong-argument", ["HTTP-15"], ["HTTP-17"],
        "Compares a plain (not base64-sentinel) Mcp-Param-Region with the query argument instead of region, so a correct header is rejected.";
    InvalidHeaderCharsAccepted => "invalid-header-chars-accepted", ["HTTP-16"],
        "Accepts header values with characters outside visible ASCII (read as Latin-1).";
    LoopbackOriginRejected => "loopback-origin-rejected", ["HTTP-18"],
        "Rejects every Origin, loopback ones included, with 403.";
    RemovedMethodWrongCode => "removed-method-wrong-code", ["STATELESS-23"], ["TASKS-20"],
        "Answers removed methods (initialize, logging/setLevel, resources/subscribe, ...) with -32600 and HTTP 404 instead of -32601.";
    DeleteAllowed => "delete-allowed", ["HTTP-20"],
        "Answers DELETE on the endpoint with 200 instead of 405.";
    RejectsSessionId => "rejects-session-id", ["HTTP-21"],
        "Rejects requests carrying an Mcp-Session-Id header with -32600/400.";
    PromptGetInternalError => "prompt-get-internal-error", ["PROMPT-03"],
        ["PROMPT-05", "STATELESS-07", "STATELESS-09", "TASKS-05"],
        "prompts/get of the fixture prompts fails with -32603 (unknown prompts and missing arguments still yield -32602).";
    PromptEmbeddedResourceIncomplete => "prompt-embedded-resource-incomplete", ["PROMPT-05"],
        "The embedded resource of test_prompt_with_embedded_resource lacks uri and text.";
    PromptImageWrongType => "prompt-image-wrong-type", ["PROMPT-05"],
        "test_prompt_with_image's image content block has type \"picture\".";
    PromptResourceWrongType => "prompt-resource-wrong-type", ["PROMPT-05"],
        "test_prompt_with_embedded_resource's embedded resource content block has type \"embedded\".";
    ReadInternalError => "read-internal-error", ["RES-04"],
        ["CACHE-01", "STATELESS-07", "STATELESS-09"],
        "resources/read of test://static-text and test://static-binary fails with -32603 (unknown URIs still yield -32602).";
    TemplatesListFails => "templates-list-fails", ["RES-03"],
        ["CACHE-01", "CACHE-08", "CACHE-09", "STATELESS-07", "STATELESS-09"],
        "Declares resources but answers resources/templates/list with -32603.";
    ConnectionScopedTool => "connection-scoped-tool", ["TOOLS-03"],
        "tools/list also lists a tool conn_<n>_helper, n being the connection number, so lists differ between connections.";
    RejectsTraceContext => "rejects-trace-context", ["STATELESS-19"],
        "Rejects requests whose _meta has traceparent, tracestate or baggage with -32602/400.";
    CapabilityErrorWrongCode => "capability-error-wrong-code", ["STATELESS-16"],
        "A missing required client capability is answered with -32602 (HTTP 400) instead of -32021.";
    CapabilityErrorHttp200 => "capability-error-http-200", ["STATELESS-16"],
        "A missing required client capability is answered with -32021 but HTTP status 200 instead of 400.";
    StdoutLogLine => "stdout-log-line", ["STDIO-01"],
        "stdio only: writes plain-text log lines to stdout (at startup and before each response) instead of stderr.";
    StdioNoExitOnEof => "stdio-no-exit-on-eof", ["STDIO-07"],
        "stdio only: keeps running after stdin is closed (until killed).";
    StdioIgnoresCancel => "stdio-ignores-cancel", ["STDIO-05"], ["STATELESS-20"],
        "stdio only: ignores notifications/cancelled for ordinary requests and still answers the cancelled request.";
    StdioServerRequest => "stdio-server-request", ["STDIO-02", "STATELESS-22"],
        "stdio only: writes a JSON-RPC request (elicitation/create, id \"srv-1\") to stdout before every answer, and on every subscription (tagged with its subscriptionId) after the acknowledgement.";
    StdioMetaUnchecked => "stdio-meta-unchecked", ["STDIO-03"],
        ["STATELESS-02", "STATELESS-04", "STATELESS-23", "HTTP-09", "ERR-01", "TASKS-20"],
        "stdio only: skips the per-request checks: requests without _meta, protocolVersion or clientCapabilities, or naming another protocol version, are served as 2026-07-28 requests, and unknown methods get an empty complete result instead of -32601.";
    StdioNoDiscover => "stdio-no-discover", ["STDIO-04", "STATELESS-11"],
        ["STATELESS-01", "STATELESS-02", "STATELESS-03", "STATELESS-07", "STATELESS-09", "STATELESS-10", "STATELESS-12", "STATELESS-15", "STATELESS-19", "CACHE-01"],
        "stdio only: answers server/discover with -32601.";
    StdioUntaggedSubscription => "stdio-untagged-subscription", ["STDIO-06"], ["SUB-03", "SUB-07", "TASKS-16"],
        "stdio only: subscription messages (acknowledgement and notifications) lack _meta io.modelcontextprotocol/subscriptionId, so they cannot be told apart from request-related messages.";
    LaterPagesNoCacheHints => "later-pages-no-cache-hints", ["CACHE-01"], ["CACHE-04"],
        "Pages after the first of the four lists lack ttlMs and cacheScope.";
    CacheScopeDiffersOnPages => "cache-scope-differs-on-pages", ["CACHE-04"],
        "Pages after the first of the four lists carry cacheScope \"private\" while the first page says \"public\".";
    HintsOnInputRequired => "hints-on-input-required", ["CACHE-05"],
        "input_required results (test_missing_capability, test_streaming_elicitation and the MRTR fixtures) carry ttlMs and cacheScope.";
    UnstableToolOrder => "unstable-tool-order", ["CACHE-07"],
        "tools/list reverses the tools of the page when the JSON-RPC id is an integer congruent to 2 mod 4 (of ids 1, 2, 3: id 2).";
    InvalidCursorAccepted => "invalid-cursor-accepted", ["CACHE-08"],
        "An invalid (garbage) string cursor on the four lists returns the first page instead of -32602.";
    DuplicateItemsAcrossPages => "duplicate-items-across-pages", ["CACHE-08"],
        "Every page after the first of the four lists starts with the last item of the previous page.";
    CursorLoop => "cursor-loop", ["CACHE-09"], ["CACHE-08"],
        "The last page of each of the four lists has a nextCursor that leads back to the first page.";
    ProgressWithoutToken => "progress-without-token", ["PROG-01"],
        "test_tool_with_progress sends progress notifications (token \"unrequested\") even when the request has no progressToken.";
    ProgressWrongToken => "progress-wrong-token", ["PROG-01"],
        "test_tool_with_progress's progress notifications carry another token of the same type (a string gets \"-other\" appended, an integer + 1).";
    ProgressNotIncreasing => "progress-not-increasing", ["PROG-02"],
        "test_tool_with_progress sends progress 1, 2, 2 (the last value repeated).";
    ProgressAfterResponse => "progress-after-response", ["PROG-03"], ["HTTP-03"],
        "test_tool_with_progress sends its third progress notification after the final response.";
    LogWithoutLevel => "log-without-level", ["LOG-01"],
        "test_logging_tool sends log messages (debug, info, warning, error) although the request has no logLevel.";
    LogBelowLevel => "log-below-level", ["LOG-02"],
        "test_logging_tool sends all four levels (debug, info, warning, error) whatever logLevel was requested.";
    LogOnListenStream => "log-on-listen-stream", ["LOG-03", "SUB-06"], ["TASKS-16"],
        "test_logging_tool's log messages also go to every open listen stream (tagged with its subscriptionId).";
    InvalidLogLevelAccepted => "invalid-log-level-accepted", ["LOG-04"],
        "An invalid _meta logLevel is ignored instead of rejected with -32602.";
    LoggingUndeclared => "logging-undeclared", ["LOG-05"],
        "Emits log messages but omits capabilities.logging from server/discover.";
    ListenNoAck => "listen-no-ack", ["SUB-03"], ["SUB-07"],
        "Listen streams carry no acknowledgement; the first event is the first notification.";
    ListenAckSuperset => "listen-ack-superset", ["SUB-03"],
        "The listen acknowledgement agrees to all three list-change types and to test://static-text and test://static-binary, requested or not (the stream still delivers only what was requested).";
    ListenWrongSubscriptionId => "listen-wrong-subscription-id", ["SUB-04"],
        "Listen-stream messages carry the subscriptionId as a string when the listen request id is an integer.";
    ListenUnrequestedNotifications => "listen-unrequested-notifications", ["SUB-05"], ["TASKS-16"],
        "notifications/tools/list_changed goes to every listen stream, including those that did not ask for it.";
    ListenNotSupported => "listen-not-supported", ["SUB-01"], ["SUB-02", "SUB-03", "SUB-07", "TASKS-16"],
        "Answers subscriptions/listen with -32601 / HTTP 404.";
    ListenClosesImmediately => "listen-closes-immediately", ["SUB-02"], ["SUB-07"],
        "Listen streams end right after the acknowledgement.";
    NoChangeNotifications => "no-change-notifications", ["SUB-07"],
        "The trigger tools (tool, prompt and resource list changes, resource updates) send no notifications.";
    ProgressOnListenStream => "progress-on-listen-stream", ["SUB-06"], ["TASKS-16"],
        "test_tool_with_progress's progress notifications also go to every open listen stream (tagged with its subscriptionId).";
    CancelledOnRequestStream => "cancelled-on-request-stream", ["CANCEL-02"], ["LOG-02"],
        "tools/call SSE streams carry a notifications/cancelled for the request before the final response.";
    IgnoresDisconnect => "ignores-disconnect", ["CANCEL-01"],
        "test_slow_cancellable keeps running after the client disconnected and records the run as completed, not cancelled.";
    TamperedStateAccepted => "tampered-state-accepted", ["MRTR-07"], ["MRTR-08"],
        "requestState is not verified at all (HMAC tag, binding and expiry unchecked): an edited, truncated or extended state is accepted and the retry completes.";
    StateReplayAccepted => "state-replay-accepted", ["MRTR-08"],
        "requestState's binding to method, name/uri and arguments is not checked (the HMAC tag and expiry still are): a state issued for another tool, prompt or arguments is accepted.";
    InputRequiredNoResultType => "input-required-no-result-type", ["MRTR-02"],
        ["STATELESS-09", "MRTR-06", "MRTR-07", "MRTR-09", "MRTR-10", "MRTR-11", "MRTR-12", "TASKS-06", "TASKS-18"],
        "input_required results lack resultType (complete results keep it); a client cannot tell them apart, so round trips stop after the first round.";
    InputRequiredFromList => "input-required-from-list", ["MRTR-01"],
        "tools/list answers input_required (tool_filter) when the request declares elicitation, sampling or roots and carries no requestState.";
    UndeclaredElicitationRequested => "undeclared-elicitation-requested", ["MRTR-05"],
        "input_required results of the MRTR fixtures also ask an elicitation/create (user_name) when the request did not declare elicitation.";
    StateInMemory => "state-in-memory", ["MRTR-06"],
        "requestState is an id into a per-connection server-side map: a retry on another connection (or another instance) is rejected with -32602.";
    DuplicateInputKeys => "duplicate-input-keys", ["MRTR-04"],
        "The raw JSON text of inputRequests repeats its first key (same value twice).";
    InputResponsesIgnored => "input-responses-ignored", ["MRTR-09"],
        "A retry (a request with inputResponses or requestState) whose inputResponses lack a needed key completes anyway, with a default in place of the missing answer, instead of asking again.";
    InputRequiredStreamLeftOpen => "input-required-stream-left-open", ["MRTR-13"],
        "When an MRTR fixture tool answers input_required on SSE (a progressToken was given), the stream stays open 5 s after it.";
    MissingResponseError => "missing-response-error", ["MRTR-09"],
        "A retry whose inputResponses lack a needed key gets -32602 instead of a new input_required.";
    ExtraKeysRejected => "extra-keys-rejected", ["MRTR-10"],
        "inputResponses with the needed keys plus unknown ones are rejected with -32602.";
    MalformedResponsesAccepted => "malformed-responses-accepted", ["MRTR-11"],
        "Malformed inputResponses (not an object, or values of the wrong shape) are accepted and the request completes.";
    InputRequiredNoContent => "input-required-no-content", ["MRTR-02"], ["MRTR-03"],
        "test_input_required_result_request_state answers a first call (no inputResponses, no requestState) with input_required carrying neither inputRequests nor requestState.";
    DeclineCrashes => "decline-crashes", ["MRTR-14"],
        "A declined elicitation answer makes the MRTR fixtures fail with HTTP 500 (-32603).";
    MultiRoundStopsEarly => "multi-round-stops-early", ["MRTR-12"],
        "test_input_required_result_multi_round completes after the first answered round (step1) instead of asking step2 in a second round.";
    PromptInputRequiredBroken => "prompt-input-required-broken", ["MRTR-16"],
        "prompts/get of test_input_required_result_prompt asks user_context, but the retry with the answer gets -32602 instead of completing.";
    ResourceInputRequiredBroken => "resource-input-required-broken", ["MRTR-16"],
        "resources/read of test://input-required asks greeting, but the retry with the answer gets -32602 instead of completing.";
    PathTraversalServed => "path-traversal-served", ["RES-07"],
        "resources/read of a URI containing .. or %2e%2e returns a complete result with fake /etc/passwd contents instead of an error.";
    PathTraversalCrash => "path-traversal-crash", ["RES-07"],
        "resources/read of a URI containing .. or %2e%2e fails with HTTP 500 (-32603).";
    Robustness500 => "robustness-500", ["TOOLS-10"],
        "test_validate_input with arguments violating its inputSchema (arguments not an object, date missing, not a string or longer than 1 KiB) answers HTTP 500 (-32603).";
    InvalidInputAccepted => "invalid-input-accepted", ["TOOLS-10"],
        "test_validate_input with arguments violating its inputSchema (arguments not an object, date missing, not a string or longer than 1 KiB) completes successfully (isError false).";
    LegacyTasksCapability => "legacy-tasks-capability", ["TASKS-01"],
        "server/discover also declares the 2025-11-25 capabilities.tasks shape (list, cancel, requests.tools.call) next to the extension, and the extension's value is {\"list\": true} instead of {}.";
    TaskWithoutExtension => "task-without-extension", ["TASKS-02"], ["TASKS-04"],
        "slow_compute returns a CreateTaskResult even when the request did not declare the tasks extension.";
    RequiredTaskLegacyCode => "required-task-legacy-code", ["TASKS-03"], ["ERR-02"],
        "failing_job, protocol_error_job and test_tool_with_task without the tasks extension are answered with the retired code -32003, HTTP 200 and data.requiredCapabilities {\"tasks\": {}} (the legacy capability) instead of -32021/400 naming the extension.";
    LegacyTaskParamRejected => "legacy-task-param-rejected", ["TASKS-04"],
        "tools/call with a legacy task member in params is rejected with -32602 instead of ignoring it.";
    TaskOnOtherMethod => "task-on-other-method", ["TASKS-05"],
        "With the tasks extension declared, prompts/get, tools/list and server/discover answer a CreateTaskResult-shaped result (resultType task, taskId, status working, timestamps, ttlMs) instead of their result.";
    CreateResultExtraFields => "create-result-extra-fields", ["TASKS-06"], ["TASKS-18"],
        "Every CreateTaskResult also carries requestState \"x\", result {}, error, inputRequests {}, a nested task object and the legacy ttl and pollInterval keys.";
    CreateResultBadFields => "create-result-bad-fields", ["TASKS-06", "TASKS-23"],
        "Every CreateTaskResult has createdAt \"21/11/2026 10:00\" and lastUpdatedAt \"now\" (not ISO 8601) and pollIntervalMs \"100\" (a string).";
    TaskNotDurable => "task-not-durable", ["TASKS-07"], ["TASKS-08", "TASKS-09", "TASKS-11", "TASKS-13", "TASKS-14", "TASKS-17", "TASKS-18", "TASKS-19", "TASKS-23"],
        "The first tasks/get, tasks/update or tasks/cancel of each task answers -32602 Task not found (later ones find it), however late it comes.";
    TaskGetMissingPayload => "task-get-missing-payload", ["TASKS-08", "TASKS-23"], ["TASKS-09", "TASKS-18", "TASKS-14"],
        "tasks/get of a completed task has no result, and of a failed task neither error nor statusMessage.";
    ToolErrorAsFailed => "tool-error-as-failed", ["TASKS-09"], ["TASKS-08"],
        "failing_job's task ends failed with error -32603 instead of completed with an isError result, and protocol_error_job's task ends completed with an isError result instead of failed.";
    UnknownTaskWrongCode => "unknown-task-wrong-code", ["TASKS-10", "TASKS-24"],
        "An unknown taskId is answered with -32050 (an undefined code in the reserved range) instead of -32602 on tasks/get, tasks/update and tasks/cancel.";
    UpdateAckWithTask => "update-ack-with-task", ["TASKS-11", "TASKS-13"], ["TASKS-05"],
        "The tasks/update and tasks/cancel acknowledgements are the task (resultType task, taskId, status, createdAt, lastUpdatedAt, ttlMs, pollIntervalMs) instead of {resultType: complete}.";
    TaskReusedInputKey => "task-reused-input-key", ["TASKS-12"], ["TASKS-08", "TASKS-11"],
        "multi_input: once a key is answered, tasks/get asks it again (same key, message with \" (asked again)\" appended) next to the unanswered one; confirm_delete asks confirm again after the first answer and completes after the second.";
    CancelTerminalError => "cancel-terminal-error", ["TASKS-13"],
        "tasks/cancel of a terminal task is answered with -32602 instead of the acknowledgement.";
    TaskIgnoresCancel => "task-ignores-cancel", ["TASKS-13"],
        "tasks/cancel is acknowledged but ignored: a running task (slow_compute) stays working until its time is up and then completes.";
    MutableTerminalState => "mutable-terminal-state", ["TASKS-14"],
        "tasks/cancel of a terminal task is acknowledged and changes it: completed or failed becomes cancelled, cancelled becomes failed (error -32603 \"cancelled twice\").";
    TaskIllegalTransition => "task-illegal-transition", ["TASKS-14"],
        "Every CreateTaskResult reports status completed although the first observation of the task then says working; once a slow_compute task's time is up, tasks/get says completed and working on alternate calls.";
    TaskMethodsWithoutExtension => "task-methods-without-extension", ["TASKS-15"],
        "tasks/get, tasks/update and tasks/cancel are served when the request does not declare the tasks extension instead of -32021.";
    TaskListenWithoutExtension => "task-listen-without-extension", ["TASKS-16"],
        "subscriptions/listen with taskIds is acknowledged (taskIds agreed) when the request does not declare the tasks extension instead of -32021.";
    TaskNotificationNoSubscriptionId => "task-notification-no-subscription-id", ["TASKS-16"],
        "notifications/tasks on listen streams lack _meta io.modelcontextprotocol/subscriptionId.";
    TaskNameHeaderIgnored => "task-name-header-ignored", ["TASKS-17"],
        "Mcp-Name is not checked on tasks/get, tasks/update and tasks/cancel (missing or different from params.taskId is accepted).";
    TaskBeforeMrtr => "task-before-mrtr", ["TASKS-18"],
        "test_tool_with_task returns the CreateTaskResult on the first call (no multi round-trip) and asks user_name inside the task (input_required via tasks/get).";
    TaskPurgedEarly => "task-purged-early", ["TASKS-19"], ["TASKS-08", "TASKS-11", "TASKS-13", "TASKS-14", "TASKS-17", "TASKS-18", "TASKS-23"],
        "A task is purged 300 ms after its terminal state was first reported (tasks/get answers -32602) although its ttlMs is 60000.";
    TasksResultMethod => "tasks-result-method", ["TASKS-20"],
        "The removed method tasks/result answers the task's result (-32602 while it has none) and tasks/list answers {resultType: complete, tasks: []} instead of -32601.";
    ReservedTaskNotification => "reserved-task-notification", ["TASKS-22"], ["TASKS-16"],
        "When slow_compute creates a task, the answer is SSE: a notifications/tasks/created notification (a name the extension does not define, in its reserved prefix) precedes the CreateTaskResult; listen streams with taskIds send one per agreed task right after the acknowledgement.";
    CancelRunningError => "cancel-running-error", ["TASKS-13"],
        "tasks/cancel of a working or input_required task is answered with -32603 \"cancellation is not supported\" and the task keeps running (terminal tasks are acknowledged as usual).";
    TaskGetExtraPayload => "task-get-extra-payload", ["TASKS-08"], ["TASKS-09"],
        "tasks/get of a working or input_required task also carries result {content: []}, of a completed task also error {-32603, \"stale\"} and inputRequests {}, of a failed task also result {content: []}.";
    TaskInputRequestsEmpty => "task-input-requests-empty", ["TASKS-08"], ["TASKS-11", "TASKS-12", "TASKS-14"],
        "An input_required task (confirm_delete, multi_input) reports inputRequests {} while it waits (tasks/update still accepts answers for the hidden requests).";
    TaskIgnoresUpdate => "task-ignores-update", ["TASKS-11"], ["TASKS-08", "TASKS-12", "TASKS-14"],
        "tasks/update is acknowledged but its answers are dropped (the task stays input_required), and an update none of whose keys is outstanding gets -32602 \"unknown input key\".";
    TaskStuckWorking => "task-stuck-working", ["TASKS-08"], ["TASKS-09", "TASKS-11", "TASKS-12", "TASKS-14", "TASKS-18", "TASKS-19"],
        "A task that would become completed or failed reports working forever instead (a cancelled task still reports cancelled).";
    TaskForgetsMrtrAnswer => "task-forgets-mrtr-answer", ["TASKS-18"],
        "test_tool_with_task's task result ignores the name gathered in the multi round-trip: Hello, stranger!";
    TaskListenExtra => "task-listen-extra", ["TASKS-16"],
        "A listen stream with taskIds acknowledges an extra taskId nobody asked for, then sends a notifications/message and a notifications/tasks (working) for that extra task.";
    TaskTtlNotInteger => "task-ttl-not-integer", ["TASKS-23"], ["TASKS-06", "TASKS-08"],
        "ttlMs is 60000.5 on CreateTaskResult and tasks/get results.";
    TaskErrorEmptyMessage => "task-error-empty-message", ["TASKS-24"], [],
        "Every JSON-RPC error from tasks/get, tasks/update and tasks/cancel has an empty message.";
    AuthNoAudienceCheck => "auth-no-audience-check", ["AUTH-06"],
        "Accepts access tokens whose aud names another resource.";
    AuthAcceptsExpired => "auth-accepts-expired", ["AUTH-05"],
        "Does not check exp and nbf, so expired access tokens are accepted.";
    AuthUnverifiedSignature => "auth-unverified-signature", ["AUTH-05"],
        "Does not verify access token signatures (the claims are still checked), so a token with a tampered signature is accepted.";
    AuthTrustsEmbeddedJwk => "auth-trusts-embedded-jwk", ["AUTH-05"],
        "Verifies an access token with the jwk in its own header when there is one and then skips the issuer check, so a token from any issuer is accepted.";
    AuthQueryToken => "auth-query-token", ["AUTH-07"],
        "Honours an access_token query parameter on requests without an Authorization header.";
    AuthPrmResourceMismatch => "auth-prm-resource-mismatch", ["AUTH-02"],
        "Both protected resource metadata documents give resource http://ADDR/other-server instead of the server's URI.";
    AuthOfflineAccess => "auth-offline-access", ["AUTH-02", "AUTH-08"],
        "The protected resource metadata scopes_supported and the scope of 401 challenges include offline_access.";
    AuthNoPrm => "auth-no-prm", ["AUTH-01", "AUTH-03", "AUTH-09"],
        "Serves no protected resource metadata (404 at both well-known locations) and no challenge names resource_metadata.";
    AuthNoAsMetadata => "auth-no-as-metadata", ["AUTH-02"],
        "The built-in authorization server serves no RFC 8414 metadata (404; its token endpoint still works).";
    AuthNoChallenge => "auth-no-challenge", ["AUTH-04"], ["AUTH-05", "AUTH-06", "AUTH-08"],
        "401 responses carry no WWW-Authenticate header.";
    AuthNoScopeInChallenge => "auth-no-scope-in-challenge", ["AUTH-08", "AUTH-09"],
        "WWW-Authenticate challenges (401 and 403) carry no scope parameter.";
    AuthInsufficientScope401 => "auth-insufficient-scope-401", ["AUTH-09"],
        "A token lacking a needed scope is answered 401 error=\"invalid_token\" instead of 403 error=\"insufficient_scope\".";
    AuthMalformedAs401 => "auth-malformed-as-401", ["AUTH-12"],
        "A malformed Authorization (empty Bearer credentials, two headers, characters outside b64token) is answered 401 instead of 400.";
    AuthStickyConnection => "auth-sticky-connection", ["AUTH-10"], ["AUTH-04", "AUTH-07", "AUTH-08"],
        "Per connection: once a connection presented a valid token, later requests on it without an Authorization header are accepted.";
    AuthPublicCacheScope => "auth-public-cache-scope", ["AUTH-13", "CACHE-06"],
        "tools/list results say cacheScope \"public\" although the listed tools depend on the access token.";
    AuthAnonymousAllowed => "auth-anonymous-allowed", ["AUTH-04"], ["AUTH-07", "AUTH-08", "AUTH-10"],
        "Requests without a Bearer token (no Authorization header, or another scheme) are served as if they had a full token.";
    AuthPresenceOnly => "auth-presence-only", ["AUTH-05", "AUTH-06"], ["AUTH-09", "AUTH-13"],
        "Any non-empty Bearer credential is accepted with full scope, without reading the token.";
    AuthPrmNoAuthorizationServers => "auth-prm-no-authorization-servers", ["AUTH-02"], ["AUTH-01"],
        "The protected resource metadata documents omit authorization_servers.";
    FuzzDeepNestingPanic => "fuzz-deep-nesting-panic", ["TOOLS-10", "HTTP-24"],
        "Panics (the connection drops without an answer) on a request whose params nest more than 32 levels deep.";
    FuzzHugeString500 => "fuzz-huge-string-500", ["TOOLS-10", "HTTP-24"],
        "Answers HTTP 500 to a request with a string of more than 64 KiB in its params.";
    FuzzUnicodeHang => "fuzz-unicode-hang", ["TOOLS-10", "HTTP-24"],
        "Never answers a request with U+202E (right-to-left override) in a string of its params.";
    FuzzLargeIdFloat => "fuzz-large-id-float", ["STATELESS-20"],
        "Echoes integer request ids beyond 2^53 as the nearest double, e.g. 9007199254740993 as 9007199254740992.0.";
    FuzzCursorResultInvalid => "fuzz-cursor-result-invalid", ["TOOLS-02", "PROMPT-02", "RES-02", "RES-03"],
        "Answers a list request whose cursor holds a non-ASCII character with an empty result that lacks resultType.";
}

impl FaultKind {
    /// The kind for a public fault description (by name).
    pub fn of(fault: &Fault) -> Option<FaultKind> {
        FaultKind::ALL
            .iter()
            .copied()
            .find(|k| k.name() == fault.name)
    }

    /// The public description of this kind.
    pub fn fault(self) -> &'static Fault {
        &FAULTS[self as usize]
    }
}
