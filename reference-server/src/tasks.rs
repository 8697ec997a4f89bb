//! The tasks extension `io.modelcontextprotocol/tasks` (DIGEST §6, TASKS-01..24): the task
//! fixtures, `tasks/get`, `tasks/update`, `tasks/cancel` and status notifications on listen
//! streams.
//!
//! Tasks are evaluated lazily: a stored [`Record`] holds the tool, its arguments, `createdAt`,
//! the input responses received, the time a cancel arrived and, once terminal, the frozen
//! terminal state. The current state is a pure function of the record and the clock
//! ([`TaskEngine::eval`]), so no background worker runs and every instance sharing a store
//! reports the same state. The first observation of a terminal state persists it
//! (compare-and-set), so terminal states never change afterwards (TASKS-14). Updates (input
//! responses, cancel) are compare-and-set updates of the record.

use mcpcheck_schemas::wire::TaskStatus;
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::faults::FaultKind as F;
use crate::fixtures::Ctx;
use crate::mrtr::{self, Kind, Mrtr};
use crate::rpc::{INTERNAL_ERROR, MISSING_CLIENT_CAPABILITY, Outcome, RpcError, notification};
use crate::store::{StoreError, TaskStore};

/// The extension's identifier (capability key, reserved prefix).
pub const EXTENSION: &str = mcpcheck_schemas::TASKS_EXTENSION;
/// `ttlMs` of every task (slow_compute tasks longer than 30 s get their duration + 30 s).
pub const DEFAULT_TTL_MS: u64 = 60_000;
/// `pollIntervalMs` of every task.
pub const POLL_INTERVAL_MS: u64 = 100;
/// How long a record outlives its TTL in the store before it is purged.
pub const PURGE_GRACE: Duration = Duration::from_secs(30);
/// `failing_job` and `protocol_error_job` finish this long after creation.
pub const JOB_MS: u64 = 200;
/// `confirm_delete` / `multi_input` (and `test_tool_with_task` under `task-before-mrtr`) ask
/// for input this long after creation.
pub const ASK_AFTER_MS: u64 = 50;
/// `test_tool_with_task` completes this long after creation.
pub const GREET_TASK_MS: u64 = 100;
/// `slow_compute` runs at most this many seconds.
pub const MAX_SECONDS: f64 = 600.0;
/// Without the extension, `slow_compute` runs synchronously for at most this long.
pub const MAX_SYNC_SECONDS: f64 = 5.0;
/// `task-not-durable` / `task-purged-early`: the window in which tasks are missing.
const FAULT_WINDOW_MS: u64 = 300;
/// Retired draft code for a missing capability (`required-task-legacy-code`).
pub const LEGACY_MISSING_CAPABILITY: i64 = -32003;
/// An undefined code in the reserved JSON-RPC range (`unknown-task-wrong-code`).
pub const UNDEFINED_RESERVED_CODE: i64 = -32050;
/// The taskId `task-listen-extra` adds to listen acknowledgements (no such task exists).
pub const PHANTOM_TASK_ID: &str = "00000000-0000-4000-8000-000000000000";
/// Interval at which listen streams look at their tasks.
pub const WATCH_INTERVAL: Duration = Duration::from_millis(25);
/// Compare-and-set attempts before giving up with -32603.
const CAS_ATTEMPTS: usize = 16;

const WORKING: &str = TaskStatus::Working.as_str();
const INPUT_REQUIRED: &str = TaskStatus::InputRequired.as_str();
const COMPLETED: &str = TaskStatus::Completed.as_str();
const FAILED: &str = TaskStatus::Failed.as_str();
const CANCELLED: &str = TaskStatus::Cancelled.as_str();

/// The task fixture tools (listed after the other tools, not in `--tools-only`).
pub const TOOLS: &[&str] = &[
    "greet",
    "slow_compute",
    "failing_job",
    "protocol_error_job",
    "confirm_delete",
    "multi_input",
    "test_tool_with_task",
];

pub fn tool_definitions() -> Vec<Value> {
    let no_args = || json!({"type": "object", "additionalProperties": false});
    vec![
        json!({"name": "greet", "description": "Greets name synchronously (never a task)", "inputSchema": {
            "type": "object",
            "properties": {"name": {"type": "string", "description": "Who to greet"}},
            "required": ["name"]
        }}),
        json!({"name": "slow_compute", "description": "Computes for seconds; a task when the request declares the tasks extension, otherwise synchronous (at most 5 s)", "inputSchema": {
            "type": "object",
            "properties": {
                "seconds": {"type": "number", "minimum": 0, "maximum": MAX_SECONDS, "description": "Run time in seconds (fractions allowed, at most 600)"},
                "label": {"type": "string", "description": "Name used in the result text"}
            },
            "required": ["seconds"]
        }}),
        json!({"name": "failing_job", "description": "Needs a task; completes after about 200 ms with a tool execution error (isError: true)", "inputSchema": no_args()}),
        json!({"name": "protocol_error_job", "description": "Needs a task; fails after about 200 ms with a JSON-RPC error (-32603)", "inputSchema": no_args()}),
        json!({"name": "confirm_delete", "description": "Needs a task; asks to confirm (form elicitation via tasks/get), then deletes or keeps filename", "inputSchema": {
            "type": "object",
            "properties": {"filename": {"type": "string", "description": "The file to delete"}},
            "required": ["filename"]
        }}),
        json!({"name": "multi_input", "description": "Needs a task; asks first_name and last_name at once (form elicitations via tasks/get), then greets", "inputSchema": no_args()}),
        json!({"name": "test_tool_with_task", "description": "Needs a task and elicitation; asks user_name by multi round-trip first, then runs as a task and greets", "inputSchema": no_args()}),
    ]
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or_default()
}

