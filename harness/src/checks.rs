//! Check evaluation: one function per check kind of the scenario format, each judging an
//! exchange and saying what it expected and what it saw. Verdicts are drawn only from the wire.

use base64::Engine as _;
use serde_json::Value;

use crate::scenario::{Expectation, JsonSpec, MessageSelector, MetaKeysSpec, StreamSpec};
use crate::transport::{HttpOutcome, StreamEnd, TransportError};
use crate::wire::{Wire, describe_final};

/// Outcome of one check before levels and strictness are applied.
#[derive(Debug, Clone, PartialEq)]
pub enum Judgement {
    Pass {
        actual: String,
    },
    /// The server did not do what was expected.
    Fail {
        expected: String,
        actual: String,
    },
    /// The harness could not judge (e.g. it could not connect).
    Error(String),
}

/// Everything a check may look at.
pub struct Ctx<'a> {
    pub outcome: &'a HttpOutcome,
    pub wire: &'a Wire,
    /// The JSON-RPC id the step sent, when it sent one.
    pub sent_id: Option<&'a Value>,
    /// The method the step sent (for schema dispatch).
    pub method: Option<&'a str>,
    /// For `tools/call`: the tool's definition from the server's `tools/list`.
    pub tool: Option<&'a Value>,
    /// The step sent a JSON-RPC notification (no answer but 202 is allowed).
    pub notification: bool,
    /// The target speaks stdio: HTTP-only checks do not apply.
    pub stdio: bool,
}

fn pass(actual: impl Into<String>) -> Judgement {
    Judgement::Pass {
        actual: actual.into(),
    }
}

fn fail(expected: impl Into<String>, actual: impl Into<String>) -> Judgement {
    Judgement::Fail {
        expected: expected.into(),
        actual: actual.into(),
    }
}

/// A connect failure means the harness could not test; anything after connecting is the
/// server's doing and can fail a check.
fn no_response(ctx: &Ctx, expected: String) -> Judgement {
    match &ctx.outcome.error {
        Some(TransportError::Connect(e)) => Judgement::Error(format!("could not connect: {e}")),
        Some(TransportError::InvalidRequest(e)) => {
            Judgement::Error(format!("request could not be built: {e}"))
        }
        Some(e) => fail(expected, format!("no HTTP response: {e}")),
        None => fail(expected, "no HTTP response"),
    }
}

/// `Some(reason)` when the expectation's `when` does not hold for this exchange.
pub fn not_applicable(e: &Expectation, ctx: &Ctx) -> Option<String> {
    let http_only = e.status.is_some()
        || e.header.is_some()
        || e.content_type.is_some()
        || e.body_empty.is_some()
        || e.body_contains.is_some()
        || e.stream.is_some()
        || e.challenge.is_some()
        || e.document.is_some()
        || e.when.is_some();
    if ctx.stdio && http_only {
        return Some("an HTTP-only check; the target speaks stdio".into());
    }
    if !ctx.stdio && e.stdio_framing.is_some() {
        return Some("a stdio-only check; the target speaks HTTP".into());
    }
    if let Some(j) = &e.json
        && j.if_present == Some(true)
        && !j.pointer.contains("/*")
        && let Some(v) = ctx.wire.final_json()
        && v.pointer(&j.pointer).is_none()
    {
        return Some(format!(
            "{} is absent (the check applies only when it is present)",
            j.pointer
        ));
    }
    let when = e.when?;
    let r = ctx.outcome.response.as_ref()?;
    match (when, r.sse.is_some()) {
        (crate::scenario::When::Sse, false) => {
            Some("the server answered with plain JSON, not an SSE stream".into())
        }
        (crate::scenario::When::Json, true) => {
            Some("the server answered with an SSE stream, not plain JSON".into())
        }
        _ => None,
    }
}

