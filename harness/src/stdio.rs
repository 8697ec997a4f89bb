//! stdio transport: the server under test is a child process speaking newline-delimited JSON-RPC
//! on stdin/stdout (§9 STDIO-01..07).
//!
//! A reader task reads stdout line by line and demultiplexes: messages tagged with a
//! subscription id the client subscribed to go to that [`Subscription`]; a response goes to the
//! exchange waiting for its id (same JSON value and type); everything else that arrives while
//! exchanges are waiting is copied to each of them (request notifications, stray lines), and
//! otherwise kept as unsolicited. Lines that are not exactly one JSON object are framing problems
//! (STDIO-01) and are reported only through [`StdioServer::framing_problems`].
//!
//! Whatever the child does (garbage, huge lines, silence, exiting, closing stdout, not reading
//! stdin) every call returns within its timeout with a clear error; the child is killed on drop
//! and reaped by [`StdioServer::shutdown`].

use std::collections::VecDeque;
use std::process::{ExitStatus, Stdio};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::io::{
    AsyncBufReadExt as _, AsyncRead, AsyncReadExt as _, AsyncWriteExt as _, BufReader,
};
use tokio::process::{Child, ChildStdin, Command};
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::AbortHandle;

/// The `_meta` key that tags listen-stream messages.
pub const SUBSCRIPTION_ID: &str = "io.modelcontextprotocol/subscriptionId";

/// How much of a line is quoted in framing problems.
const QUOTE: usize = 200;
/// How much of the stderr tail is quoted in exchange errors.
const STDERR_QUOTE: usize = 2000;
/// After the child exited, how long the reader may still take to deliver buffered output.
const EXIT_GRACE: Duration = Duration::from_millis(500);

#[derive(Debug, Clone)]
pub struct StdioConfig {
    /// Default bound for one exchange (callers pass their own to [`StdioServer::exchange`]).
    pub request_timeout: Duration,
    /// Bytes per stdout line at most; a longer line is a framing problem (and is not parsed).
    pub max_line: usize,
    /// Bytes of stderr kept (the tail).
    pub stderr_keep: usize,
}

impl Default for StdioConfig {
    fn default() -> Self {
        StdioConfig {
            request_timeout: Duration::from_secs(15),
            max_line: 4 * 1024 * 1024,
            stderr_keep: 64 * 1024,
        }
    }
}

/// What one [`StdioServer::exchange`] saw.
#[derive(Debug, Clone)]
pub struct StdioExchange {
    /// The line written (without the newline).
    pub sent: String,
    /// Raw JSON texts in arrival order: notifications and stray messages that arrived while the
    /// exchange waited (not those routed to a subscription), and the response.
    pub lines: Vec<String>,
    /// Index into `lines` of the response whose id equals the request id.
    pub final_index: Option<usize>,
    /// Why no response was received: timeout, child exited (with status and stderr tail),
    /// stdout closed, write failed.
    pub error: Option<String>,
    pub elapsed: Duration,
}

impl StdioExchange {
    /// The response text, if one arrived.
    pub fn response(&self) -> Option<&str> {
        self.final_index.map(|i| self.lines[i].as_str())
    }
}

/// A running child process speaking MCP over stdio. Cheap to clone (shared state).
#[derive(Clone)]
pub struct StdioServer {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for StdioServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StdioServer")
            .field("command", &self.inner.command)
            .field("running", &self.is_running())
            .finish()
    }
}

struct Inner {
    command: String,
    config: StdioConfig,
    shared: Arc<Mutex<Shared>>,
    /// Commands for the task that owns the child's stdin.
    writer: mpsc::UnboundedSender<WriteCmd>,
    writer_task: AbortHandle,
    /// Dropping or sending on this makes the supervisor kill the child.
    kill: mpsc::UnboundedSender<()>,
    /// The child's exit status once reaped.
    exit: watch::Receiver<Option<ExitStatus>>,
    /// True once stdout reached EOF (or a read error).
    stdout_closed: watch::Receiver<bool>,
    /// True once stderr reached EOF (or a read error).
    stderr_closed: watch::Receiver<bool>,
    reader_tasks: [AbortHandle; 2],
}