/// `ms` (Unix milliseconds) as ISO 8601 UTC with milliseconds: `2026-11-21T10:00:00.123Z`.
pub fn iso8601(ms: u64) -> String {
    let secs = ms / 1000;
    let millis = ms % 1000;
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (hour, minute, second) = (rem / 3600, rem % 3600 / 60, rem % 60);
    // Days to civil date (proleptic Gregorian), after Howard Hinnant's algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}.{millis:03}Z")
}

/// Whether the request declares the extension in `clientCapabilities.extensions`.
pub fn declares_extension(ctx: &Ctx) -> bool {
    ctx.meta
        .capabilities
        .get("extensions")
        .and_then(Value::as_object)
        .is_some_and(|e| e.contains_key(EXTENSION))
}

/// -32021 (HTTP 400) naming the extension in `data.requiredCapabilities.extensions`.
pub fn missing_extension(what: &str) -> RpcError {
    RpcError::new(
        StatusCode::BAD_REQUEST,
        MISSING_CLIENT_CAPABILITY,
        format!(
            "{what} requires the client extension '{EXTENSION}': declare it in _meta clientCapabilities.extensions"
        ),
    )
    .with_data(json!({"requiredCapabilities": {"extensions": {EXTENSION: {}}}}))
}

fn store_error(e: StoreError) -> RpcError {
    RpcError::internal(e.to_string())
}

fn text(s: impl Into<String>) -> Value {
    json!({"type": "text", "text": s.into()})
}

fn tool_result(message: impl Into<String>, is_error: bool) -> Value {
    json!({"resultType": "complete", "content": [text(message)], "isError": is_error})
}

/// The `notifications/tasks` params `task-listen-extra` sends for [`PHANTOM_TASK_ID`]: a
/// complete, schema-valid working task (untagged; the listen stream adds the subscription id).
pub fn phantom_task() -> Value {
    let now = iso8601(now_ms());
    json!({
        "taskId": PHANTOM_TASK_ID,
        "status": WORKING,
        "createdAt": now,
        "lastUpdatedAt": now,
        "ttlMs": DEFAULT_TTL_MS,
        "pollIntervalMs": POLL_INTERVAL_MS,
    })
}

// ---------------------------------------------------------------------------------------------
// Records and views

/// One input response received by `tasks/update`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Answer {
    key: String,
    value: Value,
    /// When it was received (Unix ms).
    at: u64,
}

/// What the store holds for a task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Record {
    tool: String,
    args: Map<String, Value>,
    /// Unix ms.
    created: u64,
    ttl: u64,
    #[serde(default)]
    answers: Vec<Answer>,
    /// When a cancel arrived (Unix ms).
    #[serde(default)]
    cancel: Option<u64>,
    /// The terminal state, frozen when first observed.
    #[serde(default)]
    terminal: Option<View>,
    /// `task-illegal-transition`: `tasks/get` calls that saw the completed state.
    #[serde(default)]
    flips: u32,
    /// When the terminal state was first reported (Unix ms; `task-purged-early` counts from it).
    #[serde(default)]
    terminal_seen: Option<u64>,
    /// `task-not-durable`: a request already missed the task; `task-illegal-transition`: the
    /// task was already reported `working` once.
    #[serde(default)]
    missed_once: bool,
    #[serde(default)]
    shown_working: bool,
    /// `task-before-mrtr`: the task itself asks `user_name`.
    #[serde(default)]
    asks_name: bool,
}

impl Record {
    /// How long the store keeps the record from `now`: until TTL + grace.
    fn keep(&self, now: u64) -> Duration {
        let until = self.created + self.ttl + PURGE_GRACE.as_millis() as u64;
        Duration::from_millis(until.saturating_sub(now).max(1))
    }

    /// The answers for `key` received by `t`, oldest first.
    fn answers_for(&self, key: &str, t: u64) -> Vec<&Answer> {
        self.answers
            .iter()
            .filter(|a| a.key == key && a.at <= t)
            .collect()
    }
}

/// The state of a task at one moment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct View {
    status: String,
    /// When this status (or its content) began: `lastUpdatedAt`.
    since: u64,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    inputs: Option<Map<String, Value>>,
    #[serde(default)]
    result: Option<Value>,
    #[serde(default)]
    error: Option<Value>,
}

impl View {
    fn new(status: &str, since: u64, message: Option<String>) -> View {
        View {
            status: status.to_string(),
            since,
            message,
            inputs: None,
            result: None,
            error: None,
        }
    }

    fn working(since: u64, message: impl Into<String>) -> View {
        View::new(WORKING, since, Some(message.into()))
    }

    fn completed(since: u64, result: Value) -> View {
        View {
            result: Some(result),
            ..View::new(COMPLETED, since, None)
        }
    }

    fn failed(since: u64, message: &str) -> View {
        View {
            error: Some(json!({"code": INTERNAL_ERROR, "message": message})),
            ..View::new(FAILED, since, Some(message.to_string()))
        }
    }

    fn cancelled(since: u64) -> View {
        View::new(
            CANCELLED,
            since,
            Some("Cancelled at the client's request".into()),
        )
    }

