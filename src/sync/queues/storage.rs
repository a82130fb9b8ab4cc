//! The three orders a queue can hand items out in.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

/// Where a queue keeps its items.
pub(crate) trait Storage<T>: Send + 'static {
    fn with_capacity(capacity: usize) -> Self;
    fn push(&mut self, item: T);
    fn pop(&mut self) -> Option<T>;
    /// Puts back an item that was popped but never reached its getter, so it comes out next.
    fn unpop(&mut self, item: T);
    fn len(&self) -> usize;
}

/// First in, first out.
pub(crate) struct Fifo<T>(VecDeque<T>);

impl<T: Send + 'static> Storage<T> for Fifo<T> {
    fn with_capacity(capacity: usize) -> Self {
        Fifo(VecDeque::with_capacity(capacity))
    }
    fn push(&mut self, item: T) {
        self.0.push_back(item);
    }
    fn pop(&mut self) -> Option<T> {
        self.0.pop_front()
    }
    fn unpop(&mut self, item: T) {
        self.0.push_front(item);
    }
    fn len(&self) -> usize {
        self.0.len()
    }
}

/// Last in, first out.
pub(crate) struct Lifo<T>(Vec<T>);

impl<T: Send + 'static> Storage<T> for Lifo<T> {
    fn with_capacity(capacity: usize) -> Self {
        Lifo(Vec::with_capacity(capacity))
    }
    fn push(&mut self, item: T) {
        self.0.push(item);
    }
    fn pop(&mut self) -> Option<T> {
        self.0.pop()
    }
    fn unpop(&mut self, item: T) {
        self.0.push(item);
    }
    fn len(&self) -> usize {
        self.0.len()
    }
}

/// Smallest first.
pub(crate) struct Priority<T>(BinaryHeap<Reverse<T>>);

impl<T: Ord + Send + 'static> Storage<T> for Priority<T> {
    fn with_capacity(capacity: usize) -> Self {
        Priority(BinaryHeap::with_capacity(capacity))
    }
    fn push(&mut self, item: T) {
        self.0.push(Reverse(item));
    }
    fn pop(&mut self) -> Option<T> {
        self.0.pop().map(|Reverse(item)| item)
    }
    fn unpop(&mut self, item: T) {
        self.0.push(Reverse(item));
    }
    fn len(&self) -> usize {
        self.0.len()
    }
}
