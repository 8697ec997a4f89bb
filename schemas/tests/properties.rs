//! Property tests of the wire types and of mcpcheck's schemas.
//!
//! 1. Every public wire type (`src/wire.rs`, `src/wire/tasks.rs`) round-trips through JSON text:
//!    serialize → deserialize gives the original value, and serializing again gives the same
//!    text. Values are "wild" (anything the type can hold: awkward unicode, empty strings,
//!    extreme integers, nested free-form JSON); [`every_public_wire_type_has_a_round_trip_property`]
//!    fails when a type is added without a property.
//! 2. For every message kind the schemas define (read from them, see `properties/kinds.rs`):
//!    generated valid messages pass the message-level validator and the definitions they are
//!    made of. [`every_method_of_the_schemas_has_a_generator`] fails when the schemas gain a
//!    method this file cannot generate.
//! 3. Single changes that the schemas' own facts make invalid (`properties/mutation.rs`: drop a
//!    required member, change a type, break a const or enum, cross a bound, widen a closed
//!    object) are rejected, with an error at the changed pointer (or, for a missing member, at
//!    its parent with the member named). Every run checks the changes the issue names (wrong
//!    `jsonrpc`, `id: null`, bad `resultType`/`cacheScope`/task `status`, `ttlMs` below its
//!    minimum, extra members where the schema closes an object) plus random ones; one
//!    deterministic test checks every change of a few sample messages of every kind.
//!
//! Runs are deterministic: the RNG seed is fixed unless `PROPTEST_RNG_SEED` is set (and case
//! counts can be raised with `PROPTEST_CASES`).

#[path = "properties/kinds.rs"]
mod kinds;
#[path = "properties/mutation.rs"]
mod mutation;
#[path = "properties/strategies.rs"]
mod strategies;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Debug;
use std::sync::LazyLock;

use mcpcheck_schemas::wire::{
    Annotations, CacheScope, CallToolRequestParams, CallToolResult, ClientCapabilities,
    CompleteRequestParams, CompleteResult, Completion, CompletionArgument, CompletionContext,
    CompletionReference, ContentBlock, CreateTaskResult, DetailedTask, DiscoverResult,
    ElicitationCapability, ErrorObject, GetPromptRequestParams, GetPromptResult, GetTaskParams,
    GetTaskResult, Icon, Implementation, InputRequest, InputRequests, InputRequiredResult,
    InputResponses, JsonRpcErrorResponse, JsonRpcMessage, JsonRpcNotification, JsonRpcRequest,
    JsonRpcResultResponse, ListChangedCapability, ListPromptsResult, ListResourceTemplatesResult,
    ListResourcesResult, ListToolsResult, LoggingLevel, NotificationMeta, PaginatedRequestParams,
    Prompt, PromptArgument, PromptMessage, ReadResourceRequestParams, ReadResourceResult,
    RequestId, RequestMeta, RequestParams, Resource, ResourceContents, ResourceTemplate,
    ResourcesCapability, ResultMeta, Role, SamplingCapability, ServerCapabilities,
    SubscriptionFilter, SubscriptionsListenRequestParams, TASKS_EXTENSION, Task, TaskAckResult,
    TaskInfo, TaskStatus, TaskStatusNotificationParams, Tool, ToolAnnotations, UpdateTaskParams,
};
use mcpcheck_schemas::{notification_definition, result_definition, validate_def};
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::strategy::ValueTree;
use proptest::test_runner::{FileFailurePersistence, RngSeed, TestRunner};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use kinds::{Class, Kind, also_valid, kinds, messages, roots, schema_methods, validate};
use mutation::{Edit, Fact, Root, Site, apply, escape, reports, sites};
use strategies::{self as s, Mode::Wild};

/// Cases per round-trip property (one property per wire type).
const ROUND_TRIP_CASES: u32 = 64;
/// Cases of the message properties; each case covers every message kind.
const MESSAGE_CASES: u32 = 24;
/// Random schema changes checked per message kind and case (besides the named classes).
const RANDOM_SITES: usize = 4;
/// Sample messages per kind whose every schema change is checked.
const EXHAUSTIVE_SAMPLES: usize = 3;
/// The fixed seed (override with `PROPTEST_RNG_SEED`).
const SEED: u64 = 0x6d63_7063_6865_636b;

