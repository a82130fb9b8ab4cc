//! Helpers for composing futures (Tornado's `tornado.gen`).
//!
//! Tornado's generator coroutines are `async fn` in Rust; what remains are helpers whose
//! semantics Tornado users rely on:
//!
//! | Tornado | here |
//! |---|---|
//! | `gen.sleep(seconds)` | [`sleep`] |
//! | `gen.moment` | [`moment`] |
//! | `gen.with_timeout(timeout, awaitable)` | [`with_timeout`] |
//! | `gen.multi([...])`, `gen.multi({...})` | [`multi`], [`multi_map`] (+ `_quiet` variants) |
//! | `gen.WaitIterator(...)` | [`WaitIterator`] |
//! | `gen.TimeoutError` | [`Timeout`] |
//!
//! # Examples
//!
//! ```
//! use std::collections::HashMap;
//! use std::time::Duration;
//! use tornado::gen::{multi_map, with_timeout, Timeout, WaitIterator};
//!
//! # actix_rt::System::new().block_on(async {
//! # tokio::time::pause(); // a virtual clock keeps the completion order exact
//! // Several lookups at once, keyed like a dict in Tornado.
//! let lookups = [("a", 1), ("b", 2)].map(|(k, v)| (k, async move { Ok::<_, String>(v * 10) }));
//! let results: HashMap<_, _> = multi_map(lookups).await?;
//! assert_eq!(results["b"], 20);
//!
//! // Results in the order they finish, with their keys.
//! let mut waiter = WaitIterator::new(vec![
//!     Box::pin(tornado::gen::sleep(Duration::from_millis(20))),
//!     Box::pin(tornado::gen::sleep(Duration::from_millis(1))),
//! ]);
//! assert_eq!(waiter.next().await.map(|(index, ())| index), Some(1));
//! assert_eq!(waiter.next().await.map(|(index, ())| index), Some(0));
//! assert!(waiter.done());
//!
//! let slow = tornado::gen::sleep(Duration::from_secs(60));
//! assert_eq!(with_timeout(Duration::from_millis(1), slow).await, Err(Timeout));
//! # Ok::<_, String>(()) }).unwrap();
//! ```

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_core::Stream;
use futures_util::stream::FuturesUnordered;
use futures_util::StreamExt;

pub use crate::sync::{Deadline, Timeout};

/// Waits for `duration` without blocking the thread (Tornado's `gen.sleep`).
pub async fn sleep(duration: Duration) {
    tokio::time::sleep(duration).await;
}

/// Yields once to let other tasks run (Tornado's `gen.moment`).
pub async fn moment() {
    tokio::task::yield_now().await;
}

/// Awaits `future` until `timeout` (a `Duration` from now or an `Instant`) passes (Tornado's
/// `gen.with_timeout`).
///
/// **Rust's choice:** on timeout Tornado leaves the inner operation running; a Rust future does
/// nothing unless polled, so here it is *dropped*, which cancels it. To keep the operation
/// running past the timeout, spawn it first and wait on its handle:
/// `with_timeout(t, &mut handle)` where `handle = actix_rt::spawn(op)` — the task goes on, and
/// `handle` can be awaited again later.
///
/// # Errors
///
/// [`Timeout`] when the deadline passes first.
pub async fn with_timeout<F: Future>(
    timeout: impl Into<Deadline>,
    future: F,
) -> Result<F::Output, Timeout> {
    match timeout.into().instant() {
        Some(deadline) => tokio::time::timeout_at(deadline, future)
            .await
            .map_err(|_| Timeout),
        None => Ok(future.await),
    }
}

/// Runs futures concurrently and collects their results in input order (Tornado's
/// `gen.multi` over a list).
///
/// Every future runs to completion, even after one fails (Tornado does not cancel the others
/// either). The first error, in completion order, is returned; later errors are logged with
/// `tracing::error!` (use [`multi_quiet`] to silence some).
///
/// # Errors
///
/// The first error any future returned.
///
/// # Examples
///
/// ```
/// # actix_rt::System::new().block_on(async {
/// let doubled = tornado::gen::multi((1..=3).map(|n| async move { Ok::<_, String>(n * 2) })).await;
/// assert_eq!(doubled, Ok(vec![2, 4, 6]));
/// # });
/// ```
pub async fn multi<I, F, T, E>(futures: I) -> Result<Vec<T>, E>
where
    I: IntoIterator<Item = F>,
    F: Future<Output = Result<T, E>>,
    E: fmt::Display,
{
    multi_quiet(futures, |_| false).await
}

/// [`multi`], with errors for which `quiet` returns `true` not logged (Tornado's
/// `quiet_exceptions`). The first error is returned either way.
///
/// # Errors
///
/// The first error any future returned.
pub async fn multi_quiet<I, F, T, E, Q>(futures: I, quiet: Q) -> Result<Vec<T>, E>
where
    I: IntoIterator<Item = F>,
    F: Future<Output = Result<T, E>>,
    E: fmt::Display,
    Q: Fn(&E) -> bool,
{
    let results = run_all(futures.into_iter().enumerate(), &quiet).await?;
    Ok(results.into_iter().map(|(_, value)| value).collect())
}

/// Runs keyed futures concurrently and collects `(key, result)` pairs into any map (Tornado's
/// `gen.multi` over a dict); see [`multi`] for the error rules.
///
/// # Errors
///
/// The first error any future returned.
pub async fn multi_map<I, K, F, T, E, C>(futures: I) -> Result<C, E>
where
    I: IntoIterator<Item = (K, F)>,
    F: Future<Output = Result<T, E>>,
    E: fmt::Display,
    C: FromIterator<(K, T)>,
{
    multi_map_quiet(futures, |_| false).await
}

