//! Every fault mode changes behaviour: for each fault a probe observes the broken rule on a
//! server running that fault and does not observe it on a fault-free server.

mod common;

use std::collections::HashSet;

use common::*;
use mcpcheck_reference_server::{FAULTS, FaultKind, fault_by_name, list_faults};
use serde_json::{Value, json};

#[test]
fn fault_table_is_consistent() {
    let mut names = HashSet::new();
    assert_eq!(FaultKind::ALL.len(), FAULTS.len());
    for (kind, fault) in FaultKind::ALL.iter().zip(FAULTS) {
        assert_eq!(kind.name(), fault.name);
        assert!(names.insert(fault.name), "duplicate fault {}", fault.name);
        assert!(!fault.requirements.is_empty(), "{}", fault.name);
        assert!(!fault.description.is_empty(), "{}", fault.name);
        for c in fault.collateral {
            assert!(
                !fault.requirements.contains(c),
                "{}: {c} is both broken and collateral",
                fault.name
            );
        }
        assert!(
            fault
                .name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
            "{}",
            fault.name
        );
        for r in fault.requirements.iter().chain(fault.collateral) {
            let (area, num) = r.rsplit_once('-').expect("AREA-NN id");
            assert!(area.bytes().all(|b| b.is_ascii_uppercase()), "{r}");
            assert!(num.parse::<u32>().is_ok(), "{r}");
        }
        assert_eq!(fault_by_name(fault.name), Some(fault));
    }
    assert!(fault_by_name("no-such-fault").is_none());
}

#[test]
fn list_faults_has_one_tab_separated_line_per_fault() {
    let text = list_faults();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), FAULTS.len());
    for (line, fault) in lines.iter().zip(FAULTS) {
        let cols: Vec<&str> = line.split('\t').collect();
        assert_eq!(
            cols,
            [fault.name, &fault.requirements.join(","), fault.description]
        );
    }
}

#[test]
fn readme_documents_every_fault() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    for f in FAULTS {
        assert!(
            readme.contains(&format!("`{}`", f.name)),
            "README lacks {}",
            f.name
        );
        for r in f.requirements.iter().chain(f.collateral) {
            assert!(readme.contains(r), "README lacks {r}");
        }
    }
}

fn caps(c: Value) -> Value {
    json!({"io.modelcontextprotocol/clientCapabilities": c})
}

async fn discover(s: &Server) -> Value {
    s.request("server/discover", json!({})).await.json()
}

async fn tools(s: &Server) -> Vec<Value> {
    s.list_all("tools/list", "tools").await
}

const LIST_METHODS: [&str; 4] = [
    "tools/list",
    "prompts/list",
    "resources/list",
    "resources/templates/list",
];

/// The messages of a `tools/call` SSE answer (empty for a plain JSON answer).
async fn call_events(s: &Server, params: Value) -> Vec<Value> {
    let r = s.request("tools/call", params).await;
    if r.content_type().starts_with("text/event-stream") {
        r.sse()
    } else {
        Vec::new()
    }
}

fn progress_of(events: &[Value]) -> Vec<&Value> {
    events
        .iter()
        .filter(|e| e["method"] == "notifications/progress")
        .collect()
}

/// Opens a listen stream for tool list changes, runs `tool` (with `meta`), triggers a tool list
/// change and returns the first message after the ack.
async fn listen_after(s: &Server, tool: &str, meta: Value) -> Value {
    let wait = std::time::Duration::from_secs(3);
    let mut l = s
        .listen(json!("L"), json!({"toolsListChanged": true}))
        .await;
    l.next_message(wait).await.expect("ack");
    let p = json!({"name": tool, "arguments": {}, "_meta": meta});
    s.request("tools/call", p).await;
    s.call_tool("test_trigger_tool_change", json!({})).await;
    l.next_message(wait).await.expect("a notification")
}

/// A request with JSON-RPC id `id` (baseline `_meta` merged into `params`).
async fn request_id(s: &Server, id: Value, method: &str, params: Value) -> Value {
    let params = with_meta(params);
    let headers = default_headers(method, &params);
    let body = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
    s.post_raw(&headers, body.to_string()).await.json()
}

async fn tool(s: &Server, name: &str) -> Value {
    tools(s)
        .await
        .into_iter()
        .find(|t| t["name"] == name)
        .unwrap()
}

fn custom(region: Value) -> Value {
    with_meta(json!({"name": "test_custom_header", "arguments": {"region": region}}))
}

