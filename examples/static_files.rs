//! Static files with versioned URLs: `cargo run --example static_files`, then open
//! <http://127.0.0.1:8888/>. The page links its stylesheet and image through `static_url`, so
//! their URLs carry `?v=<content hash>` and browsers may cache them for ten years; edit
//! `examples/static/style.css` and the URL changes.
//!
//! Files are served from `examples/static/` (or the directory in `TORNADO_STATIC_DIR`, which
//! `bench/static/run.sh` uses) at `/static/`, plus `/robots.txt` and `/favicon.ico`.
//!
//! Flags: `--port N` (8888), `--address A` (127.0.0.1), `--workers N` (one per core),
//! `--logging LEVEL` (info; `warning` silences the access log).

mod common;

use std::path::PathBuf;

use tornado::template::DictLoader;
use tornado::web::static_files::StaticHandlerArgs;
use tornado::web::{url, Application, HandlerContext, RequestHandler, Result, Settings};

/// The page: a Tornado template using `static_url` for a stylesheet and an image.
pub const INDEX: &str = r#"<!DOCTYPE html>
<html>
<head>
  <title>Static files</title>
  <link rel="stylesheet" href="{{ static_url("style.css") }}">
</head>
<body>
  <h1><img class="logo" src="{{ static_url("tornado.svg") }}" alt=""> Static files</h1>
  <p>The stylesheet is <code>{{ static_url("style.css") }}</code>: its <code>v</code> is the
  SHA-512 of the file, so it changes exactly when the file does.</p>
  <p>Unversioned: <code>{{ static_url("style.css", include_version=False) }}</code>.</p>
</body>
</html>
"#;

#[derive(Default)]
struct IndexHandler;
tornado::handler_actor!(IndexHandler);

impl RequestHandler for IndexHandler {
    async fn get(&mut self, cx: &mut HandlerContext<Self>) -> Result {
        cx.render("index.html", &serde_json::json!({}))
    }
}

/// The directory served: `TORNADO_STATIC_DIR`, or `examples/static/`.
pub fn static_dir() -> PathBuf {
    match std::env::var_os("TORNADO_STATIC_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/static")),
    }
}

/// The application, shared with the tests.
pub fn make_app(static_path: PathBuf) -> Application {
    Application::builder()
        .settings(Settings {
            static_path: Some(static_path),
            static_handler_args: StaticHandlerArgs {
                default_filename: Some("index.html".into()),
                ..Default::default()
            },
            template_loader: Some(DictLoader::new([("index.html", INDEX)]).into()),
            ..Default::default()
        })
        .route(url(r"/", IndexHandler::default))
        .build()
        .expect("the routes are valid")
}

fn main() -> std::io::Result<()> {
    let args = common::parse_args("static_files");
    common::init_logging(&args.logging);
    common::serve(args, || make_app(static_dir()))
}
