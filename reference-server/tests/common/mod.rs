//! Shared test client: spawns a server on an ephemeral port and sends raw MCP POSTs.
#![allow(dead_code)]

use std::net::SocketAddr;

use mcpcheck_reference_server::{Config, Running, fault_by_name, spawn};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde_json::{Map, Value, json};

pub const VERSION: &str = "2026-07-28";

pub struct Server {
    pub url: String,
    pub http: reqwest::Client,
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
        running,
    }
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
        Server {
            url: self.url.clone(),
            http: reqwest::Client::new(),
            running: Running {
                addr: self.running.addr,
                url: self.running.url.clone(),
                handle: tokio::spawn(async {}),
            },
        }
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
