//! The RFC 6455 frame codec: a plain [`tokio_util::codec`] `Decoder`/`Encoder` with no actix
//! types, shared by the server and the client.
//!
//! The decoder yields whole messages and control frames ([`Incoming`]): fragments are
//! reassembled into one buffer (linear time), text is validated as UTF-8 as each fragment
//! arrives (so a bad byte fails the message at once, not at its end), and with
//! permessage-deflate each fragment is inflated on arrival with the decompressed size counted
//! against the message limit. The encoder writes [`Outgoing`] items as single frames,
//! compressing data messages when the extension was negotiated and masking when it serves the
//! client.
//!
//! Unmasked client frames are always refused (RFC 6455 §5.1 says the server MUST close the
//! connection); there is no option to accept them.

mod deflate;
mod error;
mod frame;

use bytes::{Bytes, BytesMut};
use tokio_util::codec::{Decoder, Encoder};

pub use deflate::{
    accept_client, client_offer, negotiate_server, CompressionOptions, DeflateConfig, Deflater,
    Inflater, EXTENSION_NAME,
};
pub use error::{is_valid_close_code, CodecError, ProtocolError};
pub use frame::{apply_mask, write_frame, Frame, OpCode, Role};

use frame::{parse_header, take_frame, Header};

/// A data message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// A text message (valid UTF-8).
    Text(String),
    /// A binary message.
    Binary(Bytes),
}

impl Message {
    /// The payload's bytes.
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            Message::Text(t) => t.as_bytes(),
            Message::Binary(b) => b,
        }
    }

    /// The text, for a text message.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Message::Text(t) => Some(t),
            Message::Binary(_) => None,
        }
    }

    /// The text of a text message, or a binary one decoded lossily.
    pub fn into_text(self) -> String {
        match self {
            Message::Text(t) => t,
            Message::Binary(b) => String::from_utf8_lossy(&b).into_owned(),
        }
    }

    /// `true` for a binary message.
    pub fn is_binary(&self) -> bool {
        matches!(self, Message::Binary(_))
    }
}

impl From<String> for Message {
    fn from(s: String) -> Self {
        Message::Text(s)
    }
}

impl From<&str> for Message {
    fn from(s: &str) -> Self {
        Message::Text(s.to_owned())
    }
}

impl From<Vec<u8>> for Message {
    fn from(b: Vec<u8>) -> Self {
        Message::Binary(Bytes::from(b))
    }
}

impl From<Bytes> for Message {
    fn from(b: Bytes) -> Self {
        Message::Binary(b)
    }
}

impl From<&[u8]> for Message {
    fn from(b: &[u8]) -> Self {
        Message::Binary(Bytes::copy_from_slice(b))
    }
}

/// The code and reason of a close frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloseFrame {
    /// The status code (1000 is a normal close).
    pub code: u16,
    /// The reason, possibly empty.
    pub reason: String,
}

/// What the decoder yields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Incoming {
    /// A complete data message.
    Message(Message),
    /// A ping with its payload.
    Ping(Bytes),
    /// A pong with its payload.
    Pong(Bytes),
    /// A close frame: `None` when it carried no code.
    Close(Option<CloseFrame>),
}

/// What the encoder writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outgoing {
    /// A data message.
    Message(Message),
    /// A ping.
    Ping(Bytes),
    /// A pong.
    Pong(Bytes),
    /// A close frame, with a code or without.
    Close(Option<CloseFrame>),
}

/// A message being reassembled.
#[derive(Debug)]
struct Partial {
    text: bool,
    compressed: bool,
    buf: BytesMut,
    /// Bytes of `buf` known to be valid UTF-8 (text only).
    utf8_valid: usize,
}

/// The WebSocket codec for one end of one connection.
#[derive(Debug)]
pub struct WebSocketCodec {
    role: Role,
    max_message_size: usize,
    header: Option<Header>,
    partial: Option<Partial>,
    inflater: Option<Inflater>,
    deflater: Option<Deflater>,
    scratch: Vec<u8>,
}

