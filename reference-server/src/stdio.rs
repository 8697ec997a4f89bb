//! The stdio binding: newline-delimited JSON-RPC on stdin/stdout, logs on stderr (§9 STDIO-*).
//!
//! The same pipeline as HTTP minus the header layer and HTTP statuses ([`handle_headerless`]).
//! Every request runs in its own task, so `notifications/cancelled {requestId}` can stop an
//! in-flight request (nothing more is written for it) or end a `subscriptions/listen`.
//! Streamed outcomes (progress / log notifications) are written as separate lines before the
//! response; a live outcome (`test_slow_cancellable`) is dropped on cancellation, which the
//! fixture records. On stdin EOF the server lets in-flight requests finish (bounded by
//! [`DRAIN`]), tears the open subscriptions down (the graceful listen result, then
//! `notifications/cancelled`, both tagged with the subscription id) and exits with status 0.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt as _;
use serde_json::{Value, json};
use std::io::{BufRead, Write as _};
use tokio::sync::{mpsc, watch};
use tokio::task::{AbortHandle, JoinSet};

use crate::faults::FaultKind as F;
use crate::rpc::{
    INVALID_REQUEST, LiveEvent, METHOD_NOT_FOUND, Outcome, RpcError, envelope, notification,
};
use crate::server::{
    AppState, Conn, Incoming, Listen, META_SUBSCRIPTION, echoed_id, finish_result,
    handle_headerless, parse_message, subscription_id,
};
use crate::{Config, REVISION};

/// How long in-flight requests may still run after stdin EOF.
pub const DRAIN: Duration = Duration::from_secs(2);

/// Serves MCP on this process's stdin/stdout until stdin EOF; returns the exit code (0; 2 when
/// `config.auth` is set).
pub async fn serve(config: Config) -> i32 {
    if config.auth.is_some() {
        // Authorization is defined for HTTP only; a stdio server must not pretend to enforce it.
        eprintln!("mcpcheck reference server: auth mode applies to HTTP, not to stdio");
        return 2;
    }
    let state = match AppState::build(&config).await {
        Ok(s) => Arc::new(s),
        Err(e) => {
            eprintln!("mcpcheck reference server: {e}");
            return 1;
        }
    };
    let (tx, rx) = mpsc::unbounded_channel::<String>();
    let writer = tokio::task::spawn_blocking(move || write_lines(rx));
    eprintln!("mcpcheck reference server: serving MCP {REVISION} on stdio");
    if state.has(F::StdoutLogLine) {
        let _ = tx.send("mcpcheck reference server started (log line on stdout)".to_string());
    }
    let server = Server {
        state,
        out: Out {
            tx,
            inflight: Arc::new(Mutex::new(HashMap::new())),
        },
        shutdown: watch::channel(false).0,
        // stdio is one connection (per-connection fault state lives here).
        conn: Conn {
            peer: SocketAddr::from(([0, 0, 0, 0], 0)),
            id: 0,
        },
    };
    let mut lines = spawn_reader();
    let mut tasks = JoinSet::new();
    let mut generation = 0u64;
    loop {
        tokio::select! {
            line = lines.recv() => match line {
                Some(line) => {
                    generation += 1;
                    server.on_line(&line, generation, &mut tasks);
                }
                None => break,
            },
            Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
        }
    }
    eprintln!("mcpcheck reference server: stdin closed");
    // Open subscriptions end themselves (graceful result, then notifications/cancelled).
    let _ = server.shutdown.send(true);
    let _ = tokio::time::timeout(DRAIN, async { while tasks.join_next().await.is_some() {} }).await;
    tasks.abort_all();
    if server.state.has(F::StdioNoExitOnEof) {
        eprintln!(
            "mcpcheck reference server: not exiting on stdin EOF (fault stdio-no-exit-on-eof)"
        );
        std::future::pending::<()>().await;
    }
    drop(server);
    // Bounded: a client that stops reading stdout must not keep the server alive.
    let _ = tokio::time::timeout(DRAIN, writer).await;
    0
}

/// Reads stdin lines (without the terminator; a trailing `\r` is dropped) on a plain thread
/// into a channel that closes on EOF or a read error.
fn spawn_reader() -> mpsc::Receiver<Vec<u8>> {
    let (tx, rx) = mpsc::channel(64);
    std::thread::spawn(move || {
        let mut stdin = std::io::stdin().lock();
        while let Some(buf) = read_line(&mut stdin) {
            if tx.blocking_send(buf).is_err() {
                break;
            }
        }
    });
    rx
}

