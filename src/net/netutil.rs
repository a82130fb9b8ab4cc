//! Binding listening sockets (Tornado's `netutil.bind_sockets` and `bind_unix_socket`).

use std::io;
use std::net::{SocketAddr, TcpListener, ToSocketAddrs};

use socket2::{Domain, Protocol, Socket, Type};

/// Options for [`bind_sockets`].
#[derive(Debug, Clone, Copy)]
pub struct BindOptions {
    /// Listen backlog. Default: 128 (Tornado's).
    pub backlog: i32,
    /// Set `SO_REUSEPORT`, so other sockets (other processes) may bind the same port.
    /// Default: off.
    pub reuse_port: bool,
}

impl Default for BindOptions {
    fn default() -> Self {
        BindOptions {
            backlog: 128,
            reuse_port: false,
        }
    }
}

/// Binds a listening TCP socket on every address `addr` resolves to (IPv4 and IPv6), all on
/// the same port: with port 0 the first socket picks a free port and the rest reuse it.
///
/// `SO_REUSEADDR` is set; IPv6 sockets are IPv6-only so that `0.0.0.0` and `::` can both be bound.
///
/// ```
/// let socks = tornado::net::bind_sockets("127.0.0.1:0", &Default::default()).unwrap();
/// assert!(socks[0].local_addr().unwrap().port() > 0);
/// ```
pub fn bind_sockets(
    addr: impl ToSocketAddrs,
    options: &BindOptions,
) -> io::Result<Vec<TcpListener>> {
    let mut out = Vec::new();
    let mut port = None;
    let mut seen = Vec::new();
    for mut a in addr.to_socket_addrs()? {
        if seen.contains(&a) {
            continue;
        }
        seen.push(a);
        if a.port() == 0 {
            if let Some(p) = port {
                a.set_port(p);
            }
        }
        let listener = bind_one(a, options)?;
        port.get_or_insert(listener.local_addr()?.port());
        out.push(listener);
    }
    if out.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "address resolved to nothing",
        ));
    }
    Ok(out)
}

fn bind_one(addr: SocketAddr, options: &BindOptions) -> io::Result<TcpListener> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    if addr.is_ipv6() {
        socket.set_only_v6(true)?;
    }
    #[cfg(unix)]
    socket.set_reuse_address(true)?;
    #[cfg(all(unix, not(any(target_os = "solaris", target_os = "illumos"))))]
    if options.reuse_port {
        socket.set_reuse_port(true)?;
    }
    socket.set_nonblocking(true)?;
    socket.bind(&addr.into())?;
    socket.listen(options.backlog)?;
    Ok(socket.into())
}

/// Binds a listening Unix-domain socket at `path` (Tornado's `bind_unix_socket`), replacing a
/// stale socket file there (but never another kind of file). The socket file gets mode `0o600`
/// (only its owner may connect) and the backlog is 128, Tornado's defaults; see
/// [`bind_unix_socket_with`] for others.
#[cfg(unix)]
pub fn bind_unix_socket(
    path: impl AsRef<std::path::Path>,
) -> io::Result<std::os::unix::net::UnixListener> {
    bind_unix_socket_with(path, 0o600, BindOptions::default().backlog)
}

/// [`bind_unix_socket`] with a file mode and backlog of your choice. The mode is set before
/// the socket listens, so no connection is accepted under looser permissions.
#[cfg(unix)]
pub fn bind_unix_socket_with(
    path: impl AsRef<std::path::Path>,
    mode: u32,
    backlog: i32,
) -> io::Result<std::os::unix::net::UnixListener> {
    use std::os::unix::fs::{FileTypeExt, PermissionsExt};
    let path = path.as_ref();
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_socket() => std::fs::remove_file(path)?,
        Ok(_) => {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                format!("{} exists and is not a socket", path.display()),
            ))
        }
        Err(_) => {}
    }
    let socket = Socket::new(Domain::UNIX, Type::STREAM, None)?;
    socket.bind(&socket2::SockAddr::unix(path)?)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))?;
    socket.listen(backlog)?;
    socket.set_nonblocking(true)?;
    Ok(socket.into())
}