impl Drop for Inner {
    fn drop(&mut self) {
        // The supervisor sees the kill channel close and kills the child; the readers end at
        // EOF, but are stopped in case a grandchild keeps the pipes open.
        self.writer_task.abort();
        for t in &self.reader_tasks {
            t.abort();
        }
    }
}

enum WriteCmd {
    Line(Vec<u8>, oneshot::Sender<Result<(), String>>),
    Close(oneshot::Sender<()>),
}

#[derive(Default)]
struct Shared {
    next_token: u64,
    exchanges: Vec<Slot>,
    subscriptions: Vec<(Value, mpsc::UnboundedSender<String>)>,
    unsolicited: Vec<String>,
    framing: Vec<String>,
    stderr: VecDeque<u8>,
}

/// An exchange waiting for its response.
struct Slot {
    token: u64,
    id: Value,
    lines: Vec<String>,
    final_index: Option<usize>,
    done: Option<oneshot::Sender<()>>,
}

fn lock(shared: &Mutex<Shared>) -> MutexGuard<'_, Shared> {
    shared.lock().unwrap_or_else(|e| e.into_inner())
}

impl StdioServer {
    /// Splits `command` shell-style (quotes, backslashes; no shell), spawns it with piped
    /// stdin/stdout/stderr and `kill_on_drop`, and starts the reader tasks.
    pub async fn start(command: &str, config: StdioConfig) -> Result<StdioServer, String> {
        let argv = split_command(command)?;
        let Some((program, args)) = argv.split_first() else {
            return Err("empty server command".into());
        };
        let mut child = Command::new(program)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| format!("cannot start {program:?}: {e}"))?;
        let (Some(stdin), Some(stdout), Some(stderr)) =
            (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            let _ = child.start_kill();
            let _ = child.wait().await;
            return Err("the child's pipes are missing".into());
        };
        let shared = Arc::new(Mutex::new(Shared::default()));

        let (exit_tx, exit_rx) = watch::channel(None);
        let (kill_tx, kill_rx) = mpsc::unbounded_channel();
        tokio::spawn(supervise(child, kill_rx, exit_tx));

        let (writer_tx, writer_rx) = mpsc::unbounded_channel();
        let writer_task = tokio::spawn(write_stdin(stdin, writer_rx)).abort_handle();

        let (closed_tx, closed_rx) = watch::channel(false);
        let out = tokio::spawn(read_stdout(
            stdout,
            Arc::clone(&shared),
            config.max_line,
            closed_tx,
        ))
        .abort_handle();
        let (err_closed_tx, err_closed_rx) = watch::channel(false);
        let err = tokio::spawn(read_stderr(
            stderr,
            Arc::clone(&shared),
            config.stderr_keep,
            err_closed_tx,
        ))
        .abort_handle();

