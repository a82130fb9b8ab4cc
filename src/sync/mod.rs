//! Coordination primitives (Tornado's `locks` and `queues`), each an actor.
pub mod locks {}
pub mod queues {}
