//! RFC 6455 §5.2 frames: parsing and writing one frame header, and masking.

use bytes::{Buf, BufMut, Bytes, BytesMut};

use super::error::ProtocolError;

/// A frame's opcode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpCode {
    /// A later fragment of a message.
    Continuation,
    /// The first frame of a text message.
    Text,
    /// The first frame of a binary message.
    Binary,
    /// Close (control).
    Close,
    /// Ping (control).
    Ping,
    /// Pong (control).
    Pong,
}

impl OpCode {
    fn from_bits(bits: u8) -> Option<OpCode> {
        Some(match bits {
            0 => OpCode::Continuation,
            1 => OpCode::Text,
            2 => OpCode::Binary,
            8 => OpCode::Close,
            9 => OpCode::Ping,
            10 => OpCode::Pong,
            _ => return None,
        })
    }

    fn bits(self) -> u8 {
        match self {
            OpCode::Continuation => 0,
            OpCode::Text => 1,
            OpCode::Binary => 2,
            OpCode::Close => 8,
            OpCode::Ping => 9,
            OpCode::Pong => 10,
        }
    }

    /// `true` for close, ping and pong.
    pub fn is_control(self) -> bool {
        matches!(self, OpCode::Close | OpCode::Ping | OpCode::Pong)
    }
}

/// One decoded frame, unmasked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// The last frame of its message.
    pub fin: bool,
    /// RSV1: "this message is compressed" under permessage-deflate.
    pub rsv1: bool,
    /// The opcode.
    pub opcode: OpCode,
    /// The payload, already unmasked.
    pub payload: Bytes,
}

/// Which end of the connection a codec serves: it decides who masks (RFC 6455 §5.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The server: frames it reads must be masked, frames it writes are not.
    Server,
    /// The client: frames it writes are masked, frames it reads must not be.
    Client,
}

/// A parsed header, kept while the payload is still arriving.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Header {
    pub(crate) fin: bool,
    pub(crate) rsv1: bool,
    pub(crate) opcode: OpCode,
    pub(crate) mask: Option<[u8; 4]>,
    pub(crate) header_len: usize,
    pub(crate) payload_len: u64,
}

/// Parses a frame header from the front of `src` without consuming it. `Ok(None)` if more
/// bytes are needed. `rsv1_allowed` is whether an extension gave RSV1 a meaning.
pub(crate) fn parse_header(
    src: &[u8],
    role: Role,
    rsv1_allowed: bool,
    max_payload: u64,
) -> Result<Option<Header>, ProtocolError> {
    if src.len() < 2 {
        return Ok(None);
    }
    let b0 = src[0];
    let b1 = src[1];
    let fin = b0 & 0x80 != 0;
    let rsv1 = b0 & 0x40 != 0;
    if b0 & 0x30 != 0 || (rsv1 && !rsv1_allowed) {
        return Err(ProtocolError::ReservedBits);
    }
    let opcode = OpCode::from_bits(b0 & 0x0f).ok_or(ProtocolError::UnknownOpcode(b0 & 0x0f))?;
    let masked = b1 & 0x80 != 0;
    match (role, masked) {
        (Role::Server, false) => return Err(ProtocolError::UnmaskedClientFrame),
        (Role::Client, true) => return Err(ProtocolError::MaskedServerFrame),
        _ => {}
    }
    let short = u64::from(b1 & 0x7f);
    if opcode.is_control() {
        if !fin {
            return Err(ProtocolError::FragmentedControl);
        }
        if short > 125 {
            return Err(ProtocolError::ControlTooLong);
        }
        if rsv1 {
            return Err(ProtocolError::ReservedBits);
        }
    }
    let (payload_len, mut at) = match short {
        126 => {
            if src.len() < 4 {
                return Ok(None);
            }
            (u64::from(u16::from_be_bytes([src[2], src[3]])), 4)
        }
        127 => {
            if src.len() < 10 {
                return Ok(None);
            }
            let mut b = [0u8; 8];
            b.copy_from_slice(&src[2..10]);
            let n = u64::from_be_bytes(b);
            if n & (1 << 63) != 0 {
                return Err(ProtocolError::BadLength);
            }
            (n, 10)
        }
        n => (n, 2),
    };
    if payload_len > max_payload {
        return Err(ProtocolError::MessageTooBig);
    }
    let mask = if masked {
        if src.len() < at + 4 {
            return Ok(None);
        }
        let m = [src[at], src[at + 1], src[at + 2], src[at + 3]];
        at += 4;
        Some(m)
    } else {
        None
    };
    Ok(Some(Header {
        fin,
        rsv1,
        opcode,
        mask,
        header_len: at,
        payload_len,
    }))
}

