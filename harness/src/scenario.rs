//! Scenario format v1: one YAML file per scenario (documented in `scenarios/README.md`, with a
//! JSON Schema in `schemas/json/scenario.schema.json`).
//!
//! Loading finds every problem before the first request is sent: YAML syntax, unknown keys (with
//! a did-you-mean), missing check kinds, unknown requirement ids, duplicate ids, undefined
//! variables. Each error names the file, line, column and field.

use base64::Engine as _;
use std::collections::{BTreeMap, BTreeSet};

use mcpcheck_reports::Level;
use serde::Deserialize;
use serde_json::Value;
use serde_saphyr::{Location, Spanned};

use crate::catalogue::Catalogue;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub id: Spanned<String>,
    pub title: String,
    pub area: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub requires: Vec<Spanned<Requirement>>,
    /// Initial variables, available as `${name}`.
    #[serde(default)]
    pub vars: BTreeMap<String, Value>,
    pub steps: Vec<Step>,
    /// Filled in by the loader: where the scenario came from.
    #[serde(skip)]
    pub source: String,
}

/// How long a listen stream is collected when its step gives no `timeout_ms`.
pub const DEFAULT_LISTEN_MS: u64 = 3000;

impl Scenario {
    /// A rough rank of how long the scenario waits on purpose (listen windows, polls, streams it
    /// leaves): runs start the longest waits first so they overlap the many short scenarios
    /// instead of trailing after them.
    pub fn wait_rank(&self) -> u64 {
        self.steps
            .iter()
            .map(|s| {
                let listen = s
                    .listen
                    .as_ref()
                    .map_or(0, |l| l.timeout_ms.unwrap_or(DEFAULT_LISTEN_MS));
                let poll = s.poll.as_ref().map_or(0, |_| 500);
                let slow = s
                    .request
                    .as_ref()
                    .and_then(|r| r.disconnect_after.as_ref())
                    .map_or(0, |_| 500);
                listen.min(1000) + poll + slow
            })
            .sum()
    }
}

/// Applicability condition: when unmet the scenario is reported not_applicable with the reason.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(rename_all = "snake_case")]
pub enum Requirement {
    /// A key of `capabilities` in `server/discover` (dotted path, e.g. `resources.subscribe`).
    Capability(String),
    /// The server must NOT declare this capability (for "not advertised ⇒ unknown method" rules).
    NoCapability(String),
    /// At least one of these capabilities (dotted paths).
    AnyCapability(Vec<String>),
    /// A key of `capabilities.extensions`.
    Extension(String),
    /// A tool listed by `tools/list` (fixture names are mapped through the config).
    Tool(String),
    Prompt(String),
    /// A resource URI listed by `resources/list`.
    Resource(String),
    /// A URI template listed by `resources/templates/list`.
    ResourceTemplate(String),
    /// The target is reached over this transport: `http` or `stdio`.
    Transport(String),
    /// At least this many server instances (`--url` given that many times).
    Instances(usize),
    /// The server is a protected resource (`true`): it answered an unauthenticated request
    /// with 401, or the user gave tokens or client credentials.
    Protected(bool),
    /// A token of this kind is available (`valid`, `wrong_audience`, `expired`,
    /// `insufficient_scope`, `wrong_issuer`, `bad_signature`).
    Token(String),
}

impl Requirement {
    pub fn describe(&self) -> String {
        match self {
            Requirement::Capability(c) => format!("capability `{c}`"),
            Requirement::NoCapability(c) => format!("no capability `{c}`"),
            Requirement::AnyCapability(c) => {
                format!("one of the capabilities `{}`", c.join("`, `"))
            }
            Requirement::Extension(e) => format!("extension `{e}`"),
            Requirement::Tool(t) => format!("tool `{t}`"),
            Requirement::Prompt(p) => format!("prompt `{p}`"),
            Requirement::Resource(r) => format!("resource `{r}`"),
            Requirement::ResourceTemplate(r) => format!("resource template `{r}`"),
            Requirement::Transport(t) => format!("transport `{t}`"),
            Requirement::Instances(n) => format!("{n} server instances"),
            Requirement::Protected(true) => "a protected server".into(),
            Requirement::Protected(false) => "an unprotected server".into(),
            Requirement::Token(k) => format!("a {} token", k.replace('_', "-")),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub name: Spanned<String>,
    /// A JSON-RPC request or notification with the baseline headers and `_meta`.
    #[serde(default)]
    pub request: Option<Box<RequestSpec>>,
    /// An arbitrary HTTP request, for negative tests.
    #[serde(default)]
    pub raw: Option<Box<RawSpec>>,
    /// Walk every page of a paginated list.
    #[serde(default)]
    pub paginate: Option<Box<PaginateSpec>>,
    /// Open a `subscriptions/listen` stream that keeps collecting while later steps run.
    #[serde(default)]
    pub listen: Option<Box<ListenSpec>>,
    /// Wait for a `listen` stream (by handle) to finish and judge everything it collected.
    #[serde(default, rename = "await")]
    pub await_listen: Option<String>,
    /// With `await`: keep collecting this long from now, then close the stream (unless it
    /// ended sooner), so that an absence window starts after the steps that triggered.
    #[serde(default)]
    pub settle_ms: Option<u64>,
    /// Send the `request`/`raw` several times; checks are judged on every repetition.
    #[serde(default)]
    pub repeat: Option<RepeatSpec>,
    /// stdio only: start a fresh copy of the server, ask `server/discover`, close its stdin and
    /// see whether it exits within `timeout_ms`.
    #[serde(default)]
    pub eof: Option<EofSpec>,
    /// With `request`: answer `input_required` results and retry, round after round.
    #[serde(default)]
    pub respond: Option<Box<RespondSpec>>,
    /// With `request`: send it again and again until a condition holds (task polling).
    #[serde(default)]
    pub poll: Option<Box<PollSpec>>,
    /// The answer is a plain HTTP resource (a metadata document, an authorization rejection),
    /// not a JSON-RPC exchange: it is not validated against the revision's schema, and `json`
    /// checks and captures read a JSON body as the document.
    #[serde(default)]
    pub plain: bool,
    #[serde(default)]
    pub expect: Vec<Spanned<Expectation>>,
    /// Variables to capture from the final response: name → JSON pointer, or
    /// `challenge:PARAM` (a parameter of the Bearer challenge), or `header:NAME`.
    #[serde(default)]
    pub capture: BTreeMap<String, String>,
}

/// Which connection a request goes on.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum ConnectionMode {
    /// The run's shared keep-alive pool.
    #[default]
    Shared,
    /// A brand-new connection used for this request only.
    New,
    /// The scenario's own keep-alive connection, reused by its later `scenario` steps.
    Scenario,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RequestSpec {
    pub method: String,
    /// Request params without `_meta` (the baseline `_meta` is added).
    #[serde(default)]
    pub params: Option<serde_json::Map<String, Value>>,
    /// JSON-RPC id; default: a fresh integer.
    #[serde(default)]
    pub id: Option<Value>,
    /// Send as a notification (no id).
    #[serde(default)]
    pub notification: bool,
    /// Merged into the baseline `_meta`; a `null` value removes the key.
    #[serde(default)]
    pub meta: BTreeMap<String, Value>,
    /// Shorthand for `meta: {io.modelcontextprotocol/clientCapabilities: ...}`.
    #[serde(default)]
    pub capabilities: Option<Value>,
    /// Send no `_meta` at all.
    #[serde(default)]
    pub omit_meta: bool,
    /// Send no `params` member at all.
    #[serde(default)]
    pub omit_params: bool,
    /// Override baseline headers; a `null` value removes the header.
    #[serde(default)]
    pub headers: BTreeMap<String, Option<String>>,
    #[serde(default)]
    pub connection: ConnectionMode,
    /// Close the connection after this many SSE events (to cancel the request mid-stream).
    #[serde(default)]
    pub disconnect_after: Option<DisconnectSpec>,
    /// Multi-instance runs: send to this instance (0-based index of `--url`) instead of the
    /// next one in turn.
    #[serde(default)]
    pub instance: Option<usize>,
}

/// Answers to the input requests of `input_required` results, and how to retry.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RespondSpec {
    /// Rounds at most, the first request included (default 4).
    #[serde(default)]
    pub max_rounds: Option<usize>,
    /// Answers by input key.
    #[serde(default)]
    pub answers: BTreeMap<String, Value>,
    /// Answers by the input request's method (`elicitation/create`, `sampling/createMessage`,
    /// `roots/list`) for keys `answers` does not name; without one, a generic answer is built
    /// (an accepted form filled from its schema, a short assistant text, one root).
    #[serde(default)]
    pub by_method: BTreeMap<String, Value>,
    /// Leave keys without an explicit answer unanswered instead of answering generically.
    #[serde(default)]
    pub only_listed: bool,
    /// Added to every `inputResponses` (e.g. an unknown key, to see it ignored).
    #[serde(default)]
    pub extra: serde_json::Map<String, Value>,
    /// The `requestState` sent back: default `${request_state}` (the one just received); any
    /// expression, e.g. `${request_state|flip}`; `null` sends none.
    #[serde(default = "default_state")]
    pub state: Option<String>,
    /// Replaces the whole `inputResponses` value (e.g. `null` or `12345`, for malformed input);
    /// an explicit `null` is kept (absent and null differ here).
    #[serde(default, deserialize_with = "present_value")]
    pub input_responses: Option<Value>,
}

/// `Some` for any present value, `null` included.
fn present_value<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
}