pub fn evaluate(e: &Expectation, ctx: &Ctx) -> Judgement {
    if let Some(c) = &e.challenge {
        return challenge(c, ctx);
    }
    if let Some(d) = &e.document {
        return document(d, ctx);
    }
    if let Some(d) = &e.differs {
        let show = |v: &Value| crate::util::clip(&v.to_string(), 200);
        return if d.left != d.right {
            pass(format!("{} ≠ {}", show(&d.left), show(&d.right)))
        } else {
            fail(
                "two different values",
                format!("both are {}", show(&d.left)),
            )
        };
    }
    if let Some(needle) = &e.body_contains {
        let expected = format!("a body containing {needle:?}");
        let Some(r) = &ctx.outcome.response else {
            return no_response(ctx, expected);
        };
        let text = r.body_text();
        return if text.contains(needle.as_str()) {
            pass(format!("body contains {needle:?}"))
        } else {
            fail(
                expected,
                format!("HTTP {}: {}", r.status, crate::util::clip(&text, 300)),
            )
        };
    }
    if e.tool_schemas.is_some() {
        return crate::lint::tool_schemas(ctx);
    }
    if e.x_mcp_headers.is_some() {
        return crate::lint::x_mcp_headers(ctx);
    }
    if e.output_schema.is_some() {
        return crate::lint::output_schema(ctx);
    }
    if e.structured_mirrored.is_some() {
        return crate::lint::structured_mirrored(ctx);
    }
    if e.error_code_allowed.is_some() {
        return crate::lint::error_code_allowed(ctx);
    }
    if let Some(s) = &e.status {
        let expected = format!("HTTP status {}", s.describe());
        let Some(r) = &ctx.outcome.response else {
            return no_response(ctx, expected);
        };
        return if s.patterns().iter().any(|p| p.matches(r.status)) {
            pass(format!("HTTP {}", r.status))
        } else {
            fail(
                expected,
                format!(
                    "HTTP {}: {}",
                    r.status,
                    describe_final(ctx.outcome, ctx.wire)
                ),
            )
        };
    }
    if let Some(h) = &e.header {
        let Some(r) = &ctx.outcome.response else {
            return no_response(ctx, format!("header {}", h.name));
        };
        let value = r.header(&h.name);
        if let Some(want) = h.present {
            let expected = if want {
                format!("header {} present", h.name)
            } else {
                format!("no header {}", h.name)
            };
            let actual = match value {
                Some(v) => format!("{}: {v}", h.name),
                None => format!("no {} header", h.name),
            };
            return if value.is_some() == want {
                pass(actual)
            } else {
                fail(expected, actual)
            };
        }
        let Some(v) = value else {
            return fail(
                format!("header {}", h.name),
                format!("no {} header", h.name),
            );
        };
        if let Some(want) = &h.equals {
            return if v == want {
                pass(format!("{}: {v}", h.name))
            } else {
                fail(format!("{}: {want}", h.name), format!("{}: {v}", h.name))
            };
        }
        if let Some(re) = &h.matches {
            let ok = regex::Regex::new(re).is_ok_and(|r| r.is_match(v));
            return if ok {
                pass(format!("{}: {v}", h.name))
            } else {
                fail(
                    format!("{} matching /{re}/", h.name),
                    format!("{}: {v}", h.name),
                )
            };
        }
    }
    if let Some(ct) = &e.content_type {
        let want = ct.to_vec();
        let expected = format!("Content-Type {}", want.join(" or "));
        let Some(r) = &ctx.outcome.response else {
            return no_response(ctx, expected);
        };
        let got = r.media_type();
        let actual = format!(
            "Content-Type {}",
            r.header("content-type").unwrap_or("absent")
        );
        return if got
            .as_deref()
            .is_some_and(|g| want.iter().any(|w| w.eq_ignore_ascii_case(g)))
        {
            pass(actual)
        } else {
            fail(expected, actual)
        };
    }
    if let Some(code) = e.error {
        let expected = format!("JSON-RPC error {code}");
        if ctx.outcome.response.is_none() {
            return no_response(ctx, expected);
        }
        let got = ctx
            .wire
            .final_json()
            .and_then(|v| v.get("error"))
            .and_then(|e| e.get("code"))
            .and_then(|c| c.as_i64());
        let actual = describe_final(ctx.outcome, ctx.wire);
        return if got == Some(code) {
            pass(actual)
        } else {
            fail(expected, actual)
        };
    }
    if let Some(want) = e.result {
        let expected = if want {
            "a JSON-RPC result"
        } else {
            "no JSON-RPC result"
        };
        if ctx.outcome.response.is_none() {
            return no_response(ctx, expected.into());
        }
        let got = ctx
            .wire
            .final_json()
            .is_some_and(|v| v.get("result").is_some());
        let actual = describe_final(ctx.outcome, ctx.wire);
        return if got == want {
            pass(actual)
        } else {
            fail(expected, actual)
        };
    }
    if e.id_echo.is_some() {
        let Some(sent) = ctx.sent_id else {
            return Judgement::Error("the step sent no id to compare with".into());
        };
        let expected = format!("response id {sent} (same value and JSON type)");
        if ctx.outcome.response.is_none() {
            return no_response(ctx, expected);
        }
        return match ctx.wire.final_json() {
            Some(v) => match v.get("id") {
                Some(id) if id == sent => pass(format!("id {id}")),
                Some(id) => fail(expected, format!("id {id}")),
                None => fail(expected, "response without id"),
            },
            None => fail(expected, describe_final(ctx.outcome, ctx.wire)),
        };
    }
    if let Some(want) = e.body_empty {
        let expected = if want {
            "an empty body"
        } else {
            "a non-empty body"
        };
        let Some(r) = &ctx.outcome.response else {
            return no_response(ctx, expected.into());
        };
        let actual = if r.body.is_empty() {
            "empty body".to_string()
        } else {
            format!(
                "{} bytes: {}",
                r.body.len(),
                crate::util::clip(&r.body_text(), 200)
            )
        };
        return if r.body.is_empty() == want {
            pass(actual)
        } else {
            fail(expected, actual)
        };
    }
    if e.schema_valid.is_some() {
        if ctx.outcome.response.is_none() {
            return no_response(ctx, "schema-valid messages".into());
        }
        let problems = schema_problems(ctx);
        if ctx.wire.messages.is_empty() {
            return fail("a JSON-RPC message", describe_final(ctx.outcome, ctx.wire));
        }
        return match problems.first() {
            None => pass(format!("{} message(s) valid", ctx.wire.messages.len())),
            Some(_) => fail(
                "every message valid against the revision's schema",
                summarize(&problems),
            ),
        };
    }
    if e.no_server_requests.is_some() {
        if ctx.outcome.response.is_none() {
            return no_response(ctx, "no JSON-RPC requests from the server".into());
        }
        let reqs: Vec<String> = ctx
            .wire
            .messages
            .iter()
            .filter(|m| m.is_request())
            .map(|m| crate::util::clip(&m.text, 160))
            .collect();
        return if reqs.is_empty() {
            pass(format!(
                "{} message(s), none a request",
                ctx.wire.messages.len()
            ))
        } else {
            fail(
                "no JSON-RPC requests from the server",
                format!("request(s): {}", reqs.join(" | ")),
            )
        };
    }
    if let Some(s) = &e.stream {
        return stream_check(s, ctx);
    }
    if e.reserved_names.is_some() {
        if ctx.outcome.response.is_none() {
            return no_response(ctx, "messages to scan for reserved names".into());
        }
        use mcpcheck_schemas::wire::methods;
        let misused: Vec<String> = ctx
            .wire
            .messages
            .iter()
            .filter_map(|m| m.value.as_ref().ok())
            .filter_map(|v| v.get("method").and_then(|m| m.as_str()))
            .filter(|m| {
                (m.starts_with("tasks/") || m.starts_with("notifications/tasks"))
                    && !methods::TASKS.contains(m)
                    && *m != methods::NOTIFICATION_TASKS
            })
            .map(String::from)
            .collect();
        return if misused.is_empty() {
            pass(format!(
                "{} message(s), no undefined method under a reserved prefix",
                ctx.wire.messages.len()
            ))
        } else {
            fail(
                "methods under `tasks/` and `notifications/tasks` only as the tasks extension defines them",
                format!("sent: {}", misused.join(", ")),
            )
        };
    }
    if e.no_duplicate_keys.is_some() {
        let Some(m) = ctx.wire.final_msg() else {
            return match &ctx.outcome.error {
                Some(TransportError::Connect(e)) => {
                    Judgement::Error(format!("could not connect: {e}"))
                }
                _ => fail("a JSON-RPC response", describe_final(ctx.outcome, ctx.wire)),
            };
        };
        return match duplicate_keys(&m.text) {
            Ok(d) if d.is_empty() => pass("no object repeats a key"),
            Ok(d) => fail(
                "no repeated keys in any JSON object",
                format!("repeated: {}", d.join(", ")),
            ),
            Err(e) => fail("a JSON response", format!("not JSON: {e}")),
        };
    }
    if e.stdio_framing.is_some() {
        let Some(info) = ctx.outcome.response.as_ref().and_then(|r| r.stdio.as_ref()) else {
            return Judgement::Error("no stdio exchange to judge".into());
        };
        return if info.framing_problems.is_empty() {
            pass("every stdout line so far was one JSON-RPC message")
        } else {
            fail(
                "only JSON-RPC messages on stdout, one per line",
                info.framing_problems.join("; "),
            )
        };
    }
    if e.exits.is_some() {
        return match ctx
            .outcome
            .response
            .as_ref()
            .and_then(|r| r.stdio.as_ref())
            .and_then(|s| s.exited)
        {
            Some(true) => pass("exited after stdin closed"),
            Some(false) => fail(
                "the server exits when its stdin closes",
                "still running when the time ran out",
            ),
            None => match &ctx.outcome.error {
                Some(e) => Judgement::Error(format!("could not start a fresh server: {e}")),
                None => Judgement::Error("no end-of-input probe".into()),
            },
        };
    }
    if e.progress_increasing.is_some() || e.progress_token.is_some() {
        return progress_check(e.progress_token.is_some(), ctx);
    }
    if e.pages.is_some() || e.same.is_some() {
        return Judgement::Error("`pages`/`same` are judged over several exchanges".into());
    }
    if let Some(m) = &e.meta_keys {
        return meta_keys_check(m, ctx);
    }
    if ctx.stdio && e.answered.is_some() {
        return match (ctx.wire.final_json(), &ctx.outcome.error) {
            (Some(_), _) => pass(describe_final(ctx.outcome, ctx.wire)),
            (None, Some(TransportError::Connect(e))) => {
                Judgement::Error(format!("could not start: {e}"))
            }
            (None, _) => fail("an answer", describe_final(ctx.outcome, ctx.wire)),
        };
    }
    if let Some(want) = e.answered {
        let expected = if want {
            "a complete HTTP response below 500"
        } else {
            "no response"
        };
        let got = match (&ctx.outcome.response, &ctx.outcome.error) {
            (_, Some(TransportError::Connect(e))) => {
                return Judgement::Error(format!("could not connect: {e}"));
            }
            (Some(r), None) => Ok(r.status),
            (_, Some(e)) => Err(e.to_string()),
            (None, None) => Err("no response".into()),
        };
        return match got {
            Ok(s) if s < 500 => {
                if want {
                    pass(format!("HTTP {s}"))
                } else {
                    fail(expected, format!("HTTP {s}"))
                }
            }
            Ok(s) => fail(
                expected,
                format!("HTTP {s}: {}", describe_final(ctx.outcome, ctx.wire)),
            ),
            Err(e) => fail(expected, e),
        };
    }
    if let Some(j) = &e.json {
        return json_check(j, ctx);
    }
    Judgement::Error("expectation has no check kind".into())
}

