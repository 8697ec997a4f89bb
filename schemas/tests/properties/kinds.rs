//! The message kinds of the revision and of the tasks extension, read from mcpcheck's schemas,
//! with a generator of valid messages for each, the definitions the mutation walk starts from,
//! and the message-level validator that must accept the valid messages and reject the mutated
//! ones.

use mcpcheck_schemas::wire::{
    JsonRpcErrorResponse, JsonRpcRequest, JsonRpcResultResponse, methods,
};
use mcpcheck_schemas::{
    SchemaError, TASKS_EXTENSION, definitions, result_definition, tasks_result_types, validate_def,
    validate_notification, validate_response, validate_response_declared,
};
use proptest::prelude::*;
use serde_json::{Value, json};

use crate::mutation::{Root, definition, escape};
use crate::strategies::{self as s, Mode::Valid};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Class {
    /// A client request (`def`: its request definition).
    Request,
    /// The complete result of `method` in a response (`def`: the result definition).
    Response,
    /// An `input_required` result of a method whose response definition allows one.
    InputRequired,
    /// A `tools/call` answered with a task (`resultType` of the tasks extension, declared).
    TaskCreated,
    /// An error response (`def`: the generic envelope, an error-code definition or an MCP error
    /// response definition).
    ErrorResponse,
    /// A server notification.
    Notification,
    /// A request embedded in an `InputRequiredResult` (`elicitation/create`, ...).
    InputRequest,
    /// The client's answer to one (`ElicitResult`, ...).
    InputResponse,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Kind {
    pub class: Class,
    /// The method, where the kind has one.
    pub method: &'static str,
    pub def: &'static str,
    /// The `*ResultResponse` envelope definition of the method, if the schema has one.
    pub envelope: Option<&'static str>,
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?} {} ({})", self.class, self.method, self.def)
    }
}

fn all_defs() -> impl Iterator<Item = (&'static str, &'static Value)> {
    definitions().map(|name| (name, definition(name).expect("listed definitions exist")))
}

/// Names of the definitions `$ref`ed from the `allOf` of `schema`.
fn all_of_refs(schema: &Value) -> Vec<&str> {
    schema
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|branch| branch.get("$ref").and_then(Value::as_str))
        .map(|r| r.rsplit('/').next().unwrap())
        .collect()
}

fn ref_name(schema: &Value) -> Option<&str> {
    schema
        .get("$ref")
        .and_then(Value::as_str)
        .map(|r| r.rsplit('/').next().unwrap())
}

fn method_const(schema: &'static Value) -> Option<&'static str> {
    schema
        .pointer("/properties/method/const")
        .and_then(Value::as_str)
}

fn exists(name: &str) -> bool {
    definition(name).is_some()
}

fn static_name(name: &str) -> &'static str {
    definitions()
        .find(|n| *n == name)
        .unwrap_or_else(|| panic!("no definition {name}"))
}

/// Every method the schemas define (a `method` const), with its definition.
pub fn schema_methods() -> Vec<(&'static str, &'static str)> {
    all_defs()
        .filter_map(|(name, d)| method_const(d).map(|m| (m, name)))
        .collect()
}

