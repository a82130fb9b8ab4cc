//! A response body as a `Stream` of chunks.

use std::future::Future as _;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_core::Stream;
use tokio::sync::{mpsc, oneshot};

use super::conn::BodySink;
use super::{AsyncHttpClient, ErrorKind, HttpClientError, HttpRequest, HttpResponse};
use crate::http::HttpHeaders;

/// What the fetch task sends to the stream.
pub(crate) enum StreamMsg {
    Head {
        code: u16,
        reason: String,
        headers: HttpHeaders,
    },
    Data(Bytes),
}

/// The status line and headers of a streamed response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamHead {
    /// The status code.
    pub code: u16,
    /// The reason phrase, as sent.
    pub reason: String,
    /// The header fields.
    pub headers: HttpHeaders,
}

/// A response whose body arrives as a [`Stream`] of chunks, with backpressure: the connection
/// is not read further until the consumer takes the next chunk. From
/// [`AsyncHttpClient::fetch_stream`].
///
/// Redirects are followed first (their bodies are not streamed). A status outside 2xx is not an
/// error here: look at [`head`](Self::head). A failure mid-body ends the stream with an `Err`.
///
/// ```no_run
/// # async fn demo() -> Result<(), tornado::httpclient::HttpClientError> {
/// use futures_util::StreamExt;
/// use tornado::httpclient::AsyncHttpClient;
///
/// let mut stream = AsyncHttpClient::current().fetch_stream("http://127.0.0.1:8888/big");
/// println!("status {}", stream.head().await?.code);
/// let mut total = 0;
/// while let Some(chunk) = stream.next().await {
///     total += chunk?.len();
/// }
/// # let _ = total; Ok(()) }
/// ```
pub struct ResponseStream {
    rx: mpsc::Receiver<StreamMsg>,
    done: Option<oneshot::Receiver<Result<HttpResponse, HttpClientError>>>,
    head: Option<StreamHead>,
    response: Option<HttpResponse>,
}

impl std::fmt::Debug for ResponseStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResponseStream")
            .field("head", &self.head)
            .finish_non_exhaustive()
    }
}

impl AsyncHttpClient {
    /// Fetches `request` on a task of the current arbiter and streams its body.
    ///
    /// # Panics
    ///
    /// Outside an actix System.
    pub fn fetch_stream(&self, request: impl Into<HttpRequest>) -> ResponseStream {
        let request = request.into();
        let (tx, rx) = mpsc::channel(4);
        let (done_tx, done_rx) = oneshot::channel();
        let client = self.clone();
        actix_rt::spawn(async move {
            let result = client.run(request, BodySink::Channel(tx)).await;
            let _ = done_tx.send(result);
        });
        ResponseStream {
            rx,
            done: Some(done_rx),
            head: None,
            response: None,
        }
    }
}

fn lost() -> HttpClientError {
    HttpClientError::new(ErrorKind::Closed, "the fetch task ended without an answer")
}

impl ResponseStream {
    /// Waits for the final response's status line and headers.
    pub async fn head(&mut self) -> Result<&StreamHead, HttpClientError> {
        while self.head.is_none() {
            match self.rx.recv().await {
                Some(StreamMsg::Head {
                    code,
                    reason,
                    headers,
                }) => {
                    self.head = Some(StreamHead {
                        code,
                        reason,
                        headers,
                    })
                }
                Some(StreamMsg::Data(_)) => {}
                None => {
                    let done = self.done.take().ok_or_else(lost)?;
                    let response = done.await.map_err(|_| lost())??;
                    self.head = Some(StreamHead {
                        code: response.code,
                        reason: response.reason.clone(),
                        headers: response.headers.clone(),
                    });
                    self.response = Some(response);
                }
            }
        }
        self.head.as_ref().ok_or_else(lost)
    }

    /// Reads the rest of the body away and returns the response (its `body` empty).
    pub async fn finish(mut self) -> Result<HttpResponse, HttpClientError> {
        while self.rx.recv().await.is_some() {}
        if let Some(r) = self.response.take() {
            return Ok(r);
        }
        let done = self.done.take().ok_or_else(lost)?;
        done.await.map_err(|_| lost())?
    }
}

impl Stream for ResponseStream {
    type Item = Result<Bytes, HttpClientError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            match this.rx.poll_recv(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Some(StreamMsg::Data(d))) => return Poll::Ready(Some(Ok(d))),
                Poll::Ready(Some(StreamMsg::Head {
                    code,
                    reason,
                    headers,
                })) => {
                    this.head = Some(StreamHead {
                        code,
                        reason,
                        headers,
                    });
                }
                Poll::Ready(None) => {
                    let Some(done) = &mut this.done else {
                        return Poll::Ready(None);
                    };
                    let result = match Pin::new(done).poll(cx) {
                        Poll::Pending => return Poll::Pending,
                        Poll::Ready(r) => r,
                    };
                    this.done = None;
                    return Poll::Ready(match result {
                        Ok(Ok(response)) => {
                            this.response = Some(response);
                            None
                        }
                        Ok(Err(e)) => Some(Err(e)),
                        Err(_) => Some(Err(lost())),
                    });
                }
            }
        }
    }
}
