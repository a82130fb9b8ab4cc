//! Producer/consumer queues for tasks (Tornado's `tornado.queues`).
//!
//! | type | Tornado | hands out |
//! |---|---|---|
//! | [`Queue`] | `Queue` | the oldest item first |
//! | [`PriorityQueue`] | `PriorityQueue` | the smallest item first (`T: Ord`; use `(priority, data)` tuples) |
//! | [`LifoQueue`] | `LifoQueue` | the newest item first |
//!
//! Each queue is an actor behind a cheap, cloneable handle that works from any thread. All three
//! have the same methods:
//!
//! * `new(maxsize)`: `None` or `Some(0)` for an unbounded queue, `Some(n)` to hold at most `n`.
//! * [`put(item, timeout)`](Queue::put) waits for room; [`put_nowait`](Queue::put_nowait)
//!   returns [`QueueFull`] (with the item) instead.
//! * [`get(timeout)`](Queue::get) waits for an item; [`get_nowait`](Queue::get_nowait) returns
//!   [`QueueEmpty`] instead. A waiting getter receives the next item directly, and taking an item
//!   admits the oldest blocked putter.
//! * [`task_done`](Queue::task_done) and [`join(timeout)`](Queue::join): every put counts one
//!   unfinished task; `task_done` marks one finished (too many calls is a
//!   [`UsageError`]); `join` waits until none is left.
//! * [`qsize`](Queue::qsize), [`empty`](Queue::empty), [`full`](Queue::full) (never true when
//!   unbounded) and [`maxsize`](Queue::maxsize).
//! * Each queue is a [`Stream`] of its items, for Tornado's `async for`:
//!   `while let Some(item) = queue.next().await`. The stream ends only if the queue's arbiter
//!   stops.
//!
//! Waiters are served first come, first served; see [`crate::sync`] for timeouts, costs and
//! cancellation safety (a `get` that times out or is dropped never swallows an item).
//!
//! # Examples
//!
//! A producer and two consumers, with `join` waiting until every item was processed:
//!
//! ```
//! use futures_util::StreamExt;
//! use tornado::queues::Queue;
//!
//! # actix_rt::System::new().block_on(async {
//! let queue: Queue<u32> = Queue::new(Some(2));
//! for _ in 0..2 {
//!     let mut queue = queue.clone();
//!     actix_rt::spawn(async move {
//!         while let Some(item) = queue.next().await {
//!             println!("processing {item}");
//!             queue.task_done().expect("one task_done per item");
//!         }
//!     });
//! }
//! for item in 0..10 {
//!     queue.put(item, None).await?; // waits while two items are queued
//! }
//! queue.join(None).await?;
//! assert!(queue.empty());
//! # Ok::<_, tornado::sync::WaitError>(()) }).unwrap();
//! ```

mod core;
mod storage;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use futures_core::Stream;

use self::core::{Core, GetFuture};
use self::storage::{Fifo, Lifo, Priority, Storage};

pub use super::deadline::Deadline;
pub use super::error::{QueueEmpty, QueueFull, UsageError, WaitError};

