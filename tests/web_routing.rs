//! Routing: anchoring, path arguments, first-match-wins, virtual hosts, `default_host`,
//! `reverse_url` and nested routers.
//!
//! Values marked "Tornado 6.3.3" were produced by the Python package (`tornado.web.Application`,
//! `tornado.routing.PathMatches`) and pinned here.

use std::collections::BTreeMap;
use std::error::Error;
use std::sync::Arc;

use tornado::http::HttpServerRequest;
use tornado::web::routing::{
    nest, url, HostRouter, PathArgs, RouteError, RouteMatch, RouteRequest, Router, RuleRouter,
    Target, UrlSpec,
};

type TestResult = Result<(), Box<dyn Error>>;

fn spec(pattern: &str) -> Result<UrlSpec<&'static str>, RouteError> {
    url(pattern, "target").build()
}

fn positional(values: &[Option<&str>]) -> PathArgs {
    PathArgs {
        positional: values.iter().map(|v| v.map(str::to_owned)).collect(),
        named: BTreeMap::new(),
    }
}

fn named(values: &[(&str, Option<&str>)]) -> PathArgs {
    PathArgs {
        positional: Vec::new(),
        named: values
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.map(str::to_owned)))
            .collect(),
    }
}

/// The target a [`HostRouter`] picks for `host` and `path`.
fn pick(
    app: &HostRouter<&'static str>,
    host: &str,
    path: &str,
    x_real_ip: bool,
) -> Result<Option<&'static str>, Box<dyn Error>> {
    let request = RouteRequest::new(host, path).with_x_real_ip(x_real_ip);
    Ok(app.find(&request)?.map(|found| *found.target))
}

// ---------------------------------------------------------------------------------------------
// Anchoring

#[test]
fn pattern_must_match_the_whole_path() -> TestResult {
    let a = spec("/a")?;
    assert!(a.is_match("/a"));
    assert!(!a.is_match("/ab"), "anchored at the end");
    assert!(!a.is_match("/x/a"), "anchored at the start");
    assert!(!a.is_match("/a/"));
    assert_eq!(a.match_path("/ab")?, None);
    Ok(())
}

#[test]
fn explicit_anchors_are_accepted() -> TestResult {
    let a = spec("^/a$")?;
    assert!(a.is_match("/a") && !a.is_match("/a/") && !a.is_match("//a"));
    Ok(())
}

#[test]
fn prefix_style_pattern_needs_a_wildcard() -> TestResult {
    let static_files = spec("/static/.*")?;
    assert!(static_files.is_match("/static/") && static_files.is_match("/static/css/a.css"));
    assert!(!static_files.is_match("/statics/a.css"));
    Ok(())
}

#[test]
fn top_level_alternation_is_anchored_as_a_whole() -> TestResult {
    // Tornado 6.3.3 compiles `/a|/b$` and so matches `/ab` with its first branch; here the
    // pattern is wrapped before anchoring, so neither branch may leave text over.
    let either = spec("/a|/b")?;
    assert!(either.is_match("/a") && either.is_match("/b"));
    assert!(!either.is_match("/ab"));
    Ok(())
}