/// Schema problems across every message of the exchange, with where they are.
pub fn schema_problems(ctx: &Ctx) -> Vec<(usize, String, String)> {
    let mut out = Vec::new();
    let method = ctx.method.unwrap_or("");
    for (i, m) in ctx.wire.messages.iter().enumerate() {
        let v = match &m.value {
            Ok(v) => v,
            Err(e) => {
                out.push((i, String::new(), format!("not JSON: {e}")));
                continue;
            }
        };
        let errors = if Some(i) == ctx.wire.final_index {
            let declared = declared_extensions(ctx);
            let declared: Vec<&str> = declared.iter().map(|s| s.as_str()).collect();
            mcpcheck_schemas::validate_response_declared(method, v, &declared)
        } else {
            mcpcheck_schemas::validate_notification(v)
        };
        for e in errors {
            out.push((i, e.pointer, format!("{} ({})", e.message, e.definition)));
        }
    }
    out
}

/// The extensions the request declared in `_meta` clientCapabilities (a `task` handle is valid
/// only for a `tools/call` that declared the tasks extension).
pub fn declared_extensions(ctx: &Ctx) -> Vec<String> {
    serde_json::from_slice::<Value>(&ctx.outcome.request.body)
        .map(|b| extensions_declared_in(&b))
        .unwrap_or_default()
}

/// The keys of `clientCapabilities.extensions` in a request body's `_meta`.
pub fn extensions_declared_in(body: &Value) -> Vec<String> {
    body.pointer("/params/_meta/io.modelcontextprotocol~1clientCapabilities/extensions")
        .and_then(|e| e.as_object())
        .map(|e| e.keys().cloned().collect())
        .unwrap_or_default()
}

