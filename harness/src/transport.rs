//! Streamable HTTP transport: one POST per exchange, JSON or SSE answers.
//!
//! Whatever the server does (garbage, wrong content type, invalid UTF-8, huge bodies, streams
//! that never finish, hangs, resets) ends in an [`HttpOutcome`] the checks can judge: transport
//! failures are data here, never panics, and every read is bounded by the configured timeouts
//! and body cap.

use std::time::{Duration, Instant};

use std::sync::{Arc, LazyLock};

use serde_json::Value;

use crate::sse::{Event, SseParser};

#[derive(Debug, Clone)]
pub struct TransportConfig {
    pub connect_timeout: Duration,
    /// Upper bound on one whole exchange: connect, headers and body.
    pub request_timeout: Duration,
    /// Bytes of response body read at most; a larger body is a transport failure.
    pub max_body: usize,
    /// How long to keep reading an SSE stream after the final response arrived, to see whether
    /// the server sends more or closes it.
    pub linger_after_final: Duration,
}

impl Default for TransportConfig {
    fn default() -> Self {
        TransportConfig {
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(15),
            max_body: 4 * 1024 * 1024,
            linger_after_final: Duration::from_millis(1500),
        }
    }
}

#[derive(Debug, Clone)]
pub struct HttpRequest {
    pub method: String,
    pub url: String,
    /// Sent in this order and spelling (the HTTP stack may lowercase names on the wire).
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// The JSON-RPC id whose response ends the exchange on an SSE stream (`None`: the first
    /// response of any id does).
    pub expect_id: Option<Value>,
    /// Stop reading and close the connection after this many SSE events (a client that leaves
    /// mid-stream, e.g. to cancel).
    pub stop_after_events: Option<usize>,
    /// Stop reading and close the connection once an event carries a JSON-RPC message with
    /// this method.
    pub stop_on_method: Option<String>,
    /// A stream with no final response expected (`subscriptions/listen`): reaching the deadline
    /// ends it normally instead of being a timeout.
    pub open_ended: bool,
    /// Replaces the configured request timeout for this exchange.
    pub timeout: Option<Duration>,
    /// Sees the response head and SSE events as they arrive (for streams judged while open).
    pub tap: Option<Arc<StreamTap>>,
}

/// Status and headers of a response.
pub type ResponseHead = (u16, Vec<(String, String)>);

/// A live view of an exchange in progress: its status and headers once they arrive, and its SSE
/// events so far. `seen` counts events (and ticks once more when the head arrives).
#[derive(Debug)]
pub struct StreamTap {
    pub head: std::sync::Mutex<Option<ResponseHead>>,
    pub events: std::sync::Mutex<Vec<Event>>,
    pub seen: tokio::sync::watch::Sender<usize>,
    /// When set, the stream is closed at this instant (if it has not ended before).
    pub cutoff: tokio::sync::watch::Sender<Option<tokio::time::Instant>>,
}

impl StreamTap {
    pub fn new() -> Arc<StreamTap> {
        Arc::new(StreamTap {
            head: std::sync::Mutex::new(None),
            events: std::sync::Mutex::new(Vec::new()),
            seen: tokio::sync::watch::channel(0).0,
            cutoff: tokio::sync::watch::channel(None).0,
        })
    }

    /// Closes the stream `after` from now, or at its own bound if that comes first.
    pub fn cut_after(&self, after: Duration) {
        let at = tokio::time::Instant::now() + after;
        self.cutoff
            .send_modify(|c| *c = Some(c.map_or(at, |old| old.min(at))));
    }

    pub fn event_count(&self) -> usize {
        self.events.lock().map(|e| e.len()).unwrap_or(0)
    }

    /// The exchange so far, as a response whose SSE stream is still open.
    pub fn snapshot(&self) -> Option<HttpResponse> {
        let (status, headers) = self.head.lock().ok()?.clone()?;
        let events = self.events.lock().map(|e| e.clone()).unwrap_or_default();
        Some(HttpResponse {
            status,
            headers,
            body: Vec::new(),
            stdio: None,
            sse: Some(SseInfo {
                events,
                comments: 0,
                invalid_utf8_lines: 0,
                end: StreamEnd::LeftOpen,
                final_index: None,
            }),
        })
    }
}