#[test]
fn trailing_slash_optional_pattern() -> TestResult {
    let s = spec(r"/(\d+)/?")?;
    assert_eq!(s.match_path("/12/")?, Some(positional(&[Some("12")])));
    assert_eq!(s.match_path("/12")?, Some(positional(&[Some("12")])));
    assert_eq!(s.match_path("/12//")?, None);
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Groups and arguments

#[test]
fn unnamed_groups_are_positional() -> TestResult {
    let s = spec(r"/(\d{4})/([a-z-]+)/")?;
    assert_eq!(
        s.match_path("/2024/hello-world/")?,
        Some(positional(&[Some("2024"), Some("hello-world")]))
    );
    Ok(())
}

#[test]
fn named_groups_are_keyword() -> TestResult {
    let s = spec(r"/user/(?P<id>\d+)/(?P<tab>\w+)")?;
    assert_eq!(
        s.match_path("/user/7/posts")?,
        Some(named(&[("id", Some("7")), ("tab", Some("posts"))]))
    );
    Ok(())
}

#[test]
fn rust_style_named_groups_also_work() -> TestResult {
    let s = spec(r"/user/(?<id>\d+)")?;
    assert_eq!(s.match_path("/user/7")?, Some(named(&[("id", Some("7"))])));
    Ok(())
}

#[test]
fn mixing_named_and_unnamed_groups_is_refused() {
    let err = spec(r"/(?P<a>\d+)/(\d+)").err();
    assert!(
        matches!(err, Some(RouteError::MixedGroups { .. })),
        "{err:?}"
    );
    // Same wording as Tornado 6.3.3's assertion.
    assert!(err.is_some_and(|e| e
        .to_string()
        .starts_with("groups in url regexes must either be all named or all positional")));
}

#[test]
fn invalid_regex_is_refused_with_its_pattern() {
    let err = spec("/items/(").err();
    assert!(matches!(err, Some(RouteError::InvalidPattern { .. })));
    let err = err.map(|e| (e.to_string(), e.source().is_some()));
    assert!(err.is_some_and(|(msg, has_source)| msg.contains("\"/items/(\"") && has_source));
}

#[test]
fn unmatched_optional_groups_are_none() -> TestResult {
    // Tornado 6.3.3: PathMatches(r"/x/(a)?(b)?") on "/x/b" gives (None, b'b').
    let s = spec(r"/x/(a)?(b)?")?;
    assert_eq!(s.match_path("/x/b")?, Some(positional(&[None, Some("b")])));
    assert_eq!(s.match_path("/x/")?, Some(positional(&[None, None])));
    // Tornado 6.3.3: {'id': '5', 'ext': None}.
    let s = spec(r"/u/(?P<id>\d+)(?P<ext>\.json)?")?;
    assert_eq!(
        s.match_path("/u/5")?,
        Some(named(&[("id", Some("5")), ("ext", None)]))
    );
    Ok(())
}

#[test]
fn empty_group_is_some_empty_string() -> TestResult {
    let s = spec(r"/files/(.*)")?;
    assert_eq!(s.match_path("/files/")?, Some(positional(&[Some("")])));
    Ok(())
}

#[test]
fn pattern_without_groups_gives_no_arguments() -> TestResult {
    let found = spec("/about")?.match_path("/about")?;
    assert!(found.is_some_and(|args| args.is_empty()));
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Percent-decoding

#[test]
fn plus_is_kept_and_escapes_are_decoded() -> TestResult {
    // Tornado 6.3.3: "/files/a+b%2Bc%20d" → b'a+b+c d'.
    let s = spec(r"/files/(.*)")?;
    assert_eq!(
        s.match_path("/files/a+b%2Bc%20d")?,
        Some(positional(&[Some("a+b+c d")]))
    );
    Ok(())
}

#[test]
fn encoded_slash_is_decoded_after_matching() -> TestResult {
    // `[^/]+` sees the encoded form, so `%2F` does not end the segment. Tornado 6.3.3: b'x/y'.
    let s = spec(r"/files/([^/]+)")?;
    assert_eq!(
        s.match_path("/files/x%2Fy")?,
        Some(positional(&[Some("x/y")]))
    );
    assert_eq!(s.match_path("/files/x/y")?, None);
    Ok(())
}

#[test]
fn utf8_escapes_decode_in_either_case() -> TestResult {
    let s = spec(r"/files/(.*)")?;
    assert_eq!(
        s.match_path("/files/%e2%98%83")?,
        Some(positional(&[Some("☃")]))
    );
    assert_eq!(
        s.match_path("/files/%E2%98%83")?,
        Some(positional(&[Some("☃")]))
    );
    Ok(())
}

#[test]
fn malformed_escapes_are_left_alone() -> TestResult {
    // Tornado 6.3.3: "/files/%zz%4" → b'%zz%4'.
    let s = spec(r"/files/(.*)")?;
    assert_eq!(
        s.match_path("/files/%zz%4")?,
        Some(positional(&[Some("%zz%4")]))
    );
    Ok(())
}

#[test]
fn invalid_utf8_is_a_400_error() -> TestResult {
    let s = spec(r"/files/(.*)")?;
    let err = s.match_path("/files/%FF").err();
    assert_eq!(err.as_ref().map(|e| e.status()), Some(400));
    assert_eq!(err.as_ref().map(|e| e.value().to_vec()), Some(vec![0xff]));
    assert_eq!(err.as_ref().and_then(|e| e.group_name()), None);
    assert_eq!(
        err.map(|e| e.to_string()).as_deref(),
        Some(r#"Invalid unicode in url: b"\xff""#)
    );
    Ok(())
}

#[test]
fn invalid_utf8_in_named_group_names_it() -> TestResult {
    let s = spec(r"/(?P<first>[^/]*)/(?P<second>[^/]*)")?;
    let err = s.match_path("/ok/%C0%AF").err();
    assert_eq!(err.as_ref().and_then(|e| e.group_name()), Some("second"));
    assert_eq!(err.as_ref().map(|e| e.index()), Some(1));
    Ok(())
}

#[test]
fn invalid_utf8_error_shows_at_most_40_bytes() -> TestResult {
    let long = format!("/{}%FF", "a".repeat(60));
    let err = spec("/(.*)")?.match_path(&long).err();
    let message = err.map(|e| e.to_string()).unwrap_or_default();
    assert_eq!(
        message,
        format!("Invalid unicode in url: b\"{}\"", "a".repeat(40))
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// RuleRouter

fn fifty_rules() -> Result<RuleRouter<usize>, RouteError> {
    let mut router = RuleRouter::new();
    for i in 0..50 {
        router.add_rule(url(&format!(r"/section{i}/(\d+)"), i).build()?);
    }
    Ok(router)
}

#[test]
fn first_matching_rule_wins() -> TestResult {
    let router = RuleRouter::from_rules([
        url(r"/items/new", "new").build()?,
        url(r"/items/(\w+)", "item").build()?,
        url(r"/items/new", "unreachable").build()?,
        url(r"/.*", "catch-all").build()?,
    ]);
    let target = |path| router.find(path).map(|m| m.map(|m| *m.target));
    assert_eq!(target("/items/new")?, Some("new"));
    assert_eq!(target("/items/42")?, Some("item"));
    assert_eq!(target("/other")?, Some("catch-all"));
    Ok(())
}

#[test]
fn no_matching_rule_is_none() -> TestResult {
    let router = RuleRouter::from_rules([url("/a", ()).build()?]);
    assert!(router.find("/b")?.is_none());
    assert!(RuleRouter::<()>::new().find("/")?.is_none());
    Ok(())
}

#[test]
fn match_reports_rule_and_arguments() -> TestResult {
    let router = fifty_rules()?;
    let found = router.find("/section31/9")?;
    let found = found.ok_or("no match")?;
    assert_eq!(*found.target, 31);
    assert_eq!(found.spec.pattern(), r"/section31/(\d+)");
    assert_eq!(found.path_args, positional(&[Some("9")]));
    assert!(router.find("/section50/9")?.is_none());
    Ok(())
}

#[test]
fn invalid_utf8_in_first_match_stops_the_search() -> TestResult {
    // Tornado routes to the first matching handler, which then answers 400; a later rule that
    // would accept the raw bytes is never tried.
    let router = RuleRouter::from_rules([
        url(r"/f/(.*)", "decoding").build()?,
        url(r"/f/.*", "raw").build()?,
    ]);
    assert!(router.find("/f/%FF").is_err());
    Ok(())
}

#[test]
fn routers_are_send_and_sync() {
    fn assert_send_sync<R: Send + Sync>() {}
    assert_send_sync::<RuleRouter<Arc<dyn Fn() + Send + Sync>>>();
    assert_send_sync::<HostRouter<String>>();
}

// ---------------------------------------------------------------------------------------------
// Virtual hosts, pinned against Tornado 6.3.3's Application:
//
//   Application([... url("/w", W) ...], default_host="default.example")
//   add_handlers(r"a\.example", [url("/a", A), url("/shared", A)])
//   add_handlers(r"default\.example", [url("/d", B), url("/shared", B), url("/w", B)])

fn tornado_like_app() -> Result<HostRouter<&'static str>, RouteError> {
    let mut app = HostRouter::new(RuleRouter::from_rules([
        url(r"/story/([0-9]+)", "H").name("story").build()?,
        url(r"/files/(.*)", "H").name("files").build()?,
        url("/w", "W").name("w").build()?,
    ]))
    .with_default_host("default.example");
    app.add_handlers(
        r"a\.example",
        [
            url("/a", "A").name("a").build()?,
            url("/shared", "A").name("shared").build()?,
        ],
    )?;
    app.add_handlers(
        r"default\.example",
        [
            url("/d", "B").name("d").build()?,
            url("/shared", "B").name("shared").build()?,
            url("/w", "B").build()?,
        ],
    )?;
    Ok(app)
}

#[test]
fn host_group_matches_its_host() -> TestResult {
    let app = tornado_like_app()?;
    assert_eq!(pick(&app, "a.example", "/a", false)?, Some("A"));
    assert_eq!(pick(&app, "a.example", "/shared", false)?, Some("A"));
    Ok(())
}

#[test]
fn host_is_lower_cased_and_port_stripped() -> TestResult {
    let app = tornado_like_app()?;
    assert_eq!(pick(&app, "A.Example:8080", "/a", false)?, Some("A"));
    assert_eq!(pick(&app, "a.example:0", "/a", false)?, Some("A"));
    Ok(())
}

#[test]
fn host_pattern_is_anchored() -> TestResult {
    let app = tornado_like_app()?;
    assert_eq!(pick(&app, "x.a.example", "/a", false)?, None);
    assert_eq!(pick(&app, "a.examplex", "/a", false)?, None);
    Ok(())
}

#[test]
fn wildcard_rules_serve_every_host() -> TestResult {
    let app = tornado_like_app()?;
    assert_eq!(pick(&app, "a.example", "/story/1", false)?, Some("H"));
    assert_eq!(pick(&app, "anything", "/story/1", true)?, Some("H"));
    Ok(())
}

#[test]
fn host_groups_come_before_wildcard_rules() -> TestResult {
    // Tornado 6.3.3: default.example /w → B, although the wildcard rules also have /w.
    let app = tornado_like_app()?;
    assert_eq!(pick(&app, "default.example", "/w", false)?, Some("B"));
    assert_eq!(pick(&app, "a.example", "/w", false)?, Some("W"));
    Ok(())
}

#[test]
fn default_host_serves_unknown_hosts() -> TestResult {
    // Tornado 6.3.3: other /d → B; other /shared → B.
    let app = tornado_like_app()?;
    assert_eq!(pick(&app, "other", "/d", false)?, Some("B"));
    assert_eq!(pick(&app, "other", "/shared", false)?, Some("B"));
    Ok(())
}

#[test]
fn default_host_also_serves_known_hosts_whose_rules_miss() -> TestResult {
    // Tornado 6.3.3: a.example /d → B (the default host's rules are the last resort for all).
    let app = tornado_like_app()?;
    assert_eq!(pick(&app, "a.example", "/d", false)?, Some("B"));
    Ok(())
}

#[test]
fn x_real_ip_turns_default_host_off() -> TestResult {
    // Tornado 6.3.3: other /d with X-Real-Ip → ErrorHandler (404).
    let app = tornado_like_app()?;
    assert_eq!(pick(&app, "other", "/d", true)?, None);
    assert_eq!(pick(&app, "a.example", "/d", true)?, None);
    Ok(())
}

#[test]
fn without_default_host_unknown_hosts_get_only_wildcard_rules() -> TestResult {
    let mut app = HostRouter::new(RuleRouter::from_rules([url("/w", "W").build()?]));
    app.add_handlers(r"default\.example", [url("/d", "B").build()?])?;
    assert_eq!(pick(&app, "other", "/d", false)?, None);
    assert_eq!(pick(&app, "other", "/w", false)?, Some("W"));
    Ok(())
}

#[test]
fn catch_all_host_group_and_accumulating_groups() -> TestResult {
    let mut app = HostRouter::new(RuleRouter::new());
    app.add_handlers(r"api\.example\.com", [url("/v1", "api-v1").build()?])?;
    app.add_handlers(r"api\.example\.com", [url("/v2", "api-v2").build()?])?;
    app.add_handlers(".*", [url("/v1", "any-v1").build()?])?;
    assert_eq!(pick(&app, "api.example.com", "/v1", false)?, Some("api-v1"));
    assert_eq!(pick(&app, "api.example.com", "/v2", false)?, Some("api-v2"));
    assert_eq!(pick(&app, "www.example.com", "/v1", false)?, Some("any-v1"));
    assert_eq!(pick(&app, "www.example.com", "/v2", false)?, None);
    Ok(())
}

#[test]
fn upper_case_host_pattern_never_matches() -> TestResult {
    // Host names are lower-cased before matching; the pattern is not (same as Tornado).
    let mut app = HostRouter::new(RuleRouter::new());
    app.add_handlers(r"Example\.com", [url("/", "x").build()?])?;
    assert_eq!(pick(&app, "Example.com", "/", false)?, None);
    Ok(())
}

#[test]
fn ipv6_host_with_port() -> TestResult {
    let mut app = HostRouter::new(RuleRouter::new());
    app.add_handlers(r"\[::1\]", [url("/", "v6").build()?])?;
    assert_eq!(pick(&app, "[::1]:8888", "/", false)?, Some("v6"));
    Ok(())
}

#[test]
fn invalid_host_pattern_is_refused() -> TestResult {
    let mut app = HostRouter::<()>::new(RuleRouter::new());
    let err = app.add_handlers("(", []).err();
    assert!(matches!(err, Some(RouteError::InvalidPattern { .. })));
    assert_eq!(app.host_patterns().count(), 0);
    Ok(())
}

#[test]
fn route_request_from_server_request() -> TestResult {
    let mut headers = tornado::http::HttpHeaders::new();
    headers.add("Host", "Other:9000");
    headers.add("X-Real-Ip", "10.1.2.3");
    let req = HttpServerRequest::builder("GET", "/d?q=1")
        .headers(headers)
        .build()?;
    let route = RouteRequest::from_request(&req);
    assert_eq!((route.host_name(), route.path()), ("other", "/d"));
    assert!(route.has_x_real_ip());
    let app = tornado_like_app()?;
    assert!(
        app.find(&route)?.is_none(),
        "X-Real-Ip disables default_host"
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// reverse_url, pinned against Tornado 6.3.3's Application.reverse_url

#[test]
fn reverse_url_matches_tornado() -> TestResult {
    let router = RuleRouter::from_rules([
        url(r"/story/([0-9]+)", ()).name("story").build()?,
        url(r"/files/(.*)", ()).name("files").build()?,
        url(r"/named/(?P<a>[^/]+)/(?P<b>[^/]+)", ())
            .name("named")
            .build()?,
        url(r"/favicon\.ico", ()).name("fav").build()?,
        url(r"/a\.b/(\d+)\-x", ()).name("esc").build()?,
        url(r"/(\d+)/?", ()).name("opt").build()?,
        url(r"/c\+\+/(\w+)", ()).name("cpp").build()?,
    ]);
    let cases: &[(&str, &[&str], &str)] = &[
        ("story", &["42"], "/story/42"),
        ("files", &["a b/c d"], "/files/a%20b/c%20d"),
        ("files", &["ü/é"], "/files/%C3%BC/%C3%A9"),
        (
            "files",
            &["a+b&c=d?e#f%g"],
            "/files/a%2Bb%26c%3Dd%3Fe%23f%25g",
        ),
        ("files", &["~_.-!*'()"], "/files/~_.-%21%2A%27%28%29"),
        ("files", &["\u{2603} snow"], "/files/%E2%98%83%20snow"),
        ("files", &[""], "/files/"),
        ("named", &["x y", "z/w"], "/named/x%20y/z/w"),
        ("fav", &[], "/favicon.ico"),
        ("esc", &["7"], "/a.b/7-x"),
        ("opt", &["5"], "/5/?"),
        ("cpp", &["v w"], "/c++/v%20w"),
    ];
    for (name, args, expected) in cases {
        assert_eq!(
            router.reverse_url(name, args)?,
            *expected,
            "{name} {args:?}"
        );
    }
    Ok(())
}

#[test]
fn reverse_url_unknown_name() -> TestResult {
    let app = tornado_like_app()?;
    let err = app.reverse_url("nope", &[]).err();
    assert!(matches!(err, Some(RouteError::NotFound { ref name }) if name == "nope"));
    // Tornado 6.3.3: KeyError('nope not found in named urls').
    assert_eq!(
        err.map(|e| e.to_string()).as_deref(),
        Some("nope not found in named urls")
    );
    Ok(())
}

#[test]
fn reverse_url_wrong_argument_count() -> TestResult {
    let app = tornado_like_app()?;
    for args in [&[][..], &["1", "2"][..]] {
        let err = app.reverse_url("story", args).err();
        assert!(
            matches!(err, Some(RouteError::ArgumentCount { expected: 1, given, .. }) if given == args.len()),
            "{err:?}"
        );
    }
    Ok(())
}

#[test]
fn complex_patterns_route_but_do_not_reverse() -> TestResult {
    // Tornado 6.3.3 fails to reverse all of these (TypeError, ValueError, ValueError).
    for (pattern, path) in [
        (r"/nested/((a)b)", "/nested/ab"),
        (r"/nc/(?:x)(\d+)", "/nc/x1"),
        (r"/bad\d/(\d+)", "/bad1/1"),
        (r"(?i)/case", "/CASE"),
    ] {
        let s = url(pattern, ()).name("n").build()?;
        assert!(s.is_match(path), "{pattern} should still route {path}");
        assert!(!s.is_reversible());
        let router = RuleRouter::from_rules([s]);
        let err = router.reverse_url("n", &["a"]);
        assert!(
            matches!(err, Err(RouteError::NotReversible { .. })),
            "{pattern}: {err:?}"
        );
    }
    Ok(())
}

#[test]
fn reverse_keeps_literal_percent_and_dollar() -> TestResult {
    // Tornado 6.3.3 cannot do these (its format string treats `%` as a directive, and it drops
    // the escaped `$` as if it were an anchor); here literal text is copied as written.
    assert_eq!(spec(r"/100%/(\d+)")?.reverse(&["5"])?, "/100%/5");
    assert_eq!(spec(r"/price\$")?.reverse(&[])?, "/price$");
    Ok(())
}

#[test]
fn reverse_searches_host_groups_in_order_then_wildcard() -> TestResult {
    let app = tornado_like_app()?;
    assert_eq!(app.reverse_url("a", &[])?, "/a");
    assert_eq!(app.reverse_url("d", &[])?, "/d");
    assert_eq!(app.reverse_url("shared", &[])?, "/shared");
    assert_eq!(app.reverse_url("w", &[])?, "/w");
    assert_eq!(app.reverse_url("files", &["a b"])?, "/files/a%20b");
    Ok(())
}

#[test]
fn duplicate_names_last_one_wins() -> TestResult {
    let router = RuleRouter::from_rules([
        url("/old", ()).name("page").build()?,
        url("/new", ()).name("page").build()?,
    ]);
    assert_eq!(router.reverse_url("page", &[])?, "/new");
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Nested routers

#[test]
fn nested_router_sees_the_full_path() -> TestResult {
    let api = RuleRouter::from_rules([url(r"/api/users/(\d+)", "user").name("user").build()?]);
    let root = RuleRouter::from_rules([nest(r"/api/(.*)", api).build()?]);
    let found = root.find("/api/users/3")?.ok_or("no match")?;
    assert_eq!(*found.target, "user");
    // The nested rule's groups, not the outer ones, are reported.
    assert_eq!(found.path_args, positional(&[Some("3")]));
    assert_eq!(found.spec.name(), Some("user"));
    Ok(())
}

#[test]
fn nested_miss_falls_through_to_later_rules() -> TestResult {
    let api = RuleRouter::from_rules([url("/api/v1", "v1").build()?]);
    let root = RuleRouter::from_rules([
        nest("/api/.*", api).build()?,
        url("/api/.*", "api-404").build()?,
    ]);
    assert_eq!(root.find("/api/v1")?.map(|m| *m.target), Some("v1"));
    assert_eq!(root.find("/api/v9")?.map(|m| *m.target), Some("api-404"));
    Ok(())
}

#[test]
fn outer_pattern_gates_the_nested_router() -> TestResult {
    let inner = RuleRouter::from_rules([url("/.*", "inner").build()?]);
    let root = RuleRouter::from_rules([nest("/admin/.*", inner).build()?]);
    assert!(root.find("/public")?.is_none());
    assert!(root.find("/admin/x")?.is_some());
    Ok(())
}

#[test]
fn outer_arguments_are_not_decoded() -> TestResult {
    // Tornado passes the outer rule's groups to the nested router, which ignores them; an
    // undecodable outer group therefore does not fail the request.
    let inner = RuleRouter::from_rules([url("/x/.*", "inner").build()?]);
    let root = RuleRouter::from_rules([nest("/x/(.*)", inner).build()?]);
    assert_eq!(root.find("/x/%FF")?.map(|m| *m.target), Some("inner"));
    Ok(())
}

#[test]
fn host_router_nested_in_rule_router_and_back() -> TestResult {
    let mut hosts = HostRouter::new(RuleRouter::new());
    hosts.add_handlers(
        r"admin\.example",
        [url("/panel", "panel").name("panel").build()?],
    )?;
    let root =
        RuleRouter::from_rules([nest("/panel", hosts).build()?, url("/.*", "site").build()?]);
    let app = HostRouter::new(root);
    assert_eq!(pick(&app, "admin.example", "/panel", false)?, Some("panel"));
    assert_eq!(pick(&app, "www.example", "/panel", false)?, Some("site"));
    assert_eq!(app.reverse_url("panel", &[])?, "/panel");
    Ok(())
}

#[test]
fn custom_router_as_a_target() -> TestResult {
    /// Serves requests that came through the proxy (they carry X-Real-Ip) itself.
    struct ByProxy(UrlSpec<&'static str>);
    impl Router<&'static str> for ByProxy {
        fn find_target<'r>(
            &'r self,
            request: &RouteRequest<'_>,
        ) -> tornado::web::routing::RouteResult<'r, &'static str> {
            if !request.has_x_real_ip() {
                return Ok(None);
            }
            let Some(path_args) = self.0.match_path(request.path())? else {
                return Ok(None);
            };
            Ok(self.0.target().leaf().map(|target| RouteMatch {
                target,
                path_args,
                spec: &self.0,
            }))
        }
        fn reverse(&self, name: &str, args: &[&str]) -> Result<Option<String>, RouteError> {
            match self.0.name() == Some(name) {
                true => self.0.reverse(args).map(Some),
                false => Ok(None),
            }
        }
    }
    let proxied = url("/via/(.*)", "proxied").name("proxied").build()?;
    let root = HostRouter::new(RuleRouter::from_rules([
        UrlSpec::new("/via/.*", Target::Nested(Arc::new(ByProxy(proxied))), None)?,
        url("/via/.*", "direct").build()?,
    ]));
    assert_eq!(pick(&root, "h", "/via/x", true)?, Some("proxied"));
    assert_eq!(pick(&root, "h", "/via/x", false)?, Some("direct"));
    assert_eq!(root.reverse_url("proxied", &["a b"])?, "/via/a%20b");
    Ok(())
}

#[test]
fn nested_reverse_errors_propagate() -> TestResult {
    let inner = RuleRouter::from_rules([url(r"/n/(\d+)", ()).name("n").build()?]);
    let root = RuleRouter::from_rules([nest("/n/.*", inner).build()?]);
    assert_eq!(root.reverse_url("n", &["4"])?, "/n/4");
    assert!(matches!(
        root.reverse_url("n", &[]),
        Err(RouteError::ArgumentCount { .. })
    ));
    Ok(())
}
