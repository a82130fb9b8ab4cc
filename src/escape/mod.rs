//! Tornado's `escape` module.