fn default_state() -> Option<String> {
    Some("${request_state}".into())
}

/// Repeats a request until a condition holds, within bounds; the waits between attempts follow
/// the server's `pollIntervalMs`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PollSpec {
    /// Stop when this holds on the final response (a `json` condition; `in` is not used).
    pub until: JsonSpec,
    /// Pointer to the state recorded at each attempt (default `/result/status`).
    #[serde(default)]
    pub state: Option<String>,
    /// Attempts at most (default 100).
    #[serde(default)]
    pub max_attempts: Option<usize>,
    /// Total time at most, waits included (default 15000 ms).
    #[serde(default)]
    pub max_ms: Option<u64>,
    /// Wait between attempts; default: the last response's `/result/pollIntervalMs`, else
    /// 100 ms. Waits are kept within 1..=5000 ms and never past `max_ms`.
    #[serde(default)]
    pub interval_ms: Option<u64>,
    /// Answer a task's input requests with `tasks/update` while polling.
    #[serde(default)]
    pub answer: Option<PollAnswer>,
}

/// How a `poll` step answers the `inputRequests` of an `input_required` task.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct PollAnswer {
    /// Answers by input key.
    #[serde(default)]
    pub answers: BTreeMap<String, Value>,
    /// Answers by the input request's method; other keys get a generic answer.
    #[serde(default)]
    pub by_method: BTreeMap<String, Value>,
    /// Answer at most this many keys per `tasks/update` (partial answers).
    #[serde(default)]
    pub max_keys: Option<usize>,
    /// Send at most this many updates (default 10).
    #[serde(default)]
    pub max_updates: Option<usize>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EofSpec {
    /// How long the server may take to exit after stdin closes (default 2000 ms).
    #[serde(default)]
    pub timeout_ms: Option<u64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DisconnectSpec {
    pub events: usize,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum RepeatSpec {
    Count(usize),
    Full {
        count: usize,
        /// Send all repetitions at once instead of one after another.
        #[serde(default)]
        parallel: bool,
    },
}

impl RepeatSpec {
    pub fn count(&self) -> usize {
        match self {
            RepeatSpec::Count(n) | RepeatSpec::Full { count: n, .. } => *n,
        }
    }
    pub fn parallel(&self) -> bool {
        matches!(self, RepeatSpec::Full { parallel: true, .. })
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaginateSpec {
    /// A paginated list method, e.g. `tools/list`.
    pub method: String,
    /// The result member holding the items (`tools`, `prompts`, `resources`, `resourceTemplates`).
    pub items: String,
    /// Extra params (without `_meta`); `cursor` here starts the walk at that cursor.
    #[serde(default)]
    pub params: Option<serde_json::Map<String, Value>>,
    /// Pages fetched at most before the walk is judged endless (default 100).
    #[serde(default)]
    pub max_pages: Option<usize>,
    /// Override baseline headers on every page; a `null` value removes the header.
    #[serde(default)]
    pub headers: BTreeMap<String, Option<String>>,
    #[serde(default)]
    pub connection: ConnectionMode,
    /// Multi-instance runs: send to this instance (0-based index of `--url`) instead of the
    /// next one in turn.
    #[serde(default)]
    pub instance: Option<usize>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListenSpec {
    /// Name used by a later `await` step.
    pub handle: String,
    /// `subscriptions/listen` params without `_meta` (e.g. `notifications: {toolsListChanged: true}`).
    #[serde(default)]
    pub params: Option<serde_json::Map<String, Value>>,
    /// JSON-RPC id of the listen request (default: the next integer).
    #[serde(default)]
    pub id: Option<Value>,
    #[serde(default)]
    pub capabilities: Option<Value>,
    /// Stop collecting (and close the stream) after this many messages, the acknowledgement
    /// included; otherwise collect until `timeout_ms`.
    #[serde(default)]
    pub until_messages: Option<usize>,
    /// Stop collecting (and close the stream) once a message with this method arrives: a
    /// positive expectation is then settled without waiting out `timeout_ms`. Leave it out when
    /// the await step checks that something does *not* arrive.
    #[serde(default)]
    pub until_method: Option<String>,
    /// How long the stream is collected at most (default 3000 ms).
    #[serde(default)]
    pub timeout_ms: Option<u64>,
    /// Multi-instance runs: send to this instance (0-based index of `--url`) instead of the
    /// next one in turn.
    #[serde(default)]
    pub instance: Option<usize>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSpec {
    /// HTTP method; default POST.
    #[serde(default)]
    pub method: Option<String>,
    /// Path (and query) replacing the target URL's, e.g. `/mcp?x=1`.
    #[serde(default)]
    pub path: Option<String>,
    /// An absolute URL to send to instead of the target (e.g. a metadata document).
    #[serde(default)]
    pub url: Option<String>,
    /// Start from the baseline headers for `baseline_method` (then `headers` overrides).
    #[serde(default)]
    pub baseline_method: Option<String>,
    /// Headers sent; a `null` value removes a baseline header, a list sends the header
    /// several times.
    #[serde(default)]
    pub headers: BTreeMap<String, Option<OneOrMany<String>>>,
    /// Body sent byte for byte.
    #[serde(default)]
    pub body: Option<String>,
    /// Body given as JSON (serialised compactly).
    #[serde(default)]
    pub json: Option<Value>,
    /// Body given as standard base64, sent without variable interpolation (any bytes, e.g. the
    /// invalid UTF-8 of a fuzz finding).
    #[serde(default)]
    pub body_base64: Option<String>,
    #[serde(default)]
    pub connection: ConnectionMode,
    /// Multi-instance runs: send to this instance (0-based index of `--url`) instead of the
    /// next one in turn.
    #[serde(default)]
    pub instance: Option<usize>,
}

/// One expectation; exactly one check kind must be set.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Expectation {
    /// Requirement id from the catalogue.
    pub req: String,
    /// Check id (default: `<step>/<kind>`), unique within the scenario.
    #[serde(default)]
    pub id: Option<String>,
    /// Default: the catalogue's level for the requirement.
    #[serde(default)]
    pub level: Option<Level>,
    /// Shown when the check fails, in place of the generic message.
    #[serde(default)]
    pub message: Option<String>,
    /// Only judge when the response had this framing; otherwise not applicable.
    #[serde(default)]
    pub when: Option<When>,
    /// On `respond` steps: judge this round (1 = the first request) instead of the last; on
    /// `poll` steps: this attempt.
    #[serde(default)]
    pub round: Option<usize>,
    /// When this check does not pass, it and every later step of the scenario are
    /// not_applicable with the reason (the server made a choice the spec allows, such as
    /// answering without a task, and the rest of the scenario needs the other choice).
    #[serde(default)]
    pub precondition: bool,
    /// On `poll` steps: judge the `last` attempt (default), the `first`, `every` attempt, or
    /// `every_update` (each `tasks/update` the step sent).
    #[serde(default)]
    pub on: Option<PollSelector>,

    // Check kinds.
    #[serde(default)]
    pub status: Option<StatusSpec>,
    #[serde(default)]
    pub header: Option<Box<HeaderSpec>>,
    #[serde(default)]
    pub content_type: Option<OneOrMany<String>>,
    #[serde(default)]
    pub json: Option<Box<JsonSpec>>,
    #[serde(default)]
    pub error: Option<i64>,
    #[serde(default)]
    pub result: Option<bool>,
    #[serde(default)]
    pub id_echo: Option<bool>,
    #[serde(default)]
    pub body_empty: Option<bool>,
    #[serde(default)]
    pub schema_valid: Option<bool>,
    #[serde(default)]
    pub no_server_requests: Option<bool>,
    #[serde(default)]
    pub stream: Option<StreamSpec>,
    #[serde(default)]
    pub meta_keys: Option<MetaKeysSpec>,
    #[serde(default)]
    pub answered: Option<bool>,
    #[serde(default)]
    pub body_contains: Option<String>,
    #[serde(default)]
    pub tool_schemas: Option<bool>,
    #[serde(default)]
    pub x_mcp_headers: Option<bool>,
    #[serde(default)]
    pub output_schema: Option<bool>,
    #[serde(default)]
    pub structured_mirrored: Option<bool>,
    #[serde(default)]
    pub error_code_allowed: Option<bool>,
    /// On `paginate` steps: judges the walk as a whole.
    #[serde(default)]
    pub pages: Option<Box<PagesSpec>>,
    /// On `repeat` steps: the value at this pointer is equal in every repetition.
    #[serde(default)]
    pub same: Option<String>,
    /// The `notifications/progress` of the exchange carry strictly increasing `progress` values.
    #[serde(default)]
    pub progress_increasing: Option<bool>,
    /// Every `notifications/progress` carries the `progressToken` the request sent (same value and
    /// type); with no token sent, no progress notification at all.
    #[serde(default)]
    pub progress_token: Option<bool>,
    /// stdio: every line the server wrote to stdout so far was exactly one JSON-RPC message.
    #[serde(default)]
    pub stdio_framing: Option<bool>,
    /// On `eof` steps: the server exited after its stdin closed.
    #[serde(default)]
    pub exits: Option<bool>,
    /// No JSON object in the final response's raw text repeats a key (a parsed value hides
    /// duplicates, so the text is scanned).
    #[serde(default)]
    pub no_duplicate_keys: Option<bool>,
    /// Every method under the tasks extension's reserved prefixes (`tasks/`,
    /// `notifications/tasks`) that the server sends is one the extension defines.
    #[serde(default)]
    pub reserved_names: Option<bool>,
    /// On `poll` steps: whether the `until` condition held within the bounds.
    #[serde(default)]
    pub poll: Option<PollCheck>,
    /// On `poll` and `await` steps: the observed task states follow the task state machine
    /// (`working` ⇄ `input_required` → `completed` | `failed` | `cancelled`, terminal states
    /// never change).
    #[serde(default)]
    pub task_transitions: Option<Box<TransitionsSpec>>,
    /// On `poll` steps: an `inputRequests` key never changes its request and never comes back
    /// after it was answered.
    #[serde(default)]
    pub input_keys: Option<InputKeysSpec>,
    /// The `WWW-Authenticate` header holds a Bearer challenge; optionally about one parameter.
    #[serde(default)]
    pub challenge: Option<Box<ChallengeSpec>>,
    /// The body is a valid OAuth document of this kind (`ProtectedResourceMetadata`,
    /// `AuthorizationServerMetadata`), by mcpcheck's own schema.
    #[serde(default)]
    pub document: Option<String>,
    /// Two values (typically captured variables) differ.
    #[serde(default)]
    pub differs: Option<Box<DiffersSpec>>,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct DiffersSpec {
    pub left: Value,
    pub right: Value,
}

/// A `challenge` check: a Bearer challenge is present, and with `param` one of its parameters
/// satisfies the conditions.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ChallengeSpec {
    /// Auth scheme of the challenge looked for (default `Bearer`).
    #[serde(default)]
    pub scheme: Option<String>,
    #[serde(default)]
    pub param: Option<String>,
    #[serde(default)]
    pub exists: Option<bool>,
    #[serde(default)]
    pub equals: Option<String>,
    /// A space-separated list (scope) that includes every item of this one.
    #[serde(default)]
    pub includes: Option<String>,
    /// A space-separated list that includes none of the items of this one.
    #[serde(default)]
    pub excludes: Option<String>,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum PollSelector {
    #[default]
    Last,
    First,
    Every,
    EveryUpdate,
}

#[derive(Debug, Clone, Deserialize, Default, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PollCheck {
    pub reached: bool,
}

#[derive(Debug, Clone, Deserialize, Default, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TransitionsSpec {
    /// The state the task was in before the first observation (e.g. the `status` of the
    /// `CreateTaskResult`, `${seed}`).
    #[serde(default)]
    pub from: Option<Value>,
}

#[derive(Debug, Clone, Deserialize, Default, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct InputKeysSpec {
    pub unique: bool,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct PagesSpec {
    /// The walk ended (no `nextCursor`) without repeating a cursor, within `max_pages`.
    #[serde(default)]
    pub terminates: Option<bool>,
    /// Each item appears once; items are keyed by this pointer into the item (e.g. `/name`).
    #[serde(default)]
    pub unique_by: Option<String>,
    /// The value at this pointer of each page's response is the same on every page.
    #[serde(default)]
    pub same: Option<String>,
    /// At least this many pages were walked.
    #[serde(default)]
    pub min_pages: Option<usize>,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum When {
    /// The response is an SSE stream.
    Sse,
    /// The response is a single JSON body.
    Json,
}

pub const CHECK_KINDS: &[&str] = &[
    "pages",
    "same",
    "progress_increasing",
    "progress_token",
    "stdio_framing",
    "exits",
    "no_duplicate_keys",
    "status",
    "header",
    "content_type",
    "json",
    "error",
    "result",
    "id_echo",
    "body_empty",
    "schema_valid",
    "no_server_requests",
    "stream",
    "meta_keys",
    "answered",
    "body_contains",
    "tool_schemas",
    "x_mcp_headers",
    "output_schema",
    "structured_mirrored",
    "error_code_allowed",
    "reserved_names",
    "poll",
    "task_transitions",
    "input_keys",
    "challenge",
    "document",
    "differs",
];

impl Expectation {
    /// Names of the check kinds set on this expectation.
    pub fn kinds(&self) -> Vec<&'static str> {
        let mut k = Vec::new();
        let set = [
            self.pages.is_some(),
            self.same.is_some(),
            self.progress_increasing.is_some(),
            self.progress_token.is_some(),
            self.stdio_framing.is_some(),
            self.exits.is_some(),
            self.no_duplicate_keys.is_some(),
            self.status.is_some(),
            self.header.is_some(),
            self.content_type.is_some(),
            self.json.is_some(),
            self.error.is_some(),
            self.result.is_some(),
            self.id_echo.is_some(),
            self.body_empty.is_some(),
            self.schema_valid.is_some(),
            self.no_server_requests.is_some(),
            self.stream.is_some(),
            self.meta_keys.is_some(),
            self.answered.is_some(),
            self.body_contains.is_some(),
            self.tool_schemas.is_some(),
            self.x_mcp_headers.is_some(),
            self.output_schema.is_some(),
            self.structured_mirrored.is_some(),
            self.error_code_allowed.is_some(),
            self.reserved_names.is_some(),
            self.poll.is_some(),
            self.task_transitions.is_some(),
            self.input_keys.is_some(),
            self.challenge.is_some(),
            self.document.is_some(),
            self.differs.is_some(),
        ];
        for (i, s) in set.iter().enumerate() {
            if *s {
                k.push(CHECK_KINDS[i]);
            }
        }
        k
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum OneOrMany<T> {
    One(T),
    Many(Vec<T>),
}

impl<T: Clone> OneOrMany<T> {
    pub fn to_vec(&self) -> Vec<T> {
        match self {
            OneOrMany::One(t) => vec![t.clone()],
            OneOrMany::Many(v) => v.clone(),
        }
    }
}

/// `400`, `[400, 404]`, `"4xx"`, or `["2xx", 404]`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum StatusSpec {
    One(StatusPattern),
    Many(Vec<StatusPattern>),
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum StatusPattern {
    Code(u16),
    Class(String),
}

impl StatusPattern {
    pub fn matches(&self, status: u16) -> bool {
        match self {
            StatusPattern::Code(c) => *c == status,
            StatusPattern::Class(s) => {
                let b = s.as_bytes();
                b.len() == 3
                    && b[1..].eq_ignore_ascii_case(b"xx")
                    && (b[0] as char).to_digit(10) == Some((status / 100) as u32)
            }
        }
    }
    pub fn is_valid(&self) -> bool {
        match self {
            StatusPattern::Code(c) => (100..=599).contains(c),
            StatusPattern::Class(s) => {
                let b = s.as_bytes();
                b.len() == 3 && (b'1'..=b'5').contains(&b[0]) && b[1..].eq_ignore_ascii_case(b"xx")
            }
        }
    }
}

impl StatusSpec {
    pub fn patterns(&self) -> Vec<StatusPattern> {
        match self {
            StatusSpec::One(p) => vec![p.clone()],
            StatusSpec::Many(v) => v.clone(),
        }
    }
    pub fn describe(&self) -> String {
        let parts: Vec<String> = self
            .patterns()
            .iter()
            .map(|p| match p {
                StatusPattern::Code(c) => c.to_string(),
                StatusPattern::Class(s) => s.clone(),
            })
            .collect();
        parts.join(" or ")
    }
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct HeaderSpec {
    pub name: String,
    #[serde(default)]
    pub present: Option<bool>,
    #[serde(default)]
    pub equals: Option<String>,
    #[serde(default)]
    pub matches: Option<String>,
}

/// Where a `json` check looks.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum MessageSelector {
    /// The final JSON-RPC response.
    #[default]
    Final,
    /// Every message the server sent in the exchange must satisfy the check.
    Every,
    /// At least one message must satisfy it.
    Any,
    /// The first message of the exchange (e.g. a listen stream's acknowledgement).
    First,
    /// Every notification of the exchange (none is a pass).
    EveryNotification,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct JsonSpec {
    pub pointer: String,
    #[serde(default, rename = "in")]
    pub selector: MessageSelector,
    #[serde(default)]
    pub exists: Option<bool>,
    #[serde(default)]
    pub equals: Option<Value>,
    #[serde(default)]
    pub not_equals: Option<Value>,
    #[serde(default)]
    pub one_of: Option<Vec<Value>>,
    #[serde(default)]
    pub matches: Option<String>,
    #[serde(default, rename = "type")]
    pub json_type: Option<OneOrMany<String>>,
    /// Array contains this element, or string contains this substring.
    #[serde(default)]
    pub contains: Option<Value>,
    /// Array does not contain this element, or string does not contain this substring.
    #[serde(default)]
    pub not_contains: Option<Value>,
    /// Every element of this array is in the given array.
    #[serde(default)]
    pub subset_of: Option<Value>,
    #[serde(default)]
    pub min_length: Option<usize>,
    #[serde(default)]
    pub max_length: Option<usize>,
    /// Integer ≥ this.
    #[serde(default)]
    pub minimum: Option<f64>,
    /// String is valid standard base64.
    #[serde(default)]
    pub base64: Option<bool>,
    /// The values are distinct: an array's elements, or all matches of a `*` pointer.
    #[serde(default)]
    pub unique: Option<bool>,
    /// Judge only when the value is present; absent is not_applicable (for optional fields).
    #[serde(default)]
    pub if_present: Option<bool>,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct StreamSpec {
    /// Nothing is sent after the final response.
    #[serde(default)]
    pub nothing_after_final: Option<bool>,
    /// The server closes the stream after the final response.
    #[serde(default)]
    pub closes: Option<bool>,
    /// Every message before the final response is a notification.
    #[serde(default)]
    pub only_notifications_before_final: Option<bool>,
    /// The response is an SSE stream (true) or plain JSON (false).
    #[serde(default)]
    pub sse: Option<bool>,
    /// At least this many notifications before the final response.
    #[serde(default)]
    pub min_notifications: Option<usize>,
    /// On `await` steps: the server had not closed the stream when collecting stopped.
    #[serde(default)]
    pub still_open: Option<bool>,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct MetaKeysSpec {
    /// Lint every `_meta` object in every message.
    #[serde(default)]
    pub all: Option<bool>,
    /// Lint the keys of the object at this pointer of the final response instead.
    #[serde(default)]
    pub keys_of: Option<String>,
    /// With `keys_of`: every key must have a prefix (extension ids).
    #[serde(default)]
    pub prefix_required: Option<bool>,
}

/// A problem in a scenario file.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadError {
    pub file: String,
    pub line: u64,
    pub column: u64,
    pub message: String,
    /// Source excerpt with a caret, when available.
    pub snippet: Option<String>,
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "error: {}", self.message)?;
        write!(f, " --> {}:{}:{}", self.file, self.line, self.column)?;
        if let Some(s) = &self.snippet {
            write!(f, "\n{s}")?;
        }
        Ok(())
    }
}

fn snippet(text: &str, line: u64, column: u64, note: &str) -> Option<String> {
    if line == 0 {
        return None;
    }
    let lines: Vec<&str> = text.lines().collect();
    let idx = (line - 1) as usize;
    let l = lines.get(idx)?;
    let width = line.to_string().len();
    let mut s = format!("{:width$} |\n", "");
    s.push_str(&format!("{line:>width$} | {l}\n"));
    let pad = " ".repeat(column.saturating_sub(1) as usize);
    s.push_str(&format!("{:width$} | {pad}^ {note}", ""));
    Some(s)
}

/// Suggests the closest candidate by edit distance, when close enough to be a typo.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (levenshtein(word, c), c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Rewrites serde-saphyr's error into ours: file name, and a did-you-mean for unknown fields.
pub(crate) fn from_yaml_error(file: &str, text: &str, e: &serde_saphyr::Error) -> LoadError {
    let full = e.to_string();
    let (line, column) = match e.location().filter(|l| l.line() > 0) {
        Some(l) => (l.line(), l.column()),
        None => unlocated_position(text, &full),
    };
    // First line looks like "error: line 6 column 5: unknown field `bogus`, expected one of a, b".
    let first = full.lines().next().unwrap_or(&full);
    let mut message = first
        .trim_start_matches("error: ")
        .split_once(": ")
        .filter(|(pre, _)| pre.starts_with("line "))
        .map(|(_, m)| m.to_string())
        .unwrap_or_else(|| first.trim_start_matches("error: ").to_string());
    if let Some(rest) = message.strip_prefix("unknown field `")
        && let Some((field, tail)) = rest.split_once('`')
    {
        let expected: Vec<&str> = tail
            .split_once("expected one of ")
            .map(|(_, l)| l.split(", ").map(|s| s.trim_matches('`')).collect())
            .unwrap_or_default();
        if let Some(s) = did_you_mean(field, expected.iter().copied()) {
            message = format!("{message}; did you mean `{s}`?");
        }
    }
    LoadError {
        file: file.to_string(),
        line,
        column,
        snippet: snippet(text, line, column, "here"),
        message,
    }
}

/// A position for an error the YAML parser gave none: serde's `duplicate field `X`` (a key
/// repeated under a tag slips past the parser's own duplicate check) points at the last line
/// that sets `X`; anything else at line 1.
fn unlocated_position(text: &str, message: &str) -> (u64, u64) {
    let field = message
        .split_once("duplicate field `")
        .and_then(|(_, rest)| rest.split_once('`'))
        .map(|(f, _)| f);
    let found = field.and_then(|f| {
        let lines: Vec<&str> = text.lines().collect();
        lines.iter().enumerate().rev().find_map(|(i, line)| {
            let body = line.trim_start();
            let indent = line.len() - body.len();
            let body = match body.strip_prefix('!') {
                Some(tagged) => tagged.split_once(' ').map_or("", |(_, r)| r).trim_start(),
                None => body,
            };
            let key = body.trim_start_matches(['"', '\'']);
            (key.starts_with(f)
                && key[f.len()..]
                    .trim_start_matches(['"', '\''])
                    .trim_start()
                    .starts_with(':'))
            .then_some((i as u64 + 1, indent as u64 + 1))
        })
    });
    found.unwrap_or((1, 1))
}

pub(crate) fn err_at(file: &str, text: &str, loc: &Location, message: String) -> LoadError {
    LoadError {
        file: file.to_string(),
        line: loc.line(),
        column: loc.column(),
        snippet: snippet(text, loc.line(), loc.column(), "here"),
        message,
    }
}

const ID_CHARS: &str = "lowercase letters, digits and `-`";

fn valid_id(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !s.starts_with('-')
}

/// Parses and validates one scenario file. All problems found are returned at once.
pub fn parse(file: &str, text: &str, catalogue: &Catalogue) -> Result<Scenario, Vec<LoadError>> {
    let mut scenario: Scenario = match serde_saphyr::from_str(text) {
        Ok(s) => s,
        Err(e) => return Err(vec![from_yaml_error(file, text, &e)]),
    };
    scenario.source = file.to_string();
    let mut errors = Vec::new();
    if !valid_id(&scenario.id.value) {
        errors.push(err_at(
            file,
            text,
            &scenario.id.referenced,
            format!(
                "field `id`: {:?} must use only {ID_CHARS}",
                scenario.id.value
            ),
        ));
    }
    if scenario.steps.is_empty() {
        errors.push(err_at(
            file,
            text,
            &scenario.id.referenced,
            "field `steps`: a scenario needs at least one step".into(),
        ));
    }
    let mut defined: BTreeSet<String> = scenario.vars.keys().cloned().collect();
    defined.extend(crate::engine::BUILTIN_VARS.iter().map(|s| s.to_string()));
    let mut step_names = BTreeSet::new();
    let mut listens: BTreeSet<String> = BTreeSet::new();
    for r in &scenario.requires {
        if let Requirement::Instances(n) = &r.value
            && !(1..=16).contains(n)
        {
            errors.push(err_at(
                file,
                text,
                &r.referenced,
                format!("field `instances`: {n} is not between 1 and 16"),
            ));
        }
        if let Requirement::Token(k) = &r.value
            && !crate::auth::TOKEN_KINDS.contains(&k.as_str())
        {
            errors.push(err_at(
                file,
                text,
                &r.referenced,
                format!(
                    "field `token`: {k:?} is not a token kind ({})",
                    crate::auth::TOKEN_KINDS.join(", ")
                ),
            ));
        }
        if let Requirement::Transport(t) = &r.value
            && t != "http"
            && t != "stdio"
        {
            errors.push(err_at(
                file,
                text,
                &r.referenced,
                format!("field `transport`: {t:?} is not `http` or `stdio`"),
            ));
        }
    }
    let mut check_ids = BTreeSet::new();
    let mut checks = 0usize;
    for step in &scenario.steps {
        let name = &step.name.value;
        let at = &step.name.referenced;
        if !step_names.insert(name.clone()) {
            errors.push(err_at(
                file,
                text,
                at,
                format!("field `name`: step name {name:?} is used twice"),
            ));
        }
        let kinds = [
            step.request.is_some(),
            step.raw.is_some(),
            step.paginate.is_some(),
            step.listen.is_some(),
            step.await_listen.is_some(),
            step.eof.is_some(),
        ]
        .iter()
        .filter(|b| **b)
        .count();
        if kinds != 1 {
            errors.push(err_at(
                file,
                text,
                at,
                format!("step {name:?}: needs exactly one of `request` (a JSON-RPC message), `raw` (an HTTP request), `paginate`, `listen`, `await` or `eof`"),
            ));
        }
        if step.respond.is_some() && (step.request.is_none() || step.repeat.is_some()) {
            errors.push(err_at(
                file,
                text,
                at,
                format!("step {name:?}: `respond` goes with `request` (and not with `repeat`)"),
            ));
        }
        if step.poll.is_some()
            && (step.request.is_none() || step.repeat.is_some() || step.respond.is_some())
        {
            errors.push(err_at(
                file,
                text,
                at,
                format!(
                    "step {name:?}: `poll` goes with `request` (and not with `repeat` or `respond`)"
                ),
            ));
        }
        if let Some(p) = &step.poll
            && (!p.until.pointer.is_empty() && !p.until.pointer.starts_with('/')
                || p.state
                    .as_deref()
                    .is_some_and(|s| !s.is_empty() && !s.starts_with('/')))
        {
            errors.push(err_at(
                file,
                text,
                at,
                format!("step {name:?}: `poll.until.pointer` and `poll.state` must be JSON pointers (start with `/`)"),
            ));
        }
        if step.repeat.is_some() && step.request.is_none() && step.raw.is_none() {
            errors.push(err_at(
                file,
                text,
                at,
                format!("step {name:?}: `repeat` goes with `request` or `raw`"),
            ));
        }
        if let Some(r) = &step.repeat
            && !(2..=100).contains(&r.count())
        {
            errors.push(err_at(
                file,
                text,
                at,
                format!("step {name:?}: `repeat` count must be between 2 and 100"),
            ));
        }
        if let Some(l) = &step.listen
            && !listens.insert(l.handle.clone())
        {
            errors.push(err_at(
                file,
                text,
                at,
                format!("step {name:?}: listen handle {:?} is used twice", l.handle),
            ));
        }
        if step.settle_ms.is_some() && step.await_listen.is_none() {
            errors.push(err_at(
                file,
                text,
                at,
                format!("step {name:?}: `settle_ms` goes with `await`"),
            ));
        }
        if let Some(h) = &step.await_listen
            && !listens.contains(h)
        {
            let hint = did_you_mean(h, listens.iter().map(|s| s.as_str()))
                .map(|s| format!("; did you mean `{s}`?"))
                .unwrap_or_default();
            errors.push(err_at(
                file,
                text,
                at,
                format!("step {name:?}: `await` names no earlier `listen` handle {h:?}{hint}"),
            ));
        }
        for e in &step.expect {
            let x = &e.value;
            let multi = step.paginate.is_some();
            if x.pages.is_some() && !multi {
                errors.push(err_at(
                    file,
                    text,
                    &e.referenced,
                    format!("step {name:?}: `pages` checks belong to `paginate` steps"),
                ));
            }
            if x.round.is_some() && step.respond.is_none() && step.poll.is_none() {
                errors.push(err_at(
                    file,
                    text,
                    &e.referenced,
                    format!("step {name:?}: `round` belongs to steps with `respond` or `poll`"),
                ));
            }
            if (x.on.is_some() || x.poll.is_some() || x.input_keys.is_some()) && step.poll.is_none()
            {
                errors.push(err_at(
                    file,
                    text,
                    &e.referenced,
                    format!(
                        "step {name:?}: `on`, `poll` and `input_keys` belong to steps with `poll`"
                    ),
                ));
            }
            if x.task_transitions.is_some() && step.poll.is_none() && step.await_listen.is_none() {
                errors.push(err_at(
                    file,
                    text,
                    &e.referenced,
                    format!(
                        "step {name:?}: `task_transitions` belongs to `poll` and `await` steps"
                    ),
                ));
            }
            if x.exits.is_some() && step.eof.is_none() {
                errors.push(err_at(
                    file,
                    text,
                    &e.referenced,
                    format!("step {name:?}: `exits` checks belong to `eof` steps"),
                ));
            }
            if x.same.is_some() && step.repeat.is_none() {
                errors.push(err_at(
                    file,
                    text,
                    &e.referenced,
                    format!("step {name:?}: `same` checks belong to steps with `repeat`"),
                ));
            }
        }
        if let Some(r) = &step.request {
            if r.notification && r.id.is_some() {
                errors.push(err_at(
                    file,
                    text,
                    at,
                    format!("step {name:?}: a notification has no `id`"),
                ));
            }
            if r.omit_params && (r.params.is_some() || !r.meta.is_empty()) {
                errors.push(err_at(
                    file,
                    text,
                    at,
                    format!("step {name:?}: `omit_params` conflicts with `params`/`meta`"),
                ));
            }
        }
        if let Some(r) = &step.raw {
            let bodies = [r.body.is_some(), r.json.is_some(), r.body_base64.is_some()];
            if bodies.iter().filter(|b| **b).count() > 1 {
                errors.push(err_at(
                    file,
                    text,
                    at,
                    format!("step {name:?}: raw: give one of `body`, `json` and `body_base64`"),
                ));
            }
            if let Some(b) = &r.body_base64
                && base64::engine::general_purpose::STANDARD
                    .decode(b.trim())
                    .is_err()
            {
                errors.push(err_at(
                    file,
                    text,
                    at,
                    format!("step {name:?}: raw: `body_base64` is not valid standard base64"),
                ));
            }
        }
        // Variables used by this step must be defined by `vars`, built-ins or earlier captures.
        let mut used = Vec::new();
        collect_step_vars(step, &mut used);
        for v in used {
            if !defined.contains(&v) {
                let hint = did_you_mean(&v, defined.iter().map(|s| s.as_str()))
                    .map(|s| format!("; did you mean `{s}`?"))
                    .unwrap_or_default();
                errors.push(err_at(
                    file,
                    text,
                    at,
                    format!("step {name:?}: variable `${{{v}}}` is not defined before this step (vars, captures of earlier steps, or built-ins){hint}"),
                ));
            }
        }
        for (var, ptr) in &step.capture {
            let source_ok = ptr.is_empty()
                || ptr.starts_with('/')
                || ptr
                    .strip_prefix("challenge:")
                    .is_some_and(|p| !p.is_empty())
                || ptr.strip_prefix("header:").is_some_and(|p| !p.is_empty());
            if !source_ok {
                errors.push(err_at(
                    file,
                    text,
                    at,
                    format!("step {name:?}: capture `{var}`: {ptr:?} is not a JSON pointer (it must start with `/`), `challenge:PARAM` or `header:NAME`"),
                ));
            }
            defined.insert(var.clone());
        }
        if step.expect.is_empty() {
            errors.push(err_at(
                file,
                text,
                at,
                format!("step {name:?}: `expect` lists no checks"),
            ));
        }
        for e in &step.expect {
            checks += 1;
            let loc = &e.referenced;
            let x = &e.value;
            let kinds = x.kinds();
            match kinds.len() {
                0 => errors.push(err_at(
                    file,
                    text,
                    loc,
                    format!(
                        "expectation names no check; use one of: {}",
                        CHECK_KINDS.join(", ")
                    ),
                )),
                1 => {}
                _ => errors.push(err_at(
                    file,
                    text,
                    loc,
                    format!(
                        "expectation sets several check kinds ({}); give one per list item",
                        kinds.join(", ")
                    ),
                )),
            }
            if catalogue.get(&x.req).is_none() {
                let hint = did_you_mean(&x.req, catalogue.ids())
                    .map(|s| format!("; did you mean `{s}`?"))
                    .unwrap_or_default();
                errors.push(err_at(
                    file,
                    text,
                    loc,
                    format!(
                        "field `req`: {:?} is not in the requirement catalogue{hint}",
                        x.req
                    ),
                ));
            }
            let id = check_id(name, x);
            if !check_ids.insert(id.clone()) {
                errors.push(err_at(
                    file,
                    text,
                    loc,
                    format!("check id {id:?} is used twice in this scenario; give the expectation an `id`"),
                ));
            }
            if let Some(s) = &x.status {
                for p in s.patterns() {
                    if !p.is_valid() {
                        errors.push(err_at(
                            file,
                            text,
                            loc,
                            format!(
                                "field `status`: {p:?} is not an HTTP status or class like \"4xx\""
                            ),
                        ));
                    }
                }
            }
            if let Some(d) = &x.document
                && !mcpcheck_schemas::OAUTH_DOCUMENTS.contains(&d.as_str())
            {
                errors.push(err_at(
                    file,
                    text,
                    loc,
                    format!(
                        "field `document`: {d:?} is not a known document ({})",
                        mcpcheck_schemas::OAUTH_DOCUMENTS.join(", ")
                    ),
                ));
            }
            if let Some(c) = &x.challenge {
                let conds = [
                    c.exists.is_some(),
                    c.equals.is_some(),
                    c.includes.is_some(),
                    c.excludes.is_some(),
                ]
                .iter()
                .filter(|b| **b)
                .count();
                if (c.param.is_some() && conds != 1) || (c.param.is_none() && conds != 0) {
                    errors.push(err_at(
                        file,
                        text,
                        loc,
                        "field `challenge`: with `param`, give exactly one of `exists`, `equals`, `includes`, `excludes`; without it, none".into(),
                    ));
                }
            }
            if let Some(j) = &x.json {
                if !j.pointer.is_empty() && !j.pointer.starts_with('/') {
                    errors.push(err_at(
                        file,
                        text,
                        loc,
                        format!("field `json.pointer`: {:?} must start with `/`", j.pointer),
                    ));
                }
                if let Some(re) = &j.matches
                    && let Err(e) = regex::Regex::new(re)
                {
                    errors.push(err_at(
                        file,
                        text,
                        loc,
                        format!("field `json.matches`: invalid regex: {e}"),
                    ));
                }
                if let Some(t) = &j.json_type {
                    for t in t.to_vec() {
                        if ![
                            "string", "integer", "number", "object", "array", "boolean", "null",
                        ]
                        .contains(&t.as_str())
                        {
                            errors.push(err_at(
                                file,
                                text,
                                loc,
                                format!("field `json.type`: unknown JSON type {t:?}"),
                            ));
                        }
                    }
                }
                let conds = [
                    j.exists.is_some(),
                    j.equals.is_some(),
                    j.not_equals.is_some(),
                    j.one_of.is_some(),
                    j.matches.is_some(),
                    j.json_type.is_some(),
                    j.contains.is_some(),
                    j.not_contains.is_some(),
                    j.subset_of.is_some(),
                    j.min_length.is_some() || j.max_length.is_some(),
                    j.minimum.is_some(),
                    j.base64.is_some(),
                    j.unique.is_some(),
                ];
                if !conds.iter().any(|c| *c) {
                    errors.push(err_at(
                        file,
                        text,
                        loc,
                        "field `json`: give a condition (exists, equals, type, matches, ...)"
                            .into(),
                    ));
                }
            }
            if let Some(h) = &x.header {
                if let Some(re) = &h.matches
                    && let Err(e) = regex::Regex::new(re)
                {
                    errors.push(err_at(
                        file,
                        text,
                        loc,
                        format!("field `header.matches`: invalid regex: {e}"),
                    ));
                }
                if h.present.is_none() && h.equals.is_none() && h.matches.is_none() {
                    errors.push(err_at(
                        file,
                        text,
                        loc,
                        "field `header`: give `present`, `equals` or `matches`".into(),
                    ));
                }
            }
        }
    }
    if checks == 0 && errors.is_empty() {
        errors.push(err_at(
            file,
            text,
            &scenario.id.referenced,
            "the scenario has no checks".into(),
        ));
    }
    if errors.is_empty() {
        Ok(scenario)
    } else {
        Err(errors)
    }
}

/// The check id of an expectation: explicit `id`, or `<step>/<kind>`.
pub fn check_id(step: &str, e: &Expectation) -> String {
    if let Some(id) = &e.id {
        return id.clone();
    }
    let kind = e.kinds().first().copied().unwrap_or("check");
    let detail = match (kind, e) {
        (
            "header",
            Expectation {
                header: Some(h), ..
            },
        ) => format!("header-{}", h.name.to_ascii_lowercase()),
        ("json", Expectation { json: Some(j), .. }) => {
            format!("json{}", j.pointer.replace('/', "."))
        }
        (
            "challenge",
            Expectation {
                challenge: Some(c), ..
            },
        ) => match &c.param {
            Some(p) => format!("challenge-{}", p.to_ascii_lowercase().replace('_', "-")),
            None => "challenge".into(),
        },
        (
            "stream",
            Expectation {
                stream: Some(st), ..
            },
        ) => {
            let which = if st.still_open.is_some() {
                "still-open"
            } else if st.sse.is_some() {
                "sse"
            } else if st.nothing_after_final.is_some() {
                "nothing-after-final"
            } else if st.closes.is_some() {
                "closes"
            } else if st.only_notifications_before_final.is_some() {
                "only-notifications"
            } else {
                "min-notifications"
            };
            format!("stream-{which}")
        }
        ("pages", Expectation { pages: Some(p), .. }) => {
            let which = if p.terminates.is_some() {
                "terminates"
            } else if p.unique_by.is_some() {
                "unique"
            } else if p.same.is_some() {
                "same"
            } else {
                "min-pages"
            };
            format!("pages-{which}")
        }
        (k, _) => k.replace('_', "-"),
    };
    match e.round {
        Some(n) => format!("{}/round-{n}/{detail}", slug(step)),
        None => format!("{}/{}", slug(step), detail),
    }
}

pub fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

/// Variable names referenced as `${name}` in a string.
pub fn vars_in(s: &str, out: &mut Vec<String>) {
    let mut rest = s;
    while let Some(i) = rest.find("${") {
        let after = &rest[i + 2..];
        match after.find('}') {
            Some(j) => {
                let name = after[..j].split('|').next().unwrap_or("").trim();
                out.push(name.to_string());
                rest = &after[j + 1..];
            }
            None => break,
        }
    }
}

fn vars_in_value(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => vars_in(s, out),
        Value::Array(a) => a.iter().for_each(|x| vars_in_value(x, out)),
        Value::Object(o) => o.iter().for_each(|(k, x)| {
            vars_in(k, out);
            vars_in_value(x, out)
        }),
        _ => {}
    }
}

fn collect_step_vars(step: &Step, out: &mut Vec<String>) {
    if let Some(r) = &step.respond {
        r.answers
            .values()
            .chain(r.by_method.values())
            .chain(r.extra.values())
            .for_each(|v| vars_in_value(v, out));
        if let Some(st) = &r.state {
            vars_in(st, out);
        }
    }
    if let Some(r) = &step.request {
        vars_in(&r.method, out);
        if let Some(p) = &r.params {
            p.values().for_each(|v| vars_in_value(v, out));
        }
        if let Some(id) = &r.id {
            vars_in_value(id, out);
        }
        r.meta.values().for_each(|v| vars_in_value(v, out));
        if let Some(c) = &r.capabilities {
            vars_in_value(c, out);
        }
        r.headers.values().flatten().for_each(|v| vars_in(v, out));
    }
    if let Some(r) = &step.raw {
        for v in r.headers.values().flatten() {
            v.to_vec().iter().for_each(|v| vars_in(v, out));
        }
        if let Some(b) = &r.body {
            vars_in(b, out);
        }
        if let Some(j) = &r.json {
            vars_in_value(j, out);
        }
        if let Some(p) = &r.path {
            vars_in(p, out);
        }
        if let Some(u) = &r.url {
            vars_in(u, out);
        }
    }
    if let Some(p) = &step.paginate {
        if let Some(params) = &p.params {
            params.values().for_each(|v| vars_in_value(v, out));
        }
        p.headers.values().flatten().for_each(|v| vars_in(v, out));
    }
    for e in &step.expect {
        let e = &e.value;
        if let Some(c) = &e.challenge {
            for v in [&c.equals, &c.includes, &c.excludes].into_iter().flatten() {
                vars_in(v, out);
            }
        }
        if let Some(d) = &e.differs {
            vars_in_value(&d.left, out);
            vars_in_value(&d.right, out);
        }
        if let Some(j) = &e.json {
            for v in [
                &j.equals,
                &j.not_equals,
                &j.contains,
                &j.not_contains,
                &j.subset_of,
            ]
            .into_iter()
            .flatten()
            {
                vars_in_value(v, out);
            }
            if let Some(list) = &j.one_of {
                list.iter().for_each(|v| vars_in_value(v, out));
            }
        }
        if let Some(h) = &e.header
            && let Some(v) = &h.equals
        {
            vars_in(v, out);
        }
        if let Some(t) = &e.task_transitions
            && let Some(v) = &t.from
        {
            vars_in_value(v, out);
        }
    }
    if let Some(p) = &step.poll {
        json_spec_vars(&p.until, out);
        if let Some(a) = &p.answer {
            a.answers
                .values()
                .chain(a.by_method.values())
                .for_each(|v| vars_in_value(v, out));
        }
    }
}

fn json_spec_vars(j: &JsonSpec, out: &mut Vec<String>) {
    for v in [
        &j.equals,
        &j.not_equals,
        &j.contains,
        &j.not_contains,
        &j.subset_of,
    ]
    .into_iter()
    .flatten()
    {
        vars_in_value(v, out);
    }
    if let Some(list) = &j.one_of {
        list.iter().for_each(|v| vars_in_value(v, out));
    }
}