/// Takes a frame whose header was parsed and whose payload is fully in `src`.
pub(crate) fn take_frame(src: &mut BytesMut, header: &Header) -> Frame {
    src.advance(header.header_len);
    // The caller checked the length fits in the buffer, so it fits in usize.
    let len = header.payload_len as usize;
    let mut payload = src.split_to(len);
    if let Some(mask) = header.mask {
        apply_mask(&mut payload, mask);
    }
    Frame {
        fin: header.fin,
        rsv1: header.rsv1,
        opcode: header.opcode,
        payload: payload.freeze(),
    }
}

/// XORs `data` with the 4-byte masking key (masking and unmasking are the same operation).
pub fn apply_mask(data: &mut [u8], mask: [u8; 4]) {
    let wide = u64::from_ne_bytes([
        mask[0], mask[1], mask[2], mask[3], mask[0], mask[1], mask[2], mask[3],
    ]);
    let mut chunks = data.chunks_exact_mut(8);
    for chunk in &mut chunks {
        let mut b = [0u8; 8];
        b.copy_from_slice(chunk);
        let v = u64::from_ne_bytes(b) ^ wide;
        chunk.copy_from_slice(&v.to_ne_bytes());
    }
    for (i, byte) in chunks.into_remainder().iter_mut().enumerate() {
        *byte ^= mask[i & 3];
    }
}

