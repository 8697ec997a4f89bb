//! The oracle: what a server must do with any request, however malformed. Within the timeout it
//! answers with an allowed HTTP status; a request gets one schema-valid JSON-RPC response with
//! its id; a notification gets 202 or an HTTP error; nothing gets a 5xx, a hang or a dropped
//! connection.

use serde_json::Value;

use super::case::{Case, valid_id};
use crate::transport::{HttpOutcome, TransportError};
use crate::wire::Wire;

/// The class of a finding; shrinking keeps a candidate only when it fails the same way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Hang,
    Dropped,
    ServerError,
    BadStatus,
    NoResponse,
    SchemaInvalid,
    IdMismatch,
    NotificationAnswered,
    Unresponsive,
}

impl Kind {
    pub fn slug(self) -> &'static str {
        match self {
            Kind::Hang => "hang",
            Kind::Dropped => "dropped-connection",
            Kind::ServerError => "server-error",
            Kind::BadStatus => "bad-status",
            Kind::NoResponse => "no-response",
            Kind::SchemaInvalid => "schema-invalid",
            Kind::IdMismatch => "id-mismatch",
            Kind::NotificationAnswered => "notification-answered",
            Kind::Unresponsive => "server-unresponsive",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub kind: Kind,
    /// What makes two failures of one kind the same finding (e.g. the schema definition and
    /// place that failed); empty when the kind and method say it all.
    pub key: String,
    pub requirement: &'static str,
    pub message: String,
    pub expected: String,
    pub actual: String,
}

/// Robustness failures are TOOLS-10 for tool calls (inputs are validated) and HTTP-24 for the
/// rest (malformed bodies get a 4xx, never a crash).
pub fn robustness_requirement(case: &Case) -> &'static str {
    if case.rpc_method().as_deref() == Some("tools/call") {
        "TOOLS-10"
    } else {
        "HTTP-24"
    }
}

/// The requirement a schema failure of `method`'s answer breaks.
pub fn schema_requirement(method: &str, is_error: bool) -> &'static str {
    if is_error {
        return "ERR-01";
    }
    crate::engine::result_schema_requirement(method)
}

fn problem(
    kind: Kind,
    req: &'static str,
    message: String,
    expected: &str,
    actual: String,
) -> Problem {
    Problem {
        kind,
        key: String::new(),
        requirement: req,
        message,
        expected: expected.into(),
        actual,
    }
}

