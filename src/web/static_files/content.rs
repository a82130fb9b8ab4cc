//! What a static file is (its `Content-Type`) and how its bytes are read: a stream of
//! `chunk_size` pieces read from the file as the response is sent, never the whole file at once.

use std::fs::File;
use std::io;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::{Bytes, BytesMut};
use futures_core::Stream;

/// The body of a static response, piece by piece; see
/// [`StaticFiles::get_content`](super::StaticFiles::get_content). The handler sends each piece
/// and waits for the client to take it before asking for the next one.
///
/// Content made by [`file_content`] or [`StaticFile::content`](super::StaticFile::content)
/// knows which file it reads, so the handler can let the kernel send it (`sendfile`) on a
/// plain TCP connection instead of reading it; any other stream is wrapped with
/// [`ContentStream::new`]:
///
/// ```
/// use bytes::Bytes;
/// use tornado::web::static_files::ContentStream;
///
/// let pieces = vec![Ok(Bytes::from_static(b"hello, ")), Ok(Bytes::from_static(b"world"))];
/// let content = ContentStream::new(futures_util::stream::iter(pieces));
/// # let _ = content;
/// ```
pub struct ContentStream {
    inner: Inner,
}

enum Inner {
    File(FileChunks),
    Other(Pin<Box<dyn Stream<Item = io::Result<Bytes>>>>),
}

impl ContentStream {
    /// Content from any stream of pieces.
    pub fn new(stream: impl Stream<Item = io::Result<Bytes>> + 'static) -> Self {
        ContentStream {
            inner: Inner::Other(Box::pin(stream)),
        }
    }

    /// Bytes `start..end` of an open file, read in pieces of at most `chunk_size`.
    pub(crate) fn from_file(file: Arc<File>, start: u64, end: u64, chunk_size: usize) -> Self {
        ContentStream {
            inner: Inner::File(FileChunks {
                file,
                position: start,
                remaining: end.saturating_sub(start),
                chunk_size: chunk_size.max(1),
                buf: BytesMut::new(),
            }),
        }
    }

    /// The file, offset and length still to send, when the content is a stretch of a file
    /// that nothing has been read from yet.
    pub(crate) fn untouched_file(&self) -> Option<(&Arc<File>, u64, u64)> {
        match &self.inner {
            Inner::File(f) if f.buf.capacity() == 0 => Some((&f.file, f.position, f.remaining)),
            _ => None,
        }
    }
}

impl std::fmt::Debug for ContentStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.inner {
            Inner::File(c) => f
                .debug_struct("ContentStream")
                .field("position", &c.position)
                .field("remaining", &c.remaining)
                .finish_non_exhaustive(),
            Inner::Other(_) => f.write_str("ContentStream(..)"),
        }
    }
}

impl Stream for ContentStream {
    type Item = io::Result<Bytes>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        match &mut self.get_mut().inner {
            // Reads from a local file are short and served from the page cache in the common
            // case; like Tornado, the read happens on the connection's thread.
            Inner::File(f) => Poll::Ready(f.read_piece().transpose()),
            Inner::Other(s) => s.as_mut().poll_next(cx),
        }
    }
}

