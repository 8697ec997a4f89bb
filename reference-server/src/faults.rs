//! The fault table: every fault mode breaks exactly one rule of the revision.
//!
//! The names are the public contract (CLI `--fault NAME`, harness expectations); internally the
//! server dispatches on [`FaultKind`], which is generated together with [`FAULTS`] so the two can
//! never drift apart.

use crate::Fault;

macro_rules! faults {
    ($( $variant:ident => $name:literal, [$($req:literal),+ $(,)?], $desc:literal; )*) => {
        /// Internal identifier of a fault; `FAULTS[kind as usize]` is its public description.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum FaultKind { $($variant),* }

        /// Every fault mode, in a stable order.
        pub const FAULTS: &[Fault] = &[
            $( Fault { name: $name, requirements: &[$($req),+], description: $desc } ),*
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
    MissingMetaAccepted => "missing-meta-accepted", ["STATELESS-02"],
        "Serves requests that lack the required _meta fields instead of rejecting them with -32602/400.";
    MetaErrorHttp200 => "meta-error-http-200", ["STATELESS-02", "HTTP-23"],
        "Rejects requests with missing _meta using -32602 but HTTP status 200 instead of 400.";
    RequiresClientInfo => "requires-client-info", ["STATELESS-03"],
        "Rejects requests without _meta clientInfo with -32602/400 (clientInfo is optional).";
    StickyCapabilities => "sticky-capabilities", ["STATELESS-04", "STATELESS-16"],
        "Remembers the client capabilities of the last request that declared any (process-wide) and uses them when a request declares none.";
    NoServerInfo => "no-server-info", ["STATELESS-07"],
        "Omits io.modelcontextprotocol/serverInfo from result _meta.";
    NoResultType => "no-result-type", ["STATELESS-09"],
        "Omits resultType on every result.";
    BogusResultType => "bogus-result-type", ["STATELESS-10"],
        "Sends resultType \"done\" instead of \"complete\".";
    NoDiscover => "no-discover", ["STATELESS-11"],
        "Answers server/discover with -32601 / HTTP 404.";
    DiscoverNoVersions => "discover-no-versions", ["STATELESS-12"],
        "Omits supportedVersions from the server/discover result.";
    UndeclaredPrompts => "undeclared-prompts", ["STATELESS-13", "PROMPT-01"],
        "Serves prompts but omits capabilities.prompts from server/discover.";
    WrongVersionCode => "wrong-version-code", ["STATELESS-14", "HTTP-08"],
        "Rejects an unsupported protocol version with -32602 instead of -32022.";
    VersionErrorNoData => "version-error-no-data", ["STATELESS-14", "ERR-06"],
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
        "Rejects requests whose _meta has keys other than io.modelcontextprotocol/* with -32602/400.";
    IdTypeChanged => "id-type-changed", ["STATELESS-20"],
        "Echoes integer request ids as strings.";
    AnswersNotifications => "answers-notifications", ["STATELESS-21", "HTTP-05"],
        "Answers a POSTed notification with 200 and a JSON body instead of 202 with an empty body.";
    PingAnswered => "ping-answered", ["STATELESS-23"],
        "Answers the removed method ping with an empty complete result.";
    InitializeSilent => "initialize-silent", ["STATELESS-24"],
        "Rejects a legacy initialize with an error that names no supported version.";
    ListSideEffect => "list-side-effect", ["STATELESS-26", "TOOLS-03"],
        "After any tools/call, tools/list omits test_simple_text for the rest of the process.";
    SseServerRequest => "sse-server-request", ["STATELESS-22", "HTTP-03"],
        "test_streaming_elicitation's SSE stream carries a JSON-RPC request (elicitation/create, id 99) before the final response.";
    WrongContentType => "wrong-content-type", ["HTTP-02"],
        "Sends JSON results with Content-Type text/plain.";
    NoAccelBuffering => "no-accel-buffering", ["HTTP-04"],
        "Omits X-Accel-Buffering: no on SSE responses.";
    EventAfterResponse => "event-after-response", ["HTTP-03"],
        "Sends a notification after the final response on SSE streams.";
    MissingVersionHeaderAccepted => "missing-version-header-accepted", ["HTTP-06"],
        "Accepts requests without an MCP-Protocol-Version header.";
    VersionMismatchAccepted => "version-mismatch-accepted", ["HTTP-07"],
        "Accepts an MCP-Protocol-Version header that differs from the body _meta protocolVersion.";
    UnknownMethodHttp200 => "unknown-method-http-200", ["HTTP-09"],
        "Answers unknown methods with -32601 but HTTP status 200 instead of 404.";
    MethodHeaderUnchecked => "method-header-unchecked", ["HTTP-10"],
        "Does not check the Mcp-Method header at all (missing or mismatching is accepted).";
    MethodHeaderCaseInsensitive => "method-header-case-insensitive", ["HTTP-10"],
        "Compares Mcp-Method with the body method case-insensitively.";
    NameHeaderUnchecked => "name-header-unchecked", ["HTTP-11"],
        "Does not check the Mcp-Name header (missing or mismatching is accepted).";
    NoBase64Decoding => "no-base64-decoding", ["HTTP-13"],
        "Compares base64-sentinel header values literally instead of decoding them.";
    ParamHeaderUnchecked => "param-header-unchecked", ["HTTP-15"],
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
        "Sends 400/404 errors as a text/plain body \"bad request\" instead of a JSON-RPC error.";
    BatchCrash => "batch-crash", ["HTTP-24"],
        "Answers a JSON array (batch) body with HTTP 500.";
    NoCacheHints => "no-cache-hints", ["CACHE-01"],
        "Omits ttlMs and cacheScope from the server/discover result.";
    FractionalTtl => "fractional-ttl", ["CACHE-02"],
        "Sends ttlMs 1500.5 on tools/list.";
    BadToolName => "bad-tool-name", ["TOOLS-04"],
        "Adds a tool named \"bad tool name!\".";
    InputSchemaNotObject => "input-schema-not-object", ["TOOLS-05"],
        "test_simple_text's inputSchema has root type \"string\".";
    XMcpHeaderOnNumber => "x-mcp-header-on-number", ["TOOLS-06"],
        "test_custom_header also annotates a number-typed property with x-mcp-header.";
    BadContentShape => "bad-content-shape", ["TOOLS-07"],
        "test_simple_text returns a text content item without text.";
    UnknownToolIsResult => "unknown-tool-is-result", ["TOOLS-08"],
        "An unknown tool yields an isError result instead of a -32602 JSON-RPC error.";
    ToolErrorAsProtocolError => "tool-error-as-protocol-error", ["TOOLS-09"],
        "Tool execution errors (test_error_handling, invalid date in test_validate_input) become JSON-RPC -32603.";
    StructuredOutputMismatch => "structured-output-mismatch", ["TOOLS-11"],
        "test_structured_output's structuredContent violates its outputSchema.";
    BadBase64Image => "bad-base64-image", ["TOOLS-13"],
        "Image content data is \"not base64!!\".";
    EmptyContentsForMissingResource => "empty-contents-for-missing-resource", ["RES-05"],
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
    LegacyErrorRange => "legacy-error-range", ["ERR-02", "HTTP-10"],
        "Header problems are answered with the pre-final code -32001 instead of -32020.";
    PromptImageBadMime => "prompt-image-bad-mime", ["PROMPT-05"],
        "test_prompt_with_image's image content lacks mimeType.";
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