/// Writes one frame: header, then the payload (masked with `mask` when given).
pub fn write_frame(
    dst: &mut BytesMut,
    fin: bool,
    rsv1: bool,
    opcode: OpCode,
    payload: &[u8],
    mask: Option<[u8; 4]>,
) {
    let mut b0 = opcode.bits();
    if fin {
        b0 |= 0x80;
    }
    if rsv1 {
        b0 |= 0x40;
    }
    let mask_bit = if mask.is_some() { 0x80 } else { 0 };
    let len = payload.len();
    dst.reserve(len + 14);
    dst.put_u8(b0);
    if len < 126 {
        dst.put_u8(mask_bit | len as u8);
    } else if len <= usize::from(u16::MAX) {
        dst.put_u8(mask_bit | 126);
        dst.put_u16(len as u16);
    } else {
        dst.put_u8(mask_bit | 127);
        dst.put_u64(len as u64);
    }
    match mask {
        Some(m) => {
            dst.put_slice(&m);
            let start = dst.len();
            dst.put_slice(payload);
            apply_mask(&mut dst[start..], m);
        }
        None => dst.put_slice(payload),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(src: &[u8], role: Role) -> Result<Option<Header>, ProtocolError> {
        parse_header(src, role, false, 1 << 20)
    }

    #[test]
    fn mask_roundtrip_all_lengths() {
        let key = [0x37, 0xfa, 0x21, 0x3d];
        for len in 0..40 {
            let orig: Vec<u8> = (0..len as u8).collect();
            let mut data = orig.clone();
            apply_mask(&mut data, key);
            for (i, (a, b)) in orig.iter().zip(&data).enumerate() {
                assert_eq!(a ^ key[i % 4], *b);
            }
            apply_mask(&mut data, key);
            assert_eq!(data, orig);
        }
    }

    #[test]
    fn rfc_examples() {
        // RFC 6455 §5.7: a masked "Hello" from a client.
        let bytes = [
            0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58,
        ];
        let h = parse(&bytes, Role::Server).unwrap().unwrap();
        assert!(h.fin);
        assert_eq!(h.opcode, OpCode::Text);
        assert_eq!(h.payload_len, 5);
        let mut buf = BytesMut::from(&bytes[..]);
        let f = take_frame(&mut buf, &h);
        assert_eq!(&f.payload[..], b"Hello");
        assert!(buf.is_empty());

        let mut out = BytesMut::new();
        write_frame(&mut out, true, false, OpCode::Text, b"Hello", None);
        assert_eq!(&out[..], &[0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]);
        let mut out = BytesMut::new();
        write_frame(
            &mut out,
            true,
            false,
            OpCode::Text,
            b"Hello",
            Some([0x37, 0xfa, 0x21, 0x3d]),
        );
        assert_eq!(&out[..], &bytes[..]);
    }

    #[test]
    fn length_forms() {
        for len in [0usize, 125, 126, 65535, 65536, 100_000] {
            let payload = vec![7u8; len];
            let mut out = BytesMut::new();
            write_frame(
                &mut out,
                true,
                false,
                OpCode::Binary,
                &payload,
                Some([1, 2, 3, 4]),
            );
            let h = parse(&out, Role::Server).unwrap().unwrap();
            assert_eq!(h.payload_len, len as u64);
            let f = take_frame(&mut out, &h);
            assert_eq!(f.payload.len(), len);
            assert!(f.payload.iter().all(|&b| b == 7));
        }
    }

    #[test]
    fn incomplete_headers_wait() {
        assert!(parse(&[0x81], Role::Server).unwrap().is_none());
        assert!(parse(&[0x82, 0xfe, 0x01], Role::Server).unwrap().is_none());
        assert!(parse(&[0x82, 0xff, 0, 0, 0, 0, 0, 1], Role::Server)
            .unwrap()
            .is_none());
        assert!(parse(&[0x82, 0x81, 1, 2], Role::Server).unwrap().is_none());
    }

    #[test]
    fn rule_violations() {
        assert_eq!(
            parse(&[0x81, 0x00], Role::Server).unwrap_err(),
            ProtocolError::UnmaskedClientFrame
        );
        assert_eq!(
            parse(&[0x81, 0x80], Role::Client).unwrap_err(),
            ProtocolError::MaskedServerFrame
        );
        assert_eq!(
            parse(&[0xa1, 0x80], Role::Server).unwrap_err(),
            ProtocolError::ReservedBits
        );
        assert_eq!(
            parse(&[0xc1, 0x80], Role::Server).unwrap_err(),
            ProtocolError::ReservedBits
        );
        assert_eq!(
            parse(&[0x83, 0x80], Role::Server).unwrap_err(),
            ProtocolError::UnknownOpcode(3)
        );
        assert_eq!(
            parse(&[0x09, 0x80], Role::Server).unwrap_err(),
            ProtocolError::FragmentedControl
        );
        assert_eq!(
            parse(&[0x89, 0xfe], Role::Server).unwrap_err(),
            ProtocolError::ControlTooLong
        );
        assert_eq!(
            parse(&[0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 0], Role::Server).unwrap_err(),
            ProtocolError::BadLength
        );
        assert_eq!(
            parse_header(&[0x82, 0xfe, 0x01, 0x00], Role::Server, false, 255).unwrap_err(),
            ProtocolError::MessageTooBig
        );
        // RSV1 is fine once an extension defines it, but never on control frames.
        assert!(
            parse_header(&[0xc1, 0x80, 0, 0, 0, 0], Role::Server, true, 10)
                .unwrap()
                .is_some()
        );
        assert_eq!(
            parse_header(&[0xc9, 0x80], Role::Server, true, 10).unwrap_err(),
            ProtocolError::ReservedBits
        );
    }
}
