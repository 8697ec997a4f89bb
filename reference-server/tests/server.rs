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
    let all = s.list_all("resources/list", "resources").await;
    assert_eq!(all.len(), 5);
    for r in &all {
        let uri = r["uri"].as_str().unwrap();
        let read = s
            .request("resources/read", json!({"uri": uri}))
            .await
            .json();
        assert_eq!(read["result"]["contents"][0]["uri"], uri, "{read}");
    }
    for t in s
        .list_all("resources/templates/list", "resourceTemplates")
        .await
    {
        let uri = t["uriTemplate"].as_str().unwrap().replace("{id}", "abc-1");
        let read = s
            .request("resources/read", json!({"uri": uri}))
            .await
            .json();
        assert!(read["result"]["contents"][0]["text"].is_string(), "{read}");
    }
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
    assert_eq!(list["result"]["prompts"].as_array().unwrap().len(), 2);
    assert_eq!(s.list_all("prompts/list", "prompts").await.len(), 6);
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

const LISTS: [(&str, &str, usize, usize); 4] = [
    ("tools/list", "tools", 5, 35),
    ("prompts/list", "prompts", 2, 6),
    ("resources/list", "resources", 2, 5),
    ("resources/templates/list", "resourceTemplates", 2, 3),
];

#[tokio::test]
async fn lists_are_paginated_with_opaque_cursors() {
    let s = start(None).await;
    for (method, field, size, total) in LISTS {
        let pages = s.list_pages(method).await;
        assert_eq!(pages.len(), total.div_ceil(size), "{method}");
        let mut names = Vec::new();
        for (i, p) in pages.iter().enumerate() {
            let items = p[field].as_array().unwrap();
            assert!(
                items.len() <= size && !items.is_empty(),
                "{method} page {i}"
            );
            assert!(p["ttlMs"].is_u64(), "{method} page {i}");
            assert_eq!(p["cacheScope"], "public", "{method} page {i}");
            assert_eq!(p["resultType"], "complete");
            assert_eq!(p.get("nextCursor").is_some(), i + 1 < pages.len());
            names.extend(items.iter().map(|t| t.to_string()));
        }
        let unique: std::collections::HashSet<_> = names.iter().collect();
        assert_eq!((names.len(), unique.len()), (total, total), "{method}");
        // A cursor works on another connection and yields the same page.
        let cursor = pages[0]["nextCursor"].as_str().unwrap();
        let other = s.fresh();
        let p2 = other
            .request(method, json!({"cursor": cursor}))
            .await
            .json();
        assert_eq!(p2["result"][field], pages[1][field], "{method}");
        // Garbage, tampered and foreign cursors are -32602.
        let foreign = if method == "tools/list" {
            "prompts/list"
        } else {
            "tools/list"
        };
        let foreign_cursor = s.list_pages(foreign).await[0]["nextCursor"]
            .as_str()
            .unwrap()
            .to_string();
        let mut tampered = cursor.to_string();
        tampered.insert(0, 'A');
        for bad in [
            json!("%%garbage%%"),
            json!(""),
            json!(tampered),
            json!(foreign_cursor),
            json!(7),
        ] {
            let r = s.request(method, json!({"cursor": bad})).await;
            assert_eq!(r.code(), -32602, "{method} cursor {bad}");
        }
    }
    // The fixtures the single-page checks look at are on page 1.
    let first = s.request("tools/list", json!({})).await.json();
    let names: Vec<&str> = first["result"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "test_simple_text",
            "test_image_content",
            "test_audio_content",
            "test_embedded_resource",
            "test_custom_header"
        ]
    );
}

fn run_status(r: &Value) -> Value {
    r["result"]["structuredContent"].clone()
}