macro_rules! queue_type {
    (
        $(#[$doc:meta])*
        $name:ident<T $(: $bound:ident)?>, $storage:ident, $order:literal
    ) => {
        $(#[$doc])*
        pub struct $name<T: Send + 'static $(+ $bound)?> {
            core: Core<T, $storage<T>>,
            /// The pending `get` of the `Stream` implementation.
            next: Option<GetFuture<T, $storage<T>>>,
        }

        impl<T: Send + 'static $(+ $bound)?> $name<T> {
            #[doc = concat!("A queue that hands out ", $order, " and holds at most `maxsize` items")]
            /// (`None` or `Some(0)`: no limit).
            ///
            /// The queue's actor starts on the current arbiter, or on tornado's background
            /// arbiter when the calling thread runs no actix `System`.
            pub fn new(maxsize: Option<usize>) -> Self {
                $name {
                    core: Core::new(maxsize),
                    next: None,
                }
            }

            /// Puts an item, waiting for room until `timeout` passes.
            ///
            /// The place in line is taken when this method is called. If the item is accepted
            /// the future resolves `Ok(())`; on timeout the item is dropped, never added.
            ///
            /// # Errors
            ///
            /// [`WaitError::Timeout`] when `timeout` passes first; [`WaitError::Closed`] if the
            /// queue's arbiter stopped.
            pub fn put(
                &self,
                item: T,
                timeout: impl Into<Deadline>,
            ) -> impl Future<Output = Result<(), WaitError>> + Send + 'static {
                self.core.put(item, timeout.into())
            }

            /// Puts an item if there is room, without waiting.
            ///
            /// # Errors
            ///
            /// [`QueueFull`], holding the item, if the queue is full.
            pub fn put_nowait(&self, item: T) -> Result<(), QueueFull<T>> {
                self.core.put_nowait(item)
            }

            /// Takes the next item, waiting until one arrives or `timeout` passes.
            ///
            /// The place in line is taken when this method is called. A getter that times out
            /// or whose future is dropped never receives an item; an item handed to it at that
            /// very moment goes back to the head of the queue.
            ///
            /// # Errors
            ///
            /// [`WaitError::Timeout`] when `timeout` passes first; [`WaitError::Closed`] if the
            /// queue's arbiter stopped.
            pub fn get(
                &self,
                timeout: impl Into<Deadline>,
            ) -> impl Future<Output = Result<T, WaitError>> + Send + 'static {
                self.core.get(timeout.into())
            }

            /// Takes the next item if there is one, without waiting.
            ///
            /// # Errors
            ///
            /// [`QueueEmpty`] if the queue is empty.
            pub fn get_nowait(&self) -> Result<T, QueueEmpty> {
                self.core.get_nowait()
            }

            /// Marks one item taken with `get` as processed.
            ///
            /// # Errors
            ///
            /// [`UsageError::TaskDoneTooManyTimes`] if every item put was already marked done.
            pub fn task_done(&self) -> Result<(), UsageError> {
                self.core.task_done()
            }

            /// Waits until every item put has been marked done with
            /// [`task_done`](Self::task_done), or `timeout` passes.
            ///
            /// # Errors
            ///
            /// [`WaitError::Timeout`] when `timeout` passes first; [`WaitError::Closed`] if the
            /// queue's arbiter stopped.
            pub fn join(
                &self,
                timeout: impl Into<Deadline>,
            ) -> impl Future<Output = Result<(), WaitError>> + Send + 'static {
                self.core.join(timeout.into())
            }

            /// Items in the queue now.
            pub fn qsize(&self) -> usize {
                self.core.qsize()
            }

            /// Whether the queue holds no items.
            pub fn empty(&self) -> bool {
                self.qsize() == 0
            }

            /// Whether the queue holds `maxsize` items (never, if unbounded).
            pub fn full(&self) -> bool {
                self.core.full()
            }

            /// The bound given to `new`; `None` if unbounded.
            pub fn maxsize(&self) -> Option<usize> {
                self.core.maxsize()
            }

            /// Items put and not yet marked done with [`task_done`](Self::task_done).
            pub fn unfinished_tasks(&self) -> usize {
                self.core.unfinished()
            }
        }

        impl<T: Send + 'static $(+ $bound)?> Default for $name<T> {
            /// An unbounded queue, as Tornado's default `maxsize=0`.
            fn default() -> Self {
                $name::new(None)
            }
        }

        impl<T: Send + 'static $(+ $bound)?> Clone for $name<T> {
            /// Another handle to the same queue (a stream `get` in progress is not shared).
            fn clone(&self) -> Self {
                $name {
                    core: self.core.clone(),
                    next: None,
                }
            }
        }

        impl<T: Send + 'static $(+ $bound)?> fmt::Debug for $name<T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($name))
                    .field("qsize", &self.qsize())
                    .field("maxsize", &self.maxsize())
                    .finish()
            }
        }

        impl<T: Send + 'static $(+ $bound)?> Stream for $name<T> {
            type Item = T;

            /// Waits for the next item like `get(None)`. The stream ends only if the queue's
            /// arbiter stops. Dropping the handle while it waits gives up the place in line.
            fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
                let this = self.get_mut();
                poll_next_item(&this.core, &mut this.next, cx)
            }
        }
    };
}

fn poll_next_item<T: Send + 'static, S: Storage<T>>(
    core: &Core<T, S>,
    next: &mut Option<GetFuture<T, S>>,
    cx: &mut Context<'_>,
) -> Poll<Option<T>> {
    let get = next.get_or_insert_with(|| core.get(Deadline::NEVER));
    let result = ready!(Pin::new(get).poll(cx));
    *next = None;
    Poll::Ready(result.ok())
}

queue_type! {
    /// A first-in, first-out queue (Tornado's `Queue`).
    ///
    /// See the [module documentation](self) for the full contract.
    ///
    /// # Examples
    ///
    /// ```
    /// use tornado::queues::Queue;
    /// use tornado::sync::{QueueEmpty, WaitError};
    /// use std::time::Duration;
    ///
    /// # actix_rt::System::new().block_on(async {
    /// let q = Queue::new(Some(1));
    /// q.put_nowait("a").expect("room for one");
    /// assert!(q.put_nowait("b").is_err()); // QueueFull
    /// assert_eq!(q.get(None).await, Ok("a"));
    /// assert_eq!(q.get_nowait(), Err(QueueEmpty));
    /// assert_eq!(q.get(Duration::from_millis(5)).await, Err(WaitError::Timeout));
    /// # });
    /// ```
    Queue<T>, Fifo, "the oldest item first"
}

queue_type! {
    /// A queue that hands out its smallest item first (Tornado's `PriorityQueue`).
    ///
    /// # Examples
    ///
    /// ```
    /// use tornado::queues::PriorityQueue;
    ///
    /// # actix_rt::System::new().block_on(async {
    /// let q = PriorityQueue::new(None);
    /// for job in [(1, "medium"), (0, "high"), (10, "low")] {
    ///     q.put_nowait(job).expect("unbounded");
    /// }
    /// assert_eq!(q.get_nowait(), Ok((0, "high")));
    /// assert_eq!(q.get_nowait(), Ok((1, "medium")));
    /// assert_eq!(q.get_nowait(), Ok((10, "low")));
    /// # });
    /// ```
    PriorityQueue<T: Ord>, Priority, "the smallest item first"
}

queue_type! {
    /// A queue that hands out its newest item first (Tornado's `LifoQueue`).
    ///
    /// # Examples
    ///
    /// ```
    /// use tornado::queues::LifoQueue;
    ///
    /// # actix_rt::System::new().block_on(async {
    /// let q = LifoQueue::new(None);
    /// for n in [3, 1, 2] {
    ///     q.put_nowait(n).expect("unbounded");
    /// }
    /// assert_eq!(q.get_nowait(), Ok(2));
    /// assert_eq!(q.get_nowait(), Ok(1));
    /// assert_eq!(q.get_nowait(), Ok(3));
    /// # });
    /// ```
    LifoQueue<T>, Lifo, "the newest item first"
}