/// The next line of `reader` without its terminator (a trailing `\r` is dropped too); `None`
/// at EOF or on a read error.
pub(crate) fn read_line(reader: &mut impl BufRead) -> Option<Vec<u8>> {
    let mut buf = Vec::new();
    match reader.read_until(b'\n', &mut buf) {
        Ok(0) | Err(_) => None,
        Ok(_) => {
            if buf.last() == Some(&b'\n') {
                buf.pop();
            }
            if buf.last() == Some(&b'\r') {
                buf.pop();
            }
            Some(buf)
        }
    }
}

/// Writes each message as one line to stdout, flushing after each (stops when stdout is gone).
fn write_lines(mut rx: mpsc::UnboundedReceiver<String>) {
    let mut stdout = std::io::stdout().lock();
    while let Some(line) = rx.blocking_recv() {
        let mut bytes = line.into_bytes();
        bytes.push(b'\n');
        if stdout.write_all(&bytes).is_err() || stdout.flush().is_err() {
            break;
        }
    }
}

/// An in-flight request: cancelling removes it, after which nothing more is written for it.
struct Entry {
    generation: u64,
    abort: Option<AbortHandle>,
    /// An open `subscriptions/listen` (cancellation ends it even under `stdio-ignores-cancel`).
    listen: bool,
}

/// The output side: lines for a request are written only while its entry is registered, under
/// the same lock that cancellation takes, so no line follows a processed cancellation.
#[derive(Clone)]
struct Out {
    tx: mpsc::UnboundedSender<String>,
    inflight: Arc<Mutex<HashMap<String, Entry>>>,
}

impl Out {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry>> {
        self.inflight.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Writes a line not tied to a request.
    fn send(&self, message: &Value) {
        let _ = self.tx.send(crate::mrtr::wire_text(message));
    }

    fn send_text(&self, text: String) {
        let _ = self.tx.send(text);
    }

    /// Writes `message` for request `key` if it is still in flight; `last` unregisters it.
    /// Returns false once the request was cancelled.
    fn send_for(&self, key: &str, generation: u64, message: &Value, last: bool) -> bool {
        let mut inflight = self.lock();
        if inflight.get(key).is_none_or(|e| e.generation != generation) {
            return false;
        }
        let _ = self.tx.send(crate::mrtr::wire_text(message));
        if last {
            inflight.remove(key);
        }
        true
    }
}

struct Server {
    state: Arc<AppState>,
    out: Out,
    /// Set on stdin EOF: open subscriptions tear themselves down.
    shutdown: watch::Sender<bool>,
    conn: Conn,
}

/// The map key of a request id: its JSON text, so `7` and `"7"` differ.
fn key_of(id: &Value) -> String {
    id.to_string()
}

impl Server {
    fn on_line(&self, line: &[u8], generation: u64, tasks: &mut JoinSet<()>) {
        let state = &self.state;
        if line.iter().all(u8::is_ascii_whitespace) {
            return;
        }
        if let Some(cancelled) = cancel_target(line) {
            self.cancel(&cancelled);
            if state.has(F::AnswersNotifications) {
                self.out.send(&answer_to_notification());
            }
            return;
        }
        match parse_message(line) {
            Err(failure) => {
                let (id, e) = *failure;
                eprintln!("mcpcheck reference server: rejected a line: {}", e.message);
                self.out.send(&self.error_message(id.as_ref(), &e));
            }
            Ok(Incoming::Batch) => {
                let e = RpcError::new(
                    axum::http::StatusCode::BAD_REQUEST,
                    INVALID_REQUEST,
                    "Batch requests are not supported",
                );
                self.out.send(&self.error_message(None, &e));
            }
            Ok(Incoming::Notification) => {
                if state.has(F::AnswersNotifications) {
                    self.out.send(&answer_to_notification());
                }
            }
            Ok(Incoming::Request { id, method, params }) => {
                if state.has(F::StdoutLogLine) {
                    self.out
                        .send_text(format!("handling request {id} ({method})"));
                }
                let key = key_of(&id);
                let task = Request {
                    state: Arc::clone(state),
                    out: self.out.clone(),
                    conn: self.conn,
                    shutdown: self.shutdown.subscribe(),
                    key: key.clone(),
                    generation,
                    id,
                    method,
                    params,
                };
                // Register before the task can write.
                let mut inflight = self.out.lock();
                let abort = tasks.spawn(task.run());
                inflight.insert(
                    key,
                    Entry {
                        generation,
                        abort: Some(abort),
                        listen: false,
                    },
                );
            }
        }
    }

