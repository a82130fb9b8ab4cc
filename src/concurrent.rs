//! Tornado's `concurrent` module.
