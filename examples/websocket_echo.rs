//! A WebSocket echo server: `cargo run --example websocket_echo -- --port 9001`, then connect
//! to `ws://127.0.0.1:9001/ws`. Text comes back as text, binary as binary, and
//! permessage-deflate is offered. This is the server the Autobahn|Testsuite runs
//! (`scripts/autobahn.sh`) and the echo benchmark (`bench/websocket/`) use.

mod common;

use tornado::web::Application;
use tornado::websocket::{
    self, CompressionOptions, Message, WebSocketContext, WebSocketHandler, WebSocketSettings,
};

/// Echoes every message.
#[derive(Default)]
pub struct EchoSocket;
tornado::websocket_actor!(EchoSocket);

impl WebSocketHandler for EchoSocket {
    fn get_compression_options(&self) -> Option<CompressionOptions> {
        Some(CompressionOptions::default())
    }

    fn on_message(&mut self, msg: Message, cx: &mut WebSocketContext<Self>) {
        // A closing connection refuses writes; nothing to do about that here.
        let _ = cx.write_message(msg);
    }
}

/// The echo application: `/ws`, accepting messages up to 64 MiB (the conformance suite
/// sends 16 MiB ones).
pub fn make_app() -> Application {
    let settings = WebSocketSettings {
        max_message_size: 64 * 1024 * 1024,
        max_write_buffer_size: 128 * 1024 * 1024,
        ..Default::default()
    };
    match Application::builder()
        .route(websocket::route_with(r"/ws", settings, EchoSocket::default))
        .build()
    {
        Ok(app) => app,
        Err(e) => panic!("the echo route is valid: {e}"),
    }
}

fn main() -> std::io::Result<()> {
    let args = common::parse_args("websocket_echo");
    common::init_logging(&args.logging);
    common::serve(args, make_app)
}
