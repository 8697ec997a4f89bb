//! proptest strategies for every public wire type, and for the messages of the revision that have
//! no wire type (notification params, input requests and responses, ...).
//!
//! Every strategy takes a [`Mode`]: `Wild` values only have to be representable by the wire
//! type (any string where the schema wants an enum, out-of-range numbers, null in free-form
//! members, ...) and are used for the round-trip properties; `Valid` values satisfy mcpcheck's
//! schemas and are used to build messages that must pass the validators.
//!
//! Strings are awkward on purpose (NUL and other controls, quotes and backslashes, RTL marks,
//! combining marks, astral-plane characters, noncharacters, empty strings). Floats are dyadic
//! fractions with small numerators (`m / 2^e`, `|m| < 2^31`, `e <= 8`): their shortest decimal
//! form has at most 15 significant digits, which serde_json parses back exactly without its
//! `float_roundtrip` feature.

use mcpcheck_schemas::wire::{
    Annotations, CacheScope, CallToolRequestParams, CallToolResult, ClientCapabilities,
    CompleteRequestParams, CompleteResult, Completion, CompletionArgument, CompletionContext,
    CompletionReference, ContentBlock, CreateTaskResult, DetailedTask, DiscoverResult,
    ElicitationCapability, ErrorObject, GetPromptRequestParams, GetPromptResult, GetTaskParams,
    GetTaskResult, Icon, Implementation, InputRequest, InputRequests, InputRequiredResult,
    InputResponses, JsonObject, JsonRpcErrorResponse, JsonRpcMessage, JsonRpcNotification,
    JsonRpcRequest, JsonRpcResultResponse, ListChangedCapability, ListPromptsResult,
    ListResourceTemplatesResult, ListResourcesResult, ListToolsResult, LoggingLevel,
    NotificationMeta, PaginatedRequestParams, Prompt, PromptArgument, PromptMessage,
    ReadResourceRequestParams, ReadResourceResult, RequestId, RequestMeta, RequestParams, Resource,
    ResourceContents, ResourceTemplate, ResourcesCapability, ResultMeta, Role, SamplingCapability,
    ServerCapabilities, SubscriptionFilter, SubscriptionsListenRequestParams, TASKS_EXTENSION,
    Task, TaskAckResult, TaskInfo, TaskStatus, TaskStatusNotificationParams, Tool, ToolAnnotations,
    UpdateTaskParams,
};
use proptest::collection::{btree_map, vec};
use proptest::option;
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{Map, Value, json};

/// The JSON-safe integer range the tasks extension allows for `ttlMs` and `pollIntervalMs`.
pub const SAFE: i64 = 9_007_199_254_740_991;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Anything the wire type can represent.
    Wild,
    /// Valid by mcpcheck's schemas.
    Valid,
}
use Mode::{Valid, Wild};

// ---------------------------------------------------------------------------------------------
// Scalars and free-form JSON

const AWKWARD: &[char] = &[
    '\0',
    '\u{1}',
    '\u{1f}',
    '\n',
    '\r',
    '\t',
    '"',
    '\\',
    '/',
    '~',
    '\u{7f}',
    '\u{85}',
    '\u{a0}',
    '\u{200b}',
    '\u{200d}',
    '\u{200e}',
    '\u{200f}',
    '\u{202e}',
    '\u{2028}',
    '\u{2029}',
    '\u{feff}',
    '\u{fffd}',
    '\u{fffe}',
    '\u{ffff}',
    '\u{301}',
    '\u{308}',
    '\u{20dd}',
    '\u{5d0}',
    '\u{5ea}',
    '\u{627}',
    '\u{644}',
    '\u{1f600}',
    '\u{1f468}',
    '\u{1d11e}',
    '\u{10000}',
    '\u{10ffff}',
    '\u{e000}',
    'é',
    'ß',
    'ı',
    '中',
    '𝔘',
];

fn character() -> impl Strategy<Value = char> {
    prop_oneof![
        6 => proptest::char::range('a', 'z'),
        2 => proptest::char::range(' ', '~'),
        3 => select(AWKWARD),
        1 => any::<char>(),
    ]
}

/// An awkward string (empty one time in ten).
pub fn text() -> BoxedStrategy<String> {
    prop_oneof![
        1 => Just(String::new()),
        9 => vec(character(), 1..10).prop_map(String::from_iter),
    ]
    .boxed()
}

pub fn texts() -> BoxedStrategy<Vec<String>> {
    vec(text(), 0..3).boxed()
}

pub fn int() -> BoxedStrategy<i64> {
    prop_oneof![
        any::<i64>(),
        select(vec![
            0,
            1,
            -1,
            i64::MIN,
            i64::MAX,
            SAFE,
            -SAFE,
            SAFE + 1,
            -SAFE - 1
        ]),
        -1000i64..1000,
    ]
    .boxed()
}

pub fn uint() -> BoxedStrategy<u64> {
    prop_oneof![
        any::<u64>(),
        select(vec![
            0,
            1,
            u64::MAX,
            i64::MAX as u64,
            i64::MAX as u64 + 1,
            SAFE as u64
        ]),
        0u64..1000,
    ]
    .boxed()
}

/// An integer within the JSON-safe range (edges included).
pub fn safe_int() -> BoxedStrategy<i64> {
    prop_oneof![select(vec![0, -1, SAFE, -SAFE]), -SAFE..=SAFE].boxed()
}

/// A float that survives serde_json's default (non-`float_roundtrip`) parser exactly.
pub fn float() -> BoxedStrategy<f64> {
    (any::<i32>(), 0u32..=8)
        .prop_map(|(m, e)| f64::from(m) / f64::from(1u32 << e))
        .boxed()
}

/// A float in `[0, 1]` (priorities).
pub fn unit_float() -> BoxedStrategy<f64> {
    (0u32..=256).prop_map(|k| f64::from(k) / 256.0).boxed()
}

/// Any JSON value: null, booleans, negative and huge integers, floats, awkward strings, nested
/// arrays and objects.
pub fn any_value() -> BoxedStrategy<Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        int().prop_map(Value::from),
        uint().prop_map(Value::from),
        float().prop_map(Value::from),
        text().prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 12, 3, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..3).prop_map(Value::Array),
            vec((text(), inner), 0..3).prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
    .boxed()
}

/// The schema's `JSONValue` (capability settings): no null and no fractional numbers.
pub fn json_value() -> BoxedStrategy<Value> {
    let leaf = prop_oneof![
        any::<bool>().prop_map(Value::Bool),
        int().prop_map(Value::from),
        uint().prop_map(Value::from),
        text().prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 12, 3, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..3).prop_map(Value::Array),
            vec((text(), inner), 0..3).prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
    .boxed()
}

