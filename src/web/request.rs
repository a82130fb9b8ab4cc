//! [`RequestContext`]: the request-scoped API of a handler — arguments, headers, status,
//! writing and finishing the response (Tornado's `RequestHandler` methods).

use std::collections::BTreeMap;
use std::fmt::Display;
use std::mem::ManuallyDrop;
use std::rc::Rc;
use std::sync::Arc;
use std::task::Waker;
use std::time::Duration;

use bytes::Bytes;

use crate::http::{
    Arguments, Body, HttpHeaders, HttpServerRequest, ResponseHead, ResponseWriter, SharedStr,
    WriteError,
};

use super::application::LocalApp;
use super::error::{HttpError, Result, WebError};
use super::etag;
use super::output::OutputBuffer;
use super::transform::OutputTransform;

/// What `compute_etag` is for a handler type.
pub(crate) type EtagFn = fn(&RequestContext) -> Option<SharedStr>;

/// The request and the response being built, for one request (Tornado's `RequestHandler`
/// instance state). Handlers reach it through their [`HandlerContext`](super::HandlerContext).
pub struct RequestContext {
    /// Given back for the next request when the context is dropped (see `Drop`).
    pub(crate) request: ManuallyDrop<Rc<HttpServerRequest>>,
    pub(crate) path_args: Vec<Option<String>>,
    /// `None` when the route has no named groups (most): nothing to build or drop.
    /// Dropped by hand (see `Drop`): most requests have none.
    pub(crate) path_kwargs: ManuallyDrop<Option<BTreeMap<String, String>>>,
    pub(crate) app: LocalApp,
    pub(crate) writer: Option<ResponseWriter>,
    pub(crate) body: Option<Body>,
    /// Dropped by hand (see `Drop`): most applications have none.
    pub(crate) transforms: ManuallyDrop<Vec<Box<dyn OutputTransform>>>,
    pub(crate) etag_fn: EtagFn,
    pub(crate) current_user: Option<Option<String>>,
    pub(crate) finish_waker: Option<Waker>,
    pub(crate) xsrf_token: Option<String>,
    status: u16,
    reason: Option<String>,
    headers: HttpHeaders,
    /// A header was set or added besides the defaults, so `headers` may hold an `Etag` or a
    /// `Content-Length` already: `finish` looks only then.
    headers_added: bool,
    header_error: Option<String>,
    new_cookies: Vec<(String, String)>,
    buffer: OutputBuffer,
    headers_written: bool,
    finished: bool,
    keep_open: bool,
}

/// The headers a response starts with (and `clear` goes back to), with room for the usual
/// six (Server, Content-Type, Etag, Content-Length, and for a static file Accept-Ranges and
/// Last-Modified) without growing.
fn default_headers() -> HttpHeaders {
    let mut headers = HttpHeaders::with_capacity(6);
    push_default_headers(&mut headers);
    headers
}

fn push_default_headers(headers: &mut HttpHeaders) {
    headers.push_static("Server", SERVER_HEADER);
    headers.push_static("Content-Type", "text/html; charset=UTF-8");
}

/// Whether one of the request's `If-None-Match` headers matches `tag` (out of line: most
/// requests have none, and [`RequestContext::finish`] looks first).
#[inline(never)]
fn client_has_etag(request_headers: &HttpHeaders, tag: &str) -> bool {
    request_headers
        .get_all("If-None-Match")
        .any(|inm| etag::etag_matches(inm, tag))
}

/// Sends a head, and the body so far when there is one, leaving the response open (a flush
/// before finishing; out of line: most responses are sent whole).
#[inline(never)]
fn write_head_and_body(
    writer: &mut ResponseWriter,
    head: &ResponseHead,
    body: &[u8],
) -> std::result::Result<(), WriteError> {
    writer.write_head(head)?;
    if !body.is_empty() {
        writer.write(body)?;
    }
    Ok(())
}

/// The `Server` header every response carries by default.
pub const SERVER_HEADER: &str = concat!("TornadoServer/", env!("CARGO_PKG_VERSION"));

/// Characters Tornado turns into spaces in decoded arguments.
fn is_removed_control(c: char) -> bool {
    matches!(c, '\x00'..='\x08' | '\x0e'..='\x1f')
}

