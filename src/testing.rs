//! Tornado's `testing` module.
