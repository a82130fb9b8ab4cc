//! `HttpResponse`: what came back (Tornado's `HTTPResponse`).

use std::time::Duration;

use bytes::Bytes;

use super::{HttpClientError, HttpRequest};
use crate::http::HttpHeaders;

/// Where the time of a fetch went (Tornado's `time_info`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TimeInfo {
    /// Waiting for a `max_clients` slot.
    pub queue: Duration,
    /// Connecting (zero when a pooled connection was reused), summed over redirects.
    pub connect: Duration,
    /// From the first byte sent to the end of the final response, redirects included.
    pub request: Duration,
    /// Redirects followed.
    pub redirects: usize,
}

/// A response.
#[derive(Debug, Clone)]
pub struct HttpResponse {
    /// The request as given to `fetch` (not the redirected one).
    pub request: HttpRequest,
    /// The status code.
    pub code: u16,
    /// The reason phrase (the standard one when the server sent none).
    pub reason: String,
    /// The header fields (empty when a `header_callback` took them).
    pub headers: HttpHeaders,
    /// The body (empty when a `streaming_callback` or a body stream took it).
    pub body: Bytes,
    /// The URL of the final response, after redirects.
    pub effective_url: String,
    /// Time from sending the request to the end of the response, queue time excluded.
    pub request_time: Duration,
    /// The breakdown of the fetch's time.
    pub time_info: TimeInfo,
    /// For a status outside 2xx, the error [`rethrow`](Self::rethrow) returns.
    pub error: Option<HttpClientError>,
}

impl HttpResponse {
    /// `Err` with [`error`](Self::error) if there is one (Tornado's `rethrow()`).
    pub fn rethrow(&self) -> Result<(), HttpClientError> {
        match &self.error {
            Some(e) => Err(e.clone().with_response(self.clone())),
            None => Ok(()),
        }
    }

    /// The body as text (lossy UTF-8).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}
