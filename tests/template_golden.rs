//! The golden corpus: templates rendered by Python Tornado 6 (see
//! `tests/data/templates/gen_golden.py`) must render byte for byte the same here, in each of
//! the three whitespace modes. Parse errors must carry the same message, name and line;
//! render-time errors must be errors of the same Python exception class.

use std::collections::HashMap;

use serde::Deserialize;
use tornado::template::{
    DictLoader, Function, Loader, Namespace, TemplateError, Value, Whitespace,
};

#[derive(Deserialize)]
struct Case {
    name: String,
    templates: serde_json::Map<String, serde_json::Value>,
    entry: String,
    ns: serde_json::Value,
    funcs: Vec<String>,
}

#[derive(Deserialize)]
struct Expected {
    cases: HashMap<String, HashMap<String, Outcome>>,
}

#[derive(Deserialize, Debug)]
struct Outcome {
    output: Option<String>,
    parse_error: Option<String>,
    error: Option<String>,
}

fn text_arg(args: &[Value], i: usize) -> Result<String, String> {
    match args.get(i) {
        Some(Value::Str(s)) => Ok(s.to_string()),
        Some(v) => Err(format!("TypeError: expected str, got {}", v.type_name())),
        None => Err("TypeError: missing argument".into()),
    }
}

fn register(ns: &mut Namespace, name: &str) {
    match name {
        "upper_fn" => {
            ns.set_function("upper_fn", |a| {
                Ok(Value::from(text_arg(a, 0)?.to_uppercase()))
            });
        }
        "wrap" => {
            ns.set_function("wrap", |a| {
                Ok(Value::from(format!("[{}]", text_arg(a, 0)?)))
            });
        }
        "add" => {
            ns.set_function("add", |a| match a {
                [Value::Int(x), Value::Int(y)] => Ok(Value::Int(x + y)),
                [Value::Str(x), Value::Str(y)] => Ok(Value::from(format!("{x}{y}"))),
                _ => Err("TypeError: add() takes two ints or two strs".into()),
            });
        }
        "_tt_modules" => {
            ns.set_module(
                "Badge",
                Function::new("Badge", |a| {
                    Ok(Value::from(format!(
                        "<span class=\"badge\">{}</span>",
                        a[0]
                    )))
                }),
            );
        }
        other => panic!("unknown helper function {other}"),
    }
}

fn run(case: &Case, mode: Whitespace) -> Result<String, TemplateError> {
    let templates: Vec<(String, String)> = case
        .templates
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
        .collect();
    let loader: Loader = DictLoader::new(templates)
        .into_loader()
        .with_whitespace(mode);
    let mut ns = Namespace::from_serialize(&case.ns)?;
    for f in &case.funcs {
        register(&mut ns, f);
    }
    loader.load(&case.entry)?.render(&ns)
}

#[test]
fn golden_corpus_matches_tornado() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/templates");
    let cases: Vec<Case> =
        serde_json::from_str(&std::fs::read_to_string(format!("{dir}/cases.json")).unwrap())
            .unwrap();
    let expected: Expected =
        serde_json::from_str(&std::fs::read_to_string(format!("{dir}/expected.json")).unwrap())
            .unwrap();
    assert!(cases.len() >= 60, "corpus too small: {}", cases.len());
    let mut failures = Vec::new();
    let mut checked = 0;
    for case in &cases {
        let want_modes = &expected.cases[&case.name];
        for mode in [Whitespace::All, Whitespace::Single, Whitespace::Oneline] {
            let want = &want_modes[mode.as_str()];
            let got = run(case, mode);
            checked += 1;
            let ok = match (&got, want) {
                (
                    Ok(out),
                    Outcome {
                        output: Some(w), ..
                    },
                ) => out == w,
                (
                    Err(TemplateError::Parse(e)),
                    Outcome {
                        parse_error: Some(w),
                        ..
                    },
                ) => &e.to_string() == w,
                (
                    Err(TemplateError::Render(e)),
                    Outcome {
                        error: Some(class), ..
                    },
                ) => e.message.starts_with(&format!("{class}:")),
                _ => false,
            };
            if !ok {
                failures.push(format!(
                    "{} [{}]\n   want: {:?}\n   got:  {:?}",
                    case.name, mode, want, got
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
    eprintln!(
        "{checked} golden renders matched ({} cases x 3 modes)",
        cases.len()
    );
}

/// The benchmark page (`bench/template/`) renders exactly as Tornado renders it.
#[test]
fn bench_page_matches_tornado() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/bench/template");
    let data: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{dir}/data.json")).unwrap())
            .unwrap();
    let want = std::fs::read_to_string(format!("{dir}/expected.html")).unwrap();
    let loader = Loader::new(format!("{dir}/templates"));
    let got = loader.load("page.html").unwrap().generate(&data).unwrap();
    assert_eq!(got, want);
}
