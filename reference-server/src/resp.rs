//! A minimal async RESP2 client over a tokio `TcpStream`: just what the Redis task store needs
//! (commands as arrays of bulk strings; simple strings, errors, integers, bulk strings and
//! arrays as replies). Every command is bounded by [`IO_TIMEOUT`].

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt as _, AsyncReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::net::TcpStream;

/// Bound on connecting and on each command round trip.
pub const IO_TIMEOUT: Duration = Duration::from_secs(3);
/// Largest bulk string accepted from the server.
const MAX_BULK: usize = 64 * 1024 * 1024;
/// Longest header line (`+OK`, `$12`, `-ERR ...`) accepted from the server.
const MAX_LINE: usize = 64 * 1024;

/// One RESP2 reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    Simple(String),
    Error(String),
    Integer(i64),
    /// `None` is the nil bulk string (`$-1`).
    Bulk(Option<Vec<u8>>),
    /// `None` is the nil array (`*-1`, e.g. an aborted `EXEC`).
    Array(Option<Vec<Reply>>),
}

impl Reply {
    /// The reply as text (simple or bulk string).
    pub fn text(&self) -> Option<String> {
        match self {
            Reply::Simple(s) => Some(s.clone()),
            Reply::Bulk(Some(b)) => String::from_utf8(b.clone()).ok(),
            _ => None,
        }
    }
}

/// Where a `redis://HOST:PORT[/DB]` URL points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// `HOST:PORT` (port 6379 when omitted).
    pub addr: String,
    pub db: u32,
}

/// Parses `redis://HOST[:PORT][/DB]` (no credentials, no TLS).
pub fn parse_url(url: &str) -> Result<Target, String> {
    let rest = url
        .strip_prefix("redis://")
        .ok_or_else(|| format!("unsupported store URL {url:?}: expected redis://HOST:PORT"))?;
    if rest.contains('@') {
        return Err(format!(
            "unsupported store URL {url:?}: credentials are not supported"
        ));
    }
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    if authority.is_empty() {
        return Err(format!("store URL {url:?} has no host"));
    }
    let has_port = if authority.starts_with('[') {
        authority.contains("]:")
    } else {
        authority.contains(':')
    };
    let addr = if has_port {
        authority.to_string()
    } else {
        format!("{authority}:6379")
    };
    let db = match path.trim_end_matches('/') {
        "" => 0,
        n => n
            .parse()
            .map_err(|_| format!("store URL {url:?}: database must be a number"))?,
    };
    Ok(Target { addr, db })
}

/// One connection to a Redis server.
pub struct Connection {
    stream: BufReader<TcpStream>,
}

fn timeout_error(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, format!("{what} timed out"))
}

fn protocol_error(what: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.into())
}

