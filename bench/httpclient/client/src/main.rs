//! tornado's `AsyncHttpClient` for the HTTP client benchmark: `--requests N` GETs of `--url U`
//! over keep-alive connections, `--concurrency C` at a time (`max_clients` = C), on one actix
//! arbiter.
//!
//! Prints one line: `client=tornado requests=N seconds=S rps=R cpu_us_per_req=X errors=E`,
//! the CPU time being this process's user + system time.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use tornado::httpclient::{AsyncHttpClient, ClientOptions};

fn cpu_seconds() -> f64 {
    // utime and stime, fields 14 and 15 of /proc/self/stat, in clock ticks (100 per second).
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map(|(_, s)| s).unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let tick = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (tick(11) + tick(12)) / 100.0
}

fn main() {
    let mut url = String::from("http://127.0.0.1:8888/");
    let mut requests: usize = 100_000;
    let mut concurrency: usize = 32;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let v = args.next().unwrap_or_default();
        match a.as_str() {
            "--url" => url = v,
            "--requests" => requests = v.parse().expect("--requests N"),
            "--concurrency" => concurrency = v.parse().expect("--concurrency C"),
            other => panic!("unknown argument {other}"),
        }
    }
    actix_rt::System::new().block_on(async move {
        let client = AsyncHttpClient::new(ClientOptions {
            max_clients: concurrency,
            ..ClientOptions::default()
        });
        let next = Arc::new(AtomicUsize::new(0));
        let errors = Arc::new(AtomicUsize::new(0));
        let cpu0 = cpu_seconds();
        let t0 = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..concurrency {
            let (client, url, next, errors) =
                (client.clone(), url.clone(), next.clone(), errors.clone());
            tasks.push(actix_rt::spawn(async move {
                while next.fetch_add(1, Ordering::Relaxed) < requests {
                    if client.fetch(url.as_str()).await.is_err() {
                        errors.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }));
        }
        for t in tasks {
            let _ = t.await;
        }
        let secs = t0.elapsed().as_secs_f64();
        let cpu = cpu_seconds() - cpu0;
        println!(
            "client=tornado requests={requests} seconds={secs:.3} rps={:.0} cpu_us_per_req={:.2} errors={}",
            requests as f64 / secs,
            cpu * 1e6 / requests as f64,
            errors.load(Ordering::Relaxed)
        );
    });
}
