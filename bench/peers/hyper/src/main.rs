//! Minimal hyper 1.x HTTP/1.1 server on a tokio current-thread runtime (one worker thread),
//! answering every request with `200 OK`, `text/plain`, body `Hello, world`, keep-alive.
//!
//! Usage: `peer-hyper [--port N] [--address A] [--pipeline-flush]`
//! (defaults: port 8888, address 127.0.0.1; `--pipeline-flush` turns on hyper's
//! `http1::Builder::pipeline_flush`, which aggregates pipelined responses into one write).

use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::process::ExitCode;

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{HeaderValue, CONTENT_TYPE};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

const BODY: &[u8] = b"Hello, world";

struct Args {
    addr: SocketAddr,
    pipeline_flush: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut port: u16 = 8888;
    let mut address: IpAddr = IpAddr::from([127, 0, 0, 1]);
    let mut pipeline_flush = false;
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
            "--pipeline-flush" => pipeline_flush = true,
            "-h" | "--help" => {
                println!("usage: peer-hyper [--port N] [--address A] [--pipeline-flush]");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(Args {
        addr: SocketAddr::new(address, port),
        pipeline_flush,
    })
}

async fn hello(_req: Request<hyper::body::Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let mut resp = Response::new(Full::new(Bytes::from_static(BODY)));
    resp.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    Ok(resp)
}

async fn serve(args: Args) -> std::io::Result<()> {
    let listener = TcpListener::bind(args.addr).await?;
    println!(
        "peer-hyper listening on http://{} (pipeline_flush={})",
        listener.local_addr()?,
        args.pipeline_flush
    );
    let mut builder = http1::Builder::new();
    builder.keep_alive(true).pipeline_flush(args.pipeline_flush);
    loop {
        let (stream, _) = match listener.accept().await {
            Ok(conn) => conn,
            Err(e) => {
                eprintln!("accept: {e}");
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let conn = builder.serve_connection(TokioIo::new(stream), service_fn(hello));
        tokio::task::spawn(async move {
            // Clients closing mid-request is normal under load; nothing to report.
            let _ = conn.await;
        });
    }
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("peer-hyper: {e}");
            return ExitCode::from(2);
        }
    };
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("peer-hyper: runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(serve(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("peer-hyper: {e}");
            ExitCode::FAILURE
        }
    }
}