pub fn summarize(problems: &[(usize, String, String)]) -> String {
    let mut parts: Vec<String> = problems
        .iter()
        .take(5)
        .map(|(i, ptr, msg)| {
            let at = if ptr.is_empty() {
                "/".to_string()
            } else {
                ptr.clone()
            };
            format!("message {}: {at}: {msg}", i + 1)
        })
        .collect();
    if problems.len() > 5 {
        parts.push(format!("… and {} more", problems.len() - 5));
    }
    parts.join("; ")
}

fn stream_check(s: &StreamSpec, ctx: &Ctx) -> Judgement {
    let Some(r) = &ctx.outcome.response else {
        return no_response(ctx, "an HTTP response".into());
    };
    if let Some(want) = s.sse {
        let is = r.sse.is_some();
        let actual = format!(
            "Content-Type {}",
            r.header("content-type").unwrap_or("absent")
        );
        let expected = if want {
            "an SSE stream (text/event-stream)"
        } else {
            "a plain JSON response"
        };
        return if is == want {
            pass(actual)
        } else {
            fail(expected, actual)
        };
    }
    if s.still_open.is_some() {
        let expected = "the stream still open when collecting stopped";
        return match r.sse.as_ref().map(|x| &x.end) {
            Some(StreamEnd::LeftOpen | StreamEnd::ClosedByClient) => pass("still open"),
            Some(StreamEnd::Closed) => fail(
                expected,
                format!(
                    "the server closed it after {} event(s)",
                    r.sse.as_ref().map_or(0, |x| x.events.len())
                ),
            ),
            Some(other) => fail(expected, format!("{other:?}")),
            None => fail(
                expected,
                format!(
                    "not an SSE stream (Content-Type {})",
                    r.header("content-type").unwrap_or("absent")
                ),
            ),
        };
    }
    let Some(sse) = &r.sse else {
        // Stream rules hold vacuously for a single JSON body only when asked about ordering;
        // a check that needs a stream reports that none came.
        return fail(
            "an SSE stream (text/event-stream)",
            format!(
                "Content-Type {}",
                r.header("content-type").unwrap_or("absent")
            ),
        );
    };
    let Some(fi) = sse.final_index else {
        return fail(
            "a final JSON-RPC response on the stream",
            format!(
                "{} event(s), no final response ({:?})",
                sse.events.len(),
                sse.end
            ),
        );
    };
    if s.nothing_after_final.is_some() {
        let after = sse.events.len() - fi - 1;
        return if after == 0 {
            pass("nothing after the final response")
        } else {
            let first = crate::util::clip(&sse.events[fi + 1].data, 160);
            fail(
                "nothing after the final response",
                format!("{after} event(s) after it, first: {first}"),
            )
        };
    }
    if s.closes.is_some() {
        return match &sse.end {
            StreamEnd::Closed => pass("stream closed after the final response"),
            StreamEnd::LeftOpen => fail(
                "the stream closes after the final response",
                "stream still open after the final response",
            ),
            other => fail(
                "the stream closes after the final response",
                format!("{other:?}"),
            ),
        };
    }
    if s.only_notifications_before_final.is_some() {
        let bad: Vec<String> = ctx.wire.messages[..fi]
            .iter()
            .filter(|m| !m.is_notification())
            .map(|m| crate::util::clip(&m.text, 160))
            .collect();
        return if bad.is_empty() {
            pass(format!("{fi} notification(s) before the final response"))
        } else {
            fail(
                "only notifications before the final response",
                format!("non-notification(s): {}", bad.join(" | ")),
            )
        };
    }
    if let Some(n) = s.min_notifications {
        let count = ctx.wire.messages[..fi]
            .iter()
            .filter(|m| m.is_notification())
            .count();
        return if count >= n {
            pass(format!("{count} notification(s) before the final response"))
        } else {
            fail(
                format!("at least {n} notification(s) before the final response"),
                format!("{count}"),
            )
        };
    }
    Judgement::Error("stream: no condition given".into())
}

/// PROG-01 (tokens echo the request's) and PROG-02 (values strictly increase).
fn progress_check(token: bool, ctx: &Ctx) -> Judgement {
    if ctx.outcome.response.is_none() && ctx.wire.messages.is_empty() {
        return no_response(ctx, "the request's answer".into());
    }
    let sent = serde_json::from_slice::<Value>(&ctx.outcome.request.body)
        .ok()
        .and_then(|b| b.pointer("/params/_meta/progressToken").cloned());
    let progress: Vec<&Value> = ctx
        .wire
        .messages
        .iter()
        .filter_map(|m| m.json())
        .filter(|v| v.get("method").and_then(|m| m.as_str()) == Some("notifications/progress"))
        .collect();
    if token {
        return match &sent {
            None if progress.is_empty() => pass("no progressToken sent, no progress notifications"),
            None => fail(
                "no progress notifications (the request sent no progressToken)",
                format!("{} progress notification(s)", progress.len()),
            ),
            Some(t) => match progress
                .iter()
                .find(|p| p.pointer("/params/progressToken") != Some(t))
            {
                None => pass(format!("{} notification(s) with token {t}", progress.len())),
                Some(p) => fail(
                    format!("progressToken {t} on every progress notification"),
                    format!(
                        "progressToken {}",
                        p.pointer("/params/progressToken")
                            .map_or("absent".into(), |v| v.to_string())
                    ),
                ),
            },
        };
    }
    let values: Vec<Option<f64>> = progress
        .iter()
        .map(|p| p.pointer("/params/progress").and_then(|v| v.as_f64()))
        .collect();
    if values.is_empty() {
        return fail("progress notifications", "none");
    }
    let shown = values
        .iter()
        .map(|v| v.map_or("?".into(), |x| x.to_string()))
        .collect::<Vec<_>>()
        .join(", ");
    let increasing = values
        .windows(2)
        .all(|w| matches!((w[0], w[1]), (Some(a), Some(b)) if b > a))
        && values.iter().all(|v| v.is_some());
    if increasing {
        pass(format!("progress {shown}"))
    } else {
        fail(
            "strictly increasing progress values",
            format!("progress {shown}"),
        )
    }
}

