//! Behaviour of the conforming (fault-free) reference server.

mod common;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use common::*;
use serde_json::{Value, json};

#[tokio::test]
async fn discover_has_the_required_shape() {
    let s = start(None).await;
    let r = s.request("server/discover", json!({})).await;
    assert_eq!(r.status, 200);
    assert!(r.content_type().starts_with("application/json"));
    assert!(r.headers.get("mcp-session-id").is_none());
    let v = r.json();
    assert_eq!(v["id"], json!(1));
    let res = &v["result"];
    assert_eq!(res["resultType"], "complete");
    assert_eq!(res["supportedVersions"], json!(["2026-07-28"]));
    for cap in ["tools", "resources", "prompts", "completions", "logging"] {
        assert!(res["capabilities"][cap].is_object(), "{cap}");
    }
    assert!(res["ttlMs"].is_u64());
    assert_eq!(res["cacheScope"], "public");
    assert!(res["instructions"].is_string());
    let info = &res["_meta"]["io.modelcontextprotocol/serverInfo"];
    assert_eq!(info["name"], "mcpcheck-reference-server");
    assert!(info["version"].is_string());
}

#[tokio::test]
async fn request_without_client_info_is_served() {
    let s = start(None).await;
    let params = json!({"_meta": {
        "io.modelcontextprotocol/protocolVersion": VERSION,
        "io.modelcontextprotocol/clientCapabilities": {},
        "traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "com.example/x": 1
    }});
    let r = s.request_with("server/discover", params, &[], &[]).await;
    assert_eq!(r.status, 200, "{r:?}");
}

