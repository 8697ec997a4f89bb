//! Where task records live: [`TaskStore`] with an in-memory default ([`MemoryStore`], one per
//! server instance) and [`RedisStore`] (several instances sharing one Redis behave as one
//! server). Records are opaque strings (JSON written by `tasks.rs`); updates are
//! compare-and-set on the whole record, so concurrent updates on different instances never
//! lose each other's changes.

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::resp::{Connection, Reply, Target, parse_url};

/// A store failure; served as -32603 "task store unavailable: ...".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreError(pub String);

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "task store unavailable: {}", self.0)
    }
}

impl std::error::Error for StoreError {}

impl From<io::Error> for StoreError {
    fn from(e: io::Error) -> Self {
        StoreError(e.to_string())
    }
}

/// The boxed future every store operation returns.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// Task records by id. Every write carries the time the record may live on (`ttl`); the store
/// forgets it after that.
pub trait TaskStore: Send + Sync {
    /// Stores a new record; `false` if the id is taken. Returns once a `get` on any instance
    /// sees it (TASKS-07).
    fn create<'a>(&'a self, id: &'a str, record: &'a str, ttl: Duration) -> StoreFuture<'a, bool>;
    /// The record, `None` when unknown or expired.
    fn get<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<String>>;
    /// Replaces the record if it still equals `expected`; `false` when it changed or vanished.
    fn compare_and_set<'a>(
        &'a self,
        id: &'a str,
        expected: &'a str,
        new: &'a str,
        ttl: Duration,
    ) -> StoreFuture<'a, bool>;
    /// Forgets the record (no error when unknown).
    fn delete<'a>(&'a self, id: &'a str) -> StoreFuture<'a, ()>;
    /// The value shared under `name`: set to `candidate` unless already set, then read (so all
    /// users of one store agree on it). A [`MemoryStore`] keeps it per instance.
    fn shared_value<'a>(&'a self, name: &'a str, candidate: &'a str) -> StoreFuture<'a, String>;
    /// For messages: `memory` or the Redis URL.
    fn describe(&self) -> String;
}

/// The default store: a map in this server instance (not shared with other instances).
#[derive(Default)]
pub struct MemoryStore {
    records: Mutex<HashMap<String, (String, Instant)>>,
    shared: Mutex<HashMap<String, String>>,
}

impl MemoryStore {
    fn records(&self) -> std::sync::MutexGuard<'_, HashMap<String, (String, Instant)>> {
        self.records.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl TaskStore for MemoryStore {
    fn create<'a>(&'a self, id: &'a str, record: &'a str, ttl: Duration) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            let now = Instant::now();
            let mut records = self.records();
            records.retain(|_, (_, expires)| *expires > now);
            if records.contains_key(id) {
                return Ok(false);
            }
            records.insert(id.to_string(), (record.to_string(), now + ttl));
            Ok(true)
        })
    }

    fn get<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<String>> {
        Box::pin(async move {
            let now = Instant::now();
            Ok(self
                .records()
                .get(id)
                .filter(|(_, expires)| *expires > now)
                .map(|(r, _)| r.clone()))
        })
    }

    fn compare_and_set<'a>(
        &'a self,
        id: &'a str,
        expected: &'a str,
        new: &'a str,
        ttl: Duration,
    ) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            let now = Instant::now();
            let mut records = self.records();
            match records.get_mut(id) {
                Some((current, expires)) if *expires > now && current == expected => {
                    *current = new.to_string();
                    *expires = now + ttl;
                    Ok(true)
                }
                _ => Ok(false),
            }
        })
    }

    fn delete<'a>(&'a self, id: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            self.records().remove(id);
            Ok(())
        })
    }

    fn shared_value<'a>(&'a self, name: &'a str, candidate: &'a str) -> StoreFuture<'a, String> {
        Box::pin(async move {
            let mut shared = self.shared.lock().unwrap_or_else(|e| e.into_inner());
            Ok(shared
                .entry(name.to_string())
                .or_insert_with(|| candidate.to_string())
                .clone())
        })
    }

    fn describe(&self) -> String {
        "memory".to_string()
    }
}