        Ok(StdioServer {
            inner: Arc::new(Inner {
                command: command.to_string(),
                config,
                shared,
                writer: writer_tx,
                writer_task,
                kill: kill_tx,
                exit: exit_rx,
                stdout_closed: closed_rx,
                stderr_closed: err_closed_rx,
                reader_tasks: [out, err],
            }),
        })
    }

    /// The configuration the server was started with.
    pub fn config(&self) -> &StdioConfig {
        &self.inner.config
    }

    /// Writes `line` + `"\n"` (`line` is one JSON text without newlines). With `id` Some, waits
    /// until a response with exactly that id (same JSON type) arrives, or `timeout`, or the child
    /// exits / closes stdout; returns the messages that arrived meanwhile and were not routed to
    /// a subscription, with the index of the response. With `id` None (a notification or raw
    /// line) returns right after writing, with no lines.
    pub async fn exchange(
        &self,
        line: &str,
        id: Option<&Value>,
        timeout: Duration,
    ) -> StdioExchange {
        let start = Instant::now();
        let deadline = tokio::time::Instant::now() + timeout;
        let mut exchange = StdioExchange {
            sent: line.to_string(),
            lines: Vec::new(),
            final_index: None,
            error: None,
            elapsed: Duration::ZERO,
        };
        // Register before writing, so an immediate answer is not missed.
        let waiting = id.map(|id| {
            let (tx, rx) = oneshot::channel();
            let mut shared = lock(&self.inner.shared);
            shared.next_token += 1;
            let token = shared.next_token;
            shared.exchanges.push(Slot {
                token,
                id: id.clone(),
                lines: Vec::new(),
                final_index: None,
                done: Some(tx),
            });
            (token, rx)
        });

        let mut error = match tokio::time::timeout_at(deadline, self.write(line)).await {
            Ok(Ok(())) => None,
            Ok(Err(e)) => Some(e),
            Err(_) => Some(format!(
                "writing the request timed out after {timeout:?} (the server is not reading stdin)"
            )),
        };
        if let Some((token, done)) = waiting {
            if error.is_none() {
                error = self.wait_for_response(done, deadline, timeout).await;
            }
            let slot = {
                let mut shared = lock(&self.inner.shared);
                let pos = shared.exchanges.iter().position(|s| s.token == token);
                pos.map(|p| shared.exchanges.remove(p))
            };
            if let Some(slot) = slot {
                exchange.lines = slot.lines;
                exchange.final_index = slot.final_index;
            }
            if exchange.final_index.is_some() {
                error = None;
            } else if error.is_none() {
                error = Some("no response".into());
            }
        }
        exchange.error = error;
        exchange.elapsed = start.elapsed();
        exchange
    }

    /// Waits for the response signal; `Some(error)` when it did not come.
    async fn wait_for_response(
        &self,
        done: oneshot::Receiver<()>,
        deadline: tokio::time::Instant,
        timeout: Duration,
    ) -> Option<String> {
        let mut closed = self.inner.stdout_closed.clone();
        let mut exit = self.inner.exit.clone();
        let mut done = done;
        tokio::select! {
            biased;
            r = &mut done => {
                return r.err().map(|_| "internal: the exchange was dropped".to_string());
            }
            _ = closed.wait_for(|c| *c) => {}
            _ = exit.wait_for(Option::is_some) => {}
            _ = tokio::time::sleep_until(deadline) => {
                return Some(format!("no response within {timeout:?}"));
            }
        }
        // The child went away: let its last output, stderr and exit status settle.
        let grace = deadline.min(tokio::time::Instant::now() + EXIT_GRACE);
        self.settle(grace).await;
        if done.try_recv().is_ok() {
            return None;
        }
        Some(if self.is_running() {
            self.gone("closed stdout")
        } else {
            self.gone("exited")
        })
    }

    /// Waits until stdout and stderr are closed and the child was reaped, or `until`.
    async fn settle(&self, until: tokio::time::Instant) {
        let mut out = self.inner.stdout_closed.clone();
        let mut err = self.inner.stderr_closed.clone();
        let mut exit = self.inner.exit.clone();
        let _ = tokio::time::timeout_at(until, async {
            let _ = out.wait_for(|c| *c).await;
            let _ = err.wait_for(|c| *c).await;
            let _ = exit.wait_for(Option::is_some).await;
        })
        .await;
    }

    /// Error text for a child that went away before answering.
    fn gone(&self, what: &str) -> String {
        let status = match *self.inner.exit.borrow() {
            Some(s) => s.to_string(),
            None => "still running".to_string(),
        };
        let tail = self.stderr_tail();
        let tail = tail_chars(&tail, STDERR_QUOTE);
        format!(
            "the server {what} before answering ({status}); stderr tail: {:?}",
            tail.trim_end()
        )
    }

    async fn write(&self, line: &str) -> Result<(), String> {
        let mut bytes = Vec::with_capacity(line.len() + 1);
        bytes.extend_from_slice(line.as_bytes());
        bytes.push(b'\n');
        let (tx, rx) = oneshot::channel();
        self.inner
            .writer
            .send(WriteCmd::Line(bytes, tx))
            .map_err(|_| "write failed: stdin is closed".to_string())?;
        rx.await
            .unwrap_or_else(|_| Err("write failed: stdin is closed".into()))
    }

    /// Routes messages whose `params._meta` or `result._meta` has
    /// `io.modelcontextprotocol/subscriptionId` equal to `id`, the response whose id equals `id`
    /// (a graceful listen close) and `notifications/cancelled` whose `requestId` equals `id` (a
    /// stdio listen teardown) to the returned handle instead of exchanges. Subscribe before
    /// sending the listen request (with `exchange(line, None, …)`).
    pub fn subscribe(&self, id: &Value) -> Subscription {
        let (tx, rx) = mpsc::unbounded_channel();
        let mut shared = lock(&self.inner.shared);
        if *self.inner.stdout_closed.borrow() {
            // Nothing will ever arrive; the handle reports that at once.
            drop(tx);
        } else {
            shared.subscriptions.push((id.clone(), tx));
        }
        Subscription { rx }
    }

    /// Closes stdin (after writes already queued) and waits up to `timeout` for the child to
    /// exit (and then briefly for its remaining output to be read); its status, or None if it is
    /// still running.
    pub async fn close_stdin_and_wait(&self, timeout: Duration) -> Option<ExitStatus> {
        let deadline = tokio::time::Instant::now() + timeout;
        let (tx, rx) = oneshot::channel();
        if self.inner.writer.send(WriteCmd::Close(tx)).is_ok()
            && tokio::time::timeout_at(deadline, rx).await.is_err()
        {
            // A write is stuck (the child does not read stdin): dropping the task closes the pipe.
            self.inner.writer_task.abort();
        }
        let mut exit = self.inner.exit.clone();
        let exited = tokio::time::timeout_at(deadline, exit.wait_for(Option::is_some))
            .await
            .is_ok();
        if exited {
            // Let the reader tasks take in the last output.
            self.settle(deadline.min(tokio::time::Instant::now() + EXIT_GRACE))
                .await;
        }
        *self.inner.exit.borrow()
    }

    /// The last `stderr_keep` bytes of stderr (lossy UTF-8).
    pub fn stderr_tail(&self) -> String {
        let shared = lock(&self.inner.shared);
        let (a, b) = shared.stderr.as_slices();
        let mut bytes = Vec::with_capacity(a.len() + b.len());
        bytes.extend_from_slice(a);
        bytes.extend_from_slice(b);
        String::from_utf8_lossy(&bytes).into_owned()
    }

    /// Every stdout line so far that was not exactly one JSON object (not JSON, not an object,
    /// empty, over `max_line`, invalid UTF-8, unterminated at EOF), as `line N: reason: <text>`.
    pub fn framing_problems(&self) -> Vec<String> {
        lock(&self.inner.shared).framing.clone()
    }

    /// Messages that arrived while no exchange or subscription claimed them (taken: a second
    /// call returns only newer ones).
    pub fn take_unsolicited(&self) -> Vec<String> {
        std::mem::take(&mut lock(&self.inner.shared).unsolicited)
    }

    /// Whether the child has not exited (as far as reaped).
    pub fn is_running(&self) -> bool {
        self.inner.exit.borrow().is_none()
    }

    /// The exit status, once the child has exited.
    pub fn exit_status(&self) -> Option<ExitStatus> {
        *self.inner.exit.borrow()
    }

    /// Kills the child (if still running) and reaps it.
    pub async fn shutdown(&self) {
        let _ = self.inner.kill.send(());
        let mut exit = self.inner.exit.clone();
        // SIGKILL cannot be ignored; the bound only guards against a wedged runtime.
        let _ = tokio::time::timeout(Duration::from_secs(10), exit.wait_for(Option::is_some)).await;
        self.inner.writer_task.abort();
        for t in &self.inner.reader_tasks {
            t.abort();
        }
    }
}

