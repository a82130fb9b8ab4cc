//! `bind_sockets`, `bind_unix_socket`, `is_valid_ip`.

mod net_support;

use std::net::SocketAddr;

use tornado::net::{
    bind_sockets, bind_unix_socket, bind_unix_socket_with, is_valid_ip, BindOptions,
};

use net_support::temp_path;

#[test]
fn ipv4_and_ipv6_share_the_port_the_first_socket_picked() {
    let addrs: [SocketAddr; 2] = ["127.0.0.1:0".parse().unwrap(), "[::1]:0".parse().unwrap()];
    let socks = bind_sockets(&addrs[..], &BindOptions::default()).unwrap();
    assert_eq!(socks.len(), 2);
    let a = socks[0].local_addr().unwrap();
    let b = socks[1].local_addr().unwrap();
    assert!(a.is_ipv4() && b.is_ipv6());
    assert_ne!(a.port(), 0);
    assert_eq!(a.port(), b.port());
}

#[test]
fn a_taken_port_is_an_error_without_reuse_port() {
    let first = bind_sockets("127.0.0.1:0", &BindOptions::default()).unwrap();
    let port = first[0].local_addr().unwrap().port();
    let err = bind_sockets(("127.0.0.1", port), &BindOptions::default()).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::AddrInUse);
}

#[test]
fn reuse_port_lets_two_sockets_bind_one_port() {
    let options = BindOptions {
        reuse_port: true,
        ..Default::default()
    };
    let first = bind_sockets("127.0.0.1:0", &options).unwrap();
    let port = first[0].local_addr().unwrap().port();
    let second = bind_sockets(("127.0.0.1", port), &options).unwrap();
    assert_eq!(second[0].local_addr().unwrap().port(), port);
}

#[test]
fn bind_unix_socket_replaces_a_stale_socket_but_not_a_file() {
    let path = temp_path("netutil.sock");
    let first = bind_unix_socket(&path).unwrap();
    drop(first); // leaves the socket file behind
    let second = bind_unix_socket(&path).unwrap();
    drop(second);
    let _ = std::fs::remove_file(&path);

    let file = temp_path("not-a-socket");
    std::fs::write(&file, b"data").unwrap();
    let err = bind_unix_socket(&file).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::AlreadyExists);
    assert_eq!(std::fs::read(&file).unwrap(), b"data");
    let _ = std::fs::remove_file(&file);
}

#[test]
fn is_valid_ip_accepts_literals_only() {
    for good in ["127.0.0.1", "::1", "2001:db8::1", "::ffff:10.0.0.1"] {
        assert!(is_valid_ip(good), "{good}");
    }
    for bad in [
        "",
        " ",
        "localhost",
        "256.1.1.1",
        "1.2.3",
        "[::1]",
        "::1%eth0",
        "a\0b",
    ] {
        assert!(!is_valid_ip(bad), "{bad:?}");
    }
}

#[test]
fn unix_socket_files_are_owner_only_by_default() {
    use std::os::unix::fs::PermissionsExt;
    let path = temp_path("mode.sock");
    let _l = bind_unix_socket(&path).unwrap();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let other = temp_path("mode-660.sock");
    let _m = bind_unix_socket_with(&other, 0o660, 16).unwrap();
    let mode = std::fs::metadata(&other).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o660);
    let _ = std::fs::remove_file(&path);
    let _ = std::fs::remove_file(&other);
}