/// Whether the rule broken by `fault` is observed as broken on `s`.
async fn probe(s: &Server, fault: &str) -> bool {
    let no_params = json!({"jsonrpc": "2.0", "id": 1, "method": "server/discover"}).to_string();
    let discover_headers = default_headers("server/discover", &json!({}));
    match fault {
        "missing-meta-accepted" => s.post_raw(&discover_headers, no_params).await.status == 200,
        "meta-error-http-200" => {
            let r = s.post_raw(&discover_headers, no_params).await;
            r.status == 200 && r.code() == -32602
        }
        "requires-client-info" => {
            let p = json!({"_meta": {"io.modelcontextprotocol/protocolVersion": VERSION,
                "io.modelcontextprotocol/clientCapabilities": {}}});
            s.request_with("server/discover", p, &[], &[]).await.status == 400
        }
        "sticky-capabilities" => {
            let p =
                |c| json!({"name": "test_missing_capability", "arguments": {}, "_meta": caps(c)});
            s.request("tools/call", p(json!({"sampling": {}}))).await;
            let other = s.fresh();
            let elsewhere = other.request("tools/call", p(json!({}))).await.status;
            assert_eq!(
                elsewhere, 400,
                "sticky capabilities leaked to another connection"
            );
            s.request("tools/call", p(json!({}))).await.status != 400
        }
        "no-server-info" => discover(s).await["result"]["_meta"]
            .get("io.modelcontextprotocol/serverInfo")
            .is_none(),
        "no-result-type" => discover(s).await["result"].get("resultType").is_none(),
        "bogus-result-type" => {
            let t = s.call_tool("test_simple_text", json!({})).await.json();
            t["result"]["resultType"] != "complete"
        }
        "no-discover" => s.request("server/discover", json!({})).await.status == 404,
        "discover-no-versions" => discover(s).await["result"]
            .get("supportedVersions")
            .is_none(),
        "undeclared-prompts" => {
            let d = discover(s).await;
            let list = s.request("prompts/list", json!({})).await;
            d["result"]["capabilities"].get("prompts").is_none() && list.status == 200
        }
        "wrong-version-code" | "version-error-no-data" | "supported-list-mismatch" => {
            let mut p = with_meta(json!({}));
            p["_meta"]["io.modelcontextprotocol/protocolVersion"] = json!("2025-11-25");
            let r = s
                .request_with(
                    "server/discover",
                    p,
                    &["MCP-Protocol-Version"],
                    &[("MCP-Protocol-Version", "2025-11-25")],
                )
                .await
                .json();
            let e = &r["error"];
            match fault {
                "wrong-version-code" => e["code"] != -32022,
                "version-error-no-data" => e.get("data").is_none(),
                _ => e["data"]["supported"] != json!(["2026-07-28"]),
            }
        }
        "capabilities-as-array" => {
            let r = s
                .call_tool("test_missing_capability", json!({}))
                .await
                .json();
            r["error"]["data"]["requiredCapabilities"].is_array()
        }
        "unprefixed-extension" => discover(s).await["result"]["capabilities"]["extensions"]
            .as_object()
            .is_some_and(|e| e.keys().any(|k| !k.contains('/'))),
        "reserved-meta-key" => discover(s).await["result"]["_meta"]
            .as_object()
            .unwrap()
            .keys()
            .any(|k| k != "io.modelcontextprotocol/serverInfo"),
        "rejects-vendor-meta" => {
            let reserved = json!({"_meta": {"progressToken": "t", "traceparent":
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "tracestate": "a=b",
                "baggage": "k=v"}});
            assert_eq!(s.request("server/discover", reserved).await.status, 200);
            let p = json!({"_meta": {"com.example/x": 1}});
            s.request("server/discover", p).await.status == 400
        }
        "id-type-changed" => discover(s).await["id"] != json!(1),
        "answers-notifications" => {
            let n = json!({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 1}});
            let r = s.post_raw(&[], n.to_string()).await;
            r.status != 202 || !r.text.is_empty()
        }
        "ping-answered" => s.request("ping", json!({})).await.status == 200,
        "initialize-silent" => {
            let body = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
                "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "o", "version": "1"}}});
            let r = s.post_raw(&[], body.to_string()).await;
            !r.json()["error"].to_string().contains("2026-07-28")
        }
        "list-side-effect" => {
            s.call_tool("test_error_handling", json!({})).await;
            // The tool stays callable, and other connections still list it.
            let call = s.call_tool("test_simple_text", json!({})).await.json();
            assert!(call.get("result").is_some(), "{call}");
            let other = s.fresh();
            assert!(
                tools(&other)
                    .await
                    .iter()
                    .any(|t| t["name"] == "test_simple_text")
            );
            !tools(s)
                .await
                .iter()
                .any(|t| t["name"] == "test_simple_text")
        }
        "sse-server-request" => {
            let has_request = |events: Vec<Value>| {
                events[..events.len() - 1]
                    .iter()
                    .any(|e| e.get("id").is_some() && e.get("method").is_some())
            };
            let p = json!({"name": "test_streaming_elicitation", "arguments": {},
                "_meta": caps(json!({"elicitation": {}}))});
            let a = has_request(s.request("tools/call", p).await.sse());
            let p = json!({"name": "test_tool_with_progress", "arguments": {},
                "_meta": {"progressToken": 1}});
            let b = has_request(s.request("tools/call", p).await.sse());
            assert_eq!(a, b);
            a
        }
        "wrong-content-type" => !s
            .call_tool("test_simple_text", json!({}))
            .await
            .content_type()
            .starts_with("application/json"),
        "no-accel-buffering" | "event-after-response" => {
            let p = json!({"name": "test_tool_with_progress", "arguments": {},
                "_meta": {"progressToken": 1}});
            let r = s.request("tools/call", p).await;
            if fault == "no-accel-buffering" {
                r.headers.get("x-accel-buffering").is_none()
            } else {
                r.sse().last().unwrap().get("id").is_none()
            }
        }
        "missing-version-header-accepted" => {
            s.request_with(
                "tools/list",
                with_meta(json!({})),
                &["MCP-Protocol-Version"],
                &[],
            )
            .await
            .status
                == 200
        }
        "version-mismatch-accepted" => {
            let mut p = with_meta(json!({}));
            p["_meta"]["io.modelcontextprotocol/protocolVersion"] = json!("2031-01-01");
            s.request_with("tools/list", p, &[], &[]).await.code() != -32020
        }
        "unknown-method-http-200" => s.request("vendor/nope", json!({})).await.status == 200,
        "method-header-unchecked" => {
            s.request_with("tools/list", with_meta(json!({})), &["Mcp-Method"], &[])
                .await
                .status
                == 200
        }
        "method-header-case-insensitive" => {
            s.request_with(
                "tools/list",
                with_meta(json!({})),
                &["Mcp-Method"],
                &[("Mcp-Method", "TOOLS/LIST")],
            )
            .await
            .status
                == 200
        }
        "name-header-unchecked" => {
            let p = with_meta(json!({"name": "test_simple_text"}));
            s.request_with("tools/call", p, &["Mcp-Name"], &[("Mcp-Name", "other")])
                .await
                .status
                == 200
        }
        "no-base64-decoding" => {
            let p = with_meta(json!({"name": "test_simple_text"}));
            let enc = "=?base64?dGVzdF9zaW1wbGVfdGV4dA==?=";
            s.request_with("tools/call", p, &["Mcp-Name"], &[("Mcp-Name", enc)])
                .await
                .status
                != 200
        }
        "param-header-unchecked" => {
            s.request_with("tools/call", custom(json!("eu")), &[], &[])
                .await
                .status
                == 200
        }
        "param-header-required-when-null" => {
            s.request_with("tools/call", custom(Value::Null), &[], &[])
                .await
                .status
                != 200
        }
        "unknown-param-header-rejected" => {
            s.request_with(
                "tools/call",
                custom(Value::Null),
                &[],
                &[("Mcp-Param-Unused", "x")],
            )
            .await
            .status
                != 200
        }
        "origin-unchecked" | "origin-wrong-status" => {
            let r = s
                .request_with(
                    "tools/list",
                    with_meta(json!({})),
                    &[],
                    &[("Origin", "http://evil.example.com")],
                )
                .await;
            r.status != 403
        }
        "get-allowed" => s.http.get(&s.url).send().await.unwrap().status().as_u16() != 405,
        "mints-session-id" => discover_resp_has_session(s).await,
        "rejects-last-event-id" => {
            s.request_with(
                "tools/list",
                with_meta(json!({})),
                &[],
                &[("Last-Event-ID", "5")],
            )
            .await
            .status
                != 200
        }
        "plain-text-errors" => !s
            .request("vendor/nope", json!({}))
            .await
            .content_type()
            .starts_with("application/json"),
        "batch-crash" => {
            let h = default_headers("tools/list", &json!({}));
            let mut crashed = Vec::new();
            for body in [
                "[]",
                "{not json",
                r#"{"jsonrpc":"2.0","id":1,"result":{}}"#,
                "",
            ] {
                crashed.push(s.post_raw(&h, body).await.status >= 500);
            }
            assert!(crashed.iter().all(|c| *c == crashed[0]), "{crashed:?}");
            crashed[0]
        }
        "no-cache-hints" => discover(s).await["result"].get("ttlMs").is_none(),
        "fractional-ttl" | "bad-cache-scope" | "no-list-cache-hints" => {
            let mut results = vec![discover(s).await];
            for m in [
                "tools/list",
                "prompts/list",
                "resources/list",
                "resources/templates/list",
            ] {
                results.push(s.request(m, json!({})).await.json());
            }
            let read = json!({"uri": "test://static-text"});
            results.push(s.request("resources/read", read).await.json());
            let bad: Vec<bool> = results
                .iter()
                .map(|r| {
                    let r = &r["result"];
                    match fault {
                        "fractional-ttl" => !r["ttlMs"].is_u64(),
                        "bad-cache-scope" => {
                            !["public", "private"].iter().any(|v| r["cacheScope"] == *v)
                        }
                        _ => r.get("ttlMs").is_none() && r.get("cacheScope").is_none(),
                    }
                })
                .collect();
            if fault == "no-list-cache-hints" {
                // discover keeps its hints (that is no-cache-hints).
                !bad[0] && bad[1..].iter().all(|b| *b)
            } else {
                bad.iter().all(|b| *b)
            }
        }
        "bad-tool-name" => tools(s).await.iter().any(|t| {
            !t["name"]
                .as_str()
                .unwrap()
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"_-.".contains(&b))
        }),
        "input-schema-not-object" => tools(s)
            .await
            .iter()
            .any(|t| t["inputSchema"]["type"] != "object"),
        "x-mcp-header-on-number" => {
            let t = tool(s, "test_custom_header").await;
            t["inputSchema"]["properties"]
                .as_object()
                .unwrap()
                .values()
                .any(|p| p.get("x-mcp-header").is_some() && p["type"] == "number")
        }
        "bad-content-shape" => {
            let r = s.call_tool("test_simple_text", json!({})).await.json();
            let m = s
                .call_tool("test_multiple_content_types", json!({}))
                .await
                .json();
            let a = s.call_tool("test_audio_content", json!({})).await.json();
            let types: Vec<&Value> = m["result"]["content"]
                .as_array()
                .unwrap()
                .iter()
                .map(|b| &b["type"])
                .collect();
            !r["result"]["content"][0]["text"].is_string()
                && types == [&json!("text"), &json!("picture"), &json!("embedded")]
                && a["result"]["content"][0]["type"] == "sound"
        }
        "empty-tool-content" | "tool-call-internal-error" => {
            let mut hits = Vec::new();
            for t in [
                "test_image_content",
                "test_audio_content",
                "test_embedded_resource",
                "test_multiple_content_types",
            ] {
                let r = s.call_tool(t, json!({})).await.json();
                hits.push(if fault == "empty-tool-content" {
                    r["result"]["content"] == json!([])
                } else {
                    r["error"]["code"] == -32603
                });
            }
            assert!(hits.iter().all(|h| *h == hits[0]), "{hits:?}");
            hits[0]
        }
        "media-without-mime" => {
            let i = s.call_tool("test_image_content", json!({})).await.json();
            let a = s.call_tool("test_audio_content", json!({})).await.json();
            i["result"]["content"][0].get("mimeType").is_none()
                && a["result"]["content"][0].get("mimeType").is_none()
        }
        "embedded-resource-incomplete" => {
            let r = s
                .call_tool("test_embedded_resource", json!({}))
                .await
                .json();
            let res = &r["result"]["content"][0]["resource"];
            res.get("uri").is_none() && res.get("text").is_none()
        }
        "tool-without-input-schema" => tools(s)
            .await
            .iter()
            .any(|t| t.get("inputSchema").is_none()),
        "structured-not-mirrored" => {
            let r = s
                .call_tool("test_structured_output", json!({}))
                .await
                .json();
            let text = r["result"]["content"][0]["text"].as_str().unwrap();
            serde_json::from_str::<Value>(text).ok()
                != Some(r["result"]["structuredContent"].clone())
        }
        "unknown-tool-is-result" => {
            s.call_tool("no_such_tool", json!({})).await.json()["result"].is_object()
        }
        "tool-error-as-protocol-error" => {
            let a = s.call_tool("test_error_handling", json!({})).await.json();
            let b = s
                .call_tool("test_validate_input", json!({"date": "2000-01-01"}))
                .await
                .json();
            a.get("error").is_some() && b.get("error").is_some()
        }
        "structured-output-mismatch" => {
            let r = s
                .call_tool("test_structured_output", json!({}))
                .await
                .json();
            !r["result"]["structuredContent"]["temperature"].is_number()
        }
        "bad-base64-image" => {
            use base64::Engine as _;
            let bad = |v: &Value| {
                base64::engine::general_purpose::STANDARD
                    .decode(v.as_str().unwrap())
                    .is_err()
            };
            let i = s.call_tool("test_image_content", json!({})).await.json();
            let a = s.call_tool("test_audio_content", json!({})).await.json();
            let p = s
                .request("prompts/get", json!({"name": "test_prompt_with_image"}))
                .await
                .json();
            bad(&i["result"]["content"][0]["data"])
                && bad(&a["result"]["content"][0]["data"])
                && bad(&p["result"]["messages"][0]["content"]["data"])
        }
        "empty-contents-for-missing-resource"
        | "resource-not-found-legacy-code"
        | "template-read-fails" => {
            let uri = if fault == "template-read-fails" {
                "test://template/42/data"
            } else {
                "test://nope"
            };
            let r = s
                .request("resources/read", json!({"uri": uri}))
                .await
                .json();
            match fault {
                "empty-contents-for-missing-resource" => r.get("result").is_some(),
                "resource-not-found-legacy-code" => r["error"]["code"] == -32002,
                _ => r.get("error").is_some(),
            }
        }
        "prompt-errors-internal" => {
            let r = s.request("prompts/get", json!({"name": "nope"})).await;
            r.code() == -32603
        }
        "prompt-missing-args-accepted" => {
            let p = json!({"name": "test_prompt_with_arguments", "arguments": {}});
            s.request("prompts/get", p)
                .await
                .json()
                .get("result")
                .is_some()
        }
        "completion-too-many-values" | "completion-unknown-ref-accepted" => {
            let name = if fault == "completion-too-many-values" {
                "test_prompt_with_arguments"
            } else {
                "nope"
            };
            let p = json!({"ref": {"type": "ref/prompt", "name": name},
                "argument": {"name": "arg1", "value": ""}});
            let r = s.request("completion/complete", p).await.json();
            match fault {
                "completion-too-many-values" => {
                    r["result"]["completion"]["values"]
                        .as_array()
                        .unwrap()
                        .len()
                        > 100
                }
                _ => r.get("result").is_some(),
            }
        }
        "legacy-error-range" => {
            s.request_with("tools/list", with_meta(json!({})), &["Mcp-Method"], &[])
                .await
                .code()
                != -32020
        }
        "handshake-required" => {
            // Deterministic: every request is refused, not only the first on a connection.
            let fresh = s.fresh();
            let mut refused = Vec::new();
            for m in ["server/discover", "tools/list", "tools/list"] {
                let r = fresh.request(m, json!({})).await;
                refused.push(r.status == 400 && r.code() == -32600);
            }
            assert!(refused.iter().all(|r| *r == refused[0]), "{refused:?}");
            // Validation errors and unknown methods are unchanged.
            assert_eq!(s.request("vendor/nope", json!({})).await.code(), -32601);
            refused[0]
        }
        "capability-always-missing" => {
            let p = json!({"name": "test_missing_capability", "arguments": {},
                "_meta": caps(json!({"sampling": {}}))});
            s.request("tools/call", p).await.status == 400
        }
        "string-id-as-number" => {
            let mut changed = Vec::new();
            let mut echoed = Vec::new();
            for id in [json!("7"), json!(""), json!("req-a1")] {
                let body = json!({"jsonrpc": "2.0", "id": id, "method": "server/discover",
                    "params": with_meta(json!({}))});
                let r = s.post_raw(&discover_headers, body.to_string()).await.json();
                changed.push(r["id"] != id);
                echoed.push(r["id"].clone());
            }
            assert!(changed.iter().all(|c| *c == changed[0]), "{changed:?}");
            if changed[0] {
                assert_eq!(echoed, [json!(7), json!(0), Value::Null]);
            }
            changed[0]
        }
        "initialize-accepted" => {
            let body = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
                "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "o", "version": "1"}}});
            s.post_raw(&[], body.to_string()).await.status == 200
        }
        "error-without-message" => {
            let r = s.request("vendor/nope", json!({})).await.json();
            r["error"].get("message").is_none()
        }
        "unassigned-mcp-code" => {
            s.request_with(
                "tools/list",
                with_meta(json!({})),
                &["Mcp-Method"],
                &[("Mcp-Method", "prompts/list")],
            )
            .await
            .code()
                == -32030
        }
        "app-code-in-reserved-range" => {
            let r = s.request("prompts/get", json!({"name": "nope"})).await;
            r.code() == -32650
        }
        "undeclared-tools" | "undeclared-resources" | "undeclared-completions" => {
            let (key, method, params) = match fault {
                "undeclared-tools" => ("tools", "tools/list", json!({})),
                "undeclared-resources" => ("resources", "resources/list", json!({})),
                _ => (
                    "completions",
                    "completion/complete",
                    json!({"ref": {"type": "ref/prompt", "name": "test_prompt_with_arguments"},
                        "argument": {"name": "arg1", "value": "a"}}),
                ),
            };
            let d = discover(s).await;
            let served = s.request(method, params).await.status == 200;
            d["result"]["capabilities"].get(key).is_none() && served
        }
        "tools-list-fails"
        | "resources-list-fails"
        | "prompts-list-fails"
        | "completion-not-found" => {
            let (key, method, params) = match fault {
                "tools-list-fails" => ("tools", "tools/list", json!({})),
                "resources-list-fails" => ("resources", "resources/list", json!({})),
                "prompts-list-fails" => ("prompts", "prompts/list", json!({})),
                _ => (
                    "completions",
                    "completion/complete",
                    json!({"ref": {"type": "ref/prompt", "name": "test_prompt_with_arguments"},
                        "argument": {"name": "arg1", "value": "a"}}),
                ),
            };
            let d = discover(s).await;
            let r = s.request(method, params).await;
            d["result"]["capabilities"].get(key).is_some() && r.status == 404
        }
        "resource-without-name" => {
            let r = s.request("resources/list", json!({})).await.json();
            r["result"]["resources"][0].get("name").is_none()
        }
        "template-without-name" => {
            let r = s
                .request("resources/templates/list", json!({}))
                .await
                .json();
            r["result"]["resourceTemplates"][0].get("name").is_none()
        }
        "read-blob-not-base64" | "read-content-without-uri" => {
            let r = s
                .request("resources/read", json!({"uri": "test://static-binary"}))
                .await
                .json();
            let c = &r["result"]["contents"][0];
            if fault == "read-blob-not-base64" {
                c["blob"] == "not base64!!"
            } else {
                c.get("uri").is_none()
            }
        }
        "prompt-without-name" | "prompt-argument-without-name" => {
            let r = s.request("prompts/list", json!({})).await.json();
            let prompts = r["result"]["prompts"].as_array().unwrap().clone();
            if fault == "prompt-without-name" {
                prompts.iter().any(|p| p.get("name").is_none())
            } else {
                prompts
                    .iter()
                    .flat_map(|p| p["arguments"].as_array().cloned().unwrap_or_default())
                    .any(|a| a.get("name").is_none())
            }
        }
        "prompt-bad-role" => {
            let r = s
                .request("prompts/get", json!({"name": "test_simple_prompt"}))
                .await
                .json();
            r["result"]["messages"][0]["role"] != "user"
        }
        "unknown-prompt-is-result" => s
            .request("prompts/get", json!({"name": "nope"}))
            .await
            .json()
            .get("result")
            .is_some(),
        "prompt-resource-no-mime" => {
            let p = json!({"name": "test_prompt_with_embedded_resource"});
            let r = s.request("prompts/get", p).await.json();
            r["result"]["messages"][0]["content"]["resource"]
                .get("mimeType")
                .is_none()
        }
        "completion-values-not-strings" => {
            let p = json!({"ref": {"type": "ref/prompt", "name": "test_prompt_with_arguments"},
                "argument": {"name": "arg1", "value": "a"}});
            let r = s.request("completion/complete", p).await.json();
            r["result"]["completion"]["values"]
                .as_array()
                .unwrap()
                .iter()
                .any(|v| !v.is_string())
        }
        "bad-input-request" => {
            let p = json!({"name": "test_streaming_elicitation", "arguments": {},
                "_meta": caps(json!({"elicitation": {}}))});
            let events = s.request("tools/call", p).await.sse();
            let last = events.last().unwrap();
            last["result"]["inputRequests"]["user_name"]["params"]
                .get("requestedSchema")
                .is_none()
        }
        "post-status-201" => {
            let p = json!({"name": "test_tool_with_progress", "arguments": {},
                "_meta": {"progressToken": 1}});
            let sse = s.request("tools/call", p).await.status == 201;
            let plain = s.request("tools/list", json!({})).await.status == 201;
            assert_eq!(sse, plain, "SSE and JSON results differ");
            // Errors keep their status.
            assert_eq!(s.request("vendor/nope", json!({})).await.status, 404);
            sse
        }
        "removed-method-wrong-code" => {
            let r = s
                .request("logging/setLevel", json!({"level": "info"}))
                .await;
            assert_eq!(s.request("vendor/nope", json!({})).await.code(), -32601);
            r.code() != -32601
        }
        "sse-wrong-content-type" | "sse-left-open" => {
            let p = json!({"name": "test_tool_with_progress", "arguments": {},
                "_meta": {"progressToken": 1}});
            let started = std::time::Instant::now();
            let r = s.request("tools/call", p).await;
            if fault == "sse-wrong-content-type" {
                !r.content_type().starts_with("text/event-stream")
            } else {
                started.elapsed() >= std::time::Duration::from_secs(4)
            }
        }
        "version-error-http-200" => {
            let mut p = with_meta(json!({}));
            p["_meta"]["io.modelcontextprotocol/protocolVersion"] = json!("1999-01-01");
            let r = s
                .request_with(
                    "server/discover",
                    p,
                    &["MCP-Protocol-Version"],
                    &[("MCP-Protocol-Version", "1999-01-01")],
                )
                .await;
            r.status == 200 && r.code() == -32022
        }
        "unknown-method-wrong-code" => {
            let r = s.request("vendor/nope", json!({})).await;
            assert_eq!(s.request("ping", json!({})).await.code(), -32601);
            r.code() != -32601
        }
        "base64-lenient-decoding" | "base64-marker-case-insensitive" => {
            let p = with_meta(json!({"name": "test_simple_text"}));
            let enc = if fault == "base64-lenient-decoding" {
                "=?base64?dGVzdF9z!!!aW1wbGVfdGV4dA?="
            } else {
                "=?BASE64?dGVzdF9zaW1wbGVfdGV4dA==?="
            };
            s.request_with("tools/call", p, &["Mcp-Name"], &[("Mcp-Name", enc)])
                .await
                .status
                == 200
        }
        "param-header-wrong-argument" => {
            let p = with_meta(
                json!({"name": "test_custom_header", "arguments": {"region": "eu", "query": "q"}}),
            );
            s.request_with("tools/call", p, &[], &[("Mcp-Param-Region", "eu")])
                .await
                .status
                != 200
        }
        "invalid-header-chars-accepted" => {
            let p = with_meta(
                json!({"name": "test_custom_header", "arguments": {"region": "caf\u{e9}"}}),
            );
            let mut headers = default_headers("tools/call", &p);
            headers.push(("Mcp-Param-Region".into(), "caf\u{e9}".into()));
            let body = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": p});
            s.post_raw_bytes(&headers, body.to_string()).await.status == 200
        }
        "loopback-origin-rejected" => {
            s.request_with(
                "tools/list",
                with_meta(json!({})),
                &[],
                &[("Origin", "http://localhost:3000")],
            )
            .await
            .status
                == 403
        }
        "delete-allowed" => {
            s.http
                .delete(&s.url)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
                != 405
        }
        "rejects-session-id" => {
            s.request_with(
                "tools/list",
                with_meta(json!({})),
                &[],
                &[("Mcp-Session-Id", "bogus")],
            )
            .await
            .status
                != 200
        }
        "prompt-image-bad-mime" => {
            let r = s
                .request("prompts/get", json!({"name": "test_prompt_with_image"}))
                .await
                .json();
            r["result"]["messages"][0]["content"]
                .get("mimeType")
                .is_none()
        }
        "prompt-get-internal-error" => {
            let r = s
                .request("prompts/get", json!({"name": "test_simple_prompt"}))
                .await;
            let unknown = s.request("prompts/get", json!({"name": "nope"})).await;
            assert_eq!(unknown.code(), -32602);
            let p = json!({"name": "test_prompt_with_arguments", "arguments": {}});
            assert_eq!(s.request("prompts/get", p).await.code(), -32602);
            r.json().get("error").is_some() && r.code() == -32603
        }
        "prompt-embedded-resource-incomplete" | "prompt-resource-wrong-type" => {
            let p = json!({"name": "test_prompt_with_embedded_resource"});
            let r = s.request("prompts/get", p).await.json();
            let content = &r["result"]["messages"][0]["content"];
            if fault == "prompt-resource-wrong-type" {
                content["type"] != "resource"
            } else {
                content["resource"].get("uri").is_none()
                    && content["resource"].get("text").is_none()
            }
        }
        "prompt-image-wrong-type" => {
            let r = s
                .request("prompts/get", json!({"name": "test_prompt_with_image"}))
                .await
                .json();
            r["result"]["messages"][0]["content"]["type"] != "image"
        }
        "read-internal-error" => {
            let mut failed = Vec::new();
            for uri in ["test://static-text", "test://static-binary"] {
                let r = s
                    .request("resources/read", json!({"uri": uri}))
                    .await
                    .json();
                failed.push(r["error"]["code"] == -32603);
            }
            assert_eq!(failed[0], failed[1]);
            let missing = s
                .request("resources/read", json!({"uri": "test://nope"}))
                .await;
            assert_eq!(missing.code(), -32602);
            failed[0]
        }
        "templates-list-fails" => {
            let d = discover(s).await;
            let r = s
                .request("resources/templates/list", json!({}))
                .await
                .json();
            d["result"]["capabilities"].get("resources").is_some() && r["error"]["code"] == -32603
        }
        "connection-scoped-tool" => {
            let names = |tools: Vec<Value>| -> Vec<String> {
                tools
                    .iter()
                    .map(|t| t["name"].as_str().unwrap().to_string())
                    .collect()
            };
            let first = names(tools(s).await);
            let again = names(tools(s).await);
            assert_eq!(first, again, "the list changed within one connection");
            let elsewhere = names(tools(&s.fresh()).await);
            if first != elsewhere {
                // The extra tool is callable on its own connection.
                let extra = first.iter().find(|n| n.starts_with("conn_")).unwrap();
                let r = s.call_tool(extra, json!({})).await.json();
                assert!(r.get("result").is_some(), "{r}");
            }
            first != elsewhere
        }
        "rejects-trace-context" => {
            let vendor = json!({"_meta": {"com.example/x": 1}});
            assert_eq!(s.request("server/discover", vendor).await.status, 200);
            let mut rejected = Vec::new();
            for key in ["traceparent", "tracestate", "baggage"] {
                let value = match key {
                    "traceparent" => "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                    "tracestate" => "congo=t61rcWkgMzE",
                    _ => "k=v",
                };
                let r = s
                    .request("server/discover", json!({"_meta": {key: value}}))
                    .await;
                rejected.push(r.status == 400 && r.code() == -32602);
            }
            assert!(rejected.iter().all(|r| *r == rejected[0]), "{rejected:?}");
            rejected[0]
        }
        "capability-error-wrong-code" | "capability-error-http-200" => {
            let r = s.call_tool("test_missing_capability", json!({})).await;
            if fault == "capability-error-wrong-code" {
                assert_eq!(r.status, 400);
                r.code() != -32021
            } else {
                assert_eq!(r.code(), -32021);
                r.status != 400
            }
        }
        "later-pages-no-cache-hints" | "cache-scope-differs-on-pages" => {
            let mut broken = false;
            for m in LIST_METHODS {
                let pages = s.list_pages(m).await;
                assert!(pages.len() >= 2, "{m} is single-page");
                assert!(pages[0].get("ttlMs").is_some(), "{m} first page");
                broken |= if fault == "later-pages-no-cache-hints" {
                    pages
                        .iter()
                        .any(|p| p.get("ttlMs").is_none() || p.get("cacheScope").is_none())
                } else {
                    pages
                        .iter()
                        .any(|p| p["cacheScope"] != pages[0]["cacheScope"])
                };
            }
            broken
        }
        "hints-on-input-required" => {
            let p = json!({"name": "test_missing_capability", "arguments": {},
                "_meta": caps(json!({"sampling": {}}))});
            let r = s.request("tools/call", p).await.json();
            assert_eq!(r["result"]["resultType"], "input_required");
            r["result"].get("ttlMs").is_some() || r["result"].get("cacheScope").is_some()
        }
        "unstable-tool-order" => {
            let mut lists = Vec::new();
            for id in 1..=3 {
                lists.push(
                    request_id(s, json!(id), "tools/list", json!({})).await["result"]["tools"]
                        .clone(),
                );
            }
            lists.iter().any(|l| l != &lists[0])
        }
        "invalid-cursor-accepted" => {
            let r = s
                .request("tools/list", json!({"cursor": "%%garbage%%"}))
                .await
                .json();
            r.get("result").is_some()
        }
        "duplicate-items-across-pages" => {
            let mut dup = false;
            for (m, field) in [("tools/list", "tools"), ("prompts/list", "prompts")] {
                let items: Vec<String> = s
                    .list_all(m, field)
                    .await
                    .iter()
                    .map(|i| i["name"].to_string())
                    .collect();
                let unique: HashSet<&String> = items.iter().collect();
                dup |= unique.len() != items.len();
            }
            dup
        }
        "cursor-loop" => {
            // `list_pages` stops once a cursor repeats: a loop shows the first page again.
            let pages = s.list_pages("prompts/list").await;
            pages[1..]
                .iter()
                .any(|p| p["prompts"] == pages[0]["prompts"])
        }
        "progress-without-token" => {
            let p = json!({"name": "test_tool_with_progress", "arguments": {}});
            !progress_of(&call_events(s, p).await).is_empty()
        }
        "progress-wrong-token" => {
            let mut wrong = false;
            for token in [json!("p-1"), json!(41)] {
                let p = json!({"name": "test_tool_with_progress", "arguments": {},
                    "_meta": {"progressToken": token}});
                let events = call_events(s, p).await;
                let progress = progress_of(&events);
                assert!(!progress.is_empty());
                wrong |= progress
                    .iter()
                    .any(|e| e["params"]["progressToken"] != token);
            }
            wrong
        }
        "progress-not-increasing" | "progress-after-response" | "cancelled-on-request-stream" => {
            let p = json!({"name": "test_tool_with_progress", "arguments": {},
                "_meta": {"progressToken": 1}});
            let events = call_events(s, p).await;
            let progress = progress_of(&events);
            assert_eq!(progress.len(), 3);
            match fault {
                "progress-not-increasing" => progress.windows(2).any(|w| {
                    w[1]["params"]["progress"].as_f64() <= w[0]["params"]["progress"].as_f64()
                }),
                "progress-after-response" => events.last().unwrap().get("result").is_none(),
                _ => events
                    .iter()
                    .any(|e| e["method"] == "notifications/cancelled"),
            }
        }
        "log-without-level" => {
            let events =
                call_events(s, json!({"name": "test_logging_tool", "arguments": {}})).await;
            events
                .iter()
                .any(|e| e["method"] == "notifications/message")
        }
        "log-below-level" => {
            let p = json!({"name": "test_logging_tool", "arguments": {},
                "_meta": {"io.modelcontextprotocol/logLevel": "warning"}});
            let events = call_events(s, p).await;
            let levels: Vec<&Value> = events
                .iter()
                .filter(|e| e["method"] == "notifications/message")
                .map(|e| &e["params"]["level"])
                .collect();
            assert!(!levels.is_empty());
            levels.iter().any(|l| *l != "warning" && *l != "error")
        }
        "log-on-listen-stream" => {
            let meta = json!({"io.modelcontextprotocol/logLevel": "debug"});
            listen_after(s, "test_logging_tool", meta).await["method"] == "notifications/message"
        }
        "progress-on-listen-stream" => {
            let meta = json!({"progressToken": "lp"});
            listen_after(s, "test_tool_with_progress", meta).await["method"]
                == "notifications/progress"
        }
        "invalid-log-level-accepted" => {
            let p = json!({"name": "test_logging_tool", "arguments": {},
                "_meta": {"io.modelcontextprotocol/logLevel": "verbose"}});
            s.request("tools/call", p).await.status == 200
        }
        "logging-undeclared" => {
            let d = discover(s).await;
            let p = json!({"name": "test_logging_tool", "arguments": {},
                "_meta": {"io.modelcontextprotocol/logLevel": "info"}});
            let logs = call_events(s, p).await;
            assert!(logs.iter().any(|e| e["method"] == "notifications/message"));
            d["result"]["capabilities"].get("logging").is_none()
        }
        "listen-no-ack" => {
            let mut l = s
                .listen(json!("A"), json!({"toolsListChanged": true}))
                .await;
            let first = l.next_message(std::time::Duration::from_secs(1)).await;
            !first.is_some_and(|m| m["method"] == "notifications/subscriptions/acknowledged")
        }
        "listen-ack-superset" => {
            let mut l = s
                .listen(json!("A"), json!({"promptsListChanged": true}))
                .await;
            let ack = l
                .next_message(std::time::Duration::from_secs(3))
                .await
                .unwrap();
            ack["params"]["notifications"] != json!({"promptsListChanged": true})
        }
        "listen-wrong-subscription-id" => {
            let mut l = s.listen(json!(5), json!({"toolsListChanged": true})).await;
            let ack = l
                .next_message(std::time::Duration::from_secs(3))
                .await
                .unwrap();
            ack["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"] != json!(5)
        }
        "listen-unrequested-notifications" => {
            let wait = std::time::Duration::from_secs(3);
            let mut l = s
                .listen(json!("A"), json!({"promptsListChanged": true}))
                .await;
            l.next_message(wait).await.unwrap();
            s.call_tool("test_trigger_tool_change", json!({})).await;
            s.call_tool("test_trigger_prompt_change", json!({})).await;
            l.next_message(wait).await.unwrap()["method"] == "notifications/tools/list_changed"
        }
        "listen-not-supported" => {
            let l = s.listen(json!("A"), json!({})).await;
            l.status == 404
        }
        "listen-closes-immediately" => {
            let mut l = s.listen(json!("A"), json!({})).await;
            l.next_message(std::time::Duration::from_secs(3))
                .await
                .unwrap();
            let more = l.next_item(std::time::Duration::from_millis(1500)).await;
            more.is_none() && l.ended
        }
        "no-change-notifications" => {
            let wait = std::time::Duration::from_secs(2);
            let mut l = s
                .listen(
                    json!("A"),
                    json!({"toolsListChanged": true, "resourcesListChanged": true}),
                )
                .await;
            l.next_message(wait).await.unwrap();
            s.call_tool("test_trigger_tool_change", json!({})).await;
            s.call_tool("test_trigger_resource_list_change", json!({}))
                .await;
            let first = l.next_message(wait).await;
            let second = l.next_message(wait).await;
            assert_eq!(
                first.is_some(),
                second.is_some(),
                "only some triggers notify"
            );
            first.is_none()
        }
        "ignores-disconnect" => {
            let params = json!({"name": "test_slow_cancellable", "arguments": {"runId": "probe"},
                "_meta": {"progressToken": "t"}});
            let mut sse = s.open_stream(json!(1), "tools/call", params).await;
            sse.next_message(std::time::Duration::from_secs(2))
                .await
                .unwrap();
            drop(sse);
            tokio::time::sleep(std::time::Duration::from_millis(3600)).await;
            let st = s
                .fresh()
                .call_tool("test_cancellation_status", json!({"runId": "probe"}))
                .await
                .json();
            let st = &st["result"]["structuredContent"];
            assert_eq!(st["seen"], true);
            st["completed"] == true && st["cancelled"] == false
        }
        "tampered-state-accepted"
        | "state-replay-accepted"
        | "input-responses-ignored"
        | "missing-response-error"
        | "extra-keys-rejected"
        | "malformed-responses-accepted"
        | "decline-crashes"
        | "state-in-memory" => {
            const TOOL: &str = "test_input_required_result_request_state";
            let args = json!({"note": "a"});
            let p = |extra: Value| {
                let mut p = json!({"name": TOOL, "arguments": args, "_meta": caps(json!({"elicitation": {}}))});
                for (k, v) in extra.as_object().cloned().unwrap_or_default() {
                    p[k] = v;
                }
                p
            };
            let first = s.request("tools/call", p(json!({}))).await.json();
            let state = first["result"]["requestState"]
                .as_str()
                .unwrap()
                .to_string();
            let yes = json!({"confirm": {"action": "accept", "content": {"ok": true}}});
            let retry = |responses: Value, state: String| {
                p(json!({"inputResponses": responses, "requestState": state}))
            };
            let completes = |r: &Value| r["result"]["resultType"] == "complete";
            match fault {
                "tampered-state-accepted" => {
                    let r = s
                        .request("tools/call", retry(yes, format!("{state}-TAMPERED")))
                        .await;
                    completes(&r.json())
                }
                "state-replay-accepted" => {
                    let mut q = retry(yes.clone(), state.clone());
                    let tampered = s
                        .request("tools/call", retry(yes, format!("{state}x")))
                        .await;
                    assert_eq!(tampered.code(), -32602, "integrity is still checked");
                    q["arguments"] = json!({"note": "b"});
                    completes(&s.request("tools/call", q).await.json())
                }
                "input-responses-ignored" => {
                    let wrong = json!({"wrong_key": {"action": "accept", "content": {}}});
                    completes(&s.request("tools/call", retry(wrong, state)).await.json())
                }
                "missing-response-error" => {
                    let wrong = json!({"wrong_key": {"action": "accept", "content": {}}});
                    let r = s.request("tools/call", retry(wrong, state)).await.json();
                    r.get("error").is_some()
                }
                "extra-keys-rejected" => {
                    let mut more = yes.clone();
                    more["extra_key"] = json!({"x": 1});
                    let r = s.request("tools/call", retry(more, state)).await.json();
                    r.get("error").is_some()
                }
                "malformed-responses-accepted" => {
                    let r = s
                        .request("tools/call", retry(json!(12345), state))
                        .await
                        .json();
                    completes(&r)
                }
                "decline-crashes" => {
                    let no = json!({"confirm": {"action": "decline"}});
                    s.request("tools/call", retry(no, state)).await.status >= 500
                }
                _ => {
                    // state-in-memory: the same connection works, another one does not.
                    let same = s
                        .request("tools/call", retry(yes.clone(), state.clone()))
                        .await;
                    assert!(completes(&same.json()), "{same:?}");
                    let other = s.fresh().request("tools/call", retry(yes, state)).await;
                    !completes(&other.json())
                }
            }
        }
        "input-required-no-result-type" | "duplicate-input-keys" => {
            let tool = if fault == "duplicate-input-keys" {
                "test_input_required_result_elicitation"
            } else {
                "test_input_required_result_request_state"
            };
            let p = json!({"name": tool, "arguments": {},
                "_meta": caps(json!({"elicitation": {}}))});
            let r = s.request("tools/call", p).await;
            let v = r.json();
            assert!(v["result"]["inputRequests"].is_object(), "{v}");
            if fault == "duplicate-input-keys" {
                r.text.matches("\"user_name\":").count() > 1
            } else {
                v["result"].get("resultType").is_none()
            }
        }
        "input-required-from-list" => {
            let p = json!({"_meta": caps(json!({"elicitation": {}, "sampling": {}, "roots": {}}))});
            let r = s.request("tools/list", p).await.json();
            assert!(s.request("tools/list", json!({})).await.json()["result"]["tools"].is_array());
            r["result"]["resultType"] == "input_required"
        }
        "undeclared-elicitation-requested" => {
            let p = json!({"name": "test_input_required_result_capabilities", "arguments": {},
                "_meta": caps(json!({"sampling": {}}))});
            let r = s.request("tools/call", p).await.json();
            r["result"]["inputRequests"]
                .as_object()
                .unwrap()
                .values()
                .any(|v| v["method"] == "elicitation/create")
        }
        "input-required-no-content" => {
            let p = json!({"name": "test_input_required_result_request_state", "arguments": {},
                "_meta": caps(json!({"elicitation": {}}))});
            let r = s.request("tools/call", p).await.json();
            assert_eq!(r["result"]["resultType"], "input_required", "{r}");
            r["result"].get("inputRequests").is_none() && r["result"].get("requestState").is_none()
        }
        "input-required-stream-left-open" => {
            let params = json!({"name": "test_input_required_result_elicitation", "arguments": {},
                "_meta": {"io.modelcontextprotocol/clientCapabilities": {"elicitation": {}},
                    "progressToken": "p"}});
            let mut sse = s.open_stream(json!(1), "tools/call", params).await;
            let wait = std::time::Duration::from_secs(3);
            loop {
                let m = sse.next_message(wait).await.expect("final response");
                if m.get("id").is_some() {
                    assert_eq!(m["result"]["resultType"], "input_required");
                    break;
                }
            }
            let more = sse.next_item(std::time::Duration::from_millis(1500)).await;
            more.is_none() && !sse.ended
        }
        "multi-round-stops-early" => {
            let p = |extra: Value| {
                let mut p = json!({"name": "test_input_required_result_multi_round", "arguments": {},
                    "_meta": caps(json!({"elicitation": {}}))});
                for (k, v) in extra.as_object().cloned().unwrap_or_default() {
                    p[k] = v;
                }
                p
            };
            let first = s.request("tools/call", p(json!({}))).await.json();
            assert_eq!(first["result"]["resultType"], "input_required", "{first}");
            let state = first["result"]["requestState"].clone();
            let answer = json!({"step1": {"action": "accept", "content": {"name": "Ada"}}});
            let second = s
                .request(
                    "tools/call",
                    p(json!({"inputResponses": answer, "requestState": state})),
                )
                .await
                .json();
            second["result"]["resultType"] == "complete"
        }
        "prompt-input-required-broken" | "resource-input-required-broken" => {
            let (method, mut p, key, answer) = if fault == "prompt-input-required-broken" {
                (
                    "prompts/get",
                    json!({"name": "test_input_required_result_prompt", "arguments": {}}),
                    "user_context",
                    json!({"action": "accept", "content": {"context": "tests"}}),
                )
            } else {
                (
                    "resources/read",
                    json!({"uri": "test://input-required"}),
                    "greeting",
                    json!({"action": "accept", "content": {"greeting": "Hi"}}),
                )
            };
            p["_meta"] = caps(json!({"elicitation": {}}));
            let first = s.request(method, p.clone()).await.json();
            assert_eq!(first["result"]["resultType"], "input_required", "{first}");
            p["requestState"] = first["result"]["requestState"].clone();
            p["inputResponses"] = json!({key: answer});
            let r = s.request(method, p).await.json();
            r["error"]["code"] == -32602
        }
        "path-traversal-served" | "path-traversal-crash" => {
            let p = json!({"uri": "test://static-text/../../../etc/passwd"});
            let r = s.request("resources/read", p).await;
            if fault == "path-traversal-crash" {
                r.status >= 500
            } else {
                r.json()["result"]["contents"].is_array()
            }
        }
        "robustness-500" | "invalid-input-accepted" => {
            let p = json!({"name": "test_validate_input", "arguments": {"date": 20300101}});
            let r = s.request("tools/call", p).await;
            let ok = json!({"name": "test_validate_input", "arguments": {"date": "2000-01-01"}});
            let past = s.request("tools/call", ok).await.json();
            assert_eq!(past["result"]["isError"], true, "{past}");
            if fault == "robustness-500" {
                r.status >= 500
            } else {
                let v = r.json();
                v["result"]["resultType"] == "complete" && v["result"]["isError"] != true
            }
        }
        _ if fault.starts_with("task") || TASK_FAULTS.contains(&fault) => {
            task_probe(s, fault).await
        }
        _ if fault.starts_with("auth-") => auth_probe(s, fault).await,
        _ if fault.starts_with("fuzz-") => fuzz_probe(s, fault).await,
        other => panic!("no probe for fault {other}"),
    }
}

