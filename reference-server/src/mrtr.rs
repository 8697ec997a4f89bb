//! Multi round-trip requests (MRTR, `InputRequiredResult`, §5 MRTR-01..16): the sealed
//! `requestState`, reading `inputResponses`, and the `test_input_required_result_*` fixtures.
//!
//! `requestState` format (opaque to clients): `base64url(payload) "." base64url(tag)` (no
//! padding), where `payload` is the JSON text
//! `{"v":1,"m":method,"n":name-or-uri,"a":hex(sha256(canonical arguments JSON)),"exp":unix-ms,"d":data}`
//! and `tag` = HMAC-SHA256(key, payload). The key belongs to the server instance: the
//! configured key (`Config::state_key`), else `MCPCHECK_STATE_KEY` (any string; instances
//! sharing it accept each other's states), else with a Redis task store a key shared through
//! Redis, else random per instance. The state
//! expires after `MCPCHECK_STATE_TTL_MS` (default 10 minutes). A state that fails the tag check,
//! has expired, or is bound to another method / name / arguments is rejected with -32602
//! "invalid requestState" (HTTP 200; `data.reason` says why).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use futures_util::StreamExt as _;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::faults::FaultKind as F;
use crate::fixtures::{Ctx, add_cache_hints};
use crate::rpc::{LiveEvent, LiveStream, Outcome, RpcError, notification};

/// Environment variable holding the `requestState` HMAC key.
pub const STATE_KEY_ENV: &str = "MCPCHECK_STATE_KEY";
/// Environment variable overriding the `requestState` lifetime (milliseconds).
pub const STATE_TTL_ENV: &str = "MCPCHECK_STATE_TTL_MS";
/// Default `requestState` lifetime: 10 minutes.
pub const DEFAULT_STATE_TTL_MS: u64 = 600_000;

/// Under `duplicate-input-keys`, an `inputRequests` key starting with this marker is written to
/// the wire without it (see [`wire_text`]), so the raw JSON text repeats a key.
const DUP_MARK: &str = "__mcpcheck_duplicate_key__";
/// A `resultType` value that `finish_result` removes (`input-required-no-result-type`).
pub const OMIT_RESULT_TYPE: &str = "__mcpcheck_omit_result_type__";

/// How long the `input-required-stream-left-open` fault keeps the SSE stream open.
const LINGER: Duration = Duration::from_secs(5);

/// The JSON text of a message as sent (applies the `duplicate-input-keys` marker).
pub fn wire_text(message: &Value) -> String {
    let text = message.to_string();
    if text.contains(DUP_MARK) {
        text.replace(&format!("\"{DUP_MARK}"), "\"")
    } else {
        text
    }
}

/// The `requestState` key from [`STATE_KEY_ENV`], if set (non-empty).
pub fn env_state_key() -> Option<Vec<u8>> {
    match std::env::var(STATE_KEY_ENV) {
        Ok(k) if !k.is_empty() => Some(k.into_bytes()),
        _ => None,
    }
}

/// 32 bytes from randomly seeded hashers (std seeds them from the OS RNG; every call differs).
pub fn random_key() -> Vec<u8> {
    use std::hash::BuildHasher as _;
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let mut seed = Vec::new();
    for i in 0..4u32 {
        let s = std::collections::hash_map::RandomState::new();
        seed.extend_from_slice(&s.hash_one((i, nanos, std::process::id())).to_le_bytes());
    }
    Sha256::digest(&seed).to_vec()
}

fn ttl_ms() -> u64 {
    static TTL: OnceLock<u64> = OnceLock::new();
    *TTL.get_or_init(|| {
        std::env::var(STATE_TTL_ENV)
            .ok()
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(DEFAULT_STATE_TTL_MS)
    })
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or_default()
}

/// JSON text with object keys sorted (so equal arguments digest equally).
fn canonical(v: &Value) -> String {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            let parts: Vec<String> = keys
                .iter()
                .map(|k| format!("{}:{}", Value::String((*k).clone()), canonical(&m[*k])))
                .collect();
            format!("{{{}}}", parts.join(","))
        }
        Value::Array(a) => format!(
            "[{}]",
            a.iter().map(canonical).collect::<Vec<_>>().join(",")
        ),
        other => other.to_string(),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What a `requestState` is bound to: the method, the tool / prompt name or resource URI, and
/// a digest of the arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Binding {
    method: String,
    name: String,
    args: String,
}

impl Binding {
    pub(crate) fn of(method: &str, params: &Map<String, Value>) -> Binding {
        let name_field = if method == "resources/read" {
            "uri"
        } else {
            "name"
        };
        let args = match params.get("arguments") {
            None | Some(Value::Null) => json!({}),
            Some(v) => v.clone(),
        };
        Binding {
            method: method.to_string(),
            name: params
                .get(name_field)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
            args: hex(&Sha256::digest(canonical(&args).as_bytes())),
        }
    }

    fn matches(&self, payload: &Value) -> bool {
        payload["m"] == self.method.as_str()
            && payload["n"] == self.name.as_str()
            && payload["a"] == self.args.as_str()
    }
}

