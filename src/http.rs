//! HTTP/1.1, as much of it as the dashboard needs: requests read with `httparse`, responses and
//! server-sent events written into a connection's output buffer.
//!
//! Chapter: [docs/18-watching-the-loop.md](../docs/18-watching-the-loop.md).
//!
//! The loop hands a handler every byte a connection has sent and not yet consumed, so parsing
//! is resumable the same way RESP's is: [`parse`] either finds a whole request head and says
//! how many bytes it took, or says [`Parsed::Incomplete`] and consumes nothing, and the loop
//! hands the same bytes back, with more after them, when they arrive. What bounds memory is
//! [`MAX_HEAD`]: a head still incomplete at that size is an error, never a bigger buffer.
//!
//! Requests have no body here (the dashboard only answers `GET` and `HEAD`). A request that
//! announces one gets its answer and the connection is closed after it, rather than reading
//! and throwing away a body of whatever size it claims.

use std::fmt::Write as _;

/// Largest request head (request line and headers) accepted; larger is
/// `431 Request Header Fields Too Large`.
pub const MAX_HEAD: usize = 8 * 1024;
/// Most headers in one request.
pub const MAX_HEADERS: usize = 32;

/// One request head.
#[derive(Debug)]
pub struct Request<'a> {
    pub method: &'a str,
    /// The path, without the query string.
    pub path: &'a str,
    /// The connection stays open after the response (HTTP/1.1 unless `Connection: close`;
    /// HTTP/1.0 only with `Connection: keep-alive`).
    pub keep_alive: bool,
    /// The `Authorization` header's value, if any.
    pub authorization: Option<&'a [u8]>,
    /// The request announces a body (`Content-Length` > 0, or `Transfer-Encoding`), which is
    /// never read: the connection closes after the response.
    pub has_body: bool,
}

/// What [`parse`] found at the start of the input.
#[derive(Debug)]
pub enum Parsed<'a> {
    /// Not a whole head yet: wait for more bytes.
    Incomplete,
    /// A whole head of `consumed` bytes.
    Request {
        request: Request<'a>,
        consumed: usize,
    },
}

/// A request that cannot be served; answered with [`Error::status`], then the connection
/// closes (after a malformed head nothing that follows can be trusted to start a request).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    /// Not HTTP, or not well-formed (`400`).
    Malformed,
    /// The head is longer than [`MAX_HEAD`], or has more than [`MAX_HEADERS`] headers (`431`).
    TooLarge,
}

impl Error {
    pub fn status(self) -> Status {
        match self {
            Error::Malformed => Status::BAD_REQUEST,
            Error::TooLarge => Status::HEADERS_TOO_LARGE,
        }
    }
}

/// Parse the request head at the start of `input`.
pub fn parse(input: &[u8]) -> Result<Parsed<'_>, Error> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut request = httparse::Request::new(&mut headers);
    let status = match request.parse(input) {
        Ok(status) => status,
        Err(httparse::Error::TooManyHeaders) => return Err(Error::TooLarge),
        Err(_) => return Err(Error::Malformed),
    };
    let consumed = match status {
        httparse::Status::Complete(consumed) if consumed <= MAX_HEAD => consumed,
        httparse::Status::Complete(_) => return Err(Error::TooLarge),
        httparse::Status::Partial if input.len() >= MAX_HEAD => return Err(Error::TooLarge),
        httparse::Status::Partial => return Ok(Parsed::Incomplete),
    };
    let (Some(method), Some(target), Some(version)) =
        (request.method, request.path, request.version)
    else {
        return Err(Error::Malformed);
    };
    let mut keep_alive = version == 1;
    let mut authorization = None;
    let mut has_body = false;
    for header in request.headers.iter() {
        let name = header.name;
        if name.eq_ignore_ascii_case("connection") {
            for token in header.value.split(|&b| b == b',') {
                let token = token.trim_ascii();
                if token.eq_ignore_ascii_case(b"close") {
                    keep_alive = false;
                } else if token.eq_ignore_ascii_case(b"keep-alive") {
                    keep_alive = true;
                }
            }
        } else if name.eq_ignore_ascii_case("authorization") {
            authorization = Some(header.value);
        } else if name.eq_ignore_ascii_case("content-length") {
            let length = std::str::from_utf8(header.value)
                .ok()
                .and_then(|v| v.trim().parse::<u64>().ok())
                .ok_or(Error::Malformed)?;
            has_body |= length > 0;
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            has_body = true;
        }
    }
    let path = target.split('?').next().unwrap_or(target);
    Ok(Parsed::Request {
        request: Request {
            method,
            path,
            keep_alive: keep_alive && !has_body,
            authorization,
            has_body,
        },
        consumed,
    })
}

/// A status line's code and reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Status(pub u16, pub &'static str);

impl Status {
    pub const OK: Status = Status(200, "OK");
    pub const BAD_REQUEST: Status = Status(400, "Bad Request");
    pub const UNAUTHORIZED: Status = Status(401, "Unauthorized");
    pub const FORBIDDEN: Status = Status(403, "Forbidden");
    pub const NOT_FOUND: Status = Status(404, "Not Found");
    pub const METHOD_NOT_ALLOWED: Status = Status(405, "Method Not Allowed");
    pub const REQUEST_TIMEOUT: Status = Status(408, "Request Timeout");
    pub const HEADERS_TOO_LARGE: Status = Status(431, "Request Header Fields Too Large");
}