    fn terminal(&self) -> bool {
        matches!(self.status.as_str(), COMPLETED | FAILED | CANCELLED)
    }
}

/// A record as loaded: its stored text (for compare-and-set), parsed, and its current view.
struct Loaded {
    raw: String,
    rec: Record,
    view: View,
}

/// Why a task is looked at (only `tasks/get` drives `task-illegal-transition`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Purpose {
    Get,
    Other,
    /// A listen stream watching the task.
    Watch,
}

/// The task store plus the instance's fault mode: everything task evaluation needs (cloned
/// into listen streams).
#[derive(Clone)]
pub struct TaskEngine {
    store: Arc<dyn TaskStore>,
    fault: Option<F>,
}

impl TaskEngine {
    pub fn new(store: Arc<dyn TaskStore>, fault: Option<F>) -> TaskEngine {
        TaskEngine { store, fault }
    }

    fn has(&self, f: F) -> bool {
        self.fault == Some(f)
    }

    /// The state of `rec` at `now` (pure but for the fault mode).
    fn eval(&self, rec: &Record, now: u64) -> View {
        let view = self.eval_true(rec, now);
        if self.has(F::TaskStuckWorking) && matches!(view.status.as_str(), COMPLETED | FAILED) {
            // Reports working forever: the working state before it, or working from then on.
            let before = self.eval_true(rec, view.since.saturating_sub(1));
            if before.status == WORKING {
                return before;
            }
            return View::working(view.since, format!("{} running", rec.tool));
        }
        view
    }

    /// The state of `rec` at `now` without `task-stuck-working`.
    fn eval_true(&self, rec: &Record, now: u64) -> View {
        if let Some(t) = &rec.terminal {
            return t.clone();
        }
        if let Some(c) = rec.cancel
            && c <= now
            && !self.has(F::TaskIgnoresCancel)
            && !self.eval_base(rec, c).terminal()
        {
            return View::cancelled(c);
        }
        let view = self.eval_base(rec, now);
        let expiry = rec.created + rec.ttl;
        if !view.terminal() && now >= expiry {
            return View::failed(expiry, "Task expired: its ttlMs elapsed before it finished");
        }
        view
    }

    /// The state of `rec` at `t` as if never cancelled.
    fn eval_base(&self, rec: &Record, t: u64) -> View {
        let created = rec.created;
        match rec.tool.as_str() {
            "slow_compute" => {
                let done = created + seconds_ms(&rec.args).max(1);
                if t >= done {
                    View::completed(done, slow_result(&rec.args))
                } else {
                    View::working(
                        created,
                        format!("computing for {}s", seconds_text(&rec.args)),
                    )
                }
            }
            "failing_job" | "protocol_error_job" => {
                let done = created + JOB_MS;
                if t < done {
                    View::working(created, format!("{} running", rec.tool))
                } else if rec.tool == "protocol_error_job" && self.has(F::ToolErrorAsFailed) {
                    View::completed(
                        done,
                        tool_result("protocol_error_job: internal error", true),
                    )
                } else if rec.tool == "protocol_error_job" {
                    View::failed(
                        done,
                        "protocol_error_job: internal error while running the job (simulated)",
                    )
                } else if self.has(F::ToolErrorAsFailed) {
                    View::failed(done, "failing_job: the job failed")
                } else {
                    View::completed(
                        done,
                        tool_result(
                            "failing_job: the job failed (simulated tool execution error)",
                            true,
                        ),
                    )
                }
            }
            "confirm_delete" => {
                let filename = rec.args["filename"].as_str().unwrap_or("").to_string();
                let request = mrtr::form(
                    &format!("Delete {filename}? Confirm to proceed."),
                    "confirm",
                    "boolean",
                );
                self.asking(rec, t, vec![("confirm", request)], |answers| {
                    let a = answers.get("confirm").copied().unwrap_or(&Value::Null);
                    let yes = a["action"] == "accept" && a["content"]["confirm"] == true;
                    let verb = if yes { "deleted" } else { "kept" };
                    tool_result(format!("{verb} {filename}"), false)
                })
            }
            "multi_input" => {
                let requests = vec![
                    (
                        "first_name",
                        mrtr::form("What is your first name?", "first_name", "string"),
                    ),
                    (
                        "last_name",
                        mrtr::form("What is your last name?", "last_name", "string"),
                    ),
                ];
                self.asking(rec, t, requests, |answers| {
                    let get = |k: &str| elicited_text(answers.get(k).copied(), k, "(declined)");
                    tool_result(
                        format!("Hello, {} {}!", get("first_name"), get("last_name")),
                        false,
                    )
                })
            }
            "test_tool_with_task" if rec.asks_name => {
                let request = mrtr::form("What is your name?", "name", "string");
                self.asking(rec, t, vec![("user_name", request)], |answers| {
                    let name = elicited_text(answers.get("user_name").copied(), "name", "stranger");
                    tool_result(format!("Hello, {name}!"), false)
                })
            }
            "test_tool_with_task" => {
                let done = created + GREET_TASK_MS;
                let name = match rec.args["user_name"].as_str() {
                    Some(n) if !self.has(F::TaskForgetsMrtrAnswer) => n,
                    _ => "stranger",
                };
                if t >= done {
                    View::completed(done, tool_result(format!("Hello, {name}!"), false))
                } else {
                    View::working(created, "preparing the greeting")
                }
            }
            other => View::failed(created, &format!("unknown task kind {other}")),
        }
    }