#[tokio::test]
async fn slow_cancellable_completes_and_reports_status() {
    let s = start(None).await;
    let params = json!({"name": "test_slow_cancellable", "arguments": {"runId": "full-1"},
        "_meta": {"progressToken": 5}});
    let started = std::time::Instant::now();
    let events = s.request("tools/call", params).await.sse();
    assert!(started.elapsed() >= std::time::Duration::from_millis(2500));
    let progress: Vec<f64> = events
        .iter()
        .filter(|e| e["method"] == "notifications/progress")
        .inspect(|e| assert_eq!(e["params"]["progressToken"], 5))
        .map(|e| e["params"]["progress"].as_f64().unwrap())
        .collect();
    assert!(progress.len() >= 20, "{progress:?}");
    assert!(progress.windows(2).all(|w| w[0] < w[1]));
    assert!(events.last().unwrap()["result"]["content"].is_array());
    let st = s
        .call_tool("test_cancellation_status", json!({"runId": "full-1"}))
        .await
        .json();
    assert_eq!(
        run_status(&st),
        json!({"runId": "full-1", "seen": true, "cancelled": false, "completed": true})
    );
    let text: Value =
        serde_json::from_str(st["result"]["content"][0]["text"].as_str().unwrap()).unwrap();
    assert_eq!(text, run_status(&st));
    let unknown = s
        .call_tool("test_cancellation_status", json!({"runId": "never"}))
        .await
        .json();
    assert_eq!(run_status(&unknown)["seen"], false);
    assert_eq!(
        s.call_tool("test_slow_cancellable", json!({})).await.code(),
        -32602
    );
}

