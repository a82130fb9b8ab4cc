#![no_main]
//! The WebSocket codec on arbitrary bytes, as a server (masked frames expected) and as a
//! client, with and without permessage-deflate, fed whole and in arbitrary splits: never a
//! panic, the same outcome either way, and no message over the size limit.
use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use tokio_util::codec::Decoder;
use tornado::websocket::codec::{
    negotiate_server, CompressionOptions, Incoming, Role, WebSocketCodec,
};

const LIMIT: usize = 1 << 16;

fn run(data: &[u8], split: usize, role: Role, deflate: bool) -> (Vec<Incoming>, Option<u16>) {
    let config = if deflate {
        negotiate_server(&["permessage-deflate"], &CompressionOptions::default()).map(|(_, c)| c)
    } else {
        None
    };
    let mut codec = WebSocketCodec::new(role).max_message_size(LIMIT).deflate(config);
    let mut buf = BytesMut::new();
    let mut items = Vec::new();
    for piece in data.chunks(split.max(1)) {
        buf.extend_from_slice(piece);
        loop {
            match codec.decode(&mut buf) {
                Ok(Some(item)) => {
                    if let Incoming::Message(m) = &item {
                        assert!(m.as_bytes().len() <= LIMIT);
                    }
                    items.push(item)
                }
                Ok(None) => break,
                Err(tornado::websocket::codec::CodecError::Protocol(e)) => {
                    return (items, Some(e.close_code()))
                }
                Err(e) => panic!("unexpected I/O error from a pure decoder: {e}"),
            }
        }
    }
    (items, None)
}

fuzz_target!(|input: &[u8]| {
    let Some((&control, data)) = input.split_first() else {
        return;
    };
    let role = if control & 1 == 0 { Role::Server } else { Role::Client };
    let deflate = control & 2 != 0;
    let split = usize::from(control >> 2) + 1;
    let whole = run(data, data.len().max(1), role, deflate);
    let pieces = run(data, split, role, deflate);
    assert_eq!(whole, pieces);
});