/// `_meta` key grammar (prefix labels, name characters) and the reserved MCP prefixes.
pub fn meta_key_problem(key: &str) -> Option<String> {
    const EXEMPT: &[&str] = &["traceparent", "tracestate", "baggage", "progressToken"];
    if EXEMPT.contains(&key) {
        return None;
    }
    let (prefix, name) = match key.rfind('/') {
        Some(i) => (Some(&key[..i]), &key[i + 1..]),
        None => (None, key),
    };
    if let Some(p) = prefix {
        let labels: Vec<&str> = p.split('.').collect();
        for l in &labels {
            let b = l.as_bytes();
            let ok = !b.is_empty()
                && b[0].is_ascii_alphabetic()
                && b[b.len() - 1].is_ascii_alphanumeric()
                && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-');
            if !ok {
                return Some(format!(
                    "prefix label {l:?} must start with a letter, end with a letter or digit, and hold only letters, digits and '-'"
                ));
            }
        }
        if labels.len() >= 2 && (labels[1] == "modelcontextprotocol" || labels[1] == "mcp") {
            const KNOWN: &[&str] = &[
                "io.modelcontextprotocol/protocolVersion",
                "io.modelcontextprotocol/clientCapabilities",
                "io.modelcontextprotocol/clientInfo",
                "io.modelcontextprotocol/logLevel",
                "io.modelcontextprotocol/serverInfo",
                "io.modelcontextprotocol/subscriptionId",
                "io.modelcontextprotocol/tasks",
                "io.modelcontextprotocol/related-task",
            ];
            if !KNOWN.contains(&key) {
                return Some(format!(
                    "prefix {p:?} is reserved for keys MCP defines, and {key:?} is not one"
                ));
            }
        }
    }
    if !name.is_empty() {
        let b = name.as_bytes();
        let ok = b[0].is_ascii_alphanumeric()
            && b[b.len() - 1].is_ascii_alphanumeric()
            && b.iter()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'));
        if !ok {
            return Some(format!(
                "name {name:?} must start and end with a letter or digit and hold only letters, digits, '-', '_' and '.'"
            ));
        }
    } else if prefix.is_none() {
        return Some("empty key".into());
    }
    None
}