/// A request that may hang, drop the connection or fail: `None` when no complete answer came
/// within 2 s, else status and body.
async fn try_request(s: &Server, id: Value, method: &str, params: Value) -> Option<(u16, String)> {
    let params = with_meta(params);
    let mut req = s
        .http
        .post(&s.url)
        .timeout(std::time::Duration::from_secs(2))
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream");
    for (k, v) in default_headers(method, &params) {
        req = req.header(k, v);
    }
    let body = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
    let resp = req.body(body.to_string()).send().await.ok()?;
    let status = resp.status().as_u16();
    Some((status, resp.text().await.ok()?))
}

async fn fuzz_probe(s: &Server, fault: &str) -> bool {
    let call = |args: Value| json!({"name": "test_simple_text", "arguments": args});
    match fault {
        "fuzz-deep-nesting-panic" => {
            let mut v = json!("x");
            for _ in 0..40 {
                v = json!([v]);
            }
            try_request(s, json!(1), "tools/call", call(json!({"a": v})))
                .await
                .is_none()
        }
        "fuzz-huge-string-500" => {
            let big = "y".repeat(70 * 1024);
            try_request(s, json!(1), "tools/call", call(json!({"a": big})))
                .await
                .is_some_and(|(status, _)| status >= 500)
        }
        "fuzz-unicode-hang" => {
            try_request(s, json!(1), "tools/call", call(json!({"a": "\u{202E}"})))
                .await
                .is_none()
        }
        "fuzz-large-id-float" => {
            let r = request_id(
                s,
                json!(9_007_199_254_740_993_u64),
                "server/discover",
                json!({}),
            )
            .await;
            r["id"] != json!(9_007_199_254_740_993_u64)
        }
        "fuzz-cursor-result-invalid" => {
            let r = request_id(s, json!(1), "tools/list", json!({"cursor": "é"})).await;
            r.get("result")
                .is_some_and(|r| r.get("resultType").is_none())
        }
        other => panic!("no probe for fault {other}"),
    }
}

