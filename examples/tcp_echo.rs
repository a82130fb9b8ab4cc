//! Tornado's TCP echo demo: a `TcpServer` that sends every line back, and a `TcpClient` that
//! sends one.
//!
//! ```text
//! cargo run --example tcp_echo -- server [--port 8888] [--address 127.0.0.1]
//! cargo run --example tcp_echo -- client [--port 8888] [--address 127.0.0.1] hello there
//! ```

use std::net::SocketAddr;
use std::time::Duration;

use tornado::net::{ConnectOptions, IoStream, TcpClient, TcpHandler, TcpServer};

/// The longest line the server accepts; a longer one ends the connection.
pub const MAX_LINE: usize = 64 * 1024;

/// Echoes each line back until the client goes away.
pub struct EchoHandler;

impl TcpHandler for EchoHandler {
    fn handle_stream(
        &self,
        mut stream: IoStream,
        address: Option<SocketAddr>,
    ) -> futures_util::future::LocalBoxFuture<'static, ()> {
        Box::pin(async move {
            loop {
                let line = match stream.read_until(b"\n", Some(MAX_LINE)).await {
                    Ok(line) => line,
                    Err(e) if e.is_closed() && e.cause().is_none() => break,
                    Err(e) => {
                        tracing::warn!("{address:?}: {e}");
                        break;
                    }
                };
                tracing::info!("received {} bytes from {address:?}", line.len());
                if let Err(e) = stream.write(line).await {
                    tracing::warn!("{address:?}: {e}");
                    break;
                }
            }
        })
    }
}

/// Sends `message` and a newline to the echo server at `host:port` and returns the line that
/// comes back, without its newline.
pub async fn echo_once(
    host: &str,
    port: u16,
    message: &str,
) -> Result<String, Box<dyn std::error::Error>> {
    let options = ConnectOptions {
        timeout: Some(Duration::from_secs(10)),
        ..Default::default()
    };
    let mut stream = TcpClient::new().connect(host, port, &options).await?;
    stream.write(format!("{message}\n")).await?;
    let reply = stream.read_until(b"\n", Some(MAX_LINE + 1)).await?;
    let text = String::from_utf8_lossy(&reply[..reply.len() - 1]).into_owned();
    Ok(text)
}

struct Args {
    mode: String,
    port: u16,
    address: String,
    words: Vec<String>,
}

fn parse_args() -> Result<Args, String> {
    let mut it = std::env::args().skip(1);
    let mode = it.next().ok_or("say `server` or `client`")?;
    if mode != "server" && mode != "client" {
        return Err(format!("unknown mode {mode:?}"));
    }
    let mut args = Args {
        mode,
        port: 8888,
        address: "127.0.0.1".into(),
        words: Vec::new(),
    };
    while let Some(a) = it.next() {
        match a.as_str() {
            "--port" => {
                let v = it.next().ok_or("--port needs a value")?;
                args.port = v.parse().map_err(|e| format!("--port: {e}"))?;
            }
            "--address" => args.address = it.next().ok_or("--address needs a value")?,
            _ => args.words.push(a),
        }
    }
    Ok(args)
}

fn main() {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!(
                "tcp_echo: {e}\nusage: tcp_echo server|client [--port N] [--address A] [message…]"
            );
            std::process::exit(2);
        }
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let result: Result<(), Box<dyn std::error::Error>> =
        actix_rt::System::new().block_on(async move {
            if args.mode == "server" {
                let server = TcpServer::new(EchoHandler)
                    .listen(args.port, &args.address)?
                    .start()?;
                tracing::info!("echo server on {:?}", server.local_addrs());
                server.handle_signals();
                server.wait().await;
            } else {
                let message = if args.words.is_empty() {
                    "ping".to_string()
                } else {
                    args.words.join(" ")
                };
                println!("{}", echo_once(&args.address, args.port, &message).await?);
            }
            Ok(())
        });
    if let Err(e) = result {
        eprintln!("tcp_echo: {e}");
        std::process::exit(1);
    }
}
