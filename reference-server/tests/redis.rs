//! The Redis task store against a real Redis started by `scripts/redis.sh` (skipped with a
//! message when Redis is unavailable, an error under `CI=true`): the RESP client, and two
//! instances sharing one store behaving as one server.

mod common;

use std::time::Duration;

use common::*;
use mcpcheck_reference_server::{
    Config, RedisStore, RespConnection, RespReply, TaskStore, parse_redis_url,
};
use serde_json::{Value, json};

#[tokio::test]
async fn resp_client_speaks_to_real_redis() {
    let Some(redis) = redis() else { return };
    let target = parse_redis_url(&redis.url).unwrap();
    let mut c = RespConnection::connect(&target).await.expect("connect");
    assert_eq!(
        c.command(&[b"PING"]).await.unwrap(),
        RespReply::Simple("PONG".into())
    );
    let value = b"line one\r\nline two \x00 \xff";
    assert_eq!(
        c.command(&[b"SET", b"k", value, b"PX", b"60000"])
            .await
            .unwrap(),
        RespReply::Simple("OK".into())
    );
    assert_eq!(
        c.command(&[b"GET", b"k"]).await.unwrap(),
        RespReply::Bulk(Some(value.to_vec()))
    );
    assert_eq!(
        c.command(&[b"GET", b"missing"]).await.unwrap(),
        RespReply::Bulk(None)
    );
    assert_eq!(
        c.command(&[b"SET", b"k", b"x", b"NX"]).await.unwrap(),
        RespReply::Bulk(None)
    );
    assert!(matches!(
        c.command(&[b"NOSUCHCOMMAND"]).await.unwrap(),
        RespReply::Error(_)
    ));
    assert_eq!(
        c.command(&[b"DEL", b"k", b"missing"]).await.unwrap(),
        RespReply::Integer(1)
    );
    // An aborted transaction: EXEC answers the nil array.
    let mut other = RespConnection::connect(&target).await.unwrap();
    c.command(&[b"SET", b"w", b"1"]).await.unwrap();
    c.command(&[b"WATCH", b"w"]).await.unwrap();
    other.command(&[b"SET", b"w", b"2"]).await.unwrap();
    c.command(&[b"MULTI"]).await.unwrap();
    assert_eq!(
        c.command(&[b"SET", b"w", b"3"]).await.unwrap(),
        RespReply::Simple("QUEUED".into())
    );
    assert_eq!(c.command(&[b"EXEC"]).await.unwrap(), RespReply::Array(None));
    let r = c.command(&[b"MGET", b"w", b"missing"]).await.unwrap();
    assert_eq!(
        r,
        RespReply::Array(Some(vec![
            RespReply::Bulk(Some(b"2".to_vec())),
            RespReply::Bulk(None)
        ]))
    );
}

#[tokio::test]
async fn redis_store_operations() {
    let Some(redis) = redis() else { return };
    let store = RedisStore::new(&redis.url).unwrap();
    store.ping().await.unwrap();
    let ttl = Duration::from_secs(60);
    assert!(store.create("t1", "v1", ttl).await.unwrap());
    assert!(!store.create("t1", "other", ttl).await.unwrap());
    assert_eq!(store.get("t1").await.unwrap().as_deref(), Some("v1"));
    assert!(!store.compare_and_set("t1", "v0", "v2", ttl).await.unwrap());
    assert!(store.compare_and_set("t1", "v1", "v2", ttl).await.unwrap());
    assert_eq!(store.get("t1").await.unwrap().as_deref(), Some("v2"));
    assert!(!store.compare_and_set("gone", "v", "w", ttl).await.unwrap());
    store.delete("t1").await.unwrap();
    assert_eq!(store.get("t1").await.unwrap(), None);
    // Expiry.
    assert!(
        store
            .create("t2", "v", Duration::from_millis(50))
            .await
            .unwrap()
    );
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert_eq!(store.get("t2").await.unwrap(), None);
    // The shared value: the first candidate wins.
    let a = store.shared_value("mcpcheck:test", "first").await.unwrap();
    let b = store.shared_value("mcpcheck:test", "second").await.unwrap();
    assert_eq!((a.as_str(), b.as_str()), ("first", "first"));
    // Concurrent compare-and-set: exactly one of the writers wins each round.
    assert!(store.create("c", "0", ttl).await.unwrap());
    let store = std::sync::Arc::new(store);
    let mut handles = Vec::new();
    for _ in 0..8 {
        let store = store.clone();
        handles.push(tokio::spawn(async move {
            let mut wins = 0;
            for _ in 0..10 {
                loop {
                    let cur = store.get("c").await.unwrap().unwrap();
                    let next = (cur.parse::<u32>().unwrap() + 1).to_string();
                    if store.compare_and_set("c", &cur, &next, ttl).await.unwrap() {
                        wins += 1;
                        break;
                    }
                }
            }
            wins
        }));
    }
    let mut total = 0;
    for h in handles {
        total += h.await.unwrap();
    }
    assert_eq!(total, 80);
    assert_eq!(store.get("c").await.unwrap().as_deref(), Some("80"));
}

