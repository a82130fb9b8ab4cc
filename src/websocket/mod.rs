//! WebSockets (Tornado's `tornado.websocket`).
pub mod codec;