fn config(cases: u32) -> ProptestConfig {
    // `default()` reads the PROPTEST_* environment variables.
    let mut config = ProptestConfig::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = cases;
    }
    if config.rng_seed == RngSeed::Random {
        config.rng_seed = RngSeed::Fixed(SEED);
    }
    // The default (`SourceParallel`) cannot place files for integration tests; a failure is
    // recorded in `tests/properties.proptest-regressions` instead.
    config.failure_persistence = Some(Box::new(FileFailurePersistence::WithSource(
        "proptest-regressions",
    )));
    config
}

// ---------------------------------------------------------------------------------------------
// 1. Round trips

fn round_trips<T>(value: &T) -> Result<(), TestCaseError>
where
    T: Serialize + DeserializeOwned + PartialEq + Debug,
{
    let text = serde_json::to_string(value).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let back: T = serde_json::from_str(&text)
        .map_err(|e| TestCaseError::fail(format!("does not read back: {e}\n{text}")))?;
    prop_assert_eq!(&back, value, "read back differently from {}", text);
    let again = serde_json::to_string(&back).map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(again, text, "serializes differently the second time");
    Ok(())
}

macro_rules! round_trip {
    ($($name:ident: $ty:ident = $strategy:expr;)*) => {
        /// The wire types that have a round-trip property.
        const ROUND_TRIPPED: &[&str] = &[$(stringify!($ty)),*];

        proptest! {
            #![proptest_config(config(ROUND_TRIP_CASES))]
            $(
                #[test]
                fn $name(value in $strategy) {
                    round_trips::<$ty>(&value)?;
                }
            )*
        }
    };
}

round_trip! {
    request_id: RequestId = s::request_id();
    json_rpc_request: JsonRpcRequest = s::json_rpc_request(Wild);
    json_rpc_notification: JsonRpcNotification = s::json_rpc_notification(Wild);
    json_rpc_result_response: JsonRpcResultResponse = s::json_rpc_result_response(Wild);
    json_rpc_error_response: JsonRpcErrorResponse = s::json_rpc_error_response(Wild);
    error_object: ErrorObject = s::error_object(Wild);
    json_rpc_message: JsonRpcMessage = s::json_rpc_message(Wild);
    logging_level: LoggingLevel = s::logging_level();
    request_meta: RequestMeta = s::request_meta(Wild);
    result_meta: ResultMeta = s::result_meta(Wild);
    notification_meta: NotificationMeta = s::notification_meta();
    icon: Icon = s::icon(Wild);
    implementation: Implementation = s::implementation(Wild);
    sampling_capability: SamplingCapability = s::sampling_capability(Wild);
    elicitation_capability: ElicitationCapability = s::elicitation_capability(Wild);
    client_capabilities: ClientCapabilities = s::client_capabilities(Wild);
    list_changed_capability: ListChangedCapability = s::list_changed_capability();
    resources_capability: ResourcesCapability = s::resources_capability();
    server_capabilities: ServerCapabilities = s::server_capabilities(Wild);
    request_params: RequestParams = s::request_params(Wild);
    paginated_request_params: PaginatedRequestParams = s::paginated_request_params(Wild);
    cache_scope: CacheScope = s::cache_scope();
    discover_result: DiscoverResult = s::discover_result(Wild);
    tool_annotations: ToolAnnotations = s::tool_annotations();
    tool: Tool = s::tool(Wild);
    list_tools_result: ListToolsResult = s::list_tools_result(Wild);
    call_tool_request_params: CallToolRequestParams = s::call_tool_request_params(Wild);
    call_tool_result: CallToolResult = s::call_tool_result(Wild);
    role: Role = s::role();
    annotations: Annotations = s::annotations(Wild);
    content_block: ContentBlock = s::content_block(Wild);
    resource: Resource = s::resource(Wild);
    resource_template: ResourceTemplate = s::resource_template(Wild);
    resource_contents: ResourceContents = s::resource_contents();
    list_resources_result: ListResourcesResult = s::list_resources_result(Wild);
    list_resource_templates_result: ListResourceTemplatesResult =
        s::list_resource_templates_result(Wild);
    read_resource_request_params: ReadResourceRequestParams =
        s::read_resource_request_params(Wild);
    read_resource_result: ReadResourceResult = s::read_resource_result(Wild);
    prompt_argument: PromptArgument = s::prompt_argument();
    prompt: Prompt = s::prompt(Wild);
    list_prompts_result: ListPromptsResult = s::list_prompts_result(Wild);
    get_prompt_request_params: GetPromptRequestParams = s::get_prompt_request_params(Wild);
    prompt_message: PromptMessage = s::prompt_message(Wild);
    get_prompt_result: GetPromptResult = s::get_prompt_result(Wild);
    completion_reference: CompletionReference = s::completion_reference();
    completion_argument: CompletionArgument = s::completion_argument();
    completion_context: CompletionContext = s::completion_context();
    complete_request_params: CompleteRequestParams = s::complete_request_params(Wild);
    completion: Completion = s::completion(Wild);
    complete_result: CompleteResult = s::complete_result(Wild);
    input_request: InputRequest = s::input_request(Wild);
    input_requests: InputRequests = s::input_requests(Wild);
    input_responses: InputResponses = s::input_responses(Wild);
    input_required_result: InputRequiredResult = s::input_required_result(Wild);
    subscription_filter: SubscriptionFilter = s::subscription_filter();
    subscriptions_listen_request_params: SubscriptionsListenRequestParams =
        s::subscriptions_listen_request_params(Wild);
    task_status: TaskStatus = s::task_status();
    task_info: TaskInfo = s::task_info(Wild);
    task: Task = s::task(Wild);
    detailed_task: DetailedTask = s::detailed_task(Wild);
    create_task_result: CreateTaskResult = s::create_task_result(Wild);
    get_task_result: GetTaskResult = s::get_task_result(Wild);
    task_ack_result: TaskAckResult = s::task_ack_result(Wild);
    get_task_params: GetTaskParams = s::get_task_params(Wild);
    update_task_params: UpdateTaskParams = s::update_task_params(Wild);
    task_status_notification_params: TaskStatusNotificationParams =
        s::task_status_notification_params(Wild);
}