/// Routed messages of one `subscriptions/listen` request.
#[derive(Debug)]
pub struct Subscription {
    rx: mpsc::UnboundedReceiver<String>,
}

impl Subscription {
    /// The next routed message, or None after `timeout` or once stdout has closed (the child
    /// exited) and everything routed was returned.
    pub async fn next(&mut self, timeout: Duration) -> Option<String> {
        tokio::time::timeout(timeout, self.rx.recv())
            .await
            .ok()
            .flatten()
    }

    /// Everything routed so far and not yet returned by [`Subscription::next`].
    pub fn drain(&mut self) -> Vec<String> {
        let mut out = Vec::new();
        while let Ok(m) = self.rx.try_recv() {
            out.push(m);
        }
        out
    }
}

// ---------------------------------------------------------------------------------------------
// Tasks

/// Owns the child: reaps it when it exits, kills it on request or when the server is dropped.
async fn supervise(
    mut child: Child,
    mut kill: mpsc::UnboundedReceiver<()>,
    exit: watch::Sender<Option<ExitStatus>>,
) {
    let status = tokio::select! {
        status = child.wait() => status,
        _ = kill.recv() => {
            let _ = child.start_kill();
            child.wait().await
        }
    };
    let _ = exit.send(status.ok());
}

/// Owns the child's stdin: writes lines in order; `Close` (or the server going away) closes it.
async fn write_stdin(mut stdin: ChildStdin, mut rx: mpsc::UnboundedReceiver<WriteCmd>) {
    while let Some(cmd) = rx.recv().await {
        match cmd {
            WriteCmd::Line(bytes, ack) => {
                let r = match stdin.write_all(&bytes).await {
                    Ok(()) => stdin.flush().await,
                    Err(e) => Err(e),
                };
                let _ = ack.send(r.map_err(|e| format!("write failed: {e}")));
            }
            WriteCmd::Close(ack) => {
                drop(stdin);
                let _ = ack.send(());
                // Later writes fail: the receiver is dropped with this task.
                return;
            }
        }
    }
}

