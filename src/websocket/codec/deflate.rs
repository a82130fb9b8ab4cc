//! permessage-deflate (RFC 7692): parameter negotiation, and the per-connection compressor and
//! decompressor.
//!
//! Compression uses flate2 with its zlib-rs backend, which supports LZ77 windows of 9 to 15
//! bits. A peer asking us to compress with an 8-bit window cannot be honoured (zlib cannot
//! produce one), so such an offer is declined; an 8-bit window for the peer's own compressor is
//! fine, since our 15-bit decompressor reads any smaller window.

use bytes::BytesMut;
use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};

use super::error::ProtocolError;

/// The extension's name in `Sec-WebSocket-Extensions`.
pub const EXTENSION_NAME: &str = "permessage-deflate";

/// The smallest window the compressor can use.
const MIN_OWN_WINDOW_BITS: u8 = 9;

/// The bytes every flushed deflate block ends with; stripped on send, appended on receive.
const TAIL: [u8; 4] = [0x00, 0x00, 0xff, 0xff];

/// How a connection compresses (Tornado's `compression_options`): `None` from
/// `get_compression_options` means no compression.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CompressionOptions {
    /// zlib compression level, 0–9. Default: 6.
    pub compression_level: u32,
    /// zlib memory level, 1–9. Default: 8.
    pub mem_level: u8,
    /// Ask for (server) or offer (client) no context takeover for our own compressor. Default:
    /// off.
    pub no_context_takeover: bool,
    /// The largest window our compressor may use, 9–15. Default: 15.
    pub max_window_bits: u8,
}

impl Default for CompressionOptions {
    fn default() -> Self {
        CompressionOptions {
            compression_level: 6,
            mem_level: 8,
            no_context_takeover: false,
            max_window_bits: 15,
        }
    }
}

/// The parameters both ends agreed on, from the point of view of one end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeflateConfig {
    /// Window bits our compressor uses.
    pub own_window_bits: u8,
    /// Reset our compressor after every message.
    pub own_no_context_takeover: bool,
    /// Window bits the peer compresses with.
    pub peer_window_bits: u8,
    /// The peer resets its compressor after every message (so do we, our decompressor).
    pub peer_no_context_takeover: bool,
    /// zlib level.
    pub level: u32,
}

/// One parsed `permessage-deflate` offer or response.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct Params {
    server_no_context_takeover: bool,
    client_no_context_takeover: bool,
    /// `None` absent, `Some(None)` present without a value.
    server_max_window_bits: Option<Option<u8>>,
    client_max_window_bits: Option<Option<u8>>,
}

fn parse_bits(v: Option<&str>) -> Result<Option<u8>, ()> {
    match v {
        None => Ok(None),
        Some(v) => {
            let v = v.trim().trim_matches('"');
            if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) || v.len() > 2 {
                return Err(());
            }
            match v.parse::<u8>() {
                Ok(n) if (8..=15).contains(&n) => Ok(Some(n)),
                _ => Err(()),
            }
        }
    }
}

/// Parses the parameters of one extension element; `Err` if any is unknown, repeated or
/// malformed (the offer is then declined).
fn parse_params<'a>(params: impl Iterator<Item = &'a str>) -> Result<Params, ()> {
    let mut p = Params::default();
    for param in params {
        let param = param.trim();
        if param.is_empty() {
            continue;
        }
        let (name, value) = match param.split_once('=') {
            Some((n, v)) => (n.trim(), Some(v)),
            None => (param, None),
        };
        match name.to_ascii_lowercase().as_str() {
            "server_no_context_takeover" if !p.server_no_context_takeover && value.is_none() => {
                p.server_no_context_takeover = true
            }
            "client_no_context_takeover" if !p.client_no_context_takeover && value.is_none() => {
                p.client_no_context_takeover = true
            }
            "server_max_window_bits" if p.server_max_window_bits.is_none() => {
                let bits = parse_bits(value)?;
                if bits.is_none() {
                    // Only the client's parameter may come without a value.
                    return Err(());
                }
                p.server_max_window_bits = Some(bits);
            }
            "client_max_window_bits" if p.client_max_window_bits.is_none() => {
                p.client_max_window_bits = Some(parse_bits(value)?)
            }
            _ => return Err(()),
        }
    }
    Ok(p)
}

/// Splits a `Sec-WebSocket-Extensions` value (or several) into elements: name and parameters.
fn elements<'a>(
    headers: &'a [&'a str],
) -> impl Iterator<Item = (&'a str, std::str::Split<'a, char>)> {
    headers
        .iter()
        .flat_map(|h| h.split(','))
        .filter_map(|element| {
            let mut parts = element.split(';');
            let name = parts.next()?.trim();
            if name.is_empty() {
                None
            } else {
                Some((name, parts))
            }
        })
}