/// Tasks-extension faults whose names do not start with "task".
const TASK_FAULTS: &[&str] = &[
    "required-task-legacy-code",
    "legacy-task-param-rejected",
    "create-result-extra-fields",
    "create-result-bad-fields",
    "tool-error-as-failed",
    "unknown-task-wrong-code",
    "update-ack-with-task",
    "cancel-terminal-error",
    "mutable-terminal-state",
    "reserved-task-notification",
    "cancel-running-error",
    "legacy-tasks-capability",
];

const FAKE_TASK: &str = "4f1c9a0e-7b7e-4c4e-9d55-2f4a8f7c1b21";

/// Probes of the tasks-extension faults.
async fn task_probe(s: &Server, fault: &str) -> bool {
    let wait = std::time::Duration::from_secs(5);
    match fault {
        "legacy-tasks-capability" => {
            let r = s.request("server/discover", json!({})).await.json();
            let ext = &r["result"]["capabilities"]["extensions"][TASKS];
            r["result"]["capabilities"]["tasks"].is_object() && ext == &json!({"list": true})
        }
        "task-without-extension" => {
            let r = s
                .call_tool("slow_compute", json!({"seconds": 0}))
                .await
                .json();
            r["result"]["resultType"] == "task"
        }
        "required-task-legacy-code" => {
            let r = s.call_tool("failing_job", json!({})).await;
            let data = r.json()["error"]["data"].clone();
            r.status == 200
                && r.code() == -32003
                && data == json!({"requiredCapabilities": {"tasks": {}}})
        }
        "legacy-task-param-rejected" => {
            let p = json!({"name": "greet", "arguments": {"name": "x"}, "task": {"ttl": 1000}});
            s.request("tools/call", p).await.json()["error"]["code"] == -32602
        }
        "task-on-other-method" => {
            let p = json!({"name": "test_simple_prompt", "_meta": task_meta()});
            let prompt = s.request("prompts/get", p).await.json();
            let list = s.request("tools/list", json!({"_meta": task_meta()})).await;
            let disc = s
                .request("server/discover", json!({"_meta": task_meta()}))
                .await;
            // Without the extension, tools/list and discover are unaffected.
            let plain = s.request("tools/list", json!({})).await.json();
            assert!(plain["result"]["tools"].is_array(), "{plain}");
            [prompt, list.json(), disc.json()]
                .iter()
                .all(|r| r["result"]["resultType"] == "task" && r["result"]["taskId"].is_string())
        }
        "create-result-extra-fields" => {
            let r = s
                .call_with_tasks("slow_compute", json!({"seconds": 0}))
                .await;
            [
                "requestState",
                "result",
                "error",
                "inputRequests",
                "task",
                "ttl",
                "pollInterval",
            ]
            .iter()
            .all(|k| r["result"].get(k).is_some())
        }
        "create-result-bad-fields" => {
            let r = s
                .call_with_tasks("slow_compute", json!({"seconds": 0}))
                .await;
            r["result"]["createdAt"] == "21/11/2026 10:00"
                && r["result"]["pollIntervalMs"].is_string()
        }
        "task-ttl-not-integer" => {
            let r = s
                .call_with_tasks("slow_compute", json!({"seconds": 0}))
                .await;
            let id = r["result"]["taskId"].as_str().unwrap().to_string();
            let g = s.task_get(&id).await;
            !r["result"]["ttlMs"].is_u64() && !g["result"]["ttlMs"].is_u64()
        }
        "task-not-durable" => {
            let id = s.create_task("slow_compute", json!({"seconds": 5})).await;
            s.task_get(&id).await["error"]["code"] == -32602
        }
        "task-get-missing-payload" => {
            let id = s.create_task("failing_job", json!({})).await;
            let done = s.wait_terminal(&id).await;
            let failed = s.create_task("protocol_error_job", json!({})).await;
            let f = s.wait_terminal(&failed).await;
            done.get("result").is_none()
                && f.get("error").is_none()
                && f.get("statusMessage").is_none()
        }
        "tool-error-as-failed" => {
            let id = s.create_task("failing_job", json!({})).await;
            let failing = s.wait_terminal(&id).await;
            let id = s.create_task("protocol_error_job", json!({})).await;
            let proto = s.wait_terminal(&id).await;
            failing["status"] == "failed"
                && proto["status"] == "completed"
                && proto["result"]
                    == json!({"resultType": "complete", "content": [{"type": "text",
                        "text": "protocol_error_job: internal error"}], "isError": true})
                && proto.get("error").is_none()
        }
        "unknown-task-wrong-code" | "task-error-empty-message" => {
            let mut all = true;
            for (method, extra) in [
                ("tasks/get", json!({})),
                ("tasks/update", json!({"inputResponses": {}})),
                ("tasks/cancel", json!({})),
            ] {
                let e = s.task_request(method, FAKE_TASK, extra).await.json()["error"].clone();
                all &= if fault == "unknown-task-wrong-code" {
                    e["code"] == -32050
                } else {
                    e["message"] == ""
                };
            }
            all
        }
        "update-ack-with-task" => {
            let id = s.create_task("slow_compute", json!({"seconds": 5})).await;
            let ack = s
                .task_request("tasks/update", &id, json!({"inputResponses": {}}))
                .await
                .json();
            let cancel = s.task_request("tasks/cancel", &id, json!({})).await.json();
            let is_task = |a: &Value| {
                a["result"]["resultType"] == "task"
                    && a["result"]["taskId"] == json!(id)
                    && a["result"]["pollIntervalMs"].is_u64()
            };
            is_task(&ack) && is_task(&cancel) && cancel["result"]["status"] == "cancelled"
        }
        "task-reused-input-key" => {
            let id = s.create_task("multi_input", json!({})).await;
            s.wait_for(&id, &["input_required"], 50).await;
            let answer =
                json!({"first_name": {"action": "accept", "content": {"first_name": "A"}}});
            s.task_request("tasks/update", &id, json!({"inputResponses": answer}))
                .await;
            let t = s.task_get(&id).await["result"].clone();
            assert_eq!(t["status"], "input_required", "{t}");
            let multi = t["inputRequests"].get("first_name").is_some();
            let id = s
                .create_task("confirm_delete", json!({"filename": "a.txt"}))
                .await;
            s.wait_for(&id, &["input_required"], 50).await;
            let yes = json!({"confirm": {"action": "accept", "content": {"confirm": true}}});
            s.task_request("tasks/update", &id, json!({"inputResponses": yes.clone()}))
                .await;
            let t = s.task_get(&id).await["result"].clone();
            let again = t["status"] == "input_required"
                && t["inputRequests"]["confirm"]["params"]["message"]
                    .as_str()
                    .is_some_and(|m| m.ends_with(" (asked again)"));
            if again {
                s.task_request("tasks/update", &id, json!({"inputResponses": yes}))
                    .await;
                assert_eq!(s.task_get(&id).await["result"]["status"], "completed");
            }
            multi && again
        }
        "cancel-terminal-error" => {
            let id = s.create_task("slow_compute", json!({"seconds": 0})).await;
            s.wait_terminal(&id).await;
            s.task_request("tasks/cancel", &id, json!({})).await.json()["error"]["code"] == -32602
        }
        "task-ignores-cancel" => {
            let id = s.create_task("slow_compute", json!({"seconds": 0.3})).await;
            let ack = s.task_request("tasks/cancel", &id, json!({})).await.json();
            assert_eq!(ack["result"]["resultType"], "complete", "{ack}");
            s.wait_terminal(&id).await["status"] == "completed"
        }
        "mutable-terminal-state" => {
            let id = s.create_task("slow_compute", json!({"seconds": 0})).await;
            assert_eq!(s.wait_terminal(&id).await["status"], "completed");
            s.task_request("tasks/cancel", &id, json!({})).await;
            let first = s.task_get(&id).await["result"]["status"] == "cancelled";
            s.task_request("tasks/cancel", &id, json!({})).await;
            let t = s.task_get(&id).await["result"].clone();
            first && t["status"] == "failed" && t["error"]["message"] == "cancelled twice"
        }
        "task-illegal-transition" => {
            let id = s.create_task("slow_compute", json!({"seconds": 0})).await;
            s.wait_for(&id, &["completed"], 50).await;
            let flips = s.task_get(&id).await["result"]["status"] == "working";
            let mut seeds = true;
            for (tool, args) in [
                ("failing_job", json!({})),
                ("confirm_delete", json!({"filename": "a"})),
                ("multi_input", json!({})),
            ] {
                let r = s.call_with_tasks(tool, args).await;
                seeds &= r["result"]["status"] == "completed";
                let id = r["result"]["taskId"].as_str().unwrap();
                seeds &= s.task_get(id).await["result"]["status"] != "completed";
            }
            flips && seeds
        }
        "task-methods-without-extension" => {
            let id = s.create_task("slow_compute", json!({"seconds": 0})).await;
            let r = s.request("tasks/get", json!({"taskId": id})).await;
            r.status == 200 && r.json()["result"]["taskId"] == json!(id)
        }
        "task-listen-without-extension" => {
            let id = s.create_task("slow_compute", json!({"seconds": 0})).await;
            let mut l = s.listen(json!("L"), json!({"taskIds": [id]})).await;
            if l.status != 200 {
                return false;
            }
            let ack = l.next_message(wait).await.expect("ack");
            ack["params"]["notifications"]["taskIds"] == json!([id])
        }
        "task-notification-no-subscription-id" => {
            let id = s.create_task("slow_compute", json!({"seconds": 0})).await;
            let params = json!({"notifications": {"taskIds": [id]}, "_meta": task_meta()});
            let mut l = s
                .open_stream(json!("L"), "subscriptions/listen", params)
                .await;
            l.next_message(wait).await.expect("ack");
            let n = l.next_message(wait).await.expect("notifications/tasks");
            assert_eq!(n["method"], "notifications/tasks", "{n}");
            n["params"]["_meta"]
                .get("io.modelcontextprotocol/subscriptionId")
                .is_none()
        }
        "task-name-header-ignored" => {
            let id = s.create_task("slow_compute", json!({"seconds": 0})).await;
            let p = with_meta(json!({"taskId": id, "_meta": task_meta()}));
            let r = s
                .request_with("tasks/get", p, &["Mcp-Name"], &[("Mcp-Name", "other")])
                .await;
            r.status == 200
        }
        "task-before-mrtr" => {
            let p = json!({"name": "test_tool_with_task", "arguments": {},
                "_meta": {"io.modelcontextprotocol/clientCapabilities": task_caps(json!({"elicitation": {}}))}});
            let r = s.request("tools/call", p).await.json();
            if r["result"]["resultType"] != "task" {
                return false;
            }
            let id = r["result"]["taskId"].as_str().unwrap().to_string();
            let t = s.wait_for(&id, &["input_required"], 50).await;
            t["inputRequests"].get("user_name").is_some()
        }
        "task-purged-early" => {
            let id = s.create_task("slow_compute", json!({"seconds": 0})).await;
            s.wait_terminal(&id).await;
            for _ in 0..10 {
                let r = s.task_get(&id).await;
                if r["error"]["code"] == -32602 {
                    return true;
                }
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            false
        }
        "tasks-result-method" => {
            let id = s.create_task("slow_compute", json!({"seconds": 0})).await;
            s.wait_terminal(&id).await;
            let r = s.task_request("tasks/result", &id, json!({})).await;
            let l = s.task_request("tasks/list", &id, json!({})).await;
            r.status == 200
                && r.json()["result"]["content"].is_array()
                && l.status == 200
                && l.json()["result"]["resultType"] == "complete"
                && l.json()["result"]["tasks"] == json!([])
        }
        "reserved-task-notification" => {
            let r = s
                .request(
                    "tools/call",
                    json!({"name": "slow_compute", "arguments": {"seconds": 0}, "_meta": task_meta()}),
                )
                .await;
            if !r.content_type().starts_with("text/event-stream") {
                return false;
            }
            let events = r.sse();
            assert_eq!(events.last().unwrap()["result"]["resultType"], "task");
            let on_call = events
                .iter()
                .any(|e| e["method"] == "notifications/tasks/created");
            // slow_compute answers as SSE under this fault: watch another task.
            let id = s.create_task("multi_input", json!({})).await;
            let params = json!({"notifications": {"taskIds": [id]}, "_meta": task_meta()});
            let mut l = s
                .open_stream(json!("L"), "subscriptions/listen", params)
                .await;
            l.next_message(wait).await.expect("ack");
            let n = l.next_message(wait).await.expect("a notification");
            on_call
                && n["method"] == "notifications/tasks/created"
                && n["params"]
                    == json!({"taskId": id, "_meta": {"io.modelcontextprotocol/subscriptionId": "L"}})
        }
        "cancel-running-error" => {
            let id = s.create_task("slow_compute", json!({"seconds": 0.3})).await;
            let r = s.task_request("tasks/cancel", &id, json!({})).await.json();
            let refused = r["error"]["code"] == -32603
                && r["error"]["message"] == "cancellation is not supported";
            let end = s.wait_terminal(&id).await;
            let t = s.task_request("tasks/cancel", &id, json!({})).await.json();
            assert_eq!(t["result"]["resultType"], "complete", "{t}");
            refused && end["status"] == "completed"
        }
        "task-get-extra-payload" => {
            let id = s.create_task("slow_compute", json!({"seconds": 5})).await;
            let w = s.task_get(&id).await["result"].clone();
            let done = s.create_task("slow_compute", json!({"seconds": 0})).await;
            let c = s.wait_terminal(&done).await;
            let failed = s.create_task("protocol_error_job", json!({})).await;
            let f = s.wait_terminal(&failed).await;
            w["result"] == json!({"content": []})
                && c["error"]["message"] == "stale"
                && c["inputRequests"] == json!({})
                && f["result"] == json!({"content": []})
        }
        "task-input-requests-empty" => {
            let id = s.create_task("multi_input", json!({})).await;
            let t = s.wait_for(&id, &["input_required"], 50).await;
            let hidden = t["inputRequests"] == json!({});
            let answer = json!({
                "first_name": {"action": "accept", "content": {"first_name": "A"}},
                "last_name": {"action": "accept", "content": {"last_name": "B"}}});
            s.task_request("tasks/update", &id, json!({"inputResponses": answer}))
                .await;
            let end = s.wait_terminal(&id).await;
            assert_eq!(end["status"], "completed", "{end}");
            hidden
        }
        "task-ignores-update" => {
            let id = s
                .create_task("confirm_delete", json!({"filename": "a"}))
                .await;
            s.wait_for(&id, &["input_required"], 50).await;
            let yes = json!({"confirm": {"action": "accept", "content": {"confirm": true}}});
            let ack = s
                .task_request("tasks/update", &id, json!({"inputResponses": yes}))
                .await
                .json();
            assert_eq!(ack["result"]["resultType"], "complete", "{ack}");
            tokio::time::sleep(std::time::Duration::from_millis(150)).await;
            let still = s.task_get(&id).await["result"]["status"] == "input_required";
            let never = json!({"never_asked": {"action": "accept", "content": {}}});
            let e = s
                .task_request("tasks/update", &id, json!({"inputResponses": never}))
                .await
                .json();
            still && e["error"]["code"] == -32602
        }
        "task-stuck-working" => {
            let id = s.create_task("slow_compute", json!({"seconds": 0})).await;
            let failed = s.create_task("protocol_error_job", json!({})).await;
            tokio::time::sleep(std::time::Duration::from_millis(400)).await;
            let a = s.task_get(&id).await["result"]["status"].clone();
            let b = s.task_get(&failed).await["result"]["status"].clone();
            let long = s.create_task("slow_compute", json!({"seconds": 5})).await;
            s.task_request("tasks/cancel", &long, json!({})).await;
            let c = s.task_get(&long).await["result"]["status"].clone();
            assert_eq!(c, "cancelled");
            a == "working" && b == "working"
        }
        "task-forgets-mrtr-answer" => {
            let caps = json!({"io.modelcontextprotocol/clientCapabilities": task_caps(json!({"elicitation": {}}))});
            let mut p = json!({"name": "test_tool_with_task", "arguments": {}, "_meta": caps});
            let first = s.request("tools/call", p.clone()).await.json();
            assert_eq!(first["result"]["resultType"], "input_required", "{first}");
            p["requestState"] = first["result"]["requestState"].clone();
            p["inputResponses"] =
                json!({"user_name": {"action": "accept", "content": {"name": "Ada"}}});
            let r = s.request("tools/call", p).await.json();
            let id = r["result"]["taskId"].as_str().expect("taskId").to_string();
            let t = s.wait_terminal(&id).await;
            t["result"]["content"][0]["text"] == "Hello, stranger!"
        }
        "task-listen-extra" => {
            let id = s.create_task("slow_compute", json!({"seconds": 5})).await;
            let params = json!({"notifications": {"taskIds": [id]}, "_meta": task_meta()});
            let mut l = s
                .open_stream(json!("L"), "subscriptions/listen", params)
                .await;
            let ack = l.next_message(wait).await.expect("ack");
            let extra = "00000000-0000-4000-8000-000000000000";
            if ack["params"]["notifications"]["taskIds"] != json!([id, extra]) {
                return false;
            }
            let log = l.next_message(wait).await.expect("a notification");
            let phantom = l.next_message(wait).await.expect("a notification");
            log["method"] == "notifications/message"
                && log["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"] == "L"
                && phantom["method"] == "notifications/tasks"
                && phantom["params"]["taskId"] == extra
                && phantom["params"]["status"] == "working"
        }
        other => panic!("no task probe for fault {other}"),
    }
}

/// The parameters of a `Bearer` challenge (`None`: no WWW-Authenticate header).
fn challenge(r: &Resp) -> Option<String> {
    r.headers
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_string())
}

