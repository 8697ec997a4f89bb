//! Property tests: wire types round-trip through JSON, and what they serialize validates
//! against our schema.

use mcpcheck_schemas::validate_def;
use mcpcheck_schemas::wire::{
    ContentBlock, ErrorObject, Implementation, JsonRpcErrorResponse, RequestId,
};
use proptest::prelude::*;
use serde_json::{Value, json};

fn text() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 _./:-]{0,12}"
}

fn implementation() -> impl Strategy<Value = Implementation> {
    (
        text(),
        text(),
        proptest::option::of(text()),
        proptest::option::of(text()),
    )
        .prop_map(|(name, version, title, description)| Implementation {
            name,
            version,
            title,
            description,
            website_url: None,
            icons: None,
        })
}

fn request_id() -> impl Strategy<Value = RequestId> {
    prop_oneof![
        any::<i64>().prop_map(RequestId::Number),
        text().prop_map(RequestId::String)
    ]
}

fn error_object() -> impl Strategy<Value = ErrorObject> {
    (
        any::<i32>(),
        text(),
        proptest::option::of(prop_oneof![
            Just(json!({"requiredCapabilities": {"sampling": {}}})),
            text().prop_map(Value::String),
            any::<i64>().prop_map(|n| json!(n)),
        ]),
    )
        .prop_map(|(code, message, data)| ErrorObject {
            code: i64::from(code),
            message,
            data,
        })
}

fn content_block() -> impl Strategy<Value = ContentBlock> {
    prop_oneof![
        text().prop_map(ContentBlock::text),
        (text(), text()).prop_map(|(data, mime_type)| ContentBlock::Image {
            data,
            mime_type,
            annotations: None,
            meta: None,
        }),
        (text(), text()).prop_map(|(data, mime_type)| ContentBlock::Audio {
            data,
            mime_type,
            annotations: None,
            meta: None,
        }),
    ]
}

fn round_trip<T>(value: &T) -> (T, Value)
where
    T: serde::Serialize + serde::de::DeserializeOwned,
{
    let json = serde_json::to_value(value).unwrap();
    (serde_json::from_value(json.clone()).unwrap(), json)
}

proptest! {
    #[test]
    fn implementation_round_trips(value in implementation()) {
        let (back, json) = round_trip(&value);
        prop_assert_eq!(&back, &value);
        prop_assert!(validate_def("Implementation", &json).unwrap().is_empty());
    }

    #[test]
    fn error_responses_round_trip(id in proptest::option::of(request_id()), error in error_object()) {
        let response = JsonRpcErrorResponse { jsonrpc: "2.0".into(), id, error };
        let (back, json) = round_trip(&response);
        prop_assert_eq!(&back, &response);
        prop_assert!(validate_def("JSONRPCErrorResponse", &json).unwrap().is_empty());
    }

    #[test]
    fn content_blocks_round_trip(block in content_block()) {
        let (back, json) = round_trip(&block);
        prop_assert_eq!(&back, &block);
        prop_assert!(validate_def("ContentBlock", &json).unwrap().is_empty());
    }
}
