//! The stdio transports' line framing: the harness reading a child's stdout and the reference
//! server reading its stdin, on an arbitrary byte stream cut into arbitrary chunks.
//!
//! Input: see `mcpcheck_fuzz::Chunked`; the high 4 bits of byte 0 pick the harness's maximum
//! line length, byte 1 the reference server's read buffer size.
//!
//! Properties:
//! * both framers give the same result for any chunking (fuzz-chosen cuts, byte by byte, one
//!   piece) and any buffer size;
//! * both cut exactly the lines of newline-delimited framing (split at `\n`, a final line
//!   without `\n` counted when non-empty, one trailing `\r` dropped), numbered from 1; an
//!   overlong line is reported with its true length and its first 200 bytes;
//! * each line yields at most one message: the harness takes a line as a message exactly when
//!   it is one JSON object (and reports a framing problem otherwise, or when the last line is
//!   unterminated); the reference server's reading of the same line agrees (a request,
//!   notification or cancellation only from a JSON object, with the same id).

#![no_main]

use std::io::BufReader;

use libfuzzer_sys::fuzz_target;
use mcpcheck::fuzzing::{StdoutLine, frame_stdout};
use mcpcheck_fuzz::{ChunkReader, Chunked, model_lines};
use mcpcheck_reference_server::fuzzing::{StdinLine, classify_line, read_lines};
use serde_json::Value;

/// How many bytes of an overlong line the harness keeps for its report.
const QUOTE: usize = 200;

/// Maximum line lengths the harness is tried with (its default is 4 MiB).
const MAX_LINES: [usize; 16] = [
    4 << 20,
    0,
    1,
    2,
    3,
    7,
    16,
    40,
    64,
    100,
    199,
    200,
    201,
    256,
    512,
    1024,
];

fn strip_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

fn reference_lines(chunks: Vec<&[u8]>, capacity: usize) -> Vec<Vec<u8>> {
    read_lines(BufReader::with_capacity(capacity, ChunkReader::new(chunks)))
}

fn check_harness_line(line: &StdoutLine, model: &[u8], max_line: usize) {
    if model.len() > max_line {
        assert_eq!(line.overlong, Some(model.len()), "wrong overlong length");
        let quoted = model.len().min(QUOTE);
        assert_eq!(
            line.raw,
            model[..quoted],
            "an overlong line keeps its first bytes"
        );
        assert!(line.message.is_none(), "an overlong line yielded a message");
        assert!(line.problem.is_some(), "an overlong line is not reported");
        return;
    }
    assert_eq!(line.overlong, None, "a short line reported overlong");
    assert_eq!(line.raw, model, "line bytes differ from the model");
    let text = strip_cr(model);
    let object = std::str::from_utf8(text)
        .ok()
        .and_then(|t| serde_json::from_str::<Value>(t).ok())
        .filter(Value::is_object);
    match (&line.message, object) {
        (Some((t, v)), Some(o)) => {
            assert_eq!(t.as_bytes(), text, "message text differs from the line");
            assert_eq!(*v, o, "message value differs from the line's JSON");
            assert_eq!(
                line.problem.is_some(),
                line.unterminated,
                "framing problem mismatch for a message line: {line:?}"
            );
        }
        (None, None) => assert!(line.problem.is_some(), "a dropped line is not reported"),
        (m, o) => panic!("message {m:?} for a line whose JSON object is {o:?}"),
    }
}

fn check_reference_line(line: &[u8], harness: &StdoutLine) {
    let kind = classify_line(line);
    if harness.overlong.is_some() {
        return;
    }
    let id = match &kind {
        StdinLine::Request { id, .. } => Some(Some(id)),
        StdinLine::Cancel(_) | StdinLine::Notification => Some(None),
        StdinLine::Blank | StdinLine::Batch => None,
        StdinLine::Rejected { .. } => None,
    };
    if let Some(id) = id {
        let (_, value) = harness
            .message
            .as_ref()
            .unwrap_or_else(|| panic!("the server reads {kind:?}, the harness no message"));
        if let Some(id) = id {
            assert_eq!(value.get("id"), Some(id), "request ids differ");
        }
    }
    if matches!(kind, StdinLine::Blank | StdinLine::Batch) {
        assert!(
            harness.message.is_none(),
            "the server reads {kind:?}, the harness a message"
        );
    }
}

fuzz_target!(|data: &[u8]| {
    let Some(input) = Chunked::parse(data) else {
        return;
    };
    let max_line = MAX_LINES[usize::from(input.option)];
    let capacity = 1 + usize::from(input.option2);
    let model = model_lines(input.body);

    // The harness.
    let whole = frame_stdout([input.body], max_line);
    assert_eq!(
        frame_stdout(input.chunks(), max_line),
        whole,
        "harness: cutting at {:?} changed the lines",
        input.cuts
    );
    assert_eq!(
        frame_stdout(input.bytes(), max_line),
        whole,
        "harness: byte by byte changed the lines"
    );
    assert_eq!(whole.len(), model.len(), "harness: wrong number of lines");
    for (i, (line, m)) in whole.iter().zip(&model).enumerate() {
        assert_eq!(line.number, i + 1, "harness: lines are misnumbered");
        let last = i + 1 == model.len();
        assert_eq!(
            line.unterminated,
            last && !input.body.ends_with(b"\n"),
            "harness: wrong unterminated flag"
        );
        check_harness_line(line, m, max_line);
    }

    // The reference server.
    let lines = reference_lines(vec![input.body], capacity);
    assert_eq!(
        reference_lines(input.chunks(), capacity),
        lines,
        "server: cutting at {:?} changed the lines",
        input.cuts
    );
    assert_eq!(
        reference_lines(input.chunks(), 1),
        lines,
        "server: a 1-byte buffer changed the lines"
    );
    let expected: Vec<&[u8]> = model.iter().map(|l| strip_cr(l)).collect();
    assert_eq!(lines, expected, "server: lines differ from the model");

    // Both sides agree line by line.
    for (line, harness) in lines.iter().zip(&whole) {
        check_reference_line(line, harness);
    }
});