/// An object of `values` whose keys are awkward strings other than `exclude` (the members a
/// wire type or a schema definition names: an `extra` map must not shadow them).
pub fn object(
    values: BoxedStrategy<Value>,
    exclude: &'static [&'static str],
) -> BoxedStrategy<JsonObject> {
    vec((text(), values), 0..3)
        .prop_map(move |kv| {
            kv.into_iter()
                .filter(|(k, _)| !exclude.contains(&k.as_str()))
                .collect()
        })
        .boxed()
}

pub fn any_object() -> BoxedStrategy<JsonObject> {
    object(any_value(), &[])
}

/// Unknown members of an open object (`extra` of the wire types).
pub fn extra(exclude: &'static [&'static str]) -> BoxedStrategy<JsonObject> {
    object(any_value(), exclude)
}

/// An optional member whose value may be anything, `null` included: absent, `null` (often, as
/// `Option<Value>` is where a `null` member could get lost) or any value.
pub fn maybe_value() -> BoxedStrategy<Option<Value>> {
    prop_oneof![
        1 => Just(None),
        1 => Just(Some(Value::Null)),
        2 => any_value().prop_map(Some),
    ]
    .boxed()
}

fn opt<T: std::fmt::Debug + 'static>(
    s: impl Strategy<Value = T> + 'static,
) -> BoxedStrategy<Option<T>> {
    option::of(s).boxed()
}

/// A capability settings object (`JSONObject`).
fn settings(m: Mode) -> BoxedStrategy<JsonObject> {
    match m {
        Wild => any_object(),
        Valid => object(json_value(), &[]),
    }
}

/// Extension or experimental id → settings (`JSONObjectMap`); never the tasks extension, whose
/// value must be empty (callers add it).
fn settings_map(m: Mode) -> BoxedStrategy<Map<String, Value>> {
    object(
        settings(m).prop_map(Value::Object).boxed(),
        &[TASKS_EXTENSION],
    )
}

fn string_in(values: &'static [&'static str]) -> BoxedStrategy<String> {
    select(values).prop_map(str::to_owned).boxed()
}

/// A string the schema pins to `values` (any string in wild mode).
fn pinned(m: Mode, values: &'static [&'static str]) -> BoxedStrategy<String> {
    match m {
        Wild => prop_oneof![1 => string_in(values), 2 => text()].boxed(),
        Valid => string_in(values),
    }
}

fn result_type(m: Mode) -> BoxedStrategy<String> {
    pinned(m, &["complete"])
}

/// `Some(value)` members into a JSON object (for messages without a wire type).
fn with(mut object: Value, members: Vec<(&str, Option<Value>)>) -> Value {
    for (key, value) in members {
        if let Some(value) = value {
            object[key] = value;
        }
    }
    object
}

fn to_json<T: serde::Serialize>(value: T) -> Value {
    serde_json::to_value(value).expect("wire types serialize")
}

// ---------------------------------------------------------------------------------------------
// JSON-RPC envelope

pub fn request_id() -> BoxedStrategy<RequestId> {
    prop_oneof![
        int().prop_map(RequestId::Number),
        text().prop_map(RequestId::String)
    ]
    .boxed()
}

fn jsonrpc(m: Mode) -> BoxedStrategy<String> {
    pinned(m, &["2.0"])
}

/// `params` of a request or notification: structured (an object, or an array in wild mode),
/// never null (JSON-RPC: "MUST be structured").
fn structured(m: Mode) -> BoxedStrategy<Value> {
    match m {
        Wild => prop_oneof![
            any_object().prop_map(Value::Object),
            vec(any_value(), 0..3).prop_map(Value::Array)
        ]
        .boxed(),
        Valid => any_object().prop_map(Value::Object).boxed(),
    }
}

pub fn error_object(m: Mode) -> BoxedStrategy<ErrorObject> {
    let code = match m {
        Wild => int(),
        // -32020..-32022 have definitions of their own, with required `data` shapes.
        Valid => int()
            .prop_filter("specific codes", |c| !(-32022..=-32020).contains(c))
            .boxed(),
    };
    (code, text(), maybe_value())
        .prop_map(|(code, message, data)| ErrorObject {
            code,
            message,
            data,
        })
        .boxed()
}

pub fn json_rpc_request(m: Mode) -> BoxedStrategy<JsonRpcRequest> {
    (jsonrpc(m), request_id(), text(), opt(structured(m)))
        .prop_map(|(jsonrpc, id, method, params)| JsonRpcRequest {
            jsonrpc,
            id,
            method,
            params,
        })
        .boxed()
}

pub fn json_rpc_notification(m: Mode) -> BoxedStrategy<JsonRpcNotification> {
    (jsonrpc(m), text(), opt(structured(m)))
        .prop_map(|(jsonrpc, method, params)| JsonRpcNotification {
            jsonrpc,
            method,
            params,
        })
        .boxed()
}

pub fn json_rpc_result_response(m: Mode) -> BoxedStrategy<JsonRpcResultResponse> {
    (jsonrpc(m), request_id(), any_value())
        .prop_map(|(jsonrpc, id, result)| JsonRpcResultResponse {
            jsonrpc,
            id,
            result,
        })
        .boxed()
}

pub fn json_rpc_error_response(m: Mode) -> BoxedStrategy<JsonRpcErrorResponse> {
    (jsonrpc(m), opt(request_id()), error_object(m))
        .prop_map(|(jsonrpc, id, error)| JsonRpcErrorResponse { jsonrpc, id, error })
        .boxed()
}

pub fn json_rpc_message(m: Mode) -> BoxedStrategy<JsonRpcMessage> {
    prop_oneof![
        json_rpc_request(m).prop_map(JsonRpcMessage::Request),
        json_rpc_notification(m).prop_map(JsonRpcMessage::Notification),
        json_rpc_result_response(m).prop_map(JsonRpcMessage::Result),
        json_rpc_error_response(m).prop_map(JsonRpcMessage::Error),
    ]
    .boxed()
}

// ---------------------------------------------------------------------------------------------
// _meta, capabilities, identity

pub fn logging_level() -> BoxedStrategy<LoggingLevel> {
    use LoggingLevel::*;
    select(vec![
        Debug, Info, Notice, Warning, Error, Critical, Alert, Emergency,
    ])
    .boxed()
}

pub fn icon(m: Mode) -> BoxedStrategy<Icon> {
    let theme = match m {
        Wild => opt(text()),
        Valid => opt(string_in(&["light", "dark"])),
    };
    (text(), opt(text()), opt(texts()), theme)
        .prop_map(|(src, mime_type, sizes, theme)| Icon {
            src,
            mime_type,
            sizes,
            theme,
        })
        .boxed()
}

