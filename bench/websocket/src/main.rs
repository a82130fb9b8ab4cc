//! Load generator for the websocket benchmark, on one thread.
//!
//! `ws-load echo URL CONNS SIZE SECONDS`: CONNS connections each send a binary message of SIZE
//! bytes and wait for its echo, in a loop, for SECONDS; prints `messages <n> seconds <s>`.
//!
//! `ws-load idle URL CONNS`: opens CONNS connections, prints `open <n>` and holds them until
//! standard input closes.

use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use tokio::io::AsyncReadExt;
use tokio_tungstenite::tungstenite::Message;

fn usage() -> ! {
    eprintln!("usage: ws-load echo URL CONNS SIZE SECONDS | ws-load idle URL CONNS");
    std::process::exit(2)
}

fn num(s: Option<&String>) -> u64 {
    s.and_then(|s| s.parse().ok()).unwrap_or_else(|| usage())
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let url = args.get(1).cloned().unwrap_or_else(|| usage());
    match args.first().map(String::as_str) {
        Some("echo") => {
            let conns = num(args.get(2));
            let size = num(args.get(3)) as usize;
            let seconds = num(args.get(4));
            let end = Instant::now() + Duration::from_secs(seconds);
            let mut tasks = Vec::new();
            for _ in 0..conns {
                let (mut ws, _) = match tokio_tungstenite::connect_async(&url).await {
                    Ok(c) => c,
                    Err(e) => {
                        eprintln!("connect failed: {e}");
                        std::process::exit(1)
                    }
                };
                let payload = vec![b'x'; size];
                tasks.push(tokio::spawn(async move {
                    let mut n = 0u64;
                    while Instant::now() < end {
                        if ws.send(Message::binary(payload.clone())).await.is_err() {
                            break;
                        }
                        match ws.next().await {
                            Some(Ok(Message::Binary(b))) if b.len() == size => n += 1,
                            _ => break,
                        }
                    }
                    let _ = ws.close(None).await;
                    n
                }));
            }
            let started = Instant::now();
            let mut total = 0;
            for t in tasks {
                total += t.await.unwrap_or(0);
            }
            let secs = started.elapsed().as_secs_f64().min(seconds as f64).max(0.001);
            println!("messages {total} seconds {secs:.3}");
        }
        Some("idle") => {
            let conns = num(args.get(2));
            let mut held = Vec::with_capacity(conns as usize);
            for _ in 0..conns {
                match tokio_tungstenite::connect_async(&url).await {
                    Ok((ws, _)) => held.push(ws),
                    Err(e) => {
                        eprintln!("connect failed after {}: {e}", held.len());
                        std::process::exit(1)
                    }
                }
            }
            println!("open {}", held.len());
            let mut sink = Vec::new();
            let _ = tokio::io::stdin().read_to_end(&mut sink).await;
        }
        _ => usage(),
    }
}
