//! One client connection and one request/response exchange over it, driven by the shared
//! HTTP/1 codec.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt, ReadBuf};
use tokio_util::codec::Decoder;

use super::connect::Transport;
use super::prepare::{Prepared, PreparedBody};
use super::request::{BodyWriter, HeaderCallback, StreamingCallback};
use super::{ErrorKind, HttpClientError};
use crate::http::codec::{
    ClientResponseHead, CodecLimits, DecodeError, EncodeError, RequestEncoder, RequestFraming,
    ResponseDecoder, ResponsePart,
};
use crate::http::HttpHeaders;

const READ_CHUNK: usize = 16 * 1024;

/// An open connection to one origin, reusable while the server keeps it alive.
pub(crate) struct Connection {
    io: Transport,
    rbuf: BytesMut,
    wbuf: BytesMut,
    /// Exchanges completed on this connection.
    pub(crate) uses: u32,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("uses", &self.uses)
            .finish_non_exhaustive()
    }
}

/// Where a response body goes.
pub(crate) enum BodySink {
    /// Collected into the response.
    Buffer(BytesMut),
    /// Handed to the request's callback.
    Callback(StreamingCallback),
    /// Sent to a [`ResponseStream`](super::ResponseStream), head first.
    Channel(tokio::sync::mpsc::Sender<super::stream::StreamMsg>),
}

/// What an exchange produced.
pub(crate) struct Exchange {
    pub(crate) head: ClientResponseHead,
    /// The connection may carry another request.
    pub(crate) reusable: bool,
}

/// A failed exchange; `retry` says nothing of a response arrived on a reused connection, so
/// the request may be sent again on a fresh one (the server closed an idle connection).
pub(crate) struct ExchangeError {
    pub(crate) error: HttpClientError,
    pub(crate) retry: bool,
}

impl From<HttpClientError> for ExchangeError {
    fn from(error: HttpClientError) -> Self {
        ExchangeError {
            error,
            retry: false,
        }
    }
}

pub(crate) fn decode_error(e: DecodeError) -> HttpClientError {
    let kind = match e.status() {
        0 => ErrorKind::StreamClosed,
        413 => ErrorKind::BodyTooLarge,
        431 => ErrorKind::HeaderTooLarge,
        _ => ErrorKind::Protocol,
    };
    let message = match kind {
        ErrorKind::StreamClosed => "Stream closed".to_owned(),
        _ => e.message().to_owned(),
    };
    HttpClientError::new(kind, message).with_source(e)
}

fn encode_error(e: EncodeError) -> HttpClientError {
    HttpClientError::new(ErrorKind::InvalidRequest, e.to_string())
}

fn io_error(e: std::io::Error) -> HttpClientError {
    HttpClientError::new(ErrorKind::StreamClosed, "Stream closed").with_source(e)
}

impl Connection {
    pub(crate) fn new(io: Transport) -> Self {
        Connection {
            io,
            rbuf: BytesMut::with_capacity(READ_CHUNK),
            wbuf: BytesMut::with_capacity(1024),
            uses: 0,
        }
    }

    /// `true` when the peer closed (or wrote unasked) while the connection sat idle.
    pub(crate) fn is_stale(&mut self) -> bool {
        if !self.rbuf.is_empty() {
            return true;
        }
        let mut byte = [0u8; 1];
        let mut buf = ReadBuf::new(&mut byte);
        let mut cx = Context::from_waker(std::task::Waker::noop());
        !matches!(
            Pin::new(&mut self.io).poll_read(&mut cx, &mut buf),
            Poll::Pending
        )
    }

    /// Sends `req` and reads the response into `sink`. `follows` says, from the final head,
    /// whether the response is a redirect that will be followed: its body is then discarded
    /// and the callbacks are not called.
    pub(crate) async fn exchange(
        &mut self,
        req: &Prepared,
        limits: CodecLimits,
        sink: &mut BodySink,
        header_callback: Option<&HeaderCallback>,
        follows: impl Fn(&ClientResponseHead) -> bool,
    ) -> Result<Exchange, ExchangeError> {
        let reused = self.uses > 0;
        let mut got_bytes = false;
        let result = self
            .exchange_inner(req, limits, sink, header_callback, follows, &mut got_bytes)
            .await;
        match result {
            Ok(ex) => {
                self.uses += 1;
                Ok(ex)
            }
            Err(error) => {
                let retry = reused
                    && !got_bytes
                    && req.replayable()
                    && error.kind() == ErrorKind::StreamClosed;
                Err(ExchangeError { error, retry })
            }
        }
    }