impl HttpRequest {
    pub fn new(
        method: &str,
        url: &str,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    ) -> HttpRequest {
        HttpRequest {
            method: method.to_string(),
            url: url.to_string(),
            headers,
            body,
            expect_id: None,
            stop_after_events: None,
            stop_on_method: None,
            open_ended: false,
            timeout: None,
            tap: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransportError {
    /// No TCP/HTTP connection could be made: the harness could not test anything.
    Connect(String),
    /// The server accepted the connection but did not answer (or finish) in time.
    Timeout(String),
    /// The connection broke or the HTTP framing was invalid.
    Broken(String),
    /// The body was larger than the cap.
    BodyTooLarge(usize),
    /// The harness could not build the request (bad header name or value in a scenario).
    InvalidRequest(String),
}

impl std::fmt::Display for TransportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TransportError::Connect(e) => write!(f, "could not connect: {e}"),
            TransportError::Timeout(e) => write!(f, "timed out: {e}"),
            TransportError::Broken(e) => write!(f, "connection broken: {e}"),
            TransportError::BodyTooLarge(cap) => {
                write!(f, "response body exceeds the {cap}-byte cap")
            }
            TransportError::InvalidRequest(e) => write!(f, "request could not be built: {e}"),
        }
    }
}

/// How an SSE stream ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamEnd {
    /// The server closed the stream.
    Closed,
    /// Still open `linger_after_final` after the final response.
    LeftOpen,
    /// The final response never came before the request timeout.
    TimedOut,
    /// Broke mid-stream or exceeded the cap.
    Failed(String),
    /// The harness closed the stream on purpose (`stop_after_events`).
    ClosedByClient,
}

#[derive(Debug, Clone)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    /// Raw body bytes as read (up to the cap).
    pub body: Vec<u8>,
    /// Present when the response was `text/event-stream`.
    pub sse: Option<SseInfo>,
    /// Present when the exchange went over a stdio child instead of HTTP (status is then 0).
    pub stdio: Option<StdioInfo>,
}

/// What one stdio exchange read from the child.
#[derive(Debug, Clone, Default)]
pub struct StdioInfo {
    /// Stdout messages attributed to the exchange, in arrival order.
    pub lines: Vec<String>,
    pub final_index: Option<usize>,
    /// Stdout lines so far that were not exactly one JSON-RPC message.
    pub framing_problems: Vec<String>,
    /// For an end-of-input check: whether the child exited in time after stdin closed.
    pub exited: Option<bool>,
    /// The end of the child's stderr, shown with failures.
    pub stderr_tail: String,
}

#[derive(Debug, Clone)]
pub struct SseInfo {
    pub events: Vec<Event>,
    pub comments: usize,
    pub invalid_utf8_lines: usize,
    pub end: StreamEnd,
    /// Index in `events` of the final response.
    pub final_index: Option<usize>,
}

impl HttpResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Media type without parameters, lowercased.
    pub fn media_type(&self) -> Option<String> {
        self.header("content-type").map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
    }

    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

#[derive(Debug, Clone)]
pub struct HttpOutcome {
    pub request: HttpRequest,
    pub response: Option<HttpResponse>,
    pub error: Option<TransportError>,
    pub elapsed: Duration,
}

/// A pool of HTTP clients: a shared keep-alive pool, or fresh connections on demand.
#[derive(Clone)]
pub struct Transport {
    config: TransportConfig,
    shared: reqwest::Client,
}

impl Transport {
    pub fn new(config: TransportConfig) -> Result<Transport, TransportError> {
        let shared = build_client(&config, true)?;
        Ok(Transport { config, shared })
    }

    pub fn config(&self) -> &TransportConfig {
        &self.config
    }

    /// A client with its own connection pool (one keep-alive connection reused in sequence).
    pub fn dedicated(&self) -> Result<reqwest::Client, TransportError> {
        build_client(&self.config, true)
    }

    /// A client that opens a new connection for each request.
    pub fn fresh(&self) -> Result<reqwest::Client, TransportError> {
        build_client(&self.config, false)
    }

    pub async fn send(&self, req: HttpRequest) -> HttpOutcome {
        let client = self.shared.clone();
        self.send_with(&client, req).await
    }

    pub async fn send_with(&self, client: &reqwest::Client, req: HttpRequest) -> HttpOutcome {
        let start = Instant::now();
        let deadline =
            tokio::time::Instant::now() + req.timeout.unwrap_or(self.config.request_timeout);
        let result = exchange(client, &req, deadline, &self.config).await;
        let elapsed = start.elapsed();
        match result {
            Ok((resp, err)) => HttpOutcome {
                request: req,
                response: Some(resp),
                error: err,
                elapsed,
            },
            Err(e) => HttpOutcome {
                request: req,
                response: None,
                error: Some(e),
                elapsed,
            },
        }
    }
}