/// The default `max_message_size`: 10 MiB, as Tornado's `websocket_max_message_size`.
pub const DEFAULT_MAX_MESSAGE_SIZE: usize = 10 * 1024 * 1024;

impl WebSocketCodec {
    /// A codec for `role`, with no compression and the default message limit.
    pub fn new(role: Role) -> Self {
        WebSocketCodec {
            role,
            max_message_size: DEFAULT_MAX_MESSAGE_SIZE,
            header: None,
            partial: None,
            inflater: None,
            deflater: None,
            scratch: Vec::new(),
        }
    }

    /// Sets the largest message (after decompression) the decoder accepts. Default: 10 MiB.
    pub fn max_message_size(mut self, max: usize) -> Self {
        self.max_message_size = max;
        self
    }

    /// Turns on permessage-deflate with the negotiated parameters.
    pub fn deflate(mut self, config: Option<DeflateConfig>) -> Self {
        self.inflater = config.as_ref().map(Inflater::new);
        self.deflater = config.as_ref().map(Deflater::new);
        self
    }

    /// `true` if permessage-deflate is on.
    pub fn is_compressed(&self) -> bool {
        self.deflater.is_some()
    }

    fn mask(&self) -> Option<[u8; 4]> {
        match self.role {
            Role::Server => None,
            Role::Client => {
                let mut key = [0u8; 4];
                // A failure of the system RNG leaves a zero key, which is still a valid mask.
                let _ = ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut key);
                Some(key)
            }
        }
    }

    /// Writes one data message as a single frame (compressed when negotiated).
    pub fn encode_data(
        &mut self,
        text: bool,
        data: &[u8],
        dst: &mut BytesMut,
    ) -> Result<(), CodecError> {
        let opcode = if text { OpCode::Text } else { OpCode::Binary };
        let mask = self.mask();
        match &mut self.deflater {
            Some(d) => {
                let mut scratch = std::mem::take(&mut self.scratch);
                d.compress(data, &mut scratch)
                    .map_err(|e| CodecError::Io(std::io::Error::other(e)))?;
                write_frame(dst, true, true, opcode, &scratch, mask);
                if scratch.capacity() <= 64 * 1024 {
                    self.scratch = scratch;
                }
            }
            None => write_frame(dst, true, false, opcode, data, mask),
        }
        Ok(())
    }

    /// Writes a control frame (payload cut to 125 bytes).
    pub fn encode_control(&mut self, opcode: OpCode, payload: &[u8], dst: &mut BytesMut) {
        let payload = &payload[..payload.len().min(125)];
        write_frame(dst, true, false, opcode, payload, self.mask());
    }

    /// Writes a close frame.
    pub fn encode_close(&mut self, close: Option<&CloseFrame>, dst: &mut BytesMut) {
        let mut payload = Vec::new();
        if let Some(c) = close {
            payload.extend_from_slice(&c.code.to_be_bytes());
            // Cut the reason at a character boundary so the frame stays valid UTF-8.
            let mut end = c.reason.len().min(123);
            while !c.reason.is_char_boundary(end) {
                end -= 1;
            }
            payload.extend_from_slice(&c.reason.as_bytes()[..end]);
        }
        self.encode_control(OpCode::Close, &payload, dst);
    }

    fn append(&mut self, payload: &[u8], fin: bool) -> Result<Option<Message>, ProtocolError> {
        let max = self.max_message_size;
        let Some(partial) = &mut self.partial else {
            return Err(ProtocolError::BadContinuation);
        };
        if partial.compressed {
            let inflater = self.inflater.as_mut().ok_or(ProtocolError::ReservedBits)?;
            inflater.inflate(payload, fin, &mut partial.buf, max)?;
        } else {
            if partial.buf.len() + payload.len() > max {
                return Err(ProtocolError::MessageTooBig);
            }
            partial.buf.extend_from_slice(payload);
        }
        if partial.text {
            match std::str::from_utf8(&partial.buf[partial.utf8_valid..]) {
                Ok(_) => partial.utf8_valid = partial.buf.len(),
                Err(e) if e.error_len().is_some() => return Err(ProtocolError::InvalidUtf8),
                Err(e) => {
                    partial.utf8_valid += e.valid_up_to();
                    if fin {
                        return Err(ProtocolError::InvalidUtf8);
                    }
                }
            }
        }
        if !fin {
            return Ok(None);
        }
        let Some(done) = self.partial.take() else {
            return Err(ProtocolError::BadContinuation);
        };
        Ok(Some(if done.text {
            let text =
                String::from_utf8(Vec::from(done.buf)).map_err(|_| ProtocolError::InvalidUtf8)?;
            Message::Text(text)
        } else {
            Message::Binary(done.buf.freeze())
        }))
    }

    fn on_frame(&mut self, frame: Frame) -> Result<Option<Incoming>, ProtocolError> {
        match frame.opcode {
            OpCode::Ping => Ok(Some(Incoming::Ping(frame.payload))),
            OpCode::Pong => Ok(Some(Incoming::Pong(frame.payload))),
            OpCode::Close => parse_close(&frame.payload).map(|c| Some(Incoming::Close(c))),
            OpCode::Continuation => {
                if frame.rsv1 {
                    return Err(ProtocolError::ReservedBits);
                }
                Ok(self
                    .append(&frame.payload, frame.fin)?
                    .map(Incoming::Message))
            }
            OpCode::Text | OpCode::Binary => {
                if self.partial.is_some() {
                    return Err(ProtocolError::BadContinuation);
                }
                let text = frame.opcode == OpCode::Text;
                if frame.fin && !frame.rsv1 {
                    // A whole uncompressed message in one frame: no reassembly needed.
                    if frame.payload.len() > self.max_message_size {
                        return Err(ProtocolError::MessageTooBig);
                    }
                    let msg = if text {
                        let s = std::str::from_utf8(&frame.payload)
                            .map_err(|_| ProtocolError::InvalidUtf8)?;
                        Message::Text(s.to_owned())
                    } else {
                        Message::Binary(frame.payload)
                    };
                    return Ok(Some(Incoming::Message(msg)));
                }
                self.partial = Some(Partial {
                    text,
                    compressed: frame.rsv1,
                    buf: BytesMut::new(),
                    utf8_valid: 0,
                });
                Ok(self
                    .append(&frame.payload, frame.fin)?
                    .map(Incoming::Message))
            }
        }
    }
}

