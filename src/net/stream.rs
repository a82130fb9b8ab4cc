//! The byte streams an [`IoStream`](super::IoStream) runs over: TCP, Unix sockets, pipes, and
//! TLS over TCP on either side.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
#[cfg(unix)]
use tokio::net::UnixStream;

/// A connected byte stream: plain TCP, a Unix-domain socket, a pair of pipes, or TLS over TCP
/// (server or client side).
///
/// It implements tokio's [`AsyncRead`] and [`AsyncWrite`], so a protocol with a codec of its
/// own (the HTTP client, WebSockets) can drive it directly; [`IoStream`](super::IoStream) adds
/// Tornado's buffered reads on top.
#[derive(Debug)]
#[non_exhaustive]
pub enum NetStream {
    /// Plain TCP.
    Tcp(TcpStream),
    /// A Unix-domain socket.
    #[cfg(unix)]
    Unix(UnixStream),
    /// A read end and/or a write end of pipes (Tornado's `PipeIOStream`).
    #[cfg(unix)]
    Pipe(Box<PipeStream>),
    /// TLS over TCP, server side (what a TLS listener accepts).
    #[cfg(feature = "tls")]
    Tls(Box<tokio_rustls::server::TlsStream<TcpStream>>),
    /// TLS over TCP, client side (what [`TcpClient`](super::TcpClient) connects).
    #[cfg(feature = "tls")]
    TlsClient(Box<tokio_rustls::client::TlsStream<TcpStream>>),
}

impl NetStream {
    /// The peer's address (`None` for Unix sockets and pipes).
    pub fn peer_addr(&self) -> Option<SocketAddr> {
        self.tcp().and_then(|s| s.peer_addr().ok())
    }

    /// Our address (`None` for Unix sockets and pipes).
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.tcp().and_then(|s| s.local_addr().ok())
    }

    /// The TCP socket underneath, if there is one.
    pub fn tcp(&self) -> Option<&TcpStream> {
        match self {
            NetStream::Tcp(s) => Some(s),
            #[cfg(unix)]
            NetStream::Unix(_) | NetStream::Pipe(_) => None,
            #[cfg(feature = "tls")]
            NetStream::Tls(s) => Some(s.get_ref().0),
            #[cfg(feature = "tls")]
            NetStream::TlsClient(s) => Some(s.get_ref().0),
        }
    }

    /// Sets `TCP_NODELAY` where there is TCP underneath; a no-op elsewhere.
    pub fn set_nodelay(&self, on: bool) -> io::Result<()> {
        match self.tcp() {
            Some(s) => s.set_nodelay(on),
            None => Ok(()),
        }
    }

    /// `true` for TLS connections.
    pub fn is_tls(&self) -> bool {
        match self {
            #[cfg(feature = "tls")]
            NetStream::Tls(_) | NetStream::TlsClient(_) => true,
            _ => false,
        }
    }

    /// The certificate chain the TLS peer presented (the server's, or a client's when the
    /// server asked for one), leaf first; `None` without TLS or certificate.
    #[cfg(feature = "tls")]
    pub fn peer_certificates(&self) -> Option<&[rustls::pki_types::CertificateDer<'static>]> {
        match self {
            NetStream::Tls(s) => s.get_ref().1.peer_certificates(),
            NetStream::TlsClient(s) => s.get_ref().1.peer_certificates(),
            _ => None,
        }
    }

    /// The protocol the TLS handshake agreed through ALPN (`b"http/1.1"`, `b"h2"`…), if any.
    pub fn alpn_protocol(&self) -> Option<&[u8]> {
        match self {
            #[cfg(feature = "tls")]
            NetStream::Tls(s) => s.get_ref().1.alpn_protocol(),
            #[cfg(feature = "tls")]
            NetStream::TlsClient(s) => s.get_ref().1.alpn_protocol(),
            _ => None,
        }
    }
}

impl From<TcpStream> for NetStream {
    fn from(s: TcpStream) -> Self {
        NetStream::Tcp(s)
    }
}

#[cfg(unix)]
impl From<UnixStream> for NetStream {
    fn from(s: UnixStream) -> Self {
        NetStream::Unix(s)
    }
}

#[cfg(unix)]
impl From<PipeStream> for NetStream {
    fn from(s: PipeStream) -> Self {
        NetStream::Pipe(Box::new(s))
    }
}

/// One or two pipe ends used as a stream: reads come from `reader`, writes go to `writer`.
///
/// Either end may be absent (a read-only or write-only stream); using the missing one is an
/// error of kind [`io::ErrorKind::Unsupported`]. Shutting the stream down closes the write end,
/// so the reader at the other end sees end of file.
#[cfg(unix)]
#[derive(Debug, Default)]
pub struct PipeStream {
    reader: Option<tokio::net::unix::pipe::Receiver>,
    writer: Option<tokio::net::unix::pipe::Sender>,
}

