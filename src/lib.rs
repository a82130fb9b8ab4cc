//! # tornado
//!
//! A Rust implementation of [Tornado](https://www.tornadoweb.org)'s web framework and
//! asynchronous networking library, built as an actor system on [`actix`].
//!
//! The module map follows Tornado's, so a Tornado user finds things where they expect them:
//!
//! | module | Tornado | what it holds |
//! |---|---|---|
//! | [`http`] | `httputil`, `http1connection`, `httpserver` | headers, requests, form parsing, the HTTP/1 codec, the supervised [`http::HttpServer`] |
//! | [`httpclient`] | `httpclient`, `simple_httpclient` | [`httpclient::AsyncHttpClient`] with a keep-alive pool, requests, responses, the blocking client |
//! | [`net`] | `iostream`, `tcpserver`, `tcpclient`, `netutil` | [`net::IoStream`], TCP clients and servers, resolvers, TLS |
//! | [`escape`] | `escape` | HTML/URL/JSON escaping helpers |
//! | [`template`] | `template` | Tornado's template language |
//! | [`locks`], [`queues`] | `locks`, `queues` | coordination primitives, each an actor |
//! | [`ioloop`], [`gen`], [`concurrent`] | same | timers, callbacks and future helpers over actix |
//! | [`testing`] | `testing` | test servers on ephemeral ports, raw sockets, log assertions |
#![warn(missing_docs)]

pub mod concurrent;
pub mod escape;
pub mod gen;
pub mod http;
pub mod httpclient;
pub mod ioloop;
pub mod net;
pub mod sync;
pub mod template;
pub mod testing;
pub mod web;
pub mod websocket;

pub use sync::{locks, queues};