/// Probes of the auth faults, on a protected server whose client holds a valid token.
async fn auth_probe(s: &Server, fault: &str) -> bool {
    let anonymous = s.with_token(None);
    let minted = |aud: &str, scope: &str, exp: i64| Some(s.issuer().mint(aud, scope, exp));
    let get = |path: &str| {
        let url = format!("{}{path}", s.origin());
        async move { s.http.get(url).send().await.unwrap() }
    };
    let prm_path = "/.well-known/oauth-protected-resource/mcp";
    match fault {
        "auth-no-audience-check" => {
            let other = s.with_token(minted("http://127.0.0.1:1/other", "mcp", 300));
            other.request("server/discover", json!({})).await.status == 200
        }
        "auth-accepts-expired" => {
            let expired = s.with_token(minted(&s.url, "mcp", -600));
            expired.request("server/discover", json!({})).await.status == 200
        }
        "auth-unverified-signature" => {
            let token = s.token.clone().unwrap();
            let other = s.issuer().mint("http://127.0.0.1:1/x", "mcp", 300);
            let (body, _) = token.rsplit_once('.').unwrap();
            let (_, foreign_sig) = other.rsplit_once('.').unwrap();
            let tampered = s.with_token(Some(format!("{body}.{foreign_sig}")));
            tampered.request("server/discover", json!({})).await.status == 200
        }
        "auth-trusts-embedded-jwk" => {
            let forged = s.with_token(Some(forged_token(&s.url)));
            forged.request("server/discover", json!({})).await.status == 200
        }
        "auth-query-token" => {
            let token = s.token.clone().unwrap();
            let mut q = anonymous.with_token(None);
            q.url = format!("{}?access_token={token}", s.url);
            q.request("server/discover", json!({})).await.status == 200
        }
        "auth-prm-resource-mismatch" => {
            let prm: Value = get(prm_path).await.json().await.unwrap();
            prm["resource"] != json!(s.url)
        }
        "auth-offline-access" => {
            let prm: Value = get(prm_path).await.json().await.unwrap();
            let r = anonymous.request("server/discover", json!({})).await;
            prm["scopes_supported"]
                .as_array()
                .unwrap()
                .contains(&json!("offline_access"))
                && challenge(&r).unwrap().contains("offline_access")
        }
        "auth-no-prm" => {
            let r = anonymous.request("server/discover", json!({})).await;
            let root = get("/.well-known/oauth-protected-resource").await.status();
            get(prm_path).await.status() == 404
                && root == 404
                && !challenge(&r).unwrap().contains("resource_metadata")
        }
        "auth-no-as-metadata" => {
            let token = s
                .token_request(
                    Some(("mcpcheck", "mcpcheck-secret")),
                    "grant_type=client_credentials",
                )
                .await;
            assert_eq!(token.status, 200, "{token:?}");
            get("/.well-known/oauth-authorization-server")
                .await
                .status()
                == 404
        }
        "auth-no-challenge" => {
            let r = anonymous.request("server/discover", json!({})).await;
            assert_eq!(r.status, 401);
            challenge(&r).is_none()
        }
        "auth-no-scope-in-challenge" => {
            let r = anonymous.request("server/discover", json!({})).await;
            let narrow = s.with_token(minted(&s.url, "mcp", 300));
            let call = narrow.call_tool("test_admin_tool", json!({})).await;
            assert_eq!(call.status, 403);
            !challenge(&r).unwrap().contains("scope=")
                && !challenge(&call).unwrap().contains("scope=")
        }
        "auth-insufficient-scope-401" => {
            let narrow = s.with_token(minted(&s.url, "mcp", 300));
            let call = narrow.call_tool("test_admin_tool", json!({})).await;
            call.status == 401
        }
        "auth-malformed-as-401" => {
            let empty = [("Authorization".to_string(), "Bearer ".to_string())];
            let h = default_headers("server/discover", &json!({}));
            let body = json!({"jsonrpc": "2.0", "id": 1, "method": "server/discover", "params": with_meta(json!({}))});
            let r = s
                .post_raw(&[h, empty.to_vec()].concat(), body.to_string())
                .await;
            r.status == 401
        }
        "auth-sticky-connection" => {
            // Valid token first, then the same connection (shared pool) without any.
            assert_eq!(s.request("server/discover", json!({})).await.status, 200);
            let elsewhere = s.fresh().with_token(None);
            assert_eq!(
                elsewhere.request("server/discover", json!({})).await.status,
                401
            );
            anonymous.request("server/discover", json!({})).await.status == 200
        }
        "auth-public-cache-scope" => {
            let r = s.request("tools/list", json!({})).await.json();
            r["result"]["cacheScope"] == "public"
        }
        "auth-anonymous-allowed" => {
            anonymous.request("server/discover", json!({})).await.status == 200
        }
        "auth-presence-only" => {
            let garbage = s.with_token(Some("not-a-token".into()));
            garbage.request("server/discover", json!({})).await.status == 200
        }
        "auth-prm-no-authorization-servers" => {
            let prm: Value = get(prm_path).await.json().await.unwrap();
            prm.get("authorization_servers").is_none()
        }
        other => panic!("no auth probe for fault {other}"),
    }
}

