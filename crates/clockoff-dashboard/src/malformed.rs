//! Malformed requests are answered in JSON, as every other refusal is.
//!
//! hyper refuses a request head it cannot parse (a NUL or CR in a header, two Content-Lengths
//! that disagree, a bad method or version, too many fields) with a bare status and no body,
//! and has no hook to change that answer. So each accepted connection is read through
//! [`Guarded`], which checks every request head before hyper sees it, by hyper's own rules:
//! the same parser (httparse, with hyper's limits) and hyper's checks of Content-Length and
//! Transfer-Encoding. A head hyper would refuse is replaced by `GET /.malformed/{reason}`
//! with `Connection: close`; the router answers that ([`answer`]) with hyper's status and
//! `{"error": "..."}`, after any earlier request on the connection has had its answer, and
//! hyper then closes the connection. Nothing else is changed: a head that passes, its body
//! and everything written go through as they are.
//!
//! The guard must know where each head begins. After a head with a Content-Length (or no
//! body) it counts the body and checks the next head; after Transfer-Encoding (a chunked
//! body), an upgrade or CONNECT it passes the rest of the connection through unchecked, and
//! hyper answers a malformed head later on that connection as before, with a bare status.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, Uri};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

use crate::api::error::ApiError;

/// The route a malformed head is replaced by.
pub const PATH: &str = "/.malformed/{reason}";

/// hyper's limits: header fields in a head, the request target's length, and the buffer a
/// head must fit in (its `DEFAULT_MAX_BUFFER_SIZE`).
const MAX_HEADERS: usize = 100;
const MAX_TARGET: usize = u16::MAX as usize - 1;
const MAX_HEAD: usize = 8192 + 4096 * 100;
/// The largest Content-Length hyper takes (`u64::MAX - 2`; the two above it mean "chunked"
/// and "to the end").
const MAX_LENGTH: u64 = u64::MAX - 2;
/// An HTTP/2 client's first bytes: hyper closes without an answer, and so this leaves it.
const H2_PREFACE: &[u8] = b"PRI * HTTP/2.0";
/// Read from the socket at a time (hyper's first read is as large).
const READ_SIZE: usize = 8192;

/// Why a head is refused: the status hyper gives it and the words it was missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reason {
    Line,
    HeaderName,
    HeaderValue,
    Version,
    Target,
    TargetTooLong,
    ContentLength,
    TransferEncoding,
    TooManyHeaders,
    HeadTooLarge,
}

impl Reason {
    const ALL: [Reason; 10] = [
        Reason::Line,
        Reason::HeaderName,
        Reason::HeaderValue,
        Reason::Version,
        Reason::Target,
        Reason::TargetTooLong,
        Reason::ContentLength,
        Reason::TransferEncoding,
        Reason::TooManyHeaders,
        Reason::HeadTooLarge,
    ];

    /// Its name in [`PATH`].
    fn code(self) -> &'static str {
        match self {
            Reason::Line => "line",
            Reason::HeaderName => "header-name",
            Reason::HeaderValue => "header-value",
            Reason::Version => "version",
            Reason::Target => "target",
            Reason::TargetTooLong => "target-too-long",
            Reason::ContentLength => "content-length",
            Reason::TransferEncoding => "transfer-encoding",
            Reason::TooManyHeaders => "too-many-headers",
            Reason::HeadTooLarge => "head-too-large",
        }
    }

    fn status(self) -> StatusCode {
        match self {
            Reason::TargetTooLong => StatusCode::URI_TOO_LONG,
            Reason::TooManyHeaders | Reason::HeadTooLarge => {
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE
            }
            _ => StatusCode::BAD_REQUEST,
        }
    }

    fn message(self) -> &'static str {
        match self {
            Reason::Line => {
                "malformed request: a method, path or line ending is not valid HTTP/1.1"
            }
            Reason::HeaderName => "malformed request: a header name is not a token",
            Reason::HeaderValue => {
                "malformed request: a header value holds a control character, such as NUL, CR or DEL"
            }
            Reason::Version => "malformed request: the version is not HTTP/1.0 or HTTP/1.1",
            Reason::Target => "malformed request: the path is not a valid URI",
            Reason::TargetTooLong => "malformed request: the path is longer than 65534 bytes",
            Reason::ContentLength => {
                "malformed request: Content-Length is not a number, or two disagree"
            }
            Reason::TransferEncoding => {
                "malformed request: Transfer-Encoding must end in chunked, and only in HTTP/1.1"
            }
            Reason::TooManyHeaders => "malformed request: more than 100 header fields",
            Reason::HeadTooLarge => "malformed request: the request head is too large",
        }
    }

    fn of(e: httparse::Error) -> Reason {
        match e {
            httparse::Error::HeaderName => Reason::HeaderName,
            httparse::Error::HeaderValue => Reason::HeaderValue,
            httparse::Error::Version => Reason::Version,
            httparse::Error::TooManyHeaders => Reason::TooManyHeaders,
            httparse::Error::Token | httparse::Error::NewLine | httparse::Error::Status => {
                Reason::Line
            }
        }
    }
}

