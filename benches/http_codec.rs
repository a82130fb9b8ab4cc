//! Micro-benchmarks of the HTTP/1 codec: head parsing, chunked decoding, response encoding.

use bytes::BytesMut;
use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use std::time::Duration;
use tokio_util::codec::Decoder;
use tornado::http::codec::{RequestDecoder, RequestItem, ResponseContext, ResponseEncoder};
use tornado::http::{ResponseHead, Version};

const WRK_GET: &[u8] = b"GET /plaintext HTTP/1.1\r\nHost: 127.0.0.1:8888\r\n\r\n";
const BROWSER_GET: &[u8] = b"GET /static/css/site.css?v=2a4b HTTP/1.1\r\n\
Host: www.example.com\r\n\
User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\n\
Accept: text/css,*/*;q=0.1\r\n\
Accept-Language: en-US,en;q=0.5\r\n\
Accept-Encoding: gzip, deflate, br, zstd\r\n\
Referer: https://www.example.com/articles/2024/interesting-things\r\n\
Cookie: _xsrf=2|a1b2c3d4|0123456789abcdef0123456789abcdef|1700000000; session=abcdef0123456789\r\n\
Connection: keep-alive\r\n\
Sec-Fetch-Dest: style\r\n\
Sec-Fetch-Mode: no-cors\r\n\
Sec-Fetch-Site: same-origin\r\n\r\n";

fn decode_request(dec: &mut RequestDecoder, raw: &[u8]) -> usize {
    let mut buf = BytesMut::from(raw);
    let mut n = 0;
    while let Some(item) = dec.decode(&mut buf).unwrap() {
        n += 1;
        if item == RequestItem::End {
            break;
        }
    }
    n
}

fn head_parsing(c: &mut Criterion) {
    let mut g = c.benchmark_group("decode_head");
    for (name, raw) in [("wrk_get", WRK_GET), ("browser_get", BROWSER_GET)] {
        g.throughput(Throughput::Bytes(raw.len() as u64));
        g.bench_function(name, |b| {
            let mut dec = RequestDecoder::default();
            b.iter(|| black_box(decode_request(&mut dec, black_box(raw))))
        });
    }
    // The fallback parser (obsolete line folding).
    let folded = b"GET / HTTP/1.1\r\nHost: a\r\nX-Folded: one\r\n two\r\nAccept: */*\r\n\r\n";
    g.bench_function("obs_fold_fallback", |b| {
        let mut dec = RequestDecoder::default();
        b.iter(|| black_box(decode_request(&mut dec, black_box(folded))))
    });
    g.finish();
}

fn chunked_decoding(c: &mut Criterion) {
    let mut g = c.benchmark_group("decode_chunked");
    for (name, chunk, count) in [("1KiBx64", 1024usize, 64usize), ("16Bx1024", 16, 1024)] {
        let mut raw =
            b"POST /upload HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
        for _ in 0..count {
            raw.extend_from_slice(format!("{chunk:x}\r\n").as_bytes());
            raw.extend(std::iter::repeat_n(b'z', chunk));
            raw.extend_from_slice(b"\r\n");
        }
        raw.extend_from_slice(b"0\r\n\r\n");
        g.throughput(Throughput::Bytes((chunk * count) as u64));
        g.bench_function(name, |b| {
            let mut dec = RequestDecoder::default();
            b.iter(|| black_box(decode_request(&mut dec, black_box(&raw))))
        });
    }
    g.finish();
}

fn response_encoding(c: &mut Criterion) {
    let mut g = c.benchmark_group("encode_response");
    let ctx = ResponseContext {
        head_request: false,
        version: Version::Http11,
        keep_alive: true,
    };
    let mut head = ResponseHead::new(200);
    head.headers
        .add("Content-Type", "text/plain; charset=UTF-8");
    head.headers.add("Content-Length", "12");
    head.headers.add("Server", "TornadoServer/6.4");
    g.bench_function("hello_content_length", |b| {
        let mut enc = ResponseEncoder::new();
        let mut out = BytesMut::with_capacity(512);
        b.iter(|| {
            out.clear();
            enc.encode_head(black_box(&head), ctx, &mut out).unwrap();
            enc.encode_data(b"Hello, world", &mut out).unwrap();
            enc.encode_end(&mut out).unwrap();
            black_box(out.len())
        })
    });
    let chunked = ResponseHead::new(200);
    let piece = vec![b'x'; 4096];
    g.throughput(Throughput::Bytes(16 * 4096));
    g.bench_function("chunked_16x4KiB", |b| {
        let mut enc = ResponseEncoder::new();
        let mut out = BytesMut::with_capacity(80 * 1024);
        b.iter(|| {
            out.clear();
            enc.encode_head(&chunked, ctx, &mut out).unwrap();
            for _ in 0..16 {
                enc.encode_data(&piece, &mut out).unwrap();
            }
            enc.encode_end(&mut out).unwrap();
            black_box(out.len())
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_secs(1));
    targets = head_parsing, chunked_decoding, response_encoding
}
criterion_main!(benches);
