//! The transports a server connection can run over.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
#[cfg(unix)]
use tokio::net::UnixStream;

/// A server-side connection's byte stream: TCP, a Unix socket, or TLS over TCP.
#[derive(Debug)]
#[non_exhaustive]
pub enum ServerStream {
    /// Plain TCP.
    Tcp(TcpStream),
    /// A Unix-domain socket.
    #[cfg(unix)]
    Unix(UnixStream),
    /// TLS over TCP.
    #[cfg(feature = "tls")]
    Tls(Box<tokio_rustls::server::TlsStream<TcpStream>>),
}

impl ServerStream {
    /// The peer's address (`None` for Unix sockets).
    pub fn peer_addr(&self) -> Option<SocketAddr> {
        match self {
            ServerStream::Tcp(s) => s.peer_addr().ok(),
            #[cfg(unix)]
            ServerStream::Unix(_) => None,
            #[cfg(feature = "tls")]
            ServerStream::Tls(s) => s.get_ref().0.peer_addr().ok(),
        }
    }

    /// Sets `TCP_NODELAY` where there is TCP underneath.
    pub fn set_nodelay(&self, on: bool) -> io::Result<()> {
        match self {
            ServerStream::Tcp(s) => s.set_nodelay(on),
            #[cfg(unix)]
            ServerStream::Unix(_) => Ok(()),
            #[cfg(feature = "tls")]
            ServerStream::Tls(s) => s.get_ref().0.set_nodelay(on),
        }
    }

    /// `true` for TLS connections.
    pub fn is_tls(&self) -> bool {
        match self {
            #[cfg(feature = "tls")]
            ServerStream::Tls(_) => true,
            _ => false,
        }
    }
}

macro_rules! dispatch {
    ($self:ident, $s:ident => $e:expr) => {
        match $self.get_mut() {
            ServerStream::Tcp($s) => $e,
            #[cfg(unix)]
            ServerStream::Unix($s) => $e,
            #[cfg(feature = "tls")]
            ServerStream::Tls($s) => $e,
        }
    };
}

impl AsyncRead for ServerStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        dispatch!(self, s => Pin::new(s).poll_read(cx, buf))
    }
}

impl AsyncWrite for ServerStream {
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
            ServerStream::Tcp(s) => s.is_write_vectored(),
            #[cfg(unix)]
            ServerStream::Unix(s) => s.is_write_vectored(),
            #[cfg(feature = "tls")]
            ServerStream::Tls(s) => s.is_write_vectored(),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        dispatch!(self, s => Pin::new(s).poll_flush(cx))
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        dispatch!(self, s => Pin::new(s).poll_shutdown(cx))
    }
}