/// [`multi_map`], with errors for which `quiet` returns `true` not logged.
///
/// # Errors
///
/// The first error any future returned.
pub async fn multi_map_quiet<I, K, F, T, E, C, Q>(futures: I, quiet: Q) -> Result<C, E>
where
    I: IntoIterator<Item = (K, F)>,
    F: Future<Output = Result<T, E>>,
    E: fmt::Display,
    C: FromIterator<(K, T)>,
    Q: Fn(&E) -> bool,
{
    Ok(run_all(futures, &quiet).await?.into_iter().collect())
}

/// Drives every future to completion; results come back in input order.
async fn run_all<I, K, F, T, E>(futures: I, quiet: &dyn Fn(&E) -> bool) -> Result<Vec<(K, T)>, E>
where
    I: IntoIterator<Item = (K, F)>,
    F: Future<Output = Result<T, E>>,
    E: fmt::Display,
{
    let mut keys = Vec::new();
    let mut running = FuturesUnordered::new();
    for (position, (key, future)) in futures.into_iter().enumerate() {
        keys.push(Some(key));
        running.push(Keyed::new(position, future));
    }
    let mut values: Vec<Option<T>> = std::iter::repeat_with(|| None).take(keys.len()).collect();
    let mut first_error = None;
    while let Some((position, result)) = running.next().await {
        match result {
            Ok(value) => values[position] = Some(value),
            Err(err) if first_error.is_none() => first_error = Some(err),
            Err(err) => {
                if !quiet(&err) {
                    tracing::error!("multi: another future failed too (only the earliest error is returned): {err}");
                }
            }
        }
    }
    if let Some(err) = first_error {
        return Err(err);
    }
    Ok(keys
        .into_iter()
        .zip(values)
        .filter_map(|(key, value)| Some((key?, value?)))
        .collect())
}

/// A future tagged with a key, resolving to `(key, output)`.
struct Keyed<K, F> {
    key: Option<K>,
    future: Pin<Box<F>>,
}

impl<K, F: Future> Keyed<K, F> {
    fn new(key: K, future: F) -> Self {
        Keyed {
            key: Some(key),
            future: Box::pin(future),
        }
    }
}

// The key is never pinned; the future is behind a `Box`.
impl<K, F> Unpin for Keyed<K, F> {}

impl<K, F: Future> Future for Keyed<K, F> {
    type Output = (K, F::Output);

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let output = std::task::ready!(self.future.as_mut().poll(cx));
        match self.key.take() {
            Some(key) => Poll::Ready((key, output)),
            // Polled again after completion: behave like a finished future that never wakes.
            None => Poll::Pending,
        }
    }
}

/// Yields the results of several futures in the order they finish, each with its index or key
/// (Tornado's `gen.WaitIterator`).
///
/// Each item is the future's own output, so a future returning `Result` reports its error for
/// that item alone and iteration goes on. `WaitIterator` is also a [`Stream`].
///
/// # Examples
///
/// ```
/// use tornado::gen::WaitIterator;
///
/// # actix_rt::System::new().block_on(async {
/// let mut results = WaitIterator::from_map([
///     ("ok", Box::pin(async { Ok::<u8, &str>(1) }) as std::pin::Pin<Box<dyn std::future::Future<Output = _>>>),
///     ("bad", Box::pin(async { Err("failed") })),
/// ]);
/// let mut seen = Vec::new();
/// while let Some((key, result)) = results.next().await {
///     seen.push((key, result.is_ok()));
/// }
/// seen.sort();
/// assert_eq!(seen, vec![("bad", false), ("ok", true)]);
/// # });
/// ```
pub struct WaitIterator<K, F> {
    running: FuturesUnordered<Keyed<K, F>>,
    current_index: Option<K>,
}

impl<F: Future> WaitIterator<usize, F> {
    /// Waits on `futures`, keyed by their position.
    pub fn new(futures: impl IntoIterator<Item = F>) -> Self {
        Self::from_map(futures.into_iter().enumerate())
    }
}

impl<K, F: Future> WaitIterator<K, F> {
    /// Waits on keyed futures.
    pub fn from_map(futures: impl IntoIterator<Item = (K, F)>) -> Self {
        WaitIterator {
            running: futures
                .into_iter()
                .map(|(key, future)| Keyed::new(key, future))
                .collect(),
            current_index: None,
        }
    }

    /// Whether every future's result has been returned.
    pub fn done(&self) -> bool {
        self.running.is_empty()
    }

    /// The next result to finish with its key, or `None` when all were returned.
    pub async fn next(&mut self) -> Option<(K, F::Output)>
    where
        K: Clone,
    {
        let (key, output) = StreamExt::next(&mut self.running).await?;
        self.current_index = Some(key.clone());
        Some((key, output))
    }

    /// The key of the result last returned by [`next`](Self::next) (Tornado's
    /// `current_index`).
    pub fn current_index(&self) -> Option<&K> {
        self.current_index.as_ref()
    }
}

// Nothing in a `WaitIterator` is pinned in place: keys are plain values, futures are boxed.
impl<K, F> Unpin for WaitIterator<K, F> {}

/// Polling as a stream does not update [`current_index`](WaitIterator::current_index): the
/// key comes with each item.
impl<K, F: Future> Stream for WaitIterator<K, F> {
    type Item = (K, F::Output);

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().running.poll_next_unpin(cx)
    }
}

impl<K, F> fmt::Debug for WaitIterator<K, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitIterator")
            .field("pending", &self.running.len())
            .finish()
    }
}