pub fn implementation(m: Mode) -> BoxedStrategy<Implementation> {
    (
        text(),
        text(),
        opt(text()),
        opt(text()),
        opt(text()),
        opt(vec(icon(m), 0..2)),
    )
        .prop_map(
            |(name, version, title, description, website_url, icons)| Implementation {
                name,
                version,
                title,
                description,
                website_url,
                icons,
            },
        )
        .boxed()
}

pub fn sampling_capability(m: Mode) -> BoxedStrategy<SamplingCapability> {
    (
        opt(settings(m)),
        opt(settings(m)),
        extra(&["context", "tools"]),
    )
        .prop_map(|(context, tools, extra)| SamplingCapability {
            context,
            tools,
            extra,
        })
        .boxed()
}

pub fn elicitation_capability(m: Mode) -> BoxedStrategy<ElicitationCapability> {
    (opt(settings(m)), opt(settings(m)), extra(&["form", "url"]))
        .prop_map(|(form, url, extra)| ElicitationCapability { form, url, extra })
        .boxed()
}

pub fn client_capabilities(m: Mode) -> BoxedStrategy<ClientCapabilities> {
    (
        opt(settings_map(m)),
        opt(any_object()),
        opt(sampling_capability(m)),
        opt(elicitation_capability(m)),
        opt(settings_map(m)),
        extra(&[
            "experimental",
            "roots",
            "sampling",
            "elicitation",
            "extensions",
        ]),
    )
        .prop_map(
            |(experimental, roots, sampling, elicitation, extensions, extra)| ClientCapabilities {
                experimental,
                roots,
                sampling,
                elicitation,
                extensions,
                extra,
            },
        )
        .boxed()
}

pub fn list_changed_capability() -> BoxedStrategy<ListChangedCapability> {
    (opt(any::<bool>()), extra(&["listChanged"]))
        .prop_map(|(list_changed, extra)| ListChangedCapability {
            list_changed,
            extra,
        })
        .boxed()
}

pub fn resources_capability() -> BoxedStrategy<ResourcesCapability> {
    (
        opt(any::<bool>()),
        opt(any::<bool>()),
        extra(&["subscribe", "listChanged"]),
    )
        .prop_map(|(subscribe, list_changed, extra)| ResourcesCapability {
            subscribe,
            list_changed,
            extra,
        })
        .boxed()
}

/// Server capabilities; in valid mode the tasks extension is declared (with its empty value)
/// half of the time.
pub fn server_capabilities(m: Mode) -> BoxedStrategy<ServerCapabilities> {
    (
        opt(settings_map(m)),
        opt(settings(m)),
        opt(settings(m)),
        opt(list_changed_capability()),
        opt(resources_capability()),
        opt(list_changed_capability()),
        opt(settings_map(m)),
        any::<bool>(),
        extra(&[
            "experimental",
            "logging",
            "completions",
            "prompts",
            "resources",
            "tools",
            "extensions",
        ]),
    )
        .prop_map(
            |(
                experimental,
                logging,
                completions,
                prompts,
                resources,
                tools,
                extensions,
                tasks,
                extra,
            )| {
                let mut extensions = extensions;
                if tasks {
                    extensions
                        .get_or_insert_with(Map::new)
                        .insert(TASKS_EXTENSION.to_owned(), json!({}));
                }
                ServerCapabilities {
                    experimental,
                    logging,
                    completions,
                    prompts,
                    resources,
                    tools,
                    extensions,
                    extra,
                }
            },
        )
        .boxed()
}

/// The `_meta` of a request: in valid mode it carries the revision and declares the tasks
/// extension half of the time.
pub fn request_meta(m: Mode) -> BoxedStrategy<RequestMeta> {
    let version = match m {
        Wild => text(),
        Valid => Just(mcpcheck_schemas::REVISION.to_owned()).boxed(),
    };
    (
        version,
        client_capabilities(m),
        opt(implementation(m)),
        opt(logging_level()),
        opt(request_id()),
        any::<bool>(),
        extra(&[
            "io.modelcontextprotocol/protocolVersion",
            "io.modelcontextprotocol/clientCapabilities",
            "io.modelcontextprotocol/clientInfo",
            "io.modelcontextprotocol/logLevel",
            "progressToken",
        ]),
    )
        .prop_map(
            move |(
                protocol_version,
                client_capabilities,
                client_info,
                log_level,
                progress_token,
                tasks,
                extra,
            )| {
                let mut meta = RequestMeta {
                    protocol_version,
                    client_capabilities,
                    client_info,
                    log_level,
                    progress_token,
                    extra,
                };
                if tasks && m == Valid {
                    declare_tasks(&mut meta);
                }
                meta
            },
        )
        .boxed()
}

/// Declares the tasks extension in a request's client capabilities.
pub fn declare_tasks(meta: &mut RequestMeta) {
    meta.client_capabilities
        .extensions
        .get_or_insert_with(Map::new)
        .insert(TASKS_EXTENSION.to_owned(), json!({}));
}

pub fn result_meta(m: Mode) -> BoxedStrategy<ResultMeta> {
    (
        opt(implementation(m)),
        opt(request_id()),
        extra(&[
            "io.modelcontextprotocol/serverInfo",
            "io.modelcontextprotocol/subscriptionId",
        ]),
    )
        .prop_map(|(server_info, subscription_id, extra)| ResultMeta {
            server_info,
            subscription_id,
            extra,
        })
        .boxed()
}

pub fn notification_meta() -> BoxedStrategy<NotificationMeta> {
    (
        opt(request_id()),
        extra(&["io.modelcontextprotocol/subscriptionId"]),
    )
        .prop_map(|(subscription_id, extra)| NotificationMeta {
            subscription_id,
            extra,
        })
        .boxed()
}

// ---------------------------------------------------------------------------------------------
// Requests and results

pub fn request_params(m: Mode) -> BoxedStrategy<RequestParams> {
    (request_meta(m), extra(&["_meta"]))
        .prop_map(|(meta, extra)| RequestParams { meta, extra })
        .boxed()
}

pub fn paginated_request_params(m: Mode) -> BoxedStrategy<PaginatedRequestParams> {
    (request_meta(m), opt(text()), extra(&["_meta", "cursor"]))
        .prop_map(|(meta, cursor, extra)| PaginatedRequestParams {
            meta,
            cursor,
            extra,
        })
        .boxed()
}

pub fn cache_scope() -> BoxedStrategy<CacheScope> {
    select(vec![CacheScope::Public, CacheScope::Private]).boxed()
}