/// The message kinds, derived from the schemas: every request method (request, complete
/// response, `input_required` response where its response definition dispatches to
/// `InputRequiredResult`), every notification, every embedded input request and response,
/// every error definition, and the extension result types of `tasks_result_types()`.
pub fn kinds() -> Vec<Kind> {
    let mut out = Vec::new();
    for (name, d) in all_defs() {
        let refs = all_of_refs(d);
        if let Some(method) = method_const(d) {
            if refs.contains(&"JSONRPCRequest") {
                out.push(Kind {
                    class: Class::Request,
                    method,
                    def: name,
                    envelope: None,
                });
                let envelope = name
                    .strip_suffix("Request")
                    .map(|stem| format!("{stem}ResultResponse"))
                    .filter(|e| exists(e))
                    .map(|e| static_name(&e));
                out.push(Kind {
                    class: Class::Response,
                    method,
                    def: result_definition(method).unwrap_or("<no result_definition>"),
                    envelope,
                });
                let outcome = envelope
                    .and_then(definition)
                    .and_then(|e| e.pointer("/properties/result"))
                    .and_then(ref_name)
                    .and_then(definition);
                if outcome
                    .and_then(|o| o.get("then"))
                    .and_then(ref_name)
                    .is_some_and(|t| t == "InputRequiredResult")
                {
                    out.push(Kind {
                        class: Class::InputRequired,
                        method,
                        def: "InputRequiredResult",
                        envelope,
                    });
                }
            } else if refs.contains(&"JSONRPCNotification") {
                out.push(Kind {
                    class: Class::Notification,
                    method,
                    def: name,
                    envelope: None,
                });
            } else {
                out.push(Kind {
                    class: Class::InputRequest,
                    method,
                    def: name,
                    envelope: None,
                });
            }
        }
        if name == "JSONRPCErrorResponse"
            || refs.contains(&"JSONRPCErrorResponse")
            || refs.contains(&"Error")
        {
            out.push(Kind {
                class: Class::ErrorResponse,
                method: "",
                def: name,
                envelope: None,
            });
        }
    }
    let responses = definition("InputResponse").expect("InputResponse")["anyOf"]
        .as_array()
        .expect("InputResponse is a union");
    for branch in responses {
        let name = static_name(ref_name(branch).expect("a $ref"));
        out.push(Kind {
            class: Class::InputResponse,
            method: "",
            def: name,
            envelope: None,
        });
    }
    for extension in tasks_result_types() {
        out.push(Kind {
            class: Class::TaskCreated,
            method: methods::TOOLS_CALL,
            def: extension
                .definition
                .expect("the tasks extension names its definition"),
            envelope: None,
        });
    }
    out.sort();
    out
}

fn request(method: &'static str, params: BoxedStrategy<Value>) -> BoxedStrategy<Value> {
    (s::request_id(), params)
        .prop_map(move |(id, params)| {
            json!(JsonRpcRequest {
                jsonrpc: "2.0".into(),
                id,
                method: method.into(),
                params: Some(params),
            })
        })
        .boxed()
}

fn response(result: BoxedStrategy<Value>) -> BoxedStrategy<Value> {
    (s::request_id(), result)
        .prop_map(|(id, result)| {
            json!(JsonRpcResultResponse {
                jsonrpc: "2.0".into(),
                id,
                result
            })
        })
        .boxed()
}

fn notification(
    method: &'static str,
    params: BoxedStrategy<Option<Value>>,
) -> BoxedStrategy<Value> {
    params
        .prop_map(move |params| {
            let mut message = json!({"jsonrpc": "2.0", "method": method});
            if let Some(params) = params {
                message["params"] = params;
            }
            message
        })
        .boxed()
}

fn json_of<T: serde::Serialize + std::fmt::Debug + 'static>(
    strategy: BoxedStrategy<T>,
) -> BoxedStrategy<Value> {
    strategy.prop_map(|v| json!(v)).boxed()
}

fn some(strategy: BoxedStrategy<Value>) -> BoxedStrategy<Option<Value>> {
    strategy.prop_map(Some).boxed()
}

fn request_params(method: &str) -> Option<BoxedStrategy<Value>> {
    Some(match method {
        methods::SERVER_DISCOVER => json_of(s::request_params(Valid)),
        methods::TOOLS_LIST
        | methods::RESOURCES_LIST
        | methods::RESOURCES_TEMPLATES_LIST
        | methods::PROMPTS_LIST => json_of(s::paginated_request_params(Valid)),
        methods::TOOLS_CALL => json_of(s::call_tool_request_params(Valid)),
        methods::RESOURCES_READ => json_of(s::read_resource_request_params(Valid)),
        methods::PROMPTS_GET => json_of(s::get_prompt_request_params(Valid)),
        methods::COMPLETION_COMPLETE => json_of(s::complete_request_params(Valid)),
        methods::SUBSCRIPTIONS_LISTEN => json_of(s::subscriptions_listen_request_params(Valid)),
        methods::TASKS_GET | methods::TASKS_CANCEL => json_of(s::get_task_params(Valid)),
        methods::TASKS_UPDATE => json_of(s::update_task_params(Valid)),
        _ => return None,
    })
}