    /// A task that asks `requests` [`ASK_AFTER_MS`] after creation and completes with
    /// `finish(answers)` once every key is answered.
    fn asking(
        &self,
        rec: &Record,
        t: u64,
        requests: Vec<(&str, Value)>,
        finish: impl FnOnce(&HashMap<&str, &Value>) -> Value,
    ) -> View {
        let ask_at = rec.created + ASK_AFTER_MS;
        if t < ask_at {
            return View::working(rec.created, "preparing");
        }
        let reuse = self.has(F::TaskReusedInputKey);
        let mut answers = HashMap::new();
        let mut since = ask_at;
        let mut inputs = Map::new();
        let mut pending = Vec::new();
        for (key, request) in requests {
            let got = rec.answers_for(key, t);
            if let Some(a) = got.last() {
                since = since.max(a.at);
            }
            let again = || {
                let mut again = request.clone();
                let message = again["params"]["message"].as_str().unwrap_or("");
                again["params"]["message"] = json!(format!("{message} (asked again)"));
                again
            };
            if got.len() >= self.answers_needed(rec) {
                answers.insert(key, &got[got.len() - 1].value);
                if reuse && self.answers_needed(rec) == 1 {
                    inputs.insert(key.to_string(), again());
                }
            } else if got.is_empty() {
                inputs.insert(key.to_string(), request.clone());
                pending.push(key.to_string());
            } else {
                inputs.insert(key.to_string(), again());
                pending.push(key.to_string());
            }
        }
        if pending.is_empty() {
            return View::completed(since, finish(&answers));
        }
        let message = format!("waiting for input: {}", pending.join(", "));
        View {
            inputs: Some(inputs),
            ..View::new(INPUT_REQUIRED, since, Some(message))
        }
    }

    /// How many answers a key of `rec` needs (2 for confirm_delete under
    /// `task-reused-input-key`, which asks its key again after the first answer).
    fn answers_needed(&self, rec: &Record) -> usize {
        if self.has(F::TaskReusedInputKey) && rec.tool == "confirm_delete" {
            2
        } else {
            1
        }
    }

    /// The acknowledgement of tasks/update and tasks/cancel (the task itself under
    /// `update-ack-with-task`).
    fn ack(&self, id: &str, rec: &Record, now: u64) -> Value {
        if !self.has(F::UpdateAckWithTask) {
            return json!({"resultType": "complete"});
        }
        let view = self.eval(rec, now);
        let fields = self.fields(id, rec, &view);
        let mut ack = Map::new();
        ack.insert("resultType".into(), json!("task"));
        for k in [
            "taskId",
            "status",
            "createdAt",
            "lastUpdatedAt",
            "ttlMs",
            "pollIntervalMs",
        ] {
            ack.insert(k.into(), fields[k].clone());
        }
        Value::Object(ack)
    }