/// RESP2 encoding of a command: an array of bulk strings.
pub fn encode(args: &[&[u8]]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for a in args {
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
    out
}

impl Connection {
    /// Connects to `target` (and selects its database).
    pub async fn connect(target: &Target) -> io::Result<Connection> {
        let stream = tokio::time::timeout(IO_TIMEOUT, TcpStream::connect(&target.addr))
            .await
            .map_err(|_| timeout_error(&format!("connecting to {}", target.addr)))??;
        let _ = stream.set_nodelay(true);
        let mut conn = Connection {
            stream: BufReader::new(stream),
        };
        if target.db != 0 {
            let db = target.db.to_string();
            if let Reply::Error(e) = conn.command(&[b"SELECT", db.as_bytes()]).await? {
                return Err(protocol_error(format!("SELECT {db}: {e}")));
            }
        }
        Ok(conn)
    }

    /// Sends one command and reads its reply (a Redis error reply is `Ok(Reply::Error)`).
    pub async fn command(&mut self, args: &[&[u8]]) -> io::Result<Reply> {
        let request = encode(args);
        let round_trip = async {
            self.stream.get_mut().write_all(&request).await?;
            self.read_reply().await
        };
        tokio::time::timeout(IO_TIMEOUT, round_trip)
            .await
            .map_err(|_| timeout_error("redis command"))?
    }

    async fn read_line(&mut self) -> io::Result<String> {
        let mut line = Vec::new();
        let n = (&mut self.stream)
            .take(MAX_LINE as u64)
            .read_until(b'\n', &mut line)
            .await?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "redis closed the connection",
            ));
        }
        if !line.ends_with(b"\r\n") {
            return Err(protocol_error("malformed RESP line"));
        }
        line.truncate(line.len() - 2);
        String::from_utf8(line).map_err(|_| protocol_error("RESP line is not UTF-8"))
    }

    fn read_reply(&mut self) -> Pin<Box<dyn Future<Output = io::Result<Reply>> + Send + '_>> {
        Box::pin(async move {
            let line = self.read_line().await?;
            let (kind, rest) = line.split_at_checked(1).unwrap_or(("", ""));
            let number = || {
                rest.parse::<i64>()
                    .map_err(|_| protocol_error(format!("bad RESP length {rest:?}")))
            };
            match kind {
                "+" => Ok(Reply::Simple(rest.to_string())),
                "-" => Ok(Reply::Error(rest.to_string())),
                ":" => Ok(Reply::Integer(number()?)),
                "$" => {
                    let len = number()?;
                    if len < 0 {
                        return Ok(Reply::Bulk(None));
                    }
                    let len = usize::try_from(len).unwrap_or(usize::MAX);
                    if len > MAX_BULK {
                        return Err(protocol_error("RESP bulk string too large"));
                    }
                    let mut buf = vec![0u8; len + 2];
                    self.stream.read_exact(&mut buf).await?;
                    if !buf.ends_with(b"\r\n") {
                        return Err(protocol_error("RESP bulk string not terminated"));
                    }
                    buf.truncate(len);
                    Ok(Reply::Bulk(Some(buf)))
                }
                "*" => {
                    let len = number()?;
                    if len < 0 {
                        return Ok(Reply::Array(None));
                    }
                    let mut items = Vec::new();
                    for _ in 0..len {
                        items.push(self.read_reply().await?);
                    }
                    Ok(Reply::Array(Some(items)))
                }
                _ => Err(protocol_error(format!("unknown RESP reply {line:?}"))),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_bulk_string_arrays() {
        assert_eq!(
            encode(&[b"SET", b"k", b"a b\r\n"]),
            b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\na b\r\n\r\n".to_vec()
        );
    }

    #[test]
    fn parses_urls() {
        assert_eq!(
            parse_url("redis://127.0.0.1:7000").unwrap(),
            Target {
                addr: "127.0.0.1:7000".into(),
                db: 0
            }
        );
        assert_eq!(parse_url("redis://h/2").unwrap().addr, "h:6379");
        assert_eq!(parse_url("redis://h:1/2").unwrap().db, 2);
        assert!(parse_url("http://h:1").is_err());
        assert!(parse_url("redis://u:p@h:1").is_err());
        assert!(parse_url("redis://").is_err());
    }

    #[tokio::test]
    async fn parses_replies_from_a_fake_server() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        tokio::spawn(async move {
            let (mut s, _) = listener.accept().await.unwrap();
            let mut buf = [0u8; 256];
            let _ = s.read(&mut buf).await;
            s.write_all(b"*5\r\n+OK\r\n-ERR no\r\n:42\r\n$-1\r\n$3\r\nabc\r\n")
                .await
                .unwrap();
            let _ = s.read(&mut buf).await;
        });
        let mut c = Connection::connect(&Target { addr, db: 0 }).await.unwrap();
        let r = c.command(&[b"PING"]).await.unwrap();
        assert_eq!(
            r,
            Reply::Array(Some(vec![
                Reply::Simple("OK".into()),
                Reply::Error("ERR no".into()),
                Reply::Integer(42),
                Reply::Bulk(None),
                Reply::Bulk(Some(b"abc".to_vec())),
            ]))
        );
    }
}