#[tokio::test]
async fn tools_list_is_deterministic_and_well_formed() {
    let s = start(None).await;
    let a = s.request("tools/list", json!({})).await.json();
    let b = s.request("tools/list", json!({})).await.json();
    let names = |v: &Value| -> Vec<String> {
        v["result"]["tools"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(names(&a), names(&b));
    assert!(names(&a).contains(&"test_simple_text".to_string()));
    for t in a["result"]["tools"].as_array().unwrap() {
        assert!(t["description"].is_string(), "{t}");
        assert_eq!(t["inputSchema"]["type"], "object", "{t}");
    }
    assert!(a["result"]["ttlMs"].is_u64());
    assert_eq!(a["result"]["cacheScope"], "public");
    let bad_cursor = s
        .request("tools/list", json!({"cursor": "%%garbage%%"}))
        .await;
    assert_eq!(bad_cursor.code(), -32602);
}

#[tokio::test]
async fn simple_tool_call_returns_text() {
    let s = start(None).await;
    let r = s.call_tool("test_simple_text", json!({})).await;
    assert_eq!(r.status, 200);
    let v = r.json();
    assert_eq!(v["result"]["resultType"], "complete");
    assert_eq!(v["result"]["content"][0]["type"], "text");
    assert!(v["result"]["content"][0]["text"].is_string());
    assert!(v["result"]["_meta"]["io.modelcontextprotocol/serverInfo"].is_object());
}

#[tokio::test]
async fn media_tools_return_valid_base64() {
    let s = start(None).await;
    let img = s.call_tool("test_image_content", json!({})).await.json();
    let c = &img["result"]["content"][0];
    assert_eq!(c["mimeType"], "image/png");
    let png = B64.decode(c["data"].as_str().unwrap()).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let audio = s.call_tool("test_audio_content", json!({})).await.json();
    let c = &audio["result"]["content"][0];
    assert_eq!(c["mimeType"], "audio/wav");
    let wav = B64.decode(c["data"].as_str().unwrap()).unwrap();
    assert_eq!(&wav[..4], b"RIFF");
    let mixed = s
        .call_tool("test_multiple_content_types", json!({}))
        .await
        .json();
    let types: Vec<&str> = mixed["result"]["content"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["text", "image", "resource"]);
}

#[tokio::test]
async fn error_and_validation_tools() {
    let s = start(None).await;
    let e = s.call_tool("test_error_handling", json!({})).await.json();
    assert_eq!(e["result"]["isError"], true);
    let past = s
        .call_tool("test_validate_input", json!({"date": "2000-01-01"}))
        .await
        .json();
    assert_eq!(past["result"]["isError"], true);
    let future = s
        .call_tool("test_validate_input", json!({"date": "2999-12-31"}))
        .await
        .json();
    assert!(future["result"].get("isError").is_none());
    let missing = s.call_tool("test_validate_input", json!({})).await;
    assert_eq!(missing.code(), -32602);
    let unknown = s.call_tool("no_such_tool", json!({})).await;
    assert_eq!(unknown.code(), -32602);
}

#[tokio::test]
async fn structured_output_is_mirrored_as_text() {
    let s = start(None).await;
    let v = s
        .call_tool("test_structured_output", json!({}))
        .await
        .json();
    let sc = &v["result"]["structuredContent"];
    assert!(sc["temperature"].is_number());
    let text: Value =
        serde_json::from_str(v["result"]["content"][0]["text"].as_str().unwrap()).unwrap();
    assert_eq!(&text, sc);
}

#[tokio::test]
async fn progress_is_streamed_as_sse_with_the_token() {
    let s = start(None).await;
    let params = json!({"name": "test_tool_with_progress", "arguments": {},
        "_meta": {"progressToken": "tok-1"}});
    let r = s.request("tools/call", params).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.headers["x-accel-buffering"], "no");
    let events = r.sse();
    let (last, before) = events.split_last().unwrap();
    assert!(before.len() >= 3);
    let mut prev = f64::MIN;
    for n in before {
        assert_eq!(n["method"], "notifications/progress");
        assert!(n.get("id").is_none());
        assert_eq!(n["params"]["progressToken"], "tok-1");
        let p = n["params"]["progress"].as_f64().unwrap();
        assert!(p > prev);
        prev = p;
    }
    assert_eq!(last["id"], json!(1));
    assert_eq!(last["result"]["resultType"], "complete");

    let plain = s.call_tool("test_tool_with_progress", json!({})).await;
    assert!(plain.content_type().starts_with("application/json"));
}

#[tokio::test]
async fn logging_respects_log_level() {
    let s = start(None).await;
    let plain = s.call_tool("test_logging_tool", json!({})).await;
    assert!(plain.content_type().starts_with("application/json"));
    let params = json!({"name": "test_logging_tool", "arguments": {},
        "_meta": {"io.modelcontextprotocol/logLevel": "warning"}});
    let events = s.request("tools/call", params).await.sse();
    let levels: Vec<&str> = events
        .iter()
        .filter(|e| e["method"] == "notifications/message")
        .map(|e| e["params"]["level"].as_str().unwrap())
        .collect();
    assert_eq!(levels, ["warning", "error"]);
    let params = json!({"name": "test_logging_tool", "arguments": {},
        "_meta": {"io.modelcontextprotocol/logLevel": "verbose"}});
    let r = s.request("tools/call", params).await;
    assert_eq!(r.code(), -32602);
}

#[tokio::test]
async fn header_problems_are_32020() {
    let s = start(None).await;
    let p = with_meta(json!({"name": "test_simple_text", "arguments": {}}));
    type Case<'a> = (&'a [&'a str], Vec<(&'a str, &'a str)>);
    let cases: Vec<Case> = vec![
        (&["MCP-Protocol-Version"], vec![]),
        (
            &["MCP-Protocol-Version"],
            vec![("MCP-Protocol-Version", "2031-01-01")],
        ),
        (&["Mcp-Method"], vec![]),
        (&["Mcp-Method"], vec![("Mcp-Method", "TOOLS/CALL")]),
        (&["Mcp-Method"], vec![("Mcp-Method", "tools/list")]),
        (&["Mcp-Name"], vec![]),
        (&["Mcp-Name"], vec![("Mcp-Name", "other_tool")]),
        (&["Mcp-Name"], vec![("Mcp-Name", "=?base64?SGVsbG8?=")]),
        (&["Mcp-Name"], vec![("Mcp-Name", "=?base64?SGVs!!!bG8=?=")]),
        (&["Mcp-Name"], vec![("Mcp-Name", "test_simple_text\u{e9}")]),
    ];
    for (drop, extra) in cases {
        let r = s.request_with("tools/call", p.clone(), drop, &extra).await;
        assert_eq!(r.status, 400, "{drop:?} {extra:?}: {r:?}");
        assert_eq!(r.code(), -32020, "{drop:?} {extra:?}");
        assert_eq!(r.json()["id"], json!(1));
    }
    // Sentinel-encoded and padded names are accepted; header names are case-insensitive.
    let enc = format!("=?base64?{}?=", B64.encode("test_simple_text"));
    for extra in [
        vec![("Mcp-Name", enc.as_str())],
        vec![("mcp-name", "  test_simple_text ")],
    ] {
        let r = s
            .request_with("tools/call", p.clone(), &["Mcp-Name"], &extra)
            .await;
        assert_eq!(r.status, 200, "{extra:?}: {r:?}");
    }
    // Prompt and resource names are checked too.
    let pp = with_meta(json!({"name": "test_simple_prompt"}));
    let r = s
        .request_with("prompts/get", pp, &["Mcp-Name"], &[("Mcp-Name", "x")])
        .await;
    assert_eq!(r.code(), -32020);
    let rp = with_meta(json!({"uri": "test://static-text"}));
    let r = s
        .request_with("resources/read", rp, &["Mcp-Name"], &[])
        .await;
    assert_eq!(r.code(), -32020);
}

#[tokio::test]
async fn session_and_last_event_id_headers_are_ignored() {
    let s = start(None).await;
    let r = s
        .request_with(
            "tools/list",
            with_meta(json!({})),
            &[],
            &[("Mcp-Session-Id", "bogus"), ("Last-Event-ID", "5")],
        )
        .await;
    assert_eq!(r.status, 200);
    assert!(r.headers.get("mcp-session-id").is_none());
}

#[tokio::test]
async fn custom_param_header_is_validated() {
    let s = start(None).await;
    let p = |region: Value| {
        with_meta(json!({"name": "test_custom_header", "arguments": {"region": region}}))
    };
    let ok = s
        .request_with(
            "tools/call",
            p(json!("eu-north1")),
            &[],
            &[("Mcp-Param-Region", "eu-north1")],
        )
        .await;
    assert_eq!(ok.status, 200, "{ok:?}");
    let missing = s
        .request_with("tools/call", p(json!("eu-north1")), &[], &[])
        .await;
    assert_eq!((missing.status, missing.code()), (400, -32020));
    let wrong = s
        .request_with(
            "tools/call",
            p(json!("eu-north1")),
            &[],
            &[("Mcp-Param-Region", "us-east1")],
        )
        .await;
    assert_eq!(wrong.code(), -32020);
    let enc = format!("=?base64?{}?=", B64.encode("région"));
    let sentinel = s
        .request_with(
            "tools/call",
            p(json!("région")),
            &[],
            &[("Mcp-Param-Region", enc.as_str())],
        )
        .await;
    assert_eq!(sentinel.status, 200, "{sentinel:?}");
    let null = s
        .request_with(
            "tools/call",
            p(Value::Null),
            &[],
            &[("Mcp-Param-Unused", "x")],
        )
        .await;
    assert_eq!(null.status, 200, "{null:?}");
}

#[tokio::test]
async fn missing_capability_is_32021_then_mrtr_round_trip() {
    let s = start(None).await;
    let r = s.call_tool("test_missing_capability", json!({})).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.code(), -32021);
    assert_eq!(
        r.json()["error"]["data"]["requiredCapabilities"],
        json!({"sampling": {}})
    );

    let caps = json!({"io.modelcontextprotocol/clientCapabilities": {"sampling": {}}});
    let first = s
        .request(
            "tools/call",
            json!({"name": "test_missing_capability", "arguments": {}, "_meta": caps}),
        )
        .await
        .json();
    let res = &first["result"];
    assert_eq!(res["resultType"], "input_required");
    assert_eq!(
        res["inputRequests"]["capital_question"]["method"],
        "sampling/createMessage"
    );
    assert!(res.get("ttlMs").is_none());
    let state = res["requestState"].as_str().unwrap().to_string();
    let answer = json!({"capital_question": {"role": "assistant", "model": "m",
        "content": {"type": "text", "text": "Paris"}}});
    let retry = s
        .request(
            "tools/call",
            json!({"name": "test_missing_capability", "arguments": {}, "_meta": caps,
                "inputResponses": answer, "requestState": state}),
        )
        .await
        .json();
    assert_eq!(retry["result"]["resultType"], "complete");
    assert!(
        retry["result"]["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("Paris")
    );
    let tampered = s
        .request(
            "tools/call",
            json!({"name": "test_missing_capability", "arguments": {}, "_meta": caps,
                "inputResponses": answer, "requestState": format!("{state}-TAMPERED")}),
        )
        .await;
    assert_eq!(tampered.code(), -32602);
}

#[tokio::test]
async fn streaming_elicitation_sends_only_notifications_then_input_required() {
    let s = start(None).await;
    let undeclared = s.call_tool("test_streaming_elicitation", json!({})).await;
    assert_eq!(undeclared.code(), -32021);
    let params = json!({"name": "test_streaming_elicitation", "arguments": {}, "_meta": {
        "io.modelcontextprotocol/clientCapabilities": {"elicitation": {}},
        "progressToken": 7
    }});
    let events = s.request("tools/call", params).await.sse();
    let (last, before) = events.split_last().unwrap();
    assert!(
        before
            .iter()
            .all(|e| e.get("id").is_none() && e["method"].is_string())
    );
    assert_eq!(last["result"]["resultType"], "input_required");
    assert_eq!(
        last["result"]["inputRequests"]["user_name"]["method"],
        "elicitation/create"
    );
}

#[tokio::test]
async fn unsupported_version_is_32022_with_data() {
    let s = start(None).await;
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
    assert_eq!(r.status, 400);
    let v = r.json();
    assert_eq!(v["error"]["code"], -32022);
    assert_eq!(v["error"]["data"]["supported"], json!(["2026-07-28"]));
    assert_eq!(v["error"]["data"]["requested"], "1999-01-01");
}

#[tokio::test]
async fn missing_or_malformed_meta_is_32602_400() {
    let s = start(None).await;
    let variants = [
        Value::Null,
        json!({}),
        json!({"_meta": {"io.modelcontextprotocol/clientCapabilities": {}}}),
        json!({"_meta": {"io.modelcontextprotocol/protocolVersion": VERSION}}),
        json!({"_meta": {"io.modelcontextprotocol/protocolVersion": 2026,
            "io.modelcontextprotocol/clientCapabilities": {}}}),
        json!({"_meta": {"io.modelcontextprotocol/protocolVersion": VERSION,
            "io.modelcontextprotocol/clientCapabilities": []}}),
    ];
    for params in variants {
        let body = if params.is_null() {
            json!({"jsonrpc": "2.0", "id": "m", "method": "server/discover"})
        } else {
            json!({"jsonrpc": "2.0", "id": "m", "method": "server/discover", "params": params})
        };
        let r = s
            .post_raw(
                &default_headers("server/discover", &json!({})),
                body.to_string(),
            )
            .await;
        assert_eq!(r.status, 400, "{params}: {r:?}");
        assert_eq!(r.code(), -32602, "{params}");
        assert_eq!(r.json()["id"], "m");
    }
}

#[tokio::test]
async fn removed_and_unknown_methods_are_404() {
    let s = start(None).await;
    for m in [
        "initialize",
        "ping",
        "logging/setLevel",
        "resources/subscribe",
        "resources/unsubscribe",
        "tasks/result",
        "tasks/list",
        "vendor/nope",
    ] {
        let r = s.request(m, json!({})).await;
        assert_eq!(r.status, 404, "{m}");
        assert_eq!(r.code(), -32601, "{m}");
        assert!(r.content_type().starts_with("application/json"));
    }
}

#[tokio::test]
async fn legacy_initialize_names_the_supported_version() {
    let s = start(None).await;
    let body = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {},
        "clientInfo": {"name": "old", "version": "1"}}});
    let r = s.post_raw(&[], body.to_string()).await;
    assert_eq!(r.status, 400);
    let v = r.json();
    assert_eq!(v["id"], 0);
    assert!(v["error"].to_string().contains("2026-07-28"));
}

