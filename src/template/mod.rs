//! Tornado's `template` module.
