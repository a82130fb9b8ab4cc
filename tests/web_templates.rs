//! Templates in handlers: render/render_string, the default namespace, autoescape, UI modules
//! and methods, the compiled-template cache, and template errors.

use std::sync::Arc;

use serde::Serialize;
use tornado::template::{DictLoader, Function, Value};
use tornado::testing::{TestRequest, TestServer};
use tornado::web::signed::SecretKeys;
use tornado::web::{url, Application, HandlerContext, RequestHandler, Result, Settings, UiModule};

#[derive(Serialize)]
struct Page<'a> {
    title: &'a str,
    items: Vec<&'a str>,
}

#[derive(Default)]
struct Render;
tornado::handler_actor!(Render);
impl RequestHandler for Render {
    async fn get_current_user(&mut self, _cx: &mut HandlerContext<Self>) -> Result<Option<String>> {
        Ok(Some("ann".into()))
    }
    async fn get(&mut self, cx: &mut HandlerContext<Self>) -> Result {
        self.current_user(cx).await?;
        let name = cx.path_arg(0)?.to_owned();
        let page = Page {
            title: "<Tornado>",
            items: vec!["a&b", "c"],
        };
        if cx.get_argument_or("string", "")? == "1" {
            let text = cx.render_string(&name, &page)?;
            return cx.write(format!("[{text}]"));
        }
        cx.render(&name, &page)
    }
}

struct Entry;
impl UiModule for Entry {
    fn render(
        &self,
        args: &[Value],
        _kwargs: &[(Arc<str>, Value)],
    ) -> std::result::Result<String, String> {
        Ok(format!(
            "<b>{}</b>",
            tornado::escape::xhtml_escape(&args[0].to_py_string())
        ))
    }
    fn embedded_css(&self) -> Option<String> {
        Some(".b{}".into())
    }
    fn javascript_files(&self) -> Vec<String> {
        vec!["/js/a.js".into(), "/js/a.js".into()]
    }
    fn embedded_javascript(&self) -> Option<String> {
        Some("go();".into())
    }
}

fn server(debug: bool) -> TestServer {
    let loader = DictLoader::new([
        ("base.html", "<html><head><title>{{ title }}</title></head><body>{% block body %}{% end %}</body></html>"),
        ("page.html", "{% extends \"base.html\" %}{% block body %}{% for i in items %}<i>{{ i }}</i>{% end %}{% end %}"),
        ("ns.txt", "{{ request['path'] }}|{{ current_user }}|{{ reverse_url('render', 'x.txt') }}|{{ shout('hi') }}|{{ handler.request.method }}"),
        ("xsrf.html", "{% raw xsrf_form_html() %}"),
        ("plain.html", "no xsrf here"),
        ("module.html", "<html><head></head><body>{% module Entry(title) %}{% module Entry('again') %}</body></html>"),
        ("broken.html", "line one\n{% if %}"),
        ("missing-name.html", "{{ nope }}"),
    ])
    .into_loader();
    let app = Application::builder()
        .route(url(r"/render/(.*)", Render::default).name("render"))
        .settings(Settings {
            debug,
            template_loader: Some(loader),
            cookie_secret: Some(SecretKeys::Single(b"k".to_vec())),
            ui_methods: vec![(
                "shout".into(),
                Function::new("shout", |args| {
                    Ok(Value::from(args[0].to_py_string().to_uppercase()))
                }),
            )],
            ui_modules: vec![("Entry".into(), Arc::new(Entry) as Arc<dyn UiModule>)],
            ..Default::default()
        })
        .build()
        .unwrap();
    TestServer::start(app)
}

#[test]
fn render_with_extends_and_autoescape() {
    let s = server(false);
    let r = s.fetch("/render/page.html");
    assert_eq!(
        r.text(),
        "<html><head><title>&lt;Tornado&gt;</title></head><body><i>a&amp;b</i><i>c</i></body></html>"
    );
    assert_eq!(r.header("Content-Type"), Some("text/html; charset=UTF-8"));
    let r = s.fetch("/render/plain.html?string=1");
    assert_eq!(r.text(), "[no xsrf here]");
}

#[test]
fn default_namespace_and_ui_methods() {
    let s = server(false);
    assert_eq!(
        s.fetch("/render/ns.txt").text(),
        "/render/ns.txt|ann|/render/x.txt|HI|GET"
    );
}

#[test]
fn xsrf_form_html_sets_the_cookie_only_when_used() {
    let s = server(false);
    let r = s.fetch("/render/xsrf.html");
    let cookie = r.headers.get_list("Set-Cookie");
    assert_eq!(cookie.len(), 1);
    assert!(cookie[0].starts_with("_xsrf=2|"), "{cookie:?}");
    let token = cookie[0]
        .trim_start_matches("_xsrf=")
        .split(';')
        .next()
        .unwrap();
    assert_eq!(
        r.text(),
        format!("<input type=\"hidden\" name=\"_xsrf\" value=\"{token}\"/>")
    );
    assert!(s
        .fetch("/render/plain.html")
        .headers
        .get_list("Set-Cookie")
        .is_empty());
}

#[test]
fn ui_modules_and_their_assets() {
    let s = server(false);
    let html = s.fetch("/render/module.html").text();
    assert_eq!(
        html,
        "<html><head><style type=\"text/css\">\n.b{}\n</style>\n</head><body><b>&lt;Tornado&gt;</b><b>again</b>\
         <script src=\"/js/a.js\" type=\"text/javascript\"></script>\n\
         <script type=\"text/javascript\">\n//<![CDATA[\ngo();\n//]]>\n</script>\n</body></html>"
    );
}

#[test]
fn template_errors_are_500s_with_details_in_debug() {
    let s = server(false);
    let r = s.fetch("/render/broken.html");
    assert_eq!(r.status, 500);
    assert!(!r.text().contains("broken.html"));
    let d = server(true);
    let r = d.fetch("/render/broken.html");
    assert_eq!(r.status, 500);
    assert!(r.text().contains("broken.html:2"), "{}", r.text());
    let r = d.fetch("/render/missing-name.html");
    assert_eq!(r.status, 500);
    assert!(r.text().contains("nope"), "{}", r.text());
    assert_eq!(d.fetch("/render/none.html").status, 500);
}

#[test]
fn compiled_template_cache_off_rereads_files() {
    let dir = std::env::temp_dir().join(format!("tornado-tpl-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("t.html"), "one").unwrap();
    let make = |debug: bool| {
        TestServer::start(
            Application::builder()
                .route(url(r"/render/(.*)", Render::default))
                .settings(Settings {
                    debug,
                    template_path: Some(dir.clone()),
                    ..Default::default()
                })
                .build()
                .unwrap(),
        )
    };
    let cached = make(false);
    let fresh = make(true);
    assert_eq!(cached.fetch("/render/t.html").text(), "one");
    assert_eq!(fresh.fetch("/render/t.html").text(), "one");
    std::fs::write(dir.join("t.html"), "two").unwrap();
    assert_eq!(cached.fetch("/render/t.html").text(), "one");
    assert_eq!(fresh.fetch("/render/t.html").text(), "two");
    // Names are kept under the template directory.
    assert_eq!(
        fresh
            .fetch_with(TestRequest::get("/render/..%2F..%2Fetc%2Fpasswd"))
            .status,
        500
    );
    let _ = std::fs::remove_dir_all(&dir);
}