fn meta_keys_check(m: &MetaKeysSpec, ctx: &Ctx) -> Judgement {
    if ctx.outcome.response.is_none() {
        return no_response(ctx, "_meta keys following the key grammar".into());
    }
    let mut bad = Vec::new();
    let mut seen = 0usize;
    if let Some(ptr) = &m.keys_of {
        let Some(v) = ctx.wire.final_json() else {
            return fail(
                format!("an object at {ptr}"),
                describe_final(ctx.outcome, ctx.wire),
            );
        };
        match v.pointer(ptr) {
            Some(Value::Object(o)) => {
                for k in o.keys() {
                    seen += 1;
                    if m.prefix_required == Some(true) && !k.contains('/') {
                        bad.push(format!("{ptr}: key {k:?} has no prefix (extension ids need one, e.g. com.example/{k})"));
                    } else if let Some(p) = meta_key_problem(k) {
                        bad.push(format!("{ptr}: key {k:?}: {p}"));
                    }
                }
            }
            Some(other) => {
                return fail(
                    format!("an object at {ptr}"),
                    crate::util::clip(&other.to_string(), 120).to_string(),
                );
            }
            None => return pass(format!("no object at {ptr}: nothing to lint")),
        }
    } else {
        fn walk(v: &Value, path: String, bad: &mut Vec<String>, seen: &mut usize) {
            match v {
                Value::Object(o) => {
                    for (k, x) in o {
                        let p = format!("{path}/{}", k.replace('~', "~0").replace('/', "~1"));
                        if k == "_meta"
                            && let Value::Object(meta) = x
                        {
                            for mk in meta.keys() {
                                *seen += 1;
                                if let Some(prob) = meta_key_problem(mk) {
                                    bad.push(format!("{p}: key {mk:?}: {prob}"));
                                }
                            }
                        }
                        walk(x, p, bad, seen);
                    }
                }
                Value::Array(a) => {
                    for (i, x) in a.iter().enumerate() {
                        walk(x, format!("{path}/{i}"), bad, seen);
                    }
                }
                _ => {}
            }
        }
        for (i, msg) in ctx.wire.messages.iter().enumerate() {
            if let Some(v) = msg.json() {
                walk(v, format!("message {}:", i + 1), &mut bad, &mut seen);
            }
        }
    }
    if bad.is_empty() {
        pass(format!("{seen} key(s) checked"))
    } else {
        fail("keys following the _meta key grammar", bad.join("; "))
    }
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn show(v: &Value) -> String {
    crate::util::clip(&v.to_string(), 200)
}

/// Judges one value (or its absence) against a `json` condition.
pub(crate) fn json_condition(
    j: &JsonSpec,
    found: Option<&Value>,
) -> Result<String, (String, String)> {
    let ptr = &j.pointer;
    let actual_of = |v: Option<&Value>| match v {
        Some(v) => format!("{ptr} = {}", show(v)),
        None => format!("{ptr} absent"),
    };
    let actual = actual_of(found);
    if let Some(want) = j.exists {
        return if found.is_some() == want {
            Ok(actual)
        } else {
            Err((
                if want {
                    format!("{ptr} present")
                } else {
                    format!("{ptr} absent")
                },
                actual,
            ))
        };
    }
    let Some(v) = found else {
        return Err((format!("{ptr} present"), actual));
    };
    if let Some(want) = &j.equals {
        return if v == want {
            Ok(actual)
        } else {
            Err((format!("{ptr} = {}", show(want)), actual))
        };
    }
    if let Some(want) = &j.not_equals {
        return if v != want {
            Ok(actual)
        } else {
            Err((format!("{ptr} ≠ {}", show(want)), actual))
        };
    }
    if let Some(list) = &j.one_of {
        return if list.contains(v) {
            Ok(actual)
        } else {
            Err((
                format!("{ptr} one of {}", show(&Value::Array(list.clone()))),
                actual,
            ))
        };
    }
    if let Some(re) = &j.matches {
        let ok = v
            .as_str()
            .is_some_and(|s| regex::Regex::new(re).is_ok_and(|r| r.is_match(s)));
        return if ok {
            Ok(actual)
        } else {
            Err((format!("{ptr} a string matching /{re}/"), actual))
        };
    }
    if let Some(types) = &j.json_type {
        let types = types.to_vec();
        let t = json_type(v);
        let ok = types
            .iter()
            .any(|w| w == t || (w == "number" && t == "integer"));
        return if ok {
            Ok(actual)
        } else {
            Err((
                format!("{ptr} of type {}", types.join(" or ")),
                format!("{ptr} is {t}: {}", show(v)),
            ))
        };
    }
    if let Some(want) = &j.contains {
        let ok = match (v, want) {
            (Value::Array(a), w) => a.contains(w),
            (Value::String(s), Value::String(w)) => s.contains(w.as_str()),
            _ => false,
        };
        return if ok {
            Ok(actual)
        } else {
            Err((format!("{ptr} containing {}", show(want)), actual))
        };
    }
    if let Some(unwanted) = &j.not_contains {
        let found = match (v, unwanted) {
            (Value::Array(a), w) => a.contains(w),
            (Value::String(s), Value::String(w)) => s.contains(w.as_str()),
            _ => false,
        };
        return if found {
            Err((format!("{ptr} not containing {}", show(unwanted)), actual))
        } else {
            Ok(actual)
        };
    }
    if let Some(sup) = &j.subset_of {
        let (Value::Array(a), Value::Array(s)) = (v, sup) else {
            return Err((format!("{ptr} an array within {}", show(sup)), actual));
        };
        let extra: Vec<&Value> = a.iter().filter(|x| !s.contains(x)).collect();
        return if extra.is_empty() {
            Ok(actual)
        } else {
            Err((
                format!("every element of {ptr} in {}", show(sup)),
                format!(
                    "{actual}; not in it: {}",
                    show(&Value::Array(extra.into_iter().cloned().collect()))
                ),
            ))
        };
    }
    if j.min_length.is_some() || j.max_length.is_some() {
        let len = match v {
            Value::Array(a) => a.len(),
            Value::String(s) => s.chars().count(),
            Value::Object(o) => o.len(),
            _ => return Err((format!("{ptr} with a length"), actual)),
        };
        let lo = j.min_length.unwrap_or(0);
        let hi = j.max_length.unwrap_or(usize::MAX);
        let range = match (j.min_length, j.max_length) {
            (Some(a), Some(b)) => format!("between {a} and {b}"),
            (Some(a), None) => format!("at least {a}"),
            (None, Some(b)) => format!("at most {b}"),
            _ => unreachable!(),
        };
        return if (lo..=hi).contains(&len) {
            Ok(format!("{ptr} has length {len}"))
        } else {
            Err((
                format!("{ptr} of length {range}"),
                format!("{ptr} has length {len}"),
            ))
        };
    }
    if let Some(min) = j.minimum {
        let n = v
            .as_i64()
            .map(|n| n as f64)
            .or_else(|| v.as_u64().map(|n| n as f64));
        let ok = n.is_some_and(|n| n >= min);
        return if ok {
            Ok(actual)
        } else {
            Err((format!("{ptr} an integer ≥ {min}"), actual))
        };
    }
    if let Some(want) = j.base64 {
        let ok = v
            .as_str()
            .is_some_and(|s| base64::engine::general_purpose::STANDARD.decode(s).is_ok());
        return if ok == want {
            Ok(actual)
        } else {
            Err((
                format!("{ptr} {}valid base64", if want { "" } else { "not " }),
                actual,
            ))
        };
    }
    Err(("a condition".into(), "none given".into()))
}

/// Expands `*` segments of a JSON pointer over arrays and objects. The last value is `None`
/// where the path below a wildcard does not exist.
pub fn expand_pointer<'a>(v: &'a Value, pointer: &str) -> Vec<(String, Option<&'a Value>)> {
    let segs: Vec<&str> = pointer.split('/').skip(1).collect();
    let mut out = Vec::new();
    fn go<'a>(
        v: Option<&'a Value>,
        segs: &[&str],
        path: String,
        out: &mut Vec<(String, Option<&'a Value>)>,
    ) {
        let Some((first, rest)) = segs.split_first() else {
            out.push((path, v));
            return;
        };
        match (*first, v) {
            ("*", Some(Value::Array(a))) => {
                for (i, x) in a.iter().enumerate() {
                    go(Some(x), rest, format!("{path}/{i}"), out);
                }
            }
            ("*", Some(Value::Object(o))) => {
                for (k, x) in o {
                    go(
                        Some(x),
                        rest,
                        format!("{path}/{}", k.replace('~', "~0").replace('/', "~1")),
                        out,
                    );
                }
            }
            ("*", _) => {}
            (seg, v) => {
                let next = v.and_then(|v| v.pointer(&format!("/{seg}")));
                go(next, rest, format!("{path}/{seg}"), out);
            }
        }
    }
    go(Some(v), &segs, String::new(), &mut out);
    out
}

fn unique_check(ptr: &str, values: Option<Vec<&Value>>) -> Judgement {
    let Some(values) = values else {
        return fail(
            format!("an array at {ptr}"),
            format!("{ptr} is not an array"),
        );
    };
    let mut seen: Vec<&Value> = Vec::new();
    let mut dups = Vec::new();
    for v in values {
        if seen.contains(&v) {
            dups.push(show(v));
        } else {
            seen.push(v);
        }
    }
    if dups.is_empty() {
        pass(format!("{} distinct value(s) at {ptr}", seen.len()))
    } else {
        fail(
            format!("distinct values at {ptr}"),
            format!("repeated: {}", dups.join(", ")),
        )
    }
}