/// Key prefix of task records in Redis.
const TASK_PREFIX: &str = "mcpcheck:task:";
/// Idle connections kept for reuse.
const MAX_IDLE: usize = 8;

/// A store in Redis (`redis://HOST:PORT[/DB]`), through a small pool of RESP2 connections.
/// A connection that fails is dropped; the operation is retried once on a fresh connection.
pub struct RedisStore {
    url: String,
    target: Target,
    idle: Mutex<Vec<Connection>>,
}

/// One store operation (run on one connection).
enum Op<'a> {
    Create(&'a str, &'a str, Duration),
    Get(&'a str),
    Cas(&'a str, &'a str, &'a str, Duration),
    Delete(&'a str),
    Shared(&'a str, &'a str),
    Ping,
}

enum Out {
    Flag(bool),
    Record(Option<String>),
    Text(String),
    Unit,
}

fn px(ttl: Duration) -> String {
    ttl.as_millis().clamp(1, u128::from(u64::MAX)).to_string()
}

/// Redis error replies are not retried: they are reported as they are.
fn redis_error(what: &str, reply: Reply) -> io::Error {
    let detail = match reply {
        Reply::Error(e) => e,
        other => format!("unexpected reply {other:?}"),
    };
    io::Error::other(format!("redis {what}: {detail}"))
}

impl RedisStore {
    /// A store for `url`; connects lazily (see [`RedisStore::ping`]).
    pub fn new(url: &str) -> Result<RedisStore, String> {
        Ok(RedisStore {
            url: url.to_string(),
            target: parse_url(url)?,
            idle: Mutex::new(Vec::new()),
        })
    }

    /// `PING` → `PONG`.
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.run(Op::Ping).await.map(|_| ())
    }

    fn key(id: &str) -> Vec<u8> {
        format!("{TASK_PREFIX}{id}").into_bytes()
    }

    async fn run(&self, op: Op<'_>) -> Result<Out, StoreError> {
        let pooled = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let fresh = pooled.is_none();
        let mut conn = match pooled {
            Some(c) => c,
            None => Connection::connect(&self.target)
                .await
                .map_err(|e| StoreError(format!("cannot connect to {}: {e}", self.url)))?,
        };
        let mut result = Self::exec(&mut conn, &op).await;
        if result.is_err() && !fresh {
            // A pooled connection may have gone stale (server restart): retry once.
            conn = Connection::connect(&self.target)
                .await
                .map_err(|e| StoreError(format!("cannot connect to {}: {e}", self.url)))?;
            result = Self::exec(&mut conn, &op).await;
        }
        match result {
            Ok(out) => {
                let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
                if idle.len() < MAX_IDLE {
                    idle.push(conn);
                }
                Ok(out)
            }
            Err(e) => Err(StoreError(format!("{} ({})", e, self.url))),
        }
    }

    async fn exec(c: &mut Connection, op: &Op<'_>) -> io::Result<Out> {
        match *op {
            Op::Create(id, record, ttl) => {
                let ms = px(ttl);
                let reply = c
                    .command(&[
                        b"SET",
                        &Self::key(id),
                        record.as_bytes(),
                        b"PX",
                        ms.as_bytes(),
                        b"NX",
                    ])
                    .await?;
                match reply {
                    Reply::Simple(_) => Ok(Out::Flag(true)),
                    Reply::Bulk(None) => Ok(Out::Flag(false)),
                    other => Err(redis_error("SET NX", other)),
                }
            }
            Op::Ping => match c.command(&[b"PING"]).await? {
                Reply::Simple(s) if s == "PONG" => Ok(Out::Unit),
                other => Err(redis_error("PING", other)),
            },
            Op::Get(id) => match c.command(&[b"GET", &Self::key(id)]).await? {
                Reply::Bulk(None) => Ok(Out::Record(None)),
                r @ Reply::Bulk(Some(_)) => Ok(Out::Record(r.text())),
                other => Err(redis_error("GET", other)),
            },
            Op::Cas(id, expected, new, ttl) => {
                let key = Self::key(id);
                match c.command(&[b"WATCH", &key]).await? {
                    Reply::Simple(_) => {}
                    other => return Err(redis_error("WATCH", other)),
                }
                let current = match c.command(&[b"GET", &key]).await? {
                    Reply::Bulk(b) => b,
                    other => return Err(redis_error("GET", other)),
                };
                if current.as_deref() != Some(expected.as_bytes()) {
                    c.command(&[b"UNWATCH"]).await?;
                    return Ok(Out::Flag(false));
                }
                match c.command(&[b"MULTI"]).await? {
                    Reply::Simple(_) => {}
                    other => return Err(redis_error("MULTI", other)),
                }
                let ms = px(ttl);
                match c
                    .command(&[b"SET", &key, new.as_bytes(), b"PX", ms.as_bytes()])
                    .await?
                {
                    Reply::Simple(_) => {}
                    other => {
                        c.command(&[b"DISCARD"]).await?;
                        return Err(redis_error("SET", other));
                    }
                }
                match c.command(&[b"EXEC"]).await? {
                    Reply::Array(None) => Ok(Out::Flag(false)),
                    Reply::Array(Some(_)) => Ok(Out::Flag(true)),
                    other => Err(redis_error("EXEC", other)),
                }
            }
            Op::Delete(id) => match c.command(&[b"DEL", &Self::key(id)]).await? {
                Reply::Integer(_) => Ok(Out::Unit),
                other => Err(redis_error("DEL", other)),
            },
            Op::Shared(name, candidate) => {
                match c
                    .command(&[b"SET", name.as_bytes(), candidate.as_bytes(), b"NX"])
                    .await?
                {
                    Reply::Simple(_) | Reply::Bulk(None) => {}
                    other => return Err(redis_error("SET NX", other)),
                }
                match c.command(&[b"GET", name.as_bytes()]).await? {
                    r @ Reply::Bulk(Some(_)) => r.text().map(Out::Text).ok_or_else(|| {
                        io::Error::other(format!("redis value {name} is not UTF-8"))
                    }),
                    other => Err(redis_error("GET", other)),
                }
            }
        }
    }
}

impl TaskStore for RedisStore {
    fn create<'a>(&'a self, id: &'a str, record: &'a str, ttl: Duration) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            match self.run(Op::Create(id, record, ttl)).await? {
                Out::Flag(f) => Ok(f),
                _ => Err(StoreError("unexpected result".into())),
            }
        })
    }

    fn get<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<String>> {
        Box::pin(async move {
            match self.run(Op::Get(id)).await? {
                Out::Record(r) => Ok(r),
                _ => Err(StoreError("unexpected result".into())),
            }
        })
    }

    fn compare_and_set<'a>(
        &'a self,
        id: &'a str,
        expected: &'a str,
        new: &'a str,
        ttl: Duration,
    ) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            match self.run(Op::Cas(id, expected, new, ttl)).await? {
                Out::Flag(f) => Ok(f),
                _ => Err(StoreError("unexpected result".into())),
            }
        })
    }

    fn delete<'a>(&'a self, id: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            self.run(Op::Delete(id)).await?;
            Ok(())
        })
    }

    fn shared_value<'a>(&'a self, name: &'a str, candidate: &'a str) -> StoreFuture<'a, String> {
        Box::pin(async move {
            match self.run(Op::Shared(name, candidate)).await? {
                Out::Text(t) => Ok(t),
                _ => Err(StoreError("unexpected result".into())),
            }
        })
    }

    fn describe(&self) -> String {
        self.url.clone()
    }
}

/// The store a `--store` value names: `None` → a fresh [`MemoryStore`]; `redis://…` → a
/// [`RedisStore`] (checked with `PING`).
pub async fn open(spec: Option<&str>) -> Result<std::sync::Arc<dyn TaskStore>, StoreError> {
    match spec {
        None | Some("memory") => Ok(std::sync::Arc::new(MemoryStore::default())),
        Some(url) => {
            let store = RedisStore::new(url).map_err(StoreError)?;
            store.ping().await?;
            Ok(std::sync::Arc::new(store))
        }
    }
}
