//! Where primitives' actors live.

use std::sync::mpsc;
use std::sync::OnceLock;
use std::thread;

use actix::{Actor, Addr, Context};
use actix_rt::{Arbiter, ArbiterHandle, System};

/// The arbiter new actors start on: the current thread's, or else a shared background one.
///
/// Primitives created on a thread that runs no actix `System` (a plain `std::thread`, a
/// `#[tokio::test]`) live on one background arbiter thread, named `tornado-sync`, that tornado
/// starts on first use and that runs for the rest of the process.
pub(crate) fn arbiter() -> ArbiterHandle {
    match Arbiter::try_current() {
        Some(handle) if handle.alive() => handle,
        _ => fallback_arbiter(),
    }
}

fn fallback_arbiter() -> ArbiterHandle {
    static FALLBACK: OnceLock<ArbiterHandle> = OnceLock::new();
    FALLBACK
        .get_or_init(|| {
            let (tx, rx) = mpsc::channel();
            thread::Builder::new()
                .name("tornado-sync".into())
                .spawn(move || {
                    let system = System::new();
                    // The receiver waits for this handle; it cannot have gone away.
                    let _ = tx.send(Arbiter::current());
                    if let Err(err) = system.run() {
                        tracing::error!("tornado-sync background system failed: {err}");
                    }
                })
                .expect("tornado: cannot spawn the tornado-sync background thread");
            rx.recv()
                .expect("tornado: the tornado-sync background thread died while starting")
        })
        .clone()
}

/// Starts an actor on [`arbiter()`].
pub(crate) fn start<A, F>(f: F) -> Addr<A>
where
    A: Actor<Context = Context<A>>,
    F: FnOnce(&mut Context<A>) -> A + Send + 'static,
{
    A::start_in_arbiter(&arbiter(), f)
}

/// Runs `f` on a thread that has a `System` registered: this one if it has one, or else the
/// background arbiter (waiting for `f` to finish there).
pub(crate) fn with_system<R, F>(f: F) -> R
where
    R: Send + 'static,
    F: FnOnce() -> R + Send + 'static,
{
    if System::try_current().is_some() {
        return f();
    }
    let (tx, rx) = mpsc::channel();
    fallback_arbiter().spawn_fn(move || {
        let _ = tx.send(f());
    });
    rx.recv()
        .expect("tornado: the tornado-sync background arbiter stopped")
}