#[tokio::test]
async fn notifications_get_202_and_malformed_bodies_400() {
    let s = start(None).await;
    let n =
        json!({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 42}});
    let r = s.post_raw(&[], n.to_string()).await;
    assert_eq!(r.status, 202);
    assert!(r.text.is_empty());
    let bad_n = json!({"jsonrpc": "2.0", "method": "notifications/x", "params": 3});
    let r = s.post_raw(&[], bad_n.to_string()).await;
    assert_eq!(r.status, 400);
    assert!(r.json().get("id").is_none());

    let r = s.post_raw(&[], "{not json").await;
    assert_eq!((r.status, r.code()), (400, -32700));
    assert!(r.json().get("id").is_none());
    let batch = json!([{"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": with_meta(json!({}))}]);
    let r = s.post_raw(&[], batch.to_string()).await;
    assert_eq!((r.status, r.code()), (400, -32600));
    let response = json!({"jsonrpc": "2.0", "id": 1, "result": {}});
    let r = s.post_raw(&[], response.to_string()).await;
    assert_eq!((r.status, r.code()), (400, -32600));
}

#[tokio::test]
async fn ids_are_echoed_with_their_type() {
    let s = start(None).await;
    for id in [
        json!("7"),
        json!(7),
        json!(-1),
        json!(""),
        json!(9007199254740993u64),
    ] {
        let body = json!({"jsonrpc": "2.0", "id": id, "method": "tools/list", "params": with_meta(json!({}))});
        let r = s
            .post_raw(&default_headers("tools/list", &json!({})), body.to_string())
            .await;
        assert_eq!(r.json()["id"], id);
    }
}