    /// The task fields (`Task`) of a view.
    fn fields(&self, id: &str, rec: &Record, view: &View) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("taskId".into(), json!(id));
        m.insert("status".into(), json!(view.status));
        if let Some(message) = &view.message {
            m.insert("statusMessage".into(), json!(message));
        }
        m.insert("createdAt".into(), json!(iso8601(rec.created)));
        m.insert(
            "lastUpdatedAt".into(),
            json!(iso8601(view.since.max(rec.created))),
        );
        m.insert("ttlMs".into(), json!(rec.ttl));
        m.insert("pollIntervalMs".into(), json!(POLL_INTERVAL_MS));
        m
    }

    /// The `DetailedTask` of a view (task fields plus the payload of its status).
    fn detailed(&self, id: &str, rec: &Record, view: &View) -> Map<String, Value> {
        let mut m = self.fields(id, rec, view);
        match view.status.as_str() {
            INPUT_REQUIRED => {
                let inputs = if self.has(F::TaskInputRequestsEmpty) {
                    Map::new()
                } else {
                    view.inputs.clone().unwrap_or_default()
                };
                m.insert("inputRequests".into(), Value::Object(inputs));
            }
            COMPLETED => {
                m.insert("result".into(), view.result.clone().unwrap_or(json!({})));
            }
            FAILED => {
                m.insert(
                    "error".into(),
                    view.error
                        .clone()
                        .unwrap_or(json!({"code": INTERNAL_ERROR, "message": "the task failed"})),
                );
            }
            _ => {}
        }
        m
    }

    fn ttl_not_integer(&self, m: &mut Map<String, Value>, rec: &Record) {
        if self.has(F::TaskTtlNotInteger) {
            m.insert("ttlMs".into(), json!(rec.ttl as f64 + 0.5));
        }
    }

    fn not_found(&self, id: &str) -> RpcError {
        let mut e = RpcError::invalid_params(format!(
            "Task not found: no task with taskId '{id}' (unknown, expired or purged)"
        ));
        if self.has(F::UnknownTaskWrongCode) {
            e.code = UNDEFINED_RESERVED_CODE;
        }
        e
    }

    async fn write(&self, id: &str, old: &str, rec: &Record, now: u64) -> Result<bool, RpcError> {
        let new = serde_json::to_string(rec).map_err(|e| RpcError::internal(e.to_string()))?;
        self.store
            .compare_and_set(id, old, &new, rec.keep(now))
            .await
            .map_err(store_error)
    }

    /// Loads task `id` and evaluates it now, persisting a terminal state when first seen.
    /// `None`: unknown, purged, or hidden by a fault mode.
    async fn observe(&self, id: &str, purpose: Purpose) -> Result<Option<Loaded>, RpcError> {
        for _ in 0..CAS_ATTEMPTS {
            let Some(raw) = self.store.get(id).await.map_err(store_error)? else {
                return Ok(None);
            };
            let mut rec: Record = serde_json::from_str(&raw).map_err(|e| {
                RpcError::internal(format!("task {id}: corrupt task record in the store: {e}"))
            })?;
            let now = now_ms();
            // The first request for a task misses it (a store that is not yet consistent),
            // however late it comes.
            if self.has(F::TaskNotDurable) && purpose != Purpose::Watch && !rec.missed_once {
                rec.missed_once = true;
                if !self.write(id, &raw, &rec, now).await? {
                    continue;
                }
                return Ok(None);
            }
            let mut view = self.eval(&rec, now);
            // The seed said `completed`: the first observation says `working`, so the task
            // always visibly leaves the terminal state it claimed, however late it is observed.
            if self.has(F::TaskIllegalTransition) && !rec.shown_working && rec.terminal.is_none() {
                rec.shown_working = true;
                if !self.write(id, &raw, &rec, now).await? {
                    continue;
                }
                let raw = serde_json::to_string(&rec).unwrap_or_default();
                return Ok(Some(Loaded {
                    raw,
                    rec,
                    view: View::working(now, "starting"),
                }));
            }
            let flipping = self.has(F::TaskIllegalTransition) && rec.tool == "slow_compute";
            if flipping && purpose == Purpose::Get && rec.terminal.is_none() && view.terminal() {
                // Completed and working on alternate gets, for as long as anyone asks (so
                // whichever step polls after completion sees the task leave its terminal state).
                let n = rec.flips;
                rec.flips += 1;
                if !self.write(id, &raw, &rec, now).await? {
                    continue;
                }
                if n % 2 == 1 {
                    view = View::working(now, "computing again");
                }
                let raw = serde_json::to_string(&rec).unwrap_or_default();
                return Ok(Some(Loaded { raw, rec, view }));
            }
            let mut raw = raw;
            if view.terminal() && rec.terminal.is_none() && !flipping {
                rec.terminal = Some(view.clone());
                rec.terminal_seen = Some(now);
                if !self.write(id, &raw, &rec, now).await? {
                    continue;
                }
                raw = serde_json::to_string(&rec).unwrap_or_default();
            }
            if self.has(F::TaskPurgedEarly)
                && view.terminal()
                && now >= rec.terminal_seen.unwrap_or(now) + FAULT_WINDOW_MS
            {
                self.store.delete(id).await.map_err(store_error)?;
                return Ok(None);
            }
            return Ok(Some(Loaded { raw, rec, view }));
        }
        Err(RpcError::internal(format!(
            "task {id} is being updated concurrently; retry the request"
        )))
    }

    /// Stores a new task for `tool` and returns its `CreateTaskResult`.
    async fn create(
        &self,
        tool: &str,
        args: Map<String, Value>,
        asks_name: bool,
    ) -> Result<(String, Value), RpcError> {
        let now = now_ms();
        let ttl = if tool == "slow_compute" {
            DEFAULT_TTL_MS.max(seconds_ms(&args) + 30_000)
        } else {
            DEFAULT_TTL_MS
        };
        let rec = Record {
            tool: tool.to_string(),
            args,
            created: now,
            ttl,
            answers: Vec::new(),
            cancel: None,
            terminal: None,
            flips: 0,
            terminal_seen: None,
            missed_once: false,
            shown_working: false,
            asks_name,
        };
        let raw = serde_json::to_string(&rec).map_err(|e| RpcError::internal(e.to_string()))?;
        let id = uuid::Uuid::new_v4().to_string();
        let created = self
            .store
            .create(&id, &raw, rec.keep(now))
            .await
            .map_err(store_error)?;
        if !created {
            return Err(RpcError::internal(format!("task id {id} already exists")));
        }
        // The seed state: every fixture is `working` at its creation time.
        let view = View::working(now, format!("{tool} started"));
        let mut m = self.fields(&id, &rec, &view);
        m.insert("resultType".into(), json!("task"));
        if self.has(F::TaskIllegalTransition) {
            m.insert("status".into(), json!(COMPLETED));
        }
        self.ttl_not_integer(&mut m, &rec);
        if self.has(F::CreateResultExtraFields) {
            m.insert("requestState".into(), json!("x"));
            m.insert("result".into(), json!({}));
            m.insert(
                "error".into(),
                json!({"code": -32603, "message": "not yet"}),
            );
            m.insert("inputRequests".into(), json!({}));
            m.insert("task".into(), json!({"taskId": id, "status": "working"}));
            m.insert("ttl".into(), json!(60_000));
            m.insert("pollInterval".into(), json!(100));
        }
        if self.has(F::CreateResultBadFields) {
            m.insert("createdAt".into(), json!("21/11/2026 10:00"));
            m.insert("lastUpdatedAt".into(), json!("now"));
            m.insert("pollIntervalMs".into(), json!("100"));
        }
        Ok((id, Value::Object(m)))
    }

    /// `tasks/get`.
    async fn get(&self, id: &str) -> Result<Value, RpcError> {
        let l = self
            .observe(id, Purpose::Get)
            .await?
            .ok_or_else(|| self.not_found(id))?;
        let mut m = self.detailed(id, &l.rec, &l.view);
        if self.has(F::TaskGetMissingPayload) {
            m.remove("result");
            m.remove("error");
            if l.view.status == FAILED {
                m.remove("statusMessage");
            }
        }
        if self.has(F::TaskGetExtraPayload) {
            match l.view.status.as_str() {
                WORKING | INPUT_REQUIRED | FAILED => {
                    m.insert("result".into(), json!({"content": []}));
                }
                COMPLETED => {
                    m.insert(
                        "error".into(),
                        json!({"code": INTERNAL_ERROR, "message": "stale"}),
                    );
                    m.insert("inputRequests".into(), json!({}));
                }
                _ => {}
            }
        }
        self.ttl_not_integer(&mut m, &l.rec);
        m.insert("resultType".into(), json!("complete"));
        Ok(Value::Object(m))
    }

    /// `tasks/update`: records the responses for outstanding keys (others are ignored).
    async fn update(&self, id: &str, responses: Option<&Value>) -> Result<Value, RpcError> {
        let responses = match responses {
            Some(Value::Object(m)) => m,
            None => {
                return Err(RpcError::invalid_params(
                    "params.inputResponses is required: an object mapping inputRequests keys to responses",
                ));
            }
            Some(_) => {
                return Err(RpcError::invalid_params(
                    "params.inputResponses must be an object mapping inputRequests keys to responses",
                ));
            }
        };
        for _ in 0..CAS_ATTEMPTS {
            let l = self
                .observe(id, Purpose::Other)
                .await?
                .ok_or_else(|| self.not_found(id))?;
            let now = now_ms();
            let outstanding = match (&l.view.inputs, l.view.status.as_str()) {
                (Some(inputs), INPUT_REQUIRED) => inputs.clone(),
                _ => Map::new(),
            };
            let mut rec = l.rec.clone();
            let needed = self.answers_needed(&rec);
            let ignores = self.has(F::TaskIgnoresUpdate);
            let mut known = false;
            for (key, value) in responses {
                let got = rec.answers.iter().filter(|a| &a.key == key).count();
                if !outstanding.contains_key(key) || got >= needed {
                    continue; // not outstanding: ignored (TASKS-11)
                }
                known = true;
                if !Kind::Elicit.valid(value) {
                    return Err(RpcError::invalid_params(format!(
                        "inputResponses.{key} is not a valid ElicitResult (action accept, decline or cancel; content an object)"
                    )));
                }
                if ignores {
                    continue; // task-ignores-update: the answer is dropped
                }
                rec.answers.push(Answer {
                    key: key.clone(),
                    value: value.clone(),
                    at: now,
                });
            }
            if ignores && !known && !responses.is_empty() {
                let keys = responses.keys().cloned().collect::<Vec<_>>().join(", ");
                return Err(RpcError::invalid_params(format!(
                    "unknown input key: {keys} (not outstanding for task {id})"
                )));
            }
            if rec != l.rec && !self.write(id, &l.raw, &rec, now).await? {
                continue;
            }
            return Ok(self.ack(id, &rec, now));
        }
        Err(RpcError::internal(format!(
            "task {id} is being updated concurrently; retry the request"
        )))
    }

    /// `tasks/cancel`: the same ack whatever the state; a terminal task does not change.
    async fn cancel(&self, id: &str) -> Result<Value, RpcError> {
        for _ in 0..CAS_ATTEMPTS {
            let l = self
                .observe(id, Purpose::Other)
                .await?
                .ok_or_else(|| self.not_found(id))?;
            let now = now_ms();
            let mut rec = l.rec.clone();
            if l.view.terminal() {
                if self.has(F::CancelTerminalError) {
                    return Err(RpcError::invalid_params(format!(
                        "Task {id} is already {}; it cannot be cancelled",
                        l.view.status
                    )));
                }
                if !self.has(F::MutableTerminalState) {
                    return Ok(self.ack(id, &rec, now));
                }
                rec.terminal = Some(if l.view.status == CANCELLED {
                    View::failed(now, "cancelled twice")
                } else {
                    View::cancelled(now)
                });
            } else if self.has(F::CancelRunningError) {
                return Err(RpcError::internal("cancellation is not supported"));
            } else if self.has(F::TaskIgnoresCancel) {
                return Ok(self.ack(id, &rec, now));
            } else {
                rec.cancel = Some(now);
                rec.terminal = Some(View::cancelled(now));
                rec.terminal_seen = Some(now);
            }
            if self.write(id, &l.raw, &rec, now).await? {
                return Ok(self.ack(id, &rec, now));
            }
        }
        Err(RpcError::internal(format!(
            "task {id} is being updated concurrently; retry the request"
        )))
    }

    /// `tasks/result` (only under `tasks-result-method`).
    async fn result(&self, id: &str) -> Result<Value, RpcError> {
        let l = self
            .observe(id, Purpose::Other)
            .await?
            .ok_or_else(|| self.not_found(id))?;
        match (&l.view.result, l.view.status.as_str()) {
            (Some(r), COMPLETED) => Ok(r.clone()),
            _ => Err(RpcError::invalid_params(format!(
                "Task {id} is {}; it has no result",
                l.view.status
            ))),
        }
    }

    /// Which of `ids` name existing tasks.
    pub async fn existing(&self, ids: &[String]) -> Result<Vec<String>, RpcError> {
        let mut out = Vec::new();
        for id in ids {
            if self.store.get(id).await.map_err(store_error)?.is_some() && !out.contains(id) {
                out.push(id.clone());
            }
        }
        Ok(out)
    }
}

