#![no_main]
//! The request decoder (head, length and chunked bodies, gzip inflation) on arbitrary bytes,
//! fed whole and in arbitrary splits: never a panic, and the same result either way.
use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use tokio_util::codec::Decoder;
use tornado::http::codec::{CodecLimits, RequestDecoder, RequestItem};

fn run(data: &[u8], split: usize, decompress: bool) -> (Vec<RequestItem>, Option<u16>) {
    let limits = CodecLimits {
        max_header_size: 4096,
        max_body_size: 1 << 16,
        chunk_size: 512,
        decompress,
        ..Default::default()
    };
    let mut dec = RequestDecoder::new(limits);
    let mut buf = BytesMut::new();
    let mut items = Vec::new();
    for piece in data.chunks(split.max(1)) {
        buf.extend_from_slice(piece);
        loop {
            match dec.decode(&mut buf) {
                Ok(Some(item)) => items.push(item),
                Ok(None) => break,
                Err(e) => return (items, Some(e.status())),
            }
        }
    }
    (items, None)
}

/// Data pieces joined, so that results fed in different splits compare equal.
fn normalise(items: Vec<RequestItem>) -> Vec<RequestItem> {
    let mut out: Vec<RequestItem> = Vec::new();
    for item in items {
        match (out.last_mut(), item) {
            (Some(RequestItem::Data(prev)), RequestItem::Data(d)) => {
                let mut v = prev.to_vec();
                v.extend_from_slice(&d);
                *prev = v.into();
            }
            (_, item) => out.push(item),
        }
    }
    out
}

fuzz_target!(|input: &[u8]| {
    let Some((&ctl, data)) = input.split_first() else { return };
    let decompress = ctl & 0x80 != 0;
    let split = (ctl & 0x7f) as usize + 1;
    let (whole, whole_err) = run(data, data.len().max(1), decompress);
    let (pieces, pieces_err) = run(data, split, decompress);
    if whole_err.is_none() && pieces_err.is_none() {
        // A request that ends mid-way may be cut differently; compare only completed requests.
        let complete = |v: Vec<RequestItem>| {
            let v = normalise(v);
            let end = v.iter().rposition(|i| *i == RequestItem::End).map_or(0, |p| p + 1);
            v[..end].to_vec()
        };
        assert_eq!(complete(whole), complete(pieces));
    }
});