/// Reads stdout, splits lines (bounded by `max_line`) and routes each one.
async fn read_stdout<R: AsyncRead + Unpin>(
    stdout: R,
    shared: Arc<Mutex<Shared>>,
    max_line: usize,
    closed: watch::Sender<bool>,
) {
    let mut reader = BufReader::with_capacity(64 * 1024, stdout);
    let mut framer = LineFramer::new(max_line);
    loop {
        let buf = match reader.fill_buf().await {
            Ok(buf) => buf,
            Err(e) => {
                lock(&shared)
                    .framing
                    .push(format!("line {}: read error: {e}", framer.number + 1));
                break;
            }
        };
        if buf.is_empty() {
            framer.finish(|line| on_line(&shared, line));
            break;
        }
        let used = framer.push(buf, |line| on_line(&shared, line));
        reader.consume(used);
    }
    {
        // Subscriptions see the end (their channels close) once drained.
        let mut shared = lock(&shared);
        shared.subscriptions.clear();
    }
    let _ = closed.send(true);
}

/// Keeps the last `keep` bytes of stderr.
async fn read_stderr<R: AsyncRead + Unpin>(
    mut stderr: R,
    shared: Arc<Mutex<Shared>>,
    keep: usize,
    closed: watch::Sender<bool>,
) {
    let mut buf = vec![0u8; 8192];
    loop {
        match stderr.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                let mut shared = lock(&shared);
                shared.stderr.extend(&buf[..n]);
                let excess = shared.stderr.len().saturating_sub(keep);
                shared.stderr.drain(..excess);
            }
        }
    }
    let _ = closed.send(true);
}

// ---------------------------------------------------------------------------------------------
// Framing and routing

fn quote(text: &str) -> String {
    let mut s: String = text.chars().take(QUOTE).collect();
    if s.len() < text.len() {
        s.push('…');
    }
    s
}

