//! actix-web 4 + actix-ws WebSocket echo server with one worker: text back as text, binary as
//! binary, at `/ws`. No compression (actix-ws has none).
//!
//! Usage: `peer-actix-ws [--port N]` (default 9002, address 127.0.0.1).

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use futures_util::StreamExt;

async fn ws(req: HttpRequest, body: web::Payload) -> actix_web::Result<HttpResponse> {
    let (response, mut session, stream) = actix_ws::handle(&req, body)?;
    let stream = stream.max_frame_size(64 * 1024 * 1024);
    actix_web::rt::spawn(async move {
        let mut stream = stream.aggregate_continuations().max_continuation_size(64 * 1024 * 1024);
        while let Some(Ok(msg)) = stream.next().await {
            let ok = match msg {
                actix_ws::AggregatedMessage::Text(t) => session.text(t).await.is_ok(),
                actix_ws::AggregatedMessage::Binary(b) => session.binary(b).await.is_ok(),
                actix_ws::AggregatedMessage::Ping(p) => session.pong(&p).await.is_ok(),
                actix_ws::AggregatedMessage::Pong(_) => true,
                actix_ws::AggregatedMessage::Close(reason) => {
                    let _ = session.close(reason).await;
                    return;
                }
            };
            if !ok {
                return;
            }
        }
    });
    Ok(response)
}

fn main() -> std::io::Result<()> {
    let mut port: u16 = 9002;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let v = match a.split_once('=') {
            Some((k, v)) if k == "--port" => Some(v.to_owned()),
            _ if a == "--port" => args.next(),
            _ => None,
        };
        match v.and_then(|v| v.parse().ok()) {
            Some(p) => port = p,
            None => {
                eprintln!("usage: peer-actix-ws [--port N]");
                std::process::exit(2);
            }
        }
    }
    actix_web::rt::System::new().block_on(async move {
        HttpServer::new(|| App::new().route("/ws", web::get().to(ws)))
            .workers(1)
            .bind(("127.0.0.1", port))?
            .run()
            .await
    })
}
