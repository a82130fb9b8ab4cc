//! The web framework's building blocks (Tornado's `tornado.web`).
//!
//! So far these are the pure functions behind a handler's cookie methods:
//!
//! - [`cookies`]: `Set-Cookie` header values exactly as `set_cookie` / `clear_cookie` write
//!   them;
//! - [`signed`]: signed, timestamped values (`set_signed_cookie`, `get_signed_cookie`),
//!   byte-compatible with Tornado 6;
//! - [`xsrf`]: XSRF tokens, their masking, and the check that turns a forged form post into a
//!   403.

pub mod cookies;
pub mod signed;
pub mod xsrf;