fn complete_result(method: &str) -> Option<BoxedStrategy<Value>> {
    Some(match method {
        methods::SERVER_DISCOVER => json_of(s::discover_result(Valid)),
        methods::TOOLS_LIST => json_of(s::list_tools_result(Valid)),
        methods::TOOLS_CALL => json_of(s::call_tool_result(Valid)),
        methods::RESOURCES_LIST => json_of(s::list_resources_result(Valid)),
        methods::RESOURCES_TEMPLATES_LIST => json_of(s::list_resource_templates_result(Valid)),
        methods::RESOURCES_READ => json_of(s::read_resource_result(Valid)),
        methods::PROMPTS_LIST => json_of(s::list_prompts_result(Valid)),
        methods::PROMPTS_GET => json_of(s::get_prompt_result(Valid)),
        methods::COMPLETION_COMPLETE => json_of(s::complete_result(Valid)),
        methods::SUBSCRIPTIONS_LISTEN => s::subscriptions_listen_result(),
        methods::TASKS_GET => json_of(s::get_task_result(Valid)),
        methods::TASKS_UPDATE | methods::TASKS_CANCEL => json_of(s::task_ack_result(Valid)),
        _ => return None,
    })
}

fn notification_params(method: &str) -> Option<BoxedStrategy<Option<Value>>> {
    Some(match method {
        methods::NOTIFICATION_PROGRESS => some(s::progress_params()),
        methods::NOTIFICATION_MESSAGE => some(s::logging_message_params()),
        methods::NOTIFICATION_CANCELLED => some(s::cancelled_params()),
        methods::NOTIFICATION_TOOLS_LIST_CHANGED
        | methods::NOTIFICATION_PROMPTS_LIST_CHANGED
        | methods::NOTIFICATION_RESOURCES_LIST_CHANGED => s::list_changed_params(),
        methods::NOTIFICATION_RESOURCES_UPDATED => some(s::resource_updated_params()),
        methods::NOTIFICATION_SUBSCRIPTIONS_ACKNOWLEDGED => {
            some(s::subscriptions_acknowledged_params())
        }
        methods::NOTIFICATION_TASKS => some(json_of(s::task_status_notification_params(Valid))),
        _ => return None,
    })
}

fn input_request(method: &'static str) -> Option<BoxedStrategy<Value>> {
    let params: BoxedStrategy<Option<Value>> = match method {
        methods::ELICITATION_CREATE => {
            some(prop_oneof![s::elicit_form_params(), s::elicit_url_params()].boxed())
        }
        methods::SAMPLING_CREATE_MESSAGE => some(s::create_message_params()),
        methods::ROOTS_LIST => s::roots_params(),
        _ => return None,
    };
    Some(
        params
            .prop_map(move |params| {
                let mut message = json!({"method": method});
                if let Some(params) = params {
                    message["params"] = params;
                }
                message
            })
            .boxed(),
    )
}

fn input_response(def: &str) -> Option<BoxedStrategy<Value>> {
    Some(match def {
        "ElicitResult" => s::elicit_result(),
        "CreateMessageResult" => s::create_message_result(),
        "ListRootsResult" => s::list_roots_result(),
        _ => return None,
    })
}

/// The code and `data` of an error definition: a pinned `code` const, and a `data` shape where
/// the definition requires one.
fn error_response(def: &'static str) -> Option<BoxedStrategy<Value>> {
    let schema = definition(def)?;
    let code = schema
        .pointer("/properties/error/properties/code/const")
        .or_else(|| schema.pointer("/properties/code/const"))
        .and_then(Value::as_i64);
    let data: BoxedStrategy<Option<Value>> = match def {
        "MissingRequiredClientCapabilityError" => some(s::missing_capability_data()),
        "UnsupportedProtocolVersionError" => some(s::unsupported_version_data()),
        "HeaderMismatchError"
        | "JSONRPCErrorResponse"
        | "ParseError"
        | "InvalidRequestError"
        | "MethodNotFoundError"
        | "InvalidParamsError"
        | "InternalError" => s::maybe_value(),
        _ => return None,
    };
    Some(
        (s::json_rpc_error_response(Valid), data)
            .prop_map(move |(mut response, data): (JsonRpcErrorResponse, _)| {
                if let Some(code) = code {
                    response.error.code = code;
                }
                response.error.data = data;
                json!(response)
            })
            .boxed(),
    )
}

