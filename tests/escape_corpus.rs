//! Replays the escape corpus generated with Python Tornado 6
//! (`tests/data/escape/gen_escape_corpus.py`) against `tornado::escape`.

use std::sync::Arc;

use serde::Deserialize;
use serde_json::Value as Json;
use tornado::escape::{self, ExtraParams, LinkifyOptions};

#[derive(Deserialize)]
struct Corpus {
    records: Vec<Record>,
}

#[derive(Deserialize)]
struct Record {
    #[serde(rename = "fn")]
    func: String,
    args: Vec<Json>,
    kwargs: serde_json::Map<String, Json>,
    expected: Json,
}

fn arg_str(r: &Record) -> &str {
    r.args[0].as_str().unwrap_or_default()
}

fn plus(r: &Record) -> bool {
    r.kwargs.get("plus").and_then(Json::as_bool).unwrap_or(true)
}

fn linkify_options(kwargs: &serde_json::Map<String, Json>) -> LinkifyOptions {
    let mut o = LinkifyOptions::default();
    for (k, v) in kwargs {
        match k.as_str() {
            "shorten" => o.shorten = v.as_bool().unwrap_or(false),
            "require_protocol" => o.require_protocol = v.as_bool().unwrap_or(false),
            "permitted_protocols" => {
                o.permitted_protocols = v
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|p| p.as_str().map(str::to_string))
                    .collect()
            }
            "extra_params" if v == "@extra_fn" => {
                o.extra_params = ExtraParams::Fn(Arc::new(|href: &str| {
                    if href.contains("example") {
                        " class=\"internal\" ".to_string()
                    } else {
                        "class=\"external\"".to_string()
                    }
                }))
            }
            "extra_params" => {
                o.extra_params = ExtraParams::Text(v.as_str().unwrap_or_default().to_string())
            }
            other => panic!("unknown linkify option {other}"),
        }
    }
    o
}

fn actual(r: &Record) -> Json {
    match r.func.as_str() {
        "xhtml_escape" => Json::from(escape::xhtml_escape(arg_str(r))),
        "xhtml_unescape" => Json::from(escape::xhtml_unescape(arg_str(r))),
        "url_escape" => Json::from(escape::url_escape(arg_str(r), plus(r))),
        "url_unescape" => Json::from(escape::url_unescape(arg_str(r), plus(r))),
        "url_unescape_bytes" => {
            Json::from(escape::url_unescape_bytes(arg_str(r).as_bytes(), plus(r)))
        }
        "json_encode" => {
            Json::from(escape::json_encode(&r.args[0]).unwrap_or_else(|e| format!("error: {e}")))
        }
        "squeeze" => Json::from(escape::squeeze(arg_str(r))),
        "linkify" => Json::from(escape::linkify(arg_str(r), &linkify_options(&r.kwargs))),
        other => panic!("unknown function {other}"),
    }
}

#[test]
fn escape_corpus_matches_tornado() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/escape/corpus.json");
    let corpus: Corpus = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert!(corpus.records.len() >= 200, "corpus too small");
    let mut failures = Vec::new();
    for r in &corpus.records {
        let got = actual(r);
        if got != r.expected {
            failures.push(format!(
                "{}({:?}, {:?})\n   want: {}\n   got:  {}",
                r.func, r.args, r.kwargs, r.expected, got
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} mismatches:\n{}",
        failures.len(),
        corpus.records.len(),
        failures.join("\n")
    );
    eprintln!("{} escape records matched", corpus.records.len());
}
