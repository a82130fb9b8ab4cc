//! Tornado's `gen` module.