/// One whole response with a `Content-Length`, so the connection can carry the next one.
pub struct Response<'a> {
    pub status: Status,
    pub content_type: &'a str,
    pub body: &'a [u8],
    /// Extra header lines, each without its CRLF (`Allow: GET, HEAD`).
    pub headers: &'a [&'a str],
    pub keep_alive: bool,
    /// A `HEAD` request: the headers a `GET` would get, without the body.
    pub head_only: bool,
}

impl Response<'_> {
    /// Append the response to `out`.
    pub fn write(&self, out: &mut Vec<u8>) {
        let mut head = String::with_capacity(256);
        let Status(code, reason) = self.status;
        // Writing to a String cannot fail.
        let _ = write!(
            head,
            "HTTP/1.1 {code} {reason}\r\nContent-Type: {}\r\nContent-Length: {}\r\n\
             Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n",
            self.content_type,
            self.body.len()
        );
        for header in self.headers {
            head.push_str(header);
            head.push_str("\r\n");
        }
        head.push_str(if self.keep_alive {
            "Connection: keep-alive\r\n\r\n"
        } else {
            "Connection: close\r\n\r\n"
        });
        out.extend_from_slice(head.as_bytes());
        if !self.head_only {
            out.extend_from_slice(self.body);
        }
    }
}

/// A short plain-text response (an error page).
pub fn text(out: &mut Vec<u8>, status: Status, headers: &[&str], keep_alive: bool) {
    let body = format!("{} {}\n", status.0, status.1);
    Response {
        status,
        content_type: "text/plain; charset=utf-8",
        body: body.as_bytes(),
        headers,
        keep_alive,
        head_only: false,
    }
    .write(out);
}

/// The head of a server-sent event stream: no length, the connection carries the stream until
/// either side closes it.
pub fn start_event_stream(out: &mut Vec<u8>) {
    out.extend_from_slice(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\n\
          X-Content-Type-Options: nosniff\r\nConnection: keep-alive\r\n\r\n",
    );
}

/// Append one event whose data is `data` (one line: JSON without newlines).
pub fn event(out: &mut Vec<u8>, data: &[u8]) {
    debug_assert!(!data.contains(&b'\n'));
    out.extend_from_slice(b"data: ");
    out.extend_from_slice(data);
    out.extend_from_slice(b"\n\n");
}

#[cfg(test)]
mod tests {
    use crate::http::*;

    fn request(input: &[u8]) -> (Request<'_>, usize) {
        match parse(input) {
            Ok(Parsed::Request { request, consumed }) => (request, consumed),
            other => panic!("expected a request, got {other:?}"),
        }
    }

    #[test]
    fn a_head_in_pieces_is_incomplete_until_its_blank_line() {
        let whole = b"GET /events?x=1 HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\n";
        let end = whole.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
        for cut in 0..end {
            assert!(
                matches!(parse(&whole[..cut]), Ok(Parsed::Incomplete)),
                "{cut}"
            );
        }
        let (req, consumed) = request(whole);
        assert_eq!((req.method, req.path, consumed), ("GET", "/events", end));
        assert!(req.keep_alive && !req.has_body);
    }

    #[test]
    fn keep_alive_follows_the_version_and_the_connection_header() {
        assert!(!request(b"GET / HTTP/1.0\r\n\r\n").0.keep_alive);
        assert!(
            request(b"GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n")
                .0
                .keep_alive
        );
        assert!(
            !request(b"GET / HTTP/1.1\r\nConnection: upgrade, close\r\n\r\n")
                .0
                .keep_alive
        );
    }

    #[test]
    fn a_body_is_never_read_and_ends_the_connection() {
        let (req, _) = request(b"POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello");
        assert!(req.has_body && !req.keep_alive);
        let (req, _) = request(b"GET / HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
        assert!(!req.has_body && req.keep_alive);
        assert_eq!(
            parse(b"GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n").unwrap_err(),
            Error::Malformed
        );
    }

    #[test]
    fn garbage_and_oversized_heads_are_errors() {
        assert_eq!(parse(b"PING\r\n\r\n").unwrap_err(), Error::Malformed);
        assert_eq!(
            parse(b"GET / HTTP/1.1\r\nBad Header\r\n\r\n").unwrap_err(),
            Error::Malformed
        );
        let mut long = b"GET / HTTP/1.1\r\nX: ".to_vec();
        long.resize(MAX_HEAD, b'a');
        assert_eq!(parse(&long).unwrap_err(), Error::TooLarge);
        let mut many = b"GET / HTTP/1.1\r\n".to_vec();
        for i in 0..=MAX_HEADERS {
            many.extend_from_slice(format!("X-{i}: y\r\n").as_bytes());
        }
        many.extend_from_slice(b"\r\n");
        assert_eq!(parse(&many).unwrap_err(), Error::TooLarge);
    }

    #[test]
    fn responses_carry_their_length_and_head_omits_the_body() {
        let mut out = Vec::new();
        let mut response = Response {
            status: Status::OK,
            content_type: "text/html",
            body: b"<p>hi</p>",
            headers: &["Allow: GET, HEAD"],
            keep_alive: true,
            head_only: false,
        };
        response.write(&mut out);
        let text = String::from_utf8(out.clone()).unwrap();
        assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{text}");
        assert!(text.contains("Content-Length: 9\r\n") && text.contains("Allow: GET, HEAD\r\n"));
        assert!(text.ends_with("Connection: keep-alive\r\n\r\n<p>hi</p>"));
        out.clear();
        response.head_only = true;
        response.write(&mut out);
        assert!(out.ends_with(b"\r\n\r\n") && !out.ends_with(b"</p>"));
    }
}