fn mac(key: &[u8], payload: &[u8]) -> Hmac<Sha256> {
    let mut m =
        <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("HMAC accepts keys of any length");
    m.update(payload);
    m
}

/// Seals `data` into a `requestState` bound to `binding`.
pub(crate) fn seal(key: &[u8], binding: &Binding, data: &Value) -> String {
    let payload = json!({
        "v": 1,
        "m": binding.method,
        "n": binding.name,
        "a": binding.args,
        "exp": now_ms() + ttl_ms(),
        "d": data,
    })
    .to_string();
    let tag = mac(key, payload.as_bytes()).finalize().into_bytes();
    format!("{}.{}", B64URL.encode(&payload), B64URL.encode(tag))
}

/// Which checks [`open`] makes (fault modes switch some off).
pub(crate) struct Verify {
    pub(crate) tag: bool,
    pub(crate) binding: bool,
    pub(crate) expiry: bool,
}

/// The data of a sealed state, or why it is rejected.
pub(crate) fn open(
    key: &[u8],
    state: &str,
    binding: &Binding,
    verify: Verify,
) -> Result<Value, &'static str> {
    let (payload_b64, tag_b64) = state.split_once('.').ok_or("malformed")?;
    let decoded = B64URL
        .decode(payload_b64)
        .ok()
        .and_then(|p| String::from_utf8(p).ok());
    if verify.tag {
        let payload = decoded.as_deref().ok_or("malformed")?;
        let tag = B64URL.decode(tag_b64).map_err(|_| "malformed")?;
        mac(key, payload.as_bytes())
            .verify_slice(&tag)
            .map_err(|_| "integrity check failed")?;
    }
    let Some(payload) = decoded.and_then(|p| serde_json::from_str::<Value>(&p).ok()) else {
        // Only reachable when the tag is not checked (`tampered-state-accepted`).
        return Ok(json!({}));
    };
    if verify.expiry && payload["exp"].as_u64().is_none_or(|exp| now_ms() > exp) {
        return Err("expired");
    }
    if verify.binding && !binding.matches(&payload) {
        return Err("bound to another request (method, name or arguments differ)");
    }
    Ok(payload.get("d").cloned().unwrap_or(json!({})))
}

/// `state-in-memory`: states are ids into this map, keyed by (connection, id).
type Memory = Mutex<HashMap<(u64, String), (Binding, Value)>>;

fn memory() -> &'static Memory {
    static MEMORY: OnceLock<Memory> = OnceLock::new();
    MEMORY.get_or_init(Mutex::default)
}

static NEXT_MEMORY_ID: AtomicU64 = AtomicU64::new(1);

fn invalid_state(reason: &str) -> RpcError {
    RpcError::invalid_params("invalid requestState").with_data(json!({"reason": reason}))
}

/// Keys any MRTR fixture asks for (`extra-keys-rejected` treats other keys as unknown).
const KNOWN_KEYS: &[&str] = &[
    "user_name",
    "capital_question",
    "client_roots",
    "confirm",
    "greeting",
    "step1",
    "step2",
    "user_context",
    "authorization",
    "tool_filter",
];

/// The kind of input request an answer belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Elicit,
    Sample,
    Roots,
}

impl Kind {
    fn result_name(self) -> &'static str {
        match self {
            Kind::Elicit => "ElicitResult",
            Kind::Sample => "CreateMessageResult",
            Kind::Roots => "ListRootsResult",
        }
    }

    /// Whether `v` has the shape of this kind's result.
    pub(crate) fn valid(self, v: &Value) -> bool {
        let Some(o) = v.as_object() else {
            return false;
        };
        match self {
            Kind::Elicit => {
                matches!(
                    o.get("action").and_then(Value::as_str),
                    Some("accept" | "decline" | "cancel")
                ) && o.get("content").is_none_or(Value::is_object)
            }
            Kind::Sample => match o.get("content") {
                Some(Value::Object(c)) => c.get("type").is_some_and(Value::is_string),
                Some(Value::Array(cs)) => cs
                    .iter()
                    .all(|c| c.get("type").is_some_and(Value::is_string)),
                _ => false,
            },
            Kind::Roots => o.get("roots").and_then(Value::as_array).is_some_and(|rs| {
                rs.iter()
                    .all(|r| r.get("uri").is_some_and(Value::is_string))
            }),
        }
    }
}

enum Responses {
    Absent,
    Given(Map<String, Value>),
    /// Malformed `inputResponses` accepted (`malformed-responses-accepted`).
    Garbage,
}

/// One MRTR-capable request: its verified state and its input responses.
pub struct Mrtr<'a> {
    ctx: &'a Ctx<'a>,
    binding: Binding,
    responses: Responses,
    /// The data of the verified `requestState` (`None` when the request carries none).
    pub data: Option<Value>,
    /// The request carries `inputResponses` or `requestState` (a retry).
    retry: bool,
}

