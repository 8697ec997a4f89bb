//! The harness's `text/event-stream` parser on arbitrary bytes cut at arbitrary places.
//!
//! Input: see `mcpcheck_fuzz::Chunked` (two option bytes, the cut positions, then the stream).
//!
//! Properties: feeding the stream in fuzz-chosen chunks, one byte at a time or in one piece
//! yields exactly the same events (and the same comment and invalid-UTF-8 counts); the events
//! equal those of a line-at-a-time model of the SSE processing rules; no field value holds a
//! line break; `finish` dispatches at most one event and nothing after that.

#![no_main]

use libfuzzer_sys::fuzz_target;
use mcpcheck::sse::{Event, SseParser};
use mcpcheck_fuzz::Chunked;

#[derive(Debug, PartialEq, Eq)]
struct Outcome {
    events: Vec<Event>,
    comments: usize,
    invalid_utf8_lines: usize,
}

fn run(chunks: &[&[u8]]) -> Outcome {
    let mut parser = SseParser::new();
    let mut events = Vec::new();
    for chunk in chunks {
        events.extend(parser.feed(chunk));
    }
    events.extend(parser.finish());
    assert_eq!(parser.finish(), None, "a second finish dispatched an event");
    assert!(
        parser.feed(b"").is_empty(),
        "an empty chunk dispatched an event"
    );
    Outcome {
        events,
        comments: parser.comments,
        invalid_utf8_lines: parser.invalid_utf8_lines,
    }
}

/// The SSE processing model (WHATWG HTML §9.2.6, the subset the parser implements): split
/// the stream into lines first (CRLF, CR or LF), then interpret each line.
fn model(body: &[u8]) -> Outcome {
    let mut lines: Vec<&[u8]> = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < body.len() {
        match body[i] {
            b'\r' => {
                lines.push(&body[start..i]);
                i += if body.get(i + 1) == Some(&b'\n') {
                    2
                } else {
                    1
                };
                start = i;
            }
            b'\n' => {
                lines.push(&body[start..i]);
                i += 1;
                start = i;
            }
            _ => i += 1,
        }
    }
    let tail = &body[start..];

    let mut out = Outcome {
        events: Vec::new(),
        comments: 0,
        invalid_utf8_lines: 0,
    };
    let mut current = Event::default();
    let mut has_data = false;
    let mut has_fields = false;
    let interpret = |raw: &[u8],
                     out: &mut Outcome,
                     current: &mut Event,
                     has_data: &mut bool,
                     has_fields: &mut bool| {
        if raw.is_empty() {
            let event = std::mem::take(current);
            if *has_data {
                out.events.push(event);
            }
            *has_data = false;
            *has_fields = false;
            return;
        }
        if std::str::from_utf8(raw).is_err() {
            out.invalid_utf8_lines += 1;
        }
        let line = String::from_utf8_lossy(raw);
        if line.starts_with(':') {
            out.comments += 1;
            return;
        }
        let (field, value) = match line.split_once(':') {
            Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
            None => (&*line, ""),
        };
        match field {
            "data" => {
                if *has_data {
                    current.data.push('\n');
                }
                current.data.push_str(value);
                *has_data = true;
                *has_fields = true;
            }
            "event" => {
                current.event = Some(value.to_owned());
                *has_fields = true;
            }
            "id" => {
                current.id = Some(value.to_owned());
                *has_fields = true;
            }
            _ => {}
        }
    };
    for line in lines {
        interpret(line, &mut out, &mut current, &mut has_data, &mut has_fields);
    }
    // End of stream: a last line without terminator counts; an event with fields but no
    // blank line after it is dispatched (the parser's documented lenient reading).
    if !tail.is_empty() {
        interpret(tail, &mut out, &mut current, &mut has_data, &mut has_fields);
    }
    if has_fields {
        out.events.push(current);
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let Some(input) = Chunked::parse(data) else {
        return;
    };
    let whole = run(&[input.body]);
    let chunked = run(&input.chunks());
    assert_eq!(
        whole, chunked,
        "chunking at {:?} changed the events",
        input.cuts
    );
    let bytewise = run(&input.bytes());
    assert_eq!(whole, bytewise, "feeding byte by byte changed the events");
    assert_eq!(
        whole,
        model(input.body),
        "the parser disagrees with the model"
    );
    for e in &whole.events {
        assert!(!e.data.contains('\r'), "data holds a CR: {e:?}");
        for v in [&e.event, &e.id].into_iter().flatten() {
            assert!(
                !v.contains(['\r', '\n']),
                "a field holds a line break: {e:?}"
            );
        }
    }
});
