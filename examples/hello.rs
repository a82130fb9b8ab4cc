//! The quick-start demo: `cargo run --release --example hello`, then `curl localhost:8888/`.
//!
//! Flags: `--port N` (default 8888), `--address A` (default 127.0.0.1), `--workers N`
//! (default: one per core).
//!
//! Until the web framework lands this is a server-level hello: one delegate answering every
//! request with `Hello, world`.

use tornado::http::{delegate_fn, HttpServer};

struct Args {
    port: u16,
    address: String,
    workers: Option<usize>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        port: 8888,
        address: "127.0.0.1".into(),
        workers: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let (name, inline) = match flag.split_once('=') {
            Some((n, v)) => (n.to_owned(), Some(v.to_owned())),
            None => (flag.clone(), None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| it.next())
                .ok_or(format!("{name} needs a value"))
        };
        match name.as_str() {
            "--port" => args.port = value()?.parse().map_err(|e| format!("--port: {e}"))?,
            "--address" => args.address = value()?,
            "--workers" => {
                args.workers = Some(value()?.parse().map_err(|e| format!("--workers: {e}"))?)
            }
            "-h" | "--help" => {
                println!("usage: hello [--port N] [--address A] [--workers N]");
                std::process::exit(0);
            }
            other => return Err(format!("unknown flag {other}")),
        }
    }
    Ok(args)
}

fn main() -> std::io::Result<()> {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("hello: {e}");
            std::process::exit(2);
        }
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    actix_rt::System::new().block_on(async move {
        let hello = delegate_fn(|_req, resp| async move {
            let _ = resp.respond(
                200,
                &[("Content-Type", "text/plain; charset=UTF-8")],
                "Hello, world",
            );
        });
        let mut server = HttpServer::new(hello).listen(args.port, &args.address)?;
        if let Some(n) = args.workers {
            server = server.workers(n);
        }
        let server = server.start()?;
        for addr in server.local_addrs() {
            tracing::info!("listening on http://{addr}/");
        }
        server.handle_signals();
        server.wait().await;
        Ok(())
    })
}