impl Drop for RequestContext {
    fn drop(&mut self) {
        // SAFETY: `request` is taken only here, and the context is not used after its drop.
        let request = unsafe { ManuallyDrop::take(&mut self.request) };
        HttpServerRequest::recycle(request);
        // Most requests have no named path arguments and no transforms: a look here is
        // cheaper than the call their drop glue makes to find that out.
        if self.path_kwargs.is_some() {
            // SAFETY: dropped only here, and the context is not used after its drop.
            unsafe { ManuallyDrop::drop(&mut self.path_kwargs) }
        }
        if self.transforms.capacity() != 0 {
            // SAFETY: as above.
            unsafe { ManuallyDrop::drop(&mut self.transforms) }
        }
    }
}

impl RequestContext {
    #[allow(clippy::too_many_arguments)] // the fields it is built from, once per request
    #[inline(always)]
    pub(crate) fn new(
        request: Rc<HttpServerRequest>,
        path_args: Vec<Option<String>>,
        path_kwargs: Option<BTreeMap<String, String>>,
        app: LocalApp,
        writer: ResponseWriter,
        etag_fn: EtagFn,
        transforms: Vec<Box<dyn OutputTransform>>,
        body: Option<Body>,
    ) -> Self {
        // Built as one literal with the state `clear` gives, so that it is written straight
        // into the caller's place instead of being finished here and then copied.
        RequestContext {
            request: ManuallyDrop::new(request),
            path_args,
            path_kwargs: ManuallyDrop::new(path_kwargs),
            app,
            writer: Some(writer),
            body,
            transforms: ManuallyDrop::new(transforms),
            etag_fn,
            current_user: None,
            finish_waker: None,
            xsrf_token: None,
            status: 200,
            reason: None,
            headers: default_headers(),
            headers_added: false,
            header_error: None,
            new_cookies: Vec::new(),
            buffer: OutputBuffer::default(),
            headers_written: false,
            finished: false,
            keep_open: false,
        }
    }

    // -----------------------------------------------------------------------------------------
    // The request

    /// The request.
    pub fn request(&self) -> &HttpServerRequest {
        &self.request
    }

    /// The positional path arguments (unnamed regex groups; `None` for an optional group that
    /// did not match).
    pub fn path_args(&self) -> &[Option<String>] {
        &self.path_args
    }

    /// Positional path argument `index`; an error (`500`) if the route has no such group or it
    /// did not match.
    pub fn path_arg(&self, index: usize) -> Result<&str> {
        match self.path_args.get(index) {
            Some(Some(a)) => Ok(a),
            _ => Err(HttpError::new(500)
                .log_message(format!("no path argument {index} in this route"))
                .into()),
        }
    }

    /// The keyword path arguments (named regex groups).
    pub fn path_kwargs(&self) -> &BTreeMap<String, String> {
        static NONE: BTreeMap<String, String> = BTreeMap::new();
        self.path_kwargs.as_ref().unwrap_or(&NONE)
    }

    /// Keyword path argument `name`; an error (`500`) if the route has no such group.
    pub fn path_kwarg(&self, name: &str) -> Result<&str> {
        self.path_kwargs()
            .get(name)
            .map(String::as_str)
            .ok_or_else(|| {
                HttpError::new(500)
                    .log_message(format!("no path argument {name:?} in this route"))
                    .into()
            })
    }

