//! The blocking client: an [`AsyncHttpClient`] on a thread of its own.

use std::thread::JoinHandle;

use tokio::sync::mpsc;

use super::{
    AsyncHttpClient, ClientOptions, ErrorKind, HttpClientError, HttpRequest, HttpResponse,
};

type Reply = std::sync::mpsc::Sender<Result<HttpResponse, HttpClientError>>;

/// A blocking HTTP client for scripts and tests (Tornado's `HTTPClient`). It runs an
/// [`AsyncHttpClient`] in an actix System on its own thread, so it works from any thread that
/// is not itself driving that System, and does not touch the caller's event loop.
///
/// ```no_run
/// use tornado::httpclient::HttpClient;
///
/// let client = HttpClient::new();
/// match client.fetch("http://127.0.0.1:8888/") {
///     Ok(response) => println!("{}", response.text()),
///     Err(e) => eprintln!("{e}"),
/// }
/// client.close();
/// ```
#[derive(Debug)]
pub struct HttpClient {
    jobs: Option<mpsc::UnboundedSender<(HttpRequest, bool, Reply)>>,
    thread: Option<JoinHandle<()>>,
}

impl Default for HttpClient {
    fn default() -> Self {
        Self::new()
    }
}

fn closed() -> HttpClientError {
    HttpClientError::new(ErrorKind::Closed, "the client is closed")
}

impl HttpClient {
    /// A client with default options.
    pub fn new() -> Self {
        Self::with_options(ClientOptions::default())
    }

    /// A client with `options`.
    pub fn with_options(options: ClientOptions) -> Self {
        let (tx, mut rx) = mpsc::unbounded_channel::<(HttpRequest, bool, Reply)>();
        let thread = std::thread::Builder::new()
            .name("tornado-httpclient".into())
            .spawn(move || {
                let system = actix_rt::System::new();
                system.block_on(async move {
                    let client = AsyncHttpClient::new(options);
                    while let Some((request, raise_error, reply)) = rx.recv().await {
                        let client = client.clone();
                        actix_rt::spawn(async move {
                            let _ = reply.send(client.fetch_with(request, raise_error).await);
                        });
                    }
                    client.close();
                });
            });
        match thread {
            Ok(thread) => HttpClient {
                jobs: Some(tx),
                thread: Some(thread),
            },
            // Without a thread every fetch fails with `Closed`.
            Err(e) => {
                tracing::error!(target: "tornado.httpclient", "cannot start the blocking client's thread: {e}");
                HttpClient {
                    jobs: None,
                    thread: None,
                }
            }
        }
    }

    /// Fetches `request`, raising (returning `Err`) on a status outside 2xx.
    pub fn fetch(&self, request: impl Into<HttpRequest>) -> Result<HttpResponse, HttpClientError> {
        self.fetch_with(request, true)
    }

    /// Fetches `request`; see [`AsyncHttpClient::fetch_with`].
    pub fn fetch_with(
        &self,
        request: impl Into<HttpRequest>,
        raise_error: bool,
    ) -> Result<HttpResponse, HttpClientError> {
        let jobs = self.jobs.as_ref().ok_or_else(closed)?;
        let (tx, rx) = std::sync::mpsc::channel();
        jobs.send((request.into(), raise_error, tx))
            .map_err(|_| closed())?;
        rx.recv().map_err(|_| closed())?
    }

    /// Closes the client and stops its thread.
    pub fn close(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.jobs = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for HttpClient {
    fn drop(&mut self) {
        self.shutdown();
    }
}