impl<'a> Mrtr<'a> {
    /// Reads and checks `inputResponses` and `requestState` of a `method` request.
    pub fn open(ctx: &'a Ctx<'a>, method: &str) -> Result<Mrtr<'a>, RpcError> {
        let has = |f| ctx.state.has(f);
        let binding = Binding::of(method, ctx.params);
        let responses = match ctx.params.get("inputResponses") {
            None => Responses::Absent,
            Some(Value::Object(m)) => Responses::Given(m.clone()),
            Some(_) if has(F::MalformedResponsesAccepted) => Responses::Garbage,
            Some(_) => {
                return Err(RpcError::invalid_params(
                    "inputResponses must be an object (InputResponses)",
                ));
            }
        };
        if has(F::ExtraKeysRejected)
            && let Responses::Given(m) = &responses
            && m.keys().any(|k| KNOWN_KEYS.contains(&k.as_str()))
            && let Some(extra) = m.keys().find(|k| !KNOWN_KEYS.contains(&k.as_str()))
        {
            return Err(RpcError::invalid_params(format!(
                "inputResponses has an unknown key '{extra}'"
            )));
        }
        let data = match ctx.params.get("requestState") {
            None => None,
            Some(Value::String(s)) if has(F::StateInMemory) => {
                let mem = memory().lock().unwrap_or_else(|e| e.into_inner());
                match mem.get(&(ctx.conn.id, s.clone())) {
                    Some((b, d)) if *b == binding => Some(d.clone()),
                    Some(_) => return Err(invalid_state("bound to another request")),
                    None => return Err(invalid_state("unknown state id")),
                }
            }
            Some(Value::String(s)) => {
                let verify = Verify {
                    tag: !has(F::TamperedStateAccepted),
                    binding: !has(F::TamperedStateAccepted) && !has(F::StateReplayAccepted),
                    expiry: !has(F::TamperedStateAccepted),
                };
                Some(open(ctx.state.state_key(), s, &binding, verify).map_err(invalid_state)?)
            }
            Some(_) => return Err(RpcError::invalid_params("requestState must be a string")),
        };
        let retry = !matches!(responses, Responses::Absent) || data.is_some();
        Ok(Mrtr {
            ctx,
            binding,
            responses,
            data,
            retry,
        })
    }

    fn has(&self, f: F) -> bool {
        self.ctx.state.has(f)
    }

    /// The client's answer for `key` (`Ok(None)`: not given, ask again). A value of the wrong
    /// shape is -32602. `Value::Null` stands for "answered, but nothing usable" (fault modes).
    pub fn answer(&self, key: &str, kind: Kind) -> Result<Option<Value>, RpcError> {
        let given = match &self.responses {
            Responses::Garbage => return Ok(Some(Value::Null)),
            Responses::Absent => None,
            Responses::Given(m) => m.get(key),
        };
        match given {
            Some(v) if kind.valid(v) || self.has(F::MalformedResponsesAccepted) => {
                Ok(Some(v.clone()))
            }
            Some(_) => Err(RpcError::invalid_params(format!(
                "inputResponses.{key} is not a valid {}",
                kind.result_name()
            ))),
            // `input-responses-ignored`: a retry completes without the missing answer.
            None if self.has(F::InputResponsesIgnored) && self.retry => Ok(Some(Value::Null)),
            None if self.has(F::MissingResponseError) && self.retry => Err(
                RpcError::invalid_params(format!("inputResponses lacks the key '{key}'")),
            ),
            None => Ok(None),
        }
    }

    /// A `requestState` carrying `data`, bound to this request.
    fn seal(&self, data: &Value) -> String {
        if self.has(F::StateInMemory) {
            let id = format!("mem-{}", NEXT_MEMORY_ID.fetch_add(1, Ordering::Relaxed));
            let mut mem = memory().lock().unwrap_or_else(|e| e.into_inner());
            mem.insert(
                (self.ctx.conn.id, id.clone()),
                (self.binding.clone(), data.clone()),
            );
            return id;
        }
        seal(self.ctx.state.state_key(), &self.binding, data)
    }

    /// An `InputRequiredResult` asking `requests` (key, request) with a state carrying `data`.
    pub fn ask(&self, requests: Vec<(&str, Value)>, data: Value) -> Value {
        let mut map = Map::new();
        for (k, v) in requests {
            map.insert(k.to_string(), v);
        }
        if self.has(F::UndeclaredElicitationRequested)
            && !declares(self.ctx, "elicitation")
            && !map.is_empty()
        {
            let key = if map.contains_key("user_name") {
                "user_name_extra"
            } else {
                "user_name"
            };
            map.insert(key.to_string(), name_elicitation());
        }
        if self.has(F::DuplicateInputKeys)
            && let Some((k, v)) = map.iter().next().map(|(k, v)| (k.clone(), v.clone()))
        {
            let mut dup = Map::new();
            dup.insert(k.clone(), v.clone());
            dup.insert(format!("{DUP_MARK}{k}"), v);
            dup.extend(map.into_iter().filter(|(key, _)| *key != k));
            map = dup;
        }
        let mut result = json!({
            "resultType": "input_required",
            "inputRequests": map,
            "requestState": self.seal(&data),
        });
        if self.has(F::InputRequiredNoResultType) {
            result["resultType"] = json!(OMIT_RESULT_TYPE);
        }
        if self.has(F::HintsOnInputRequired) {
            add_cache_hints(self.ctx.state, &mut result);
        }
        result
    }
}

