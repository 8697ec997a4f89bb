//! Checks that judge the content of a result rather than one value: tool schema validity,
//! `x-mcp-header` annotations, structured output, error-code discipline.

use base64::Engine as _;
use serde_json::Value;

use crate::checks::{Ctx, Judgement};
use crate::transport::TransportError;
use crate::wire::describe_final;

fn pass(a: impl Into<String>) -> Judgement {
    Judgement::Pass { actual: a.into() }
}

fn fail(e: impl Into<String>, a: impl Into<String>) -> Judgement {
    Judgement::Fail {
        expected: e.into(),
        actual: a.into(),
    }
}

fn result<'a>(ctx: &'a Ctx<'a>, want: &str) -> Result<&'a Value, Judgement> {
    match (
        &ctx.outcome.error,
        ctx.wire.final_json().and_then(|v| v.get("result")),
    ) {
        (_, Some(r)) => Ok(r),
        (Some(TransportError::Connect(e)), _) => {
            Err(Judgement::Error(format!("could not connect: {e}")))
        }
        _ => Err(fail(
            want.to_string(),
            describe_final(ctx.outcome, ctx.wire),
        )),
    }
}

fn tools<'a>(ctx: &'a Ctx<'a>) -> Result<&'a Vec<Value>, Judgement> {
    let r = result(ctx, "a tools/list result")?;
    r.get("tools")
        .and_then(|t| t.as_array())
        .ok_or_else(|| fail("a `tools` array", crate::util::clip(&r.to_string(), 200)))
}

/// TOOLS-05: every `inputSchema` is a JSON Schema object with root type `object` that compiles;
/// every `outputSchema` compiles.
pub fn tool_schemas(ctx: &Ctx) -> Judgement {
    let tools = match tools(ctx) {
        Ok(t) => t,
        Err(j) => return j,
    };
    let mut bad = Vec::new();
    for t in tools {
        let name = t.get("name").and_then(|n| n.as_str()).unwrap_or("?");
        match t.get("inputSchema") {
            Some(s) if s.is_object() => {
                let o = s.as_object().expect("checked");
                if o.get("type") != Some(&Value::String("object".into())) {
                    bad.push(format!(
                        "{name}: inputSchema root type is {}",
                        o.get("type").map_or("absent".into(), |v| v.to_string())
                    ));
                } else if let Err(e) = jsonschema::validator_for(s) {
                    bad.push(format!("{name}: inputSchema is not a valid schema: {e}"));
                }
            }
            other => bad.push(format!(
                "{name}: inputSchema is {}",
                other.map_or("absent".into(), |v| crate::util::clip(&v.to_string(), 60))
            )),
        }
        if let Some(s) = t.get("outputSchema")
            && let Err(e) = jsonschema::validator_for(s)
        {
            bad.push(format!("{name}: outputSchema is not a valid schema: {e}"));
        }
    }
    if bad.is_empty() {
        pass(format!("{} tool schema(s) valid", tools.len()))
    } else {
        fail(
            "every inputSchema a valid schema with root type \"object\"",
            bad.join("; "),
        )
    }
}

fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// TOOLS-06: `x-mcp-header` annotations are well-formed.
pub fn x_mcp_headers(ctx: &Ctx) -> Judgement {
    let tools = match tools(ctx) {
        Ok(t) => t,
        Err(j) => return j,
    };
    let mut bad = Vec::new();
    let mut seen_total = 0;
    for t in tools {
        let name = t.get("name").and_then(|n| n.as_str()).unwrap_or("?");
        let Some(schema) = t.get("inputSchema") else {
            continue;
        };
        let mut names: Vec<String> = Vec::new();
        // Walk everything; an annotation is legal only on a property reached through
        // `properties` keys from the root.
        fn walk(v: &Value, legal: bool, path: &str, out: &mut Vec<(String, bool, Value)>) {
            if let Value::Object(o) = v {
                if let Some(h) = o.get("x-mcp-header") {
                    out.push((path.to_string(), legal, Value::Object(o.clone())));
                    let _ = h;
                }
                for (k, x) in o {
                    if k == "properties" {
                        if let Value::Object(props) = x {
                            for (pk, pv) in props {
                                walk(pv, legal, &format!("{path}/properties/{pk}"), out);
                            }
                        }
                    } else if k != "x-mcp-header" {
                        walk(x, false, &format!("{path}/{k}"), out);
                    }
                }
            } else if let Value::Array(a) = v {
                for (i, x) in a.iter().enumerate() {
                    walk(x, false, &format!("{path}/{i}"), out);
                }
            }
        }
        let mut found = Vec::new();
        if let Some(root) = schema.as_object() {
            if let Some(props) = root.get("properties").and_then(|p| p.as_object()) {
                for (pk, pv) in props {
                    walk(pv, true, &format!("/properties/{pk}"), &mut found);
                }
            }
            for (k, x) in root.iter() {
                if k != "properties" {
                    walk(x, false, &format!("/{k}"), &mut found);
                }
            }
        }
        for (path, legal, prop) in found {
            seen_total += 1;
            let h = &prop["x-mcp-header"];
            let Some(hs) = h.as_str() else {
                bad.push(format!("{name}{path}: x-mcp-header is {h}, not a string"));
                continue;
            };
            if hs.is_empty() || !hs.bytes().all(is_tchar) {
                bad.push(format!(
                    "{name}{path}: x-mcp-header {hs:?} is not a non-empty HTTP token"
                ));
            }
            if !legal {
                bad.push(format!("{name}{path}: x-mcp-header is only allowed on properties reached through `properties` from the root"));
            }
            let ty = prop.get("type").and_then(|t| t.as_str()).unwrap_or("");
            if !["string", "integer", "boolean"].contains(&ty) {
                bad.push(format!("{name}{path}: x-mcp-header on a property of type {ty:?} (only string, integer, boolean)"));
            }
            let lower = hs.to_ascii_lowercase();
            if names.contains(&lower) {
                bad.push(format!(
                    "{name}{path}: x-mcp-header {hs:?} is not unique (case-insensitively)"
                ));
            }
            names.push(lower);
        }
    }
    if bad.is_empty() {
        pass(format!("{seen_total} annotation(s) well-formed"))
    } else {
        fail("well-formed x-mcp-header annotations", bad.join("; "))
    }
}

