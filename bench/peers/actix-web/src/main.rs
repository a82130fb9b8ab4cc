//! actix-web 4 server with one worker, answering `Hello, world` (`text/plain`) at every path
//! and for every method.
//!
//! Usage: `peer-actix-web [--port N] [--address A]` (defaults: port 8888, address 127.0.0.1).
//!
//! actix-web always runs its acceptor on a thread of its own besides the worker; the benchmark
//! measures the CPU of the whole process, so that thread is counted too.

use std::net::{IpAddr, SocketAddr};
use std::process::ExitCode;

use actix_web::{web, App, HttpResponse, HttpServer};

struct Args {
    addr: SocketAddr,
}

fn parse_args() -> Result<Args, String> {
    let mut port: u16 = 8888;
    let mut address: IpAddr = IpAddr::from([127, 0, 0, 1]);
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let (key, inline) = match arg.split_once('=') {
            Some((k, v)) => (k.to_owned(), Some(v.to_owned())),
            None => (arg.clone(), None),
        };
        let mut value = |name: &str| {
            inline
                .clone()
                .or_else(|| it.next())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match key.as_str() {
            "--port" => {
                let v = value("--port")?;
                port = v.parse().map_err(|e| format!("bad --port {v:?}: {e}"))?;
            }
            "--address" => {
                let v = value("--address")?;
                address = v.parse().map_err(|e| format!("bad --address {v:?}: {e}"))?;
            }
            "-h" | "--help" => {
                println!("usage: peer-actix-web [--port N] [--address A]");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(Args {
        addr: SocketAddr::new(address, port),
    })
}

async fn hello() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain")
        .body("Hello, world")
}

#[actix_web::main]
async fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("peer-actix-web: {e}");
            return ExitCode::from(2);
        }
    };
    let server = HttpServer::new(|| App::new().default_service(web::to(hello)))
        .workers(1)
        .disable_signals()
        .bind(args.addr);
    let server = match server {
        Ok(s) => s,
        Err(e) => {
            eprintln!("peer-actix-web: bind {}: {e}", args.addr);
            return ExitCode::FAILURE;
        }
    };
    for addr in server.addrs() {
        println!("peer-actix-web listening on http://{addr} (workers=1)");
    }
    match server.run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("peer-actix-web: {e}");
            ExitCode::FAILURE
        }
    }
}