/// Server side: picks the first `permessage-deflate` offer we can honour. Returns the response
/// header value and our configuration, or `None` to run without compression.
pub fn negotiate_server(
    offers: &[&str],
    options: &CompressionOptions,
) -> Option<(String, DeflateConfig)> {
    for (name, params) in elements(offers) {
        if !name.eq_ignore_ascii_case(EXTENSION_NAME) {
            continue;
        }
        let Ok(p) = parse_params(params) else {
            continue;
        };
        let mut own_bits = options.max_window_bits.clamp(MIN_OWN_WINDOW_BITS, 15);
        let mut response = String::from(EXTENSION_NAME);
        if let Some(Some(bits)) = p.server_max_window_bits {
            if bits < MIN_OWN_WINDOW_BITS {
                // The backend cannot compress with a window this small: decline the offer.
                continue;
            }
            own_bits = own_bits.min(bits);
        }
        let own_nct = p.server_no_context_takeover || options.no_context_takeover;
        if own_nct {
            response.push_str("; server_no_context_takeover");
        }
        if p.client_no_context_takeover {
            response.push_str("; client_no_context_takeover");
        }
        if own_bits < 15 {
            response.push_str(&format!("; server_max_window_bits={own_bits}"));
        }
        let mut peer_bits = 15;
        if let Some(Some(bits)) = p.client_max_window_bits {
            peer_bits = bits;
            response.push_str(&format!("; client_max_window_bits={bits}"));
        }
        return Some((
            response,
            DeflateConfig {
                own_window_bits: own_bits,
                own_no_context_takeover: own_nct,
                peer_window_bits: peer_bits,
                peer_no_context_takeover: p.client_no_context_takeover,
                level: options.compression_level.min(9),
            },
        ));
    }
    None
}

/// Client side: the offer to send for `options`.
pub fn client_offer(options: &CompressionOptions) -> String {
    let mut offer = format!("{EXTENSION_NAME}; client_max_window_bits");
    if options.no_context_takeover {
        offer.push_str("; client_no_context_takeover");
    }
    offer
}

/// Client side: checks the server's response to [`client_offer`]. `Err` with a reason when the
/// response is not one we can accept (the client then fails the connection, RFC 7692 §5).
pub fn accept_client(
    response: &[&str],
    options: &CompressionOptions,
) -> Result<Option<DeflateConfig>, String> {
    let mut found = None;
    for (name, params) in elements(response) {
        if !name.eq_ignore_ascii_case(EXTENSION_NAME) {
            return Err(format!("unexpected extension {name:?}"));
        }
        if found.is_some() {
            return Err("permessage-deflate accepted twice".into());
        }
        let p =
            parse_params(params).map_err(|_| "invalid permessage-deflate parameters".to_owned())?;
        let own_bits = match p.client_max_window_bits {
            Some(Some(bits)) if bits < MIN_OWN_WINDOW_BITS => {
                return Err(format!("cannot compress with a {bits}-bit window"))
            }
            Some(Some(bits)) => bits.min(options.max_window_bits.clamp(MIN_OWN_WINDOW_BITS, 15)),
            Some(None) => return Err("client_max_window_bits without a value".into()),
            None => options.max_window_bits.clamp(MIN_OWN_WINDOW_BITS, 15),
        };
        let peer_bits = match p.server_max_window_bits {
            Some(Some(bits)) => bits,
            _ => 15,
        };
        found = Some(DeflateConfig {
            own_window_bits: own_bits,
            own_no_context_takeover: p.client_no_context_takeover || options.no_context_takeover,
            peer_window_bits: peer_bits,
            peer_no_context_takeover: p.server_no_context_takeover,
            level: options.compression_level.min(9),
        });
    }
    Ok(found)
}

/// Compresses outgoing messages.
pub struct Deflater {
    compress: Compress,
    no_context_takeover: bool,
}

impl std::fmt::Debug for Deflater {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Deflater").finish_non_exhaustive()
    }
}

impl Deflater {
    /// A compressor for `config`.
    pub fn new(config: &DeflateConfig) -> Self {
        let bits = config.own_window_bits.clamp(MIN_OWN_WINDOW_BITS, 15);
        Deflater {
            compress: Compress::new_with_window_bits(Compression::new(config.level), false, bits),
            no_context_takeover: config.own_no_context_takeover,
        }
    }