/// One TLS configuration for every client. Building it loads the platform's root certificates,
/// which would otherwise happen for each dedicated or fresh connection a run opens (the larger
/// part of a run's CPU time). Should it fail, each client falls back to reqwest's own setup,
/// which then reports the error.
static TLS: LazyLock<Result<rustls::ClientConfig, String>> = LazyLock::new(|| {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let verifier =
        rustls_platform_verifier::Verifier::new(provider.clone()).map_err(|e| e.to_string())?;
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    // As reqwest offers them itself with HTTP/2 enabled.
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
});

fn build_client(
    config: &TransportConfig,
    keep_alive: bool,
) -> Result<reqwest::Client, TransportError> {
    let mut b = reqwest::Client::builder()
        .connect_timeout(config.connect_timeout)
        // Redirects would hide what the endpoint itself answered.
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy();
    if !keep_alive {
        b = b.pool_max_idle_per_host(0);
    }
    if let Ok(tls) = &*TLS {
        b = b.tls_backend_preconfigured(tls.clone());
    }
    b.build()
        .map_err(|e| TransportError::InvalidRequest(format!("HTTP client: {e}")))
}

/// Encodes a header value: characters up to U+00FF become single bytes (so a scenario can send
/// obs-text bytes such as `\xE9`), anything else is sent as UTF-8.
fn header_value_bytes(v: &str) -> Vec<u8> {
    if v.chars().all(|c| (c as u32) <= 0xFF) {
        v.chars().map(|c| c as u32 as u8).collect()
    } else {
        v.as_bytes().to_vec()
    }
}

