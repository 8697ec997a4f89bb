//! Helpers shared by the fuzz targets in `fuzz_targets/`.

use libfuzzer_sys::arbitrary;

/// A byte stream and where a transport cut it into chunks.
///
/// Input layout (so that seed files stay readable): byte 0 holds the number of cuts in its
/// low 4 bits and a target-specific option in its high 4 bits; byte 1 is a second option;
/// then 2 bytes (little endian) per cut position (taken modulo the body length + 1); the rest
/// is the body. A seed file that starts with two zero bytes holds the stream as-is after them
/// (no cuts, default options).
#[derive(Debug, Clone)]
pub struct Chunked<'a> {
    /// High 4 bits of byte 0.
    pub option: u8,
    /// Byte 1.
    pub option2: u8,
    pub body: &'a [u8],
    /// Sorted, distinct cut positions strictly inside the body.
    pub cuts: Vec<usize>,
}

impl<'a> Chunked<'a> {
    pub fn parse(data: &'a [u8]) -> Option<Chunked<'a>> {
        let (&head, rest) = data.split_first()?;
        let (&option2, rest) = rest.split_first()?;
        let count = usize::from(head & 0x0f);
        let (raw_cuts, body) = rest.split_at_checked(count * 2)?;
        let mut cuts: Vec<usize> = raw_cuts
            .chunks_exact(2)
            .map(|c| usize::from(u16::from_le_bytes([c[0], c[1]])) % (body.len() + 1))
            .filter(|&c| c > 0 && c < body.len())
            .collect();
        cuts.sort_unstable();
        cuts.dedup();
        Some(Chunked {
            option: head >> 4,
            option2,
            body,
            cuts,
        })
    }

    /// The body cut at [`Chunked::cuts`].
    pub fn chunks(&self) -> Vec<&'a [u8]> {
        let mut out = Vec::with_capacity(self.cuts.len() + 1);
        let mut start = 0;
        for &c in &self.cuts {
            out.push(&self.body[start..c]);
            start = c;
        }
        out.push(&self.body[start..]);
        out
    }

    /// The body one byte at a time (every possible cut at once).
    pub fn bytes(&self) -> Vec<&'a [u8]> {
        self.body.chunks(1).collect()
    }
}

/// A reader that returns at most one chunk per `read` call (a pipe delivering writes).
pub struct ChunkReader<'a> {
    chunks: std::collections::VecDeque<&'a [u8]>,
}

impl<'a> ChunkReader<'a> {
    pub fn new(chunks: Vec<&'a [u8]>) -> Self {
        ChunkReader {
            chunks: chunks.into_iter().filter(|c| !c.is_empty()).collect(),
        }
    }
}

impl std::io::Read for ChunkReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let Some(chunk) = self.chunks.pop_front() else {
            return Ok(0);
        };
        let n = chunk.len().min(buf.len());
        buf[..n].copy_from_slice(&chunk[..n]);
        if n < chunk.len() {
            self.chunks.push_front(&chunk[n..]);
        }
        Ok(n)
    }
}

/// Lines of `body` as newline-delimited framing defines them: split at `\n`, a final segment
/// without `\n` counts only when non-empty.
pub fn model_lines(body: &[u8]) -> Vec<&[u8]> {
    let mut lines: Vec<&[u8]> = body.split(|&b| b == b'\n').collect();
    if lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    lines
}

/// One fuzz-chosen edit of a string, applied to its characters.
#[derive(Debug, Clone, arbitrary::Arbitrary)]
pub enum Edit {
    Insert {
        at: u16,
        ch: char,
    },
    Delete {
        at: u16,
    },
    Replace {
        at: u16,
        ch: char,
    },
    Truncate {
        at: u16,
    },
    /// Appends a copy of the characters `at..at+len`.
    Repeat {
        at: u16,
        len: u8,
    },
    /// Swaps two characters.
    Swap {
        a: u16,
        b: u16,
    },
}

impl Edit {
    pub fn apply(&self, s: &mut Vec<char>) {
        let pos = |at: u16, len: usize| usize::from(at) % (len + 1);
        match *self {
            Edit::Insert { at, ch } => {
                let i = pos(at, s.len());
                s.insert(i, ch);
            }
            Edit::Delete { at } if !s.is_empty() => {
                let i = pos(at, s.len() - 1);
                s.remove(i);
            }
            Edit::Replace { at, ch } if !s.is_empty() => {
                let i = pos(at, s.len() - 1);
                s[i] = ch;
            }
            Edit::Truncate { at } => {
                let i = pos(at, s.len());
                s.truncate(i);
            }
            Edit::Repeat { at, len } if !s.is_empty() => {
                let i = pos(at, s.len() - 1);
                let end = (i + usize::from(len)).min(s.len());
                let copy: Vec<char> = s[i..end].to_vec();
                s.extend(copy);
            }
            Edit::Swap { a, b } if !s.is_empty() => {
                let (a, b) = (pos(a, s.len() - 1), pos(b, s.len() - 1));
                s.swap(a, b);
            }
            _ => {}
        }
    }
}

/// `text` with `edits` applied in order.
pub fn edited(text: &str, edits: &[Edit]) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for e in edits {
        e.apply(&mut chars);
    }
    chars.into_iter().collect()
}

/// Splits `data` at its first `N` newlines into `N` text fields (lossily decoded; missing
/// fields are empty) and the binary tail after the `N`-th newline, so that seed files can be
/// written as text: one field per line, then optional bytes for `arbitrary`.
pub fn fields<const N: usize>(data: &[u8]) -> ([String; N], &[u8]) {
    let mut rest = data;
    let fields = std::array::from_fn(|_| {
        let (field, tail) = match rest.iter().position(|&b| b == b'\n') {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, &rest[rest.len()..]),
        };
        rest = tail;
        String::from_utf8_lossy(field).into_owned()
    });
    (fields, rest)
}