#[tokio::test]
async fn get_and_delete_are_405() {
    let s = start(None).await;
    let g = s
        .http
        .get(&s.url)
        .header("accept", "text/event-stream")
        .send()
        .await
        .unwrap();
    assert_eq!(g.status().as_u16(), 405);
    let d = s.http.delete(&s.url).send().await.unwrap();
    assert_eq!(d.status().as_u16(), 405);
}

#[tokio::test]
async fn foreign_origin_is_403() {
    let s = start(None).await;
    let p = with_meta(json!({}));
    let bad = s
        .request_with(
            "tools/list",
            p.clone(),
            &[],
            &[("Origin", "http://evil.example.com")],
        )
        .await;
    assert_eq!(bad.status, 403);
    assert!(bad.json().get("id").is_none());
    for ok in [
        "http://localhost:3000",
        "http://127.0.0.1",
        "http://[::1]:8080",
    ] {
        let r = s
            .request_with("tools/list", p.clone(), &[], &[("Origin", ok)])
            .await;
        assert_eq!(r.status, 200, "{ok}");
    }
    let s = start_with(mcpcheck_reference_server::Config {
        allowed_origins: vec!["https://app.example".into()],
        ..Default::default()
    })
    .await;
    let r = s
        .request_with("tools/list", p, &[], &[("Origin", "https://app.example")])
        .await;
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn resources_read_list_and_not_found() {
    let s = start(None).await;
    let list = s.request("resources/list", json!({})).await.json();
    assert_eq!(list["result"]["resources"].as_array().unwrap().len(), 2);
    let t = s
        .request("resources/templates/list", json!({}))
        .await
        .json();
    assert_eq!(
        t["result"]["resourceTemplates"][0]["uriTemplate"],
        "test://template/{id}/data"
    );
    for uri in [
        "test://static-text",
        "test://static-binary",
        "test://template/123/data",
    ] {
        let r = s
            .request("resources/read", json!({"uri": uri}))
            .await
            .json();
        let c = &r["result"]["contents"][0];
        assert_eq!(c["uri"], uri);
        assert!(c["mimeType"].is_string());
        assert!(r["result"]["ttlMs"].is_u64());
    }
    let uri = "test://nonexistent-resource-for-conformance-testing";
    let r = s.request("resources/read", json!({"uri": uri})).await;
    assert_eq!(r.code(), -32602);
    assert_eq!(r.json()["error"]["data"]["uri"], uri);
}

#[tokio::test]
async fn prompts_and_completion() {
    let s = start(None).await;
    let list = s.request("prompts/list", json!({})).await.json();
    assert_eq!(list["result"]["prompts"].as_array().unwrap().len(), 4);
    let ok = s
        .request(
            "prompts/get",
            json!({"name": "test_prompt_with_arguments", "arguments": {"arg1": "a", "arg2": "b"}}),
        )
        .await
        .json();
    assert_eq!(ok["result"]["messages"][0]["role"], "user");
    let missing = s
        .request(
            "prompts/get",
            json!({"name": "test_prompt_with_arguments", "arguments": {"arg1": "a"}}),
        )
        .await;
    assert_eq!(missing.code(), -32602);
    let unknown = s.request("prompts/get", json!({"name": "nope"})).await;
    assert_eq!(unknown.code(), -32602);
    let img = s
        .request("prompts/get", json!({"name": "test_prompt_with_image"}))
        .await
        .json();
    assert_eq!(
        img["result"]["messages"][0]["content"]["mimeType"],
        "image/png"
    );

    let c = s
        .request(
            "completion/complete",
            json!({"ref": {"type": "ref/prompt", "name": "test_prompt_with_arguments"},
                "argument": {"name": "arg1", "value": "ap"}}),
        )
        .await
        .json();
    assert_eq!(
        c["result"]["completion"]["values"],
        json!(["apple", "apricot"])
    );
    assert_eq!(c["result"]["completion"]["total"], 2);
    let r = s
        .request(
            "completion/complete",
            json!({"ref": {"type": "ref/resource", "uri": "test://template/{id}/data"},
                "argument": {"name": "id", "value": "12"}}),
        )
        .await
        .json();
    assert_eq!(r["result"]["completion"]["values"], json!(["123", "124"]));
    let unknown = s
        .request(
            "completion/complete",
            json!({"ref": {"type": "ref/prompt", "name": "nope"}, "argument": {"name": "a", "value": ""}}),
        )
        .await;
    assert_eq!(unknown.code(), -32602);
}

#[tokio::test]
async fn listen_acknowledges_then_forwards_list_changes() {
    let s = start(None).await;
    let params = with_meta(json!({"notifications": {"toolsListChanged": true}}));
    let body =
        json!({"jsonrpc": "2.0", "id": "L1", "method": "subscriptions/listen", "params": params});
    let mut req = s.http.post(&s.url).body(body.to_string());
    for (k, v) in default_headers("subscriptions/listen", &json!({})) {
        req = req.header(k, v);
    }
    let mut resp = req.send().await.unwrap();
    assert_eq!(resp.headers()["content-type"], "text/event-stream");
    let mut buf = String::new();
    let mut next_event = async || -> Value {
        loop {
            if let Some(end) = buf.find("\n\n") {
                let event: String = buf.drain(..end + 2).collect();
                if let Some(data) = event.trim().strip_prefix("data: ") {
                    return serde_json::from_str(data).unwrap();
                }
                continue;
            }
            let chunk = resp.chunk().await.unwrap().expect("stream open");
            buf.push_str(std::str::from_utf8(&chunk).unwrap());
        }
    };
    let ack = next_event().await;
    assert_eq!(ack["method"], "notifications/subscriptions/acknowledged");
    assert_eq!(
        ack["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"],
        "L1"
    );
    assert_eq!(
        ack["params"]["notifications"],
        json!({"toolsListChanged": true})
    );
    // A prompt change is filtered out; the tool change is delivered.
    s.call_tool("test_trigger_prompt_change", json!({})).await;
    s.call_tool("test_trigger_tool_change", json!({})).await;
    let n = next_event().await;
    assert_eq!(n["method"], "notifications/tools/list_changed");
    assert_eq!(
        n["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"],
        "L1"
    );
}

#[test]
fn sentinel_decoding_edge_cases() {
    use mcpcheck_reference_server::decode_sentinel;
    assert_eq!(decode_sentinel("=?base64?bcOpdMOpbw==?=").unwrap(), "météo");
    assert_eq!(decode_sentinel("=?base64??=").unwrap(), "");
    // Uppercase markers, missing suffix or prefix: literal values.
    for lit in [
        "=?BASE64?SGVsbG8=?=",
        "=?base64?SGVsbG8=",
        "SGVsbG8=?=",
        "plain",
    ] {
        assert_eq!(decode_sentinel(lit).unwrap(), lit);
    }
    assert!(decode_sentinel("=?base64?SGVsbG8?=").is_err());
    assert!(decode_sentinel("=?base64?SGVs!!!bG8=?=").is_err());
    assert!(decode_sentinel("=?base64?/w==?=").is_err()); // not UTF-8
}

#[test]
fn origin_matching() {
    use mcpcheck_reference_server::origin_allowed;
    for ok in [
        "http://localhost",
        "https://LOCALHOST:8443",
        "http://127.0.0.1:1",
        "http://[::1]",
    ] {
        assert!(origin_allowed(ok, &[]), "{ok}");
    }
    for bad in [
        "null",
        "http://localhost.evil.com",
        "http://evil.com",
        "http://127.0.0.2",
        "localhost",
    ] {
        assert!(!origin_allowed(bad, &[]), "{bad}");
    }
    assert!(origin_allowed(
        "https://app.example",
        &["https://app.example".into()]
    ));
}