/// Whether the request declares client capability `name`.
pub fn declares(ctx: &Ctx, name: &str) -> bool {
    ctx.meta.capabilities.get(name).is_some()
}

/// Whether form elicitation may be requested: `elicitation` is declared and is empty (form
/// only, for compatibility) or lists `form`.
pub(crate) fn form_ok(ctx: &Ctx) -> bool {
    match ctx.meta.capabilities.get("elicitation") {
        Some(Value::Object(o)) => o.is_empty() || o.contains_key("form"),
        Some(_) => true,
        None => false,
    }
}

/// Whether the request declares `sub` inside client capability `name` (e.g. `elicitation.url`).
fn declares_sub(ctx: &Ctx, name: &str, sub: &str) -> bool {
    ctx.meta
        .capabilities
        .get(name)
        .and_then(|c| c.get(sub))
        .is_some()
}

fn text(s: impl Into<String>) -> Value {
    json!({"type": "text", "text": s.into()})
}

fn complete_tool(message: impl Into<String>) -> Value {
    json!({"resultType": "complete", "content": [text(message)]})
}

fn tool_error(message: impl Into<String>) -> Value {
    json!({"resultType": "complete", "content": [text(message)], "isError": true})
}

/// A form elicitation asking for one property of `type`.
pub fn form(message: &str, property: &str, ty: &str) -> Value {
    json!({"method": "elicitation/create", "params": {
        "mode": "form",
        "message": message,
        "requestedSchema": {"type": "object", "properties": {property: {"type": ty}}, "required": [property]}
    }})
}

fn name_elicitation() -> Value {
    form("What is your name?", "name", "string")
}

fn sampling(question: &str, max_tokens: u32) -> Value {
    json!({"method": "sampling/createMessage", "params": {
        "messages": [{"role": "user", "content": {"type": "text", "text": question}}],
        "maxTokens": max_tokens
    }})
}

fn roots_request() -> Value {
    json!({"method": "roots/list", "params": {}})
}

/// The text of a sampling answer.
fn sampled_text(answer: &Value) -> String {
    let content = &answer["content"];
    let block = if content.is_array() {
        &content[0]
    } else {
        content
    };
    block["text"]
        .as_str()
        .unwrap_or("(no text in the answer)")
        .to_string()
}

/// The root URIs of a roots/list answer.
fn root_uris(answer: &Value) -> Vec<String> {
    answer["roots"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["uri"].as_str().map(String::from))
        .collect()
}

/// How an elicitation was answered.
enum Elicited {
    /// Accepted, with the value of the requested property (`None` when unusable: fault modes).
    Accepted(Option<Value>),
    Declined,
    Cancelled,
}

/// Reads an elicitation answer asking for `property`; an accepted answer without the property
/// is -32602 (it does not match `requestedSchema`). `decline-crashes`: a decline is HTTP 500.
fn elicited(m: &Mrtr, key: &str, answer: &Value, property: &str) -> Result<Elicited, RpcError> {
    if answer.is_null() {
        return Ok(Elicited::Accepted(None));
    }
    match answer["action"].as_str() {
        Some("decline") if m.has(F::DeclineCrashes) => Err(RpcError::new(
            axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            crate::rpc::INTERNAL_ERROR,
            "unhandled elicitation decline",
        )),
        Some("decline") => Ok(Elicited::Declined),
        Some("cancel") => Ok(Elicited::Cancelled),
        _ => match answer["content"].get(property) {
            Some(v) if !v.is_null() => Ok(Elicited::Accepted(Some(v.clone()))),
            _ if m.has(F::MalformedResponsesAccepted) => Ok(Elicited::Accepted(None)),
            _ => Err(RpcError::invalid_params(format!(
                "inputResponses.{key}.content lacks '{property}' (see requestedSchema)"
            ))),
        },
    }
}

fn declined_result(e: &Elicited, what: &str) -> Option<Value> {
    match e {
        Elicited::Declined => Some(tool_error(format!(
            "The user declined to provide {what}; nothing was done."
        ))),
        Elicited::Cancelled => Some(tool_error(format!(
            "The user cancelled the request for {what}; nothing was done."
        ))),
        Elicited::Accepted(_) => None,
    }
}

fn value_text(v: &Option<Value>, default: &str) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => default.to_string(),
    }
}

