//! The kernel's zero-copy path from a file to a socket (`sendfile(2)`), for plain TCP and Unix
//! sockets on Linux. Elsewhere (TLS, pipes, other systems) [`NetStream::can_send_file`] is
//! `false` and callers copy the bytes through user space as usual.

use std::fs::File;
use std::io;
use std::task::{Context, Poll};

use super::NetStream;

impl NetStream {
    /// `true` when [`poll_send_file`](Self::poll_send_file) can send file bytes on this stream
    /// without going through user space.
    pub(crate) fn can_send_file(&self) -> bool {
        #[cfg(target_os = "linux")]
        {
            matches!(self, NetStream::Tcp(_) | NetStream::Unix(_))
        }
        #[cfg(not(target_os = "linux"))]
        {
            false
        }
    }

    /// Sends up to `count` bytes of `file` from `*offset` on, advancing `*offset` by what was
    /// sent; `Ok(0)` means the file ended early. The file's own position is not used.
    /// Only call it when [`can_send_file`](Self::can_send_file) is `true`; otherwise it fails
    /// with [`io::ErrorKind::Unsupported`].
    pub(crate) fn poll_send_file(
        &mut self,
        cx: &mut Context<'_>,
        file: &File,
        offset: &mut u64,
        count: usize,
    ) -> Poll<io::Result<usize>> {
        #[cfg(target_os = "linux")]
        {
            use std::os::fd::AsRawFd;
            let (in_fd, out) = (file.as_raw_fd(), &mut *offset);
            let mut send = |out_fd: i32| sys::send_file(out_fd, in_fd, out, count);
            match self {
                NetStream::Tcp(s) => poll_io(
                    cx,
                    |cx| s.poll_write_ready(cx),
                    || s.try_io(tokio::io::Interest::WRITABLE, || send(s.as_raw_fd())),
                ),
                NetStream::Unix(s) => poll_io(
                    cx,
                    |cx| s.poll_write_ready(cx),
                    || s.try_io(tokio::io::Interest::WRITABLE, || send(s.as_raw_fd())),
                ),
                _ => Poll::Ready(Err(unsupported())),
            }
        }
        #[cfg(not(target_os = "linux"))]
        {
            let _ = (cx, file, offset, count);
            Poll::Ready(Err(unsupported()))
        }
    }

    /// Writes `buf` telling the kernel that more data follows at once (`MSG_MORE`), so that a
    /// response head and the file bytes sent next leave in the same segments. Streams without
    /// that flag write normally.
    pub(crate) fn poll_write_more(
        &mut self,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        #[cfg(target_os = "linux")]
        if let NetStream::Tcp(s) = self {
            use std::os::fd::AsRawFd;
            return poll_io(
                cx,
                |cx| s.poll_write_ready(cx),
                || {
                    s.try_io(tokio::io::Interest::WRITABLE, || {
                        sys::send_more(s.as_raw_fd(), buf)
                    })
                },
            );
        }
        tokio::io::AsyncWrite::poll_write(std::pin::Pin::new(self), cx, buf)
    }
}

/// Fills `buf` from `file` at `offset`, stopping early only at the end of the file, and
/// returns how much was read. The file's own position is not used (`pread` on Unix), so the
/// readers of one open file (pipelined responses for the same stretch) do not disturb each
/// other: this is the copying path for file stretches.
pub(crate) fn read_full_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    #[cfg(unix)]
    use std::os::unix::fs::FileExt;
    #[cfg(windows)]
    use std::os::windows::fs::FileExt;
    let mut filled = 0;
    while filled < buf.len() {
        #[cfg(unix)]
        let read = file.read_at(&mut buf[filled..], offset + filled as u64);
        // Windows: `seek_read` moves the position, which nothing here uses.
        #[cfg(windows)]
        let read = file.seek_read(&mut buf[filled..], offset + filled as u64);
        match read {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// The error for a file that ended before the stretch being sent from it.
pub(crate) fn file_shrank() -> io::Error {
    io::Error::new(
        io::ErrorKind::UnexpectedEof,
        "the file became shorter while it was being sent",
    )
}

fn unsupported() -> io::Error {
    io::Error::new(
        io::ErrorKind::Unsupported,
        "this stream cannot send a file without copying it",
    )
}

/// Waits for readiness with `ready`, then tries `op` until it does not block.
#[cfg(target_os = "linux")]
fn poll_io(
    cx: &mut Context<'_>,
    mut ready: impl FnMut(&mut Context<'_>) -> Poll<io::Result<()>>,
    mut op: impl FnMut() -> io::Result<usize>,
) -> Poll<io::Result<usize>> {
    loop {
        if let Err(e) = std::task::ready!(ready(cx)) {
            return Poll::Ready(Err(e));
        }
        match op() {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            result => return Poll::Ready(result),
        }
    }
}

#[cfg(target_os = "linux")]
mod sys {
    use std::io;

    /// The most one `sendfile` call is asked for: large enough to fill any socket buffer.
    const MAX_CHUNK: usize = 1 << 30;

    pub(super) fn send_file(
        out_fd: i32,
        in_fd: i32,
        offset: &mut u64,
        count: usize,
    ) -> io::Result<usize> {
        let mut off = libc::off_t::try_from(*offset)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "file offset too large"))?;
        // SAFETY: both descriptors are open for the duration of the call (borrowed from live
        // owners), and `off` is a valid, exclusive pointer to an `off_t`.
        let n = unsafe { libc::sendfile(out_fd, in_fd, &mut off, count.min(MAX_CHUNK)) };
        if n < 0 {
            return Err(io::Error::last_os_error());
        }
        *offset = off as u64;
        Ok(n as usize)
    }

    pub(super) fn send_more(fd: i32, buf: &[u8]) -> io::Result<usize> {
        // SAFETY: `buf` is valid for `buf.len()` bytes for the duration of the call and `fd`
        // is an open socket borrowed from its owner.
        let n = unsafe {
            libc::send(
                fd,
                buf.as_ptr().cast(),
                buf.len(),
                libc::MSG_MORE | libc::MSG_NOSIGNAL,
            )
        };
        if n < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(n as usize)
    }
}
