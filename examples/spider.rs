//! Tornado's web spider demo: a `Queue` of URLs, `CONCURRENCY` workers fetching with
//! `AsyncHttpClient`, following links that stay on the site, and `join` to know when the crawl
//! is over.
//!
//! The site it crawls is served by a small local application started in the same process, so
//! the demo needs no network: `cargo run --example spider [-- --pages N]`.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tornado::httpclient::{urljoin, AsyncHttpClient};
use tornado::queues::Queue;
use tornado::sync::Deadline;
use tornado::web::{url, Application, HandlerContext, HttpError, RequestHandler, Result};

/// Workers fetching at once.
pub const CONCURRENCY: usize = 10;

// ------------------------------------------------------------------------------------------
// The site: page n links to pages 2n and 2n+1 (a binary tree of `pages` pages), back to the
// index, off-site, and — from page 3 — to a page that does not exist.

/// The number of pages the site has (an application extension).
struct Pages(u32);

#[derive(Default)]
struct IndexHandler;
tornado::handler_actor!(IndexHandler);

impl RequestHandler for IndexHandler {
    async fn get(&mut self, cx: &mut HandlerContext<Self>) -> Result {
        cx.write(r#"<html><body><h1>Index</h1><a href="page/1">start here</a></body></html>"#)
    }
}

#[derive(Default)]
struct PageHandler;
tornado::handler_actor!(PageHandler);

impl RequestHandler for PageHandler {
    async fn get(&mut self, cx: &mut HandlerContext<Self>) -> Result {
        let pages = cx.extension::<Pages>().map_or(0, |p| p.0);
        let n: u32 = cx.path_arg(0)?.parse().map_err(|_| HttpError::new(404))?;
        if n == 0 || n > pages {
            return Err(HttpError::new(404).into());
        }
        let mut html = format!("<html><body><h1>Page {n}</h1>\n<a href=\"/\">index</a>\n");
        for child in [2 * n, 2 * n + 1].into_iter().filter(|&c| c <= pages) {
            // Relative, absolute-path and fragment links all lead to the same kind of page.
            html.push_str(&format!("<a href=\"{child}#section\">page {child}</a>\n"));
            html.push_str(&format!("<a class=x href='/page/{child}'>again</a>\n"));
        }
        html.push_str("<a href=\"http://example.invalid/elsewhere\">off-site</a>\n");
        html.push_str("<a href=\"mailto:webmaster@example.invalid\">mail</a>\n");
        if n == 3 {
            html.push_str("<a href=\"/page/missing\">broken</a>\n");
        }
        html.push_str("</body></html>");
        cx.write(html)
    }
}

/// The site's application with `pages` pages.
pub fn make_site(pages: u32) -> Application {
    Application::builder()
        .route(url(r"/", IndexHandler::default))
        .route(url(r"/page/([^/]+)", PageHandler::default))
        .extension(Pages(pages))
        .build()
        .expect("the routes are valid")
}

// ------------------------------------------------------------------------------------------
// The spider.

/// The `href` of every `<a>` tag.
fn get_links(html: &str) -> Vec<String> {
    static LINK: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re = LINK.get_or_init(|| {
        regex::Regex::new(r#"(?is)<a\s[^>]*?href\s*=\s*(?:"([^"]*)"|'([^']*)')"#)
            .expect("the pattern is valid")
    });
    re.captures_iter(html)
        .filter_map(|c| c.get(1).or_else(|| c.get(2)))
        .map(|m| m.as_str().to_owned())
        .collect()
}

/// Fetches `url` and returns the absolute URLs it links to.
async fn get_links_from_url(
    client: &AsyncHttpClient,
    url: &str,
) -> std::result::Result<Vec<String>, tornado::httpclient::HttpClientError> {
    let response = client.fetch(url).await?;
    println!("fetched {url}");
    let html = String::from_utf8_lossy(&response.body);
    Ok(get_links(&html)
        .iter()
        .filter_map(|link| urljoin(url, link))
        .collect())
}

/// What a crawl found.
#[derive(Debug, Default)]
pub struct CrawlReport {
    /// Pages fetched.
    pub fetched: BTreeSet<String>,
    /// Pages that could not be fetched.
    pub dead: BTreeSet<String>,
    /// Pages a worker started on.
    pub fetching: BTreeSet<String>,
}

/// Crawls every page under `base_url` with `concurrency` workers.
pub async fn crawl(base_url: &str, concurrency: usize) -> CrawlReport {
    let queue: Queue<Option<String>> = Queue::new(None);
    let report = Arc::new(Mutex::new(CrawlReport::default()));
    let client = AsyncHttpClient::current();

    let mut workers = Vec::new();
    for _ in 0..concurrency {
        let (queue, report, client) = (queue.clone(), report.clone(), client.clone());
        let base_url = base_url.to_owned();
        workers.push(actix_rt::spawn(async move {
            while let Ok(Some(url)) = queue.get(Deadline::NEVER).await {
                let first_visit = report
                    .lock()
                    .map(|mut r| r.fetching.insert(url.clone()))
                    .unwrap_or(false);
                if first_visit {
                    println!("fetching {url}");
                    match get_links_from_url(&client, &url).await {
                        Ok(links) => {
                            if let Ok(mut r) = report.lock() {
                                r.fetched.insert(url.clone());
                            }
                            for link in links.into_iter().filter(|l| l.starts_with(&base_url)) {
                                let _ = queue.put(Some(link), Deadline::NEVER).await;
                            }
                        }
                        Err(e) => {
                            println!("Exception: {e} {url}");
                            if let Ok(mut r) = report.lock() {
                                r.dead.insert(url.clone());
                            }
                        }
                    }
                }
                let _ = queue.task_done();
            }
        }));
    }

    let _ = queue.put(Some(base_url.to_owned()), Deadline::NEVER).await;
    if queue.join(Duration::from_secs(300)).await.is_err() {
        println!("gave up after 300 seconds");
    }
    for _ in 0..concurrency {
        let _ = queue.put(None, Deadline::NEVER).await;
    }
    for w in workers {
        let _ = w.await;
    }
    let mut report = report
        .lock()
        .map(|mut r| std::mem::take(&mut *r))
        .unwrap_or_default();
    report.fetching.retain(|u| !u.is_empty());
    report
}

fn main() -> std::io::Result<()> {
    let mut pages = 40;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match (a.as_str(), args.next().and_then(|v| v.parse().ok())) {
            ("--pages", Some(n)) => pages = n,
            _ => {
                eprintln!("usage: spider [--pages N]");
                std::process::exit(2);
            }
        }
    }
    actix_rt::System::new().block_on(async move {
        let server = make_site(pages).listen_with(0, "127.0.0.1", Default::default())?;
        let addr = server
            .local_addr()
            .ok_or_else(|| std::io::Error::other("the site has no address"))?;
        let base_url = format!("http://{addr}/");
        let start = Instant::now();
        let report = crawl(&base_url, CONCURRENCY).await;
        assert_eq!(
            report.fetching,
            report.fetched.union(&report.dead).cloned().collect(),
            "every page started is either fetched or dead"
        );
        println!(
            "Done in {:.2} seconds, fetched {} URLs.",
            start.elapsed().as_secs_f64(),
            report.fetched.len()
        );
        println!("Unable to fetch {} URLs.", report.dead.len());
        server.stop(Duration::from_secs(1)).await;
        Ok(())
    })
}