/// Judges one exchange; `None` when the server did what it must.
pub fn judge(case: &Case, outcome: &HttpOutcome, stdio: bool) -> Option<Problem> {
    let robust = robustness_requirement(case);
    let answer_expected = "an answer within the timeout";
    match &outcome.error {
        Some(TransportError::Timeout(e)) => {
            return Some(problem(
                Kind::Hang,
                robust,
                "the server did not answer in time".into(),
                answer_expected,
                format!("timed out: {e}"),
            ));
        }
        // A server may refuse an oversized request by closing the connection before reading
        // it all (hyper does for header fields beyond its limit): not judged.
        Some(TransportError::Broken(_))
            if outcome.request.body.len() > 1024 * 1024
                || outcome
                    .request
                    .headers
                    .iter()
                    .any(|(_, v)| v.len() > 8 * 1024) =>
        {
            return None;
        }
        Some(TransportError::Broken(e)) => {
            return Some(problem(
                Kind::Dropped,
                robust,
                "the connection broke before a complete answer".into(),
                answer_expected,
                format!("connection broken: {e}"),
            ));
        }
        Some(TransportError::Connect(e)) => {
            return Some(problem(
                Kind::Unresponsive,
                robust,
                "the server could not be reached".into(),
                answer_expected,
                format!("could not connect: {e}"),
            ));
        }
        // Not the server's doing (a request the HTTP stack refused to build) or a
        // deliberate echo of a huge input: neither is judged.
        Some(TransportError::InvalidRequest(_)) | Some(TransportError::BodyTooLarge(_)) => {
            return None;
        }
        None => {}
    }
    let response = outcome.response.as_ref()?;
    let wire = Wire::from_outcome(outcome);
    if !stdio {
        let status = response.status;
        if status >= 500 {
            return Some(problem(
                Kind::ServerError,
                robust,
                format!("HTTP {status}: a server error instead of a client error or a result"),
                "HTTP 200, 202 or 4xx",
                format!(
                    "HTTP {status}: {}",
                    crate::util::clip(&response.body_text(), 300)
                ),
            ));
        }
        if !(status == 200 || status == 202 || (400..500).contains(&status)) {
            return Some(problem(
                Kind::BadStatus,
                "HTTP-24",
                format!("HTTP {status} is not an answer to a JSON-RPC POST"),
                "HTTP 200, 202 or 4xx",
                format!("HTTP {status}"),
            ));
        }
        if case.is_notification() && status == 200 {
            return Some(problem(
                Kind::NotificationAnswered,
                "HTTP-05",
                "a notification was answered with 200 instead of 202 or an HTTP error".into(),
                "202 Accepted with an empty body, or a 4xx",
                format!(
                    "HTTP 200: {}",
                    crate::util::clip(&response.body_text(), 300)
                ),
            ));
        }
        if case.is_well_formed_request() && status == 200 && wire.final_msg().is_none() {
            return Some(problem(
                Kind::NoResponse,
                "HTTP-02",
                "HTTP 200 without a JSON-RPC response to the request".into(),
                "one JSON-RPC response (application/json or an SSE stream ending with it)",
                crate::wire::describe_final(outcome, &wire),
            ));
        }
    } else if case.is_well_formed_request() && wire.final_msg().is_none() {
        return Some(problem(
            Kind::NoResponse,
            "STATELESS-20",
            "no JSON-RPC response to the request".into(),
            "one JSON-RPC response line",
            crate::wire::describe_final(outcome, &wire),
        ));
    }
    let method = case.rpc_method().unwrap_or_default();
    let final_json = wire.final_json();
    // Id echo: the answer to a request with a valid id carries that id, same JSON type.
    if let (Some(sent), Some(v)) = (case.id().filter(|i| valid_id(i)), final_json)
        && case.is_well_formed_request()
        && v.get("id") != Some(sent)
        // An error may omit the id when the server could not read it (e.g. a body deeper than
        // its parser accepts).
        && !(v.get("id").is_none() && v.get("error").is_some())
    {
        return Some(problem(
            Kind::IdMismatch,
            "STATELESS-20",
            "the response does not carry the request's id".into(),
            &format!("id {sent}"),
            format!(
                "id {}",
                v.get("id").map_or("absent".to_string(), Value::to_string)
            ),
        ));
    }
    // Schema: every message on the wire, the final one for the method asked.
    let declared = case
        .body
        .json()
        .map(crate::checks::extensions_declared_in)
        .unwrap_or_default();
    let declared: Vec<&str> = declared.iter().map(String::as_str).collect();
    // A plain JSON body that is not a JSON-RPC response (an OAuth error document, say) is not
    // a JSON-RPC message to judge.
    if wire.final_index.is_none() && response.sse.is_none() && response.stdio.is_none() {
        return None;
    }
    for (i, m) in wire.messages.iter().enumerate() {
        let Ok(v) = &m.value else {
            // A body declared JSON that does not parse.
            return Some(problem(
                Kind::SchemaInvalid,
                "STATELESS-20",
                "a message on the wire is not JSON".into(),
                "JSON-RPC messages",
                crate::util::clip(&m.text, 300),
            ));
        };
        let errors = if Some(i) == wire.final_index {
            mcpcheck_schemas::validate_response_declared(&method, v, &declared)
        } else {
            mcpcheck_schemas::validate_notification(v)
        };
        if let Some(e) = errors.first() {
            let is_error = v.get("error").is_some();
            let req = if Some(i) == wire.final_index {
                schema_requirement(&method, is_error)
            } else {
                "HTTP-03"
            };
            let at = if e.pointer.is_empty() {
                "/"
            } else {
                &e.pointer
            };
            let key = format!("{} {at}", e.definition);
            return Some(problem(
                Kind::SchemaInvalid,
                req,
                format!(
                    "message {} is not valid by the schema: {at}: {}",
                    i + 1,
                    e.message
                ),
                &format!("a valid {}", e.definition),
                crate::util::clip(&m.text, 300),
            ))
            .map(|mut p| {
                p.key = key;
                p
            });
        }
    }
    None
}