pub fn discover_result(m: Mode) -> BoxedStrategy<DiscoverResult> {
    (
        result_type(m),
        texts(),
        server_capabilities(m),
        opt(text()),
        uint(),
        cache_scope(),
        opt(result_meta(m)),
        extra(&[
            "resultType",
            "supportedVersions",
            "capabilities",
            "instructions",
            "ttlMs",
            "cacheScope",
            "_meta",
        ]),
    )
        .prop_map(
            |(
                result_type,
                supported_versions,
                capabilities,
                instructions,
                ttl_ms,
                cache_scope,
                meta,
                extra,
            )| {
                DiscoverResult {
                    result_type,
                    supported_versions,
                    capabilities,
                    instructions,
                    ttl_ms,
                    cache_scope,
                    meta,
                    extra,
                }
            },
        )
        .boxed()
}

pub fn tool_annotations() -> BoxedStrategy<ToolAnnotations> {
    (
        opt(text()),
        opt(any::<bool>()),
        opt(any::<bool>()),
        opt(any::<bool>()),
        opt(any::<bool>()),
    )
        .prop_map(
            |(title, read_only_hint, destructive_hint, idempotent_hint, open_world_hint)| {
                ToolAnnotations {
                    title,
                    read_only_hint,
                    destructive_hint,
                    idempotent_hint,
                    open_world_hint,
                }
            },
        )
        .boxed()
}

/// A tool's `inputSchema`: an object schema (`type: "object"`) in valid mode.
fn input_schema(m: Mode) -> BoxedStrategy<JsonObject> {
    match m {
        Wild => any_object(),
        Valid => (opt(text()), extra(&["type", "$schema"]))
            .prop_map(|(schema, extra)| {
                let mut object = JsonObject::new();
                object.insert("type".into(), json!("object"));
                if let Some(schema) = schema {
                    object.insert("$schema".into(), Value::String(schema));
                }
                object.extend(extra);
                object
            })
            .boxed(),
    }
}

fn output_schema(m: Mode) -> BoxedStrategy<JsonObject> {
    match m {
        Wild => any_object(),
        Valid => (opt(text()), extra(&["$schema"]))
            .prop_map(|(schema, extra)| {
                let mut object = JsonObject::new();
                if let Some(schema) = schema {
                    object.insert("$schema".into(), Value::String(schema));
                }
                object.extend(extra);
                object
            })
            .boxed(),
    }
}

pub fn tool(m: Mode) -> BoxedStrategy<Tool> {
    (
        text(),
        opt(text()),
        opt(text()),
        input_schema(m),
        opt(output_schema(m)),
        opt(tool_annotations()),
        opt(vec(icon(m), 0..2)),
        opt(any_object()),
    )
        .prop_map(
            |(name, title, description, input_schema, output_schema, annotations, icons, meta)| {
                Tool {
                    name,
                    title,
                    description,
                    input_schema,
                    output_schema,
                    annotations,
                    icons,
                    meta,
                }
            },
        )
        .boxed()
}

pub fn list_tools_result(m: Mode) -> BoxedStrategy<ListToolsResult> {
    (
        result_type(m),
        vec(tool(m), 0..3),
        opt(text()),
        uint(),
        cache_scope(),
        opt(result_meta(m)),
    )
        .prop_map(
            |(result_type, tools, next_cursor, ttl_ms, cache_scope, meta)| ListToolsResult {
                result_type,
                tools,
                next_cursor,
                ttl_ms,
                cache_scope,
                meta,
            },
        )
        .boxed()
}

pub fn input_responses(m: Mode) -> BoxedStrategy<InputResponses> {
    let response = match m {
        Wild => any_value(),
        Valid => input_response(),
    };
    btree_map(text(), response, 0..3).boxed()
}

pub fn call_tool_request_params(m: Mode) -> BoxedStrategy<CallToolRequestParams> {
    (
        request_meta(m),
        text(),
        opt(any_object()),
        opt(input_responses(m)),
        opt(text()),
        extra(&[
            "_meta",
            "name",
            "arguments",
            "inputResponses",
            "requestState",
        ]),
    )
        .prop_map(
            |(meta, name, arguments, input_responses, request_state, extra)| {
                CallToolRequestParams {
                    meta,
                    name,
                    arguments,
                    input_responses,
                    request_state,
                    extra,
                }
            },
        )
        .boxed()
}

pub fn call_tool_result(m: Mode) -> BoxedStrategy<CallToolResult> {
    (
        result_type(m),
        vec(content_block(m), 0..3),
        maybe_value(),
        opt(any::<bool>()),
        opt(result_meta(m)),
    )
        .prop_map(
            |(result_type, content, structured_content, is_error, meta)| CallToolResult {
                result_type,
                content,
                structured_content,
                is_error,
                meta,
            },
        )
        .boxed()
}

// ---------------------------------------------------------------------------------------------
// Content

pub fn role() -> BoxedStrategy<Role> {
    select(vec![Role::User, Role::Assistant]).boxed()
}

pub fn annotations(m: Mode) -> BoxedStrategy<Annotations> {
    let priority = match m {
        Wild => float(),
        Valid => unit_float(),
    };
    (opt(vec(role(), 0..3)), opt(priority), opt(text()))
        .prop_map(|(audience, priority, last_modified)| Annotations {
            audience,
            priority,
            last_modified,
        })
        .boxed()
}

pub fn content_block(m: Mode) -> BoxedStrategy<ContentBlock> {
    let media = || (text(), text(), opt(annotations(m)), opt(any_object()));
    prop_oneof![
        (text(), opt(annotations(m)), opt(any_object())).prop_map(|(text, annotations, meta)| {
            ContentBlock::Text {
                text,
                annotations,
                meta,
            }
        }),
        media().prop_map(|(data, mime_type, annotations, meta)| ContentBlock::Image {
            data,
            mime_type,
            annotations,
            meta
        }),
        media().prop_map(|(data, mime_type, annotations, meta)| ContentBlock::Audio {
            data,
            mime_type,
            annotations,
            meta
        }),
        resource(m).prop_map(ContentBlock::ResourceLink),
        (resource_contents(), opt(annotations(m)), opt(any_object())).prop_map(
            |(resource, annotations, meta)| ContentBlock::Resource {
                resource,
                annotations,
                meta
            }
        ),
    ]
    .boxed()
}

// ---------------------------------------------------------------------------------------------
// Resources

pub fn resource(m: Mode) -> BoxedStrategy<Resource> {
    (
        text(),
        text(),
        opt(text()),
        opt(text()),
        opt(text()),
        opt(uint()),
        opt(vec(icon(m), 0..2)),
        opt(annotations(m)),
        opt(any_object()),
    )
        .prop_map(
            |(uri, name, title, description, mime_type, size, icons, annotations, meta)| Resource {
                uri,
                name,
                title,
                description,
                mime_type,
                size,
                icons,
                annotations,
                meta,
            },
        )
        .boxed()
}