    /// Handles `notifications/cancelled` for request id `target`.
    fn cancel(&self, target: &Value) {
        let mut inflight = self.out.lock();
        let key = key_of(target);
        let is_listen = inflight.get(&key).is_some_and(|e| e.listen);
        if self.state.has(F::StdioIgnoresCancel) && !is_listen {
            return;
        }
        if let Some(entry) = inflight.remove(&key)
            && let Some(abort) = entry.abort
        {
            abort.abort();
        }
    }

    fn error_message(&self, id: Option<&Value>, e: &RpcError) -> Value {
        error_message(&self.state, id, e)
    }
}

fn error_message(state: &AppState, id: Option<&Value>, e: &RpcError) -> Value {
    let mut message = envelope(id, Err(e));
    if state.has(F::ErrorWithoutMessage) {
        message["error"]
            .as_object_mut()
            .map(|o| o.remove("message"));
    }
    message
}

/// What the `answers-notifications` fault writes for a notification.
fn answer_to_notification() -> Value {
    json!({"jsonrpc": "2.0", "result": {"resultType": "complete"}})
}

/// The `requestId` of a well-formed `notifications/cancelled` line (malformed ones are ignored
/// like any other notification, CANCEL-03).
pub(crate) fn cancel_target(line: &[u8]) -> Option<Value> {
    let value: Value = serde_json::from_slice(line).ok()?;
    let obj = value.as_object()?;
    if obj.contains_key("id") || obj.get("method")? != "notifications/cancelled" {
        return None;
    }
    match obj.get("params")?.get("requestId")? {
        id @ (Value::String(_) | Value::Number(_)) => Some(id.clone()),
        _ => None,
    }
}

/// One request, run in its own task.
struct Request {
    state: Arc<AppState>,
    out: Out,
    conn: Conn,
    shutdown: watch::Receiver<bool>,
    key: String,
    generation: u64,
    id: Value,
    method: String,
    params: Option<Value>,
}

impl Request {
    async fn run(self) {
        let state = &self.state;
        let outcome = if state.has(F::StdioNoDiscover) && self.method == "server/discover" {
            Outcome::Error(RpcError::new(
                axum::http::StatusCode::NOT_FOUND,
                METHOD_NOT_FOUND,
                "Method not found: server/discover",
            ))
        } else if state.has(F::StdioMetaUnchecked) && self.method != "initialize" {
            let params = unchecked_meta(self.params.clone());
            match handle_headerless(state, self.conn, &self.method, Some(&params)).await {
                Err(e) if e.code == METHOD_NOT_FOUND => {
                    Outcome::Result(json!({"resultType": "complete"}))
                }
                other => other.unwrap_or_else(Outcome::Error),
            }
        } else {
            handle_headerless(state, self.conn, &self.method, self.params.as_ref())
                .await
                .unwrap_or_else(Outcome::Error)
        };
        let id = echoed_id(state, &self.id, &outcome);
        if state.has(F::StdioServerRequest) && !matches!(outcome, Outcome::Listen(_)) {
            self.send(&server_request(None), false);
        }
        match outcome {
            Outcome::Result(r) => {
                self.send(&envelope(Some(&id), Ok(finish_result(state, r))), true);
            }
            Outcome::Error(e) => {
                self.send(&error_message(state, Some(&id), &e), true);
            }
            Outcome::Stream { before, last } => {
                for message in &before {
                    if !self.send(message, false) {
                        return;
                    }
                }
                let last = match last {
                    Ok(r) => envelope(Some(&id), Ok(finish_result(state, r))),
                    Err(e) => error_message(state, Some(&id), &e),
                };
                if self.send(&last, !state.has(F::EventAfterResponse))
                    && state.has(F::EventAfterResponse)
                {
                    let after = notification(
                        "com.example/after-response",
                        json!({"note": "sent after the final response"}),
                    );
                    self.send(&after, true);
                }
            }
            Outcome::Live(live) => {
                let mut live = live.0;
                while let Some(event) = live.next().await {
                    let message = match event {
                        LiveEvent::Message(m) => m,
                        LiveEvent::Final(Ok(r)) => envelope(Some(&id), Ok(finish_result(state, r))),
                        LiveEvent::Final(Err(e)) => error_message(state, Some(&id), &e),
                        LiveEvent::Comment(_) => continue,
                    };
                    if !self.send(&message, false) {
                        // Cancelled: dropping the stream tells the fixture.
                        return;
                    }
                }
                self.done();
            }
            Outcome::Listen(listen) => self.listen(id, listen).await,
        }
    }