    fn lookup<'a>(args: &'a Arguments, name: &str) -> Option<&'a Vec<Bytes>> {
        args.get(name).or_else(|| {
            // Argument names arrive decoded as ISO-8859-1, as in Tornado; accept the UTF-8 name.
            if name.is_ascii() {
                None
            } else {
                let latin1: String = name.bytes().map(char::from).collect();
                args.get(&latin1)
            }
        })
    }

    fn decode_values(name: &str, values: Option<&Vec<Bytes>>, strip: bool) -> Result<Vec<String>> {
        let Some(values) = values else {
            return Ok(Vec::new());
        };
        values
            .iter()
            .map(|v| {
                let s = std::str::from_utf8(v).map_err(|_| {
                    HttpError::new(400).log_message(format!(
                        "Invalid unicode in {name}: {:?}",
                        String::from_utf8_lossy(&v[..v.len().min(40)])
                    ))
                })?;
                let cleaned: String = if s.chars().any(is_removed_control) {
                    s.chars()
                        .map(|c| if is_removed_control(c) { ' ' } else { c })
                        .collect()
                } else {
                    s.to_owned()
                };
                Ok(if strip {
                    cleaned.trim().to_owned()
                } else {
                    cleaned
                })
            })
            .collect()
    }

    fn last_or_missing(name: &str, mut values: Vec<String>) -> Result<String> {
        values
            .pop()
            .ok_or_else(|| WebError::MissingArgument(name.to_owned()))
    }

    /// Every value of argument `name` from the query and the body, decoded as Tornado does:
    /// UTF-8 (invalid → `400`), control characters → spaces, surrounding whitespace stripped.
    pub fn get_arguments(&self, name: &str) -> Result<Vec<String>> {
        Self::decode_values(name, Self::lookup(self.request.arguments(), name), true)
    }

    /// [`get_arguments`](Self::get_arguments) without stripping whitespace.
    pub fn get_arguments_unstripped(&self, name: &str) -> Result<Vec<String>> {
        Self::decode_values(name, Self::lookup(self.request.arguments(), name), false)
    }

    /// The last value of argument `name`; missing → `MissingArgument` (a `400`).
    pub fn get_argument(&self, name: &str) -> Result<String> {
        Self::last_or_missing(name, self.get_arguments(name)?)
    }

    /// The last value of argument `name`, or `default` when it is absent.
    pub fn get_argument_or(&self, name: &str, default: &str) -> Result<String> {
        Ok(self
            .get_arguments(name)?
            .pop()
            .unwrap_or_else(|| default.to_owned()))
    }

    /// Every value of query argument `name`.
    pub fn get_query_arguments(&self, name: &str) -> Result<Vec<String>> {
        Self::decode_values(
            name,
            Self::lookup(self.request.query_arguments(), name),
            true,
        )
    }

    /// The last value of query argument `name`; missing → `400`.
    pub fn get_query_argument(&self, name: &str) -> Result<String> {
        Self::last_or_missing(name, self.get_query_arguments(name)?)
    }

    /// The last value of query argument `name`, or `default`.
    pub fn get_query_argument_or(&self, name: &str, default: &str) -> Result<String> {
        Ok(self
            .get_query_arguments(name)?
            .pop()
            .unwrap_or_else(|| default.to_owned()))
    }

    /// Every value of body argument `name`.
    pub fn get_body_arguments(&self, name: &str) -> Result<Vec<String>> {
        Self::decode_values(
            name,
            Self::lookup(self.request.body_arguments(), name),
            true,
        )
    }

    /// The last value of body argument `name`; missing → `400`.
    pub fn get_body_argument(&self, name: &str) -> Result<String> {
        Self::last_or_missing(name, self.get_body_arguments(name)?)
    }

    /// The last value of body argument `name`, or `default`.
    pub fn get_body_argument_or(&self, name: &str, default: &str) -> Result<String> {
        Ok(self
            .get_body_arguments(name)?
            .pop()
            .unwrap_or_else(|| default.to_owned()))
    }

    /// The current user, once the handler's `current_user` has computed it.
    pub fn current_user(&self) -> Option<&str> {
        self.current_user.as_ref().and_then(|u| u.as_deref())
    }

    /// The application's shared state.
    pub fn application(&self) -> super::AppRef<'_> {
        super::AppRef { inner: &self.app }
    }

    /// A value of type `T` given to the application builder with `extension`.
    pub fn extension<T: Send + Sync + 'static>(&self) -> Option<&T> {
        self.app.extension::<T>()
    }

    /// How long the request has taken so far.
    pub fn request_time(&self) -> Duration {
        self.request.request_time()
    }

    /// The streaming body of a handler with `STREAM_REQUEST_BODY`; the lifecycle feeds it to
    /// `data_received`, so this is `None` once that is under way.
    pub fn body_stream(&mut self) -> Option<&mut Body> {
        self.body.as_mut()
    }

    /// Raises (or lowers) the body limit of this request; for streaming handlers, in `prepare`.
    pub fn set_max_body_size(&mut self, max: u64) {
        if let Some(body) = &mut self.body {
            body.set_max_body_size(max);
        }
    }

    // -----------------------------------------------------------------------------------------
    // Status and headers

    /// Sets the status code (the reason phrase is the standard one).
    pub fn set_status(&mut self, status: u16) {
        self.status = status;
        self.reason = None;
    }

    /// Sets the status code with a custom reason phrase.
    pub fn set_status_reason(&mut self, status: u16, reason: impl Into<String>) {
        self.status = status;
        self.reason = Some(reason.into());
    }

    /// The status code set so far.
    pub fn get_status(&self) -> u16 {
        self.status
    }

    fn check_header_value(&mut self, name: &str, value: &str) -> bool {
        if name.is_empty() || !name.bytes().all(crate::http::headers::is_token_byte) {
            self.refuse_header(name, value);
            return false;
        }
        self.check_value(name, value)
    }

    /// `true` when `value` may be sent (no CR, LF or other control character); otherwise the
    /// header is refused (the response becomes a `500`) and `false`.
    fn check_value(&mut self, name: &str, value: &str) -> bool {
        if crate::http::headers::is_value(value.as_bytes()) {
            true
        } else {
            self.refuse_header(name, value);
            false
        }
    }

    /// Remembers a header that cannot be sent: the response becomes a `500`.
    fn refuse_header(&mut self, name: &str, value: &str) {
        self.header_error = Some(format!("Unsafe header {name:?}: {value:?}"));
    }

    /// Sets a response header, replacing earlier values. A value with CR, LF or another control
    /// character is refused: the response becomes a `500` (never a split response).
    pub fn set_header(&mut self, name: &str, value: impl Display) {
        let value = value.to_string();
        if self.check_header_value(name, &value) {
            self.headers_added = true;
            self.headers.set_checked(name, value);
        }
    }

    /// [`set_header`](Self::set_header) for a name known at compile time in `Http-Header-Case`
    /// and a value already formatted: no name lookup and no formatting. The value is still
    /// checked (it may come from a hook).
    pub(crate) fn set_header_static(&mut self, name: &'static str, value: impl Into<SharedStr>) {
        let value = value.into();
        if self.check_value(name, &value) {
            self.headers_added = true;
            self.headers.set_static(name, value);
        }
    }

    /// [`set_header_static`](Self::set_header_static) for a value the framework made itself
    /// or checked when it was made (a cached `Etag`, a formatted date): not checked again
    /// (verified in debug builds).
    pub(crate) fn set_header_valid(&mut self, name: &'static str, value: SharedStr) {
        debug_assert!(crate::http::headers::is_value(value.as_bytes()));
        self.headers_added = true;
        self.headers.set_static(name, value);
    }

    /// Adds a response header, keeping earlier values (for repeated headers).
    pub fn add_header(&mut self, name: &str, value: impl Display) {
        let value = value.to_string();
        if self.check_header_value(name, &value) {
            self.headers_added = true;
            self.headers.add_checked(name, value);
        }
    }

    /// Removes a response header.
    pub fn clear_header(&mut self, name: &str) {
        self.headers.remove(name);
    }

    /// The response headers set so far.
    pub fn response_headers(&self) -> &HttpHeaders {
        &self.headers
    }

    /// Resets headers, status and buffered output to the defaults (`Server`,
    /// `Content-Type: text/html; charset=UTF-8`, `200`). Cookies set are kept.
    pub fn clear(&mut self) {
        // `new` builds this same state directly; a field reset here belongs there too.
        self.headers.clear();
        push_default_headers(&mut self.headers);
        self.headers_added = false;
        self.header_error = None;
        self.buffer.clear();
        self.status = 200;
        self.reason = None;
    }

    /// Queues a `Set-Cookie` header; a later cookie of the same name replaces an earlier one,
    /// as in Tornado.
    pub(crate) fn add_set_cookie(&mut self, name: &str, value: String) {
        self.new_cookies.retain(|(n, _)| n != name);
        self.new_cookies.push((name.to_owned(), value));
    }

    // -----------------------------------------------------------------------------------------
    // Output

    /// Buffers output; nothing reaches the client before [`flush`](Self::flush) or
    /// [`finish`](Self::finish).
    pub fn write(&mut self, chunk: impl Into<Bytes>) -> Result {
        if self.finished {
            return Err(WebError::Other("Cannot write() after finish()".into()));
        }
        self.buffer.push(chunk.into());
        Ok(())
    }

    /// Writes a value as JSON with `Content-Type: application/json; charset=UTF-8`; every `</`
    /// becomes `<\/`. A top-level array is refused, as in Tornado (an old browser JSON-hijacking
    /// defence): serialise it inside an object.
    pub fn write_json<T: serde::Serialize + ?Sized>(&mut self, value: &T) -> Result {
        let text = serde_json::to_string(value)?;
        if text.starts_with('[') {
            return Err(WebError::Other(
                "write_json: a top-level JSON array is not allowed; wrap it in an object".into(),
            ));
        }
        let text = if text.contains("</") {
            text.replace("</", "<\\/")
        } else {
            text
        };
        self.set_header("Content-Type", "application/json; charset=UTF-8");
        self.write(text)
    }

    /// `true` once the response head is on its way.
    pub fn headers_written(&self) -> bool {
        self.headers_written
    }

    /// `true` once the response is finished.
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// Keeps the handler alive after its verb method returns without finishing: it then runs as
    /// an actor until something (usually a message to its [`address`](actix::AsyncContext::address))
    /// finishes the response.
    pub fn keep_open(&mut self) {
        self.keep_open = true;
    }

    pub(crate) fn kept_open(&self) -> bool {
        self.keep_open
    }

    fn writer(&mut self) -> Result<&mut ResponseWriter> {
        self.writer
            .as_mut()
            .ok_or_else(|| WebError::Other(Box::new(WriteError::Closed)))
    }

    /// Sends what is buffered: the head first if it has not gone out. With `finishing`, a
    /// response whose head has not gone out is sent whole and the writer finished: then
    /// `Ok(Some(what finishing gave))`; otherwise `Ok(None)` and the caller finishes it.
    /// Inlined into its three callers, `finish` (on every request's path) among them.
    #[inline(always)]
    fn write_out(&mut self, finishing: bool) -> Result<Option<Result<(), WriteError>>> {
        let mut chunk = self.buffer.take();
        let head_request = self.request.method == "HEAD";
        if !self.headers_written {
            if let Some(e) = self.header_error.take() {
                return Err(WebError::Other(e.into()));
            }
            if !self.transforms.is_empty() {
                chunk = self.transform_first_chunk(chunk, finishing);
            }
            let mut head = ResponseHead::new(self.status);
            head.reason = self.reason.clone();
            head.headers = std::mem::take(&mut self.headers);
            if !self.new_cookies.is_empty() {
                self.add_cookie_headers(&mut head.headers);
            }
            self.headers_written = true;
            let writer = self.writer()?;
            let body: &[u8] = if head_request { &[] } else { &chunk };
            let whole = if finishing {
                Some(writer.finish_response(&head, body)?)
            } else {
                write_head_and_body(writer, &head, body)?;
                None
            };
            // Keep the headers readable after the head went out.
            self.headers = head.headers;
            Ok(whole)
        } else {
            for t in self.transforms.iter_mut() {
                chunk = t.transform_chunk(chunk, finishing);
            }
            if !head_request && !chunk.is_empty() {
                self.writer()?.write(&chunk)?;
            }
            Ok(None)
        }
    }

    /// Runs the output transforms over the first chunk (out of line: most applications have
    /// none).
    #[inline(never)]
    fn transform_first_chunk(&mut self, mut chunk: Bytes, finishing: bool) -> Bytes {
        let mut status = self.status;
        for t in self.transforms.iter_mut() {
            chunk = t.transform_first_chunk(&mut status, &mut self.headers, chunk, finishing);
        }
        if status != self.status {
            self.status = status;
            self.reason = None;
        }
        chunk
    }

    /// Moves the cookies set on this response into its head as `Set-Cookie` headers.
    #[inline(never)]
    fn add_cookie_headers(&mut self, headers: &mut HttpHeaders) {
        for (_, c) in self.new_cookies.drain(..) {
            headers.add("Set-Cookie", c);
        }
    }

    /// Sends what is buffered (the head first, the first time) and waits until the client has
    /// taken enough of it (backpressure). On HTTP/1.1 a response flushed before it finished is
    /// sent chunked.
    pub async fn flush(&mut self) -> Result {
        if self.finished {
            return Ok(());
        }
        self.write_out(false)?;
        self.writer()?.flush().await?;
        Ok(())
    }

    /// Sends `len` bytes of `file` from `offset` as the rest of the body, through the
    /// kernel's zero-copy path (`sendfile`) when the connection and the response allow it:
    /// plain TCP, a `Content-Length` already set to cover them, no output transform that
    /// changes the body (a gzipped response does). The head goes out first if it has not.
    ///
    /// `Ok(true)`: the bytes are queued (they leave as the client takes them; HEAD sends
    /// none). `Ok(false)`: they must be written the usual way; nothing of the body was sent,
    /// though the head may have been (on a connection that cannot send files, such as TLS).
    pub(crate) fn send_file(
        &mut self,
        file: &Arc<std::fs::File>,
        offset: u64,
        len: u64,
    ) -> Result<bool> {
        if self.finished || self.buffer.len() > 0 {
            return Ok(false);
        }
        if !self.headers_written && !self.headers.contains("Content-Length") {
            return Ok(false);
        }
        if !self.writer()?.can_send_file() {
            return Ok(false);
        }
        let (status, headers) = (self.status, &self.headers);
        if !self
            .transforms
            .iter()
            .all(|t| t.passes_body_through(status, headers))
        {
            return Ok(false);
        }
        self.write_out(false)?;
        Ok(self.writer()?.send_file(file, offset, len)?)
    }

    /// Finishes the response: adds `Etag` (and answers `304` when the client has it), sets
    /// `Content-Length` when the whole body is known, and sends everything.
    pub fn finish(&mut self) -> Result {
        if self.finished {
            return Err(WebError::Other("finish() called twice".into()));
        }
        if !self.headers_written {
            let method = self.request.method.as_str();
            if self.status == 200
                && (method == "GET" || method == "HEAD")
                && !(self.headers_added && self.headers.contains("Etag"))
            {
                if let Some(tag) = (self.etag_fn)(self) {
                    let matches = self.request.headers.contains("If-None-Match")
                        && client_has_etag(&self.request.headers, &tag);
                    // Checked: a custom `compute_etag` may give anything.
                    if self.check_value("Etag", &tag) {
                        self.headers.push_absent("Etag", || tag);
                    }
                    if matches {
                        self.buffer.clear();
                        self.set_status(304);
                    }
                }
            }
            let s = self.status;
            if (100..200).contains(&s) || s == 204 || s == 304 {
                if self.buffer.len() > 0 {
                    return Err(WebError::Other(format!("Cannot send body with {s}").into()));
                }
                if s == 304 {
                    etag::clear_representation_headers(&mut self.headers);
                }
            } else if !(self.headers_added && self.headers.contains("Content-Length")) {
                let n = self.buffer.len() as u64;
                self.headers
                    .push_absent("Content-Length", || SharedStr::decimal(n));
            }
        }
        let ended = self.write_out(true)?;
        self.finished = true;
        if let Some(w) = self.finish_waker.take() {
            w.wake();
        }
        match (self.writer.take(), ended) {
            // The response went out whole, and the writer is finished.
            (Some(_), Some(ended)) => ended?,
            (Some(w), None) => w.finish()?,
            (None, _) => return Err(WebError::Other(Box::new(WriteError::Closed))),
        }
        Ok(())
    }

    /// Writes `chunk`, then [`finish`](Self::finish)es.
    pub fn finish_with(&mut self, chunk: impl Into<Bytes>) -> Result {
        self.write(chunk)?;
        self.finish()
    }

    /// Redirects to `url` (made absolute against the request's URI) with `302`, or `301` when
    /// `permanent`, and finishes.
    pub fn redirect(&mut self, url: &str, permanent: bool) -> Result {
        self.redirect_with_status(url, if permanent { 301 } else { 302 })
    }

    /// Redirects with a given 3xx status, and finishes.
    pub fn redirect_with_status(&mut self, url: &str, status: u16) -> Result {
        if self.headers_written {
            return Err(WebError::Other(
                "Cannot redirect after headers have been written".into(),
            ));
        }
        if !(300..400).contains(&status) {
            return Err(WebError::Other(
                format!("redirect status {status} is not 3xx").into(),
            ));
        }
        let location = join_url(&self.request.uri, url);
        self.set_status(status);
        self.set_header("Location", location);
        self.finish()
    }

    /// Sends the default error page for `status` (Tornado's `send_error` with the default
    /// `write_error`; return an `Err` from a handler method to go through the handler's own
    /// `write_error`).
    pub fn send_error(&mut self, status: u16) -> Result {
        self.send_error_page(status, None, None)
    }

    pub(crate) fn send_error_page(
        &mut self,
        status: u16,
        reason: Option<String>,
        error: Option<&WebError>,
    ) -> Result {
        if self.headers_written {
            return Err(WebError::Other(
                "Cannot send error response after headers written".into(),
            ));
        }
        self.clear();
        match reason {
            Some(r) => self.set_status_reason(status, r),
            None => self.set_status(status),
        }
        self.write_default_error(status, error)?;
        if !self.finished {
            self.finish()?;
        }
        Ok(())
    }

    /// Writes Tornado's default error body for `status`: the HTML page, or with
    /// `serve_traceback` and an unexpected error, a plain-text page with the error chain.
    pub fn write_default_error(&mut self, status: u16, error: Option<&WebError>) -> Result {
        let reason = self.reason.clone();
        if self.app.settings.serve_traceback() {
            if let Some(e @ WebError::Other(_)) = error {
                self.set_header("Content-Type", "text/plain; charset=UTF-8");
                let page = super::error_page::traceback_page(status, reason.as_deref(), e, None);
                return self.write(page);
            }
        }
        self.write(super::error_page::default_error_page(
            status,
            reason.as_deref(),
        ))
    }

    /// The body written so far (for `compute_etag`).
    pub fn buffered_body(&self) -> &[Bytes] {
        self.buffer.as_slice()
    }

    /// Redirects `/path` to `/path/` for GET and HEAD (Tornado's `addslash`); `Err(Finish)`
    /// after redirecting, `404` for other methods.
    pub fn addslash(&mut self) -> Result {
        let path = self.request.path.clone();
        if path.ends_with('/') {
            return Ok(());
        }
        self.slash_redirect(format!("{path}/"))
    }

    /// Redirects `/path/` to `/path` for GET and HEAD (Tornado's `removeslash`).
    pub fn removeslash(&mut self) -> Result {
        let path = self.request.path.clone();
        if !path.ends_with('/') {
            return Ok(());
        }
        let trimmed = path.trim_end_matches('/');
        if trimmed.is_empty() {
            return Ok(());
        }
        self.slash_redirect(trimmed.to_owned())
    }

    fn slash_redirect(&mut self, mut target: String) -> Result {
        let method = self.request.method.as_str();
        if method != "GET" && method != "HEAD" {
            return Err(HttpError::new(404).into());
        }
        if !self.request.query.is_empty() {
            target.push('?');
            target.push_str(&self.request.query);
        }
        self.redirect(&target, true)?;
        Err(WebError::Finish)
    }
}

