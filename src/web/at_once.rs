//! Running a request's handler future at once, in an allocation reused from one request to
//! the next.
//!
//! Most handlers finish on their first poll. Such a future is made, polled and dropped in a
//! [`Slot`]: a block of memory that then waits (as this thread's spare) for the next future
//! of the same layout, so the allocator is not called per request. Only a future that is still
//! pending after its first poll is handed out, boxed as a pointer to its block; the block goes
//! back to the spare when that future is dropped.

use std::alloc::{alloc, dealloc, handle_alloc_error, Layout};
use std::cell::Cell;
use std::future::Future;
use std::marker::PhantomData;
use std::mem::{ManuallyDrop, MaybeUninit};
use std::pin::Pin;
use std::ptr::NonNull;
use std::task::{Context, Poll, Waker};

use futures_util::future::LocalBoxFuture;

/// Heap memory of one layout (none for a zero-sized one), freed when dropped.
struct Block {
    ptr: NonNull<u8>,
    layout: Layout,
}

thread_local! {
    /// The block of the last future that ended on this thread.
    static SPARE: Cell<Option<Block>> = const { Cell::new(None) };
}

impl Block {
    /// This thread's spare block when it has `layout`, else a new one. (A spare of another
    /// layout is freed: the new block takes its place when its future ends.)
    fn get(layout: Layout) -> Block {
        if let Ok(Some(spare)) = SPARE.try_with(Cell::take) {
            if spare.layout == layout {
                return spare;
            }
        }
        if layout.size() == 0 {
            // Nothing to allocate: any non-null address with the alignment will do.
            let ptr = std::ptr::without_provenance_mut::<u8>(layout.align());
            return Block {
                ptr: NonNull::new(ptr).unwrap_or(NonNull::dangling()),
                layout,
            };
        }
        // SAFETY: the layout is not zero-sized.
        let ptr = unsafe { alloc(layout) };
        match NonNull::new(ptr) {
            Some(ptr) => Block { ptr, layout },
            None => handle_alloc_error(layout),
        }
    }

    /// Keeps the block as this thread's spare (replacing, and freeing, the one before).
    fn give_back(self) {
        // During thread teardown the closure is not run, and the block is freed with it.
        let _ = SPARE.try_with(move |spare| spare.set(Some(self)));
    }
}

impl Drop for Block {
    fn drop(&mut self) {
        if self.layout.size() != 0 {
            // SAFETY: the memory was allocated with this layout and is freed only here.
            unsafe { dealloc(self.ptr.as_ptr(), self.layout) }
        }
    }
}

/// A future of type `F` living in a [`Block`] that holds nothing else. It never moves there,
/// so it may be polled through a pinned reference made from the pointer; dropping the
/// `InBlock` drops the future and gives the block back.
struct InBlock<F: Future<Output = ()>> {
    block: ManuallyDrop<Block>,
    _future: PhantomData<F>,
}

// The future is pinned in its block, not in the `InBlock`, which may move freely.
impl<F: Future<Output = ()>> Unpin for InBlock<F> {}

impl<F: Future<Output = ()>> Future for InBlock<F> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // SAFETY: the block holds an `F` (written before `Slot::run`), alive until `drop` below
        // and never moved out of the block, and only this `InBlock` reaches it.
        let future = unsafe { Pin::new_unchecked(&mut *self.block.ptr.as_ptr().cast::<F>()) };
        future.poll(cx)
    }
}

impl<F: Future<Output = ()>> Drop for InBlock<F> {
    fn drop(&mut self) {
        // SAFETY: the block holds an `F` (see `poll`), dropped here once. Were its drop to
        // panic, the block (in its `ManuallyDrop`) would leak rather than be freed twice.
        unsafe {
            std::ptr::drop_in_place(self.block.ptr.as_ptr().cast::<F>());
            ManuallyDrop::take(&mut self.block).give_back();
        }
    }
}

/// A future that is always ready. It has no size, so boxing it does not allocate (unlike
/// `std::future::ready(())`, which holds an `Option<()>`).
struct Finished;

