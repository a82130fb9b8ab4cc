//! The server-level hello, below the web layer: one `HttpServerDelegate` answering every
//! request with `Hello, world`. `cargo run --release --example hello_server`.
//!
//! It is what `bench/http.sh` compares with the hyper and actix-web peers to price the HTTP
//! server alone (`BENCH_TORNADO_BIN=target/release/examples/hello_server`).

mod common;

use tornado::http::{delegate_fn, ResponseHead};

fn main() -> std::io::Result<()> {
    let args = common::parse_args("hello_server");
    common::init_logging(&args.logging);
    common::serve(args, || {
        delegate_fn(|_req, mut resp| async move {
            let mut head = ResponseHead::new(200);
            head.headers.add_static("Content-Type", "text/plain");
            head.headers.add_static("Content-Length", "12");
            let _ = resp.write_head(&head);
            let _ = resp.write(b"Hello, world");
            let _ = resp.finish();
        })
    })
}
