//! The client's one path to a new connection.

use std::net::{IpAddr, SocketAddr};
use std::time::Instant;

use super::url::Url;
use super::{ErrorKind, HttpClientError};

/// The byte stream a client connection runs over.
pub(crate) type Transport = tokio::net::TcpStream;

/// Connects to `url`'s origin before `deadline`, from `source` when given.
pub(crate) async fn connect(
    url: &Url,
    resolve: &(dyn Fn(&str, u16) -> (String, u16) + Send + Sync),
    source: Option<IpAddr>,
    deadline: Option<Instant>,
) -> Result<Transport, HttpClientError> {
    let (host, port) = resolve(&url.host, url.port());
    let work = async {
        let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), port))
            .await
            .map_err(|e| {
                HttpClientError::new(ErrorKind::Connect, format!("cannot resolve {host}"))
                    .with_source(e)
            })?
            .collect();
        let mut last = None;
        for addr in addrs {
            let socket = if addr.is_ipv4() {
                tokio::net::TcpSocket::new_v4()
            } else {
                tokio::net::TcpSocket::new_v6()
            };
            let attempt = async {
                let socket = socket?;
                if let Some(ip) = source {
                    socket.bind(SocketAddr::new(ip, 0))?;
                }
                socket.connect(addr).await
            };
            match attempt.await {
                Ok(stream) => {
                    let _ = stream.set_nodelay(true);
                    return Ok(stream);
                }
                Err(e) => last = Some(e),
            }
        }
        let e = last.unwrap_or_else(|| std::io::Error::other("no address"));
        Err(HttpClientError::new(
            ErrorKind::Connect,
            format!("cannot connect to {host}:{port}"),
        )
        .with_source(e))
    };
    match deadline {
        None => work.await,
        Some(d) => match tokio::time::timeout_at(d.into(), work).await {
            Ok(r) => r,
            Err(_) => Err(HttpClientError::new(
                ErrorKind::Timeout,
                format!("Timeout while connecting to {host}:{port}"),
            )),
        },
    }
}