/// Wraps a tool result: with a progressToken the answer is SSE with one progress notification
/// first (so `input_required` can end an SSE stream, MRTR-13).
fn tool_outcome(ctx: &Ctx, last: Result<Value, RpcError>) -> Outcome {
    let Some(token) = &ctx.meta.progress_token else {
        return match last {
            Ok(v) => Outcome::Result(v),
            Err(e) => e.into(),
        };
    };
    let before = vec![notification(
        "notifications/progress",
        json!({"progressToken": token, "progress": 1, "message": "checking inputs"}),
    )];
    let input_required = last
        .as_ref()
        .is_ok_and(|v| v.get("inputRequests").is_some() || v.get("requestState").is_some());
    if input_required && ctx.state.has(F::InputRequiredStreamLeftOpen) {
        let events: Vec<LiveEvent> = before
            .into_iter()
            .map(LiveEvent::Message)
            .chain(std::iter::once(LiveEvent::Final(last)))
            .collect();
        let linger = futures_util::stream::once(tokio::time::sleep(LINGER));
        let stream = futures_util::stream::iter(events)
            .chain(linger.filter_map(|_| async { None::<LiveEvent> }));
        return Outcome::Live(LiveStream::new(stream));
    }
    Outcome::Stream { before, last }
}

// ---------------------------------------------------------------------------------------------
// Fixtures

/// The MRTR fixture tools: (name, description, has a `note` argument).
pub const TOOLS: &[(&str, &str, bool)] = &[
    (
        "test_input_required_result_elicitation",
        "Asks for user_name via form elicitation, then greets",
        false,
    ),
    (
        "test_input_required_result_sampling",
        "Asks capital_question via sampling, then reports the answer",
        false,
    ),
    (
        "test_input_required_result_list_roots",
        "Asks client_roots via roots/list, then lists them",
        false,
    ),
    (
        "test_input_required_result_request_state",
        "Asks to confirm via elicitation; completing needs the echoed requestState",
        true,
    ),
    (
        "test_input_required_result_multiple_inputs",
        "Asks elicitation, sampling and roots (each only if declared) in one result",
        false,
    ),
    (
        "test_input_required_result_multi_round",
        "Three rounds: step1, step2 (new key and state each), then complete",
        false,
    ),
    (
        "test_input_required_result_tampered_state",
        "Like test_input_required_result_request_state, for tamper tests",
        true,
    ),
    (
        "test_input_required_result_capabilities",
        "Asks only for what the request declared (elicitation, sampling, roots)",
        false,
    ),
    (
        "test_input_required_result_url_elicitation",
        "Asks for authorization via URL elicitation (form fallback without elicitation.url)",
        false,
    ),
];

/// Tool definitions of the MRTR fixtures (appended to `tools/list`).
pub fn tool_definitions() -> Vec<Value> {
    TOOLS
        .iter()
        .map(|(name, description, note)| {
            let schema = if *note {
                json!({"type": "object", "properties": {"note": {"type": "string", "description": "Free text (part of what requestState is bound to)"}}})
            } else {
                json!({"type": "object", "additionalProperties": false})
            };
            json!({"name": name, "description": description, "inputSchema": schema})
        })
        .collect()
}

/// Runs MRTR fixture tool `name` (`None`: not an MRTR fixture).
pub fn call_tool(ctx: &Ctx, name: &str) -> Option<Outcome> {
    let run = match name {
        "test_input_required_result_elicitation" => elicitation_tool,
        "test_input_required_result_sampling" => sampling_tool,
        "test_input_required_result_list_roots" => roots_tool,
        "test_input_required_result_request_state"
        | "test_input_required_result_tampered_state" => request_state_tool,
        "test_input_required_result_multiple_inputs" => multiple_inputs_tool,
        "test_input_required_result_multi_round" => multi_round_tool,
        "test_input_required_result_capabilities" => capabilities_tool,
        "test_input_required_result_url_elicitation" => url_elicitation_tool,
        _ => return None,
    };
    let result = Mrtr::open(ctx, "tools/call").and_then(|m| run(&m));
    Some(tool_outcome(ctx, result))
}

fn elicitation_tool(m: &Mrtr) -> Result<Value, RpcError> {
    if !form_ok(m.ctx) {
        return Err(m.ctx.missing_capability("elicitation"));
    }
    let Some(answer) = m.answer("user_name", Kind::Elicit)? else {
        return Ok(m.ask(vec![("user_name", name_elicitation())], json!({})));
    };
    let e = elicited(m, "user_name", &answer, "name")?;
    if let Some(r) = declined_result(&e, "a name") {
        return Ok(r);
    }
    let Elicited::Accepted(name) = e else {
        unreachable!()
    };
    Ok(complete_tool(format!(
        "Hello, {}!",
        value_text(&name, "stranger")
    )))
}

fn sampling_tool(m: &Mrtr) -> Result<Value, RpcError> {
    if !declares(m.ctx, "sampling") {
        return Err(m.ctx.missing_capability("sampling"));
    }
    match m.answer("capital_question", Kind::Sample)? {
        None => Ok(m.ask(
            vec![(
                "capital_question",
                sampling("What is the capital of France?", 100),
            )],
            json!({}),
        )),
        Some(Value::Null) => Ok(complete_tool("The model answered.")),
        Some(a) => Ok(complete_tool(format!(
            "The model answered: {}",
            sampled_text(&a)
        ))),
    }
}

