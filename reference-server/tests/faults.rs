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
        assert!(
            fault
                .name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
            "{}",
            fault.name
        );
        for r in fault.requirements {
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
        for r in f.requirements {
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
    s.request("tools/list", json!({})).await.json()["result"]["tools"]
        .as_array()
        .unwrap()
        .clone()
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
            !tools(s)
                .await
                .iter()
                .any(|t| t["name"] == "test_simple_text")
        }
        "sse-server-request" => {
            let p = json!({"name": "test_streaming_elicitation", "arguments": {},
                "_meta": caps(json!({"elicitation": {}}))});
            let events = s.request("tools/call", p).await.sse();
            events[..events.len() - 1]
                .iter()
                .any(|e| e.get("id").is_some() && e.get("method").is_some())
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
        "batch-crash" => s.post_raw(&[], "[]").await.status >= 500,
        "no-cache-hints" => discover(s).await["result"].get("ttlMs").is_none(),
        "fractional-ttl" => {
            let r = s.request("tools/list", json!({})).await.json();
            !r["result"]["ttlMs"].is_u64()
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
            !r["result"]["content"][0]["text"].is_string()
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
            let r = s.call_tool("test_image_content", json!({})).await.json();
            let data = r["result"]["content"][0]["data"].as_str().unwrap();
            base64::engine::general_purpose::STANDARD
                .decode(data)
                .is_err()
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
        "prompt-image-bad-mime" => {
            let r = s
                .request("prompts/get", json!({"name": "test_prompt_with_image"}))
                .await
                .json();
            r["result"]["messages"][0]["content"]
                .get("mimeType")
                .is_none()
        }
        other => panic!("no probe for fault {other}"),
    }
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
    for f in FAULTS {
        assert!(
            !probe(&clean, f.name).await,
            "fault-free server shows {}",
            f.name
        );
        // Probes with side effects (list-side-effect, sticky-capabilities) need a fresh server.
        let faulty = start(Some(f.name)).await;
        assert!(
            probe(&faulty, f.name).await,
            "fault {} not observed",
            f.name
        );
    }
}