/// `GET /.malformed/{reason}`: the refusal, in JSON; an unknown reason is no resource.
pub async fn answer(Path(code): Path<String>) -> ApiError {
    match Reason::ALL.into_iter().find(|r| r.code() == code) {
        Some(r) => ApiError::new(r.status(), r.message()),
        None => ApiError::new(StatusCode::NOT_FOUND, "no such resource"),
    }
}

/// The dashboard's listener: TCP, each connection read through [`Guarded`].
#[derive(Debug)]
pub struct Listener(pub TcpListener);

impl axum::serve::Listener for Listener {
    type Io = Guarded<TcpStream>;
    type Addr = std::net::SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        let (io, addr) = axum::serve::Listener::accept(&mut self.0).await;
        (Guarded::new(io), addr)
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.0.local_addr()
    }
}

/// A connection whose request heads are checked before hyper reads them.
#[derive(Debug)]
pub struct Guarded<IO> {
    io: IO,
    /// Read from `io`, not yet given to hyper.
    held: Vec<u8>,
    state: State,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// A request head comes next: held until it is whole, then checked.
    Head,
    /// This many bytes (a checked head and its body) go to hyper, then the next head.
    Forward(u64),
    /// Everything goes to hyper unchecked, to the end of the connection.
    Through,
    /// A malformed head was replaced: nothing more is read.
    Replaced,
}

/// What a head is.
#[derive(Debug, PartialEq, Eq)]
enum Head {
    Incomplete,
    /// A head of this many bytes hyper takes, and what follows it.
    Fine(usize, Body),
    Refused(Reason),
}

#[derive(Debug, PartialEq, Eq)]
enum Body {
    /// This many bytes of body, then the next head.
    Length(u64),
    /// Not counted here: the rest of the connection goes through unchecked.
    Rest,
}

impl<IO> Guarded<IO> {
    pub fn new(io: IO) -> Self {
        Guarded {
            io,
            held: Vec::new(),
            state: State::Head,
        }
    }
}

impl<IO: AsyncRead + Unpin> Guarded<IO> {
    /// Reads more into `held`; `false` at the end of the stream.
    fn fill(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<bool>> {
        let mut chunk = [0; READ_SIZE];
        let mut read = ReadBuf::new(&mut chunk);
        ready!(Pin::new(&mut self.io).poll_read(cx, &mut read))?;
        self.held.extend_from_slice(read.filled());
        Poll::Ready(Ok(!read.filled().is_empty()))
    }

    /// Gives hyper up to `limit` held bytes; how many.
    fn give(&mut self, out: &mut ReadBuf<'_>, limit: u64) -> u64 {
        let n = self
            .held
            .len()
            .min(out.remaining())
            .min(usize::try_from(limit).unwrap_or(usize::MAX));
        out.put_slice(&self.held[..n]);
        self.held.drain(..n);
        n as u64
    }
}

impl<IO: AsyncRead + Unpin> AsyncRead for Guarded<IO> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        out: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        loop {
            match this.state {
                State::Through if this.held.is_empty() => {
                    return Pin::new(&mut this.io).poll_read(cx, out);
                }
                // hyper reads on while it answers, to notice a client going away; an end
                // of stream here would drop the answer.
                State::Replaced if this.held.is_empty() => return Poll::Pending,
                State::Through | State::Replaced => {
                    this.give(out, u64::MAX);
                    return Poll::Ready(Ok(()));
                }
                State::Forward(0) => this.state = State::Head,
                State::Forward(left) if !this.held.is_empty() => {
                    this.state = State::Forward(left - this.give(out, left));
                    return Poll::Ready(Ok(()));
                }
                State::Forward(_) => {
                    if !ready!(this.fill(cx))? {
                        return Poll::Ready(Ok(()));
                    }
                }
                State::Head => match check(&this.held) {
                    Head::Incomplete => {
                        if !ready!(this.fill(cx))? {
                            // Cut off mid-head: hyper sees what came, as it would have.
                            this.state = State::Through;
                        }
                    }
                    Head::Fine(len, Body::Length(body)) => {
                        this.state = State::Forward((len as u64).saturating_add(body));
                    }
                    Head::Fine(_, Body::Rest) => this.state = State::Through,
                    Head::Refused(reason) => {
                        this.held = format!(
                            "GET /.malformed/{} HTTP/1.1\r\nconnection: close\r\n\r\n",
                            reason.code()
                        )
                        .into_bytes();
                        this.state = State::Replaced;
                    }
                },
            }
        }
    }
}

impl<IO: AsyncWrite + Unpin> AsyncWrite for Guarded<IO> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }
}

