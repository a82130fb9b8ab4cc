//! The `tcp_echo` example, exercised over real sockets.

#[allow(dead_code)]
#[path = "../examples/tcp_echo.rs"]
mod tcp_echo;

use std::time::Duration;

use tornado::net::{ConnectOptions, TcpClient, TcpServer};

#[actix_rt::test]
async fn tcp_echo_server_and_client() {
    let server = TcpServer::new(tcp_echo::EchoHandler)
        .workers(1)
        .listen(0, "127.0.0.1")
        .unwrap()
        .start()
        .unwrap();
    let port = server.local_addr().unwrap().port();
    let reply = tcp_echo::echo_once("127.0.0.1", port, "hello there")
        .await
        .unwrap();
    assert_eq!(reply, "hello there");
    server.stop(Duration::ZERO).await;
}

#[actix_rt::test]
async fn tcp_echo_server_drops_a_client_whose_line_is_too_long() {
    let server = TcpServer::new(tcp_echo::EchoHandler)
        .workers(1)
        .listen(0, "127.0.0.1")
        .unwrap()
        .start()
        .unwrap();
    let port = server.local_addr().unwrap().port();
    let mut stream = TcpClient::new()
        .connect("127.0.0.1", port, &ConnectOptions::default())
        .await
        .unwrap();
    let long = vec![b'x'; tcp_echo::MAX_LINE + 10];
    // The server may hang up before it has read it all, so the write may fail.
    let _ = stream.write(long).await;
    let rest = stream.read_until_close().await;
    assert!(rest.map_or(true, |b| b.is_empty()));
    server.stop(Duration::ZERO).await;
}