async fn exchange(
    client: &reqwest::Client,
    req: &HttpRequest,
    deadline: tokio::time::Instant,
    config: &TransportConfig,
) -> Result<(HttpResponse, Option<TransportError>), TransportError> {
    let method = reqwest::Method::from_bytes(req.method.as_bytes())
        .map_err(|e| TransportError::InvalidRequest(format!("method {:?}: {e}", req.method)))?;
    let mut headers = reqwest::header::HeaderMap::new();
    for (k, v) in &req.headers {
        let name = reqwest::header::HeaderName::from_bytes(k.as_bytes())
            .map_err(|e| TransportError::InvalidRequest(format!("header name {k:?}: {e}")))?;
        let value = reqwest::header::HeaderValue::from_bytes(&header_value_bytes(v))
            .map_err(|e| TransportError::InvalidRequest(format!("header {k}: value {v:?}: {e}")))?;
        headers.append(name, value);
    }
    let builder = client
        .request(method, &req.url)
        .headers(headers)
        .body(req.body.clone());
    let send = builder.send();
    let mut resp = match tokio::time::timeout_at(deadline, send).await {
        Err(_) => {
            return Err(TransportError::Timeout(format!(
                "no response headers within {} ms",
                config.request_timeout.as_millis()
            )));
        }
        Ok(Err(e)) => return Err(classify(&e)),
        Ok(Ok(r)) => r,
    };
    let status = resp.status().as_u16();
    let headers: Vec<(String, String)> = resp
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    if let Some(tap) = &req.tap {
        if let Ok(mut h) = tap.head.lock() {
            *h = Some((status, headers.clone()));
        }
        tap.seen.send_modify(|n| *n += 1);
    }
    let is_sse = headers.iter().any(|(k, v)| {
        k.eq_ignore_ascii_case("content-type")
            && v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .eq_ignore_ascii_case("text/event-stream")
    });
    let mut body = Vec::new();
    let mut response = HttpResponse {
        status,
        headers,
        body: Vec::new(),
        sse: None,
        stdio: None,
    };
    if !is_sse {
        loop {
            match tokio::time::timeout_at(deadline, resp.chunk()).await {
                Err(_) => {
                    response.body = body;
                    let e = TransportError::Timeout(format!(
                        "body not complete within {} ms",
                        config.request_timeout.as_millis()
                    ));
                    return Ok((response, Some(e)));
                }
                Ok(Err(e)) => {
                    response.body = body;
                    return Ok((response, Some(classify(&e))));
                }
                Ok(Ok(None)) => break,
                Ok(Ok(Some(chunk))) => {
                    if body.len() + chunk.len() > config.max_body {
                        let take = config.max_body - body.len();
                        body.extend_from_slice(&chunk[..take]);
                        response.body = body;
                        return Ok((
                            response,
                            Some(TransportError::BodyTooLarge(config.max_body)),
                        ));
                    }
                    body.extend_from_slice(&chunk);
                }
            }
        }
        response.body = body;
        return Ok((response, None));
    }

    // SSE: read events until the final response, then linger briefly to see what follows.
    let mut parser = SseParser::new();
    let mut events: Vec<Event> = Vec::new();
    let mut final_index = None;
    let mut linger_deadline: Option<tokio::time::Instant> = None;
    let mut end = StreamEnd::Closed;
    let mut error = None;
    let mut cutoff = req.tap.as_ref().map(|t| t.cutoff.subscribe());
    loop {
        let mut limit = linger_deadline.map_or(deadline, |l| l.min(deadline));
        if let Some(c) = cutoff.as_ref().and_then(|c| *c.borrow()) {
            limit = limit.min(c);
        }
        // A new cutoff while waiting recomputes the limit (reading a chunk is cancel-safe).
        let cutoff_changed = async {
            match cutoff.as_mut() {
                Some(c) => c.changed().await.is_ok(),
                None => std::future::pending().await,
            }
        };
        let next = tokio::select! {
            r = tokio::time::timeout_at(limit, resp.chunk()) => r,
            alive = cutoff_changed => {
                if !alive {
                    cutoff = None;
                }
                continue;
            }
        };
        match next {
            Err(_) => {
                if final_index.is_some() || req.open_ended {
                    end = StreamEnd::LeftOpen;
                } else {
                    end = StreamEnd::TimedOut;
                    error = Some(TransportError::Timeout(format!(
                        "SSE stream sent no final response within {} ms",
                        config.request_timeout.as_millis()
                    )));
                }
                break;
            }
            Ok(Err(e)) => {
                let te = classify(&e);
                end = StreamEnd::Failed(te.to_string());
                if final_index.is_none() {
                    error = Some(te);
                }
                break;
            }
            Ok(Ok(None)) => {
                events.extend(parser.finish());
                if final_index.is_none() {
                    final_index = find_final(&events, req.expect_id.as_ref());
                }
                break;
            }
            Ok(Ok(Some(chunk))) => {
                if body.len() + chunk.len() > config.max_body {
                    let take = config.max_body - body.len();
                    body.extend_from_slice(&chunk[..take]);
                    end = StreamEnd::Failed(format!("exceeded the {}-byte cap", config.max_body));
                    error = Some(TransportError::BodyTooLarge(config.max_body));
                    break;
                }
                body.extend_from_slice(&chunk);
                let new = parser.feed(&chunk);
                let base = events.len();
                events.extend(new);
                if let Some(tap) = &req.tap {
                    if let Ok(mut e) = tap.events.lock() {
                        e.extend(events[base..].iter().cloned());
                    }
                    tap.seen.send_modify(|n| *n += events.len() - base);
                }
                let wanted = req.stop_on_method.as_deref().is_some_and(|m| {
                    events[base..]
                        .iter()
                        .any(|e| crate::util::message_method(&e.data).as_deref() == Some(m))
                });
                if wanted || req.stop_after_events.is_some_and(|n| events.len() >= n) {
                    if final_index.is_none() {
                        final_index =
                            find_final(&events[base..], req.expect_id.as_ref()).map(|i| base + i);
                    }
                    end = StreamEnd::ClosedByClient;
                    break;
                }
                if final_index.is_none()
                    && let Some(i) = find_final(&events[base..], req.expect_id.as_ref())
                {
                    final_index = Some(base + i);
                    linger_deadline = Some(tokio::time::Instant::now() + config.linger_after_final);
                }
            }
        }
    }
    response.body = body;
    response.sse = Some(SseInfo {
        events,
        comments: parser.comments,
        invalid_utf8_lines: parser.invalid_utf8_lines,
        end,
        final_index,
    });
    Ok((response, error))
}

/// Index of the event carrying the response to `id` (or any response when `id` is `None`).
fn find_final(events: &[Event], id: Option<&Value>) -> Option<usize> {
    events.iter().position(|e| {
        let Ok(v) = serde_json::from_str::<Value>(&e.data) else {
            return false;
        };
        let is_response =
            v.get("method").is_none() && (v.get("result").is_some() || v.get("error").is_some());
        is_response && id.is_none_or(|id| v.get("id") == Some(id))
    })
}

fn classify(e: &reqwest::Error) -> TransportError {
    // reqwest's Display hides the cause; the chain says what actually happened.
    let mut msg = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        src = s.source();
    }
    if e.is_connect() {
        TransportError::Connect(msg)
    } else if e.is_timeout() {
        TransportError::Timeout(msg)
    } else if e.is_builder() {
        TransportError::InvalidRequest(msg)
    } else {
        TransportError::Broken(msg)
    }
}