/// A token from an issuer nobody trusts, signed with a key carried in its own header.
fn forged_token(audience: &str) -> String {
    use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair as _};
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let alg = &ECDSA_P256_SHA256_FIXED_SIGNING;
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(alg, &aws_lc_rs::rand::SystemRandom::new()).unwrap();
    let pair = EcdsaKeyPair::from_pkcs8(alg, pkcs8.as_ref()).unwrap();
    let point = pair.public_key().as_ref();
    let jwk = json!({"kty": "EC", "crv": "P-256", "x": b64.encode(&point[1..33]), "y": b64.encode(&point[33..65])});
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::ES256);
    header.jwk = Some(serde_json::from_value(jwk).unwrap());
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let claims = json!({"iss": "https://evil.example", "aud": audience, "scope": "mcp mcp:admin",
        "iat": now, "exp": now + 300});
    let key = jsonwebtoken::EncodingKey::from_ec_der(pkcs8.as_ref());
    jsonwebtoken::encode(&header, &claims, &key).unwrap()
}

async fn discover_resp_has_session(s: &Server) -> bool {
    s.request("server/discover", json!({}))
        .await
        .headers
        .contains_key("mcp-session-id")
}

#[tokio::test]
async fn every_fault_is_observable_and_absent_without_it() {
    let clean = start(None).await;
    // Auth faults act only in protected-resource mode: both halves run with auth on.
    let clean_auth = start_auth(None).await;
    for f in FAULTS {
        if f.stdio_only() {
            // Observed over stdio by tests/stdio.rs.
            continue;
        }
        let clean = if f.auth_only() { &clean_auth } else { &clean };
        assert!(
            !probe(clean, f.name).await,
            "fault-free server shows {}",
            f.name
        );
        // Probes with side effects (list-side-effect, sticky-capabilities) need a fresh server.
        let faulty = if f.auth_only() {
            start_auth(Some(f.name)).await
        } else {
            start(Some(f.name)).await
        };
        assert!(
            probe(&faulty, f.name).await,
            "fault {} not observed",
            f.name
        );
    }
}
