//! State a connection shares with the request it is serving (its body reader and response
//! writer). Everything here lives on the connection's worker thread.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::fs::File;
use std::rc::Rc;
use std::sync::Arc;
use std::task::Waker;

use bytes::{Bytes, BytesMut};

use crate::http::codec::{ResponseContext, ResponseEncoder};

use super::delegate::{BodyError, Upgraded};

pub(crate) type SharedRef = Rc<RefCell<Shared>>;

#[derive(Debug)]
pub(crate) struct Shared {
    /// Encoded output not yet written to the socket.
    pub(crate) out: BytesMut,
    /// File bytes the kernel sends itself (`sendfile`), each after a stretch of `out`.
    pub(crate) files: VecDeque<FileOut>,
    /// The socket can take file bytes from the kernel (`sendfile`): plain TCP or Unix.
    pub(crate) can_send_file: bool,
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
            files: VecDeque::new(),
            can_send_file: false,
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

    /// Output not yet written: the encoded bytes plus the file bytes queued to follow them.
    pub(crate) fn buffered(&self) -> usize {
        let files = self.files.iter().map(|f| f.remaining).sum::<u64>();
        self.out
            .len()
            .saturating_add(usize::try_from(files).unwrap_or(usize::MAX))
    }

    /// Queues `len` bytes of `file` from `offset` on, to be sent after everything in `out` now.
    pub(crate) fn queue_file(&mut self, file: Arc<File>, offset: u64, len: u64) {
        let before = self.files.iter().map(|f| f.after).sum::<usize>();
        self.files.push_back(FileOut {
            after: self.out.len() - before,
            file,
            offset,
            remaining: len,
        });
    }

    /// Drops all unwritten output.
    pub(crate) fn clear_output(&mut self) {
        self.out.clear();
        self.files.clear();
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

/// A stretch of a file queued for the socket; see [`Shared::queue_file`].
#[derive(Debug)]
pub(crate) struct FileOut {
    /// How many bytes of `out` go before this file (counted from the previous queued file).
    pub(crate) after: usize,
    pub(crate) file: Arc<File>,
    /// Where in the file the next byte comes from.
    pub(crate) offset: u64,
    pub(crate) remaining: u64,
}