fn tail_chars(text: &str, n: usize) -> &str {
    let count = text.chars().count();
    if count <= n {
        return text;
    }
    let skip = text
        .char_indices()
        .nth(count - n)
        .map(|(i, _)| i)
        .unwrap_or(0);
    &text[skip..]
}

/// One stdout line as [`LineFramer`] cut it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FramedLine<'a> {
    /// 1-based line number.
    pub(crate) number: usize,
    /// The line without its `\n`; only a quotable prefix when the line is overlong.
    pub(crate) raw: &'a [u8],
    /// The line's total length when it exceeded `max_line`.
    pub(crate) overlong: Option<usize>,
    pub(crate) max_line: usize,
    /// The last line, ended by EOF rather than a newline.
    pub(crate) unterminated: bool,
}

/// The line splitter of [`read_stdout`]: lines end at `\n`, and a line longer than `max_line`
/// keeps only a quotable prefix and its total length.
#[derive(Debug)]
pub(crate) struct LineFramer {
    line: Vec<u8>,
    /// Total length of the current line once it exceeded `max_line` (its prefix stays in `line`).
    overlong: Option<usize>,
    /// Lines completed so far.
    pub(crate) number: usize,
    max_line: usize,
}

impl LineFramer {
    pub(crate) fn new(max_line: usize) -> LineFramer {
        LineFramer {
            line: Vec::new(),
            overlong: None,
            number: 0,
            max_line,
        }
    }

    /// Takes the bytes of `buf` up to and including its first `\n` (all of `buf` when it has
    /// none), hands the line they complete (if any) to `emit`, and returns how many bytes were
    /// taken.
    pub(crate) fn push(&mut self, buf: &[u8], emit: impl FnOnce(FramedLine<'_>)) -> usize {
        let (chunk, used, complete) = match buf.iter().position(|&b| b == b'\n') {
            Some(i) => (&buf[..i], i + 1, true),
            None => (buf, buf.len(), false),
        };
        let overlong = match self.overlong {
            Some(total) => Some(total + chunk.len()),
            None if self.line.len() + chunk.len() > self.max_line => {
                Some(self.line.len() + chunk.len())
            }
            None => None,
        };
        match overlong {
            Some(total) => {
                // An overlong line keeps its first QUOTE bytes for the report, whatever the
                // reads that delivered it.
                self.overlong = Some(total);
                self.line.truncate(QUOTE);
                let room = QUOTE - self.line.len();
                self.line.extend_from_slice(&chunk[..chunk.len().min(room)]);
            }
            None => self.line.extend_from_slice(chunk),
        }
        if complete {
            self.number += 1;
            emit(FramedLine {
                number: self.number,
                raw: &self.line,
                overlong: self.overlong,
                max_line: self.max_line,
                unterminated: false,
            });
            self.line.clear();
            self.overlong = None;
        }
        used
    }

    /// End of the stream: hands an unterminated last line (if any) to `emit`.
    pub(crate) fn finish(&mut self, emit: impl FnOnce(FramedLine<'_>)) {
        if !self.line.is_empty() || self.overlong.is_some() {
            self.number += 1;
            emit(FramedLine {
                number: self.number,
                raw: &self.line,
                overlong: self.overlong,
                max_line: self.max_line,
                unterminated: true,
            });
        }
    }
}

/// What one stdout line amounts to: at most one framing problem and at most one message.
#[derive(Debug)]
pub(crate) struct LineOutcome<'a> {
    pub(crate) problem: Option<String>,
    /// The message's text (without `\r`) and value.
    pub(crate) message: Option<(&'a str, Value)>,
}

/// Judges one line: a message is exactly one JSON object per line (STDIO-01).
pub(crate) fn classify_line<'a>(line: &FramedLine<'a>) -> LineOutcome<'a> {
    let number = line.number;
    let problem = |reason: &str, text: &str| format!("line {number}: {reason}: {}", quote(text));
    let failed = |p: String| LineOutcome {
        problem: Some(p),
        message: None,
    };
    if let Some(total) = line.overlong {
        let text = String::from_utf8_lossy(line.raw);
        return failed(problem(
            &format!("longer than {} bytes ({total} bytes)", line.max_line),
            &text,
        ));
    }
    let raw = line.raw.strip_suffix(b"\r").unwrap_or(line.raw);
    let text = match std::str::from_utf8(raw) {
        Ok(t) => t,
        Err(_) => return failed(problem("invalid UTF-8", &String::from_utf8_lossy(raw))),
    };
    let message = if text.trim().is_empty() {
        Err("empty line".to_string())
    } else {
        match serde_json::from_str::<Value>(text) {
            Err(e) => Err(format!("not JSON ({e})")),
            Ok(v) if !v.is_object() => Err("not a JSON object".to_string()),
            Ok(v) => Ok(v),
        }
    };
    match message {
        Err(reason) => failed(problem(&reason, text)),
        Ok(value) => LineOutcome {
            problem: line
                .unterminated
                .then(|| problem("no terminating newline (stdout ended)", text)),
            message: Some((text, value)),
        },
    }
}