    /// Unregisters the request (its stream ended without a final-marked message).
    fn done(&self) {
        let mut inflight = self.out.lock();
        if inflight
            .get(&self.key)
            .is_some_and(|e| e.generation == self.generation)
        {
            inflight.remove(&self.key);
        }
    }

    fn send(&self, message: &Value, last: bool) -> bool {
        self.out.send_for(&self.key, self.generation, message, last)
    }

    async fn listen(&self, id: Value, mut listen: Listen) {
        let sub_id = subscription_id(&self.state, &id);
        {
            let mut inflight = self.out.lock();
            match inflight.get_mut(&self.key) {
                Some(e) if e.generation == self.generation => e.listen = true,
                _ => return,
            }
        }
        let untagged = self.state.has(F::StdioUntaggedSubscription);
        if !self.state.has(F::ListenNoAck)
            && !self.send(&untag(listen.ack(&sub_id), untagged), false)
        {
            return;
        }
        if self.state.has(F::StdioServerRequest)
            && !self.send(&server_request(Some(&sub_id)), false)
        {
            return;
        }
        if self.state.has(F::ListenClosesImmediately) {
            self.done();
            return;
        }
        let mut shutdown = self.shutdown.clone();
        loop {
            let message = tokio::select! {
                _ = shutdown.wait_for(|closing| *closing) => {
                    self.teardown(&id, &sub_id);
                    return;
                }
                m = listen.next_message(&sub_id) => m,
            };
            let Some(m) = message else { return };
            if !self.send(&untag(m, untagged), false) {
                return;
            }
        }
    }

    /// Server-side end of a subscription (stdin EOF): the graceful listen result, then
    /// `notifications/cancelled` referencing the listen request (§13 item 9), both tagged with
    /// the subscription id.
    fn teardown(&self, id: &Value, sub_id: &Value) {
        let result = finish_result(
            &self.state,
            json!({"resultType": "complete", "_meta": {META_SUBSCRIPTION: sub_id}}),
        );
        if !self.send(&envelope(Some(id), Ok(result)), false) {
            return;
        }
        let cancelled = notification(
            "notifications/cancelled",
            json!({
                "requestId": id,
                "reason": "server shutting down: stdin closed",
                "_meta": {META_SUBSCRIPTION: sub_id}
            }),
        );
        self.send(&cancelled, true);
    }
}

/// The JSON-RPC request the `stdio-server-request` fault writes to stdout (on a subscription
/// tagged with its subscription id).
fn server_request(sub_id: Option<&Value>) -> Value {
    let mut request = json!({"jsonrpc": "2.0", "id": "srv-1", "method": "elicitation/create", "params": {
        "mode": "form",
        "message": "What is your name?",
        "requestedSchema": {"type": "object", "properties": {"user_name": {"type": "string"}}}
    }});
    if let Some(sub_id) = sub_id {
        request["params"]["_meta"] = json!({META_SUBSCRIPTION: sub_id});
    }
    request
}

/// Under `stdio-untagged-subscription`: `message` without its subscription id tag.
fn untag(mut message: Value, untagged: bool) -> Value {
    if untagged {
        for member in ["params", "result"] {
            let Some(meta) = message
                .get_mut(member)
                .and_then(|p| p.get_mut("_meta"))
                .and_then(Value::as_object_mut)
            else {
                continue;
            };
            meta.remove(META_SUBSCRIPTION);
            if meta.is_empty() {
                message[member].as_object_mut().map(|p| p.remove("_meta"));
            }
        }
    }
    message
}

/// Under `stdio-meta-unchecked`: `params` with a `_meta` that passes the per-request checks
/// (protocolVersion forced to this revision, clientCapabilities `{}` unless an object is given).
fn unchecked_meta(params: Option<Value>) -> Value {
    let mut params = match params {
        Some(Value::Object(p)) => p,
        _ => serde_json::Map::new(),
    };
    let meta = params.entry("_meta").or_insert_with(|| json!({}));
    if !meta.is_object() {
        *meta = json!({});
    }
    let meta = meta.as_object_mut().expect("an object");
    meta.insert(
        "io.modelcontextprotocol/protocolVersion".into(),
        json!(REVISION),
    );
    let caps = "io.modelcontextprotocol/clientCapabilities";
    if !meta.get(caps).is_some_and(Value::is_object) {
        meta.insert(caps.into(), json!({}));
    }
    Value::Object(params)
}