/// Parses a close frame's payload: code and UTF-8 reason.
fn parse_close(payload: &[u8]) -> Result<Option<CloseFrame>, ProtocolError> {
    match payload.len() {
        0 => Ok(None),
        1 => Err(ProtocolError::BadClosePayload),
        _ => {
            let code = u16::from_be_bytes([payload[0], payload[1]]);
            if !is_valid_close_code(code) {
                return Err(ProtocolError::BadClosePayload);
            }
            let reason =
                std::str::from_utf8(&payload[2..]).map_err(|_| ProtocolError::InvalidUtf8)?;
            Ok(Some(CloseFrame {
                code,
                reason: reason.to_owned(),
            }))
        }
    }
}

impl Decoder for WebSocketCodec {
    type Item = Incoming;
    type Error = CodecError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Incoming>, CodecError> {
        loop {
            let header = match self.header {
                Some(h) => h,
                None => {
                    let rsv1_allowed = self.inflater.is_some();
                    match parse_header(src, self.role, rsv1_allowed, self.max_message_size as u64)?
                    {
                        Some(h) => h,
                        None => return Ok(None),
                    }
                }
            };
            // parse_header bounded the payload by max_message_size, a usize.
            let needed = header.header_len + header.payload_len as usize;
            if src.len() < needed {
                src.reserve(needed - src.len());
                self.header = Some(header);
                return Ok(None);
            }
            self.header = None;
            let frame = take_frame(src, &header);
            if let Some(item) = self.on_frame(frame)? {
                return Ok(Some(item));
            }
        }
    }
}

