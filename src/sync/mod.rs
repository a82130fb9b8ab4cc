//! Coordination primitives (Tornado's `locks` and `queues`), each an actor.

/// Locks, conditions, events and semaphores.
pub mod locks {}

/// Producer/consumer queues.
pub mod queues {}
