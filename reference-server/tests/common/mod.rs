//! Shared test client: spawns a server on an ephemeral port and sends raw MCP POSTs.
#![allow(dead_code)]

use std::net::SocketAddr;

use mcpcheck_reference_server::{AuthConfig, Config, Issuer, Running, fault_by_name, spawn};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde_json::{Map, Value, json};

pub const VERSION: &str = "2026-07-28";

pub struct Server {
    pub url: String,
    pub http: reqwest::Client,
    /// Sent as `Authorization: Bearer` on every request that sets no Authorization itself.
    pub token: Option<String>,
    running: Running,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.running.handle.abort();
    }
}

pub async fn start(fault: Option<&str>) -> Server {
    let config = Config {
        fault: fault.map(|n| fault_by_name(n).expect("known fault")),
        ..Config::default()
    };
    start_with(config).await
}

pub async fn start_with(config: Config) -> Server {
    let addr: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let running = spawn(addr, config).await.expect("spawn");
    Server {
        url: running.url.clone(),
        http: reqwest::Client::new(),
        token: None,
        running,
    }
}

/// Both scopes: what a client of a protected server normally holds here.
pub const ALL_SCOPES: &str = "mcp mcp:admin";

/// A protected server (built-in authorization server) with `fault`; every request carries a
/// token for it with both scopes.
pub async fn start_auth(fault: Option<&str>) -> Server {
    let config = Config {
        fault: fault.map(|n| fault_by_name(n).expect("known fault")),
        auth: Some(AuthConfig::default()),
        ..Config::default()
    };
    start_auth_with(config).await
}

/// A protected server from `config` (which must enable auth with the built-in AS); every
/// request carries a token for its URL with both scopes.
pub async fn start_auth_with(config: Config) -> Server {
    let mut s = start_with(config).await;
    s.token = Some(s.issuer().mint(&s.url, ALL_SCOPES, 300));
    s
}

pub fn meta() -> Value {
    json!({
        "io.modelcontextprotocol/protocolVersion": VERSION,
        "io.modelcontextprotocol/clientCapabilities": {},
        "io.modelcontextprotocol/clientInfo": {"name": "test", "version": "0.0.1"}
    })
}

/// Params with the baseline `_meta` merged under any `_meta` keys already present.
pub fn with_meta(params: Value) -> Value {
    let mut params = match params {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    let mut m = meta().as_object().unwrap().clone();
    if let Some(Value::Object(extra)) = params.remove("_meta") {
        m.extend(extra);
    }
    params.insert("_meta".into(), Value::Object(m));
    Value::Object(params)
}

#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: HeaderMap,
    pub text: String,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.text))
    }

    pub fn content_type(&self) -> &str {
        self.headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// The `data:` payloads of an SSE body.
    pub fn sse(&self) -> Vec<Value> {
        assert!(
            self.content_type().starts_with("text/event-stream"),
            "not SSE: {self:?}"
        );
        self.text
            .split("\n\n")
            .filter(|e| !e.trim().is_empty())
            .map(|e| {
                let data: Vec<&str> = e
                    .lines()
                    .filter_map(|l| l.strip_prefix("data:"))
                    .map(str::trim_start)
                    .collect();
                serde_json::from_str(&data.join("\n")).expect("SSE event JSON")
            })
            .collect()
    }

    /// The error code of a JSON-RPC error body.
    pub fn code(&self) -> i64 {
        self.json()["error"]["code"]
            .as_i64()
            .unwrap_or_else(|| panic!("no error code: {self:?}"))
    }
}

/// The headers a conforming client sends for `method` with `params`.
pub fn default_headers(method: &str, params: &Value) -> Vec<(String, String)> {
    let mut h = vec![
        ("MCP-Protocol-Version".to_string(), VERSION.to_string()),
        ("Mcp-Method".to_string(), method.to_string()),
    ];
    let name = match method {
        "tools/call" | "prompts/get" => params["name"].as_str(),
        "resources/read" => params["uri"].as_str(),
        "tasks/get" | "tasks/update" | "tasks/cancel" => params["taskId"].as_str(),
        _ => None,
    };
    if let Some(name) = name {
        h.push(("Mcp-Name".to_string(), name.to_string()));
    }
    h
}