pub fn resource_template(m: Mode) -> BoxedStrategy<ResourceTemplate> {
    (
        text(),
        text(),
        opt(text()),
        opt(text()),
        opt(text()),
        opt(vec(icon(m), 0..2)),
        opt(annotations(m)),
        opt(any_object()),
    )
        .prop_map(
            |(uri_template, name, title, description, mime_type, icons, annotations, meta)| {
                ResourceTemplate {
                    uri_template,
                    name,
                    title,
                    description,
                    mime_type,
                    icons,
                    annotations,
                    meta,
                }
            },
        )
        .boxed()
}

pub fn resource_contents() -> BoxedStrategy<ResourceContents> {
    let parts = || (text(), opt(text()), text(), opt(any_object()));
    prop_oneof![
        parts().prop_map(|(uri, mime_type, blob, meta)| ResourceContents::Blob {
            uri,
            mime_type,
            blob,
            meta
        }),
        parts().prop_map(|(uri, mime_type, text, meta)| ResourceContents::Text {
            uri,
            mime_type,
            text,
            meta
        }),
    ]
    .boxed()
}

pub fn list_resources_result(m: Mode) -> BoxedStrategy<ListResourcesResult> {
    (
        result_type(m),
        vec(resource(m), 0..3),
        opt(text()),
        uint(),
        cache_scope(),
        opt(result_meta(m)),
    )
        .prop_map(
            |(result_type, resources, next_cursor, ttl_ms, cache_scope, meta)| {
                ListResourcesResult {
                    result_type,
                    resources,
                    next_cursor,
                    ttl_ms,
                    cache_scope,
                    meta,
                }
            },
        )
        .boxed()
}

pub fn list_resource_templates_result(m: Mode) -> BoxedStrategy<ListResourceTemplatesResult> {
    (
        result_type(m),
        vec(resource_template(m), 0..3),
        opt(text()),
        uint(),
        cache_scope(),
        opt(result_meta(m)),
    )
        .prop_map(
            |(result_type, resource_templates, next_cursor, ttl_ms, cache_scope, meta)| {
                ListResourceTemplatesResult {
                    result_type,
                    resource_templates,
                    next_cursor,
                    ttl_ms,
                    cache_scope,
                    meta,
                }
            },
        )
        .boxed()
}

pub fn read_resource_request_params(m: Mode) -> BoxedStrategy<ReadResourceRequestParams> {
    (
        request_meta(m),
        text(),
        opt(input_responses(m)),
        opt(text()),
        extra(&["_meta", "uri", "inputResponses", "requestState"]),
    )
        .prop_map(
            |(meta, uri, input_responses, request_state, extra)| ReadResourceRequestParams {
                meta,
                uri,
                input_responses,
                request_state,
                extra,
            },
        )
        .boxed()
}

pub fn read_resource_result(m: Mode) -> BoxedStrategy<ReadResourceResult> {
    (
        result_type(m),
        vec(resource_contents(), 0..3),
        uint(),
        cache_scope(),
        opt(result_meta(m)),
    )
        .prop_map(
            |(result_type, contents, ttl_ms, cache_scope, meta)| ReadResourceResult {
                result_type,
                contents,
                ttl_ms,
                cache_scope,
                meta,
            },
        )
        .boxed()
}

// ---------------------------------------------------------------------------------------------
// Prompts

pub fn prompt_argument() -> BoxedStrategy<PromptArgument> {
    (text(), opt(text()), opt(text()), opt(any::<bool>()))
        .prop_map(|(name, title, description, required)| PromptArgument {
            name,
            title,
            description,
            required,
        })
        .boxed()
}

pub fn prompt(m: Mode) -> BoxedStrategy<Prompt> {
    (
        text(),
        opt(text()),
        opt(text()),
        opt(vec(prompt_argument(), 0..3)),
        opt(vec(icon(m), 0..2)),
        opt(any_object()),
    )
        .prop_map(
            |(name, title, description, arguments, icons, meta)| Prompt {
                name,
                title,
                description,
                arguments,
                icons,
                meta,
            },
        )
        .boxed()
}

pub fn list_prompts_result(m: Mode) -> BoxedStrategy<ListPromptsResult> {
    (
        result_type(m),
        vec(prompt(m), 0..3),
        opt(text()),
        uint(),
        cache_scope(),
        opt(result_meta(m)),
    )
        .prop_map(
            |(result_type, prompts, next_cursor, ttl_ms, cache_scope, meta)| ListPromptsResult {
                result_type,
                prompts,
                next_cursor,
                ttl_ms,
                cache_scope,
                meta,
            },
        )
        .boxed()
}

pub fn get_prompt_request_params(m: Mode) -> BoxedStrategy<GetPromptRequestParams> {
    let arguments = match m {
        Wild => any_object(),
        Valid => object(text().prop_map(Value::String).boxed(), &[]),
    };
    (
        request_meta(m),
        text(),
        opt(arguments),
        opt(input_responses(m)),
        opt(text()),
        extra(&[
            "_meta",
            "name",
            "arguments",
            "inputResponses",
            "requestState",
        ]),
    )
        .prop_map(
            |(meta, name, arguments, input_responses, request_state, extra)| {
                GetPromptRequestParams {
                    meta,
                    name,
                    arguments,
                    input_responses,
                    request_state,
                    extra,
                }
            },
        )
        .boxed()
}

pub fn prompt_message(m: Mode) -> BoxedStrategy<PromptMessage> {
    (role(), content_block(m))
        .prop_map(|(role, content)| PromptMessage { role, content })
        .boxed()
}

pub fn get_prompt_result(m: Mode) -> BoxedStrategy<GetPromptResult> {
    (
        result_type(m),
        opt(text()),
        vec(prompt_message(m), 0..3),
        opt(result_meta(m)),
    )
        .prop_map(
            |(result_type, description, messages, meta)| GetPromptResult {
                result_type,
                description,
                messages,
                meta,
            },
        )
        .boxed()
}

// ---------------------------------------------------------------------------------------------
// Completion

pub fn completion_reference() -> BoxedStrategy<CompletionReference> {
    prop_oneof![
        (text(), opt(text())).prop_map(|(name, title)| CompletionReference::Prompt { name, title }),
        text().prop_map(|uri| CompletionReference::ResourceTemplate { uri }),
    ]
    .boxed()
}

pub fn completion_argument() -> BoxedStrategy<CompletionArgument> {
    (text(), text())
        .prop_map(|(name, value)| CompletionArgument { name, value })
        .boxed()
}

pub fn completion_context() -> BoxedStrategy<CompletionContext> {
    opt(btree_map(text(), text(), 0..3))
        .prop_map(|arguments| CompletionContext { arguments })
        .boxed()
}

