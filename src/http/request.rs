//! [`HttpServerRequest`]: a whole request with its parsed arguments (Tornado's
//! `HTTPServerRequest`).

use std::cell::Cell;
use std::collections::BTreeMap;
use std::mem::MaybeUninit;
use std::rc::Rc;
use std::sync::OnceLock;
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;

use super::codec::{RequestHead, Version};
use super::form::{parse_body_arguments_shared, Arguments, Files, FormError, FormLimits};
use super::server::{BodyError, ConnectionInfo, ServerRequest};
use super::util::{parse_cookie, parse_qs_bytes, split_host_and_port_str};
use super::{HttpHeaders, SharedStr};

/// A complete HTTP request: head, body, and what Tornado derives from them.
///
/// ```
/// use tornado::http::{HttpHeaders, HttpServerRequest};
///
/// let mut headers = HttpHeaders::new();
/// headers.add("Host", "Example.com:8080");
/// headers.add("Content-Type", "application/x-www-form-urlencoded");
/// headers.add("Cookie", "a=1; b=2");
/// let req = HttpServerRequest::builder("POST", "/p?x=1&x=2")
///     .headers(headers)
///     .body("y=3")
///     .build()
///     .unwrap();
/// assert_eq!(req.path, "/p");
/// assert_eq!(req.host_name(), "example.com");
/// assert_eq!(req.arguments()["x"].len(), 2);
/// assert_eq!(&req.body_arguments()["y"][0][..], b"3");
/// assert_eq!(req.cookies().get("b").map(String::as_str), Some("2"));
/// assert_eq!(req.full_url(), "http://Example.com:8080/p?x=1&x=2");
/// ```
#[derive(Debug, Clone)]
pub struct HttpServerRequest {
    /// Method (`GET`, `POST`…).
    pub method: SharedStr,
    /// The request target as sent.
    pub uri: SharedStr,
    /// The target up to the first `?`.
    pub path: SharedStr,
    /// The target after the first `?` (empty when none).
    pub query: SharedStr,
    /// Protocol version.
    pub version: Version,
    /// Headers.
    pub headers: HttpHeaders,
    /// The body.
    pub body: Bytes,
    /// The client's IP (after `xheaders`).
    pub remote_ip: SharedStr,
    /// `http` or `https`.
    pub protocol: SharedStr,
    /// The `Host` header, or `127.0.0.1` when absent.
    pub host: SharedStr,
    /// The connection it came on (`None` for requests built by hand).
    pub connection: Option<ConnectionInfo>,
    /// `host` lower-cased without its port, worked out on first use.
    host_name: OnceLock<SharedStr>,
    /// The parsed arguments and files; `None` when there are none (most requests), which
    /// spares building and dropping four empty maps per request.
    args: Option<Box<ParsedArguments>>,
    start_time: Instant,
    finish_time: OnceLock<Instant>,
    cookies: OnceLock<BTreeMap<String, String>>,
}

/// What the query and a form body hold.
#[derive(Debug, Clone)]
struct ParsedArguments {
    arguments: Arguments,
    query_arguments: Arguments,
    body_arguments: Arguments,
    files: Files,
}

static NO_ARGUMENTS: Arguments = BTreeMap::new();
static NO_FILES: Files = BTreeMap::new();

/// Builds an [`HttpServerRequest`] by hand (tests, and adapters from other servers).
#[derive(Debug)]
pub struct HttpServerRequestBuilder {
    method: SharedStr,
    uri: SharedStr,
    version: Version,
    headers: HttpHeaders,
    body: Bytes,
    remote_ip: SharedStr,
    protocol: SharedStr,
    connection: Option<ConnectionInfo>,
    start_time: Instant,
    limits: FormLimits,
}