impl Server {
    /// POSTs a raw body with exactly these extra headers (plus JSON content type and Accept).
    pub async fn post_raw(&self, headers: &[(String, String)], body: impl Into<String>) -> Resp {
        let mut req = self
            .http
            .post(&self.url)
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .body(body.into());
        req = self.authorize(req, headers);
        for (k, v) in headers {
            req = req.header(
                HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_bytes(v.as_bytes()).unwrap(),
            );
        }
        let resp = req.send().await.expect("send");
        Resp {
            status: resp.status().as_u16(),
            headers: resp.headers().clone(),
            text: resp.text().await.expect("body"),
        }
    }

    /// A client for the same server on its own, new connection (the keep-alive pool of `self`
    /// is not shared).
    pub fn fresh(&self) -> Server {
        let mut s = self.with_token(self.token.clone());
        s.http = reqwest::Client::new();
        s
    }

    /// A client for the same server sharing this one's connections, sending `token`.
    pub fn with_token(&self, token: Option<String>) -> Server {
        Server {
            url: self.url.clone(),
            http: self.http.clone(),
            token,
            running: Running {
                addr: self.running.addr,
                url: self.running.url.clone(),
                handle: tokio::spawn(async {}),
                issuer: self.running.issuer.clone(),
            },
        }
    }

    /// The built-in authorization server (protected servers only).
    pub fn issuer(&self) -> &Issuer {
        self.running.issuer.as_ref().expect("a protected server")
    }

    /// `http://ADDR` of the server.
    pub fn origin(&self) -> String {
        format!("http://{}", self.running.addr)
    }

    /// POSTs `form` (already urlencoded) to the built-in token endpoint, with HTTP Basic
    /// client authentication when `basic` is given.
    pub async fn token_request(&self, basic: Option<(&str, &str)>, form: &str) -> Resp {
        let mut req = self
            .http
            .post(format!("{}/oauth/token", self.origin()))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form.to_string());
        if let Some((id, secret)) = basic {
            req = req.basic_auth(id, Some(secret));
        }
        let resp = req.send().await.expect("send");
        Resp {
            status: resp.status().as_u16(),
            headers: resp.headers().clone(),
            text: resp.text().await.expect("body"),
        }
    }

    /// `Authorization: Bearer <token>` unless `headers` already has an Authorization.
    fn authorize(
        &self,
        mut req: reqwest::RequestBuilder,
        headers: &[(String, String)],
    ) -> reqwest::RequestBuilder {
        let has_own = headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("authorization"));
        if let (Some(t), false) = (&self.token, has_own) {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        req
    }

    /// Like [`Server::post_raw`], but header values are sent as Latin-1 bytes (one byte per
    /// character up to U+00FF), so obs-text bytes can be sent.
    pub async fn post_raw_bytes(&self, headers: &[(String, String)], body: String) -> Resp {
        let mut req = self
            .http
            .post(&self.url)
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .body(body);
        req = self.authorize(req, headers);
        for (k, v) in headers {
            let bytes: Vec<u8> = v.chars().map(|c| c as u32 as u8).collect();
            req = req.header(
                HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_bytes(&bytes).unwrap(),
            );
        }
        let resp = req.send().await.expect("send");
        Resp {
            status: resp.status().as_u16(),
            headers: resp.headers().clone(),
            text: resp.text().await.expect("body"),
        }
    }

    /// A request with default headers; `params` get the baseline `_meta` merged in.
    pub async fn request(&self, method: &str, params: Value) -> Resp {
        self.request_with(method, with_meta(params), &[], &[]).await
    }

    /// A request with full control: `params` as given (no `_meta` added); default headers
    /// minus `drop` (case-insensitive names) plus `extra`.
    pub async fn request_with(
        &self,
        method: &str,
        params: Value,
        drop: &[&str],
        extra: &[(&str, &str)],
    ) -> Resp {
        let mut headers: Vec<(String, String)> = default_headers(method, &params)
            .into_iter()
            .filter(|(k, _)| !drop.iter().any(|d| d.eq_ignore_ascii_case(k)))
            .collect();
        headers.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
        self.post_raw(&headers, body.to_string()).await
    }

    pub async fn call_tool(&self, name: &str, arguments: Value) -> Resp {
        self.request("tools/call", json!({"name": name, "arguments": arguments}))
            .await
    }
}

