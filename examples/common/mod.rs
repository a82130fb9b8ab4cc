//! Command-line flags every server example takes, as Tornado's demos take them through
//! `tornado.options`: `--port N` (default 8888), `--address A` (default 127.0.0.1),
//! `--workers N` (default: one per core), `--logging LEVEL` (default `info`).

#![allow(dead_code)]

/// Parsed flags.
pub struct Args {
    pub port: u16,
    pub address: String,
    pub workers: Option<usize>,
    pub logging: String,
}

/// Parses the process arguments, exiting with a message on bad ones.
pub fn parse_args(name: &str) -> Args {
    match try_parse(std::env::args().skip(1)) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{name}: {e}\nusage: {name} [--port N] [--address A] [--workers N] [--logging LEVEL]");
            std::process::exit(2);
        }
    }
}

fn try_parse(args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut out = Args {
        port: 8888,
        address: "127.0.0.1".into(),
        workers: None,
        logging: "info".into(),
    };
    let mut it = args;
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
            "--port" => out.port = value()?.parse().map_err(|e| format!("--port: {e}"))?,
            "--address" => out.address = value()?,
            "--workers" => {
                out.workers = Some(value()?.parse().map_err(|e| format!("--workers: {e}"))?)
            }
            "--logging" => out.logging = value()?,
            "-h" | "--help" => return Err("help".into()),
            other => return Err(format!("unknown flag {other}")),
        }
    }
    Ok(out)
}

/// Sets up logging at the `--logging` level (`none` turns it off; Tornado's names
/// `warning`/`error`/`debug`/`info` work).
pub fn init_logging(level: &str) {
    let level = match level {
        "none" => "off",
        "warning" => "warn",
        other => other,
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    tracing_subscriber::fmt().with_env_filter(filter).init();
}

/// Runs a demo: starts an actix System, builds the delegate inside it (so it may start actors),
/// serves it on the flags' address with their worker count, and waits for SIGINT/SIGTERM.
pub fn serve<D, F>(args: Args, make: F) -> std::io::Result<()>
where
    D: tornado::http::HttpServerDelegate,
    F: FnOnce() -> D,
{
    actix_rt::System::new().block_on(async move {
        let mut server = tornado::http::HttpServer::new(make()).listen(args.port, &args.address)?;
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