/// `arguments.seconds` in milliseconds (capped at [`MAX_SECONDS`]).
fn seconds_ms(args: &Map<String, Value>) -> u64 {
    let s = args
        .get("seconds")
        .and_then(Value::as_f64)
        .unwrap_or(0.0)
        .clamp(0.0, MAX_SECONDS);
    (s * 1000.0).round() as u64
}

/// `arguments.seconds` as written in result texts.
fn seconds_text(args: &Map<String, Value>) -> String {
    match args.get("seconds") {
        Some(Value::Number(n)) if n.as_f64().is_some_and(|s| s <= MAX_SECONDS) => n.to_string(),
        _ => "600".to_string(),
    }
}

/// The `slow_compute` result (the same for the synchronous call and the completed task).
fn slow_result(args: &Map<String, Value>) -> Value {
    let label = args
        .get("label")
        .and_then(Value::as_str)
        .unwrap_or("slow_compute");
    tool_result(
        format!("{label}: done after {}s", seconds_text(args)),
        false,
    )
}

/// The accepted value of `property` in an elicitation answer, or `default`.
fn elicited_text(answer: Option<&Value>, property: &str, default: &str) -> String {
    let Some(a) = answer else {
        return default.to_string();
    };
    if a["action"] != "accept" {
        return default.to_string();
    }
    let content = &a["content"];
    match content.get(property).or_else(|| content.get("user_name")) {
        Some(Value::String(s)) => s.clone(),
        Some(v) if !v.is_null() => v.to_string(),
        _ => default.to_string(),
    }
}

