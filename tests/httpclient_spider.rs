#![allow(clippy::duplicate_mod)]
//! The spider example crawls its local site completely: every page once, the broken link
//! recorded as dead, nothing off-site.

#[allow(dead_code)]
#[path = "../examples/spider.rs"]
mod spider;

use tornado::testing::TestServer;

#[actix_rt::test]
async fn spider_crawls_the_whole_site() {
    let pages = 25;
    let s = TestServer::start(spider::make_site(pages));
    let base = s.url("/");
    let report = spider::crawl(&base, spider::CONCURRENCY).await;

    let mut expected: std::collections::BTreeSet<String> =
        (1..=pages).map(|n| s.url(&format!("/page/{n}"))).collect();
    expected.insert(base.clone());
    assert_eq!(report.fetched, expected);
    assert_eq!(
        report.dead.iter().collect::<Vec<_>>(),
        [&s.url("/page/missing")]
    );
    assert_eq!(
        report.fetching,
        report.fetched.union(&report.dead).cloned().collect()
    );
    // Ten workers, one client, keep-alive: never more connections than workers.
    assert!(s.handle().stats().accepted() <= spider::CONCURRENCY as u64);
}