fn roots_tool(m: &Mrtr) -> Result<Value, RpcError> {
    if !declares(m.ctx, "roots") {
        return Err(m.ctx.missing_capability("roots"));
    }
    match m.answer("client_roots", Kind::Roots)? {
        None => Ok(m.ask(vec![("client_roots", roots_request())], json!({}))),
        Some(a) => Ok(complete_tool(roots_text(&a))),
    }
}

fn roots_text(answer: &Value) -> String {
    let uris = root_uris(answer);
    if uris.is_empty() {
        "The client shared no roots.".to_string()
    } else {
        format!("Client roots: {}", uris.join(", "))
    }
}

fn request_state_tool(m: &Mrtr) -> Result<Value, RpcError> {
    if !form_ok(m.ctx) {
        return Err(m.ctx.missing_capability("elicitation"));
    }
    let request = || form("Please confirm", "ok", "boolean");
    if !m.retry && m.has(F::InputRequiredNoContent) {
        return Ok(json!({"resultType": "input_required"}));
    }
    // Completing needs the echoed state: without it, ask again (with a fresh state).
    let answer = match (&m.data, m.answer("confirm", Kind::Elicit)?) {
        (Some(data), Some(a)) if data["fixture"] == "request_state" => a,
        _ => {
            return Ok(m.ask(
                vec![("confirm", request())],
                json!({"fixture": "request_state"}),
            ));
        }
    };
    let e = elicited(m, "confirm", &answer, "ok")?;
    if let Some(r) = declined_result(&e, "a confirmation") {
        return Ok(r);
    }
    let Elicited::Accepted(ok) = e else {
        unreachable!()
    };
    Ok(complete_tool(format!(
        "state-ok: requestState verified; confirmed: {}",
        value_text(&ok, "unknown")
    )))
}

fn multiple_inputs_tool(m: &Mrtr) -> Result<Value, RpcError> {
    let ctx = m.ctx;
    let wanted: Vec<(&str, Kind, Value)> = [
        ("user_name", Kind::Elicit, "form"),
        ("greeting", Kind::Sample, "sampling"),
        ("client_roots", Kind::Roots, "roots"),
    ]
    .into_iter()
    .filter(|(_, _, cap)| match *cap {
        "form" => form_ok(ctx),
        cap => declares(ctx, cap),
    })
    .map(|(k, kind, _)| {
        let request = match kind {
            Kind::Elicit => name_elicitation(),
            Kind::Sample => sampling("Generate a greeting", 50),
            Kind::Roots => roots_request(),
        };
        (k, kind, request)
    })
    .collect();
    if wanted.is_empty() {
        return Err(ctx.missing_capability("elicitation"));
    }
    let mut missing = Vec::new();
    let mut parts = Vec::new();
    for (key, kind, request) in wanted {
        match m.answer(key, kind)? {
            None => missing.push((key, request)),
            Some(a) => parts.push(match kind {
                Kind::Elicit => match elicited(m, key, &a, "name")? {
                    Elicited::Accepted(n) => format!("name: {}", value_text(&n, "stranger")),
                    Elicited::Declined => "name: declined".to_string(),
                    Elicited::Cancelled => "name: cancelled".to_string(),
                },
                Kind::Sample if a.is_null() => "greeting: (none)".to_string(),
                Kind::Sample => format!("greeting: {}", sampled_text(&a)),
                Kind::Roots => roots_text(&a),
            }),
        }
    }
    if !missing.is_empty() {
        return Ok(m.ask(missing, json!({"fixture": "multiple_inputs"})));
    }
    Ok(complete_tool(format!(
        "All inputs received. {}",
        parts.join("; ")
    )))
}

fn multi_round_tool(m: &Mrtr) -> Result<Value, RpcError> {
    if !form_ok(m.ctx) {
        return Err(m.ctx.missing_capability("elicitation"));
    }
    let step1 = || form("Step 1: What is your name?", "name", "string");
    let step2 = || form("Step 2: What is your favorite color?", "color", "string");
    let round = m
        .data
        .as_ref()
        .and_then(|d| d["round"].as_u64())
        .unwrap_or(1);
    if round < 2 {
        let Some(a) = m.answer("step1", Kind::Elicit)? else {
            return Ok(m.ask(vec![("step1", step1())], json!({"round": 1})));
        };
        let e = elicited(m, "step1", &a, "name")?;
        if let Some(r) = declined_result(&e, "a name") {
            return Ok(r);
        }
        let Elicited::Accepted(name) = e else {
            unreachable!()
        };
        let name = value_text(&name, "stranger");
        if m.has(F::MultiRoundStopsEarly) {
            return Ok(complete_tool(format!("Hello, {name} (1 answered round).")));
        }
        return Ok(m.ask(vec![("step2", step2())], json!({"round": 2, "name": name})));
    }
    let name = m
        .data
        .as_ref()
        .and_then(|d| d["name"].as_str())
        .unwrap_or("stranger")
        .to_string();
    let Some(a) = m.answer("step2", Kind::Elicit)? else {
        return Ok(m.ask(vec![("step2", step2())], json!({"round": 2, "name": name})));
    };
    let e = elicited(m, "step2", &a, "color")?;
    if let Some(r) = declined_result(&e, "a color") {
        return Ok(r);
    }
    let Elicited::Accepted(color) = e else {
        unreachable!()
    };
    Ok(complete_tool(format!(
        "{name}'s favorite color is {} (3 rounds).",
        value_text(&color, "unknown")
    )))
}