fn json_check(j: &JsonSpec, ctx: &Ctx) -> Judgement {
    if ctx.outcome.response.is_none() {
        return no_response(ctx, format!("a JSON-RPC response with {}", j.pointer));
    }
    match j.selector {
        MessageSelector::Final => {
            let Some(v) = ctx.wire.final_json() else {
                return fail(
                    format!("a JSON-RPC response with {}", j.pointer),
                    describe_final(ctx.outcome, ctx.wire),
                );
            };
            if !j.pointer.split('/').any(|seg| seg == "*") {
                if j.unique == Some(true) {
                    return unique_check(
                        &j.pointer,
                        v.pointer(&j.pointer)
                            .and_then(|a| a.as_array())
                            .map(|a| a.iter().collect()),
                    );
                }
                return match json_condition(j, v.pointer(&j.pointer)) {
                    Ok(a) => pass(a),
                    Err((e, a)) => fail(e, a),
                };
            }
            // A `*` segment: the condition must hold at every match.
            let matches = expand_pointer(v, &j.pointer);
            if j.unique == Some(true) {
                return unique_check(
                    &j.pointer,
                    Some(matches.iter().filter_map(|(_, x)| *x).collect()),
                );
            }
            if matches.is_empty() {
                return pass(format!("no element matches {}", j.pointer));
            }
            for (path, found) in &matches {
                let concrete = JsonSpec {
                    pointer: path.clone(),
                    ..j.clone()
                };
                if let Err((e, a)) = json_condition(&concrete, *found) {
                    return fail(format!("for every {}: {e}", j.pointer), a);
                }
            }
            pass(format!("{} element(s) match", matches.len()))
        }
        MessageSelector::First => {
            let Some(m) = ctx.wire.messages.first() else {
                return fail(
                    format!("a first message with {}", j.pointer),
                    describe_final(ctx.outcome, ctx.wire),
                );
            };
            let Some(v) = m.json() else {
                return fail("a JSON first message", crate::util::clip(&m.text, 160));
            };
            if j.if_present == Some(true) && v.pointer(&j.pointer).is_none() {
                return pass(format!(
                    "first message: {} absent (checked only when present)",
                    j.pointer
                ));
            }
            match json_condition(j, v.pointer(&j.pointer)) {
                Ok(a) => pass(format!("first message: {a}")),
                Err((e, a)) => fail(format!("first message: {e}"), a),
            }
        }
        MessageSelector::Every | MessageSelector::Any | MessageSelector::EveryNotification => {
            let msgs: Vec<&Value> = ctx
                .wire
                .messages
                .iter()
                .filter(|m| j.selector != MessageSelector::EveryNotification || m.is_notification())
                .filter_map(|m| m.json())
                // `if_present`: only the messages that have the value are judged.
                .filter(|v| j.if_present != Some(true) || v.pointer(&j.pointer).is_some())
                .collect();
            if msgs.is_empty() {
                if j.selector == MessageSelector::EveryNotification {
                    return pass("no notifications to judge");
                }
                if j.if_present == Some(true) && j.selector == MessageSelector::Every {
                    return pass(format!("no message has {}", j.pointer));
                }
                return fail("JSON-RPC messages", describe_final(ctx.outcome, ctx.wire));
            }
            let results: Vec<_> = msgs
                .iter()
                .map(|v| json_condition(j, v.pointer(&j.pointer)))
                .collect();
            if j.selector != MessageSelector::Any {
                match results.iter().enumerate().find(|(_, r)| r.is_err()) {
                    None => pass(format!("all {} message(s) match", msgs.len())),
                    Some((i, Err((e, a)))) => fail(
                        format!("every message: {e}"),
                        format!("message {}: {a}", i + 1),
                    ),
                    Some(_) => unreachable!(),
                }
            } else if let Some(Ok(a)) = results.iter().find(|r| r.is_ok()) {
                pass(a.clone())
            } else {
                let (e, _) = results[0].clone().unwrap_err();
                fail(
                    format!("some message: {e}"),
                    format!("none of {} message(s) matched", msgs.len()),
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::meta_key_problem;

    #[test]
    fn meta_key_grammar() {
        for ok in [
            "io.modelcontextprotocol/serverInfo",
            "com.example/x",
            "com.example/",
            "plain-name",
            "a.b_c-d",
            "traceparent",
            "com.example.mcp/ok",
        ] {
            assert_eq!(meta_key_problem(ok), None, "{ok}");
        }
        for bad in [
            "io.modelcontextprotocol/debug",
            "dev.mcp/x",
            "1com.example/x",
            "com.example-/x",
            "com.example/-x",
            "com.example/x!",
            "",
        ] {
            assert!(meta_key_problem(bad).is_some(), "{bad}");
        }
    }
}

/// JSON pointers of every object member whose key repeats an earlier key of the same object.
/// Parsing into a `Value` keeps only one of them, so the text is scanned with a visitor.
pub fn duplicate_keys(text: &str) -> Result<Vec<String>, String> {
    use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
    use std::cell::RefCell;

    struct Scan<'a> {
        path: String,
        found: &'a RefCell<Vec<String>>,
    }
    impl<'de> DeserializeSeed<'de> for Scan<'_> {
        type Value = ();
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_any(self)
        }
    }
    impl<'de> Visitor<'de> for Scan<'_> {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("any JSON value")
        }
        fn visit_bool<E>(self, _: bool) -> Result<(), E> {
            Ok(())
        }
        fn visit_i64<E>(self, _: i64) -> Result<(), E> {
            Ok(())
        }
        fn visit_u64<E>(self, _: u64) -> Result<(), E> {
            Ok(())
        }
        fn visit_f64<E>(self, _: f64) -> Result<(), E> {
            Ok(())
        }
        fn visit_str<E>(self, _: &str) -> Result<(), E> {
            Ok(())
        }
        fn visit_unit<E>(self) -> Result<(), E> {
            Ok(())
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<(), A::Error> {
            let mut i = 0;
            while a
                .next_element_seed(Scan {
                    path: format!("{}/{i}", self.path),
                    found: self.found,
                })?
                .is_some()
            {
                i += 1;
            }
            Ok(())
        }
        fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<(), A::Error> {
            let mut seen = std::collections::HashSet::new();
            while let Some(k) = m.next_key::<String>()? {
                let path = format!("{}/{}", self.path, k.replace('~', "~0").replace('/', "~1"));
                if !seen.insert(k) {
                    self.found.borrow_mut().push(path.clone());
                }
                m.next_value_seed(Scan {
                    path,
                    found: self.found,
                })?;
            }
            Ok(())
        }
    }
    let found = RefCell::new(Vec::new());
    let mut de = serde_json::Deserializer::from_str(text);
    Scan {
        path: String::new(),
        found: &found,
    }
    .deserialize(&mut de)
    .map_err(|e| e.to_string())?;
    Ok(found.into_inner())
}