#[cfg(unix)]
impl PipeStream {
    /// A stream over a read end and/or a write end.
    pub fn new(
        reader: Option<tokio::net::unix::pipe::Receiver>,
        writer: Option<tokio::net::unix::pipe::Sender>,
    ) -> PipeStream {
        PipeStream { reader, writer }
    }

    /// A stream over pipe file descriptors (Tornado's `PipeIOStream(fd)`): a child process's
    /// stdout as `reader`, its stdin as `writer`, or either alone. Each must be a pipe (FIFO);
    /// it is made non-blocking. Needs a running tokio runtime.
    ///
    /// ```no_run
    /// use std::process::{Command, Stdio};
    /// use tornado::net::{IoStream, PipeStream};
    ///
    /// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
    /// let mut child = Command::new("date").stdout(Stdio::piped()).spawn()?;
    /// let stdout = child.stdout.take().ok_or("no stdout")?;
    /// let mut stream = IoStream::new(PipeStream::from_owned_fds(Some(stdout.into()), None)?);
    /// let text = stream.read_until_close().await?;
    /// # let _ = text; Ok(()) }
    /// ```
    pub fn from_owned_fds(
        reader: Option<std::os::fd::OwnedFd>,
        writer: Option<std::os::fd::OwnedFd>,
    ) -> io::Result<PipeStream> {
        use tokio::net::unix::pipe;
        Ok(PipeStream {
            reader: reader.map(pipe::Receiver::from_owned_fd).transpose()?,
            writer: writer.map(pipe::Sender::from_owned_fd).transpose()?,
        })
    }

    /// Makes a new pipe and returns its two ends as streams: bytes written to the first are
    /// read from the second. Needs a running tokio runtime.
    pub fn pair() -> io::Result<(PipeStream, PipeStream)> {
        let (tx, rx) = tokio::net::unix::pipe::pipe()?;
        Ok((
            PipeStream::new(None, Some(tx)),
            PipeStream::new(Some(rx), None),
        ))
    }
}

#[cfg(unix)]
fn missing(end: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::Unsupported,
        format!("this pipe stream has no {end} end"),
    )
}

#[cfg(unix)]
impl AsyncRead for PipeStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut().reader.as_mut() {
            Some(r) => Pin::new(r).poll_read(cx, buf),
            None => Poll::Ready(Err(missing("read"))),
        }
    }
}

#[cfg(unix)]
impl AsyncWrite for PipeStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut().writer.as_mut() {
            Some(w) => Pin::new(w).poll_write(cx, buf),
            None => Poll::Ready(Err(missing("write"))),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut().writer.as_mut() {
            Some(w) => Pin::new(w).poll_flush(cx),
            None => Poll::Ready(Ok(())),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        // Dropping the write end closes it; a pipe has nothing else to flush.
        self.get_mut().writer = None;
        Poll::Ready(Ok(()))
    }
}

macro_rules! dispatch {
    ($self:ident, $s:ident => $e:expr) => {
        match $self.get_mut() {
            NetStream::Tcp($s) => $e,
            #[cfg(unix)]
            NetStream::Unix($s) => $e,
            #[cfg(unix)]
            NetStream::Pipe($s) => $e,
            #[cfg(feature = "tls")]
            NetStream::Tls($s) => $e,
            #[cfg(feature = "tls")]
            NetStream::TlsClient($s) => $e,
        }
    };
}

impl AsyncRead for NetStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        dispatch!(self, s => Pin::new(s).poll_read(cx, buf))
    }
}

impl AsyncWrite for NetStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        dispatch!(self, s => Pin::new(s).poll_write(cx, buf))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        dispatch!(self, s => Pin::new(s).poll_write_vectored(cx, bufs))
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            NetStream::Tcp(s) => s.is_write_vectored(),
            #[cfg(unix)]
            NetStream::Unix(s) => s.is_write_vectored(),
            #[cfg(unix)]
            NetStream::Pipe(_) => false,
            #[cfg(feature = "tls")]
            NetStream::Tls(s) => s.is_write_vectored(),
            #[cfg(feature = "tls")]
            NetStream::TlsClient(s) => s.is_write_vectored(),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        dispatch!(self, s => Pin::new(s).poll_flush(cx))
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        dispatch!(self, s => Pin::new(s).poll_shutdown(cx))
    }
}

#[cfg(test)]
mod tests {
    /// The server keeps one per connection: rare transports are boxed so the common one
    /// (TCP) sets the size.
    #[test]
    fn a_net_stream_is_no_bigger_than_tcp_plus_a_tag() {
        assert!(
            std::mem::size_of::<super::NetStream>()
                <= std::mem::size_of::<tokio::net::TcpStream>() + 8
        );
    }
}