    /// Compresses one whole message into `out` (which is cleared first), without the
    /// trailing `00 00 ff ff`.
    pub fn compress(&mut self, data: &[u8], out: &mut Vec<u8>) -> Result<(), String> {
        out.clear();
        out.reserve(data.len() / 2 + 64);
        let start_in = self.compress.total_in();
        loop {
            if out.capacity() - out.len() < 64 {
                out.reserve(out.capacity().max(1024));
            }
            let consumed = (self.compress.total_in() - start_in) as usize;
            self.compress
                .compress_vec(&data[consumed..], out, FlushCompress::Sync)
                .map_err(|e| e.to_string())?;
            let consumed = (self.compress.total_in() - start_in) as usize;
            // Output space left over after a sync flush means the flush is complete.
            if consumed == data.len() && out.len() < out.capacity() {
                break;
            }
        }
        if out.ends_with(&TAIL) {
            out.truncate(out.len() - 4);
        }
        if out.is_empty() {
            // An empty message still needs one (empty) stored block.
            out.push(0x00);
        }
        if self.no_context_takeover {
            self.compress.reset();
        }
        Ok(())
    }
}

/// Decompresses incoming messages, frame by frame, with a limit on the output.
pub struct Inflater {
    decompress: Decompress,
    no_context_takeover: bool,
}

impl std::fmt::Debug for Inflater {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inflater").finish_non_exhaustive()
    }
}

impl Inflater {
    /// A decompressor for `config`. It always uses a 15-bit window, which reads data
    /// compressed with any smaller one.
    pub fn new(config: &DeflateConfig) -> Self {
        Inflater {
            decompress: Decompress::new_with_window_bits(false, 15),
            no_context_takeover: config.peer_no_context_takeover,
        }
    }

    /// Inflates `input` (a frame's payload; with `last`, the message's end, after which the
    /// stripped tail is fed) into `out`, failing once `out` would exceed `limit` bytes.
    pub fn inflate(
        &mut self,
        input: &[u8],
        last: bool,
        out: &mut BytesMut,
        limit: usize,
    ) -> Result<(), ProtocolError> {
        self.feed(input, out, limit)?;
        if last {
            self.feed(&TAIL, out, limit)?;
            if self.no_context_takeover {
                self.decompress.reset(false);
            }
        }
        Ok(())
    }

