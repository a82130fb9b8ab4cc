#![doc = include_str!("../../docs/net.md")]

mod error;
mod iostream;
pub(crate) mod netutil;
mod resolver;
mod sendfile;
mod stream;
mod tcpclient;
mod tcpserver;
#[cfg(feature = "tls")]
mod tls;

pub use error::{ConnectError, StreamError};
pub use iostream::{IoStream, IoStreamSettings, StreamCloseWatch};
pub use resolver::{is_valid_ip, AddressFamily, OverrideResolver, Resolver, SystemResolver};
pub(crate) use sendfile::{file_shrank, read_full_at};
pub use stream::NetStream;
#[cfg(unix)]
pub use stream::PipeStream;
pub use tcpclient::{ConnectOptions, TcpClient, HAPPY_EYEBALLS_STAGGER};
pub use tcpserver::{
    handler_fn, FnHandler, HandleStreamOutcome, TcpHandler, TcpServer, TcpServerSettings,
};
#[cfg(feature = "tls")]
pub use tls::{TlsClientConfig, TlsClientOptions};

pub use netutil::{bind_sockets, BindOptions};
#[cfg(unix)]
pub use netutil::{bind_unix_socket, bind_unix_socket_with};

pub use crate::http::server::{Listener, ServerHandle, ServerStats};
#[cfg(feature = "tls")]
pub use crate::http::TlsConfig;
