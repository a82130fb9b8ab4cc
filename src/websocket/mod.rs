//! WebSockets (Tornado's `tornado.websocket`): handler actors on the server, a client, and
//! the RFC 6455 codec underneath.
//!
//! # Server
//!
//! A WebSocket handler is an actor whose context is a [`WebSocketContext`]. Implement
//! [`WebSocketHandler`] for it and serve it with [`route`] in an `Application`: cookies, signed
//! cookies and the current user work on the handshake request as in any handler. Other actors
//! push typed messages to the socket through its address (`impl Handler<M>`), which is how a
//! chat room broadcasts.
//!
//! ```
//! use actix::{Handler, Message as ActixMessage};
//! use tornado::websocket::{self, Message, WebSocketContext, WebSocketHandler};
//!
//! #[derive(ActixMessage)]
//! #[rtype(result = "()")]
//! struct Broadcast(String);
//!
//! #[derive(Default)]
//! struct ChatSocket;
//! tornado::websocket_actor!(ChatSocket);
//!
//! impl WebSocketHandler for ChatSocket {
//!     fn open(&mut self, cx: &mut WebSocketContext<Self>) {
//!         let _ = cx.write_message("welcome");
//!     }
//!     fn on_message(&mut self, msg: Message, cx: &mut WebSocketContext<Self>) {
//!         let _ = cx.write_message(msg);
//!     }
//! }
//!
//! impl Handler<Broadcast> for ChatSocket {
//!     type Result = ();
//!     fn handle(&mut self, m: Broadcast, cx: &mut WebSocketContext<Self>) {
//!         let _ = cx.write_message(m.0);
//!     }
//! }
//!
//! let app = tornado::web::Application::builder()
//!     .route(websocket::route(r"/chat", ChatSocket::default))
//!     .build();
//! # let _ = app;
//! ```
//!
//! # Protocol choices
//!
//! - Unmasked frames from a client are refused (close 1002), as RFC 6455 §5.1 requires; there
//!   is no switch to accept them.
//! - Text is validated as UTF-8 as each fragment arrives (close 1007 at the first bad byte);
//!   invalid close codes are answered with 1002; a message over `max_message_size` (counted
//!   after decompression) with 1009.
//! - Writes are bounded: reading from a peer pauses while more than `write_high_water` bytes
//!   wait for it, and a peer that does not read is dropped after `write_timeout` or when
//!   `max_write_buffer_size` is reached. See [`WebSocketSettings`].

mod client;
pub mod codec;
mod conn;
mod context;
mod error;
mod handler;
mod handshake;
mod settings;

pub use client::{websocket_connect, WebSocketClientConnection, WebSocketConnectOptions};
pub use codec::{CloseFrame, CompressionOptions, Message};
pub use conn::Drain;
pub use context::WebSocketContext;
pub use error::WebSocketError;
pub use handler::{route, route_with, WebSocketHandler};
pub use handshake::{accept_key, same_origin};
pub use settings::WebSocketSettings;
