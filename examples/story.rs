//! Path arguments, handler data from the route's factory (Tornado's `initialize`), and
//! `reverse_url`: `cargo run --example story`, then `curl http://127.0.0.1:8888/`.

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;

use tornado::escape::xhtml_escape;
use tornado::web::{url, Application, HandlerContext, HttpError, RequestHandler, Result};

/// The stories, shared by every handler.
pub struct Db {
    stories: BTreeMap<u64, (String, String)>,
}

impl Db {
    /// A few stories.
    pub fn sample() -> Self {
        let mut stories = BTreeMap::new();
        stories.insert(1, ("Hello".to_owned(), "The first story.".to_owned()));
        stories.insert(
            2,
            (
                "Tornado & Rust".to_owned(),
                "Actors <3 handlers.".to_owned(),
            ),
        );
        stories.insert(42, ("The answer".to_owned(), "Forty-two.".to_owned()));
        Db { stories }
    }
}

struct IndexHandler {
    db: Arc<Db>,
}
tornado::handler_actor!(IndexHandler);

impl RequestHandler for IndexHandler {
    async fn get(&mut self, cx: &mut HandlerContext<Self>) -> Result {
        let mut page = String::from("<html><body><h1>Stories</h1><ul>");
        for (id, (title, _)) in &self.db.stories {
            let link = cx
                .application()
                .reverse_url("story", &[&id.to_string()])
                .map_err(|e| HttpError::new(500).log_message(e.to_string()))?;
            page.push_str(&format!(
                "<li><a href=\"{link}\">{}</a></li>",
                xhtml_escape(title)
            ));
        }
        page.push_str("</ul></body></html>");
        cx.write(page)
    }
}

struct StoryHandler {
    db: Arc<Db>,
}
tornado::handler_actor!(StoryHandler);

impl RequestHandler for StoryHandler {
    async fn get(&mut self, cx: &mut HandlerContext<Self>) -> Result {
        let id: u64 = cx.path_arg(0)?.parse().map_err(|_| HttpError::new(400))?;
        let Some((title, body)) = self.db.stories.get(&id) else {
            return Err(HttpError::new(404)
                .log_message(format!("no story {id}"))
                .into());
        };
        cx.write(format!(
            "<html><body><h1>{}</h1><p>{}</p><a href=\"/\">all stories</a></body></html>",
            xhtml_escape(title),
            xhtml_escape(body)
        ))
    }
}

/// The application, shared with the tests.
pub fn make_app(db: Arc<Db>) -> Application {
    let index_db = db.clone();
    Application::builder()
        .route(url(r"/", move || IndexHandler {
            db: index_db.clone(),
        }))
        .route(url(r"/story/([0-9]+)", move || StoryHandler { db: db.clone() }).name("story"))
        .build()
        .expect("the routes are valid")
}

fn main() -> std::io::Result<()> {
    let args = common::parse_args("story");
    common::init_logging(&args.logging);
    common::serve(args, || make_app(Arc::new(Db::sample())))
}
