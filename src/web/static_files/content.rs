//! What a static file is (its `Content-Type`) and how its bytes are read: a stream of
//! `chunk_size` pieces read from the file as the response is sent, never the whole file at once.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{Bytes, BytesMut};
use futures_core::Stream;

/// The body of a static response, piece by piece; see
/// [`StaticFiles::get_content`](super::StaticFiles::get_content). The handler sends each piece
/// and waits for the client to take it before asking for the next one.
pub type ContentStream = Pin<Box<dyn Stream<Item = io::Result<Bytes>>>>;

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
    let ext = ext.to_ascii_lowercase();
    match ext.as_str() {
        "gz" | "tgz" | "taz" | "tz" | "svgz" => return "application/gzip".to_owned(),
        "bz2" | "xz" | "br" | "tbz2" | "txz" => return OCTET_STREAM.to_owned(),
        _ => {}
    }
    match mime_guess::from_ext(&ext).first_raw() {
        Some(t) if t.starts_with("text/") => format!("{t}; charset=UTF-8"),
        Some(t) => t.to_owned(),
        None => OCTET_STREAM.to_owned(),
    }
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
    let mut file = File::open(path)?;
    if start > 0 {
        file.seek(SeekFrom::Start(start))?;
    }
    Ok(Box::pin(FileChunks {
        file,
        remaining: end.saturating_sub(start),
        chunk_size: chunk_size.max(1),
        buf: BytesMut::new(),
    }))
}

/// The stream [`file_content`] returns.
struct FileChunks {
    file: File,
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
        let mut filled = 0;
        while filled < want {
            match self.file.read(&mut self.buf[filled..want]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        if filled == 0 {
            self.remaining = 0;
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the file became shorter while it was being sent",
            ));
        }
        self.buf.truncate(filled);
        self.remaining -= filled as u64;
        Ok(Some(self.buf.split().freeze()))
    }
}

impl Stream for FileChunks {
    type Item = io::Result<Bytes>;

    fn poll_next(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        // Reads from a local file are short and served from the page cache in the common
        // case; like Tornado, the read happens on the connection's thread.
        Poll::Ready(self.get_mut().read_piece().transpose())
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