/// Starts a slow run, reads a few events, disconnects; returns the status right after and
/// once the run would have finished.
async fn disconnect_slow_run(s: &Server, run: &str) -> (Value, Value) {
    let params = json!({"name": "test_slow_cancellable", "arguments": {"runId": run},
        "_meta": {"progressToken": "t"}});
    let mut sse = s.open_stream(json!(1), "tools/call", params).await;
    assert!(
        sse.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    for _ in 0..3 {
        let m = sse
            .next_message(std::time::Duration::from_secs(2))
            .await
            .unwrap();
        assert_eq!(m["method"], "notifications/progress");
    }
    drop(sse);
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    let status = |s: &Server| {
        let run = run.to_string();
        let s = s.fresh();
        async move {
            run_status(
                &s.call_tool("test_cancellation_status", json!({"runId": run}))
                    .await
                    .json(),
            )
        }
    };
    let early = status(s).await;
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    (early, status(s).await)
}

#[tokio::test]
async fn disconnect_cancels_the_slow_run() {
    let s = start(None).await;
    let (early, late) = disconnect_slow_run(&s, "cut-1").await;
    let want = json!({"runId": "cut-1", "seen": true, "cancelled": true, "completed": false});
    assert_eq!(early, want);
    assert_eq!(late, want);
    let s = start(Some("ignores-disconnect")).await;
    let (_, late) = disconnect_slow_run(&s, "cut-2").await;
    assert_eq!(late["completed"], true);
    assert_eq!(late["cancelled"], false);
}

#[tokio::test]
async fn listen_streams_resource_changes_only_as_requested() {
    let s = start(None).await;
    let wait = std::time::Duration::from_secs(3);
    let mut res = s
        .listen(
            json!(7),
            json!({"resourcesListChanged": true, "resourceSubscriptions": ["test://static-text"]}),
        )
        .await;
    let mut prompts = s
        .listen(json!("P"), json!({"promptsListChanged": true}))
        .await;
    let ack = res.next_message(wait).await.unwrap();
    assert_eq!(ack["method"], "notifications/subscriptions/acknowledged");
    assert_eq!(
        ack["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"],
        7
    );
    assert_eq!(
        ack["params"]["notifications"],
        json!({"resourcesListChanged": true, "resourceSubscriptions": ["test://static-text"]})
    );
    prompts.next_message(wait).await.unwrap();
    // Request-scoped notifications never reach listen streams.
    let p =
        json!({"name": "test_tool_with_progress", "arguments": {}, "_meta": {"progressToken": 1}});
    s.request("tools/call", p).await;
    let p = json!({"name": "test_logging_tool", "arguments": {},
        "_meta": {"io.modelcontextprotocol/logLevel": "debug"}});
    s.request("tools/call", p).await;
    s.call_tool("test_trigger_tool_change", json!({})).await;
    s.call_tool(
        "test_trigger_resource_update",
        json!({"uri": "test://static-binary"}),
    )
    .await;
    s.call_tool(
        "test_trigger_resource_update",
        json!({"uri": "test://static-text"}),
    )
    .await;
    s.call_tool("test_trigger_resource_list_change", json!({}))
        .await;
    s.call_tool("test_trigger_prompt_change", json!({})).await;
    let n = res.next_message(wait).await.unwrap();
    assert_eq!(n["method"], "notifications/resources/updated");
    assert_eq!(n["params"]["uri"], "test://static-text");
    assert_eq!(
        n["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"],
        7
    );
    let n = res.next_message(wait).await.unwrap();
    assert_eq!(n["method"], "notifications/resources/list_changed");
    let n = prompts.next_message(wait).await.unwrap();
    assert_eq!(n["method"], "notifications/prompts/list_changed");
    assert_eq!(
        n["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"],
        "P"
    );
    assert_eq!(
        s.call_tool("test_trigger_resource_update", json!({}))
            .await
            .code(),
        -32602
    );
}

// ---------------------------------------------------------------------------------------------
// Multi round-trip requests (MRTR)

fn mcaps(c: Value) -> Value {
    json!({"io.modelcontextprotocol/clientCapabilities": c})
}

/// `method` on `name` (a tool / prompt name, or a resource URI) declaring `c`, plus `extra`
/// params (inputResponses, requestState, arguments...).
async fn mrtr(s: &Server, method: &str, name: &str, c: Value, extra: Value) -> Resp {
    let field = if method == "resources/read" {
        "uri"
    } else {
        "name"
    };
    let mut p = json!({field: name, "_meta": mcaps(c)});
    if method == "tools/call" {
        p["arguments"] = json!({});
    }
    for (k, v) in extra.as_object().cloned().unwrap_or_default() {
        p[k] = v;
    }
    s.request(method, p).await
}

async fn tool_mrtr(s: &Server, tool: &str, c: Value, extra: Value) -> Value {
    mrtr(s, "tools/call", tool, c, extra).await.json()
}

fn accept(content: Value) -> Value {
    json!({"action": "accept", "content": content})
}

fn state_of(v: &Value) -> String {
    v["result"]["requestState"]
        .as_str()
        .unwrap_or_else(|| panic!("no requestState: {v}"))
        .to_string()
}

fn text_of(v: &Value) -> String {
    v["result"]["content"][0]["text"]
        .as_str()
        .unwrap_or_else(|| panic!("no text: {v}"))
        .to_string()
}

fn elicit() -> Value {
    json!({"elicitation": {}})
}

#[tokio::test]
async fn mrtr_elicitation_round_trip_on_a_new_connection() {
    let s = start(None).await;
    const TOOL: &str = "test_input_required_result_elicitation";
    let undeclared = mrtr(&s, "tools/call", TOOL, json!({}), json!({})).await;
    assert_eq!(undeclared.status, 400);
    assert_eq!(undeclared.code(), -32021);

    let r1 = tool_mrtr(&s, TOOL, elicit(), json!({})).await;
    let res = &r1["result"];
    assert_eq!(res["resultType"], "input_required", "{r1}");
    let req = &res["inputRequests"]["user_name"];
    assert_eq!(req["method"], "elicitation/create");
    assert_eq!(req["params"]["requestedSchema"]["type"], "object");
    assert!(res.get("ttlMs").is_none());
    let state = state_of(&r1);
    let (payload, tag) = state.split_once('.').unwrap();
    assert!(
        payload
            .bytes()
            .chain(tag.bytes())
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
        "base64url: {state}"
    );

    // The retry is an independent request: another connection, another id.
    let other = s.fresh();
    let answer = json!({"user_name": accept(json!({"name": "Alice"}))});
    let done = tool_mrtr(
        &other,
        TOOL,
        elicit(),
        json!({"inputResponses": answer, "requestState": state}),
    )
    .await;
    assert_eq!(done["result"]["resultType"], "complete", "{done}");
    assert_eq!(text_of(&done), "Hello, Alice!");
    // Without the state too (this fixture keeps nothing in it).
    let done = tool_mrtr(&s, TOOL, elicit(), json!({"inputResponses": answer})).await;
    assert_eq!(text_of(&done), "Hello, Alice!");

    for action in ["decline", "cancel"] {
        let r = tool_mrtr(
            &s,
            TOOL,
            elicit(),
            json!({"inputResponses": {"user_name": {"action": action}}, "requestState": state}),
        )
        .await;
        assert_eq!(r["result"]["resultType"], "complete", "{r}");
        assert_eq!(r["result"]["isError"], true, "{r}");
        assert!(text_of(&r).contains(if action == "decline" {
            "declined"
        } else {
            "cancelled"
        }));
    }

    // MRTR-09: a missing key asks again; MRTR-10: extra keys are ignored.
    let again = tool_mrtr(
        &s,
        TOOL,
        elicit(),
        json!({"inputResponses": {"wrong_key": accept(json!({"data": "x"}))}}),
    )
    .await;
    assert_eq!(again["result"]["resultType"], "input_required", "{again}");
    assert!(again["result"]["inputRequests"]["user_name"].is_object());
    let extra = tool_mrtr(
        &s,
        TOOL,
        elicit(),
        json!({"inputResponses": {"user_name": accept(json!({"name": "Bo"})), "extra": {"x": 1}},
            "requestState": state}),
    )
    .await;
    assert_eq!(text_of(&extra), "Hello, Bo!");

    // MRTR-11: malformed inputResponses are -32602.
    for bad in [
        json!(12345),
        Value::Null,
        json!({"user_name": 5}),
        json!({"user_name": {"action": "maybe"}}),
        json!({"user_name": accept(json!({"nickname": "x"}))}),
    ] {
        let r = mrtr(
            &s,
            "tools/call",
            TOOL,
            elicit(),
            json!({"inputResponses": bad, "requestState": state}),
        )
        .await;
        assert_eq!(r.code(), -32602, "{bad}: {r:?}");
    }
}

#[tokio::test]
async fn mrtr_sampling_and_roots_round_trips() {
    let s = start(None).await;
    let tool = "test_input_required_result_sampling";
    assert_eq!(
        mrtr(&s, "tools/call", tool, elicit(), json!({}))
            .await
            .code(),
        -32021
    );
    let c = json!({"sampling": {}});
    let r1 = tool_mrtr(&s, tool, c.clone(), json!({})).await;
    let req = &r1["result"]["inputRequests"]["capital_question"];
    assert_eq!(req["method"], "sampling/createMessage", "{r1}");
    assert_eq!(req["params"]["maxTokens"], 100);
    assert!(req["params"].get("tools").is_none());
    let answer = json!({"capital_question": {"role": "assistant", "model": "m",
        "content": {"type": "text", "text": "Paris"}}});
    let done = tool_mrtr(
        &s,
        tool,
        c.clone(),
        json!({"inputResponses": answer, "requestState": state_of(&r1)}),
    )
    .await;
    assert_eq!(text_of(&done), "The model answered: Paris");
    let bad = json!({"capital_question": {"role": "assistant", "content": "Paris"}});
    let r = mrtr(&s, "tools/call", tool, c, json!({"inputResponses": bad})).await;
    assert_eq!(r.code(), -32602);

    let tool = "test_input_required_result_list_roots";
    let c = json!({"roots": {}});
    let r1 = tool_mrtr(&s, tool, c.clone(), json!({})).await;
    assert_eq!(
        r1["result"]["inputRequests"]["client_roots"],
        json!({"method": "roots/list", "params": {}})
    );
    let answer = json!({"client_roots": {"roots": [{"uri": "file:///work", "name": "work"}]}});
    let done = tool_mrtr(
        &s,
        tool,
        c,
        json!({"inputResponses": answer, "requestState": state_of(&r1)}),
    )
    .await;
    assert_eq!(text_of(&done), "Client roots: file:///work");
}

#[tokio::test]
async fn mrtr_multi_round_changes_keys_and_state() {
    let s = start(None).await;
    let tool = "test_input_required_result_multi_round";
    let r1 = tool_mrtr(&s, tool, elicit(), json!({})).await;
    assert!(r1["result"]["inputRequests"]["step1"].is_object(), "{r1}");
    let s1 = state_of(&r1);
    let r2 = tool_mrtr(
        &s.fresh(),
        tool,
        elicit(),
        json!({"inputResponses": {"step1": accept(json!({"name": "Alice"}))}, "requestState": s1}),
    )
    .await;
    assert_eq!(r2["result"]["resultType"], "input_required", "{r2}");
    assert!(r2["result"]["inputRequests"]["step2"].is_object());
    assert!(r2["result"]["inputRequests"].get("step1").is_none());
    let s2 = state_of(&r2);
    assert_ne!(s1, s2);
    // Round 2 without the step2 answer asks again.
    let again = tool_mrtr(&s, tool, elicit(), json!({"requestState": s2})).await;
    assert!(
        again["result"]["inputRequests"]["step2"].is_object(),
        "{again}"
    );
    let r3 = tool_mrtr(
        &s,
        tool,
        elicit(),
        json!({"inputResponses": {"step2": accept(json!({"color": "blue"}))}, "requestState": s2}),
    )
    .await;
    assert_eq!(r3["result"]["resultType"], "complete", "{r3}");
    assert_eq!(text_of(&r3), "Alice's favorite color is blue (3 rounds).");
}

#[tokio::test]
async fn mrtr_request_state_is_sealed_and_bound() {
    let s = start(None).await;
    let tool = "test_input_required_result_request_state";
    let args = json!({"note": "a"});
    let r1 = tool_mrtr(&s, tool, elicit(), json!({"arguments": args})).await;
    let res = &r1["result"];
    assert!(res["inputRequests"]["confirm"].is_object(), "{r1}");
    let state = state_of(&r1);
    let yes = json!({"confirm": accept(json!({"ok": true}))});
    let retry = |state: String, extra: Value| {
        let mut p = json!({"inputResponses": yes, "requestState": state, "arguments": args});
        for (k, v) in extra.as_object().cloned().unwrap_or_default() {
            p[k] = v;
        }
        p
    };
    let done = tool_mrtr(&s, tool, elicit(), retry(state.clone(), json!({}))).await;
    assert!(text_of(&done).contains("state-ok"), "{done}");
    // Argument order does not matter for the binding.
    let done = tool_mrtr(
        &s,
        tool,
        elicit(),
        retry(state.clone(), json!({"arguments": {"note": "a"}})),
    )
    .await;
    assert!(text_of(&done).contains("state-ok"));
    // Without the state the answer is not enough: asked again.
    let no_state = tool_mrtr(
        &s,
        tool,
        elicit(),
        json!({"inputResponses": yes, "arguments": args}),
    )
    .await;
    assert_eq!(
        no_state["result"]["resultType"], "input_required",
        "{no_state}"
    );

    // MRTR-07: tampering.
    let (payload, tag) = state.split_once('.').unwrap();
    let mut flipped = state.clone().into_bytes();
    flipped[3] = if flipped[3] == b'A' { b'B' } else { b'A' };
    let forged_payload = {
        use base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let mut p: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
        p["exp"] = json!(p["exp"].as_u64().unwrap() + 1);
        format!("{}.{tag}", URL_SAFE_NO_PAD.encode(p.to_string()))
    };
    for bad in [
        format!("{state}-TAMPERED"),
        String::from_utf8(flipped).unwrap(),
        state[..state.len() - 4].to_string(),
        payload.to_string(),
        forged_payload,
        "garbage".to_string(),
    ] {
        let r = mrtr(
            &s,
            "tools/call",
            tool,
            elicit(),
            retry(bad.clone(), json!({})),
        )
        .await;
        assert_eq!(r.status, 200, "{bad}");
        let v = r.json();
        assert_eq!(v["error"]["code"], -32602, "{bad}: {v}");
        assert_eq!(v["error"]["message"], "invalid requestState");
    }

    // MRTR-08: replay with other arguments, another tool, another method.
    let r = tool_mrtr(
        &s,
        tool,
        elicit(),
        retry(state.clone(), json!({"arguments": {"note": "b"}})),
    )
    .await;
    assert_eq!(r["error"]["code"], -32602, "{r}");
    assert!(
        r["error"]["data"]["reason"]
            .as_str()
            .unwrap()
            .contains("bound")
    );
    let r = tool_mrtr(
        &s,
        "test_input_required_result_tampered_state",
        elicit(),
        retry(state.clone(), json!({})),
    )
    .await;
    assert_eq!(r["error"]["code"], -32602, "{r}");
    let r = mrtr(
        &s,
        "prompts/get",
        "test_input_required_result_prompt",
        elicit(),
        json!({"requestState": state}),
    )
    .await;
    assert_eq!(r.code(), -32602);
}

#[tokio::test]
async fn mrtr_asks_only_for_declared_capabilities() {
    let s = start(None).await;
    let keys = |v: &Value| -> Vec<(String, String)> {
        v["result"]["inputRequests"]
            .as_object()
            .unwrap_or_else(|| panic!("{v}"))
            .iter()
            .map(|(k, r)| (k.clone(), r["method"].as_str().unwrap().to_string()))
            .collect()
    };
    let tool = "test_input_required_result_multiple_inputs";
    let all = json!({"elicitation": {}, "sampling": {}, "roots": {}});
    let r1 = tool_mrtr(&s, tool, all.clone(), json!({})).await;
    assert_eq!(
        keys(&r1),
        [
            ("user_name".into(), "elicitation/create".into()),
            ("greeting".into(), "sampling/createMessage".into()),
            ("client_roots".into(), "roots/list".into())
        ]
    );
    let only_sampling = tool_mrtr(&s, tool, json!({"sampling": {}}), json!({})).await;
    assert_eq!(
        keys(&only_sampling),
        [("greeting".into(), "sampling/createMessage".into())]
    );
    assert_eq!(
        mrtr(&s, "tools/call", tool, json!({}), json!({}))
            .await
            .code(),
        -32021
    );
    // Partly answered: asks for the rest only.
    let partial = tool_mrtr(
        &s,
        tool,
        all.clone(),
        json!({"inputResponses": {"user_name": accept(json!({"name": "Al"}))},
            "requestState": state_of(&r1)}),
    )
    .await;
    assert_eq!(keys(&partial).len(), 2, "{partial}");
    let answers = json!({
        "user_name": accept(json!({"name": "Al"})),
        "greeting": {"role": "assistant", "model": "m", "content": {"type": "text", "text": "Hi!"}},
        "client_roots": {"roots": []}
    });
    let done = tool_mrtr(&s, tool, all, json!({"inputResponses": answers})).await;
    assert_eq!(done["result"]["resultType"], "complete", "{done}");

    let tool = "test_input_required_result_capabilities";
    let r = tool_mrtr(&s, tool, json!({"sampling": {}}), json!({})).await;
    assert_eq!(
        keys(&r),
        [("capital_question".into(), "sampling/createMessage".into())]
    );
    assert!(
        r["result"]["inputRequests"]["capital_question"]["params"]
            .get("tools")
            .is_none()
    );
    let r = tool_mrtr(&s, tool, json!({"sampling": {"tools": {}}}), json!({})).await;
    assert!(r["result"]["inputRequests"]["capital_question"]["params"]["tools"].is_array());
    let r = tool_mrtr(&s, tool, json!({"roots": {}, "elicitation": {}}), json!({})).await;
    assert_eq!(keys(&r).len(), 2);
    let r = tool_mrtr(&s, tool, json!({}), json!({})).await;
    assert_eq!(r["result"]["resultType"], "complete", "{r}");

    let tool = "test_input_required_result_url_elicitation";
    let r = tool_mrtr(&s, tool, json!({"elicitation": {"url": {}}}), json!({})).await;
    let p = &r["result"]["inputRequests"]["authorization"]["params"];
    assert_eq!(p["mode"], "url", "{r}");
    assert!(p["url"].as_str().unwrap().starts_with("https://"));
    let done = tool_mrtr(
        &s,
        tool,
        json!({"elicitation": {"url": {}}}),
        json!({"inputResponses": {"authorization": {"action": "accept"}}}),
    )
    .await;
    assert_eq!(text_of(&done), "Authorization completed.");
    let r = tool_mrtr(&s, tool, json!({"elicitation": {"form": {}}}), json!({})).await;
    let p = &r["result"]["inputRequests"]["authorization"]["params"];
    assert_eq!(p["mode"], "form", "{r}");
    assert_eq!(
        mrtr(&s, "tools/call", tool, json!({}), json!({}))
            .await
            .code(),
        -32021
    );
    // URL mode alone: no form elicitation is asked for.
    let url_only = json!({"elicitation": {"url": {}}});
    let r = mrtr(
        &s,
        "tools/call",
        "test_input_required_result_elicitation",
        url_only.clone(),
        json!({}),
    )
    .await;
    assert_eq!(r.code(), -32021);
    let r = tool_mrtr(
        &s,
        "test_input_required_result_capabilities",
        url_only,
        json!({}),
    )
    .await;
    assert_eq!(r["result"]["resultType"], "complete", "{r}");

    // MRTR-01: lists never answer input_required, whatever is declared.
    let every = json!({"elicitation": {"url": {}}, "sampling": {"tools": {}}, "roots": {}});
    for method in [
        "tools/list",
        "prompts/list",
        "resources/list",
        "resources/templates/list",
    ] {
        let r = s
            .request(method, json!({"_meta": mcaps(every.clone())}))
            .await
            .json();
        assert_eq!(r["result"]["resultType"], "complete", "{method}: {r}");
    }
}

#[tokio::test]
async fn mrtr_prompt_and_resource_round_trips() {
    let s = start(None).await;
    let prompt = "test_input_required_result_prompt";
    let listed = s.list_all("prompts/list", "prompts").await;
    assert!(listed.iter().any(|p| p["name"] == prompt));
    let r1 = mrtr(&s, "prompts/get", prompt, elicit(), json!({}))
        .await
        .json();
    assert_eq!(r1["result"]["resultType"], "input_required", "{r1}");
    assert!(r1["result"]["inputRequests"]["user_context"].is_object());
    let done = mrtr(
        &s,
        "prompts/get",
        prompt,
        elicit(),
        json!({"inputResponses": {"user_context": accept(json!({"context": "test context"}))},
            "requestState": state_of(&r1)}),
    )
    .await
    .json();
    assert_eq!(done["result"]["resultType"], "complete", "{done}");
    assert!(
        done["result"]["messages"][0]["content"]["text"]
            .as_str()
            .unwrap()
            .contains("test context")
    );

    let uri = "test://input-required";
    let r1 = mrtr(&s, "resources/read", uri, elicit(), json!({}))
        .await
        .json();
    assert_eq!(r1["result"]["resultType"], "input_required", "{r1}");
    assert!(r1["result"].get("ttlMs").is_none());
    assert!(r1["result"]["inputRequests"]["greeting"].is_object());
    let done = mrtr(
        &s,
        "resources/read",
        uri,
        elicit(),
        json!({"inputResponses": {"greeting": accept(json!({"greeting": "Howdy"}))},
            "requestState": state_of(&r1)}),
    )
    .await
    .json();
    let res = &done["result"];
    assert_eq!(res["resultType"], "complete", "{done}");
    assert_eq!(res["contents"][0]["uri"], uri);
    assert_eq!(res["contents"][0]["text"], "Howdy, reader!");
    assert!(res["ttlMs"].is_u64());
    assert_eq!(res["cacheScope"], "public");
    assert_eq!(
        mrtr(&s, "resources/read", uri, json!({}), json!({}))
            .await
            .code(),
        -32021
    );
}

#[tokio::test]
async fn mrtr_input_required_ends_its_sse_stream() {
    let s = start(None).await;
    let params = json!({"name": "test_input_required_result_elicitation", "arguments": {},
        "_meta": {"io.modelcontextprotocol/clientCapabilities": {"elicitation": {}}, "progressToken": "p"}});
    let mut sse = s.open_stream(json!(3), "tools/call", params).await;
    let wait = std::time::Duration::from_secs(3);
    let first = sse.next_message(wait).await.unwrap();
    assert_eq!(first["method"], "notifications/progress");
    let last = sse.next_message(wait).await.unwrap();
    assert_eq!(last["id"], 3);
    assert_eq!(last["result"]["resultType"], "input_required");
    assert!(sse.next_item(wait).await.is_none());
    assert!(sse.ended);
}

/// Runs `reference-server --stdio` with `env`, sends `requests` one at a time and returns the
/// final response to each (notifications skipped).
fn stdio_exchange(env: &[(&str, &str)], requests: &[Value]) -> Vec<Value> {
    use std::io::{BufRead as _, Write as _};
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_reference-server"))
        .arg("--stdio")
        .envs(env.iter().copied())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    let mut stdin = child.stdin.take().unwrap();
    let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut answers = Vec::new();
    for r in requests {
        writeln!(stdin, "{r}").unwrap();
        stdin.flush().unwrap();
        loop {
            let mut line = String::new();
            assert!(out.read_line(&mut line).unwrap() > 0, "stdout closed");
            let v: Value = serde_json::from_str(&line).unwrap();
            if v.get("id") == r.get("id") {
                answers.push(v);
                break;
            }
        }
    }
    drop(stdin);
    let _ = child.wait();
    answers
}

fn stdio_call(id: u64, tool: &str, extra: Value) -> Value {
    let mut params = with_meta(json!({"name": tool, "arguments": {}, "_meta": mcaps(elicit())}));
    for (k, v) in extra.as_object().cloned().unwrap_or_default() {
        params[k] = v;
    }
    json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": params})
}

#[test]
fn mrtr_over_stdio_with_a_shared_key_and_expiry() {
    const TOOL: &str = "test_input_required_result_request_state";
    let key = [("MCPCHECK_STATE_KEY", "shared-test-key")];
    let first = stdio_exchange(&key, &[stdio_call(1, TOOL, json!({}))]);
    assert_eq!(
        first[0]["result"]["resultType"], "input_required",
        "{}",
        first[0]
    );
    let state = state_of(&first[0]);
    let yes = json!({"confirm": accept(json!({"ok": true}))});
    let retry = stdio_call(
        2,
        TOOL,
        json!({"inputResponses": yes, "requestState": state}),
    );
    // Another instance with the same key completes the retry (MRTR-06) ...
    let second = stdio_exchange(&key, std::slice::from_ref(&retry));
    assert!(text_of(&second[0]).contains("state-ok"), "{}", second[0]);
    // ... one with another key rejects it.
    let other = stdio_exchange(&[("MCPCHECK_STATE_KEY", "other-key")], &[retry]);
    assert_eq!(other[0]["error"]["code"], -32602, "{}", other[0]);

    // An expired state is rejected.
    let env = [("MCPCHECK_STATE_KEY", "k"), ("MCPCHECK_STATE_TTL_MS", "0")];
    let first = stdio_exchange(&env, &[stdio_call(1, TOOL, json!({}))]);
    std::thread::sleep(std::time::Duration::from_millis(20));
    let retry = stdio_call(
        2,
        TOOL,
        json!({"inputResponses": yes, "requestState": state_of(&first[0])}),
    );
    let expired = stdio_exchange(&env, &[retry]);
    assert_eq!(
        expired[0]["error"]["data"]["reason"], "expired",
        "{}",
        expired[0]
    );
}