impl Encoder<Outgoing> for WebSocketCodec {
    type Error = CodecError;

    fn encode(&mut self, item: Outgoing, dst: &mut BytesMut) -> Result<(), CodecError> {
        match item {
            Outgoing::Message(Message::Text(t)) => self.encode_data(true, t.as_bytes(), dst),
            Outgoing::Message(Message::Binary(b)) => self.encode_data(false, &b, dst),
            Outgoing::Ping(p) => {
                self.encode_control(OpCode::Ping, &p, dst);
                Ok(())
            }
            Outgoing::Pong(p) => {
                self.encode_control(OpCode::Pong, &p, dst);
                Ok(())
            }
            Outgoing::Close(c) => {
                self.encode_close(c.as_ref(), dst);
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client_bytes(items: Vec<Outgoing>, deflate: Option<DeflateConfig>) -> BytesMut {
        let mut c = WebSocketCodec::new(Role::Client).deflate(deflate);
        let mut out = BytesMut::new();
        for i in items {
            c.encode(i, &mut out).unwrap();
        }
        out
    }

    fn decode_all(
        codec: &mut WebSocketCodec,
        buf: &mut BytesMut,
    ) -> Result<Vec<Incoming>, CodecError> {
        let mut v = Vec::new();
        while let Some(i) = codec.decode(buf)? {
            v.push(i);
        }
        Ok(v)
    }

    fn frame(fin: bool, opcode: OpCode, payload: &[u8]) -> Vec<u8> {
        let mut b = BytesMut::new();
        write_frame(&mut b, fin, false, opcode, payload, Some([9, 8, 7, 6]));
        b.to_vec()
    }

    fn protocol_error(r: Result<Vec<Incoming>, CodecError>) -> ProtocolError {
        match r {
            Err(CodecError::Protocol(p)) => p,
            other => panic!("expected a protocol error, got {other:?}"),
        }
    }

    #[test]
    fn roundtrip_client_to_server() {
        let items = vec![
            Outgoing::Message("héllo".into()),
            Outgoing::Ping(Bytes::from_static(b"p")),
            Outgoing::Message(Message::Binary(Bytes::from(vec![1u8; 70_000]))),
            Outgoing::Close(Some(CloseFrame {
                code: 1000,
                reason: "bye".into(),
            })),
        ];
        let mut buf = client_bytes(items, None);
        let mut server = WebSocketCodec::new(Role::Server);
        let got = decode_all(&mut server, &mut buf).unwrap();
        assert_eq!(got[0], Incoming::Message(Message::Text("héllo".into())));
        assert_eq!(got[1], Incoming::Ping(Bytes::from_static(b"p")));
        assert!(matches!(&got[2], Incoming::Message(Message::Binary(b)) if b.len() == 70_000));
        assert_eq!(
            got[3],
            Incoming::Close(Some(CloseFrame {
                code: 1000,
                reason: "bye".into()
            }))
        );
    }

    #[test]
    fn byte_at_a_time() {
        let all = client_bytes(vec![Outgoing::Message("fragmented delivery".into())], None);
        let mut server = WebSocketCodec::new(Role::Server);
        let mut buf = BytesMut::new();
        let mut got = Vec::new();
        for b in all.iter() {
            buf.extend_from_slice(&[*b]);
            got.extend(decode_all(&mut server, &mut buf).unwrap());
        }
        assert_eq!(got, vec![Incoming::Message("fragmented delivery".into())]);
    }

    #[test]
    fn ten_thousand_fragments_with_interleaved_ping() {
        let mut raw = Vec::new();
        raw.extend(frame(false, OpCode::Text, b"a"));
        for i in 1..9_999 {
            raw.extend(frame(false, OpCode::Continuation, b"b"));
            if i == 5000 {
                raw.extend(frame(true, OpCode::Ping, b"mid"));
            }
        }
        raw.extend(frame(true, OpCode::Continuation, b"c"));
        let mut buf = BytesMut::from(&raw[..]);
        let mut server = WebSocketCodec::new(Role::Server);
        let got = decode_all(&mut server, &mut buf).unwrap();
        assert_eq!(got[0], Incoming::Ping(Bytes::from_static(b"mid")));
        let Incoming::Message(Message::Text(t)) = &got[1] else {
            panic!("{got:?}")
        };
        assert_eq!(t.len(), 10_000);
        assert!(t.starts_with("ab") && t.ends_with("bc"));
    }

    #[test]
    fn utf8_fails_fast_and_across_fragments() {
        // "é" split across two fragments is fine.
        let mut raw = frame(false, OpCode::Text, &[0xc3]);
        raw.extend(frame(true, OpCode::Continuation, &[0xa9]));
        let mut server = WebSocketCodec::new(Role::Server);
        let got = decode_all(&mut server, &mut BytesMut::from(&raw[..])).unwrap();
        assert_eq!(got, vec![Incoming::Message("é".into())]);

        // An invalid byte in the first fragment fails before the message ends.
        let raw = frame(false, OpCode::Text, &[b'a', 0xff]);
        let mut server = WebSocketCodec::new(Role::Server);
        let err = protocol_error(decode_all(&mut server, &mut BytesMut::from(&raw[..])));
        assert_eq!(err, ProtocolError::InvalidUtf8);
        assert_eq!(err.close_code(), 1007);

        // A truncated sequence at the end of the message.
        let raw = frame(true, OpCode::Text, &[b'a', 0xe2, 0x82]);
        let mut server = WebSocketCodec::new(Role::Server);
        assert_eq!(
            protocol_error(decode_all(&mut server, &mut BytesMut::from(&raw[..]))),
            ProtocolError::InvalidUtf8
        );
    }

    #[test]
    fn continuation_rules() {
        let raw = frame(true, OpCode::Continuation, b"x");
        let mut server = WebSocketCodec::new(Role::Server);
        assert_eq!(
            protocol_error(decode_all(&mut server, &mut BytesMut::from(&raw[..]))),
            ProtocolError::BadContinuation
        );
        let mut raw = frame(false, OpCode::Text, b"x");
        raw.extend(frame(true, OpCode::Text, b"y"));
        let mut server = WebSocketCodec::new(Role::Server);
        assert_eq!(
            protocol_error(decode_all(&mut server, &mut BytesMut::from(&raw[..]))),
            ProtocolError::BadContinuation
        );
    }

    #[test]
    fn close_payloads() {
        // (payload, Ok(code in the close) or Err(close code we answer with))
        type Case<'a> = (&'a [u8], Result<Option<u16>, u16>);
        let cases: &[Case] = &[
            (b"", Ok(None)),
            (&[0x03], Err(1002)),
            (&[0x03, 0xe8], Ok(Some(1000))),
            (&[0x03, 0xed], Err(1002)), // 1005 may not be sent
            (&[0x03, 0xe7], Err(1002)), // 999
            (&[0x0f, 0xa0], Ok(Some(4000))),
            (&[0x03, 0xe8, 0xff], Err(1007)), // reason not UTF-8
        ];
        for (payload, want) in cases {
            let raw = frame(true, OpCode::Close, payload);
            let mut server = WebSocketCodec::new(Role::Server);
            let got = decode_all(&mut server, &mut BytesMut::from(&raw[..]));
            match want {
                Ok(code) => match &got.unwrap()[0] {
                    Incoming::Close(c) => assert_eq!(c.as_ref().map(|c| c.code), *code),
                    other => panic!("{other:?}"),
                },
                Err(code) => assert_eq!(protocol_error(got).close_code(), *code),
            }
        }
    }

    #[test]
    fn size_limit() {
        let raw = frame(true, OpCode::Binary, &[0u8; 200]);
        let mut server = WebSocketCodec::new(Role::Server).max_message_size(100);
        let err = protocol_error(decode_all(&mut server, &mut BytesMut::from(&raw[..])));
        assert_eq!(err.close_code(), 1009);
        // Across fragments too.
        let mut raw = frame(false, OpCode::Binary, &[0u8; 60]);
        raw.extend(frame(true, OpCode::Continuation, &[0u8; 60]));
        let mut server = WebSocketCodec::new(Role::Server).max_message_size(100);
        assert_eq!(
            protocol_error(decode_all(&mut server, &mut BytesMut::from(&raw[..]))),
            ProtocolError::MessageTooBig
        );
    }

    #[test]
    fn compressed_roundtrip_and_rsv1_rules() {
        let cfg = negotiate_server(&["permessage-deflate"], &CompressionOptions::default())
            .map(|(_, c)| c);
        let mut buf = client_bytes(
            vec![
                Outgoing::Message("compress me compress me".into()),
                Outgoing::Message(Message::Binary(Bytes::from(vec![3u8; 100_000]))),
            ],
            cfg,
        );
        let mut server = WebSocketCodec::new(Role::Server).deflate(cfg);
        let got = decode_all(&mut server, &mut buf).unwrap();
        assert_eq!(got[0], Incoming::Message("compress me compress me".into()));
        assert!(matches!(&got[1], Incoming::Message(Message::Binary(b)) if b.len() == 100_000));

        // RSV1 without the extension is a protocol error.
        let mut buf = client_bytes(vec![Outgoing::Message("x".into())], cfg);
        let mut plain = WebSocketCodec::new(Role::Server);
        assert_eq!(
            protocol_error(decode_all(&mut plain, &mut buf)),
            ProtocolError::ReservedBits
        );

        // A compression bomb is cut at the limit.
        let mut buf = client_bytes(
            vec![Outgoing::Message(Message::Binary(Bytes::from(vec![
                0u8;
                5 << 20
            ])))],
            cfg,
        );
        let mut server = WebSocketCodec::new(Role::Server)
            .deflate(cfg)
            .max_message_size(1 << 20);
        assert_eq!(
            protocol_error(decode_all(&mut server, &mut buf)),
            ProtocolError::MessageTooBig
        );
    }

    #[test]
    fn server_frames_unmasked_and_client_rejects_masked() {
        let mut server = WebSocketCodec::new(Role::Server);
        let mut out = BytesMut::new();
        server
            .encode(Outgoing::Message("hi".into()), &mut out)
            .unwrap();
        assert_eq!(&out[..], &[0x81, 0x02, b'h', b'i']);
        let mut client = WebSocketCodec::new(Role::Client);
        assert_eq!(
            decode_all(&mut client, &mut out).unwrap(),
            vec![Incoming::Message("hi".into())]
        );
        let mut masked = BytesMut::from(&frame(true, OpCode::Text, b"hi")[..]);
        let mut client = WebSocketCodec::new(Role::Client);
        assert_eq!(
            protocol_error(decode_all(&mut client, &mut masked)),
            ProtocolError::MaskedServerFrame
        );
    }

    #[test]
    fn close_reason_is_cut_at_a_char_boundary() {
        let mut server = WebSocketCodec::new(Role::Server);
        let mut out = BytesMut::new();
        let reason = "é".repeat(100);
        server.encode_close(Some(&CloseFrame { code: 1000, reason }), &mut out);
        assert!(out.len() <= 127);
        let mut client = WebSocketCodec::new(Role::Client);
        let got = decode_all(&mut client, &mut out).unwrap();
        assert!(matches!(&got[0], Incoming::Close(Some(c)) if c.reason.chars().all(|c| c == 'é')));
    }
}
