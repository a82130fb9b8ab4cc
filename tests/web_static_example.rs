#![allow(clippy::duplicate_mod)]
//! The `static_files` example over real sockets: the page links its assets through
//! `static_url`, and those versioned URLs serve the files with long cache headers.

#[allow(dead_code)]
#[path = "../examples/static_files.rs"]
mod static_files;

use tornado::testing::TestServer;

fn between<'a>(text: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let from = text.find(start)? + start.len();
    let len = text[from..].find(end)?;
    Some(&text[from..from + len])
}

#[test]
fn index_links_versioned_assets_that_are_served() {
    let dir = std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/static"));
    let s = TestServer::start(static_files::make_app(dir.clone()));
    let page = s.fetch("/");
    assert_eq!(page.status, 200);
    let html = page.text();
    let css_url =
        between(&html, r#"<link rel="stylesheet" href=""#, "\"").expect("stylesheet link");
    let img_url = between(&html, r#"<img class="logo" src=""#, "\"").expect("image");
    for (url, file, content_type) in [
        (css_url, "style.css", "text/css; charset=UTF-8"),
        (img_url, "tornado.svg", "image/svg+xml"),
    ] {
        let prefix = format!("/static/{file}?v=");
        assert!(url.starts_with(&prefix), "{url}");
        let version = &url[prefix.len()..];
        assert_eq!(version.len(), 128, "a SHA-512 hex digest: {version}");
        assert!(version.bytes().all(|b| b.is_ascii_hexdigit()));
        let r = s.fetch(url);
        assert_eq!(r.status, 200, "{url}");
        assert_eq!(r.header("Content-Type"), Some(content_type));
        assert_eq!(r.header("Cache-Control"), Some("max-age=315360000"));
        assert_eq!(r.header("Etag"), Some(format!("\"{version}\"").as_str()));
        let on_disk = std::fs::read(dir.join(file)).expect("the example's file");
        assert!(r.body == on_disk, "{file} differs from the file on disk");
    }
    assert!(html.contains("<code>/static/style.css</code>"));
    assert_eq!(s.fetch("/robots.txt").status, 200);
}