    async fn exchange_inner(
        &mut self,
        req: &Prepared,
        limits: CodecLimits,
        sink: &mut BodySink,
        header_callback: Option<&HeaderCallback>,
        follows: impl Fn(&ClientResponseHead) -> bool,
        got_bytes: &mut bool,
    ) -> Result<Exchange, HttpClientError> {
        let mut encoder = RequestEncoder::default();
        self.wbuf.clear();
        let framing = encoder
            .encode_head(&req.method, &req.target, &req.headers, &mut self.wbuf)
            .map_err(encode_error)?;
        let mut body_sent = false;
        if !req.expect_continue {
            self.send_body(&mut encoder, framing, &req.body).await?;
            body_sent = true;
        } else {
            self.io.write_all(&self.wbuf).await.map_err(io_error)?;
            self.wbuf.clear();
        }

        let mut decoder = ResponseDecoder::new(limits);
        decoder.start_response(req.method == "HEAD");
        let mut head: Option<(ClientResponseHead, bool)> = None;
        loop {
            let part = match decoder.decode(&mut self.rbuf).map_err(decode_error)? {
                Some(part) => part,
                None => {
                    if self.rbuf.capacity() - self.rbuf.len() < READ_CHUNK / 4 {
                        self.rbuf.reserve(READ_CHUNK);
                    }
                    let n = self.io.read_buf(&mut self.rbuf).await.map_err(io_error)?;
                    if n == 0 {
                        match decoder.decode_eof(&mut self.rbuf).map_err(decode_error)? {
                            Some(part) => part,
                            None => continue,
                        }
                    } else {
                        *got_bytes = true;
                        continue;
                    }
                }
            };
            match part {
                ResponsePart::Head(h) if h.is_interim() => {
                    if h.status == 100 && !body_sent {
                        self.send_body(&mut encoder, framing, &req.body).await?;
                        body_sent = true;
                    }
                }
                ResponsePart::Head(mut h) => {
                    let follow = follows(&h);
                    if !follow {
                        if let Some(cb) = header_callback {
                            cb(&format!("{} {} {}\r\n", h.version, h.status, h.reason));
                            for (name, value) in h.headers.iter() {
                                cb(&format!("{name}: {value}\r\n"));
                            }
                            cb("\r\n");
                            h.headers = HttpHeaders::new();
                        }
                        if let BodySink::Channel(tx) = sink {
                            let msg = super::stream::StreamMsg::Head {
                                code: h.status,
                                reason: h.reason.clone(),
                                headers: h.headers.clone(),
                            };
                            tx.send(msg).await.map_err(|_| stream_dropped())?;
                        }
                    }
                    head = Some((h, follow));
                }
                ResponsePart::Data(data) => match &head {
                    Some((_, true)) | None => {}
                    Some((_, false)) => sink_data(sink, data).await?,
                },
                ResponsePart::End => break,
            }
        }
        let Some((head, _)) = head else {
            return Err(HttpClientError::new(
                ErrorKind::Protocol,
                "response ended without a head",
            ));
        };
        // A final response that came before the body was sent (an early error, or no
        // `100 Continue`) leaves the server unsure where the request ends.
        let reusable = head.keep_alive && (body_sent || req.body.is_empty());
        Ok(Exchange { head, reusable })
    }

    async fn send_body(
        &mut self,
        encoder: &mut RequestEncoder,
        framing: RequestFraming,
        body: &PreparedBody,
    ) -> Result<(), HttpClientError> {
        match body {
            PreparedBody::Empty => {
                encoder.encode_end(&mut self.wbuf).map_err(encode_error)?;
                self.io.write_all(&self.wbuf).await.map_err(io_error)?;
            }
            PreparedBody::Bytes(data) => {
                // Small bodies go in the same write as the head; a large length-delimited one
                // is written from where it is, without a copy.
                if data.len() > 16 * 1024 && matches!(framing, RequestFraming::Length(_)) {
                    if framing != RequestFraming::Length(data.len() as u64) {
                        return Err(HttpClientError::new(
                            ErrorKind::InvalidRequest,
                            "Content-Length does not match the body",
                        ));
                    }
                    self.io.write_all(&self.wbuf).await.map_err(io_error)?;
                    self.io.write_all(data).await.map_err(io_error)?;
                } else {
                    encoder
                        .encode_data(data, &mut self.wbuf)
                        .map_err(encode_error)?;
                    encoder.encode_end(&mut self.wbuf).map_err(encode_error)?;
                    self.io.write_all(&self.wbuf).await.map_err(io_error)?;
                }
            }
            PreparedBody::Producer(producer) => {
                self.io.write_all(&self.wbuf).await.map_err(io_error)?;
                let (tx, mut rx) = tokio::sync::mpsc::channel::<Bytes>(4);
                let produce = producer(BodyWriter { tx });
                let io = &mut self.io;
                let wbuf = &mut self.wbuf;
                let write = async move {
                    while let Some(piece) = rx.recv().await {
                        wbuf.clear();
                        encoder.encode_data(&piece, wbuf).map_err(encode_error)?;
                        io.write_all(wbuf).await.map_err(io_error)?;
                    }
                    wbuf.clear();
                    encoder.encode_end(wbuf).map_err(encode_error)?;
                    io.write_all(wbuf).await.map_err(io_error)?;
                    Ok::<(), HttpClientError>(())
                };
                let (produced, written) = tokio::join!(produce, write);
                written?;
                produced.map_err(|e| {
                    HttpClientError::new(ErrorKind::BodyProducer, "the body producer failed")
                        .with_source(e)
                })?;
            }
        }
        self.wbuf.clear();
        self.io.flush().await.map_err(io_error)?;
        Ok(())
    }
}

fn stream_dropped() -> HttpClientError {
    HttpClientError::new(ErrorKind::Closed, "the response stream was dropped")
}

async fn sink_data(sink: &mut BodySink, data: Bytes) -> Result<(), HttpClientError> {
    match sink {
        BodySink::Buffer(buf) => buf.extend_from_slice(&data),
        BodySink::Callback(cb) => cb(data),
        BodySink::Channel(tx) => tx
            .send(super::stream::StreamMsg::Data(data))
            .await
            .map_err(|_| stream_dropped())?,
    }
    Ok(())
}