/// The head at the start of `bytes`, judged as hyper judges it (`hyper::proto::h1::role`,
/// `Server::parse`).
fn check(bytes: &[u8]) -> Head {
    let mut fields = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut req = httparse::Request::new(&mut fields);
    let len = match req.parse(bytes) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) if bytes.len() >= MAX_HEAD => {
            return Head::Refused(Reason::HeadTooLarge);
        }
        Ok(httparse::Status::Partial) => return Head::Incomplete,
        Err(_) if bytes.starts_with(H2_PREFACE) => return Head::Fine(0, Body::Rest),
        Err(e) => return Head::Refused(Reason::of(e)),
    };
    let target = req.path.unwrap_or_default();
    if target.len() > MAX_TARGET {
        return Head::Refused(Reason::TargetTooLong);
    }
    if Uri::try_from(target).is_err() {
        return Head::Refused(Reason::Target);
    }
    let http_11 = req.version == Some(1);
    let mut upgrade = req.method == Some("CONNECT");
    let (mut length, mut encoded, mut chunked) = (None, false, false);
    for field in req.headers.iter() {
        let name = field.name;
        if name.eq_ignore_ascii_case("transfer-encoding") {
            if !http_11 {
                return Head::Refused(Reason::TransferEncoding);
            }
            encoded = true;
            chunked = ends_in_chunked(field.value);
        } else if name.eq_ignore_ascii_case("content-length") {
            // hyper ignores a Content-Length after a Transfer-Encoding, and checks one before.
            if encoded {
                continue;
            }
            match digits(field.value) {
                Some(n) if length.is_none_or(|l| l == n) => length = Some(n),
                _ => return Head::Refused(Reason::ContentLength),
            }
        } else if name.eq_ignore_ascii_case("upgrade") {
            upgrade |= http_11;
        }
    }
    if encoded && !chunked {
        return Head::Refused(Reason::TransferEncoding);
    }
    if encoded || upgrade {
        return Head::Fine(len, Body::Rest);
    }
    Head::Fine(len, Body::Length(length.unwrap_or(0)))
}

/// hyper's test of a Transfer-Encoding field (the last one counts): visible ASCII whose last
/// coding is `chunked`.
fn ends_in_chunked(value: &[u8]) -> bool {
    HeaderValue::from_bytes(value).is_ok_and(|v| {
        v.to_str().is_ok_and(|text| {
            text.rsplit(',')
                .next()
                .is_some_and(|last| last.trim().eq_ignore_ascii_case("chunked"))
        })
    })
}

/// A Content-Length as hyper reads one: ASCII digits only, no sign, at most [`MAX_LENGTH`].
fn digits(value: &[u8]) -> Option<u64> {
    if value.is_empty() || !value.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(value)
        .ok()?
        .parse()
        .ok()
        .filter(|&n| n <= MAX_LENGTH)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads_are_judged_as_hyper_judges_them() {
        let fine = |head: &str, body| Head::Fine(head.len(), body);
        let ok = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
        assert_eq!(check(ok.as_bytes()), fine(ok, Body::Length(0)));
        assert_eq!(check(&ok.as_bytes()[..20]), Head::Incomplete);
        let post =
            "POST /api/v1/reports HTTP/1.1\r\nContent-Length: 12\r\ncontent-length: 12\r\n\r\n";
        assert_eq!(check(post.as_bytes()), fine(post, Body::Length(12)));
        let chunked =
            "POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: gzip, chunked\r\n\r\n";
        assert_eq!(check(chunked.as_bytes()), fine(chunked, Body::Rest));
        // A Content-Length after Transfer-Encoding is not read, as hyper does not read it.
        let after = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: x\r\n\r\n";
        assert_eq!(check(after.as_bytes()), fine(after, Body::Rest));
        let tab = b"GET / HTTP/1.1\r\nX-A: a\tb\xff\r\n\r\n";
        assert!(matches!(check(tab), Head::Fine(..)));

        for (head, reason) in [
            ("GET / HTTP/1.1\r\nX-A: a\0b\r\n\r\n", Reason::HeaderValue),
            ("GET / HTTP/1.1\r\nX-A: a\rb\r\n\r\n", Reason::HeaderValue),
            ("GET / HTTP/1.1\r\nX A: b\r\n\r\n", Reason::HeaderName),
            ("G(T / HTTP/1.1\r\n\r\n", Reason::Line),
            ("GET / HTTP/2.1\r\n\r\n", Reason::Version),
            ("GET http:/x HTTP/1.1\r\n\r\n", Reason::Target),
            (
                "POST / HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n",
                Reason::ContentLength,
            ),
            (
                "POST / HTTP/1.1\r\nContent-Length: +2\r\n\r\n",
                Reason::ContentLength,
            ),
            (
                "POST / HTTP/1.1\r\nContent-Length: 2, 2\r\n\r\n",
                Reason::ContentLength,
            ),
            (
                "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
                Reason::TransferEncoding,
            ),
            (
                "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
                Reason::TransferEncoding,
            ),
        ] {
            assert_eq!(check(head.as_bytes()), Head::Refused(reason), "{head:?}");
        }
        let many = format!("GET / HTTP/1.1\r\n{}\r\n", "X-A: b\r\n".repeat(101));
        assert_eq!(
            check(many.as_bytes()),
            Head::Refused(Reason::TooManyHeaders)
        );
        let long = format!("GET / HTTP/1.1\r\nX-A: {}", "b".repeat(MAX_HEAD));
        assert_eq!(check(long.as_bytes()), Head::Refused(Reason::HeadTooLarge));
        assert_eq!(
            check(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"),
            Head::Fine(0, Body::Rest)
        );
    }
}
