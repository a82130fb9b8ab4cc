//! Micro-benchmarks of the response transforms: gzip of a 16 KiB HTML page (in one piece and
//! streamed) and the default etag.

use std::time::Duration;

use bytes::Bytes;
use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use tornado::http::HttpHeaders;
use tornado::web::etag::compute_etag;
use tornado::web::transform::{GzipContentEncoding, OutputTransform};

/// A 16 KiB page shaped like a rendered template: repeated markup with varying text.
fn html_page() -> Bytes {
    let mut page = String::from(
        "<!DOCTYPE html>\n<html><head><title>Orders</title>\
         <link rel=\"stylesheet\" href=\"/static/site.css?v=3f2a\"></head>\n<body><table>\n",
    );
    let mut i = 0u32;
    while page.len() < 16 * 1024 - 32 {
        let row = format!(
            "<tr class=\"row-{}\"><td>{}</td><td><a href=\"/orders/{}\">Order #{}</a></td>\
             <td>{}.{:02} EUR</td></tr>\n",
            i % 2,
            i,
            i * 7919 % 100_000,
            i * 7919 % 100_000,
            i * 37 % 1000,
            i * 13 % 100
        );
        page.push_str(&row);
        i += 1;
    }
    page.push_str("</table></body></html>\n");
    page.truncate(16 * 1024);
    Bytes::from(page)
}

fn request_headers() -> HttpHeaders {
    let mut h = HttpHeaders::new();
    h.set("Accept-Encoding", "gzip, deflate, br, zstd");
    h
}

fn response_headers(len: usize) -> HttpHeaders {
    let mut h = HttpHeaders::new();
    h.set("Content-Type", "text/html; charset=UTF-8");
    h.set("Content-Length", len.to_string());
    h
}

fn gzip(c: &mut Criterion) {
    let page = html_page();
    let request = request_headers();
    let mut g = c.benchmark_group("gzip_16k_html");
    g.throughput(Throughput::Bytes(page.len() as u64));
    g.bench_function("one_piece", |b| {
        b.iter(|| {
            let mut t = GzipContentEncoding::new(&request);
            let (mut status, mut h) = (200, response_headers(page.len()));
            black_box(t.transform_first_chunk(&mut status, &mut h, page.clone(), true))
        })
    });
    g.bench_function("streamed_4k_chunks", |b| {
        b.iter(|| {
            let mut t = GzipContentEncoding::new(&request);
            let (mut status, mut h) = (200, response_headers(page.len()));
            let mut sent = t
                .transform_first_chunk(&mut status, &mut h, page.slice(..4096), false)
                .len();
            for start in (4096..page.len()).step_by(4096) {
                let end = (start + 4096).min(page.len());
                sent += t
                    .transform_chunk(page.slice(start..end), end == page.len())
                    .len();
            }
            black_box(sent)
        })
    });
    g.finish();
}

fn etag(c: &mut Criterion) {
    let page = html_page();
    let pieces: Vec<Bytes> = (0..page.len())
        .step_by(1024)
        .map(|s| page.slice(s..(s + 1024).min(page.len())))
        .collect();
    let whole = [page.clone()];
    let mut g = c.benchmark_group("etag_16k");
    g.throughput(Throughput::Bytes(page.len() as u64));
    g.bench_function("one_chunk", |b| b.iter(|| black_box(compute_etag(&whole))));
    g.bench_function("sixteen_chunks", |b| {
        b.iter(|| black_box(compute_etag(&pieces)))
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(3));
    targets = gzip, etag
}
criterion_main!(benches);
