//! Tornado's hello world: `cargo run --release --example hello`, then
//! `curl http://127.0.0.1:8888/` → `Hello, world`, and `/json` → a JSON object.
//!
//! Flags: `--port N` (8888), `--address A` (127.0.0.1), `--workers N` (one per core),
//! `--logging LEVEL` (info; `warning` silences the access log).

mod common;

use serde::Serialize;
use tornado::web::{url, Application, HandlerContext, RequestHandler, Result};

#[derive(Default)]
struct MainHandler;
tornado::handler_actor!(MainHandler);

impl RequestHandler for MainHandler {
    async fn get(&mut self, cx: &mut HandlerContext<Self>) -> Result {
        cx.write("Hello, world")
    }
}

#[derive(Serialize)]
struct Greeting<'a> {
    message: &'a str,
}

#[derive(Default)]
struct JsonHandler;
tornado::handler_actor!(JsonHandler);

impl RequestHandler for JsonHandler {
    async fn get(&mut self, cx: &mut HandlerContext<Self>) -> Result {
        cx.write_json(&Greeting {
            message: "Hello, world",
        })
    }
}

/// The application, shared with the tests.
pub fn make_app() -> Application {
    Application::builder()
        .route(url(r"/", MainHandler::default))
        .route(url(r"/json", JsonHandler::default))
        .build()
        .expect("the routes are valid")
}

fn main() -> std::io::Result<()> {
    let args = common::parse_args("hello");
    common::init_logging(&args.logging);
    common::serve(args, make_app)
}