impl RequestContext {
    /// `METHOD uri (ip)`, as Tornado's `_request_summary`.
    pub fn request_summary(&self) -> String {
        format!(
            "{} {} ({})",
            self.request.method, self.request.uri, self.request.remote_ip
        )
    }

    /// Writes the access-log line (or calls the application's `log_function`).
    ///
    /// Inlined, so that a request nobody logs costs the check alone, not a call.
    #[inline(always)]
    pub(crate) fn log_access(&self) {
        let logged = self.app.settings.log_function.is_some()
            || match self.status {
                0..=399 => tracing::enabled!(target: "tornado.access", tracing::Level::INFO),
                400..=499 => tracing::enabled!(target: "tornado.access", tracing::Level::WARN),
                _ => tracing::enabled!(target: "tornado.access", tracing::Level::ERROR),
            };
        // Nobody reads the time otherwise: spare the clock.
        if logged {
            self.write_access_log();
        }
    }

    /// [`log_access`](Self::log_access) once it is known someone reads the line.
    #[inline(never)]
    fn write_access_log(&self) {
        let status = self.status;
        self.request.finish();
        let ms = self.request.request_time().as_secs_f64() * 1000.0;
        if let Some(f) = &self.app.settings.log_function {
            f(&super::AccessLogEntry {
                status,
                method: &self.request.method,
                uri: &self.request.uri,
                remote_ip: &self.request.remote_ip,
                request_time_ms: ms,
            });
            return;
        }
        let (method, uri, ip) = (
            &self.request.method,
            &self.request.uri,
            &self.request.remote_ip,
        );
        if status < 400 {
            tracing::info!(target: "tornado.access", "{status} {method} {uri} ({ip}) {ms:.2}ms");
        } else if status < 500 {
            tracing::warn!(target: "tornado.access", "{status} {method} {uri} ({ip}) {ms:.2}ms");
        } else {
            tracing::error!(target: "tornado.access", "{status} {method} {uri} ({ip}) {ms:.2}ms");
        }
    }

