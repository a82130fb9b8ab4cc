//! Tornado's `ioloop` module.