/// Valid messages of `kind`, if this file has a generator for it.
pub fn messages(kind: &Kind) -> Option<BoxedStrategy<Value>> {
    match kind.class {
        Class::Request => request_params(kind.method).map(|p| request(kind.method, p)),
        Class::Response => complete_result(kind.method).map(response),
        Class::InputRequired => Some(response(json_of(s::input_required_result(Valid)))),
        Class::TaskCreated => (kind.def == "CreateTaskResult")
            .then(|| response(json_of(s::create_task_result(Valid)))),
        Class::ErrorResponse => error_response(kind.def),
        Class::Notification => {
            notification_params(kind.method).map(|p| notification(kind.method, p))
        }
        Class::InputRequest => input_request(kind.method),
        Class::InputResponse => input_response(kind.def),
    }
}

/// Where the mutation walk starts for a message of `kind`.
pub fn roots(kind: &Kind, message: &Value) -> Vec<Root> {
    match kind.class {
        Class::Request => vec![Root::new("", kind.def)],
        Class::Response | Class::InputRequired | Class::TaskCreated => {
            // The envelope definition of the method where there is one (it may dispatch on
            // `resultType`, which hides the pinned value: the result definition states it).
            let envelope = match kind.envelope {
                Some(envelope) if kind.class != Class::TaskCreated => envelope,
                _ => "JSONRPCResultResponse",
            };
            let mut roots = vec![Root::new("", envelope), Root::new("/result", kind.def)];
            // validate_response checks the tasks extension's capability value on discovery.
            if kind.method == methods::SERVER_DISCOVER
                && message
                    .pointer("/result/capabilities/extensions")
                    .and_then(|e| e.get(TASKS_EXTENSION))
                    .is_some()
            {
                roots.push(Root::new(
                    &format!(
                        "/result/capabilities/extensions/{}",
                        escape(TASKS_EXTENSION)
                    ),
                    "TasksExtensionCapability",
                ));
            }
            roots
        }
        Class::ErrorResponse => {
            let mut roots = vec![Root::new("", "JSONRPCErrorResponse")];
            if kind.def != "JSONRPCErrorResponse" {
                // The message-level validator picks the specific definition by code.
                let prefix = if all_of_refs(definition(kind.def).unwrap()).contains(&"Error") {
                    "/error"
                } else {
                    ""
                };
                roots.push(Root::new(prefix, kind.def).guarded("/error/code"));
            }
            roots
        }
        Class::Notification => {
            // validate_notification picks the definition by method.
            let mut roots = vec![Root::new("", kind.def).guarded("/method")];
            if kind.method == methods::NOTIFICATION_SUBSCRIPTIONS_ACKNOWLEDGED
                && message
                    .pointer("/params/notifications")
                    .is_some_and(Value::is_object)
            {
                roots.push(Root::new(
                    "/params/notifications",
                    "TaskSubscriptionAcknowledgedNotifications",
                ));
            }
            roots
        }
        Class::InputRequest => vec![Root::new("", "InputRequest")],
        Class::InputResponse => vec![Root::new("", kind.def)],
    }
}

/// The message-level verdict on `message` as a message of `kind`.
pub fn validate(kind: &Kind, message: &Value) -> Vec<SchemaError> {
    let def = |name: &str| validate_def(name, message).expect("known definition");
    match kind.class {
        Class::Request => def(kind.def),
        Class::Response | Class::InputRequired => validate_response(kind.method, message),
        Class::TaskCreated => validate_response_declared(kind.method, message, &[TASKS_EXTENSION]),
        Class::ErrorResponse => validate_response(methods::TOOLS_CALL, message),
        Class::Notification => validate_notification(message),
        Class::InputRequest => def("InputRequest"),
        Class::InputResponse => def(kind.def),
    }
}

/// Further definitions a valid message of `kind` must satisfy (beyond its roots).
pub fn also_valid(kind: &Kind) -> Vec<(&'static str, &'static str)> {
    match kind.class {
        Class::InputResponse => vec![("", "InputResponse")],
        Class::InputRequest => vec![("", kind.def)],
        Class::Request => {
            let params = format!("{}Params", kind.def);
            if exists(&params) {
                vec![("/params", static_name(&params))]
            } else {
                vec![]
            }
        }
        _ => vec![],
    }
}