#[cfg(test)]
mod duplicate_tests {
    #[test]
    fn finds_repeated_keys_that_parsing_hides() {
        let t = r#"{"result":{"inputRequests":{"a":{"x":1},"b":{},"a":{"y":2}},"list":[{"k":1,"k":2}]}}"#;
        assert_eq!(
            super::duplicate_keys(t).unwrap(),
            vec![
                "/result/inputRequests/a".to_string(),
                "/result/list/0/k".to_string()
            ]
        );
        assert!(
            super::duplicate_keys(r#"{"a":{"a":1}}"#)
                .unwrap()
                .is_empty()
        );
    }
}

/// The `WWW-Authenticate` challenges of the response, for `actual:` lines.
fn challenges_text(r: &crate::transport::HttpResponse) -> String {
    let v: Vec<&str> = crate::auth::www_authenticate(&r.headers).collect();
    if v.is_empty() {
        format!("HTTP {} without a WWW-Authenticate header", r.status)
    } else {
        format!(
            "HTTP {}, WWW-Authenticate: {}",
            r.status,
            crate::util::clip(&v.join(" | "), 300)
        )
    }
}

fn challenge(c: &crate::scenario::ChallengeSpec, ctx: &Ctx) -> Judgement {
    let scheme = c.scheme.as_deref().unwrap_or("Bearer");
    let Some(r) = &ctx.outcome.response else {
        return no_response(ctx, format!("a {scheme} challenge"));
    };
    let all = crate::auth::parse_challenges(crate::auth::www_authenticate(&r.headers));
    let actual = challenges_text(r);
    let Some(ch) = all.iter().find(|x| x.scheme.eq_ignore_ascii_case(scheme)) else {
        return fail(
            format!("WWW-Authenticate with a {scheme} challenge"),
            actual,
        );
    };
    let Some(param) = &c.param else {
        return pass(actual);
    };
    let value = ch.param(param);
    if let Some(want) = c.exists {
        let expected = if want {
            format!("a {scheme} challenge with a non-empty {param}")
        } else {
            format!("a {scheme} challenge without {param}")
        };
        let has = value.is_some_and(|v| !v.trim().is_empty());
        return if has == want {
            pass(actual)
        } else {
            fail(expected, actual)
        };
    }
    let Some(v) = value else {
        return fail(format!("a {scheme} challenge with {param}"), actual);
    };
    if let Some(want) = &c.equals {
        return if v == want {
            pass(format!("{param}=\"{v}\""))
        } else {
            fail(format!("{param}=\"{want}\""), actual)
        };
    }
    if let Some(want) = &c.includes {
        let have = crate::auth::scopes(v);
        let lacking: Vec<&str> = crate::auth::scopes(want)
            .into_iter()
            .filter(|w| !have.contains(w))
            .collect();
        return if lacking.is_empty() {
            pass(format!("{param}=\"{v}\""))
        } else {
            fail(
                format!("{param} including {want:?}"),
                format!("{param}=\"{v}\" lacks {}", lacking.join(" ")),
            )
        };
    }
    if let Some(unwanted) = &c.excludes {
        let have = crate::auth::scopes(v);
        let present: Vec<&str> = crate::auth::scopes(unwanted)
            .into_iter()
            .filter(|w| have.contains(w))
            .collect();
        return if present.is_empty() {
            pass(format!("{param}=\"{v}\""))
        } else {
            fail(
                format!("{param} without {unwanted:?}"),
                format!("{param}=\"{v}\" includes {}", present.join(" ")),
            )
        };
    }
    Judgement::Error("challenge check without a condition".into())
}

fn document(name: &str, ctx: &Ctx) -> Judgement {
    let expected = format!("a JSON {name} document");
    let Some(r) = &ctx.outcome.response else {
        return no_response(ctx, expected);
    };
    if r.status != 200 {
        return fail(
            expected,
            format!(
                "HTTP {}: {}",
                r.status,
                crate::util::clip(&r.body_text(), 200)
            ),
        );
    }
    let v: Value = match serde_json::from_slice(&r.body) {
        Ok(v) => v,
        Err(e) => {
            return fail(
                expected,
                format!("HTTP 200 with a body that is not JSON ({e})"),
            );
        }
    };
    match mcpcheck_schemas::validate_oauth(name, &v) {
        None => Judgement::Error(format!("unknown document kind {name}")),
        Some(errors) if errors.is_empty() => pass(format!("a valid {name}")),
        Some(errors) => fail(
            expected,
            errors
                .iter()
                .take(3)
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("; "),
        ),
    }
}
