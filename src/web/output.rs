//! The output a handler has written and not yet sent.

use bytes::{Bytes, BytesMut};

/// Body chunks buffered by `write` until `flush`/`finish`. The first chunk is held inline, so a
/// handler that writes once (the common case) allocates nothing here.
#[derive(Debug, Default)]
pub(crate) struct OutputBuffer {
    chunks: Chunks,
    len: usize,
}

#[derive(Debug, Default)]
enum Chunks {
    #[default]
    Empty,
    One([Bytes; 1]),
    Many(Vec<Bytes>),
}

impl OutputBuffer {
    /// Appends a chunk (empty chunks are dropped).
    pub(crate) fn push(&mut self, chunk: Bytes) {
        if chunk.is_empty() {
            return;
        }
        self.len += chunk.len();
        self.chunks = match std::mem::take(&mut self.chunks) {
            Chunks::Empty => Chunks::One([chunk]),
            Chunks::One([first]) => Chunks::Many(vec![first, chunk]),
            Chunks::Many(mut all) => {
                all.push(chunk);
                Chunks::Many(all)
            }
        };
    }

    /// Bytes buffered.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The chunks, in order.
    pub(crate) fn as_slice(&self) -> &[Bytes] {
        match &self.chunks {
            Chunks::Empty => &[],
            Chunks::One(one) => one,
            Chunks::Many(all) => all,
        }
    }

    /// Drops everything buffered.
    pub(crate) fn clear(&mut self) {
        *self = OutputBuffer::default();
    }

    /// Everything buffered as one piece, leaving the buffer empty (copies only when there were
    /// several chunks).
    pub(crate) fn take(&mut self) -> Bytes {
        let len = self.len;
        match std::mem::take(self).chunks {
            Chunks::Empty => Bytes::new(),
            Chunks::One([only]) => only,
            Chunks::Many(all) => {
                let mut joined = BytesMut::with_capacity(len);
                for piece in all {
                    joined.extend_from_slice(&piece);
                }
                joined.freeze()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_order_and_length_across_representations() {
        let mut out = OutputBuffer::default();
        assert_eq!(out.take(), Bytes::new());
        out.push(Bytes::new());
        assert!(out.as_slice().is_empty());
        out.push(Bytes::from_static(b"ab"));
        assert_eq!(out.as_slice().len(), 1);
        out.push(Bytes::from_static(b"c"));
        out.push(Bytes::from_static(b"de"));
        assert_eq!(out.len(), 5);
        assert_eq!(out.as_slice().len(), 3);
        assert_eq!(out.take(), Bytes::from_static(b"abcde"));
        assert_eq!(out.len(), 0);
        out.push(Bytes::from_static(b"x"));
        assert_eq!(out.take(), Bytes::from_static(b"x"));
        out.push(Bytes::from_static(b"y"));
        out.clear();
        assert_eq!(out.len(), 0);
        assert!(out.as_slice().is_empty());
    }
}