fn capabilities_tool(m: &Mrtr) -> Result<Value, RpcError> {
    let ctx = m.ctx;
    let mut missing = Vec::new();
    let mut parts = Vec::new();
    if form_ok(ctx) {
        match m.answer("user_name", Kind::Elicit)? {
            None => missing.push(("user_name", name_elicitation())),
            Some(a) => parts.push(match elicited(m, "user_name", &a, "name")? {
                Elicited::Accepted(n) => format!("name: {}", value_text(&n, "stranger")),
                _ => "name: not given".to_string(),
            }),
        }
    }
    if declares(ctx, "sampling") {
        match m.answer("capital_question", Kind::Sample)? {
            None => {
                let mut request = sampling("What is the capital of France?", 100);
                // Tools in sampling only with sampling.tools.
                if declares_sub(ctx, "sampling", "tools") {
                    request["params"]["tools"] = json!([{"name": "lookup_capital", "description": "Looks up the capital of a country", "inputSchema": {"type": "object", "properties": {"country": {"type": "string"}}, "required": ["country"]}}]);
                    request["params"]["toolChoice"] = json!({"mode": "auto"});
                }
                missing.push(("capital_question", request));
            }
            Some(a) if a.is_null() => parts.push("answer: (none)".to_string()),
            Some(a) => parts.push(format!("answer: {}", sampled_text(&a))),
        }
    }
    if declares(ctx, "roots") {
        match m.answer("client_roots", Kind::Roots)? {
            None => missing.push(("client_roots", roots_request())),
            Some(a) => parts.push(roots_text(&a)),
        }
    }
    if !missing.is_empty() {
        return Ok(m.ask(missing, json!({"fixture": "capabilities"})));
    }
    if parts.is_empty() {
        return Ok(complete_tool(
            "No elicitation, sampling or roots capability declared; nothing to ask.",
        ));
    }
    Ok(complete_tool(format!(
        "Inputs received. {}",
        parts.join("; ")
    )))
}

fn url_elicitation_tool(m: &Mrtr) -> Result<Value, RpcError> {
    let ctx = m.ctx;
    let url_mode = declares_sub(ctx, "elicitation", "url");
    if !url_mode && !form_ok(ctx) {
        return Err(ctx.missing_capability("elicitation"));
    }
    let Some(answer) = m.answer("authorization", Kind::Elicit)? else {
        let request = if url_mode {
            json!({"method": "elicitation/create", "params": {
                "mode": "url",
                "message": "Open the page to authorize the fixture service.",
                "url": "https://auth.example.com/authorize?flow=mcpcheck-fixture"
            }})
        } else {
            form(
                "Authorize the fixture service at https://auth.example.com/authorize, then confirm.",
                "authorized",
                "boolean",
            )
        };
        return Ok(m.ask(
            vec![("authorization", request)],
            json!({"mode": if url_mode { "url" } else { "form" }}),
        ));
    };
    let e = match answer["action"].as_str() {
        _ if answer.is_null() => Elicited::Accepted(None),
        Some("decline" | "cancel") => elicited(m, "authorization", &answer, "")?,
        // URL mode: an accepted answer carries no content.
        _ if url_mode => Elicited::Accepted(None),
        _ => elicited(m, "authorization", &answer, "authorized")?,
    };
    if let Some(r) = declined_result(&e, "the authorization") {
        return Ok(r);
    }
    Ok(complete_tool("Authorization completed."))
}

/// The MRTR fixture prompt (listed in `prompts/list`).
pub const PROMPT: &str = "test_input_required_result_prompt";

pub fn prompt_definition() -> Value {
    json!({"name": PROMPT, "description": "Asks for user_context via elicitation before rendering"})
}

/// `prompts/get` of [`PROMPT`].
pub fn get_prompt(ctx: &Ctx) -> Result<Value, RpcError> {
    if !form_ok(ctx) {
        return Err(ctx.missing_capability("elicitation"));
    }
    let m = Mrtr::open(ctx, "prompts/get")?;
    let Some(answer) = m.answer("user_context", Kind::Elicit)? else {
        return Ok(m.ask(
            vec![(
                "user_context",
                form("What context should the prompt use?", "context", "string"),
            )],
            json!({}),
        ));
    };
    if m.has(F::PromptInputRequiredBroken) {
        return Err(RpcError::invalid_params(
            "prompts/get does not accept inputResponses",
        ));
    }
    let text_for = match elicited(&m, "user_context", &answer, "context")? {
        Elicited::Accepted(c) => format!("Answer using this context: {}", value_text(&c, "(none)")),
        _ => "No context was provided; answer without one.".to_string(),
    };
    Ok(
        json!({"resultType": "complete", "description": format!("Fixture prompt {PROMPT}"),
        "messages": [{"role": "user", "content": text(text_for)}]}),
    )
}