/// The `Content-Type` of a file, guessed from its name as Tornado's `get_content_type` does,
/// with a charset for text.
///
/// - Compressed files are not described by what they contain: `.gz` (and `.tgz`, `.svgz`) is
///   `application/gzip`; `.bz2`, `.xz`, `.br`, `.Z` (and `.tbz2`, `.txz`) are
///   `application/octet-stream`. No `Content-Encoding` is ever set for them, so clients save
///   them as they are.
/// - Other extensions go through `mime_guess`; `text/*` types get `; charset=UTF-8`.
/// - No extension, or an unknown one, is `application/octet-stream`.
///
/// ```
/// use std::path::Path;
/// use tornado::web::static_files::guess_content_type;
///
/// assert_eq!(guess_content_type(Path::new("site.css")), "text/css; charset=UTF-8");
/// assert_eq!(guess_content_type(Path::new("logo.png")), "image/png");
/// assert_eq!(guess_content_type(Path::new("dump.sql.gz")), "application/gzip");
/// assert_eq!(guess_content_type(Path::new("dump.sql.bz2")), "application/octet-stream");
/// assert_eq!(guess_content_type(Path::new("LICENSE")), "application/octet-stream");
/// ```
pub fn guess_content_type(path: &Path) -> String {
    const OCTET_STREAM: &str = "application/octet-stream";
    let Some(ext) = path.extension().and_then(|e| e.to_str()) else {
        return OCTET_STREAM.to_owned();
    };
    // Python's mimetypes treats these as encodings (`Z` only in that case).
    if ext == "Z" {
        return OCTET_STREAM.to_owned();
    }
    thread_local! {
        /// The types of the extensions this thread saw last: a site serves a handful, and
        /// `mime_guess` searches a table of a thousand.
        static RECENT: std::cell::RefCell<Vec<(Box<str>, String)>> =
            const { std::cell::RefCell::new(Vec::new()) };
    }
    const RECENT_MAX: usize = 16;
    if let Some(t) =
        RECENT.with_borrow(|r| r.iter().find(|(e, _)| &**e == ext).map(|(_, t)| t.clone()))
    {
        return t;
    }
    let guessed = {
        let ext = ext.to_ascii_lowercase();
        match ext.as_str() {
            "gz" | "tgz" | "taz" | "tz" | "svgz" => "application/gzip".to_owned(),
            "bz2" | "xz" | "br" | "tbz2" | "txz" => OCTET_STREAM.to_owned(),
            _ => match mime_guess::from_ext(&ext).first_raw() {
                Some(t) if t.starts_with("text/") => format!("{t}; charset=UTF-8"),
                Some(t) => t.to_owned(),
                None => OCTET_STREAM.to_owned(),
            },
        }
    };
    RECENT.with_borrow_mut(|r| {
        if r.len() == RECENT_MAX {
            r.remove(0);
        }
        r.push((ext.into(), guessed.clone()));
    });
    guessed
}

/// Streams bytes `start..end` of the file at `path` in pieces of at most `chunk_size` bytes
/// (Tornado's `get_content`). The file is opened now; each piece is read when the stream is
/// polled, into a buffer that is reused once the previous piece has been sent.
///
/// A file that turns out shorter than `end` ends the stream with an `UnexpectedEof` error,
/// since the response promised `end - start` bytes.
pub fn file_content(
    path: &Path,
    start: u64,
    end: u64,
    chunk_size: usize,
) -> io::Result<ContentStream> {
    let file = File::open(path)?;
    Ok(ContentStream::from_file(
        Arc::new(file),
        start,
        end,
        chunk_size,
    ))
}

/// The pieces of a stretch of a file.
struct FileChunks {
    file: Arc<File>,
    /// Where the next piece starts (reads do not use or move the file's own position).
    position: u64,
    remaining: u64,
    chunk_size: usize,
    buf: BytesMut,
}

impl FileChunks {
    fn read_piece(&mut self) -> io::Result<Option<Bytes>> {
        if self.remaining == 0 {
            return Ok(None);
        }
        let want = usize::try_from(self.remaining)
            .unwrap_or(usize::MAX)
            .min(self.chunk_size);
        // Reclaims the previous piece's allocation once the connection has copied it.
        self.buf.reserve(want);
        self.buf.resize(want, 0);
        let filled = crate::net::read_full_at(&self.file, &mut self.buf[..want], self.position)?;
        if filled == 0 {
            self.remaining = 0;
            return Err(crate::net::file_shrank());
        }
        self.position += filled as u64;
        self.buf.truncate(filled);
        self.remaining -= filled as u64;
        Ok(Some(self.buf.split().freeze()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types() {
        let t = |p: &str| guess_content_type(Path::new(p));
        assert_eq!(t("a.txt"), "text/plain; charset=UTF-8");
        assert_eq!(t("a.html"), "text/html; charset=UTF-8");
        assert_eq!(t("a.svg"), "image/svg+xml");
        assert_eq!(t("a.tar.gz"), "application/gzip");
        assert_eq!(t("a.svgz"), "application/gzip");
        assert_eq!(t("a.xz"), "application/octet-stream");
        assert_eq!(t("a.Z"), "application/octet-stream");
        assert_eq!(t("a.unknown-ext"), "application/octet-stream");
        assert_eq!(t("a.PNG"), "image/png");
    }
}
