//! Safety limits: a template can never exhaust memory, recurse without bound or loop forever.

/// Largest output a render may produce (and largest string an expression may build): 64 MiB.
pub const MAX_OUTPUT_BYTES: usize = 64 << 20;

/// Longest list an expression may build (`range()`, repetition, concatenation): 1,000,000 items.
pub const MAX_SEQUENCE_LEN: usize = 1_000_000;

/// Total `{% for %}` and `{% while %}` iterations allowed in one render: 1,000,000.
pub const MAX_LOOP_ITERATIONS: u64 = 1_000_000;

/// Total size of the strings and lists that expressions build in one render (results of
/// operators, function and method calls), in bytes or items: 256 Mi. This bounds the time a
/// template can spend on work such as `{% set s += s %}` in a loop.
pub const MAX_EXPRESSION_WORK: u64 = 256 << 20;

/// Deepest nesting of block directives (`if`, `for`, `block`, …) in one template: 100.
pub const MAX_NESTING: usize = 100;

/// Deepest chain of `{% include %}` / `{% extends %}` while loading or rendering: 32.
pub const MAX_INCLUDE_DEPTH: usize = 32;
