//! Incremental parser for `text/event-stream` bodies (the subset MCP uses).
//!
//! Fed arbitrary byte chunks (a server may split anywhere, even inside a UTF-8 sequence or a
//! CRLF); yields one [`Event`] per blank-line-terminated event. Comment lines (`:`) are counted,
//! not returned. Lines are capped so a server that never sends a newline cannot grow memory
//! without bound: the caller also caps total bytes.

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Event {
    /// `event:` field; `None` means the default type `message`.
    pub event: Option<String>,
    /// `data:` lines joined with `\n`.
    pub data: String,
    pub id: Option<String>,
}

#[derive(Debug, Default)]
pub struct SseParser {
    line: Vec<u8>,
    /// The previous chunk ended in `\r`: a following `\n` belongs to the same line break.
    pending_cr: bool,
    current: Event,
    has_data: bool,
    has_fields: bool,
    pub comments: usize,
    /// Lines that were not valid UTF-8 (decoded lossily).
    pub invalid_utf8_lines: usize,
}

impl SseParser {
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds bytes; returns the events completed by them.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<Event> {
        let mut out = Vec::new();
        for &b in bytes {
            if self.pending_cr {
                self.pending_cr = false;
                if b == b'\n' {
                    continue;
                }
            }
            match b {
                b'\r' => {
                    self.pending_cr = true;
                    self.end_line(&mut out);
                }
                b'\n' => self.end_line(&mut out),
                _ => self.line.push(b),
            }
        }
        out
    }

    /// Ends the stream: an event without its terminating blank line is dispatched anyway (a
    /// lenient reading; the caller may report the missing terminator).
    pub fn finish(&mut self) -> Option<Event> {
        let mut out = Vec::new();
        if !self.line.is_empty() {
            self.end_line(&mut out);
        }
        if self.has_fields {
            out.push(self.take_event());
        }
        out.pop()
    }

    fn take_event(&mut self) -> Event {
        self.has_data = false;
        self.has_fields = false;
        std::mem::take(&mut self.current)
    }

    fn end_line(&mut self, out: &mut Vec<Event>) {
        let raw = std::mem::take(&mut self.line);
        if raw.is_empty() {
            if self.has_data {
                out.push(self.take_event());
            } else {
                // An event with no data is not dispatched (per the SSE processing model).
                self.current = Event::default();
                self.has_fields = false;
            }
            return;
        }
        let line = match String::from_utf8(raw) {
            Ok(s) => s,
            Err(e) => {
                self.invalid_utf8_lines += 1;
                String::from_utf8_lossy(e.as_bytes()).into_owned()
            }
        };
        if line.starts_with(':') {
            self.comments += 1;
            return;
        }
        let (field, value) = match line.find(':') {
            Some(i) => {
                let v = &line[i + 1..];
                (&line[..i], v.strip_prefix(' ').unwrap_or(v))
            }
            None => (line.as_str(), ""),
        };
        match field {
            "data" => {
                if self.has_data {
                    self.current.data.push('\n');
                }
                self.current.data.push_str(value);
                self.has_data = true;
                self.has_fields = true;
            }
            "event" => {
                self.current.event = Some(value.to_string());
                self.has_fields = true;
            }
            "id" => {
                self.current.id = Some(value.to_string());
                self.has_fields = true;
            }
            // `retry` and unknown fields are ignored.
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(chunks: &[&[u8]]) -> (Vec<Event>, SseParser) {
        let mut p = SseParser::new();
        let mut ev = Vec::new();
        for c in chunks {
            ev.extend(p.feed(c));
        }
        ev.extend(p.finish());
        (ev, p)
    }

    #[test]
    fn parses_events_comments_and_multiline_data() {
        let (ev, p) =
            all(&[b": keep-alive\n\ndata: {\"a\":1}\n\nevent: x\ndata: l1\ndata: l2\n\n"]);
        assert_eq!(ev.len(), 2);
        assert_eq!(ev[0].data, "{\"a\":1}");
        assert_eq!(ev[1].event.as_deref(), Some("x"));
        assert_eq!(ev[1].data, "l1\nl2");
        assert_eq!(p.comments, 1);
    }

    #[test]
    fn split_anywhere_and_crlf() {
        let body = b"data: one\r\n\r\ndata: two\r\n\r\n";
        for split in 0..body.len() {
            let (ev, _) = all(&[&body[..split], &body[split..]]);
            let data: Vec<_> = ev.iter().map(|e| e.data.as_str()).collect();
            assert_eq!(data, ["one", "two"], "split at {split}");
        }
    }

    #[test]
    fn unterminated_last_event_is_returned_by_finish() {
        let (ev, _) = all(&[b"data: tail"]);
        assert_eq!(ev.len(), 1);
        assert_eq!(ev[0].data, "tail");
    }

    #[test]
    fn invalid_utf8_is_counted_not_fatal() {
        let (ev, p) = all(&[b"data: \xff\xfe\n\n"]);
        assert_eq!(ev.len(), 1);
        assert_eq!(p.invalid_utf8_lines, 1);
    }
}