fn on_line(shared: &Mutex<Shared>, line: FramedLine<'_>) {
    let outcome = classify_line(&line);
    let mut shared = lock(shared);
    if let Some(p) = outcome.problem {
        shared.framing.push(p);
    }
    if let Some((text, value)) = outcome.message {
        route(&mut shared, text, &value);
    }
}

/// Whether `message` is a response (has `id` and `result` or `error`, no `method`).
fn is_response(message: &Value) -> bool {
    message.get("method").is_none()
        && message.get("id").is_some()
        && (message.get("result").is_some() || message.get("error").is_some())
}

/// The subscription id a message carries in `params._meta` or `result._meta`.
fn subscription_tag(message: &Value) -> Option<&Value> {
    ["params", "result"]
        .iter()
        .find_map(|k| message.get(k)?.get("_meta")?.get(SUBSCRIPTION_ID))
}

fn route(shared: &mut Shared, text: &str, message: &Value) {
    let response_id = is_response(message).then(|| &message["id"]);
    let cancelled = (message.get("method") == Some(&Value::from("notifications/cancelled"))
        && message.get("id").is_none())
    .then(|| message.get("params").and_then(|p| p.get("requestId")))
    .flatten();
    let tag = subscription_tag(message);
    let sub = shared
        .subscriptions
        .iter()
        .position(|(id, _)| tag == Some(id) || response_id == Some(id) || cancelled == Some(id));
    if let Some(i) = sub {
        // A handle dropped by its owner simply discards its messages.
        let _ = shared.subscriptions[i].1.send(text.to_string());
        return;
    }
    if shared.exchanges.iter().all(|s| s.final_index.is_some()) {
        shared.unsolicited.push(text.to_string());
        return;
    }
    let owner = response_id.and_then(|rid| {
        shared
            .exchanges
            .iter()
            .position(|s| s.final_index.is_none() && &s.id == rid)
    });
    match owner {
        Some(i) => {
            let slot = &mut shared.exchanges[i];
            slot.lines.push(text.to_string());
            slot.final_index = Some(slot.lines.len() - 1);
            if let Some(done) = slot.done.take() {
                let _ = done.send(());
            }
        }
        None => {
            for slot in shared
                .exchanges
                .iter_mut()
                .filter(|s| s.final_index.is_none())
            {
                slot.lines.push(text.to_string());
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Command line splitting

/// Splits a command line shell-style, without a shell: whitespace separates words; `'…'` is
/// literal; `"…"` allows `\"`, `\\`, `\$`, `` \` `` and `\<newline>`; a backslash outside quotes
/// escapes the next character.
pub fn split_command(command: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = command.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => word.push(c),
                        None => return Err("unterminated ' quote in the server command".into()),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c @ ('"' | '\\' | '$' | '`')) => word.push(c),
                            Some('\n') => {}
                            Some(c) => {
                                word.push('\\');
                                word.push(c);
                            }
                            None => {
                                return Err("unterminated \" quote in the server command".into());
                            }
                        },
                        Some(c) => word.push(c),
                        None => return Err("unterminated \" quote in the server command".into()),
                    }
                }
            }
            '\\' => {
                in_word = true;
                match chars.next() {
                    Some('\n') => {}
                    Some(c) => word.push(c),
                    None => return Err("trailing backslash in the server command".into()),
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The framing problems of `body` read in `chunks`-byte reads.
    fn problems(body: &[u8], chunk: usize, max_line: usize) -> Vec<String> {
        let mut framer = LineFramer::new(max_line);
        let mut out = Vec::new();
        for mut rest in body.chunks(chunk) {
            while !rest.is_empty() {
                let used = framer.push(rest, |l| out.extend(classify_line(&l).problem));
                rest = &rest[used..];
            }
        }
        framer.finish(|l| out.extend(classify_line(&l).problem));
        out
    }

    #[test]
    fn overlong_lines_are_quoted_alike_whatever_the_reads() {
        let mut body = "é".repeat(150).into_bytes();
        body.extend_from_slice(b"\n{}\n");
        for max_line in [10, 250] {
            let whole = problems(&body, body.len(), max_line);
            assert_eq!(whole.len(), 1);
            assert!(whole[0].starts_with("line 1: longer than"), "{whole:?}");
            for chunk in [1, 7, 100, 249] {
                assert_eq!(
                    problems(&body, chunk, max_line),
                    whole,
                    "{chunk}-byte reads"
                );
            }
        }
    }

    #[test]
    fn splits_like_a_shell() {
        let w = split_command(r#"python3 -c 'print("a b")' "x \"y\" \$z" a\ b '' end"#).unwrap();
        assert_eq!(
            w,
            [
                "python3",
                "-c",
                r#"print("a b")"#,
                r#"x "y" $z"#,
                "a b",
                "",
                "end"
            ]
        );
        assert_eq!(split_command("  ").unwrap(), Vec::<String>::new());
        assert!(split_command("a 'b").is_err());
        assert!(split_command("a \"b").is_err());
        assert!(split_command("a \\").is_err());
        assert_eq!(split_command(r#""a\nb""#).unwrap(), [r"a\nb"]);
    }

    #[test]
    fn routing_prefers_subscriptions_then_the_exact_id() {
        let mut shared = Shared::default();
        let (tx, mut rx) = mpsc::unbounded_channel();
        shared.subscriptions.push((Value::from("L"), tx));
        let (done, _wait) = oneshot::channel();
        shared.exchanges.push(Slot {
            token: 1,
            id: Value::from(1),
            lines: Vec::new(),
            final_index: None,
            done: Some(done),
        });
        for text in [
            r#"{"jsonrpc":"2.0","method":"notifications/tools/list_changed","params":{"_meta":{"io.modelcontextprotocol/subscriptionId":"L"}}}"#,
            r#"{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":"t","progress":1}}"#,
            r#"{"jsonrpc":"2.0","id":"1","result":{}}"#,
            r#"{"jsonrpc":"2.0","id":1,"result":{}}"#,
            r#"{"jsonrpc":"2.0","id":"L","result":{"resultType":"complete"}}"#,
            r#"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"L"}}"#,
            r#"{"jsonrpc":"2.0","method":"late"}"#,
        ] {
            let v: Value = serde_json::from_str(text).unwrap();
            route(&mut shared, text, &v);
        }
        let slot = &shared.exchanges[0];
        assert_eq!(slot.lines.len(), 3);
        assert_eq!(slot.final_index, Some(2));
        let mut routed = Vec::new();
        while let Ok(m) = rx.try_recv() {
            routed.push(m);
        }
        assert_eq!(routed.len(), 3);
        // Arrived after the exchange got its response: nobody claims it.
        assert_eq!(shared.unsolicited, [r#"{"jsonrpc":"2.0","method":"late"}"#]);
    }
}