impl HttpServerRequestBuilder {
    /// Headers.
    pub fn headers(mut self, headers: HttpHeaders) -> Self {
        self.headers = headers;
        self
    }
    /// Body.
    pub fn body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = body.into();
        self
    }
    /// Version. Default: HTTP/1.1.
    pub fn version(mut self, version: Version) -> Self {
        self.version = version;
        self
    }
    /// Client IP. Default: `127.0.0.1`.
    pub fn remote_ip(mut self, ip: impl Into<String>) -> Self {
        self.remote_ip = ip.into().into();
        self
    }
    /// Scheme. Default: `http`.
    pub fn protocol(mut self, protocol: impl Into<String>) -> Self {
        self.protocol = protocol.into().into();
        self
    }
    /// Limits for parsing a form body.
    pub fn form_limits(mut self, limits: FormLimits) -> Self {
        self.limits = limits;
        self
    }

    /// Parses the query and the body's form arguments. A body over the form limits is an error
    /// (the web layer answers it with `400`); a malformed form is logged and skipped, as in
    /// Tornado.
    pub fn build(self) -> Result<HttpServerRequest, FormError> {
        // Only this function holds the new `Rc`, so it is unique and unwraps.
        Ok(Rc::into_inner(self.build_rc()?).unwrap_or_else(|| unreachable!("a new Rc is unique")))
    }

    /// [`build`](Self::build), into an `Rc`: the request (over 500 bytes) is written straight
    /// into the `Rc`'s allocation instead of being built on the stack and copied there.
    pub(crate) fn build_rc(self) -> Result<Rc<HttpServerRequest>, FormError> {
        new_rc(
            self.method,
            self.uri,
            self.version,
            self.headers,
            self.body,
            self.remote_ip,
            self.protocol,
            self.connection,
            self.start_time,
            &self.limits,
        )
    }
}

/// A request in an `Rc`, from its parts: written straight into the `Rc`'s allocation (this
/// thread's spare when there is one). Inlined into its callers, so that each field goes from
/// where the caller has it to the allocation in one copy.
#[allow(clippy::too_many_arguments)] // the request's parts, once per request
#[inline(always)]
fn new_rc(
    method: SharedStr,
    uri: SharedStr,
    version: Version,
    headers: HttpHeaders,
    body: Bytes,
    remote_ip: SharedStr,
    protocol: SharedStr,
    connection: Option<ConnectionInfo>,
    start_time: Instant,
    limits: &FormLimits,
) -> Result<Rc<HttpServerRequest>, FormError> {
    // Everything below is a slice of the target or of the Host header: no copies.
    let (path, query) = match uri.bytes().position(|b| b == b'?') {
        Some(q) => (uri.slice(0..q), uri.slice(q + 1..uri.len())),
        None => (uri.clone(), SharedStr::new()),
    };
    let host = match headers.get_shared("Host") {
        Some(host) => host.clone(),
        None => SharedStr::from_static("127.0.0.1"),
    };
    let content_type = headers.get("Content-Type");
    // Most requests have neither a query nor a form body: no maps are built (or dropped).
    let args = if query.is_empty() && content_type.is_none() {
        None
    } else {
        Some(parse_arguments(
            &query,
            content_type,
            &body,
            &headers,
            limits,
        )?)
    };
    let mut rc = spare_or_new();
    let Some(slot) = Rc::get_mut(&mut rc) else {
        unreachable!("a new or spare Rc is unique")
    };
    slot.write(HttpServerRequest {
        method,
        uri,
        path,
        query,
        version,
        headers,
        body,
        remote_ip,
        protocol,
        host,
        connection,
        host_name: OnceLock::new(),
        args,
        start_time,
        finish_time: OnceLock::new(),
        cookies: OnceLock::new(),
    });
    // SAFETY: the value was written just above.
    Ok(unsafe { rc.assume_init() })
}

thread_local! {
    /// The allocation of the last request this thread finished with, emptied, for the next
    /// one: a request served at once gives its allocation straight to the request after it,
    /// and the allocator is not called per request.
    static SPARE: Cell<Option<Rc<MaybeUninit<HttpServerRequest>>>> = const { Cell::new(None) };
}

/// An unshared, uninitialised request allocation: this thread's spare, or a new one.
#[inline]
fn spare_or_new() -> Rc<MaybeUninit<HttpServerRequest>> {
    match SPARE.try_with(Cell::take) {
        Ok(Some(spare)) => spare,
        _ => Rc::new_uninit(),
    }
}