// ---------------------------------------------------------------------------------------------
// Dispatch

/// Handles what the tasks extension adds to `method`; `None` when the request is none of its
/// business (the ordinary handlers then serve it).
pub async fn dispatch(ctx: &Ctx<'_>, method: &str) -> Option<Result<Outcome, RpcError>> {
    if ctx.state.tools_only {
        return None;
    }
    let engine = &ctx.state.tasks;
    match method {
        "tools/call" => {
            if ctx.state.has(F::LegacyTaskParamRejected) && ctx.params.contains_key("task") {
                return Some(Err(RpcError::invalid_params(
                    "params.task is not supported: the server decides whether a call becomes a task",
                )));
            }
            let name = ctx.params.get("name").and_then(Value::as_str)?;
            if !TOOLS.contains(&name) {
                return None;
            }
            Some(call_tool(ctx, name).await)
        }
        "tasks/get" | "tasks/update" | "tasks/cancel" => {
            let mut r = task_method(ctx, method).await;
            if ctx.state.has(F::TaskErrorEmptyMessage)
                && let Err(e) = &mut r
            {
                e.message = String::new();
            }
            Some(r.map(Outcome::Result))
        }
        "tasks/result" if ctx.state.has(F::TasksResultMethod) => {
            let Some(id) = ctx.params.get("taskId").and_then(Value::as_str) else {
                return Some(Err(RpcError::invalid_params(
                    "params.taskId must be a string",
                )));
            };
            Some(engine.result(id).await.map(Outcome::Result))
        }
        "tasks/list" if ctx.state.has(F::TasksResultMethod) => Some(Ok(Outcome::Result(
            json!({"resultType": "complete", "tasks": []}),
        ))),
        "prompts/get" | "tools/list" | "server/discover"
            if ctx.state.has(F::TaskOnOtherMethod) && declares_extension(ctx) =>
        {
            let now = iso8601(now_ms());
            Some(Ok(Outcome::Result(json!({
                "resultType": "task",
                "taskId": uuid::Uuid::new_v4().to_string(),
                "status": WORKING,
                "createdAt": now,
                "lastUpdatedAt": now,
                "ttlMs": DEFAULT_TTL_MS,
                "pollIntervalMs": POLL_INTERVAL_MS,
            }))))
        }
        _ => None,
    }
}

async fn task_method(ctx: &Ctx<'_>, method: &str) -> Result<Value, RpcError> {
    if !declares_extension(ctx) && !ctx.state.has(F::TaskMethodsWithoutExtension) {
        return Err(missing_extension(method));
    }
    let Some(id) = ctx.params.get("taskId").and_then(Value::as_str) else {
        return Err(RpcError::invalid_params(
            "params.taskId must be a string (the taskId of a CreateTaskResult)",
        ));
    };
    let engine = &ctx.state.tasks;
    match method {
        "tasks/get" => engine.get(id).await,
        "tasks/update" => engine.update(id, ctx.params.get("inputResponses")).await,
        _ => engine.cancel(id).await,
    }
}

/// -32021 for a tool that cannot run without a task (-32003 under `required-task-legacy-code`).
fn task_required(ctx: &Ctx, tool: &str) -> RpcError {
    let mut e = missing_extension(&format!("Tool {tool} runs only as a task, so it"));
    if ctx.state.has(F::RequiredTaskLegacyCode) {
        e.code = LEGACY_MISSING_CAPABILITY;
        e.status = StatusCode::OK;
        e.data = Some(json!({"requiredCapabilities": {"tasks": {}}}));
    }
    e
}

