//! Entry points for the cargo-fuzz targets in fuzz/; not a stable API.
//!
//! Thin wrappers around the harness's parsers (scenario loader, stdout line framer) so that the
//! fuzz targets exercise the very code `mcpcheck` runs. The SSE parser ([`crate::sse`]) and the
//! `WWW-Authenticate` parser ([`crate::auth::parse_challenges`]) are public already.

use std::sync::LazyLock;

use serde_json::Value;

use crate::catalogue::Catalogue;
use crate::scenario::LoadError;
use crate::stdio::{LineFramer, classify_line};

static CATALOGUE: LazyLock<Catalogue> = LazyLock::new(Catalogue::builtin);

/// The embedded requirement catalogue (parsed once).
pub fn catalogue() -> &'static Catalogue {
    &CATALOGUE
}

/// Loads one scenario file's text against the embedded catalogue; the id of the scenario, or
/// every problem found.
pub fn load_scenario(file: &str, text: &str) -> Result<String, Vec<LoadError>> {
    crate::scenario::parse(file, text, catalogue()).map(|s| s.id.value)
}

/// What the stdio transport made of one stdout line.
#[derive(Debug, Clone, PartialEq)]
pub struct StdoutLine {
    /// 1-based line number.
    pub number: usize,
    /// The line's bytes (without `\n`): only a quotable prefix of an overlong line.
    pub raw: Vec<u8>,
    /// Total length of an overlong line.
    pub overlong: Option<usize>,
    /// Ended by EOF rather than a newline.
    pub unterminated: bool,
    /// The framing problem the line adds, if any.
    pub problem: Option<String>,
    /// The message the line carries (its text and value), if any.
    pub message: Option<(String, Value)>,
}

/// Frames a child's stdout as the stdio transport's reader does, `chunks` being what successive
/// reads returned (empty chunks are ignored: only EOF ends the stream).
pub fn frame_stdout<'a>(
    chunks: impl IntoIterator<Item = &'a [u8]>,
    max_line: usize,
) -> Vec<StdoutLine> {
    fn record(out: &mut Vec<StdoutLine>, line: crate::stdio::FramedLine<'_>) {
        let outcome = classify_line(&line);
        out.push(StdoutLine {
            number: line.number,
            raw: line.raw.to_vec(),
            overlong: line.overlong,
            unterminated: line.unterminated,
            problem: outcome.problem,
            message: outcome.message.map(|(t, v)| (t.to_string(), v)),
        });
    }
    let mut framer = LineFramer::new(max_line);
    let mut out = Vec::new();
    for chunk in chunks {
        let mut rest = chunk;
        // A buffered reader hands out what is left of its buffer until it is consumed.
        while !rest.is_empty() {
            let used = framer.push(rest, |line| record(&mut out, line));
            rest = &rest[used..];
        }
    }
    framer.finish(|line| record(&mut out, line));
    out
}
