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
    #[inline]
    pub(crate) fn buffered(&self) -> usize {
        if self.files.is_empty() {
            self.out.len()
        } else {
            self.buffered_with_files()
        }
    }

    /// [`buffered`](Self::buffered) when files are queued (out of line: rare, and the sum
    /// would otherwise be inlined into every caller on the request path).
    #[inline(never)]
    fn buffered_with_files(&self) -> usize {
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

    /// Moves the next piece (up to `max` bytes) of the front file stretch into `out`, in its
    /// place: for a file the kernel cannot send itself (`sendfile` refused it), so that its
    /// bytes go out through the buffer instead. Only valid when the front stretch is next
    /// (no `out` bytes before it). An error (including a file that ends early) leaves the
    /// output as it was.
    pub(crate) fn copy_front_file_piece(&mut self, max: usize) -> std::io::Result<()> {
        let Some(front) = self.files.front_mut() else {
            return Ok(());
        };
        debug_assert_eq!(front.after, 0);
        let want = usize::try_from(front.remaining)
            .unwrap_or(usize::MAX)
            .min(max);
        let mut piece = BytesMut::zeroed(want);
        if crate::net::read_full_at(&front.file, &mut piece, front.offset)? < want {
            return Err(crate::net::file_shrank());
        }
        front.offset += want as u64;
        front.remaining -= want as u64;
        // The piece goes in front of what is buffered after the stretch.
        piece.extend_from_slice(&self.out);
        self.out = piece;
        if front.remaining == 0 {
            self.files.pop_front();
            if let Some(next) = self.files.front_mut() {
                next.after += want;
            }
        } else {
            front.after = want;
        }
        Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Buf;

    #[test]
    fn a_file_piece_copied_into_the_buffer_keeps_its_place() {
        let path = std::env::temp_dir().join(format!("tornado-shared-{}", std::process::id()));
        std::fs::write(&path, b"0123456789").unwrap();
        let file = Arc::new(File::open(&path).unwrap());
        let mut s = Shared::new(1 << 16, 1 << 14);
        s.queue_file(file.clone(), 2, 6); // "234567"
        s.out.extend_from_slice(b"|mid|");
        s.queue_file(file.clone(), 0, 3); // "012"
        s.out.extend_from_slice(b"|end");
        assert_eq!(s.buffered(), 9 + 9);
        // Two pieces for the first stretch, then the second stretch whole.
        s.copy_front_file_piece(4).unwrap();
        assert_eq!(&s.out[..], b"2345|mid||end");
        assert_eq!(
            s.files.front().map(|f| (f.after, f.remaining)),
            Some((4, 2))
        );
        s.out.advance(4);
        s.files.front_mut().unwrap().after = 0;
        s.copy_front_file_piece(4).unwrap();
        assert_eq!(&s.out[..], b"67|mid||end");
        assert_eq!(s.files.len(), 1);
        assert_eq!(s.files.front().map(|f| f.after), Some(7));
        s.out.advance(7);
        s.files.front_mut().unwrap().after = 0;
        s.copy_front_file_piece(64).unwrap();
        assert_eq!(&s.out[..], b"012|end");
        assert!(s.files.is_empty());
        // A stretch past the end of the file is an error and changes nothing.
        s.queue_file(file, 8, 5);
        s.out.advance(s.out.len());
        s.files.front_mut().unwrap().after = 0;
        assert!(s.copy_front_file_piece(64).is_err());
        assert_eq!(
            s.files.front().map(|f| (f.offset, f.remaining)),
            Some((8, 5))
        );
        let _ = std::fs::remove_file(&path);
    }
}