impl Future for Finished {
    type Output = ();

    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        Poll::Ready(())
    }
}

/// A finished future, boxed without allocating.
pub(crate) fn finished() -> LocalBoxFuture<'static, ()> {
    Box::pin(Finished)
}

/// A place for one future of type `F`, in a block reused from the last future of its layout:
/// write the future into [`place`](Self::place), then [`run`](Self::run) it.
///
/// (A closure that makes the future, given to a function that writes it, does not do: the
/// compiler then builds the closure's captures and the future on the stack and copies them.
/// Written through `place` like `Box::new_uninit`'s slot, the future is built where it lives.)
pub(crate) struct Slot<F> {
    block: ManuallyDrop<Block>,
    _future: PhantomData<F>,
}

impl<F: Future<Output = ()> + 'static> Slot<F> {
    pub(crate) fn new() -> Self {
        Slot {
            block: ManuallyDrop::new(Block::get(Layout::new::<F>())),
            _future: PhantomData,
        }
    }

    /// Where the future goes.
    #[inline(always)]
    pub(crate) fn place(&mut self) -> &mut MaybeUninit<F> {
        // SAFETY: the block is unused and has `F`'s layout; the reference borrows the slot.
        unsafe { &mut *self.block.ptr.as_ptr().cast::<MaybeUninit<F>>() }
    }

    /// Polls the future once, then:
    /// - when it is finished, drops it and returns a finished future (boxing it does not
    ///   allocate), and the block waits for the next future;
    /// - else returns it (boxed as a pointer to its block), to be polled on as usual.
    ///
    /// The first poll has a waker that does nothing, so whoever gets a pending future must
    /// poll it (as any pending future): that poll gives it the real waker. Futures are required
    /// to wake only the waker of their latest poll, so no wake-up is lost.
    ///
    /// A panic in the first poll is the caller's, as if it had polled the future itself; the
    /// future is dropped and its block kept.
    ///
    /// # Safety
    ///
    /// A future must have been written into [`place`](Self::place).
    pub(crate) unsafe fn run(self) -> LocalBoxFuture<'static, ()> {
        let mut slot = ManuallyDrop::new(self);
        let mut future = InBlock::<F> {
            // SAFETY: the slot is forgotten, so the block is taken once.
            block: ManuallyDrop::new(unsafe { ManuallyDrop::take(&mut slot.block) }),
            _future: PhantomData,
        };
        match Pin::new(&mut future).poll(&mut Context::from_waker(Waker::noop())) {
            Poll::Ready(()) => finished(),
            Poll::Pending => Box::pin(future),
        }
    }
}

impl<F> Drop for Slot<F> {
    /// A slot dropped without being run holds no future: only the block is given back.
    fn drop(&mut self) {
        // SAFETY: the block is taken here once (`run` forgets the slot).
        unsafe { ManuallyDrop::take(&mut self.block) }.give_back();
    }
}

