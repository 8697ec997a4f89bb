//! The JSON-RPC messages found in one HTTP exchange, and header-value encoding rules.

use base64::Engine as _;
use serde_json::Value;

use crate::transport::{HttpOutcome, HttpResponse};

#[derive(Debug, Clone)]
pub struct Msg {
    pub text: String,
    pub value: Result<Value, String>,
}

impl Msg {
    pub fn json(&self) -> Option<&Value> {
        self.value.as_ref().ok()
    }
    pub fn is_request(&self) -> bool {
        self.json()
            .is_some_and(|v| v.get("method").is_some() && v.get("id").is_some())
    }
    pub fn is_notification(&self) -> bool {
        self.json()
            .is_some_and(|v| v.get("method").is_some() && v.get("id").is_none())
    }
}

/// Messages of an exchange, in arrival order.
#[derive(Debug, Clone, Default)]
pub struct Wire {
    pub messages: Vec<Msg>,
    /// Index of the final JSON-RPC response.
    pub final_index: Option<usize>,
}

impl Wire {
    pub fn from_outcome(outcome: &HttpOutcome) -> Wire {
        match &outcome.response {
            Some(r) => Wire::from_response(r),
            None => Wire::default(),
        }
    }

    pub fn from_response(r: &HttpResponse) -> Wire {
        if let Some(stdio) = &r.stdio {
            let messages = stdio
                .lines
                .iter()
                .map(|l| Msg {
                    text: l.clone(),
                    value: serde_json::from_str(l).map_err(|e| e.to_string()),
                })
                .collect();
            return Wire {
                messages,
                final_index: stdio.final_index,
            };
        }
        if let Some(sse) = &r.sse {
            let messages = sse
                .events
                .iter()
                .map(|e| Msg {
                    text: e.data.clone(),
                    value: serde_json::from_str(&e.data).map_err(|e| e.to_string()),
                })
                .collect();
            return Wire {
                messages,
                final_index: sse.final_index,
            };
        }
        if r.body.is_empty() {
            return Wire::default();
        }
        let media = r.media_type();
        let json_declared = media
            .as_deref()
            .is_some_and(|m| m == "application/json" || m.ends_with("+json"));
        let value = match std::str::from_utf8(&r.body) {
            Ok(t) => serde_json::from_str::<Value>(t).map_err(|e| e.to_string()),
            Err(e) => Err(format!("body is not valid UTF-8: {e}")),
        };
        // A body that is neither declared JSON nor parses as JSON is not a JSON-RPC message at
        // all (e.g. a plain-text 405 page); content-type checks judge it, not the schema.
        if value.is_err() && !json_declared {
            return Wire::default();
        }
        let is_response = value.as_ref().is_ok_and(|v| {
            v.get("method").is_none() && (v.get("result").is_some() || v.get("error").is_some())
        });
        Wire {
            messages: vec![Msg {
                text: r.body_text(),
                value,
            }],
            final_index: is_response.then_some(0),
        }
    }

    pub fn final_msg(&self) -> Option<&Msg> {
        self.final_index.map(|i| &self.messages[i])
    }

    pub fn final_json(&self) -> Option<&Value> {
        self.final_msg().and_then(|m| m.json())
    }
}

/// Short description of what the exchange produced, for `actual:` lines.
pub fn describe_final(outcome: &HttpOutcome, wire: &Wire) -> String {
    if let Some(v) = wire.final_json() {
        if let Some(e) = v.get("error") {
            let code = e
                .get("code")
                .map(|c| c.to_string())
                .unwrap_or_else(|| "?".into());
            let msg = e.get("message").and_then(|m| m.as_str()).unwrap_or("");
            return format!("JSON-RPC error {code} ({msg})");
        }
        if let Some(r) = v.get("result") {
            let rt = r
                .get("resultType")
                .map(|x| x.to_string())
                .unwrap_or_else(|| "absent".into());
            return format!("JSON-RPC result (resultType {rt})");
        }
    }
    match (&outcome.response, &outcome.error) {
        (_, Some(e)) => format!("no usable response: {e}"),
        (Some(r), None) => {
            if let Some(m) = wire.messages.first()
                && let Err(e) = &m.value
            {
                return format!("HTTP {} with a body that is not JSON ({e})", r.status);
            }
            if r.body.is_empty() {
                format!("HTTP {} with an empty body", r.status)
            } else {
                format!(
                    "HTTP {} with no JSON-RPC response ({})",
                    r.status,
                    r.media_type().unwrap_or_else(|| "no content type".into())
                )
            }
        }
        (None, None) => "no response".into(),
    }
}

const SENTINEL_PREFIX: &str = "=?base64?";
const SENTINEL_SUFFIX: &str = "?=";

/// Encodes a value for `Mcp-Name` / `Mcp-Param-*`: plain when it is header-safe visible ASCII
/// without surrounding spaces and does not itself look like a sentinel; otherwise Base64-wrapped.
pub fn encode_header_value(v: &str) -> String {
    let printable = v.bytes().all(|b| (0x20..0x7f).contains(&b));
    let padded = v.starts_with(' ') || v.ends_with(' ');
    let looks_like_sentinel = v.starts_with(SENTINEL_PREFIX) && v.ends_with(SENTINEL_SUFFIX);
    let safe = printable && !padded && !looks_like_sentinel;
    if safe {
        v.to_string()
    } else {
        format!(
            "{SENTINEL_PREFIX}{}{SENTINEL_SUFFIX}",
            base64::engine::general_purpose::STANDARD.encode(v.as_bytes())
        )
    }
}

/// The `Mcp-Param-*` value for a JSON argument, or `None` when no header is expected.
pub fn param_header_value(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(encode_header_value(s)),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// `(header name suffix, argument path)` for every `x-mcp-header` annotation reachable from the
/// root of `inputSchema` through `properties` only.
pub fn x_mcp_headers(input_schema: &Value) -> Vec<(String, Vec<String>)> {
    fn walk(schema: &Value, path: &mut Vec<String>, out: &mut Vec<(String, Vec<String>)>) {
        let Some(props) = schema.get("properties").and_then(|p| p.as_object()) else {
            return;
        };
        for (k, sub) in props {
            path.push(k.clone());
            if let Some(h) = sub.get("x-mcp-header").and_then(|h| h.as_str()) {
                out.push((h.to_string(), path.clone()));
            }
            walk(sub, path, out);
            path.pop();
        }
    }
    let mut out = Vec::new();
    walk(input_schema, &mut Vec::new(), &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_encoding() {
        assert_eq!(encode_header_value("echo"), "echo");
        assert_eq!(encode_header_value("météo"), "=?base64?bcOpdMOpbw==?=");
        assert_eq!(encode_header_value(" pad"), "=?base64?IHBhZA==?=");
        assert_eq!(
            encode_header_value("=?base64?abc?="),
            "=?base64?PT9iYXNlNjQ/YWJjPz0=?="
        );
    }

    #[test]
    fn finds_annotated_properties() {
        let s = serde_json::json!({"type":"object","properties":{
            "region":{"type":"string","x-mcp-header":"Region"},
            "opts":{"type":"object","properties":{"n":{"type":"integer","x-mcp-header":"N"}}},
            "list":{"type":"array","items":{"x-mcp-header":"Ignored"}}}});
        let h = x_mcp_headers(&s);
        assert_eq!(h.len(), 2);
        assert!(h.contains(&("Region".into(), vec!["region".into()])));
        assert!(h.contains(&("N".into(), vec!["opts".into(), "n".into()])));
    }
}