pub fn complete_request_params(m: Mode) -> BoxedStrategy<CompleteRequestParams> {
    (
        request_meta(m),
        completion_reference(),
        completion_argument(),
        opt(completion_context()),
    )
        .prop_map(
            |(meta, reference, argument, context)| CompleteRequestParams {
                meta,
                reference,
                argument,
                context,
            },
        )
        .boxed()
}

pub fn completion(m: Mode) -> BoxedStrategy<Completion> {
    // At most 100 values in valid mode (the limit itself included).
    let values = match m {
        Wild => vec(text(), 0..4).boxed(),
        Valid => prop_oneof![
            4 => vec(text(), 0..4),
            1 => Just((0..100).map(|i| i.to_string()).collect::<Vec<_>>()),
        ]
        .boxed(),
    };
    (values, opt(uint()), opt(any::<bool>()))
        .prop_map(|(values, total, has_more)| Completion {
            values,
            total,
            has_more,
        })
        .boxed()
}

pub fn complete_result(m: Mode) -> BoxedStrategy<CompleteResult> {
    (result_type(m), completion(m), opt(result_meta(m)))
        .prop_map(|(result_type, completion, meta)| CompleteResult {
            result_type,
            completion,
            meta,
        })
        .boxed()
}

// ---------------------------------------------------------------------------------------------
// Multi round-trip requests

fn as_object(value: Value) -> JsonObject {
    match value {
        Value::Object(object) => object,
        other => panic!("not an object: {other}"),
    }
}

pub fn input_request(m: Mode) -> BoxedStrategy<InputRequest> {
    match m {
        Wild => prop_oneof![
            any_object().prop_map(InputRequest::Elicitation),
            any_object().prop_map(InputRequest::Sampling),
            opt(any_object()).prop_map(InputRequest::ListRoots),
        ]
        .boxed(),
        Valid => prop_oneof![
            prop_oneof![elicit_form_params(), elicit_url_params()]
                .prop_map(|p| InputRequest::Elicitation(as_object(p))),
            create_message_params().prop_map(|p| InputRequest::Sampling(as_object(p))),
            roots_params().prop_map(|p| InputRequest::ListRoots(p.map(as_object))),
        ]
        .boxed(),
    }
}

pub fn input_requests(m: Mode) -> BoxedStrategy<InputRequests> {
    btree_map(text(), input_request(m), 0..3).boxed()
}

pub fn input_required_result(m: Mode) -> BoxedStrategy<InputRequiredResult> {
    (
        pinned(m, &["input_required"]),
        opt(input_requests(m)),
        opt(text()),
        opt(result_meta(m)),
    )
        .prop_map(move |(result_type, input_requests, request_state, meta)| {
            let mut result = InputRequiredResult {
                result_type,
                input_requests,
                request_state,
                meta,
            };
            // The schema wants at least one of the two.
            if m == Valid && result.input_requests.is_none() && result.request_state.is_none() {
                result.request_state = Some(String::new());
            }
            result
        })
        .boxed()
}

// ---------------------------------------------------------------------------------------------
// Subscriptions

pub fn subscription_filter() -> BoxedStrategy<SubscriptionFilter> {
    (
        opt(any::<bool>()),
        opt(any::<bool>()),
        opt(any::<bool>()),
        opt(texts()),
    )
        .prop_map(
            |(
                tools_list_changed,
                prompts_list_changed,
                resources_list_changed,
                resource_subscriptions,
            )| {
                SubscriptionFilter {
                    tools_list_changed,
                    prompts_list_changed,
                    resources_list_changed,
                    resource_subscriptions,
                }
            },
        )
        .boxed()
}

pub fn subscriptions_listen_request_params(
    m: Mode,
) -> BoxedStrategy<SubscriptionsListenRequestParams> {
    (request_meta(m), subscription_filter())
        .prop_map(|(meta, notifications)| SubscriptionsListenRequestParams {
            meta,
            notifications,
        })
        .boxed()
}

// ---------------------------------------------------------------------------------------------
// Tasks extension

pub fn task_status() -> BoxedStrategy<TaskStatus> {
    select(TaskStatus::ALL.to_vec()).boxed()
}

pub fn task_info(m: Mode) -> BoxedStrategy<TaskInfo> {
    let millis = match m {
        Wild => int(),
        Valid => safe_int(),
    };
    (
        text(),
        opt(text()),
        text(),
        text(),
        opt(millis.clone()),
        opt(millis),
    )
        .prop_map(
            |(task_id, status_message, created_at, last_updated_at, ttl_ms, poll_interval_ms)| {
                TaskInfo {
                    task_id,
                    status_message,
                    created_at,
                    last_updated_at,
                    ttl_ms,
                    poll_interval_ms,
                }
            },
        )
        .boxed()
}

pub fn task(m: Mode) -> BoxedStrategy<Task> {
    (task_status(), task_info(m))
        .prop_map(|(status, info)| Task { status, info })
        .boxed()
}

pub fn detailed_task(m: Mode) -> BoxedStrategy<DetailedTask> {
    let completed = match m {
        Wild => any_object(),
        Valid => prop_oneof![
            any_object(),
            call_tool_result(Valid).prop_map(|r| as_object(to_json(r))),
        ]
        .boxed(),
    };
    prop_oneof![
        task_info(m).prop_map(|info| DetailedTask::Working { info }),
        (task_info(m), input_requests(m)).prop_map(|(info, input_requests)| {
            DetailedTask::InputRequired {
                info,
                input_requests,
            }
        }),
        (task_info(m), completed)
            .prop_map(|(info, result)| DetailedTask::Completed { info, result }),
        (task_info(m), error_object(m))
            .prop_map(|(info, error)| DetailedTask::Failed { info, error }),
        task_info(m).prop_map(|info| DetailedTask::Cancelled { info }),
    ]
    .boxed()
}

pub fn create_task_result(m: Mode) -> BoxedStrategy<CreateTaskResult> {
    (pinned(m, &["task"]), task(m), opt(result_meta(m)))
        .prop_map(|(result_type, task, meta)| CreateTaskResult {
            result_type,
            task,
            meta,
        })
        .boxed()
}

pub fn get_task_result(m: Mode) -> BoxedStrategy<GetTaskResult> {
    (result_type(m), detailed_task(m), opt(result_meta(m)))
        .prop_map(|(result_type, task, meta)| GetTaskResult {
            result_type,
            task,
            meta,
        })
        .boxed()
}

pub fn task_ack_result(m: Mode) -> BoxedStrategy<TaskAckResult> {
    (result_type(m), opt(result_meta(m)))
        .prop_map(|(result_type, meta)| TaskAckResult { result_type, meta })
        .boxed()
}