/// Runs the future `make` returns through a [`Slot`] (a convenience for tests).
#[cfg(test)]
fn run<F: Future<Output = ()> + 'static>(make: impl FnOnce() -> F) -> LocalBoxFuture<'static, ()> {
    let mut slot = Slot::new();
    slot.place().write(make());
    // SAFETY: written just above.
    unsafe { slot.run() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::rc::Rc;

    /// Counts drops of what a future holds.
    struct Tracked(Rc<Cell<u32>>);
    impl Drop for Tracked {
        fn drop(&mut self) {
            self.0.set(self.0.get() + 1);
        }
    }

    #[test]
    fn the_finished_future_is_ready_and_has_no_size() {
        assert_eq!(std::mem::size_of::<Finished>(), 0);
        let mut f = finished();
        let mut cx = Context::from_waker(Waker::noop());
        assert_eq!(f.as_mut().poll(&mut cx), Poll::Ready(()));
    }

    #[test]
    fn a_future_that_finishes_at_once_is_run_and_dropped_and_its_block_reused() {
        let (ran, dropped) = (Rc::new(Cell::new(0)), Rc::new(Cell::new(0)));
        let mut addresses = Vec::new();
        for _ in 0..3 {
            let (r, held) = (ran.clone(), Tracked(dropped.clone()));
            let done = run(|| async move {
                let _held = held;
                r.set(r.get() + 1);
            });
            addresses.push(SPARE.with(|s| {
                let b = s.take().expect("the block is the spare again");
                let p = b.ptr.as_ptr() as usize;
                s.set(Some(b));
                p
            }));
            let mut done = done;
            let waker = Waker::noop();
            assert_eq!(
                done.as_mut().poll(&mut Context::from_waker(waker)),
                Poll::Ready(())
            );
        }
        assert_eq!((ran.get(), dropped.get()), (3, 3));
        assert!(addresses.windows(2).all(|w| w[0] == w[1]), "{addresses:?}");
    }

    #[test]
    fn a_pending_future_is_handed_out_and_woken_through_its_latest_waker() {
        use std::sync::atomic::{AtomicU32, Ordering};
        use std::sync::Arc;
        use std::task::Wake;

        struct CountWakes(AtomicU32);
        impl Wake for CountWakes {
            fn wake(self: Arc<Self>) {
                self.0.fetch_add(1, Ordering::SeqCst);
            }
        }

        let (tx, rx) = tokio::sync::oneshot::channel::<u32>();
        let got = Rc::new(Cell::new(0));
        let dropped = Rc::new(Cell::new(0));
        let (g, held) = (got.clone(), Tracked(dropped.clone()));
        let mut fut = run(|| async move {
            let _held = held;
            g.set(rx.await.unwrap_or(0));
        });
        // The first poll happened inside `run`, with a waker that does nothing.
        assert_eq!(dropped.get(), 0);
        let wakes = Arc::new(CountWakes(AtomicU32::new(0)));
        let waker = Waker::from(wakes.clone());
        let mut cx = Context::from_waker(&waker);
        assert_eq!(fut.as_mut().poll(&mut cx), Poll::Pending);
        tx.send(7).unwrap();
        assert_eq!(
            wakes.0.load(Ordering::SeqCst),
            1,
            "the latest waker is woken"
        );
        assert_eq!(fut.as_mut().poll(&mut cx), Poll::Ready(()));
        assert_eq!(got.get(), 7);
        drop(fut);
        assert_eq!(dropped.get(), 1);
    }

    #[test]
    fn dropping_a_pending_future_drops_what_it_holds() {
        let dropped = Rc::new(Cell::new(0));
        let held = Tracked(dropped.clone());
        let fut = run(|| async move {
            let _held = held;
            std::future::pending::<()>().await;
        });
        assert_eq!(dropped.get(), 0);
        drop(fut);
        assert_eq!(dropped.get(), 1);
    }

    #[test]
    fn a_panic_in_the_first_poll_drops_the_future_and_reaches_the_caller() {
        let dropped = Rc::new(Cell::new(0));
        let held = Tracked(dropped.clone());
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            run(|| async move {
                let _held = held;
                panic!("handler bug");
            })
        }));
        assert!(outcome.is_err());
        assert_eq!(dropped.get(), 1);
        // The thread goes on making futures (the block was given back or freed).
        let ran = Rc::new(Cell::new(false));
        let r = ran.clone();
        drop(run(|| async move { r.set(true) }));
        assert!(ran.get());
    }

    #[test]
    fn futures_of_other_layouts_get_blocks_of_their_own() {
        let small = Rc::new(Cell::new(0u8));
        let s = small.clone();
        drop(run(|| async move { s.set(1) }));
        let big = [7u8; 300];
        let total = Rc::new(Cell::new(0u32));
        let t = total.clone();
        drop(run(|| async move {
            t.set(big.iter().map(|&b| u32::from(b)).sum())
        }));
        assert_eq!((small.get(), total.get()), (1, 2100));
    }
}
