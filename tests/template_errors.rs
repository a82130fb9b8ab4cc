//! Parse errors carry Tornado's messages with name and line; malformed or hostile templates
//! end in an error, never a panic or a hang.

use serde_json::json;
use tornado::template::{limits, DictLoader, Template, TemplateError};

fn parse_err(src: &str) -> String {
    match Template::with_name(src, "t.html") {
        Ok(_) => "parsed".into(),
        Err(e) => e.to_string(),
    }
}

#[test]
fn tornado_parse_messages() {
    let cases = [
        ("{% if x %}", "Missing {% end %} block for if at t.html:1"),
        (
            "a\n{% for x in y %}\nb",
            "Missing {% end %} block for for at t.html:2",
        ),
        ("\n\n{% end %}", "Extra {% end %} block at t.html:3"),
        ("{% foo %}", "unknown operator: 'foo' at t.html:1"),
        (
            "{% break %}",
            "break outside {'for', 'while'} block at t.html:1",
        ),
        (
            "{% if 1 %}{% continue %}{% end %}",
            "continue outside {'for', 'while'} block at t.html:1",
        ),
        (
            "{% else %}",
            "else outside {'for', 'if', 'try', 'while'} block at t.html:1",
        ),
        ("{% finally %}", "finally outside {'try'} block at t.html:1"),
        (
            "{% while x %}{% elif y %}{% end %}",
            "elif block cannot be attached to while block at t.html:1",
        ),
        (
            "{% if x %}{% except %}{% end %}",
            "except block cannot be attached to if block at t.html:1",
        ),
        ("{{ x", "Missing end expression }} at t.html:1"),
        ("{% if", "Missing end block %} at t.html:1"),
        ("{# c", "Missing end comment #} at t.html:1"),
        ("{{ }}", "Empty expression at t.html:1"),
        ("{%  %}", "Empty block tag ({% %}) at t.html:1"),
        ("{% extends '' %}", "extends missing file path at t.html:1"),
        ("{% include %}", "include missing file path at t.html:1"),
        ("{% set %}", "set missing statement at t.html:1"),
        (
            "{% apply %}{% end %}",
            "apply missing method name at t.html:1",
        ),
        ("{% block %}{% end %}", "block missing name at t.html:1"),
        (
            "{% whitespace tabs %}",
            "invalid whitespace mode tabs at t.html:1",
        ),
        (
            "{% extends 'base.html' %}",
            "{% extends %} block found, but no template loader at t.html:1",
        ),
        (
            "{% include 'x.html' %}",
            "{% include %} block found, but no template loader at t.html:1",
        ),
    ];
    for (src, want) in cases {
        assert_eq!(parse_err(src), want, "source: {src:?}");
    }
}

#[test]
fn import_and_from_are_clear_errors() {
    assert!(parse_err("{% import os %}").starts_with("{% import %} is not supported"));
    assert!(parse_err("{% from a import b %}").starts_with("{% from %} is not supported"));
    assert_eq!(
        parse_err("{% import %}"),
        "import missing statement at t.html:1"
    );
}

#[test]
fn expression_syntax_errors_are_parse_errors() {
    for src in [
        "{{ 1 + }}",
        "{{ a b }}",
        "{% if (x %}{% end %}",
        "{% for in y %}{% end %}",
        "{{ [x for x in y] }}",
        "{{ lambda: 1 }}",
        "{% set x == %}",
    ] {
        let e = parse_err(src);
        assert!(e.contains("at t.html:1"), "{src:?} -> {e}");
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let src = "{% if 1 %}".repeat(5000);
    assert!(parse_err(&src).contains("nested more than"));
    let src = format!("{{{{ {}1{} }}}}", "(".repeat(5000), ")".repeat(5000));
    assert!(parse_err(&src).contains("nested more than"));
    let src = format!("{{{{ {}1 }}}}", "not ".repeat(5000));
    assert!(parse_err(&src).contains("nested more than"));
}

#[test]
fn include_cycles_and_depth_are_errors() {
    let loader = DictLoader::new([
        ("a.html", "{% include 'b.html' %}"),
        ("b.html", "{% include 'a.html' %}"),
    ]);
    let err = loader.load("a.html").unwrap_err();
    assert!(
        err.to_string()
            .contains("template cycle: a.html -> b.html -> a.html"),
        "{err}"
    );
    let loader = DictLoader::new([("self.html", "{% extends 'self.html' %}")]);
    assert!(loader.load("self.html").unwrap_err().is_parse());
    let chain: Vec<(String, String)> = (0..100)
        .map(|i| (format!("t{i}"), format!("{{% include 't{}' %}}", i + 1)))
        .collect();
    let loader = DictLoader::new(chain);
    assert!(loader
        .load("t0")
        .unwrap_err()
        .to_string()
        .contains("nested more than"));
}

#[test]
fn infinite_loops_hit_the_budget() {
    let t = Template::new("{% while True %}{% end %}").unwrap();
    let err = t.generate(&json!({})).unwrap_err();
    assert!(err.to_string().contains("loop iteration budget"), "{err}");
    // The limit cannot be swallowed by {% try %}.
    let t = Template::new("{% try %}{% while True %}{% end %}{% except %}caught{% end %}").unwrap();
    assert!(t.generate(&json!({})).is_err());
}

#[test]
fn huge_values_hit_size_limits() {
    for src in [
        "{{ 'x' * 10 ** 12 }}",
        "{{ list(range(10 ** 12)) }}",
        "{{ [1] * 10 ** 9 }}",
    ] {
        let err = Template::new(src)
            .unwrap()
            .generate(&json!({}))
            .unwrap_err();
        match err {
            TemplateError::Render(e) => assert!(e.is_limit(), "{src}: {e}"),
            other => panic!("{src}: {other}"),
        }
    }
    let t = Template::new("{% for i in range(100000) %}{% set s = 'y' * 1000 %}{{ s }}{% end %}")
        .unwrap();
    let err = t.generate(&json!({})).unwrap_err();
    assert!(err.to_string().contains(&format!(
        "output larger than {} bytes",
        limits::MAX_OUTPUT_BYTES
    )));
}

#[test]
fn runtime_errors_name_template_and_line() {
    let loader = DictLoader::new([
        ("base.html", "<h1>\n{% block b %}{% end %}"),
        (
            "child.html",
            "{% extends 'base.html' %}\n\n{% block b %}\n{{ 1 + 'a' }}{% end %}",
        ),
    ]);
    let err = loader
        .load("child.html")
        .unwrap()
        .generate(&json!({}))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "TypeError: unsupported operand type(s) for +: 'int' and 'str' at child.html:4"
    );
}

#[test]
fn bad_namespace_is_an_error() {
    let t = Template::new("x").unwrap();
    assert!(matches!(
        t.generate(&[1, 2]),
        Err(TemplateError::Namespace(_))
    ));
    assert!(matches!(
        t.generate(&json!({"big": u64::MAX})),
        Err(TemplateError::Namespace(_))
    ));
}

#[test]
fn quadratic_string_building_hits_the_work_budget() {
    let t = Template::new("{% set s = '' %}{% for i in range(1000000) %}{% set s += 'xxxxxxxxxxxxxxxx' %}{% end %}{{ len(s) }}").unwrap();
    let started = std::time::Instant::now();
    let err = t.generate(&json!({})).unwrap_err();
    assert!(err.to_string().contains("expression work budget"), "{err}");
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    let t = Template::new("{% set s = 'x' %}{% while True %}{% set s += s %}{% end %}").unwrap();
    assert!(t.generate(&json!({})).is_err());
}