    /// Logs an error the way Tornado's `log_exception` does.
    pub(crate) fn log_error(&self, error: &WebError) {
        match error {
            WebError::Finish => {}
            WebError::Http(e) => {
                if let Some(m) = &e.log_message {
                    tracing::warn!(target: "tornado.general", "{} {}: {m}", e.status, self.request_summary());
                }
            }
            WebError::MissingArgument(name) => {
                tracing::warn!(target: "tornado.general", "400 {}: Missing argument {name}", self.request_summary());
            }
            WebError::Other(e) => {
                let mut chain = e.to_string();
                let mut source = e.source();
                while let Some(s) = source {
                    chain.push_str(&format!("\ncaused by: {s}"));
                    source = s.source();
                }
                tracing::error!(target: "tornado.application", "Uncaught exception {}\n{chain}", self.request_summary());
            }
        }
    }

    /// Redirects to `login_url?next=<uri>` for GET/HEAD; `403` otherwise (or when there is
    /// no `login_url`).
    pub(crate) fn login_redirect(&mut self) -> Result {
        let method = self.request.method.as_str();
        if method != "GET" && method != "HEAD" {
            return Err(HttpError::new(403).into());
        }
        let Some(login) = self.app.settings.login_url.clone() else {
            return Err(HttpError::new(403)
                .log_message("no login_url setting")
                .into());
        };
        let target = if login.contains('?') {
            login
        } else {
            let next = if login.contains("://") {
                self.request.full_url()
            } else {
                self.request.uri.to_string()
            };
            format!("{login}?next={}", crate::escape::url_escape(&next, true))
        };
        self.redirect(&target, false)
    }
}

