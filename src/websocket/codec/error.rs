//! Why a peer's frames were refused, and the close code that says so.

use std::fmt;

/// A broken rule of RFC 6455 / RFC 7692, or a limit. Each maps to the close code the
/// connection is closed with ([`close_code`](Self::close_code)).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProtocolError {
    /// RSV bits set that no extension defines (1002).
    ReservedBits,
    /// An opcode RFC 6455 does not define (1002).
    UnknownOpcode(u8),
    /// A client frame without a mask (1002). RFC 6455 §5.1 requires the server to close the
    /// connection; we always do.
    UnmaskedClientFrame,
    /// A server frame with a mask (1002).
    MaskedServerFrame,
    /// A control frame with FIN clear (1002).
    FragmentedControl,
    /// A control frame payload over 125 bytes (1002).
    ControlTooLong,
    /// A 64-bit length with its top bit set (1002).
    BadLength,
    /// A continuation frame with no message started, or a new message before the last ended
    /// (1002).
    BadContinuation,
    /// A one-byte close payload, or a close code that may not be sent (1002).
    BadClosePayload,
    /// Text (or a close reason) that is not UTF-8 (1007).
    InvalidUtf8,
    /// A message (after decompression) over the size limit (1009).
    MessageTooBig,
    /// The compressed data could not be inflated (1007).
    BadCompression(String),
}

impl ProtocolError {
    /// The close code to send for this error.
    pub fn close_code(&self) -> u16 {
        match self {
            ProtocolError::InvalidUtf8 | ProtocolError::BadCompression(_) => 1007,
            ProtocolError::MessageTooBig => 1009,
            _ => 1002,
        }
    }
}

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProtocolError::ReservedBits => f.write_str("reserved bits set"),
            ProtocolError::UnknownOpcode(o) => write!(f, "unknown opcode {o}"),
            ProtocolError::UnmaskedClientFrame => f.write_str("client frame is not masked"),
            ProtocolError::MaskedServerFrame => f.write_str("server frame is masked"),
            ProtocolError::FragmentedControl => f.write_str("fragmented control frame"),
            ProtocolError::ControlTooLong => f.write_str("control frame longer than 125 bytes"),
            ProtocolError::BadLength => f.write_str("invalid 64-bit payload length"),
            ProtocolError::BadContinuation => f.write_str("unexpected continuation or new message"),
            ProtocolError::BadClosePayload => f.write_str("invalid close frame payload"),
            ProtocolError::InvalidUtf8 => f.write_str("invalid UTF-8 in text"),
            ProtocolError::MessageTooBig => f.write_str("message too big"),
            ProtocolError::BadCompression(e) => write!(f, "bad compressed data: {e}"),
        }
    }
}

impl std::error::Error for ProtocolError {}

/// An error of the codec: the peer broke a rule, or the socket failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum CodecError {
    /// The peer broke the protocol; close with [`ProtocolError::close_code`].
    Protocol(ProtocolError),
    /// Reading or writing the socket failed.
    Io(std::io::Error),
}

impl fmt::Display for CodecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CodecError::Protocol(e) => e.fmt(f),
            CodecError::Io(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for CodecError {}

impl From<std::io::Error> for CodecError {
    fn from(e: std::io::Error) -> Self {
        CodecError::Io(e)
    }
}

impl From<ProtocolError> for CodecError {
    fn from(e: ProtocolError) -> Self {
        CodecError::Protocol(e)
    }
}

/// Whether a peer may send `code` in a close frame (RFC 6455 §7.4).
pub fn is_valid_close_code(code: u16) -> bool {
    matches!(code, 1000..=1003 | 1007..=1014 | 3000..=4999)
}
