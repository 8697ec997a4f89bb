//! The reference server's sealed `requestState` codec (HMAC-SHA256 over the JSON payload).
//!
//! Properties: a state opens, with the key and binding it was sealed with, to exactly the data
//! sealed into it; any state that differs from the sealed string (fuzz-chosen character
//! edits, or edits of the decoded payload re-encoded with the original tag) is rejected; the
//! sealed state is rejected under another key or bound to another request.

#![no_main]

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use libfuzzer_sys::arbitrary::{Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;
use mcpcheck_fuzz::{Edit, edited, fields};
use mcpcheck_reference_server::fuzzing::{StateBinding, open_state, seal_state};
use serde_json::{Map, Value};

const METHODS: [&str; 3] = ["tools/call", "prompts/get", "resources/read"];

/// Input: text fields, one per line, then bytes for the edits (see `mcpcheck_fuzz::fields`):
/// key, method, name (or URI), arguments (JSON text; absent when not JSON), data (JSON text;
/// a JSON string of the text when not JSON), another key, another method, another name.
struct Input {
    key: Vec<u8>,
    method: &'static str,
    name: String,
    arguments: Option<Value>,
    data: Value,
    other_key: Vec<u8>,
    other_method: &'static str,
    other_name: String,
    /// Edits of the sealed string.
    edits: Vec<Edit>,
    /// Edits of the decoded payload, re-encoded with the original tag.
    payload_edits: Vec<Edit>,
}

fn method(text: &str) -> &'static str {
    METHODS
        .iter()
        .find(|m| **m == text)
        .copied()
        .unwrap_or(METHODS[text.len() % METHODS.len()])
}

impl Input {
    fn parse(data: &[u8]) -> Input {
        let ([key, m, name, arguments, d, other_key, other_m, other_name], tail) = fields(data);
        let mut u = Unstructured::new(tail);
        let edits = Vec::<Edit>::arbitrary(&mut u).unwrap_or_default();
        let payload_edits = Vec::<Edit>::arbitrary_take_rest(u).unwrap_or_default();
        Input {
            key: key.into_bytes(),
            method: method(&m),
            name,
            arguments: serde_json::from_str(&arguments).ok(),
            data: serde_json::from_str(&d).unwrap_or(Value::String(d)),
            other_key: other_key.into_bytes(),
            other_method: method(&other_m),
            other_name,
            edits,
            payload_edits,
        }
    }
}

fn params(method: &str, name: &str, arguments: Option<&Value>) -> Map<String, Value> {
    let mut p = Map::new();
    let field = if method == "resources/read" {
        "uri"
    } else {
        "name"
    };
    p.insert(field.to_owned(), Value::String(name.to_owned()));
    if let Some(a) = arguments {
        p.insert("arguments".to_owned(), a.clone());
    }
    p
}

/// HMAC pads keys with zero bytes to the block size, so keys that differ only in trailing
/// zero bytes (up to 64 bytes) are the same key.
fn same_hmac_key(a: &[u8], b: &[u8]) -> bool {
    let trim = |k: &[u8]| -> Vec<u8> {
        let mut k = k.to_vec();
        if k.len() <= 64 {
            while k.last() == Some(&0) {
                k.pop();
            }
        }
        k
    };
    a == b || (a.len() <= 64 && b.len() <= 64 && trim(a) == trim(b))
}

fuzz_target!(|data: &[u8]| {
    let input = Input::parse(data);
    let method = input.method;
    let binding = StateBinding::of(
        method,
        &params(method, &input.name, input.arguments.as_ref()),
    );
    let data = input.data.clone();
    let sealed = seal_state(&input.key, &binding, &data);

    // The untouched state opens to the sealed data.
    match open_state(&input.key, &sealed, &binding) {
        Ok(opened) => assert_eq!(opened, data, "opened data differs from the sealed data"),
        Err(why) => panic!("the untouched state {sealed} was rejected: {why}"),
    }

    // Character edits of the state.
    let tampered = edited(&sealed, &input.edits);
    if tampered != sealed {
        if let Ok(d) = open_state(&input.key, &tampered, &binding) {
            panic!("tampered state {tampered:?} (sealed {sealed:?}) was accepted with data {d}");
        }
    }

    // Edits of the payload, re-encoded and sent with the original tag.
    let (payload_b64, tag_b64) = sealed.split_once('.').expect("payload.tag");
    let payload = String::from_utf8(B64URL.decode(payload_b64).expect("own base64"))
        .expect("own payload is UTF-8");
    let forged_payload = edited(&payload, &input.payload_edits);
    if forged_payload != payload {
        let forged = format!("{}.{tag_b64}", B64URL.encode(&forged_payload));
        if let Ok(d) = open_state(&input.key, &forged, &binding) {
            panic!("forged payload {forged_payload:?} was accepted with data {d}");
        }
    }

    // Another key.
    if !same_hmac_key(&input.key, &input.other_key) {
        if let Ok(d) = open_state(&input.other_key, &sealed, &binding) {
            panic!(
                "state sealed with key {:?} opened with {:?}: {d}",
                input.key, input.other_key
            );
        }
    }

    // Another request.
    let other_method = input.other_method;
    let other_binding = StateBinding::of(
        other_method,
        &params(other_method, &input.other_name, input.arguments.as_ref()),
    );
    if other_binding != binding {
        if let Ok(d) = open_state(&input.key, &sealed, &other_binding) {
            panic!("state bound to {binding:?} opened for {other_binding:?}: {d}");
        }
    }
});
