//! Tornado's `web` module: request handlers, applications and the pieces they share.
//!
//! The parts that do not depend on a running handler live in their own files and can be used
//! on their own:
//!
//! - [`transform`]: the [`OutputTransform`](transform::OutputTransform) trait and Tornado's
//!   gzip transform, [`GzipContentEncoding`](transform::GzipContentEncoding).
//! - [`etag`]: the default `Etag` and `If-None-Match` logic behind automatic `304 Not Modified`.
//! - [`error_page`]: the bodies Tornado's `write_error` sends.

pub mod error_page;
pub mod etag;
pub mod transform;