async fn call_tool(ctx: &Ctx<'_>, name: &str) -> Result<Outcome, RpcError> {
    let args = match ctx.params.get("arguments") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(m)) => m.clone(),
        Some(_) => {
            return Err(RpcError::invalid_params(
                "params.arguments must be an object",
            ));
        }
    };
    if ctx.state.has(F::ListSideEffect) {
        ctx.state.with_conn(ctx.conn, |c| c.tools_called = true);
    }
    let engine = &ctx.state.tasks;
    let ext = declares_extension(ctx);
    let result = |v: Value| Ok(Outcome::Result(v));
    match name {
        "greet" => match args.get("name").and_then(Value::as_str) {
            Some(n) => result(tool_result(format!("Hello, {n}!"), false)),
            None => result(tool_result(
                "greet: arguments.name is required and must be a string",
                true,
            )),
        },
        "slow_compute" => {
            let seconds = match args.get("seconds").and_then(Value::as_f64) {
                Some(s) if s.is_finite() && s >= 0.0 => s.min(MAX_SECONDS),
                _ => {
                    return result(tool_result(
                        "slow_compute: arguments.seconds is required and must be a number >= 0",
                        true,
                    ));
                }
            };
            if ext || ctx.state.has(F::TaskWithoutExtension) {
                let (id, created) = engine.create(name, args, false).await?;
                if ctx.state.has(F::ReservedTaskNotification) {
                    let announce =
                        notification("notifications/tasks/created", json!({"taskId": id}));
                    return Ok(Outcome::Stream {
                        before: vec![announce],
                        last: Ok(created),
                    });
                }
                return result(created);
            }
            let pause = seconds.min(MAX_SYNC_SECONDS);
            tokio::time::sleep(Duration::from_secs_f64(pause)).await;
            result(slow_result(&args))
        }
        _ if !ext => Err(task_required(ctx, name)),
        "failing_job" | "protocol_error_job" | "multi_input" => {
            result(engine.create(name, Map::new(), false).await?.1)
        }
        "confirm_delete" => {
            let Some(filename) = args.get("filename").and_then(Value::as_str) else {
                return result(tool_result(
                    "confirm_delete: arguments.filename is required and must be a string",
                    true,
                ));
            };
            let mut kept = Map::new();
            kept.insert("filename".into(), json!(filename));
            result(engine.create(name, kept, false).await?.1)
        }
        _ => {
            // test_tool_with_task: MRTR first (user_name), then the task (TASKS-18).
            if !mrtr::form_ok(ctx) {
                return Err(ctx.missing_capability("elicitation"));
            }
            if ctx.state.has(F::TaskBeforeMrtr) {
                return result(engine.create(name, Map::new(), true).await?.1);
            }
            let m = Mrtr::open(ctx, "tools/call")?;
            let Some(answer) = m.answer("user_name", Kind::Elicit)? else {
                let request = mrtr::form("What is your name?", "name", "string");
                return result(m.ask(
                    vec![("user_name", request)],
                    json!({"fixture": "test_tool_with_task"}),
                ));
            };
            let mut kept = Map::new();
            kept.insert(
                "user_name".into(),
                json!(elicited_text(Some(&answer), "name", "stranger")),
            );
            result(engine.create(name, kept, false).await?.1)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Status notifications on listen streams (TASKS-16)

/// The tasks a listen stream watches: it polls them every [`WATCH_INTERVAL`] and yields a
/// `notifications/tasks` (the `DetailedTask`) for the state at subscription time and for
/// every change after it, until the task is terminal or gone.
pub struct TaskWatch {
    engine: TaskEngine,
    ids: Vec<String>,
    last: HashMap<String, Value>,
    done: HashSet<String>,
    pending: VecDeque<Value>,
    next_poll: tokio::time::Instant,
}

impl TaskWatch {
    pub fn new(engine: TaskEngine, ids: Vec<String>) -> TaskWatch {
        TaskWatch {
            engine,
            ids,
            last: HashMap::new(),
            done: HashSet::new(),
            pending: VecDeque::new(),
            next_poll: tokio::time::Instant::now(),
        }
    }

    /// The next notification (untagged); pending forever once every task is settled.
    /// Cancel-safe: nothing is lost when the future is dropped.
    pub async fn next(&mut self) -> Value {
        loop {
            if let Some(m) = self.pending.pop_front() {
                return m;
            }
            if self.ids.iter().all(|id| self.done.contains(id)) {
                std::future::pending::<()>().await;
            }
            tokio::time::sleep_until(self.next_poll).await;
            self.next_poll = tokio::time::Instant::now() + WATCH_INTERVAL;
            for id in self.ids.clone() {
                if self.done.contains(&id) {
                    continue;
                }
                match self.engine.observe(&id, Purpose::Watch).await {
                    Ok(Some(l)) => {
                        let params = Value::Object(self.engine.detailed(&id, &l.rec, &l.view));
                        if l.view.terminal() {
                            self.done.insert(id.clone());
                        }
                        if self.last.get(&id) != Some(&params) {
                            self.last.insert(id.clone(), params.clone());
                            self.pending
                                .push_back(notification("notifications/tasks", params));
                        }
                    }
                    Ok(None) => {
                        self.done.insert(id);
                    }
                    Err(_) => {} // store trouble: try again at the next poll
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_iso8601_with_milliseconds() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso8601(1_000_000_000_123), "2001-09-09T01:46:40.123Z");
        assert_eq!(iso8601(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(iso8601(1_795_255_200_007), "2026-11-21T10:00:00.007Z");
    }
}
