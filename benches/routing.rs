//! Micro-benchmarks of path routing: one path against a table of 50 rules, hitting the first,
//! a middle and the last rule, and missing them all.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use std::time::Duration;
use tornado::web::routing::{url, HostRouter, RouteRequest, RuleRouter};

/// 50 rules shaped like a real application's: a few literal pages, resources with numeric ids,
/// named groups and a static prefix.
fn table() -> RuleRouter<usize> {
    let mut router = RuleRouter::new();
    for i in 0..50 {
        let pattern = match i % 4 {
            0 => format!("/page{i}"),
            1 => format!(r"/res{i}/([0-9]+)"),
            2 => format!(r"/res{i}/(?P<id>[0-9]+)/(?P<action>[a-z]+)"),
            _ => format!("/static{i}/(.*)"),
        };
        match url(&pattern, i).build() {
            Ok(rule) => router.add_rule(rule),
            Err(err) => panic!("bench rule {pattern}: {err}"),
        }
    }
    router
}

fn rule_router(c: &mut Criterion) {
    let router = table();
    let mut g = c.benchmark_group("routing_50_rules");
    for (name, path) in [
        ("first", "/page0"),
        ("middle", "/res25/12345"),
        ("last", "/static49/css/site.css"),
        ("miss", "/nothing/here"),
    ] {
        g.bench_function(name, |b| {
            b.iter(|| {
                let found = router.find(black_box(path));
                black_box(found.map(|m| m.map(|m| *m.target)).ok())
            })
        });
    }
    let middle = &router.rules()[25];
    g.bench_function("middle_rule_alone", |b| {
        b.iter(|| black_box(middle.match_path(black_box("/res25/12345")).ok()))
    });
    g.finish();
}

fn host_router(c: &mut Criterion) {
    let mut app = HostRouter::new(table()).with_default_host("www.example.com");
    if let Err(err) = app.add_handlers(r"api\.example\.com", [table().rules()[10].clone()]) {
        panic!("bench host group: {err}");
    }
    let mut g = c.benchmark_group("host_routing");
    g.bench_function("raw_host_header_middle", |b| {
        b.iter(|| {
            let request = RouteRequest::new(black_box("WWW.Example.com:8080"), "/res26/7/edit");
            black_box(app.find(&request).map(|m| m.map(|m| *m.target)).ok())
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = rule_router, host_router
}
criterion_main!(benches);