/// The MRTR fixture resource (readable, not listed).
pub const RESOURCE: &str = "test://input-required";

/// `resources/read` of [`RESOURCE`]; `hints` adds the caching hints to a complete result.
pub fn read_resource(ctx: &Ctx, hints: impl FnOnce(&mut Value)) -> Result<Value, RpcError> {
    if !form_ok(ctx) {
        return Err(ctx.missing_capability("elicitation"));
    }
    let m = Mrtr::open(ctx, "resources/read")?;
    let Some(answer) = m.answer("greeting", Kind::Elicit)? else {
        return Ok(m.ask(
            vec![(
                "greeting",
                form("How should the resource greet you?", "greeting", "string"),
            )],
            json!({}),
        ));
    };
    if m.has(F::ResourceInputRequiredBroken) {
        return Err(RpcError::invalid_params(
            "resources/read does not accept inputResponses",
        ));
    }
    let body = match elicited(&m, "greeting", &answer, "greeting")? {
        Elicited::Accepted(g) => format!("{}, reader!", value_text(&g, "Hello")),
        _ => "Hello, reader! (no greeting was chosen)".to_string(),
    };
    let mut result = json!({"resultType": "complete", "contents": [
        {"uri": RESOURCE, "mimeType": "text/plain", "text": body}
    ]});
    hints(&mut result);
    Ok(result)
}

/// `input-required-from-list`: `tools/list` answers `input_required` when the request declares
/// elicitation, sampling or roots and carries no `requestState`.
pub fn list_input_required(ctx: &Ctx) -> Option<Value> {
    if !ctx.state.has(F::InputRequiredFromList) || ctx.params.contains_key("requestState") {
        return None;
    }
    let request = if form_ok(ctx) {
        form("Which tools are you interested in?", "filter", "string")
    } else if declares(ctx, "sampling") {
        sampling("Which tools should be listed?", 50)
    } else if declares(ctx, "roots") {
        roots_request()
    } else {
        return None;
    };
    let m = Mrtr::open(ctx, "tools/list").ok()?;
    Some(m.ask(vec![("tool_filter", request)], json!({})))
}

// ---------------------------------------------------------------------------------------------
// The two older MRTR fixtures of the official suite

/// `test_missing_capability`: needs sampling (-32021 without it), asks `capital_question`.
pub fn missing_capability_tool(ctx: &Ctx) -> Outcome {
    if !declares(ctx, "sampling") || ctx.state.has(F::CapabilityAlwaysMissing) {
        return ctx.missing_capability("sampling").into();
    }
    let result = Mrtr::open(ctx, "tools/call").and_then(|m| {
        Ok(match m.answer("capital_question", Kind::Sample)? {
            None => m.ask(
                vec![(
                    "capital_question",
                    sampling("What is the capital of France?", 100),
                )],
                json!({}),
            ),
            Some(a) if a.is_null() => complete_tool("The model answered."),
            Some(a) => complete_tool(format!("The model answered: {}", sampled_text(&a))),
        })
    });
    match result {
        Ok(v) => Outcome::Result(v),
        Err(e) => e.into(),
    }
}

/// `test_streaming_elicitation`: SSE (progress when a token is given, then the result), asks
/// `user_name` (property `user_name`) via form elicitation.
pub fn streaming_elicitation(ctx: &Ctx, mut before: Vec<Value>, bad_request: bool) -> Outcome {
    if !form_ok(ctx) {
        return ctx.missing_capability("elicitation").into();
    }
    if let Some(token) = &ctx.meta.progress_token {
        before.insert(
            0,
            notification(
                "notifications/progress",
                json!({"progressToken": token, "progress": 1, "message": "preparing"}),
            ),
        );
    }
    let last = Mrtr::open(ctx, "tools/call").and_then(|m| {
        let Some(answer) = m.answer("user_name", Kind::Elicit)? else {
            let mut request = form("What is your name?", "user_name", "string");
            if bad_request {
                request["params"]
                    .as_object_mut()
                    .map(|p| p.remove("requestedSchema"));
            }
            return Ok(m.ask(vec![("user_name", request)], json!({})));
        };
        Ok(match answer["action"].as_str() {
            Some("decline" | "cancel") => complete_tool("The user did not provide a name."),
            _ => {
                let name = answer["content"]["user_name"]
                    .as_str()
                    .or(answer["content"]["name"].as_str())
                    .unwrap_or("stranger");
                complete_tool(format!("Hello, {name}!"))
            }
        })
    });
    Outcome::Stream { before, last }
}