/// An SSE response read incrementally (listen streams, slow tools).
pub struct SseReader {
    pub status: u16,
    pub headers: HeaderMap,
    resp: reqwest::Response,
    buf: String,
    /// The body ended.
    pub ended: bool,
}

/// One SSE event: a comment (`: ...`) or a JSON message.
#[derive(Debug, Clone, PartialEq)]
pub enum SseItem {
    Comment(String),
    Message(Value),
}

impl SseReader {
    /// The next event (comments included) within `wait`; `None` on timeout or end of stream.
    pub async fn next_item(&mut self, wait: std::time::Duration) -> Option<SseItem> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            if let Some(end) = self.buf.find("\n\n") {
                let event: String = self.buf.drain(..end + 2).collect();
                let event = event.trim();
                if let Some(c) = event.strip_prefix(':') {
                    return Some(SseItem::Comment(c.trim().to_string()));
                }
                let data: Vec<&str> = event
                    .lines()
                    .filter_map(|l| l.strip_prefix("data:"))
                    .map(str::trim_start)
                    .collect();
                if data.is_empty() {
                    continue;
                }
                return Some(SseItem::Message(
                    serde_json::from_str(&data.join("\n")).expect("SSE event JSON"),
                ));
            }
            if self.ended {
                return None;
            }
            match tokio::time::timeout_at(deadline, self.resp.chunk()).await {
                Err(_) => return None,
                Ok(Ok(Some(chunk))) => self.buf.push_str(std::str::from_utf8(&chunk).unwrap()),
                Ok(_) => self.ended = true,
            }
        }
    }

    /// The next JSON message within `wait` (comments skipped).
    pub async fn next_message(&mut self, wait: std::time::Duration) -> Option<Value> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.next_item(left).await? {
                SseItem::Message(m) => return Some(m),
                SseItem::Comment(_) => continue,
            }
        }
    }
}

impl Server {
    /// Sends a request with default headers and returns the response for incremental reading.
    pub async fn open_stream(&self, id: Value, method: &str, params: Value) -> SseReader {
        let params = with_meta(params);
        let mut req = self
            .http
            .post(&self.url)
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream");
        req = self.authorize(req, &[]);
        for (k, v) in default_headers(method, &params) {
            req = req.header(k, v);
        }
        let body = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        let resp = req.body(body.to_string()).send().await.expect("send");
        SseReader {
            status: resp.status().as_u16(),
            headers: resp.headers().clone(),
            resp,
            buf: String::new(),
            ended: false,
        }
    }

    /// `subscriptions/listen` with request id `id` and filter `notifications`.
    pub async fn listen(&self, id: Value, notifications: Value) -> SseReader {
        self.open_stream(
            id,
            "subscriptions/listen",
            json!({"notifications": notifications}),
        )
        .await
    }

    /// Every page of a list method (the page results), following nextCursor; stops after 20
    /// pages or when a cursor repeats.
    pub async fn list_pages(&self, method: &str) -> Vec<Value> {
        let mut pages = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let mut cursor: Option<String> = None;
        for _ in 0..20 {
            let params = match &cursor {
                Some(c) => json!({"cursor": c}),
                None => json!({}),
            };
            let r = self.request(method, params).await.json();
            let result = r["result"].clone();
            assert!(result.is_object(), "{method} failed: {r}");
            let next = result["nextCursor"].as_str().map(String::from);
            pages.push(result);
            match next {
                Some(c) if seen.insert(c.clone()) => cursor = Some(c),
                _ => break,
            }
        }
        pages
    }

    /// All items of a list method across its pages.
    pub async fn list_all(&self, method: &str, field: &str) -> Vec<Value> {
        self.list_pages(method)
            .await
            .iter()
            .flat_map(|p| p[field].as_array().cloned().unwrap_or_default())
            .collect()
    }
}

// ---------------------------------------------------------------------------------------------
// Tasks extension

pub const TASKS: &str = "io.modelcontextprotocol/tasks";