    fn feed(
        &mut self,
        input: &[u8],
        out: &mut BytesMut,
        limit: usize,
    ) -> Result<(), ProtocolError> {
        let mut scratch = [0u8; 16 * 1024];
        let mut pos = 0;
        loop {
            let before_in = self.decompress.total_in();
            let before_out = self.decompress.total_out();
            let status = self
                .decompress
                .decompress(&input[pos..], &mut scratch, FlushDecompress::Sync)
                .map_err(|e| ProtocolError::BadCompression(e.to_string()))?;
            let used = (self.decompress.total_in() - before_in) as usize;
            let produced = (self.decompress.total_out() - before_out) as usize;
            pos += used;
            if out.len() + produced > limit {
                return Err(ProtocolError::MessageTooBig);
            }
            out.extend_from_slice(&scratch[..produced]);
            if used == 0 && produced == 0 && pos < input.len() {
                // The decompressor takes no more of this input: it is not valid deflate data.
                return Err(ProtocolError::BadCompression("trailing data".into()));
            }
            if matches!(status, Status::StreamEnd) {
                // A final block ends the stream; anything after it starts a new one.
                self.decompress.reset(false);
                if pos == input.len() {
                    return Ok(());
                }
                continue;
            }
            if pos == input.len() && produced < scratch.len() {
                return Ok(());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> DeflateConfig {
        negotiate_server(&["permessage-deflate"], &CompressionOptions::default())
            .unwrap()
            .1
    }

    #[test]
    fn roundtrip_with_context() {
        let cfg = config();
        let mut d = Deflater::new(&cfg);
        let mut i = Inflater::new(&cfg);
        let mut packed = Vec::new();
        for msg in [
            &b"hello hello hello"[..],
            b"",
            b"hello again",
            &[0u8; 100_000][..],
        ] {
            d.compress(msg, &mut packed).unwrap();
            let mut out = BytesMut::new();
            i.inflate(&packed, true, &mut out, 1 << 20).unwrap();
            assert_eq!(&out[..], msg);
        }
    }

    #[test]
    fn rfc7692_example() {
        // RFC 7692 §7.2.3.1: "Hello" compressed.
        let mut i = Inflater::new(&config());
        let mut out = BytesMut::new();
        i.inflate(
            &[0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00],
            true,
            &mut out,
            100,
        )
        .unwrap();
        assert_eq!(&out[..], b"Hello");
    }

    #[test]
    fn zip_bomb_is_stopped() {
        let cfg = config();
        let mut d = Deflater::new(&cfg);
        let mut packed = Vec::new();
        d.compress(&vec![b'a'; 10 << 20], &mut packed).unwrap();
        assert!(packed.len() < 64 * 1024);
        let mut i = Inflater::new(&cfg);
        let mut out = BytesMut::new();
        assert_eq!(
            i.inflate(&packed, true, &mut out, 1 << 20).unwrap_err(),
            ProtocolError::MessageTooBig
        );
        assert!(out.len() <= 1 << 20);
    }

    #[test]
    fn final_blocks_and_trailing_bytes_never_spin() {
        // Complete streams (BFINAL set) followed by more bytes, and truncated ones: each ends
        // with a result, never a spin (a fuzzer finding).
        let cfg = config();
        let cases: [&[u8]; 5] = [
            &[0x03, 0x00, 0xff, 0xff, 0xff, 0xff, 0x00],
            &[0x03, 0x00, 0x03, 0x00],
            &[0x01, 0x00, 0x00, 0xff, 0xff],
            &[0x03, 0x00],
            &[0x00],
        ];
        for data in cases {
            let mut i = Inflater::new(&cfg);
            let mut out = BytesMut::new();
            let _ = i.inflate(data, true, &mut out, 100);
            assert!(out.len() <= 100);
        }
    }

    #[test]
    fn garbage_is_an_error() {
        let mut i = Inflater::new(&config());
        let mut out = BytesMut::new();
        assert!(matches!(
            i.inflate(&[0xff, 0xff, 0xff, 0xff], true, &mut out, 100),
            Err(ProtocolError::BadCompression(_))
        ));
    }

    #[test]
    fn server_negotiation() {
        let o = CompressionOptions::default();
        let (resp, cfg) = negotiate_server(
            &["permessage-deflate; client_max_window_bits; server_max_window_bits=10"],
            &o,
        )
        .unwrap();
        assert_eq!(resp, "permessage-deflate; server_max_window_bits=10");
        assert_eq!(cfg.own_window_bits, 10);
        assert_eq!(cfg.peer_window_bits, 15);

        let (resp, cfg) = negotiate_server(
            &["permessage-deflate; server_no_context_takeover; client_no_context_takeover; client_max_window_bits=9"],
            &o,
        )
        .unwrap();
        assert_eq!(
            resp,
            "permessage-deflate; server_no_context_takeover; client_no_context_takeover; client_max_window_bits=9"
        );
        assert!(cfg.own_no_context_takeover && cfg.peer_no_context_takeover);

        // An 8-bit server window cannot be honoured; the next offer is taken.
        let (resp, _) = negotiate_server(
            &["permessage-deflate; server_max_window_bits=8, permessage-deflate"],
            &o,
        )
        .unwrap();
        assert_eq!(resp, "permessage-deflate");
        // Unknown, repeated, or malformed parameters decline the offer.
        for bad in [
            "permessage-deflate; foo",
            "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
            "permessage-deflate; server_max_window_bits",
            "permessage-deflate; client_max_window_bits=16",
            "permessage-deflate; client_max_window_bits=abc",
            "x-webkit-deflate-frame",
        ] {
            assert!(negotiate_server(&[bad], &o).is_none(), "{bad}");
        }
    }

    #[test]
    fn client_acceptance() {
        let o = CompressionOptions::default();
        assert_eq!(accept_client(&[], &o).unwrap(), None);
        let cfg = accept_client(&["permessage-deflate; client_max_window_bits=12"], &o)
            .unwrap()
            .unwrap();
        assert_eq!(cfg.own_window_bits, 12);
        assert!(accept_client(&["permessage-deflate; client_max_window_bits=8"], &o).is_err());
        assert!(accept_client(&["permessage-deflate; bogus"], &o).is_err());
        assert!(accept_client(&["other-ext"], &o).is_err());
    }

    #[test]
    fn small_windows_roundtrip() {
        for bits in 9..=15 {
            let cfg = DeflateConfig {
                own_window_bits: bits,
                own_no_context_takeover: true,
                peer_window_bits: bits,
                peer_no_context_takeover: true,
                level: 9,
            };
            let mut d = Deflater::new(&cfg);
            let mut i = Inflater::new(&cfg);
            let msg: Vec<u8> = (0..50_000u32).map(|n| (n % 251) as u8).collect();
            let mut packed = Vec::new();
            for _ in 0..2 {
                d.compress(&msg, &mut packed).unwrap();
                let mut out = BytesMut::new();
                i.inflate(&packed, true, &mut out, 1 << 20).unwrap();
                assert_eq!(out.len(), msg.len());
            }
        }
    }
}