/// A request `_meta` that declares the tasks extension (task requests only make sense then).
fn tasks_meta(m: Mode) -> BoxedStrategy<RequestMeta> {
    request_meta(m)
        .prop_map(move |mut meta| {
            if m == Valid {
                declare_tasks(&mut meta);
            }
            meta
        })
        .boxed()
}

pub fn get_task_params(m: Mode) -> BoxedStrategy<GetTaskParams> {
    (tasks_meta(m), text(), extra(&["_meta", "taskId"]))
        .prop_map(|(meta, task_id, extra)| GetTaskParams {
            meta,
            task_id,
            extra,
        })
        .boxed()
}

pub fn update_task_params(m: Mode) -> BoxedStrategy<UpdateTaskParams> {
    (
        tasks_meta(m),
        text(),
        input_responses(m),
        extra(&["_meta", "taskId", "inputResponses"]),
    )
        .prop_map(|(meta, task_id, input_responses, extra)| UpdateTaskParams {
            meta,
            task_id,
            input_responses,
            extra,
        })
        .boxed()
}

pub fn task_status_notification_params(m: Mode) -> BoxedStrategy<TaskStatusNotificationParams> {
    (detailed_task(m), opt(notification_meta()))
        .prop_map(|(task, meta)| TaskStatusNotificationParams { task, meta })
        .boxed()
}

// ---------------------------------------------------------------------------------------------
// Valid JSON of the messages without a wire type

/// One `PrimitiveSchemaDefinition` of an elicitation form, of every kind the schema lists.
fn primitive_schema() -> BoxedStrategy<Value> {
    let titled = || vec((text(), text()), 0..3);
    let options = |pairs: Vec<(String, String)>| -> Vec<Value> {
        pairs
            .into_iter()
            .map(|(c, t)| json!({"const": c, "title": t}))
            .collect()
    };
    prop_oneof![
        (
            opt(text()),
            opt(string_in(&["email", "uri", "date", "date-time"])),
            opt(safe_int()),
            opt(text())
        )
            .prop_map(|(title, format, min, default)| with(
                json!({"type": "string"}),
                vec![
                    ("title", title.map(Value::from)),
                    ("format", format.map(Value::from)),
                    ("minLength", min.map(Value::from)),
                    ("default", default.map(Value::from)),
                ]
            )),
        (
            string_in(&["number", "integer"]),
            opt(float()),
            opt(float()),
            opt(text())
        )
            .prop_map(|(kind, min, max, description)| with(
                json!({"type": kind}),
                vec![
                    ("minimum", min.map(Value::from)),
                    ("maximum", max.map(Value::from)),
                    ("description", description.map(Value::from)),
                ]
            )),
        opt(any::<bool>()).prop_map(|default| with(
            json!({"type": "boolean"}),
            vec![("default", default.map(Value::from))]
        )),
        texts().prop_map(|values| json!({"type": "string", "enum": values})),
        titled().prop_map(move |pairs| json!({"type": "string", "oneOf": options(pairs)})),
        (texts(), opt(safe_int())).prop_map(|(values, max)| with(
            json!({"type": "array", "items": {"type": "string", "enum": values}}),
            vec![("maxItems", max.map(Value::from))]
        )),
        titled()
            .prop_map(move |pairs| json!({"type": "array", "items": {"anyOf": options(pairs)}})),
        (texts(), texts()).prop_map(
            |(values, names)| json!({"type": "string", "enum": values, "enumNames": names})
        ),
    ]
    .boxed()
}

/// `ElicitRequestFormParams` (`mode` omitted or `"form"`).
pub fn elicit_form_params() -> BoxedStrategy<Value> {
    (
        opt(Just("form")),
        text(),
        btree_map(text(), primitive_schema(), 0..3),
        opt(texts()),
        opt(text()),
    )
        .prop_map(|(mode, message, properties, required, schema)| {
            let requested = with(
                json!({"type": "object", "properties": properties}),
                vec![
                    ("required", required.map(Value::from)),
                    ("$schema", schema.map(Value::from)),
                ],
            );
            with(
                json!({"message": message, "requestedSchema": requested}),
                vec![("mode", mode.map(Value::from))],
            )
        })
        .boxed()
}

/// `ElicitRequestURLParams`.
pub fn elicit_url_params() -> BoxedStrategy<Value> {
    (text(), text(), opt(text()))
        .prop_map(|(message, url, id)| {
            with(
                json!({"mode": "url", "message": message, "url": url}),
                vec![("elicitationId", id.map(Value::from))],
            )
        })
        .boxed()
}

/// A `SamplingMessageContentBlock`.
fn sampling_block() -> BoxedStrategy<Value> {
    prop_oneof![
        content_block(Valid)
            .prop_filter("sampling has no resource blocks", |b| matches!(
                b,
                ContentBlock::Text { .. } | ContentBlock::Image { .. } | ContentBlock::Audio { .. }
            ))
            .prop_map(to_json),
        (text(), text(), any_object(), opt(any_object())).prop_map(|(id, name, input, meta)| with(
            json!({"type": "tool_use", "id": id, "name": name, "input": input}),
            vec![("_meta", meta.map(Value::Object))]
        )),
        (
            text(),
            vec(content_block(Valid), 0..2),
            maybe_value(),
            opt(any::<bool>())
        )
            .prop_map(|(id, content, structured, is_error)| with(
                json!({"type": "tool_result", "toolUseId": id, "content": to_json(content)}),
                vec![
                    ("structuredContent", structured),
                    ("isError", is_error.map(Value::from)),
                ]
            )),
    ]
    .boxed()
}

/// `SamplingContent`: one block or a list of them.
fn sampling_content() -> BoxedStrategy<Value> {
    prop_oneof![
        sampling_block(),
        vec(sampling_block(), 0..3).prop_map(Value::Array)
    ]
    .boxed()
}