/// Client capabilities declaring the tasks extension plus the members of `extra`.
pub fn task_caps(extra: Value) -> Value {
    let mut c = match extra {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    c.insert("extensions".into(), json!({TASKS: {}}));
    Value::Object(c)
}

/// `_meta` declaring the tasks extension (merged over the baseline by `with_meta`).
pub fn task_meta() -> Value {
    json!({"io.modelcontextprotocol/clientCapabilities": task_caps(json!({}))})
}

pub const TERMINAL: [&str; 3] = ["completed", "failed", "cancelled"];

impl Server {
    /// `tools/call` of `name` declaring the tasks extension (the whole response body).
    pub async fn call_with_tasks(&self, name: &str, arguments: Value) -> Value {
        self.request(
            "tools/call",
            json!({"name": name, "arguments": arguments, "_meta": task_meta()}),
        )
        .await
        .json()
    }

    /// Creates a task with `name` and returns its taskId (asserting the CreateTaskResult).
    pub async fn create_task(&self, name: &str, arguments: Value) -> String {
        let r = self.call_with_tasks(name, arguments).await;
        assert_eq!(r["result"]["resultType"], "task", "{r}");
        r["result"]["taskId"].as_str().expect("taskId").to_string()
    }

    /// A tasks/* request for `id` declaring the extension, with further `params` members.
    pub async fn task_request(&self, method: &str, id: &str, params: Value) -> Resp {
        let mut p = match params {
            Value::Object(m) => m,
            _ => Map::new(),
        };
        p.insert("taskId".into(), json!(id));
        p.insert("_meta".into(), task_meta());
        self.request(method, Value::Object(p)).await
    }

    /// `tasks/get` of `id` (the whole response body).
    pub async fn task_get(&self, id: &str) -> Value {
        self.task_request("tasks/get", id, json!({})).await.json()
    }

    /// Polls `tasks/get` (honouring pollIntervalMs) until the status is one of `statuses`;
    /// panics after `max_polls`. Returns the last result.
    pub async fn wait_for(&self, id: &str, statuses: &[&str], max_polls: usize) -> Value {
        let mut last = Value::Null;
        for _ in 0..max_polls {
            let r = self.task_get(id).await;
            let result = r["result"].clone();
            assert!(result.is_object(), "tasks/get failed: {r}");
            if statuses.contains(&result["status"].as_str().unwrap_or("")) {
                return result;
            }
            let wait = result["pollIntervalMs"].as_u64().unwrap_or(100);
            last = result;
            tokio::time::sleep(std::time::Duration::from_millis(wait)).await;
        }
        panic!("task {id} never reached {statuses:?}; last: {last}");
    }

    /// Polls until the task is terminal.
    pub async fn wait_terminal(&self, id: &str) -> Value {
        self.wait_for(id, &TERMINAL, 200).await
    }
}

// ---------------------------------------------------------------------------------------------
// Redis (scripts/redis.sh)

/// A Redis server started by `scripts/redis.sh` for one test; stopped when dropped.
pub struct RedisGuard {
    pub url: String,
    dir: std::path::PathBuf,
}

fn redis_script() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/redis.sh")
}

/// Starts a throwaway Redis. When it cannot be started: panics under `CI=true`, otherwise
/// prints "skipping: redis unavailable: ..." to stderr and returns `None`.
pub fn redis() -> Option<RedisGuard> {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "mcpcheck-redis-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let unavailable = |reason: String| -> Option<RedisGuard> {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("redis unavailable (CI=true, so this is an error): {reason}");
        }
        eprintln!("skipping: redis unavailable: {reason}");
        None
    };
    let out = match std::process::Command::new("bash")
        .arg(redis_script())
        .arg("start")
        .arg(&dir)
        .stdin(std::process::Stdio::null())
        .output()
    {
        Ok(o) => o,
        Err(e) => return unavailable(format!("cannot run scripts/redis.sh: {e}")),
    };
    let stdout = String::from_utf8_lossy(&out.stdout).trim().to_string();
    if !out.status.success() || !stdout.starts_with("redis://") {
        let _ = std::fs::remove_dir_all(&dir);
        return unavailable(format!(
            "scripts/redis.sh start exited with {}: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Some(RedisGuard { url: stdout, dir })
}

impl Drop for RedisGuard {
    fn drop(&mut self) {
        let _ = std::process::Command::new("bash")
            .arg(redis_script())
            .arg("stop")
            .arg(&self.dir)
            .output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