async fn shared_pair(url: &str) -> (Server, Server) {
    let config = Config {
        store: Some(url.to_string()),
        ..Config::default()
    };
    (start_with(config.clone()).await, start_with(config).await)
}

fn text_of(result: &Value) -> String {
    result["content"][0]["text"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn two_instances_on_one_redis_act_as_one_server() {
    let Some(redis) = redis() else { return };
    let (a, b) = shared_pair(&redis.url).await;

    // Created on A, seen at once and completed on B; terminal state identical on both.
    let id = a.create_task("slow_compute", json!({"seconds": 0.2})).await;
    let now = b.task_get(&id).await;
    assert_eq!(now["result"]["status"], "working", "{now}");
    let done = b.wait_terminal(&id).await;
    assert_eq!(done["status"], "completed");
    let on_a = a.task_get(&id).await["result"].clone();
    assert_eq!(on_a["lastUpdatedAt"], done["lastUpdatedAt"]);
    assert_eq!(on_a["result"], done["result"]);

    // Updated on B, completed on A.
    let id = a
        .create_task("confirm_delete", json!({"filename": "r.txt"}))
        .await;
    b.wait_for(&id, &["input_required"], 50).await;
    let answer = json!({"confirm": {"action": "accept", "content": {"confirm": true}}});
    let ack = b
        .task_request("tasks/update", &id, json!({"inputResponses": answer}))
        .await
        .json();
    assert_eq!(ack["result"]["resultType"], "complete", "{ack}");
    assert_eq!(
        text_of(&a.wait_terminal(&id).await["result"]),
        "deleted r.txt"
    );

    // Cancelled on B, cancelled on A.
    let id = a.create_task("slow_compute", json!({"seconds": 30})).await;
    b.task_request("tasks/cancel", &id, json!({})).await;
    assert_eq!(a.wait_terminal(&id).await["status"], "cancelled");

    // A requestState minted by A completes on B (the key is shared through Redis).
    let caps = task_caps(json!({"elicitation": {}}));
    let p = json!({"name": "test_tool_with_task", "arguments": {},
        "_meta": {"io.modelcontextprotocol/clientCapabilities": caps}});
    let first = a.request("tools/call", p.clone()).await.json();
    assert_eq!(first["result"]["resultType"], "input_required", "{first}");
    let mut retry = p;
    retry["requestState"] = first["result"]["requestState"].clone();
    retry["inputResponses"] =
        json!({"user_name": {"action": "accept", "content": {"name": "Alice"}}});
    let r = b.request("tools/call", retry).await.json();
    assert_eq!(r["result"]["resultType"], "task", "{r}");
    let id = r["result"]["taskId"].as_str().unwrap();
    assert_eq!(
        text_of(&a.wait_terminal(id).await["result"]),
        "Hello, Alice!"
    );

    // A listen stream on B reports a task created on A.
    let id = a.create_task("slow_compute", json!({"seconds": 0.2})).await;
    let params = json!({"notifications": {"taskIds": [id]}, "_meta": task_meta()});
    let mut l = b
        .open_stream(json!("L"), "subscriptions/listen", params)
        .await;
    let wait = Duration::from_secs(5);
    let ack = l.next_message(wait).await.expect("ack");
    assert_eq!(ack["params"]["notifications"]["taskIds"], json!([id]));
    let mut last = Value::Null;
    for _ in 0..5 {
        let m = l.next_message(wait).await.expect("notification");
        last = m["params"]["status"].clone();
        if last == "completed" {
            break;
        }
    }
    assert_eq!(last, "completed");
}