impl HttpServerRequest {
    /// Drops `request`; when it was the last reference, its allocation becomes this thread's
    /// spare for the next request (see [`HttpServerRequestBuilder::build_rc`]).
    pub(crate) fn recycle(request: Rc<HttpServerRequest>) {
        if Rc::strong_count(&request) != 1 || Rc::weak_count(&request) != 0 {
            return;
        }
        let raw = Rc::into_raw(request).cast_mut();
        // SAFETY: the `Rc` was the only reference (checked above) and was given up by
        // `into_raw`, so nothing else can reach the value: it is dropped here, once. (Were its
        // drop to panic, the allocation would leak, never be freed twice.)
        unsafe { drop_fields(&mut *raw) };
        // SAFETY: `MaybeUninit<T>` has the size and alignment of `T`, as `from_raw` requires,
        // and an uninitialised value is what the allocation now holds.
        let spare =
            unsafe { Rc::from_raw(raw.cast_const().cast::<MaybeUninit<HttpServerRequest>>()) };
        // During thread teardown the closure is not run, and the allocation is freed with it.
        let _ = SPARE.try_with(move |s| s.set(Some(spare)));
    }
}

/// Drops a request's fields where it lies, as its drop glue would, but looking at the parts
/// made on demand (the host name, the arguments, the cookies) before calling their drops:
/// most requests never make them.
///
/// # Safety
///
/// The request must not be used (nor dropped) afterwards.
#[inline(always)]
unsafe fn drop_fields(request: &mut HttpServerRequest) {
    // Every field is named, so a new one cannot be forgotten here; those without a drop are
    // checked to have none.
    let HttpServerRequest {
        method,
        uri,
        path,
        query,
        version: _,
        headers,
        body,
        remote_ip,
        protocol,
        host,
        connection: _,
        host_name,
        args,
        start_time: _,
        finish_time,
        cookies,
    } = request;
    const _: () = assert!(
        !std::mem::needs_drop::<Version>()
            && !std::mem::needs_drop::<Option<ConnectionInfo>>()
            && !std::mem::needs_drop::<Instant>()
    );
    use std::ptr::drop_in_place;
    // SAFETY: each field is dropped once, and the caller does not use the request again.
    unsafe {
        drop_in_place(method);
        drop_in_place(uri);
        drop_in_place(path);
        drop_in_place(query);
        drop_in_place(headers);
        drop_in_place(body);
        drop_in_place(remote_ip);
        drop_in_place(protocol);
        drop_in_place(host);
        drop_in_place(finish_time);
        if host_name.get().is_some() {
            drop_in_place(host_name);
        }
        if args.is_some() {
            drop_in_place(args);
        }
        if cookies.get().is_some() {
            drop_in_place(cookies);
        }
    }
}

/// The argument maps of a request with a query or a form body (out of line: most requests
/// have neither, and the map building would otherwise sit in the middle of the request path).
#[inline(never)]
fn parse_arguments(
    query: &str,
    content_type: Option<&str>,
    body: &Bytes,
    headers: &HttpHeaders,
    limits: &FormLimits,
) -> Result<Box<ParsedArguments>, FormError> {
    let query_arguments = parse_qs_bytes(query.as_bytes(), true);
    let mut body_arguments = Arguments::new();
    let mut files = Files::new();
    if let Some(content_type) = content_type {
        parse_body_arguments_shared(
            content_type,
            body,
            &mut body_arguments,
            &mut files,
            Some(headers),
            limits,
        )?;
    }
    let mut arguments = query_arguments.clone();
    for (name, values) in &body_arguments {
        arguments
            .entry(name.clone())
            .or_default()
            .extend(values.iter().cloned());
    }
    Ok(Box::new(ParsedArguments {
        arguments,
        query_arguments,
        body_arguments,
        files,
    }))
}

/// Why a server request could not become an [`HttpServerRequest`].
#[derive(Debug)]
#[non_exhaustive]
pub enum RequestError {
    /// The body could not be read.
    Body(BodyError),
    /// The form body broke a limit.
    Form(FormError),
}