/// Python's `urljoin(base, url)` for the cases redirects need: absolute URLs, `//host` and
/// `/path` are kept; relative paths are resolved against the base's directory.
pub(crate) fn join_url(base: &str, url: &str) -> String {
    if url.contains("://") || url.starts_with("//") || url.starts_with('/') || base.is_empty() {
        return url.to_owned();
    }
    let base_path = base.split(['?', '#']).next().unwrap_or("");
    if url.is_empty() {
        return base.to_owned();
    }
    if url.starts_with('?') || url.starts_with('#') {
        return format!("{base_path}{url}");
    }
    let dir = match base_path.rfind('/') {
        Some(i) => &base_path[..=i],
        None => "/",
    };
    let mut segments: Vec<&str> = dir.split('/').collect();
    segments.pop();
    let (url_path, rest) = match url.find(['?', '#']) {
        Some(i) => (&url[..i], &url[i..]),
        None => (url, ""),
    };
    let parts: Vec<&str> = url_path.split('/').collect();
    let last = parts.len() - 1;
    for (i, part) in parts.iter().enumerate() {
        match *part {
            "." => {
                if i == last {
                    segments.push("");
                }
            }
            ".." => {
                if segments.len() > 1 {
                    segments.pop();
                }
                if i == last {
                    segments.push("");
                }
            }
            p => segments.push(p),
        }
    }
    let mut out = segments.join("/");
    if !out.starts_with('/') {
        out.insert(0, '/');
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::join_url;

    #[test]
    fn joins_like_urljoin() {
        assert_eq!(join_url("/a/b", "c"), "/a/c");
        assert_eq!(join_url("/a/b/", "c"), "/a/b/c");
        assert_eq!(join_url("/a/b", "/x"), "/x");
        assert_eq!(join_url("/a/b", "http://e.com/y"), "http://e.com/y");
        assert_eq!(join_url("/a/b", "//e.com/y"), "//e.com/y");
        assert_eq!(join_url("/a/b/c", "../d"), "/a/d");
        assert_eq!(join_url("/a/b?q=1", "?z=2"), "/a/b?z=2");
        assert_eq!(join_url("/a/b", "d?x=1"), "/a/d?x=1");
    }
}