/// `CreateMessageRequestParams`.
pub fn create_message_params() -> BoxedStrategy<Value> {
    let message =
        (role(), sampling_content(), opt(any_object())).prop_map(|(role, content, meta)| {
            with(
                json!({"role": role, "content": content}),
                vec![("_meta", meta.map(Value::Object))],
            )
        });
    let preferences = (
        opt(vec(opt(text()), 0..3)),
        opt(unit_float()),
        opt(unit_float()),
        opt(unit_float()),
    )
        .prop_map(|(hints, cost, speed, intelligence)| {
            let hints = hints.map(|hints| {
                hints
                    .into_iter()
                    .map(|name| with(json!({}), vec![("name", name.map(Value::from))]))
                    .collect::<Vec<_>>()
            });
            with(
                json!({}),
                vec![
                    ("hints", hints.map(Value::from)),
                    ("costPriority", cost.map(Value::from)),
                    ("speedPriority", speed.map(Value::from)),
                    ("intelligencePriority", intelligence.map(Value::from)),
                ],
            )
        });
    (
        vec(message, 0..3),
        int(),
        (
            opt(text()),
            opt(string_in(&["none", "thisServer", "allServers"])),
            opt(float()),
        ),
        (opt(texts()), opt(settings(Valid)), opt(preferences)),
        (
            opt(vec(tool(Valid), 0..2)),
            opt(opt(string_in(&["auto", "required", "none"]))),
        ),
    )
        .prop_map(
            |(
                messages,
                max_tokens,
                (system, context, temperature),
                (stop, metadata, prefs),
                (tools, choice),
            )| {
                with(
                    json!({"messages": messages, "maxTokens": max_tokens}),
                    vec![
                        ("systemPrompt", system.map(Value::from)),
                        ("includeContext", context.map(Value::from)),
                        ("temperature", temperature.map(Value::from)),
                        ("stopSequences", stop.map(Value::from)),
                        ("metadata", metadata.map(Value::Object)),
                        ("modelPreferences", prefs),
                        ("tools", tools.map(to_json)),
                        (
                            "toolChoice",
                            choice
                                .map(|mode| with(json!({}), vec![("mode", mode.map(Value::from))])),
                        ),
                    ],
                )
            },
        )
        .boxed()
}

/// `params` of an embedded `roots/list` (optional, only `_meta`).
pub fn roots_params() -> BoxedStrategy<Option<Value>> {
    opt(opt(any_object())
        .prop_map(|meta| with(json!({}), vec![("_meta", meta.map(Value::Object))])))
}

/// `ElicitResult`.
pub fn elicit_result() -> BoxedStrategy<Value> {
    let field = prop_oneof![
        text().prop_map(Value::from),
        int().prop_map(Value::from),
        any::<bool>().prop_map(Value::from),
        texts().prop_map(Value::from),
    ];
    (
        string_in(&["accept", "decline", "cancel"]),
        opt(object(field.boxed(), &[])),
    )
        .prop_map(|(action, content)| {
            with(
                json!({"action": action}),
                vec![("content", content.map(Value::Object))],
            )
        })
        .boxed()
}

/// `CreateMessageResult`.
pub fn create_message_result() -> BoxedStrategy<Value> {
    (
        role(),
        sampling_content(),
        text(),
        opt(text()),
        opt(any_object()),
    )
        .prop_map(|(role, content, model, stop, meta)| {
            with(
                json!({"role": role, "content": content, "model": model}),
                vec![
                    ("stopReason", stop.map(Value::from)),
                    ("_meta", meta.map(Value::Object)),
                ],
            )
        })
        .boxed()
}

/// `ListRootsResult`.
pub fn list_roots_result() -> BoxedStrategy<Value> {
    let root = (text(), opt(text()), opt(any_object())).prop_map(|(uri, name, meta)| {
        with(
            json!({"uri": uri}),
            vec![
                ("name", name.map(Value::from)),
                ("_meta", meta.map(Value::Object)),
            ],
        )
    });
    vec(root, 0..3)
        .prop_map(|roots| json!({"roots": roots}))
        .boxed()
}

/// A valid `InputResponse` (any of the three).
pub fn input_response() -> BoxedStrategy<Value> {
    prop_oneof![
        elicit_result(),
        create_message_result(),
        list_roots_result()
    ]
    .boxed()
}

/// `SubscriptionsListenResult` (no wire type): `resultType` and a `_meta` with the
/// subscription id.
pub fn subscriptions_listen_result() -> BoxedStrategy<Value> {
    (result_meta(Valid), request_id())
        .prop_map(|(mut meta, id)| {
            meta.subscription_id = Some(id);
            json!({"resultType": "complete", "_meta": meta})
        })
        .boxed()
}

fn notification_meta_json() -> BoxedStrategy<Option<Value>> {
    opt(notification_meta().prop_map(to_json))
}

pub fn progress_params() -> BoxedStrategy<Value> {
    (
        request_id(),
        float(),
        opt(float()),
        opt(text()),
        notification_meta_json(),
    )
        .prop_map(|(token, progress, total, message, meta)| {
            with(
                json!({"progressToken": token, "progress": progress}),
                vec![
                    ("total", total.map(Value::from)),
                    ("message", message.map(Value::from)),
                    ("_meta", meta),
                ],
            )
        })
        .boxed()
}

pub fn logging_message_params() -> BoxedStrategy<Value> {
    (
        logging_level(),
        opt(text()),
        any_value(),
        notification_meta_json(),
    )
        .prop_map(|(level, logger, data, meta)| {
            with(
                json!({"level": level, "data": data}),
                vec![("logger", logger.map(Value::from)), ("_meta", meta)],
            )
        })
        .boxed()
}

pub fn cancelled_params() -> BoxedStrategy<Value> {
    (request_id(), opt(text()), notification_meta_json())
        .prop_map(|(id, reason, meta)| {
            with(
                json!({"requestId": id}),
                vec![("reason", reason.map(Value::from)), ("_meta", meta)],
            )
        })
        .boxed()
}

/// `params` of the `list_changed` notifications: optional, `_meta` and anything else.
pub fn list_changed_params() -> BoxedStrategy<Option<Value>> {
    opt((notification_meta_json(), extra(&["_meta"]))
        .prop_map(|(meta, extra)| with(Value::Object(extra), vec![("_meta", meta)])))
}

pub fn resource_updated_params() -> BoxedStrategy<Value> {
    (text(), notification_meta_json())
        .prop_map(|(uri, meta)| with(json!({"uri": uri}), vec![("_meta", meta)]))
        .boxed()
}

/// `params` of `notifications/subscriptions/acknowledged`, with the tasks extension's `taskIds`
/// in the filter half of the time.
pub fn subscriptions_acknowledged_params() -> BoxedStrategy<Value> {
    (
        subscription_filter(),
        opt(texts()),
        notification_meta_json(),
    )
        .prop_map(|(filter, task_ids, meta)| {
            let notifications = with(
                to_json(filter),
                vec![("taskIds", task_ids.map(Value::from))],
            );
            with(
                json!({"notifications": notifications}),
                vec![("_meta", meta)],
            )
        })
        .boxed()
}

/// Error `data` of `MissingRequiredClientCapabilityError`.
pub fn missing_capability_data() -> BoxedStrategy<Value> {
    client_capabilities(Valid)
        .prop_map(|caps| json!({"requiredCapabilities": caps}))
        .boxed()
}

/// Error `data` of `UnsupportedProtocolVersionError`.
pub fn unsupported_version_data() -> BoxedStrategy<Value> {
    (texts(), text())
        .prop_map(|(supported, requested)| json!({"supported": supported, "requested": requested}))
        .boxed()
}