/// TOOLS-11: `structuredContent` conforms to the tool's `outputSchema`.
pub fn output_schema(ctx: &Ctx) -> Judgement {
    let Some(tool) = ctx.tool else {
        return Judgement::Error("the step's tool is not in the server's tools/list".into());
    };
    let Some(schema) = tool.get("outputSchema") else {
        return fail(
            "the tool declares an outputSchema",
            "no outputSchema in tools/list",
        );
    };
    let r = match result(ctx, "a tools/call result") {
        Ok(r) => r,
        Err(j) => return j,
    };
    let Some(sc) = r.get("structuredContent") else {
        return fail(
            "structuredContent (the tool declares an outputSchema)",
            "no structuredContent",
        );
    };
    let v = match jsonschema::validator_for(schema) {
        Ok(v) => v,
        Err(e) => return fail("a compilable outputSchema", format!("{e}")),
    };
    let errors: Vec<String> = v
        .iter_errors(sc)
        .take(5)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    if errors.is_empty() {
        pass("structuredContent conforms to outputSchema")
    } else {
        fail(
            "structuredContent conforming to the tool's outputSchema",
            errors.join("; "),
        )
    }
}

/// TOOLS-12: some text block holds the JSON serialisation of `structuredContent`.
pub fn structured_mirrored(ctx: &Ctx) -> Judgement {
    let r = match result(ctx, "a tools/call result") {
        Ok(r) => r,
        Err(j) => return j,
    };
    let Some(sc) = r.get("structuredContent") else {
        return fail("structuredContent", "no structuredContent");
    };
    let mirrored = r
        .get("content")
        .and_then(|c| c.as_array())
        .into_iter()
        .flatten()
        .filter_map(|b| b.get("text").and_then(|t| t.as_str()))
        .any(|t| serde_json::from_str::<Value>(t).is_ok_and(|v| &v == sc));
    if mirrored {
        pass("a text block mirrors structuredContent")
    } else {
        fail(
            "a text block holding structuredContent as JSON",
            "no such text block",
        )
    }
}

/// ERR-02/03/04/05: an error code means what the revision says, or lies outside the ranges it
/// reserves. Retired and unassigned MCP codes fail.
pub fn error_code_allowed(ctx: &Ctx) -> Judgement {
    let Some(v) = ctx.wire.final_json() else {
        return match &ctx.outcome.error {
            Some(TransportError::Connect(e)) => Judgement::Error(format!("could not connect: {e}")),
            _ => fail("a JSON-RPC response", describe_final(ctx.outcome, ctx.wire)),
        };
    };
    let Some(code) = v.pointer("/error/code").and_then(|c| c.as_i64()) else {
        return pass("no error code to judge");
    };
    let problem = match code {
        -32002 => Some("-32002 is the retired resource-not-found code (use -32602)"),
        -32042 => Some("-32042 is the retired URL-elicitation code"),
        -32099..=-32023 => Some("codes -32023…-32099 are reserved for future MCP use"),
        -32019..=-32000 => Some("codes -32000…-32019 are the legacy implementation-defined range"),
        -32768..=-32701 | -32699..=-32604 => {
            Some("a JSON-RPC reserved code with no defined meaning")
        }
        _ => None,
    };
    match problem {
        None => pass(format!("error code {code}")),
        Some(p) => fail(
            "an error code the revision defines, or one outside the reserved ranges",
            format!("{code}: {p}"),
        ),
    }
}

/// Is `s` standard base64?
pub fn is_base64(s: &str) -> bool {
    base64::engine::general_purpose::STANDARD.decode(s).is_ok()
}
