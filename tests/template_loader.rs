//! Directory and dictionary loaders: relative names, root confinement, caching, reset and
//! custom sources.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use serde_json::json;
use tornado::template::{DictLoader, Loader, Namespace, TemplateSource, Value};

fn temp_root(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tornado-template-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    dir
}

#[test]
fn directory_loader_resolves_relative_to_including_file() {
    let root = temp_root("rel");
    std::fs::write(root.join("base.html"), "<b>{% block c %}{% end %}</b>").unwrap();
    std::fs::write(
        root.join("sub/page.html"),
        "{% extends '../base.html' %}{% block c %}{% include 'part.html' %}{% end %}",
    )
    .unwrap();
    std::fs::write(root.join("sub/part.html"), "part {{ x }}").unwrap();
    let loader = Loader::new(&root);
    let t = loader.load("sub/page.html").unwrap();
    assert_eq!(t.generate(&json!({"x": 1})).unwrap(), "<b>part 1</b>");
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn directory_loader_stays_under_root() {
    let root = temp_root("root");
    std::fs::write(
        root.join("sub/esc.html"),
        "{% include '../../outside.html' %}",
    )
    .unwrap();
    let loader = Loader::new(root.join("sub"));
    assert!(loader.load("../sub/esc.html").unwrap_err().is_not_found());
    let err = loader.load("esc.html").unwrap_err();
    assert!(err.is_not_found(), "{err}");
    assert!(
        err.to_string().contains("outside the template root"),
        "{err}"
    );
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn cache_and_reset() {
    let root = temp_root("cache");
    std::fs::write(root.join("a.html"), "one").unwrap();
    let loader = Loader::new(&root);
    let first = loader.load("a.html").unwrap();
    std::fs::write(root.join("a.html"), "two").unwrap();
    let again = loader.load("a.html").unwrap();
    assert!(Arc::ptr_eq(&first, &again));
    assert_eq!(again.generate(&json!({})).unwrap(), "one");
    loader.reset();
    assert_eq!(
        loader.load("a.html").unwrap().generate(&json!({})).unwrap(),
        "two"
    );
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn dict_loader_posix_resolution_and_missing_names() {
    let loader = DictLoader::new([("a/b.html", "{% include '../c.html' %}"), ("c.html", "C")]);
    assert_eq!(
        loader
            .load("a/b.html")
            .unwrap()
            .generate(&json!({}))
            .unwrap(),
        "C"
    );
    assert!(loader.load("nope.html").unwrap_err().is_not_found());
    assert_eq!(loader.resolve_path("x.html", Some("a/b.html")), "a/x.html");
    assert_eq!(loader.resolve_path("x.html", Some("<string>")), "x.html");
}

#[test]
fn loader_namespace_and_whitespace_settings() {
    let mut ns = Namespace::new();
    ns.set("site", "Example")
        .set_function("twice", |a| Ok(Value::from(format!("{0}{0}", a[0]))));
    let loader = DictLoader::new([("p.html", "{{ twice(site) }}  \n\n  {{ site }}")])
        .into_loader()
        .with_namespace(ns)
        .with_whitespace(tornado::template::Whitespace::Oneline);
    let t = loader.load("p.html").unwrap();
    assert_eq!(t.generate(&json!({})).unwrap(), "ExampleExample Example");
    // Render-time values win over the loader's namespace.
    assert_eq!(t.generate(&json!({"site": "X"})).unwrap(), "XX X");
}

#[test]
fn custom_source_and_shared_across_threads() {
    struct Counting(AtomicUsize);
    impl TemplateSource for Counting {
        fn read(&self, name: &str) -> Result<String, String> {
            self.0.fetch_add(1, Ordering::SeqCst);
            Ok(format!("{name}:{{{{ n }}}}"))
        }
    }
    let loader = Loader::from_source(Counting(AtomicUsize::new(0)));
    let handles: Vec<_> = (0..4)
        .map(|i| {
            let loader = loader.clone();
            std::thread::spawn(move || {
                loader
                    .load("t")
                    .unwrap()
                    .generate(&json!({"n": i}))
                    .unwrap()
            })
        })
        .collect();
    let outs: Vec<String> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert!(outs.iter().all(|o| o.starts_with("t:")));
}

#[test]
fn handles_are_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<tornado::template::Template>();
    check::<Loader>();
    check::<DictLoader>();
    check::<Namespace>();
    check::<Value>();
}