impl std::fmt::Display for RequestError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RequestError::Body(e) => e.fmt(f),
            RequestError::Form(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for RequestError {}

impl HttpServerRequest {
    /// A builder for a request with `method` and `uri`.
    pub fn builder(method: &str, uri: &str) -> HttpServerRequestBuilder {
        HttpServerRequestBuilder {
            method: method.to_owned().into(),
            uri: uri.to_owned().into(),
            version: Version::Http11,
            headers: HttpHeaders::new(),
            body: Bytes::new(),
            remote_ip: SharedStr::from_static("127.0.0.1"),
            protocol: SharedStr::from_static("http"),
            connection: None,
            start_time: Instant::now(),
            limits: FormLimits::default(),
        }
    }

    /// Reads the body of a server request and parses everything.
    pub async fn read(
        mut request: ServerRequest,
        limits: FormLimits,
    ) -> Result<Self, RequestError> {
        let body = request.body.read_all().await.map_err(RequestError::Body)?;
        Self::builder_from_parts(
            request.head,
            body,
            request.remote_ip,
            request.protocol,
            request.connection,
            request.start_time,
            limits,
        )
        .build()
        .map_err(RequestError::Form)
    }

    /// The request of a server request whose head says there is no body (nothing to await),
    /// built in its `Rc`.
    #[inline(always)]
    pub(crate) fn without_body(
        request: ServerRequest,
        limits: FormLimits,
    ) -> Result<Rc<Self>, FormError> {
        // Taken apart here and each part written once, into the `Rc` (through a builder, the
        // whole request was copied twice on the way).
        let ServerRequest {
            head,
            remote_ip,
            protocol,
            connection,
            start_time,
            body,
        } = request;
        drop(body);
        new_rc(
            head.method,
            head.uri,
            head.version,
            head.headers,
            Bytes::new(),
            remote_ip,
            protocol,
            Some(connection),
            start_time,
            &limits,
        )
    }

    /// Splits a server request into the request without its body (arguments from the query
    /// only) and the body, for handlers that stream it.
    pub fn split(
        request: ServerRequest,
        limits: FormLimits,
    ) -> Result<(Self, crate::http::Body), FormError> {
        let ServerRequest {
            head,
            remote_ip,
            protocol,
            connection,
            start_time,
            body,
        } = request;
        let mut head = head;
        // No form parsing on an unread body.
        let content_type = head.headers.get("Content-Type").map(str::to_owned);
        head.headers.remove("Content-Type");
        let mut req = Self::builder_from_parts(
            head,
            Bytes::new(),
            remote_ip,
            protocol,
            connection,
            start_time,
            limits,
        )
        .build()?;
        if let Some(ct) = content_type {
            req.headers.add("Content-Type", ct);
        }
        Ok((req, body))
    }

    #[allow(clippy::too_many_arguments)]
    fn builder_from_parts(
        head: RequestHead,
        body: Bytes,
        remote_ip: SharedStr,
        protocol: SharedStr,
        connection: ConnectionInfo,
        start_time: Instant,
        limits: FormLimits,
    ) -> HttpServerRequestBuilder {
        HttpServerRequestBuilder {
            method: head.method,
            uri: head.uri,
            version: head.version,
            headers: head.headers,
            body,
            remote_ip,
            protocol,
            connection: Some(connection),
            start_time,
            limits,
        }
    }

    /// `host` lower-cased, without its port (worked out on first use).
    pub fn host_name(&self) -> &str {
        self.host_name.get_or_init(|| {
            // Lower-casing is per byte on ASCII and cannot move the last `:`, so splitting
            // first gives the same name.
            let name = split_host_and_port_str(&self.host).0;
            match self.host.slice_ref(name) {
                Some(slice) if !name.bytes().any(|b| b.is_ascii_uppercase()) => slice,
                _ => name.to_ascii_lowercase().into(),
            }
        })
    }

    /// Query and body arguments together (query first), name → values; blank values kept.
    pub fn arguments(&self) -> &Arguments {
        self.args.as_ref().map_or(&NO_ARGUMENTS, |a| &a.arguments)
    }

    /// Arguments from the query string.
    pub fn query_arguments(&self) -> &Arguments {
        self.args
            .as_ref()
            .map_or(&NO_ARGUMENTS, |a| &a.query_arguments)
    }

    /// Arguments from a form body (urlencoded or multipart).
    pub fn body_arguments(&self) -> &Arguments {
        self.args
            .as_ref()
            .map_or(&NO_ARGUMENTS, |a| &a.body_arguments)
    }

    /// Files from a multipart body.
    pub fn files(&self) -> &Files {
        self.args.as_ref().map_or(&NO_FILES, |a| &a.files)
    }

    /// Cookies from the `Cookie` headers, parsed leniently as browsers send them (parsed once,
    /// on first use).
    pub fn cookies(&self) -> &BTreeMap<String, String> {
        self.cookies.get_or_init(|| {
            let mut all = BTreeMap::new();
            for header in self.headers.get_list("Cookie") {
                all.extend(parse_cookie(header));
            }
            all
        })
    }

    /// `protocol://host/uri`.
    pub fn full_url(&self) -> String {
        format!("{}://{}{}", self.protocol, self.host, self.uri)
    }

    /// How long the request has taken: until [`finish`](Self::finish) if called, else until now.
    pub fn request_time(&self) -> Duration {
        let end = self.finish_time.get().copied().unwrap_or_else(Instant::now);
        end.saturating_duration_since(self.start_time)
    }

    /// Records the moment the response was finished (for [`request_time`](Self::request_time)).
    pub fn finish(&self) {
        let _ = self.finish_time.set(Instant::now());
    }

    /// When the request started, as wall-clock time.
    pub fn start_time(&self) -> SystemTime {
        crate::http::clock::system_time_at(self.start_time)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_given_back_lends_its_allocation_to_the_next_and_drops_its_fields() {
        let body = Bytes::from(vec![7u8; 100]);
        let first = HttpServerRequest::builder("POST", "/a")
            .body(body.clone())
            .build_rc()
            .unwrap();
        let address = Rc::as_ptr(&first) as usize;
        assert!(!body.is_unique());
        HttpServerRequest::recycle(first);
        assert!(body.is_unique(), "the request's fields were dropped");
        let second = HttpServerRequest::builder("GET", "/b?x=1")
            .build_rc()
            .unwrap();
        assert_eq!(Rc::as_ptr(&second) as usize, address);
        assert_eq!(
            (second.method.as_str(), second.path.as_str()),
            ("GET", "/b")
        );
        assert_eq!(second.query_arguments()["x"][0], b"1"[..]);
        assert!(second.body.is_empty());

        // A request still shared is only let go of, and stays whole for its other holder.
        let holder = Rc::clone(&second);
        HttpServerRequest::recycle(second);
        assert_eq!(holder.path, "/b");
        let third = HttpServerRequest::builder("GET", "/c").build_rc().unwrap();
        assert_ne!(Rc::as_ptr(&third), Rc::as_ptr(&holder));
        assert_eq!(third.path, "/c");
    }

    #[test]
    fn defaults_and_derived_fields() {
        let req = HttpServerRequest::builder("GET", "/a/b").build().unwrap();
        assert_eq!(req.host, "127.0.0.1");
        assert_eq!(req.host_name(), "127.0.0.1");
        assert_eq!(req.query, "");
        assert!(req.arguments().is_empty());
        assert_eq!(req.full_url(), "http://127.0.0.1/a/b");
    }

    #[test]
    fn query_split_at_first_question_mark_and_blank_values_kept() {
        let req = HttpServerRequest::builder("GET", "/p?a=&b=1?2")
            .build()
            .unwrap();
        assert_eq!(req.path, "/p");
        assert_eq!(req.query, "a=&b=1?2");
        assert_eq!(&req.query_arguments()["a"][0][..], b"");
        assert_eq!(&req.query_arguments()["b"][0][..], b"1?2");
    }

    #[test]
    fn ipv6_host_name() {
        let mut h = HttpHeaders::new();
        h.add("Host", "[::1]:8888");
        let req = HttpServerRequest::builder("GET", "/")
            .headers(h)
            .build()
            .unwrap();
        assert_eq!(req.host_name(), "[::1]");
    }

    #[test]
    fn multipart_files_and_arguments() {
        let mut h = HttpHeaders::new();
        h.add("Content-Type", "multipart/form-data; boundary=XX");
        let body = "--XX\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.txt\"\r\nContent-Type: text/plain\r\n\r\nfile!\r\n--XX\r\nContent-Disposition: form-data; name=\"n\"\r\n\r\nv\r\n--XX--\r\n";
        let req = HttpServerRequest::builder("POST", "/?n=q")
            .headers(h)
            .body(body)
            .build()
            .unwrap();
        assert_eq!(req.files()["f"][0].filename, "a.txt");
        assert_eq!(&req.files()["f"][0].body[..], b"file!");
        let n: Vec<&[u8]> = req.arguments()["n"].iter().map(|b| &b[..]).collect();
        assert_eq!(n, [&b"q"[..], b"v"]);
    }

    #[test]
    fn request_time_stops_at_finish() {
        let req = HttpServerRequest::builder("GET", "/").build().unwrap();
        req.finish();
        let t = req.request_time();
        assert_eq!(req.request_time(), t);
    }
}
