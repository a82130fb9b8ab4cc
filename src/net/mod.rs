//! Asynchronous networking (Tornado's `iostream`, `tcpserver`, `tcpclient` and `netutil`).
//!
//! # Streams
//!
//! [`IoStream`] is Tornado's buffered stream: `read_until`, `read_until_regex`, `read_bytes`,
//! `read_into`, `read_until_close`, awaitable `write`, `close`, `start_tls`, over any
//! [`NetStream`] — TCP, TLS, Unix sockets or pipes. Every read is bounded by
//! [`IoStreamSettings::max_buffer_size`], so a peer can never make it buffer without limit.
//!
//! # Clients
//!
//! [`TcpClient::connect`] resolves a host through a [`Resolver`] (the [`SystemResolver`] by
//! default, or an [`OverrideResolver`] that maps names for tests), connects with happy
//! eyeballs, and optionally speaks TLS ([`TlsClientConfig`]).
//!
//! # Examples
//!
//! ```no_run
//! use tornado::net::{ConnectOptions, TcpClient};
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let mut stream = TcpClient::new().connect("127.0.0.1", 8888, &ConnectOptions::default()).await?;
//! stream.write(&b"ping\n"[..]).await?;
//! let line = stream.read_until(b"\n", Some(1024)).await?;
//! assert_eq!(&line[..], b"ping\n");
//! # Ok(()) }
//! ```

mod error;
mod iostream;
pub(crate) mod netutil;
mod resolver;
mod stream;
mod tcpclient;
mod tcpserver;
#[cfg(feature = "tls")]
mod tls;

pub use error::{ConnectError, StreamError};
pub use iostream::{IoStream, IoStreamSettings, StreamCloseWatch};
pub use resolver::{is_valid_ip, AddressFamily, OverrideResolver, Resolver, SystemResolver};
pub use stream::NetStream;
#[cfg(unix)]
pub use stream::PipeStream;
pub use tcpclient::{ConnectOptions, TcpClient, HAPPY_EYEBALLS_STAGGER};
pub use tcpserver::{handler_fn, FnHandler, TcpHandler, TcpServer, TcpServerSettings};
#[cfg(feature = "tls")]
pub use tls::{TlsClientConfig, TlsClientOptions};

#[cfg(unix)]
pub use netutil::bind_unix_socket;
pub use netutil::{bind_sockets, BindOptions};

pub use crate::http::server::{Listener, ServerHandle, ServerStats};
#[cfg(feature = "tls")]
pub use crate::http::TlsConfig;
