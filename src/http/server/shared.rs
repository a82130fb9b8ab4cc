//! State a connection shares with the request it is serving (its body reader and response
//! writer). Everything here lives on the connection's worker thread.

use std::cell::RefCell;
use std::rc::Rc;
use std::task::Waker;

use bytes::{Bytes, BytesMut};

use crate::http::codec::{ResponseContext, ResponseEncoder};

use super::delegate::{BodyError, Upgraded};

pub(crate) type SharedRef = Rc<RefCell<Shared>>;

#[derive(Debug)]
pub(crate) struct Shared {
    /// Encoded output not yet written to the socket.
    pub(crate) out: BytesMut,
    pub(crate) encoder: ResponseEncoder,
    /// Request sequence number; handles of earlier requests are stale.
    pub(crate) seq: u64,
    pub(crate) ctx: ResponseContext,
    pub(crate) head_written: bool,
    pub(crate) finished: bool,
    /// The writer was dropped without finishing.
    pub(crate) abandoned: bool,
    pub(crate) expect_continue: bool,
    pub(crate) continue_sent: bool,

    /// The next body piece for the reader.
    pub(crate) body_piece: Option<Bytes>,
    pub(crate) body_done: bool,
    pub(crate) body_error: Option<BodyError>,
    pub(crate) body_wanted: bool,
    /// Per-request body limit set by the delegate.
    pub(crate) max_body_override: Option<u64>,

    /// The peer is gone (read EOF while busy, or a write failed).
    pub(crate) closed: bool,
    /// The peer closed its side (read EOF) while a request was in flight.
    pub(crate) peer_eof: bool,
    /// Graceful shutdown asked: finish the current request, then close.
    pub(crate) shutdown: bool,
    /// Close at once.
    pub(crate) force_close: bool,

    pub(crate) write_low_water: usize,
    /// Set while the connection's driver polls; writes then need not wake it.
    pub(crate) driver_polling: bool,
    pub(crate) driver_waker: Option<Waker>,
    /// Tasks other than the driver waiting for body, drain or close.
    pub(crate) waiters: Vec<Waker>,

    /// The response was a `101` and the delegate wants the socket once it is flushed.
    pub(crate) upgrade_requested: bool,
    /// The socket, handed over after an upgrade.
    pub(crate) upgraded: Option<Upgraded>,
}

impl Shared {
    pub(crate) fn new(high: usize, low: usize) -> Self {
        Shared {
            out: BytesMut::with_capacity(8192),
            encoder: ResponseEncoder::new(),
            seq: 0,
            ctx: ResponseContext {
                head_request: false,
                version: crate::http::Version::Http11,
                keep_alive: true,
            },
            head_written: false,
            finished: false,
            abandoned: false,
            expect_continue: false,
            continue_sent: false,
            body_piece: None,
            body_done: false,
            body_error: None,
            body_wanted: false,
            max_body_override: None,
            closed: false,
            peer_eof: false,
            shutdown: false,
            force_close: false,
            write_low_water: low.min(high),
            driver_polling: false,
            driver_waker: None,
            waiters: Vec::new(),
            upgrade_requested: false,
            upgraded: None,
        }
    }

    /// Resets the per-request state for request number `seq`.
    pub(crate) fn begin_request(&mut self, seq: u64, ctx: ResponseContext, expect_continue: bool) {
        self.seq = seq;
        self.ctx = ctx;
        self.head_written = false;
        self.finished = false;
        self.abandoned = false;
        self.expect_continue = expect_continue;
        self.continue_sent = false;
        self.body_piece = None;
        self.body_done = false;
        self.body_error = None;
        self.body_wanted = false;
        self.max_body_override = None;
    }

    /// Wakes the driver, unless it is the one running now.
    pub(crate) fn wake_driver(&mut self) {
        if !self.driver_polling {
            if let Some(w) = &self.driver_waker {
                w.wake_by_ref();
            }
        }
    }

    /// Wakes every other task waiting on this connection.
    pub(crate) fn wake_waiters(&mut self) {
        for w in self.waiters.drain(..) {
            w.wake();
        }
    }

    pub(crate) fn add_waiter(&mut self, waker: &Waker) {
        if !self.waiters.iter().any(|w| w.will_wake(waker)) {
            self.waiters.push(waker.clone());
        }
    }
}
