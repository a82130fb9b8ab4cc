//! The FIFO of parked waiters that every primitive's actor owns.

use std::collections::VecDeque;

use tokio::sync::oneshot;

/// Senders of waiters in arrival order, each with an extra value `E` (an item for a blocked
/// putter, a generation for an event or join waiter).
///
/// A waiter that timed out or whose future was dropped has a closed sender. Closed senders are
/// skipped when granting and swept out in bulk when the queue doubles, so many abandoned waiters
/// cost amortised O(1) each and never pile up. The extra values of swept waiters are handed to
/// the caller (in `dead`) so it can drop them outside any lock.
pub(crate) struct WaitQueue<T, E = ()> {
    queue: VecDeque<(oneshot::Sender<T>, E)>,
    sweep_at: usize,
}

const FIRST_SWEEP: usize = 64;

impl<T, E> WaitQueue<T, E> {
    pub(crate) fn new() -> Self {
        WaitQueue {
            queue: VecDeque::new(),
            sweep_at: FIRST_SWEEP,
        }
    }

    /// Parks a waiter; returns how many closed waiters were swept out to make room.
    pub(crate) fn push(&mut self, tx: oneshot::Sender<T>, extra: E, dead: &mut Vec<E>) -> usize {
        let mut swept = 0;
        if self.queue.len() >= self.sweep_at {
            let mut live = VecDeque::with_capacity(self.queue.len());
            for (tx, extra) in self.queue.drain(..) {
                if tx.is_closed() {
                    dead.push(extra);
                    swept += 1;
                } else {
                    live.push_back((tx, extra));
                }
            }
            self.queue = live;
            self.sweep_at = (self.queue.len() * 2).max(FIRST_SWEEP);
        }
        self.queue.push_back((tx, extra));
        swept
    }

    /// Drops closed waiters at the front; returns how many.
    pub(crate) fn prune_front(&mut self, dead: &mut Vec<E>) -> usize {
        let mut pruned = 0;
        while self.queue.front().is_some_and(|(tx, _)| tx.is_closed()) {
            if let Some((_, extra)) = self.queue.pop_front() {
                dead.push(extra);
            }
            pruned += 1;
        }
        pruned
    }

    /// The oldest waiter's extra value, if any waiter is parked.
    pub(crate) fn front_extra(&self) -> Option<&E> {
        self.queue.front().map(|(_, extra)| extra)
    }

    /// Removes the oldest waiter.
    pub(crate) fn pop(&mut self) -> Option<(oneshot::Sender<T>, E)> {
        self.queue.pop_front()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn abandoned_waiters_are_swept_and_do_not_pile_up() {
        let mut queue: WaitQueue<(), u32> = WaitQueue::new();
        let mut live = Vec::new();
        let mut dead = Vec::new();
        let mut swept_total = 0;
        for i in 0..10_000u32 {
            let (tx, rx) = oneshot::channel();
            swept_total += queue.push(tx, i, &mut dead);
            if i % 100 == 0 {
                live.push(rx); // one waiter in a hundred stays
            }
        }
        assert_eq!(swept_total, dead.len());
        assert!(
            queue.queue.len() <= 2 * live.len() + FIRST_SWEEP + 1,
            "{} parked for {} live waiters",
            queue.queue.len(),
            live.len()
        );
        // The live ones are all still there, in order.
        let mut kept = Vec::new();
        queue.prune_front(&mut dead);
        while let Some((tx, i)) = queue.pop() {
            if !tx.is_closed() {
                kept.push(i);
            }
        }
        assert_eq!(kept, (0..10_000).step_by(100).collect::<Vec<_>>());
    }

    #[test]
    fn prune_front_stops_at_the_first_live_waiter() {
        let mut queue: WaitQueue<(), u8> = WaitQueue::new();
        let mut dead = Vec::new();
        let (gone, _) = oneshot::channel::<()>();
        let (live, _rx) = oneshot::channel::<()>();
        queue.push(gone, 1, &mut dead);
        queue.push(live, 2, &mut dead);
        assert_eq!(queue.prune_front(&mut dead), 1);
        assert_eq!(dead, vec![1]);
        assert_eq!(queue.front_extra(), Some(&2));
    }
}
