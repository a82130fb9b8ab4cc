//! Renders a realistic page (layout via extends, an include, a 100-row table loop, escaping)
//! with this crate's engine and with minijinja on an equivalent Jinja template.
//!
//! `bench/template/bench_tornado.py` renders the same page with Python Tornado; see
//! `docs/templates.md` for the ratios.
//!
//! With `TORNADO_TEMPLATE_RENDERS=N` set, the binary skips criterion and just renders the page
//! N times, so `bench/template/compare.sh` can measure CPU time per render with `perf stat`
//! (robust on a busy machine, where wall-clock numbers are not).

use criterion::{black_box, criterion_group, Criterion};
use tornado::template::{Loader, Namespace};

fn bench(c: &mut Criterion) {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/bench/template");
    let data: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{dir}/data.json")).expect("data.json"),
    )
    .expect("valid JSON");

    let loader = Loader::new(format!("{dir}/templates"));
    let page = loader.load("page.html").expect("page compiles");
    let ns = Namespace::from_serialize(&data).expect("namespace");
    let expected = std::fs::read_to_string(format!("{dir}/expected.html")).expect("expected.html");
    assert_eq!(
        page.render(&ns).expect("renders"),
        expected,
        "output differs from Tornado's"
    );

    let mut g = c.benchmark_group("page");
    g.bench_function("tornado-rs render (prepared namespace)", |b| {
        b.iter(|| black_box(page.render(black_box(&ns)).expect("renders")))
    });
    g.bench_function("tornado-rs generate (serde_json::Value namespace)", |b| {
        b.iter(|| black_box(page.generate(black_box(&data)).expect("renders")))
    });

    let mut env = minijinja::Environment::new();
    env.set_loader(minijinja::path_loader(format!("{dir}/jinja")));
    let tmpl = env.get_template("page.html").expect("jinja template");
    g.bench_function("minijinja render", |b| {
        b.iter(|| black_box(tmpl.render(black_box(&data)).expect("renders")))
    });
    g.finish();

    c.bench_function("compile page.html (parse + link, no cache)", |b| {
        b.iter(|| {
            loader.reset();
            black_box(loader.load("page.html").expect("compiles"))
        })
    });
}

criterion_group!(benches, bench);

fn main() {
    if let Ok(n) = std::env::var("TORNADO_TEMPLATE_RENDERS") {
        let n: usize = n.parse().expect("TORNADO_TEMPLATE_RENDERS is a number");
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/bench/template");
        let data: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(format!("{dir}/data.json")).expect("data.json"),
        )
        .expect("valid JSON");
        let page = Loader::new(format!("{dir}/templates"))
            .load("page.html")
            .expect("page compiles");
        let ns = Namespace::from_serialize(&data).expect("namespace");
        let mut total = 0;
        for _ in 0..n {
            total += black_box(page.render(black_box(&ns)).expect("renders")).len();
        }
        println!("{n} renders, {total} bytes");
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