/// Every `pub struct` / `pub enum` of the wire modules has a round-trip property above.
#[test]
fn every_public_wire_type_has_a_round_trip_property() {
    let sources = [
        include_str!("../src/wire.rs"),
        include_str!("../src/wire/tasks.rs"),
    ];
    let mut declared = Vec::new();
    for source in sources {
        let source = source.split("#[cfg(test)]").next().unwrap();
        for line in source.lines() {
            for keyword in ["pub struct ", "pub enum "] {
                if let Some(rest) = line.trim_start().strip_prefix(keyword) {
                    let name: String = rest
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    declared.push(name);
                }
            }
        }
    }
    assert!(declared.len() > 60, "parsed {declared:?}");
    let missing: Vec<_> = declared
        .iter()
        .filter(|name| !ROUND_TRIPPED.contains(&name.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "wire types without a round-trip property: {missing:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// 2. Valid messages

/// The kinds that have a generator (all of them, says the coverage test below).
static KINDS: LazyLock<Vec<Kind>> = LazyLock::new(|| {
    kinds()
        .into_iter()
        .filter(|k| messages(k).is_some())
        .collect()
});

/// One valid message of every kind.
fn all_messages() -> Vec<BoxedStrategy<Value>> {
    KINDS.iter().map(|k| messages(k).unwrap()).collect()
}

#[test]
fn every_method_of_the_schemas_has_a_generator() {
    let kinds = kinds();
    let mut problems = Vec::new();
    for kind in &kinds {
        if messages(kind).is_none() {
            problems.push(format!("no generator of valid messages for {kind}"));
        }
    }
    let methods = schema_methods();
    let input_methods: BTreeSet<&str> = mutation::definition("InputRequest").unwrap()["properties"]
        ["method"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap())
        .collect();
    for (method, def) in &methods {
        let classes: BTreeSet<Class> = kinds
            .iter()
            .filter(|k| k.method == *method)
            .map(|k| k.class)
            .collect();
        let needed: &[Class] = if classes.contains(&Class::Request) {
            match result_definition(method) {
                Some(result) if mutation::definition(result).is_some() => {}
                other => problems.push(format!("{method}: result_definition is {other:?}")),
            }
            &[Class::Request, Class::Response]
        } else if classes.contains(&Class::Notification) {
            if notification_definition(method) != Some(def) {
                problems.push(format!(
                    "{method}: notification_definition is {:?}, the schema says {def}",
                    notification_definition(method)
                ));
            }
            &[Class::Notification]
        } else {
            if !input_methods.contains(method) {
                problems.push(format!(
                    "{method} ({def}) is neither a request, a notification nor an input request"
                ));
            }
            &[Class::InputRequest]
        };
        for class in needed {
            if !classes.contains(class) {
                problems.push(format!("{method}: no {class:?} kind"));
            }
        }
    }
    // The crate's method table (`wire::methods`, string constants) names the same methods.
    let source = include_str!("../src/wire.rs");
    let table = source
        .split_once("pub mod methods {")
        .and_then(|(_, rest)| rest.split_once("\n}\n"))
        .expect("wire.rs has a `methods` module")
        .0;
    let table: BTreeSet<&str> = table
        .split(';')
        .filter(|item| item.contains("pub const") && item.contains(": &str"))
        .filter_map(|item| item.split('"').nth(1))
        .collect();
    let in_schema: BTreeSet<&str> = methods.iter().map(|(m, _)| *m).collect();
    if table != in_schema {
        problems.push(format!(
            "wire::methods and the schemas differ: only in the table {:?}, only in the schemas {:?}",
            table.difference(&in_schema).collect::<Vec<_>>(),
            in_schema.difference(&table).collect::<Vec<_>>()
        ));
    }
    assert!(problems.is_empty(), "{problems:#?}");
    // The generator tables do not answer for a method they do not know.
    let unknown = Kind {
        class: Class::Request,
        method: "tools/frobnicate",
        def: "FrobnicateRequest",
        envelope: None,
    };
    assert!(messages(&unknown).is_none());
    let count = |class| kinds.iter().filter(|k| k.class == class).count();
    eprintln!(
        "{} methods in the schemas; {} message kinds: {} requests, {} complete responses, {} \
         input_required responses, {} task results, {} error kinds, {} notifications, {} input \
         requests, {} input responses",
        methods.len(),
        kinds.len(),
        count(Class::Request),
        count(Class::Response),
        count(Class::InputRequired),
        count(Class::TaskCreated),
        count(Class::ErrorResponse),
        count(Class::Notification),
        count(Class::InputRequest),
        count(Class::InputResponse),
    );
    assert_eq!(KINDS.len(), kinds.len());
}

fn check_valid(kind: &Kind, message: &Value) -> Result<(), String> {
    let errors = validate(kind, message);
    if !errors.is_empty() {
        return Err(format!(
            "{kind}: valid message rejected: {errors:#?}\n{message:#}"
        ));
    }
    let mut checks: Vec<(String, &str)> = roots(kind, message)
        .into_iter()
        .map(|r| (r.prefix, r.def))
        .collect();
    checks.extend(also_valid(kind).into_iter().map(|(p, d)| (p.to_owned(), d)));
    for (prefix, def) in checks {
        let part = message.pointer(&prefix).expect("root exists");
        let errors = validate_def(def, part).unwrap();
        if !errors.is_empty() {
            return Err(format!(
                "{kind}: valid message rejected by {def} at `{prefix}`: {errors:#?}\n{message:#}"
            ));
        }
    }
    // The envelope wire types read every valid message back unchanged.
    if !matches!(kind.class, Class::InputRequest | Class::InputResponse) {
        let text = message.to_string();
        let parsed: JsonRpcMessage =
            serde_json::from_str(&text).map_err(|e| format!("{kind}: {e}\n{text}"))?;
        let again = serde_json::to_string(&parsed).unwrap();
        if again != text {
            return Err(format!(
                "{kind}: JsonRpcMessage changed it:\n{text}\n{again}"
            ));
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(MESSAGE_CASES))]

    #[test]
    fn valid_messages_pass(messages in all_messages()) {
        for (kind, message) in KINDS.iter().zip(&messages) {
            check_valid(kind, message).map_err(TestCaseError::fail)?;
        }
    }

    #[test]
    fn mutated_messages_fail(
        messages in all_messages(),
        picks in proptest::collection::vec(any::<Index>(), RANDOM_SITES * KINDS.len()),
    ) {
        for (i, (kind, message)) in KINDS.iter().zip(&messages).enumerate() {
            let roots = roots(kind, message);
            let (sites, _) = sites(message, &roots);
            prop_assert!(!sites.is_empty(), "{}: no schema change found", kind);
            let named = sites.iter().filter(|s| named_class(s).is_some());
            let random = picks[i * RANDOM_SITES..(i + 1) * RANDOM_SITES]
                .iter()
                .map(|pick| &sites[pick.index(sites.len())]);
            for site in named.chain(random) {
                check_invalid(kind, message, &roots, site).map_err(TestCaseError::fail)?;
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 3. Invalid messages

/// The mutation classes the issue names, by the fact and the member they change.
fn named_class(site: &Site) -> Option<&'static str> {
    let member = site.target.rsplit('/').next().unwrap_or("");
    Some(match (site.fact, member) {
        (Fact::Const, "jsonrpc") if site.target == "/jsonrpc" => "wrong jsonrpc version",
        (Fact::Type, "id") if site.target == "/id" && site.edit == Edit::Replace(Value::Null) => {
            "null id"
        }
        (Fact::Const | Fact::Enum, "resultType") => "bad resultType",
        (Fact::Enum, "cacheScope") => "bad cacheScope",
        (Fact::Enum, "status") => "bad task status",
        (Fact::Minimum, "ttlMs") => "ttlMs below its minimum",
        (Fact::AdditionalProperties | Fact::MaxProperties, _) => "member added to a closed object",
        _ => return None,
    })
}

/// `site` applied to `message` is rejected by the root's definition and, unless the change
/// touches a dispatch key, by the message-level validator; both name the changed pointer.
fn check_invalid(kind: &Kind, message: &Value, roots: &[Root], site: &Site) -> Result<(), String> {
    let mutated = apply(message, site);
    let root = &roots[site.root];
    let part = mutated
        .pointer(&root.prefix)
        .ok_or_else(|| format!("{kind}: {site}: removed the root {}", root.prefix))?;
    let errors = validate_def(root.def, part).unwrap();
    if !reports(&errors, site, &root.prefix) {
        return Err(format!(
            "{kind}: {site}: validate_def({}) at `{}` does not report it: {errors:#?}\n{mutated:#}",
            root.def, root.prefix
        ));
    }
    if !site.guarded {
        let errors = validate(kind, &mutated);
        if !reports(&errors, site, "") {
            return Err(format!(
                "{kind}: {site}: the message-level validator does not report it: {errors:#?}\n{mutated:#}"
            ));
        }
    }
    Ok(())
}

/// A few valid messages of every kind, the same on every run.
fn samples(per_kind: usize) -> Vec<(Kind, Value)> {
    let mut runner = TestRunner::deterministic();
    let mut out = Vec::new();
    for kind in KINDS.iter() {
        let strategy = messages(kind).unwrap();
        for _ in 0..per_kind {
            let message = strategy.new_tree(&mut runner).unwrap().current();
            out.push((*kind, message));
        }
    }
    out
}

/// Every schema change of every sample message is rejected.
#[test]
fn every_schema_fact_of_sample_messages_is_enforced() {
    let mut failures = Vec::new();
    let mut checked = 0usize;
    let mut by_fact: BTreeMap<Fact, usize> = BTreeMap::new();
    for (kind, message) in samples(EXHAUSTIVE_SAMPLES) {
        if let Err(e) = check_valid(&kind, &message) {
            failures.push(e);
            continue;
        }
        let roots = roots(&kind, &message);
        let (sites, _) = sites(&message, &roots);
        for site in &sites {
            checked += 1;
            *by_fact.entry(site.fact).or_default() += 1;
            if let Err(e) = check_invalid(&kind, &message, &roots, site) {
                failures.push(e);
            }
        }
    }
    eprintln!("checked {checked} schema changes: {by_fact:?}");
    assert!(
        failures.is_empty(),
        "{} failures, the first ones:\n{}",
        failures.len(),
        failures
            .iter()
            .take(8)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n\n")
    );
}

/// Every definition of a message or message part (requests, results, notifications, error
/// responses) is walked from some kind, so a new definition without a generator is noticed.
#[test]
fn every_message_definition_is_exercised() {
    let mut visited = BTreeSet::new();
    for (kind, message) in samples(EXHAUSTIVE_SAMPLES) {
        let (_, defs) = sites(&message, &roots(&kind, &message));
        visited.extend(defs);
        visited.extend(also_valid(&kind).into_iter().map(|(_, d)| d));
    }
    let families = [
        "Request",
        "Result",
        "Notification",
        "ResultResponse",
        "Error",
    ];
    let missing: Vec<&str> = mcpcheck_schemas::definitions()
        .filter(|name| families.iter().any(|f| name.ends_with(f)))
        .filter(|name| !visited.contains(name))
        .collect();
    assert!(
        missing.is_empty(),
        "definitions no message exercises: {missing:?}"
    );
}

/// `null` where a member may hold any value survives a round trip (it used to be read as an
/// absent member, so `"data": null` disappeared when a message was read and written again).
#[test]
fn null_members_survive_a_round_trip() {
    let error = r#"{"code":-32603,"message":"boom","data":null}"#;
    let parsed: ErrorObject = serde_json::from_str(error).unwrap();
    assert_eq!(parsed.data, Some(Value::Null));
    assert_eq!(serde_json::to_string(&parsed).unwrap(), error);
    let result = r#"{"resultType":"complete","content":[],"structuredContent":null}"#;
    let parsed: CallToolResult = serde_json::from_str(result).unwrap();
    assert_eq!(parsed.structured_content, Some(Value::Null));
    assert_eq!(serde_json::to_string(&parsed).unwrap(), result);
    // Inside a task (flattened, internally tagged) too.
    let task = r#"{"resultType":"complete","status":"failed","taskId":"t","createdAt":"a","lastUpdatedAt":"b","ttlMs":null,"error":{"code":1,"message":"m","data":null}}"#;
    let parsed: GetTaskResult = serde_json::from_str(task).unwrap();
    assert_eq!(serde_json::to_string(&parsed).unwrap(), task);
    // Absent stays absent.
    let parsed: ErrorObject = serde_json::from_str(r#"{"code":1,"message":"m"}"#).unwrap();
    assert_eq!(parsed.data, None);
}

/// The mutation classes the issue names are among the generated changes of the kinds they
/// apply to, and are rejected.
#[test]
fn the_named_mutation_classes_are_generated() {
    let mut found: BTreeMap<Kind, BTreeSet<&str>> = BTreeMap::new();
    // Kinds whose messages carry a task (and so its `status`).
    let mut tasks = BTreeSet::new();
    for (kind, message) in samples(EXHAUSTIVE_SAMPLES) {
        if ["/result/status", "/params/status"]
            .iter()
            .any(|p| message.pointer(p).is_some())
        {
            tasks.insert(kind);
        }
        let (sites, _) = sites(&message, &roots(&kind, &message));
        found
            .entry(kind)
            .or_default()
            .extend(sites.iter().filter_map(named_class));
    }
    let mut problems = Vec::new();
    for (kind, classes) in &found {
        let mut needed = vec!["wrong jsonrpc version"];
        match kind.class {
            Class::Request => needed.push("null id"),
            Class::Response | Class::InputRequired | Class::TaskCreated => {
                needed.extend(["null id", "bad resultType"]);
                let required = mutation::definition(kind.def).unwrap()["required"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
                if kind.class == Class::Response && required.contains(&"cacheScope".into()) {
                    needed.extend(["bad cacheScope", "ttlMs below its minimum"]);
                }
            }
            Class::InputRequest | Class::InputResponse => needed.clear(),
            Class::ErrorResponse | Class::Notification => {}
        }
        if tasks.contains(kind) {
            needed.push("bad task status");
        }
        for class in needed {
            if !classes.contains(class) {
                problems.push(format!("{kind}: no `{class}` change ({classes:?})"));
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");

    // The one closed object of the schemas: the tasks extension's capability value.
    let kind = *KINDS
        .iter()
        .find(|k| k.class == Class::Response && k.method == "server/discover")
        .unwrap();
    let (_, mut message) = samples(1).into_iter().find(|(k, _)| *k == kind).unwrap();
    message["result"]["capabilities"]["extensions"] = serde_json::json!({TASKS_EXTENSION: {}});
    let roots = roots(&kind, &message);
    let (sites, _) = sites(&message, &roots);
    let closed: Vec<&Site> = sites
        .iter()
        .filter(|s| named_class(s) == Some("member added to a closed object"))
        .collect();
    let pointer = format!(
        "/result/capabilities/extensions/{}",
        escape(TASKS_EXTENSION)
    );
    assert!(
        closed.iter().any(|s| s.target == pointer),
        "{:#?}",
        closed.iter().map(ToString::to_string).collect::<Vec<_>>()
    );
    for site in closed {
        check_invalid(&kind, &message, &roots, site).unwrap();
    }
}
