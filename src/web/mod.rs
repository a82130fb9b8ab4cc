//! Tornado's `web` module: the web framework on top of [`crate::http`].
//!
//! [`routing`] maps a request's host and path to whatever serves it.

pub mod routing;
